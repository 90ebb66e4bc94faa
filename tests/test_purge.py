"""A person withdraws consent: the administrator purges their case, and its text is then found
nowhere — not in the database file, not in the casebook, its cache or search index, not in the
published snapshot — while an audit record says who removed a case, when and why, without its text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_build import _gen
from test_store import _session
from typer.testing import CliRunner

from casebook.pipeline.build import build_casebook
from casebook.cli import app
from casebook.model import Case
from casebook.apps.publish import SNAPSHOT_NAME, open_snapshot_at, publish
from casebook.purge import purge
from casebook.store import NotFoundError, Store

pytestmark = pytest.mark.slow

CASE_ID = "2024-27116-77"
MARKER = "みかん色の灯りサロン"
TITLE = f"縁側の{MARKER}とAさんの再出発"
ASCII_MARKER = "lanternmarker"


def _forms(text: str) -> list[bytes]:
    """The ways text can sit in a file: UTF-8, and JSON's \\u escapes (SQLite's JSON columns)."""
    return [text.encode("utf-8"), json.dumps(text).strip('"').encode("ascii")]


NEEDLES = [*_forms(MARKER), ASCII_MARKER.encode()]


def _the_case() -> Case:
    base = _gen().make_cases(1, seed=7)[0].model_dump()
    base.update(id=CASE_ID, ward="生野区", fiscal_year=2024, title=TITLE, status="published")
    base["discussion"]["discussion"] = f"{MARKER}で話し合った。{ASCII_MARKER}"
    base["comments"][0]["text"] = f"{MARKER}の取り組みは参考になる"
    return Case.model_validate(base)


@pytest.fixture
def working(settings, store_url, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB_URL", store_url)
    s = settings.with_(db_url=store_url)
    gen = _gen()
    with Store(store_url) as store:
        store.import_all(cases=[*gen.make_cases(3, status="published"), _the_case()],
                         activity=gen.make_activity(), author="test")
        record = store.get_case(CASE_ID)
        record.case.plan.policy = f"{MARKER}を続ける"
        store.save_case(record.case, author="山田", base_version=record.version)
        store.record_override(CASE_ID, field="discussion", kind="name", text=MARKER, editor="編集者",
                              reason=f"{MARKER}は店の名前")
        store.save_session(_session().model_copy(update={"case_ids": [CASE_ID, gen.make_cases(1)[0].id]}))
    return s


def _files_with(root, needles) -> list[str]:
    hits = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            data = Path(folder, name).read_bytes()
            if any(n in data for n in needles):
                hits.append(os.path.relpath(os.path.join(folder, name), root))
    return hits


def _rows_with(store: Store, needles: list[str]) -> list[str]:
    """Every row of every table as text, on either backend."""
    hits = []
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            tables = [t for (t,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")]
        else:
            tables = [t for (t,) in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        for table in tables:
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"'):
                text = " ".join(str(v) for v in row)
                if any(n in text for n in needles):
                    hits.append(f"{table}: {text[:80]}")
    return hits


def test_a_purged_case_is_found_nowhere_and_the_audit_says_who_when_why_without_it(working, store_url):
    settings = working
    report = build_casebook(settings, None, jobs=1, progress=False)
    assert report.exit_code == 0, report.summary()
    publish(settings, static=True)
    # Before: the case is in the casebook, its cache, its search index and the published snapshot.
    assert (settings.casebook_dir / "cases" / f"{CASE_ID}.html").exists()
    assert CASE_ID in (settings.casebook_dir / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert _files_with(settings.build_dir, NEEDLES)
    with open_snapshot_at(settings.publish_dir / SNAPSHOT_NAME) as snap:
        assert CASE_ID in snap.case_ids()
    with Store(store_url) as store:
        assert _rows_with(store, [MARKER, ASCII_MARKER])

    done = purge(settings, CASE_ID, actor="管理者A", reason="本人の同意撤回の申し出", origin="pytest")
    assert done.counts["versions"] == 2 and done.counts["overrides"] == 1 and done.counts["comments"] >= 1
    assert done.counts["sessions"] == ["2024-basic2-01"]

    # The store: no row holds it, and on SQLite not even the raw bytes of the file (free pages, WAL).
    with Store(store_url) as store:
        assert _rows_with(store, [MARKER, ASCII_MARKER, TITLE]) == []
        with pytest.raises(NotFoundError):
            store.get_case(CASE_ID)
        assert CASE_ID not in store.get_session("2024-basic2-01").case_ids
        assert store.overrides(CASE_ID) == []
        assert store.integrity_check() == []
        assert len(store.case_ids()) == 3
        entries = store.audit_log(action="case.purge")
    if store_url.startswith("sqlite"):
        path = store_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-journal"):
            if os.path.exists(path + suffix):
                raw = Path(path + suffix).read_bytes()
                assert not any(n in raw for n in NEEDLES + _forms(TITLE)), suffix

    # Everything derived: rebuilt without it (the other cases still there), nothing left in build/.
    assert _files_with(settings.build_dir, NEEDLES + _forms(TITLE)) == []
    assert _files_with(settings.build_dir, [CASE_ID.encode()]) == []
    assert not (settings.casebook_dir / "cases" / f"{CASE_ID}.html").exists()
    assert len(list((settings.casebook_dir / "cases").glob("*.html"))) == 3
    assert CASE_ID not in (settings.casebook_dir / "assets" / "search-index.js").read_text(encoding="utf-8")
    with open_snapshot_at(settings.publish_dir / SNAPSHOT_NAME) as snap:
        assert CASE_ID not in snap.case_ids() and len(snap.case_ids()) == 3
    assert any("事例集" in r for r in done.rebuilt) and any("公開用" in r for r in done.rebuilt)

    # The audit record: who, when, why — and none of the content.
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.action, entry.record, entry.origin) == ("管理者A", "case.purge", CASE_ID, "pytest")
    assert entry.detail["reason"] == "本人の同意撤回の申し出" and entry.at is not None
    assert not any(n in repr(entry) for n in (MARKER, TITLE, ASCII_MARKER))


def test_purge_on_the_command_line_asks_first_and_refuses_without_a_reason(settings):
    with Store.open(settings) as store:
        store.import_all(cases=[_the_case()], author="test")
    runner = CliRunner()
    no = runner.invoke(app, ["purge", CASE_ID, "--reason", "同意撤回", "--by", "管理者A"], input="n\n")
    assert no.exit_code == 1 and "削除しませんでした" in no.output and TITLE in no.output
    assert runner.invoke(app, ["purge", CASE_ID, "--by", "管理者A", "--yes"]).exit_code == 2   # --reason is required
    with Store.open(settings) as store:
        assert store.case_ids() == [CASE_ID] and store.audit_log(action="case.purge") == []
    yes = runner.invoke(app, ["purge", CASE_ID, "--reason", "同意撤回", "--by", "管理者A"], input="y\n")
    assert yes.exit_code == 0, yes.output
    assert "完全に削除しました" in yes.output and "監査記録" in yes.output
    audit = runner.invoke(app, ["audit"])
    assert audit.exit_code == 0 and "case.purge" in audit.output and "管理者A" in audit.output
    assert TITLE not in audit.output
    again = runner.invoke(app, ["purge", CASE_ID, "--reason", "同意撤回", "--yes"])
    assert again.exit_code == 1 and "ありません" in again.output
