"""People written in context rather than by a name the dictionary tags: rosters and minutes (出席：上田、林、
ファシリ＝松本, 西（社協）：), a name in brackets after a family word (妻（ハルエ）, 長女（綾）), a surname before
a title (今井係長, 上野Dr), full names written with a space (佐伯 勇 様, 王 建国さん), names in Latin letters
(WANG Li さん, （Tran Van Minh）), sign-offs at the end of a message (— Linh, — 민수, 「たかし です」); and
the names that are not someone in the case: people cited as references (宮沢賢治の「…」, 大谷翔平みたいに)
and towns the analyser takes for surnames (鶴橋の市場, 松原のほうに)."""

from __future__ import annotations

import re

from casebook.privacy.dictionary import (
    _entries,
    _has_name_entry,
    _has_surname_entry,
    _only_name_entries,
    _Tok,
)
from casebook.privacy.words import (
    _CJK,
    _GENERIC_KANA,
    HONORIFICS,
    KIN_WORDS,
    ROLE_WORDS,
    _is_placeholder,
    _is_role,
    _ward_names,
)

_HON = r"(?:さん|様|さま|氏|くん|ちゃん|君|殿)"
_KATA = r"[\u30a1-\u30faー]"
_HIRA = r"[\u3041-\u3096ー]"
_LATIN_NAME = r"[A-Z][A-Za-z]+(?:[ ][A-Z][A-Za-z]+){0,3}"

# Labels of a roster: who attended, who had which job in a group (出席：…, 記録係：…, ファシリ＝…).
_ROSTER = re.compile(r"(?:出席者?|参加者|欠席者?|同席者?|メンバー|司会|書記|記録者?|ファシリ(?:テーター)?|タイムキーパー|"
                     rf"発表者?|報告者|担当者?|対応者|[{_CJK}\u30a1-\u30faー]{{0,6}}係)\s?[:=]\s?")
_ITEM_END = re.compile(r"[、,・/。\n]|\s{2,}|$")
# A speaker in minutes: 西（社協）：…, 青木：… at the start of a line.
_SPEAKER = re.compile(rf"(?m)(?:^|(?<=[\n」]))\s*([{_CJK}]{{1,4}})(?:[(（][^()（）]{{1,12}}[)）])?\s?[:]")
# Titles written straight after a surname: 今井係長, 上野Dr, 坂本CM.
_TITLE_AFTER = re.compile(r"(?:係長|課長|所長|部長|主任|主査|院長|園長|施設長|師長|看護師|保健師|相談員|支援員|"
                          r"ケアマネ(?:ジャー)?|Dr\.?|CM|MSW|CSW|PSW|SW|PT|OT|ST|医師|弁護士|司法書士)")
# A name in brackets after a family word or a word for a name: 妻（ハルエ）, 長女（綾）, 名前（ひなた）.
_NAME_WORDS = "|".join(sorted(KIN_WORDS | {"名前", "本名", "氏名", "旧姓", "通称", "呼び名", "愛称", "あだ名"},
                              key=len, reverse=True))
_KIN_BRACKET = re.compile(rf"({_NAME_WORDS})[(（]({_KATA}{{2,6}}|{_HIRA}{{2,6}}|[{_CJK}]{{1,3}})[)）、,]")
# 佐伯 勇 様, 王 建国さん, 張 偉、: a surname, one space, a short given name, then an honorific or a mark.
_SPACED = re.compile(rf"([{_CJK}]{{1,3}})[ \u3000]([{_CJK}]{{1,2}}?)(?=\s?{_HON}|[、,)）」』(（]|\s|$)")
_NAME_READING = re.compile(rf"([{_CJK}]{{1,4}})\s?[(（]({_HIRA}{{2,8}})[)）]")
_LATIN_HON = re.compile(rf"(?<![A-Za-z0-9@._\-])({_LATIN_NAME})\s?(?={_HON})")
_LATIN_BRACKET = re.compile(r"(?<=[\u30a1-\u30faーんま様氏])[(（]([A-Z][A-Za-z]+(?:[ ][A-Z][A-Za-z]+){1,3})[)）]")
# A sign-off at the end of a message: 「…— Linh」, 「…— 민수」.
_SIGN_OFF = re.compile(rf"(?:^|\s)[—―–\-ー]{{1,2}}\s?([A-Z][a-z]+|[\uac00-\ud7a3]{{2,4}}|{_KATA}{{2,6}}|{_HIRA}{{2,5}}|"
                       rf"[{_CJK}]{{1,4}})\s*(?=[」』\"]|$)")
_KANA_INTRO = re.compile(rf"(?:^|(?<=[「『\s]))({_HIRA}{{2,5}})\s?(?:です|でございます|より)(?=[。、!」\s]|$)")


def _people_in_context(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _ROSTER.finditer(s):
        pos = m.end()
        while pos < len(s):
            end = _ITEM_END.search(s, pos)
            item = s[pos:end.start()]
            bare = re.sub(r"[(（][^()（）]*[)）]$", "", item).strip()
            if re.search(r"[:=]", bare):
                break   # the next label (ファシリ＝松本、タイムキーパー＝林田) is read on its own
            if _could_be_name(bare):
                a = pos + item.index(bare)
                out.append((a, a + len(bare), "person"))
            if not end.group() or end.group() not in "、,・/":
                break
            pos = end.end()
    for m in _SPEAKER.finditer(s):
        # 西（社協）：… a speaker may bear a ward's name without its 区
        if _has_surname_entry(m.group(1)) and not _is_role(m.group(1)) and not _is_placeholder(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    titles = [m.start() for m in _TITLE_AFTER.finditer(s)]
    if titles:
        by_end = {t.end: t for t in toks}
        for pos in titles:
            t = by_end.get(pos)
            if t is not None and t.noun and _surname_like(t.surface):
                out.append((t.start, t.end, "person"))
    for m in _KIN_BRACKET.finditer(s):
        word = m.group(2)
        # after 名前/本名 the word is a name whatever else it means (名前（ひなた）); after a family word not
        # a common noun (長女（キーパーソン）)
        if _is_role(word) or word in _GENERIC_KANA or m.group(1) in KIN_WORDS and _common_word(word) \
                or re.fullmatch(rf"[{_CJK}]+", word) and not _has_name_entry(word):
            continue
        out.append((m.start(2), m.end(2), "person"))
    for m in _NAME_READING.finditer(s):
        if _has_name_entry(m.group(2)) or _KIN_BEFORE.search(s, max(0, m.start() - 6), m.start()):
            out.append((m.start(1), m.end(1), "person"))   # 妻の光子（みつこ）: a name the reading shows
    for m in _SPACED.finditer(s):
        given = m.group(2)
        if _surname_like(m.group(1)) and given not in HONORIFICS and not _is_role(given) \
                and not any(e[0] == "動詞" for e in _entries(given)):
            out.append((m.start(), m.end(), "person"))
    for rx in (_LATIN_HON, _LATIN_BRACKET):
        out += [(m.start(1), m.end(1), "person") for m in rx.finditer(s)]
    for m in _SIGN_OFF.finditer(s):
        name = m.group(1)
        if re.fullmatch(rf"[{_CJK}]+", name) and not _surname_like(name) or _is_role(name) or name in _GENERIC_KANA \
                or _common_word(name):
            continue
        out.append((m.start(1), m.end(1), "person"))
    for m in _KANA_INTRO.finditer(s):
        if _only_name_entries(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    return out


def _common_word(word: str) -> bool:
    """キーパーソン, ママ: a common noun the dictionary never lists as a name."""
    entries = _entries(word)
    return any(e[:2] == ("名詞", "普通名詞") or e[0] in ("代名詞", "動詞", "形容詞") for e in entries) \
        and not _has_name_entry(word)


def _surname_like(word: str) -> bool:
    return _has_surname_entry(word) and word not in ROLE_WORDS and word not in _ward_names() \
        and not _is_placeholder(word)


def _could_be_name(item: str) -> bool:
    if not item or _is_placeholder(item) or _is_role(item) or item in _GENERIC_KANA:
        return False
    if re.fullmatch(_LATIN_NAME, item) or re.fullmatch(rf"{_KATA}{{2,6}}", item):
        return True
    return re.fullmatch(rf"[{_CJK}]{{1,4}}(?:[ \u3000][{_CJK}]{{1,3}})?", item) is not None \
        and _surname_like(item.split()[0])


# What follows a name that is cited, not someone in the case: 宮沢賢治の「…」, 大谷翔平みたいに, …の伝記.
_CITED = re.compile(r"(?:みたい|のよう|のごと|の言う|のいう|の言葉|の名言|の伝記|の著書|の本|の作品|の詩|の理論|の「|の『|的|"
                    # a theorist's work, as training notes cite it: …の7原則, …の欲求5段階, …の考え方に学ぶ
                    r"の[0-9一二三四五六七八九十]*(?:原則|欲求|理論|学説|モデル|段階|発達段階|定義|提唱|思想|実践|考え方|枠組み))")
# Cited people listed with や: 石井十次や留岡幸助の実践 (the one before や is cited too).
_CITED_LIST = re.compile(rf"や[{_CJK}\u30a1-\u30faー・]{{2,8}}?" + _CITED.pattern)
# What follows a town the analyser took for a surname: 鶴橋の市場, 石橋のあたり (のほう only for a known place).
_PLACE_AFTER = re.compile(r"(?:の(?:市場|商店街|駅|あたり|辺り|辺|近く|周辺|方面|界隈|まち|町|河川敷|土手|堤防)|方面|周辺|界隈|付近|"
                          r"沿い|沿線|流域|水系)")


def _drop_not_people(s: str, toks: list[_Tok], cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Person spans that read as a cited author, a town, or a lone one-character given name (有, 済) go."""
    by_span = {(t.start, t.end): t for t in toks} if any(b - a == 1 and k == "person" for a, b, k in cands) else {}
    out = []
    for a, b, kind in cands:
        if kind == "person" and not s.startswith(HONORIFICS, b) and _not_a_person(s, a, b, by_span.get((a, b))):
            continue
        out.append((a, b, kind))
    return out


def _not_a_person(s: str, a: int, b: int, tok: _Tok | None) -> bool:
    if _CITED.match(s, b) or _CITED_LIST.match(s, b):
        return True
    word = s[a:b]
    if re.fullmatch(r"[一二三四五六七八九十百]+", word):
        return True   # 八十八やで: an age or a count in kanji numerals, read as a given name
    if _PLACE_AFTER.match(s, b) or re.match(r"の(?:ほう|方)", s[b:]) and any(e[2] == "地名" for e in _entries(word)):
        return a == 0 or not _is_role(s[max(0, a - 6):a].rstrip("の・"))
    # 有無：有, 確認：済: one kanji tagged as a given name, standing alone without an honorific
    return tok is not None and len(word) == 1 and tok.name and tok.pos[3] != "姓" \
        and not re.match(r"[はがもとを]", s[b:b + 1]) and not _KIN_BEFORE.search(s, max(0, a - 6), a)


_KIN_BEFORE = re.compile(rf"(?:{_NAME_WORDS})[\s・の]?$")
