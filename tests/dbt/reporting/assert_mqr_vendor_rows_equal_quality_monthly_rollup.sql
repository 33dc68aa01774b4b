-- Every MQR vendor row equals mart_quality_monthly summed over queues for that month and
-- vendor (audit counts exactly), its headline equals mart_decision_quality_monthly's
-- queue 'all' row of that vendor, and its queue-slice verdicts count that mart's queue x
-- vendor cells. Also no month x vendor of the source is lost.
with

report as (
    select * from {{ ref('mart_monthly_quality_report') }} where vendor_code != 'all'
),

quality_monthly as (
    select * from {{ ref('mart_quality_monthly') }}
),

decision_quality as (
    select * from {{ ref('mart_decision_quality_monthly') }}
),

decision_cells as (
    select
        month_start,
        vendor_code,
        count(*) filter (where target_status = 'missed') as queue_slices_below_target,
        count(*) filter (where target_status = 'inconclusive') as queue_slices_inconclusive
    from decision_quality
    where not is_rollup
    group by month_start, vendor_code
),

rolled_up as (
    select
        month_start,
        vendor_code,
        sum(decisions) as decisions,
        sum(audits) as audits,
        sum(correct) as correct,
        sum(errors) as errors,
        sum(critical_errors) as critical_errors,
        sum(resolved_disputes) as resolved_disputes,
        sum(overturned_disputes) as overturned_disputes
    from quality_monthly
    group by month_start, vendor_code
)

select
    rolled_up.month_start as source_month_start,
    rolled_up.vendor_code as source_vendor_code,
    report.month_start as report_month_start,
    report.vendor_code as report_vendor_code
from rolled_up
full outer join report
    on rolled_up.month_start = report.month_start
    and rolled_up.vendor_code = report.vendor_code
left join decision_quality
    on report.month_start = decision_quality.month_start
    and decision_quality.queue_code = 'all'
    and report.vendor_code = decision_quality.vendor_code
left join decision_cells
    on report.month_start = decision_cells.month_start
    and report.vendor_code = decision_cells.vendor_code
where
    report.vendor_code is null
    or rolled_up.vendor_code is null
    or rolled_up.decisions != report.decisions
    or rolled_up.audits != report.audits
    or rolled_up.correct != report.correct
    or rolled_up.errors != report.errors
    or rolled_up.critical_errors != report.critical_errors
    or rolled_up.resolved_disputes != report.resolved_disputes
    or rolled_up.overturned_disputes != report.overturned_disputes
    or coalesce(decision_cells.queue_slices_below_target, 0) != report.queue_slices_below_target
    or coalesce(decision_cells.queue_slices_inconclusive, 0) != report.queue_slices_inconclusive
    or report.accuracy is distinct from decision_quality.accuracy
    or report.accuracy_ci_low is distinct from decision_quality.accuracy_ci_low
    or report.accuracy_ci_high is distinct from decision_quality.accuracy_ci_high
    or report.target_status is distinct from decision_quality.target_status
    or report.est_wrong_decisions is distinct from decision_quality.est_wrong_decisions
