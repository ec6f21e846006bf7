"""Reference images (tests/test_look.py, tests/reference/README.md): PDF pages rasterized at a low
resolution in grey, compared with stored PNGs within a tolerance, and written back on request.

The tolerance, in grey levels (0 black to 255 white) of pages rendered at 36 dpi (1 pixel is
2 pt), is three numbers; a page fails when any of them is over its limit:

- **mean**: the mean absolute difference over the whole page, at most 2 (the page moved or
  reflowed);
- **ink**: in each 16 x 16-pixel square (32 pt), the difference of the two pages' mean grey,
  at most 3.5, with `actual` moved by up to one pixel in any direction, whichever matches
  best (a fill, a bar, a rule or a text color changed);
- **local**: in each 8 x 8-pixel square (16 pt), the mean absolute difference of each pixel
  from the best match among its own and its 8 neighbours in `actual`, at most 20 (a line, a
  box, a bar or a rule appeared, vanished or moved).

Measured on the sample in every layout (docs/quality.md, "Reference images"): pypdfium2 5.13
and 5.15 (pdfium 7999 and 8149) give identical pixels; another text antialiasing (pdfium's LCD
mode) gives at most mean 1.25, ink 0.8, local 7.6; moving everything by 0.02 to 0.05 pt, which
makes pdfium round some glyphs to the next pixel, at most mean 1.01, ink 2.2, local 13.2. The
changes tried fail in all 7 renders: a 1 pt wider margin or everything 1 pt lower (mean 4.6
or more), the risks panel's fill 5 grey levels (2%) lighter (ink 4.5 or more), the contact
panel's 7 darker (ink 6.5 or more), headings, muted text, text, rules or the risks bar in
another color (ink 4.6 or more), 1 pt more paragraph space (mean 8.3 or more), a lost list
item (mean 6.1 or more, local 99 or more). A word swapped for another of about its length is
not always caught (it passes in 2 of the 7 renders): the text is what tests/test_render.py
reads back.
"""

from __future__ import annotations

import os
import re
import shutil
from array import array
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

DPI = 36
MEAN_LIMIT = 2.0
INK_SQUARE, INK_LIMIT = 16, 3.5
LOCAL_SQUARE, LOCAL_LIMIT = 8, 20.0
UPDATE_VARIABLE = "PDFGEN_UPDATE_REFERENCES"
REGENERATE = f"{UPDATE_VARIABLE}=1 python -m pytest tests/test_look.py"


def updating() -> bool:
    """Whether this run writes the references instead of comparing (PDFGEN_UPDATE_REFERENCES=1)."""
    return os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")


def rasterize(pdf: bytes, dpi: float = DPI, **options) -> list[Image.Image]:
    """Every page of `pdf` as a greyscale image ("L": Rec. 601 luma of the RGB render, the
    grey levels the layout gate's greyscale rule uses); `options` go to pdfium's render."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, **options)
            pages.append(bitmap.to_pil().convert("L"))
            bitmap.close()
            page.close()
        return pages
    finally:
        doc.close()


def _squares(img: Image.Image, size: int) -> tuple[list[float], int]:
    """The mean of each size x size square of `img`, row by row, and how many per row (a
    square at the right or bottom edge averages the pixels it has)."""
    small = img.convert("F").reduce(size)
    return list(array("f", small.tobytes())), small.width


def _where(index: int, per_row: int, size: int) -> str:
    x, y = (index % per_row) * size * 72 / DPI, (index // per_row) * size * 72 / DPI
    return f"at {x:.0f} pt from the left, {y:.0f} pt from the top"


@dataclass(frozen=True)
class PageDiff:
    mean: float
    ink: float
    ink_at: str
    local: float
    local_at: str

    @property
    def problems(self) -> list[str]:
        out = []
        if self.mean > MEAN_LIMIT:
            out.append(f"mean difference {self.mean:.2f} (limit {MEAN_LIMIT:g})")
        if self.ink > INK_LIMIT:
            out.append(f"grey of a {INK_SQUARE * 72 // DPI} pt square changed by {self.ink:.1f} "
                       f"{self.ink_at} (limit {INK_LIMIT:g})")
        if self.local > LOCAL_LIMIT:
            out.append(f"local difference {self.local:.1f} in a {LOCAL_SQUARE * 72 // DPI} pt "
                       f"square {self.local_at} (limit {LOCAL_LIMIT:g})")
        return out


OFFSETS = [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _worst(per_offset: list[list[float]]) -> tuple[float, int]:
    """The largest, over the squares, of each square's smallest value over the offsets."""
    best = [min(values) for values in zip(*per_offset, strict=True)]
    index = max(range(len(best)), key=best.__getitem__)
    return best[index], index


def measure(expected: Image.Image, actual: Image.Image) -> PageDiff:
    """How far `actual` is from `expected` (two greyscale pages of one size). The two square
    measures forgive a move of up to one pixel in any direction: `ink` keeps, for each
    square, the smallest difference of its mean grey over the nine offsets of `actual`;
    `local` compares each pixel with the best of its nine neighbours. So a glyph that pdfium
    rounds to the next pixel is not a change, and a word, a line or a color is."""
    mean = ImageStat.Stat(ImageChops.difference(expected, actual)).mean[0]
    ink_ref, per_row = _squares(expected, INK_SQUARE)
    ink, nearest = [], None
    for dx, dy in OFFSETS:
        moved = ImageChops.offset(actual, dx, dy)  # the margins are white: wrapping is harmless
        squares, _ = _squares(moved, INK_SQUARE)
        ink.append([abs(x - y) for x, y in zip(ink_ref, squares, strict=True)])
        diff = ImageChops.difference(expected, moved)
        nearest = diff if nearest is None else ImageChops.darker(nearest, diff)
    worst_ink, at_ink = _worst(ink)
    local, per_row_local = _squares(nearest, LOCAL_SQUARE)
    at_local = max(range(len(local)), key=local.__getitem__)
    return PageDiff(mean, worst_ink, _where(at_ink, per_row, INK_SQUARE),
                    local[at_local], _where(at_local, per_row_local, LOCAL_SQUARE))


def diff_image(expected: Image.Image, actual: Image.Image) -> Image.Image:
    """The expected page, faded, with what the actual page adds in red and what it lost in
    blue (differences amplified 4 times)."""
    faded = expected.point(lambda v: 160 + v * 95 // 255)
    added = ImageChops.subtract(expected, actual).point(lambda v: min(255, v * 4))
    lost = ImageChops.subtract(actual, expected).point(lambda v: min(255, v * 4))
    red = ImageChops.subtract(faded, lost)
    green = ImageChops.subtract(ImageChops.subtract(faded, added), lost)
    blue = ImageChops.subtract(faded, added)
    return Image.merge("RGB", (red, green, blue))


def page_name(stem: str, number: int) -> str:
    return f"{stem}.p{number:02d}.png"


def stored(stem: str, folder: Path) -> list[Path]:
    """The reference pages of `stem` in `folder`, in page order."""
    pattern = re.compile(re.escape(stem) + r"\.p(\d+)\.png")
    found = [(int(m[1]), p) for p in folder.glob(f"{stem}.p*.png")
             if (m := pattern.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def compare(stem: str, what: str, pages: list[Image.Image], folder: Path,
            failures: Path) -> str | None:
    """None when `pages` match the references `folder/stem.pNN.png`; else a message naming
    every page that does not, with its expected, actual and difference images (written to
    `failures`) and how to regenerate."""
    for old in failures.glob(f"{stem}.p*"):
        old.unlink()
    refs = stored(stem, folder)
    if not refs:
        return (f"{what}: no reference images ({_shown(folder)}/{page_name(stem, 1)} ...); "
                f"make them with: {REGENERATE}")
    if len(refs) != len(pages):
        return (f"{what}: rendered {len(pages)} pages, the references have {len(refs)} "
                f"({_shown(folder)}/{stem}.p*.png); if the change of look is deliberate, "
                f"regenerate them: {REGENERATE}")
    lines = []
    for number, (ref, page) in enumerate(zip(refs, pages, strict=True), 1):
        with Image.open(ref) as img:
            expected = img.convert("L")
        if expected.size != page.size:
            lines.append(f"page {number}: {page.width}x{page.height} pixels, its reference "
                         f"{expected.width}x{expected.height}")
            continue
        problems = measure(expected, page).problems
        if not problems:
            continue
        failures.mkdir(parents=True, exist_ok=True)
        base = failures / page_name(stem, number)[:-len(".png")]
        paths = {kind: base.with_name(f"{base.name}.{kind}.png")
                 for kind in ("expected", "actual", "diff")}
        shutil.copyfile(ref, paths["expected"])
        page.save(paths["actual"])
        diff_image(expected, page).save(paths["diff"])
        lines.append(f"page {number}: {'; '.join(problems)}"
                     + "".join(f"\n    {kind:8s} {_shown(path)}" for kind, path in paths.items()))
    if not lines:
        return None
    return (f"{what} does not look like its reference images:\n  " + "\n  ".join(lines)
            + f"\nIf the change of look is deliberate, regenerate them: {REGENERATE}")


def write(stem: str, pages: list[Image.Image], folder: Path) -> list[str]:
    """Store `pages` as the references of `stem`; a page whose pixels did not change keeps
    its file (no churn in git), pages beyond the new count are removed. Returns what changed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for number, page in enumerate(pages, 1):
        path = folder / page_name(stem, number)
        if path.exists():
            with Image.open(path) as img:
                same = img.convert("L").size == page.size and \
                    ImageChops.difference(img.convert("L"), page).getbbox() is None
            if same:
                continue
        page.save(path, optimize=True)
        changed.append(path.name)
    for extra in stored(stem, folder)[len(pages):]:
        extra.unlink()
        changed.append(f"{extra.name} (removed)")
    return changed
