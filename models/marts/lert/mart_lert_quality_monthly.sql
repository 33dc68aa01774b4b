-- One row per month (of assessed_at, UTC) and specialist with at least one assessment:
-- LERT answer quality (metrics.md, "Law-enforcement response"). mean_assessment_score
-- skips assessments without a score (all items `na`); critical_fail_rate = assessments
-- with a failed critical item / all assessments.
with

assessments as (
    select * from {{ ref('fct_lert_assessments') }}
),

monthly as (
    select
        assessed_month as month_start,
        specialist_id,
        count(*) as assessments,
        count(assessment_score) as scored_assessments,
        avg(assessment_score) as mean_assessment_score,
        count(*) filter (where critical_failed) as critical_fails,
        count(*) filter (where over_disclosure) as over_disclosures
    from assessments
    group by assessed_month, specialist_id
)

select
    month_start,
    specialist_id,
    assessments,
    scored_assessments,
    cast(mean_assessment_score as double) as mean_assessment_score,
    critical_fails,
    cast({{ safe_divide('critical_fails', 'assessments') }} as double) as critical_fail_rate,
    cast({{ wilson_low('critical_fails', 'assessments') }} as double) as critical_fail_rate_ci_low,
    cast({{ wilson_high('critical_fails', 'assessments') }} as double) as critical_fail_rate_ci_high,
    over_disclosures,
    cast({{ safe_divide('over_disclosures', 'assessments') }} as double) as over_disclosure_rate
from monthly
order by month_start, specialist_id
