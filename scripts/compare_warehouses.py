"""Compare every table of two tsqa warehouses, value by value.

Used to prove that a refactor changes no number (issue 16): build the same landing
folder before and after, then

    .tools/bin/uv run --frozen python scripts/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Every table and view of every schema is compared: the same tables, the same columns
with the same types, and the same multiset of rows, compared as the text of every value
(a byte-level comparison). One exception, reported separately: DuckDB sums floating-point
numbers in parallel, in an order that changes between runs, so two builds of the same
code can differ in the last bit of a DOUBLE (0.848315817193747 against
0.8483158171937468; seen in the calibration interval views). A table whose rows differ
only that way, equal when every DOUBLE is written with 12 significant digits, is listed
as "equal to 12 digits" and is not a difference. Columns that record when or by which
run something was built (build timestamps, run nonces) differ between any two builds
and are skipped; they are listed in VOLATILE below, with the build's bookkeeping
tables (BOOKKEEPING). Exit status 1 when anything differs.
"""
from __future__ import annotations

import argparse
import re
import sys

import duckdb

# Columns that differ between two builds of the same input (when, which run).
VOLATILE = re.compile(
    r"^(_staged_at|built_at|run_started_at|run_at|run_id|validation_run_at|validation_run_id|"
    r"invocation_id|nonce|verifier)$"
)
# The build's own bookkeeping (which run, when, the files' modification times, a
# fingerprint of the project's code): different after any change of code or run.
BOOKKEEPING = {
    "landing.tsqa_build_state", "landing.tsqa_build_marker", "landing.tsqa_key_check",
    "landing.tsqa_model_runs",
}
SKIP_SCHEMAS = {"information_schema", "pg_catalog"}


def tables(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [alias],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, dtype in rows:
        if schema in SKIP_SCHEMAS:
            continue
        out.setdefault(f"{schema}.{table}", []).append((column, dtype))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schemas", nargs="*", help="only these schemas (default: all)")
    parser.add_argument("--ignore-table", action="append", default=[], help="schema.table to skip")
    args = parser.parse_args(argv)

    con = duckdb.connect()
    con.execute(f"attach '{args.before}' as b (read_only)")
    con.execute(f"attach '{args.after}' as a (read_only)")
    before, after = tables(con, "b"), tables(con, "a")
    if args.schemas:
        keep = set(args.schemas)
        before = {k: v for k, v in before.items() if k.split(".")[0] in keep}
        after = {k: v for k, v in after.items() if k.split(".")[0] in keep}
    differences = 0
    for name in sorted(set(before) - set(after)):
        print(f"only in before: {name}")
        differences += 1
    for name in sorted(set(after) - set(before)):
        print(f"only in after:  {name}")
        differences += 1
    compared = skipped_columns = 0
    for name in sorted(set(before) & set(after)):
        if name in args.ignore_table or name in BOOKKEEPING:
            continue
        if before[name] != after[name]:
            print(f"columns differ: {name}\n  before {before[name]}\n  after  {after[name]}")
            differences += 1
            continue
        columns = [c for c, _ in before[name] if not VOLATILE.match(c)]
        skipped = [c for c, _ in before[name] if VOLATILE.match(c)]
        skipped_columns += len(skipped)
        if not columns:
            continue
        schema, table = name.split(".", 1)
        n = differing_rows(con, schema, table, columns, dict(before[name]), rounded=False)
        (rows,) = con.execute(f'select count(*) from b."{schema}"."{table}"').fetchone()
        compared += 1
        if n and not differing_rows(con, schema, table, columns, dict(before[name]), rounded=True):
            print(f"equal to 12 digits: {name} ({n} rows differ in the last bits of a DOUBLE)")
        elif n:
            print(f"rows differ:    {name} ({n} rows in one and not the other, {rows} rows before)"
                  + (f"; skipped {skipped}" if skipped else ""))
            differences += 1
    print(f"{compared} tables compared, {skipped_columns} volatile columns skipped, "
          f"{differences} differences")
    return 1 if differences else 0


def differing_rows(con, schema, table, columns, types, *, rounded: bool) -> int:
    """Rows in one table and not the other (multiset difference, both ways)."""
    def text(c: str) -> str:
        if rounded and types[c] in ("DOUBLE", "FLOAT", "REAL"):
            return f"printf('%.12g', \"{c}\") as \"{c}\""
        return f'cast("{c}" as varchar) as "{c}"'

    select = ", ".join(text(c) for c in columns)
    query = (
        f'select count(*) from ((select {select} from b."{schema}"."{table}" except all '
        f'select {select} from a."{schema}"."{table}") union all '
        f'(select {select} from a."{schema}"."{table}" except all '
        f'select {select} from b."{schema}"."{table}"))'
    )
    (n,) = con.execute(query).fetchone()
    return n


if __name__ == "__main__":
    sys.exit(main())
