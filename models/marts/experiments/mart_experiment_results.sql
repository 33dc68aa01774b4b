-- One row per experiment x planned variant: units assigned, their decisions in the
-- experiment window made at or after their assignment, accuracy over the random audits
-- of those decisions with its Wilson interval, and mean handle time; for each
-- non-control variant the comparison with control, the moderator being the unit of
-- analysis (difference in accuracy, moderator cluster-robust standard error, z-test,
-- interval, relative lift, Benjamini-Hochberg q-value over the experiment's
-- comparisons); whether the result is final (as-of time past ended_on + 14 days); and
-- on every row the experiment's sample-ratio-mismatch chi-square test of assigned units
-- against the planned split (metrics.md, "Experiments").
with

planned_variants as (
    select * from {{ ref('int_experiments__planned_variants') }}
),

unit_assignments as (
    select * from {{ ref('int_experiments__unit_assignments') }}
),

decisions as (
    select * from {{ ref('fct_moderation_decisions') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
),

window_decisions as (
    -- decisions by the variant's units with a UTC decision date inside the window, made
    -- at or after the unit's assignment (a decision before it is not the variant's)
    select
        unit_assignments.experiment_id,
        unit_assignments.variant,
        unit_assignments.unit_id,
        decisions.decision_id,
        decisions.handle_time_s
    from unit_assignments
    inner join decisions
        on
            unit_assignments.unit_id = decisions.moderator_id
            and decisions.decision_date between unit_assignments.started_on and unit_assignments.ended_on
            and unit_assignments.assigned_at <= decisions.decided_at
),

variant_units as (
    select
        experiment_id,
        variant,
        count(*) as units
    from unit_assignments
    group by experiment_id, variant
),

variant_decisions as (
    select
        experiment_id,
        variant,
        count(*) as decisions,
        avg(handle_time_s) as mean_handle_time_s
    from window_decisions
    group by experiment_id, variant
),

unit_audits as (
    -- the random audits of each unit's window decisions (the probability sample)
    select
        window_decisions.experiment_id,
        window_decisions.variant,
        window_decisions.unit_id,
        count(*) as audits,
        count(*) filter (where audits.is_correct) as correct_audits
    from window_decisions
    inner join audits
        on window_decisions.decision_id = audits.decision_id
    where audits.audit_source = 'random'
    group by window_decisions.experiment_id, window_decisions.variant, window_decisions.unit_id
),

unit_residuals as (
    -- each moderator's squared residual total around its variant's accuracy
    select
        experiment_id,
        variant,
        audits,
        correct_audits,
        {{ cluster_squared_residual(
            'correct_audits', 'audits',
            'sum(correct_audits) over (partition by experiment_id, variant)'
            ~ ' * 1.0 / sum(audits) over (partition by experiment_id, variant)') }} as squared_residual
    from unit_audits
),

variant_audits as (
    select
        experiment_id,
        variant,
        cast(sum(audits) as bigint) as audits,
        cast(sum(correct_audits) as bigint) as correct_audits,
        count(*) as audited_units,
        sum(squared_residual) as squared_residuals
    from unit_residuals
    group by experiment_id, variant
),

variant_outcomes as (
    select
        planned_variants.experiment_id,
        planned_variants.variant,
        planned_variants.planned_share,
        planned_variants.is_control,
        planned_variants.ended_on,
        coalesce(variant_units.units, 0) as units,
        coalesce(variant_decisions.decisions, 0) as decisions,
        coalesce(variant_audits.audits, 0) as audits,
        coalesce(variant_audits.correct_audits, 0) as correct_audits,
        coalesce(variant_audits.audited_units, 0) as audited_units,
        coalesce(variant_audits.squared_residuals, 0) as squared_residuals,
        variant_decisions.mean_handle_time_s
    from planned_variants
    left join variant_units
        on
            planned_variants.experiment_id = variant_units.experiment_id
            and planned_variants.variant = variant_units.variant
    left join variant_decisions
        on
            planned_variants.experiment_id = variant_decisions.experiment_id
            and planned_variants.variant = variant_decisions.variant
    left join variant_audits
        on
            planned_variants.experiment_id = variant_audits.experiment_id
            and planned_variants.variant = variant_audits.variant
),

control_outcomes as (
    select
        experiment_id,
        audits as control_audits,
        correct_audits as control_correct_audits,
        audited_units as control_audited_units,
        squared_residuals as control_squared_residuals
    from variant_outcomes
    where is_control
),

srm_expected as (
    -- expected units = total units x share / sum of shares over the planned variants
    select
        experiment_id,
        units,
        sum(units) over (partition by experiment_id)
        * planned_share / sum(planned_share) over (partition by experiment_id) as expected_units
    from variant_outcomes
),

srm_statistic as (
    select
        experiment_id,
        cast(count(*) - 1 as integer) as srm_degrees_of_freedom,
        case
            when min(expected_units) > 0
                then sum(pow(units - expected_units, 2) / expected_units)
        end as srm_chi_square
    from srm_expected
    group by experiment_id
),

srm_test as (
    select
        experiment_id,
        srm_degrees_of_freedom,
        srm_chi_square,
        {{ chi_square_sf('srm_chi_square', 'srm_degrees_of_freedom') }} as srm_p_value
    from srm_statistic
),

compared as (
    select
        variant_outcomes.*,
        {{ safe_divide('variant_outcomes.correct_audits', 'variant_outcomes.audits') }} as accuracy,
        {{ safe_divide('control_outcomes.control_correct_audits', 'control_outcomes.control_audits') }}
            as control_accuracy,
        case
            when not variant_outcomes.is_control then
                {{ safe_divide('variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
                - {{ safe_divide('control_outcomes.control_correct_audits', 'control_outcomes.control_audits') }}
        end as accuracy_diff_vs_control,
        case
            when not variant_outcomes.is_control
                then variant_outcomes.audited_units + control_outcomes.control_audited_units
        end as clusters,
        case
            when not variant_outcomes.is_control then
                {{ cluster_robust_diff_se(
                    'variant_outcomes.audited_units + control_outcomes.control_audited_units',
                    'control_outcomes.control_squared_residuals', 'control_outcomes.control_audits',
                    'variant_outcomes.squared_residuals', 'variant_outcomes.audits') }}
        end as diff_se
    from variant_outcomes
    left join control_outcomes
        on variant_outcomes.experiment_id = control_outcomes.experiment_id
),

tested as (
    -- z, p, interval and lift only where the standard error is usable (G >= 3, se > 0)
    select
        *,
        case when diff_se > 0 then accuracy_diff_vs_control / diff_se end as z_score,
        case
            when diff_se > 0
                then 2.0 * {{ normal_cdf('-abs(accuracy_diff_vs_control / diff_se)') }}
        end as p_value,
        case when diff_se > 0 then accuracy_diff_vs_control - {{ tsqa_z95() }} * diff_se end as diff_ci_low,
        case when diff_se > 0 then accuracy_diff_vs_control + {{ tsqa_z95() }} * diff_se end as diff_ci_high,
        case
            when diff_se > 0
                then {{ safe_divide('accuracy_diff_vs_control', 'control_accuracy') }}
        end as relative_lift
    from compared
),

adjusted as (
    -- Benjamini-Hochberg over the non-control rows of one experiment (control p is null)
    {{ bh_q_values('tested', 'p_value', ['experiment_id']) }}
)

select
    adjusted.experiment_id,
    adjusted.variant,
    adjusted.is_control,
    adjusted.planned_share,
    adjusted.units,
    adjusted.decisions,
    adjusted.audits,
    adjusted.correct_audits,
    adjusted.audited_units,
    adjusted.accuracy,
    {{ wilson_low('adjusted.correct_audits', 'adjusted.audits') }} as accuracy_ci_low,
    {{ wilson_high('adjusted.correct_audits', 'adjusted.audits') }} as accuracy_ci_high,
    adjusted.mean_handle_time_s,
    adjusted.accuracy_diff_vs_control,
    cast(adjusted.clusters as bigint) as clusters,
    adjusted.diff_se,
    adjusted.diff_ci_low,
    adjusted.diff_ci_high,
    adjusted.relative_lift,
    adjusted.z_score,
    adjusted.p_value,
    adjusted.q_value,
    as_of.as_of > adjusted.ended_on + interval 14 day as is_final,
    srm_test.srm_degrees_of_freedom,
    srm_test.srm_chi_square,
    srm_test.srm_p_value,
    coalesce(srm_test.srm_p_value < 0.001, false) as srm_detected
from adjusted
cross join as_of
left join srm_test
    on adjusted.experiment_id = srm_test.experiment_id
