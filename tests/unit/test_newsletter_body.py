"""The newsletter's pure parts (render/newsletter.py, render/plaintext.py): an e-mail body made from a page
body (absolute links with the e-mail's tracking, images, players as links) and the plain-text version.
Real e-mails of real builds: tests/build/test_newsletter.py."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from cobrand.render.newsletter import EMAIL_WIDTH, Links, email_body
from cobrand.render.plaintext import WIDTH, BlockMemo, LinkList, display_width, html_to_text

LINKS = Links("https://partners.example/acme/blog/post.html", "https://partners.example/acme/", "acme", "post")


def test_email_body_makes_links_and_images_absolute_and_players_links() -> None:
    body = ('<p>See <a href="../one-pagers/vault.html">the sheet</a>, <a href="#fn1">a note</a>, '
            '<a href="javascript:alert(1)">bad</a> and <a href="mailto:a@acme.example">mail</a>.</p>'
            '<p><img src="../assets/wide.png" alt="" width="1200" height="600"></p>'
            '<div class="player player--embed" data-embed="https://www.youtube-nocookie.com/embed/x">'
            '<a class="player__start" href="https://www.youtube-nocookie.com/embed/x">'
            '<span class="player__label">Load: Demo video</span></a><p class="player__note">cookies</p></div>'
            '<form action="https://forms.example/x"><input name="q"><button>Go</button></form>'
            '<details><summary>More</summary><p>Hidden text</p></details>')
    result = lxml_html.fragment_fromstring(str(email_body(body, LINKS, {}, "Post title", "Read online")),
                                           create_parent="div")
    hrefs = [a.get("href") for a in result.xpath("//a")]
    assert hrefs[0] == ("https://partners.example/acme/one-pagers/vault.html"
                        "?utm_source=acme&utm_medium=email&utm_campaign=post")
    assert hrefs[1] == "https://partners.example/acme/blog/post.html?utm_source=acme&utm_medium=email&utm_campaign=post#fn1"
    assert "mailto:a@acme.example" in hrefs and not any("javascript" in h for h in hrefs)
    assert "bad" in result.text_content()  # the text stays, the link goes
    image = result.xpath("//img")[0]
    assert image.get("src") == "https://partners.example/acme/assets/wide.png"
    assert (image.get("alt"), image.get("width"), image.get("height")) == ("Post title", str(EMAIL_WIDTH - 64), "268")
    players = [a for a in result.xpath("//p[@class='embed']/a")]
    assert [a.text for a in players] == ["\u25b6 Demo video", "Read online"]
    page = "https://partners.example/acme/blog/post.html?utm_source=acme&utm_medium=email&utm_campaign=post"
    assert {a.get("href") for a in players} == {page}
    assert result.xpath("//form | //input | //button | //details | //*[@data-embed]") == []
    assert "Hidden text" in result.text_content()


def test_plain_text_lists_numbered_links_and_wraps_japanese_by_width() -> None:
    links = LinkList()
    text = html_to_text('<h2>Heading</h2><ul><li>One <a href="https://a.example/">link</a></li><li>Two</li></ul>'
                        '<p>' + "日本語の文章です。" * 12 + '</p><blockquote><p>Quoted</p></blockquote>',
                        links, lambda url: url)
    assert text.startswith("Heading\n-------\n\n- One link [1]\n- Two\n\n")
    assert links.urls == ["https://a.example/"]
    japanese = [line for line in text.split("\n") if "日本語" in line]
    assert len(japanese) > 1 and all(display_width(line) <= WIDTH for line in japanese)
    assert not any(line.startswith("。") for line in japanese)
    assert text.endswith("> Quoted")



def test_plain_text_from_the_block_memo_equals_the_text_made_alone() -> None:
    """Two partners' bodies of one post: their links differ, one paragraph has the partner's name, and for
    the second partner two links are one address. Laid out through one memo, each is the text made alone."""
    def body(name: str, source: str, second: str) -> str:
        return (f'Lead in <a href="https://a.example/?s={source}">first</a>.'
                f'<h2>Why <a href="https://a.example/?s={source}">us</a></h2>'
                f'<p>Read <a href="https://b.example/?s={source}">the guide</a> and <a href="{second}">more</a>, '
                f'or <a>nothing</a> and <a href="">empty</a>.</p>'
                f'<pre><code>curl <a href="https://c.example/?s={source}">c</a></code></pre>'
                f'<blockquote><p>Quoted <a href="https://b.example/?s={source}">again</a></p></blockquote>'
                f'<ul><li>One <a href="https://d.example/?s={source}">d</a></li><li><p>Loose</p><p>two</p></li></ul>'
                f'<table><tr><th>A</th><td><a href="https://e.example/?s={source}">e</a></td></tr></table>'
                f'<p>{name} helps with {"long words " * 12}</p><p>Same closing text.</p>')
    bodies = [body("Acme", "acme", "https://z.example/?s=acme"),
              body("Bolt Industries", "bolt", "https://b.example/?s=bolt"),
              body("Acme", "acme", "https://z.example/?s=acme")]
    memo = BlockMemo()
    for fragment in bodies:
        alone, through_memo = LinkList(), LinkList()
        want = html_to_text(fragment, alone, lambda url: url or None)
        assert html_to_text(fragment, through_memo, lambda url: url or None, memo) == want
        assert through_memo.urls == alone.urls
    assert "[4]" in want and "Bolt" not in want
    # The second partner's blocks after its merged link are its own; the third partner's are all served.
    assert memo.hits == 9


URL_PIECES = ["https:", "http:", "HTTPS:", "mailto:", "tel:", "javascript:", "ftp:", "//", "/", "./", "../", "..",
              "a.example", "partners.example", "acme", "x y", "#frag", "?q=1", "&r=2", ";p", ":443", "@", "%20",
              "\u00e9", " ", "post.html", "data:text/html,", "file:"]
BASES = ["https://partners.example/acme/blog/post.html", "http://partners.example/acme/", "https://h.example",
         "https://partners.example/acme/blog/?q=1#f"]


@settings(max_examples=600, deadline=None, database=None, derandomize=True)
@given(st.sampled_from(BASES), st.lists(st.sampled_from(URL_PIECES), max_size=6))
def test_links_resolve_every_address_as_urljoin_does(base: str, pieces: list[str]) -> None:
    """``Links.absolute`` takes the join of an address that needs only the base's scheme from a cache kept
    across partners: every address, in either order of first use, resolves as ``urljoin`` against the base."""
    url = "".join(pieces)
    links = Links(base, "https://partners.example/acme/", "acme", "post")
    assert links.absolute(url) == urljoin(base, url.strip())
    other = Links(BASES[(BASES.index(base) + 1) % len(BASES)], links.home_url, "bolt", "post")
    assert other.absolute(url) == urljoin(other.page_url, url.strip())
