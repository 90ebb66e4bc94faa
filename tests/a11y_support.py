"""axe-core (the npm package under tests/a11y/, installed by .ci/setup.sh) run inside a page that
Playwright drives: the accessibility rules JIS X 8341-3:2016 level AA maps to (WCAG 2.0 A + AA,
plus WCAG 2.1 AA)."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21aa")


def violations(page, *, tags=TAGS, exclude: tuple[str, ...] = ()) -> list[dict]:
    """Every violation on the page as it is now: [{id, impact, help, nodes: [selector…]}]."""
    if not AXE.exists():
        raise RuntimeError(f"axe-core is missing ({AXE}): run `bash .ci/setup.sh`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async ([tags, exclude]) => {
             const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
             const r = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' '))}));
           }""", [list(tags), list(exclude)])
    return result


def describe(found: list[dict]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'][:5])}" for v in found)
