-- One row per month (of received_at, UTC) and request type with at least one request
-- received: LE response SLA compliance (metrics.md, "Law-enforcement response").
-- sla_compliance = requests with sla_met / requests with a known sla_met (the Wilson n),
-- turnaround percentiles are exact linear ones over the answered requests, and
-- open_past_due counts unanswered requests past due at the as-of time in the month they
-- were received. Beside the answered-only percentiles, Kaplan-Meier percentiles of the
-- time to answer count the requests still open, censored at the as-of time
-- (macros/stats/kaplan_meier.sql); is_provisional marks a month that still has an open
-- request. Rows are stored emergency first (request_type_sort) within each month.
with

requests as (
    select * from {{ ref('fct_le_requests') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
),

time_to_answer as (
    -- answered: the turnaround; open: censored at the as-of time
    select
        requests.received_month,
        requests.request_type,
        requests.is_responded,
        coalesce(
            requests.turnaround_hours,
            {{ tsqa.date_diff('microsecond', 'requests.received_at', 'as_of.as_of') }} / 3600000000.0
        ) as hours_observed
    from requests
    cross join as_of
),

kaplan_meier as (
    {{ kaplan_meier_quantiles(
        'time_to_answer', ['received_month', 'request_type'], 'hours_observed', 'is_responded',
        {'turnaround_km_p50_hours': 0.5, 'turnaround_km_p90_hours': 0.9}) }}
),

monthly as (
    select
        received_month as month_start,
        request_type,
        min(request_type_sort) as request_type_sort,
        bool_or(is_emergency) as is_emergency,
        min(sla_hours) as sla_hours,
        count(*) as requests,
        count(*) filter (where is_responded) as responded,
        count(*) filter (where not is_responded) as unanswered,
        count(sla_met) as sla_evaluated,
        count(*) filter (where sla_met) as sla_met,
        count(*) filter (where not sla_met) as sla_missed,
        count(*) filter (where is_open_past_due) as open_past_due,
        percentile_cont(0.5) within group (order by turnaround_hours) as turnaround_p50_hours,
        percentile_cont(0.9) within group (order by turnaround_hours) as turnaround_p90_hours
    from requests
    group by received_month, request_type
)

select
    monthly.month_start,
    monthly.request_type,
    monthly.request_type_sort,
    is_emergency,
    sla_hours,
    requests,
    responded,
    unanswered,
    sla_evaluated,
    sla_met,
    sla_missed,
    cast({{ safe_divide('sla_met', 'sla_evaluated') }} as double) as sla_compliance,
    cast({{ wilson_low('sla_met', 'sla_evaluated') }} as double) as sla_compliance_ci_low,
    cast({{ wilson_high('sla_met', 'sla_evaluated') }} as double) as sla_compliance_ci_high,
    cast(turnaround_p50_hours as double) as turnaround_p50_hours,
    cast(turnaround_p90_hours as double) as turnaround_p90_hours,
    kaplan_meier.turnaround_km_p50_hours,
    kaplan_meier.turnaround_km_p90_hours,
    open_past_due,
    unanswered > 0 as is_provisional
from monthly
left join kaplan_meier
    on
        monthly.month_start = kaplan_meier.received_month
        and monthly.request_type = kaplan_meier.request_type
order by monthly.month_start, monthly.request_type_sort
