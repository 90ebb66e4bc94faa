"""Round 5 of issue #17: general rules driven by context classes, from the misses of the development
half of blind set #4 (tests/data/pii_fourth_dev.yaml). The sentences here are fresh and fictional,
written before the fix and failing on the code of round 4; each rule was also counted against the
clean sentences of every labelled set before it was kept (at most 3 % newly flagged per set).

Classes: a rare one-kanji surname or a kanji word before an honorific or a title (X医師, Xさん, X准教授,
a word after "<ward>の" before さん); "X Y" where Y is a known given name makes X a surname whatever the
analyser took X for; an old kana (ゑ, ゐ) inside a given name; a surname quoted before 姓; a facility's
name chunk after its kind (特別養護老人ホーム…, グループホーム…の家, 地域包括支援センター…) and a home's
name of several kanji before 荘/苑/庵; a school under 市立/区立 keeps its owner. False alarms kept clean:
common words before さん (学生さん, 猫さん), a kind followed by an ordinary word (デイサービス利用開始).
"""

from __future__ import annotations

import pytest

from casebook.privacy import find_pii
from privacy_support import check, found


@pytest.mark.parametrize("text, expect", [
    # a rare surname before an honorific or a title
    ("午後、整形外科の楢医師から電話があった。", [("person", "楢")]),
    ("夏祭りで椿さんご一家が手伝ってくれた。", [("person", "椿")]),
    ("書記：北区の鶯さん。", [("person", "鶯")]),
    ("研修の講師は市内の大学の栗栖教授にお願いした。", [("person", "栗栖")]),
    # surname + space + a known given name, whatever the surname was read as
    ("弟の霞ヶ浦 典子さんが来所した。", [("person", "霞ヶ浦 典子")]),
    ("長女（渥美 かおり、高校1年）と二人暮らし。", [("person", "渥美 かおり")]),
    ("相談者：柳生 ゆかり（やぎゅう ゆかり）、50代。", [("person", "柳生 ゆかり")]),
    # an old kana inside a given name
    ("本人（森下きゑさん）は耳が遠い。", [("person", "森下きゑ")]),
    # a surname quoted before 姓
    ("資料に「鮫島」姓が残っています。", [("person", "鮫島")]),
])
def test_people_by_context(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("入所先：特別養護老人ホーム松籟苑（4月入所）。", [("facility", "特別養護老人ホーム松籟苑")]),
    ("グループホーム桔梗の家から見学の申し出。", [("facility", "グループホーム桔梗の家")]),
    ("地域包括支援センターみずほ台の職員と同行。", [("facility", "地域包括支援センターみずほ台")]),
    ("転居先は桂楓荘3号です。", [("facility", "桂楓荘3号")]),
    ("デイサービスそよかぜ庵 に週2回通所。", [("facility", "デイサービスそよかぜ庵")]),
    ("子どもは市立楠ノ木小学校に通う。", [("facility", "市立楠ノ木小学校")]),
    ("隣の区の特養 寿楽苑 でも同じ話がある。", [("facility", "特養 寿楽苑")]),
])
def test_facilities_by_kind(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "学生さんが三人ボランティアに来てくれた。",
    "猫さんの写真を見せてくれた。",
    "デイサービス利用開始に向けて調整中。",
    "グループホームの入居について相談。",
    "地域包括支援センターの職員と同行した。",
    "特別養護老人ホームへの入所を希望している。",
    "お医者さんには行っていない。",
    "市立の小学校に通っている。",
])
def test_clean_by_context(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expect", [
    # a surname of one rare kanji and a common surname ending, after a team and の, before a particle
    ("地域支援室の鵜野が電話で確認した。", [("person", "鵜野")]),
    # a kana given name signing a message with より
    ("「明日は行けません。ごめんね。さやかより」", [("person", "さやか")]),
    # a kanji word before the kind of a clinic
    ("かかりつけは若草クリニック（内科）。", [("facility", "若草クリニック")]),
    # a birth date named right after it
    ("名簿に 平成2年4月5日 と生年月日が書かれていた。", [("birth_date", "平成2年4月5日")]),
    # a phone number read out in digit groups with の、 between them
    ("「番号は、080の、4471の、9023やで」", [("phone", "080の、4471の、9023")]),
    # a postal code read out in kana after 郵便番号
    ("「郵便番号は、ろくろくいちの、ぜろにーさんよん」", [("postal_code", "ろくろくいちの、ぜろにーさんよん")]),
])
def test_more_context_classes(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "「それより、明日の予定は？」",
    "「また連絡します。事務局より」",
    "精神科クリニックへの受診を勧めた。",
    "近所のクリニックに通っている。",
    "会議は午後の部の後半から。",
    "「1時の、2時の、3時の回があります」",
])
def test_more_clean(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expect", [
    # a surname the dictionary does not know, shaped like one (a rare kanji and a common surname ending)
    ("副会長 鵺田から報告があった。", [("person", "鵺田")]),
    ("相談係の苔野が同行した。", [("person", "苔野")]),
    ("鵺田弁護士に相談した。", [("person", "鵺田")]),
    # or a place name used as a surname, before a title
    ("講義は鵠沼准教授が担当。", [("person", "鵠沼")]),
    # signing a message in brackets after its last sentence
    ("よろしくお願いします。（鵺田）", [("person", "鵺田")]),
    ("了解しました。（鵠沼）", [("person", "鵠沼")]),
])
def test_unknown_surnames_by_shape(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "以上です。（続く）",
    "確認しました。（済）",
    "会議の議事録です。（要約）",
    "担当 変更あり。",
    "大学の准教授に依頼した。",
    "精神科医師の意見書を添付。",
    "孫は蛇さんや鳩さんの絵本が好き。",
    "保健師さんと同行した。",
    "美容クリニックと透析クリニックの案内を渡した。",
])
def test_unknown_surnames_clean(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expect", [
    # a message quoted whole, signed in brackets before it closes, by a surname that is also a common word
    ("LINE「明日は休みます。よろしくお願いします。（雪見）」", [("person", "雪見")]),
    ("メール（資料は明日送ります。（若草））", [("person", "若草")]),
])
def test_signed_quoted_messages(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "LINE「資料を送ります。（別紙）」",
    "SMS「了解しました。（要約）」",
    "「また来週。（笑）」",
])
def test_signed_quoted_messages_clean(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expect", [
    # an e-mail address read out piece by piece
    ("「アドレスは、sakura、ハイフン、77、アットマーク、example.com です」", [("email", "sakura、ハイフン、77、アットマーク、example.com")]),
    # a town named before 地区
    ("自治会（鷺沼台地区）の役員会で話題になった。", [("address", "鷺沼台")]),
])
def test_spoken_email_and_district(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "東部地区と中央地区の合同会議。",
    "生野地区の会議に出席した。",
    "モデル地区に指定された。",
    "「メールはアットマークの後ろが違ってた」",
])
def test_spoken_email_and_district_clean(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expect", [
    # a surname of one rare kanji before a title
    ("鶚准教授の講演を聞いた。", [("person", "鶚")]),
    # a surname the analyser cuts in two, a space, then the given name
    ("世帯主：鵙沼 勘太郎（70代）", [("person", "鵙沼 勘太郎")]),
    # facilities named after a surname-shaped word, after or before their kind
    ("病院は鵙川病院の内科。", [("facility", "鵙川病院")]),
    ("鵙川作業所に通っている。", [("facility", "鵙川作業所")]),
    ("転居先は鵙沼住宅3棟201号室。", [("facility", "鵙沼住宅3棟201号室")]),
    ("ケアハウス鵙沼に入居した。", [("facility", "ケアハウス鵙沼")]),
    ("就労継続支援B型「鵙工房」に通所。", [("facility", "鵙工房")]),
])
def test_surname_shaped_everywhere(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "元教授の講演を聞いた。",
    "市営住宅3棟に住んでいる。",
    "ケアハウス入居を検討。",
    "就労継続支援B型「利用開始」の手続き。",
    "総合病院の内科に通院。",
])
def test_surname_shaped_everywhere_clean(text):
    assert found(text) == set()


# A name found once is found wherever it stands again in the same text as a word of its own (the
# blind check half showed 「はるちゃん … はる＝孫」 keeping the second はる after anonymising).
@pytest.mark.parametrize("text, expect", [
    ("孫のゆいちゃんが来訪。ゆいは来春から中学生。", [("person", "ゆい")]),
    ("本人（山岸さん）は、山岸の家系は長寿だと話す。", [("person", "山岸")]),
])
def test_a_name_found_once_is_found_again(text, expect):
    findings = [(f.kind, f.text) for f in find_pii(text)]
    for kind, name in expect:
        assert sum(1 for k, t in findings if k == kind and name in t) == text.count(name), findings
    from casebook.privacy import anonymize
    assert all(name not in anonymize(text) for _, name in expect)


@pytest.mark.parametrize("text", [
    "山岸さんは山岸川の近くに住む。",          # the river is a longer word: only the person
    "ゆいちゃんが来た。ゆいごんの話も出た。",    # 遺言 in kana: the name is inside a longer word
])
def test_a_name_inside_a_longer_word_is_not_found_again(text):
    findings = [f.text for f in find_pii(text) if f.kind == "person"]
    assert len(findings) == 1, findings
