"""Which units a build covers: the project without the partners and content items that have errors.

Problems are scoped to the smallest unit that owns them (:mod:`cobrand.scope`): a partner
with an error is skipped and keeps its previous output, a content item with an error is
withheld (nothing new of it is published; partners that had it keep its last good files,
see :mod:`cobrand.kept`), and an error of the project's own files stops the build (issue 20).
Selections and shards count every partner folder, loadable or not.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .brand.checks import colour_notes, logo_warnings
from .cache import digest
from .errors import Problem, ProjectError
from .hooks import after_load_problems
from .load import SavedState, load_project
from .models import Partner, Project
from .placeholders import placeholder_warnings
from .scope import PROJECT, content_of, content_scope, partner_of, scoped
from .validate import check_project, set_aside_broken_drafts, today_from_environment


@dataclass(frozen=True)
class CheckedProject:
    """A loaded project with the units that have errors taken out (issue 20).

    ``project`` holds only the partners and content items without errors;
    ``skipped`` maps each partner with errors to them, ``withheld`` each content
    item (``kind/slug``) with errors to them. ``warnings`` are the rest's warnings.
    ``set_aside`` are the skipped partners whose partner.toml loaded all the same.
    """

    project: Project
    warnings: list[Problem]
    skipped: dict[str, list[Problem]] = field(default_factory=dict)
    withheld: dict[str, list[Problem]] = field(default_factory=dict)
    set_aside: tuple[Partner, ...] = ()


def load_scoped(project_dir: Path | str = ".", *, strict: bool = False, environ: Mapping[str, str] | None = None,
                state: SavedState | None = None, jobs: int = 1, all_or_nothing: bool = False,
                preview: frozenset[str] = frozenset()) -> CheckedProject:
    """Load and validate a project, setting aside the partners and content items with errors.

    Raises :class:`ProjectError` (listing every error) when the project's own files
    (``cobrand.toml``, the theme, shared assets) have one, or with ``all_or_nothing``
    when anything has one. With ``strict``, a warning counts as an error of its unit.
    ``preview`` (``"drafts"``, ``"future"``) also shows drafts and scheduled items.
    """
    today = today_from_environment(dict(os.environ if environ is None else environ))
    project, problems = load_project(Path(project_dir), today, state, jobs)
    if project is not None:
        project = dataclasses.replace(project, preview=frozenset(preview))
        problems += project_problems(project, state)
        project = set_aside_broken_drafts(project, problems)  # their errors are warnings: never a block
    problems = [scoped(problem) for problem in problems]
    problems = _forgive_overrides_of_withheld(problems)

    def counts(problem: Problem) -> bool:
        return problem.severity == "error" or (strict and problem.severity == "warning")

    errors = [p for p in problems if counts(p)]
    if project is None or any(p.scope == PROJECT for p in errors) or (all_or_nothing and errors):
        raise ProjectError(errors)
    skipped: dict[str, list[Problem]] = {}
    withheld: dict[str, list[Problem]] = {}
    for problem in errors:
        if (slug := partner_of(problem)) is not None:
            skipped.setdefault(slug, []).append(problem)
        elif (key := content_of(problem)) is not None:
            withheld.setdefault(key, []).append(problem)
    withheld = _withhold_promotions(project, withheld)
    kept = dataclasses.replace(
        project,
        partners=tuple(partner for partner in project.partners if partner.slug not in skipped),
        content=tuple(item for item in project.content if item.key not in withheld),
        translations={key: value for key, value in project.translations.items() if key not in withheld},
        withheld=frozenset(withheld))
    warnings = [p for p in problems if p.severity == "warning" and not counts(p)]
    return CheckedProject(kept, warnings, {slug: sorted(found) for slug, found in sorted(skipped.items())},
                          {key: sorted(found) for key, found in sorted(withheld.items())},
                          tuple(partner for partner in project.partners if partner.slug in skipped))


def project_problems(project: Project, state: SavedState | None = None) -> list[Problem]:
    """Every error and warning of a loaded project that ``build`` and ``check`` both report.

    Cross-references (validate.py), the brand checks' warnings (logo resolution; their notes are
    check's alone), placeholder copy and plugins' own checks (docs/plugins.md, on_after_load): one
    function, so the two commands warn alike (issue 20). Load problems (hidden folders, live text in
    SVG logos) come with the project already.
    """
    state = state or SavedState()
    return (check_project(project, state) + _brand_problems(project, state) + placeholder_warnings(project, state)
            + after_load_problems(project))


def _brand_problems(project: Project, state: SavedState) -> list[Problem]:
    """The brand checks' warnings and errors (not their notes), remembered per partner folder and config.

    Measuring every raster logo's margins took half a second for a thousand partners; a rebuild
    that reuses them all should not pay it.
    """
    shared = project.config_key
    found: list[Problem] = []
    for partner in project.partners:
        def measure(partner: Partner = partner) -> list[Problem]:
            return [p for p in logo_warnings(project, partner) + colour_notes(partner) if p.severity != "info"]

        found += (state.brand_checks.recall(partner.slug, digest(shared, partner.digest), measure)
                  if partner.digest else measure())
    return found


def _forgive_overrides_of_withheld(problems: list[Problem]) -> list[Problem]:
    """An override for an item withheld this build is no fault of the partner: a warning, not an error.

    Personalisation reports it as an override of an item that does not exist (the item did not load).
    """
    broken = {key.split("/", 1)[1] for p in problems if p.severity == "error" and (key := content_of(p))}
    forgiven = []
    for problem in problems:
        parts = problem.file.split("/")
        if (problem.severity == "error" and len(parts) == 4 and parts[2] == "overrides"
                and parts[3].removesuffix(".toml") in broken and "which does not exist" in problem.message):
            problem = dataclasses.replace(problem, severity="warning",
                                          message=f"overrides {parts[3].removesuffix('.toml')!r}, "
                                                  "which is withheld from this build for its own errors")
        forgiven.append(problem)
    return forgiven


def _withhold_promotions(project: Project, withheld: dict[str, list[Problem]]) -> dict[str, list[Problem]]:
    """Social posts that promote a withheld item are withheld too: they would link to nothing."""
    withheld = dict(withheld)
    for item in project.content:
        link = getattr(item.meta, "link", None)
        if link is not None and link in withheld and item.key not in withheld:
            withheld[item.key] = [Problem(item.source, f"promotes {link}, which is withheld from this build",
                                          field="link", scope=content_scope(item.key))]
    return withheld


def partner_slugs(project: Project) -> tuple[str, ...]:
    """Every partner folder's name, loadable or not, in slug order: what selection and shards count."""
    return tuple(sorted({name for name in project.partner_folders if not name.startswith(".")}
                        | {partner.slug for partner in project.partners}))


def select_slugs(slugs: tuple[str, ...], wanted: tuple[str, ...] = (), shard: tuple[int, int] | None = None
                 ) -> tuple[str, ...]:
    """The partners a build covers: all, the named ones, or one shard of them.

    Shards are by position among every partner folder, loadable or not, so a partner
    with errors never moves the others from one shard to another.
    """
    if wanted:
        slugs = tuple(slug for slug in slugs if slug in set(wanted))
    if shard is not None:
        index, count = shard
        slugs = tuple(slug for position, slug in enumerate(slugs) if position % count == index - 1)
    return slugs
