{{ staging_rows('qa_audits', {
    "types": {"audited_at": "timestamp"},
    "required": ["audit_id", "decision_id", "auditor_id", "audit_source", "audited_at", "qa_action"],
    "enums": {
        "audit_source": ["random", "targeted", "appeal", "escalation"],
        "qa_action": ["approve", "remove", "restrict", "age_restrict", "escalate"],
    },
    "checks": [
        ("missing_required", "qa_action <> 'approve' and qa_policy_code is null"),
        ("out_of_range", "qa_action = 'approve' and qa_policy_code is not null"),
    ],
    "references": [
        ("decision_id", ref('base_landing__moderation_decisions'), "decision_id"),
        ("qa_policy_code", reference_table('policies'), "policy_code"),
        ("root_cause_code", reference_table('root_causes'), "root_cause_code"),
    ],
    "cross_checks": [
        ("out_of_range", ref('base_landing__moderation_decisions'), "decision_id", "decision_id",
         "versions.audited_at < parent.decided_at"),
    ],
}) }}
