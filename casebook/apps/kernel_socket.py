"""The public pages' kernel websocket: only the messages a published page itself sends.

Voila already drops everything but comm and info messages (RECIPES.md). What is left lets a client
open widget models of its own (`comm_open`) with values of any size: 100 models of 9 MB took one
kernel from 126 MB to 1.1 GB. An ipywidgets 8 page opens one comm itself, for the
`jupyter.widget.control` target, on every (re)connect; every other model is made by the kernel.
So a connection may open `MAX_CONTROL_OPENS` control comms and nothing else; the rest is dropped
with one log line per connection (not per message: a flood must not flood the log too).

Used through Jupyter Server's `kernel_websocket_connection_class` by casebook.apps.public_server;
the size of any one message is capped by tornado's `websocket_max_message_size` there.
"""

from __future__ import annotations

import json

from jupyter_server.services.kernels.connection.base import (deserialize_binary_message,
                                                             deserialize_msg_from_ws_v1)
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

ALLOWED_COMM_TARGETS = frozenset({"jupyter.widget.control"})
MAX_CONTROL_OPENS = 4      # a page reconnecting a few times; a script asking more gets nothing


def comm_open_target(incoming, v1: bool, session) -> tuple[str | None, str | None]:
    """(msg_type, comm target or None) of a websocket frame, or (None, None) if it cannot be read."""
    try:
        if v1:
            _channel, parts = deserialize_msg_from_ws_v1(incoming)
            header = session.unpack(parts[0])
            content = session.unpack(parts[3]) if header.get("msg_type") == "comm_open" else {}
        else:
            msg = deserialize_binary_message(incoming) if isinstance(incoming, bytes) else json.loads(incoming)
            header, content = msg.get("header") or {}, msg.get("content") or {}
        msg_type = header.get("msg_type")
        return msg_type, (content.get("target_name") if msg_type == "comm_open" else None)
    except Exception:   # anything unreadable is the parent's to refuse
        return None, None


class PublicKernelConnection(ZMQChannelsWebsocketConnection):
    """Drops client `comm_open` beyond what a published page sends."""

    _opens = 0
    _warned = False

    def handle_incoming_message(self, incoming_msg) -> None:
        if (b"comm_open" if isinstance(incoming_msg, bytes) else "comm_open") not in incoming_msg:
            return super().handle_incoming_message(incoming_msg)   # the common case: no second parse
        v1 = self.subprotocol == "v1.kernel.websocket.jupyter.org"
        msg_type, target = comm_open_target(incoming_msg, v1, self.session)
        if msg_type == "comm_open":
            self._opens += 1
            if target not in ALLOWED_COMM_TARGETS or self._opens > MAX_CONTROL_OPENS:
                if not self._warned:
                    self._warned = True
                    self.log.warning("Dropping client comm_open (target %r, #%d) on kernel %s; further ones "
                                     "on this connection are dropped silently", target, self._opens, self.kernel_id)
                return
        super().handle_incoming_message(incoming_msg)
