"""Landing defence: one test per way a drop can be wrong (validation.md, issue 6).

A landing folder is a minimal valid set (two moderators, two decisions, two audits)
plus the bad thing; the landing, staging and quarantine layers are built from it
(`dbt build --select +quarantine`, with the reconciliation test), and each test
asserts the exact outcome: where each row went and with what reason, and that
`quarantine.reconciliation` balances for every file of the folder.

What only a real file can show (encodings, quoting, column counts, empty or
header-only files, Parquet drift, a header repeated further down) is a file of its own
in one folder built once for the module (each case with its own ids, each test reading
its own file's rows). The row-level cases (a well-formed row with a wrong value) are
dbt unit tests on the base models (models/staging/landing/base/_base__unit_tests.yml),
and are checked end to end here too, the same way, in a second folder built once. What
changes the whole build (an unreadable file, a whole entity missing, a build without
its tests) gets a folder and a build of its own.

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


def valid_set(root: Path) -> Landing:
    """A landing folder <root>/raw holding the minimal valid set."""
    folder = Landing(root / "raw")
    folder.drop("moderators", "moderators_2026-09-01", MODERATORS)
    folder.drop("moderation_decisions", "moderation_decisions_2026-10-01", [D1, D2])
    folder.drop("qa_audits", "qa_audits_2026-10-02", AUDITS)
    return folder


def seeded_warehouse(root: Path, landing: Landing, seeded: Path) -> Warehouse:
    """A warehouse in <root> for the landing folder, starting as a copy of `seeded`."""
    built = Warehouse(root, landing, as_of=AS_OF)
    built.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded, built.path)
    return built


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    """The minimal valid set; each test adds its bad drop."""
    return valid_set(tmp_path)


@pytest.fixture
def warehouse(tmp_path: Path, landing: Landing, seeded: Path) -> Warehouse:
    return seeded_warehouse(tmp_path, landing, seeded)


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


# ---------------------------------------------------------------------------
# File-level bad input: one landing folder, built once for the module
# ---------------------------------------------------------------------------
# What only a real file can show, each case a file of its own (with ids of its own, so
# that no case supersedes another's rows) in one folder beside the minimal valid set,
# built once: each test reads its file's rows and reconciliation, and that every file
# of the folder balances. (A whole entity missing and a file DuckDB cannot read change
# the whole build: they keep builds of their own below.)

FILE_LEVEL = {
    "columns": "moderation_decisions_2026-10-03_columns.csv",
    "quotes": "moderation_decisions_2026-10-03_quotes.csv",
    "quotes_policy": "policy_changes_2026-10-01.csv",
    "header": "moderation_decisions_2026-10-03_header.csv",
    "misplaced": "escalations_2026-10-03.csv",
    "encoding": "moderation_decisions_2026-10-03_encoding.csv",
    "empty": "moderation_decisions_2026-10-03_empty.csv",
    "header_only": "qa_audits_2026-10-03_header_only.csv",
    "drift": "moderation_decisions_2026-10-03_drift.csv",
    "drift_parquet": "moderation_decisions_2026-10-03_drift.parquet",
}
SWAPPED_HEADER = DECISION_HEADER.replace("content_id,user_id", "user_id,content_id")


@pytest.fixture(scope="module")
def file_level(tmp_path_factory: pytest.TempPathFactory, seeded: Path) -> tuple[Warehouse, Landing]:
    """The minimal valid set plus one file per file-level case, built once (read only)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("file_level")
    landing = valid_set(root)

    def raw(case: str, content: bytes) -> None:
        landing.raw(FILE_LEVEL[case].split("_20")[0], FILE_LEVEL[case], content)

    raw("columns", "\n".join([
        DECISION_HEADER,
        decision_line("W3"),
        decision_line("W4") + ",extra",      # 12 fields
        "W5,CW5,U5,video_general",            # 4 fields
        decision_line("W6"),
    ]).encode() + b"\n")
    # a value with text after its closing quote, then an unterminated quote that runs to
    # the end of the file (the parser swallows the line after it into the same malformed
    # record; each swallowed line is a data line of its own, raw_contract.md)
    raw("quotes", "\n".join([
        DECISION_HEADER,
        decision_line("B3", content_id='"CB3"x'),
        decision_line("B4"),
        decision_line("B5", content_id='"CB5'),
        decision_line("B6"),
    ]).encode() + b"\n")
    raw("quotes_policy", b'policy_code,version,effective_at,change_type,summary\n'
                         b'MS-01,v2,2026-10-01T00:00:00Z,clarification,"Clarified "nudity" examples\n')
    # two files concatenated with `cat`, the second with user_id and content_id swapped
    raw("header", (DECISION_HEADER + "\n" + decision_line("H3") + "\n" + SWAPPED_HEADER + "\n"
                   + decision_line("H4", content_id="U-SECRET-4", user_id="CH4") + "\n"
                   + decision_line("H5", content_id="U-SECRET-5", user_id="CH5") + "\n").encode())
    raw("misplaced", ("escalation_id,created_at,source,severity,queue_code,request_id,status,resolved_at,"
                      "mitigated_at,root_cause_code\n" + decision_line("H6", user_id="U-SECRET-6") + "\n").encode())
    raw("encoding", (DECISION_HEADER + "\n" + decision_line("X3") + "\n").encode()
        + decision_line("X4", market="F\xe9").encode("latin-1") + b"\n"
        + (decision_line("X5") + "\n").encode())
    raw("empty", b"")
    landing.drop("qa_audits", FILE_LEVEL["header_only"].removesuffix(".csv"), [])
    landing.drop("moderation_decisions", FILE_LEVEL["drift"].removesuffix(".csv"),
                 [{**D2, "decision_id": "S3", "content_id": "CS3", "priority": "high"},
                  {**D2, "decision_id": "S4", "content_id": "CS4", "priority": "low"}],
                 columns=DECISION_HEADER.split(",") + ["priority"])
    # Parquet is read by column name: a column the contract does not have is drift too
    columns = DECISION_HEADER.split(",")
    rows = [{**D2, "decision_id": "P5", "content_id": "CP5"}, {**D2, "decision_id": "P6", "content_id": "CP6"}]
    table = {c: [None if r[c] is None else str(r[c]) for r in rows] for c in columns}
    pq.write_table(pa.table({**table, "priority": ["high", "low"]}),
                   landing.root / "moderation_decisions" / FILE_LEVEL["drift_parquet"])

    built = seeded_warehouse(root, landing, seeded)
    build_landing(built)
    return built, landing


def reconciled_with_the_valid_set(warehouse: Warehouse, landing: Landing, entity: str, name: str) -> dict:
    """`assert_reconciled`'s rows of the valid set's files and of one more file."""
    found = assert_reconciled(warehouse, landing)
    return {key: found.get(key) for key in (*VALID, (entity, name))}


def test_wrong_column_count(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["columns"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 2, "W3", "current", None),
        (name, 3, None, "quarantined", "wrong_column_count"),
        (name, 4, None, "quarantined", "wrong_column_count"),
        (name, 5, "W6", "current", None),
    ]
    assert warehouse.query("select line, reason, file_format from quarantine.moderation_decisions "
                           "where source_file = ? order by line", [name]) == [
        (3, "wrong_column_count", "csv"), (4, "wrong_column_count", "csv")]
    assert reconciled_with_the_valid_set(warehouse, landing, "moderation_decisions", name) == {
        **VALID, ("moderation_decisions", name): (4, 2, 0, 2, 0)}


def test_broken_quotes(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["quotes"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 2, None, "quarantined", "broken_quotes"),
        (name, 3, "B4", "current", None),
        (name, 4, None, "quarantined", "broken_quotes"),
        (name, 5, None, "quarantined", "broken_quotes"),
    ]
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", name)] == (4, 1, 0, 3, 0)


def test_broken_quotes_keep_no_raw_line_whatever_the_entity(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    assert warehouse.query("select source_file, line, reason, raw_line from quarantine.policy_changes") == [
        (FILE_LEVEL["quotes_policy"], 2, "broken_quotes", None)]
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
        file_level: tuple[Warehouse, Landing]) -> None:
    """Two files concatenated with `cat`, the second with user_id and content_id
    swapped in its header: from that header line on nothing is read under a column
    name (schema_mismatch, no values), so the user ids do not land in content_id. And
    a decisions line in a folder whose entity holds no personal data (escalations):
    its text is not kept either."""
    warehouse, landing = file_level
    name = FILE_LEVEL["header"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 2, "H3", "current", None),
        (name, 3, None, "quarantined", "schema_mismatch"),
        (name, 4, None, "quarantined", "schema_mismatch"),
        (name, 5, None, "quarantined", "schema_mismatch"),
    ]
    assert warehouse.query("select source_file, line, reason, raw_line from quarantine.escalations") == [
        (FILE_LEVEL["misplaced"], 2, "wrong_column_count", None)]
    for secret in ("U-SECRET-4", "U-SECRET-5", "U-SECRET-6"):
        assert _text_anywhere(warehouse, secret) == [], secret
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", name)] == (4, 1, 0, 3, 0)


def test_invalid_utf8(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["encoding"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 2, "X3", "current", None),
        (name, 3, None, "quarantined", "bad_encoding"),
        (name, 4, "X5", "current", None),
    ]
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", name)] == (3, 2, 0, 1, 0)


def test_empty_file(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["empty"]
    assert reconciled_with_the_valid_set(warehouse, landing, "moderation_decisions", name) == {
        **VALID, ("moderation_decisions", name): (0, 0, 0, 0, 0)}
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == []


def test_header_only_file(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["header_only"]
    assert reconciled_with_the_valid_set(warehouse, landing, "qa_audits", name) == {
        **VALID, ("qa_audits", name): (0, 0, 0, 0, 0)}
    assert warehouse.scalar("select count(*) from quarantine.qa_audits") == 0


def test_schema_drift_new_column(file_level: tuple[Warehouse, Landing]) -> None:
    warehouse, landing = file_level
    name = FILE_LEVEL["drift"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 2, None, "quarantined", "schema_mismatch"),
        (name, 3, None, "quarantined", "schema_mismatch"),
    ]
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", name)] == (2, 0, 0, 2, 0)


def test_schema_drift_new_column_in_parquet(file_level: tuple[Warehouse, Landing]) -> None:
    """Parquet is read by column name: a drop with a column the contract does not have
    is drift too, and all its rows are quarantined; the entity holds personal data, so
    they keep no raw value (the file and row say where to look)."""
    warehouse, landing = file_level
    name = FILE_LEVEL["drift_parquet"]
    assert file_statuses(warehouse, "moderation_decisions", "decision_id", name) == [
        (name, 1, None, "quarantined", "schema_mismatch"),
        (name, 2, None, "quarantined", "schema_mismatch"),
    ]
    assert warehouse.query("select line, raw_line from quarantine.moderation_decisions where source_file = ? "
                           "order by line", [name]) == [(1, None), (2, None)]
    assert assert_reconciled(warehouse, landing)[("moderation_decisions", name)] == (2, 0, 0, 2, 0)


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
    folder = valid_set(root)

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
    built = seeded_warehouse(root, folder, seeded)
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
