"""Tableau ``.hyper`` extracts of every table in the warehouse's schema ``marts``.

Layout (chosen for Tableau): **one file per mart**, ``<out_dir>/<table>.hyper``, holding
one table ``"Extract"."Extract"`` (the single-table convention that Tableau Desktop,
Tableau Server/Cloud publishing and the REST API all take as a data source, so each
workbook embeds or publishes only the marts it reads, and one mart can be republished
without rewriting the others). Every column keeps its DuckDB type through the mapping
in :data:`TYPE_MAP` (DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE, BOOLEAN, the integers,
DOUBLE/FLOAT, DECIMAL(p, s), VARCHAR, TIME, INTERVAL, BLOB); a type Hyper has no match
for (LIST, STRUCT, MAP, UNION, ...) is written as its text form, and is listed in the
return of :func:`extract_plan`. Nullability follows DuckDB (NOT NULL columns stay
NOT NULL). DECIMAL with precision > 18 and HUGEINT (128-bit numerics) need Hyper
file format 3, readable by Tableau 2022.4.1 and later; only files holding such a column
are written in that format, the others in the default format older Tableau reads.

Rows go through a Parquet file: DuckDB writes the table (``COPY ... TO``) into a
scratch folder and Hyper reads it with ``external()`` in one ``INSERT ... SELECT``,
never a whole table in Python memory (at 10M decisions this takes seconds; streaming
rows through Python took minutes). A table with a column Hyper cannot read from Parquet
(INTERVAL) is streamed from a read-only DuckDB connection in batches of ``batch_size``
(``fetchmany``) instead. Each file is written beside its final
name and moved into place (``os.replace``) only when complete, so a reader never opens a
half-written extract. The Hyper API starts a local ``hyperd`` process (no network); usage
data is never sent (``Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU``), and its logs go to
a temporary folder, not the working directory.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
from tableauhyperapi import (
    NOT_NULLABLE,
    NULLABLE,
    Connection,
    CreateMode,
    HyperProcess,
    Inserter,
    SqlType,
    TableDefinition,
    TableName,
    Telemetry,
    TypeTag,
    escape_name,
    escape_string_literal,
)

SCHEMA = "marts"
EXTRACT_TABLE = TableName("Extract", "Extract")
BATCH_SIZE = 50_000

#: DuckDB type name (information_schema.columns.data_type) -> Hyper type.
TYPE_MAP: dict[str, Any] = {
    "BOOLEAN": SqlType.bool,
    "TINYINT": SqlType.small_int,
    "SMALLINT": SqlType.small_int,
    "UTINYINT": SqlType.small_int,
    "INTEGER": SqlType.int,
    "USMALLINT": SqlType.int,
    "BIGINT": SqlType.big_int,
    "UINTEGER": SqlType.big_int,
    "DOUBLE": SqlType.double,
    "FLOAT": SqlType.double,
    "REAL": SqlType.double,
    "DATE": SqlType.date,
    "TIMESTAMP": SqlType.timestamp,
    "TIMESTAMP_NS": SqlType.timestamp,
    "TIMESTAMP_MS": SqlType.timestamp,
    "TIMESTAMP_S": SqlType.timestamp,
    "TIMESTAMP WITH TIME ZONE": SqlType.timestamp_tz,
    "TIME": SqlType.time,
    "INTERVAL": SqlType.interval,
    "VARCHAR": SqlType.text,
    "UUID": SqlType.text,
    "BLOB": SqlType.bytes,
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_WIDE_INTEGERS = {"HUGEINT": 38, "UHUGEINT": 38, "UBIGINT": 20}


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    duckdb_type: str
    hyper_type: Any
    nullable: bool
    as_text: bool  # no Hyper equivalent: written as DuckDB's text form

    @property
    def select_expression(self) -> str:
        quoted = '"' + self.name.replace('"', '""') + '"'
        if self.as_text:
            return f"cast({quoted} as varchar) as {quoted}"
        if self.duckdb_type in {"TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}:
            return f"cast({quoted} as timestamp) as {quoted}"
        if self.duckdb_type in _WIDE_INTEGERS:  # Hyper takes 128-bit numerics as Decimal, DuckDB gives int
            return f"cast({quoted} as decimal({_WIDE_INTEGERS[self.duckdb_type]}, 0)) as {quoted}"
        if self.duckdb_type == "UUID":
            return f"cast({quoted} as varchar) as {quoted}"
        return quoted


def hyper_type(duckdb_type: str) -> tuple[Any, bool]:
    """(Hyper SqlType, written-as-text?) for a DuckDB column type name."""
    name = duckdb_type.upper().strip()
    if name in TYPE_MAP:
        return TYPE_MAP[name](), False
    decimal = _DECIMAL.match(name)
    if decimal:
        return SqlType.numeric(int(decimal.group(1)), int(decimal.group(2))), False
    if name in _WIDE_INTEGERS:
        return SqlType.numeric(_WIDE_INTEGERS[name], 0), False
    return SqlType.text(), True


def _needs_wide_numeric(sql_type: Any) -> bool:
    return sql_type.tag == TypeTag.NUMERIC and (sql_type.precision or 0) > 18


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every base table of schema marts (views are not extracted), by name."""
    return [row[0] for row in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name", [SCHEMA]).fetchall()]


def extract_plan(con: duckdb.DuckDBPyConnection, table: str) -> list[ColumnPlan]:
    rows = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [SCHEMA, table]).fetchall()
    plan = []
    for name, data_type, is_nullable in rows:
        sql_type, as_text = hyper_type(data_type)
        plan.append(ColumnPlan(name, data_type.upper(), sql_type, is_nullable == "YES", as_text))
    return plan


def _batches(cursor: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[tuple]]:
    while True:
        batch = cursor.fetchmany(size)
        if not batch:
            return
        yield batch


def _utc(value: Any) -> Any:
    # DuckDB returns TIMESTAMPTZ in the session time zone (UTC here); Hyper wants aware values.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_table(
    con: duckdb.DuckDBPyConnection, hyper: HyperProcess, table: str, target: Path, batch_size: int,
    scratch: Path | None = None,
) -> int:
    plan = extract_plan(con, table)
    definition = TableDefinition(EXTRACT_TABLE, [
        TableDefinition.Column(c.name, c.hyper_type, NULLABLE if c.nullable else NOT_NULLABLE) for c in plan])
    tz_columns = [i for i, c in enumerate(plan) if c.duckdb_type == "TIMESTAMP WITH TIME ZONE"]
    select = ", ".join(c.select_expression for c in plan)
    quoted_table = '"' + table.replace('"', '""') + '"'
    rows_written = 0
    if any(_needs_wide_numeric(c.hyper_type) for c in plan):
        # 128-bit numerics (precision > 18) need Hyper file format 3 (Tableau 2022.4.1+);
        # every other file keeps the default format that older Tableau versions read too.
        target.unlink(missing_ok=True)
        with Connection(hyper.endpoint) as admin:
            admin.execute_command(f"create database {escape_name(str(target))} with version 3")
        mode = CreateMode.NONE
    else:
        mode = CreateMode.CREATE_AND_REPLACE
    with Connection(hyper.endpoint, str(target), mode) as hyper_con:
        hyper_con.catalog.create_schema_if_not_exists(EXTRACT_TABLE.schema_name)
        hyper_con.catalog.create_table(definition)
        if scratch is not None and not any(c.duckdb_type == "INTERVAL" for c in plan):
            parquet = scratch / f"{table}.parquet"
            con.execute(f"copy (select {select} from {SCHEMA}.{quoted_table}) to "
                        f"'{_sql_text(parquet)}' (format parquet)")
            columns = ", ".join(escape_name(c.name) for c in plan)
            rows_written = hyper_con.execute_command(
                f"insert into {EXTRACT_TABLE} ({columns}) select {columns} "
                f"from external({escape_string_literal(str(parquet))}, format => 'parquet')")
            parquet.unlink()
            return rows_written
        cursor = con.cursor()
        cursor.execute(f"select {select} from {SCHEMA}.{quoted_table}")
        with Inserter(hyper_con, definition) as inserter:
            for batch in _batches(cursor, batch_size):
                if tz_columns:
                    batch = [tuple(_utc(v) if i in tz_columns else v for i, v in enumerate(row)) for row in batch]
                inserter.add_rows(batch)
                rows_written += len(batch)
            inserter.execute()
    cursor.close()
    return rows_written


def write_extracts(duckdb_path: Path | str, out_dir: Path | str, batch_size: int = BATCH_SIZE) -> list[Path]:
    """Write ``<out_dir>/<table>.hyper`` for every table of schema marts in the DuckDB
    file (opened read-only); return the paths written, sorted by table name."""
    duckdb_path, out_dir = Path(duckdb_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="tsqa-hyper-") as scratch:
        parameters = {"log_dir": scratch, "log_config": ""}
        with duckdb.connect(str(duckdb_path), read_only=True) as con, HyperProcess(
            telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=parameters
        ) as hyper:
            con.execute("set TimeZone = 'UTC'")
            for table in mart_tables(con):
                final = out_dir / f"{table}.hyper"
                partial = out_dir / f".{table}.partial.hyper"
                _write_table(con, hyper, table, partial, batch_size, Path(scratch))
                os.replace(partial, final)
                written.append(final)
    return written
