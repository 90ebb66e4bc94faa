"""Named facilities and buildings: a hospital, school, care home or flat building named by a proper noun
or a kana name (桃谷小学校, さくら苑, はくよう記念病院), a kind written before the name (デイサービスあおぞら,
コーポ蒲生), schools under their short names (田島小), words between the name and its kind (あさひ在宅クリニック,
鶴ノ森地域会館), a name in quotes after its kind or ending like a gathering place (デイサービス「ぽかぽか」,
「なごみの家」), companies under their legal form (株式会社…), the whole name chunk after a kind (特別養護老人ホーム翠風苑,
グループホーム紬の家, 地域包括支援センターひばり野, ケアハウス鵙沼), names cut by the analyser (琴|箕|荘7号), a school
under a bare 市立; each becomes A病院 style, like a person.
Landmarks the dictionary knows as one place (甲子園, 後楽園) are not facilities."""

from __future__ import annotations

import re

from casebook.privacy.dictionary import _entries, _has_surname_entry, _Tok
from casebook.privacy.people import _surname_shaped
from casebook.privacy.words import (
    _CJK,
    _GENERIC_KANA,
    _KANA,
    _KANA_RUN,
    _KANJI_NUM,
    _NOT_TOWN,
    HONORIFICS,
    KIN_WORDS,
    ROLE_WORDS,
    _is_placeholder,
    _is_role,
    _strip_city,
    _ward_names,
)

# Kinds written after a facility's own name.
FACILITY_SUFFIXES = (
    "病院", "クリニック", "医院", "診療所", "歯科", "内科", "外科", "薬局", "小学校区", "小学校", "中学校",
    "高等学校", "高校", "保育園", "保育所", "幼稚園", "こども園", "特別養護老人ホーム", "老人ホーム", "ホーム",
    "デイサービスセンター", "デイサービス", "デイケア", "グループホーム", "ケアハウス", "老健",
    "訪問看護ステーション", "ヘルパーステーション", "作業所", "荘", "苑", "寮", "ハイツ", "マンション",
    "コーポ", "団地", "住宅", "会館", "教会", "寺", "神社", "商店", "食堂", "医療センター", "園", "学園",
    # kinds that end a business's or a service's name: あさひ内科クリニック, ミナミ介護サービス, ライフ不動産
    "訪問看護", "介護サービス", "福祉サービス", "ケアサービス", "不動産", "工務店", "住建", "商事", "商会", "建設",
    "こどもの家", "子どもの家", "デイ",
    # offices and workshops: すみれ訪問介護事業所, つばさ工房 (就労支援)
    "訪問介護事業所", "居宅介護支援事業所", "相談支援事業所", "事業所", "工房",
    "整骨院", "接骨院", "鍼灸院", "治療院", "調剤薬局",
    # shops and works by their trade: 大和田製作所, ヤマキチ青果店
    "製作所", "鉄工所", "青果店", "精肉店", "鮮魚店", "電器店", "理髪店", "庵", "運送", "運輸",
    "小児科", "眼科", "皮膚科", "耳鼻科", "耳鼻咽喉科", "整形外科", "心療内科", "婦人科", "産婦人科",
    # centres named by their place: 鶯ヶ丘地域包括支援センター
    "地域包括支援センター", "包括支援センター", "ケアプランセンター", "老人福祉センター",
)
_FACILITY_RE = re.compile("(" + "|".join(sorted(map(re.escape, FACILITY_SUFFIXES), key=len, reverse=True)) + ")")
# Words between a facility's own name and its kind: 桃谷中央病院, はくよう記念病院, 第二光栄荘.
_FACILITY_MID = r"(?:中央|記念|総合|在宅|地域|通り|駅前|市民|協立|共立|医療|メディカル|ファミリー|リハビリテーション|第[一二三四五]|東|西|南|北|" \
                r"心療内科|内科|整形外科|外科|歯科|小児科|眼科|皮膚科|耳鼻咽喉科|耳鼻科|精神科|泌尿器科|婦人科|産婦人科)"
# 松風原記念病院: one place kanji may end the name before the middle words.
_FACILITY_AFTER_NAME = re.compile(rf"(?:[原台野丘森谷浜里](?={_FACILITY_MID}))?{_FACILITY_MID}{{0,2}}" + _FACILITY_RE.pattern)
# Kinds of clinic written before クリニック, not its name: 美容クリニック, 訪問クリニック.
_CLINIC_KINDS = frozenset(("美容", "訪問", "往診", "在宅", "心療", "整形", "形成", "皮膚", "小児", "女性", "男性", "専門", "夜間",
                           "休日", "救急", "検診", "健診", "透析", "不妊", "漢方", "発達", "物忘れ", "睡眠", "禁煙", "肥満", "糖尿"))
# Suffixes of homes and buildings: any short noun before them is a name (緑風荘, 光栄荘, 寿楽園).
_BUILDING_SUFFIX = {"荘", "苑", "園", "寮", "ハイツ", "コーポ", "ハイム", "学園"}
# Kana names before these are names of homes and buildings (さくら苑, ひまわり荘); not before 病院.
_KANA_FACILITY = {"荘", "苑", "寮", "ハイツ", "マンション", "コーポ", "ホーム", "会館", "保育園", "保育所", "幼稚園",
                  "クリニック", "医院", "作業所", "デイサービス", "園", "学園", "診療所", "食堂", "訪問看護", "介護サービス",
                  "福祉サービス", "ケアサービス", "不動産", "工務店", "住建", "商事", "商会", "こどもの家", "子どもの家",
                  "デイ", "内科", "歯科", "薬局", "病院", "デイサービスセンター", "デイケア", "グループホーム", "ケアハウス",
                  "訪問看護ステーション", "ヘルパーステーション", "訪問介護事業所", "居宅介護支援事業所", "相談支援事業所",
                  "事業所", "工房", "整骨院", "接骨院", "鍼灸院", "治療院", "調剤薬局",
                  "製作所", "鉄工所", "青果店", "精肉店", "鮮魚店", "電器店", "理髪店", "庵", "運送", "運輸",
                  "小児科", "眼科", "皮膚科", "耳鼻科", "耳鼻咽喉科", "整形外科", "心療内科", "婦人科", "産婦人科"}
# A kana name with one kanji of a place after it: ひかり台, さくら野, みどり丘 (…小学校, …こどもの家).
_PLACE_KANJI = "台野丘原坂里谷森浜町"
# Flat buildings named after the kind: コーポ蒲生, ハイツ桃谷, メゾン中川 (the room number goes with them).
_BUILDING_PREFIX = re.compile(rf"(?:[\u30a1-\u30faー]{{1,5}}・?)?(コーポ|ハイツ|メゾン|レジデンス|シャトー|ハイム|パレス|グランドール)"
                              rf"\s?(?!(?:前|横|裏|内|側|周辺|付近)(?![{_CJK}]))([{_CJK}\u30a1-\u30faー]{{1,8}})")
# French-style names, also in hiragana: メゾン・ド・さくら.
_BUILDING_DOT = re.compile(rf"(?:コーポ|ハイツ|メゾン|レジデンス|シャトー|ハイム|パレス)・(?:ド・|デ・)?"
                           rf"(?:(?![にでをがへ])[{_CJK}\u3041-\u3096\u30a1-\u30faー]){{1,8}}?(?=\s?\d|[、。」』)）\s]|$)")
# A room number after a named building: コーポ蒲生203号, さくら荘 2号室.
# A bare number counts when kana, punctuation or the end follows (ハイツ楓丘203の前), not a unit (2人).
_ROOM_AFTER = re.compile(r"\s?(?:第)?\d{1,4}(?:\s?号(?:室|棟)?|\s?棟|(?![\d\w%.:/-])|(?=[\u3041-\u3096、。,)）」』]))"
                         r"(?:\s?\d{1,4}\s?号室)?")
# Public housing named after its estate: 府営みなみ野住宅3号棟, 市営ひばり台住宅.
_PUBLIC_HOUSING = re.compile(rf"(?:府営|市営|県営|都営|区営|公営|UR|公団)([{_CJK}\u3041-\u3096\u30a1-\u30faー]{{1,10}}?)"
                             r"(?:住宅|団地|ハイツ|アパート)")
# Organisations under their legal form: 社会福祉法人あさかぜ会, 医療法人ひだまり会.
_LEGAL_ENTITY = re.compile(rf"(?:社会福祉法人|医療法人(?:社団|財団)?|NPO法人|特定非営利活動法人|一般社団法人|一般財団法人|"
                           rf"公益社団法人|公益財団法人|学校法人)\s?(?![にのがをではとも])[{_CJK}\u3041-\u3096\u30a1-\u30faーA-Za-z]{{1,12}}?"
                           rf"(?:福祉会|協会|学園|会|園|苑|舎)(?=[\s、。,)）」』のにでがはとも]|$)")

# Companies under their legal form, before or after the name: 株式会社ナニワ運送, 丸福工業株式会社, (株)ミナミ.
_COMPANY_BEFORE = re.compile(rf"(?:株式会社|有限会社|合同会社|\(株\)|\(有\))\s?(?:(?![にでをがはへとものや])[\u3041-\u3096]{{2,6}})?"
                             rf"[{_CJK}\u30a1-\u30faーA-Za-z0-9&・]{{2,12}}")
_COMPANY_AFTER = re.compile(rf"[{_CJK}\u30a1-\u30faーA-Za-z0-9&・]{{2,12}}(?:株式会社|有限会社|合同会社|\(株\)|\(有\))")
# Kinds of care facility written before their name: デイサービスあおぞら, グループホームひまわり.
FACILITY_KIND_PREFIXES = (
    "デイサービスセンター", "デイサービス", "デイケア", "グループホーム", "ケアホーム", "特別養護老人ホーム", "特養",
    "有料老人ホーム", "老人ホーム", "介護老人保健施設", "老健", "サービス付き高齢者向け住宅", "サ高住", "ケアハウス",
    "訪問看護ステーション", "ヘルパーステーション", "訪問介護事業所", "居宅介護支援事業所", "小規模多機能ホーム",
    "小規模多機能", "就労継続支援A型", "就労継続支援B型", "就労支援B型", "就労移行支援", "作業所", "ショートステイ",
    "放課後等デイサービス", "放課後デイ", "子ども食堂", "こども食堂", "保育園", "クリニック", "老人保健施設",
    "介護付き有料老人ホーム", "住宅型有料老人ホーム", "ふれあい喫茶", "子育てサロン", "ふれあいサロン", "いきいきサロン",
    "喫茶", "カフェ", "ケアプランセンター", "居宅介護支援センター", "相談支援事業所", "訪問介護ステーション",
    "地域包括支援センター", "包括支援センター", "工房", "就労移行支援事業所", "就労継続支援事業所",
)
_HIRAGANA_NAME_ONLY = ("喫茶", "カフェ")   # 喫茶コーナー, カフェスペース are kinds of room, not names
_KIND_PREFIX_RE = re.compile("(" + "|".join(sorted(map(re.escape, FACILITY_KIND_PREFIXES), key=len, reverse=True))
                             + r")\s?")
_KIND_BEFORE = re.compile("(?:" + "|".join(sorted(map(re.escape, FACILITY_KIND_PREFIXES), key=len, reverse=True))
                          + r")\s?$")
# One kanji that may end a home's name after its kana part: こもれび庵, ひばり野, あおぞら館.
_NAME_END_KANJI = frozenset(_PLACE_KANJI) | frozenset("庵苑荘寮舎館亭堂家園郷草")
# Kana or kanji endings that belong to a home's name: さくらの里, ひだまりの家.
_NAME_TAIL = re.compile(r"の(?:里|家|郷|森|園|杜|丘|風|庭|樹|街|いえ|さと|もり|その|おか)")


def _find_facilities(s: str, toks: list[_Tok], used: set[int]) -> list[tuple[int, int, str]]:
    """Named facilities and buildings, as spans of the normalised text; `used`: tokens a name has taken."""
    out: list[tuple[int, int, str]] = []
    # Facilities named by a proper noun or a kana name: 桃谷小学校, さくら苑, ひまわり荘, はくよう記念病院.
    for k, t in enumerate(toks):
        if k in used or t.pos[1] == "数詞" or t.pos[0] in ("助詞", "助動詞", "補助記号", "空白", "副詞", "連体詞", "接続詞",
                                                           "感動詞", "代名詞"):
            continue
        fac = _FACILITY_AFTER_NAME.match(s, t.end)
        if not fac:
            continue
        if _is_placeholder(t.surface) or t.surface in _ward_names() or _strip_city(t.surface) == "":
            continue
        suffix = fac.group(1)
        mid = fac.start(1) > t.end
        kana_first = _kana_start(toks, k) if _KANA.match(t.surface) else k
        place_kanji = False
        if kana_first == k and len(t.surface) == 1 and t.surface in _PLACE_KANJI and k > 0 \
                and toks[k - 1].end == t.start and _KANA.match(toks[k - 1].surface) \
                and toks[k - 1].pos[0] not in ("助詞", "助動詞"):
            kana_first = _kana_start(toks, k - 1)   # さくら野こどもの家: a kana name with a place's kanji
            place_kanji = t.start - toks[kana_first].start >= 2
        if kana_first < k or _KANA.match(t.surface):
            p = kana_first - 1
            if p >= 0 and toks[p].end == toks[kana_first].start and toks[p].proper \
                    and re.fullmatch(rf"[{_CJK}]{{1,4}}", toks[p].surface) \
                    and not toks[p].surface.endswith(("区", "市", "府", "町", "村")):
                kana_first = p   # 巽みなみ病院, 大阪あゆみクリニック: a place name, then a kana name, then the kind
                mid = True
        compound = _no_compound_start(toks, kana_first)
        if compound is not None:
            kana_first = compound   # 鶴ノ森内科クリニック, 桜ヶ丘会館: a place name joined with ノ/ヶ
        name = s[toks[kana_first].start:t.end]
        ok = t.proper and t.noun or place_kanji and suffix in _KANA_FACILITY or compound is not None
        if not ok and (_KANA_RUN.match(name) or mid and _KANA.match(t.surface)) and len(name) >= 2 \
                and name not in _GENERIC_KANA and (mid or t.surface not in _GENERIC_KANA) and (suffix in _KANA_FACILITY or mid):
            ok = kana_first < k or t.noun or t.pos[0] in ("形状詞", "副詞") or (
                t.pos[0] == "動詞" and len(t.surface) >= 3 and re.fullmatch(r"[\u3041-\u3096ー]+", t.surface) is not None)
            # ほほえみ苑, やすらぎ荘: a verb's noun form in hiragana is a common name for a home
        if not ok and suffix in _BUILDING_SUFFIX and t.noun and re.fullmatch(rf"[{_CJK}]{{1,4}}", t.surface) \
                and t.surface not in ROLE_WORDS and t.surface not in _NOT_TOWN:
            ok = True   # 緑風荘, 寿楽園: any short noun before a home's suffix is its name
            kana_first = _kanji_run_start(toks, kana_first)
        elif not ok and suffix in _BUILDING_SUFFIX and t.pos[0] == "接尾辞" and re.fullmatch(rf"[{_CJK}]", t.surface) \
                and (first := _kanji_run_start(toks, k)) < k:
            ok, kana_first = True, first   # 翠|風|苑: the analyser reads a kanji of the name as a suffix
        if not ok and suffix in ("クリニック", "医院") and not mid and t.noun and t.pos[2] == "一般" \
                and re.fullmatch(rf"[{_CJK}]{{2,3}}", t.surface) and not t.surface.endswith("科") \
                and not re.fullmatch(_FACILITY_MID, t.surface) and not _is_role(t.surface) and t.surface not in _NOT_TOWN \
                and t.surface not in _CLINIC_KINDS \
                and not (k > 0 and toks[k - 1].end == t.start and re.match(rf"[{_CJK}]", toks[k - 1].surface[-1])):
            ok = True   # 萌黄クリニック, 若草医院: a word standing alone before a clinic names it (not 精神科クリニック)
        if not ok and not mid and re.fullmatch(rf"[{_CJK}]", t.surface) and t.pos[0] in ("名詞", "接尾辞") \
                and (first := _kanji_run_start(toks, k)) < k and _surname_shaped(s[toks[first].start:t.end]) \
                and not (first > 0 and toks[first - 1].end == toks[first].start
                         and re.match(rf"[{_CJK}]", toks[first - 1].surface[-1])):
            ok, kana_first = True, first   # 鵙川病院, 鵙沼住宅: named after a surname the analyser cut in two
        if not ok and t.noun and "記念" in fac.group() and re.fullmatch(rf"[{_CJK}]{{1,4}}", t.surface) \
                and t.surface not in ROLE_WORDS and t.surface not in _NOT_TOWN:
            ok = True   # 松風原記念病院: a noun before 記念病院 is the name it commemorates
        if ok:
            start = toks[kana_first].start + (len(name) - len(_strip_city(name)))
            if num := re.search(rf"第[{_KANJI_NUM}\d]{{1,3}}$", s[max(0, start - 4):start]):
                start = max(0, start - 4) + num.start()   # 第二光栄荘
            out.append((start, fac.end(), "facility"))
    for rx, mark in ((_BUILDING_PREFIX, ""), (_BUILDING_DOT, "・"), (_PUBLIC_HOUSING, "営"), (_LEGAL_ENTITY, "法人"),
                     (_COMPANY_BEFORE, "会社"), (_COMPANY_AFTER, "会社"), (_COMPANY_BEFORE, "(")):
        if mark in s or rx is _PUBLIC_HOUSING and ("UR" in s or "公団" in s):
            out += [(m.start(), m.end(), "facility") for m in rx.finditer(s)]
    out += _facilities_after_kind(s, toks)
    out += _schools(s, toks)
    out += _quoted_facilities(s, toks)
    return [(a, b, k) for a, b, k in out if not _famous_place(s[a:b])]


def _kanji_run_start(toks: list[_Tok], k: int) -> int:
    """The first of the kanji nouns (or suffixes) glued before toks[k] that make one short name with it
    (琴|箕 荘 is 琴箕荘, 翠|風 苑 is 翠風苑): at most 4 kanji, never a role, a ward or a number."""
    first = k
    while first > 0 and toks[first - 1].end == toks[first].start and toks[k].end - toks[first - 1].start <= 4 \
            and re.fullmatch(rf"[{_CJK}]+", toks[first - 1].surface) and toks[first - 1].pos[0] in ("名詞", "接尾辞") \
            and toks[first - 1].pos[1] != "数詞" and not _is_role(toks[first - 1].surface) \
            and toks[first - 1].surface not in _ward_names() and toks[first - 1].surface not in _NOT_TOWN:
        first -= 1
    if toks[first].pos[0] == "接尾辞":
        return k
    return first


def _no_compound_start(toks: list[_Tok], k: int) -> int | None:
    """Where a place name joined with ノ or ヶ ends at toks[k] starts (鶴ノ森, 桜ヶ丘), else None."""
    if k >= 2 and toks[k - 1].surface in ("ノ", "ヶ", "ケ", "之") and toks[k - 2].end == toks[k - 1].start \
            and toks[k - 1].end == toks[k].start and re.fullmatch(rf"[{_CJK}]{{1,3}}", toks[k - 2].surface) \
            and re.fullmatch(rf"[{_CJK}]{{1,3}}", toks[k].surface):
        return k - 2
    return None


def _famous_place(text: str) -> bool:
    """甲子園, 後楽園: a landmark the dictionary knows as one place name, not a home ending in 園/苑/荘."""
    return text.endswith(("園", "苑", "荘")) and any(e[:3] == ("名詞", "固有名詞", "地名") for e in _entries(text))


# A name in quotes ending like a place people gather: 「やすらぎの家」, 「もぐもぐキッチン」, 『ひだまり工房』.
_QUOTED = re.compile(rf"[「『]([{_CJK}\u3041-\u3096\u30a1-\u30faー]"
                     rf"[{_CJK}\u3041-\u3096\u30a1-\u30faー]{{1,8}}?(?:の家|の里|の郷|キッチン|食堂|カフェ|サロン|ハウス|"
                     rf"ひろば|広場|工房|苑|荘))\s?(?:[(（][^()（）「」]{{1,8}}[)）])?[」』]")
# A place to drop in named around its kind: ほっとスペースみなみ, いこいサロンきた.
_KIND_INSIDE = re.compile(r"(?<![\u3041-\u3096\u30a1-\u30fa])[\u3041-\u3096]{2,5}(?:スペース|ひろば|サロン|カフェ|ハウス)"
                          r"(?![にでをがはへとものや])[\u3041-\u3096]{2,4}(?=[のでにへがはと、。」』)）\s]|$)")


# A name in quotes right after the kind of place: デイサービス「ぽかぽか」, 子ども食堂『みんなのテーブル』.
# Not after the name of a gathering (ふれあい喫茶「さくら」, いきいきサロン「…」): an activity of the neighbourhood,
# named like a club, not a place that identifies whom it serves.
_CARE_KINDS = tuple(k for k in FACILITY_KIND_PREFIXES if not k.endswith(("喫茶", "カフェ", "サロン"))) + ("施設", "事業所")
_KIND_THEN_QUOTED = re.compile("(?:" + "|".join(sorted(map(re.escape, _CARE_KINDS), key=len, reverse=True))
                               + rf")の?\s?[「『]([{_CJK}\u3041-\u3096\u30a1-\u30faーA-Za-z0-9・]{{2,12}})[」』]")


# A centre or house named in kana after its kind: ワークセンターひだまり, ケアハウスやまびこ.
_KATA_KIND_KANA = re.compile(r"[\u30a1-\u30faー]{2,8}(?:センター|ハウス|ステーション|プラザ)(?![にでをがはへともの])"
                             r"[\u3041-\u3096ー]{3,6}(?=[にでをがはへとものや、。」』)）\s]|$)")


def _quoted_facilities(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    out = []
    for m in _KATA_KIND_KANA.finditer(s):
        name_start = max(s.rfind(k, m.start(), m.end()) + len(k) for k in ("センター", "ハウス", "ステーション", "プラザ")
                         if s.rfind(k, m.start(), m.end()) >= 0)
        inside = [t for t in toks if t.start < m.end() and t.end > name_start]
        if inside and inside[0].start == name_start and inside[-1].end == m.end() \
                and all(t.pos[0] == "名詞" for t in inside) and s[name_start:m.end()] not in _GENERIC_KANA:
            out.append((m.start(), m.end(), "facility"))
    for m in _KIND_INSIDE.finditer(s):
        inside = [t for t in toks if t.start < m.end() and t.end > m.start()]
        # おしゃれカフェだった, のんびりカフェでした: the kana must start a word and end as a name, not a verb
        if not inside or inside[0].start != m.start() or inside[-1].end != m.end() \
                or any(t.pos[0] in ("助詞", "助動詞", "動詞") for t in inside[1:]) or inside[0].pos[0] == "助詞":
            continue
        out.append((m.start(), m.end(), "facility"))
    if "「" not in s and "『" not in s:
        return out
    for m in _QUOTED.finditer(s):
        name = m.group(1)
        head = re.sub(r"(?:の家|の里|の郷|キッチン|食堂|カフェ|サロン|ハウス|ひろば|広場|工房|苑|荘)$", "", name)
        bare = re.sub(r"(?:ちゃん|さん|様)$", "", head)
        if name in FACILITY_KIND_PREFIXES or head in _GENERIC_KANA or _is_role(bare) or bare in KIN_WORDS \
                or head in ("子ども", "子供", "地域", "みんな", "自分", "実", "本人"):
            continue   # 「こども食堂」, 「母の家」: a kind or someone's home, not a name
        out.append((m.start(1), m.end(1), "facility"))
    for m in _KIND_THEN_QUOTED.finditer(s):
        name = m.group(1)
        inside = [t for t in toks if t.start >= m.start(1) and t.end <= m.end(1)]
        # a phrase, not a name: a particle or a verb inside (今月はお休み), or kanji common words only (利用開始)
        # (an all-kana name may hold what the analyser takes for a verb: すまいる, なごみ)
        verbs = ("助詞", "助動詞") if _KANA_RUN.match(name) else ("助詞", "助動詞", "動詞")
        if any(t.pos[0] in verbs and t.surface != "の" for t in inside) \
                or re.fullmatch(rf"[{_CJK}]+", name) and all(t.pos[:2] == ("名詞", "普通名詞") for t in inside) \
                and not _FACILITY_RE.search(name[1:]) \
                or name in _GENERIC_KANA or _is_role(name) and not _named_station(name) \
                or re.search(r"[型級]$|^[A-Za-z0-9]{1,3}$", name):
            continue   # 作業所「B型」: a type of service, not a name
        out.append((m.start(1), m.end(1), "facility"))
    return out


def _named_station(name: str) -> bool:
    """ひだまりケアステーション: a kana name before a kind of office is a name, not a role."""
    m = re.fullmatch(r"([\u3041-\u3096]{2,6})([\u30a1-\u30faー]{3,10})", name)
    return m is not None and m.group(1) not in _GENERIC_KANA and m.group(2).endswith(("ステーション", "センター", "プラザ"))


def _kana_start(toks: list[_Tok], k: int) -> int:
    """The first of the kana words glued before toks[k] (はく|よう病院: the whole kana run is the name)."""
    first = k
    while (first > 0 and toks[first - 1].end == toks[first].start and _KANA.match(toks[first - 1].surface)
           and toks[first - 1].pos[0] not in ("助詞", "助動詞") and toks[k].end - toks[first - 1].start <= 8
           and toks[first - 1].surface not in _GENERIC_KANA):   # グループ|ホーム|すずらん苑: the kind is not the name
        first -= 1
    return first


def _place_at(toks: list[_Tok], k: int | None) -> int | None:
    """The end of a place name (a town or a ward without 区: 住吉, 城東, 巽) at toks[k], else None."""
    if k is None or k >= len(toks):
        return None
    t = toks[k]
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    # a town the analyser may tag as a surname (巽, 平野), not a person: no honorific after it
    if (t.proper or t.surface in _ward_names() and t.surface[-1:] not in "区市府") \
            and re.fullmatch(rf"[{_CJK}]{{1,3}}", t.surface) and (
                nxt is None or nxt.start > t.end or not re.fullmatch(rf"[{_CJK}]+", nxt.surface)
                and nxt.surface not in HONORIFICS and nxt.pos[0] != "接尾辞" and not _is_role(nxt.surface)
                and not re.fullmatch(r"[A-Za-z]+", nxt.surface)):
        return t.end
    return None


def _widen_facilities(s: str, out: list[tuple[int, int, str]], toks: list[_Tok]) -> None:
    """Widen, in place, every facility span over the kind written before it, a place written after its name
    (デイサービスやすらぎ平野, あおぞらデイ鶴見) and a room number after it."""
    by_start = {t.start: i for i, t in enumerate(toks)} if any(k == "facility" for _, _, k in out) else {}
    for i, (start, end, kind) in enumerate(out):
        if kind == "facility" and (place_end := _place_at(toks, by_start.get(end))) is not None:
            out[i] = (start, place_end, kind)
    # The kind written before a named home belongs to the name: ケアハウス緑風荘, 特別養護老人ホーム寿楽園.
    for i, (start, end, kind) in enumerate(out):
        if kind == "facility" and (pre := _KIND_BEFORE.search(s, max(0, start - 16), start)) \
                and not _KIND_PREFIX_RE.match(s, start):   # 就労継続支援A型 工房ひだまり: the name starts with its own kind
            out[i] = (pre.start(), end, kind)
    # A school's owner written bare before it is part of how it is named (市立萩ノ台小学校), unless a city is named.
    for i, (start, end, kind) in enumerate(out):
        if kind == "facility" and start >= 2 and s[start - 2:start] in _BARE_OWNERS \
                and not re.match(rf"[{_CJK}]", s[start - 3:start - 2]) and _SCHOOL_RE.search(s, start, end):
            out[i] = (start - 2, end, kind)
    # A room number right after a named building belongs to it (コーポ蒲生203号, さくら荘 2号室).
    for i, (start, end, kind) in enumerate(out):
        if kind == "facility" and (r := _ROOM_AFTER.match(s, end)):
            out[i] = (start, r.end(), kind)


def _facilities_after_kind(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    by_start = {t.start: i for i, t in enumerate(toks)}
    out = []
    for m in _KIND_PREFIX_RE.finditer(s):
        k = by_start.get(m.end())
        if k is None:
            continue
        hiragana_only = m.group(1) in _HIRAGANA_NAME_ONLY
        place = None
        # The run must not read as a particle + verb phrase (をつなぐ, やってる, にいって); a place may
        # follow it (デイサービスほほえみ住吉).
        if not hiragana_only and (run := re.match(rf"[\u3041-\u3096\u30a1-\u30faー]{{3,8}}(?=[、。」』）)\s]|$|[{_CJK}])",
                                                  s[m.end():])) \
                and (m.end() + run.end() == len(s) or not re.match(rf"[{_CJK}]", s[m.end() + run.end()])
                     or (place := _place_at(toks, by_start.get(m.end() + run.end()))) is not None) \
                and run.group()[0] not in "をがはでもやへとの" and run.group()[-1] not in "るたてだすくぐむぶつういねよ":
            if place is not None and run.group()[-1] not in "のにでをがはへとも" or not _entries(run.group()) or _KANA_RUN.match(run.group()) and run.group() not in _GENERIC_KANA \
                    and not any(e[0] in ("動詞", "助動詞", "形容詞") for e in _entries(run.group())):
                out.append((m.start(), m.end() + run.end(), "facility"))
                continue
        if hiragana_only and (hira := re.match(r"(?![にでをがはへとものだじ])[\u3041-\u3096ー]{2,8}", s[m.end():])):
            # 喫茶きらくにおる: the analyser cuts an unknown kana name anyhow; the name ends at a particle
            name = re.match(r"..[^にでをがはへともの]*", hira.group()).group()
            if toks[k].pos[0] not in ("動詞", "連体詞", "代名詞", "副詞", "接続詞", "形容詞") and name not in _GENERIC_KANA and (
                    m.end() + len(name) == len(s) or not re.match(r"[\u3041-\u3096ー]", s[m.end() + len(name)])
                    or s[m.end() + len(name)] in "にでをがはへともの"):
                out.append((m.start(), m.end() + len(name), "facility"))
                continue
        t = toks[k]
        named = re.match(rf"[{_CJK}]{{2,3}}(?![{_CJK}])", s[m.end():])
        if named and _surname_shaped(named.group()) and not _FACILITY_RE.match(s, m.end() + named.end()):
            out.append((m.start(), m.end() + named.end(), "facility"))   # ケアハウス鵙沼: after its kind
            continue
        kana = _KANA.match(t.surface) is not None
        if not t.noun or t.pos[1] == "数詞" or t.surface in _GENERIC_KANA or t.surface in ROLE_WORDS:
            continue
        kanji_name = (re.fullmatch(rf"[{_CJK}]{{1,3}}", t.surface) is not None and t.pos[2] == "一般"
                      and _NAME_TAIL.match(s, t.end) is not None)   # グループホーム桔梗の家: a common word, then の家
        if not (kana and len(t.surface) >= 2 or t.proper or kanji_name) or _is_placeholder(t.surface):
            continue
        if hiragana_only and not (t.proper or re.fullmatch(r"[\u3041-\u3096ー]+", t.surface)):
            continue
        if t.surface in _ward_names():
            continue
        if _honorific_or_title(s, t.end):
            continue   # クリニック 平塚医師: the doctor, not a clinic called 平塚
        if _FACILITY_RE.match(s, t.end):
            continue   # 特別養護老人ホームさくら苑: the name with its own suffix is found as such
        end = t.end
        # kana words that continue the name (ひだまり・ハウス is rare; さくらの里 is common)
        while (k + 1 < len(toks) and toks[k + 1].start == end and toks[k + 1].noun
               and _KANA.match(toks[k + 1].surface) and toks[k + 1].surface not in _GENERIC_KANA and end - m.end() < 10):
            k += 1
            end = toks[k].end
        if tail := _NAME_TAIL.match(s, end):
            end = tail.end()
        elif k + 1 < len(toks) and toks[k + 1].start == end and toks[k + 1].pos[0] == "接尾辞" \
                and toks[k + 1].surface in _NAME_END_KANJI:
            end = toks[k + 1].end   # デイサービスこもれび庵, …ひばり野: a kanji ending of the name (not …さくら内)
        out.append((m.start(), end, "facility"))
    return out


def _honorific_or_title(s: str, pos: int) -> bool:
    return s.startswith(HONORIFICS + ("医師", "Dr", "教諭", "看護師", "院長", "所長", "管理者"), pos)


_BARE_OWNERS = frozenset(("市立", "区立", "府立", "県立", "都立", "町立", "村立", "私立", "公立", "国立"))
_SCHOOL_RE = re.compile(r"(小学校区|中学校区|小学校|中学校|高等学校|高校|支援学校|養護学校|義務教育学校|中学|小学|"
                        r"短期大学|大学|専門学校)")
_SCHOOL_SHORT_RE = re.compile(r"(小|中|高)(?=(?:学区|校区)|[にのへをでがはとも、。）)」]|から|まで|出身|卒|[0-9]年)")
_SCHOOL_OWNER = re.compile(rf"^(?:(?:大阪)?[府市区町村]?立|私立|公立|国立|[{_CJK}]{{1,4}}[府市区町村]立)")
_NOT_SCHOOL_NAME = frozenset("毎日 地元 近く 近所 公立 私立 市立 府立 区立 同 各 当 本 他 別 新 旧 元 前 現 同じ 中 小 高 夜間 "
                             "通信 特別 普通 一般 男子 女子 附属 付属 地域 校区 学区".split())


def _schools(s: str, toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """School names, also under their short names: 生野南小学校, 大阪市立生野中学校 (the name from 生野 on), 田島小."""
    out = []
    starts = {t.start: t for t in toks}
    for rx in (_SCHOOL_RE, _SCHOOL_SHORT_RE):
        for m in rx.finditer(s):
            a = m.start()
            while a > 0 and re.match(rf"[{_CJK}]", s[a - 1]) and m.start() - a < 10:
                a -= 1
            kana_place = False
            if 0 < m.start() - a <= 2 and s[m.start() - 1] in _PLACE_KANJI:
                k = next((i for i, t in enumerate(toks) if t.end == a), None)
                if k is not None and _KANA.match(toks[k].surface) and toks[k].pos[0] not in ("助詞", "助動詞"):
                    a = toks[_kana_start(toks, k)].start   # ひかり台中学校: a kana name with a place's kanji
                    kana_place = a < toks[k].start or len(toks[k].surface) >= 2
            name = s[a:m.start()]
            if owner := _SCHOOL_OWNER.match(name):
                name = name[owner.end():]
                if len(owner.group()) > 2:
                    a += owner.end()   # 大阪市立生野中学校: the city is not part of the name; 市立萩ノ台小学校 keeps 市立
            if not name or name in _NOT_SCHOOL_NAME or name in ("大阪", "日本", "府", "市", "区"):
                continue
            if rx is _SCHOOL_SHORT_RE and _entries(name + m.group(1)):
                continue   # 田中, 豊中: a surname or a city the dictionary knows, not 田 + 中学校
            if a in starts and a > 0 and starts[a].pos[0] != "名詞" and rx is _SCHOOL_SHORT_RE:
                continue
            # The name must hold something proper (a place or a surname) or be a direction/number name.
            covering = [t for t in toks if t.start < m.start() and t.end > a]
            proper = any(t.proper or _has_surname_entry(t.surface) for t in covering)
            if not proper and not kana_place and not re.fullmatch(r"[東西南北中央第一二三四五六七八九十]{1,3}", name):
                continue
            if rx is _SCHOOL_SHORT_RE and not proper:
                continue   # 中 alone after 東 is too weak a sign
            if any(t.start == a and t.end == m.start() and (t.pos[:3] == ("名詞", "固有名詞", "人名") and
                   t.pos[3] == "名") for t in covering) and rx is _SCHOOL_SHORT_RE:
                continue   # 健太中: a given name, not a school
            out.append((a, m.end(), "facility"))
    return out
