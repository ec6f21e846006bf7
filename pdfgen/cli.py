"""Command line: parses arguments, calls the pipeline, turns errors into exit codes (0, 1, 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ContentError, PdfgenError, UsageError


def _fail(exc: PdfgenError) -> None:
    click.echo(str(exc), err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pdfgen")
def cli() -> None:
    """Bilingual patient handouts as PDF, from YAML content."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Findings as lines for people or JSON for scripts.")
def check(paths: tuple[Path, ...], fmt: str) -> None:
    """Check content files for problems, each named as file:line:col: field: message.

    PATHS are library folders or single handout files; by default ./handouts,
    else the bundled sample library. Exit status: 0 clean, 1 errors found.
    """
    from .check import check_paths
    from .paths import library_dir

    try:
        report = check_paths(list(paths) or [library_dir()])
    except PdfgenError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(report.summary())
    sys.exit(1 if report.errors else 0)


def main() -> None:
    try:
        cli(prog_name="pdfgen")
    except (ContentError, UsageError) as exc:  # raised outside a command's own handling
        _fail(exc)


if __name__ == "__main__":
    main()
