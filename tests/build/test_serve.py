"""``cobrand serve``: a real server on 127.0.0.1, real files, real watchdog, a real browser protocol (SSE)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cobrand.serve import DevServer
from support.example import ENVIRON, PARTNERS, copy_example

WAIT = 30.0  # upper bound for a rebuild to show; it normally takes a second or two
POST = "content/blog/ransomware-recovery-drill.md"
POST_PAGE = "blog/ransomware-recovery-drill.html"
TEMPLATE = "themes/harborline/templates/index.html"
SLUG = "kestrel-cloud"


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(server: DevServer, path: str, method: str = "GET") -> Response:
    """One request, sent as written (no normalisation, no redirects followed)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def wait_for(condition: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class EventStream:
    """Reads /__cobrand/events in a thread, as a browser's EventSource would."""

    def __init__(self, server: DevServer) -> None:
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        self.connection.request("GET", "/__cobrand/events", headers={"Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event, data = "message", ""
        try:
            while True:
                line = self.response.readline().decode("utf-8")
                if not line:
                    return
                line = line.rstrip("\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line == "" and data:
                    self.events.put((event, json.loads(data)))
                    event, data = "message", ""
        except (OSError, ValueError):
            return

    def next(self, name: str, timeout: float = WAIT) -> dict:
        """The next event called ``name`` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name!r} event within {timeout:.0f}s")
            try:
                event, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event == name:
                return data

    def drain(self) -> list[tuple[str, dict]]:
        drained = []
        while True:
            try:
                drained.append(self.events.get_nowait())
            except queue.Empty:
                return drained

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevServer, Path]]:
    base = tmp_path_factory.mktemp("serve")
    project = copy_example(base)
    server = DevServer(project, port=0, out_dir=base / "out", pdfs=False, images=False, environ=ENVIRON,
                       debounce=0.3)
    server.start(timeout=180)
    state = server.state
    assert state is not None and state.ok, state
    yield server, project
    server.stop()


@pytest.fixture
def events(served: tuple[DevServer, Path]) -> Iterator[EventStream]:
    stream = EventStream(served[0])
    stream.next("hello")
    yield stream
    stream.close()


def test_index_lists_every_partner_with_its_tier(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    response = get(server, "/")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    rows = re.findall(r"<tr data-search[^>]*>(.*?)</tr>", response.text, re.DOTALL)
    assert len(rows) == len(PARTNERS)
    for partner in PARTNERS:
        row = next(row for row in rows if f'href="/{partner.slug}/"' in row)
        assert partner.name in row
        assert f'<span class="tier">{partner.data["tier"]}</span>' in row
    assert 'id="cobrand-live-reload"' in response.text


def test_partner_home_gets_the_live_reload_script_on_the_fly(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    response = get(server, f"/{SLUG}/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert "Kestrel Cloud" in page
    assert page.count('<script id="cobrand-live-reload">') == 1
    assert 'new EventSource("/__cobrand/events")' in page
    assert page.index("cobrand-live-reload") < page.lower().rindex("</body>")
    assert int(response.headers["content-length"]) == len(response.body)
    on_disk = (server.out / SLUG / "index.html").read_text(encoding="utf-8")
    assert "cobrand-live-reload" not in on_disk and "__cobrand" not in on_disk
    # The same bytes as on disk, plus what was injected.
    assert page.replace(page[page.index('<script id="cobrand-live-reload">'):page.lower().rindex("</body>")], "") \
        == on_disk


def test_folders_redirect_and_serve_index_html(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    redirect = get(server, f"/{SLUG}")
    assert redirect.status == 301 and redirect.headers["location"] == f"/{SLUG}/"
    redirect = get(server, f"/{SLUG}/blog")
    assert redirect.status == 301 and redirect.headers["location"] == f"/{SLUG}/blog/"
    listing = get(server, f"/{SLUG}/blog/")
    assert listing.status == 200
    assert (server.out / SLUG / "blog/index.html").read_text(encoding="utf-8") in listing.text.replace(
        listing.text[listing.text.index('<script id="cobrand-live-reload">'):listing.text.lower().rindex("</body>")],
        "")


def test_other_files_are_served_as_they_are(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    for relative, kind in (("feed.xml", "application/xml"), ("static/cobrand.css", "text/css"),
                           ("robots.txt", "text/plain")):
        response = get(server, f"/{SLUG}/{relative}")
        assert response.status == 200, relative
        assert response.headers["content-type"].startswith(kind), (relative, response.headers["content-type"])
        assert response.body == (server.out / SLUG / relative).read_bytes()
    head = get(server, f"/{SLUG}/feed.xml", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["content-length"]) == (server.out / SLUG / "feed.xml").stat().st_size


def test_unknown_paths_get_the_partners_404_page(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    for path in (f"/{SLUG}/no-such-page.html", f"/{SLUG}/blog/deep/er/missing", f"/{SLUG}/../../etc/passwd",
                 f"/{SLUG}/%2e%2e/%2e%2e/cobrand.toml", f"/{SLUG}/.cobrand/cache"):
        response = get(server, path)
        assert response.status == 404, path
        assert "Page not found" in response.text and "Kestrel Cloud" in response.text, path
        assert "cobrand-live-reload" in response.text
        assert "root:" not in response.text and "[vendor]" not in response.text
    # Outside any partner: the server's own 404, linking back to the partner list.
    response = get(server, "/no-such-partner/")
    assert response.status == 404 and 'href="/"' in response.text


def test_the_hub_is_served_beside_the_site_with_a_switch_between_them(served: tuple[DevServer, Path]) -> None:
    server, _ = served
    assert server.hub is not None and (server.hub / SLUG / "kit.html").is_file()
    site = get(server, f"/{SLUG}/")
    assert site.status == 200
    # The toolbar (injected, never in the built files) switches to the partner's hub.
    switch = re.search(r"<span data-cobrand-switch>(.*?)</span>", site.text)
    assert switch and f'href="/_hub/{SLUG}/"' in switch.group(1)
    hub = get(server, f"/_hub/{SLUG}/")
    assert hub.status == 200 and hub.headers["content-type"] == "text/html; charset=utf-8"
    on_disk = (server.hub / SLUG / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in on_disk and "cobrand-live-reload" not in on_disk
    assert hub.text.replace(hub.text[hub.text.index('<script id="cobrand-live-reload">'):hub.text.lower().rindex(
        "</body>")], "") == on_disk
    back = re.search(r"<span data-cobrand-switch>(.*?)</span>", hub.text)
    assert back and f'href="/{SLUG}/"' in back.group(1) and "/_hub/" not in back.group(1)
    # The hub's own files, its redirects and its 404, as the site's.
    kit = get(server, f"/_hub/{SLUG}/kit/hootsuite-x.csv")
    assert kit.status == 200 and kit.body == (server.hub / SLUG / "kit/hootsuite-x.csv").read_bytes()
    assert kit.headers["content-type"].startswith("text/csv")
    redirect = get(server, f"/_hub/{SLUG}")
    assert redirect.status == 301 and redirect.headers["location"] == f"/_hub/{SLUG}/"
    for path in (f"/_hub/{SLUG}/no-such-page.html", f"/_hub/{SLUG}/../../cobrand.toml", f"/_hub/{SLUG}/.cobrand"):
        missing = get(server, path)
        assert missing.status == 404, path
        assert '<meta name="robots" content="noindex, nofollow">' in missing.text and "[vendor]" not in missing.text
    assert get(server, f"/{SLUG}/kit.html").status == 404  # the kit is the hub's, not the site's
    # The index of partners links each partner's hub and kit.
    index = get(server, "/").text
    assert f'href="/_hub/{SLUG}/"' in index and f'href="/_hub/{SLUG}/kit.html"' in index
    assert get(server, "/_hub/no-such-partner/").status == 404


def test_a_saved_edit_rebuilds_and_reloads_the_page(served: tuple[DevServer, Path], events: EventStream) -> None:
    server, project = served
    generation = server.state.generation
    source = project / POST
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace("title: Run a ransomware recovery drill in one afternoon",
                                       "title: A ransomware drill, rehearsed live"), encoding="utf-8")
    try:
        wait_for(lambda: "A ransomware drill, rehearsed live" in get(server, f"/{SLUG}/{POST_PAGE}").text,
                 what="the edited title on the page")
        reload = events.next("reload")
        assert reload["ok"] is True and reload["generation"] != generation
        assert POST in reload["changed"]
        # The page served now carries the new generation, so it will not reload again.
        assert json.dumps(reload["generation"]) in get(server, f"/{SLUG}/{POST_PAGE}").text
    finally:
        source.write_text(original, encoding="utf-8")
        events.next("reload")


def test_a_burst_of_saves_causes_one_rebuild(served: tuple[DevServer, Path], events: EventStream) -> None:
    server, project = served
    source = project / POST
    original = source.read_text(encoding="utf-8")
    try:
        for count in range(6):
            source.write_text(original + f"\nEdit number {count}.\n", encoding="utf-8")
            time.sleep(0.03)
        first = events.next("reload")
        assert first["ok"] is True
        time.sleep(1.5)
        assert [event for event, _ in events.drain() if event == "reload"] == []
        assert "Edit number 5." in get(server, f"/{SLUG}/{POST_PAGE}").text
    finally:
        source.write_text(original, encoding="utf-8")
        events.next("reload")


def test_a_broken_template_shows_the_error_and_recovers(served: tuple[DevServer, Path], events: EventStream) -> None:
    server, project = served
    template = project / TEMPLATE
    original = template.read_text(encoding="utf-8")
    good_page = (server.out / SLUG / "index.html").read_bytes()
    template.write_text(original + "{% if %}\n", encoding="utf-8")
    broken_line = len(original.splitlines()) + 1
    try:
        failed = events.next("reload")
        assert failed["ok"] is False
        assert any(p["file"] == TEMPLATE and p["line"] == broken_line for p in failed["problems"])
        for path in (f"/{SLUG}/", f"/{SLUG}/{POST_PAGE}", "/"):
            page = get(server, path)
            assert page.status == 200, path
            assert 'id="cobrand-dev-overlay"' in page.text, path
            assert f"{TEMPLATE}:{broken_line}" in page.text, path
            assert "{% if %}" in page.text  # the offending line, quoted in the overlay
        # The last good pages stay: on disk untouched, and still served under the overlay.
        assert (server.out / SLUG / "index.html").read_bytes() == good_page
        assert "Recover from anything with Kestrel Cloud" in get(server, f"/{SLUG}/").text
        assert server.state.ok is False
    finally:
        template.write_text(original, encoding="utf-8")
    recovered = events.next("reload")
    assert recovered["ok"] is True and recovered["problems"] == []
    page = get(server, f"/{SLUG}/").text
    assert "cobrand-dev-overlay" not in page and "Recover from anything with Kestrel Cloud" in page


def test_bad_front_matter_is_shown_with_file_and_line(served: tuple[DevServer, Path], events: EventStream) -> None:
    server, project = served
    source = project / POST
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace("date: 2026-09-22", "date: someday"), encoding="utf-8")
    try:
        failed = events.next("reload")
        assert failed["ok"] is False
        page = get(server, f"/{SLUG}/{POST_PAGE}").text
        assert re.search(rf"{re.escape(POST)}:3: date:", page), page[-3000:]
        assert "Run a ransomware recovery drill in one afternoon" in page  # the last good page
    finally:
        source.write_text(original, encoding="utf-8")
    assert events.next("reload")["ok"] is True


def test_a_missing_logo_is_shown_until_it_is_back(served: tuple[DevServer, Path], events: EventStream) -> None:
    server, project = served
    logo = project / "partners" / SLUG / "logo.svg"
    kept = logo.read_bytes()
    logo.unlink()
    try:
        failed = events.next("reload")
        assert failed["ok"] is False
        page = get(server, f"/{SLUG}/").text
        assert f"partners/{SLUG}/partner.toml: logo:" in page and "logo.svg" in page
        assert (server.out / SLUG / "static").is_dir()  # the last good site is still there
    finally:
        logo.write_bytes(kept)
    assert events.next("reload")["ok"] is True
    assert "cobrand-dev-overlay" not in get(server, f"/{SLUG}/").text


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_serve(project: Path, *args: str,
                sigint_ignored: bool = False) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """``cobrand serve`` in its own process group, as a terminal runs it; its output lines in a queue.

    ``sigint_ignored`` starts it with SIGINT ignored, as a script's background job is."""
    # Without --out the preview is kept in the user's cache: the project's own folder keeps it here.
    environment = {**os.environ, **ENVIRON, "PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(project.parent / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "cobrand.cli", "serve", str(project), "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment,
                               start_new_session=True,
                               preexec_fn=_ignore_sigint if sigint_ignored else None)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return process, lines


def read_until(process: subprocess.Popen[str], lines: queue.Queue[str], pattern: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert process.poll() is None, "cobrand serve exited early"
            continue
        if re.search(pattern, line):
            return line
    raise AssertionError(f"cobrand serve printed nothing matching {pattern!r}")


def rest_of_output(lines: queue.Queue[str]) -> str:
    time.sleep(0.2)
    output = []
    while not lines.empty():
        output.append(lines.get())
    return "".join(output)


def test_ctrl_c_stops_cobrand_serve_cleanly(tmp_path: Path) -> None:
    process, lines = start_serve(copy_example(tmp_path), "--no-pdf", "--no-images", "--partner", SLUG, "--jobs", "1")
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", read_until(process, lines, "Serving at")).group(1))
        read_until(process, lines, "^✓ Built")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/{SLUG}/")
        assert connection.getresponse().status == 200
        connection.close()

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        # A hang guard, not a timing: stop() may wait up to 16 s by design (watcher, HTTP thread, rebuilder).
        assert process.wait(timeout=60) == 0
        output = rest_of_output(lines)
        assert "Stopped." in output and "Traceback" not in output, output
        with pytest.raises(OSError):
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_during_a_build_stops_promptly(tmp_path: Path) -> None:
    """A build with PDFs in worker processes is stopped, not waited for; no traceback from any worker."""
    process, lines = start_serve(copy_example(tmp_path), "--jobs", "2")
    try:
        read_until(process, lines, "Serving at")
        time.sleep(1.0)
        assert process.poll() is None
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0  # a hang guard, not a timing
        output = rest_of_output(lines)
        assert "Traceback" not in output and "Stopped." in output, output
        # Stopped, not waited for: the build with PDFs never got to report itself built.
        assert "✓ Built" not in output, output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_port_in_use_or_a_missing_project_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cobrand.cli import main

    project = copy_example(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(project), "--port", str(port), "--no-pdf"])
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port 0" in result.output
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "not a cobrand project" in result.output


# --- the first build, and later starts (issue 20) ----------------------------------------------------


class HeldBuild:
    """A ``before_build`` hook that holds the first build until the test lets it go."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, changed: tuple[str, ...]) -> None:
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the build"


def test_requests_during_the_first_build_get_a_page_that_waits_and_reloads(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    held = HeldBuild()
    server = DevServer(project, port=0, out_dir=tmp_path / "out", pdfs=False, images=False, environ=ENVIRON,
                       partners=(SLUG,), before_build=held)
    server.start(wait=False)
    try:
        assert held.started.wait(WAIT)
        events = EventStream(server)
        hello = events.next("hello")
        assert hello == {"generation": "", "building": True}
        for path in (f"/{SLUG}/", f"/{SLUG}/{POST_PAGE}", f"/{SLUG}/static/cobrand.css"):
            response = get(server, path)
            assert response.status == 503, (path, response.status)
            assert response.headers["retry-after"] == "1"
            assert "data-cobrand-waiting" in response.text and 'id="cobrand-live-reload"' in response.text
            assert 'var g=""' in response.text  # the script reloads on the first generation announced
        assert "First build in progress" in get(server, "/").text
        held.release.set()
        reload = events.next("reload")
        assert reload["ok"] is True and reload["generation"] != ""
        page = get(server, f"/{SLUG}/")
        assert page.status == 200 and "data-cobrand-waiting" not in page.text
        assert get(server, f"/{SLUG}/no-such-page.html").status == 404  # after the build, missing is missing
    finally:
        held.release.set()
        server.stop()


def test_a_later_start_serves_the_previous_output_and_rebuilds_nothing_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    first = DevServer(project, port=0, pdfs=False, images=False, environ=ENVIRON, partners=(SLUG,))
    assert first.out is not None and first.out.is_relative_to(tmp_path / "cache-home")
    with first:
        state = first.state
        assert state is not None and state.ok and state.report is not None
        assert [result.status for result in state.report.partners] == ["built"]
    assert (first.out / SLUG / "index.html").is_file(), "the output is kept after the server stops"

    held = HeldBuild()
    second = DevServer(project, port=0, pdfs=False, images=False, environ=ENVIRON, partners=(SLUG,),
                       before_build=held)
    assert second.out == first.out
    second.start(wait=False)
    try:
        assert held.started.wait(WAIT)
        page = get(second, f"/{SLUG}/{POST_PAGE}")  # while the second start's first build waits
        built = (first.out / SLUG / POST_PAGE).read_bytes()
        assert page.status == 200 and page.body.startswith(built[:built.rfind(b"</body>")])
        held.release.set()
        state = second.wait_for_first_build(WAIT)
        assert state is not None and state.ok and state.report is not None
        assert [result.status for result in state.report.partners] == ["reused"]
        assert state.report.to_dict()["counts"]["files_written"] == 0
    finally:
        held.release.set()
        second.stop()


def test_ctrl_c_stops_a_serve_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A process started with SIGINT ignored (a script's background job; a test process that a fork hook left
    ignoring it) gets no Python handler for it: cobrand serve installs its own, or Ctrl-C would never stop it."""
    process, lines = start_serve(copy_example(tmp_path), "--no-pdf", "--no-images", "--partner", SLUG, "--jobs", "1",
                                 sigint_ignored=True)
    try:
        read_until(process, lines, "^✓ Built")
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0  # a hang guard, not a timing
        assert "Stopped." in rest_of_output(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
