"""People's names: runs of name tokens from SudachiPy (名詞-固有名詞-人名, 佐藤 花子, マリア・サントス), words that
are names only in context (孫のさくらは, 担当の上野が), the honorific rule (a noun directly before さん/様/氏/
ちゃん/くん/先生/医師 …), kana given names and nicknames, signatures (（田中）), and kana readings in brackets;
"X Y" with a known given name Y after a space (梶ヶ谷 多恵子, 蓑島 るり), a rare kanji word before an honorific
(蔀医師, 北区の雲母さん), messages signed with より; never placeholders (Aさん, B氏) or role words (民生委員,
係長, 長女 …)."""

from __future__ import annotations

import itertools
import re

from casebook.privacy.dictionary import (
    _entries,
    _has_name_entry,
    _has_surname_entry,
    _only_name_entries,
    _Tok,
)
from casebook.privacy.facilities import _FACILITY_AFTER_NAME
from casebook.privacy.people import _surname_shaped
from casebook.privacy.words import (
    _CJK,
    _GENERIC_KANA,
    _KANA,
    _KANA_RUN,
    HONORIFICS,
    KIN_WORDS,
    NOT_NAMES,
    ROLE_WORDS,
    _is_placeholder,
    _is_role,
    _ward_names,
)

# What follows a place, not a person: 鶴橋駅, 今里筋.
_LANDMARK = re.compile(r"(駅|線|通り?|商店街|公園|橋|川|市場|筋)")


def _common_word_here(toks: list[_Tok], i: int) -> bool:
    """A lone surname-tagged token that reads better as an ordinary word: 見方, or glued to a noun (家庭科部)."""
    t = toks[i]
    if t.surface in NOT_NAMES:
        return True
    if i > 0:
        p = toks[i - 1]
        if p.end == t.start and p.pos[:2] == ("名詞", "普通名詞") and not _is_role(p.surface) \
                and not _is_placeholder(p.surface):
            return True
    return False


def _find_people(s: str, toks: list[_Tok]) -> tuple[list[tuple[int, int, str]], set[int]]:
    """People, and the named facilities a run of name tokens ends in (桃谷中央病院), as spans of the
    normalised text; with the tokens a name took, which no facility rule may take again."""
    out: list[tuple[int, int, str]] = []
    used: set[int] = set()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.name and t.surface in ROLE_WORDS and i + 1 < len(toks) and toks[i + 1].name \
                and toks[i + 1].start == t.end:
            i += 1   # 本名キヨミさん: a word for a name (tagged as a surname), then the name itself
            continue
        if t.name and i > 0 and toks[i - 1].end == t.start and toks[i - 1].surface + t.surface in ROLE_WORDS:
            i += 1   # 保|健師さん: the analyser cut a role word at the start of a sentence
            continue
        # A run of name tokens (佐藤 花子, with at most one space between surname and given name).
        if t.name and not _is_placeholder(t.surface):
            j = i + 1
            while j < len(toks):
                nxt = toks[j]
                if nxt.name and nxt.start == toks[j - 1].end and not _is_placeholder(nxt.surface):
                    j += 1
                elif (nxt.surface.isspace() and j + 1 < len(toks) and toks[j + 1].name
                      and toks[j - 1].pos[3] == "姓" and toks[j + 1].pos[3] == "名"):
                    j += 2
                elif (nxt.surface in (" ", "\u3000") and j + 1 < len(toks) and toks[j - 1].pos[3] == "姓"
                      and toks[j + 1].noun and not toks[j + 1].name
                      and re.fullmatch(rf"[{_CJK}]{{1,3}}|[{_CJK}]{{1,2}}[\u3041-\u30ffー]{{1,2}}", toks[j + 1].surface)
                      and ("名詞", "固有名詞", "人名", "名") in _entries(toks[j + 1].surface)
                      and _name_end_after(s, toks, j + 2)):
                    j += 2   # 久保田 真理: a given name that is also a common word
                else:
                    break
            # 上野 トシ子: a surname the analyser took for a place, then a space, then the given name.
            if (i >= 2 and t.pos[3] == "名" and toks[i - 1].surface in (" ", "\u3000")
                    and toks[i - 2].end == toks[i - 1].start and _has_surname_entry(toks[i - 2].surface)
                    and not toks[i - 2].name and i - 2 not in used):
                i -= 2
            i0, j = _join_katakana(toks, i, j)
            joined = i0 < i or j > i + 1 and toks[j - 2].surface in _JOIN
            start, end = toks[i0].start, toks[j - 1].end
            while s[end:end + 1] in ("ゑ", "ゐ", "ヱ", "ヰ"):
                end += 1   # しずゑ: an old kana the analyser reads as a symbol is part of the given name
            fac = _FACILITY_AFTER_NAME.match(s, end)
            if s[start:end] in ROLE_WORDS and not (s[start:end] in _PET_CALLS and s.startswith(("さん", "氏", "様"), end)):
                pass  # 民生さん: the colloquial title of a 民生委員, not a name; ワンちゃん a dog, ワンさん a person
            elif _EPONYM_AFTER.match(s, end):
                pass  # 長谷川式, パーキンソン病: a scale or illness named after someone
            elif s[start:end] in _ward_names() and not _honorific_at(s, end) and (
                    s[end:end + 1] in "・、" or s[start - 1:start] in ("・", "、")
                    or _WARD_THEN_SOMEONE.match(s, end)):
                pass  # 生野・東成・平野: a list of wards
            elif fac:
                out.append((start, fac.end(), "facility"))
            elif _LANDMARK.match(s, end):
                pass  # 鶴橋駅, 梅田: a landmark, not a person
            elif _honorific_at(s, end) or j - i0 > 1 or joined:
                out.append((start, end, "person"))
            elif not _KANA_RUN.match(s[start:end]) and not _common_word_here(toks, i):
                out.append((start, end, "person"))
            elif _KANA_RUN.match(s[start:end]) and _kana_name_in_context(s, toks, i0, j):
                out.append((start, end, "person"))
            used.update(range(i0, j))
            i = j
            continue
        i += 1
    # Words that are names only in context: 孫のさくらは, 担当の上野が (a surname that is also a place).
    for k, t in enumerate(toks):
        if k in used or not t.noun or t.name or t.pos[1] == "数詞" or len(t.surface) < 2:
            continue
        if _is_placeholder(t.surface) or t.surface in ROLE_WORDS or t.surface in NOT_NAMES \
                or t.surface.endswith(("区", "市", "府", "町")) or t.surface in ("大阪", "日本"):
            continue
        kana = _KANA.match(t.surface) is not None
        if kana and not re.fullmatch(r"[\u3041-\u3096ー]+", t.surface):
            continue   # 長女のメールは: katakana common words (a katakana name is tagged as one in context)
        if kana and not _has_name_entry(t.surface) or not kana and not _has_surname_entry(t.surface):
            continue
        # A word that is also a common noun (さくら, ペース, 平野) needs a family word before it when in
        # kana (孫のさくらは, not 本人のペースを), and a subject-like particle after it when in kanji.
        common = any(e[:2] == ("名詞", "普通名詞") for e in _entries(t.surface))
        if kana and common and (len(t.surface) < 3 or any(e[2] in ("副詞可能", "助数詞可能") for e in _entries(t.surface))):
            continue   # 妻のために: a function word that happens to be a name too
        role_after = (not kana and k + 1 < len(toks) and toks[k + 1].start == t.end
                      and toks[k + 1].surface in ("MSW", "CSW", "PSW", "SW", "ケアマネ", "ケアマネジャー", "相談員",
                                                  "看護師", "保健師", "社会福祉士", "係長", "課長", "所長", "主任", "教授", "准教授",
                                                  "講師", "助教", "医師", "弁護士", "司法書士", "税理士"))
        if not role_after and (not _kin_or_role_before(s, toks, k, kin_only=kana and common)
                               or not _name_end_after(s, toks, k + 1)):
            continue
        if common and not kana and not role_after and not (k + 1 < len(toks) and toks[k + 1].surface in (
                "が", "は", "から", "より", "と", "も", "、") + HONORIFICS):
            continue
        out.append((t.start, t.end, "person"))
        used.add(k)
    # The honorific rule: a noun (or a short kana run) directly before さん/様/氏/ちゃん/くん/先生/医師.
    at = {m.start() for m in _HONORIFIC_RE.finditer(s)}   # a set test per word, not a call
    for k, t in enumerate(toks) if at else ():
        if t.start not in at or k in used or k == 0 or not _is_honorific(t, s):
            continue
        first = k
        while first - 1 >= 0 and first - 1 not in used and k - first < 3:
            p = toks[first - 1]
            if p.end != toks[first].start:
                break
            if p.noun and not p.pos[1] == "数詞" and not _is_role(p.surface) and not _is_placeholder(p.surface) \
                    and re.fullmatch(rf"[{_CJK}\u3041-\u30ffーA-Za-z]+", p.surface):
                if re.fullmatch(r"[A-Za-z]+", p.surface) and not re.fullmatch(r"[A-Z][a-z]+", p.surface):
                    break
                first -= 1
            else:
                break
        if first == k:
            continue
        first, _ = _join_katakana(toks, first, k)
        start, end = toks[first].start, toks[k - 1].end
        name = s[start:end]
        if _is_role(name) or name in _ward_names() or _is_placeholder(name):
            continue
        if (t.surface not in ("ちゃん", "くん", "君") or s.startswith("ちゃんと", t.start)) and all(
                x.pos[:2] == ("名詞", "普通名詞") and not _has_name_entry(x.surface) for x in toks[first:k]) \
                and not _rare_word_as_name(s, toks, first, k):
            continue   # 学生さん, 運転手さん: a common noun the dictionary never lists as a name; カレンダーちゃんと
        out.append((start, end, "person"))
    out += _kana_names(s, toks)
    out += _surname_then_given(s, toks)
    out += _quoted_surname(s)
    out += _nicknames(s, toks, used)
    out += _kin_kana_names(s, toks)
    out += _signatures(s)
    return out, used


# Single kanji that are ordinary words before さん (animals, gods, the sun and moon): 猫さん, お月さん.
_COMMON_ONE_KANJI = frozenset("猫犬神仏鬼星月日熊狸狐鳥馬牛豚兎亀姫王殿虫魚蛙猿象蛇鳩蟻羊鹿狼鶏蝶蜂鯨鴨雀烏蛸空海山川雪雨風花餅豆芋飴")


def _rare_word_as_name(s: str, toks: list[_Tok], first: int, k: int) -> bool:
    """A common noun before an honorific or a title that is a rare surname in this context: one kanji
    written alone (楢医師, 蔀さん, not 猫さん), or a kanji word right after a place and の or a colon
    (北区の鶯さん, 記録：雲母さん), where a person, not a kind of person, is named."""
    word = s[toks[first].start:toks[k - 1].end]
    if not re.fullmatch(rf"[{_CJK}]{{1,3}}", word) or word in _COMMON_ONE_KANJI or _is_role(word):
        return False
    if first > 0 and toks[first - 1].end == toks[first].start and (
            re.match(rf"[{_CJK}]", toks[first - 1].surface[-1]) or toks[first - 1].pos[0] == "接頭辞"):
        return False   # the tail of a longer kanji compound, or a polite word (お隣さん, お月さん)
    if len(word) == 1:
        return True
    if len(word) == 3 and k - first == 1 and toks[first].pos[:3] == ("名詞", "普通名詞", "一般") \
            and k < len(toks) and toks[k].surface in ("さん", "様", "さま", "先生", "氏", "医師") \
            and word[-1] not in _KIND_OF_PERSON_END and (first == 0 or toks[first - 1].pos[0] in ("助詞", "補助記号", "空白")):
        return True   # 岩風呂先生: a thing's name (not a kind of person: 運転手, 外国人) as a rare surname
    if first >= 2 and toks[first - 1].surface == "の" and (toks[first - 2].place or toks[first - 2].surface in _ward_names()):
        return True
    return first >= 1 and toks[first - 1].surface in ("：", ":")


# Last kanji of words for kinds of people, groups and businesses greeted with さん (運転手さん, 銀行さん).
_KIND_OF_PERSON_END = frozenset("者員師士長屋人家主官医役係会協所院課局室部班生手工輩婦夫子友客民童僧匠嬢姉兄母父娘孫族方様便店社場館"
                                "園校産業署隊団組庁寺宮局行科医")


# Given names the analyser does not tag, written in hiragana after a surname and a space: 蓑島 るり.
_GIVEN_KANA = re.compile(r"[\u3041-\u3096ゑゐ]{2,4}")


def _surname_then_given(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """"X Y": a known given name Y after a space makes the kanji word X before it a surname, whatever the
    analyser read X as (梶ヶ谷 多恵子, a place; 芦刈 ふみ); and a hiragana word after a tagged surname and a
    space is the given name when a name's end follows it (蓑島 るり、, 渥美 かおり（）."""
    out = []
    for k in range(1, len(toks) - 1):
        if toks[k].surface not in (" ", "\u3000"):
            continue
        x, y = toks[k - 1], toks[k + 1]
        first = k - 1   # 鵙|沼 勘太郎: a surname the analyser cut into a word and a suffix is one word
        while first > 0 and toks[first - 1].end == toks[first].start and x.end - toks[first - 1].start <= 4 \
                and re.fullmatch(rf"[{_CJK}]+", toks[first - 1].surface) and toks[first - 1].pos[0] == "名詞":
            first -= 1
        word = s[toks[first].start:x.end]
        if not (x.end == toks[k].start and toks[k].end == y.start and toks[first].noun
                and re.fullmatch(rf"[{_CJK}]{{1,4}}", word)) or _is_role(word) or _is_placeholder(word) \
                or word in _ward_names() or toks[first].pos[1] == "数詞" or (first < k - 1 and not _surname_shaped(word)):
            continue
        if first > 0 and toks[first - 1].end == toks[first].start and re.match(rf"[{_CJK}]", toks[first - 1].surface[-1]):
            continue
        given = y.pos[3] == "名" or (re.fullmatch(rf"[{_CJK}\u3041-\u3096]{{1,4}}", y.surface) is not None
                                    and ("名詞", "固有名詞", "人名", "名") in _entries(y.surface))
        end = y.end
        if not given and x.pos[3] == "姓" and (m := _GIVEN_KANA.match(s, y.start)):
            end = m.end()
            given = not _KANA.match(s[end:end + 1] or "x") and (_honorific_at(s, end) or s[end:end + 1] in "、。（(）)」 ")
        if given and (_honorific_at(s, end) or end == len(s) or s[end] in "、。（(）)」 　は が と も の に を".replace(" ", "")
                      or s[end].isspace()):
            out.append((toks[first].start, end, "person"))
    return out


_QUOTED_SURNAME = re.compile(rf"[「『]([{_CJK}]{{1,4}})[」』]姓(?!名)")


def _quoted_surname(s: str) -> list[tuple[int, int, str]]:
    """「栃尾」姓: a word quoted as a family name is one, whatever else it may mean."""
    return [(m.start(1), m.end(1), "person") for m in _QUOTED_SURNAME.finditer(s) if not _is_role(m.group(1))]


# 鶴見の梶原さん: a ward named without 区, then someone from there.
_WARD_THEN_SOMEONE = re.compile(rf"の[{_CJK}\u30a1-\u30faー]{{1,6}}(?:さん|様|氏|くん|ちゃん)")
_GLUED_PARTICLE = "のとはがをにもでやへ"
_PET_CALLS = frozenset("わん にゃん ワン ニャン".split())
_JOIN = ("・", "=", "゠")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30faー]+$")
# What may follow a name used without an honorific: a particle, a bracket or a mark (みゆきは, 上野が).
_AFTER_NAME = ("は", "が", "と", "に", "も", "を", "へ", "から", "より", "や", "の", "、", "。", "」", "）", ")", "(",
               "（", "・", "=", "宅", "家")


def _katakana_piece(t: _Tok) -> bool:
    # キーマン=グエン…: a common word the dictionary never lists as a name is not part of one
    return t.noun and _KATAKANA_WORD.match(t.surface) is not None and t.surface not in ROLE_WORDS \
        and t.surface not in _GENERIC_KANA and not _is_role(t.surface)


def _join_katakana(toks: list[_Tok], i: int, j: int) -> tuple[int, int]:
    """Widen the katakana name toks[i:j] across ・ or = to the katakana words on either side
    (マリア・サントス, グエン・ヴァン・ナム): a foreign name is one person, not its last half."""
    if not all(_KATAKANA_WORD.match(t.surface) for t in toks[i:j]):
        return i, j
    pieces = j - i
    while i >= 2 and pieces < 4 and toks[i - 1].surface in _JOIN and toks[i - 1].end == toks[i].start \
            and toks[i - 2].end == toks[i - 1].start and _katakana_piece(toks[i - 2]) \
            and (toks[i - 1].surface == "・" or toks[i - 2].name):   # キーマン=グエン…: = also means "is"
        i -= 2
        pieces += 1
    while j + 1 < len(toks) and pieces < 4 and toks[j].surface in _JOIN and toks[j].start == toks[j - 1].end \
            and toks[j + 1].start == toks[j].end and _katakana_piece(toks[j + 1]):
        j += 2
        pieces += 1
    return i, j


def _kin_or_role_before(s: str, toks: list[_Tok], k: int, kin_only: bool = False) -> bool:
    """A kin or role word right before, alone or with の/・ between: 娘のあやか, 長女みゆき, 夫・ひろし, 担当の上野."""
    p = k - 1
    if p >= 0 and toks[p].surface in ("の", "・") and toks[p].end == toks[k].start:
        p -= 1
    if p < 0 or toks[p].end != toks[p + 1].start:
        return False
    w = toks[p].surface
    if kin_only:
        return w in KIN_WORDS
    return (w in ROLE_WORDS or w.removeprefix("お").removeprefix("ご") in ROLE_WORDS) and not _is_placeholder(w)


def _name_end_after(s: str, toks: list[_Tok], j: int) -> bool:
    if j >= len(toks):
        return True
    nxt = toks[j]
    return nxt.start == toks[j - 1].end and (nxt.surface in _AFTER_NAME or nxt.surface in HONORIFICS
                                             or nxt.pos[1] in ("句点", "読点", "括弧閉"))


def _kana_name_in_context(s: str, toks: list[_Tok], i: int, j: int) -> bool:
    """A kana name without an honorific: after a kin or role word (娘のあやか), or a word that is
    only ever a name in the dictionary, standing alone before a particle (みゆきは)."""
    if not _name_end_after(s, toks, j):
        return False
    if _kin_or_role_before(s, toks, i):
        return True
    word = s[toks[i].start:toks[j - 1].end]
    if j - i != 1 or len(word) < 3 or not _only_name_entries(word):
        return False
    if i > 0 and toks[i - 1].end == toks[i].start and _KANA.match(toks[i - 1].surface) \
            and toks[i - 1].pos[0] != "助詞":
        return False   # the tail of a longer kana word
    return True


_KIN_KANA = re.compile(r"の([\u3041-\u3096ー]{2,5})(?:は|が|も|と|に|を)(?=[^\u3041-\u3096]|$)")


def _kin_kana_names(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """孫のはるとは: a hiragana name the dictionary does not know, cut into pieces by the analyser,
    after a family word and before a particle. Taken only when no piece is a verb, adjective or
    common word (娘のことが, 妻のいうことを stay clean)."""
    out = []
    ends = {t.end: t for t in toks}
    for m in _KIN_KANA.finditer(s):
        kin = ends.get(m.start())
        if kin is None or kin.surface not in KIN_WORDS:
            continue
        a, b = m.start(1), m.end(1)
        inside = [t for t in toks if t.start < b and t.end > a]
        if not inside or inside[0].start != a or inside[-1].end != b:
            continue
        if any(t.pos[0] in ("動詞", "形容詞", "副詞", "連体詞", "接続詞") for t in inside):
            continue
        # One common word alone (娘のことが, 母のおやつを) is that word; pieces of an unknown word
        # (りく|と for りくと) are the analyser's guess at a name it does not know.
        if len(inside) == 1 and inside[0].pos[:2] == ("名詞", "普通名詞") or any(
                t.pos[:2] == ("名詞", "普通名詞") and t.pos[2] in ("副詞可能", "助数詞可能") for t in inside):
            continue
        word = s[a:b]
        if _entries(word) and not _only_name_entries(word):
            continue
        out.append((a, b, "person"))
    return out


_NICK_SUFFIX = ("りん", "っち", "たん", "ぴょん", "ちゃま", "ぴー")
_EPONYM_AFTER = re.compile(r"(式|法(?!人)|病(?![院棟室])|症|賞|流|型|方式|スケール|療法)")
# A name alone in brackets at the end of a note, or introducing oneself: （田中）, 生野区の林です.
_SIGNATURE = re.compile(rf"[(（](?:[{_CJK}]{{1,4}}区\s?)?([{_CJK}]{{1,4}})[)）]\s*$|[(（](?:[{_CJK}]{{1,4}}区\s?)?([{_CJK}]{{1,4}})[)）]\s*[。\n]")
_SELF_INTRO = re.compile(rf"(?:^|[\s、。」])(?:[{_CJK}A-Za-z]{{1,8}}の)?([{_CJK}]{{1,4}})(?:です|と申します|でございます)")


# A message signed with より at its end: …。さやかより」, …。山内より.
_SIGNED_FROM = re.compile(rf"(?:^|[。、！？!?\s「『])([\u3041-\u3096ー]{{2,4}}|[{_CJK}]{{1,4}})より\s*[」』]?\s*$")


def _signatures(s: str) -> list[tuple[int, int, str]]:
    out = []
    if (m := _SIGNED_FROM.search(s)) and not _is_role(name := m.group(1)) and name not in _ward_names():
        kana = _KANA.match(name) is not None
        if kana and (not _entries(name) or _has_name_entry(name)) \
                or not kana and (_has_surname_entry(name) or _has_name_entry(name)):
            out.append((m.start(1), m.end(1), "person"))
    for rx in (_SIGNATURE, _SELF_INTRO):
        for m in rx.finditer(s):
            g = 1 if m.group(1) else 2
            if m.group(g) is None:
                continue
            name = m.group(g)
            if _has_surname_entry(name) and name not in ROLE_WORDS and name not in _ward_names():
                out.append((m.start(g), m.end(g), "person"))
    return out


def _join_adjacent(cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """森下|きゑ: two person spans with nothing between them are one person (a surname, then a given name
    the analyser read apart)."""
    people = sorted((a, b) for a, b, k in cands if k == "person")
    extra = [(a, d, "person") for (a, b), (c, d) in itertools.pairwise(people) if b == c]
    return cands + extra


def _split_readings(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """山田（やまだ）: the analyser may take the name with its kana reading as one word; the reading is
    its own span (both are the person), and a reading right after a name is a person too."""
    out = []
    for a, b, kind in cands:
        m = re.fullmatch(r"(.+?)\s?[(（]([\u3041-\u3096\u30a1-\u30faー]+(?:[ \u3000][\u3041-\u3096\u30a1-\u30faー]+)?)[)）](.*)",
                         s[a:b]) if kind == "person" else None
        if not m or m.group(3):
            out.append((a, b, kind))
            continue
        out.append((a, a + len(m.group(1)), kind))
        if not _is_role(m.group(2)):   # 水野（ケアマネ）: a role in brackets, not a reading
            out.append((a + m.start(2), a + m.end(2), kind))
    names = [(a, b) for a, b, k in out if k == "person"]
    for a, b in names:
        if (r := _READING_AFTER.match(s, b)) and not _is_role(r.group(1)) and r.group(1) not in _GENERIC_KANA \
                and not (any(e[2] == "地名" for e in _entries(r.group(1)))
                         and not any(e[3] in ("姓", "名") for e in _entries(r.group(1)))):
            # Maria Lopez（ペルー）: a country or place in brackets is where someone is from, not a reading
            out.append((r.start(1), r.end(1), "person"))
    return out


_READING_AFTER = re.compile(r"\s?[(（]([\u3041-\u3096]+(?:[ \u3000][\u3041-\u3096]+)?|"
                            r"[\u30a1-\u30faー]+(?:[・=\s][\u30a1-\u30faー]+){0,3})[)）]")


def _nicknames(s: str, toks: list[_Tok], used: set[int]) -> list[tuple[int, int, str]]:
    """Nicknames made from a name with a pet suffix, taken whole: ゆかりん, まっち."""
    out = []
    for k in range(1, len(toks)):
        t, p = toks[k], toks[k - 1]
        if t.surface not in _NICK_SUFFIX or p.end != t.start or not _KANA.match(p.surface):
            continue
        if not (p.name or _has_name_entry(p.surface)) or not _name_end_after(s, toks, k + 1):
            continue
        out.append((p.start, t.end, "person"))
    return out


def _kana_names(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """Kana given names the dictionary splits oddly (みーちゃん, ゆずはちゃん, りおくん)."""
    out = []
    ends = {t.end: i for i, t in enumerate(toks)}
    starts = {t.start: t for t in toks}
    for m in re.finditer(r"ちゃん|くん|君|さん", s):
        p = m.start()
        idx = ends.get(p)
        if idx is None or p == 0:
            continue   # the honorific starts inside a word (行くんだ)
        if m.group() == "君" and (p not in starts or starts[p].pos[0] != "接尾辞"):
            continue   # それは君が: the pronoun, not けんたろう君
        last = toks[idx]
        small_tsu = (last.surface.endswith(("っ", "ッ")) and len(last.surface) <= 3 and _KANA.match(last.surface)
                     and (last.start == 0 or not _KANA.match(s[last.start - 1])))
        if small_tsu:
            out.append((last.start, p, "person"))   # まっちゃん, たっくん: a nickname with a small っ
            continue
        if not _KANA.match(last.surface) or last.pos[0] in ("助動詞", "動詞") or last.pos[:2] == ("助詞", "接続助詞") \
                or last.surface in HONORIFICS or last.pos[0] == "接尾辞":
            continue
        if s.startswith("ちゃんと", p) and last.pos[:2] == ("名詞", "普通名詞") and not _has_name_entry(last.surface):
            continue   # カレンダーちゃんと使ってる: the adverb ちゃんと after a common noun
        hon_tok = starts.get(p)
        if last.pos[0] == "助詞" and (hon_tok is None or hon_tok.surface not in HONORIFICS):
            continue   # 薬もちゃんと: the adverb, not a name
        if m.group() == "くん" and re.match(r"(だ|です|じゃ|や|でしょ)", s[m.end():]):
            continue
        start = last.start
        j = idx - 1
        while j >= 0 and toks[j].end == start and _KANA.match(toks[j].surface) and p - toks[j].start <= 6:
            tj = toks[j]
            if tj.pos[0] in ("助詞", "接尾辞") or tj.surface in HONORIFICS:
                # A particle glued to the name's first sound by the analyser (母の|みー → のみ|ー).
                if tj.pos[0] == "助詞" and len(tj.surface) > 1 and tj.surface[0] in _GLUED_PARTICLE:
                    start = tj.start + 1
                break
            if tj.pos[0] == "助動詞" and tj.start > 0 and _KANA.match(s[tj.start - 1]):
                break
            start = tj.start
            j -= 1
        name = s[start:p]
        for kin in ("おばあ", "おじい", "ばあ", "じい", "おかあ", "おとう", "ねえ", "にい", "おば", "おじ"):
            if name.endswith(kin) and len(name) - len(kin) >= 2:
                name = name[: -len(kin)]   # みよこおばあちゃん: the name is みよこ
                break
        if not name or len(name) > 6 or _is_role(name) or name in ("お", "ご") or not name.strip("ー"):
            continue
        if start > 0 and _KANA.match(s[start - 1]) and s[start - 1] not in _GLUED_PARTICLE:
            continue   # the run is the tail of a longer kana word
        out.append((start, start + len(name), "person"))
    return out


_HONORIFIC_RE = re.compile("|".join(HONORIFICS))


def _honorific_at(s: str, pos: int) -> bool:
    return s.startswith(HONORIFICS, pos)


def _is_honorific(t: _Tok, s: str) -> bool:
    # 先生（ゼミの）: the analyser may take a note in brackets after the honorific into the same word
    return t.surface in HONORIFICS or t.surface.startswith(HONORIFICS) and t.surface[len(
        next(h for h in HONORIFICS if t.surface.startswith(h))):][:1] in ("(", "（")
