"""The validation review page: one self-contained HTML file per validation run.

Great Expectations' Data Docs load their CSS and JavaScript from CDNs (bootstrap,
jQuery, font-awesome, vega: GX ships none of them), so offline, as Trust & Safety data
rooms often are, they render unstyled with a blank pass/fail column; and with
``BOOLEAN_ONLY`` results every observed value is "--". This page is what an analyst
reviews before a publication instead: written beside the Data Docs
(``<data_docs>/review.html``) by every validation run, it needs no network (inline CSS,
no script, no external URL), and shows:

- the run's verdict (passed / failed, in words and colour), its suite, expectation,
  failure and warning counts;
- every failed expectation with its description (descriptions never hold a data
  value, only column, file and rule names);
- per suite: its result, expectations, failures and the row count of its table;
- per landing entity: raw, current, superseded, quarantined and exact-duplicate rows
  (``quarantine.reconciliation``) and the quarantined rows per reason code.

Every number is an aggregate; no row, key or identifier is on the page. Its only
links are anchors inside the page and the Data Docs index beside it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from tsqa.validate import Report

REVIEW_PAGE = "review.html"


@dataclass(frozen=True)
class Landing:
    """One entity's rows in ``quarantine.reconciliation`` and its quarantine reasons."""

    entity: str
    raw: int
    current: int
    superseded: int
    quarantined: int
    exact_duplicates: int
    reasons: tuple[tuple[str, int], ...]


def read_landing(con: duckdb.DuckDBPyConnection) -> list[Landing]:
    """Per entity: the reconciliation counts and quarantined rows per reason (empty when
    the warehouse has no reconciliation table)."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'quarantine' and table_name = 'reconciliation'").fetchone()
    if not found or not found[0]:
        return []
    rows = con.execute(
        "select entity, sum(raw_rows), sum(current_rows), sum(superseded_rows), sum(quarantined_rows), "
        "sum(exact_duplicate_rows) from quarantine.reconciliation group by entity order by entity").fetchall()
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'quarantine'").fetchall()}
    result = []
    for entity, *counts in rows:
        reasons: list[tuple[str, int]] = []
        if counts[3] and entity in tables:
            # entity is a table name read from the catalog, never input; quoted anyway
            quoted = '"' + str(entity).replace('"', '""') + '"'
            reasons = [(str(reason), int(n)) for reason, n in con.execute(
                f"select reason, count(*) from quarantine.{quoted} group by reason order by 2 desc, 1").fetchall()]
        result.append(Landing(str(entity), *(int(x or 0) for x in counts), tuple(reasons)))
    return result


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',sans-serif;margin:0;
  background:#f3f4f6;color:#111827;font-size:14px}
header{background:#111827;color:#fff;padding:16px 32px}header h1{margin:0;font-size:21px}
header p{margin:4px 0 0;color:#d1d5db;font-size:13px}header a{color:#bfdbfe}
main{padding:18px 32px;max-width:1300px;margin:auto}
section{background:#fff;border-radius:8px;padding:14px 20px;margin-bottom:16px;box-shadow:0 1px 2px #0001}
h2{font-size:16px;margin:0 0 10px}
.verdict{border-left:8px solid #9ca3af}.verdict.passed{border-left-color:#16a34a}
.verdict.failed{border-left-color:#dc2626}
.status{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:700}
.status.passed{background:#dcfce7;color:#166534}.status.failed{background:#fee2e2;color:#991b1b}
.status.warn{background:#fef3c7;color:#92400e}
.big{font-size:22px;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #e5e7eb;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text,th.text{text-align:left}th{background:#f9fafb}
.note{font-size:12px;color:#6b7280}nav a{margin-right:14px}
"""


def _e(value: object) -> str:
    return html.escape("–" if value is None else str(value))


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def render_review(report: Report, landing: Sequence[Landing], database: Path,
                  data_docs_index: str = "index.html") -> str:
    """The review page of one validation run, as one HTML string."""
    passed = report.passed
    verdict = "passed" if passed else "failed"
    evaluated = sum(r.evaluated for r in report.runs)
    blocking, warnings = report.blocking, report.warnings
    run_at = report.run_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    headline = ("Validation PASSED: nothing blocks publication" if passed
                else f"Validation FAILED: {len(blocking)} blocking failure(s); nothing is published")

    failures = "".join(
        f'<tr><td><span class="status {"failed" if f.severity == "error" else "warn"}">'
        f'{"blocking" if f.severity == "error" else "warning"}</span></td>'
        f'<td class="text"><a href="#suite-{_e(f.suite)}">{_e(f.suite)}</a></td><td class="text">{_e(f.column)}</td>'
        f'<td class="text">{_e(f.description)}</td></tr>'
        for f in [*blocking, *warnings])
    failure_table = (f'<table><tr><th>Severity</th><th class="text">Suite</th><th class="text">Column</th>'
                     f'<th class="text">What was expected</th></tr>{failures}</table>'
                     if failures else '<p>No expectation failed.</p>')

    suites = "".join(
        f'<tr id="suite-{_e(r.suite)}"><td>{_e(r.checkpoint)}</td><td class="text">{_e(r.suite)}</td>'
        f'<td class="text">{_e(r.asset)}</td>'
        f'<td><span class="status {"passed" if r.success else "failed"}">{"passed" if r.success else "FAILED"}'
        f'</span></td><td>{_n(r.evaluated)}</td><td>{_n(r.failed - r.warnings)}</td><td>{_n(r.warnings)}</td>'
        f'<td>{_n(r.row_count)}</td></tr>'
        for r in sorted(report.runs, key=lambda r: (r.success, r.checkpoint, r.suite)))

    entities = "".join(
        f'<tr><td>{_e(x.entity)}</td><td>{_n(x.raw)}</td><td>{_n(x.current)}</td><td>{_n(x.superseded)}</td>'
        f'<td>{_n(x.quarantined)}</td><td>{_n(x.exact_duplicates)}</td>'
        f'<td class="text">{", ".join(f"{_e(reason)}: {n:,}" for reason, n in x.reasons) or "–"}</td></tr>'
        for x in landing)
    landing_table = (
        '<table><tr><th>Entity</th><th>Raw rows</th><th>Current</th><th>Superseded</th><th>Quarantined</th>'
        f'<th>Exact duplicates</th><th class="text">Quarantined by reason</th></tr>{entities}</table>'
        '<p class="note">Raw rows = current + superseded + quarantined + exact duplicates, per entity '
        '(per file: <code>quarantine.reconciliation</code>; the rows themselves: '
        '<code>quarantine.&lt;entity&gt;</code>).</p>'
        if landing else '<p>The warehouse has no <code>quarantine.reconciliation</code> table.</p>')
    quarantined = sum(x.quarantined for x in landing)

    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Validation review · {_e(verdict)} · {_e(report.run_id)}</title>
<link rel="icon" href="data:,">
<style>{_CSS}</style>
</head><body>
<header><h1>Validation review</h1>
<p>Run {_e(report.run_id)} at {_e(run_at)} of {_e(database.name)}. Counts only: no row, key or identifier is
shown. The Great Expectations <a href="{html.escape(data_docs_index, quote=True)}">Data Docs</a> hold every
expectation (their styling loads from the internet).</p></header>
<main>
<section class="verdict {verdict}" id="verdict" data-status="{verdict}">
<h2><span class="status {verdict}">{verdict.upper()}</span> {html.escape(headline)}</h2>
<p><span class="big">{_n(len(report.runs))}</span> suites · <span class="big">{_n(evaluated)}</span> expectations ·
<span class="big">{_n(len(blocking))}</span> blocking failures · <span class="big">{_n(len(warnings))}</span> warnings ·
<span class="big">{_n(quarantined)}</span> quarantined rows</p>
<nav><a href="#failures">Failures</a><a href="#suites">Suites and row counts</a>
<a href="#landing">Landing and quarantine</a></nav>
</section>
<section id="failures"><h2>Failed expectations</h2>{failure_table}</section>
<section id="suites"><h2>Suites and row counts</h2>
<table><tr><th class="text">Checkpoint</th><th class="text">Suite</th><th class="text">Table</th><th>Result</th>
<th>Expectations</th><th>Blocking failures</th><th>Warnings</th><th>Rows</th></tr>{suites}</table></section>
<section id="landing"><h2>Landing and quarantine</h2>{landing_table}</section>
</main></body></html>
"""


def write_review(report: Report, con: duckdb.DuckDBPyConnection, database: Path) -> Path:
    """Write ``review.html`` beside the Data Docs index of ``report``; return its path."""
    out = report.data_docs.with_name(REVIEW_PAGE)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_review(report, read_landing(con), database, report.data_docs.name), encoding="utf-8")
    tmp.replace(out)
    return out
