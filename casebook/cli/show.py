"""A case as readable Japanese text for the terminal (`workbench cases show`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from casebook.cli.common import _local_time

if TYPE_CHECKING:
    from casebook.store import CaseRecord


def format_case(record: "CaseRecord | None", case=None) -> str:
    """A case as readable Japanese text, section by section (empty fields left out)."""
    from pydantic import BaseModel

    from casebook import vocab
    from casebook.model import field_label

    case = case if case is not None else record.case
    labels = vocab.field_labels()
    targets = {t["id"]: t["name"] for t in vocab.targets()}
    eco = vocab.ecomap_vocab()
    kinds = {k["id"]: k["name"] for k in eco["node_kinds"]}
    strengths = {k["id"]: k["name"] for k in eco["strengths"]}
    directions = {k["id"]: k["name"] for k in eco["directions"]}
    out = [f"【{case.id}】{case.title}", ""]
    meta = [("区", case.ward), ("年度", case.fiscal_year_label), ("状態", vocab.status_label(case.status)),
            ("対象", targets.get(case.target, case.target)),
            ("事例提供者", " ".join(x for x in (case.provider, case.provider_role) if x)),
            ("テーマ", "、".join(case.themes)), ("キーワード", "、".join(case.keywords))]
    if record is not None:
        meta.append(("版", f"{record.version}（{_local_time(record.updated_at)} {record.updated_by}）"))
    out += [f"{k}: {v}" for k, v in meta if v]

    def block(title: str, text: str) -> None:
        if text:
            out.extend(["", f"■ {title}", *("  " + line for line in text.splitlines())])

    block(labels["reason"], case.reason)
    block(labels["questions"], case.questions)
    sections = ("summary", "person", "community", "genogram", "assessment", "plan", "timeline",
                "ecomap", "outcome", "reflection", "discussion", "comments")
    for name in sections:
        value = getattr(case, name)
        if name == "genogram":
            block(labels[name], value)
        elif name == "timeline" and value:
            out += ["", f"■ {labels[name]}"]
            for i, row in enumerate(value, 1):
                out.append(f"  {i}. {row.period}: {row.support}")
                out += [f"     {labels[k]}: {getattr(row, k)}" for k in ("actors", "change") if getattr(row, k)]
        elif name == "ecomap" and value.nodes:
            out += ["", f"■ {labels[name]}"]
            names = {n.id: n.label for n in value.nodes}
            out += [f"  ・{n.label}（{kinds.get(n.kind, n.kind)}）{' ' + n.note if n.note else ''}" for n in value.nodes]
            out += [f"  ― {names[t.source]} → {names[t.target]}: {strengths[t.strength]}・{directions[t.direction]}"
                    f"{' ' + t.note if t.note else ''}" for t in value.ties]
        elif name == "comments" and value:
            out += ["", f"■ {labels[name]}"]
            for c in value:
                when = f"（{_local_time(c.created_at)}）" if c.created_at else ""
                kind = "ポイント整理" if c.kind == "key_points" else "助言"
                out.append(f"  [{kind}] {c.advisor}{when}")
                out += ["    " + line for line in c.text.splitlines()]
        elif isinstance(value, BaseModel):
            filled = [(k, getattr(value, k)) for k in type(value).model_fields if getattr(value, k)]
            if filled:
                out += ["", f"■ {labels[name]}"]
                for key, text in filled:
                    head = field_label(f"{name}.{key}").split(" › ")[-1]
                    lines = str(text).splitlines()
                    out.append(f"  {head}: {lines[0]}")
                    out += ["    " + line for line in lines[1:]]
    yes = {True: "あり", False: "なし"}
    out += ["", f"■ {labels['ethics']}", f"  {labels['consent']}: {yes[case.ethics.consent]}",
            f"  {labels['anonymised']}: {'確認済み' if case.ethics.anonymised else '未確認'}"]
    return "\n".join(out)


