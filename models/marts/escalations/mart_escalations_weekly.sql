-- One row per week (Monday 00:00 UTC start) x source x severity (metrics.md,
-- "Escalations"). Every source x severity that occurs in fct_escalations gets a row for
-- every week from the week of the first escalation ever created to the later of the
-- as-of week and the week of the last created/mitigated/resolved event, so backlog stays
-- visible in quiet weeks (those rows have zero counts and null percentiles).
--   created          escalations created in the week
--   resolved         escalations resolved in the week (week of resolved_at)
--   mitigated        escalations mitigated in the week (week of mitigated_at)
--   open_at_week_end created before week_end and not resolved before week_end, where
--                    week_end = week_start + 7 days, the instant the next week starts
--                    (so "created on or before the week's end" = created_at < week_end,
--                    "resolved by it" = resolved_at < week_end; mitigated counts as open)
--   resolve p50/p90  exact linear percentiles of hours_to_resolve over the week's resolved
--   mitigate p50/p90 of hours_to_mitigate over the same escalations, the week's resolved
--                    (metrics.md: both "by week of resolution"); those resolved without a
--                    mitigation step have no hours_to_mitigate and are left out, and one
--                    mitigated but not resolved yet waits for the week it is resolved in
--   with_root_cause  escalations created in the week with a root_cause_code (a count);
--                    with_root_cause_share = with_root_cause / created
with

escalations as (
    select * from {{ ref('fct_escalations') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
),

bounds as (
    select
        cast(date_trunc('week', min(escalations.created_at)) as date) as first_week,
        cast(date_trunc('week', greatest(
            max(as_of.as_of),
            max(escalations.created_at),
            max(escalations.mitigated_at),
            max(escalations.resolved_at)
        )) as date) as last_week
    from escalations
    cross join as_of
),

weeks as (
    select {{ tsqa.date_series('first_week', 'last_week', '7 day') }} as week_start
    from bounds
    where first_week is not null
),

slices as (
    select distinct
        source,
        severity
    from escalations
),

grid as (
    select
        weeks.week_start,
        cast(weeks.week_start + interval 7 day as timestamp) as week_end,
        slices.source,
        slices.severity
    from weeks
    cross join slices
),

created_weekly as (
    select
        cast(date_trunc('week', created_at) as date) as week_start,
        source,
        severity,
        count(*) as created,
        count(*) filter (where has_root_cause) as with_root_cause
    from escalations
    group by all
),

resolved_weekly as (
    select
        cast(date_trunc('week', resolved_at) as date) as week_start,
        source,
        severity,
        count(*) as resolved,
        percentile_cont(0.5) within group (order by hours_to_resolve) as resolve_p50_hours,
        percentile_cont(0.9) within group (order by hours_to_resolve) as resolve_p90_hours,
        -- an aggregate skips nulls: the resolved escalations that were never mitigated
        percentile_cont(0.5) within group (order by hours_to_mitigate) as mitigate_p50_hours,
        percentile_cont(0.9) within group (order by hours_to_mitigate) as mitigate_p90_hours
    from escalations
    where resolved_at is not null
    group by all
),

mitigated_weekly as (
    select
        cast(date_trunc('week', mitigated_at) as date) as week_start,
        source,
        severity,
        count(*) as mitigated
    from escalations
    where mitigated_at is not null
    group by all
),

backlog as (
    select
        grid.week_start,
        grid.source,
        grid.severity,
        count(escalations.escalation_id) as open_at_week_end
    from grid
    left join escalations
        on
            grid.source = escalations.source
            and grid.severity = escalations.severity
            and grid.week_end > escalations.created_at
            and (escalations.resolved_at is null or grid.week_end <= escalations.resolved_at)
    group by all
)

select
    grid.week_start,
    grid.week_end,
    grid.week_end <= as_of.as_of as is_complete_week,
    grid.source,
    grid.severity,
    coalesce(created_weekly.created, 0) as created,
    coalesce(resolved_weekly.resolved, 0) as resolved,
    coalesce(mitigated_weekly.mitigated, 0) as mitigated,
    backlog.open_at_week_end,
    cast(resolved_weekly.mitigate_p50_hours as double) as mitigate_p50_hours,
    cast(resolved_weekly.mitigate_p90_hours as double) as mitigate_p90_hours,
    cast(resolved_weekly.resolve_p50_hours as double) as resolve_p50_hours,
    cast(resolved_weekly.resolve_p90_hours as double) as resolve_p90_hours,
    coalesce(created_weekly.with_root_cause, 0) as with_root_cause,
    cast({{ safe_divide('created_weekly.with_root_cause', 'created_weekly.created') }} as double)
        as with_root_cause_share
from grid
cross join as_of
inner join backlog
    on
        grid.week_start = backlog.week_start
        and grid.source = backlog.source
        and grid.severity = backlog.severity
left join created_weekly
    on
        grid.week_start = created_weekly.week_start
        and grid.source = created_weekly.source
        and grid.severity = created_weekly.severity
left join resolved_weekly
    on
        grid.week_start = resolved_weekly.week_start
        and grid.source = resolved_weekly.source
        and grid.severity = resolved_weekly.severity
left join mitigated_weekly
    on
        grid.week_start = mitigated_weekly.week_start
        and grid.source = mitigated_weekly.source
        and grid.severity = mitigated_weekly.severity
order by grid.week_start, grid.source, grid.severity
