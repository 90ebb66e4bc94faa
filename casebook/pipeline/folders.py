"""The casebook folder: one build at a time (a lock file), a finished folder swapped in with one atomic
rename, and what a killed build left behind cleaned up."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
from pathlib import Path

from casebook.errors import WorkbenchError


class BuildError(WorkbenchError, RuntimeError):
    """The build could not run at all (another build holds the lock, the store cannot be read…)."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put the finished folder `tmp` at `target`; the old one is removed only after the swap."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)   # tmp now holds the previous casebook
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Clean what a killed build left: temporary folders; restore a casebook left half-swapped."""
    parent = target.parent
    for old in sorted(parent.glob(f".{target.name}-old-*")):
        if not target.exists():
            os.rename(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in parent.glob(f".{target.name}-tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _lock(build_dir: Path):
    import fcntl

    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".casebook.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError("別の事例集ビルドが実行中です。終わってからもう一度実行してください") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
