{{ staging_rows('audit_disputes', {
    "types": {"raised_at": "timestamp", "resolved_at": "timestamp"},
    "required": ["dispute_id", "audit_id", "raised_by", "raised_at", "outcome"],
    "enums": {
        "outcome": ["pending", "upheld", "overturned"],
        "final_action": ["approve", "remove", "restrict", "age_restrict", "escalate"],
    },
    "checks": [
        ("missing_required", "outcome <> 'pending' and resolved_at is null"),
        ("out_of_range", "outcome = 'pending' and resolved_at is not null"),
        ("missing_required", "outcome = 'overturned' and final_action is null"),
        ("missing_required", "outcome = 'overturned' and final_action <> 'approve' and final_policy_code is null"),
        ("out_of_range", "resolved_at < raised_at"),
    ],
    "references": [
        ("audit_id", ref('base_landing__qa_audits'), "audit_id"),
        ("final_policy_code", reference_table('policies'), "policy_code"),
    ],
}) }}
