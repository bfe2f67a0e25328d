"""Page skeletons (render/engine/skeleton.py): a filled skeleton is byte for byte the page the template renders.

The unit tests run small templates over partners whose values differ in
every way a template can notice (truth, length, comparisons, escaping) and
compare each page with a full Jinja2 render; they make a skeleton for every
shape met (``payback=0``), so every shape is compiled and filled. The last test
does the same for every page of every partner of the example project, with the
real theme and the policy builds use.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined

import cobrand
from cobrand.build import load_and_check
from cobrand.render.engine.skeleton import Skeletons
from cobrand.render.fragments import FragmentCache, reset_fragments
from cobrand.render.i18n import install_translations
from cobrand.render.partner import PartnerRenderer
from support.example import ENVIRON, copy_example

ROOT = Path(__file__).resolve().parents[2]

PARTNERS: list[dict[str, Any]] = [
    {"name": "Acme & Sons", "phone": "+1 555 0100", "tags": ["backup", "cloud"], "width": 120.5},
    {"name": "<b>Bold</b> \"Quoted\" 'Co'", "phone": None, "tags": [], "width": 80},
    {"name": "Zed", "phone": "", "tags": ["one", "two", "three"], "width": 120.5},
    {"name": "Acme & Sons", "phone": "+1 555 0199", "tags": ["cloud", "backup"], "width": 300},
]


def environment(templates: dict[str, str]) -> Environment:
    env = Environment(loader=DictLoader(templates), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n", FragmentCache])
    install_translations(env, gettext.NullTranslations())
    return env


def render_all(template: str, partners: list[dict[str, Any]] = PARTNERS) -> tuple[Skeletons, list[tuple[str, str]]]:
    """Each partner's page from skeletons and from the template, in partner order."""
    env = environment({"page.html": template})
    skeletons = Skeletons(env, payback=0)
    pages = []
    for number, partner in enumerate(partners):
        values = {"partner": partner, "home_url": f"https://p{number}.example/"}
        reset_fragments(env, partner, frozenset())

        def full(values: dict[str, Any] = values) -> str:
            return env.get_template("page.html").render(values)

        filled = skeletons.render("page.html", ("page.html",), {}, values, (f"p{number}", "page.html"), full)
        pages.append((filled, env.get_template("page.html").render(values)))
    return skeletons, pages


@pytest.mark.parametrize("template", [
    "<h1>{{ partner.name }}</h1>",
    "{% if partner.phone %}Call {{ partner.phone }}{% else %}No phone{% endif %}",
    "{% for tag in partner.tags %}<li>{{ loop.index }}. {{ tag|upper }}</li>{% else %}none{% endfor %}",
    "{{ partner.tags|length }} tags{% if partner.tags|length > 1 %}, plural{% endif %}",
    "{% set label %}{{ partner.name }}{% endset %}"
    "{% if label|length > 10 %}long{% else %}short{% endif %}: {{ label }}",
    "{% macro badge(text) %}<i>{{ text }}</i>{% endmacro %}{% if badge(partner.name)|length > 20 %}!{% endif %}"
    "{{ badge(partner.name) }}",
    "<a href=\"{{ home_url ~ 'kit.html' }}\">{{ 'x' ~ partner.name ~ 'y' }}</a>",
    "{% if partner.width >= 100 %}wide {{ partner.width * 2 }}{% endif %}|{{ partner.width }}px {{ -partner.width }}",
    "{% if partner.name == 'Zed' %}Z{% elif 'Acme' in partner.name %}A{% endif %}",
    "{{ _('%(name)s, in partnership', name=partner.name) }} {{ partner.name|replace('&', 'and') }}",
    "{% cached 'masthead' %}<header>{{ partner.name }}{% if partner.phone %} {{ partner.phone }}{% endif %}"
    "</header>{% endcached %}<main>{{ partner.tags|join(', ') }}</main>",
    "{{ partner.tags|sort|join('/') }} {{ partner.tags|map('upper')|join }}",
    # Plain Python called with a partner value: a template literal's method, and a value's own.
    "{% set labels = {'Zed': 'Z!'} %}{{ labels.get(partner.name, partner.name|lower) }}",
    "{% if partner.name.startswith('Acme') %}{{ partner.name.split(' ')|join('-') }}{% endif %}",
    # Percent signs in the text around the values (the compiled page is a format string).
    "<p style=\"width: 100%\">%s {{ partner.name }} %(name)s %% {{ partner.width }}%</p>",
])
def test_filled_pages_are_the_rendered_pages(template: str) -> None:
    skeletons, pages = render_all(template)
    for filled, rendered in pages:
        assert filled == rendered
    # The first partner renders in full and makes no skeleton; the others are made and filled.
    assert skeletons.counts["full"] == 1
    assert skeletons.counts["filled"] + skeletons.counts["made"] == len(PARTNERS) - 1


def test_partners_who_answer_alike_share_one_skeleton() -> None:
    partners = [{"name": f"Partner {n}", "phone": f"+1 555 01{n:02d}", "tags": [], "width": 100} for n in range(20)]
    skeletons, pages = render_all("{% if partner.phone %}{{ partner.name }}: {{ partner.phone }}{% endif %}", partners)
    assert [filled for filled, _ in pages] == [rendered for _, rendered in pages]
    assert pages[7][0] == "Partner 7: +1 555 0107"
    # The first partner renders in full, the second makes the skeleton, the third checks it against
    # a full render, and every partner after that only fills it.
    assert skeletons.counts == {"full": 1, "made": 1, "filled": 18}


def test_a_different_answer_grows_another_skeleton() -> None:
    skeletons, pages = render_all("{% if partner.phone %}call{% else %}write{% endif %} {{ partner.name }}")
    assert [filled for filled, _ in pages] == [rendered for _, rendered in pages]
    assert skeletons.counts["made"] == 2  # a phone, then none: "" and None answer alike


def test_shapes_that_do_not_pay_for_themselves_are_rendered_in_full() -> None:
    """A listing's shape changes with its number of cards; shapes few partners share cost more to make
    than the full renders they save, so a new one waits until the key's skeletons have been used."""
    env = environment({"page.html": "<ul>{% for tag in partner.tags %}<li>{{ tag }}</li>{% endfor %}</ul>"})
    skeletons = Skeletons(env)
    assert skeletons.payback == 5
    # Ten partners of one shape, then twenty shapes of one partner each.
    partners = [[f"t{n}"] for n in range(10)] + [[f"t{n}"] * count for n, count in enumerate(range(2, 22))]
    for number, tags in enumerate(partners):
        values = {"partner": {"tags": tags}}
        page = skeletons.render("page.html", ("page.html",), {}, values, (f"p{number}", "page.html"),
                                lambda values=values: env.get_template("page.html").render(values))
        assert page == env.get_template("page.html").render(values)
    # The first partner in full, the second makes the skeleton the next eight fill; with the first
    # partner's page, nine pages pay for one more shape (at five each), made for the first partner with
    # two tags. From then on each five pages the key has had pay for one more: of the other nineteen
    # shapes, three are made and sixteen rendered in full.
    assert skeletons.counts == {"full": 17, "made": 5, "filled": 8}


def test_a_common_shape_is_made_though_the_first_is_rare() -> None:
    """Pages rendered in full for want of a skeleton count towards the next one: a second shape shared
    by many partners gets its skeleton even when the first shape's never fills a page."""
    template = "{% if partner.phone %}call {{ partner.phone }}{% else %}write{% endif %} {{ partner.name }}"
    env = environment({"page.html": template})
    skeletons = Skeletons(env)
    partners = [{"phone": "1", "name": "a"}, {"phone": "2", "name": "b"}] + [
        {"phone": "", "name": f"n{number}"} for number in range(20)]
    for number, partner in enumerate(partners):
        values = {"partner": partner}
        page = skeletons.render("page.html", ("page.html",), {}, values, (f"p{number}", "page.html"),
                                lambda values=values: env.get_template("page.html").render(values))
        assert page == env.get_template("page.html").render(values)
    # The first in full, the second makes the phone's shape; four pages of the other shape are rendered in
    # full, and with them the key has had the five pages that pay for it: it is made, and fills the rest.
    # (Counting fills alone, it was never made: twenty-one pages in full.)
    assert skeletons.counts == {"full": 5, "made": 2, "filled": 15}


class CountingPartner(dict):  # type: ignore[type-arg]
    """A partner that counts how often the page reads each of its values."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.reads: dict[str, int] = {}

    def __getitem__(self, key: str) -> Any:
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().__getitem__(key)


def test_a_value_the_template_reads_again_is_looked_up_once() -> None:
    template = ("<title>{{ partner.name }}</title>{% if partner.name %}<h1>{{ partner.name }}</h1>{% endif %}"
                "{% if partner.phone %}{{ partner.phone }}{% endif %}<footer>{{ partner.name }}</footer>")
    env = environment({"page.html": template})
    skeletons = Skeletons(env, payback=0)
    # The first partner renders in full, the second makes the skeleton, the third checks it against
    # a full render: the fourth is filled alone.
    partners = [CountingPartner({"name": f"Partner {n} & Co", "phone": f"+1 555 010{n}"}) for n in range(4)]
    for number, partner in enumerate(partners):
        values = {"partner": partner}
        page = skeletons.render("page.html", ("page.html",), {}, values, (f"p{number}", "page.html"),
                                lambda values=values: env.get_template("page.html").render(values))
    name = "Partner 3 &amp; Co"
    assert page == f"<title>{name}</title><h1>{name}</h1>+1 555 0103<footer>{name}</footer>"
    assert partners[3].reads == {"name": 1, "phone": 1}
    assert partners[0].reads["name"] == 4  # Jinja2 itself reads it each time


def test_attributes_read_together_still_follow_the_template() -> None:
    # The skeleton reads every attribute of partner at once; "fax" exists only where a phone does,
    # so for a partner without either, the read of "fax" that the template never makes must not
    # decide the page.
    template = "{{ partner.name }}{% if partner.phone %}: {{ partner.phone }} / {{ partner.fax }}{% endif %}"
    partners: list[dict[str, Any]] = [
        {"name": "A", "phone": "1", "fax": "2"}, {"name": "B", "phone": "3", "fax": "4"},
        {"name": "C", "phone": "5", "fax": "6"}, {"name": "D", "phone": None}, {"name": "E", "phone": None},
        {"name": "F", "phone": "7", "fax": "8"},
    ]
    skeletons, pages = render_all(template, partners)
    assert [filled for filled, _ in pages] == ["A: 1 / 2", "B: 3 / 4", "C: 5 / 6", "D", "E", "F: 7 / 8"]
    assert [filled for filled, _ in pages] == [rendered for _, rendered in pages]
    assert skeletons.counts["filled"] >= 3


def test_pages_of_one_folder_share_skeletons() -> None:
    """A page's path is a value like the partner's: posts share skeletons, one per shape."""
    env = environment({"post.html": "<h1>{{ page.title }}</h1>{% if item.tags %}<ul>{% for tag in item.tags %}"
                                    "<li>{{ tag }}</li>{% endfor %}</ul>{% endif %}"
                                    "<a href=\"{{ page.path }}\">{{ partner.name }}</a>"})
    posts = [("blog/a.html", ["x"]), ("blog/b.html", ["y"]), ("blog/c.html", []), ("blog/d.html", ["z"])]
    skeletons = Skeletons(env, payback=0)
    for number, partner in enumerate(PARTNERS[:3]):
        for path, tags in posts:
            values = {"partner": partner, "item": {"tags": tags}, "page.title": path.upper(), "page.path": path}

            def full(partner: dict[str, Any] = partner, tags: list[str] = tags, path: str = path) -> str:
                return env.get_template("post.html").render(partner=partner, item={"tags": tags},
                                                            page={"title": path.upper(), "path": path})

            filled = skeletons.render("post.html", ("post.html", "blog"), {"page": {}}, values,
                                      (f"p{number}", path), full)
            assert filled == full()
    # The first partner renders its four posts in full; the second makes one skeleton with tags
    # and one without, and every other post is filled (the first use by another page checked).
    assert skeletons.counts == {"full": 4, "made": 2, "filled": 6}


@pytest.mark.parametrize("template", [
    "{% set seen = {partner.name: 1} %}{{ seen|length }} {{ partner.name }}",  # a slot cannot be hashed
    "{{ partner.tags|first|default('no tags') }}",  # nor be undefined, as `first` of no tags is
])
def test_what_a_skeleton_cannot_replay_is_rendered_in_full(template: str) -> None:
    skeletons, pages = render_all(template)
    assert [filled for filled, _ in pages] == [rendered for _, rendered in pages]
    assert skeletons.counts["full"] > 0


def test_a_skeleton_that_disagrees_with_the_template_is_retired() -> None:
    """A caller that passes a partner value as a constant breaks the contract: the check catches it."""
    env = environment({"page.html": "{{ greeting }}, {{ partner.name }}"})
    skeletons = Skeletons(env, payback=0)
    results = []
    for number, greeting in enumerate(["Hello", "Bonjour", "Hallo"]):
        values = {"partner": {"name": f"P{number}"}}

        def full(values: dict[str, Any] = values, greeting: str = greeting) -> str:
            return env.get_template("page.html").render(values, greeting=greeting)

        results.append(skeletons.render("page.html", ("page.html",), {"greeting": greeting}, values,
                                        (f"p{number}", "page.html"), full))
    assert results == ["Hello, P0", "Bonjour, P1", "Hallo, P2"]
    assert skeletons.counts == {"made": 1, "filled": 0, "full": 2}


def test_every_example_page_from_skeletons_is_the_rendered_page() -> None:
    project, _ = load_and_check(ROOT)
    renderer = PartnerRenderer(project, pdfs=False, images=True)
    full_renderer = PartnerRenderer(project, pdfs=False, images=True, render="full")
    compared = 0
    for partner in project.partners:
        skeleton_pages = {job.path: job.make(lambda _: b"") for job in renderer.jobs(partner)
                          if job.path.endswith(".html")}
        rendered_pages = {job.path: job.make(lambda _: b"") for job in full_renderer.jobs(partner)
                          if job.path.endswith(".html")}
        assert skeleton_pages == rendered_pages
        # The hub's newsletter e-mails are HTML made by render/newsletter.py, not pages of the page renderer.
        compared += sum(1 for path in rendered_pages
                        if not (path.startswith("hub:email/") and path != "hub:email/index.html"))
    counts = renderer.pages.skeletons.counts  # type: ignore[attr-defined]
    assert compared == sum(counts.values())
    assert counts["filled"] > 0 and counts["made"] > 0


# --- {% cached %} fragments are keyed on what they read ------------------------------------------

BLOG_LINK = """{% if page.section == 'blog' %} aria-current="page"{% endif %}>{{ _("Blog") }}"""
BLOG_INDEX_ONLY = """{% if page.path == 'blog/index.html' %} aria-current="page"{% endif %}>{{ _("Blog") }}"""


@pytest.mark.parametrize("mode", ["full", "fast", "verify"])
def test_a_cached_masthead_that_reads_the_page_path_marks_the_right_page(tmp_path: Path, mode: str) -> None:
    """The default masthead is cached under the page's section; a theme that makes its nav depend on the
    path must still mark the blog index alone, though its posts share the section."""
    project = copy_example(tmp_path)
    base = (Path(cobrand.__file__).parent / "themes/default/templates/base.html").read_text(encoding="utf-8")
    assert BLOG_LINK in base
    (project / "themes/harborline/templates/base.html").write_text(base.replace(BLOG_LINK, BLOG_INDEX_ONLY),
                                                                     encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, jobs=1, environ=ENVIRON, pdfs=False, images=False, render=mode)
    assert report.ok, report.summary()
    for partner in ("kestrel-cloud", "sakura-systems"):
        site = out / partner
        posts = sorted((site / "blog").glob("*.html"))
        assert len(posts) > 2
        # Render the posts before the index and after it: neither order may leak the index's mark.
        for page in posts:
            html = page.read_text(encoding="utf-8")
            marked = '<a href="index.html" aria-current="page">' in html  # the Blog link, in any language
            assert marked == (page.name == "index.html"), f"{partner}/blog/{page.name}: Blog marked={marked}"


def test_a_fragment_is_reused_only_where_what_it_read_is_the_same() -> None:
    """Unit level: the fragment records page.path, so two pages of one section get two renders."""
    from cobrand.render.engine.reads import PageView

    env = environment({"page.html": "{% cached page.section %}<nav>{% if page.path == 'a/index.html' %}here"
                                    "{% endif %}{{ partner.name }}</nav>{% endcached %}"})
    env.recorders = []  # type: ignore[attr-defined]
    partner = {"name": "Acme"}
    reset_fragments(env, partner, frozenset({"partner"}))
    pages = {}
    for path in ("a/index.html", "a/post.html", "a/index.html", "a/other.html"):
        page = PageView({"path": path, "section": "a"}, env.recorders)  # type: ignore[attr-defined]
        pages[path] = env.get_template("page.html").render(partner=partner, page=page)
    assert pages == {"a/index.html": "<nav>hereAcme</nav>", "a/post.html": "<nav>Acme</nav>",
                     "a/other.html": "<nav>Acme</nav>"}
    entries = env.fragment_cache  # type: ignore[attr-defined]
    (page_keys, table), = next(iter(entries.values()))
    assert page_keys == ("path",) and len(table) == 3


def test_a_cached_fragment_that_prints_a_page_value_is_right_on_every_page(tmp_path: Path) -> None:
    """A fragment printing the page's title is made per page: verify compares every page with its full render."""
    project = copy_example(tmp_path)
    base = (Path(cobrand.__file__).parent / "themes/default/templates/base.html").read_text(encoding="utf-8")
    marked = base.replace('<header class="masthead">', '<header class="masthead" data-title="{{ page.title }}">', 1)
    assert marked != base
    (project / "themes/harborline/templates/base.html").write_text(marked, encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, jobs=1, environ=ENVIRON, pdfs=False, images=False,
                           render="verify", partners=("kestrel-cloud", "northbeam-it", "maple-ridge-tech"))
    assert report.ok, report.summary()
    titles = {re.search(r'data-title="([^"]*)"', page.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
              for page in (out / "northbeam-it/blog").glob("*.html")}
    assert len(titles) == len(list((out / "northbeam-it/blog").glob("*.html")))
