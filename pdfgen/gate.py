"""The one gate step every command passes: load -> validate -> quality gates ->
render-readiness -> (render).

`pdfgen check` is this step without the drawing; `render`, `email` and `build` run the same
step and let the same findings stop a handout, so a library that `check --strict` passes is
one that `build --strict` builds. What stops a handout is decided here, once: `Policy`.
`translations` writes no PDF, so only the first two stages (loading and validation) can stop
it (docs/quality.md, "What stops a handout").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import field, replace
from pathlib import Path

from .errors import FACTORY, ContentError, Finding, Pos, Severity, UsageError, record
from .load import load_library
from .model import Clinic, Layout, Library, Output, Procedure
from .rules import OVERDUE_RULES

_set = object.__setattr__  # how a frozen record's __init__ sets its fields (errors.record)


@record
class Policy:
    """Which findings stop a handout: errors always; warnings with `strict`; an overdue
    clinical review (or first review) not when the user said `--allow-overdue` (the PDF
    then says so)."""

    strict: bool = False
    allow_overdue: bool = False

    def __init__(self, strict=False, allow_overdue=False) -> None:
        _set(self, "strict", strict)
        _set(self, "allow_overdue", allow_overdue)

    def blocks(self, finding: Finding) -> bool:
        if self.allow_overdue and finding.rule in OVERDUE_RULES:
            return False
        return finding.blocks(self.strict)


@record
class Target:
    """One PDF a handout is to be rendered as: a layout and the languages it carries."""

    layout: Layout
    langs: tuple[str, ...]
    output: str = ""  # the output's name in a build ("bilingual"); empty for one render

    def __init__(self, layout, langs, output="") -> None:
        _set(self, "layout", layout)
        _set(self, "langs", langs)
        _set(self, "output", output)


@record(frozen=False)
class Gated:
    """A handout through the gate: as it will be rendered, and everything found on the way."""

    proc: Procedure  # under_review set; review_overdue set when an overdue review is allowed
    findings: list[Finding] = field(default_factory=list)  # waived warnings included

    def __init__(self, proc, findings=FACTORY) -> None:
        self.proc = proc
        self.findings = [] if findings is FACTORY else findings

    def blocking(self, policy: Policy) -> list[Finding]:
        return [f for f in self.findings if policy.blocks(f)]

    @property
    def shown(self) -> list[Finding]:
        """What is printed for the handout: every finding but the waived ones."""
        return [f for f in self.findings if f.severity is not Severity.WAIVED]


def layout_findings(layout: Layout) -> list[Finding]:
    """The gate of one layout: accessible type, contrast and line length (quality), and a
    geometry that leaves room for what the renderer draws (readiness)."""
    from .quality import layouts
    from .render.readiness import chars_per_line, check_layout

    return layouts.check(layout, chars_per_line(layout)) + check_layout(layout)


def output_problems(output: Output, layout: Layout, index: int = 0) -> list[Finding]:
    """Can `layout` print `output`'s languages? Findings at the output in clinic.yaml (the
    same in check and build, so check --strict clean means the build can make it)."""
    field_name = f"outputs[{index}]" if index else "outputs"
    n, langs = len(output.langs), ", ".join(output.langs)
    if layout.arrangement == "single" and n != 1:
        why = f"layout '{layout.name}' prints one language, and this output lists {n} ({langs})"
    elif layout.arrangement == "columns" and n != layout.languages:
        why = (f"layout '{layout.name}' prints {layout.languages} languages side by side, and "
               f"this output lists {n} ({langs})")
    elif len(set(output.langs)) != n:
        why = f"a language is listed twice ({langs})"
    else:
        return []
    return [Finding(output.pos, field_name, f"output '{output.name}': {why}")]


def gate_handout(proc: Procedure, clinic: Clinic, handout: Path, today: dt.date,
                 targets: Iterable[Target] = (), policy: Policy = Policy(),  # noqa: B008 (frozen)
                 translations=None, cache: bool = False) -> Gated:
    """Quality gates and render-readiness for one loaded handout.

    `targets` are the PDFs it is about to become (or, for `check`, every PDF a build would
    make): each is checked for glyphs and bounded counts. Layout geometry is checked per
    layout by `layout_findings`, once, not per handout. `translations`: the handout's
    confirmations file as already read (bytes, or quality.freshness.NO_FILE when there is
    none); None reads it now. `cache`: the quality gates' findings may come from the on-disk
    cache (`quality_findings`; `pdfgen render` and `email`)."""
    from .render.readiness import (
        check_content,
        check_footer,
        check_glyphs,
        check_signature,
        check_taglines,
    )

    findings, under_review = quality_findings(proc, clinic, handout, today, translations, cache)
    proc = replace(proc, under_review=under_review)
    found = list(findings)
    seen = set(found)
    glyphs: dict[tuple, list[Finding]] = {}  # (font families, language) -> findings

    def add(findings) -> None:
        for f in findings:
            if f not in seen:
                seen.add(f)
                found.append(f)

    for target in targets:
        langs, layout = target.langs, target.layout
        if not all(proc.has(lang) for lang in langs):
            continue  # not made of this handout: reported once, as language-missing
        add(check_content(proc, langs))
        for lang in langs:  # many targets share their fonts and languages: each pair once
            key = (tuple(sorted(layout.fonts.items())), lang)
            if key not in glyphs:
                glyphs[key] = check_glyphs(proc, clinic, layout, (lang,))
            add(glyphs[key])
        add(check_footer(proc, clinic, layout, langs) + check_signature(clinic, layout, langs))
        if layout.taglines == "page":
            key = (tuple(sorted(layout.fonts.items())), "taglines")
            if key not in glyphs:
                glyphs[key] = check_taglines(clinic, layout)
            add(glyphs[key])
    if policy.allow_overdue and any(f.rule in OVERDUE_RULES for f in found):
        proc = replace(proc, review_overdue=True)
    return Gated(proc, found)


def quality_findings(proc: Procedure, clinic: Clinic, handout: Path, today: dt.date,
                     translations=None, cache: bool = False
                     ) -> tuple[list[Finding], tuple[str, ...]]:
    """The quality gates' findings for one loaded handout (waivers applied), and the languages
    whose translation is under review: quality.gates.run_gates.

    With `cache`, a result is kept in the on-disk cache (pdfgen/diskcache.py) and read back
    only for exactly the same inputs judged by exactly the same code: the handout and
    clinic as loaded (every field, figures' bytes included), the handout's path, its
    confirmations file's bytes (or that there is none), the day review dates are judged
    by, every file of the pdfgen package, the CMU dictionary's data file and PyYAML's
    version. The findings are cached, not a verdict: the policy (--strict,
    --allow-overdue) decides on them afresh every time, so a cached result stops a handout
    exactly as a fresh one would. Anything that cannot be keyed (a confirmations file that
    is not a regular file, a value the fingerprint does not know) runs the gates. A cached
    result imports none of the gates' code (quality.gates included)."""
    if cache:
        key = _quality_key(proc, clinic, handout, today, translations)
        if key is not None:
            from .diskcache import cached_bytes

            data, raw = key

            def build(_: bytes):
                from .quality.gates import run_gates

                result = run_gates(proc, clinic, handout, today, raw)
                try:
                    rows = [_finding_tuple(f) for f in result.findings]
                except TypeError:
                    raise _Fresh(result) from None  # not plain data: used, not cached
                return rows, list(result.under_review)

            try:
                entry = cached_bytes("gate", data, build)
            except _Fresh as fresh:
                return fresh.result.findings, fresh.result.under_review
            try:
                rows, under_review = entry
                return [_finding_of(row) for row in rows], tuple(under_review)
            except (TypeError, ValueError):  # an entry of another shape: run the gates
                pass
    from .quality.gates import run_gates

    result = run_gates(proc, clinic, handout, today, translations)
    return result.findings, result.under_review


class _Fresh(Exception):
    """A result the cache cannot hold, computed all the same."""

    def __init__(self, result):
        super().__init__("uncacheable")
        self.result = result


def _quality_key(proc, clinic, handout, today, translations):
    """(the key's bytes, the confirmations file's content as read for it), or None when these
    inputs cannot be keyed."""
    import os

    import yaml

    from .diskcache import Unkeyable, code_version, fingerprint
    from .fsutil import InputFileError, read_input
    from .quality import cmudict_counts
    from .quality.confirmations import NO_FILE, confirmations_path
    from .yamlio import MAX_BYTES

    raw = translations
    if raw is None:  # read it once, for the key and for the gates alike
        path = confirmations_path(Path(handout))
        if not os.path.lexists(path):
            raw = NO_FILE
        else:
            try:
                raw = read_input(path, MAX_BYTES)
            except InputFileError:
                return None  # not a regular file, too large...: the gates say so, uncached
    if raw is not NO_FILE and not isinstance(raw, bytes):
        return None
    try:
        words = cmudict_counts.source_key(cmudict_counts.data_file())
    except (cmudict_counts.CmudictMissing, OSError):
        return None
    try:
        data = fingerprint(code_version(), words, yaml.__version__, today, str(handout),
                           None if raw is NO_FILE else raw, proc, clinic)
    except (Unkeyable, OSError):
        return None
    return data, raw


def _finding_tuple(f: Finding) -> tuple:
    if type(f) is not Finding or type(f.pos) is not Pos:
        raise TypeError("not a plain finding")  # (nothing is cached then)
    return (f.pos.file, f.pos.line, f.pos.col, f.field, f.message, f.severity.value, f.rule)


def _finding_of(row) -> Finding:
    file, line, col, field_name, message, severity, rule = row
    if not (type(file) is type(field_name) is type(message) is type(rule) is str
            and type(line) is type(col) is int):
        raise TypeError("not a cached finding")
    return Finding(Pos(file, line, col), field_name, message, Severity(severity), rule)


def load_one(root: Path, handout_id: str, shown_root: str) -> tuple[Library, Procedure, Path]:
    """Stages 1-2 for one handout: its library's clinic.yaml and its own file, loaded and
    validated. An unknown id is a usage error (exit 2), content errors a ContentError."""
    result = load_library(root, only=[handout_id], display_root=shown_root)
    lib = result.library
    named = [Path(name).stem for name in result.failed]
    named += [Path(f.pos.file).stem for f in result.findings]  # x.yaml a FIFO, x.Yml...
    if lib is not None and all(p.id != handout_id for p in lib.procedures) \
            and handout_id not in named:
        raise UsageError(f"no handout '{handout_id}' in {shown_root or root}")
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if errors or result.library is None:
        raise ContentError(errors)
    return lib, lib.procedure(handout_id), Path(root) / f"{handout_id}.yaml"


def missing_language(proc: Procedure, code: str, doing: str = "be rendered in") -> Finding:
    """The error of a PDF asked for in a language the handout is not (fully) written in."""
    from .languages import profile

    p = profile(code)
    name = p.english_name if p else code
    fields = proc.missing_fields(code)
    shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
    return Finding(Pos(proc.path), code,
                   f"handout '{proc.id}' cannot {doing} {name} ({code}): its {name} "
                   f"text is missing ({shown})")


@record
class Passed:
    """One handout let through the gate for one PDF: what to render, and its warnings."""

    library: Library
    proc: Procedure
    target: Target
    warnings: list[Finding]

    def __init__(self, library, proc, target, warnings) -> None:
        _set(self, "library", library)
        _set(self, "proc", proc)
        _set(self, "target", target)
        _set(self, "warnings", warnings)


def _clinic_of(proc: Procedure, clinic: Clinic) -> Clinic:
    """quality.gates.clinic_of, imported only for a handout that lacks one of the clinic's
    languages (for the others it is the clinic itself): a render whose gate findings are
    cached imports nothing of quality.gates."""
    if not proc.missing:
        return clinic
    from .quality.gates import clinic_of

    return clinic_of(proc, clinic)


def pass_one(lib: Library, proc: Procedure, handout: Path, layout: Layout,
             langs: tuple[str, ...], today: dt.date, policy: Policy) -> Passed:
    """The rest of the gate for one PDF of one loaded handout (render, email): raises
    ContentError with every finding that stops it; returns the warnings to show."""
    from .render import choose_langs

    chosen = ()
    if not langs:  # the first languages of the clinic that the handout is written in
        chosen = choose_langs(_clinic_of(proc, lib.clinic), layout, None)
    if len(chosen) < layout.languages:
        chosen = choose_langs(lib.clinic, layout, langs or None)
    lacking = [missing_language(proc, code) for code in chosen if not proc.has(code)]
    if lacking:
        raise ContentError(lacking)
    target = Target(layout, chosen)
    gated = gate_handout(proc, lib.clinic, handout, today, [target], policy, cache=True)
    gated.findings[:0] = layout_findings(layout)
    blocking = gated.blocking(policy)
    if blocking:
        raise ContentError(blocking)
    shown = [f for f in gated.shown if f.severity is Severity.WARNING or f.rule in OVERDUE_RULES]
    return Passed(lib, gated.proc, target, shown)
