"""A landing path DuckDB's reader cannot name is refused by the listing, with its fix.

DuckDB's file functions take glob patterns; tsqa escapes a path's glob characters
(`[`, `*`, `?` as `[[]`, `[*]`, `[?]`) so that a name is read literally. But once a
pattern has a glob character, DuckDB splits it at backslashes too (as path separators),
and a name holding a backslash is then found nowhere: the build stopped with "No files
found that match the pattern", naming no fix. Now the listing refuses such a file (on
both engines, so that they read the same files) before anything is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CONTRACT_COLUMNS, Landing, Warehouse
from tsqa import landing as landing_module
from tsqa.dbt import DbtError

HEADER = ",".join(CONTRACT_COLUMNS["moderation_decisions"])
ROW = "D1,C1,U1,video_general,M0001,approve,,video,IE,2026-10-01T11:00:00Z,20"
BACKSLASHED = "moderation_decisions_2026-10-02_a\\b.csv"


def write(root: Path, name: str) -> Path:
    folder = root / "moderation_decisions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{HEADER}\n{ROW}\n")
    return folder / name


def test_a_backslash_in_a_path_with_glob_characters_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "land[1]"
    write(root, "moderation_decisions_2026-10-01.csv")
    bad = write(root, BACKSLASHED)
    listing = landing_module.list_landing(root, ignore="")
    assert [p.split(": ")[0] for p in listing.problems] == [str(bad)]
    assert "fix: rename it without the backslash" in listing.problems[0]
    assert [Path(f).name for f in listing.files["moderation_decisions"]] == ["moderation_decisions_2026-10-01.csv"]


@pytest.mark.parametrize("root_name, name", [("land", BACKSLASHED), ("land[1]", "moderation_decisions_2026-10-02.csv")])
def test_a_backslash_alone_or_glob_characters_alone_are_read(tmp_path: Path, root_name: str, name: str) -> None:
    """Not over-refused: DuckDB reads a backslash in a path with no glob character, and
    an escaped glob character in a path with no backslash."""
    import duckdb

    root = tmp_path / root_name
    path = write(root, name)
    listing = landing_module.list_landing(root, ignore="")
    assert listing.problems == [] and listing.files["moderation_decisions"] == [str(path)]
    escaped = landing_module.glob_escape(str(path))
    assert duckdb.execute("select count(*) from read_csv(?)", [escaped]).fetchone() == (1,)


def test_the_duckdb_build_stops_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    landing = Landing(tmp_path / "land[1]" / "raw")
    write(landing.root, "moderation_decisions_2026-10-01.csv")
    bad = write(landing.root, BACKSLASHED)
    with pytest.raises(DbtError) as failed:
        Warehouse(tmp_path / "wh", landing).build("landing__moderation_decisions")
    assert str(bad) in str(failed.value) and "rename it without the backslash" in str(failed.value)
