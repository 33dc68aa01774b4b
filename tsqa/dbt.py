"""Run dbt for tsqa: one function, used by the CLI and the tests.

dbt runs in a child process so that its DuckDB connections are closed (and the file
lock released) when it returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tsqa.settings import PROJECT_DIR


class DbtError(RuntimeError):
    """dbt exited non-zero; the message holds the tail of its output."""


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    target_path: Path | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` in the project folder with ``env`` added to the environment.

    ``target_path`` keeps dbt's artefacts apart (tests and parallel builds each use their
    own). With ``capture`` the output is returned instead of streamed; either way a
    failure raises DbtError with the end of the output.
    """
    full_env = {**os.environ, **(env or {})}
    command = [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
        full_env.setdefault("DBT_LOG_PATH", str(Path(target_path) / "logs"))
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
