-- The Monthly Quality Report: one row per month_start x vendor_code, plus a row with
-- vendor_code 'all' per month. The headline (accuracy, its interval, target_status,
-- critical error rate, estimated wrong decisions) is the population estimate of
-- mart_decision_quality_monthly (queue 'all'; decision month): the accuracy of the
-- DECISIONS from their random sample. Beside it, the all-source audited accuracy (the
-- audit operation's view) and the audit activity of the month (audit counts from
-- mart_quality_daily by audit month, decisions from mart_quality_monthly). Every count,
-- root causes included (from fct_qa_audits), is grouped per vendor and, in the same
-- grouping-sets pass, pooled over the month for the 'all' row, never an average of
-- vendor rates. Tests check the 'all' row's root causes against mart_root_cause_pareto.
with

quality_daily as (
    select * from {{ ref('mart_quality_daily') }}
),

quality_monthly as (
    select * from {{ ref('mart_quality_monthly') }}
),

decision_quality as (
    select * from {{ ref('mart_decision_quality_monthly') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

root_causes as (
    select * from {{ ref('dim_root_causes') }}
),

vendors as (
    select * from {{ ref('dim_vendors') }}
),

quality_targets as (
    select * from {{ ref('stg_raw__quality_targets') }}
),

build_as_of as (
    select * from {{ ref('int_build__as_of') }}
),

validation_status as (
    select * from {{ ref('int_reporting__validation_status') }}
),

-- pooled counts: each vendor's, and the month's 'all' row ----------------------------
-- `group by month_start, rollup(vendor_code)` is grouping sets ((month_start,
-- vendor_code), (month_start)): the vendor rows and, where grouping(vendor_code) = 1,
-- the month over every vendor, in one pass (SQLFluff's duckdb dialect cannot parse the
-- `grouping sets` spelling).

audit_counts as (
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        case when grouping(vendor_code) = 1 then 'all' else vendor_code end as vendor_code,
        sum(audits) as audits,
        sum(correct) as correct,
        sum(errors) as errors,
        sum(critical_errors) as critical_errors,
        sum(score_sum) as score_sum,
        sum(disputes) as disputes,
        sum(resolved_disputes) as resolved_disputes,
        sum(overturned) as overturned_disputes
    from quality_daily
    group by month_start, rollup(vendor_code)
),

decision_counts as (
    select
        month_start,
        case when grouping(vendor_code) = 1 then 'all' else vendor_code end as vendor_code,
        sum(decisions) as decisions
    from quality_monthly
    group by month_start, rollup(vendor_code)
),

queue_slice_verdicts as (
    -- the queue x vendor cells of the population estimate (three-state verdicts), counted
    -- under their vendor and under 'all'
    select
        month_start,
        case when grouping(vendor_code) = 1 then 'all' else vendor_code end as vendor_code,
        count(*) filter (where target_status = 'missed') as queue_slices_below_target,
        count(*) filter (where target_status = 'inconclusive') as queue_slices_inconclusive,
        count(*) filter (where below_target_significant) as queue_slices_below_target_significant,
        count(*) filter (where target_status is not null) as queue_slices_with_target_status
    from decision_quality
    where not is_rollup
    group by month_start, rollup(vendor_code)
),

slices as (
    select
        month_start,
        vendor_code
    from decision_counts
    union
    select
        month_start,
        vendor_code
    from audit_counts
),

counts as (
    select
        slices.month_start,
        slices.vendor_code,
        coalesce(decision_counts.decisions, 0) as decisions,
        coalesce(audit_counts.audits, 0) as audits,
        coalesce(audit_counts.correct, 0) as correct,
        coalesce(audit_counts.errors, 0) as errors,
        coalesce(audit_counts.critical_errors, 0) as critical_errors,
        coalesce(audit_counts.score_sum, 0) as score_sum,
        coalesce(audit_counts.disputes, 0) as disputes,
        coalesce(audit_counts.resolved_disputes, 0) as resolved_disputes,
        coalesce(audit_counts.overturned_disputes, 0) as overturned_disputes
    from slices
    left join audit_counts
        on
            slices.month_start = audit_counts.month_start
            and slices.vendor_code = audit_counts.vendor_code
    left join decision_counts
        on
            slices.month_start = decision_counts.month_start
            and slices.vendor_code = decision_counts.vendor_code
),

targets_in_effect as (
    -- metrics.md's rule for a slice without a queue: only any-queue ('*') rows apply,
    -- vendor only > any; the 'all' row matches vendor '*' only (macros/quality_targets.sql)
    {{ quality_targets_in_effect('counts', ['month_start', 'vendor_code'], slice_queue="'all'") }}
),

rates as (
    select
        counts.*,
        {{ safe_divide('counts.audits', 'counts.decisions') }} as audit_sample_rate,
        -- the headline: the population estimate (decision month, random audits)
        decision_quality.accuracy,
        decision_quality.accuracy_ci_low,
        decision_quality.accuracy_ci_high,
        decision_quality.accuracy_se,
        decision_quality.effective_sample_size,
        decision_quality.margin_of_error,
        decision_quality.sample_adequate,
        decision_quality.target_status,
        decision_quality.below_target_significant,
        decision_quality.critical_error_rate,
        decision_quality.critical_error_rate_ci_low,
        decision_quality.critical_error_rate_ci_high,
        decision_quality.critical_status,
        decision_quality.random_audits,
        decision_quality.coverage,
        decision_quality.covered_decisions,
        decision_quality.est_wrong_decisions,
        decision_quality.est_wrong_decisions_ci_low,
        decision_quality.est_wrong_decisions_ci_high,
        decision_quality.audited_accuracy_all_sources,
        decision_quality.selection_bias_points,
        coalesce(queue_slice_verdicts.queue_slices_below_target, 0) as queue_slices_below_target,
        coalesce(queue_slice_verdicts.queue_slices_inconclusive, 0) as queue_slices_inconclusive,
        coalesce(queue_slice_verdicts.queue_slices_below_target_significant, 0)
            as queue_slices_below_target_significant,
        coalesce(queue_slice_verdicts.queue_slices_with_target_status, 0) as queue_slices_with_target_status,
        {{ safe_divide('counts.score_sum', 'counts.audits') }} as qa_score,
        {{ safe_divide('counts.overturned_disputes', 'counts.resolved_disputes') }} as dispute_overturn_rate,
        targets_in_effect.accuracy_target,
        targets_in_effect.critical_error_rate_max,
        targets_in_effect.audit_sample_rate_target,
        targets_in_effect.margin_of_error_max,
        targets_in_effect.target_effective_from
    from counts
    left join targets_in_effect
        on
            counts.month_start = targets_in_effect.month_start
            and counts.vendor_code = targets_in_effect.vendor_code
    left join decision_quality
        on
            counts.month_start = decision_quality.month_start
            and decision_quality.queue_code = 'all'
            and counts.vendor_code = decision_quality.vendor_code
    left join queue_slice_verdicts
        on
            counts.month_start = queue_slice_verdicts.month_start
            and counts.vendor_code = queue_slice_verdicts.vendor_code
),

with_previous as (
    select
        rates.*,
        previous_month.accuracy as previous_accuracy,
        previous_month.critical_error_rate as previous_critical_error_rate,
        previous_month.qa_score as previous_qa_score
    from rates
    left join rates as previous_month
        on
            cast(rates.month_start - interval 1 month as date) = previous_month.month_start
            and rates.vendor_code = previous_month.vendor_code
),

-- root causes ----------------------------------------------------------------------

root_cause_errors as (
    -- metrics.md "Root causes": incorrect audits with a root cause, per audit month and
    -- root cause, under their vendor and under 'all'
    select
        cast(date_trunc('month', audit_date) as date) as month_start,
        case when grouping(vendor_code) = 1 then 'all' else vendor_code end as vendor_code,
        root_cause_code,
        count(*) as errors
    from audits
    where not is_correct and root_cause_code is not null
    group by month_start, root_cause_code, rollup(vendor_code)
),

root_causes_ranked as (
    -- metrics.md "Root causes": errors descending, then root_cause_code; no shared ranks
    select
        root_cause_errors.*,
        sum(root_cause_errors.errors) over (
            partition by root_cause_errors.month_start, root_cause_errors.vendor_code
        ) as coded_errors,
        row_number() over (
            partition by root_cause_errors.month_start, root_cause_errors.vendor_code
            order by root_cause_errors.errors desc, root_cause_errors.root_cause_code asc
        ) as root_cause_rank
    from root_cause_errors
),

top_root_causes as (
    select
        root_causes_ranked.month_start,
        root_causes_ranked.vendor_code,
        max(root_causes_ranked.coded_errors) as coded_errors,
        max(root_causes_ranked.root_cause_code) filter (where root_cause_rank = 1) as root_cause_1_code,
        max(root_causes.root_cause_name) filter (where root_cause_rank = 1) as root_cause_1_name,
        max(root_causes_ranked.errors) filter (where root_cause_rank = 1) as root_cause_1_errors,
        max(root_causes_ranked.root_cause_code) filter (where root_cause_rank = 2) as root_cause_2_code,
        max(root_causes.root_cause_name) filter (where root_cause_rank = 2) as root_cause_2_name,
        max(root_causes_ranked.errors) filter (where root_cause_rank = 2) as root_cause_2_errors,
        max(root_causes_ranked.root_cause_code) filter (where root_cause_rank = 3) as root_cause_3_code,
        max(root_causes.root_cause_name) filter (where root_cause_rank = 3) as root_cause_3_name,
        max(root_causes_ranked.errors) filter (where root_cause_rank = 3) as root_cause_3_errors
    from root_causes_ranked
    left join root_causes
        on root_causes_ranked.root_cause_code = root_causes.root_cause_code
    where root_causes_ranked.root_cause_rank <= 3
    group by root_causes_ranked.month_start, root_causes_ranked.vendor_code
)

select
    with_previous.month_start,
    with_previous.vendor_code,
    with_previous.vendor_code = 'all' as is_all_vendors,
    case when with_previous.vendor_code = 'all' then 'All vendors' else vendors.vendor_name end as vendor_name,
    cast(with_previous.month_start + interval 1 month as timestamp) <= build_as_of.as_of as is_complete_month,
    cast(with_previous.decisions as bigint) as decisions,
    cast(with_previous.audits as bigint) as audits,
    cast(with_previous.correct as bigint) as correct,
    cast(with_previous.errors as bigint) as errors,
    cast(with_previous.critical_errors as bigint) as critical_errors,
    cast(with_previous.score_sum as bigint) as score_sum,
    cast(with_previous.resolved_disputes as bigint) as resolved_disputes,
    cast(with_previous.overturned_disputes as bigint) as overturned_disputes,
    with_previous.audit_sample_rate,
    with_previous.accuracy,
    with_previous.accuracy_ci_low,
    with_previous.accuracy_ci_high,
    with_previous.accuracy_se,
    with_previous.effective_sample_size,
    cast(with_previous.random_audits as bigint) as random_audits,
    with_previous.coverage,
    cast(with_previous.covered_decisions as bigint) as covered_decisions,
    with_previous.margin_of_error,
    with_previous.target_status,
    coalesce(with_previous.below_target_significant, false) as below_target_significant,
    with_previous.est_wrong_decisions,
    with_previous.est_wrong_decisions_ci_low,
    with_previous.est_wrong_decisions_ci_high,
    with_previous.audited_accuracy_all_sources,
    with_previous.selection_bias_points,
    with_previous.critical_error_rate,
    with_previous.critical_error_rate_ci_low,
    with_previous.critical_error_rate_ci_high,
    with_previous.critical_status,
    with_previous.qa_score,
    with_previous.dispute_overturn_rate,
    with_previous.accuracy_target,
    with_previous.critical_error_rate_max,
    with_previous.audit_sample_rate_target,
    with_previous.margin_of_error_max,
    with_previous.target_effective_from,
    -- a verdict only where the sample can carry it: null when inconclusive
    case with_previous.target_status when 'met' then true when 'missed' then false end as target_met,
    case with_previous.critical_status when 'within' then true when 'exceeded' then false end
        as critical_target_met,
    with_previous.sample_adequate,
    cast(with_previous.queue_slices_below_target as bigint) as queue_slices_below_target,
    cast(with_previous.queue_slices_inconclusive as bigint) as queue_slices_inconclusive,
    cast(with_previous.queue_slices_below_target_significant as bigint) as queue_slices_below_target_significant,
    cast(with_previous.queue_slices_with_target_status as bigint) as queue_slices_with_target_status,
    100.0 * (with_previous.accuracy - with_previous.previous_accuracy) as accuracy_change_mom,
    100.0 * (with_previous.critical_error_rate - with_previous.previous_critical_error_rate)
        as critical_error_rate_change_mom,
    with_previous.qa_score - with_previous.previous_qa_score as qa_score_change_mom,
    cast(coalesce(top_root_causes.coded_errors, 0) as bigint) as coded_errors,
    top_root_causes.root_cause_1_code,
    top_root_causes.root_cause_1_name,
    cast(top_root_causes.root_cause_1_errors as bigint) as root_cause_1_errors,
    {{ safe_divide('top_root_causes.root_cause_1_errors', 'top_root_causes.coded_errors') }} as root_cause_1_share,
    top_root_causes.root_cause_2_code,
    top_root_causes.root_cause_2_name,
    cast(top_root_causes.root_cause_2_errors as bigint) as root_cause_2_errors,
    {{ safe_divide('top_root_causes.root_cause_2_errors', 'top_root_causes.coded_errors') }} as root_cause_2_share,
    top_root_causes.root_cause_3_code,
    top_root_causes.root_cause_3_name,
    cast(top_root_causes.root_cause_3_errors as bigint) as root_cause_3_errors,
    {{ safe_divide('top_root_causes.root_cause_3_errors', 'top_root_causes.coded_errors') }} as root_cause_3_share,
    validation_status.validation_status,
    validation_status.validation_passed,
    validation_status.validation_run_id,
    validation_status.validation_run_at
from with_previous
cross join build_as_of
cross join validation_status
left join vendors
    on with_previous.vendor_code = vendors.vendor_code
left join top_root_causes
    on
        with_previous.month_start = top_root_causes.month_start
        and with_previous.vendor_code = top_root_causes.vendor_code
