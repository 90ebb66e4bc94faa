"""A store made by an older release opens in this one: forward migrations, one transaction per step."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from casebook.store import schema as store_module   # where the migration steps live
from casebook.store import SCHEMA_VERSION, Store, StoreError, migrate
from test_store import make_case

V1_DUMP = Path(__file__).parent / "data" / "store_v1.sql"
CASE_ID = "2022-27116-01"


def _write_release1_rows(url: str) -> None:
    """What release 1 wrote for one case and one session, through the tables as they stand in the file."""
    case = make_case(CASE_ID, fiscal_year=2022, themes=["見守り・訪問", "認知症"], status="approved")
    data = case.model_dump(mode="json")
    at = dt.datetime(2022, 9, 1, 1, 30, tzinfo=dt.timezone.utc)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        assert "privacy_overrides" not in meta.tables and "themes" not in meta.tables["cases"].c
        conn.execute(meta.tables["cases"].insert().values(
            id=CASE_ID, ward=case.ward, fiscal_year=2022, status="approved", title=case.title, data=data,
            version=2, created_by="山田", created_at=at, updated_by="編集者", updated_at=at))
        conn.execute(meta.tables["case_history"].insert(), [
            dict(case_id=CASE_ID, version=1, action="create", status="reviewed", note="", saved_by="山田",
                 saved_at=at, data={**data, "status": "reviewed"}),
            dict(case_id=CASE_ID, version=2, action="status", status="approved", note="助言済み → 承認済み",
                 saved_by="編集者", saved_at=at, data=data)])
        conn.execute(meta.tables["sessions"].insert().values(
            id="2022-basic1-01", title="基礎研修I", date=dt.date(2022, 6, 3), closed=True,
            data={"id": "2022-basic1-01", "title": "基礎研修I", "date": "2022-06-03", "closed": True},
            updated_at=at))
    engine.dispose()


def _sees_the_old_case_and_the_new_capabilities(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    record = store.get_case(CASE_ID)
    assert record.version == 2 and record.case.status == "approved" and record.updated_by == "編集者"
    assert [h.action for h in store.history(CASE_ID)] == ["create", "status"]
    assert store.case_at(CASE_ID, 1).status == "reviewed"
    # Step 3 filled the new themes column from the stored case, so the theme filter finds it.
    assert [r.case.id for r in store.list_cases(theme="認知症")] == [CASE_ID]
    # Step 2's table is there: an editor's override can be recorded on the old case.
    store.record_override(CASE_ID, field="person.wishes", kind="name", text="Aさん", editor="編集者",
                          reason="仮名のため問題なし")
    assert store.overrides(CASE_ID)[0]["reason"] == "仮名のため問題なし"
    assert store.get_session("2022-basic1-01").closed
    # And it keeps working as a store: a new version on top of the migrated one.
    store.change_status(CASE_ID, "published", author="編集者", role="editor", base_version=2)
    assert store.get_case(CASE_ID).version == 3
    assert store.integrity_check() == []


def test_a_store_made_at_schema_1_opens_with_the_current_code(store_url):
    assert migrate(store_url, upto=1) == 1
    _write_release1_rows(store_url)
    with Store(store_url) as store:
        _sees_the_old_case_and_the_new_capabilities(store)
        engine = store.engine
        with engine.connect() as conn:
            steps = conn.exec_driver_sql("SELECT version, description FROM schema_version ORDER BY version").all()
    assert [v for v, _ in steps] == list(range(1, SCHEMA_VERSION + 1))
    assert all(d for _, d in steps)


def test_the_committed_release1_sqlite_file_opens_with_the_current_code(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as raw:
        raw.executescript(V1_DUMP.read_text(encoding="utf-8"))
    with Store(f"sqlite:///{path}") as store:
        _sees_the_old_case_and_the_new_capabilities(store)


def test_opening_an_up_to_date_store_again_changes_nothing(store_url):
    with Store(store_url) as store:
        store.create_case(make_case(), author="山田")
    with Store(store_url) as again:
        assert again.schema_version() == SCHEMA_VERSION
        assert again.get_case("2024-27116-01").version == 1
        with again.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM schema_version").scalar() == SCHEMA_VERSION


def test_a_failing_upgrade_step_leaves_the_store_at_the_step_before(store_url, monkeypatch):
    with Store(store_url) as store:
        store.create_case(make_case(), author="山田")

    def broken_step(conn):
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step 4 failed half way")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, ("broken", broken_step)])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="half way"):
        Store(store_url)
    monkeypatch.undo()

    with Store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_case("2024-27116-01").version == 1
        assert not sa.inspect(store.engine).has_table("half_done")


def test_a_store_from_a_newer_release_is_refused_with_a_clear_message(store_url):
    with Store(store_url) as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO schema_version (version, description, applied_at) "
                                 "VALUES (99, 'from the future', CURRENT_TIMESTAMP)")
    with pytest.raises(StoreError, match="新しい版のワークベンチ"):
        Store(store_url)


def test_an_old_store_is_not_silently_upgraded_by_a_read_only_reader(store_url):
    migrate(store_url, upto=1)
    with pytest.raises(StoreError, match="読み取り専用では開けません"):
        Store(store_url, read_only=True)
    with Store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
    with Store(store_url, read_only=True) as reader:
        assert reader.list_cases() == []
