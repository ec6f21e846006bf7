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
@click.option("--strict", is_flag=True, help="Count warnings as errors (for CI).")
@click.option("--readability", is_flag=True,
              help="Also print reading-level scores per handout, language and section.")
@click.option("--show-waived", is_flag=True,
              help="Also list the warnings a handout waives (they are counted either way).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True,
              help="Judge review dates as of this day (for tests and dry runs).")
@click.option("--pdf", "pdf_mode", is_flag=True,
              help="PATHS are rendered PDFs: check their tagging (PDF/UA structure) instead.")
def check(paths: tuple[Path, ...], fmt: str, strict: bool, readability: bool,
          show_waived: bool, today, pdf_mode: bool) -> None:
    """Check content files for problems, each named as file:line:col: field: message.

    Besides the content itself, the quality gates run: reading level, plain
    language, translation freshness, review dates and accessible layouts
    (docs/quality.md). PATHS are library folders or single handout files; by
    default ./handouts, else the bundled sample library. Exit status: 0 clean,
    1 errors found (or warnings, with --strict). `pdfgen check --pdf FILE...`
    checks the tagging of PDF files instead (docs/accessibility.md).
    """
    from .check import check_paths
    from .paths import library_dir

    if pdf_mode:
        if not paths:
            _fail(UsageError("--pdf needs the PDF files to check: pdfgen check --pdf FILE..."))
        folders = [p for p in paths if p.is_dir()]
        if folders:
            _fail(UsageError(f"{folders[0]} is a folder; with --pdf, give PDF files"))
        _check_pdfs(list(paths), fmt)

    try:
        report = check_paths(list(paths) or [library_dir()], strict=strict,
                             readability=readability, today=today.date() if today else None)
    except PdfgenError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        if readability:
            from .quality.gates import format_report

            for line in format_report(report.readability):
                click.echo(line)
        for finding in report.findings:
            if finding.severity != "waived" or show_waived:
                click.echo(str(finding))
        click.echo(report.summary())
    sys.exit(1 if report.failing else 0)


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
@click.option("--strict", is_flag=True,
              help="Quality warnings stop a handout and fail the build, like errors (for CI).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True,
              help="Judge review dates as of this day (for tests).")
def build(library: Path | None, out_dir: Path, only: tuple[str, ...], jobs: int | None,
          force: bool, dry_run: bool, as_json: bool, strict: bool, today) -> None:
    """Bring every handout's PDFs up to date in OUT (see docs/build.md).

    Unchanged PDFs are skipped; a handout that fails (content errors, or a quality
    gate error such as an overdue review) keeps its last good PDFs and makes the
    exit status 1. Quality warnings are listed; --strict makes them errors.
    """
    from .build import build_library, summary_lines
    from .paths import library_dir

    root = library_dir(library)
    kwargs = dict(only=list(only) or None, jobs=jobs, force=force, strict=strict,
                  today=today.date() if today else None)
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
    except OSError as exc:  # one the build did not expect (an I/O error, say): one line
        from .fsutil import describe_os_error

        where = f"{exc.filename}: " if exc.filename else ""
        _fail(PdfgenError(f"{where}build stopped: {describe_os_error(exc)}"))
    except KeyboardInterrupt:
        click.echo("interrupted: every PDF is either as it was or fully replaced; build "
                   "again to finish", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        if dry_run:
            for rel, why in result.reasons.items():
                click.echo(f"would build {rel}: {why}")
        for text in summary_lines(result):
            click.echo(text)
    sys.exit(0 if result.ok else 1)


@cli.group()
def translations() -> None:
    """Track which translations were checked against the current source text."""


def _load_one(handout_id: str, library: Path | None):
    from .load import load_library, require
    from .paths import display, library_dir

    root = library_dir(library)
    lib = require(load_library(root, only=[handout_id], display_root=display(root)))
    return root, lib, lib.procedure(handout_id)


@translations.command("confirm")
@click.argument("handout_id", metavar="ID")
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Confirm only this language (repeatable; default: every translation).")
@click.option("--library", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: ./handouts, else the bundled sample).")
def translations_confirm(handout_id: str, langs: tuple[str, ...], library: Path | None) -> None:
    """Record that a translator checked ID's translations against today's source text.

    Writes ID.translations.yaml beside the handout (commit it with the content).
    Until then, changed texts are reported by `pdfgen check` and the PDFs in that
    language say "translation under review" in the footer.
    """
    from .paths import display
    from .quality import freshness

    try:
        root, lib, proc = _load_one(handout_id, library)
        unknown = [code for code in langs if code not in lib.clinic.lang_codes
                   or code == lib.clinic.primary]
        if unknown:
            others = ", ".join(c for c in lib.clinic.lang_codes if c != lib.clinic.primary)
            raise UsageError(f"{', '.join(unknown)}: not a translation of this library "
                             f"(translations: {others})")
        changed = freshness.confirm(proc, lib.clinic, root / f"{handout_id}.yaml", langs or None)
    except PdfgenError as exc:
        _fail(exc)
    target = display(freshness.confirmations_path(root / f"{handout_id}.yaml"))
    for lang, fields in changed.items():
        detail = f": {', '.join(fields)}" if fields and len(fields) <= 8 else ""
        click.echo(f"confirmed {lang}: {len(fields)} text{'s' if len(fields) != 1 else ''} "
                   f"newly confirmed{detail}")
    click.echo(f"wrote {target}")


@translations.command("status")
@click.argument("handout_id", metavar="ID")
@click.option("--library", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: ./handouts, else the bundled sample).")
def translations_status(handout_id: str, library: Path | None) -> None:
    """List ID's translations that are not confirmed against the current source text.

    Exit status 0 when every translation is confirmed, 1 otherwise.
    """
    from .quality import freshness

    try:
        root, lib, proc = _load_one(handout_id, library)
        conf, problems = freshness.read(root / f"{handout_id}.yaml", proc.path)
        if problems:
            raise ContentError(problems)
    except PdfgenError as exc:
        _fail(exc)
    found = freshness.check(proc, lib.clinic, conf)
    for finding in found:
        click.echo(str(finding))
    click.echo(f"{handout_id}: {len(found)} translation{'s' if len(found) != 1 else ''} "
               f"to confirm" if found else f"{handout_id}: every translation is confirmed")
    sys.exit(1 if found else 0)
@cli.command("email")
@click.argument("handout_id", metavar="ID")
@click.option("--to", required=True, metavar="ADDRESS", help="The patient's email address.")
@click.option("--lang", default=None,
              help="The patient's language, e.g. es (default: the clinic's primary).")
@click.option("--layout", "layout_name", default="single", show_default=True,
              help="Layout of the attached PDF.")
@click.option("--patient-name", default=None, metavar="NAME",
              help="For the greeting; written only into the message.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing.")
@click.option("--eml", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Write the message to FILE (for a mail client) instead of sending it.")
@click.option("--library", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: ./handouts, else the bundled sample).")
def email_command(handout_id: str, to: str, lang: str | None, layout_name: str,
                  patient_name: str | None, dry_run: bool, eml: Path | None,
                  library: Path | None) -> None:
    """Email one handout to a patient over the clinic's mail server (see docs/email.md).

    Exit status: 0 sent (or written), 1 content or file error, 2 usage error, 3 invalid
    address, 4 email not set up, 5 server unreachable, 6 TLS failure, 7 login refused,
    8 recipient refused, 9 message too large, 10 other sending failure (not confirmed:
    treat it as not sent).
    """
    from . import mail
    from .fsutil import write_atomic
    from .layout import load_layout
    from .load import load_library, require
    from .paths import display, library_dir

    try:
        if dry_run and eml:
            raise UsageError("--dry-run and --eml: pick one")
        mail.check_address(to)
        root = library_dir(library)
        lib = require(load_library(root, only=[handout_id], display_root=display(root)))
        settings = mail.require_settings(lib.clinic)
        credentials = None if eml else mail.credentials_from_env()
        msg, pdf = mail.prepare_handout(lib.procedure(handout_id), lib.clinic,
                                        load_layout(layout_name), to, lang or lib.clinic.primary,
                                        patient_name)
        if eml is not None:
            try:
                write_atomic(eml, mail.message_bytes(msg), mode=0o600)  # a patient's message
            except OSError as exc:
                raise PdfgenError(f"cannot write {eml}: {exc.strerror or exc}") from None
            click.echo(f"wrote {eml} ({eml.stat().st_size:,} bytes); nothing was sent")
            return
        for warning in mail.security_warnings(settings):
            click.echo(f"warning: {warning}", err=True)
        if dry_run:
            click.echo(mail.dry_run_report(msg, settings, credentials))
            return
        sent = mail.send_message(msg, settings, credentials)
    except PdfgenError as exc:
        _fail(exc)
    click.echo(f"sent {handout_id} via {sent.server}: {sent.size:,} bytes, "
               f"Message-ID {sent.message_id}")


def main() -> None:
    try:
        cli(prog_name="pdfgen")
    except (ContentError, UsageError) as exc:  # raised outside a command's own handling
        _fail(exc)


if __name__ == "__main__":
    main()
