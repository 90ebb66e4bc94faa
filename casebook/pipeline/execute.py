"""Run parameterized notebooks with papermill on warm kernels: the only module that starts kernels.

Starting a kernel and importing the page's libraries costs more than running a case page, so
`WarmKernelEngine` (registered as papermill engine `casebook_warm` through the `papermill.engine`
entry point) keeps one kernel per worker thread and resets it between notebooks instead of
starting a new one. The reset clears what `%reset -f` leaves behind and a page could notice:
the execution counter, matplotlib's rcParams and figures, widgets, the environment, the working
directory, sys.path, warnings filters and display formatters. Imported modules stay: that is
the point.

`run_page(job)` is one unit of work for any executor (threads here, Dask workers elsewhere): it
executes the notebook for one case through `papermill.execute_notebook` and renders the result
with `casebook.render`, returning a `PageResult` (HTML, or the failing cell and its error).

The executors that hand pages to `run_page` (threads, Dask) are in `casebook.pipeline.executors`.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from casebook.errors import WorkbenchError

log = logging.getLogger(__name__)

ENGINE_NAME = "casebook_warm"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 300

# Runs once in a new kernel (silently): snapshot the state a notebook may change, define reset().
_KERNEL_SETUP = r'''
def __casebook_install_reset():
    import gc, os, sys, types, warnings
    ip = get_ipython()
    env, cwd, path = dict(os.environ), os.getcwd(), list(sys.path)
    filters = list(warnings.filters)
    formatters = {k: (dict(f.type_printers), dict(f.deferred_printers))
                  for k, f in ip.display_formatter.formatters.items()}

    def reset():
        ip.run_line_magic("reset", "-f")        # user namespace, In/Out history, _ __ ___
        ip.execution_count = 1                   # a fresh kernel counts from 1
        os.environ.clear(); os.environ.update(env)
        if os.getcwd() != cwd:
            os.chdir(cwd)
        sys.path[:] = path
        warnings.filters[:] = filters
        for k, f in ip.display_formatter.formatters.items():
            if k in formatters:
                f.type_printers.clear(); f.type_printers.update(formatters[k][0])
                f.deferred_printers.clear(); f.deferred_printers.update(formatters[k][1])
        if "matplotlib" in sys.modules:          # rcParams survive %reset -f
            import matplotlib
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
            matplotlib.rc_file_defaults()
        if "ipywidgets" in sys.modules:          # every widget ever made stays alive otherwise
            sys.modules["ipywidgets"].Widget.close_all()
        gc.collect()
        # What survives is module state, not garbage: freeze it so the next collections (and the
        # next %reset, which collects too) skip the imported libraries' objects.
        gc.freeze()

    mod = types.ModuleType("_casebook_kernel")
    mod.reset = reset
    sys.modules["_casebook_kernel"] = mod

__casebook_install_reset()
del __casebook_install_reset
'''
_FREEZE = "__import__('gc').collect(); __import__('gc').freeze()"
_RESET = '__import__("_casebook_kernel").reset()'


def skip_unused_iri_grammar() -> None:
    """Keep jsonschema from building the `rfc3987_syntax` IRI grammars on import (~1.2 s of CPU,
    jsonschema issue #1428): nbformat, which papermill and nbconvert import, validates notebooks
    against schemas with no `iri` format, so only that unused format checker goes missing. Applied
    only in a process that has not imported jsonschema yet; its other format checkers are kept."""
    import sys

    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # `from rfc3987_syntax import …` → ImportError, which jsonschema skips


class KernelResetError(WorkbenchError, RuntimeError):
    """A warm kernel could not be reset; it is discarded and a new one started."""


def _remove_stale_sockets(sock_dir: Path) -> None:
    """Socket files of kernels whose build process was killed (named k<pid>-…)."""
    for p in sock_dir.glob("k*-*"):
        try:
            pid = int(p.name[1:].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            p.unlink(missing_ok=True)
        except (ValueError, PermissionError, OSError):
            continue


class WarmKernel:
    """One ipykernel kept alive across notebooks; used by one thread at a time.

    It uses the asynchronous manager and client that nbclient expects, driven through the same
    per-thread event loop (jupyter_core's run_sync) as nbclient itself.
    """

    def __init__(self, kernel_name: str, env: dict[str, str], cwd: str, warmup: str = ""):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.kernel_name, self.env, self.cwd = kernel_name, env, cwd
        self.notebooks = 0
        self.clean = True
        self._reset_msg: str | None = None
        # IPC (Unix sockets) rather than TCP: local only, no open port, no ipykernel warning.
        sock_dir = Path(tempfile.gettempdir()) / f"casebook-kernels-{os.getuid()}"
        sock_dir.mkdir(mode=0o700, exist_ok=True)
        _remove_stale_sockets(sock_dir)
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                                     ip=str(sock_dir / f"k{os.getpid()}-{uuid.uuid4().hex[:10]}"))
        self.kc = None
        run_sync(self._start)(env, cwd)
        # The context now holds this thread's event loop (jupyter_core keeps it in a ContextVar);
        # shutting down from another thread runs in a copy of it, on the loop the sockets know.
        self.ctx = contextvars.copy_context()
        try:
            self._run(_KERNEL_SETUP + "\n" + warmup + "\n" + _FREEZE)
        except BaseException:
            self.shutdown()
            raise

    async def _start(self, env: dict[str, str], cwd: str) -> None:
        # History in memory: kernels of parallel workers would contend for one SQLite history file.
        await self.km.start_kernel(env=env, cwd=cwd, extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.kc = self.km.client()
        self.kc.start_channels()
        reply = await self._ready(timeout=60)
        self.kc.allow_stdin = False
        # nbclient asks every notebook's kernel for its language_info after the cells: one more round
        # trip per page for an answer a kernel never changes; taken once here, given to each notebook.
        self.language_info = reply["content"]["language_info"]

    async def _ready(self, timeout: float) -> dict:
        """The kernel's kernel_info reply, once its shell answers and its IOPub is connected:
        jupyter_client's wait_for_ready without its last step, which waits for 0.2 s of silence
        on IOPub (a fifth of a one-page rebuild's kernel start). What is left on IOPub belongs to
        these kernel_info requests; nbclient and execute_interactive read only their own request's."""
        from queue import Empty

        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.kc.kernel_info()
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply" \
                    and msg["parent_header"].get("msg_id") == msg_id:
                try:   # a status message of this request: IOPub is connected (else ask again)
                    await self.kc.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self.kc._handle_kernel_info_reply(msg)
                    return msg
            if not await self.km.is_alive():
                raise KernelResetError("カーネルが応答する前に終了しました")
            if time.monotonic() > deadline:
                raise KernelResetError(f"カーネルが {timeout:.0f} 秒以内に応答しませんでした")

    async def _arun(self, code: str, timeout: float) -> dict:
        return await self.kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout,
                                                 output_hook=lambda msg: None)

    def _run(self, code: str, timeout: float = 120) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self._arun)(code, timeout)
        if reply["content"]["status"] != "ok":
            c = reply["content"]
            raise KernelResetError(f"{c.get('ename')}: {c.get('evalue')}")

    def begin_reset(self) -> None:
        """Send the reset now, without waiting: it runs in the kernel while this thread renders the
        page; the kernel handles requests in order, so the next notebook starts after it."""
        self._reset_msg = self.kc.execute(_RESET, silent=True, store_history=False)

    def reset(self) -> None:
        """Make sure the kernel is reset (waits for a reset begun earlier, or runs one now)."""
        from jupyter_core.utils import run_sync

        msg_id, self._reset_msg = self._reset_msg, None
        if msg_id is None:
            if not self.clean:
                self._run(_RESET, timeout=30)
            self.clean = True
            return

        async def _wait() -> dict:
            while True:
                msg = await self.kc.get_shell_msg(timeout=30)
                if msg["parent_header"].get("msg_id") == msg_id:
                    return msg

        reply = run_sync(_wait)()
        if reply["content"]["status"] != "ok":
            c = reply["content"]
            raise KernelResetError(f"{c.get('ename')}: {c.get('evalue')}")
        self.clean = True

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        async def _alive() -> bool:
            return await self.km.is_alive()

        try:
            return run_sync(_alive)()
        except Exception:
            return False

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        async def _stop() -> None:
            if self.kc is not None:
                self.kc.stop_channels()
            await self.km.shutdown_kernel(now=True)

        try:
            self.ctx.run(run_sync(_stop)) if hasattr(self, "ctx") else run_sync(_stop)()
        except Exception:  # an unresponsive kernel: end its process rather than leak it
            log.debug("kernel shutdown failed; killing it", exc_info=True)
            with contextlib.suppress(Exception):
                self.km.provisioner.process.kill()


class KernelPool:
    """Warm kernels per (thread, kernel name, environment, cwd)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[WarmKernel] = []
        self._lock = threading.Lock()

    def get(self, kernel_name: str, env: dict[str, str], cwd: str, warmup: str = "") -> WarmKernel:
        key = (kernel_name, tuple(sorted(env.items())), cwd, warmup)
        kernels = self._local.__dict__.setdefault("kernels", {})
        kernel = kernels.get(key)
        if kernel is not None and not kernel.alive():
            self.discard(kernel)
            kernel = None
        if kernel is None:
            kernel = WarmKernel(kernel_name, env, cwd, warmup)
            kernels[key] = kernel
            with self._lock:
                self._all.append(kernel)
        return kernel

    def discard(self, kernel: WarmKernel) -> None:
        kernels = self._local.__dict__.get("kernels", {})
        for key, k in list(kernels.items()):
            if k is kernel:
                del kernels[key]
        with self._lock:
            if kernel in self._all:
                self._all.remove(kernel)
        kernel.shutdown()

    def shutdown(self) -> None:
        with self._lock:
            kernels, self._all = self._all, []
        # Every process ended first, together (what shutdown_kernel(now=True) does one kernel at a time,
        # polling each every 0.1 s until it is gone), then the clients and files cleaned up.
        for k in kernels:
            with contextlib.suppress(Exception):
                k.km.provisioner.process.kill()
        for k in kernels:
            with contextlib.suppress(Exception):
                k.km.provisioner.process.wait(timeout=5)
            k.shutdown()
        self._local = threading.local()

    def __len__(self) -> int:
        return len(self._all)


POOL = KernelPool()


def shutdown_kernels() -> int:
    """Stop every warm kernel of this process; returns how many there were."""
    n = len(POOL)
    POOL.shutdown()
    return n


def _make_engine_class():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine
    from papermill.log import logger

    class WarmClient(PapermillNotebookClient):
        """papermill's client (cells, per-cell metadata, errors) with the kernel's language_info
        known from its start rather than asked for again after every notebook."""

        def execute(self, **kwargs):
            self.reset_execution_trackers()
            with self.setup_kernel(**kwargs):
                self.papermill_execute_cells()
                self.nb.metadata["language_info"] = self.language_info
                self.set_widgets_metadata()
            return self.nb

    class WarmKernelEngine(Engine):
        """papermill engine: executes on a warm kernel from this thread's pool, reset first.

        Engine kwargs (through papermill.execute_notebook): `kernel_env` (dict, the kernel's whole
        environment), `kernel_cwd` (its working directory), `kernel_warmup` (code run once at start),
        `execution_timeout` (seconds per cell), `kernel_keep` (False: shut the kernel down after).
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, kernel_env=None,
                                     kernel_cwd=None, kernel_warmup="", execution_timeout=None,
                                     kernel_keep=True, **kwargs):
            env = dict(os.environ if kernel_env is None else kernel_env)
            cwd = str(kernel_cwd or os.getcwd())
            kernel = POOL.get(kernel_name, env, cwd, kernel_warmup)
            kernel.reset()
            kernel.clean = False
            client = WarmClient(
                nb_man, km=kernel.km, kernel_name=kernel_name, log=logger, log_output=log_output,
                timeout=execution_timeout or CELL_TIMEOUT_S, interrupt_on_timeout=True,
                store_widget_state=True, record_timing=True)
            client.kc, client.language_info = kernel.kc, kernel.language_info
            try:
                nb = client.execute()
            except BaseException:
                # A dead kernel (or one that would not answer) is not reused; the next notebook
                # gets a new one.
                POOL.discard(kernel)
                raise
            kernel.notebooks += 1
            if kernel_keep:
                kernel.begin_reset()
            else:   # a one-off notebook (a session, a report): its kernel is not kept warm
                POOL.discard(kernel)
            return nb

    return WarmKernelEngine


def __getattr__(name: str):
    # papermill imports `casebook.pipeline.execute:WarmKernelEngine` from its entry point; build the class
    # lazily so that importing this module stays cheap for the CLI.
    if name == "WarmKernelEngine":
        cls = _make_engine_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


# --- one notebook ----------------------------------------------------------------------------

def parameterize_to(source: Path | str, target: Path | str, parameters: dict) -> Path:
    """Write `source` with papermill's injected-parameters cell to `target`, without running it
    (a notebook that Voila runs later, e.g. a session's pages)."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(source)), parameters)
    nbformat.write(nb, str(target))
    return Path(target)


def run_notebook(source: Path | str, target: Path | str, *, cwd: Path | str, env: dict[str, str],
                 parameters: dict | None = None) -> None:
    """Execute one notebook with papermill into `target`, in a kernel whose environment is this
    process's plus `env`; the kernel is shut down afterwards and this process's own environment
    is never changed (sessions and reports run here, as the casebook's pages do)."""
    skip_unused_iri_grammar()
    import papermill

    papermill.execute_notebook(
        str(source), str(target), parameters=parameters or {}, engine_name=ENGINE_NAME,
        kernel_name=KERNEL_NAME, progress_bar=False, kernel_env={**os.environ, **env},
        kernel_cwd=str(cwd), kernel_keep=False)


# --- one page --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageJob:
    """Everything a worker needs to make one case page; picklable for Dask."""
    case_id: str
    key: str                                   # the content hash the page is cached under
    notebook: str                              # path of case_page.ipynb
    parameters: dict
    site: dict                                 # template context: title, root, ward …
    env: dict[str, str] = field(default_factory=dict)   # added to the kernel's environment
    warmup: str = ""
    templates: str = ""                        # template folder; "" = casebook/templates
    engine: str = ENGINE_NAME                  # papermill engine: warm kernel, or "casebook_inprocess"


@dataclass
class PageResult:
    case_id: str
    key: str
    html: str | None = None
    error: dict | None = None                  # {"cell": int|None, "ename": str, "evalue": str}
    seconds: float = 0.0
    execute_seconds: float = 0.0
    render_seconds: float = 0.0
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


_NOTEBOOKS: dict[tuple[str, float], object] = {}
_NB_LOCK = threading.Lock()


def _load_notebook(path: str):
    """The notebook, loaded once per process with papermill.iorw.load_notebook_node."""
    from papermill.iorw import load_notebook_node

    key = (path, os.stat(path).st_mtime_ns)
    with _NB_LOCK:
        nb = _NOTEBOOKS.get(key)
        if nb is None:
            nb = _NOTEBOOKS[key] = load_notebook_node(path)
    return nb


_tls = threading.local()


def run_page(job: PageJob) -> PageResult:
    """Execute case_page.ipynb for one case (papermill, warm kernel) and render it (nbconvert).

    Runs in this thread's own context: jupyter_core keeps each thread's event loop in a ContextVar,
    and executors such as Dask run tasks in a copy of their event-loop thread's context, where
    that loop is already running ("This event loop is already running")."""
    return _thread_context().run(_run_page, job)


def _thread_context() -> contextvars.Context:
    ctx = getattr(_tls, "ctx", None)
    if ctx is None:
        ctx = _tls.ctx = contextvars.Context()
    return ctx


def execute_page(job: PageJob):
    """The executed notebook of one case: papermill's own steps of `papermill.execute_notebook` —
    parameterize (the injected-parameters cell), notebook metadata, the engine with its execution
    manager (per-cell metadata, errors recorded in the notebook), raise_for_execution_errors — without
    the notebook's round trip through JSON text that `execute_notebook` makes when handed a notebook
    object (written, read back and validated on the way in, written to nowhere on the way out)."""
    from papermill.engines import papermill_engines
    from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors
    from papermill.parameterize import parameterize_notebook

    nb = copy.deepcopy(_load_notebook(job.notebook))
    nb = parameterize_notebook(nb, job.parameters, kernel_name=KERNEL_NAME, engine_name=job.engine)
    for cell in nb.cells:   # papermill gives its cell a random id, which the page shows: the same page twice
        if "injected-parameters" in cell.metadata.get("tags", ()):  # would differ by that id alone
            cell.id = "injected-parameters"
    nb = prepare_notebook_metadata(nb, job.notebook, None)
    nb = papermill_engines.execute_notebook_with_engine(
        job.engine, nb, kernel_name=KERNEL_NAME, input_path=job.notebook, output_path=None, progress_bar=False,
        log_output=False, kernel_env={**os.environ, **job.env}, kernel_cwd=str(Path(job.notebook).parent),
        kernel_warmup=job.warmup)
    try:
        raise_for_execution_errors(nb, None)   # papermill's error marker cell goes in first
    except Exception as exc:
        exc.notebook = nb                      # the executed notebook with its error, for whoever asks
        raise
    return nb


def _run_page(job: PageJob) -> PageResult:
    skip_unused_iri_grammar()
    from papermill.exceptions import PapermillExecutionError

    from casebook import render

    t0 = time.perf_counter()
    result = PageResult(job.case_id, job.key, worker=f"{socket.gethostname()}/{threading.current_thread().name}")
    try:
        nb = execute_page(job)
    except PapermillExecutionError as exc:
        # cell: index in the executed notebook (papermill's injected-parameters cell counts too)
        result.error = {"cell": exc.cell_index, "exec_count": exc.exec_count, "ename": exc.ename,
                        "evalue": exc.evalue}
    except Exception as exc:  # a dead kernel, a timeout: still one row in the report, not the end
        result.error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}
    t1 = time.perf_counter()
    result.execute_seconds = t1 - t0
    if result.error is None:
        try:
            result.html = render.render_case_page(nb, job.site, job.templates or render.TEMPLATES)
        except Exception as exc:
            result.error = {"cell": None, "ename": type(exc).__name__, "evalue": f"nbconvert: {exc}"}
    result.render_seconds = time.perf_counter() - t1
    result.seconds = time.perf_counter() - t0
    return result
