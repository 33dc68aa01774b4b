"""Expected values of the dbt unit tests of mart_decision_quality_monthly, worked by hand.

Run `python tests/unit_values/decision_quality.py` to print them. Independent of the SQL:
the strata below are the ones the unit test writes, the estimate follows metrics.md
"Population estimates (design-based)" literally (W_h = N_h / covered, se^2 = sum W_h^2
p_h (1 - p_h) / n_h, n_eff = min(n, p(1-p)/se^2), Wilson centre +- half), in 60-digit
decimals, and every number is rounded to the nearest double at the end.
"""

from __future__ import annotations

from decimal import Decimal as D, getcontext
from fractions import Fraction as F

getcontext().prec = 60
Z = D("1.959963984540054")

# (month, queue, vendor): N decisions, n random, c correct, k critical
STRATA = {
    ("2026-09-01", "comments", "atlas"): (100, 4, 3, 1),
    ("2026-09-01", "comments", "cirrus"): (300, 2, 1, 0),
    ("2026-09-01", "images", "atlas"): (50, 0, 0, 0),
    ("2026-09-01", "images", "cirrus"): (20, 5, 5, 0),
    ("2026-09-01", "hate_harassment", "atlas"): (30, 3, 0, 1),
    ("2026-10-01", "video_general", "inhouse"): (40, 10, 8, 1),
}
# all-source audits (every source) and their correct ones, per stratum
ALL_SOURCES = {
    ("2026-09-01", "comments", "atlas"): (7, 3),
    ("2026-09-01", "comments", "cirrus"): (3, 1),
    ("2026-09-01", "images", "atlas"): (1, 0),
    ("2026-09-01", "images", "cirrus"): (6, 6),
    ("2026-09-01", "hate_harassment", "atlas"): (3, 0),
    ("2026-10-01", "video_general", "inhouse"): (10, 8),
}
# quality_targets given to the unit test: queue, vendor, from, target, crit max, moe max
TARGETS = [
    ("*", "*", "2026-01-01", "0.90", "0.020", "0.050"),
    ("*", "atlas", "2026-01-01", "0.92", "0.010", "0.500"),
    ("comments", "*", "2026-01-01", "0.85", "0.300", "0.500"),
    ("images", "cirrus", "2026-08-01", "0.95", "0.020", "0.500"),
    ("images", "cirrus", "2026-10-01", "0.10", "0.900", "0.900"),
]


def sqrt(x: D) -> D:
    return x.sqrt()


def wilson(p: D, n: D) -> tuple[D, D]:
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def estimate(strata: list[tuple[int, int, int]]) -> dict[str, D | None]:
    """strata: (N_h, n_h, x_h); returns p, se, n_eff, low, high (None without a sampled stratum)."""
    s = [(N, n, x) for N, n, x in strata if n > 0]
    if not s:
        return {"p": None, "se": None, "ess": None, "low": None, "high": None}
    covered = sum(N for N, _, _ in s)
    p = sum(F(N, covered) * F(x, n) for N, n, x in s)
    var = sum(F(N, covered) ** 2 * F(x, n) * (1 - F(x, n)) / n for N, n, x in s)
    n_total = sum(n for _, n, _ in s)
    ess = F(n_total) if var == 0 else min(F(n_total), p * (1 - p) / var)
    pd, essd = D(p.numerator) / D(p.denominator), D(ess.numerator) / D(ess.denominator)
    low, high = wilson(pd, essd)
    if p == 1:
        high = D(1)
    return {"p": pd, "se": sqrt(D(var.numerator) / D(var.denominator)), "ess": essd, "low": low, "high": high}


def target(queue: str, vendor: str, month: str):
    q = "*" if queue == "all" else queue
    v = "*" if vendor == "all" else vendor
    best = None
    for t in TARGETS:
        if t[0] in ("*", q) and t[1] in ("*", v) and t[2] <= month:
            rank = (2 * (t[0] != "*") + (t[1] != "*"), t[2])
            if best is None or rank > best[0]:
                best = (rank, t)
    return None if best is None else best[1]


def cells():
    months = sorted({k[0] for k in STRATA})
    for m in months:
        keys = [k for k in STRATA if k[0] == m]
        queues = sorted({k[1] for k in keys})
        vendors = sorted({k[2] for k in keys})
        for k in keys:
            yield (m, k[1], k[2]), [k]
        for q in queues:
            yield (m, q, "all"), [k for k in keys if k[1] == q]
        for v in vendors:
            yield (m, "all", v), [k for k in keys if k[2] == v]
        yield (m, "all", "all"), keys


def f(x):
    return None if x is None else float(x)


def rows():
    out = []
    for (m, q, v), keys in cells():
        acc = estimate([(STRATA[k][0], STRATA[k][1], STRATA[k][2]) for k in keys])
        crit = estimate([(STRATA[k][0], STRATA[k][1], STRATA[k][3]) for k in keys])
        decisions = sum(STRATA[k][0] for k in keys)
        covered = sum(STRATA[k][0] for k in keys if STRATA[k][1] > 0)
        audits = sum(ALL_SOURCES[k][0] for k in keys)
        correct = sum(ALL_SOURCES[k][1] for k in keys)
        all_src = D(correct) / D(audits)
        t = target(q, v, m)
        row = {
            "month_start": m, "queue_code": q, "vendor_code": v,
            "decisions": decisions, "strata": len(keys),
            "sampled_strata": sum(1 for k in keys if STRATA[k][1] > 0),
            "covered_decisions": covered, "coverage": float(D(covered) / D(decisions)),
            "random_audits": sum(STRATA[k][1] for k in keys),
            "accuracy": f(acc["p"]), "accuracy_se": f(acc["se"]), "effective_sample_size": f(acc["ess"]),
            "accuracy_ci_low": f(acc["low"]), "accuracy_ci_high": f(acc["high"]),
            "critical_error_rate": f(crit["p"]),
            "critical_error_rate_ci_low": f(crit["low"]), "critical_error_rate_ci_high": f(crit["high"]),
            "est_wrong_decisions": None if acc["p"] is None else float(covered * (1 - acc["p"])),
            "est_wrong_decisions_ci_low": None if acc["p"] is None else float(covered * (1 - acc["high"])),
            "est_wrong_decisions_ci_high": None if acc["p"] is None else float(covered * (1 - acc["low"])),
            "audited_accuracy_all_sources": float(all_src),
            "selection_bias_points": None if acc["p"] is None else float(100 * (all_src - acc["p"])),
        }
        if t is None or acc["p"] is None:
            status = crit_status = None
            moe = None if acc["p"] is None else (acc["high"] - acc["low"]) / 2
        else:
            moe = (acc["high"] - acc["low"]) / 2
            adequate = moe <= D(t[5])
            status = "inconclusive" if not adequate else ("met" if acc["p"] >= D(t[3]) else "missed")
            crit_status = "inconclusive" if not adequate else ("within" if crit["p"] <= D(t[4]) else "exceeded")
        row.update({
            "accuracy_target": None if t is None else float(t[3]),
            "margin_of_error": f(moe),
            "target_status": status,
            "below_target_significant": bool(t is not None and acc["p"] is not None and acc["high"] < D(t[3])),
            "critical_status": crit_status,
        })
        out.append(row)
    return out


if __name__ == "__main__":
    import json

    for r in rows():
        print(json.dumps(r))
