-- One row per month x queue (and per month with queue_code 'all') with participant
-- ratings: Gwet's AC1 and the standard errors of AC1 and of Krippendorff's alpha, with
-- every (session, item) of the month's sessions as one unit (metrics.md, "Calibration
-- agreement"; macros/stats/agreement_intervals.sql).
with

unit_label_counts as (
    select * from {{ ref('int_calibration__monthly_unit_label_counts') }}
),

monthly_intervals as (
    {{ agreement_intervals('unit_label_counts', ['month_start', 'queue_code'], 'unit_id') }}  -- noqa: PRS
)

select * from monthly_intervals
