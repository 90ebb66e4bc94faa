"""GiNZA (ja_ginza) as a second signal for casebook.privacy.find_pii: recall, false alarms, speed, load, size.

Issue #17 asked whether a Japanese NER model would fit as a second signal. Measured 2026-11-30 (commit
3b17a6f, all nine labelled sets, 2,863 sentences; exact kind and text as in privacy_recall.py):
GiNZA alone finds 66.9 % of person spans, 13.4 % of facilities and 3.4 % of addresses (it splits an
address into pieces); added to find_pii it raises recall on the seventh blind set (never tuned on)
from 79.5 % to 81.9 %, all of it kana given names, and false alarms from 1 to 31 of 218 clean
sentences (Person and proper nouns only: 81.6 %, 7 alarms). CPU: find_pii 170,893 characters per
second, GiNZA's NER 1,581–2,342 (about 115× slower); load 1.3 s; 79 MB model + 295 MB spaCy;
licences MIT (ginza, ja_ginza; its training data carries CC BY-NC-SA and commercial terms of their
own). It pins sudachipy<0.7, below the project's 0.7: so it is not a dependency, and this script
runs it in a separate environment:

    python3 -m venv /tmp/ginza && /tmp/ginza/bin/pip install ja-ginza pyyaml
    /tmp/ginza/bin/python benchmarks/privacy_ner_signal.py [--misses] [--repeat 3]

find_pii runs in the project's own interpreter (CASEBOOK_PYTHON, default .venv/bin/python) in a
child process (`--casebook`), which returns every finding of every sentence plus its timings as JSON.
GiNZA's labels are mapped to our kinds person / facility / address a priori (LABEL_KIND below, from
the label names, not from the misses).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from privacy_recall import SETS, load_set, score_found  # noqa: E402 (the same sets, read and scored the same way)

MAIN = Path(__file__).resolve().parent.parent
MAIN_PY = Path(os.environ.get("CASEBOOK_PYTHON", MAIN / ".venv" / "bin" / "python"))
HERE = Path(os.environ.get("NER_SIGNAL_OUT", "/tmp/privacy_ner_signal"))

# ja_ginza NER labels (Sekine's extended hierarchy, 189 labels in meta.json) -> our kinds.
LABEL_KIND = {
    "Person": "person",
    # places below the country: what a home address is made of
    **{k: "address" for k in ("Postal_Address", "Province", "City", "County", "GPE_Other", "Location_Other",
                               "Domestic_Region", "Region_Other")},
    # named buildings and organisations that run them (hospitals, schools, homes, day services, shops)
    **{k: "facility" for k in ("Facility_Other", "GOE_Other", "School", "Public_Institution", "Research_Institute",
                                "Worship_Place", "Museum", "Sports_Facility", "Theater", "Park", "Zoo",
                                "Amusement_Park", "Spa", "Company", "Company_Group", "Corporation_Other",
                                "Organization_Other")},
}
GINZA_KINDS = ("person", "facility", "address")
ALL_KINDS = ('person', 'phone', 'postal_code', 'address', 'my_number', 'email', 'birth_date', 'insurance_number',
             'facility', 'line_id')
# A block-number tail after a town (3丁目4番12号, 4-7-2, 二丁目5番地の3): used only by the "address+tail" variant.
_TAIL = re.compile(r"[0-9０-９一二三四五六七八九十〇]+(?:丁目|番地?|号|の|[-‐－ー−])?"
                   r"(?:[0-9０-９一二三四五六七八九十〇]+(?:番地?|号|の|[-‐－ー−])?)*")


def all_texts():
    out = {}
    for p in SETS:
        pii, clean = load_set(p)
        out[str(p)] = [t for t, _ in pii] + clean
    return out


# ---------------------------------------------------------------- child: find_pii in the project's interpreter
LOAD_CASEBOOK = """
import time
t0 = time.perf_counter(); c0 = time.process_time()
import casebook.privacy as p
p.load_dictionary()
p.find_pii("民生委員の山本さん")
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def casebook_child(repeat: int) -> None:
    from casebook.privacy import find_pii, load_dictionary
    load_dictionary()
    find_pii("民生委員の山本さんと長女のマリア・サントスさん、電話090.0000.1234。")  # lazy caches
    texts = all_texts()
    findings = {p: [[[f.kind, f.text, f.start, f.end] for f in find_pii(t)] for t in ts] for p, ts in texts.items()}
    flat = [t for ts in texts.values() for t in ts]
    cpu = []
    for _ in range(repeat):
        c = time.process_time()
        for t in flat:
            find_pii(t)
        cpu.append(time.process_time() - c)
    json.dump({"findings": findings, "cpu": cpu}, sys.stdout, ensure_ascii=False)


# ---------------------------------------------------------------- GiNZA
def ginza_spans(doc):
    """[(kind, text, start, end, label, all_common)] for entities mapped to our kinds."""
    out = []
    for e in doc.ents:
        kind = LABEL_KIND.get(e.label_)
        if not kind:
            continue
        # tag_ is SudachiPy's part of speech (名詞-固有名詞-人名-姓 …), set by GiNZA's tokenizer
        all_common = all(not t.tag_.startswith("名詞-固有名詞") for t in e)
        out.append((kind, e.text, e.start_char, e.end_char, e.label_, all_common))
    return out


def address_tail(doc, spans):
    """Variant: adjacent address entities merged, then widened over a block-number tail (丁目/番/号/-)."""
    text = doc.text
    addr = sorted((s for s in spans if s[0] == "address"), key=lambda s: s[2])
    merged = []
    for s in addr:
        if merged and merged[-1][3] == s[2]:
            m = merged[-1]
            merged[-1] = ("address", text[m[2]:s[3]], m[2], s[3], m[4] + "+" + s[4], m[5] and s[5])
        else:
            merged.append(s)
    out = []
    for s in merged:
        m = _TAIL.match(text, s[3])
        end = m.end() if m and m.end() > s[3] else s[3]
        end = end - 1 if end > s[3] and text[end - 1] in "の-‐－ー−" else end
        out.append(("address", text[s[2]:end], s[2], end, s[4] + "~tail", s[5]))
    return [s for s in spans if s[0] != "address"] + out


# ---------------------------------------------------------------- scoring
def pct(h, n):
    return f"{h / n:.1%}" if n else "-"


def recall(r, kinds=None):
    kinds = kinds or list(r["expected"])
    n = sum(r["expected"][k] for k in kinds)
    h = sum(r["hit"][k] for k in kinds)
    return h, n


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--casebook", action="store_true", help="(child) run find_pii in the main venv")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    if args.casebook:
        casebook_child(args.repeat)
        return

    env = dict(os.environ, PYTHONPATH=str(MAIN))
    out = []
    say = lambda s="": (print(s), out.append(s))  # noqa: E731

    # ---- find_pii, in the main venv
    done = subprocess.run([str(MAIN_PY), __file__, "--casebook", "--repeat", str(args.repeat)], env=env, cwd=MAIN,
                          capture_output=True, text=True, check=True)
    cb = json.loads(done.stdout)
    cb_load = min((tuple(map(float, subprocess.run([str(MAIN_PY), "-c", LOAD_CASEBOOK], env=env, cwd=MAIN,
                                                   capture_output=True, text=True, check=True).stdout.split()))
                   for _ in range(args.repeat)))

    # ---- GiNZA, here
    import spacy
    nlp = spacy.load("ja_ginza")
    ner_only = ["parser", "morphologizer", "compound_splitter", "bunsetu_recognizer"]
    texts = all_texts()
    docs = {p: [nlp(x) for x in ts] for p, ts in texts.items()}
    # NER alone (the other components off) gives the same entities? (checked, then used for the speed figure)
    with nlp.select_pipes(disable=ner_only):
        same = all([(e.start_char, e.end_char, e.label_) for e in nlp(x).ents] ==
                   [(e.start_char, e.end_char, e.label_) for e in d.ents]
                   for p in texts for x, d in zip(texts[p], docs[p]))
    gz = {p: [ginza_spans(d) for d in ds] for p, ds in docs.items()}
    gz_tail = {p: [address_tail(d, s) for d, s in zip(docs[p], gz[p])] for p in docs}

    flat = [x for ts in texts.values() for x in ts]
    chars = sum(map(len, flat))

    def cpu_best(fn):
        best = []
        for _ in range(args.repeat):
            c, w = time.process_time(), time.perf_counter()
            fn()
            best.append((time.process_time() - c, time.perf_counter() - w))
        return min(best)

    g_full = cpu_best(lambda: [nlp(x) for x in flat])
    with nlp.select_pipes(disable=ner_only):
        g_ner = cpu_best(lambda: [nlp(x) for x in flat])
        g_pipe = cpu_best(lambda: list(nlp.pipe(flat, batch_size=256)))
    LOAD_G = ("import time; t=time.perf_counter(); c=time.process_time(); import spacy; nlp=spacy.load('ja_ginza'); "
              "nlp('山本さん'); print(time.perf_counter()-t, time.process_time()-c)")
    g_load = min(tuple(map(float, subprocess.run([sys.executable, "-c", LOAD_G], capture_output=True, text=True,
                                                 check=True).stdout.split())) for _ in range(args.repeat))

    # ---- per-set scores
    variants = {
        "ours": lambda p, i: set(),
        "G": lambda p, i: {(k, s) for k, s, *_ in gz[p][i]},
        "G+tail": lambda p, i: {(k, s) for k, s, *_ in gz_tail[p][i]},
        "U": lambda p, i: {(k, s) for k, s, *_ in gz[p][i]},
        "U-propn": lambda p, i: {(k, s) for k, s, a, b, lab, common in gz[p][i] if not common},
        "U-person": lambda p, i: {(k, s) for k, s, *_ in gz[p][i] if k == "person"},
        "U-person-propn": lambda p, i: {(k, s) for k, s, a, b, lab, common in gz[p][i]
                                        if k == "person" and not common},
        "U+tail": lambda p, i: {(k, s) for k, s, *_ in gz_tail[p][i]},
    }
    res = {}
    for path in SETS:
        p = str(path)
        pii, clean = load_set(path)
        ours = [{(k, s) for k, s, *_ in f} for f in cb["findings"][p]]
        res[p] = {}
        for name, extra in variants.items():
            if name.startswith("G"):
                fn, kinds = (lambda i, x, e=extra, p=p: e(p, i)), GINZA_KINDS
            else:
                fn, kinds = (lambda i, x, e=extra, p=p, o=ours: o[i] | e(p, i)), ALL_KINDS
            res[p][name] = score_found(fn, pii, clean, kinds)
        res[p]["n"] = (len(pii), len(clean))

    name_of = lambda p: Path(p).stem.replace("pii_", "")  # noqa: E731
    say("# GiNZA (ja_ginza 5.3.0) as a second signal for casebook.privacy.find_pii")
    say()
    say(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by benchmarks/privacy_ner_signal.py; find_pii "
        f"at commit {subprocess.run(['git', '-C', str(MAIN), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()} "
        f"in {MAIN_PY}; GiNZA in {sys.executable}. Exact kind+text matching as in benchmarks/privacy_recall.py.")
    say()
    say("## 1. Recall on person / facility / address only (ours vs GiNZA alone)")
    say()
    say("| set | n (p/f/a) | ours p / f / a | GiNZA p / f / a | GiNZA+tail addr | ours all 3 | GiNZA all 3 | "
        "clean w/ GiNZA p/f/a finding |")
    say("|---|---|---|---|---|---|---|---|")
    tot = Counter()
    for p in res:
        o = res[p]["ours"]
        g, gt = res[p]["G"], res[p]["G+tail"]
        n = [o["expected"][k] for k in GINZA_KINDS]
        oc = " / ".join(pct(o["hit"][k], o["expected"][k]) for k in GINZA_KINDS)
        gc = " / ".join(pct(g["hit"][k], g["expected"][k]) for k in GINZA_KINDS)
        oh, on = recall(o, GINZA_KINDS)
        gh, gn = recall(g, GINZA_KINDS)
        say(f"| {name_of(p)} | {'/'.join(map(str, n))} | {oc} | {gc} | {pct(gt['hit']['address'], gt['expected']['address'])} "
            f"| {pct(oh, on)} | {pct(gh, gn)} | {len(g['alarms'])}/{g['clean']} ({pct(len(g['alarms']), g['clean'])}) |")
        for k in GINZA_KINDS:
            tot[("o", k)] += o["hit"][k]
            tot[("g", k)] += g["hit"][k]
            tot[("gt", k)] += gt["hit"][k]
            tot[("n", k)] += o["expected"][k]
        tot["ga"] += len(g["alarms"])
        tot["clean"] += g["clean"]
    n3 = sum(tot[("n", k)] for k in GINZA_KINDS)
    say(f"| all | {'/'.join(str(tot[('n', k)]) for k in GINZA_KINDS)} | "
        f"{' / '.join(pct(tot[('o', k)], tot[('n', k)]) for k in GINZA_KINDS)} | "
        f"{' / '.join(pct(tot[('g', k)], tot[('n', k)]) for k in GINZA_KINDS)} | {pct(tot[('gt', 'address')], tot[('n', 'address')])} | "
        f"{pct(sum(tot[('o', k)] for k in GINZA_KINDS), n3)} | {pct(sum(tot[('g', k)] for k in GINZA_KINDS), n3)} | "
        f"{tot['ga']}/{tot['clean']} ({pct(tot['ga'], tot['clean'])}) |")
    say()
    say("## 2. As a second signal: find_pii ∪ GiNZA, all kinds (recall; clean sentences with any finding)")
    say()
    say("U = ours ∪ all GiNZA person/facility/address spans; U-propn = only spans with a 固有名詞 token; "
        "U-person = only GiNZA Person; U-person-propn = Person with a 固有名詞 token; "
        "U+tail = U with address entities merged and widened over a block-number tail.")
    say()
    cols = ["ours", "U", "U-propn", "U-person", "U-person-propn", "U+tail"]
    say("| set | " + " | ".join(f"{c} recall / FA" for c in cols) + " |")
    say("|---|" + "---|" * len(cols))
    agg = {c: Counter() for c in cols}
    for p in res:
        cells = []
        for c in cols:
            r = res[p][c]
            h, n = recall(r)
            fa = len(r["alarms"])
            agg[c]["h"] += h
            agg[c]["n"] += n
            agg[c]["fa"] += fa
            agg[c]["clean"] += r["clean"]
            cells.append(f"{pct(h, n)} ({h}/{n}) / {fa}/{r['clean']}")
        say(f"| {name_of(p)} | " + " | ".join(cells) + " |")
    say("| all | " + " | ".join(f"{pct(agg[c]['h'], agg[c]['n'])} ({agg[c]['h']}/{agg[c]['n']}) / "
                                 f"{agg[c]['fa']}/{agg[c]['clean']} ({pct(agg[c]['fa'], agg[c]['clean'])})"
                                 for c in cols) + " |")
    say()
    say("Per kind, seventh and sixth (ours → U → U-propn → U-person), recall:")
    say()
    for p in [str(SETS[-1]), str(SETS[-2])]:
        say(f"- {name_of(p)}: " + "; ".join(
            f"{k} {' → '.join(pct(res[p][c]['hit'][k], res[p][c]['expected'][k]) for c in ('ours', 'U', 'U-propn', 'U-person'))}"
            for k in GINZA_KINDS) + "; extra findings in PII sentences "
            + " → ".join(str(sum(res[p][c]['extra'].values())) for c in ("ours", "U", "U-propn", "U-person")))
    say()
    say("## 3. Speed, load, size")
    say()
    cb_best = min(cb["cpu"])
    say(f"All sets' text: {len(flat):,} sentences, {chars:,} characters; CPU time (process_time), best of {args.repeat}, "
        f"one call per sentence, {os.cpu_count()} CPUs.")
    say()
    say("| | chars/s (CPU) | ms per 1,000 chars |")
    say("|---|---|---|")
    say(f"| find_pii (main venv) | {chars / cb_best:,.0f} | {cb_best / chars * 1e6:.2f} |")
    say(f"| GiNZA full pipeline (nlp(x)) | {chars / g_full[0]:,.0f} | {g_full[0] / chars * 1e6:.2f} |")
    say(f"| GiNZA NER only (parser, morphologizer, splitter, bunsetu off; same entities: {same}) | "
        f"{chars / g_ner[0]:,.0f} | {g_ner[0] / chars * 1e6:.2f} |")
    say(f"| GiNZA NER only, nlp.pipe batch 256 | {chars / g_pipe[0]:,.0f} | {g_pipe[0] / chars * 1e6:.2f} |")
    say()
    say(f"Fresh interpreter (best of {args.repeat}, wall / CPU): `import casebook.privacy` + load_dictionary + first "
        f"find_pii {cb_load[0] * 1000:.0f} / {cb_load[1] * 1000:.0f} ms; `import spacy; spacy.load('ja_ginza')` + "
        f"first doc {g_load[0] * 1000:.0f} / {g_load[1] * 1000:.0f} ms.")
    say()
    import sysconfig

    sp = Path(sysconfig.get_paths()["purelib"])   # this (GiNZA's) environment
    parts = {"ja_ginza (model)": ["ja_ginza"], "ginza": ["ginza"],
             "spacy + thinc + its compiled deps": ["spacy", "thinc", "blis", "cymem", "preshed", "murmurhash", "srsly",
                                                  "catalogue", "wasabi", "weasel", "confection", "spacy_legacy",
                                                  "spacy_loggers", "cloudpathlib", "smart_open", "langcodes",
                                                  "language_data", "marisa_trie", "typer", "rich", "pydantic",
                                                  "pydantic_core", "jinja2", "requests", "tqdm", "numpy",
                                                  "numpy.libs", "pygments", "wrapt", "plac"],
             "sudachipy + sudachidict_core (also in the main venv, other versions)": ["sudachipy", "sudachidict_core"]}
    say("| installed | MB |")
    say("|---|---|")
    for label, names in parts.items():
        size = sum(du(sp / n) for n in names if (sp / n).exists())
        say(f"| {label} | {size / 1e6:.1f} |")
    say(f"| whole venv site-packages (incl. pip, setuptools, pyyaml) | {du(sp) / 1e6:.1f} |")
    HERE.mkdir(parents=True, exist_ok=True)
    print(f"results in {HERE}")
    (HERE / "results.generated.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    if args.misses:
        with open(HERE / "misses.txt", "w", encoding="utf-8") as f:
            for p in res:
                f.write(f"== {name_of(p)}: GiNZA alone\n")
                f.write("\n".join(res[p]["G"]["misses"] + res[p]["G"]["alarms"]) + "\n")
                f.write(f"== {name_of(p)}: union, false alarms\n")
                f.write("\n".join(res[p]["U"]["alarms"]) + "\n")


if __name__ == "__main__":
    main()
