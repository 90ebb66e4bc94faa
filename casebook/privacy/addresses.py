"""Addresses below the ward: block numbers (3丁目10番5号, 3-10-5) with the town written before them, a
town right after its ward (生野区桃谷), and a town spoken of as where someone lives (松虫付近). The ward
and the city stay: they are what an anonymised case keeps. Towns may be joined with ヶ/ノ (楓ヶ丘, 萩ノ台); a
town ending in 町 is an address also without numbers (白鷺町のスーパー), as is a town before the dwelling it
names (今川東のアパート)."""

from __future__ import annotations

import re
from functools import cache

from casebook.privacy.dictionary import _entries, _Tok
from casebook.privacy.normalize import _Normalised
from casebook.privacy.words import (
    _CJK,
    _KANJI_NUM,
    _N,
    _NOT_TOWN,
    _OTHER_NUMBER_INTRO,
    ROLE_WORDS,
    _clause_before,
    _strip_city,
    _ward_names,
    _ward_prefix,
)

# What makes a bare 3-10-5 an address: a ward/town right before it, or words about where someone lives.
_ADDRESS_CUE = re.compile(r"(住所|住ま|住む|住ん|在住|自宅|居住|転居|引っ越|引越|転入|所在地|実家|宅は|方は)")
# Block numbers: 3丁目10番5号, 三丁目十番五号, 12番地の3, 3-10-5 (a room number may follow).
_BLOCK = re.compile(
    rf"{_N}\s?丁目(?:\s?の?\s?{_N}\s?(?:番地?|-|の(?=\s?{_N}))(?:\s?(?:の\s?)?{_N}(?:\s?号(?:室)?|-{_N})?)?)?"
    rf"|{_N}\s?番地(?:\s?の\s?{_N}(?:\s?号)?)?"
    rf"|{_N}\s?番\s?{_N}\s?号"
    rf"|(?<=[町通])の?{_N}の{_N}(?:の{_N})?(?![{_CJK}])"   # spoken: しみず町の二の五の八
    rf"|(?<=[{_CJK}])\d{{1,3}}の\d{{1,3}}の\d{{1,3}}(?![\d{_CJK}])"   # after any town: 関目4の2の8
    rf"|(?<![\d.])\d{{1,3}}-\d{{1,4}}(?:-\d{{1,4}})?(?![\d])"
)
# What every block number holds (a digit, or a kanji numeral before 丁目/番/の and another): a cheap scan first.
_BLOCK_GATE = re.compile(rf"\d|[{_KANJI_NUM}]\s?(?:丁目|番|の[{_KANJI_NUM}])")
_TOWN_TAIL = frozenset("原台野丘坂浜里谷田島")
_BLOCK_AFTER_TOWN = re.compile(r"\d{1,3}(?:-\d{1,4}){1,2}(?![\d-])")
_ROOM = re.compile(rf"[\s-]?\d{{1,4}}\s?号室|\s?{_N}\s?号(?!室)")
# A town spoken of as a neighbourhood: 桜川北のあたり, 松虫付近.
# …or as where someone's dwelling stands: 今川東のアパート, 粉浜の長屋.
_NEAR_PLACE = re.compile(r"の?(?:あたり|辺り|付近|周辺|界隈)|の(?:アパート|マンション|長屋|文化住宅|一軒家|借家|貸家|"
                         r"市営住宅|府営住宅|公営住宅|団地|自宅|実家)")


# A town named before 地区 (紬野地区, 鷺沼台地区): a name the dictionary knows only as a place, or not at all.
_DISTRICT = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{2,4}})(?=地区|地域)")
# Regions, not towns: 近畿地域.
_REGIONS = frozenset("近畿 関西 関東 東北 北陸 東海 中部 中国 四国 九州 沖縄 北海道 山陰 山陽 北摂 南河内 中河内 泉州 阪神".split())


def _districts(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _DISTRICT.finditer(s):
        word = m.group(1)
        entries = _entries(word)
        if word in _ward_names() or word.endswith(("区", "市", "府")) or word in _NOT_TOWN or word in _REGIONS:
            continue
        if all(e[:3] == ("名詞", "固有名詞", "地名") for e in entries):   # none when the word is unknown
            out.append((m.start(1), m.end(1), "address"))
    return out


@cache
def _ward_town_block() -> re.Pattern:
    from casebook import vocab
    wards = "|".join(sorted((re.escape(n) for n in vocab.ward_names() if n.endswith("区")), key=len, reverse=True))
    return re.compile(rf"(?:{wards})([{_CJK}]{{1,5}}?\d{{1,3}}(?:-\d{{1,4}}){{1,2}})(?![\d-])")


def _find_addresses(n: _Normalised, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    s = n.match
    out = _districts(s) if "地区" in s or "地域" in s else []
    blocks = _BLOCK_GATE.search(s) is not None
    # the words by where they end, only for the rules that look a town up (a block, a town in 町)
    by_end = {t.end: i for i, t in enumerate(toks)} if blocks or "町" in s else {}
    by_start: dict[int, int] | None = None
    # Block numbers (3丁目10番5号, 三丁目十番五号, 3-10-5), with the town name written before them.
    for m in _BLOCK.finditer(s) if blocks else ():
        start, end = m.start(), m.end()
        txt = m.group()
        plain_pair = re.fullmatch(r"\d{1,3}-\d{1,4}", txt) is not None
        if start > 0 and re.match(r"[A-Za-z]", s[start - 1]):
            continue   # R6-012, No.A-12: a file or case number, not a block
        if re.fullmatch(r"[\dの-]+", txt) and _OTHER_NUMBER_INTRO.search(_clause_before(s, start, 12)):
            continue   # 要綱2-1-3, 資料3-2-1: a section of a document
        if re.fullmatch(r"\d{1,3}-\d{1,4}-\d{1,4}", txt) and txt.startswith("0"):
            continue
        if r := _ROOM.match(s, end):
            end = r.end()
        elif re.fullmatch(r"\d{1,4}-\d{1,4}-\d{1,4}", txt) and (r := re.match(r"-\d{3,4}(?![\d-])", s[end:])):
            end += r.end()   # 4-2-17-305: the room number after the block
        town_start = _town_start(s, toks, by_end, start)
        if plain_pair and town_start == start:
            continue  # 10-12 alone is a range, not an address
        if town_start == start and re.fullmatch(r"\d{1,4}-\d{1,4}-\d{1,4}", txt):
            # A bare 3-10-5 is an address only where the text speaks of a dwelling or a ward/town stands
            # right before it; otherwise it is a group split (4-4-3), a section (3-2-1) or a receipt.
            before = _clause_before(s, start, 20)
            if _OTHER_NUMBER_INTRO.search(before) or not (
                    _ADDRESS_CUE.search(before) or re.search(r"(区|市|町|村)\s?$", before)):
                continue
        if (ward_town := _town_after_ward(s, toks, start)) is not None and ward_town < town_start:
            town_start = ward_town
        elif town_start < start and re.fullmatch(r"[\d-]+", txt) and not _real_town(s, toks, town_start, start):
            continue   # 訪問件数 5-5-4: a count's name before a group split, not a town
        if town_start < start:
            start = town_start
        out.append((start, end, "address"))
    # A town name right after the ward (生野区桃谷, 北区中崎町), even without numbers.
    for i, t in enumerate(toks):
        if not t.place:
            continue
        rest = _strip_city(t.surface)
        cut_ward = len(t.surface) - len(rest)
        prev_ward = i > 0 and toks[i - 1].end == t.start and toks[i - 1].surface in _ward_names() \
            and toks[i - 1].surface.endswith("区")
        if rest and (cut_ward and _ward_prefix().match(t.surface).group().endswith("区") or prev_ward):
            start = t.start + cut_ward
            end = t.end
            if by_start is None:
                by_start = {t.start: i for i, t in enumerate(toks)}
            j = by_start.get(end)
            if j is not None and toks[j].surface in ("町", "丁", "通", "東", "西", "南", "北", "本町"):
                end = toks[j].end
            elif j is not None and toks[j].surface in _TOWN_TAIL and toks[j].pos[0] in ("接頭辞", "接尾辞"):
                end = toks[j].end   # 汐見|原: the analyser took the town's last kanji for an affix
            if blk := _BLOCK_AFTER_TOWN.match(s, end):
                end = blk.end()   # 生野区鷺見原3-2-11: the block number straight after the town
            if _has_letter_or_kanji(rest):
                out.append((start, end, "address"))
    out += _machi_towns(s, toks, by_end)
    # 西淀川区鷺洲原3-5-2: a ward, any kanji town (whatever the analyser read it as), a block number.
    if "区" in s and "-" in s:
        out += [(m.start(1), m.end(), "address") for m in _ward_town_block().finditer(s)]
    # 桜川北のあたり, 松虫付近: a town (not a ward or city) spoken of as where someone lives.
    for i, t in enumerate(toks):
        if not t.place or t.surface in _ward_names() or _strip_city(t.surface) != t.surface:
            continue
        end = t.end
        j = i + 1
        if j < len(toks) and toks[j].start == end and toks[j].surface in ("東", "西", "南", "北", "町", "本町"):
            end = toks[j].end
        if _NEAR_PLACE.match(s, end):
            out.append((t.start, end, "address"))
    return out


_KIND_OF_TOWN = frozenset({"門前", "宿場", "城下", "港", "寺内", "商人", "職人", "下", "漁師", "田舎", "温泉", "学生", "住宅", "工場", "繁華", "商店", "団地", "坂", "川"})
# What follows a town's name used on its own: a particle, a mark, where someone lives or comes from.
_AFTER_TOWN = re.compile(r"(?:の|で|に|から|へ|まで|在住|出身|付近|界隈|周辺|辺り|あたり|方面|[、。」』)）\s]|$)")


def _machi_towns(s: str, toks: list[_Tok], by_end: dict[int, int]) -> list[tuple[int, int, str]]:
    """白鷺町のスーパー, 青葉町で: a town ending in 町 named without a block number (not 町会, 城下町, 隣町)."""
    out = []
    for m in re.finditer("町", s):
        end = m.end()
        if not _AFTER_TOWN.match(s, end):
            continue
        i = by_end.get(end)
        if i is None:
            continue
        t = toks[i]
        if t.surface == "町":
            start = _town_start(s, toks, by_end, t.start)
            if start == t.start:
                continue
        elif re.fullmatch(rf"[{_CJK}]{{1,5}}町", t.surface) and (t.place or not _entries(t.surface)):
            start = t.start + len(t.surface) - len(_strip_city(t.surface))
        else:
            continue
        if start > 0 and s[start - 1] in "東西南北" and (start < 2 or not re.match(rf"[{_CJK}]", s[start - 2])):
            start -= 1   # 西|山吹町: a direction written before the town belongs to it
        town = s[start:end]
        if len(town) < 3 and town[0] in "本新元旧上下中" or town[:-1] in _KIND_OF_TOWN:
            continue   # 本町, 新町: a town's centre as a landmark; 門前町, 宿場町: a kind of town
        if len(town) < 2 or town in _ward_names() or any(e[:2] == ("名詞", "普通名詞") for e in _entries(town)) \
                or town[:-1] in _NOT_TOWN or town[:-1] in ROLE_WORDS or town[:-1] in ("隣", "同じ", "この", "その", "各", "旧", "新"):
            continue   # 下町, 城下町, 隣町: a kind of town, not one
        out.append((start, end, "address"))
    return out


_TOWN_RUN = re.compile(rf"の?([{_CJK}\u3041-\u3096\u30a1-\u30faー]{{1,10}})$")
_TOWN_END = re.compile(r"(町|台|丘|坂|原|野|通|条|東|西|南|北|本町|新町)$")


def _town_after_ward(s: str, toks: list[_Tok], start: int) -> int | None:
    """旭区つばめ台|二丁目, 東住吉区やなぎ台|2-14-6: whatever stands between the ward and the block number is
    the town, also a kana or invented name the analyser cuts into pieces; not a verb phrase (平野区に住む)."""
    ward_end = s.rfind("区", max(0, start - 13), start) + 1
    if ward_end == 0 or not any(s.endswith(w, 0, ward_end) for w in _ward_names() if w.endswith("区")):
        return None
    m = _TOWN_RUN.match(s, ward_end, start)
    if not m or m.end() != start or m.group(1)[0] in "にでをはがへとも":
        return None
    a = m.start(1)
    # A verb written with a kanji (住む, 引っ越し) makes a phrase; kana pieces (やなぎ, よし) are the
    # analyser's guesses inside a name it does not know.
    if any(t.start < start and t.end > a and t.pos[0] in ("動詞", "形容詞") and re.search(rf"[{_CJK}]", t.surface)
           for t in toks):
        return None
    return a


def _real_town(s: str, toks: list[_Tok], a: int, b: int) -> bool:
    """A town name before a bare 3-10-5: a place the analyser knows, or a name ending like a town (…台, …町)."""
    if _TOWN_END.search(s[a:b].rstrip()) or _ADDRESS_CUE.search(_clause_before(s, a, 20)):
        return True
    return any(t.proper for t in toks if t.start < b and t.end > a)


def _has_letter_or_kanji(text: str) -> bool:
    return re.search(rf"[{_CJK}\u3041-\u30ffA-Za-z]", text) is not None


_JOINERS = ("ヶ", "ケ", "ノ", "之")


def _town_start(s: str, toks: list[_Tok], by_end: dict[int, int], start: int) -> int:
    """Where the town name written directly before a block number starts (the ward is not part of it)."""
    pos = start
    while pos > 0 and s[pos - 1] in " \t":
        pos -= 1
    i = by_end.get(pos)
    first = None
    steps = 0
    while i is not None and steps < 5:
        t = toks[i]
        if t.surface in _JOINERS and first is not None and t.start > 0 and re.match(rf"[{_CJK}]", s[t.start - 1]):
            first = t   # 楓ヶ丘, 萩ノ台: a town name joined with ヶ or ノ
            steps += 1
            i = by_end.get(t.start)
            continue
        # Town names are often not in the dictionary as places (松虫南, 遠里東): any short noun counts,
        # except words about the dwelling itself (自宅, 市営住宅) and role words.
        if t.proper or re.fullmatch(rf"[{_CJK}]{{0,3}}町|[東西南北中上下本新元]", t.surface) or (
                t.pos[0] in ("名詞", "接尾辞") and t.pos[1] != "数詞" and re.fullmatch(rf"[{_CJK}]{{1,3}}", t.surface)
                and t.surface not in _NOT_TOWN and t.surface not in ROLE_WORDS):
            first = t
            steps += 1
            if _ward_prefix().match(t.surface).group():
                break   # 西成区松|風|東: the ward marks where the town begins
            i = by_end.get(t.start)
        else:
            break
    if first is None:
        return start
    town_text = s[first.start:pos]
    rest = _strip_city(town_text)
    # 大阪市北区 alone before 3-10-5: the ward stays, only the block is the finding.
    if not rest or rest in _ward_names():
        return start
    return first.start + (len(town_text) - len(rest))
