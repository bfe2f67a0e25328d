"""``cobrand check``: every check of a build, without writing anything.

Loads and validates the project, then renders each partner's pages in
memory (no PDFs or images) to check internal links.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .brand.checks import brand_notes
from .coverage import Coverage, translation_coverage
from .errors import Problem
from .fleet import project_problems
from .jobs import hub_path, split_root
from .links import link_problems
from .load import load_project
from .partner_build import describe_failure
from .plan import plan_partner
from .render.partner import PartnerRenderer
from .validate import today_from_environment


@dataclass
class CheckReport:
    """Problems found by a check; ``ok`` honours strict mode."""

    problems: list[Problem] = field(default_factory=list)
    partners: int = 0
    content: int = 0
    strict: bool = False
    translations: list[Coverage] = field(default_factory=list)  # per language partners read besides the site's

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Information that needs no action, such as partner colours cobrand adjusted."""
        return [p for p in self.problems if p.severity == "info"]

    @property
    def ok(self) -> bool:
        return not self.errors and not (self.strict and self.warnings)

    def to_json(self) -> str:
        data = {"ok": self.ok, "partners": self.partners, "content": self.content,
                "errors": [p.to_dict() for p in self.errors], "warnings": [p.to_dict() for p in self.warnings],
                "notes": [p.to_dict() for p in self.notes],
                "translations": {coverage.language: coverage.to_dict() for coverage in self.translations}}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def summary(self) -> str:
        lines = [f"{p.severity}: {p}" for p in self.problems]
        lines += [coverage.summary() for coverage in self.translations]
        verdict = "OK" if self.ok else "FAILED"
        lines.append(f"{verdict}: {self.partners} partners, {self.content} content items, "
                     f"{len(self.errors)} errors, {len(self.warnings)} warnings")
        return "\n".join(lines)


def check(project_dir: Path | str = ".", *, strict: bool = False,
          environ: Mapping[str, str] | None = None) -> CheckReport:
    """Validate a project completely without writing output."""
    today = today_from_environment(dict(os.environ if environ is None else environ))
    project, problems = load_project(Path(project_dir), today)
    report = CheckReport(strict=strict)
    if project is None:
        report.problems = sorted(problems)
        return report
    # The checks a build makes (one function, so both warn alike), and the brand notes only check prints.
    problems += project_problems(project) + [note for note in brand_notes(project) if note.severity == "info"]
    report.partners, report.content = len(project.partners), len(project.content)
    report.translations = translation_coverage(project)
    if not any(p.severity == "error" for p in problems):
        renderer = PartnerRenderer(project, pdfs=False, images=False, pdf_links=True)
        for partner in project.partners:
            try:
                outputs = renderer.render(partner)
            except Exception as error:
                problems.append(describe_failure(project, partner, error))
                continue
            pages_with_pdfs = [item for item in plan_partner(project, partner).pages if item.has_pdf]
            # Without PDFs made, the links to them still count: on the site and in the hub's kit.
            pdfs = {item.pdf_path for item in pages_with_pdfs if item.pdf_path}
            pdfs |= {hub_path(item.kit_pdf_path) for item in pages_with_pdfs if item.kit_pdf_path}
            for in_hub in (False, True):  # the site's pages link within the site, the hub's within the hub
                files = {split_root(path)[1] for path in {output.path for output in outputs} | pdfs
                         if split_root(path)[0] == in_hub}
                pages = [(split_root(output.path)[1], output.data) for output in outputs
                         if output.path.endswith(".html") and split_root(output.path)[0] == in_hub]
                problems += link_problems(project, partner, pages, files)
    report.problems = sorted(set(problems))
    return report
