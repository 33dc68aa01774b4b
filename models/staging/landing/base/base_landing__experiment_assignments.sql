{#- First in load order (then by assigned_at) wins; a second, different assignment of
    a unit, or a variant the experiment's planned_split does not name, is quarantined as
    duplicate_conflict, as raw_contract.md says. -#}
{#- A table, rebuilt whole, as every `mode: first` entity (macros/staging_rows.sql). -#}
{{ config(materialized='table') }}

{{ staging_rows('experiment_assignments', {
    "types": {"assigned_at": "timestamp"},
    "required": ["experiment_id", "unit_id", "variant", "assigned_at"],
    "checks": [
        ("duplicate_conflict",
         "experiment_id in (select experiment_id from " ~ ref('stg_raw__experiment_variants') ~ ")"
         ~ " and not exists (select 1 from " ~ ref('stg_raw__experiment_variants') ~ " as planned"
         ~ " where planned.experiment_id = deduplicated.experiment_id"
         ~ " and planned.variant = deduplicated.variant)"),
    ],
    "mode": "first",
    "version_column": "assigned_at",
    "references": [("experiment_id", reference_table('experiments'), "experiment_id")],
}) }}
