"""Training sessions (研修会): the parameter schema, the checks every submission passes, the
figures the board and the report show, and the pipelines behind `workbench session …`.

A session parameter set (parameters/sessions/*.yaml) is validated completely before anything is
written or executed; every error names the YAML key and its Japanese label. Participants' and
the facilitator's widgets call `submit_point`, `submit_evaluation`, `pin_point`, `close` here, so
a value sent by a script over the kernel socket meets the same checks as a click in the page.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Annotated, Any, Iterable, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from casebook.errors import WorkbenchError
from casebook import vocab
from casebook.model import (SCALE, SESSION_KINDS, AgendaItem, CaseId, Evaluation, Group, GroupNote, Line,
                            Participant, Session, Text, ThemeName, describe_errors, scale_label)
from casebook.settings import REPO_ROOT, Settings

if TYPE_CHECKING:  # the store is imported lazily: the CLI imports this module at start-up
    from casebook.apps.serving import VoilaServer
    from casebook.store import Store

NOTEBOOKS = REPO_ROOT / "notebooks"
FACILITATOR_NOTEBOOK = "training_session.ipynb"
PARTICIPANT_NOTEBOOK = "session_participant.ipynb"
REPORT_NOTEBOOK = "session_report.ipynb"
FACILITATOR_KEY_ENV = "WORKBENCH_FACILITATOR_KEY"   # set by `serve` for its kernels; unset in batch runs

# The case meeting's own order (DOMAIN.md); a session's agenda is checked against nothing but
# offered as the default when a parameter set gives none.
DEFAULT_AGENDA = (("開会", 5), ("事例の提示", 15), ("事例の共有化（質疑応答）", 20), ("論点の明確化", 15),
                  ("論点の検討（グループ討議）", 40), ("まとめ（助言者の総括）", 20), ("閉会", 5))


class SessionError(WorkbenchError):
    """A refusal the user reads: `lines` are Japanese, each naming the field it is about."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


class SubmissionError(SessionError):
    """A participant's or facilitator's input that was refused; nothing was saved."""


# --- the parameter set -----------------------------------------------------------------------

_KIND_ALIASES = {"basic1": "basic1", "基礎研修i": "basic1", "基礎研修1": "basic1",
                 "basic2": "basic2", "基礎研修ii": "basic2", "基礎研修2": "basic2",
                 "other": "other", "その他": "other", "その他の研修": "other"}


def parse_kind(value: object) -> object:
    """basic1 / 基礎研修 I / 基礎研修Ⅰ / 基礎研修１ → basic1 (anything else is left for the Literal to refuse)."""
    if not isinstance(value, str):
        return value
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()
    for ident, label in SESSION_KINDS.items():
        if key == re.sub(r"\s+", "", label).lower():
            return ident
    return _KIND_ALIASES.get(key, value)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupRule(Params):
    """Form mixed-ward groups from the participant list: give `count` groups or a group `size`
    (neither: no rule, the groups come from `groups` or from each participant's `group`)."""
    rule: Literal["mixed_ward"] = Field("mixed_ward", title="ルール（mixed_ward: 区が混ざるように分ける）")
    count: Annotated[int, Field(ge=1, le=100)] | None = Field(None, title="グループ数")
    size: Annotated[int, Field(ge=2, le=50)] | None = Field(None, title="1グループの人数")

    @model_validator(mode="after")
    def _one_of(self) -> "GroupRule":
        if self.count is not None and self.size is not None:
            raise ValueError("count（グループ数）か size（1グループの人数）のどちらか一方を指定してください")
        return self

    @property
    def active(self) -> bool:
        return self.count is not None or self.size is not None


class SurveySpec(Params):
    """The evaluation survey's wording: 満足度・理解度・有用性 on the 5-point scale, then free text."""
    title: Line = Field("振り返り・アンケート", title="アンケートの見出し")
    satisfaction: Line = Field("本日の研修の満足度", title="満足度の問い")
    understanding: Line = Field("内容の理解度", title="理解度の問い")
    usefulness: Line = Field("実践への有用性（業務に役立つか）", title="有用性の問い")
    comments: Line = Field("感想・意見（自由記述）", title="感想・意見の問い")
    requests: Line = Field("今後の研修への要望", title="要望の問い")


class SessionParams(Params):
    """parameters/sessions/<id>.yaml (read by casebook.pipeline.params.load_params: unknown keys refused)."""
    id: CaseId = Field(title="研修会ID")
    title: Line = Field(title="研修会名")
    date: dt.date = Field(title="開催日")
    venue: Line = Field("", title="会場")
    kind: Annotated[Literal["basic1", "basic2", "other"], BeforeValidator(parse_kind)] = Field(
        "other", title="研修の種類（basic1: 基礎研修 I / basic2: 基礎研修 II / other）")
    theme: ThemeName | None = Field(None, title="テーマ")
    facilitator: Line = Field("", title="ファシリテーター")
    advisor: Line = Field("", title="助言者")
    case_ids: list[CaseId] = Field(default_factory=list, max_length=10, title="検討事例")
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=30, title="次第")
    participants: list[Participant] = Field(default_factory=list, max_length=500, title="参加者")
    groups: list[Group] = Field(default_factory=list, max_length=100, title="グループ")
    group_rule: GroupRule = Field(default_factory=GroupRule, title="グループ分けのルール")
    questions: list[Text] = Field(default_factory=list, max_length=20, title="グループワークの問い")
    survey: SurveySpec = Field(default_factory=SurveySpec, title="アンケート")


def cross_check(params: SessionParams, known_case_ids: Iterable[str] | None = None) -> list[str]:
    """What one field alone cannot tell: names unique, group members on the list, cases registered."""
    errors: list[str] = []
    names = [p.name for p in params.participants]
    for i, p in enumerate(params.participants):
        if not p.name:
            errors.append(f"participants[{i}].name（氏名）: 氏名を入力してください")
    for name, n in Counter(names).items():
        if n > 1 and name:
            errors.append(f"participants（参加者）: 「{name}」が{n}回あります（氏名は重複できません）")
    if params.groups and params.group_rule.active:
        errors.append("group_rule（グループ分けのルール）: groups と group_rule は同時に指定できません")
    known, seen = set(names), set()
    for gi, g in enumerate(params.groups):
        if not g.name:
            errors.append(f"groups[{gi}].name（グループ名）: グループ名を入力してください")
        elif g.name in seen:
            errors.append(f"groups[{gi}].name（グループ名）: 「{g.name}」が重複しています")
        seen.add(g.name)
        for mi, m in enumerate(g.members):
            if m not in known:
                errors.append(f"groups[{gi}].members[{mi}]（メンバー）: 「{m}」は参加者一覧にいません")
    for i, p in enumerate(params.participants):
        if p.group and params.groups and p.group not in seen:
            errors.append(f"participants[{i}].group（グループ）: 「{p.group}」というグループはありません")
    for i, q in enumerate(params.questions):
        if not q:
            errors.append(f"questions[{i}]（グループワークの問い）: 問いを入力してください")
    if known_case_ids is not None:
        registered = set(known_case_ids)
        errors += [f"case_ids[{i}]（検討事例）: 事例「{c}」は登録されていません"
                   for i, c in enumerate(params.case_ids) if c not in registered]
    return errors


def validate_params(data: object, *, known_case_ids: Iterable[str] | None = None) -> SessionParams:
    """A parsed YAML mapping -> SessionParams, or SessionError listing every problem by key."""
    from casebook.pipeline.params import describe_params_errors

    if not isinstance(data, dict):
        raise SessionError("研修会のパラメータは「キー: 値」の形（YAML のマッピング）で書いてください")
    try:
        params = SessionParams.model_validate(data)
    except ValidationError as exc:
        raise SessionError(describe_params_errors(SessionParams, exc)) from None
    errors = cross_check(params, known_case_ids)
    if errors:
        raise SessionError(errors)
    return params


def load_params(path: Path | str, *, known_case_ids: Iterable[str] | None = None) -> SessionParams:
    """Read and validate a parameter file; SessionError names every bad key (nothing else happens)."""
    from casebook.pipeline import params as parameter_sets

    path = Path(path)
    try:
        params = parameter_sets.load_params(path, SessionParams)
    except parameter_sets.ParamsError as exc:
        raise SessionError([f"{path.name}: {line}" for line in exc.lines]) from None
    errors = cross_check(params, known_case_ids)
    if errors:
        raise SessionError([f"{path.name}: {line}" for line in errors])
    return params


# --- from parameters to the stored session ---------------------------------------------------

def form_mixed_groups(participants: list[Participant], *, count: int | None = None,
                      size: int | None = None) -> list[Group]:
    """Deal participants sorted by ward round-robin into groups, so each group mixes wards."""
    n = len(participants)
    if n == 0:
        return []
    groups = count if count is not None else max(1, math.ceil(n / (size or 6)))
    groups = min(groups, n)
    order = {w.name: w.order for w in vocab.wards()}
    people = sorted(participants, key=lambda p: (order.get(p.ward or "", 99), p.role, p.name))
    members: list[list[str]] = [[] for _ in range(groups)]
    for i, p in enumerate(people):
        members[i % groups].append(p.name)
    return [Group(name=f"{i + 1}グループ", members=m) for i, m in enumerate(members)]


def build_session(params: SessionParams) -> Session:
    """The Session record a parameter set describes: groups formed, each participant's group set."""
    participants = list(params.participants)
    if params.group_rule.active:
        groups = form_mixed_groups(participants, count=params.group_rule.count, size=params.group_rule.size)
    elif params.groups:
        groups = list(params.groups)
    else:  # groups written on the participants themselves
        by_group: dict[str, list[str]] = defaultdict(list)
        for p in participants:
            if p.group:
                by_group[p.group].append(p.name)
        groups = [Group(name=g, members=m) for g, m in by_group.items()]
    group_of = {m: g.name for g in groups for m in g.members}
    participants = [p.model_copy(update={"group": group_of.get(p.name, p.group)}) for p in participants]
    agenda = params.agenda or [AgendaItem(title=t, minutes=m) for t, m in DEFAULT_AGENDA]
    return Session(id=params.id, title=params.title, date=params.date, venue=params.venue, kind=params.kind,
                   theme=params.theme, facilitator=params.facilitator, advisor=params.advisor,
                   case_ids=list(params.case_ids), agenda=agenda, participants=participants, groups=groups,
                   questions=list(params.questions))


# --- what participants and the facilitator do (every check happens here) ----------------------

def _open_session(store: "Store", session_id: str) -> Session:
    from casebook.store import NotFoundError

    try:
        session = store.get_session(session_id)
    except NotFoundError:
        raise SubmissionError(f"研修会「{session_id}」は登録されていません") from None
    if session.closed:
        raise SubmissionError("この研修会は終了しました。入力は締め切られています（保存されていません）")
    return session


def _check_name(participant: object) -> str:
    if not isinstance(participant, str):
        raise SubmissionError("氏名: 文字で入力してください")
    try:
        return Participant(name=participant).name or _raise("氏名: 入力してください")
    except ValidationError as exc:
        raise SubmissionError([f"氏名: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None


def _raise(message: str):
    raise SubmissionError(message)


def group_names(session: Session) -> list[str]:
    return [g.name for g in session.groups]


def submit_point(store: "Store", session_id: str, *, participant: object, group: object, question: object,
                 text: object) -> int:
    """Save (or correct) this participant's point for one question; returns the note id.

    One note per participant, group and question: a second submission corrects the first. Refused
    with SubmissionError (nothing saved) when a value is not one the session offers, or when the
    session is closed.
    """
    from casebook.store import SessionClosedError

    name = _check_name(participant)
    session = _open_session(store, session_id)
    if not isinstance(group, str) or group not in group_names(session):
        raise SubmissionError(f"グループ: 「{group}」はこの研修会のグループではありません")
    if not isinstance(question, int) or isinstance(question, bool) or not 0 <= question < len(session.questions):
        raise SubmissionError(f"問い: {question!r} 番目の問いはありません")
    try:
        note = GroupNote(session_id=session_id, group=group, question=question, author=name, text=text)
    except ValidationError as exc:
        raise SubmissionError([f"意見: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None
    mine = [(nid, n) for nid, n in store.group_notes(session_id)
            if n.author == name and n.question == question and n.group == group]
    try:
        if mine:
            note_id, old = mine[0]
            store.update_group_note(note_id, note.model_copy(update={"pinned": old.pinned}))
            return note_id
        return store.add_group_note(note)
    except SessionClosedError as exc:
        raise SubmissionError(f"この研修会は終了しました。入力は締め切られています（保存されていません）") from exc


def own_points(store: "Store", session_id: str, participant: str, group: str) -> dict[int, str]:
    """question index -> text this participant already submitted (to show and correct)."""
    return {n.question: n.text for _, n in store.group_notes(session_id)
            if n.author == participant and n.group == group}


SURVEY_SCORES = ("satisfaction", "understanding", "usefulness")


def submit_evaluation(store: "Store", session_id: str, *, participant: object, satisfaction: object,
                      understanding: object, usefulness: object, comments: object = "",
                      requests: object = "") -> Evaluation:
    """Save (or correct) the participant's survey; refused with every problem named, nothing saved."""
    from casebook.store import SessionClosedError

    name = _check_name(participant)
    _open_session(store, session_id)
    errors = []
    scores = {"satisfaction": satisfaction, "understanding": understanding, "usefulness": usefulness}
    for key, value in scores.items():
        if value is None:
            errors.append(f"{_SURVEY_LABELS[key]}: 選んでください")
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.append(f"{_SURVEY_LABELS[key]}: 「{value}」は5段階（{' / '.join(SCALE)}）のどれでもありません")
    if errors:
        raise SubmissionError(errors)
    try:
        evaluation = Evaluation(session_id=session_id, participant=name, comments=comments, requests=requests,
                                **scores)
    except ValidationError as exc:
        raise SubmissionError([_survey_error(e) for e in exc.errors()]) from None
    try:
        store.save_evaluation(evaluation)
    except SessionClosedError as exc:
        raise SubmissionError("この研修会は終了しました。アンケートは締め切られています（保存されていません）") from exc
    return evaluation


_SURVEY_LABELS = {"satisfaction": "満足度", "understanding": "理解度", "usefulness": "有用性",
                  "comments": "感想・意見", "requests": "今後の要望"}


def _describe_one(err: dict) -> str:
    """One pydantic error's reason in the model's shared Japanese wording."""
    from casebook.model import _JA_MESSAGES

    kind = "string_too_long" if err["type"] == "too_long" and isinstance(err.get("input"), str) else err["type"]
    if kind in _JA_MESSAGES:
        return _JA_MESSAGES[kind].format(**(err.get("ctx") or {}))
    return err["msg"].removeprefix("Value error, ")


def _survey_error(err: dict) -> str:
    key = str(err["loc"][0]) if err["loc"] else ""
    return f"{_SURVEY_LABELS.get(key, key)}: {_describe_one(err)}"


def pin_point(store: "Store", session_id: str, note_id: object, pinned: object) -> None:
    if not isinstance(note_id, int) or not any(nid == note_id for nid, _ in store.group_notes(session_id)):
        raise SubmissionError(f"意見 {note_id!r} はこの研修会にありません")
    store.set_note_pinned(note_id, bool(pinned))


def save_summary(store: "Store", session_id: str, summary: object) -> Session:
    """Record the advisor's 総括 without closing (it can be edited until the session is closed)."""
    from casebook.store import SessionClosedError

    session = _open_session(store, session_id)
    try:
        text = Session.model_validate({**session.model_dump(), "summary": summary}).summary
    except ValidationError as exc:
        raise SubmissionError([f"総括: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None
    try:  # only the summary is written: a session re-prepared meanwhile keeps its other changes
        return store.set_session_summary(session_id, text)
    except SessionClosedError as exc:
        raise SubmissionError("この研修会は終了しました。総括は保存されていません") from exc


def close(store: "Store", session_id: str, *, summary: object = None) -> Session:
    """Close the session (optionally with the 総括): every later submission is refused."""
    session = _open_session(store, session_id)
    if summary is not None:
        session = save_summary(store, session_id, summary)
    store.close_session(session_id, summary=session.summary)
    return store.get_session(session_id)


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


# --- pipelines: prepare, serve, report --------------------------------------------------------

@dataclass
class PrepareReport:
    session: Session
    out_dir: Path
    notebooks: list[Path] = field(default_factory=list)
    created: bool = True                   # False: an open session of this id was updated


def session_dir(settings: Settings, session_id: str) -> Path:
    return settings.sessions_build_dir / session_id


def prepare(path: Path | str, settings: Settings | None = None, *, session_id: str | None = None,
            execute: bool = True, notebooks_dir: Path | None = None) -> PrepareReport:
    """Validate the parameter file, write the session into the store, and make its notebooks.

    Nothing is written when the file is refused, or when a session of this id is already closed.
    The facilitator notebook is executed with papermill (parameters injected) into
    build/sessions/<id>/, with the participant page beside it, ready for `session serve`.
    `session_id` prepares the same programme under another id (the same course next year).
    """
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    notebooks_dir = notebooks_dir or NOTEBOOKS
    with Store.open(settings) as store:
        known = store.case_ids()
        params = load_params(path, known_case_ids=known)
        if session_id is not None:
            try:
                params = SessionParams.model_validate({**params.model_dump(), "id": session_id})
            except ValidationError as exc:
                from casebook.pipeline.params import describe_params_errors

                raise SessionError(describe_params_errors(SessionParams, exc)) from None
        session = build_session(params)
        try:
            existing = store.get_session(session.id)
        except NotFoundError:
            existing = None
        if existing is not None and existing.closed:
            raise SessionError(f"id（研修会ID）: 研修会「{session.id}」は終了済みです。"
                               "同じ内容で準備するときは --as 新しいID を付けてください（記録は変更していません）")
        if existing is not None:
            session = session.model_copy(update={"summary": existing.summary})
        out_dir = session_dir(settings, session.id)
        out_dir.mkdir(parents=True, exist_ok=True)
        # Parameterise first: a notebook that cannot be prepared must not leave a half-made session.
        notebooks = _write_notebooks(params, out_dir, notebooks_dir)
        store.save_session(session)
    if execute:
        _execute(out_dir / FACILITATOR_NOTEBOOK, out_dir / FACILITATOR_NOTEBOOK, settings, cwd=out_dir)
    return PrepareReport(session=session, out_dir=out_dir, notebooks=notebooks, created=existing is None)


def notebook_parameters(params: SessionParams) -> dict[str, Any]:
    return {"session_id": params.id, "survey": params.survey.model_dump()}


def _write_notebooks(params: SessionParams, out_dir: Path, notebooks_dir: Path) -> list[Path]:
    from casebook.pipeline.execute import parameterize_to

    return [parameterize_to(notebooks_dir / name, out_dir / name, notebook_parameters(params))
            for name in (FACILITATOR_NOTEBOOK, PARTICIPANT_NOTEBOOK)]


def _execute(source: Path, target: Path, settings: Settings, *, cwd: Path, parameters: dict | None = None) -> None:
    from casebook.pipeline.execute import run_notebook

    env = {**settings.environ(), "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))}
    run_notebook(source, target, cwd=cwd, env=env, parameters=parameters)


def serve(session_id: str, settings: Settings | None = None, *, port: int = 0, pool_size: int = 2,
          max_kernels: int = 60, log_path: Path | None = None, wait: bool = True) -> "VoilaServer":
    """Voila over build/sessions/<id>/: the facilitator page and the participants' page."""
    from casebook.apps.serving import VoilaOptions, start_voila
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    out_dir = session_dir(settings, session_id)
    if not (out_dir / PARTICIPANT_NOTEBOOK).exists():
        raise SessionError(f"研修会「{session_id}」は準備されていません。先に `workbench session prepare` を実行してください")
    with Store.open(settings) as store:
        try:
            store.get_session(session_id)
        except NotFoundError:
            raise SessionError(f"研修会「{session_id}」は登録されていません") from None
    opts = VoilaOptions(root=out_dir, port=port, pool_size=pool_size, max_kernels=max_kernels,
                        preheat_notebooks=[PARTICIPANT_NOTEBOOK])
    # Participants share the server: only a URL with this key opens the facilitator's controls.
    key = secrets.token_urlsafe(16)
    server = start_voila(opts, settings, log_path=log_path or out_dir / "voila.log", wait=False,
                         env={FACILITATOR_KEY_ENV: key})
    server.facilitator_key = key
    if wait:
        try:
            server.wait_ready()
        except BaseException:  # Ctrl+C or a failed start: never leave a server behind
            server.stop()
            raise
    return server


def facilitator_url(server: "VoilaServer") -> str:
    """The facilitator's page with the key `serve` made for this server."""
    return server.page_url(FACILITATOR_NOTEBOOK, key=server.facilitator_key)


@dataclass
class ReportResult:
    session_id: str
    html: Path
    notebook: Path


def report(session_id: str, settings: Settings | None = None, *, notebooks_dir: Path | None = None) -> ReportResult:
    """Execute session_report.ipynb for the session and render it offline to build/sessions/<id>/report.html."""
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    with Store.open(settings, read_only=True) as store:
        try:
            session = store.get_session(session_id)
        except NotFoundError:
            raise SessionError(f"研修会「{session_id}」は登録されていません") from None
    out_dir = session_dir(settings, session_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / "report.ipynb"
    _execute((notebooks_dir or NOTEBOOKS) / REPORT_NOTEBOOK, executed, settings, cwd=out_dir,
             parameters={"session_id": session_id})
    html = out_dir / "report.html"
    _render(executed, html, session)
    return ReportResult(session_id=session_id, html=html, notebook=executed)


def _render(executed: Path, html: Path, session: Session) -> None:
    """Through the shared offline report page (casebook.render.render_report_page): the casebook's
    stylesheet inlined, no casebook navigation, so the file stands alone wherever it is copied."""
    import nbformat

    from casebook import render

    nb = nbformat.read(str(executed), as_version=4)
    page = render.render_report_page(nb, title=f"{session.title} 実施報告", site_title="大阪市社協 研修会の記録",
                                     breadcrumb=[("研修会", None), (session.id, None)],
                                     footer="研修会の実施報告（workbench session report）")
    tmp = html.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(html)  # a reader never sees half a report
