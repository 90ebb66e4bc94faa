"""The cases as the analysis reads them: one `Doc` per case with its words (SudachiPy nouns and
noun compounds), its household type, its advisors' key points and how often it was cited.

Words: SudachiPy (the privacy detector's dictionary and tokenizer loader, one per thread) in mode C;
a run of common nouns — with a verb's 連用形 directly before a noun (見守り活動) — becomes one compound,
and every noun of two or more characters counts on its own too (ふれあい喫茶, ふれあい, 喫茶). Person
and place names (固有名詞 人名・地名), numbers, pronouns and the stopwords of vocab/analysis.yaml are
never words: no name can become a "characteristic word" or a reason two cases are similar.

Only the case sheet's own prose is read (not the provider's name or role, not advisors' comments:
those are the key points' own analysis, `points`).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from casebook import vocab

if TYPE_CHECKING:
    from casebook.model import Case

_SKIP_FIELDS = re.compile(r"^(provider|provider_role|comments|ethics)\b")
MAX_COMPOUND = 4   # nouns in one compound: longer runs are lists (A、B、C) more than terms


@cache
def settings() -> dict:
    """vocab/analysis.yaml: stopwords, key point categories, household types."""
    return vocab._load("analysis")


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(settings()["stopwords"])


def _is_common_noun(pos: tuple[str, ...]) -> bool:
    return pos[0] == "名詞" and pos[1] == "普通名詞" and pos[2] != "助数詞可能"


def _joins(pos: tuple[str, ...]) -> bool:
    # 見守り (動詞 連用形) before a noun is part of a term; 見守る on its own is not a noun.
    return pos[0] == "動詞" and len(pos) > 5 and pos[5].startswith("連用形")


@lru_cache(maxsize=8192)
def terms_of(text: str) -> tuple[str, ...]:
    """The words of one text, in order, compounds after their parts (cached: cases repeat phrases)."""
    from sudachipy import SplitMode

    from casebook.privacy.dictionary import _tokenizer

    text = vocab.normalize(text)
    if not text:
        return ()
    stop = _stopwords()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if 2 <= len(run) <= MAX_COMPOUND:
            compound = "".join(run)
            if compound not in stop:
                out.append(compound)
        run.clear()

    tok = _tokenizer()
    for chunk in re.split(r"(?<=[。\n！？])", text):
        if not chunk.strip():
            continue
        morphs = list(tok.tokenize(chunk[:4000], SplitMode.C))
        for i, m in enumerate(morphs):
            pos = m.part_of_speech()
            surface = m.surface()
            if _is_common_noun(pos):
                run.append(surface)
                if len(surface) >= 2 and surface not in stop:
                    out.append(surface)
            elif (_joins(pos) and i + 1 < len(morphs)
                  and _is_common_noun(morphs[i + 1].part_of_speech())):
                run.append(surface)
            else:
                flush()
        flush()
    return tuple(out)


def household_type(case: Case) -> str:
    """単身世帯, 高齢夫婦世帯, 親と子の世帯 … from the first sentence of 世帯構成 (vocab/analysis.yaml)."""
    conf = settings()
    if case.target in ("group", "community"):
        return conf["community_type"]
    first = vocab.normalize(case.person.household).split("。")[0]
    for kind in conf["household_types"]:
        if any(vocab.normalize(str(cue)) in first for cue in kind["cues"]):
            return kind["name"]
    return conf["other_type"]


@dataclass(frozen=True)
class Doc:
    """One case as the analysis sees it."""
    id: str
    title: str
    ward: str
    fiscal_year: int
    status: str
    themes: tuple[str, ...]
    household: str
    terms: Counter = field(compare=False)
    key_points: tuple[str, ...] = ()
    advisor_comments: int = 0
    sessions: int = 0           # training sessions that discussed the case
    case: Case | None = field(default=None, compare=False, repr=False)


def make_doc(case: Case, sessions: int = 0) -> Doc:
    terms: Counter = Counter()
    for _path, text in ((p, t) for p, t in case.text_fields() if not _SKIP_FIELDS.match(p)):
        terms.update(terms_of(text))
    points = tuple(c.text for c in case.comments if c.kind == "key_points")
    return Doc(case.id, case.title, case.ward, case.fiscal_year, case.status, tuple(case.themes),
               household_type(case), terms, points, len(case.comments), sessions, case)

def corpus(cases: Iterable[Case], session_counts: dict[str, int] | None = None) -> list[Doc]:
    """Docs for the cases; `session_counts`: case id -> sessions that discussed it (store.list_sessions)."""
    counts = session_counts or {}
    return [make_doc(c, counts.get(c.id, 0)) for c in cases]

def session_counts(sessions: Iterable) -> dict[str, int]:
    """How many training sessions used each case (Session.case_ids)."""
    counts: Counter = Counter()
    for s in sessions:
        counts.update(set(s.case_ids))
    return dict(counts)
