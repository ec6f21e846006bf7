"""Stage 5b, catalog: the front-desk page out/index.html beside the built PDFs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import astuple, dataclass, field
from pathlib import Path

from ..errors import Finding, Pos
from ..fsutil import InputFileError, file_kind, read_input, write_atomic
from ..model import Clinic
from .page import Failure, cards_from_manifest, failures, render_page, review_due
from .thumbs import update_thumbnails

INDEX = "index.html"
INDEX_LIMIT = 64 * 1024 * 1024  # about 2 KiB per handout
STAMP = "<!-- pdfgen catalog "  # how the comment ending every page pdfgen writes begins

__all__ = ["INDEX", "CatalogResult", "review_due", "write_catalog"]


@dataclass
class CatalogResult:
    path: Path
    thumbs_built: list[str] = field(default_factory=list)
    thumbs_removed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def write_catalog(out_dir: Path, outputs: dict[str, dict], clinic: Clinic,
                  today: dt.date | None = None, *,
                  failed: dict[str, dict] | None = None) -> CatalogResult:
    """Write out_dir/index.html (atomically) from the manifest's outputs, with thumbnails.

    Each handout's thumbnail is the first page of its first output, redrawn only when
    that PDF's sha256 changed; `today` decides the "review overdue" badges in the HTML
    (the page re-checks them against the viewer's own date when it opens).

    `failed` names the handouts whose latest build failed: handout id -> {"file":
    "handouts/x.yaml", "title": {lang: title} (may be empty), "reason": the first error
    line, "outputs": [output names that failed]}. Each gets a "Could not be built" card,
    or, when it still has older PDFs in `outputs`, a "Not updated" badge on its card.
    It is not trusted (it may come from manifest.json): see `page.failures`.
    An index.html pdfgen did not write (no pdfgen stamp), or a link or folder in its place,
    is left alone with an error finding.
    """
    from ..quality.review import today as clock

    out_dir = Path(out_dir)
    failed = failed or {}
    for stray in out_dir.glob(f".{INDEX}.*.tmp"):  # left by a build killed mid-write
        if stray.is_file() and not stray.is_symlink():
            stray.unlink(missing_ok=True)
    day = today or clock()
    failing = failures(failed)
    target = out_dir / INDEX
    page, problem = _existing_page(target)
    if problem:
        return CatalogResult(target, findings=[Finding(Pos(str(target)), "", problem)])
    # When the page on disk was made of exactly this (a build that changed nothing), the
    # page and its thumbnails are left as they are.
    if page is not None and _stamp(out_dir, outputs, clinic, day, failing) in page:
        return CatalogResult(target)
    order = tuple(o.name for o in clinic.outputs) or ("bilingual", *clinic.lang_codes)
    light = _card_fields(outputs)  # what the cards show, read once
    cards = cards_from_manifest(light, order, clinic.primary)
    firsts = (card.links[0].rel for card in cards if card.links)
    wanted = {rel: light[rel]["sha256"] for rel in firsts if light[rel].get("sha256")}
    thumbs = update_thumbnails(out_dir, wanted)
    cards = cards_from_manifest(light, order, clinic.primary, thumbs.paths, failing)
    del light
    html = (render_page(cards, clinic, day) + _stamp(out_dir, outputs, clinic, day, failing)
            + "\n")
    write_atomic(target, html.encode("utf-8"))
    return CatalogResult(target, thumbs.built, thumbs.removed, thumbs.findings)


# what the page shows of a manifest record (page.cards_from_manifest), and its PDF's sha256
CARD_FIELDS = ("handout", "output", "languages", "layout", "specialty", "specialty_name",
               "pending_review", "reviewed", "reviewer_role", "title", "version", "updated",
               "review_due", "under_review", "sha256")


def _card_fields(outputs) -> dict[str, dict]:
    """The records with only what the page shows (CARD_FIELDS). The build's records are
    kept in a file (build.Records), each read back as a new object: a large library's
    would be in memory whole, twice over, while the cards are made (they were about 30 MB
    at 1,000 handouts, besides the cards themselves); a handout's records share the texts
    they have in common (its titles, specialty names, reviewer roles)."""
    light: dict[str, dict] = {}
    last: dict = {}
    for rel, entry in outputs.items():
        if not isinstance(entry, dict):
            light[rel] = entry
            continue
        record = {}
        for key in CARD_FIELDS:
            if key in entry:
                value = entry[key]
                if type(value) is dict and all(type(v) is str for v in value.values()):
                    before = last.get(key)  # titles, specialty names, reviewer roles
                    if before is not None and before == value:
                        value = before
                    else:
                        last[key] = value
                record[key] = value
        light[rel] = record
    return light


def _existing_page(target: Path) -> tuple[str | None, str]:
    """(the index.html on disk, or None when there is none; "") or (None, why pdfgen must
    not write over it): a link, not a regular file, unreadable, or without pdfgen's stamp."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"not written: {exc.strerror or exc}"
    if stat.S_ISLNK(mode):
        return None, ("not written: it is a symbolic link, and pdfgen does not write through "
                      "links: remove it, then build again")
    if not stat.S_ISREG(mode):
        return None, f"not written: it is {file_kind(mode)}: move it away, then build again"
    try:
        page = read_input(target, INDEX_LIMIT).decode("utf-8", errors="replace")
    except InputFileError as exc:
        return None, f"not written over: {exc}; move it away, then build again"
    if STAMP not in page[-4096:]:
        return None, ("not written over: pdfgen did not write this page (it does not end with "
                      "pdfgen's catalog stamp): move it away, then build again")
    return page, ""


def _stamp(out_dir: Path, outputs: dict, clinic: Clinic, day: dt.date,
           failing: dict[str, Failure]) -> str:
    """A comment naming everything the page is made of: the manifest, the failed handouts
    (as the page shows them), what the page shows of the clinic, the day (badges) and the
    thumbnails on disk."""
    rest = [sorted((hid, astuple(f)) for hid, f in failing.items()), clinic.name,
            clinic.primary, [astuple(lang) for lang in clinic.languages],
            [o.name for o in clinic.outputs], day.isoformat(),
            sorted(p.relative_to(out_dir).as_posix() for p in out_dir.glob("*/*.png"))]
    # the sha256 of json.dumps([outputs, *rest], sort_keys=True, default=str), hashed an
    # output at a time: the same key, without the whole manifest as one string (about
    # 10 MB at 1,000 handouts, twice over once encoded)
    h = hashlib.sha256(b"[{")
    text = getattr(outputs, "text", None)  # build.Records: each record's line, as stored
    for n, rel in enumerate(sorted(outputs)):
        value = (_ascii(text(rel)) if text is not None
                 else json.dumps(outputs[rel], sort_keys=True, default=str))
        h.update(f"{', ' if n else ''}{json.dumps(rel)}: {value}".encode())
    h.update(b"}, " + json.dumps(rest, sort_keys=True, default=str)[1:].encode())
    return f"{STAMP}{h.hexdigest()} -->"


_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xd800 | (code >> 10):04x}\\u{0xdc00 | (code & 0x3ff):04x}"


def _ascii(text: str) -> str:
    """json.dumps(value, sort_keys=True) from json.dumps(value, ensure_ascii=False,
    sort_keys=True): the same text with every character past '~' escaped as JSON escapes
    it (\\u00e9; a surrogate pair past U+FFFF), without parsing it again."""
    return text if text.isascii() and "\x7f" not in text else _NOT_ASCII.sub(_escape, text)
