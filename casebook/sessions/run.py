"""The pipelines behind `workbench session …`: prepare (validate, store, parameterise, execute),
serve (Voila over build/sessions/<id>/), and the report."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    ValidationError,
)

from casebook.model import (
    Session,
)
from casebook.sessions.schema import (
    FACILITATOR_KEY_ENV,
    FACILITATOR_NOTEBOOK,
    NOTEBOOKS,
    PARTICIPANT_NOTEBOOK,
    REPORT_NOTEBOOK,
    SessionError,
    SessionParams,
    build_session,
    load_params,
)
from casebook.settings import Settings

if TYPE_CHECKING:  # the store is imported lazily: the CLI imports this module at start-up
    from casebook.apps.serving import VoilaServer


# --- pipelines: prepare, serve, report --------------------------------------------------------

@dataclass
class PrepareReport:
    session: Session
    out_dir: Path
    notebooks: list[Path] = field(default_factory=list)
    created: bool = True                   # False: an open session of this id was updated


def session_dir(settings: Settings, session_id: str) -> Path:
    return settings.sessions_build_dir / session_id


def prepare(path: Path | str, settings: Settings | None = None, *, session_id: str | None = None,
            date: dt.date | None = None, execute: bool = True, notebooks_dir: Path | None = None) -> PrepareReport:
    """Validate the parameter file, write the session into the store, and make its notebooks.

    Nothing is written when the file is refused, or when a session of this id is already closed.
    The facilitator notebook is executed with papermill (parameters injected) into
    build/sessions/<id>/, with the participant page beside it, ready for `session serve`.
    `session_id` prepares the same programme under another id (the same course next year): it needs
    the new `date`, which must differ from the file's, and the title's fiscal year follows the date.
    """
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    notebooks_dir = notebooks_dir or NOTEBOOKS
    with Store.open(settings) as store:
        known = store.case_ids()
        params = load_params(path, known_case_ids=known)
        if session_id is not None:
            try:
                params = SessionParams.model_validate({**params.model_dump(), "id": session_id,
                                                       **held_again(params, session_id, date)})
            except ValidationError as exc:
                from casebook.pipeline.params import describe_params_errors

                raise SessionError(describe_params_errors(SessionParams, exc)) from None
        session = build_session(params)
        try:
            existing = store.get_session(session.id)
        except NotFoundError:
            existing = None
        if existing is not None and existing.closed:
            raise SessionError(f"id（研修会ID）: 研修会「{session.id}」は終了済みです。"
                               "同じ内容で準備するときは --as 新しいID を付けてください（記録は変更していません）")
        if existing is not None:
            session = session.model_copy(update={"summary": existing.summary})
        out_dir = session_dir(settings, session.id)
        out_dir.mkdir(parents=True, exist_ok=True)
        # Parameterise first: a notebook that cannot be prepared must not leave a half-made session.
        notebooks = _write_notebooks(params, out_dir, notebooks_dir)
        store.save_session(session)
    if execute:
        _execute(out_dir / FACILITATOR_NOTEBOOK, out_dir / FACILITATOR_NOTEBOOK, settings, cwd=out_dir)
    _publish(settings, session.id)
    return PrepareReport(session=session, out_dir=out_dir, notebooks=notebooks, created=existing is None)


def held_again(params: SessionParams, session_id: str, date: dt.date | None) -> dict[str, Any]:
    """The date and title of the programme held again under `session_id` (the title's 年度 follows the date)."""
    if session_id == params.id:
        return {"date": date} if date else {}
    if date is None:
        raise SessionError(f"date（開催日）: 「{session_id}」として準備するときは新しい開催日を指定してください"
                           "（--date YYYY-MM-DD）")
    if date == params.date:
        raise SessionError(f"date（開催日）: {date:%Y-%m-%d} は元の研修会「{params.id}」と同じ開催日です。"
                           "新しい開催日を指定してください（記録は変更していません）")
    from casebook import vocab

    old, new = vocab.fiscal_year_of(params.date), vocab.fiscal_year_of(date)
    title = params.title.replace(vocab.era_name(old), vocab.era_name(new)).replace(f"{old}年度", f"{new}年度")
    return {"date": date, "title": title}


def notebook_parameters(params: SessionParams) -> dict[str, Any]:
    return {"session_id": params.id, "survey": params.survey.model_dump()}


def _write_notebooks(params: SessionParams, out_dir: Path, notebooks_dir: Path) -> list[Path]:
    from casebook.pipeline.execute import parameterize_to

    return [parameterize_to(notebooks_dir / name, out_dir / name, notebook_parameters(params))
            for name in (FACILITATOR_NOTEBOOK, PARTICIPANT_NOTEBOOK)]


def _execute(source: Path, target: Path, settings: Settings, *, cwd: Path, parameters: dict | None = None) -> None:
    from casebook.pipeline.execute import run_notebook

    env = {**settings.environ(), "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))}
    run_notebook(source, target, cwd=cwd, env=env, parameters=parameters)


SERVED = "served"   # build/sessions/<id>/served/: what `session serve` shows (never report.ipynb)


def _publish(settings: Settings, session_id: str) -> None:
    """Hand the session's pages to both servers: the signed-in one (build/apps/sessions/<id>/, gated per
    user) and `session serve` (its own folder holding the facilitator's and participants' pages only:
    that server asks no one who they are, so the report, with every participant's words, is not there)."""
    import shutil

    from casebook.apps.editable import publish_session

    out_dir = session_dir(settings, session_id)
    served = out_dir / SERVED
    served.mkdir(exist_ok=True)
    for name in (FACILITATOR_NOTEBOOK, PARTICIPANT_NOTEBOOK):
        if (out_dir / name).is_file():
            shutil.copy2(out_dir / name, served / f".{name}.tmp")
            (served / f".{name}.tmp").replace(served / name)
    publish_session(settings, session_id)


def serve(session_id: str, settings: Settings | None = None, *, port: int = 0, pool_size: int = 2,
          max_kernels: int = 60, log_path: Path | None = None, wait: bool = True) -> "VoilaServer":
    """Voila over build/sessions/<id>/: the facilitator page and the participants' page."""
    from casebook.apps.serving import VoilaOptions, start_voila
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    out_dir = session_dir(settings, session_id)
    if not (out_dir / PARTICIPANT_NOTEBOOK).exists():
        raise SessionError(f"研修会「{session_id}」は準備されていません。先に `workbench session prepare` を実行してください")
    with Store.open(settings) as store:
        try:
            store.get_session(session_id)
        except NotFoundError:
            raise SessionError(f"研修会「{session_id}」は登録されていません") from None
    _publish(settings, session_id)
    opts = VoilaOptions(root=out_dir / SERVED, port=port, pool_size=pool_size, max_kernels=max_kernels,
                        preheat_notebooks=[PARTICIPANT_NOTEBOOK])
    # Participants share the server: only a URL with this key opens the facilitator's controls.
    key = secrets.token_urlsafe(16)
    server = start_voila(opts, settings, log_path=log_path or out_dir / "voila.log", wait=False,
                         env={FACILITATOR_KEY_ENV: key})
    server.facilitator_key = key
    if wait:
        try:
            server.wait_ready()
        except BaseException:  # Ctrl+C or a failed start: never leave a server behind
            server.stop()
            raise
    return server


def facilitator_url(server: "VoilaServer") -> str:
    """The facilitator's page with the key `serve` made for this server."""
    return server.page_url(FACILITATOR_NOTEBOOK, key=server.facilitator_key)


@dataclass
class ReportResult:
    session_id: str
    html: Path
    notebook: Path


def report(session_id: str, settings: Settings | None = None, *, notebooks_dir: Path | None = None) -> ReportResult:
    """Execute session_report.ipynb for the session and render it offline to build/sessions/<id>/report.html."""
    from casebook.store import NotFoundError, Store

    settings = settings or Settings.from_env()
    with Store.open(settings, read_only=True) as store:
        try:
            session = store.get_session(session_id)
        except NotFoundError:
            raise SessionError(f"研修会「{session_id}」は登録されていません") from None
    out_dir = session_dir(settings, session_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / "report.ipynb"
    _execute((notebooks_dir or NOTEBOOKS) / REPORT_NOTEBOOK, executed, settings, cwd=out_dir,
             parameters={"session_id": session_id})
    html = out_dir / "report.html"
    _render(executed, html, session)
    _publish(settings, session_id)   # the signed-in server shows the report to the facilitator
    return ReportResult(session_id=session_id, html=html, notebook=executed)


def _render(executed: Path, html: Path, session: Session) -> None:
    """Through the shared offline report page (casebook.render.render_report_page): the casebook's
    stylesheet inlined, no casebook navigation, so the file stands alone wherever it is copied."""
    import nbformat

    from casebook import render

    nb = nbformat.read(str(executed), as_version=4)
    page = render.render_report_page(nb, title=f"{session.title} 実施報告", site_title="大阪市社協 研修会の記録",
                                     breadcrumb=[("研修会", None), (session.id, None)],
                                     footer="研修会の実施報告（workbench session report）")
    tmp = html.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(html)  # a reader never sees half a report
