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
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ContentError, Finding, Pos, Severity, UsageError
from .load import load_library
from .model import Clinic, Layout, Library, Output, Procedure
from .rules import OVERDUE_RULES


@dataclass(frozen=True)
class Policy:
    """Which findings stop a handout: errors always; warnings with `strict`; an overdue
    clinical review (or first review) not when the user said `--allow-overdue` (the PDF
    then says so)."""

    strict: bool = False
    allow_overdue: bool = False

    def blocks(self, finding: Finding) -> bool:
        if self.allow_overdue and finding.rule in OVERDUE_RULES:
            return False
        return finding.blocks(self.strict)


@dataclass(frozen=True)
class Target:
    """One PDF a handout is to be rendered as: a layout and the languages it carries."""

    layout: Layout
    langs: tuple[str, ...]
    output: str = ""  # the output's name in a build ("bilingual"); empty for one render


@dataclass
class Gated:
    """A handout through the gate: as it will be rendered, and everything found on the way."""

    proc: Procedure  # under_review set; review_overdue set when an overdue review is allowed
    findings: list[Finding] = field(default_factory=list)  # waived warnings included

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
                 targets: Iterable[Target] = (), policy: Policy = Policy(),
                 translations=None) -> Gated:
    """Quality gates and render-readiness for one loaded handout.

    `targets` are the PDFs it is about to become (or, for `check`, every PDF a build would
    make): each is checked for glyphs and bounded counts. Layout geometry is checked per
    layout by `layout_findings`, once, not per handout. `translations`: the handout's
    confirmations file as already read (bytes, or quality.freshness.NO_FILE when there is
    none); None reads it now."""
    from .quality.gates import run_gates
    from .render.readiness import (
        check_content,
        check_footer,
        check_glyphs,
        check_signature,
        check_taglines,
    )

    quality = run_gates(proc, clinic, handout, today, translations)
    proc = replace(proc, under_review=quality.under_review)
    found = list(quality.findings)
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


@dataclass(frozen=True)
class Passed:
    """One handout let through the gate for one PDF: what to render, and its warnings."""

    library: Library
    proc: Procedure
    target: Target
    warnings: list[Finding]


def pass_one(lib: Library, proc: Procedure, handout: Path, layout: Layout,
             langs: tuple[str, ...], today: dt.date, policy: Policy) -> Passed:
    """The rest of the gate for one PDF of one loaded handout (render, email): raises
    ContentError with every finding that stops it; returns the warnings to show."""
    from .quality.gates import clinic_of
    from .render import choose_langs

    chosen = ()
    if not langs:  # the first languages of the clinic that the handout is written in
        chosen = choose_langs(clinic_of(proc, lib.clinic), layout, None)
    if len(chosen) < layout.languages:
        chosen = choose_langs(lib.clinic, layout, langs or None)
    lacking = [missing_language(proc, code) for code in chosen if not proc.has(code)]
    if lacking:
        raise ContentError(lacking)
    target = Target(layout, chosen)
    gated = gate_handout(proc, lib.clinic, handout, today, [target], policy)
    gated.findings[:0] = layout_findings(layout)
    blocking = gated.blocking(policy)
    if blocking:
        raise ContentError(blocking)
    shown = [f for f in gated.shown if f.severity is Severity.WARNING or f.rule in OVERDUE_RULES]
    return Passed(lib, gated.proc, target, shown)
