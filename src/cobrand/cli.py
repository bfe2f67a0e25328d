"""The ``cobrand`` command: a thin click layer over the library API.

Exit codes: 0 success, 1 build or project failures, 2 usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .audit import audit as run_audit
from .build import build as run_build
from .check import check as run_check
from .errors import CobrandError, UsageError
from .version import __version__


def _shard(_: click.Context, __: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
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
              help="Output folder (default: PROJECT/build).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPU count).")
@click.option("--shard", callback=_shard, metavar="K/N", help="Build only shard K of N (for CI matrices).")
@click.option("--no-pdf", is_flag=True, help="Skip PDFs (faster previews).")
@click.option("--no-images", is_flag=True, help="Skip social and Open Graph images.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep PDFs and images here between builds (default: OUT/.cobrand/cache).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
def build(project: Path, partners: tuple[str, ...], out_dir: Path | None, strict: bool, jobs: int | None,
          shard: tuple[int, int] | None, no_pdf: bool, no_images: bool, cache_dir: Path | None, as_json: bool,
          quiet: bool) -> None:
    """Build every partner's site and kit from PROJECT (default: the current folder)."""
    try:
        report = run_build(project, out_dir=out_dir, partners=partners, shard=shard, strict=strict,
                           jobs=jobs, pdfs=not no_pdf, images=not no_images, cache_dir=cache_dir)
    except CobrandError as error:
        _fail(error)
    if as_json:
        click.echo(report.to_json(), nl=False)
    elif quiet:
        for line in report.summary().splitlines()[1:]:
            click.echo(line, err=True)
    else:
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(project: Path, strict: bool, as_json: bool) -> None:
    """Check PROJECT without writing anything: schemas, references, links, social limits."""
    report = run_check(project, strict=strict)
    click.echo(report.to_json() if as_json else report.summary(), nl=not as_json)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder to audit (default: PROJECT/build).")
def audit(project: Path, out_dir: Path | None) -> None:
    """Check every partner's output for other partners' data and content above its entitlement."""
    try:
        report = run_audit(project, out_dir)
    except CobrandError as error:
        _fail(error)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


def _fail(error: CobrandError) -> None:
    click.secho(f"Error: {error}", fg="red", err=True)
    sys.exit(2 if isinstance(error, UsageError) else error.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
