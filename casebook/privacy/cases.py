"""Whole cases: the findings of every prose field, the suggested text of each field with letters shared
across the case (the same person keeps the same letter), and an anonymised copy of the case."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from casebook.privacy.detect import Finding, find_pii
from casebook.privacy.suggest import _anonymize_with, _Letters, placeholder_letters

if TYPE_CHECKING:  # the model is light, but keep start-up of the CLI free of it here
    from casebook.model import Case


def case_findings(case: "Case") -> list[tuple[str, Finding]]:
    """(field path from Case.text_fields(), finding) for every finding in the case."""
    return [(path, f) for path, text in case.text_fields() for f in find_pii(text)]


def case_suggestions(case: "Case", findings: Iterable[tuple[str, Finding]] | None = None) -> dict[str, str]:
    """The suggested anonymised text of every field that has findings, letters shared across the case.
    `findings`: case_findings(case) when the caller has it, so no field is analysed twice."""
    fields = case.text_fields()
    letters = _Letters(placeholder_letters(t for _, t in fields))
    known: dict[str, list[Finding]] | None = None
    if findings is not None:
        known = {}
        for path, f in findings:
            known.setdefault(path, []).append(f)
    # First pass in field order so letters follow the order of first appearance in the case.
    results: dict[str, str] = {}
    for path, text in fields:
        found = find_pii(text) if known is None else known.get(path, [])
        if found:
            results[path] = _anonymize_with(text, letters, found)
    return results


def anonymize_case(case: "Case") -> "Case":
    """A copy of the case with every prose field anonymised consistently (same person, same letter)."""
    from casebook.model import Case

    suggestions = case_suggestions(case)
    if not suggestions:
        return case.model_copy(deep=True)
    data = case.model_dump(mode="python")
    for path, text in suggestions.items():
        _set_path(data, path, text)
    return Case.model_validate(data)


def _set_path(data: dict, path: str, value: str) -> None:
    target: object = data
    pieces = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for piece in pieces[:-1]:
        target = target[int(piece[1:-1])] if piece.startswith("[") else target[piece]  # type: ignore[index]
    last = pieces[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value  # type: ignore[index]
    else:
        target[last] = value  # type: ignore[index]
