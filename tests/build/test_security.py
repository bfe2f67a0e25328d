"""Partner values are data: escaped in HTML, never Markdown, never templates; content tokens
run in a sandbox that can read partner data and nothing else."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

import cobrand
from support.example import ENVIRON

KESTREL = "partners/kestrel-cloud/partner.toml"
IMMUTABLE = "content/blog/immutable-backups-explained.md"
SCRIPT_NAME = '<script>alert(1)</script> & "Co"'
IMG_INTRO = "<img src=x onerror=alert(1)>"


def edit(project: Path, relative: str, old: str, new: str) -> int:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def replace_line(project: Path, relative: str, prefix: str, new: str) -> None:
    """Replace the one line of a file that starts with ``prefix``."""
    path = project / relative
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [index for index, line in enumerate(lines) if line.startswith(prefix)]
    assert len(hits) == 1, hits
    lines[hits[0]] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_kestrel(project: Path) -> Path:
    """Build one partner, PDFs included: the print templates must escape partner values too."""
    out = project / "build"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), jobs=1, environ=ENVIRON)
    assert report.ok, report.failures
    return out / "kestrel-cloud"


def html_of(site: Path) -> dict[str, str]:
    return {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(site.rglob("*.html"))}


def test_partner_values_are_escaped(project):
    edit(project, KESTREL, 'name = "Kestrel Cloud"', f"name = {toml_string(SCRIPT_NAME)}")
    replace_line(project, KESTREL, "intro = ", f"intro = {toml_string(IMG_INTRO)}")
    site = build_kestrel(project)
    pages = html_of(site)
    assert "index.html" in pages and "blog/immutable-backups-explained.html" in pages
    for name, text in pages.items():
        assert "<script>alert" not in text, name
        assert "<img src=x" not in text, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in text, name
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["index.html"]
    # the token-filled body escapes the name as well
    body = pages["blog/immutable-backups-explained.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34; can review" in body \
        or "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; can review" in body
    # in the PDFs the name is printed as text, not parsed as markup
    pdfs = sorted((site / "one-pagers").glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        text = " ".join(" ".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages).split())
        assert "<script>alert(1)</script> &" in text, pdf.name


def test_markdown_in_partner_name_is_not_rendered(project):
    edit(project, KESTREL, 'name = "Kestrel Cloud"', 'name = "**Kestrel** _Cloud_"')
    pages = html_of(build_kestrel(project))
    for name, text in pages.items():
        assert "<strong>Kestrel</strong>" not in text, name
        assert "<em>Cloud</em>" not in text, name
    assert "**Kestrel** _Cloud_ can review" in pages["blog/immutable-backups-explained.html"]


def test_template_syntax_in_partner_value_is_not_evaluated(project):
    edit(project, KESTREL, 'name = "Kestrel Cloud"', 'name = "Kestrel {{ 7*7 }} Cloud"')
    site = build_kestrel(project)
    texts = [path.read_text(encoding="utf-8") for path in site.rglob("*") if path.suffix in {".html", ".txt", ".xml"}]
    assert any("Kestrel {{ 7*7 }} Cloud" in text for text in texts)
    for text in texts:
        assert "Kestrel 49 Cloud" not in text


def test_statement_tag_in_content_is_an_error(project):
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review",
                "{% for x in range(3) %}{{ x }}{% endfor %} can review")
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.build(project, out_dir=project / "build", pdfs=False, environ=ENVIRON, all_or_nothing=True)
    matching = [p for p in caught.value.problems if p.file == IMMUTABLE and p.line == line]
    assert matching, [str(p) for p in caught.value.problems]
    assert any("{%" in p.message for p in matching)


def test_comment_tag_in_content_is_an_error(project):
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review", "{# hidden #} can review")
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.build(project, out_dir=project / "build", pdfs=False, environ=ENVIRON, all_or_nothing=True)
    assert any(p.file == IMMUTABLE and p.line == line for p in caught.value.problems)


SANDBOX_ESCAPES = [
    "partner.__class__",
    "partner.__class__.__mro__",
    "''.__class__.__mro__[1].__subclasses__()",
    "partner.name.__class__.__init__.__globals__",
    "partner|attr('__class__')",
    "lipsum.__globals__",
    "cycler.__init__.__globals__",
    "config",
    "self",
]


@pytest.mark.parametrize("expression", SANDBOX_ESCAPES)
def test_sandbox_escape_is_a_project_error(project, expression):
    """Tokens may read partner data only; anything else is an error that names the file and line."""
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review", "{{ " + expression + " }} can review")
    try:
        cobrand.build(project, out_dir=project / "build", partners=("kestrel-cloud",), environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        assert any(p.file == IMMUTABLE and p.line == line for p in error.problems), \
            [str(p) for p in error.problems]
        return
    # no error at all: the output must at least not leak Python internals
    page = (project / "build" / "kestrel-cloud" / "blog" / "immutable-backups-explained.html").read_text()
    internals = ("<class", "&lt;class", "__globals__", "builtins", "function", "object at 0x", "TemplateReference")
    leaked = [marker for marker in internals if marker in page]
    assert leaked == [], f"{{{{ {expression} }}}} leaked Python internals into the page"
    pytest.fail(f"{{{{ {expression} }}}} was accepted instead of reported as a problem")
