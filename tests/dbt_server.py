"""A dbt fork server for the test suite: dbt is imported and the project parsed once.

Every `dbt` command of a test run (tsqa.dbt.run_dbt, so also the gated builds of
tsqa.publish) used to start a new Python process that imported dbt (about 6 CPU
seconds) and parsed the whole project again (about 13: each test has its own warehouse
path, which is part of dbt's profile hash, so dbt's partial parsing never applied).

Here one server process per pytest process imports dbt and parses the project once.
The conftest's `dbt` executable is a small client (``CLIENT``) that hands the server
its arguments, environment, working directory and standard streams; the server forks
a child that runs dbt's real command line (``dbt.cli.main.cli``) with them, writing
to the caller's own stdout and stderr, and the client exits with the child's status.
So each command still runs in a process of its own (DuckDB's lock is released when it
ends) with exactly the caller's environment; only the parse is reused.

A parsed manifest is reused only where dbt's parse would give the same one:
the same dbt target, profile, database and schema (node names depend on them), the
same command-line ``--vars`` and env vars of dbt_project.yml, the same values of the
env vars the parse itself read (dbt records them in ``manifest.env_vars``), and no
project file changed since (size and mtime of every file in the project's paths).
Otherwise the child parses as dbt always does, and sends its manifest back for the
next command. The warehouse path is the one part of the profile this ignores: no
model, macro or test of this project reads ``target.path`` (only ``target.schema``).

Usage (the conftest does this): ``python tests/dbt_server.py SOCKET`` and run the
client script written by ``write_client``.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import socket
import sys
import time
import traceback
from pathlib import Path

#: The client: a `dbt` executable that forwards its command to the server. Only the
#: standard library (-S: no site packages), so it starts in a few milliseconds.
CLIENT = """#!{python} -S
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect({socket_path!r})
except OSError as error:
    sys.exit("the test suite's dbt server is not running ({socket_path}): %s" % error)
request = json.dumps({{"args": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}).encode()
fds = []
for fd in (0, 1, 2):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:  # a closed stream: the command gets /dev/null there
        fds.append(os.open(os.devnull, os.O_RDWR))
socket.send_fds(s, [request], fds)
reply = s.recv(64)
sys.exit(int(reply) if reply else "the test suite's dbt server stopped during this command")
"""


def write_client(path: Path, socket_path: Path) -> Path:
    path.write_text(CLIENT.format(python=sys.executable, socket_path=str(socket_path)))
    path.chmod(0o755)
    return path


# ------------------------------------------------------------------ the server side


class ManifestCache:
    """Parsed manifests of this session, each with what its parse depended on."""

    def __init__(self, spool: Path) -> None:
        self.entries: list[tuple[tuple, dict[str, str], tuple, object]] = []
        self.spool = spool

    @staticmethod
    def config_key(config) -> tuple:
        credentials = config.credentials
        return (config.profile_name, config.target_name, credentials.type, credentials.database,
                credentials.schema, repr(sorted(config.cli_vars.items())),
                repr(sorted(config.project_env_vars.items())))

    @staticmethod
    def fingerprint(config) -> tuple:
        root = Path(config.project_root)
        folders = [*config.model_paths, *config.macro_paths, *config.seed_paths, *config.test_paths,
                   *config.analysis_paths, *config.snapshot_paths, *config.docs_paths]
        found = []
        for name in ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml", "selectors.yml"):
            if (root / name).exists():
                found.append(root / name)
        for folder in sorted(set(folders)):
            if (root / folder).is_dir():
                found.extend(p for p in (root / folder).rglob("*") if p.is_file())
        return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in found))

    @staticmethod
    def env_matches(env_vars: dict[str, str]) -> bool:
        from dbt.constants import DEFAULT_ENV_PLACEHOLDER

        for name, value in env_vars.items():
            if value == DEFAULT_ENV_PLACEHOLDER:
                if name in os.environ:
                    return False
            elif os.environ.get(name) != value:
                return False
        return True

    def find(self, config):
        key = self.config_key(config)
        candidates = [e for e in self.entries if e[0] == key and self.env_matches(e[1])]
        if not candidates:
            return None
        fingerprint = self.fingerprint(config)
        for entry in candidates:
            if entry[2] == fingerprint:
                return entry[3]
        return None

    def entry(self, config, manifest) -> tuple:
        return (self.config_key(config), dict(manifest.env_vars), self.fingerprint(config), manifest)

    def add(self, entry: tuple) -> None:
        self.entries = [e for e in self.entries if e[:3] != entry[:3]] + [entry]

    def load_spooled(self, pid: int) -> None:
        path = self.spool / f"manifest-{pid}.pickle"
        if path.exists():
            try:
                self.add(pickle.loads(path.read_bytes()))
            finally:
                path.unlink()


def rebuild_manifest(state: dict):
    import dbt.contracts.graph.manifest as manifests

    manifest = manifests.Manifest.__new__(manifests.Manifest)
    manifest.__dict__.update(state)
    manifest._lock = manifests.get_mp_context().Lock()
    return manifest


class ManifestPickler(pickle.Pickler):
    """Pickles a dbt Manifest by its fields. (Manifest.__reduce_ex__ of dbt 1.11 passes
    its private lookups to the wrong fields and leaves out the unit-test fixtures.)
    The lookups are caches, rebuilt on first use; the lock is made anew."""

    def reducer_override(self, obj):
        if type(obj).__name__ == "Manifest" and type(obj).__module__ == "dbt.contracts.graph.manifest":
            state = {name: (None if name.startswith("_") and name.endswith("_lookup") else value)
                     for name, value in obj.__dict__.items() if name != "_lock"}
            return rebuild_manifest, (state,)
        return NotImplemented


def install(cache: ManifestCache) -> None:
    """Make dbt's manifest loading use the cache (what a parse would return, when the
    cache holds it) and send every real parse back to the server (a file in its folder).

    Only the forked children run dbt: the server itself never parses, because dbt's
    static parser (dbt_extractor) keeps a pool of native threads that a fork does not
    copy (a child would wait for them forever)."""
    from dbt.context.query_header import generate_query_header_context
    from dbt.adapters.factory import get_adapter
    from dbt.parser.manifest import ManifestLoader

    original = ManifestLoader.get_full_manifest.__func__

    def get_full_manifest(cls, config, **kwargs):
        manifest = cache.find(config)
        if manifest is not None:
            # what get_full_manifest does after loading (save_macros_to_adapter)
            adapter = get_adapter(config)
            adapter.set_macro_resolver(manifest)
            adapter.connections.set_query_header(generate_query_header_context(adapter.config, manifest))
            return manifest
        manifest = original(cls, config, **kwargs)
        spooled = cache.spool / f"manifest-{os.getpid()}.pickle"
        with spooled.with_suffix(".tmp").open("wb") as handle:
            ManifestPickler(handle).dump(cache.entry(config, manifest))
        spooled.with_suffix(".tmp").rename(spooled)
        return manifest

    ManifestLoader.get_full_manifest = classmethod(get_full_manifest)


#: Modules every dbt command of the suite imports after the command line's own (found by
#: comparing sys.modules before and after a `dbt build` and a `dbt docs generate`):
#: imported once here, not again in each forked child (about 1.4 CPU seconds a command).
#: Importing these starts no thread (dbt's static parser starts its pool when it first
#: parses; numpy, which starts OpenBLAS's threads on import, is left to the children).
PRELOADED = (
    "dbt.adapters.duckdb", "dbt.adapters.duckdb.environments.local", "dbt.compilation", "dbt.graph.thread_pool",
    "dbt.parser.sql", "dbt.runners", "dbt.task.build", "dbt.task.compile", "dbt.task.docs.generate",
    "dbt.task.list", "dbt.task.run", "dbt.task.run_operation", "dbt.task.seed", "dbt.task.test",
    "dbt_common.clients.agate_helper", "multiprocessing.dummy", "multiprocessing.pool", "babel.dates", "daff",
    "sqlparse", "dbt_metricflow", "duckdb", "tsqa.dbt_plugin", "tsqa.landing",
)


def preload() -> None:
    import importlib

    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:   # (a module of another dbt version: the child imports what it needs)
            pass


def fast_write_json() -> None:
    """dbt writes its artefacts (manifest.json, some 3.6 MB, twice a command; run_results,
    semantic manifest) with ``json.dump``, which always takes Python's pure-Python encoder;
    ``json.dumps`` with the same encoder class takes the C one and gives the same bytes
    (about 0.5 CPU seconds a command)."""
    import json

    import dbt.artifacts.schemas.base
    import dbt.artifacts.schemas.run.v5.run
    import dbt_common.clients.system as system
    from dbt_common.utils.encoding import JSONEncoder

    original = system.write_json

    def write_json(path: str, data: dict) -> bool:
        try:
            text = json.dumps(data, cls=JSONEncoder)
        except Exception:  # noqa: BLE001 - whatever dbt's own writer does with it
            return original(path, data)
        path = system.convert_path(path)
        system.make_directory(os.path.dirname(path))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return True

    for module in (system, dbt.artifacts.schemas.base, dbt.artifacts.schemas.run.v5.run):
        if getattr(module, "write_json", None) is original:
            module.write_json = write_json


def run_cli(args: list[str]) -> int:
    """dbt's own command line, as the `dbt` executable runs it."""
    from dbt.cli.main import cli

    sys.argv = ["dbt", *args]
    try:
        cli()
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0


def close_duckdb() -> None:
    """Close the database as a dbt process does when it ends (DuckDB checkpoints its
    write-ahead log into the file then): the child leaves with os._exit, which would
    leave the last writes in the .wal file beside the warehouse."""
    import gc

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()
    del environment
    gc.collect()


def fork(cache: ManifestCache, request: dict, fds: list[int], close: list[socket.socket]) -> int:
    """A child running dbt's command line with the request's streams, folder and
    environment; returns its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 2
    try:
        for sock in close:
            sock.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        code = run_cli(request["args"])
        close_duckdb()
    except BaseException:  # noqa: BLE001 - reported on the caller's stderr
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(socket_path: Path, warm_args: list[str]) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(socket_path))
    listener.listen(16)
    parent = os.getppid()
    cache = ManifestCache(socket_path.parent)

    import dbt.cli.main  # noqa: F401 - the import every command shares
    install(cache)
    preload()
    fast_write_json()
    if warm_args:
        # the parse most commands of the session reuse, before any (clients queue meanwhile)
        with open(os.devnull, "r+b") as null:
            pid = fork(cache, {"args": warm_args, "cwd": os.getcwd(), "env": dict(os.environ)},
                       [null.fileno()] * 3, [listener])
            os.waitpid(pid, 0)
        cache.load_spooled(pid)

    running: dict[int, socket.socket] = {}
    started: dict[int, tuple[float, list[str]]] = {}
    while os.getppid() == parent:
        ready, _, _ = select.select([listener], [], [], 0.05)
        if ready:
            connection, _ = listener.accept()
            try:
                message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
                request = json.loads(message)
            except (OSError, ValueError):
                connection.close()
                continue
            pid = fork(cache, request, fds, [listener, connection])
            for fd in fds:
                os.close(fd)
            running[pid] = connection
            started[pid] = (time.monotonic(), request["args"][:1])
        while running:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            connection = running.pop(pid, None)
            if connection is not None:
                begun, command = started.pop(pid)
                # what each command cost (the server's log, for measuring the suite)
                print(f"dbt {' '.join(command)}: exit {os.waitstatus_to_exitcode(status)}, "
                      f"{time.monotonic() - begun:.1f}s wall, {usage.ru_utime + usage.ru_stime:.1f}s cpu",
                      file=sys.stderr, flush=True)
                code = os.waitstatus_to_exitcode(status)
                try:
                    connection.send(str(code if code >= 0 else 128 - code).encode())
                except OSError:
                    pass
                connection.close()
            cache.load_spooled(pid)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2:])
