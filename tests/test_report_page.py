"""The Monthly Quality Report page in a real browser: Chromium from the Debian packages
(`apt-get install -y chromium fonts-liberation`), driven through the Chrome DevTools
protocol over a pipe (`--remote-debugging-pipe`: no websocket library, no browser
download). The page must load from file:// without any network request, log no console
error and no uncaught exception, and render every plotly chart (an <svg> inside each
chart div). A full-page screenshot is saved to test-artifacts/.

Without Chromium the test FAILS (it does not skip): `make test` and CI must install it.
"""

from __future__ import annotations

import base64
import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import duckdb

from tests.conftest import Warehouse
from tsqa.publish import latest_report_month
from tsqa.report import (accuracy_trend_figure, calibration_figure, default_month, load_report_data,
                         p_chart_figure, pareto_figure, render_html, write_pdf, write_report)
from tsqa.settings import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "test-artifacts"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = "install it with `apt-get install -y chromium fonts-liberation` (Debian/Ubuntu packages)"


def find_browser() -> str:
    override = os.environ.get("TSQA_CHROMIUM")
    if override:
        return override
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"no Chromium found on PATH (looked for {', '.join(BROWSER_NAMES)}); {INSTALL_HINT}",
                pytrace=False)


class DevToolsPipe:
    """A minimal Chrome DevTools protocol client over --remote-debugging-pipe: Chromium
    reads NUL-terminated JSON commands on fd 3 and writes responses and events on fd 4."""

    def __init__(self, browser: str, profile_dir: Path, width: int = 1400, height: int = 1000,
                 offline: bool = False) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_fds() -> None:  # runs in the child before exec: our pipe ends become fds 3 and 4
            high_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 64)
            high_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 64)
            os.dup2(high_read, 3)  # dup2 makes the new fd inheritable
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile_dir}", f"--window-size={width},{height}",
             # offline: every request that would leave the machine goes to a proxy that
             # does not exist (port 9, discard), loopback included
             *(["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"] if offline else []),
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=wire_fds, close_fds=False,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"Chromium closed the DevTools pipe:\n{stderr[-2000:]}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


CHARTS_RENDERED_JS = """
(() => {
  const divs = Array.from(document.querySelectorAll('div.plotly-graph-div'));
  return JSON.stringify({
    charts: divs.map(d => ({id: d.id, svgs: d.querySelectorAll('svg.main-svg').length,
                             traces: (d.data || []).length})),
    tiles: document.querySelectorAll('.tile').length,
    validation: (document.getElementById('validation') || {dataset: {}}).dataset.status || null,
    title: document.title,
  });
})()
"""


#: Pairs of text boxes that overlap inside a chart (titles, tick labels, legend, annotations).
OVERLAPS_JS = """
(() => {
  const out = [];
  const boxes = (root, sel) => Array.from(root.querySelectorAll(sel))
      .filter(e => (e.textContent || '').trim())
      .map(e => ({text: e.textContent.trim(), r: e.getBoundingClientRect()})).filter(b => b.r.width > 0);
  for (const d of document.querySelectorAll('div.plotly-graph-div')) {
    const all = [].concat(boxes(d, '.annotation-text'), boxes(d, '.xtick text'), boxes(d, '.ytick text'),
      boxes(d, '.y2tick text'), boxes(d, '.gtitle'), boxes(d, '.xtitle, .x2title, .x3title, .x4title'),
      boxes(d, '.ytitle, .y2title, .y3title, .y4title'), boxes(d, '.legendtext'),
      boxes(d, '.updatemenu-header-group text'));
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
      const a = all[i].r, b = all[j].r;
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        out.push(d.id + ': "' + all[i].text + '" / "' + all[j].text + '"');
    }
  }
  return JSON.stringify(out);
})()
"""

#: Per chart: the lower end of every y axis as drawn, and the no-data messages shown.
AXES_JS = """
(() => JSON.stringify(Array.from(document.querySelectorAll('div.plotly-graph-div')).map(d => ({
  id: d.id,
  y_min: Object.keys(d._fullLayout).filter(k => /^yaxis\\d*$/.test(k) && d._fullLayout[k].visible !== false)
           .map(k => d._fullLayout[k].range[0]),
  untitled: Object.keys(d._fullLayout).filter(k => /^[xy]axis\\d*$/.test(k) && d._fullLayout[k].visible !== false
           && d._fullLayout[k].anchor !== undefined && !((d._fullLayout[k].title || {}).text)),
  messages: Array.from(d.querySelectorAll('.annotation-text')).map(e => e.querySelectorAll('tspan.line').length
           ? Array.from(e.querySelectorAll('tspan.line')).map(t => t.textContent).join(' ') : e.textContent)
           .filter(t => t.startsWith('No ')),
}))))()
"""


def load_page(html_file: Path, screenshot: Path, probes: dict[str, str] | None = None,
              offline: bool = False) -> dict[str, Any]:
    """Open the page in headless Chromium (with ``offline``, no network at all); return
    the errors, requests, chart census and the value of each probe (a JS expression
    returning JSON, evaluated once the charts are drawn)."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="tsqa-chromium-") as profile:
        devtools = DevToolsPipe(browser, Path(profile), offline=offline)
        try:
            target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                devtools.send(f"{domain}.enable", session=session)
            if offline:
                devtools.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                              "downloadThroughput": -1, "uploadThroughput": -1}, session=session)
            devtools.send("Emulation.setDeviceMetricsOverride",
                          {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)
            devtools.send("Page.navigate", {"url": html_file.resolve().as_uri()}, session=session)
            devtools.wait_for("Page.loadEventFired", session)
            census: dict[str, Any] = {}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # plotly draws after load; wait until every chart has an svg
                result = devtools.send("Runtime.evaluate", {"expression": CHARTS_RENDERED_JS, "returnByValue": True},
                                       session=session)
                census = json.loads(result["result"]["value"])
                if all(c["svgs"] > 0 for c in census["charts"]):
                    break
                time.sleep(0.25)
            probed = {name: json.loads(devtools.send("Runtime.evaluate", {"expression": js, "returnByValue": True},
                                                     session=session)["result"]["value"])
                      for name, js in (probes or {}).items()}
            metrics = devtools.send("Page.getLayoutMetrics", session=session)
            height = int(metrics["cssContentSize"]["height"])
            devtools.send("Emulation.setDeviceMetricsOverride",
                          {"width": 1400, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False},
                          session=session)
            time.sleep(0.5)
            shot = devtools.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                 session=session, timeout=60)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        finally:
            devtools.close()
    events = [e for e in devtools.events if e.get("sessionId") == session]
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("text", "") + " "
                          + str(params["exceptionDetails"].get("exception", {}).get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(params["entry"].get("text", ""))
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    return {"errors": errors, "requests": requests, "census": census, "probes": probed}


@pytest.fixture(scope="module")
def report_page(sample_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page as `tsqa report` writes it without --month: the latest complete month
    (the sample's data run to 31 October, its as-of time falls before the month ends)."""
    out = tmp_path_factory.mktemp("report") / "mqr_default.html"
    return write_report(sample_warehouse.path, None, out)


def test_report_defaults_to_the_latest_complete_month(sample_warehouse: Warehouse, report_page: Path) -> None:
    complete = sample_warehouse.query(
        "select month_start, is_complete_month from marts.mart_monthly_quality_report "
        "where vendor_code = 'all' order by month_start desc limit 2")
    assert complete == [(date(2026, 10, 1), False), (date(2026, 9, 1), True)]
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        assert default_month(con) == date(2026, 9, 1)
    assert latest_report_month(sample_warehouse.path) == "2026-09"
    page = report_page.read_text(encoding="utf-8")
    assert "<title>Monthly Quality Report · September 2026</title>" in page
    assert "month not complete" not in page
    # asked for by name, the partial month is still there, and says so
    october = write_report(sample_warehouse.path, "2026-10", report_page.with_name("mqr_2026-10.html"))
    assert "October 2026 (month not complete at the build&#x27;s as-of time)" in october.read_text(encoding="utf-8")


def test_report_page_renders_in_chromium(report_page: Path) -> None:
    screenshot = ARTIFACTS / "mqr_default.png"
    screenshot.unlink(missing_ok=True)
    result = load_page(report_page, screenshot, probes={"overlaps": OVERLAPS_JS, "axes": AXES_JS})

    assert result["errors"] == [], f"console errors: {result['errors']}"
    # self-contained: the only request is the page itself
    assert all(url.startswith(("file:", "data:")) for url in result["requests"]), result["requests"]
    census = result["census"]
    chart_ids = {c["id"] for c in census["charts"]}
    assert chart_ids == {"accuracy-trend", "p-chart", "pareto", "calibration", "lert-sla"}
    not_drawn = [c for c in census["charts"] if c["svgs"] == 0 or c["traces"] == 0]
    assert not not_drawn, f"charts without an svg or without data: {not_drawn}"
    assert census["tiles"] == 10
    assert census["validation"] == "not_validated"
    assert census["title"] == "Monthly Quality Report · September 2026"
    assert screenshot.stat().st_size > 50_000  # a real picture, not a blank page
    # no text drawn over other text; every axis titled; no axis below zero; data everywhere
    assert result["probes"]["overlaps"] == []
    for chart in result["probes"]["axes"]:
        assert chart["untitled"] == [], chart
        assert all(low >= -1e-9 for low in chart["y_min"]), chart
        assert chart["messages"] == [], chart


def test_charts_with_little_or_no_data(sample_warehouse: Warehouse, tmp_path: Path) -> None:
    """A month with almost nothing: one queue with two error-free weeks, no coded error,
    no calibration session, no law-enforcement request. Each chart says so in words;
    no axis runs below zero."""
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        data = load_report_data(con, date(2026, 9, 1))
    weeks = [r for r in data.error_trends if r["queue_code"] == "comments"][-2:]
    quiet = [{**r, "errors": 0, "error_rate": 0.0, "lcl": 0.0, "ucl": 0.0, "centre_line": 0.0,
              "beyond_limits": False, "run_of_8": False} for r in weeks]
    little = dataclasses.replace(data, error_trends=quiet, pareto=[], calibration_monthly=[],
                                 calibration_sessions=[], lert_sla=[], review_trend=[])
    page = tmp_path / "little.html"
    page.write_text(render_html(little), encoding="utf-8")
    result = load_page(page, ARTIFACTS / "mqr_little_data.png", probes={"overlaps": OVERLAPS_JS, "axes": AXES_JS})
    assert result["errors"] == []
    axes = {chart["id"]: chart for chart in result["probes"]["axes"]}
    assert all(low >= -1e-9 for chart in axes.values() for low in chart["y_min"]), axes
    assert axes["pareto"]["messages"] == [
        "No coded errors in September 2026: no incorrect audit carried a root cause"]
    assert axes["calibration"]["messages"] == ["No calibration sessions in the last 12 months",
                                               "No calibration session in September 2026"]
    assert axes["lert-sla"]["messages"] == [
        "No request with an SLA outcome received in September 2026",
        "No request with an SLA outcome in the last 12 months"]
    assert axes["p-chart"]["messages"] == [] and axes["accuracy-trend"]["messages"] == []
    assert result["probes"]["overlaps"] == []


def test_pareto_leads_with_every_queue_and_charts_name_things(sample_warehouse: Warehouse) -> None:
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        data = load_report_data(con, date(2026, 9, 1))
    fig = pareto_figure(data)
    menu = fig.layout.updatemenus[0]
    assert menu.buttons[0].label == "All queues"
    assert [b.label for b in menu.buttons[1:]] == sorted(data.queue(q) for q in {r["queue_code"] for r in data.pareto
                                                                                 if r["queue_code"] != "all"})
    first = fig.data[0]
    assert first.visible is True and all(trace.visible is False for trace in fig.data[2:])
    # the all-queue bars add up to every queue's coded errors of the month (per-queue mart)
    per_queue = sample_warehouse.scalar(
        "select sum(errors) from marts.mart_root_cause_pareto where month_start = '2026-09-01'")
    assert sum(first.y) == per_queue and list(first.y) == sorted(first.y, reverse=True)
    codes = {r["root_cause_code"] for r in data.pareto}
    assert not codes & {label.replace("<br>", " ") for label in first.x}
    assert "Recent policy change" in {label.replace("<br>", " ") for label in first.x}
    # legends and panel titles: names, not codes
    vendors = {r["vendor_code"]: r["vendor_name"] for r in data.quality if r["vendor_code"] != "all"}
    names = {trace.name for trace in accuracy_trend_figure(data).data if trace.showlegend is not False}
    assert names == {"All vendors (pooled)", "Target (all vendors)", *vendors.values()}
    panel_titles = {a.text for a in p_chart_figure(data).layout.annotations}
    assert "Hate and harassment" in panel_titles and "hate_harassment" not in panel_titles
    legend = {trace.name for trace in calibration_figure(data).data if trace.name}
    assert "Hate and harassment" in legend and "hate_harassment" not in legend


def test_headline_is_the_population_estimate_and_never_green_when_inconclusive(
        report_page: Path, sample_warehouse: Warehouse) -> None:
    import duckdb

    page = report_page.read_text(encoding="utf-8")
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        rows = con.execute("select vendor_code, target_status, est_wrong_decisions, margin_of_error_max "
                           "from marts.mart_monthly_quality_report where month_start = ?",
                           [default_month(con)]).fetchall()  # the month the default page shows
    statuses = [r[1] for r in rows]
    assert "inconclusive" in statuses  # the sample month has small vendor samples
    # one status badge per vendor-table row plus the accuracy tile's ('all' row)
    tile_status = dict((r[0], r[1]) for r in rows)["all"]
    expected_green = statuses.count("met") + (tile_status == "met")
    expected_amber = statuses.count("inconclusive") + (tile_status == "inconclusive")
    assert page.count('badge good">target met') == expected_green
    assert page.count('badge warn">sample too small') == expected_amber
    assert 'badge good">met' not in page  # the old two-state badge is gone
    # the tile says by how much the sample is too small, and what each number estimates
    if tile_status == "inconclusive":
        assert "sample too small: margin of error" in page
    assert "Accuracy of decisions (estimate)" in page and "Audited accuracy, all audit sources" in page
    assert page.count("an estimated ") >= len(rows)  # the tile and every vendor row
    assert "wrong decisions of" in page


def test_report_prints_to_pdf(report_page: Path) -> None:
    find_browser()  # fails with the install hint when there is no browser
    pdf = write_pdf(report_page, ARTIFACTS / "mqr_default.pdf")
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    # several pages of drawn charts, not an empty document
    assert content.count(b"/Type /Page") - content.count(b"/Type /Pages") >= 2
    assert len(content) > 100_000


class _TagCensus(HTMLParser):
    """Tags that would load something: <script src>, <link href>, <img src>, <iframe> ..."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[tuple[str, str]] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("data:", "#")) \
                    and not (tag == "a" and not value.startswith(("http:", "https:", "//"))):
                self.external.append((tag, value))
        if tag == "script" and not dict(attrs).get("src"):
            self.inline_scripts += 1


def test_report_page_is_self_contained(report_page: Path) -> None:
    census = _TagCensus()
    census.feed(report_page.read_text(encoding="utf-8"))
    # nothing is loaded from anywhere: plotly.js and every figure are inline scripts
    assert census.external == []
    assert census.inline_scripts >= 1 + 5


def test_missing_browser_is_a_failure_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("TSQA_CHROMIUM", raising=False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        find_browser()
