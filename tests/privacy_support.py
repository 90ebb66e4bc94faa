"""What the detector's tests share: the findings of a text as (kind, text) pairs, and a check that
every expected pair is among them."""

from __future__ import annotations

from casebook.privacy import find_pii


def found(text: str) -> set[tuple[str, str]]:
    return {(f.kind, f.text) for f in find_pii(text)}


def check(text: str, expect: list[tuple[str, str]]) -> None:
    got = found(text)
    missing = [e for e in expect if e not in got]
    assert not missing, f"missing {missing} in {text!r}; found {sorted(got)}"
