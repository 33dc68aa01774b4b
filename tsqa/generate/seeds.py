"""The reference data (``seeds/``) the generator must agree with, read and checked."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from typing import Any

from tsqa.generate.params import (
    EXP01_ID,
    EXP02_ID,
    LE_REQUEST_TYPE_P,
    POLICY_ACTIONS,
    POLICY_CHANGES,
    QUEUE_MIX,
    QUEUE_POLICIES,
    ROOT_CAUSE_MIX,
    SPIKE_ROOT_CAUSE_MIX,
    VENDOR_SITES,
)
from tsqa.settings import PROJECT_DIR


@dataclass(frozen=True)
class Seeds:
    queues: tuple[str, ...]
    queue_surface: dict[str, str]
    queue_high_harm: dict[str, bool]
    policies: tuple[str, ...]
    policy_tier: dict[str, int]
    vendors: tuple[str, ...]
    root_causes: tuple[str, ...]
    sla_hours: dict[str, float]
    scorecard: tuple[tuple[str, bool], ...]
    experiments: dict[str, dict[str, Any]]


def read_seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_seeds() -> Seeds:
    """Read the reference data the generator must agree with (and check it does)."""
    queues = read_seed("queues")
    policies = read_seed("policies")
    vendors = read_seed("vendors")
    experiments = {}
    for r in read_seed("experiments"):
        split = [p.split(":") for p in r["planned_split"].split(",")]
        experiments[r["experiment_id"]] = {
            "started_on": date.fromisoformat(r["started_on"]),
            "ended_on": date.fromisoformat(r["ended_on"]),
            "split": [(v.strip(), float(s)) for v, s in split],
        }
    seeds = Seeds(
        queues=tuple(r["queue_code"] for r in queues),
        queue_surface={r["queue_code"]: r["content_surface"] for r in queues},
        queue_high_harm={r["queue_code"]: r["is_high_harm"].lower() == "true" for r in queues},
        policies=tuple(r["policy_code"] for r in policies),
        policy_tier={r["policy_code"]: int(r["severity_tier"]) for r in policies},
        vendors=tuple(r["vendor_code"] for r in vendors),
        root_causes=tuple(r["root_cause_code"] for r in read_seed("root_causes")),
        sla_hours={r["request_type"]: float(r["sla_hours"]) for r in read_seed("lert_sla")},
        scorecard=tuple((r["item_code"], r["is_critical"].lower() == "true") for r in read_seed("lert_scorecard_items")),
        experiments=experiments,
    )
    used = {p for m in QUEUE_POLICIES.values() for p in m} | set(POLICY_ACTIONS) | {c.policy_code for c in POLICY_CHANGES}
    root_causes = {c for m in ROOT_CAUSE_MIX.values() for c in m} | set(SPIKE_ROOT_CAUSE_MIX)
    problems = [
        (set(seeds.queues) != set(QUEUE_MIX), "queues seed and QUEUE_MIX disagree"),
        (set(seeds.vendors) != set(VENDOR_SITES), "vendors seed and VENDOR_SITES disagree"),
        (not used <= set(seeds.policies), f"policies missing from the seed: {sorted(used - set(seeds.policies))}"),
        (not root_causes <= set(seeds.root_causes), "root causes missing from the seed"),
        (set(LE_REQUEST_TYPE_P) != set(seeds.sla_hours), "lert_sla seed and LE_REQUEST_TYPE_P disagree"),
        (not {EXP01_ID, EXP02_ID} <= set(experiments), "experiments seed lacks EXP-01/EXP-02"),
        ("treatment" not in dict(experiments.get(EXP01_ID, {}).get("split", [])), "EXP-01 has no treatment variant"),
        ("disclosure_scope" not in dict(seeds.scorecard), "scorecard lacks disclosure_scope"),
    ]
    for bad, message in problems:
        if bad:
            raise ValueError(f"seeds/ do not match the generator: {message}")
    return seeds
