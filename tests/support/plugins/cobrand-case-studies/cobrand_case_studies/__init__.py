"""Case studies: a content kind (content/case-studies/<slug>.md) with a page, a listing and a JSON feed.

Front matter is a page's (title, date, summary, gating) plus ``customer`` and an optional ``industry``.
Each partner gets ``case-studies/<slug>.html`` for the case studies it is entitled to, the listing
``case-studies/index.html`` and ``case-studies.json`` (title, customer, industry, date and page of each)
on its public site, and ``case-studies.txt`` (a line per case study, for its sales team) in its hub.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cobrand.cache import digest
from cobrand.errors import Problem
from cobrand.jobs import HUB, Job, Resolve
from cobrand.kinds import Kind, Listing
from cobrand.plugins import AfterLoad, ItemEvent, OutputProvider, OutputRequest, Plugin
from cobrand.schemas import PageFile, ShortText

KIND = "case-studies"


class CaseStudyFile(PageFile):
    """A case study's front matter."""

    customer: ShortText
    industry: ShortText | None = None


class CaseStudiesJson:
    """``case-studies.json``: the partner's case studies, newest first, as plain data."""

    name = "case-studies.json"

    def jobs(self, request: OutputRequest) -> Iterable[Job]:
        """One job, keyed on the cards of the partner's items (what it lists of each)."""
        path = request.root + "case-studies.json"
        keys = [item.key for item in request.plan.of_kind(KIND)]
        views = request.views

        def make(_: Resolve) -> bytes:
            entries = [{"title": views.items[key]["title"], "customer": views.items[key]["customer"],
                        "industry": views.items[key]["industry"], "date": views.items[key]["date"].isoformat(),
                        "page": views.items[key]["path"]} for key in keys]
            return (json.dumps({"case_studies": entries}, indent=2, sort_keys=True, ensure_ascii=False)
                    + "\n").encode("utf-8")

        return [Job(path, digest(request.keys.listing, path), make)]


class CaseStudiesBrief:
    """``case-studies.txt`` in the partner's hub: one line per case study, for the partner's sales team."""

    name = "case-studies.txt"
    root = HUB  # the partner's hub, not its public site

    def jobs(self, request: OutputRequest) -> Iterable[Job]:
        """One job, keyed on the cards of the partner's items."""
        path = request.root + "case-studies.txt"
        keys = [item.key for item in request.plan.of_kind(KIND)]
        items = request.views.items

        def make(_: Resolve) -> bytes:
            lines = [f"{items[key]['date'].isoformat()}  {items[key]['title']} ({items[key]['customer']})"
                     for key in keys]
            return "".join(line + "\n" for line in lines).encode("utf-8")

        return [Job(path, digest(request.keys.listing, path), make)]


class CaseStudies(Plugin):
    """The plugin: its kind, its templates, the customer on each case study's view, its JSON output."""

    def kinds(self) -> Sequence[Kind]:
        return [Kind(KIND, CaseStudyFile, "case-study.html",
                     Listing("case-studies/index.html", "case-studies.html", "Case studies"), eyebrow="Case study")]

    def theme_folder(self) -> Path:
        return Path(__file__).parent / "theme"

    def on_after_load(self, event: AfterLoad) -> Iterable[Problem]:
        # A case study without an industry is listed without one: the vendor is told.
        return [Problem(item.source, "names no industry; the listing shows none", field="industry",
                        severity="warning")
                for item in event.project.content
                if item.kind == KIND and getattr(item.meta, "industry", None) is None]

    def on_item(self, event: ItemEvent) -> Mapping[str, Any] | None:
        if event.item.kind != KIND:
            return None
        meta = event.item.meta
        return {"customer": getattr(meta, "customer", ""), "industry": getattr(meta, "industry", None)}

    def outputs(self) -> Sequence[OutputProvider]:
        return [CaseStudiesJson(), CaseStudiesBrief()]
