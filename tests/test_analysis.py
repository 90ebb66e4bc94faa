"""Cross-case analysis, told as the council's stories: an advisor asks for cases like the one in
front of them and gets the one with the same theme and the same words first; a member of 生野区's
staff never sees a 北区 draft among "similar cases"; 大正区 and 平野区 are compared per 10,000
residents exactly as by hand; the training record Excel has one row per person and session that
really attended; and a name written in a key point does not leave in the report."""
from __future__ import annotations

import pytest

from casebook.analysis import population, trainees
from casebook.analysis.corpus import corpus
from casebook.analysis.report import analyse, load
from casebook.analysis.similar import SimilarityIndex, similar_cases
from casebook.errors import PermissionDenied
from casebook.identity import User
from casebook.model import AdvisorComment, Case, WardActivity
from casebook.pipeline.params import AnalysisParams, ParamsError, load_params
from casebook.render import analysis as part
from casebook.store import Store
from casebook.workflow import may_analyse

EDITOR = User("編集者", "editor")
ADVISOR = User("A大学 教授", "advisor")
IKUNO_STAFF = User("生野区の職員", "staff", ward="生野区")


def make(case_id, ward, themes, text, *, status="draft", household="", year=2024, title=None, target="individual",
         key_points=()):
    return Case(id=case_id, title=title or f"事例 {case_id}", ward=ward, fiscal_year=year, themes=themes,
                status=status, target=target,
                summary={"main_complaint": text}, person={"household": household},
                comments=[AdvisorComment(kind="key_points", advisor="A大学 教授", text=t) for t in key_points])


DEMENTIA = ("認知症が進んだ一人暮らしの高齢者。ゴミ出しの日が分からず、近隣住民から苦情が出た。民生委員の声かけと"
            "見守り活動、地域包括支援センターとの連携で、ゴミ出し支援の仕組みをつくった。")


@pytest.fixture
def constructed() -> list[Case]:
    return [
        make("q-1", "生野区", ["認知症"], DEMENTIA, household="一人暮らし。"),
        # same theme, shared key terms (ゴミ出し, 民生委員, 見守り活動, 地域包括支援センター)
        make("near-1", "生野区", ["認知症", "見守り・訪問"],
             "物忘れが増えた認知症の女性。ゴミ出しができず、民生委員が気づいた。見守り活動と地域包括支援センターの"
             "連携で、近隣住民がゴミ出しを手伝うようになった。", household="一人暮らし。"),
        # unrelated: other theme, other words
        make("far-1", "生野区", ["こども食堂"], "こども食堂を立ち上げるため、商店街の空き店舗と調理のボランティアを探した。"
             "子どもたちの学習支援も始めた。", target="community"),
        make("far-2", "生野区", ["防災・災害ボランティア"], "津波の避難訓練を町会と企画した。避難経路の確認と備蓄品の点検を行った。",
             target="community"),
        # shares only common words (高齢者, 地域), another theme
        make("mid-1", "生野区", ["担い手づくり"], "地域の高齢者が担い手養成講座を修了し、サロンの運営に加わった。"),
    ]


def test_the_case_with_the_same_theme_and_shared_key_terms_ranks_above_unrelated_ones(constructed):
    found = similar_cases(constructed, "q-1", EDITOR, k=4)
    ids = [s.case_id for s in found]
    assert ids[0] == "near-1"
    assert set(ids) - {"near-1"} <= {"mid-1", "far-1", "far-2"}
    for other in ("mid-1", "far-1", "far-2"):
        if other in ids:
            assert found[0].score > found[ids.index(other)].score
    best = found[0]
    assert best.shared_themes == ("認知症",)
    assert {"ゴミ出し", "民生委員"} & set(best.shared_words)
    assert best.household == "単身世帯"
    assert any(r.startswith("同じテーマ: 認知症") for r in best.reasons)
    assert best.as_dict()["reasons"] == best.reasons


def test_staff_of_ikuno_never_get_a_kita_draft_as_a_similar_case(constructed):
    cases = constructed + [
        make("kita-draft", "北区", ["認知症"], DEMENTIA, household="一人暮らし。"),          # the nearest of all
        make("kita-pub", "北区", ["認知症"], DEMENTIA + "その後も見守りが続いている。", status="published",
             household="一人暮らし。"),
    ]
    index = SimilarityIndex(corpus(cases))
    staff_sees = [s.case_id for s in similar_cases(index, "q-1", IKUNO_STAFF, k=10)]
    assert "kita-draft" not in staff_sees
    assert "kita-pub" in staff_sees                      # every ward's published cases are for everyone
    assert "kita-draft" in [s.case_id for s in similar_cases(index, "q-1", EDITOR, k=10)]
    with pytest.raises(PermissionDenied):                # nor may they ask about it: its neighbours describe it
        similar_cases(index, "kita-draft", IKUNO_STAFF)


def test_rates_per_10000_residents_for_two_wards_equal_a_hand_computation():
    cases = ([make(f"t-{i}", "大正区", ["見守り・訪問"], "見守り", year=2024) for i in range(2)]
             + [make(f"h-{i}", "平野区", ["見守り・訪問"], "見守り", year=2024) for i in range(3)])
    data = analyse(corpus(cases), AnalysisParams(statuses=["draft"], fiscal_years=[2024]))
    m = data.matrix
    assert m.rate("見守り・訪問", "大正区", 2024) == pytest.approx(2 * 10_000 / 64_937)     # 0.308
    assert m.rate("見守り・訪問", "平野区", 2024) == pytest.approx(3 * 10_000 / 196_357)    # 0.153
    assert m.count(None, "平野区") > m.count(None, "大正区")
    assert m.rate(None, "平野区") < m.rate(None, "大正区")          # raw counts and rates disagree: that is the point
    assert data.population_sources == ["大阪府の住民基本台帳人口（2020-01-01）"]

    # A newer figure imported as a ward figure replaces the shipped one from its fiscal year on.
    newer = [WardActivity(ward="大正区", fiscal_year=2024, theme="見守り・訪問", figure="住民基本台帳人口", value=62_000)]
    data = analyse(corpus(cases), AnalysisParams(statuses=["draft"], fiscal_years=[2024]), newer)
    assert data.matrix.rate("見守り・訪問", "大正区", 2024) == pytest.approx(2 * 10_000 / 62_000)
    assert population.residents(2023, newer)["大正区"].count == 64_937
    assert "住民基本台帳人口（令和6年度）" in data.population_sources
    html = part.matrix_html(data)
    assert "大阪府の住民基本台帳人口（2020-01-01）" in html and "0.32" in html


def test_the_shipped_population_is_the_24_wards_of_domain_md():
    table = population.shipped_residents()
    assert len(table) == 24 and sum(r.count for r in table.values()) == 2_730_420
    assert table["平野区"].count == 196_357 and table["平野区"].label == "大阪府の住民基本台帳人口（2020-01-01）"


def test_a_name_in_a_key_point_does_not_leave_in_the_report():
    cases = [make(f"c-{i}", "生野区", ["見守り・訪問"], DEMENTIA, status="submitted",
                  title="山田太郎さんの見守り" if i == 0 else None,
                  key_points=["民生委員の山田太郎さんが毎朝声をかけたことが、見守り活動の要になりました。"] if i == 0 else
                  ["見守り活動を地域の仕組みにした点がポイントです。"]) for i in range(3)]
    data = analyse(corpus(cases), AnalysisParams(statuses=["submitted"]))
    html = part.report_html(data)
    assert "山田" not in html and "太郎" not in html
    assert data.gate.masked >= 2                       # the key point and the title, masked, not dropped
    assert "伏せて載せています" in html
    assert "見守り活動" in html                         # the rest of the analysis is still there


def test_only_signed_in_advisors_and_editors_analyse_unpublished_cases(settings):
    assert may_analyse(IKUNO_STAFF, ["published"])
    refused = may_analyse(IKUNO_STAFF, ["draft", "published"])
    assert not refused and "公開中の事例だけ" in refused.reason
    assert may_analyse(ADVISOR, ["submitted"]) and may_analyse(EDITOR, ["draft"])
    assert not may_analyse(User("", "advisor"), ["submitted"])      # not signed in
    with Store.open(settings) as store, pytest.raises(PermissionDenied):
        load(store, AnalysisParams(statuses=["submitted"]), IKUNO_STAFF)


def test_a_parameter_set_with_an_unknown_ward_is_refused_by_key_in_japanese(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("wards: [生野区, 堺市北区]\nstatuses: []\nwordz: 3\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(bad, AnalysisParams)
    text = str(err.value)
    assert "wards[1]（区）" in text and "statuses（状態）" in text and "wordz" in text


def test_the_training_record_excel_has_one_row_per_person_and_session_attended(settings, tmp_path):
    from openpyxl import load_workbook

    from casebook.exchange import load_sample

    with Store.open(settings) as store:
        load_sample(store)
        joins = set()
        registered = 0
        for s in store.list_sessions():
            registered += len(s.participants)
            joins |= {(n.author, s.id) for _, n in store.group_notes(s.id) if n.author}
            joins |= {(e.participant, s.id) for e in store.evaluations(s.id)}
        recs = trainees.records(store)
        path = trainees.write_excel(recs, tmp_path / "研修受講記録.xlsx")
    assert path.stat().st_mode & 0o777 == 0o600
    sheet = load_workbook(path)["研修受講記録"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == trainees.HEADERS
    body = rows[1:]
    pairs = [(r[0], r[4]) for r in body]
    assert len(pairs) == len(set(pairs))                    # one row per person and session
    assert set(pairs) == joins                              # attendance equals the joins in the store
    assert len(body) < registered                           # not the registration list
    col = {h: i for i, h in enumerate(trainees.HEADERS)}
    answered = [r for r in body if r[col["理解度"]] is not None]
    assert answered and all(1 <= r[col["理解度"]] <= 5 and 1 <= r[col["満足度"]] <= 5 for r in answered)
    assert all(str(r[col["役割"]]).startswith("参加者") for r in body)


def test_trainees_can_be_narrowed_to_a_ward_and_a_year(settings):
    from casebook.exchange import load_sample

    with Store.open(settings) as store:
        load_sample(store)
        everyone = trainees.records(store)
        ikuno = trainees.records(store, ward="生野区", fiscal_year="令和6年度")
    assert ikuno and all(r.ward == "生野区" for r in ikuno)
    assert all(s.fiscal_year == 2024 for r in ikuno for s in r.sessions)
    assert len(ikuno) < len(everyone)


def test_similar_cases_from_the_store_follow_an_edit(settings, constructed):
    # The cached index is rebuilt when a case's version changes: an edit shows at the next question.
    with Store.open(settings) as store:
        store.import_all(cases=constructed, author="test")
        assert similar_cases(store, "q-1", EDITOR, k=1)[0].case_id == "near-1"
        far = store.get_case("far-2")
        edited = far.case.model_copy(update={"themes": ["認知症"], "summary": constructed[0].summary})
        store.save_case(edited, author="test", base_version=far.version)
        assert store.case_versions()[1:] and dict(store.case_versions())["far-2"] == 2
        assert similar_cases(store, "q-1", EDITOR, k=1)[0].case_id == "far-2"
