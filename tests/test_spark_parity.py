"""The same project on Apache Spark gives the same warehouse as on DuckDB (issue 17).

One landing folder, built once on each engine per session: the generator's sample at
a small scale (SCALE: about 700 files), plus bad drops adapted from
tests/test_bad_inputs.py (broken quoting, a quote left open to the end of the file,
invalid UTF-8, wrong column counts, a header repeated further down, a misplaced file,
schema drift, bad numbers, dates, timestamps and enums, missing values, exact and
conflicting duplicates, an empty and a header-only file, a Parquet file with an extra
column, a file cut mid-line).

Both builds are of the WHOLE project (no selection: every seed, model, data test and
unit test), and each must pass:

- DuckDB: `dbt build` as everywhere in the suite (tests/conftest.py Warehouse).
- Spark: `tsqa spark-build` in its own process (local Spark, Java 17), which exports
  every table and view of the project's schemas as Parquet afterwards; the comparison
  reads those files, so the test process never starts a JVM.

Compared: every table and view of the DuckDB warehouse (but its DuckDB-only
bookkeeping) must have been built on Spark too, with the same multiset of rows
(numbers to 1e-9, timestamps to the microsecond); REQUIRED (landing, staging,
quarantine, reconciliation) and MARTS_REQUIRED (every model of models/marts) name what
must be there whatever else changes.
Two columns are engine-specific and left out: `_row_fingerprint` (a hash compared only
for equality within one engine: DuckDB's md5_number, Spark's md5 text) and `_staged_at`
(the time of the run).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import CONTRACT_COLUMNS, Landing, Warehouse
from tsqa.settings import PROJECT_DIR

#: Sample scale: about 13,000 rows in 703 files; measured with `tsqa spark-build` on
#: 2 shared cores (README, "Apache Spark").
SCALE = 0.05
AS_OF = "2026-11-01T00:00:00Z"
SALT = "parity-test-salt-3f9c"
#: What the comparison leaves out (see the module docstring).
ENGINE_SPECIFIC = {"_row_fingerprint", "_staged_at"}
#: Schemas built by the landing half of the project, each table of which must be on
#: both engines with the same rows.
ENTITIES = list(CONTRACT_COLUMNS)
REQUIRED = (
    [f"landing.landing__{e}" for e in ENTITIES]
    + [f"staging.base_landing__{e}" for e in ENTITIES]
    + [f"staging.stg_landing__{e}" for e in ENTITIES]
    + [f"quarantine.{e}" for e in ENTITIES]
    + ["quarantine.reconciliation"]
)
#: Every mart (models/marts: dimensions, facts and the marts of marts.md), each of which
#: must be built on both engines with the same rows.
MARTS_REQUIRED = sorted(f"marts.{p.stem}" for p in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))
#: DuckDB-only bookkeeping (the publish gate's marker, the incremental run log).
DUCKDB_ONLY = {"landing.tsqa_build_marker", "landing.tsqa_model_runs"}

DECISION_HEADER = ",".join(CONTRACT_COLUMNS["moderation_decisions"])
D = {"decision_id": "PD1", "content_id": "PC1", "user_id": "PU1", "queue_code": "video_general",
     "moderator_id": "M0001", "action": "approve", "policy_code": None, "content_type": "video",
     "market": "IE", "decided_at": "2026-10-01T11:00:00Z", "handle_time_s": "20"}


def line(decision_id: str, **changes: str | None) -> str:
    row = {**D, "decision_id": decision_id, "content_id": "C" + decision_id, **changes}
    return ",".join("" if row[c] is None else str(row[c]) for c in CONTRACT_COLUMNS["moderation_decisions"])


def add_bad_drops(landing: Landing) -> None:
    """Bad files adapted from tests/test_bad_inputs.py, named after the sample's last
    day so that they are the newest versions."""
    decisions = "moderation_decisions"

    def raw(name: str, content: bytes, entity: str = decisions) -> None:
        landing.raw(entity, name, content)

    raw("moderation_decisions_2026-10-30_x1.csv", ("\n".join([
        DECISION_HEADER, line("PD3"), line("PD4") + ",extra", "PD5,C5,U5,video_general", line("PD6"),
    ]) + "\n").encode())                                                      # wrong column counts
    raw("moderation_decisions_2026-10-30_x2.csv", ("\n".join([
        DECISION_HEADER, line("PD7", content_id='"C7"x'), line("PD8"), line("PD9", content_id='"C9'), line("PD10"),
    ]) + "\n").encode())                                                      # broken / unterminated quotes
    raw("moderation_decisions_2026-10-30_x3.csv",
        (DECISION_HEADER + "\n" + line("PD11") + "\n").encode()
        + line("PD12", market="F\xe9").encode("latin-1") + b"\n" + (line("PD13") + "\n").encode())  # bad UTF-8
    swapped = DECISION_HEADER.replace("content_id,user_id", "user_id,content_id")
    raw("moderation_decisions_2026-10-30_x4.csv", (DECISION_HEADER + "\n" + line("PD14") + "\n" + swapped + "\n"
        + line("PD15", content_id="U-SECRET", user_id="C15") + "\n").encode())  # header repeated further down
    raw("moderation_decisions_2026-10-30_x5.csv", ("\n".join([
        DECISION_HEADER,
        line("PD16", handle_time_s="12,5 s"), line("PD17", handle_time_s="NaN"),       # 12 fields; not a number
        line("PD18", decided_at="2026-10-01T11:00:00"),                                 # naive timestamp
        line("PD19", decided_at="2026-13-01T11:00:00Z"),                                # no month 13
        line("PD20", decided_at="01/10/2026 11:00"),                                    # not ISO 8601
        line("PD21", decided_at="2026-10-01T04:00:00-07:00"),                           # valid, to UTC
        line("PD22", decided_at="2026-10-01 04:00z"),                                   # lower-case z: DuckDB refuses
        line("PD23", decided_at="2026-11-01T00:00:01Z"),                                # after TSQA_AS_OF
        line("PD24", content_id=None), line("PD25", action="remove"),                   # missing required
        line("PD26", market="   "), line("PD27", action="delete_forever"),              # blank, bad enum
        line("PD28", moderator_id="=cmd()"), line("PD29", handle_time_s="1e999"),       # formula, overflow
        line("PD30", handle_time_s="-5"), line("PD31", handle_time_s=" 7.5 "),          # range, blanks
        line("PD32", content_id='"multi\nline"'),                                       # a quoted line break
        line("PD33"), line("PD33"), line("PD34"), line("PD34", handle_time_s="21"),     # duplicates
        line("PD35", decided_at="2026-10-01 04:00Z"),                                   # valid: no seconds
    ]) + "\n").encode())
    raw("moderation_decisions_2026-10-30_x6.csv", b"")                                   # empty
    raw("moderation_decisions_2026-10-30_x7.csv", (DECISION_HEADER + "\n").encode())      # header only
    raw("moderation_decisions_2026-10-30_x8.csv",
        (DECISION_HEADER + "\n" + line("PD36") + "\n" + line("PD37")[:-2]).encode())     # cut mid-line
    raw("moderation_decisions_2026-10-30_x9.csv", ("\n".join([
        DECISION_HEADER + ",extra_column", line("PD38") + ",x"]) + "\n").encode())        # schema drift
    raw("escalations_2026-10-30_x1.csv", ("escalation_id,created_at,source,severity,queue_code,request_id,status,"
        "resolved_at,mitigated_at,root_cause_code\n" + line("PD39", user_id="U-SECRET-6") + "\n").encode(),
        entity="escalations")                                                             # a misplaced file
    raw("policy_changes_2026-10-30_x1.csv", b'policy_code,version,effective_at,change_type,summary\n'
        b'MS-01,v9,2026-10-01T00:00:00Z,clarification,"Clarified "nudity" examples\n', entity="policy_changes")
    def parquet(decision_id: str) -> pa.Table:
        return pa.table({c: pa.array([line(decision_id).split(",")[i] or None], pa.string())
                         for i, c in enumerate(CONTRACT_COLUMNS["moderation_decisions"])})

    pq.write_table(parquet("PD40").append_column("extra", pa.array(["x"])),
                   landing.root / decisions / "moderation_decisions_2026-10-30_x10.parquet")
    # hostile names (the landing root's own name is hostile too, see `landing`): each
    # file is read literally, by exactly its listed path, on both engines
    raw(HOSTILE_CSV, (DECISION_HEADER + "\n" + line("PD41") + "\n").encode())
    pq.write_table(parquet("PD42"), landing.root / decisions / HOSTILE_PARQUET)
    # sub-folders named like landing files, left out of the listing by
    # TSQA_LANDING_IGNORE, holding files of the listed files' names: none of their rows
    # may be read (Spark's glob <folder>/*.csv matches such a folder and reads inside it)
    for sub, name in (("decoy.csv", HOSTILE_CSV), ("decoy.parquet", HOSTILE_PARQUET),
                      ("decoy.csv", "moderation_decisions_2026-10-30_x8.csv")):
        (landing.root / decisions / sub).mkdir(exist_ok=True)
        if name.endswith(".csv"):
            (landing.root / decisions / sub / name).write_text(DECISION_HEADER + "\n" + line("PD43") + "\n")
        else:
            pq.write_table(parquet("PD43"), landing.root / decisions / sub / name)


#: File names Spark's readers take for glob patterns or URI parts, with a backtick (the
#: quote of a Spark path) and a quote (of a SQL string). (A backslash in a path with
#: glob characters is refused by the listing: tests/test_landing_paths.py.)
HOSTILE_CSV = "moderation_decisions_2026-10-30_x11 a+b%20[1]{c,d}*?`'é,.csv"
HOSTILE_PARQUET = "moderation_decisions_2026-10-30_x12 `select 1`[x]{y}%2B+.parquet"
#: What both builds leave out of the listing: the decoy sub-folders above.
IGNORE = "moderation_decisions/decoy.csv,moderation_decisions/decoy.parquet"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    from tsqa.generate import generate

    # the landing root's path holds glob characters, a backtick, a percent escape and a
    # plus: a path is read literally on both engines (the builds themselves go beside it)
    folder = Landing(tmp_path_factory.mktemp("parity") / "land[1]{a,b}*? `q` 100%20+" / "raw")
    generate(folder.root, scale=SCALE, seed=7, progress=False)
    add_bad_drops(folder)
    return folder


class IgnoringWarehouse(Warehouse):
    """A warehouse whose builds leave the decoy folders out of the listing (IGNORE)."""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "TSQA_LANDING_IGNORE": IGNORE}


@pytest.fixture(scope="module")
def spark_started(landing: Landing) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """The Spark build, started first in its own process (its cost is Spark's per-statement
    latency more than CPU): the DuckDB build runs meanwhile."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java 17 is needed for the Spark build: `make test` installs Debian's "
                    "openjdk-17-jre-headless when it may; else install it or set JAVA_HOME")
    folder = landing.root.parent.parent / "spark"
    folder.mkdir()
    env = {**os.environ, "TSQA_RAW_DIR": str(landing.root), "TSQA_PII_SALT": SALT, "TSQA_AS_OF": AS_OF,
           "TSQA_SPARK_DIR": str(folder / "spark"), "TSQA_LANDING_IGNORE": IGNORE}
    env.pop("TSQA_DBT_TARGET", None)
    # the build's own output, kept beside its target folder (the key must not be in it)
    with (folder / "spark-build.out").open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tsqa.cli", "spark-build", "--target-path", str(folder / "target"),
             "--export", str(folder / "export")],
            cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    yield process, folder
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def duckdb_warehouse(landing: Landing, spark_started: tuple[subprocess.Popen[bytes], Path]) -> Warehouse:
    built = IgnoringWarehouse(landing.root.parent.parent / "duckdb", landing, as_of=AS_OF)
    built.salt = SALT
    built.build()   # the whole project: every seed, model, data test and unit test
    return built


@pytest.fixture(scope="module")
def spark(spark_started: tuple[subprocess.Popen[bytes], Path]) -> Path:
    """The Spark build's tables as Parquet (export folder)."""
    process, folder = spark_started
    returncode = process.wait(timeout=3600)
    output = (folder / "spark-build.out").read_text(errors="replace")
    assert returncode == 0, why_spark_failed(output)
    return folder


#: What marks a line of a Spark build's output that says why it failed: Spark's and dbt's
#: errors, a JVM out of memory or signalled, and dbt's summary line.
CAUSES = ("OutOfMemoryError", "SparkUncaughtExceptionHandler", "RECEIVED SIGNAL", " ERROR ", "FAIL ",
          "Spark's JVM stopped", "Done. PASS=")


def why_spark_failed(output: str, tail: int = 6000) -> str:
    """The lines that say why (at most 40, in order), then the output's last characters: a
    JVM that died halfway leaves a tail of "SparkContext was shut down" stack traces, and
    the reason thousands of lines above them (CI's log showed only the tail)."""
    causes = [line for line in output.splitlines() if any(c in line for c in CAUSES)
              and not line.startswith("\tat ")                # a stack frame
              and "ERROR CodeGenerator" not in line][:40]   # Spark falls back from codegen: harmless
    return "\n".join(["causes:", *causes, "", "last lines:", output[-tail:]])


def spark_tables(spark: Path) -> dict[str, Path]:
    export = spark / "export"
    return {f"{s.name}.{t.name}": t for s in export.iterdir() for t in s.iterdir()}


def duckdb_tables(warehouse: Warehouse) -> list[str]:
    return [f"{s}.{t}" for s, t in warehouse.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() order by 1, 2")]


def _value(v: object) -> object:
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return v


def _sort_key(row: tuple) -> tuple:
    # numbers rounded for ordering only (two engines' last bits may differ)
    return tuple((0, "") if v is None else (1, round(v, 6)) if isinstance(v, float) else (1, str(v)) for v in row)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) and math.isnan(b):   # type: ignore[arg-type]
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    return a == b


def compare(warehouse: Warehouse, spark: Path, name: str) -> list[str]:
    """Differences between the DuckDB table and Spark's export of it (empty: equal)."""
    schema, table = name.split(".")
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, table]).fetchall() if c not in ENGINE_SPECIFIC]
        quoted = ", ".join(f'"{c}"' for c in columns)
        ours = con.execute(f'select {quoted} from "{schema}"."{table}"').fetchall()
        spark_columns = [row[0] for row in con.execute(
            "describe select * from read_parquet(?)", [str(spark_tables(spark)[name] / "*.parquet")]).fetchall()]
        if sorted(spark_columns) != sorted(columns + [c for c in spark_columns if c in ENGINE_SPECIFIC]):
            return [f"{name}: columns differ: duckdb {columns}, spark {spark_columns}"]
        theirs = con.execute(f"select {quoted} from read_parquet(?)",
                             [str(spark_tables(spark)[name] / "*.parquet")]).fetchall()
    ours = sorted((tuple(_value(v) for v in r) for r in ours), key=_sort_key)
    theirs = sorted((tuple(_value(v) for v in r) for r in theirs), key=_sort_key)
    if len(ours) != len(theirs):
        return [f"{name}: {len(ours)} rows on DuckDB, {len(theirs)} on Spark"]
    problems = []
    for a, b in zip(ours, theirs):
        if not all(_equal(x, y) for x, y in zip(a, b)):
            problems.append(f"{name}: duckdb {dict(zip(columns, a))}\n      spark  {dict(zip(columns, b))}")
            if len(problems) >= 3:
                break
    return problems


def test_spark_builds_every_required_table(duckdb_warehouse: Warehouse, spark: Path) -> None:
    built = set(spark_tables(spark))
    ours = set(duckdb_tables(duckdb_warehouse))
    assert [t for t in REQUIRED + MARTS_REQUIRED if t not in built] == []
    assert [t for t in REQUIRED + MARTS_REQUIRED if t not in ours] == []


def test_every_table_built_on_both_engines_has_the_same_rows(duckdb_warehouse: Warehouse, spark: Path) -> None:
    ours = [t for t in duckdb_tables(duckdb_warehouse) if t not in DUCKDB_ONLY]
    assert [t for t in ours if t not in spark_tables(spark)] == []
    both = [t for t in ours if t in spark_tables(spark)]
    assert set(REQUIRED + MARTS_REQUIRED) <= set(both)
    problems = [p for name in both for p in compare(duckdb_warehouse, spark, name)]
    assert problems == [], "\n".join(problems[:20])


def test_the_reconciliation_balances_on_spark(spark: Path, landing: Landing) -> None:
    rows = duckdb.sql(f"select entity, source_file, raw_rows, landed_rows, is_balanced from read_parquet("
                      f"'{spark_tables(spark)['quarantine.reconciliation']}/*.parquet')").fetchall()
    assert [r for r in rows if not r[4]] == []
    files = {(p.parent.name, p.name) for p in landing.root.glob("*/*")
             if p.is_file() and p.suffix in (".csv", ".parquet")}
    assert {(r[0], r[1]) for r in rows} == files
    assert sum(r[2] for r in rows) > 10_000


def test_bad_drops_are_quarantined_with_their_reasons_on_spark(spark: Path) -> None:
    """Not only equal on both engines: the bad drops are set aside, each for its reason
    (so the parity above is not the parity of two empty quarantines)."""
    table = spark_tables(spark)["staging.base_landing__moderation_decisions"]
    found = dict(duckdb.sql(
        f"select _source_file || ':' || _line, coalesce(_reason, _status) from read_parquet('{table}/*.parquet') "
        "where _source_file like '%2026-10-30_x%'").fetchall())
    expected = {
        "moderation_decisions_2026-10-30_x1.csv:3": "wrong_column_count",
        "moderation_decisions_2026-10-30_x1.csv:4": "wrong_column_count",
        "moderation_decisions_2026-10-30_x2.csv:2": "broken_quotes",
        "moderation_decisions_2026-10-30_x2.csv:4": "broken_quotes",
        "moderation_decisions_2026-10-30_x2.csv:5": "broken_quotes",
        "moderation_decisions_2026-10-30_x3.csv:3": "bad_encoding",
        "moderation_decisions_2026-10-30_x4.csv:3": "schema_mismatch",
        "moderation_decisions_2026-10-30_x4.csv:4": "schema_mismatch",
        "moderation_decisions_2026-10-30_x5.csv:2": "wrong_column_count",
        "moderation_decisions_2026-10-30_x5.csv:3": "unparseable",
        "moderation_decisions_2026-10-30_x5.csv:4": "bad_timestamp",
        "moderation_decisions_2026-10-30_x5.csv:5": "bad_timestamp",
        "moderation_decisions_2026-10-30_x5.csv:6": "bad_timestamp",
        "moderation_decisions_2026-10-30_x5.csv:8": "bad_timestamp",
        "moderation_decisions_2026-10-30_x5.csv:9": "out_of_range",
        "moderation_decisions_2026-10-30_x5.csv:10": "missing_required",
        "moderation_decisions_2026-10-30_x5.csv:11": "missing_required",
        "moderation_decisions_2026-10-30_x5.csv:12": "missing_required",
        "moderation_decisions_2026-10-30_x5.csv:13": "bad_enum",
        "moderation_decisions_2026-10-30_x5.csv:14": "bad_value",
        "moderation_decisions_2026-10-30_x5.csv:15": "unparseable",
        "moderation_decisions_2026-10-30_x5.csv:16": "out_of_range",
        "moderation_decisions_2026-10-30_x5.csv:21": "exact_duplicate",
        "moderation_decisions_2026-10-30_x5.csv:22": "superseded",
        "moderation_decisions_2026-10-30_x8.csv:3": "truncated",
        "moderation_decisions_2026-10-30_x9.csv:2": "schema_mismatch",
        "moderation_decisions_2026-10-30_x10.parquet:1": "schema_mismatch",
    }
    assert {k: found.get(k) for k in expected} == expected
    # the multi-line record is one row, at the line it starts on (a line break in a code is
    # bad_value); the line after it is the next row
    assert found["moderation_decisions_2026-10-30_x5.csv:18"] == "bad_value"
    assert "moderation_decisions_2026-10-30_x5.csv:19" not in found
    assert found["moderation_decisions_2026-10-30_x5.csv:24"] in ("current", "orphan_reference")


def test_hostile_paths_are_read_literally_on_spark(duckdb_warehouse: Warehouse, spark: Path) -> None:
    """A landing root and file names with glob characters, backticks, quotes, percent
    escapes and plus signs: each listed file is read under its own
    name, and nothing from a decoy folder named like a landing file (rows PD43) is read
    on either engine."""
    table = spark_tables(spark)["staging.base_landing__moderation_decisions"]
    wanted = "where decision_id in ('PD41', 'PD42', 'PD43')"
    theirs = dict(duckdb.sql(f"select decision_id, _source_file from read_parquet('{table}/*.parquet') {wanted}")
                  .fetchall())
    ours = dict(duckdb_warehouse.query(
        f"select decision_id, _source_file from staging.base_landing__moderation_decisions {wanted}"))
    assert theirs == ours == {"PD41": HOSTILE_CSV, "PD42": HOSTILE_PARQUET}
    landed = spark_tables(spark)["landing.landing__moderation_decisions"]
    assert duckdb.sql(f"select count(*) from read_parquet('{landed}/*.parquet') where decision_id = 'PD43'"
                      ).fetchall() == [(0,)]


def test_what_spark_cannot_read_stops_the_build_by_name(tmp_path: Path) -> None:
    """A name Spark's readers skip or cannot read is a listing problem with its fix (the
    build stops before reading), not rows silently missing from the counts."""
    from tsqa.spark import unreadable_on_spark

    files = {"moderation_decisions": [str(tmp_path / "moderation_decisions" / n) for n in (
        "_a.csv", ".b.parquet", "c:d.csv", "fine.csv")]}
    problems = unreadable_on_spark(str(tmp_path), files)
    assert [p.split(": ")[0].rsplit("/", 1)[1] for p in problems] == ["_a.csv", ".b.parquet", "c:d.csv"]
    assert all("fix: rename" in p for p in problems)
    assert "fix: move the landing folder" in unreadable_on_spark(str(tmp_path / "a:b"), {})[0]
    assert unreadable_on_spark(str(tmp_path), {"x": [str(tmp_path / "x" / "fine.csv")]}) == []


def test_the_key_is_in_no_file_of_the_spark_build(spark: Path) -> None:
    """TSQA_PII_SALT reaches the Python function only: not the compiled SQL, dbt's
    target folder, its logs, the build's output, or Spark's metastore and warehouse."""
    assert (spark / "target" / "logs" / "dbt.log").exists() and list((spark / "target").rglob("*.sql"))
    needle = SALT.encode()
    leaks = [str(p) for p in spark.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert leaks == []


def test_pseudonyms_are_equal_across_engines(duckdb_warehouse: Warehouse, spark: Path) -> None:
    """The same user key on both engines (so a user is the same person across them),
    and it is the keyed hash of the raw id, not the raw id."""
    table = spark_tables(spark)["staging.base_landing__moderation_decisions"]
    theirs = dict(duckdb.sql(f"select decision_id, user_id from read_parquet('{table}/*.parquet') "
                             "where decision_id = 'PD3'").fetchall())
    ours = dict(duckdb_warehouse.query("select decision_id, user_id from staging.base_landing__moderation_decisions "
                                       "where decision_id = 'PD3'"))
    assert theirs == ours and len(theirs["PD3"]) == 32 and theirs["PD3"] != "PU1"


@pytest.mark.parametrize("value", ["U1", "user-00042", "émilie@example.com", "a|b", "  spaced ", "名前"])
def test_spark_pseudonym_is_the_duckdb_pseudonym(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python function Spark calls gives byte for byte what DuckDB's macro gives
    (its SQL, as the DuckDB build runs it, with the key as the plugin sets it)."""
    from tsqa.spark import pseudonym

    monkeypatch.setenv("TSQA_PII_SALT", SALT)
    con = duckdb.connect()
    con.execute("set variable tsqa_pii_salt = ?", [SALT])
    ours = con.execute("select left(sha256(getvariable('tsqa_pii_salt') || '|' || ?), 32)", [value]).fetchone()[0]
    assert pseudonym(value) == ours
    assert pseudonym(None) is None


def test_a_failed_spark_build_is_reported_by_its_cause() -> None:
    """CI kept only the last 9,000 characters of a Spark build that died halfway: stack
    traces of "SparkContext was shut down", and not why. The failure message leads with
    the lines that say why, from wherever they are in the output (shaped as Spark 4.3
    and dbt print them; a real build that ran out of heap at 800m printed these)."""
    from tsqa.spark import JVM_STOPPED

    output = "\n".join([
        "\x1b[0m05:46:17  235 of 761 START sql table model intermediate.int_x ....... [RUN]",
        "26/12/03 05:46:20 ERROR CodeGenerator: Failed to compile the generated Java code.",
        "26/12/03 05:46:39 ERROR FileFormatWriter: Aborting job 6371c4d0.",
        "java.lang.OutOfMemoryError: Java heap space",
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
        "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.aggregateOutOfMemoryError(QueryExecutionErrors.scala)",
        *["\tat org.apache.spark.SparkContext.stop(SparkContext.scala:2360)"] * 2000,
        "\x1b[0m05:50:55  Done. PASS=532 WARN=0 ERROR=4 SKIP=181 NO-OP=3 TOTAL=720",
        JVM_STOPPED,
    ])
    message = why_spark_failed(output)
    causes = message.split("\n\nlast lines:")[0].splitlines()[1:]
    assert causes == ["26/12/03 05:46:39 ERROR FileFormatWriter: Aborting job 6371c4d0.",
                      "java.lang.OutOfMemoryError: Java heap space",
                      "\x1b[0m05:50:55  Done. PASS=532 WARN=0 ERROR=4 SKIP=181 NO-OP=3 TOTAL=720",
                      JVM_STOPPED]
    assert "Java heap space" not in output[-9000:]   # the old message (the tail) lacked it
    assert message.endswith(output[-6000:])
