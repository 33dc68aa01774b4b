-- Monthly quality per queue and vendor (metrics.md, "Moderation audits" and "Slices of
-- mart_quality_monthly"): audits count in their audit month, decisions in their decision
-- month, both with the moderator's vendor as of the decision. A row for every month x
-- queue x vendor with decisions or audits.
with

daily as (
    select * from {{ ref('mart_quality_daily') }}
),

decisions as (
    select * from {{ ref('fct_moderation_decisions') }}
),

quality_targets as (
    select * from {{ ref('stg_raw__quality_targets') }}
),

audit_months as (
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        queue_code,
        vendor_code,
        sum(audits) as audits,
        sum(correct) as correct,
        sum(errors) as errors,
        sum(raw_correct) as raw_correct,
        sum(over_enforcement) as over_enforcement,
        sum(under_enforcement) as under_enforcement,
        sum(critical_errors) as critical_errors,
        sum(moderator_enforced) as moderator_enforced,
        sum(reference_enforced) as reference_enforced,
        sum(both_enforced) as both_enforced,
        sum(score_sum) as score_sum,
        sum(disputes) as disputes,
        sum(resolved_disputes) as resolved_disputes,
        sum(overturned) as overturned_disputes
    from daily
    group by 1, 2, 3
),

decision_months as (
    select
        cast(date_trunc('month', decision_date) as date) as month_start,
        queue_code,
        vendor_code,
        count(*) as decisions
    from decisions
    group by 1, 2, 3
),

slices as (
    select
        month_start,
        queue_code,
        vendor_code
    from audit_months
    union
    select
        month_start,
        queue_code,
        vendor_code
    from decision_months
),

counts as (
    select
        slices.month_start,
        slices.queue_code,
        slices.vendor_code,
        coalesce(decision_months.decisions, 0) as decisions,
        coalesce(audit_months.audits, 0) as audits,
        coalesce(audit_months.correct, 0) as correct,
        coalesce(audit_months.errors, 0) as errors,
        coalesce(audit_months.raw_correct, 0) as raw_correct,
        coalesce(audit_months.over_enforcement, 0) as over_enforcement,
        coalesce(audit_months.under_enforcement, 0) as under_enforcement,
        coalesce(audit_months.critical_errors, 0) as critical_errors,
        coalesce(audit_months.moderator_enforced, 0) as moderator_enforced,
        coalesce(audit_months.reference_enforced, 0) as reference_enforced,
        coalesce(audit_months.both_enforced, 0) as both_enforced,
        coalesce(audit_months.score_sum, 0) as score_sum,
        coalesce(audit_months.disputes, 0) as disputes,
        coalesce(audit_months.resolved_disputes, 0) as resolved_disputes,
        coalesce(audit_months.overturned_disputes, 0) as overturned_disputes
    from slices
    left join audit_months
        on
            slices.month_start = audit_months.month_start
            and slices.queue_code is not distinct from audit_months.queue_code
            and slices.vendor_code is not distinct from audit_months.vendor_code
    left join decision_months
        on
            slices.month_start = decision_months.month_start
            and slices.queue_code is not distinct from decision_months.queue_code
            and slices.vendor_code is not distinct from decision_months.vendor_code
),

targets_in_effect as (
    -- the quality_targets row in effect for the slice (macros/quality_targets.sql)
    {{ quality_targets_in_effect('counts') }}
),

rates as (
    select
        counts.*,
        {{ safe_divide('counts.audits', 'counts.decisions') }} as audit_sample_rate,
        {{ safe_divide('counts.correct', 'counts.audits') }} as accuracy,
        {{ wilson_low('counts.correct', 'counts.audits') }} as accuracy_ci_low,
        {{ wilson_high('counts.correct', 'counts.audits') }} as accuracy_ci_high,
        {{ safe_divide('counts.raw_correct', 'counts.audits') }} as raw_accuracy,
        {{ safe_divide('counts.errors', 'counts.audits') }} as error_rate,
        {{ safe_divide('counts.over_enforcement', 'counts.audits') }} as over_enforcement_rate,
        {{ safe_divide('counts.under_enforcement', 'counts.audits') }} as under_enforcement_rate,
        {{ safe_divide('counts.critical_errors', 'counts.audits') }} as critical_error_rate,
        {{ wilson_low('counts.critical_errors', 'counts.audits') }} as critical_error_rate_ci_low,
        {{ wilson_high('counts.critical_errors', 'counts.audits') }} as critical_error_rate_ci_high,
        {{ safe_divide('counts.both_enforced', 'counts.moderator_enforced') }} as enforcement_precision,
        {{ safe_divide('counts.both_enforced', 'counts.reference_enforced') }} as enforcement_recall,
        {{ safe_divide('counts.score_sum', 'counts.audits') }} as qa_score,
        {{ safe_divide('counts.overturned_disputes', 'counts.resolved_disputes') }} as dispute_overturn_rate,
        {{ wilson_half_width('counts.correct', 'counts.audits') }} as margin_of_error,
        targets_in_effect.accuracy_target,
        targets_in_effect.margin_of_error_max,
        targets_in_effect.target_effective_from
    from counts
    left join targets_in_effect
        on
            counts.month_start = targets_in_effect.month_start
            and counts.queue_code is not distinct from targets_in_effect.queue_code
            and counts.vendor_code is not distinct from targets_in_effect.vendor_code
),

with_previous as (
    select
        rates.*,
        previous_month.accuracy as previous_accuracy
    from rates
    left join rates as previous_month
        on
            previous_month.month_start = cast(rates.month_start - interval 1 month as date)
            and rates.queue_code is not distinct from previous_month.queue_code
            and rates.vendor_code is not distinct from previous_month.vendor_code
)

select
    month_start,
    queue_code,
    vendor_code,
    cast(decisions as bigint) as decisions,
    cast(audits as bigint) as audits,
    cast(correct as bigint) as correct,
    cast(errors as bigint) as errors,
    cast(critical_errors as bigint) as critical_errors,
    audit_sample_rate,
    accuracy,
    accuracy_ci_low,
    accuracy_ci_high,
    raw_accuracy,
    error_rate,
    over_enforcement_rate,
    under_enforcement_rate,
    critical_error_rate,
    critical_error_rate_ci_low,
    critical_error_rate_ci_high,
    enforcement_precision,
    enforcement_recall,
    qa_score,
    cast(disputes as bigint) as disputes,
    cast(resolved_disputes as bigint) as resolved_disputes,
    cast(overturned_disputes as bigint) as overturned_disputes,
    dispute_overturn_rate,
    margin_of_error,
    accuracy_target,
    margin_of_error_max,
    target_effective_from,
    case when audits > 0 and accuracy_target is not null then accuracy >= accuracy_target end as target_met,
    case
        when audits > 0 and margin_of_error_max is not null then margin_of_error <= margin_of_error_max
    end as sample_adequate,
    100.0 * (accuracy - previous_accuracy) as accuracy_change_mom
from with_previous
