"""Shared error types and findings: every stage reports problems through these."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Finding:
    """One problem in the user's input: where, which field, what to do."""

    pos: Pos
    field: str
    message: str
    severity: str = "error"  # "error" or "warning"
    rule: str = ""

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        tag = "" if self.severity == "error" else f" {self.severity}:"
        return f"{self.pos}:{tag}{field} {self.message}"

    def blocks(self, strict: bool = False) -> bool:
        """Whether this finding stops a handout: an error, or with --strict a warning too."""
        return self.severity == "error" or (strict and self.severity == "warning")

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
            "severity": self.severity,
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
