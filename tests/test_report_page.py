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
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Warehouse
from tsqa.report import write_pdf, write_report
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

    def __init__(self, browser: str, profile_dir: Path, width: int = 1400, height: int = 1000) -> None:
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


def load_page(html_file: Path, screenshot: Path) -> dict[str, Any]:
    """Open the page in headless Chromium; return the errors, requests and chart census."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="tsqa-chromium-") as profile:
        devtools = DevToolsPipe(browser, Path(profile))
        try:
            target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                devtools.send(f"{domain}.enable", session=session)
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
                if census["charts"] and all(c["svgs"] > 0 for c in census["charts"]):
                    break
                time.sleep(0.25)
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
    return {"errors": errors, "requests": requests, "census": census}


@pytest.fixture(scope="module")
def report_page(sample_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "mqr_2026-10.html"
    return write_report(sample_warehouse.path, "2026-10", out)


def test_report_page_renders_in_chromium(report_page: Path) -> None:
    screenshot = ARTIFACTS / "mqr_2026-10.png"
    screenshot.unlink(missing_ok=True)
    result = load_page(report_page, screenshot)

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
    assert census["title"] == "Monthly Quality Report · October 2026"
    assert screenshot.stat().st_size > 50_000  # a real picture, not a blank page


def test_headline_is_the_population_estimate_and_never_green_when_inconclusive(
        report_page: Path, sample_warehouse: Warehouse) -> None:
    import duckdb

    page = report_page.read_text(encoding="utf-8")
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as con:
        rows = con.execute("select vendor_code, target_status, est_wrong_decisions, margin_of_error_max "
                           "from marts.mart_monthly_quality_report where month_start = date '2026-10-01'").fetchall()
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
    pdf = write_pdf(report_page, ARTIFACTS / "mqr_2026-10.pdf")
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
