"""Shared test helpers: write a landing folder by hand, build it into a warehouse.

Every build goes into the test's own temporary folder (warehouse file, dbt target,
logs), so tests never touch the demo warehouse and can run in any order.

``CONTRACT_COLUMNS`` is a copy of the landing contract's columns on purpose: the
project declares the contract once (models/landing/_landing__models.yml, read by dbt
and tsqa/contract.py), and the tests state it again from raw_contract.md so that a
wrong or changed declaration shows as a failing test instead of moving with the code.
"""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
import pytest

from tests.dbt_server import write_client

# A pytest-xdist worker's __main__ has neither __spec__ nor __file__; pyspark (imported
# by Great Expectations) then takes the process for a doctest run and exits it
# (pyspark/sql/connect/utils.py, check_dependencies). Name the worker's main file.
if os.environ.get("PYTEST_XDIST_WORKER") and not hasattr(sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = sys.argv[0] or "pytest-xdist-worker"
from tsqa.dbt import run_dbt

#: Columns of every landing entity, in file order (raw_contract.md).
CONTRACT_COLUMNS: dict[str, list[str]] = {
    "moderators": ["moderator_id", "vendor_code", "site", "market", "language", "role", "work_email",
                   "hired_on", "left_on", "updated_at"],
    "moderation_decisions": ["decision_id", "content_id", "user_id", "queue_code", "moderator_id", "action",
                             "policy_code", "content_type", "market", "decided_at", "handle_time_s"],
    "qa_audits": ["audit_id", "decision_id", "auditor_id", "audit_source", "audited_at", "qa_action",
                  "qa_policy_code", "root_cause_code", "auditor_notes"],
    "audit_disputes": ["dispute_id", "audit_id", "raised_by", "raised_at", "resolved_at", "outcome",
                       "final_action", "final_policy_code"],
    "calibration_ratings": ["session_id", "session_date", "queue_code", "item_id", "rater_id", "rater_role",
                            "label"],
    "rca_cases": ["rca_id", "opened_at", "closed_at", "subject_type", "subject_id", "queue_code",
                  "root_cause_code", "corrective_action", "owner_team", "status"],
    "policy_changes": ["policy_code", "version", "effective_at", "change_type", "summary"],
    "training_completions": ["moderator_id", "course_code", "policy_code", "completed_at", "score"],
    "le_requests": ["request_id", "received_at", "country", "agency_type", "request_type",
                    "accounts_specified", "legal_process_valid", "specialist_id", "status", "outcome",
                    "responded_at", "updated_at"],
    "lert_assessments": ["assessment_id", "request_id", "specialist_id", "assessor_id", "assessed_at",
                         "item_code", "result"],
    "escalations": ["escalation_id", "created_at", "source", "severity", "queue_code", "request_id", "status",
                    "resolved_at", "mitigated_at", "root_cause_code"],
    "experiment_assignments": ["experiment_id", "unit_id", "variant", "assigned_at"],
}


class Landing:
    """A landing folder a test writes by hand, one CSV drop at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def drop(self, entity: str, name: str, rows: Iterable[Mapping[str, object]],
             columns: Sequence[str] | None = None) -> Path:
        """Write rows (dicts; missing keys are empty) as <root>/<entity>/<name>.csv."""
        columns = list(columns or CONTRACT_COLUMNS[entity])
        folder = self.root / entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else _text(row.get(c)) for c in columns])
        return path

    def raw(self, entity: str, name: str, content: bytes) -> Path:
        """Write a file byte for byte (for malformed drops)."""
        folder = self.root / entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(content)
        return path


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Warehouse:
    """A warehouse built from a landing folder into the test's temporary folder."""

    def __init__(self, workdir: Path, landing: Landing, as_of: str | None = None) -> None:
        self.workdir = workdir
        self.landing = landing
        self.path = workdir / "warehouse" / "tsqa.duckdb"
        self.as_of = as_of
        self.salt = "test-salt"

    @property
    def env(self) -> dict[str, str]:
        env = {
            "TSQA_RAW_DIR": str(self.landing.root),
            "TSQA_DUCKDB_PATH": str(self.path),
            "TSQA_PII_SALT": self.salt,
        }
        if self.as_of:
            env["TSQA_AS_OF"] = self.as_of
        return env

    def build(self, *select: str, command: str = "build", extra: Sequence[str] = ()) -> str:
        """Run `dbt <command>` (seeds, models, tests) on this landing folder; return its output."""
        args = [command]
        if select:
            # cautious: a test that also reads an unselected model (a reconciliation
            # against another mart) runs only when that model is built too
            args += ["--select", *select, "--indirect-selection", "cautious"]
            if command == "build" and not {"--exclude-resource-type", "resource_type:unit_test"} & set(extra):
                # dbt unit tests read no landing file (given rows in, expected rows out):
                # they run in every full build, the session's sample warehouse and each
                # gated build of test_publish.py, not again in each selected one (0.66 s
                # each, some 30 s of a full build)
                args += ["--exclude-resource-type", "unit_test"]
        args += list(extra)
        result = run_dbt(args, env=self.env, target_path=self.workdir / "target", capture=True)
        return result.stdout

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "raw")


@pytest.fixture
def warehouse(tmp_path: Path, landing: Landing) -> Warehouse:
    return Warehouse(tmp_path, landing)


def sample_truth_path(landing_root: Path) -> Path:
    """Where the sample warehouse's simulated truth lies: beside its landing folder."""
    return landing_root.parent / "truth.parquet"


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The generator's sample landing folder (scale 1, seed 7), built once per session
    with the full `dbt build` (every data test and unit test must pass). The simulated
    truth per decision is written beside the landing folder (``sample_truth_path``).

    Tests only read it. With pytest-xdist (``-n``) the workers share one: the first to
    need it builds it (in the run's common temporary folder, under a file lock), the
    others wait and read the same file (DuckDB allows many read-only readers)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return _build_sample(tmp_path_factory.mktemp("sample"))
    root = tmp_path_factory.getbasetemp().parent / "sample"
    with (root.parent / "sample.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = root / "built"
            if done.exists():
                failed = done.read_text()
                if failed:
                    pytest.fail(f"the shared sample warehouse failed to build in another worker:\n{failed}")
                return Warehouse(root, Landing(root / "raw"))
            root.mkdir(exist_ok=True)
            try:
                built = _build_sample(root)
            except BaseException as error:
                done.write_text(f"{type(error).__name__}: {error}")
                raise
            done.write_text("")
            return built
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_sample(root: Path) -> Warehouse:
    from tsqa.generate import generate

    landing = Landing(root / "raw")
    generate(landing.root, scale=1.0, seed=7, progress=False, truth=sample_truth_path(landing.root))
    built = Warehouse(root, landing)
    built.build()
    return built


class DbtServer:
    """dbt for this test process: tests/dbt_server.py, started at the first dbt command
    (dbt imported and the project parsed once, each command still a process of its own).
    TSQA_TEST_DBT_SERVER=0 runs every command with the plain `dbt` executable instead."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.folder = folder
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.client = folder / "dbt"

    def executable(self) -> str:
        if self.process is None:
            self.start()
        return str(self.client)

    def start(self) -> None:
        from tsqa.settings import PROJECT_DIR

        socket_path = self.folder / "dbt.sock"
        warm = self.folder / "warm"
        env = {**os.environ, "TSQA_DUCKDB_PATH": str(warm / "tsqa.duckdb"), "TSQA_RAW_DIR": str(warm / "raw"),
               "DBT_LOG_PATH": str(warm / "logs"), "DBT_USE_COLORS": "false"}
        for name in ("TSQA_AS_OF", "TSQA_GATE_STEP", "TSQA_DBT_TARGET", "TSQA_LANDING_IGNORE"):
            env.pop(name, None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("dbt_server.py")), str(socket_path),
                 "parse", "--quiet", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                 "--target-path", str(warm / "target")],
                env=env, cwd=PROJECT_DIR, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        write_client(self.client, socket_path)
        while not socket_path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the dbt server stopped: {self.log.read_text()}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="session", autouse=True)
def dbt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtServer | None]:
    """Every dbt command of the session (tsqa.dbt.run_dbt) goes through one DbtServer;
    its log (dbt-server.log in pytest's base temporary folder) has each command's time."""
    if os.environ.get("TSQA_TEST_DBT_SERVER", "1") == "0":
        yield None
        return
    import tsqa.dbt

    # a short folder: a Unix socket's path is at most 107 bytes
    server = DbtServer(Path(tempfile.mkdtemp(prefix="tsqa-dbt-")), tmp_path_factory.getbasetemp() / "dbt-server.log")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tsqa.dbt, "dbt_executable", server.executable)
        try:
            yield server
        finally:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)


#: Test files by their cost, the dearest first (measured with --durations: the dbt builds
#: of their module fixtures, the Spark parity test's Spark session). pytest-xdist
#: (`--dist loadfile --no-loadscope-reorder`, the Makefile's default) hands a worker the
#: next file of this order when it runs short of tests, so the long files start at once
#: on both cores and the short ones fill the end. Files not named keep pytest's order,
#: after these. One process (PYTEST_WORKERS=0) runs them in this order too; no test
#: depends on another's order (each builds into its own folder).
DEAREST_FIRST = (
    "test_spark_parity.py", "test_publish.py", "test_bad_inputs.py", "test_attack.py", "test_incremental.py",
    "test_quality_marts.py", "test_generate.py", "test_lert.py", "test_experiments.py", "test_calibration.py",
    "test_semantic_layer.py", "test_reporting.py", "test_core_marts.py",
)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(DEAREST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: a file's tests keep their order


# DuckDB 2.0's Python bindings print "nanobind: leaked N instances" lines when the
# interpreter tears down, after pytest's summary. They are noise (the process is about
# to exit) and would bury the closing line, so the test process leaves without the
# teardown once pytest has finished and reported, with pytest's own exit status.
_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import sys

    # (not in a pytest-xdist worker: its controller waits for it to close its channel)
    if _EXIT_STATUS and not os.environ.get("TSQA_PYTEST_TEARDOWN") and not os.environ.get("PYTEST_XDIST_WORKER"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
