"""An advisor's report, end to end: `workbench analyse` runs notebooks/cross_case_analysis.ipynb by
papermill on the sample data with the two parameter sets (the whole city; 生野区 and 見守り・訪問),
renders one offline HTML page each, and the page opens in a browser with every section; screenshots
are kept under build/screenshots/analysis/."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from casebook.analysis import run
from casebook.errors import PermissionDenied
from casebook.exchange import load_sample
from casebook.identity import User
from casebook.settings import REPO_ROOT
from casebook.store import Store

SCREENSHOTS = REPO_ROOT / "build" / "screenshots" / "analysis"
PARAMS = REPO_ROOT / "parameters" / "analysis"


@pytest.fixture
def sample_store(settings):
    with Store.open(settings) as store:
        load_sample(store)
    return settings


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name, expect_text", [
    ("city", ["事例の横断分析（市全体）", "平野区", "大阪府の住民基本台帳人口（2020-01-01）"]),
    ("ikuno_mimamori", ["生野区の見守り・訪問の事例", "見守り・訪問", "127,452"]),
])
def test_the_analysis_notebook_runs_for_a_parameter_set_and_opens_offline(sample_store, offline, name, expect_text):
    result = run.analyse(PARAMS / f"{name}.yaml", sample_store)
    assert result.html == sample_store.build_dir / "analysis" / name / "report.html"
    assert result.html.stat().st_mode & 0o777 == 0o600          # unpublished cases inside
    cells = json.loads(result.notebook.read_text(encoding="utf-8"))["cells"]
    assert not any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
    assert "<html" in run.printable_html(result)                 # the PDF prints the same page
    import subprocess

    assert result.pdf.stat().st_mode & 0o777 == 0o600
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info and int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2
    fonts = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())   # embedded
    text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("テーマごとの推移", "まず読む事例"):
        assert heading in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for pdf_page in (1, 2):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(pdf_page), "-l", str(pdf_page), str(result.pdf),
                        str(SCREENSHOTS / f"{name}-pdf")], check=True)

    page = offline
    page.goto(result.html.as_uri())
    report = page.locator("main")
    for heading in ("テーマ × 区 × 年度", "テーマごとの推移", "くり返し出てくる論点", "テーマごとの特徴語",
                    "まず読む事例"):
        expect(report.locator("h2", has_text=heading)).to_be_visible()
    for text in expect_text:
        expect(report).to_contain_text(text)
    assert page.external_requests == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.slow
def test_staff_cannot_run_an_analysis_over_unpublished_cases(sample_store):
    with pytest.raises(PermissionDenied):
        run.analyse(PARAMS / "city.yaml", sample_store, user=User("生野区の職員", "staff", ward="生野区"))
    assert not (sample_store.build_dir / "analysis" / "city" / "report.html").exists()
