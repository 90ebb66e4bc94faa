"""What the store hands back (records and digests), the one store error with content of its own
(StaleVersionError), and the small helpers every part of the store shares."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from casebook import vocab
from casebook.errors import StoreError
from casebook.model import Case

JST = dt.timezone(dt.timedelta(hours=9), "JST")   # what staff read on the clock; Japan has no DST
ACTIONS = ("create", "save", "status", "restore", "comment", "import")



class StaleVersionError(StoreError):
    """Someone saved the case after the editor opened it; nothing was written."""

    def __init__(self, case_id: str, base_version: int, current_version: int, saved_by: str,
                 saved_at: dt.datetime):
        self.case_id, self.base_version, self.current_version = case_id, base_version, current_version
        self.saved_by, self.saved_at = saved_by, saved_at
        super().__init__(
            f"この事例は {saved_at.astimezone(JST):%Y-%m-%d %H:%M} に {saved_by} さんが保存しています（版 {current_version}）。"
            f"あなたの編集は版 {base_version} を元にしています。入力内容は保存されていません。"
            "手元の入力は残っていますので、最新の版を開いて見比べてから保存し直してください。")

    def __reduce__(self):  # picklable across processes despite the keyword-rich constructor
        return (type(self), (self.case_id, self.base_version, self.current_version, self.saved_by,
                             self.saved_at))


# --- records -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseRecord:
    case: Case
    version: int
    updated_by: str
    updated_at: dt.datetime
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class CaseDigest:
    """A case as a batch job checks it for changes: index columns, version and a SHA-256 of the stored
    content (the database's own JSON text), without building the Case."""
    id: str
    version: int
    updated_at: dt.datetime
    ward: str
    fiscal_year: int
    status: str
    themes: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class HistoryEntry:
    case_id: str
    version: int
    saved_by: str
    saved_at: dt.datetime
    action: str
    status: str
    note: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC, PostgreSQL the session's zone: both become aware UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _status_label(status: str) -> str:
    try:
        return vocab.status_label(status)
    except vocab.VocabError:
        return status


def _transition_message(old: str, new: str, role: str | None) -> str:
    base = f"状態を「{_status_label(old)}」から「{_status_label(new)}」へは変更できません"
    if vocab.allowed_transition(old, new):
        who = next((r["name"] for r in vocab.app_roles() if r["id"] == role), role)
        return f"{base}（{who}にはこの変更の権限がありません）"
    options = "・".join(_status_label(s) for s in vocab.next_statuses(old)) or "なし"
    return f"{base}（「{_status_label(old)}」から変更できるのは: {options}）"


def _record(row, case: Case | None = None) -> CaseRecord:
    return CaseRecord(case=case or Case.model_validate(row.data), version=row.version,
                      updated_by=row.updated_by, updated_at=_utc(row.updated_at),
                      created_by=row.created_by, created_at=_utc(row.created_at))


def _index_columns(case: Case) -> dict:
    return {"ward": case.ward, "fiscal_year": case.fiscal_year, "status": case.status,
            "title": case.title, "themes": _themes_key(case.themes)}


def _require_author(author: str) -> str:
    if not author or not str(author).strip():
        raise StoreError("保存する人の名前（author）が空です")
    return str(author).strip()


_WARD_ORDER = {w.name: w.order for w in vocab.wards()}
_THEME_ORDER = {name: i for i, name in enumerate(vocab.theme_names())}



def _themes_key(themes: Iterable[str]) -> str:
    return "".join(f"|{t}" for t in themes) + "|" if themes else ""
