"""Command line: parses arguments, calls the pipeline, turns errors into exit codes.

Every pdfgen error becomes its message and exit status in one place (`_handled`); the
commands just raise. Everything printed passes `escape_controls`, so a file name or title
cannot send escape codes to the terminal.

Each command imports what it needs inside its own function: `pdfgen render` is one short
process, and every module imported here at the top is paid by every command
(tests/test_imports.py holds `render` to that). click itself, and the command tree made
with it (`_click_cli`), cost such a process about 10 ms: a plain `pdfgen render` command
line (`_render_args`: the ID and the options of `pdfgen render --help`, each once) runs
without them; anything else (help, another command, anything unusual, any usage error)
goes to click, which reads it as always (issue #16).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import sys
from functools import cache
from pathlib import Path

from . import __version__
from .errors import ContentError, PdfgenError, Severity, UsageError
from .markup import escape_controls

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in pdfgen, never the user's input
INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
SIGPIPE_EXIT = 141  # as a shell reports a command whose reader went away
DEBUG_ENV = "PDFGEN_DEBUG"


def out(text: str = "") -> None:
    _echo(escape_controls(text, keep="\n\t"), err=False)


def err(text: str) -> None:
    _echo(escape_controls(text, keep="\n\t"), err=True)


def _echo(text: str, err: bool) -> None:
    """`click.echo(text, err=err)`: what it does with an ordinary text stream (write the
    line, flush), done here so that a render need not import click; a stream click would
    wrap or recode (none, not text, no encoding, ASCII), Windows and an escape code go to
    click.echo itself."""
    stream = sys.stderr if err else sys.stdout
    if os.name == "nt" or "\x1b" in text or not _plain(stream):
        import click

        click.echo(text, err=err)
        return
    stream.write(text + "\n")
    stream.flush()


def _plain(stream) -> bool:
    """A stream click.echo writes to as it is (click's _force_correct_text_writer)."""
    if not isinstance(stream, io.TextIOBase):
        return False
    encoding, errors = getattr(stream, "encoding", None), getattr(stream, "errors", None)
    if encoding is None or errors is None:
        return False
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return True


UNSAFE_IN_JSON = (r"[\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                  r"\ufeff\ufff9-\ufffb]")  # compiled by out_json, which alone needs it


def out_json(value) -> None:
    """JSON for scripts: control and bidi characters as \\u escapes (still the same data)."""
    import json

    text = json.dumps(value, indent=2, ensure_ascii=False)
    _echo(re.sub(UNSAFE_IN_JSON, lambda m: f"\\u{ord(m[0]):04x}", text), err=False)


def _handled(call, passed: tuple[type[BaseException], ...] = ()) -> int | None:
    """Run `call()`: None when it returns; a pdfgen error, Ctrl-C, a closed pipe, an
    unexpected OSError or a bug becomes one message and the exit status returned.
    Exceptions of the `passed` types (click's own) are raised as they are."""
    try:
        call()
    except passed:
        raise
    except PdfgenError as exc:
        err(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:  # Ctrl-C: every file pdfgen writes is replaced in one step
        err("interrupted: every file is either as it was or fully replaced; run the "
            "command again to finish")
        return INTERRUPTED
    except BrokenPipeError:  # `pdfgen check | head -1`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit's own flush stays quiet
        return SIGPIPE_EXIT
    except OSError as exc:  # one no stage expected (an I/O error, say): one line
        if os.environ.get(DEBUG_ENV):
            raise
        from .fsutil import describe_os_error

        where = f"{exc.filename}: " if exc.filename else ""
        err(f"{where}{describe_os_error(exc)}")
        return 1
    except Exception as exc:  # a bug: say so in one line, never a traceback
        if os.environ.get(DEBUG_ENV):
            raise
        err(f"pdfgen: internal error: {type(exc).__name__}: {exc}. This is a bug in "
            f"pdfgen, not in your files; run again with {DEBUG_ENV}=1 to see where it "
            f"happened, and report it.")
        return INTERNAL_ERROR
    return None


def _today():
    """quality.review.today(), the day review dates are judged by ($PDFGEN_TODAY, else
    today), without importing quality.review (with calendar and locale, about 2 ms of a
    render) for the usual answers; a value it refuses is refused by it, in its words
    (tests/test_cli_fast.py holds the two to the same answers)."""
    import datetime as dt

    value = os.environ.get("PDFGEN_TODAY", "").strip()  # quality.review.TODAY_ENV
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        from .quality.review import today

        return today()


def _policy(strict: bool = False, allow_overdue: bool = False):
    from .gate import Policy

    return Policy(strict=strict, allow_overdue=allow_overdue)


def _warn(findings) -> None:
    for finding in findings:
        err(str(finding))


def _check_epoch() -> None:
    """Every command: SOURCE_DATE_EPOCH, when set, is a number (ReportLab reads it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.strip().isdigit():  # ReportLab would fail every render
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since "
                         f"1970 (it fixes the date written into every PDF): set it right, or "
                         f"unset it")


def _check(paths: tuple[Path, ...], fmt: str, strict: bool, readability: bool,
           show_waived: bool, today, pdf_mode: bool, libraries: tuple[Path, ...]) -> None:
    from .check import check_paths
    from .paths import library_dir

    paths = (*paths, *libraries)
    if pdf_mode:
        if not paths:
            raise UsageError("--pdf needs the PDF files to check: pdfgen check --pdf FILE...")
        folders = [p for p in paths if p.is_dir()]
        if folders:
            raise UsageError(f"{folders[0]} is a folder; with --pdf, give PDF files")
        _check_pdfs(list(paths), fmt)

    report = check_paths(list(paths) or [library_dir()], strict=strict,
                         readability=readability, today=today.date() if today else None)
    if fmt == "json":
        out_json(report.as_dict())
    else:
        if readability:
            from .quality.gates import format_report

            for line in format_report(report.readability):
                out(line)
        for finding in report.findings:
            if finding.severity is not Severity.WAIVED or show_waived:
                out(str(finding))
        out(report.summary())
    sys.exit(1 if report.failing else 0)


def _check_pdfs(pdfs: list[Path], fmt: str) -> None:
    from .pdfcheck import check_pdfs

    findings = check_pdfs(pdfs)
    if fmt == "json":
        out_json({"pdfs": len(pdfs), "errors": len(findings),
                  "findings": [f.as_dict() for f in findings]})
    else:
        for finding in findings:
            out(str(finding))
        out(f"checked {len(pdfs)} PDF{'s' if len(pdfs) != 1 else ''}: "
            f"{len(findings)} error{'s' if len(findings) != 1 else ''}")
    sys.exit(1 if findings else 0)


ALLOW_OVERDUE_HELP = ("Let a handout whose clinical review (or first review) is overdue through; "
                      "every page then says 'Review overdue' in each language.")


def _render(handout_id: str, layout_name: str, langs: str | None, output_arg: str | None,
            library: Path | None, allow_overdue: bool, strict: bool, force: bool) -> None:
    from .fsutil import check_output, write_output
    from .gate import load_one, pass_one
    from .layout import load_layout
    from .paths import display, layout_dirs, library_dir
    from .render import render_pdf

    root = library_dir(library)
    lib, proc, path = load_one(root, handout_id, display(root))
    layout = load_layout(layout_name)
    passed = pass_one(lib, proc, path, layout, tuple(langs.split(",")) if langs else (),
                      _today(), _policy(strict, allow_overdue))
    chosen = passed.target.langs
    name = f"{handout_id}.{layout.name}{'.' + '-'.join(chosen) if layout.languages == 1 else ''}"
    to_stdout = output_arg == "-"  # for a pipe: pdfgen render ID -o - | lp
    output = Path(output_arg) if output_arg and not to_stdout else Path(f"{name}.pdf")
    if output_arg and not to_stdout and (output.is_dir() or output_arg.endswith(("/", os.sep))):
        output = output / f"{name}.pdf"  # a folder, or one to make (a name ending in /)
    if to_stdout and sys.stdout.isatty():
        raise UsageError("-o - writes the PDF to standard output, which is a terminal here: "
                         "pipe it (pdfgen render ID -o - | lp) or name a file")
    if not to_stdout:
        check_output(output, b"%PDF-", "a PDF", force, protected=[root, *layout_dirs()])
    _warn(passed.warnings)
    data = render_pdf(passed.proc, passed.library.clinic, layout, chosen).data
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        err(f"wrote {len(data):,} bytes to standard output")
        return
    write_output(output, data)
    out(f"wrote {output} ({len(data):,} bytes)")


# `pdfgen render`'s options as click reads them (see _click_cli): name -> parameter
RENDER_VALUES = {"--layout": "layout_name", "--lang": "langs", "-o": "output_arg",
                 "--output": "output_arg", "--library": "library"}
RENDER_FLAGS = {"--allow-overdue": "allow_overdue", "--strict": "strict", "--force": "force"}


def _render_args(argv: list[str]) -> dict | None:
    """`pdfgen render`'s parameters as click would read them from `argv`, or None for any
    command line click is to read itself: another command, help, an option given twice,
    `--`, a value that looks like an option, a value click's Path type would refuse, shell
    completion, Windows (where click expands wildcards)... A None only costs the time
    click takes; a wrong answer here would be a different render, so anything not plainly
    a render is None."""
    if not argv or argv[0] != "render" or os.name == "nt" or "_PDFGEN_COMPLETE" in os.environ:
        return None
    params = {"handout_id": None, "layout_name": "bilingual", "langs": None, "output_arg": None,
              "library": None, "allow_overdue": False, "strict": False, "force": False}
    given = set()
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        option, eq, attached = arg.partition("=")
        if arg in RENDER_FLAGS:
            name, value = RENDER_FLAGS[arg], True
        elif arg in RENDER_VALUES and rest:
            name, value = RENDER_VALUES[arg], rest.pop(0)
        elif eq and option.startswith("--") and option in RENDER_VALUES:
            name, value = RENDER_VALUES[option], attached
        elif arg.startswith("-") or params["handout_id"] is not None:
            return None
        else:
            name, value = "handout_id", arg
        if name in given or value == "" or (value is not True and value.startswith("-")
                                            and value != "-"):
            return None
        given.add(name)
        params[name] = value
    if params["handout_id"] is None:
        return None
    library = params["library"]
    if library is not None:  # click.Path(path_type=Path): a path that exists must be readable
        try:
            os.stat(library)
        except OSError:
            pass
        else:
            if not os.access(library, os.R_OK):
                return None
        params["library"] = Path(library)
    return params


def main() -> None:
    args = _render_args(sys.argv[1:])
    if args is None:
        _click_cli()(prog_name="pdfgen")
        return

    def render() -> None:  # as click runs it: the group's check, then the command
        _check_epoch()
        _render(**args)

    code = _handled(render)
    sys.exit(0 if code is None else code)


def _build(library: Path | None, out_dir: Path, only: tuple[str, ...], jobs: int | None,
           scheduler: str | None, scheduler_timeout: float, force: bool, dry_run: bool,
           as_json: bool, strict: bool, today) -> None:
    from .build import build_library, summary_lines
    from .paths import library_dir

    if scheduler is not None:
        from .cluster import check_address

        if jobs is not None:
            raise UsageError("--jobs and --scheduler cannot be used together: with "
                             "--scheduler the cluster's workers run the jobs (start more "
                             "workers, or give them more processes, for more at once)")
        check_address(scheduler)  # and that Dask is installed: a usage error, before planning
    root = library_dir(library)
    kwargs = dict(only=list(only) or None, jobs=jobs, force=force, strict=strict,
                  today=today.date() if today else None)
    with _executor(None if dry_run else scheduler, scheduler_timeout) as executor:
        if executor is not None:
            kwargs["executor"] = executor
        if dry_run or as_json or not sys.stdout.isatty():
            def line(job):  # a failure is listed, with its reason, in the summary
                if not as_json and job.ok:
                    out(f"built {job.path}")
            result = build_library(root, out_dir, dry_run=dry_run,
                                   progress=None if dry_run else line, **kwargs)
        else:
            import click

            plan = build_library(root, out_dir, dry_run=True, **kwargs)
            with click.progressbar(length=len(plan.built), label="Building handouts") as bar:
                result = build_library(root, out_dir, progress=lambda job: bar.update(1),
                                       **kwargs)
    if as_json:
        out_json(result.as_dict())
    else:
        if dry_run:
            for rel, why in result.reasons.items():
                out(f"would build {rel}: {why}")
        for text in summary_lines(result):
            out(text)
    sys.exit(0 if result.ok else 1)


@contextlib.contextmanager
def _executor(scheduler: str | None, timeout: float):
    """None (the build's own process pool), or one running the jobs on the Dask cluster
    whose scheduler is at `scheduler` (pdfgen/cluster.py), disconnected on leaving."""
    if scheduler is None:
        yield None
        return
    from .cluster import DaskExecutor, connect

    with connect(scheduler, timeout) as client:
        yield DaskExecutor(client)


def _fonts_install(langs: tuple[str, ...], names: tuple[str, ...], tarball: Path | None,
                   force: bool, library: Path | None) -> None:
    from . import fontinstall

    if tarball is not None:
        if langs or names:
            raise UsageError("--from installs the one family its tarball holds: name no "
                             "language or family with it")
        out(fontinstall.install(fontinstall.match_tarball(tarball), tarball, force=True))
        return
    if not langs and not names:
        langs = _clinic_languages(library)
    wanted = list(names) + [n for n in fontinstall.families_for(langs) if n not in names]
    if not wanted:
        out(f"{', '.join(langs) or 'these languages'}: the bundled fonts are all they need")
    for name in wanted:
        out(fontinstall.install(name, force=force))


def _clinic_languages(library: Path | None) -> tuple[str, ...]:
    from .load import CLINIC_FILE, load_clinic
    from .paths import display, library_dir

    path = library_dir(library) / CLINIC_FILE
    clinic, findings = load_clinic(path, display(path))
    if clinic is None:
        raise ContentError(findings)
    codes = [lang.code for lang in clinic.languages]  # and the taglines page's
    codes += [c for c in (clinic.taglines.languages if clinic.taglines else ()) if c not in codes]
    return tuple(codes)


def _fonts_list() -> None:
    from .languages import registry
    from .render import fonts as f

    users: dict[str, list[str]] = {}
    for code, prof in registry().items():
        for name in prof.fonts:
            users.setdefault(name, []).append(code)
    for name in f.families_table():
        if f.is_bundled(name):
            state = "bundled"
        else:
            state = ("installed" if f.installed(name) else "not installed") + \
                f" ({f.families_table()[name]['package']})"
        langs = ", ".join(users.get(name, [])) or ("Latin text" if f.is_bundled(name) else "-")
        out(f"{name}: {state}; for {langs}")


def _load_one(handout_id: str, library: Path | None):
    """The gate's loading and validation: translations writes no PDF, so the quality gates
    and render-readiness do not stop it (they are what the translator is fixing)."""
    from .gate import load_one
    from .paths import display, library_dir

    root = library_dir(library)
    lib, proc, _ = load_one(root, handout_id, display(root))
    return root, lib, proc


def _translations_confirm(handout_id: str, langs: tuple[str, ...],
                          library: Path | None) -> None:
    from .paths import display
    from .quality import freshness

    root, lib, proc = _load_one(handout_id, library)
    unknown = [code for code in langs if code not in lib.clinic.lang_codes
               or code == lib.clinic.primary]
    if unknown:
        others = ", ".join(c for c in lib.clinic.lang_codes if c != lib.clinic.primary)
        raise UsageError(f"{', '.join(unknown)}: not a translation of this library "
                         f"(translations: {others})")
    from .gate import missing_language

    lacking = [missing_language(proc, code, "be confirmed in") for code in langs
               if not proc.has(code)]
    if lacking:  # nothing to confirm: the handout is not written in it
        raise ContentError(lacking)
    changed = freshness.confirm(proc, lib.clinic, root / f"{handout_id}.yaml", langs or None)
    target = display(freshness.confirmations_path(root / f"{handout_id}.yaml"))
    for lang, fields in changed.items():
        detail = f": {', '.join(fields)}" if fields and len(fields) <= 8 else ""
        out(f"confirmed {lang}: {len(fields)} text{'s' if len(fields) != 1 else ''} "
            f"newly confirmed{detail}")
    out(f"wrote {target}")


def _translations_status(handout_id: str, library: Path | None) -> None:
    from .quality import freshness

    root, lib, proc = _load_one(handout_id, library)
    conf, problems = freshness.read(root / f"{handout_id}.yaml", proc.path)
    if problems:
        raise ContentError(problems)
    from .quality.gates import missing_language_findings

    found = missing_language_findings(proc, lib.clinic) + freshness.check(proc, lib.clinic, conf)
    for finding in found:
        out(str(finding))
    out(f"{handout_id}: {len(found)} translation{'s' if len(found) != 1 else ''} "
        f"to confirm" if found else f"{handout_id}: every translation is confirmed")
    sys.exit(1 if found else 0)


def _email(handout_id: str, to: str, lang: str | None, layout_name: str,
           patient_name: str | None, dry_run: bool, eml: Path | None,
           library: Path | None, allow_overdue: bool, strict: bool) -> None:
    from . import mail
    from .fsutil import check_output, write_output
    from .gate import load_one, pass_one
    from .layout import load_layout
    from .paths import display, layout_dirs, library_dir

    if dry_run and eml:
        raise UsageError("--dry-run and --eml: pick one")
    mail.check_address(to)
    mail.check_patient_name(patient_name)
    root = library_dir(library)
    if eml is not None:
        check_output(eml, b"", "an email message", None, protected=[root, *layout_dirs()],
                     suffix=".eml")
    lib, proc, path = load_one(root, handout_id, display(root))
    clinic = lib.clinic
    settings = mail.require_settings(clinic)
    layout = load_layout(layout_name)
    langs = mail.handout_langs(clinic, layout, lang or clinic.primary)
    if proc.has(langs[0]):  # the other languages of a bilingual PDF: those the handout has
        from .quality.gates import clinic_of

        ours = mail.handout_langs(clinic_of(proc, clinic), layout, langs[0])
        langs = ours if len(ours) == len(langs) else langs
    passed = pass_one(lib, proc, path, layout, langs, _today(), _policy(strict, allow_overdue))
    credentials = None if eml else mail.credentials_from_env()
    _warn(passed.warnings)
    msg, _ = mail.prepare_handout(passed.proc, passed.library.clinic, layout, to,
                                  lang or clinic.primary, patient_name)
    if eml is not None:
        data = mail.message_bytes(msg)
        write_output(eml, data, mode=0o600)  # a patient's message
        out(f"wrote {eml} ({len(data):,} bytes); nothing was sent")
        return
    for warning in mail.security_warnings(settings):
        err(f"warning: {warning}")
    if dry_run:
        out(mail.dry_run_report(msg, settings, credentials))
        return
    sent = mail.send_message(msg, settings, credentials)
    out(f"sent {handout_id} via {sent.server}: {sent.size:,} bytes, "
        f"Message-ID {sent.message_id}")


@cache
def _click_cli():
    """The commands, their options and help, as click reads them (`cli`); made on first use."""
    import click

    class Group(click.Group):
        """A click group that turns every error into one message and an exit status."""

        def invoke(self, ctx: click.Context):
            result = []
            code = _handled(lambda: result.append(super(Group, self).invoke(ctx)),
                            (click.exceptions.Exit, click.ClickException, click.Abort))
            if code is not None:
                ctx.exit(code)
            return result[0]

    @click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="pdfgen")
    def cli() -> None:
        """Bilingual patient handouts as PDF, from YAML content."""
        _check_epoch()

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
                  help="PATHS are rendered PDFs: check their tagging (PDF/UA structure) "
                       "instead.")
    @click.option("--library", "libraries", multiple=True, type=click.Path(path_type=Path),
                  help="A content folder to check, as build and render name it (the same as "
                       "giving it as PATH).")
    def check(**params) -> None:
        """Check content files for problems, each named as file:line:col: field: message.

        Runs the same gate as render, email and build, without drawing: the content itself,
        the quality gates (reading level, plain language, translation freshness, review dates,
        accessible layouts; docs/quality.md) and render-readiness (every character in its
        font, layouts that fit the page). So `check --strict` clean means `build --strict`
        succeeds. PATHS are library folders or single handout files; by default ./handouts,
        else the bundled sample library. Exit status: 0 clean, 1 errors found (or warnings,
        with --strict). `pdfgen check --pdf FILE...` checks the tagging of PDF files instead
        (docs/accessibility.md).
        """
        _check(**params)

    @cli.command()
    @click.argument("handout_id", metavar="ID")
    @click.option("--layout", "layout_name", default="bilingual", show_default=True,
                  help="Layout name: a file in ./layouts or a bundled one.")
    @click.option("--lang", "langs", default=None,
                  help="Languages, comma-separated, e.g. es or en,es (default: the layout's).")
    @click.option("-o", "--output", "output_arg", default=None, metavar="FILE|FOLDER/|-",
                  help="PDF file to write, a folder to write it in (a new one: end it with /), "
                       "or - for standard output (default: ID.LAYOUT[.LANG].pdf here).")
    @click.option("--library", type=click.Path(path_type=Path), default=None,
                  help="Content folder (default: ./handouts, else the bundled sample).")
    @click.option("--allow-overdue", is_flag=True, help=ALLOW_OVERDUE_HELP)
    @click.option("--strict", is_flag=True, help="Quality warnings stop the render, like errors.")
    @click.option("--force", is_flag=True,
                  help="Replace the output file even if it is not a PDF (or is a library file).")
    def render(**params) -> None:
        """Render one handout to PDF (written atomically: never a half-written file).

        The handout passes the same gate as in a build: content errors, quality-gate errors
        (an overdue clinical review among them, unless --allow-overdue) and characters its
        fonts lack stop it, with file:line; warnings are printed.
        """
        _render(**params)

    @cli.command()
    @click.option("--library", type=click.Path(path_type=Path), default=None,
                  help="Content folder (default: ./handouts, else the bundled sample).")
    @click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                  show_default=True, help="Output folder.")
    @click.option("--only", multiple=True, metavar="ID",
                  help="Build only this handout (repeatable).")
    @click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                  help="Worker processes (default: one per CPU).")
    @click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
                  help="Run the jobs on the Dask cluster whose scheduler is at this address "
                       "(as `dask scheduler` prints it) instead of local processes; this "
                       "process still plans and writes every file. Needs pip install "
                       "\"pdfgen[dask]\" here and on the workers (same pdfgen version). Not "
                       "with --jobs: the cluster's workers decide how many jobs run at once.")
    @click.option("--scheduler-timeout", type=click.FloatRange(min=0.1), default=10.0,
                  show_default=True, metavar="SECONDS",
                  help="With --scheduler: give up (exit status 1) when the scheduler does not "
                       "answer within this time.")
    @click.option("--force", is_flag=True, help="Rebuild everything, changed or not.")
    @click.option("--dry-run", is_flag=True,
                  help="List what would be rebuilt and why; write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
    @click.option("--strict", is_flag=True,
                  help="Quality warnings stop a handout and fail the build, like errors (for "
                       "CI).")
    @click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True,
                  help="Judge review dates as of this day (for tests).")
    def build(**params) -> None:
        """Bring every handout's PDFs up to date in OUT (see docs/build.md).

        Unchanged PDFs are skipped; a handout that fails (content errors, or a quality
        gate error such as an overdue review) keeps its last good PDFs and makes the
        exit status 1. Quality warnings are listed; --strict makes them errors.
        """
        _build(**params)

    @cli.group(cls=Group)
    def fonts() -> None:
        """Install the fonts a language in another script needs (docs/languages.md#fonts)."""

    @fonts.command("install")
    @click.argument("langs", nargs=-1, metavar="[LANG]...")
    @click.option("--family", "names", multiple=True, metavar="NAME",
                  help="A family by its name in fonts/families.yaml (repeatable).")
    @click.option("--from", "tarball", type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path),
                  help="Install from a tarball made by `npm pack` (no network needed).")
    @click.option("--force", is_flag=True, help="Download and replace installed families too.")
    @click.option("--library", type=click.Path(path_type=Path), default=None,
                  help="With no LANG: the library whose clinic.yaml lists the languages.")
    def fonts_install(**params) -> None:
        """Install the font families LANG needs (say: vi zh-Hans ar) from the npm registry.

        With no LANG, the families of every language in the library's clinic.yaml (its
        taglines: languages too)."""
        _fonts_install(**params)

    @fonts.command("list")
    def fonts_list() -> None:
        """Every font family pdfgen knows, the languages that use it, and whether it is here."""
        _fonts_list()

    @cli.group(cls=Group)
    def translations() -> None:
        """Track which translations were checked against the current source text."""

    @translations.command("confirm")
    @click.argument("handout_id", metavar="ID")
    @click.option("--lang", "langs", multiple=True, metavar="CODE",
                  help="Confirm only this language (repeatable; default: every translation).")
    @click.option("--library", type=click.Path(path_type=Path), default=None,
                  help="Content folder (default: ./handouts, else the bundled sample).")
    def translations_confirm(**params) -> None:
        """Record that a translator checked ID's translations against today's source text.

        Writes ID.translations.yaml beside the handout (commit it with the content).
        Until then, changed texts are reported by `pdfgen check` and the PDFs in that
        language say "translation under review" in the footer.
        """
        _translations_confirm(**params)

    @translations.command("status")
    @click.argument("handout_id", metavar="ID")
    @click.option("--library", type=click.Path(path_type=Path), default=None,
                  help="Content folder (default: ./handouts, else the bundled sample).")
    def translations_status(**params) -> None:
        """List ID's translations that are not confirmed against the current source text.

        Exit status 0 when every translation is confirmed, 1 otherwise.
        """
        _translations_status(**params)

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
    @click.option("--allow-overdue", is_flag=True, help=ALLOW_OVERDUE_HELP)
    @click.option("--strict", is_flag=True, help="Quality warnings stop the email, like errors.")
    def email_command(**params) -> None:
        """Email one handout to a patient over the clinic's mail server (see docs/email.md).

        The handout passes the same gate as in a build (an overdue clinical review stops it
        unless --allow-overdue). Exit status: 0 sent (or written), 1 content or file error,
        2 usage error (an unknown handout, layout or language), 3 invalid address, 4 email not
        set up, 5 server unreachable, 6 TLS failure, 7 login refused, 8 recipient refused,
        9 message too large, 10 other sending failure (not confirmed: treat it as not sent).
        """
        _email(**params)

    return cli


def __getattr__(name: str):
    """`cli`, the click group (tests drive it with click's CliRunner), made on first use."""
    if name == "cli":
        return _click_cli()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
