"""The ``cobrand`` command: a thin click layer over the library API.

Exit codes: 0 success, 1 build or project failures, 2 usage errors.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

# Each command imports what only it uses (check, audit, scaffold, partners' table) where it runs:
# `cobrand build` starts without them.
from .build import build as run_build
from .build import load_and_check
from .errors import CobrandError, Problem, ProjectError, UsageError
from .progress import Progress, verbosity
from .report import BuildReport, github_annotations, markdown_summary, refused_report
from .version import __version__

if TYPE_CHECKING:
    from .serve import BuildState


def _shard(_: click.Context, __: click.Parameter, value: str | None) -> tuple[int, int] | str | None:
    if value is None or value == "auto":  # auto: read from the environment once all options are known
        return value
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter("use K/N, for example 2/4") from None
    if not 1 <= index <= count:
        raise click.BadParameter(f"{value}: K must be between 1 and N")
    return index, count


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cobrand")
def main() -> None:
    """Build co-branded partner microsites and PDF kits."""


@main.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--partner", "partners", multiple=True, metavar="SLUG", help="Build only this partner (repeatable).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder of the public sites (default: PROJECT/build).")
@click.option("--hub-out", "hub_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder of the partner hubs, published apart from the sites (default: OUT-hub beside OUT).")
@click.option("--only", type=click.Choice(["site", "hub"]),
              help="Write only the public sites or only the hubs; the other folder is left as it is until a "
                   "build covers it.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPU count).")
@click.option("--shard", callback=_shard, metavar="K/N|auto",
              help="Build only shard K of N (for CI matrices); auto reads it from the batch engine "
                   "(docs/distributed.md).")
@click.option("--shard-count", type=click.IntRange(min=1), metavar="N",
              help="With --shard auto: the number of jobs, for engines that give only an index.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Render on a Dask cluster: a scheduler address (tcp://host:8786) or local:N worker processes.")
@click.option("--dask-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds to reach the Dask scheduler.")
@click.option("--no-pdf", is_flag=True, help="Skip PDFs (faster previews).")
@click.option("--no-images", is_flag=True, help="Skip social and Open Graph images.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep PDFs and images here between builds (default: OUT/.cobrand/cache).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first partner that fails.")
@click.option("--all-or-nothing", is_flag=True,
              help="Build nothing when any partner or content item has an error (default: skip those, build the rest).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON (same as --format json).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True,
              help="How to print the report: text, json, or github (workflow annotations, and a Markdown summary "
                   "appended to $GITHUB_STEP_SUMMARY when it is set).")
@click.option("--drafts", is_flag=True, help="Preview: include drafts (pages are marked and noindex).")
@click.option("--future", is_flag=True, help="Preview: include items scheduled after today (publish or date).")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="One line per partner.")
def build(project: Path, partners: tuple[str, ...], out_dir: Path | None, hub_dir: Path | None, only: str | None,
          strict: bool, jobs: int | None,
          shard: tuple[int, int] | str | None, shard_count: int | None, dask_address: str | None,
          dask_timeout: float, no_pdf: bool, no_images: bool, cache_dir: Path | None, fail_fast: bool,
          all_or_nothing: bool, as_json: bool, output_format: str, drafts: bool, future: bool, quiet: bool,
          verbose: bool) -> None:
    """Build every partner's public site (OUT) and hub (kit, social pack, program; --hub-out) from PROJECT
    (default: the current folder).

    A partner whose files have errors is skipped (its previous output is kept) and a content
    item with errors is withheld; everything else builds, and the exit code is 1.
    """
    output_format = "json" if as_json else output_format
    progress = Progress(level=verbosity(quiet or output_format != "text", verbose))
    try:
        if shard == "auto":
            from .distribute.shards import resolve_shard

            shard = resolve_shard(os.environ, shard_count)
        assert not isinstance(shard, str)
        with ExitStack() as stack:
            executor = None
            if dask_address is not None:  # Dask is imported only here
                from .distribute.dask_executor import dask_executor

                executor = stack.enter_context(dask_executor(dask_address, dask_timeout))
            with progress:
                report = run_build(project, out_dir=out_dir, partners=partners, shard=shard, strict=strict,
                                   jobs=jobs, pdfs=not no_pdf, images=not no_images, cache_dir=cache_dir,
                                   fail_fast=fail_fast, all_or_nothing=all_or_nothing, on_partner=progress,
                                   on_start=progress.start, executor=executor, preview=_preview(drafts, future),
                                   hub_dir=hub_dir, only=only)
    except CobrandError as error:
        if output_format == "text":
            _fail(error)
        problems = error.problems if isinstance(error, ProjectError) else [Problem("", str(error))]
        out = out_dir if out_dir is not None else project / "build"
        report = refused_report(str(project.resolve()), str(out.resolve()), problems)
        _print_report(report, output_format, quiet)
        sys.exit(2 if isinstance(error, UsageError) else error.exit_code)
    _print_report(report, output_format, quiet)
    if not report.ok:
        sys.exit(1)


def _print_report(report: BuildReport, output_format: str, quiet: bool) -> None:
    if output_format == "json":
        click.echo(report.to_json(), nl=False)
        return
    if output_format == "github":
        click.echo(github_annotations(report), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(markdown_summary(report))
    # The verdict on standard output; every warning and error, with its file, on standard error.
    first, *rest = report.summary().splitlines()
    if not quiet:
        click.echo(first)
    for line in rest:
        click.echo(line, err=True)


@main.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(project: Path, strict: bool, as_json: bool) -> None:
    """Check PROJECT without writing anything: schemas, references, links, social limits."""
    try:
        from .check import check as run_check

        report = run_check(project, strict=strict)
    except CobrandError as error:  # such as a malformed SOURCE_DATE_EPOCH
        _fail(error)
    click.echo(report.to_json() if as_json else report.summary(), nl=not as_json)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder to audit (default: PROJECT/build).")
@click.option("--hub-out", "hub_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Hub folder to audit (default: beside the output folder, named OUT-hub, as build writes it).")
def audit(project: Path, out_dir: Path | None, hub_dir: Path | None) -> None:
    """Check every partner's site and hub for other partners' data and content above its entitlement."""
    try:
        from .audit import audit as run_audit

        report = run_audit(project, out_dir, hub_dir=hub_dir)
    except CobrandError as error:
        _fail(error)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.command("merge-reports")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged report here (default: print it).")
def merge_reports_command(reports: tuple[Path, ...], out_file: Path | None) -> None:
    """Join the report.json files of a sharded build into one; exit 1 when any shard failed."""
    from .distribute.merge import merge_reports

    try:
        merged = merge_reports(reports)
    except CobrandError as error:
        _fail(error)
    text = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
        counts = merged["counts"]
        click.echo(f"Merged {len(reports)} report(s): {counts['partners_built']} built, "
                   f"{counts['partners_reused']} reused, {counts['partners_failed']} failed -> {out_file}")
    if not merged["ok"]:
        sys.exit(1)


def _preview(drafts: bool, future: bool) -> frozenset[str]:
    return frozenset(name for name, wanted in (("drafts", drafts), ("future", future)) if wanted)


def _fail(error: CobrandError) -> None:
    click.secho(f"Error: {error}", fg="red", err=True)
    sys.exit(2 if isinstance(error, UsageError) else error.exit_code)


# --- serve, init, new, partners -----------------------------------------------------------------


@main.command("serve")
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the preview reachable from your network.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Build into this folder (default: a folder in your cache, kept for the next start).")
@click.option("--hub-out", "hub_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Build the partner hubs into this folder (default: OUT-hub beside OUT); served at /_hub/SLUG/.")
@click.option("--partner", "partners", multiple=True, metavar="SLUG",
              help="Preview only this partner (repeatable; faster on big projects).")
@click.option("--no-pdf", is_flag=True, help="Skip PDFs for faster rebuilds.")
@click.option("--no-images", is_flag=True, help="Skip social and Open Graph images for faster rebuilds.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPU count).")
@click.option("--drafts", is_flag=True, help="Include drafts (pages are marked as a preview).")
@click.option("--future", is_flag=True, help="Include items scheduled after today (publish or date).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failed builds.")
@click.option("-v", "--verbose", is_flag=True, help="Also print every request.")
def serve_command(project: Path, port: int, host: str, out_dir: Path | None, hub_dir: Path | None,
                  partners: tuple[str, ...],
                  no_pdf: bool, no_images: bool, jobs: int | None, drafts: bool, future: bool,
                  open_browser: bool, quiet: bool,
                  verbose: bool) -> None:
    """Preview every partner's site, rebuilding and reloading the browser on every save.

    Open the address it prints: the first page lists every partner. Ctrl-C stops it.
    """
    if not (project / "cobrand.toml").is_file():
        _fail(UsageError(f"{project.resolve()} is not a cobrand project (no cobrand.toml); "
                         "create one with `cobrand init DIR`"))
    # Imported here: the dev server's HTTP stack (http.server, and through it ssl) is for this command only,
    # and every other command, `cobrand build` in CI above all, would pay for it at start-up.
    from .serve import DevServer, describe_build, describe_changes

    def on_build(state: BuildState) -> None:
        lines = describe_build(state)
        if quiet and lines[0].startswith("✓"):
            return
        for index, line in enumerate(lines):
            click.secho(line, fg=None if index else ("green" if line.startswith("✓") else "red"),
                        err=not line.startswith("✓"))

    server = DevServer(project, host=host, port=port, out_dir=out_dir, hub_dir=hub_dir, pdfs=not no_pdf,
                       images=not no_images,
                       partners=partners, preview=_preview(drafts, future),
                       jobs=jobs, on_build=on_build,
                       on_change=None if quiet else (lambda paths: click.echo(describe_changes(paths))),
                       log_request=click.echo if verbose else None)
    try:
        server.start(wait=False)
    except OSError as error:
        server.stop()
        _fail(UsageError(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                         "try another --port, or --port 0 for any free one"))

    def stop_on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    # A process started with SIGINT ignored (a background job of a script, or forked while another dev server
    # ran: serve/server.py's fork hook) would never see Ctrl-C; the dev server always answers it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        click.echo(f"Serving at {server.url} (Ctrl-C to stop); building {server.root.name}…")
        if host in {"0.0.0.0", "::"}:
            click.secho("Note: the preview is reachable from other machines on your network.", fg="yellow")
        if open_browser:
            click.launch(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    if not quiet:
        click.echo("Stopped.")


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--vendor", default="Your Company", show_default=True, help="Your company's name.")
@click.option("--website", default="https://www.example.com", show_default=True, help="Your company's website.")
@click.option("--base-url", default="https://partners.example.com/{partner}/", show_default=True,
              help="Where partner sites are published; {partner} becomes each partner's slug.")
def init_command(directory: Path, vendor: str, website: str, base_url: str) -> None:
    """Create a new project in DIRECTORY (new or empty) that builds straight away."""
    try:
        from .scaffold import init_project

        files = init_project(directory, vendor=vendor, website=website, base_url=base_url)
    except CobrandError as error:
        _fail(error)
    click.echo(f"Created a cobrand project in {directory} ({len(files)} files):")
    for path in files:
        click.echo(f"  {path.relative_to(directory).as_posix()}")
    click.echo(f"\nNext: cd {directory} && cobrand serve   (then edit cobrand.toml and content/)")


def _created(project: Path, paths: list[Path], hint: str = "") -> None:
    for path in paths:
        click.echo(f"Created {path.relative_to(project).as_posix()}")
    if hint:
        click.echo(hint)


@main.group("new")
def new_command() -> None:
    """Create a partner or a content item from a template (never overwrites a file)."""


_project_option = click.option("--project", "project", default=".", show_default=True,
                               type=click.Path(file_okay=False, path_type=Path), help="The cobrand project.")


def _content_options(function: Callable[..., None]) -> Callable[..., None]:
    options = [
        _project_option,
        click.option("--slug", help="File name (default: from the title)."),
        click.option("--summary", help="One sentence for listings and social cards."),
        click.option("--min-tier", metavar="TIER", help="Only partners of this tier and above get it."),
        click.option("--ecosystem", "ecosystems", multiple=True, help="Only partners in this ecosystem (repeatable)."),
        click.option("--region", "regions", multiple=True, help="Only partners in this region (repeatable)."),
        click.option("--for-partner", "for_partners", multiple=True, metavar="SLUG",
                     help="Only this partner (repeatable)."),
        click.option("--draft/--no-draft", default=True, show_default=True,
                     help="Create it as a draft: published to nobody until you remove `draft: true` "
                          "(preview it with `cobrand serve --drafts`)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _new_content(kind: str, title: str, project: Path, slug: str | None, summary: str | None, min_tier: str | None,
                 ecosystems: tuple[str, ...], regions: tuple[str, ...], for_partners: tuple[str, ...], draft: bool,
                 hint: str = "", **extra: object) -> None:
    from .scaffold import Gating, new_content

    gating = Gating(min_tier=min_tier, ecosystems=ecosystems, regions=regions, partners=for_partners, draft=draft)
    try:
        path = new_content(project, kind, title, slug=slug, summary=summary, gating=gating, **extra)  # type: ignore[arg-type]
    except CobrandError as error:
        _fail(error)
    preview = ("It is a draft: preview it with `cobrand serve --drafts`, and remove `draft: true` to publish it."
               if draft else "Preview it with `cobrand serve`.")
    _created(project, [path], hint or preview)


@new_command.command("partner")
@click.argument("slug")
@click.option("--name", help="The partner's name (default: from the slug).")
@click.option("--tier", help="The partner's tier (default: the lowest in cobrand.toml).")
@click.option("--ecosystem", "ecosystems", multiple=True, help="An ecosystem the partner works in (repeatable).")
@click.option("--region", "regions", multiple=True, help="A region the partner sells in (repeatable).")
@click.option("--locale", default="en-US", show_default=True, help="Language and country, such as en-GB or de-DE.")
@click.option("--website", help="The partner's website.")
@click.option("--email", help="The partner's sales e-mail address.")
@_project_option
def new_partner_command(slug: str, name: str | None, tier: str | None, ecosystems: tuple[str, ...],
                        regions: tuple[str, ...], locale: str, website: str | None, email: str | None,
                        project: Path) -> None:
    """Create partners/SLUG/ with a partner.toml and a placeholder logo."""
    try:
        from .scaffold import new_partner

        paths = new_partner(project, slug, name=name, tier=tier, ecosystems=ecosystems, regions=regions,
                            locale=locale, website=website, email=email)
    except CobrandError as error:
        _fail(error)
    _created(project, paths, "Next: fill in the contact details and replace logo.svg with the partner's logo.")


@new_command.command("post")
@click.argument("title")
@_content_options
def new_post_command(title: str, **options: object) -> None:
    """Create a blog post in content/blog/."""
    _new_content("post", title, **options)  # type: ignore[arg-type]


@new_command.command("one-pager")
@click.argument("title")
@click.option("--subtitle", help="A line under the title.")
@_content_options
def new_one_pager_command(title: str, subtitle: str | None, **options: object) -> None:
    """Create a one-pager (a web page and a PDF datasheet) in content/one-pagers/."""
    _new_content("one-pager", title, subtitle=subtitle, **options)  # type: ignore[arg-type]


@new_command.command("social")
@click.argument("title")
@click.option("--link", metavar="KIND/SLUG", help="The page the post promotes, such as blog/my-post.")
@click.option("--hashtag", "hashtags", multiple=True, help="A hashtag, without # (repeatable).")
@_content_options
def new_social_command(title: str, link: str | None, hashtags: tuple[str, ...], **options: object) -> None:
    """Create a social post (LinkedIn, X and Facebook variants) in content/social/."""
    _new_content("social", title, link=link, hashtags=hashtags, **options)  # type: ignore[arg-type]


@new_command.command("media")
@click.argument("title")
@click.option("--youtube", metavar="ID", help="YouTube video ID or URL.")
@click.option("--vimeo", metavar="ID", help="Vimeo video ID or URL.")
@click.option("--kind", "media_kind", type=click.Choice(["video", "podcast"]), default="video", show_default=True)
@click.option("--duration", metavar="M:SS", help="Length, such as 12:40 or 1:02:05.")
@_content_options
def new_media_command(title: str, youtube: str | None, vimeo: str | None, media_kind: str, duration: str | None,
                      **options: object) -> None:
    """Create a video or podcast page in content/media/."""
    hint = "" if duration else "Next: set its duration (it is 0:00 for now) and paste the transcript."
    _new_content("media", title, youtube=youtube, vimeo=vimeo, media_kind=media_kind, duration=duration,
                 hint=hint, **options)  # type: ignore[arg-type]


@main.command("partners")
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--csv", "as_csv", is_flag=True,
              help="Print the entitlement matrix as CSV: a row per partner, a column per content item.")
@click.option("--binary", is_flag=True, help="With --csv: 1/0 cells instead of 1 or the reason it is withheld.")
@click.option("--json", "as_json", is_flag=True, help="Print the partner list as JSON.")
def partners_command(project: Path, as_csv: bool, binary: bool, as_json: bool) -> None:
    """List partners with tier, ecosystems, regions, locale and how many items each gets."""
    try:
        from .partners_table import matrix_csv, partner_rows, rows_json, rows_table

        loaded, _ = load_and_check(project)
    except CobrandError as error:
        _fail(error)
    if as_csv:
        click.echo(matrix_csv(loaded, reasons=not binary), nl=False)
    elif as_json:
        click.echo(rows_json(partner_rows(loaded)), nl=False)
    else:
        rows = partner_rows(loaded)
        click.echo(rows_table(rows))
        click.echo(f"\n{len(rows)} partner(s), {len(loaded.content)} content item(s). "
                   "`cobrand partners --csv` exports who gets what.")


if __name__ == "__main__":  # pragma: no cover
    main()
