"""Personal information in Japanese case text: find it, suggest the anonymised text, gate publishing.

The package is split by job; this module only re-exports the names the rest of the workbench uses.
"""

from casebook.privacy.cases import anonymize_case, case_findings, case_suggestions
from casebook.privacy.detect import KIND_LABELS, KINDS, Finding, find_pii
from casebook.privacy.dictionary import load_dictionary
from casebook.privacy.dictionary import _tokenizer  # noqa: F401  (benchmarks/privacy_speed.py times it)
from casebook.privacy.facilities import FACILITY_KIND_PREFIXES, FACILITY_SUFFIXES
from casebook.privacy.numbers import my_number_valid
from casebook.privacy.suggest import REMOVED, anonymize, placeholder_letters
from casebook.privacy.words import HONORIFICS, KIN_WORDS, NOT_NAMES, ROLE_WORDS

__all__ = [
    "FACILITY_KIND_PREFIXES", "FACILITY_SUFFIXES", "HONORIFICS", "KIN_WORDS", "KIND_LABELS", "KINDS", "NOT_NAMES",
    "REMOVED", "ROLE_WORDS", "Finding", "anonymize", "anonymize_case", "case_findings", "case_suggestions",
    "find_pii", "load_dictionary", "my_number_valid", "placeholder_letters",
]


def __getattr__(name: str):
    # The shared dictionary is set on first use: read it where it lives, not a copy taken at import.
    if name == "_DICTIONARY":
        from casebook.privacy import dictionary
        return dictionary._DICTIONARY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
