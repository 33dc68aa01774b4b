-- One row per law-enforcement request (current version) with its SLA, due time,
-- turnaround and SLA outcome (metrics.md, "Law-enforcement response"):
--   due_at           = received_at + sla_hours of the request type
--   turnaround_hours = (responded_at - received_at) in hours, null while unanswered
--   sla_met          = turnaround_hours <= sla_hours when answered;
--                      false when unanswered and due_at < the build's as-of time;
--                      null when unanswered and not yet due (due_at >= as-of), and null
--                      for a request type with no row in the `lert_sla` seed.
-- Sensitive data: le_requests carry no free text or user identifiers (raw_contract.md);
-- only request attributes and the specialist's employee id are kept.
with

le_requests as (
    select * from {{ ref('stg_landing__le_requests') }}
),

request_types as (
    select * from {{ ref('int_lert__request_types') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
),

timed as (
    select
        le_requests.request_id,
        le_requests.received_at,
        le_requests.request_type,
        request_types.is_emergency,
        request_types.request_type_sort,
        le_requests.country,
        le_requests.agency_type,
        le_requests.accounts_specified,
        le_requests.legal_process_valid,
        le_requests.specialist_id,
        le_requests.status,
        le_requests.outcome,
        le_requests.responded_at,
        request_types.sla_hours,
        {{ tsqa.add_microseconds(
            'le_requests.received_at', 'cast(round(request_types.sla_hours * 3600000000.0) as bigint)'
        ) }} as due_at,
        {{ tsqa.date_diff('microsecond', 'le_requests.received_at', 'le_requests.responded_at') }} / 3600000000.0
            as turnaround_hours,
        as_of.as_of
    from le_requests
    inner join request_types on le_requests.request_type = request_types.request_type
    cross join as_of
)

select
    request_id,
    received_at,
    cast(date_trunc('month', received_at) as date) as received_month,
    request_type,
    is_emergency,
    request_type_sort,
    country,
    agency_type,
    accounts_specified,
    legal_process_valid,
    specialist_id,
    status,
    outcome,
    responded_at,
    responded_at is not null as is_responded,
    sla_hours,
    due_at,
    turnaround_hours,
    case
        when sla_hours is null then null
        when responded_at is not null then turnaround_hours <= sla_hours
        when due_at < as_of then false
    end as sla_met,
    coalesce(sla_hours is not null and responded_at is null and due_at < as_of, false) as is_open_past_due,
    as_of
from timed
