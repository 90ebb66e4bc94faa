"""Small charts with Japanese labels, as strings a page can embed offline.

Two kinds, one font:
- `bar_chart_svg(...)`: a horizontal bar chart drawn directly as SVG text (no matplotlib, about
  2 KB, sub-millisecond). The case pages use it: it keeps pages small and builds fast.
- `trend_svg(years, series, ...)`: a line chart over fiscal years, the same way (the dashboard's).
- `bar_chart_html(...)` / `trend_html(...)`: the same charts with their text alternative — the SVG
  (role="img", named by its title) in a `<figure>` with a table of the same figures beside it
  (templates/charts/chart.html.j2). Reader-facing pages use these.
- `setup_matplotlib()` + `figure_svg(fig)` / `figure_png_data_uri(fig)` + `matplotlib_bar_chart(...)`:
  for dashboards and reports that want matplotlib. The font is Noto Sans CJK JP (what
  `fc-match 'sans-serif:lang=ja'` gives once fonts-noto-cjk is installed), so no glyph is missing.

SVG text uses font-family "Noto Sans CJK JP", sans-serif like the rest of the page: the reader's
browser draws it with the same local fonts as the page text. PNG output has the glyphs rasterised.
Every label is XML-escaped. matplotlib is imported lazily (it costs ~0.5 s).
"""

from __future__ import annotations

import base64
import io
import re
from html import escape
from typing import Sequence

from casebook import vocab

FONT_FAMILY = "Noto Sans CJK JP"
SVG_FONT = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"
BAR = "#3182ce"
BAR_HIGHLIGHT = "#dd6b20"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _width(text: str, font: float) -> float:
    return sum(font if ord(ch) > 0x2E7F else font * 0.6 for ch in text)


def format_value(value: float, unit: str = "") -> str:
    """1234.0 -> '1,234', 12.5 -> '12.5'; with the unit appended (件, 人 …)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text + unit


def bar_chart_svg(labels: Sequence[str], values: Sequence[float], *, title: str = "", unit: str = "",
                  highlight: int | None = None, width: int = 360, bar_height: int = 18) -> str:
    """A horizontal bar chart as an `<svg>` string: one bar per label, the value written beside it.

    `highlight` is the index of a bar drawn in the accent colour (e.g. the case's own year or ward).
    """
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    font = 12.0
    gap = 6
    label_w = max([_width(str(label), font) for label in labels] + [0]) + 8
    value_w = max([_width(format_value(v, unit), font) for v in values] + [0]) + 6
    plot_w = max(width - label_w - value_w - 8, 40)
    top = 24 if title else 6
    height = top + len(labels) * (bar_height + gap) + 4
    vmax = max([float(v) for v in values] + [0.0]) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_e(title or "グラフ")}" '
             f'font-family="{_e(SVG_FONT)}" font-size="{font:.0f}" fill="#1a202c">']
    if title:
        parts.append(f"<title>{_e(title)}</title>")
        parts.append(f'<text x="0" y="15" font-weight="bold">{_e(title)}</text>')
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * (bar_height + gap)
        w = plot_w * float(value) / vmax
        colour = BAR_HIGHLIGHT if i == highlight else BAR
        mid = y + bar_height / 2
        parts.append(f'<text x="{label_w - 6:.1f}" y="{mid:.1f}" text-anchor="end" '
                     f'dominant-baseline="central">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{mid:.1f}" dominant-baseline="central">'
                     f'{_e(format_value(float(value), unit))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_with_table(svg: str, *, caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An SVG chart in a `<figure>` with the same figures as a table beside it (its text alternative)."""
    from casebook.render import html

    return html.render("charts/chart.html.j2", svg=html.markup(svg), caption=caption, head=list(head),
                       rows=[list(r) for r in rows])


def bar_chart_html(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "",
                   label_head: str = "項目", value_head: str = "値", **options) -> str:
    """`bar_chart_svg(...)` and a table of the same labels and values beside it."""
    svg = bar_chart_svg(labels, values, title=title, unit=unit, **options)
    rows = [(str(label), format_value(float(v), unit)) for label, v in zip(labels, values)]
    return chart_with_table(svg, caption=title, head=(label_head, value_head), rows=rows)


def trend_html(years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
               unit: str = "", **options) -> str:
    """`trend_svg(...)` and a table beside it: one row per fiscal year, one column per line ("—": no value)."""
    svg = trend_svg(years, series, title=title, unit=unit, **options)
    rows = [(vocab.format_fiscal_year(y), *("—" if vals[i] is None else format_value(float(vals[i]), unit)
                                            for _, vals in series))
            for i, y in enumerate(years)]
    return chart_with_table(svg, caption=title, head=("年度", *(label for label, _ in series)), rows=rows)


# --- matplotlib ------------------------------------------------------------------------------

def setup_matplotlib() -> str:
    """Point matplotlib at Noto Sans CJK JP and return the font family in use.

    Raises RuntimeError when no Japanese font is installed (charts would show empty boxes).
    """
    import matplotlib
    from matplotlib import font_manager

    try:
        font_manager.findfont(FONT_FAMILY, fallback_to_default=False)
    except ValueError as exc:
        raise RuntimeError("日本語フォント Noto Sans CJK JP が見つかりません（fonts-noto-cjk を入れてください）") from exc
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
        "axes.unicode_minus": False,   # the CJK font has no U+2212 in some weights
        "svg.fonttype": "none",        # text stays text: small files, same fonts as the page
        "svg.hashsalt": "casebook",    # deterministic ids: equal input gives equal bytes
    })
    return FONT_FAMILY


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def figure_svg(fig) -> str:
    """A matplotlib figure as a compact inline `<svg>` (no XML prologue, DOCTYPE or metadata)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = _SVG_PROLOGUE.sub("", buf.getvalue(), count=1)
    return _SVG_METADATA.sub("", text)


def figure_png_data_uri(fig, *, dpi: int = 96) -> str:
    """A matplotlib figure as a `data:image/png;base64,…` URI (glyphs rasterised, no font needed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def matplotlib_bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str = "",
                         unit: str = "", fmt: str = "svg", highlight: int | None = None,
                         size: tuple[float, float] = (5.0, 3.0)) -> str:
    """A horizontal bar chart made with matplotlib: SVG string (fmt='svg') or PNG data URI ('png')."""
    setup_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)  # not pyplot: no global figure registry to leak between pages
    ax = fig.add_subplot()
    colours = [BAR_HIGHLIGHT if i == highlight else BAR for i in range(len(values))]
    ax.barh(list(range(len(values))), [float(v) for v in values], color=colours)
    ax.set_yticks(list(range(len(labels))), [str(label) for label in labels])
    ax.invert_yaxis()
    if title:
        ax.set_title(title)
    if unit:
        ax.set_xlabel(unit)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if fmt == "svg":
        return figure_svg(fig)
    if fmt == "png":
        return figure_png_data_uri(fig)
    raise ValueError(f"unknown chart format {fmt!r}")


def trend_svg(years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]], *,
              title: str, unit: str = "", width: int = 460, height: int = 220) -> str:
    """A line chart over fiscal years: one line per (label, values); missing values leave a gap."""
    colours = [BAR, BAR_HIGHLIGHT, "#38a169", "#805ad5", "#718096"]
    left, right, top, bottom = 56, 16, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    vmax = max(values + [0.0]) or 1.0
    n = len(years)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / vmax)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart wb-trend" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}" '
             f'font-family="{_e(SVG_FONT)}" font-size="11" fill="#1a202c">',
             f"<title>{_e(title)}</title>",
             f'<text x="0" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#a0aec0"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_e(format_value(vmax, unit))}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, year in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_e(f"{year}年度")}</text>')
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 29}" text-anchor="middle" fill="#4a5568">'
                     f'{_e(vocab.era_name(year).removesuffix("年度"))}</text>')
    for k, (label, vals) in enumerate(series):
        colour = colours[k % len(colours)]
        points = [(x(i), y(v), v) for i, v in enumerate(vals) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for px, py, v in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
            parts.append(f'<text x="{px:.1f}" y="{py - 6:.1f}" text-anchor="middle">{_e(format_value(v, unit))}</text>')
        lx = left + k * 150
        parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 3}">{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
