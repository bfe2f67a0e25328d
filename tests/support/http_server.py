"""The tests' one local HTTP server: Python's ``http.server`` on 127.0.0.1, in a thread, for a block.

Browser, Lighthouse and fetch tests open the output as a host would serve it, and hostile-input
tests need a server to see what a page or a renderer asks for. All of them use
:func:`local_http_server`; nothing here is a stand-in: a real socket, real HTTP, the standard
library's static file handler.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class LocalServer:
    """A running server: its address, and the path of every request it received, in order."""

    url: str  # http://127.0.0.1:<port>, no trailing slash
    port: int
    requests: list[str] = field(default_factory=list)


@contextmanager
def local_http_server(folder: Path | None = None, handler: type[BaseHTTPRequestHandler] | None = None
                      ) -> Iterator[LocalServer]:
    """Serve ``folder``'s files at ``http://127.0.0.1:<port>/`` (a free port) while the block runs.

    ``handler`` answers instead of the static file handler (a ``SimpleHTTPRequestHandler`` subclass
    still serves ``folder``). Requests are recorded in :attr:`LocalServer.requests` and not logged.
    """
    base = handler or SimpleHTTPRequestHandler
    if folder is None and handler is None:
        raise ValueError("give the folder to serve or a handler")
    received: list[str] = []

    class Handler(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if folder is not None and issubclass(base, SimpleHTTPRequestHandler):
                kwargs.setdefault("directory", str(folder))
            super().__init__(*args, **kwargs)

        def parse_request(self) -> bool:
            understood = super().parse_request()
            if understood:
                received.append(self.path)
            return bool(understood)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests assert on requests; the log would only bury pytest's output

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="test-http-server", daemon=True)
    thread.start()
    port = httpd.server_address[1]
    try:
        yield LocalServer(f"http://127.0.0.1:{port}", port, received)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
