"""The domain as typed records: a case sheet with every section of DOMAIN.md, advisor comments,
training sessions with their group notes and evaluations, and ward activity figures.

Validation lives here so that every way in (a form, an import sheet, a script over the kernel
socket) is held to the same rules; messages are Japanese and name the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
                      field_validator, model_validator)

from casebook import vocab

SHORT = 200      # one-line fields: titles, names, periods
LONG = 8000      # free text: a section of the case sheet

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValueError("制御文字が含まれています")
        return value.replace("\r\n", "\n").strip()
    return value


def _line(value: str) -> str:
    if "\n" in value:
        raise ValueError("改行は入れられません")
    return value


Text = Annotated[str, BeforeValidator(_clean_text), Field(max_length=LONG)]
Line = Annotated[str, BeforeValidator(_clean_text), AfterValidator(_line), Field(max_length=SHORT)]
WardName = Annotated[str, BeforeValidator(lambda v: vocab.parse_ward(v).name)]
FiscalYear = Annotated[int, BeforeValidator(vocab.parse_fiscal_year)]
ThemeName = Annotated[str, BeforeValidator(vocab.parse_theme)]
Status = Annotated[str, BeforeValidator(vocab.parse_status)]
Score = Annotated[int, Field(ge=1, le=5)]
CaseId = Annotated[str, BeforeValidator(lambda v: vocab.normalize(v) if isinstance(v, str) else v),
                   Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]

TARGETS = tuple(t["id"] for t in vocab.targets())
Target = Literal["individual", "household", "group", "community"]
assert set(TARGETS) == set(Target.__args__)  # the vocabulary file and the model agree


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, validate_assignment=True, defer_build=True)


# --- the case sheet ------------------------------------------------------------------------

class CaseSummary(Record):
    """事例の概要"""
    referral: Line = ""            # 相談経路 (民生委員, 地域包括支援センター, 区役所 …)
    main_complaint: Text = ""      # 主訴
    support_period: Line = ""      # 支援期間


class PersonHousehold(Record):
    """本人・世帯の状況"""
    age_band: Line = ""            # 年代 (70代)
    gender: Line = ""
    household: Text = ""           # 世帯構成
    housing: Text = ""             # 住まい
    health: Text = ""              # 健康・障がい
    care_level: Line = ""          # 要介護度
    economy: Text = ""             # 経済状況
    life_history: Text = ""        # 生活歴
    wishes: Text = ""              # 本人の思い・意向
    strengths: Text = ""           # 本人のストレングス


class Community(Record):
    """地域の状況"""
    school_district: Text = ""     # 小学校区の概況
    population: Text = ""          # 人口・高齢化率
    networks: Text = ""            # 地域社協・地域ネットワーク委員会・民生委員の動き
    resources: Text = ""           # 社会資源
    strengths_issues: Text = ""    # 地域のストレングスと課題


class Assessment(Record):
    """アセスメント（課題整理）"""
    person: Text = ""              # 本人
    family: Text = ""              # 家族
    community: Text = ""           # 地域
    needs: Text = ""               # ニーズ
    judgement: Text = ""           # 見立て


class Plan(Record):
    """支援方針, 短期・長期目標"""
    policy: Text = ""
    short_term_goal: Text = ""
    long_term_goal: Text = ""


class TimelineEntry(Record):
    """支援の経過: one row."""
    period: Line                   # 時期
    support: Text                  # 支援内容
    actors: Text = ""              # 関係機関・住民
    change: Text = ""              # 本人の変化

    @field_validator("period", "support")
    @classmethod
    def _required(cls, v: str) -> str:
        if not v:
            raise ValueError("入力してください")
        return v


NodeKind = Literal["person", "household", "formal", "informal"]
Strength = Literal["strong", "normal", "weak", "stressful"]
Direction = Literal["none", "forward", "backward", "both"]


class EcomapNode(Record):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
    label: Line
    kind: NodeKind
    note: Line = ""


class EcomapTie(Record):
    """A tie from `source` to `target`; `forward` means the support flows source → target."""
    source: str
    target: str
    strength: Strength = "normal"
    direction: Direction = "none"
    note: Line = ""


class Ecomap(Record):
    """エコマップ: the person in the centre (exactly one node of kind person, when non-empty)."""
    nodes: list[EcomapNode] = Field(default_factory=list, max_length=60)
    ties: list[EcomapTie] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> "Ecomap":
        ids = [n.id for n in self.nodes]
        if len(set(ids)) != len(ids):
            raise ValueError("エコマップに同じIDの要素があります")
        if self.nodes and sum(n.kind == "person" for n in self.nodes) != 1:
            raise ValueError("エコマップの中心（本人）はちょうど1つ必要です")
        known = set(ids)
        for tie in self.ties:
            for end in (tie.source, tie.target):
                if end not in known:
                    raise ValueError(f"エコマップの関係線が存在しない要素「{end}」を指しています")
            if tie.source == tie.target:
                raise ValueError("エコマップの関係線の両端が同じ要素です")
        return self

    def center(self) -> EcomapNode | None:
        return next((n for n in self.nodes if n.kind == "person"), None)


class Outcome(Record):
    """結果・評価"""
    person_change: Text = ""
    community_change: Text = ""
    resource_development: Text = ""


class Reflection(Record):
    """考察"""
    csw_viewpoint: Text = ""       # CSWの視点・ポイント
    future_issues: Text = ""       # 今後の課題


class Discussion(Record):
    """検討記録"""
    issues: Text = ""              # 論点
    discussion: Text = ""          # 討議内容
    conclusion: Text = ""          # まとめ


class Ethics(Record):
    consent: bool = False          # 本人同意の有無
    anonymised: bool = False       # 匿名化確認


class AdvisorComment(Record):
    """助言者コメント: 助言 (advice) or ポイント整理 (key points)."""
    kind: Literal["advice", "key_points"] = "advice"
    advisor: Line
    text: Text
    created_at: dt.datetime | None = None

    @field_validator("advisor", "text")
    @classmethod
    def _required(cls, v: str) -> str:
        if not v:
            raise ValueError("入力してください")
        return v


class Case(Record):
    """事例: one case sheet."""
    id: CaseId                                       # 事例番号
    title: Line                                      # 事例タイトル
    ward: WardName                                   # 区社協
    fiscal_year: FiscalYear                          # 年度 (western start year)
    provider: Line = ""                              # 事例提供者
    provider_role: Line = ""                         # 職種
    keywords: list[Line] = Field(default_factory=list, max_length=20)
    themes: list[ThemeName] = Field(default_factory=list, max_length=13)
    reason: Text = ""                                # 事例提出理由
    questions: Text = ""                             # 検討したいこと
    target: Target = "individual"                    # 対象
    status: Status = "draft"
    summary: CaseSummary = Field(default_factory=CaseSummary)
    person: PersonHousehold = Field(default_factory=PersonHousehold)
    community: Community = Field(default_factory=Community)
    genogram: Text = ""                              # ジェノグラム (three generations, described)
    ecomap: Ecomap = Field(default_factory=Ecomap)
    assessment: Assessment = Field(default_factory=Assessment)
    plan: Plan = Field(default_factory=Plan)
    timeline: list[TimelineEntry] = Field(default_factory=list, max_length=200)
    outcome: Outcome = Field(default_factory=Outcome)
    reflection: Reflection = Field(default_factory=Reflection)
    discussion: Discussion = Field(default_factory=Discussion)
    comments: list[AdvisorComment] = Field(default_factory=list, max_length=100)
    ethics: Ethics = Field(default_factory=Ethics)

    @field_validator("title")
    @classmethod
    def _title_required(cls, v: str) -> str:
        if not v:
            raise ValueError("事例タイトルを入力してください")
        return v

    @field_validator("themes")
    @classmethod
    def _unique_themes(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))

    @property
    def fiscal_year_label(self) -> str:
        return vocab.format_fiscal_year(self.fiscal_year)

    def text_fields(self) -> list[tuple[str, str]]:
        """Every piece of free text in the case as (dotted path, text): what the privacy gate reads."""
        out: list[tuple[str, str]] = []

        def walk(prefix: str, value: object) -> None:
            if isinstance(value, str):
                if value:
                    out.append((prefix, value))
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(f"{prefix}.{name}" if prefix else name, getattr(value, name))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(f"{prefix}[{i}]", item)

        # Identifiers, vocabulary values and the advisor's own name are not prose about the person.
        skip = {"id", "ward", "status", "target", "themes", "fiscal_year"}
        for name in type(self).model_fields:
            if name not in skip:
                walk(name, getattr(self, name))
        structural = re.compile(r"(\.(id|source|target|kind|strength|direction|advisor|created_at))$")
        return [(p, t) for p, t in out if not structural.search(p)]


def field_label(path: str) -> str:
    """'person.wishes' -> '本人・世帯の状況 › 本人の思い・意向'; 'timeline[2].support' -> '支援の経過 3行目 › 支援内容'."""
    labels = vocab.field_labels()
    parts, parent = [], ""
    for piece in path.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", piece)
        name, index = (m.group(1), int(m.group(2))) if m else (piece, None)
        # 'assessment.person' is 本人, not the section 本人・世帯の状況: a dotted label wins.
        text = labels.get(f"{parent}.{name}", labels.get(name, name))
        parts.append(text if index is None else f"{text} {index + 1}行目")
        parent = name
    return " › ".join(parts)


def describe_errors(exc: Exception) -> list[str]:
    """A pydantic ValidationError as Japanese lines that name the field: '区: 「堺市北区」は…'."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return [str(exc)]
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        kind = "string_too_long" if err["type"] == "too_long" and isinstance(err.get("input"), str) else err["type"]
        if kind in _JA_MESSAGES:
            ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in (err.get("ctx") or {}).items()}
            msg = _JA_MESSAGES[kind].format(**ctx)   # 0以上, not 0.0以上
        lines.append(f"{field_label(path) if path else '入力'}: {msg}")
    return lines


_JA_MESSAGES = {
    "missing": "必須の項目です",
    "string_too_long": "{max_length}文字以内で入力してください",
    "too_long": "{max_length}件までです",
    "string_pattern_mismatch": "半角英数字とハイフンで入力してください",
    "extra_forbidden": "この項目は使えません",
    "literal_error": "選択肢 {expected} から選んでください",
    "int_parsing": "整数で入力してください",
    "float_parsing": "数値で入力してください",
    "bool_parsing": "はい／いいえで入力してください",
    "date_from_datetime_parsing": "日付（例: 2024-10-05）で入力してください",
    "date_parsing": "日付（例: 2024-10-05）で入力してください",
    "greater_than_equal": "{ge}以上で入力してください",
    "less_than_equal": "{le}以下で入力してください",
    "string_type": "文字列で入力してください",
    "int_type": "整数で入力してください",
    "list_type": "一覧で入力してください",
}


# --- training sessions ---------------------------------------------------------------------

SessionKind = Literal["basic1", "basic2", "other"]
SESSION_KINDS = {"basic1": "基礎研修 I（講義・グループ共有）", "basic2": "基礎研修 II（事例検討）", "other": "その他の研修"}


class AgendaItem(Record):
    title: Line
    minutes: Annotated[int, Field(ge=1, le=600)]


class Participant(Record):
    name: Line
    ward: WardName | None = None     # None: city council staff or a guest
    role: Line = ""                  # 職種 (staff role name) or 役割
    group: Line = ""


class Group(Record):
    name: Line
    members: list[Line] = Field(default_factory=list)


class Session(Record):
    """研修会"""
    id: CaseId
    title: Line
    date: dt.date
    venue: Line = ""
    kind: SessionKind = "other"
    theme: ThemeName | None = None
    facilitator: Line = ""
    advisor: Line = ""
    case_ids: list[CaseId] = Field(default_factory=list)
    agenda: list[AgendaItem] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list, max_length=500)
    groups: list[Group] = Field(default_factory=list)
    questions: list[Text] = Field(default_factory=list)
    summary: Text = ""               # 助言者の総括
    closed: bool = False

    @property
    def fiscal_year(self) -> int:
        return vocab.fiscal_year_of(self.date)


class GroupNote(Record):
    """A point a group submits for one of the session's questions."""
    session_id: CaseId
    group: Line
    question: Annotated[int, Field(ge=0, le=50)]
    author: Line = ""
    text: Text
    pinned: bool = False
    released: bool = False     # the facilitator let the board show it as typed (privacy findings)

    @field_validator("text")
    @classmethod
    def _required(cls, v: str) -> str:
        if not v:
            raise ValueError("入力してください")
        return v


SCALE = ("とてもよかった", "まあまあよかった", "どちらともいえない", "あまりよくなかった", "わるかった")


class Evaluation(Record):
    """振り返り・アンケート: 5 = とてもよかった … 1 = わるかった."""
    session_id: CaseId
    participant: Line
    satisfaction: Score              # 満足度
    understanding: Score             # 理解度
    usefulness: Score                # 有用性
    comments: Text = ""
    requests: Text = ""


def scale_label(score: int) -> str:
    return SCALE[5 - score]


# --- ward activity -------------------------------------------------------------------------

class WardActivity(Record):
    """One figure a ward reports for a fiscal year (ward × year × theme × figure)."""
    ward: WardName
    fiscal_year: FiscalYear
    theme: ThemeName
    figure: Line
    value: Annotated[float, Field(ge=0)]
    unit: Line = ""

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.ward, self.fiscal_year, self.theme, self.figure)
