-- The escalation backlog at each month end is everything created so far minus everything
-- resolved so far (escalations are resolved after they are created), and, where a
-- month starts on a Monday, equals mart_escalations_weekly's open_at_week_end (summed
-- over source and severity) for the week that ends at that instant.
with

review as (
    select * from {{ ref('mart_monthly_business_review') }}
),

weekly as (
    select * from {{ ref('mart_escalations_weekly') }}
),

cumulative as (
    select
        month_start,
        escalations_open_at_month_end,
        sum(escalations_created) over (order by month_start) as created_so_far,
        sum(escalations_resolved) over (order by month_start) as resolved_so_far
    from review
),

weekly_backlog as (
    select
        week_end,
        sum(open_at_week_end) as open_at_week_end
    from weekly
    group by week_end
)

select cumulative.*, weekly_backlog.open_at_week_end
from cumulative
left join weekly_backlog
    on weekly_backlog.week_end = cast(cumulative.month_start + interval 1 month as timestamp)
where
    cumulative.escalations_open_at_month_end != cumulative.created_so_far - cumulative.resolved_so_far
    or (weekly_backlog.open_at_week_end is not null
        and weekly_backlog.open_at_week_end != cumulative.escalations_open_at_month_end)
