-- Accuracy of the decisions (not of the audits): the design-based estimate of
-- metrics.md "Population estimates (design-based)". Strata are decision month x queue x
-- vendor (the vendor as of decided_at); the random audits are the probability sample;
-- each cell (one queue x one vendor, or an `all` roll-up) weights its sampled strata by
-- their decisions. The estimator is written once in macros/stats/stratified.sql.
with

quality_monthly as (
    -- decisions per decision month x queue x vendor, already counted there (and
    -- reconciled to fct_moderation_decisions), so this mart does not rescan the fact
    select * from {{ ref('mart_quality_monthly') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

quality_targets as (
    select * from {{ ref('stg_raw__quality_targets') }}
),

stratum_decisions as (
    select
        month_start,
        queue_code,
        vendor_code,
        decisions
    from quality_monthly
    where decisions > 0
),

random_audits_ranked as (
    select
        *,
        row_number() over (partition by decision_id order by audited_at, audit_id) as random_audit_number
    from audits
    where audit_source = 'random'
),

first_random_audits as (
    -- the random sample: each decision once, judged by its earliest random audit
    select
        cast(date_trunc('month', decided_at) as date) as month_start,
        queue_code,
        vendor_code,
        is_correct,
        error_severity = 'critical' as is_critical_error
    from random_audits_ranked
    where random_audit_number = 1
),

stratum_sample as (
    select
        month_start,
        queue_code,
        vendor_code,
        count(*) as sampled,
        count(*) filter (where is_correct) as sampled_correct,
        count(*) filter (where is_critical_error) as sampled_critical
    from first_random_audits
    group by 1, 2, 3
),

stratum_all_sources as (
    -- every current audit of the stratum's decisions, whatever its source
    select
        cast(date_trunc('month', decided_at) as date) as month_start,
        queue_code,
        vendor_code,
        count(*) as audits,
        count(*) filter (where is_correct) as correct
    from audits
    group by 1, 2, 3
),

strata as (
    select
        stratum_decisions.month_start,
        stratum_decisions.queue_code,
        stratum_decisions.vendor_code,
        stratum_decisions.decisions,
        coalesce(stratum_sample.sampled, 0) as sampled,
        coalesce(stratum_sample.sampled_correct, 0) as sampled_correct,
        coalesce(stratum_sample.sampled_critical, 0) as sampled_critical,
        coalesce(stratum_all_sources.audits, 0) as all_source_audits,
        coalesce(stratum_all_sources.correct, 0) as all_source_correct
    from stratum_decisions
    left join stratum_sample
        on
            stratum_decisions.month_start = stratum_sample.month_start
            and stratum_decisions.queue_code = stratum_sample.queue_code
            and stratum_decisions.vendor_code = stratum_sample.vendor_code
    left join stratum_all_sources
        on
            stratum_decisions.month_start = stratum_all_sources.month_start
            and stratum_decisions.queue_code = stratum_all_sources.queue_code
            and stratum_decisions.vendor_code = stratum_all_sources.vendor_code
),

cell_members as (
    -- each stratum belongs to four cells: its own queue x vendor, its queue over all
    -- vendors, its vendor over all queues, and all x all of its month
    select
        *,
        queue_code as cell_queue_code,
        vendor_code as cell_vendor_code
    from strata
    union all
    select
        *,
        queue_code as cell_queue_code,
        'all' as cell_vendor_code
    from strata
    union all
    select
        *,
        'all' as cell_queue_code,
        vendor_code as cell_vendor_code
    from strata
    union all
    select
        *,
        'all' as cell_queue_code,
        'all' as cell_vendor_code
    from strata
),

cells as (
    select
        month_start,
        cell_queue_code as queue_code,
        cell_vendor_code as vendor_code,
        sum(decisions) as decisions,
        count(*) as strata,
        {{ stratified_sampled_strata('sampled') }} as sampled_strata,
        coalesce({{ stratified_covered('decisions', 'sampled') }}, 0) as covered_decisions,
        coalesce({{ stratified_sampled('sampled') }}, 0) as random_audits,
        sum(sampled_correct) as random_correct,
        sum(sampled_critical) as random_critical_errors,
        {{ stratified_proportion('decisions', 'sampled_correct', 'sampled') }} as accuracy,
        {{ stratified_se('decisions', 'sampled_correct', 'sampled') }} as accuracy_se,
        {{ stratified_proportion('decisions', 'sampled_critical', 'sampled') }} as critical_error_rate,
        {{ stratified_se('decisions', 'sampled_critical', 'sampled') }} as critical_error_rate_se,
        sum(all_source_audits) as all_source_audits,
        sum(all_source_correct) as all_source_correct
    from cell_members
    group by 1, 2, 3
),

sized as (
    select
        *,
        {{ effective_sample_size('accuracy', 'accuracy_se', 'random_audits', 'sampled_strata') }}
            as effective_sample_size,
        {{ effective_sample_size('critical_error_rate', 'critical_error_rate_se', 'random_audits', 'sampled_strata') }}
            as critical_effective_sample_size
    from cells
),

estimated as (
    select
        *,
        {{ stratified_wilson_low('accuracy', 'effective_sample_size', 'random_correct', 'random_audits',
            'sampled_strata') }} as accuracy_ci_low,
        {{ stratified_wilson_high('accuracy', 'effective_sample_size', 'random_correct', 'random_audits',
            'sampled_strata') }} as accuracy_ci_high,
        {{ stratified_wilson_low('critical_error_rate', 'critical_effective_sample_size',
            'random_critical_errors', 'random_audits', 'sampled_strata') }} as critical_error_rate_ci_low,
        {{ stratified_wilson_high('critical_error_rate', 'critical_effective_sample_size',
            'random_critical_errors', 'random_audits', 'sampled_strata') }} as critical_error_rate_ci_high,
        {{ safe_divide('all_source_correct', 'all_source_audits') }} as audited_accuracy_all_sources
    from sized
),

targets_in_effect as (
    -- the quality_targets row in effect at month_start; a roll-up matches `*` on its
    -- `all` side (macros/quality_targets.sql)
    {{ quality_targets_in_effect('estimated') }}
),

judged as (
    select
        estimated.*,
        targets_in_effect.accuracy_target,
        targets_in_effect.critical_error_rate_max,
        targets_in_effect.margin_of_error_max,
        targets_in_effect.target_effective_from,
        (estimated.accuracy_ci_high - estimated.accuracy_ci_low) / 2.0 as margin_of_error
    from estimated
    left join targets_in_effect
        on
            estimated.month_start = targets_in_effect.month_start
            and estimated.queue_code = targets_in_effect.queue_code
            and estimated.vendor_code = targets_in_effect.vendor_code
),

verdicts as (
    select
        *,
        margin_of_error <= margin_of_error_max as sample_adequate
    from judged
)

select
    month_start,
    queue_code,
    vendor_code,
    queue_code = 'all' or vendor_code = 'all' as is_rollup,
    cast(decisions as bigint) as decisions,
    cast(strata as bigint) as strata,
    cast(sampled_strata as bigint) as sampled_strata,
    cast(covered_decisions as bigint) as covered_decisions,
    {{ safe_divide('covered_decisions', 'decisions') }} as coverage,
    cast(random_audits as bigint) as random_audits,
    cast(random_correct as bigint) as random_correct,
    cast(random_critical_errors as bigint) as random_critical_errors,
    accuracy,
    accuracy_ci_low,
    accuracy_ci_high,
    accuracy_se,
    effective_sample_size,
    critical_error_rate,
    critical_error_rate_ci_low,
    critical_error_rate_ci_high,
    critical_error_rate_se,
    covered_decisions * (1.0 - accuracy) as est_wrong_decisions,
    covered_decisions * (1.0 - accuracy_ci_high) as est_wrong_decisions_ci_low,
    covered_decisions * (1.0 - accuracy_ci_low) as est_wrong_decisions_ci_high,
    cast(all_source_audits as bigint) as all_source_audits,
    cast(all_source_correct as bigint) as all_source_correct,
    audited_accuracy_all_sources,
    100.0 * (audited_accuracy_all_sources - accuracy) as selection_bias_points,
    accuracy_target,
    margin_of_error_max,
    target_effective_from,
    margin_of_error,
    sample_adequate,
    case
        when accuracy is null or accuracy_target is null then null
        when not sample_adequate then 'inconclusive'
        when accuracy >= accuracy_target then 'met'
        else 'missed'
    end as target_status,
    coalesce(accuracy_ci_high < accuracy_target, false) as below_target_significant,
    critical_error_rate_max,
    case
        when critical_error_rate is null or critical_error_rate_max is null then null
        when not sample_adequate then 'inconclusive'
        when critical_error_rate <= critical_error_rate_max then 'within'
        else 'exceeded'
    end as critical_status
from verdicts
