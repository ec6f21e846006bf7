"""Figure files: read and checked as untrusted input, for the loader and the renderer alike.

A handout's figure names a picture file beside it (`figures/spine.svg`): an SVG drawing, a
PNG or a JPEG. What pdfgen accepts, and why (docs/content.md, "Figures"):

* the name: relative to the handout's folder, inside it (no absolute path, no `..`, no
  symbolic link that leads out of it), ending in .svg, .png, .jpg or .jpeg;
* the file: a regular file of at most MAX_BYTES (read through fsutil.read_input: a FIFO or
  device is never read);
* a PNG or JPEG: what its first bytes say it is, at most MAX_SIDE pixels a side and
  MAX_PIXELS in all (so a small file cannot unpack into gigabytes), and, for a PNG, every
  chunk's checksum right;
* an SVG: well-formed XML without a DOCTYPE (so no entities), an <svg> root with a size,
  at most MAX_ELEMENTS elements, only drawing elements (no <script>, <image>,
  <foreignObject>...), no event attributes, and no reference outside the file (an href
  or url() must be "#id" within it): svglib, which draws it, never opens another file or
  a URL.

Ground floor (imported by load and render): the renderer parses an SVG with the same
parser (`parse_svg`) it was checked with.
"""

from __future__ import annotations

import io
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from .fsutil import InputFileError, read_input

MAX_BYTES = 2 * 1024 * 1024  # a handout's diagram is tens of KiB; a photo a few hundred
MAX_SIDE = 8000  # pixels
MAX_PIXELS = 16_000_000  # 4,000 x 4,000: 64 MB unpacked as RGBA, enough for 300 dpi prints
MAX_ELEMENTS = 10_000  # SVG elements
MAX_FIGURES = 20  # in one handout
KINDS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Drawing elements svglib turns into ReportLab shapes, and their plumbing. Everything else
# in the SVG namespace is refused (script, image, foreignObject, a, switch, filter...);
# elements of other namespaces (an editor's metadata) are left out when drawing.
SVG_ELEMENTS = frozenset("""
svg g defs symbol use title desc metadata style
path rect circle ellipse line polyline polygon text tspan
clipPath linearGradient radialGradient stop
""".split())
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.I)
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px|pt|mm|cm|in)?\s*$")


class FigureError(Exception):
    """A figure file pdfgen will not use; the message is one line, without the file name."""


@dataclass(frozen=True)
class Checked:
    """What a figure file is, as checked: its kind, size (pixels, or SVG user units for
    the aspect ratio) and, for an SVG, the text it draws (checked for glyphs)."""

    kind: str  # "svg", "png" or "jpeg"
    width: float
    height: float
    texts: tuple[str, ...] = ()


def kind_of(name: str) -> str:
    """"svg", "png" or "jpeg" by the file name's ending; "" when pdfgen cannot use it."""
    return KINDS.get(os.path.splitext(name)[1].lower(), "")


def name_problem(name: str) -> str:
    """What is wrong with a figure's file name as written, or ""."""
    if not name:
        return "give the picture's file, e.g. figures/spine.svg"
    if "\\" in name or any(not ch.isprintable() for ch in name):
        return "write the file name with '/' between folders, on one line"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return ("an absolute path is not allowed: name the file relative to the handout, "
                "e.g. figures/spine.svg")
    if ".." in Path(name).parts:
        return "'..' is not allowed: the picture must be in the library folder"
    if not kind_of(name):
        ext = os.path.splitext(name)[1] or "no ending"
        return f"'{ext}' is not a picture pdfgen prints: use .svg, .png, .jpg or .jpeg"
    return ""


def read(folder: Path, name: str) -> bytes:
    """The bytes of figure `name` in `folder` (the handout's library folder), refusing a
    file outside it (a symbolic link included), one that is not a regular file, and one
    over MAX_BYTES. Raises FigureError."""
    problem = name_problem(name)
    if problem:
        raise FigureError(problem)
    root = os.path.realpath(folder)
    path = os.path.join(root, name)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise FigureError("leads outside the library folder (a symbolic link?): copy the "
                          "picture into it")
    if not os.path.lexists(path):
        raise FigureError(f"no such file in the library folder ({name})")
    try:
        return read_input(Path(real), MAX_BYTES)
    except InputFileError as exc:
        raise FigureError(str(exc)) from None


def check(name: str, data: bytes) -> Checked:
    """Check a figure file's bytes against what its name says it is. Raises FigureError."""
    kind = kind_of(name)
    if len(data) > MAX_BYTES:
        raise FigureError(f"file is over the {MAX_BYTES:,}-byte limit")
    if kind == "png":
        width, height = _png(data)
    elif kind == "jpeg":
        width, height = _jpeg(data)
    elif kind == "svg":
        return _svg(data)
    else:
        raise FigureError(name_problem(name) or "not a picture pdfgen prints")
    if width < 1 or height < 1:
        raise FigureError(f"the picture is {width} x {height} pixels: it is empty")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise FigureError(f"the picture is {width:,} x {height:,} pixels: at most {MAX_SIDE:,} "
                          f"a side and {MAX_PIXELS // 1_000_000} million in all; make it "
                          f"smaller (300 pixels per inch printed is plenty)")
    return Checked(kind, float(width), float(height))


# -- PNG and JPEG: the header says what the file is, and how big ------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(data: bytes) -> tuple[int, int]:
    import zlib

    if not data.startswith(PNG_SIGNATURE):
        raise FigureError(f"is not a PNG file (it starts with {_start(data)}): save it as PNG, "
                          "or give it the ending its kind has")
    pos, first, seen_end = len(PNG_SIGNATURE), True, False
    width = height = 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            break
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise FigureError(f"is a damaged PNG file (chunk {ctype.decode('latin-1')!r} does "
                              "not match its checksum)")
        if first:
            if ctype != b"IHDR" or length != 13:
                raise FigureError("is a damaged PNG file (no IHDR header)")
            width, height = struct.unpack(">II", body[:8])
            first = False
        if ctype == b"IEND":
            seen_end = True
            break
        pos += 12 + length
    if first or not seen_end:
        raise FigureError("is a damaged or cut-off PNG file (no IEND at its end)")
    return width, height


def _jpeg(data: bytes) -> tuple[int, int]:
    if not data.startswith(b"\xff\xd8\xff"):
        raise FigureError(f"is not a JPEG file (it starts with {_start(data)}): save it as "
                          "JPEG, or give it the ending its kind has")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise FigureError("is a damaged JPEG file")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                      0xCE, 0xCF):
            if pos + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
                raise FigureError("is a cut-off JPEG file (no end marker)")
            return width, height
        if marker == 0xDA:  # scan data before any frame header
            break
        pos += 2 + length
    raise FigureError("is a damaged JPEG file (no frame header with its size)")


def _start(data: bytes) -> str:
    head = data[:8]
    if head.lstrip().startswith(b"<"):
        return "'<', like an SVG or HTML file"
    return repr(head)[1:] if head else "nothing: the file is empty"


# -- SVG: parsed safely, drawing elements only, nothing outside the file -----------------------

def parse_svg(data: bytes):
    """The SVG's root element (lxml), parsed without a DTD, entities or network. Raises
    FigureError for a file that is not well-formed or has a DOCTYPE."""
    from lxml import etree

    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise FigureError("has a DOCTYPE or entity declarations: pdfgen does not read them "
                          "(save the SVG as plain SVG)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True, recover=False)
    try:
        root = etree.parse(io.BytesIO(data), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise FigureError(f"is not a well-formed SVG file: {str(exc).splitlines()[0][:120]}"
                          ) from None
    if root is None:
        raise FigureError("is not an SVG file (it is empty)")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise FigureError("has a DOCTYPE: pdfgen does not read it (save the SVG as plain SVG)")
    return root


def drawing_tree(data: bytes):
    """The SVG parsed (parse_svg), with the elements of other namespaces (an editor's
    metadata) removed: what svglib is given to draw."""
    root = parse_svg(data)
    for elem in list(root.iter()):
        if not isinstance(elem.tag, str) or not elem.tag.startswith(f"{{{SVG_NS}}}"):
            parent = elem.getparent()
            if parent is not None:
                parent.remove(elem)
    return root


def _svg(data: bytes) -> Checked:
    root = parse_svg(data)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise FigureError("is not an SVG drawing: its root is not <svg> in the SVG namespace "
                          "(xmlns=\"http://www.w3.org/2000/svg\")")
    count = 0
    texts: list[str] = []
    for elem in root.iter():
        count += 1
        if count > MAX_ELEMENTS:
            raise FigureError(f"has more than {MAX_ELEMENTS:,} elements: simplify the drawing")
        if not isinstance(elem.tag, str):
            continue
        ns, _, local = elem.tag[1:].partition("}") if elem.tag.startswith("{") else ("", "",
                                                                                        elem.tag)
        if ns != SVG_NS:
            continue  # an editor's own elements: left out when drawing
        line = f" (line {elem.sourceline})" if elem.sourceline else ""
        if local not in SVG_ELEMENTS:
            raise FigureError(f"has a <{local}> element{line}, which pdfgen does not draw "
                              f"(allowed: shapes, paths, text, groups, gradients)")
        for attr, value in elem.attrib.items():
            name = attr.rpartition("}")[2]
            if name.lower().startswith("on"):
                raise FigureError(f"has an event attribute '{name}'{line}: remove it")
            if name == "href" and not value.strip().startswith("#"):
                raise FigureError(f"refers to '{value[:60]}'{line}, outside the file: a "
                                  "figure must hold everything it draws")
            for target in _URL.findall(value):
                if not target.startswith("#"):
                    raise FigureError(f"refers to url({target[:60]}){line}, outside the file")
        if local == "style":
            css = "".join(elem.itertext())
            if "@import" in css.lower():
                raise FigureError(f"has a stylesheet @import{line}: write the styles in the file")
            for target in _URL.findall(css):
                if not target.startswith("#"):
                    raise FigureError(f"refers to url({target[:60]}){line}, outside the file")
        if local in ("text", "tspan"):
            for piece in (elem.text, *(child.tail for child in elem)):
                if piece and piece.strip():
                    texts.append(" ".join(piece.split()))
    _check_expansion(root)
    width, height = _svg_size(root)
    return Checked("svg", width, height, tuple(dict.fromkeys(texts)))


MAX_DRAWN = 50_000  # shapes once every <use> is expanded


def _check_expansion(root) -> None:
    """Refuse <use> loops, and an SVG whose <use> copies would make more than MAX_DRAWN
    shapes (a few lines of <use> can otherwise make millions)."""
    ids = {elem.get("id"): elem for elem in root.iter() if isinstance(elem.tag, str)
           and elem.get("id")}
    # by id(): lxml makes a new Python object for an element each time one is asked for
    # and none is alive, so each is kept here with its size; else a freed object's id
    # could be reused by another element's and its size taken for it (the bomb check
    # passed an SVG of 90,000 shapes now and then)
    sizes: dict[int, tuple[object, int]] = {}
    busy: set[int] = set()

    def size(elem) -> int:
        key = id(elem)
        if key in sizes:
            return sizes[key][1]
        if key in busy:
            raise FigureError("has a <use> that refers to itself (a loop)")
        busy.add(key)
        total = 1
        for child in elem:
            if isinstance(child.tag, str):
                total += size(child)
        if isinstance(elem.tag, str) and elem.tag.endswith("}use"):
            href = elem.get(f"{{{XLINK_NS}}}href") or elem.get("href") or ""
            target = ids.get(href.strip()[1:])
            if target is not None:
                total += size(target)
        total = min(total, MAX_DRAWN + 1)
        busy.discard(key)
        sizes[key] = (elem, total)
        return total

    if size(root) > MAX_DRAWN:
        raise FigureError(f"draws more than {MAX_DRAWN:,} shapes once its <use> copies are "
                          "made: simplify the drawing")


def _svg_size(root) -> tuple[float, float]:
    """The drawing's width and height (viewBox, else width and height), for its shape."""
    box = root.get("viewBox")
    if box:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            _, _, width, height = (float(p) for p in parts)
        except ValueError:
            raise FigureError(f"its viewBox '{box[:40]}' is not four numbers") from None
    else:
        sizes = [_NUMBER.match(root.get(key, "")) for key in ("width", "height")]
        if not all(sizes):
            raise FigureError("has no size: give the <svg> a viewBox (or a width and height "
                              "in px)")
        width, height = (float(m.group(1)) for m in sizes)
    if not (0 < width < 1e6 and 0 < height < 1e6):
        raise FigureError(f"its size {width:g} x {height:g} is not a drawing's size")
    if max(width / height, height / width) > 20:
        raise FigureError(f"is {width:g} x {height:g}: too long and thin to print as a figure")
    return width, height
