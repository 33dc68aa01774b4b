-- One row per LERT quality assessment, scored from its checklist item rows and the
-- `lert_scorecard_items` seed (metrics.md, "Law-enforcement response"):
--   assessed_at      = the earliest assessed_at of the assessment's item rows
--   assessment_score = 100 * sum(weights of `pass` items) / sum(weights of `pass` and
--                      `fail` items); 0 when any critical item is `fail`; null when no
--                      item is scored (all `na`)
--   over_disclosure  = the `disclosure_scope` item is `fail`
-- request_id, specialist_id and assessor_id are taken from the earliest item row (ties
-- broken by item_code); the staged rows of one assessment normally agree on them.
with

assessment_items as (
    select * from {{ ref('stg_landing__lert_assessments') }}
),

scorecard_items as (
    select * from {{ ref('stg_raw__lert_scorecard_items') }}
),

items_weighted as (
    select
        assessment_items.assessment_id,
        assessment_items.request_id,
        assessment_items.specialist_id,
        assessment_items.assessor_id,
        assessment_items.assessed_at,
        assessment_items.item_code,
        assessment_items.result,
        cast(scorecard_items.weight as double) as weight,
        scorecard_items.is_critical
    from assessment_items
    inner join scorecard_items on assessment_items.item_code = scorecard_items.item_code
),

assessments as (
    select
        assessment_id,
        {{ tsqa.arg_min('request_id', ['assessed_at', 'item_code']) }} as request_id,
        {{ tsqa.arg_min('specialist_id', ['assessed_at', 'item_code']) }} as specialist_id,
        {{ tsqa.arg_min('assessor_id', ['assessed_at', 'item_code']) }} as assessor_id,
        min(assessed_at) as assessed_at,
        count(*) as items,
        count(*) filter (where result = 'pass') as items_passed,
        count(*) filter (where result = 'fail') as items_failed,
        count(*) filter (where result = 'na') as items_na,
        count(*) filter (where result = 'fail' and is_critical) as critical_items_failed,
        coalesce(sum(weight) filter (where result = 'pass'), 0.0) as weight_passed,
        coalesce(sum(weight) filter (where result in ('pass', 'fail')), 0.0) as weight_scored,
        coalesce(bool_or(result = 'fail' and item_code = 'disclosure_scope'), false) as over_disclosure
    from items_weighted
    group by assessment_id
)

select
    assessment_id,
    request_id,
    specialist_id,
    assessor_id,
    assessed_at,
    cast(date_trunc('month', assessed_at) as date) as assessed_month,
    items,
    items_passed,
    items_failed,
    items_na,
    critical_items_failed,
    critical_items_failed > 0 as critical_failed,
    weight_passed,
    weight_scored,
    case
        when critical_items_failed > 0 then 0.0
        when weight_scored > 0 then 100.0 * weight_passed / weight_scored
    end as assessment_score,
    over_disclosure
from assessments
