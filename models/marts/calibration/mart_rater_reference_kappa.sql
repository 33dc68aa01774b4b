-- One row per month x participant rater with at least one rated item that has a
-- reference label: Cohen's kappa between the rater's labels and the reference labels on
-- those items (every (session, item) of the month counts once), metrics.md,
-- "Calibration agreement". Months by session date.
with

sessions as (
    select * from {{ ref('int_calibration__sessions') }}
),

ratings as (
    select * from {{ ref('fct_calibration_ratings') }}
),

paired_labels as (
    select
        sessions.month_start,
        ratings.rater_id,
        ratings.label as rater_label,
        ratings.reference_label
    from ratings
    inner join sessions
        on ratings.session_id = sessions.session_id
    where ratings.rater_role = 'participant' and ratings.reference_label is not null
),

rater_kappa as (
    {{ cohen_kappa_statistics('paired_labels', ['month_start', 'rater_id'], 'rater_label', 'reference_label') }}
)

select
    month_start,
    rater_id,
    paired_items as items,
    agreeing_items as items_matching_reference,
    {{ safe_divide('agreeing_items', 'paired_items') }} as reference_alignment,
    cohen_kappa as cohen_kappa_vs_reference
from rater_kappa
