"""Every HTML page of every partner passes the W3C Nu HTML Checker (vnu.jar), an independent validator.

The example project and the generated project of tests/support/awkward_project.py (Arabic right to left,
Japanese, awkward colours) are checked in ONE java run: starting the JVM costs seconds, checking a
page milliseconds. vnu.jar comes from npm's ``vnu-jar`` (pinned in package.json), java from Debian's
``default-jre-headless``; scripts/setup installs both.
"""

from __future__ import annotations

import re
from pathlib import Path

from support.example import ExampleBuild
from support.nu_checker import nu_check


def describe(message: dict[str, object], roots: list[Path]) -> str:
    """``file:line: message`` with the file relative to its build folder."""
    url = str(message.get("url", "")).removeprefix("file:")
    for root in roots:
        if url.startswith(f"{root}/"):  # a folder, not a prefix of its name ("build" of "build-hub")
            url = url[len(str(root)) + 1:]
    return f"{url}:{message.get('lastLine', '?')}: [{message.get('type')}] {message.get('message')}"


EMAIL_FILE = re.compile(r"^[^/]+/email/(?!index\.html:)[^/]+\.html:")
MSO_HIDE = "[error] CSS: \u201cmso-hide\u201d: Property \u201cmso-hide\u201d doesn't exist."

BAD_PAGE = ('<!doctype html>\n<html lang="en">\n<head><title>x</title></head>\n<body>\n'
            '<h2 id="talk to us">x</h2>\n<img src="a.png">\n</body>\n</html>\n')


def test_every_page_passes_the_nu_html_checker(example_build: ExampleBuild, awkward_build: ExampleBuild,
                                               tmp_path: Path) -> None:
    # The public sites and the partners' hubs, e-mails included (see MSO_HIDE below).
    sites = [example_build.out.resolve(), awkward_build.out.resolve()]
    hubs = [example_build.hub.resolve(), awkward_build.hub.resolve()]
    roots = sites + hubs
    pages = sorted(page for root in roots for page in root.rglob("*.html") if ".cobrand" not in page.parts)
    # Every partner of both projects, every page type: a run that checked nothing would pass.
    slugs = {page.relative_to(root).parts[0] for root in sites for page in pages if page.is_relative_to(root)}
    assert {"gulf-shield", "sakura-backup", "pale-harbour", "northbeam-it"} <= slugs
    assert len(pages) > 60
    # The hubs of the Arabic and Japanese partners too, every hub page type, e-mails included; and the
    # vendor overview beside each report.json.
    hub_pages = {page.relative_to(root).as_posix() for root in hubs for page in pages if page.is_relative_to(root)}
    for slug in ("gulf-shield", "sakura-backup", "northbeam-it"):
        for name in ("index.html", "new.html", "kit.html", "social.html", "404.html", "email/index.html"):
            assert f"{slug}/{name}" in hub_pages, (slug, name)
        assert any(page.startswith(f"{slug}/email/") and page != f"{slug}/email/index.html" for page in hub_pages)
    assert all(root / "overview.html" in pages for root in sites)
    # A page with two known errors rides along in the same run, to prove the run can fail.
    control = tmp_path.resolve() / "control.html"
    control.write_text(BAD_PAGE, encoding="utf-8")

    messages = nu_check([*pages, control])

    found = [describe(message, [*roots, control.parent]) for message in messages]
    control_found = [problem for problem in found if problem.startswith("control.html:")]
    assert any(p.startswith("control.html:5:") and "whitespace" in p for p in control_found), found
    assert any(p.startswith("control.html:6:") and "alt" in p for p in control_found), found
    problems = [problem for problem in found if not problem.startswith("control.html:")]
    # Newsletter e-mails (a hub's email/<post>.html, pasted into e-mail tools) keep one rule of e-mail
    # clients the checker does not know: Outlook's mso-hide, which hides the preheader there. Only that.
    problems = [problem for problem in problems if not (EMAIL_FILE.match(problem) and problem.endswith(MSO_HIDE))]
    assert not problems, f"the Nu HTML Checker found {len(problems)} error(s):\n" + "\n".join(problems)


def test_every_data_table_names_its_column_and_row_headers(example_build: ExampleBuild,
                                                          awkward_build: ExampleBuild) -> None:
    """axe's td-has-header and screen readers: head cells are th scope=col, each body row starts with a
    th scope=row (the Markdown tables of posts and one-pagers)."""
    tables = 0
    for root in (example_build.out, awkward_build.out):
        for page in root.rglob("*.html"):
            for table in re.findall(r"<table>.*?</table>", page.read_text(encoding="utf-8"), flags=re.S):
                tables += 1
                head, body = table.split("</thead>")
                assert re.findall(r"<th(?: [^>]*)?>", head) == re.findall(r'<th scope="col"[^>]*>', head), page
                rows = re.findall(r"<tr>\s*(<t[hd][^>]*>)", body)
                assert rows and all(cell.startswith('<th scope="row"') for cell in rows), (page, rows)
    assert tables > 10


def test_hub_pages_speak_the_partner_language_in_its_direction(awkward_build: ExampleBuild,
                                                               example_build: ExampleBuild) -> None:
    """Right-to-left and CJK hubs: every hub page (e-mails included) of the Arabic partner is lang ar, dir rtl,
    of the Japanese partner lang ja, dir ltr, as the public site's home page of the same partner says; and
    every hub page is noindex, nofollow without a canonical link. Read back with lxml."""
    import lxml.html

    checked = 0
    for build, slug, lang, direction in ((awkward_build, "gulf-shield", "ar", "rtl"),
                                         (awkward_build, "sakura-backup", "ja", "ltr"),
                                         (example_build, "northbeam-it", "en", "ltr")):
        public = lxml.html.fromstring((build.out / slug / "index.html").read_bytes())
        assert (public.get("lang", "").split("-")[0], public.get("dir")) == (lang, direction)
        pages = sorted((build.hub / slug).rglob("*.html"))
        assert len(pages) >= 6, pages
        for page in pages:
            tree = lxml.html.fromstring(page.read_bytes())
            assert (tree.get("lang", "").split("-")[0], tree.get("dir")) == (lang, direction), page
            robots = tree.xpath('//meta[@name="robots"]/@content')
            assert robots and "noindex" in robots[0] and "nofollow" in robots[0], page
            assert not tree.xpath('//link[@rel="canonical"]'), page
            checked += 1
    assert checked > 18
