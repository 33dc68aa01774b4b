-- One row per calibration session with at least one participant rating: Gwet's AC1 and
-- the standard errors of AC1 and of Krippendorff's alpha with the t quantiles of their
-- 95% intervals (metrics.md, "Calibration agreement"; macros/stats/agreement_intervals.sql).
with

item_label_counts as (
    select * from {{ ref('int_calibration__item_label_counts') }}
),

unit_label_counts as (
    select
        session_id,
        item_id,
        label,
        label_ratings,
        item_ratings as unit_ratings
    from item_label_counts
),

session_intervals as (
    {{ agreement_intervals('unit_label_counts', ['session_id'], 'item_id') }}  -- noqa: PRS
)

select * from session_intervals
