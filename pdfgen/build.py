"""Stage 5, build: regenerate a library's PDFs incrementally, in parallel, never half-done."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import ContentError, Finding, PdfgenError, Pos, UsageError
from .fsutil import write_atomic
from .layout import load_layout
from .load import CLINIC_FILE, SLUG, handout_files, load_clinic, load_procedure
from .model import Clinic, Output
from .paths import PACKAGE, display
from .quality.freshness import confirmations_path
from .site import review_due, write_catalog

MANIFEST = "manifest.json"
DEFAULT_OUTPUTS = "bilingual + one single-language PDF per language"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_files(paths) -> str:
    h = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        h.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return h.hexdigest()


def engine_hash() -> str:
    """What besides the content changes a PDF's bytes: pdfgen's code, fonts, catalogs."""
    from .render.fonts import fonts_dir

    code = [p for p in PACKAGE.rglob("*.py")]
    catalogs = list((PACKAGE / "locales").rglob("*.mo"))
    catalogs += list((PACKAGE / "quality").glob("*.yaml"))  # the glossary: recorded warnings
    fonts = [p for p in fonts_dir().iterdir() if p.suffix in (".ttf", ".yaml")]
    h = hashlib.sha256(__version__.encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    h.update(_hash_files(code + catalogs + fonts).encode())
    return h.hexdigest()


def outputs_for(clinic: Clinic) -> tuple[Output, ...]:
    """The clinic's output matrix, or by default the bilingual PDF plus one per language."""
    if clinic.outputs:
        return clinic.outputs
    both = Output("bilingual", "bilingual", clinic.lang_codes[:2])
    return (both, *(Output(code, "single", (code,)) for code in clinic.lang_codes))


def output_path(handout_id: str, output: str) -> str:
    """Where a job's PDF goes, relative to the output folder: <id>/<id>.<output>.pdf."""
    return f"{handout_id}/{handout_id}.{output}.pdf"


@dataclass(frozen=True)
class Task:
    """One handout's stale outputs: a unit of work for a worker process (picklable)."""

    library: str
    handout: str  # file path
    shown: str  # file path as the user sees it
    out_dir: str
    outputs: tuple[tuple[Output, str, str], ...]  # (output, relative path, fingerprint)
    layouts: tuple[tuple[str, str], ...] = ()  # (layout name, hash of its files)
    today: str = ""  # ISO date the quality gates judge review dates by
    strict: bool = False  # warnings stop the handout too


@dataclass
class JobResult:
    path: str
    output: str
    ok: bool
    entry: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


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

    @property
    def ok(self) -> bool:
        return not self.failed and not any(f.blocks(self.strict) for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def summary(self) -> str:
        verb = "would build" if self.dry_run else "built"
        text = (f"{verb} {len(self.built)}, skipped {len(self.skipped)} unchanged, "
                f"removed {len(self.removed)}, failed {len(self.failed)} in {self.seconds:.2f} s")
        errors = sum(f.severity == "error" for f in self.findings)
        if errors:
            text += f"; {errors} error{'s' if errors != 1 else ''}"
        if self.warnings:
            text += f"; {self.warnings} warning{'s' if self.warnings != 1 else ''}"
            text += " (--strict: counted as errors)" if self.strict else ""
        return text

    def as_dict(self) -> dict:
        return {"built": self.built, "skipped": len(self.skipped), "removed": self.removed,
                "failed": self.failed, "reasons": self.reasons, "seconds": round(self.seconds, 3),
                "dry_run": self.dry_run, "findings": [f.as_dict() for f in self.findings]}


# -- worker side ---------------------------------------------------------------------------

_clinics: dict[tuple[str, str], Clinic] = {}
_layouts: dict[tuple[str, str], object] = {}  # per worker: (name, files' hash) -> Layout


def _layout(name: str, layout_hash: str):
    key = (name, layout_hash)
    if key not in _layouts:
        _layouts[key] = load_layout(name)
    return _layouts[key]


def _warm() -> None:
    """Worker initializer: import the renderer and register fonts once per process."""
    from .render import fonts  # noqa: F401


def run_task(task: Task) -> list[JobResult]:
    """Load one handout and render its stale outputs, each written atomically."""
    from .render import render_pdf

    clinic_path = Path(task.library) / CLINIC_FILE
    key = (str(clinic_path), _sha(clinic_path.read_bytes()))
    if key not in _clinics:
        clinic, found = load_clinic(clinic_path, display(clinic_path))
        if clinic is None:
            return [JobResult(rel, o.name, False, findings=found) for o, rel, _ in task.outputs]
        _clinics[key] = clinic
    clinic = _clinics[key]
    proc, found = load_procedure(Path(task.handout), clinic, task.shown)
    if proc is None:
        return [JobResult(rel, o.name, False, findings=found) for o, rel, _ in task.outputs]
    proc, gates = quality_findings(proc, clinic, Path(task.handout), task.today)
    if any(f.blocks(task.strict) for f in gates):
        return [JobResult(rel, o.name, False, findings=gates) for o, rel, _ in task.outputs]
    results = []
    hashes = dict(task.layouts)
    for output, rel, fingerprint in task.outputs:
        try:
            layout = _layout(output.layout, hashes.get(output.layout, ""))
            rendered = render_pdf(proc, clinic, layout, output.langs)
        except PdfgenError as exc:
            found = list(getattr(exc, "findings", ())) or [Finding(Pos(task.shown), "", str(exc))]
            results.append(JobResult(rel, output.name, False, findings=found))
            continue
        write_atomic(Path(task.out_dir) / rel, rendered.data)
        entry = {"handout": proc.id, "output": output.name, "layout": output.layout,
                 "languages": list(rendered.langs), "fingerprint": fingerprint,
                 "sha256": _sha(rendered.data), "bytes": len(rendered.data),
                 "pages": rendered.pages, "version": proc.version,
                 "reviewed": proc.reviewed.isoformat(), "pending_review": proc.pending_review,
                 "title": {lang: proc.title[lang] for lang in clinic.lang_codes},
                 "under_review": list(proc.under_review),
                 "review": _review_record(proc),
                 "waivers": dict(proc.waivers),
                 "warnings": [_portable(f) for f in gates if f.rule not in REVIEW_RULES]}
        entry.update(_catalog_fields(proc, clinic))
        results.append(JobResult(rel, output.name, True, entry=entry, findings=gates))
    return results


REVIEW_RULES = ("review-overdue", "review-due", "review-future", "pending-review")


def quality_findings(proc, clinic, handout: Path, today: str):
    """The gate step (pdfgen/gate.py) for one handout: (the handout as it will be rendered,
    its findings but the waived ones). Render-readiness runs in render_pdf, per output."""
    import datetime as dt

    from .gate import gate_handout
    from .quality.review import today as clock

    day = dt.date.fromisoformat(today) if today else clock()
    gated = gate_handout(proc, clinic, handout, day)
    return gated.proc, gated.shown


def _portable(f: Finding) -> dict:
    """A finding for the manifest: its file by name (relative to the library), not as shown
    from wherever this build ran, so a later build from another folder shows it right."""
    d = f.as_dict()
    d["file"] = Path(d["file"]).name
    return d


def _review_record(proc) -> dict:
    """What a later build needs to re-judge review dates without loading the handout."""
    at, by = proc.pos_of("reviewed"), proc.pos_of("reviewed_by")
    return {"reviewed": proc.reviewed.isoformat(), "pending": proc.pending_review,
            "at": [Path(at.file).name, at.line, at.col], "by": [Path(by.file).name, by.line, by.col]}


def recorded_findings(entry: dict, review_months: int, today, library: Path,
                      shown: str | None = None) -> list[Finding]:
    """The quality findings of a handout that was not rebuilt: its recorded warnings, and
    its review dates judged again as of today (a handout falls due without being edited),
    with the handout's waivers applied and file names shown as from here."""
    import datetime as dt
    from dataclasses import replace

    from .quality.gates import apply_waivers
    from .quality.review import check_dates

    def here(name: str) -> str:
        name = Path(name).name
        if shown and name == Path(shown).name:
            return shown  # the handout file, as this build already displays it
        return display(library / name)

    out = [Finding.from_dict(d) for d in entry.get("warnings", ())]
    rec = entry.get("review")
    if rec:
        out += check_dates(dt.date.fromisoformat(rec["reviewed"]), Pos(*rec["at"]),
                           rec["pending"], Pos(*rec["by"]), review_months, today)
    out = [replace(f, pos=replace(f.pos, file=here(f.pos.file))) for f in out]
    return [f for f in apply_waivers(out, entry.get("waivers") or {}) if f.severity != "waived"]


def _catalog_fields(proc, clinic: Clinic) -> dict:
    """What the front-desk page (index.html) shows besides titles: specialty, review due date."""
    try:
        names = {lang: clinic.specialty(proc.specialty).name[lang] for lang in clinic.lang_codes}
    except KeyError:
        names = {}
    return {"specialty": proc.specialty, "specialty_name": names,
            "review_due": review_due(proc.reviewed, clinic.review_months).isoformat()}


# -- planning and orchestration --------------------------------------------------------------


def read_manifest(out_dir: Path) -> dict:
    """The last build's manifest, keeping only entries pdfgen could have written.

    The manifest decides which files a build deletes and what the front-desk page links
    to, so an entry edited by hand to point outside `out/` (or of the wrong shape) is
    dropped, never followed: its handout is simply rebuilt.
    """
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
        return {}
    return {**data, "outputs": {rel: e for rel, e in data["outputs"].items() if _sane(rel, e)}}


def _sane(rel, entry) -> bool:
    """A manifest entry as pdfgen writes it: its path made from its handout and output ids."""
    if not isinstance(rel, str) or not isinstance(entry, dict):
        return False
    hid, out = entry.get("handout"), entry.get("output")
    if not (isinstance(hid, str) and isinstance(out, str) and SLUG.match(hid)
            and SLUG.match(out) and rel == output_path(hid, out)):
        return False
    shapes = {"title": dict, "languages": list, "specialty_name": dict, "under_review": list,
              "warnings": list, "waivers": dict, "review": dict, "inputs": dict}
    if any(k in entry and not isinstance(entry[k], t) for k, t in shapes.items()):
        return False
    texts = [*(entry.get("title") or {}).values(), *(entry.get("specialty_name") or {}).values(),
             *(entry.get("languages") or ()), *(entry.get("under_review") or ())]
    return (all(isinstance(t, str) for t in texts)
            and re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256", ""))) is not None)


def _write_manifest(out_dir: Path, outputs: dict) -> None:
    # One output per line: reads well in a diff, and each line uses the C JSON encoder
    # (indent= would switch the whole document to the slow pure-Python one).
    lines = [f"  {json.dumps(rel)}: {json.dumps(entry, ensure_ascii=False, sort_keys=True)}"
             for rel, entry in sorted(outputs.items())]
    text = (f'{{"pdfgen": {json.dumps(__version__)}, "layout": "<id>/<id>.<output>.pdf", '
            f'"outputs": {{\n' + ",\n".join(lines) + "\n}}\n")
    write_atomic(out_dir / MANIFEST, text.encode())


def _why(old: dict | None, inputs: dict, out_file: Path, force: bool) -> str | None:
    """Why this output must be (re)built, or None when it is up to date."""
    if force:
        return "forced"
    if old is None:
        return "new"
    if not out_file.is_file() or out_file.stat().st_size != old.get("bytes"):
        return "PDF missing or changed on disk"
    before = old.get("inputs", {})
    reasons = (("handout", "handout changed"), ("clinic", "clinic profile changed"),
               ("translations", "translation confirmations changed"),
               ("layout", "layout changed"), ("engine", "pdfgen, fonts or catalogs changed"),
               ("output", "output settings changed"))
    for key, label in reasons:
        if before.get(key) != inputs[key]:
            return label
    return None


def build_library(library: Path, out_dir: Path, only: list[str] | None = None,
                  jobs: int | None = None, force: bool = False,
                  executor: cf.Executor | None = None, dry_run: bool = False,
                  progress: Callable[[JobResult], None] | None = None,
                  strict: bool = False, today=None) -> BuildResult:
    """Bring out_dir up to date with the library; see docs/build.md.

    Any concurrent.futures.Executor can run the work (a process pool by default);
    each task is one handout's stale outputs. The quality gates run on each handout
    rebuilt: an error (or, with `strict`, a warning) stops that handout and keeps its
    last good PDFs; warnings are listed, and listed again while the handout is unchanged.
    """

    started = time.perf_counter()
    from .quality.review import today as clock

    today = today or clock()
    library, out_dir = Path(library), Path(out_dir)
    result = BuildResult(dry_run=dry_run, strict=strict)
    seen: set[Finding] = set()

    def note(found) -> None:  # each finding once, in order (a set: libraries are large)
        for f in found:
            if f not in seen:
                seen.add(f)
                result.findings.append(f)

    clinic_path = library / CLINIC_FILE
    if not clinic_path.is_file():
        raise UsageError(f"{display(library)}: no {CLINIC_FILE}: is this a handout library?")
    clinic, found = load_clinic(clinic_path, display(clinic_path))
    if clinic is None:
        raise ContentError(found)
    outputs = outputs_for(clinic)
    layout_hash = {}
    from .gate import layout_findings

    for output in outputs:
        if output.layout in layout_hash:
            continue
        layout = load_layout(output.layout)  # raises with file:line when a layout is broken
        layout_hash[output.layout] = _hash_files(layout.files)
        gate = layout_findings(layout)
        if any(f.blocks(strict) for f in gate):
            raise ContentError(gate)  # a layout every handout uses: nothing can be built
        note(gate)
    clinic_hash, engine = _sha(clinic_path.read_bytes()), engine_hash()

    manifest = read_manifest(out_dir).get("outputs", {})
    files = handout_files(library)
    ids = {p.stem for p in files}
    if only:
        unknown = sorted(set(only) - ids)
        if unknown:
            raise UsageError(f"no handout {', '.join(unknown)} in {display(library)}")
    tasks, new_manifest = [], {}
    for path in files:
        if only and path.stem not in only:
            new_manifest.update({k: v for k, v in manifest.items()
                                 if v.get("handout") == path.stem})
            continue
        handout_hash = _sha(path.read_bytes())
        judged = False  # an unchanged handout's recorded findings: once, not per output
        shown = display(path)
        conf = confirmations_path(path)
        translations_hash = _sha(conf.read_bytes()) if conf.is_file() else ""
        stale = []
        for output in outputs:
            rel = output_path(path.stem, output.name)
            inputs = {"handout": handout_hash, "clinic": clinic_hash,
                      "translations": translations_hash,
                      "layout": layout_hash[output.layout], "engine": engine,
                      "output": f"{output.layout}:{','.join(output.langs)}"}
            fingerprint = _sha(json.dumps(inputs, sort_keys=True).encode())
            old = manifest.get(rel)
            reason = _why(old, inputs, out_dir / rel, force)
            if reason is None:
                result.skipped.append(rel)
                new_manifest[rel] = old
                if not judged:
                    judged = True
                    note(recorded_findings(old, clinic.review_months, today, library, shown))
            else:
                result.reasons[rel] = reason
                stale.append((output, rel, fingerprint, inputs))
                if old is not None:
                    new_manifest[rel] = old  # keep the last good PDF on record until replaced
        if stale:
            tasks.append((Task(str(library), str(path), display(path), str(out_dir),
                               tuple((o, rel, fp) for o, rel, fp, _ in stale),
                               tuple(sorted(layout_hash.items())), today.isoformat(), strict),
                          {rel: inputs for _, rel, _, inputs in stale}))

    # outputs whose handout is gone (or no longer in the matrix): remove what pdfgen wrote
    wanted = {output_path(p.stem, o.name) for p in files for o in outputs}
    gone = sorted(rel for rel in manifest if rel not in wanted
                  and not (only and manifest[rel].get("handout") not in only))
    if dry_run:
        result.built = [rel for task, _ in tasks for _, rel, _ in task.outputs]
        result.removed = gone
        result.seconds = time.perf_counter() - started
        return result
    for stray in out_dir.glob("*/.*.pdf.*.tmp"):  # left by a build killed mid-write
        stray.unlink(missing_ok=True)
    try:
        for task_result in _run(tasks, jobs, executor):
            for job in task_result[0]:
                inputs = task_result[1][job.path]
                if job.ok:
                    job.entry["inputs"] = inputs
                    new_manifest[job.path] = job.entry
                    result.built.append(job.path)
                    note(job.findings)
                else:
                    result.failed.append(job.path)
                    note(job.findings)
                if progress:
                    progress(job)
    finally:
        for rel in gone:
            target = out_dir / rel
            target.unlink(missing_ok=True)
            try:
                target.parent.rmdir()  # only when empty: never touch files pdfgen did not write
            except OSError:
                pass
            result.removed.append(rel)
        if tasks or gone or not (out_dir / MANIFEST).exists():
            _write_manifest(out_dir, new_manifest)
        # index.html, even after an interrupted build: it links only to PDFs that exist
        note(write_catalog(out_dir, new_manifest, clinic, today).findings)
    result.failed.sort()
    result.seconds = time.perf_counter() - started
    return result


def _run(tasks, jobs: int | None, executor: cf.Executor | None):
    """Yield (results, inputs) per task as they finish, on the given or a new process pool."""
    if not tasks:
        return
    own = None
    if executor is None:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        if workers == 1:
            for task, inputs in tasks:
                yield run_task(task), inputs
            return
        own = executor = cf.ProcessPoolExecutor(max_workers=workers, initializer=_warm)
    try:
        futures = {executor.submit(run_task, task): inputs for task, inputs in tasks}
        for future in cf.as_completed(futures):
            yield future.result(), futures[future]
    finally:
        if own is not None:
            own.shutdown(cancel_futures=True)


def summary_lines(result: BuildResult) -> list[str]:
    lines = [str(f) for f in result.findings]
    lines += [f"removed {rel}" for rel in result.removed]
    lines += [f"FAILED {rel} (previous PDF kept, if any)" for rel in result.failed]
    lines.append(result.summary())
    return lines

