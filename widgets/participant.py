"""A participant's group-work page: who am I (picked, typed, or from the join page when signed in),
a point per question (correctable until the session closes), then the survey (widgets.survey). All
checks happen in casebook.sessions, called from the callbacks here."""

from __future__ import annotations

import datetime as dt
from html import escape

import ipywidgets as w

from casebook import identity, sessions
from casebook.identity import User
from casebook.store import StoreError
from widgets.common import GButton, GCombobox, GDropdown, GTextarea, pii_warnings, privacy_notice, stylesheet
from widgets.survey import SAVE_FAILED, SurveyForm, status_html
from widgets.workshop import CSS, session_header


class ParticipantPage(w.VBox):
    """A participant's page: who am I, my group's points per question, then the survey."""

    def __init__(self, store, session_id: str, *, survey: dict | None = None, user: User | None = None):
        """`user`: the signed-in participant (their name and ward from the join page, fixed here)."""
        self.store, self.session_id = store, session_id
        self.session = store.get_session(session_id)
        self.me: tuple[str, str] | None = None          # (name, group) once joined
        self.user: User | None = None                   # who is writing, once joined
        groups = sessions.group_names(self.session)
        self._group_of = {p.name: p.group for p in self.session.participants}
        self.name = GCombobox(options=[p.name for p in self.session.participants], ensure_option=False,
                               placeholder="氏名を選ぶか入力", description="氏名")
        self.name.add_class("wb-s-name")
        self.group = GDropdown(options=groups, value=None, description="グループ")
        self.group.add_class("wb-s-group")
        self.name.observe(self._on_name, names="value")
        self.join = GButton(description="参加する", button_style="primary", icon="sign-in")
        self.join.add_class("wb-s-join")
        self.join.on_click(self._on_join)
        self.who = w.HTML()
        self.who.add_class("wb-s-who")
        for widget in (self.name, self.group, self.join):
            widget.on_refused(lambda _w, msg: setattr(self.who, "value", status_html("error", msg)))
        self.questions: list[tuple[w.Textarea, w.Button, w.HTML]] = []
        self.privacy: list[w.HTML] = []
        rows = []
        for i, q in enumerate(self.session.questions):
            text = GTextarea(placeholder="グループで出た意見・論点を書いてください",
                              layout=w.Layout(width="95%", height="90px"))
            text.add_class(f"wb-s-q{i}-text")
            send = GButton(description="送信", icon="paper-plane")
            send.add_class(f"wb-s-q{i}-send")
            status = w.HTML()
            status.add_class(f"wb-s-q{i}-status")
            send.on_click(lambda _b, i=i: self._on_send(i))
            for widget in (text, send):
                widget.on_refused(lambda _w, msg, status=status: setattr(status, "value", status_html("error", msg)))
            privacy = w.HTML()      # the case form's warning while typing: group work discusses real cases
            privacy.add_class(f"wb-s-q{i}-privacy")
            text.observe(lambda change, box=privacy: setattr(box, "value", privacy_notice(pii_warnings(change["new"]))),
                         names="value")
            self.privacy.append(privacy)
            self.questions.append((text, send, status))
            rows += [w.HTML(f"<h4>問{i + 1}. {escape(q)}</h4>"), text, privacy, w.HBox([send, status])]
        self.survey = SurveyForm(store, session_id, lambda: self.me[0] if self.me else None, survey)
        closed = ('<p class="wb-over">この研修会は終了しました。入力は締め切られています。</p>'
                  if self.session.closed else "")
        super().__init__([stylesheet(), w.HTML(CSS), w.HTML(session_header(self.session) + closed),
                          w.HTML("<h3>1. 氏名とグループ</h3>"), self.name, self.group, self.join, self.who,
                          w.HTML("<h3>2. グループワーク</h3>"), *rows, w.HTML("<hr>"), self.survey])
        self.add_class("wb-participant")
        self._ward = (user.ward or None) if user else None   # None: the ward the roster gives for the name
        if user is not None:
            self.name.value, self.name.disabled = user.name, True
            if self.group.value is not None:   # listed in a group: joined at once
                self._on_join()

    def _on_name(self, change) -> None:
        group = self._group_of.get(change["new"])
        if group and group in self.group.options:
            self.group.value = group

    def _on_join(self, _button=None) -> None:
        try:
            user = identity.participant(self.session_id, self.name.value)
        except sessions.SubmissionError as exc:
            self.who.value = status_html("error", exc.lines)
            return
        name = user.name
        if not name:
            self.who.value = status_html("error", "氏名: 入力してください")
            return
        if self.group.value not in sessions.group_names(self.session):
            self.who.value = status_html("error", "グループ: 選んでください")
            return
        try:  # attendance counts who joined (the same call a join code makes)
            sessions.join(self.store, self.session_id, name, self._ward)
        except sessions.SubmissionError:
            pass  # a closed session: nothing more to count, but the participant still sees what they sent
        self.user = user
        self.me = (name, self.group.value)
        listed = "" if name in self._group_of else "（名簿にない方として参加します）"
        self.who.value = status_html("info", f"{name} さん（{self.group.value}）として入力します{listed}")
        own = sessions.own_points(self.store, self.session_id, name, self.group.value)
        for i, (text, send, status) in enumerate(self.questions):
            if i in own:
                send.description = "修正して送信"
                if text.value.strip() and text.value != own[i]:  # typed before joining: keep it, never replace it
                    status.value = status_html("info", "送信済みの意見があります。入力中の内容を送信すると置き換わります")
                    continue
                text.value = own[i]
                status.value = status_html("info", "送信済みの内容です（終了までは修正できます）")
        mine = [e for e in self.store.evaluations(self.session_id) if e.participant == name]
        if mine:
            self.survey.load(mine[0])

    def _on_send(self, index: int) -> None:
        text, send, status = self.questions[index]
        if self.me is None:
            status.value = status_html("error", "先に氏名とグループを選んで「参加する」を押してください")
            return
        name, group = self.me
        try:
            sessions.submit_point(self.store, self.session_id, participant=name, group=group, question=index,
                                  text=text.value)
        except sessions.SubmissionError as exc:
            status.value = status_html("error", exc.lines)
            return
        except StoreError as exc:  # the store's own refusal, in Japanese
            status.value = status_html("error", f"保存できませんでした（入力はそのまま残っています）: {exc}")
            return
        except Exception:  # noqa: BLE001 - a database failure: no traceback, and no SQL or server names shown
            status.value = status_html("error", SAVE_FAILED)
            return
        send.description = "修正して送信"
        status.value = status_html("ok", f"送信しました（{dt.datetime.now():%H:%M:%S}）。終了までは修正できます")
