"""HTTP: the dev server's request handler, serving partner folders, its own pages and the event stream.

The handler asks the :class:`Site` it serves for everything that is not a
file: the pages, the decoration of HTML responses, the event stream.
"""

from __future__ import annotations

import json
import mimetypes
import queue
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from .events import KEEPALIVE_SECONDS, Listener
from .pages import EVENTS_PATH, HUB_PREFIX, INTERNAL_PREFIX, REPORT_PATH, STATUS_PATH
from .rebuild import BuildState

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEXT_TYPES = ("text/", "application/xml", "application/json", "application/javascript", "image/svg+xml")
# Types the platform's table may lack or get wrong; looked up here, so nothing process-wide is changed.
_TYPES = {".svg": "image/svg+xml", ".xml": "application/xml", ".csv": "text/csv", ".js": "application/javascript",
          ".webp": "image/webp", ".html": "text/html", ".css": "text/css", ".json": "application/json"}
HTML = "text/html; charset=utf-8"


class Site(Protocol):
    """What the handler needs of the dev server."""

    out: Path | None
    hub: Path | None

    @property
    def state(self) -> BuildState | None: ...

    def index_page(self) -> bytes: ...

    def not_found_page(self, path: str) -> bytes: ...

    def waiting_page(self, path: str) -> bytes: ...

    def decorate(self, document: bytes, *, slug: str | None = None, page_path: str = "", hub: bool = False
                 ) -> bytes: ...

    def preview_rewrite(self, document: bytes, slug: str) -> bytes: ...

    def hello_message(self) -> str: ...

    def subscribe(self) -> Listener: ...

    def unsubscribe(self, listener: Listener) -> None: ...

    def log(self, line: str) -> None: ...


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server for one :class:`Site`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, site: Site) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.site = site
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a connection mid-response is normal; never print tracebacks for it.
        pass


def content_type(path: Path) -> str:
    """The Content-Type of a served file, with a charset for text."""
    kind = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith(_TEXT_TYPES):
        kind += "; charset=utf-8"
    return kind


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "cobrand-serve"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.site.log(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, *, head: bool) -> None:
        site = self.server.site
        split = urlsplit(self.path)
        path = unquote(split.path)
        try:
            if path == "/" or path == "/index.html":
                self._send(HTTPStatus.OK, HTML, site.index_page(), head)
            elif path == EVENTS_PATH:
                self._events()
            elif path == STATUS_PATH:
                state = site.state
                data = state.to_dict() if state else {"generation": "", "ok": None, "problems": []}
                self._send(HTTPStatus.OK, "application/json", json.dumps(data, indent=2).encode(), head)
            elif path == REPORT_PATH:
                self._file_or_404(site.out / "report.json" if site.out else None, "application/json", head)
            elif path.startswith(HUB_PREFIX):
                self._partner_file(path.removeprefix(HUB_PREFIX.rstrip("/")), split.query, head, hub=True)
            elif path.startswith(INTERNAL_PREFIX):
                self._send(HTTPStatus.NOT_FOUND, HTML, site.not_found_page(path), head)
            else:
                self._partner_file(path, split.query, head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _partner_file(self, path: str, query: str, head: bool, hub: bool = False) -> None:
        """A file of a partner's site (``/<slug>/...``) or, with ``hub``, of its hub (``/_hub/<slug>/...``)."""
        site = self.server.site
        root = site.hub if hub else site.out
        prefix = HUB_PREFIX.rstrip("/") if hub else ""
        segments = path.lstrip("/").split("/")
        slug = segments[0]
        if root is None or not _SLUG.match(slug) or not (root / slug).is_dir():
            self._missing(prefix + path, head)
            return
        folder = (root / slug).resolve()
        if len(segments) == 1:  # "/acme" -> "/acme/", so relative links resolve inside the site
            self._redirect(f"{prefix}/{quote(slug)}/" + (f"?{query}" if query else ""))
            return
        rest = segments[1:]
        if any(part in {"..", "."} or part.startswith(".") for part in rest if part):
            self._not_found(folder, slug, head, hub=hub)
            return
        relative = "/".join(rest)
        target = folder.joinpath(*[part for part in rest if part])
        if target.is_dir():
            if relative and not relative.endswith("/"):
                self._redirect(f"{prefix}/{quote(slug)}/{quote(relative)}/" + (f"?{query}" if query else ""))
                return
            target = target / "index.html"
            relative = relative + "index.html"
        try:
            resolved = target.resolve()
            if not resolved.is_relative_to(folder) or not resolved.is_file():
                raise FileNotFoundError(relative)
            data = resolved.read_bytes()
        except OSError:
            self._not_found(folder, slug, head, prefix + path, hub=hub)
            return
        kind = content_type(resolved)
        if kind.startswith("text/html"):
            data = site.decorate(data, slug=slug, page_path=relative, hub=hub)
        self._send(HTTPStatus.OK, kind, data, head)

    def _missing(self, path: str, head: bool) -> None:
        """Nothing is built at ``path``: while the first build runs it may yet be, so the page waits."""
        site = self.server.site
        if site.state is None:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, HTML, site.waiting_page(path), head, retry_after=1)
        else:
            self._send(HTTPStatus.NOT_FOUND, HTML, site.not_found_page(path), head)

    def _not_found(self, folder: Path, slug: str, head: bool, path: str = "", hub: bool = False) -> None:
        site = self.server.site
        if path and site.state is None:
            self._missing(path, head)  # the partner's folder is there, from an earlier start, and being rebuilt
            return
        try:
            page = (folder / "404.html").read_bytes()
        except OSError:
            self._missing(path or self.path, head)
            return
        if not hub:  # the hub's 404 links relatively: nothing absolute to point at the preview
            page = site.preview_rewrite(page, slug)
        page = site.decorate(page, slug=slug, page_path="", hub=hub)
        self._send(HTTPStatus.NOT_FOUND, HTML, page, head)

    def _file_or_404(self, path: Path | None, kind: str, head: bool) -> None:
        try:
            data = path.read_bytes() if path is not None else None
        except OSError:
            data = None
        if data is None:
            self._send(HTTPStatus.NOT_FOUND, HTML, self.server.site.not_found_page(self.path), head)
        else:
            self._send(HTTPStatus.OK, kind, data, head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool, retry_after: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        site = self.server.site
        listener = site.subscribe()
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
            self.wfile.write(("retry: 1000\n\n" + site.hello_message()).encode("utf-8"))
            self.wfile.flush()
            while True:
                try:
                    message = listener.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    message = ": keep-alive\n\n"
                if message is None:
                    break
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            pass
        finally:
            site.unsubscribe(listener)
            self.close_connection = True
