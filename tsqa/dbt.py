"""Run dbt for tsqa: one function, used by the CLI and the tests.

dbt runs in a child process so that its DuckDB connections are closed (and the file
lock released) when it returns.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tsqa.settings import PROJECT_DIR


class DbtError(RuntimeError):
    """dbt exited non-zero; the message holds the tail of its output."""


#: How often a long dbt command reports its progress (seconds) when its output is
#: captured; tests set 0 (a line for every finished node).
PROGRESS_SECONDS = 10.0

#: dbt's line for a finished node: "12:00:03  17 of 528 OK created sql view model ...".
_FINISHED = re.compile(r"\b\d+ of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")
_FOUND = re.compile(r"\bFound (\d+) models?")


@dataclass
class DbtProgress:
    """What dbt has said so far: nodes finished out of the total, and failures."""

    finished: int = 0
    total: int | None = None
    failed: int = 0
    parsed: bool = False

    def read(self, line: str) -> bool:
        """Take one line of dbt's output; True when the progress changed."""
        match = _FINISHED.search(line)
        if match:
            # hooks are numbered on their own ("1 of 1"); dbt's TOTAL counts them too
            self.finished += 1
            self.total = max(self.total or 0, int(match.group(1)))
            self.failed += match.group(2) in ("ERROR", "FAIL")
            return True
        if not self.parsed and (_FOUND.search(line) or "Concurrency:" in line):
            self.parsed = True
            return True
        return False

    def line(self, seconds: float) -> str:
        if self.total is None:
            doing = "running" if self.parsed else "parsing the project"
            return f"      dbt: {doing} ({seconds:.0f}s)"
        failed = f", {self.failed} failed" if self.failed else ""
        return f"      dbt: {self.finished} of {self.total} nodes done{failed} ({seconds:.0f}s)"


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    target_path: Path | None = None,
    capture: bool = False,
    progress: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` in the project folder with ``env`` added to the environment.

    ``target_path`` keeps dbt's artefacts apart (tests and parallel builds each use their
    own). With ``capture`` the output is returned instead of streamed, and ``progress``
    (if given) receives a line with dbt's node count at least every PROGRESS_SECONDS;
    either way a failure raises DbtError with the end of the output. dbt's colour
    codes are turned off unless its output goes to a terminal (``DBT_USE_COLORS``
    set by the caller wins).
    """
    full_env = {**os.environ, **(env or {})}
    if capture or not sys.stdout.isatty():
        full_env.setdefault("DBT_USE_COLORS", "false")
    command = [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
        full_env.setdefault("DBT_LOG_PATH", str(Path(target_path) / "logs"))
    if capture and progress is not None:
        result = _run_with_progress(command, full_env, progress)
    else:
        result = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env=full_env,
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join((result.stdout or "").splitlines()[-40:])
        raise DbtError(f"dbt {' '.join(args)} failed (exit {result.returncode})\n{tail}")
    return result


def _run_with_progress(command: list[str], env: Mapping[str, str],
                       say: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    """Run dbt with its output captured, saying its node count at least every
    PROGRESS_SECONDS (also while one long node runs and nothing is printed)."""
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=dict(env), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, bufsize=1)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            lines.put(text)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    output: list[str] = []
    state = DbtProgress()
    started = last = time.monotonic()
    changed = False
    while True:
        wait = max(0.05, PROGRESS_SECONDS - (time.monotonic() - last))
        try:
            text = lines.get(timeout=wait)
        except queue.Empty:
            text = ""
        if text is None:
            break
        if text:
            output.append(text)
            changed |= state.read(text)
        now = time.monotonic()
        # every PROGRESS_SECONDS at the latest; with 0, only when something changed
        if now - last >= PROGRESS_SECONDS and (changed or PROGRESS_SECONDS > 0):
            say(state.line(now - started))
            last, changed = now, False
    reader.join()
    returncode = process.wait()
    return subprocess.CompletedProcess(command, returncode, "".join(output), None)
