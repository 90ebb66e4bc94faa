"""Personal information in Japanese case text: find it, suggest the anonymised text, gate publishing.

Matching runs on an NFKC-normalised copy (full-width digits, hyphen look-alikes between digits) and
every finding reports offsets into the text exactly as given, through a per-character offset map
(NFKC can change the length: ㍻ → 平成, ｶﾞ → ガ). Names come from SudachiPy (名詞-固有名詞-人名) plus
the honorific rule (a noun directly before さん/様/氏/ちゃん/くん/先生/医師 …), with an allow-list of
placeholders (Aさん, B氏, C病院) and role words (民生委員, 係長, 長女 …).

Modules, each importing only those before it:
    dictionary  SudachiPy, loaded on first use, a tokenizer per thread, word lookups
    normalize   NFKC with the offset map back to the original text
    words       honorifics, role/kin words, placeholders, ward names, context words
    numbers     phone, postal code, マイナンバー, insurance numbers, e-mail, chat IDs, birth dates
    addresses   block numbers and towns below the ward
    facilities  named hospitals, schools, homes and flat buildings
    names       people
    people      people written in context (rosters, speakers, titles, Latin letters, sign-offs), and
                names that are not someone in the case (cited authors, towns taken for surnames)
    around      spans read from what stands next to other findings (a signature after contact
                details, a facility's name going on after its kana part, a town before 丁目, a kana
                head glued before a facility, the next chat ID of a list) and names by their shape
                (a reading in brackets, lists joined with ・)
    likeness    a second signal: how name-like a word's letters are (character pairs of SudachiPy's
                names vs ordinary nouns, name_ngrams.tsv, read on first use), asked only where the
                context points at a person (孫の そうた くん, 。みちよ, いなばです, 長男・ともや, 姓は…)
    detect      find_pii, Finding, KINDS: every family's candidates, overlaps resolved
    suggest     anonymize: Aさん, B病院, （略）
    cases       case_findings, case_suggestions, anonymize_case

This module only re-exports what the rest of the workbench uses; importing it loads no dictionary.
"""

from casebook.privacy.cases import anonymize_case, case_findings, case_suggestions
from casebook.privacy.detect import KIND_LABELS, KINDS, Finding, find_pii
from casebook.privacy.dictionary import (
    _tokenizer,  # noqa: F401  (benchmarks/privacy_speed.py times it)
    load_dictionary,
)
from casebook.privacy.facilities import FACILITY_KIND_PREFIXES, FACILITY_SUFFIXES
from casebook.privacy.numbers import my_number_valid
from casebook.privacy.suggest import REMOVED, anonymize, placeholder_letters
from casebook.privacy.words import HONORIFICS, KIN_WORDS, NOT_NAMES, ROLE_WORDS

__all__ = [
    "FACILITY_KIND_PREFIXES",
    "FACILITY_SUFFIXES",
    "HONORIFICS",
    "KINDS",
    "KIND_LABELS",
    "KIN_WORDS",
    "NOT_NAMES",
    "REMOVED",
    "ROLE_WORDS",
    "Finding",
    "anonymize",
    "anonymize_case",
    "case_findings",
    "case_suggestions",
    "find_pii",
    "load_dictionary",
    "my_number_valid",
    "placeholder_letters",
]


def __getattr__(name: str):
    # The shared dictionary is set on first use: read it where it lives, not a copy taken at import.
    if name == "_DICTIONARY":
        from casebook.privacy import dictionary
        return dictionary._DICTIONARY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
