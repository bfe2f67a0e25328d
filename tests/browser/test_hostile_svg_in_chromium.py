"""Hostile partner SVG logos (issue 8, issue 19) in Chromium: the published logos and pages run no script and
fetch nothing, and, as a control, the partner's file as sent does. The fleet of hostile partners is built
once per session (``hostile_fleet`` in tests/conftest.py, cases in tests/support/hostile.py); what the build
makes of them is checked in tests/build/test_hostile.py."""

from __future__ import annotations

import pytest

from support.hostile import SVG_HOSTILE, hostile_slug
from support.http_server import LocalServer


@pytest.mark.parametrize("case", sorted(SVG_HOSTILE))
def test_hostile_svg_runs_no_script_and_fetches_nothing_in_chromium(hostile_fleet, chromium, case):
    proj, server, report = hostile_fleet
    slug = hostile_slug(case)
    site = proj / "build" / slug
    if slug in report.skipped:  # refused outright: there is nothing of it to open
        assert not site.exists()
        return
    own = {"/" + path.relative_to(proj / "build").as_posix() for path in site.rglob("*") if path.is_file()}
    own |= {path.removesuffix("index.html") for path in own if path.endswith("/index.html")}
    context = chromium.new_context()  # type: ignore[attr-defined]
    try:
        dialogs: list[str] = []
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        logos = sorted(path for path in site.rglob("*.svg") if "vendor" not in path.name)
        for target in [*(f"/{slug}/{path.relative_to(site).as_posix()}" for path in logos), f"/{slug}/index.html"]:
            del server.requests[:]
            page.goto(server.url + target, wait_until="load")
            page.wait_for_timeout(300)  # a meta refresh of 0 s or a late @import would have been asked for by now
            pwned = page.evaluate("() => [window.__pwned, window.top.__pwned, location.href]")
            assert pwned[:2] == [None, None], (target, pwned)
            assert pwned[2] == server.url + target, (target, pwned)  # no refresh or navigation happened
            strange = [path for path in server.requests if path.split("?")[0] not in own and path != "/favicon.ico"]
            assert not strange, (target, strange)
        assert not dialogs, dialogs
    finally:
        context.close()


def _visit(chromium: object, server: LocalServer, target: str) -> tuple[list[object], list[str], list[str]]:
    """Open ``target`` in a fresh context: (window.__pwned and location, requests made, dialogs shown)."""
    context = chromium.new_context()  # type: ignore[attr-defined]
    try:
        dialogs: list[str] = []
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        del server.requests[:]
        page.goto(server.url + target, wait_until="load")
        page.wait_for_timeout(300)  # a meta refresh of 0 s or a late @import would have been asked for by now
        state = page.evaluate("() => [window.__pwned, window.top.__pwned, location.href]")
        return state, list(server.requests), dialogs
    finally:
        context.close()


@pytest.mark.parametrize("case", ["xhtml-img", "xhtml-meta-refresh", "style-import-after-child", "xhtml-script-entity",
                                  "utf16-xml-stylesheet"])
def test_chromium_check_sees_the_attack_in_the_partners_own_file(hostile_fleet, chromium, case):
    """Control: the partner's file as sent, served beside the build, does run script or fetch in Chromium,
    so the check above can fail (it did on the first wave's output, which published these files as sent)."""
    proj, server, _ = hostile_fleet
    raw = proj / "build" / "_sent" / f"{case}.svg"
    raw.parent.mkdir(exist_ok=True)
    raw.write_bytes((proj / "partners" / hostile_slug(case) / "logo.svg").read_bytes())
    state, requests, dialogs = _visit(chromium, server, f"/_sent/{case}.svg")
    attacked = state[:2] != [None, None] or any("/evil/" in path for path in requests) or dialogs
    assert attacked, (state, requests, dialogs)

