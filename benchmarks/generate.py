"""Generate a synthetic cobrand project, and the equivalent Hugo site, for benchmarks.

    python benchmarks/generate.py --partners 1000 --items 100 --out benchmarks/work/p1000x100

writes ``OUT/project`` (a cobrand project) and ``OUT/hugo`` (a Hugo site with
the same pages: every item a partner is entitled to, duplicated per partner
with the partner's data substituted). Output depends only on the arguments
and the seed: no network, no clock.

The content mix is, by default, 80% blog posts of about 600 words (headings,
lists, emphasis, links, sometimes a table or a quote), 10% one-pagers and
10% social posts. About half the items are gated (minimum tier, ecosystems,
regions), so partners get different sets. Partners have varied tiers,
locales (some en-US and en-CA, which print on Letter) and logos: PNG (made
with Pillow) and SVG, each wide, square or tall.
"""

# ruff: noqa: E501  (the Hugo layouts and TOML below are data, kept readable as written)
from __future__ import annotations

import argparse
import colorsys
import datetime as dt
import io
import json
import random
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = "1"
TIERS = ["registered", "silver", "gold", "platinum"]
ECOSYSTEMS = ["microsoft", "aws", "google-cloud"]
REGIONS = ["amer", "emea", "apac"]
LOCALES = {
    "amer": ["en-US", "en-US", "en-US", "en-CA", "es-MX", "pt-BR"],
    "emea": ["en-GB", "de-DE", "fr-FR", "nl-NL", "en-IE", "sv-SE"],
    "apac": ["en-AU", "ja-JP", "en-SG", "en-NZ", "en-IN"],
}
VENDOR_NAME = "Tidewater Data"
VENDOR_SITE = "https://tidewater.example"
THEME = "tidewater"
BASE_DATE = dt.date(2025, 1, 6)

# ---------------------------------------------------------------- text ----

NOUNS = ["backup", "restore", "recovery", "snapshot", "replica", "vault", "archive", "policy", "runbook", "drill", "audit", "incident", "outage", "ransomware", "attacker", "credential", "workload", "database", "server", "tenant", "mailbox", "cluster", "region", "account", "key", "retention", "schedule", "budget", "contract", "insurer", "regulator", "board", "team", "engineer", "analyst", "manager", "checklist", "dashboard", "alert", "report", "evidence", "baseline", "objective", "storage", "network", "firewall", "identity", "endpoint", "laptop", "application", "service", "pipeline", "release", "migration", "platform", "provider", "customer", "supplier", "partner", "office", "branch", "warehouse", "datacentre"]
ADJECTIVES = ["immutable", "offsite", "encrypted", "tested", "reliable", "measurable", "isolated", "automated", "quarterly", "daily", "weekly", "critical", "sensitive", "regulated", "hybrid", "native", "resilient", "documented", "practical", "realistic", "expensive", "cheap", "slow", "fast", "hidden", "missing", "overlapping", "separate", "shared", "central", "local", "remote", "compliant", "auditable", "recent", "stale"]
VERBS = ["protects", "restores", "copies", "locks", "checks", "measures", "reports", "detects", "deletes", "encrypts", "replicates", "rehearses", "documents", "schedules", "verifies", "isolates", "recovers", "monitors", "tags", "approves", "reviews", "shortens", "extends", "breaks", "hides", "proves"]
ADVERBS = ["quietly", "quickly", "reliably", "rarely", "often", "safely", "automatically", "manually", "predictably", "silently", "carefully", "regularly"]
CONNECTORS = ["In practice,", "For most teams,", "During an incident,", "On paper,", "Every quarter,",
              "In our experience,", "Before an audit,", "After a failed restore,", "At scale,", "Too often,"]
HEADINGS = ["Why this matters", "What usually goes wrong", "Where the gaps hide", "A better approach",
            "How to test it", "What auditors ask for", "The cost of waiting", "A short checklist",
            "Common objections", "What good looks like", "Measuring progress", "Next steps",
            "Who owns the problem", "Questions to ask your provider", "The first week"]
FIRST = ["North", "Blue", "Granite", "Cedar", "Harbor", "Summit", "Pioneer", "Silver", "Iron", "Maple",
         "Falcon", "Lumen", "Atlas", "Beacon", "Copper", "Delta", "Ember", "Fjord", "Kestrel", "Orchid"]
SECOND = ["Ridge", "Stone", "Field", "Bridge", "Point", "Valley", "Crest", "Gate", "Works", "Line",
          "Peak", "Path", "Haven", "Forge", "Grove", "Shore", "Wave", "Lake", "Spring", "Wood"]
SUFFIX = ["IT", "Systems", "Cloud", "Technology", "Consulting", "Networks", "Digital", "Data",
          "Solutions", "Managed Services", "IT Services", "Tech GmbH", "Informatique", "KK"]


def sentence(rng: random.Random, low: int = 9, high: int = 22) -> str:
    count = rng.randint(low, high)
    words: list[str] = []
    while len(words) < count:
        pattern = rng.random()
        if pattern < 0.4:
            words += ["the", rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(VERBS), "every", rng.choice(NOUNS)]
        elif pattern < 0.7:
            words += ["a", rng.choice(NOUNS), "that", rng.choice(VERBS), rng.choice(ADVERBS)]
        else:
            words += ["your", rng.choice(NOUNS), "and", "its", rng.choice(ADJECTIVES), rng.choice(NOUNS)]
    text = " ".join(words[:count])
    if rng.random() < 0.3:
        text = rng.choice(CONNECTORS) + " " + text
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 5)) -> str:
    parts = [sentence(rng) for _ in range(rng.randint(*sentences))]
    if rng.random() < 0.4:
        index = rng.randrange(len(parts))
        noun = rng.choice(NOUNS)
        parts[index] = parts[index][:-1] + f", as the **{noun} {rng.choice(NOUNS)}** shows."
    if rng.random() < 0.25:
        parts.append(f"See the [{rng.choice(NOUNS)} guide]({VENDOR_SITE}/guides/{rng.choice(NOUNS)}) for details.")
    return " ".join(parts)


def bullet_list(rng: random.Random, numbered: bool = False) -> str:
    lines = []
    for number in range(1, rng.randint(3, 6) + 1):
        marker = f"{number}." if numbered else "-"
        lead = f"**{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)}**: " if rng.random() < 0.6 else ""
        lines.append(f"{marker} {lead}{sentence(rng, 6, 14)}")
    return "\n".join(lines)


def table(rng: random.Random, rows: int = 4) -> str:
    head = "| Question | Good answer | Typical answer |\n|---|---|---|"
    body = [f"| {rng.choice(NOUNS).capitalize()} {rng.choice(NOUNS)}? | {rng.choice(ADJECTIVES).capitalize()} "
            f"{rng.choice(NOUNS)} | {rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)} |" for _ in range(rows)]
    return "\n".join([head, *body])


def words(text: str) -> int:
    return len(text.split())


def title_words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(ADJECTIVES), *(rng.choice(NOUNS) for _ in range(count - 1))]


# -------------------------------------------------------------- models ----


@dataclass
class Item:
    kind: str  # blog | one-pagers | social
    slug: str
    title: str
    date: dt.date
    summary: str
    body: str = ""  # Markdown with cobrand tokens
    front: dict[str, object] = field(default_factory=dict)  # extra front matter (gating, tags, ...)
    min_tier: str | None = None
    ecosystems: list[str] | None = None
    regions: list[str] | None = None


@dataclass
class PartnerData:
    slug: str
    name: str
    tier: str
    ecosystems: list[str]
    regions: list[str]
    locale: str
    website: str
    email: str
    phone: str
    primary: str
    accent: str
    logo: str  # file name
    intro: str
    cta_label: str
    cta_url: str


def entitled(item: Item, partner: PartnerData) -> bool:
    """The same rule as cobrand's planner for the gating the generator uses."""
    if item.min_tier is not None and TIERS.index(partner.tier) < TIERS.index(item.min_tier):
        return False
    if item.ecosystems is not None and not set(item.ecosystems) & set(partner.ecosystems):
        return False
    return not (item.regions is not None and not set(item.regions) & set(partner.regions))


def gate(rng: random.Random, item: Item, ungated: bool) -> None:
    if ungated or rng.random() < 0.5:
        return
    roll = rng.random()
    if roll < 0.4:
        item.min_tier = rng.choice(TIERS[1:])
    elif roll < 0.7:
        item.ecosystems = rng.sample(ECOSYSTEMS, rng.randint(1, 2))
    elif roll < 0.9:
        item.regions = rng.sample(REGIONS, rng.randint(1, 2))
    else:
        item.min_tier = rng.choice(TIERS[1:3])
        item.regions = rng.sample(REGIONS, 2)


def make_items(rng: random.Random, count: int, mix: tuple[float, float, float]) -> list[Item]:
    blog_share, sheet_share, _ = mix
    total = blog_share + sheet_share + mix[2]
    kinds = []
    for index in range(count):  # evenly interleaved, so any prefix has the same mix
        position = (index + 0.5) / count * total
        kinds.append("blog" if position < blog_share else "one-pagers" if position < blog_share + sheet_share
                     else "social")
    rng.shuffle(kinds)
    if "blog" in kinds:  # the first blog post is ungated: the one run.py edits
        first = kinds.index("blog")
        kinds[0], kinds[first] = kinds[first], kinds[0]
    items: list[Item] = []
    for index, kind in enumerate(kinds):
        date = BASE_DATE + dt.timedelta(days=index * 3 % 600)
        topic = title_words(rng, 3)
        if kind == "blog":
            items.append(blog_post(rng, index, topic, date))
        elif kind == "one-pagers":
            items.append(one_pager(rng, index, topic, date))
        else:
            items.append(Item("social", f"social-{index:04d}-{topic[0]}", "", date, ""))
        gate(rng, items[-1], ungated=index == 0)
    ungated_posts = [item for item in items if item.kind == "blog" and item.min_tier is None
                     and item.ecosystems is None and item.regions is None]
    for item in items:
        if item.kind == "social":
            target = rng.choice(ungated_posts) if ungated_posts else None
            social_post(rng, item, target)
    return items


def blog_post(rng: random.Random, index: int, topic: list[str], date: dt.date) -> Item:
    title = f"{len(topic) + rng.randint(2, 6)} ways {topic[0]} {topic[1]} affects your {topic[2]}"
    sections = [paragraph(rng, (3, 5))]
    headings = rng.sample(HEADINGS, 5)
    for number, heading in enumerate(headings):
        sections.append(f"## {heading}")
        sections.append(paragraph(rng, (2, 4)))
        if number == 1:
            sections.append(bullet_list(rng))
        elif number == 2 and rng.random() < 0.5:
            sections.append(bullet_list(rng, numbered=True))
        elif number == 3 and rng.random() < 0.35:
            sections.append(table(rng))
        elif number == 3 and rng.random() < 0.3:
            sections.append("> " + sentence(rng, 12, 20))
        if words("\n\n".join(sections)) < 110 * (number + 1):
            sections.append(paragraph(rng, (2, 4)))
    sections.append("## How {{ vendor.name }} and {{ partner.name }} help")
    sections.append(f"{{{{ vendor.name }}}} {rng.choice(VERBS)} every {rng.choice(NOUNS)} and "
                    f"{rng.choice(VERBS)} the {rng.choice(NOUNS)} each day. {sentence(rng)}\n\n"
                    "{{ partner.name }} runs recovery rehearsals that time each step, from the first alert to a "
                    "working application. Email {{ partner.contact.email }} to plan yours.")
    body = "\n\n".join(sections) + "\n"
    tags = sorted(set(rng.sample(NOUNS, 3)))
    return Item("blog", f"post-{index:04d}-{'-'.join(topic[:2])}", title.capitalize(), date,
                sentence(rng, 12, 20), body, {"author": f"{rng.choice(FIRST)} {rng.choice(SECOND)}", "tags": tags})


def one_pager(rng: random.Random, index: int, topic: list[str], date: dt.date) -> Item:
    name = f"{topic[0].capitalize()} {topic[1].capitalize()}"
    sections = ["## The problem", paragraph(rng, (3, 4)), "## What it does", paragraph(rng, (3, 4)),
                "## What you get", bullet_list(rng), "## Specifications", table(rng, 4),
                "## Talk to {{ partner.name }}",
                "{{ partner.name }} runs " + name + " on your behalf. Contact {{ partner.contact.email }} to "
                "agree your first scope."]
    item = Item("one-pagers", f"sheet-{index:04d}-{'-'.join(topic[:2])}", name, date, sentence(rng, 12, 20),
                "\n\n".join(sections) + "\n", {"subtitle": sentence(rng, 6, 10)[:-1], "tags": ["datasheet"]})
    return item


def social_post(rng: random.Random, item: Item, target: Item | None) -> None:
    item.title = f"Launch: {sentence(rng, 4, 7)[:-1]}"
    hook = sentence(rng, 8, 14)[:120]
    linkedin = (f"{hook}\n\n{paragraph(rng, (2, 3))}\n\n1. {sentence(rng, 6, 10)}\n2. {sentence(rng, 6, 10)}\n\n"
                "{{ partner.name }} can run that check with you.")
    x = sentence(rng, 8, 14)[:150]
    facebook = f"{paragraph(rng, (2, 3))} The team at {{{{ partner.name }}}} is happy to help."
    item.front = {"link": f"blog/{target.slug}" if target else None,
                  "hashtags": [rng.choice(NOUNS).capitalize() for _ in range(2)],
                  "variants": {"linkedin": linkedin, "x": x, "facebook": facebook}}


def random_color(rng: random.Random, lightness: tuple[float, float] = (0.25, 0.6)) -> str:
    r, g, b = colorsys.hls_to_rgb(rng.random(), rng.uniform(*lightness), rng.uniform(0.45, 0.95))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def make_partners(rng: random.Random, count: int) -> list[PartnerData]:
    partners = []
    for index in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(SUFFIX)}"
        slug = f"p{index:05d}-" + "-".join(name.lower().split()[:2])
        region = REGIONS[index % 3] if index < 3 else rng.choice(REGIONS)
        regions = [region] + ([rng.choice(REGIONS)] if rng.random() < 0.2 else [])
        tier = rng.choices(TIERS, weights=[4, 3, 2, 1])[0]
        host = f"{slug.split('-', 1)[1]}-{index}.example"
        logo_kind = ["png", "svg"][index % 2]
        shape = ["wide", "square", "tall"][(index // 2) % 3]
        partners.append(PartnerData(
            slug=slug, name=name, tier=tier, ecosystems=sorted(set(rng.sample(ECOSYSTEMS, rng.randint(1, 3)))),
            regions=sorted(set(regions)), locale=rng.choice(LOCALES[region]), website=f"https://{host}",
            email=f"sales@{host}", phone=f"+1 555 01{rng.randint(0, 99):02d} {rng.randint(1000, 9999)}",
            primary=random_color(rng), accent=random_color(rng, (0.45, 0.7)), logo=f"logo-{shape}.{logo_kind}",
            intro=f"{name} has kept {rng.randint(40, 900)} local firms recoverable since {rng.randint(1995, 2020)}. "
                  + sentence(rng, 10, 16),
            cta_label=rng.choice(["Book a review", "Talk to us", "Get a recovery check", "Plan a drill"]),
            cta_url=f"https://{host}/contact",
        ))
    return partners


# --------------------------------------------------------------- logos ----

LOGO_SIZES = {"wide": (480, 120), "square": (240, 240), "tall": (160, 300)}


def svg_logo(partner: PartnerData, shape: str) -> str:
    width, height = LOGO_SIZES[shape]
    initials = "".join(word[0] for word in partner.name.split()[:2])
    mark = min(width, height) * 0.8
    if shape == "wide":
        text = (f'<text x="{height}" y="{height * 0.62:.0f}" font-family="DejaVu Sans, sans-serif" '
                f'font-size="{height * 0.36:.0f}" font-weight="700" fill="{partner.primary}">'
                f'{partner.name.split()[0]}</text>')
    else:
        text = (f'<text x="{width / 2:.0f}" y="{height - 14}" text-anchor="middle" font-family="DejaVu Sans, '
                f'sans-serif" font-size="{width * 0.16:.0f}" font-weight="700" fill="{partner.primary}">'
                f'{partner.name.split()[0]}</text>')
    cx = height / 2 if shape == "wide" else width / 2
    cy = height / 2 if shape == "wide" else mark / 2 + 8
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">\n'
            f'  <title>{partner.name}</title>\n'
            f'  <circle cx="{cx:.0f}" cy="{cy:.0f}" r="{mark * 0.4:.0f}" fill="{partner.primary}"/>\n'
            f'  <path d="M{cx - mark * 0.2:.0f} {cy + mark * 0.1:.0f} L{cx:.0f} {cy - mark * 0.25:.0f} '
            f'L{cx + mark * 0.2:.0f} {cy + mark * 0.1:.0f} Z" fill="{partner.accent}"/>\n'
            f'  <text x="{cx:.0f}" y="{cy + mark * 0.3:.0f}" text-anchor="middle" font-family="DejaVu Sans" '
            f'font-size="{mark * 0.14:.0f}" fill="#ffffff">{initials}</text>\n'
            f'  {text}\n</svg>\n')


def png_logo(partner: PartnerData, shape: str) -> bytes:
    from PIL import Image, ImageDraw

    width, height = (size * 2 for size in LOGO_SIZES[shape])  # 2x, as partners tend to send
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    primary = tuple(int(partner.primary[i:i + 2], 16) for i in (1, 3, 5))
    accent = tuple(int(partner.accent[i:i + 2], 16) for i in (1, 3, 5))
    side = min(width, height)
    draw.ellipse((side * 0.1, side * 0.1, side * 0.9, side * 0.9), fill=primary)
    draw.polygon([(side * 0.3, side * 0.6), (side * 0.5, side * 0.25), (side * 0.7, side * 0.6)], fill=accent)
    if shape == "wide":
        for bar in range(3):
            x = side + bar * side * 0.9
            draw.rounded_rectangle((x, side * 0.3, x + side * 0.7, side * 0.7), radius=8, fill=primary)
    elif shape == "tall":
        draw.rectangle((width * 0.1, side + 20, width * 0.9, height - 20), fill=accent)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


# --------------------------------------------------------------- write ----


def yaml_scalar(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings and lists are valid YAML


def front_matter(item: Item) -> str:
    lines = [f"title: {yaml_scalar(item.title)}", f"date: {item.date.isoformat()}"]
    if item.summary:
        lines.append(f"summary: {yaml_scalar(item.summary)}")
    for key, value in item.front.items():
        if key == "variants" or value is None:
            continue
        lines.append(f"{key}: {yaml_scalar(value)}")
    for key in ("min_tier", "ecosystems", "regions"):
        value = getattr(item, key)
        if value is not None:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def write_item(folder: Path, item: Item) -> None:
    if item.kind == "social":
        text = front_matter(item) + "variants:\n"
        variants: dict[str, str] = item.front["variants"]  # type: ignore[assignment]
        for network, value in variants.items():
            text += f"  {network}: |\n" + "".join(f"    {line}\n" if line else "\n" for line in value.split("\n"))
        (folder / "content" / "social" / f"{item.slug}.yaml").write_text(text, "utf-8")
        return
    text = "---\n" + front_matter(item) + "---\n\n" + item.body
    (folder / "content" / item.kind / f"{item.slug}.md").write_text(text, "utf-8")


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def partner_toml(partner: PartnerData) -> str:
    return "\n".join([
        f"name = {toml_string(partner.name)}",
        f"tier = {toml_string(partner.tier)}",
        f"ecosystems = {json.dumps(partner.ecosystems)}",
        f"regions = {json.dumps(partner.regions)}",
        f"locale = {toml_string(partner.locale)}",
        f"website = {toml_string(partner.website)}",
        f"logo = {toml_string(partner.logo)}",
        "",
        "[colors]",
        f"primary = {toml_string(partner.primary)}",
        f"accent = {toml_string(partner.accent)}",
        "",
        "[contact]",
        f"email = {toml_string(partner.email)}",
        f"phone = {toml_string(partner.phone)}",
        "",
        "[personalize]",
        f"intro = {toml_string(partner.intro)}",
        f"cta_label = {toml_string(partner.cta_label)}",
        f"cta_url = {toml_string(partner.cta_url)}",
        "",
    ])


COBRAND_TOML = f"""[vendor]
name = "{VENDOR_NAME}"
website = "{VENDOR_SITE}"
logo = "brand/tidewater.svg"
legal = "Tidewater and the Tidewater wave mark are trademarks of Tidewater Data Ltd.; all other names are the property of their respective owners."

[vendor.colors]
primary = "#123f63"
accent = "#e8a33d"

[site]
base_url = "https://partners.tidewater.example/{{partner}}/"
theme = "{THEME}"
title = "Tidewater Partner Hub"

[tiers]
order = {json.dumps(TIERS)}

[ecosystems]
known = {json.dumps(ECOSYSTEMS)}

[regions]
known = {json.dumps(REGIONS)}

[personalize.intro]
label = "Introduction on the home page"
max_length = 400

[personalize.cta_label]
label = "Call to action"
max_length = 40
default = "Talk to us"

[personalize.cta_url]
label = "Call to action link"
kind = "url"
max_length = 500

[personalize.closing]
label = "Closing line of posts"
max_length = 300
default = "Ask us for a recovery readiness review: it takes an hour and shows where you stand."

[tracking]
utm_medium = "partner"
"""

VENDOR_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="440" height="110" viewBox="0 0 440 110" role="img">
  <title>Tidewater</title>
  <path d="M10 70 Q30 40 50 70 T90 70 T130 70" fill="none" stroke="#123f63" stroke-width="9" stroke-linecap="round"/>
  <path d="M10 90 Q30 60 50 90 T90 90 T130 90" fill="none" stroke="#e8a33d" stroke-width="7" stroke-linecap="round"/>
  <text x="146" y="76" font-family="DejaVu Sans, sans-serif" font-size="46" font-weight="700" fill="#123f63">Tidewater</text>
</svg>
"""

THEME_INDEX = """{# Benchmark vendor theme: overrides the home page headline only, like the example project. #}
{% extends "default/index.html" %}
{% block hero_title %}Recover from anything with {{ partner.name }} and {{ vendor.name }}{% endblock %}
"""


def write_project(root: Path, items: list[Item], partners: list[PartnerData]) -> None:
    (root / "brand").mkdir(parents=True)
    (root / "brand" / "tidewater.svg").write_text(VENDOR_SVG, "utf-8")
    (root / "cobrand.toml").write_text(COBRAND_TOML, "utf-8")
    templates = root / "themes" / THEME / "templates"
    templates.mkdir(parents=True)
    (templates / "index.html").write_text(THEME_INDEX, "utf-8")
    for kind in ("blog", "one-pagers", "social"):
        (root / "content" / kind).mkdir(parents=True)
    for item in items:
        write_item(root, item)
    pngs: dict[tuple[str, str, str], bytes] = {}
    for partner in partners:
        folder = root / "partners" / partner.slug
        folder.mkdir(parents=True)
        (folder / "partner.toml").write_text(partner_toml(partner), "utf-8")
        shape, kind = partner.logo.removeprefix("logo-").split(".")
        if kind == "svg":
            (folder / partner.logo).write_text(svg_logo(partner, shape), "utf-8")
        else:
            key = (shape, partner.primary, partner.accent)
            pngs[key] = pngs.get(key) or png_logo(partner, shape)
            (folder / partner.logo).write_bytes(pngs[key])


# ---------------------------------------------------------------- hugo ----

HUGO_TOML = f"""baseURL = "https://partners.tidewater.example/"
languageCode = "en"
title = "Tidewater Partner Hub"
disableKinds = ["taxonomy", "term"]
enableRobotsTXT = true

[params]
vendor = "{VENDOR_NAME}"
vendor_website = "{VENDOR_SITE}"
legal = "Tidewater and the Tidewater wave mark are trademarks of Tidewater Data Ltd.; all other names are the property of their respective owners."

[markup.goldmark.renderer]
unsafe = false

[markup.goldmark.parser]
autoHeadingID = true
"""

# Hugo layouts with the same structure and weight as cobrand's default theme:
# full head (canonical, Open Graph, Twitter), logo lockup, nav, contact block, footer.
HUGO_BASEOF = """<!doctype html>
{{- $p := .FirstSection.Params -}}
<html lang="{{ $p.locale | default "en" }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ $p.partner_name }}</title>
<meta name="description" content="{{ .Params.summary | default $p.intro }}">
<link rel="canonical" href="{{ .Permalink }}">
<link rel="alternate" type="application/rss+xml" title="{{ $p.partner_name }}" href="{{ .FirstSection.RelPermalink }}index.xml">
<meta property="og:type" content="{{ if .IsPage }}article{{ else }}website{{ end }}">
<meta property="og:title" content="{{ .Title }}">
<meta property="og:description" content="{{ .Params.summary | default $p.intro }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:site_name" content="{{ $p.partner_name }}">
<meta property="og:locale" content="{{ replace ($p.locale | default "en") "-" "_" }}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="{{ .Title }}">
<meta name="twitter:description" content="{{ .Params.summary | default $p.intro }}">
<meta name="theme-color" content="{{ $p.primary }}">
<link rel="stylesheet" href="{{ "css/site.css" | relURL }}">
<style>:root{--partner-primary:{{ $p.primary | safeCSS }};--partner-accent:{{ $p.accent | safeCSS }};--vendor-primary:#123f63;}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="masthead">
  <div class="masthead__inner">
    <a class="lockup" href="{{ .FirstSection.RelPermalink }}" aria-label="{{ $p.partner_name }}, in partnership with {{ site.Params.vendor }}: home">
      <img class="lockup__partner" src="{{ .FirstSection.RelPermalink }}{{ $p.logo }}" alt="{{ $p.partner_name }}">
      <span class="lockup__divider" aria-hidden="true"></span>
      <span class="lockup__vendor">
        <span class="lockup__with">in partnership with</span>
        <img src="{{ "vendor-logo.svg" | relURL }}" alt="{{ site.Params.vendor }}">
      </span>
    </a>
    <nav class="nav" aria-label="Main">
      <ul class="nav__links">
        <li><a href="{{ .FirstSection.RelPermalink }}">Home</a></li>
        <li><a href="{{ .FirstSection.RelPermalink }}blog/">Blog</a></li>
        <li><a href="{{ .FirstSection.RelPermalink }}social/">Social</a></li>
        <li><a href="{{ .FirstSection.RelPermalink }}kit/">Kit</a></li>
        <li class="nav__cta"><a class="button button--small" href="{{ $p.cta_url }}">{{ $p.cta_label }}</a></li>
      </ul>
    </nav>
  </div>
</header>
<main id="main" tabindex="-1">
{{ block "main" . }}{{ end }}
</main>
{{ partial "contact.html" $p }}
<footer class="footer">
  <div class="footer__inner">
    <p class="footer__brands"><strong>{{ $p.partner_name }}</strong>, in partnership with <a href="{{ site.Params.vendor_website }}">{{ site.Params.vendor }}</a>.</p>
    <p class="footer__links"><a href="{{ .FirstSection.RelPermalink }}index.xml">RSS feed</a><span aria-hidden="true"> · </span><a href="{{ .FirstSection.RelPermalink }}kit/">Download the kit</a></p>
    <p class="footer__legal">{{ site.Params.legal }}</p>
  </div>
</footer>
</body>
</html>
"""

HUGO_CONTACT = """<aside class="contact" aria-labelledby="contact-title">
  <div class="contact__inner">
    <div class="contact__text">
      <p class="contact__eyebrow">Your local partner</p>
      <h2 id="contact-title" class="contact__title">Talk to {{ .partner_name }}</h2>
      <ul class="contact__list">
        {{ with .email }}<li><span class="contact__label">Email</span> <a href="mailto:{{ . }}">{{ . }}</a></li>{{ end }}
        {{ with .phone }}<li><span class="contact__label">Phone</span> <a href="tel:{{ . }}">{{ . }}</a></li>{{ end }}
        {{ with .website }}<li><span class="contact__label">Web</span> <a href="{{ . }}">{{ replace . "https://" "" }}</a></li>{{ end }}
      </ul>
    </div>
    <p class="contact__action"><a class="button button--inverse button--large" href="{{ .cta_url }}">{{ .cta_label }}</a></p>
  </div>
</aside>
"""

HUGO_SINGLE = """{{ define "main" }}
<article class="article">
  <header class="article__head">
    <p class="eyebrow"><a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
    <h1>{{ .Title }}</h1>
    {{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
    <p class="article__meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>{{ with .Params.author }} · {{ . }}{{ end }} · {{ .ReadingTime }} min read</p>
  </header>
  <div class="prose">
    {{ .Content }}
  </div>
  {{ with .Params.tags }}<ul class="tags" aria-label="Tags">{{ range . }}<li class="tag">{{ . }}</li>{{ end }}</ul>{{ end }}
  {{ with .Params.pdf }}<p><a class="button" href="{{ . }}">Download the PDF</a></p>{{ end }}
  <p class="article__back"><a href="{{ .CurrentSection.RelPermalink }}"><span aria-hidden="true">←</span> All posts</a></p>
</article>
{{ end }}
"""

HUGO_LIST = """{{ define "main" }}
<section class="hero">
  <h1>{{ .Title }}</h1>
  {{ with .FirstSection.Params.intro }}<p class="lead">{{ . }}</p>{{ end }}
</section>
{{ .Content }}
<div class="cards">
{{ range .RegularPagesRecursive }}
<article class="card">
  <p class="card__meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time> · {{ .ReadingTime }} min read</p>
  <h3 class="card__title"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
  <p class="card__summary">{{ .Params.summary }}</p>
  <p class="card__more" aria-hidden="true">Read the post <span class="arrow">→</span></p>
</article>
{{ end }}
</div>
{{ end }}
"""

HUGO_HOME = """{{ define "main" }}<h1>{{ site.Title }}</h1><ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"""


def substitute(text: str, partner: PartnerData) -> str:
    return (text.replace("{{ partner.name }}", partner.name).replace("{{ vendor.name }}", VENDOR_NAME)
            .replace("{{ partner.contact.email }}", partner.email))


def hugo_front(title: str, date: dt.date, extra: Mapping[str, object]) -> str:
    lines = [f"title: {yaml_scalar(title)}", f"date: {date.isoformat()}"]
    lines += [f"{key}: {yaml_scalar(value)}" for key, value in extra.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def write_hugo(root: Path, project: Path, items: list[Item], partners: list[PartnerData]) -> int:
    """The Hugo site; returns the number of content pages written (besides Hugo's own list pages)."""
    layouts = root / "layouts"
    (layouts / "_default").mkdir(parents=True)
    (layouts / "partials").mkdir()
    (root / "hugo.toml").write_text(HUGO_TOML, "utf-8")
    (layouts / "_default" / "baseof.html").write_text(HUGO_BASEOF, "utf-8")
    (layouts / "_default" / "single.html").write_text(HUGO_SINGLE, "utf-8")
    (layouts / "_default" / "list.html").write_text(HUGO_LIST, "utf-8")
    (layouts / "index.html").write_text(HUGO_HOME, "utf-8")
    (layouts / "partials" / "contact.html").write_text(HUGO_CONTACT, "utf-8")
    static = root / "static" / "css"
    static.mkdir(parents=True)
    default_css = Path(__file__).resolve().parents[1] / "src" / "cobrand" / "themes" / "default" / "static"
    if (default_css / "cobrand.css").is_file():
        shutil.copyfile(default_css / "cobrand.css", static / "site.css")
    else:
        (static / "site.css").write_text("body{font-family:sans-serif}\n", "utf-8")
    shutil.copyfile(project / "brand" / "tidewater.svg", root / "static" / "vendor-logo.svg")
    home = {"partner_name": VENDOR_NAME, "locale": "en", "primary": "#123f63", "accent": "#e8a33d",
            "intro": "Partner sites", "cta_label": "Contact", "cta_url": VENDOR_SITE, "logo": "vendor-logo.svg"}
    (root / "content").mkdir()
    (root / "content" / "_index.md").write_text(hugo_front("Tidewater Partner Hub", BASE_DATE, home))
    pages = 0
    for partner in partners:
        section = root / "content" / partner.slug
        for sub in ("blog", "one-pagers"):
            (section / sub).mkdir(parents=True)
        params = {"partner_name": partner.name, "locale": partner.locale, "primary": partner.primary,
                  "accent": partner.accent, "email": partner.email, "phone": partner.phone,
                  "website": partner.website, "intro": partner.intro, "cta_label": partner.cta_label,
                  "cta_url": partner.cta_url, "logo": partner.logo}
        (section / "_index.md").write_text(hugo_front(partner.name, BASE_DATE, params) + "\n" + partner.intro + "\n")
        shutil.copyfile(project / "partners" / partner.slug / partner.logo, section / partner.logo)
        (section / "blog" / "_index.md").write_text(hugo_front("Blog", BASE_DATE, {}))
        (section / "one-pagers" / "_index.md").write_text(hugo_front("Datasheets", BASE_DATE, {}))
        social_lines = []
        kit_lines = []
        for item in items:
            if not entitled(item, partner):
                continue
            if item.kind == "social":
                variants: dict[str, str] = item.front["variants"]  # type: ignore[assignment]
                social_lines.append(f"## {item.title}\n\n" + "\n\n".join(
                    f"**{network}**: {substitute(text, partner)}" for network, text in variants.items()))
                continue
            extra: dict[str, object] = {"summary": item.summary, "author": item.front.get("author"),
                                        "tags": item.front.get("tags")}
            if item.kind == "one-pagers":
                extra["pdf"] = f"../../kit/{item.slug}.pdf"
                kit_lines.append(f"- [{item.title}](../kit/{item.slug}.pdf)")
            path = section / item.kind / f"{item.slug}.md"
            path.write_text(hugo_front(item.title, item.date, extra) + "\n" + substitute(item.body, partner), "utf-8")
            pages += 1
        (section / "social.md").write_text(hugo_front("Social posts", BASE_DATE, {"summary": "Posts to share"})
                                           + "\n" + "\n\n".join(social_lines) + "\n")
        (section / "kit.md").write_text(hugo_front("Kit", BASE_DATE, {"summary": "Downloads"}) + "\n"
                                        + "\n".join(kit_lines) + "\n")
        pages += 2
    return pages


# ----------------------------------------------------------------- main ----


def generate(out: Path, partners: int, items: int, seed: int = 1,
             mix: tuple[float, float, float] = (0.8, 0.1, 0.1), hugo: bool = True) -> dict[str, object]:
    """Write ``out/project`` (and ``out/hugo``); return a summary (also in ``out/manifest.json``)."""
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(seed)
    item_list = make_items(rng, items, mix)
    partner_list = make_partners(rng, partners)
    write_project(out / "project", item_list, partner_list)
    hugo_pages = write_hugo(out / "hugo", out / "project", item_list, partner_list) if hugo else 0
    edit_post = next(item for item in item_list if item.kind == "blog") if any(
        item.kind == "blog" for item in item_list) else None
    entitled_pages = sum(1 for partner in partner_list for item in item_list
                         if item.kind != "social" and entitled(item, partner))
    manifest: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "partners": partners,
        "items": items,
        "seed": seed,
        "mix": list(mix),
        "kinds": {kind: sum(1 for item in item_list if item.kind == kind) for kind in ("blog", "one-pagers", "social")},
        "gated_items": sum(1 for item in item_list if item.min_tier or item.ecosystems or item.regions),
        "mean_blog_words": round(sum(words(item.body) for item in item_list if item.kind == "blog")
                                 / max(1, sum(1 for item in item_list if item.kind == "blog"))),
        "entitled_item_pages": entitled_pages,
        "hugo_content_pages": hugo_pages,
        "edit_post": f"content/blog/{edit_post.slug}.md" if edit_post else None,
        "edit_partner": f"partners/{partner_list[0].slug}/partner.toml" if partner_list else None,
        "edit_partner_slug": partner_list[0].slug if partner_list else None,
        "edit_template": f"themes/{THEME}/templates/index.html",
        "one_pagers_per_partner": [sum(1 for item in item_list if item.kind == "one-pagers" and entitled(item, p))
                                   for p in partner_list],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return manifest


def parse_mix(value: str) -> tuple[float, float, float]:
    parts = [float(part) for part in value.split(",")]
    if len(parts) != 3 or sum(parts) <= 0 or min(parts) < 0:
        raise argparse.ArgumentTypeError("give three non-negative shares: blog,one-pagers,social")
    return parts[0], parts[1], parts[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", type=parse_mix, default=(0.8, 0.1, 0.1),
                        help="shares of blog posts, one-pagers and social posts (default 0.8,0.1,0.1)")
    parser.add_argument("--no-hugo", action="store_true", help="do not write the Hugo site")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.partners, args.items, args.seed, args.mix, hugo=not args.no_hugo)
    print(json.dumps({key: value for key, value in manifest.items() if key != "one_pagers_per_partner"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
