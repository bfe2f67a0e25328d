"""``cobrand audit`` covers the partner hubs and the e-mail files, and keeps the two audiences apart (issue 23).

Each case plants one leak into a copy of the example's real build output (public sites and hubs) and
checks that the audit names it, in the hub or on the public site; the unplanted copy audits clean.
The audit before the hubs existed read only the public output folder, so every hub case failed there.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cobrand.audit import HUB, SITE, audit, teased
from cobrand.build import load_and_check
from cobrand.cli import main
from cobrand.entitlement import exclusion_reason
from support.example import ENVIRON, ROOT, ExampleBuild

ATTACKER = "kestrel-cloud"  # registered tier: most items are gated for it
VICTIM = "northbeam-it"


def hub_of(out: Path) -> Path:
    return out.with_name(out.name + "-hub")


@pytest.fixture
def copied(example_build: ExampleBuild, tmp_path: Path) -> Path:
    """A copy of the example's public output in ``tmp_path/out`` and its hubs in ``tmp_path/out-hub``."""
    out = tmp_path / "out"
    shutil.copytree(example_build.out, out)
    shutil.copytree(hub_of(example_build.out), hub_of(out))
    return out


def _gated_title(slug: str) -> str:
    """The title of an item ``slug`` does not get and that the vendor did not mark as a teaser."""
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    partner = next(p for p in project.partners if p.slug == slug)
    return next(item.meta.title for item in project.content
                if exclusion_reason(item, partner, project) is not None and not teased(item, partner, project)
                and item.meta.title not in {i.meta.title for i in project.content
                                            if exclusion_reason(i, partner, project) is None})


def _append(path: Path, text: str) -> None:
    data = path.read_text(encoding="utf-8")
    path.write_text(data.replace("</body>", f"{text}</body>") if "</body>" in data else data + text,
                    encoding="utf-8")


def plant_name_in_hub_page(out: Path) -> tuple[str, str, str]:
    _append(hub_of(out) / ATTACKER / "index.html", "<p>Also ask Northbeam IT</p>")
    return HUB, "index.html", "Northbeam IT"


def plant_gated_title_in_email(out: Path) -> tuple[str, str, str]:
    title = _gated_title(ATTACKER)
    email = sorted((hub_of(out) / ATTACKER / "email").glob("*.txt"))[0]
    _append(email, f"\nRead next: {title}\n")
    return HUB, f"email/{email.name}", title


def plant_gated_title_in_hub_feed(out: Path) -> tuple[str, str, str]:
    title = _gated_title(ATTACKER)
    feed = hub_of(out) / ATTACKER / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    feed.write_text(text.replace("</feed>", f"<!-- {title.replace('&', '&amp;')} --></feed>"), encoding="utf-8")
    return HUB, "feed.xml", title


def plant_slug_in_hub_kit_csv(out: Path) -> tuple[str, str, str]:
    csv = sorted((hub_of(out) / ATTACKER / "kit").glob("*.csv"))[0]
    _append(csv, f"01/01/2027 10:00,see https://partners.harborline.example/{VICTIM}/,\r\n")
    return HUB, f"kit/{csv.name}", VICTIM


def plant_other_logo_in_hub(out: Path) -> tuple[str, str, str]:
    logo = next((hub_of(out) / VICTIM / "static").glob("partner-logo.*"), None) or next(
        (out / VICTIM / "static").glob("partner-logo.*"))
    shutil.copy(logo, hub_of(out) / ATTACKER / "static" / f"borrowed{logo.suffix}")
    return HUB, f"static/borrowed{logo.suffix}", "an image"


def plant_hub_page_without_noindex(out: Path) -> tuple[str, str, str]:
    page = hub_of(out) / ATTACKER / "new.html"
    text = page.read_text(encoding="utf-8")
    stripped = re.sub(r'<meta name="robots"[^>]*>', "", text)
    assert stripped != text
    page.write_text(stripped, encoding="utf-8")
    return HUB, "new.html", "no noindex"


def plant_hub_robots_that_allows(out: Path) -> tuple[str, str, str]:
    (hub_of(out) / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return HUB, "robots.txt", "no Disallow: /"


def plant_public_link_into_the_hub(out: Path) -> tuple[str, str, str]:
    target = f"../../{hub_of(out).name}/{ATTACKER}/kit.html"
    _append(out / ATTACKER / "index.html", f'<a href="{target}">Partner kit</a>')
    return SITE, "index.html", target


def plant_public_link_to_a_kit_page(out: Path) -> tuple[str, str, str]:
    _append(out / ATTACKER / "blog" / "index.html", '<a href="../social.html">Social</a>')
    return SITE, "blog/index.html", "../social.html"


def plant_csv_on_the_public_site(out: Path) -> tuple[str, str, str]:
    csv = sorted((hub_of(out) / ATTACKER / "kit").glob("*.csv"))[0]
    (out / ATTACKER / "static" / csv.name).write_bytes(csv.read_bytes())
    return SITE, f"static/{csv.name}", f"static/{csv.name}"


def plant_email_on_the_public_site(out: Path) -> tuple[str, str, str]:
    shutil.copytree(hub_of(out) / ATTACKER / "email", out / ATTACKER / "email")
    name = sorted(path.name for path in (out / ATTACKER / "email").iterdir())[0]
    return SITE, f"email/{name}", f"email/{name}"


PLANTS: list[Callable[[Path], tuple[str, str, str]]] = [
    plant_name_in_hub_page, plant_gated_title_in_email, plant_gated_title_in_hub_feed, plant_slug_in_hub_kit_csv,
    plant_other_logo_in_hub, plant_hub_page_without_noindex, plant_hub_robots_that_allows,
    plant_public_link_into_the_hub, plant_public_link_to_a_kit_page, plant_csv_on_the_public_site,
    plant_email_on_the_public_site,
]


def test_the_built_sites_and_hubs_audit_clean(copied: Path) -> None:
    report = audit(ROOT, copied, environ=ENVIRON)
    assert report.ok, report.summary()
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    # Every partner's site and hub was read, e-mails included.
    assert report.hubs == report.partners == len(project.partners)
    assert list((hub_of(copied) / ATTACKER / "email").glob("*.html"))


@pytest.mark.parametrize("plant", PLANTS, ids=[plant.__name__.removeprefix("plant_") for plant in PLANTS])
def test_audit_finds_a_leak_planted_in_a_hub_or_across_the_audiences(copied: Path,
                                                                     plant: Callable[[Path], tuple[str, str, str]]
                                                                     ) -> None:
    root, file, found = plant(copied)
    report = audit(ROOT, copied, environ=ENVIRON)
    assert not report.ok
    expected_partner = "" if file == "robots.txt" else ATTACKER
    hits = [leak for leak in report.leaks
            if (leak.root, leak.partner, leak.file, leak.found) == (root, expected_partner, file, found)]
    assert hits, report.summary()


def test_a_teaser_title_is_allowed_in_the_hub_but_not_on_the_public_site(copied: Path) -> None:
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    partner = next(p for p in project.partners if p.slug == ATTACKER)
    teasers = [item for item in project.content if teased(item, partner, project)]
    assert teasers, "the example has a teaser item gated above the registered tier"
    title = teasers[0].meta.title
    _append(hub_of(copied) / ATTACKER / "kit.html", f"<p>{title}</p>")
    assert audit(ROOT, copied, environ=ENVIRON).ok
    _append(copied / ATTACKER / "index.html", f"<p>{title}</p>")
    report = audit(ROOT, copied, environ=ENVIRON)
    assert [(leak.root, leak.file, leak.found) for leak in report.leaks] == [(SITE, "index.html", title)]


def test_cli_audit_takes_hub_out_like_build(copied: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "hubs-elsewhere"
    hub_of(copied).rename(elsewhere)
    _append(elsewhere / ATTACKER / "index.html", "<p>Also ask Northbeam IT</p>")
    runner = CliRunner()
    found = runner.invoke(main, ["audit", str(ROOT), "--out", str(copied), "--hub-out", str(elsewhere)], env=ENVIRON)
    assert found.exit_code == 1 and "hub kestrel-cloud/index.html" in found.output, found.output
    # Without --hub-out the default (beside --out) is gone: only the public sites are read, and they are clean.
    clean = runner.invoke(main, ["audit", str(ROOT), "--out", str(copied)], env=ENVIRON)
    assert clean.exit_code == 0, clean.output
    assert "(0 hubs)" in clean.output
