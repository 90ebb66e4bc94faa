"""Drive a Voila page's widgets over the kernel websocket, with no browser — as a script could.

A Voila page's kernel accepts comm messages from anyone who knows its id (it is in the page HTML),
so tests use this client to send what a hostile or buggy script would send and check that the
Python callbacks refuse it. Reused by the case-form, session and publishing tests.

    with KernelChannel.from_page(server.page_url("case_analysis.ipynb", role="staff", ...)) as kc:
        title = kc.find(dom_class="wb-f-title")            # a widget by a stable _dom_classes tag
        kc.set(title, value="x" * 10_000)                    # as if typed; waits until handled
        kc.click(kc.find(dom_class="wb-save"))               # press a button (even a hidden one)
        kc.wait_for(lambda k: "保存" in k.text(kc.find(dom_class="wb-save-status")))
        kc.find_all(model="TextareaModel"), kc.state(model_id), kc.widgets()

Wire format: Jupyter messages as JSON text frames (jupyter_server's default protocol when no
websocket subprotocol is asked for); frames with binary buffers are decoded and their buffers dropped.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import struct
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import websocket  # websocket-client

CONTROL_TARGET = "jupyter.widget.control"


class KernelChannelError(RuntimeError):
    pass


def page_kernel_id(page_html: str) -> str:
    """The kernel id a Voila page was rendered with (from its jupyter-config-data)."""
    m = re.search(r'<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>', page_html, re.S)
    if m:
        config = json.loads(html_lib.unescape(m.group(1)) if "&quot;" in m.group(1) else m.group(1))
        if config.get("kernelId"):
            return config["kernelId"]
    m = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page_html)
    if not m:
        raise KernelChannelError("no kernel id in the page (is this a Voila page?)")
    return m.group(1)


class KernelChannel:
    """A websocket client of one kernel that keeps a mirror of every widget's state."""

    def __init__(self, ws_url: str, *, timeout: float = 30.0, cookie: str | None = None):
        self.session = uuid.uuid4().hex
        self.timeout = timeout
        # cookie: "name=value; …" of a signed-in browser (the signed-in server checks it on connect)
        self.ws = websocket.create_connection(f"{ws_url}?session_id={self.session}", timeout=timeout,
                                              header=[f"Cookie: {cookie}"] if cookie else None)
        self.models: dict[str, dict[str, Any]] = {}   # model_id -> {"model_name": ..., "state": {...}}
        self.closed_models: set[str] = set()
        self._idle: set[str] = set()                  # msg_ids whose handling has finished
        self._control_id = uuid.uuid4().hex
        self._open_control()
        self.refresh()

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def from_page(cls, url: str, *, timeout: float = 60.0, cookie: str | None = None) -> "KernelChannel":
        """GET a Voila page (which starts or takes a kernel and runs the notebook) and connect to its kernel."""
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            page = resp.read().decode("utf-8", errors="replace")
        parts = urlsplit(url)
        kernel_id = page_kernel_id(page)
        channel = cls(f"ws://{parts.netloc}/api/kernels/{kernel_id}/channels", timeout=timeout, cookie=cookie)
        channel.kernel_id = kernel_id
        channel.page_html = page
        return channel

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a dead socket is fine
            pass

    def __enter__(self) -> "KernelChannel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading the mirror -----------------------------------------------------------------

    def widgets(self) -> dict[str, dict[str, Any]]:
        """model_id -> the widget's state (with "_model_name"), for every live widget."""
        return {mid: m["state"] for mid, m in self.models.items() if mid not in self.closed_models}

    def state(self, model_id: str) -> dict[str, Any]:
        return self.models[model_id]["state"]

    def find_all(self, *, dom_class: str | None = None, description: str | None = None,
                 model: str | None = None, where: Callable[[dict], bool] | None = None) -> list[str]:
        out = []
        for mid, st in self.widgets().items():
            if dom_class is not None and dom_class not in (st.get("_dom_classes") or ()):
                continue
            if description is not None and st.get("description") != description:
                continue
            if model is not None and st.get("_model_name") != model:
                continue
            if where is not None and not where(st):
                continue
            out.append(mid)
        return out

    def find(self, **criteria) -> str:
        """The one widget matching (dom_class= / description= / model= / where=); error if 0 or many."""
        found = self.find_all(**criteria)
        if len(found) != 1:
            raise KernelChannelError(f"{len(found)} widgets match {criteria}")
        return found[0]

    def text(self, model_id: str) -> str:
        """What a reader sees of an HTML/Label widget (tags stripped, entities decoded)."""
        value = str(self.state(model_id).get("value", ""))
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", value))

    # --- acting ----------------------------------------------------------------------------

    def set(self, model_id: str, *, wait: bool = True, **state: Any) -> None:
        """Send a state update as the browser would when a person edits the widget."""
        msg_id = self._send_comm(model_id, {"method": "update", "state": state, "buffer_paths": []})
        if wait:
            self.wait_idle(msg_id)

    def click(self, model_id: str, *, wait: bool = True) -> None:
        msg_id = self._send_comm(model_id, {"method": "custom", "content": {"event": "click"}})
        if wait:
            self.wait_idle(msg_id)

    def refresh(self) -> None:
        """Ask the kernel for the full state of every widget (the control comm's request_states)."""
        msg_id = self._send_comm(self._control_id, {"method": "request_states"})
        self.wait_idle(msg_id)

    def wait_idle(self, msg_id: str, timeout: float | None = None) -> None:
        """Until the kernel has finished handling the message (its status went idle for it)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while msg_id not in self._idle:
            self._receive(deadline)

    def wait_for(self, predicate: Callable[["KernelChannel"], bool], timeout: float = 10.0) -> None:
        """Until predicate(self) holds, reading kernel messages meanwhile (e.g. a delayed autosave)."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                raise TimeoutError("condition not met within %.1f s" % timeout)
            try:
                self._receive(min(deadline, time.monotonic() + 0.5))
            except TimeoutError:
                pass

    # --- wire -------------------------------------------------------------------------------

    def _open_control(self) -> None:
        self._send("comm_open", {"comm_id": self._control_id, "target_name": CONTROL_TARGET, "data": {}},
                   metadata={"version": "1.0.0"})

    def _send_comm(self, comm_id: str, data: dict) -> str:
        return self._send("comm_msg", {"comm_id": comm_id, "data": data})

    def _send(self, msg_type: str, content: dict, *, metadata: dict | None = None) -> str:
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "kernel-channel",
                       "session": self.session, "version": "5.3",
                       "date": datetime.now(timezone.utc).isoformat()},
            "parent_header": {}, "metadata": metadata or {}, "content": content,
            "channel": "shell", "buffers": [],
        }
        self.ws.send(json.dumps(msg))
        return msg_id

    def _receive(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the kernel in time")
        self.ws.settimeout(remaining)
        try:
            frame = self.ws.recv()
        except websocket.WebSocketTimeoutException as exc:
            raise TimeoutError("no answer from the kernel in time") from exc
        msg = _decode(frame)
        if msg is not None:
            self._handle(msg)

    def _handle(self, msg: dict) -> None:
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        content = msg.get("content", {})
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if kind == "status" and content.get("execution_state") == "idle" and parent:
            self._idle.add(parent)
        elif kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            data = content.get("data", {})
            self.models[content["comm_id"]] = {"state": dict(data.get("state", {}))}
        elif kind == "comm_close":
            self.closed_models.add(content.get("comm_id"))
        elif kind == "comm_msg":
            data = content.get("data", {})
            method = data.get("method")
            if method == "update_states":
                for mid, entry in data.get("states", {}).items():
                    self.models[mid] = {"state": dict(entry.get("state", {}))}
                    self.models[mid]["state"].setdefault("_model_name", entry.get("model_name"))
            elif method in ("update", "echo_update"):
                model = self.models.setdefault(content["comm_id"], {"state": {}})
                model["state"].update(data.get("state", {}))


def _decode(frame: str | bytes) -> dict | None:
    if isinstance(frame, str):
        return json.loads(frame)
    # Binary frame (legacy protocol): uint32 count, uint32 offsets, JSON message, then buffers.
    if len(frame) < 8:
        return None
    (n,) = struct.unpack("!I", frame[:4])
    offsets = struct.unpack(f"!{n}I", frame[4:4 + 4 * n])
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))
