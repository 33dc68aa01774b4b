"""Benchmark: how long a build takes and how much memory it needs, at several scales.

    uv run python -m tsqa.bench --scales 50 500 --runs 3

For each scale it generates the sample landing folder once (seed 7), holds the last
day's drop back, and measures, each step `--runs` times in a fresh child process:

- ingest floor: DuckDB reading every landing file once (the least any build must do),
  the baseline of the same run;
- full build: `dbt build --full-refresh` (models and every test) into a new warehouse;
- GX gate: the Great Expectations checkpoints alone (`tsqa validate`), on that warehouse;
- incremental build: the held-back daily drop lands, then `dbt build` again on the same
  warehouse (incremental models: only what the drop changes is re-decided);
- gated build: `tsqa build --full-refresh` (dbt build, GX, dbt docs, atomic publish,
  Tableau extracts, report page) from nothing;
- gated incremental build: the drop lands, then `tsqa build` (it starts from a copy of
  the published warehouse).

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

STEPS = ("ingest floor", "full build", "GX gate", "incremental build", "gated build", "gated incremental build")


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
        record("incremental build", dbt, env)
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
    targets = {"full build": ("full / ingest floor", "<= 3"), "incremental build": ("incremental / full", "<= 0.10"),
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
            ratio = {"full build": full / floor, "incremental build": step.median_s / full,
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
    parser.add_argument("--scales", type=float, nargs="+", default=[50, 500])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["ingest-floor", "gx-gate", "gated-build"],
                        help="leave steps out (the full and incremental builds always run)")
    parser.add_argument("--gated-max-scale", type=float, default=None,
                        help="run the two gated builds only at scales up to this one (they take longest)")
    parser.add_argument("--workdir", default="bench")
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args(argv)
    workdir = (PROJECT_DIR / args.workdir).resolve()
    skipped = {"ingest-floor": ("ingest floor",), "gx-gate": ("GX gate",),
               "gated-build": ("gated build", "gated incremental build")}
    wanted = tuple(step for step in STEPS if not any(step in skipped[name] for name in args.skip))
    results = [
        bench_scale(scale, args.runs, workdir, tuple(
            step for step in wanted
            if "gated" not in step or args.gated_max_scale is None or scale <= args.gated_max_scale))
        for scale in args.scales
    ]
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
        f"Reproduce: `uv run python -m tsqa.bench --scales {' '.join(f'{s:g}' for s in args.scales)} "
        f"--runs {args.runs}"
        + (f" --gated-max-scale {args.gated_max_scale:g}" if args.gated_max_scale is not None else "")
        + (f" --skip {' '.join(args.skip)}" if args.skip else "")
        + f"` (medians of {args.runs} runs; the ingest floor is the baseline measured in the same run).\n\n"
        f"{table}\n\nWarehouse size:\n{sizes}\n\nSlowest models of the last full build:\n{slowest}\n"
    )
    out = PROJECT_DIR / args.out
    # the hand-written reading of the numbers (from its heading on) is kept across runs
    previous = out.read_text() if out.exists() else ""
    if ANALYSIS_HEADING in previous:
        report += "\n" + previous[previous.index(ANALYSIS_HEADING):]
    out.write_text(report)
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
