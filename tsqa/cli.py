"""The tsqa command line: generate sample data, build, validate and publish."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tsqa import settings
from tsqa.report import add_report_command


def _cmd_generate(args: argparse.Namespace) -> int:
    from tsqa.generate import generate

    from tsqa.generate import truth_path_beside

    truth = None if args.truth is None else (Path(args.truth) if args.truth else truth_path_beside(Path(args.out)))
    try:
        counts = generate(out=Path(args.out), scale=args.scale, seed=args.seed, progress=not args.quiet,
                          truth=truth)
    except ValueError as exc:
        print(f"tsqa generate: {exc}", file=sys.stderr)
        return 2
    total = sum(counts.values())
    print(f"wrote {total:,} rows in {len(counts)} entities to {args.out}")
    if truth is not None:
        print(f"simulated truth: {truth}")
    return 0


def _gated_build(cfg: settings.Settings, verbose: bool, full_refresh: bool = False,
                 allow_dev_key: bool = False) -> int:
    from tsqa import publish

    try:
        outcome = publish.build(cfg, verbose=verbose, full_refresh=full_refresh, allow_dev_key=allow_dev_key)
    except publish.GateError as exc:
        print(f"\nBUILD STOPPED at step '{exc.stage}'; the published warehouse "
              f"{publish.absolute(cfg.duckdb_path)} is unchanged.\n{exc}", file=sys.stderr)
        return 1
    print(f"\npublished {outcome.published} in {outcome.seconds:.0f}s")
    print(f"Validation:       {outcome.data_docs.with_name('review.html')} (review page, works offline)")
    print(f"Data Docs:        {outcome.data_docs}")
    if outcome.dbt_docs:
        print(f"dbt docs:         {outcome.dbt_docs}")
    if outcome.report_page:
        print(f"Quality Report:   {outcome.report_page}")
    if outcome.extracts:
        print(f"Tableau extracts: {outcome.extracts[0].parent} ({len(outcome.extracts)} .hyper files)")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    return _gated_build(settings.load(), args.verbose, args.full_refresh)


def _cmd_validate(args: argparse.Namespace) -> int:
    from tsqa import publish

    cfg = settings.load()
    working, published = publish.absolute(cfg.working_path), publish.absolute(cfg.duckdb_path)
    database = Path(args.database).resolve() if args.database else (working if working.exists() else published)
    if not database.exists():
        print(f"no warehouse at {database}: run `tsqa build` (or `dbt build`) first", file=sys.stderr)
        return 2
    # The published file is only ever read: validate it without recording results.
    record = database != published
    print(f"validating {database}" + ("" if record else " (published file: read-only, results not recorded)"))
    # the gated build's manifest, else that of a plain `dbt build` (the same contracts)
    manifest = Path(args.manifest) if args.manifest else next(
        (p for p in (publish.GATE_TARGET / "manifest.json", publish.PROJECT_DIR / "target" / "manifest.json")
         if p.exists()), publish.PROJECT_DIR / "target" / "manifest.json")
    report = publish.audit(database, data_docs=publish.data_docs_dir(cfg), manifest=manifest,
                           as_of=cfg.as_of, write_results=record)
    print("\n".join(report.summary()))
    print(f"Validation review: {report.review}")
    print(f"Data Docs: {report.data_docs}")
    return 0 if report.passed else 1


def _cmd_publish(args: argparse.Namespace) -> int:
    from tsqa import publish

    try:
        publish.publish_working(settings.load())
    except publish.GateError as exc:
        print(f"not published: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from tsqa import publish
    from tsqa.generate import generate

    cfg = settings.load()
    raw_dir = publish.absolute(cfg.raw_dir)
    print(f"generating sample landing data (scale {args.scale:g}, seed {args.seed}) into {raw_dir}")
    counts = generate(out=raw_dir, scale=args.scale, seed=args.seed, progress=True)
    print(f"wrote {sum(counts.values()):,} rows in {len(counts)} entities\n")
    # sample data only: the demo may use the public development key
    status = _gated_build(cfg, args.verbose, allow_dev_key=True)
    if status != 0:
        return status
    published = publish.absolute(cfg.duckdb_path)
    print()
    print("\n".join(publish.quarantine_lines(publish.quarantine_summary(published))))
    print("\nwhat to open next:")
    print(f"  the warehouse (DuckDB, open read-only; Tableau: see README) {published}")
    print("  a SQL shell on it, read-only: make sql")
    print("  data health for Tableau: marts.validation_runs, marts.validation_failures")
    return 0


def _cmd_spark_build(args: argparse.Namespace) -> int:
    from tsqa import spark

    dbt_args = ["build", *(["--select", *args.select] if args.select else []),
                *(["--exclude", *args.exclude] if args.exclude else []),
                *(["--indirect-selection", args.indirect_selection] if args.indirect_selection else [])]
    return spark.build(dbt_args, target_path=Path(args.target_path), quiet=args.quiet,
                       export_to=Path(args.export) if args.export else None)


def build_parser() -> argparse.ArgumentParser:
    cfg = settings.load()
    parser = argparse.ArgumentParser(prog="tsqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a deterministic sample landing folder")
    gen.add_argument("--scale", type=float, default=1.0, help="1 = about 20k decisions")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--out", default=str(cfg.raw_dir), help="landing root (default: TSQA_RAW_DIR)")
    gen.add_argument("--quiet", action="store_true", help="no progress output")
    gen.add_argument("--truth", nargs="?", const="", default=None, metavar="FILE",
                     help="also write the simulated truth per decision (was it correct, a critical error) "
                          "as Parquet to FILE, outside the landing folder (default FILE: <out>.truth.parquet "
                          "beside it); for checking estimates, never for the warehouse")
    gen.set_defaults(func=_cmd_generate)

    build = sub.add_parser(
        "build", help="gated build: dbt build into a working file, GX checkpoints, atomic publish")
    build.add_argument("--verbose", action="store_true",
                       help="stream dbt's own output (default: its node count every 10 s)")
    build.add_argument("--full-refresh", action="store_true",
                       help="rebuild everything instead of starting from the published warehouse")
    build.set_defaults(func=_cmd_build)

    val = sub.add_parser("validate", help="run the GX checkpoints (default: on the working warehouse)")
    val.add_argument("--database", help="warehouse file (default: working file, else the published one)")
    val.add_argument("--manifest", help="dbt manifest for the mart contracts (default: target/manifest.json)")
    val.set_defaults(func=_cmd_validate)

    pub = sub.add_parser("publish", help="publish the working warehouse if its own dbt build and validation passed")
    pub.set_defaults(func=_cmd_publish)

    spark_build = sub.add_parser(
        "spark-build", help="dbt build of TSQA_RAW_DIR on a local Apache Spark, in this process (needs Java 17); "
                            "no GX gate, extracts or publish: dbt's data tests and the reconciliation are the gate")
    spark_build.add_argument("--select", nargs="+", help="dbt node selection (default: every node)")
    spark_build.add_argument("--exclude", nargs="+", help="dbt nodes to leave out")
    spark_build.add_argument("--indirect-selection", choices=["eager", "cautious", "buildable", "empty"],
                             help="dbt's rule for the tests of selected nodes (default: dbt's, eager)")
    spark_build.add_argument("--target-path", default=str(settings.PROJECT_DIR / "target" / "spark-build"),
                             help="dbt artefacts and logs; Spark's metastore and warehouse in <it>/spark "
                                  "(TSQA_SPARK_DIR overrides)")
    spark_build.add_argument("--quiet", action="store_true", help="only errors")
    spark_build.add_argument("--export", metavar="FOLDER",
                             help="afterwards, write every table and view as Parquet to FOLDER/<schema>/<name>/")
    spark_build.set_defaults(func=_cmd_spark_build)

    demo = sub.add_parser("demo", help="generate sample data into TSQA_RAW_DIR, then the gated build")
    demo.add_argument("--scale", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--verbose", action="store_true",
                      help="stream dbt's own output (default: its node count every 10 s)")
    demo.set_defaults(func=_cmd_demo)
    add_report_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


def entry() -> None:
    """Console-script entry point: run, flush, and leave without interpreter teardown
    (DuckDB 2.0's bindings print spurious "nanobind: leaked ..." lines at shutdown)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
