"""The raw-HTML tests' project (tests/build/test_raw_html.py, tests/browser/test_raw_html_in_chromium.py):
the scaffolded project with one post of vendor Markdown holding raw HTML, good and hostile."""

from __future__ import annotations

from pathlib import Path

import cobrand
from cobrand.scaffold import init_project
from support.example import ENVIRON

SITE = "example-partner"


BODY = """Intro paragraph.

<div class="callout callout--tip" onclick="alert(1)" style="position:fixed">
<strong>Tip:</strong> ask {{ partner.name }} for a drill.
</div>

<script>document.title = "owned"</script>

<a href="javascript:alert(2)">bad link</a> and <a href="{{ partner.website }}" onmouseover="x()">good link</a>.

<iframe src="https://forms.example.org/embed/123" title="Book a review" width="600" height="400"></iframe>

<iframe src="http://insecure.example.org/embed"></iframe>

<form action="https://forms.example.org/submit" method="post"><label for="email">Email</label>
<input id="email" type="email" name="email" onfocus="x()"><button type="submit">Send</button></form>

<details><summary>More</summary><p>Hidden detail.</p></details>

<img src="https://cdn.example.org/x.png" onerror="alert(3)" alt="Chart">

<style>body { display: none }</style>
"""



def build_raw_html(base: Path) -> Path:
    """Scaffold a project in ``base/project`` with the post ``blog/raw.md`` (:data:`BODY`), build it into
    ``base/out`` without PDFs or images, and return the partner's site folder."""
    root = base / "project"
    init_project(root, environ=ENVIRON)
    (root / "content" / "blog" / "raw.md").write_text(
        f"---\ntitle: Raw HTML\ndate: 2026-01-05\nsummary: A post with HTML.\n---\n\n{BODY}", encoding="utf-8")
    out = base / "out"
    report = cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return out / SITE
