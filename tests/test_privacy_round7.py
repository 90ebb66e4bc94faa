"""Round 7 of issue #17: a second signal and rules by context class from the misses of pii_sixth.yaml
(measured blind after round 6, then used here for development). The sentences are fresh and fictional,
written before each rule: 46 of the 56 with personal information fail on the code of round 6 (the others
pin what a rule must keep finding), and of the 68 clean ones round 6 flagged one (まだデイサービス). Each
rule was counted against the clean sentences of every labelled set and the repository's own Japanese
text (9,583 lines: no new finding) before it was kept.

The second signal (casebook/privacy/likeness.py): how name-like a word's characters are, from character
pairs of the names and the ordinary nouns in SudachiPy's own dictionary (benchmarks/build_name_ngrams.py).
It is asked only where the context already points at a person: a kana word after a family word and の,
alone after the last sentence end of a message, before です in a greeting, after 長男・ in a list, after 姓は.

Classes: given names alone with no surname (孫の そうた くん, a message signed 。みちよ, 「いなばです」,
孫の紗英です, うち、ちよこ。); family lists with ・ (長男・ともや); a surname stated after 姓は or 名字は
without quotes; a name in a list of two after one already found ((悠真・こはる), 岡部、みさき); part of a
found full name said again alone (カルロス・メンドーサ … カルロス). Facilities: a hiragana name the analyser
cuts before its kind (よつ|ば薬局); a kana part glued before a facility found by the rest (あおば|中野ヘルパー
ステーション); a kanji-and-kana name after カフェ; one more kanji ending a kana name (…すずらん草); trades
(…運送, …運輸), a katakana building with a space before its room number (ル・シエル鶴町 602号室). A rare
surname read as two plain nouns before an honorific (岩風呂先生); a town no dictionary knows before
の and what a neighbourhood has (鴨川浜の見守り); a name written just before a phone in a note; a town after
its ward read as a surname, then its block (西淀川区鷺洲原3-5-2); a katakana name before です after a comma;
a two-kana name opening a message before です when its letters are very name-like (まさです); a message
signed after a dash (。―しげる), never a greeting (—またね); a full name in kana in quotes (「くぬぎ さとこ」); a kana name, a hall or
plaza and its place (ひだまりホール柏ノ森).
"""

from __future__ import annotations

import pytest

from privacy_support import check, found


def test_the_score_tells_names_from_nouns():
    from casebook.privacy.likeness import name_likeness
    for name in ("みよこ", "はるみ", "きよ", "梨花", "猪子"):
        assert name_likeness(name) > 0.5, name
    for noun in ("電話", "確認", "おばあちゃん", "運転手"):
        assert name_likeness(noun) < 0, noun
    # katakana is read as its hiragana; a word of symbols or Latin letters is scored 0 (nothing known)
    assert name_likeness("ミヨコ") == name_likeness("みよこ")
    assert name_likeness("abc") == 0.0


@pytest.mark.parametrize("text, expect", [
    # a kana given name after a family word and の, spaced or before an honorific
    ("孫の そうた くん（年長）が同居している。", [("person", "そうた")]),
    ("息子の ひろと と一緒に来所した。", [("person", "ひろと")]),
    ("姪の まいか ちゃんが時々泊まりに来る。", [("person", "まいか")]),
    # a message signed with a kana given name after its last sentence
    ("昼すぎに電話します。みちよ", [("person", "みちよ")]),
    ("「鍵は郵便受けに入れときました。すみえ」", [("person", "すみえ")]),
    # a kana name introducing a call or a message
    ("「こんにちは、いなばです。母の件でお電話しました」", [("person", "いなば")]),
    ("「もしもし、ともやです。父のことで相談が」", [("person", "ともや")]),
    # family lists joined with ・
    ("長男・ともや、次男・しょうたの三人暮らし。", [("person", "ともや"), ("person", "しょうた")]),
    ("家族構成：妻・るみ子、長女・あやね", [("person", "るみ子"), ("person", "あやね")]),
    # a surname stated after 姓は or 名字は
    ("姓は鰐淵、名は不明。", [("person", "鰐淵")]),
    ("相手の名字は蛭間だそうだ。", [("person", "蛭間")]),
    # a kanji given name that is also a common word, introduced after a family word
    ("「いつもお世話になってます、高木の孫の紗英です」", [("person", "紗英")]),
    # someone naming themselves after わたし/うち
    ("「うち、ちよこ。ちよちゃんって呼んで」", [("person", "ちよこ")]),
    ("「わたしは ふさえ です。よろしゅうに」", [("person", "ふさえ")]),
    # a name in a list of two after one already found (in brackets, joined with ・ or 、)
    ("兄弟二人（悠真・こはる）も来所。", [("person", "悠真"), ("person", "こはる")]),
    ("同席者：岡部、みさき", [("person", "岡部"), ("person", "みさき")]),
    # part of a found full name said again alone
    ("「カルロス・メンドーサです。カルロスでいいです」", [("person", "カルロス")]),
])
def test_names_in_context_by_likeness(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "娘のおかげで助かった。",
    "孫の ことは心配していない。",
    "息子の ため に貯金している。",
    "またね。ありがとう",
    "明日また来ます。よろしく",
    "今日は以上です。おわり",
    "了解しました。みんな",
    "「そうです、その通りです」",
    "「はい、だいじょうぶです」",
    "「こんにちは、わたしです」",
    "長男・長女とも別居。",
    "家族構成：妻・子ども二人",
    "姓は不明。",
    "名字は聞いていない。",
    "姓は変更なし、住所のみ変更。",
    "「娘の将来です、心配なのは」",
    "「うち、ここ。ここに住んでる」",
    "「わたしは まだ です」",
    "おやつ（せんべい・あめ）を持参。",
    "持ち物：タオル、はさみ",
])
def test_names_in_context_by_likeness_clean(text):
    assert not {t for k, t in found(text) if k == "person"}, found(text)


@pytest.mark.parametrize("text, expect", [
    # a hiragana name the analyser cuts in pieces before its kind
    ("よつば薬局で薬をもらう。", [("facility", "よつば薬局")]),
    ("こはる内科を受診。", [("facility", "こはる内科")]),
    # a kana part glued before a facility found by its kanji or katakana part
    ("あおば中野ヘルパーステーションの担当。", [("facility", "あおば中野ヘルパーステーション")]),
    ("サニーデイサービス桜台の送迎。", [("facility", "サニーデイサービス桜台")]),
    # a name in kanji and kana after カフェ or 喫茶 (a common noun as a name)
    ("カフェ木もれ陽でお茶をした。", [("facility", "カフェ木もれ陽")]),
    # one kanji that ends a kana name after its kind
    ("喫茶すずらん草に寄った。", [("facility", "喫茶すずらん草")]),
    # businesses by their trade
    ("丸三運送で働いている。", [("facility", "丸三運送")]),
    ("夫はミナト運輸の元運転手。", [("facility", "ミナト運輸")]),
])
def test_facilities_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "いつもの薬局で薬をもらう。",
    "近くの内科を受診。",
    "あたらしい病院に移った。",
    "ちいさな歯科医院。",
    "まだデイサービスには慣れない。",
    "カフェ形式で話し合う。",
    "カフェ利用は無料。",
    "喫茶コーナーで休憩。",
    "運送会社で働いていた。",
    "引っ越しは運送業者に頼んだ。",
])
def test_facilities_round7_clean(text):
    assert not {t for k, t in found(text) if k == "facility"}, found(text)


@pytest.mark.parametrize("text, expect", [
    # a surname the dictionary knows, a space and a given name in kana
    ("相談者 森川 ちか江さん（本人の姉）が来所。", [("person", "森川 ちか江")]),
    ("娘の松井 さやかさんに連絡した。", [("person", "松井 さやか")]),
    # a mobile number after a bare 番号 (not some other thing's number)
    ("「番号は 080-3141-5926 やで」", [("phone", "080-3141-5926")]),
    ("番号は090 2718 2818、夜はつながらない。", [("phone", "090 2718 2818")]),
    # a town no dictionary knows, before 地域, or before の and its block in kanji
    ("西鶯谷地域の住民から相談があった。", [("address", "西鶯谷")]),
    ("「娘はな、鴫之森の三丁目に住んどる」", [("address", "鴫之森の三丁目")]),
    # a town after the ward that the analyser cuts in two, then its block number
    ("送り先は生野区鷺見原3-2-11 でお願いします。", [("address", "鷺見原3-2-11")]),
])
def test_people_numbers_places_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "受付番号 12-345-678 で申し込んだ。",
    "周辺地域の見守り活動。",
    "近畿地域の研修会に参加。",
    "当該地域では高齢化が進む。",
    "近所の公園で会った。",
    "担当 田中 まで連絡を。",
])
def test_people_numbers_places_round7_clean(text):
    assert not {(k, t) for k, t in found(text) if k in ("phone", "address") or t.endswith("まで")}, found(text)


@pytest.mark.parametrize("text, expect", [
    # a chat ID after the service and id in brackets; the next handle in a list after one found
    ("LINE（id: kuma_sanpo）で連絡がきた。", [("line_id", "kuma_sanpo")]),
    ("「LINEは mikan.0412、弟は tomo_bb21 です」", [("line_id", "mikan.0412"), ("line_id", "tomo_bb21")]),
    # an e-mail with the @ written in lenticular brackets
    ("連絡先：hana.oka【アット】example.jp", [("email", "hana.oka【アット】example.jp")]),
    # a centre named by its place before its kind
    ("鶯ヶ丘地域包括支援センターに相談。", [("facility", "鶯ヶ丘地域包括支援センター")]),
    # a kana name that is also a plant, ending like a particle, before its kind
    ("ゆずりは内科で血液検査。", [("facility", "ゆずりは内科")]),
    # a kind, a kana name and a two-kanji word that ends the name
    ("いきいきサロン のんびり若草の参加者。", [("facility", "いきいきサロン のんびり若草")]),
    ("デイサービスぽかぽか稲田に週3回。", [("facility", "デイサービスぽかぽか稲田")]),
])
def test_contacts_and_facilities_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, allowed", [
    ("LINE（id 未登録）。", set()),
    ("「LINEは mikan.0412、電話は夜に」", {("line_id", "mikan.0412")}),
    ("デイサービスひまわり送迎車が来た。", {("facility", "デイサービスひまわり")}),
    ("デイサービスさくら休業のお知らせ。", {("facility", "デイサービスさくら")}),
    ("デイサービスあおぞら本日休み。", {("facility", "デイサービスあおぞら")}),
    ("地域包括支援センターに相談。", set()),
    ("生野区地域包括支援センターに相談。", set()),
])
def test_contacts_and_facilities_round7_clean(text, allowed):
    """Nothing beyond the name: not the next words (送迎車, 休業), not a ward before a kind."""
    assert found(text) <= allowed, found(text)


@pytest.mark.parametrize("text, expect", [
    # a katakana building name (with ・ or a place after it), a space, then its room number
    ("転居先：ル・シエル鶴町 602号室", [("facility", "ル・シエル鶴町 602号室")]),
    ("本人はコーポさくら 203号室に一人暮らし。", [("facility", "コーポさくら 203号室")]),
    # a rare surname the analyser reads as two common nouns, before an honorific or a title
    ("主治医は岩風呂先生、月に一度の受診。", [("person", "岩風呂")]),
    ("隣の部屋の石灯籠さんが見守ってくれている。", [("person", "石灯籠")]),
    # a town no dictionary knows, before の and what the neighbourhood has
    ("鴨川浜の見守り活動に参加している。", [("address", "鴨川浜")]),
    ("「千鳥台の自治会長さんに聞いてみ」", [("address", "千鳥台")]),
])
def test_buildings_surnames_towns_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "会議は本館 301号室で行う。",
    "訪問看護さんが週2回来る。",
    "新聞配達さんが異変に気づいた。",
    "看護学生さんが実習に来た。",
    "町内会長さんに相談した。",
    "地域の見守り活動に参加。",
    "砂浜の清掃活動。",
    "校区の自治会長さんに相談。",
])
def test_buildings_surnames_towns_round7_clean(text):
    assert not {(k, t) for k, t in found(text) if k in ("facility", "person", "address")}, found(text)


@pytest.mark.parametrize("text, expect", [
    # a surname, a space and a kana given name that is also a common word, before an honorific
    ("息子の嫁の吉川 ひかりさんが同席した。", [("person", "吉川 ひかり")]),
    # a kanji given name after a family word and の, before です
    ("「いつもすみません、坂口の孫の美咲です」", [("person", "美咲")]),
    # a katakana surname introducing itself after a comma
    ("「番号は前と同じです、ツジモトです」", [("person", "ツジモト")]),
    # a name written just before a phone number in a note
    ("玄関のメモに「たけし 090-2345-6789」とあった。", [("person", "たけし"), ("phone", "090-2345-6789")]),
    # a full name in kana in quotes
    ("読みは「ささき はるみ」で登録。", [("person", "ささき はるみ")]),
    # a town after the ward cut in two by the analyser, then its block number
    ("宛先は西淀川区鷺洲原3-5-2 まで。", [("address", "鷺洲原3-5-2")]),
])
def test_more_names_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    # a short kana given name opening a message before です: the dictionary has only fragments of words
    # for it, its letters are very name-like
    ("「まさです。母の件でお電話しました」", [("person", "まさ")]),
    ("LINEで「きよです、明日は休みます」と連絡。", [("person", "きよ")]),
    # a message signed after a dash, glued or after a sentence end
    ("また連絡します。―しげる", [("person", "しげる")]),
    ("「ありがとう—みつより」", [("person", "みつより")]),
    # a full name in kana in quotes, the surname also a common word
    ("読み方のメモに「くぬぎ さとこ」とある。", [("person", "くぬぎ さとこ")]),
])
def test_short_names_and_dashes_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "「娘の結果です、見てください」",
    "「検査の結果です」",
    "「母の希望です」",
    "メモに「電話 090-2345-6789」とあった。",
    "「はい、そうです、わかりました」",
    "読みは「ふりがな なし」で登録。",
])
def test_more_names_round7_clean(text):
    assert not {t for k, t in found(text) if k == "person"}, found(text)


@pytest.mark.parametrize("text", [
    "「いいです、大丈夫」",
    "「たのしいです！」",
    "「まだです」",
    "「いやです、行きたくない」",
    "「はいです」",
    "「それです、その書類」",
    "結果は以下のとおり—おわり",
    "「行ってきます—またね」",
    "「おはよう ございます」と挨拶した。",
    "「よろしく おねがい」と書いた。",
    "「ふりがな なし」と記入。",
])
def test_short_names_and_dashes_round7_clean(text):
    assert not {t for k, t in found(text) if k == "person"}, found(text)


@pytest.mark.parametrize("text, expect", [
    # a kana name, a hall or plaza, and the place it stands in
    ("会場はひだまりホール柏ノ森です。", [("facility", "ひだまりホール柏ノ森")]),
    ("同行先：ライフプラザ桜宮の相談窓口", [("facility", "ライフプラザ桜宮")]),
])
def test_halls_round7(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "会場はホール内の会議室です。",
    "コミュニティプラザ前で待ち合わせ。",
    "市民ホール等で開催予定。",
    "ケアプラザ職員が対応。",
])
def test_halls_round7_clean(text):
    assert not {t for k, t in found(text) if k == "facility"}, found(text)
