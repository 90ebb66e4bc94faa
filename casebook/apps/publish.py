"""`workbench publish`: a read-only snapshot of only what may be published, served by Voila.

What reaches the snapshot (a separate SQLite file, build/publish/published.sqlite):
- cases with status 公開中 that pass both checks a reader's page needs: consent and the
  anonymisation check (casebook.render.pages.check_publishable) and the privacy gate with the editor's
  recorded overrides (casebook.workflow); any other published case is refused by name, with why;
- every ward's activity figures;
- training sessions without anybody's name: participants keep only their ward and role, group
  members and the facilitator are dropped, and a summary with a privacy finding is withheld.

The file is written under a temporary name, checked, made read-only and moved into place in one
rename, so a running page never sees half a snapshot. The published notebooks (notebooks/published/)
open it through `open_snapshot()`: SQLite `mode=ro`, so a write fails in the driver. Voila and its
kernels get an environment with the snapshot's path (WORKBENCH_PUBLISHED) and without the working
store's path or URL (`published_environ`).

    publish(settings) -> PublishReport                 snapshot + static export
    build_snapshot(store, settings) -> PublishReport
    export_static(catalog, out_dir) -> Path            offline HTML of the dashboard
    serve_published(settings, port=, pool_size=, ...) -> VoilaServer
    open_snapshot() / load_catalog()                   inside a published page's kernel
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from casebook.errors import WorkbenchError
from casebook.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    from casebook.catalog import Catalog
    from casebook.model import Case, Session
    from casebook.apps.serving import VoilaServer
    from casebook.store import Store

PUBLISHED_ENV = "WORKBENCH_PUBLISHED"
SNAPSHOT_NAME = "published.sqlite"
SIMILAR_SUFFIX = ".similar.json"    # beside the snapshot: each published case's similar published cases
STATIC_NAME = "dashboard"
PUBLISHED_NOTEBOOKS_DIR = REPO_ROOT / "notebooks" / "published"
DASHBOARD_NOTEBOOK = "ward_dashboard.ipynb"
BROWSER_NOTEBOOK = "casebook_browser.ipynb"
AUTHOR = "公開処理"   # the snapshot records no staff name as author

# Environment variables a published kernel must not inherit: the working store's settings and any
# database credentials the publishing user may have exported.
_PRIVATE_PREFIXES = ("WORKBENCH_", "PG")
_PRIVATE_NAMES = {"DATABASE_URL", "SQLALCHEMY_DATABASE_URI"}


class PublishError(WorkbenchError):
    """A refusal of the whole publish step; the message is Japanese."""


@dataclass(frozen=True)
class Refusal:
    case_id: str
    title: str
    ward: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"事例「{self.title}」（{self.case_id}・{self.ward}）は公開しません:\n" + "\n".join(
            f"  {r}" for r in self.reasons)


@dataclass
class PublishReport:
    snapshot: Path
    published: list[tuple[str, str]] = field(default_factory=list)     # (case id, title)
    refused: list[Refusal] = field(default_factory=list)
    not_published: int = 0          # cases in other statuses, never considered
    activity: int = 0
    sessions: int = 0
    withheld: list[str] = field(default_factory=list)                  # session parts left out, why
    static_dir: Path | None = None

    def summary(self) -> str:
        lines = [f"公開用スナップショット: {self.snapshot}",
                 f"  公開する事例 {len(self.published)} 件、公開しない事例 {len(self.refused)} 件"
                 f"（公開中以外の事例 {self.not_published} 件は対象外）",
                 f"  活動状況 {self.activity} 行、研修会 {self.sessions} 件（参加者の氏名は含めません）"]
        if self.static_dir:
            lines.append(f"静的ダッシュボード: {self.static_dir / 'index.html'}")
        return "\n".join(lines)


# --- what may be published -------------------------------------------------------------------------

def refusal_reasons(store: "Store", case: "Case") -> list[str]:
    """Why a published case must not reach a reader ([] when it may): consent, anonymisation check,
    and every privacy finding the editor has not overridden, each naming its field."""
    from casebook.render.pages import PageError, check_publishable
    from casebook.workflow import gate

    reasons: list[str] = []
    try:
        check_publishable(case)
    except PageError as exc:
        reasons.append(str(exc))
    reasons += [b.line() for b in gate(case, store.overrides(case.id))]
    return reasons


def published_session(session: "Session", case_ids: set[str]) -> tuple["Session | None", list[str]]:
    """The session as a reader may see it: no names; (None, why) when it cannot be shown at all."""
    from casebook.model import Participant
    from casebook.privacy import find_pii

    notes: list[str] = []
    head = f"研修会「{session.title}」（{session.id}）"
    if find_pii(session.title) or find_pii(session.venue):
        return None, [f"{head}: 名称または会場に個人が特定されるおそれのある記述があるため公開しません"]
    summary = session.summary
    if summary and find_pii(summary):
        summary = ""
        notes.append(f"{head}: 総括に個人が特定されるおそれのある記述があるため、総括を公開しません")
    questions = [q for q in session.questions if not find_pii(q)]
    if len(questions) != len(session.questions):
        notes.append(f"{head}: 問いの一部に個人が特定されるおそれのある記述があるため、その問いを公開しません")
    advisor = session.advisor if session.advisor and not find_pii(session.advisor) else ""
    agenda = [a for a in session.agenda if not find_pii(a.title)]
    if len(agenda) != len(session.agenda):
        notes.append(f"{head}: 次第の一部に個人が特定されるおそれのある記述があるため、その項目を公開しません")
    # Attendance by ward and role stays (the dashboard counts it); the names do not.
    participants = [Participant(name=f"参加者{i}", ward=p.ward, role=p.role)
                    for i, p in enumerate(session.participants, start=1)]
    # A group named after a person ("田中班") keeps only its number.
    groups = [g.model_copy(update={"members": [], "name": f"グループ{i}" if find_pii(g.name) else g.name})
              for i, g in enumerate(session.groups, start=1)]
    return session.model_copy(update={
        "facilitator": "", "advisor": advisor, "participants": participants, "groups": groups,
        "agenda": agenda, "questions": questions, "summary": summary,
        "case_ids": [c for c in session.case_ids if c in case_ids]}), notes


def build_snapshot(store: "Store", settings: Settings) -> PublishReport:
    """Write the snapshot of what may be published and swap it into place (read-only file)."""
    from casebook.store.snapshot import write_snapshot

    target = settings.publish_dir / SNAPSHOT_NAME
    report = PublishReport(snapshot=target)
    cases: list[Case] = []
    for record in store.list_cases(status="published"):
        case = record.case
        reasons = refusal_reasons(store, case)
        if reasons:
            report.refused.append(Refusal(case.id, case.title, case.ward, tuple(reasons)))
        else:
            cases.append(case)
            report.published.append((case.id, case.title))
    report.not_published = len(store.case_ids(status=["draft", "submitted", "reviewed", "approved"]))
    ids = {c.id for c in cases}
    sessions = []
    for s in store.list_sessions():
        shown, notes = published_session(s, ids)
        report.withheld += notes
        if shown is not None:
            sessions.append(shown)
    activity = store.activity()

    settings.publish_dir.mkdir(parents=True, exist_ok=True)
    write_similar(similar_path(target), cases, sessions)
    tmp = settings.publish_dir / f".{SNAPSHOT_NAME}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        counts, problems, stored = write_snapshot(tmp, cases=cases, activity=activity, sessions=sessions,
                                                  author=AUTHOR)
        if problems or stored != len(cases):
            raise PublishError("公開用スナップショットの検査に失敗しました: " + "; ".join(problems or ["件数が合いません"]))
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, target)   # one rename: a page opens the old file or the new one, never half
    finally:
        tmp.unlink(missing_ok=True)
    report.activity, report.sessions = counts["activity"], counts["sessions"]
    return report


def publish(settings: Settings | None = None, *, static: bool = True) -> PublishReport:
    """Snapshot of the working store (opened read-only) and, unless told not to, the static export."""
    from casebook.store import Store

    settings = settings or Settings.from_env()
    from casebook.apps.public import private_data_dir

    private_data_dir(settings.data_dir)
    with Store.open(settings, read_only=True) as store:
        report = build_snapshot(store, settings)
    if static:
        with open_snapshot_at(report.snapshot) as snap:
            from casebook.catalog import Catalog

            report.static_dir = export_static(Catalog.load(snap, read_similar(report.snapshot)),
                                              settings.publish_dir / STATIC_NAME)
    return report


def similar_path(snapshot: Path | str) -> Path:
    """published.sqlite -> published.similar.json (copied with it into the public server's folder)."""
    snapshot = Path(snapshot)
    return snapshot.with_name(snapshot.stem + SIMILAR_SUFFIX)


def write_similar(path: Path, cases: list, sessions: list) -> None:
    """The published cases' neighbours (analysis.similar.published_neighbours), as JSON, read-only,
    swapped into place; computed here so no reader's kernel loads SudachiPy for it."""
    import json

    from casebook.analysis.similar import published_neighbours

    data = json.dumps(published_neighbours(cases, sessions), ensure_ascii=False).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_similar(snapshot: Path | str) -> dict:
    """The neighbours written beside `snapshot`; {} when there are none (an older snapshot)."""
    import json

    path = similar_path(snapshot)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- reading the snapshot (inside a published page's kernel) ---------------------------------------

def open_snapshot_at(path: Path | str) -> "Store":
    from casebook.store import Store, StoreError

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"公開用スナップショットがありません: {path}（先に workbench publish を実行してください）")
    return Store(f"sqlite:///{path}", read_only=True)


@cache
def open_snapshot() -> "Store":
    """The snapshot named by WORKBENCH_PUBLISHED, read-only in the driver; never the working store."""
    from casebook.store import StoreError

    path = os.environ.get(PUBLISHED_ENV)
    if not path:
        raise StoreError("公開用スナップショットが指定されていません（WORKBENCH_PUBLISHED）")
    return open_snapshot_at(path)


@cache
def load_catalog() -> "Catalog":
    from casebook.catalog import Catalog

    snapshot = open_snapshot()
    path = os.environ[PUBLISHED_ENV]
    return Catalog.load(snapshot, lambda: read_similar(path))   # read when a case is first shown


# --- serving -----------------------------------------------------------------------------------------

def published_environ(snapshot: Path, settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Voila's (and so every kernel's) environment: the snapshot's path, nothing of the working store."""
    base = os.environ if base is None else base
    secrets = [s for s in (settings.store_url, str(settings.sqlite_path), str(settings.data_dir),
                           settings.db_url or "") if s]
    env = {k: v for k, v in base.items()
           if not k.startswith(_PRIVATE_PREFIXES) and k not in _PRIVATE_NAMES
           and not any(s in v for s in secrets)}
    env[PUBLISHED_ENV] = str(Path(snapshot).resolve())
    env["PYTHONUNBUFFERED"] = "1"
    env["MPLCONFIGDIR"] = str(settings.publish_dir / "mplconfig")
    return env


def serve_published(settings: Settings | None = None, *, port: int = 0, pool_size: int = 1,
                    max_kernels: int = 12, max_kernels_per_client: int = 3, cull_idle_timeout: int = 300,
                    cull_interval: int = 30, unconnected_timeout: int = 30, memory_limit_mb: int = 600,
                    notebooks_dir: Path | None = None, log_path: Path | None = None,
                    wait: bool = True) -> "VoilaServer":
    """The public server: static pages of the snapshot build at once, Voila over notebooks/published/
    while the kernel budget lasts; started as root, it runs as the unprivileged public user
    (casebook.apps.public) and sees only its own copy of the snapshot. 12 kernels overall: on 2 cores
    benchmarks/publish_load.py found 24 slower for everyone (live view p50 9.3 s vs 2.8 s)."""
    from casebook.apps.public import ensure_public_user, prepare_public_root, private_data_dir, public_environ
    from casebook.apps.serving import PublicOptions, VoilaOptions, free_port, launch, public_voila_argv

    settings = settings or Settings.from_env()
    snapshot = settings.publish_dir / SNAPSHOT_NAME
    if not snapshot.is_file():
        raise PublishError(f"公開用スナップショットがありません: {snapshot}（先に workbench publish を実行してください）")
    root = Path(notebooks_dir or PUBLISHED_NOTEBOOKS_DIR)
    if port and not _port_free(port):
        raise PublishError(f"ポート {port} は既に使われています（別のポートを --port で指定してください）")
    static_dir = settings.publish_dir / STATIC_NAME
    if not (static_dir / "index.html").is_file():
        with open_snapshot_at(snapshot) as snap:
            from casebook.catalog import Catalog

            export_static(Catalog.load(snap, read_similar(snapshot)), static_dir)
    private_data_dir(settings.data_dir)
    user = ensure_public_user()
    public_root = prepare_public_root(snapshot, static_dir, user)
    try:
        opts = VoilaOptions(root=root, port=port or free_port(), pool_size=pool_size, max_kernels=max_kernels,
                            cull_idle_timeout=cull_idle_timeout, cull_interval=cull_interval)
        public = PublicOptions(static_dir=public_root.static_dir, log_file=public_root.log_file,
                               connection_dir=public_root.runtime, max_kernels_per_client=max_kernels_per_client,
                               unconnected_timeout=unconnected_timeout, memory_limit_mb=memory_limit_mb)
        # Exactly this environment: nothing of the working store is merged in.
        env = public_environ(published_environ(snapshot, settings), public_root, user)
        server = launch(opts, env, log_path=log_path or public_root.log_file, wait=wait,
                        argv=public_voila_argv(opts, public), user=user)
    except BaseException:
        public_root.remove()
        raise
    server.log_path = public_root.log_file
    server.public_root, server.public_user = public_root, user
    server.cleanups.append(public_root.remove)
    server.cleanups.append(lambda: _keep_logs(public_root.log_file.parent, settings.publish_dir / "logs"))
    return server


def _keep_logs(src: Path, dst: Path) -> None:
    """The public server's logs outlive its private folder (removed when it stops)."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("public.log*"):
        shutil.copyfile(f, dst / f.name)


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as tornado binds: TIME_WAIT is no clash
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# --- the static export ---------------------------------------------------------------------------------

def export_static(catalog: "Catalog", out_dir: Path) -> Path:
    """The dashboard as offline HTML (index, one page per ward, one per case), swapped into place."""
    from casebook.pipeline.site import bigrams, build_index, case_text, index_js
    from casebook.render.dashboard_static import render_site
    from casebook import vocab

    files = render_site(catalog)
    # The search page's index: the casebook's character-bigram index, links into cases/.
    docs = [((c.id, c.title, c.ward, vocab.format_fiscal_year(c.fiscal_year), f"cases/{c.id}.html"),
             bigrams(case_text(c))) for c in catalog.cases]
    files["assets/search-index.js"] = index_js(build_index(docs))
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex[:8]}.tmp")
    old = out_dir.with_name(f".{out_dir.name}.old")
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        shutil.rmtree(old, ignore_errors=True)
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
