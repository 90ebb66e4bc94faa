"""`workbench analyse FILE`: the analysis notebook executed by papermill (through
casebook.pipeline.execute, the one place notebooks run) and rendered to one offline HTML page
(casebook.render.render_report_page) in build/analysis/<name>/report.html.

The command line is the editor's tool on the server: it asks `workflow.may_analyse` as an editor
named "workbench analyse" (CLI_USER) unless a user is given; the notebook asks again with the
user it is handed, so an advisor who opens it in JupyterLab is held to the same rule.

PDF: `printable_html(result)` is the hook — the HTML to print, with the stylesheet inlined so the
printer (casebook/render/pdf.py, WeasyPrint) needs nothing beside it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from casebook.settings import PACKAGE_DIR, Settings

if TYPE_CHECKING:
    from casebook.identity import User
    from casebook.pipeline.params import AnalysisParams

NOTEBOOK = "cross_case_analysis.ipynb"
NOTEBOOKS = PACKAGE_DIR.parent / "notebooks"
SITE_TITLE = "大阪市社協 事例の横断分析"
FOOTER = "事例の横断分析（workbench analyse）・引用は個人情報の検出を通しています。取り扱いに注意してください。"


def cli_user() -> User:
    from casebook.identity import User

    return User("workbench analyse", "editor")


@dataclass(frozen=True)
class AnalyseResult:
    name: str
    params: AnalysisParams
    html: Path
    notebook: Path

    @property
    def pdf(self) -> Path:
        return self.html.with_suffix(".pdf")


def output_dir(settings: Settings, name: str) -> Path:
    return settings.build_dir / "analysis" / name


def analyse(params_path: str | Path, settings: Settings | None = None, *, user: User | None = None,
            notebooks_dir: Path | None = None) -> AnalyseResult:
    """Validate the parameter set (ParamsError), check the right (PermissionDenied), run, render."""
    from casebook.pipeline.execute import run_notebook
    from casebook.pipeline.params import load_analysis_params
    from casebook.workflow import may_analyse

    settings = settings or Settings.from_env()
    params_path = Path(params_path).resolve()
    params = load_analysis_params(params_path)
    user = user or cli_user()
    may_analyse(user, params.statuses).require()
    name = params_path.stem
    out_dir = output_dir(settings, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / "report.ipynb"
    env = {**settings.environ(), "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))}
    run_notebook((notebooks_dir or NOTEBOOKS) / NOTEBOOK, executed, cwd=out_dir, env=env,
                 parameters={"params_file": str(params_path), "user_name": user.name, "user_role": user.role})
    os.chmod(executed, 0o600)   # the executed notebook holds what the report holds
    result = AnalyseResult(name, params, out_dir / "report.html", executed)
    page = printable_html(result)
    tmp = result.html.with_suffix(".html.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # unpublished cases: not for every reader
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(page)
    tmp.replace(result.html)   # a reader never sees half a report
    write_pdf(page, result.pdf)
    return result


def write_pdf(page: str, target: Path) -> None:
    """The same report as an A4 PDF through the one printer (WeasyPrint, offline), 0600 like the HTML."""
    from casebook.render import pdf

    doc = pdf.layout(page)
    tmp = target.with_suffix(".pdf.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    pdf.write_pdf(doc, tmp)
    os.chmod(tmp, 0o600)
    tmp.replace(target)


def printable_html(result: AnalyseResult) -> str:
    """The report as one standalone HTML page (stylesheet inlined): what report.html holds and what
    the PDF printer prints."""
    import nbformat

    from casebook import render

    nb = nbformat.read(str(result.notebook), as_version=4)
    return render.render_report_page(nb, title=result.params.title, site_title=SITE_TITLE,
                                     breadcrumb=[("横断分析", None), (result.name, None)], footer=FOOTER)
