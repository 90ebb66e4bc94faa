"""What participants and the facilitator do: every check happens here. The widgets call
`submit_point`, `submit_evaluation`, `pin_point`, `save_summary`, `close`, so a value sent by a
script over the kernel socket meets the same checks as a click in the page."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import (
    ValidationError,
)

from casebook.model import (
    SCALE,
    Evaluation,
    GroupNote,
    Participant,
    Session,
    describe_errors,
)
from casebook.sessions.schema import SubmissionError

if TYPE_CHECKING:  # the store is imported lazily: the CLI imports this module at start-up
    from casebook.store import Store


# --- what participants and the facilitator do (every check happens here) ----------------------

def _open_session(store: "Store", session_id: str) -> Session:
    from casebook.store import NotFoundError

    try:
        session = store.get_session(session_id)
    except NotFoundError:
        raise SubmissionError(f"研修会「{session_id}」は登録されていません") from None
    if session.closed:
        raise SubmissionError("この研修会は終了しました。入力は締め切られています（保存されていません）")
    return session


def _check_name(participant: object) -> str:
    if not isinstance(participant, str):
        raise SubmissionError("氏名: 文字で入力してください")
    try:
        return Participant(name=participant).name or _raise("氏名: 入力してください")
    except ValidationError as exc:
        raise SubmissionError([f"氏名: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None


def _raise(message: str):
    raise SubmissionError(message)


def group_names(session: Session) -> list[str]:
    return [g.name for g in session.groups]


def submit_point(store: "Store", session_id: str, *, participant: object, group: object, question: object,
                 text: object) -> int:
    """Save (or correct) this participant's point for one question; returns the note id.

    One note per participant, group and question: a second submission corrects the first. Refused
    with SubmissionError (nothing saved) when a value is not one the session offers, or when the
    session is closed.
    """
    from casebook.store import SessionClosedError

    name = _check_name(participant)
    session = _open_session(store, session_id)
    if not isinstance(group, str) or group not in group_names(session):
        raise SubmissionError(f"グループ: 「{group}」はこの研修会のグループではありません")
    if not isinstance(question, int) or isinstance(question, bool) or not 0 <= question < len(session.questions):
        raise SubmissionError(f"問い: {question!r} 番目の問いはありません")
    try:
        note = GroupNote(session_id=session_id, group=group, question=question, author=name, text=text)
    except ValidationError as exc:
        raise SubmissionError([f"意見: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None
    mine = [(nid, n) for nid, n in store.group_notes(session_id)
            if n.author == name and n.question == question and n.group == group]
    try:
        if mine:
            note_id, old = mine[0]
            store.update_group_note(note_id, note.model_copy(update={"pinned": old.pinned}))
            return note_id
        return store.add_group_note(note)
    except SessionClosedError as exc:
        raise SubmissionError(f"この研修会は終了しました。入力は締め切られています（保存されていません）") from exc


def own_points(store: "Store", session_id: str, participant: str, group: str) -> dict[int, str]:
    """question index -> text this participant already submitted (to show and correct)."""
    return {n.question: n.text for _, n in store.group_notes(session_id)
            if n.author == participant and n.group == group}


SURVEY_SCORES = ("satisfaction", "understanding", "usefulness")


def submit_evaluation(store: "Store", session_id: str, *, participant: object, satisfaction: object,
                      understanding: object, usefulness: object, comments: object = "",
                      requests: object = "") -> Evaluation:
    """Save (or correct) the participant's survey; refused with every problem named, nothing saved."""
    from casebook.store import SessionClosedError

    name = _check_name(participant)
    _open_session(store, session_id)
    errors = []
    scores = {"satisfaction": satisfaction, "understanding": understanding, "usefulness": usefulness}
    for key, value in scores.items():
        if value is None:
            errors.append(f"{_SURVEY_LABELS[key]}: 選んでください")
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.append(f"{_SURVEY_LABELS[key]}: 「{value}」は5段階（{' / '.join(SCALE)}）のどれでもありません")
    if errors:
        raise SubmissionError(errors)
    try:
        evaluation = Evaluation(session_id=session_id, participant=name, comments=comments, requests=requests,
                                **scores)
    except ValidationError as exc:
        raise SubmissionError([_survey_error(e) for e in exc.errors()]) from None
    try:
        store.save_evaluation(evaluation)
    except SessionClosedError as exc:
        raise SubmissionError("この研修会は終了しました。アンケートは締め切られています（保存されていません）") from exc
    return evaluation


_SURVEY_LABELS = {"satisfaction": "満足度", "understanding": "理解度", "usefulness": "有用性",
                  "comments": "感想・意見", "requests": "今後の要望"}


def _describe_one(err: dict) -> str:
    """One pydantic error's reason in the model's shared Japanese wording."""
    from casebook.model import _JA_MESSAGES

    kind = "string_too_long" if err["type"] == "too_long" and isinstance(err.get("input"), str) else err["type"]
    if kind in _JA_MESSAGES:
        return _JA_MESSAGES[kind].format(**(err.get("ctx") or {}))
    return err["msg"].removeprefix("Value error, ")


def _survey_error(err: dict) -> str:
    key = str(err["loc"][0]) if err["loc"] else ""
    return f"{_SURVEY_LABELS.get(key, key)}: {_describe_one(err)}"


def join(store: "Store", session_id: str, participant_name: object, ward: object = None) -> bool:
    """Record that a participant identity entered the session (the page's 参加する, a join code).

    Attendance counts these joins, not the registration list. `ward` None: the ward the list gives
    for the name ("" for a walk-in). Joining again changes nothing; returns True on the first join.
    """
    from casebook.store import SessionClosedError

    name = _check_name(participant_name)
    session = _open_session(store, session_id)
    if ward is None:
        ward = next((p.ward or "" for p in session.participants if p.name == name), "")
    else:
        ward = check_ward(ward)
    try:
        return store.record_join(session_id, name, ward)
    except SessionClosedError as exc:
        raise SubmissionError("この研修会は終了しました。入力は締め切られています") from exc


def check_ward(ward: object) -> str:
    """A participant's ward as the vocabulary names it ("" for none given)."""
    from casebook import vocab

    if not isinstance(ward, str):
        raise SubmissionError("区: 文字で入力してください")
    try:
        return vocab.parse_ward(ward).name if ward.strip() else ""
    except vocab.VocabError:
        raise SubmissionError(f"区: 「{ward.strip()}」は大阪市の区ではありません") from None


def check_joiner(name: object, ward: object) -> tuple[str, str]:
    """What someone typed on the join page: a name by the roster's rule ("" allowed) and a ward."""
    name = str(name or "").strip()
    return (_check_name(name) if name else ""), check_ward(str(ward or ""))


def release_point(store: "Store", session_id: str, note_id: object, released: bool = True) -> None:
    """The facilitator lets the board show a point the privacy check flagged, as typed."""
    if not isinstance(note_id, int) or not any(nid == note_id for nid, _ in store.group_notes(session_id)):
        raise SubmissionError(f"意見 {note_id!r} はこの研修会にありません")
    store.set_note_released(note_id, bool(released))


def pin_point(store: "Store", session_id: str, note_id: object, pinned: object) -> None:
    if not isinstance(note_id, int) or not any(nid == note_id for nid, _ in store.group_notes(session_id)):
        raise SubmissionError(f"意見 {note_id!r} はこの研修会にありません")
    store.set_note_pinned(note_id, bool(pinned))


def save_summary(store: "Store", session_id: str, summary: object) -> Session:
    """Record the advisor's 総括 without closing (it can be edited until the session is closed)."""
    from casebook.store import SessionClosedError

    session = _open_session(store, session_id)
    try:
        text = Session.model_validate({**session.model_dump(), "summary": summary}).summary
    except ValidationError as exc:
        raise SubmissionError([f"総括: {line.split(': ', 1)[-1]}" for line in describe_errors(exc)]) from None
    try:  # only the summary is written: a session re-prepared meanwhile keeps its other changes
        return store.set_session_summary(session_id, text)
    except SessionClosedError as exc:
        raise SubmissionError("この研修会は終了しました。総括は保存されていません") from exc


def close(store: "Store", session_id: str, *, summary: object = None) -> Session:
    """Close the session (optionally with the 総括): every later submission is refused."""
    session = _open_session(store, session_id)
    if summary is not None:
        session = save_summary(store, session_id, summary)
    store.close_session(session_id, summary=session.summary)
    return store.get_session(session_id)
