"""What a new reader and a new author tripped over on the readers' pages and forms, checked without a
browser: the casebook's search examples find something, the ward list's counts are where its lead
says, a survey chart counts whole people, a ward average reads as a count, a comment without a
date shows none, and several themes are picked with checkboxes (no Ctrl-click)."""

from __future__ import annotations

import re

import pytest

from casebook import vocab
from casebook.catalog import Catalog
from casebook.exchange import load_sample
from casebook.model import AdvisorComment, Evaluation
from casebook.render.notebook import Entry, render_site
from casebook.store import Store


@pytest.fixture(scope="module")
def sample_cases():
    with Store("sqlite://") as store:
        load_sample(store)
        return [r.case for r in store.list_cases()], Catalog.load(store)


def test_the_search_box_suggests_words_the_casebook_holds(sample_cases):
    cases, _ = sample_cases
    published = [c for c in cases if c.status == "published"]
    pages = render_site([Entry.of(c) for c in published], title="事例集", footer="")
    placeholder = re.search(r'id="cb-q"[^>]*placeholder="例: ([^"]+)"', pages["index.html"]).group(1)
    examples = [w.strip() for w in placeholder.split(",")]
    assert len(examples) >= 2
    for word in examples:      # each example finds at least one case of this casebook
        assert any(word in " ".join([c.title, *c.keywords, *c.themes]) for c in published), word


def test_the_ward_list_puts_counts_in_brackets_as_it_says_and_keeps_them_on_one_line(sample_cases):
    cases, _ = sample_cases
    pages = render_site([Entry.of(c) for c in cases[:5]], title="事例集", footer="")
    wards = pages["wards/index.html"]
    assert "括弧内は事例の数" in wards
    assert re.search(r'<span class="cb-count">（\d+件）</span>', wards)
    css = (vocab.__file__.rsplit("/", 2)[0] + "/templates/casebook.css")
    assert re.search(r"\.cb-count\s*\{[^}]*white-space:\s*nowrap", open(css, encoding="utf-8").read())


def test_the_survey_chart_counts_whole_people():
    from casebook.render import session_report as part

    one = [Evaluation(session_id="s", participant="参加者01", satisfaction=5, understanding=4, usefulness=4)]
    ax = part.survey_figure(one).axes[0]
    ticks = [t for t in ax.get_xticks() if t >= 0]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_a_ward_page_average_of_counts_reads_as_a_whole_number(sample_cases):
    from casebook.render.dashboard import ward_page_html

    _, catalog = sample_cases
    for fig in catalog.figures():
        page = ward_page_html(catalog, "生野区", figure=fig.name)
        if fig.unit in ("件", "人", "回", "か所", "箇所"):
            assert not re.search(r"\d\.\d" + re.escape(fig.unit), page), fig.name


def test_an_advisor_comment_without_a_date_shows_no_empty_brackets():
    from widgets.review import comments_html

    text = comments_html([AdvisorComment(advisor="B教授", kind="advice", text="本人の思いを大事に")])
    assert "（—）" not in text and "B教授" in text


def test_several_themes_are_picked_with_checkboxes():
    from widgets.case_sheet import SHEET, CaseForm

    form = CaseForm(lambda *_: None)
    form.ensure_built(next(i for i, (_, specs) in enumerate(SHEET) if any(s[0] == "themes" for s in specs)))
    boxes = list(form.fields["themes"].widget.checkboxes)
    assert [b.description for b in boxes] == vocab.theme_names()
    boxes[0].value = True
    boxes[3].value = True
    assert form.values()["themes"] == [vocab.theme_names()[0], vocab.theme_names()[3]]
    form.load({**form.values(), "themes": [vocab.theme_names()[2]]})
    assert [b.value for b in boxes][:4] == [False, False, True, False]
