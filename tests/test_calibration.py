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
    warehouse, rows = calibration
    published = warehouse.query(
        "select month_start, queue_code, sessions, items, percent_agreement, fleiss_kappa, krippendorff_alpha,"
        " reference_alignment from marts.mart_calibration_monthly")
    month_of = {r["session_id"]: (r["session_date"][:7], r["queue_code"]) for r in rows}
    assert len(published) == len(set(month_of.values()))
    for month_start, queue, sessions, items, agreement, kappa, alpha, alignment in published:
        key = (month_start.isoformat()[:7], queue)
        mine = [r for r in rows if month_of[r["session_id"]] == key]
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
