"""The blind PII sets (tests/data/pii_blind.yaml, tests/data/pii_heldout.yaml) as regression floors.

The set was written by someone who had not read the detector, and committed unedited before any
tuning. Its errors were then read by kind and fixed by general rules (never by adding its names or
strings to a list). The figures reached are recorded here: a later change that finds fewer of its
spans per kind, or raises more false alarms on its clean sentences, fails.

Before issue #17 the detector found 178 of 258 spans (69.0 %) and raised alarms on 14 of 203 clean
sentences (6.9 %).

The second set, pii_heldout.yaml, was measured untouched after round 1: 233 of 304 spans (76.6 %), 11
false alarms of 170 (6.5 %). Round 2 studied its misses by category and wrote fresh sentences for each
in tests/test_privacy_hard.py; the figures it then reached are its floor below (optimistic now too:
the honest figure is a third set, measured once by the lead).

The third set, pii_final.yaml, was measured untouched after round 3: 254 of 306 spans (83.0 %), 8 false
alarms of 194 (4.1 %). Round 4 read its errors span by span, wrote fresh sentences for each class in
tests/test_privacy_round4.py before fixing them, and its floor below is what round 4 reached.

The fourth set was measured untouched after round 4 (78.8 % recall); its development half,
pii_fourth_dev.yaml (every other sentence), was then used by round 5 for rules by context class
(tests/test_privacy_round5.py), and its floor below is what round 5 reached; the other half stays
outside the project to check that those rules generalise.

Then the lead measured, once each, the sets round 5 never saw: the other half of the fourth set,
pii_fourth_check.yaml (before round 5: 112 of 146 spans, 76.7 %; after: 122, 83.6 %; 2 false alarms of
104 both times), and a fifth set written blind after round 4, pii_fifth.yaml (before round 5: 236 of 280,
84.3 %; after: 249, 88.9 %; no false alarm of 186). Those honest figures are their floors: still short of
the goal (98 %), they say where the detector stands on text it was not fitted to.

Round 6 then tuned on those two sets (tests/test_privacy_round6.py: rules by context class, written
with fresh sentences, each counted against the clean sentences of every set): the fourth set's check
half went to 144 of 146 (98.6 %), the fifth set to 276 of 280 (98.6 %), false alarms unchanged (2 of
104, 0 of 186). Their floors below are those optimistic figures now; the honest one is a sixth set
written blind after round 5 and measured once by the lead: pii_sixth.yaml, before round 6 (round 5's
code) 266 of 308 spans (86.4 %; the code before issue #17's round 4, 82.1 %), after round 6 275 of 308
(89.3 %), 1 false alarm of 191 both times.

Round 7 then tuned on the sixth set (tests/test_privacy_round7.py: a second signal, how name-like a
word's letters are, asked only where the context points at a person; rules by context class, written
with fresh sentences, each counted against the clean sentences of every set and the repository's own
Japanese text): 303 of 308 (98.4 %), 1 false alarm of 191; the fourth set's check half went to 146 of
146, the fifth to 277 of 280, the other sets unchanged. Its floor below is
that optimistic figure now; the honest one is a seventh set written blind after round 6 (asked to stress
the classes still missed: given names alone, rare surnames, kana shop and facility names, bare town
names), pii_seventh.yaml, measured once by the lead: round 6's code 231 of 293 (78.8 %), round 7's 233
(79.5 %), 1 false alarm of 218 both times. Round 7's rules, which took the sixth set from 89.3 % to
98.4 %, found two more spans on it: a rule-and-dictionary detector fitted set by set does not reach
the goal on text it has not seen.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from casebook.privacy import anonymize, find_pii

DATA = Path(__file__).parent / "data"

# Per set: spans found with exactly their kind and text, per kind, when its floor was set (of the
# expected), and the most clean sentences with any finding.
FLOORS = {
    "pii_blind.yaml": ({"person": 97, "phone": 18, "postal_code": 14, "address": 25, "my_number": 13,
                        "email": 14, "birth_date": 14, "insurance_number": 17, "facility": 32, "line_id": 14}, 0),
    # after round 2 (of 150, 23, 13, 15, 13, 13, 14, 16, 35, 12 expected); its one false alarm until round 4
    # (サザエさんちみたいな, a cartoon family with an honorific) went with the rule for a family compared to
    "pii_heldout.yaml": ({"person": 150, "phone": 23, "postal_code": 13, "address": 15, "my_number": 13,
                          "email": 13, "birth_date": 14, "insurance_number": 16, "facility": 35, "line_id": 12}, 0),
    # after round 4 (all of 157, 21, 13, 23, 13, 14, 14, 13, 25, 13 expected)
    "pii_final.yaml": ({"person": 157, "phone": 21, "postal_code": 13, "address": 23, "my_number": 13,
                        "email": 14, "birth_date": 14, "insurance_number": 13, "facility": 25, "line_id": 13}, 0),
    # after round 5 (all of 56, 6, 8, 15, 6, 10, 10, 5, 19, 11 expected; before it 118 of 146 were found)
    "pii_fourth_dev.yaml": ({"person": 56, "phone": 6, "postal_code": 8, "address": 15, "my_number": 6,
                             "email": 10, "birth_date": 10, "insurance_number": 5, "facility": 19, "line_id": 11}, 0),
    # measured untouched after round 5 (then 122 of 146), then tuned on in round 6 (of 58, 11, 8, 14, 9, 6,
    # 8, 12, 15, 5 expected); round 7's rules for a town before の and a spaced room number found the last two
    "pii_fourth_check.yaml": ({"person": 58, "phone": 11, "postal_code": 8, "address": 14, "my_number": 9,
                               "email": 6, "birth_date": 8, "insurance_number": 12, "facility": 15, "line_id": 5}, 2),
    # measured untouched after round 5 (then 249 of 280), then tuned on in round 6 (of 118, 19, 13, 25, 13,
    # 14, 21, 16, 28, 13 expected); round 7's two-kana name before です found one more
    "pii_fifth.yaml": ({"person": 116, "phone": 19, "postal_code": 13, "address": 25, "my_number": 13,
                        "email": 14, "birth_date": 21, "insurance_number": 16, "facility": 27, "line_id": 13}, 0),
    # measured untouched after round 6 (then 275 of 308), then tuned on in round 7 (of 141, 20, 14, 26, 14,
    # 14, 16, 14, 34, 15 expected)
    "pii_sixth.yaml": ({"person": 137, "phone": 20, "postal_code": 14, "address": 26, "my_number": 14,
                        "email": 14, "birth_date": 16, "insurance_number": 14, "facility": 33, "line_id": 15}, 1),
    # measured untouched after round 7 (of 136, 18, 12, 23, 13, 14, 14, 12, 39, 12 expected): never tuned on
    "pii_seventh.yaml": ({"person": 113, "phone": 18, "postal_code": 11, "address": 14, "my_number": 12,
                          "email": 14, "birth_date": 13, "insurance_number": 12, "facility": 15, "line_id": 11}, 1),
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def labelled(request):
    with open(DATA / request.param, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    reached, max_alarms = FLOORS[request.param]
    return data, reached, max_alarms


def test_the_blind_set_is_there_and_well_formed():
    with open(DATA / "pii_blind.yaml", encoding="utf-8") as fh:
        blind = yaml.safe_load(fh)
    assert len(blind["pii"]) + len(blind["clean"]) >= 300
    for item in blind["pii"]:
        for _kind, text in item["expect"]:
            assert str(text) in item["text"], (text, item["text"])


def test_recall_per_kind_stays_at_the_floor(labelled):
    data, reached, _ = labelled
    hit, misses = Counter(), []
    for item in data["pii"]:
        found = {(f.kind, f.text) for f in find_pii(item["text"])}
        for kind, text in item["expect"]:
            if (kind, str(text)) in found:
                hit[kind] += 1
            else:
                misses.append(f"{kind} 「{text}」 in {item['text']} (found {sorted(found)})")
    below = {k: (hit[k], n) for k, n in reached.items() if hit[k] < n}
    assert not below, "recall below the floor (found, floor): " + repr(below) + "\n" + "\n".join(misses)


def test_false_alarms_on_the_clean_sentences_stay_at_the_floor(labelled):
    data, _, max_alarms = labelled
    texts = [c if isinstance(c, str) else c["text"] for c in data["clean"]]
    alarms = [(t, [(f.kind, f.text) for f in find_pii(t)]) for t in texts]
    alarms = [a for a in alarms if a[1]]
    assert len(alarms) <= max_alarms, alarms


def test_anonymized_sentences_have_no_findings_and_no_labelled_text(labelled):
    data, _, _ = labelled
    for item in data["pii"]:
        out = anonymize(item["text"])
        assert find_pii(out) == [], (item["text"], out)
        found = {(f.kind, f.text) for f in find_pii(item["text"])}
        missed = [str(t) for k, t in item["expect"] if (k, str(t)) not in found]
        for kind, text in item["expect"]:
            # what the gate finds is gone (misses are counted above; a found nickname may stay inside a
            # missed full name: みよ in みよこ)
            if (kind, str(text)) in found and not any(str(text) in m for m in missed):
                # (a surname may stay inside a ward's name, which is not private: 表札は「住吉」… 住吉区の出身)
                assert str(text) not in re.sub(r"[^\s、。]{1,4}区", "", out), (text, out)
