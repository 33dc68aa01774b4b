"""The landing contract file (models/landing/_landing__models.yml) and its Python reader.

The tests state the contract independently (conftest.CONTRACT_COLUMNS, raw_contract.md)
and check the one declaration against it; the reader must refuse a malformed file.
"""

from __future__ import annotations

import pytest

from tests.conftest import CONTRACT_COLUMNS
from tsqa import contract, validate
from tsqa.landing import LANDING_ENTITIES


def test_the_declaration_has_the_contracts_entities_and_columns_in_file_order() -> None:
    assert list(contract.entities()) == list(CONTRACT_COLUMNS)
    assert LANDING_ENTITIES == contract.entities()
    for entity, columns in CONTRACT_COLUMNS.items():
        assert contract.columns(entity) == columns, entity


def test_personal_data_and_free_text_as_raw_contract_md_says() -> None:
    entities = contract.load()
    treated = {(e.name, c.name): (c.pii, c.free_text) for e in entities.values() for c in e.columns
               if c.pii or c.free_text}
    assert treated == {
        ("moderators", "work_email"): ("drop", False),
        ("moderation_decisions", "user_id"): ("hash", False),
        ("qa_audits", "auditor_notes"): ("drop", True),
        ("rca_cases", "corrective_action"): (None, True),
        ("policy_changes", "summary"): (None, True),
    }


def test_keys_and_version_rules_as_raw_contract_md_says() -> None:
    entities = contract.load()
    assert entities["moderators"].key == ["moderator_id", "updated_at"]
    assert entities["calibration_ratings"].key == ["session_id", "item_id", "rater_id"]
    assert entities["training_completions"].key == ["moderator_id", "course_code", "completed_at"]
    assert entities["lert_assessments"].key == ["assessment_id", "item_code"]
    assert {e.name: e.keep for e in entities.values() if e.keep != "newest"} == {
        "calibration_ratings": "first", "experiment_assignments": "first"}
    assert {e.name: e.version_order for e in entities.values() if e.version_order} == {
        "moderators": "updated_at", "le_requests": "updated_at", "experiment_assignments": "assigned_at"}


def test_the_gx_suite_of_a_staging_view_comes_from_the_contract() -> None:
    suite = contract.landing_suite("moderation_decisions")
    assert suite["columns"] == {
        "decision_id": "String", "content_id": "String", "user_key": "String", "queue_code": "String",
        "moderator_id": "String", "action": "String", "policy_code": "String", "content_type": "String",
        "market": "String", "decided_at": "DateTime", "handle_time_s": "Float", "source_file": "String"}
    assert suite["key"] == ["decision_id"]
    assert suite["enums"] == {"action": ["approve", "remove", "restrict", "age_restrict", "escalate"]}
    # free text and dropped personal data never reach the staging view
    assert "corrective_action" not in contract.landing_suite("rca_cases")["columns"]
    assert "auditor_notes" not in contract.landing_suite("qa_audits")["columns"]
    le = contract.landing_suite("le_requests")["columns"]
    assert (le["accounts_specified"], le["legal_process_valid"]) == ("Integer", "Boolean")
    # what the TOML adds (ranges, freshness) is merged in
    config = validate.Config.load()
    assert config.landing["moderation_decisions"]["ranges"] == {"handle_time_s": [0, ""]}
    assert config.landing["moderation_decisions"]["key"] == ["decision_id"]
    assert list(config.landing) == list(CONTRACT_COLUMNS)


def test_landing_toml_may_not_restate_the_contract() -> None:
    with pytest.raises(ValueError, match="restates the landing contract"):
        validate.landing_suites({"qa_audits": {"required": ["audit_id"]}})
    with pytest.raises(ValueError, match="not in the landing contract"):
        validate.landing_suites({"qa_audit": {"ranges": {}}})


_MODEL = """
version: 2
models:
  - name: landing__a
    columns:
      - name: a_id
        data_type: varchar
        meta: {{key: true}}
      - name: b
        {column}
"""


@pytest.mark.parametrize(("column", "message"), [
    ("data_type: text", "data_type 'text' is not one of"),
    ("data_type: varchar\n        meta: {requird: true}", "unknown meta requird"),
    ("data_type: varchar\n        meta: {pii: mask}", "pii must be drop or hash"),
    ("data_type: varchar\n        meta: {references: {entity: z, column: z_id}}", "references z.z_id"),
    ("data_type: varchar\n        meta: {references: {table: z, column: z_id}}", "references must be"),
])
def test_a_malformed_contract_is_refused_naming_the_column(column: str, message: str) -> None:
    with pytest.raises(contract.ContractError, match=message) as error:
        contract.parse(_MODEL.format(column=column))
    assert "landing__a" in str(error.value)


def test_meta_under_config_counts_as_dbt_merges_it() -> None:
    """dbt merges ``config: meta:`` into a column's meta: a ``pii: drop`` written there is a
    drop in the build, so it must be one for the GX suites and the generator too."""
    column = "data_type: varchar\n        config: {meta: {pii: drop, required: true}}"
    entity = contract.parse(_MODEL.format(column=column))["a"]
    b = next(c for c in entity.columns if c.name == "b")
    assert (b.pii, b.required) == ("drop", True)


def test_meta_given_two_different_values_is_refused() -> None:
    column = "data_type: varchar\n        meta: {pii: hash}\n        config: {meta: {pii: drop}}"
    with pytest.raises(contract.ContractError, match="landing__a.b: meta pii given two different values"):
        contract.parse(_MODEL.format(column=column))


def test_an_entity_without_a_key_is_refused() -> None:
    text = _MODEL.format(column="data_type: varchar").replace("meta: {key: true}", "meta: {}")
    with pytest.raises(contract.ContractError, match="has no key"):
        contract.parse(text)


#: The allowed values raw_contract.md lists, copied from it by hand ("Entities"): a value
#: removed from, or added to, the declaration shows here, not only in the staging checks
#: and GX suites that both read the declaration.
ACTIONS = ["approve", "remove", "restrict", "age_restrict", "escalate"]
SPEC_ENUMS = {
    "moderators": {"role": ["moderator", "auditor", "policy_expert", "lert_specialist"]},
    "moderation_decisions": {"action": ACTIONS},
    "qa_audits": {"audit_source": ["random", "targeted", "appeal", "escalation"], "qa_action": ACTIONS},
    "audit_disputes": {"outcome": ["pending", "upheld", "overturned"], "final_action": ACTIONS},
    "calibration_ratings": {"rater_role": ["participant", "reference"]},
    "rca_cases": {"subject_type": ["audit", "escalation", "le_request"],
                  "status": ["open", "action_planned", "closed"]},
    "policy_changes": {"change_type": ["new", "clarification", "major_revision"]},
    "training_completions": {},
    "le_requests": {"agency_type": ["local", "state", "federal", "foreign"],
                    "request_type": ["subpoena", "court_order", "search_warrant", "emergency",
                                     "preservation", "other"],
                    "status": ["open", "responded", "closed"],
                    "outcome": ["disclosed_full", "disclosed_partial", "no_data", "rejected", "withdrawn"]},
    "lert_assessments": {"result": ["pass", "fail", "na"]},
    "escalations": {"source": ["media", "regulator", "internal", "law_enforcement", "user_report"],
                    "severity": ["sev1", "sev2", "sev3", "sev4"],
                    "status": ["open", "mitigated", "resolved"]},
    "experiment_assignments": {},
}


def test_allowed_values_as_raw_contract_md_says() -> None:
    declared = {name: {c: sorted(v) for c, v in e.enums.items()} for name, e in contract.load().items()}
    assert declared == {name: {c: sorted(v) for c, v in enums.items()} for name, enums in SPEC_ENUMS.items()}


def test_a_keep_rule_other_than_newest_or_first_is_refused() -> None:
    text = _MODEL.format(column="data_type: varchar").replace(
        "  - name: landing__a\n", "  - name: landing__a\n    config: {meta: {keep: latest}}\n")
    assert "keep: latest" in text
    with pytest.raises(contract.ContractError, match="keep is 'latest'"):
        contract.parse(text)
