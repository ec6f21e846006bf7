"""Section 1557 language-assistance taglines: the texts (pdfgen/taglines.yaml) and what a
clinic's `taglines:` needs of them.

The texts are data in the package, one tagline per language code, a heading and the
nondiscrimination statement in English and Spanish: a sample written for this project,
pending review by a qualified translator (the file says so). clinic.yaml's `taglines:`
names the languages and the number to call; a layout with `taglines: page` appends the
page (render/story.py, StoryBuilder.taglines_page). Read and checked once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

TEXTS_FILE = Path(__file__).with_name("taglines.yaml")
PAGE_LANGS = ("en", "es")  # the heading and the nondiscrimination statement


class TaglinesError(ValueError):
    """taglines.yaml does not say what pdfgen expects: a bug in the package, not content."""


@dataclass(frozen=True)
class Texts:
    taglines: dict[str, str]  # code -> tagline, with {phone}
    heading: dict[str, str]  # en, es
    nondiscrimination: dict[str, str]  # en, es; with {clinic}


def parse(data) -> Texts:
    from .languages import registry

    if not isinstance(data, dict) or data.get("version") != 1:
        raise TaglinesError("taglines.yaml: expected `version: 1`")
    known = registry()
    lines = data.get("taglines")
    if not isinstance(lines, dict) or not lines:
        raise TaglinesError("taglines.yaml: expected a `taglines:` mapping")
    for code, text in lines.items():
        if code not in known:
            raise TaglinesError(f"taglines.yaml: taglines.{code}: no profile in "
                                f"pdfgen/languages.yaml")
        if not isinstance(text, str) or text.count("{phone}") != 1:
            raise TaglinesError(f"taglines.yaml: taglines.{code}: a text with {{phone}} once")
    for key in ("heading", "nondiscrimination"):
        value = data.get(key)
        if not isinstance(value, dict) or any(not isinstance(value.get(lang), str)
                                              for lang in PAGE_LANGS):
            raise TaglinesError(f"taglines.yaml: {key}: a text per language "
                                f"({', '.join(PAGE_LANGS)})")
    return Texts({c: " ".join(t.split()) for c, t in lines.items()},
                 {lang: data["heading"][lang] for lang in PAGE_LANGS},
                 {lang: " ".join(data["nondiscrimination"][lang].split())
                  for lang in PAGE_LANGS})


@cache
def texts() -> Texts:
    with open(TEXTS_FILE, encoding="utf-8") as fh:
        return parse(yaml.safe_load(fh))


def tagline(code: str, phone: str, tty: str = "") -> str:
    """The tagline of `code` with the number filled in (plain text, not markup)."""
    number = f"{phone} (TTY: {tty})" if tty else phone
    return texts().taglines[code].replace("{phone}", number)


def statement(lang: str, clinic_name: str) -> str:
    return texts().nondiscrimination[lang].replace("{clinic}", clinic_name)
