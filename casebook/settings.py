"""One settings object: every path in or out of the workbench comes from here.

Read from the environment (WORKBENCH_DATA, WORKBENCH_DB_URL, WORKBENCH_BUILD) with defaults
inside the repository checkout, so a newcomer needs to set nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent          # casebook/: its code, vocab and templates
REPO_ROOT = PACKAGE_DIR.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
    db_url: str | None = None
    build_dir: Path = field(default_factory=lambda: REPO_ROOT / "build")
    notebooks_dir: Path = field(default_factory=lambda: REPO_ROOT / "notebooks")
    parameters_dir: Path = field(default_factory=lambda: REPO_ROOT / "parameters")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        base = cls()
        return cls(
            data_dir=Path(env["WORKBENCH_DATA"]).expanduser() if env.get("WORKBENCH_DATA") else base.data_dir,
            db_url=env.get("WORKBENCH_DB_URL") or None,
            build_dir=Path(env["WORKBENCH_BUILD"]).expanduser() if env.get("WORKBENCH_BUILD") else base.build_dir,
        )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "workbench.sqlite"

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the working store: WORKBENCH_DB_URL, else the SQLite file."""
        return self.db_url or f"sqlite:///{self.sqlite_path}"

    @property
    def casebook_dir(self) -> Path:
        return self.build_dir / "casebook"

    @property
    def sessions_build_dir(self) -> Path:
        return self.build_dir / "sessions"

    @property
    def publish_dir(self) -> Path:
        return self.build_dir / "publish"

    @property
    def cache_dir(self) -> Path:
        return self.build_dir / "cache"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def environ(self) -> dict[str, str]:
        """Environment variables that hand these settings to a child process (a kernel, Voila)."""
        env = {"WORKBENCH_DATA": str(self.data_dir), "WORKBENCH_BUILD": str(self.build_dir)}
        if self.db_url:
            env["WORKBENCH_DB_URL"] = self.db_url
        return env


def get_settings() -> Settings:
    return Settings.from_env()
