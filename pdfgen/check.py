"""Stage 3, check: load a library (or some of its files) and gather every finding."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Finding, Pos, Severity, UsageError
from .load import CLINIC_FILE, load_clinic, load_library, load_procedure
from .paths import display


@dataclass
class CheckReport:
    """What `pdfgen check` found: findings in file order, and what was read."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    handouts: int = 0
    readability: list[dict] = field(default_factory=list)  # per handout and language
    strict: bool = False  # warnings count as errors

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def failing(self) -> bool:
        """Whether the check fails: any error, or with --strict any warning."""
        return any(f.blocks(self.strict) for f in self.findings)

    @property
    def waived(self) -> int:
        return sum(f.severity is Severity.WAIVED for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    def summary(self) -> str:
        noun = "handout" if self.handouts == 1 else "handouts"
        errors = self.errors
        text = (f"checked {self.files} file{'s' if self.files != 1 else ''} "
                f"({self.handouts} {noun}): {errors} error{'s' if errors != 1 else ''}, "
                f"{self.warnings} warning{'s' if self.warnings != 1 else ''}")
        if self.strict and self.warnings:
            text += " (--strict: warnings count as errors)"
        if self.waived:
            text += f", {self.waived} waived (--show-waived lists them)"
        return text

    def as_dict(self) -> dict:
        out = {"files": self.files, "handouts": self.handouts, "errors": self.errors,
               "warnings": self.warnings, "waived": self.waived, "strict": self.strict,
               "ok": not self.failing,
               "findings": [f.as_dict() for f in self.findings]}
        if self.readability:
            out["readability"] = self.readability
        return out


def check_paths(paths: list[Path], quality: bool = True, today: dt.date | None = None,
                strict: bool = False, readability: bool = False) -> CheckReport:
    """Check library folders and/or single handout files (checked against their clinic.yaml).

    With `quality`, loaded handouts also go through the quality gates (and a folder's
    layouts through the accessible-layout checks); `readability` adds the score tables.
    """
    report = CheckReport(strict=strict)
    from .quality.review import today as clock

    gates = _Gates(quality, today or clock(), readability)
    folders = [p.resolve() for p in paths if p.is_dir()]
    unique = []
    for path in paths:  # each file once, even when named and also inside a named folder
        key = path.resolve()
        inside = path.is_file() and key.parent in folders
        if key not in [u.resolve() for u in unique] and not inside:
            unique.append(path)
    for path in unique:
        if path.is_dir():
            _check_folder(path, report, gates)
        elif path.is_file() or os.path.lexists(path):  # a FIFO: read_yaml says what it is
            _check_file(path, report, gates)
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique = dict.fromkeys(report.findings)  # a layout's findings, once however often met
    report.findings = sorted(unique, key=lambda f: (f.pos.file, f.pos.line, f.pos.col))
    return report


@dataclass
class _Gates:
    """The gate step (pdfgen/gate.py) without the drawing, for every handout checked."""

    on: bool
    today: dt.date
    readability: bool
    layouts_done: bool = False
    targets: dict[str, list] = field(default_factory=dict)  # clinic file -> its PDFs' targets
    loaded: dict[str, object] = field(default_factory=dict)  # layout name -> Layout or None

    def handout(self, proc, clinic, path: Path, report: CheckReport) -> None:
        if not self.on:
            return
        from .gate import gate_handout
        from .quality.gates import readability_report

        gated = gate_handout(proc, clinic, path, self.today, self._targets(clinic, report))
        report.findings.extend(gated.findings)
        if self.readability:
            report.readability.extend(readability_report(proc, clinic))

    def _layout(self, name: str, report: CheckReport, output=None):
        """A layout, loaded once per run; its load errors reported once (None then), at the
        clinic.yaml output that names it when there is one."""
        if name not in self.loaded:
            from .errors import ContentError, UsageError
            from .layout import load_layout

            try:
                self.loaded[name] = load_layout(name)
            except ContentError as exc:
                self.loaded[name] = None
                report.findings.extend(exc.findings)
            except UsageError as exc:  # no such layout, or not a name a layout can have
                self.loaded[name] = None
                report.findings.append(
                    Finding(output.pos, "outputs", f"output '{output.name}': {exc}") if output
                    else Finding(Pos(f"layouts/{name}.yaml"), "", str(exc)))
        return self.loaded[name]

    def _targets(self, clinic, report: CheckReport) -> list:
        """Every PDF the front desk can make of a handout, for render-readiness: the
        clinic's outputs (what a build makes), and each available layout in each of the
        clinic's languages (what `render --layout X --lang Y` and `email` make)."""
        if clinic.path in self.targets:
            return self.targets[clinic.path]
        from itertools import combinations

        from .gate import Target, output_problems
        from .layout import available_layouts

        targets = []
        for index, output in enumerate(clinic.output_matrix(), 1):
            layout = self._layout(output.layout, report, output)
            problems = output_problems(output, layout, index if clinic.outputs else 0) \
                if layout is not None else []
            report.findings.extend(problems)
            if layout is not None and not problems:
                targets.append(Target(layout, output.langs, output.name))
        for name in available_layouts():
            layout = self._layout(name, report)
            if layout is None:
                continue
            n = 1 if layout.arrangement == "single" else layout.languages
            for langs in combinations(clinic.lang_codes, min(n, len(clinic.lang_codes))):
                targets.append(Target(layout, langs))
        self.targets[clinic.path] = targets
        return targets

    def layouts(self, report: CheckReport) -> None:
        """Every layout pdfgen can use here (./layouts and the bundled ones), once per run."""
        if not self.on or self.layouts_done:
            return
        from .gate import layout_findings
        from .layout import available_layouts

        self.layouts_done = True
        for name in available_layouts():
            layout = self._layout(name, report)
            if layout is not None:
                report.findings.extend(layout_findings(layout))


def _check_folder(folder: Path, report: CheckReport, gates: _Gates) -> None:
    result = load_library(folder, display_root=display(folder))
    report.findings.extend(result.findings)
    report.files += 1
    if result.library is not None:
        report.handouts += len(result.library.procedures) + len(result.failed)
        report.files += len(result.library.procedures) + len(result.failed)
        for proc in result.library.procedures:
            gates.handout(proc, result.library.clinic, folder / f"{proc.id}.yaml", report)
        gates.layouts(report)


def _check_file(path: Path, report: CheckReport, gates: _Gates) -> None:
    clinic_path = path.parent / CLINIC_FILE
    report.files += 1
    if not clinic_path.is_file():
        report.findings.append(Finding(Pos(display(path)), "",
                                       f"no {CLINIC_FILE} beside this file to check it against"))
        return
    clinic, found = load_clinic(clinic_path, display(clinic_path))
    if path.name == CLINIC_FILE:
        report.findings.extend(found)
        return
    if clinic is None:
        report.findings.extend(found)
        return
    report.handouts += 1
    proc, found = load_procedure(path, clinic, display(path))
    report.findings.extend(found)
    if proc is not None:
        gates.handout(proc, clinic, path, report)
        gates.layouts(report)
