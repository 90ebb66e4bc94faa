"""Property tests: whatever staff type (Japanese, ASCII, digits, punctuation, odd Unicode), the detector
never crashes, its offsets always slice the original text, and anonymised text has no findings."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.privacy import anonymize, find_pii

# Pieces that make the detector's rules fire, mixed with random characters.
FRAGMENTS = [
    "さん", "ちゃん", "くん", "様", "氏", "先生", "医師", "佐藤", "花子", "山本", "民生委員の", "長女の", "Aさん", "B氏",
    "C病院", "生野区", "大阪市", "桃谷", "3丁目", "10番", "5号", "三丁目", "番地", "-", "－", "ー", "‐", "−", "(", ")",
    "（", "）", "06", "090", "0000", "1234", "〒", "543-0001", "電話", "携帯", "マイナンバー", "123456789018",
    "被保険者番号", "記号", "番号", "手帳", "昭和", "平成", "令和", "年", "月", "日", "生まれ", "生年月日", "@", ".jp",
    "example", "小学校", "クリニック", "苑", "。", "、", " ", "\u3000", "\n", "㍻", "ｶﾞ", "ﾞ", "\u3099", "①",
]

CHARS = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs", "M"),
)
JAPANESE = st.sampled_from(
    [chr(c) for c in range(0x3041, 0x3097)] + [chr(c) for c in range(0x30a1, 0x30fb)]
    + list("山田佐藤区市町丁目番地号様氏生年月日〒電話番号長女委員係")
    + [chr(c) for c in range(0xff10, 0xff1a)] + [chr(c) for c in range(0xff21, 0xff3b)]
)
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), JAPANESE, CHARS,
                          st.integers(0, 10**12).map(str)), max_size=40).map("".join)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXT)
def test_find_pii_never_crashes_and_offsets_slice_the_original(text):
    findings = find_pii(text)
    last_end = 0
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.text == text[f.start:f.end]
        assert f.start >= last_end          # in order, no overlaps
        last_end = f.end


@SETTINGS
@given(st.text(max_size=60))
def test_any_unicode_string_at_all_is_handled(text):
    for f in find_pii(text):
        assert f.text == text[f.start:f.end]


@SETTINGS
@given(TEXT)
def test_anonymized_text_has_no_findings(text):
    assert find_pii(anonymize(text)) == []


def test_lone_surrogates_control_characters_and_long_texts_are_handled():
    for text in ("佐藤\ud800さん", "\x00山本さん", "あ" * 9000 + "佐藤さん。", "山本さん。" * 2000):
        findings = find_pii(text)
        assert findings and all(f.text == text[f.start:f.end] for f in findings)
        assert findings[-1].text in ("佐藤", "山本")
