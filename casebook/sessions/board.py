"""What the board and the report show, computed from stored records (pure functions)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
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
    flagged: list[str] = field(default_factory=list)   # what the privacy check found (labels)
    released: bool = False

    @property
    def shown(self) -> str:
        """What a screen (a projector) may show: flagged text masked until the facilitator releases it."""
        return self.text if self.released or not self.flagged else mask(self.text)


@lru_cache(maxsize=4096)   # the board re-reads every note every few seconds
def _findings(text: str) -> tuple:
    from casebook.privacy import find_pii

    return tuple(find_pii(text))


def mask(text: str) -> str:
    """Each piece of personal information replaced by its kind: 〔人名〕, 〔電話番号〕 …"""
    out, last = [], 0
    for f in sorted(_findings(text), key=lambda f: f.start):
        if f.start < last:
            continue
        out += [text[last:f.start], f"〔{f.label}〕"]
        last = f.end
    return "".join(out) + text[last:]


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
                flagged = [f.label for f in _findings(n.text)]
                by_group[n.group].append(BoardPoint(nid, n.group, n.author, n.text, n.pinned, flagged, n.released))
        for g in groups:
            tally[g][qi] = len(by_group[g])
        questions.append(BoardQuestion(qi, text, by_group, sum(len(v) for v in by_group.values()),
                                       sum(1 for v in by_group.values() if v)))
    pinned = [p for q in questions for ps in q.by_group.values() for p in ps if p.pinned]
    signature = tuple(sorted((nid, n.group, n.question, n.author, n.text, n.pinned, n.released)
                             for nid, n in notes))
    return Board(questions, groups, tally, pinned, signature)


def attendance(session: Session, joined: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Who came, by ward (official order; 市社協・その他 last) and by role, beside how many registered.

    `joined` is (name, ward) of each participant who joined (report.joined_participants); None
    counts the registration list (a plan: nobody has joined yet)."""
    order = {w.name: w.order for w in vocab.wards()}
    listed = {p.name: p for p in session.participants}
    people = [(p.name, p.ward) for p in session.participants] if joined is None else joined
    wards = Counter(ward or "市社協・その他" for _, ward in people)
    roles = Counter((listed[name].role if name in listed else "") or "（未記入）" for name, _ in people)
    by_ward = sorted(wards.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    return {"total": len(people), "registered": len(session.participants), "by_ward": by_ward,
            "by_role": roles.most_common(), "wards": len([w for w in wards if w in order])}


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


JOINED = "参加（入室の記録）"
SENT = {"note": "グループの記録", "survey": "アンケート"}
NO_JOINS = "入室の記録がない回"


def attended(store, session: Session, notes: list | None = None,
             evaluations: list[Evaluation] | None = None) -> dict[str, tuple[str, str]]:
    """Who attended `session`: name -> (ward, evidence in Japanese), in the order they joined.

    The one rule (the report, `workbench trainees`, its Excel): attendance is the store's joins
    (store.session_joins, written when a participant enters the page). A person who joined and wrote
    nothing attended; a registered person who never joined did not. A session with no join recorded
    at all was held before joins were recorded (or imported): then whoever sent a point or the survey
    counts, and the evidence says so. The ward is the join's, else the registration list's."""
    listed = {p.name: p.ward or "" for p in session.participants}
    joins = store.session_joins(session.id)
    if joins:
        return {j.participant: (j.ward or listed.get(j.participant, ""), JOINED) for j in joins}
    notes = store.group_notes(session.id) if notes is None else notes
    evaluations = store.evaluations(session.id) if evaluations is None else evaluations
    kinds: dict[str, list[str]] = {}
    for name, kind in [(n.author, SENT["note"]) for _, n in notes] + [(e.participant, SENT["survey"])
                                                                       for e in evaluations]:
        if name and kind not in kinds.setdefault(name, []):
            kinds[name].append(kind)
    return {name: (listed.get(name, ""), f"{NO_JOINS}: " + "・".join(k for k in SENT.values() if k in ks))
            for name, ks in kinds.items()}


def joined_participants(store, session: Session, notes: list | None = None,
                        evaluations: list[Evaluation] | None = None) -> list[tuple[str, str]]:
    """(name, ward) of everyone who attended (`attended`), by name."""
    return sorted((name, ward) for name, (ward, _) in attended(store, session, notes, evaluations).items())


def comparison(store: "Store", session: Session) -> list[dict[str, Any]]:
    """This session and the earlier ones of the same kind: date, participants, survey means."""
    rows = []
    # One row per session held: a copy made under another id for the same day and title is the same
    # session (the report's own session wins).
    held: dict[tuple, Session] = {}
    for s in sorted(store.list_sessions(), key=lambda s: (s.date, s.id)):
        if s.kind != session.kind or (s.date, s.id) > (session.date, session.id):
            continue
        if (s.date, s.title) not in held or s.id == session.id:
            held[(s.date, s.title)] = s
    for s in held.values():
        evaluations = store.evaluations(s.id)
        summary = survey_summary(evaluations)
        joined = joined_participants(store, s, store.group_notes(s.id), evaluations)
        rows.append({"id": s.id, "title": s.title, "date": s.date, "participants": len(joined),
                     "responses": summary["responses"],
                     **{k: summary[k]["mean"] for k in SURVEY_SCORES}, "current": s.id == session.id})
    return rows


def kind_label(kind: str) -> str:
    return SESSION_KINDS.get(kind, kind)
