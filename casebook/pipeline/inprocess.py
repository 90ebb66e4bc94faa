"""Execute notebooks with papermill without a kernel: the cells run on an IPython shell in this
process (papermill engine `casebook_inprocess`, registered through the `papermill.engine` entry point).

A case page's own work is about 2 ms; on a kernel, each of its cells is also a round trip of
messages (execute request, busy, input, outputs, idle, reply), serialised, signed and read by
nbclient — most of a page's cost. The build's worker processes (`executors.ProcessExecutor`) are
made for pages alone, so there the worker process is the kernel: the same IPython shell that
ipykernel wraps, the same reset between notebooks (`execute._KERNEL_SETUP`), the same outputs
(stream, display_data, execute_result, error with its traceback) and execution counts, the
matplotlib inline backend as ipykernel sets it. papermill still drives it: the parameters cell,
per-cell start/end/duration/status, the failing cell marked and the notebook's error markers.

What a kernel gives and this does not: widgets' state (there is no frontend to sync with; a case
page is static HTML) and an interrupt from outside (a cell's time limit is kept with a timer
signal in the process's main thread). It changes the process's environment, working directory and
`sys.path` as a kernel changes its own, so it runs only in processes that exist to execute pages.
"""

from __future__ import annotations

import base64
import os
import platform
import signal
import sys
import threading

from casebook.errors import WorkbenchError

ENGINE_NAME = "casebook_inprocess"

LANGUAGE_INFO = {   # what ipykernel reports for Python (kernel_info_reply), with this interpreter's version
    "name": "python", "version": platform.python_version(), "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python", "file_extension": ".py"}


class CellTimeoutError(BaseException):
    """A cell ran past its time limit (a BaseException, like KeyboardInterrupt: a cell's own
    `except Exception` does not swallow it)."""


class InProcessError(WorkbenchError, RuntimeError):
    """The notebook cannot run in this process (another IPython shell lives here, or not the main thread)."""


class _Outputs:
    """The outputs of the cell being executed, as nbclient would have made them from messages;
    `by_display_id`: the notebook's displays with an id so far (an update reaches earlier cells too)."""

    def __init__(self, by_display_id: dict | None = None) -> None:
        from nbformat.v4 import new_output

        self.new_output = new_output
        self.outputs: list = []
        self.clear_pending = False
        self.by_display_id: dict[str, list] = {} if by_display_id is None else by_display_id

    def add(self, out, display_id: str | None = None) -> None:
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        self.outputs.append(out)
        if display_id:
            self.by_display_id.setdefault(display_id, []).append(out)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs and not self.clear_pending else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.add(self.new_output("stream", name=name, text=text))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_pending = True
        else:
            self.outputs.clear()
            self.clear_pending = False


_CURRENT = threading.local()


def _current() -> _Outputs:
    out = getattr(_CURRENT, "outputs", None)
    if out is None:   # output outside a cell (a library at import): kept nowhere, as a kernel's would be lost
        out = _Outputs()
    return out


def _json_data(data: dict) -> dict:
    """A mime bundle as a kernel sends it: bytes (PNG, JPEG) as base64 text."""
    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}


class _Stream:
    """sys.stdout / sys.stderr while a cell runs: text goes to the cell's outputs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str):
        self.name = name

    def write(self, text: str) -> int:
        _current().stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False


_SHELL = None
_STATE: tuple | None = None   # (env, cwd, warmup) the shell was set up for
_LOCK = threading.Lock()


def _make_shell():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class PageDisplayHook(DisplayHook):
        """The value of a cell's last expression: an execute_result output."""

        def start_displayhook(self) -> None:
            pass

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:
            out = _current()
            out.add(out.new_output("execute_result", data=_json_data(format_dict), metadata=md_dict or {},
                                   execution_count=self.prompt_count))

        def finish_displayhook(self) -> None:
            pass

    class PageDisplayPublisher(DisplayPublisher):
        """display(): display_data outputs; update_display() and clear_output() as nbclient applies them."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            out = _current()
            display_id = (transient or {}).get("display_id")
            if update:
                for o in out.by_display_id.get(display_id, []):
                    o.data, o.metadata = _json_data(data), metadata or {}
                return
            out.add(out.new_output("display_data", data=_json_data(data), metadata=metadata or {}), display_id)

        def clear_output(self, wait=False) -> None:
            _current().clear(wait)

    class PageShell(InteractiveShell):
        """IPython's shell with a kernel's outputs: tracebacks become error outputs."""

        displayhook_class = PageDisplayHook
        display_pub_class = PageDisplayPublisher

        def _showtraceback(self, etype, evalue, stb) -> None:
            out = _current()
            out.add(out.new_output("error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))

        def enable_gui(self, gui=None) -> None:   # %matplotlib inline asks for no event loop
            pass

    if InteractiveShell.initialized():
        raise InProcessError("この処理系には IPython のシェルがすでにあります（カーネルで実行してください）")
    # No history: parallel workers would contend for one SQLite file, and the reset restarts the count.
    return PageShell.instance(config=Config({"HistoryManager": {"enabled": False}}))


def _run(shell, code: str) -> None:
    """Setup code (the reset, the warm-up): silent, and it must succeed."""
    _CURRENT.outputs = _Outputs()
    try:
        result = shell.run_cell(code, store_history=False, silent=True)
    finally:
        _CURRENT.outputs = None
    if not result.success:
        err = result.error_in_exec or result.error_before_exec
        raise InProcessError(f"{type(err).__name__}: {err}")


def _reset(shell) -> None:
    """Back to the state the shell was set up in; if that fails, the next notebook sets it up anew."""
    global _STATE
    from casebook.pipeline.execute import _RESET

    try:
        _run(shell, _RESET)
    except BaseException:
        _STATE = None
        raise
    _forget_cells(shell)


def _forget_cells(shell) -> None:
    """What IPython keeps of every cell run so far, after `%reset -f` (which keeps the session): `In`
    (a fresh kernel's is `[""]`), the history's write-out cache (history is off, so nothing ever
    empties it) and each cell's source in `linecache` (for tracebacks, which the notebook's outputs
    already hold). Kept, a worker grew by ~2 KB a page."""
    import linecache

    history = shell.history_manager
    history.input_hist_parsed[:] = [""]
    history.input_hist_raw[:] = [""]
    with history.db_input_cache_lock:
        history.db_input_cache.clear()
    with history.db_output_cache_lock:
        history.db_output_cache.clear()
    for name in shell.compile._filename_map:
        linecache.cache.pop(name, None)
    shell.compile._filename_map.clear()


def shell_for(env: dict[str, str], cwd: str, warmup: str = ""):
    """This process's page shell, with `env` as its whole environment, `cwd` as its working
    directory and `warmup` run once; reset to that state (`execute._RESET`) between notebooks."""
    global _SHELL, _STATE
    from casebook.pipeline.execute import _FREEZE, _KERNEL_SETUP

    if _SHELL is None:
        # ipykernel's choice: figures show as images after each cell (a no-op until matplotlib is imported)
        env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", **env}
    state = (tuple(sorted(env.items())), cwd, warmup)
    if _STATE == state:
        return _SHELL
    os.environ.clear()
    os.environ.update(dict(state[0]))
    os.chdir(cwd)
    if _SHELL is None:
        _SHELL = _make_shell()
    _run(_SHELL, _KERNEL_SETUP + "\n" + warmup + "\n" + _FREEZE)   # snapshot this state for the resets
    _forget_cells(_SHELL)
    _STATE = state
    return _SHELL


def _execute_cell(shell, cell, index: int, timeout: float | None, displays: dict) -> bool:
    """Run one code cell as nbclient would on a kernel; returns whether it raised."""
    _CURRENT.outputs = outputs = _Outputs(displays)
    cell.outputs = outputs.outputs
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")

    def expired(signum, frame):
        raise CellTimeoutError(f"セルの実行が {timeout:g} 秒を超えたので止めました")

    timer = timeout and threading.current_thread() is threading.main_thread()
    if timer:
        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = shell.run_cell(cell.source, store_history=True)
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = old
        _CURRENT.outputs = None
    cell.execution_count = result.execution_count
    return not result.success


def _make_engine_class():
    from papermill.engines import Engine

    from casebook.pipeline.execute import CELL_TIMEOUT_S

    class InProcessEngine(Engine):
        """papermill engine: the notebook's cells on this process's IPython shell, reset after.

        Engine kwargs as the warm-kernel engine's: `kernel_env`, `kernel_cwd`, `kernel_warmup`,
        `execution_timeout` (seconds per cell); `kernel_name` is recorded, not started."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, kernel_env=None,
                                     kernel_cwd=None, kernel_warmup="", execution_timeout=None, **kwargs):
            with _LOCK:   # one shell per process, and sys.stdout is the process's
                shell = shell_for(dict(os.environ if kernel_env is None else kernel_env),
                                  str(kernel_cwd or os.getcwd()), kernel_warmup)
                try:
                    cls._cells(shell, nb_man, execution_timeout or CELL_TIMEOUT_S)
                finally:
                    # Reset right away, not before the next notebook: until then this process's
                    # environment and directory are what the next caller reads its own from.
                    _reset(shell)
                nb = nb_man.nb
                nb.metadata["language_info"] = dict(LANGUAGE_INFO)
            return nb

        @staticmethod
        def _cells(shell, nb_man, timeout: float) -> None:
            """papermill's loop (PapermillNotebookClient.papermill_execute_cells): cell_start, the
            cell, cell_exception and a stop at the first error, cell_complete."""
            nb = nb_man.nb
            displays: dict[str, list] = {}
            for index, cell in enumerate(nb.cells):
                try:
                    nb_man.cell_start(cell, index)
                    tags = cell.metadata.get("tags", [])
                    if cell.cell_type != "code" or not cell.source.strip() or "skip-execution" in tags:
                        continue
                    if _execute_cell(shell, cell, index, timeout, displays) and "raises-exception" not in tags:
                        nb_man.cell_exception(nb.cells[index], cell_index=index)
                        break
                finally:
                    nb_man.cell_complete(nb.cells[index], cell_index=index)

    return InProcessEngine


def __getattr__(name: str):
    # papermill imports `casebook.pipeline.inprocess:InProcessEngine` from its entry point; built lazily
    if name == "InProcessEngine":
        cls = _make_engine_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
