-- The data-validation status of this warehouse, one row: the latest gate run recorded in
-- marts.validation_runs (written by the validation step after dbt, see validation.md).
-- dbt cannot ref() that table (the validation step writes it), so it is a source read
-- only when it exists: on a first build, before the gate has run, the status is
-- 'not_validated'. The gate re-runs the reporting models (`dbt run --select
-- tag:validation_status`) after it has written validation_runs and before it publishes,
-- so the published marts carry the status of the run that published them.
-- Ephemeral: inlined into the reporting marts, never a relation that could go stale.
{{ config(materialized='ephemeral') }}

{%- set runs_source = source('validation', 'validation_runs') -%}
{%- set runs_relation = none -%}
{%- if execute -%}
    {%- set runs_relation = adapter.get_relation(
        database=runs_source.database, schema=runs_source.schema, identifier=runs_source.identifier
    ) -%}
{%- endif %}

{% if runs_relation is not none -%}
with

runs as (
    select * from {{ runs_source }}
),

latest_run as (
    select cast(run_id as string) as run_id
    from runs
    order by run_at desc, run_id desc
    limit 1
),

latest_run_suites as (
    select
        latest_run.run_id,
        max(cast(runs.run_at as timestamp)) as run_at,
        count(*) as suites,
        count(*) filter (where not coalesce(runs.success, false)) as failed_suites,
        sum(runs.evaluated) as evaluated_expectations,
        sum(runs.failed) as failed_expectations
    from runs
    inner join latest_run
        on cast(runs.run_id as string) = latest_run.run_id
    group by latest_run.run_id
),

one_row as (
    select 1 as anchor
)

select
    case
        when latest_run_suites.run_id is null then 'not_validated'
        when latest_run_suites.failed_suites = 0 then 'passed'
        else 'failed'
    end as validation_status,
    latest_run_suites.failed_suites = 0 as validation_passed,
    latest_run_suites.run_id as validation_run_id,
    latest_run_suites.run_at as validation_run_at,
    cast(latest_run_suites.suites as bigint) as validation_suites,
    cast(latest_run_suites.failed_suites as bigint) as validation_failed_suites,
    cast(latest_run_suites.failed_expectations as bigint) as validation_failed_expectations
from one_row
left join latest_run_suites on true
{%- else -%}
    select
        'not_validated' as validation_status,
        cast(null as boolean) as validation_passed,
        cast(null as string) as validation_run_id,
        cast(null as timestamp) as validation_run_at,
        cast(null as bigint) as validation_suites,
        cast(null as bigint) as validation_failed_suites,
        cast(null as bigint) as validation_failed_expectations
{%- endif %}
