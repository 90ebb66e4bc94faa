"""Each trainee's record: sessions attended (really, not the registration list), their role in each,
their survey answers over time (理解度, 満足度, 有用性), and the cases they wrote with their status.

Attendance. A Session's `participants` is the registration list (40 names when one came). A person
attended when they joined the session (store.session_joins, written when a participant enters the
page): `join_attendance`, the default, which is `casebook.sessions.board.attended` — the same rule
the session report counts with. Someone who joined and wrote nothing attended; a registered person
who never joined did not. A session with no join recorded at all (held before joins were recorded)
counts who submitted something instead, and says so. `submission_attendance` (submissions only)
stays for comparison. Each row says which evidence counted (出席の根拠).

Cases written: cases whose creator in the store (CaseRecord.created_by) or provider (事例提供者) is
the person's name.

Excel: one row per person and session, Japanese headers, written 0600 (exchange's atomic writer),
in the shape the council reports training results.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from casebook import vocab

if TYPE_CHECKING:
    from casebook.model import Participant, Session
    from casebook.store import Store


class Attendance(Protocol):
    def __call__(self, store: Store, session: Session) -> dict[str, str]:
        """Who attended `session`: name -> evidence (Japanese, for the 出席の根拠 column)."""


def submission_attendance(store: Store, session: Session) -> dict[str, str]:
    """Today's rule: a person attended when they sent a group note or an evaluation in the session."""
    seen: dict[str, set[str]] = defaultdict(set)
    for _id, note in store.group_notes(session.id):
        if note.author:
            seen[note.author].add("グループの記録")
    for e in store.evaluations(session.id):
        seen[e.participant].add("アンケート")
    order = ("グループの記録", "アンケート")
    return {name: "・".join(k for k in order if k in kinds) for name, kinds in seen.items()}


def join_attendance(store: Store, session: Session) -> dict[str, str]:
    """The default: who joined the session (the report's rule, casebook.sessions.board.attended)."""
    from casebook.sessions.board import attended

    return {name: evidence for name, (_ward, evidence) in attended(store, session).items()}


@dataclass(frozen=True)
class SessionRow:
    """One person in one session they attended."""
    name: str
    ward: str
    job: str                       # 職種 from the registration list
    session_id: str
    session_title: str
    date: str
    fiscal_year: int
    kind: str
    theme: str
    role: str                      # 参加者（1グループ）
    evidence: str
    understanding: int | None
    satisfaction: int | None
    usefulness: int | None


@dataclass
class TraineeRecord:
    name: str
    ward: str
    job: str
    sessions: list[SessionRow] = field(default_factory=list)
    cases: list[tuple[str, str, str]] = field(default_factory=list)   # (id, title, status label)

    @property
    def understanding(self) -> list[tuple[str, int]]:
        return [(r.date, r.understanding) for r in self.sessions if r.understanding is not None]

    @property
    def satisfaction(self) -> list[tuple[str, int]]:
        return [(r.date, r.satisfaction) for r in self.sessions if r.satisfaction is not None]


def _registration(session: Session) -> dict[str, Participant]:
    return {p.name: p for p in session.participants}


def attended_rows(store: Store, *, attendance: Attendance = join_attendance, ward: str | None = None,
                  fiscal_year: int | None = None) -> list[SessionRow]:
    """Every (person, session) with real attendance, in date order then registration order."""
    from casebook.model import SESSION_KINDS

    ward = vocab.parse_ward(ward).name if ward else None
    year = vocab.parse_fiscal_year(fiscal_year) if fiscal_year is not None else None
    rows = []
    for s in sorted(store.list_sessions(), key=lambda s: (s.date, s.id)):
        if year is not None and s.fiscal_year != year:
            continue
        present = attendance(store, s)
        registered = _registration(s)
        answers = {e.participant: e for e in store.evaluations(s.id)}
        join_ward = {j.participant: j.ward for j in store.session_joins(s.id)}   # a walk-in's ward as typed
        names = [n for n in registered if n in present] + sorted(n for n in present if n not in registered)
        for name in names:
            p = registered.get(name)
            p_ward = (p.ward if p and p.ward else "") or join_ward.get(name, "")
            if ward and p_ward != ward:
                continue
            group = p.group if p else ""
            e = answers.get(name)
            rows.append(SessionRow(
                name=name, ward=p_ward or ("市社協・その他" if p or name in join_ward else "名簿外"), job=p.role if p else "",
                session_id=s.id, session_title=s.title, date=s.date.isoformat(), fiscal_year=s.fiscal_year,
                kind=SESSION_KINDS.get(s.kind, s.kind), theme=s.theme or "",
                role=f"参加者（{group}）" if group else "参加者", evidence=present[name],
                understanding=e.understanding if e else None, satisfaction=e.satisfaction if e else None,
                usefulness=e.usefulness if e else None))
    return rows


def attendance_count(store: Store, session: Session, attendance: Attendance = join_attendance) -> int:
    """Real attendance of one session (what the session report should count, not the registration list)."""
    return len(attendance(store, session))


def records(store: Store, *, attendance: Attendance = join_attendance, ward: str | None = None,
            fiscal_year: int | None = None) -> list[TraineeRecord]:
    """Per person: sessions attended with role and answers, and the cases they wrote."""
    by_name: dict[str, TraineeRecord] = {}
    for row in attended_rows(store, attendance=attendance, ward=ward, fiscal_year=fiscal_year):
        rec = by_name.setdefault(row.name, TraineeRecord(row.name, row.ward, row.job))
        rec.sessions.append(row)
    if by_name:
        for r in store.list_cases():
            for name in {r.created_by, r.case.provider} & set(by_name):
                by_name[name].cases.append((r.case.id, r.case.title, vocab.status_label(r.case.status)))
    return list(by_name.values())


HEADERS = ["氏名", "区社協", "職種", "年度", "研修会ID", "研修会名", "開催日", "研修の種類", "テーマ", "役割",
           "出席の根拠", "理解度", "満足度", "有用性", "作成した事例数", "作成した事例（状態）"]


def table(recs: Iterable[TraineeRecord]) -> list[list[object]]:
    """The Excel's rows: one per person and session."""
    from casebook.analysis.gate import Gate

    gate = Gate()
    out = []
    for rec in recs:
        written = "、".join(f"{gate.text(title)}（{cid}・{status}）" for cid, title, status in rec.cases)
        for r in rec.sessions:
            out.append([r.name, r.ward, r.job, vocab.era_name(r.fiscal_year), r.session_id, r.session_title,
                        r.date, r.kind, r.theme, r.role, r.evidence, r.understanding, r.satisfaction,
                        r.usefulness, len(rec.cases), written])
    return out


def write_excel(recs: Iterable[TraineeRecord], path: Path | str) -> Path:
    """研修受講記録 as .xlsx (0600, whole or not at all); an 注記 sheet says how attendance is counted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from casebook.exchange.exporting import _atomic_write

    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "研修受講記録"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for row in table(recs):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":   # a name or title that starts with "=" stays text
                cell.data_type = "s"
    widths = [12, 10, 22, 12, 14, 30, 12, 24, 18, 16, 20, 8, 8, 8, 10, 50]
    for i, w in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = w
    sheet.freeze_panes = "B2"
    notes = book.create_sheet("注記")
    for line in ("出席: 研修会の当日ページで参加した（入室した）人を出席としています。参加者名簿の登録だけでは数えません。",
                 "入室の記録がない回（記録を始める前の研修会）は、グループの記録かアンケートを送った人を出席としています（出席の根拠の列）。",
                 "理解度・満足度・有用性: 5 = とてもよかった … 1 = わるかった（アンケートに答えていない回は空欄）。",
                 "作成した事例: ワークベンチで事例を作成した人、または事例提供者がその人の名前の事例。"):
        notes.append([line])
    _atomic_write(path, book.save)
    return path
