"""What a landing file is, and how many data lines it holds (raw_contract.md).

Written once in Python and used by both sides: the gated build's first step
(``tsqa.publish.check_landing``) and dbt, through DuckDB functions the tsqa dbt plugin
registers on every connection (``tsqa/dbt_plugin.py``):

``tsqa_landing_listing(raw_dir, ignore)``  JSON: every landing file by entity (exact
    paths), and every entry of the landing root that is not a landing file (a problem
    that stops the build unless ``ignore`` names it). dbt never lists a folder with a
    glob pattern, and names are read as literals (``glob_escape``).
``tsqa_file_facts(path)``  the independent count of a file's data lines: for a CSV file
    every physical line after the header that is not blank and does not continue a
    properly quoted field (a quote left open to the end of the file swallows the lines
    after it; each of them is counted); for a Parquet file its row count from the footer.
    Also whether the CSV file's last line was cut (no line end where the others have one).
``tsqa_last_line_cut(path)``  the same cut-line rule, reading only the end of the file.
``tsqa_physical_lines(path, offsets)``  the physical line (1-based) of each byte offset.
``tsqa_reject_records(path, offsets)``  where each malformed record the CSV parser found
    starts and ends in the file, and the lines a quote left open swallowed.

A landing file is a regular file (not a symbolic link, device or folder) directly in
one of the contract's entity folders, named ``*.csv`` or ``*.parquet`` (lower case), with
one name only (a hard link is refused: it can give a file outside the landing root a
name inside it). Anything else in the landing root is a problem, named with what it is.

Between the listing and a read, a file can be swapped (for a symbolic link, a named pipe,
another file) or written. The listing records each file's identity (device, inode, size,
modification and change times, and its folder's device, inode and change time) the first
time a process lists it, and every read here opens the file without following a symbolic
link or blocking on a pipe, through its folder opened the same way, and refuses a file
whose identity is not the listed one (``LandingFileChanged``). dbt's landing model asks
``tsqa_last_line_cut`` of every CSV file it read in the same statement that reads it, and
the reconciliation counts every file, so a file DuckDB read after a swap stops the build
before its rows reach a table (CSV) or before the build ends (Parquet). Renaming a
file or folder away and back changes its change time, so a swap that is undone before
the check is found as well.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tsqa import contract

#: Entity folders the landing layer reads (the landing contract, tsqa/contract.py).
LANDING_ENTITIES = contract.entities()
LANDING_SUFFIXES = (".csv", ".parquet")
#: Environment variable (and dbt var ``landing_ignore``) listing what to ignore.
IGNORE_VARIABLE = "TSQA_LANDING_IGNORE"


@dataclass
class Listing:
    files: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    #: path -> its identity when listed (``_identity``)
    identities: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.files.values())


def ignore_patterns(text: str | None) -> list[str]:
    """``TSQA_LANDING_IGNORE``: comma- or newline-separated paths relative to the landing
    root, shell patterns allowed (``archive``, ``moderators/*.csv.gz``, ``*/.DS_Store``)."""
    return [p.strip().strip("/") for p in (text or "").replace("\n", ",").split(",") if p.strip().strip("/")]


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link (only regular files are read)"
    if stat.S_ISDIR(mode):
        return "a folder (entity folders hold files only)"
    if stat.S_ISFIFO(mode):
        return "a named pipe (only regular files are read)"
    if stat.S_ISSOCK(mode):
        return "a socket (only regular files are read)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device (only regular files are read)"
    return "not a regular file"


HARD_LINK_FIX = ("Fix: copy the file into the landing folder (cp, not ln) so that it has one name; a hard "
                 "link can give any file the build user can read (outside the landing root) a name inside it")


def _identity(file: os.stat_result, folder: os.stat_result) -> tuple[int, ...]:
    """A file's device, inode, size, modification and change times (the change time moves
    on every write, rename and link, and cannot be set back), then its folder's device,
    inode and change time (a file added to or taken from the folder, the folder renamed
    away and back)."""
    return (file.st_dev, file.st_ino, file.st_size, file.st_mtime_ns, file.st_ctime_ns,
            folder.st_dev, folder.st_ino, folder.st_ctime_ns)


#: Identity of each landing file the first time this process listed it (``listing_json``,
#: the listing dbt uses): every later read in this process is checked against it.
_LISTED: dict[str, tuple[int, ...]] = {}


class LandingFileChanged(RuntimeError):
    """A landing file is not the file the listing saw (swapped, linked or written since),
    or is not a regular file with one name: it is not read."""


def _open_folder(path: str) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def open_landing_file(path: str | Path) -> Any:
    """Open a landing file for reading (binary) without following a symbolic link in its
    last two components (its entity folder and itself) and without blocking on a named
    pipe; refuse anything but a regular file with one name, and, when this process listed
    it, anything but the file it listed (``LandingFileChanged``)."""
    text = str(path)
    folder, name = os.path.split(text)
    fix = ("nothing of it is kept. Fix: do not replace, link or write landing files while a build runs "
           "(write a drop under another name outside the folder, then move it in); run the build again")
    try:
        folder_fd = _open_folder(folder or ".")
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise LandingFileChanged(f"{text}: its folder was replaced by a symbolic link or a file after the "
                                     f"build listed it; {fix}") from exc
        raise
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise LandingFileChanged(f"{text}: is a symbolic link (it was replaced by one after the build "
                                         f"listed it; only regular files are read); {fix}") from exc
            raise
        folder_stat = os.fstat(folder_fd)
    finally:
        os.close(folder_fd)
    try:
        stat_now = os.fstat(fd)
        if not stat.S_ISREG(stat_now.st_mode):
            raise LandingFileChanged(f"{text}: is {_kind(stat_now.st_mode)}; {fix}")
        if stat_now.st_nlink > 1:
            raise LandingFileChanged(f"{text}: is a hard link ({stat_now.st_nlink} names for one file). "
                                     + HARD_LINK_FIX)
        listed, now = _LISTED.get(text), _identity(stat_now, folder_stat)
        if listed is not None and listed[:5] != now[:5]:
            raise LandingFileChanged(f"{text}: is not the file the build listed (its device, inode, size, "
                                     "modification or change time differ: it was replaced, renamed, linked or "
                                     f"written since); {fix}")
        if listed is not None and listed != now:
            raise LandingFileChanged(f"{text}: its folder changed after the build listed it (a file was added, "
                                     f"removed or renamed in it, or the folder was replaced); {fix}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def list_landing(raw_dir: str | Path, ignore: str | None = None) -> Listing:
    """Every landing file of ``raw_dir`` by entity (sorted by name), and what else is
    there. A missing landing root lists nothing (the gate checks the root itself). An
    entity folder is opened without following a symbolic link and listed through that
    handle, so what is listed is the folder's own content."""
    # the real path: DuckDB normalises `..` in a path it reads and names the file by the
    # normalised path, which must be the name the listing gave
    root = Path(os.path.realpath(raw_dir))
    patterns = ignore_patterns(ignore if ignore is not None else os.environ.get(IGNORE_VARIABLE))
    listing = Listing({entity: [] for entity in LANDING_ENTITIES})

    def ignored(relative: str) -> bool:
        return any(fnmatch.fnmatchcase(relative, p) for p in patterns)

    if not root.is_dir():
        return listing
    for top in sorted(os.scandir(root), key=lambda e: e.name):
        relative = top.name
        if ignored(relative):
            listing.ignored.append(f"{top.path}")
            continue
        mode = os.lstat(top.path).st_mode
        if top.name not in LANDING_ENTITIES:
            what = "a folder" if stat.S_ISDIR(mode) and not stat.S_ISLNK(mode) else _kind(mode)
            if stat.S_ISREG(mode):
                what = "a file"
            listing.problems.append(f"{top.path}: is {what} in the landing root, not one of the entity folders "
                                    f"({', '.join(LANDING_ENTITIES)})")
            continue
        if not stat.S_ISDIR(mode):
            listing.problems.append(f"{top.path}: is {_kind(mode)}, not an entity folder")
            continue
        try:
            folder_fd = _open_folder(top.path)
        except OSError as exc:
            listing.problems.append(f"{top.path}: cannot be listed ({exc.strerror or exc}; it was replaced "
                                    "after it was looked at, or is not readable)")
            continue
        try:
            folder_stat = os.fstat(folder_fd)
            for entry in sorted(os.scandir(folder_fd), key=lambda e: e.name):
                path = os.path.join(top.path, entry.name)
                relative = f"{top.name}/{entry.name}"
                if ignored(relative):
                    listing.ignored.append(path)
                    continue
                entry_stat = os.stat(entry.name, dir_fd=folder_fd, follow_symlinks=False)
                mode = entry_stat.st_mode
                if not stat.S_ISREG(mode):
                    listing.problems.append(f"{path}: is {_kind(mode)}")
                elif not entry.name.endswith(LANDING_SUFFIXES):
                    listing.problems.append(f"{path}: is not named *.csv or *.parquet (lower case); "
                                            "its rows would be in no count")
                elif "\\" in path and any(c in path for c in "[*?"):
                    listing.problems.append(f"{path}: has a backslash in a path with a glob character ([, * or ?): "
                                            "DuckDB's reader then takes the backslash for a path separator and "
                                            "cannot find the file; fix: rename it without the backslash")
                elif entry_stat.st_nlink > 1:
                    listing.problems.append(f"{path}: is a hard link ({entry_stat.st_nlink} names for one file). "
                                            + HARD_LINK_FIX)
                else:
                    listing.files[top.name].append(path)
                    listing.identities[path] = _identity(entry_stat, folder_stat)
        finally:
            os.close(folder_fd)
    return listing


def listing_json(raw_dir: str, ignore: str | None) -> str:
    """``tsqa_landing_listing``: the listing as JSON; each file's identity is recorded the
    first time this process lists it, and every read of the file is checked against it."""
    listing = list_landing(raw_dir, ignore)
    for path, identity in listing.identities.items():
        _LISTED.setdefault(path, identity)
    return json.dumps({"files": listing.files, "problems": listing.problems, "ignored": listing.ignored})


def glob_escape(path: str) -> str:
    """A path DuckDB reads literally: its file functions take glob patterns, and a
    bracketed character matches itself (``[[]``, ``[*]``, ``[?]``)."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


# ---------------------------------------------------------------------------
# Counting data lines, independently of the CSV parser
# ---------------------------------------------------------------------------


def csv_facts(path: str | Path, chunk_size: int = 1 << 24) -> tuple[int, bool]:
    """(data lines, last line cut) of a CSV file.

    A record runs from a line that starts outside quotes to the line where the quotes
    it opened are balanced again (RFC 4180: ``""`` inside a quoted field is two quote
    characters, so quote parity tells whether a line ends inside a quoted field). A
    record whose quotes balance is one data line, whatever the line breaks inside its
    quoted fields; a record whose quote is still open at the end of the file is not a
    properly quoted field, and each of its non-blank lines is a data line. The first
    record is the header. Blank lines are not data lines.

    The last line is "cut" when the file does not end with a line break although its
    other lines have one (an upstream writer stopped mid-line).

    Chunks without a quote are counted by their line ends; chunks with quotes (audit
    notes) line by line in numpy (``_count_records``), not in a Python loop; lines of
    blanks are looked for with one regex scan (issue 18: the scale-500 landing folder,
    1.29 GB, took 6.8 s, 6.2 s of it in six ``in`` scans per chunk; now 1.45 s).
    """
    state = _RecordState()
    last = b""
    with open_landing_file(path) as handle:
        rest = b""
        while chunk := handle.read(chunk_size):
            chunk = rest + chunk
            cut = chunk.rfind(b"\n")
            if cut == -1:
                rest = chunk
                continue
            body, rest = chunk[:cut + 1], chunk[cut + 1:]
            last = body[body.rfind(b"\n", 0, len(body) - 1) + 1:]
            if state.header_seen and not state.open_quote and b'"' not in body:
                # fast path: no quote, so every line is a record of its own
                lines = body.count(b"\n")
                state.lines += lines
                state.data += lines - _blank_lines(body)
            else:
                _count_records(body, state)
        if rest:
            last = rest
            _count_records(rest + b"\n", state)   # the same line, as far as counting goes
    data = state.data
    if state.open_quote:
        # swallowed lines: each counts; the header's own first line does not
        data += state.open_lines - (0 if state.header_seen else 1)
    truncated = state.lines > 1 and not last.endswith(b"\n") and bool(last.strip())
    return data, truncated


@dataclass
class _RecordState:
    """Where ``csv_facts`` is after the lines it has read."""
    data: int = 0              # records after the header
    header_seen: bool = False  # the first record (the header) has been read
    open_quote: bool = False   # the last line read ends inside a quoted field
    open_lines: int = 0        # non-blank lines of the record still open
    lines: int = 0             # lines read


def _count_records(body: bytes, state: _RecordState) -> None:
    """Advance ``state`` over ``body`` (whole lines, each ending with LF; a bare CR is
    text). Per line: its quotes' parity, so whether the text read so far ends inside
    a quoted field (``inside``), and whether it is blank (ASCII whitespace only, as
    ``bytes.strip``). A line ends a record when it ends outside quotes and is not
    blank (a line that closes a quote holds one); a record still open holds the
    non-blank lines since the last line that ended outside quotes."""
    import numpy as np

    data = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if not len(ends):
        return
    quotes = np.flatnonzero(data == 34)
    per_line = np.diff(np.searchsorted(quotes, ends), prepend=0)
    inside = ((np.cumsum(per_line & 1) + state.open_quote) & 1).astype(bool)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if _may_hold_blank_lines(body):
        blank_ends = np.fromiter((m.end() - 1 for m in _BLANK_LINE.finditer(body)), dtype=np.int64)
        blank = np.isin(ends, blank_ends)
    else:
        blank = ends == starts   # only empty lines can be blank here
    records = int(np.count_nonzero(~inside & ~blank))
    if records and not state.header_seen:
        state.header_seen, records = True, records - 1
    state.data += records
    state.lines += len(ends)
    state.open_quote = bool(inside[-1])
    if state.open_quote:
        closed = np.flatnonzero(~inside)
        after = closed[-1] + 1 if len(closed) else 0
        state.open_lines = (0 if len(closed) else state.open_lines) + int(np.count_nonzero(~blank[after:]))
    else:
        state.open_lines = 0


#: A line of blanks (and its line end) in a chunk of a CSV file.
_BLANK_LINE = re.compile(rb"(?m)^[ \t\r\f\v]*\n")
_BLANK_HEADS = (b" ", b"\t", b"\r", b"\f", b"\v")
#: Where a line of blanks may be that an empty-line count misses: two empty lines in a
#: row, or a line that starts with a blank (one regex scan: 12 times faster on a
#: decisions file than looking for each of these with ``in``).
_BLANK_CANDIDATE = re.compile(rb"\n(?:\n\n|[ \t\r\f\v])")


def _may_hold_blank_lines(body: bytes) -> bool:
    """False when every line of blanks in ``body`` is an empty line, alone."""
    return body[:1] in _BLANK_HEADS or _BLANK_CANDIDATE.search(body) is not None


def _blank_lines(body: bytes) -> int:
    """Lines of blanks in ``body`` (whole lines); the common case (none, or single empty
    lines) without a regular expression, which costs 5x more on a large file."""
    if _may_hold_blank_lines(body):
        return len(_BLANK_LINE.findall(body))
    return body.count(b"\n\n") + (1 if body.startswith(b"\n") else 0)


def last_line_cut(path: str) -> bool:
    """``tsqa_last_line_cut``: the rule of ``csv_facts`` for a cut last line, from the end
    of the file only (the landing layer asks it of every new file)."""
    try:
        with open_landing_file(path) as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - 65536))
            tail = handle.read()
    except OSError:
        return False
    if not tail or tail.endswith(b"\n"):
        return False
    cut = tail.rfind(b"\n")
    if cut == -1:
        return csv_facts(path)[1] if size > len(tail) else False
    return bool(tail[cut + 1:].strip())


def parquet_rows(path: str | Path) -> int:
    import pyarrow.parquet as pq

    with open_landing_file(path) as handle:
        return int(pq.ParquetFile(handle).metadata.num_rows)


def file_facts(path: str) -> dict[str, object]:
    """``tsqa_file_facts``: {data_lines, truncated} (data_lines -1 when unreadable)."""
    try:
        if path.endswith(".parquet"):
            return {"data_lines": parquet_rows(path), "truncated": False}
        data, truncated = csv_facts(path)
        return {"data_lines": data, "truncated": truncated}
    except LandingFileChanged:
        raise   # stops the statement (and the build) with the file and the reason
    except Exception:  # noqa: BLE001 - an unreadable file fails the build where it is read
        return {"data_lines": -1, "truncated": False}


def physical_lines(path: str, offsets: list[int] | None) -> list[int]:
    """``tsqa_physical_lines``: the 1-based physical line of each byte offset."""
    if not offsets:
        return []
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    result = [0] * len(offsets)
    count = base = i = 0
    with open_landing_file(path) as handle:
        while chunk := handle.read(1 << 24):
            end, position = base + len(chunk), 0
            while i < len(order) and offsets[order[i]] < end:
                target = max(offsets[order[i]] - base, position)
                count += chunk.count(b"\n", position, target)
                position = target
                result[order[i]] = count + 1
                i += 1
            count += chunk.count(b"\n", position)
            base = end
    for index in order[i:]:
        result[index] = count + 1
    return result


def reject_records(path: str, offsets: list[int] | None) -> list[dict[str, object]]:
    """``tsqa_reject_records``: for each byte offset where the CSV parser found a
    malformed record, the record as the file lays it out (the rule of ``csv_facts``):
    its physical line, the lines it spans, and whether its quote is still open at the
    end of the file; if so, the text of each line it swallowed (each is a data line).
    The parser's own copy of a malformed record is cut at 10,000 characters, so the
    lines are read from the file."""
    if not offsets:
        return []
    lines = physical_lines(path, offsets)
    found: list[dict[str, object]] = []
    with open_landing_file(path) as handle:
        for offset, line in zip(offsets, lines):
            # the parser's position can point one byte into the line: start at the line
            handle.seek(max(0, offset - 65536))
            before = handle.read(offset - max(0, offset - 65536))
            handle.seek(offset - len(before) + before.rfind(b"\n") + 1 if b"\n" in before else max(0, offset - 65536))
            taken: list[bytes] = []
            open_quote = False
            for raw in handle:
                taken.append(raw)
                if raw.count(b'"') & 1:
                    open_quote = not open_quote
                if not open_quote:
                    break
            found.append({
                "line": line,
                "lines_spanned": max(len(taken), 1),
                "unterminated": open_quote,
                "swallowed": [t.rstrip(b"\r\n").decode("utf-8", errors="replace") for t in taken] if open_quote else [],
            })
    return found


def register(con: object) -> None:
    """Register the DuckDB functions above on a connection (idempotent)."""
    import duckdb

    try:
        from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR
    except ImportError:  # DuckDB 1.x
        from duckdb.typing import BIGINT, BOOLEAN, VARCHAR  # type: ignore[no-redef]

    functions = (
        ("tsqa_landing_listing", listing_json, [VARCHAR, VARCHAR], VARCHAR),
        ("tsqa_file_facts", file_facts, [VARCHAR], duckdb.struct_type({"data_lines": BIGINT, "truncated": BOOLEAN})),
        ("tsqa_last_line_cut", last_line_cut, [VARCHAR], BOOLEAN),
        ("tsqa_physical_lines", physical_lines, [VARCHAR, duckdb.list_type(BIGINT)], duckdb.list_type(BIGINT)),
        ("tsqa_reject_records", reject_records, [VARCHAR, duckdb.list_type(BIGINT)], duckdb.list_type(
            duckdb.struct_type({"line": BIGINT, "lines_spanned": BIGINT, "unterminated": BOOLEAN,
                                "swallowed": duckdb.list_type(VARCHAR)}))),
    )
    for name, function, arguments, returns in functions:
        try:
            con.create_function(name, function, arguments, returns, side_effects=True)  # type: ignore[attr-defined]
        except duckdb.Error as exc:
            if "already" not in str(exc):
                raise
