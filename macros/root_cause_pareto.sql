{#-
    The root-cause Pareto (metrics.md, "Root causes") of the incorrect audits in the CTE
    `audits` with a root cause, per audit month and `queue` (a column, or the literal
    'all' for every queue together), joined to the CTE `root_causes` for names: errors,
    share of coded errors, rank (errors descending, then code), cumulative share and
    vital_few (the cumulative share before the cause is below 0.8). The logic CTEs and
    the final select of mart_root_cause_pareto and mart_root_cause_pareto_all_queues.
-#}
{%- macro root_cause_pareto(queue) -%}
coded_errors as (
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        {{ queue }} as queue_code,
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
    cast(cumulated.queue_code as string) as queue_code,
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
{%- endmacro -%}
