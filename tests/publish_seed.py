"""Fictional data for the publishing tests: the bundled sample cases, ward figures for all 24 wards
over three fiscal years, a training session with (fictional) participants' names, and a few cases
whose titles the tests look for."""

from __future__ import annotations

import datetime as dt

from casebook import vocab
from casebook.exchange import load_sample
from casebook.model import Case, Ethics, Group, Participant, Session, WardActivity

YEARS = (2023, 2024, 2025)
DRAFT_TITLE = "下書きのまま非公開の事例ゼータ"
APPROVED_TITLE = "承認済みだが未公開の事例イプシロン"
PUBLISHED_TITLE = "生野区で公開中の多文化共生サロン支援"
PARTICIPANT_NAMES = ("佐藤花子", "鈴木一郎", "高橋三奈")
FACILITATOR = "田中二郎"


def activity_rows() -> list[WardActivity]:
    """Deterministic figures: every ward, year and vocabulary figure, each ward at its own level."""
    rows = []
    for wi, ward in enumerate(vocab.wards()):
        for yi, year in enumerate(YEARS):
            for fi, fig in enumerate(vocab.figures()):
                value = 5 + (wi * 7 + fi * 13) % 40 + yi * (1 + wi % 3)
                rows.append(WardActivity(ward=ward.name, fiscal_year=year, theme=fig["theme"],
                                         figure=fig["name"], value=value, unit=fig.get("unit", "")))
    return rows


def _case(case_id: str, title: str, status: str, ward: str = "生野区", **extra) -> Case:
    return Case(id=case_id, title=title, ward=ward, fiscal_year=2024, status=status,
                themes=["居場所づくり・ふれあい喫茶"], keywords=["多文化共生", "サロン"],
                provider=f"{ward}社協 CSW", reason="地域の居場所づくりの進め方を検討したい。",
                ethics=Ethics(consent=True, anonymised=True), **extra)


def seed(store) -> dict:
    """Fill a store; returns what the tests look for."""
    load_sample(store)
    if not store.activity():
        store.put_activity(activity_rows())
    extra = [
        _case("2024-27116-91", DRAFT_TITLE, "draft"),
        _case("2024-27116-92", APPROVED_TITLE, "approved"),
        _case("2024-27116-93", PUBLISHED_TITLE, "published"),
    ]
    store.import_all(cases=extra, author="テスト")
    published_ids = [r.case.id for r in store.list_cases(status="published")]
    session = Session(
        id="2024-kiso2-test", title="基礎研修 II 事例検討会", date=dt.date(2024, 10, 5), kind="basic2",
        facilitator=FACILITATOR, advisor="A大学 教授", case_ids=["2024-27116-93", "2024-27116-91"],
        participants=[Participant(name=n, ward=w, role="CSW", group="1班")
                      for n, w in zip(PARTICIPANT_NAMES, ("生野区", "生野区", "北区"))],
        groups=[Group(name="1班", members=list(PARTICIPANT_NAMES))],
        questions=["本人の思いをどう支えるか"],
        summary="個別支援と地域支援を連動させる視点が共有された。", closed=True)
    store.save_session(session)
    return {"published_ids": published_ids, "session": session}
