-- Each MBR month equals its source marts rolled up to the month: quality = the MQR 'all'
-- row, calibration = mart_calibration_sessions / mart_calibration_monthly, LERT =
-- mart_lert_sla_monthly / mart_lert_quality_monthly summed over their slices, and the
-- LERT mean score = the plain mean of fct_lert_assessments.assessment_score (proving the
-- weighting by scored assessments). Months missing from a source must show zero counts.
with

review as (
    select * from {{ ref('mart_monthly_business_review') }}
),

quality_all as (
    select * from {{ ref('mart_monthly_quality_report') }} where vendor_code = 'all'
),

sessions as (
    select
        month_start,
        count(*) as sessions,
        count(*) filter (where needs_recalibration) as needing_recalibration
    from {{ ref('mart_calibration_sessions') }}
    group by month_start
),

calibration_monthly as (
    select
        month_start,
        sum(sessions) filter (where queue_code <> 'all') as sessions,
        sum(ratings_matching_reference) filter (where queue_code <> 'all') * 1.0
        / nullif(sum(ratings_with_reference) filter (where queue_code <> 'all'), 0) as reference_alignment,
        -- the pooled alpha is the `all` row's (every session item of the month as a unit),
        -- never a mean of session (or queue) alphas
        max(krippendorff_alpha) filter (where queue_code = 'all') as pooled_alpha
    from {{ ref('mart_calibration_monthly') }}
    group by month_start
),

sla as (
    select
        month_start,
        sum(requests) as requests,
        sum(sla_met) as sla_met,
        sum(sla_evaluated) as sla_evaluated,
        sum(open_past_due) as open_past_due
    from {{ ref('mart_lert_sla_monthly') }}
    group by month_start
),

lert_quality as (
    select
        month_start,
        sum(assessments) as assessments,
        sum(critical_fails) as critical_fails,
        sum(over_disclosures) as over_disclosures
    from {{ ref('mart_lert_quality_monthly') }}
    group by month_start
),

assessment_scores as (
    select
        assessed_month as month_start,
        avg(assessment_score) as mean_score
    from {{ ref('fct_lert_assessments') }}
    group by assessed_month
)

select review.month_start
from review
left join quality_all on review.month_start = quality_all.month_start
left join sessions on review.month_start = sessions.month_start
left join calibration_monthly on review.month_start = calibration_monthly.month_start
left join sla on review.month_start = sla.month_start
left join lert_quality on review.month_start = lert_quality.month_start
left join assessment_scores on review.month_start = assessment_scores.month_start
where
    review.audits != coalesce(quality_all.audits, 0)
    or review.decisions != coalesce(quality_all.decisions, 0)
    or review.accuracy is distinct from quality_all.accuracy
    or review.qa_score is distinct from quality_all.qa_score
    or review.critical_error_rate is distinct from quality_all.critical_error_rate
    or review.accuracy_target is distinct from quality_all.accuracy_target
    or review.calibration_sessions != coalesce(sessions.sessions, 0)
    or review.calibration_sessions != coalesce(calibration_monthly.sessions, 0)
    or review.sessions_needing_recalibration != coalesce(sessions.needing_recalibration, 0)
    or review.calibration_krippendorff_alpha is distinct from calibration_monthly.pooled_alpha
    or not (review.calibration_reference_alignment is not distinct from calibration_monthly.reference_alignment
        or abs(review.calibration_reference_alignment - calibration_monthly.reference_alignment) < 1e-12)
    or review.le_requests != coalesce(sla.requests, 0)
    or review.sla_met != coalesce(sla.sla_met, 0)
    or review.sla_evaluated != coalesce(sla.sla_evaluated, 0)
    or review.le_requests_open_past_due != coalesce(sla.open_past_due, 0)
    or review.lert_assessments != coalesce(lert_quality.assessments, 0)
    or review.lert_critical_fails != coalesce(lert_quality.critical_fails, 0)
    or review.lert_over_disclosures != coalesce(lert_quality.over_disclosures, 0)
    or not (review.lert_mean_assessment_score is not distinct from assessment_scores.mean_score
        or abs(review.lert_mean_assessment_score - assessment_scores.mean_score) < 1e-9)
