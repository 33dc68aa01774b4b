"""Benchmark: how long a build takes and how much memory it needs, at several scales.

    uv run python -m tsqa.bench --scales 50 500 --runs 3

For each scale it generates the sample landing folder once (seed 7), holds the last
day's drop back, and measures, each step `--runs` times in a fresh child process:

- ingest floor: DuckDB reading every landing file once (the least any build must do),
  the baseline of the same run;
- full build: `dbt build --full-refresh` (models and every test) into a new warehouse;
- GX gate: the Great Expectations checkpoints alone (`tsqa validate`), on that warehouse;
- incremental build: the held-back daily drop lands, then `dbt build` again on the same
  warehouse (incremental models: only what the drop changes is re-decided), as the
  gated incremental build runs it after a published build passed the unit tests on the
  same code: without them (``tsqa.publish.dbt_build_args``);
- gated build: `tsqa build --full-refresh` (dbt build, GX, dbt docs, atomic publish,
  Tableau extracts, report page) from nothing;
- gated incremental build: the drop lands, then `tsqa build` (it starts from a copy of
  the published warehouse);
- pandas baseline: the notebook an analyst could write instead (``pandas_baseline``
  below: fct_qa_audits, mart_quality_monthly and mart_calibration_sessions in plain
  pandas from the same landing files), the yardstick of the full build (issue 18).

With ``--spark-scale S`` it also builds the whole project (every seed, model, data
test and unit test; no hold-back) at scale S on both engines, `--runs` times each,
alternating: `dbt build --full-refresh` on DuckDB into a new warehouse, and `tsqa
spark-build` on a local Spark session (Java 17) with a new metastore and warehouse, the
Spark row beside the DuckDB row of the same landing folder (issue 17). ``--scales``
with no value runs only that comparison; each part of BENCHMARKS.md is kept when its
part is not run.

It reports medians (seconds, rows/s, peak resident memory of the step's process tree,
warehouse size), the ratios the targets are stated in, and the ten slowest models of
the last full build, as a table on stdout and in BENCHMARKS.md. No test asserts any of
these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tsqa.publish import LANDING_ENTITIES
from tsqa.settings import PROJECT_DIR

# A child that runs one step and reports the peak RSS of everything it started.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "scale = 1 if sys.platform == 'darwin' else 1024\n"
    "print(f'TSQA_PEAK_BYTES={peak * scale}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class Step:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_mb(self) -> float:
        return statistics.median(self.peak_mb)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measure(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run a command in a measuring child; return (seconds, peak MB). Output goes to log."""
    started = time.perf_counter()
    with log.open("a") as handle:
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command],
            cwd=PROJECT_DIR, env={**os.environ, **env}, stdout=handle, stderr=subprocess.PIPE, text=True,
        )
    seconds = time.perf_counter() - started
    peak = 0.0
    for line in result.stderr.splitlines():
        if line.startswith("TSQA_PEAK_BYTES="):
            peak = int(line.split("=", 1)[1]) / 1e6
        else:
            with log.open("a") as handle:
                handle.write(line + "\n")
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command[:3])} failed (exit {result.returncode}); see {log}")
    return seconds, peak


def count_rows(raw_dir: Path) -> int:
    import duckdb

    total = 0
    with duckdb.connect() as con:
        for entity in LANDING_ENTITIES:
            folder = raw_dir / entity
            for path in sorted(folder.glob("*.csv")):
                total += con.execute(
                    "select count(*) from read_csv(?, header = true, all_varchar = true)", [str(path)]
                ).fetchone()[0]
            parquet = sorted(str(p) for p in folder.glob("*.parquet"))
            if parquet:
                total += con.execute("select count(*) from read_parquet(?)", [parquet]).fetchone()[0]
    return total


INGEST_FLOOR = """
import sys, duckdb
from pathlib import Path
raw = Path(sys.argv[1])
con = duckdb.connect()
con.execute("set threads = 2")
for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
    csv = sorted(str(p) for p in folder.glob('*.csv'))
    parquet = sorted(str(p) for p in folder.glob('*.parquet'))
    if csv:
        con.execute("create or replace temp table t as select * from read_csv(?, header = true, all_varchar = true, union_by_name = true)", [csv])
    if parquet:
        con.execute("create or replace temp table p as select * from read_parquet(?, union_by_name = true)", [parquet])
"""


def hold_back_last_day(full: Path, base: Path, extra: Path) -> str:
    """Copy the landing folder to `base` without the last day's drops, which go to `extra`."""
    days = sorted({p.stem.split("_")[-1] for p in (full / "moderation_decisions").glob("*.*")})
    last = days[-1]
    for folder in (base, extra):
        if folder.exists():
            shutil.rmtree(folder)
    for entity_dir in sorted(p for p in full.iterdir() if p.is_dir()):
        for path in sorted(entity_dir.iterdir()):
            target = extra if last in path.stem else base
            (target / entity_dir.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / entity_dir.name / path.name)
    return last


def slowest_models(target: Path, count: int = 10) -> list[tuple[str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    timed = [(r["unique_id"].split(".")[-1], float(r.get("execution_time") or 0)) for r in results
             if r["unique_id"].startswith("model.")]
    return sorted(timed, key=lambda item: -item[1])[:count]


#: BENCHMARKS.md from this heading on is written by hand and kept when the tables are
#: regenerated.
ANALYSIS_HEADING = "## Reading these numbers"

STEPS = ("ingest floor", "pandas baseline", "full build", "GX gate", "incremental build", "gated build",
         "gated incremental build")

#: The child that times the notebook baseline: the three marts, computed and discarded.
PANDAS_BASELINE = "import sys; from pathlib import Path; from tsqa.bench import pandas_baseline; " \
    "pandas_baseline(Path(sys.argv[1]))"


def land(extra: Path, raw: Path) -> list[Path]:
    """Copy the held-back drop into the landing folder (mtimes kept); return the copies."""
    copied = []
    for entity_dir in sorted(p for p in extra.iterdir() if p.is_dir()):
        for path in sorted(entity_dir.iterdir()):
            (raw / entity_dir.name).mkdir(parents=True, exist_ok=True)
            copied.append(Path(shutil.copy2(path, raw / entity_dir.name / path.name)))
    return copied


def bench_scale(scale: float, runs: int, workdir: Path, steps_wanted: tuple[str, ...] = STEPS) -> dict[str, object]:
    from tsqa.generate import generate

    root = workdir / f"scale{scale:g}"
    full_raw = root / "raw_full"
    if not (full_raw / "moderation_decisions").exists():
        _log(f"scale {scale:g}: generating sample data (seed 7)")
        started = time.perf_counter()
        generate(full_raw, scale=scale, seed=7, progress=True)
        _log(f"scale {scale:g}: generated in {time.perf_counter() - started:.1f} s")
    base_raw, extra_raw = root / "raw_base", root / "raw_extra"
    last_day = hold_back_last_day(full_raw, base_raw, extra_raw)
    rows = count_rows(base_raw)
    extra_rows = count_rows(extra_raw)
    log = root / "bench.log"
    warehouse = root / "warehouse" / "tsqa.duckdb"
    target = root / "target"
    dbt = [str(Path(sys.executable).with_name("dbt")), "build", "--target-path", str(target)]
    env = {"TSQA_RAW_DIR": str(base_raw), "TSQA_DUCKDB_PATH": str(warehouse), "DBT_LOG_PATH": str(root / "logs")}
    # the gated build refuses the public development key
    gate_env = {**env, "TSQA_DUCKDB_PATH": str(root / "published" / "tsqa.duckdb"),
                "TSQA_PII_SALT": os.environ.get("TSQA_PII_SALT") or "bench-" + os.urandom(16).hex()}
    steps = {name: Step(name) for name in STEPS}
    sizes: list[float] = []

    def record(name: str, command: list[str], step_env: dict[str, str]) -> None:
        seconds, peak = measure(command, step_env, log)
        steps[name].seconds.append(seconds)
        steps[name].peak_mb.append(peak)
        _log(f"scale {scale:g}: {name}: {seconds:.1f} s, peak {peak:,.0f} MB")

    for run in range(1, runs + 1):
        _log(f"scale {scale:g}: run {run}/{runs}")
        if "ingest floor" in steps_wanted:
            record("ingest floor", [sys.executable, "-c", INGEST_FLOOR, str(base_raw)], {})
        if "pandas baseline" in steps_wanted:
            record("pandas baseline", [sys.executable, "-c", PANDAS_BASELINE, str(base_raw)], {})

        shutil.rmtree(warehouse.parent, ignore_errors=True)
        record("full build", [*dbt, "--full-refresh"], env)
        sizes.append(warehouse.stat().st_size / 1e6)
        slowest = slowest_models(target)

        if "GX gate" in steps_wanted:
            # the Great Expectations checkpoints alone, on the warehouse just built (read-only)
            record("GX gate", [sys.executable, "-m", "tsqa.cli", "validate", "--database", str(warehouse),
                               "--manifest", str(target / "manifest.json")], env)

        copied = land(extra_raw, base_raw)
        _log(f"scale {scale:g}: the drop of {last_day} lands ({len(copied)} files)")
        # as the gated incremental build's dbt step (the full build above ran the unit tests)
        from tsqa.publish import BuildPlan, dbt_build_args

        daily = dbt_build_args(BuildPlan(True, "a daily drop", unit_tests_passed=True))
        record("incremental build", [dbt[0], *daily, *dbt[2:]], env)
        for path in copied:
            path.unlink()

        if "gated build" in steps_wanted:
            shutil.rmtree(root / "published", ignore_errors=True)
            record("gated build", [sys.executable, "-m", "tsqa.cli", "build", "--full-refresh"], gate_env)
            if "gated incremental build" in steps_wanted:
                copied = land(extra_raw, base_raw)
                record("gated incremental build", [sys.executable, "-m", "tsqa.cli", "build"], gate_env)
                for path in copied:
                    path.unlink()
    return {
        "scale": scale, "rows": rows, "extra_rows": extra_rows, "steps": steps, "size_mb": statistics.median(sizes),
        "slowest": slowest, "runs": runs,
    }


#: BENCHMARKS.md's section of the engine comparison (--spark-scale), kept when not run.
SPARK_HEADING = "## Apache Spark beside DuckDB"


def bench_engines(scale: float, runs: int, workdir: Path) -> dict[str, object]:
    """The whole project built at ``scale`` on DuckDB and on Spark, ``runs`` times each
    (alternating, each build from nothing in a fresh process)."""
    from tsqa.generate import generate

    root = workdir / f"engines{scale:g}"
    raw = root / "raw"
    if not (raw / "moderation_decisions").exists():
        _log(f"engines, scale {scale:g}: generating sample data (seed 7)")
        generate(raw, scale=scale, seed=7, progress=False)
    rows = count_rows(raw)
    log = root / "bench.log"
    warehouse = root / "warehouse" / "tsqa.duckdb"
    spark_target = root / "spark-target"
    env = {"TSQA_RAW_DIR": str(raw), "TSQA_AS_OF": "2026-11-01T00:00:00Z"}
    duckdb_env = {**env, "TSQA_DUCKDB_PATH": str(warehouse), "DBT_LOG_PATH": str(root / "logs")}
    spark_env = {**env, "TSQA_SPARK_DIR": str(root / "spark"), "SPARK_LOCAL_IP": "127.0.0.1"}
    dbt = [str(Path(sys.executable).with_name("dbt")), "build", "--full-refresh", "--target-path",
           str(root / "target")]
    spark = [sys.executable, "-m", "tsqa.cli", "spark-build", "--quiet", "--target-path", str(spark_target)]
    steps = {"DuckDB": Step("whole project build"), "Spark": Step("whole project build")}
    for run in range(1, runs + 1):
        for engine, command, step_env, fresh in (("DuckDB", dbt, duckdb_env, warehouse.parent),
                                                 ("Spark", spark, spark_env, root / "spark")):
            shutil.rmtree(fresh, ignore_errors=True)
            seconds, peak = measure(command, step_env, log)
            steps[engine].seconds.append(seconds)
            steps[engine].peak_mb.append(peak)
            _log(f"engines, scale {scale:g}, run {run}/{runs}: {engine}: {seconds:.1f} s, peak {peak:,.0f} MB")
    nodes = len(json.loads((spark_target / "run_results.json").read_text())["results"])
    return {"scale": scale, "rows": rows, "steps": steps, "runs": runs, "nodes": nodes}


def render_engines(result: dict[str, object]) -> str:
    lines = [
        "| scale | raw rows | engine | step | median s | rows/s | peak MB | runs (s) |",
        "| ---: | ---: | --- | --- | ---: | ---: | ---: | --- |",
    ]
    rows = result["rows"]
    for engine, step in result["steps"].items():  # type: ignore[attr-defined]
        lines.append(
            f"| {result['scale']:g} | {rows:,} | {engine} | {step.name} | {step.median_s:.1f} | "
            f"{rows / step.median_s:,.0f} | {step.median_mb:,.0f} | "
            f"{', '.join(f'{s:.0f}' for s in step.seconds)} |"
        )
    return "\n".join(lines)


def _at(text: str, heading: str, start: int = 0) -> int:
    """Where ``heading`` starts a line of ``text`` (from ``start``; -1 if nowhere): a
    heading, not the same words inside a deeper one (`### Apache Spark beside DuckDB
    (...)` holds `## Apache Spark beside DuckDB`)."""
    found = re.compile(r"(?m)^" + re.escape(heading)).search(text, start)
    return found.start() if found else -1


def _section(text: str, heading: str, ends: tuple[str, ...]) -> str:
    """The part of ``text`` from ``heading`` to the first of ``ends`` after it ('' if absent)."""
    start = _at(text, heading)
    if start < 0:
        return ""
    stops = [i for i in (_at(text, end, start + 1) for end in ends) if i >= 0]
    return text[start:min(stops)] if stops else text[start:]


# ---------------------------------------------------------------------------
# The notebook baseline (issue 18, item 5): three marts in plain pandas
# ---------------------------------------------------------------------------
#
# What an analyst without the warehouse would write in a notebook: read every landing
# file of the entities needed with pd.read_csv / pd.read_parquet (all text, as the
# files hold it), keep the newest version of each record, join, group by, and compute
# the metrics.md definitions of fct_qa_audits, mart_quality_monthly and
# mart_calibration_sessions. What it leaves out, as an analyst would (so it does less
# work than the build, never more): the raw-contract checks that quarantine a row
# (types, enums, required values, orphan references, conflicting duplicates: a bad row
# is kept, or dropped by the parser or a join, instead of being quarantined with its
# reason), the reconciliation of every raw line, pseudonymisation, the SCD2 moderator
# key, the persisted tables and every test. tests/test_bench_baseline.py checks that
# on a clean sample it computes the same numbers as the marts.

Z95 = 1.959963984540054
ENFORCING_NOT = ("approve", "escalate")


def read_landing(raw: Path, entity: str, columns: list[str]):
    """Every file of one entity in file-name order, as text; the newest version of a
    record is the later file, then the later line."""
    import pandas as pd

    frames = []
    for path in sorted((raw / entity).iterdir()):
        if path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, usecols=columns, on_bad_lines="skip", encoding_errors="replace")
        elif path.suffix == ".parquet":
            frame = pd.read_parquet(path, columns=columns).astype(str).where(lambda f: f.notna())
        else:
            continue
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns, dtype=str)
    return frame.replace("", None)


def _utc(series):
    import pandas as pd

    return pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce").dt.tz_localize(None)


def _enforcing(action):
    return ~action.isin(ENFORCING_NOT)


def _correct(action, policy, ref_action, ref_policy):
    same_policy = (policy == ref_policy) | (policy.isna() & ref_policy.isna())
    return (action == ref_action) & (~_enforcing(action) | same_policy)


def wilson(x, n):
    """95% Wilson interval (metrics.md): (low, high, half-width); null where n = 0."""
    import numpy as np

    n = n.astype(float).where(n > 0)
    p = x / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return centre - half, centre + half, half


def pandas_fct_qa_audits(raw: Path):
    import numpy as np
    import pandas as pd

    decisions = read_landing(raw, "moderation_decisions",
                             ["decision_id", "queue_code", "moderator_id", "action", "policy_code", "decided_at",
                              "market"])
    decisions = decisions.drop_duplicates("decision_id", keep="last")
    decisions["decided_at"] = _utc(decisions["decided_at"])
    decisions = decisions.dropna(subset=["decided_at"])

    roster = read_landing(raw, "moderators", ["moderator_id", "vendor_code", "site", "updated_at"])
    roster["updated_at"] = _utc(roster["updated_at"])
    roster = roster.drop_duplicates(["moderator_id", "updated_at"], keep="last").sort_values("updated_at")
    # a version holds from its updated_at; the first one also before it
    first = roster.groupby("moderator_id")["updated_at"].transform("min")
    roster["valid_from"] = roster["updated_at"].where(roster["updated_at"] != first, pd.Timestamp("1900-01-01"))
    roster = roster.sort_values("valid_from")
    decisions = pd.merge_asof(decisions.sort_values("decided_at"), roster[["moderator_id", "vendor_code", "site",
                                                                          "valid_from"]],
                              left_on="decided_at", right_on="valid_from", by="moderator_id")

    audits = read_landing(raw, "qa_audits", ["audit_id", "decision_id", "auditor_id", "audit_source", "audited_at",
                                             "qa_action", "qa_policy_code", "root_cause_code"])
    audits = audits.drop_duplicates("audit_id", keep="last")
    audits["audited_at"] = _utc(audits["audited_at"])

    disputes = read_landing(raw, "audit_disputes", ["dispute_id", "audit_id", "raised_at", "outcome",
                                                    "final_action", "final_policy_code"])
    disputes = disputes.drop_duplicates("dispute_id", keep="last")
    disputes["raised_at"] = _utc(disputes["raised_at"])
    disputes = disputes.sort_values(["audit_id", "raised_at", "dispute_id"])
    disputes["resolved"] = disputes["outcome"].isin(["upheld", "overturned"])
    disputes["overturned"] = disputes["outcome"] == "overturned"
    summary = disputes.groupby("audit_id").agg(
        disputes=("dispute_id", "size"), resolved_disputes=("resolved", "sum"),
        overturned_disputes=("overturned", "sum"))
    # the latest raised dispute's outcome; the latest overturned one's final answer
    summary["dispute_outcome"] = disputes.drop_duplicates("audit_id", keep="last").set_index("audit_id")["outcome"]
    overturned = disputes[disputes["overturned"]].drop_duplicates("audit_id", keep="last").set_index("audit_id")
    summary = summary.join(overturned[["final_action", "final_policy_code"]])

    fct = audits.merge(decisions, on="decision_id", how="inner").merge(
        summary, left_on="audit_id", right_index=True, how="left")
    fct = fct.rename(columns={"action": "moderator_action", "policy_code": "moderator_policy_code",
                              "qa_action": "raw_reference_action", "qa_policy_code": "raw_reference_policy_code"})
    fct["audit_date"] = fct["audited_at"].dt.normalize()
    has_final = fct["final_action"].notna()
    fct["reference_action"] = fct["final_action"].where(has_final, fct["raw_reference_action"])
    fct["reference_policy_code"] = fct["final_policy_code"].where(has_final, fct["raw_reference_policy_code"])
    fct["dispute_outcome"] = fct["dispute_outcome"].fillna("none")
    for column in ("disputes", "resolved_disputes", "overturned_disputes"):
        fct[column] = fct[column].fillna(0).astype("int64")

    act, pol = fct["moderator_action"], fct["moderator_policy_code"]
    ref, ref_pol = fct["reference_action"], fct["reference_policy_code"]
    fct["raw_is_correct"] = _correct(act, pol, fct["raw_reference_action"], fct["raw_reference_policy_code"])
    fct["is_correct"] = _correct(act, pol, ref, ref_pol)
    fct["moderator_enforced"] = _enforcing(act)
    fct["reference_enforced"] = _enforcing(ref)
    differs = ~((pol == ref_pol) | (pol.isna() & ref_pol.isna()))
    fct["error_type"] = np.select(
        [fct["is_correct"], fct["moderator_enforced"] & (ref == "approve"),
         (act == "approve") & fct["reference_enforced"],
         fct["moderator_enforced"] & fct["reference_enforced"] & differs],
        [None, "over_enforcement", "under_enforcement", "wrong_policy"], "wrong_action")

    policies = pd.read_csv(PROJECT_DIR / "seeds" / "policies.csv", dtype={"severity_tier": float})
    tier = policies.set_index("policy_code")["severity_tier"]
    at_stake = fct["reference_policy_code"].map(tier).fillna(fct["moderator_policy_code"].map(tier))
    fct["error_severity"] = np.select(
        [fct["is_correct"], at_stake == 1, at_stake == 2], [None, "critical", "major"], "minor")
    fct["audit_score"] = fct["error_severity"].map({"critical": 0, "major": 50, "minor": 75}).fillna(100).astype(
        "int64")
    fct["hours_decision_to_audit"] = (fct["audited_at"] - fct["decided_at"]).dt.total_seconds() / 3600
    return fct, decisions


def pandas_mart_quality_monthly(fct, decisions):
    import numpy as np
    import pandas as pd

    keys = ["month_start", "queue_code", "vendor_code"]
    audits = fct.assign(
        month_start=fct["audit_date"].dt.to_period("M").dt.to_timestamp(),
        errors=~fct["is_correct"],
        over_enforcement=fct["error_type"] == "over_enforcement",
        under_enforcement=fct["error_type"] == "under_enforcement",
        critical_errors=fct["error_severity"] == "critical",
        both_enforced=fct["moderator_enforced"] & fct["reference_enforced"],
    )
    monthly = audits.groupby(keys, dropna=False).agg(
        audits=("audit_id", "size"), correct=("is_correct", "sum"), errors=("errors", "sum"),
        raw_correct=("raw_is_correct", "sum"), over_enforcement=("over_enforcement", "sum"),
        under_enforcement=("under_enforcement", "sum"), critical_errors=("critical_errors", "sum"),
        moderator_enforced=("moderator_enforced", "sum"), reference_enforced=("reference_enforced", "sum"),
        both_enforced=("both_enforced", "sum"), score_sum=("audit_score", "sum"), disputes=("disputes", "sum"),
        resolved_disputes=("resolved_disputes", "sum"), overturned_disputes=("overturned_disputes", "sum"))
    decided = decisions.assign(month_start=decisions["decided_at"].dt.to_period("M").dt.to_timestamp()).groupby(
        keys, dropna=False).size().rename("decisions")
    mart = monthly.join(decided, how="outer").fillna(0).astype("int64").reset_index()

    def rate(x, n):
        return mart[x] / mart[n].where(mart[n] > 0)

    mart["audit_sample_rate"] = rate("audits", "decisions")
    mart["accuracy"] = rate("correct", "audits")
    mart["accuracy_ci_low"], mart["accuracy_ci_high"], mart["margin_of_error"] = wilson(mart["correct"],
                                                                                        mart["audits"])
    mart["raw_accuracy"] = rate("raw_correct", "audits")
    mart["error_rate"] = rate("errors", "audits")
    mart["over_enforcement_rate"] = rate("over_enforcement", "audits")
    mart["under_enforcement_rate"] = rate("under_enforcement", "audits")
    mart["critical_error_rate"] = rate("critical_errors", "audits")
    mart["critical_error_rate_ci_low"], mart["critical_error_rate_ci_high"], _ = wilson(mart["critical_errors"],
                                                                                        mart["audits"])
    mart["enforcement_precision"] = rate("both_enforced", "moderator_enforced")
    mart["enforcement_recall"] = rate("both_enforced", "reference_enforced")
    mart["qa_score"] = rate("score_sum", "audits")
    mart["dispute_overturn_rate"] = rate("overturned_disputes", "resolved_disputes")

    # the target in effect: most specific (queue and vendor > queue > vendor > any), then latest
    targets = pd.read_csv(PROJECT_DIR / "seeds" / "quality_targets.csv", parse_dates=["effective_from"])
    targets["specificity"] = 2 * (targets["queue_code"] != "*") + (targets["vendor_code"] != "*")
    slices = mart[keys].reset_index().merge(targets, how="cross")
    slices = slices[((slices["queue_code_y"] == "*") | (slices["queue_code_y"] == slices["queue_code_x"]))
                    & ((slices["vendor_code_y"] == "*") | (slices["vendor_code_y"] == slices["vendor_code_x"]))
                    & (slices["effective_from"] <= slices["month_start"])]
    chosen = slices.sort_values(["specificity", "effective_from"]).groupby("index").last()
    mart["accuracy_target"] = chosen["accuracy_target"]
    mart["margin_of_error_max"] = chosen["margin_of_error_max"]
    audited = mart["audits"] > 0
    mart["target_met"] = (mart["accuracy"] >= mart["accuracy_target"]).where(
        audited & mart["accuracy_target"].notna())
    mart["sample_adequate"] = (mart["margin_of_error"] <= mart["margin_of_error_max"]).where(
        audited & mart["margin_of_error_max"].notna())
    previous = mart[keys + ["accuracy"]].assign(month_start=mart["month_start"] + pd.DateOffset(months=1))
    mart = mart.merge(previous.rename(columns={"accuracy": "previous_accuracy"}), on=keys, how="left")
    mart["accuracy_change_mom"] = 100 * (mart["accuracy"] - mart["previous_accuracy"])
    return mart.drop(columns=["previous_accuracy"]).replace({np.nan: None}).infer_objects()


def _agreement(table):
    """Per-session agreement of metrics.md from an items x labels count table (items
    with at least one participant rating): percent agreement, Fleiss, Gwet's AC1 and
    Krippendorff's alpha with their standard errors (Gwet 2014)."""
    import numpy as np

    r = table.sum(axis=1)
    q = table.shape[1]
    out = {"percent_agreement": None, "fleiss_kappa": None, "krippendorff_alpha": None, "gwet_ac1": None,
           "gwet_ac1_se": None, "krippendorff_alpha_se": None, "n_gwet": len(r), "n_alpha": int((r >= 2).sum())}
    pairable = table[r >= 2]
    rp = pairable.sum(axis=1)
    if len(pairable) == 0:
        return out
    agree_i = (pairable * (pairable - 1)).sum(axis=1) / (rp * (rp - 1))
    out["percent_agreement"] = float(agree_i.mean())
    if len(set(rp)) == 1:  # Fleiss (1971): the same number of ratings on every item
        p_j = pairable.sum(axis=0) / pairable.sum()
        p_e = float((p_j**2).sum())
        if p_e < 1:
            out["fleiss_kappa"] = (float(agree_i.mean()) - p_e) / (1 - p_e)
    # Krippendorff's alpha (coincidence matrix, nominal) and its standard error
    n_a, rbar = len(pairable), rp.mean()
    pi_a = (pairable / rbar).sum(axis=0) / n_a
    pe_a = float((pi_a**2).sum())
    if (pairable.sum(axis=0) > 0).sum() >= 2 and pe_a < 1:
        pa_prime = float(((pairable * (pairable - 1)).sum(axis=1) / (rbar * (rp - 1))).sum() / n_a)
        eps = 1 / rp.sum()
        pa = (1 - eps) * pa_prime + eps
        alpha = (pa - pe_a) / (1 - pe_a)
        alpha_prime = (pa_prime - pe_a) / (1 - pe_a)
        out["krippendorff_alpha"] = alpha
        if n_a >= 2:
            pa_i = (pairable * (pairable - 1)).sum(axis=1) / (rbar * (rp - 1)) - pa * (rp - rbar) / rbar
            alpha_i = (pa_i - pe_a) / (1 - pe_a)
            e_i = (pairable * pi_a).sum(axis=1) / rbar - pe_a * (rp - rbar) / rbar
            x_i = alpha_i - 2 * (1 - alpha_prime) * (e_i - pe_a) / (1 - pe_a)
            out["krippendorff_alpha_se"] = float(np.sqrt(((x_i - alpha_prime) ** 2).sum() / (n_a * (n_a - 1))))
    # Gwet's AC1 over items with at least one rating
    if q >= 2:
        n, n2 = len(r), len(pairable)
        pi = (table / r[:, None]).sum(axis=0) / n
        pe = float((pi * (1 - pi)).sum() / (q - 1))
        if pe < 1:
            pa_all = np.where(r >= 2, (table * (table - 1)).sum(axis=1) / np.maximum(r * (r - 1), 1), 0.0)
            pa_g = float(pa_all[r >= 2].sum() / n2)
            ac1 = (pa_g - pe) / (1 - pe)
            out["gwet_ac1"] = ac1
            if n >= 2:
                a_i = (n / n2) * (pa_all - pe * (r >= 2)) / (1 - pe)
                e_i = (table * (1 - pi)).sum(axis=1) / ((q - 1) * r)
                x_i = a_i - 2 * (1 - ac1) * (e_i - pe) / (1 - pe)
                out["gwet_ac1_se"] = float(np.sqrt(((x_i - ac1) ** 2).sum() / (n * (n - 1))))
    return out


def pandas_mart_calibration_sessions(raw: Path):
    import pandas as pd
    from scipy import stats

    ratings = read_landing(raw, "calibration_ratings",
                           ["session_id", "session_date", "queue_code", "item_id", "rater_id", "rater_role", "label"])
    ratings = ratings.drop_duplicates(["session_id", "item_id", "rater_id"], keep="last")
    references = ratings[ratings["rater_role"] == "reference"][["session_id", "item_id", "label"]].rename(
        columns={"label": "reference_label"})
    participants = ratings[ratings["rater_role"] == "participant"].merge(
        references, on=["session_id", "item_id"], how="left")
    sessions = ratings.groupby("session_id").agg(session_date=("session_date", "min"),
                                                 queue_code=("queue_code", "min"))
    sessions = sessions.join(participants.groupby("session_id").agg(
        items=("item_id", "nunique"), raters=("rater_id", "nunique"), ratings=("label", "size")))
    for column in ("items", "raters", "ratings"):
        sessions[column] = sessions[column].fillna(0).astype("int64")
    with_reference = participants[participants["reference_label"].notna()]
    sessions["reference_alignment"] = (with_reference["label"] == with_reference["reference_label"]).groupby(
        with_reference["session_id"]).mean()
    counts = participants.groupby(["session_id", "item_id", "label"]).size()
    rows = []
    for session_id, session in counts.groupby(level="session_id"):
        table = session.droplevel("session_id").unstack(fill_value=0).to_numpy(dtype=float)
        stats_ = _agreement(table)
        row = {"session_id": session_id}
        for name in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
            row[name] = stats_[name]
        for name, n_key, se_key in (("krippendorff_alpha", "n_alpha", "krippendorff_alpha_se"),
                                    ("gwet_ac1", "n_gwet", "gwet_ac1_se")):
            estimate, se, n = row[name], stats_[se_key], stats_[n_key]
            if estimate is None or se is None or n < 2:
                row[f"{name}_ci_low"] = row[f"{name}_ci_high"] = None
            else:
                t = stats.t.ppf(0.975, n - 1)
                row[f"{name}_ci_low"], row[f"{name}_ci_high"] = estimate - t * se, min(1.0, estimate + t * se)
        alpha, low, high = (row["krippendorff_alpha"], row["krippendorff_alpha_ci_low"],
                            row["krippendorff_alpha_ci_high"])
        row["needs_recalibration"] = alpha is not None and alpha < 0.6
        row["agreement_uncertain"] = low is not None and high is not None and low < 0.6 <= high
        rows.append(row)
    mart = sessions.reset_index().merge(pd.DataFrame(rows), on="session_id", how="left")
    mart["needs_recalibration"] = mart["needs_recalibration"].fillna(False).astype(bool)
    mart["agreement_uncertain"] = mart["agreement_uncertain"].fillna(False).astype(bool)
    return mart


def pandas_baseline(raw: Path) -> dict[str, object]:
    """The three marts of the notebook baseline, computed from the landing folder."""
    fct, decisions = pandas_fct_qa_audits(raw)
    return {"fct_qa_audits": fct, "mart_quality_monthly": pandas_mart_quality_monthly(fct, decisions),
            "mart_calibration_sessions": pandas_mart_calibration_sessions(raw)}


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import dbt.version
    import duckdb

    return (f"{os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, dbt-core {dbt.version.__version__}")


def render(results: list[dict[str, object]]) -> str:
    lines = [
        "| scale | raw rows | step | median s | rows/s | peak MB | ratio | target |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    targets = {"full build": ("full / ingest floor", "<= 3"), "pandas baseline": ("full / pandas", "<= 0.2"),
               "incremental build": ("incremental / full", "<= 0.10"),
               "GX gate": ("GX / full", "<= 0.25"), "gated build": ("(gated - full) / full", ""),
               "gated incremental build": ("gated incremental / gated", "")}
    for result in results:
        steps: dict[str, Step] = result["steps"]  # type: ignore[assignment]
        floor = steps["ingest floor"].median_s if steps["ingest floor"].seconds else float("nan")
        full = steps["full build"].median_s
        for name, step in steps.items():
            if not step.seconds:
                continue
            rows = result["extra_rows"] if "incremental" in name else result["rows"]
            gated = steps["gated build"].median_s if steps["gated build"].seconds else float("nan")
            ratio = {"full build": full / floor, "pandas baseline": full / step.median_s,
                     "incremental build": step.median_s / full,
                     "GX gate": step.median_s / full, "gated build": (step.median_s - full) / full,
                     "gated incremental build": step.median_s / gated}.get(name)
            label, target = targets.get(name, ("baseline", ""))
            lines.append(
                f"| {result['scale']:g} | {rows:,} | {name} | {step.median_s:.1f} | {rows / step.median_s:,.0f} | "
                f"{step.median_mb:,.0f} | {'' if ratio is None else f'{ratio:.2f} ({label})'} | {target} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tsqa.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="*", default=[50, 500],
                        help="DuckDB scales (none: only the --spark-scale comparison)")
    parser.add_argument("--spark-scale", type=float, default=None,
                        help="also build the whole project at this scale on DuckDB and on Spark (Java 17)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["ingest-floor", "pandas-baseline", "gx-gate", "gated-build"],
                        help="leave steps out (the full and incremental builds always run)")
    parser.add_argument("--gated-max-scale", type=float, default=None,
                        help="run the two gated builds only at scales up to this one (they take longest)")
    parser.add_argument("--workdir", default="bench")
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args(argv)
    workdir = (PROJECT_DIR / args.workdir).resolve()
    skipped = {"ingest-floor": ("ingest floor",), "pandas-baseline": ("pandas baseline",),
               "gx-gate": ("GX gate",),
               "gated-build": ("gated build", "gated incremental build")}
    wanted = tuple(step for step in STEPS if not any(step in skipped[name] for name in args.skip))
    results = [
        bench_scale(scale, args.runs, workdir, tuple(
            step for step in wanted
            if "gated" not in step or args.gated_max_scale is None or scale <= args.gated_max_scale))
        for scale in args.scales
    ]
    engines = bench_engines(args.spark_scale, args.runs, workdir) if args.spark_scale is not None else None
    out = PROJECT_DIR / args.out
    previous = out.read_text() if out.exists() else ""
    if engines is not None:
        spark_table = render_engines(engines)
        print(spark_table)
        spark_section = (
            f"{SPARK_HEADING}\n\n"
            f"Reproduce: `make bench BENCH_ARGS=\"--scales --spark-scale {args.spark_scale:g} --runs {args.runs}\"` "
            f"(the whole project, {engines['nodes']} nodes, on the same landing folder; medians of {args.runs} runs, "
            "alternating DuckDB and Spark, each build from nothing in a fresh process; peak MB: the largest "
            "process of the step, for Spark its JVM; Spark local[TSQA_THREADS], Java 17).\n\n"
            f"{spark_table}\n\n"
        )
    else:
        spark_section = _section(previous, SPARK_HEADING, (ANALYSIS_HEADING,))
    if not results:
        # only the engine comparison ran: the rest of the file stays as it was
        spark_at, analysis_at = _at(previous, SPARK_HEADING), _at(previous, ANALYSIS_HEADING)
        top = previous[:spark_at] if spark_at >= 0 else (previous[:analysis_at] if analysis_at >= 0 else previous)
        rest = previous[analysis_at:] if analysis_at >= 0 else ""
        out.write_text(top.rstrip("\n") + "\n\n" + spark_section + rest)
        _log(f"wrote {args.out}")
        return 0
    table = render(results)
    print(table)
    slowest = "\n".join(
        f"- scale {r['scale']:g}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in r["slowest"])
        for r in results
    )
    sizes = "\n".join(f"- scale {r['scale']:g}: warehouse {r['size_mb']:,.0f} MB" for r in results)
    report = (
        "# Benchmarks\n\n"
        f"Machine: {machine()}.\n\n"
        f"Reproduce: `make bench BENCH_ARGS=\"--scales {' '.join(f'{s:g}' for s in args.scales)} "
        f"--runs {args.runs}"
        + (f" --gated-max-scale {args.gated_max_scale:g}" if args.gated_max_scale is not None else "")
        + (f" --skip {' '.join(args.skip)}" if args.skip else "")
        + f"\"` (medians of {args.runs} runs; the ingest floor and the pandas baseline are measured in the same "
        f"runs, each step in a fresh process, one after the other).\n\n"
        f"{table}\n\nWarehouse size:\n{sizes}\n\nSlowest models of the last full build:\n{slowest}\n"
    )
    report += "\n" + spark_section if spark_section else ""
    # the hand-written reading of the numbers (from its heading on) is kept across runs
    if _at(previous, ANALYSIS_HEADING) >= 0:
        report += "\n" + previous[_at(previous, ANALYSIS_HEADING):]
    out.write_text(report)
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
