"""Under attack (issue 12): hostile and broken landing files, one test per finding.

To spare CPU, the independent bad files share one landing folder and one dbt build
(`hostile`): its landing root's own path holds glob characters (`[1]*?`), and next to
the bad drops it holds what is not a landing file, listed in TSQA_LANDING_IGNORE. Each
test asserts where the rows of its file went (with which reason, on which physical
line) and that the reconciliation balances against the file's physical data lines,
counted here independently of both DuckDB and tsqa/landing.py.

The findings that stop a build (not-a-landing-file without an ignore list, a Parquet
LIST column) run their own short builds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Landing, Warehouse
from tests.test_bad_inputs import (  # noqa: F401 - `seeded` is a fixture
    AS_OF, AUDITS, D1, D2, DECISION_HEADER, MODERATORS, decision_line, seeded,
)
from tsqa.dbt import DbtError
from tsqa.publish import check_landing

LE_HEADER = ("request_id,received_at,country,agency_type,request_type,accounts_specified,legal_process_valid,"
             "specialist_id,status,outcome,responded_at,updated_at")
#: account ids a hostile header puts under content_id (they must land nowhere)
SECRET_IDS = ["acct-93f1c2-alice", "acct-93f1c3-bob"]


def le_line(request_id: str, accounts: str) -> str:
    return (f"{request_id},2026-10-01T08:00:00Z,US,federal,subpoena,{accounts},true,A1,open,,,"
            "2026-10-01T08:00:00Z")


def physical_data_lines(path: Path) -> int:
    """The reference count (raw_contract.md), written independently of tsqa/landing.py:
    a character-level RFC 4180 reader. A quoted field that is closed ends where its
    quote closes; a quote still open at the end of the file is not a properly quoted
    field, and every non-blank line from where it opened counts."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    count, index, first = 0, 0, True
    while index < len(lines):
        start = index
        in_quote = False
        while True:
            for char in lines[index]:
                if char == '"':
                    in_quote = not in_quote
            if not in_quote or index == len(lines) - 1:
                break
            index += 1
        span = lines[start:index + 1]
        if in_quote:   # swallowed to the end of the file: every non-blank line counts
            count += sum(1 for line in span if line.strip()) - (1 if first else 0)
        elif "".join(span).strip():
            count += 0 if first else 1
        first = first and not "".join(span).strip()
        index += 1
    return count


# ---------------------------------------------------------------------------
# The hostile landing folder, built once
# ---------------------------------------------------------------------------

IGNORED = ["policy_changes/secrets.csv", "moderation_decisions/moderation_decisions_2026-10-09.csv.gz",
           "moderation_decisions/MODERATION_DECISIONS_2026-10-09.CSV", "qa_audits/archive", "exports", ".DS_Store"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, seeded: Path) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    landing = Landing(root / "land[1]*?")
    landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-01", [D1, D2])
    landing.drop("qa_audits", "qa_audits_2026-10-02", AUDITS)
    files: dict[str, Path] = {}

    # an unterminated quote in line 3 of a 200-line file
    lines = [DECISION_HEADER] + [decision_line(f"S{i}") for i in range(2, 201)]
    lines[2] = decision_line("S3", content_id='"C3')
    files["swallow"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-02.csv",
                                   ("\n".join(lines) + "\n").encode())
    # names that are glob patterns of each other
    files["plain"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-03_1.csv",
                                 f"{DECISION_HEADER}\n{decision_line('G1')}\n".encode())
    files["bracket"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-03_[1].csv",
                                   f"{DECISION_HEADER}\n{decision_line('G2')}\n".encode())
    files["star"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-03_*.csv",
                                f"{DECISION_HEADER}\n{decision_line('G3')}\n".encode())
    # a quoted value over three lines, then a malformed line (physical line 5)
    files["multiline"] = landing.raw("policy_changes", "policy_changes_2026-10-01.csv", (
        "policy_code,version,effective_at,change_type,summary\n"
        'MS-01,v2,2026-10-01T00:00:00Z,clarification,"first line\nsecond line\nthird line"\n'
        "MS-01,v3,2026-10-01T00:00:00Z,clarification,too,many\n"
        "MS-01,v4,2026-10-02T00:00:00Z,clarification,ok\n").encode())
    # a file cut mid-field: handle_time_s 39 became 3, and no line end
    files["cut"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-04.csv",
                               f"{DECISION_HEADER}\n{decision_line('T1')}\n{decision_line('T2', handle_time_s='3')}"
                               .encode())
    # user_id and content_id swapped in the header
    swapped = DECISION_HEADER.replace("content_id,user_id", "user_id,content_id")
    files["swapped"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-05.csv", "\n".join([
        swapped, decision_line("W1", content_id=SECRET_IDS[0]), decision_line("W2", content_id=SECRET_IDS[1])
    ]).encode() + b"\n")
    # values that should not pass
    files["values"] = landing.raw("moderation_decisions", "moderation_decisions_2026-10-06.csv", "\n".join([
        DECISION_HEADER,
        decision_line("V1", decided_at="2026-10-01T11:00:00+25:00"),
        decision_line("V2", decided_at="1900-01-01T00:00:00Z"),
        decision_line("V3", decided_at="0000-01-01T00:00:00Z"),
        decision_line("V4", handle_time_s="1e308"),
        decision_line("V5", content_type="vid\x00eo"),
        decision_line("V6", content_type='"=HYPERLINK(""http://x.example/"",""open"")"'),
        decision_line("V7", market="@SUM(A1)"),
        decision_line("V8", market="+IE"),
        decision_line("V9", decided_at="2026-10-01T11:00:00-14:00"),   # the widest real offset: valid
        decision_line("d1"),                                             # D1 in another case: another id
    ]).encode() + b"\n")
    files["counts"] = landing.raw("le_requests", "le_requests_2026-10-01.csv", "\n".join([
        LE_HEADER, le_line("R1", "1.5"), le_line("R2", "0x10"), le_line("R3", "1e3"), le_line("R4", "1_000"),
        le_line("R5", "1000000"), le_line("R6", "2"),
    ]).encode() + b"\n")
    files["old_date"] = landing.raw("moderators", "moderators_2026-09-02.csv", (
        "moderator_id,vendor_code,site,market,language,role,work_email,hired_on,left_on,updated_at\n"
        "M9,inhouse,DUB,IE,en,moderator,m9@example.com,1900-01-01,,2026-09-02T00:00:00Z\n").encode())

    # what is not a landing file, all listed to ignore
    (landing.root / "policy_changes" / "secrets.csv").symlink_to(root / "secrets.env")
    (root / "secrets.env").write_text("DB_PASSWORD=hunter2\nAPI_TOKEN=abc123\n")
    (landing.root / "moderation_decisions" / "moderation_decisions_2026-10-09.csv.gz").write_bytes(b"\x1f\x8b")
    (landing.root / "moderation_decisions" / "MODERATION_DECISIONS_2026-10-09.CSV").write_text(
        f"{DECISION_HEADER}\n{decision_line('X1')}\n")
    (landing.root / "qa_audits" / "archive").mkdir()
    (landing.root / "exports").mkdir()
    (landing.root / ".DS_Store").write_bytes(b"\0")

    warehouse = Warehouse(root, landing, as_of=AS_OF)
    warehouse.salt = "attack-test-key"
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded, warehouse.path)
    os.environ["TSQA_LANDING_IGNORE"] = ",".join(IGNORED)
    try:
        check = check_landing(landing.root)
        output = warehouse.build("+quarantine", "+path:models/staging",
                                 "warn_ids_differing_only_by_case", extra=["--exclude", "resource_type:seed"])
    finally:
        del os.environ["TSQA_LANDING_IGNORE"]
    return {"warehouse": warehouse, "landing": landing, "files": files, "check": check, "output": output}


def reconciliation(hostile: dict, path: Path) -> tuple:
    """(raw rows, current, superseded, quarantined, exact duplicates) of one file, after
    checking that raw rows is the reference count of its physical data lines and that
    the statuses add up to it."""
    warehouse: Warehouse = hostile["warehouse"]
    row = warehouse.query(
        "select raw_rows, current_rows, superseded_rows, quarantined_rows, exact_duplicate_rows, is_balanced "
        "from quarantine.reconciliation where entity = ? and source_file = ?", [path.parent.name, path.name])
    assert len(row) == 1, (path, row)
    raw, current, superseded, quarantined, duplicates, balanced = row[0]
    assert raw == physical_data_lines(path) == current + superseded + quarantined + duplicates, (path, row)
    assert balanced is True, (path, row)
    return row[0][:5]


def quarantined(hostile: dict, entity: str, path: Path) -> list[tuple]:
    return hostile["warehouse"].query(
        f"select line, reason from quarantine.{entity} where source_file = ? order by line", [path.name])


def test_every_file_of_the_hostile_folder_balances_against_its_physical_lines(hostile: dict) -> None:
    warehouse: Warehouse = hostile["warehouse"]
    rows = warehouse.query("select entity, source_file, raw_rows, is_balanced from quarantine.reconciliation")
    assert all(r[3] for r in rows), rows
    landed = {(p.parent.name, p.name) for p in hostile["landing"].root.glob("*/*")
              if p.is_file() and not p.is_symlink() and p.name.endswith((".csv", ".parquet"))}
    assert {(r[0], r[1]) for r in rows} == landed
    for entity, name, raw, _ in rows:
        assert raw == physical_data_lines(hostile["landing"].root / entity / name), (entity, name)


def test_unterminated_quote_does_not_swallow_the_rest_of_the_file(hostile: dict) -> None:
    path = hostile["files"]["swallow"]
    assert reconciliation(hostile, path) == (199, 1, 0, 198, 0)
    assert quarantined(hostile, "moderation_decisions", path) == [(line, "broken_quotes") for line in range(3, 201)]


def test_file_names_are_literals_never_glob_patterns(hostile: dict) -> None:
    """`_[1].csv` beside `_1.csv` (and a `*` in a name, and `[1]*?` in the landing
    root's own path): each file is read once, by its own name."""
    warehouse: Warehouse = hostile["warehouse"]
    for key, decision in (("plain", "G1"), ("bracket", "G2"), ("star", "G3")):
        path = hostile["files"][key]
        assert reconciliation(hostile, path) == (1, 1, 0, 0, 0)
        assert warehouse.query("select decision_id from staging.base_landing__moderation_decisions "
                               "where _source_file = ?", [path.name]) == [(decision,)]
    assert "[1]*?" in str(hostile["landing"].root)


def test_malformed_line_after_a_multiline_value_carries_its_physical_line(hostile: dict) -> None:
    path = hostile["files"]["multiline"]
    assert reconciliation(hostile, path) == (3, 2, 0, 1, 0)
    assert hostile["warehouse"].query("select line, reason, raw_line from quarantine.policy_changes") == [
        (5, "wrong_column_count", None)]  # no raw text kept, whatever the entity
    assert hostile["warehouse"].query("select _line, version from staging.base_landing__policy_changes "
                                      "where _status = 'current' order by _line") == [(2, "v2"), (6, "v4")]


def test_file_cut_mid_field_is_quarantined(hostile: dict) -> None:
    path = hostile["files"]["cut"]
    assert reconciliation(hostile, path) == (2, 1, 0, 1, 0)
    assert quarantined(hostile, "moderation_decisions", path) == [(3, "truncated")]


def test_swapped_header_keeps_no_personal_value(hostile: dict) -> None:
    path = hostile["files"]["swapped"]
    assert reconciliation(hostile, path) == (2, 0, 0, 2, 0)
    assert quarantined(hostile, "moderation_decisions", path) == [(2, "schema_mismatch"), (3, "schema_mismatch")]
    warehouse: Warehouse = hostile["warehouse"]
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            hits = con.execute(f'select count(*) from "{schema}"."{table}" where "{column}" in (?, ?) '
                               f'or contains("{column}", ?) or contains("{column}", ?)',
                               [*SECRET_IDS, *SECRET_IDS]).fetchone()[0]
            assert hits == 0, (schema, table, column)


def test_row_fingerprint_is_no_unkeyed_hash_of_a_user_id(hostile: dict) -> None:
    """With the raw columns of every landed decision and a list of candidate user ids
    (here: the true ones), the stored fingerprints cannot be matched."""
    warehouse: Warehouse = hostile["warehouse"]
    columns = DECISION_HEADER.split(",")
    candidates = ["U1", "U2", "U3"]
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        guesses = con.execute(
            "select md5_number(concat_ws(chr(31), " + ", ".join(
                "coalesce(c.candidate, chr(0))" if c == "user_id" else f"coalesce(l.{c}, chr(0))" for c in columns)
            + ")) from landing.landing__moderation_decisions as l, unnest(?) as c(candidate)", [candidates]
        ).fetchall()
        stored = {r[0] for r in con.execute("select _row_fingerprint from landing.landing__moderation_decisions "
                                            "union all select _row_fingerprint from "
                                            "staging.base_landing__moderation_decisions").fetchall()}
    assert guesses and not {g[0] for g in guesses} & stored


def test_values_that_should_not_pass(hostile: dict) -> None:
    path = hostile["files"]["values"]
    assert reconciliation(hostile, path) == (10, 2, 0, 8, 0)
    assert hostile["warehouse"].query(
        "select decision_id, reason from quarantine.moderation_decisions where source_file = ? order by line",
        [path.name]) == [
        ("V1", "bad_timestamp"),   # offset +25:00
        ("V2", "out_of_range"),    # 1900, before min_date
        ("V3", "out_of_range"),    # year 0000
        ("V4", "out_of_range"),    # handle_time_s 1e308
        ("V5", "bad_value"),       # NUL in a code
        ("V6", "bad_value"),       # spreadsheet formula
        ("V7", "bad_value"),
        ("V8", "bad_value"),
    ]


def test_ids_are_compared_exactly_and_case_variants_are_counted(hostile: dict) -> None:
    warehouse: Warehouse = hostile["warehouse"]
    assert warehouse.query("select decision_id from staging.stg_landing__moderation_decisions "
                           "where lower(decision_id) = 'd1' order by decision_id") == [("D1",), ("d1",)]
    output = re.sub(r"\x1b\[[0-9;]*m", "", hostile["output"])
    assert re.search(r"WARN 1 +warn_ids_differing_only_by_case", output), output


def test_integers_as_integers_and_counts_within_bounds(hostile: dict) -> None:
    path = hostile["files"]["counts"]
    assert reconciliation(hostile, path) == (6, 1, 0, 5, 0)
    assert hostile["warehouse"].query(
        "select request_id, accounts_specified, reason from quarantine.le_requests order by line") == [
        ("R1", "1.5", "unparseable"), ("R2", "0x10", "unparseable"), ("R3", "1e3", "unparseable"),
        ("R4", "1_000", "unparseable"), ("R5", "1000000", "out_of_range")]


def test_dates_before_2000_are_out_of_range(hostile: dict) -> None:
    path = hostile["files"]["old_date"]
    assert reconciliation(hostile, path) == (1, 0, 0, 1, 0)
    assert quarantined(hostile, "moderators", path) == [(2, "out_of_range")]


def test_ignored_entries_are_listed_and_never_read(hostile: dict) -> None:
    check = hostile["check"]
    assert check.problems == []
    root = hostile["landing"].root
    assert sorted(check.ignored) == sorted(str(root / p) for p in IGNORED)
    warehouse: Warehouse = hostile["warehouse"]
    assert warehouse.scalar("select count(*) from quarantine.policy_changes where contains(raw_line, 'PASSWORD') "
                            "or contains(raw_line, 'TOKEN')") == 0
    assert warehouse.scalar("select count(*) from landing.landing__moderation_decisions "
                            "where decision_id = 'X1'") == 0


# ---------------------------------------------------------------------------
# Builds that stop
# ---------------------------------------------------------------------------


def failing_build(tmp_path: Path, landing: Landing, seeded: Path, model: str) -> str:
    """Build one landing model on a copy of the seeded warehouse; it must fail: dbt's
    output."""
    warehouse = Warehouse(tmp_path, landing, as_of=AS_OF)
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded, warehouse.path)
    with pytest.raises(DbtError) as failure:
        warehouse.build(model, extra=["--exclude", "resource_type:seed"])
    return str(failure.value)


def test_what_is_not_a_landing_file_stops_the_build_naming_each(tmp_path: Path, seeded: Path) -> None:
    """A symlink (to a file of secrets), a device, a sub-folder, `.csv.gz`, `.CSV` and
    an unknown entity folder: step 1 and dbt itself stop, naming each; nothing is read."""
    landing = Landing(tmp_path / "raw")
    landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
    (tmp_path / "secrets.env").write_text("DB_PASSWORD=hunter2\n")
    bad = {
        landing.root / "policy_changes" / "policy_changes_2026-10-01.csv": "a symbolic link",
        landing.root / "moderators" / "moderators_2026-09-02.csv.gz": "is not named *.csv or *.parquet",
        landing.root / "moderators" / "MODERATORS_2026-09-03.CSV": "is not named *.csv or *.parquet",
        landing.root / "moderators" / "old": "a folder",
        landing.root / "moderatorz": "not one of the entity folders",
        landing.root / "moderators" / "moderators_null.csv": "a device",
    }
    (landing.root / "policy_changes").mkdir()
    (landing.root / "policy_changes" / "policy_changes_2026-10-01.csv").symlink_to(tmp_path / "secrets.env")
    (landing.root / "moderators" / "moderators_2026-09-02.csv.gz").write_bytes(b"\x1f\x8b")
    (landing.root / "moderators" / "MODERATORS_2026-09-03.CSV").write_text("x\n")
    (landing.root / "moderators" / "old").mkdir()
    (landing.root / "moderatorz").mkdir()
    subprocess.run(["mknod", str(landing.root / "moderators" / "moderators_null.csv"), "c", "1", "3"], check=True)

    problems = check_landing(landing.root).problems
    assert len(problems) == len(bad), problems
    for path, what in bad.items():
        assert any(p.startswith(f"{path}: ") and what in p for p in problems), (path, problems)

    message = failing_build(tmp_path, landing, seeded, "landing__policy_changes")
    assert "holds what is not a landing file" in message and "TSQA_LANDING_IGNORE" in message
    for path in bad:
        assert str(path) in message, path
    assert "hunter2" not in message


def test_parquet_with_a_list_column_stops_the_build_naming_that_file(tmp_path: Path, seeded: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing = Landing(tmp_path / "raw")
    landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
    columns = DECISION_HEADER.split(",")
    good = {c: [str(v) if v is not None else None for v in (D1[c],)] for c in columns}
    (landing.root / "moderation_decisions").mkdir()
    pq.write_table(pa.table(good), landing.root / "moderation_decisions" / "moderation_decisions_2026-10-01.parquet")
    listed = {**good, "user_id": [["U1", "U2"]]}
    nested = landing.root / "moderation_decisions" / "moderation_decisions_2026-10-02.parquet"
    pq.write_table(pa.table(listed), nested)
    message = failing_build(tmp_path, landing, seeded, "landing__moderation_decisions")
    assert "with a nested column (LIST, STRUCT or MAP" in message and str(nested) in message
    assert "moderation_decisions_2026-10-01.parquet" not in message


def test_reference_count_is_independent(tmp_path: Path) -> None:
    """The test's own reference count, on hand-worked cases (so the other tests compare
    against something known): header + properly quoted 3-line value + blank line +
    unterminated quote swallowing 2 more lines = 1 + 3 data lines."""
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\n1,"x\ny\nz"\n\n2,"open\n3,w\n4,v\n')
    assert physical_data_lines(path) == 4
    path.write_bytes(b'a,b\n1,"x ""q"" y"\n2,z')
    assert physical_data_lines(path) == 2


def test_data_line_count_matches_the_reference_on_random_files(tmp_path: Path) -> None:
    """tsqa/landing.py's count (fast path without quotes, numpy line by line with them) against
    the reference reader above, on random files mixing quoted multi-line values, blank
    lines, broken quotes, CRLF and a missing last line end."""
    import random

    from tsqa.landing import csv_facts, last_line_cut

    pieces = ["a,b", "1,2", "", "  ", '3,"x', 'y"', '"q ""z""",4', "5,\"open", "6,7\r", "8,\"\"", "9,10",
              # blanks of every kind, and quotes at odd places (the numpy count, issue 18)
              " \t", "\x0b", "\x0c\r", "\r", ' "', '""""', 'a"b"c"', ' 11,12', '"', '13,"\r']
    rng = random.Random(12)
    for case in range(600):
        lines = ["h1,h2"] + [rng.choice(pieces) for _ in range(rng.randint(0, 12))]
        text = "\n".join(lines) + ("\n" if rng.random() < 0.8 else "")
        path = tmp_path / f"case{case}.csv"
        path.write_bytes(text.encode())
        expected = physical_data_lines(path)
        assert csv_facts(path)[0] == expected, text
        assert csv_facts(path, chunk_size=rng.randint(1, 40))[0] == expected, text   # the chunked fast path
        assert last_line_cut(str(path)) == csv_facts(path)[1], text
    # blank lines met by the quote-free fast path at every chunk size: two and three empty
    # lines in a row, lines of blanks, a CR alone (worked by hand: 3 data lines)
    blanks = tmp_path / "blanks.csv"
    blanks.write_bytes(b"h\n1\n\n\n2\n\n\n\n \n\t\n\r\n\x0b\n3\n")
    assert {csv_facts(blanks, chunk_size=size)[0] for size in range(1, 30)} == {physical_data_lines(blanks)} == {3}
    # past the 16 MiB chunk: no quote before it (fast path), a quoted line break after it
    big = tmp_path / "big.csv"
    big.write_bytes(b"h\n" + b"1,2\n" * 5_000_000 + b"\n \n" + b'3,"x\ny"\n' + b"4,5\n" * 9 + b"4,5")
    assert csv_facts(big) == (5_000_000 + 1 + 10, True)


# ---------------------------------------------------------------------------
# Between the listing and the read: hard links, and files swapped while a build runs
# ---------------------------------------------------------------------------


def test_a_hard_link_is_not_a_landing_file(tmp_path: Path) -> None:
    """A hard link gives any file the build user can read (outside the landing root) a
    name inside it, and it is a regular file: refused by name, at step 1 and in dbt's
    listing alike, with the fix (copy it in)."""
    import json

    from tsqa.landing import listing_json

    landing = Landing(tmp_path / "raw")
    landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
    secrets = tmp_path / "secrets.csv"
    secrets.write_text("moderator_id,vendor_code\nDB_PASSWORD,hunter2\n")
    linked = landing.root / "moderators" / "moderators_2026-09-02.csv"
    os.link(secrets, linked)
    expected = (f"{linked}: is a hard link (2 names for one file). Fix: copy the file into the landing folder "
                "(cp, not ln) so that it has one name")
    for problems in (check_landing(landing.root).problems,
                     json.loads(listing_json(str(landing.root), ""))["problems"]):
        assert len(problems) == 1 and problems[0].startswith(expected), problems


class Swap:
    """A landing folder listed the way dbt lists it (``tsqa_landing_listing``), then
    changed before a read; the reads are the DuckDB functions the dbt plugin registers."""

    def __init__(self, root: Path) -> None:
        from tsqa.landing import listing_json, register

        self.outside = root / "outside"
        self.outside.mkdir(parents=True)
        (self.outside / "secrets.csv").write_text("moderator_id,vendor_code\nDB_PASSWORD,hunter2\n")
        self.landing = Landing(root / "raw")
        self.path = self.landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
        self.con = duckdb.connect()
        register(self.con)
        assert str(self.path) in listing_json(str(self.landing.root), "")

    def error(self, sql: str) -> str:
        with pytest.raises(duckdb.Error) as failure:
            self.con.execute(sql, [str(self.path)])
        return str(failure.value)


def test_a_file_swapped_for_a_symlink_after_the_listing_lands_nothing(tmp_path: Path) -> None:
    """Swapped for a symbolic link to a file of secrets between the listing and DuckDB's
    read: the landing model checks each file it read in the statement that reads it, so
    the statement fails and no row of the secrets reaches a table."""
    swap = Swap(tmp_path)
    os.rename(swap.path, tmp_path / "aside.csv")
    swap.path.symlink_to(swap.outside / "secrets.csv")
    message = swap.error("create table landed as select *, tsqa_last_line_cut(filename) as cut "
                         "from read_csv(?, filename = true, all_varchar = true)")
    assert f"{swap.path}: is a symbolic link (it was replaced by one after the build listed it" in message
    assert "Fix: do not replace, link or write landing files while a build runs" in message
    assert "hunter2" not in message
    assert swap.con.execute("select count(*) from duckdb_tables() where table_name = 'landed'").fetchone()[0] == 0
    assert "is a symbolic link" in swap.error("select tsqa_file_facts(?)")


def test_a_file_swapped_and_put_back_or_written_after_the_listing_is_refused(tmp_path: Path) -> None:
    """Renamed away (a symlink read in its place) and put back before the check, or
    written to: the same name, even the same inode, but its change time moved."""
    swap = Swap(tmp_path)
    before = swap.con.execute("select tsqa_file_facts(?)", [str(swap.path)]).fetchone()[0]
    assert before == {"data_lines": 2, "truncated": False}
    os.rename(swap.path, tmp_path / "aside.csv")
    os.rename(tmp_path / "aside.csv", swap.path)
    assert "is not the file the build listed" in swap.error("select tsqa_file_facts(?)")
    assert "is not the file the build listed" in swap.error("select tsqa_last_line_cut(?)")
    assert "is not the file the build listed" in swap.error("select tsqa_physical_lines(?, [0])")
    written = Swap(tmp_path / "written")
    with written.path.open("ab") as handle:
        handle.write(b"M8,inhouse,DUB,IE,en,moderator,,2026-01-01,,2026-09-01T00:00:00Z\n")
    assert "is not the file the build listed" in written.error("select tsqa_reject_records(?, [0])")


def test_an_entity_folder_swapped_after_the_listing_is_refused(tmp_path: Path) -> None:
    """The folder replaced by a symbolic link to another folder with a file of the same
    name, or renamed away and back: refused, never read through."""
    swap = Swap(tmp_path)
    folder = swap.path.parent
    os.rename(folder, tmp_path / "aside")
    shutil.copyfile(swap.outside / "secrets.csv", swap.outside / swap.path.name)
    folder.symlink_to(swap.outside)
    assert "its folder was replaced by a symbolic link or a file after the build listed it" in swap.error(
        "select tsqa_file_facts(?)")
    folder.unlink()
    os.rename(tmp_path / "aside", folder)
    assert "its folder changed after the build listed it" in swap.error("select tsqa_file_facts(?)")


def test_a_file_swapped_for_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe in a file's place: opening it for reading would wait for a writer
    forever (a build that never ends). Run in a child process, so that a read that
    blocks fails this test instead of hanging the suite."""
    script = (
        "import os, sys, duckdb\n"
        "from pathlib import Path\n"
        "from tests.test_attack import Swap\n"
        "swap = Swap(Path(sys.argv[1]))\n"
        "os.unlink(swap.path)\n"
        "os.mkfifo(swap.path)\n"
        "for function in ('tsqa_file_facts(?)', 'tsqa_last_line_cut(?)'):\n"
        "    try:\n"
        "        swap.con.execute('select ' + function, [str(swap.path)])\n"
        "        print('read')\n"
        "    except duckdb.Error as exc:\n"
        "        print(str(exc).split('LandingFileChanged: ')[-1].splitlines()[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parent.parent)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{tmp_path}/raw/moderators/moderators_2026-09-01.csv: "
                                                   "is a named pipe") for line in lines), done
