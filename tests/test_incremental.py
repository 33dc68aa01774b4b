"""Incremental builds give the same warehouse as a full rebuild (issue 8).

The generator's sample is built without its last day; then the last day lands with
corrections that reach back into history, and `dbt build` runs again on the same
warehouse (incremental: landing reads the new files only, staging re-decides the rows
they touch, the two large facts replace the touched keys). A second warehouse is
built from scratch on the same folder. Every table of landing, staging, quarantine and
marts must hold the same rows in both.

The corrections in the new drop, each a path of the incremental logic:
- a re-sent decision with a new handle time (newest wins by file);
- a re-sent decision whose moderator is unknown: the new version is chosen and
  quarantined, so the decision leaves the fact (and its audits are orphans now);
- a moderator, unknown to the first build, arrives: their decision and its audit,
  set aside as orphan_reference before, become current (a parent arrives late);
- a backdated roster version moves a moderator to another vendor from 1 July: their
  later decisions and audits are re-attributed;
- a late file whose name sorts before every other one, with an exact copy of an old
  decision (the old row becomes the duplicate) and an older version of another (it is
  superseded at once);
- a dispute overturning an old audit.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from tests.conftest import Landing, Warehouse
from tsqa.bench import hold_back_last_day
from tsqa.generate import generate

SCHEMAS = ("landing", "staging", "quarantine", "marts")
#: bookkeeping that differs by design: when a row was decided, which runs happened
SKIPPED_TABLES = ("tsqa_model_runs", "tsqa_build_marker", "validation_runs", "validation_failures")
SKIPPED_COLUMNS = ("_staged_at",)
#: every model and data test of the project; not its unit tests (they read no landing
#: file, and run in the session's full builds: the sample warehouse, the gated builds)
EVERY_MODEL_AND_TEST = ["--exclude-resource-type", "unit_test"]


def _rows(folder: Path, entity: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((folder / entity).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def _copy_drop(source: Path, landing: Landing) -> None:
    for entity_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        for path in sorted(entity_dir.iterdir()):
            (landing.root / entity_dir.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, landing.root / entity_dir.name / path.name)


def _differences(incremental: Path, rebuilt: Path) -> list[str]:
    """Tables whose rows differ (as multisets; doubles to 1e-9)."""
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{rebuilt}' as full_build (read_only)")
    problems = []
    try:
        tables = con.execute(
            "select table_schema, table_name, table_catalog from information_schema.tables "
            "where table_catalog in ('inc', 'full_build') and table_type = 'BASE TABLE' "
            "and table_schema in (select unnest(?)) and table_name not in (select unnest(?))",
            [list(SCHEMAS), list(SKIPPED_TABLES)],
        ).fetchall()
        by_catalog: dict[str, set[tuple[str, str]]] = {"inc": set(), "full_build": set()}
        for schema, table, catalog in tables:
            by_catalog[catalog].add((schema, table))
        if by_catalog["inc"] != by_catalog["full_build"]:
            problems.append(f"different tables: {by_catalog['inc'] ^ by_catalog['full_build']}")
        for schema, table in sorted(by_catalog["inc"] & by_catalog["full_build"]):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'inc' and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            select = ", ".join(
                f'round("{name}", 9)' if data_type == "DOUBLE" else f'"{name}"'
                for name, data_type in columns if name not in SKIPPED_COLUMNS
            )
            only_inc, only_full, total = con.execute(
                f"select (select count(*) from (select {select} from inc.{schema}.{table} except all "
                f"select {select} from full_build.{schema}.{table})), "
                f"(select count(*) from (select {select} from full_build.{schema}.{table} except all "
                f"select {select} from inc.{schema}.{table})), "
                f"(select count(*) from full_build.{schema}.{table})"
            ).fetchone()
            if only_inc or only_full:
                problems.append(f"{schema}.{table}: {only_inc} rows only incremental, {only_full} only rebuilt "
                                f"(of {total})")
    finally:
        con.close()
    return problems


def test_incremental_build_equals_full_rebuild(tmp_path: Path) -> None:
    generated = tmp_path / "generated"
    generate(generated, scale=0.2, seed=11, progress=False)
    landing = Landing(tmp_path / "raw")
    last_day = hold_back_last_day(generated, landing.root, tmp_path / "held_back")

    decisions = {row["decision_id"]: row for row in _rows(generated, "moderation_decisions")}
    audits = {row["decision_id"]: row for row in _rows(generated, "qa_audits")}
    audited = [d for d in sorted(decisions) if d in audits]
    corrected, withdrawn, duplicated, older = audited[0], audited[1], audited[2], audited[3]
    roster = {row["moderator_id"]: row for row in _rows(generated, "moderators")}  # latest file wins
    mover = decisions[corrected]["moderator_id"]
    vendors_of_mover = {row["vendor_code"] for row in _rows(generated, "moderators") if row["moderator_id"] == mover}
    new_vendor = next(v for v in ("atlas", "borealis", "cirrus", "inhouse") if v not in vendors_of_mover)

    # first build: one decision (and its audit) of a moderator nobody has heard of yet
    late_decision = {**decisions[corrected], "decision_id": "D99999999", "moderator_id": "M9999"}
    late_audit = {**audits[corrected], "audit_id": "A99999999", "decision_id": "D99999999"}
    landing.drop("moderation_decisions", "moderation_decisions_2026-05-04_9", [late_decision])
    landing.drop("qa_audits", "qa_audits_2026-05-05_9", [late_audit])
    warehouse = Warehouse(tmp_path / "incremental", landing)
    warehouse.build(extra=EVERY_MODEL_AND_TEST)
    assert warehouse.scalar(
        "select _reason from staging.base_landing__moderation_decisions where decision_id = 'D99999999'"
    ) == "orphan_reference"
    rows_before = warehouse.scalar("select count(*) from staging.base_landing__moderation_decisions")

    # the last day lands, with corrections of old rows
    _copy_drop(tmp_path / "held_back", landing)
    landing.drop("moderators", f"moderators_{last_day}_9", [
        {**roster[mover], "vendor_code": new_vendor, "updated_at": "2026-07-01T00:00:00Z"},
        {**roster[mover], "moderator_id": "M9999", "updated_at": "2026-05-01T00:00:00Z"},
    ])
    landing.drop("moderation_decisions", f"moderation_decisions_{last_day}_9", [
        {**decisions[corrected], "handle_time_s": "999"},
        {**decisions[withdrawn], "moderator_id": "M-UNKNOWN"},
    ])
    landing.drop("moderation_decisions", "moderation_decisions_2000-01-01", [
        decisions[duplicated],
        {**decisions[older], "handle_time_s": "12345"},
    ])
    landing.drop("audit_disputes", f"audit_disputes_{last_day}_9", [{
        "dispute_id": "DS999999", "audit_id": audits[corrected]["audit_id"], "raised_by": "vendor",
        "raised_at": f"{last_day}T01:00:00Z", "resolved_at": f"{last_day}T02:00:00Z", "outcome": "overturned",
        "final_action": "approve",
    }])
    warehouse.build(extra=EVERY_MODEL_AND_TEST)

    rebuilt = Warehouse(tmp_path / "rebuilt", landing)
    rebuilt.build(extra=EVERY_MODEL_AND_TEST)
    assert _differences(warehouse.path, rebuilt.path) == []

    # the corrections took effect (so the equality above is not two equal mistakes)
    fact = "marts.fct_moderation_decisions"
    assert warehouse.scalar(f"select handle_time_s from {fact} where decision_id = ?", [corrected]) == 999
    assert warehouse.scalar(f"select count(*) from {fact} where decision_id = ?", [withdrawn]) == 0
    assert warehouse.scalar(f"select count(*) from {fact} where decision_id = 'D99999999'") == 1
    assert warehouse.scalar("select count(*) from marts.fct_qa_audits where audit_id = 'A99999999'") == 1
    assert warehouse.scalar(
        "select count(*) from marts.fct_qa_audits where audit_id = ?", [audits[withdrawn]["audit_id"]]
    ) == 0
    assert warehouse.scalar(
        f"select count(*) from {fact} where moderator_id = ? and vendor_code = ?", [mover, new_vendor]
    ) > 0
    assert warehouse.query(
        "select _source_file, _status from staging.base_landing__moderation_decisions "
        "where decision_id = ? order by _source_file", [duplicated]
    ) == [("moderation_decisions_2000-01-01.csv", "current"),
          (f"{_file_of(generated, 'moderation_decisions', duplicated)}", "exact_duplicate")]
    assert warehouse.scalar(
        f"select handle_time_s from {fact} where decision_id = ?", [older]
    ) == float(decisions[older]["handle_time_s"])
    assert warehouse.scalar(
        "select dispute_outcome from marts.fct_qa_audits where audit_id = ?", [audits[corrected]["audit_id"]]
    ) == "overturned"

    # and the second build was incremental: it re-decided a small part of the history
    restaged = warehouse.scalar(
        "select count(*) from staging.base_landing__moderation_decisions "
        "where _staged_at = (select max(_staged_at) from staging.base_landing__moderation_decisions)"
    )
    assert restaged < rows_before / 4


def _file_of(folder: Path, entity: str, key: str) -> str:
    for path in sorted((folder / entity).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            if any(row["decision_id"] == key for row in csv.DictReader(handle)):
                return path.name
    raise AssertionError(f"{key} not in {folder / entity}")
