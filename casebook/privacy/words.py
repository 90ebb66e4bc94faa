"""The words and characters the rules share: honorifics, role and kin words, placeholders (Aさん, ○○),
ward names, words that never name a town or a home, character classes, and the context words that
make a number something other than personal information."""

from __future__ import annotations

import re
from functools import cache

HONORIFICS = ("さん", "様", "さま", "氏", "ちゃん", "くん", "君", "先生", "医師", "殿", "はん", "どの")

# Words that are not a person even directly before an honorific: kin, roles, groups, shops.
ROLE_WORDS = frozenset("""
本人 長女 長男 次女 次男 三女 三男 四女 四男 末っ子 妻 夫 娘 息子 母 父 祖母 祖父 孫 兄 姉 弟 妹 叔母 伯母 叔父 伯父
お母 お父 おかあ おとう かあ とう お兄 お姉 兄貴 姉貴 おにい おねえ にい ねえ おばあ おじい ばあ じい おば おじ
お婆 お爺 婆 爺 おっ あか おく おかみ おかん おとん ぼっ おつかれ ごくろう おかげ ごちそう おおきに 嫁 婿 甥 姪 奥 旦那 ご主人 主人 家族 親戚 いとこ 従兄弟 子 子ども 子供 赤 お子 坊 お坊 嬢 お嬢
民生委員 児童委員 主任児童委員 委員 委員長 会長 副会長 町会長 自治会長 班長 区長 係長 課長 部長 所長 園長 校長 院長
主任 担任 担当 担当者 職員 先生 医師 主治医 看護師 保健師 薬剤師 社会福祉士 介護福祉士 ケアマネ ケアマネジャー
ケアマネージャー ヘルパー ホームヘルパー 相談員 支援員 生活支援員 コーディネーター 生活支援コーディネーター
ボランティア サポーター 見守り 店長 店主 大家 家主 管理人 隣人 近所 ご近所 友人 知人 仲間 住民 利用者 参加者
患者 皆 皆様 みな みんな 皆さん お客 客 お隣 向かい お向かい 社協 区社協 市社協 包括 地域包括 区役所 役所 警察 お巡り
巡査 消防 保育士 栄養士 理学療法士 作業療法士 弁護士 司法書士 後見人 成年後見人 保佐人 補助人 通訳 記者 議員 市長 区長
CSW MSW PSW SW Dr ドクター 学生 生徒 児童 ヤクルト 生協 コープ 郵便 新聞 宅配 配達 運転手 大工 ナース リーダー スタッフ メンバー お姉さん お兄さん 八百屋 魚屋 本屋 米屋 酒屋 床屋 パン屋
民生 民協 民児協 ボラ ボランティアさん わん にゃん ワン ニャン 包括 ケースワーカー ワーカー 生保 保護課 児相 保健センター 施設長
本名 旧姓 通称 愛称 氏名 名前 呼び名 あだ名 お医者 医者 歯医者 お店 店 業者 神父 牧師 住職 お坊さん 和尚 大将 女将 親方 先輩 後輩 同僚 上司 部下 相手 相方
""".split())
_ROLE_SUFFIX = re.compile(r"(者|員|師|士|長|屋|人|家|主|官|医|役|係|会|協|所|院|課|局|室|部|班|センター|ステーション)$")

# Family and close relations: a kana word right after one of these may be a given name (娘のあやか).
KIN_WORDS = frozenset("""
長女 長男 次女 次男 三女 三男 四女 四男 末っ子 妻 夫 娘 息子 母 父 祖母 祖父 孫 兄 姉 弟 妹 叔母 伯母 叔父 伯父 嫁 婿 甥 姪
いとこ 従兄弟 従姉妹 義母 義父 義姉 義兄 義妹 義弟 実母 実父 養母 養父 母親 父親 子 長子 末子 内縁 友人 知人 隣人 親友 彼氏 彼女
""".split())

# Common words the analyser sometimes takes for rare surnames when they stand alone.
NOT_NAMES = frozenset("見方 味方 科部 地方 前方 後方 仕方 両方 夕方 明方 大方 先方 他方 当方 貴方 目方 片方".split())

# Placeholder tokens: A, B, AB, A子, B男, ○○, 〇〇, ××, 某, X.
_PLACEHOLDER = re.compile(r"^(?:[A-Z]{1,2}[0-9']?(?:子|男|夫|美|代)?|[○〇◯●×△□＊*]+|某|なにがし)$")


def _is_placeholder(surface: str) -> bool:
    return _PLACEHOLDER.match(surface) is not None


def _is_role(surface: str) -> bool:
    if surface in ROLE_WORDS or surface.removeprefix("お").removeprefix("ご") in ROLE_WORDS:
        return True
    return _ROLE_SUFFIX.search(surface) is not None and len(surface) >= 2


# --- places: wards, and words that are never a town's or a home's own name ----------------------

@cache
def _ward_prefix() -> re.Pattern:
    from casebook import vocab
    names = "|".join(sorted((re.escape(n) for n in vocab.ward_names()), key=len, reverse=True))
    return re.compile(rf"^(?:大阪府)?(?:大阪市)?(?:{names})?")


@cache
def _ward_names() -> frozenset[str]:
    from casebook import vocab
    return frozenset(vocab.ward_names()) | {n.removesuffix("区") for n in vocab.ward_names()} | {
        "大阪", "大阪市", "大阪府", "日本", "府", "市"}


def _strip_city(text: str) -> str:
    return text[_ward_prefix().match(text).end():]


# Words about the dwelling itself or a document, never the town before a block number.
_NOT_TOWN = frozenset("住所 自宅 実家 宅 本人 世帯 団地 住宅 市営住宅 府営住宅 文化住宅 旧住所 現住所 所在地 番地 近く 隣 "
                      "向かい 資料 番号 受付 第 項 章 表 図 同 計 約 各 全".split())

# Kana words that name a kind of activity, not one place (ふれあい喫茶, いきいき活動, こども食堂).
_GENERIC_KANA = {"こども", "ふれあい", "いきいき", "みんな", "ちいき", "ボランティア", "ケア", "デイ", "ショート",
                 "グループ", "サービス", "ホーム", "コミュニティ", "サロン", "ヘルパー", "リハビリ", "メンタル"}

# --- characters and numbers as case records write them -----------------------------------------

# Kanji (with 々〆ヶ); a run of kana; a word wholly in kana; kanji numerals; a block number; an era.
_CJK = r"\u3400-\u9fff\uf900-\ufaff々〆ヶ"
_KANA_RUN = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー]+$")
_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30faー]+$")
_KANJI_NUM = "〇一二三四五六七八九十百千"
_N = rf"(?:\d{{1,4}}|[{_KANJI_NUM}]{{1,4}})"
_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHR]\.?)"

# --- the context a number or a date is judged by ---------------------------------------------

# Numbers introduced as something else's number: receipts, applications, items (never an address).
_OTHER_NUMBER_INTRO = re.compile(r"(番号|No\.?|NO\.?|№|#|第|受付|整理|領収書?|レシート|伝票|注文|予約|資料|項|章|節|表|図|"
                                 r"条|要綱|手順|ページ|頁|ISBN|ISSN|p\.?|P\.?)\s?[:：はがの]?\s?$")


def _clause_before(s: str, pos: int, width: int = 30) -> str:
    """Up to `width` characters before `pos`, from the last sentence end on: where context words count."""
    window = s[max(0, pos - width):pos]
    cut = max(window.rfind(c) for c in "。\n！？")
    return window[cut + 1:]
