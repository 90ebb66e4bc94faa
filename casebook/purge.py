"""Purging a case: removed for good from the store and from everything made from it, with an audit
record that says who, when and why — and nothing of the case's content.

    purge(settings, case_id, actor=..., reason=...) -> PurgeReport

1. the store, in one transaction (`Store.purge_case`): the case, all its versions (case_history), its
   comments (part of its data), the editor's privacy overrides, its id in every session's case list,
   and one `case.purge` row in the audit log; then `Store.compact()` (SQLite: checkpoint + VACUUM so
   no free page keeps the text; PostgreSQL: VACUUM FULL of the tables touched);
2. the build cache (build/cache/casebook): the manifest's and search bigrams' entries of the case, its
   cached pages, the cached search indexes, the gate verdicts and the last report;
3. the casebook (build/casebook) is rebuilt without the case when it held it (same parameter set as
   its last build; unchanged pages come from the cache) — if that fails, it is removed;
4. the published snapshot (build/publish) is made again through `casebook.apps.publish` when it held the
   case — if that fails, snapshot and static pages are removed;
5. a last sweep of build/: any other file that still names the case (a prepared session notebook, a
   leftover temporary folder) is removed, and listed.

There are no accounts yet: the command line on the server is the administrator's tool, and `actor`
is who ran it (the OS user, or --by). Sign-in will hand the signed-in user here instead.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from casebook.settings import Settings


@dataclass
class PurgeReport:
    case_id: str
    counts: dict = field(default_factory=dict)        # versions, comments, overrides, sessions
    removed: list[str] = field(default_factory=list)  # derived files removed (relative to build/)
    rebuilt: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        lines = [(f"事例「{self.case_id}」を完全に削除しました: 版 {c.get('versions', 0)} 件、"
                  f"コメント {c.get('comments', 0)} 件、個人情報の判断記録 {c.get('overrides', 0)} 件"),
                 f"  研修会の事例リストから外した研修会: {'、'.join(c.get('sessions', [])) or 'なし'}",
                 f"  作り直したもの: {'、'.join(self.rebuilt) or 'なし'}",
                 f"  削除した生成ファイル: {len(self.removed)} 件",
                 "  監査記録に、誰が・いつ・なぜ削除したかを残しました（事例の内容は残していません）"]
        lines += [f"注意: {n}" for n in self.notes]
        return "\n".join(lines)


def _needles(case_id: str, title: str) -> list[bytes]:
    """How the case may be written in a derived file: its id, and its title as text, HTML and JSON."""
    found = [case_id]   # first: the id alone is what the rebuilt casebook and snapshot are checked for
    if len(title) >= 4:
        found += sorted({title, html.escape(title, quote=True), json.dumps(title)[1:-1]})
    return [n.encode("utf-8") for n in found]


def _mentions(path: Path, needles: list[bytes]) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    for needle in needles:
        if needle[:1].isdigit():   # an id: not a part of a longer number (2024-27116-03 vs …-031)
            if re.search(rb"(?<![0-9])" + re.escape(needle) + rb"(?![0-9])", data):
                return True
        elif needle in data:
            return True
    return False


def _files(root: Path):
    if root.exists():
        for folder, _dirs, names in os.walk(root):
            for name in names:
                yield Path(folder) / name


def purge(settings: Settings, case_id: str, *, actor: str, reason: str, origin: str = "",
          rebuild: bool = True) -> PurgeReport:
    """Remove the case everywhere (see the module docstring). Raises NotFoundError for an unknown id
    and StoreError for an empty actor or reason, before anything is changed."""
    from casebook.store import Store

    report = PurgeReport(case_id)
    with Store.open(settings) as store:
        title = store.get_case(case_id).case.title   # only to find derived files; never written anywhere
        report.counts = store.purge_case(case_id, actor=actor, reason=reason, origin=origin)
        report.notes += store.compact()
    needles = _needles(case_id, title)
    build = settings.build_dir
    report.removed += _scrub_cache(settings, case_id, needles)
    site_held = any(_mentions(p, needles[:1]) for p in _files(settings.casebook_dir))
    if site_held:
        _rebuild_casebook(settings, report, rebuild)
    snapshot_held = any(_mentions(p, needles[:1]) for p in _files(settings.publish_dir))
    if snapshot_held:
        _republish(settings, report, rebuild)
    for path in _files(build):
        if _mentions(path, needles):
            path.unlink(missing_ok=True)
            report.removed.append(str(path.relative_to(build)))
    sessions_left = [r for r in report.removed if r.startswith("sessions/")]
    if sessions_left:
        report.notes.append("研修会の準備ファイルから事例を含むものを削除しました。該当の研修会は "
                            "workbench session prepare / report で作り直してください")
    return report


def _scrub_cache(settings: Settings, case_id: str, needles: list[bytes]) -> list[str]:
    """The case out of the build cache; what is only a cache of all cases is dropped whole."""
    from casebook.pipeline.page_cache import write_json_atomic

    root = settings.cache_dir / "casebook"
    removed: list[str] = []

    def drop(path: Path) -> None:
        if path.exists():
            path.unlink()
            removed.append(str(path.relative_to(settings.build_dir)))

    records: set[str] = set()
    manifest = root / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        cases = data.get("cases", {})
        mine = [k for k, e in cases.items() if e.get("id") == case_id]
        if mine:
            records = {cases[k].get("record") for k in mine}
            data["cases"] = {k: e for k, e in cases.items() if k not in mine}
            write_json_atomic(manifest, data, separators=(",", ":"))
    except (OSError, ValueError, AttributeError):
        drop(manifest)
    grams = root / "search-grams.json"
    try:
        data = json.loads(grams.read_text(encoding="utf-8"))
        if records & set(data.get("grams", {})):
            data["grams"] = {k: v for k, v in data["grams"].items() if k not in records}
            write_json_atomic(grams, data, separators=(",", ":"))
    except (OSError, ValueError, AttributeError):
        drop(grams)
    drop(root / "gate.json")        # verdicts with the flagged text, by content hash: recomputed cheaply
    drop(root / "report.json")      # the last build's full report (blocked cases' flagged text)
    for path in list(_files(root / "search")):
        drop(path)                  # search indexes of whole casebooks: made again by the next build
    for path in list(_files(root / "pages")):
        if _mentions(path, needles):
            drop(path)
    return removed


def _rebuild_casebook(settings: Settings, report: PurgeReport, rebuild: bool) -> None:
    from casebook.pipeline.build import build_casebook

    target = settings.casebook_dir
    try:
        params = json.loads((target / "report.json").read_text(encoding="utf-8")).get("params")
    except (OSError, ValueError):
        params = None
    if rebuild:
        try:
            build_casebook(settings, params, progress=False)
            if not (target / "cases" / f"{report.case_id}.html").exists():
                report.rebuilt.append(f"事例集（{target}）")
                return
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the old casebook must go
            report.notes.append(f"事例集を作り直せませんでした（{type(exc).__name__}: {exc}）")
    shutil.rmtree(target, ignore_errors=True)
    report.removed.append(str(target.relative_to(settings.build_dir)) + "/")
    report.notes.append(f"事例集（{target}）を削除しました。workbench build で作り直してください")


def _republish(settings: Settings, report: PurgeReport, rebuild: bool) -> None:
    from casebook.apps.publish import SNAPSHOT_NAME, STATIC_NAME, publish

    static = (settings.publish_dir / STATIC_NAME).exists()
    if rebuild:
        try:
            publish(settings, static=static)
            report.rebuilt.append(f"公開用スナップショット（{settings.publish_dir / SNAPSHOT_NAME}）"
                                  + ("と静的ダッシュボード" if static else ""))
            return
        except Exception as exc:  # noqa: BLE001
            report.notes.append(f"公開用スナップショットを作り直せませんでした（{type(exc).__name__}: {exc}）")
    for path in (settings.publish_dir / SNAPSHOT_NAME, settings.publish_dir / STATIC_NAME):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        report.removed.append(str(path.relative_to(settings.build_dir)))
    report.notes.append("公開用スナップショットを削除しました。workbench publish で作り直してください")
