"""Reading rendered PDFs back the way a reader (or a search box) sees them."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader


def norm(text: str) -> str:
    """Whitespace collapsed, so line breaks inside a paragraph do not matter."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Pdf:
    reader: PdfReader
    pages: list[str]  # extracted text per page

    def body(self, footer_start: str) -> str:
        """All pages' text without their footers (which start with `footer_start`), joined."""
        parts = []
        for text in self.pages:
            cut = text.rfind(footer_start)
            parts.append(text[:cut] if cut >= 0 else text)
        return norm(" ".join(parts))

    def fonts(self) -> dict[str, dict]:
        """BaseFont name -> font dictionary, over every page."""
        found = {}
        for page in self.reader.pages:
            res = page.get("/Resources")
            fonts = res.get_object().get("/Font") if res else None
            for ref in (fonts.get_object().values() if fonts else []):
                font = ref.get_object()
                found[str(font["/BaseFont"])] = font
        return found

    def links(self) -> list[str]:
        uris = []
        for page in self.reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action is not None:
                    uris.append(str(action.get_object().get("/URI")))
        return uris


def read_pdf(data: bytes) -> Pdf:
    reader = PdfReader(io.BytesIO(data))
    return Pdf(reader, [page.extract_text() or "" for page in reader.pages])
