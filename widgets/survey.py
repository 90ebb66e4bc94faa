"""The participants' evaluation survey (振り返り・アンケート): 満足度, 理解度 and 有用性 on the
field's 5-point wording, free comments and requests for future sessions.

Every check runs in the Python callback (casebook.sessions.submit_evaluation): a value sent by a
script over the kernel socket is refused with a message and the store is left as it was.
"""

from __future__ import annotations

from html import escape
from typing import Callable

import ipywidgets as w

from casebook import sessions
from casebook.model import SCALE
from casebook.store import StoreError
from widgets.common import GButton, GTextarea, GToggleButtons, notice, pii_warnings, privacy_notice

DEFAULT_SURVEY = {
    "title": "振り返り・アンケート", "satisfaction": "本日の研修の満足度", "understanding": "内容の理解度",
    "usefulness": "実践への有用性（業務に役立つか）", "comments": "感想・意見（自由記述）",
    "requests": "今後の研修への要望",
}
SAVE_FAILED = "いまは保存できませんでした。少し待ってもう一度送信してください（入力はそのまま残っています）"
SCALE_OPTIONS = [(label, 5 - i) for i, label in enumerate(SCALE)]  # とてもよかった = 5 … わるかった = 1


def status_html(kind: str, lines: list[str] | str) -> str:
    """A message box (ok / error / info), every line escaped (widgets.common.notice)."""
    return notice(lines, kind)


class SurveyForm(w.VBox):
    """The survey for one participant; `participant` is a callable so the name chosen above is used."""

    def __init__(self, store, session_id: str, participant: Callable[[], str | None], survey: dict | None = None):
        self.store, self.session_id, self._participant = store, session_id, participant
        spec = {**DEFAULT_SURVEY, **(survey or {})}
        self.scores: dict[str, GToggleButtons] = {}
        rows = [w.HTML(f"<h3>{escape(spec['title'])}</h3>")]
        for key in sessions.SURVEY_SCORES:
            radio = GToggleButtons(options=SCALE_OPTIONS, value=None, style={"button_width": "11.5em"})
            radio.on_refused(self._refused)
            radio.add_class(f"wb-sv-{key}")
            self.scores[key] = radio
            rows += [w.HTML(f"<b>{escape(spec[key])}</b>"), radio]
        self.comments = GTextarea(placeholder="自由にお書きください", layout=w.Layout(width="95%", height="80px"))
        self.comments.add_class("wb-sv-comments")
        self.requests = GTextarea(placeholder="取り上げてほしいテーマなど", layout=w.Layout(width="95%", height="60px"))
        self.requests.add_class("wb-sv-requests")
        self.send = GButton(description="アンケートを送信", button_style="primary", icon="paper-plane",
                            layout=w.Layout(width="18em"))
        self.send.add_class("wb-sv-send")
        self.status = w.HTML()
        self.status.add_class("wb-sv-status")
        self.send.on_click(self._on_send)
        for widget in (self.comments, self.requests, self.send):
            widget.on_refused(self._refused)
        self.privacy: dict[str, w.HTML] = {}     # warnings while typing, as in the case form (never a block)
        for key, box in (("comments", self.comments), ("requests", self.requests)):
            self.privacy[key] = warn = w.HTML()
            warn.add_class(f"wb-sv-{key}-privacy")
            box.observe(lambda change, warn=warn: setattr(warn, "value", privacy_notice(pii_warnings(change["new"]))),
                        names="value")
        rows += [w.HTML(f"<b>{escape(spec['comments'])}</b>"), self.comments, self.privacy["comments"],
                 w.HTML(f"<b>{escape(spec['requests'])}</b>"), self.requests, self.privacy["requests"],
                 self.send, self.status]
        super().__init__(rows)
        self.add_class("wb-survey")

    def _refused(self, _widget, message: str) -> None:
        self.status.value = status_html("error", f"受け付けられない入力です: {message}")

    def _on_send(self, _button=None) -> None:
        name = self._participant()
        if not name:
            self.status.value = status_html("error", "先に氏名とグループを選んで「参加する」を押してください")
            return
        try:
            sessions.submit_evaluation(
                self.store, self.session_id, participant=name,
                satisfaction=self.scores["satisfaction"].value, understanding=self.scores["understanding"].value,
                usefulness=self.scores["usefulness"].value, comments=self.comments.value,
                requests=self.requests.value)
        except sessions.SubmissionError as exc:
            self.status.value = status_html("error", exc.lines)
            return
        except StoreError as exc:  # the store's own refusal, in Japanese
            self.status.value = status_html("error", f"保存できませんでした: {exc}")
            return
        except Exception:  # noqa: BLE001 - a database failure: no traceback, and no SQL or server names shown
            self.status.value = status_html("error", SAVE_FAILED)
            return
        self.send.description = "アンケートを修正して送信"
        self.status.value = status_html("ok", "アンケートを保存しました。ご協力ありがとうございました（終了までは修正できます）")

    def load(self, evaluation) -> None:
        """Show a survey this participant already sent, so they can correct it (what they have already
        chosen or typed on this page stays)."""
        for key, radio in self.scores.items():
            if radio.value is None:
                radio.value = getattr(evaluation, key)
        for box, sent in ((self.comments, evaluation.comments), (self.requests, evaluation.requests)):
            if not box.value.strip():
                box.value = sent
        self.send.description = "アンケートを修正して送信"
