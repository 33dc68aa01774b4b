-- The 'all' row's top three root causes are the first three of mart_root_cause_pareto
-- summed over queues (errors descending, then root_cause_code), with their errors and
-- shares of the month's coded errors.
with

report as (
    select * from {{ ref('mart_monthly_quality_report') }} where vendor_code = 'all'
),

pareto as (
    select * from {{ ref('mart_root_cause_pareto') }}
),

month_causes as (
    select
        month_start,
        root_cause_code,
        sum(errors) as errors
    from pareto
    group by month_start, root_cause_code
),

ranked as (
    select
        *,
        sum(errors) over (partition by month_start) as coded_errors,
        row_number() over (partition by month_start order by errors desc, root_cause_code) as cause_rank
    from month_causes
),

expected as (
    select
        month_start,
        max(coded_errors) as coded_errors,
        max(root_cause_code) filter (where cause_rank = 1) as code_1,
        max(errors) filter (where cause_rank = 1) as errors_1,
        max(root_cause_code) filter (where cause_rank = 2) as code_2,
        max(errors) filter (where cause_rank = 2) as errors_2,
        max(root_cause_code) filter (where cause_rank = 3) as code_3,
        max(errors) filter (where cause_rank = 3) as errors_3
    from ranked
    group by month_start
)

select
    report.month_start
from report
left join expected
    on report.month_start = expected.month_start
where
    coalesce(expected.coded_errors, 0) != report.coded_errors
    or expected.code_1 is distinct from report.root_cause_1_code
    or expected.errors_1 is distinct from report.root_cause_1_errors
    or expected.code_2 is distinct from report.root_cause_2_code
    or expected.errors_2 is distinct from report.root_cause_2_errors
    or expected.code_3 is distinct from report.root_cause_3_code
    or expected.errors_3 is distinct from report.root_cause_3_errors
    or abs(coalesce(report.root_cause_1_share, 0) - coalesce(expected.errors_1 * 1.0 / expected.coded_errors, 0)) > 1e-12
