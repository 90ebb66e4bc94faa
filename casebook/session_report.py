"""The session report's parts as escaped HTML fragments (used by notebooks/session_report.ipynb).

Attendance by ward and role, the groups' points, the advisor's 総括, the survey as charts with
Japanese labels plus the free comments, and this session beside the earlier ones of its kind.
Charts are matplotlib PNGs inlined as data URIs (glyphs rasterised with Noto Sans CJK JP), so the
page opens from disk with no network and no font of the reader's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

from casebook import charts, sessions, vocab
from casebook.model import SCALE, Evaluation, GroupNote, Session

SCALE_COLOURS = ("#2b6cb0", "#63b3ed", "#cbd5e0", "#f6ad55", "#c53030")  # とてもよかった … わるかった
SURVEY_ITEMS = {"satisfaction": "満足度", "understanding": "理解度", "usefulness": "有用性"}

CSS = """
.wb-report table{border-collapse:collapse;margin:6px 0}
.wb-report th,.wb-report td{border:1px solid #cbd5e0;padding:3px 8px;text-align:left;vertical-align:top}
.wb-report td.num{text-align:right}
.wb-report .point{border-left:4px solid #90cdf4;padding:2px 8px;margin:3px 0;white-space:pre-wrap}
.wb-report .point.pinned{border-left-color:#dd6b20;background:#fffaf0}
.wb-report .summary{white-space:pre-wrap;background:#f7fafc;padding:8px 12px;border-radius:4px}
.wb-report img.chart{max-width:100%}
.wb-report tr.current{background:#fffaf0;font-weight:bold}
"""


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read in one go from the store."""
    session: Session
    notes: list
    evaluations: list[Evaluation]
    earlier: Any                                  # sessions.comparison(...)
    case_titles: list[tuple[str, str]]


def load(store, session_id: str) -> ReportData:
    from casebook.store import NotFoundError

    session = store.get_session(session_id)
    titles = []
    for case_id in session.case_ids:
        try:
            titles.append((case_id, store.get_case(case_id).case.title))
        except NotFoundError:
            titles.append((case_id, "（事例が見つかりません）"))
    return ReportData(session, store.group_notes(session_id), store.evaluations(session_id),
                      sessions.comparison(store, session), titles)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Sequence[int] = ()) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def header_html(session: Session, case_titles: Sequence[tuple[str, str]] = ()) -> str:
    rows = [("研修会名", session.title), ("開催日", f"{session.date:%Y年%m月%d日}"),
            ("研修の種類", sessions.kind_label(session.kind)), ("会場", session.venue),
            ("テーマ", session.theme or ""), ("ファシリテーター", session.facilitator), ("助言者", session.advisor),
            ("検討事例", "、".join(f"{t}（{i}）" for i, t in case_titles))]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v)
    state = "終了" if session.closed else "開催中（未終了）"
    # The shared stylesheet comes with the page (render.render_report_page); only the report's own rules here.
    return (f'<style>{CSS}</style><div class="wb-report"><h1>{_e(session.title)} 実施報告</h1>'
            f"<table>{body}<tr><th>状態</th><td>{_e(state)}</td></tr></table></div>")


def attendance_html(session: Session) -> str:
    a = sessions.attendance(session)
    if not a["total"]:
        return '<div class="wb-report"><h2>出席状況</h2><p>参加者の記録はありません。</p></div>'
    chart = charts.bar_chart_svg([w for w, _ in a["by_ward"]], [n for _, n in a["by_ward"]],
                                 title="区社協別の参加者数", unit="人", width=420)
    groups = _table(["グループ", "人数", "メンバーの区"],
                    [(g.name, len(g.members), "、".join(sorted({_ward_of(session, m) for m in g.members})))
                     for g in session.groups], numeric=(1,))
    present = {w for w, _ in a["by_ward"]}
    absent = [w for w in vocab.ward_names() if w not in present]
    absent_line = f"<p>参加のなかった区: {_e('、'.join(absent))}</p>" if absent else "<p>24区すべてから参加がありました。</p>"
    return ('<div class="wb-report"><h2>出席状況</h2>'
            f"<p>参加者 <b>{a['total']}</b> 人（{a['wards']} 区から）</p>"
            f"<h3>区社協別</h3>{chart}{absent_line}"
            f"<h3>職種・役割別</h3>{_table(['職種・役割', '人数'], a['by_role'], numeric=(1,))}"
            f"<h3>グループ編成</h3>{groups}</div>")


def _ward_of(session: Session, name: str) -> str:
    return next((p.ward or "市社協・その他" for p in session.participants if p.name == name), "名簿外")


def points_html(session: Session, notes: list[tuple[int, GroupNote]]) -> str:
    b = sessions.board(session, notes)
    parts = ['<div class="wb-report"><h2>グループの意見</h2>']
    if not session.questions:
        parts.append("<p>グループワークの問いはありませんでした。</p>")
    tally_rows = [(g, *counts, sum(counts)) for g, counts in b.tally.items()]
    if session.questions:
        parts.append(_table(["グループ", *[f"問{i + 1}" for i in range(len(session.questions))], "計"], tally_rows,
                            numeric=tuple(range(1, len(session.questions) + 2))))
    for q in b.questions:
        parts.append(f"<h3>問{q.index + 1}. {_e(q.question)}</h3>")
        if not q.total:
            parts.append("<p>提出された意見はありません。</p>")
        for group, points in q.by_group.items():
            if points:
                parts.append(f"<h4>{_e(group)}</h4>")
                parts += [f'<div class="point{" pinned" if p.pinned else ""}">{"★ " if p.pinned else ""}'
                          f"{_e(p.text)}</div>" for p in points]
    if b.pinned:
        parts.append("<p>★ はファシリテーターがピン留めした意見です。</p>")
    return "".join(parts) + "</div>"


def summary_html(session: Session) -> str:
    who = f"（{_e(session.advisor)}）" if session.advisor else ""
    text = _e(session.summary) if session.summary else "総括は記録されていません。"
    return f'<div class="wb-report"><h2>助言者の総括{who}</h2><div class="summary">{text}</div></div>'


def survey_chart(evaluations: list[Evaluation]) -> str:
    """A stacked horizontal bar per item (満足度・理解度・有用性) in the 5-point wording, as <img>."""
    charts.setup_matplotlib()
    from matplotlib.figure import Figure

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
    ax.set_title(f"アンケート結果（回答 {summary['responses']} 人）")
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return f'<img class="chart" alt="アンケート結果（満足度・理解度・有用性）" src="{charts.figure_png_data_uri(fig)}">'


def survey_html(evaluations: list[Evaluation]) -> str:
    s = sessions.survey_summary(evaluations)
    parts = ['<div class="wb-report"><h2>アンケート結果</h2>']
    if not s["responses"]:
        return "".join(parts) + "<p>回答はありません。</p></div>"
    parts.append(survey_chart(evaluations))
    rows = [(SURVEY_ITEMS[k], *[n for _, n in s[k]["counts"]], f"{s[k]['mean']:.2f}", f"{s[k]['positive']:.0%}")
            for k in SURVEY_ITEMS]
    parts.append(_table(["項目", *SCALE, "平均（5点満点）", "肯定的な回答"], rows, numeric=tuple(range(1, 8))))
    parts.append("<p>5点 = とてもよかった、4点 = まあまあよかった、3点 = どちらともいえない、"
                 "2点 = あまりよくなかった、1点 = わるかった。肯定的な回答は4点以上の割合。</p>")
    for title, texts in (("感想・意見（自由記述）", s["comments"]), ("今後の研修への要望", s["requests"])):
        parts.append(f"<h3>{title}（{len(texts)}件）</h3>")
        # The same words from several people are one line with a count, most frequent first.
        counted = Counter(texts).most_common()
        parts.append("<ul>" + "".join(f'<li style="white-space:pre-wrap">{_e(t)}{f"（{n}人）" if n > 1 else ""}</li>'
                                      for t, n in counted) + "</ul>" if texts else "<p>記入はありません。</p>")
    return "".join(parts) + "</div>"


def comparison_html(session: Session, rows: list[dict[str, Any]]) -> str:
    kind = sessions.kind_label(session.kind)
    parts = [f'<div class="wb-report"><h2>これまでの同じ種類の研修との比較（{_e(kind)}）</h2>']
    earlier = [r for r in rows if not r["current"]]
    if not earlier:
        return "".join(parts) + "<p>これより前の同じ種類の研修会の記録はありません。</p></div>"
    body = []
    for r in rows:
        cells = [f"{r['date']:%Y-%m-%d}", r["title"], r["participants"], r["responses"],
                 *[("—" if r[k] is None else f"{r[k]:.2f}") for k in SURVEY_ITEMS]]
        cls = ' class="current"' if r["current"] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("開催日", "研修会名", "参加者", "回答", "満足度", "理解度", "有用性"))
    parts.append(f"<table><tr>{head}</tr>{''.join(body)}</table>")
    parts.append(_comparison_chart(rows))
    return "".join(parts) + "</div>"


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
    return f'<img class="chart" alt="同じ種類の研修会との比較" src="{charts.figure_png_data_uri(fig)}">'
