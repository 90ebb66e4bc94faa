"""Build casebook/privacy/name_ngrams.tsv: how much more often each character pair stands in a person's
name than in an ordinary noun, from SudachiPy's own dictionary (no download, deterministic).

The dictionary cannot be listed, but a lookup costs about a microsecond, so every word of one kanji, every
two-kanji word with at least one kanji that is a name on its own, and every hiragana word of two or three
characters is looked up (about ten million lookups, ten seconds). A word the dictionary lists only as a
person's name (姓 or 名) is a name; one it lists only as an ordinary noun (普通名詞), never as a name, is a
noun. Both are counted as written and as read (their reading in hiragana), with ^ and $ at the ends, so
the model knows kanji surnames (猪子, 薬袋) and kana given names (ゆいと, みよこ) alike.

Each pair keeps log(P(pair | name) / P(pair | noun)) (add-one smoothing), rounded to one decimal, when it
was seen at least MIN_COUNT times in all and the ratio is not near zero: casebook/privacy/namelike.py reads
the file on first use and scores a word as the mean over its pairs.

Run: python benchmarks/build_name_ngrams.py [--check]   (--check: hold out every tenth word, print how
well the score separates names from nouns it has not seen)
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "casebook" / "privacy" / "name_ngrams.tsv"
MIN_COUNT = 3
MIN_RATIO = 0.3


def hira(kata: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kata)


def words() -> tuple[set[str], set[str]]:
    """(names, nouns): surfaces and hiragana readings."""
    from casebook.privacy import dictionary
    dictionary._tokenizer()
    lookup = dictionary._DICTIONARY.lookup
    names: set[str] = set()
    nouns: set[str] = set()

    def see(w: str) -> None:
        ms = [m for m in lookup(w) if m.surface() == w]
        if not ms:
            return
        pos = [m.part_of_speech() for m in ms]
        is_name = any(p[:3] == ("名詞", "固有名詞", "人名") for p in pos)
        is_noun = any(p[:2] == ("名詞", "普通名詞") for p in pos)
        if is_name and not is_noun:
            names.add(w)
            names.update(hira(m.reading_form()) for m in ms if m.part_of_speech()[2] == "人名")
        elif is_noun and not is_name:
            nouns.add(w)
            nouns.update(hira(m.reading_form()) for m in ms)

    kanji, name_kanji = [], []
    for c in map(chr, range(0x4E00, 0xA000)):
        ms = [m for m in lookup(c) if m.surface() == c]
        if ms:
            kanji.append(c)
            if any(m.part_of_speech()[2] == "人名" for m in ms):
                name_kanji.append(c)
            see(c)
    name_set = set(name_kanji)
    for a in kanji:
        for b in kanji:
            if a in name_set or b in name_set:
                see(a + b)
    kana = [chr(c) for c in range(0x3041, 0x3094) if chr(c) not in "ぁぃぅぇぉゃゅょゎゐゑ"]
    for a in kana:
        for b in kana:
            see(a + b)
            for c in kana:
                see(a + b + c)
    names = {w for w in names if w and all("\u3041" <= c <= "\u3096" or c >= "\u3400" for c in w)}
    nouns = {w for w in nouns if w and all("\u3041" <= c <= "\u3096" or c >= "\u3400" for c in w)} - names
    return names, nouns


def pairs(w: str) -> list[str]:
    w = f"^{w}$"
    return [w[i:i + 2] for i in range(len(w) - 1)]


def train(names, nouns) -> dict[str, float]:
    cn, co = Counter(), Counter()
    for w in names:
        cn.update(pairs(w))
    for w in nouns:
        co.update(pairs(w))
    tn, to = sum(cn.values()), sum(co.values())
    v = len(set(cn) | set(co))
    table = {}
    for p in set(cn) | set(co):
        if cn[p] + co[p] < MIN_COUNT:
            continue
        r = math.log((cn[p] + 1) / (tn + v)) - math.log((co[p] + 1) / (to + v))
        if abs(r) >= MIN_RATIO:
            table[p] = round(r, 1)
    return table


def score(table, w: str) -> float:
    ps = pairs(w)
    return sum(table.get(p, 0.0) for p in ps) / len(ps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    names, nouns = words()
    print(f"names {len(names):,}, nouns {len(nouns):,}")
    if args.check:
        n_sorted, o_sorted = sorted(names), sorted(nouns)
        held_n, held_o = n_sorted[::10], o_sorted[::10]
        table = train(set(n_sorted) - set(held_n), set(o_sorted) - set(held_o))
        for cut in (0.0, 0.3, 0.5, 0.8, 1.0):
            tp = sum(score(table, w) >= cut for w in held_n) / len(held_n)
            fp = sum(score(table, w) >= cut for w in held_o) / len(held_o)
            print(f"  cut {cut}: held-out names scored a name {tp:.1%}, nouns {fp:.1%}")
        return
    table = train(names, nouns)
    lines = [f"{p}\t{r}" for p, r in sorted(table.items())]
    OUT.write_text("# pair<TAB>log ratio name/noun: built by benchmarks/build_name_ngrams.py from SudachiPy's "
                   "dictionary\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table):,} pairs -> {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
