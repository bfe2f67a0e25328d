"""The vendor overview page: one static page for the channel team, ``<out>/overview.html``.

Every partner folder is listed, whether or not this run built it: name, slug, tier, ecosystems,
regions, how many items of each kind it gets, the newest date among those items (``updated``
where given, else the day the item was published), what this run changed in its output, its
warnings, and the errors that made the build skip it. Content items withheld from every partner
are listed below. Pure: made from the loaded project, its plans and the build's report; the page
holds no timings and no clock, so the same inputs give the same bytes. Like ``report.json`` it is
for the vendor only and must not be published (docs/publishing.md).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .errors import Problem
from .freshness import remembered
from .load.state import SavedState
from .models import Partner, Project
from .plan import Planner, PlanSummary
from .render.context import partner_url
from .report import BuildReport, PartnerResult
from .scope import partner_of

OVERVIEW_FILE = "overview.html"
# Column headings of the built-in kinds; a plugin's kind (kinds.py) is headed by its name.
KIND_LABELS = {"blog": "Blog posts", "one-pagers": "Datasheets", "media": "Media", "social": "Social posts"}


def kind_label(kind: str) -> str:
    """The overview's column heading for a content kind."""
    return KIND_LABELS.get(kind, kind)

# What a status means to the channel team, in the page's words.
STATUS_LABELS = {
    "built": "built",
    "reused": "unchanged",
    "failed": "failed (previous output kept)",
    "skipped": "skipped (previous output kept)",
    "absent": "not in this build",
}


@dataclass(frozen=True)
class OverviewRow:
    """One partner folder as the overview shows it. ``name`` is None when its partner.toml did not load."""

    slug: str
    name: str | None
    tier: str | None
    ecosystems: tuple[str, ...]
    regions: tuple[str, ...]
    locale: str | None
    counts: tuple[tuple[str, int], ...]  # (kind, how many) in the project's kind order; empty when not loaded
    newest: dt.date | None  # the newest date among the partner's items
    newest_item: str | None  # ``kind/slug`` of that item
    status: str  # a key of STATUS_LABELS
    url_changes: tuple[int, int, int] | None  # URLs added, changed, removed by this run; None when not built
    warnings: tuple[Problem, ...]
    problems: tuple[Problem, ...]  # why it was skipped or failed
    site: str | None  # the public site's address

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)


def plan_summaries(project: Project, state: SavedState, shared: str | None,
                   results: Iterable[PartnerResult] = ()) -> dict[str, PlanSummary]:
    """What the overview shows of each partner's plan, kept in the saved state for the inputs that fix the plan
    (``shared``, what every partner's fingerprint names, and its folder): a rebuild plans no partner for it,
    and a partner this run planned to render brings its summary in its result (``results``).
    Without ``shared`` (no renderer was made) the overview plans them itself."""
    if shared is None:
        return {}
    planner = Planner(project)
    planned = {result.slug: result.plan_summary for result in results if result.plan_summary is not None}
    summaries: dict[str, PlanSummary] = {}
    for partner in project.partners:
        known = planned.get(partner.slug)
        make = (lambda summary=known: summary) if known is not None else functools.partial(_summary, planner,
                                                                                          partner)
        summaries[partner.slug] = remembered(state.plan_summaries, partner, shared, make)
    return summaries


def _summary(planner: Planner, partner: Partner) -> PlanSummary:
    return planner.summary(planner.plan(partner))


def overview_rows(project: Project, report: BuildReport, *, everyone: Sequence[str],
                  skipped: Mapping[str, Sequence[Problem]], set_aside: Iterable[Partner] = (),
                  earlier_warnings: Mapping[str, Sequence[Problem]] | None = None,
                  summaries: Mapping[str, PlanSummary] | None = None) -> list[OverviewRow]:
    """One row per partner folder in ``everyone`` (slug order), built or not.

    ``project`` holds the partners that loaded without errors; ``skipped`` maps each partner with
    errors to them (the whole fleet's, not only this run's selection); ``set_aside`` are skipped
    partners whose partner.toml loaded all the same (their name and tier are still shown);
    ``earlier_warnings`` are the render warnings recorded for partners this run did not build.
    ``summaries`` are partners' :func:`plan_summary` by slug, as the build keeps them in its saved state; a
    partner not in it is planned here.
    """
    planner = Planner(project)
    loaded = {partner.slug: partner for partner in project.partners}
    known = {partner.slug: partner for partner in set_aside} | loaded
    results: dict[str, PartnerResult] = {result.slug: result for result in report.partners}
    load_warnings: dict[str, list[Problem]] = {}
    for problem in report.warnings:
        if (slug := partner_of(problem)) is not None:
            load_warnings.setdefault(slug, []).append(problem)
    rows = []
    for slug in sorted(everyone):
        partner = known.get(slug)
        result = results.get(slug)
        counts: tuple[tuple[str, int], ...] = ()
        newest: tuple[dt.date, str] | None = None
        if slug in loaded:
            summary = (summaries or {}).get(slug)
            counts, newest = summary if summary is not None else planner.summary(planner.plan(loaded[slug]))
        problems: tuple[Problem, ...] = tuple(skipped.get(slug, ()))
        if slug in skipped:
            status = "skipped"
        elif result is not None:
            status = result.status
            problems += (result.failure,) if result.failure is not None else ()
        else:
            status = "absent"
        render_warnings = result.warnings if result is not None else tuple((earlier_warnings or {}).get(slug, ()))
        warnings = tuple(sorted(set(load_warnings.get(slug, ())) | set(render_warnings)))
        changes = None
        if result is not None and result.status == "built":
            changes = (len(result.urls_added), len(result.urls_changed), len(result.urls_removed))
        data = partner.data if partner is not None else None
        rows.append(OverviewRow(
            slug=slug, name=data.name if data else None, tier=data.tier if data else None,
            ecosystems=tuple(data.ecosystems) if data else (), regions=tuple(data.regions) if data else (),
            locale=data.locale if data else None, counts=counts,
            newest=newest[0] if newest else None, newest_item=newest[1] if newest else None,
            status=status, url_changes=changes, warnings=warnings, problems=problems,
            site=partner_url(project, partner, "index.html") if partner is not None else None))
    return rows


STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.875rem}
th,td{border:1px solid #8a8a8a;padding:.35rem .5rem;text-align:start;vertical-align:top}
thead th{background:#e8ecf1}
td.n{text-align:end;font-variant-numeric:tabular-nums}
.bad{color:#8b0000;font-weight:600}.warn{color:#6b4500}
ul{margin:0;padding-inline-start:1.1rem}
.table{overflow-x:auto}
a{color:#0b4f9c}
""".strip()


# The rows are joined as plain text, each value passed through escape() (what Markup.format does to
# it, field by field): a fleet's table has a row a partner, and the overview is written on every build.
_DASH = "&ndash;"
_NUMBER_DASH = '<td class="n">&ndash;</td>'


def _list(values: Iterable[str]) -> Markup:
    return Markup(", ".join([escape(value) for value in values]) or _DASH)


def _problems(problems: Sequence[Problem], css: str) -> Markup:
    if not problems:
        return Markup("")
    items = "".join([f"<li>{escape(str(problem))}</li>" for problem in problems])
    return Markup(f'<ul class="{escape(css)}">{items}</ul>')


def _row(row: OverviewRow, kinds: Sequence[str]) -> Markup:
    if row.name and row.site:
        name = f'<a href="{escape(row.site)}"><bdi>{escape(row.name)}</bdi></a>'
    else:
        name = f"<bdi>{escape(row.name)}</bdi>" if row.name else "<em>not loaded</em>"
    counts = dict(row.counts)
    cells = "".join([f'<td class="n">{counts[kind]}</td>' if row.counts else _NUMBER_DASH for kind in kinds])
    total = f'<td class="n">{row.total}</td>' if row.counts else _NUMBER_DASH
    if row.newest is not None:
        day = escape(row.newest.isoformat())
        newest = f'<time datetime="{day}">{day}</time><br>{escape(row.newest_item)}'
    else:
        newest = _DASH
    label = STATUS_LABELS.get(row.status, row.status)
    # Plain text, not Markup: adding text to a Markup would escape the text.
    status = f'<span class="bad">{escape(label)}</span>' if row.status in ("failed", "skipped") else str(escape(label))
    if row.url_changes is not None:
        added, changed, removed = row.url_changes
        status += f"<br>URLs: {added} added, {changed} changed, {removed} removed"
    return Markup(
        f'<tr><th scope="row"><code>{escape(row.slug)}</code></th><td>{name}</td>'
        f"<td>{escape(row.tier) if row.tier else _DASH}</td><td>{_list(row.ecosystems)}</td>"
        f"<td>{_list(row.regions)}</td>{cells}{total}<td>{newest}</td><td>{status}{_problems(row.problems, 'bad')}</td>"
        f'<td class="n">{len(row.warnings)}</td><td>{_problems(row.warnings, "warn")}</td></tr>')


def overview_html(project: Project, rows: Sequence[OverviewRow], withheld: Mapping[str, Sequence[Problem]],
                  *, selection: Sequence[str] | None = None) -> bytes:
    """The overview page's bytes. ``selection`` names the partners this run covered when it was not all."""
    vendor = project.vendor.name
    skipped = sum(1 for row in rows if row.status == "skipped")
    failed = sum(1 for row in rows if row.status == "failed")
    warned = sum(1 for row in rows if row.warnings)
    summary = Markup("<p>{} partner(s): {} skipped, {} failed, {} with warnings; {} content item(s) withheld "
                     "from every partner. Build date {}.</p>").format(
        len(rows), skipped, failed, warned, len(withheld), project.today.isoformat())
    if selection is not None:
        summary += Markup("<p>This run built only: {}. For the other partners the page shows what is known "
                          "from the project as it is now and the warnings recorded when they were last built."
                          "</p>").format(", ".join(selection) or "none")
    kinds = project.kinds.names
    head_kinds = Markup("").join(Markup('<th scope="col">{}</th>').format(kind_label(kind)) for kind in kinds)
    table = Markup(
        '<div class="table"><table><caption>Partners, by slug</caption><thead><tr>'
        '<th scope="col">Slug</th><th scope="col">Name</th><th scope="col">Tier</th>'
        '<th scope="col">Ecosystems</th><th scope="col">Regions</th>{kinds}<th scope="col">Total</th>'
        '<th scope="col">Newest item</th><th scope="col">This build</th><th scope="col">Warnings</th>'
        '<th scope="col">Warning details</th></tr></thead><tbody>{body}</tbody></table></div>').format(
        kinds=head_kinds, body=Markup("").join(_row(row, kinds) for row in rows))
    if withheld:
        items = Markup("").join(
            Markup('<tr><th scope="row"><code>{}</code></th><td>{}</td></tr>').format(key, _problems(problems, "bad"))
            for key, problems in sorted(withheld.items()))
        withheld_part = Markup('<div class="table"><table><caption>Content withheld from every partner</caption>'
                               '<thead><tr><th scope="col">Item</th><th scope="col">Errors</th></tr></thead>'
                               "<tbody>{}</tbody></table></div>").format(items)
    else:
        withheld_part = Markup("<p>No content item is withheld.</p>")
    page = Markup(
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n<title>Partner overview: {vendor}</title>\n'
        "<style>{style}</style>\n</head>\n<body>\n<main>\n<h1>Partner overview: <bdi>{vendor}</bdi></h1>\n"
        "<p>For the channel team only: do not publish this page (see docs/publishing.md).</p>\n{summary}\n"
        "<h2>Partners</h2>\n{table}\n<h2>Withheld content</h2>\n{withheld}\n</main>\n</body>\n</html>\n").format(
        vendor=vendor, style=Markup(STYLE), summary=summary, table=table, withheld=withheld_part)
    return str(page).encode("utf-8")


def refused_html(problems: Sequence[Problem]) -> bytes:
    """The overview of a run that was refused or stopped: why, and that unbuilt partners keep their output."""
    page = Markup(
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n<title>Partner overview: build stopped</title>\n'
        "<style>{style}</style>\n</head>\n<body>\n<main>\n<h1>Partner overview: build stopped</h1>\n"
        "<p>The last build was refused or stopped; every partner it did not finish keeps its previous output. "
        "Fix these and build again:</p>\n{problems}\n</main>\n</body>\n</html>\n").format(
        style=Markup(STYLE), problems=_problems(problems, "bad") or Markup("<p>(no reason recorded)</p>"))
    return str(page).encode("utf-8")
