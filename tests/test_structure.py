"""The house keeps its shape: each rule of ARCHITECTURE.md that code can check, checked on the source.

A newcomer who adds a feature in the wrong room is told here, by name, before a reviewer has to."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("casebook", "widgets")
MAX_LINES = 600
SQL_MODULES = ("sqlalchemy", "sqlite3", "psycopg")


def source_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "sample" not in p.relative_to(ROOT).parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, *, top_level_only: bool) -> list[str]:
    """Module names imported by a file: at load time only (not in functions, not under
    TYPE_CHECKING) when top_level_only, else every import anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    known = {module_name(p) for pkg in PACKAGES for p in source_files(pkg)}
    here = module_name(path) if path.is_relative_to(ROOT) else path.stem
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                found.append(base)
                # `from casebook import vocab` imports the module casebook.vocab
                found.extend(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
            elif isinstance(node, ast.If) and top_level_only and _is_type_checking(node):
                visit(node.orelse)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and top_level_only:
                continue
            elif isinstance(node, ast.ClassDef) and top_level_only:
                visit(node.body)
            else:
                visit(ast.iter_child_nodes(node))

    visit(tree.body)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_longer_than_a_newcomer_can_hold_in_mind(package):
    long = {str(p.relative_to(ROOT)): n for p in source_files(package)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def test_modules_import_each_other_one_way_only():
    files = [p for pkg in PACKAGES for p in source_files(pkg)]
    names = {module_name(p) for p in files}
    graph = {module_name(p): {m for m in imports(p, top_level_only=True) if m in names and m != module_name(p)}
             for p in files}
    # A package's __init__ importing its own submodules is how a package presents its API; the
    # submodules' import of a sibling then implies the parent, which is not a cycle of design.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    cycles = _cycles(graph)
    assert not cycles, "import cycles (make the dependency one-way): " + "; ".join(" → ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def test_the_domain_never_reaches_for_the_ui():
    offenders = {str(p.relative_to(ROOT)): m for p in source_files("casebook")
                 for m in imports(p, top_level_only=False)
                 if m.split(".")[0] in ("widgets", "ipywidgets")}
    assert not offenders, f"casebook must not import widgets or ipywidgets: {offenders}"


def test_only_the_store_talks_sql():
    offenders = {}
    for package in PACKAGES:
        for p in source_files(package):
            if p.relative_to(ROOT).parts[:2] == ("casebook", "store"):
                continue
            sql = [m for m in imports(p, top_level_only=False) if m.split(".")[0] in SQL_MODULES]
            if sql:
                offenders[str(p.relative_to(ROOT))] = sql
    assert not offenders, f"SQL outside casebook/store: {offenders}"


def test_only_execute_runs_notebooks():
    runners = ("papermill.execute_notebook", "execute_notebook(", "NotebookClient(", "nbclient.execute")
    offenders = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in source_files(pkg)
                 if p.relative_to(ROOT) != Path("casebook/pipeline/execute.py")
                 and any(r in p.read_text(encoding="utf-8") for r in runners)]
    assert not offenders, f"notebooks run outside casebook/pipeline/execute.py: {offenders}"


def test_widgets_carry_no_rules_about_roles():
    """Who may do what is casebook.workflow's: a widget that compares a role to a name is a rule
    in the wrong place."""
    offenders = []
    for p in source_files("widgets"):
        text = p.read_text(encoding="utf-8")
        for role in ("staff", "advisor", "editor"):
            for form in (f'role == "{role}"', f'role != "{role}"', f'role in ("{role}"'):
                if form in text:
                    offenders.append(f"{p.relative_to(ROOT)}: {form}")
    assert not offenders, f"role rules in widgets (ask casebook.workflow): {offenders}"


def test_the_structure_checks_can_fail(tmp_path):
    """The import reader sees what the rules look for (a check that sees nothing passes anything)."""
    f = tmp_path / "m.py"
    f.write_text("import sqlite3\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import ipywidgets\n"
                 "def g():\n    import widgets.common\n", encoding="utf-8")
    everything = imports(f, top_level_only=False)
    assert {"sqlite3", "ipywidgets", "widgets.common"} <= set(everything)
    assert imports(f, top_level_only=True) == ["sqlite3", "typing"]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
