{{ staging_rows('le_requests', {
    "types": {"received_at": "timestamp", "accounts_specified": "int", "legal_process_valid": "bool",
              "responded_at": "timestamp", "updated_at": "timestamp"},
    "required": ["request_id", "received_at", "country", "agency_type", "request_type",
                 "accounts_specified", "legal_process_valid", "specialist_id", "status", "updated_at"],
    "enums": {
        "agency_type": ["local", "state", "federal", "foreign"],
        "request_type": ["subpoena", "court_order", "search_warrant", "emergency", "preservation", "other"],
        "status": ["open", "responded", "closed"],
        "outcome": ["disclosed_full", "disclosed_partial", "no_data", "rejected", "withdrawn"],
    },
    "checks": [
        ("bad_enum", "not regexp_full_match(country, '[A-Z]{2}')"),
        ("out_of_range", "accounts_specified < 1"),
        ("out_of_range", "accounts_specified > " ~ var("max_accounts_specified")),
        ("missing_required", "status <> 'open' and (outcome is null or responded_at is null)"),
        ("out_of_range", "status = 'open' and (outcome is not null or responded_at is not null)"),
        ("out_of_range", "responded_at < received_at"),
    ],
    "version_column": "updated_at",
}) }}
