"""``cobrand serve``: build, serve every partner's site locally, rebuild on change, reload the browser.

:class:`DevServer` is the library API; the CLI command is a thin layer over it.

* ``/`` lists every partner with its tier and a link to its site.
* ``/<slug>/...`` serves ``<out>/<slug>/...``; a folder serves its ``index.html``;
  a missing file serves that partner's ``404.html`` with status 404.
* ``content/``, ``partners/``, ``themes/``, ``cobrand.toml`` and the vendor logo
  are watched; a burst of saves causes one rebuild (debounced), and only one
  rebuild runs at a time.
* HTML responses get a small script injected on the fly (never into the built
  files) that listens to ``/__cobrand/events`` (server-sent events) and reloads
  the page after each rebuild.
* A broken edit never stops the server: the build keeps the last good output,
  which stays available, and every HTML page shows an overlay naming the file
  and line of each problem until a good save clears it.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import multiprocessing
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
import tomllib
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import build
from .errors import CobrandError, Problem, ProjectError
from .report import BuildReport

INTERNAL_PREFIX = "/__cobrand/"
EVENTS_PATH = INTERNAL_PREFIX + "events"
STATUS_PATH = INTERNAL_PREFIX + "status.json"
REPORT_PATH = INTERNAL_PREFIX + "report.json"
SCRIPT_ID = "cobrand-live-reload"
OVERLAY_ID = "cobrand-dev-overlay"
TOOLBAR_ID = "cobrand-dev-toolbar"
WATCHED_FOLDERS = ("content", "partners", "themes")
CONFIG_FILE = "cobrand.toml"
DEBOUNCE_SECONDS = 0.3
KEEPALIVE_SECONDS = 15.0
MAX_SWITCHER_PARTNERS = 300
MAX_OVERLAY_GROUPS = 25
# Event kinds that mean a file changed. Reads (opened, closed_no_write) are
# ignored: the build itself reads every watched file.
_CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})
_EDITOR_LITTER = re.compile(r"(^\.|~$|\.sw[a-p]$|\.tmp$|\.bak$|^4913$|^#.*#$)")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEXT_TYPES = ("text/", "application/xml", "application/json", "application/javascript", "image/svg+xml")

# Ctrl-C reaches every process in the terminal's process group. While a dev
# server runs, processes forked by its builds (the build's worker pool) ignore
# SIGINT and take SIGTERM's default action, so only the server handles Ctrl-C:
# it stops them itself, without a traceback from each. (Signal dispositions are
# per process, so this is necessarily process-wide; it applies only while a
# DevServer is started.)
_running_servers = 0


def _after_fork_in_child() -> None:
    if _running_servers:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


os.register_at_fork(after_in_child=_after_fork_in_child)

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/xml", ".xml")
mimetypes.add_type("text/csv", ".csv")
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("image/webp", ".webp")


@dataclass(frozen=True)
class BuildState:
    """The outcome of one dev-server build.

    ``generation`` changes with every build (it is unique per server run, so a
    page from an earlier run reloads too). ``problems`` are the errors that
    made the build fail; the previous good output is still being served.
    """

    generation: str
    ok: bool
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    seconds: float = 0.0
    finished_at: float = 0.0
    changed: tuple[str, ...] = ()
    report: BuildReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "finished_at": self.finished_at,
            "changed": list(self.changed),
            "problems": [dict(problem.to_dict(), text=str(problem)) for problem in self.problems],
            "warnings": [dict(problem.to_dict(), text=str(problem)) for problem in self.warnings],
            "partners_built": len(self.report.built) if self.report else 0,
        }


@dataclass(frozen=True)
class PartnerEntry:
    """What the partner index shows about one partner."""

    slug: str
    name: str
    tier: str = ""
    ecosystems: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    locale: str = ""


@dataclass
class _Listing:
    """Partners and site settings read after each build, for the index and the toolbar."""

    partners: list[PartnerEntry] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    base_url: str = ""
    title: str = ""
    vendor: str = ""


class DevServer:
    """A local preview of every partner's site that rebuilds and reloads on change.

    ``port=0`` picks a free port (read it from :attr:`port` after :meth:`start`).
    Without ``out_dir`` the server builds into a temporary folder that
    :meth:`stop` removes. ``on_build`` is called (from the rebuild thread) with
    each :class:`BuildState`; ``on_change`` with the project-relative paths
    that triggered a rebuild, before it starts.
    """

    def __init__(
        self,
        project_dir: Path | str = ".",
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        out_dir: Path | str | None = None,
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
    ) -> None:
        self.root = Path(project_dir).resolve()
        self.host = host
        self._requested_port = port
        self._own_out = out_dir is None
        self.out = Path(out_dir).resolve() if out_dir is not None else None
        self.pdfs = pdfs
        self.images = images
        self.partners = tuple(partners)
        self.jobs = jobs
        self.debounce = debounce
        self.environ = environ
        self.toolbar = toolbar
        self.on_build = on_build
        self.on_change = on_change
        self.log_request = log_request

        self._session = secrets.token_hex(4)
        self._count = 0
        self._state: BuildState | None = None
        self._listing = _Listing()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()  # one build at a time, whoever asks
        self._wake = threading.Condition(self._lock)
        self._pending = False
        self._building = False
        self._changed: set[str] = set()
        self._last_event = 0.0
        self._stopping = False
        self._stopped = threading.Event()
        self._first_build = threading.Event()
        self._clients: set[queue.SimpleQueue[str | None]] = set()
        self._httpd: _HTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._observer: Any = None
        self._watches: dict[str, Any] = {}
        self._released = False
        self._children_before: set[int | None] = set()
        self._logo_folder: Path | None = None

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
        global _running_servers
        self._httpd = _HTTPServer(self.host, self._requested_port, self)
        _running_servers += 1
        if self.out is None:
            self.out = Path(tempfile.mkdtemp(prefix="cobrand-serve-"))
        self._http_thread = threading.Thread(target=self._httpd.serve_forever, name="cobrand-http", daemon=True)
        self._http_thread.start()
        self._observer = Observer()
        self._observer.daemon = True
        self._refresh_watches()
        self._observer.start()
        with self._wake:
            self._pending = True
            self._last_event = 0.0
        self._worker = threading.Thread(target=self._rebuild_loop, name="cobrand-rebuild", daemon=True)
        self._worker.start()
        if wait:
            self.wait_for_first_build(timeout)

    def wait_for_first_build(self, timeout: float | None = None) -> BuildState | None:
        """Block until the first build has finished (good or bad)."""
        self._first_build.wait(timeout)
        return self.state

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called (Ctrl-C raises KeyboardInterrupt here)."""
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        """Stop watching, close every connection and the socket; remove a temporary output folder."""
        with self._wake:
            if self._stopping:
                return
            self._stopping = True
            self._wake.notify_all()
        if self._observer is not None:
            self._observer.stop()
        for client in self._subscribers():
            client.put(None)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._observer is not None:
            self._observer.join(timeout=5)
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
        if self._worker is not None:
            self._worker.join(timeout=1)
            if self._worker.is_alive():
                # A build is running. Stop its worker processes (ours, started by the build's
                # process pool) instead of waiting for every partner: a killed build keeps the
                # last good output, and the interpreter could not exit before the pool finished.
                for child in multiprocessing.active_children():
                    if child.pid not in self._children_before:
                        child.terminate()
                self._worker.join(timeout=5)
        if self._own_out and self.out is not None:
            shutil.rmtree(self.out, ignore_errors=True)
        self._release()
        self._stopped.set()

    def _release(self) -> None:
        global _running_servers
        if self._httpd is not None and not self._released:
            self._released = True
            _running_servers -= 1

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- rebuilding -------------------------------------------------------------------

    def notify_change(self, paths: Iterable[str]) -> None:
        """Record changed project paths and schedule a (debounced) rebuild."""
        with self._wake:
            self._changed.update(paths)
            self._pending = True
            self._last_event = time.monotonic()
            self._wake.notify_all()

    def rebuild(self) -> BuildState:
        """Build now, in the calling thread, and notify browsers (for tests and tools)."""
        return self._build(())

    def _rebuild_loop(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                # Debounce: wait until no change has arrived for `debounce` seconds.
                while not self._stopping:
                    quiet_for = time.monotonic() - self._last_event
                    if quiet_for >= self.debounce:
                        break
                    self._wake.wait(self.debounce - quiet_for)
                if self._stopping:
                    return
                changed = tuple(sorted(self._changed))
                self._changed.clear()
                self._pending = False
                self._building = True
            try:
                if changed and self.on_change is not None:
                    _call_quietly(self.on_change, changed)
                self._broadcast("building", {"changed": list(changed)})
                self._build(changed)
            except Exception:  # a bug here must not end live reload for the session
                traceback.print_exc()
            finally:
                with self._wake:
                    self._building = False
                self._first_build.set()

    def _build(self, changed: tuple[str, ...]) -> BuildState:
        with self._build_lock:
            return self._build_locked(changed)

    def _build_locked(self, changed: tuple[str, ...]) -> BuildState:
        if self.out is None:
            raise RuntimeError("start() the server before building")
        self._children_before = {child.pid for child in multiprocessing.active_children()}
        start = time.perf_counter()
        report: BuildReport | None = None
        warnings: tuple[Problem, ...] = ()
        try:
            report = build(self.root, out_dir=self.out, partners=self.partners, pdfs=self.pdfs,
                           images=self.images, jobs=self.jobs, environ=self.environ)
            problems = tuple(report.failures)
            warnings = tuple(report.all_warnings)
        except ProjectError as error:
            problems = tuple(error.problems)
        except CobrandError as error:
            problems = (Problem("cobrand", str(error)),)
        except Exception as error:  # the server must outlive any build failure
            detail = "".join(traceback.format_exception_only(error)).strip()
            problems = (Problem("cobrand", f"unexpected error while building: {detail}"),)
        except KeyboardInterrupt:  # Ctrl-C reached the build's worker processes
            problems = (Problem("cobrand", "the build was interrupted"),)
        with self._lock:
            self._count += 1
            generation = f"{self._session}-{self._count}"
        state = BuildState(generation=generation, ok=not problems, problems=problems, warnings=warnings,
                           seconds=time.perf_counter() - start, finished_at=time.time(), changed=changed,
                           report=report)
        listing = self._read_listing()
        with self._lock:
            self._state = state
            if listing is not None:
                self._listing = listing
        self._refresh_watches()
        self._broadcast("reload", state.to_dict())
        if self.on_build is not None and not self._stopping:
            _call_quietly(self.on_build, state)
        return state

    def _read_listing(self) -> _Listing | None:
        """Partners, tiers and site settings for the index page; None keeps the previous ones."""
        try:
            config = tomllib.loads((self.root / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            config = {}
        partners: list[PartnerEntry] = []
        folder = self.root / "partners"
        if folder.is_dir():
            for entry in sorted(folder.iterdir()):
                if entry.name.startswith(".") or not (entry / "partner.toml").is_file():
                    continue
                try:
                    data = tomllib.loads((entry / "partner.toml").read_text(encoding="utf-8"))
                except (OSError, ValueError, UnicodeDecodeError, RecursionError):  # the build reports them
                    data = {}
                partners.append(PartnerEntry(
                    slug=entry.name, name=str(data.get("name") or entry.name), tier=str(data.get("tier", "")),
                    ecosystems=tuple(map(str, data.get("ecosystems") or ())),
                    regions=tuple(map(str, data.get("regions") or ())), locale=str(data.get("locale", "en-US"))))
        site, tiers, vendor = (_table(config, name) for name in ("site", "tiers", "vendor"))
        return _Listing(partners=partners, tiers=[str(t) for t in tiers.get("order", [])],
                        base_url=str(site.get("base_url", "")), title=str(site.get("title", "")),
                        vendor=str(vendor.get("name", "")))

    # --- watching ------------------------------------------------------------------

    def _watch_targets(self) -> dict[str, bool]:
        """Folders to watch (path -> recursive)."""
        targets = {str(self.root): False}
        for name in WATCHED_FOLDERS:
            if (self.root / name).is_dir():
                targets[str(self.root / name)] = True
        self._logo_folder = self._vendor_logo_folder()
        if self._logo_folder is not None and self._logo_folder.is_dir():
            targets.setdefault(str(self._logo_folder), False)
        return targets

    def _vendor_logo_folder(self) -> Path | None:
        try:
            config = tomllib.loads((self.root / CONFIG_FILE).read_text(encoding="utf-8"))
            logo = config["vendor"]["logo"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None
        if not isinstance(logo, str):
            return None
        folder = (self.root / logo).parent.resolve()
        return folder if folder.is_relative_to(self.root) else None

    def _refresh_watches(self) -> None:
        """Watch folders that appeared since the last build (content/ created later, a new logo folder)."""
        observer = self._observer
        if observer is None or self._stopping:
            return
        for path, watch in list(self._watches.items()):
            if not Path(path).is_dir():  # deleted: watch it again if it comes back
                with contextlib.suppress(KeyError, OSError):
                    observer.unschedule(watch)
                del self._watches[path]
        for path, recursive in self._watch_targets().items():
            if path in self._watches:
                continue
            try:
                self._watches[path] = observer.schedule(_ChangeHandler(self), path, recursive=recursive)
            except OSError:
                continue

    def is_relevant(self, path: str) -> str | None:
        """The project-relative path of a changed file if it can affect the build, else None."""
        try:
            absolute = Path(path).resolve() if not os.path.isabs(path) else Path(os.path.normpath(path))
            relative = absolute.relative_to(self.root)
        except ValueError:
            return None
        if self.out is not None and absolute.is_relative_to(self.out):
            return None
        parts = relative.parts
        if not parts or _EDITOR_LITTER.search(parts[-1]) or any(part.startswith(".") for part in parts):
            return None
        if parts[0] in WATCHED_FOLDERS or relative.as_posix() == CONFIG_FILE:
            return relative.as_posix()
        if self._logo_folder is not None and absolute.parent == self._logo_folder:
            return relative.as_posix()
        return None

    # --- browser notifications ------------------------------------------------------

    def subscribe(self) -> queue.SimpleQueue[str | None]:
        """A queue that receives every server-sent event (None when the server stops)."""
        client: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        with self._lock:
            self._clients.add(client)
            if self._stopping:
                client.put(None)
        return client

    def unsubscribe(self, client: queue.SimpleQueue[str | None]) -> None:
        with self._lock:
            self._clients.discard(client)

    def _subscribers(self) -> list[queue.SimpleQueue[str | None]]:
        with self._lock:
            return list(self._clients)

    def _broadcast(self, event: str, data: Mapping[str, Any]) -> None:
        message = sse_message(event, data)
        for client in self._subscribers():
            client.put(message)

    def hello_message(self) -> str:
        """The first event a new listener gets: the current generation, so stale pages reload."""
        state = self.state
        with self._lock:
            building = self._building or self._pending
        return sse_message("hello", {"generation": state.generation if state else "", "building": building})

    # --- pages --------------------------------------------------------------------------

    def listing(self) -> _Listing:
        with self._lock:
            return self._listing

    def partner_built(self, slug: str) -> bool:
        return self.out is not None and (self.out / slug / "index.html").is_file()

    def decorate(self, document: bytes, *, slug: str | None = None, page_path: str = "") -> bytes:
        """Inject the live-reload script, the error overlay and the partner toolbar into an HTML response."""
        state = self.state
        parts = [live_reload_script(state.generation if state else "")]
        if state is not None and state.problems:
            parts.append(error_overlay(state.problems, self.root))
        if slug is not None and self.toolbar:
            parts.append(self._toolbar(slug, page_path, state))
        return inject(document, "".join(parts).encode("utf-8"))

    def _toolbar(self, slug: str, page_path: str, state: BuildState | None) -> str:
        listing = self.listing()
        current = next((p for p in listing.partners if p.slug == slug), PartnerEntry(slug, slug))
        options = ""
        if len(listing.partners) <= MAX_SWITCHER_PARTNERS:
            options = "".join(
                f'<option value="{html.escape(p.slug)}"{" selected" if p.slug == slug else ""}>'
                f"{html.escape(p.name)}{f' ({html.escape(p.tier)})' if p.tier else ''}</option>"
                for p in listing.partners)
        switcher = (f'<label style="display:inline-flex;gap:.4em;align-items:center">Partner '
                    f'<select data-path="{html.escape(page_path)}" style="font:inherit;max-width:16em" '
                    f'onchange="location.href=\'/\'+this.value+\'/\'+this.dataset.path">{options}</select></label>'
                    if options else f"<strong>{html.escape(current.name)}</strong>")
        if state is None:
            status = '<span data-cobrand-status title="First build running">building…</span>'
        elif state.problems:
            count = len(state.problems)
            status = (f'<a data-cobrand-status href="#{OVERLAY_ID}" style="color:#ffb4a8" '
                      f"onclick=\"var o=document.getElementById('{OVERLAY_ID}');if(o){{o.hidden=false}};"
                      f'return false">✗ {count} problem{"s" if count != 1 else ""}</a>')
        else:
            finished = time.strftime("%H:%M:%S", time.localtime(state.finished_at))
            status = f'<span data-cobrand-status title="Last build {finished}">✓ built</span>'
        return (
            f'<div id="{TOOLBAR_ID}" role="region" aria-label="cobrand preview" style="position:fixed;right:12px;'
            "bottom:12px;z-index:2147483646;display:flex;gap:.8em;align-items:center;padding:.45em .8em;"
            "background:#1d2330;color:#f4f6fa;font:13px/1.4 system-ui,sans-serif;border-radius:8px;"
            'box-shadow:0 4px 18px rgba(0,0,0,.3)">'
            '<a href="/" style="color:#9cc3ff">All partners</a>'
            f"{switcher}{status}"
            '<button type="button" aria-label="Hide the preview toolbar" style="all:unset;cursor:pointer;'
            "padding:0 .2em\" onclick=\"this.parentNode.remove()\">&times;</button></div>"
        )

    def index_page(self) -> bytes:
        """The dev server's home: every partner with tier, a link to its site, and the build status."""
        listing = self.listing()
        state = self.state
        rows = []
        for partner in listing.partners:
            built = self.partner_built(partner.slug)
            link = (f'<a href="/{quote(partner.slug)}/">{html.escape(partner.name)}</a>' if built
                    else f'{html.escape(partner.name)} <small class="muted">(not built)</small>')
            kit = f'<a href="/{quote(partner.slug)}/kit.html">kit</a>' if built else ""
            words = [partner.slug, partner.name, partner.tier, *partner.ecosystems, *partner.regions]
            rows.append(
                f'<tr data-search="{html.escape(" ".join(words).lower())}">'
                f"<td>{link}</td><td><code>{html.escape(partner.slug)}</code></td>"
                f'<td><span class="tier">{html.escape(partner.tier)}</span></td>'
                f"<td>{html.escape(', '.join(partner.ecosystems)) or '<span class=muted>any</span>'}</td>"
                f"<td>{html.escape(', '.join(partner.regions)) or '<span class=muted>any</span>'}</td>"
                f"<td>{html.escape(partner.locale)}</td><td>{kit}</td></tr>")
        if state is None:
            status = '<p class="status">First build in progress… this page reloads when it is done.</p>'
        elif state.problems:
            noun = "problem" if len(state.problems) == 1 else "problems"
            status = (f'<p class="status bad">The last build failed with {len(state.problems)} {noun}; '
                      "the sites below are the last good build.</p>")
        else:
            current = sum(1 for r in state.report.partners if r.status != "failed") if state.report else 0
            warned = f", {len(state.warnings)} warning(s)" if state.warnings else ""
            status = (f'<p class="status good">{current} partner site(s) up to date; '
                      f"built in {state.seconds:.1f}s at "
                      f"{time.strftime('%H:%M:%S', time.localtime(state.finished_at))}{warned}.</p>")
        warnings = ""
        if state is not None and state.warnings:
            items = "".join(f"<li><code>{html.escape(str(w))}</code></li>" for w in state.warnings[:50])
            warnings = f"<details><summary>Warnings ({len(state.warnings)})</summary><ul>{items}</ul></details>"
        tiers = f" · tiers, lowest first: {html.escape(', '.join(listing.tiers))}" if listing.tiers else ""
        title = html.escape(listing.title or "Partner sites")
        vendor = html.escape(listing.vendor)
        empty = '<tr><td colspan="7">No partners yet: add partners/&lt;slug&gt;/partner.toml</td></tr>'
        body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · cobrand preview</title>
<style>
body{{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}}
main{{max-width:72rem;margin:0 auto;padding:2rem 1.25rem}}
h1{{margin:0 0 .25rem;font-size:1.6rem}} .muted{{color:#6b7280}}
.status{{padding:.6rem .9rem;border-radius:6px;background:#e8edf5}} .good{{background:#e3f4e8}}
.bad{{background:#fde8e6}} input{{font:inherit;padding:.4rem .6rem;width:min(24rem,100%);margin:.75rem 0}}
table{{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.08)}}
th,td{{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #e5e7eb}}
th{{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#4b5563}}
.tier{{display:inline-block;padding:0 .5rem;border-radius:999px;background:#eef2ff;color:#3730a3;font-size:.85rem}}
a{{color:#1d4ed8}}
</style></head>
<body><main>
<h1>{title}</h1>
<p class="muted">{vendor + " · " if vendor else ""}{len(listing.partners)} partner(s){tiers}
 · project <code>{html.escape(str(self.root))}</code></p>
{status}{warnings}
<label>Filter <input type="search" id="filter" placeholder="name, slug, tier, ecosystem or region" autofocus></label>
<table><thead><tr><th>Partner</th><th>Slug</th><th>Tier</th><th>Ecosystems</th><th>Regions</th><th>Locale</th><th>Kit</th></tr></thead>
<tbody>{"".join(rows) or empty}</tbody></table>
</main>
<script>
document.getElementById("filter").addEventListener("input", function (e) {{
  var q = e.target.value.trim().toLowerCase();
  document.querySelectorAll("tbody tr[data-search]").forEach(function (row) {{
    row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) === -1;
  }});
}});
</script>
</body></html>
"""
        return self.decorate(body.encode("utf-8"))

    def not_found_page(self, path: str) -> bytes:
        """The dev server's own 404, for paths outside any partner's site."""
        listing = self.listing()
        links = "".join(f'<li><a href="/{quote(p.slug)}/">{html.escape(p.name)}</a></li>'
                        for p in listing.partners[:MAX_SWITCHER_PARTNERS])
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · cobrand preview'
                f'</title></head><body style="font:15px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto">'
                f"<h1>Not found</h1><p><code>{html.escape(path)}</code> is not part of any partner's site.</p>"
                f'<p><a href="/">All partners</a></p><ul>{links}</ul></body></html>')
        return self.decorate(body.encode("utf-8"))

    def preview_rewrite(self, document: bytes, slug: str) -> bytes:
        """Point the partner's absolute site URLs at the preview (the 404 page links absolutely)."""
        base = self.listing().base_url
        if "{partner}" not in base:
            return document
        absolute = base.replace("{partner}", slug).encode("utf-8")
        return document.replace(absolute, f"/{slug}/".encode())


# --- HTTP -------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, dev: DevServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.dev = dev
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a connection mid-response is normal; never print tracebacks for it.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "cobrand-serve"

    def log_message(self, format: str, *args: Any) -> None:
        callback = self.server.dev.log_request
        if callback is not None:
            _call_quietly(callback, f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, *, head: bool) -> None:
        dev = self.server.dev
        split = urlsplit(self.path)
        path = unquote(split.path)
        try:
            if path == "/" or path == "/index.html":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", dev.index_page(), head)
            elif path == EVENTS_PATH:
                self._events()
            elif path == STATUS_PATH:
                state = dev.state
                data = state.to_dict() if state else {"generation": "", "ok": None, "problems": []}
                self._send(HTTPStatus.OK, "application/json", json.dumps(data, indent=2).encode(), head)
            elif path == REPORT_PATH:
                self._file_or_404(dev.out / "report.json" if dev.out else None, "application/json", head)
            elif path.startswith(INTERNAL_PREFIX):
                self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", dev.not_found_page(path), head)
            else:
                self._partner_file(path, split.query, head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _partner_file(self, path: str, query: str, head: bool) -> None:
        dev = self.server.dev
        segments = path.lstrip("/").split("/")
        slug = segments[0]
        if dev.out is None or not _SLUG.match(slug) or not (dev.out / slug).is_dir():
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", dev.not_found_page(path), head)
            return
        site = (dev.out / slug).resolve()
        if len(segments) == 1:  # "/acme" -> "/acme/", so relative links resolve inside the site
            self._redirect(f"/{quote(slug)}/" + (f"?{query}" if query else ""))
            return
        rest = segments[1:]
        if any(part in {"..", "."} or part.startswith(".") for part in rest if part):
            self._not_found(site, slug, head)
            return
        relative = "/".join(rest)
        target = site.joinpath(*[part for part in rest if part])
        if target.is_dir():
            if relative and not relative.endswith("/"):
                self._redirect(f"/{quote(slug)}/{quote(relative)}/" + (f"?{query}" if query else ""))
                return
            target = target / "index.html"
            relative = relative + "index.html"
        try:
            resolved = target.resolve()
            if not resolved.is_relative_to(site) or not resolved.is_file():
                raise FileNotFoundError(relative)
            data = resolved.read_bytes()
        except OSError:
            self._not_found(site, slug, head)
            return
        content_type = _content_type(resolved)
        if content_type.startswith("text/html"):
            data = dev.decorate(data, slug=slug, page_path=relative)
        self._send(HTTPStatus.OK, content_type, data, head)

    def _not_found(self, site: Path, slug: str, head: bool) -> None:
        dev = self.server.dev
        try:
            page = (site / "404.html").read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", dev.not_found_page(self.path), head)
            return
        page = dev.decorate(dev.preview_rewrite(page, slug), slug=slug, page_path="")
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", page, head)

    def _file_or_404(self, path: Path | None, content_type: str, head: bool) -> None:
        try:
            data = path.read_bytes() if path is not None else None
        except OSError:
            data = None
        if data is None:
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8",
                       self.server.dev.not_found_page(self.path), head)
        else:
            self._send(HTTPStatus.OK, content_type, data, head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send(self, status: HTTPStatus, content_type: str, data: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        dev = self.server.dev
        client = dev.subscribe()
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
            self.wfile.write(("retry: 1000\n\n" + dev.hello_message()).encode("utf-8"))
            self.wfile.flush()
            while True:
                try:
                    message = client.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    message = ": keep-alive\n\n"
                if message is None:
                    break
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            pass
        finally:
            dev.unsubscribe(client)
            self.close_connection = True


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, dev: DevServer) -> None:
        self.dev = dev

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's own timestamp (its files report themselves)
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        relevant = [rel for path in paths if path
                    for rel in [self.dev.is_relevant(os.fsdecode(path))] if rel is not None]
        if relevant:
            self.dev.notify_change(relevant)


# --- HTML helpers -----------------------------------------------------------------------------


def sse_message(event: str, data: Mapping[str, Any]) -> str:
    """One server-sent event."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n"


def live_reload_script(generation: str) -> str:
    """The script injected into every HTML response: reload when a newer build is announced."""
    return (
        f'<script id="{SCRIPT_ID}">(function(){{"use strict";var g={json.dumps(generation)};'
        f'if(!window.EventSource)return;var s=new EventSource("{EVENTS_PATH}");'
        'function check(e){try{var d=JSON.parse(e.data);if(d.generation&&d.generation!==g){s.close();'
        "location.reload();}}catch(x){}}"
        's.addEventListener("hello",check);s.addEventListener("reload",check);'
        's.addEventListener("building",function(){document.documentElement.setAttribute('
        '"data-cobrand-building","");var t=document.querySelector("[data-cobrand-status]");'
        'if(t){t.textContent="rebuilding…";}});'
        'window.addEventListener("pagehide",function(){s.close();});})();</script>'
    )


def error_overlay(problems: Iterable[Problem], root: Path) -> str:
    """A full-window panel naming each problem's file and line, with the lines around it."""
    groups: dict[tuple[str, int | None, str | None], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.line, problem.field), []).append(problem)
    total = sum(len(group) for group in groups.values())
    items = []
    for (file, line, _), group in list(groups.items())[:MAX_OVERLAY_GROUPS]:
        first = group[0]
        more = ""
        if len(group) > 1:
            more = f'<p style="margin:.3em 0 0;color:#c9ced8">…and {len(group) - 1} more like it</p>'
        excerpt = _excerpt(root, file, line)
        items.append(
            '<li style="margin:0 0 1.2em;padding:0;list-style:none">'
            '<code style="display:block;color:#ffb4a8;font-weight:700;white-space:pre-wrap">'
            f"{html.escape(str(first))}</code>"
            f"{excerpt}{more}</li>")
    hidden = len(groups) - MAX_OVERLAY_GROUPS
    if hidden > 0:
        items.append(f"<li style=\"list-style:none\">…and {hidden} more files</li>")
    noun = "problem" if total == 1 else "problems"
    return (
        f'<div id="{OVERLAY_ID}" role="alertdialog" aria-modal="true" aria-labelledby="{OVERLAY_ID}-title" '
        'style="position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(18,21,28,.94);'
        'color:#f4f6fa;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:2rem">'
        '<div style="max-width:60rem;margin:0 auto">'
        f'<h2 id="{OVERLAY_ID}-title" style="font:700 1.3rem/1.3 system-ui,sans-serif;margin:0 0 .4em;'
        f'color:#ff8a7a">Build failed: {total} {noun}</h2>'
        '<p style="font-family:system-ui,sans-serif;margin:0 0 1.5em;color:#c9ced8">You are looking at the last '
        "good build. Fix the file below and save: this page reloads by itself.</p>"
        f'<ul style="margin:0;padding:0">{"".join(items)}</ul>'
        f'<button type="button" onclick="document.getElementById(\'{OVERLAY_ID}\').hidden=true" '
        'style="font:inherit;margin-top:1em;padding:.4em 1em;cursor:pointer">Hide until the next build</button>'
        "</div></div>"
    )


def _excerpt(root: Path, file: str, line: int | None, context: int = 2) -> str:
    if line is None:
        return ""
    path = Path(file) if os.path.isabs(file) else root / file
    try:
        resolved = path.resolve()
        allowed = (root, Path(__file__).resolve().parent)
        if not any(resolved.is_relative_to(base) for base in allowed):
            return ""
        lines = resolved.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    if not 1 <= line <= len(lines) + 1:
        return ""
    start, end = max(1, line - context), min(len(lines), line + context)
    rows = []
    for number in range(start, end + 1):
        marker = number == line
        style = "background:#4a1f1f;" if marker else ""
        rows.append(f'<span style="display:block;{style}"><span style="color:#7d8592;user-select:none">'
                    f'{"&gt;" if marker else " "}{number:>5} | </span>{html.escape(lines[number - 1])}</span>')
    return ('<pre style="margin:.4em 0 0;padding:.6em;background:#0b0d12;border-radius:6px;overflow:auto">'
            + "".join(rows) + "</pre>")


def inject(document: bytes, snippet: bytes) -> bytes:
    """Insert ``snippet`` before the last ``</body>`` (or append it when there is none)."""
    position = document.lower().rfind(b"</body>")
    if position == -1:
        return document + snippet
    return document[:position] + snippet + document[position:]


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith(_TEXT_TYPES):
        kind += "; charset=utf-8"
    return kind


def _call_quietly(callback: Callable[..., Any], *args: Any) -> None:
    """Run a user callback; its failure must not stop the server."""
    try:
        callback(*args)
    except Exception:
        traceback.print_exc()


def describe_build(state: BuildState) -> list[str]:
    """Lines for a terminal about one dev-server build."""
    if state.ok:
        report = state.report
        built = len([r for r in report.partners if r.status == "built"]) if report else 0
        reused = len([r for r in report.partners if r.status == "reused"]) if report else 0
        detail = f"{built} partner(s) rebuilt" + (f", {reused} unchanged" if reused else "")
        warned = f", {len(state.warnings)} warning(s)" if state.warnings else ""
        return [f"✓ Built in {state.seconds:.1f}s: {detail}{warned}"]
    noun = "problem" if len(state.problems) == 1 else "problems"
    lines = [f"✗ Build failed with {len(state.problems)} {noun}; still serving the last good build:"]
    seen: set[tuple[str, int | None, str | None]] = set()
    for problem in state.problems:
        key = (problem.file, problem.line, problem.field)
        if key not in seen:
            seen.add(key)
            lines.append(f"  {problem}")
    return lines


def describe_changes(paths: tuple[str, ...], limit: int = 3) -> str:
    """``Changed content/blog/a.md, cobrand.toml and 2 more``."""
    files = [path for path in paths if "." in Path(path).name] or list(paths)
    shown = ", ".join(files[:limit])
    more = f" and {len(files) - limit} more" if len(files) > limit else ""
    return f"Changed {shown}{more}; rebuilding…"
