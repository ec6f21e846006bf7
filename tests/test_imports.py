"""`pdfgen render` imports what the render needs, not what other commands or features need
(issue #16: a process's start-up is most of one render's time)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import SAMPLE

HID = "hemilaminectomy"
# Never needed to render a handout: mail, the build's cluster, the front-desk site, the PDF
# checker and its readers, the test-time rasterizer; nor click, for a plain command line
# (pdfgen/cli.py reads it itself: tests/test_cli_fast.py).
NEVER = ("smtplib", "ssl", "pdfgen.mail", "pdfgen.cluster", "dask", "distributed",
         "pdfgen.site", "pdfgen.pdfcheck", "pikepdf", "pypdf", "pypdfium2",
         "pdfgen.build", "pdfgen.check", "pdfgen.fontinstall", "json",  # json: --format json
         "click")
# Needed only by a handout with a figure or a QR code.
FIGURES = ("pdfgen.figures", "pdfgen.render.figure", "svglib", "lxml")
# svglib's __init__ looks its version up with importlib.metadata (which imports email...);
# drawing an SVG needs none of it (pdfgen/render/figure.py registers the package without it).
SVGLIB_INIT = ("importlib.metadata", "email")
# The quality gates' checks: needed by the first render of a handout, not by a second one of
# the same content, whose gate result is read from the on-disk cache (pdfgen/gate.py).
QUALITY_CHECKS = ("pdfgen.quality.lint", "pdfgen.quality.readability",
                  "pdfgen.quality.spoken", "pdfgen.quality.translation",
                  "pdfgen.quality.freshness", "pdfgen.quality.gates", "pdfgen.quality.review")
# Babel: for the footer's "Updated November 2026" and the loader's check of each clinic
# locale, which the cache keeps too; difflib, for the quality checks' "did you mean".
CACHED_TOO = ("babel", "decimal", "difflib")

CHILD = """
import runpy, sys
sys.argv = ["pdfgen", *sys.argv[1:]]
try:
    runpy.run_module("pdfgen", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
modules = sorted(sys.modules)  # before this script's own json
import json
print(json.dumps({"code": code, "modules": modules}))
"""


def rendered_modules(library: Path, out: Path, cache: Path | str | None = None) -> set[str]:
    env = dict(os.environ)
    if cache is not None:
        env["PDFGEN_CACHE_DIR"] = str(cache)
    result = subprocess.run([sys.executable, "-c", CHILD, "render", HID, "--library",
                             str(library), "-o", str(out)], capture_output=True, text=True,
                            check=True, env=env)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["code"] in (0, None), result.stdout + result.stderr
    assert out.is_file()
    return set(found["modules"])


def loaded(modules: set[str], names) -> list[str]:
    return sorted(m for m in modules for name in names if m == name or m.startswith(name + "."))


def without_figure(tmp_path: Path) -> Path:
    """The sample with its figure and the clinic's QR code address taken out."""
    library = tmp_path / "plain"
    shutil.copytree(SAMPLE, library)
    handout = library / f"{HID}.yaml"
    text = handout.read_text(encoding="utf-8")
    text = re.sub(r"\n      - figure:\n(?:          .*\n|            .*\n|              .*\n)+",
                  "\n", text)
    assert "figure:" not in text
    handout.write_text(text, encoding="utf-8")
    clinic = library / "clinic.yaml"
    clinic.write_text(re.sub(r"\nhandout_url:.*\n", "\n", clinic.read_text(encoding="utf-8")),
                      encoding="utf-8")
    return library


def test_a_plain_render_imports_nothing_it_does_not_need(tmp_path):
    modules = rendered_modules(without_figure(tmp_path), tmp_path / "plain.pdf")
    assert not loaded(modules, NEVER)
    assert not loaded(modules, FIGURES)  # no figure, no QR code: none of their code


def test_the_import_check_sees_what_a_figure_needs(tmp_path):
    """The check can fail: the sample, with its SVG figure and QR code, does load them."""
    modules = rendered_modules(SAMPLE, tmp_path / "sample.pdf")
    assert {"pdfgen.figures", "pdfgen.render.figure", "svglib"} <= set(loaded(modules,
                                                                            FIGURES))
    assert not loaded(modules, NEVER)
    assert not loaded(modules, SVGLIB_INIT)


def test_svglib_registered_without_its_init_is_still_the_whole_package(tmp_path):
    """A name asked of the svglib package, after a render drew an SVG, runs its __init__
    then: the package is all there for whoever asks."""
    code = (f"{CHILD.split('modules = ')[0]}"
            "before = 'importlib.metadata' in sys.modules\n"
            "import svglib\n"
            "print(before, svglib.__version__ != 'unknown', callable(svglib.svg2pdf),\n"
            "      'importlib.metadata' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code, "render", HID, "--library", str(SAMPLE),
                             "-o", str(tmp_path / "s.pdf")], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split()[-4:] == ["False", "True", "True", "True"], result.stdout


def test_a_second_render_of_the_same_content_runs_no_quality_check(tmp_path):
    """The first render runs the quality gates (and imports them); the second reads their
    findings from the cache and imports none of their code."""
    library = without_figure(tmp_path)
    first = rendered_modules(library, tmp_path / "1.pdf", tmp_path / "cache")
    assert loaded(first, QUALITY_CHECKS) and loaded(first, CACHED_TOO)  # the check can fail
    second = rendered_modules(library, tmp_path / "2.pdf", tmp_path / "cache")
    assert not loaded(second, QUALITY_CHECKS) and not loaded(second, CACHED_TOO)
    assert not loaded(second, NEVER) and not loaded(second, FIGURES)
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()
    off = rendered_modules(library, tmp_path / "3.pdf", "off")  # no cache: the gates run
    assert loaded(off, QUALITY_CHECKS)
