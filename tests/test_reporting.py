"""Reporting marts (mart_monthly_quality_report, mart_monthly_business_review).

1. A hand-written landing whose numbers a person can check: the 'all' row's headline is
   the accuracy of the decisions, each queue x vendor stratum weighted by its decisions
   (1 of 1 atlas decisions and 4 cirrus decisions at 1/3: 7/15), neither the pooled
   audits (2 of 4 = 50%) nor the average of the vendor rates ((100% + 33.3%) / 2);
   targets, month-over-month changes, root-cause ranks; and the validation status going
   from not_validated to passed / failed when the gate writes marts.validation_runs.
2. The sample warehouse: every number of both marts against an independent pandas /
   statsmodels implementation over the fact tables and the seed, and every roll-up equal
   to the source marts.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.conftest import Landing, Warehouse
from tests.test_decision_quality import expected_cells, strata_frame
from tsqa.settings import PROJECT_DIR

MQR = "marts.mart_monthly_quality_report"
MBR = "marts.mart_monthly_business_review"


# --------------------------------------------------------------------- hand landing


def _moderator(mid: str, vendor: str, role: str = "moderator") -> dict[str, object]:
    return {"moderator_id": mid, "vendor_code": vendor, "site": "manila", "market": "US", "language": "en",
            "role": role, "work_email": f"{mid.lower()}@example.com", "hired_on": "2026-01-05",
            "updated_at": "2026-01-05T00:00:00Z"}


def _decision(did: str, mid: str, decided_at: str) -> dict[str, object]:
    # every decision removes under HT-01 (hate, severity tier 2)
    return {"decision_id": did, "content_id": "C" + did, "user_id": "U1", "queue_code": "hate_harassment",
            "moderator_id": mid, "action": "remove", "policy_code": "HT-01", "content_type": "comment",
            "market": "US", "decided_at": decided_at, "handle_time_s": 30}


def _audit(aid: str, did: str, audited_at: str, correct: bool, root_cause: str | None = None) -> dict[str, object]:
    # an incorrect audit says "approve": over-enforcement under HT-01, tier 2 = major (score 50)
    return {"audit_id": aid, "decision_id": did, "auditor_id": "M9", "audit_source": "random",
            "audited_at": audited_at, "qa_action": "remove" if correct else "approve",
            "qa_policy_code": "HT-01" if correct else None, "root_cause_code": root_cause}


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("reporting")
    landing = Landing(root / "raw")
    landing.drop("moderators", "moderators_2026-09-01", [
        _moderator("M1", "atlas"), _moderator("M2", "cirrus"), _moderator("M9", "inhouse", role="auditor")])
    landing.drop("moderation_decisions", "moderation_decisions_2026-10-31", [
        _decision("D1", "M1", "2026-09-10T10:00:00Z"),  # September: atlas 2 of 2 correct
        _decision("D2", "M1", "2026-09-11T10:00:00Z"),
        _decision("D3", "M1", "2026-10-05T10:00:00Z"),  # October: atlas 1 of 1, cirrus 1 of 3
        _decision("D4", "M2", "2026-10-05T11:00:00Z"),
        _decision("D5", "M2", "2026-10-06T11:00:00Z"),
        _decision("D6", "M2", "2026-10-07T11:00:00Z"),
        _decision("D7", "M2", "2026-10-08T11:00:00Z"),  # decided, never audited
    ])
    landing.drop("qa_audits", "qa_audits_2026-10-31", [
        _audit("A1", "D1", "2026-09-10T12:00:00Z", True),
        _audit("A2", "D2", "2026-09-11T12:00:00Z", True),
        _audit("A3", "D3", "2026-10-05T12:00:00Z", True),
        _audit("A4", "D4", "2026-10-05T12:00:00Z", True),
        _audit("A5", "D5", "2026-10-06T12:00:00Z", False, root_cause="PRC-SOP"),
        _audit("A6", "D6", "2026-10-07T12:00:00Z", False, root_cause="PPL-KNOW"),
    ])
    built = Warehouse(root, landing, as_of="2026-10-20T00:00:00Z")
    # every seed first: a model that reads a seed through source() alone has no DAG edge to it
    built.build(command="seed")
    # only this mart and its parents, with the tests on them (not the tests that also need
    # marts outside the selection, nor other models' unit tests)
    built.build("+mart_monthly_business_review",
                extra=["--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"])
    return built


def test_all_row_weights_strata_by_decisions(hand: Warehouse) -> None:
    rows = hand.query(f"select vendor_code, audits, correct, accuracy, decisions, audit_sample_rate, qa_score, "
                      f"random_audits, covered_decisions, audited_accuracy_all_sources, est_wrong_decisions "
                      f"from {MQR} where month_start = date '2026-10-01' order by vendor_code")
    assert [r[:3] for r in rows] == [("all", 4, 2), ("atlas", 1, 1), ("cirrus", 3, 1)]
    all_row, atlas, cirrus = rows
    # (1 x 1/1 + 4 x 1/3) / 5 decisions covered = 7/15; not 2/4, not (1 + 1/3) / 2
    assert all_row[3] == pytest.approx(7 / 15, abs=1e-12)
    assert atlas[3] == 1.0 and cirrus[3] == pytest.approx(1 / 3, abs=1e-12)
    # decisions by decision month: atlas D3, cirrus D4-D7 (D7 never audited, still covered)
    assert (all_row[4], atlas[4], cirrus[4]) == (5, 1, 4)
    assert all_row[5] == pytest.approx(4 / 5) and cirrus[5] == pytest.approx(3 / 4)
    # scores: correct 100, major error 50 -> (100 + 100 + 50 + 50) / 4
    assert all_row[6] == pytest.approx(75.0) and cirrus[6] == pytest.approx(200 / 3)
    assert (all_row[7], all_row[8], cirrus[7], cirrus[8]) == (4, 5, 3, 4)
    # all audits here are random: the all-source accuracy is the plain share of the audits
    assert all_row[9] == pytest.approx(0.5) and cirrus[9] == pytest.approx(1 / 3)
    # an estimated 4 x 2/3 wrong decisions at cirrus, none at atlas
    assert cirrus[10] == pytest.approx(8 / 3) and atlas[10] == 0.0 and all_row[10] == pytest.approx(8 / 3)


def test_interval_uses_the_effective_sample_size(hand: Warehouse) -> None:
    low, high, ess = hand.query(f"select accuracy_ci_low, accuracy_ci_high, effective_sample_size from {MQR} "
                                f"where month_start = date '2026-10-01' and vendor_code = 'all'")[0]
    # se^2 = (1/5)^2 x 0 + (4/5)^2 x (1/3)(2/3)/3 = 32/675; p(1-p)/se^2 = (56/225)/(32/675) = 5.25 > n = 4
    assert ess == 4.0
    expected = proportion_confint(7 / 15 * 4, 4, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, abs=1e-12)
    # one stratum: the plain Wilson interval of its audits
    low, high = hand.query(f"select accuracy_ci_low, accuracy_ci_high from {MQR} "
                           f"where month_start = date '2026-10-01' and vendor_code = 'cirrus'")[0]
    assert (low, high) == pytest.approx(proportion_confint(1, 3, alpha=0.05, method="wilson"), abs=1e-12)


def test_targets_three_state_verdicts_and_month_over_month_changes(hand: Warehouse) -> None:
    rows = hand.query(f"select month_start::varchar, vendor_code, accuracy_target, target_status, target_met, "
                      f"below_target_significant, accuracy_change_mom, qa_score_change_mom from {MQR} order by 1, 2")
    assert rows == [
        # September: the any/any target of 2026-09-01 (0.92); 2 of 2 correct is 100% but the
        # margin of error (0.33) is far above 0.05: inconclusive, never "met"
        ("2026-09-01", "all", 0.92, "inconclusive", None, False, None, None),
        ("2026-09-01", "atlas", 0.92, "inconclusive", None, False, None, None),
        # October: all 7/15 vs 100% -> -53.3 points; its whole interval (high 0.86) is below 0.92
        ("2026-10-01", "all", 0.92, "inconclusive", None, True, pytest.approx(100 * (7 / 15 - 1)),
         pytest.approx(-25.0)),
        ("2026-10-01", "atlas", 0.92, "inconclusive", None, False, 0.0, 0.0),
        # the (hate_harassment, cirrus) target is queue-specific: it does not apply to the vendor row
        ("2026-10-01", "cirrus", 0.92, "inconclusive", None, True, None, None),
    ]
    # ... but it does judge the queue x vendor cell (0.88): 1/3 with n = 3 is inconclusive,
    # although its whole interval (high 0.79) lies below 0.88
    assert hand.query(f"select queue_slices_below_target, queue_slices_inconclusive, "
                      f"queue_slices_below_target_significant from {MQR} "
                      f"where month_start = date '2026-10-01' and vendor_code = 'cirrus'") == [(0, 1, 1)]


def test_top_root_causes_rank_by_errors_then_code(hand: Warehouse) -> None:
    row = hand.query(f"select coded_errors, root_cause_1_code, root_cause_1_errors, root_cause_1_share, "
                     f"root_cause_2_code, root_cause_2_share, root_cause_3_code from {MQR} "
                     f"where month_start = date '2026-10-01' and vendor_code = 'all'")[0]
    # one error each: the tie is broken by root_cause_code (PPL-KNOW < PRC-SOP)
    assert row == (2, "PPL-KNOW", 1, 0.5, "PRC-SOP", 0.5, None)


def test_business_review_quality_section_is_the_all_row(hand: Warehouse) -> None:
    rows = hand.query(f"select month_start::varchar, audits, accuracy, vendors_with_audits, vendors_below_target, "
                      f"le_requests, escalations_created, calibration_sessions, is_complete_month from {MBR} "
                      f"order by 1")
    assert rows == [
        ("2026-09-01", 2, 1.0, 1, 0, 0, 0, 0, True),
        # as-of 2026-10-20: October is partial; no vendor is "below target" on n = 1 and 3
        ("2026-10-01", 4, pytest.approx(7 / 15), 2, 0, 0, 0, 0, False),
    ]


def test_validation_status_follows_the_gate(hand: Warehouse) -> None:
    def statuses() -> set[tuple]:
        return set(hand.query(f"select validation_status, validation_passed, validation_run_id from {MQR} "
                              f"union select validation_status, validation_passed, validation_run_id from {MBR}"))

    assert statuses() == {("not_validated", None, None)}
    import duckdb

    with duckdb.connect(str(hand.path)) as con:  # what the gate writes (marts.md, "Data quality")
        con.execute("create table marts.validation_runs (run_id varchar, suite varchar, asset varchar, "
                    "run_at timestamp, success boolean, evaluated bigint, failed bigint)")
        con.execute("insert into marts.validation_runs values "
                    "('r1', 'landing', 'stg', '2026-10-20 01:00:00', true, 10, 0), "
                    "('r1', 'marts', 'mqr', '2026-10-20 01:00:05', true, 12, 0)")
    hand.build("tag:validation_status", command="run")
    assert statuses() == {("passed", True, "r1")}

    with duckdb.connect(str(hand.path)) as con:  # a newer run with a failed suite
        con.execute("insert into marts.validation_runs values "
                    "('r2', 'landing', 'stg', '2026-10-21 01:00:00', true, 10, 0), "
                    "('r2', 'privacy', 'mqr', '2026-10-21 01:00:03', false, 5, 1)")
    hand.build("tag:validation_status", command="run")
    assert statuses() == {("failed", False, "r2")}
    assert hand.scalar(f"select validation_run_at::varchar from {MBR} limit 1") == "2026-10-21 01:00:03"


# --------------------------------------------------------------- sample warehouse


def _df(wh: Warehouse, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(wh.path), read_only=True) as con:
        frame = con.execute(sql).df()
    for column in frame.columns:  # DATE columns come back as datetime64: compare them as dates
        if column.endswith(("_start", "_date")) and pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.date
    return frame


def _targets() -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / "quality_targets.csv").open() as handle:
        return list(csv.DictReader(handle))


def _target_for(vendor: str, month: date) -> dict[str, str] | None:
    """metrics.md's rule for a slice without a queue: queue '*' rows, vendor > any, latest."""
    candidates = [t for t in _targets() if t["queue_code"] == "*" and t["vendor_code"] in (vendor, "*")
                  and date.fromisoformat(t["effective_from"]) <= month]
    candidates.sort(key=lambda t: (t["vendor_code"] != "*", t["effective_from"]), reverse=True)
    return candidates[0] if candidates else None


@pytest.fixture(scope="module")
def expected_mqr(sample_warehouse: Warehouse) -> pd.DataFrame:
    """The MQR recomputed with pandas from fct_qa_audits and fct_moderation_decisions."""
    audits = _df(sample_warehouse, "select * from marts.fct_qa_audits")
    audits["month_start"] = pd.to_datetime(audits["audit_date"]).dt.to_period("M").dt.to_timestamp().dt.date
    decisions = _df(sample_warehouse, "select decision_date, vendor_code from marts.fct_moderation_decisions")
    decisions["month_start"] = pd.to_datetime(decisions["decision_date"]).dt.to_period("M").dt.to_timestamp().dt.date
    frames = []
    for vendor_view in ("vendor", "all"):
        a = audits.assign(vendor_code="all") if vendor_view == "all" else audits
        d = decisions.assign(vendor_code="all") if vendor_view == "all" else decisions
        g = a.groupby(["month_start", "vendor_code"]).agg(
            audits=("audit_id", "size"), correct=("is_correct", "sum"),
            critical_errors=("error_severity", lambda s: int((s == "critical").sum())),
            qa_score=("audit_score", "mean"), resolved=("resolved_disputes", "sum"),
            overturned=("overturned_disputes", "sum"))
        n = d.groupby(["month_start", "vendor_code"]).size().rename("decisions")
        frames.append(g.join(n, how="outer").reset_index())
    expected = pd.concat(frames, ignore_index=True)
    coded = audits[(~audits["is_correct"]) & audits["root_cause_code"].notna()]
    tops = {}
    for vendor_view in ("vendor", "all"):
        c = coded.assign(vendor_code="all") if vendor_view == "all" else coded
        counts = c.groupby(["month_start", "vendor_code", "root_cause_code"]).size().rename("errors").reset_index()
        for (month, vendor), group in counts.groupby(["month_start", "vendor_code"]):
            ranked = group.sort_values(["errors", "root_cause_code"], ascending=[False, True])
            tops[(month, vendor)] = (int(group["errors"].sum()),
                                     list(zip(ranked["root_cause_code"], ranked["errors"], strict=True))[:3])
    expected["tops"] = [tops.get((m, v), (0, [])) for m, v in zip(expected["month_start"], expected["vendor_code"],
                                                                  strict=True)]
    return expected


def test_quality_report_matches_an_independent_implementation(
    sample_warehouse: Warehouse, expected_mqr: pd.DataFrame
) -> None:
    report = _df(sample_warehouse, f"select * from {MQR}")
    assert len(report) == len(expected_mqr) and len(report) > 20
    population = expected_cells(strata_frame(sample_warehouse))
    by_key = {(r.month_start, r.vendor_code): r for r in report.itertuples()}
    for e in expected_mqr.itertuples():
        r = by_key[(e.month_start, e.vendor_code)]
        audits = 0 if pd.isna(e.audits) else int(e.audits)
        assert r.audits == audits and r.decisions == (0 if pd.isna(e.decisions) else int(e.decisions))
        if audits == 0:
            assert pd.isna(r.accuracy)
            continue
        # the headline: the population estimate (independent implementation in test_decision_quality)
        d = population[(pd.Timestamp(e.month_start).date(), "all", e.vendor_code)]
        for column in ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "critical_error_rate",
                       "critical_error_rate_ci_low", "critical_error_rate_ci_high", "est_wrong_decisions",
                       "audited_accuracy_all_sources"):
            assert getattr(r, column) == pytest.approx(d[column], abs=1e-9), column
        assert r.target_status == d["target_status"] and r.critical_status == d["critical_status"]
        assert r.qa_score == pytest.approx(e.qa_score, abs=1e-9)
        if e.resolved:
            assert r.dispute_overturn_rate == pytest.approx(e.overturned / e.resolved, abs=1e-12)
        else:
            assert pd.isna(r.dispute_overturn_rate)
        target = _target_for(e.vendor_code, e.month_start)
        assert r.accuracy_target == pytest.approx(float(target["accuracy_target"]))
        verdict = {"met": True, "missed": False}.get(d["target_status"])
        assert (pd.isna(r.target_met) and verdict is None) or r.target_met == verdict
        verdict = {"within": True, "exceeded": False}.get(d["critical_status"])
        assert (pd.isna(r.critical_target_met) and verdict is None) or r.critical_target_met == verdict
        coded_errors, top = e.tops
        assert r.coded_errors == coded_errors
        got = [(getattr(r, f"root_cause_{k}_code"), getattr(r, f"root_cause_{k}_errors")) for k in (1, 2, 3)]
        got = [(code, int(n)) for code, n in got if code is not None]
        assert got == [(code, int(n)) for code, n in top]
        if top:
            assert r.root_cause_1_share == pytest.approx(top[0][1] / coded_errors, abs=1e-12)


def test_quality_report_changes_are_month_over_month_in_points(sample_warehouse: Warehouse) -> None:
    report = _df(sample_warehouse, f"select month_start, vendor_code, accuracy, accuracy_change_mom from {MQR}")
    previous = {(r.month_start, r.vendor_code): r.accuracy for r in report.itertuples()}
    checked = 0
    for r in report.itertuples():
        month = r.month_start
        before = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        prior = previous.get((before, r.vendor_code))
        if prior is None or pd.isna(prior) or pd.isna(r.accuracy):
            assert pd.isna(r.accuracy_change_mom)
        else:
            assert r.accuracy_change_mom == pytest.approx(100 * (r.accuracy - prior), abs=1e-9)
            checked += 1
    assert checked >= 20


def test_quality_report_rolls_up_mart_quality_monthly(sample_warehouse: Warehouse) -> None:
    diff = sample_warehouse.query(f"""
        with source as (
            select month_start, vendor_code, sum(audits) as audits, sum(correct) as correct,
                   sum(decisions) as decisions, sum(critical_errors) as critical_errors
            from marts.mart_quality_monthly group by all
            union all
            select month_start, 'all', sum(audits), sum(correct), sum(decisions), sum(critical_errors)
            from marts.mart_quality_monthly group by all
        )
        select * from source full join {MQR} as report using (month_start, vendor_code)
        where source.audits is distinct from report.audits or source.correct is distinct from report.correct
           or source.decisions is distinct from report.decisions
           or source.critical_errors is distinct from report.critical_errors""")
    assert diff == []


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pooled_alpha(ratings: pd.DataFrame) -> float | None:
    """krippendorff.alpha (nominal) over every (session, item) of the month as a unit."""
    import krippendorff
    import numpy as np

    units = sorted(set(zip(ratings["session_id"], ratings["item_id"])))
    raters = sorted(set(ratings["rater_id"]))
    labels = sorted(set(ratings["label"]))
    data = np.full((len(raters), len(units)), np.nan)
    unit_index = {u: i for i, u in enumerate(units)}
    for row in ratings.itertuples():
        data[raters.index(row.rater_id), unit_index[(row.session_id, row.item_id)]] = labels.index(row.label)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any() or len({v for v in data[:, pairable].ravel() if not np.isnan(v)}) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def test_business_review_matches_an_independent_implementation(sample_warehouse: Warehouse) -> None:
    review = _df(sample_warehouse, f"select * from {MBR} order by month_start")
    months = list(review["month_start"])
    assert months == sorted(set(months)) and len(months) >= 6

    def month_of(series: pd.Series) -> pd.Series:
        return pd.to_datetime(series).dt.to_period("M").dt.to_timestamp().dt.date

    requests = _df(sample_warehouse, "select received_at, sla_met, request_type from marts.fct_le_requests")
    requests["m"] = month_of(requests["received_at"])
    assessments = _df(sample_warehouse, "select assessed_at, assessment_score, critical_failed, over_disclosure "
                                        "from marts.fct_lert_assessments")
    assessments["m"] = month_of(assessments["assessed_at"])
    escalations = _df(sample_warehouse, "select created_at, resolved_at from marts.fct_escalations")
    sessions = _df(sample_warehouse, "select month_start, krippendorff_alpha from marts.mart_calibration_sessions")
    ratings = _df(sample_warehouse, "select s.month_start, r.session_id, r.item_id, r.rater_id, r.label"
                                    " from marts.fct_calibration_ratings as r inner join"
                                    " marts.mart_calibration_sessions as s using (session_id)"
                                    " where r.rater_role = 'participant'")
    audits = _df(sample_warehouse, "select audit_date, is_correct from marts.fct_qa_audits")
    audits["m"] = month_of(audits["audit_date"])
    population = expected_cells(strata_frame(sample_warehouse))

    for r in review.itertuples():
        m = r.month_start
        a = audits[audits["m"] == m]
        assert r.audits == len(a)
        key = (pd.Timestamp(m).date(), "all", "all")
        if key in population:
            assert r.accuracy == pytest.approx(population[key]["accuracy"], abs=1e-9)
        q = requests[requests["m"] == m]
        known = q["sla_met"].dropna()
        assert (r.le_requests, r.sla_evaluated, r.sla_met) == (len(q), len(known), int(known.sum()))
        if len(known):
            low, high = proportion_confint(int(known.sum()), len(known), alpha=0.05, method="wilson")
            assert r.sla_compliance == pytest.approx(known.mean(), abs=1e-12)
            assert (r.sla_compliance_ci_low, r.sla_compliance_ci_high) == pytest.approx((low, high), abs=1e-9)
            emergency = q[q["request_type"] == "emergency"]["sla_met"].dropna()
            if len(emergency):
                assert r.emergency_sla_compliance == pytest.approx(emergency.mean(), abs=1e-12)
        s = assessments[assessments["m"] == m]
        assert (r.lert_assessments, r.lert_critical_fails, r.lert_over_disclosures) == (
            len(s), int(s["critical_failed"].sum()), int(s["over_disclosure"].sum()))
        if s["assessment_score"].notna().any():
            assert r.lert_mean_assessment_score == pytest.approx(s["assessment_score"].mean(), abs=1e-9)
        c = sessions[sessions["month_start"] == m]
        assert r.calibration_sessions == len(c)
        assert r.sessions_needing_recalibration == int((c["krippendorff_alpha"] < 0.6).sum())
        # the pooled alpha of the month (every (session, item) a unit), not a mean of sessions
        pooled = _pooled_alpha(ratings[ratings["month_start"] == m])
        if pooled is None:
            assert _missing(r.calibration_krippendorff_alpha)
        else:
            assert r.calibration_krippendorff_alpha == pytest.approx(pooled, abs=1e-9)
        start = pd.Timestamp(m)
        end = start + pd.offsets.MonthBegin(1)
        created, resolved = escalations["created_at"], escalations["resolved_at"]
        assert r.escalations_created == int(((created >= start) & (created < end)).sum())
        assert r.escalations_resolved == int(((resolved >= start) & (resolved < end)).sum())
        assert r.escalations_open_at_month_end == int(((created < end) & (resolved.isna() | (resolved >= end))).sum())
    assert math.isclose(review["escalations_created"].sum(), len(escalations))
