"""dbt-duckdb plugin: hands the pseudonymisation key to DuckDB without writing it
into compiled SQL, manifests or logs.

The plugin reads the key from the environment variable TSQA_PII_SALT itself (the
documented development key when unset). It is deliberately not in profiles.yml: dbt
treats a profile's plugin config as connection info, which ``dbt debug`` prints and
which dbt hashes, unkeyed, into ``target/partial_parse.msgpack`` (an offline test of
key guesses). Every connection and cursor dbt opens gets it as the DuckDB session variable
``tsqa_pii_salt`` through a bound parameter, and models read it with
``getvariable('tsqa_pii_salt')`` (macro ``pseudonymise``). The key itself never appears
in any SQL text that dbt renders.

It hands the gated build's run nonce (``TSQA_BUILD_NONCE``, set by ``tsqa build`` for
its own dbt commands; none otherwise) to DuckDB the same way, as the session variable
``tsqa_build_nonce``: the build marker stores its SHA-256 (macros/build_marker.sql), and
the nonce itself is in no SQL text, log or file.

It also registers the landing functions of ``tsqa/landing.py`` (the landing listing and
the independent count of each file's data lines) on every connection and cursor.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from tsqa.landing import register
from tsqa.settings import DEV_PII_SALT


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._salt = os.environ.get("TSQA_PII_SALT") or DEV_PII_SALT
        self._nonce = os.environ.get("TSQA_BUILD_NONCE") or None
        # DuckDB does not create the folder of a new database file.
        path = getattr(self.creds, "path", None) if self.creds is not None else None
        if path and path != ":memory:" and "://" not in path:
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)

    def _set(self, conn: Any) -> None:
        conn.execute("set variable tsqa_pii_salt = ?", [self._salt])
        conn.execute("set variable tsqa_build_nonce = ?", [self._nonce])
        register(conn)

    def configure_connection(self, conn: Any) -> None:
        self._set(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._set(cursor)
