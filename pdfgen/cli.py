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
@click.option("--pdf", "pdfs", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Check a rendered PDF's tagging (PDF/UA structure) instead; repeatable.")
def check(paths: tuple[Path, ...], fmt: str, pdfs: tuple[Path, ...]) -> None:
    """Check content files for problems, each named as file:line:col: field: message.

    PATHS are library folders or single handout files; by default ./handouts,
    else the bundled sample library. Exit status: 0 clean, 1 errors found.
    With --pdf, checks the tagging of PDF files (docs/accessibility.md).
    """
    from .check import check_paths
    from .paths import library_dir

    if pdfs:
        if paths:
            _fail(UsageError("give content PATHS or --pdf files, not both"))
        _check_pdfs(list(pdfs), fmt)

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


def _check_pdfs(pdfs: list[Path], fmt: str) -> None:
    from .pdfcheck import check_pdfs

    try:
        findings = check_pdfs(pdfs)
    except PdfgenError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps({"pdfs": len(pdfs), "errors": len(findings),
                               "findings": [f.as_dict() for f in findings]},
                              indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"checked {len(pdfs)} PDF{'s' if len(pdfs) != 1 else ''}: "
                   f"{len(findings)} error{'s' if len(findings) != 1 else ''}")
    sys.exit(1 if findings else 0)


@cli.command()
@click.argument("handout_id", metavar="ID")
@click.option("--layout", "layout_name", default="bilingual", show_default=True,
              help="Layout name: a file in ./layouts or a bundled one.")
@click.option("--lang", "langs", default=None,
              help="Languages, comma-separated, e.g. es or en,es (default: the layout's).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (default: ID.LAYOUT[.LANG].pdf here).")
@click.option("--library", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: ./handouts, else the bundled sample).")
def render(handout_id: str, layout_name: str, langs: str | None, output: Path | None,
           library: Path | None) -> None:
    """Render one handout to PDF (written atomically: never a half-written file)."""
    from .fsutil import write_atomic
    from .layout import load_layout
    from .load import load_library, require
    from .paths import display, library_dir
    from .render import choose_langs, render_handout

    try:
        root = library_dir(library)
        result = load_library(root, only=[handout_id], display_root=display(root))
        lib = require(result)
        proc = lib.procedure(handout_id)
        layout = load_layout(layout_name)
        chosen = choose_langs(lib.clinic, layout, tuple(langs.split(",")) if langs else None)
        data = render_handout(proc, lib.clinic, layout, chosen)
        if output is None:
            suffix = f".{'-'.join(chosen)}" if layout.arrangement == "single" else ""
            output = Path(f"{handout_id}.{layout.name}{suffix}.pdf")
        write_atomic(output, data)
    except PdfgenError as exc:
        _fail(exc)
    click.echo(f"wrote {output} ({len(data):,} bytes)")


@cli.command()
@click.option("--library", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: ./handouts, else the bundled sample).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
              show_default=True, help="Output folder.")
@click.option("--only", multiple=True, metavar="ID", help="Build only this handout (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per CPU).")
@click.option("--force", is_flag=True, help="Rebuild everything, changed or not.")
@click.option("--dry-run", is_flag=True, help="List what would be rebuilt and why; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def build(library: Path | None, out_dir: Path, only: tuple[str, ...], jobs: int | None,
          force: bool, dry_run: bool, as_json: bool) -> None:
    """Bring every handout's PDFs up to date in OUT (see docs/build.md).

    Unchanged PDFs are skipped; a handout that fails keeps its last good PDFs and
    makes the exit status 1.
    """
    from .build import build_library, summary_lines
    from .paths import library_dir

    root = library_dir(library)
    kwargs = dict(only=list(only) or None, jobs=jobs, force=force)
    try:
        if dry_run or as_json or not sys.stdout.isatty():
            def line(job):
                if not as_json:
                    click.echo(f"{'built' if job.ok else 'FAILED'} {job.path}")
            result = build_library(root, out_dir, dry_run=dry_run,
                                   progress=None if dry_run else line, **kwargs)
        else:
            plan = build_library(root, out_dir, dry_run=True, **kwargs)
            with click.progressbar(length=len(plan.built), label="Building handouts") as bar:
                result = build_library(root, out_dir, progress=lambda job: bar.update(1), **kwargs)
    except PdfgenError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        if dry_run:
            for rel, why in result.reasons.items():
                click.echo(f"would build {rel}: {why}")
        for text in summary_lines(result):
            click.echo(text)
    sys.exit(0 if result.ok else 1)


def main() -> None:
    try:
        cli(prog_name="pdfgen")
    except (ContentError, UsageError) as exc:  # raised outside a command's own handling
        _fail(exc)


if __name__ == "__main__":
    main()
