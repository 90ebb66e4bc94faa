"""The editable apps: which notebooks staff, advisors and editors open in Voila, and serving them.

Voila serves a folder; `notebooks/` also holds batch notebooks (case pages, reports) that must not
be opened as pages, so the app notebooks are copied into `build/apps/` and only that folder is served.

    prepare_apps_dir(settings) -> Path
    publish_session(settings, session_id) -> Path | None
        a prepared session's pages (facilitator, participant, the report once made) copied into
        build/apps/sessions/<id>/, where the signed-in server serves them (casebook.apps.pages decides
        who may open each); called when the server starts and by `session prepare` / `session report`
    serve_apps(settings, port=8866, pool_size=2, signin=None) -> VoilaServer
        signin=None: development mode (URL parameters, 127.0.0.1 only; casebook.apps.serving.start_voila);
        a SignInOptions: the signed-in server (casebook.apps.serving.start_signed_in) on `host`
    case_form_url(server, **query) -> str
"""

from __future__ import annotations

import shutil
from pathlib import Path

from casebook.settings import Settings

APP_NOTEBOOKS = ("case_analysis.ipynb",)
CASE_FORM = "case_analysis.ipynb"


def apps_dir(settings: Settings) -> Path:
    return settings.build_dir / "apps"


def prepare_apps_dir(settings: Settings, *, notebooks_dir: Path | None = None) -> Path:
    """A fresh folder holding exactly the app notebooks (stale or foreign files removed)."""
    source = notebooks_dir or settings.notebooks_dir
    target = apps_dir(settings)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in APP_NOTEBOOKS:
        shutil.copy2(source / name, target / name)
    sessions_root = settings.sessions_build_dir
    if sessions_root.is_dir():
        for session in sorted(sessions_root.iterdir()):
            publish_session(settings, session.name)
    return target


def publish_session(settings: Settings, session_id: str) -> Path | None:
    """Copy a prepared session's pages into the served folder (None: not prepared, or a foreign name).

    Only the named notebooks travel: logs, report.html and anything else in build/sessions/<id>/ stay."""
    from casebook.apps.pages import FACILITATOR_PAGE, PARTICIPANT_PAGE, REPORT_PAGE, SESSION_ID, SESSIONS_DIR

    source = settings.sessions_build_dir / session_id
    if not SESSION_ID.fullmatch(session_id) or not (source / PARTICIPANT_PAGE).is_file():
        return None
    target = apps_dir(settings) / SESSIONS_DIR / session_id
    target.mkdir(parents=True, exist_ok=True)
    for name in (FACILITATOR_PAGE, PARTICIPANT_PAGE, REPORT_PAGE):
        if (source / name).is_file():
            tmp = target / f".{name}.tmp"
            shutil.copy2(source / name, tmp)
            tmp.replace(target / name)   # a page opened meanwhile reads the old or the new file, never half
    return target


def serve_apps(settings: Settings | None = None, *, port: int = 0, pool_size: int = 2, max_kernels: int = 40,
               cull_idle_timeout: int = 600, log_path: Path | None = None, wait: bool = True,
               foreground: bool = False, signin=None, host: str = "127.0.0.1"):
    """Start Voila over the apps folder with the workbench's safe settings (signed in unless signin is None)."""
    from casebook.apps.serving import VoilaOptions, start_signed_in, start_voila

    settings = settings or Settings.from_env()
    root = prepare_apps_dir(settings)
    if signin is None and host != "127.0.0.1":
        raise ValueError("development mode (no sign-in) listens on 127.0.0.1 only")
    opts = VoilaOptions(root=root, port=port, host=host, pool_size=pool_size, max_kernels=max_kernels,
                        cull_idle_timeout=cull_idle_timeout, preheat_notebooks=list(APP_NOTEBOOKS))
    log_path = log_path or settings.build_dir / "logs" / "apps-voila.log"
    if signin is None:
        return start_voila(opts, settings, log_path=log_path, wait=wait, foreground=foreground)
    return start_signed_in(opts, settings, signin, log_path=log_path, wait=wait, foreground=foreground)


def case_form_url(server, **query: str) -> str:
    return server.page_url(CASE_FORM, **{k: v for k, v in query.items() if v not in (None, "")})
