"""One cell: read from what staff type into the model's value, and written back for a sheet or CSV."""

from __future__ import annotations

import datetime as dt
import re

from casebook import vocab
from casebook.exchange.tables import Column
from casebook.model import SCALE

class _CellError(ValueError):
    pass


_BLANK = object()
_LIST_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
_TRUE = {"はい", "true", "yes", "y", "1", "あり", "有", "済", "済み", "○", "〇", "✓", "する"}
_FALSE = {"いいえ", "false", "no", "n", "0", "なし", "無", "未", "×", "しない", "-"}


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _CellError("数値で入力してください")
    if isinstance(value, (int, float)):
        return value
    text = vocab.normalize(str(value)).replace(",", "").replace(" ", "")
    try:
        number = float(text)
    except ValueError:
        raise _CellError(f"数値で入力してください（「{str(value).strip()}」は数値として読めません）") from None
    return int(number) if number.is_integer() and "." not in text else number


def _integer(value: object) -> int:
    number = _number(value)
    if isinstance(number, float) and not number.is_integer():
        raise _CellError(f"整数で入力してください（「{_as_text(value)}」）")
    return int(number)


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ERA_DATE_RE = re.compile(r"^(令和|平成|R|H)(\d{1,2}|元)[年.](\d{1,2})[月.](\d{1,2})日?$", re.IGNORECASE)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = vocab.normalize(str(value)).replace(" ", "")
    try:
        if m := _DATE_RE.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ERA_DATE_RE.match(text):
            offset = 2018 if m[1].upper() in ("令和", "R") else 1988
            return dt.date(offset + (1 if m[2] == "元" else int(m[2])), int(m[3]), int(m[4]))
    except ValueError:
        pass
    raise _CellError(f"日付（例: 2024-10-05, 2024/10/5, 令和6年10月5日）で入力してください（「{str(value).strip()}」）")


def _datetime(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    text = vocab.normalize(str(value))
    if _DATE_RE.match(text.replace(" ", "")):
        return dt.datetime.combine(_date(text), dt.time())
    text = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02}-{int(m[3]):02}", text)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise _CellError(f"日時（例: 2024-10-05 14:30）で入力してください（「{str(value).strip()}」）") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = vocab.normalize(_as_text(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(f"「はい」か「いいえ」で入力してください（「{_as_text(value)}」）")


def _choice(value: object, column: Column) -> str:
    text = vocab.normalize(_as_text(value))
    for ident, name in column.choices:
        if text in (ident, vocab.normalize(name)):
            return ident
    names = " / ".join(name for _, name in column.choices)
    raise _CellError(f"「{_as_text(value)}」は選べません（{names}）")


def _score(value: object) -> int:
    text = _as_text(value)
    if text in SCALE:
        return 5 - SCALE.index(text)
    return _integer(value)


def _parse_cell(value: object, column: Column) -> object:
    """A cell as the model wants it; `_BLANK` when empty (the model's default or 'missing' applies)."""
    if _is_blank(value):
        return _BLANK
    kind = column.kind
    if kind in ("text", "ref"):
        return _as_text(value)
    if kind == "list":
        return [part for part in _LIST_SPLIT.split(_as_text(value)) if part]
    if kind == "bool":
        return _bool(value)
    if kind in ("int", "score"):
        return _score(value) if kind == "score" else _integer(value)
    if kind == "question":
        return _integer(value) - 1   # the board numbers questions from 1
    if kind == "number":
        return _number(value)
    if kind == "year":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _integer(value)
        text = _as_text(value)
        # The exported label 2024年度（令和6年度） reads back as its first part.
        return m.group(1) if (m := re.match(r"^(.+?)\s*[（(].*[)）]$", text)) else text
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "choice":
        return _choice(value, column)
    raise AssertionError(kind)


def _put(target: dict, path: str, value: object) -> None:
    *parents, last = path.split(".")
    for p in parents:
        target = target.setdefault(p, {})
    target[last] = value



def _cell_out(value: object, column: Column, *, excel: bool) -> object:
    if value is None:
        return None
    kind = column.kind
    if kind == "list":
        return "、".join(value) if value else None
    if kind == "bool":
        return "はい" if value else "いいえ"
    if kind == "choice":
        return dict(column.choices).get(value, value)
    if kind == "question":
        return value + 1
    if kind == "number":
        return int(value) if float(value).is_integer() else value
    if kind == "date":
        return value if excel else value.isoformat()
    if kind == "datetime":
        return value.isoformat()   # text keeps the time zone, which an Excel date cell cannot
    if value == "":
        return None
    if not excel and isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value   # a spreadsheet opening the CSV must show text, not run a formula
    return value


# Cells a spreadsheet would take for a formula (OWASP "CSV injection"); Excel files store text instead.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_unguard(cell: str) -> str:
    """Undo _cell_out's apostrophe, so export → import gives back the typed text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def _get(data: dict, path: str) -> object:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
