"""The Monthly Quality Report page: one self-contained HTML file from the published marts.

``tsqa report --month 2026-10`` opens the published warehouse read-only, reads the
reporting, quality, calibration and LERT marts, and writes one HTML page (plotly.js is
embedded, so the page needs no network) with:

- KPI tiles (the 'all' row of ``mart_monthly_quality_report``) with target status and
  month-over-month change, and the vendor table;
- accuracy by month with its 95% Wilson band per vendor (``mart_monthly_quality_report``);
- the weekly error-rate p-chart per queue with its signals (``mart_error_trends_weekly``);
- the root-cause Pareto per queue (``mart_root_cause_pareto``);
- calibration alignment (``mart_calibration_monthly``, ``mart_calibration_sessions``);
- LERT SLA compliance (``mart_lert_sla_monthly``, ``mart_monthly_business_review``);
- the data-validation status (``marts.validation_runs``) with a link to the Data Docs.

Every number on the page is a value read from a mart: this module formats and plots,
it never computes a metric (no sums, ratios or ranks of its own).
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from tsqa import settings

#: Where the Data Docs index is expected, relative to the warehouse folder (the
#: validation step writes them there); ``--data-docs`` overrides it.
DATA_DOCS_RELATIVE = Path("data_docs") / "index.html"

#: Vendor colours, fixed so a vendor keeps its colour from one report to the next.
VENDOR_COLOURS = {
    "all": "#111827",
    "inhouse": "#2563eb",
    "atlas": "#16a34a",
    "borealis": "#d97706",
    "cirrus": "#9333ea",
}
FALLBACK_COLOURS = ["#0891b2", "#be123c", "#4d7c0f", "#7c3aed", "#b45309", "#0f766e"]

TREND_MONTHS = 12
PCHART_WEEKS = 26

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class ReportError(RuntimeError):
    """The report cannot be written (no warehouse, unknown month, missing mart)."""


# --------------------------------------------------------------------------- data


Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows, read from the marts for one month."""

    month_start: date
    quality: Rows  # mart_monthly_quality_report rows of the month ('all' first)
    quality_trend: Rows  # mart_monthly_quality_report, last TREND_MONTHS months
    review: dict[str, Any] | None  # mart_monthly_business_review row of the month
    review_trend: Rows  # mart_monthly_business_review, last TREND_MONTHS months
    error_trends: Rows  # mart_error_trends_weekly, last PCHART_WEEKS weeks to month end
    pareto: Rows  # mart_root_cause_pareto rows of the month
    calibration_monthly: Rows  # mart_calibration_monthly, last TREND_MONTHS months
    calibration_sessions: Rows  # mart_calibration_sessions of the month
    lert_sla: Rows  # mart_lert_sla_monthly rows of the month
    experiments: Rows  # mart_experiment_results, non-control rows (empty without the mart)
    validation_runs: Rows  # latest gate run's rows of marts.validation_runs (may be empty)

    @property
    def headline(self) -> dict[str, Any]:
        return next(row for row in self.quality if row["vendor_code"] == "all")


def parse_month(text: str) -> date:
    """'2026-10' -> date(2026, 10, 1); anything else is a ReportError."""
    match = _MONTH_RE.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ReportError(f"--month must look like 2026-10, got {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> Rows:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


REQUIRED_MARTS = (
    "mart_monthly_quality_report",
    "mart_monthly_business_review",
    "mart_error_trends_weekly",
    "mart_root_cause_pareto",
    "mart_calibration_monthly",
    "mart_calibration_sessions",
    "mart_lert_sla_monthly",
)


def load_report_data(con: duckdb.DuckDBPyConnection, month_start: date) -> ReportData:
    """Read the month's rows from the marts (plain selects and filters, no arithmetic)."""
    missing = [name for name in REQUIRED_MARTS if not _has_table(con, name)]
    if missing:
        raise ReportError(f"the warehouse has no marts.{', marts.'.join(missing)}; build and publish it first")
    months = [r[0] for r in con.execute(
        "select distinct month_start from marts.mart_monthly_quality_report order by 1").fetchall()]
    if month_start not in months:
        known = ", ".join(m.strftime("%Y-%m") for m in months) or "none"
        raise ReportError(f"no Monthly Quality Report rows for {month_start:%Y-%m} (months available: {known})")

    trend_from = _add_months(month_start, -(TREND_MONTHS - 1))
    quality = _rows(con, """
        select * from marts.mart_monthly_quality_report
        where month_start = ? order by is_all_vendors desc, vendor_code""", [month_start])
    quality_trend = _rows(con, """
        select * from marts.mart_monthly_quality_report
        where month_start between ? and ? order by vendor_code, month_start""", [trend_from, month_start])
    review_rows = _rows(con, "select * from marts.mart_monthly_business_review where month_start = ?", [month_start])
    review_trend = _rows(con, """
        select * from marts.mart_monthly_business_review
        where month_start between ? and ? order by month_start""", [trend_from, month_start])
    month_end = _add_months(month_start, 1)
    error_trends = _rows(con, """
        select * from marts.mart_error_trends_weekly
        where week_start < ? and week_start >= cast(? as date) - interval (7 * ?) day
        order by queue_code, week_start""", [month_end, month_end, PCHART_WEEKS])
    pareto = _rows(con, """
        select * from marts.mart_root_cause_pareto
        where month_start = ? order by queue_code, rank""", [month_start])
    calibration_monthly = _rows(con, """
        select * from marts.mart_calibration_monthly
        where month_start between ? and ? order by queue_code, month_start""", [trend_from, month_start])
    calibration_sessions = _rows(con, """
        select * from marts.mart_calibration_sessions
        where month_start = ? order by session_date, session_id""", [month_start])
    lert_sla = _rows(con, """
        select * from marts.mart_lert_sla_monthly
        where month_start = ? order by request_type_sort, request_type""", [month_start])
    experiments = _rows(con, """
        select * from marts.mart_experiment_results
        where not is_control order by experiment_id, variant""") if _has_table(con, "mart_experiment_results") else []
    validation_runs: Rows = []
    run_id = quality[0].get("validation_run_id") if quality else None
    if run_id is not None and _has_table(con, "validation_runs"):
        validation_runs = _rows(con, """
            select * from marts.validation_runs
            where cast(run_id as varchar) = ? order by success, suite""", [run_id])
    return ReportData(
        month_start=month_start,
        quality=quality,
        quality_trend=quality_trend,
        review=review_rows[0] if review_rows else None,
        review_trend=review_trend,
        error_trends=error_trends,
        pareto=pareto,
        calibration_monthly=calibration_monthly,
        calibration_sessions=calibration_sessions,
        lert_sla=lert_sla,
        experiments=experiments,
        validation_runs=validation_runs,
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ----------------------------------------------------------------------- formatting


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage ('91.2%'); '–' when not defined."""
    return "–" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def fmt_points(value: Any) -> str:
    """A change already in points ('+1.3 pts'); '–' when not defined."""
    return "–" if _missing(value) else f"{float(value):+.1f} pts"


def fmt_num(value: Any, digits: int = 0) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):,.{digits}f}" if digits else f"{int(value):,}"


def _e(value: Any) -> str:
    return html.escape("–" if _missing(value) else str(value))


def _status(flag: Any, good: str = "met", bad: str = "missed") -> tuple[str, str]:
    """(css class, label) of a target flag: True / False / null."""
    if _missing(flag):
        return "neutral", "no target"
    return ("good", good) if bool(flag) else ("bad", bad)


def _colour(vendor: str, index: int) -> str:
    return VENDOR_COLOURS.get(vendor, FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)])


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# --------------------------------------------------------------------------- charts


def _figure_html(fig: Any, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _layout(fig: Any, title: str, height: int = 420, **extra: Any) -> None:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
        **extra,
    )


def accuracy_trend_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    vendors = sorted({r["vendor_code"] for r in data.quality_trend}, key=lambda v: (v != "all", v))
    for index, vendor in enumerate(vendors):
        rows = [r for r in data.quality_trend if r["vendor_code"] == vendor and not _missing(r["accuracy"])]
        if not rows:
            continue
        colour = _colour(vendor, index)
        months = [r["month_start"] for r in rows]
        name = "All vendors (pooled)" if vendor == "all" else vendor
        fig.add_trace(go.Scatter(
            x=months + months[::-1],
            y=[r["accuracy_ci_high"] for r in rows] + [r["accuracy_ci_low"] for r in rows][::-1],
            fill="toself", fillcolor=_rgba(colour, 0.12), line={"width": 0}, hoverinfo="skip", mode="lines",
            legendgroup=vendor, showlegend=False, name=f"{name} 95% CI",
        ))
        fig.add_trace(go.Scatter(
            x=months, y=[r["accuracy"] for r in rows], mode="lines+markers", name=name, legendgroup=vendor,
            line={"color": colour, "width": 3 if vendor == "all" else 2},
            customdata=[[fmt_pct(r["accuracy_ci_low"]), fmt_pct(r["accuracy_ci_high"]), fmt_num(r["audits"])]
                        for r in rows],
            hovertemplate="%{x|%b %Y}: %{y:.1%} (95% CI %{customdata[0]}–%{customdata[1]}, "
                          "n=%{customdata[2]})<extra>" + html.escape(name) + "</extra>",
        ))
    target_rows = [r for r in data.quality_trend if r["vendor_code"] == "all" and not _missing(r["accuracy_target"])]
    if target_rows:
        fig.add_trace(go.Scatter(
            x=[r["month_start"] for r in target_rows], y=[r["accuracy_target"] for r in target_rows],
            mode="lines", line={"color": "#dc2626", "dash": "dash", "shape": "hv"},
            name="Target (all vendors)",
        ))
    _layout(fig, "Accuracy by month with 95% Wilson interval, per vendor")
    fig.update_yaxes(tickformat=".0%", title="accuracy")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def p_chart_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    queues = sorted({r["queue_code"] for r in data.error_trends})
    cols = 2
    rows_n = max(1, math.ceil(len(queues) / cols))
    fig = make_subplots(rows=rows_n, cols=cols, subplot_titles=queues or ["no audits"],
                        shared_xaxes=False, vertical_spacing=0.12 / max(1, rows_n - 1) if rows_n > 1 else 0.1)
    month_end = _add_months(data.month_start, 1)
    in_legend: set[str] = set()

    def legend_once(kind: str, has_points: bool = True) -> bool:
        if kind in in_legend or not has_points:
            return False
        in_legend.add(kind)
        return True

    for index, queue in enumerate(queues):
        row, col = index // cols + 1, index % cols + 1
        weeks = [r for r in data.error_trends if r["queue_code"] == queue]
        x = [r["week_start"] for r in weeks]
        first = index == 0
        fig.add_trace(go.Scatter(x=x, y=[r["ucl"] for r in weeks], mode="lines", name="UCL / LCL",
                                 line={"color": "#9ca3af", "dash": "dot", "shape": "hv"},
                                 legendgroup="limits", showlegend=first), row=row, col=col)
        fig.add_trace(go.Scatter(x=x, y=[r["lcl"] for r in weeks], mode="lines", name="LCL",
                                 line={"color": "#9ca3af", "dash": "dot", "shape": "hv"},
                                 legendgroup="limits", showlegend=False), row=row, col=col)
        fig.add_trace(go.Scatter(x=x, y=[r["centre_line"] for r in weeks], mode="lines", name="Centre line",
                                 line={"color": "#6b7280", "shape": "hv"}, legendgroup="centre",
                                 showlegend=first), row=row, col=col)
        fig.add_trace(go.Scatter(
            x=x, y=[r["error_rate"] for r in weeks], mode="lines+markers", name="Error rate",
            line={"color": "#2563eb"}, legendgroup="rate", showlegend=first,
            customdata=[[fmt_num(r["audits"]), fmt_num(r["errors"])] for r in weeks],
            hovertemplate="week of %{x|%d %b}: %{y:.1%} (%{customdata[1]} errors / %{customdata[0]} audits)"
                          "<extra>" + html.escape(queue) + "</extra>",
        ), row=row, col=col)
        beyond = [r for r in weeks if r["beyond_limits"]]
        fig.add_trace(go.Scatter(x=[r["week_start"] for r in beyond], y=[r["error_rate"] for r in beyond],
                                 mode="markers", name="Beyond limits",
                                 marker={"color": "#dc2626", "size": 12, "symbol": "diamond"},
                                 legendgroup="beyond", showlegend=legend_once("beyond", bool(beyond))),
                      row=row, col=col)
        run8 = [r for r in weeks if r["run_of_8"]]
        fig.add_trace(go.Scatter(x=[r["week_start"] for r in run8], y=[r["error_rate"] for r in run8],
                                 mode="markers", name="Run of 8",
                                 marker={"color": "#f59e0b", "size": 11, "symbol": "square-open",
                                         "line": {"width": 2}},
                                 legendgroup="run8", showlegend=legend_once("run8", bool(run8))),
                      row=row, col=col)
        fig.add_vrect(x0=data.month_start, x1=month_end, fillcolor="#fde68a", opacity=0.25, line_width=0,
                      row=row, col=col)
    _layout(fig, "Weekly error rate p-chart per queue (report month shaded)", height=max(360, 260 * rows_n))
    fig.update_yaxes(tickformat=".0%")
    return fig


def pareto_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    queues = sorted({r["queue_code"] for r in data.pareto})
    for index, queue in enumerate(queues):
        rows = [r for r in data.pareto if r["queue_code"] == queue]
        visible = index == 0
        labels = [r["root_cause_code"] for r in rows]
        fig.add_trace(go.Bar(
            x=labels, y=[r["errors"] for r in rows], name="Errors", visible=visible,
            marker={"color": ["#2563eb" if r["vital_few"] else "#93c5fd" for r in rows]},
            customdata=[[r.get("root_cause_name") or "", fmt_pct(r["share"])] for r in rows],
            hovertemplate="%{x} %{customdata[0]}: %{y} errors (%{customdata[1]})<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=labels, y=[r["cumulative_share"] for r in rows], yaxis="y2", mode="lines+markers",
            name="Cumulative share", visible=visible, line={"color": "#dc2626"},
            hovertemplate="cumulative %{y:.1%}<extra></extra>",
        ))
    buttons = []
    for index, queue in enumerate(queues):
        visibility = [False] * (2 * len(queues))
        visibility[2 * index] = visibility[2 * index + 1] = True
        buttons.append({"label": queue, "method": "update", "args": [{"visible": visibility}]})
    _layout(
        fig, "Root-cause Pareto of coded errors (dark bars: the vital few)",
        yaxis={"title": "errors"},
        yaxis2={"title": "cumulative share", "overlaying": "y", "side": "right", "range": [0, 1.05],
                "tickformat": ".0%"},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.18,
                      "showactive": True}] if buttons else [],
    )
    if queues:
        fig.add_hline(y=0.8, line={"color": "#9ca3af", "dash": "dot"}, yref="y2")
    return fig


def calibration_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=[
        "Reference alignment by month and queue", "Krippendorff's alpha of this month's sessions"])
    queues = sorted({r["queue_code"] for r in data.calibration_monthly})
    for index, queue in enumerate(queues):
        rows = [r for r in data.calibration_monthly if r["queue_code"] == queue]
        fig.add_trace(go.Scatter(
            x=[r["month_start"] for r in rows], y=[r["reference_alignment"] for r in rows],
            mode="lines+markers", name=queue, line={"color": FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]},
        ), row=1, col=1)
    sessions = data.calibration_sessions
    fig.add_trace(go.Bar(
        x=[r["session_id"] for r in sessions], y=[r["krippendorff_alpha"] for r in sessions],
        marker={"color": ["#dc2626" if r["needs_recalibration"] else "#16a34a" for r in sessions]},
        name="Session alpha (red: needs recalibration)",
        customdata=[[r["queue_code"], str(r["session_date"])] for r in sessions],
        hovertemplate="%{x} (%{customdata[0]}, %{customdata[1]}): alpha %{y:.3f}<extra></extra>",
    ), row=1, col=2)
    fig.add_hline(y=0.6, line={"color": "#dc2626", "dash": "dash"}, row=1, col=2)
    _layout(fig, "Calibration", height=400)
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    return fig


def lert_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=[
        "SLA compliance by request type (95% Wilson interval)", "SLA compliance by month (all types)"])
    rows = [r for r in data.lert_sla if not _missing(r["sla_compliance"])]
    fig.add_trace(go.Bar(
        x=[r["request_type"] for r in rows], y=[r["sla_compliance"] for r in rows], name="This month",
        marker={"color": "#2563eb"},
        error_y={"type": "data", "symmetric": False,
                 "array": [r["sla_compliance_ci_high"] - r["sla_compliance"] for r in rows],
                 "arrayminus": [r["sla_compliance"] - r["sla_compliance_ci_low"] for r in rows]},
        customdata=[[fmt_num(r["sla_met"]), fmt_num(r["sla_evaluated"]), fmt_num(r["sla_hours"])] for r in rows],
        hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]} within %{customdata[2]} h)"
                      "<extra></extra>",
    ), row=1, col=1)
    trend = [r for r in data.review_trend if not _missing(r["sla_compliance"])]
    months = [r["month_start"] for r in trend]
    fig.add_trace(go.Scatter(
        x=months + months[::-1],
        y=[r["sla_compliance_ci_high"] for r in trend] + [r["sla_compliance_ci_low"] for r in trend][::-1],
        fill="toself", fillcolor=_rgba("#2563eb", 0.12), line={"width": 0}, hoverinfo="skip", showlegend=False,
        mode="lines",
    ), row=1, col=2)
    fig.add_trace(go.Scatter(x=months, y=[r["sla_compliance"] for r in trend], mode="lines+markers",
                             name="All request types", line={"color": "#2563eb"}), row=1, col=2)
    _layout(fig, "Law-enforcement response SLA", height=400)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    return fig


# ----------------------------------------------------------------------------- page


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',sans-serif;margin:0;
  background:#f3f4f6;color:#111827}
header{background:#111827;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#d1d5db;font-size:13px}
main{padding:20px 32px;max-width:1400px;margin:auto}
section{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:18px;box-shadow:0 1px 2px #0001}
h2{font-size:17px;margin:0 0 12px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.tile{border-radius:8px;padding:12px 14px;border:1px solid #e5e7eb;border-left:6px solid #9ca3af}
.tile.good{border-left-color:#16a34a}.tile.bad{border-left-color:#dc2626}
.tile .label{font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:26px;font-weight:600;margin:4px 0}
.tile .detail{font-size:12px;color:#374151}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;font-weight:600}
.badge.good{background:#dcfce7;color:#166534}.badge.bad{background:#fee2e2;color:#991b1b}
.badge.neutral{background:#e5e7eb;color:#374151}
.up{color:#166534}.down{color:#991b1b}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb}
.note{font-size:12px;color:#6b7280}
.validation.good{border-left:6px solid #16a34a}.validation.bad{border-left:6px solid #dc2626}
.validation.neutral{border-left:6px solid #9ca3af}
"""


def _change_html(value: Any, higher_is_better: bool = True, unit: str = "pts") -> str:
    if _missing(value):
        return '<span class="note">no previous month</span>'
    number = float(value)
    better = (number > 0) == higher_is_better
    css = "note" if number == 0 else ("up" if better else "down")
    arrow = "▲" if number > 0 else ("▼" if number < 0 else "■")
    return f'<span class="{css}">{arrow} {number:+.1f} {unit} vs previous month</span>'


def _tile(label: str, value: str, status: tuple[str, str] | None, detail: str) -> str:
    css = status[0] if status else "neutral"
    badge = f' <span class="badge {status[0]}">{html.escape(status[1])}</span>' if status else ""
    return (f'<div class="tile {css}" data-kpi="{html.escape(label)}"><div class="label">{html.escape(label)}'
            f'{badge}</div><div class="value">{value}</div><div class="detail">{detail}</div></div>')


def _kpi_tiles(data: ReportData) -> str:
    h = data.headline
    r = data.review or {}
    tiles = [
        _tile("Accuracy", fmt_pct(h["accuracy"]), _status(h["target_met"]),
              f'target {fmt_pct(h["accuracy_target"])} · 95% CI {fmt_pct(h["accuracy_ci_low"])}–'
              f'{fmt_pct(h["accuracy_ci_high"])}<br>{_change_html(h["accuracy_change_mom"])}'),
        _tile("Critical error rate", fmt_pct(h["critical_error_rate"], 2),
              _status(h["critical_target_met"], "within max", "above max"),
              f'max {fmt_pct(h["critical_error_rate_max"], 2)} · 95% CI {fmt_pct(h["critical_error_rate_ci_low"], 2)}'
              f'–{fmt_pct(h["critical_error_rate_ci_high"], 2)}<br>'
              f'{_change_html(h["critical_error_rate_change_mom"], higher_is_better=False)}'),
        _tile("QA score", fmt_num(h["qa_score"], 1), None,
              f'mean audit score (0–100)<br>{_change_html(h["qa_score_change_mom"], unit="score pts")}'),
        _tile("Audits", fmt_num(h["audits"]), _status(h["sample_adequate"], "sample adequate", "sample too small"),
              f'{fmt_num(h["decisions"])} decisions · margin of error ±{fmt_pct(h["margin_of_error"])}'),
        _tile("Audit sample rate", fmt_pct(h["audit_sample_rate"]), None,
              f'planned {fmt_pct(h["audit_sample_rate_target"])}'),
        _tile("Dispute overturn rate", fmt_pct(h["dispute_overturn_rate"]), None,
              f'{fmt_num(h["overturned_disputes"])} of {fmt_num(h["resolved_disputes"])} resolved disputes'),
        _tile("LE SLA compliance", fmt_pct(r.get("sla_compliance")), None,
              f'{fmt_num(r.get("sla_met"))} of {fmt_num(r.get("sla_evaluated"))} requests · emergency '
              f'{fmt_pct(r.get("emergency_sla_compliance"))}'),
        _tile("Calibration", fmt_num(r.get("calibration_krippendorff_alpha"), 3), None,
              f'Krippendorff\'s alpha of the month\'s {fmt_num(r.get("calibration_sessions"))} sessions pooled · '
              f'95% CI {fmt_num(r.get("calibration_krippendorff_alpha_ci_low"), 3)}–'
              f'{fmt_num(r.get("calibration_krippendorff_alpha_ci_high"), 3)}<br>'
              f'{fmt_num(r.get("sessions_needing_recalibration"))} need recalibration · '
              f'{fmt_num(r.get("sessions_agreement_uncertain"))} uncertain (interval spans 0.6)'),
    ]
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _root_causes_html(row: dict[str, Any]) -> str:
    parts = []
    for k in (1, 2, 3):
        code = row.get(f"root_cause_{k}_code")
        if code:
            parts.append(f'{_e(code)} {fmt_pct(row.get(f"root_cause_{k}_share"), 0)}')
    return ", ".join(parts) or "–"


def _vendor_table(data: ReportData) -> str:
    header = ("<tr><th>Vendor</th><th>Audits</th><th>Accuracy</th><th>95% CI</th><th>Target</th><th>Status</th>"
              "<th>Change</th><th>Critical errors</th><th>QA score</th><th>Sample rate</th>"
              "<th>Queue slices below target</th><th>Top root causes (share of coded errors)</th></tr>")
    body = []
    for row in data.quality:
        css, label = _status(row["target_met"])
        name = row["vendor_name"] or row["vendor_code"]
        body.append(
            f'<tr data-vendor="{_e(row["vendor_code"])}"><td>{"<b>" if row["is_all_vendors"] else ""}{_e(name)}'
            f'{"</b>" if row["is_all_vendors"] else ""}</td>'
            f'<td>{fmt_num(row["audits"])}</td><td>{fmt_pct(row["accuracy"])}</td>'
            f'<td>{fmt_pct(row["accuracy_ci_low"])}–{fmt_pct(row["accuracy_ci_high"])}</td>'
            f'<td>{fmt_pct(row["accuracy_target"])}</td><td><span class="badge {css}">{label}</span></td>'
            f'<td>{fmt_points(row["accuracy_change_mom"])}</td><td>{fmt_pct(row["critical_error_rate"], 2)}</td>'
            f'<td>{fmt_num(row["qa_score"], 1)}</td><td>{fmt_pct(row["audit_sample_rate"])}</td>'
            f'<td>{fmt_num(row["queue_slices_below_target"])} of {fmt_num(row["queue_slices_with_target_status"])}'
            f'</td><td>{_root_causes_html(row)}</td></tr>')
    return f"<table>{header}{''.join(body)}</table>"


def _lert_turnaround_html(data: ReportData) -> str:
    """The month's turnaround percentiles per request type: answered-only and Kaplan-Meier
    (open requests censored at the as-of time); a month with requests still open is
    marked provisional (metrics.md, "Law-enforcement response")."""
    if not data.lert_sla:
        return ""
    provisional = any(bool(r.get("is_provisional")) for r in data.lert_sla)
    header = ("<tr><th>Request type</th><th>Requests</th><th>Answered</th><th>Still open</th>"
              "<th>p50 answered (h)</th><th>p90 answered (h)</th><th>p50 incl. open (KM, h)</th>"
              "<th>p90 incl. open (KM, h)</th><th>Status</th></tr>")
    body = []
    for row in data.lert_sla:
        status = ('<span class="badge bad">provisional</span>' if row.get("is_provisional")
                  else '<span class="badge neutral">final</span>')
        body.append(
            f'<tr data-request-type="{_e(row["request_type"])}" '
            f'data-provisional="{"true" if row.get("is_provisional") else "false"}">'
            f'<td>{_e(row["request_type"])}</td><td>{fmt_num(row["requests"])}</td>'
            f'<td>{fmt_num(row["responded"])}</td><td>{fmt_num(row["unanswered"])}</td>'
            f'<td>{fmt_num(row["turnaround_p50_hours"], 1)}</td><td>{fmt_num(row["turnaround_p90_hours"], 1)}</td>'
            f'<td>{fmt_num(row.get("turnaround_km_p50_hours"), 1)}</td>'
            f'<td>{fmt_num(row.get("turnaround_km_p90_hours"), 1)}</td><td>{status}</td></tr>')
    note = ("<b>Provisional</b>: requests of this month are still open at the build's as-of time, so its "
            "turnaround percentiles can still grow. The Kaplan-Meier columns count the open requests "
            "(censored at the as-of time); – means more than half (a tenth) may still be open."
            if provisional else "Every request of this month is answered: the percentiles are final.")
    return (f'<section id="lert-turnaround"><h2>LE turnaround{" (provisional)" if provisional else ""}</h2>'
            f'<table>{header}{"".join(body)}</table><p class="note">{note}</p></section>')


def _experiments_html(data: ReportData) -> str:
    """Each experiment's comparisons with control; a result that is not final is marked
    interim (metrics.md, "Experiments": the audits of the last decisions may still land)."""
    if not data.experiments:
        return ""
    header = ("<tr><th>Experiment</th><th>Variant</th><th>Status</th><th>Moderators</th><th>Random audits</th>"
              "<th>Accuracy</th><th>Difference vs control</th><th>95% CI (moderators as the unit)</th>"
              "<th>p</th><th>q</th></tr>")
    body = []
    for row in data.experiments:
        final = bool(row["is_final"])
        ci = (f'{_fraction_points(row["diff_ci_low"])} to {_fraction_points(row["diff_ci_high"])}'
              if not _missing(row["diff_ci_low"]) else "–")
        body.append(
            f'<tr data-experiment="{_e(row["experiment_id"])}" data-variant="{_e(row["variant"])}">'
            f'<td>{_e(row["experiment_id"])}</td><td>{_e(row["variant"])}</td>'
            f'<td><span class="badge {"neutral" if final else "bad"}">{"final" if final else "interim"}</span></td>'
            f'<td>{fmt_num(row["units"])}</td><td>{fmt_num(row["audits"])}</td><td>{fmt_pct(row["accuracy"])}</td>'
            f'<td>{_fraction_points(row["accuracy_diff_vs_control"])}</td><td>{ci}</td>'
            f'<td>{_fmt_p(row["p_value"])}</td><td>{_fmt_p(row["q_value"])}</td></tr>')
    return (f'<section id="experiments"><h2>Experiments</h2><table>{header}{"".join(body)}</table>'
            '<p class="note">Accuracy of randomly audited decisions made after each moderator\'s assignment; '
            "the interval and p-value treat moderators (the unit randomised) as the unit; q adjusts p for the "
            "experiment's several comparisons (Benjamini-Hochberg). <b>Interim</b>: fewer than 14 days since "
            "the experiment ended, so audits of its last decisions may still change the result.</p></section>")


def _fraction_points(value: Any) -> str:
    """A difference of fractions in points ('+3.0 pts')."""
    return fmt_points(None if _missing(value) else 100 * float(value))


def _fmt_p(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):.2g}"


def _validation_html(data: ReportData, data_docs_href: str | None) -> str:
    h = data.headline
    status = h.get("validation_status") or "not_validated"
    css = {"passed": "good", "failed": "bad"}.get(status, "neutral")
    label = {"passed": "Data passed validation", "failed": "Data FAILED validation",
             "not_validated": "Data not validated"}.get(status, status)
    run_at = h.get("validation_run_at")
    detail = (f'gate run {_e(h.get("validation_run_id"))} at {_e(run_at)} UTC' if run_at
              else "no gate run recorded in marts.validation_runs")
    docs = (f'<a id="data-docs-link" href="{html.escape(data_docs_href, quote=True)}">Open the Data Docs</a>'
            if data_docs_href else '<span class="note">no Data Docs found beside the warehouse</span>')
    rows = "".join(
        f'<tr><td>{_e(r.get("suite"))}</td><td>{_e(r.get("asset"))}</td>'
        f'<td><span class="badge {"good" if r.get("success") else "bad"}">'
        f'{"passed" if r.get("success") else "failed"}</span></td>'
        f'<td>{fmt_num(r.get("evaluated"))}</td><td>{fmt_num(r.get("failed"))}</td></tr>'
        for r in data.validation_runs)
    table = (f"<details><summary>{len(data.validation_runs)} suites</summary><table><tr><th>Suite</th>"
             f"<th>Asset</th><th>Result</th><th>Expectations</th><th>Failed</th></tr>{rows}</table></details>"
             if data.validation_runs else "")
    return (f'<section class="validation {css}" id="validation" data-status="{html.escape(status)}">'
            f'<h2>Data validation: <span class="badge {css}">{html.escape(label)}</span></h2>'
            f'<p>{detail}. {docs}</p>{table}</section>')


def render_html(data: ReportData, data_docs_href: str | None = None, generated_at: datetime | None = None) -> str:
    """The whole page as one string: plotly.js inline, every figure a div + script."""
    from plotly.offline import get_plotlyjs

    figures = [
        ("accuracy-trend", "Accuracy trend", accuracy_trend_figure(data)),
        ("p-chart", "Error-rate control chart", p_chart_figure(data)),
        ("pareto", "Root causes", pareto_figure(data)),
        ("calibration", "Calibration alignment", calibration_figure(data)),
        ("lert-sla", "LERT SLA", lert_figure(data)),
    ]
    month_label = data.month_start.strftime("%B %Y")
    h = data.headline
    partial = "" if h.get("is_complete_month") else " (month not complete at the build's as-of time)"
    generated = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    sections = "".join(
        f'<section><h2>{html.escape(title)}</h2>{_figure_html(fig, div_id)}</section>'
        for div_id, title, fig in figures)
    meta = json.dumps({"month": data.month_start.strftime("%Y-%m"), "charts": [f[0] for f in figures]})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monthly Quality Report · {html.escape(month_label)}</title>
<link rel="icon" href="data:,">
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
<script type="application/json" id="report-meta">{html.escape(meta, quote=False)}</script>
</head><body>
<header><h1>Monthly Quality Report · {html.escape(month_label)}{html.escape(partial)}</h1>
<p>Trust &amp; Safety moderation quality. Every number is read from the published marts
(mart_monthly_quality_report, mart_monthly_business_review, mart_error_trends_weekly, mart_root_cause_pareto,
mart_calibration_*, mart_lert_sla_monthly). Generated {html.escape(generated)}.</p></header>
<main>
{_validation_html(data, data_docs_href)}
<section><h2>Headline KPIs (all vendors, pooled)</h2>{_kpi_tiles(data)}
<p class="note">Top root causes this month: {_root_causes_html(h)}. Rates pool every audit of the month
(not an average of vendor rates); intervals are 95% Wilson intervals.</p></section>
<section><h2>By vendor</h2>{_vendor_table(data)}</section>
{sections}
{_lert_turnaround_html(data)}
{_experiments_html(data)}
</main></body></html>
"""


# ---------------------------------------------------------------------------- write


def default_output(artifacts_dir: Path, month_start: date) -> Path:
    return artifacts_dir / "reports" / f"mqr_{month_start:%Y-%m}.html"


def write_report(
    duckdb_path: Path,
    month: str,
    out_path: Path | None = None,
    data_docs: Path | None = None,
) -> Path:
    """Render the Monthly Quality Report of ``month`` ('2026-10') from the published
    warehouse at ``duckdb_path`` (opened read-only) into ``out_path`` (default
    ``<warehouse folder>/reports/mqr_<month>.html``); returns the path written."""
    month_start = parse_month(month)
    duckdb_path = Path(duckdb_path)
    if not duckdb_path.exists():
        raise ReportError(f"no warehouse at {duckdb_path}; run `tsqa build` first")
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        data = load_report_data(con, month_start)
    out = Path(out_path) if out_path else default_output(duckdb_path.parent, month_start)
    docs = Path(data_docs) if data_docs else duckdb_path.parent / DATA_DOCS_RELATIVE
    docs_href = os.path.relpath(docs.resolve(), out.parent.resolve()) if docs.exists() else None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_html(data, docs_href), encoding="utf-8")
    tmp.replace(out)
    return out


BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    """Chromium or Chrome: TSQA_CHROMIUM, else the first of BROWSER_NAMES on PATH."""
    override = os.environ.get("TSQA_CHROMIUM")
    if override:
        return override
    return next((found for found in map(shutil.which, BROWSER_NAMES) if found), None)


def write_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Print a rendered report page to PDF with headless Chromium (the charts are drawn
    by the page's own JavaScript first); returns the PDF's path (default: beside the
    page, .pdf)."""
    browser = find_browser()
    if browser is None:
        raise ReportError("no Chromium found for the PDF: install Chromium (Debian: `apt-get install -y "
                          "chromium fonts-liberation`) or Chrome, or set TSQA_CHROMIUM to the browser binary")
    pdf = Path(pdf_path) if pdf_path else Path(html_path).with_suffix(".pdf")
    tmp = pdf.with_name(pdf.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="tsqa-pdf-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=15000",
            f"--print-to-pdf={tmp}", Path(html_path).resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0 or not tmp.exists() or not tmp.read_bytes().startswith(b"%PDF"):
        tmp.unlink(missing_ok=True)
        raise ReportError(f"printing {html_path} to PDF with {browser} failed: {done.stderr.strip()[-500:]}")
    tmp.replace(pdf)
    return pdf


def _cmd_report(args: argparse.Namespace) -> int:
    cfg = settings.load()
    try:
        path = write_report(
            Path(args.warehouse) if args.warehouse else cfg.duckdb_path,
            args.month,
            Path(args.out) if args.out else None,
            Path(args.data_docs) if args.data_docs else None,
        )
    except ReportError as error:
        print(f"tsqa report: {error}", file=sys.stderr)
        return 2
    print(f"Monthly Quality Report: {path}")
    if args.pdf:
        try:
            print(f"PDF: {write_pdf(path)}")
        except ReportError as error:
            print(f"tsqa report: {error}", file=sys.stderr)
            return 2
    return 0


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``tsqa report`` on the CLI's subparsers (called by tsqa.cli)."""
    parser = subparsers.add_parser(
        "report", help="render the Monthly Quality Report page (HTML) from the published warehouse")
    parser.add_argument("--month", required=True, help="the report month, e.g. 2026-10")
    parser.add_argument("--warehouse", default=None,
                        help="published DuckDB file, opened read-only (default: TSQA_DUCKDB_PATH)")
    parser.add_argument("--out", default=None,
                        help="output HTML file (default: <warehouse folder>/reports/mqr_<month>.html)")
    parser.add_argument("--data-docs", default=None,
                        help=f"Data Docs index to link (default: <warehouse folder>/{DATA_DOCS_RELATIVE.as_posix()})")
    parser.add_argument("--pdf", action="store_true",
                        help="also print the page to PDF beside it (needs Chromium or Chrome)")
    parser.set_defaults(func=_cmd_report)
    return parser
