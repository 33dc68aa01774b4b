-- Grading the graders (metrics.md, "Auditor quality"): one row per auditor and audit
-- month (UTC) with audits. Strictness compares the errors an auditor finds in random
-- audits with what the other auditors find in the same queue and month (leave-one-out):
-- expected_errors = sum over the auditor's random audits of the error rate of every
-- other auditor's random audits in that queue-month; an audit whose queue-month has no
-- other auditor is not comparable and adds nothing. strictness_ratio = errors found in
-- comparable audits / expected_errors (above 1: stricter than peers). Disputes on the
-- auditor's audits give the overturn rate (Wilson interval), and the auditor's
-- calibration sessions of the month their pooled reference alignment.
with

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

calibration_ratings as (
    select * from {{ ref('fct_calibration_ratings') }}
),

calibration_sessions as (
    select * from {{ ref('int_calibration__sessions') }}
),

audits_by_month as (
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        auditor_id,
        queue_code,
        audit_source,
        is_correct,
        resolved_disputes,
        overturned_disputes
    from audits
),

auditor_queue_cells as (
    -- each auditor's random audits and errors (dispute-adjusted) per queue and month
    select
        month_start,
        auditor_id,
        queue_code,
        count(*) as random_audits,
        count(*) filter (where not is_correct) as errors
    from audits_by_month
    where audit_source = 'random'
    group by month_start, auditor_id, queue_code
),

leave_one_out as (
    -- the other auditors' random audits and errors in the same queue and month
    select
        *,
        sum(random_audits) over (partition by month_start, queue_code) - random_audits as other_audits,
        sum(errors) over (partition by month_start, queue_code) - errors as other_errors
    from auditor_queue_cells
),

strictness as (
    select
        month_start,
        auditor_id,
        sum(random_audits) as random_audits,
        sum(errors) as errors_found,
        sum(random_audits) filter (where other_audits > 0) as comparable_audits,
        sum(errors) filter (where other_audits > 0) as comparable_errors_found,
        sum(random_audits * other_errors * 1.0 / other_audits) filter (where other_audits > 0) as expected_errors
    from leave_one_out
    group by month_start, auditor_id
),

auditor_months as (
    select
        month_start,
        auditor_id,
        count(*) as audits,
        sum(resolved_disputes) as disputes_resolved,
        sum(overturned_disputes) as overturned
    from audits_by_month
    group by month_start, auditor_id
),

calibration_alignment as (
    -- the auditor's participant ratings in the month's calibration sessions, pooled
    select
        calibration_sessions.month_start,
        calibration_ratings.rater_id as auditor_id,
        count(calibration_ratings.matches_reference) as ratings_with_reference,
        count(*) filter (where calibration_ratings.matches_reference) as ratings_matching_reference
    from calibration_ratings
    inner join calibration_sessions
        on calibration_ratings.session_id = calibration_sessions.session_id
    where calibration_ratings.rater_role = 'participant'
    group by calibration_sessions.month_start, calibration_ratings.rater_id
)

select
    auditor_months.month_start,
    auditor_months.auditor_id,
    cast(auditor_months.audits as bigint) as audits,
    cast(coalesce(strictness.random_audits, 0) as bigint) as random_audits,
    cast(coalesce(strictness.comparable_audits, 0) as bigint) as comparable_audits,
    cast(coalesce(strictness.errors_found, 0) as bigint) as errors_found,
    cast(coalesce(strictness.comparable_errors_found, 0) as bigint) as comparable_errors_found,
    cast(coalesce(strictness.expected_errors, 0) as double) as expected_errors,
    {{ safe_divide('strictness.comparable_errors_found', 'strictness.expected_errors') }} as strictness_ratio,
    cast(auditor_months.disputes_resolved as bigint) as disputes_resolved,
    cast(auditor_months.overturned as bigint) as overturned,
    {{ safe_divide('auditor_months.overturned', 'auditor_months.disputes_resolved') }} as overturn_rate,
    {{ wilson_low('auditor_months.overturned', 'auditor_months.disputes_resolved') }} as overturn_rate_ci_low,
    {{ wilson_high('auditor_months.overturned', 'auditor_months.disputes_resolved') }} as overturn_rate_ci_high,
    cast(coalesce(calibration_alignment.ratings_with_reference, 0) as bigint) as calibration_ratings_with_reference,
    {{ safe_divide(
        'calibration_alignment.ratings_matching_reference', 'calibration_alignment.ratings_with_reference'
    ) }} as calibration_alignment
from auditor_months
left join strictness
    on
        auditor_months.month_start = strictness.month_start
        and auditor_months.auditor_id = strictness.auditor_id
left join calibration_alignment
    on
        auditor_months.month_start = calibration_alignment.month_start
        and auditor_months.auditor_id = calibration_alignment.auditor_id
