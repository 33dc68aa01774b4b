{#- Every calibration_ratings landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, enums, key and references, and that the first label in load order
    wins (keep: first); macro staging_rows applies them. The checks below are the ones
    a column's contract cannot say. A table, rebuilt whole, as every `keep: first`
    entity (macros/staging_rows.sql). -#}
{{ config(materialized='table') }}
-- depends_on: {{ reference_table('queues') }}
-- depends_on: {{ reference_table('policies') }}

{% set row_checks %}
    -- a label is approve or a policy
    when label <> 'approve' and label not in (
        select policy_code from {{ reference_table('policies') }}
    ) then 'bad_enum'
{% endset %}

{% set conflict_checks %}
    -- at most one reference label per item (and one label per rater, the key): a later
    -- one is a duplicate_conflict (raw_contract.md)
    when row_number() over (
        partition by session_id, item_id, case when rater_role = 'reference' then '<reference>' else rater_id end
        order by _source_file, _line
    ) > 1 then 'duplicate_conflict'
{% endset %}

{{ staging_rows('calibration_ratings', row_checks=row_checks, conflict_checks=conflict_checks) }}
