{#- First in load order wins (raw_contract.md): a second label by the same rater for an
    item, or a second reference label for an item, is a duplicate_conflict. -#}
{#- A table, rebuilt whole, as every `mode: first` entity (macros/staging_rows.sql). -#}
{{ config(materialized='table') }}

{{ staging_rows('calibration_ratings', {
    "types": {"session_date": "date"},
    "required": ["session_id", "session_date", "queue_code", "item_id", "rater_id", "rater_role", "label"],
    "enums": {"rater_role": ["participant", "reference"]},
    "checks": [
        ("bad_enum", "label <> 'approve' and label not in (select policy_code from " ~ reference_table('policies') ~ ")"),
    ],
    "mode": "first",
    "conflict_extra": [
        ("session_id, item_id, case when rater_role = 'reference' then '<reference>' else rater_id end",
         "_source_file, _line"),
    ],
    "references": [("queue_code", reference_table('queues'), "queue_code")],
}) }}
