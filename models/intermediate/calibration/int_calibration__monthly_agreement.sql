-- One row per month x queue (and per month with queue_code 'all') with at least one
-- pairable unit: the agreement statistics with every (session, item) of the month's
-- sessions of that queue (of every queue for 'all') as one unit (metrics.md,
-- "Calibration agreement"). Sessions belong to the month of their date.
with

unit_label_counts as (
    select * from {{ ref('int_calibration__monthly_unit_label_counts') }}
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
