"""Fonts: families registered once per process, font stacks per language, glyph checks.

A layout names the Latin family of each role (body, heading, title): the bundled Atkinson
Hyperlegible Next. A language profile (pdfgen/languages.yaml) names the families its text
needs (`fonts:`: its script's, or one with the letters Atkinson lacks), installed from the
npm registry by `pdfgen fonts install` (fontinstall.py) into the user's font folder. A
`FontStack` sets that language's text in its own family (the paragraph style's font: line
height, shaping), and each word that family cannot set in the next family of the stack
that has all of it, the Latin face last: a word is never a patchwork of two faces when one
face can draw it, and a Vietnamese page is not Atkinson with Noto Sans words among it.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import yaml
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..errors import ContentError, Finding, Pos, record
from ..paths import bundled
from . import rl
from .rtl import display_words

FACES = ("regular", "bold", "italic", "bold_italic")  # bundled
USED = ("regular", "bold")  # registered: what the renderer sets text in
FONTS_ENV = "PDFGEN_FONTS"  # where `pdfgen fonts install` puts fonts, and pdfgen looks


class FontMissing(LookupError):
    """A family a language needs is not installed: the message says how to install it."""

    def __init__(self, name: str, package: str, langs: tuple[str, ...] = ()):
        self.name, self.package, self.langs = name, package, langs
        how = f"pdfgen fonts install {' '.join(langs)}" if langs else \
            f"pdfgen fonts install --family '{name}'"
        super().__init__(f"the font '{name}' (npm package {package}) is not installed in "
                         f"{user_fonts_dir()}: run `{how}` (docs/languages.md#fonts)")


@record
class Family:
    """A registered family: ReportLab font names per face, and which characters each face has."""

    name: str
    faces: dict[str, str]  # face -> registered ReportLab font name
    files: dict[str, Path]
    shaping: bool = False  # its script needs shaping (Arabic, Devanagari): uharfbuzz

    def __init__(self, name, faces, files, shaping=False) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "faces", faces)
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "shaping", shaping)

    @property
    def regular(self) -> str:
        return self.faces["regular"]

    @property
    def bold(self) -> str:
        return self.faces["bold"]

    def has(self, face: str, char: str) -> bool:
        return ord(char) in _charmap(self.faces[face])

    def has_all(self, face: str, text: str) -> bool:
        cmap = _charmap(self.faces[face])
        return all(ord(ch) in cmap for ch in text)


def fonts_dir() -> Path:
    """The bundled fonts (the Latin faces, families.yaml, OFL.txt)."""
    return bundled("fonts")


def user_fonts_dir() -> Path:
    """Where installed families live: $PDFGEN_FONTS, else the user's data folder."""
    given = os.environ.get(FONTS_ENV)
    if given:
        return Path(given)
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"),
                                                           ".local", "share")
    return Path(data) / "pdfgen" / "fonts"


@cache
def families_table() -> dict:
    """fonts/families.yaml: every family pdfgen knows, bundled or installable."""
    from ..diskcache import cached_data  # parsed once per edit of the file

    return cached_data("families", fonts_dir() / "families.yaml", yaml.safe_load)


def is_bundled(name: str) -> bool:
    return "package" not in families_table().get(name, {})


def package_dir(name: str) -> Path:
    """The folder an installable family's package is unpacked into."""
    package = families_table()[name]["package"]
    return user_fonts_dir() / package.rsplit("/", 1)[-1]


def family_files(name: str) -> dict[str, Path]:
    """The regular and bold files of a family (bundled: all four faces)."""
    entry = families_table()[name]
    if is_bundled(name):
        return {face: fonts_dir() / entry[face] for face in FACES}
    return {face: package_dir(name) / entry[face] for face in USED}


def installed(name: str) -> bool:
    return all(p.is_file() for p in family_files(name).values())


WIDTHS_KEPT = 4096  # per face: (text, size) widths remembered (under 1 MB), then all forgotten


def _remember_widths(font: TTFont) -> None:
    """Give `font` a stringWidth that remembers its answers. Line breaking measures the
    same words again and again (a long handout: 38,000 measures of 2,300 different words
    and sizes), and without ReportLab's C accelerator each measure sums the widths of its
    characters in Python. The answer is ReportLab's own, computed once (so the PDFs are the
    same bytes); at most WIDTHS_KEPT per face are kept, so a worker's memory stays flat."""
    known: dict = {}

    def stringWidth(text, size, encoding="utf8"):
        key = (text, size, encoding)
        width = known.get(key)
        if width is None:
            width = type(font).stringWidth(font, text, size, encoding)
            if len(known) >= WIDTHS_KEPT:
                known.clear()
            known[key] = width
        return width

    stringWidth.known = known  # for the tests
    font.stringWidth = stringWidth


@cache
def family(name: str) -> Family:
    """Register a family's regular and bold faces with ReportLab (once per process).

    An installable family that is not installed raises FontMissing, naming its package."""
    table = families_table()
    if name not in table:
        raise ContentError([Finding(Pos(str(fonts_dir() / "families.yaml")), "",
                                    f"no font family '{name}'; known: {', '.join(table)}")])
    files = family_files(name)
    if not installed(name):
        raise FontMissing(name, table[name]["package"])
    shaping = bool(table[name].get("shaping"))
    base = name.replace(" ", "")
    faces = {face: f"{base}-{face}" for face in USED}
    for face in USED:
        # shaping (uharfbuzz) only where the script needs it: Latin text stays as it was
        font = TTFont(faces[face], str(files[face]), shapable=shaping)
        _remember_widths(font)
        pdfmetrics.registerFont(font)
    # content markup has bold only: <i> can never reach a paragraph, so italics stay unloaded
    addMapping(faces["regular"], 0, 0, faces["regular"])
    addMapping(faces["regular"], 1, 0, faces["bold"])
    addMapping(faces["regular"], 0, 1, faces["regular"])
    addMapping(faces["regular"], 1, 1, faces["bold"])
    return Family(name, faces, files, shaping)


def family_of(font_name: str) -> Family:
    """The registered family a ReportLab font name ("AtkinsonHyperlegibleNext-bold") is of."""
    for name in families_table():
        if font_name.startswith(name.replace(" ", "") + "-"):
            return family(name)
    raise KeyError(font_name)


@cache
def _charmap(font_name: str) -> frozenset[int]:
    return rl.charmap(font_name)


def missing_glyphs(fam: Family, face: str, text: str) -> list[str]:
    """Characters of `text` the face cannot draw (line breaks excepted), in order, once each."""
    cmap = _charmap(fam.faces[face])
    seen: list[str] = []
    for ch in text:
        if ch not in "\n\r\t" and ord(ch) not in cmap and ch not in seen:
            seen.append(ch)
    return seen


_WORDS = re.compile(r"(\s+)")
_TAG = re.compile(r"(<[^>]*>)")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", "\xa0"), ("&amp;", "&"))


def _unescape(text: str) -> str:
    for entity, ch in _ENTITIES:
        text = text.replace(entity, ch)
    return text


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\xa0", "&nbsp;"))


@record
class FontStack:
    """The families one language's text of one role is set in: the language's own (its
    profile's `fonts`, in order), then `latin`, the layout's face for the role. A language
    with no fonts of its own is set in the Latin face alone."""

    latin: Family
    extra: tuple[Family, ...] = ()
    rtl: bool = False  # the language reads right to left: visual_runs orders its words

    def __init__(self, latin, extra=(), rtl=False) -> None:
        object.__setattr__(self, "latin", latin)
        object.__setattr__(self, "extra", extra)
        object.__setattr__(self, "rtl", rtl)

    @property
    def families(self) -> tuple[Family, ...]:
        return (*self.extra, self.latin)

    @property
    def primary(self) -> Family:
        """The family of the paragraph style: its line height, bullets and shaping."""
        return self.families[0]

    def font(self, face: str) -> str:
        return self.primary.faces[face]

    def word_family(self, word: str, face: str) -> Family | None:
        """The first family of the stack that has all of `word`; None when none has."""
        for fam in self.families:
            if fam.has_all(face, word):
                return fam
        return None

    def runs(self, text: str, face: str) -> list[tuple[str, Family]]:
        """`text` cut into (run, family) pieces; spaces go with the run before them. A
        character no family has is left in the primary family (the glyph check reports it)."""
        if not self.extra or self.primary.has_all(face, text):
            return [(text, self.primary)] if text else []
        out: list[list] = []

        def add(run: str, fam: Family) -> None:
            if out and out[-1][1] is fam:
                out[-1][0] += run
            else:
                out.append([run, fam])

        for word in _WORDS.split(text):
            if not word:
                continue
            if word.isspace():
                add(word, out[-1][1] if out else self.primary)
                continue
            fam = self.word_family(word, face)
            if fam is not None:
                add(word, fam)
                continue
            for ch in word:  # no one family has the whole word: each character its own
                add(ch, self.word_family(ch, face) or self.primary)
        return [(run, fam) for run, fam in out]

    def para_xml(self, xml: str) -> str:
        """Paragraph XML (as markup.py makes it) with each run the style's font cannot
        set wrapped in <font name=...>: unchanged when the primary family has it all."""
        if not self.extra:
            return xml
        out = []
        bold = False
        for token in _TAG.split(xml):
            if token.startswith("<"):
                if token in ("<b>", "</b>"):
                    bold = token == "<b>"
                out.append(token)
                continue
            if not token:
                continue
            face = "bold" if bold else "regular"
            text = _unescape(token)
            primary = self.primary
            for run, fam in self.runs(text, face):
                if fam is primary:
                    out.append(_escape(run))
                else:  # named by its regular face: <b> maps it to the bold one
                    out.append(f'<font name="{fam.regular}">{_escape(run)}</font>')
        return "".join(out)

    def visual_runs(self, text: str, face: str) -> list[tuple[str, Family]]:
        """`text` as drawn on the canvas, left to right: runs() for a left-to-right language;
        right to left, each word shaped (joined letters) and the words in the order the
        bidi algorithm gives (render/rtl.py), spaces kept at the ends they are at."""
        if not self.rtl:
            return self.runs(text, face)
        words = [w for w in text.split(" ") if w]
        lead = len(text) - len(text.lstrip(" "))
        trail = len(text) - len(text.rstrip(" ")) if words else 0
        out: list[list] = [[" " * trail, self.primary]] if trail else []
        for n, i in enumerate(display_words(words)):
            for run, fam in self.runs(words[i], face):
                out.append([rl.shape_word(run, fam.faces[face], 10), fam])
            if n + 1 < len(words):
                out.append([" ", out[-1][1]])
        if lead:
            out.append([" " * lead, out[-1][1] if out else self.primary])
        merged: list[list] = []
        for run, fam in out:  # spaces join the run beside them
            if merged and merged[-1][1] is fam and (run.isspace() or merged[-1][0].isspace()):
                merged[-1][0] = merged[-1][0] + run
            else:
                merged.append([run, fam])
        return [(run, fam) for run, fam in merged]

    def visual_width(self, text: str, face: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, fam.faces[face], size)
                   for run, fam in self.visual_runs(text, face))

    def width(self, text: str, face: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, fam.faces[face], size)
                   for run, fam in self.runs(text, face))

    def missing(self, text: str, face: str) -> list[str]:
        """Characters of `text` no family of the stack can draw, once each, in order."""
        seen: list[str] = []
        for ch in text:
            if ch in "\n\r\t" or ch in seen:
                continue
            if not any(fam.has(face, ch) for fam in self.families):
                seen.append(ch)
        return seen


def stack(latin: str, lang: str | None = None) -> FontStack:
    """The font stack for text of role family `latin` in language `lang` (None: the Latin
    face alone). Raises FontMissing (naming the language) when a family is not installed."""
    from ..languages import profile

    prof = profile(lang) if lang else None
    if prof is None or not prof.fonts:
        return FontStack(family(latin))
    extra = []
    for name in prof.fonts:
        try:
            extra.append(family(name))
        except FontMissing as e:
            raise FontMissing(e.name, e.package, (lang,)) from None
    return FontStack(family(latin), tuple(extra), prof.rtl)
