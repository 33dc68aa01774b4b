-- One row per month x queue with at least one pairable unit: the agreement statistics
-- with every (session, item) of the month's sessions of that queue as one unit
-- (metrics.md, "Calibration agreement"). Sessions belong to the month of their date.
with

item_label_counts as (
    select * from {{ ref('int_calibration__item_label_counts') }}
),

sessions as (
    select * from {{ ref('int_calibration__sessions') }}
),

unit_label_counts as (
    select
        sessions.month_start,
        sessions.queue_code,
        item_label_counts.label,
        item_label_counts.label_ratings,
        item_label_counts.item_ratings as unit_ratings
    from item_label_counts
    inner join sessions
        on item_label_counts.session_id = sessions.session_id
),

monthly_agreement as (
    {{ agreement_statistics('unit_label_counts', ['month_start', 'queue_code']) }}
)

select
    month_start,
    queue_code,
    pairable_units as pairable_items,
    pairable_ratings,
    distinct_labels,
    percent_agreement,
    fleiss_kappa,
    krippendorff_alpha
from monthly_agreement
