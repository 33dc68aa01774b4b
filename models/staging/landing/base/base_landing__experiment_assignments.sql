{#- Every experiment_assignments landing row, typed, with where it ends (_status) and
    why (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, key and references, and that the first assignment in load order
    (then by assigned_at) wins (keep: first); macro staging_rows applies them. The
    checks below are the ones a column's contract cannot say. A table, rebuilt whole,
    as every `keep: first` entity (macros/staging_rows.sql). -#}
{{ config(materialized='table') }}
-- depends_on: {{ reference_table('experiments') }}

{% set row_checks %}
    -- a variant the experiment's planned_split does not name is a duplicate_conflict,
    -- as raw_contract.md says
    when experiment_id in (
        select experiment_id from {{ ref('stg_raw__experiment_variants') }}
    ) and not exists (
        select 1 from {{ ref('stg_raw__experiment_variants') }} as planned
        where planned.experiment_id = landed_row.experiment_id and planned.variant = landed_row.variant
    ) then 'duplicate_conflict'
{% endset %}

{{ staging_rows('experiment_assignments', row_checks=row_checks) }}
