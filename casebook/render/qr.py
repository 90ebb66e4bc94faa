"""A QR code as inline SVG (segno: pure Python, nothing fetched), with an accessible name.

    qr_svg(text, label) -> str     <svg role="img" aria-label="label">…</svg>, black on white
"""
from __future__ import annotations

from html import escape


def qr_svg(text: str, label: str, *, scale: int = 6) -> str:
    import segno

    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(scale=scale, border=4, dark="#000", light="#fff", svgclass="wb-qr", title=label)
    # Screen readers announce an image with this name; the title element stays for tooltips.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label, quote=True)}" ', 1)
