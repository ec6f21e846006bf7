"""Shared error types and findings: every stage reports problems through these."""

from __future__ import annotations

import dataclasses
import reprlib
from enum import Enum
from operator import attrgetter

_set = object.__setattr__  # what a frozen dataclass's __init__ sets its fields with
FACTORY = object()  # a hand-written __init__'s default for a field with a default_factory


def record(cls=None, /, *, frozen: bool = True, order: bool = False):
    """`@dataclass(frozen=True)` (or `order=True`, or `frozen=False`) without the code
    `dataclasses` writes and compiles for each class when its module is imported (about
    0.6 ms a class, 25 ms of every `pdfgen render`; issue #16).

    The class writes its own `__init__` (the one `@dataclass` would write: the fields in
    order, the same defaults, `FACTORY` for a default_factory, `_set` for a frozen class);
    this adds the rest, made once here from the fields and behaving
    as the generated methods do: `__eq__` and `__hash__` over the tuple of the fields that
    take part in comparison (for the same class only), `__repr__` over those shown, the
    orderings, and for a frozen class the `__setattr__` and `__delattr__` that raise
    FrozenInstanceError. It is still a dataclass, `__dataclass_params__` as `@dataclass`
    would set them: `dataclasses.fields`, `replace` and `diskcache.fingerprint` work as
    before (tests/test_records.py compares each class with `@dataclass`'s own).
    """
    if cls is None:
        return lambda cls: _record(cls, frozen, order)
    return _record(cls, frozen, order)


def _record(cls, frozen: bool, order: bool):
    if "__init__" not in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: a record writes its own __init__")
    cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    params = vars(cls)["__dataclass_params__"]  # as @dataclass(frozen=..., order=...) sets them
    params.init = params.repr = params.eq = True
    params.frozen, params.order = frozen, order
    fields = dataclasses.fields(cls)
    key = _tuple_of([f.name for f in fields if f.compare])
    hashed = _tuple_of([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    shown = [f.name for f in fields if f.repr]

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    @reprlib.recursive_repr()
    def __repr__(self):
        return (self.__class__.__qualname__ + "("
                + ", ".join(f"{name}={getattr(self, name)!r}" for name in shown) + ")")

    methods = {"__eq__": __eq__, "__repr__": __repr__}
    if order:
        def __lt__(self, other):
            if other.__class__ is self.__class__:
                return key(self) < key(other)
            return NotImplemented

        def __le__(self, other):
            if other.__class__ is self.__class__:
                return key(self) <= key(other)
            return NotImplemented

        def __gt__(self, other):
            if other.__class__ is self.__class__:
                return key(self) > key(other)
            return NotImplemented

        def __ge__(self, other):
            if other.__class__ is self.__class__:
                return key(self) >= key(other)
            return NotImplemented

        methods.update(__lt__=__lt__, __le__=__le__, __gt__=__gt__, __ge__=__ge__)
    if frozen:
        names = frozenset(f.name for f in fields)

        def __setattr__(self, name, value):
            if type(self) is cls or name in names:
                raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in names:
                raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        def __hash__(self):
            return hash(hashed(self))

        methods.update(__setattr__=__setattr__, __delattr__=__delattr__, __hash__=__hash__)
    for name, method in methods.items():
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record makes its own {name}")
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    if not frozen:
        cls.__hash__ = None  # as @dataclass(eq=True) sets it: mutable, unhashable
    return cls


def _tuple_of(names: list[str]):
    """obj -> (obj.name1, obj.name2, ...): a tuple, even of one field or none."""
    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


@record(order=True)
class Pos:
    """Where a value was written: file, 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __init__(self, file: str, line: int = 0, col: int = 0) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "col", col)

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


@record
class Finding:
    """One problem in the user's input: where, which field, what to do."""

    pos: Pos
    field: str
    message: str
    severity: Severity = Severity.ERROR
    rule: str = ""

    def __init__(self, pos: Pos, field: str, message: str,
                 severity: Severity = Severity.ERROR, rule: str = "") -> None:
        _set(self, "pos", pos)
        _set(self, "field", field)
        _set(self, "message", message)
        if not isinstance(severity, Severity):  # "warning" from a manifest or a replace()
            severity = Severity(severity)
        _set(self, "severity", severity)
        _set(self, "rule", rule)

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
