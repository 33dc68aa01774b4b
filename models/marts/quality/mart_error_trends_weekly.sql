-- Weekly p-chart of the error rate per queue (metrics.md, "Error trends") over RANDOM
-- audits only (the probability sample of the decisions: a change in the mix of targeted
-- or appeal audits must not look like a change in quality): weeks start Monday (UTC) by
-- audit date; a row for every queue-week with at least one random audit. The centre line
-- is the pooled error rate of the 12 calendar weeks before (i-12 .. i-1), the limits
-- follow each week's own sample size; the Laney p' limits also widen or narrow them by
-- the between-week variation (sigma_z) of that baseline.
with

daily as (
    select * from {{ ref('mart_quality_daily') }}
),

weekly as (
    select
        cast(date_trunc('week', audit_date) as date) as week_start,
        queue_code,
        sum(audits) as audits,
        sum(errors) as errors
    from daily
    where audit_source = 'random'
    group by 1, 2
),

baselines as (
    -- pooled over the 12 calendar weeks before; weeks without audits add nothing
    select
        weekly.week_start,
        weekly.queue_code,
        sum(baseline_weeks.audits) as baseline_audits,
        sum(baseline_weeks.errors) as baseline_errors,
        count(baseline_weeks.week_start) as baseline_weeks_with_audits
    from weekly
    left join weekly as baseline_weeks
        on
            weekly.queue_code is not distinct from baseline_weeks.queue_code
            and baseline_weeks.week_start >= cast(weekly.week_start - interval 84 day as date)
            and weekly.week_start > baseline_weeks.week_start
    group by 1, 2
),

charted as (
    select
        weekly.week_start,
        weekly.queue_code,
        weekly.audits,
        weekly.errors,
        {{ safe_divide('weekly.errors', 'weekly.audits') }} as error_rate,
        coalesce(baselines.baseline_audits, 0) as baseline_audits,
        coalesce(baselines.baseline_errors, 0) as baseline_errors,
        baselines.baseline_weeks_with_audits,
        {{ safe_divide('baselines.baseline_errors', 'baselines.baseline_audits') }} as centre_line
    from weekly
    inner join baselines
        on
            weekly.week_start = baselines.week_start
            and weekly.queue_code is not distinct from baselines.queue_code
),

laney_baseline_z as (
    -- z_j of each baseline week j of week i, standardised with week i's centre line
    -- (only where that centre line is strictly between 0 and 1)
    select
        charted.week_start,
        charted.queue_code,
        baseline_weeks.week_start as baseline_week_start,
        (baseline_weeks.errors * 1.0 / baseline_weeks.audits - charted.centre_line)
        / sqrt(charted.centre_line * (1.0 - charted.centre_line) / baseline_weeks.audits) as z
    from charted
    inner join weekly as baseline_weeks
        on
            charted.queue_code is not distinct from baseline_weeks.queue_code
            and baseline_weeks.week_start >= cast(charted.week_start - interval 84 day as date)
            and charted.week_start > baseline_weeks.week_start
    where charted.centre_line > 0 and charted.centre_line < 1
),

laney_moving_ranges as (
    -- |z_j - z_j'| of consecutive baseline weeks with a row, in week order
    select
        week_start,
        queue_code,
        abs(z - lag(z) over (partition by week_start, queue_code order by baseline_week_start)) as moving_range
    from laney_baseline_z
),

laney_sigma as (
    -- mean moving range / 1.128 (d2 for ranges of two); null with fewer than two
    -- baseline rows (no moving range)
    select
        week_start,
        queue_code,
        avg(moving_range) / 1.128 as sigma_z
    from laney_moving_ranges
    group by 1, 2
),

limits as (
    select
        charted.*,
        laney_sigma.sigma_z,
        {{ laney_ucl('charted.centre_line', 'charted.audits', 'laney_sigma.sigma_z') }} as laney_ucl,
        {{ laney_lcl('charted.centre_line', 'charted.audits', 'laney_sigma.sigma_z') }} as laney_lcl,
        {{ p_chart_ucl('charted.centre_line', 'charted.audits') }} as ucl,
        {{ p_chart_lcl('charted.centre_line', 'charted.audits') }} as lcl,
        -- +1 above the centre line, -1 below, 0 on it, null without a centre line
        sign(charted.error_rate - charted.centre_line) as side_of_centre_line
    from charted
    left join laney_sigma
        on
            charted.week_start = laney_sigma.week_start
            and charted.queue_code is not distinct from laney_sigma.queue_code
),

runs as (
    -- weeks i-7 .. i that have a row and lie strictly on week i's side of their centre lines
    select
        limits.week_start,
        limits.queue_code,
        count(run_weeks.week_start) as weeks_on_same_side
    from limits
    left join limits as run_weeks
        on
            limits.queue_code is not distinct from run_weeks.queue_code
            and run_weeks.week_start >= cast(limits.week_start - interval 49 day as date)
            and limits.week_start >= run_weeks.week_start
            and limits.side_of_centre_line = run_weeks.side_of_centre_line
            and limits.side_of_centre_line != 0
    group by 1, 2
),

previous_weeks as (
    select
        limits.*,
        previous_week.error_rate as previous_error_rate
    from limits
    left join limits as previous_week
        on
            limits.queue_code is not distinct from previous_week.queue_code
            and previous_week.week_start = cast(limits.week_start - interval 7 day as date)
)

select
    previous_weeks.week_start,
    previous_weeks.queue_code,
    cast(previous_weeks.audits as bigint) as audits,
    cast(previous_weeks.errors as bigint) as errors,
    previous_weeks.error_rate,
    cast(previous_weeks.baseline_audits as bigint) as baseline_audits,
    cast(previous_weeks.baseline_errors as bigint) as baseline_errors,
    previous_weeks.centre_line,
    previous_weeks.ucl,
    previous_weeks.lcl,
    coalesce(
        previous_weeks.centre_line is not null
        and (previous_weeks.error_rate > previous_weeks.ucl or previous_weeks.error_rate < previous_weeks.lcl),
        false
    ) as beyond_limits,
    coalesce(runs.weeks_on_same_side = 8, false) as run_of_8,
    100.0 * (previous_weeks.error_rate - previous_weeks.previous_error_rate) as error_rate_change_wow,
    previous_weeks.sigma_z,
    previous_weeks.laney_ucl,
    previous_weeks.laney_lcl,
    coalesce(
        previous_weeks.laney_ucl is not null
        and (
            previous_weeks.error_rate > previous_weeks.laney_ucl
            or previous_weeks.error_rate < previous_weeks.laney_lcl
        ),
        false
    ) as beyond_laney_limits
from previous_weeks
inner join runs
    on
        previous_weeks.week_start = runs.week_start
        and previous_weeks.queue_code is not distinct from runs.queue_code
