"""Parameter sets (YAML files under `parameters/`): loaded, validated, refused by field before anything runs.

`load_params(path, Model)` is generic: any pydantic model with `extra="forbid"` works (the casebook
build's `CasebookParams` here, the training sessions' parameters elsewhere). A file that is not
YAML, not a mapping, has an unknown key, an unknown ward, a bad fiscal year or a wrong type is
refused with `ParamsError`, whose lines are Japanese and name the key as written in the file
(`wards[1]（区）: 「堺市北区」は大阪市の区ではありません…`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casebook.errors import WorkbenchError
from casebook.model import (
    FiscalYear,
    Line,
    Status,
    Text,
    ThemeName,
    WardName,
    describe_errors,
)

M = TypeVar("M", bound=BaseModel)


class ParamsError(WorkbenchError, ValueError):
    """A parameter set that cannot be used; `lines` name each bad key (Japanese)."""

    def __init__(self, path: str | Path, lines: list[str]):
        self.path = str(path)
        self.lines = lines
        super().__init__(f"パラメータファイル {self.path} を使えません:\n" + "\n".join(f"・{line}" for line in lines))


def _as_list(value: object) -> object:
    # `wards: 生野区` is as clear as `wards: [生野区]`; accept a single value as a one-item list.
    return [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _title_of(model: type[BaseModel], loc: tuple) -> str:
    """The Japanese title of the field at `loc` (Field(title=...)), following nested models."""
    current: type[BaseModel] | None = model
    title = ""
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return ""
        title = info.title or ""
        ann = info.annotation
        current = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return title


def describe_params_errors(model: type[BaseModel], exc: ValidationError) -> list[str]:
    """Each error as 'key（見出し）: 理由', the reason in Japanese from model.describe_errors."""
    lines = []
    for err, text in zip(exc.errors(), describe_errors(exc)):
        reason = text.split(": ", 1)[1] if ": " in text else text
        key = _key_path(err["loc"]) or "（ファイル全体）"
        title = _title_of(model, err["loc"])
        if err["type"] == "extra_forbidden":
            parent = err["loc"][:-1]
            owner = model
            for part in parent:
                if isinstance(part, str):
                    ann = owner.model_fields[part].annotation
                    owner = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else owner
            allowed = "、".join(owner.model_fields)
            reason = f"この項目は使えません（使える項目: {allowed}）"
        lines.append(f"{key}（{title}）: {reason}" if title else f"{key}: {reason}")
    return lines


def load_params(path: str | Path, model: type[M]) -> M:
    """Read a YAML parameter file into `model`; ParamsError (Japanese, by key) when anything is wrong."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(path, ["ファイルがありません"]) from None
    except UnicodeDecodeError:
        raise ParamsError(path, ["UTF-8 のテキストとして読めません"]) from None
    except OSError as exc:
        raise ParamsError(path, [f"ファイルを読めません（{exc.strerror}）"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目 {mark.column + 1}文字目: " if mark else ""
        raise ParamsError(path, [f"{where}YAML として読めません（{getattr(exc, 'problem', None) or exc}）"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(path, ["「キー: 値」の形（YAML のマッピング）で書いてください"])
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ParamsError(path, [f"{k!r}: 項目名は文字列にしてください" for k in bad])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(path, describe_params_errors(model, exc)) from None


# --- the casebook build's parameter set ----------------------------------------------------------

class BuildOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    charts: bool = Field(True, title="区の活動状況のグラフを載せる")
    jobs: Annotated[int, Field(ge=1, le=64)] | None = Field(None, title="並列に動かすカーネルの数")
    footer: Line = Field("大阪市社会福祉協議会 ・ 事例はすべて匿名化し、本人の同意を得て掲載しています",
                         title="ページの下に出す文")


PREFACE = ("この事例集は、大阪市内の区社会福祉協議会が取り組んだ地域福祉の実践を、研修で学び合うために"
           "まとめたものです。どの事例も、ご本人の同意を得たうえで、個人が特定されないよう匿名化しています。\n"
           "事例を読むときは、結果だけでなく、ワーカーがどのように地域の力を見立て、つないだかに注目してください。")


class PdfOptions(BaseModel):
    """The printed casebook (冊子): `pdf:` in the parameter set, or `workbench build --pdf`."""
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, title="印刷用 PDF（冊子）もつくる")
    title: Line = Field("", title="表紙の題名（空: 事例集の題名）")
    subtitle: Line = Field("区社会福祉協議会の実践から学ぶ", title="表紙の副題")
    fiscal_year: FiscalYear | None = Field(None, title="表紙の年度（空: 載せる事例の最新の年度）")
    publisher: Line = Field("社会福祉法人 大阪市社会福祉協議会", title="発行者")
    edition: Line = Field("第1版", title="版")
    date: dt.date | None = Field(None, title="発行日（空: ビルドした日）")
    preface: Text = Field(PREFACE, title="はじめに")
    chapters: Literal["theme", "ward"] = Field("theme", title="章の分け方（theme: テーマごと、ward: 区ごと）")
    contact: Text = Field("大阪市社会福祉協議会 地域福祉課", title="問い合わせ先")
    per_case: bool = Field(True, title="事例ごとの印刷用 PDF もつくる")

    def printed(self) -> dict:
        """What decides the printed pages (everything but the switch itself), for cache keys."""
        return self.model_dump(mode="json", exclude={"enabled"})


class CaseSelection(BaseModel):
    """Which cases a parameter set takes (empty lists: no restriction); shared by the casebook build
    and the cross-case analysis."""
    model_config = ConfigDict(extra="forbid")

    wards: list[WardName] = Field(default_factory=list, title="区")
    themes: list[ThemeName] = Field(default_factory=list, title="テーマ")
    fiscal_years: list[FiscalYear] = Field(default_factory=list, title="年度")
    statuses: list[Status] = Field(default_factory=lambda: ["published"], title="状態")

    @field_validator("wards", "themes", "fiscal_years", "statuses", mode="before")
    @classmethod
    def _lists(cls, v: object) -> object:
        return _as_list(v)

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("状態を1つ以上指定してください")
        return list(dict.fromkeys(v))

    def in_scope(self, case) -> bool:
        """Ward, theme and fiscal year match (the status is each caller's own question)."""
        return ((not self.wards or case.ward in self.wards)
                and (not self.themes or any(t in self.themes for t in case.themes))
                and (not self.fiscal_years or case.fiscal_year in self.fiscal_years))


def _required_title(message: str):
    def check(cls, v: str) -> str:
        if not v:
            raise ValueError(message)
        return v
    return field_validator("title")(classmethod(check))


class CasebookParams(CaseSelection):
    """What a casebook build collects and how it shows it."""

    title: Line = Field("事例集", title="事例集の題名")
    statuses: list[Status] = Field(default_factory=lambda: ["approved", "published"], title="状態")
    options: BuildOptions = Field(default_factory=BuildOptions, title="オプション")
    pdf: PdfOptions = Field(default_factory=PdfOptions, title="印刷用 PDF")

    _title = _required_title("事例集の題名を入力してください")

    def selects(self, case) -> bool:
        """Whether a case belongs to this collection."""
        return self.in_scope(case) and case.status in self.statuses


def load_casebook_params(path: str | Path | None = None) -> CasebookParams:
    """The build's parameter set from `path` (default: parameters/casebook/default.yaml)."""
    if path is None:
        from casebook.settings import Settings

        path = Settings().parameters_dir / "casebook" / "default.yaml"
    return load_params(path, CasebookParams)


# --- the cross-case analysis's parameter set (parameters/analysis/*.yaml) ---------------------------

class AnalysisParams(CaseSelection):
    """What `workbench analyse` reads and how much it shows."""

    title: Line = Field("事例の横断分析", title="報告書の題名")
    words: Annotated[int, Field(ge=1, le=50)] = Field(12, title="テーマごとの特徴語の数")
    read_first: Annotated[int, Field(ge=1, le=10)] = Field(3, title="テーマごとの「まず読む事例」の数")

    _title = _required_title("報告書の題名を入力してください")

    def selects(self, case) -> bool:
        return self.in_scope(case)


def load_analysis_params(path: str | Path) -> AnalysisParams:
    return load_params(path, AnalysisParams)
