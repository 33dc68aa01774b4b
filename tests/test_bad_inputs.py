"""Landing defence: one test per way a drop can be wrong (validation.md, issue 6).

A landing folder is a minimal valid set (two moderators, two decisions, two audits)
plus the bad thing; the landing, staging and quarantine layers are built from it
(`dbt build --select +quarantine`, with the reconciliation test), and each test
asserts the exact outcome: where each row went and with what reason, and that
`quarantine.reconciliation` balances for every file of the folder.

What only a real file can show (encodings, quoting, column counts, empty, header-only
or unreadable files, Parquet drift, a header repeated further down) gets a folder and
a build of its own. The row-level cases (a well-formed row with a wrong value) are dbt
unit tests on the base models (models/staging/landing/base/_base__unit_tests.yml), and
are checked end to end here too, each from its own file of one folder built once.

To keep the suite fast the reference seeds are loaded once per session into a
template warehouse that each test copies; the full gated build (dbt + GX + publish)
runs in tests/test_publish.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Landing, Warehouse
from tsqa.dbt import DbtError
from tsqa.publish import check_landing, explain_dbt_failure

AS_OF = "2026-10-05T00:00:00Z"

MODERATORS = [
    {"moderator_id": "M1", "vendor_code": "inhouse", "site": "DUB", "market": "IE", "language": "en",
     "role": "moderator", "work_email": "m1@example.com", "hired_on": "2025-01-01",
     "updated_at": "2026-09-01T00:00:00Z"},
    {"moderator_id": "A1", "vendor_code": "inhouse", "site": "DUB", "market": "IE", "language": "en",
     "role": "auditor", "work_email": "a1@example.com", "hired_on": "2025-01-01",
     "updated_at": "2026-09-01T00:00:00Z"},
]
D1 = {"decision_id": "D1", "content_id": "C1", "user_id": "U1", "queue_code": "video_general",
      "moderator_id": "M1", "action": "remove", "policy_code": "MS-01", "content_type": "video",
      "market": "IE", "decided_at": "2026-10-01T10:00:00Z", "handle_time_s": "30"}
D2 = {**D1, "decision_id": "D2", "content_id": "C2", "user_id": "U2", "action": "approve", "policy_code": None,
      "decided_at": "2026-10-01T11:00:00Z", "handle_time_s": "20"}
AUDITS = [
    {"audit_id": "Q1", "decision_id": "D1", "auditor_id": "A1", "audit_source": "random",
     "audited_at": "2026-10-02T09:00:00Z", "qa_action": "remove", "qa_policy_code": "MS-01",
     "auditor_notes": "agree"},
    {"audit_id": "Q2", "decision_id": "D2", "auditor_id": "A1", "audit_source": "random",
     "audited_at": "2026-10-02T09:30:00Z", "qa_action": "approve", "auditor_notes": "agree"},
]
DECISION_HEADER = ("decision_id,content_id,user_id,queue_code,moderator_id,action,policy_code,content_type,"
                   "market,decided_at,handle_time_s")


def decision_line(decision_id: str, **changes: str) -> str:
    row = {**D2, "decision_id": decision_id, "content_id": "C" + decision_id, **changes}
    return ",".join("" if row[c] is None else str(row[c]) for c in DECISION_HEADER.split(","))


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding only the reference seeds (schema raw), built once."""
    root = tmp_path_factory.mktemp("seeded")
    template = Warehouse(root, Landing(root / "raw"), as_of=AS_OF)
    template.build(command="seed")
    return template.path


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    """The minimal valid set; each test adds its bad drop."""
    folder = Landing(tmp_path / "raw")
    folder.drop("moderators", "moderators_2026-09-01", MODERATORS)
    folder.drop("moderation_decisions", "moderation_decisions_2026-10-01", [D1, D2])
    folder.drop("qa_audits", "qa_audits_2026-10-02", AUDITS)
    return folder


@pytest.fixture
def warehouse(tmp_path: Path, landing: Landing, seeded: Path) -> Warehouse:
    built = Warehouse(tmp_path, landing, as_of=AS_OF)
    built.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded, built.path)
    return built


def build_landing(warehouse: Warehouse) -> None:
    """Landing, staging base rows, quarantine and reconciliation, with their data tests
    (the unit tests of these models run in every full build, e.g. the session's sample
    warehouse: they read no landing file)."""
    warehouse.build("+quarantine", extra=["--exclude", "resource_type:seed", "resource_type:unit_test"])


def statuses(warehouse: Warehouse, entity: str, key: str) -> list[tuple]:
    """(file, line, key, status, reason) of every landed row, in load order."""
    return warehouse.query(
        f"select _source_file, _line, {key}, _status, _reason from staging.base_landing__{entity} "
        "order by _source_file, _line"
    )


def assert_reconciled(warehouse: Warehouse, landing: Landing) -> dict[tuple[str, str], tuple]:
    """Every file of the folder has a balanced reconciliation row; returns them by
    (entity, file) as (raw, current, superseded, quarantined, exact duplicates)."""
    rows = warehouse.query(
        "select entity, source_file, raw_rows, current_rows, superseded_rows, quarantined_rows, "
        "exact_duplicate_rows, is_balanced from quarantine.reconciliation"
    )
    assert all(row[-1] for row in rows), rows
    found = {(row[0], row[1]): tuple(row[2:7]) for row in rows}
    files = {(p.parent.name, p.name) for p in landing.root.glob("*/*") if p.suffix in (".csv", ".parquet")}
    assert files == set(found), (files, set(found))
    return found


VALID = {
    ("moderators", "moderators_2026-09-01.csv"): (2, 2, 0, 0, 0),
    ("moderation_decisions", "moderation_decisions_2026-10-01.csv"): (2, 2, 0, 0, 0),
    ("qa_audits", "qa_audits_2026-10-02.csv"): (2, 2, 0, 0, 0),
}


def test_wrong_column_count(warehouse: Warehouse, landing: Landing) -> None:
    landing.raw("moderation_decisions", "moderation_decisions_2026-10-03.csv", "\n".join([
        DECISION_HEADER,
        decision_line("D3"),
        decision_line("D4") + ",extra",      # 12 fields
        "D5,C5,U5,video_general",             # 4 fields
        decision_line("D6"),
    ]).encode() + b"\n")
    build_landing(warehouse)

    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.csv", 2, "D3", "current", None),
        ("moderation_decisions_2026-10-03.csv", 3, None, "quarantined", "wrong_column_count"),
        ("moderation_decisions_2026-10-03.csv", 4, None, "quarantined", "wrong_column_count"),
        ("moderation_decisions_2026-10-03.csv", 5, "D6", "current", None),
    ]
    assert warehouse.query("select line, reason, file_format from quarantine.moderation_decisions order by line") == [
        (3, "wrong_column_count", "csv"), (4, "wrong_column_count", "csv")]
    assert assert_reconciled(warehouse, landing) == {
        **VALID, ("moderation_decisions", "moderation_decisions_2026-10-03.csv"): (4, 2, 0, 2, 0)}


def test_broken_quotes(warehouse: Warehouse, landing: Landing) -> None:
    # a value with text after its closing quote, then an unterminated quote that runs to
    # the end of the file (the parser swallows the line after it into the same malformed
    # record; each swallowed line is a data line of its own, raw_contract.md)
    landing.raw("moderation_decisions", "moderation_decisions_2026-10-03.csv", "\n".join([
        DECISION_HEADER,
        decision_line("D3", content_id='"C3"x'),
        decision_line("D4"),
        decision_line("D5", content_id='"C5'),
        decision_line("D6"),
    ]).encode() + b"\n")
    build_landing(warehouse)

    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.csv", 2, None, "quarantined", "broken_quotes"),
        ("moderation_decisions_2026-10-03.csv", 3, "D4", "current", None),
        ("moderation_decisions_2026-10-03.csv", 4, None, "quarantined", "broken_quotes"),
        ("moderation_decisions_2026-10-03.csv", 5, None, "quarantined", "broken_quotes"),
    ]
    assert assert_reconciled(warehouse, landing)[
        ("moderation_decisions", "moderation_decisions_2026-10-03.csv")] == (4, 1, 0, 3, 0)


def test_broken_quotes_keep_no_raw_line_whatever_the_entity(
        warehouse: Warehouse, landing: Landing) -> None:
    landing.raw("policy_changes", "policy_changes_2026-10-01.csv",
                b'policy_code,version,effective_at,change_type,summary\n'
                b'MS-01,v2,2026-10-01T00:00:00Z,clarification,"Clarified "nudity" examples\n')
    build_landing(warehouse)
    assert warehouse.query("select line, reason, raw_line from quarantine.policy_changes") == [
        (2, "broken_quotes", None)]
    assert_reconciled(warehouse, landing)


def _text_anywhere(warehouse: Warehouse, needle: str) -> list[str]:
    """Every table column of the warehouse whose text contains ``needle`` (one
    connection, one scan per table or view counting the hits of each text column)."""
    found = []
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where data_type = 'VARCHAR' and table_catalog = current_database()").fetchall():
            tables.setdefault((schema, table), []).append(column)
        for (schema, table), columns in tables.items():
            hits = con.execute(
                "select " + ", ".join(f'count(*) filter (where contains("{column}", $needle))' for column in columns)
                + f' from "{schema}"."{table}"', {"needle": needle}).fetchone()
            found.extend(f"{schema}.{table}.{column}" for column, count in zip(columns, hits) if count)
    return found


def test_a_header_repeated_further_down_or_a_misplaced_file_keeps_no_raw_id(
        warehouse: Warehouse, landing: Landing) -> None:
    """Two files concatenated with `cat`, the second with user_id and content_id
    swapped in its header: from that header line on nothing is read under a column
    name (schema_mismatch, no values), so the user ids do not land in content_id. And
    a decisions line in a folder whose entity holds no personal data (escalations):
    its text is not kept either."""
    swapped = DECISION_HEADER.replace("content_id,user_id", "user_id,content_id")
    landing.raw("moderation_decisions", "moderation_decisions_2026-10-03.csv",
                (DECISION_HEADER + "\n" + decision_line("D3") + "\n" + swapped + "\n"
                 + decision_line("D4", content_id="U-SECRET-4", user_id="C4") + "\n"
                 + decision_line("D5", content_id="U-SECRET-5", user_id="C5") + "\n").encode())
    landing.raw("escalations", "escalations_2026-10-03.csv",
                ("escalation_id,created_at,source,severity,queue_code,request_id,status,resolved_at,"
                 "mitigated_at,root_cause_code\n" + decision_line("D6", user_id="U-SECRET-6") + "\n").encode())
    build_landing(warehouse)
    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.csv", 2, "D3", "current", None),
        ("moderation_decisions_2026-10-03.csv", 3, None, "quarantined", "schema_mismatch"),
        ("moderation_decisions_2026-10-03.csv", 4, None, "quarantined", "schema_mismatch"),
        ("moderation_decisions_2026-10-03.csv", 5, None, "quarantined", "schema_mismatch"),
    ]
    assert warehouse.query("select line, reason, raw_line from quarantine.escalations") == [
        (2, "wrong_column_count", None)]
    for secret in ("U-SECRET-4", "U-SECRET-5", "U-SECRET-6"):
        assert _text_anywhere(warehouse, secret) == [], secret
    assert assert_reconciled(warehouse, landing)[
        ("moderation_decisions", "moderation_decisions_2026-10-03.csv")] == (4, 1, 0, 3, 0)


def test_invalid_utf8(warehouse: Warehouse, landing: Landing) -> None:
    landing.raw("moderation_decisions", "moderation_decisions_2026-10-03.csv",
                (DECISION_HEADER + "\n" + decision_line("D3") + "\n").encode()
                + decision_line("D4", market="F\xe9").encode("latin-1") + b"\n"
                + (decision_line("D5") + "\n").encode())
    build_landing(warehouse)

    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.csv", 2, "D3", "current", None),
        ("moderation_decisions_2026-10-03.csv", 3, None, "quarantined", "bad_encoding"),
        ("moderation_decisions_2026-10-03.csv", 4, "D5", "current", None),
    ]
    assert_reconciled(warehouse, landing)


# ---------------------------------------------------------------------------
# Row-level bad input: one landing folder, built once for the module
# ---------------------------------------------------------------------------
# Each way a well-formed row can be wrong is a dbt unit test on its base model
# (models/staging/landing/base/_base__unit_tests.yml: given landing rows, expect status
# and reason). The tests below check the same cases end to end, from real files: each
# case is its own file (and its own ids) in one shared landing folder, built once, and
# each test reads only its file's rows, the quarantine table's text as it arrived, and
# the reconciliation of every file of the folder.

ROW_LEVEL = {
    "unparseable": "moderation_decisions_2026-10-04_unparseable.csv",
    "timestamps": "moderation_decisions_2026-10-04_timestamps.csv",
    "future": "moderation_decisions_2026-10-04_future.csv",
    "missing": "moderation_decisions_2026-10-04_missing.csv",
    "enum": "qa_audits_2026-10-03_enum.csv",
    "orphan": "qa_audits_2026-10-03_orphan.csv",
}


@pytest.fixture(scope="module")
def row_level(tmp_path_factory: pytest.TempPathFactory, seeded: Path) -> tuple[Warehouse, Landing]:
    """The minimal valid set plus one file per row-level case, built once (read only)."""
    root = tmp_path_factory.mktemp("row_level")
    folder = Landing(root / "raw")
    folder.drop("moderators", "moderators_2026-09-01", MODERATORS)
    folder.drop("moderation_decisions", "moderation_decisions_2026-10-01", [D1, D2])
    folder.drop("qa_audits", "qa_audits_2026-10-02", AUDITS)

    def drop(case: str, rows: list[dict]) -> None:
        entity = "qa_audits" if case in ("enum", "orphan") else "moderation_decisions"
        folder.drop(entity, ROW_LEVEL[case].removesuffix(".csv"), rows)

    drop("unparseable", [{**D2, "decision_id": "N3", "handle_time_s": "12,5 s"},
                         {**D2, "decision_id": "N4", "handle_time_s": "NaN"}])
    drop("timestamps", [
        {**D2, "decision_id": "T3", "decided_at": "2026-10-01T11:00:00"},         # naive: whose clock?
        {**D2, "decision_id": "T4", "decided_at": "2026-13-01T11:00:00Z"},        # no month 13
        {**D2, "decision_id": "T5", "decided_at": "01/10/2026 11:00"},            # not ISO 8601
        {**D2, "decision_id": "T6", "decided_at": "2026-10-01T04:00:00-07:00"},   # valid, stored in UTC
    ])
    drop("future", [{**D2, "decision_id": "F3", "decided_at": "2026-10-05T00:00:01Z"}])   # after TSQA_AS_OF
    drop("missing", [
        {**D2, "decision_id": "R3", "content_id": None},
        {**D1, "decision_id": "R4", "policy_code": None},      # an enforcement names its policy
        {**D2, "decision_id": "R5", "market": "   "},          # blank is missing
    ])
    drop("enum", [
        {**AUDITS[0], "audit_id": "E3", "audit_source": "random", "qa_action": "delete_forever"},
        {**AUDITS[0], "audit_id": "E4", "audit_source": "hunch"},
    ])
    drop("orphan", [{**AUDITS[0], "audit_id": "O3", "decision_id": "D404"}])
    # conflicting duplicate ids: decisions: the newest version of a key wins (later file,
    # then later line), the older is superseded; an exact re-send is counted once
    folder.drop("moderation_decisions", "moderation_decisions_2026-10-03", [
        {**D1, "action": "restrict"},                            # corrects D1 from the earlier file
        {**D2, "decision_id": "D3", "handle_time_s": "5"},
        {**D2, "decision_id": "D3", "handle_time_s": "7"},       # same file, later line wins
        D2,                                                      # exact re-send of D2
    ])
    # calibration: the first label in load order stays, a conflicting one is quarantined
    folder.drop("calibration_ratings", "calibration_ratings_2026-10-03", [
        {"session_id": "S1", "session_date": "2026-10-03", "queue_code": "video_general", "item_id": "I1",
         "rater_id": "M1", "rater_role": "participant", "label": "MS-01"},
        {"session_id": "S1", "session_date": "2026-10-03", "queue_code": "video_general", "item_id": "I1",
         "rater_id": "M1", "rater_role": "participant", "label": "approve"},
    ])
    built = Warehouse(root, folder, as_of=AS_OF)
    built.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded, built.path)
    build_landing(built)
    return built, folder


def file_statuses(warehouse: Warehouse, entity: str, key: str, *files: str) -> list[tuple]:
    """`statuses` of the rows of the given files only."""
    return [row for row in statuses(warehouse, entity, key) if row[0] in files]


def test_non_numeric_number(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert warehouse.query("select decision_id, line, reason, handle_time_s from quarantine.moderation_decisions "
                           "where source_file = ? order by line", [ROW_LEVEL["unparseable"]]) == [
        ("N3", 2, "unparseable", "12,5 s"), ("N4", 3, "unparseable", "NaN")]
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", ROW_LEVEL["unparseable"])] == (
        2, 0, 0, 2, 0)


def test_bad_enum(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert warehouse.query("select audit_id, line, reason, qa_action, audit_source from quarantine.qa_audits "
                           "where source_file = ? order by line", [ROW_LEVEL["enum"]]) == [
        ("E3", 2, "bad_enum", "delete_forever", "random"), ("E4", 3, "bad_enum", "remove", "hunch")]
    assert assert_reconciled(warehouse, landing)[("qa_audits", ROW_LEVEL["enum"])] == (2, 0, 0, 2, 0)


def test_bad_or_naive_timestamp(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert warehouse.query("select decision_id, reason from quarantine.moderation_decisions "
                           "where source_file = ? order by line", [ROW_LEVEL["timestamps"]]) == [
        ("T3", "bad_timestamp"), ("T4", "bad_timestamp"), ("T5", "bad_timestamp")]
    assert str(warehouse.scalar("select decided_at from staging.base_landing__moderation_decisions "
                                "where decision_id = 'T6'")) == "2026-10-01 11:00:00"
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", ROW_LEVEL["timestamps"])] == (
        4, 1, 0, 3, 0)


def test_timestamp_in_the_future(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", ROW_LEVEL["future"]) == [
        (ROW_LEVEL["future"], 2, "F3", "quarantined", "out_of_range")]
    assert_reconciled(warehouse, landing)


def test_missing_required_value(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert warehouse.query("select decision_id, reason from quarantine.moderation_decisions "
                           "where source_file = ? order by line", [ROW_LEVEL["missing"]]) == [
        ("R3", "missing_required"), ("R4", "missing_required"), ("R5", "missing_required")]
    assert_reconciled(warehouse, landing)


def test_orphan_reference(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert warehouse.query("select audit_id, decision_id, source_file, line, reason from quarantine.qa_audits "
                           "where source_file = ?", [ROW_LEVEL["orphan"]]) == [
        ("O3", "D404", ROW_LEVEL["orphan"], 2, "orphan_reference")]
    assert warehouse.scalar("select count(*) from staging.base_landing__qa_audits where _status = 'current'") == 2
    assert_reconciled(warehouse, landing)


def test_conflicting_duplicate_ids(row_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = row_level
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", "moderation_decisions_2026-10-01.csv",
                         "moderation_decisions_2026-10-03.csv") == [
        ("moderation_decisions_2026-10-01.csv", 2, "D1", "superseded", None),
        ("moderation_decisions_2026-10-01.csv", 3, "D2", "current", None),
        ("moderation_decisions_2026-10-03.csv", 2, "D1", "current", None),
        ("moderation_decisions_2026-10-03.csv", 3, "D3", "superseded", None),
        ("moderation_decisions_2026-10-03.csv", 4, "D3", "current", None),
        ("moderation_decisions_2026-10-03.csv", 5, "D2", "exact_duplicate", None),
    ]
    assert warehouse.query("select action from staging.base_landing__moderation_decisions "
                           "where decision_id = 'D1' and _status = 'current'") == [("restrict",)]
    assert warehouse.query("select label, reason from quarantine.calibration_ratings") == [
        ("approve", "duplicate_conflict")]
    found = assert_reconciled(warehouse, landing)
    assert found[("moderation_decisions", "moderation_decisions_2026-10-01.csv")] == (2, 1, 1, 0, 0)
    assert found[("moderation_decisions", "moderation_decisions_2026-10-03.csv")] == (4, 2, 1, 0, 1)
    assert found[("calibration_ratings", "calibration_ratings_2026-10-03.csv")] == (2, 1, 0, 1, 0)


def test_empty_file(warehouse: Warehouse, landing: Landing) -> None:
    landing.raw("moderation_decisions", "moderation_decisions_2026-10-03.csv", b"")
    build_landing(warehouse)
    assert assert_reconciled(warehouse, landing) == {
        **VALID, ("moderation_decisions", "moderation_decisions_2026-10-03.csv"): (0, 0, 0, 0, 0)}


def test_header_only_file(warehouse: Warehouse, landing: Landing) -> None:
    landing.drop("qa_audits", "qa_audits_2026-10-03", [])
    build_landing(warehouse)
    assert assert_reconciled(warehouse, landing) == {
        **VALID, ("qa_audits", "qa_audits_2026-10-03.csv"): (0, 0, 0, 0, 0)}
    assert warehouse.scalar("select count(*) from quarantine.qa_audits") == 0


def test_unreadable_file(warehouse: Warehouse, landing: Landing) -> None:
    """A file DuckDB cannot read at all stops the build, naming the file; tests run
    as root (chmod does not stop reads), so the file is a Parquet drop cut short."""
    broken = landing.raw("qa_audits", "qa_audits_2026-10-03.parquet", b"PAR1" + b"\x00" * 40 + b"PAR1")
    with pytest.raises(DbtError) as failure:
        build_landing(warehouse)
    assert str(broken) in str(failure.value)
    hint = explain_dbt_failure(str(failure.value), landing.root)[0]
    assert hint.startswith(f"The landing file {broken} is not a readable Parquet file")
    assert "Fix: replace the file with a readable drop, or move it out of" in hint
    # the gate's own check finds it (and what DuckDB would skip) before dbt runs
    (landing.root / "qa_audits" / "qa_audits_2026-10-04.csv").mkdir()
    (landing.root / "qa_audits" / "qa_audits_2026-10-05.csv").symlink_to(landing.root / "nowhere.csv")
    (landing.root / "qa_audits" / "qa_audits_2026-10-06.parquet").write_bytes(b"not parquet at all")
    # (the file cut short still has Parquet's magic bytes: only DuckDB can tell)
    assert check_landing(landing.root).problems == [
        f"{landing.root}/qa_audits/qa_audits_2026-10-04.csv: is a folder (entity folders hold files only)",
        f"{landing.root}/qa_audits/qa_audits_2026-10-05.csv: is a symbolic link (only regular files are read)",
        f"{landing.root}/qa_audits/qa_audits_2026-10-06.parquet: is not a Parquet file (no PAR1 magic bytes at "
        "its start and end: truncated or another format)",
    ]


def test_schema_drift_new_column(warehouse: Warehouse, landing: Landing) -> None:
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-03",
                 [{**D2, "decision_id": "D3", "priority": "high"}, {**D2, "decision_id": "D4", "priority": "low"}],
                 columns=DECISION_HEADER.split(",") + ["priority"])
    build_landing(warehouse)

    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.csv", 2, None, "quarantined", "schema_mismatch"),
        ("moderation_decisions_2026-10-03.csv", 3, None, "quarantined", "schema_mismatch"),
    ]
    assert assert_reconciled(warehouse, landing)[
        ("moderation_decisions", "moderation_decisions_2026-10-03.csv")] == (2, 0, 0, 2, 0)


def test_schema_drift_new_column_in_parquet(warehouse: Warehouse, landing: Landing) -> None:
    """Parquet is read by column name: a drop with a column the contract does not have
    is drift too, and all its rows are quarantined; the entity holds personal data, so
    they keep no raw value (the file and row say where to look)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = DECISION_HEADER.split(",")
    rows = [{**D2, "decision_id": "D5"}, {**D2, "decision_id": "D6"}]
    table = {c: [None if r[c] is None else str(r[c]) for r in rows] for c in columns}
    path = landing.root / "moderation_decisions" / "moderation_decisions_2026-10-03.parquet"
    pq.write_table(pa.table({**table, "priority": ["high", "low"]}), path)
    build_landing(warehouse)

    assert statuses(warehouse, "moderation_decisions", "decision_id")[2:] == [
        ("moderation_decisions_2026-10-03.parquet", 1, None, "quarantined", "schema_mismatch"),
        ("moderation_decisions_2026-10-03.parquet", 2, None, "quarantined", "schema_mismatch"),
    ]
    assert assert_reconciled(warehouse, landing)[
        ("moderation_decisions", "moderation_decisions_2026-10-03.parquet")] == (2, 0, 0, 2, 0)


def test_whole_entity_missing(warehouse: Warehouse, landing: Landing) -> None:
    shutil.rmtree(landing.root / "qa_audits")
    build_landing(warehouse)

    assert warehouse.scalar("select count(*) from staging.base_landing__qa_audits") == 0
    assert warehouse.scalar("select count(*) from quarantine.qa_audits") == 0
    found = assert_reconciled(warehouse, landing)
    assert not any(entity == "qa_audits" for entity, _ in found)
    assert [s for *_, s, _ in statuses(warehouse, "moderation_decisions", "decision_id")] == ["current", "current"]


def test_a_build_that_leaves_out_its_tests_is_not_marked_passed(warehouse: Warehouse) -> None:
    """`tsqa publish` publishes a working file only when its own whole `dbt build`
    passed (macros/build_marker.sql). A build run without its tests (a user's
    `--exclude-resource-type test unit_test`, or DBT_EXCLUDE_RESOURCE_TYPES) is no
    evidence of that: its marker stays "not passed"."""
    warehouse.build(extra=["--exclude-resource-type", "test", "unit_test"])
    assert warehouse.query("select build_passed, command from landing.tsqa_build_marker") == [(False, "build")]
