"""The SudachiPy dictionary: loaded once per process on first use (importing this module stays cheap),
one tokenizer per thread, the words of a text with their parts of speech, and what the dictionary
lists for one word (a name, a surname, nothing but a name)."""

from __future__ import annotations

import threading
from functools import cache

_DICT_LOCK = threading.Lock()
_DICTIONARY = None
_LOCAL = threading.local()


def _tokenizer():
    """A SudachiPy tokenizer for this thread over the one shared dictionary (loaded on first use)."""
    global _DICTIONARY
    tok = getattr(_LOCAL, "tokenizer", None)
    if tok is not None:
        return tok
    if _DICTIONARY is None:
        with _DICT_LOCK:
            if _DICTIONARY is None:
                from sudachipy import Dictionary
                _DICTIONARY = Dictionary(dict="core")
    tok = _DICTIONARY.tokenizer() if hasattr(_DICTIONARY, "tokenizer") else _DICTIONARY.create()
    _LOCAL.tokenizer = tok
    return tok


def load_dictionary() -> None:
    """Load the dictionary now (the benchmark and servers call this to pay the cost up front)."""
    _tokenizer()


class _Tok:
    """One word of the analyser's output (offsets into the normalised text) with its part of speech;
    a plain slotted class: thousands are made per page, and a frozen dataclass is slow to build."""
    __slots__ = ("start", "end", "surface", "pos", "noun", "proper", "name", "place")

    def __init__(self, start: int, end: int, surface: str, pos: tuple[str, ...]):
        self.start = start
        self.end = end
        self.surface = surface
        self.pos, self.noun, self.proper, self.name, self.place = _pos_info(pos)

    def __repr__(self) -> str:
        return f"_Tok({self.start}, {self.end}, {self.surface!r}, {self.pos!r})"


def _pos_info(pos: tuple[str, ...]) -> tuple[tuple[str, ...], bool, bool, bool, bool]:
    """A part of speech with what the rules ask of it (noun, proper noun, person's name, place name)."""
    noun = pos[0] == "名詞"
    proper = noun and pos[1] == "固有名詞"
    return pos, noun, proper, proper and pos[2] == "人名", proper and pos[2] == "地名"


# Per part-of-speech id: the tags and the flags, worked out once per process, not once per word.
_POS_CACHE: dict[int, tuple[tuple[str, ...], bool, bool, bool, bool]] = {}
_SUDACHI_CHUNK = 2000   # characters per call: well under Sudachi's input limit, cut at sentence ends
_new_tok = object.__new__


def _tokens(norm: str) -> list[_Tok]:
    from sudachipy import SplitMode

    tok = _tokenizer()
    out: list[_Tok] = []
    append = out.append
    cache = _POS_CACHE
    pos = 0
    while pos < len(norm):
        end = min(len(norm), pos + _SUDACHI_CHUNK)
        if end < len(norm):
            cut = max(norm.rfind(c, pos, end) for c in "。\n！？!?")
            end = cut + 1 if cut > pos else end
        chunk = norm[pos:end]
        if chunk.strip():
            for m in tok.tokenize(chunk, SplitMode.C):
                info = cache.get(pid := m.part_of_speech_id())
                if info is None:
                    info = cache.setdefault(pid, _pos_info(tuple(m.part_of_speech())))
                b = pos + m.begin()
                t = _new_tok(_Tok)   # the slots set here directly: no __init__ call per word
                t.start, t.end, t.surface = b, pos + m.end(), m.surface()
                t.pos, t.noun, t.proper, t.name, t.place = info
                append(t)
        pos = end
    return out


_LOOKUP_LOCK = threading.Lock()


@cache
def _entries(surface: str) -> frozenset[tuple[str, ...]]:
    """Every part of speech (4 levels) the dictionary lists for this exact word."""
    _tokenizer()
    with _LOOKUP_LOCK:
        entries = _DICTIONARY.lookup(surface)
    return frozenset(tuple(m.part_of_speech()[:4]) for m in entries if m.surface() == surface)


def _has_name_entry(surface: str) -> bool:
    """Whether the dictionary lists this word as a person's name at all (翼 yes, 学生 no)."""
    return any(e[:3] == ("名詞", "固有名詞", "人名") for e in _entries(surface))


def _has_surname_entry(surface: str) -> bool:
    return ("名詞", "固有名詞", "人名", "姓") in _entries(surface)


def _only_name_entries(surface: str) -> bool:
    """The word is nothing but a name in the dictionary (みゆき, あやか; not ひかり, のぞみ, まこと)."""
    entries = _entries(surface)
    return bool(entries) and all(e[:3] == ("名詞", "固有名詞", "人名") for e in entries)
