{{ staging_rows('moderation_decisions', {
    "types": {"decided_at": "timestamp", "handle_time_s": "number"},
    "required": ["decision_id", "content_id", "queue_code", "moderator_id", "action", "market",
                 "decided_at", "handle_time_s"],
    "enums": {"action": ["approve", "remove", "restrict", "age_restrict", "escalate"]},
    "checks": [
        ("missing_required", "action <> 'approve' and policy_code is null"),
        ("out_of_range", "action = 'approve' and policy_code is not null"),
        ("out_of_range", "handle_time_s < 0"),
        ("out_of_range", "handle_time_s > " ~ var("max_handle_time_s")),
    ],
    "references": [
        ("queue_code", reference_table('queues'), "queue_code"),
        ("policy_code", reference_table('policies'), "policy_code"),
        ("moderator_id", ref('base_landing__moderators'), "moderator_id"),
    ],
}) }}
