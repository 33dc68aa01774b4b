"""Quality marts (issue 3) against independent implementations.

Every published metric of the six quality marts is recomputed here from the fact tables
(`marts.fct_qa_audits`, `marts.fct_moderation_decisions`) and the staged policy changes
and training completions, with statsmodels (`proportion_confint(method="wilson")`,
`proportions_ztest`) and plain pandas/Python for the p-chart, the Pareto and the
targets, and compared to 1e-9 where the maths is exact and 1e-7 where the normal CDF
enters. Two data sets: the generator's sample (scale 1, seed 7; also checks the planted
HT-01 policy-change spike) and a small landing folder written by hand whose edge cases
(zero audits, all correct, all wrong, a single audit, a queue with no baseline yet, a
month with no target) have numbers a person can check.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from tests.conftest import Landing, Warehouse
from tsqa.settings import PROJECT_DIR

EXACT = 1e-9
NORMAL_CDF = 1e-7
NULL_KEY = "<null>"


# ---------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------

def frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(wh.path), read_only=True) as con:
        return con.execute(sql).df()


def is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def close(actual: object, expected: object, tol: float) -> bool:
    if is_null(expected) or is_null(actual):
        return is_null(expected) and is_null(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) == bool(expected)
    if isinstance(expected, (int, float)):
        return abs(float(actual) - float(expected)) <= tol
    return actual == expected


def assert_rows_match(mart: pd.DataFrame, expected: dict[tuple, dict[str, object]], key: list[str],
                      tolerances: dict[str, float]) -> None:
    """Every mart row has an expected row (same key set) and every listed column agrees."""
    got = {}
    for row in mart.to_dict("records"):
        got[tuple(NULL_KEY if is_null(row[k]) else _plain(row[k]) for k in key)] = row
    assert set(got) == set(expected), (
        f"keys differ: only in mart {sorted(set(got) - set(expected))[:5]}, "
        f"only expected {sorted(set(expected) - set(got))[:5]}"
    )
    problems = []
    for k, exp in expected.items():
        for column, value in exp.items():
            tol = tolerances.get(column, EXACT)
            if not close(got[k][column], value, tol):
                problems.append((k, column, got[k][column], value))
    assert not problems, f"{len(problems)} mismatches, e.g. {problems[:5]}"


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def _day(value: object) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    return value  # type: ignore[return-value]


def month_start(value: object) -> date:
    d = _day(value)
    return date(d.year, d.month, 1)


def previous_month(d: date) -> date:
    return date(d.year - 1, 12, 1) if d.month == 1 else date(d.year, d.month - 1, 1)


def week_start(value: object) -> date:
    d = _day(value)
    return d - timedelta(days=d.weekday())


def wilson(x: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def ratio(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def key_of(*values: object) -> tuple:
    return tuple(NULL_KEY if is_null(v) else v for v in values)


def load_targets() -> list[dict[str, object]]:
    with (PROJECT_DIR / "seeds" / "quality_targets.csv").open(newline="") as handle:
        return [
            {**row, "effective_from": date.fromisoformat(row["effective_from"]),
             "accuracy_target": float(row["accuracy_target"]),
             "margin_of_error_max": float(row["margin_of_error_max"])}
            for row in csv.DictReader(handle)
        ]


def target_in_effect(targets: list[dict[str, object]], queue: str, vendor: object, month: date) -> dict | None:
    """Most specific (queue+vendor > queue > vendor > any), then latest effective_from <= month."""
    best, best_rank = None, None
    for t in targets:
        if t["queue_code"] not in ("*", queue) or t["vendor_code"] not in ("*", vendor):
            continue
        if t["effective_from"] > month:
            continue
        rank = (2 * (t["queue_code"] != "*") + (t["vendor_code"] != "*"), t["effective_from"])
        if best_rank is None or rank > best_rank:
            best, best_rank = t, rank
    return best


# ---------------------------------------------------------------------------------
# Independent implementations (from the facts, never from the marts)
# ---------------------------------------------------------------------------------

def audits_frame(wh: Warehouse) -> pd.DataFrame:
    return frame(wh, "select * from marts.fct_qa_audits")


def expected_daily(audits: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    out: dict[tuple, dict[str, object]] = {}
    keys = ["audit_date", "queue_code", "vendor_code", "site", "market", "audit_source"]
    for row in audits.to_dict("records"):
        k = key_of(*[_day(row["audit_date"]) if c == "audit_date" else row[c] for c in keys])
        e = out.setdefault(k, {c: 0 for c in [
            "audits", "correct", "errors", "raw_correct", "over_enforcement", "under_enforcement",
            "wrong_policy", "wrong_action", "critical_errors", "major_errors", "minor_errors",
            "score_sum", "disputes", "resolved_disputes", "overturned"]})
        e["audits"] += 1
        e["correct"] += bool(row["is_correct"])
        e["errors"] += not row["is_correct"]
        e["raw_correct"] += bool(row["raw_is_correct"])
        if not is_null(row["error_type"]):
            e[row["error_type"]] += 1
        if not is_null(row["error_severity"]):
            e[f"{row['error_severity']}_errors"] += 1
        e["score_sum"] += int(row["audit_score"])
        e["disputes"] += int(row["disputes"])
        e["resolved_disputes"] += int(row["resolved_disputes"])
        e["overturned"] += int(row["overturned_disputes"])
    return out


def expected_monthly(audits: pd.DataFrame, decisions: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    targets = load_targets()
    slices: dict[tuple, dict[str, float]] = {}

    def slot(k: tuple) -> dict[str, float]:
        return slices.setdefault(k, {c: 0 for c in [
            "decisions", "audits", "correct", "raw_correct", "over", "under", "critical",
            "mod_enf", "ref_enf", "both_enf", "score", "disputes", "resolved", "overturned"]})

    for row in audits.to_dict("records"):
        s = slot(key_of(month_start(row["audit_date"]), row["queue_code"], row["vendor_code"]))
        s["audits"] += 1
        s["correct"] += bool(row["is_correct"])
        s["raw_correct"] += bool(row["raw_is_correct"])
        s["over"] += row["error_type"] == "over_enforcement"
        s["under"] += row["error_type"] == "under_enforcement"
        s["critical"] += row["error_severity"] == "critical"
        mod_enf = row["moderator_action"] not in ("approve", "escalate")
        ref_enf = row["reference_action"] not in ("approve", "escalate")
        s["mod_enf"] += mod_enf
        s["ref_enf"] += ref_enf
        s["both_enf"] += mod_enf and ref_enf
        s["score"] += {"critical": 0, "major": 50, "minor": 75}.get(row["error_severity"], 100)
        s["disputes"] += int(row["disputes"])
        s["resolved"] += int(row["resolved_disputes"])
        s["overturned"] += int(row["overturned_disputes"])
    for row in decisions.to_dict("records"):
        slot(key_of(month_start(row["decision_date"]), row["queue_code"], row["vendor_code"]))["decisions"] += 1

    out: dict[tuple, dict[str, object]] = {}
    for k, s in slices.items():
        month, queue, vendor = k
        n, x = s["audits"], s["correct"]
        accuracy = ratio(x, n)
        low, high = wilson(x, n)
        crit_low, crit_high = wilson(s["critical"], n)
        target = target_in_effect(targets, queue, None if vendor == NULL_KEY else vendor, month)
        margin = None if n == 0 else (high - low) / 2
        out[k] = {
            "decisions": s["decisions"], "audits": n, "correct": x, "errors": n - x,
            "critical_errors": s["critical"],
            "audit_sample_rate": ratio(n, s["decisions"]),
            "accuracy": accuracy, "accuracy_ci_low": low, "accuracy_ci_high": high,
            "raw_accuracy": ratio(s["raw_correct"], n),
            "error_rate": None if accuracy is None else 1 - accuracy,
            "over_enforcement_rate": ratio(s["over"], n),
            "under_enforcement_rate": ratio(s["under"], n),
            "critical_error_rate": ratio(s["critical"], n),
            "critical_error_rate_ci_low": crit_low, "critical_error_rate_ci_high": crit_high,
            "enforcement_precision": ratio(s["both_enf"], s["mod_enf"]),
            "enforcement_recall": ratio(s["both_enf"], s["ref_enf"]),
            "qa_score": ratio(s["score"], n),
            "dispute_overturn_rate": ratio(s["overturned"], s["resolved"]),
            "margin_of_error": margin,
            "accuracy_target": None if target is None else target["accuracy_target"],
            "target_met": None if (target is None or n == 0) else accuracy >= target["accuracy_target"],
            "sample_adequate": None if (target is None or n == 0) else margin <= target["margin_of_error_max"],
        }
    for k, e in out.items():
        prev = out.get((previous_month(k[0]), k[1], k[2]))
        prev_acc = None if prev is None else prev["accuracy"]
        e["accuracy_change_mom"] = None if (prev_acc is None or e["accuracy"] is None) \
            else 100 * (e["accuracy"] - prev_acc)
    return out


def laney_sigma_z(baseline: list[tuple[int, int]], centre: float | None) -> float | None:
    """metrics.md "Laney p' limits": baseline = (audits, errors) of the baseline weeks with a
    row, in week order; z_j standardised with this week's centre line; mean moving range / 1.128."""
    if centre is None or centre in (0.0, 1.0) or len(baseline) < 2:
        return None
    z = [(x / n - centre) / math.sqrt(centre * (1 - centre) / n) for n, x in baseline]
    ranges = [abs(b - a) for a, b in zip(z, z[1:])]
    return sum(ranges) / len(ranges) / 1.128


def expected_weekly(audits: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    """metrics.md "Error trends": random audits only, with the Laney p' limits."""
    weeks: dict[str, dict[date, list[int]]] = {}
    for row in audits[audits["audit_source"] == "random"].to_dict("records"):
        w = weeks.setdefault(row["queue_code"], {}).setdefault(week_start(row["audit_date"]), [0, 0])
        w[0] += 1
        w[1] += not row["is_correct"]
    out: dict[tuple, dict[str, object]] = {}
    for queue, by_week in weeks.items():
        def centre(w: date) -> float | None:
            n = sum(by_week[b][0] for b in by_week if w - timedelta(weeks=12) <= b <= w - timedelta(weeks=1))
            x = sum(by_week[b][1] for b in by_week if w - timedelta(weeks=12) <= b <= w - timedelta(weeks=1))
            return None if n == 0 else x / n

        def side(w: date) -> int | None:
            if w not in by_week or centre(w) is None:
                return None
            p, c = by_week[w][1] / by_week[w][0], centre(w)
            return (p > c) - (p < c)

        for w, (n, x) in by_week.items():
            p, c = x / n, centre(w)
            if c is None:
                ucl = lcl = None
                beyond = False
            else:
                spread = 3 * math.sqrt(c * (1 - c) / n)
                ucl, lcl = min(1.0, c + spread), max(0.0, c - spread)
                beyond = p > ucl or p < lcl
            sides = [side(w - timedelta(weeks=j)) for j in range(8)]
            run = sides[0] not in (None, 0) and all(s == sides[0] for s in sides)
            prev = by_week.get(w - timedelta(weeks=1))
            baseline = [tuple(by_week[b]) for b in sorted(by_week) if w - timedelta(weeks=12) <= b < w]
            sigma = laney_sigma_z(baseline, c)
            if sigma is None:
                l_ucl = l_lcl = None
                l_beyond = False
            else:
                spread = 3 * sigma * math.sqrt(c * (1 - c) / n)
                l_ucl, l_lcl = min(1.0, c + spread), max(0.0, c - spread)
                l_beyond = p > l_ucl or p < l_lcl
            out[(w, queue)] = {
                "audits": n, "errors": x, "error_rate": p, "centre_line": c, "ucl": ucl, "lcl": lcl,
                "beyond_limits": beyond, "run_of_8": run,
                "error_rate_change_wow": None if prev is None else 100 * (p - prev[1] / prev[0]),
                "sigma_z": sigma, "laney_ucl": l_ucl, "laney_lcl": l_lcl, "beyond_laney_limits": l_beyond,
            }
    return out


def expected_pareto(audits: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    coded = audits[(~audits["is_correct"].astype(bool)) & audits["root_cause_code"].notna()].copy()
    coded["month_start"] = coded["audit_date"].map(month_start)
    counts = coded.groupby(["month_start", "queue_code", "root_cause_code"]).size().rename("errors").reset_index()
    out: dict[tuple, dict[str, object]] = {}
    for (month, queue), group in counts.groupby(["month_start", "queue_code"]):
        ordered = sorted(group.to_dict("records"), key=lambda r: (-r["errors"], r["root_cause_code"]))
        total = sum(r["errors"] for r in ordered)
        running = 0
        for rank, r in enumerate(ordered, start=1):
            before = running
            running += r["errors"]
            out[(month, queue, r["root_cause_code"])] = {
                "errors": r["errors"], "share": r["errors"] / total, "rank": rank,
                "cumulative_share": running / total, "vital_few": before / total < 0.8,
            }
    return out


def z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float | None, float | None]:
    """Pooled two-sided z-test of group 2 vs group 1 (statsmodels); null per metrics.md."""
    if n1 == 0 or n2 == 0 or x1 + x2 in (0, n1 + n2):
        return None, None
    z, p = proportions_ztest([x2, x1], [n2, n1])
    return float(z), float(p)


def expected_policy_impact(audits: pd.DataFrame, changes: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    """metrics.md "Policy-change impact": random audits; BH q-values over the rows with a p-value."""
    audits = audits[audits["audit_source"] == "random"]
    out: dict[tuple, dict[str, object]] = {}
    for change in changes.to_dict("records"):
        at = change["effective_at"]
        on_policy = audits[(audits["reference_policy_code"] == change["policy_code"])
                           | (audits["moderator_policy_code"] == change["policy_code"])]
        before = on_policy[(on_policy["decided_at"] >= at - timedelta(days=28)) & (on_policy["decided_at"] < at)]
        after = on_policy[(on_policy["decided_at"] >= at) & (on_policy["decided_at"] < at + timedelta(days=28))]
        n1, x1 = len(before), int((~before["is_correct"].astype(bool)).sum())
        n2, x2 = len(after), int((~after["is_correct"].astype(bool)).sum())
        p1, p2 = ratio(x1, n1), ratio(x2, n2)
        z, p = z_test(x1, n1, x2, n2)
        out[(change["policy_code"], change["version"])] = {
            "audits_before": n1, "errors_before": x1, "error_rate_before": p1,
            "audits_after": n2, "errors_after": x2, "error_rate_after": p2,
            "difference": None if (p1 is None or p2 is None) else p2 - p1,
            "z_score": z, "p_value": p,
        }
    tested = [k for k, e in out.items() if e["p_value"] is not None]
    q_values = multipletests([out[k]["p_value"] for k in tested], method="fdr_bh")[1] if tested else []
    for k, e in out.items():
        e["q_value"] = None
    for k, q in zip(tested, q_values):
        out[k]["q_value"] = float(q)
    for e in out.values():
        e["significant_increase"] = (e["q_value"] is not None and e["q_value"] < 0.05
                                     and e["error_rate_after"] > e["error_rate_before"])
    return out


def expected_training_impact(audits: pd.DataFrame, completions: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    """metrics.md "Training impact": random audits, moderators as the unit, scipy
    ttest_rel of the per-moderator accuracies after vs before, statsmodels fdr_bh."""
    audits = audits[audits["audit_source"] == "random"]
    first = completions.groupby(["course_code", "moderator_id"])["completed_at"].min().reset_index()
    out: dict[tuple, dict[str, object]] = {}
    for course, group in first.groupby("course_code"):
        n1 = x1 = n2 = x2 = 0
        pairs = []
        for row in group.to_dict("records"):
            at = row["completed_at"]
            mine = audits[audits["moderator_id"] == row["moderator_id"]]
            before = mine[(mine["decided_at"] >= at - timedelta(days=28)) & (mine["decided_at"] < at)]
            after = mine[(mine["decided_at"] >= at) & (mine["decided_at"] < at + timedelta(days=28))]
            b_n, b_x = len(before), int(before["is_correct"].astype(bool).sum())
            a_n, a_x = len(after), int(after["is_correct"].astype(bool).sum())
            n1, x1, n2, x2 = n1 + b_n, x1 + b_x, n2 + a_n, x2 + a_x
            if b_n and a_n:
                pairs.append((b_x / b_n, a_x / a_n))
        changes = [after - before for before, after in pairs]
        p_value = None
        if len(pairs) >= 2 and statistics.stdev(changes) > 0:
            p_value = float(stats.ttest_rel([a for _, a in pairs], [b for b, _ in pairs]).pvalue)
        out[(course,)] = {
            "moderators": len(group), "paired_moderators": len(pairs),
            "audits_before": n1, "correct_before": x1, "accuracy_before": ratio(x1, n1),
            "audits_after": n2, "correct_after": x2, "accuracy_after": ratio(x2, n2),
            "mean_change": sum(changes) / len(changes) if changes else None,
            "p_value": p_value,
        }
    tested = [k for k, v in out.items() if v["p_value"] is not None]
    qs = multipletests([out[k]["p_value"] for k in tested], method="fdr_bh")[1] if tested else []
    for k in out:
        out[k]["q_value"] = None
    for k, q in zip(tested, qs):
        out[k]["q_value"] = float(q)
    return out


def auditor_calibration_inputs(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staged calibration ratings with matches_reference recomputed (participant label =
    the item's reference label), and each session's month (of its earliest date)."""
    ratings = frame(wh, "select p.session_id, p.rater_id, p.rater_role, p.label, r.label as reference_label"
                        " from staging.stg_landing__calibration_ratings as p left join"
                        " (select session_id, item_id, min(label) as label from staging.stg_landing__calibration_ratings"
                        "  where rater_role = 'reference' group by all) as r using (session_id, item_id)")
    ratings["matches_reference"] = (ratings["label"] == ratings["reference_label"]).where(
        ratings["reference_label"].notna() & (ratings["rater_role"] == "participant"))
    sessions = frame(wh, "select session_id, min(date_trunc('month', session_date)) as month_start"
                         " from staging.stg_landing__calibration_ratings group by session_id")
    return ratings, sessions


def expected_auditor_quality(audits: pd.DataFrame, ratings: pd.DataFrame,
                             sessions: pd.DataFrame) -> dict[tuple, dict[str, object]]:
    """metrics.md "Auditor quality": per audit month x auditor, leave-one-out expected
    errors over random audits per queue-month, overturn rate with statsmodels' Wilson
    interval, calibration alignment pooled over the month's sessions."""
    audits = audits.assign(month=[_day(d).replace(day=1) for d in audits["audit_date"]],
                           error=~audits["is_correct"].astype(bool))
    rand = audits[audits["audit_source"] == "random"]
    cells = rand.groupby(["month", "queue_code", "auditor_id"]).agg(n=("error", "size"), e=("error", "sum"))
    totals = rand.groupby(["month", "queue_code"]).agg(N=("error", "size"), E=("error", "sum"))
    month_of = {r["session_id"]: _day(r["month_start"]) for r in sessions.to_dict("records")}
    part = ratings[ratings["rater_role"] == "participant"].assign(month=lambda f: f["session_id"].map(month_of))
    out: dict[tuple, dict[str, object]] = {}
    for (month, auditor), group in audits.groupby(["month", "auditor_id"]):
        comparable = comparable_errors = 0
        expected = 0.0
        for (m, queue, a), cell in cells.iterrows():
            if (m, a) != (month, auditor):
                continue
            others = totals.loc[(m, queue), "N"] - cell["n"]
            if others > 0:
                comparable += int(cell["n"])
                comparable_errors += int(cell["e"])
                expected += cell["n"] * (totals.loc[(m, queue), "E"] - cell["e"]) / others
        resolved, overturned = int(group["resolved_disputes"].sum()), int(group["overturned_disputes"].sum())
        low, high = proportion_confint(overturned, resolved, method="wilson") if resolved else (None, None)
        mine = part[(part["month"] == month) & (part["rater_id"] == auditor)]
        judged = mine["matches_reference"].dropna().astype(bool)
        mine_random = group[group["audit_source"] == "random"]
        out[(month, auditor)] = {
            "audits": len(group), "random_audits": len(mine_random), "comparable_audits": comparable,
            "errors_found": int(mine_random["error"].sum()), "comparable_errors_found": comparable_errors,
            "expected_errors": expected, "strictness_ratio": comparable_errors / expected if expected else None,
            "disputes_resolved": resolved, "overturned": overturned,
            "overturn_rate": overturned / resolved if resolved else None,
            "overturn_rate_ci_low": low, "overturn_rate_ci_high": high,
            "calibration_alignment": float(judged.mean()) if len(judged) else None,
        }
    return out


MONTHLY_TOLERANCES = {"accuracy_ci_low": EXACT, "accuracy_ci_high": EXACT}
NORMAL_CDF_TOLERANCES = {"p_value": NORMAL_CDF, "q_value": NORMAL_CDF}


def check_all_marts(wh: Warehouse) -> None:
    audits = audits_frame(wh)
    decisions = frame(wh, "select * from marts.fct_moderation_decisions")
    checks: list[tuple[str, list[str], Callable[[], dict]]] = [
        ("mart_quality_daily", ["audit_date", "queue_code", "vendor_code", "site", "market", "audit_source"],
         lambda: expected_daily(audits)),
        ("mart_quality_monthly", ["month_start", "queue_code", "vendor_code"],
         lambda: expected_monthly(audits, decisions)),
        ("mart_error_trends_weekly", ["week_start", "queue_code"], lambda: expected_weekly(audits)),
        ("mart_root_cause_pareto", ["month_start", "queue_code", "root_cause_code"],
         lambda: expected_pareto(audits)),
        ("mart_policy_change_impact", ["policy_code", "version"],
         lambda: expected_policy_impact(audits, frame(wh, "select * from staging.stg_landing__policy_changes"))),
        ("mart_training_impact", ["course_code"],
         lambda: expected_training_impact(
             audits, frame(wh, "select * from staging.stg_landing__training_completions"))),
        ("mart_auditor_quality_monthly", ["month_start", "auditor_id"],
         lambda: expected_auditor_quality(audits, *auditor_calibration_inputs(wh))),
    ]
    for mart, key, compute in checks:
        got = frame(wh, f"select * from marts.{mart}")
        for column in key:
            if column in ("audit_date", "month_start", "week_start"):
                got[column] = got[column].map(_day)
        assert_rows_match(got, compute(), key, NORMAL_CDF_TOLERANCES)


# ---------------------------------------------------------------------------------
# The generator's sample warehouse
# ---------------------------------------------------------------------------------

def test_sample_quality_marts_match_independent_implementations(sample_warehouse: Warehouse) -> None:
    check_all_marts(sample_warehouse)


def test_sample_planted_ht01_change_is_a_significant_increase_and_a_p_chart_signal(
        sample_warehouse: Warehouse) -> None:
    from tsqa import generate

    change_at = generate.HT01_CHANGE_AT.replace(tzinfo=None)
    significant = sample_warehouse.query(
        "select significant_increase, error_rate_after > error_rate_before, q_value "
        "from marts.mart_policy_change_impact where policy_code = ? and version = ?",
        [generate.HT01_POLICY, generate.HT01_VERSION],
    )
    assert len(significant) == 1
    assert significant[0][0] is True and significant[0][1] is True and significant[0][2] < 0.05
    # it is the only change flagged (the others have no planted effect)
    assert sample_warehouse.scalar(
        "select count(*) from marts.mart_policy_change_impact where significant_increase") == 1
    signals = sample_warehouse.query(
        "select week_start from marts.mart_error_trends_weekly "
        "where queue_code = ? and beyond_limits and error_rate > ucl "
        "and beyond_laney_limits and error_rate > laney_ucl "
        "and week_start >= ? and week_start < ?",
        [generate.HT01_SPIKE_QUEUE, week_start(change_at),
         change_at.date() + timedelta(days=generate.HT01_SPIKE_DAYS)],
    )
    assert signals, "no week of the HT-01 spike is above the p-chart's (and Laney's) upper control limit"


# ---------------------------------------------------------------------------------
# A landing folder written by hand: edge cases a person can check
# ---------------------------------------------------------------------------------

def _moderator(mid: str, vendor: str) -> dict[str, object]:
    return {"moderator_id": mid, "vendor_code": vendor, "site": "s-" + vendor, "market": "US",
            "language": "en", "role": "moderator", "work_email": f"{mid.lower()}@example.com",
            "hired_on": "2025-01-01", "updated_at": "2025-01-01T00:00:00Z"}


class _Book:
    """Decisions and audits written by hand (one audit per decision)."""

    def __init__(self) -> None:
        self.decisions: list[dict[str, object]] = []
        self.audits: list[dict[str, object]] = []

    def add(self, queue: str, mid: str, decided_at: str, action: str, policy: str | None,
            audited_at: str | None = None, qa_action: str | None = None, qa_policy: str | None = None,
            root_cause: str | None = None) -> None:
        did = f"D{len(self.decisions) + 1:04d}"
        self.decisions.append({
            "decision_id": did, "content_id": "C" + did, "user_id": "U1", "queue_code": queue,
            "moderator_id": mid, "action": action, "policy_code": policy, "content_type": "comment",
            "market": "US", "decided_at": decided_at, "handle_time_s": 30})
        if audited_at is not None:
            self.audits.append({
                "audit_id": "A" + did, "decision_id": did, "auditor_id": "QA1", "audit_source": "random",
                "audited_at": audited_at, "qa_action": qa_action, "qa_policy_code": qa_policy,
                "root_cause_code": root_cause, "auditor_notes": ""})


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("quality_edge")
    landing = Landing(root / "raw")
    landing.drop("moderators", "moderators_2025-01-01", [
        _moderator("M1", "atlas"), _moderator("M2", "inhouse"), _moderator("M3", "cirrus"),
        _moderator("QA1", "inhouse") | {"role": "auditor"},
    ])
    book = _Book()
    # images x atlas, December 2025 (before any quality target): a single audit, wrong.
    book.add("images", "M1", "2025-12-10T10:00:00Z", "remove", "AD-01",
             "2025-12-11T10:00:00Z", "approve", None, root_cause="PPL-ATTN")
    # comments x inhouse, January 2026: 4 audits, all correct; 2 more decisions never audited.
    for day in (5, 6, 7, 8):
        book.add("comments", "M2", f"2026-01-{day:02d}T09:00:00Z", "remove", "HR-02",
                 f"2026-01-{day:02d}T12:00:00Z", "remove", "HR-02")
    for day in (9, 10):
        book.add("comments", "M2", f"2026-01-{day:02d}T09:00:00Z", "approve", None)
    # comments x atlas, January 2026: decisions only (zero audits).
    book.add("comments", "M1", "2026-01-12T09:00:00Z", "approve", None)
    # hate_harassment x cirrus, week of 2026-01-05: 3 audits, all wrong (no baseline yet).
    for day, rc in ((5, "PPL-KNOW"), (6, "PPL-KNOW"), (7, "POL-GREY")):
        book.add("hate_harassment", "M3", f"2026-01-{day:02d}T09:00:00Z", "remove", "HT-02",
                 f"2026-01-{day:02d}T15:00:00Z", "remove", "HT-01", root_cause=rc)
    # hate_harassment x cirrus, week of 2026-01-12: 2 audits, 1 correct.
    book.add("hate_harassment", "M3", "2026-01-12T09:00:00Z", "remove", "HT-01",
             "2026-01-12T15:00:00Z", "remove", "HT-01")
    book.add("hate_harassment", "M3", "2026-01-13T09:00:00Z", "approve", None,
             "2026-01-13T15:00:00Z", "remove", "HT-01", root_cause="PPL-ATTN")
    landing.drop("moderation_decisions", "moderation_decisions_2026-01-31", book.decisions)
    landing.drop("qa_audits", "qa_audits_2026-01-31", book.audits)
    landing.drop("audit_disputes", "audit_disputes_2026-01-31", [
        # the all-wrong week's first audit is disputed twice: upheld, then overturned to
        # the moderator's answer (so it becomes correct); a third dispute is pending.
        {"dispute_id": "P1", "audit_id": "AD0009", "raised_by": "M3", "raised_at": "2026-01-06T00:00:00Z",
         "resolved_at": "2026-01-07T00:00:00Z", "outcome": "upheld", "final_action": "remove",
         "final_policy_code": "HT-01"},
        {"dispute_id": "P2", "audit_id": "AD0009", "raised_by": "M3", "raised_at": "2026-01-08T00:00:00Z",
         "resolved_at": "2026-01-09T00:00:00Z", "outcome": "overturned", "final_action": "remove",
         "final_policy_code": "HT-02"},
        {"dispute_id": "P3", "audit_id": "AD0010", "raised_by": "M3", "raised_at": "2026-01-08T00:00:00Z",
         "outcome": "pending"},
    ])
    landing.drop("policy_changes", "policy_changes_2026-01-01", [
        {"policy_code": "HT-01", "version": "v9", "effective_at": "2026-01-09T00:00:00Z",
         "change_type": "clarification", "summary": "x"},
        {"policy_code": "SP-02", "version": "v1", "effective_at": "2026-01-20T00:00:00Z",
         "change_type": "new", "summary": "y"},
    ])
    landing.drop("training_completions", "training_completions_2026-01-10", [
        {"moderator_id": "M3", "course_code": "HT-REFRESH", "policy_code": "HT-01",
         "completed_at": "2026-01-10T00:00:00Z", "score": 55},
        {"moderator_id": "M3", "course_code": "HT-REFRESH", "policy_code": "HT-01",
         "completed_at": "2026-01-11T00:00:00Z", "score": 90},
    ])
    built = Warehouse(root, landing)
    built.build("resource_type:seed", "+path:models/marts/quality", extra=["--indirect-selection", "cautious"])
    return built


def test_edge_marts_match_independent_implementations(edge: Warehouse) -> None:
    check_all_marts(edge)


def _monthly(edge: Warehouse, month: str, queue: str, vendor: str) -> dict[str, object]:
    rows = frame(edge, f"select * from marts.mart_quality_monthly where month_start = '{month}' "
                       f"and queue_code = '{queue}' and vendor_code = '{vendor}'").to_dict("records")
    assert len(rows) == 1
    return rows[0]


def test_edge_single_wrong_audit_in_a_month_without_target(edge: Warehouse) -> None:
    row = _monthly(edge, "2025-12-01", "images", "atlas")
    z = 1.959963984540054
    assert (row["decisions"], row["audits"], row["accuracy"], row["error_rate"]) == (1, 1, 0.0, 1.0)
    # x = 0, n = 1: the Wilson interval is [0, z^2 / (1 + z^2)], half-width its half
    assert row["accuracy_ci_low"] == 0.0
    assert row["accuracy_ci_high"] == pytest.approx(z * z / (1 + z * z), abs=EXACT)
    assert row["margin_of_error"] == pytest.approx(z * z / (1 + z * z) / 2, abs=EXACT)
    assert row["over_enforcement_rate"] == 1.0 and row["audit_sample_rate"] == 1.0
    assert row["enforcement_precision"] == 0.0 and is_null(row["enforcement_recall"])
    # AD-01 is tier 3: minor, 75 points
    assert row["critical_error_rate"] == 0.0 and row["qa_score"] == 75.0
    assert is_null(row["accuracy_target"]) and is_null(row["target_met"]) and is_null(row["sample_adequate"])
    assert is_null(row["dispute_overturn_rate"]) and is_null(row["accuracy_change_mom"])


def test_edge_all_correct_month_with_unaudited_decisions(edge: Warehouse) -> None:
    row = _monthly(edge, "2026-01-01", "comments", "inhouse")
    z2 = 1.959963984540054 ** 2
    assert (row["decisions"], row["audits"], row["accuracy"]) == (6, 4, 1.0)
    assert row["audit_sample_rate"] == pytest.approx(4 / 6, abs=EXACT)
    # x = n = 4: [n / (n + z^2), 1]
    assert row["accuracy_ci_low"] == pytest.approx(4 / (4 + z2), abs=EXACT) and row["accuracy_ci_high"] == 1.0
    # vendor-only target (inhouse 0.93) beats the any-row; margin ~0.245 > 0.05
    assert row["accuracy_target"] == 0.93 and row["target_met"] is True and row["sample_adequate"] is False
    # previous month (December 2025) has no row for this slice
    assert is_null(row["accuracy_change_mom"]) and row["qa_score"] == 100.0


def test_edge_slice_with_decisions_and_zero_audits(edge: Warehouse) -> None:
    row = _monthly(edge, "2026-01-01", "comments", "atlas")
    assert (row["decisions"], row["audits"], row["audit_sample_rate"]) == (1, 0, 0.0)
    for column in ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "error_rate", "critical_error_rate",
                   "qa_score", "margin_of_error", "target_met", "sample_adequate", "accuracy_change_mom",
                   "enforcement_precision", "enforcement_recall", "dispute_overturn_rate"):
        assert is_null(row[column]), column
    assert row["accuracy_target"] == 0.90  # the any-row in effect since 2026-01-01


def test_edge_disputes_adjust_accuracy_and_the_overturn_rate(edge: Warehouse) -> None:
    row = _monthly(edge, "2026-01-01", "hate_harassment", "cirrus")
    # 5 audits: the first of the all-wrong week is overturned to correct, plus 1 correct later
    assert (row["audits"], row["correct"]) == (5, 2)
    assert row["accuracy"] == pytest.approx(0.4, abs=EXACT)
    assert row["raw_accuracy"] == pytest.approx(0.2, abs=EXACT)
    # disputes on this row's audits: upheld + overturned resolved, 1 overturned (pending excluded)
    assert (row["disputes"], row["resolved_disputes"], row["overturned_disputes"]) == (3, 2, 1)
    assert row["dispute_overturn_rate"] == 0.5
    # hate_harassment x cirrus has a queue+vendor target only from 2026-07-01: any-row 0.90
    assert row["accuracy_target"] == 0.90 and row["target_met"] is False


def test_edge_queue_without_baseline_has_no_limits_and_no_signal(edge: Warehouse) -> None:
    rows = edge.query(
        "select week_start::varchar, audits, errors, centre_line, ucl, lcl, beyond_limits, run_of_8, "
        "error_rate_change_wow from marts.mart_error_trends_weekly where queue_code = 'hate_harassment' "
        "order by week_start"
    )
    first, second = rows
    # week of 2026-01-05: 3 audits, 2 errors after the overturn; no baseline yet
    assert first == ("2026-01-05", 3, 2, None, None, None, False, False, None)
    # week of 2026-01-12: 2 audits, 1 error; centre 2/3, n = 2
    centre = 2 / 3
    spread = 3 * math.sqrt(centre * (1 - centre) / 2)
    assert second[:4] == ("2026-01-12", 2, 1, pytest.approx(centre, abs=EXACT))
    assert second[4] == pytest.approx(min(1.0, centre + spread), abs=EXACT) and second[5] == 0.0
    assert second[6:8] == (False, False)
    assert second[8] == pytest.approx(100 * (1 / 2 - 2 / 3), abs=EXACT)


def test_edge_policy_change_windows_and_undefined_tests(edge: Warehouse) -> None:
    rows = edge.query(
        "select policy_code, audits_before, errors_before, audits_after, errors_after, z_score, p_value, "
        "significant_increase from marts.mart_policy_change_impact order by policy_code"
    )
    # HT-01 v9 at 2026-01-09: before = decisions of 5-7 January on HT-01 (reference or
    # moderator policy): the overturned audit's answer is now HT-02 on both sides, so it
    # drops out, leaving 2 audits, 2 errors; after = 12-13 January: 2 audits, 1 error.
    ht = rows[0]
    assert ht[:5] == ("HT-01", 2, 2, 2, 1)
    z, p = proportions_ztest([1, 2], [2, 2])
    assert ht[5] == pytest.approx(z, abs=EXACT) and ht[6] == pytest.approx(p, abs=NORMAL_CDF)
    assert ht[7] is False
    # SP-02 v1: no audits at all, still a row; nothing defined
    assert rows[1] == ("SP-02", 0, 0, 0, 0, None, None, False)


def test_edge_training_uses_the_first_completion(edge: Warehouse) -> None:
    row = edge.query(
        "select moderators, audits_before, correct_before, audits_after, correct_after, mean_change "
        "from marts.mart_training_impact where course_code = 'HT-REFRESH'"
    )
    # first completion 2026-01-10: before = decisions of 5-7 January (1 correct of 3),
    # after = 12-13 January (1 of 2); the retake on the 11th is ignored
    assert row == [(1, 3, 1, 2, 1, pytest.approx(1 / 2 - 1 / 3, abs=EXACT))]


def test_edge_pareto_of_coded_errors(edge: Warehouse) -> None:
    rows = edge.query(
        "select queue_code, root_cause_code, errors, share, rank, cumulative_share, vital_few "
        "from marts.mart_root_cause_pareto where month_start = '2026-01-01' order by queue_code, rank"
    )
    # hate_harassment: the overturned PPL-KNOW audit is correct now, so PPL-KNOW 1,
    # POL-GREY 1, PPL-ATTN 1: three ties ranked by code
    assert rows == [
        ("hate_harassment", "POL-GREY", 1, pytest.approx(1 / 3), 1, pytest.approx(1 / 3), True),
        ("hate_harassment", "PPL-ATTN", 1, pytest.approx(1 / 3), 2, pytest.approx(2 / 3), True),
        ("hate_harassment", "PPL-KNOW", 1, pytest.approx(1 / 3), 3, pytest.approx(1.0), True),
    ]


def test_independent_target_lookup_prefers_specificity_then_recency() -> None:
    """The reference implementation's target lookup itself, on the seed quality_targets."""
    targets = load_targets()
    assert target_in_effect(targets, "hate_harassment", "cirrus", date(2026, 6, 1))["accuracy_target"] == 0.90
    assert target_in_effect(targets, "hate_harassment", "cirrus", date(2026, 7, 1))["accuracy_target"] == 0.88
    assert target_in_effect(targets, "comments", "inhouse", date(2026, 10, 1))["accuracy_target"] == 0.93
    assert target_in_effect(targets, "comments", "atlas", date(2026, 10, 1))["accuracy_target"] == 0.92
    assert target_in_effect(targets, "comments", "atlas", date(2025, 12, 1)) is None


# ---------------------------------------------------------------------------------
# Training impact: a hand-built folder with enough moderators for the paired t-test
# ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Two courses: HT-A taken by M01..M09 on 2026-03-10 (a few moderators lack audits
    on one side; each side mixes random and targeted audits, and the targeted ones are
    mostly errors, as in real drops), SP-B by M05..M08 on 2026-03-20 (M05..M08 also
    took HT-A: one moderator, two courses)."""
    import numpy as np

    rng = np.random.default_rng(14)
    root = tmp_path_factory.mktemp("training")
    landing = Landing(root / "raw")
    moderators = [f"M{n:02d}" for n in range(1, 10)]
    landing.drop("moderators", "moderators_2025-01-01",
                 [_moderator(m, "atlas") for m in moderators] + [_moderator("QA1", "inhouse") | {"role": "auditor"}])
    book = _Book()
    for index, mid in enumerate(moderators):
        skill = 0.70 + 0.03 * index
        for day in range(1, 31):
            for _ in range(int(rng.integers(0, 3))):
                if (mid == "M02" and day < 10) or (mid == "M09" and day >= 10):
                    continue  # one side without audits: not paired for HT-A
                correct = rng.random() < skill + (0.08 if day >= 10 else 0.0)
                book.add("comments", mid, f"2026-03-{day:02d}T{int(rng.integers(0, 24)):02d}:00:00Z", "approve",
                         None, "2026-04-05T00:00:00Z", "approve" if correct else "remove",
                         None if correct else "HT-01", None if correct else "PPL-KNOW")
                if rng.random() < 0.3:  # a targeted audit of the same moderator, usually an error
                    book.audits[-1]["audit_source"] = "targeted"
    landing.drop("moderation_decisions", "moderation_decisions_2026-03-31", book.decisions)
    landing.drop("qa_audits", "qa_audits_2026-04-05", book.audits)
    landing.drop("training_completions", "training_completions_2026-03-20",
                 [{"moderator_id": m, "course_code": "HT-A", "policy_code": "HT-01",
                   "completed_at": "2026-03-10T00:00:00Z", "score": 90} for m in moderators]
                 + [{"moderator_id": m, "course_code": "SP-B", "policy_code": None,
                     "completed_at": "2026-03-20T00:00:00Z", "score": 80} for m in moderators[4:8]])
    wh = Warehouse(root, landing)
    wh.build("+mart_training_impact")
    return wh


def test_training_paired_test_matches_scipy(training: Warehouse) -> None:
    got = frame(training, "select * from marts.mart_training_impact")
    expected = expected_training_impact(
        audits_frame(training), frame(training, "select * from staging.stg_landing__training_completions"))
    assert_rows_match(got, expected, ["course_code"], {"p_value": 1e-12, "q_value": 1e-12})
    assert all(v["p_value"] is not None for v in expected.values())  # both courses really tested
    assert expected[("HT-A",)]["paired_moderators"] == 7  # M02 and M09 have one side only
    assert audits_frame(training)["audit_source"].eq("targeted").any()


def test_student_t_macros_match_scipy(tmp_path: Path) -> None:
    """macros/stats/student_t.sql on a grid against scipy.stats.t: two-sided p-value and
    cdf (df from 1 to 10^5, |t| up to 40) and the quantile (p from 1e-8 to 1 - 1e-8),
    relative error below 1e-9 (1e-12 absolute where the value is near 0 or 1)."""
    from scipy import stats as st

    from tsqa.dbt import run_dbt

    sql = ("select t, df, p, {{ student_t_two_sided_p('t', 'df') }} as two_sided,"
           " {{ student_t_cdf('t', 'df') }} as cdf, {{ student_t_quantile('p', 'df') }} as quantile from g")
    compiled = run_dbt(["--quiet", "compile", "--inline", sql],
                       env={"TSQA_DUCKDB_PATH": str(tmp_path / "w.duckdb"), "TSQA_RAW_DIR": str(tmp_path / "raw")},
                       target_path=tmp_path / "target", capture=True).stdout.strip()
    dfs = [1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 25, 30, 50, 100, 1000, 24782, 100000]
    ts = [0.0, 0.1, 0.5, 1.0, 1.5, 1.96, 2.0, 2.5, 3.0, 5.0, 10.0, 40.0, -2.3, -0.7]
    ps = [1e-8, 0.001, 0.025, 0.1, 0.4, 0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9999, 1 - 1e-8]
    con = duckdb.connect()
    con.execute("create table g (t double, df double, p double)")
    con.executemany("insert into g values (?, ?, ?)",
                    [(t, df, 0.5) for df in dfs for t in ts] + [(1.0, df, p) for df in dfs for p in ps])
    checked = 0
    for t, df, p, two_sided, cdf, quantile in con.execute(compiled).fetchall():
        want_two = 2 * st.t.sf(abs(t), df)
        want_cdf = st.t.cdf(t, df)
        want_q = st.t.ppf(p, df)
        assert two_sided == pytest.approx(want_two, rel=1e-9, abs=1e-300), (t, df)
        assert cdf == pytest.approx(want_cdf, rel=1e-9, abs=1e-12), (t, df)
        assert quantile == pytest.approx(want_q, rel=1e-9, abs=1e-12), (p, df)
        checked += 1
    assert checked == len(dfs) * (len(ts) + len(ps))


# ---------------------------------------------------------------------------------
# Auditor quality: the hand-worked strictness table
# ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def auditors(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """September 2026. Queue comments, random audits: Q1 4 (2 errors), Q2 6 (1 error), Q3
    2 (1 error), plus a targeted audit by Q3 (an error); queue images: Q1 3 random audits
    (1 error), nobody else; Q4 only a targeted audit. Disputes on Q1's first (correct)
    comments audit: one upheld, one overturned to the same answer; on its second: one
    upheld, one pending. Calibration session S1 (September): Q1 rates four items, three
    with a reference label, two matching."""
    root = tmp_path_factory.mktemp("auditors")
    landing = Landing(root / "raw")
    landing.drop("moderators", "moderators_2025-01-01",
                 [_moderator("M1", "atlas")] + [_moderator(q, "inhouse") | {"role": "auditor"}
                                                for q in ("Q1", "Q2", "Q3", "Q4")])
    book = _Book()
    plan = [("Q1", "comments", "random", 4, 2), ("Q2", "comments", "random", 6, 1), ("Q3", "comments", "random", 2, 1),
            ("Q3", "comments", "targeted", 1, 1), ("Q1", "images", "random", 3, 1), ("Q4", "comments", "targeted", 1, 0)]
    for auditor, queue, source, n, errors in plan:
        for i in range(n):
            wrong = i >= n - errors
            book.add(queue, "M1", f"2026-09-{1 + len(book.decisions) % 20:02d}T08:00:00Z", "approve", None,
                     "2026-09-25T00:00:00Z", "remove" if wrong else "approve", "HT-01" if wrong else None,
                     "PPL-KNOW" if wrong else None)
            book.audits[-1] |= {"auditor_id": auditor, "audit_source": source}
    landing.drop("moderation_decisions", "moderation_decisions_2026-09-30", book.decisions)
    landing.drop("qa_audits", "qa_audits_2026-09-30", book.audits)
    first, second = book.audits[0]["audit_id"], book.audits[1]["audit_id"]
    dispute = {"raised_by": "M1", "raised_at": "2026-09-26T00:00:00Z", "resolved_at": "2026-09-27T00:00:00Z",
               "final_action": "approve", "final_policy_code": None}
    landing.drop("audit_disputes", "audit_disputes_2026-09-30", [
        dispute | {"dispute_id": "X1", "audit_id": first, "outcome": "upheld"},
        dispute | {"dispute_id": "X2", "audit_id": first, "outcome": "overturned",
                   "raised_at": "2026-09-27T01:00:00Z", "resolved_at": "2026-09-28T00:00:00Z"},
        dispute | {"dispute_id": "X3", "audit_id": second, "outcome": "upheld"},
        dispute | {"dispute_id": "X4", "audit_id": second, "outcome": "pending", "resolved_at": None,
                   "final_action": None}])
    rating = {"session_id": "S1", "session_date": "2026-09-15", "queue_code": "comments"}
    landing.drop("calibration_ratings", "calibration_ratings_2026-09-15", [
        rating | {"item_id": f"i{i}", "rater_id": "EXP", "rater_role": "reference", "label": "approve"}
        for i in (1, 2, 3)] + [
        rating | {"item_id": f"i{i}", "rater_id": "Q1", "rater_role": "participant", "label": label}
        for i, label in ((1, "approve"), (2, "approve"), (3, "HT-01"), (4, "approve"))])
    wh = Warehouse(root, landing)
    wh.build("+mart_auditor_quality_monthly")
    return wh


def test_auditor_strictness_hand_worked_table(auditors: Warehouse) -> None:
    rows = {r[0]: r[1:] for r in auditors.query(
        "select auditor_id, audits, random_audits, comparable_audits, errors_found, expected_errors,"
        " strictness_ratio, disputes_resolved, overturned, overturn_rate, overturn_rate_ci_low,"
        " overturn_rate_ci_high, calibration_alignment from marts.mart_auditor_quality_monthly"
        " where month_start = date '2026-09-01'")}
    # comments: 12 random audits, 4 errors. Leave one out:
    #   Q1: peers 8 audits, 2 errors -> 4 x 2/8 = 1 expected, 2 found: ratio 2
    #   Q2: peers 6, 3 -> 6 x 3/6 = 3 expected, 1 found: 1/3
    #   Q3: peers 10, 3 -> 2 x 3/10 = 0.6 expected, 1 found: 5/3
    # images: Q1 alone, not comparable. Q4: nothing random: no ratio.
    q1, q2, q3, q4 = rows["Q1"], rows["Q2"], rows["Q3"], rows["Q4"]
    assert q1[:4] == (7, 7, 4, 3) and q1[4] == pytest.approx(1.0, abs=EXACT) and q1[5] == pytest.approx(2.0)
    assert q2[:4] == (6, 6, 6, 1) and q2[4] == pytest.approx(3.0) and q2[5] == pytest.approx(1 / 3)
    assert q3[:4] == (3, 2, 2, 1) and q3[4] == pytest.approx(0.6) and q3[5] == pytest.approx(5 / 3)
    assert q4[:4] == (1, 0, 0, 0) and q4[4] == 0 and q4[5] is None
    # 3 resolved disputes on Q1's audits (the pending one is not resolved), 1 overturned
    low, high = proportion_confint(1, 3, method="wilson")
    assert q1[6:9] == (3, 1, pytest.approx(1 / 3)) and (q1[9], q1[10]) == (pytest.approx(low), pytest.approx(high))
    assert q2[6:9] == (0, 0, None)
    # calibration: 3 referenced items, 2 matching
    assert q1[11] == pytest.approx(2 / 3) and q2[11] is None
    check_all_marts_subset(auditors, "mart_auditor_quality_monthly")


def check_all_marts_subset(wh: Warehouse, mart: str) -> None:
    """The mart against the independent pandas implementation (as check_all_marts)."""
    audits = audits_frame(wh)
    ratings, sessions = auditor_calibration_inputs(wh)
    got = frame(wh, f"select * from marts.{mart}")
    got["month_start"] = got["month_start"].map(_day)
    assert_rows_match(got, expected_auditor_quality(audits, ratings, sessions), ["month_start", "auditor_id"],
                      NORMAL_CDF_TOLERANCES)
