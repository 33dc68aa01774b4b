"""Every command the README shows works as printed (issue 15, item 1).

Commands are read from the README's ```bash blocks and from its inline code spans
that start with a tool name. ``make`` commands must name a Makefile target (checked
with ``make -n``, which prints the recipe without running it); ``tsqa`` commands must
parse with the CLI's own parser; ``dbt``, ``duckdb`` and ``sqlfluff`` must be installed
in ``.venv/bin``, which the README's activation line puts on PATH; a bare ``uv run``
is not shown (uv lives in ``.tools/bin`` on a fresh machine).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tsqa import cli
from tsqa.settings import PROJECT_DIR

README = PROJECT_DIR / "README.md"
TOOLS = ("make", "tsqa", "dbt", "duckdb", "sqlfluff", "uv")


def readme_commands(text: str) -> list[str]:
    """Shell commands shown in the README: lines of ```bash blocks (comments and
    variable assignments left out) and inline code spans that start with a tool."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not re.match(r"^(export\s+)?\w+=", line):
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        words = span.split()
        # a span like `TSQA_RAW_DIR=... make dbt ARGS=build`: the command after the variables
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words = words[1:]
        if words and words[0] in TOOLS and len(words) > 1:
            commands.append(" ".join(words))
    return commands


def split(command: str) -> list[str]:
    words = shlex.split(command)
    return words[: words.index("<")] if "<" in words else words


def test_readme_commands_are_found() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    # the ones an analyst types first, as the README prints them
    for expected in ("make demo", "make sql", "make report MONTH=2026-09", "make lint",
                     "make analysis NAME=experiment_readout VARS='{experiment_id: EXP-01}'"):
        assert expected in commands
    assert len({c.split()[0] for c in commands} & {"make", "tsqa", "dbt"}) == 3


def make_commands() -> list[str]:
    return sorted({c for c in readme_commands(README.read_text(encoding="utf-8")) if c.startswith("make ")})


@pytest.mark.parametrize("command", make_commands())
def test_make_command_is_a_target(command: str) -> None:
    done = subprocess.run(["make", "-n", *split(command)[1:]], cwd=PROJECT_DIR, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, f"`{command}`: {done.stderr.strip()}"
    # a name only listed in .PHONY has no recipe: make -n then has "Nothing to be done"
    assert done.stdout.strip() and "Nothing to be done" not in done.stdout, f"`{command}` has no recipe"


def test_tsqa_commands_parse_and_tools_are_installed() -> None:
    text = README.read_text(encoding="utf-8")
    commands = readme_commands(text)
    parser = cli.build_parser()
    for command in commands:
        words = split(command)
        if words[0] == "tsqa" and len(words) > 1:
            parser.parse_args(words[1:])  # SystemExit (a failure) on an unknown option
        assert words[0] != "uv", f"`{command}`: uv is .tools/bin/uv unless on PATH; show a make target"
    assert "source .venv/bin/activate" in text
    for tool in ("tsqa", "dbt", "duckdb", "sqlfluff"):
        assert (PROJECT_DIR / ".venv" / "bin" / tool).exists(), f"{tool} is not installed in .venv/bin"


def test_sql_target_opens_the_published_file_read_only(tmp_path: Path) -> None:
    """`make sql` runs a query on the published file while another process holds it
    open read-only (as Tableau does), and writes nothing."""
    import duckdb

    warehouse = tmp_path / "shop.duckdb"
    # written as the warehouse is (profiles.yml): readable by DuckDB 1.2+ clients
    with duckdb.connect(str(warehouse), config={"storage_compatibility_version": "v1.2.0"}) as con:
        con.execute("create table t as select 42 as answer")
    before = warehouse.read_bytes()
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        done = subprocess.run(["make", "--no-print-directory", "sql", "ARGS="], cwd=PROJECT_DIR,
                              input="select answer from t;\n", capture_output=True, text=True, check=False,
                              env={**_env(), "TSQA_DUCKDB_PATH": str(warehouse)})
        assert done.returncode == 0, done.stderr
        assert "42" in done.stdout
        refused = subprocess.run(["make", "--no-print-directory", "sql"], cwd=PROJECT_DIR,
                                 input="create table u as select 1;\n", capture_output=True, text=True,
                                 check=False, env={**_env(), "TSQA_DUCKDB_PATH": str(warehouse)})
        assert "read-only" in (refused.stdout + refused.stderr).lower()
    finally:
        reader.close()
    assert warehouse.read_bytes() == before


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
