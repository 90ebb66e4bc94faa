"""The training day's facilitator's board (a participant's page is widgets.participant).

FacilitatorBoard follows the agenda with a timer per item, shows the case under discussion, and
keeps a live board of the points groups submit (per group and per question, with tallies). A
periodic task in the kernel re-reads the store, so the board follows without a page reload. The
facilitator pins points, records the advisor's 総括 and closes the session.

All checks happen in casebook.sessions, called from the callbacks here. Who is asking is a
casebook.identity.User (the facilitator's from casebook.identity's development mode today, a
participant's once they join); whether they may run the board is casebook.workflow's decision.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from html import escape

import ipywidgets as w

from casebook import identity, sessions, workflow
from casebook.identity import User
from casebook.model import Session
from widgets.common import GButton, GCheckbox, GTextarea, close_all, stylesheet
from widgets.survey import status_html

CSS = """
<style>
.wb-board-q{border:1px solid #cbd5e0;border-radius:6px;padding:6px 10px;margin:8px 0;background:#fff}
.wb-point{border-left:4px solid #90cdf4;padding:2px 8px;margin:3px 0;white-space:pre-wrap}
.wb-point.wb-pinned{border-left-color:#dd6b20;background:#fffaf0}
.wb-agenda-now{background:#ebf8ff;font-weight:bold}
.wb-over{color:#c53030;font-weight:bold}
table.wb-tally-table{border-collapse:collapse}
table.wb-tally-table td,table.wb-tally-table th{border:1px solid #cbd5e0;padding:2px 8px;text-align:center}
.wb-masked-note{color:#744210;font-size:.85em}
/* Projector view: large type, black on white, thick rules, readable from the back of a hall. */
.wb-facilitator.wb-projector{background:#fff;color:#000}
.wb-projector .widget-html-content{font-size:28px;line-height:1.45;color:#000}
.wb-projector h2{font-size:40px}
.wb-projector h4{font-size:34px;margin:.4em 0}
.wb-projector .wb-board-q{border:3px solid #000;padding:12px 18px}
.wb-projector .wb-point{border-left:10px solid #1a365d;padding:6px 16px;margin:10px 0;font-weight:600}
.wb-projector .wb-point.wb-pinned{border-left-color:#c05621;background:#fffbeb}
.wb-projector .wb-point small{font-size:.7em;font-weight:normal;color:#222}
.wb-projector table.wb-tally-table td,.wb-projector table.wb-tally-table th{border:2px solid #000;padding:6px 16px}
.wb-projector .wb-timer{font-size:34px}
.wb-projector .jupyter-widgets.widget-tab>.lm-TabBar .lm-TabBar-tab{font-size:20px;min-height:36px;flex:0 0 auto;max-width:none}
</style>
"""


def _fmt(seconds: float) -> str:
    seconds = int(abs(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def session_header(session: Session) -> str:
    parts = [f"{session.date:%Y年%m月%d日}", sessions.kind_label(session.kind)]
    if session.venue:
        parts.append(f"会場: {session.venue}")
    if session.theme:
        parts.append(f"テーマ: {session.theme}")
    people = []
    if session.facilitator:
        people.append(f"ファシリテーター: {session.facilitator}")
    if session.advisor:
        people.append(f"助言者: {session.advisor}")
    closed = ' <span class="wb-over">（終了しました）</span>' if session.closed else ""
    return (f"<h2>{escape(session.title)}{closed}</h2><div>{escape(' ・ '.join(parts))}</div>"
            f"<div>{escape(' ・ '.join(people))}</div>")


class AgendaTimer(w.VBox):
    """The agenda with the current item highlighted and a countdown for it (overrun shown in red)."""

    def __init__(self, session: Session):
        self.items = session.agenda
        self.current = 0
        self.elapsed = 0.0            # seconds spent on the current item before the last start
        self.started: float | None = None
        self.list = w.HTML()
        self.clock = w.HTML()
        self.clock.add_class("wb-timer")
        self.start_btn = w.Button(description="開始", icon="play")
        self.prev_btn = w.Button(description="前へ", icon="step-backward")
        self.next_btn = w.Button(description="次へ", icon="step-forward")
        self.start_btn.add_class("wb-timer-start")
        self.next_btn.add_class("wb-agenda-next")
        self.start_btn.on_click(self.toggle)
        self.prev_btn.on_click(lambda _b: self.move(-1))
        self.next_btn.on_click(lambda _b: self.move(+1))
        super().__init__([w.HTML("<h3>次第</h3>"), self.list, self.clock,
                          w.HBox([self.prev_btn, self.start_btn, self.next_btn])])
        self.render()

    def spent(self) -> float:
        return self.elapsed + ((time.monotonic() - self.started) if self.started is not None else 0.0)

    def toggle(self, _button=None) -> None:
        if self.started is None:
            self.started = time.monotonic()
        else:
            self.elapsed, self.started = self.spent(), None
        self.render()

    def move(self, step: int) -> None:
        if not self.items:
            return
        running = self.started is not None
        self.current = max(0, min(len(self.items) - 1, self.current + step))
        self.elapsed, self.started = 0.0, (time.monotonic() if running else None)
        self.render()

    def render(self) -> None:
        rows = []
        for i, item in enumerate(self.items):
            cls = ' class="wb-agenda-now"' if i == self.current else ""
            rows.append(f"<li{cls}>{escape(item.title)}（{item.minutes}分）</li>")
        self.list.value = f"<ol>{''.join(rows)}</ol>"
        if not self.items:
            self.clock.value = ""
            return
        item = self.items[self.current]
        left = item.minutes * 60 - self.spent()
        state = "進行中" if self.started is not None else "停止中"
        shown = (f'<span class="wb-over">超過 {_fmt(left)}</span>' if left < 0 else f"残り {_fmt(left)}")
        self.clock.value = (f'<div style="font-size:1.4em">いま: {escape(item.title)} ・ {shown} '
                            f'<small>（{state}）</small></div>')
        self.start_btn.description = "一時停止" if self.started is not None else "開始"


class FacilitatorBoard(w.VBox):
    """The facilitator's page for one session (see the module docstring)."""

    def __init__(self, store, session_id: str, *, refresh_seconds: float = 2.0, case_view=None,
                 user: User | None = None):
        self.store, self.session_id, self.refresh_seconds = store, session_id, refresh_seconds
        self.user = user or User("", "facilitator", "", session_id)
        self.session = store.get_session(session_id)
        self.header = w.HTML(session_header(self.session))
        self.timer = AgendaTimer(self.session)
        self.case_box = w.VBox([w.HTML(html) for html in self._case_html(case_view)])
        self.tally = w.HTML()
        self.tally.add_class("wb-tally")
        self.board_box = w.VBox()
        self.board_box.add_class("wb-board")
        self.pinned = w.HTML()
        self.pinned.add_class("wb-pinned-list")
        self.updated = w.HTML()
        self.updated.add_class("wb-updated")
        self.projector = w.ToggleButton(value=False, description="プロジェクター表示", icon="television",
                                        tooltip="大きな文字・高いコントラストで表示します（会場のスクリーン用）",
                                        layout=w.Layout(width="180px"))
        self.projector.add_class("wb-projector-toggle")
        self.projector.observe(lambda change: self._show_projector(change["new"]), names="value")
        self.refresh_btn = w.Button(description="今すぐ更新", icon="refresh")
        self.refresh_btn.on_click(lambda _b: self.refresh(force=True))
        self.summary = GTextarea(value=self.session.summary, placeholder="助言者の総括を記録します",
                                  layout=w.Layout(width="95%", height="140px"))
        self.summary.add_class("wb-summary")
        self.save_summary_btn = GButton(description="総括を保存", icon="save")
        self.save_summary_btn.add_class("wb-summary-save")
        self.save_summary_btn.on_click(self._on_save_summary)
        self.confirm = GCheckbox(value=False, description="受付を締め切って研修会を終了します", indent=False)
        self.confirm.add_class("wb-close-confirm")
        self.close_btn = GButton(description="研修会を終了する", button_style="danger", icon="lock")
        self.close_btn.add_class("wb-close")
        self.close_btn.on_click(self._on_close)
        self.message = w.HTML()
        self.message.add_class("wb-fac-status")
        for widget in (self.summary, self.save_summary_btn, self.confirm, self.close_btn):
            widget.on_refused(lambda _w, msg: setattr(self.message, "value", status_html("error", msg)))
        self._signature: tuple | None = None
        self._task: asyncio.Task | None = None
        tabs = w.Tab([
            w.VBox([self.timer]),
            self.case_box,
            w.VBox([w.HBox([self.updated, self.refresh_btn]), self.tally, self.board_box]),
            w.VBox([w.HTML("<h3>ピン留めした意見</h3>"), self.pinned, w.HTML("<h3>助言者の総括</h3>"),
                    self.summary, self.save_summary_btn, w.HTML("<hr>"), self.confirm, self.close_btn]),
        ])
        for i, title in enumerate(("次第・タイマー", "事例", "グループの意見", "まとめ・終了")):
            tabs.set_title(i, title)
        tabs.selected_index = 2
        super().__init__([stylesheet(), w.HTML(CSS), w.HBox([self.header, self.projector],
                                                              layout=w.Layout(justify_content="space-between")),
                          self.message, tabs])
        self.add_class("wb-facilitator")
        self.refresh(force=True)
        self._show_closed()

    def _show_projector(self, on: bool) -> None:
        (self.add_class if on else self.remove_class)("wb-projector")
        self.projector.description = "通常表示に戻す" if on else "プロジェクター表示"

    # --- the case under discussion ------------------------------------------------------------

    def _case_html(self, case_view) -> list[str]:
        if not self.session.case_ids:
            return ["<p>この研修会に登録された事例はありません。</p>"]
        out = []
        for case_id in self.session.case_ids:
            try:
                case = self.store.get_case(case_id).case
            except Exception:  # noqa: BLE001 - a missing case is shown as such, never a traceback
                out.append(f"<p>事例「{escape(case_id)}」は見つかりません。</p>")
                continue
            out.append((case_view or default_case_view)(case))
        return out

    # --- live board ---------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store; redraw the board only when something shown changed. True if redrawn."""
        notes = self.store.group_notes(self.session_id)
        responses = len(self.store.evaluations(self.session_id))
        b = sessions.board(self.session, notes)
        redraw = force or b.signature != self._signature
        if redraw:
            self._signature = b.signature
            self._draw(b)
        # The status line last: when it shows a count, the points it counts are already on the board.
        now = dt.datetime.now().strftime("%H:%M:%S")
        self.updated.value = (f"最終更新 {now} ・ 意見 <b>{b.total}</b> 件 ・ アンケート回答 "
                              f"<b>{responses}</b> / {len(self.session.participants)} 人")
        return redraw

    def _draw(self, b: sessions.Board) -> None:
        head = "".join(f"<th>問{i + 1}</th>" for i in range(len(self.session.questions)))
        body = "".join(f"<tr><th>{escape(g)}</th>" + "".join(f"<td>{n}</td>" for n in counts)
                       + f"<td><b>{sum(counts)}</b></td></tr>" for g, counts in b.tally.items())
        totals = "".join(f"<td><b>{q.total}</b></td>" for q in b.questions)
        self.tally.value = (f'<table class="wb-tally-table"><tr><th>グループ</th>{head}<th>計</th></tr>{body}'
                            f"<tr><th>計</th>{totals}<td><b>{b.total}</b></td></tr></table>")
        boxes = []
        for q in b.questions:
            rows = [w.HTML(f"<h4>問{q.index + 1}. {escape(q.question)}</h4>"
                           f"<div>{q.total} 件 ・ {q.groups_answered}/{len(b.groups)} グループが提出</div>")]
            for group, points in q.by_group.items():
                if not points:
                    continue
                rows.append(w.HTML(f"<b>{escape(group)}</b>（{len(points)}件）"))
                for p in points:
                    rows.append(self._point_row(p))
            box = w.VBox(rows)
            box.add_class("wb-board-q")
            box.add_class(f"wb-board-q{q.index}")
            boxes.append(box)
        old, self.board_box.children = self.board_box.children, boxes
        close_all(old)  # a long session redraws often: free the rows it no longer shows
        self.pinned.value = ("".join(f'<div class="wb-point wb-pinned">【{escape(p.group)}】{escape(p.shown)}</div>'
                                     for p in b.pinned) or "<p>まだありません。</p>")

    def _point_row(self, p: sessions.BoardPoint) -> w.Widget:
        cls = "wb-point wb-pinned" if p.pinned else "wb-point"
        masked = p.flagged and not p.released     # the board is on the projector: flagged text stays masked
        note = (f' <span class="wb-masked-note">（個人情報の可能性: {escape("・".join(dict.fromkeys(p.flagged)))}'
                "を伏せています）</span>" if masked else "")
        text = w.HTML(f'<div class="{cls}">{escape(p.shown)} <small>— {escape(p.author)}</small>{note}</div>',
                      layout=w.Layout(flex="1"))
        pin = w.ToggleButton(value=p.pinned, description="ピン留め", icon="thumb-tack",
                             layout=w.Layout(width="110px"))
        pin.add_class("wb-pin")
        pin.add_class(f"wb-pin-{p.note_id}")
        pin.observe(lambda change, nid=p.note_id: self._on_pin(nid, change["new"]), names="value")
        if not masked:
            return w.HBox([text, pin])
        release = w.Button(description="表示する", icon="eye", layout=w.Layout(width="110px"),
                           tooltip="確認のうえ、入力どおりに表示します")
        release.add_class(f"wb-release-{p.note_id}")
        release.on_click(lambda _b, nid=p.note_id: self._on_release(nid))
        return w.HBox([text, release, pin])

    def _on_release(self, note_id: int) -> None:
        try:
            sessions.release_point(self.store, self.session_id, note_id)
        except sessions.SubmissionError as exc:
            self.message.value = status_html("error", exc.lines)
            return
        self.refresh()

    def _on_pin(self, note_id: int, pinned: bool) -> None:
        try:
            sessions.pin_point(self.store, self.session_id, note_id, pinned)
        except sessions.SubmissionError as exc:
            self.message.value = status_html("error", exc.lines)
            return
        self.refresh()

    # --- periodic refresh in the kernel (no page reload) -----------------------------------------

    def start(self) -> "FacilitatorBoard":
        """Start the kernel-side refresh loop (board every refresh_seconds, timer every second)."""
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return self
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._loop())
        return self

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _loop(self) -> None:
        last = 0.0
        while True:
            await asyncio.sleep(1.0)
            try:
                self.timer.render()
                if time.monotonic() - last >= self.refresh_seconds:
                    last = time.monotonic()
                    self.refresh()
            except Exception as exc:  # noqa: BLE001 - a passing store hiccup must not end the loop
                self.message.value = status_html("error", f"更新できませんでした（自動で再試行します）: {exc}")

    # --- summary and closing -------------------------------------------------------------------

    def _on_save_summary(self, _button=None) -> None:
        try:
            self.session = sessions.save_summary(self.store, self.session_id, self.summary.value)
        except sessions.SubmissionError as exc:
            self.message.value = status_html("error", exc.lines)
            return
        self.message.value = status_html("ok", "総括を保存しました")

    def _on_close(self, _button=None) -> None:
        if not self.confirm.value:
            self.message.value = status_html("error", "終了するには「受付を締め切って研修会を終了します」にチェックを入れてください")
            return
        try:
            self.session = sessions.close(self.store, self.session_id, summary=self.summary.value)
        except sessions.SubmissionError as exc:
            self.message.value = status_html("error", exc.lines)
            return
        self.refresh(force=True)
        self._show_closed()
        self.message.value = status_html("ok", "研修会を終了しました。これ以降の入力は受け付けません")

    def _show_closed(self) -> None:
        if self.session.closed:
            self.header.value = session_header(self.session)
            for widget in (self.close_btn, self.confirm, self.save_summary_btn, self.summary):
                widget.disabled = True


def default_case_view(case) -> str:
    """The case as the casebook shows it (casebook.render.pages: escaped fragments and their stylesheet)."""
    from casebook.render import pages

    return f"<style>{pages.stylesheet()}</style>{pages.case_page_html(case)}"


def facilitator_page(store, session_id: str, *, refresh_seconds: float = 2.0, user: User | None = None) -> w.Widget:
    """The facilitator's board, started; or a refusal for anyone who may not run it.

    `user` defaults to the server's when signed in (widgets.session_access: with the join code), else to
    development mode's (casebook.identity.dev_facilitator: the key in the URL, as on `session serve`)."""
    if user is None and identity.signed_in_mode():
        from widgets.session_access import signed_in_facilitator

        return signed_in_facilitator(store, session_id, refresh_seconds=refresh_seconds)
    user = user or identity.dev_facilitator(session_id)
    decision = workflow.may_facilitate(user, session_id)
    if not decision:
        return w.HTML(status_html("error", decision.reason))
    return FacilitatorBoard(store, session_id, refresh_seconds=refresh_seconds, user=user).start()
