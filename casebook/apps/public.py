"""Isolation of the public server: its own OS user, its own folder, nothing of the main store.

Started as root, `workbench publish` runs the public Voila and every kernel as `PUBLIC_USER`, an
unprivileged system user made on first use. That user reads a private folder holding a copy of the
snapshot and of the static pages (root-owned, read-only) and writes only its home, runtime and log
folders there; the data folder (the main store) is 0700 root's, so an `open()` of it is refused by
the OS, and the server's environment carries no store URL (casebook.apps.publish.published_environ).

    ensure_public_user() -> str | None           the user to run as (None: not root, run as ourselves)
    prepare_public_root(snapshot, static_dir, user) -> PublicRoot
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from casebook.errors import WorkbenchError
from casebook.settings import REPO_ROOT

PUBLIC_USER = os.environ.get("WORKBENCH_PUBLIC_USER", "workbench-public")


class IsolationError(WorkbenchError):
    pass


@dataclass
class PublicRoot:
    path: Path
    snapshot: Path
    static_dir: Path
    home: Path
    runtime: Path
    log_file: Path

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def ensure_public_user(user: str = PUBLIC_USER) -> str | None:
    """Make the unprivileged user when running as root and let it reach the interpreter and the code."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", user], check=True, capture_output=True)
    for target in (Path(os.path.realpath(sys.executable)), Path(sys.prefix), REPO_ROOT):
        _grant_traverse(target, user)
    return user


def _grant_traverse(target: Path, user: str) -> None:
    """Execute-only (no listing) on each folder above `target` that others cannot pass, for `user` alone."""
    for folder in reversed(target.parents if target.is_file() else [target, *target.parents]):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            if not shutil.which("setfacl"):
                raise IsolationError(f"{folder} を公開用ユーザー {user} が通れません（acl パッケージの setfacl が必要です）")
            subprocess.run(["setfacl", "-m", f"u:{user}:x", str(folder)], check=True, capture_output=True)


def prepare_public_root(snapshot: Path, static_dir: Path, user: str | None) -> PublicRoot:
    """A fresh folder for one public server: the snapshot and static pages copied in read-only,
    home/runtime/log folders owned by `user` (0700)."""
    # Short: kernels listen on Unix sockets under runtime/, whose paths may not pass 107 bytes.
    path = Path(tempfile.mkdtemp(prefix="wbp-"))
    path.chmod(0o755)
    root = PublicRoot(path=path, snapshot=path / "published.sqlite", static_dir=path / "static",
                      home=path / "home", runtime=path / "rt", log_file=path / "logs" / "public.log")
    try:
        shutil.copyfile(snapshot, root.snapshot)
        root.snapshot.chmod(0o444)
        from casebook.apps.publish import similar_path

        if similar_path(snapshot).is_file():    # the published cases' neighbours, made with the snapshot
            shutil.copyfile(similar_path(snapshot), similar_path(root.snapshot))
            similar_path(root.snapshot).chmod(0o444)
        if static_dir.is_dir():
            shutil.copytree(static_dir, root.static_dir)
        else:
            root.static_dir.mkdir()
        for p in [root.static_dir, *root.static_dir.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o444)
        for folder in (root.home, root.runtime, root.log_file.parent, root.home / "mplconfig"):
            folder.mkdir(parents=True, exist_ok=True)
        root.log_file.touch()
        if user:
            info = pwd.getpwnam(user)
            for p in (root.home, root.runtime, root.home / "mplconfig", root.log_file.parent, root.log_file):
                os.chown(p, info.pw_uid, info.pw_gid)
        for folder in (root.home, root.runtime, root.log_file.parent):
            folder.chmod(0o700)
    except BaseException:
        root.remove()
        raise
    return root


def public_environ(env: dict[str, str], root: PublicRoot, user: str | None) -> dict[str, str]:
    """The published environment pointed at the public folder: its snapshot copy, its own home."""
    from casebook.apps.publish import PUBLISHED_ENV

    env = {**env, PUBLISHED_ENV: str(root.snapshot), "MPLCONFIGDIR": str(root.home / "mplconfig"),
           "JUPYTER_RUNTIME_DIR": str(root.runtime), "HOME": str(root.home), "IPYTHONDIR": str(root.home / "ipython"),
           "TMPDIR": str(root.runtime)}
    if user:
        env.update(USER=user, LOGNAME=user)
    return env


def private_data_dir(data_dir: Path) -> None:
    """The main store's folder: only its owner may enter (0700)."""
    if data_dir.is_dir():
        data_dir.chmod(0o700)
