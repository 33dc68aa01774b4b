{{ staging_rows('lert_assessments', {
    "types": {"assessed_at": "timestamp"},
    "required": ["assessment_id", "request_id", "specialist_id", "assessor_id", "assessed_at", "item_code", "result"],
    "enums": {"result": ["pass", "fail", "na"]},
    "references": [
        ("request_id", ref('base_landing__le_requests'), "request_id"),
        ("item_code", reference_table('lert_scorecard_items'), "item_code"),
    ],
}) }}
