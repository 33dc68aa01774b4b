-- One row per LERT quality assessment, scored from its checklist items (metrics.md,
-- "Law-enforcement response": assessed_at, assessment_score, over_disclosure).
-- Sensitive data: no free text and no user identifiers.
with

assessments as (
    select * from {{ ref('int_lert__assessments_scored') }}
)

select
    assessment_id,
    request_id,
    specialist_id,
    assessor_id,
    assessed_at,
    assessed_month,
    items,
    items_passed,
    items_failed,
    items_na,
    critical_items_failed,
    critical_failed,
    weight_passed,
    weight_scored,
    assessment_score,
    over_disclosure
from assessments
