"""First-page thumbnails for the catalog page, rendered from the built PDFs with pypdfium2.

Each PNG carries the sha256 of the PDF it was drawn from (a PNG text chunk), so a
thumbnail is redrawn only when its PDF changed, and a PNG without that mark is not
ours and is never touched.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Finding, Pos, Severity
from ..fsutil import write_atomic

SOURCE_KEY = "pdfgen:source-sha256"
WIDTH = 240  # pixels: sharp at the page's 120 CSS px on a 2x screen
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def thumb_rel(pdf_rel: str) -> str:
    """Where a PDF's thumbnail goes, beside it: <id>/<id>.<output>.png."""
    return pdf_rel[: -len(".pdf")] + ".png" if pdf_rel.endswith(".pdf") else pdf_rel + ".png"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, pixels: bytes, stride: int, text: dict[str, str]) -> bytes:
    """An 8-bit RGB PNG from rows of RGB pixels; `text` goes in tEXt chunks before the image."""
    rows = b"".join(b"\0" + pixels[y * stride: y * stride + width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    chunks += [_chunk(b"tEXt", k.encode("latin-1") + b"\0" + v.encode("latin-1"))
               for k, v in text.items()]
    chunks += [_chunk(b"IDAT", zlib.compress(rows, 9)), _chunk(b"IEND", b"")]
    return PNG_SIGNATURE + b"".join(chunks)


def png_text(path: Path, key: str = SOURCE_KEY) -> str | None:
    """The value of a tEXt chunk written before the image data, or None (no such PNG or key)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    return png_text_of(head, key)


def png_text_of(head: bytes, key: str = SOURCE_KEY) -> str | None:
    """png_text of a PNG's bytes (its first 4 KB will do)."""
    if not head.startswith(PNG_SIGNATURE):
        return None
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(head):
        length, kind = struct.unpack(">I4s", head[pos: pos + 8])
        if kind == b"IDAT":
            break
        data = head[pos + 8: pos + 8 + length]
        if kind == b"tEXt" and b"\0" in data:
            name, value = data.split(b"\0", 1)
            if name == key.encode("latin-1"):
                return value.decode("latin-1")
        pos += 12 + length
    return None


def render_thumbnail(pdf: Path | bytes, source_sha: str) -> bytes:
    """The PDF's first page (a file, or the PDF's bytes) as a PNG WIDTH pixels wide, marked
    with the PDF's sha256."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        page = doc[0]
        bitmap = page.render(scale=WIDTH / page.get_width(), rev_byteorder=True)  # RGB
        data = encode_png(bitmap.width, bitmap.height, bytes(bitmap.buffer), bitmap.stride,
                          {SOURCE_KEY: source_sha})
        bitmap.close()
        page.close()
        return data
    finally:
        doc.close()


def store_thumbnail(out_dir: Path, pdf_rel: str, data: bytes) -> bool:
    """Write a thumbnail drawn elsewhere (a build worker: render_thumbnail of the PDF's
    bytes) beside its PDF, where update_thumbnails would write it; False, writing nothing,
    where update_thumbnails would not write (a link, or a file pdfgen did not write): it
    says why when the catalog is written."""
    target = Path(out_dir) / thumb_rel(pdf_rel)
    if _linked(target) or _linked(Path(out_dir) / pdf_rel):
        return False
    if target.exists() and png_text(target) is None:
        return False
    write_atomic(target, data)
    return True


def _linked(path: Path) -> bool:
    """Whether a thumbnail's path (out/<id>/<file>) goes through a symbolic link."""
    return path.is_symlink() or path.parent.is_symlink()


@dataclass
class ThumbResult:
    """What update_thumbnails did; `paths` maps a PDF to its thumbnail (relative paths)."""

    paths: dict[str, str] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def update_thumbnails(out_dir: Path, wanted: dict[str, str]) -> ThumbResult:
    """Bring the thumbnails of `wanted` ({pdf rel path: its sha256}) up to date.

    A thumbnail is redrawn only when its PDF's hash differs from the one it records.
    Our thumbnails of PDFs no longer wanted are removed (and their folder, when empty).
    """
    out_dir = Path(out_dir)
    result = ThumbResult()
    for stray in out_dir.glob("*/.*.png.*.tmp"):  # left by a build killed mid-write
        if not _linked(stray):
            stray.unlink(missing_ok=True)
    for pdf_rel, sha in sorted(wanted.items()):
        rel = thumb_rel(pdf_rel)
        target = out_dir / rel
        if _linked(target) or _linked(out_dir / pdf_rel):  # never through a symbolic link
            result.findings.append(Finding(Pos(str(target)), "", "no thumbnail: it or its "
                                           "folder is a symbolic link", severity=Severity.WARNING))
            continue
        if png_text(target) == sha:
            result.kept.append(rel)
            result.paths[pdf_rel] = rel
            continue
        if target.exists() and png_text(target) is None:  # someone else's file: leave it
            result.findings.append(Finding(Pos(str(target)), "", "not replaced with a thumbnail: "
                                           "this file was not written by pdfgen",
                                           severity=Severity.WARNING))
            continue
        try:
            data = render_thumbnail(out_dir / pdf_rel, sha)
        except (OSError, RuntimeError) as exc:  # missing or unreadable PDF (PdfiumError)
            result.findings.append(Finding(Pos(str(out_dir / pdf_rel)), "", f"no thumbnail: {exc}",
                                           severity=Severity.WARNING))
            continue
        write_atomic(target, data)
        result.built.append(rel)
        result.paths[pdf_rel] = rel
    keep = {thumb_rel(rel) for rel in wanted}
    for png in sorted(out_dir.glob("*/*.png")):
        rel = png.relative_to(out_dir).as_posix()
        if rel in keep or _linked(png) or png_text(png) is None:  # wanted, or not pdfgen's
            continue
        png.unlink(missing_ok=True)
        result.removed.append(rel)
        try:
            png.parent.rmdir()  # only when empty: files pdfgen did not write stay
        except OSError:
            pass
    return result
