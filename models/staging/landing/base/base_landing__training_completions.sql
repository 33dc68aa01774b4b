{{ staging_rows('training_completions', {
    "types": {"completed_at": "timestamp", "score": "number"},
    "required": ["moderator_id", "course_code", "completed_at"],
    "checks": [("out_of_range", "score < 0 or score > 100")],
    "references": [
        ("moderator_id", ref('base_landing__moderators'), "moderator_id"),
        ("policy_code", reference_table('policies'), "policy_code"),
    ],
}) }}
