"""An ecomap (エコマップ) drawn as one inline SVG string, with no script and no external reference.

The person sits in the centre; household members sit inside a circle around the person; formal
and informal resources sit on a ring outside it. A tie's style says its strength (strong: thick,
normal: line, weak: dashed, stressful: red zigzag) and arrows say which way support flows.
Every label is XML-escaped, so the string is safe to embed in a page or a widget.

Public API (used by the case page, the ecomap editor widget, the casebook browser):
    ecomap_svg(ecomap, *, size=480, legend=True) -> str
"""

from __future__ import annotations

import hashlib
import math
from html import escape

from casebook.model import Ecomap, EcomapNode, EcomapTie

FONT = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"
MAX_LABEL = 9  # characters shown inside a node; the full label is in its tooltip

STYLE = {  # node kind -> (fill, stroke)
    "person": ("#fff4d6", "#b7791f"),
    "household": ("#e8f1fb", "#2b6cb0"),
    "formal": ("#e9f6ec", "#2f855a"),
    "informal": ("#fdf0f5", "#b83280"),
}
TIE = {  # strength -> (colour, width, dash)
    "strong": ("#2d3748", 4.5, ""),
    "normal": ("#4a5568", 1.8, ""),
    "weak": ("#718096", 1.5, "6 5"),
    "stressful": ("#c53030", 1.8, ""),
}
STRENGTH_LABEL = {"strong": "強い", "normal": "普通", "weak": "弱い", "stressful": "ストレス・対立"}
KIND_LABEL = {"person": "本人", "household": "世帯員", "formal": "フォーマル資源", "informal": "インフォーマル資源"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _text_width(text: str, font_size: float) -> float:
    # CJK glyphs are one em wide, ASCII roughly half.
    return sum(font_size if ord(ch) > 0x2E7F else font_size * 0.58 for ch in text)


class _Placed:
    __slots__ = ("node", "x", "y", "rx", "ry", "font")

    def __init__(self, node: EcomapNode, x: float, y: float, font: float) -> None:
        self.node, self.x, self.y, self.font = node, x, y, font
        width = _text_width(_short(node.label), font)
        if node.kind == "person":
            self.rx = self.ry = max(width / 2 + 10, 26.0)
        elif node.kind == "household":
            self.rx = self.ry = max(width / 2 + 6, 19.0)
        else:
            self.rx, self.ry = max(width / 2 + 10, 24.0), font * 1.25

    def edge_point(self, tx: float, ty: float) -> tuple[float, float]:
        """Where the segment from this node's centre towards (tx, ty) leaves its outline."""
        dx, dy = tx - self.x, ty - self.y
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        if self.node.kind == "formal":  # a rectangle: stop at whichever side is hit first
            sx = self.rx / abs(ux) if ux else math.inf
            sy = self.ry / abs(uy) if uy else math.inf
            t = min(sx, sy)
        else:  # an ellipse
            t = 1.0 / math.sqrt((ux / self.rx) ** 2 + (uy / self.ry) ** 2)
        return self.x + ux * t, self.y + uy * t


def _layout(ecomap: Ecomap, size: float) -> tuple[dict[str, _Placed], float]:
    """Positions of every node, and the radius of the household circle (0 when there is none)."""
    cx = cy = size / 2
    font = max(9.0, size / 40)
    center = ecomap.center()
    household = [n for n in ecomap.nodes if n.kind == "household"]
    resources = ([n for n in ecomap.nodes if n.kind == "formal"]
                 + [n for n in ecomap.nodes if n.kind == "informal"])
    placed: dict[str, _Placed] = {}
    if center is not None:
        placed[center.id] = _Placed(center, cx, cy, font * 1.1)
    inner = size * 0.16 if household else 0.0
    for i, node in enumerate(household):
        angle = -math.pi / 2 + math.pi / max(len(household), 1) + 2 * math.pi * i / len(household)
        placed[node.id] = _Placed(node, cx + inner * math.cos(angle), cy + inner * math.sin(angle), font)
    ring = inner + size * 0.06 if household else 0.0
    outer = size * 0.40
    for i, node in enumerate(resources):
        angle = -math.pi / 2 + 2 * math.pi * i / len(resources)
        # Alternate radii a little when the ring is crowded, so neighbouring labels do not collide.
        r = outer - (size * 0.05 if len(resources) > 8 and i % 2 else 0.0)
        p = placed[node.id] = _Placed(node, cx + r * math.cos(angle), cy + r * math.sin(angle), font)
        # A long label at the left or right of the ring would stick out of the drawing and be cut off.
        p.x = min(max(p.x, p.rx + 2), size - p.rx - 2)
    return placed, ring


def _zigzag(x1: float, y1: float, x2: float, y2: float, amp: float = 4.0, step: float = 7.0) -> str:
    """A zigzag path from (x1, y1) to (x2, y2) with straight ends, so arrowheads point true."""
    length = math.hypot(x2 - x1, y2 - y1)
    step = min(step, length / 6)  # a short tie (person to household) still zigzags
    if step < 2:
        return f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
    amp = min(amp, step * 0.8)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    px, py = -uy, ux
    points = [(x1, y1), (x1 + ux * step, y1 + uy * step)]
    n = int((length - 2 * step) // step)
    for k in range(1, n):
        d = step + k * (length - 2 * step) / n
        side = amp if k % 2 else -amp
        points.append((x1 + ux * d + px * side, y1 + uy * d + py * side))
    points += [(x2 - ux * step, y2 - uy * step), (x2, y2)]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _tie(tie: EcomapTie, a: _Placed, b: _Placed, uid: str) -> str:
    x1, y1 = a.edge_point(b.x, b.y)
    x2, y2 = b.edge_point(a.x, a.y)
    colour, width, dash = TIE[tie.strength]
    marker = f"{uid}-{tie.strength}"
    attrs = [f'stroke="{colour}"', f'stroke-width="{width}"', 'fill="none"', 'stroke-linecap="round"']
    if dash:
        attrs.append(f'stroke-dasharray="{dash}"')
    if tie.direction in ("forward", "both"):
        attrs.append(f'marker-end="url(#{marker})"')
    if tie.direction in ("backward", "both"):
        attrs.append(f'marker-start="url(#{marker})"')
    if tie.strength == "stressful":
        d = _zigzag(x1, y1, x2, y2)
    else:
        d = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
    tip = f"{a.node.label} — {b.node.label}（{STRENGTH_LABEL[tie.strength]}）"
    if tie.note:
        tip += f" {tie.note}"
    return (f'<g class="tie tie-{tie.strength}"><title>{_e(tip)}</title>'
            f'<path d="{d}" {" ".join(attrs)}/></g>')


def _node(p: _Placed) -> str:
    fill, stroke = STYLE[p.node.kind]
    tip = f"{p.node.label}（{KIND_LABEL[p.node.kind]}）" + (f" {p.node.note}" if p.node.note else "")
    if p.node.kind == "formal":
        shape = (f'<rect x="{p.x - p.rx:.1f}" y="{p.y - p.ry:.1f}" width="{2 * p.rx:.1f}" '
                 f'height="{2 * p.ry:.1f}" rx="5" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
    else:
        double = p.node.kind == "person"
        shape = (f'<ellipse cx="{p.x:.1f}" cy="{p.y:.1f}" rx="{p.rx:.1f}" ry="{p.ry:.1f}" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if double else 1.5}"/>')
    weight = ' font-weight="bold"' if p.node.kind == "person" else ""
    label = (f'<text x="{p.x:.1f}" y="{p.y:.1f}" font-size="{p.font:.1f}"{weight} '
             f'text-anchor="middle" dominant-baseline="central">{_e(_short(p.node.label))}</text>')
    return f'<g class="node node-{p.node.kind}"><title>{_e(tip)}</title>{shape}{label}</g>'


def _markers(uid: str) -> str:
    out = []
    for strength, (colour, width, _dash) in TIE.items():
        # Thick lines would make markerUnits=strokeWidth arrows huge: size them in user units.
        scale = 9 + min(width, 4.5)
        out.append(f'<marker id="{uid}-{strength}" viewBox="0 0 10 10" refX="9" refY="5" '
                   f'markerUnits="userSpaceOnUse" markerWidth="{scale:.1f}" markerHeight="{scale:.1f}" '
                   f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    return "<defs>" + "".join(out) + "</defs>"


def _legend(size: float, top: float, uid: str) -> str:
    font = max(9.0, size / 44)
    parts = [f'<g class="legend" font-size="{font:.1f}">']
    x = 8.0
    for strength, name in STRENGTH_LABEL.items():
        colour, width, dash = TIE[strength]
        y = top + font
        if strength == "stressful":
            d = _zigzag(x, y, x + 34, y, amp=3, step=5)
        else:
            d = f"M{x:.1f},{y:.1f} L{x + 34:.1f},{y:.1f}"
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="{d}" stroke="{colour}" stroke-width="{width}" fill="none"{dash_attr}/>')
        parts.append(f'<text x="{x + 40:.1f}" y="{y:.1f}" dominant-baseline="central">{_e(name)}</text>')
        x += 40 + _text_width(name, font) + 14
    y = top + font * 2.9
    x = 8.0
    for kind, name in KIND_LABEL.items():
        fill, stroke = STYLE[kind]
        parts.append(f'<rect x="{x:.1f}" y="{y - font / 2:.1f}" width="{font:.1f}" height="{font:.1f}" '
                     f'fill="{fill}" stroke="{stroke}"/>')
        parts.append(f'<text x="{x + font + 5:.1f}" y="{y:.1f}" dominant-baseline="central">{_e(name)}</text>')
        x += font + 5 + _text_width(name, font) + 14
    parts.append(f'<text x="8" y="{top + font * 4.6:.1f}" dominant-baseline="central">'
                 f'{_e("矢印は支援・働きかけの向き")}</text>')
    parts.append("</g>")
    return "".join(parts)


def ecomap_name(ecomap: Ecomap) -> str:
    """The drawing's accessible name (aria-label and <title>, which WeasyPrint writes as the PDF
    figure's alternative text): what it shows, in counts; the ties themselves are listed beside it."""
    if not ecomap.nodes:
        return "エコマップ（未記入）"
    where = "（関係線の一覧は図の下）" if ecomap.ties else ""
    return f"エコマップ: 本人を中心に{len(ecomap.nodes) - 1}の人・機関・地域資源と{len(ecomap.ties)}本の関係線{where}"


def ecomap_svg(ecomap: Ecomap, *, size: int = 480, legend: bool = True) -> str:
    """The ecomap as a self-contained `<svg>` string (no script, no external reference).

    `size` is the width and the height of the drawing area in px; the legend adds a strip below.
    An empty ecomap gives a small placeholder drawing that says so.
    """
    size = max(160, int(size))
    font = max(9.0, size / 40)
    # Ids inside the SVG must not clash with another ecomap on the same page, yet stay deterministic.
    uid = "em" + hashlib.sha1(ecomap.model_dump_json().encode()).hexdigest()[:8]
    legend_h = font * 6 if legend else 0
    height = size + legend_h
    name = _e(ecomap_name(ecomap))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="ecomap" viewBox="0 0 {size} {height:.0f}" '
            f'width="{size}" height="{height:.0f}" role="img" aria-label="{name}" '
            f'font-family="{_e(FONT)}" fill="#1a202c">')
    if not ecomap.nodes:
        return (head + f'<title>{name}</title><text x="{size / 2:.0f}" y="{size / 2:.0f}" '
                f'font-size="{font:.1f}" text-anchor="middle" fill="#4a5568">'
                f'{_e("エコマップは未記入です")}</text></svg>')
    placed, ring = _layout(ecomap, size)
    parts = [head, f"<title>{name}</title>", _markers(uid)]
    if ring:
        parts.append(f'<circle class="household" cx="{size / 2:.1f}" cy="{size / 2:.1f}" r="{ring:.1f}" '
                     f'fill="#f7fafc" stroke="#2b6cb0" stroke-width="1.5" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{size / 2:.1f}" y="{size / 2 - ring + font:.1f}" font-size="{font * 0.85:.1f}" '
                     f'text-anchor="middle" fill="#2b6cb0">世帯</text>')
    for tie in ecomap.ties:
        parts.append(_tie(tie, placed[tie.source], placed[tie.target], uid))
    for p in placed.values():
        parts.append(_node(p))
    if legend:
        parts.append(_legend(size, size, uid))
    parts.append("</svg>")
    return "".join(parts)
