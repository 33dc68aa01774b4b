"""mart_decision_quality_monthly (issue 13): the accuracy of the decisions, not of the audits.

On the generator's sample (scale 1, seed 7):

1. every column of every cell against an independent pandas implementation of metrics.md
   "Population estimates (design-based)", written here from the fact tables (the random
   sample taken afresh: earliest random audit per decision by audited_at, then audit_id);
2. the stratified point estimate and its variance against the survey package `samplics`
   (TaylorEstimator, stratified with weights N_h / n_h); samplics uses the unbiased
   within-stratum variance s_h^2 = p_h (1 - p_h) n_h / (n_h - 1), metrics.md the plug-in
   p_h (1 - p_h), so the comparison carries that documented factor per stratum;
3. the estimate against the simulated truth the generator wrote beside the landing folder:
   the 95% interval holds the true accuracy of the covered decisions in at least 90% of
   the month x vendor and all-vendor cells, and the all-source audited accuracy sits below
   the estimate (selection_bias_points < 0) in most months;
4. the Benjamini-Hochberg macro against statsmodels multipletests(method="fdr_bh").
"""

from __future__ import annotations

import csv
import math
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from tests.conftest import Warehouse, sample_truth_path
from tests.test_quality_marts import load_targets, target_in_effect
from tsqa.dbt import run_dbt

Z = 1.959963984540054
TOL = 1e-9
MART = "marts.mart_decision_quality_monthly"


def frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(wh.path), read_only=True) as con:
        return con.execute(sql).df()


def wilson(p: float, n: float) -> tuple[float, float]:
    """metrics.md "Confidence interval", literally (centre +- half)."""
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def strata_frame(wh: Warehouse) -> pd.DataFrame:
    """One row per decision month x queue x vendor: N_h, n_h, c_h, k_h, all-source counts."""
    decisions = frame(wh, "select decision_id, decision_date, queue_code, vendor_code "
                          "from marts.fct_moderation_decisions")
    decisions["month_start"] = pd.to_datetime(decisions["decision_date"]).dt.to_period("M").dt.start_time.dt.date
    audits = frame(wh, "select audit_id, decision_id, audit_source, audited_at, is_correct, error_severity "
                       "from marts.fct_qa_audits")
    key = ["month_start", "queue_code", "vendor_code"]
    audits = audits.merge(decisions[["decision_id", *key]], on="decision_id", how="inner", validate="many_to_one")
    random = (audits[audits["audit_source"] == "random"]
              .sort_values(["audited_at", "audit_id"]).drop_duplicates("decision_id", keep="first"))
    strata = decisions.groupby(key).size().rename("N").to_frame()
    sample = random.groupby(key).agg(n=("decision_id", "size"), c=("is_correct", "sum"),
                                     k=("error_severity", lambda s: int((s == "critical").sum())))
    all_src = audits.groupby(key).agg(all_audits=("audit_id", "size"), all_correct=("is_correct", "sum"))
    out = strata.join(sample).join(all_src).fillna(0).reset_index()
    for column in ("N", "n", "c", "k", "all_audits", "all_correct"):
        out[column] = out[column].astype(int)
    return out


def estimate(group: pd.DataFrame, hits: str) -> dict[str, float | None]:
    s = group[group["n"] > 0]
    if s.empty:
        return {"p": None, "se": None, "ess": None, "low": None, "high": None}
    covered = s["N"].sum()
    w = s["N"] / covered
    p_h = s[hits] / s["n"]
    p = float((w * p_h).sum())
    var = float((w ** 2 * p_h * (1 - p_h) / s["n"]).sum())
    n = int(s["n"].sum())
    ess = float(n) if var == 0 else min(float(n), p * (1 - p) / var)
    low, high = wilson(p, ess)
    return {"p": p, "se": math.sqrt(var), "ess": ess, "low": max(0.0, low), "high": min(1.0, high)}


def expected_cells(strata: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    targets = load_targets()
    with open(targets_path(), newline="") as handle:  # critical_error_rate_max is not in load_targets
        crit_max = {(r["queue_code"], r["vendor_code"], r["effective_from"]): float(r["critical_error_rate_max"])
                    for r in csv.DictReader(handle)}
    out: dict[tuple, dict[str, object]] = {}
    for month, in_month in strata.groupby("month_start"):
        cells: list[tuple[str, str, pd.DataFrame]] = []
        for (q, v), g in in_month.groupby(["queue_code", "vendor_code"]):
            cells.append((q, v, g))
        for q, g in in_month.groupby("queue_code"):
            cells.append((q, "all", g))
        for v, g in in_month.groupby("vendor_code"):
            cells.append(("all", v, g))
        cells.append(("all", "all", in_month))
        for q, v, g in cells:
            acc, crit = estimate(g, "c"), estimate(g, "k")
            covered = int(g.loc[g["n"] > 0, "N"].sum())
            decisions = int(g["N"].sum())
            all_acc = None if g["all_audits"].sum() == 0 else g["all_correct"].sum() / g["all_audits"].sum()
            t = target_in_effect(targets, "*" if q == "all" else q, "*" if v == "all" else v, month)
            moe = None if acc["p"] is None else (acc["high"] - acc["low"]) / 2
            status = crit_status = None
            adequate = None
            if t is not None and acc["p"] is not None:
                adequate = moe <= t["margin_of_error_max"]
                cmax = crit_max[(t["queue_code"], t["vendor_code"], t["effective_from"].isoformat())]
                status = "inconclusive" if not adequate else ("met" if acc["p"] >= t["accuracy_target"] else "missed")
                crit_status = "inconclusive" if not adequate else ("within" if crit["p"] <= cmax else "exceeded")
            out[(month, q, v)] = {
                "decisions": decisions, "strata": len(g), "sampled_strata": int((g["n"] > 0).sum()),
                "covered_decisions": covered, "coverage": covered / decisions,
                "random_audits": int(g["n"].sum()), "random_correct": int(g["c"].sum()),
                "random_critical_errors": int(g["k"].sum()),
                "accuracy": acc["p"], "accuracy_se": acc["se"], "effective_sample_size": acc["ess"],
                "accuracy_ci_low": acc["low"], "accuracy_ci_high": acc["high"],
                "critical_error_rate": crit["p"], "critical_error_rate_ci_low": crit["low"],
                "critical_error_rate_ci_high": crit["high"],
                "est_wrong_decisions": None if acc["p"] is None else covered * (1 - acc["p"]),
                "est_wrong_decisions_ci_low": None if acc["p"] is None else covered * (1 - acc["high"]),
                "est_wrong_decisions_ci_high": None if acc["p"] is None else covered * (1 - acc["low"]),
                "all_source_audits": int(g["all_audits"].sum()),
                "audited_accuracy_all_sources": all_acc,
                "selection_bias_points": None if (all_acc is None or acc["p"] is None) else 100 * (all_acc - acc["p"]),
                "accuracy_target": None if t is None else t["accuracy_target"],
                "margin_of_error": moe, "sample_adequate": adequate,
                "target_status": status, "critical_status": crit_status,
                "below_target_significant": bool(t is not None and acc["p"] is not None
                                                 and acc["high"] < t["accuracy_target"]),
            }
    return out


def targets_path():
    from tsqa.settings import PROJECT_DIR

    return PROJECT_DIR / "seeds" / "quality_targets.csv"


def _null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def test_every_cell_matches_an_independent_implementation(sample_warehouse: Warehouse) -> None:
    expected = expected_cells(strata_frame(sample_warehouse))
    got = frame(sample_warehouse, f"select * from {MART}")
    got["month_start"] = pd.to_datetime(got["month_start"]).dt.date
    rows = {(r["month_start"], r["queue_code"], r["vendor_code"]): r for r in got.to_dict("records")}
    assert set(rows) == set(expected)
    problems = []
    for key, exp in expected.items():
        for column, value in exp.items():
            actual = rows[key][column]
            if _null(value) or _null(actual):
                ok = _null(value) and _null(actual)
            elif isinstance(value, (bool, np.bool_, str)):
                ok = actual == value
            else:
                ok = abs(float(actual) - float(value)) <= TOL * max(1.0, abs(float(value)))
            if not ok:
                problems.append((key, column, actual, value))
    assert not problems, f"{len(problems)} mismatches, e.g. {problems[:5]}"
    # the sample has all three verdicts, roll-ups and strata without a random audit
    statuses = set(got["target_status"].dropna())
    assert {"met", "inconclusive"} <= statuses, statuses
    assert (got["sampled_strata"] < got["strata"]).any() or (got["coverage"] == 1).all()


def test_a_single_stratum_is_the_plain_wilson_interval(sample_warehouse: Warehouse) -> None:
    rows = frame(sample_warehouse, f"select * from {MART} where not is_rollup and random_audits > 0")
    assert len(rows) > 50
    for r in rows.to_dict("records"):
        low, high = proportion_confint(r["random_correct"], r["random_audits"], alpha=0.05, method="wilson")
        assert r["accuracy_ci_low"] == pytest.approx(low, abs=1e-12)
        assert r["accuracy_ci_high"] == pytest.approx(high, abs=1e-12)
        assert r["effective_sample_size"] == r["random_audits"]


def test_point_estimate_and_variance_agree_with_samplics(sample_warehouse: Warehouse) -> None:
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    strata = strata_frame(sample_warehouse)
    # the mart's own stratum rows (queue x vendor cells) give p_h and se_h
    cells = frame(sample_warehouse, f"select * from {MART} where not is_rollup")
    cells["month_start"] = pd.to_datetime(cells["month_start"]).dt.date
    decisions = frame(sample_warehouse, "select decision_id, decision_date, queue_code, vendor_code "
                                        "from marts.fct_moderation_decisions")
    decisions["month_start"] = pd.to_datetime(decisions["decision_date"]).dt.to_period("M").dt.start_time.dt.date
    audits = frame(sample_warehouse, "select audit_id, decision_id, audited_at, is_correct from marts.fct_qa_audits "
                                     "where audit_source = 'random'")
    sample = (audits.sort_values(["audited_at", "audit_id"]).drop_duplicates("decision_id")
              .merge(decisions, on="decision_id"))
    checked = 0
    for month, in_month in strata.groupby("month_start"):
        usable = in_month[in_month["n"] >= 2]  # samplics needs two sampled units per stratum
        units = sample.merge(usable[["month_start", "queue_code", "vendor_code", "N", "n"]],
                             on=["month_start", "queue_code", "vendor_code"])
        units["weight"] = units["N"] / units["n"]
        units["stratum"] = units["queue_code"] + "|" + units["vendor_code"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = TaylorEstimator(PopParam.prop)
            est.estimate(y=units["is_correct"].astype(int).to_numpy(), samp_weight=units["weight"].to_numpy(),
                         stratum=units["stratum"].to_numpy(), remove_nan=True)
        mart = cells[cells["month_start"] == month].merge(
            usable[["queue_code", "vendor_code", "N", "n"]], on=["queue_code", "vendor_code"])
        w = mart["N"] / mart["N"].sum()
        p = float((w * mart["accuracy"]).sum())
        # samplics: s_h^2 / n_h = p_h (1 - p_h) / (n_h - 1) = se_h^2 n_h / (n_h - 1)
        var = float((w ** 2 * mart["accuracy_se"] ** 2 * mart["n"] / (mart["n"] - 1)).sum())
        assert est.point_est[1] == pytest.approx(p, abs=1e-12)
        assert est.variance[1] == pytest.approx(var, rel=1e-9, abs=1e-15)
        checked += 1
    assert checked >= 6


def test_the_truth_lies_inside_the_interval(sample_warehouse: Warehouse) -> None:
    truth = pd.read_parquet(sample_truth_path(sample_warehouse.landing.root))
    assert not sample_truth_path(sample_warehouse.landing.root).is_relative_to(sample_warehouse.landing.root)
    decisions = frame(sample_warehouse, "select decision_id, decision_date, queue_code, vendor_code "
                                        "from marts.fct_moderation_decisions")
    decisions["month_start"] = pd.to_datetime(decisions["decision_date"]).dt.to_period("M").dt.start_time.dt.date
    decisions = decisions.merge(truth, on="decision_id", how="left", validate="one_to_one")
    assert decisions["is_correct"].notna().all()
    cells = frame(sample_warehouse, f"select * from {MART} where queue_code = 'all'")
    cells["month_start"] = pd.to_datetime(cells["month_start"]).dt.date
    sampled = frame(sample_warehouse, f"select month_start, queue_code, vendor_code from {MART} "
                                      "where not is_rollup and random_audits > 0")
    sampled["month_start"] = pd.to_datetime(sampled["month_start"]).dt.date
    covered = decisions.merge(sampled, on=["month_start", "queue_code", "vendor_code"])
    inside, total = 0, 0
    for r in cells.to_dict("records"):
        mine = covered[covered["month_start"] == r["month_start"]]
        if r["vendor_code"] != "all":
            mine = mine[mine["vendor_code"] == r["vendor_code"]]
        true_accuracy = mine["is_correct"].mean()
        total += 1
        inside += r["accuracy_ci_low"] <= true_accuracy <= r["accuracy_ci_high"]
    assert total == 30  # 6 months x (4 vendors + all)
    assert inside / total >= 0.90, (inside, total)
    all_rows = cells[cells["vendor_code"] == "all"]
    assert (all_rows["selection_bias_points"] < 0).sum() > len(all_rows) / 2


def test_mqr_headline_is_the_population_estimate(sample_warehouse: Warehouse) -> None:
    joined = frame(sample_warehouse, f"""
        select r.month_start, r.vendor_code, r.accuracy, d.accuracy as d_accuracy, r.accuracy_ci_low,
            d.accuracy_ci_low as d_low, r.target_status, d.target_status as d_status,
            r.est_wrong_decisions, d.est_wrong_decisions as d_wrong,
            r.audited_accuracy_all_sources, d.audited_accuracy_all_sources as d_all, r.target_met
        from marts.mart_monthly_quality_report as r
        left join {MART} as d
            on r.month_start = d.month_start and d.queue_code = 'all' and r.vendor_code = d.vendor_code""")
    assert len(joined) >= 30
    for r in joined.to_dict("records"):
        for a, b in (("accuracy", "d_accuracy"), ("accuracy_ci_low", "d_low"), ("est_wrong_decisions", "d_wrong"),
                     ("audited_accuracy_all_sources", "d_all")):
            assert (_null(r[a]) and _null(r[b])) or r[a] == r[b], (r, a)
        assert r["target_status"] == r["d_status"] or (_null(r["target_status"]) and _null(r["d_status"]))
        # never a verdict on an inconclusive sample
        expected_met = {"met": True, "missed": False}.get(r["target_status"])
        assert (_null(r["target_met"]) and expected_met is None) or r["target_met"] == expected_met


@pytest.fixture(scope="module")
def compiled_bh(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("bh")
    result = run_dbt(["--quiet", "compile", "--inline",
                      "select per_family.family, per_family.i, per_family.q_value as q, one.q_value as q_all "
                      "from ({{ bh_q_values('t', 'p', ['family']) }}) as per_family "
                      "join ({{ bh_q_values('t', 'p') }}) as one using (family, i)"],
                     env={"TSQA_DUCKDB_PATH": str(root / "w.duckdb"), "TSQA_RAW_DIR": str(root / "raw")},
                     target_path=root / "target", capture=True)
    return result.stdout.strip()


def test_bh_q_values_matches_statsmodels(compiled_bh: str) -> None:
    rng = np.random.default_rng(13)
    rows = []
    for family, m in (("a", 1), ("b", 7), ("c", 40)):
        p = list(rng.random(m) ** 3)
        if m > 5:
            p[1] = p[2]  # a tie
            p[3] = 0.0
            p[4] = 1.0
            p.append(None)  # not a test
        rows += [(family, i, v) for i, v in enumerate(p)]
    con = duckdb.connect()
    con.execute("create table t (family varchar, i integer, p double)")
    con.executemany("insert into t values (?, ?, ?)", rows)
    got = {(f, i): (q, q_all) for f, i, q, q_all in con.execute(compiled_bh).fetchall()}
    tested = [r for r in rows if r[2] is not None]
    every = multipletests([r[2] for r in tested], method="fdr_bh")[1]
    for r, q in zip(tested, every):
        assert got[(r[0], r[1])][1] == pytest.approx(q, abs=1e-12)
    for family in ("a", "b", "c"):
        mine = [r for r in tested if r[0] == family]
        for r, q in zip(mine, multipletests([r[2] for r in mine], method="fdr_bh")[1]):
            assert got[(family, r[1])][0] == pytest.approx(q, abs=1e-12)
    assert all(got[(r[0], r[1])] == (None, None) for r in rows if r[2] is None)

