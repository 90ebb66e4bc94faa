"""find_pii: the candidates of every rule family on the normalised text, overlaps resolved (the longer
span wins, then the kind's priority), offsets mapped back into the text as given.

Kinds: person, phone, postal_code, address, my_number, email, birth_date, insurance_number,
facility (a named hospital, school, home or flat building: becomes A病院 style, like a person), and
line_id (a LINE or other chat/SNS ID: removed like a number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casebook.privacy.addresses import _find_addresses
from casebook.privacy.around import _around
from casebook.privacy.dictionary import _Tok, _tokens
from casebook.privacy.facilities import _find_facilities, _widen_facilities
from casebook.privacy.likeness import _likely_names
from casebook.privacy.names import _find_people, _join_adjacent, _split_readings
from casebook.privacy.normalize import _normalise, _Normalised
from casebook.privacy.numbers import (
    _find_birth_dates,
    _find_chat_ids,
    _find_emails,
    _find_numbers,
    _find_spoken_phones,
)
from casebook.privacy.people import _drop_not_people, _people_in_context

KINDS: tuple[str, ...] = ("person", "phone", "postal_code", "address", "my_number", "email",
                          "birth_date", "insurance_number", "facility", "line_id")

KIND_LABELS: dict[str, str] = {
    "person": "人名", "phone": "電話番号", "postal_code": "郵便番号", "address": "住所（区より下）",
    "my_number": "マイナンバー", "email": "メールアドレス", "birth_date": "生年月日",
    "insurance_number": "保険証・手帳などの番号", "facility": "施設・建物の名称",
    "line_id": "LINE等のID",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal information: `text == original[start:end]` (offsets before normalising)."""
    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def find_pii(text: str) -> list[Finding]:
    """Every piece of personal information in `text`, in order, without overlaps."""
    if not text or not text.strip():
        return []
    n = _normalise(text)
    cands: list[tuple[int, int, str]] = []   # spans in the normalised text
    cands += _find_emails(n)
    cands += _find_chat_ids(n)
    cands += _find_numbers(n)
    cands += _find_spoken_phones(n)
    cands += _find_birth_dates(n)
    toks = _tokens(n.norm) if _needs_tokens(n.norm) else []
    cands += _find_addresses(n, toks)
    cands += _find_people_and_facilities(n, toks)
    cands = _around(n.norm, cands)
    if toks:
        cands += _likely_names(n.norm, cands)
    return _repeat_mentions(text, _resolve(n, cands))


def _script(ch: str) -> str:
    if "\u3041" <= ch <= "\u309f":
        return "hiragana"
    if "\u30a0" <= ch <= "\u30ff" or "\uff66" <= ch <= "\uff9f":
        return "katakana"
    if ch.isalnum():
        return "kanji" if ord(ch) > 0x2fff else "latin"
    return ""


_PARTICLES = set("はがのにをともやへ")
_KATAKANA_NAME = re.compile(r"^[\u30a1-\u30faー・]+$")
_SUFFIX = re.compile(r"(?:ちゃん|チャン|くん|君|さん|様)$")


def _repeat_mentions(text: str, found: list[Finding]) -> list[Finding]:
    """A person found once in a text is the same person wherever the same name stands again in it
    (はるちゃん … はる＝孫): every other occurrence standing as a word of its own (not inside a longer
    word of the same script; a hiragana name may be followed by a particle) is found too."""
    names = {_SUFFIX.sub("", f.text) for f in found if f.kind == "person"}
    # カルロス・メンドーサ … カルロスでいい: each part of a foreign name joined with ・ is the person too
    names |= {part for name in names if "・" in name and _KATAKANA_NAME.match(name) for part in name.split("・")}
    names = {n for n in names if len(n) >= 2}
    if not names:
        return found
    taken = [(f.start, f.end) for f in found]
    extra = []
    for name in sorted(names, key=len, reverse=True):
        first, last = _script(name[0]), _script(name[-1])
        # str.find, not a regex per name: every name would be compiled and push the rules' own
        # patterns out of the re module's cache (recompiling them cost more than the search)
        pos = 0
        while (s := text.find(name, pos)) >= 0:
            e = pos = s + len(name)
            if any(s < te and e > ts for ts, te in taken):
                continue
            before = text[s - 1] if s else ""
            after = text[e] if e < len(text) else ""
            if before and first and _script(before) == first:
                continue
            if after and last and _script(after) == last and not (last == "hiragana" and after in _PARTICLES):
                continue
            taken.append((s, e))
            extra.append(Finding("person", s, e, name))
    return sorted(found + extra, key=lambda f: f.start) if extra else found


def _needs_tokens(norm: str) -> bool:
    return any(ord(c) > 0x2fff for c in norm) or re.search(r"[A-Za-z]", norm) is not None


_PRIORITY = {"email": 0, "line_id": 0, "my_number": 1, "insurance_number": 2, "phone": 3, "postal_code": 4,
             "birth_date": 5, "facility": 6, "address": 7, "person": 8}


def _resolve(n: _Normalised, cands: list[tuple[int, int, str]]) -> list[Finding]:
    chosen: list[tuple[int, int, str]] = []
    for s, e, kind in sorted(cands, key=lambda c: (-(c[1] - c[0]), _PRIORITY[c[2]], c[0])):
        if s >= e:
            continue
        if all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, kind))
    out = []
    for s, e, kind in sorted(chosen):
        os_, oe = n.span(s, e)
        # Trim spaces the normalisation may have pulled in (full-width space at either end).
        while os_ < oe and n.original[os_].isspace():
            os_ += 1
        while oe > os_ and n.original[oe - 1].isspace():
            oe -= 1
        if os_ < oe:
            out.append(Finding(kind, os_, oe, n.original[os_:oe]))
    return out


def _find_people_and_facilities(n: _Normalised, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    s = n.norm
    out, used = _find_people(s, toks)
    out = _drop_not_people(s, toks, out) + _people_in_context(s, toks)
    out += _find_facilities(s, toks, used)
    _widen_facilities(s, out, toks)
    return _join_adjacent(_split_readings(s, out))


