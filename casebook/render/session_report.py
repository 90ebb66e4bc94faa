"""The session report's parts as escaped HTML fragments (used by notebooks/session_report.ipynb),
rendered from the templates under `casebook/templates/session_report/` by casebook.render.html.

Attendance by ward and role, the groups' points, the advisor's 総括, the survey as charts with
Japanese labels plus the free comments, and this session beside the earlier ones of its kind.
Charts are matplotlib PNGs inlined as data URIs (glyphs rasterised with Noto Sans CJK JP), so the
page opens from disk with no network and no font of the reader's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from casebook import vocab
from casebook import sessions
from casebook.render import charts, html
from casebook.model import SCALE, Evaluation, GroupNote, Session

SCALE_COLOURS = ("#2b6cb0", "#63b3ed", "#cbd5e0", "#f6ad55", "#c53030")  # とてもよかった … わるかった
SURVEY_ITEMS = {"satisfaction": "満足度", "understanding": "理解度", "usefulness": "有用性"}

def _render(name: str, **context) -> str:
    return html.render(f"session_report/{name}", **context)


def _chart(fig, alt: str) -> str:
    return _render("chart.html.j2", alt=alt, src=charts.figure_png_data_uri(fig))


def header_html(session: Session, case_titles: Sequence[tuple[str, str]] = ()) -> str:
    rows = [("研修会名", session.title), ("開催日", f"{session.date:%Y年%m月%d日}"),
            ("研修の種類", sessions.kind_label(session.kind)), ("会場", session.venue),
            ("テーマ", session.theme or ""), ("ファシリテーター", session.facilitator), ("助言者", session.advisor),
            ("検討事例", "、".join(f"{t}（{i}）" for i, t in case_titles))]
    # The shared stylesheet comes with the page (render.render_report_page); only the report's own rules here.
    return _render("header.html.j2", title=session.title, rows=[(k, v) for k, v in rows if v],
                   state="終了" if session.closed else "開催中（未終了）")


def attendance_html(session: Session, joined: list[tuple[str, str]] | None = None) -> str:
    a = sessions.attendance(session, joined)
    if not a["total"]:
        return _render("attendance.html.j2", total=0, registered=a["registered"])
    chart = charts.bar_chart_html([w for w, _ in a["by_ward"]], [n for _, n in a["by_ward"]],
                                  title="区社協別の参加者数", unit="人", width=420, label_head="区社協",
                                  value_head="参加者数")
    groups = [(g.name, len(g.members), "、".join(sorted({_ward_of(session, m) for m in g.members})))
              for g in session.groups]
    present = {w for w, _ in a["by_ward"]}
    absent = [w for w in vocab.ward_names() if w not in present]
    return _render("attendance.html.j2", total=a["total"], registered=a["registered"], wards=a["wards"],
                   chart=html.markup(chart),
                   absent=absent, by_role=a["by_role"], groups=groups)


def _ward_of(session: Session, name: str) -> str:
    return next((p.ward or "市社協・その他" for p in session.participants if p.name == name), "名簿外")


def points_html(session: Session, notes: list[tuple[int, GroupNote]]) -> str:
    b = sessions.board(session, notes)
    n = len(session.questions)
    return _render("points.html.j2", board=b, n_questions=n,
                   tally_head=["グループ", *[f"問{i + 1}" for i in range(n)], "計"],
                   tally=[(g, *counts, sum(counts)) for g, counts in b.tally.items()],
                   tally_numeric=tuple(range(1, n + 2)))


def summary_html(session: Session) -> str:
    return _render("summary.html.j2", advisor=session.advisor, summary=session.summary)


def survey_chart(evaluations: list[Evaluation]) -> str:
    """A stacked horizontal bar per item (満足度・理解度・有用性) in the 5-point wording, as <img>."""
    return _chart(survey_figure(evaluations), "アンケート結果（満足度・理解度・有用性）")


def survey_figure(evaluations: list[Evaluation]):
    charts.setup_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    summary = sessions.survey_summary(evaluations)
    fig = Figure(figsize=(7.5, 2.8))
    ax = fig.add_subplot()
    items = list(SURVEY_ITEMS)
    left = [0] * len(items)
    for si, label in enumerate(SCALE):
        counts = [dict(summary[k]["counts"])[label] for k in items]
        ax.barh(range(len(items)), counts, left=left, color=SCALE_COLOURS[si], label=label)
        for i, c in enumerate(counts):
            if c:
                ax.text(left[i] + c / 2, i, str(c), ha="center", va="center", fontsize=9,
                        color="white" if si in (0, 4) else "black")
        left = [a + b for a, b in zip(left, counts)]
    ax.set_yticks(range(len(items)), [SURVEY_ITEMS[k] for k in items])
    ax.invert_yaxis()
    ax.set_xlabel("回答数（人）")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # people are counted whole: no 0.2 steps
    ax.set_title(f"アンケート結果（回答 {summary['responses']} 人）")
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def survey_html(evaluations: list[Evaluation]) -> str:
    s = sessions.survey_summary(evaluations)
    if not s["responses"]:
        return _render("survey.html.j2", responses=0)
    rows = [(SURVEY_ITEMS[k], *[n for _, n in s[k]["counts"]], f"{s[k]['mean']:.2f}", f"{s[k]['positive']:.0%}")
            for k in SURVEY_ITEMS]
    # The same words from several people are one line with a count, most frequent first.
    free_text = [(title, len(texts), Counter(texts).most_common())
                 for title, texts in (("感想・意見（自由記述）", s["comments"]), ("今後の研修への要望", s["requests"]))]
    return _render("survey.html.j2", responses=s["responses"], chart=html.markup(survey_chart(evaluations)),
                   head=["項目", *SCALE, "平均（5点満点）", "肯定的な回答"], rows=rows, numeric=tuple(range(1, 8)),
                   free_text=free_text)


def comparison_html(session: Session, rows: list[dict[str, Any]]) -> str:
    kind = sessions.kind_label(session.kind)
    if not any(not r["current"] for r in rows):
        return _render("comparison.html.j2", kind=kind, has_earlier=False)
    table = [(r["current"], [f"{r['date']:%Y-%m-%d}", r["title"], r["participants"], r["responses"],
                             *[("—" if r[k] is None else f"{r[k]:.2f}") for k in SURVEY_ITEMS]]) for r in rows]
    return _render("comparison.html.j2", kind=kind, has_earlier=True, rows=table,
                   chart=html.markup(_comparison_chart(rows)))


def _comparison_chart(rows: list[dict[str, Any]]) -> str:
    charts.setup_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.add_subplot()
    labels = [f"{r['date']:%Y年%m月}" for r in rows]
    width = 0.8 / len(SURVEY_ITEMS)
    for j, (key, name) in enumerate(SURVEY_ITEMS.items()):
        values = [r[key] or 0 for r in rows]
        ax.bar([i + (j - 1) * width for i in range(len(rows))], values, width=width,
               color=SCALE_COLOURS[j], label=name)
    ax.set_xticks(range(len(rows)), labels)
    ax.set_ylim(1, 5)
    ax.set_ylabel("平均（5点満点）")
    ax.set_title("満足度・理解度・有用性の平均の推移")
    ax.legend(ncols=3, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _chart(fig, "同じ種類の研修会との比較")
