"""The Monthly Quality Report page: one self-contained HTML file from the published marts.

``tsqa report --month 2026-10`` opens the published warehouse read-only, reads the
reporting, quality, calibration and LERT marts, and writes one HTML page (plotly.js is
embedded, so the page needs no network) with:

- KPI tiles (the 'all' row of ``mart_monthly_quality_report``) led by the estimated
  accuracy of the decisions (``mart_decision_quality_monthly`` through the MQR: random
  audits, design-based) with its interval, three-state target verdict and estimated wrong
  decisions, the all-source audited accuracy beside it labelled as such, and the vendor table;
- accuracy by month with its 95% Wilson band per vendor (``mart_monthly_quality_report``);
- the weekly error-rate p-chart per queue with its signals (``mart_error_trends_weekly``);
- the root-cause Pareto of every queue together (``mart_root_cause_pareto_all_queues``)
  and per queue (``mart_root_cause_pareto``), causes by name;
- calibration alignment (``mart_calibration_monthly``, ``mart_calibration_sessions``);
- LERT SLA compliance (``mart_lert_sla_monthly``, ``mart_monthly_business_review``);
- the data-validation status (``marts.validation_runs``) with a link to the validation
  review page (``tsqa.review``, beside the Data Docs).

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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from tsqa import settings

#: Where the validation review page (tsqa.review) is expected, relative to the warehouse folder (the
#: validation step writes them there); ``--data-docs`` overrides it.
DATA_DOCS_RELATIVE = Path("data_docs") / "review.html"

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
    pareto: Rows  # mart_root_cause_pareto(_all_queues) rows of the month, 'all' first
    calibration_monthly: Rows  # mart_calibration_monthly, last TREND_MONTHS months
    calibration_sessions: Rows  # mart_calibration_sessions of the month
    lert_sla: Rows  # mart_lert_sla_monthly rows of the month
    experiments: Rows  # mart_experiment_results, non-control rows (empty without the mart)
    validation_runs: Rows  # latest gate run's rows of marts.validation_runs (may be empty)
    queue_names: dict[str, str] = field(default_factory=dict)  # dim_queues: code -> display name
    root_cause_names: dict[str, str] = field(default_factory=dict)  # dim_root_causes

    def queue(self, code: str) -> str:
        """A queue's display name (dim_queues), else its code."""
        return self.queue_names.get(code) or code

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
    # every queue together first (queue_code 'all'), when the warehouse has that mart
    pareto = (_rows(con, """
        select * from marts.mart_root_cause_pareto_all_queues
        where month_start = ? order by rank""", [month_start])
        if _has_table(con, "mart_root_cause_pareto_all_queues") else []) + _rows(con, """
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
    queue_names = dict(con.execute("select queue_code, queue_name from marts.dim_queues").fetchall()) \
        if _has_table(con, "dim_queues") else {}
    return ReportData(
        queue_names=queue_names,
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


def default_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The month a report shows unless told otherwise: the latest *complete* month of
    ``mart_monthly_quality_report`` (``is_complete_month``: the build's as-of time is past
    its end), else the latest month when none is complete yet; None without rows."""
    row = con.execute("""
        select coalesce(max(month_start) filter (where is_complete_month), max(month_start))
        from marts.mart_monthly_quality_report""").fetchone()
    return row[0] if row else None


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


def _target_status(row: dict[str, Any], key: str = "target_status") -> tuple[str, str]:
    """(css class, label) of a three-state verdict: met/within (green), missed/exceeded
    (red), inconclusive (amber: the sample is too small to say; never green)."""
    status = row.get(key)
    if _missing(status):
        return "neutral", "no estimate" if _missing(row.get("accuracy")) else "no target"
    if status == "inconclusive":
        return "warn", "sample too small"
    good = status in ("met", "within")
    labels = {"met": "target met", "missed": "target missed", "within": "within max", "exceeded": "above max"}
    return ("good" if good else "bad"), labels.get(status, str(status))


def _too_small_html(row: dict[str, Any]) -> str:
    """How much too small an inconclusive sample is: its margin of error against the maximum."""
    if row.get("target_status") != "inconclusive":
        return ""
    return (f'<br><span class="down">sample too small: margin of error ±{fmt_pct(row.get("margin_of_error"))} '
            f'&gt; the ±{fmt_pct(row.get("margin_of_error_max"))} the target needs '
            f'({fmt_num(row.get("random_audits"))} randomly audited decisions, effective '
            f'{fmt_num(row.get("effective_sample_size"), 1)})</span>')


def _wrong_decisions_html(row: dict[str, Any]) -> str:
    if _missing(row.get("est_wrong_decisions")):
        return "no random audits: no estimate"
    return (f'an estimated {fmt_num(row["est_wrong_decisions"], 0 if row["est_wrong_decisions"] >= 1 else 1)} '
            f'({fmt_num(row["est_wrong_decisions_ci_low"], 0)} to {fmt_num(row["est_wrong_decisions_ci_high"], 0)}) '
            f'wrong decisions of {fmt_num(row.get("covered_decisions"))}')


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


def _layout(fig: Any, title: str, height: int = 420, top: int = 60, **extra: Any) -> None:
    fig.update_layout(
        title={"text": title, "x": 0.01, "y": 1.0, "yanchor": "top", "pad": {"t": 12}, "font": {"size": 15}},
        height=height,
        margin={"l": 70, "r": 20, "t": top, "b": 45},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
        **extra,
    )


def _no_data(fig: Any, message: str, panel: int | None = None) -> None:
    """An explicit "no data" state: the message in the plot area (of subplot ``panel``
    of a one-row figure, else of the whole figure), and no empty axes."""
    if panel is None:
        position = {"xref": "paper", "yref": "paper"}
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        # the middle of the panel in paper coordinates (a hidden axis has no domain to refer to)
        axis = fig.layout["xaxis" if panel == 1 else f"xaxis{panel}"]
        position = {"xref": "paper", "yref": "paper", "x": sum(axis.domain) / 2}
        fig.update_xaxes(visible=False, row=1, col=panel)
        fig.update_yaxes(visible=False, row=1, col=panel)
    fig.add_annotation(text=message if panel is None else _wrap(message, 34), showarrow=False,
                       font={"size": 14, "color": "#6b7280"}, **{"x": 0.5, "y": 0.5, **position})


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
        name = "All vendors (pooled)" if vendor == "all" else (rows[-1].get("vendor_name") or vendor)
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
    if not fig.data:
        _no_data(fig, f"No audited accuracy in the {TREND_MONTHS} months to {data.month_start:%B %Y}")
        return fig
    fig.update_yaxes(tickformat=".0%", title="accuracy", rangemode="nonnegative")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y", title="audit month")
    return fig


def p_chart_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    queues = sorted({r["queue_code"] for r in data.error_trends}, key=data.queue)
    cols = 2
    rows_n = max(1, math.ceil(len(queues) / cols))
    row_px, gap_px = 230, 120  # a gap that holds the row above's date ticks and this row's title
    height = max(380, rows_n * row_px + (rows_n - 1) * gap_px + 150)
    plot_px = height - 150
    fig = make_subplots(rows=rows_n, cols=cols, subplot_titles=[data.queue(q) for q in queues] or None,
                        shared_xaxes=False, horizontal_spacing=0.1,
                        vertical_spacing=gap_px / plot_px if rows_n > 1 else 0.1)
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
                          "<extra>" + html.escape(data.queue(queue)) + "</extra>",
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
    _layout(fig, "Weekly error rate p-chart per queue (report month shaded)", height=height, top=90)
    fig.update_layout(legend={"y": -55 / plot_px, "yanchor": "top"}, margin={"b": 90})
    if not queues:
        _no_data(fig, f"No audits in the {PCHART_WEEKS} weeks to the end of {data.month_start:%B %Y}")
        return fig
    # standoffs keep the "0%" and the first date label apart in each panel's corner
    fig.update_yaxes(tickformat=".0%", rangemode="nonnegative", ticklabelstandoff=6)
    fig.update_yaxes(title={"text": "error rate", "standoff": 4})
    # months when ticks are a month or more apart, days when a short history ticks weekly
    fig.update_xaxes(ticklabelstandoff=4, title={"text": "week", "standoff": 2}, tickformatstops=[
        {"dtickrange": [None, 2592000000], "value": "%d %b"}, {"dtickrange": [2592000000, None], "value": "%b %Y"}])
    fig.update_annotations(font={"size": 13})
    return fig


def _wrap(label: str, width: int = 12) -> str:
    """A tick label on lines of about ``width`` characters (plotly breaks at <br>), so
    a dozen cause names fit side by side without rotating or overlapping."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(html.escape(line) for line in lines) or html.escape(label)


def pareto_figure(data: ReportData) -> Any:
    """The root-cause Pareto of the month: every queue together first (rows with
    queue_code 'all', when the warehouse has them), then one view per queue, chosen in a
    drop-down; causes by name."""
    import plotly.graph_objects as go

    fig = go.Figure()
    queues = sorted({r["queue_code"] for r in data.pareto}, key=lambda q: (q != "all", data.queue(q)))
    label = {q: ("All queues" if q == "all" else data.queue(q)) for q in queues}
    for index, queue in enumerate(queues):
        rows = [r for r in data.pareto if r["queue_code"] == queue]
        visible = index == 0
        labels = [_wrap(r.get("root_cause_name") or r["root_cause_code"]) for r in rows]
        fig.add_trace(go.Bar(
            x=labels, y=[r["errors"] for r in rows], name="Coded errors", visible=visible,
            marker={"color": ["#2563eb" if r["vital_few"] else "#93c5fd" for r in rows]},
            customdata=[[r["root_cause_code"], fmt_pct(r["share"])] for r in rows],
            hovertemplate="%{x} (%{customdata[0]}): %{y} errors, %{customdata[1]} of coded errors"
                          "<extra>" + html.escape(label[queue]) + "</extra>",
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
        buttons.append({"label": label[queue], "method": "update", "args": [{"visible": visibility}]})
    _layout(
        fig, "Root-cause Pareto of coded errors, " + data.month_start.strftime("%B %Y")
        + " (dark bars: the vital few; choose a queue on the right)", height=460, top=80,
        yaxis={"title": "coded errors", "rangemode": "nonnegative"},
        yaxis2={"title": "cumulative share", "overlaying": "y", "side": "right", "range": [0, 1.05],
                "tickformat": ".0%", "tickmode": "array", "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                "showgrid": False},
        xaxis={"title": "root cause", "tickangle": 0, "automargin": True},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.02,
                      "yanchor": "bottom", "showactive": True}] if buttons else [],
    )
    fig.update_layout(legend={"orientation": "h", "x": 0.0, "y": 1.02, "yanchor": "bottom"})
    if not queues:
        _no_data(fig, f"No coded errors in {data.month_start:%B %Y}: no incorrect audit carried a root cause")
        return fig
    fig.add_hline(y=0.8, line={"color": "#9ca3af", "dash": "dot"}, yref="y2")
    return fig


def calibration_figure(data: ReportData) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=[
        "Reference alignment by month and queue", "Krippendorff's alpha of this month's sessions"])
    queues = sorted({r["queue_code"] for r in data.calibration_monthly}, key=lambda q: (q != "all", data.queue(q)))
    for index, queue in enumerate(queues):
        rows = [r for r in data.calibration_monthly if r["queue_code"] == queue]
        name = "All queues" if queue == "all" else data.queue(queue)
        fig.add_trace(go.Scatter(
            x=[r["month_start"] for r in rows], y=[r["reference_alignment"] for r in rows],
            mode="lines+markers", name=name,
            line={"color": "#111827" if queue == "all" else FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)],
                  "width": 3 if queue == "all" else 2},
        ), row=1, col=1)
    sessions = data.calibration_sessions
    fig.add_trace(go.Bar(
        x=[r["session_id"] for r in sessions], y=[r["krippendorff_alpha"] for r in sessions],
        marker={"color": ["#dc2626" if r["needs_recalibration"] else "#16a34a" for r in sessions]},
        name="Session alpha (red: needs recalibration)",
        customdata=[[data.queue(r["queue_code"]), str(r["session_date"])] for r in sessions],
        hovertemplate="%{x} (%{customdata[0]}, %{customdata[1]}): alpha %{y:.3f}<extra></extra>",
    ), row=1, col=2)
    _layout(fig, "Calibration", height=470, top=90)
    fig.update_layout(legend={"y": -0.28}, margin={"b": 110})
    fig.update_annotations(yshift=6)
    if not queues:
        _no_data(fig, "No calibration sessions in the last 12 months", panel=1)
    else:
        fig.update_yaxes(tickformat=".0%", title="reference alignment", rangemode="nonnegative", row=1, col=1)
        fig.update_xaxes(title="month", tickformat="%b %Y", row=1, col=1)
    if not sessions:
        _no_data(fig, f"No calibration session in {data.month_start:%B %Y}", panel=2)
    else:
        fig.add_hline(y=0.6, line={"color": "#dc2626", "dash": "dash"}, row=1, col=2)
        fig.update_yaxes(title="Krippendorff's alpha", rangemode="tozero", row=1, col=2)
        fig.update_xaxes(title="session", row=1, col=2)
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
    _layout(fig, "Law-enforcement response SLA", height=470, top=90)
    fig.update_layout(legend={"y": -0.28}, margin={"b": 110})
    fig.update_annotations(yshift=6)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], title="share within SLA")
    fig.update_xaxes(title="request type", row=1, col=1)
    fig.update_xaxes(title="month received", tickformat="%b %Y", row=1, col=2)
    if not rows:
        _no_data(fig, f"No request with an SLA outcome received in {data.month_start:%B %Y}", panel=1)
    if not trend:
        _no_data(fig, "No request with an SLA outcome in the last 12 months", panel=2)
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
.tile.good{border-left-color:#16a34a}.tile.bad{border-left-color:#dc2626}.tile.warn{border-left-color:#d97706}
.tile .label{font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:26px;font-weight:600;margin:4px 0}
.tile .detail{font-size:12px;color:#374151}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;font-weight:600}
.badge.good{background:#dcfce7;color:#166534}.badge.bad{background:#fee2e2;color:#991b1b}
.badge.neutral{background:#e5e7eb;color:#374151}.badge.warn{background:#fef3c7;color:#92400e}
.up{color:#166534}.down{color:#991b1b}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb}
.note{font-size:12px;color:#6b7280}
.validation.good{border-left:6px solid #16a34a}.validation.bad{border-left:6px solid #dc2626}
.validation.neutral{border-left:6px solid #9ca3af}
@page{size:A4 landscape;margin:8mm}
@media print{body{background:#fff}main{padding:0 8px;max-width:none}header{padding:10px 16px}
  section{box-shadow:none;border:1px solid #e5e7eb;break-inside:avoid}.modebar-container{display:none}
  details>table{display:table}}
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
        _tile("Accuracy of decisions (estimate)", fmt_pct(h["accuracy"]), _target_status(h),
              f'target {fmt_pct(h["accuracy_target"])} · 95% CI {fmt_pct(h["accuracy_ci_low"])}–'
              f'{fmt_pct(h["accuracy_ci_high"])}<br>{_wrong_decisions_html(h)}{_too_small_html(h)}<br>'
              f'{_change_html(h["accuracy_change_mom"])}'),
        _tile("Audited accuracy, all audit sources", fmt_pct(h["audited_accuracy_all_sources"]), None,
              f'accuracy of the audits (random, targeted, appeal, escalation), not of the decisions: '
              f'{fmt_points(h["selection_bias_points"])} vs the estimate'),
        _tile("Critical error rate (estimate)", fmt_pct(h["critical_error_rate"], 2),
              _target_status(h, "critical_status"),
              f'max {fmt_pct(h["critical_error_rate_max"], 2)} · 95% CI {fmt_pct(h["critical_error_rate_ci_low"], 2)}'
              f'–{fmt_pct(h["critical_error_rate_ci_high"], 2)}<br>'
              f'{_change_html(h["critical_error_rate_change_mom"], higher_is_better=False)}'),
        _tile("QA score", fmt_num(h["qa_score"], 1), None,
              f'mean audit score (0–100)<br>{_change_html(h["qa_score_change_mom"], unit="score pts")}'),
        _tile("Random sample", fmt_num(h["random_audits"]), None,
              f'randomly audited decisions behind the estimate · effective {fmt_num(h["effective_sample_size"], 1)} · '
              f'margin of error ±{fmt_pct(h["margin_of_error"])} · covers {fmt_pct(h["coverage"])} of '
              f'{fmt_num(h["decisions"])} decisions'),
        _tile("Audits", fmt_num(h["audits"]), None, 'audits of every source done this month'),
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
    header = ("<tr><th>Vendor</th><th>Accuracy of decisions (estimate)</th><th>95% CI</th><th>Target</th>"
              "<th>Status</th><th>Estimated wrong decisions</th><th>Audited accuracy (all sources)</th>"
              "<th>Random audits</th><th>Change</th><th>Critical error rate (estimate)</th><th>QA score</th>"
              "<th>Audits</th><th>Sample rate</th><th>Queue slices: missed / inconclusive of judged</th>"
              "<th>Top root causes (share of coded errors)</th></tr>")
    body = []
    for row in data.quality:
        css, label = _target_status(row)
        name = row["vendor_name"] or row["vendor_code"]
        body.append(
            f'<tr data-vendor="{_e(row["vendor_code"])}"><td>{"<b>" if row["is_all_vendors"] else ""}{_e(name)}'
            f'{"</b>" if row["is_all_vendors"] else ""}</td>'
            f'<td>{fmt_pct(row["accuracy"])}</td>'
            f'<td>{fmt_pct(row["accuracy_ci_low"])}–{fmt_pct(row["accuracy_ci_high"])}</td>'
            f'<td>{fmt_pct(row["accuracy_target"])}</td><td><span class="badge {css}">{label}</span></td>'
            f'<td>{_wrong_decisions_html(row)}</td><td>{fmt_pct(row["audited_accuracy_all_sources"])}</td>'
            f'<td>{fmt_num(row["random_audits"])}</td>'
            f'<td>{fmt_points(row["accuracy_change_mom"])}</td><td>{fmt_pct(row["critical_error_rate"], 2)}</td>'
            f'<td>{fmt_num(row["qa_score"], 1)}</td><td>{fmt_num(row["audits"])}</td>'
            f'<td>{fmt_pct(row["audit_sample_rate"])}</td>'
            f'<td>{fmt_num(row["queue_slices_below_target"])} / {fmt_num(row["queue_slices_inconclusive"])} of '
            f'{fmt_num(row["queue_slices_with_target_status"])}</td><td>{_root_causes_html(row)}</td></tr>')
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
    docs = (f'<a id="data-docs-link" href="{html.escape(data_docs_href, quote=True)}">Open the validation '
            'review</a> (row, quarantine and failure counts; works offline)'
            if data_docs_href else '<span class="note">no validation review found beside the warehouse</span>')
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
(mart_monthly_quality_report, mart_monthly_business_review, mart_error_trends_weekly, mart_root_cause_pareto*,
mart_calibration_*, mart_lert_sla_monthly). Generated {html.escape(generated)}.</p></header>
<main>
{_validation_html(data, data_docs_href)}
<section><h2>Headline KPIs (all vendors)</h2>{_kpi_tiles(data)}
<p class="note">Top root causes this month: {_root_causes_html(h)}. "Accuracy of decisions" estimates how many of
the month's decisions were right: it comes from the random audits only (a probability sample of the decisions),
each queue weighted by its decisions, with a 95% interval (mart_decision_quality_monthly); a verdict is "met" or
"missed" only when that interval is narrow enough for the target, else "sample too small". "Audited accuracy, all
audit sources" is the share of this month's audits that found the decision right: targeted, appeal and escalation
audits look for errors, so it describes the audits, not the decisions.</p></section>
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
    month: str | None,
    out_path: Path | None = None,
    data_docs: Path | None = None,
) -> Path:
    """Render the Monthly Quality Report of ``month`` ('2026-10'; None: the latest
    complete month, ``default_month``) from the published warehouse at ``duckdb_path``
    (opened read-only) into ``out_path`` (default
    ``<warehouse folder>/reports/mqr_<month>.html``); returns the path written."""
    duckdb_path = Path(duckdb_path)
    if not duckdb_path.exists():
        raise ReportError(f"no warehouse at {duckdb_path}; run `tsqa build` first")
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        if month is None:
            if not _has_table(con, "mart_monthly_quality_report"):
                raise ReportError("the warehouse has no marts.mart_monthly_quality_report; build and publish it first")
            found = default_month(con)
            if found is None:
                raise ReportError("the Monthly Quality Report mart has no month yet (no audits landed)")
            month_start = found
        else:
            month_start = parse_month(month)
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
            # the charts are drawn at the window's width before printing: the width of an
            # A4 landscape page inside its margins (the page's @page rule), so they fit it
            f"--user-data-dir={profile}", "--window-size=1060,1400", "--no-pdf-header-footer",
            "--virtual-time-budget=15000",
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
    parser.add_argument("--month", default=None,
                        help="the report month, e.g. 2026-10 (default: the latest complete month)")
    parser.add_argument("--warehouse", default=None,
                        help="published DuckDB file, opened read-only (default: TSQA_DUCKDB_PATH)")
    parser.add_argument("--out", default=None,
                        help="output HTML file (default: <warehouse folder>/reports/mqr_<month>.html)")
    parser.add_argument("--data-docs", default=None,
                        help="validation review page to link "
                             f"(default: <warehouse folder>/{DATA_DOCS_RELATIVE.as_posix()})")
    parser.add_argument("--pdf", action="store_true",
                        help="also print the page to PDF beside it (needs Chromium or Chrome)")
    parser.set_defaults(func=_cmd_report)
    return parser
