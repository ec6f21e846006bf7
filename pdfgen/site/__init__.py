"""Stage 5b, catalog: the front-desk page out/index.html beside the built PDFs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Finding
from ..fsutil import write_atomic
from ..model import Clinic
from .page import cards_from_manifest, render_page, review_due
from .thumbs import update_thumbnails

INDEX = "index.html"

__all__ = ["INDEX", "CatalogResult", "review_due", "write_catalog"]


@dataclass
class CatalogResult:
    path: Path
    thumbs_built: list[str] = field(default_factory=list)
    thumbs_removed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def write_catalog(out_dir: Path, outputs: dict[str, dict], clinic: Clinic,
                  today: dt.date | None = None) -> CatalogResult:
    """Write out_dir/index.html (atomically) from the manifest's outputs, with thumbnails.

    Each handout's thumbnail is the first page of its first output, redrawn only when
    that PDF's sha256 changed; `today` decides the "review overdue" badges in the HTML
    (the page re-checks them against the viewer's own date when it opens).
    """
    out_dir = Path(out_dir)
    for stray in out_dir.glob(f".{INDEX}.*.tmp"):  # left by a build killed mid-write
        stray.unlink(missing_ok=True)
    order = tuple(o.name for o in clinic.outputs) or ("bilingual", *clinic.lang_codes)
    cards = cards_from_manifest(outputs, order, clinic.primary)
    firsts = (card.links[0].rel for card in cards)
    wanted = {rel: outputs[rel]["sha256"] for rel in firsts if outputs[rel].get("sha256")}
    thumbs = update_thumbnails(out_dir, wanted)
    cards = cards_from_manifest(outputs, order, clinic.primary, thumbs.paths)
    from ..quality.review import today as clock

    html = render_page(cards, clinic, today or clock())
    target = out_dir / INDEX
    write_atomic(target, html.encode("utf-8"))
    return CatalogResult(target, thumbs.built, thumbs.removed, thumbs.findings)
