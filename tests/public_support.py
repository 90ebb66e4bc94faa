"""Helpers for the public server's tests and benchmarks: requests from a chosen client address
(any 127.x.y.z is this machine), kernels of a server, and raw kernel messages."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from urllib.parse import urlsplit

import psutil


def get(url: str, *, client: str = "127.0.0.1", timeout: float = 60.0, follow: bool = True) -> tuple[int, str, str]:
    """GET from source address `client`; follows redirects on the same server. (status, final path, body)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for _ in range(5):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(client, 0))
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        if follow and resp.status in (301, 302, 303, 307) and resp.getheader("Location"):
            path = resp.getheader("Location")
            continue
        return resp.status, path, body
    return resp.status, path, body


def kernels(server) -> list[psutil.Process]:
    """The kernel processes of `server`.

    A kernel's own child is not a kernel: every kernel forks `uname -p` as it starts (debugpy's log
    asks `platform.platform()`), and until that child has exec'd it carries the kernel's command
    line. On a loaded machine the window is long enough for a 50 ms sampler to count it."""
    try:
        children = psutil.Process(server.proc.pid).children(recursive=True)
    except psutil.Error:
        return []
    found: dict[int, psutil.Process] = {}
    for p in children:
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(p.cmdline()):
                found[p.pid] = p
        except psutil.Error:
            pass
    out = []
    for p in found.values():
        try:
            if p.ppid() not in found:
                out.append(p)
        except psutil.Error:
            pass
    return out


def wait_until(predicate, timeout: float, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def raw_message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> tuple[str, str]:
    """(msg_id, JSON text frame) of a shell message, as a script would write it."""
    msg_id = uuid.uuid4().hex
    return msg_id, json.dumps({
        "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "x", "session": session,
                   "version": "5.3", "date": "2026-01-01T00:00:00Z"},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": []})
