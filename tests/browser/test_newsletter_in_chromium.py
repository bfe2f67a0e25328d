"""Newsletter e-mails in Debian's chromium at 600 px and 375 px: every e-mail of the example partners, the
Arabic (right-to-left) and the Japanese one included, with axe-core's contrast check, and the hub's copy buttons.

Every request to the partner's public site is answered from the built site (so the logos must exist there)
and any other request fails the test: an e-mail loads nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cobrand.render.newsletter import EMAIL_WIDTH
from support.example import ROOT, ExampleBuild
from support.generated_project import ARABIC
from support.http_server import local_http_server
from support.newsletter import built_newsletter, html_files, tracked


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ExampleBuild, dict[str, dict[str, bytes]]]:
    """The example with an Arabic partner, its public sites built (no PDFs), and every partner's e-mails."""
    return built_newsletter(tmp_path_factory.mktemp("newsletter"))

WIDTHS = (600, 375)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _open(context: Any, project: Any, out: Path, partner: Any, document: bytes, strays: list[str],
          images: bool = True) -> Any:
    """A page showing ``document``, its public-site requests answered from the built site; without ``images``,
    images are blocked as many e-mail clients do until the reader allows them."""
    home = project.config.site.base_url.replace("{partner}", partner.slug)
    page = context.new_page()

    def answer(route: Any) -> None:
        url = route.request.url
        if url == "https://email.test/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=document)
        elif not images and route.request.resource_type == "image":
            route.abort()
        elif url.startswith(home) and (out / partner.slug / url[len(home):]).is_file():
            route.fulfill(status=200, path=str(out / partner.slug / url[len(home):]))
        else:
            strays.append(url)
            route.abort()

    page.route("**/*", answer)
    page.goto("https://email.test/", wait_until="load")
    return page


CHECKS = """() => {
    const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), alt: i.getAttribute('alt'),
        width: Number(i.getAttribute('width')), loaded: i.complete && i.naturalWidth > 0,
        right: i.getBoundingClientRect().right}));
    return {scroll: document.scrollingElement.scrollWidth, inner: innerWidth, imgs,
            links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
            sheets: document.querySelectorAll('link[rel~=stylesheet], script, style').length};
}"""


def test_emails_in_chromium_at_600_and_375_px(chromium: Any, built: Any) -> None:
    project, build, emails = built
    problems: list[str] = []
    for partner in project.partners:
        for width, images in [(width, True) for width in WIDTHS] + [(375, False)]:
            context = chromium.new_context(viewport={"width": width, "height": 900})
            try:
                for path, document in html_files(emails[partner.slug]).items():
                    strays: list[str] = []
                    page = _open(context, project, build.out, partner, document, strays, images)
                    found = page.evaluate(CHECKS)
                    where = f"{partner.slug}/{path} at {width}px" + ("" if images else ", images blocked")
                    if found["scroll"] > found["inner"]:
                        problems.append(f"{where}: scrolls sideways ({found['scroll']} > {found['inner']})")
                    if found["sheets"]:
                        problems.append(f"{where}: has a stylesheet, style or script element")
                    if strays:
                        problems.append(f"{where}: asked for {strays}")
                    campaign = path.removeprefix("email/").removesuffix(".html")
                    for image in found["imgs"]:
                        if not (image["alt"] or "").strip() or not image["src"].startswith("https://") \
                                or image["loaded"] != images or not 0 < image["width"] <= EMAIL_WIDTH:
                            problems.append(f"{where}: image {image}")
                    for href in found["links"]:
                        if href.startswith(("mailto:", "tel:")):
                            contact = partner.data.contact
                            if href not in (f"mailto:{contact.email}", "tel:" + "".join(
                                    c for c in contact.phone or "" if c in "+0123456789")):
                                problems.append(f"{where}: link {href}")
                        elif not href.startswith("https://") or not tracked(href, campaign):
                            problems.append(f"{where}: untracked or relative link {href}")
                    assert found["imgs"], where  # the lockup at least
                    page.close()
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


def test_email_text_contrast_reaches_aa_by_axe(chromium: Any, built: Any) -> None:
    """axe-core's color-contrast rule (WCAG 2 AA, from computed styles) on every e-mail of every partner, and
    no serious or critical finding of its other rules."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run bash scripts/setup")
    project, build, emails = built
    found: list[str] = []
    context = chromium.new_context(viewport={"width": EMAIL_WIDTH, "height": 900})
    try:
        for partner in project.partners:
            for path, document in html_files(emails[partner.slug]).items():
                page = _open(context, project, build.out, partner, document, [])
                page.add_script_tag(path=str(AXE))
                # Every rule runs; colour contrast fails at any impact, the others when serious or critical.
                result = page.evaluate("""async () => {
                    const r = await axe.run(document);
                    return {violations: r.violations.filter(v => v.id === 'color-contrast'
                                                               || ['serious', 'critical'].includes(v.impact))
                                .flatMap(v => v.nodes.map(n => v.id + ' ' + n.target.join(' ') + ': '
                                                               + (n.failureSummary || ''))),
                            passes: (r.passes.find(v => v.id === 'color-contrast') || {nodes: []}).nodes.length};
                }""")
                if result["violations"]:
                    found.append(f"{partner.slug}/{path}: {result['violations']}")
                if result["passes"] < 10:
                    found.append(f"{partner.slug}/{path}: axe checked only {result['passes']} text nodes")
                page.close()
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_copy_buttons_of_the_hub_email_page_copy_the_email_in_chromium(chromium: Any, built: Any) -> None:
    """The hub served over HTTP: "Copy HTML code" puts the e-mail file's text on the clipboard, "Copy formatted
    e-mail" the e-mail as HTML (what an e-mail tool's editor pastes)."""
    import time

    _, build, emails = built
    hub = build.out.parent / f"{build.out.name}-hub"
    with local_http_server(hub) as server:
        site = server.url
        context = chromium.new_context()
        try:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
            page = context.new_page()
            page.goto(f"{site}/{ARABIC}/email/index.html", wait_until="load")
            code, rich = page.locator("button[data-copy-url]:not([data-copy-as])").first, \
                page.locator("button[data-copy-as=html]").first
            assert code.is_visible() and rich.is_visible()
            expected = emails[ARABIC]["email/" + code.get_attribute("data-copy-url")].decode("utf-8")

            def copied(read: str) -> str | None:
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    value = page.evaluate(read)
                    if value and value != "-- nothing --":
                        return str(value)
                    time.sleep(0.05)
                return None

            page.evaluate("navigator.clipboard.writeText('-- nothing --')")
            code.click()
            assert copied("navigator.clipboard.readText()") == expected
            page.evaluate("navigator.clipboard.writeText('-- nothing --')")
            rich.click()
            html = copied("""navigator.clipboard.read().then(items => items[0].types.includes('text/html')
                              ? items[0].getType('text/html').then(blob => blob.text()) : null)""")
            # Chromium hands over the body's markup (sanitised, without <html>): the e-mail's tables and links.
            assert html is not None and "utm_medium=email" in html and 'role="presentation"' in html
        finally:
            context.close()

