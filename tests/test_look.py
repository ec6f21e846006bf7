"""Reference images guard the look: the sample handout rendered in every bundled layout and
language, each page rasterized at 36 dpi in grey and compared with tests/reference/ within a
tolerance (tests/refimages.py). `PDFGEN_UPDATE_REFERENCES=1 python -m pytest tests/test_look.py`
regenerates them after a deliberate change of look (tests/reference/README.md).

The pixels depend on nothing but the inputs: the bundled fonts, the sample, and "today"
(PDFGEN_TODAY, pinned by conftest.py and passed to the gate here), which decides whether the
status line and footer say "Review overdue". SOURCE_DATE_EPOCH changes only the PDF's
metadata dates, never a pixel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from pdfgen.gate import Policy, pass_one
from pdfgen.layout import available_layouts, load_layout
from pdfgen.load import load_library, require
from pdfgen.render import render_handout

from . import refimages
from .conftest import REPO, SAMPLE, TODAY

REFERENCE = REPO / "tests" / "reference"
FAILURES = REFERENCE / "_failures"
LAYOUTS = [REPO / "layouts"]
# every bundled layout in every language combination it takes (the clinic's en and es)
COMBOS = [("bilingual", ("en", "es")), ("a4-bilingual", ("en", "es")), ("stacked", ("en", "es")),
          ("single", ("en",)), ("single", ("es",)), ("large-print", ("en",)),
          ("large-print", ("es",))]


def stem(name: str, langs: tuple[str, ...]) -> str:
    return f"{name}.{'-'.join(langs)}"


@pytest.fixture(scope="module")
def sample():
    lib = require(load_library(SAMPLE))
    return lib, lib.procedure("hemilaminectomy")


def render(sample, layout, langs: tuple[str, ...]) -> bytes:
    """The PDF `pdfgen render` makes: through the gate (as of TODAY), then rendered."""
    lib, proc = sample
    passed = pass_one(lib, proc, SAMPLE / "hemilaminectomy.yaml", layout, langs,
                      dt.date.fromisoformat(TODAY), Policy())
    return render_handout(passed.proc, lib.clinic, layout, passed.target.langs)


def pages(sample, layout, langs) -> list:
    return refimages.rasterize(render(sample, layout, langs))


def test_every_layout_and_language_has_references(sample):
    lib, _ = sample
    codes = lib.clinic.lang_codes
    wanted = []
    for name in available_layouts(LAYOUTS):
        layout = load_layout(name, LAYOUTS)
        if layout.languages == 1:
            wanted += [(name, (code,)) for code in codes]
        else:
            wanted.append((name, tuple(codes[:layout.languages])))
    assert sorted(wanted) == sorted(COMBOS)


def test_no_stray_reference_images():
    """Every PNG in tests/reference/ is a page of one of COMBOS (a removed layout, or a page
    a handout no longer has, leaves none behind: regenerating removes them)."""
    stems = {stem(n, langs) for n, langs in COMBOS}
    stray = []
    for path in sorted(REFERENCE.glob("*.png")):
        m = re.fullmatch(r"(.+)\.p\d+\.png", path.name)
        if not m or m[1] not in stems:
            if refimages.updating():
                path.unlink()
            else:
                stray.append(path.name)
    assert not stray, f"not a page of any layout: {stray}; regenerate: {refimages.REGENERATE}"


def test_references_stay_small():
    total = sum(p.stat().st_size for p in REFERENCE.glob("*.png"))
    assert total < 1_500_000, f"tests/reference/ holds {total:,} bytes of images"


@pytest.mark.parametrize("name,langs", COMBOS, ids=[stem(n, ls) for n, ls in COMBOS])
def test_looks_like_its_reference(sample, name, langs):
    images = pages(sample, load_layout(name, LAYOUTS), langs)
    key = stem(name, langs)
    if refimages.updating():
        changed = refimages.write(key, images, REFERENCE)
        print(f"{key}: {len(images)} pages, {len(changed)} rewritten {changed}")
        return
    problem = refimages.compare(key, f"{name} ({', '.join(langs)})", images, REFERENCE, FAILURES)
    assert problem is None, problem


# -- the tolerance: what passes, what fails ---------------------------------------------------
# Each case renders the bilingual layout twice, as shipped and changed, and compares the
# changed render with references made of the shipped one (in a temporary folder): so they
# hold whatever the references in tests/reference/ are.


@pytest.fixture(scope="module")
def baseline(sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    layout = load_layout("bilingual", LAYOUTS)
    images = pages(sample, layout, ("en", "es"))
    refimages.write("bilingual.en-es", images, folder)
    return layout, images, folder


def _compare(sample, baseline, tmp_path, layout=None, proc=None):
    base_layout, _, folder = baseline
    if proc is not None:
        sample = (sample[0], proc)
    images = pages(sample, layout or base_layout, ("en", "es"))
    return images, refimages.compare("bilingual.en-es", "changed", images, folder,
                                     tmp_path / "_failures")


def _moved(layout, dx: float = 0.0, dy: float = 0.0):
    """The whole page content moved right by dx and down by dy points (same frame size)."""
    top, right, bottom, left = layout.margins
    return dataclasses.replace(layout, margins=(top + dy, right - dx, bottom - dy, left + dx))


def test_another_text_antialiasing_passes(baseline, sample):
    """The same PDF rasterized with another glyph antialiasing (pdfium's LCD mode, in grey):
    every glyph's edge pixels differ, as another machine's font rendering might. It passes."""
    layout, images, folder = baseline
    lcd = refimages.rasterize(render(sample, layout, ("en", "es")), optimize_mode="lcd")
    assert all(refimages.measure(a, b).mean > 0 for a, b in zip(images, lcd, strict=True))
    problem = refimages.compare("bilingual.en-es", "lcd", lcd, folder, folder / "_failures")
    assert problem is None, problem


@pytest.mark.parametrize("dx,dy", [(0.02, 0), (0.05, 0), (0, 0.05)])
def test_sub_pixel_jitter_passes(sample, baseline, tmp_path, dx, dy):
    """Moving everything by a twentieth of a point (a fortieth of a pixel), which no reader
    could see, makes pdfium round some glyphs to the next pixel. It passes."""
    layout, images, _ = baseline
    moved, problem = _compare(sample, baseline, tmp_path, _moved(layout, dx, dy))
    assert any(refimages.measure(a, b).mean > 0 for a, b in zip(images, moved, strict=True))
    assert problem is None, problem


def _lighter(colors: dict, key: str, levels: int) -> dict:
    """`key`'s color `levels` grey levels lighter (each channel; negative: darker)."""
    r, g, b = (min(255, int(colors[key][i:i + 2], 16) + levels) for i in (1, 3, 5))
    return {**colors, key: f"#{r:02x}{g:02x}{b:02x}"}


CHANGES = {
    "a 1 pt wider left margin": lambda lay: dataclasses.replace(
        lay, margins=(*lay.margins[:3], lay.margins[3] + 1)),
    "everything 1 pt lower": lambda lay: _moved(lay, dy=1),
    # (lighter risks and darker contact panels: they stay 8% grey apart, or the gate refuses)
    "the risks panel 5 grey levels (2%) lighter": lambda lay: dataclasses.replace(
        lay, colors=_lighter(lay.colors, "risk_fill", 5)),
    "the contact panel 7 grey levels darker": lambda lay: dataclasses.replace(
        lay, colors=_lighter(lay.colors, "callout_fill", -7)),
    "headings black instead of dark blue": lambda lay: dataclasses.replace(
        lay, colors={**lay.colors, "heading": "#111111"}),
    "the risks bar dark blue instead of orange": lambda lay: dataclasses.replace(
        lay, colors={**lay.colors, "risk_border": "#0b3a66"}),
    "1 pt more space after each paragraph": lambda lay: dataclasses.replace(
        lay, paragraph_space=lay.paragraph_space + 1),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_real_change_of_look_fails(sample, baseline, tmp_path, change):
    layout, _, _ = baseline
    _, problem = _compare(sample, baseline, tmp_path, CHANGES[change](layout))
    assert problem is not None, f"{change} passed the comparison"
    assert re.search(r"page \d+: ", problem) and refimages.REGENERATE in problem
    # each failing page left its expected, actual and difference images, named in the message
    named = re.findall(r"(?:expected|actual|diff) +(\S+\.png)", problem)
    assert named and all(Path(p).exists() for p in named), problem
    assert {Path(p).name.split(".")[-2] for p in named} == {"expected", "actual", "diff"}


def test_a_lost_line_fails(sample, baseline, tmp_path):
    _, proc = sample
    shorter = dataclasses.replace(proc, call_when=proc.call_when[:-1])  # "Call 911 ..." gone
    _, problem = _compare(sample, baseline, tmp_path, proc=shorter)
    assert problem is not None


def test_another_page_count_fails_with_a_clear_message(sample, baseline, tmp_path):
    layout, images, _ = baseline
    bigger = dataclasses.replace(layout, sizes={**layout.sizes, "body": 14.0})
    got, problem = _compare(sample, baseline, tmp_path, bigger)
    assert len(got) != len(images)
    assert problem.startswith(f"changed: rendered {len(got)} pages, the references have "
                              f"{len(images)} (")
    assert refimages.REGENERATE in problem


def test_another_page_size_fails(sample, baseline, tmp_path):
    _, images, folder = baseline
    a4 = pages(sample, load_layout("a4-bilingual", LAYOUTS), ("en", "es"))
    a4 = (a4 * 2)[:len(images)]  # as many A4 pages as the Letter references have
    problem = refimages.compare("bilingual.en-es", "a4", a4, folder, tmp_path)
    assert f"page 1: {a4[0].width}x{a4[0].height} pixels, its reference " \
           f"{images[0].width}x{images[0].height}" in problem


def test_missing_references_say_how_to_make_them(tmp_path):
    problem = refimages.compare("bilingual.en-es", "bilingual (en, es)", [], tmp_path,
                                tmp_path / "_failures")
    assert "no reference images" in problem and refimages.REGENERATE in problem


def test_regenerating_keeps_unchanged_files_and_removes_extra_pages(baseline, tmp_path):
    _, images, _ = baseline
    assert len(refimages.write("x.en", images, tmp_path)) == len(images)
    first = tmp_path / refimages.page_name("x.en", 1)
    stamp = first.stat().st_mtime_ns
    assert refimages.write("x.en", images, tmp_path) == []  # same pixels: nothing rewritten
    assert first.stat().st_mtime_ns == stamp
    changed = refimages.write("x.en", images[:2], tmp_path)
    assert len(refimages.stored("x.en", tmp_path)) == 2 and all("removed" in c for c in changed)
