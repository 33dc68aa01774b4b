{{ staging_rows('policy_changes', {
    "types": {"effective_at": "timestamp"},
    "required": ["policy_code", "version", "effective_at", "change_type"],
    "enums": {"change_type": ["new", "clarification", "major_revision"]},
    "references": [("policy_code", reference_table('policies'), "policy_code")],
}) }}
