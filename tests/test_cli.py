"""`workbench` as a user drives it: set up, look at cases, bring files in, send files out.

Most steps go through typer's CliRunner (same process, fast); the start and the sample set-up run
the real console script in a fresh interpreter, as a newcomer would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from casebook.cli import app
from casebook.settings import Settings
from casebook.store import Store

DATA = Path(__file__).parent / "data"
WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def run_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([WORKBENCH, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


@pytest.fixture
def loaded(settings: Settings) -> Settings:
    """A store with the three CLI test cases, imported the way a user would."""
    assert run("init").exit_code == 0
    result = run("import", str(DATA / "cli_cases.yaml"), "--author", "生野区社協")
    assert result.exit_code == 0, result.output
    assert "事例 3件を取り込みました" in result.output
    return settings


def test_the_help_starts_in_a_fresh_process_and_lists_the_commands(settings):
    result = run_process("--help", env=settings.environ())
    assert result.returncode == 0, result.stderr
    for command in ("init", "cases", "import", "export", "history", "restore"):
        assert command in result.stdout
    assert "事例" in result.stdout


def test_loading_the_cli_pulls_in_no_heavy_library(settings):
    # What keeps `workbench --help` fast: the model, the database layer, Excel and Jupyter load on use.
    code = ("import sys, casebook.cli; heavy = ['pydantic', 'sqlalchemy', 'openpyxl', 'yaml', 'papermill',"
            " 'nbformat', 'nbconvert', 'jupyter_client', 'pandas', 'matplotlib', 'sudachipy', 'ipywidgets'];"
            " print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_init_with_sample_data_in_a_real_process_then_browse_it(settings):
    result = run_process("init", "--sample", env=settings.environ())
    assert result.returncode == 0, result.stderr
    assert "サンプルデータ:" in result.stdout and "事例" in result.stdout
    listing = run("cases", "list", "--ward", "大阪市生野区")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split() == ["事例番号", "区", "年度", "状態", "事例タイトル"]
    rows = [line for line in lines[2:] if line.strip() and not line.endswith("件")]
    assert rows and all(line.split()[1] == "生野区" for line in rows)
    assert "年度（令和" in listing.output
    first_id = rows[0].split()[0]
    shown = run("cases", "show", first_id)
    assert shown.exit_code == 0 and f"【{first_id}】" in shown.output and "区: 生野区" in shown.output


def test_sample_data_is_not_loaded_twice_unless_forced(settings):
    assert run("init", "--sample").exit_code == 0
    count = len(json.loads(run("cases", "list", "--format", "json").output))
    again = run("init", "--sample")
    assert again.exit_code == 1
    assert "既にデータがあります" in again.output and "--force" in again.output
    assert len(json.loads(run("cases", "list", "--format", "json").output)) == count
    forced = run("init", "--sample", "--force")
    assert forced.exit_code == 0 and "既存のデータをすべて消しました" in forced.output
    assert len(json.loads(run("cases", "list", "--format", "json").output)) == count


def test_cases_list_filters_by_ward_status_and_year(loaded):
    result = run("cases", "list", "--ward", "Ikuno", "--status", "助言済み", "--year", "令和6年度")
    assert result.exit_code == 0, result.output
    assert "2024-27116-01" in result.output and "2024-27116-02" not in result.output
    assert "2024年度（令和6年度）" in result.output and "助言済み" in result.output and "1件" in result.output
    both = json.loads(run("cases", "list", "--ward", "27116", "--format", "json").output)
    assert [c["id"] for c in both] == ["2024-27116-01", "2024-27116-02"]
    assert both[1]["status_label"] == "下書き"
    kita = json.loads(run("cases", "list", "--year", "R5", "--format", "json").output)
    assert [(c["ward"], c["fiscal_year_label"]) for c in kita] == [("北区", "2023年度（令和5年度）")]
    nothing = run("cases", "list", "--status", "published")
    assert nothing.exit_code == 0 and "該当する事例はありません" in nothing.output


def test_a_ward_of_another_city_is_refused_by_name(loaded):
    result = run("cases", "list", "--ward", "堺市北区")
    assert result.exit_code == 2 and "「堺市北区」は大阪市の区ではありません" in result.output


def test_cases_show_reads_like_the_case_sheet(loaded):
    result = run("cases", "show", "2024-27116-01")
    assert result.exit_code == 0
    text = result.output
    for expected in ("【2024-27116-01】ひとり暮らしのAさんを地域で見守る", "年度: 2024年度（令和6年度）", "状態: 助言済み",
                     "■ 事例の概要", "相談経路: 民生委員", "■ 支援の経過", "1. 2024年4月: 民生委員と初回訪問",
                     "■ エコマップ", "民生委員 → Aさん: 強い", "■ 助言者コメント", "D先生（2024-11-02 14:03）",
                     "本人同意: なし"):
        assert expected in text, expected
    missing = run("cases", "show", "2099-27116-01")
    assert missing.exit_code == 1 and "2099-27116-01" in missing.output


def test_importing_a_broken_excel_exits_1_lists_every_row_and_changes_nothing(loaded, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "事例"
    for row in (["事例番号", "事例タイトル", "区", "年度"],
                ["2024-27102-01", "都島区の事例", "都島区", 2024],
                ["2024-27140-01", "堺市の事例", "堺市北区", 2024],
                ["2024-27116-01", "登録済みの番号", "生野区", "令和6年度"],
                [None, None, None, None],
                ["2024-27103-01", None, "福島区", "来年度"]):
        sheet.append(row)
    book.save(tmp_path / "事例提出.xlsx")
    before = run("cases", "list", "--format", "json").output
    result = run("import", str(tmp_path / "事例提出.xlsx"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["ファイル・シート", "行番号", "列", "理由"]
    problems = [line.split()[3:5] for line in lines[2:] if line.startswith("事例提出.xlsx › 事例")]
    assert problems == [["3", "区"], ["4", "事例番号"], ["6", "事例タイトル"], ["6", "年度"]]
    assert "何も取り込みませんでした（データベースは変わっていません）" in result.output
    assert run("cases", "list", "--format", "json").output == before


def test_importing_a_json_nested_too_deep_exits_1_with_a_message_not_a_traceback(loaded, tmp_path):
    path = tmp_path / "深すぎる.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    before = run("cases", "list", "--format", "json").output
    result = run("import", str(path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "深すぎる.json" in result.output and "JSON として読めません（入れ子が深すぎます）" in result.output
    assert "何も取り込みませんでした（データベースは変わっていません）" in result.output
    assert run("cases", "list", "--format", "json").output == before

def test_export_then_import_into_a_fresh_data_folder(loaded, tmp_path, monkeypatch):
    for suffix in ("xlsx", "csv"):
        exported = run("export", str(tmp_path / f"out.{suffix}"), "--what", "cases")
        assert exported.exit_code == 0 and "事例 3件を書き出しました" in exported.output
    filtered = run("export", str(tmp_path / "ikuno.yaml"), "--ward", "生野区", "--status", "reviewed")
    assert "事例 1件" in filtered.output
    with Store.open(loaded, read_only=True) as store:
        original = [r.case for r in store.list_cases()]
    for suffix in ("xlsx", "csv"):
        fresh = tmp_path / f"fresh-{suffix}"
        monkeypatch.setenv("WORKBENCH_DATA", str(fresh))
        assert run("init").exit_code == 0
        result = run("import", str(tmp_path / f"out.{suffix}"))
        assert result.exit_code == 0, result.output
        with Store.open(Settings.from_env(), read_only=True) as store:
            assert [r.case for r in store.list_cases()] == original


def test_history_show_and_restore(loaded):
    with Store.open(loaded) as store:
        record = store.get_case("2024-27116-02")
        changed = record.case.model_copy(update={"title": "書き直したタイトル"})
        store.save_case(changed, author="山田", base_version=record.version)
    result = run("history", "2024-27116-02")
    assert result.exit_code == 0
    rows = result.output.splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["1", "2"]
    assert "取り込み" in rows[0] and "生野区社協" in rows[0] and "山田" in rows[1]
    old = run("history", "2024-27116-02", "--show", "1")
    assert "こども食堂と学校の連携" in old.output
    restored = run("restore", "2024-27116-02", "1", "--author", "山田")
    assert restored.exit_code == 0 and "版 3 として復元しました" in restored.output
    assert "【2024-27116-02】こども食堂と学校の連携" in run("cases", "show", "2024-27116-02").output
    no_author = run("restore", "2024-27116-02", "1")
    assert no_author.exit_code == 2


def test_the_same_commands_work_on_postgresql(settings, store_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DB_URL", store_url)
    assert run("init").exit_code == 0
    assert run("import", str(DATA / "cli_cases.yaml")).exit_code == 0
    assert run("import", str(DATA / "tolerant_activity.csv")).exit_code == 0
    assert run("export", str(tmp_path / "all.json")).exit_code == 0
    doc = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert (doc["format"], len(doc["cases"]), len(doc["activity"])) == ("osaka-csw-workbench", 3, 4)
    again = run("import", str(tmp_path / "all.json"))
    assert again.exit_code == 1 and "すでに登録されています" in again.output
    assert run("import", str(tmp_path / "all.json"), "--replace").exit_code == 0
