"""The benchmark's notebook baseline (tsqa.bench, issue 18 item 5) computes what the
warehouse computes: else "build / pandas" compares different work.

The plain-pandas code reads the sample landing folder (scale 1, seed 7: clean data, with
re-sent and corrected records and exact duplicates, no row the contract quarantines) and
must give, row for row, the same fct_qa_audits, mart_quality_monthly and
mart_calibration_sessions as `dbt build` on the same folder:

- the same keys (no row more, no row less);
- every column both have equal: text, dates, timestamps, booleans and counts exactly,
  rates, intervals, scores, hours and agreement coefficients within 1e-9 (absolute);
- the columns the baseline leaves out, on purpose, are listed (NOT_COMPARED).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from tsqa import bench

KEYS = {
    "fct_qa_audits": ["audit_id"],
    "mart_quality_monthly": ["month_start", "queue_code", "vendor_code"],
    "mart_calibration_sessions": ["session_id"],
}

#: Mart columns the baseline does not compute (an analyst would not): the SCD2 surrogate
#: key, the target's effective date, and the session mart's helper counts and standard
#: errors (the intervals built from them are compared).
NOT_COMPARED = {
    "fct_qa_audits": {"moderator_key"},
    "mart_quality_monthly": {"target_effective_from"},
    "mart_calibration_sessions": {"month_start", "pairable_items", "items_with_reference", "ratings_with_reference",
                                  "ratings_matching_reference", "krippendorff_alpha_se", "gwet_ac1_se"},
}

TOLERANCE = 1e-9


def _plain(value: object) -> object:
    """One comparable Python value: None for every kind of missing, dates as dates."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value  # a date and a midnight timestamp compare as timestamps
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return dt.datetime.fromisoformat(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _same(a: object, b: object) -> bool:
    a, b = _plain(a), _plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) and type(a) is type(b)
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= TOLERANCE
    return a == b


def mismatches(mart: pd.DataFrame, baseline: pd.DataFrame, keys: list[str], skip: set[str]) -> dict[str, int]:
    """Per compared column, how many rows differ; keys missing on either side count too."""
    assert not (set(mart.columns) - skip - set(baseline.columns)), "the baseline lacks a mart column"
    left = {tuple(_plain(v) for v in row): i for i, row in enumerate(mart[keys].itertuples(index=False))}
    right = {tuple(_plain(v) for v in row): i for i, row in enumerate(baseline[keys].itertuples(index=False))}
    found = {"(rows only in the mart)": len(left.keys() - right.keys()),
             "(rows only in the baseline)": len(right.keys() - left.keys())}
    columns = [c for c in mart.columns if c not in skip and c not in keys]
    for column in columns:
        a, b = mart[column].to_numpy(dtype=object), baseline[column].to_numpy(dtype=object)
        found[column] = sum(not _same(a[i], b[right[key]]) for key, i in left.items() if key in right)
    return {name: count for name, count in found.items() if count}


@pytest.fixture(scope="module")
def baseline(sample_warehouse) -> dict[str, pd.DataFrame]:
    return bench.pandas_baseline(sample_warehouse.landing.root)


@pytest.mark.parametrize("mart", list(KEYS))
def test_pandas_baseline_computes_the_marts(sample_warehouse, baseline, mart: str) -> None:
    import duckdb

    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        built = con.execute(f"select * from marts.{mart}").df()
    computed = baseline[mart]
    assert len(built) > 0
    assert mismatches(built, computed, KEYS[mart], NOT_COMPARED[mart]) == {}


def test_the_sample_exercises_what_the_baseline_computes(baseline) -> None:
    """The comparison means something only if the sample has the cases: overturned
    disputes that change the reference answer, every error type and severity, slices
    without a target-met verdict, sessions with and without an alpha interval."""
    fct = baseline["fct_qa_audits"]
    assert (fct["reference_action"] != fct["raw_reference_action"]).any()
    assert set(fct["error_type"].dropna()) == {"over_enforcement", "under_enforcement", "wrong_policy",
                                               "wrong_action"}
    assert set(fct["error_severity"].dropna()) == {"critical", "major", "minor"}
    monthly = baseline["mart_quality_monthly"]
    assert monthly["accuracy_change_mom"].notna().any() and monthly["accuracy_change_mom"].isna().any()
    assert monthly["target_met"].astype(bool).any() and not monthly["target_met"].astype(bool).all()
    sessions = baseline["mart_calibration_sessions"]
    assert sessions["fleiss_kappa"].notna().any() and sessions["krippendorff_alpha_ci_low"].notna().any()
    assert sessions["reference_alignment"].notna().any()


def test_a_wrong_baseline_is_caught() -> None:
    """The comparison itself: a rate off by more than the tolerance, a flipped boolean
    and a missing row are each reported."""
    mart = pd.DataFrame({"k": ["a", "b", "c"], "rate": [0.5, 0.25, None], "flag": [True, False, True]})
    same = mart.copy()
    assert mismatches(mart, same, ["k"], set()) == {}
    wrong = pd.DataFrame({"k": ["a", "b"], "rate": [0.5 + 1e-6, 0.25], "flag": [True, True]})
    assert mismatches(mart, wrong, ["k"], set()) == {"(rows only in the mart)": 1, "rate": 1, "flag": 1}
