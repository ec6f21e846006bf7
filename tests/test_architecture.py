"""The pipeline's boundaries, read from the source: every import of every module (at the top
or inside a function) must point down the pipeline (docs/architecture.md):

    ground floor <- yamlio <- load <- quality <- render <- gate <- check / build / mail <- cli

and the heavy or special libraries stay where they belong (ReportLab in render/, click in
the CLI, smtplib in mail, pikepdf in the PDF checker, pypdfium2 in the thumbnails, Dask in
the cluster builds)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pdfgen"

# module (dotted, without "pdfgen.") or package prefix -> stage
STAGES = {
    "__init__": "ground", "errors": "ground", "model": "ground", "paths": "ground",
    "i18n": "ground", "markup": "ground", "fsutil": "ground", "rules": "ground",
    "address": "ground", "figures": "ground", "languages": "ground", "diskcache": "ground",
    "taglines": "ground",  # the taglines texts, data like the language profiles
    "yamlio": "yamlio",
    "load": "load", "layout": "load",
    "quality": "quality",
    "render": "render", "fontinstall": "render",  # the fonts the renderer sets text in
    "gate": "gate",
    "check": "check", "site": "site", "build": "build", "cluster": "build", "mail": "mail",
    "pdfcheck": "pdfcheck",
    "cli": "cli", "__main__": "cli",
}
LOWER = ("ground", "yamlio", "load", "quality")
# which stages a stage may import (its own included)
ALLOWED = {
    "ground": {"ground"},
    "yamlio": {"ground", "yamlio"},
    "load": {"ground", "yamlio", "load"},
    "quality": {*LOWER},
    "render": {"ground", "render"},  # not load (the model is in model.py), not quality
    "gate": {*LOWER, "render", "gate"},
    "check": {*LOWER, "gate", "check"},
    "site": {"ground", "quality", "site"},
    "build": {*LOWER, "render", "gate", "site", "build"},
    "mail": {"ground", "render", "mail"},
    "pdfcheck": {"ground", "pdfcheck"},
    "cli": set(STAGES.values()),
}
# third-party or standard modules only these stages may import
ONLY_IN = {"reportlab": {"render"}, "click": {"cli"}, "smtplib": {"mail"}, "ssl": {"mail"},
           "pikepdf": {"pdfcheck"}, "pypdfium2": {"site", "build"}, "svglib": {"render"},
           "distributed": {"build"}, "dask": {"build"}}  # the cluster jobs (cluster.py)


def stage_of(module: str) -> str:
    first = module.split(".")[0]
    return STAGES[first]


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line): pdfgen modules as 'pdfgen.x.y', others by their own name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                up = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join(["pdfgen", *up, *([node.module] if node.module else [])])
            if node.module is None and node.level:  # from . import x: a module, or a name
                for alias in node.names:      # of the package's __init__ (__version__)
                    sub = f"{base}.{alias.name}"
                    found.append((sub if _is_module(sub) else f"{base}.__init__", node.lineno))
            else:
                found.append((base, node.lineno))
    return found


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel).is_dir()


CASES = modules()


def test_every_module_has_a_stage():
    assert [m for m, _ in CASES if m.split(".")[0] not in STAGES] == []


@pytest.mark.parametrize("module,path", CASES, ids=[m for m, _ in CASES])
def test_imports_point_down_the_pipeline(module, path):
    stage = stage_of(module)
    wrong = []
    for name, line in imports(module, path):
        if name.startswith("pdfgen."):
            inner = name[len("pdfgen."):]
            target = stage_of(inner) if inner.split(".")[0] in STAGES else "?"
            if target not in ALLOWED[stage]:
                wrong.append(f"{path.name}:{line}: {stage} imports {name} ({target})")
        elif name == "pdfgen":
            continue
        else:
            top = name.split(".")[0]
            if top in ONLY_IN and stage not in ONLY_IN[top]:
                wrong.append(f"{path.name}:{line}: {stage} imports {name}")
    assert wrong == []


def test_the_checker_finds_a_forbidden_import(tmp_path):
    """The test itself can fail: a render module importing load, or quality importing
    ReportLab, is caught."""
    bad = tmp_path / "story.py"
    bad.write_text("from ..load import Reader\n\ndef f():\n    import reportlab.lib\n")
    found = imports("render.story", bad)
    assert ("pdfgen.load", 1) in found and ("reportlab.lib", 4) in found
    assert stage_of("load") not in ALLOWED["render"]
    assert "quality" not in ONLY_IN["reportlab"]


# -- ReportLab internals only in the adapter (pdfgen/render/rl.py) ----------------------------

ADAPTER = "render.rl"
# ReportLab internals without a leading underscore: attribute names (or strings) that only
# the adapter may use.
RL_INTERNAL_NAMES = frozenset({"blPara", "cbDefn", "frags", "charToGlyph", "Catalog",
                               "Reference", "idToObjectNumberAndVersion", "annotationName",
                               "thisPageName", "__NoDefault__"})
# Private names of modules that are not ReportLab's, used knowingly.
NOT_REPORTLAB = frozenset({"os._exit"})
# Python's own dunders (anything else with double underscores is a library's internal).
PY_DUNDERS = frozenset(n for obj in (object, type, int, dict, list, lambda: 0, ast)
                       for n in dir(obj) if n.startswith("__")) | {
    "__dict__", "__slots__", "__mro__", "__qualname__", "__version__", "__wrapped__"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_reportlab(cls) -> bool:
    return (getattr(cls, "__module__", "") or "").startswith("reportlab")


def _rl_private_names(rl_classes) -> set[str]:
    """Private names ReportLab's classes define: methods, class attributes, and what their
    own code stores on self (self._code = ...)."""
    names: set[str] = set()
    for cls in rl_classes:
        names |= _rl_class_private_names(cls)
    return names


@functools.cache
def _rl_class_private_names(cls) -> frozenset[str]:
    import inspect
    import textwrap

    names = {n for n in vars(cls) if _private(n)}
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # pragma: no cover - a class without source
        return frozenset(names)
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == "self"
                and _private(node.attr)):
            names.add(node.attr)
    return frozenset(names)


def _rl_ancestors(class_node: ast.ClassDef, namespace: dict) -> list:
    """The ReportLab classes a class derives from (bases resolved in its module)."""
    found = []
    for base in class_node.bases:
        try:
            obj = eval(compile(ast.Expression(base), "<base>", "eval"), dict(namespace))
        except Exception:  # a name we cannot resolve: not a ReportLab class we know of
            continue
        for cls in getattr(obj, "__mro__", ()):
            if _is_reportlab(cls) and cls not in found:
                found.append(cls)
    return found


@functools.cache
def _own_private_names() -> frozenset[str]:
    """Private names pdfgen defines itself: methods, class and module attributes, self._x."""
    names: set[str] = set()
    for _, path in CASES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and _private(node.name):
                names.add(node.name)
            elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                    and _private(node.attr)):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and _private(
                    node.id):
                names.add(node.id)
    return frozenset(names)


def reportlab_internals(tree: ast.AST, namespace: dict, own: set[str]) -> list[str]:
    """Uses of ReportLab internals in one module: (line) what.

    - self._x (or super()._x, or a method def _x) in a class deriving from ReportLab,
      where ReportLab's classes define _x;
    - obj._x on anything else, unless pdfgen defines _x itself (and ReportLab's classes
      pdfgen derives from do not);
    - a dunder that is not Python's (page.__NoDefault__);
    - the named internals without an underscore (blPara, cbDefn, Catalog...).
    """
    found: list[str] = []
    rl_all: set[str] = set()
    classes: dict[ast.ClassDef, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            ancestors = _rl_ancestors(node, namespace)
            classes[node] = _rl_private_names(ancestors) if ancestors else set()
            rl_all |= classes[node]

    def visit(node, cls_names: set[str] | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, classes[child])
                continue
            if (isinstance(child, ast.FunctionDef) and cls_names is not None
                    and child.name in cls_names and isinstance(node, ast.ClassDef)):
                found.append(f"{child.lineno}: def {child.name} overrides ReportLab's")
            if isinstance(child, ast.Attribute):
                what = f"{child.lineno}: {ast.unparse(child)}"
                receiver = ast.unparse(child.value)
                name = child.attr
                if name in RL_INTERNAL_NAMES or (name.startswith("__") and name.endswith(
                        "__") and name not in PY_DUNDERS):
                    found.append(what)
                elif _private(name) and f"{receiver}.{name}" not in NOT_REPORTLAB:
                    on_self = receiver in ("self", "cls", "super()")
                    if on_self and cls_names is not None:
                        if name in cls_names:
                            found.append(what)
                    elif name not in own or name in rl_all:
                        found.append(what)
            if isinstance(child, ast.Constant) and child.value in RL_INTERNAL_NAMES:
                found.append(f"{child.lineno}: '{child.value}'")
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                    and child.func.id in ("getattr", "hasattr", "setattr", "delattr")
                    and len(child.args) >= 2 and isinstance(child.args[1], ast.Constant)
                    and isinstance(child.args[1].value, str) and _private(child.args[1].value)
                    and (child.args[1].value not in own or child.args[1].value in rl_all)):
                found.append(f"{child.lineno}: {ast.unparse(child)}")
            visit(child, cls_names)

    visit(tree, None)
    return found


def _namespace(module: str, tree: ast.AST) -> dict:
    """The module's names, to resolve its classes' bases (imported only if it has classes:
    importing pdfgen.__main__ would run the CLI)."""
    import importlib

    if not any(isinstance(node, ast.ClassDef) for node in ast.walk(tree)):
        return {}
    return vars(importlib.import_module(f"pdfgen.{module}" if module != "__init__" else
                                        "pdfgen"))


@pytest.mark.parametrize("module,path", [c for c in CASES if c[0] != ADAPTER],
                         ids=[m for m, _ in CASES if m != ADAPTER])
def test_reportlab_internals_only_in_the_adapter(module, path):
    """Every ReportLab private name is used in pdfgen/render/rl.py, nowhere else, so a
    ReportLab release that changes one fails one named test (tests/test_rl_adapter.py)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert reportlab_internals(tree, _namespace(module, tree), _own_private_names()) == []


def test_the_adapter_uses_reportlab_internals():
    """The scan sees what the adapter does (so it would see it anywhere else)."""
    path = PACKAGE / "render" / "rl.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = reportlab_internals(tree, _namespace(ADAPTER, tree), _own_private_names())
    text = "\n".join(found)
    for used in ("self._code", "def _textOut", "def _setAnnotations", "self._startPage",
                 "self._annotationCount", "self._doc", "page.__NoDefault__", "'blPara'",
                 "'cbDefn'", "para.frags", "doc.Catalog", "charToGlyph"):
        assert used in text, used


def test_the_internals_scan_can_fail():
    """A module touching ReportLab internals outside the adapter is caught; our own
    private attributes are not."""
    source = '''
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable

class C(canvas.Canvas):
    def _setAnnotations(self, page):
        self._code.append("EMC")
        page.__NoDefault__ = []
        self._mine = 1

class F(Flowable):
    def wrap(self, w, h):
        self._placed = []
        return self._placed

class Plain:
    def __init__(self):
        self._code = []

def f(canv, para, box, doc):
    canv._doc.annotationName("x")
    box._placed.clear()
    para.blPara.lines
    return doc.Catalog, "blPara" in para.__dict__, getattr(canv, "_pageNumber")
'''
    namespace: dict = {}
    exec(compile(source, "<snippet>", "exec"), namespace)  # imports and classes only
    tree = ast.parse(source)
    found = reportlab_internals(tree, namespace, {"_mine", "_placed", "_code"})
    text = "\n".join(found)
    for bad in ("def _setAnnotations", "self._code", "page.__NoDefault__", "canv._doc",
                "annotationName", "para.blPara", "doc.Catalog", "'blPara'",
                "getattr(canv, '_pageNumber')"):
        assert bad in text, (bad, found)
    for fine in ("self._mine", "self._placed", "box._placed"):
        assert fine not in text, (fine, found)
    # Plain is not ReportLab's: its own self._code is fine, but a canv._code is not
    assert sum("_code" in line for line in found) == 1
