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

    def column(self, left: bool, footer_top: float) -> str:
        """One column's text over every page (the left or right half of each page), above
        `footer_top` points: side by side, a paragraph split across pages reads on."""
        parts: list[str] = []
        for page in self.reader.pages:
            middle = float(page.mediabox.width) / 2

            def visit(text, cm, tm, font, size, middle=middle):
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                if y > footer_top and (x < middle) == left:
                    parts.append(text)
            page.extract_text(visitor_text=visit)
            parts.append(" ")
        return norm("".join(parts))

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
