"""How fast the privacy gate reads case text: prints figures, asserts nothing.

- dictionary load: a fresh interpreter importing casebook.privacy and loading SudachiPy's core
  dictionary (what the first check in a kernel or a CLI run pays);
- find_pii per 1,000 characters of case text (the bundled sample cases when present, else case-like
  sentences from the labelled test set), findings per second, anonymize_case per case;
- against the plain tool chain: SudachiPy tokenising the same text alone, and NFKC alone.

Run: /tmp/venv/bin/python benchmarks/privacy_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD = """
import time
t0 = time.perf_counter()
import casebook.privacy as p
t1 = time.perf_counter()
p.load_dictionary()
t2 = time.perf_counter()
p.find_pii("民生委員の山本さん")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def fresh_process_load(repeat: int) -> list[tuple[float, float, float]]:
    out = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, cwd=ROOT, check=True)
        out.append(tuple(float(x) for x in done.stdout.split()))
    return out


def corpora() -> list[tuple[str, list[str], list]]:
    """[(where the text comes from, the prose fields, the cases or [])]: sample cases, labelled set."""
    from casebook.model import Case

    out = []
    cases = []
    for path in sorted((ROOT / "casebook" / "sample").glob("cases_*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows = data.get("cases", data) if isinstance(data, dict) else data
        cases += [Case.model_validate(r) for r in rows or []]
    if cases:
        out.append((f"{len(cases)} bundled sample cases", [t for c in cases for _, t in c.text_fields()], cases))
    data = yaml.safe_load((ROOT / "tests" / "data" / "pii_sentences.yaml").read_text(encoding="utf-8"))
    texts = [i["text"] for i in data["pii"]] + data["clean"]
    # Case fields are paragraphs: join the sentences five at a time.
    fields = ["".join(texts[i:i + 5]) for i in range(0, len(texts), 5)]
    out.append(("the labelled test sentences (dense with findings)", fields, []))
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    loads = fresh_process_load(args.repeat)
    imp = statistics.median(x[0] for x in loads)
    load = statistics.median(x[1] for x in loads)
    first = statistics.median(x[2] for x in loads)
    print(f"fresh process ({args.repeat} runs, median): import casebook.privacy {imp * 1000:.0f} ms, "
          f"dictionary load {load * 1000:.0f} ms (min {min(x[1] for x in loads) * 1000:.0f}), "
          f"first find_pii {first * 1000:.1f} ms")

    from casebook import privacy

    privacy.load_dictionary()
    for source, fields, cases in corpora():
        measure(source, fields, cases, args.repeat)


def measure(source: str, fields: list[str], cases: list, repeat: int) -> None:
    from sudachipy import SplitMode

    from casebook import privacy

    chars = sum(len(t) for t in fields)
    privacy.find_pii(fields[0])   # warm caches (ward regex, vocab)
    t_find = best_of(lambda: [privacy.find_pii(t) for t in fields], repeat)
    n_findings = sum(len(privacy.find_pii(t)) for t in fields)
    tok = privacy._tokenizer()
    t_sudachi = best_of(lambda: [list(tok.tokenize(t, SplitMode.C)) for t in fields], repeat)
    t_nfkc = best_of(lambda: [unicodedata.normalize("NFKC", t) for t in fields], repeat)

    per_k = lambda t: t / chars * 1000 * 1000   # ms per 1,000 characters  # noqa: E731
    print(f"\ntext: {source}: {len(fields)} fields, {chars:,} characters, {n_findings} findings")
    print(f"  find_pii:            {per_k(t_find):7.3f} ms per 1,000 characters "
          f"({chars / t_find:,.0f} chars/s, {n_findings / t_find:,.0f} findings/s)")
    print(f"  SudachiPy tokenize:  {per_k(t_sudachi):7.3f} ms per 1,000 characters (plain tool, mode C)")
    print(f"  NFKC only:           {per_k(t_nfkc):7.3f} ms per 1,000 characters")
    print(f"  ratio find_pii / SudachiPy alone: {t_find / t_sudachi:.2f}x")
    if cases:
        t_anon = best_of(lambda: [privacy.anonymize_case(c) for c in cases], repeat)
        print(f"  anonymize_case: {t_anon / len(cases) * 1000:.1f} ms per case ({len(cases)} cases)")
    else:
        t_anon = best_of(lambda: [privacy.anonymize(t) for t in fields], repeat)
        print(f"  anonymize: {per_k(t_anon):.3f} ms per 1,000 characters")

if __name__ == "__main__":
    main()
