"""Dev harness (issue 17): build the downstream layers (seeds, stg_raw, intermediate,
marts, their tests) on Spark from a DuckDB warehouse's upstream tables, and compare.

The landing/staging/quarantine half of the Spark port is built separately (tsqa's Spark
runner); until both halves are merged, this script lets the downstream be proved alone:

1. it creates the Spark session in-process with the settings of the profile's `spark`
   target (local[TSQA_THREADS], UTC, warehouse, Derby metastore and derby.log under
   TSQA_SPARK_DIR), the session dbt-spark's `session` method then picks up;
2. it copies every relation the downstream reads but does not build (the staging models
   and base models of the landing entities that intermediate/marts `ref`) from the
   DuckDB warehouse into Spark tables of the same schema and name (through Parquet; a
   DuckDB TIMESTAMP becomes a Spark TIMESTAMP with the same wall-clock value, session
   time zone UTC);
3. it runs `dbt build --target spark` on the downstream selection in the same process,
   with its own --target-path/--log-path (the project's on-run-start/-end hooks, the
   build marker of tsqa's gated build, are the landing half's and are not run here; the
   table the facts' post-hook records runs in is created by this script);
4. it compares every table of the DuckDB warehouse's marts schema that exists on Spark,
   row multisets, numbers to 1e-9 (relative), timestamps to the microsecond, and prints
   one line per mart.

    SPARK_LOCAL_IP=127.0.0.1 TSQA_SPARK_DIR=/tmp/me/spark \\
      .tools/bin/uv run --frozen python scripts/spark_load_upstream.py \\
      --duckdb /tmp/me/small.duckdb --target-path /tmp/me/target --log-path /tmp/me/logs

Build the DuckDB warehouse first (same landing folder, same TSQA_PII_SALT), at a small
scale (0.05-0.2): a Spark build of the downstream takes minutes there.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
# What the downstream builds: its selection for dbt.
DOWNSTREAM = "path:seeds path:models/staging/raw path:models/intermediate path:models/marts"
# Schemas of the upstream relations the downstream reads (staging models and their base
# models); every table of these schemas in the DuckDB warehouse is copied.
UPSTREAM_SCHEMAS = ("staging",)
UPSTREAM_PREFIXES = ("stg_landing__", "base_landing__")
# Written by the validation gate (Great Expectations, DuckDB only), not by dbt: not
# compared. The reporting marts' validation columns say which gate run published them:
# on Spark there is none (validation_status 'not_validated'), so they are not compared.
NOT_DBT = {"validation_runs", "validation_failures"}
GATE_COLUMNS = {"validation_status", "validation_passed", "validation_run_id", "validation_run_at"}


def spark_session(spark_dir: str):
    """The session of the profile's `spark` target (profiles.yml), created first so that
    dbt-spark's `session` method (SparkSession.builder...getOrCreate) returns it."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    threads = os.environ.get("TSQA_THREADS", "2")
    builder = (
        SparkSession.builder.master(f"local[{threads}]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/spark-warehouse")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={spark_dir} -Dderby.stream.error.file={spark_dir}/derby.log",
        )
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .enableHiveSupport()
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def upstream_tables(con) -> list[tuple[str, str]]:
    rows = con.sql(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in {UPSTREAM_SCHEMAS!r}".replace(",)", ")")
    ).fetchall()
    return sorted((s, t) for s, t in rows if t.startswith(UPSTREAM_PREFIXES))


def load_upstream(spark, con, scratch: Path) -> None:
    for schema, table in upstream_tables(con):
        path = scratch / f"{schema}.{table}.parquet"
        con.sql(f'copy (select * from "{schema}"."{table}") to \'{path}\' (format parquet)')
        types = dict(con.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}'"
        ).fetchall())
        cols = ", ".join(
            f"cast(`{c}` as timestamp) as `{c}`" if t.upper().startswith("TIMESTAMP") else f"`{c}`"
            for c, t in types.items()
        )
        spark.sql(f"create database if not exists {schema}")
        spark.sql(f"drop table if exists {schema}.{table}")
        spark.sql(
            f"create table {schema}.{table} using parquet as "
            f"select {cols} from parquet.`{path}`"
        )
        print(f"loaded {schema}.{table}", flush=True)
    # the table the facts' post-hook records their runs in (macros/incremental.sql)
    spark.sql("create database if not exists landing")
    spark.sql(
        "create table if not exists landing.tsqa_model_runs "
        "(model string, run_started_at timestamp) using parquet"
    )


def run_dbt(args: list[str]) -> bool:
    from dbt.cli.main import dbtRunner
    from dbt.task.run import RunTask

    # the project's on-run hooks (the gated build's marker) belong to the landing half's
    # runner; this harness builds the downstream alone
    RunTask.get_hooks_by_type = lambda self, hook_type: []
    result = dbtRunner().invoke(args)
    return bool(result.success)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


def _key(row):
    return tuple((x is None, str(round(x, 6)) if isinstance(x, float) else str(x)) for x in row)


def compare(spark, con, schema: str = "marts") -> dict[str, str]:
    out: dict[str, str] = {}
    tables = [t for (t,) in con.sql(
        "select table_name from information_schema.tables "
        f"where table_schema = '{schema}' and table_type = 'BASE TABLE' order by 1"
    ).fetchall()]
    existing = {r.tableName for r in spark.sql(f"show tables in {schema}").collect()} \
        if spark.catalog.databaseExists(schema) else set()
    for table in tables:
        if table in NOT_DBT:
            continue
        if table not in existing:
            out[table] = "not on Spark"
            continue
        cols = [c for (c,) in con.sql(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
        ).fetchall()]
        scols = [f.name for f in spark.table(f"{schema}.{table}").schema.fields]
        if scols != cols:
            out[table] = f"columns differ: duckdb {cols} spark {scols}"
            continue
        keep = [c for c in cols if c not in GATE_COLUMNS]
        d = sorted(con.sql(
            f'select {", ".join(chr(34) + c + chr(34) for c in keep)} from "{schema}"."{table}"'
        ).fetchall(), key=_key)
        s = sorted((tuple(r) for r in spark.table(f"{schema}.{table}").select(*keep).collect()), key=_key)
        cols = keep
        if len(d) != len(s):
            out[table] = f"rows differ: duckdb {len(d)} spark {len(s)}"
            continue
        bad = [
            (cols[i], x[i], y[i]) for x, y in zip(d, s) for i in range(len(cols))
            if not _same(x[i], y[i])
        ]
        out[table] = "equal" if not bad else f"{len(bad)} values differ, e.g. {bad[:3]}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duckdb", required=True, help="the DuckDB warehouse built from the same landing folder")
    ap.add_argument("--target-path", required=True)
    ap.add_argument("--log-path", required=True)
    ap.add_argument("--select", default=DOWNSTREAM, help="dbt selection (default: the downstream)")
    ap.add_argument("--no-load", action="store_true", help="reuse the upstream tables already in Spark")
    ap.add_argument("--no-build", action="store_true", help="only load and/or compare")
    ap.add_argument("--dbt-command", default="build", help="build (default), run, test, seed")
    args = ap.parse_args(argv)

    spark_dir = os.environ.setdefault("TSQA_SPARK_DIR", str(ROOT / "target" / "spark"))
    os.chdir(ROOT)
    spark = spark_session(spark_dir)
    con = duckdb.connect(args.duckdb, read_only=True)
    if not args.no_load:
        with tempfile.TemporaryDirectory(prefix="tsqa-spark-upstream-") as scratch:
            load_upstream(spark, con, Path(scratch))
    ok = True
    if not args.no_build:
        ok = run_dbt([
            args.dbt_command, "--target", "spark", "--select", *args.select.split(),
            # the landing half's models (a child of a seed, e.g.) are not built here
            "--exclude", "path:models/landing", "path:models/staging/landing", "path:models/quarantine",
            "--target-path", args.target_path, "--log-path", args.log_path,
        ])
    results = compare(spark, con)
    width = max(map(len, results), default=0)
    for table, verdict in results.items():
        print(f"{table:<{width}}  {verdict}")
    equal = sum(v == "equal" for v in results.values())
    print(f"{equal} of {len(results)} marts equal on Spark; dbt {args.dbt_command} {'passed' if ok else 'FAILED'}")
    return 0 if ok and equal == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
