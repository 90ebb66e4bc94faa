"""Spans read from what stands next to them (round 6): a facility's name that goes on after its kana
part (…もみじ坂, …柊ノ森, …つばめの台所, …そよ風日和), a person signing contact details in brackets
(…@example.org（生野区・燕）, a phone, then （夜間のみ）楡井), a surname with a katakana given name after
a space (柏木 ハル) or ending in 子 (高田ミツ子), a kin word never part of a name (甥 タケシ), a town
written before 丁目 (桜坂3丁目, 柳町の2丁目) or cut by the analyser, names by their shape (a reading in
brackets, a kin word then a hiragana name, lists joined with ・) and the next number of a list.

Each takes the candidates of the other rules (spans of the normalised text) and returns new ones; the
longer span wins when they are resolved."""

from __future__ import annotations

import itertools
import re

from casebook.privacy.dictionary import _entries
from casebook.privacy.facilities import (
    _KANA_FACILITY,
    _NAME_END_KANJI,
    FACILITY_KIND_PREFIXES,
)
from casebook.privacy.people import _could_be_name, _plain_noun, _surname_shaped
from casebook.privacy.words import _CJK, _GENERIC_KANA, KIN_WORDS, _is_role, _ward_names

_KANA_CH = r"\u3041-\u3096\u30a1-\u30faー"
_KINDS = "|".join(sorted(map(re.escape, FACILITY_KIND_PREFIXES), key=len, reverse=True))
_KIND_ANY = re.compile(_KINDS)
# The kind, the name (no particle inside) and an ending that belongs to a name: デイサービスもみじ坂,
# ショートステイ柊ノ森, 子ども食堂つばめの台所, グループホームそよ風日和 (no particle first, no の inside).
# A kanji-only name needs ノ/ヶ or 日和.
_KIND_NAME_END = re.compile(rf"(?:{_KINDS})\s?((?![にでをがはへと]|も[はもが]|から|まで|より|や(?=[{_CJK}]))(?:(?!の)[{_CJK}{_KANA_CH}]){{1,6}}?"
                            rf"(?:[ノヶ][{_CJK}]|日和|の台所|の実|[{''.join(sorted(_NAME_END_KANJI))}]))"
                            rf"(?![{_CJK}\u30a1-\u30fa])")


def _facility_name_endings(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _KIND_NAME_END.finditer(s):
        name = m.group(1)
        if not re.search(rf"[{_KANA_CH}]", name[:-1]) and not re.search(r"[ノヶ].$|日和$", name):
            continue   # デイサービス送迎館: kanji words before a kanji ending are not a name
        if re.search(_KINDS, name):
            continue   # サロン|こども食堂: another kind, not a name
        out.append((m.start(), m.end(), "facility"))
    return out


# Words written in brackets after contact details that say when or whose it is, never who signs.
_CONTACT_NOTES = frozenset("自宅 携帯 固定 事務所 職場 勤務先 夜間 日中 平日 休日 代表 直通 個人 仕事 仕事用 緊急 緊急時 "
                           "連絡先 留守電 不通 旧 新 本人 家族 手書き 担当 窓口 受付 本部 支所 事務局 会社 "
                           "父 母 夫 妻 兄 姉 弟 妹 祖父 祖母 長男 長女 次男 次女 三男 三女 "
                           # how the address or number is written, not who gave it
                           "全角 半角 大文字 小文字 英字 数字 記号 予備 変更後 変更前 最新 共用 私用 公用 正式 暫定".split())
_CONTACT_KINDS = ("email", "line_id", "phone")
# （生野区・燕）, （東成区 すみれ）, （梢々）: a ward may come first; the name is 1–3 kanji or 2–5 kana.
_SIGNED = re.compile(rf"(?:[^。()（）@]{{0,12}}?(?=[(（][^()（）]+[)）]\s?(?:[」』。]|$)))?\s?[(（]\s?(?:[{_CJK}]{{1,4}}区[・\s、,]\s?)?([{_CJK}]{{1,3}}|[\u3041-\u3096]{{2,5}}|"
                     rf"[\u30a1-\u30faー]{{2,6}})\s?[)）]")
# …2345（夜間のみ）楡井: a surname ending the line after the contact and a note.
_SIGNED_AFTER = re.compile(rf"(?:\s?[(（][^()（）]{{1,10}}[)）])?\s?([{_CJK}]{{2,3}})\s*$")


def _signer(word: str, ward: bool) -> bool:
    if word in _CONTACT_NOTES or word in KIN_WORDS or _is_role(word) \
            or any(word.startswith(w) for w in KIN_WORDS | _CONTACT_NOTES if len(w) >= 2):
        return False   # 長女宅, 携帯電話: whose or which line it is
    if re.fullmatch(rf"[{_CJK}]+", word):   # a surname, a plain noun (雪見) or a word no dictionary knows (梢々)
        return len(word) >= 2 and (_surname_shaped(word) or _plain_noun(word) or not _entries(word)) \
            or ward and len(word) <= 2
    if ward:
        return True
    # a bare katakana word is often a note (メモ), a hiragana one a common word (しんせき)
    return re.fullmatch(r"[\u30a1-\u30faー]+", word) is None and not any(e[1] == "普通名詞" for e in _entries(word))


def _contact_signatures(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for _, end, kind in cands:
        if kind not in _CONTACT_KINDS:
            continue
        if m := _SIGNED.match(s, end):
            if _signer(m.group(1), "区" in s[m.start():m.start(1)]):
                out.append((m.start(1), m.end(1), "person"))
        elif (m := _SIGNED_AFTER.match(s, end)) and _surname_shaped(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    return out


# After a surname: a space and a katakana given name (柏木 ハル) or 子 after a katakana one (高田ミツ|子).
_KATA_GIVEN = re.compile(r"[ \u3000]([\u30a1-\u30fa]{2,3}(?:子|江|代)?)(?=さん|様|[、。,()（）\s]|$)")
_KATA_KO = re.compile(rf"[子江代枝](?![{_CJK}])")
_KIN_HEAD = re.compile(r"([^\s]{1,3})[ \u3000](?=\S)")
_KANJI_1_3 = re.compile(rf"[{_CJK}]{{1,3}}")
_KANJI_1 = re.compile(rf"[{_CJK}]")
_KANJI_OR_KATA_1 = re.compile(rf"[{_CJK}\u30a1-\u30fa]")
_KATA_2_END = re.compile(r"[\u30a1-\u30fa]{2}$")
_TOWN_BEFORE_BLOCK = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{2,4}})(の)?$")


def _person_tails(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for a, b, kind in cands:
        if kind != "person":
            continue
        word = s[a:b]
        if _KANJI_1_3.fullmatch(word) and (len(word) == 1 or _surname_shaped(word)):
            if m := _KATA_GIVEN.match(s, b):
                out.append((a, m.end(1), "person"))
        elif _KANJI_1.match(word) and _KATA_2_END.search(word) and (m := _KATA_KO.match(s, b)):
            out.append((a, m.end(), "person"))
    return out


def _drop_kin_heads(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """甥 タケシ: the kin word before the space is not part of the name."""
    out = []
    for a, b, kind in cands:
        if kind == "person" and (m := _KIN_HEAD.match(s, a)) and m.group(1) in KIN_WORDS and m.end() < b:
            name = re.sub(r"(?:さん|ちゃん|くん|様)$", "", s[m.end():b])
            if name not in KIN_WORDS:   # 長子 末子: two kin words in a list, no name at all
                out.append((m.end(), m.end() + len(name), kind))
        else:
            out.append((a, b, kind))
    return out


_KANJI_DIGITS = "一二三四五六七八九十"
_TOWN_END = "町丁原台野丘坂浜里谷山川島田園"
_NOT_TOWN_HEAD = frozenset("同当本各旧新隣元前現全他別")


def _town_before(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """桜坂3丁目, 柳町の2丁目 (the town before the block), 梅|園町 (a kanji the analyser cut off)."""
    out = []
    for a, b, kind in cands:
        if kind != "address":
            continue
        if (s[a:a + 1].isdigit() or s[a:a + 1] in _KANJI_DIGITS) and (m := _TOWN_BEFORE_BLOCK.search(s[max(0, a - 5):a])) \
                and (m.group(1)[-1] in _TOWN_END or m.group(2) and any(e[2] == "地名" for e in _entries(m.group(1)))
                     or m.group(2) and len(m.group(1)) >= 3 and not _entries(m.group(1))) \
                and m.group(1)[0] not in _NOT_TOWN_HEAD:   # 蒲生の四丁目: a known place before の and the block
            out.append((a - len(m.group()), b, kind))
        elif a >= 1 and _KANJI_1.match(s, a) and _KANJI_1.match(s, a - 1) \
                and s[a - 1] not in _NOT_TOWN_HEAD and (a == 1 or not _KANJI_OR_KATA_1.match(s, a - 2)) \
                and s[a - 1] not in "区市府県":
            out.append((a - 1, b, kind))
    return out


# A surname quoted after 姓 or 表札: 旧姓は「鴫原」, 表札には「木暮」.
_QUOTED_SURNAME = re.compile(rf"(?:姓|表札)(?:は|には|が|も)?[「『]([{_CJK}]{{1,4}})[」』]")


def _quoted_surnames(s: str) -> list[tuple[int, int, str]]:
    return [(m.start(1), m.end(1), "person") for m in _QUOTED_SURNAME.finditer(s)
            if (_surname_shaped(m.group(1)) or any(e[2] == "人名" for e in _entries(m.group(1))))
            and not _is_role(m.group(1))]


def _around(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The candidates with the kin words dropped from names and what their neighbours add."""
    cands = _drop_kin_heads(s, cands)
    cands += _names_by_shape(s)
    kind = _KIND_ANY.search(s) is not None   # one cheap scan: most text names no kind of facility
    return cands + (_facility_name_endings(s) if kind else []) + _contact_signatures(s, cands) \
        + _person_tails(s, cands) + _town_before(s, cands) + (_quoted_surnames(s) if "「" in s or "『" in s else []) \
        + (_list_mates(s, cands) if "・" in s else []) + _list_numbers(s, cands) + _mixed_script_names(s, cands) \
        + _kana_heads(s, cands) + (_cafe_names(s) if "カフェ" in s or "喫茶" in s else []) + _next_handles(s, cands) \
        + (_kind_kana_kanji(s) if kind else []) + _named_before_phone(s, cands) \
        + (_spaced_rooms(s) if "号室" in s else []) + (_halls(s) if _HALL_WORD.search(s) else []) + (_towns_before_no(s) if _LOCAL_WORD.search(s) else [])


# A name and its reading in brackets: 金 志遠（キム・ジウォン）, 東坊城 修（ひがしぼうじょう おさむ）.
_WITH_READING = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{1,5}}[ \u3000][{_CJK}]{{1,3}})\s?[(（]"
                           rf"([\u3041-\u3096ー]{{1,8}}[ \u3000・][\u3041-\u3096ー]{{1,8}}|"
                           rf"[\u30a1-\u30faー]{{1,8}}[ \u3000・][\u30a1-\u30faー]{{1,8}})[)）]")
# A kin word or 本人/氏名, a space and a name in hiragana (次女 こはる（…）, 本人 たなか うめ、).
_HIRA_AFTER_WHO = re.compile(rf"(?:{'|'.join(sorted(KIN_WORDS | {'本人', '氏名', '名前'}, key=len, reverse=True))})"
                             rf"[ \u3000:：]([\u3041-\u3096]{{2,5}}?(?:[ \u3000][\u3041-\u3096]{{2,4}})?)(?=[(（、,]|さん|ちゃん)")
_SPACE_HIRA = re.compile(r"[ \u3000:：][\u3041-\u3096]")
# A kana given name introducing a message: 「ゆみです。…」 (one the dictionary knows as a given name).
_KANA_INTRO = re.compile(r"(?:^|[「『])([\u3041-\u3096]{2,4})です(?=[、。♪!！\s])")
# A report signed by a role and a surname: 相談担当 苔坂（東成）.
_ROLE_SIGNED = re.compile(r"(?:担当者?|報告者|記録者|記入者|作成者|文責)[ \u3000:：]+")
_SIGNER = re.compile(rf"[{_CJK}]{{2,4}}(?=[(（、。\s]|$)")


# A katakana name signing a message after です: SMS「… デス クルミザワ」.
_KATA_AFTER_DESU = re.compile(r"(?:です|デス)\s([\u30a1-\u30faー]{2,8})\s?[」』]")
# A care office named in katakana before 居宅 (居宅介護支援事業所, as staff shorten it): ミライ居宅.
_KATA_KYOTAKU = re.compile(rf"(?<![\u30a1-\u30faー])[\u30a1-\u30faー]{{3,8}}居宅(?![{_CJK}])")
# A clinic named "X の Y" in kana and a kanji: みどりの丘メンタルクリニック, こもれびの森医院.
_NO_CLINIC = re.compile(rf"(?<![\u3041-\u3096])[\u3041-\u3096]{{2,5}}の[{_CJK}]{{1,2}}(?:メンタル|ファミリー|レディース|こども|キッズ)?"
                        r"(?:クリニック|医院|病院)")


# A chain's branch: a katakana name, the place and 店 (スーパーマルヤス鶴見店, ファミリーストア緑橋店).
_BRANCH = re.compile(rf"(?<![\u30a1-\u30faー])[\u30a1-\u30faー]{{3,12}}[{_CJK}]{{1,3}}店(?![{_CJK}])")


# A message signed with a hiragana given name alone on its last line: …了解です。⏎かおり
_LAST_LINE_NAME = re.compile(r"\n\s?([\u3041-\u3096]{2,5})\s*$")
# A name quoted before 署名/サイン: 「けいこ」と署名.
_QUOTED_SIGNATURE = re.compile(r"[「『]([^「」『』、。\s]{1,8})[」』]\s?(?:と|の)?(?:署名|サイン|記名)")


def _names_by_shape(s: str) -> list[tuple[int, int, str]]:
    out = []
    if "\n" in s and (m := _LAST_LINE_NAME.search(s)) and any(e[2:4] == ("人名", "名") for e in _entries(m.group(1))):
        out.append((m.start(1), m.end(1), "person"))
    for m in _QUOTED_SIGNATURE.finditer(s) if ("署名" in s or "サイン" in s or "記名" in s) else ():
        if not _is_role(m.group(1)) and m.group(1) not in KIN_WORDS and m.group(1) not in _CONTACT_NOTES:
            out.append((m.start(1), m.end(1), "person"))
    for m in _BRANCH.finditer(s) if "店" in s else ():
        place = re.search(rf"[{_CJK}]+(?=店$)", m.group()).group()
        if place not in ("本", "支", "各", "同", "当", "新", "旧", "売", "商", "飲食", "専門", "販売", "小売"):
            out.append((m.start(), m.end(), "facility"))
    for m in _KATA_AFTER_DESU.finditer(s) if ("デス" in s or "です" in s) else ():
        if not _entries(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    for m in _KATA_KYOTAKU.finditer(s) if "居宅" in s else ():
        if not _is_role(m.group()[:-2]):
            out.append((m.start(), m.end(), "facility"))
    for m in _NO_CLINIC.finditer(s) if ("クリニック" in s or "医院" in s or "病院" in s) else ():
        if m.group()[:m.group().index("の")] not in ("こころ", "こども") or re.search(r"[森丘里杜郷]", m.group()):
            out.append((m.start(), m.end(), "facility"))
    for m in _WITH_READING.finditer(s) if "(" in s else ():
        out += [(m.start(1), m.end(1), "person"), (m.start(2), m.end(2), "person")]
    for m in _HIRA_AFTER_WHO.finditer(s) if _SPACE_HIRA.search(s) else ():
        words = m.group(1).split()
        first = _entries(words[0])
        if any(e[2] == "人名" for e in first) if len(words) == 2 else \
                not any(e[0] in ("動詞", "助詞", "助動詞", "副詞", "形容詞") for e in first) or any(e[2] == "人名" for e in first):
            out.append((m.start(1), m.end(1), "person"))   # たなか うめ: a surname the dictionary knows, then any
    for m in _KANA_INTRO.finditer(s):
        if any(e[2:4] == ("人名", "名") for e in _entries(m.group(1))):
            out.append((m.start(1), m.end(1), "person"))
    for r in _ROLE_SIGNED.finditer(s):
        if (m := _SIGNER.match(s, r.end())) and _surname_shaped(m.group()) and not _entries(m.group()):
            out.append((m.start(), m.end(), "person"))
    return out


def _list_mates(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """松田・宮本・シン: in a list joined with ・ where one item is a person, every item that could be one."""
    out = []
    people = {(a, b) for a, b, k in cands if k == "person"}
    for m in re.finditer(rf"(?<![{_CJK}\u30a1-\u30fa・])[{_CJK}\u30a1-\u30faー]{{1,6}}(?:・[{_CJK}\u30a1-\u30faー]{{1,6}}){{2,5}}"
                         rf"(?![{_CJK}\u30a1-\u30fa・])", s):
        spans, pos = [], m.start()
        for item in m.group().split("・"):
            spans.append((pos, pos + len(item)))
            pos += len(item) + 1
        if any(sp in people for sp in spans) and all(_could_be_name(s[a:b]) for a, b in spans):
            out += [(a, b, "person") for a, b in spans if (a, b) not in people]
    return out


def _mixed_script_names(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """佐藤 Ana Lucia, Ana Lucia 佐藤: a kanji surname and Latin given names one space apart are one person."""
    people = sorted((a, b) for a, b, k in cands if k == "person")
    out = []
    for (a, b), (c, d) in itertools.pairwise(people):
        if c - b == 1 and s[b] in " \u3000" and {_script(s[a]), _script(s[c])} == {"kanji", "latin"}:
            out.append((a, d, "person"))
    return out


def _script(ch: str) -> str:
    return "latin" if re.match(r"[A-Za-z]", ch) else "kanji" if re.match(rf"[{_CJK}]", ch) else ""


# The next number of a list after one found: 2000419377（本人）、2000419385（妻）.
_NEXT_IN_LIST = re.compile(r"\s?(?:[(（][^()（）]{1,6}[)）])?\s?[、,]\s?(\d[\d\-]{5,16})(?![\d\-])")


def _list_numbers(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for a, b, kind in cands:
        if kind in ("insurance_number", "my_number") and (m := _NEXT_IN_LIST.match(s, b)) \
                and sum(c.isdigit() for c in m.group(1)) == sum(c.isdigit() for c in s[a:b]):
            out.append((m.start(1), m.end(1), kind))
    return out


# What a kana word standing before a kind or a facility may not be: a function word (まだ, いい, その).
_FUNCTION_POS = ("動詞", "形容詞", "副詞", "助詞", "助動詞", "連体詞", "感動詞", "接続詞", "代名詞", "形状詞")
_PARTICLE_END = tuple("のがにでをはともへやかなよねだ")
# Kana words for kinds of people a place is for, not its name: こども食堂, おとしより相談.
_KINDS_OF_PEOPLE = frozenset("こども こどもの おとな おとしより としより わかもの あかちゃん ママ パパ キッズ シニア ベビー".split())
# A hiragana name the analyser cuts in pieces before its kind: よつ|ば薬局, こ|はる内科 (a particle after a
# noun may come first: 母がよつば薬局).
_KANA_BEFORE_KIND = re.compile(rf"(?:(?<![\u3041-\u3096{_CJK}\u30a1-\u30faー])|(?<=[{_CJK}\u30a1-\u30fa])[はがをにでともへ])"
                               rf"([\u3041-\u3096ー]{{2,6}})"
                               rf"(?:{'|'.join(sorted(map(re.escape, _KANA_FACILITY), key=len, reverse=True))})")


def _kana_word(word: str) -> bool:
    """A kana run that can be (the head of) a facility's name: no particle at its end, no function word."""
    entries = _entries(word)   # ゆずりは ends like a particle but is a noun
    return (not word.endswith(_PARTICLE_END) or any(e[0] == "名詞" for e in entries)) \
        and not any(e[0] in _FUNCTION_POS for e in entries) and not _is_role(word) and word not in _GENERIC_KANA \
        and word not in _KINDS_OF_PEOPLE


def _kana_heads(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """あおば|中野ヘルパーステーション, サニー|デイサービス桜台: a kana part glued before a facility found by the
    rest is part of its name; and a hiragana name cut in pieces before its kind (よつ|ば薬局)."""
    out = []
    for a, b, kind in cands:
        if kind != "facility" or a < 2:
            continue
        script = "\u3041-\u3096" if "\u3041" <= s[a - 1] <= "\u3096" else "\u30a1-\u30faー" if "\u30a1" <= s[a - 1] <= "\u30fa" \
            or s[a - 1] == "ー" else ""
        if script and (m := re.search(rf"(?<![{script}{_CJK}])[{script}]{{2,8}}$", s[max(0, a - 9):a])):
            head = m.group()
            if not script.startswith("\u3041") or len(head) <= 5 and _kana_word(head):
                out.append((a - len(head), b, "facility"))
    for m in _KANA_BEFORE_KIND.finditer(s):
        if _kana_word(m.group(1)):
            out.append((m.start(1), m.end(), "facility"))
    return out


# カフェ木もれ陽, 喫茶陽だまり: a word of kanji and kana straight after カフェ or 喫茶 is the place's name.
_CAFE_NAME = re.compile(rf"(?:カフェ|喫茶)\s?([{_CJK}][{_CJK}\u3041-\u3096]{{1,5}}?)(?=[でにへをがはのと、。」』)）\s]|$)")


def _cafe_names(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _CAFE_NAME.finditer(s):
        word = m.group(1)
        entries = _entries(word)   # one word the dictionary knows as a plain noun (陽だまり), not a phrase
        if len(word) >= 3 and re.search("[\u3041-\u3096]", word) and entries \
                and all(e[:3] == ("名詞", "普通名詞", "一般") for e in entries):
            out.append((m.start(), m.end(1), "facility"))
    return out


# The next handle of a list after a chat ID found: LINEは mikan.0412、弟は tomo_bb21 (a digit, _ or . in it).
_NEXT_HANDLE = re.compile(r"\s?[、,]\s?[^、。,A-Za-z0-9@]{0,5}?\s?([A-Za-z][A-Za-z0-9]*[._\-\d][A-Za-z0-9._\-]{1,28})(?![A-Za-z0-9@])")


def _next_handles(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    return [(m.start(1), m.end(1), "line_id") for a, b, kind in cands
            if kind == "line_id" and (m := _NEXT_HANDLE.match(s, b)) and s[m.end():m.end() + 1] != "@"]


# A kind, a kana name and a two-kanji word ending it: デイサービスぽかぽか稲田, いきいきサロン のんびり若草.
_KIND_KANA_KANJI = re.compile(rf"(?:{_KINDS})\s?((?![をがはでもやへと]|の(?!ん))[{_KANA_CH}]{{2,6}})([{_CJK}]{{2}})"
                              rf"(?=[の、。」』)）\sにでへをがは]|$)")


def _kind_kana_kanji(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _KIND_KANA_KANJI.finditer(s):
        kana, word = m.group(1), m.group(2)
        entries = _entries(word)
        # ぽかぽか, のんびり: an adverb of four kana or more names places too (not まだ, もう)
        kana_ok = _kana_word(kana) or len(kana) >= 4 and all(e[0] in ("副詞", "名詞") for e in _entries(kana))
        if _is_role(word) or not kana_ok or re.search(_KINDS, kana + word):
            continue
        if not entries or any(e[2] in ("地名", "人名") for e in entries) \
                or all(e[:4] == ("名詞", "普通名詞", "一般", "*") for e in entries):
            out.append((m.start(), m.end(), "facility"))
    return out


# A katakana building (with ・, a place or kana after it), a space, then its room: ル・シエル鶴町 602号室.
_SPACED_ROOM = re.compile(rf"(?<![\u30a1-\u30faー・{_CJK}])((?:[\u30a1-\u30faー]{{1,8}}・)*[\u30a1-\u30faー]{{2,10}}"
                          rf"[{_CJK}\u3041-\u3096]{{0,4}})\s(\d{{2,4}}\s?号室)")
_GENERIC_BUILDING = frozenset("マンション アパート ハイツ コーポ ホテル ルーム ビル センター ホール ハウス".split())


def _spaced_rooms(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _SPACED_ROOM.finditer(s):
        name = m.group(1)
        if name in _GENERIC_BUILDING or name.endswith(_PARTICLE_END) and not _entries(name):
            continue
        out.append((m.start(), m.end(), "facility"))
    return out


# A town no dictionary knows (or knows only as a place) before の and what a neighbourhood has: 鴨川浜の見守り.
_LOCAL_WORDS = r"見守り|住民|自治会|町会|町内会|集会所|公園|商店街|老人会|子ども会|女性会|ふれあい|夏祭り|盆踊り|地域"
_LOCAL_WORD = re.compile("の(?:" + _LOCAL_WORDS + ")")
_TOWN_THEN_LOCAL = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{2,4}})の(?={_LOCAL_WORDS})")


def _towns_before_no(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _TOWN_THEN_LOCAL.finditer(s):
        word = m.group(1)
        entries = _entries(word)
        if word[-1] in _TOWN_END and word[0] not in _NOT_TOWN_HEAD and not _is_role(word) and word not in _ward_names() \
                and all(e[2] == "地名" for e in entries):
            out.append((m.start(1), m.end(1), "address"))
    return out


# A name written just before a phone number in a note: 「たけし 090-…」 (a name the dictionary knows).
_NAME_BEFORE_PHONE = re.compile(rf"(?:^|(?<=[「『\s:、]))([\u3041-\u3096ー]{{2,5}}|[\u30a1-\u30faー]{{2,6}}|[{_CJK}]{{1,4}})\s?$")


def _named_before_phone(s: str, cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for a, _b, kind in cands:
        if kind == "phone" and (m := _NAME_BEFORE_PHONE.search(s, max(0, a - 8), a)):
            word = m.group(1)
            entries = _entries(word)
            if any(e[2:4] in (("人名", "名"), ("人名", "姓")) for e in entries) and not _is_role(word) \
                    and not any(e[:2] == ("名詞", "普通名詞") or e[0] in _FUNCTION_POS for e in entries):
                out.append((m.start(1), m.end(1), "person"))
    return out


# A kana name, a hall or plaza, and the place it stands in: ひだまりホール柏ノ森, ライフプラザ桜宮.
_HALL_WORD = re.compile("ホール|プラザ|会館")
_HALL = re.compile(rf"(?:(?<![{_KANA_CH}{_CJK}])|(?<=[{_CJK}\u30a1-\u30fa])[はがをにでともへ])"
                   rf"([\u3041-\u3096]{{2,8}}|[\u30a1-\u30faー]{{2,8}})(?:ホール|プラザ|会館)"
                   rf"([{_CJK}]{{1,2}}[ノヶ]?[{_CJK}]{{0,2}})(?![{_CJK}])")


def _halls(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _HALL.finditer(s):
        kana, place = m.group(1), m.group(2)
        entries = _entries(place)
        if kana in _GENERIC_KANA or kana in _KINDS_OF_PEOPLE or _is_role(place) or _is_role(kana):
            continue
        if "ノ" in place or "ヶ" in place or any(e[2] == "地名" or e[2:4] == ("人名", "姓") for e in entries) \
                or not entries and len(place) >= 2:
            out.append((m.start(1), m.end(), "facility"))
    return out
