-- The 'all' row of each month is the pool of its vendor rows: counts are their sums and
-- qa_score is a ratio of those sums (not an average of the vendor rates). The headline
-- estimate weights strata by their decisions, so its estimated wrong decisions add up
-- over vendors (sum over strata of N_h (1 - p_h)) and the 'all' accuracy is
-- 1 - their sum / the covered decisions, never an average of vendor accuracies. Every
-- month with a vendor row has exactly one 'all' row.
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
        sum(random_audits) as random_audits,
        sum(covered_decisions) as covered_decisions,
        sum(est_wrong_decisions) as est_wrong_decisions,
        1.0 - sum(est_wrong_decisions) / nullif(sum(covered_decisions), 0) as accuracy,
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
    or vendor_pool.random_audits != all_rows.random_audits
    or vendor_pool.covered_decisions != all_rows.covered_decisions
    or not (vendor_pool.est_wrong_decisions is not distinct from all_rows.est_wrong_decisions
        or abs(vendor_pool.est_wrong_decisions - all_rows.est_wrong_decisions) < 1e-9)
    or not (vendor_pool.qa_score is not distinct from all_rows.qa_score
        or abs(vendor_pool.qa_score - all_rows.qa_score) < 1e-9)
