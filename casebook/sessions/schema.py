"""A session's parameter set (parameters/sessions/*.yaml): the schema, its cross-checks, and the
stored Session made from it. Validated completely before anything is written or executed; every
error names the YAML key and its Japanese label."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Iterable, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from casebook import vocab
from casebook.errors import WorkbenchError
from casebook.model import (
    SESSION_KINDS,
    AgendaItem,
    CaseId,
    Group,
    Line,
    Participant,
    Session,
    Text,
    ThemeName,
)
from casebook.settings import REPO_ROOT

if TYPE_CHECKING:  # the store is imported lazily: the CLI imports this module at start-up
    pass


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
