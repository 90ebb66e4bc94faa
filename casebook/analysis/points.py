"""The recurring 論点: advisors' key points (AdvisorComment kind "key_points", ポイント整理) tallied by
category and theme.

A key point is free text; its categories are read from the cues of vocab/analysis.yaml
(`point_categories`: ストレングス視点, 社会資源の開発, …). A point belongs to every category one of
whose cues it contains, or to その他 — a transparent rule an advisor can check and extend in the
file, rather than a model nobody can question. Each category keeps a few quoted examples, which
pass the privacy gate (`Gate.text`) before they are shown.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from casebook import vocab
from casebook.analysis.corpus import Doc, settings
from casebook.analysis.gate import Gate

OTHER = "その他"
EXAMPLES = 3      # quoted key points per category


def categories() -> list[dict]:
    return list(settings()["point_categories"])


def categorise(text: str) -> list[str]:
    """The category names a key point belongs to ([OTHER] when no cue matches)."""
    norm = vocab.normalize(text)
    found = [c["name"] for c in categories() if any(vocab.normalize(cue) in norm for cue in c["cues"])]
    return found or [OTHER]


@dataclass(frozen=True)
class Example:
    case_id: str
    case_title: str
    text: str


@dataclass
class PointTally:
    categories: list[str]
    themes: list[str]
    counts: Counter                        # (category, theme) -> key points
    totals: Counter                        # category -> key points (each point once)
    cases: Counter                         # category -> cases with such a point
    examples: dict[str, list[Example]] = field(default_factory=dict)
    points: int = 0                        # key points read

    def row(self, category: str) -> list[int]:
        return [self.counts[(category, t)] for t in self.themes]

    def ranked(self) -> list[str]:
        """Categories, most frequent first (その他 last)."""
        return sorted(self.categories, key=lambda c: (c == OTHER, -self.totals[c], self.categories.index(c)))


def tally(docs: Iterable[Doc], gate: Gate, *, themes: Iterable[str] = ()) -> PointTally:
    docs = list(docs)
    order = {name: i for i, name in enumerate(vocab.theme_names())}
    chosen = sorted(set(themes) or {t for d in docs for t in d.themes}, key=lambda t: order.get(t, 99))
    names = [c["name"] for c in categories()] + [OTHER]
    counts: Counter = Counter()
    totals: Counter = Counter()
    cases: Counter = Counter()
    examples: dict[str, list[Example]] = {n: [] for n in names}
    n_points = 0
    for d in docs:
        seen: set[str] = set()
        for text in d.key_points:
            n_points += 1
            for cat in categorise(text):
                totals[cat] += 1
                seen.add(cat)
                for t in d.themes:
                    if t in chosen:
                        counts[(cat, t)] += 1
                if len(examples[cat]) < EXAMPLES:
                    examples[cat].append(Example(d.id, gate.text(d.title), gate.text(text)))
        cases.update(seen)
    return PointTally(names, chosen, counts, totals, cases, examples, n_points)
