{{ staging_rows('escalations', {
    "types": {"created_at": "timestamp", "resolved_at": "timestamp", "mitigated_at": "timestamp"},
    "required": ["escalation_id", "created_at", "source", "severity", "status"],
    "enums": {
        "source": ["media", "regulator", "internal", "law_enforcement", "user_report"],
        "severity": ["sev1", "sev2", "sev3", "sev4"],
        "status": ["open", "mitigated", "resolved"],
    },
    "checks": [
        ("missing_required", "status = 'resolved' and resolved_at is null"),
        ("missing_required", "status = 'mitigated' and mitigated_at is null"),
        ("out_of_range", "resolved_at < created_at or mitigated_at < created_at"),
    ],
    "references": [
        ("queue_code", reference_table('queues'), "queue_code"),
        ("request_id", ref('base_landing__le_requests'), "request_id"),
        ("root_cause_code", reference_table('root_causes'), "root_cause_code"),
    ],
}) }}
