"""The social networks' rules live in one table (src/cobrand/networks.py), and every consumer reads it.

Two kinds of check: each consumer (validation, the images, the share links, the kit's copy file, the
templates) gives what the table says, network by network; and no other module or template of the
package hard-codes a network's rule (its limit, image size, share host, name or label) beside it.
"""

from __future__ import annotations

import ast
import re
from urllib.parse import parse_qs, urlsplit

from cobrand.build import load_and_check
from cobrand.networks import BY_NAME, NETWORKS
from cobrand.plan import Planner
from cobrand.render.images import SOCIAL_SIZES
from cobrand.render.kit import social_copy
from cobrand.render.partner import PartnerRenderer
from cobrand.schemas import VariantsFile
from cobrand.validate import social_text
from support.example import ENVIRON, ROOT

PACKAGE = ROOT / "src" / "cobrand"
TABLE = PACKAGE / "networks.py"
PAGE = "https://partners.example/acme/blog/post.html?utm_source=x&utm_campaign=a b"
# Numbers that are a network's rule by value but something else where they stand: (file, value) -> what.
NOT_A_RULE = {("brand/lockup.py", 280): "the home page card's widest vendor logo, in CSS px"}


def test_every_network_is_a_variant_of_a_social_post() -> None:
    assert list(VariantsFile.model_fields) == [network.name for network in NETWORKS]
    assert list(BY_NAME) == [network.name for network in NETWORKS]


def test_social_images_have_the_tables_sizes() -> None:
    assert {network.name: network.image_size for network in NETWORKS} == SOCIAL_SIZES


def test_share_links_hand_each_network_the_page() -> None:
    for network in NETWORKS:
        link = network.share_link(PAGE, "Read this & more")
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == network.share_dialog
        query = parse_qs(parts.query)
        handed = {what: query[key] for key, what in network.share_query}
        assert handed["url"] == [PAGE], network.name
        assert handed.get("text", ["Read this & more"]) == ["Read this & more"], network.name


def test_posts_are_joined_and_counted_as_each_network_does() -> None:
    link = "https://example.com/" + "a" * 60
    for network in NETWORKS:
        published = social_text("Hello", ["one", "two"], link, network.name)
        assert published == network.separator.join(["Hello", link, "#one #two"])
        counted = len(published) if network.url_length is None else len(published) - len(link) + network.url_length
        assert network.length(published) == counted
    assert BY_NAME["x"].length(link) == 23, "X counts every link as 23 characters"


def test_the_kit_copy_has_every_network_in_the_tables_order() -> None:
    view = {"title": "A post", "variants": {network.name: f"text for {network.name}" for network in NETWORKS}}
    copy = social_copy([view]).decode("utf-8")
    headings = re.findall(r"^## (.+)$", copy, flags=re.MULTILINE)
    assert headings == [network.label for network in NETWORKS]
    for network in NETWORKS:
        assert f"## {network.label}\n\ntext for {network.name}\n" in copy


def test_every_network_gets_its_image_and_scheduler_file_from_the_renderer() -> None:
    # The renderer's jobs for one partner (made, not run): a social image per post and network, and a
    # scheduler CSV per network, named by the table (in whichever folder of the partner's output).
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    partner = next(p for p in project.partners if any(i.kind == "social" for i in Planner(project).plan(p).items))
    paths = {job.path for job in PartnerRenderer(project, pdfs=False, images=True).jobs(partner)}
    images = [found.groups() for path in paths if (found := re.search(r"(?:^|/)social/(.+)-([a-z]+)\.png$", path))]
    csvs = {found.group(1) for path in paths if (found := re.search(r"(?:^|/)hootsuite-([a-z]+)\.csv$", path))}
    posts = {post for post, _ in images}
    assert posts
    assert csvs == {network.name for network in NETWORKS}
    for network in NETWORKS:
        assert {(post, network.name) for post in posts} <= set(images), network.name


def test_the_guide_states_the_tables_rules() -> None:
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    for network in NETWORKS:
        assert f"{network.label}'s {network.limit:,}" in guide, network.name
        width, height = network.image_size
        assert f"{width}x{height} {network.label}" in guide, network.name


def _rule_literals() -> tuple[set[str], set[int], set[tuple[int, int]]]:
    """The table's words (names, labels, share hosts) long enough to be unmistakable, its numbers, its sizes."""
    words = {word for network in NETWORKS for word in (network.name, network.label) if len(word) > 2}
    words |= {urlsplit(network.share_dialog).netloc.removeprefix("www.") for network in NETWORKS}
    # The limits; a link's counted length (23) and a hook's (140) are too common as numbers to search for.
    numbers = {network.limit for network in NETWORKS}
    return words, numbers, {network.image_size for network in NETWORKS}


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def hard_coded_rules(source: str, relative: str) -> list[str]:
    """What in the module ``relative`` (its ``source``) repeats a rule of the table; docstrings are prose."""
    words, numbers, sizes = _rule_literals()
    tree = ast.parse(source, relative)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in prose:
            value = node.value
            if isinstance(value, str) and any(word.lower() in value.lower() for word in words):
                found.append(f"{relative}:{node.lineno}: {value!r}")
            elif (type(value) is int and value in numbers and (relative, value) not in NOT_A_RULE):
                found.append(f"{relative}:{node.lineno}: {value}")
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
            pair = tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
            if pair in sizes:
                found.append(f"{relative}:{node.lineno}: {pair}")
    return found


def test_the_rule_finder_finds_rules() -> None:
    # Checked against a module that hard-codes each kind of rule, so a finder that finds nothing cannot pass.
    source = ('"""About LinkedIn."""\nLIMIT = 280\nSIZE = (1200, 627)\n'
              'URL = "https://www.facebook.com/sharer/sharer.php"\nLABEL = "LinkedIn"\nOTHER = (1200, 630)\n')
    found = hard_coded_rules(source, "render/sample.py")
    assert [line.split(": ", 1)[1] for line in found] == [
        "280", "(1200, 627)", "'https://www.facebook.com/sharer/sharer.php'", "'LinkedIn'"]


def test_no_module_hard_codes_a_network_rule() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) if path != TABLE
             for hit in hard_coded_rules(path.read_text(encoding="utf-8"), path.relative_to(PACKAGE).as_posix())]
    assert not found, "network rules outside src/cobrand/networks.py (read them from the table):\n" + "\n".join(
        f"  src/cobrand/{hit}" for hit in found)


def test_no_template_hard_codes_a_network() -> None:
    # Templates get the table as the global `networks` (names in order, networks[name].label).
    words = {word for network in NETWORKS for word in (network.name, network.label)}
    quoted = re.compile(r"""(['"])(?:""" + "|".join(re.escape(word) for word in sorted(words)) + r")\1")
    assert quoted.search("{% set labels = {'linkedin': 'LinkedIn', 'x': 'X'} %}") and not quoted.search("'xl'")
    found = []
    for path in sorted((PACKAGE / "themes").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if quoted.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not found, "templates naming a network (use the `networks` global):\n" + "\n".join(found)
