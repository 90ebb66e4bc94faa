"""Publishing: what reaches the read-only snapshot, what is refused by name, and the offline export.

An editor runs `workbench publish`; readers then see only published cases that passed the privacy
gate, ward figures and training sessions without anybody's name — on SQLite and PostgreSQL
working stores alike.
"""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import sys

import pytest

from casebook import vocab
from casebook.catalog import Catalog
from casebook.model import AgendaItem, Ethics, Group
from casebook.apps.publish import (PUBLISHED_ENV, SNAPSHOT_NAME, open_snapshot_at, publish,
                              published_environ, published_session)
from casebook.store import ReadOnlyError, Store
from casebook.workflow import gate
from tests.publish_seed import (APPROVED_TITLE, DRAFT_TITLE, FACILITATOR, PARTICIPANT_NAMES,
                                PUBLISHED_TITLE, seed)

PHONE_CASE = "2024-27116-94"


@pytest.fixture
def working(settings, store_url):
    """The working store, seeded, on each backend; settings point at it."""
    s = settings.with_(db_url=store_url)
    with Store(store_url) as store:
        info = seed(store)
    return s, info


def _snapshot_cases(settings) -> dict[str, str]:
    with open_snapshot_at(settings.publish_dir / SNAPSHOT_NAME) as snap:
        return {r.case.id: r.case.title for r in snap.list_cases()}


def test_snapshot_holds_only_published_cases_figures_and_nameless_sessions(working):
    settings, info = working
    report = publish(settings, static=False)

    titles = set(_snapshot_cases(settings).values())
    assert PUBLISHED_TITLE in titles
    assert DRAFT_TITLE not in titles and APPROVED_TITLE not in titles
    assert {cid for cid, _ in report.published} == set(info["published_ids"])
    assert report.refused == []
    with open_snapshot_at(report.snapshot) as snap:
        assert {r.case.status for r in snap.list_cases()} == {"published"}
        assert len({(a.ward) for a in snap.activity()}) == 24
        session = snap.get_session(info["session"].id)
        history_authors = {h.saved_by for r in snap.list_cases() for h in snap.history(r.case.id)}
    assert session.summary == info["session"].summary
    assert session.case_ids == ["2024-27116-93"]            # the draft it discussed is not named
    assert [p.ward for p in session.participants] == ["生野区", "生野区", "北区"]
    assert history_authors == {"公開処理"}                  # no staff name as an author either
    raw = report.snapshot.read_bytes().decode("utf-8", errors="replace")
    for name in (*PARTICIPANT_NAMES, FACILITATOR, DRAFT_TITLE, APPROVED_TITLE):
        assert name not in raw, name


def test_a_session_agenda_or_group_named_after_a_person_is_not_published(working):
    _settings, info = working
    session = info["session"].model_copy(update={
        "agenda": [AgendaItem(title="山本さんの事例報告", minutes=30), AgendaItem(title="グループ討議", minutes=40)],
        "groups": [Group(name="田中班", members=["山田"]), Group(name="2班")]})
    shown, notes = published_session(session, {"2024-27116-93"})

    assert [a.title for a in shown.agenda] == ["グループ討議"]
    assert [g.name for g in shown.groups] == ["グループ1", "2班"]
    assert all(g.members == [] for g in shown.groups)
    text = shown.model_dump_json()
    assert "山本" not in text and "田中" not in text
    assert any("次第" in n for n in notes)


def test_snapshot_file_is_read_only_and_a_write_fails_in_the_driver(working):
    settings, _ = working
    report = publish(settings, static=False)
    assert not report.snapshot.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    before = report.snapshot.read_bytes()
    with open_snapshot_at(report.snapshot) as snap:
        with pytest.raises(ReadOnlyError):
            snap.put_activity([])
        # Past our own check, straight to the database: SQLite itself refuses (mode=ro).
        with pytest.raises(Exception, match="readonly|read-only"):
            with snap.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM cases")
    assert report.snapshot.read_bytes() == before


def test_published_case_with_a_phone_number_is_refused_by_name(working):
    settings, _ = working
    with Store(settings.store_url) as store:
        record = store.get_case("2024-27116-93")
        leaked = record.case.model_copy(update={"id": PHONE_CASE, "title": "電話番号が残った公開事例"})
        leaked.person.wishes = "困ったときは 06-6765-4321 に電話してほしいと話す。"
        store.import_all(cases=[leaked], author="テスト")
    report = publish(settings, static=False)

    assert [r.case_id for r in report.refused] == [PHONE_CASE]
    line = report.refused[0].line()
    assert "電話番号が残った公開事例" in line and "本人の思い・意向" in line and "06-6765-4321" in line
    assert PHONE_CASE not in _snapshot_cases(settings)
    # Nothing in the snapshot has a finding the editor has not overridden in the working store.
    with Store(settings.store_url, read_only=True) as store, open_snapshot_at(report.snapshot) as snap:
        for r in snap.list_cases():
            assert gate(r.case, store.overrides(r.case.id)) == [], r.case.id
    assert "06-6765-4321" not in report.snapshot.read_bytes().decode("utf-8", errors="replace")


def test_cli_publish_names_the_refused_case(working):
    settings, _ = working
    with Store(settings.store_url) as store:
        case = store.get_case("2024-27116-93").case.model_copy(
            update={"id": PHONE_CASE, "title": "連絡先が残った事例", "ethics": Ethics(consent=False, anonymised=True)})
        store.import_all(cases=[case], author="テスト")
    env = {**settings.environ(), "PATH": "/usr/bin:/bin", "WORKBENCH_DB_URL": settings.store_url}
    run = subprocess.run([sys.executable, "-m", "casebook.cli", "publish", "--static-only"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1, run.stderr              # a refusal is visible to scripts …
    assert "連絡先が残った事例" in run.stderr and "本人同意" in run.stderr
    assert "公開する事例" in run.stdout                  # … and the other cases are still published


def test_kernel_environment_names_the_snapshot_and_not_the_working_store(settings):
    pg = "postgresql+psycopg://editor:secret@db.example/work"
    s = settings.with_(db_url=pg)
    base = {"PATH": "/usr/bin", "HOME": "/root", "WORKBENCH_DB_URL": pg, "WORKBENCH_DATA": str(s.data_dir),
            "WORKBENCH_BUILD": str(s.build_dir), "PGPASSWORD": "secret", "OTHER": f"x:{s.sqlite_path}"}
    env = published_environ(s.publish_dir / SNAPSHOT_NAME, s, base)
    assert env[PUBLISHED_ENV] == str((s.publish_dir / SNAPSHOT_NAME).resolve())
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/root"
    text = "\n".join(f"{k}={v}" for k, v in env.items())
    for secret in (pg, "secret", str(s.data_dir), "WORKBENCH_DB_URL", "WORKBENCH_DATA"):
        assert secret not in text


def test_static_dashboard_is_offline_and_shows_every_ward(working):
    settings, _ = working
    report = publish(settings)
    out = report.static_dir
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(w in index for w in vocab.ward_names())
    assert sorted(p.stem for p in (out / "wards").glob("*.html")) == sorted(w.code for w in vocab.wards())
    ikuno = (out / "wards" / "27116.html").read_text(encoding="utf-8")
    assert PUBLISHED_TITLE in ikuno and "基礎研修 II 事例検討会" in ikuno
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert DRAFT_TITLE not in everything and APPROVED_TITLE not in everything
    for name in PARTICIPANT_NAMES:
        assert name not in everything
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", everything)   # nothing fetched from afar
    assert not re.search(r"@import|url\(\s*['\"]?https?:", everything)


def test_catalog_search_takes_any_text_as_plain_words(working):
    settings, _ = working
    publish(settings, static=False)
    with open_snapshot_at(settings.publish_dir / SNAPSHOT_NAME) as snap:
        catalog = Catalog.load(snap)
    assert [c.title for c in catalog.search("多文化共生　サロン", ward="生野区")] == [
        c.title for c in catalog.search("ｻﾛﾝ 多文化共生", ward="生野区")]
    assert PUBLISHED_TITLE in [c.title for c in catalog.search("多文化共生 サロン")]
    # Read as a pattern or as SQL, these would match every case; as plain words they match none.
    for hostile in (".*", "' OR 1=1 --", "\\", "x" * 10_000):
        assert catalog.search(hostile) == [], hostile
    assert catalog.search("(")                              # a plain character still finds text with it
    assert catalog.search(DRAFT_TITLE) == [] and catalog.search(APPROVED_TITLE) == []


def test_republishing_replaces_the_snapshot_while_a_reader_holds_the_old_one(working):
    settings, _ = working
    first = publish(settings, static=False)
    with open_snapshot_at(first.snapshot) as reader:
        before = len(reader.list_cases())
        with Store(settings.store_url) as store:
            rec = store.get_case("2024-27116-93")
            store.change_status(rec.case.id, "approved", author="編集者", role="editor", base_version=rec.version)
        publish(settings, static=False)
        assert len(reader.list_cases()) == before           # the open page keeps a whole snapshot
    assert PUBLISHED_TITLE not in _snapshot_cases(settings).values()
    con = sqlite3.connect(f"file:{first.snapshot}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
