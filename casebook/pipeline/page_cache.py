"""The page cache: content hashes of everything that decides a page (record, ward figures, parameter
set, notebook, templates, the drawing code, the Jupyter stack's versions) and the small JSON stores
the build keeps under build/cache/casebook/ (manifest of what was derived per stored content)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from casebook.settings import PACKAGE_DIR

if TYPE_CHECKING:
    from casebook.pipeline.params import CasebookParams

MANIFEST_VERSION = 1
PRUNE_AFTER_S = 30 * 24 * 3600      # cache entries no build has used for this long are forgotten
TOUCH_EVERY_S = 24 * 3600           # "last used" marks are renewed at most daily (no writes on every build)
# Source files whose code decides what a page looks like (a change to any of them rebuilds all pages).
PAGE_CODE = ("__init__.py", "render", "model.py", "pipeline/execute.py", "vocab/__init__.py")   # folders: every .py
STACK = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jinja2", "mistune", "pydantic")

# Code that turns stored records into what the build keeps per case and into the site around the pages.
SITE_CODE = ("pipeline/build.py", "pipeline/site.py", "pipeline/page_cache.py", "render", "model.py",
             "vocab/__init__.py")


def code_files(names) -> list[Path]:
    """The package's source files named by `names` (relative to casebook/); a folder means every
    .py file below it, so moving code between modules of a package keeps the key honest."""
    out: list[Path] = []
    for name in names:
        path = PACKAGE_DIR / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")
                                                                 if not path.exists() and path.with_suffix(".py").exists()
                                                                 else path]
    return out


def sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def files_hash(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(str(p.name).encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def stack_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in STACK:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=?")
    return ";".join(out)


def code_fingerprint(templates: Path | None = None) -> str:
    """Everything outside the case that decides a page: page code, vocabulary, templates, stack versions."""
    from casebook import __version__, render

    def page_templates(folder: Path) -> list[Path]:  # the report and print templates decide no case page
        return [p for p in render.template_files(folder) if not {render.REPORT_TEMPLATE, "print"} & set(p.parts)]

    vocab_files = sorted((PACKAGE_DIR / "vocab").glob("*.yaml"))
    other = files_hash(page_templates(templates)) if templates else ""
    return sha(__version__, files_hash(code_files(PAGE_CODE)), files_hash(vocab_files),
                files_hash(page_templates(render.TEMPLATES)), other, stack_versions())


def canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def record_hash(case) -> str:
    """The case as its page shows it (everything but the workflow status)."""
    return sha("record/1", canonical(case.model_dump(mode="json", exclude={"status"})))


def figures_hash(figures) -> str:
    return sha("figures/1", canonical([f.model_dump(mode="json") for f in figures]))


def page_key(record: str, figures: str, *, notebook_hash: str, code_hash: str, params: CasebookParams) -> str:
    """The content hash a case page is cached under, from `record_hash(case)` and
    `figures_hash(the ward figures its charts show)`."""
    options = {"title": params.title, "charts": params.options.charts, "footer": params.options.footer,
               "pdf": params.pdf.enabled and params.pdf.per_case}   # the page links its handout PDF
    return sha("casebook-page/2", record, figures if params.options.charts else "", canonical(options),
                notebook_hash, code_hash)


class Figures:
    """The figures hash per (ward, themes): many cases share one, and the rows are read once."""

    def __init__(self, rows) -> None:
        self.by_ward: dict[str, list] = {}
        for r in rows:
            self.by_ward.setdefault(r.ward, []).append(r)
        self.memo: dict[tuple, str] = {}

    def key(self, ward: str, themes) -> str:
        k = (ward, tuple(themes))
        if k not in self.memo:
            from types import SimpleNamespace

            from casebook.render.pages import ward_figures_from

            case = SimpleNamespace(ward=ward, themes=list(themes))
            self.memo[k] = figures_hash(ward_figures_from(self.by_ward.get(ward, ()), case))
        return self.memo[k]


# --- small persistent caches -------------------------------------------------------------------

class JsonCache:
    """A dict kept in one JSON file (gate results by content hash); written atomically."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        self.dirty = False

    def get(self, key: str):
        return self.data.get(key)

    def put(self, key: str, value) -> None:
        self.data[key] = value
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        if keep is not None:
            stale = set(self.data) - keep
            for k in stale:
                del self.data[k]
            self.dirty = self.dirty or bool(stale)
        if self.dirty:
            write_json_atomic(self.path, self.data, depth=1)


def write_atomic(path: Path, text: str) -> None:
    write_pieces_atomic(path, (text,))


def write_pieces_atomic(path: Path, pieces) -> None:
    """The text made of `pieces` (an iterable of str) written to `path` as they come, then renamed
    over it in one step: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for piece in pieces:
                fh.write(piece)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj, *, depth: int = 2, separators: tuple[str, str] = (", ", ": ")) -> None:
    """`json.dumps(obj, ensure_ascii=False, separators=separators)` written to `path` atomically, the
    same file byte for byte, without ever holding its whole text: dicts down to `depth` levels are
    written key by key, what lies below is encoded one value at a time. (10,000 cases' manifest or
    search bigrams are tens of MB of text, and as much again encoded to UTF-8.) Keys must be str."""
    item_sep, key_sep = separators

    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=separators)

    def pieces(value, level: int):
        if level < depth and isinstance(value, dict) and value:
            yield "{"
            for i, (k, v) in enumerate(value.items()):
                if not isinstance(k, str):
                    raise TypeError(f"write_json_atomic: key {k!r} is not a str")
                yield (item_sep if i else "") + dumps(k) + key_sep
                yield from pieces(v, level + 1)
            yield "}"
        else:
            yield dumps(value)

    write_pieces_atomic(path, pieces(obj, 0))


class Manifest:
    """What the build derived from each stored case content, by the SHA-256 of the stored JSON:
    {"id", "record": record_hash, "entry": index-page fields, "gate": findings without overrides,
    "seen": when a build last used it}. Dropped whole when the deriving code changes."""

    def __init__(self, path: Path, fingerprint: str):
        self.path, self.fingerprint = path, fingerprint
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        ok = isinstance(data, dict) and data.get("v") == MANIFEST_VERSION and data.get("fp") == fingerprint
        self.cases: dict[str, dict] = data.get("cases", {}) if ok else {}
        # {case id: [version, updated_at, sha256]} as the store last reported them: a row still at
        # that version and time is not read or hashed again (Store.case_digests(known=…)).
        self.rows: dict[str, list] = data.get("rows", {}) if ok else {}
        self.dirty = False
        self.now = time.time()

    def get(self, sha: str) -> dict | None:
        return self.cases.get(sha)

    def put(self, sha: str, derived: dict) -> dict:
        entry = self.cases[sha] = {**derived, "seen": self.now}
        self.dirty = True
        return entry

    def touch(self, sha: str) -> None:
        entry = self.cases[sha]
        if self.now - entry.get("seen", 0) > TOUCH_EVERY_S:
            entry["seen"] = self.now
            self.dirty = True

    def set_rows(self, digests) -> None:
        rows = {d.id: [d.version, d.updated_at.isoformat(), d.sha256] for d in digests}
        if rows != self.rows:
            self.rows, self.dirty = rows, True

    def save(self) -> None:
        stale = [k for k, e in self.cases.items() if self.now - e.get("seen", 0) > PRUNE_AFTER_S]
        for k in stale:
            del self.cases[k]
        if self.dirty or stale:
            write_json_atomic(self.path, {"v": MANIFEST_VERSION, "fp": self.fingerprint, "cases": self.cases,
                                          "rows": self.rows}, separators=(",", ":"))


def prune_pages(pages_dir: Path, used: set[str]) -> None:
    """Mark the pages this build used (at most daily), forget those no build has used for 30 days
    (other parameter sets share the cache, so a page unused by this one may still be wanted)."""
    if not pages_dir.exists():
        return
    now = time.time()
    with os.scandir(pages_dir) as it:
        for entry in it:
            if not entry.name.endswith(".html"):
                continue
            age = now - entry.stat().st_mtime
            if entry.name[:-5] in used:
                if age > TOUCH_EVERY_S:
                    os.utime(entry.path, (now, now))
            elif age > PRUNE_AFTER_S:
                os.unlink(entry.path)


def place_page(src: Path, dst: Path, replace: bool = False) -> None:
    """A cached page into the new site: a hard link (same filesystem), else a copy. `replace`: over a
    file a reader may be opening — made beside it and renamed over it in one step."""
    final, dst = dst, (dst.with_name(f".{dst.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}") if replace else dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    if replace:
        os.replace(dst, final)
