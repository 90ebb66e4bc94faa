"""Reader-facing HTML has one home: Jinja templates under casebook/templates/, rendered by
casebook.render.html with autoescape. Python code hands templates data; only the drawing code (the SVG
charts and the ecomap) writes markup itself. These tests keep it that way."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from casebook.render import html, session_report
from casebook.model import Evaluation, Group, GroupNote, Participant, Session

CASEBOOK = Path(html.__file__).resolve().parent
DRAWING_CODE = {"charts.py", "ecomap_svg.py", "qr.py"}   # SVG drawn in Python: the renderer's drawing code
TAG = re.compile(r"<(?:!DOCTYPE|html|head|body|meta|link|title|style|script|header|footer|nav|main|section|"
                 r"article|aside|div|p|span|a|b|i|em|strong|small|br|hr|img|svg|figure|figcaption|caption|"
                 r"table|thead|tbody|tr|th|td|ul|ol|li|dl|dt|dd|h[1-6]|details|summary|form|label|input|"
                 r"select|option|button|textarea|iframe|pre|code)\b", re.I)
HOSTILE = '<script>alert("x")</script>'


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def html_in_string_literals(path: Path) -> list[str]:
    """'file:line: text' for every string literal (f-string parts too, docstrings aside) holding an HTML tag."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [f"{path.name}:{node.lineno}: {node.value[:80]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and TAG.search(node.value)]


def test_no_reader_facing_html_is_built_in_python_string_literals():
    found = [f"{path.parent.relative_to(CASEBOOK.parent)}/{hit}" for path in sorted(CASEBOOK.rglob("*.py"))
             if path.name not in DRAWING_CODE
             for hit in html_in_string_literals(path)]
    assert not found, "HTML belongs in casebook/templates/ (rendered by casebook.render.html):\n" + "\n".join(found)


def test_the_check_sees_html_in_plain_and_f_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""<p>a docstring may say <b>this</b></p>"""\n'
                      'x = f"<li class=\\"k\\">{1}</li>"\ny = "<table>"\nz = "a < b and x<y"\n', encoding="utf-8")
    assert sorted(hit.split(": ", 1)[1] for hit in html_in_string_literals(sample)) == ["'<li class=\"k\">'", "'<table>'"]


def test_every_page_template_compiles_in_the_one_environment():
    env = html.environment()
    names = [p.relative_to(html.TEMPLATES).as_posix() for p in html.TEMPLATES.rglob("*.j2")
             if not {"nbconvert", "jupyter"} & set(p.relative_to(html.TEMPLATES).parts)]  # those extend nbconvert's/Voila's
    assert len(names) > 20
    for name in names:
        env.get_template(name)
    assert env.autoescape is True


def test_text_typed_for_a_session_reaches_the_report_escaped():
    session = Session(id="2024-test1", title=f"研修{HOSTILE}", date=dt.date(2024, 7, 1), advisor=f"助言者{HOSTILE}",
                      participants=[Participant(name=f"参加者{HOSTILE}", ward="生野区", role=HOSTILE, group="1")],
                      groups=[Group(name=f"G{HOSTILE}", members=[f"参加者{HOSTILE}"])],
                      questions=[f"問い{HOSTILE}"], summary=f"総括{HOSTILE}", closed=True)
    notes = [(1, GroupNote(session_id=session.id, group=f"G{HOSTILE}", question=0, text=f"意見{HOSTILE}", pinned=True))]
    evaluations = [Evaluation(session_id=session.id, participant="p", satisfaction=5, understanding=4, usefulness=3,
                              comments=f"感想{HOSTILE}", requests=HOSTILE)]
    page = "".join([session_report.header_html(session, [("2024-27116-01", f"事例{HOSTILE}")]),
                    session_report.attendance_html(session), session_report.points_html(session, notes),
                    session_report.summary_html(session), session_report.survey_html(evaluations)])
    assert "<script>" not in page
    assert page.count("&lt;script&gt;") >= 10
    assert '<div class="point pinned">★ 意見&lt;script&gt;' in page


@pytest.mark.parametrize("name", ["casebook.css", "dashboard_static/dashboard.js", "session_report/report.css"])
def test_stylesheets_and_scripts_are_inlined_verbatim(name):
    assert str(html.environment().globals["raw"](name)) == (html.TEMPLATES / name).read_text(encoding="utf-8")


def test_an_inlined_file_that_would_close_its_element_is_refused(tmp_path):
    (tmp_path / "bad.css").write_text("p{} </style><script>x</script>", encoding="utf-8")
    (tmp_path / "page.j2").write_text('<style>{{ raw("bad.css") }}</style>', encoding="utf-8")
    with pytest.raises(ValueError, match="must not contain"):
        html.render("page.j2", templates=tmp_path)
