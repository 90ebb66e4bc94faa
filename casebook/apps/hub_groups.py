"""Which JupyterHub groups give which workbench role: one YAML file (parameters/hub/groups.yaml).

    load_group_map(path=None) -> GroupMap       every entry checked; HubGroupsError names the group and field
    GroupMap.resolve(groups) -> Grant | None    (role, ward) of the first listed group the user is in
    GroupMap.lab_groups                          groups whose members may start JupyterLab on the hub
    GroupMap.mapped_groups                       every group named in the file (the hub creates them)

A group is a hub group name (letters, digits, - _ .). An entry is `{role: staff, ward: 生野区}`, or
`{lab: true}` (JupyterLab only, no workbench role), or both. Order matters: a user in several groups
takes the role of the first one listed, so a file lists editors before ward staff.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from casebook import vocab
from casebook.errors import WorkbenchError
from casebook.settings import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "parameters" / "hub" / "groups.yaml"
HUB_ROLES = ("staff", "advisor", "editor", "facilitator", "admin")
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_KEYS = {"role", "ward", "lab"}


class HubGroupsError(WorkbenchError):
    """The group file cannot be used (Japanese message naming the file, the group and the field)."""


@dataclass(frozen=True)
class Grant:
    group: str
    role: str
    ward: str = ""


@dataclass(frozen=True)
class GroupMap:
    grants: tuple[Grant, ...]
    lab_groups: tuple[str, ...]

    @property
    def mapped_groups(self) -> tuple[str, ...]:
        names = [g.group for g in self.grants] + [g for g in self.lab_groups if g not in {x.group for x in self.grants}]
        return tuple(names)

    def resolve(self, groups: Iterable[str]) -> Grant | None:
        have = set(groups or ())
        for grant in self.grants:
            if grant.group in have:
                return grant
        return None

    def may_use_lab(self, groups: Iterable[str]) -> bool:
        return bool(set(groups or ()) & set(self.lab_groups))


def parse_group_map(data: object, source: str = "groups.yaml") -> GroupMap:
    """A GroupMap from the file's parsed YAML; every problem is listed at once."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict) or not data["groups"]:
        raise HubGroupsError(f"{source}: 「groups:」の下にハブのグループを1つ以上書いてください")
    unknown_top = sorted(set(data) - {"groups"})
    problems = [f"「{k}」は使えない項目です（groups だけ）" for k in unknown_top]
    grants, lab = [], []
    for name, entry in data["groups"].items():
        where = f"グループ「{name}」"
        if not isinstance(name, str) or not _GROUP.fullmatch(name):
            problems.append(f"{where}: グループ名は半角英数字と - _ . の64文字以内にしてください")
            continue
        if not isinstance(entry, dict) or not entry:
            problems.append(f"{where}: {{role: staff, ward: 生野区}} や {{lab: true}} の形で書いてください")
            continue
        extra = sorted(set(entry) - _KEYS)
        if extra:
            problems.append(f"{where}: 「{', '.join(map(str, extra))}」は使えない項目です（role / ward / lab）")
        is_lab = entry.get("lab", False)
        if not isinstance(is_lab, bool):
            problems.append(f"{where}: lab は true か false で書いてください")
            is_lab = False
        if is_lab:
            lab.append(name)
        role = entry.get("role")
        if role is None:
            if "ward" in entry:
                problems.append(f"{where}: ward を書くときは role も書いてください")
            if not is_lab:
                problems.append(f"{where}: role（{' / '.join(HUB_ROLES)}）か lab: true を書いてください")
            continue
        role_text = str(role).strip().lower()
        if role_text not in HUB_ROLES:
            problems.append(f"{where}: role「{role}」は使えません（{' / '.join(HUB_ROLES)}）")
            continue
        ward = ""
        if str(entry.get("ward") or "").strip():
            try:
                ward = vocab.parse_ward(entry["ward"]).name
            except vocab.VocabError as exc:
                problems.append(f"{where}: ward: {exc}")
                continue
        if role_text == "staff" and not ward:
            problems.append(f"{where}: 区社協職員（staff）には ward（例: 生野区）を書いてください")
            continue
        grants.append(Grant(name, role_text, ward))
    if problems:
        raise HubGroupsError(f"{source} を使えません:\n" + "\n".join(problems))
    return GroupMap(tuple(grants), tuple(lab))


def load_group_map(path: Path | str | None = None) -> GroupMap:
    import yaml

    path = Path(path or DEFAULT_PATH)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HubGroupsError(f"グループの対応表 {path} を読めません: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise HubGroupsError(f"{path.name} は YAML として読めません: {exc}") from None
    return parse_group_map(data, path.name)
