-- One row per law-enforcement request: SLA due time, turnaround and sla_met as defined
-- in metrics.md ("Law-enforcement response"), against the build's single as-of time.
-- Sensitive data: no free text and no user identifiers (only request attributes and the
-- specialist's employee id).
with

requests as (
    select * from {{ ref('int_lert__requests_sla') }}
)

select
    request_id,
    received_at,
    received_month,
    request_type,
    request_type_sort,
    is_emergency,
    country,
    agency_type,
    accounts_specified,
    legal_process_valid,
    specialist_id,
    status,
    outcome,
    responded_at,
    is_responded,
    sla_hours,
    due_at,
    turnaround_hours,
    sla_met,
    is_open_past_due,
    as_of
from requests
