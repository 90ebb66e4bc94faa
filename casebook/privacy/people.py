"""People written in context rather than by a name the dictionary tags: rosters and minutes (出席：上田、林、
ファシリ＝松本, 西（社協）：), a name in brackets after a family word (妻（ハルエ）, 長女（綾）), a surname before
a title (今井係長, 上野Dr), full names written with a space (佐伯 勇 様, 王 建国さん), names in Latin letters
(WANG Li さん, （Tran Van Minh）, Maria Santos, Ms. Kawai, Gurung 家), a title before a surname (Dr.森本,
Ns.川端), a role and a space or colon before one (CSW 桐生, 担当CSW：中村で), children listed with their age
(はるき（小3）), nicknames given as such (通称『みっこ』), katakana names introducing or signing themselves
(キムです, …。ファン』), sign-offs at the end of a message (— Linh, — 민수, 「たかし です」), surnames the
dictionary does not know, judged by their shape where a surname goes (副会長 鵺田, 鶚准教授, 相談室の鳰野が,
…。（鵺田）, LINE「…。（雪見）」); and
the names that are not someone in the case: people cited as references (宮沢賢治の「…」, 大谷翔平みたいに,
バイステックの7原則, 石井十次や留岡幸助の実践), towns and rivers the analyser takes for surnames (鶴橋の市場,
松原のほうに, 大和川沿い), and ages in kanji numerals (八十八やで)."""

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
_ROSTER = re.compile(r"(?:同居人|同居者|相談者|対象者?|利用者|出席者?|参加者|欠席者?|同席者?|メンバー|司会|書記|記録者?|ファシリ(?:テーター)?|タイムキーパー|"
                     rf"発表者?|報告者|担当者?|対応者|[{_CJK}\u30a1-\u30faー]{{0,6}}係)\s?[:=]\s?")
# A job in a group's minutes written before a name with a space: 記録 三好 / 発表 ナカムラ.
_ROSTER_SPACED = re.compile(r"(?:^|(?<=[\s/、]))(?:司会|書記|記録|発表|ファシリ|タイムキーパー|タイム)[ \u3000]")
# A role written before a surname with a space or a colon: CSW 桐生, 包括 村井, 担当CSW：中村で (a surname the
# analyser takes for a place in this position).
_ROLE_SPACED = re.compile(rf"(?<![A-Za-z])(?:CSW|MSW|PSW|SW|CM|Ns|ケアマネ|ヘルパー|相談員|包括|担当|通訳|保健師|看護師|主治医|"
                          rf"副?会長|委員長|民生委員|児童委員|班長|事務局長?|所長|課長|係長|主任)"
                          rf"(?:[ \u3000]|\s?:\s?)([{_CJK}]{{1,4}})(?=[、。,/）)\s]|$|(?:で|が|は|と|に|から|より|の)"
                          rf"(?![{_CJK}]{{0,1}}[\u3041-\u3096]))")
_ITEM_END = re.compile(r"[、,・/。\n]|\s{2,}|$")
# A speaker in minutes: 西（社協）：…, 青木：… at the start of a line.
_SPEAKER = re.compile(rf"(?m)(?:^|(?<=[\n」]))\s*([{_CJK}]{{1,4}})(?:[(（][^()（）]{{1,12}}[)）])?\s?[:]")
# Titles written straight after a surname: 今井係長, 上野Dr, 坂本CM.
_TITLE_AFTER = re.compile(r"(?:係長|課長|所長|部長|主任|主査|院長|園長|施設長|師長|看護師|保健師|相談員|支援員|教諭|教頭|校長|准?教授|講師|助教|"
                          r"ケアマネ(?:ジャー)?|Dr\.?|CM|MSW|CSW|PSW|SW|PT|OT|ST|医師|弁護士|司法書士)")
# A name in brackets after a family word or a word for a name: 妻（ハルエ）, 長女（綾）, 名前（ひなた）.
_NAME_WORDS = "|".join(sorted(KIN_WORDS | {"名前", "本名", "氏名", "旧姓", "通称", "呼び名", "愛称", "あだ名"},
                              key=len, reverse=True))
_KIN_BRACKET = re.compile(rf"({_NAME_WORDS})(?:さん|ちゃん)?[(（]({_KATA}{{2,6}}|{_HIRA}{{2,6}}|[{_CJK}]{{1,3}}|[A-Z][a-z]{{1,15}})"
                          rf"[)）、,]")
# 佐伯 勇 様, 王 建国さん, 張 偉、: a surname, one space, a short given name, then an honorific or a mark.
_SPACED = re.compile(rf"([{_CJK}]{{1,3}})[ \u3000]([{_CJK}]{{1,2}}?)(?=\s?{_HON}|[、,)）」』(（]|\s|$)")
_NAME_READING = re.compile(rf"([{_CJK}]{{1,4}})\s?[(（]({_HIRA}{{2,8}})[)）]")
_LATIN_HON = re.compile(rf"(?<![A-Za-z0-9@._\-])({_LATIN_NAME})\s?(?={_HON})")
_LATIN_BRACKET = re.compile(r"(?<=[\u30a1-\u30faーんま様氏])[(（]([A-Z][A-Za-z]+(?:[ ][A-Z][A-Za-z]+){1,3})[)）]")
# A sign-off at the end of a message: 「…— Linh」, 「…— 민수」.
_SIGN_OFF = re.compile(rf"(?:^|\s)[—―–\-ー]{{1,2}}\s?([A-Z][a-z]+|[\uac00-\ud7a3]{{2,4}}|{_KATA}{{2,6}}|{_HIRA}{{2,5}}|"
                       rf"[{_CJK}]{{1,4}})\s*(?=[」』\"]|$)")
# A full name in Latin letters: two to four capitalised words (Maria Santos, Nguyen Van Minh, Kim Min-jun,
# Liza Dela Cruz); words that start English sentences, greetings and services are cut off first.
_LATIN_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"
_LATIN_FULL = re.compile(rf"(?<![A-Za-z0-9@._\-]){_LATIN_WORD}(?:[ ](?:(?:de|da|dos|das|del|van|von|bin|le|la)[ ])?"
                         rf"{_LATIN_WORD}){{1,3}}(?![A-Za-z0-9@\-])")
_NOT_LATIN_NAME = frozenset("""
Dear Hello Hi Hey Thank Thanks Best Regards Kind Sincerely Yours Good Morning Evening Night Please Sorry Yes No
My Your His Her Our Their This That These The An And But Or If So We You They It Is Are Was Were Am Be Do Does
Mr Ms Mrs Miss Dr Prof Sir Madam Email Mail Phone Tel Fax Address Name Date Note Notes Memo From To Subject Re Fw
Signature New Old Next Last First Second Day Days Week Month Year Today Tomorrow Monday Tuesday Wednesday Thursday
Friday Saturday Sunday January February March April May June July August September October November December
Japan Japanese Osaka Tokyo City Ward Town Center Centre Care Plan Service Services Home Group Social Work Worker
Team Meeting Zoom Teams Google Form Forms Line Facebook Instagram Twitter Microsoft Word Excel Office Apple
Station Hospital Clinic School University College Street Road House Club Cafe Caf Room Floor Building
English Vietnamese Chinese Korean Nepali Filipino Portuguese Spanish Brazil Philippines Vietnam China Korea Nepal
Eu Sou Ola Obrigado Obrigada Xin Chao Cam Salamat Po Namaste
""".split())
_PARTICLE_AFTER = re.compile(r"\s?(?:の|で|に|を|へ|は|が|と|から|まで|も)")
_PERSON_WORDS = "|".join(sorted(ROLE_WORDS | KIN_WORDS | {"本名", "名前", "氏名", "相談者", "対象者?", "同居人", "支援者", "通訳"},
                                key=len, reverse=True))
_PERSON_BEFORE = re.compile(rf"(?:(?:{_PERSON_WORDS})(?:の|は|が|、|\s)?|[:：/→(（]|this is|I am|I'm|name is|sou a|sou o)\s?$",
                            re.IGNORECASE)
# A surname after an English title, or in Latin letters before 家: Ms. Kawai, (Gurung 家).
_LATIN_TITLE = re.compile(rf"(?<![A-Za-z])(?:Mr|Ms|Mrs|Miss|Dr|Prof)\.?\s({_LATIN_WORD}(?:[ ]{_LATIN_WORD}){{0,2}})(?![A-Za-z])")
_LATIN_FAMILY = re.compile(rf"(?<![A-Za-z0-9@._\-])({_LATIN_WORD})\s?(?=家(?!族|庭|事|具|電|賃|屋|計))")
# A title written before a surname: Dr.森本, Ns.川端, Dr 金城.
_TITLE_BEFORE = re.compile(r"(?<![A-Za-z])(?:Dr|DR|Ns|NS|Nrs|Dr\.\s?med)\.?\s?(?=[\u3400-\u9fff])")
# A nickname given as such, in quotes: 通称『みっこ』さん, あだ名は「ぽんちゃん」.
_NICKNAME_QUOTED = re.compile(rf"(?:通称|愛称|あだ名|あだな|呼び名|ニックネーム)(?:は|が|で|の)?\s?[「『]"
                              rf"({_HIRA}{{2,6}}|{_KATA}{{2,6}}|[{_CJK}]{{1,4}})[」』]|"
                              # 「ヒデ」と呼ばれていた, 「マー坊」って呼んでる
                              rf"[「『]({_HIRA}{{2,6}}|{_KATA}{{2,6}}|[{_CJK}\u30a1-\u30faー]{{1,4}})[」』](?:と|って)\s?(?:呼|よば|よん)")
# A name before its relation in brackets: ホセ（本人の夫、ペルー）, 美和（長女）.
_RELATION_BRACKET = re.compile(rf"(?:^|(?<=[、。\s:「『]))({_KATA}{{2,8}}|{_HIRA}{{2,5}}|[{_CJK}]{{1,4}})[(（](?:本人の)?"
                               rf"(?:{'|'.join(sorted(KIN_WORDS, key=len, reverse=True))})[、,)）]")
# A child listed with an age or a school year in brackets: はるき（小3）、めい（年中）.
_WITH_AGE = re.compile(rf"(?:^|(?<=[、,・\s:「『]))({_HIRA}{{2,5}}|{_KATA}{{2,6}}|[{_CJK}]{{1,3}})[(（](?:\d{{1,3}}\s?(?:歳|才)?|"
                       r"[小中高]\s?\d|年長|年中|年少|乳児|\d{1,2}\s?(?:か|ヶ|ケ)月)[)）]")
# A katakana name introducing itself at the start of a message or signing it off at the end: 『…。キムです。』,
# 『…。ファン』.
_KATA_INTRO = re.compile(rf"(?:^|(?<=[「『。\s]))({_KATA}{{2,8}})\s?(?:です|でございます|と申します|より)(?=[。、!」』\s]|$)")
_KATA_SIGN = re.compile(rf"(?<=[。!！\n])\s?({_KATA}{{2,8}}|[{_CJK}]{{1,4}})\s*(?=[」』]|$)")
_KANA_INTRO = re.compile(rf"(?:^|(?<=[「『\s]))({_HIRA}{{2,5}})\s?(?:です|でございます|より)(?=[。、!」\s]|$)")


_CAPITAL = re.compile("[A-Z]")


def _has_intro(s: str) -> bool:
    return "です" in s or "より" in s or "でございます" in s or "申します" in s


def _people_in_context(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    # What each family of patterns needs in the text (cheap `in` tests): most sentences hold no colon,
    # bracket or space, and are not scanned by the patterns that need one
    colon, bracket, space = ":" in s, "(" in s or "（" in s, " " in s or "\u3000" in s
    for m in _ROSTER.finditer(s) if colon or "=" in s else ():
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
    for m in _ROSTER_SPACED.finditer(s) if space else ():
        item = s[m.end():_ITEM_END.search(s, m.end()).start()].strip()
        # a katakana word that is also a common noun (スライド, ポスター) is the thing presented, not a name
        if _could_be_name(item) and not (re.fullmatch(rf"{_KATA}+", item) and not _has_surname_entry(item)
                                         and any(e[:2] == ("名詞", "普通名詞") for e in _entries(item))):
            a = s.index(item, m.end())
            out.append((a, a + len(item), "person"))
    for m in _ROLE_SPACED.finditer(s) if space or colon else ():
        if _surname_like(m.group(1)) or _surname_shaped(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    for m in _SPEAKER.finditer(s) if colon else ():
        # 西（社協）：… a speaker may bear a ward's name without its 区
        if _has_surname_entry(m.group(1)) and not _is_role(m.group(1)) and not _is_placeholder(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    titles = [m.start() for m in _TITLE_AFTER.finditer(s)]
    if titles:
        by_end = {t.end: t for t in toks}
        for pos in titles:
            t = by_end.get(pos)
            if t is not None and t.surface in _TITLE_PREFIXES:
                continue   # 元教授, 前所長: a former or acting holder, not a name
            if t is not None and t.noun and _surname_like(t.surface):
                out.append((t.start, t.end, "person"))
                continue
            a = pos
            while a > 0 and re.match(rf"[{_CJK}]", s[a - 1]) and pos - a <= 3:
                a -= 1
            if 2 <= pos - a <= 3 and _surname_shaped(s[a:pos]) and not re.match(rf"[{_CJK}]", s[a - 1:a]):
                out.append((a, pos, "person"))   # 鵺田弁護士, 鵠沼准教授: shaped like a surname before a title
            elif pos - a == 1 and t is not None and t.start == a and t.pos[:3] == ("名詞", "普通名詞", "一般") \
                    and s[pos:pos + 1] != "師" and not _is_role(t.surface):
                out.append((a, pos, "person"))   # 鶚准教授: one kanji written alone before a title
    out += _unknown_surnames(s, toks)
    for m in _KIN_BRACKET.finditer(s) if bracket else ():
        word = m.group(2)
        # after 名前/本名 the word is a name whatever else it means (名前（ひなた）); after a family word not
        # a common noun (長女（キーパーソン）)
        if _is_role(word) or word in _GENERIC_KANA or m.group(1) in KIN_WORDS and _common_word(word) \
                or re.fullmatch(rf"[{_CJK}]+", word) and not _has_name_entry(word):
            continue
        out.append((m.start(2), m.end(2), "person"))
    for m in _NAME_READING.finditer(s) if bracket else ():
        if _has_name_entry(m.group(2)) or _KIN_BEFORE.search(s, max(0, m.start() - 6), m.start()):
            out.append((m.start(1), m.end(1), "person"))   # 妻の光子（みつこ）: a name the reading shows
    for m in _SPACED.finditer(s) if space else ():
        given = m.group(2)
        if _surname_like(m.group(1)) and given not in HONORIFICS and not _is_role(given) \
                and not any(e[0] == "動詞" for e in _entries(given)):
            out.append((m.start(), m.end(), "person"))
    if _CAPITAL.search(s):
        for rx in (_LATIN_HON, _LATIN_BRACKET):
            out += [(m.start(1), m.end(1), "person") for m in rx.finditer(s)]
    for m in _SIGN_OFF.finditer(s):
        name = m.group(1)
        if re.fullmatch(rf"[{_CJK}]+", name) and not _surname_like(name) or _is_role(name) or name in _GENERIC_KANA \
                or _common_word(name):
            continue
        out.append((m.start(1), m.end(1), "person"))
    out += _latin_and_titled(s, toks)
    out += _surnames_cut_in_two(s, toks)
    for rx in (_KATA_INTRO, _KATA_SIGN) if _has_intro(s) else (_KATA_SIGN,):
        for m in rx.finditer(s):
            name = m.group(1)
            if _is_role(name) or name in _GENERIC_KANA or name in ROLE_WORDS or _is_placeholder(name):
                continue
            if re.fullmatch(rf"[{_CJK}]+", name) and not _surname_like(name):
                continue
            # a name the dictionary knows, or a word it does not know at all (ホア, リン), never a common word only
            if _entries(name) and not _has_name_entry(name):
                continue
            out.append((m.start(1), m.end(1), "person"))
    for m in _RELATION_BRACKET.finditer(s) if bracket else ():
        word = m.group(1)
        if _is_role(word) or word in ROLE_WORDS or word in KIN_WORDS or word in _GENERIC_KANA or _is_placeholder(word):
            continue
        if re.fullmatch(rf"[{_CJK}]+", word) and not _has_name_entry(word) or _common_word(word):
            continue   # カレー（本人の好物）is no one; 美和（長女）is
        out.append((m.start(1), m.end(1), "person"))
    for m in _WITH_AGE.finditer(s) if bracket else ():
        word = m.group(1)
        if _is_role(word) or word in ROLE_WORDS or word in KIN_WORDS or word in _GENERIC_KANA or _is_placeholder(word) \
                or word.endswith(HONORIFICS):
            continue   # ゆいちゃん（小2）: the honorific rule reads the name
        if re.fullmatch(rf"[{_CJK}]+", word) and not _has_name_entry(word):
            continue   # 面談（60）: a kanji word that is no name
        out.append((m.start(1), m.end(1), "person"))
    for m in _NICKNAME_QUOTED.finditer(s) if "「" in s or "『" in s else ():
        g = 1 if m.group(1) else 2
        if not _is_role(m.group(g)) and m.group(g) not in _GENERIC_KANA and not m.group(g).endswith(HONORIFICS):
            out.append((m.start(g), m.end(g), "person"))   # (「みーちゃん」: the honorific rule reads みー)
    for m in _KANA_INTRO.finditer(s) if _has_intro(s) else ():
        if _only_name_entries(m.group(1)):
            out.append((m.start(1), m.end(1), "person"))
    return out


def _latin_and_titled(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    if re.search(r"[A-Z][a-z]", s):
        for m in _LATIN_FULL.finditer(s):
            words = m.group().split(" ")
            pos = m.start()
            # cut at words that are not names: Dear Ms. …, this is Maria Reyes, Eu sou a Fernanda Souza
            runs, cur = [], []
            for w in words:
                if w in _NOT_LATIN_NAME:
                    if cur:
                        runs.append(cur)
                    cur = []
                else:
                    cur.append((pos, w))
                pos += len(w) + 1
            if cur:
                runs.append(cur)
            for run in runs:
                if len([w for _, w in run if w[0].isupper()]) >= 2:
                    a, last = run[0][0], run[-1]
                    b = last[0] + len(last[1])
                    # Uber Eatsの, Windows Updateで: a brand or service before a particle, unless someone is
                    # introduced before it (本人の長女 …, 通訳 …が, this is …)
                    if _PARTICLE_AFTER.match(s, b) and not _PERSON_BEFORE.search(s, max(0, a - 12), a):
                        continue
                    if _cited_latin(s, a, b):
                        continue
                    out.append((a, b, "person"))
        for rx in (_LATIN_TITLE, _LATIN_FAMILY):
            for m in rx.finditer(s):
                if m.group(1).split(" ")[0] not in _NOT_LATIN_NAME:
                    out.append((m.start(1), m.end(1), "person"))
    if "D" in s or "N" in s:
        by_start = {t.start: t for t in toks}
        for m in _TITLE_BEFORE.finditer(s):
            t = by_start.get(m.end())
            if t is not None and t.noun and _has_surname_entry(t.surface) and not _is_role(t.surface):
                out.append((t.start, t.end, "person"))
    return out


_AFTER_SURNAME = ("は", "が", "と", "に", "も", "を", "から", "より", "、", "。", "の")


def _surnames_cut_in_two(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """大家の今|西は: a surname the analyser cuts into two common words, after a role or family word and
    の, before a particle (the whole is a surname in the dictionary)."""
    out = []
    for k in range(2, len(toks) - 2):
        a, b = toks[k], toks[k + 1]
        if toks[k - 1].surface not in ("の", "・") or a.name or b.name or a.end != b.start \
                or not re.fullmatch(rf"[{_CJK}]{{1,2}}", a.surface) or not re.fullmatch(rf"[{_CJK}]{{1,2}}", b.surface):
            continue
        before = toks[k - 2].surface
        if not (before in ROLE_WORDS or before in KIN_WORDS or before.removeprefix("お").removeprefix("ご") in ROLE_WORDS):
            continue
        word = a.surface + b.surface
        if toks[k + 2].surface not in _AFTER_SURNAME + HONORIFICS or not _surname_like(word) or _entries(word) and any(
                e[:2] == ("名詞", "普通名詞") for e in _entries(word)):
            continue
        out.append((a.start, b.end, "person"))
    return out


# A year alone after the name, as references write it: Rogers（1951）, Biestek, 1957 (not a birth date).
_YEAR_AFTER = re.compile(r"\s?(?:[(（]\d{4}[a-z]?[)）,]|,\s?\d{4}(?![\d年/.\-])|,\s?(?:The|A|An)\s)")
_REFERENCE_BEFORE = re.compile(r"(?:参考|文献|引用|出典|参照|著|Ref)")


def _cited_latin(s: str, a: int, b: int) -> bool:
    """Carl Rogers（1951）, 文献：Felix Biestek, …, Mary Richmond の「…」: an author cited, not someone in the case."""
    return _YEAR_AFTER.match(s, b) is not None or _CITED.match(s, b + (s[b:b + 1] == " ")) is not None \
        or _REFERENCE_BEFORE.search(s, max(0, a - 40), a) is not None


def _latin_run(s: str, a: int, b: int) -> tuple[int, int]:
    """The whole run of capitalised Latin words around s[a:b] (Carl|Rogers → Carl Rogers)."""
    m = next((m for m in _LATIN_FULL.finditer(s) if m.start() <= a and m.end() >= b), None)
    return (m.start(), m.end()) if m else (a, b)


def _common_word(word: str) -> bool:
    """キーパーソン, ママ: a common noun the dictionary never lists as a name."""
    entries = _entries(word)
    return any(e[:2] == ("名詞", "普通名詞") or e[0] in ("代名詞", "動詞", "形容詞") for e in entries) \
        and not _has_name_entry(word)


# Endings of Japanese surnames: a word the dictionary does not know that ends in one is shaped like one.
_SURNAME_ENDINGS = frozenset("田野山川島原沢澤谷村井本木森崎﨑岡藤橋口浦江坂上下宮松尾部池石垣瀬塚畑浜沼")


# Words before a title that qualify it: 元教授, 前所長, 名誉教授.
_TITLE_PREFIXES = frozenset(("元", "前", "現", "新", "旧", "副", "准", "名誉", "客員", "特任", "非常勤", "常勤", "担当", "主任", "各", "同"))


def _surname_shaped(word: str) -> bool:
    """A word of 2–3 kanji written where a surname goes that is one or looks like one: listed as a surname,
    or only as a place (鵠沼, 霧原), or unknown to the dictionary and ending like a surname (鵺田, 苔野)."""
    if not re.fullmatch(rf"[{_CJK}]{{2,3}}", word) or _is_role(word) or word in _ward_names() or _is_placeholder(word):
        return False
    if _has_surname_entry(word):
        return True
    entries = _entries(word)
    if not entries:
        return word[-1] in _SURNAME_ENDINGS
    return all(e[:3] == ("名詞", "固有名詞", "地名") for e in entries)


# A surname the dictionary does not know, after の, a colon or a space and before a particle: 相談室の鳰野が.
_UNKNOWN_SURNAME = re.compile(rf"(?<=[の：:\s、「])([{_CJK}]{{2,3}})(?=が|は|と|から|より|も|さん|様|氏|、|。|）|\))")
# A message signed in brackets after its last sentence: …。（鵺田）
_BRACKET_SIGNED = re.compile(rf"[。！？!?]\s*[(（]([{_CJK}]{{2,3}})[)）]\s*$")


# A message quoted whole and signed in brackets just before it closes: LINE「…。（雪見）」, メール（…。（若草））.
_QUOTED_SIGNED = re.compile(rf"[。！？!?]\s*[(（]([{_CJK}]{{2,3}})[)）]\s*[」』)）]\s*$")


def _plain_noun(word: str) -> bool:
    """A plain common noun (雪見, 若草), not a note about the text (別紙, 要約: サ変, 副詞可能) nor a role."""
    entries = _entries(word)
    return bool(entries) and all(e[:3] in (("名詞", "普通名詞", "一般"), ("名詞", "固有名詞", "人名"), ("名詞", "固有名詞", "地名"))
                                 for e in entries) and not _is_role(word) and word not in _NOT_SIGNATURE


# Plain nouns that note what a quoted text is, never who sent it.
_NOT_SIGNATURE = frozenset(("別紙", "原文", "原本", "写し", "続報", "別添", "本文", "全文", "追記", "追伸", "注記", "以上", "訂正",
                            "抜粋", "要旨", "参考", "匿名", "仮名", "実名", "本人", "代筆", "代理"))


def _unknown_surnames(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    out = []
    starts, ends = {t.start for t in toks}, {t.end for t in toks}
    for m in _UNKNOWN_SURNAME.finditer(s):
        word = m.group(1)
        inside = [t for t in toks if m.start(1) <= t.start < m.end(1)]
        # 鳰|野, 鵺|田: a rare kanji then a surname's ending, not a prefix and a word (各|窓口)
        if not _entries(word) and m.start(1) in starts and m.end(1) in ends and _surname_shaped(word) \
                and inside[0].pos[0] == "名詞" and len(inside[-1].surface) == 1 \
                and all(t.pos[0] in ("名詞", "接尾辞") for t in inside):
            out.append((m.start(1), m.end(1), "person"))
    if (m := _BRACKET_SIGNED.search(s)) and _surname_shaped(m.group(1)):
        out.append((m.start(1), m.end(1), "person"))
    elif (m := _QUOTED_SIGNED.search(s)) and (_surname_shaped(word := m.group(1)) or _plain_noun(word)):
        out.append((m.start(1), m.end(1), "person"))   # LINE「…。（雪見）」: whoever sent the message
    return out


def _surname_like(word: str) -> bool:
    return _has_surname_entry(word) and word not in ROLE_WORDS and word not in _ward_names() \
        and not _is_placeholder(word)


def _could_be_name(item: str) -> bool:
    if not item or _is_placeholder(item) or _is_role(item) or item in _GENERIC_KANA:
        return False
    if re.fullmatch(_LATIN_NAME, item) or re.fullmatch(rf"{_KATA}{{2,6}}|{_KATA}{{1,6}}(?:・{_KATA}{{1,6}}){{1,3}}", item):
        return True
    return re.fullmatch(rf"[{_CJK}]{{1,4}}(?:[ \u3000][{_CJK}]{{1,3}})?", item) is not None \
        and _surname_like(item.split()[0])


# What follows a name that is cited, not someone in the case: 宮沢賢治の「…」, 大谷翔平みたいに, …の伝記.
_CITED = re.compile(r"(?:みたい|のよう|のごと|の言う|のいう|の言葉|の名言|の伝記|の著書|の本|の作品|の詩|の理論|の「|の『|的|"
                    # a theorist's work, as training notes cite it: …の7原則, …の欲求5段階, …の考え方に学ぶ
                    r"の[0-9一二三四五六七八九十]*(?:原則|欲求|理論|学説|モデル|段階|発達段階|定義|提唱|思想|実践|考え方|枠組み)|"
                    # a song, a story or a show named after someone: …の曲, …の紙芝居, …の歌
                    r"の(?:曲|歌|紙芝居|絵本|映画|ドラマ|漫画|マンガ|アニメ|昔話|童謡|演歌|物語))")
# A character or a family in a story, also with an honorific: ちびまる子ちゃんの歌, サザエさん一家のような.
# (…さんみたいに alone is often someone in the group: only a family or a home is compared to.)
_CHARACTER = re.compile(r"(?:さん|ちゃん|くん)(?:(?:一家|ち|家)(?:のよう|みたい)|の歌|の曲|の紙芝居|の絵本|のアニメ|を歌)")
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
        if kind == "person" and _CHARACTER.match(s, b):
            continue
        out.append((a, b, kind))
    return out


def _not_a_person(s: str, a: int, b: int, tok: _Tok | None) -> bool:
    if _CITED.match(s, b) or _CITED_LIST.match(s, b):
        return True
    if re.fullmatch(r"[A-Za-z]+", s[a:b]) and _cited_latin(s, *_latin_run(s, a, b)):
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
