"""The Great Expectations gate: checkpoints over a built warehouse (validation.md).

Four checkpoints run against one DuckDB warehouse file, in this order:

``landing``         one suite per landing entity over ``staging.stg_landing__<entity>``,
                    from ``validation/landing.toml`` (the raw contract as expectations)
``reconciliation``  ``quarantine.reconciliation``: every raw row accounted for, and no
                    drop mostly quarantined
``marts``           one suite per table found in schema ``marts``: the contract schema
                    from dbt's manifest, the grain, ranges by column naming rules
                    (``*_rate`` in [0, 1], ...), ``x_ci_low <= x <= x_ci_high``
``privacy``         one suite per mart: no personal column names, no email-like values,
                    no free text

Every landing and mart suite also compares its row count with the last run that
passed (the one that published the warehouse): see ``validation/checkpoints.toml``.

Column rules are decided in one SQL pass per table (issue 18): a landing suite's rules
(``landing_rules``) and a mart suite's row-level checks (``fold_column_checks``) become
one ``UnexpectedRowsExpectation`` of aggregates (``combined_check``) that returns the
numbers of the broken rules; the report has one failure per broken rule.

GX runs through its SQL data source over the duckdb SQLAlchemy dialect on *one*
DuckDB connection that stays open for the whole run (GX closes pooled connections
before it fetches results, which empties DuckDB's result sets). Expectations are
evaluated in DuckDB; no table is ever pulled into pandas. Result formats that store
sample values are used only where rows hold no identifiers (checkpoints.toml), so
Data Docs never show an identifier or a personal value.

The results go to Data Docs (HTML, ``<data_docs_dir>/index.html``) and, when
``record`` is true, into the validated warehouse itself as ``marts.validation_runs``
(one row per suite run) and ``marts.validation_failures`` (one row per failed
expectation), so Tableau can show data health next to the numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import gc
import json
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import tomllib
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from tsqa import contract
from tsqa.settings import PROJECT_DIR

VALIDATION_DIR = PROJECT_DIR / "validation"
CHECKPOINTS = ("landing", "reconciliation", "marts", "privacy")
#: The schema that holds the marts and the validation history.
MARTS_SCHEMA = "marts"

Progress = Callable[[str], None]

RUNS_DDL = f"""
create table if not exists {MARTS_SCHEMA}.validation_runs (
    run_id varchar not null,      -- one id per validation run (all its checkpoints)
    run_at timestamp not null,    -- when the run started, UTC
    checkpoint varchar not null,  -- landing, reconciliation, marts, privacy
    suite varchar not null,       -- expectation suite, e.g. marts__mart_quality_monthly
    asset varchar not null,       -- the table validated, schema.table
    success boolean not null,     -- no blocking (error-severity) expectation failed
    evaluated integer not null,   -- expectations evaluated
    failed integer not null,      -- expectations that failed, warnings included
    warnings integer not null,    -- failed expectations of severity warn
    row_count bigint              -- rows in the asset at validation time
)
"""

FAILURES_DDL = f"""
create table if not exists {MARTS_SCHEMA}.validation_failures (
    run_id varchar not null,
    run_at timestamp not null,
    checkpoint varchar not null,
    suite varchar not null,
    asset varchar not null,
    expectation varchar not null,  -- GX expectation type
    column_name varchar,           -- the column checked, when there is one
    severity varchar not null,     -- error (stops publication) or warn
    description varchar not null   -- what was expected (never a data value)
)
"""


# ---------------------------------------------------------------------------
# What the runner reports
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    checkpoint: str
    suite: str
    asset: str
    expectation: str
    column: str | None
    severity: str
    description: str


@dataclass(frozen=True)
class SuiteRun:
    checkpoint: str
    suite: str
    asset: str
    success: bool
    evaluated: int
    failed: int
    warnings: int
    row_count: int | None


@dataclass
class Report:
    run_id: str
    run_at: dt.datetime
    runs: list[SuiteRun]
    failures: list[Failure]
    data_docs: Path

    @property
    def passed(self) -> bool:
        return all(run.success for run in self.runs)

    @property
    def review(self) -> Path:
        """The offline review page of this run (tsqa.review), beside the Data Docs index."""
        return self.data_docs.with_name("review.html")

    @property
    def blocking(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity != "error"]

    def summary(self, limit: int = 15) -> list[str]:
        """Lines for a person: counts, then each blocking failure, then warnings."""
        evaluated = sum(r.evaluated for r in self.runs)
        lines = [
            f"{len(self.runs)} suites, {evaluated} expectations: "
            f"{len(self.blocking)} failed, {len(self.warnings)} warnings"
        ]
        for label, items in (("FAILED", self.blocking), ("warning", self.warnings)):
            for f in items[:limit]:
                column = f" [{f.column}]" if f.column else ""
                lines.append(f"  {label}: {f.checkpoint} / {f.suite}{column}: {f.description}")
            if len(items) > limit:
                lines.append(f"  ... and {len(items) - limit} more {label.lower()} (see Data Docs)")
        return lines


# ---------------------------------------------------------------------------
# Configuration (validation/*.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    landing: dict[str, Any]
    marts: dict[str, Any]
    checkpoints: dict[str, Any]

    @classmethod
    def load(cls, folder: Path = VALIDATION_DIR) -> Config:
        def read(name: str) -> dict[str, Any]:
            with (folder / name).open("rb") as handle:
                return tomllib.load(handle)

        return cls(landing_suites(read("landing.toml")), read("marts.toml"), read("checkpoints.toml"))

    def result_format(self, checkpoint: str) -> str:
        return str(self.checkpoints.get(checkpoint, {}).get("result_format", "BOOLEAN_ONLY"))


def landing_suites(extra: Mapping[str, Any]) -> dict[str, Any]:
    """One landing suite per entity of the landing contract (tsqa/contract.py: columns,
    required, key, enums), with what validation/landing.toml adds (ranges, freshness)."""
    unknown = set(extra) - set(contract.entities())
    if unknown:
        raise ValueError(f"validation/landing.toml names entities not in the landing contract: "
                         f"{', '.join(sorted(unknown))}")
    restated = {f"{entity}.{k}" for entity, spec in extra.items() for k in spec if k in ("columns", "required",
                                                                                      "key", "enums")}
    if restated:
        raise ValueError(f"validation/landing.toml restates the landing contract ({', '.join(sorted(restated))}): "
                         "say it in models/landing/_landing__models.yml instead")
    return {entity: {**contract.landing_suite(entity), **extra.get(entity, {})}
            for entity in contract.entities()}


# ---------------------------------------------------------------------------
# Planning: which expectations run on which table (pure, testable without GX)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One expectation: its GX class name and arguments, and how the report names it."""

    kind: str
    kwargs: Mapping[str, Any]
    label: str
    column: str | None = None
    severity: str = "error"
    #: for an UnexpectedRowsExpectation whose rows hold no identifiers (column or file
    #: names): when it fails, its query is run again to name what failed in the report
    detail: bool = False
    #: for an UnexpectedRowsExpectation whose rows are those where a condition holds: the
    #: condition, so that ``fold_column_checks`` can decide it in a combined pass
    where: str | None = None
    #: for a combined check (one SQL pass over a table, ``combined_check``): the rules it
    #: evaluates; its query returns the index of each rule that fails, and the report
    #: has one failure per failed rule, with that rule's label, column and severity
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One column or table rule of a combined check: ``failing`` is a boolean SQL
    expression over aggregates of the whole table (true when the rule is broken)."""

    label: str
    failing: str
    column: str | None = None
    severity: str = "error"


@dataclass
class SuitePlan:
    checkpoint: str
    suite: str
    schema: str
    table: str
    row_count: int | None
    checks: list[Check] = field(default_factory=list)
    #: set when the table the suite needs is not in the warehouse
    missing: str | None = None

    @property
    def asset(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class Catalog:
    """Tables and columns of the warehouse (information_schema), with row counts."""

    columns: dict[tuple[str, str], dict[str, str]]
    row_counts: dict[tuple[str, str], int]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> Catalog:
        columns: dict[tuple[str, str], dict[str, str]] = {}
        rows = con.execute(
            """
            select table_schema, table_name, column_name, data_type
            from information_schema.columns
            where table_catalog = current_database() and table_schema in (select unnest(?))
            order by table_schema, table_name, ordinal_position
            """,
            [list(schemas)],
        ).fetchall()
        for schema, table, column, data_type in rows:
            columns.setdefault((schema, table), {})[column] = data_type
        counts = {}
        for schema, table in columns:
            counts[(schema, table)] = con.execute(
                f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}"
            ).fetchone()[0]
        return cls(columns, counts)

    def tables(self, schema: str) -> list[str]:
        return sorted(table for s, table in self.columns if s == schema)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _matches(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


#: DuckDB type name (information_schema / dbt contract) -> SQLAlchemy type family that
#: GX's ExpectColumnValuesToBeOfType checks with isinstance on the reflected type.
_TYPE_FAMILIES = {
    "varchar": "String", "text": "String", "string": "String", "char": "String",
    "bigint": "Integer", "integer": "Integer", "int": "Integer", "smallint": "Integer",
    "tinyint": "Integer", "hugeint": "Integer", "ubigint": "Integer", "uinteger": "Integer",
    "double": "Float", "float": "Float", "real": "Float", "float8": "Float", "float4": "Float",
    "decimal": "Numeric", "numeric": "Numeric",
    "boolean": "Boolean", "bool": "Boolean",
    "date": "Date",
    "timestamp": "DateTime", "timestamptz": "DateTime", "timestamp with time zone": "DateTime",
    "datetime": "DateTime",
}


#: The same mapping in SQL, over information_schema.columns.data_type.
_FAMILY_SQL = (
    "case when columns.data_type = 'VARCHAR' then 'String' "
    "when columns.data_type in ('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', "
    "'UINTEGER', 'USMALLINT', 'UTINYINT') then 'Integer' "
    "when columns.data_type in ('DOUBLE', 'FLOAT', 'REAL') then 'Float' "
    "when columns.data_type like 'DECIMAL%' then 'Numeric' "
    "when columns.data_type = 'BOOLEAN' then 'Boolean' "
    "when columns.data_type = 'DATE' then 'Date' "
    "when columns.data_type like 'TIMESTAMP%' then 'DateTime' "
    "else columns.data_type end"
)


def type_family(data_type: str) -> str | None:
    base = data_type.strip().lower().split("(")[0].strip()
    return _TYPE_FAMILIES.get(base)


def volume_checks(asset: str, row_count: int | None, baseline: Mapping[str, int], config: Config) -> list[Check]:
    previous = baseline.get(asset)
    if previous is None or row_count is None or previous <= 0:
        return []
    volume = config.checkpoints.get("volume", {})
    max_drop = float(volume.get("max_drop", 0.25))
    max_growth = float(volume.get("max_growth", 5.0))
    low = math.floor(previous * (1 - max_drop))
    high = math.ceil(previous * max_growth)
    return [
        Check("ExpectTableRowCountToBeBetween", {"min_value": low},
              f"row count fell more than {max_drop:.0%} since the last published run "
              f"({previous:,} rows then, at least {low:,} expected)"),
        Check("ExpectTableRowCountToBeBetween", {"max_value": high},
              f"row count grew more than {max_growth:g}x since the last published run "
              f"({previous:,} rows then, at most {high:,} expected)", severity="warn"),
    ]


def plan_landing(catalog: Catalog, config: Config, baseline: Mapping[str, int],
                 as_of: dt.datetime | None) -> list[SuitePlan]:
    plans = []
    for entity, spec in config.landing.items():
        table = f"stg_landing__{entity}"
        plan = SuitePlan("landing", f"landing__{entity}", "staging", table,
                         catalog.row_counts.get(("staging", table)))
        plans.append(plan)
        present = catalog.columns.get(("staging", table))
        if present is None:
            plan.missing = f"staging.{table} is not in the warehouse"
            continue
        columns: dict[str, str] = spec.get("columns", {})
        plan.checks.append(Check("ExpectTableColumnsToMatchSet",
                                 {"column_set": list(columns), "exact_match": True},
                                 "columns are exactly the contract's: " + ", ".join(columns)))
        rules = landing_rules(table, spec, present, as_of)
        rules += [Rule(check.label, _row_count_failing(check.kwargs), severity=check.severity)
                  for check in volume_checks(plan.asset, plan.row_count, baseline, config)]
        plan.checks.append(combined_check(rules, f"the contract's column rules, in one pass over staging.{table}"))
    return plans


def landing_rules(table: str, spec: Mapping[str, Any], present: Mapping[str, str],
                  as_of: dt.datetime | None) -> list[Rule]:
    """The column rules of one landing suite (types, required, key, allowed values,
    ranges, freshness) as rules of one combined check: each is an aggregate over the
    staged table, so all of them are decided in one scan. A rule on a column the table
    lacks always fails (the column-set expectation says which column is missing)."""
    rules: list[Rule] = []

    def column_rule(label: str, column: str, failing: str, severity: str = "error") -> None:
        if column not in present:
            failing, label = "true", f"{label} (could not be evaluated: no column {column})"
        rules.append(Rule(label, failing, column, severity))

    for column, family in spec.get("columns", {}).items():
        if column in present:
            rules.append(Rule(
                f"{column} is of type {family}",
                "coalesce((select " + _FAMILY_SQL + " from information_schema.columns as columns "
                f"where columns.table_schema = 'staging' and columns.table_name = {quote_literal(table)} "
                f"and columns.column_name = {quote_literal(column)}), '?') <> {quote_literal(family)}",
                column))
    for column in spec.get("required", []):
        column_rule(f"{column} is never null", column, f"count(*) filter (where {quote_ident(column)} is null) > 0")
    key = list(spec.get("key", []))
    if len(key) == 1:
        c = quote_ident(key[0])
        column_rule(f"{key[0]} is unique", key[0], f"count({c}) > count(distinct {c})")
    elif key:
        if all(c in present for c in key):
            any_value = "not (" + " and ".join(f"{quote_ident(c)} is null" for c in key) + ")"
            row = "row(" + ", ".join(quote_ident(c) for c in key) + ")"
            rules.append(Rule(f"({', '.join(key)}) is unique", f"count(*) filter (where {any_value}) > "
                              f"count(distinct {row}) filter (where {any_value})"))
        else:
            rules.append(Rule(f"({', '.join(key)}) is unique (could not be evaluated: a key column is missing)",
                              "true"))
    for column, allowed in spec.get("enums", {}).items():
        values = ", ".join(quote_literal(str(v)) for v in allowed)
        column_rule(f"{column} in {{{', '.join(allowed)}}}", column,
                    f"count(*) filter (where {quote_ident(column)} not in ({values})) > 0")
    for column, (low, high) in spec.get("ranges", {}).items():
        outside = " or ".join(f"{quote_ident(column)} {op} {float(bound)!r}"
                              for op, bound in (("<", low), (">", high)) if bound != "")
        column_rule(f"{column} between {low if low != '' else '-inf'} and {high if high != '' else 'inf'}",
                    column, f"count(*) filter (where {outside}) > 0" if outside else "false")
    freshness = spec.get("freshness")
    if freshness and as_of is not None:
        column = freshness["column"]
        days = int(freshness["max_age_days"])
        reference = as_of.strftime("%Y-%m-%d %H:%M:%S")
        column_rule(f"newest {column} at most {days} days before the as-of time {reference} UTC", column,
                    f"max({quote_ident(column)}) < timestamp '{reference}' - interval {days} day", severity="warn")
    return rules


def _row_count_failing(bounds: Mapping[str, Any]) -> str:
    """An ExpectTableRowCountToBeBetween's bounds as a failing condition on count(*)."""
    parts = [f"count(*) < {int(bounds['min_value'])}"] if "min_value" in bounds else []
    parts += [f"count(*) > {int(bounds['max_value'])}"] if "max_value" in bounds else []
    return " or ".join(parts) or "false"


def combined_check(rules: Sequence[Rule], label: str) -> Check:
    """One UnexpectedRowsExpectation that evaluates ``rules`` in one aggregate query over
    the batch; its rows are the indexes of the failing rules (never a data value)."""
    flags = ", ".join(f"coalesce({rule.failing}, false)" for rule in rules) or "false"
    query = (f"select rule from (select unnest(range({max(len(rules), 1)})) as rule, unnest(flags) as failed "
             f"from (select [{flags}] as flags from {{batch}})) where failed order by rule")
    return Check("UnexpectedRowsExpectation", {"unexpected_rows_query": query},
                 f"{label}: " + "; ".join(rule.label for rule in rules), rules=tuple(rules))


def plan_reconciliation(catalog: Catalog, config: Config) -> list[SuitePlan]:
    table = ("quarantine", "reconciliation")
    plan = SuitePlan("reconciliation", "reconciliation", *table, catalog.row_counts.get(table))
    if table not in catalog.columns:
        plan.missing = "quarantine.reconciliation is not in the warehouse"
        return [plan]
    settings = config.checkpoints.get("reconciliation", {})
    share = quarantine_share_limit(settings)
    # whatever the file's size: a small drop whose rows are all quarantined is as wrong
    # as a big one (the limit is a share, so a file of fewer than 1/share rows stops at
    # its first quarantined row)
    condition = f"quarantined_rows > 0 and (quarantined_rows >= raw_rows or quarantined_rows > {share!r} * raw_rows)"
    plan.checks += [
        Check("UnexpectedRowsExpectation",
              {"unexpected_rows_query":
                  "select entity || '/' || coalesce(source_file, '?') from {batch} "
                  "where not coalesce(is_balanced, false) order by 1"},
              "raw rows = current + superseded + quarantined + exact duplicates, for every file",
              "is_balanced", detail=True),
        Check("UnexpectedRowsExpectation",
              {"unexpected_rows_query":
                  "select entity || '/' || source_file || ': ' || quarantined_rows || ' of ' || raw_rows "
                  f"|| ' rows quarantined' from {{batch}} where {condition} order by 1"},
              f"at most {share:.0%} of a file's rows quarantined, and never all of them (any file size; "
              f"{SHARE_VARIABLE})",
              "quarantined_rows", detail=True),
        Check("UnexpectedRowsExpectation",
              {"unexpected_rows_query":
                  "select entity || '/' || source_file || ': ' || quarantined_rows || ' of ' || raw_rows "
                  "|| ' rows quarantined (see quarantine.' || entity || ')' from {batch} "
                  "where quarantined_rows > 0 order by 1"},
              "no quarantined row (reported, does not stop the publication below the share limit)",
              "quarantined_rows", severity="warn", detail=True),
    ]
    return [plan]


#: Environment variable that overrides the quarantine-share limit of checkpoints.toml.
SHARE_VARIABLE = "TSQA_MAX_QUARANTINE_SHARE"


def quarantine_share_limit(settings: Mapping[str, Any]) -> float:
    """The largest share of a file's rows that may be quarantined: TSQA_MAX_QUARANTINE_SHARE
    if set, else ``max_quarantined_share`` of validation/checkpoints.toml (0.10)."""
    text = os.environ.get(SHARE_VARIABLE)
    value = float(text) if text else float(settings.get("max_quarantined_share", 0.10))
    if not 0 <= value <= 1:
        raise ValueError(f"{SHARE_VARIABLE} (or max_quarantined_share) must be between 0 and 1, not {value}")
    return value


def manifest_models(manifest_path: Path | None) -> dict[str, dict[str, Any]]:
    """Models of schema marts in dbt's manifest, by relation name (alias)."""
    if manifest_path is None or not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    models: dict[str, dict[str, Any]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA:
            models[node.get("alias") or node["name"]] = {"node": node, "unique": []}
    by_id = {m["node"]["unique_id"]: name for name, m in models.items()}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        metadata = node.get("test_metadata") or {}
        attached = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), None)
        if attached not in by_id:
            continue
        kwargs = metadata.get("kwargs", {})
        if metadata.get("name") == "unique" and kwargs.get("column_name"):
            models[by_id[attached]]["unique"].append([kwargs["column_name"]])
        elif metadata.get("name") == "unique_combination_of_columns" and kwargs.get("combination_of_columns"):
            models[by_id[attached]]["unique"].append(list(kwargs["combination_of_columns"]))
    for model in models.values():
        node = model["node"]
        for constraint in node.get("constraints", []):
            if constraint.get("type") == "primary_key" and constraint.get("columns"):
                model["unique"].append(list(constraint["columns"]))
        for name, column in node.get("columns", {}).items():
            for constraint in column.get("constraints", []):
                if constraint.get("type") == "primary_key":
                    model["unique"].append([name])
    return models


def plan_marts(catalog: Catalog, config: Config, baseline: Mapping[str, int],
               models: Mapping[str, dict[str, Any]]) -> list[SuitePlan]:
    naming = config.marts.get("naming", {})
    grains = config.marts.get("grains", {})
    skip = set(config.marts.get("skip_tables", []))
    tolerance = float(naming.get("ci_tolerance", 1e-9))
    low_suffix = naming.get("ci_low_suffix", "_ci_low")
    high_suffix = naming.get("ci_high_suffix", "_ci_high")
    plans = []
    for table in catalog.tables(MARTS_SCHEMA):
        if table in skip:
            continue
        present = catalog.columns[(MARTS_SCHEMA, table)]
        plan = SuitePlan("marts", f"marts__{table}", MARTS_SCHEMA, table,
                         catalog.row_counts.get((MARTS_SCHEMA, table)))
        plans.append(plan)
        checks = plan.checks
        model = models.get(table)
        declared = (model or {}).get("node", {}).get("columns", {})
        if declared:
            checks.append(Check("ExpectTableColumnsToMatchSet",
                                {"column_set": list(declared), "exact_match": True},
                                "columns are exactly the model contract's"))
            typed = {c: type_family(spec.get("data_type") or "") for c, spec in declared.items()}
            typed = {c: f for c, f in typed.items() if f}
            if typed:
                # one query per mart (a type expectation per column costs GX a page of work
                # each): the columns whose type family differs from the contract's
                contract = ", ".join(f"({quote_literal(c)}, {quote_literal(f)})" for c, f in typed.items())
                checks.append(Check(
                    "UnexpectedRowsExpectation",
                    {"unexpected_rows_query":
                        "select columns.column_name from information_schema.columns as columns "
                        f"inner join (values {contract}) as contract (column_name, family) "
                        "on columns.column_name = contract.column_name "
                        f"where columns.table_schema = {quote_literal(MARTS_SCHEMA)} "
                        f"and columns.table_name = {quote_literal(table)} "
                        f"and {_FAMILY_SQL} <> contract.family "
                        "and (select count(*) from (select 1 from {batch} limit 1)) >= 0"},
                    "every column has its contract type ("
                    + ", ".join(f"{c} {spec.get('data_type')}" for c, spec in declared.items()
                                if c in typed) + ")",
                    detail=True))
        keys: list[list[str]] = []
        if table in grains:
            keys.append(list(grains[table]))
        for key in (model or {}).get("unique", []):
            if key not in keys and all(c in present for c in key):
                keys.append(key)
        for key in keys:
            missing = [c for c in key if c not in present]
            if missing:
                checks.append(Check("ExpectTableColumnsToMatchSet",
                                    {"column_set": key, "exact_match": False},
                                    f"grain columns exist: {', '.join(key)}"))
                continue
            if len(key) == 1:
                checks.append(Check("ExpectColumnValuesToNotBeNull", {"column": key[0]},
                                    f"grain column {key[0]} is never null", key[0]))
                checks.append(Check("ExpectColumnValuesToBeUnique", {"column": key[0]},
                                    f"one row per {key[0]}", key[0]))
            else:
                checks.append(Check("ExpectCompoundColumnsToBeUnique",
                                    {"column_list": key, "ignore_row_if": "never"},
                                    f"one row per {' x '.join(key)}"))
        for column, data_type in present.items():
            numeric = type_family(data_type) in ("Integer", "Float", "Numeric")
            if not numeric:
                continue
            if _matches(column, naming.get("unit_interval", [])) and not _matches(
                    column, naming.get("unit_interval_except", [])):
                checks.append(Check("ExpectColumnValuesToBeBetween",
                                    {"column": column, "min_value": 0, "max_value": 1},
                                    f"{column} is a proportion in [0, 1]", column))
            elif _matches(column, naming.get("signed_unit_interval", [])):
                checks.append(Check("ExpectColumnValuesToBeBetween",
                                    {"column": column, "min_value": -1, "max_value": 1},
                                    f"{column} is an agreement coefficient in [-1, 1]", column))
            elif _matches(column, naming.get("non_negative", [])):
                checks.append(Check("ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0},
                                    f"{column} is a count or duration >= 0", column))
        for low in present:
            if not low.endswith(low_suffix):
                continue
            stem = low[: -len(low_suffix)]
            high = stem + high_suffix
            if high not in present:
                continue
            lo, hi = quote_ident(low), quote_ident(high)
            condition = f"{lo} > {hi} + {tolerance!r}"
            label = f"{low} <= {high}"
            if stem in present:
                x = quote_ident(stem)
                condition += f" or {x} < {lo} - {tolerance!r} or {x} > {hi} + {tolerance!r}"
                label = f"{low} <= {stem} <= {high}"
            checks.append(Check("UnexpectedRowsExpectation",
                                {"unexpected_rows_query": f"select 1 from {{batch}} where {condition}"},
                                label, stem, where=condition))
        checks.extend(volume_checks(plan.asset, plan.row_count, baseline, config))
    return plans


def fold_rule(check: Check) -> Rule | None:
    """A row-level expectation as a rule of a combined check (an aggregate that is true
    when the expectation fails), or None for one that is not a column check. The SQL
    keeps GX's semantics: value expectations skip nulls; a compound key with
    ``ignore_row_if = never`` counts every row, else rows whose key is all null are
    skipped."""
    kwargs = check.kwargs
    if check.kind == "ExpectColumnValuesToNotBeNull":
        failing = f"count(*) filter (where {quote_ident(kwargs['column'])} is null) > 0"
    elif check.kind == "ExpectColumnValuesToBeUnique":
        column = quote_ident(kwargs["column"])
        failing = f"count({column}) > count(distinct {column})"
    elif check.kind == "ExpectCompoundColumnsToBeUnique":
        key = [quote_ident(c) for c in kwargs["column_list"]]
        kept = "true" if kwargs.get("ignore_row_if") == "never" else \
            "not (" + " and ".join(f"{c} is null" for c in key) + ")"
        failing = (f"count(*) filter (where {kept}) > "
                   f"count(distinct row({', '.join(key)})) filter (where {kept})")
    elif check.kind == "ExpectColumnValuesToBeBetween":
        column = quote_ident(kwargs["column"])
        outside = [f"{column} < {float(kwargs['min_value'])!r}"] if kwargs.get("min_value") is not None else []
        outside += [f"{column} > {float(kwargs['max_value'])!r}"] if kwargs.get("max_value") is not None else []
        failing = f"count(*) filter (where {' or '.join(outside)}) > 0" if outside else "false"
    elif check.kind == "UnexpectedRowsExpectation" and check.where:
        failing = f"count(*) filter (where {check.where}) > 0"
    else:
        return None
    return Rule(check.label, failing, check.column, check.severity)


def fold_column_checks(plans: list[SuitePlan]) -> list[SuitePlan]:
    """Each suite's row-level column checks (not null, unique, ranges, row conditions)
    become one combined check: one scan of the table instead of one per expectation.
    The other checks (column set, types from the catalog, volume) stay as they are."""
    for plan in plans:
        rules = [fold_rule(check) for check in plan.checks]
        folded = [rule for rule in rules if rule is not None]
        if len(folded) < 2:
            continue
        kept = [check for check, rule in zip(plan.checks, rules) if rule is None]
        plan.checks = kept + [combined_check(folded, f"column rules, in one pass over {plan.asset}")]
    return plans


def _per_column_query(columns: Sequence[str], aggregates: Callable[[str], Sequence[str]],
                      failing: str) -> str:
    """One scan of {batch}: per-column aggregates, then the names of the columns whose
    aggregates meet ``failing`` (a condition on the aggregate aliases a0, a1, ...).
    Returns column names only, never a value."""
    selects = []
    branches = []
    for i, column in enumerate(columns):
        names = []
        for j, aggregate in enumerate(aggregates(quote_ident(column))):
            selects.append(f"{aggregate} as s{i}_{j}")
            names.append(f"s{i}_{j} as a{j}")
        branches.append(f"select {quote_literal(column)} as column_name, {', '.join(names)} from stats")
    return (
        f"with stats as (select {', '.join(selects)} from {{batch}}) "
        f"select column_name from ({' union all '.join(branches)}) where {failing}"
    )


def email_count(column: str, regex: str, must_contain: str = "") -> str:
    """The number of values of ``column`` that match the email ``regex``. When every
    match must contain ``must_contain`` (marts.toml: ``@``), the regex runs only on the
    values that do (issue 18): a CASE, because DuckDB evaluates both sides of an AND in
    an aggregate's FILTER, and the regex over 10M keys is most of the privacy suite."""
    matches = f"regexp_matches({column}, {quote_literal(regex)})"
    if not must_contain:
        return f"count(*) filter (where {matches})"
    return f"count(*) filter (where case when contains({column}, {quote_literal(must_contain)}) then {matches} end)"


def sentence_count(column: str, min_words: int) -> str:
    """The number of distinct values of ``column`` that split on spaces into at least
    ``min_words`` words, the way ``len(string_split(trim(v), ' ')) >= min_words`` counts
    them (consecutive spaces make empty words): at least ``min_words - 1`` spaces in the
    trimmed value, tested with LIKE, and only on values holding a space (issue 18: the
    split made a list of every one of 10M keys)."""
    if min_words < 2:
        return f"count(distinct {column}) filter (where len(string_split(trim({column}), ' ')) >= {min_words})"
    pattern = "%" + " %" * (min_words - 1)
    return (f"count(distinct case when contains({column}, ' ') and trim({column}) like "
            f"{quote_literal(pattern)} then {column} end)")


def plan_privacy(catalog: Catalog, config: Config) -> list[SuitePlan]:
    privacy = config.marts.get("privacy", {})
    skip = set(config.marts.get("skip_tables", []))
    allowed = set(privacy.get("allowed_text_columns", []))
    forbidden = [p.lower() for p in privacy.get("forbidden_columns", [])]
    email = privacy.get("email_regex")
    email_needs = str(privacy.get("email_must_contain") or "")
    if email and email_needs and email_needs not in email:
        raise ValueError(f"validation/marts.toml [privacy]: email_must_contain {email_needs!r} is not in "
                         "email_regex; set it to text every match contains, or to \"\"")
    max_avg = float(privacy.get("max_avg_length", 64))
    max_sentences = int(privacy.get("max_distinct_sentences", 50))
    min_words = int(privacy.get("sentence_min_words", 4))
    plans = []
    for table in catalog.tables(MARTS_SCHEMA):
        if table in skip:
            continue
        present = catalog.columns[(MARTS_SCHEMA, table)]
        plan = SuitePlan("privacy", f"privacy__{table}", MARTS_SCHEMA, table,
                         catalog.row_counts.get((MARTS_SCHEMA, table)))
        plans.append(plan)
        if forbidden:
            globs = " or ".join(f"lower(column_name) glob {quote_literal(p)}" for p in forbidden)
            plan.checks.append(Check(
                "UnexpectedRowsExpectation",
                {"unexpected_rows_query":
                    "select column_name from information_schema.columns "
                    f"where table_schema = {quote_literal(MARTS_SCHEMA)} and table_name = {quote_literal(table)} "
                    f"and ({globs}) and (select count(*) from (select 1 from {{batch}} limit 1)) >= 0"},
                "no column named like personal data (" + ", ".join(forbidden) + ")",
                detail=True))
        text_columns = [c for c, t in present.items() if type_family(t) == "String"]
        if email and text_columns:
            plan.checks.append(Check(
                "UnexpectedRowsExpectation",
                {"unexpected_rows_query": _per_column_query(
                    text_columns, lambda c: [email_count(c, email, email_needs)], "a0 > 0")},
                "no email-like value in any text column", detail=True))
        prose = [c for c in text_columns if f"{table}.{c}" not in allowed]
        if prose:
            plan.checks.append(Check(
                "UnexpectedRowsExpectation",
                {"unexpected_rows_query": _per_column_query(
                    prose,
                    lambda c: [f"avg(length({c}))", sentence_count(c, min_words)],
                    f"a0 > {max_avg!r} or a1 > {max_sentences}")},
                f"no free text: every text column averages at most {max_avg:g} characters and has at "
                f"most {max_sentences} distinct values of {min_words}+ words", detail=True))
    return plans


# ---------------------------------------------------------------------------
# History: the counts of the last run that passed, and writing this run's results
# ---------------------------------------------------------------------------


def ensure_history_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    con.execute(RUNS_DDL)
    con.execute(FAILURES_DDL)


def has_history(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> bool:
    database = catalog or con.execute("select current_database()").fetchone()[0]
    found = con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_name = 'validation_runs'",
        [database, MARTS_SCHEMA],
    ).fetchone()[0]
    return bool(found)


def read_baseline(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count per asset in the latest run whose suites all passed."""
    if not has_history(con):
        return {}
    rows = con.execute(
        f"""
        with passed as (
            select run_id, max(run_at) as run_at
            from {MARTS_SCHEMA}.validation_runs
            group by run_id
            having bool_and(success)
            order by run_at desc
            limit 1
        )
        select asset, max(row_count)
        from {MARTS_SCHEMA}.validation_runs
        where run_id = (select run_id from passed) and row_count is not null
        group by asset
        """
    ).fetchall()
    return {asset: int(count) for asset, count in rows}


def record(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    ensure_history_tables(con)
    run_at = report.run_at.replace(tzinfo=None)
    con.executemany(
        f"insert into {MARTS_SCHEMA}.validation_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[report.run_id, run_at, r.checkpoint, r.suite, r.asset, r.success, r.evaluated, r.failed,
          r.warnings, r.row_count] for r in report.runs],
    )
    if report.failures:
        con.executemany(
            f"insert into {MARTS_SCHEMA}.validation_failures values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[report.run_id, run_at, f.checkpoint, f.suite, f.asset, f.expectation, f.column, f.severity,
              f.description] for f in report.failures],
        )
    con.execute("checkpoint")


# ---------------------------------------------------------------------------
# Running the checkpoints
# ---------------------------------------------------------------------------


def resolve_as_of(con: duckdb.DuckDBPyConnection, as_of: str | None) -> dt.datetime | None:
    """The freshness reference: TSQA_AS_OF, else the latest le_requests.updated_at."""
    if as_of:
        parsed = dt.datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return parsed
    try:
        value = con.execute("select max(updated_at) from staging.stg_landing__le_requests").fetchone()[0]
    except duckdb.Error:
        return None
    return value if isinstance(value, dt.datetime) else None


def data_docs_site(folder: Path) -> dict[str, Any]:
    """A local Data Docs site in ``folder``: the index, one page per suite run and one
    per expectation suite (the index links to both)."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "site_section_builders": {"profiling": "0"},
    }


def validate(
    database: Path,
    *,
    data_docs_dir: Path,
    manifest_path: Path | None = None,
    as_of: str | None = None,
    write_results: bool = True,
    config: Config | None = None,
    progress: Progress | None = None,
) -> Report:
    """Run every checkpoint against ``database``; write Data Docs; record the results
    into ``database`` (``marts.validation_runs``/``validation_failures``) unless
    ``write_results`` is false (then the file is opened read-only).

    The baseline for row-count changes is the file's own history: the gated build
    carries the published warehouse's history into the working file before this runs.
    """
    say = progress or (lambda _line: None)
    config = config or Config.load()
    run_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run_id = run_at.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    con = duckdb.connect(str(database), read_only=not write_results)
    try:
        con.execute("set TimeZone = 'UTC'")
        catalog = Catalog.read(con, ["staging", "quarantine", MARTS_SCHEMA])
        baseline = read_baseline(con)
        reference = resolve_as_of(con, as_of)
        models = manifest_models(manifest_path)
        plans = (
            plan_landing(catalog, config, baseline, reference)
            + plan_reconciliation(catalog, config)
            + fold_column_checks(plan_marts(catalog, config, baseline, models))
            + plan_privacy(catalog, config)
        )
        runs, failures = _run_gx(con, database, plans, config, data_docs_dir, run_id, say)
        report = Report(run_id, run_at, runs, failures, data_docs_dir / "index.html")
        from tsqa.review import write_review

        write_review(report, con, database)
        say(f"  validation review written to {report.review} (works offline)")
        if write_results:
            record(con, report)
        return report
    finally:
        con.close()
        gc.collect()


def _import_gx() -> tuple[Any, ...]:
    """Import what the checkpoints use (about 10 s on 2 cores: GX pulls in pandas, scipy,
    altair and pyspark), its import-time warnings silenced; a second call costs nothing.
    Returns (duckdb_engine, great_expectations, its expectations module, RunIdentifier,
    ProgressBarsConfig, SQLAlchemy's StaticPool): the one list of what ``_run_gx`` uses."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # GX logs a warning per type check on DuckDB ("No sqlalchemy dialect found");
    # the report says what matters.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import duckdb_engine
        import great_expectations as gx
        from great_expectations import expectations as gxe
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from sqlalchemy.pool import StaticPool
    return duckdb_engine, gx, gxe, RunIdentifier, ProgressBarsConfig, StaticPool


@contextlib.contextmanager
def importing_gx_meanwhile() -> Iterator[None]:
    """Import Great Expectations in a background thread while the block runs (the gated
    build's dbt step: dbt works in its own process, this one mostly waits), so the
    checkpoints that follow find it loaded. The block's end waits for the import, so its
    silencing of warnings (global state, not thread-safe) is over before anything else
    of the caller's touches them. A failed import is left to the checkpoints' own import,
    which raises it."""

    def load() -> None:
        try:
            _import_gx()
        except Exception:  # noqa: BLE001 - raised again, in the main thread, by _run_gx
            pass

    loader = threading.Thread(target=load, name="tsqa-import-gx", daemon=True)
    loader.start()
    try:
        yield
    finally:
        loader.join()


def _run_gx(con: duckdb.DuckDBPyConnection, database: Path, plans: list[SuitePlan], config: Config,
            data_docs_dir: Path, run_id: str, say: Progress) -> tuple[list[SuiteRun], list[Failure]]:
    started = time.monotonic()
    duckdb_engine, gx, gxe, RunIdentifier, ProgressBarsConfig, StaticPool = _import_gx()
    say(f"  loaded Great Expectations ({time.monotonic() - started:.1f}s)")

    data_docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    default_site = context.list_data_docs_sites().get("local_site", {}).get("store_backend", {})
    context.update_data_docs_site("local_site", data_docs_site(data_docs_dir))
    # an ephemeral context makes an (empty) temporary folder for its default site
    default_folder = Path(str(default_site.get("base_directory") or data_docs_dir))
    if default_folder != data_docs_dir and default_folder.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(default_folder, ignore_errors=True)
    # GX closes (and so rolls back) its SQLAlchemy connection before it fetches a
    # query's rows, and on a DuckDB connection a rollback discards the pending result
    # ("list index out of range"). So SQLAlchemy gets one DBAPI connection for the
    # whole run (a static pool, never reset) whose cursors each run on their own
    # DuckDB cursor of the same database: results outlive the connection's rollback.
    class _PersistentConnection(duckdb_engine.ConnectionWrapper):
        def cursor(self) -> Any:
            return duckdb_engine.CursorWrapper(con.cursor(), self)

        def close(self) -> None:  # the caller closes the DuckDB connection
            pass

    wrapper = _PersistentConnection(con)
    datasource = context.data_sources.add_sql(
        name="warehouse",
        connection_string="duckdb:///" + str(database),
        kwargs={"creator": lambda: wrapper, "poolclass": StaticPool},
    )

    runs: list[SuiteRun] = []
    failures: list[Failure] = []
    by_suite: dict[str, SuitePlan] = {}
    assets: dict[str, Any] = {}
    try:
        for checkpoint_name in CHECKPOINTS:
            chosen = [p for p in plans if p.checkpoint == checkpoint_name]
            if not chosen:
                continue
            step = time.monotonic()
            definitions = []
            for plan in chosen:
                by_suite[plan.suite] = plan
                if plan.missing:
                    runs.append(SuiteRun(plan.checkpoint, plan.suite, plan.asset, False, 1, 1, 0, None))
                    failures.append(Failure(plan.checkpoint, plan.suite, plan.asset, "table_exists", None,
                                            "error", plan.missing))
                    continue
                if not plan.checks:
                    continue
                suite = gx.ExpectationSuite(name=plan.suite)
                for index, check in enumerate(plan.checks):
                    expectation = getattr(gxe, check.kind)(**check.kwargs)
                    expectation.meta = {"tsqa_check": index, "severity": check.severity, "label": check.label}
                    if check.kind == "UnexpectedRowsExpectation":
                        expectation.description = check.label
                    suite.add_expectation(expectation)
                suite = context.suites.add(suite)
                if plan.asset not in assets:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        asset = datasource.add_table_asset(name=plan.asset, table_name=plan.table,
                                                           schema_name=plan.schema)
                    assets[plan.asset] = asset.add_batch_definition_whole_table("whole table")
                batch = assets[plan.asset]
                definitions.append(context.validation_definitions.add(
                    gx.ValidationDefinition(name=plan.suite, data=batch, suite=suite)))
            if not definitions:
                continue
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=checkpoint_name,
                validation_definitions=definitions,
                result_format={"result_format": config.result_format(checkpoint_name)},
            ))
            result = checkpoint.run(run_id=RunIdentifier(run_name=run_id))
            count = 0
            for validation in result.run_results.values():
                plan = by_suite[validation.suite_name]
                run, found = _collect(con, plan, validation)
                runs.append(run)
                failures.extend(found)
                count += run.evaluated
            failed = sum(1 for f in failures if f.checkpoint == checkpoint_name and f.severity == "error")
            say(f"  checkpoint {checkpoint_name}: {len(definitions)} suites, {count} expectations, "
                f"{failed} failed ({time.monotonic() - step:.1f}s)")
        # Data Docs once, after every checkpoint (rendering is most of GX's time; an
        # UpdateDataDocsAction per checkpoint would rebuild the site each time).
        step = time.monotonic()
        for stale in ("validations", "expectations"):
            shutil.rmtree(data_docs_dir / stale, ignore_errors=True)
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        context.build_data_docs(site_names=["local_site"])
        say(f"  Data Docs written to {data_docs_dir / 'index.html'} ({time.monotonic() - step:.1f}s)")
    finally:
        # Drop GX's engines and context; the caller closes the one DuckDB connection
        # (disposing the static pool here would close it before results are recorded).
        del datasource, context
        gc.collect()
    return runs, failures


def _collect(con: duckdb.DuckDBPyConnection, plan: SuitePlan, validation: Any) -> tuple[SuiteRun, list[Failure]]:
    failures = []
    for result in validation.results:
        if result.success:
            continue
        meta = result.expectation_config.meta or {}
        check = plan.checks[int(meta.get("tsqa_check", 0))]
        description = check.label
        error = _exception_message(result.exception_info)
        if error:
            description += f" (could not be evaluated: {error})"
        elif check.rules:
            failures += _failed_rules(con, plan, check, result.expectation_config.type)
            continue
        elif check.detail:
            query = str(check.kwargs["unexpected_rows_query"]).format(
                batch=f"{quote_ident(plan.schema)}.{quote_ident(plan.table)}")
            try:
                found = [row[0] for row in con.execute(f"select * from ({query}) limit 10").fetchall()]
            except duckdb.Error:
                found = []
            if found:
                description += ": " + "; ".join(str(x) for x in found)
        failures.append(Failure(plan.checkpoint, plan.suite, plan.asset, result.expectation_config.type,
                                check.column, check.severity, description))
    blocking = sum(1 for f in failures if f.severity == "error")
    # a combined check counts as the rules it evaluated
    evaluated = sum(max(len(check.rules), 1) for check in plan.checks)
    run = SuiteRun(plan.checkpoint, plan.suite, plan.asset, blocking == 0, evaluated,
                   len(failures), len(failures) - blocking, plan.row_count)
    return run, failures


def _failed_rules(con: duckdb.DuckDBPyConnection, plan: SuitePlan, check: Check, kind: str) -> list[Failure]:
    """The failures of a combined check, one per broken rule: its query is run again
    (only when it failed) to learn which rules broke."""
    query = str(check.kwargs["unexpected_rows_query"]).format(
        batch=f"{quote_ident(plan.schema)}.{quote_ident(plan.table)}")
    try:
        broken = [check.rules[int(row[0])] for row in con.execute(query).fetchall()]
    except duckdb.Error as error:
        message = str(error).strip().splitlines()[0][:300] if str(error).strip() else "error"
        return [Failure(plan.checkpoint, plan.suite, plan.asset, kind, None, "error",
                        f"{check.label} (could not be evaluated: {message})")]
    return [Failure(plan.checkpoint, plan.suite, plan.asset, kind, rule.column, rule.severity, rule.label)
            for rule in broken]


def _exception_message(info: Any) -> str | None:
    """First line of the error GX caught, if the expectation raised one. GX reports it
    either flat or keyed by the metric that failed."""
    if not isinstance(info, Mapping):
        return None
    candidates = [info] + [v for v in info.values() if isinstance(v, Mapping)]
    for item in candidates:
        if item.get("raised_exception"):
            lines = str(item.get("exception_message") or "error").strip().splitlines()
            return (lines[0] if lines else "error")[:300]
    return None
