"""The pipeline's boundaries, read from the source: every import of every module (at the top
or inside a function) must point down the pipeline (docs/architecture.md):

    ground floor <- yamlio <- load <- quality <- render <- gate <- check / build / mail <- cli

and the heavy or special libraries stay where they belong (ReportLab in render/, click in
the CLI, smtplib in mail, pikepdf in the PDF checker, pypdfium2 in the thumbnails)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pdfgen"

# module (dotted, without "pdfgen.") or package prefix -> stage
STAGES = {
    "__init__": "ground", "errors": "ground", "model": "ground", "paths": "ground",
    "i18n": "ground", "markup": "ground", "fsutil": "ground", "rules": "ground",
    "address": "ground", "figures": "ground",
    "yamlio": "yamlio",
    "load": "load", "layout": "load",
    "quality": "quality",
    "render": "render",
    "gate": "gate",
    "check": "check", "site": "site", "build": "build", "mail": "mail", "pdfcheck": "pdfcheck",
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
           "pikepdf": {"pdfcheck"}, "pypdfium2": {"site", "build"}, "svglib": {"render"}}


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
