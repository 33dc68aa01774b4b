"""mart_experiment_results against statsmodels and scipy.

A landing folder written here assigns moderators to the two seeded experiments
(EXP-01: control / treatment 0.5 / 0.5, 2026-08-03 .. 2026-09-27; EXP-02: control /
batch_small / batch_large 0.34 / 0.33 / 0.33, 2026-10-05 .. 2026-10-31), with a
conflicting re-assignment and an unplanned variant (both quarantined), units assigned
after the window started (their earlier decisions do not count), decisions on and
around the window edges, and audits of every source (only `random` ones count). Every
published number is recomputed from those raw rows: statsmodels (Wilson interval; OLS
of is_correct on the variant with cov_type="cluster" by moderator for the standard
error; multipletests fdr_bh for q) and scipy.stats.chisquare (sample-ratio mismatch).
The as-of time (2026-11-10) makes EXP-01 final and EXP-02 interim. The chi-square
survival-function macro is checked on a grid against scipy.stats.chi2.sf. On the
generator's sample the mart must equal the same independent computation over that
warehouse's facts, and the planted EXP-01 effect must lie inside its interval.
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
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

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
#: Units assigned late: their decisions before assigned_at are not the variant's.
LATE_ASSIGNED = {("EXP-01", "M003"): "2026-08-20T12:00:00Z", ("EXP-01", "M030"): "2026-09-01T00:00:00Z",
                 ("EXP-02", "M035"): "2026-10-15T08:00:00Z"}
AS_OF = "2026-11-10T00:00:00Z"  # EXP-01 ended 2026-09-27 (+14 days: final); EXP-02 2026-10-31 (interim)
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
    assignments = [{"experiment_id": e, "unit_id": f"M{n:03d}", "variant": v,
                    "assigned_at": LATE_ASSIGNED.get((e, f"M{n:03d}"), "2026-08-01T09:00:00Z")}
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
            source = str(rng.choice(["random", "random", "random", "targeted", "appeal"]))
            audits.append({"audit_id": f"A{number:05d}", "decision_id": f"D{number:05d}", "auditor_id": "M099",
                           "audit_source": source, "audited_at": "2026-11-09T00:00:00Z",
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


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)


def _expected(assignments: list[dict], decisions: list[dict], audits: list[dict]) -> dict[tuple[str, str], dict]:
    """Per experiment x planned variant, from the raw rows (first assignment of a unit wins):
    counts and the per-moderator random-audit verdicts (the clusters)."""
    first: dict[tuple[str, str], dict] = {}
    for row in assignments:
        first.setdefault((row["experiment_id"], row["unit_id"]), row)
    random_verdicts = {a["decision_id"]: a["qa_action"] == "approve" for a in audits if a["audit_source"] == "random"}
    out: dict[tuple[str, str], dict] = {}
    for experiment, spec in EXPERIMENTS.items():
        start, end = spec["window"]
        for variant in spec["split"]:
            assigned = {u: _utc(r["assigned_at"]) for (e, u), r in first.items()
                        if e == experiment and r["variant"] == variant}
            window = [d for d in decisions if d["moderator_id"] in assigned
                      and start <= _utc(d["decided_at"]).date() <= end
                      and _utc(d["decided_at"]) >= assigned[d["moderator_id"]]]
            verdicts = [(d["moderator_id"], random_verdicts[d["decision_id"]])
                        for d in window if d["decision_id"] in random_verdicts]
            out[(experiment, variant)] = {"units": len(assigned), "decisions": len(window), "audits": len(verdicts),
                                          "correct": sum(v for _, v in verdicts), "verdicts": verdicts,
                                          "handle": float(np.mean([d["handle_time_s"] for d in window]))}
    return out


def _cluster_ols(control: list[tuple[str, bool]], variant: list[tuple[str, bool]]) -> tuple[float, float, int]:
    """statsmodels: OLS of is_correct on a variant indicator, moderator-clustered
    (cov_type="cluster"): the slope (variant minus control), its standard error, and G."""
    rows = [(m, 0.0, float(c)) for m, c in control] + [(m, 1.0, float(c)) for m, c in variant]
    moderators = sorted({m for m, _, _ in rows})
    groups = np.array([moderators.index(m) for m, _, _ in rows])
    x = sm.add_constant(np.array([t for _, t, _ in rows]))
    fit = sm.OLS(np.array([y for _, _, y in rows]), x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    return float(fit.params[1]), float(fit.bse[1]), len(moderators)


def _expected_comparisons(expected: dict[tuple[str, str], dict]) -> dict[tuple[str, str], dict]:
    """Per non-control variant: difference, cluster-robust se, z, p, interval, lift and the
    Benjamini-Hochberg q over the experiment's non-control rows with a p-value."""
    out: dict[tuple[str, str], dict] = {}
    for experiment, spec in EXPERIMENTS.items():
        control = expected[(experiment, "control")]
        for variant in spec["split"]:
            if variant == "control":
                continue
            diff, se, clusters = _cluster_ols(control["verdicts"], expected[(experiment, variant)]["verdicts"])
            usable = clusters >= 3 and se > 0
            z = diff / se if usable else None
            out[(experiment, variant)] = {
                "diff": diff, "se": se if clusters >= 3 else None, "clusters": clusters, "z": z,
                "p": 2 * stats.norm.sf(abs(z)) if usable else None,
                "low": diff - Z95 * se if usable else None, "high": diff + Z95 * se if usable else None,
                "lift": diff / (control["correct"] / control["audits"]) if usable else None}
        keys = [k for k in out if k[0] == experiment and out[k]["p"] is not None]
        if keys:
            for key, q in zip(keys, multipletests([out[k]["p"] for k in keys], method="fdr_bh")[1]):
                out[key]["q"] = float(q)
    return out


@pytest.fixture(scope="module")
def experiments(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("experiments")
    landing, assignments, decisions, audits = _landing(root / "raw")
    warehouse = Warehouse(root, landing, as_of=AS_OF)
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
    comparisons = _expected_comparisons(expected)
    for (experiment, variant) in expected:
        row = rows[(experiment, variant)]
        if variant == "control":
            assert all(row[c] is None for c in ("accuracy_diff_vs_control", "diff_se", "diff_ci_low", "diff_ci_high",
                                                "relative_lift", "z_score", "p_value", "q_value"))
            continue
        want = comparisons[(experiment, variant)]
        assert row["clusters"] == want["clusters"]
        assert row["accuracy_diff_vs_control"] == pytest.approx(want["diff"], abs=EXACT)
        assert row["diff_se"] == pytest.approx(want["se"], abs=EXACT, rel=1e-9), (experiment, variant)
        assert row["z_score"] == pytest.approx(want["z"], abs=EXACT)
        assert row["p_value"] == pytest.approx(want["p"], abs=NORMAL)
        assert row["q_value"] == pytest.approx(want["q"], abs=NORMAL)
        assert (row["diff_ci_low"], row["diff_ci_high"]) == (
            pytest.approx(want["low"], abs=EXACT), pytest.approx(want["high"], abs=EXACT))
        assert row["relative_lift"] == pytest.approx(want["lift"], abs=EXACT)
    # the cluster-robust variance is larger than the audits-as-independent one here
    # (moderators differ), and EXP-02 has two comparisons: q >= p, q differs from p
    assert rows[("EXP-02", "batch_large")]["q_value"] >= rows[("EXP-02", "batch_large")]["p_value"]
    assert rows[("EXP-02", "batch_small")]["q_value"] != rows[("EXP-02", "batch_small")]["p_value"]


def test_fixture_has_decisions_before_assignment_and_non_random_audits(experiments) -> None:
    warehouse, expected = experiments
    late = warehouse.scalar("""
        select count(*) from marts.fct_moderation_decisions
        where moderator_id = 'M030' and decided_at < timestamp '2026-09-01' and decision_date >= date '2026-08-03'""")
    other_sources = warehouse.scalar("select count(*) from marts.fct_qa_audits where audit_source <> 'random'")
    assert late > 0 and other_sources > 0  # the fixture really has both


def test_is_final_after_ended_on_plus_14_days(experiments) -> None:
    warehouse, _ = experiments
    final = dict(warehouse.query("select distinct experiment_id, is_final from marts.mart_experiment_results"))
    assert final == {"EXP-01": True, "EXP-02": False}  # as of 2026-11-10


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
    """The chi-square macro compiled by dbt (no warehouse needed), over a relation t(x, df)."""
    root = tmp_path_factory.mktemp("macros")
    sql = "select x, df, {{ chi_square_sf('x', 'df') }} as p from t"
    result = run_dbt(["--quiet", "compile", "--inline", sql],
                     env={"TSQA_DUCKDB_PATH": str(root / "w.duckdb"), "TSQA_RAW_DIR": str(root / "raw")},
                     target_path=root / "target", capture=True)
    return result.stdout.strip()


def test_chi_square_survival_function_matches_scipy(compiled_macros: str) -> None:
    grid = [(x, df) for df in range(1, 31) for x in (0.0, 1e-6, 0.01, 0.5, 1.0, 2.0, 3.84, 7.5, 15.0, 30.0,
                                                    60.0, 150.0, 400.0, 1500.0)]
    con = duckdb.connect()
    con.execute("create table t (x double, df integer)")
    con.executemany("insert into t values (?, ?)", grid)
    for x, df, p in con.execute(compiled_macros).fetchall():
        expected = stats.chi2.sf(x, df)
        assert p == pytest.approx(expected, abs=1e-13, rel=1e-9), (x, df, p, expected)
    # by hand: df 2 is exp(-x/2); df 1 at 3.841458820694124 is the 5% critical value
    con.execute("delete from t")
    con.executemany("insert into t values (?, ?)", [(2.0, 2), (3.841458820694124, 1), (0.0, 4),
                                                   (-1.0, 3), (5.0, 0), (None, 2)])
    got = {(x, df): p for x, df, p in con.execute(compiled_macros).fetchall()}
    assert got[(2.0, 2)] == math.exp(-1)
    assert got[(3.841458820694124, 1)] == pytest.approx(0.05, abs=1e-13)
    assert got[(0.0, 4)] == 1.0
    assert got[(-1.0, 3)] is None and got[(5.0, 0)] is None and got[(None, 2)] is None


def _sample_expected(warehouse: Warehouse) -> tuple[dict[tuple[str, str], dict], float]:
    """The spec recomputed in Python from the sample warehouse's facts (staged assignments,
    decisions, audits), independently of the mart's SQL."""
    assignments = warehouse.query("select experiment_id, unit_id, variant, assigned_at"
                                  " from staging.stg_landing__experiment_assignments")
    windows = dict((e, (s, f)) for e, s, f in warehouse.query(
        "select experiment_id, started_on, ended_on from raw.experiments"))
    decisions = warehouse.query("select decision_id, moderator_id, decided_at, handle_time_s"
                                " from marts.fct_moderation_decisions")
    audits = warehouse.query("select decision_id, is_correct from marts.fct_qa_audits where audit_source = 'random'")
    by_moderator: dict[str, list[tuple]] = defaultdict(list)
    for decision in decisions:
        by_moderator[decision[1]].append(decision)
    verdicts_of: dict[str, list[bool]] = defaultdict(list)
    for decision_id, correct in audits:
        verdicts_of[decision_id].append(bool(correct))
    out: dict[tuple[str, str], dict] = {}
    for experiment, unit, variant, assigned_at in assignments:
        start, end = windows[experiment]
        cell = out.setdefault((experiment, variant), {"units": 0, "decisions": 0, "verdicts": []})
        cell["units"] += 1
        for decision_id, _, decided_at, _ in by_moderator.get(unit, []):
            if start <= decided_at.date() <= end and decided_at >= assigned_at:
                cell["decisions"] += 1
                cell["verdicts"] += [(unit, v) for v in verdicts_of.get(decision_id, [])]
    control = out[("EXP-01", "control")]["verdicts"]
    diff, se, _ = _cluster_ols(control, out[("EXP-01", "treatment")]["verdicts"])
    return out, (diff, se)


def test_sample_experiment_matches_independent_computation(sample_warehouse: Warehouse) -> None:
    """On the generator's sample: counts, accuracy and the EXP-01 cluster-robust comparison
    equal the same computation done in Python (statsmodels) over the sample's facts."""
    expected, (diff, se) = _sample_expected(sample_warehouse)
    rows = {(e, v): (units, decisions, audits, correct) for e, v, units, decisions, audits, correct in
            sample_warehouse.query("select experiment_id, variant, units, decisions, audits, correct_audits"
                                   " from marts.mart_experiment_results")}
    for key, cell in expected.items():
        assert rows[key] == (cell["units"], cell["decisions"], len(cell["verdicts"]),
                             sum(v for _, v in cell["verdicts"])), key
    got_diff, got_se, got_p = sample_warehouse.query(
        "select accuracy_diff_vs_control, diff_se, p_value from marts.mart_experiment_results"
        " where experiment_id = 'EXP-01' and variant = 'treatment'")[0]
    assert got_diff == pytest.approx(diff, abs=EXACT)
    assert got_se == pytest.approx(se, abs=EXACT)
    assert got_p == pytest.approx(2 * stats.norm.sf(abs(diff / se)), abs=NORMAL)


def test_planted_exp01_effect_is_found(sample_warehouse: Warehouse) -> None:
    """The generator lowers EXP-01 treatment errors for about EXP01_TREATMENT_ACCURACY_LIFT
    points of accuracy: the mart's moderator-clustered 95% interval must cover the planted
    lift and the estimate must point the right way (whether it is significant depends on
    how many moderators the sample has, so that is printed, not asserted)."""
    from tsqa.generate import EXP01_TREATMENT_ACCURACY_LIFT

    diff, low, high, p_value, srm, final = sample_warehouse.query(
        "select accuracy_diff_vs_control, diff_ci_low, diff_ci_high, p_value, srm_detected, is_final"
        " from marts.mart_experiment_results where experiment_id = 'EXP-01' and variant = 'treatment'")[0]
    print(f"\nEXP-01 treatment vs control: accuracy difference {diff:+.4f} "
          f"(95% CI {low:+.4f} .. {high:+.4f}), p = {p_value:.2e}, final {final}; "
          f"planted lift {EXP01_TREATMENT_ACCURACY_LIFT}")
    assert diff > 0
    assert low <= EXP01_TREATMENT_ACCURACY_LIFT <= high
    assert srm is False


def test_readout_calls_results_that_are_not_final_interim(experiments) -> None:
    """analyses/experiment_readout.sql compiled and run: EXP-02 (not final) says INTERIM,
    EXP-01 (final) does not."""
    warehouse, _ = experiments
    texts = {}
    for experiment in EXPERIMENTS:
        run_dbt(["--quiet", "compile", "--select", "experiment_readout", "--vars", f"{{experiment_id: {experiment}}}"],
                env=warehouse.env, target_path=warehouse.workdir / "target", capture=True)
        sql = (warehouse.workdir / "target" / "compiled" / "tsqa" / "analyses" / "experiment_readout.sql").read_text()
        texts[experiment] = warehouse.query(f"select result_status, how_much, how_sure from ({sql})")
    assert {status for status, _, _ in texts["EXP-02"]} == {"interim"} and len(texts["EXP-02"]) == 2
    assert all(how_sure.startswith("INTERIM:") for _, _, how_sure in texts["EXP-02"])
    assert texts["EXP-01"][0][0] == "final" and "INTERIM" not in texts["EXP-01"][0][2]
    assert "moderators as the unit" in texts["EXP-01"][0][1]


def test_report_marks_results_that_are_not_final_interim(experiments) -> None:
    """The Monthly Quality Report's experiments table (tsqa/report.py) on this warehouse's
    mart: EXP-02's two comparisons are badged interim, EXP-01's final."""
    from datetime import date as _date

    from tsqa.report import ReportData, _experiments_html, _rows

    warehouse, _ = experiments
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        rows = _rows(con, "select * from marts.mart_experiment_results where not is_control order by 1, 2")
    data = ReportData(month_start=_date(2026, 10, 1), quality=[], quality_trend=[], review=None, review_trend=[],
                      error_trends=[], pareto=[], calibration_monthly=[], calibration_sessions=[], lert_sla=[],
                      experiments=rows, validation_runs=[])
    page = _experiments_html(data)
    for row in rows:
        start = page.index(f'data-experiment="{row["experiment_id"]}" data-variant="{row["variant"]}"')
        cell = page[start:page.index("</tr>", start)]
        assert (">interim<" in cell) == (row["experiment_id"] == "EXP-02"), cell
        assert (">final<" in cell) == (row["experiment_id"] == "EXP-01"), cell
