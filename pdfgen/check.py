"""Stage 3, check: load a library (or some of its files) and gather every finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import Finding, Pos, UsageError
from .load import CLINIC_FILE, load_clinic, load_library, load_procedure
from .paths import display


@dataclass
class CheckReport:
    """What `pdfgen check` found: findings in file order, and what was read."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    handouts: int = 0

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def summary(self) -> str:
        noun = "handout" if self.handouts == 1 else "handouts"
        return (f"checked {self.files} file{'s' if self.files != 1 else ''} "
                f"({self.handouts} {noun}): {self.errors} error{'s' if self.errors != 1 else ''}, "
                f"{self.warnings} warning{'s' if self.warnings != 1 else ''}")

    def as_dict(self) -> dict:
        return {"files": self.files, "handouts": self.handouts, "errors": self.errors,
                "warnings": self.warnings, "findings": [f.as_dict() for f in self.findings]}


def check_paths(paths: list[Path]) -> CheckReport:
    """Check library folders and/or single handout files (checked against their clinic.yaml)."""
    report = CheckReport()
    folders = [p.resolve() for p in paths if p.is_dir()]
    unique = []
    for path in paths:  # each file once, even when named and also inside a named folder
        key = path.resolve()
        if key not in [u.resolve() for u in unique] and not (path.is_file() and key.parent in folders):
            unique.append(path)
    for path in unique:
        if path.is_dir():
            _check_folder(path, report)
        elif path.is_file():
            _check_file(path, report)
        else:
            raise UsageError(f"{path}: no such file or folder")
    report.findings.sort(key=lambda f: (f.pos.file, f.pos.line, f.pos.col))
    return report


def _check_folder(folder: Path, report: CheckReport) -> None:
    result = load_library(folder, display_root=display(folder))
    report.findings.extend(result.findings)
    report.files += 1
    if result.library is not None:
        report.handouts += len(result.library.procedures) + len(result.failed)
        report.files += len(result.library.procedures) + len(result.failed)


def _check_file(path: Path, report: CheckReport) -> None:
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
    _, found = load_procedure(path, clinic, display(path))
    report.findings.extend(found)
