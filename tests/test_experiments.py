"""mart_experiment_results against statsmodels and scipy.

A landing folder written here assigns moderators to the two seeded experiments
(EXP-01: control / treatment 0.5 / 0.5, 2026-08-03 .. 2026-09-27; EXP-02: control /
batch_small / batch_large 0.34 / 0.33 / 0.33, 2026-10-05 .. 2026-10-31), with a
conflicting re-assignment and an unplanned variant (both quarantined), decisions on and
around the window edges and audits. Every published number is recomputed from those raw
rows with statsmodels (Wilson interval, pooled z-test, Wald interval) and
scipy.stats.chisquare (sample-ratio mismatch). The chi-square survival-function macro is
checked on a grid against scipy.stats.chi2.sf, and the generator's planted EXP-01
effect must be found with an interval that covers it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from tests.conftest import Landing, Warehouse
from tsqa.dbt import run_dbt

EXPERIMENTS = {
    "EXP-01": {"window": (date(2026, 8, 3), date(2026, 9, 27)), "split": {"control": 0.5, "treatment": 0.5}},
    "EXP-02": {"window": (date(2026, 10, 5), date(2026, 10, 31)),
               "split": {"control": 0.34, "batch_small": 0.33, "batch_large": 0.33}},
}
#: Assigned units per variant (EXP-02 is badly unbalanced: a sample-ratio mismatch).
UNITS = {"EXP-01": {"control": range(1, 22), "treatment": range(22, 41)},
         "EXP-02": {"control": range(1, 31), "batch_small": range(31, 37), "batch_large": range(37, 41)}}
#: Probability that a decision is correct, per experiment and variant.
ACCURACY = {("EXP-01", "control"): 0.84, ("EXP-01", "treatment"): 0.93,
            ("EXP-02", "control"): 0.88, ("EXP-02", "batch_small"): 0.88, ("EXP-02", "batch_large"): 0.80}
EXACT = 1e-9
NORMAL = 1e-7  # where the normal CDF enters (metrics.md / brief)
Z95 = 1.959963984540054


def _moderator(number: int) -> dict[str, object]:
    return {"moderator_id": f"M{number:03d}", "vendor_code": "inhouse", "site": "dublin", "market": "US",
            "language": "en", "role": "moderator", "work_email": f"m{number}@corp.example",
            "hired_on": "2026-01-05", "updated_at": "2026-01-05T00:00:00Z"}


def _landing(root: Path) -> tuple[Landing, list[dict], list[dict], list[dict]]:
    rng = np.random.default_rng(31)
    landing = Landing(root)
    landing.drop("moderators", "moderators_2026-01-05",
                 [_moderator(n) for n in range(1, 51)] + [_moderator(99) | {"role": "auditor"}])
    assignments = [{"experiment_id": e, "unit_id": f"M{n:03d}", "variant": v, "assigned_at": "2026-08-01T09:00:00Z"}
                   for e, variants in UNITS.items() for v, numbers in variants.items() for n in numbers]
    landing.drop("experiment_assignments", "experiment_assignments_2026-08-01", assignments)
    # M001 assigned again, to the other arm (quarantined: the first assignment stays), and
    # M041 in a variant EXP-01 does not plan (quarantined: M041 is in no arm).
    landing.drop("experiment_assignments", "experiment_assignments_2026-08-02", [
        {"experiment_id": "EXP-01", "unit_id": "M001", "variant": "treatment", "assigned_at": "2026-08-02T09:00:00Z"},
        {"experiment_id": "EXP-01", "unit_id": "M041", "variant": "treatment_b", "assigned_at": "2026-08-02T09:00:00Z"},
    ])
    decisions, audits = [], []

    def decide(moderator: str, decided_at: str, correct_p: float) -> None:
        number = len(decisions) + 1
        decisions.append({"decision_id": f"D{number:05d}", "content_id": f"C{number}", "user_id": f"U{number % 97}",
                          "queue_code": "comments", "moderator_id": moderator, "action": "approve",
                          "policy_code": None, "content_type": "comment", "market": "US", "decided_at": decided_at,
                          "handle_time_s": round(float(rng.gamma(4.0, 9.0)), 1)})
        if rng.random() < 0.6:
            correct = rng.random() < correct_p
            audits.append({"audit_id": f"A{number:05d}", "decision_id": f"D{number:05d}", "auditor_id": "M099",
                           "audit_source": "random", "audited_at": "2026-11-20T00:00:00Z",
                           "qa_action": "approve" if correct else "remove",
                           "qa_policy_code": None if correct else "HT-01",
                           "root_cause_code": None if correct else "PPL-KNOW", "auditor_notes": ""})

    for experiment, variants in UNITS.items():
        start, end = EXPERIMENTS[experiment]["window"]
        for variant, numbers in variants.items():
            for n in numbers:
                moderator = f"M{n:03d}"
                for _ in range(int(rng.integers(3, 12))):  # from 2 days before to 2 days after the window
                    day = start + timedelta(days=int(rng.integers(-2, (end - start).days + 3)))
                    second = int(rng.integers(0, 86400))
                    decide(moderator, f"{day.isoformat()}T{second // 3600:02d}:{second // 60 % 60:02d}:00Z",
                           ACCURACY[(experiment, variant)])
    # window edges (UTC dates, both ends inclusive): in, in, out, out; a -07:00 offset
    # whose UTC date is the day after the window ends (out)
    decide("M002", "2026-08-03T00:00:00Z", 0.5)
    decide("M002", "2026-09-27T23:59:00Z", 0.5)
    decide("M002", "2026-08-02T23:59:59Z", 0.5)
    decide("M002", "2026-09-28T00:00:00Z", 0.5)
    decide("M023", "2026-09-27T20:00:00-07:00", 0.5)
    decide("M045", "2026-08-10T10:00:00Z", 0.5)  # a moderator in no experiment
    landing.drop("moderation_decisions", "moderation_decisions_2026-11-01", decisions)
    landing.drop("qa_audits", "qa_audits_2026-11-20", audits)
    return landing, assignments, decisions, audits


def _utc_date(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc).date()


def _expected(assignments: list[dict], decisions: list[dict], audits: list[dict]) -> dict[tuple[str, str], dict]:
    """Per experiment x planned variant, from the raw rows (first assignment of a unit wins)."""
    variant_of: dict[tuple[str, str], str] = {}
    for row in assignments:
        variant_of.setdefault((row["experiment_id"], row["unit_id"]), row["variant"])
    audit_of = {a["decision_id"]: a["qa_action"] == "approve" for a in audits}
    out: dict[tuple[str, str], dict] = {}
    for experiment, spec in EXPERIMENTS.items():
        start, end = spec["window"]
        for variant in spec["split"]:
            units = {u for (e, u), v in variant_of.items() if e == experiment and v == variant}
            window = [d for d in decisions if d["moderator_id"] in units and start <= _utc_date(d["decided_at"]) <= end]
            verdicts = [audit_of[d["decision_id"]] for d in window if d["decision_id"] in audit_of]
            out[(experiment, variant)] = {"units": len(units), "decisions": len(window), "audits": len(verdicts),
                                          "correct": sum(verdicts),
                                          "handle": float(np.mean([d["handle_time_s"] for d in window]))}
    return out


@pytest.fixture(scope="module")
def experiments(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("experiments")
    landing, assignments, decisions, audits = _landing(root / "raw")
    warehouse = Warehouse(root, landing)
    warehouse.build("+mart_experiment_results", "+quarantine__experiment_assignments", extra=["--indirect-selection", "cautious"])
    return warehouse, _expected(assignments, decisions, audits)


def _rows(warehouse: Warehouse) -> dict[tuple[str, str], dict]:
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        frame = con.execute("select * from marts.mart_experiment_results").df()
    frame = frame.astype(object).where(frame.notna(), None)
    return {(r["experiment_id"], r["variant"]): r for r in frame.to_dict("records")}


def test_assignment_errors_are_quarantined_and_counted_once(experiments) -> None:
    warehouse, expected = experiments
    rows = _rows(warehouse)
    assert set(rows) == set(expected)  # every planned variant, nothing else (no treatment_b)
    assert rows[("EXP-01", "control")]["units"] == 21 and rows[("EXP-01", "treatment")]["units"] == 19
    reasons = warehouse.query("select unit_id, reason from quarantine.experiment_assignments order by 1")
    assert reasons == [("M001", "duplicate_conflict"), ("M041", "duplicate_conflict")]


def test_outcomes_per_variant(experiments) -> None:
    warehouse, expected = experiments
    rows = _rows(warehouse)
    for key, want in expected.items():
        row = rows[key]
        assert (row["units"], row["decisions"], row["audits"], row["correct_audits"]) == (
            want["units"], want["decisions"], want["audits"], want["correct"]), key
        assert row["is_control"] == (key[1] == "control")
        assert row["accuracy"] == pytest.approx(want["correct"] / want["audits"], abs=EXACT)
        low, high = proportion_confint(want["correct"], want["audits"], alpha=0.05, method="wilson")
        assert (row["accuracy_ci_low"], row["accuracy_ci_high"]) == (
            pytest.approx(low, abs=EXACT), pytest.approx(high, abs=EXACT)), key
        assert row["mean_handle_time_s"] == pytest.approx(want["handle"], abs=EXACT)


def test_comparison_with_control(experiments) -> None:
    warehouse, expected = experiments
    rows = _rows(warehouse)
    for (experiment, variant), want in expected.items():
        row = rows[(experiment, variant)]
        if variant == "control":
            assert all(row[c] is None for c in ("accuracy_diff_vs_control", "diff_ci_low", "diff_ci_high",
                                                "relative_lift", "z_score", "p_value"))
            continue
        control = expected[(experiment, "control")]
        x1, n1, x2, n2 = control["correct"], control["audits"], want["correct"], want["audits"]
        diff = x2 / n2 - x1 / n1
        assert row["accuracy_diff_vs_control"] == pytest.approx(diff, abs=EXACT)
        assert row["relative_lift"] == pytest.approx(diff / (x1 / n1), abs=EXACT)
        z, p = proportions_ztest([x2, x1], [n2, n1])  # pooled, two-sided, variant minus control
        assert row["z_score"] == pytest.approx(z, abs=EXACT)
        assert row["p_value"] == pytest.approx(p, abs=NORMAL)
        low, high = confint_proportions_2indep(x2, n2, x1, n1, method="wald", compare="diff", alpha=0.05)
        assert row["diff_ci_low"] == pytest.approx(low, abs=EXACT)
        assert row["diff_ci_high"] == pytest.approx(high, abs=EXACT)


def test_sample_ratio_mismatch(experiments) -> None:
    warehouse, expected = experiments
    rows = _rows(warehouse)
    for experiment, spec in EXPERIMENTS.items():
        variants = list(spec["split"])
        observed = np.array([expected[(experiment, v)]["units"] for v in variants])
        shares = np.array([spec["split"][v] for v in variants])
        chi2, p = stats.chisquare(observed, observed.sum() * shares / shares.sum())
        for v in variants:
            row = rows[(experiment, v)]
            assert row["srm_degrees_of_freedom"] == len(variants) - 1
            assert row["srm_chi_square"] == pytest.approx(chi2, abs=EXACT)
            assert row["srm_p_value"] == pytest.approx(p, abs=NORMAL, rel=1e-9)
            assert row["srm_detected"] == (p < 0.001)
    assert rows[("EXP-02", "control")]["srm_detected"] and not rows[("EXP-01", "control")]["srm_detected"]


@pytest.fixture(scope="module")
def compiled_macros(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The stats macros compiled by dbt (no warehouse needed), over a relation t(x, df, x1, n1, x2, n2)."""
    root = tmp_path_factory.mktemp("macros")
    sql = ("select x, df, {{ chi_square_sf('x', 'df') }} as p,"
           " {{ two_proportion_diff_ci_low('x1', 'n1', 'x2', 'n2') }} as low,"
           " {{ two_proportion_diff_ci_high('x1', 'n1', 'x2', 'n2') }} as high from t")
    result = run_dbt(["--quiet", "compile", "--inline", sql],
                     env={"TSQA_DUCKDB_PATH": str(root / "w.duckdb"), "TSQA_RAW_DIR": str(root / "raw")},
                     target_path=root / "target", capture=True)
    return result.stdout.strip()


def test_chi_square_survival_function_matches_scipy(compiled_macros: str) -> None:
    grid = [(x, df) for df in range(1, 31) for x in (0.0, 1e-6, 0.01, 0.5, 1.0, 2.0, 3.84, 7.5, 15.0, 30.0,
                                                    60.0, 150.0, 400.0, 1500.0)]
    con = duckdb.connect()
    con.execute("create table t (x double, df integer, x1 integer, n1 integer, x2 integer, n2 integer)")
    con.executemany("insert into t values (?, ?, 1, 2, 1, 2)", grid)
    for x, df, p, _, _ in con.execute(compiled_macros).fetchall():
        expected = stats.chi2.sf(x, df)
        assert p == pytest.approx(expected, abs=1e-13, rel=1e-9), (x, df, p, expected)
    # by hand: df 2 is exp(-x/2); df 1 at 3.841458820694124 is the 5% critical value
    con.execute("delete from t")
    con.executemany("insert into t values (?, ?, 0, 1, 0, 1)", [(2.0, 2), (3.841458820694124, 1), (0.0, 4),
                                                               (-1.0, 3), (5.0, 0), (None, 2)])
    got = {(x, df): p for x, df, p, _, _ in con.execute(compiled_macros).fetchall()}
    assert got[(2.0, 2)] == math.exp(-1)
    assert got[(3.841458820694124, 1)] == pytest.approx(0.05, abs=1e-13)
    assert got[(0.0, 4)] == 1.0
    assert got[(-1.0, 3)] is None and got[(5.0, 0)] is None and got[(None, 2)] is None


def test_wald_interval_macro_matches_statsmodels(compiled_macros: str) -> None:
    grid = [(x1, n1, x2, n2) for n1 in (1, 7, 50) for x1 in {0, n1 // 3, n1} for n2 in (1, 12, 80)
            for x2 in {0, n2 // 2, n2}]
    con = duckdb.connect()
    con.execute("create table t (x double, df integer, x1 integer, n1 integer, x2 integer, n2 integer)")
    con.executemany("insert into t values (1, 1, ?, ?, ?, ?)", grid)
    con.execute("insert into t values (1, 1, 0, 0, 3, 4)")  # a side without trials: null
    rows = con.execute(compiled_macros.replace("from t", "from t order by x1, n1, x2, n2")).fetchall()
    ordered = sorted(grid)
    assert rows[0][3] is None and rows[0][4] is None
    for (x1, n1, x2, n2), (_, _, _, low, high) in zip(ordered, rows[1:]):
        want_low, want_high = confint_proportions_2indep(x2, n2, x1, n1, method="wald", compare="diff")
        assert (low, high) == (pytest.approx(want_low, abs=EXACT), pytest.approx(want_high, abs=EXACT))


def test_planted_exp01_effect_is_found(sample_warehouse: Warehouse) -> None:
    """The generator lowers EXP-01 treatment errors for about EXP01_TREATMENT_ACCURACY_LIFT
    points of accuracy: the mart must find a significant improvement whose 95% interval
    covers the planted lift."""
    from tsqa.generate import EXP01_TREATMENT_ACCURACY_LIFT

    diff, low, high, p_value, srm = sample_warehouse.query(
        "select accuracy_diff_vs_control, diff_ci_low, diff_ci_high, p_value, srm_detected"
        " from marts.mart_experiment_results where experiment_id = 'EXP-01' and variant = 'treatment'")[0]
    print(f"\nEXP-01 treatment vs control: accuracy difference {diff:+.4f} "
          f"(95% CI {low:+.4f} .. {high:+.4f}), p = {p_value:.2e}; planted lift {EXP01_TREATMENT_ACCURACY_LIFT}")
    assert diff > 0 and p_value < 0.05
    assert low <= EXP01_TREATMENT_ACCURACY_LIFT <= high
    assert srm is False
