"""Shared error types and findings: every stage reports problems through these."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, order=True)
class Pos:
    """Where a value was written: file, 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


class Severity(str, Enum):
    """How much a finding weighs: an error stops the handout; a warning is listed (an error
    under --strict); a waived warning is counted and shown with --show-waived only."""

    ERROR = "error"
    WARNING = "warning"
    WAIVED = "waived"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One problem in the user's input: where, which field, what to do."""

    pos: Pos
    field: str
    message: str
    severity: Severity = Severity.ERROR
    rule: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):  # "warning" from a manifest or a replace()
            object.__setattr__(self, "severity", Severity(self.severity))

    def __str__(self) -> str:
        """One line, always: a line break or escape code in a file name or a quoted text
        is shown escaped, so it can neither forge another finding nor move the cursor."""
        from .markup import escape_controls

        field = f" {self.field}:" if self.field else ""
        tag = "" if self.severity is Severity.ERROR else f" {self.severity.value}:"
        return escape_controls(f"{self.pos}:{tag}{field} {self.message}")

    def blocks(self, strict: bool = False) -> bool:
        """Whether this finding stops a handout: an error, or with --strict a warning too."""
        return self.severity is Severity.ERROR or (strict and self.severity is Severity.WARNING)

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(Pos(d["file"], d.get("line", 0), d.get("col", 0)), d.get("field", ""),
                   d["message"], d.get("severity", "error"), d.get("rule", ""))

    def as_dict(self) -> dict:
        return {
            "file": self.pos.file,
            "line": self.pos.line,
            "col": self.pos.col,
            "field": self.field,
            "message": self.message,
            "severity": self.severity.value,
            "rule": self.rule,
        }


class PdfgenError(Exception):
    """Base of every error pdfgen raises; the CLI maps `exit_code` to the process status."""

    exit_code = 1


class ContentError(PdfgenError):
    """Input files have problems; `findings` lists all of them."""

    exit_code = 1

    def __init__(self, findings: list[Finding] | tuple[Finding, ...]):
        self.findings = tuple(findings)
        super().__init__("\n".join(str(f) for f in self.findings))


class UsageError(PdfgenError):
    """The command was asked for something that does not exist."""

    exit_code = 2
