"""The one place the Python side reads tsqa's configuration.

Every value comes from the environment with a default that makes the demo work; the
dbt side reads the same variables in ``profiles.yml`` and ``dbt_project.yml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Documented development default for the pseudonymisation key. Set TSQA_PII_SALT
#: to a secret value in any real deployment.
DEV_PII_SALT = "tsqa-dev-salt-not-secret"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    duckdb_path: Path
    as_of: str | None
    pii_salt: str

    @property
    def dev_key(self) -> bool:
        """The pseudonymisation key is the public development default (TSQA_PII_SALT
        unset, empty or equal to it): anyone can invert its user keys."""
        return self.pii_salt == DEV_PII_SALT

    @property
    def working_path(self) -> Path:
        """The file the gated build writes before it is published."""
        return self.duckdb_path.with_name(self.duckdb_path.stem + ".building.duckdb")

    @property
    def artifacts_dir(self) -> Path:
        """Where reports, extracts and Data Docs are written, beside the warehouse."""
        return self.duckdb_path.parent


def load(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        raw_dir=Path(env.get("TSQA_RAW_DIR") or "data/raw"),
        duckdb_path=Path(env.get("TSQA_DUCKDB_PATH") or "warehouse/tsqa.duckdb"),
        as_of=env.get("TSQA_AS_OF") or None,
        pii_salt=env.get("TSQA_PII_SALT") or DEV_PII_SALT,
    )
