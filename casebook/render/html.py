"""The one place reader-facing HTML is rendered from Jinja templates (nbconvert's exporter aside).

Every page and fragment a reader sees — the case fragments, the casebook's index pages, the
dashboard (online and offline) and the session report — is a template under `casebook/templates/`
rendered here, through one Environment per template folder with autoescape on: text typed by a
person reaches the reader as text. Python code hands templates data, never markup; the only
exception is `markup()`, for SVG/HTML our own code produced (charts, the ecomap, a fragment
rendered here and placed into a larger page).

    render(name, templates=TEMPLATES, **context) -> str   e.g. render("dashboard/case_list.html.j2", …)
    environment(templates=TEMPLATES) -> jinja2.Environment
    markup(html) -> Markup                                 our own rendered HTML/SVG, not escaped again

Templates can inline a file of the folder verbatim with `{{ raw("casebook.css") }}` (stylesheets and
scripts of offline pages, which no file beside the page can serve).
"""

from __future__ import annotations

from casebook.settings import PACKAGE_DIR

from functools import cache
from pathlib import Path

TEMPLATES = PACKAGE_DIR / "templates"   # casebook/templates: every reader-facing page


@cache
def environment(templates: Path = TEMPLATES):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape for every template: a case's or a participant's text is data, never markup.
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def raw(name: str):
        source = env.loader.get_source(env, name)[0]
        # Inlined into <style>/<script>: a closing tag in our own file would end the element early.
        if "</style" in source.lower() or "</script" in source.lower():
            raise ValueError(f"{name} must not contain '</style' or '</script'")
        return markup(source)

    env.globals["raw"] = raw
    return env


def render(name: str, templates: Path | str = TEMPLATES, **context) -> str:
    """The template `name` (a path under the template folder) rendered with `context`, as a str."""
    return environment(Path(templates)).get_template(name).render(**context)


def markup(html: str):
    """Mark HTML/SVG that our own code produced (a chart, a rendered fragment) as safe: never user text."""
    from markupsafe import Markup

    return Markup(html)
