{{ staging_rows('moderators', {
    "types": {"hired_on": "date", "left_on": "date", "updated_at": "timestamp"},
    "required": ["moderator_id", "vendor_code", "site", "role", "updated_at"],
    "enums": {"role": ["moderator", "auditor", "policy_expert", "lert_specialist"]},
    "checks": [
        ("out_of_range", "left_on < hired_on"),
    ],
    "version_column": "updated_at",
    "references": [("vendor_code", reference_table('vendors'), "vendor_code")],
}) }}
