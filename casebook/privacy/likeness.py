"""A second signal beside the dictionary: how name-like a word's characters are, and the rules that ask it
only where the context already points at a person.

The score is the mean, over the word's character pairs (with ^ and $ at its ends), of log(P(pair | name) /
P(pair | ordinary noun)), read from name_ngrams.tsv: built by benchmarks/build_name_ngrams.py from the
names and the ordinary nouns of SudachiPy's own dictionary (7,000 pairs, 76 kB, loaded on first use;
deterministic, nothing downloaded). Katakana is read as hiragana. It knows みよこ, はるみ and 猪子 for
names and 電話, おばあちゃん for nouns, but it is weak alone (a held-out name scores above 0.5 about 7 times
in 10, a held-out noun 1 in 10): a rule here asks it only where a person stands: after a family word
and の (孫の そうた くん, 娘の美咲です), alone after the last sentence of a message or after a dash (。みちよ,
―しげる), before です opening a message (いなばです, まさです), after わたし/うち (うち、ちよこ。), after 長男・,
next to a person found in a list of two ((悠真・こはる)), after 姓は, between a surname and an honorific
(田中 あかりさん), in quotes as a full name (「くぬぎ さとこ」). A dictionary name that is also a common word
(ゆかり, メール) must score as name-like too; a word the analyser reads as a greeting (またね) never signs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from casebook.privacy.dictionary import _entries, _tokens
from casebook.privacy.words import _CJK, KIN_WORDS, _is_role

_TABLE = Path(__file__).with_name("name_ngrams.tsv")


@cache
def _pairs() -> dict[str, float]:
    table = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            pair, ratio = line.split("\t")
            table[pair] = float(ratio)
    return table


def name_likeness(word: str) -> float:
    """> 0: the word's characters are more usual in names than in ordinary nouns (0: nothing known)."""
    table = _pairs()
    w = "^" + "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in word) + "$"
    n = len(w) - 1
    return sum(table.get(w[i:i + 2], 0.0) for i in range(n)) / n


# What a word standing in a name's place may be in the dictionary and still be a name (a noun at most).
_NOT_NAME_POS = ("動詞", "形容詞", "副詞", "助詞", "助動詞", "連体詞", "感動詞", "接続詞", "代名詞", "形状詞", "接尾辞",
                 "接頭辞")


def _name_here(word: str, cut: float) -> bool:
    """A word in a place where a person's name stands: a name in the dictionary (and no function word), or
    a word the dictionary does not know whose characters score at least `cut`; never a role word."""
    if _is_role(word):
        return False
    entries = _entries(word)
    if any(e[0] in _NOT_NAME_POS and (e[0] != "動詞" or len(word) < 3) or e[2] in ("副詞可能", "助数詞可能")
           for e in entries):
        return False   # ため, とき: a function word that is a name too; みちよ (a verb's form as well) is a name
    name = any(e[2:4] in (("人名", "名"), ("人名", "姓")) for e in entries)
    common = any(e[:2] == ("名詞", "普通名詞") for e in entries)
    if name and not common:
        return True
    if name:
        return name_likeness(word) >= cut - 0.5   # ゆかり, すずき: names and words, told apart by their letters
    return not entries and name_likeness(word) >= cut


def _surname_here(word: str, cut: float) -> bool:
    """A kana word before a given name: a surname in the dictionary, or a plain noun or unknown word whose
    letters are name-like (くぬぎ, くすのき: trees, and surnames)."""
    entries = _entries(word)
    if any(e[2:4] == ("人名", "姓") for e in entries):
        return True
    return not any(e[0] in _NOT_NAME_POS for e in entries) and name_likeness(word) >= cut and not _phrase(word)


def _phrase(word: str) -> bool:
    """またね, じゃあね: a word no dictionary knows that the analyser reads as a greeting or a phrase."""
    toks = _tokens(word)
    return bool(toks) and toks[0].pos[0] in ("接続詞", "副詞", "感動詞", "接頭辞")


_HIRA = r"[\u3041-\u3096ー]"
_KIN = "|".join(sorted(KIN_WORDS, key=len, reverse=True))
# 孫の そうた くん, 姪の まいかちゃん, 息子の ひろと と: a family word, の, a kana word spaced or before an honorific.
_KIN_NO_KANA = re.compile(rf"(?:{_KIN})の(?:\s({_HIRA}{{2,5}})(?=\s?(?:くん|ちゃん|さん|君)|\s[とがはにもを]|[(（、,])"
                          rf"|({_HIRA}{{2,5}})(?=\s?(?:くん|ちゃん)))")
# …します。みちよ: a kana word alone after the last sentence end of a message.
_SIGNED_KANA = re.compile(rf"(?<=[。!！?？])\s?({_HIRA}{{2,5}}?)(?:より)?\s*(?=[」』]?\s*$)")
# 「こんにちは、いなばです」: a kana word before です, opening a message or after a greeting.
_KANA_DESU = re.compile(rf"(?:^|(?<=[「『、,]))({_HIRA}{{2,5}}|[\u30a1-\u30faー]{{3,6}})(?:です|と申します|でございます)"
                        rf"(?=[、。!！♪」\s]|$)")
# 長男・ともや, 妻・るみ子: a family word, ・ and a name.
_KIN_DOT = re.compile(rf"(?:{_KIN})・({_HIRA}{{2,5}}|[\u30a1-\u30faー]{{2,6}}|{_HIRA}{{1,3}}[子美江代])"
                      rf"(?=[、,。)）\s]|$|の[{_CJK}])")
# 姓は鰐淵, 名字は蛭間だ: a surname stated without quotes.
_SURNAME_STATED = re.compile(rf"(?:姓|名字|苗字|旧姓)(?:は|が|:)\s?([{_CJK}]{{1,4}}|{_HIRA}{{2,6}}|[\u30a1-\u30faー]{{2,6}})"
                             rf"(?=[、,。)）\s]|$|と|で|だ|です|さん|様)")


# 孫の美咲です: a family word, の, and a kanji given name introducing the speaker.
_KIN_NO_KANJI = re.compile(rf"(?:{_KIN})の([{_CJK}]{{1,3}})(?=です|と申します|でございます)")
# 「まさです。」: a two-kana name opening a message (the dictionary knows only fragments of words for it).
_SHORT_DESU = re.compile(rf"(?:^|(?<=[「『]))({_HIRA}{{2}})です(?=[、。!！♪」\s]|$)")
# …。―しげる, ありがとう—みつより: a message signed after a dash (not ー, a long vowel).
_DASH_SIGNED = re.compile(rf"[—―–]{{1,2}}\s?({_HIRA}{{2,6}})\s*(?=[」』]?\s*$)")
# 「くぬぎ さとこ」: a full name in kana, quoted.
_QUOTED_KANA_NAME = re.compile(rf"[「『]({_HIRA}{{2,5}})[ \u3000]({_HIRA}{{2,4}})[」』]")
# 「うち、ちよこ。」, わたしは ふさえ です: someone naming themselves.
_SELF_NAMED = re.compile(rf"(?:わたし|私|あたし|うち|僕|ぼく|おれ|俺|わし)(?:は|、|,)\s?({_HIRA}{{2,5}})"
                         rf"(?=\s?(?:です|や|よ|だ|じゃ)?[。、!！♪」]|\sです)")
# The next or the one before in a list of two after a person found: (悠真・こはる), 岡部、みさき.
_NEXT_ITEM = re.compile(rf"({_HIRA}{{2,5}}|[\u30a1-\u30faー]{{2,6}}|[{_CJK}]{{1,3}})(?=[)）」』。]|$)")
_ITEM_BEFORE = re.compile(rf"(?<=[(（:])({_HIRA}{{2,5}}|[\u30a1-\u30faー]{{2,6}}|[{_CJK}]{{1,3}})$")


def _list_of_two(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for a, b, kind in cands:
        if kind != "person":
            continue
        if s[b:b + 1] in ("・", "、") and (m := _NEXT_ITEM.match(s, b + 1)) and _name_here(m.group(1), 0.3):
            out.append((m.start(1), m.end(1), "person"))
        if a > 1 and s[a - 1] in ("・", "、") and (m := _ITEM_BEFORE.search(s, max(0, a - 7), a - 1)) \
                and _name_here(m.group(1), 0.3):
            out.append((m.start(1), m.end(1), "person"))
    return out


# 森川 ちか江さん, 松井 さやかさん: a surname, a space and a kana given name before an honorific.
_SURNAME_SPACE_KANA = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{1,3}})[ \u3000]({_HIRA}{{2,4}}|{_HIRA}{{1,3}}[子江美代枝])"
                                 rf"(?=\s?(?:さん|様|さま|氏|ちゃん|くん))")


def _likely_names(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """People found by a name-like word in a person's place (spans of the normalised text); `cands`: what the
    other rules found (a list of two is read from a person found in it)."""
    out = _list_of_two(s, cands) if "・" in s or "、" in s else []
    for m in _SURNAME_SPACE_KANA.finditer(s) if " " in s or "\u3000" in s else ():
        given = m.group(2)
        if any(e[3] == "姓" for e in _entries(m.group(1))) and not _is_role(given) and (
                given[-1] in "子江美代枝" or any(e[2:4] == ("人名", "名") for e in _entries(given))
                or not any(e[0] in _NOT_NAME_POS for e in _entries(given)) and name_likeness(given) >= 0):
            out.append((m.start(), m.end(), "person"))
    for m in _KIN_NO_KANJI.finditer(s) if "の" in s else ():
        word, entries = m.group(1), _entries(m.group(1))
        if any(e[2:4] == ("人名", "名") for e in entries) and name_likeness(word) >= 0.5 \
                and not any(e[2] in ("副詞可能", "サ変可能", "助数詞可能") or e[0] in _NOT_NAME_POS for e in entries):
            out.append((m.start(1), m.end(1), "person"))
    for m in _SHORT_DESU.finditer(s) if "です" in s else ():
        if name_likeness(m.group(1)) >= 1.2 and all(e[0] in ("名詞", "動詞", "形容詞", "助動詞") for e in _entries(m.group(1))):
            out.append((m.start(1), m.end(1), "person"))
    if (m := _DASH_SIGNED.search(s)) and not _phrase(m.group(1)) and (
            _name_here(m.group(1), 0.5) or m.group(1).endswith("より") and _name_here(m.group(1)[:-2], 0.5)):
        end = m.end(1) if _name_here(m.group(1), 0.5) else m.end(1) - 2
        out.append((m.start(1), end, "person"))
    for m in _QUOTED_KANA_NAME.finditer(s) if "「" in s or "『" in s else ():
        given = any(e[2:4] == ("人名", "名") for e in _entries(m.group(2)))   # a known given name: any surname
        if _surname_here(m.group(1), 0.0 if given else 0.5) and _name_here(m.group(2), 0.3):
            out.append((m.start(1), m.end(2), "person"))
    for m in _SELF_NAMED.finditer(s):
        if _name_here(m.group(1), 0.5):
            out.append((m.start(1), m.end(1), "person"))
    if "の" in s:
        for m in _KIN_NO_KANA.finditer(s):
            g = 1 if m.group(1) else 2
            if _name_here(m.group(g), 0.3):
                out.append((m.start(g), m.end(g), "person"))
    if (m := _SIGNED_KANA.search(s)) and _name_here(m.group(1), 0.5) and not _phrase(m.group(1)):
        out.append((m.start(1), m.end(1), "person"))
    if "です" in s or "申します" in s or "ございます" in s:
        for m in _KANA_DESU.finditer(s):
            if _name_here(m.group(1), 0.5) or any(e[2] == "地名" for e in _entries(m.group(1))) \
                    and name_likeness(m.group(1)) >= 0:
                out.append((m.start(1), m.end(1), "person"))   # いなば: a place's name is a surname here too
    if "・" in s:
        for m in _KIN_DOT.finditer(s):
            if m.group(1) not in KIN_WORDS and _name_here(m.group(1), 0.3):
                out.append((m.start(1), m.end(1), "person"))
    if "姓" in s or "名字" in s or "苗字" in s:
        for m in _SURNAME_STATED.finditer(s):
            word = m.group(1)
            if any(e[3] == "姓" for e in _entries(word)) or not _entries(word) and name_likeness(word) >= 0:
                out.append((m.start(1), m.end(1), "person"))
    return out
