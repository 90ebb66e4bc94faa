"""How long does the printed casebook take, and how big is it? `workbench build --pdf` on the 26 sample
cases and on N generated ones (default 200).

    python benchmarks/casebook_pdf.py [--cases 200] [--jobs 2] [--png build/screenshots/pdf] [--keep DIR]
                                      [--baseline REV]

For each collection the HTML casebook is built first (`workbench build`); then `workbench build --pdf`
adds the PDFs (its pages come from the page cache, so its time is the PDF's). Printed: the build's PDF
time (the book laid out in parts, one process each, merged under a skeleton that numbers the pages;
the handouts copied out of it), the wall and CPU time of that build process and its children (CPU
says the cost when other work on the machine stretches the wall time), the peak memory of its
largest process, the booklet's pages, size and size per case, and the handouts' mean size.
Goals for 200 cases: the PDF in ≤ 60 s on 2 cores and ≤ 150 KB per case.

--baseline REV also builds each collection's PDF with the code of git revision REV (exported with
`git archive`, e.g. the commit before the parts: the book laid out single-process, the handouts
written by WeasyPrint), right before the current code's build on the same data: "before" and
"after" side by side, under the same load.

--png renders pages of the sample booklet with pdftoppm into that folder: the cover, the contents,
a case's first page and a page with an ecomap (to look at; the closing note describes them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """Wall and CPU seconds of a command and the peak memory (MB) of its largest process, by GNU time
    when there is one (0 without) (a build exits 1 only when a case failed or was blocked)."""
    timer = shutil.which("time", path="/usr/bin:/bin")
    report = Path(tempfile.mkstemp(prefix="casebook-pdf-time-")[1])
    cpu, t = _children_cpu(), time.perf_counter()
    proc = subprocess.run([timer, "-f", "%M", "-o", str(report), *cmd] if timer else cmd, env=env,
                          capture_output=True, text=True, cwd=str(REPO))
    wall, cpu = time.perf_counter() - t, _children_cpu() - cpu
    peak = report.read_text().strip().splitlines()[-1] if timer else ""
    report.unlink(missing_ok=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return wall, cpu, int(peak) / 1024 if peak.isdigit() else 0.0


def environment(work: Path, code: Path | None = None) -> dict:
    env = {**os.environ, "WORKBENCH_DATA": str(work / "data"), "WORKBENCH_BUILD": str(work / "build")}
    env.pop("WORKBENCH_DB_URL", None)
    if code:
        env["PYTHONPATH"] = str(code)
    return env


def export(rev: str, into: Path) -> Path:
    """The repository's files (the casebook package, its notebooks) as they were at git revision `rev`."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def fill(work: Path, env: dict, n: int | None) -> None:
    """The sample data (n None) or n generated cases with the ward figures."""
    if n is None:
        run([WORKBENCH, "init", "--sample", "--force"], env)
        return
    code = ("import gen_cases\nfrom casebook.store import Store\n"
            f"with Store.open() as store:\n    gen_cases.fill_store(store, {n})\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONPATH": os.pathsep.join(
        [str(HERE), env.get("PYTHONPATH", str(REPO))])}, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)


def measure(name: str, work: Path, n: int | None, jobs: int, baseline: Path | None = None) -> list[dict]:
    """The collection's PDF build: with the baseline's code first when there is one, then this code's."""
    fill(work, environment(work), n)
    rows = []
    for label, code in ([("before", baseline)] if baseline else []) + [("after", None)]:
        env = environment(work, code)
        html_wall, _, _ = run([WORKBENCH, "build", "--jobs", str(jobs)], env)
        wall, cpu, peak = run([WORKBENCH, "build", "--pdf", "--jobs", str(jobs)], env)
        report = json.loads((work / "build" / "casebook" / "report.json").read_text(encoding="utf-8"))
        pdf = report["pdf"]
        row = {"name": name, "code": label if baseline else "current", "cases": pdf["cases"], "html_s": html_wall,
               "pdf_s": report["times"]["pdf"], "handouts_s": pdf["handout_seconds"], "wall_s": wall, "cpu_s": cpu,
               "peak_mb": peak, "pages": pdf["pages"], "kb": pdf["kb"], "kb_per_case": pdf["kb_per_case"],
               "handout_kb": pdf.get("handouts", {}).get("kb_mean", 0.0), "parts": pdf.get("parts", [])}
        parts = " + ".join(f"{p['cases']} cases {p['seconds']:.1f} s, CPU {p.get('cpu_seconds', 0):.1f} s"
                           for p in row["parts"]) or "one layout"
        print(f"{name:>14} {row['code']:>7}: {row['cases']} cases, {row['pages']} pages "
              f"({row['pages'] / row['cases']:.1f}/case) · PDF {row['pdf_s']:.1f} s ({parts}; skeleton "
              f"{pdf.get('skeleton_seconds', 0):.1f} s, CPU {pdf.get('skeleton_cpu_seconds', 0):.1f} s; merge "
              f"{pdf.get('merge_seconds', 0):.1f} s, CPU {pdf.get('merge_cpu_seconds', 0):.1f} s; handouts "
              f"{row['handouts_s']:.1f} s) · build --pdf wall {wall:.1f} s, CPU {cpu:.1f} s, peak {peak:.0f} MB · "
              f"book {row['kb'] / 1024:.1f} MB = {row['kb_per_case']:.0f} KB/case · handout mean "
              f"{row['handout_kb']:.0f} KB", flush=True)
        rows.append(row)
    return rows


def pngs(book: Path, out: Path) -> list[Path]:
    """Cover, contents, a case's first page and a page with an ecomap, as PNG at 100 dpi."""
    text = subprocess.run(["pdftotext", str(book), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    wanted = {"cover": 1,
              "contents": next(i for i, p in enumerate(pages, 1) if p.lstrip().startswith("目次")),
              "case-first-page": next(i for i, p in enumerate(pages, 1) if "事例番号" in p),
              "ecomap": next(i for i, p in enumerate(pages, 1) if "関係線の一覧" in p)}
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for name, page in wanted.items():
        target = out / f"{name}-p{page}"
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(book), str(target)], check=True)
        made.append(target.with_suffix(".png"))
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--png", help="render pages of the sample booklet into this folder")
    ap.add_argument("--keep", help="keep the work folders here")
    ap.add_argument("--baseline", metavar="REV", help="also build each PDF with the code of this git revision")
    args = ap.parse_args()
    root = Path(args.keep or tempfile.mkdtemp(prefix="casebook-pdf-"))
    try:
        baseline = export(args.baseline, root / "baseline") if args.baseline else None
        rows = measure("sample", root / "sample", None, args.jobs, baseline)
        if args.png:
            for path in pngs(root / "sample" / "build" / "casebook" / "事例集.pdf", Path(args.png)):
                print(f"  {path}")
        if args.cases:
            rows += measure(f"{args.cases} generated", root / "generated", args.cases, args.jobs, baseline)
            big = rows[-1]
            print(f"goal for {args.cases} cases: PDF ≤ 60 s → {big['pdf_s']:.1f} s; "
                  f"≤ 150 KB/case → {big['kb_per_case']:.0f} KB")
        print(json.dumps(rows, ensure_ascii=False))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
