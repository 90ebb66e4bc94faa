"""Shared fixtures: isolated settings, and a store on each real backend (SQLite file, PostgreSQL)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from casebook.settings import Settings
from browser_support import keep_local

PG_URL = os.environ.get("WORKBENCH_TEST_PG_URL")


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings pointing into a temporary folder, also exported for child processes."""
    s = Settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build")
    s.data_dir.mkdir(parents=True)
    for key, value in s.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("WORKBENCH_DB_URL", raising=False)
    return s


def _fresh_pg_database() -> str:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("WORKBENCH_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("PostgreSQL not started (run the tests with `make test`)")
    name = f"wb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """An empty database URL on each backend; the store tests run once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    url = _fresh_pg_database()
    yield url
    _drop_pg_database(url)


# --- real browser (Debian's Chromium via pytest-playwright) ------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def offline(page):
    """A page that cannot reach beyond 127.0.0.1 / file://; `page.external_requests` lists what it tried."""
    page.external_requests = keep_local(page)
    return page


@pytest.fixture
def reader(offline):
    """A reader's page on the published server: kept local, and patient (a live kernel may be starting)."""
    offline.set_default_timeout(60_000)
    return offline
