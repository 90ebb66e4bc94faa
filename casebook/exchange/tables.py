"""The sheets of an exchange file and their columns, derived from the model and the vocabulary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from casebook import vocab
from casebook.model import (SESSION_KINDS, AdvisorComment, AgendaItem, Case, EcomapNode, EcomapTie,
                            Evaluation, Group, GroupNote, Participant, Session, TimelineEntry,
                            WardActivity)

# 助言 / ポイント整理 as DOMAIN.md names them; the model keeps the ids.
COMMENT_KINDS = {"advice": "助言", "key_points": "ポイント整理"}


@dataclass(frozen=True)
class Column:
    path: str              # dotted path in the record dict ("summary.referral")
    header: str            # Japanese header
    kind: str              # text|list|bool|int|number|year|date|datetime|choice|score|question|ref
    choices: tuple[tuple[str, str], ...] = ()   # (id, label) for kind "choice"
    optional: bool = False  # None when blank
    required: bool = False  # the model has no default: a sheet without this column cannot be read


@dataclass(frozen=True)
class Table:
    name: str                      # sheet name and CSV sibling suffix
    kind: str                      # which record: case|timeline|node|tie|comment|activity|session|...
    columns: tuple[Column, ...]

    def header(self, path: str) -> str:
        return next((c.header for c in self.columns if c.path == path), "")


def _label(name: str, record: str = "") -> str:
    labels = vocab.field_labels()
    return labels.get(f"{record}.{name}") or labels.get(name) or name


def _choices(rows: Iterable[dict] | dict[str, str]) -> tuple[tuple[str, str], ...]:
    if isinstance(rows, dict):
        return tuple(rows.items())
    return tuple((str(r["id"]), r["name"]) for r in rows)


def _choice_table() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    eco = vocab.ecomap_vocab()
    return {("case", "target"): _choices(vocab.targets()),
            ("case", "status"): _choices(vocab.statuses()),
            ("node", "kind"): _choices(eco["node_kinds"]),
            ("tie", "strength"): _choices(eco["strengths"]),
            ("tie", "direction"): _choices(eco["directions"]),
            ("comment", "kind"): _choices(COMMENT_KINDS),
            ("session", "kind"): _choices(SESSION_KINDS)}


def _kind_of(annotation: Any) -> tuple[str, bool]:
    """The cell kind of a model field's type, and whether it may be None."""
    optional = False
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0]
        origin = get_origin(annotation)
    if origin is Annotated:
        annotation = get_args(annotation)[0]
        origin = get_origin(annotation)
    if origin is Literal:
        return "choice", optional
    if origin is list:
        return "list", optional
    for typ, kind in ((bool, "bool"), (dt.datetime, "datetime"), (dt.date, "date"), (int, "int"),
                      (float, "number"), (str, "text")):
        if annotation is typ:
            return kind, optional
    raise TypeError(f"no cell kind for {annotation!r}")


def _model_columns(model: type[BaseModel], record: str, *, prefix: str = "", header_prefix: str = "",
                   skip: Iterable[str] = (), kinds: dict[str, str] | None = None,
                   labels: dict[str, str] | None = None) -> list[Column]:
    choice_table = _choice_table()
    out = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        kind, optional = _kind_of(info.annotation)
        kind = (kinds or {}).get(name, "year" if name == "fiscal_year" else kind)
        choices = choice_table.get((record, name), ())
        kind = "choice" if choices else kind
        header = (labels or {}).get(name) or _label(name, record)
        out.append(Column(path=prefix + name, header=header_prefix + header, kind=kind,
                          choices=choices, optional=optional, required=info.is_required()))
    return out


_CASE_SECTIONS = ("summary", "person", "community", "assessment", "plan", "outcome",
                  "reflection", "discussion", "ethics")
_CASE_OWN_SHEETS = ("ecomap", "timeline", "comments")


def _case_columns() -> list[Column]:
    cols: list[Column] = []
    for name, info in Case.model_fields.items():
        if name in _CASE_OWN_SHEETS:
            continue
        if name in _CASE_SECTIONS:
            section = info.annotation
            cols += _model_columns(section, name, prefix=f"{name}.", header_prefix=f"{_label(name)} › ")
        else:
            cols += _model_columns(Case, "case", skip=[n for n in Case.model_fields if n != name])
    return cols


def _ref(record_label: str) -> Column:
    return Column(path="__ref__", header=_label(record_label), kind="ref")


def _tables() -> dict[str, Table]:
    score = {"satisfaction": "score", "understanding": "score", "usefulness": "score"}
    tables = [
        Table("事例", "case", tuple(_case_columns())),
        Table("支援の経過", "timeline", (_ref("id"), *_model_columns(TimelineEntry, "timeline"))),
        Table("エコマップ要素", "node", (_ref("id"), *_model_columns(
            EcomapNode, "node", labels={"id": _label("node_id")}))),
        Table("エコマップ関係線", "tie", (_ref("id"), *_model_columns(
            EcomapTie, "tie", labels={"target": _label("target_node")}))),
        Table("助言者コメント", "comment", (_ref("id"), *_model_columns(
            AdvisorComment, "comment", labels={"kind": _label("kind", "comment")}))),
        Table("活動状況", "activity", tuple(_model_columns(WardActivity, "activity"))),
        Table("研修会", "session", tuple(_model_columns(
            Session, "session", skip=("agenda", "participants", "groups", "questions"),
            labels={"id": _label("session_id")}))),
        Table("次第", "agenda", (_ref("session_id"), *_model_columns(AgendaItem, "agenda"))),
        Table("問い", "question", (_ref("session_id"), Column("text", _label("question"), "text"))),
        Table("参加者", "participant", (_ref("session_id"), *_model_columns(Participant, "participant"))),
        Table("グループ", "group", (_ref("session_id"), *_model_columns(
            Group, "group", labels={"name": _label("group")}))),
        Table("グループメモ", "group_note", tuple(_model_columns(
            GroupNote, "group_note", kinds={"question": "question"}))),
        Table("評価", "evaluation", tuple(_model_columns(Evaluation, "evaluation", kinds=score))),
    ]
    return {t.name: t for t in tables}


TABLES: dict[str, Table] = _tables()
_CASE_TABLES = ("事例", "支援の経過", "エコマップ要素", "エコマップ関係線", "助言者コメント")
_SESSION_TABLES = ("研修会", "次第", "問い", "参加者", "グループ", "グループメモ", "評価")
_SUB_OF = {"timeline": ("timeline",), "node": ("ecomap", "nodes"), "tie": ("ecomap", "ties"),
           "comment": ("comments",), "agenda": ("agenda",), "question": ("questions",),
           "participant": ("participants",), "group": ("groups",)}
