"""Write, audit, publish (tsqa.publish, `tsqa build|validate|publish`).

One full gated build (dbt build with every test, the GX checkpoints, the atomic
publish) runs once for the module, while a second process holds the previous
publication open read-only, as Tableau does. The failure paths reuse its result:
a working warehouse that fails validation is not published, and a landing file that
cannot be read stops the build before dbt; in both the published file stays byte
for byte what it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Landing
from tests.test_bad_inputs import AS_OF, AUDITS, D1, D2, MODERATORS
from tsqa import cli, dbt, publish, settings
from tsqa import validate as v

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select note from marts.previous_marker").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("select note from marts.previous_marker").fetchone()[0], flush=True)
print(con.execute("select count(*) from information_schema.tables where table_name like 'fct_%'").fetchone()[0],
      flush=True)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def environment(root: Path) -> dict[str, str]:
    return {
        "TSQA_RAW_DIR": str(root / "raw"),
        "TSQA_DUCKDB_PATH": str(root / "warehouse" / "tsqa.duckdb"),
        "TSQA_PII_SALT": "test-salt",
        "TSQA_AS_OF": AS_OF,
    }


def minimal_landing(root: Path) -> Landing:
    landing = Landing(root / "raw")
    landing.drop("moderators", "moderators_2026-09-01", MODERATORS)
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-01", [D1, D2])
    landing.drop("qa_audits", "qa_audits_2026-10-02", AUDITS)
    return landing


def previous_publication(path: Path) -> None:
    """A stand-in for the last publication: a marker table, and the validation
    history of the run that published it (2 staged decisions then)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        v.ensure_history_tables(con)
        con.execute("create table marts.previous_marker as select 'previous publication' as note")
        con.execute("insert into marts.validation_runs values ('earlier-run', timestamp '2026-10-04 06:00:00', "
                    "'landing', 'landing__moderation_decisions', 'staging.stg_landing__moderation_decisions', "
                    "true, 20, 0, 0, 2)")


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("gate")
    minimal_landing(root)
    cfg = settings.load(environment(root))
    published = Path(environment(root)["TSQA_DUCKDB_PATH"])
    previous_publication(published)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "previous publication"
    lines: list[str] = []
    try:
        # dbt's progress on every finished node (the default is every 10 s at most)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(dbt, "PROGRESS_SECONDS", 0.0)
            outcome = publish.build(cfg, target_path=root / "target", say=lines.append)
    finally:
        seen, _ = reader.communicate("again\n", timeout=60)
    return {"root": root, "cfg": cfg, "published": published, "outcome": outcome, "lines": lines,
            "reader_saw": seen.split(), "reader_exit": reader.returncode}


def dbt_docs_data(page: Path) -> tuple[dict, dict]:
    """The manifest and catalog a static dbt docs page (`dbt docs generate --static`) holds."""
    text = page.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    manifest = decoder.raw_decode(text, text.index('{"metadata": {"dbt_schema_version": '
                                                   '"https://schemas.getdbt.com/dbt/manifest/'))[0]
    catalog = decoder.raw_decode(text, text.index('{"metadata": {"dbt_schema_version": '
                                                  '"https://schemas.getdbt.com/dbt/catalog/'))[0]
    return manifest, catalog


def test_gated_build_publishes_while_a_reader_holds_the_previous_file(gate: dict) -> None:
    published: Path = gate["published"]
    outcome: publish.Outcome = gate["outcome"]
    assert outcome.published == published and outcome.report is not None and outcome.report.passed

    # the reader kept its snapshot of the previous publication, never a half-built mart
    assert gate["reader_exit"] == 0
    assert gate["reader_saw"][:2] == ["previous", "publication"] and gate["reader_saw"][-1] == "0"

    # a new connection sees the new warehouse: marts, and the history carried over
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables "
                           "where table_name = 'previous_marker'").fetchone()[0] == 0
        assert con.execute("select count(*) from marts.fct_qa_audits").fetchone()[0] == 2
        runs = con.execute("select run_id, bool_and(success), count(*) from marts.validation_runs "
                           "group by run_id order by min(run_at)").fetchall()
        assert runs[0][:2] == ("earlier-run", True) and len(runs) == 2
        assert runs[1][1] is True and runs[1][2] > 50
        assert con.execute("select count(*) from marts.validation_failures").fetchone()[0] == 0
        assert con.execute("select validation_status from marts.mart_monthly_business_review limit 1"
                           ).fetchall() in ([], [("passed",)])

    working = gate["cfg"].working_path
    assert not working.exists() and not Path(str(working) + ".wal").exists()
    assert outcome.data_docs.exists() and outcome.data_docs == published.parent / "data_docs" / "index.html"
    # a line per step, with its timing
    steps = [line for line in gate["lines"] if re.match(r"^\[\d/8\] ", line)]
    assert [s.split(" ", 1)[1] for s in steps] == [
        "check landing files ...",
        "dbt build (full: the published warehouse has no build state): models, data tests, unit tests ...",
        "carry validation history ...",
        "Great Expectations checkpoints ...", "record the validation status in the reporting marts ...",
        "dbt docs (lineage, model and column documentation) ...", "publish ...",
        "Tableau extracts and the Monthly Quality Report ..."]
    assert sum(bool(re.search(r"\(\d+\.\ds\)$", line)) for line in gate["lines"]) >= 8
    # the artefacts people open, written beside the publication
    assert outcome.dbt_docs == published.parent / "dbt_docs" / "index.html" and outcome.dbt_docs.exists()
    # dbt docs show what was built: every model with the SQL the build ran, and the catalog
    manifest, catalog = dbt_docs_data(outcome.dbt_docs)
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert len(models) > 100 and all(n.get("compiled_code") for n in models.values())
    assert '"marts"."mart_quality_daily"' in manifest["nodes"]["model.tsqa.mart_quality_monthly"]["compiled_code"]
    assert "model.tsqa.fct_qa_audits" in catalog["nodes"]
    extracts = {p.name for p in outcome.extracts}
    assert {"fct_qa_audits.hyper", "mart_quality_monthly.hyper"} <= extracts
    assert all(p.exists() and p.parent == published.parent / "extracts" for p in outcome.extracts)
    assert outcome.report_page is not None and outcome.report_page.exists()
    # the report links the offline validation review of this run
    review = published.parent / "data_docs" / "review.html"
    assert 'href="../data_docs/review.html"' in outcome.report_page.read_text(encoding="utf-8")
    assert 'data-status="passed"' in review.read_text(encoding="utf-8")
    # no lock file left beside the warehouse
    assert not list(published.parent.glob("*.lock"))


def test_dbt_step_reports_its_node_count_as_it_goes(gate: dict) -> None:
    lines: list[str] = gate["lines"]
    start = next(i for i, line in enumerate(lines) if line.startswith("[2/8] dbt build"))
    end = next(i for i, line in enumerate(lines) if line.startswith("[3/8] "))
    counts = [re.fullmatch(r" +dbt: (\d+) of (\d+) nodes done(?:, \d+ failed)? \(\d+s\)", line)
              for line in lines[start:end] if "nodes done" in line]
    assert counts and all(counts)
    done = [int(m.group(1)) for m in counts if m]
    numbered = [int(m.group(2)) for m in counts if m]
    summary = re.search(r"TOTAL=(\d+)", lines[end - 1])
    # every finished node counted once, hooks included, as dbt's own TOTAL; dbt numbers
    # its nodes out of a count that can be larger (it counts unit tests twice)
    assert summary and done == list(range(1, int(summary.group(1)) + 1))
    assert numbered == sorted(numbered) and numbered[-1] >= done[-1]
    # dbt's colour codes never reach a captured log
    assert not any("\x1b[" in line for line in lines)


def test_progress_reads_dbt_lines() -> None:
    progress = dbt.DbtProgress()
    assert progress.line(3) == "      dbt: parsing the project (3s)"
    assert progress.read("12:00:01  Found 97 models, 391 data tests, 8 seeds") is True
    assert progress.read("12:00:02  1 of 528 START sql view model staging.x ........ [RUN]") is False
    assert progress.read("12:00:02  2 of 528 OK created sql view model staging.y ... [OK in 0.1s]") is True
    assert progress.read("12:00:03  1 of 528 FAIL 2 not_null_x ..................... [FAIL 2 in 0.1s]") is True
    assert progress.line(12.4) == "      dbt: 2 of 528 nodes done, 1 failed (12s)"


def test_quarantine_summary_rows_add_up(gate: dict) -> None:
    counts = publish.quarantine_summary(gate["published"])
    lines = publish.quarantine_lines(counts)
    assert lines[1].split() == ["entity", "raw", "current", "superseded", "quarantined", "duplicates"]
    assert {c.entity for c in counts} >= {"moderation_decisions", "qa_audits", "moderators"}
    for line in lines[2:2 + len(counts)]:
        raw, *parts = (int(x.replace(",", "")) for x in line.split()[1:])
        assert raw == sum(parts), line
    # nothing quarantined here: no pointer at empty tables
    assert sum(c.quarantined for c in counts) == 0
    assert lines[-1] == "  no row was quarantined; per file: quarantine.reconciliation"
    held = publish.quarantine_lines([publish.QuarantineCounts("qa_audits", 5, 3, 1, 1, 0),
                                     publish.QuarantineCounts("moderators", 2, 2, 0, 0, 0)])
    assert "quarantine.qa_audits" in held[-1] and "quarantine.moderators" not in held[-1]


def test_one_build_per_warehouse_folder_and_no_lock_file(tmp_path: Path) -> None:
    working = tmp_path / "warehouse" / "tsqa.building.duckdb"
    with publish._build_lock(working):
        with pytest.raises(publish.GateError, match="another build in"):
            with publish._build_lock(working.with_name("other.building.duckdb")):
                pass
    with publish._build_lock(working):  # released: the next build may start
        pass
    assert list(working.parent.iterdir()) == []


def copy_of_the_publication(gate: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The gate's publication copied into this test's warehouse folder, its settings in
    the environment; returns (published, working) paths."""
    env = environment(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    published, working = Path(env["TSQA_DUCKDB_PATH"]), settings.load(env).working_path
    published.parent.mkdir(parents=True)
    shutil.copyfile(gate["published"], published)
    return published, working


def test_failed_validation_is_not_published(gate: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    published, working = copy_of_the_publication(gate, tmp_path, monkeypatch)
    shutil.copyfile(gate["published"], working)
    before = digest(published)
    # a working warehouse gone wrong: audits vanished, a personal column appeared (its
    # marker counted as the last gated build's, to reach the validation's verdict)
    with duckdb.connect(str(working)) as con:
        con.execute("delete from marts.fct_qa_audits")
        con.execute("alter table marts.dim_vendors add column contact_email varchar")
        nonce_sha256 = con.execute(f"select build_nonce_sha256 from {publish.MARKER_TABLE}").fetchone()[0]
    publish.run_file(working).write_text(nonce_sha256)

    manifest = gate["root"] / "target" / "manifest.json"
    assert cli.main(["validate", "--manifest", str(manifest)]) == 1
    out = capsys.readouterr().out
    assert "FAILED: marts / marts__fct_qa_audits: row count fell more than 25% since the last published run " \
           "(2 rows then, at least 1 expected)" in out
    assert "FAILED: privacy / privacy__dim_vendors: no column named like personal data" in out
    assert f"Data Docs: {published.parent / 'data_docs' / 'index.html'}" in out

    assert cli.main(["publish"]) == 1
    assert "failed; nothing was published" in capsys.readouterr().err
    assert digest(published) == before
    with duckdb.connect(str(working), read_only=True) as con:
        failures = con.execute("select suite, expectation, severity from marts.validation_failures "
                               "order by suite").fetchall()
    assert ("marts__fct_qa_audits", "expect_table_row_count_to_be_between", "error") in failures
    assert ("privacy__dim_vendors", "unexpected_rows_expectation", "error") in failures


def test_unreadable_landing_file_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    env = environment(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    landing = minimal_landing(tmp_path)
    (landing.root / "qa_audits" / "qa_audits_2026-10-03.csv").mkdir()
    published = Path(env["TSQA_DUCKDB_PATH"])
    previous_publication(published)
    before = digest(published)

    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert "BUILD STOPPED at step 'landing'" in err
    assert f"{landing.root}/qa_audits/qa_audits_2026-10-03.csv: is a folder (entity folders hold files only)" in err
    assert f"Fix: replace the file with a readable drop, or move it out of {landing.root}/<entity>/" in err
    assert digest(published) == before
    assert not settings.load(env).working_path.exists()


def test_next_build_is_incremental_unless_a_landed_file_changed(gate: dict, tmp_path: Path) -> None:
    """After a publication, a new drop is built incrementally from a copy of the
    published file; a landed file that changed since (or a --full-refresh) means a
    full rebuild, and the step says why."""
    shutil.copytree(gate["root"] / "raw", tmp_path / "raw", copy_function=shutil.copy2)
    env = environment(tmp_path)
    cfg = settings.load(env)
    published = Path(env["TSQA_DUCKDB_PATH"])
    published.parent.mkdir(parents=True)
    shutil.copyfile(gate["published"], published)
    landing = Landing(tmp_path / "raw")

    def gated_build() -> str:
        lines: list[str] = []
        publish.build(cfg, target_path=tmp_path / "target", say=lines.append)
        return next(line for line in lines if "] dbt build (" in line)

    assert publish.plan_build(cfg, published) == publish.BuildPlan(True, "0 new landing file(s)")
    d3 = {**D1, "decision_id": "D3", "content_id": "C3"}
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-05", [d3])
    landing.drop("qa_audits", "qa_audits_2026-10-06", [{**AUDITS[0], "audit_id": "A3", "decision_id": "D3"}])
    # the published build passed the unit tests on this code: the incremental build leaves
    # them out (they read no warehouse data), its marker says so, and it is published
    assert "dbt build (incremental: 2 new landing file(s)): models, data tests, unit tests passed on this " \
           "code by the published build" in gated_build()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_qa_audits").fetchone()[0] == 3
        assert con.execute("select count(*) from landing.landing__moderation_decisions").fetchone()[0] == 3
    assert not publish.build_marker(published).unit_tests_ran
    assert publish.read_unit_tested(published) == publish.unit_test_fingerprint(cfg)

    # the same bytes written again (a re-generated folder), or the folder copied byte for
    # byte elsewhere: the content is what was loaded, so no rebuild
    for path in sorted((tmp_path / "raw").rglob("*.csv")):
        path.write_bytes(path.read_bytes())
    assert publish.plan_build(cfg, published) == publish.BuildPlan(True, "0 new landing file(s)")
    shutil.copytree(tmp_path / "raw", tmp_path / "copy")
    assert publish.plan_build(dataclasses.replace(cfg, raw_dir=tmp_path / "copy"), published) == \
        publish.BuildPlan(True, "0 new landing file(s)")

    # a landed file re-sent under the same name: its old rows are in the warehouse
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-05", [{**d3, "action": "approve",
                                                                             "policy_code": None}])
    assert publish.plan_build(cfg, published) == publish.BuildPlan(
        False, "1 landed file(s) changed since they were loaded, e.g. "
               "moderation_decisions/moderation_decisions_2026-10-05.csv")
    assert "dbt build (full: 1 landed file(s) changed since they were loaded" in gated_build()
    assert publish.build_marker(published).unit_tests_ran   # a full build runs them
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select action from marts.fct_moderation_decisions where decision_id = 'D3'"
                           ).fetchone()[0] == "approve"
        assert con.execute("select count(*) from landing.landing__moderation_decisions").fetchone()[0] == 3
    assert publish.plan_build(cfg, published, full_refresh=True) == publish.BuildPlan(False, "full refresh asked for")


def test_a_build_without_its_unit_tests_is_published_only_on_a_recorded_pass(gate: dict, tmp_path: Path) -> None:
    """A gated incremental build may leave the dbt unit tests out (they read no warehouse
    data) only because the builds it continues passed them on the same code and
    toolchain: a marker saying they did not run is accepted only when the file's build
    state records a pass on the fingerprint of the code now (issue 18)."""
    copy = tmp_path / "w" / "tsqa.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(gate["published"], copy)
    marker = publish.build_marker(copy)
    assert marker is not None and marker.unit_tests_ran and marker.nonce_sha256
    now = publish.unit_test_fingerprint(gate["cfg"])
    docs = tmp_path / "docs.html"
    run_id = publish.check_publishable(copy, marker.nonce_sha256, docs, now)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"update {publish.MARKER_TABLE} set unit_tests_ran = false")
    assert publish.check_publishable(copy, marker.nonce_sha256, docs, now) == run_id   # the state records a pass
    for recorded in (None, "0" * 64):
        with duckdb.connect(str(copy)) as con:
            con.execute(f"update {publish.STATE_TABLE} set unit_tested_fingerprint = ?", [recorded])
        with pytest.raises(publish.GateError, match="left out the unit tests, and no build on this code"):
            publish.check_publishable(copy, marker.nonce_sha256, docs, now)
    # the gate fixture's build ran them, so its own record stands for any state
    with duckdb.connect(str(copy)) as con:
        con.execute(f"update {publish.MARKER_TABLE} set unit_tests_ran = true")
    assert publish.check_publishable(copy, marker.nonce_sha256, docs, now) == run_id


# ---------------------------------------------------------------------------
# Issue 12: no one re-identified, nothing published that failed
# ---------------------------------------------------------------------------

#: Every unkeyed function the warehouse's code applies (or once applied) to an
#: identifier, and the keyed hash under the public development key.
UNKEYED = ["md5(c)", "sha256(c)", "sha1(c)", "cast(hash(c) as varchar)", "cast(md5_number(c) as varchar)",
           "cast(md5_number_lower(c) as varchar)", "cast(md5_number_upper(c) as varchar)",
           f"left(sha256('{settings.DEV_PII_SALT}' || '|' || c), 32)",
           f"sha256('{settings.DEV_PII_SALT}' || '|' || c)"]
DECISION_COLUMNS = ["decision_id", "content_id", "user_id", "queue_code", "moderator_id", "action", "policy_code",
                    "content_type", "market", "decided_at", "handle_time_s"]


def test_no_user_key_can_be_re_identified_with_a_candidate_list(gate: dict) -> None:
    """With a non-default key: hash every candidate account id (the true ones among
    300) with every unkeyed function, and the row fingerprint the way it was once
    computed (md5 of the raw columns, user_id included), and find no match in any
    column of any schema, any file under the warehouse folder or any target/ artefact;
    the key itself is written nowhere."""
    published: Path = gate["published"]
    candidates = [f"U{i}" for i in range(1, 301)]
    with duckdb.connect(str(published), read_only=True) as con:
        derived = {str(value).lower() for row in con.execute(
            f"select {', '.join(UNKEYED)} from unnest(?) as t(c)", [candidates]).fetchall() for value in row}
        derived |= {str(row[0]) for row in con.execute(
            "select cast(md5_number(concat_ws(chr(31), " + ", ".join(
                "coalesce(t.c, chr(0))" if c == "user_id" else f"coalesce(l.{c}, chr(0))" for c in DECISION_COLUMNS)
            + ")) as varchar) from landing.landing__moderation_decisions as l, unnest(?) as t(c)",
            [candidates]).fetchall()}
        assert len(derived) > 3000
        stored: set[str] = set()
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where table_catalog = current_database()").fetchall()
        for schema, table, column in columns:
            stored |= {str(r[0]).lower() for r in con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}" '
                f'where "{column}" is not null').fetchall()}
        assert con.execute("select count(distinct user_key) from marts.fct_moderation_decisions").fetchone()[0] == 2
    assert len(columns) > 500 and not derived & stored
    token = re.compile(rb"[0-9a-fA-F]{16,64}|[0-9]{12,40}")
    files = [p for folder in (published.parent, gate["root"] / "target") for p in folder.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        content = path.read_bytes()
        assert b"test-salt" not in content, path
        found = {t.decode().lower() for t in token.findall(content)}
        assert not found & derived, path


def test_build_state_is_no_oracle_for_the_key(gate: dict) -> None:
    """The project fingerprint does not depend on the key; what tells a later build
    that the key changed is a salted scrypt verifier, not a plain hash of the key."""
    cfg: settings.Settings = gate["cfg"]
    published: Path = gate["published"]
    other = dataclasses.replace(cfg, pii_salt="another key")
    assert publish.project_fingerprint(cfg) == publish.project_fingerprint(other)
    state = publish.read_build_state(published)
    assert state is not None and state[0] == publish.project_fingerprint(other)
    assert publish.key_unchanged(published, cfg.pii_salt) and not publish.key_unchanged(published, "another key")
    assert publish.plan_build(other, published).reason == "TSQA_PII_SALT changed since the last build"
    with duckdb.connect(str(published), read_only=True) as con:
        nonce, verifier = con.execute(f"select nonce, verifier from {publish.KEY_TABLE}").fetchone()
    plain = {hashlib.new(f, (prefix + cfg.pii_salt).encode()).hexdigest()
             for f in ("md5", "sha1", "sha256") for prefix in ("", "salt\0")}
    assert verifier not in plain and len(bytes.fromhex(nonce)) == 16


def test_build_refuses_the_public_default_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    env = environment(tmp_path)
    minimal_landing(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for key in (None, settings.DEV_PII_SALT):
        if key is None:
            monkeypatch.delenv("TSQA_PII_SALT")
        else:
            monkeypatch.setenv("TSQA_PII_SALT", key)
        assert cli.main(["build"]) == 1
        err = capsys.readouterr().err
        assert "BUILD STOPPED at step 'key'" in err and "export TSQA_PII_SALT=" in err
        assert "Only `tsqa demo` (sample data) builds with the development key" in err
    assert not Path(env["TSQA_DUCKDB_PATH"]).exists() and not settings.load(env).working_path.exists()


def test_missing_or_empty_landing_root_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    env = environment(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    typo = tmp_path / "rwa"
    monkeypatch.setenv("TSQA_RAW_DIR", str(typo))
    assert cli.main(["build"]) == 1
    assert f"{typo}: the landing root does not exist (is TSQA_RAW_DIR right?)" in capsys.readouterr().err
    typo.mkdir()
    assert cli.main(["build"]) == 1
    assert f"{typo}: the landing root is empty (is TSQA_RAW_DIR right?)" in capsys.readouterr().err
    assert not Path(env["TSQA_DUCKDB_PATH"]).exists()


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
"""


def _hold_for_writing(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_read_write_connection_on_the_published_file_is_found_at_step_1(gate: dict, tmp_path: Path) -> None:
    shutil.copytree(gate["root"] / "raw", tmp_path / "raw")
    env = environment(tmp_path)
    published = Path(env["TSQA_DUCKDB_PATH"])
    published.parent.mkdir(parents=True)
    shutil.copyfile(gate["published"], published)
    before = digest(published)
    holder = _hold_for_writing(published)
    lines: list[str] = []
    try:
        with pytest.raises(publish.GateError) as stopped:
            publish.build(settings.load(env), target_path=tmp_path / "target", say=lines.append)
    finally:
        holder.communicate("\n", timeout=60)
    assert stopped.value.stage == "landing"
    assert f"the published warehouse {published} is held open for writing by another process" in str(stopped.value)
    assert "duckdb.connect(path, read_only=True)" in str(stopped.value)
    assert not any("] dbt build" in line for line in lines)
    assert digest(published) == before


def test_publish_only_a_working_file_whose_own_build_and_validation_passed(
        gate: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An incremental build that fails in dbt leaves a working file that started as a
    copy of the published one (whose validation history says "passed"): `tsqa publish`
    refuses it. It takes the build lock, and says why instead of a traceback when dbt
    holds the file or the folder is read-only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(gate["root"] / "raw", tmp_path / "raw", copy_function=shutil.copy2)
    published, working = copy_of_the_publication(gate, tmp_path, monkeypatch)
    before = digest(published)
    # a new drop dbt cannot land (a LIST column): the incremental build fails in dbt
    columns = {c: [str(D1[c]) if D1[c] is not None else None] for c in DECISION_COLUMNS}
    pq.write_table(pa.table({**columns, "user_id": [["U1"]]}),
                   tmp_path / "raw" / "moderation_decisions" / "moderation_decisions_2026-10-09.parquet")
    assert cli.main(["build"]) == 1
    assert "BUILD STOPPED at step 'dbt'" in capsys.readouterr().err
    assert working.exists()

    assert cli.main(["publish"]) == 1
    err = capsys.readouterr().err
    assert "failed or did not finish" in err and "nothing was published" in err
    assert digest(published) == before

    # the same file, as if its build had passed but not been validated since
    with duckdb.connect(str(working)) as con:
        con.execute(f"update {publish.MARKER_TABLE} set build_passed = true")
    assert cli.main(["publish"]) == 1
    assert "has not been validated since it was built" in capsys.readouterr().err

    # another build holds the lock
    with publish._build_lock(working):
        assert cli.main(["publish"]) == 1
        assert "another build in" in capsys.readouterr().err
    # dbt (or anyone) holds the working file for writing
    holder = _hold_for_writing(working)
    try:
        assert cli.main(["publish"]) == 1
        assert "another process (a dbt build?) holds it" in capsys.readouterr().err
    finally:
        holder.communicate("\n", timeout=60)
    # the folder is read-only (immutable: root ignores permission bits)
    with duckdb.connect(str(working)) as con:
        con.execute(f"update {publish.MARKER_TABLE} set validation_run_id = "
                    "(select max(run_id) from marts.validation_runs), validation_passed = true")
    # never a publication under the public development key, nor under another key than
    # the one the working file was built with (a plain `dbt build` falls back to the
    # development key without a word)
    monkeypatch.delenv("TSQA_PII_SALT")
    assert cli.main(["publish"]) == 1
    assert "TSQA_PII_SALT is not set" in capsys.readouterr().err
    monkeypatch.setenv("TSQA_PII_SALT", "another key")
    assert cli.main(["publish"]) == 1
    assert "was not built by `tsqa build` with the key now in TSQA_PII_SALT" in capsys.readouterr().err
    monkeypatch.setenv("TSQA_PII_SALT", environment(tmp_path)["TSQA_PII_SALT"])
    assert digest(published) == before
    subprocess.run(["chattr", "+i", str(published.parent)], check=True)
    try:
        assert cli.main(["publish"]) == 1
        err = capsys.readouterr().err
        assert "nothing was published" in err and "Traceback" not in err
    finally:
        subprocess.run(["chattr", "-i", str(published.parent)], check=True)
    assert digest(published) == before


def test_landing_files_are_hashed_by_content_and_rehashed_only_when_written(tmp_path: Path) -> None:
    landing = Landing(tmp_path / "raw")
    path = landing.raw("qa_audits", "qa_audits_2026-10-01.csv", b"audit_id\nA1\n")
    key = "a test key"

    def keyed(content: bytes) -> str:
        return hmac.new(key.encode(), content, hashlib.sha256).hexdigest()

    first = publish.landing_files(landing.root, key)
    assert first == {"qa_audits/qa_audits_2026-10-01.csv": {
        "hmac_sha256": keyed(b"audit_id\nA1\n"), "stat": first[next(iter(first))]["stat"]}}
    # keyed: a plain hash of a landing file is an unkeyed hash of the ids in it
    assert hashlib.sha256(b"audit_id\nA1\n").hexdigest() not in json.dumps(first)
    # an unchanged file keeps the recorded hash without being read (a planted hash shows it)
    planted = {name: {**record, "hmac_sha256": "recorded"} for name, record in first.items()}
    assert next(iter(publish.landing_files(landing.root, key, known=planted).values()))["hmac_sha256"] == "recorded"
    # same size, modification time set back: the write changed ctime, so it is read again
    stat = path.stat()
    path.write_bytes(b"audit_id\nA2\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = publish.landing_files(landing.root, key, known=planted)
    assert next(iter(again.values()))["hmac_sha256"] == keyed(b"audit_id\nA2\n")
    assert not publish.same_content(first["qa_audits/qa_audits_2026-10-01.csv"],
                                    again["qa_audits/qa_audits_2026-10-01.csv"])
    # the same bytes in another file (a copy, a re-generated drop) are the same content
    name = "qa_audits/qa_audits_2026-10-01.csv"
    assert publish.same_content(first[name], {"hmac_sha256": first[name]["hmac_sha256"], "stat": [0, 0, 0, 0]})
    # an older build state (unkeyed hash, or [size, mtime_ns]) counts as changed
    assert not publish.same_content({"sha256": "x", "stat": stat}, again[name])
    assert not publish.same_content([stat.st_size, stat.st_mtime_ns], again[name])
    # a symbolic link the ignore list lets stay is neither read nor recorded
    outside = tmp_path / "secret.csv"
    outside.write_bytes(b"DB_PASSWORD=x\n")
    (landing.root / "qa_audits" / "link.csv").symlink_to(outside)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TSQA_LANDING_IGNORE", "qa_audits/link.csv")
        assert set(publish.landing_files(landing.root, key)) == {name}


# ---------------------------------------------------------------------------
# The build marker belongs to one gated build; the build state to what dbt landed
# ---------------------------------------------------------------------------


def test_a_dbt_command_run_on_the_working_file_after_validation_unpublishes_it(
        gate: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A gated build whose working file passed dbt and validation, and on which a plain
    `dbt run` is run before the publish (by hand, with the environment that once let the
    gate's own later steps keep the marker: TSQA_GATE_STEP=after_validation, and the only
    trace of the run nonce on disk as TSQA_BUILD_NONCE): the build stops at 'publish',
    and so does `tsqa publish`. The run nonce itself is written nowhere."""
    shutil.copytree(gate["root"] / "raw", tmp_path / "raw", copy_function=shutil.copy2)
    published, working = copy_of_the_publication(gate, tmp_path, monkeypatch)
    before = digest(published)
    cfg = settings.load(environment(tmp_path))
    nonces: list[str] = []
    real_nonce, real_dbt = publish.new_run_nonce, publish.run_dbt

    def recorded_nonce() -> str:
        nonces.append(real_nonce())
        return nonces[-1]

    def dbt_then_a_hand_command(args: list[str], **kwargs: object) -> object:
        result = real_dbt(args, **kwargs)
        if args[0] == "docs":   # after validation, before the publish
            hand = {**environment(tmp_path), "TSQA_DUCKDB_PATH": str(working),
                    "TSQA_GATE_STEP": "after_validation",
                    "TSQA_BUILD_NONCE": publish.run_file(working).read_text().strip()}
            real_dbt(["run", "--select", "landing__moderators"], env=hand, target_path=tmp_path / "hand",
                     capture=True)
        return result

    monkeypatch.setattr(publish, "new_run_nonce", recorded_nonce)
    monkeypatch.setattr(publish, "run_dbt", dbt_then_a_hand_command)
    with pytest.raises(publish.GateError) as stopped:
        publish.build(cfg, target_path=tmp_path / "target", say=lambda line: None)
    assert stopped.value.stage == "publish"
    assert "does not carry that build's run nonce (a dbt command was run on the file since" in str(stopped.value)
    assert digest(published) == before and working.exists()
    # the marker holds the SHA-256 of a nonce, never the nonce
    (nonce,) = nonces
    assert publish.run_file(working).read_text().strip() == publish.nonce_digest(nonce)
    with duckdb.connect(str(working), read_only=True) as con:
        assert con.execute(f"select build_nonce_sha256 from {publish.MARKER_TABLE}").fetchall() == [
            (hashlib.sha256(publish.run_file(working).read_text().strip().encode()).hexdigest(),)]
    assert cli.main(["publish"]) == 1
    assert "does not carry that build's run nonce" in capsys.readouterr().err
    assert digest(published) == before
    files = [p for folder in (published.parent, tmp_path / "target", tmp_path / "hand") for p in folder.rglob("*")
             if p.is_file()]
    assert len(files) > 20 and not any(nonce.encode() in p.read_bytes() for p in files)


def test_a_file_arriving_while_dbt_runs_stops_the_build(gate: dict, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The build state is what dbt landed: a file that arrives after the landing folder
    was hashed but before dbt lists it is landed, so the build stops naming it instead
    of recording a state without it (the next build would take it for new and never
    read it again)."""
    shutil.copytree(gate["root"] / "raw", tmp_path / "raw", copy_function=shutil.copy2)
    published, _ = copy_of_the_publication(gate, tmp_path, monkeypatch)
    before = digest(published)
    cfg = settings.load(environment(tmp_path))
    landing = Landing(tmp_path / "raw")
    real_dbt = publish.run_dbt

    def arrival_then_dbt(args: list[str], **kwargs: object) -> object:
        if args[0] == "build":
            landing.drop("moderation_decisions", "moderation_decisions_2026-10-07",
                         [{**D1, "decision_id": "D7", "content_id": "C7"}])
        return real_dbt(args, **kwargs)

    monkeypatch.setattr(publish, "run_dbt", arrival_then_dbt)
    with pytest.raises(publish.GateError) as stopped:
        publish.build(cfg, target_path=tmp_path / "target", say=lambda line: None)
    assert stopped.value.stage == "landing"
    assert "the landing folder changed while dbt built the working file" in str(stopped.value)
    assert "moderation_decisions/moderation_decisions_2026-10-07.csv: arrived while dbt ran" in str(stopped.value)
    assert digest(published) == before
    # the refused file can never be published: its marker and run nonce went with the
    # refusal (else `tsqa validate` then `tsqa publish` would find a passed build of it)
    assert publish.build_marker(cfg.working_path) is None
    assert publish.read_run_file(cfg.working_path) is None
    assert cli.main(["publish"]) == 1
    assert digest(published) == before
    # it was landed indeed; the next build lands the folder as it is then
    assert "moderation_decisions/moderation_decisions_2026-10-07.csv" in publish.landed_names(cfg.working_path)


def test_landing_changes_name_what_arrived_changed_and_went() -> None:
    def record(hmac_sha256: str, stat: list[int]) -> dict:
        return {"hmac_sha256": hmac_sha256, "stat": stat}

    before = {"a/1.csv": record("h1", [1, 1, 1, 1]), "a/2.csv": record("h2", [2, 2, 2, 2]),
              "a/3.csv": record("h3", [3, 3, 3, 3])}
    after = {"a/1.csv": record("h1", [1, 1, 1, 1]), "a/2.csv": record("h2", [2, 2, 9, 2]),
             "a/4.csv": record("h4", [4, 4, 4, 4])}
    assert publish.landing_changes(before, after, {"a/1.csv", "a/5.csv"}) == [
        "a/4.csv: arrived while dbt ran", "a/3.csv: disappeared while dbt ran",
        "a/2.csv: was written or replaced while dbt ran",
        "a/5.csv: was landed by dbt but is not in the folder now (it came and went while dbt ran)"]
    assert publish.landing_changes(before, dict(before), {"a/1.csv"}) == []


def test_a_file_swapped_while_step_1_hashes_it_is_a_gate_message(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the listing and the keyed hash of step 1 a file is replaced by a symbolic
    link to a file outside the landing folder: the build stops with a gate message naming
    the file (the link is never followed), not a traceback."""
    folder = tmp_path / "raw" / "policy_changes"
    folder.mkdir(parents=True)
    landed = folder / "policy_changes_2026-10-01.csv"
    landed.write_text("policy_code,version,effective_at,change_type,summary\nP1,1,2026-10-01T00:00:00Z,new,a\n")
    real_listing = publish.list_landing

    def listing_then_swap(root: Path) -> object:
        found = real_listing(root)
        outside = tmp_path / "secret.csv"
        outside.write_text("policy_code,version,effective_at,change_type,summary\nP1,2,2026-10-02T00:00:00Z,new,b\n")
        link = tmp_path / "link.csv"
        link.symlink_to(outside)
        os.replace(link, landed)
        return found

    monkeypatch.setattr(publish, "list_landing", listing_then_swap)
    with pytest.raises(publish.GateError) as stopped:
        publish.landing_files(tmp_path / "raw", "k" * 32)
    assert stopped.value.stage == "landing"
    assert "policy_changes/policy_changes_2026-10-01.csv" in str(stopped.value)
    assert "is a symbolic link" in str(stopped.value)
    assert "The landing folder changed while the build read it" in str(stopped.value)
