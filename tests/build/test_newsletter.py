"""Newsletter e-mails (render/newsletter.py): real e-mails of the example partners, the Arabic (right-to-left)
and the Japanese one included, read back against the partner's public site built beside them. The same
e-mails in Debian's chromium: tests/browser/test_newsletter_in_chromium.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

import cobrand
from cobrand.render.engine.renderers import RenderMismatchError
from cobrand.render.newsletter import EMAIL_WIDTH, render_emails
from cobrand.render.plaintext import WIDTH, BlockMemo, display_width
from support.example import ENVIRON, ExampleBuild, copy_example, file_digests
from support.generated_project import ARABIC, JAPANESE
from support.newsletter import EMBED_POST, built_newsletter, html_files, tracked


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ExampleBuild, dict[str, dict[str, bytes]]]:
    """The example with an Arabic partner, its public sites built (no PDFs), and every partner's e-mails."""
    return built_newsletter(tmp_path_factory.mktemp("newsletter"))


def _posts_on_site(out: Path, slug: str) -> set[str]:
    return {path.stem for path in (out / slug / "blog").glob("*.html") if path.name != "index.html"}


def test_a_partner_gets_an_email_for_each_post_its_site_shows_and_no_other(built: Any) -> None:
    project, build, emails = built
    for partner in project.partners:
        on_site = _posts_on_site(build.out, partner.slug)
        assert on_site, partner.slug
        html = {path.removeprefix("email/").removesuffix(".html") for path in html_files(emails[partner.slug])}
        text = {path.removeprefix("email/").removesuffix(".txt") for path in emails[partner.slug]
                if path.endswith(".txt")}
        assert html == text == on_site, partner.slug
    # Entitlement differs between partners, so the comparison above is not trivially true.
    assert len({frozenset(_posts_on_site(build.out, p.slug)) for p in project.partners}) > 1


def _prose_text(document: bytes, name: str) -> str:
    """The whitespace-normalised text of the one element of class ``name``."""
    tree = lxml_html.fromstring(document)
    found = tree.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")
    assert len(found) == 1, name
    return " ".join(found[0].text_content().split())


def test_the_body_reads_as_on_the_public_post_page_with_tokens_filled(built: Any) -> None:
    """Differential: the e-mail's body text is the public page's, word for word (the item's filled view)."""
    project, build, emails = built
    compared = 0
    for partner in project.partners:
        for path, data in html_files(emails[partner.slug]).items():
            text = data.decode("utf-8")
            assert "{{" not in text and "{%" not in text, (partner.slug, path)
            page = (build.out / partner.slug / "blog" / path.removeprefix("email/")).read_bytes()
            if path != f"email/{EMBED_POST}.html":
                assert _prose_text(data, "prose") == _prose_text(page, "prose"), (partner.slug, path)
                compared += 1
        for path, data in emails[partner.slug].items():
            assert b"{{" not in data and b"{%" not in data, (partner.slug, path)
    assert compared >= 10
    # A post that names the partner in its body shows this partner's name in every partner's e-mail.
    for partner in project.partners:
        drill = emails[partner.slug].get("email/ransomware-recovery-drill.html")
        if drill is not None:
            assert partner.data.contact.email.encode() in drill, partner.slug


def test_a_post_with_a_picture_an_embed_and_a_form_becomes_links_and_an_absolute_image(built: Any) -> None:
    project, build, emails = built
    for partner in project.partners:
        home = project.config.site.base_url.replace("{partner}", partner.slug)
        tree = lxml_html.fromstring(emails[partner.slug][f"email/{EMBED_POST}.html"])
        body = tree.xpath("//div[contains(@class, 'prose')]")[0]
        (image,) = body.xpath(".//img")
        assert image.get("src") == home + "assets/social/low-tide-swell.jpg"
        assert (build.out / partner.slug / "assets/social/low-tide-swell.jpg").is_file()
        assert image.get("alt") == "A wave breaking at low tide" and 0 < int(image.get("width")) <= EMAIL_WIDTH
        links = {" ".join(a.text_content().split()): a.get("href") for a in body.xpath(".//a")}
        page = f"{home}blog/{EMBED_POST}.html?utm_source="
        assert links["\u25b6 Restore demo"].startswith(page)
        assert any(text != "\u25b6 Restore demo" and href.startswith(page) for text, href in links.items())
        assert links["the datasheet"].startswith(f"{home}one-pagers/recovery-assurance.html?utm_source=")
        assert "youtube" not in emails[partner.slug][f"email/{EMBED_POST}.html"].decode()
        assert partner.name in " ".join(tree.xpath("//h1")[0].text_content().split())


def test_emails_are_deterministic_and_self_contained(built: Any) -> None:
    project, _, emails = built
    partner = next(p for p in project.partners if p.slug == ARABIC)
    assert render_emails(project, partner) == emails[ARABIC]
    for partner in project.partners:
        for path, data in html_files(emails[partner.slug]).items():
            tree = lxml_html.fromstring(data)
            assert tree.xpath("//link | //script | //style | //iframe | //form") == [], (partner.slug, path)
            assert tree.xpath("//@*[starts-with(name(), 'on')]") == [], (partner.slug, path)
            assert tree.get("lang") == partner.data.locale
            # Inlined: the content cell carries its styles itself.
            assert "font-size: 16px" in (tree.xpath("//td[contains(@class, 'content')]")[0].get("style") or "")


def test_emails_made_through_one_memo_for_every_partner_equal_those_made_alone(built: Any) -> None:
    project, _, emails = built
    memo = BlockMemo()
    for partner in project.partners:
        assert render_emails(project, partner, memo=memo, verify=True) == emails[partner.slug], partner.slug
    assert memo.hits > 0  # partners' e-mails of one post share blocks


class _DriftingMemo(BlockMemo):
    """Serves every kept entry with its first line changed: what a wrong memo key would do."""

    def get(self, key: tuple[str, str, tuple[str, ...]]) -> Any:
        found = super().get(key)
        if found is None:
            return None
        blocks, cited = found
        return ((("drifted",), *blocks[1:]), cited)


def test_verify_fails_an_email_whose_memoised_text_differs_naming_partner_and_file(built: Any) -> None:
    project, _, _ = built
    first, second = project.partners[0], project.partners[1]
    memo = _DriftingMemo()
    render_emails(project, first, memo=memo)
    with pytest.raises(RenderMismatchError) as caught:
        render_emails(project, second, memo=memo, verify=True)
    message = str(caught.value)
    assert f"partner {second.slug}" in message and "e-mail email/" in message and ".txt" in message
    assert "drifted" in message


def test_plain_text_has_the_title_every_link_and_wrapped_lines(built: Any) -> None:
    project, _, emails = built
    for partner in project.partners:
        files = emails[partner.slug]
        for path, data in html_files(files).items():
            slug = path.removeprefix("email/").removesuffix(".html")
            text = files[f"email/{slug}.txt"].decode("utf-8")
            tree = lxml_html.fromstring(data)
            title = " ".join(tree.xpath("//h1")[0].text_content().split())
            assert " ".join(text.split("\n\n")[0].split("\n")[0].split()) in title
            assert " ".join(text.split()).find(title.split()[0]) >= 0
            links = {a.get("href") for a in tree.xpath("//a[@href]")}
            web = {url for url in links if url.startswith("http")}
            listed = set(re.findall(r"^\[\d+\] (\S+)$", text, re.MULTILINE))
            assert web == listed, (partner.slug, path, web ^ listed)
            for url in listed:
                assert tracked(url, slug), url
            # Every citation [n] in the text has its address listed.
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", text.split("\n\n[1] ")[0])}
            assert cited <= set(range(1, len(listed) + 1)), (partner.slug, path)
            long_lines = [line for line in text.split("\n") if display_width(line) > WIDTH + 2
                          and not re.match(r"^\[\d+\] ", line) and " " in line]
            assert long_lines == [], (partner.slug, path, long_lines)


def test_arabic_and_japanese_emails_say_their_language_and_direction(built: Any) -> None:
    _, _, emails = built
    arabic = lxml_html.fromstring(next(iter(html_files(emails[ARABIC]).values())))
    assert (arabic.get("lang"), arabic.get("dir")) == ("ar-AE", "rtl")
    assert "text-align: right" in (arabic.xpath("//td[contains(@class, 'content')]")[0].get("style") or "")
    japanese = lxml_html.fromstring(next(iter(html_files(emails[JAPANESE]).values())))
    assert (japanese.get("lang"), japanese.get("dir")) == ("ja-JP", "ltr")
    assert "Hiragino Sans" in (japanese.xpath("//td[contains(@class, 'content')]")[0].get("style") or "")
    # Dates and reading time in the partner's language, as on its site.
    assert "年" in japanese.xpath("//p[contains(@class, 'meta')]")[0].text_content()


# --- the body made fit for e-mail clients -------------------------------------------------------------------


# --- in the browser -----------------------------------------------------------------------------------------


# --- in the build: the hub's e-mail files ---------------------------------------------------------------------


def _hub_emails(hub: Path, slug: str) -> dict[str, bytes]:
    folder = hub / slug / "email"
    return {f"email/{path.name}": path.read_bytes() for path in sorted(folder.glob("*"))
            if path.suffix in (".html", ".txt") and path.name != "index.html"}


def test_the_hub_holds_the_emails_render_emails_makes(built: Any) -> None:
    """Differential: each partner's e-mails in the built hub are byte for byte the ones made on their own."""
    project, build, emails = built
    hub = build.out.parent / f"{build.out.name}-hub"
    for partner in project.partners:
        assert _hub_emails(hub, partner.slug) == emails[partner.slug], partner.slug
        index = (hub / partner.slug / "email" / "index.html").read_text("utf-8")
        for path in html_files(emails[partner.slug]):
            name = path.removeprefix("email/")
            assert f'href="{name}"' in index and f'data-copy-url="{name}"' in index, (partner.slug, name)
            assert f'href="{name.replace(".html", ".txt")}"' in index, (partner.slug, name)
    # The public site never links to the hub or its e-mails.
    for page in build.out.rglob("*.html"):
        assert "/email/" not in page.read_text("utf-8"), page


def _stamps(root: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()
            and not path.relative_to(root).parts[0].startswith(".cobrand")}  # the build's state and lock


def test_editing_a_post_rewrites_only_its_own_emails_and_equals_a_clean_build(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    out, hub = tmp_path / "out", tmp_path / "hub"
    assert cobrand.build(root, out_dir=out, hub_dir=hub, pdfs=False, jobs=1, environ=ENVIRON).ok
    stamps = _stamps(hub)
    post = root / "content" / "blog" / "aws-snapshot-pitfalls.md"
    text = post.read_text("utf-8")
    assert "Amazon EBS snapshots are cheap" in text
    post.write_text(text.replace("Amazon EBS snapshots are cheap", "Amazon EBS snapshots are inexpensive"), "utf-8")
    assert cobrand.build(root, out_dir=out, hub_dir=hub, pdfs=False, jobs=1, environ=ENVIRON).ok
    rewritten = {path.relative_to(hub).as_posix() for path, stamp in stamps.items()
                 if path.exists() and path.stat().st_mtime_ns != stamp}
    aws = {path.parent.parent.name for path in hub.glob("*/email/aws-snapshot-pitfalls.html")}
    assert aws and aws != {path.name for path in hub.iterdir() if path.is_dir() and path.name != ".cobrand"}
    assert rewritten == {f"{slug}/email/aws-snapshot-pitfalls.{ext}" for slug in aws for ext in ("html", "txt")}
    assert all("Amazon EBS snapshots are inexpensive" in (hub / slug / "email" / "aws-snapshot-pitfalls.txt")
               .read_text("utf-8") for slug in aws)
    clean_out, clean_hub = tmp_path / "clean-out", tmp_path / "clean-hub"
    assert cobrand.build(root, out_dir=clean_out, hub_dir=clean_hub, pdfs=False, jobs=1, environ=ENVIRON).ok
    def published(folder: Path) -> dict[str, str]:
        return {path: sha for path, sha in file_digests(folder).items() if not path.startswith(".cobrand")}

    assert published(hub) == published(clean_hub)
