"""What an import or export hands back: the located problems, the refusal, the records, the reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from casebook.errors import WorkbenchError
from casebook.model import Case, Evaluation, GroupNote, Session, WardActivity

KINDS = ("cases", "activity", "sessions", "group_notes", "evaluations")
KIND_LABELS = {"cases": "事例", "activity": "活動状況", "sessions": "研修会",
               "group_notes": "グループメモ", "evaluations": "評価"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file, located the way the user sees it."""
    source: str            # file name, with the sheet for Excel: "figures.xlsx › 活動状況"
    row: int | None        # row number as Excel shows it (header = 1); item number in YAML/JSON
    column: str            # the column header (or field label) the problem is in
    reason: str            # Japanese

    def __str__(self) -> str:
        where = [self.source, f"{self.row}行目" if self.row is not None else "", f"「{self.column}」" if self.column else ""]
        return f"{' '.join(w for w in where if w)}: {self.reason}"


class ImportFailed(WorkbenchError):
    """Nothing was written: `problems` lists every bad row with its number, column and reason."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        head = f"取り込めませんでした（問題 {len(self.problems)} 件。何も書き込んでいません）"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems[:50])]))


@dataclass
class Bundle:
    """Everything one import brings, parsed and validated; `origins` locates each record."""
    cases: list[Case] = field(default_factory=list)
    activity: list[WardActivity] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    group_notes: list[GroupNote] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    origins: dict[tuple[str, int], "_Origin"] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def origin(self, kind: str, index: int) -> "_Origin":
        """Where record `index` of `kind` came from (a bundle built in code: its kind and number)."""
        return self.origins.get((kind, index)) or _Origin(KIND_LABELS[kind], index + 1, "")


@dataclass(frozen=True)
class ImportReport:
    sources: tuple[Path, ...]
    counts: dict[str, int]          # records read, by kind (KINDS)
    written: dict[str, int]         # what Store.import_all reports (cases_new, cases_updated, …)

    def summary(self) -> str:
        parts = [f"{KIND_LABELS[k]} {n:,}件" for k, n in self.counts.items() if n]
        text = f"{'、'.join(parts) if parts else '0件'}を取り込みました"
        updated, unchanged = self.written.get("cases_updated", 0), self.written.get("cases_unchanged", 0)
        if updated or unchanged:
            text += f"（事例のうち 新規 {self.written.get('cases_new', 0)}件・更新 {updated}件・変更なし {unchanged}件）"
        return text


@dataclass(frozen=True)
class ExportReport:
    path: Path
    files: tuple[Path, ...]
    counts: dict[str, int]
    removed: tuple[Path, ...] = ()

    def summary(self) -> str:
        parts = [f"{KIND_LABELS[k]} {n:,}件" for k, n in self.counts.items() if n]
        names = "、".join(p.name for p in self.files)
        return f"{'、'.join(parts) or '0件'}を書き出しました: {names}"


@dataclass(frozen=True)
class _Origin:
    source: str
    row: int | None
    key_column: str
