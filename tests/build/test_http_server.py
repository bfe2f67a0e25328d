"""The tests' local HTTP server (tests/support/http_server.py): what it serves, what it records, and that it is
the only one."""

from __future__ import annotations

import http.server
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.http_server import local_http_server

TESTS = Path(__file__).resolve().parents[1]  # tests/: every folder of tests and tests/support


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_it_serves_a_folder_and_records_every_request(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_bytes(b"<p>hello</p>")
    (tmp_path / "outside.txt").write_bytes(b"secret")
    with local_http_server(tmp_path / "site") as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert fetch(server.url + "/index.html") == (200, b"<p>hello</p>")
        assert fetch(server.url + "/../outside.txt")[1] != b"secret"
        assert fetch(server.url + "/missing.html")[0] == 404
        assert server.requests[0] == "/index.html" and server.requests[-1] == "/missing.html"
    with pytest.raises(OSError):
        fetch(server.url + "/index.html")  # closed with the block


def test_a_handler_of_its_own_answers_instead() -> None:
    class Teapot(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(self.path.encode())

    with local_http_server(handler=Teapot) as server:
        assert fetch(server.url + "/any/path?x=1") == (200, b"/any/path?x=1")
        assert server.requests == ["/any/path?x=1"]


def test_no_other_test_starts_a_server_of_its_own() -> None:
    started = re.compile(r"\b(Threading)?HTTPServer\(")
    allowed = {"http_server.py", "test_http_server.py"}
    scanned = sorted(TESTS.rglob("*.py"))
    own = [path.name for path in scanned
           if path.name not in allowed and started.search(path.read_text(encoding="utf-8"))]
    # The scan reaches every folder of tests, so a server started in a new folder cannot slip past it.
    assert {path.parent.name for path in scanned} >= {"unit", "build", "browser", "support"}
    assert started.search("httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)")
    assert not own, f"use tests/support/http_server.py's local_http_server instead: {own}"
