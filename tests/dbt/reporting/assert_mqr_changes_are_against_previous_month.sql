-- Month-over-month changes are 100 x (this month's rate - the previous calendar month's
-- rate of the same vendor_code), null when either is missing (metrics.md, "in points").
with

report as (
    select * from {{ ref('mart_monthly_quality_report') }}
),

paired as (
    select
        report.month_start,
        report.vendor_code,
        report.accuracy_change_mom,
        report.critical_error_rate_change_mom,
        100.0 * (report.accuracy - previous_month.accuracy) as expected_accuracy_change,
        100.0 * (report.critical_error_rate - previous_month.critical_error_rate) as expected_critical_change
    from report
    left join report as previous_month
        on previous_month.vendor_code = report.vendor_code
        and previous_month.month_start = cast(report.month_start - interval 1 month as date)
)

select *
from paired
where
    (accuracy_change_mom is null) != (expected_accuracy_change is null)
    or abs(accuracy_change_mom - expected_accuracy_change) > 1e-9
    or (critical_error_rate_change_mom is null) != (expected_critical_change is null)
    or abs(critical_error_rate_change_mom - expected_critical_change) > 1e-9
