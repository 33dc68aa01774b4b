"""Every model and every column is described, and every model with a key has a key test.

Read from dbt's own manifest (``dbt parse``, no build) so that a model or a column added
without its YAML fails here:

- every model has a description, and so has every column its YAML lists;
- every model declares its key in its YAML, as model config ``meta: {key: [...]}``: the
  columns that identify one row (``key: []`` only for a model of one row, which has
  nothing to identify rows by). The rule is explicit rather than guessed from the tests,
  so that a model whose key test is deleted fails;
- a model with a non-empty key has a key test: a ``unique_combination`` test (model
  level, tests/dbt/generic/unique_combination.sql) on exactly those columns, or, for a
  key of one column, a ``unique`` test on that column.

The manifest only knows the columns the YAML lists. That the YAML lists *all* of a model's
output columns, and no column the model does not have, is checked against the built
sample warehouse (``sample_warehouse``, the session's full ``dbt build``, which the marts'
tests build anyway): its information_schema against the manifest of that build. Ephemeral
models have no relation there and are left to the manifest checks. The landing
contract's personal-data columns marked ``pii: drop`` are declared but never stored: they
must be in no table.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Warehouse
from tsqa.dbt import run_dbt
from tsqa.landing import LANDING_ENTITIES


def load_manifest(target: Path) -> dict:
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project's manifest from ``dbt parse`` into a folder of this test's own."""
    workdir = tmp_path_factory.mktemp("docs_coverage")
    env = {"TSQA_DUCKDB_PATH": str(workdir / "tsqa.duckdb"), "TSQA_RAW_DIR": str(workdir / "raw")}
    run_dbt(["parse"], env=env, target_path=workdir / "target", capture=True)
    return load_manifest(workdir / "target")


def models(manifest: dict) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["package_name"] == "tsqa"}


def undescribed_models(manifest: dict) -> list[str]:
    return sorted(name for name, node in models(manifest).items() if not node["description"].strip())


def undescribed_columns(manifest: dict) -> list[str]:
    return sorted(f"{name}.{column}" for name, node in models(manifest).items()
                  for column, spec in node["columns"].items() if not spec["description"].strip())


def key_tests(manifest: dict) -> dict[str, list[list[str]]]:
    """Per model, the column lists its key tests make unique."""
    found: dict[str, list[list[str]]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        attached = node.get("attached_node")
        if node["resource_type"] != "test" or not attached:
            continue
        model = manifest["nodes"][attached]["name"]
        if meta.get("name") == "unique_combination":
            found.setdefault(model, []).append(list(meta["kwargs"]["columns"]))
        elif meta.get("name") == "unique" and node.get("column_name"):
            found.setdefault(model, []).append([node["column_name"]])
    return found


def key_problems(manifest: dict) -> list[str]:
    """Models without a declared key, or whose declared key has no key test."""
    tests = key_tests(manifest)
    problems = []
    for name, node in sorted(models(manifest).items()):
        meta = node["config"].get("meta") or {}
        if "key" not in meta:
            problems.append(f"{name}: no `config: meta: key:` in its YAML")
            continue
        key = list(meta["key"] or [])
        if key and sorted(key) not in [sorted(columns) for columns in tests.get(name, [])]:
            problems.append(f"{name}: key {key} has no unique_combination (or unique) test on exactly it")
    return problems


def test_every_model_is_described(manifest: dict) -> None:
    assert models(manifest), "the manifest lists no model"
    missing = undescribed_models(manifest)
    assert not missing, "models without a description:\n" + "\n".join(missing)


def test_every_listed_column_is_described(manifest: dict) -> None:
    missing = undescribed_columns(manifest)
    assert not missing, "columns without a description:\n" + "\n".join(missing)


def test_every_model_declares_its_key_and_the_key_is_tested(manifest: dict) -> None:
    problems = key_problems(manifest)
    assert not problems, "\n".join(problems)


def test_yaml_lists_every_output_column_of_the_built_models(sample_warehouse: Warehouse) -> None:
    built = load_manifest(sample_warehouse.workdir / "target")
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        rows = con.execute("select table_schema, table_name, column_name from information_schema.columns").fetchall()
    relations: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        relations.setdefault((schema, table), set()).add(column.lower())
    differences = []
    for name, node in sorted(models(built).items()):
        if node["config"]["materialized"] == "ephemeral":
            continue
        actual = relations.get((node["schema"], node["alias"]))
        assert actual is not None, f"{name}: no relation {node['schema']}.{node['alias']} in the sample warehouse"
        listed = {column.lower() for column in node["columns"]}
        # the landing contract declares personal-data columns that are never stored
        # (meta pii: drop, e.g. work_email): in the YAML on purpose, in no table
        never_stored = {column.lower() for column, spec in node["columns"].items()
                        if (spec.get("meta") or {}).get("pii") == "drop"}
        listed -= never_stored
        assert not never_stored & actual, f"{name}: dropped personal data was stored: {never_stored & actual}"
        if actual - listed:
            differences.append(f"{name}: not in its YAML: {sorted(actual - listed)}")
        if listed - actual:
            differences.append(f"{name}: in its YAML but not built: {sorted(listed - actual)}")
    assert not differences, "\n".join(differences)


def test_every_contract_entity_has_its_whole_chain_of_models(manifest: dict) -> None:
    """An entity declared in the landing contract lets its folder through the listing
    (tsqa/landing.py reads the YAML), but dbt counts it only through its landing model
    (``landing_entities()`` reads the graph's models): a YAML entry whose model file is
    missing is only a dbt warning, and its files' rows would be counted nowhere. So every
    declared entity must have its landing, base, staging and quarantine models, and no
    landing model may exist outside the declaration."""
    built = set(models(manifest))
    missing = [f"{prefix}{entity}" for entity in LANDING_ENTITIES
               for prefix in ("landing__", "base_landing__", "stg_landing__", "quarantine__")
               if f"{prefix}{entity}" not in built]
    assert not missing, f"declared in models/landing/_landing__models.yml without a model: {missing}"
    declared_models = sorted(name.removeprefix("landing__") for name in built
                        if name.startswith("landing__"))
    assert declared_models == sorted(LANDING_ENTITIES), "a landing model outside the contract declaration"
