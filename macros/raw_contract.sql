{#-
    The raw landing contract (../shared/spec/raw_contract.md) as data, written once:
    for each landing entity, its columns in file order, its key (the columns that
    identify one record) and its columns holding personal data.

    Landing reads every file against this list; staging types and checks the same
    columns. `pii_drop` columns are never stored in the warehouse at all; `pii_hash`
    columns are replaced by a keyed hash as they land (macro `pseudonymise`);
    `free_text` columns are kept in landing and quarantine (for whoever fixes a file)
    but stop at staging: no free text reaches a mart (validation.md).
-#}
{% macro raw_contract() %}
    {{ return({
        "moderators": {
            "columns": ["moderator_id", "vendor_code", "site", "market", "language", "role",
                        "work_email", "hired_on", "left_on", "updated_at"],
            "key": ["moderator_id", "updated_at"],
            "pii_drop": ["work_email"], "pii_hash": []},
        "moderation_decisions": {
            "columns": ["decision_id", "content_id", "user_id", "queue_code", "moderator_id",
                        "action", "policy_code", "content_type", "market", "decided_at",
                        "handle_time_s"],
            "key": ["decision_id"],
            "pii_drop": [], "pii_hash": ["user_id"]},
        "qa_audits": {
            "columns": ["audit_id", "decision_id", "auditor_id", "audit_source", "audited_at",
                        "qa_action", "qa_policy_code", "root_cause_code", "auditor_notes"],
            "key": ["audit_id"],
            "pii_drop": ["auditor_notes"], "pii_hash": []},
        "audit_disputes": {
            "columns": ["dispute_id", "audit_id", "raised_by", "raised_at", "resolved_at",
                        "outcome", "final_action", "final_policy_code"],
            "key": ["dispute_id"],
            "pii_drop": [], "pii_hash": []},
        "calibration_ratings": {
            "columns": ["session_id", "session_date", "queue_code", "item_id", "rater_id",
                        "rater_role", "label"],
            "key": ["session_id", "item_id", "rater_id"],
            "pii_drop": [], "pii_hash": []},
        "rca_cases": {
            "columns": ["rca_id", "opened_at", "closed_at", "subject_type", "subject_id",
                        "queue_code", "root_cause_code", "corrective_action", "owner_team",
                        "status"],
            "key": ["rca_id"],
            "pii_drop": [], "pii_hash": [], "free_text": ["corrective_action"]},
        "policy_changes": {
            "columns": ["policy_code", "version", "effective_at", "change_type", "summary"],
            "key": ["policy_code", "version"],
            "pii_drop": [], "pii_hash": [], "free_text": ["summary"]},
        "training_completions": {
            "columns": ["moderator_id", "course_code", "policy_code", "completed_at", "score"],
            "key": ["moderator_id", "course_code", "completed_at"],
            "pii_drop": [], "pii_hash": []},
        "le_requests": {
            "columns": ["request_id", "received_at", "country", "agency_type", "request_type",
                        "accounts_specified", "legal_process_valid", "specialist_id", "status",
                        "outcome", "responded_at", "updated_at"],
            "key": ["request_id"],
            "pii_drop": [], "pii_hash": []},
        "lert_assessments": {
            "columns": ["assessment_id", "request_id", "specialist_id", "assessor_id",
                        "assessed_at", "item_code", "result"],
            "key": ["assessment_id", "item_code"],
            "pii_drop": [], "pii_hash": []},
        "escalations": {
            "columns": ["escalation_id", "created_at", "source", "severity", "queue_code",
                        "request_id", "status", "resolved_at", "mitigated_at",
                        "root_cause_code"],
            "key": ["escalation_id"],
            "pii_drop": [], "pii_hash": []},
        "experiment_assignments": {
            "columns": ["experiment_id", "unit_id", "variant", "assigned_at"],
            "key": ["experiment_id", "unit_id"],
            "pii_drop": [], "pii_hash": []},
    }) }}
{% endmacro %}
