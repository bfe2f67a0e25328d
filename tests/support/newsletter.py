"""The newsletter tests' project (tests/build/test_newsletter.py, tests/browser/test_newsletter_in_chromium.py):
the example with an Arabic and a Japanese partner and a post holding what e-mail clients cannot show."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cobrand
from cobrand.load import load_project
from cobrand.render.newsletter import render_emails
from support.example import BUILD_DATE, ENVIRON, ExampleBuild
from support.generated_project import rtl_cjk_project

# A post with what e-mail clients cannot show: a wide picture, a click-to-load embed, a form, a relative link.
EMBED_POST = "restore-walkthrough"


EMBED_SOURCE = """---
title: A restore walkthrough for {{ partner.name }}
date: 2026-10-02
summary: Watch a full restore, then try it yourself.
---

![A wave breaking at low tide](../assets/social/low-tide-swell.jpg)

The video shows every step of a restore.

<iframe src="https://www.youtube-nocookie.com/embed/abc123" title="Restore demo"></iframe>

<form action="https://forms.harborline.example/drill"><input name="email"><button>Sign up</button></form>

Read [the datasheet](../one-pagers/recovery-assurance.html) next, or write to {{ partner.name }}.
"""


def html_files(emails: dict[str, bytes]) -> dict[str, bytes]:
    """The HTML e-mails of one partner's e-mail files, by path."""
    return {path: data for path, data in emails.items() if path.endswith(".html")}


def tracked(url: str, campaign: str) -> bool:
    """True when ``url`` carries the e-mail's tracking: utm_medium=email and the post's campaign."""
    query = parse_qs(urlsplit(url).query)
    return query.get("utm_medium") == ["email"] and query.get("utm_campaign") == [campaign]



def built_newsletter(folder: Path) -> tuple[Any, ExampleBuild, dict[str, dict[str, bytes]]]:
    """The example with an Arabic partner, its public sites built (no PDFs), and every partner's e-mails."""
    root = rtl_cjk_project(folder)
    (root / "content" / "blog" / f"{EMBED_POST}.md").write_text(EMBED_SOURCE, "utf-8")
    out = root.parent / "build"
    report = cobrand.build(root, out_dir=out, pdfs=False, jobs=1, environ=ENVIRON)
    assert report.ok, report.failures
    project, problems = load_project(root, BUILD_DATE)
    assert project is not None, problems
    emails = {partner.slug: render_emails(project, partner) for partner in project.partners}
    return project, ExampleBuild(out, report), emails
