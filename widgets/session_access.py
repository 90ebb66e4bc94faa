"""The training day's pages on the signed-in server: who is asking comes from the server
(casebook.identity.server_user), never from the URL; casebook.workflow decides.

    signed_in_facilitator(store, session_id) -> widget   the board, with the join code and its QR code
    participant_page(store, session_id, survey) -> widget  a participant who joined this session by code
    join_panel(code, url) -> w.HTML                      the code, the QR code of the join URL, the URL
"""
from __future__ import annotations

from html import escape

import ipywidgets as w

from casebook import identity, workflow
from widgets.survey import status_html

JOIN_CSS = """
<style>
.wb-join{display:flex;gap:24px;align-items:center;flex-wrap:wrap;border:2px solid #2c5282;border-radius:8px;
 padding:10px 16px;margin:6px 0;background:#fff}
.wb-join-code{font-size:44px;font-weight:bold;letter-spacing:.12em;font-family:monospace;color:#000}
.wb-join-url{font-family:monospace;word-break:break-all;color:#000}
.wb-projector .wb-join-code{font-size:72px}
</style>
"""


def _refusal(reason) -> w.HTML:
    box = w.HTML(status_html("error", reason))
    box.add_class("wb-refused")
    return box


def join_panel(code: str, url: str) -> w.HTML:
    from casebook.render.qr import qr_svg

    spaced = f"{code[:3]} {code[3:]}"
    qr = qr_svg(url, f"参加用QRコード（{url}）")
    box = w.HTML(f'{JOIN_CSS}<div class="wb-join" role="region" aria-label="参加の案内">{qr}<div>'
                 f'<div>参加コード</div><div class="wb-join-code" aria-label="参加コード {escape(code)}">'
                 f'{escape(spaced)}</div><div>スマートフォンでQRコードを読み取るか、次のアドレスを開いてコードを入力:</div>'
                 f'<div class="wb-join-url">{escape(url)}</div></div></div>')
    box.add_class("wb-join-panel")
    return box


def signed_in_facilitator(store, session_id: str, *, refresh_seconds: float = 2.0) -> w.Widget:
    from casebook.apps.pages import join_details
    from widgets.workshop import FacilitatorBoard

    user, why = identity.server_user(store)
    if user is None:
        return _refusal(why)
    session = store.get_session(session_id)
    decision = workflow.may_run_session(user, session)
    if not decision:
        return _refusal(decision.reason)
    board = FacilitatorBoard(store, session_id, refresh_seconds=refresh_seconds, user=user).start()
    if session.closed:
        return board
    code, url = join_details(session_id)
    kids = board.children   # below the title: on the projector too, large
    board.children = (*kids[:3], join_panel(code, url), *kids[3:])
    return board


def participant_page(store, session_id: str, *, survey: dict | None = None) -> w.Widget:
    """The participants' page: in signed-in mode only for someone who may take part in this session
    (joined by its code, until it closes); in development mode as before."""
    from widgets.participant import ParticipantPage

    if not identity.signed_in_mode():
        return ParticipantPage(store, session_id, survey=survey)
    user, why = identity.server_user(store)
    if user is None:
        return _refusal(why)
    decision = workflow.may_take_part(user, store.get_session(session_id))
    if not decision:
        return _refusal(decision.reason)
    # A participant is who they said on the join page; a facilitator trying the page names themselves.
    page = ParticipantPage(store, session_id, survey=survey, user=user if user.session == session_id else None)
    return watch_closing(page, store, session_id)


CLOSED = "研修会は終了しました。入力は受け付けていません。ご参加ありがとうございました。"


def watch_closing(page, store, session_id: str, *, every: float = 2.0):
    """When the facilitator closes the session, the open page says so and stops taking input (the
    server then ends the page's kernel: casebook.apps.auth.end_closed_sessions_kernels)."""
    import asyncio

    notice = w.HTML()
    notice.add_class("wb-s-closed")
    page.children = (notice, *page.children)

    def show() -> None:
        notice.value = f'<div role="alert">{status_html("error", CLOSED)}</div>'
        for text, send, _status in page.questions:
            text.disabled = send.disabled = True
        page.join.disabled = True

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                if store.get_session(session_id).closed:
                    return show()
            except Exception:  # noqa: BLE001 - a store hiccup: look again next time
                continue

    try:
        page._closing_task = asyncio.get_event_loop().create_task(loop())
    except RuntimeError:   # no event loop (outside a kernel): nothing to watch
        pass
    return page
