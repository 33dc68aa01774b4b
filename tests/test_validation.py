"""The Great Expectations gate (tsqa.validate) on small warehouses written by hand.

No dbt here: each test creates the few tables a rule looks at, so that what the
suites find can be checked by eye. The rules that decide which expectations a table
gets (naming rules, grains, privacy) are tested without GX; the GX runs check that
each family of failure is caught, recorded in the warehouse, and that Data Docs and
the recorded failures never carry a data value.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tsqa import validate as v

LEAKED_EMAIL = "jane.doe@example.com"
LEAKED_NOTE = "called the creator at home and they said the video was a joke between friends"


def _config(**landing: dict) -> v.Config:
    """The project's configuration, with the landing suites limited to ``landing``."""
    base = v.Config.load()
    return v.Config(landing=landing, marts=base.marts, checkpoints=base.checkpoints)


DECISIONS_SPEC = {
    "columns": {"decision_id": "String", "action": "String", "handle_time_s": "Float", "source_file": "String"},
    "required": ["decision_id", "action"],
    "key": ["decision_id"],
    "enums": {"action": ["approve", "remove"]},
    "ranges": {"handle_time_s": [0, ""]},
}


def _warehouse(path: Path, *, quality_rows: int = 4) -> Path:
    """Staging, quarantine and two marts that pass every check."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema quarantine; create schema marts")
        con.execute("""
            create table staging.stg_landing__moderation_decisions as
            select 'D' || i as decision_id, 'approve' as action, (10 * i)::double as handle_time_s,
                   'd.csv' as source_file
            from range(1, 11) as t(i)
        """)
        con.execute("""
            create table quarantine.reconciliation as
            select 'moderation_decisions' as entity, 'd.csv' as source_file, 10::bigint as raw_rows,
                   10::bigint as current_rows, 0::bigint as superseded_rows, 0::bigint as quarantined_rows,
                   0::bigint as exact_duplicate_rows, true as is_balanced
        """)
        con.execute(f"""
            create table marts.mart_quality_monthly as
            select date '2026-01-01' + to_months(i) as month_start, 'video_general' as queue_code,
                   'inhouse' as vendor_code, 100::bigint as audits, 0.9 as accuracy,
                   0.83 as accuracy_ci_low, 0.95 as accuracy_ci_high, 0.02 as accuracy_change_mom
            from range({quality_rows}) as t(i)
        """)
        con.execute("""
            create table marts.dim_root_causes as
            select 'PPL-KNOW' as root_cause_code,
                   'The moderator did not know or misremembered the policy that applied to the item.'
                   as description
        """)
    return path


def _run(path: Path, tmp_path: Path, config: v.Config, manifest: Path | None = None) -> v.Report:
    return v.validate(path, data_docs_dir=tmp_path / "data_docs", manifest_path=manifest,
                      as_of="2026-10-05T00:00:00Z", config=config)


def _failed(report: v.Report) -> set[tuple[str, str | None]]:
    return {(f.suite, f.column) for f in report.blocking}


# --- which expectations a table gets (no GX) -------------------------------------


def test_naming_rules_choose_ranges_and_ci_checks() -> None:
    catalog = v.Catalog(
        columns={("marts", "mart_new"): {
            "week_start": "DATE", "error_rate": "DOUBLE", "error_rate_ci_low": "DOUBLE",
            "error_rate_ci_high": "DOUBLE", "error_rate_change_wow": "DOUBLE", "share": "DOUBLE",
            "fleiss_kappa": "DOUBLE", "audits": "BIGINT", "diff_ci_low": "DOUBLE", "diff_ci_high": "DOUBLE",
            "audit_sample_rate": "DOUBLE", "queue_code": "VARCHAR",
        }},
        row_counts={("marts", "mart_new"): 3},
    )
    models = {"mart_new": {"node": {"columns": {}}, "unique": [["week_start", "queue_code"]]}}
    (plan,) = v.plan_marts(catalog, v.Config.load(), {}, models)
    ranges = {c.column: (c.kwargs.get("min_value"), c.kwargs.get("max_value"))
              for c in plan.checks if c.kind == "ExpectColumnValuesToBeBetween"}
    assert ranges == {
        "error_rate": (0, 1), "error_rate_ci_low": (0, 1), "error_rate_ci_high": (0, 1), "share": (0, 1),
        "fleiss_kappa": (-1, 1), "audits": (0, None),
    }
    ci = {c.label for c in plan.checks if c.kind == "UnexpectedRowsExpectation"}
    assert ci == {"error_rate_ci_low <= error_rate <= error_rate_ci_high", "diff_ci_low <= diff_ci_high"}
    grain = [c.kwargs["column_list"] for c in plan.checks if c.kind == "ExpectCompoundColumnsToBeUnique"]
    assert grain == [["week_start", "queue_code"]]


def test_grain_comes_from_the_registry_and_the_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {
        "model.tsqa.mart_x": {"resource_type": "model", "schema": "marts", "name": "mart_x", "alias": "mart_x",
                              "unique_id": "model.tsqa.mart_x", "constraints": [],
                              "columns": {"x_id": {"data_type": "varchar", "constraints": []},
                                          "n": {"data_type": "bigint", "constraints": []}}},
        "test.tsqa.unique_mart_x_x_id": {"resource_type": "test", "attached_node": "model.tsqa.mart_x",
                                         "test_metadata": {"name": "unique", "kwargs": {"column_name": "x_id"}}},
    }}))
    models = v.manifest_models(manifest)
    assert models["mart_x"]["unique"] == [["x_id"]]
    catalog = v.Catalog(columns={("marts", "mart_x"): {"x_id": "VARCHAR", "n": "BIGINT"},
                                 ("marts", "dim_queues"): {"queue_code": "VARCHAR"}},
                        row_counts={("marts", "mart_x"): 1, ("marts", "dim_queues"): 1})
    plans = {p.table: p for p in v.plan_marts(catalog, v.Config.load(), {}, models)}
    kinds = {(c.kind, c.column) for c in plans["mart_x"].checks}
    assert ("ExpectColumnValuesToBeUnique", "x_id") in kinds
    types = [c for c in plans["mart_x"].checks if c.label.startswith("every column has its contract type")]
    assert [c.label for c in types] == ["every column has its contract type (x_id varchar, n bigint)"]
    assert ("ExpectColumnValuesToBeUnique", "queue_code") in {(c.kind, c.column) for c in plans["dim_queues"].checks}


def test_volume_compares_with_the_last_passed_run() -> None:
    config = v.Config.load()
    assert v.volume_checks("marts.x", 10, {}, config) == []
    drop, growth = v.volume_checks("marts.x", 10, {"marts.x": 100}, config)
    assert drop.kwargs == {"min_value": 75} and drop.severity == "error"
    assert growth.kwargs == {"max_value": 500} and growth.severity == "warn"


# --- GX runs ---------------------------------------------------------------------


def test_clean_warehouse_passes_and_is_recorded(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))

    assert report.passed, report.summary()
    assert {r.suite for r in report.runs} == {
        "landing__moderation_decisions", "reconciliation", "marts__mart_quality_monthly",
        "marts__dim_root_causes", "privacy__mart_quality_monthly", "privacy__dim_root_causes",
    }
    assert (tmp_path / "data_docs" / "index.html").exists()
    with duckdb.connect(str(path), read_only=True) as con:
        runs = con.execute("select suite, success, evaluated, failed, row_count from marts.validation_runs "
                           "order by suite").fetchall()
        assert ("marts__mart_quality_monthly", True, runs[2][2], 0, 4) == runs[2]
        assert con.execute("select count(*) from marts.validation_failures").fetchone()[0] == 0
    # the next run compares row counts with this one: a fall of more than 25% stops it
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.mart_quality_monthly where month_start > date '2026-01-01'")
    second = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    assert not second.passed
    (drop,) = second.blocking
    assert (drop.suite, drop.expectation) == ("marts__mart_quality_monthly", "expect_table_row_count_to_be_between")
    assert "4 rows then, at least 3 expected" in drop.description


def test_every_family_of_failure_is_caught_without_leaking_values(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("insert into staging.stg_landing__moderation_decisions values "
                    "('D1', 'nuke', -5, 'd2.csv'), (null, 'approve', 1, 'd2.csv')")
        con.execute("insert into quarantine.reconciliation values "
                    "('qa_audits', 'qa_audits_2026-10-09.csv', 100, 30, 0, 60, 0, false)")
        con.execute("update marts.mart_quality_monthly set accuracy = 1.2, accuracy_ci_high = 1.3 "
                    "where month_start = date '2026-02-01'")
        con.execute("update marts.mart_quality_monthly set accuracy_ci_low = 0.95 "
                    "where month_start = date '2026-03-01'")
        con.execute(f"""
            create table marts.fct_leaky as
            select 'A' || i as audit_id, '{LEAKED_EMAIL}' as contact, 'U' || i as user_id,
                   '{LEAKED_NOTE} ' || i as auditor_comment
            from range(60) as t(i)
        """)
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))

    assert not report.passed
    failed = _failed(report)
    assert {
        ("landing__moderation_decisions", "decision_id"),       # null and duplicate D1
        ("landing__moderation_decisions", "action"),            # not in the enum
        ("landing__moderation_decisions", "handle_time_s"),     # negative
        ("reconciliation", "is_balanced"),
        ("reconciliation", "quarantined_rows"),
        ("marts__mart_quality_monthly", "accuracy"),            # 1.2 outside [0, 1]
        ("marts__mart_quality_monthly", "accuracy_ci_high"),
    } <= failed
    by_label = {f.description for f in report.blocking}
    assert any(d.startswith("accuracy_ci_low <= accuracy <= accuracy_ci_high") for d in by_label)
    assert "raw rows = current + superseded + quarantined + exact duplicates, for every file: " \
           "qa_audits/qa_audits_2026-10-09.csv" in by_label
    assert any("qa_audits/qa_audits_2026-10-09.csv: 60 of 100 rows quarantined" in d for d in by_label)
    privacy = {f.description for f in report.blocking if f.suite == "privacy__fct_leaky"}
    assert any(d.startswith("no column named like personal data") and d.endswith(": user_id") for d in privacy)
    assert "no email-like value in any text column: contact" in privacy
    assert any(d.startswith("no free text") and d.endswith(": auditor_comment") for d in privacy)
    assert not any(f.suite == "privacy__mart_quality_monthly" for f in report.failures)

    with duckdb.connect(str(path), read_only=True) as con:
        recorded = con.execute("select suite, expectation, column_name, severity, description "
                               "from marts.validation_failures").fetchall()
        runs = dict(con.execute("select suite, success from marts.validation_runs").fetchall())
    assert len(recorded) == len(report.failures)
    assert runs["privacy__fct_leaky"] is False and runs["privacy__dim_root_causes"] is True
    # no identifier or personal value anywhere in the results or the report
    stored = "\n".join(str(row) for row in recorded)
    docs = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "data_docs").rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json"))
    for secret in (LEAKED_EMAIL, LEAKED_NOTE, "'D1'", "nuke", "U17"):
        assert secret not in stored
        assert secret not in docs


def test_a_missing_staging_table_fails_its_suite(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    report = _run(path, tmp_path, _config(qa_audits={"columns": {"audit_id": "String"}}))
    (missing,) = report.blocking
    assert (missing.suite, missing.expectation) == ("landing__qa_audits", "table_exists")
    assert "staging.stg_landing__qa_audits is not in the warehouse" in missing.description


def test_stale_entity_warns_but_does_not_stop(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(f"alter table staging.stg_landing__moderation_decisions add column decided_at timestamp "
                    "default timestamp '2026-09-01 00:00:00'")
    spec = {**DECISIONS_SPEC, "columns": {**DECISIONS_SPEC["columns"], "decided_at": "DateTime"},
            "freshness": {"column": "decided_at", "max_age_days": 7}}
    report = _run(path, tmp_path, _config(moderation_decisions=spec))
    assert report.passed
    (stale,) = report.warnings
    assert stale.column == "decided_at" and "at most 7 days before the as-of time 2026-10-05" in stale.description


def test_quarantine_share_stops_files_of_any_size_and_every_quarantined_row_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: the share rule applied only to files of 50+ rows, so a small drop with
    all its rows quarantined published silently. Now: more than the share (default
    10%, TSQA_MAX_QUARANTINE_SHARE) or all rows of a file, whatever its size, stop the
    gate; any quarantined row is a warning."""
    path = _warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("insert into quarantine.reconciliation values "
                    "('policy_changes', 'policy_changes_2026-10-01.csv', 2, 1, 0, 1, 0, true), "
                    "('rca_cases', 'rca_cases_2026-10-01.csv', 3, 0, 0, 3, 0, true), "
                    "('qa_audits', 'qa_audits_2026-10-01.csv', 100, 99, 0, 1, 0, true)")
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    assert not report.passed
    (share,) = [f for f in report.blocking if f.column == "quarantined_rows"]
    assert share.description == (
        "at most 10% of a file's rows quarantined, and never all of them (any file size; TSQA_MAX_QUARANTINE_SHARE): "
        "policy_changes/policy_changes_2026-10-01.csv: 1 of 2 rows quarantined; "
        "rca_cases/rca_cases_2026-10-01.csv: 3 of 3 rows quarantined")
    (warning,) = [f for f in report.warnings if f.column == "quarantined_rows"]
    assert warning.description.endswith(
        "policy_changes/policy_changes_2026-10-01.csv: 1 of 2 rows quarantined (see quarantine.policy_changes); "
        "qa_audits/qa_audits_2026-10-01.csv: 1 of 100 rows quarantined (see quarantine.qa_audits); "
        "rca_cases/rca_cases_2026-10-01.csv: 3 of 3 rows quarantined (see quarantine.rca_cases)")
    assert any("qa_audits_2026-10-01.csv: 1 of 100 rows quarantined" in line for line in report.summary())

    # the user sets the share; a file with every row quarantined still stops
    monkeypatch.setenv("TSQA_MAX_QUARANTINE_SHARE", "0.6")
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    (share,) = [f for f in report.blocking if f.column == "quarantined_rows"]
    assert share.description.endswith(": rca_cases/rca_cases_2026-10-01.csv: 3 of 3 rows quarantined")


# --- the review page: offline, in a real browser ----------------------------------

REVIEW_JS = """
(() => {
  const badge = document.querySelector('#verdict .status');
  const box = badge.getBoundingClientRect();
  return JSON.stringify({
    status: document.getElementById('verdict').dataset.status,
    badge: badge.innerText, badge_visible: box.width > 0 && box.height > 0,
    badge_colour: getComputedStyle(badge).backgroundColor,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    text: document.body.innerText,
  });
})()
"""


def test_review_page_works_offline_and_shows_counts(tmp_path: Path) -> None:
    """The page an analyst reviews opens with the network off: no request leaves the
    machine, no console error, the verdict is visible in words and colour, every link
    resolves, and row, quarantine and failure counts are on it (no identifier)."""
    from tests.test_report_page import load_page

    path = _warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("insert into quarantine.reconciliation values "
                    "('qa_audits', 'qa_audits_2026-10-09.csv', 100, 30, 0, 60, 10, true)")
        con.execute("create table quarantine.qa_audits as select 'A' || i as audit_id, "
                    "case when i < 45 then 'bad_enum' else 'orphan_reference' end as reason from range(60) t(i)")
        con.execute("insert into staging.stg_landing__moderation_decisions values ('D1', 'nuke', 1, 'd2.csv')")
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    assert not report.passed and report.review == tmp_path / "data_docs" / "review.html"

    result = load_page(report.review, tmp_path / "review.png", probes={"page": REVIEW_JS}, offline=True)
    assert result["errors"] == []
    assert result["requests"] and all(url.startswith(("file:", "data:")) for url in result["requests"])
    page = result["probes"]["page"]
    assert (page["status"], page["badge"], page["badge_visible"]) == ("failed", "FAILED", True)
    assert page["badge_colour"] == "rgb(254, 226, 226)"  # the red badge: the stylesheet is inline
    for href in page["links"]:
        if href.startswith("#"):
            assert href[1:] in page["ids"], href
        else:
            assert (report.review.parent / href).exists(), href
    text = page["text"]
    blocking = len(report.blocking)
    assert f"{blocking} blocking failures" in text and "60 quarantined rows" in text
    assert "bad_enum: 45, orphan_reference: 15" in text
    # suite rows with their row counts: 11 staged decisions, 4 months in the quality mart
    assert "staging.stg_landing__moderation_decisions\tFAILED\t" in text
    assert "marts.mart_quality_monthly\tpassed\t" in text and text.count("\t4\n") >= 1
    assert "qa_audits\t100\t30\t0\t60\t10\t" in text
    for secret in ("'D1'", "nuke", "A17"):
        assert secret not in report.review.read_text(encoding="utf-8")


def test_data_docs_links_resolve(tmp_path: Path) -> None:
    """The Data Docs index links each suite run and each expectation suite to a page
    that was written (suite pages used to be left out, and their links led nowhere)."""
    import re
    from urllib.parse import unquote

    report = _run(_warehouse(tmp_path / "w.duckdb"), tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    index = report.data_docs
    # links are hrefs, and row links in the index table's data (GX renders them with JS)
    local = [h for h in re.findall(r"""(?:href="|_link_path': ')([^"']+)""", index.read_text(encoding="utf-8"))
             if not h.startswith(("http:", "https:", "#", "//", "mailto:", "data:"))]
    assert any(h.startswith("expectations/") for h in local) and any(h.startswith("validations/") for h in local)
    missing = [h for h in local if not (index.parent / unquote(h.split("#")[0])).exists()]
    assert missing == []


# --- the landing suites' column rules: one SQL pass per staging table ---------------

AUDITS_SPEC = {
    "columns": {"audit_id": "String", "decision_id": "String", "score": "Integer", "audited_at": "DateTime"},
    "required": ["audit_id", "decision_id"],
    "key": ["audit_id", "decision_id"],
    "enums": {"decision_id": ["D1", "D2", "D3"]},
    "ranges": {"score": [0, 100]},
    "freshness": {"column": "audited_at", "max_age_days": 7},
}

#: one way to break each rule of AUDITS_SPEC, and the rule (label, column) that must fail
BREAKS = {
    "type": ("alter table staging.stg_landing__qa_audits alter score type double",
             ("score is of type Integer", "score")),
    "required": ("insert into staging.stg_landing__qa_audits values ('A9', null, 5, timestamp '2026-10-04')",
                 ("decision_id is never null", "decision_id")),
    "key": ("insert into staging.stg_landing__qa_audits values ('A1', 'D1', 5, timestamp '2026-10-04')",
            ("(audit_id, decision_id) is unique", None)),
    "enum": ("insert into staging.stg_landing__qa_audits values ('A9', 'D7', 5, timestamp '2026-10-04')",
             ("decision_id in {D1, D2, D3}", "decision_id")),
    "range": ("update staging.stg_landing__qa_audits set score = 101 where audit_id = 'A2'",
              ("score between 0 and 100", "score")),
    "freshness": ("update staging.stg_landing__qa_audits set audited_at = timestamp '2026-09-01'",
                  ("newest audited_at at most 7 days before the as-of time 2026-10-05 00:00:00 UTC", "audited_at")),
    "volume": ("delete from staging.stg_landing__qa_audits where audit_id <> 'A1'",
               ("row count fell more than 25% since the last published run (3 rows then, at least 2 expected)",
                None)),
    "missing column": ("alter table staging.stg_landing__qa_audits drop column score",
                       ("score between 0 and 100 (could not be evaluated: no column score)", "score")),
}


def _failing_rules(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """The landing plan of qa_audits, its combined query run in DuckDB as GX runs it."""
    catalog = v.Catalog.read(con, ["staging"])
    (plan,) = v.plan_landing(catalog, _config(qa_audits=AUDITS_SPEC), {"staging.stg_landing__qa_audits": 3},
                             v.resolve_as_of(con, "2026-10-05T00:00:00Z"))
    columns, combined = plan.checks
    assert columns.kind == "ExpectTableColumnsToMatchSet" and combined.kind == "UnexpectedRowsExpectation"
    query = combined.kwargs["unexpected_rows_query"].format(batch="staging.stg_landing__qa_audits")
    return [(combined.rules[i].label, combined.rules[i].column) for (i,) in con.execute(query).fetchall()]


@pytest.mark.parametrize("broken", list(BREAKS))
def test_each_column_rule_of_the_one_pass_landing_check_fails_on_bad_data(broken: str) -> None:
    """Issue 18: the landing suites' column expectations (type, not null, unique, in
    set, between, freshness, row count) are one aggregate query per staging table. On
    clean rows no rule fails; each kind of bad data fails exactly its own rule."""
    with duckdb.connect() as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_landing__qa_audits as select * from (values "
                    "('A1', 'D1', 10, timestamp '2026-10-04'), ('A2', 'D2', 100, timestamp '2026-10-03'), "
                    "('A3', 'D1', 0, timestamp '2026-10-01')) as t(audit_id, decision_id, score, audited_at)")
        assert _failing_rules(con) == []
        sql, expected = BREAKS[broken]
        con.execute(sql)
        assert _failing_rules(con) == [expected]


def test_a_broken_rule_is_reported_by_name_through_gx(tmp_path: Path) -> None:
    """Through GX: the combined check's failures name each broken rule and its column,
    with the rule's own severity; no value leaks."""
    path = _warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("insert into staging.stg_landing__moderation_decisions values ('D3', 'nuke', 1, 'd2.csv')")
    report = _run(path, tmp_path, _config(moderation_decisions=DECISIONS_SPEC))
    landing = [(f.column, f.severity, f.description) for f in report.failures if f.checkpoint == "landing"]
    assert landing == [("decision_id", "error", "decision_id is unique"),
                       ("action", "error", "action in {approve, remove}")]
    (run,) = [r for r in report.runs if r.suite == "landing__moderation_decisions"]
    # the column set, then 4 types, 2 required, 1 key, 1 enum, 1 range: each counts
    assert (run.evaluated, run.failed, run.success) == (10, 2, False)


def test_great_expectations_is_imported_only_when_the_gate_runs() -> None:
    """Issue 18: importing GX costs seconds; the CLI, the build and the runner's
    planning load without it (it is imported inside the run, tsqa.validate._run_gx)."""
    import subprocess
    import sys

    code = ("import sys, tsqa.cli, tsqa.publish, tsqa.validate, tsqa.review; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('great_expectations', 'sqlalchemy', 'duckdb_engine')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_gate_loads_great_expectations_while_dbt_builds(tmp_path: Path) -> None:
    """Issue 18: the gated build imports GX (about 10 s) in a background thread while
    dbt builds in its own process (tsqa.publish.build's dbt step). The block ends only
    when the import has: the checkpoints find every module loaded, and the warnings
    filters (which the import silences: global, not thread-safe) are as before."""
    import subprocess
    import sys

    script = tmp_path / "load.py"
    script.write_text(
        "import sys, threading, time, warnings\n"
        "from tsqa import validate\n"
        "before = list(warnings.filters)\n"
        "with validate.importing_gx_meanwhile():\n"
        "    deadline = time.monotonic() + 120\n"
        "    while 'great_expectations' not in sys.modules and time.monotonic() < deadline:\n"
        "        time.sleep(0.01)\n"
        "    print('started in the block', 'great_expectations' in sys.modules)\n"
        "needed = ('great_expectations', 'great_expectations.expectations', "
        "'great_expectations.core.run_identifier', 'great_expectations.data_context.types.base', "
        "'duckdb_engine', 'sqlalchemy.pool')\n"
        "print('loaded after the block', all(m in sys.modules for m in needed))\n"
        "print('filters as before', warnings.filters == before)\n"
        "print('threads left', [t.name for t in threading.enumerate() if t.name.startswith('tsqa')])\n",
        encoding="utf-8")
    # a script, not `python -c`: pyspark (imported by GX) ends a `-c` process on import
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                         cwd=Path(v.__file__).parent.parent).stdout
    assert out.splitlines() == ["started in the block True", "loaded after the block True",
                                "filters as before True", "threads left []"]


#: one way to break each folded column check of a mart, and the rule (label, column) that must fail
MART_BREAKS = {
    "grain null": ("update marts.mart_x set x_id = null where n = 1", ("grain column x_id is never null", "x_id")),
    "grain unique": ("update marts.mart_x set x_id = 'X2' where n = 1", ("one row per x_id", "x_id")),
    "compound grain": ("update marts.mart_x set week_start = date '2026-01-19' where n = 1",
                       ("one row per week_start x queue_code", None)),
    "range": ("update marts.mart_x set error_rate = -0.1, error_rate_ci_low = -0.2 where n = 3",
              [("error_rate is a proportion in [0, 1]", "error_rate"),
               ("error_rate_ci_low is a proportion in [0, 1]", "error_rate_ci_low")]),
    "interval": ("update marts.mart_x set error_rate_ci_high = 0.05 where n = 2",
                 ("error_rate_ci_low <= error_rate <= error_rate_ci_high", "error_rate")),
    "non-negative": ("update marts.mart_x set audits = -1 where n = 2",
                     ("audits is a count or duration >= 0", "audits")),
}


@pytest.mark.parametrize("broken", list(MART_BREAKS))
def test_each_folded_mart_check_fails_on_bad_data(broken: str) -> None:
    """Issue 18: a mart suite's row-level checks (grain not null and unique, ranges,
    interval order) are folded into one aggregate query per mart; each still fails on
    its own bad data, and only that one."""
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.mart_x as select 'X' || n as x_id, n, date '2026-01-05' + (7 * n)::integer as "
                    "week_start, 'q' as queue_code, 0.1 * n as error_rate, 0.1 * n - 0.05 as error_rate_ci_low, "
                    "0.1 * n + 0.05 as error_rate_ci_high, 10 * n as audits from range(1, 4) as t(n)")
        catalog = v.Catalog.read(con, ["marts"])
        models = {"mart_x": {"node": {"columns": {}}, "unique": [["x_id"], ["week_start", "queue_code"]]}}

        def failing() -> list[tuple[str, str | None]]:
            (plan,) = v.fold_column_checks(v.plan_marts(catalog, v.Config.load(), {}, models))
            (combined,) = [c for c in plan.checks if c.rules]
            assert {c.kind for c in plan.checks if not c.rules} <= {"ExpectTableColumnsToMatchSet",
                                                                     "ExpectTableRowCountToBeBetween"}
            query = combined.kwargs["unexpected_rows_query"].format(batch="marts.mart_x")
            return [(combined.rules[i].label, combined.rules[i].column) for (i,) in con.execute(query).fetchall()]

        assert failing() == []
        sql, expected = MART_BREAKS[broken]
        con.execute(sql)
        assert failing() == (expected if isinstance(expected, list) else [expected])


#: values for the privacy suite's value checks: spaces, tabs, empty words, emails
PRIVACY_VALUES = [
    "a b c d", "a b c", "  a b c  ", "a  b c", "a\tb c d", " a b c d ", "", " ", "   ", None, "word",
    "jane.doe@example.com", "x @ y.io", "mail me: j@x.io today", "a@b", "A@B.CO", "50% off@sale",
]


@pytest.mark.parametrize("min_words", [1, 2, 3, 4, 5])
def test_privacy_value_checks_count_as_the_plain_formulas(min_words: int) -> None:
    """Issue 18: the privacy suite's email and free-text counts skip the regex and the
    split on values that cannot match (no `@`, no space). They must count what the plain
    formulas count: `regexp_matches` on every value, `len(string_split(trim(v), ' '))`."""
    regex = v.Config.load().marts["privacy"]["email_regex"].replace("{{", "{").replace("}}", "}")
    with duckdb.connect() as con:
        con.execute("create table t (v varchar)")
        con.executemany("insert into t values (?)", [[x] for x in PRIVACY_VALUES])
        fast = con.execute(f"select {v.email_count('v', regex, '@')}, {v.sentence_count('v', min_words)} "
                           "from t").fetchone()
        plain = con.execute(f"select count(*) filter (where regexp_matches(v, {v.quote_literal(regex)})), "
                            f"count(distinct v) filter (where len(string_split(trim(v), ' ')) >= {min_words}) "
                            "from t").fetchone()
    # worked by hand: the emails are jane.doe@example.com, j@x.io, A@B.CO; four values have
    # 4+ words ("a  b c" is a, "", b, c), "a\tb c d" has 3 (a tab is not a space), and
    # 16 distinct values, 9 of 2+ words, 8 of 3+
    assert fast[0] == plain[0] == 3
    assert fast[1] == plain[1] == {1: 16, 2: 9, 3: 8, 4: 4, 5: 0}[min_words]


def test_the_email_prefilter_must_be_in_the_regex() -> None:
    config = v.Config.load()
    config.marts["privacy"]["email_must_contain"] = "#"
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.m (v varchar)")
        with pytest.raises(ValueError, match="email_must_contain '#' is not in email_regex"):
            v.plan_privacy(v.Catalog.read(con, ["marts"]), config)
