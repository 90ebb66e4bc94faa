"""A case as escaped HTML fragments: the casebook page, the Voila casebook browser and the session
report all show a case through these functions.

Every fragment comes from a Jinja2 template under `casebook/templates/fragments/` rendered by
`casebook.render.html` (autoescape on), so text typed into a case (`<script>`, `{{ }}`, `</textarea>` …)
reaches the reader as text. The fragments use the classes of the one shared stylesheet, `stylesheet()`.

Public API:
    case_page_html(case, figures=()) -> str        all of the below, in reading order
    case_header_html(case) / case_sections_html(case, keys) / timeline_html(case)
    ecomap_html(case) / comments_html(case) / figures_html(case, figures)
    section_keys() -> list of the section keys case_sections_html accepts
    check_publishable(case)                         raises PageError when a case must not be shown
    load_case(case_id, version, store=None) -> Case / ward_figures(store, case) -> list[WardActivity]
    ward_figures_from(rows, case) -> list[WardActivity]  the same over rows already read
    open_store()                                    context manager: the settings' store, read-only, shared
    stylesheet() -> str                             the CSS the fragments expect
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Iterable, Sequence

from casebook import vocab
from casebook.render import html
from casebook.errors import WorkbenchError
from casebook.model import Case, WardActivity

TEMPLATES = html.TEMPLATES

# Sections in reading order: (key, [field names] or None for a single text field on the case).
SECTIONS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("reason", None),
    ("questions", None),
    ("summary", ("referral", "main_complaint", "support_period")),
    ("person", ("age_band", "gender", "household", "housing", "health", "care_level", "economy",
                "life_history", "wishes", "strengths")),
    ("community", ("school_district", "population", "networks", "resources", "strengths_issues")),
    ("genogram", None),
    ("assessment", ("person", "family", "community", "needs", "judgement")),
    ("plan", ("policy", "short_term_goal", "long_term_goal")),
    ("outcome", ("person_change", "community_change", "resource_development")),
    ("reflection", ("csw_viewpoint", "future_issues")),
    ("discussion", ("issues", "discussion", "conclusion")),
)
BEFORE_ECOMAP = ("reason", "questions", "summary", "person", "community", "genogram")
AFTER_ECOMAP = ("assessment", "plan")
AFTER_TIMELINE = ("outcome", "reflection", "discussion")
COMMENT_KINDS = {"advice": "助言", "key_points": "ポイント整理"}


class PageError(WorkbenchError, ValueError):
    """A case that must not become a page; the message (Japanese) says why and names the field."""


@dataclass(frozen=True)
class _Field:
    label: str
    text: str


@dataclass(frozen=True)
class _Section:
    key: str
    label: str
    fields: tuple[_Field, ...]


def _render(name: str, **context) -> str:
    return html.render(f"fragments/{name}", **context)


def _label(name: str, section: str = "") -> str:
    labels = vocab.field_labels()
    return labels.get(f"{section}.{name}", labels.get(name, name))


def _labels() -> dict[str, str]:
    return {k: _label(k) for k in ("timeline", "period", "support", "actors", "change", "ecomap", "comments")}


def section_keys() -> list[str]:
    return [key for key, _fields in SECTIONS]


def _sections(case: Case, keys: Iterable[str]) -> list[_Section]:
    wanted = dict(SECTIONS)
    out = []
    for key in keys:
        names = wanted[key]
        if names is None:
            text = getattr(case, key)
            fields = (_Field("", text),) if text else ()
        else:
            part = getattr(case, key)
            fields = tuple(_Field(_label(n, key), getattr(part, n)) for n in names if getattr(part, n))
        if fields:
            out.append(_Section(key, _label(key), fields))
    return out


def provider_text(provider: str, role: str) -> str:
    """事例提供者 with the role written once: 「生野区社協 CSW」 + 「CSW（コミュニティソーシャルワーカー）」
    -> 「生野区社協 CSW（コミュニティソーシャルワーカー）」, never 「CSW（CSW（…））」."""
    provider, role = provider.strip(), role.strip()
    short = role.split("（")[0].strip()
    if not provider or not role:
        return provider or role
    if role in provider:
        return provider
    if short and provider.endswith(short):
        return provider[: -len(short)] + role
    if short and short in provider:
        return provider
    return f"{provider}（{role}）"


def case_header_html(case: Case) -> str:
    target = vocab.label(vocab.targets(), case.target)
    return _render("case_header.html.j2", case=case, fiscal_year=vocab.format_fiscal_year(case.fiscal_year),
                   target=target, provider=provider_text(case.provider, case.provider_role))


def case_sections_html(case: Case, keys: Iterable[str] | None = None) -> str:
    """The prose sections (empty fields and empty sections left out); `keys` picks and orders them."""
    return _render("sections.html.j2", sections=_sections(case, section_keys() if keys is None else keys))


def timeline_html(case: Case) -> str:
    return _render("timeline.html.j2", rows=case.timeline, labels=_labels())


def ecomap_html(case: Case, *, size: int = 480) -> str:
    from casebook.render.ecomap_svg import STRENGTH_LABEL, ecomap_svg

    names = {n.id: n.label for n in case.ecomap.nodes}
    directions = {"none": "", "forward": "→", "backward": "←", "both": "⇄"}
    ties = [{"source": names[t.source], "target": names[t.target], "strength": STRENGTH_LABEL[t.strength],
             "direction": directions[t.direction], "note": t.note} for t in case.ecomap.ties]
    return _render("ecomap.html.j2", svg=html.markup(ecomap_svg(case.ecomap, size=size)), ties=ties,
                   labels=_labels())


def comments_html(case: Case) -> str:
    comments = [{"kind": c.kind, "kind_label": COMMENT_KINDS[c.kind], "advisor": c.advisor, "text": c.text}
                for c in case.comments]
    return _render("comments.html.j2", comments=comments, labels=_labels())


def figures_html(case: Case, figures: Sequence[WardActivity]) -> str:
    """Bar charts of the ward's yearly figures for the case's themes; '' when there are none."""
    from casebook.render.charts import bar_chart_html

    charts = []
    by_figure: dict[tuple[str, str, str], dict[int, float]] = {}
    for row in figures:
        by_figure.setdefault((row.theme, row.figure, row.unit), {})[row.fiscal_year] = row.value
    for (theme, figure, unit), years in by_figure.items():
        ordered = sorted(years)
        labels = [vocab.era_name(y).removesuffix("年度") for y in ordered]
        highlight = ordered.index(case.fiscal_year) if case.fiscal_year in ordered else None
        chart = bar_chart_html(labels, [years[y] for y in ordered], title=figure, unit=unit, highlight=highlight,
                               label_head="年度", value_head=figure)
        charts.append({"theme": theme, "svg": html.markup(chart)})
    if not charts:
        return ""
    return _render("figures.html.j2", charts=charts, ward=case.ward,
                   fiscal_year=vocab.format_fiscal_year(case.fiscal_year))


def case_page_html(case: Case, figures: Sequence[WardActivity] = ()) -> str:
    """The whole case in reading order, as one fragment (for the browser app and reports)."""
    return "".join([
        case_header_html(case),
        case_sections_html(case, BEFORE_ECOMAP),
        ecomap_html(case),
        case_sections_html(case, AFTER_ECOMAP),
        timeline_html(case),
        case_sections_html(case, AFTER_TIMELINE),
        comments_html(case),
        figures_html(case, figures),
    ])


def check_publishable(case: Case) -> None:
    """Refuse a case that may not reach a reader: the person's consent and the anonymisation check
    are both required even after anonymisation (the field's own rule)."""
    missing = [label for flag, label in ((case.ethics.consent, "倫理 › 本人同意"),
                                         (case.ethics.anonymised, "倫理 › 匿名化確認")) if not flag]
    if missing:
        raise PageError(f"事例 {case.id}: {'・'.join(missing)} が確認されていないため、ページにできません")


# --- reading what a page shows ------------------------------------------------------------------

@cache
def _shared_store(url: str):
    from casebook.store import Store

    return Store(url, read_only=True)


@contextmanager
def open_store():
    """The settings' store, read-only, opened once per process: a warm kernel reads many cases."""
    from casebook.settings import Settings

    yield _shared_store(Settings.from_env().store_url)


def load_case(case_id: str, version: int | None = None, store=None) -> Case:
    """The case as it was at `version` (the latest when None), from `store` or the settings' store."""
    from casebook.store import Store

    own = store is None
    store = Store.open(read_only=True) if own else store
    try:
        return store.get_case(case_id).case if version is None else store.case_at(case_id, version)
    finally:
        if own:
            store.close()


def ward_figures(store, case: Case) -> list[WardActivity]:
    """The ward's figures for the case's themes, every fiscal year: what the page's charts show.

    The build hashes exactly this list into the page's cache key, so a changed figure rebuilds it.
    """
    return ward_figures_from(store.activity(ward=case.ward), case)


def ward_figures_from(rows: Iterable[WardActivity], case: Case) -> list[WardActivity]:
    """`ward_figures` over rows already read (the build reads all figures once for many cases); an
    imported population (住民基本台帳人口 …) is a denominator for rates, not an activity figure."""
    from casebook.analysis.population import population_figures

    residents = population_figures()
    mine = [r for r in rows if r.ward == case.ward and r.theme in case.themes and r.figure not in residents]
    return sorted(mine, key=lambda r: (case.themes.index(r.theme), r.figure, r.fiscal_year))


def stylesheet() -> str:
    """The shared stylesheet the fragments are styled with (inline it where no file can be linked)."""
    return (TEMPLATES / "casebook.css").read_text(encoding="utf-8")
