"""The field's vocabulary, loaded from the YAML files beside this module.

Parsers here accept what staff actually type (全角 digits, 大阪市 prefixes, 令和 years) and refuse
anything else with a `VocabError` that names the value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from casebook.errors import WorkbenchError

HERE = Path(__file__).resolve().parent


class VocabError(WorkbenchError, ValueError):
    """A value that is not in the vocabulary; the message names it in Japanese."""


@cache
def _load(name: str) -> dict:
    with open(HERE / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and trimmed, the form every parser matches."""
    return unicodedata.normalize("NFKC", str(text)).strip()


# --- wards ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    reading: str
    romaji: str
    order: int

    def __str__(self) -> str:
        return self.name


@cache
def wards() -> tuple[Ward, ...]:
    return tuple(Ward(order=i, **w) for i, w in enumerate(_load("wards")["wards"]))


def ward_names() -> list[str]:
    return [w.name for w in wards()]


@cache
def _ward_index() -> dict[str, Ward]:
    index: dict[str, Ward] = {}
    for w in wards():
        for key in (w.code, w.name, w.name.removesuffix("区"), w.reading, w.romaji.lower(),
                    f"{w.romaji.lower()}-ku", f"{w.romaji.lower()} ward"):
            index[key] = w
    return index


_CITY_PREFIX = re.compile(r"^(大阪府)?\s*(大阪市)\s*")


def parse_ward(value: object) -> Ward:
    """生野区, 大阪市生野区, 大阪府大阪市生野区, Ikuno, ikuno-ku, 27116 (also 全角) -> the ward.

    A name with another city before it (堺市北区, 札幌市中央区) is refused, not taken for Osaka's.
    """
    if isinstance(value, Ward):
        return value
    raw = "" if value is None else str(value)
    text = normalize(raw)
    if not text:
        raise VocabError("区が入力されていません")
    text = _CITY_PREFIX.sub("", text)
    key = text.lower() if text.isascii() else text
    ward = _ward_index().get(key)
    if ward is None:
        raise VocabError(f"「{raw.strip()}」は大阪市の区ではありません（例: 生野区, 大阪市生野区, Ikuno, 27116）")
    return ward


# --- themes, roles, statuses ----------------------------------------------------------------

@cache
def themes() -> tuple[dict, ...]:
    return tuple(_load("themes")["themes"])


def theme_names() -> list[str]:
    return [t["name"] for t in themes()]


def goals() -> tuple[dict, ...]:
    return tuple(_load("themes")["goals"])


def parse_theme(value: object) -> str:
    raw = "" if value is None else str(value)
    text = normalize(raw)
    for t in themes():
        if text in (t["name"], t["id"]):
            return t["name"]
    # Staff often type a part of a combined label (ふれあい喫茶, 見守り相談室).
    matches = [t["name"] for t in themes() if text and text in t["name"].split("・")]
    if len(matches) == 1:
        return matches[0]
    raise VocabError(f"「{raw.strip()}」はテーマの一覧にありません")


def council_roles() -> tuple[dict, ...]:
    return tuple(_load("roles")["council_roles"])


def staff_roles() -> tuple[dict, ...]:
    return tuple(_load("roles")["staff_roles"])


def app_roles() -> tuple[dict, ...]:
    return tuple(_load("roles")["app_roles"])


def targets() -> tuple[dict, ...]:
    return tuple(_load("roles")["targets"])


def statuses() -> tuple[dict, ...]:
    return tuple(_load("statuses")["statuses"])


STATUS_IDS: tuple[str, ...] = tuple(s["id"] for s in _load("statuses")["statuses"])


def status_label(status: str) -> str:
    for s in statuses():
        if s["id"] == status:
            return s["name"]
    raise VocabError(f"「{status}」という状態はありません")


def parse_status(value: object) -> str:
    text = normalize("" if value is None else str(value))
    for s in statuses():
        if text in (s["id"], s["name"]):
            return s["id"]
    raise VocabError(f"「{value}」という状態はありません（{' / '.join(s['name'] for s in statuses())}）")


def transitions() -> tuple[dict, ...]:
    return tuple(_load("statuses")["transitions"])


def allowed_transition(current: str, new: str, role: str | None = None) -> bool:
    for t in transitions():
        if t["from"] == current and t["to"] == new:
            return role is None or role in t["by"]
    return False


def next_statuses(current: str, role: str | None = None) -> list[str]:
    return [t["to"] for t in transitions()
            if t["from"] == current and (role is None or role in t["by"])]


def figures() -> tuple[dict, ...]:
    return tuple(_load("figures")["figures"])


def ecomap_vocab() -> dict:
    return _load("ecomap")


def label(table: tuple[dict, ...] | list[dict], ident: object) -> str:
    for row in table:
        if row["id"] == ident:
            return row["name"]
    raise VocabError(f"「{ident}」は一覧にありません")


# --- fiscal years (April–March), with the Japanese era -----------------------------------------

_ERAS = (("令和", "R", 2018), ("平成", "H", 1988))  # era year n  ==  western (offset + n)
_ERA_RE = re.compile(r"^(令和|平成|R|H)\s*(\d{1,2}|元)\s*(年度|年)?$", re.IGNORECASE)
_WESTERN_RE = re.compile(r"^(\d{4})\s*(年度|年)?$")
_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")


def parse_fiscal_year(value: object) -> int:
    """2024, ２０２４, 2024年度, 令和6年度, R6, 令和元年度, 平成30年度, H30 -> the western start year."""
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        raw = "" if value is None else str(value)
        text = normalize(raw).replace(" ", "")
        text = text.translate(_KANJI_DIGITS) if re.search(r"[令平]", text) else text
        if m := _WESTERN_RE.match(text):
            year = int(m.group(1))
        elif m := _ERA_RE.match(text):
            era = m.group(1).upper()
            n = 1 if m.group(2) == "元" else int(m.group(2))
            offset = next(off for name, letter, off in _ERAS if era in (name, letter))
            if era in ("平成", "H") and not 1 <= n <= 31:
                raise VocabError(f"「{raw.strip()}」: 平成は31年度（2019年度）までです")
            year = offset + n
        else:
            raise VocabError(f"「{raw.strip()}」は年度として読めません（例: 2024, 令和6年度, R6）")
    if not 1989 <= year <= 2100:
        raise VocabError(f"{year}年度は範囲外です（1989〜2100）")
    return year


def era_name(fiscal_year: int) -> str:
    """2024 -> 令和6年度, 2019 -> 令和元年度, 2018 -> 平成30年度."""
    for name, _letter, offset in _ERAS:
        n = fiscal_year - offset
        if n >= 1:
            return f"{name}{'元' if n == 1 else n}年度"
    return f"{fiscal_year}年度"


def format_fiscal_year(fiscal_year: int) -> str:
    """The label shown everywhere: 2024年度（令和6年度）."""
    return f"{fiscal_year}年度（{era_name(fiscal_year)}）"


def fiscal_year_of(date) -> int:
    """The fiscal year a date falls in: April–March."""
    return date.year if date.month >= 4 else date.year - 1


def field_labels() -> dict[str, str]:
    return dict(_load("fields")["labels"])
