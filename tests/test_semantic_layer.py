"""The semantic layer (models/marts/_marts__semantic_models.yml) gives the marts' numbers.

`mf query` runs as an analyst runs it (`make mf`): MetricFlow's CLI in a dbt project
folder, on the read-only `semantic` target of profiles.yml, against the session's sample
warehouse and the semantic manifest its build wrote. MetricFlow reads the manifest only
from `<project>/target/semantic_manifest.json`, and the test builds keep their artefacts
in their own folders, so each query runs in a folder of links to the project with that
build's manifest in its `target/`.

Expected values come from the marts and from grouped counts over the facts in pandas:
a ratio of sums (correct audits / audits of the whole group), never a mean of rates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import Warehouse
from tsqa.settings import PROJECT_DIR


@pytest.fixture(scope="module")
def mf_project(sample_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dbt project folder for `mf`: links to this project, the sample build's manifest."""
    folder = tmp_path_factory.mktemp("mf_project")
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in {"target", "logs", ".git"}:
            (folder / entry.name).symlink_to(entry)
    (folder / "target").mkdir()
    shutil.copyfile(sample_warehouse.workdir / "target" / "semantic_manifest.json",
                    folder / "target" / "semantic_manifest.json")
    return folder


def mf_query(project: Path, warehouse: Warehouse, metrics: list[str], group_by: list[str]) -> pd.DataFrame:
    """Run `mf query` on the sample warehouse; return its answer (read from --csv)."""
    out = project / "target" / f"{'_'.join(metrics)}-{'_'.join(group_by)}.csv"
    mf = Path(sys.executable).with_name("mf")
    env = {**os.environ, **warehouse.env, "TSQA_DBT_TARGET": "semantic"}
    result = subprocess.run(
        [str(mf), "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
         "--csv", str(out), "--quiet"],
        cwd=project, env=env, text=True, capture_output=True, check=False,
    )
    assert result.returncode == 0 and out.exists(), f"mf query failed:\n{result.stdout}\n{result.stderr}"
    return pd.read_csv(out)


def frame(warehouse: Warehouse, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return con.execute(sql).fetchdf()


def month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()


def test_accuracy_by_vendor_by_month_is_the_marts_ratio_of_sums(
    mf_project: Path, sample_warehouse: Warehouse
) -> None:
    got = mf_query(mf_project, sample_warehouse, ["accuracy", "audits"], ["metric_time__month", "vendor"])
    got = got.rename(columns={"metric_time__month": "month_start", "vendor": "vendor_code"})
    got["month_start"] = month(got["month_start"])

    # mart_quality_monthly pooled over its queues: sum(correct) / sum(audits)
    mart = frame(sample_warehouse, """
        select month_start, vendor_code, sum(correct) as correct, sum(audits) as audits,
               avg(accuracy) as mean_of_queue_rates
        from marts.mart_quality_monthly where audits > 0 group by all""")
    mart["month_start"] = month(mart["month_start"])
    mart["accuracy"] = mart["correct"] / mart["audits"]

    # independently, a grouped count over the audit facts (every source, audit month)
    audits = frame(sample_warehouse, "select audit_date, vendor_code, is_correct from marts.fct_qa_audits")
    audits["month_start"] = month(audits["audit_date"])
    counted = (audits.groupby(["month_start", "vendor_code"])["is_correct"]
               .agg(audits="size", correct="sum").reset_index())
    counted["accuracy"] = counted["correct"] / counted["audits"]

    assert len(got) == len(mart) == len(counted) > 20
    for expected in (mart, counted):
        both = got.merge(expected, on=["month_start", "vendor_code"], how="outer",
                         suffixes=("", "_expected"), indicator=True)
        assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
        assert (both["audits"] == both["audits_expected"]).all()
        np.testing.assert_allclose(both["accuracy"], both["accuracy_expected"], rtol=0, atol=1e-12)

    # the comparison can tell a ratio of sums from a mean of the queue rates
    assert (mart["accuracy"] - mart["mean_of_queue_rates"]).abs().max() > 1e-3


def test_monthly_quality_by_queue_and_vendor_equals_mart_quality_monthly(
    mf_project: Path, sample_warehouse: Warehouse
) -> None:
    """Decisions in their decision month and audits in their audit month, side by side."""
    got = mf_query(mf_project, sample_warehouse,
                   ["decisions", "audits", "accuracy", "critical_error_rate"],
                   ["metric_time__month", "queue", "vendor"])
    got = got.rename(columns={"metric_time__month": "month_start", "queue": "queue_code", "vendor": "vendor_code"})
    got["month_start"] = month(got["month_start"])
    mart = frame(sample_warehouse, """
        select month_start, queue_code, vendor_code, decisions, audits, accuracy, critical_error_rate
        from marts.mart_quality_monthly""")
    mart["month_start"] = month(mart["month_start"])

    both = got.merge(mart, on=["month_start", "queue_code", "vendor_code"], how="outer",
                     suffixes=("", "_mart"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    for count in ("decisions", "audits"):
        assert (both[count].fillna(0) == both[f"{count}_mart"]).all(), count
    for rate in ("accuracy", "critical_error_rate"):
        np.testing.assert_allclose(both[rate], both[f"{rate}_mart"], rtol=0, atol=1e-12)


def test_sla_compliance_by_month_and_type_equals_mart_lert_sla_monthly(
    mf_project: Path, sample_warehouse: Warehouse
) -> None:
    got = mf_query(mf_project, sample_warehouse, ["le_requests", "le_requests_sla_known", "sla_compliance"],
                   ["metric_time__month", "le_request__request_type"])
    got = got.rename(columns={"metric_time__month": "month_start", "le_request__request_type": "request_type"})
    got["month_start"] = month(got["month_start"])
    mart = frame(sample_warehouse, """
        select month_start, request_type, requests, sla_evaluated, sla_compliance
        from marts.mart_lert_sla_monthly""")
    mart["month_start"] = month(mart["month_start"])

    both = got.merge(mart, on=["month_start", "request_type"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert both["sla_compliance_y"].notna().sum() > 10
    np.testing.assert_allclose(both["sla_compliance_x"], both["sla_compliance_y"], rtol=0, atol=1e-12)
    assert (both["le_requests"] == both["requests"]).all()
    assert (both["le_requests_sla_known"] == both["sla_evaluated"]).all()


def calibration_alphas(project: Path, warehouse: Warehouse, metric: str, group_by: list[str]) -> pd.Series:
    got = mf_query(project, warehouse, [metric], group_by)
    got[group_by[0]] = pd.to_datetime(got[group_by[0]])
    return got.set_index(group_by)[metric].sort_index()


def test_calibration_alpha_by_queue_is_the_row_of_the_mart_never_a_mean(
    mf_project: Path, sample_warehouse: Warehouse
) -> None:
    mart = frame(sample_warehouse, "select month_start, queue_code, krippendorff_alpha "
                                   "from marts.mart_calibration_monthly where queue_code <> 'all'")
    mart["month_start"] = pd.to_datetime(mart["month_start"])
    rows = mart.set_index(["month_start", "queue_code"])["krippendorff_alpha"].sort_index()
    assert rows.notna().sum() > 10

    by_month = calibration_alphas(mf_project, sample_warehouse, "calibration_alpha_by_queue",
                                  ["metric_time__month", "calibration_month__queue_code"])
    np.testing.assert_array_equal(by_month.index.to_numpy(), rows.index.to_numpy())
    np.testing.assert_allclose(by_month, rows, rtol=0, atol=1e-12)

    # a quarter of one queue is the month's alpha only when one month of it had sessions
    # (then the quarter's units are that month's); with two or more months it is null
    by_quarter = calibration_alphas(mf_project, sample_warehouse, "calibration_alpha_by_queue",
                                    ["metric_time__quarter", "calibration_month__queue_code"])
    mart["quarter"] = mart["month_start"].dt.to_period("Q").dt.to_timestamp()
    cells = mart.groupby(["quarter", "queue_code"])["krippendorff_alpha"].agg(["size", "first"])
    assert (cells["size"] > 1).any() and (cells["size"] == 1).any()
    assert len(by_quarter) == len(cells)
    for (quarter, queue), alpha in by_quarter.items():
        size, first = cells.loc[(quarter, queue)]
        assert (pd.isna(alpha) if size > 1 else alpha == pytest.approx(first, abs=1e-12)), (quarter, queue)

    # a month over every queue without the `all` row is null, not a mean of the queues
    months = calibration_alphas(mf_project, sample_warehouse, "calibration_alpha_by_queue", ["metric_time__month"])
    queues_per_month = mart.groupby("month_start").size()
    assert (queues_per_month > 1).all() and months.isna().all()


def test_calibration_alpha_is_the_months_all_row(mf_project: Path, sample_warehouse: Warehouse) -> None:
    mart = frame(sample_warehouse, "select month_start, krippendorff_alpha "
                                   "from marts.mart_calibration_monthly where queue_code = 'all'")
    if mart.empty:
        pytest.skip("mart_calibration_monthly has no `all` row on this branch (metrics.md adds it; issue-14)")
    mart["month_start"] = pd.to_datetime(mart["month_start"])
    rows = mart.set_index("month_start")["krippendorff_alpha"].sort_index()
    got = calibration_alphas(mf_project, sample_warehouse, "calibration_alpha", ["metric_time__month"])
    np.testing.assert_array_equal(got.index.to_numpy(), rows.index.to_numpy())
    np.testing.assert_allclose(got, rows, rtol=0, atol=1e-12)
