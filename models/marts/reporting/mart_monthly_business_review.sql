-- The Monthly Business Review: one row per calendar month from the first to the last
-- month with any activity (audits, decisions, calibration sessions, LE requests, LERT
-- assessments, escalations). Each section is rolled up from its marts: quality from the
-- Monthly Quality Report's 'all' row, calibration from mart_calibration_sessions and
-- mart_calibration_monthly, LERT from mart_lert_sla_monthly and mart_lert_quality_monthly,
-- escalations from fct_escalations (mart_escalations_weekly is by week, and weeks do not
-- tile months). Rates are ratios of pooled counts, never averages of rates.

with

quality_report as (
    select * from {{ ref('mart_monthly_quality_report') }}
),

calibration_sessions as (
    select * from {{ ref('mart_calibration_sessions') }}
),

calibration_monthly as (
    select * from {{ ref('mart_calibration_monthly') }}
),

lert_sla as (
    select * from {{ ref('mart_lert_sla_monthly') }}
),

lert_quality as (
    select * from {{ ref('mart_lert_quality_monthly') }}
),

escalations as (
    select * from {{ ref('fct_escalations') }}
),

build_as_of as (
    select * from {{ ref('int_build__as_of') }}
),

validation_status as (
    select * from {{ ref('int_reporting__validation_status') }}
),

-- months -----------------------------------------------------------------------------

active_months as (
    select month_start from quality_report
    union
    select month_start from calibration_sessions
    union
    select month_start from lert_sla
    union
    select month_start from lert_quality
    union
    select cast(date_trunc('month', created_at) as date) as month_start from escalations
    union
    select cast(date_trunc('month', resolved_at) as date) as month_start from escalations
    where resolved_at is not null
),

month_bounds as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from active_months
    having count(*) > 0
),

months as (
    select {{ tsqa.date_series('first_month', 'last_month', '1 month') }} as month_start
    from month_bounds
),

-- quality: the pooled 'all' row of the Monthly Quality Report ------------------------

quality_all as (
    select * from quality_report
    where vendor_code = 'all'
),

quality_vendors as (
    select
        month_start,
        count(*) filter (where audits > 0) as vendors_with_audits,
        count(*) filter (where target_status = 'missed') as vendors_below_target,
        count(*) filter (where target_status = 'inconclusive') as vendors_inconclusive
    from quality_report
    where vendor_code != 'all'
    group by month_start
),

-- calibration --------------------------------------------------------------------------

calibration_session_summary as (
    select
        month_start,
        count(*) as sessions,
        count(krippendorff_alpha) as sessions_with_alpha,
        count(*) filter (where needs_recalibration) as sessions_needing_recalibration,
        count(*) filter (where agreement_uncertain) as sessions_agreement_uncertain
    from calibration_sessions
    group by month_start
),

calibration_alignment as (
    -- the month's pooled agreement and alignment: the `all` row (every (session, item)
    -- of the month as one unit; metrics.md: never a mean of session alphas)
    select
        month_start,
        ratings_with_reference,
        ratings_matching_reference,
        krippendorff_alpha,
        krippendorff_alpha_ci_low,
        krippendorff_alpha_ci_high,
        gwet_ac1
    from calibration_monthly
    where queue_code = 'all'
),

-- law-enforcement response ---------------------------------------------------------------

lert_sla_summary as (
    select
        month_start,
        sum(requests) as requests,
        sum(responded) as responded,
        sum(sla_evaluated) as sla_evaluated,
        sum(sla_met) as sla_met,
        sum(sla_missed) as sla_missed,
        sum(open_past_due) as open_past_due,
        sum(sla_evaluated) filter (where is_emergency) as emergency_sla_evaluated,
        sum(sla_met) filter (where is_emergency) as emergency_sla_met
    from lert_sla
    group by month_start
),

lert_quality_summary as (
    select
        month_start,
        sum(assessments) as assessments,
        sum(scored_assessments) as scored_assessments,
        -- the pooled mean: each specialist's mean weighted by their scored assessments
        sum(mean_assessment_score * scored_assessments) as assessment_score_sum,
        sum(critical_fails) as critical_fails,
        sum(over_disclosures) as over_disclosures
    from lert_quality
    group by month_start
),

-- escalations --------------------------------------------------------------------------

escalation_summary as (
    select
        months.month_start,
        count(*) filter (
            where escalations.created_at >= months.month_start
            and escalations.created_at < months.month_start + interval 1 month
        ) as created,
        count(*) filter (
            where escalations.resolved_at >= months.month_start
            and escalations.resolved_at < months.month_start + interval 1 month
        ) as resolved,
        -- open at the instant the next month starts: created before it, not resolved before it
        count(*) filter (
            where escalations.created_at < months.month_start + interval 1 month
            and (escalations.resolved_at is null or escalations.resolved_at >= months.month_start + interval 1 month)
        ) as open_at_month_end,
        count(*) filter (
            where escalations.created_at >= months.month_start
            and escalations.created_at < months.month_start + interval 1 month
            and escalations.severity = 'sev1'
        ) as sev1_created
    from months
    left join escalations on true
    group by months.month_start
)

select
    months.month_start,
    cast(months.month_start + interval 1 month as timestamp) <= build_as_of.as_of as is_complete_month,
    -- quality
    coalesce(quality_all.decisions, 0) as decisions,
    coalesce(quality_all.audits, 0) as audits,
    quality_all.audit_sample_rate,
    quality_all.accuracy,
    quality_all.accuracy_ci_low,
    quality_all.accuracy_ci_high,
    quality_all.accuracy_target,
    quality_all.target_status,
    quality_all.target_met,
    quality_all.est_wrong_decisions,
    quality_all.est_wrong_decisions_ci_low,
    quality_all.est_wrong_decisions_ci_high,
    quality_all.audited_accuracy_all_sources,
    quality_all.accuracy_change_mom,
    quality_all.critical_error_rate,
    quality_all.critical_error_rate_ci_low,
    quality_all.critical_error_rate_ci_high,
    quality_all.critical_error_rate_max,
    quality_all.critical_status,
    quality_all.critical_target_met,
    quality_all.qa_score,
    quality_all.dispute_overturn_rate,
    quality_all.root_cause_1_code,
    quality_all.root_cause_1_share,
    cast(coalesce(quality_vendors.vendors_with_audits, 0) as bigint) as vendors_with_audits,
    cast(coalesce(quality_vendors.vendors_below_target, 0) as bigint) as vendors_below_target,
    cast(coalesce(quality_vendors.vendors_inconclusive, 0) as bigint) as vendors_inconclusive,
    -- calibration
    cast(coalesce(calibration_session_summary.sessions, 0) as bigint) as calibration_sessions,
    cast(coalesce(calibration_session_summary.sessions_with_alpha, 0) as bigint) as calibration_sessions_with_alpha,
    calibration_alignment.krippendorff_alpha as calibration_krippendorff_alpha,
    calibration_alignment.krippendorff_alpha_ci_low as calibration_krippendorff_alpha_ci_low,
    calibration_alignment.krippendorff_alpha_ci_high as calibration_krippendorff_alpha_ci_high,
    calibration_alignment.gwet_ac1 as calibration_gwet_ac1,
    cast(coalesce(calibration_session_summary.sessions_needing_recalibration, 0) as bigint)
        as sessions_needing_recalibration,
    cast(coalesce(calibration_session_summary.sessions_agreement_uncertain, 0) as bigint)
        as sessions_agreement_uncertain,
    cast(coalesce(calibration_alignment.ratings_with_reference, 0) as bigint) as calibration_ratings_with_reference,
    {{ safe_divide(
        'calibration_alignment.ratings_matching_reference',
        'calibration_alignment.ratings_with_reference'
    ) }} as calibration_reference_alignment,
    -- law-enforcement response: SLA
    cast(coalesce(lert_sla_summary.requests, 0) as bigint) as le_requests,
    cast(coalesce(lert_sla_summary.responded, 0) as bigint) as le_requests_responded,
    cast(coalesce(lert_sla_summary.sla_evaluated, 0) as bigint) as sla_evaluated,
    cast(coalesce(lert_sla_summary.sla_met, 0) as bigint) as sla_met,
    cast(coalesce(lert_sla_summary.sla_missed, 0) as bigint) as sla_missed,
    {{ safe_divide('lert_sla_summary.sla_met', 'lert_sla_summary.sla_evaluated') }} as sla_compliance,
    {{ wilson_low('lert_sla_summary.sla_met', 'lert_sla_summary.sla_evaluated') }} as sla_compliance_ci_low,
    {{ wilson_high('lert_sla_summary.sla_met', 'lert_sla_summary.sla_evaluated') }} as sla_compliance_ci_high,
    {{ safe_divide('lert_sla_summary.emergency_sla_met', 'lert_sla_summary.emergency_sla_evaluated') }}
        as emergency_sla_compliance,
    cast(coalesce(lert_sla_summary.open_past_due, 0) as bigint) as le_requests_open_past_due,
    -- law-enforcement response: answer quality
    cast(coalesce(lert_quality_summary.assessments, 0) as bigint) as lert_assessments,
    cast(coalesce(lert_quality_summary.scored_assessments, 0) as bigint) as lert_scored_assessments,
    {{ safe_divide('lert_quality_summary.assessment_score_sum', 'lert_quality_summary.scored_assessments') }}
        as lert_mean_assessment_score,
    cast(coalesce(lert_quality_summary.critical_fails, 0) as bigint) as lert_critical_fails,
    {{ safe_divide('lert_quality_summary.critical_fails', 'lert_quality_summary.assessments') }}
        as lert_critical_fail_rate,
    cast(coalesce(lert_quality_summary.over_disclosures, 0) as bigint) as lert_over_disclosures,
    -- escalations
    cast(escalation_summary.created as bigint) as escalations_created,
    cast(escalation_summary.resolved as bigint) as escalations_resolved,
    cast(escalation_summary.open_at_month_end as bigint) as escalations_open_at_month_end,
    cast(escalation_summary.sev1_created as bigint) as sev1_escalations_created,
    -- data validation
    validation_status.validation_status,
    validation_status.validation_passed,
    validation_status.validation_run_id,
    validation_status.validation_run_at
from months
cross join build_as_of
cross join validation_status
left join quality_all on months.month_start = quality_all.month_start
left join quality_vendors on months.month_start = quality_vendors.month_start
left join calibration_session_summary on months.month_start = calibration_session_summary.month_start
left join calibration_alignment on months.month_start = calibration_alignment.month_start
left join lert_sla_summary on months.month_start = lert_sla_summary.month_start
left join lert_quality_summary on months.month_start = lert_quality_summary.month_start
inner join escalation_summary on months.month_start = escalation_summary.month_start
