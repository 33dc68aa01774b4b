"""Tableau .hyper extracts: every mart table becomes one file, opened here with Tableau's
own Hyper API and compared with DuckDB: row counts, a checksum of the grain columns (the
grain registry of validation/marts.toml, independent of the extract code), the sums of
every numeric column, and the column types of the mapping."""

from __future__ import annotations

import hashlib
import math
import tomllib
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry, TypeTag

from tests.conftest import Warehouse
from tsqa.hyper import write_extracts
from tsqa.settings import PROJECT_DIR

EXTRACT = TableName("Extract", "Extract")

#: The DuckDB -> Hyper type tags the extracts must keep (Tableau's field types follow them).
EXPECTED_TAGS = {
    "BOOLEAN": TypeTag.BOOL,
    "SMALLINT": TypeTag.SMALL_INT,
    "INTEGER": TypeTag.INT,
    "BIGINT": TypeTag.BIG_INT,
    "DOUBLE": TypeTag.DOUBLE,
    "FLOAT": TypeTag.DOUBLE,
    "DATE": TypeTag.DATE,
    "TIMESTAMP": TypeTag.TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": TypeTag.TIMESTAMP_TZ,
    "VARCHAR": TypeTag.TEXT,
    "HUGEINT": TypeTag.NUMERIC,
}


def _plain(value: Any) -> Any:
    """Hyper's Date/Timestamp objects -> Python's, so both engines' rows compare."""
    if hasattr(value, "to_datetime"):
        return value.to_datetime()
    if hasattr(value, "to_date"):
        return value.to_date()
    return value


def _hyper_rows(hyper: HyperProcess, path: Path, sql: str) -> list[tuple]:
    with Connection(hyper.endpoint, str(path)) as con:
        return [tuple(_plain(v) for v in row) for row in con.execute_list_query(sql)]


def _digest(rows: list[tuple]) -> str:
    text = "\n".join("|".join("NULL" if v is None else str(v) for v in row) for row in sorted(rows, key=repr))
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def extracts(sample_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("extracts")
    paths = write_extracts(sample_warehouse.path, out)
    return {p.stem: p for p in paths}


@pytest.fixture(scope="module")
def hyper() -> Any:
    with HyperProcess(telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU,
                      parameters={"log_config": ""}) as process:
        yield process


def test_one_extract_per_mart_table(sample_warehouse: Warehouse, extracts: dict[str, Path]) -> None:
    tables = {r[0] for r in sample_warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'")}
    assert set(extracts) == tables
    assert {"mart_monthly_quality_report", "mart_monthly_business_review", "fct_qa_audits",
            "mart_auditor_quality_monthly", "mart_experiment_results"} <= tables
    assert not list(next(iter(extracts.values())).parent.glob(".*partial*")), "a partial file was left behind"


def test_row_counts_key_checksums_and_numeric_sums_match_duckdb(
    sample_warehouse: Warehouse, extracts: dict[str, Path], hyper: HyperProcess
) -> None:
    grains = tomllib.loads((PROJECT_DIR / "validation" / "marts.toml").read_text())["grains"]
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        for table, path in sorted(extracts.items()):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
            count = con.execute(f'select count(*) from marts."{table}"').fetchone()[0]
            assert _hyper_rows(hyper, path, f"select count(*) from {EXTRACT}")[0][0] == count, table

            keys = grains.get(table) or [columns[0][0]]
            key_list = ", ".join(f'"{k}"' for k in keys)
            duck_keys = con.execute(f'select {key_list} from marts."{table}"').fetchall()
            hyper_keys = _hyper_rows(hyper, path, f"select {key_list} from {EXTRACT}")
            assert _digest(hyper_keys) == _digest(duck_keys), f"{table}: key checksum differs"

            numeric = [name for name, kind in columns if kind in ("BIGINT", "INTEGER", "DOUBLE")]
            if numeric:
                sums = ", ".join(f'sum("{n}")' for n in numeric)
                duck_sums = con.execute(f'select {sums} from marts."{table}"').fetchone()
                hyper_sums = _hyper_rows(hyper, path, f"select {sums} from {EXTRACT}")[0]
                for name, expected, actual in zip(numeric, duck_sums, hyper_sums, strict=True):
                    if expected is None:
                        assert actual is None, f"{table}.{name}"
                    else:
                        assert math.isclose(float(actual), float(expected), rel_tol=1e-12, abs_tol=1e-9), \
                            f"{table}.{name}: hyper {actual} != duckdb {expected}"


def test_column_names_types_and_nullability_are_preserved(
    sample_warehouse: Warehouse, extracts: dict[str, Path], hyper: HyperProcess
) -> None:
    seen_types = set()
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        for table, path in extracts.items():
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
            with Connection(hyper.endpoint, str(path)) as hcon:
                definition = hcon.catalog.get_table_definition(EXTRACT)
            assert [str(c.name).strip('"') for c in definition.columns] == [c[0] for c in columns], table
            for (name, kind), column in zip(columns, definition.columns, strict=True):
                seen_types.add(kind)
                if kind.startswith("DECIMAL"):
                    assert column.type.tag == TypeTag.NUMERIC, f"{table}.{name}"
                    assert f"DECIMAL({column.type.precision},{column.type.scale})" == kind.replace(" ", "")
                else:
                    assert column.type.tag == EXPECTED_TAGS[kind], f"{table}.{name}: {kind} -> {column.type}"
    # the marts exercise the main types Tableau cares about
    assert {"DATE", "TIMESTAMP", "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR"} <= seen_types


def test_every_type_round_trips_exactly(tmp_path: Path, hyper: HyperProcess) -> None:
    source = tmp_path / "types.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema marts")
        con.execute("""
            create table marts.all_types (
                id bigint not null,
                small smallint,
                whole integer,
                huge hugeint,
                ratio double,
                flag boolean,
                day date,
                happened_at timestamp,
                happened_at_tz timestamptz,
                money decimal(18, 4),
                wide decimal(38, 10),
                label varchar,
                tags varchar[]
            )""")
        con.execute("""
            insert into marts.all_types values
            (1, 7, 70000, 123456789012345678901234567890, 0.1, true, date '2026-10-31',
             timestamp '2026-10-31 23:59:59.123456', timestamptz '2026-10-31 23:00:00+00', 12345.6789,
             1234567890123456789012345678.0123456789, 'Zoë', ['a', 'b']),
            (2, null, null, null, null, null, null, null, null, null, null, null, null),
            (3, -1, -2, -3, -0.5, false, date '1970-01-01', timestamp '1970-01-01 00:00:00',
             timestamptz '1999-12-31 12:00:00+00', -0.0001, 0, '', [])""")
        con.execute("create view marts.not_a_table as select 1 as x")
    paths = write_extracts(source, tmp_path / "out", batch_size=2)
    assert [p.name for p in paths] == ["all_types.hyper"]  # views are not extracted

    with Connection(hyper.endpoint, str(paths[0])) as hcon:
        definition = hcon.catalog.get_table_definition(EXTRACT)
        rows = [tuple(_plain(v) for v in row)
                for row in hcon.execute_list_query(f"select * from {EXTRACT} order by id")]
    types = {str(c.name).strip('"'): c for c in definition.columns}
    assert types["id"].nullability.name == "NOT_NULLABLE" and types["ratio"].nullability.name == "NULLABLE"
    assert types["huge"].type.tag == TypeTag.NUMERIC and types["huge"].type.precision == 38
    assert (types["money"].type.precision, types["money"].type.scale) == (18, 4)
    assert (types["wide"].type.precision, types["wide"].type.scale) == (38, 10)
    assert types["happened_at_tz"].type.tag == TypeTag.TIMESTAMP_TZ
    assert types["tags"].type.tag == TypeTag.TEXT  # no Hyper list type: written as text
    assert rows[0] == (
        1, 7, 70000, Decimal("123456789012345678901234567890"), 0.1, True, date(2026, 10, 31),
        datetime(2026, 10, 31, 23, 59, 59, 123456), datetime(2026, 10, 31, 23, 0, tzinfo=timezone.utc),
        Decimal("12345.6789"), Decimal("1234567890123456789012345678.0123456789"), "Zoë", "[a, b]",
    )
    assert rows[1] == (2,) + (None,) * 12
    assert rows[2][1:4] == (-1, -2, Decimal(-3)) and rows[2][9] == Decimal("-0.0001") and rows[2][11] == ""
