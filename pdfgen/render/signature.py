"""The signature block: patient name, signature, date, and whether an interpreter was used."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from ..i18n import Labels
from .flowables import draw_string, furniture, tagged
from .fonts import FontStack, family_of


class SignatureBlock(Flowable):
    """Lines to write on, each with its label below; labels in every language of the page:
    the patient's name; signature and date; whether an interpreter was used, and who.

    Kept in one piece (it moves to the next page rather than split). Its lines
    and boxes are furniture; each label is text, one piece per language.
    """

    tag_id = 0  # set by the story builder: the form's structure element
    ROW = 3.4  # one row's height, in label sizes: room to write by hand above each line
    ROWS = 3.9  # the block's height, in rows

    def __init__(self, labels: list[Labels], body: ParagraphStyle, colors: dict[str, str],
                 space_before: float = 0.0, fonts: list[FontStack] | None = None):
        super().__init__()
        self.labels = labels
        # each language's labels in its own fonts (the layout's body face, else)
        self.fonts = fonts or [FontStack(family_of(body.fontName))] * len(labels)
        self.font = body.fontName
        self.bold = body.fontName.replace("-regular", "-bold")
        self.size = self.label_size(body.fontSize)
        self.colors = colors
        self.spaceBefore = space_before
        self.lang = "+".join(lab.locale for lab in labels)
        self.row = self.size * self.ROW
        # every language of the block right to left (an Arabic page): the form is mirrored,
        # labels and lines from the right edge, the check boxes before their words
        self.rtl = all(getattr(f, "rtl", False) for f in self.fonts)

    @staticmethod
    def label_size(body_size: float) -> float:
        return max(11.0, body_size * 0.9)

    @classmethod
    def height_for(cls, body_size: float) -> float:
        """The block's height for this body size (it never splits, so a page must hold it)."""
        return cls.label_size(body_size) * cls.ROW * cls.ROWS

    def _label(self, canv, x: float, y: float, key: str, font: str, part: int,
               suffix: str = "") -> float:
        """Draw 'Patient name / Nombre del paciente': each language its own tagged piece.

        Returns the x where the label ends. A piece followed by more text ends
        with an invisible space, so the tagged text keeps the words apart.
        """
        face = "bold" if font == self.bold else "regular"
        items = self._pieces(key)
        current = None
        start, total = x, 0.0
        if self.rtl:  # laid out as left to right, drawn mirrored: it ends at width - x
            total = self._width(key, face, suffix)
            x = self.width - x - total
        for i, (text, locale, fonts) in enumerate(items):
            text += " / " if i < len(items) - 1 else suffix
            # a piece followed by more text ends with a space that takes no room
            spaced = text + ("" if text.endswith(" ") else " ")
            runs = fonts.visual_runs(spaced, face)
            with tagged(canv, self, (part, locale)):
                rx = x
                for run, fam in runs:
                    if fam.faces[face] != current:
                        current = fam.faces[face]
                        canv.setFont(current, self.size)
                    draw_string(canv, rx, y, run)
                    rx += stringWidth(run, current, self.size)
            x += fonts.visual_width(text, face, self.size)
        return start + total if self.rtl else x

    def _x(self, x0: float, x1: float) -> tuple[float, float]:
        """A stretch from x0 to x1 of the left-to-right form, where it is drawn."""
        return (self.width - x1, self.width - x0) if self.rtl else (x0, x1)

    def _pieces(self, key: str) -> list[tuple[str, str, FontStack]]:
        """Each language's label for `key` (said once when two say the same)."""
        pieces: dict[str, tuple[str, FontStack]] = {}
        for lab, fonts in zip(self.labels, self.fonts, strict=True):
            pieces.setdefault(lab[key], (lab.locale, fonts))
        return [(text, locale, fonts) for text, (locale, fonts) in pieces.items()]

    def _width(self, key: str, face: str, suffix: str = "") -> float:
        """How wide the label for `key` prints, all its languages and `suffix` included."""
        items = self._pieces(key)
        return sum(fonts.visual_width(text + (" / " if i < len(items) - 1 else suffix), face,
                                      self.size) for i, (text, _, fonts) in enumerate(items))

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.row * self.ROWS
        return self.width, self.height

    def _columns(self, w: float) -> tuple[float, float]:
        """(gap between the two lines of a row, width of the wide line) for width w."""
        gap = self.size * 2
        return gap, (w - gap) * 0.64

    def _text(self, key: str, suffix: str = "") -> str:
        return " / ".join(dict.fromkeys(lab[key] for lab in self.labels)) + suffix

    def _choices_end(self) -> float:
        """Where "Interpreter used: [ ] Yes  [ ] No" ends, from the block's left edge."""
        size = self.size
        x = self._width("interpreter_used", "bold", ":") + size
        for i, key in enumerate(("yes", "no")):
            x += size * 1.45 + self._width(key, "regular")
            x += size * 1.6 if i == 0 else 0
        return x

    def overflows(self, w: float) -> list[str]:
        """What would run past the block's width w (labels do not shrink), in words."""
        gap, wide = self._columns(w)
        out = []
        for key, room in (("patient_name", wide), ("patient_signature", wide),
                          ("interpreter_id", wide), ("date", w - wide - gap)):
            over = self._width(key, "regular") - room
            if over > 0.01:
                out.append(f"the label '{self._text(key)}' is {over:.0f} pt wider than its line")
        over = self._choices_end() - w
        if over > 0.01:
            out.append(f"'{self._text('interpreter_used', ':')} [ ] {self._text('yes')} "
                       f"[ ] {self._text('no')}' is {over:.0f} pt wider than the page's text")
        return out

    def draw(self):
        canv, size, w = self.canv, self.size, self.width
        gap, wide = self._columns(w)
        rows = [  # one date: the day the patient signs, beside the signature
            [("patient_name", 0, wide)],
            [("patient_signature", 0, wide), ("date", wide + gap, w)],
        ]
        canv.saveState()
        canv.setStrokeColor(HexColor(self.colors["text"]))
        canv.setFillColor(HexColor(self.colors["text"]))
        canv.setLineWidth(0.9)
        y = self.height
        part = 0
        for row in rows:
            y -= self.row
            line_y = y + size * 1.6
            for key, x0, x1 in row:
                left, right = self._x(x0, x1)
                with furniture(canv):
                    canv.line(left, line_y, right, line_y)
                part += 1
                self._label(canv, x0, line_y - size * 1.3, key, self.font, part)
        # interpreter: "Interpreter used: [ ] Yes  [ ] No", then a line for name or ID
        y -= self.row * 0.9
        base = y + size * 1.6
        part += 1
        x = self._label(canv, 0.0, base, "interpreter_used", self.bold, part, ":") + size
        for key in ("yes", "no"):
            with furniture(canv):
                canv.rect(self._x(x, x + size * 0.95)[0], base - size * 0.12, size * 0.95,
                          size * 0.95, stroke=1, fill=0)
            x += size * 1.45
            x = self._label(canv, x, base, key, self.font, part) + size * 1.6
        y -= self.row
        line_y = y + size * 1.6
        with furniture(canv):
            left, right = self._x(0, wide)
            canv.line(left, line_y, right, line_y)
        self._label(canv, 0, line_y - size * 1.3, "interpreter_id", self.font, part + 1)
        canv.restoreState()
