{#-
    Experiment readout in plain words: what changed, by how much, how sure we are, and
    whether the split was healthy. One row per non-control variant of the experiment,
    read from marts.mart_experiment_results (definitions in metrics.md, "Experiments":
    random audits only, moderators as the unit of analysis). A result that is not final
    (is_final false: the as-of time is not yet 14 days past the end) is called INTERIM.

    Compile it and run it read-only on the published warehouse (the DuckDB shell is
    installed with the project, PyPI package duckdb-cli):
        make analysis NAME=experiment_readout VARS='{experiment_id: EXP-01}'
    or compile it yourself (make dbt ARGS='compile --target reader --select experiment_readout')
    and paste the compiled SQL into any SQL client reading the warehouse.
    experiment_id defaults to EXP-01.
-#}
{%- set experiment_id = var('experiment_id', 'EXP-01') -%}

with

results as (
    select * from {{ ref('mart_experiment_results') }}
),

experiments as (
    select * from {{ ref('stg_raw__experiments') }}
),

experiment_results as (
    select * from results
    where experiment_id = '{{ experiment_id }}'
),

control as (
    select * from experiment_results
    where is_control
),

readout as (
    select
        experiment_results.experiment_id,
        experiment_results.variant,
        experiments.experiment_name,
        case when experiment_results.is_final then 'final' else 'interim' end as result_status,
        -- what changed
        printf(
            '%s "%s" (%s to %s) tested: %s. Variant "%s" (%d moderators, %d audited decisions) '
            || 'was compared with control (%d moderators, %d audited decisions).',
            experiments.experiment_id, experiments.experiment_name, experiments.started_on, experiments.ended_on,
            experiments.hypothesis, experiment_results.variant, experiment_results.units,
            experiment_results.audits, coalesce(control.units, 0), coalesce(control.audits, 0)
        ) as what_changed,
        -- by how much
        case
            when control.experiment_id is null
                then 'There is no control variant, so there is nothing to compare against.'
            when experiment_results.accuracy_diff_vs_control is null
                then 'Accuracy cannot be compared yet: one of the two groups has no audited decisions.'
            else printf(
                'Accuracy on randomly audited decisions was %.1f%% with "%s" versus %.1f%% with control: '
                || '%+.1f points%s. %s'
                || 'Mean handle time was %.1f s versus %.1f s (%+.1f s).',
                100 * experiment_results.accuracy, experiment_results.variant, 100 * control.accuracy,
                100 * experiment_results.accuracy_diff_vs_control,
                case
                    when experiment_results.relative_lift is not null
                        then printf(' (%+.1f%% relative)', 100 * experiment_results.relative_lift)
                    else ''
                end,
                case
                    when experiment_results.diff_ci_low is not null
                        then printf(
                            'The 95%% confidence interval of the difference (moderators as the unit) '
                            || 'runs from %+.1f to %+.1f points. ',
                            100 * experiment_results.diff_ci_low, 100 * experiment_results.diff_ci_high
                        )
                    else ''
                end,
                experiment_results.mean_handle_time_s, control.mean_handle_time_s,
                experiment_results.mean_handle_time_s - control.mean_handle_time_s
            )
        end as how_much,
        -- interim until the audits of the last decisions have had 14 days to land
        case
            when experiment_results.is_final then ''
            else printf(
                'INTERIM: the experiment ended on %s and its last decisions may still be audited until %s; '
                || 'these numbers can change. ',
                experiments.ended_on, experiments.ended_on + interval 14 day
            )
        end as interim_note,
        -- how sure
        case
            when experiment_results.p_value is null
                then
                    'No significance test is possible (fewer than three audited moderators, or no '
                    || 'variation between them).'
            when experiment_results.p_value < 0.001
                then printf(
                    'Very strong evidence of a real difference (p = %.2g, q = %.2g after the experiment''s '
                    || 'comparisons): chance alone would almost never produce a gap this large.',
                    experiment_results.p_value, experiment_results.q_value
                )
            when experiment_results.p_value < 0.05
                then printf(
                    'Evidence of a real difference (p = %.2g, below the usual 0.05 threshold; q = %.2g)%s',
                    experiment_results.p_value, experiment_results.q_value,
                    case
                        when experiment_results.diff_ci_low <= 0 and experiment_results.diff_ci_high >= 0
                            then
                                ', although with this few audits the confidence interval still includes no change: '
                                || 'treat it as tentative.'
                        else '; the interval above shows how large or small it may really be.'
                    end
                )
            else printf(
                'Not enough evidence of a difference (p = %.2g): the gap could be chance%s',
                experiment_results.p_value,
                case
                    when experiment_results.diff_ci_low <= 0 and experiment_results.diff_ci_high >= 0
                        then ', and the confidence interval includes no change at all.'
                    else '.'
                end
            )
        end as evidence,
        -- split health
        case
            when experiment_results.srm_chi_square is null
                then 'The split cannot be checked: no units were assigned.'
            when experiment_results.srm_detected
                then printf(
                    'WARNING: the split was NOT healthy. The number of moderators per variant does not '
                    || 'match the planned split (chi-square %.2f, %d degrees of freedom, p = %.2g < 0.001). '
                    || 'Fix the assignment before trusting the comparison.',
                    experiment_results.srm_chi_square, experiment_results.srm_degrees_of_freedom,
                    experiment_results.srm_p_value
                )
            else printf(
                'The split was healthy: moderators per variant match the planned split '
                || '(chi-square %.2f, %d degrees of freedom, p = %.2g).',
                experiment_results.srm_chi_square, experiment_results.srm_degrees_of_freedom,
                experiment_results.srm_p_value
            )
        end as split_health
    from experiment_results
    inner join experiments
        on experiment_results.experiment_id = experiments.experiment_id
    left join control
        on experiment_results.experiment_id = control.experiment_id
    where not experiment_results.is_control
)

select
    * exclude (interim_note, evidence),
    interim_note || evidence as how_sure
from readout
order by variant
