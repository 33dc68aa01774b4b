{{ staging_rows('rca_cases', {
    "types": {"opened_at": "timestamp", "closed_at": "timestamp"},
    "required": ["rca_id", "opened_at", "subject_type", "subject_id", "root_cause_code", "owner_team", "status"],
    "enums": {
        "subject_type": ["audit", "escalation", "le_request"],
        "status": ["open", "action_planned", "closed"],
    },
    "checks": [
        ("missing_required", "status = 'closed' and closed_at is null"),
        ("out_of_range", "closed_at < opened_at"),
    ],
    "references": [
        ("root_cause_code", reference_table('root_causes'), "root_cause_code"),
        ("queue_code", reference_table('queues'), "queue_code"),
    ],
}) }}
