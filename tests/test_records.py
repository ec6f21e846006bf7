"""pdfgen's records (errors.record: dataclasses with a hand-written __init__ and no code
compiled at import, issue #16) behave as `@dataclass` made them: each class is compared with
a dataclass `dataclasses` builds from the same fields and options."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import inspect
import pickle

import pytest

import pdfgen.errors
import pdfgen.gate
import pdfgen.i18n
import pdfgen.languages
import pdfgen.load
import pdfgen.model
import pdfgen.render.fonts
import pdfgen.render.page
import pdfgen.render.story
import pdfgen.yamlio
from pdfgen import diskcache
from pdfgen.errors import FACTORY, Finding, Pos, Severity, record

MODULES = (pdfgen.errors, pdfgen.model, pdfgen.gate, pdfgen.i18n, pdfgen.languages, pdfgen.load,
           pdfgen.yamlio, pdfgen.render.fonts, pdfgen.render.page, pdfgen.render.story)
RECORDS = [cls for module in MODULES for cls in vars(module).values()
           if isinstance(cls, type) and cls.__module__ == module.__name__
           and dataclasses.is_dataclass(cls)]
# values a field must hold for the class's own __post_init__
VALID = {(Finding, "severity"): Severity.WARNING}


def reference(cls):
    """The dataclass `@dataclass(frozen=..., order=...)` makes of the same fields."""
    params = cls.__dataclass_params__
    spec = []
    for f in dataclasses.fields(cls):
        kw = dict(repr=f.repr, compare=f.compare, hash=f.hash)
        if f.default is not dataclasses.MISSING:
            kw["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kw["default_factory"] = f.default_factory
        spec.append((f.name, f.type, dataclasses.field(**kw)))
    namespace = {"__post_init__": _severity} if cls is Finding else {}
    ref = dataclasses.make_dataclass(cls.__name__, spec, frozen=params.frozen,
                                     order=params.order, namespace=namespace)
    ref.__qualname__ = cls.__qualname__
    return ref


def _severity(self) -> None:
    """Finding's __post_init__ as it was: "warning" from a manifest or a replace()."""
    if not isinstance(self.severity, Severity):
        object.__setattr__(self, "severity", Severity(self.severity))


def values(cls, tag: str = "") -> dict:
    """A distinct, hashable value for every field."""
    return {f.name: VALID.get((cls, f.name), f"{f.name}{tag}") for f in dataclasses.fields(cls)}


def test_every_record_is_found():
    names = {cls.__qualname__ for cls in RECORDS}
    assert {"Pos", "Finding", "Text", "Procedure", "Clinic", "Layout", "Policy", "Gated", "Node",
            "Labels", "Profile", "FooterSpec", "Styles"} <= names
    assert len(RECORDS) >= 36
    for cls in RECORDS:  # and none compiles code of its own (tests/test_imports.py, in a render)
        for name in ("__init__", "__eq__", "__hash__", "__repr__", "__setattr__", "__lt__"):
            method = cls.__dict__.get(name)
            code = getattr(method, "__code__", None) or getattr(
                getattr(method, "__wrapped__", None), "__code__", None)
            assert code is None or code.co_filename != "<string>", (cls, name)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_record_behaves_as_its_dataclass(cls):
    ref = reference(cls)
    params, ref_params = cls.__dataclass_params__, ref.__dataclass_params__
    for attr in ("init", "repr", "eq", "order", "unsafe_hash", "frozen"):
        assert getattr(params, attr) == getattr(ref_params, attr), attr
    assert cls.__match_args__ == ref.__match_args__

    # __init__: the same parameters, in order, with the same defaults
    ours, theirs = inspect.signature(cls).parameters, inspect.signature(ref).parameters
    assert list(ours) == list(theirs)
    for name, param in ours.items():
        other = theirs[name]
        assert param.kind == other.kind, name
        if other.default is dataclasses._HAS_DEFAULT_FACTORY:
            assert param.default is FACTORY, name
            assert getattr(cls(**{**{k: v for k, v in values(cls).items()
                                     if ours[k].default is inspect.Parameter.empty}}), name) \
                == cls.__dataclass_fields__[name].default_factory()
        else:
            assert param.default == other.default, name
    kwargs = values(cls)
    mine, model = cls(**kwargs), ref(**kwargs)
    assert vars(mine) == vars(model)
    assert cls(*kwargs.values()) == mine  # positionally too
    # defaults left out
    required = {k: v for k, v in kwargs.items() if ours[k].default is inspect.Parameter.empty}
    assert vars(cls(**required)) == vars(ref(**required))
    with pytest.raises(TypeError) as ours_error:
        cls(**kwargs, no_such_field=1)
    with pytest.raises(TypeError) as their_error:
        ref(**kwargs, no_such_field=1)
    assert str(ours_error.value) == str(their_error.value)

    # repr, equality, hashing, ordering: over the same fields
    assert repr(mine) == repr(model)
    assert mine == cls(**kwargs) and not (mine != cls(**kwargs))
    assert mine.__eq__(model) is NotImplemented and mine.__eq__(kwargs) is NotImplemented
    for f in dataclasses.fields(cls):
        changed = {**kwargs, f.name: VALID.get((cls, f.name), f"{f.name}-other")}
        if (cls, f.name) in VALID:
            changed[f.name] = Severity.ERROR
        assert (cls(**changed) == mine) == (ref(**changed) == model), f.name
        assert repr(cls(**changed)) == repr(ref(**changed))
        if params.order:
            for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                assert getattr(cls(**changed), op)(mine) == getattr(ref(**changed), op)(model)
    if params.frozen:
        assert hash(mine) == hash(model)
        for f in dataclasses.fields(cls):
            with pytest.raises(dataclasses.FrozenInstanceError) as ours_error:
                setattr(mine, f.name, 1)
            with pytest.raises(dataclasses.FrozenInstanceError) as their_error:
                setattr(model, f.name, 1)
            assert str(ours_error.value) == str(their_error.value)
            with pytest.raises(dataclasses.FrozenInstanceError) as ours_error:
                delattr(mine, f.name)
            with pytest.raises(dataclasses.FrozenInstanceError) as their_error:
                delattr(model, f.name)
            assert str(ours_error.value) == str(their_error.value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            mine.not_a_field = 1
    else:
        assert cls.__hash__ is None and ref.__hash__ is None
        name = dataclasses.fields(cls)[0].name
        setattr(mine, name, "changed")
        assert getattr(mine, name) == "changed"
        mine = cls(**kwargs)

    # what the rest of pdfgen does with dataclasses
    assert [f.name for f in dataclasses.fields(mine)] == [f.name for f in dataclasses.fields(model)]
    first = dataclasses.fields(cls)[0].name
    assert vars(dataclasses.replace(mine, **{first: "new"})) == vars(
        dataclasses.replace(model, **{first: "new"}))
    assert dataclasses.asdict(mine) == dataclasses.asdict(model)
    assert pickle.loads(pickle.dumps(mine)) == mine
    assert copy.deepcopy(mine) == mine


def test_the_model_fingerprints_as_before():
    """diskcache.fingerprint walks every field of a record, as it walked the dataclass's:
    the same bytes for the same data (the gate cache's keys do not change)."""
    pos = Pos("h.yaml", 3, 5)
    text = pdfgen.model.Text((("en", "Hi"), ("es", "Hola")), pos, (("en", pos),))
    finding = Finding(pos, "title", "too long", "warning", "rule")
    assert finding.severity is Severity.WARNING  # "warning" made a Severity
    assert diskcache.fingerprint(text, finding, pdfgen.gate.Policy(strict=True)) == (
        b"pdfgen.model.Text(values=tuple[tuple[str:'en';str:'Hi';]tuple[str:'es';str:'Hola';]]"
        b"pos=pdfgen.errors.Pos(file=str:'h.yaml';line=int:3;col=int:5;)where=tuple[tuple["
        b"str:'en';pdfgen.errors.Pos(file=str:'h.yaml';line=int:3;col=int:5;)]])\n"
        b"pdfgen.errors.Finding(pos=pdfgen.errors.Pos(file=str:'h.yaml';line=int:3;col=int:5;)"
        b"field=str:'title';message=str:'too long';severity=pdfgen.errors.Severity.WARNING;"
        b"rule=str:'rule';)\n"
        b"pdfgen.gate.Policy(strict=bool:True;allow_overdue=bool:False;)\n")
    assert sorted([Pos("b", 1), Pos("a", 2), Pos("a", 1, 3)]) == [Pos("a", 1, 3), Pos("a", 2),
                                                                   Pos("b", 1)]
    assert pdfgen.model.Clinic.__init__.__defaults__[3] is pdfgen.model.DEFAULT_QUALITY
    assert pdfgen.model.Procedure("x", "1", "s", dt.date(2026, 1, 1), None, "", text, text, (),
                                  (), None, None, (), ()).pending_review


def test_a_record_writes_its_own_init():
    with pytest.raises(TypeError, match="writes its own __init__"):
        @record
        class NoInit:
            x: int
