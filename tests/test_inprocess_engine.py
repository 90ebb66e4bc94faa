"""Pages executed without a kernel: papermill's `casebook_inprocess` engine runs the cells on an
IPython shell inside a worker process made for pages (casebook/pipeline/inprocess.py). What an
editor relies on: the casebook it builds is the one kernels build, byte for byte; a notebook's
outputs are a kernel's (printed text, displays, the last value, errors, figures); one page cannot
leave state behind for the next; a failing or endless cell is recorded, and the next page runs.

The engine changes its process's environment and working directory as a kernel does its own, so
every check runs in a worker process spawned for it, as the build's are."""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from casebook.model import WardActivity
from test_case_page import DIRTY, PROBE, _case, _notebook, _stdout

REPO = Path(__file__).resolve().parent.parent
ENGINE = "casebook_inprocess"

pytestmark = pytest.mark.slow


def _in_worker(fn, *args):
    """fn(*args) in a new spawned process (the build's worker processes are made the same way)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result(timeout=120)


def _execute(notebooks: list, cwd: str, timeout: float | None = None) -> list:
    """In the worker: each notebook through papermill with the in-process engine, one after another."""
    import papermill

    out = []
    for nb in notebooks:
        try:
            out.append(papermill.execute_notebook(nb, None, engine_name=ENGINE, progress_bar=False, kernel_cwd=cwd,
                                                  kernel_env=dict(os.environ), execution_timeout=timeout))
        except papermill.PapermillExecutionError as exc:
            out.append({"error": [exc.cell_index, exc.ename, exc.evalue]})
    return out


KINDS = r'''
import sys
from IPython.display import HTML, display, update_display, clear_output
print("一行目")
print("二行目")
print("警告", file=sys.stderr)
display(HTML("<b>太字</b>"))
h = display(HTML("<i>前</i>"), display_id=True)
{"件数": 3}
'''
LATER = r'''
h.update(HTML("<i>後</i>"))
display(HTML("消える"))
clear_output(wait=True)
display(HTML("<p>残る</p>"))
clear_output(wait=True)
'''
FIGURE = r'''
import matplotlib.pyplot as plt
_ = plt.plot([1, 2, 3], [3, 1, 2])
'''
FAILS = "x = 1\nraise ValueError('存在しない事例です')"


def _shape(nb) -> list:
    """What a reader sees of each output: its kind, stream name and text, and its data (PNG bytes
    aside, which differ only by the renderer's run: their presence is compared)."""
    cells = []
    for c in nb.cells:
        outs = []
        for o in c.get("outputs", []):
            data = {k: ("<png>" if k == "image/png" else v) for k, v in o.get("data", {}).items()}
            outs.append([o.output_type, o.get("name"), o.get("text"), data, o.get("execution_count"),
                         o.get("ename"), o.get("evalue")])
        cells.append([c.get("execution_count"), outs])
    return cells


def test_a_notebooks_outputs_in_process_are_a_kernels(tmp_path):
    """Printed text (stdout and stderr), displays, a display updated from a later cell,
    clear_output(wait=True), the last value, a matplotlib figure and an error: the same outputs as
    papermill on a new kernel."""
    import papermill

    notebook = _notebook(KINDS, LATER, FIGURE, FAILS, "print('実行されない')")
    with pytest.raises(papermill.PapermillExecutionError) as on_kernel:
        papermill.execute_notebook(notebook, str(tmp_path / "kernel.ipynb"), progress_bar=False, cwd=str(tmp_path))
    import nbformat

    kernel = nbformat.read(str(tmp_path / "kernel.ipynb"), as_version=4)
    [inproc] = _in_worker(_execute_to_file, [notebook], str(tmp_path), str(tmp_path / "inprocess.ipynb"))
    assert inproc["error"] == [on_kernel.value.cell_index, "ValueError", "存在しない事例です"]
    mine = nbformat.read(str(tmp_path / "inprocess.ipynb"), as_version=4)
    nbformat.validate(mine)
    assert _shape(mine) == _shape(kernel)
    kinds = [o.output_type for o in mine.cells[1].outputs]   # after papermill's error marker cell
    assert kinds == ["stream", "stream", "display_data", "display_data", "execute_result"]
    assert mine.cells[1].outputs[0].text == "一行目\n二行目\n" and mine.cells[1].outputs[1].name == "stderr"
    assert mine.cells[1].outputs[3].data["text/html"] == "<i>後</i>", "updated from the next cell"
    # cleared before the next output; a clear waiting at the end of the cell clears nothing (nbclient)
    assert [o.data["text/html"] for o in mine.cells[2].outputs] == ["<p>残る</p>"]
    assert "image/png" in mine.cells[3].outputs[-1].data
    failed = mine.cells[5]
    assert failed.metadata.papermill.status == "failed" and failed.outputs[0].ename == "ValueError"
    assert any("存在しない事例です" in line for line in failed.outputs[0].traceback)
    assert mine.cells[6].metadata.papermill.status == "pending" and mine.cells[6].execution_count is None
    assert mine.metadata.papermill.exception is True and mine.metadata.language_info.name == "python"


def _execute_to_file(notebooks: list, cwd: str, path: str) -> list:
    import papermill

    out = []
    for nb in notebooks:
        try:
            papermill.execute_notebook(nb, path, engine_name=ENGINE, progress_bar=False, kernel_cwd=cwd,
                                       kernel_env=dict(os.environ))
            out.append({"ok": True})
        except papermill.PapermillExecutionError as exc:
            out.append({"error": [exc.cell_index, exc.ename, exc.evalue]})
    return out


def test_one_page_leaves_nothing_behind_for_the_next(tmp_path):
    """A notebook that changes the variables, matplotlib's settings, widgets, the environment, the
    working directory, sys.path, warnings and display formatters; the next notebook on the same
    shell sees what a fresh kernel sees, and counts its cells from 1."""
    import papermill

    fresh = _stdout(papermill.execute_notebook(_notebook(PROBE), None, progress_bar=False, cwd=str(tmp_path)))
    first, dirty, probe = _in_worker(_execute, [_notebook(PROBE), _notebook(DIRTY), _notebook(PROBE)], str(tmp_path))
    assert json.loads(_stdout(probe)) == json.loads(fresh) == json.loads(_stdout(first))
    assert [c.execution_count for c in probe.cells] == [1]


KEPT = r'''
import linecache
print(len(In), sum(1 for name in linecache.cache if name.startswith("<ipython-input-")))
'''


def test_a_worker_keeps_nothing_of_earlier_pages_cells(tmp_path):
    """A worker makes thousands of pages: `In` starts as a fresh kernel's for each, and neither the
    history's cache nor the cells' sources kept for tracebacks pile up (they did: ~2 KB a page)."""
    nbs = [_notebook(f"x = {i}\nprint(x)") for i in range(30)]
    first, *_, last = _in_worker(_execute, [_notebook(KEPT), *nbs, _notebook(KEPT)], str(tmp_path))
    assert _stdout(first) == _stdout(last) == "2 1\n"   # In == ["", this cell]; this cell's source alone


def test_an_endless_cell_is_stopped_and_recorded_and_the_next_notebook_runs(tmp_path):
    endless = _notebook("import time\nwhile True:\n    time.sleep(0.05)")
    stopped, after = _in_worker(_execute, [endless, _notebook("print('次の事例')")], str(tmp_path), 1)
    cell, ename, evalue = stopped["error"]
    assert ename == "CellTimeoutError" and "1 秒を超えた" in evalue
    assert _stdout(after) == "次の事例\n"


def _case_page(case_ids: list[str], env: dict, engine: str) -> list:
    """In the worker: the build's execute_page for each case; the executed notebooks (or the error)."""
    from papermill.exceptions import PapermillExecutionError

    from casebook.pipeline.build import WARMUP
    from casebook.pipeline.execute import POOL, PageJob, execute_page

    notebook = str(REPO / "notebooks" / "case_page.ipynb")
    out = []
    try:
        for case_id in case_ids:
            job = PageJob(case_id=case_id, key="k", notebook=notebook, site={}, env=env, warmup=WARMUP, engine=engine,
                          parameters={"case_id": case_id, "version": 1, "charts": True})
            try:
                out.append(execute_page(job))
            except PapermillExecutionError as exc:
                out.append({"cell_index": exc.cell_index, "ename": exc.ename, "notebook": exc.notebook})
    finally:
        POOL.shutdown()
    return out


def test_a_case_page_in_process_keeps_what_papermill_records_and_equals_the_kernels(settings):
    """The case page executed by the build's worker: papermill's parameters cell and metadata, per-cell
    status and timing, counts 1–4, outputs equal to the warm kernel's; a missing case fails in its
    load cell with papermill's markers, and the next page still runs."""
    import nbformat

    from casebook.store import Store

    with Store.open(settings) as store:
        store.import_all(cases=[_case(), _case(id="2024-27116-02", title="別の事例")],
                         activity=[WardActivity(ward="生野区", fiscal_year=2024, theme="見守り・訪問",
                                                figure="見守り訪問件数", value=5, unit="件")])
    ids = ["2024-27116-02", "2024-27116-99", "2024-27116-01"]
    kernel = _in_worker(_case_page, ids, settings.environ(), "casebook_warm")
    inproc = _in_worker(_case_page, ids, settings.environ(), ENGINE)

    for nb in (inproc[0], inproc[2]):
        nbformat.validate(nb)
        assert nb.metadata.papermill.parameters["case_id"] in ids
        assert all(c.metadata.papermill.status == "completed" and c.metadata.papermill.duration >= 0
                   for c in nb.cells)
        assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4]
    for a, b in ((kernel[0], inproc[0]), (kernel[2], inproc[2])):
        assert [c.get("outputs") for c in a.cells] == [c.get("outputs") for c in b.cells]
    html = "".join(o["data"]["text/html"] for c in inproc[2].cells for o in c.get("outputs", []) if "data" in o)
    assert "一人暮らしの高齢者と見守り活動" in html and "見守り訪問件数" in html and "ecomap" in html

    bad = inproc[1]
    assert bad["ename"] == kernel[1]["ename"] and bad["cell_index"] == kernel[1]["cell_index"]
    cells = bad["notebook"].cells
    assert cells[0].metadata.tags == ["papermill-error-cell-tag"]
    failing = cells[bad["cell_index"] + 2]
    assert failing.metadata.papermill.status == "failed" and "pages.load_case" in failing.source
    assert all(c.metadata.papermill.status == "pending" for c in cells[bad["cell_index"] + 3:])
