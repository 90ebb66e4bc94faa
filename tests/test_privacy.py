"""The privacy gate against a labelled set of case-record sentences (tests/data/pii_sentences.yaml).

Recall is counted per kind (an expected finding counts only when found with exactly its kind and
text); false alarms are clean sentences with any finding. The table is printed (pytest -s) and the
test fails below 98 % recall for any kind or above 5 % false alarms.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from casebook import privacy
from casebook.model import Case
from casebook.privacy import Finding, anonymize, anonymize_case, case_findings, find_pii

DATA = Path(__file__).parent / "data" / "pii_sentences.yaml"
SAMPLES = Path(__file__).resolve().parent.parent / "casebook" / "sample"
MIN_RECALL = 0.98
MAX_FALSE_ALARMS = 0.05


def _load():
    with open(DATA, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


SET = _load()


def score(dataset: dict) -> dict:
    expected, hit, extra = Counter(), Counter(), Counter()
    misses: list[str] = []
    for item in dataset["pii"]:
        found = {(f.kind, f.text) for f in find_pii(item["text"])}
        wanted = {(k, str(t)) for k, t in item["expect"]}
        for kind, text in wanted:
            expected[kind] += 1
            if (kind, text) in found:
                hit[kind] += 1
            else:
                misses.append(f"{kind} 「{text}」 not found in: {item['text']}  (found {sorted(found)})")
        for kind, text in found - wanted:
            extra[kind] += 1
            misses.append(f"extra {kind} 「{text}」 in: {item['text']}")
    alarms = []
    for sentence in dataset["clean"]:
        found = find_pii(sentence)
        if found:
            alarms.append(f"false alarm {[(f.kind, f.text) for f in found]} in: {sentence}")
    return {"expected": expected, "hit": hit, "extra": extra, "misses": misses, "alarms": alarms,
            "clean": len(dataset["clean"])}


def table(result: dict) -> str:
    lines = [f"{'kind':<18}{'expected':>9}{'found':>7}{'recall':>9}{'extra':>7}"]
    for kind in privacy.KINDS:
        n = result["expected"][kind]
        if not n:
            continue
        lines.append(f"{kind:<18}{n:>9}{result['hit'][kind]:>7}{result['hit'][kind] / n:>9.1%}"
                     f"{result['extra'][kind]:>7}")
    alarms = len(result["alarms"])
    lines.append(f"clean sentences: {result['clean']}, with a false alarm: {alarms} "
                 f"({alarms / result['clean']:.1%})")
    return "\n".join(lines)


def test_the_labelled_set_is_big_enough_and_covers_every_kind():
    assert len(SET["pii"]) >= 60
    assert len(SET["clean"]) >= 20
    kinds = {k for item in SET["pii"] for k, _ in item["expect"]}
    assert set(privacy.KINDS) <= kinds
    # Expected texts are really in their sentences (the labels are not typos).
    for item in SET["pii"]:
        for _kind, text in item["expect"]:
            assert str(text) in item["text"], (text, item["text"])


def test_recall_per_kind_and_false_alarms_on_clean_sentences():
    result = score(SET)
    report = table(result)
    print("\n" + report)
    for line in result["misses"] + result["alarms"]:
        print("  " + line)
    low = {k: result["hit"][k] / n for k, n in result["expected"].items() if result["hit"][k] / n < MIN_RECALL}
    assert not low, f"recall below {MIN_RECALL:.0%}: {low}\n{report}"
    rate = len(result["alarms"]) / result["clean"]
    assert rate <= MAX_FALSE_ALARMS, f"false alarms {rate:.1%}\n{report}"


@pytest.mark.parametrize("item", SET["pii"], ids=lambda i: i["text"][:18])
def test_every_finding_points_at_its_text_in_the_original(item):
    text = item["text"]
    for f in find_pii(text):
        assert isinstance(f, Finding)
        assert text[f.start:f.end] == f.text


def test_offsets_survive_normalisation_that_changes_length():
    # ㍻ (1 char) becomes 平成 and ｶﾞ (2 chars) becomes ガ under NFKC: offsets still slice the original.
    text = "ｶﾞｲﾄﾞの佐藤さん、㍻30年7月3日生まれ、電話０６－００００－１２３４。"
    assert len(unicodedata.normalize("NFKC", text)) != len(text)
    found = {(f.kind, f.text) for f in find_pii(text)}
    assert ("person", "佐藤") in found
    assert ("birth_date", "㍻30年7月3日") in found
    assert ("phone", "０６－００００－１２３４") in found
    for f in find_pii(text):
        assert text[f.start:f.end] == f.text


def test_a_mobile_number_is_never_read_as_a_postal_code():
    for text in ("携帯090-0000-1234", "090-0000-1234に連絡", "０８０－００００－５６７８"):
        kinds = [f.kind for f in find_pii(text)]
        assert kinds == ["phone"], (text, kinds)


def test_ward_names_placeholders_and_counts_alone_are_not_findings():
    for text in ("生野区", "大阪市生野区", "Aさん", "B氏", "C病院", "D医師", "70代", "2024年度", "令和6年",
                 "3回", "12人", "民生委員", "係長", "長女", "ケアマネ", "昭和23年生まれ"):
        assert find_pii(text) == [], text


def test_only_the_name_is_taken_not_the_role_before_it():
    assert [(f.kind, f.text) for f in find_pii("民生委員の山本さん")] == [("person", "山本")]
    assert [(f.kind, f.text) for f in find_pii("ケアマネ山本さん")] == [("person", "山本")]


# --- anonymize: the round trip ------------------------------------------------------------------

@pytest.mark.parametrize("item", SET["pii"], ids=lambda i: i["text"][:18])
def test_anonymized_text_has_no_findings_and_keeps_its_shape(item):
    text = item["text"]
    out = anonymize(text)
    assert find_pii(out) == [], out
    # Same sentence structure: the sentence-ending punctuation and every ward name are kept.
    for mark in "。、「」":
        assert out.count(mark) == text.count(mark), (text, out)
    from casebook import vocab
    for ward in vocab.ward_names():
        if ward in text and not any(ward in str(t) for _, t in item["expect"]):
            assert ward in out, (ward, out)


def test_anonymize_follows_the_fields_rules():
    text = "生野区桃谷3丁目10番5号に住む佐藤花子さん（昭和23年5月12日生まれ、06-0000-1234）と長男の佐藤一郎さん。"
    out = anonymize(text)
    assert out == "生野区に住むAさん（昭和23年生まれ、（略））と長男のBさん。"


def test_anonymize_letters_skip_placeholders_already_in_the_text():
    out = anonymize("Aさんの長女（Bさん）が、隣人の西田さんと民生委員の林さんに相談した。")
    assert out == "Aさんの長女（Bさん）が、隣人のCさんと民生委員のDさんに相談した。"


def test_anonymize_never_uses_real_initials_but_order_of_appearance():
    # 佐藤 would be S, 田中 T: the letters follow first appearance instead.
    assert anonymize("佐藤さんが田中さんに電話した。") == "Aさんが Bさんに電話した。".replace(" ", "")


def _case(**fields) -> Case:
    return Case(id="2024-27116-01", title="一人暮らし高齢者の見守り", ward="生野区", fiscal_year=2024, **fields)


def test_anonymize_case_keeps_one_letter_per_person_across_fields():
    case = _case(
        summary={"referral": "民生委員の山本さん", "main_complaint": "佐藤花子さん（80代）が外出しなくなった"},
        person={"household": "佐藤花子さんの一人暮らし。長女のAさんは市外在住。",
                "housing": "生野区桃谷3丁目10番5号の文化住宅"},
        timeline=[{"period": "2024年5月", "support": "山本さんと佐藤さん宅を訪問", "actors": "民生委員（山本さん）"}],
    )
    findings = case_findings(case)
    assert {(path, f.kind, f.text) for path, f in findings} >= {
        ("summary.referral", "person", "山本"),
        ("summary.main_complaint", "person", "佐藤花子"),
        ("person.housing", "address", "桃谷3丁目10番5号"),
        ("timeline[0].support", "person", "佐藤"),
    }
    out = anonymize_case(case)
    assert case_findings(out) == []
    # A is taken by the placeholder of the eldest daughter: 山本 → B (first seen), 佐藤花子 → C everywhere.
    assert out.summary.referral == "民生委員のBさん"
    assert out.summary.main_complaint == "Cさん（80代）が外出しなくなった"
    assert out.person.household == "Cさんの一人暮らし。長女のAさんは市外在住。"
    assert out.person.housing == "生野区の文化住宅"
    assert out.timeline[0].support == "BさんとCさん宅を訪問"
    assert out.timeline[0].actors == "民生委員（Bさん）"
    assert out.ward == "生野区" and out.id == case.id
    # The original case is untouched.
    assert case.summary.referral == "民生委員の山本さん"


def test_case_suggestions_name_only_fields_with_findings():
    case = _case(reason="見守りの体制づくりを検討したい", summary={"referral": "隣人の西田さん（06-0000-1111）"})
    suggestions = privacy.case_suggestions(case)
    assert suggestions == {"summary.referral": "隣人のAさん（略）"}


# --- the bundled sample cases: published and approved ones must already be clean ----------------

def _sample_cases() -> list[Case]:
    cases = []
    for path in sorted(SAMPLES.glob("cases_*.yaml")):
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        rows = data.get("cases", data) if isinstance(data, dict) else data
        for row in rows or []:
            cases.append(Case.model_validate(row))
    return cases


def test_bundled_sample_cases_that_are_approved_or_published_have_no_findings():
    cases = _sample_cases()
    assert cases, "no bundled sample cases found (casebook/sample/cases_*.yaml)"  # a skip would hide a moved file
    report = []
    for case in cases:
        for path, f in case_findings(case):
            report.append(f"{case.id} [{case.status}] {path}: {f.kind} 「{f.text}」")
    print("\n".join(["", f"{len(cases)} sample cases, {len(report)} findings"] + report))
    public = [line for line in report if "[approved]" in line or "[published]" in line]
    assert not public, "\n".join(public)


# --- the dictionary: loaded lazily, once per process, safe across threads ------------------------

def test_importing_the_module_does_not_load_the_analyser():
    import subprocess
    import sys

    code = ("import sys, casebook.privacy as p; assert 'sudachipy' not in sys.modules; "
            "p.find_pii('山本さん'); assert 'sudachipy' in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_threads_share_one_dictionary_and_get_the_same_findings():
    from concurrent.futures import ThreadPoolExecutor

    texts = [item["text"] for item in SET["pii"]]
    serial = [find_pii(t) for t in texts]
    first = privacy._DICTIONARY
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(find_pii, texts * 4))
    assert parallel == serial * 4
    assert privacy._DICTIONARY is first
