-- One row per experiment x planned variant: units assigned, their decisions and audits
-- in the experiment window, accuracy with its Wilson interval and mean handle time; for
-- each non-control variant the comparison with control (difference in accuracy with
-- its Wald interval, relative lift, pooled z-test); and on every row the experiment's
-- sample-ratio-mismatch chi-square test of assigned units against the planned split
-- (metrics.md, "Experiments").
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

window_decisions as (
    -- decisions by the variant's units with a UTC decision date inside the window
    select
        unit_assignments.experiment_id,
        unit_assignments.variant,
        decisions.decision_id,
        decisions.handle_time_s
    from unit_assignments
    inner join decisions
        on
            unit_assignments.unit_id = decisions.moderator_id
            and decisions.decision_date between unit_assignments.started_on and unit_assignments.ended_on
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

variant_audits as (
    select
        window_decisions.experiment_id,
        window_decisions.variant,
        count(*) as audits,
        count(*) filter (where audits.is_correct) as correct_audits
    from window_decisions
    inner join audits
        on window_decisions.decision_id = audits.decision_id
    group by window_decisions.experiment_id, window_decisions.variant
),

variant_outcomes as (
    select
        planned_variants.experiment_id,
        planned_variants.variant,
        planned_variants.planned_share,
        planned_variants.is_control,
        coalesce(variant_units.units, 0) as units,
        coalesce(variant_decisions.decisions, 0) as decisions,
        coalesce(variant_audits.audits, 0) as audits,
        coalesce(variant_audits.correct_audits, 0) as correct_audits,
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
        correct_audits as control_correct_audits
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
                then sum((units - expected_units) ^ 2 / expected_units)
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
)

select
    variant_outcomes.experiment_id,
    variant_outcomes.variant,
    variant_outcomes.is_control,
    variant_outcomes.planned_share,
    variant_outcomes.units,
    variant_outcomes.decisions,
    variant_outcomes.audits,
    variant_outcomes.correct_audits,
    {{ safe_divide('variant_outcomes.correct_audits', 'variant_outcomes.audits') }} as accuracy,
    {{ wilson_low('variant_outcomes.correct_audits', 'variant_outcomes.audits') }} as accuracy_ci_low,
    {{ wilson_high('variant_outcomes.correct_audits', 'variant_outcomes.audits') }} as accuracy_ci_high,
    variant_outcomes.mean_handle_time_s,
    case
        when not variant_outcomes.is_control then
            {{ safe_divide('variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
            - {{ safe_divide('control_outcomes.control_correct_audits', 'control_outcomes.control_audits') }}
    end as accuracy_diff_vs_control,
    case
        when not variant_outcomes.is_control then
        {{ two_proportion_diff_ci_low(
            'control_outcomes.control_correct_audits', 'control_outcomes.control_audits',
            'variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
    end as diff_ci_low,
    case
        when not variant_outcomes.is_control then
        {{ two_proportion_diff_ci_high(
            'control_outcomes.control_correct_audits', 'control_outcomes.control_audits',
            'variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
    end as diff_ci_high,
    case
        when not variant_outcomes.is_control then
        {{ safe_divide(
            safe_divide('variant_outcomes.correct_audits', 'variant_outcomes.audits')
            ~ ' - ' ~ safe_divide('control_outcomes.control_correct_audits', 'control_outcomes.control_audits'),
            safe_divide('control_outcomes.control_correct_audits', 'control_outcomes.control_audits')) }}
    end as relative_lift,
    case
        when not variant_outcomes.is_control then
        {{ two_proportion_z(
            'control_outcomes.control_correct_audits', 'control_outcomes.control_audits',
            'variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
    end as z_score,
    case
        when not variant_outcomes.is_control then
        {{ two_proportion_p_value(
            'control_outcomes.control_correct_audits', 'control_outcomes.control_audits',
            'variant_outcomes.correct_audits', 'variant_outcomes.audits') }}
    end as p_value,
    srm_test.srm_degrees_of_freedom,
    srm_test.srm_chi_square,
    srm_test.srm_p_value,
    coalesce(srm_test.srm_p_value < 0.001, false) as srm_detected
from variant_outcomes
left join control_outcomes
    on variant_outcomes.experiment_id = control_outcomes.experiment_id
left join srm_test
    on variant_outcomes.experiment_id = srm_test.experiment_id
