-- Pareto of coded errors per audit month and queue (metrics.md, "Root causes"): one row
-- per root cause with at least one incorrect (dispute-adjusted) audit carrying it.
with

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

root_causes as (
    select * from {{ ref('dim_root_causes') }}
),

coded_errors as (
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        queue_code,
        root_cause_code,
        count(*) as errors
    from audits
    where not is_correct and root_cause_code is not null
    group by 1, 2, 3
),

ranked as (
    select
        *,
        sum(errors) over (partition by month_start, queue_code) as coded_errors,
        row_number() over (
            partition by month_start, queue_code order by errors desc, root_cause_code asc
        ) as rank
    from coded_errors
),

cumulated as (
    select
        *,
        sum(errors) over (
            partition by month_start, queue_code order by rank
            rows between unbounded preceding and current row
        ) as cumulative_errors
    from ranked
)

select
    cumulated.month_start,
    cumulated.queue_code,
    cumulated.root_cause_code,
    root_causes.root_cause_name,
    root_causes.category as root_cause_category,
    cast(cumulated.errors as bigint) as errors,
    cast(cumulated.coded_errors as bigint) as coded_errors,
    {{ safe_divide('cumulated.errors', 'cumulated.coded_errors') }} as share,
    cast(cumulated.rank as bigint) as rank,
    {{ safe_divide('cumulated.cumulative_errors', 'cumulated.coded_errors') }} as cumulative_share,
    {{ safe_divide('cumulated.cumulative_errors - cumulated.errors', 'cumulated.coded_errors') }} < 0.8
        as vital_few
from cumulated
left join root_causes on cumulated.root_cause_code = root_causes.root_cause_code
