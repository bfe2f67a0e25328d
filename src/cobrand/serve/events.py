"""Server-sent events: the browsers listening for builds, and the messages they get."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Mapping
from typing import Any

KEEPALIVE_SECONDS = 15.0

Listener = queue.SimpleQueue[str | None]  # messages for one browser; None ends its stream


def sse_message(event: str, data: Mapping[str, Any]) -> str:
    """One server-sent event."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n"


class Broadcaster:
    """The browsers listening to ``/__cobrand/events``; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[Listener] = set()
        self._closed = False

    def subscribe(self) -> Listener:
        """A queue that receives every event from now on (None once the server stops)."""
        listener: Listener = queue.SimpleQueue()
        with self._lock:
            self._listeners.add(listener)
            if self._closed:
                listener.put(None)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        """Stop sending to ``listener``."""
        with self._lock:
            self._listeners.discard(listener)

    def broadcast(self, event: str, data: Mapping[str, Any]) -> None:
        """Send one event to every listener."""
        message = sse_message(event, data)
        for listener in self._current():
            listener.put(message)

    def close(self) -> None:
        """End every stream, and the stream of anyone who subscribes later."""
        with self._lock:
            self._closed = True
        for listener in self._current():
            listener.put(None)

    def _current(self) -> list[Listener]:
        with self._lock:
            return list(self._listeners)
