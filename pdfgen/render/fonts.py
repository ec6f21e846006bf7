"""Fonts: register the bundled TTF families once per process; check every character has a glyph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..errors import ContentError, Finding, Pos
from ..paths import bundled
from . import rl

FACES = ("regular", "bold", "italic", "bold_italic")  # bundled
USED = ("regular", "bold")  # registered: what the renderer sets text in


@dataclass(frozen=True)
class Family:
    """A registered family: ReportLab font names per face, and which characters each face has."""

    name: str
    faces: dict[str, str]  # face -> registered ReportLab font name
    files: dict[str, Path]

    @property
    def regular(self) -> str:
        return self.faces["regular"]

    @property
    def bold(self) -> str:
        return self.faces["bold"]

    def has(self, face: str, char: str) -> bool:
        return ord(char) in _charmap(self.faces[face])


def fonts_dir() -> Path:
    return bundled("fonts")


@cache
def _families_table() -> dict:
    from ..diskcache import cached_data  # parsed once per edit of the file

    return cached_data("families", fonts_dir() / "families.yaml", yaml.safe_load)


@cache
def family(name: str) -> Family:
    """Register a family's four faces with ReportLab (once per process) and return it."""
    table = _families_table()
    if name not in table:
        raise ContentError([Finding(Pos(str(fonts_dir() / "families.yaml")), "",
                                    f"no font family '{name}'; known: {', '.join(table)}")])
    files = {face: fonts_dir() / table[name][face] for face in FACES}
    base = name.replace(" ", "")
    faces = {face: f"{base}-{face}" for face in USED}
    for face in USED:
        pdfmetrics.registerFont(TTFont(faces[face], str(files[face])))
    # content markup has bold only: <i> can never reach a paragraph, so italics stay unloaded
    addMapping(faces["regular"], 0, 0, faces["regular"])
    addMapping(faces["regular"], 1, 0, faces["bold"])
    addMapping(faces["regular"], 0, 1, faces["regular"])
    addMapping(faces["regular"], 1, 1, faces["bold"])
    return Family(name, faces, files)


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
