"""Build the project on Apache Spark, locally and in this process: `tsqa spark-build`.

dbt-spark's `session` method (profiles.yml target ``spark``) takes the process's Spark
session (``SparkSession.builder...getOrCreate()``). This module creates that session
first, with the profile's own settings, registers on it the Python functions the
landing layer calls (as the tsqa dbt plugin does on DuckDB, tsqa/dbt_plugin.py), then
runs dbt in the same process (``dbtRunner``) with ``--target spark``:

``tsqa_pseudonymise(value)``  the keyed hash of an identifier: the first 32 hex digits of
    SHA-256(key || '|' || value), byte for byte what DuckDB's ``pseudonymise`` gives, so
    a user's pseudonym is the same on both engines. The key is read from TSQA_PII_SALT
    (the development default when unset) inside the function, in Spark's Python
    workers: it is in no SQL text, compiled file, target/ or log.
``tsqa_landing_listing(raw_dir, ignore)``, ``tsqa_file_facts(path)``,
``tsqa_last_line_cut(path)``  the functions of tsqa/landing.py: the same listing and
    refusals (symbolic links, hard links, anything that is not a landing file) and the
    independent count of each file's data lines for the reconciliation. Every file is
    listed once here, before dbt starts, and every later read of it by these functions
    is checked against that identity (a file swapped or written meanwhile stops the
    build, tsqa/landing.py ``LandingFileChanged``).

Spark's metastore (Derby ``metastore_db/``), ``spark-warehouse/`` and ``derby.log`` are
kept under ``<target>/spark`` (TSQA_SPARK_DIR), never in the project root.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tsqa.settings import DEV_PII_SALT, PROJECT_DIR

#: Where a Spark build keeps dbt's artefacts and logs (and Spark's own files under spark/).
DEFAULT_TARGET = PROJECT_DIR / "target" / "spark-build"


def pseudonym(value: str | None) -> str | None:
    """The keyed hash of ``value`` as DuckDB's ``pseudonymise`` macro computes it."""
    if value is None:
        return None
    key = os.environ.get("TSQA_PII_SALT") or DEV_PII_SALT
    return hashlib.sha256(f"{key}|{value}".encode()).hexdigest()[:32]


def unreadable_on_spark(raw_dir: str, files: dict[str, list[str]]) -> list[str]:
    """What Spark's file readers (Hadoop's file system) cannot read of a listing, each
    with its fix; the listing's problems, so the build stops before reading anything:
    - a path with ':' (Hadoop takes what comes before it for a URI scheme);
    - a file whose name starts with '_' or '.' (Spark skips it as a hidden or metadata
      file, even when named exactly: its rows would be in no count).
    DuckDB reads both; tsqa/landing.py's listing is the same for both engines."""
    root = os.path.realpath(raw_dir)
    if ":" in root:
        return [f"{root}: the landing folder's path has a ':', which Spark's file readers (Hadoop) cannot read; "
                "fix: move the landing folder to a path without ':' (or build on DuckDB)"]
    problems = []
    for paths in files.values():
        for path in paths:
            name = os.path.basename(path)
            if name.startswith(("_", ".")):
                problems.append(f"{path}: Spark's file readers skip a file whose name starts with '{name[0]}' "
                                "(a hidden or metadata file to Hadoop), so its rows would be in no count; "
                                f"fix: rename it without the leading '{name[0]}' (or build on DuckDB)")
            elif ":" in name:
                problems.append(f"{path}: Spark's file readers (Hadoop) cannot read a file name with ':'; fix: rename "
                                "it without ':' (or build on DuckDB)")
    return problems


def _profile_settings() -> dict[str, str]:
    """The spark target's server_side_parameters of profiles.yml, rendered (env_var)."""
    import jinja2
    import yaml

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["tsqa"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"environment variable {name} is not set")
        return value

    environment = jinja2.Environment(autoescape=False)
    return {key: environment.from_string(str(value)).render(env_var=env_var) for key, value in parameters.items()}


def session() -> Any:
    """The Spark session dbt-spark's `session` method will take: the profile's settings
    (master, UTC, warehouse and metastore under TSQA_SPARK_DIR), Hive support."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in _profile_settings().items():
        builder = builder.config(key, value)
    # dbt prints a line per node; Spark's stage bars would interleave with them
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register(spark: Any, identities: dict[str, tuple[int, ...]]) -> None:
    """Register the landing functions (tsqa/landing.py) and the pseudonymisation on the
    session. ``identities``: each landing file's identity when this process listed it;
    the functions run in Spark's Python workers, which check every read against it."""
    from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

    listed = dict(identities)

    def _with_identities() -> Any:
        from tsqa import landing

        for path, identity in listed.items():
            landing._LISTED.setdefault(path, identity)
        return landing

    def listing(raw_dir: str, ignore: str) -> str:
        found = json.loads(_with_identities().listing_json(raw_dir, ignore))
        found["problems"] += unreadable_on_spark(raw_dir, found["files"])
        return json.dumps(found)

    def file_facts(path: str) -> tuple[int, bool]:
        facts = _with_identities().file_facts(path)
        return (int(facts["data_lines"]), bool(facts["truncated"]))  # type: ignore[call-overload]

    def last_line_cut(path: str) -> bool:
        return _with_identities().last_line_cut(path)

    facts_type = StructType([StructField("data_lines", LongType()), StructField("truncated", BooleanType())])
    spark.udf.register("tsqa_pseudonymise", pseudonym, StringType())
    spark.udf.register("tsqa_landing_listing", listing, StringType())
    spark.udf.register("tsqa_file_facts", file_facts, facts_type)
    spark.udf.register("tsqa_last_line_cut", last_line_cut, BooleanType())


#: The schemas the project builds (models/*: +schema, seeds: raw).
SCHEMAS = ("raw", "landing", "staging", "quarantine", "intermediate", "marts")


def export(spark: Any, folder: Path) -> list[str]:
    """Every table and view of the project's schemas as Parquet, <folder>/<schema>/<name>/
    (timestamps as microseconds): a Spark build's results, readable without Spark (the
    parity test compares them with the DuckDB warehouse). Returns schema.name of each."""
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    written = []
    for schema in SCHEMAS:
        if not spark.catalog.databaseExists(schema):
            continue
        for table in spark.catalog.listTables(schema):
            if table.isTemporary:
                continue
            name = f"{schema}.{table.name}"
            spark.table(name).write.mode("overwrite").parquet(str(folder / schema / table.name))
            written.append(name)
    return written


def build(dbt_args: list[str], target_path: Path = DEFAULT_TARGET, quiet: bool = False,
          export_to: Path | None = None) -> int:
    """`dbt <dbt_args> --target spark` in this process, on a Spark session set up as
    above. Returns dbt's exit status (0: every node passed)."""
    from tsqa import landing

    target_path = Path(target_path).resolve()
    spark_dir = Path(os.environ.get("TSQA_SPARK_DIR") or target_path / "spark").resolve()
    spark_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TSQA_SPARK_DIR"] = str(spark_dir)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # Spark's Python workers: this interpreter (its environment has tsqa and the lock)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # the landing folder the dbt var raw_dir names, listed once here (identities)
    raw_dir = os.environ.get("TSQA_RAW_DIR", "data/raw")
    listing = landing.list_landing(raw_dir)
    for path, identity in listing.identities.items():
        landing._LISTED.setdefault(path, identity)

    started = time.monotonic()
    if not quiet:
        print(f"starting Spark (local, {os.environ.get('TSQA_THREADS', '2')} threads; metastore and "
              f"warehouse in {spark_dir}); {listing.count} landing files in {raw_dir}", flush=True)
    spark = session()
    register(spark, listing.identities)
    if not quiet:
        print(f"Spark ready after {time.monotonic() - started:.0f} s; running dbt {' '.join(dbt_args)} "
              "--target spark", flush=True)

    from dbt.cli.main import dbtRunner

    args = [*dbt_args, "--target", "spark", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(target_path), "--log-path", str(target_path / "logs")]
    if quiet:
        args.append("--quiet")
    cwd = os.getcwd()
    os.chdir(PROJECT_DIR)
    try:
        result = dbtRunner().invoke(args)
    finally:
        os.chdir(cwd)
    if not quiet:
        print(f"Spark build {'passed' if result.success else 'FAILED'} after {time.monotonic() - started:.0f} s "
              f"(dbt artefacts and logs in {target_path})", flush=True)
    if result.exception is not None and not quiet:
        print(f"dbt stopped: {result.exception}", file=sys.stderr)
    if not result.success and not jvm_alive(spark):
        # every later statement failed with "SparkContext was shut down": say why once
        print(JVM_STOPPED, file=sys.stderr, flush=True)
        return 1
    if export_to is not None:
        if not result.success:
            print(f"not exported to {export_to}: the build failed", file=sys.stderr, flush=True)
            return 1
        tables = export(spark, Path(export_to))
        if not quiet:
            print(f"exported {len(tables)} tables and views as Parquet to {export_to}", flush=True)
    return 0 if result.success else 1


#: What a build says when Spark's JVM stopped under it (tests/test_spark_parity.py reads it).
JVM_STOPPED = (
    "Spark's JVM stopped during the build, so every statement after it failed. The first ERROR "
    "line above says why; java.lang.OutOfMemoryError means the driver's heap was too small: "
    "fix: raise TSQA_SPARK_DRIVER_MEMORY (profiles.yml, target spark; default 2g)")


def jvm_alive(spark: Any) -> bool:
    """Whether the session's JVM still answers (an OutOfMemoryError outside a task, or a
    signal, makes Spark shut its context down and the JVM exit)."""
    try:
        return not spark.sparkContext._jsc.sc().isStopped()
    except Exception:  # py4j: the gateway is gone
        return False
