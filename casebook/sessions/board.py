"""What the board and the report show, computed from stored records (pure functions)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import mean
from typing import TYPE_CHECKING, Any

from casebook import vocab
from casebook.model import (
    SESSION_KINDS,
    Evaluation,
    GroupNote,
    Session,
    scale_label,
)
from casebook.sessions.submissions import SURVEY_SCORES, group_names

if TYPE_CHECKING:  # the store is imported lazily: the CLI imports this module at start-up
    from casebook.store import Store


# --- what the board and the report show (pure) -----------------------------------------------

@dataclass
class BoardPoint:
    note_id: int
    group: str
    author: str
    text: str
    pinned: bool


@dataclass
class BoardQuestion:
    index: int
    question: str
    by_group: dict[str, list[BoardPoint]]
    total: int
    groups_answered: int


@dataclass
class Board:
    questions: list[BoardQuestion]
    groups: list[str]
    tally: dict[str, list[int]]          # group -> points per question
    pinned: list[BoardPoint]
    signature: tuple                      # changes whenever anything shown changes

    @property
    def total(self) -> int:
        return sum(q.total for q in self.questions)


def board(session: Session, notes: list[tuple[int, GroupNote]]) -> Board:
    groups = group_names(session)
    extra = sorted({n.group for _, n in notes} - set(groups))
    groups = groups + extra
    questions = []
    tally = {g: [0] * len(session.questions) for g in groups}
    for qi, text in enumerate(session.questions):
        by_group: dict[str, list[BoardPoint]] = {g: [] for g in groups}
        for nid, n in sorted(notes, key=lambda item: item[0]):
            if n.question == qi:
                by_group[n.group].append(BoardPoint(nid, n.group, n.author, n.text, n.pinned))
        for g in groups:
            tally[g][qi] = len(by_group[g])
        questions.append(BoardQuestion(qi, text, by_group, sum(len(v) for v in by_group.values()),
                                       sum(1 for v in by_group.values() if v)))
    pinned = [p for q in questions for ps in q.by_group.values() for p in ps if p.pinned]
    signature = tuple(sorted((nid, n.group, n.question, n.author, n.text, n.pinned) for nid, n in notes))
    return Board(questions, groups, tally, pinned, signature)


def attendance(session: Session) -> dict[str, Any]:
    """Participants by ward (official order; 市社協・その他 last) and by role."""
    order = {w.name: w.order for w in vocab.wards()}
    wards = Counter(p.ward or "市社協・その他" for p in session.participants)
    roles = Counter(p.role or "（未記入）" for p in session.participants)
    by_ward = sorted(wards.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    return {"total": len(session.participants), "by_ward": by_ward, "by_role": roles.most_common(),
            "wards": len([w for w in wards if w in order])}


def survey_summary(evaluations: list[Evaluation]) -> dict[str, Any]:
    """Counts per scale label (とてもよかった first) and the mean of each 5-point item."""
    out: dict[str, Any] = {"responses": len(evaluations)}
    for key in SURVEY_SCORES:
        values = [getattr(e, key) for e in evaluations]
        counts = Counter(values)
        out[key] = {"counts": [(scale_label(s), counts.get(s, 0)) for s in (5, 4, 3, 2, 1)],
                    "mean": round(mean(values), 2) if values else None,
                    "positive": (sum(1 for v in values if v >= 4) / len(values)) if values else None}
    out["comments"] = [e.comments for e in evaluations if e.comments]
    out["requests"] = [e.requests for e in evaluations if e.requests]
    return out


def comparison(store: "Store", session: Session) -> list[dict[str, Any]]:
    """This session and the earlier ones of the same kind: date, participants, survey means."""
    rows = []
    for s in sorted(store.list_sessions(), key=lambda s: (s.date, s.id)):
        if s.kind != session.kind or (s.date, s.id) > (session.date, session.id):
            continue
        summary = survey_summary(store.evaluations(s.id))
        rows.append({"id": s.id, "title": s.title, "date": s.date, "participants": len(s.participants),
                     "responses": summary["responses"],
                     **{k: summary[k]["mean"] for k in SURVEY_SCORES}, "current": s.id == session.id})
    return rows


def kind_label(kind: str) -> str:
    return SESSION_KINDS.get(kind, kind)
