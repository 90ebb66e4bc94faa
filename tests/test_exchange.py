"""Import and export as the staff use them: sheets typed by people, files passed between wards.

A broken sheet is refused whole, with every bad row named by number and column, and the store
does not change; what people really type (全角 digits, 令和 years, 大阪市 prefixes, blank rows,
stray spaces, 1,234) goes in; and export → import gives back equal records in every format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from casebook import exchange
from casebook.exchange import ImportFailed, export_file, import_file, read_file
from casebook.model import (AdvisorComment, AgendaItem, Assessment, Case, CaseSummary, Ecomap, EcomapNode,
                            EcomapTie, Ethics, Evaluation, Group, GroupNote, Participant, PersonHousehold,
                            Session, TimelineEntry, WardActivity)
from casebook.store import Store

DATA = Path(__file__).parent / "data"
CASE_HEADERS = ["事例番号", "事例タイトル", "区", "年度", "状態"]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook as a person would make it: one list of rows per sheet, header first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def rich_case() -> Case:
    """A reviewed case with every kind of content: prose with line breaks, an ecomap, a timeline, comments."""
    return Case(
        id="2024-27116-01", title="ひとり暮らしの高齢者Aさんと地域の見守り", ward="生野区", fiscal_year=2024,
        provider="B氏", provider_role="CSW（コミュニティソーシャルワーカー）", keywords=["見守り", "孤立", "8050"],
        themes=["見守り・訪問", "認知症"], reason="地域での見守りの在り方を\n皆で考えたい。", questions="本人の意向をどう支えるか",
        target="household", status="reviewed",
        summary=CaseSummary(referral="民生委員", main_complaint="=1+1 と書いた紙が玄関に（式ではなく文字）", support_period="2024年4月〜"),
        person=PersonHousehold(age_band="80代", gender="女性", household="ひとり暮らし", wishes="住み慣れた家で暮らしたい"),
        assessment=Assessment(person="物忘れが増えている", family="長男Cさんは遠方", community="近隣の声かけがある"),
        ecomap=Ecomap(
            nodes=[EcomapNode(id="a", label="Aさん", kind="person"),
                   EcomapNode(id="c", label="長男Cさん", kind="household", note="県外"),
                   EcomapNode(id="min", label="民生委員", kind="informal"),
                   EcomapNode(id="hok", label="D地域包括支援センター", kind="formal")],
            ties=[EcomapTie(source="min", target="a", strength="strong", direction="forward", note="週1回訪問"),
                  EcomapTie(source="c", target="a", strength="stressful", direction="both"),
                  EcomapTie(source="hok", target="a", strength="weak")]),
        timeline=[TimelineEntry(period="2024年4月", support="民生委員と初回訪問", actors="民生委員", change="警戒していた"),
                  TimelineEntry(period="2024年6月", support="ふれあい喫茶に誘う", change="笑顔が増えた")],
        comments=[AdvisorComment(advisor="E先生", text="見守りの輪が\n広がった実践です。",
                                 created_at=dt.datetime(2024, 11, 2, 5, 3, tzinfo=dt.timezone.utc)),
                  AdvisorComment(kind="key_points", advisor="E先生", text="本人のストレングスに着目")],
        ethics=Ethics(consent=True, anonymised=True))


def fill_store(store: Store) -> None:
    store.import_all(
        cases=[rich_case(), Case(id="2023-27127-02", title="こども食堂の立ち上げ", ward="北区", fiscal_year=2023)],
        activity=[WardActivity(ward="生野区", fiscal_year=2024, theme="こども食堂", figure="こども食堂 箇所数", value=12, unit="か所"),
                  WardActivity(ward="北区", fiscal_year=2023, theme="見守り・訪問", figure="見守り訪問件数", value=1234.5, unit="件")],
        sessions=[Session(id="S2024-02", title="基礎研修 II 事例検討", date=dt.date(2024, 11, 2), kind="basic2",
                          theme="認知症", advisor="E先生", case_ids=["2024-27116-01"],
                          agenda=[AgendaItem(title="開会", minutes=5), AgendaItem(title="グループ討議", minutes=40)],
                          participants=[Participant(name="Fさん", ward="北区", role="CSW", group="1班"),
                                        Participant(name="G氏", role="市社協")],
                          groups=[Group(name="1班", members=["Fさん", "G氏"])],
                          questions=["見守りの工夫は？", "地域の強みは？"], summary="本人の思いから始める", closed=True)],
        notes=[GroupNote(session_id="S2024-02", group="1班", question=1, author="Fさん", text="声かけを続ける", pinned=True)],
        evaluations=[Evaluation(session_id="S2024-02", participant="Fさん", satisfaction=5, understanding=4,
                                usefulness=3, comments="学びが多かった")],
        author="テスト")


def snapshot(store: Store) -> dict:
    """Everything a user could see in the store, in a comparable order."""
    sessions = store.list_sessions()
    return {"cases": [r.case for r in store.list_cases()],
            "activity": sorted(store.activity(), key=lambda a: a.key),
            "sessions": sessions,
            "notes": [n for s in sessions for _, n in store.group_notes(s.id)],
            "evaluations": sorted((e for s in sessions for e in store.evaluations(s.id)), key=lambda e: e.participant)}


def located(failed: ImportFailed) -> set[tuple[int | None, str]]:
    return {(p.row, p.column) for p in failed.problems}


# --- broken sheets: refused whole, every bad row named ---------------------------------------

def test_a_broken_case_workbook_names_every_bad_row_and_changes_nothing(tmp_path, store_url):
    store = Store(store_url)
    fill_store(store)
    before = snapshot(store)
    book = write_xlsx(tmp_path / "提出事例.xlsx", {
        "事例": [CASE_HEADERS,
                 ["2024-27109-01", "天王寺区の見守り", "天王寺区", 2024, "下書き"],     # 2: fine
                 ["2024-27199-01", "区を間違えた事例", "中村区", 2024, "下書き"],       # 3: unknown ward
                 ["2024-27111-01", "年度を間違えた事例", "浪速区", "来年度", "下書き"],  # 4: bad year
                 ["2024-27113-01", None, "西淀川区", 2024, "下書き"],                 # 5: missing title
                 ["2024-27109-01", "同じ番号の事例", "天王寺区", 2024, "下書き"],       # 6: duplicate id
                 ["2024-27140-01", "堺市の事例", "堺市北区", 2024, "下書き"],          # 7: another city
                 ["2024-27116-01", "登録済みの事例", "生野区", 2024, "下書き"]],        # 8: already in the store
        "支援の経過": [["事例番号", "時期", "支援内容"],
                     ["2024-27109-01", "4月", "初回訪問"],
                     ["2099-00000-01", "5月", "事例の表にない番号"]],                   # 3: unknown case
        "活動状況": [["区", "年度", "テーマ", "指標", "値", "単位"],
                   ["天王寺区", 2024, "こども食堂", "こども食堂 箇所数", 3, "か所"],
                   ["天王寺区", 2024, "見守り・訪問", "見守り訪問件数", "たくさん", "件"]],  # 3: text in 値
    })
    with pytest.raises(ImportFailed) as failed:
        import_file(store, book)
    problems = failed.value.problems
    by_place = {(p.source, p.row, p.column): p.reason for p in problems}
    assert set(by_place) == {
        ("提出事例.xlsx › 事例", 3, "区"), ("提出事例.xlsx › 事例", 4, "年度"),
        ("提出事例.xlsx › 事例", 5, "事例タイトル"), ("提出事例.xlsx › 事例", 6, "事例番号"),
        ("提出事例.xlsx › 事例", 7, "区"), ("提出事例.xlsx › 事例", 8, "事例番号"),
        ("提出事例.xlsx › 支援の経過", 3, "事例番号"), ("提出事例.xlsx › 活動状況", 3, "値")}
    assert "「中村区」は大阪市の区ではありません" in by_place[("提出事例.xlsx › 事例", 3, "区")]
    assert "「堺市北区」は大阪市の区ではありません" in by_place[("提出事例.xlsx › 事例", 7, "区")]
    assert "来年度" in by_place[("提出事例.xlsx › 事例", 4, "年度")]
    assert "重複" in by_place[("提出事例.xlsx › 事例", 6, "事例番号")] and "2行目" in by_place[("提出事例.xlsx › 事例", 6, "事例番号")]
    assert "すでに登録されています" in by_place[("提出事例.xlsx › 事例", 8, "事例番号")]
    assert "数値" in by_place[("提出事例.xlsx › 活動状況", 3, "値")]
    assert snapshot(store) == before
    assert len(store.list_cases()) == 2
    store.close()


def test_a_broken_csv_of_ward_figures_is_refused_row_by_row(tmp_path, store_url):
    store = Store(store_url)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, DATA / "broken_activity.csv")
    assert located(failed.value) == {(3, "区"), (4, "区"), (5, "年度"), (6, "値"), (7, "指標"), (8, "テーマ"), (9, "値")}
    assert all(p.source == "broken_activity.csv" for p in failed.value.problems)
    text = str(failed.value)
    assert "何も書き込んでいません" in text and "broken_activity.csv 4行目 「区」" in text
    assert store.activity() == []
    store.close()


def test_a_sheet_without_a_needed_column_says_which_column(tmp_path):
    book = write_xlsx(tmp_path / "x.xlsx", {"事例": [["事例番号", "区", "年度"], ["2024-27116-09", "生野区", 2024]]})
    with pytest.raises(ImportFailed) as failed:
        read_file(book)
    assert [(p.row, p.column, p.reason) for p in failed.value.problems] == [(1, "事例タイトル", "「事例タイトル」の列がありません")]


def test_an_unknown_column_is_refused_rather_than_dropped(tmp_path):
    book = write_xlsx(tmp_path / "x.xlsx", {"事例": [[*CASE_HEADERS, "担当者の電話"],
                                                   ["2024-27116-09", "題", "生野区", 2024, "下書き", "06-0000-0000"]]})
    with pytest.raises(ImportFailed) as failed:
        read_file(book)
    assert located(failed.value) == {(1, "担当者の電話")}


def test_yaml_problems_name_the_item_and_its_line(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n"
                    "  - id: 2024-27116-05\n    title: よい事例\n    ward: 生野区\n    fiscal_year: 令和6年度\n"
                    "  - id: 2024-27116-06\n    title: ''\n    ward: 堺市北区\n    fiscal_year: 2024\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    got = {(p.source, p.row, p.column) for p in failed.value.problems}
    assert got == {("cases.yaml › cases 2件目", 6, "事例タイトル"), ("cases.yaml › cases 2件目", 6, "区")}


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - id: 2024-27116-05\n    title: [閉じていない\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (problem,) = failed.value.problems
    assert problem.row is not None and "YAML として読めません" in problem.reason


def test_an_unsupported_file_is_refused_by_name(tmp_path):
    for name, words in (("old.xls", ".xlsx で保存し直して"), ("notes.txt", "扱えません")):
        (tmp_path / name).write_bytes(b"x")
        with pytest.raises(ImportFailed) as failed:
            read_file(tmp_path / name)
        assert words in failed.value.problems[0].reason


# --- what people really type ------------------------------------------------------------------------

def test_cases_typed_loosely_in_csv_import_correctly(store_url):
    store = Store(store_url)
    report = import_file(store, DATA / "tolerant_cases.csv", author="生野区社協")
    assert report.counts["cases"] == 4
    cases = {r.case.id: r.case for r in store.list_cases()}
    a = cases["2024-27116-01"]            # 全角 id, 大阪市 prefix + trailing space, 令和６年度, a sibling timeline
    assert (a.title, a.ward, a.fiscal_year, a.status) == ("ひとり暮らしのAさんと見守り", "生野区", 2024, "draft")
    assert a.themes == ["見守り・訪問", "認知症"] and a.ethics.consent is True
    assert a.summary.main_complaint == "電話がつながらない"
    assert [t.period for t in a.timeline] == ["2024年4月", "2024年5月"]
    assert a.timeline[1].actors == "地域包括支援センター、民生委員"
    assert (cases["2018-27127-01"].ward, cases["2018-27127-01"].fiscal_year) == ("北区", 2018)     # Kita, 平成30年度
    assert (cases["2023-27102-02"].ward, cases["2023-27102-02"].status) == ("都島区", "approved")  # JIS code, R5
    assert cases["2023-27102-02"].themes == ["居場所づくり・ふれあい喫茶"]
    assert (cases["2019-27122-01"].ward, cases["2019-27122-01"].fiscal_year) == ("西成区", 2019)   # 大阪府大阪市…, 令和元年度
    assert store.history("2024-27116-01")[0].saved_by == "生野区社協"
    store.close()


def test_ward_figures_typed_loosely_import_correctly(store_url):
    store = Store(store_url)
    import_file(store, DATA / "tolerant_activity.csv")
    got = {(a.ward, a.fiscal_year, a.figure): (a.value, a.theme) for a in store.activity()}
    assert got == {("北区", 2024, "見守り訪問件数"): (1234, "見守り・訪問"),
                   ("生野区", 2024, "こども食堂 箇所数"): (12, "こども食堂"),         # theme left blank: from the 指標
                   ("西成区", 2023, "ふれあい喫茶 箇所数"): (8, "居場所づくり・ふれあい喫茶"),
                   ("生野区", 2018, "ボランティア登録者数"): (2048, "ボランティア・市民活動")}  # "２，０４８"; the 合計 row is not a ward
    store.close()


def test_the_wide_sheet_wards_send_is_read_with_the_year_from_its_title(tmp_path):
    book = write_xlsx(tmp_path / "活動状況.xlsx", {"Sheet1": [
        ["令和６年度 区社協 活動状況報告"],
        [],
        ["区", "見守り訪問件数（件）", "こども食堂 箇所数", "ボランティア登録者数"],
        ["大阪市北区", "1,234", 5, None],
        [],
        ["生野区 ", "２３０", "１２", 410],
        ["合計", "1,464", 17, 410],
    ]})
    bundle = read_file(book)
    got = {(a.ward, a.fiscal_year, a.figure, a.unit): a.value for a in bundle.activity}
    assert got == {("北区", 2024, "見守り訪問件数", "件"): 1234, ("北区", 2024, "こども食堂 箇所数", "か所"): 5,
                   ("生野区", 2024, "見守り訪問件数", "件"): 230, ("生野区", 2024, "こども食堂 箇所数", "か所"): 12,
                   ("生野区", 2024, "ボランティア登録者数", "人"): 410}


def test_a_wide_sheet_without_a_year_asks_for_one(tmp_path):
    book = write_xlsx(tmp_path / "figures.xlsx", {"Sheet1": [["区", "こども食堂 箇所数", "お茶会の回数"], ["北区", 3, 4]]})
    with pytest.raises(ImportFailed) as failed:
        read_file(book)
    assert located(failed.value) == {(1, "年度"), (1, "お茶会の回数")}
    book = write_xlsx(tmp_path / "figures.xlsx", {"Sheet1": [["区", "こども食堂 箇所数"], ["北区", 3], ["堺市北区", "x"]]})
    with pytest.raises(ImportFailed) as failed:
        read_file(book, fiscal_year="R5")
    assert located(failed.value) == {(3, "こども食堂 箇所数")}   # the bad value is the first thing wrong in row 3
    book = write_xlsx(tmp_path / "figures.xlsx", {"Sheet1": [["区", "こども食堂 箇所数"], ["北区", 3]]})
    assert [(a.fiscal_year, a.value) for a in read_file(book, fiscal_year="R5").activity] == [(2023, 3)]


def test_a_shift_jis_csv_saved_by_excel_is_read(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes("区,年度,テーマ,指標,値,単位\r\n大阪市生野区,令和6年度,こども食堂,こども食堂 箇所数,12,か所\r\n".encode("cp932"))
    (figure,) = read_file(path).activity
    assert (figure.ward, figure.fiscal_year, figure.value) == ("生野区", 2024, 12)


def test_a_bare_list_in_json_is_a_list_of_cases(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text('[{"id": "2024-27116-07", "title": "JSONの事例", "ward": "Ikuno", "fiscal_year": "R6"}]', encoding="utf-8")
    (case,) = read_file(path).cases
    assert (case.ward, case.fiscal_year) == ("生野区", 2024)


# --- ids already there ------------------------------------------------------------------------------

def test_replace_overwrites_what_is_there_as_a_new_version(tmp_path, store_url):
    store = Store(store_url)
    fill_store(store)
    path = tmp_path / "cases.yaml"
    changed = rich_case().model_copy(update={"title": "見直したタイトル"})
    exchange.write_bundle(exchange.Bundle(cases=[changed]), path)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path)
    assert "--replace" in failed.value.problems[0].reason
    report = import_file(store, path, replace=True, author="編集者")
    assert report.written["cases_updated"] == 1
    record = store.get_case("2024-27116-01")
    assert (record.case.title, record.version, record.updated_by) == ("見直したタイトル", 2, "編集者")
    assert store.case_at("2024-27116-01", 1).title == rich_case().title
    store.close()


# --- export → import gives back equal records ------------------------------------------------------

@pytest.mark.parametrize("suffix", ["yaml", "json", "csv", "xlsx"])
def test_export_then_import_into_an_empty_store_gives_back_equal_records(tmp_path, store_url, suffix):
    source = Store(store_url)
    fill_store(source)
    path = tmp_path / "export" / f"全件.{suffix}"
    report = export_file(source, path)
    assert report.counts == {"cases": 2, "activity": 2, "sessions": 1, "group_notes": 1, "evaluations": 1}
    target = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    import_file(target, path)
    assert snapshot(target) == snapshot(source)
    case = target.get_case("2024-27116-01").case
    assert case == rich_case() and case.summary.main_complaint.startswith("=1+1")
    source.close()
    target.close()


def test_an_excel_export_reads_like_a_staff_sheet(tmp_path, store_url):
    store = Store(store_url)
    fill_store(store)
    export_file(store, tmp_path / "事例.xlsx", what="cases", status="reviewed")
    book = openpyxl.load_workbook(tmp_path / "事例.xlsx")
    assert book.sheetnames == ["事例", "支援の経過", "エコマップ要素", "エコマップ関係線", "助言者コメント"]
    cases = book["事例"]
    header = [c.value for c in cases[1]]
    assert header[:6] == ["事例番号", "事例タイトル", "区", "年度", "事例提供者", "職種"]
    assert "事例の概要 › 主訴" in header and "アセスメント（課題整理） › 本人" in header
    row = {h: c.value for h, c in zip(header, cases[2])}
    assert cases.max_row == 2                                    # only the reviewed case
    assert (row["状態"], row["対象"], row["テーマ"], row["倫理 › 本人同意"]) == ("助言済み", "世帯", "見守り・訪問、認知症", "はい")
    assert cases.cell(2, header.index("事例の概要 › 主訴") + 1).data_type == "s"    # "=1+1…" stays text
    ties = [[c.value for c in r] for r in book["エコマップ関係線"].iter_rows()]
    assert ties[1] == ["2024-27116-01", "min", "a", "強い", "本人側から相手へ", "週1回訪問"]


def test_a_csv_export_opened_in_a_spreadsheet_shows_text_not_a_formula(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    fill_store(store)
    path = tmp_path / "事例.csv"
    export_file(store, path, what="cases")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    row = next(r for r in rows if r[0] == "2024-27116-01")
    complaint = row[rows[0].index("事例の概要 › 主訴")]
    assert complaint.startswith("'=1+1")                      # a spreadsheet shows it as text
    target = Store(f"sqlite:///{tmp_path / 'again.sqlite'}")
    import_file(target, path)                                 # and the workbench reads back what was typed
    assert target.get_case("2024-27116-01").case.summary.main_complaint.startswith("=1+1")
    store.close()
    target.close()


def test_a_csv_export_writes_siblings_and_removes_stale_ones(tmp_path, store_url):
    store = Store(store_url)
    fill_store(store)
    report = export_file(store, tmp_path / "out.csv")
    names = sorted(p.name for p in report.files)
    assert "out.csv" in names and "out.支援の経過.csv" in names and "out.評価.csv" in names
    assert (tmp_path / "out.csv").read_bytes().startswith("\ufeff事例番号,".encode())
    report = export_file(store, tmp_path / "out.csv", what="activity", ward="大阪市北区")
    assert [p.name for p in report.files] == ["out.csv"] and len(report.removed) == len(names) - 1
    bundle = read_file(tmp_path / "out.csv")
    assert [(a.ward, a.value) for a in bundle.activity] == [("北区", 1234.5)] and bundle.cases == []
    store.close()


# --- the bundled sample data goes through the same door ----------------------------------------------

def test_the_sample_data_loads_through_the_import_path_once(store_url):
    store = Store(store_url)
    files = exchange.sample_files()
    assert {p.name for p in files} >= {"cases_a.yaml", "cases_b.yaml", "ward_activity.csv", "sessions.yaml"}
    report = exchange.load_sample(store)
    assert report.counts["cases"] == len(store.list_cases()) >= 48
    assert report.counts["activity"] == len(store.activity()) and report.counts["sessions"] == len(store.list_sessions()) >= 2
    before = snapshot(store)
    with pytest.raises(ImportFailed) as failed:
        exchange.load_sample(store)
    assert all("すでに登録されています" in p.reason for p in failed.value.problems)
    assert snapshot(store) == before
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["yaml", "json", "csv", "xlsx"])
def test_the_whole_sample_survives_a_round_trip(tmp_path, store_url, suffix):
    source = Store(store_url)
    exchange.load_sample(source)
    path = tmp_path / f"sample.{suffix}"
    export_file(source, path)
    target = Store(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    report = import_file(target, path)
    assert report.counts["cases"] >= 48 and report.counts["activity"] >= 24 * 3
    assert snapshot(target) == snapshot(source)
    source.close()
    target.close()


# --- a file of personal data stays private -----------------------------------------------------------

@pytest.mark.parametrize("suffix", ["yaml", "json", "csv", "xlsx"])
def test_every_exported_file_is_readable_by_its_owner_only(tmp_path, suffix):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    fill_store(store)
    old = os.umask(0o022)   # the usual umask, under which a plainly created file is world-readable
    try:
        report = export_file(store, tmp_path / f"全件.{suffix}")
    finally:
        os.umask(old)
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in report.files}
    assert len(modes) == (13 if suffix == "csv" else 1)
    assert set(modes.values()) == {"0o600"}, modes
    store.close()


# --- a hostile file is refused like any unreadable one, never with a traceback ---------------------

def _truncated_sheet(path: Path) -> Path:
    """A real workbook whose sheet breaks off half way, as a failed download leaves it."""
    whole = path.with_name("whole.xlsx")
    write_xlsx(whole, {"活動状況": [["区", "年度", "テーマ", "指標", "値", "単位"],
                                 *[["生野区", 2024, "こども食堂", f"指標{i}", i, "件"] for i in range(2000)]]})
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    return path


HOSTILE = {
    "deep_list.json": ("[" * 100_000, "JSON として読めません（入れ子が深すぎます）"),
    "deep_object.json": ('{"a":' * 10_000 + "1" + "}" * 10_000, "JSON として読めません（入れ子が深すぎます）"),
    "long_number.json": ('[{"id": 1' + "0" * 5000 + "}]", "JSON として読めません"),
    "long_number.yaml": ("cases:\n  - id: 1" + "0" * 5000 + "\n", "YAML として読めません"),
    "impossible_date.yaml": ("sessions:\n  - id: S2024-09\n    date: 2024-13-45\n", "YAML として読めません"),
    "huge_field.csv": ('区,年度\r\n"' + "x" * 200_000 + '",2024\r\n', "CSV として読めません"),
    "not_a_zip.xlsx": ("これは Excel ではありません", "Excel ファイルとして読めません"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_one_message_naming_it(tmp_path, store_url, name):
    text, words = HOSTILE[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = Store(store_url)
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path)
    (problem,) = failed.value.problems
    assert problem.source == name and words in problem.reason
    assert store.list_cases() == [] and store.activity() == []
    store.close()


def test_a_workbook_broken_inside_a_sheet_is_refused_by_name(tmp_path):
    path = _truncated_sheet(tmp_path / "途中で切れた.xlsx")
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (problem,) = failed.value.problems
    assert problem.source == "途中で切れた.xlsx" and "Excel ファイルとして読めません" in problem.reason


def test_deep_yaml_is_refused_even_without_libyaml(tmp_path, monkeypatch):
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)   # the pure-Python parser recurses per level
    path = tmp_path / "deep.yaml"
    path.write_text("cases: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_file(path)
    (problem,) = failed.value.problems
    assert problem.source == "deep.yaml" and "YAML として読めません（入れ子が深すぎます）" in problem.reason


def test_a_folder_named_like_an_import_file_is_refused_by_name(tmp_path):
    (tmp_path / "cases.yaml").mkdir()
    with pytest.raises(ImportFailed) as failed:
        read_file(tmp_path / "cases.yaml")
    (problem,) = failed.value.problems
    assert problem.source == "cases.yaml" and "読めません" in problem.reason
