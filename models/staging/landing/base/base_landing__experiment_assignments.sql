{#- Every experiment_assignments landing row, typed, with where it ends (_status) and
    why (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, key and references, and that the first assignment in load order
    (then by assigned_at) wins (keep: first); macro staging_rows applies them. The
    checks below are the ones a column's contract cannot say. A table, rebuilt whole,
    as every `keep: first` entity (macros/staging_rows.sql). -#}
{{ config(materialized='table') }}
-- depends_on: {{ reference_table('experiments') }}

{% set row_joins %}
    -- the experiments whose planned_split names variants, and each planned variant (once)
    left join (
        select distinct experiment_id as planned_experiment_id
        from {{ ref('stg_raw__experiment_variants') }}
    ) as planned_experiment on landed_row.experiment_id = planned_experiment.planned_experiment_id
    left join (
        select distinct
            experiment_id as planned_variant_experiment_id,
            variant as planned_variant
        from {{ ref('stg_raw__experiment_variants') }}
    ) as planned on landed_row.experiment_id = planned.planned_variant_experiment_id
        and landed_row.variant = planned.planned_variant
{% endset %}

{% set row_checks %}
    -- a variant the experiment's planned_split does not name is a duplicate_conflict,
    -- as raw_contract.md says
    when planned_experiment.planned_experiment_id is not null and planned.planned_variant is null
        then 'duplicate_conflict'
{% endset %}

{{ staging_rows('experiment_assignments', row_checks=row_checks, row_joins=row_joins) }}
