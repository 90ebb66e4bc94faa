"""The anonymised text the field would write: Aさん and B病院 (a letter per person or place, in order of
first appearance, skipping letters the text already uses), the ward at most for an address, the year
alone for a birth date, （略） for numbers; repeated until nothing is found any more."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from casebook.privacy.detect import Finding, find_pii
from casebook.privacy.facilities import _BUILDING_PREFIX, _FACILITY_RE, _KIND_PREFIX_RE
from casebook.privacy.words import _ERA, _KANJI_NUM, HONORIFICS, ROLE_WORDS

# What a removed number becomes in the suggested text.
REMOVED = "（略）"

_ROOM_TAIL = re.compile(r"\s?(?:第)?\d{1,4}\s?号室?$")
_LETTER_USE = re.compile(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])")


def placeholder_letters(texts: Iterable[str]) -> set[str]:
    """Letters already used as placeholders (Aさん, B氏, C病院) in these texts."""
    used: set[str] = set()
    for t in texts:
        norm = unicodedata.normalize("NFKC", t)
        for m in _LETTER_USE.finditer(norm):
            nxt = norm[m.end():m.end() + 1]
            if nxt and not nxt.isascii():
                used.add(m.group(1))
    return used


class _Letters:
    """Hands out A, B, C … in order of first appearance, skipping letters the case already uses."""

    def __init__(self, used: set[str]):
        self.used = set(used)
        self.names: dict[str, str] = {}      # normalised name -> letter
        self.counter = 0

    def _next(self) -> str:
        while True:
            k = self.counter
            self.counter += 1
            letter = chr(ord("A") + k) if k < 26 else chr(ord("A") + k // 26 - 1) + chr(ord("A") + k % 26)
            if letter not in self.used:
                self.used.add(letter)
                return letter

    def letter(self, name: str) -> str:
        key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
        if key in self.names:
            return self.names[key]
        # 佐藤 after 佐藤花子 (or 花子 after it): the same person keeps the same letter.
        related = [v for k, v in self.names.items() if len(k) >= 2 and len(key) >= 2 and
                   (k.startswith(key) or k.endswith(key) or key.startswith(k) or key.endswith(k))]
        letter = related[0] if related else self._next()
        self.names[key] = letter
        return letter


_BIRTH_YEAR = re.compile(rf"^\s*(?:{_ERA}\s?(?:\d{{1,2}}|元|[{_KANJI_NUM}]{{1,3}})|\d{{4}})\s?年")
_BIRTH_WESTERN_DIGITS = re.compile(r"^(\d{4})[/.\-]")


def _replacement(text: str, f: Finding, letters: _Letters) -> str:
    after = text[f.end:f.end + 12]
    before = text[max(0, f.start - 12):f.start]
    if f.kind == "person":
        letter = letters.letter(f.text)
        follows = unicodedata.normalize("NFKC", after[:8])
        if follows.startswith(HONORIFICS) or any(follows.startswith(w) for w in ROLE_WORDS if len(w) >= 2):
            return letter
        return letter + "さん"
    if f.kind == "facility":
        norm = _ROOM_TAIL.sub("", unicodedata.normalize("NFKC", f.text))
        if b := _BUILDING_PREFIX.fullmatch(norm):
            return b.group(1) + letters.letter(b.group(2))
        if (k := _KIND_PREFIX_RE.match(norm)) and k.end() < len(norm):
            return letters.letter(norm[k.end():]) + k.group(1)   # デイサービスあおぞら -> Aデイサービス
        m = None
        for m in _FACILITY_RE.finditer(norm):
            pass
        suffix = m.group(1) if m else "施設"
        return letters.letter(norm[: m.start()] if m else norm) + suffix
    if f.kind == "address":
        prev = unicodedata.normalize("NFKC", before[-6:])
        if re.search(r"(区|市)\s?$", prev):
            return ""
        return "区内"
    if f.kind == "birth_date":
        norm = unicodedata.normalize("NFKC", f.text)
        if m := _BIRTH_YEAR.match(norm):
            return m.group().strip()
        if m := _BIRTH_WESTERN_DIGITS.match(norm):
            return m.group(1) + "年"
        m = re.match(r"^[MTSHR]\.?\s?(\d{1,2})", norm)
        if m:
            era = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}[norm[0]]
            return f"{era}{m.group(1)}年"
        return REMOVED
    return REMOVED


def _apply(text: str, findings: list[Finding], letters: _Letters) -> str:
    parts = []
    pos = 0
    for f in findings:
        rep = _replacement(text, f, letters)
        start, end = f.start, f.end
        # A number alone in brackets: （06-0000-1234） becomes （略）, not （（略））.
        if rep == REMOVED and start > pos and text[start - 1] in "（(" and text[end:end + 1] in ("）", ")"):
            start, end = start - 1, end + 1
        parts.append(text[pos:start])
        parts.append(rep)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _anonymize_with(text: str, letters: _Letters, findings: list[Finding] | None = None) -> str:
    """`findings`: those of `text` when the caller has them already (the analysis is the costly part)."""
    out = text
    for round_ in range(4):
        if round_ or findings is None:
            findings = find_pii(out)
        if not findings:
            return out
        out = _apply(out, findings, letters)
    # What survives several rounds is cut out bluntly rather than published.
    for f in reversed(find_pii(out)):
        out = out[:f.start] + REMOVED + out[f.end:]
    return out


def anonymize(text: str) -> str:
    """`text` the way the field anonymises a case: Aさん, B病院, the ward at most, numbers removed."""
    return _anonymize_with(text, _Letters(placeholder_letters([text])))
