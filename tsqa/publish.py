"""Write, audit, publish (validation.md): the gated build.

``build`` writes a *working* warehouse beside the published one
(``Settings.working_path``), runs ``dbt build`` (every model, data test and unit test;
an incremental build leaves the unit tests out when the published builds passed them on
the same code and toolchain, ``dbt_build_args``) into it, carries the validation
history over, runs the Great Expectations checkpoints against it, and only if
everything passed replaces the published file with it in one atomic rename
(``os.replace``).

- The published file is never opened for writing. It is read (read-only) to copy its
  validation history into the working file, which the row-count checks compare
  against, and copied byte for byte as the start of an incremental build.
- Incremental or full (``plan_build``): the working file starts as a copy of the
  published one, and dbt's incremental models add only what the new landing files
  change, when that gives the same warehouse as a rebuild: the published file has a
  build state, the dbt project (models, macros, seeds, settings) and the key and as-of
  time are the ones it was built with, and every file it landed is still in the
  folder with the same content (SHA-256 of its bytes; a file whose size, mtime, ctime
  and inode are unchanged keeps its recorded hash without being read again). Otherwise, or with
  ``--full-refresh``, the working file starts empty and everything is rebuilt; the
  step says why.
- Readers (Tableau, notebooks) may hold the published file open read-only the whole
  time: the rename swaps the directory entry, the reader keeps the snapshot it opened
  until it reconnects, and a new connection sees the whole new warehouse. No reader
  ever sees a half-built mart: nothing is built in the published file.
- On any failure the published file is left byte for byte as it was, the command
  exits non-zero and says which check failed and where the Data Docs are.
- After the swap, the artefacts people open are written from the published file:
  dbt docs (generated from the working file just before the swap), one Tableau
  ``.hyper`` extract per mart and the Monthly Quality Report page of the latest
  complete month.

``audit`` (``tsqa validate``) and ``publish_working`` (``tsqa publish``) are the two
halves of the gate on their own, for a working warehouse built by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from tsqa import validate as gx_validate
from tsqa.dbt import DbtError, run_dbt
from tsqa.hyper import write_extracts
from tsqa.landing import (IGNORE_VARIABLE, LANDING_ENTITIES, LANDING_SUFFIXES, LandingFileChanged, list_landing,
                          open_landing_file)
from tsqa.report import default_month, write_report
from tsqa.settings import PROJECT_DIR, Settings

Say = Callable[[str], None]

class GateError(RuntimeError):
    """The gate stopped: ``stage`` is the step, the message says why and what to do."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass
class Outcome:
    published: Path
    data_docs: Path
    report: gx_validate.Report | None
    seconds: float
    dbt_docs: Path | None = None
    extracts: list[Path] = field(default_factory=list)
    report_page: Path | None = None


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


def data_docs_dir(cfg: Settings) -> Path:
    return absolute(cfg.artifacts_dir) / "data_docs"


def absolute(path: Path) -> Path:
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def _sidecars(database: Path) -> list[Path]:
    """Files DuckDB keeps beside a database file."""
    return [database.with_name(database.name + ".wal")]


def _remove_database(database: Path) -> None:
    for path in [database, *_sidecars(database)]:
        path.unlink(missing_ok=True)
    shutil.rmtree(database.with_name(database.name + ".tmp"), ignore_errors=True)


@contextlib.contextmanager
def _build_lock(working: Path) -> Iterator[None]:
    """One gated build per warehouse folder at a time: they share the working file and
    the artefacts beside it (Data Docs, reports, extracts). The lock is an flock on the
    folder itself, so no lock file is left behind; the kernel drops it when the process
    ends, however it ends."""
    folder = working.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise GateError("lock", f"another build in {folder} is running (it writes {working.name}); "
                                    "wait for it to finish") from exc
        # the 0-byte lock file earlier versions left beside the warehouse
        working.with_name(working.name + ".lock").unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


# ---------------------------------------------------------------------------
# Step 1: landing files that cannot be read
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LandingCheck:
    files: int
    problems: list[str]
    ignored: list[str]


def check_landing(raw_dir: Path, ignore: str | None = None) -> LandingCheck:
    """The landing root, checked before anything is built (tsqa/landing.py says what a
    landing file is). A missing or empty root is a problem (a typo in TSQA_RAW_DIR must
    not publish an empty warehouse); so is anything in it that is not a landing file (a
    symbolic link, device, sub-folder, other extension, unknown entity folder) unless
    TSQA_LANDING_IGNORE lists it; and every landing file must be readable. A missing or
    empty entity folder is fine (zero rows)."""
    if not raw_dir.exists():
        return LandingCheck(0, [f"{raw_dir}: the landing root does not exist (is TSQA_RAW_DIR right?)"], [])
    if not raw_dir.is_dir():
        return LandingCheck(0, [f"{raw_dir}: the landing root is not a folder (is TSQA_RAW_DIR right?)"], [])
    if not any(raw_dir.iterdir()):
        return LandingCheck(0, [f"{raw_dir}: the landing root is empty (is TSQA_RAW_DIR right?)"], [])
    listing = list_landing(raw_dir, ignore)
    problems = list(listing.problems)
    for files in listing.files.values():
        for name in files:
            problem = _unreadable(Path(name))
            if problem:
                problems.append(f"{name}: {problem}")
    return LandingCheck(listing.count, problems, listing.ignored)


def check_published_unlocked(published: Path) -> str | None:
    """A read-write connection left open on the published file (a notebook's
    ``duckdb.connect(path)``) holds DuckDB's lock: the build could not read its history
    and would fail late. Found before anything is built."""
    if not published.exists():
        return None
    try:
        duckdb.connect(str(published), read_only=True).close()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if "lock" not in first.lower():
            return None
        return (f"the published warehouse {published} is held open for writing by another process "
                f"({first}). Fix: close that connection (a notebook's `duckdb.connect(path)`), and "
                f"open the published file read-only: duckdb.connect(path, read_only=True); then run "
                "`tsqa build` again.")
    return None


def _unreadable(path: Path) -> str | None:
    if path.is_symlink() and not path.exists():
        return "is a broken symbolic link (its target does not exist)"
    if path.is_dir():
        return "is a directory, not a file"
    if not path.is_file():
        return "is not a regular file"
    try:
        with open_landing_file(path) as handle:
            head = handle.read(4)
            size = os.fstat(handle.fileno()).st_size
            if path.suffix == ".parquet":
                if size < 12:
                    return f"is not a Parquet file ({size} bytes: too small)"
                handle.seek(-4, os.SEEK_END)
                tail = handle.read(4)
                if head != b"PAR1" or tail != b"PAR1":
                    return "is not a Parquet file (no PAR1 magic bytes at its start and end: truncated or another format)"
    except LandingFileChanged as exc:
        return str(exc).split(": ", 1)[-1]
    except PermissionError:
        return "cannot be opened: permission denied"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return None


def _landing_fix(raw_dir: Path) -> str:
    return (f"Fix: replace the file with a readable drop, or move it out of {raw_dir}/<entity>/ "
            f"(to reload it later), or list what is not a landing file in {IGNORE_VARIABLE} "
            "(comma-separated paths relative to the landing root, shell patterns allowed); "
            "then run `tsqa build` again.")


# ---------------------------------------------------------------------------
# Step 2: dbt
# ---------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE_PROBLEMS = (
    ("too small to be a Parquet file", "is not a Parquet file (too small)"),
    ("Footer length error", "is not a readable Parquet file (corrupt footer)"),
    ("No magic bytes found", "is not a Parquet file"),
    ("Permission denied", "cannot be opened: permission denied"),
    ("No files found that match", "disappeared or cannot be listed"),
    ("Cannot open file", "cannot be opened"),
)


def explain_dbt_failure(output: str, raw_dir: Path | None = None) -> list[str]:
    """The lines of dbt's output that say what failed, and for a landing file that
    could not be read, the file, what is wrong with it and how to fix it."""
    lines = [_ANSI.sub("", line).rstrip() for line in output.splitlines()]
    picked: list[str] = []
    for i, line in enumerate(lines):
        text = line.split("  ", 1)[-1].strip() if re.match(r"^\d\d:\d\d:\d\d", line) else line.strip()
        if re.search(r"(Failure in |Error in |Runtime Error|Compilation Error|Database Error)", text):
            picked.append(text)
            for follow in lines[i + 1:i + 6]:
                follow = follow.strip()
                if not follow or follow.startswith("compiled code"):
                    break
                picked.append("  " + follow)
    hints = []
    whole = "\n".join(lines)
    for needle, meaning in _FILE_PROBLEMS:
        for match in re.finditer(re.escape(needle), whole):
            window = whole[max(0, match.start() - 400): match.end() + 400]
            found = re.search(r"""['"]([^'"]+\.(?:csv|parquet))['"]""", window)
            if found:
                hint = f"The landing file {found.group(1)} {meaning}. " + _landing_fix(raw_dir or Path("<raw_dir>"))
                if hint not in hints:
                    hints.append(hint)
    summary = [line.strip() for line in lines if line.strip().startswith("Done. PASS=")]
    return hints + picked[:40] + summary[-1:]


def _dbt_env(cfg: Settings, database: Path, nonce: str | None = None) -> dict[str, str]:
    env = {
        "TSQA_RAW_DIR": str(absolute(cfg.raw_dir)),
        "TSQA_DUCKDB_PATH": str(database),
        "TSQA_PII_SALT": cfg.pii_salt,
        # DuckDB spills beside the working file, never beside the published one
        "TSQA_TEMP_DIR": str(database.with_name(database.name + ".tmp")),
    }
    if cfg.as_of:
        env["TSQA_AS_OF"] = cfg.as_of
    if nonce is not None:
        # the gated build's run nonce: the dbt plugin hands it to DuckDB as a session
        # variable (never into SQL text); dbt stores its SHA-256 with the build marker
        env[NONCE_VARIABLE] = nonce
    return env


#: The environment variable that hands a gated build's run nonce to the dbt plugin.
NONCE_VARIABLE = "TSQA_BUILD_NONCE"


def new_run_nonce() -> str:
    """A fresh random nonce for one gated build (256 bits)."""
    return secrets.token_hex(32)


def nonce_digest(nonce: str) -> str:
    """What is stored of a run nonce: its SHA-256 (as DuckDB's ``sha256`` writes it). The
    nonce itself is written nowhere, so no one can hand it to a later dbt command."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def run_file(working: Path) -> Path:
    """Beside the working file: the SHA-256 of the run nonce of the gated build that
    made it (``tsqa publish`` publishes only a file whose marker carries it)."""
    return working.with_name(working.name + ".run")


#: dbt's target folder for gated builds. dbt keys its partial-parse state on the
#: profile's connection settings (dbt-duckdb: path, temp_directory, plugins, ...) and
#: on the env vars dbt_project.yml reads (TSQA_RAW_DIR, TSQA_AS_OF): the working file
#: and the published one differ, so one folder shared with plain `dbt build` (target/)
#: would re-parse the whole project every time the two alternate.
GATE_TARGET = PROJECT_DIR / "target" / "gate"

#: Where a build records what it was built from (read by the next build's plan).
STATE_TABLE = "landing.tsqa_build_state"
#: The dbt inputs whose change makes an incremental build unsafe.
_PROJECT_INPUTS = ("models", "macros", "seeds", "dbt_project.yml", "profiles.yml", "tsqa/dbt_plugin.py")


@dataclass(frozen=True)
class BuildPlan:
    incremental: bool
    reason: str
    #: the landing files as the plan saw them (hashed), when it looked at them
    files: dict[str, LandedFile] | None = field(default=None, compare=False, repr=False)
    #: an incremental build from a published file whose builds passed the unit tests on
    #: this very code and toolchain (``unit_test_fingerprint``): they need not run again
    unit_tests_passed: bool = field(default=False, compare=False)


def project_fingerprint(cfg: Settings) -> str:
    """SHA-256 of the dbt project's inputs and the as-of time. The pseudonymisation key
    is not in it (an unkeyed hash over public files and the key would let anyone test
    guesses of the key offline): see ``key_verifier``."""
    digest = hashlib.sha256()
    for name in _PROJECT_INPUTS:
        root = PROJECT_DIR / name
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"as_of\0{cfg.as_of or ''}".encode())
    return digest.hexdigest()


#: Where a build records a verifier of the key it pseudonymised with.
KEY_TABLE = "landing.tsqa_key_check"


#: What else decides the unit tests' outcome besides the dbt project: the locked
#: toolchain (dbt, DuckDB, Python packages) and the Python functions the models call.
_UNIT_TEST_INPUTS = ("uv.lock", "tsqa/landing.py")


def unit_test_fingerprint(cfg: Settings) -> str:
    """SHA-256 of what the dbt unit tests' outcome depends on: the project (its models,
    macros, seeds and the unit tests themselves, in models/), the locked toolchain, the
    landing functions and the Python version. The unit tests read given rows, never the
    warehouse's data, so on the same fingerprint they pass or fail alike."""
    import platform

    digest = hashlib.sha256(project_fingerprint(cfg).encode())
    for name in _UNIT_TEST_INPUTS:
        path = PROJECT_DIR / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    digest.update(f"python\0{platform.python_version()}".encode())
    return digest.hexdigest()


def key_verifier(key: str, nonce: bytes) -> str:
    """A slow, salted one-way function of the key (scrypt, 2^14 rounds, a random nonce
    per build): enough for the next build to tell whether TSQA_PII_SALT changed, and no
    cheap oracle for guessing the key (each guess costs tens of milliseconds and 16 MB,
    against nanoseconds for a plain hash; the nonce defeats precomputed tables)."""
    return hashlib.scrypt(key.encode(), salt=nonce, n=2 ** 14, r=8, p=1, maxmem=64 * 2 ** 20, dklen=32).hex()


def write_key_check(database: Path, key: str) -> None:
    nonce = os.urandom(16)
    con = duckdb.connect(str(database))
    try:
        con.execute(f"create or replace table {KEY_TABLE} (nonce varchar, verifier varchar)")
        con.execute(f"insert into {KEY_TABLE} values (?, ?)", [nonce.hex(), key_verifier(key, nonce)])
        con.execute("checkpoint")
    finally:
        con.close()


def key_unchanged(database: Path, key: str) -> bool:
    """Whether ``database`` was built with ``key`` (False when it has no key check)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        schema, table = KEY_TABLE.split(".")
        if not con.execute("select count(*) from information_schema.tables where table_schema = ? "
                           "and table_name = ?", [schema, table]).fetchone()[0]:
            return False
        row = con.execute(f"select nonce, verifier from {KEY_TABLE}").fetchone()
    finally:
        con.close()
    return row is not None and key_verifier(key, bytes.fromhex(row[0])) == row[1]


#: What a build records of each landed file: a keyed hash of its content, and the stat
#: fields that let the next build reuse the hash instead of reading the file again.
LandedFile = dict[str, Any]


def file_digest(path: Path, key: str) -> str:
    """HMAC-SHA-256 of a file's bytes under the pseudonymisation key, read in 1 MiB
    blocks (memory stays flat at any size). Keyed, because a plain hash of a landing
    file is an unkeyed hash of the identifiers in it: the warehouse holds every other
    value of a small file, so its user ids could be guessed against a plain hash."""
    digest = hmac.new(key.encode(), digestmod=hashlib.sha256)
    with open_landing_file(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(stat: os.stat_result) -> list[int]:
    # ctime changes on every write and cannot be set back (unlike mtime), and a copy
    # is a new inode: a file whose key is unchanged has not been written since.
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def landing_files(raw_dir: Path, key: str, known: Mapping[str, Any] | None = None) -> dict[str, LandedFile]:
    """``entity/file`` -> {"hmac_sha256", "stat"} of every landing file (the files of
    ``tsqa.landing.list_landing``: regular files only, never what the ignore list
    names). The hash is taken from ``known`` (an earlier build's record) when the file's
    size, mtime, ctime and inode are what they were then, so an unchanged folder is not
    read again; any other file is hashed (a copied or re-generated file with the same
    bytes hashes the same)."""
    known = known or {}
    found: dict[str, LandedFile] = {}
    for entity, paths in list_landing(raw_dir).files.items():
        for text in paths:
            path = Path(text)
            name = f"{entity}/{path.name}"
            try:
                stat_key = _stat_key(path.stat(follow_symlinks=False))
                earlier = known.get(name)
                if isinstance(earlier, dict) and earlier.get("stat") == stat_key and earlier.get("hmac_sha256"):
                    found[name] = {"hmac_sha256": earlier["hmac_sha256"], "stat": stat_key}
                else:
                    found[name] = {"hmac_sha256": file_digest(path, key), "stat": stat_key}
            except (LandingFileChanged, FileNotFoundError) as exc:
                raise GateError("landing", f"{name}: {exc}\nThe landing folder changed while the build "
                                           "read it; nothing was published. Fix: let the upstream finish "
                                           "writing (write each drop under another name outside the folder, "
                                           "then move it in), then run `tsqa build` again.") from exc
    return found


def same_content(landed: Any, present: LandedFile) -> bool:
    """Whether a landed file (as an earlier build recorded it) still has its content.
    A record without a keyed hash (an older build state) counts as changed: one full
    rebuild."""
    return isinstance(landed, dict) and landed.get("hmac_sha256") == present["hmac_sha256"]


def landed_names(database: Path) -> set[str]:
    """``entity/file`` of every file the landing tables of ``database`` hold rows of."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        names: set[str] = set()
        for entity in LANDING_ENTITIES:
            if _has_table(con, f"landing.landing__{entity}"):
                names |= {f"{entity}/{row[0]}" for row in con.execute(
                    f"select distinct _source_file from landing.landing__{entity}").fetchall()}
        return names
    finally:
        con.close()


def landing_changes(before: Mapping[str, LandedFile], after: Mapping[str, LandedFile],
                    landed: set[str]) -> list[str]:
    """What changed in the landing folder between the listing before dbt (``before``)
    and the one after it (``after``), and landed files that are not in it now: a file
    that arrived, changed or went while dbt ran may or may not be what dbt landed."""
    moved = [f"{name}: arrived while dbt ran" for name in sorted(set(after) - set(before))]
    moved += [f"{name}: disappeared while dbt ran" for name in sorted(set(before) - set(after))]
    moved += [f"{name}: was written or replaced while dbt ran" for name in sorted(set(before) & set(after))
              if before[name]["stat"] != after[name]["stat"] or not same_content(before[name], after[name])]
    moved += [f"{name}: was landed by dbt but is not in the folder now (it came and went while dbt ran)"
              for name in sorted(landed - set(after) - set(before))]
    return moved


def write_build_state(database: Path, fingerprint: str, files: Mapping[str, LandedFile],
                      unit_tested: str | None = None) -> None:
    """Record what the build was made from; ``unit_tested``: the ``unit_test_fingerprint``
    on which the dbt unit tests passed in this build or, for an incremental build that
    left them out, in the builds it continues (None when unknown)."""
    con = duckdb.connect(str(database))
    try:
        con.execute(f"create or replace table {STATE_TABLE} (project_fingerprint varchar, landing_files json, "
                    "unit_tested_fingerprint varchar)")
        con.execute(f"insert into {STATE_TABLE} values (?, ?, ?)", [fingerprint, json.dumps(files), unit_tested])
        con.execute("checkpoint")
    finally:
        con.close()


def read_build_state(database: Path) -> tuple[str, dict[str, Any]] | None:
    con = duckdb.connect(str(database), read_only=True)
    try:
        schema, table = STATE_TABLE.split(".")
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if not exists:
            return None
        row = con.execute(f"select project_fingerprint, landing_files from {STATE_TABLE}").fetchone()
    finally:
        con.close()
    return (row[0], json.loads(row[1])) if row else None


def read_unit_tested(database: Path) -> str | None:
    """The ``unit_test_fingerprint`` the build state of ``database`` records (None when
    it has none: an older file, or a build that did not run its unit tests)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        schema, table = STATE_TABLE.split(".")
        has = con.execute("select count(*) from information_schema.columns where table_schema = ? and "
                          "table_name = ? and column_name = 'unit_tested_fingerprint'", [schema, table]).fetchone()[0]
        row = con.execute(f"select unit_tested_fingerprint from {STATE_TABLE}").fetchone() if has else None
    finally:
        con.close()
    return row[0] if row else None


def plan_build(cfg: Settings, published: Path, full_refresh: bool = False) -> BuildPlan:
    """Whether the next build may start from the published warehouse (incremental)."""
    if full_refresh:
        return BuildPlan(False, "full refresh asked for")
    if not published.exists():
        return BuildPlan(False, "no published warehouse yet")
    try:
        state = read_build_state(published)
    except duckdb.Error as exc:
        return BuildPlan(False, f"the published warehouse cannot be read ({str(exc).splitlines()[0]})")
    if state is None:
        return BuildPlan(False, "the published warehouse has no build state")
    fingerprint, landed = state
    if fingerprint != project_fingerprint(cfg):
        return BuildPlan(False, "the dbt project or TSQA_AS_OF changed since the last build")
    if not key_unchanged(published, cfg.pii_salt):
        return BuildPlan(False, "TSQA_PII_SALT changed since the last build")
    present = landing_files(absolute(cfg.raw_dir), cfg.pii_salt, known=landed)
    gone = sorted(name for name in landed if name not in present)
    if gone:
        return BuildPlan(False, f"{len(gone)} landed file(s) are no longer in the folder, e.g. {gone[0]}",
                         present)
    changed = sorted(name for name, record in landed.items() if not same_content(record, present[name]))
    if changed:
        return BuildPlan(False, f"{len(changed)} landed file(s) changed since they were loaded, e.g. {changed[0]}",
                         present)
    new = len(present) - len(landed)
    return BuildPlan(True, f"{new} new landing file(s)", present,
                     unit_tests_passed=read_unit_tested(published) == unit_test_fingerprint(cfg))


def dbt_build_args(plan: BuildPlan) -> list[str]:
    """The gated build's `dbt build` arguments: everything, from nothing (full); from a
    copy of the published file, the unit tests left out when the published builds
    passed them on this code and toolchain (an incremental build from the same project
    fingerprint: the unit tests read no warehouse data, so they would give the same)."""
    if not plan.incremental:
        return ["build", "--full-refresh"]
    return ["build", *(["--exclude-resource-type", "unit_test"] if plan.unit_tests_passed else [])]


# ---------------------------------------------------------------------------
# Step 3: validation history
# ---------------------------------------------------------------------------


def carry_history(working: Path, sources: Sequence[Path]) -> int:
    """Copy ``marts.validation_runs``/``validation_failures`` of each source warehouse
    (attached read-only) into ``working``, skipping runs already there. Returns the
    number of runs now in the history."""
    con = duckdb.connect(str(working))
    try:
        gx_validate.ensure_history_tables(con)
        for index, source in enumerate(sources):
            if not source.exists():
                continue
            alias = f"previous_{index}"
            try:
                con.execute(f"attach {gx_validate.quote_literal(str(source))} as {alias} (read_only)")
            except duckdb.Error as exc:
                raise GateError("history", f"cannot read the validation history of {source}: "
                                           f"{str(exc).splitlines()[0]}") from exc
            try:
                if not gx_validate.has_history(con, alias):
                    continue
                for table in ("validation_runs", "validation_failures"):
                    con.execute(
                        f"insert into {gx_validate.MARTS_SCHEMA}.{table} by name "
                        f"select * from {alias}.{gx_validate.MARTS_SCHEMA}.{table} "
                        f"where run_id not in (select run_id from {gx_validate.MARTS_SCHEMA}.{table})"
                    )
            finally:
                con.execute(f"detach {alias}")
        con.execute("checkpoint")
        return con.execute(
            f"select count(distinct run_id) from {gx_validate.MARTS_SCHEMA}.validation_runs"
        ).fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------------------
# Steps 4 and 5: audit, publish
# ---------------------------------------------------------------------------


#: The build marker dbt writes into the file it builds (macros/build_marker.sql).
MARKER_TABLE = "landing.tsqa_build_marker"


def audit(database: Path, *, data_docs: Path, manifest: Path | None, as_of: str | None,
          write_results: bool = True, say: Say = print) -> gx_validate.Report:
    """Run the GX checkpoints; when the results are recorded, the run is also recorded
    on the file's build marker (what ``tsqa publish`` checks)."""
    report = gx_validate.validate(database, data_docs_dir=data_docs, manifest_path=manifest, as_of=as_of,
                                  write_results=write_results, progress=say)
    if write_results:
        con = duckdb.connect(str(database))
        try:
            if _has_table(con, MARKER_TABLE):
                con.execute(f"update {MARKER_TABLE} set validation_run_id = ?, validation_passed = ?",
                            [report.run_id, report.passed])
                con.execute("checkpoint")
        finally:
            con.close()
    return report


def _has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def _invalidate_marker(database: Path) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute(f"drop table if exists {MARKER_TABLE}")
        con.execute("checkpoint")
    finally:
        con.close()


@dataclass(frozen=True)
class Marker:
    """The build marker of a warehouse file (macros/build_marker.sql)."""

    build_passed: bool
    validation_run_id: str | None
    validation_passed: bool
    #: SHA-256 of the run nonce of the gated build whose dbt build wrote the marker
    nonce_sha256: str | None
    #: the dbt command that wrote it (only `build` makes a publishable file)
    command: str | None = "build"
    #: whether that build ran the dbt unit tests (a gated incremental build may leave
    #: them out when the published builds passed them on the same code: check_publishable)
    unit_tests_ran: bool = True


def build_marker(database: Path) -> Marker | None:
    """The marker of the last dbt command run on ``database``; None when there is none.
    The validation run counts only when it is recorded in this file and passed every
    suite."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        if not _has_table(con, MARKER_TABLE):
            return None
        schema, table = MARKER_TABLE.split(".")
        columns = {name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table]).fetchall()}
        row = con.execute(f"select build_passed, validation_run_id, validation_passed, command, "
                          f"{'build_nonce_sha256' if 'build_nonce_sha256' in columns else 'null'}, "
                          f"{'unit_tests_ran' if 'unit_tests_ran' in columns else 'true'} "
                          f"from {MARKER_TABLE}").fetchone()
        if row is None:
            return None
        if row[1] is not None and gx_validate.has_history(con):
            recorded = con.execute(f"select bool_and(success) from {gx_validate.MARTS_SCHEMA}.validation_runs "
                                   "where run_id = ?", [row[1]]).fetchone()[0]
            return Marker(bool(row[0]), row[1], bool(row[2]) and bool(recorded), row[4], row[3], bool(row[5]))
        return Marker(bool(row[0]), None, False, row[4], row[3], bool(row[5]))
    finally:
        con.close()


def check_publishable(working: Path, nonce_sha256: str | None, docs: Path, unit_tested: str) -> str:
    """The validation run id of ``working`` if it may be published: its marker says its
    own whole `dbt build` passed and a validation run recorded after it passed, and the
    marker carries the run nonce of the gated build that made the file (any dbt command
    run on the file since, by hand or with a hand-set environment, writes a new marker
    without it). A build that left out the unit tests passes only when the file's build
    state records that they passed on ``unit_tested`` (the ``unit_test_fingerprint`` of
    the code and toolchain now). Otherwise a GateError saying why; nothing is published."""
    try:
        marker = build_marker(working)
    except duckdb.Error as exc:
        raise GateError("publish", f"cannot read {working} ({str(exc).splitlines()[0]}): another process "
                                   "(a dbt build?) holds it; wait for it to finish; nothing was "
                                   "published") from exc
    not_whole = GateError("publish", f"{working} was not made by a whole `dbt build` (or a build is under "
                                     "way): run `tsqa build`; nothing was published")
    if marker is None:
        raise not_whole
    if nonce_sha256 is None or marker.nonce_sha256 is None \
            or not hmac.compare_digest(marker.nonce_sha256, nonce_sha256):
        raise GateError("publish", f"{working} is not the file of the last `tsqa build` in this folder as that "
                                   "build left it: its build marker does not carry that build's run nonce (a "
                                   "dbt command was run on the file since, or the file was copied in); "
                                   "nothing was published. Fix: run `tsqa build`")
    if marker.command != "build":
        raise not_whole
    if not marker.build_passed:
        raise GateError("publish", f"the dbt build of {working} failed or did not finish (a model or test "
                                   "failed); nothing was published. Fix the cause and run `tsqa build`")
    if not marker.unit_tests_ran and read_unit_tested(working) != unit_tested:
        raise GateError("publish", f"the dbt build of {working} left out the unit tests, and no build on this "
                                   "code and toolchain is recorded as having passed them; nothing was "
                                   "published. Fix: run `tsqa build --full-refresh`")
    if marker.validation_run_id is None:
        raise GateError("publish", f"{working} has not been validated since it was built: run "
                                   "`tsqa validate` first; nothing was published")
    if not marker.validation_passed:
        raise GateError("publish", f"the validation run of this build of {working} ({marker.validation_run_id}) "
                                   f"failed; nothing was published (Data Docs: {docs})")
    return marker.validation_run_id


def read_run_file(working: Path) -> str | None:
    try:
        return run_file(working).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def replace_atomically(working: Path, published: Path) -> None:
    """Publish: rename the working file over the published one (atomic on one file
    system). Readers holding the old file keep their snapshot until they reconnect."""
    leftover = [p for p in _sidecars(working) if p.exists()]
    if leftover:
        raise GateError("publish", f"{working} still has a write-ahead log ({leftover[0]}): "
                                   "a connection to it was not closed; nothing was published")
    try:
        published.parent.mkdir(parents=True, exist_ok=True)
        with working.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(working, published)
    except OSError as exc:  # e.g. Windows, where a reader's open handle blocks a rename
        raise GateError("publish", f"could not replace {published} with {working}: {exc}; "
                                   "nothing was published") from exc
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    shutil.rmtree(working.with_name(working.name + ".tmp"), ignore_errors=True)


def publish_working(cfg: Settings, *, say: Say = print) -> Path:
    """``tsqa publish``: publish the working warehouse if its own whole `dbt build`
    passed and its own validation run, recorded after that build, passed (the build
    marker, macros/build_marker.sql). Under the build lock; any problem is a GateError."""
    working, published = absolute(cfg.working_path), absolute(cfg.duckdb_path)
    docs = data_docs_dir(cfg) / "index.html"
    if cfg.dev_key:
        from tsqa.settings import DEV_PII_SALT

        raise GateError("key", DEV_KEY_REFUSED.format(default=DEV_PII_SALT))
    try:
        with _build_lock(working):
            if not working.exists():
                raise GateError("publish", f"no working warehouse at {working}: run `tsqa build`")
            run_id = check_publishable(working, read_run_file(working), docs, unit_test_fingerprint(cfg))
            if not key_unchanged(working, cfg.pii_salt):
                raise GateError("publish", f"{working} was not built by `tsqa build` with the key now in "
                                           "TSQA_PII_SALT (a plain `dbt build` records no key check, and "
                                           "another key would make user keys incomparable); nothing was "
                                           "published. Fix: run `tsqa build` with the production key")
            replace_atomically(working, published)
            run_file(working).unlink(missing_ok=True)
    except OSError as exc:
        raise GateError("publish", f"could not publish {working} to {published}: {exc.strerror or exc} "
                                   f"({getattr(exc, 'filename', None) or published.parent}); nothing was "
                                   "published. Fix: make the warehouse folder writable") from exc
    say(f"published {working} -> {published} (validation run {run_id})")
    return published


# ---------------------------------------------------------------------------
# The gated build
# ---------------------------------------------------------------------------


class _Steps:
    def __init__(self, total: int, say: Say) -> None:
        self.total, self.say, self.number = total, say, 0

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[list[str]]:
        self.number += 1
        self.say(f"[{self.number}/{self.total}] {title} ...")
        started = time.monotonic()
        result: list[str] = []
        try:
            yield result
        except BaseException:
            self.say(f"      FAILED ({time.monotonic() - started:.1f}s)")
            raise
        done = "; ".join(result) or "ok"
        self.say(f"      {done} ({time.monotonic() - started:.1f}s)")


DEV_KEY_REFUSED = (
    "TSQA_PII_SALT is not set (or is the public development default {default!r}): user ids "
    "pseudonymised with a published key can be re-identified by anyone with a list of account ids. "
    "Fix: set a long random secret and keep it (the same key every build, so user keys stay "
    "comparable), e.g.\n  export TSQA_PII_SALT=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\"\n"
    "Only `tsqa demo` (sample data) builds with the development key."
)


def build(cfg: Settings, *, target_path: Path | None = None, verbose: bool = False,
          full_refresh: bool = False, allow_dev_key: bool = False, say: Say = print) -> Outcome:
    """The gated build (incremental when ``plan_build`` allows it). Raises GateError
    (the published file untouched) when any step fails. Refuses the public development
    key unless ``allow_dev_key`` (``tsqa demo``)."""
    if cfg.dev_key and not allow_dev_key:
        from tsqa.settings import DEV_PII_SALT

        raise GateError("key", DEV_KEY_REFUSED.format(default=DEV_PII_SALT))
    started = time.monotonic()
    working, published = absolute(cfg.working_path), absolute(cfg.duckdb_path)
    raw_dir, docs = absolute(cfg.raw_dir), data_docs_dir(cfg)
    target = target_path or GATE_TARGET
    previous_attempt = working.with_name(working.stem + ".previous.duckdb")
    steps = _Steps(8, say)
    say(f"tsqa build: {raw_dir} -> {published} (working file {working.name})")
    with _build_lock(working):
        with steps.step("check landing files") as note:
            checked = check_landing(raw_dir)
            for line in checked.ignored:
                say(f"      ignored ({IGNORE_VARIABLE}): {line}")
            if checked.problems:
                raise GateError("landing", "\n".join(
                    ["the landing folder holds what cannot be read as a landing file:",
                     *(f"  {p}" for p in checked.problems), _landing_fix(raw_dir)]))
            locked = check_published_unlocked(published)
            if locked:
                raise GateError("landing", locked)
            note.append(f"{checked.files} files readable")

        plan = plan_build(cfg, published, full_refresh)
        kind = "incremental" if plan.incremental else "full"
        unit_tests = ("unit tests passed on this code by the published build" if plan.unit_tests_passed
                      else "unit tests")
        with steps.step(f"dbt build ({kind}: {plan.reason}): models, data tests, {unit_tests}") as note:
            # Keep the last attempt's validation history (a failed run is history too),
            # then start from a copy of the published file (incremental) or from nothing.
            _remove_database(previous_attempt)
            if working.exists():
                os.replace(working, previous_attempt)
            _remove_database(working)
            # this build's run nonce: dbt stores its SHA-256 with the build marker, and only a
            # file whose marker carries it is published (by this build or `tsqa publish`)
            nonce = new_run_nonce()
            run_file(working).write_text(nonce_digest(nonce) + "\n", encoding="ascii")
            files = plan.files if plan.files is not None else landing_files(raw_dir, cfg.pii_salt)
            fingerprint, unit_fingerprint = project_fingerprint(cfg), unit_test_fingerprint(cfg)
            if plan.incremental:
                shutil.copyfile(published, working)
                _invalidate_marker(working)   # the copy's marker belongs to the published build
            try:
                # the checkpoints' imports (about 10 s of one core) load meanwhile, beside dbt's process
                with gx_validate.importing_gx_meanwhile():
                    result = run_dbt(dbt_build_args(plan),
                                     env=_dbt_env(cfg, working, nonce), target_path=target, capture=not verbose,
                                     progress=say)
            except DbtError as exc:
                explained = explain_dbt_failure(str(exc), raw_dir)
                raise GateError("dbt", "\n".join(["dbt build failed:", *(f"  {x}" for x in explained),
                                                  f"Full log: {target / 'logs' / 'dbt.log'}"])) from exc
            # the build state records what dbt landed: the folder as hashed before dbt, if
            # it is still so (nothing arrived, changed or went while dbt listed and read it)
            after = landing_files(raw_dir, cfg.pii_salt, known=files)
            moved = landing_changes(files, after, landed_names(working))
            if moved:
                # this file must never be published: its marker and run nonce go with the refusal
                # (else `tsqa validate` then `tsqa publish` would pass a passed build of it)
                _invalidate_marker(working)
                run_file(working).unlink(missing_ok=True)
                raise GateError("landing", "\n".join([
                    "the landing folder changed while dbt built the working file, so the warehouse could not "
                    "record which content it landed; nothing was published:", *(f"  {m}" for m in moved),
                    "Fix: let the upstream finish writing (write each drop under another name outside the "
                    "folder, then move it in), then run `tsqa build` again: the next build lands every file "
                    "as it is then."]))
            # the unit tests passed in this build (dbt stops the gate otherwise) or, left out,
            # in the published builds on the same code and toolchain
            write_build_state(working, fingerprint, files, unit_fingerprint)
            write_key_check(working, cfg.pii_salt)
            done = [line for line in (result.stdout or "").splitlines() if "Done. PASS=" in line]
            note.append(_ANSI.sub("", done[-1]).split("Done. ", 1)[-1] if done else "ok")

        with steps.step("carry validation history") as note:
            runs = carry_history(working, [published, previous_attempt])
            _remove_database(previous_attempt)
            note.append(f"{runs} earlier runs")

        with steps.step("Great Expectations checkpoints") as note:
            report = audit(working, data_docs=docs, manifest=target / "manifest.json", as_of=cfg.as_of,
                           say=say)
            note.append(report.summary()[0])
            if report.passed:
                for line in report.summary()[1:]:   # warnings: quarantined rows, ...
                    say(f"    {line.strip()}")
            if not report.passed:
                raise GateError("validation", "\n".join(
                    ["validation failed; nothing was published:", *report.summary(),
                     f"Validation review: {report.review}", f"Data Docs: {report.data_docs}"]))

        with steps.step("record the validation status in the reporting marts") as note:
            # the reporting marts show whether the build that holds them passed the gate
            # (int_reporting__validation_status reads marts.validation_runs)
            # --no-write-json: target/manifest.json stays the build's, with every node it built
            # compiled (dbt docs shows that SQL; this run's manifest compiles only its 5 models)
            try:
                run_dbt(["run", "--select", "tag:validation_status", "--no-write-json"],
                        env=_dbt_env(cfg, working, nonce), target_path=target, capture=not verbose, progress=say)
            except DbtError as exc:
                raise GateError("dbt", "\n".join(["re-running the reporting marts failed:",
                                                  *(f"  {x}" for x in explain_dbt_failure(str(exc)))])) from exc
            note.append("ok")

        with steps.step("dbt docs (lineage, model and column documentation)") as note:
            try:
                # the build's manifest, already compiled: compiling the 720 nodes again took
                # 15 of this step's 28 s (--no-compile: dbt reads target/manifest.json as is)
                run_dbt(["docs", "generate", "--static", "--no-compile"], env=_dbt_env(cfg, working, nonce),
                        target_path=target, capture=not verbose, progress=say)
            except DbtError as exc:
                raise GateError("dbt", "\n".join(["dbt docs generate failed:",
                                                  *(f"  {x}" for x in explain_dbt_failure(str(exc)))])) from exc
            dbt_docs = absolute(cfg.artifacts_dir) / "dbt_docs" / "index.html"
            dbt_docs.parent.mkdir(parents=True, exist_ok=True)
            staged = dbt_docs.with_name("index.html.tmp")
            shutil.copyfile(target / "static_index.html", staged)
            note.append(str(dbt_docs))

        with steps.step("publish") as note:
            # the marker must still be this build's: a dbt command run on the working file
            # by anyone else since (whatever its environment) leaves one without the nonce
            check_publishable(working, nonce_digest(nonce), docs / "index.html", unit_fingerprint)
            replace_atomically(working, published)
            run_file(working).unlink(missing_ok=True)
            os.replace(staged, dbt_docs)
            note.append(f"{published}")

        with steps.step("Tableau extracts and the Monthly Quality Report") as note:
            extracts = write_extracts(published, absolute(cfg.artifacts_dir) / "extracts")
            report_page = None
            month = latest_report_month(published)
            if month is not None:
                report_page = write_report(published, month, data_docs=docs / "review.html")
            note.append(f"{len(extracts)} extracts" + (f", report {month}" if month else ", no month to report"))
    return Outcome(published, docs / "index.html", report, time.monotonic() - started,
                   dbt_docs=dbt_docs, extracts=extracts, report_page=report_page)


def latest_report_month(database: Path) -> str | None:
    """The month the build's Monthly Quality Report shows ('2026-09'): the latest
    complete month (``report.default_month``), if the mart has any month."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        month = default_month(con)
    finally:
        con.close()
    return None if month is None else f"{month:%Y-%m}"


@dataclass(frozen=True)
class QuarantineCounts:
    """One entity's rows in ``quarantine.reconciliation``: raw = the other four."""

    entity: str
    raw: int
    current: int
    superseded: int
    quarantined: int
    exact_duplicates: int


def quarantine_summary(database: Path) -> list[QuarantineCounts]:
    """Per entity: raw rows, current, superseded, quarantined, exact duplicates."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select entity, sum(raw_rows), sum(current_rows), sum(superseded_rows), sum(quarantined_rows), "
            "sum(exact_duplicate_rows) from quarantine.reconciliation group by entity order by entity"
        ).fetchall()
    finally:
        con.close()
    return [QuarantineCounts(str(r[0]), *(int(x) for x in r[1:])) for r in rows]


def quarantine_lines(counts: Sequence[QuarantineCounts]) -> list[str]:
    """The demo's quarantine table (raw = current + superseded + quarantined + exact
    duplicates on every row), and where to look only when something was quarantined."""
    header = ("entity", "raw", "current", "superseded", "quarantined", "duplicates")
    lines = ["quarantine (rows per entity; raw = current + superseded + quarantined + exact duplicates):",
             f"  {header[0]:<24} {header[1]:>10} {header[2]:>10} {header[3]:>10} {header[4]:>11} {header[5]:>10}"]
    for c in counts:
        lines.append(f"  {c.entity:<24} {c.raw:>10,} {c.current:>10,} {c.superseded:>10,} {c.quarantined:>11,} "
                     f"{c.exact_duplicates:>10,}")
    held = [c.entity for c in counts if c.quarantined]
    if held:
        lines.append(f"  quarantined rows, with their reason: {', '.join(f'quarantine.{e}' for e in held)}; "
                     "per file: quarantine.reconciliation")
    else:
        lines.append("  no row was quarantined; per file: quarantine.reconciliation")
    return lines
