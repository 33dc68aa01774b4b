"""Core marts from a landing folder written by hand: every expected value below can be
checked by reading the rows in `core_landing`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Landing, Warehouse

SALT = "core-test-salt-7f3a"
SECRET_USER = "U-secret-4242"


def _moderator(mid: str, vendor: str, site: str, updated_at: str, email: str) -> dict[str, object]:
    return {"moderator_id": mid, "vendor_code": vendor, "site": site, "market": "US", "language": "en",
            "role": "moderator", "work_email": email, "hired_on": "2026-01-05", "updated_at": updated_at}


def _decision(did: str, mid: str, decided_at: str, action: str, policy: str | None, user: str) -> dict[str, object]:
    return {"decision_id": did, "content_id": "C" + did, "user_id": user, "queue_code": "hate_harassment",
            "moderator_id": mid, "action": action, "policy_code": policy, "content_type": "comment",
            "market": "US", "decided_at": decided_at, "handle_time_s": 42.5}


def _audit(aid: str, did: str, audited_at: str, qa_action: str, qa_policy: str | None,
           notes: str = "", root_cause: str | None = None) -> dict[str, object]:
    return {"audit_id": aid, "decision_id": did, "auditor_id": "M9", "audit_source": "random",
            "audited_at": audited_at, "qa_action": qa_action, "qa_policy_code": qa_policy,
            "root_cause_code": root_cause, "auditor_notes": notes}


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("core")
    landing = Landing(root / "raw")
    # M1 starts at atlas/manila and moves to borealis/lisbon on 2026-10-10 (a re-sent roster row).
    landing.drop("moderators", "moderators_2026-09-01", [
        _moderator("M1", "atlas", "manila", "2026-09-01T00:00:00Z", "m1@atlas.example"),
        _moderator("M9", "inhouse", "dublin", "2026-09-01T00:00:00Z", "m9@corp.example") | {"role": "auditor"},
    ])
    landing.drop("moderators", "moderators_2026-10-10", [
        _moderator("M1", "borealis", "lisbon", "2026-10-10T09:00:00Z", "m1@borealis.example"),
    ])
    # D2 arrives twice in its own file and again in the next day's file: exact duplicates.
    d1 = _decision("D1", "M1", "2026-10-05T12:00:00Z", "remove", "HT-01", SECRET_USER)
    d2 = _decision("D2", "M1", "2026-10-12T08:00:00-07:00", "approve", None, "U-other-1")
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-12", [d1, d2, d2])
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-13", [d2])
    # A1 is first sent as "approve", then corrected in a later drop to "remove HT-01".
    landing.drop("qa_audits", "qa_audits_2026-10-13", [
        _audit("A1", "D1", "2026-10-06T12:00:00Z", "approve", None, notes=f"creator {SECRET_USER} emailed x@y.example"),
        _audit("A2", "D2", "2026-10-13T15:00:00Z", "remove", "MS-01", root_cause="PPL-KNOW"),
    ])
    landing.drop("qa_audits", "qa_audits_2026-10-14", [
        _audit("A1", "D1", "2026-10-06T12:00:00Z", "remove", "HT-01"),
    ])
    built = Warehouse(root, landing)
    built.salt = SALT
    built.build("+path:models/marts/core", "+path:models/quarantine")
    return built


def test_moderator_history_is_scd2(core: Warehouse) -> None:
    rows = core.query(
        "select vendor_code, site, valid_from::varchar, valid_to::varchar, is_current "
        "from marts.dim_moderators where moderator_id = 'M1' order by version_number"
    )
    assert rows == [
        ("atlas", "manila", "1900-01-01 00:00:00", "2026-10-10 09:00:00", False),
        ("borealis", "lisbon", "2026-10-10 09:00:00", None, True),
    ]


def test_vendor_change_is_attributed_by_decision_time(core: Warehouse) -> None:
    rows = core.query(
        "select decision_id, vendor_code, site, decided_at::varchar from marts.fct_moderation_decisions order by 1"
    )
    # D2 was decided at 08:00-07:00 = 15:00 UTC on 2026-10-12, after the move on 2026-10-10.
    assert rows == [
        ("D1", "atlas", "manila", "2026-10-05 12:00:00"),
        ("D2", "borealis", "lisbon", "2026-10-12 15:00:00"),
    ]
    audits = core.query("select audit_id, vendor_code from marts.fct_qa_audits order by 1")
    assert audits == [("A1", "atlas"), ("A2", "borealis")]


def test_resent_row_replaces_the_old_one(core: Warehouse) -> None:
    row = core.query(
        "select raw_reference_action, raw_reference_policy_code, is_correct, error_type "
        "from marts.fct_qa_audits where audit_id = 'A1'"
    )
    # the correction (remove HT-01) wins over the first version (approve): D1 removed under HT-01.
    assert row == [("remove", "HT-01", True, None)]
    a2 = core.query("select is_correct, error_type, error_severity, audit_score from marts.fct_qa_audits "
                    "where audit_id = 'A2'")
    # D2 approved content the auditor removes under MS-01 (tier 1): critical under-enforcement.
    assert a2 == [(False, "under_enforcement", "critical", 0)]


def test_exact_duplicates_count_once_and_every_row_reconciles(core: Warehouse) -> None:
    assert core.scalar("select count(*) from marts.fct_moderation_decisions where decision_id = 'D2'") == 1
    rows = core.query(
        "select entity, source_file, raw_rows, current_rows, superseded_rows, quarantined_rows, "
        "exact_duplicate_rows, is_balanced from quarantine.reconciliation "
        "where entity in ('moderation_decisions', 'qa_audits') order by 1, 2"
    )
    assert rows == [
        ("moderation_decisions", "moderation_decisions_2026-10-12.csv", 3, 2, 0, 0, 1, True),
        ("moderation_decisions", "moderation_decisions_2026-10-13.csv", 1, 0, 0, 0, 1, True),
        ("qa_audits", "qa_audits_2026-10-13.csv", 2, 1, 1, 0, 0, True),
        ("qa_audits", "qa_audits_2026-10-14.csv", 1, 1, 0, 0, 0, True),
    ]


def test_user_id_is_pseudonymised_with_the_key(core: Warehouse) -> None:
    import hashlib

    keys = core.query("select user_key from marts.fct_moderation_decisions where decision_id = 'D1'")
    expected = hashlib.sha256(f"{SALT}|{SECRET_USER}".encode()).hexdigest()[:32]
    assert keys == [(expected,)]


def test_no_personal_data_in_any_mart(core: Warehouse) -> None:
    columns = core.query(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'"
    )
    assert columns, "no marts were built"
    names = {c for _, c, _ in columns}
    assert not names & {"user_id", "work_email", "auditor_notes", "summary", "corrective_action"}
    for table, column, data_type in columns:
        if data_type != "VARCHAR":
            continue
        leaks = core.scalar(
            f'select count(*) from marts."{table}" where "{column}" like ? or "{column}" like ? '
            f'or regexp_matches("{column}", ?)',
            [f"%{SECRET_USER}%", "%@%.example%", r"[^@\s]+@[^@\s]+\.[a-z]{2,}"],
        )
        assert leaks == 0, f"personal data in marts.{table}.{column}"


def test_key_never_written_to_dbt_artefacts(core: Warehouse) -> None:
    target = core.workdir / "target"
    assert target.exists()
    for path in target.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert SALT.encode() not in path.read_bytes(), f"pseudonymisation key written to {path}"
