"""Personal information as staff really write it (issue #17).

Each category below was missed (or raised as a false alarm) on an outside held-out set: foreign names
joined with ・, hiragana given names without an honorific, names before 君/くん/ちゃん and nicknames,
surnames that are also place names, kana readings in brackets, phone numbers with dots or spoken
with の, e-mail addresses with (at), short names of certificate numbers, facility names in kana
and school names, LINE IDs, and counts / section numbers / receipts read as addresses.

All names, numbers and addresses here are fictional.
"""

from __future__ import annotations

import pytest

from casebook import privacy
from casebook.privacy import anonymize, find_pii
from privacy_support import check, found


def covered(text: str, kind: str, sub: str) -> bool:
    """Every character of `sub` (its first occurrence) lies inside a finding of `kind`."""
    start = text.index(sub)
    spans = [(f.start, f.end) for f in find_pii(text) if f.kind == kind]
    return all(any(s <= i < e for s, e in spans) for i in range(start, start + len(sub)))


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("支援者のマリア・サントスさんが通訳を務めた。", [("person", "マリア・サントス")]),
    ("フィリピン出身のアナ・クルスさんは夫と二人暮らし。", [("person", "アナ・クルス")]),
    ("ジョン・スミス氏が来所した。", [("person", "ジョン・スミス")]),
    ("グエン・ヴァン・ナムさんは技能実習生として来日した。", [("person", "グエン・ヴァン・ナム")]),
    ("長女のエリカ・シュミットが同行した。", [("person", "エリカ・シュミット")]),
])
def test_katakana_names_joined_with_a_middle_dot_are_one_person(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("みゆきは毎日登校している。", [("person", "みゆき")]),
    ("娘のあやかが介護している。", [("person", "あやか")]),
    ("孫のさくらは高校生で、週末に泊まりに来る。", [("person", "さくら")]),
    ("本人の夫・ひろしは入院中である。", [("person", "ひろし")]),
    ("同居の長女みゆきと二人暮らし。", [("person", "みゆき")]),
])
def test_hiragana_given_names_without_an_honorific(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("長男の健太君は中学2年生。", [("person", "健太")]),
    ("りょう君が母親と来所した。", [("person", "りょう")]),
    ("近所の子から「ゆかりん」と呼ばれている。", [("person", "ゆかりん")]),  # a nickname is taken whole
    ("けんちゃんは最近学校を休みがちだ。", [("person", "けん")]),
    ("しょうたくんの弟が保育所に通っている。", [("person", "しょうた")]),
])
def test_names_before_kun_chan_and_nicknames(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("担当の上野が訪問し、本人と面談した。", [("person", "上野")]),
    ("CSWの平野が電話で状況を確認した。", [("person", "平野")]),
    ("ケアマネの上野から、サービス調整の連絡があった。", [("person", "上野")]),
    ("平野さんは平野区に住んで40年になる。", [("person", "平野")]),
])
def test_surnames_that_are_also_place_names(text, expect):
    check(text, expect)
    # The ward itself stays (平野区 is not a person).
    assert ("person", "平野区") not in found(text)


@pytest.mark.parametrize("text, name, reading", [
    ("本人の山田（やまだ）さんは80代。", "山田", "やまだ"),
    ("支援員の吉田(よしだ)さんが同行した。", "吉田", "よしだ"),
    ("山田花子（やまだはなこ）さんは一人暮らし。", "山田花子", "やまだはなこ"),
])
def test_a_names_kana_reading_is_part_of_the_person(text, name, reading):
    assert covered(text, "person", name), found(text)
    assert covered(text, "person", reading), found(text)
    out = anonymize(text)
    assert name not in out and reading not in out, out


# --- phones, e-mail, certificates, chat IDs -------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("連絡先は090.2217.6540です。", [("phone", "090.2217.6540")]),
    ("電話：06.6123.4567まで。", [("phone", "06.6123.4567")]),
    ("携帯は090の2217の6540と話していた。", [("phone", "090の2217の6540")]),
    ("電話番号は０６の６１２３の４５６７。", [("phone", "０６の６１２３の４５６７")]),
])
def test_phone_numbers_with_dots_or_as_spoken(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("メールはtaro(at)example.jpへ。", [("email", "taro(at)example.jp")]),
    ("メールアドレスはhanako[at]example.ne.jpです。", [("email", "hanako[at]example.ne.jp")]),
    ("連絡はtaro.yamada(at)example.comまで。", [("email", "taro.yamada(at)example.com")]),
    ("アドレスはsato_k＠example.jp（全角）。", [("email", "sato_k＠example.jp")]),
])
def test_email_with_spelled_out_at_is_an_email_not_a_person(text, expect):
    check(text, expect)
    assert not any(k == "person" for k, _ in found(text)), found(text)


@pytest.mark.parametrize("text, expect", [
    ("被保番は12345678です。", [("insurance_number", "12345678")]),
    ("介護保険被保番：0012345678を控えた。", [("insurance_number", "0012345678")]),
    ("身体障害者手帳（2級）第12345号を所持している。", [("insurance_number", "第12345号")]),
    ("精神障害者保健福祉手帳1級 第1234567号。", [("insurance_number", "第1234567号")]),
    ("療育手帳（B1）No.1234を持っている。", [("insurance_number", "No.1234")]),
])
def test_certificate_numbers_under_their_short_names(text, expect):
    check(text, expect)
    assert not any(k == "phone" for k, _ in found(text)), found(text)


def test_line_id_is_a_kind_with_a_japanese_label():
    assert "line_id" in privacy.KINDS
    assert privacy.KIND_LABELS["line_id"] == "LINE等のID"


@pytest.mark.parametrize("text, expect", [
    ("LINEのIDはhanako_0123です。", [("line_id", "hanako_0123")]),
    ("LINE ID：hana0323 で連絡を取っている。", [("line_id", "hana0323")]),
    ("ラインIDはsakura.mamaと聞いた。", [("line_id", "sakura.mama")]),
    ("長女とはLINE（@osaka_hana）でやり取りしている。", [("line_id", "@osaka_hana")]),
])
def test_line_ids(text, expect):
    check(text, expect)
    assert not any(k == "person" for k, _ in found(text)), found(text)


def test_anonymize_removes_a_line_id_like_other_numbers():
    out = anonymize("LINEのIDはhanako_0123です。")
    assert "hanako" not in out and privacy.REMOVED in out, out


# --- facilities and schools -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("デイサービスあおぞらに週2回通っている。", [("facility", "デイサービスあおぞら")]),
    ("グループホームひまわりに入居した。", [("facility", "グループホームひまわり")]),
    ("訪問看護ステーションひかりの看護師が訪問している。", [("facility", "訪問看護ステーションひかり")]),
    ("すずらん荘の2階に住んでいる。", [("facility", "すずらん荘")]),
    ("あさひクリニックに通院中。", [("facility", "あさひクリニック")]),
])
def test_facility_names_in_kana(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("生野南小学校の子どもたちが訪問した。", [("facility", "生野南小学校")]),
    ("田島小に通う3年生。", [("facility", "田島小")]),
    ("長男は大阪市立生野中学校に通っている。", [("facility", "生野中学校")]),
    ("小学校は田島小学校である。", [("facility", "田島小学校")]),
])
def test_school_names_are_facilities_not_people(text, expect):
    check(text, expect)
    assert not any(k == "person" for k, _ in found(text)), found(text)


def test_anonymized_facility_named_after_its_kind_keeps_the_kind():
    assert anonymize("デイサービスあおぞらに通っている。") == "Aデイサービスに通っている。"


# --- false alarms ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "参加者を4-4-3に分けてグループ討議を行った。",
    "グループを4-4-3で組んだ。",
    "資料3-2-1を参照のこと。",
    "実施要綱の3-2-1に基づいて対応した。",
    "レシート番号 12-345-678 の領収書を保管した。",
    "領収書番号 2024-0315-001 を確認した。",
    "受付番号123-4567で申し込んだ。",
    "民生さんが訪問して様子を確認した。",
    "民生さんと包括さんに相談した。",
    "ラインで連絡を取り合っている。",
    "デイサービスに週2回通っている。",
    "グループホームへの入居を検討している。",
    "地元の中学校に通っている。",
])
def test_counts_sections_receipts_and_colloquial_titles_are_not_findings(text):
    assert find_pii(text) == [], found(text)


def test_a_real_block_number_without_a_town_is_still_an_address():
    check("住所は生野区3-10-5です。", [("address", "3-10-5")])
    check("自宅は 3-10-5 にある。", [("address", "3-10-5")])


# --- fresh variants written after the fix (not from any labelled set): do the rules generalise? ---

@pytest.mark.parametrize("text, expect", [
    ("ベトナム出身のチャン・ティ・ランさんが来所した。", [("person", "チャン・ティ・ラン")]),
    ("妻のアンナ・コワルスキーが付き添った。", [("person", "アンナ・コワルスキー")]),
    ("長女のまなみが毎晩電話している。", [("person", "まなみ")]),
    ("次男・たかしは市外に住む。", [("person", "たかし")]),
    ("弟のりくとが本人の世話をしている。", [("person", "りくと")]),
    ("近所では「まっちゃん」と呼ばれている。", [("person", "まっ")]),
    ("担当の吉野が同行した。", [("person", "吉野")]),
    ("長男の田辺（たなべ）と面談。", [("person", "田辺"), ("person", "たなべ")]),
    ("携帯：080.1111.2222", [("phone", "080.1111.2222")]),
    ("自宅は06の6666の7777です。", [("phone", "06の6666の7777")]),
    ("返信先 yuki[at]example.co.jp", [("email", "yuki[at]example.co.jp")]),
    ("療育手帳 No.B-345", [("insurance_number", "No.B-345")]),
    ("LINEのIDはtanaka.family", [("line_id", "tanaka.family")]),
    ("小規模多機能ホームやまびこ", [("facility", "小規模多機能ホームやまびこ")]),
    ("長女は大阪市立東三国中学校の2年生。", [("facility", "東三国中学校")]),
    ("本人は生野区巽東3-4-5に住む。", [("address", "巽東3-4-5")]),
])
def test_fresh_variants_of_each_category(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "ケアマネの豊中から連絡があった。",      # a city, not 豊 + 中学校
    "要綱2-1-3に従う。",
    "領収書番号 R5-00123 を控えた。",
    "3-3-3のグループで討議。",
    "母のところに行く。",
    "妻のいうことを聞く。",
    "娘のおやつを買う。",
    "長谷川式スケールで評価した。",
    "生野・東成・平野の3区で合同研修。",
])
def test_fresh_clean_variants(text):
    assert find_pii(text) == [], found(text)


# === Round 2 (issue #17): categories missed on the second held-out set, each with fresh sentences =====
# (written here, not taken from any labelled set; all names, numbers and places are fictional)

@pytest.mark.parametrize("text, expect", [
    ("自宅は東成区みずほ台3-4-21にある。", [("address", "みずほ台3-4-21")]),
    ("新住所：淀川区あさひ町2-9-14", [("address", "あさひ町2-9-14")]),
    ("城東区ひばり北2丁目5-3の長屋に住む。", [("address", "ひばり北2丁目5-3")]),
    ("住まいは鶴見区かえで南1-7-2。", [("address", "かえで南1-7-2")]),
    ("〒536-0000 城東区東すみれ原4丁目8-6", [("address", "東すみれ原4丁目8-6")]),
])
def test_a_kana_or_invented_town_after_its_ward_is_wholly_the_address(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("「うちはな、旭区つばめ台二丁目の八の三や」", [("address", "つばめ台二丁目の八の三")]),
    ("住所は平野区ゆずりは町五丁目の十二の四です。", [("address", "ゆずりは町五丁目の十二の四")]),
    ("「北区の天神西三丁目の4の10におるねん」", [("address", "天神西三丁目の4の10")]),
])
def test_spoken_block_numbers_joined_with_no(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("生年月日を確認（H3.6.21）した。", [("birth_date", "H3.6.21")]),
    ("本人の生年月日（昭和7年2月14日）を台帳で確認。", [("birth_date", "昭和7年2月14日")]),
    ("記録に生年月日がそのまま残っていた…昭和31.4.2とある", [("birth_date", "昭和31.4.2")]),
    ("「あたしは昭和八年の五月五日生まれや」", [("birth_date", "昭和八年の五月五日")]),
    ("誕生日は1952年の7月30日と聞いた。", [("birth_date", "1952年の7月30日")]),
])
def test_birth_dates_in_brackets_spoken_with_no_and_era_dotted(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("生活保護のケース番号 保-2231-08 を記載した。", [("insurance_number", "保-2231-08")]),
    ("療育手帳A2、No.551902 を持っている。", [("insurance_number", "No.551902")]),
    ("手帳の再交付を受けた（精神 第12-40671号）。", [("insurance_number", "第12-40671号")]),
    ("「受給者証の番号はな、第58120号や」", [("insurance_number", "第58120号")]),
    ("介護保険証の番号？ 0001 2387 65 やったと思う", [("insurance_number", "0001 2387 65")]),
])
def test_certificate_numbers_with_a_kanji_prefix_a_grade_or_spoken_around(text, expect):
    check(text, expect)
    assert not any(k == "phone" for k, _ in found(text)), found(text)


@pytest.mark.parametrize("text, expect", [
    ("名簿に〒まで載ってた、5380044 って書いてある", [("postal_code", "5380044")]),
    ("メモに「でんわ ゼロはちゼロ、よんよんにいいち、きゅうななさんろく」とあった",
     [("phone", "ゼロはちゼロ、よんよんにいいち、きゅうななさんろく")]),
    ("「うちの電話な、ゼロろく、ごーななはちいち、にいさんよんご」", [("phone", "ゼロろく、ごーななはちいち、にいさんよんご")]),
    ("連絡は tanaka アットマーク example ドット co ドット jp まで", [("email", "tanaka アットマーク example ドット co ドット jp")]),
])
def test_numbers_and_addresses_spelled_out_in_words(text, expect):
    check(text, expect)
    assert not any(k == "person" for k, _ in found(text)), found(text)


@pytest.mark.parametrize("text, expect", [
    ("ボラの方とLINE交換（kaze_vol22）した。", [("line_id", "kaze_vol22")]),
    ("「孫のインスタ見たってな @nishi.mago_01」", [("line_id", "@nishi.mago_01")]),
    ("「ID言うとくわ、hanako1949」", [("line_id", "hanako1949")]),
    ("「娘のLINE？ yuka.0721 やったと思う」", [("line_id", "yuka.0721")]),
])
def test_chat_ids_with_words_between_the_service_and_the_handle(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("LEE Minho さんの通訳を依頼した。", [("person", "LEE Minho")]),
    ("ホアさん（Nguyen Thi Hoa）の在留資格の更新。", [("person", "ホア"), ("person", "Nguyen Thi Hoa")]),
    ("記録係：Yuki、司会：ハン", [("person", "Yuki"), ("person", "ハン")]),
    ("LINEの文面：「今日は行けません — Mai」", [("person", "Mai")]),
    ("「엄마 고마워요 — 지영」", [("person", "지영")]),
    ("ショートメール「ひろし です。あした行く」", [("person", "ひろし")]),
])
def test_names_in_latin_letters_hangul_and_sign_offs(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("次女（劉 芳）が同居している。", [("person", "劉 芳")]),
    ("陳 志明さん宅を訪問した。", [("person", "陳 志明")]),
    ("「高木 誠 様の件です」", [("person", "高木 誠")]),
    ("祖母の周 秀英（シュウ・シュウエイ）さん", [("person", "周 秀英"), ("person", "シュウ・シュウエイ")]),
])
def test_full_names_with_a_space_and_their_readings_are_one_person(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text, expect", [
    ("世帯：本人、夫（マサオ）、長男（誠）の三人。", [("person", "マサオ"), ("person", "誠")]),
    ("お子さんの名前（ゆうと）を教えてもらった。", [("person", "ゆうと")]),
    ("本名キヨミさん、近所では『キヨさん』と呼ばれる。", [("person", "キヨミ"), ("person", "キヨ")]),
    ("出席：森田、辻、大西（敬称略）", [("person", "森田"), ("person", "辻"), ("person", "大西")]),
    ("司会＝松原、書記＝堀", [("person", "松原"), ("person", "堀")]),
    ("東（区社協）：次回は家族も呼びたい。", [("person", "東")]),
    ("平野Drより検査結果の報告あり。", [("person", "平野")]),
    ("吉川係長（保護課）：来週に会議を設定する。", [("person", "吉川")]),
    ("ワンさんの奥さんも同席した。", [("person", "ワン")]),
])
def test_names_in_kin_brackets_rosters_speakers_and_before_titles(text, expect):
    check(text, expect)
    assert not any(k == "person" and t in ("ケアマネ", "社協", "区社協") for k, t in found(text)), found(text)


def test_a_role_in_brackets_after_a_name_is_not_a_reading():
    got = found("出席者：島田（ケアマネ）、村上（民生委員）")
    assert ("person", "島田") in got and ("person", "村上") in got, got
    assert not any(t == "ケアマネ" for _, t in got), got


@pytest.mark.parametrize("text, expect", [
    ("主治医はあさひ内科クリニックの医師。", [("facility", "あさひ内科クリニック")]),
    ("コスモハイツ中島305号室に住む。", [("facility", "コスモハイツ中島305号室")]),
    ("住まい：ハイツ若葉202、留守だった。", [("facility", "ハイツ若葉202")]),
    ("『メゾン緑 101』と書かれている。", [("facility", "メゾン緑 101")]),
    ("市営ひばり台住宅5号棟に住む。", [("facility", "市営ひばり台住宅5号棟")]),
    ("放課後はさくら野こどもの家で過ごす。", [("facility", "さくら野こどもの家")]),
    ("ケアマネ交代（ヒカリ介護サービス 田村）。", [("facility", "ヒカリ介護サービス"), ("person", "田村")]),
    ("入院先は住吉あおば病院、3階西。", [("facility", "住吉あおば病院")]),
    ("デイサービスほほえみ住吉に週2回通う。", [("facility", "デイサービスほほえみ住吉")]),
    ("小規模多機能ホームこもれび城東と連携した。", [("facility", "小規模多機能ホームこもれび城東")]),
    ("デイはあおぞらデイ鶴見に変更。", [("facility", "あおぞらデイ鶴見")]),
    ("「朝は喫茶ひまわりにおるで」", [("facility", "喫茶ひまわり")]),
    ("「たぬき食堂で長く働いとった」", [("facility", "たぬき食堂")]),
    ("あおい台小学校の学区に住む。", [("facility", "あおい台小学校")]),
    ("大阪あゆみクリニックとの連携。", [("facility", "大阪あゆみクリニック")]),
    ("管理会社のサンライズ不動産に連絡した。", [("facility", "サンライズ不動産")]),
    ("大阪こころ訪問看護の看護師が来る。", [("facility", "大阪こころ訪問看護")]),
    ("社会福祉法人みのり会 理事長", [("facility", "社会福祉法人みのり会")]),
    ("わかば診療所の医師が往診する。", [("facility", "わかば診療所")]),
])
def test_facility_names_with_kind_words_places_and_room_numbers_attached(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "ゴッホの「ひまわり」を見に行った話をされた。",
    "夏目漱石みたいな文章を書く人だ。",
    "ナイチンゲールの言う看護の心を忘れずに。",
    "松下幸之助の伝記を読んだ。",
    "「石橋のあたりに住んどった」",
    "「茨木のほうに引っ越した」",
    "同意書：有／確認：済",
    "「メモ帳ちゃんと持った？」",
    "相談件数 3-6-2 の内訳を示す。",
    "いち、に、さん、しで体操を始めた。",
    "面談日は令和6年の5月10日だった。",
    "2024.5.12に訪問、生活状況を確認した。",
    "かかりつけの病院に通っている。",
    "近くの食堂で昼食をとった。",
    "デイサービスに変更を検討。",
])
def test_round_two_clean_sentences(text):
    assert find_pii(text) == [], found(text)


@pytest.mark.parametrize("text, expect", [
    ("夫の正雄（まさお）は昨年亡くなった。", [("person", "正雄"), ("person", "まさお")]),
    ("南（包括）：来月の会議で共有します。", [("person", "南")]),
    ("石田主任（地域包括）から連絡。", [("person", "石田")]),
    ("孫（リナ）が週末に来る。", [("person", "リナ")]),
])
def test_round_two_fresh_variants_of_people_in_context(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "「冷蔵庫ちゃんと閉めといてな」",
    "「天王寺の商店街でよう買い物したわ」",
    "アインシュタインの言葉を引用していた。",
    "長女（40代）と同居。",
    "夫（故人）の年金で暮らす。",
])
def test_round_two_fresh_clean_variants(text):
    assert find_pii(text) == [], found(text)


@pytest.mark.parametrize("text, expect", [
    ("ケース番号：保護-1123-45", [("insurance_number", "保護-1123-45")]),
    ("「旭区のしみず町の二の五の八やねん」", [("address", "しみず町の二の五の八")]),
    ("メゾン・ド・さくら305号室に住む。", [("facility", "メゾン・ド・さくら305号室")]),
    ("ケアプランセンターひまわりの岡本CM", [("facility", "ケアプランセンターひまわり"), ("person", "岡本")]),
    ("出席：中島、岩田、Kim（敬称略）", [("person", "中島"), ("person", "岩田"), ("person", "Kim")]),
    ("「でんわは、ゼロななゼロ、さんさんいちご、ななはちきゅうゼロ」",
     [("phone", "ゼロななゼロ、さんさんいちご、ななはちきゅうゼロ")]),
    ("障害者手帳（第2種 第44-10392号）を持参。", [("insurance_number", "第44-10392号")]),
])
def test_round_two_probes_written_after_the_fix(text, expect):
    check(text, expect)


@pytest.mark.parametrize("text", [
    "コーポ・生野に住む人が多い。",
    "町の一つ一つを回る。",
    "社会福祉法人の役割について議論した。",
    "市営住宅の建て替えが進んでいる。",
    "喫茶コーナーで話を聞いた。",
    "出席：民生委員、ケアマネ、区役所",
    "ゼロから始める地域づくり。",
])
def test_round_two_probe_clean_sentences(text):
    assert find_pii(text) == [], found(text)


@pytest.mark.parametrize("text", [
    "長女（キーパーソン）と同居。",
    "「またね — ママ」",
    "目的：見守り体制の確認。",
    "参加者：30名",
])
def test_common_words_in_kin_brackets_rosters_and_sign_offs_are_not_names(text):
    assert find_pii(text) == [], found(text)
