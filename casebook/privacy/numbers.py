"""Personal information read from the characters alone, before and without the analyser: phone numbers,
postal codes, マイナンバー, insurance and certificate numbers (a run of digits judged by its shape and the
words just before it), e-mail addresses, LINE and other chat IDs, and dates of birth."""

from __future__ import annotations

import re

from casebook.privacy.normalize import _Normalised
from casebook.privacy.words import (
    _CJK,
    _ERA,
    _KANJI_NUM,
    _N,
    _OTHER_NUMBER_INTRO,
    _clause_before,
)

_GAP = r"[\s:：はがの、,=（(「『?？]*?(?:(?:は|が)?(?:な|ね|ねえ|なあ|ですね|やけど)?[、,\s]+)?(?:第\s*)?(?:No\.?\s*|№\s*)?"

_INSURANCE_INTRO = re.compile(
    r"(被保険者証?番号|被保険者証|(?:ほけんしょう|ホケンショウ|ひほけんしゃ)(?:の)?(?:番号|ばんごう)?|保険者番号|介護保険証?(?:の)?番号|介護保険証|保険証(?:の)?番号|保険証|記号番号|"
    r"被保番|被保険者No\.?|保険証No\.?|手帳No\.?|ケース番号|ケースNo\.?|保護番号|"
    r"障がい者手帳|障害者手帳|身体障がい者手帳|身体障害者手帳|療育手帳|精神障害者保健福祉手帳|精神保健福祉手帳|"
    r"愛の手帳|手帳(?:の)?番号|"
    r"受給者証(?:の)?番号|受給者証|医療証(?:の)?番号|医療証|診察券(?:の)?番号|診察券|資格確認書|受給者番号|基礎年金番号|年金番号|年金手帳|保険番号|記号|番号)"
    # a grade may stand between the certificate and its number: 身体障害者手帳（2級）第12345号, 療育手帳（B1）No.
    r"(?:\s?[(（][^()（）]{1,6}[)）]|\s?[0-9一二三四五六七]\s?級|\s?[AB][12]?(?![A-Za-z]))?" + _GAP
    + rf"(?:[A-Za-z]{{1,2}}[\s\-]?|[{_CJK}]{{1,2}}\s?-\s?)?$")
# A number written on a card as 第…号 with a certificate named earlier in the clause: （身体 第31-0882号）.
_CARD_NUMBER = re.compile(r"第\s?\d[\d\-]{2,14}\s?号")
_CARD_CONTEXT = re.compile(r"手帳|保険証|受給者証|被保険者|年金|ケース番号|保護番号")
_INSURANCE_CONTEXT = re.compile(r"保険|手帳|受給者|年金|記号|ケース|保護")
_MYNUMBER_INTRO = re.compile(r"(マイナンバー|個人番号)(?:カード)?(?:の番号)?" + _GAP + r"$")
_PHONE_INTRO = re.compile(r"(電話|TEL|Tel|tel|携帯|ケータイ|FAX|Fax|fax|ファックス|ファクス|連絡先|☎|固定電話|自宅電話)"
                          r"(?:番号)?" + _GAP + r"$")
_POSTAL_INTRO = re.compile(r"(〒|郵便番号)" + _GAP + r"$")

# Phone numbers written with dots or as spoken (090.2217.6540, 090の2217の6540): the same mark twice.
_PHONE_ALT = re.compile(r"(?<![\d.])0\d{1,4}(\.|の|\s?・\s?)\d{1,4}\1\d{3,4}(?![\d.])")

# A run of digits joined by hyphens, single spaces and brackets: the unit numbers are judged on.
_RUN = re.compile(r"(?<![\d])\(?\d+(?:(?:[ \t]?\)[ \t]?-?[ \t]?|[ \t]?-[ \t]?|[ \t]?\([ \t]?|[ \t])\d+)*\)?(?![\d])")

# The @ as people write it to dodge spam robots: (at) [at] <at> {at} (アット) アットマーク ★ ☆, and the
# dots of the domain as (dot) [dot] [.] (NFKC has already turned full-width brackets and ＠ into ASCII).
_AT = r"(?:@(?:マーク)?|\s?[(\[<{【]\s?(?:at|AT|At|a|アット(?:マーク)?|あっと(?:まーく)?)\s?[)\]>}】]\s?|\s(?:at|AT|あっと(?:まーく)?)\s|\s?アット(?:マーク)?\s?|★|☆)"
_DOT = r"(?:\.|\s?[(\[]\s?(?:dot|DOT|\.)\s?[)\]]\s?|\s?ドット\s?|\s(?:dot|DOT)\s)"
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*{_AT}[A-Za-z0-9\-]+"
                    rf"(?:{_DOT}[A-Za-z0-9\-]+)*{_DOT}[A-Za-z]{{2,}}(?![A-Za-z0-9])")

# An address read out piece by piece: hibari、アンダーバー、1950、アットマーク、example.jp.
_SAID = r"[、,\s]*"
_SPOKEN_SEP = rf"{_SAID}(?:アンダーバー|アンダースコア|ハイフン|ドット|ピリオド){_SAID}"
_SPOKEN_EMAIL = re.compile(rf"(?<![A-Za-z0-9._\-])[A-Za-z0-9][A-Za-z0-9._\-]*(?:{_SPOKEN_SEP}[A-Za-z0-9][A-Za-z0-9._\-]*){{0,4}}"
                           rf"{_SAID}アット(?:マーク)?{_SAID}[A-Za-z0-9\-]+(?:(?:\.|{_SPOKEN_SEP})[A-Za-z0-9\-]+)*"
                           rf"(?:\.|{_SPOKEN_SEP})[A-Za-z]{{2,}}(?![A-Za-z0-9])")

# Chat and SNS IDs (LINE above all): the handle written after the service's name and/or "ID".
_CHAT_SERVICE = r"(?:LINE|Line|line|ライン|らいん|インスタ(?:グラム)?|Instagram|instagram|Twitter|ツイッター|Facebook|" \
                r"フェイスブック|カカオ(?:トーク)?|KakaoTalk|WeChat|ウィーチャット|Skype|スカイプ|Discord|TikTok)"
_CHAT_ID = re.compile(
    rf"(?:(?<![A-Za-z]){_CHAT_SERVICE}\s?(?:の)?\s?(?:[(（]?(?:ID|Id|id|アカウント|ユーザー?名|ユーザーID))?|(?<![A-Za-z])(?:ID|Id|ユーザーID))"
    r"[\s:=はがの、,（(「『→⇒>?]*(@?[A-Za-z0-9][A-Za-z0-9._\-]{2,29})(?![A-Za-z0-9@])")
# The handle a few words after the service or "ID" (LINE交換（kaze_01）, ID言うとくわ、hana1949, インスタ見てな @x):
# taken only when it looks like a handle (an @, or letters with a digit, a dot or an underscore).
_CHAT_LATER = re.compile(rf"(?:(?<![A-Za-z]){_CHAT_SERVICE}|(?<![A-Za-z])ID)[^。\nA-Za-z0-9@]{{1,16}}?"
                         r"(@?[A-Za-z][A-Za-z0-9._\-]{2,29})(?![A-Za-z0-9@])")

# The handle after an arrow from the service's name (ID：line→ handle): it must hold a letter.
_CHAT_ARROW = re.compile(rf"{_CHAT_SERVICE}\s?[→⇒]\s?(@?[A-Za-z0-9][A-Za-z0-9._\-]{{2,29}})(?![A-Za-z0-9@])")

_BIRTH_BEFORE = re.compile(r"(生年月日|誕生日|生年|出生日|出生|生まれ|うまれ|生)[\s:：はがの、(（「『?？]*$")
_BIRTH_AFTER = re.compile(r"^\s*(生まれ|うまれ|生(?=[\s()（）」、。,.]|$|で|の|、|や|だ|と|か)|出生|誕生)")
# The word a little earlier in the clause, no other number between: 生年月日を確認（H3.6.21）.
# A full date named as a birth date right after it: 昭和16年8月29日 と生年月日が, …（生年月日）.
_BIRTH_NAMED_AFTER = re.compile(r"\s?[とがは(（]\s?(?:生年月日|誕生日|出生日)")
_BIRTH_WORD = re.compile(r"(生年月日|誕生日|出生日)[^\d]*$")
_NO = r"\s?の?\s?"   # spoken: 昭和十二年の三月三日, 1940年の12月8日
_DATE_PATTERNS = (
    re.compile(rf"{_ERA}\s?(?:\d{{1,2}}|元|[{_KANJI_NUM}]{{1,3}})\s?年{_NO}{_N}\s?月(?:\s?{_N}\s?日)?"),
    re.compile(rf"(?<!\d)(?:1[89]\d\d|20\d\d)\s?年{_NO}\d{{1,2}}\s?月(?:\s?\d{{1,2}}\s?日)?"),
    re.compile(rf"(?<!\d)(?:1[89]\d\d|20\d\d)[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}(?!\d)"),
    re.compile(r"(?:明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR]\.?)\s?(?:\d{1,2}|元)[/.]\d{1,2}[/.]\d{1,2}(?!\d)"),
    re.compile(rf"(?<![\d年])\d{{1,2}}\s?月\s?\d{{1,2}}\s?日"),
)
_WITH_YEAR = 4   # the patterns before this index hold a year


# Cheap scans that every match of a slow pattern needs (the slow one starts with look-behinds at every
# character): a text without them is not scanned at all.
_EMAIL_GATE = re.compile(r"[@★☆]|at|AT|At|アット|あっと|[(\[<{]\s?a")
_CHAT_GATE = re.compile(rf"{_CHAT_SERVICE}|ID|Id")
_ZERO_WORD = re.compile(r"[ぜゼ][ろロ]|[れレ][いイ]|[まマ][るル]")


def _find_emails(n: _Normalised) -> list[tuple[int, int, str]]:
    # Read on the NFKC text (not the digit-hyphen one): the local part may hold a ー-like character.
    if not _EMAIL_GATE.search(n.norm):
        return []
    out = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(n.norm)]
    if "アット" in n.norm:
        out += [(m.start(), m.end(), "email") for m in _SPOKEN_EMAIL.finditer(n.norm)]
    return out


def _find_chat_ids(n: _Normalised) -> list[tuple[int, int, str]]:
    out = []
    if not _CHAT_GATE.search(n.norm):
        return out
    for m in _CHAT_ID.finditer(n.norm):
        handle = m.group(1)
        has_id_word = re.search(r"ID|Id|id|アカウント|ユーザ", m.group(0)[: m.start(1) - m.start()]) is not None
        # Without the word "ID" the handle must look like one: a letter or an @ (not "LINE 2024年").
        if not has_id_word and not (handle.startswith("@") or re.search(r"[A-Za-z]", handle)):
            continue
        if re.fullmatch(r"\d+", handle) and re.match(r"\s?(年|月|日|回|件|人|名|時|分|歳)", n.norm[m.end():]):
            continue
        if n.norm[m.end():m.end() + 1] == "@":
            continue   # the local part of an e-mail address
        if re.fullmatch(_CHAT_SERVICE, handle) and re.match(r"\s?[→⇒>]", n.norm[m.end():]):
            continue   # ID：LINE→ handle: the service's name, the handle comes after the arrow
        out.append((m.start(1), m.end(1), "line_id"))
    for m in _CHAT_LATER.finditer(n.norm):
        handle = m.group(1)
        if (handle.startswith("@") or re.search(r"[A-Za-z]", handle) and re.search(r"[\d._]", handle)) \
                and n.norm[m.end():m.end() + 1] != "@":
            out.append((m.start(1), m.end(1), "line_id"))
    for m in _CHAT_ARROW.finditer(n.norm):
        if re.search(r"[A-Za-z]", m.group(1)) and n.norm[m.end():m.end() + 1] != "@":
            out.append((m.start(1), m.end(1), "line_id"))
    return out


# Telephone numbers read aloud in kana (ゼロキューゼロ、にいななよんいち、…): the digit words, in groups.
_KANA_DIGITS = {"ぜろ": "0", "れい": "0", "まる": "0", "いち": "1", "にい": "2", "にー": "2", "に": "2", "さん": "3", "よん": "4",
                "し": "4", "ごー": "5", "ご": "5", "ろく": "6", "なな": "7", "しち": "7", "はち": "8", "きゅう": "9",
                "きゅー": "9", "く": "9"}
_KANA_DIGIT = "(?:" + "|".join(sorted(_KANA_DIGITS, key=len, reverse=True)) + ")"


def _either_script(word: str) -> str:
    """ぜろ → [ぜゼ][ろロ]: the word in hiragana or katakana, read without converting the text."""
    return "".join(f"[{c}{chr(ord(c) + 0x60)}]" if "ぁ" <= c <= "ゖ" else c for c in word)


_KANA_DIGIT_EITHER = "(?:" + "|".join(_either_script(w) for w in sorted(_KANA_DIGITS, key=len, reverse=True)) + ")"
_SPOKEN_PHONE = re.compile(rf"(?:(?<![\u3041-\u3096\u30a1-\u30fa])|(?<=[はがもの]))(?:{_either_script('ぜろ')}|{_either_script('れい')}|"
                           rf"{_either_script('まる')}){_KANA_DIGIT_EITHER}{{0,4}}"
                           rf"(?:[、,\s・の-]{{1,2}}(?:{_KANA_DIGIT_EITHER}{{1,5}}|\d{{2,5}}(?!\d))){{1,3}}")


# Digits read out in groups with の or a comma between (070の、9934の、1208): a phone by its length.
_GROUPED_PHONE = re.compile(r"(?<![\d.,])0\d{1,4}(?:\s?の、?\s?|、\s?)\d{2,4}(?:\s?の、?\s?|、\s?)\d{3,4}(?![\d.,])")
# A postal code read out in kana: three digit words, a pause, four (ごーごーにーの、ぜろぜろいちよん).
_SPOKEN_POSTAL = re.compile(rf"(?:(?<![\u3041-\u3096\u30a1-\u30fa])|(?<=[はがもの])){_KANA_DIGIT_EITHER}{{3}}[、,\s・の-]{{1,2}}"
                            rf"{_KANA_DIGIT_EITHER}{{4}}(?![\u3041-\u3096\u30a1-\u30fa])")


def _kana_digits(text: str) -> str:
    hira = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    return "".join(_KANA_DIGITS.get(w, w) for w in re.findall(rf"{_KANA_DIGIT}|\d", hira))


def _find_spoken_phones(n: _Normalised) -> list[tuple[int, int, str]]:
    """Phones and postal codes read aloud: in kana digit words, or in digit groups with の between."""
    out = []
    for m in _SPOKEN_PHONE.finditer(n.norm) if _ZERO_WORD.search(n.norm) else ():
        if 10 <= len(_kana_digits(m.group())) <= 11:
            out.append((m.start(), m.end(), "phone"))
    for m in _GROUPED_PHONE.finditer(n.norm) if "0" in n.norm else ():
        if 10 <= sum(c.isdigit() for c in m.group()) <= 11:
            out.append((m.start(), m.end(), "phone"))
    for m in _SPOKEN_POSTAL.finditer(n.norm) if "郵便" in n.norm or "〒" in n.norm else ():
        if len(_kana_digits(m.group())) == 7 and re.search(r"郵便|〒", _clause_before(n.norm, m.start(), 30)):
            out.append((m.start(), m.end(), "postal_code"))
    return out


def my_number_valid(digits: str) -> bool:
    """The official check digit of a 12-digit 個人番号 (Ministerial Ordinance art. 5)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11][::-1]          # P1 is the digit just left of the check digit
    total = sum(int(p) * (i + 1 + 1 if i + 1 <= 6 else i + 1 - 5) for i, p in enumerate(body))
    rem = total % 11
    check = 0 if rem <= 1 else 11 - rem
    return check == int(digits[11])


def _find_numbers(n: _Normalised) -> list[tuple[int, int, str]]:
    s = n.match
    out: list[tuple[int, int, str]] = []
    for m in _RUN.finditer(s):
        start, end = m.start(), m.end()
        raw = m.group()
        # Keep brackets only when balanced inside the run.
        if raw.startswith("(") and (")" not in raw or raw.index(")") == len(raw) - 1):
            start += 1     # (090-0000-1234) in brackets: the brackets are the sentence's, not the number's
            raw = raw[1:]
        if raw.endswith(")") and raw.count("(") < raw.count(")"):
            end -= 1
            raw = raw[:-1]
        if ")" in raw and "(" not in raw:
            # 番号 581204）2級: the bracket closes the number, what follows is something else
            cut = raw.index(")")
            end -= len(raw) - cut
            raw = raw[:cut]
        raw_stripped = raw.rstrip()
        end -= len(raw) - len(raw_stripped)
        raw = raw_stripped
        groups = re.findall(r"\d+", raw)
        digits = "".join(groups)
        lens = [len(g) for g in groups]
        before = _clause_before(s, start)
        kind = None
        if len(digits) == 12 and lens in ([12], [4, 4, 4]) and (
                _MYNUMBER_INTRO.search(before) or re.search(r"マイナンバー|個人番号", before)):
            kind = "my_number"   # the word in the same clause: マイナンバーカード（番号 0000-0000-0000）
        elif (im := _INSURANCE_INTRO.search(before)) and (
                (im.group(1) != "番号" and len(digits) >= 3) or (
                    im.group(1) == "番号" and _INSURANCE_CONTEXT.search(before) and len(digits) >= 1)):
            kind = "insurance_number"
            if im.group(1) == "番号" and lens == [4, 4, 4] and my_number_valid(digits):
                kind = "my_number"   # 本人の番号 4123-…: a bare 番号 with the shape and check digit of one
            # A letter before the number belongs to it (療育手帳 A 12345, 記号 AB1234).
            window_start = max(0, start - 8)
            lead = re.search(rf"(?:[A-Za-z]{{1,2}}[\s\-]?|(?<![{_CJK}])[{_CJK}]{{1,2}}\s?-\s?)$", s[window_start:start])
            if lead and not re.search(r"(TEL|Tel|tel|FAX|No)\s?$", s[window_start:start]):
                start = window_start + lead.start()
            # The number as written on the card: 第12345号, No.A-2719 (the prefix and 号 go with it).
            if pre := re.search(r"(?:第\s?|No\.\s?|NO\.\s?|№\s?)$", s[max(0, start - 4):start]):
                start = max(0, start - 4) + pre.start()
                if s[start:start + 1] == "第" and (suf := re.match(r"\s?号", s[end:])):
                    end += suf.end()
        elif (k := s.rfind("第", max(0, start - 2), start)) >= 0 and (card := _CARD_NUMBER.match(s, k)) \
                and card.end() >= end and _CARD_CONTEXT.search(before):
            kind = "insurance_number"   # 手帳交付（身体 第31-0882号）: the certificate named earlier
            start, end = card.start(), card.end()
        elif _PHONE_INTRO.search(before) and 8 <= len(digits) <= 11 and (len(digits) < 10 or digits[0] == "0"):
            kind = "phone"
        elif lens == [4, 4] and re.search(r"(電話|TEL|Tel|tel|携帯|固定|FAX|ファックス)", before[-12:]):
            kind = "phone"   # 電話は自宅の6712-3456のみ: a local number with the word a little before
        elif _POSTAL_INTRO.search(before) and len(digits) == 7:
            kind = "postal_code"
            if s[max(0, start - 2):start].strip().endswith("〒"):
                start = s.rfind("〒", 0, start)
        elif len(digits) == 7 and lens in ([7], [3, 4]) and re.search(r"〒|郵便番号", before) \
                and not re.search(r"\d", before[before.rfind("〒") + 1:] if "〒" in before else before[before.rfind("郵便番号"):]):
            kind = "postal_code"   # 〒は要らんよね？ 5430061: the mark earlier in the clause, no number between
        elif re.fullmatch(r"0[5789]0\d{8}", digits) and lens in ([3, 4, 4], [11]) \
                and not re.search(r"(受付|整理|注文|予約|伝票|領収|レシート|No|第)", before[-8:]):
            kind = "phone"   # 番号は 080-…: a mobile number's shape after a bare 番号
        elif _OTHER_NUMBER_INTRO.search(before):
            kind = None   # 受付番号123-4567, レシート番号 12-345-678: some other thing's number
        elif digits[:1] == "0" and len(digits) in (10, 11) and (len(groups) == 1 or lens[0] <= 5) and len(groups) <= 4:
            kind = "phone"
        elif raw.startswith("+81") or (s[max(0, start - 1):start] == "+" and digits.startswith("81")):
            kind = "phone"
            start = start - 1 if s[start - 1:start] == "+" else start
        elif lens == [3, 4] and "-" in raw:
            kind = "postal_code"
        elif len(digits) == 12 and lens in ([12], [4, 4, 4]) and my_number_valid(digits):
            kind = "my_number"
        if kind:
            out.append((start, end, kind))
    for m in _PHONE_ALT.finditer(s) if "0" in s else ():
        digits = re.sub(r"\D", "", m.group())
        if 10 <= len(digits) <= 11:
            out.append((m.start(), m.end(), "phone"))
    return out


def _find_birth_dates(n: _Normalised) -> list[tuple[int, int, str]]:
    s = n.match
    out = []
    taken: list[tuple[int, int]] = []
    for k, pat in enumerate(_DATE_PATTERNS):
        for m in pat.finditer(s):
            if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                continue
            txt = m.group()
            if not re.search(r"月|[/.\-]\d", txt.lstrip("MTSHR.")):
                continue  # a year alone is what an anonymised text keeps
            if _BIRTH_BEFORE.search(_clause_before(s, m.start(), 12)) or _BIRTH_AFTER.match(s[m.end():m.end() + 4]) \
                    or k < _WITH_YEAR and _BIRTH_NAMED_AFTER.match(s, m.end()) \
                    or (k < _WITH_YEAR and _BIRTH_WORD.search(_clause_before(s, m.start(), 30))):
                taken.append((m.start(), m.end()))
                out.append((m.start(), m.end(), "birth_date"))
    return out
