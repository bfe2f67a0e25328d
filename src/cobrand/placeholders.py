"""Warnings for what `cobrand init` and `cobrand new` wrote and nobody replaced yet.

Scaffolded files build at once, so nothing stops a vendor from publishing the
example copy, the example partner or a generated badge logo. ``cobrand check``
names each one, with the file and line, so they are replaced before partners
see them, and ``cobrand build`` names the same ones (both call :func:`placeholder_warnings`).
The placeholder copy is read from the scaffold templates themselves: a template edited in cobrand
is recognised without a second list here. With the saved state, a file or partner folder unchanged
since the last build is not read or drawn again: drawing a partner's placeholder logo to compare
takes milliseconds, which a fleet of thousands should pay once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .cache import digest
from .errors import Problem
from .kinds import BUILT_IN
from .load.state import SavedState, file_digest
from .models import Partner, Project

EXAMPLE_PARTNER = "example-partner"  # the partner `cobrand init` creates
INIT_VENDOR_COLORS = ("#1f4e79", "#f28c28")  # the vendor logo `cobrand init` draws
PLACEHOLDER_SUMMARY = "One sentence for listings, feeds and social cards."
_MIN_SENTENCE = 30  # shorter template lines ("## What you get") are ordinary headings, not placeholder copy
# The content folders `cobrand new` writes from a template (scaffold.CONTENT_SUFFIX), by their files' suffix.
# Named here, and scaffold.py imported only where a placeholder logo is drawn: every build checks the content
# folders, and a rebuild whose saved state knows every file reads no template (benchmarks/README.md, issue 22).
CONTENT_SUFFIX = {kind.name: kind.suffixes[0] for kind in BUILT_IN}
_MARKUP = re.compile(r"^[-*#>|\s]+|[*_`]")


# The scaffold templates placeholder copy is read from; scaffold.TEMPLATES names the same folder (pinned by a test).
TEMPLATE_FOLDER = Path(__file__).resolve().parent / "scaffold_templates"
_COPY_TEMPLATES = ("blog.md", "one-pager.md", "media.md", "social.yaml")


def placeholder_lines(state: SavedState | None = None) -> frozenset[str]:
    """Every line of placeholder copy in the content templates, as written there (markup removed).

    ``state`` keeps them by the templates' digest: a rebuild that checks an edited content file then neither
    imports the scaffolding code nor reads the templates.
    """
    if state is None:
        return _template_lines()
    paths = [TEMPLATE_FOLDER / name for name in _COPY_TEMPLATES]
    return state.placeholder_copy.recall("templates", digest(*(file_digest(path, state=state) for path in paths)),
                                         _template_lines)


@functools.lru_cache(maxsize=1)  # a build without saved state asks once per content file
def _template_lines() -> frozenset[str]:
    lines = {PLACEHOLDER_SUMMARY}
    for name in _COPY_TEMPLATES:
        for line in (TEMPLATE_FOLDER / name).read_text(encoding="utf-8").splitlines():
            text = _copy(line, name.endswith(".yaml"))
            if len(text) >= _MIN_SENTENCE and "$" not in text:
                lines.add(text)
    return frozenset(lines)


_YAML_KEY = re.compile(r"^\s*[a-z_]+:\s*")


def _copy(line: str, yaml: bool) -> str:
    """The text of a line as a reader sees it: no YAML key or comment, no Markdown markup, no quotes."""
    if yaml and line.lstrip().startswith("#"):
        return ""
    return _MARKUP.sub("", _YAML_KEY.sub("", line)).strip().strip('"')


def placeholder_warnings(project: Project, state: SavedState | None = None) -> list[Problem]:
    """Placeholder copy in content, the example partner, and generated logos still in place.

    ``state`` remembers each file's and partner folder's findings by their digest.
    """
    state = state or SavedState()
    return _copy_warnings(project, state) + _partner_warnings(project, state) + _vendor_logo_warnings(project, state)


def _copy_warnings(project: Project, state: SavedState) -> list[Problem]:
    problems: list[Problem] = []
    for folder, suffix in CONTENT_SUFFIX.items():
        directory = project.root / "content" / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob(f"*{suffix}")):
            relative = path.relative_to(project.root).as_posix()
            problems += state.placeholder_checks.recall(relative, file_digest(path, state=state),
                                    functools.partial(_file_copy_warning, path, relative, suffix == ".yaml", state))
    return problems


def _file_copy_warning(path: Path, relative: str, yaml: bool, state: SavedState) -> list[Problem]:
    """The first placeholder line of one content file, as a warning (one a file), or none."""
    known = placeholder_lines(state)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # the loader reports it
    for number, line in enumerate(text.splitlines(), start=1):
        plain = _copy(line, yaml)
        if plain in known:
            return [Problem(relative, f"still has the placeholder copy from `cobrand new`: {plain[:60]!r}",
                            line=number, severity="warning")]
    return []


def _partner_warnings(project: Project, state: SavedState) -> list[Problem]:
    problems: list[Problem] = []
    for partner in project.partners:
        def measure(partner: Partner = partner) -> list[Problem]:
            return _one_partner_warnings(project, partner)

        problems += (state.placeholder_checks.recall(f"partners/{partner.slug}", digest(partner.digest), measure)
                     if partner.digest else measure())
    return problems


def _one_partner_warnings(project: Project, partner: Partner) -> list[Problem]:
    from .scaffold import brand_colors, logo_svg, logo_title

    problems = []
    if partner.slug == EXAMPLE_PARTNER:
        problems.append(Problem(partner.source, "is the example partner from `cobrand init`; replace it with a "
                                "real partner or remove partners/example-partner/", severity="warning"))
    logo = partner.logo.path
    if logo.suffix != ".svg":
        return problems
    text = _text(logo)
    # Drawing the two candidates sets the name in outlines (a few ms a partner): only a logo with the
    # placeholder's title can be one, so no other logo is drawn for.
    if text is None or logo_title(partner.name) not in text:
        return problems
    colors = partner.data.colors
    candidates = {logo_svg(partner.name, *brand_colors(partner.slug)),
                  logo_svg(partner.name, colors.primary, colors.accent or colors.primary)}
    if text in candidates:
        problems.append(Problem(_relative(project.root, logo), f"is the placeholder logo `cobrand new partner` "
                                f"drew for {partner.name}; replace it with the partner's own logo",
                                severity="warning"))
    return problems


def _vendor_logo_warnings(project: Project, state: SavedState) -> list[Problem]:
    logo = project.vendor.logo.path
    if logo.suffix != ".svg":
        return []
    return state.placeholder_checks.recall("vendor", file_digest(logo, project.vendor.name, state=state),
                       lambda: _vendor_logo_warning(project))


def _vendor_logo_warning(project: Project) -> list[Problem]:
    from .scaffold import logo_svg, logo_title

    logo = project.vendor.logo.path
    text = _text(logo)
    # As for partners' logos: only a logo with the placeholder's title can be the one `cobrand init` drew.
    # Drawing it sets the name in outlines with fontTools, in the build's main process before its workers
    # fork, on every build that does not remember the vendor logo (a clean one).
    if text is None or logo_title(project.vendor.name) not in text:
        return []
    if text == logo_svg(project.vendor.name, *INIT_VENDOR_COLORS):
        return [Problem(_relative(project.root, logo), "is the placeholder logo `cobrand init` drew; replace it "
                        "with your own logo", severity="warning")]
    return []


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
