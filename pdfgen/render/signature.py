"""The signature block: patient name, signature, date, and whether an interpreter was used."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from ..i18n import Labels


class SignatureBlock(Flowable):
    """Lines to write on, each with its label below; labels in every language of the page.

    Kept in one piece (it moves to the next page rather than split).
    """

    def __init__(self, labels: list[Labels], body: ParagraphStyle, colors: dict[str, str],
                 space_before: float = 0.0):
        super().__init__()
        self.labels = labels
        self.font = body.fontName
        self.bold = body.fontName.replace("-regular", "-bold")
        self.size = max(11.0, body.fontSize * 0.9)
        self.colors = colors
        self.spaceBefore = space_before
        self.lang = "+".join(lab.locale for lab in labels)
        self.row = self.size * 4.2

    def _label(self, key: str) -> str:
        return " / ".join(dict.fromkeys(lab[key] for lab in self.labels))

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.row * 3.9
        return self.width, self.height

    def draw(self):
        canv, size, w = self.canv, self.size, self.width
        gap = size * 2
        wide = (w - gap) * 0.64
        rows = [
            [("patient_name", 0, wide), ("date", wide + gap, w)],
            [("patient_signature", 0, wide), ("date", wide + gap, w)],
        ]
        canv.saveState()
        canv.setStrokeColor(HexColor(self.colors["text"]))
        canv.setFillColor(HexColor(self.colors["text"]))
        canv.setLineWidth(0.9)
        y = self.height
        for row in rows:
            y -= self.row
            line_y = y + size * 1.6
            for key, x0, x1 in row:
                canv.line(x0, line_y, x1, line_y)
                canv.setFont(self.font, size)
                canv.drawString(x0, line_y - size * 1.3, self._label(key))
        # interpreter: "Interpreter used: [ ] Yes  [ ] No", then a line for name or ID
        y -= self.row * 0.9
        base = y + size * 1.6
        x = 0.0
        text = f"{self._label('interpreter_used')}:"
        canv.setFont(self.bold, size)
        canv.drawString(x, base, text)
        x += stringWidth(text, self.bold, size) + size
        canv.setFont(self.font, size)
        for key in ("yes", "no"):
            canv.rect(x, base - size * 0.12, size * 0.95, size * 0.95, stroke=1, fill=0)
            x += size * 1.45
            word = self._label(key)
            canv.drawString(x, base, word)
            x += stringWidth(word, self.font, size) + size * 1.6
        y -= self.row
        line_y = y + size * 1.6
        canv.line(0, line_y, wide, line_y)
        canv.drawString(0, line_y - size * 1.3, self._label("interpreter_id"))
        canv.restoreState()
