"""The renderer: the only place reader-facing HTML (and SVG) is made, always from the templates
under casebook/templates/ with autoescape. `html` (the one Jinja environment), `notebook`
(executed notebooks to pages through nbconvert), `pages` (a case's fragments), `charts` and
`ecomap_svg` (drawings), `dashboard` and `dashboard_static` (the 24-ward pages), `session_report`.

`from casebook import render; render.render_case_page(...)` reaches the notebook renderer.
"""
from casebook.render.notebook import (PAGE_TEMPLATE, REPORT_TEMPLATE, STYLESHEET, TEMPLATES, Entry, _exporter,
                                      copy_stylesheet, render_case_page, render_report_page, render_site, warm_renderer,
                                      template_files)

__all__ = ["_exporter", "PAGE_TEMPLATE", "REPORT_TEMPLATE", "STYLESHEET", "TEMPLATES", "Entry", "copy_stylesheet",
           "render_case_page", "render_report_page", "render_site", "template_files", "warm_renderer"]
