-- The 'all' row of each month is the pool of its vendor rows: counts are their sums and
-- accuracy, critical_error_rate and qa_score are ratios of those sums (not averages of
-- the vendor rates). Every month with a vendor row has exactly one 'all' row.
with

report as (
    select * from {{ ref('mart_monthly_quality_report') }}
),

vendor_pool as (
    select
        month_start,
        sum(decisions) as decisions,
        sum(audits) as audits,
        sum(correct) as correct,
        sum(critical_errors) as critical_errors,
        sum(score_sum) as score_sum,
        sum(coded_errors) as coded_errors,
        sum(correct) * 1.0 / nullif(sum(audits), 0) as accuracy,
        sum(critical_errors) * 1.0 / nullif(sum(audits), 0) as critical_error_rate,
        sum(score_sum) * 1.0 / nullif(sum(audits), 0) as qa_score
    from report
    where vendor_code != 'all'
    group by month_start
),

all_rows as (
    select * from report where vendor_code = 'all'
)

select
    vendor_pool.month_start,
    all_rows.month_start as all_row_month_start
from vendor_pool
full outer join all_rows
    on vendor_pool.month_start = all_rows.month_start
where
    all_rows.month_start is null
    or vendor_pool.month_start is null
    or vendor_pool.decisions != all_rows.decisions
    or vendor_pool.audits != all_rows.audits
    or vendor_pool.correct != all_rows.correct
    or vendor_pool.critical_errors != all_rows.critical_errors
    or vendor_pool.score_sum != all_rows.score_sum
    or vendor_pool.coded_errors != all_rows.coded_errors
    or not (vendor_pool.accuracy is not distinct from all_rows.accuracy
        or abs(vendor_pool.accuracy - all_rows.accuracy) < 1e-12)
    or not (vendor_pool.critical_error_rate is not distinct from all_rows.critical_error_rate
        or abs(vendor_pool.critical_error_rate - all_rows.critical_error_rate) < 1e-12)
    or not (vendor_pool.qa_score is not distinct from all_rows.qa_score
        or abs(vendor_pool.qa_score - all_rows.qa_score) < 1e-9)
