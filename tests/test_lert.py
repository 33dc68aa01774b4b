"""Law-enforcement response (LERT) and escalation marts (issue 5).

Two kinds of check:

* a landing folder written by hand (`lert_hand`), built with a fixed as-of time, whose
  every expected number can be worked out from the rows below with a pencil;
* the generator's sample warehouse (`sample_warehouse`), where every published metric is
  recomputed independently from the staged rows with pandas, numpy percentiles and
  statsmodels' Wilson interval, and the generator's planted facts must show up.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from tests.conftest import Landing, Warehouse
from tsqa.settings import PROJECT_DIR

EXACT = 1e-9
LERT_MARTS = ("fct_le_requests", "fct_lert_assessments", "mart_lert_sla_monthly",
              "mart_lert_quality_monthly", "fct_escalations", "mart_escalations_weekly")
#: marts.md: the columns each mart must have (a public interface).
REQUIRED_COLUMNS = {
    "fct_le_requests": {"request_id", "received_at", "request_type", "is_emergency", "country", "agency_type",
                        "specialist_id", "status", "outcome", "responded_at", "sla_hours", "due_at",
                        "turnaround_hours", "sla_met"},
    "fct_lert_assessments": {"assessment_id", "request_id", "specialist_id", "assessor_id", "assessed_at",
                             "items_passed", "items_failed", "items_na", "critical_failed", "assessment_score"},
    "fct_escalations": {"escalation_id", "created_at", "source", "severity", "queue_code", "request_id", "status",
                        "mitigated_at", "resolved_at", "hours_to_mitigate", "hours_to_resolve", "root_cause_code"},
    "mart_lert_sla_monthly": {"month_start", "request_type", "requests", "responded", "sla_met", "sla_missed",
                              "sla_compliance", "sla_compliance_ci_low", "sla_compliance_ci_high",
                              "turnaround_p50_hours", "turnaround_p90_hours", "open_past_due"},
    "mart_lert_quality_monthly": {"month_start", "specialist_id", "assessments", "mean_assessment_score",
                                  "critical_fails", "critical_fail_rate", "over_disclosures"},
    "mart_escalations_weekly": {"week_start", "source", "severity", "created", "resolved", "open_at_week_end",
                                "mitigate_p50_hours", "mitigate_p90_hours", "resolve_p50_hours",
                                "resolve_p90_hours", "with_root_cause"},
}
SELECT = ("resource_type:seed", "+mart_lert_sla_monthly", "+mart_lert_quality_monthly", "+mart_escalations_weekly",
          "assert_lert_escalation_marts_have_no_personal_or_free_text_columns",
          "assert_lert_escalation_mart_text_values_are_codes",
          "assert_escalation_backlog_equals_created_minus_resolved")


def _seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(wh.path), read_only=True) as con:
        return con.execute(sql).df()


def _wilson(x: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def _close(a: object, b: object, tol: float = EXACT) -> bool:
    """Equal within tol, with null (None/NaN) equal only to null."""
    a_null = a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA
    b_null = b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if a_null or b_null:
        return a_null and b_null
    return abs(float(a) - float(b)) <= tol


# ---------------------------------------------------------------------------------
# A landing folder written by hand, as-of 2026-06-10 00:00 UTC.
# ---------------------------------------------------------------------------------

AS_OF = "2026-06-10T00:00:00Z"


def _request(rid: str, rtype: str, received: str, responded: str | None, updated: str,
             specialist: str = "M-LERT-1") -> dict[str, object]:
    return {"request_id": rid, "received_at": received, "country": "US", "agency_type": "federal",
            "request_type": rtype, "accounts_specified": 1, "legal_process_valid": True,
            "specialist_id": specialist, "status": "responded" if responded else "open",
            "outcome": "disclosed_partial" if responded else None, "responded_at": responded, "updated_at": updated}


def _items(aid: str, rid: str, specialist: str, assessed: str, results: dict[str, str]) -> list[dict[str, object]]:
    return [{"assessment_id": aid, "request_id": rid, "specialist_id": specialist, "assessor_id": "M-LERT-9",
             "assessed_at": assessed, "item_code": item, "result": result} for item, result in results.items()]


ALL_ITEMS = [row["item_code"] for row in _seed("lert_scorecard_items")]


def _escalation(eid: str, created: str, mitigated: str | None, resolved: str | None,
                root_cause: str | None, source: str = "media", severity: str = "sev1") -> dict[str, object]:
    status = "resolved" if resolved else ("mitigated" if mitigated else "open")
    return {"escalation_id": eid, "created_at": created, "source": source, "severity": severity,
            "queue_code": None, "request_id": None, "status": status, "resolved_at": resolved,
            "mitigated_at": mitigated, "root_cause_code": root_cause}


@pytest.fixture(scope="module")
def lert_hand(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("lert")
    landing = Landing(root / "raw")
    landing.drop("le_requests", "le_requests_2026-06-05", [
        # emergency (SLA 4 h): answered in exactly 4 h (met) and in 4.5 h (late; -07:00 offset).
        _request("L1", "emergency", "2026-06-01T10:00:00Z", "2026-06-01T14:00:00Z", "2026-06-01T14:00:00Z"),
        _request("L2", "emergency", "2026-06-01T10:00:00Z", "2026-06-01T07:30:00-07:00", "2026-06-01T14:30:00Z"),
        # subpoena (336 h) received 05-20, unanswered: due 06-03 < as-of, open past due, counts in May.
        _request("L3", "subpoena", "2026-05-20T00:00:00Z", None, "2026-05-20T00:00:00Z"),
        # court_order (240 h) received 2026-06-01 03:00 UTC (a May date in -07:00): due 06-11, not yet due.
        _request("L4", "court_order", "2026-05-31T20:00:00-07:00", None, "2026-06-01T03:00:00Z"),
        # preservation (48 h): 24 h met, 72 h late, 12 h met.
        _request("L5", "preservation", "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z", "2026-06-03T00:00:00Z"),
        _request("L6", "preservation", "2026-06-02T00:00:00Z", "2026-06-05T00:00:00Z", "2026-06-05T00:00:00Z"),
        _request("L7", "preservation", "2026-06-03T00:00:00Z", "2026-06-03T12:00:00Z", "2026-06-03T12:00:00Z"),
        # emergency first sent open ...
        _request("L8", "emergency", "2026-06-05T00:00:00Z", None, "2026-06-05T00:00:00Z"),
    ])
    # ... and answered after 2 h in the next drop (newest version wins: met).
    landing.drop("le_requests", "le_requests_2026-06-06", [
        _request("L8", "emergency", "2026-06-05T00:00:00Z", "2026-06-05T02:00:00Z", "2026-06-05T02:00:00Z"),
    ])
    all_pass = dict.fromkeys(ALL_ITEMS, "pass")
    landing.drop("lert_assessments", "lert_assessments_2026-06-09", [
        # A1: everything passes (100). A2: account_identification fails and data_preservation
        # is na: 100 * (14 - 2 - 1) / (14 - 1) with the seed's weights (sum 14). A3: the
        # critical disclosure_scope fails: 0, and an over-disclosure.
        *_items("A1", "L1", "M-LERT-1", "2026-06-08T09:00:00Z", all_pass),
        *_items("A2", "L5", "M-LERT-1", "2026-06-08T10:00:00Z",
                all_pass | {"account_identification": "fail", "data_preservation": "na"}),
        *_items("A3", "L6", "M-LERT-2", "2026-06-09T10:00:00Z", all_pass | {"disclosure_scope": "fail"}),
    ])
    landing.drop("lert_assessments", "lert_assessments_2026-06-10", [
        # A4: every item na: no score. One item row was entered on 05-31 23:30: the
        # assessment's assessed_at is its earliest row, so it counts in May.
        *[row | {"assessed_at": "2026-05-31T23:30:00Z"} if row["item_code"] == ALL_ITEMS[0] else row
          for row in _items("A4", "L7", "M-LERT-2", "2026-06-09T08:00:00Z", dict.fromkeys(ALL_ITEMS, "na"))],
    ])
    landing.drop("escalations", "escalations_2026-06-09", [
        _escalation("E1", "2026-06-01T10:00:00Z", "2026-06-01T12:00:00Z", "2026-06-02T10:00:00Z", "PPL-KNOW"),
        # resolved exactly when week 1 ends (Mon 06-08 00:00): open at week 1's end, resolved in week 2.
        _escalation("E2", "2026-06-03T00:00:00Z", "2026-06-03T12:00:00Z", "2026-06-08T00:00:00Z", None),
        _escalation("E3", "2026-06-07T23:00:00Z", None, None, None),
        _escalation("E4", "2026-06-09T00:00:00Z", None, None, None, source="internal", severity="sev3"),
    ])
    built = Warehouse(root, landing, as_of=AS_OF)
    # cautious: leave out other marts' tests that merely reference these models.
    built.build(*SELECT, extra=("--indirect-selection", "cautious"))
    return built


def _sla_row(wh: Warehouse, month: str, rtype: str) -> dict[str, object]:
    frame = _frame(wh, f"select * from marts.mart_lert_sla_monthly "
                       f"where month_start = date '{month}' and request_type = '{rtype}'")
    assert len(frame) == 1, (month, rtype, frame)
    return frame.iloc[0].to_dict()


def test_sla_rules_per_request(lert_hand: Warehouse) -> None:
    rows = {r[0]: r[1:] for r in lert_hand.query(
        "select request_id, sla_met, is_open_past_due, turnaround_hours, due_at::varchar, received_month::varchar "
        "from marts.fct_le_requests")}
    assert rows == {
        "L1": (True, False, 4.0, "2026-06-01 14:00:00", "2026-06-01"),
        "L2": (False, False, 4.5, "2026-06-01 14:00:00", "2026-06-01"),
        "L3": (False, True, None, "2026-06-03 00:00:00", "2026-05-01"),
        "L4": (None, False, None, "2026-06-11 03:00:00", "2026-06-01"),
        "L5": (True, False, 24.0, "2026-06-04 00:00:00", "2026-06-01"),
        "L6": (False, False, 72.0, "2026-06-04 00:00:00", "2026-06-01"),
        "L7": (True, False, 12.0, "2026-06-05 00:00:00", "2026-06-01"),
        "L8": (True, False, 2.0, "2026-06-05 04:00:00", "2026-06-01"),
    }


def test_sla_monthly_hand_numbers(lert_hand: Warehouse) -> None:
    emergency = _sla_row(lert_hand, "2026-06-01", "emergency")
    # L1 met (4 h), L2 late (4.5 h), L8 met (2 h): 2 / 3; turnarounds 2, 4, 4.5.
    assert (emergency["requests"], emergency["responded"], emergency["sla_met"], emergency["sla_missed"],
            emergency["open_past_due"]) == (3, 3, 2, 1, 0)
    assert _close(emergency["sla_compliance"], 2 / 3)
    assert _close(emergency["turnaround_p50_hours"], 4.0)
    assert _close(emergency["turnaround_p90_hours"], 4.0 + 0.8 * 0.5)
    low, high = _wilson(2, 3)
    assert _close(emergency["sla_compliance_ci_low"], low) and _close(emergency["sla_compliance_ci_high"], high)

    preservation = _sla_row(lert_hand, "2026-06-01", "preservation")
    # 24 h met, 72 h late, 12 h met: p50 = 24, p90 = 24 + 0.8 * (72 - 24) = 62.4.
    assert (preservation["requests"], preservation["sla_met"], preservation["sla_missed"]) == (3, 2, 1)
    assert _close(preservation["turnaround_p90_hours"], 62.4)

    court_order = _sla_row(lert_hand, "2026-06-01", "court_order")
    # Received 05-31 20:00 -07:00 = June in UTC; not yet due: excluded from compliance.
    assert (court_order["requests"], court_order["responded"], court_order["sla_met"],
            court_order["sla_missed"], court_order["open_past_due"]) == (1, 0, 0, 0, 0)
    assert _close(court_order["sla_compliance"], None) and _close(court_order["sla_compliance_ci_low"], None)
    assert _close(court_order["turnaround_p50_hours"], None)

    subpoena = _sla_row(lert_hand, "2026-05-01", "subpoena")
    # Open past due counts as missed, in the month it was received: 0 / 1, Wilson (0, 0.7935).
    assert (subpoena["requests"], subpoena["sla_met"], subpoena["sla_missed"], subpoena["open_past_due"]) == (1, 0, 1, 1)
    assert _close(subpoena["sla_compliance"], 0.0)
    assert _close(subpoena["sla_compliance_ci_low"], 0.0)
    assert _close(subpoena["sla_compliance_ci_high"], 3.841458820694124 / 4.841458820694124)


def test_emergency_first_in_every_month(lert_hand: Warehouse) -> None:
    # The table is stored in listing order, and request_type_sort puts emergency first.
    listed = lert_hand.query("select month_start::varchar, request_type from marts.mart_lert_sla_monthly")
    assert listed == [("2026-05-01", "subpoena"), ("2026-06-01", "emergency"),
                      ("2026-06-01", "preservation"), ("2026-06-01", "court_order")]
    assert lert_hand.scalar("select min(request_type_sort) from marts.fct_le_requests where is_emergency") == 1


def test_scorecard_and_quality_monthly_hand_numbers(lert_hand: Warehouse) -> None:
    weights = {row["item_code"]: float(row["weight"]) for row in _seed("lert_scorecard_items")}
    a2 = 100 * (sum(weights.values()) - weights["account_identification"] - weights["data_preservation"]) / (
        sum(weights.values()) - weights["data_preservation"])
    scores = dict(lert_hand.query("select assessment_id, assessment_score from marts.fct_lert_assessments"))
    assert a2 == pytest.approx(100 * 11 / 13)
    assert scores["A1"] == 100.0 and _close(scores["A2"], a2) and scores["A3"] == 0.0 and scores["A4"] is None
    monthly = {(r[0], r[1]): r[2:] for r in lert_hand.query(
        "select month_start::varchar, specialist_id, assessments, mean_assessment_score, critical_fails, "
        "critical_fail_rate, over_disclosures from marts.mart_lert_quality_monthly")}
    assert set(monthly) == {("2026-06-01", "M-LERT-1"), ("2026-06-01", "M-LERT-2"), ("2026-05-01", "M-LERT-2")}
    n, mean, fails, rate, over = monthly[("2026-06-01", "M-LERT-1")]
    assert (n, fails, rate, over) == (2, 0, 0.0, 0) and _close(mean, (100 + a2) / 2)
    assert monthly[("2026-06-01", "M-LERT-2")] == (1, 0.0, 1, 1.0, 1)
    assert monthly[("2026-05-01", "M-LERT-2")] == (1, None, 0, 0.0, 0)


def test_escalations_weekly_hand_numbers(lert_hand: Warehouse) -> None:
    rows = {(r[0], r[1]): r[2:] for r in lert_hand.query(
        "select week_start::varchar, source, created, resolved, open_at_week_end, resolve_p50_hours, "
        "mitigate_p50_hours, with_root_cause from marts.mart_escalations_weekly")}
    # Weeks 06-01 and 06-08 (the as-of week) for both slices that occur, quiet weeks included.
    assert rows == {
        # mitigate p50 by week of resolution (metrics.md): E1's 2 h, E2's 12 h
        ("2026-06-01", "media"): (3, 1, 2, 24.0, 2.0, 1),
        ("2026-06-08", "media"): (0, 1, 1, 120.0, 12.0, 0),
        ("2026-06-01", "internal"): (0, 0, 0, None, None, 0),
        ("2026-06-08", "internal"): (1, 0, 1, None, None, 0),
    }


def test_lert_marts_have_the_public_columns_and_no_personal_data(lert_hand: Warehouse) -> None:
    for mart, required in REQUIRED_COLUMNS.items():
        columns = {r[0] for r in lert_hand.query(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
            (mart,))}
        assert required <= columns, (mart, required - columns)
        assert not {c for c in columns if "user" in c or "email" in c or "note" in c}, mart


# ---------------------------------------------------------------------------------
# The generator's sample: independent implementations and planted facts.
# ---------------------------------------------------------------------------------


def _independent_requests(wh: Warehouse) -> pd.DataFrame:
    """sla_met etc. recomputed in pandas from the staged requests and the lert_sla seed."""
    requests = _frame(wh, "select request_id, received_at, responded_at, updated_at, request_type "
                          "from staging.stg_landing__le_requests")
    sla = {row["request_type"]: float(row["sla_hours"]) for row in _seed("lert_sla")}
    as_of = requests["updated_at"].max()  # raw_contract.md: TSQA_AS_OF unset -> latest updated_at
    requests["sla_hours"] = requests["request_type"].map(sla)
    requests["due_at"] = requests["received_at"] + pd.to_timedelta(requests["sla_hours"], unit="h")
    requests["turnaround"] = (requests["responded_at"] - requests["received_at"]).dt.total_seconds() / 3600
    answered = requests["responded_at"].notna()
    requests["known"] = answered | (requests["due_at"] < as_of)
    requests["met"] = answered & (requests["turnaround"] <= requests["sla_hours"])
    requests["missed"] = requests["known"] & ~requests["met"]
    requests["past_due"] = ~answered & (requests["due_at"] < as_of)
    requests["month"] = requests["received_at"].dt.to_period("M").dt.start_time
    return requests


def _km_quantile(hours: np.ndarray, answered: np.ndarray, p: float) -> float | None:
    """metrics.md: the smallest observed answer time with Kaplan-Meier S(t) <= 1 - p, null
    if none, from statsmodels SurvfuncRight's survival curve. SurvfuncRight.quantile(p)
    itself uses a strict S(t) < 1 - p (SAS): it must agree wherever S does not land
    exactly on 1 - p."""
    if not answered.any():
        return None
    curve = SurvfuncRight(hours, answered.astype(float))
    hits = np.flatnonzero(curve.surv_prob <= 1 - p + 1e-12)
    mine = float(curve.surv_times[hits[0]]) if len(hits) else None
    if not np.any(np.abs(curve.surv_prob - (1 - p)) < 1e-12):
        theirs = curve.quantile(p)
        assert (mine is None and np.isnan(theirs)) or mine == pytest.approx(theirs, abs=EXACT)
    return mine


def _km_expected(group: pd.DataFrame, as_of: pd.Timestamp) -> tuple[float | None, float | None]:
    answered = group["responded_at"].notna().to_numpy()
    hours = np.where(answered, group["turnaround"].to_numpy(),
                     ((as_of - group["received_at"]).dt.total_seconds() / 3600).to_numpy())
    return _km_quantile(hours, answered, 0.5), _km_quantile(hours, answered, 0.9)


KM_AS_OF = "2026-06-10T00:00:00Z"


@pytest.fixture(scope="module")
def lert_km(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Requests for the Kaplan-Meier percentiles (as of 2026-06-10 00:00):
    April search warrants answered in 10, 20, 30, 40 h: S = 3/4, 1/2, 1/4, 0, so the km
    p50 is 20 h (S(20) = 1/2 exactly; statsmodels' quantile, strict <, says 30) and p90
    40 h. May search warrants: answered in 5 and 8 h, three still open (received 05-30):
    S(5) = 4/5, S(8) = 3/5, never <= 1/2: km p50 and p90 null, while the answered-only
    median says 6.5 h. May subpoenas: answered in 50, 100, 300 h and one open since
    05-25 00:00 (censored at 384 h): S = 3/4, 1/2, 1/4: p50 100 h, p90 null."""
    root = tmp_path_factory.mktemp("lert_km")
    landing = Landing(root / "raw")
    rows = []
    for n, hours in enumerate((10, 20, 30, 40)):
        received = pd.Timestamp("2026-04-02T00:00:00Z") + pd.Timedelta(days=n)
        rows.append(_request(f"W{n}", "search_warrant", received.isoformat(),
                             (received + pd.Timedelta(hours=hours)).isoformat(), "2026-04-20T00:00:00Z"))
    for n, hours in enumerate((5, 8, None, None, None)):
        received = pd.Timestamp("2026-05-30T00:00:00Z")
        rows.append(_request(f"M{n}", "search_warrant", received.isoformat(),
                             None if hours is None else (received + pd.Timedelta(hours=hours)).isoformat(),
                             "2026-05-30T12:00:00Z"))
    for n, hours in enumerate((50, 100, 300)):
        received = pd.Timestamp("2026-05-01T00:00:00Z")
        rows.append(_request(f"S{n}", "subpoena", received.isoformat(),
                             (received + pd.Timedelta(hours=hours)).isoformat(), "2026-05-20T00:00:00Z"))
    rows.append(_request("S9", "subpoena", "2026-05-25T00:00:00Z", None, "2026-05-25T00:00:00Z"))
    landing.drop("le_requests", "le_requests_2026-06-01", rows)
    built = Warehouse(root, landing, as_of=KM_AS_OF)
    built.build("+mart_lert_sla_monthly", extra=("--indirect-selection", "cautious"))
    return built


def test_km_percentiles_by_hand_and_against_statsmodels(lert_km: Warehouse) -> None:
    april = _sla_row(lert_km, "2026-04-01", "search_warrant")
    assert (april["turnaround_km_p50_hours"], april["turnaround_km_p90_hours"], april["is_provisional"]) == (
        20.0, 40.0, False)
    may = _sla_row(lert_km, "2026-05-01", "search_warrant")
    # more than half still open: no Kaplan-Meier median, however short the answered ones were
    assert _close(may["turnaround_km_p50_hours"], None) and _close(may["turnaround_km_p90_hours"], None)
    assert bool(may["is_provisional"])
    assert _close(may["turnaround_p50_hours"], 6.5)
    subpoena = _sla_row(lert_km, "2026-05-01", "subpoena")
    assert _close(subpoena["turnaround_km_p50_hours"], 100.0) and _close(subpoena["turnaround_km_p90_hours"], None)
    # the same from statsmodels' survival curve, on the raw rows
    requests = _frame(lert_km, "select request_id, received_at, responded_at, request_type, "
                               "date_trunc('month', received_at) as month from staging.stg_landing__le_requests")
    requests["turnaround"] = (requests["responded_at"] - requests["received_at"]).dt.total_seconds() / 3600
    as_of = pd.Timestamp(KM_AS_OF).tz_localize(None)
    for (month, rtype), group in requests.groupby(["month", "request_type"]):
        row = _sla_row(lert_km, pd.Timestamp(month).date().isoformat(), rtype)
        p50, p90 = _km_expected(group, as_of)
        assert _close(row["turnaround_km_p50_hours"], p50) and _close(row["turnaround_km_p90_hours"], p90), rtype
    # statsmodels' own quantile on April: the strict inequality gives 30 h where S = 1/2
    assert SurvfuncRight(np.array([10.0, 20, 30, 40]), np.ones(4)).quantile(0.5) == 30.0


def test_sla_monthly_matches_numpy_and_statsmodels(sample_warehouse: Warehouse) -> None:
    requests = _independent_requests(sample_warehouse)
    as_of = requests["updated_at"].max()
    mart = _frame(sample_warehouse, "select * from marts.mart_lert_sla_monthly")
    assert len(mart) == requests.groupby(["month", "request_type"]).ngroups
    assert int(requests["missed"].sum()) > 0  # the sample has SLA misses to find
    for _, row in mart.iterrows():
        group = requests[(requests["month"] == pd.Timestamp(row["month_start"]))
                         & (requests["request_type"] == row["request_type"])]
        n, met = int(group["known"].sum()), int(group["met"].sum())
        assert (row["requests"], row["responded"], row["sla_met"], row["sla_missed"], row["open_past_due"]) == (
            len(group), int(group["responded_at"].notna().sum()), met, int(group["missed"].sum()),
            int(group["past_due"].sum())), row.to_dict()
        turnaround = group["turnaround"].dropna().to_numpy()
        if n:
            low, high = _wilson(met, n)
            assert _close(row["sla_compliance"], met / n)
            assert _close(row["sla_compliance_ci_low"], low) and _close(row["sla_compliance_ci_high"], high)
        else:
            assert _close(row["sla_compliance"], None) and _close(row["sla_compliance_ci_low"], None)
        expected = (np.percentile(turnaround, 50), np.percentile(turnaround, 90)) if len(turnaround) else (None, None)
        assert _close(row["turnaround_p50_hours"], expected[0]) and _close(row["turnaround_p90_hours"], expected[1])
        km_p50, km_p90 = _km_expected(group, as_of)
        assert _close(row["turnaround_km_p50_hours"], km_p50), row.to_dict()
        assert _close(row["turnaround_km_p90_hours"], km_p90), row.to_dict()
        assert bool(row["is_provisional"]) == bool(group["responded_at"].isna().any())
    provisional_null = mart[mart["is_provisional"] & mart["turnaround_km_p50_hours"].isna() & (mart["responded"] > 0)]
    print(f"\nLE months x types: {len(mart)}, provisional {int(mart['is_provisional'].sum())}, "
          f"provisional with answers but no KM median yet {len(provisional_null)}")


def test_quality_monthly_matches_independent_scoring(sample_warehouse: Warehouse) -> None:
    items = _frame(sample_warehouse, "select assessment_id, specialist_id, assessed_at, item_code, result "
                                     "from staging.stg_landing__lert_assessments")
    card = {row["item_code"]: (float(row["weight"]), row["is_critical"].lower() == "true")
            for row in _seed("lert_scorecard_items")}
    items["weight"] = items["item_code"].map(lambda c: card[c][0])
    items["critical"] = items["item_code"].map(lambda c: card[c][1])

    def score(group: pd.DataFrame) -> pd.Series:
        passed = group.loc[group["result"] == "pass", "weight"].sum()
        scored = group.loc[group["result"] != "na", "weight"].sum()
        critical = bool(((group["result"] == "fail") & group["critical"]).any())
        value = 0.0 if critical else (100 * passed / scored if scored > 0 else np.nan)
        over = bool(((group["item_code"] == "disclosure_scope") & (group["result"] == "fail")).any())
        first = group.sort_values(["assessed_at", "item_code"]).iloc[0]
        return pd.Series({"specialist_id": first["specialist_id"], "assessed_at": group["assessed_at"].min(),
                          "score": value, "critical": critical, "over": over})

    scored = items.groupby("assessment_id").apply(score, include_groups=False).reset_index()
    scored["month"] = scored["assessed_at"].dt.to_period("M").dt.start_time
    mart = _frame(sample_warehouse, "select * from marts.mart_lert_quality_monthly")
    assert len(mart) == scored.groupby(["month", "specialist_id"]).ngroups
    assert int(scored["critical"].sum()) > 0  # the sample has critical fails to find
    for _, row in mart.iterrows():
        group = scored[(scored["month"] == pd.Timestamp(row["month_start"]))
                       & (scored["specialist_id"] == row["specialist_id"])]
        fails = int(group["critical"].sum())
        assert (row["assessments"], row["critical_fails"], row["over_disclosures"]) == (
            len(group), fails, int(group["over"].sum()))
        mean = group["score"].mean()  # pandas skips NaN, as metrics.md asks
        assert _close(row["mean_assessment_score"], None if math.isnan(mean) else mean)
        low, high = _wilson(fails, len(group))
        assert _close(row["critical_fail_rate"], fails / len(group))
        assert _close(row["critical_fail_rate_ci_low"], low) and _close(row["critical_fail_rate_ci_high"], high)


def _weeks(ts: pd.Series) -> pd.Series:
    """Monday 00:00 of each timestamp's week (NaT stays NaT)."""
    return ts.dt.normalize() - pd.to_timedelta(ts.dt.day_of_week, unit="D")


def test_escalations_weekly_matches_independent_counts(sample_warehouse: Warehouse) -> None:
    esc = _frame(sample_warehouse, "select * from staging.stg_landing__escalations")
    mart = _frame(sample_warehouse, "select * from marts.mart_escalations_weekly")
    esc["to_resolve"] = (esc["resolved_at"] - esc["created_at"]).dt.total_seconds() / 3600
    esc["to_mitigate"] = (esc["mitigated_at"] - esc["created_at"]).dt.total_seconds() / 3600
    for event in ("created", "resolved", "mitigated"):
        esc[f"{event}_week"] = _weeks(esc[f"{event}_at"])
    slices = esc[["source", "severity"]].drop_duplicates()
    assert len(mart) == len(slices) * mart["week_start"].nunique()
    assert pd.Timestamp(mart["week_start"].min()) == esc["created_week"].min()
    for _, row in mart.iterrows():
        week = pd.Timestamp(row["week_start"])
        end = week + pd.Timedelta(days=7)
        mine = esc[(esc["source"] == row["source"]) & (esc["severity"] == row["severity"])]
        created = mine[mine["created_week"] == week]
        resolved = mine[mine["resolved_week"] == week]
        mitigated = mine[mine["mitigated_week"] == week]
        backlog = mine[(mine["created_at"] < end) & ~(mine["resolved_at"] < end)]
        assert (row["created"], row["resolved"], row["mitigated"], row["open_at_week_end"], row["with_root_cause"]) == (
            len(created), len(resolved), len(mitigated), len(backlog), int(created["root_cause_code"].notna().sum()))
        for column, frame, hours, q in (("resolve_p50_hours", resolved, "to_resolve", 50),
                                        ("resolve_p90_hours", resolved, "to_resolve", 90),
                                        # metrics.md: both "by week of resolution"
                                        ("mitigate_p50_hours", resolved, "to_mitigate", 50),
                                        ("mitigate_p90_hours", resolved, "to_mitigate", 90)):
            values = frame[hours].dropna().to_numpy()
            expected = np.percentile(values, q) if len(values) else None
            assert _close(row[column], expected), (column, row.to_dict())


def test_backlog_equals_created_minus_resolved_to_date(sample_warehouse: Warehouse) -> None:
    mart = _frame(sample_warehouse, "select week_start, source, severity, created, resolved, open_at_week_end "
                                    "from marts.mart_escalations_weekly order by week_start")
    assert mart["open_at_week_end"].sum() > 0
    for _, weeks in mart.groupby(["source", "severity"]):
        balance = weeks["created"].cumsum() - weeks["resolved"].cumsum()
        assert balance.tolist() == weeks["open_at_week_end"].tolist()


def test_planted_overdisclosure_specialist_has_the_critical_fails(sample_warehouse: Warehouse) -> None:
    """generate.py plants over-disclosure (a failed critical `disclosure_scope` item) on the
    lowest-numbered lert_specialist (overdisclosure_specialist), DISCLOSURE_FAIL_P[1] against
    DISCLOSURE_FAIL_P[0] for everyone else: it must show up on that specialist's rows."""
    from tsqa.generate import DISCLOSURE_FAIL_P, overdisclosure_specialist

    roster = _frame(sample_warehouse, "select moderator_id, role from marts.dim_moderators")
    planted = overdisclosure_specialist(roster.to_dict("records"))
    totals = _frame(sample_warehouse, """
        select specialist_id = '{planted}' as is_planted, sum(assessments) as assessments,
               sum(over_disclosures) as over_disclosures, sum(critical_fails) as critical_fails
        from marts.mart_lert_quality_monthly group by all
    """.format(planted=planted)).set_index("is_planted")
    planted_rate = totals.loc[True, "over_disclosures"] / totals.loc[True, "assessments"]
    others_rate = totals.loc[False, "over_disclosures"] / totals.loc[False, "assessments"]
    ratio = DISCLOSURE_FAIL_P[1] / DISCLOSURE_FAIL_P[0]
    assert planted_rate > others_rate * ratio / 3, (planted_rate, others_rate)
    assert totals.loc[True, "critical_fails"] / totals.loc[True, "assessments"] > (
        totals.loc[False, "critical_fails"] / totals.loc[False, "assessments"])
    per_specialist = _frame(sample_warehouse, """
        select specialist_id, sum(over_disclosures) / sum(assessments) as rate
        from marts.mart_lert_quality_monthly group by all order by rate desc, specialist_id
    """)
    assert per_specialist.iloc[0]["specialist_id"] == planted


def test_planted_sla_misses_are_counted_as_missed_in_their_month(sample_warehouse: Warehouse) -> None:
    """Every sample request answered after its SLA (the generator's late responses) is
    sla_met = false on the fact and counted in sla_missed of its received month and type."""
    requests = _independent_requests(sample_warehouse)
    late = requests[requests["responded_at"].notna() & (requests["turnaround"] > requests["sla_hours"])]
    assert len(late) > 0
    fact = _frame(sample_warehouse, "select request_id, sla_met from marts.fct_le_requests").set_index("request_id")
    assert (fact.loc[late["request_id"], "sla_met"] == False).all()  # noqa: E712
    mart = _frame(sample_warehouse, "select month_start, request_type, sla_missed, open_past_due "
                                    "from marts.mart_lert_sla_monthly")
    mart["month_start"] = pd.to_datetime(mart["month_start"])
    mart = mart.set_index(["month_start", "request_type"])
    late_per_row = late.groupby(["month", "request_type"]).size()
    for key, count in late_per_row.items():
        # sla_missed = answered late + open past due, so the late ones are the difference.
        assert int(mart.loc[key, "sla_missed"] - mart.loc[key, "open_past_due"]) == int(count), key


def test_report_marks_provisional_months(lert_km: Warehouse) -> None:
    """The Monthly Quality Report's LE turnaround table (tsqa/report.py): May (requests
    still open) is provisional, April (all answered) is not."""
    from datetime import date

    from tsqa.report import ReportData, _lert_turnaround_html, _rows

    pages = {}
    for month in (date(2026, 4, 1), date(2026, 5, 1)):
        import duckdb

        with duckdb.connect(str(lert_km.path), read_only=True) as con:
            rows = _rows(con, "select * from marts.mart_lert_sla_monthly where month_start = ?", [month])
        data = ReportData(month_start=month, quality=[], quality_trend=[], review=None, review_trend=[],
                          error_trends=[], pareto=[], calibration_monthly=[], calibration_sessions=[],
                          lert_sla=rows, experiments=[], validation_runs=[])
        pages[month.month] = _lert_turnaround_html(data)
    assert "LE turnaround (provisional)" in pages[5] and 'data-provisional="true"' in pages[5]
    assert "provisional" not in pages[4].split("</h2>")[0] and 'data-provisional="true"' not in pages[4]
