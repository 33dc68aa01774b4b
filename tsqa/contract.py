"""The landing contract for Python, read from the one file that declares it.

dbt owns the contract: ``models/landing/_landing__models.yml`` lists, for every landing
entity, its columns in file order with their contract type (``data_type``) and rules
(``meta``: key, required, enum, pii, free_text, references; model meta: version_order,
keep). The dbt macros read it from the graph (``macros/landing_contract.sql``); Python
reads the same file here: the landing entities (``tsqa.landing``), the GX landing suites
(``tsqa.validate``) and the sample generator (``columns``).

Columns whose name starts with ``_`` are landing's own (file, line, ...), not the
contract's. The file is checked as it is read: an unknown type or meta key, or a
reference to an entity that does not exist, stops with a message naming the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tsqa.settings import PROJECT_DIR

CONTRACT_FILE = PROJECT_DIR / "models" / "landing" / "_landing__models.yml"

#: Contract type -> the type family GX checks on the staging view (tsqa/validate.py).
TYPE_FAMILIES = {
    "varchar": "String", "date": "Date", "timestamp": "DateTime",
    "integer": "Integer", "double": "Float", "boolean": "Boolean",
}
COLUMN_META = {"key", "required", "enum", "pii", "free_text", "references", "staged_as"}
# Model meta: version_order and keep are contract rules; key is the landing table's own row
# key (one row per physical data line: _source_file, _line), which every model declares
# for tests/test_docs_coverage.py; a record's identity is its columns' meta.key.
MODEL_META = {"version_order", "keep", "key"}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    key: bool = False
    required: bool = False
    enum: tuple[str, ...] = ()
    pii: str | None = None          # drop | hash
    free_text: bool = False
    references: tuple[str, str, str] | None = None   # ("entity" | "seed", name, column)
    staged_as: str | None = None    # its name from staging on, when it is renamed

    @property
    def staged(self) -> bool:
        """Whether the column reaches the staging view (dropped and free-text ones do not)."""
        return self.pii != "drop" and not self.free_text


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    version_order: str | None = None
    keep: str = "newest"

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def key(self) -> list[str]:
        return [c.name for c in self.columns if c.key]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def enums(self) -> dict[str, list[str]]:
        return {c.name: list(c.enum) for c in self.columns if c.enum}

    def pii(self, treatment: str) -> list[str]:
        return [c.name for c in self.columns if c.pii == treatment]

    def staged_columns(self) -> dict[str, str]:
        """The columns of ``staging.stg_landing__<entity>`` and their GX type families."""
        out = {c.staged_as or c.name: TYPE_FAMILIES[c.data_type] for c in self.columns if c.staged}
        return {**out, "source_file": "String"}


class ContractError(ValueError):
    pass


def _meta(spec: dict[str, Any], where: str) -> dict[str, Any]:
    """A node's meta as dbt sees it: ``meta:`` merged with ``config: meta:``.

    dbt merges the two places, so a rule written under ``config:`` applies in the build and
    must apply here too. The same key given two different values in the two places is
    refused: which one the build would use is not something a contract should leave open.
    """
    top = spec.get("meta") or {}
    nested = (spec.get("config") or {}).get("meta") or {}
    clash = sorted(k for k in set(top) & set(nested) if top[k] != nested[k])
    if clash:
        raise ContractError(f"{where}: meta {', '.join(clash)} given two different values under "
                            "meta: and config: meta:; keep one")
    return {**top, **nested}


def _column(model: str, spec: dict[str, Any]) -> Column:
    name = spec["name"]
    where = f"{CONTRACT_FILE.name}: {model}.{name}"
    data_type = spec.get("data_type")
    if data_type not in TYPE_FAMILIES:
        raise ContractError(f"{where}: data_type {data_type!r} is not one of {', '.join(TYPE_FAMILIES)}")
    meta = _meta(spec, where)
    unknown = set(meta) - COLUMN_META
    if unknown:
        raise ContractError(f"{where}: unknown meta {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(COLUMN_META))})")
    if meta.get("pii") not in (None, "drop", "hash"):
        raise ContractError(f"{where}: pii must be drop or hash, not {meta['pii']!r}")
    references = None
    if "references" in meta:
        target = meta["references"]
        kinds = [k for k in ("entity", "seed") if k in target]
        if len(kinds) != 1 or "column" not in target:
            raise ContractError(f"{where}: references must be {{entity: ..., column: ...}} "
                                f"or {{seed: ..., column: ...}}, not {target!r}")
        references = (kinds[0], str(target[kinds[0]]), str(target["column"]))
    return Column(name, data_type, bool(meta.get("key")), bool(meta.get("required")),
                  tuple(str(v) for v in meta.get("enum") or ()), meta.get("pii"),
                  bool(meta.get("free_text")), references, meta.get("staged_as"))


def parse(text: str) -> dict[str, Entity]:
    """The entities of a contract file's text, in file order."""
    entities: dict[str, Entity] = {}
    for model in yaml.safe_load(text)["models"]:
        name = model["name"]
        if not name.startswith("landing__"):
            continue
        meta = _meta(model, f"{CONTRACT_FILE.name}: {name}")
        unknown = set(meta) - MODEL_META
        if unknown:
            raise ContractError(f"{CONTRACT_FILE.name}: {name}: unknown meta {', '.join(sorted(unknown))}")
        columns = tuple(_column(name, c) for c in model["columns"] if not c["name"].startswith("_"))
        entity = Entity(name.removeprefix("landing__"), columns, meta.get("version_order"),
                        meta.get("keep", "newest"))
        if not entity.key:
            raise ContractError(f"{CONTRACT_FILE.name}: {name} has no key column")
        if entity.keep not in ("newest", "first"):
            raise ContractError(f"{CONTRACT_FILE.name}: {name}: meta keep is {entity.keep!r}; "
                                "it must be newest or first")
        entities[entity.name] = entity
    for entity in entities.values():
        for column in entity.columns:
            if column.references and column.references[0] == "entity":
                kind, parent, parent_column = column.references
                if parent not in entities or parent_column not in entities[parent].column_names():
                    raise ContractError(f"{CONTRACT_FILE.name}: landing__{entity.name}.{column.name} "
                                        f"references {parent}.{parent_column}, which is not in the contract")
    return entities


@cache
def load(path: Path = CONTRACT_FILE) -> dict[str, Entity]:
    """The landing contract: every entity, in the order of the contract file."""
    return parse(path.read_text(encoding="utf-8"))


def entities() -> tuple[str, ...]:
    """The landing entities (entity folders), in contract order."""
    return tuple(load())


def columns(entity: str) -> list[str]:
    """An entity's columns in file order: the header of a landing CSV file."""
    return load()[entity].column_names()


def landing_suite(entity: str) -> dict[str, Any]:
    """What the contract says of an entity's staging view, as a GX landing suite
    (validation/landing.toml adds ranges and freshness)."""
    contract = load()[entity]
    return {"columns": contract.staged_columns(), "required": contract.required,
            "key": contract.key, "enums": contract.enums}
