-- Every MQR vendor row equals mart_quality_monthly summed over queues for that month and
-- vendor (counts exactly; the rates then follow from the pooled counts), and the
-- per-queue target status it summarises. Also no month x vendor of the source is lost.
with

report as (
    select * from {{ ref('mart_monthly_quality_report') }} where vendor_code != 'all'
),

quality_monthly as (
    select * from {{ ref('mart_quality_monthly') }}
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
        sum(overturned_disputes) as overturned_disputes,
        count(*) filter (where target_met = false) as queue_slices_below_target,
        sum(correct) * 1.0 / nullif(sum(audits), 0) as accuracy
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
    or rolled_up.queue_slices_below_target != report.queue_slices_below_target
    or not (rolled_up.accuracy is not distinct from report.accuracy
        or abs(rolled_up.accuracy - report.accuracy) < 1e-12)
