"""Calibration agreement marts against independent implementations.

One warehouse holds many generated sessions (2 to 15 raters, 2 to 8 labels, missing
ratings, an item everyone agrees on, a session where everyone agrees on everything, a
single-label session, a session of single ratings) plus two published worked examples:
Fleiss (1971), kappa 0.430, and Krippendorff (2011), "Computing Krippendorff's
Alpha-Reliability", nominal alpha 0.743. Every session, rater, month and rater-month is
checked against the `krippendorff` package, statsmodels `fleiss_kappa` /
`cohens_kappa`, and a direct enumeration of rater pairs, to 1e-9.

A second warehouse loads the Davidson et al. (2017) coder counts (24,783 items, 3 to 9
coders each) as one calibration session and prints how long the build and the
agreement query take (quoted in the README).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import duckdb
import krippendorff
import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from tsqa.settings import PROJECT_DIR
from tests.conftest import Landing, Warehouse

#: Labels must be policy codes or `approve` (staging quarantines anything else).
LABELS = ["approve", "MS-01", "VE-01", "SH-01", "HT-01", "HR-01", "AD-01", "SP-01"]
QUEUES = ["comments", "images"]
TOL = 1e-9
CALIBRATION_MARTS = ("+mart_calibration_sessions", "+mart_calibration_raters",
                     "+mart_calibration_monthly", "+mart_rater_reference_kappa")
#: Real multi-coder data shipped beside the project (../shared/data, see its README);
#: TSQA_SHARED_DIR points elsewhere.
DAVIDSON_CSV = (Path(os.environ.get("TSQA_SHARED_DIR") or PROJECT_DIR.parent / "shared")
                / "data" / "davidson_coder_counts.csv")

#: Fleiss (1971), table 1: 30 patients, 6 psychiatrists, 5 diagnoses (as reproduced in
#: statsmodels' test suite and R irr::diagnoses); published kappa 0.430 (0.4302445).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]

#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C
#: (nominal data, 4 observers x 12 units, missing values as None); alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


#: Reference values from irrcac 0.4.4 (Gwet's package; pandas 2.3.3, numpy 1.26.4, scipy
#: 1.12.0, in a throwaway venv outside the project lock: it pins scipy==1.12 and
#: pandas<3), rounded by irrcac to five decimals. Produced by
#:   frame = pd.DataFrame(one row per item, one column per participant, None = missing)
#:   CAC(frame, categories=sorted(distinct labels of the session)).gwet()["est"] and
#:   .krippendorff()["est"]: coefficient_value, se, confidence_interval (95%)
#: for the sessions of this file's fixture (same seed). session -> (AC1, se, (low, high),
#: alpha, se, (low, high)). ONE-LABEL (one category) and SINGLES (no pairable item:
#: irrcac divides by zero) have no reference; metrics.md makes them null.
IRRCAC_REFERENCE = {
    "ALL-AGREE": (1.0, 0.0, (1.0, 1), 1.0, 0.0, (1.0, 1)),
    "FLEISS-1971": (0.44788, 0.05566, (0.33404, 0.56173), 0.43341, 0.0542, (0.32256, 0.54426)),
    "GEN-00": (0.26154, 0.1571, (-0.05623, 0.57931), 0.24762, 0.15636, (-0.06864, 0.56388)),
    "GEN-01": (0.41807, 0.09593, (0.22187, 0.61426), 0.42036, 0.0971, (0.22176, 0.61896)),
    "GEN-02": (0.82687, 0.07208, (0.67811, 0.97563), 0.81121, 0.06777, (0.67102, 0.95141)),
    "GEN-03": (0.51643, 0.06089, (0.39407, 0.63879), 0.52442, 0.05705, (0.40971, 0.63914)),
    "GEN-04": (0.23536, 0.05876, (0.11237, 0.35835), 0.2246, 0.05611, (0.10716, 0.34203)),
    "GEN-05": (0.58445, 0.083, (0.41578, 0.75312), 0.57784, 0.07999, (0.41529, 0.7404)),
    "GEN-06": (0.49974, 0.08825, (0.31047, 0.68901), 0.46959, 0.08735, (0.28225, 0.65694)),
    "GEN-07": (0.55669, 0.03525, (0.48615, 0.62723), 0.5588, 0.03656, (0.48564, 0.63196)),
    "GEN-08": (0.44526, 0.07336, (0.29386, 0.59666), 0.41583, 0.07011, (0.2708, 0.56087)),
    "GEN-09": (0.40901, 0.03906, (0.32726, 0.49076), 0.40162, 0.03807, (0.32194, 0.4813)),
    "GEN-10": (0.42434, 0.03477, (0.35323, 0.49544), 0.42653, 0.03389, (0.35722, 0.49585)),
    "GEN-11": (0.352, 0.13951, (0.0364, 0.6676), 0.1954, 0.09133, (-0.01121, 0.40201)),
    "GEN-12": (0.24463, 0.24043, (-0.25274, 0.74199), 0.16981, 0.24051, (-0.44844, 0.78806)),
    "GEN-13": (1.0, 0.50918, (-0.15183, 1), 1.0, 0.0, (1.0, 1)),
    "KRIPP-2011": (0.77544, 0.14295, (0.46081, 1), 0.74342, 0.14557, (0.41906, 1)),
}


# --------------------------------------------------------------------------- data


def _rating(session: str, day: date, queue: str, item: str, rater: str, label: str,
            role: str = "participant") -> dict[str, object]:
    return {"session_id": session, "session_date": day.isoformat(), "queue_code": queue, "item_id": item,
            "rater_id": rater, "rater_role": role, "label": label}


def _generated_sessions(rng: np.random.Generator) -> list[dict[str, object]]:
    """Sessions of many shapes: (raters, labels, items, share of ratings missing)."""
    shapes = [(2, 2, 40, 0.0), (3, 3, 30, 0.0), (4, 5, 25, 0.2), (5, 8, 50, 0.3), (6, 4, 20, 0.0),
              (7, 2, 35, 0.4), (8, 6, 15, 0.0), (9, 3, 60, 0.1), (10, 7, 25, 0.5), (12, 8, 20, 0.0),
              (15, 5, 30, 0.25), (15, 2, 10, 0.0), (2, 8, 30, 0.5), (3, 2, 12, 0.6)]
    rows: list[dict[str, object]] = []
    for number, (raters, labels, items, missing) in enumerate(shapes):
        session = f"GEN-{number:02d}"
        day = date(2026, 8 + number % 2, 1 + 2 * number)
        queue = QUEUES[number % 3 % 2]
        accuracy = rng.uniform(0.3, 0.95, size=raters)
        truth = rng.integers(0, labels, size=items)
        truth[0] = 0  # item 0: every rater agrees (no rating missing)
        with_reference = number % 2 == 0
        for item in range(items):
            for rater in range(raters):
                if item > 0 and rng.random() < missing:
                    continue
                label = truth[item] if item == 0 or rng.random() < accuracy[rater] else rng.integers(0, labels)
                rows.append(_rating(session, day, queue, f"i{item:03d}", f"R{rater + 1:02d}", LABELS[label]))
            if with_reference and rng.random() < 0.7:
                rows.append(_rating(session, day, queue, f"i{item:03d}", "EXPERT", LABELS[truth[item]],
                                    role="reference"))
    return rows


def _special_sessions() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    september, august = date(2026, 9, 20), date(2026, 8, 20)
    # every rater agrees on everything (three labels over six items): 1, 1, 1
    for item in range(6):
        for rater in range(5):
            rows.append(_rating("ALL-AGREE", september, "comments", f"i{item}", f"R{rater + 1:02d}",
                                LABELS[item % 3]))
    # a single label: percent agreement 1, kappa and alpha undefined (null)
    for item in range(5):
        for rater in range(4):
            rows.append(_rating("ONE-LABEL", september, "images", f"i{item}", f"R{rater + 1:02d}", "approve"))
    # nobody rates an item twice: nothing is pairable
    for item in range(4):
        rows.append(_rating("SINGLES", august, "images", f"i{item}", f"R{item + 1:02d}", LABELS[item]))
    for item, diagnoses in enumerate(FLEISS_1971):
        for rater, diagnosis in enumerate(diagnoses):
            rows.append(_rating("FLEISS-1971", august, "comments", f"p{item + 1:02d}", f"P{rater + 1}",
                                LABELS[diagnosis]))
    for observer, values in enumerate(KRIPPENDORFF_2011):
        for unit, value in enumerate(values):
            if value is not None:
                rows.append(_rating("KRIPP-2011", september, "images", f"u{unit + 1:02d}", f"O{observer + 1}",
                                    LABELS[value]))
    return rows


# ------------------------------------------------------ independent implementations


def _units(rows: list[dict[str, object]], unit_key) -> dict[object, dict[str, str]]:
    """unit -> {rater: label} over participant ratings."""
    units: dict[object, dict[str, str]] = defaultdict(dict)
    for row in rows:
        if row["rater_role"] == "participant":
            units[unit_key(row)][str(row["rater_id"])] = str(row["label"])
    return units


def _percent_agreement(units: dict[object, dict[str, str]]) -> float | None:
    """Mean over units with >= 2 ratings of agreeing ordered rater pairs / all ordered pairs."""
    shares = []
    for ratings in units.values():
        if len(ratings) >= 2:
            pairs = list(itertools.permutations(ratings.values(), 2))
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return float(np.mean(shares)) if shares else None


def _count_table(units: dict[object, dict[str, str]]) -> np.ndarray:
    """Units with >= 2 ratings x labels (LABELS order) count matrix."""
    return np.array([[Counter(r.values())[label] for label in LABELS] for r in units.values() if len(r) >= 2])


def _fleiss(units: dict[object, dict[str, str]]) -> float | None:
    table = _count_table(units)
    if len(table) == 0 or len(set(table.sum(axis=1))) != 1:
        return None
    if (table.sum(axis=0) > 0).sum() < 2:  # one label only: chance agreement 1
        return None
    return float(fleiss_kappa(table, method="fleiss"))


def _alpha(units: dict[object, dict[str, str]]) -> float | None:
    """krippendorff.alpha on the raters x units reliability matrix (NaN = missing)."""
    raters = sorted({rater for ratings in units.values() for rater in ratings})
    unit_ids = list(units)
    data = np.full((len(raters), len(unit_ids)), np.nan)
    for column, unit in enumerate(unit_ids):
        for rater, label in units[unit].items():
            data[raters.index(rater), column] = LABELS.index(label)
    pairable = _count_table(units)
    if len(pairable) == 0 or (pairable.sum(axis=0) > 0).sum() < 2:
        return None  # the package raises (or returns nan) where alpha is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _gwet_and_alpha_se(units: dict[object, dict[str, str]]) -> dict[str, float | None]:
    """metrics.md "Calibration agreement" (Gwet 2014), written from the text with numpy:
    AC1 with its standard error over the units with a rating, the standard error of
    Krippendorff's alpha over the units with >= 2 ratings, and the 95% intervals with
    scipy's t quantile."""
    out: dict[str, float | None] = {"ac1": None, "ac1_low": None, "ac1_high": None,
                                    "alpha_low": None, "alpha_high": None}
    labels = sorted({label for ratings in units.values() for label in ratings.values()})
    q = len(labels)
    table = np.array([[Counter(r.values())[label] for label in labels] for r in units.values() if r], dtype=float)
    if q < 2 or len(table) == 0:
        return out
    r = table.sum(axis=1)
    n, n2 = len(table), int((r >= 2).sum())
    if n2 > 0:
        pa_i = np.where(r >= 2, (table * (table - 1)).sum(axis=1) / np.where(r >= 2, r * (r - 1), 1), 0.0)
        p_a = pa_i[r >= 2].sum() / n2
        pi = (table / r[:, None]).sum(axis=0) / n
        p_e = (pi * (1 - pi)).sum() / (q - 1)
        ac1 = (p_a - p_e) / (1 - p_e)
        out["ac1"] = ac1
        if n >= 2:
            a_i = (n / n2) * (pa_i - p_e * (r >= 2)) / (1 - p_e)
            e_i = (table * (1 - pi)).sum(axis=1) / ((q - 1) * r)
            x_i = a_i - 2 * (1 - ac1) * (e_i - p_e) / (1 - p_e)
            se = math.sqrt(((x_i - ac1) ** 2).sum() / (n * (n - 1)))
            t = stats.t.ppf(0.975, n - 1)
            out["ac1_low"], out["ac1_high"] = ac1 - t * se, min(1.0, ac1 + t * se)
    pairable = table[r >= 2]
    rp = pairable.sum(axis=1)
    m = len(pairable)
    if m >= 2:
        r_bar, eps = rp.mean(), 1 / rp.sum()
        pa_prime = ((pairable * (pairable - 1)).sum(axis=1) / (r_bar * (rp - 1))).sum() / m
        pi = (pairable / r_bar).sum(axis=0) / m
        p_e = (pi ** 2).sum()
        if p_e < 1:
            alpha_prime = (pa_prime - p_e) / (1 - p_e)
            pa = (1 - eps) * pa_prime + eps
            alpha = (pa - p_e) / (1 - p_e)
            pa_i = (pairable * (pairable - 1)).sum(axis=1) / (r_bar * (rp - 1)) - pa * (rp - r_bar) / r_bar
            alpha_i = (pa_i - p_e) / (1 - p_e)
            e_i = (pairable * pi).sum(axis=1) / r_bar - p_e * (rp - r_bar) / r_bar
            x_i = alpha_i - 2 * (1 - alpha_prime) * (e_i - p_e) / (1 - p_e)
            se = math.sqrt(((x_i - alpha_prime) ** 2).sum() / (m * (m - 1)))
            t = stats.t.ppf(0.975, m - 1)
            out["alpha_low"], out["alpha_high"] = alpha - t * se, min(1.0, alpha + t * se)
    return out


def _cohen(pairs: list[tuple[str, str]]) -> float | None:
    labels = sorted({label for pair in pairs for label in pair})
    table = np.zeros((len(labels), len(labels)))
    for rater_label, reference_label in pairs:
        table[labels.index(rater_label), labels.index(reference_label)] += 1
    if len(labels) == 1:  # both sides used one and the same label: chance agreement 1
        return None
    return float(cohens_kappa(table).kappa)


def _close(actual: object, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(float(actual), expected, rel_tol=0, abs_tol=TOL)


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, list[dict[str, object]]]:
    root = tmp_path_factory.mktemp("calibration")
    landing = Landing(root / "raw")
    rows = _generated_sessions(np.random.default_rng(20260901)) + _special_sessions()
    landing.drop("calibration_ratings", "calibration_ratings_2026-09-30", rows)
    warehouse = Warehouse(root, landing)
    warehouse.build(*CALIBRATION_MARTS, extra=["--indirect-selection", "cautious"])
    return warehouse, rows


def _session_rows(rows: list[dict[str, object]], session: str) -> list[dict[str, object]]:
    return [row for row in rows if row["session_id"] == session]


# ------------------------------------------------------------------------ tests


def test_published_fleiss_1971_kappa(calibration) -> None:
    warehouse, _ = calibration
    kappa, alpha, agreement = warehouse.query(
        "select fleiss_kappa, krippendorff_alpha, percent_agreement from marts.mart_calibration_sessions"
        " where session_id = 'FLEISS-1971'")[0]
    assert round(kappa, 3) == 0.430  # Fleiss (1971)
    assert kappa == pytest.approx(0.4302445, abs=5e-8)  # R irr::kappam.fleiss, 7 decimals
    table = np.array([[row.count(d) for d in range(1, 6)] for row in FLEISS_1971])
    assert kappa == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=TOL)
    assert agreement == pytest.approx(((table * (table - 1)).sum(axis=1) / 30).mean(), abs=TOL)
    assert alpha is not None


def test_published_krippendorff_2011_alpha(calibration) -> None:
    warehouse, _ = calibration
    alpha, items, pairable, fleiss = warehouse.query(
        "select krippendorff_alpha, items, pairable_items, fleiss_kappa from marts.mart_calibration_sessions"
        " where session_id = 'KRIPP-2011'")[0]
    assert round(alpha, 3) == 0.743  # Krippendorff (2011), nominal
    data = [[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011]
    assert alpha == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
                                  abs=TOL)
    # unit 12 has one value only: counted as an item, not pairable; sizes differ: no Fleiss
    assert (items, pairable, fleiss) == (12, 11, None)


def test_every_session_matches_independent_implementations(calibration) -> None:
    warehouse, rows = calibration
    published = warehouse.query(
        "select session_id, items, raters, ratings, pairable_items, percent_agreement, fleiss_kappa,"
        " krippendorff_alpha, reference_alignment, needs_recalibration from marts.mart_calibration_sessions")
    sessions = {row["session_id"] for row in rows}
    assert {row[0] for row in published} == sessions
    fleiss_checked = 0
    for (session, items, raters, ratings, pairable, agreement, kappa, alpha, alignment,
         recalibrate) in published:
        mine = _session_rows(rows, session)
        units = _units(mine, lambda row: row["item_id"])
        participant = [row for row in mine if row["rater_role"] == "participant"]
        assert items == len(units), session
        assert raters == len({row["rater_id"] for row in participant}), session
        assert ratings == len(participant), session
        assert pairable == sum(len(r) >= 2 for r in units.values()), session
        assert _close(agreement, _percent_agreement(units)), session
        expected_kappa = _fleiss(units)
        fleiss_checked += expected_kappa is not None
        assert _close(kappa, expected_kappa), (session, kappa, expected_kappa)
        expected_alpha = _alpha(units)
        assert _close(alpha, expected_alpha), (session, alpha, expected_alpha)
        references = {row["item_id"]: row["label"] for row in mine if row["rater_role"] == "reference"}
        judged = [row["label"] == references[row["item_id"]] for row in participant if row["item_id"] in references]
        assert _close(alignment, sum(judged) / len(judged) if judged else None), session
        assert recalibrate == (expected_alpha is not None and expected_alpha < 0.6), session
    assert fleiss_checked >= 8  # the complete sessions, Fleiss 1971, the all-agree session


def test_edge_sessions_by_hand(calibration) -> None:
    warehouse, _ = calibration
    result = {row[0]: row[1:] for row in warehouse.query(
        "select session_id, pairable_items, percent_agreement, fleiss_kappa, krippendorff_alpha,"
        " needs_recalibration from marts.mart_calibration_sessions"
        " where session_id in ('ALL-AGREE', 'ONE-LABEL', 'SINGLES')")}
    assert result["ALL-AGREE"] == (6, 1.0, 1.0, 1.0, False)
    assert result["ONE-LABEL"] == (5, 1.0, None, None, False)  # undefined: null, not an error
    assert result["SINGLES"] == (0, None, None, None, False)


def test_item_everyone_agrees_on_counts_fully(calibration) -> None:
    """Item i000 of every generated session has every rater on label 0: agreement 1 there."""
    warehouse, rows = calibration
    for session in {row["session_id"] for row in rows if str(row["session_id"]).startswith("GEN-")}:
        labels = {row["label"] for row in _session_rows(rows, session)
                  if row["item_id"] == "i000" and row["rater_role"] == "participant"}
        assert labels == {LABELS[0]}
    counts = warehouse.query(
        "select count(*), min(item_ratings) from intermediate.int_calibration__item_label_counts"
        " where item_id = 'i000' and session_id like 'GEN-%'")[0]
    assert counts[0] == 14 and counts[1] >= 2  # one label row per session, all raters on it


def test_raters_match_pandas(calibration) -> None:
    warehouse, rows = calibration
    published = warehouse.query(
        "select session_id, rater_id, items_rated, items_with_reference, reference_alignment"
        " from marts.mart_calibration_raters")
    references = {(r["session_id"], r["item_id"]): r["label"] for r in rows if r["rater_role"] == "reference"}
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        if row["rater_role"] != "participant":
            continue
        counts = expected[(row["session_id"], row["rater_id"])]
        counts[0] += 1
        reference = references.get((row["session_id"], row["item_id"]))
        if reference is not None:
            counts[1] += 1
            counts[2] += reference == row["label"]
    assert len(published) == len(expected)
    for session, rater, rated, with_reference, alignment in published:
        want = expected[(session, rater)]
        assert (rated, with_reference) == (want[0], want[1])
        assert _close(alignment, want[2] / want[1] if want[1] else None)


def test_monthly_uses_each_session_item_as_a_unit(calibration) -> None:
    """Every month x queue row, and the month's `all` row (every session of the month),
    pools the (session, item) units: never a mean of session statistics."""
    warehouse, rows = calibration
    published = warehouse.query(
        "select month_start, queue_code, sessions, items, percent_agreement, fleiss_kappa, krippendorff_alpha,"
        " reference_alignment, krippendorff_alpha_ci_low, krippendorff_alpha_ci_high, gwet_ac1"
        " from marts.mart_calibration_monthly")
    month_of = {r["session_id"]: (r["session_date"][:7], r["queue_code"]) for r in rows}
    months = {m for m, _ in month_of.values()}
    assert len(published) == len(set(month_of.values())) + len(months)
    assert {(m.isoformat()[:7], q) for m, q, *_ in published if q == "all"} == {(m, "all") for m in months}
    for month_start, queue, sessions, items, agreement, kappa, alpha, alignment, low, high, ac1 in published:
        key = (month_start.isoformat()[:7], queue)
        mine = [r for r in rows if month_of[r["session_id"]] == key
                or (queue == "all" and month_of[r["session_id"]][0] == key[0])]
        units = _units(mine, lambda row: (row["session_id"], row["item_id"]))
        assert sessions == len({r["session_id"] for r in mine})
        assert items == len(units)
        assert _close(agreement, _percent_agreement(units)), key
        assert _close(kappa, _fleiss(units)), key
        assert _close(alpha, _alpha(units)), key
        references = {(r["session_id"], r["item_id"]): r["label"] for r in mine if r["rater_role"] == "reference"}
        judged = [r["label"] == references[(r["session_id"], r["item_id"])] for r in mine
                  if r["rater_role"] == "participant" and (r["session_id"], r["item_id"]) in references]
        assert _close(alignment, sum(judged) / len(judged) if judged else None), key
        intervals = _gwet_and_alpha_se(units)
        assert (_close(low, intervals["alpha_low"]) and _close(high, intervals["alpha_high"])
                and _close(ac1, intervals["ac1"])), (key, low, high, ac1, intervals)


def test_gwet_ac1_and_alpha_intervals_match_metrics_md(calibration) -> None:
    """Every session's gwet_ac1 and both intervals against the formulas of metrics.md
    written independently with numpy and scipy's t quantile (to 1e-9), and
    agreement_uncertain from the alpha interval."""
    warehouse, rows = calibration
    published = warehouse.query(
        "select session_id, gwet_ac1, gwet_ac1_ci_low, gwet_ac1_ci_high, krippendorff_alpha_ci_low,"
        " krippendorff_alpha_ci_high, agreement_uncertain from marts.mart_calibration_sessions")
    checked = 0
    for session, ac1, ac1_low, ac1_high, alpha_low, alpha_high, uncertain in published:
        want = _gwet_and_alpha_se(_units(_session_rows(rows, session), lambda row: row["item_id"]))
        assert _close(ac1, want["ac1"]), (session, ac1, want)
        assert _close(ac1_low, want["ac1_low"]) and _close(ac1_high, want["ac1_high"]), (session, want)
        assert _close(alpha_low, want["alpha_low"]) and _close(alpha_high, want["alpha_high"]), (session, want)
        assert uncertain == (alpha_low is not None and alpha_low < 0.6 <= alpha_high), session
        checked += want["alpha_low"] is not None
    assert checked >= 15
    assert sum(u for *_, u in published) >= 1  # some generated session straddles 0.6


def test_gwet_ac1_and_alpha_intervals_match_irrcac(calibration) -> None:
    """The mart against irrcac's values recorded above (irrcac rounds to five decimals)."""
    warehouse, _ = calibration
    published = {row[0]: row[1:] for row in warehouse.query(
        "select session_id, gwet_ac1, gwet_ac1_se, gwet_ac1_ci_low, gwet_ac1_ci_high, krippendorff_alpha,"
        " krippendorff_alpha_se, krippendorff_alpha_ci_low, krippendorff_alpha_ci_high"
        " from marts.mart_calibration_sessions")}
    for session, (ac1, ac1_se, ac1_ci, alpha, alpha_se, alpha_ci) in IRRCAC_REFERENCE.items():
        got = published[session]
        if session == "GEN-13":
            # its pairable items all carry one label: alpha is undefined (0/0; metrics.md:
            # null), where irrcac prints 1.0 with se 0; AC1 (over all 12 items, 2 labels) is defined
            assert got[4:] == (None, None, None, None)
            got, want = got[:4], (ac1, ac1_se, *ac1_ci)
        else:
            want = (ac1, ac1_se, *ac1_ci, alpha, alpha_se, *alpha_ci)
        assert got == pytest.approx(want, abs=1e-5), session
    # the published worked example (Krippendorff 2011): AC1 0.77544 (se 0.14295), alpha
    # 0.74342 (se 0.14557); irrcac caps both upper bounds at 1
    kripp = published["KRIPP-2011"]
    assert round(kripp[0], 5) == 0.77544 and round(kripp[1], 5) == 0.14295
    assert round(kripp[4], 5) == 0.74342 and round(kripp[5], 5) == 0.14557
    assert kripp[3] == 1.0 and kripp[7] == 1.0
    # undefined: a single label, no pairable item
    assert published["ONE-LABEL"][0] is None and published["ONE-LABEL"][6] is None
    assert published["SINGLES"][0] is None and published["SINGLES"][6] is None


def test_rater_reference_kappa_matches_statsmodels(calibration) -> None:
    warehouse, rows = calibration
    published = warehouse.query(
        "select month_start, rater_id, items, cohen_kappa_vs_reference from marts.mart_rater_reference_kappa")
    references = {(r["session_id"], r["item_id"]): r["label"] for r in rows if r["rater_role"] == "reference"}
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        reference = references.get((row["session_id"], row["item_id"]))
        if row["rater_role"] == "participant" and reference is not None:
            pairs[(row["session_date"][:7], row["rater_id"])].append((row["label"], reference))
    assert len(published) == len(pairs)
    defined = 0
    for month_start, rater, items, kappa in published:
        mine = pairs[(month_start.isoformat()[:7], rater)]
        assert items == len(mine)
        expected = _cohen(mine)
        defined += expected is not None
        assert _close(kappa, expected), (month_start, rater, kappa, expected)
    assert defined >= 10


# ------------------------------------------------------------------ real data


def _davidson_rows() -> tuple[list[dict[str, object]], np.ndarray, list[str]]:
    """One rating row per coder (ids c1..ck per item); labels mapped to policy codes:
    hate_speech -> HT-01 (hate), offensive_language -> HR-01 (harassment), neither -> approve."""
    labels = [("hate_speech", "HT-01"), ("offensive_language", "HR-01"), ("neither", "approve")]
    rows: list[dict[str, object]] = []
    counts = []
    item_ids = []
    day = date(2026, 9, 15)
    with DAVIDSON_CSV.open(newline="") as handle:
        for record in csv.DictReader(handle):
            item_counts = [int(record[column]) for column, _ in labels]
            assert sum(item_counts) == int(record["coders"])
            counts.append(item_counts)
            item_ids.append(f"t{record['item_id']}")
            coder = 0
            for (_, label), count in zip(labels, item_counts):
                for _ in range(count):
                    coder += 1
                    rows.append(_rating("DAVIDSON", day, "hate_harassment", item_ids[-1], f"c{coder}", label))
    return rows, np.array(counts), item_ids


def test_davidson_real_data_at_scale(tmp_path: Path) -> None:
    rows, counts, item_ids = _davidson_rows()
    assert len(counts) == 24_783 and counts.sum(axis=1).min() == 3 and counts.sum(axis=1).max() == 9
    # the items with exactly three coders as a second session: Fleiss is defined there
    three = counts.sum(axis=1) == 3
    three_items = {item_ids[i] for i in np.flatnonzero(three)}
    rows += [{**row, "session_id": "DAVIDSON-3"} for row in rows if row["item_id"] in three_items]
    landing = Landing(tmp_path / "raw")
    landing.drop("calibration_ratings", "calibration_ratings_2026-09-15", rows)
    warehouse = Warehouse(tmp_path, landing)

    started = time.perf_counter()
    warehouse.build(*CALIBRATION_MARTS, extra=["--indirect-selection", "cautious"])
    build_seconds = time.perf_counter() - started
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    mart_seconds = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results
                    if r["unique_id"].startswith("model.") and "calibration" in r["unique_id"]}
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        started = time.perf_counter()
        con.execute("select * from intermediate.int_calibration__session_agreement"
                    " where session_id = 'DAVIDSON'").fetchall()
        agreement_seconds = time.perf_counter() - started
    print(f"\nDavidson session: {len(counts):,} items, {int(counts.sum()):,} ratings; "
          f"dbt build of the calibration marts {build_seconds:.1f} s (landing, staging, marts, tests), "
          f"agreement statistics query {agreement_seconds:.2f} s; calibration models: "
          + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(mart_seconds.items())))
    assert agreement_seconds < 30  # set-based: seconds, not minutes

    published = {row[0]: row[1:] for row in warehouse.query(
        "select session_id, items, raters, ratings, pairable_items, percent_agreement, fleiss_kappa,"
        " krippendorff_alpha from marts.mart_calibration_sessions")}
    items, raters, ratings, pairable, agreement, kappa, alpha = published["DAVIDSON"]
    assert (items, raters, ratings, pairable) == (24_783, 9, int(counts.sum()), 24_783)
    expected_alpha = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    assert alpha == pytest.approx(expected_alpha, abs=TOL)
    m = counts.sum(axis=1)
    assert agreement == pytest.approx(((counts * (counts - 1)).sum(axis=1) / (m * (m - 1))).mean(), abs=TOL)
    assert kappa is None  # 3 to 9 coders per item: Fleiss is not defined

    items3, _, _, _, agreement3, kappa3, alpha3 = published["DAVIDSON-3"]
    assert items3 == int(three.sum())
    assert kappa3 == pytest.approx(fleiss_kappa(counts[three], method="fleiss"), abs=TOL)
    assert alpha3 == pytest.approx(krippendorff.alpha(value_counts=counts[three], level_of_measurement="nominal"),
                                   abs=TOL)
    assert agreement3 == pytest.approx(((counts[three] * (counts[three] - 1)).sum(axis=1) / 6).mean(), abs=TOL)
