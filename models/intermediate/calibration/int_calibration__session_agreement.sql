-- One row per calibration session with at least one item rated by two or more
-- participants: percent agreement, Fleiss' kappa and Krippendorff's alpha (nominal)
-- over those items (metrics.md, "Calibration agreement"; formulas in macros/agreement.sql).
with

item_label_counts as (
    select * from {{ ref('int_calibration__item_label_counts') }}
),

unit_label_counts as (
    select
        session_id,
        label,
        label_ratings,
        item_ratings as unit_ratings
    from item_label_counts
),

session_agreement as (
    {{ agreement_statistics('unit_label_counts', ['session_id']) }}
)

select
    session_id,
    pairable_units as pairable_items,
    pairable_ratings,
    distinct_labels,
    percent_agreement,
    fleiss_kappa,
    krippendorff_alpha
from session_agreement
