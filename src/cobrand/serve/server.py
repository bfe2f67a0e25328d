"""DevServer: the rebuilder, the watcher, the event stream and the HTTP server, started and stopped together."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import secrets
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..models import Project
from ..roots import default_hub_dir
from . import pages
from .events import Broadcaster, Listener, sse_message
from .http import PreviewServer
from .pages import Listing, PartnerEntry, listing_of
from .rebuild import DEBOUNCE_SECONDS, BuildSettings, BuildState, Rebuilder, run_build
from .watch import Watcher


def default_out_dir(root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where ``cobrand serve`` builds a project when not told: a folder of the user's cache, kept between
    starts, so the next start serves the last output at once and rebuilds only what changed."""
    environ = os.environ if environ is None else environ
    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return cache / "cobrand" / "serve" / f"{root.name}-{name}"


# Ctrl-C reaches every process in the terminal's process group. While a dev server runs, processes forked
# by its builds (the build's worker pool) ignore SIGINT and take SIGTERM's default action, so only the
# server handles Ctrl-C: it stops them itself, without a traceback from each. Signal dispositions are per
# process, so this is process-wide; the hook is registered when the first server starts, not at import.
_running = 0
_fork_hook = threading.Lock()
_fork_hook_registered = False


def _after_fork_in_child() -> None:
    if _running:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _server_started() -> None:
    global _running, _fork_hook_registered
    with _fork_hook:
        if not _fork_hook_registered:
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_registered = True
        _running += 1


def _server_stopped() -> None:
    global _running
    with _fork_hook:
        _running -= 1


class DevServer:
    """A local preview of every partner's site that rebuilds and reloads on change.

    ``port=0`` picks a free port (read it from :attr:`port` after :meth:`start`).
    Without ``out_dir`` the server builds into a folder of the user's cache that is kept
    (:func:`default_out_dir`): a later start serves the previous output while it checks it.
    ``on_build`` is called (from the rebuild thread) with each :class:`BuildState`;
    ``on_change`` with the project-relative paths that triggered a rebuild, before it
    starts; ``before_build`` with the same paths (none for the first build) as any build starts.
    """

    def __init__(
        self,
        project_dir: Path | str = ".",
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        out_dir: Path | str | None = None,
        hub_dir: Path | str | None = None,
        pdfs: bool = True,
        images: bool = True,
        partners: tuple[str, ...] = (),
        jobs: int | None = None,
        debounce: float = DEBOUNCE_SECONDS,
        environ: Mapping[str, str] | None = None,
        toolbar: bool = True,
        on_build: Callable[[BuildState], None] | None = None,
        on_change: Callable[[tuple[str, ...]], None] | None = None,
        log_request: Callable[[str], None] | None = None,
        before_build: Callable[[tuple[str, ...]], None] | None = None,
        preview: frozenset[str] = frozenset(),
    ) -> None:
        self.root = Path(project_dir).resolve()
        self.host = host
        self._requested_port = port
        self.out: Path | None = Path(out_dir).resolve() if out_dir is not None else default_out_dir(self.root)
        # Hubs are served under /_hub/<slug>/ (serve/pages.py), built beside the sites unless told.
        self.hub: Path | None = Path(hub_dir).resolve() if hub_dir is not None else default_hub_dir(self.out)
        self.settings = BuildSettings(self.root, self.out, pdfs, images, tuple(partners), jobs, environ,
                                      frozenset(preview), self.hub)
        self.toolbar = toolbar
        self.on_build = on_build
        self.on_change = on_change
        self.log_request = log_request
        self.before_build = before_build

        self._session = secrets.token_hex(4)
        self._count = 0
        self._state: BuildState | None = None
        self._listing = Listing()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()  # one build at a time, whoever asks
        self._stopping = False
        self._stopped = threading.Event()
        self.events = Broadcaster()
        self.rebuilder = Rebuilder(self._build, debounce, self._before)
        self.watcher = Watcher(self.root, self.out, self.notify_change, self.hub)
        self._httpd: PreviewServer | None = None
        self._http_thread: threading.Thread | None = None
        self._children_before: set[int | None] = set()

    # --- lifecycle ------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when constructed with port 0)."""
        if self._httpd is None:
            return self._requested_port
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host = self.host
        if host in {"", "0.0.0.0", "::"}:
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def state(self) -> BuildState | None:
        """The latest finished build, or None before the first one completes."""
        with self._lock:
            return self._state

    def start(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """Bind the socket, start watching and the first build; with ``wait``, return after that build.

        Raises :class:`OSError` when the address is in use.
        """
        if self._httpd is not None:
            raise RuntimeError("the server is already started")
        self._httpd = PreviewServer(self.host, self._requested_port, self)
        _server_started()
        self._http_thread = threading.Thread(target=self._httpd.serve_forever, name="cobrand-http", daemon=True)
        self._http_thread.start()
        self.watcher.start()
        self.rebuilder.start()
        if wait:
            self.wait_for_first_build(timeout)

    def wait_for_first_build(self, timeout: float | None = None) -> BuildState | None:
        """Block until the first build has finished (good or bad)."""
        self.rebuilder.first_done.wait(timeout)
        return self.state

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called (Ctrl-C raises KeyboardInterrupt here)."""
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        """Stop watching, close every connection and the socket; the output folder is kept."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        self.events.close()
        self.watcher.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
        if not self.rebuilder.stop(timeout=1):
            # A build is running. Stop its worker processes (ours, started by the build's process pool)
            # instead of waiting for every partner: a killed build keeps the last good output, and the
            # interpreter could not exit before the pool finished.
            for child in multiprocessing.active_children():
                if child.pid not in self._children_before:
                    child.terminate()
            self.rebuilder.join(timeout=5)
        if self._httpd is not None:
            _server_stopped()
        self._stopped.set()

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- rebuilding -------------------------------------------------------------------

    def notify_change(self, paths: Iterable[str]) -> None:
        """Record changed project paths and schedule a (debounced) rebuild."""
        self.rebuilder.note(paths)

    def rebuild(self) -> BuildState:
        """Build now, in the calling thread, and notify browsers (for tests and tools)."""
        return self._build(())

    def is_relevant(self, path: str) -> str | None:
        """The project-relative path of a changed file if it can affect the build, else None."""
        return self.watcher.relevant(path)

    def _before(self, changed: tuple[str, ...]) -> None:
        if changed and self.on_change is not None:
            _call_quietly(self.on_change, changed)
        if self.before_build is not None:
            _call_quietly(self.before_build, changed)
        self.events.broadcast("building", {"changed": list(changed)})

    def _build(self, changed: tuple[str, ...]) -> BuildState:
        with self._build_lock:
            self._children_before = {child.pid for child in multiprocessing.active_children()}
            with self._lock:
                self._count += 1
                generation = f"{self._session}-{self._count}"
            state = run_build(self.settings, generation, changed, self._loaded)
            with self._lock:
                self._state = state
            self.watcher.refresh(self.listing().vendor_logo)
            self.events.broadcast("reload", state.to_dict())
            if self.on_build is not None and not self._stopping:
                _call_quietly(self.on_build, state)
            return state

    def _loaded(self, project: Project) -> None:
        """The build loaded ``project``: list its partners (and those it skipped) for the index."""
        listing = listing_of(project)
        with self._lock:
            self._listing = listing

    # --- what the HTTP handler asks for (see http.Site) --------------------------------------

    def listing(self) -> Listing:
        """Partners and site settings of the last project a build loaded."""
        with self._lock:
            return self._listing

    def subscribe(self) -> Listener:
        """A queue that receives every server-sent event (None when the server stops)."""
        return self.events.subscribe()

    def unsubscribe(self, listener: Listener) -> None:
        """Stop sending events to ``listener``."""
        self.events.unsubscribe(listener)

    def hello_message(self) -> str:
        """The first event a new listener gets: the current generation, so stale pages reload."""
        state = self.state
        return sse_message("hello", {"generation": state.generation if state else "",
                                     "building": self.rebuilder.busy})

    def log(self, line: str) -> None:
        """Report one request to ``log_request``."""
        if self.log_request is not None:
            _call_quietly(self.log_request, line)

    def partner_built(self, slug: str) -> bool:
        """True when the partner's site is in the output folder."""
        return self.out is not None and (self.out / slug / "index.html").is_file()

    def decorate(self, document: bytes, *, slug: str | None = None, page_path: str = "", hub: bool = False) -> bytes:
        """Inject the live-reload script, the error overlay and the partner toolbar into an HTML response
        (``hub``: a page of the partner's hub)."""
        state = self.state
        parts = [pages.live_reload_script(state.generation if state else "")]
        if state is not None and state.problems:
            parts.append(pages.error_overlay(state.problems, self.root))
        if slug is not None and self.toolbar:
            parts.append(pages.toolbar(self.listing(), slug, page_path, state, hub=hub))
        return pages.inject(document, "".join(parts).encode("utf-8"))

    def index_page(self) -> bytes:
        """The dev server's home: every partner with tier, a link to its site, and the build status."""
        page = pages.index_page(self.listing(), self.state, self.root, self.partner_built)
        return self.decorate(page.encode("utf-8"))

    def not_found_page(self, path: str) -> bytes:
        """The dev server's own 404, for paths outside any partner's site."""
        return self.decorate(pages.not_found_page(self.listing(), path).encode("utf-8"))

    def waiting_page(self, path: str) -> bytes:
        """What a request gets while the first build runs: it reloads when the build is done."""
        return self.decorate(pages.waiting_page(path).encode("utf-8"))

    def preview_rewrite(self, document: bytes, slug: str) -> bytes:
        """Point the partner's absolute site URLs at the preview (the 404 page links absolutely)."""
        return pages.preview_rewrite(document, self.listing().base_url, slug)


def _call_quietly(callback: Callable[..., object], *args: object) -> None:
    """Run a user callback; its failure must not stop the server."""
    try:
        callback(*args)
    except Exception:
        traceback.print_exc()


__all__ = ["DevServer", "PartnerEntry", "default_out_dir"]
