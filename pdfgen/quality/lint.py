"""Plain-language lint: the PEMAT-P items a machine can check, per language.

The schema already enforces a summary, a heading on every section and at least one
"when to call us" item (missing ones are load errors); these rules look at the words.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from .. import markup
from ..model import Bullets
from ..rules import finding
from .readability import sentences, words

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")

NUMBER_WORDS = {
    "en": ("two three four five six seven eight nine ten eleven twelve thirteen fourteen "
           "fifteen twenty thirty forty fifty sixty hundred thousand"),
    "es": ("dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
           "veinte treinta cuarenta cincuenta sesenta cien ciento mil"),
}
# "one"/"uno" are left alone: "on one side", "no one", "un lado" are not counts to rewrite.
SECOND_PERSON = {
    "en": r"\b(you|your|yours|yourself)\b",
    "es": r"\b(usted|ustedes|su|sus|le|les)\b",
}
PERCENT = re.compile(r"\d\s*%|\bper\s?cent\b|\bpor\s+ciento\b", re.IGNORECASE)
FREQUENCY = re.compile(r"\b\d+\s+(in|out of|of every|de cada|en)\s+\d+", re.IGNORECASE)
ALL_CAPS = re.compile(r"\b[A-ZÁÉÍÓÚÑÜ]{2,}(?:\W+[A-ZÁÉÍÓÚÑÜ]{2,}){2,}\b")
# A definition at a term's first use: "called X" before it in its sentence; "X means",
# "X, or Y,", "X (...)" right after it; or a next sentence that points back at it ("This
# means...", "Discs are...") with the defining verb among its first words.
CUES_BEFORE = {
    "en": r"\b(called|named|known as)\b",
    "es": r"\b(se llama|se llaman|llamad[oa]s?|conocid[oa]s? como)\b",
}
VERBS = {
    "en": r"(means?|is an?|is the|are|refers to)",
    "es": r"(quiere decir|quieren decir|significa|significan|es una?|es el|es la|son|o sea)",
}
CUE_RIGHT_AFTER = {lang: rf"^\W{{0,2}}(?:{verb}\b|,\s*(?:or|o)\s[^,]+,|\(|:)"
                   for lang, verb in VERBS.items()}
POINTERS = {
    "en": r"(this|these|that|those|it|they|the)",
    "es": r"(esto|este|esta|estos|estas|eso|ese|esa|el|la|los|las|quiere|significa|es|son)",
}


@functools.cache
def _bundled_glossary() -> dict[str, tuple[tuple[str, ...], ...]]:
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {lang: tuple(tuple(forms) for forms in terms) for lang, terms in data.items()}


def glossary(clinic, lang: str) -> tuple[tuple[str, ...], ...]:
    extra = tuple(forms for code, forms in clinic.quality.glossary if code == lang)
    return _bundled_glossary().get(lang, ()) + extra


def _body_texts(proc):
    """(field, Text) of everything a patient reads as sentences: not the title or headings."""
    for name, text in proc.texts():
        if name != "title" and not name.endswith(".heading"):
            yield name, text


def check(proc, clinic) -> list:
    out = []
    q = clinic.quality
    for lang in clinic.lang_codes:
        out += _lengths(proc, lang, q)
        out += _terms(proc, clinic, lang)
        second = re.compile(SECOND_PERSON.get(lang, r"(?!)"), re.IGNORECASE)
        addressed = False
        for name, text in _body_texts(proc):
            value, pos = markup.plain(text[lang]), text.pos_of(lang)
            field = f"{name}.{lang}"
            addressed = addressed or bool(second.search(value))
            if lang in NUMBER_WORDS:
                pattern = r"\b(" + "|".join(NUMBER_WORDS[lang].split()) + r")\b"
                found = re.search(pattern, value, re.IGNORECASE)
                if found:
                    out.append(finding(pos, field, f"number written as a word: "
                                                   f"'{found.group(0)}'", "number-words"))
            if PERCENT.search(value) and not FREQUENCY.search(value):
                out.append(finding(pos, field, "a percentage without a natural frequency",
                                   "percentage"))
            caps = ALL_CAPS.search(value)
            if caps:
                out.append(finding(pos, field, f"words in capitals: '{caps.group(0)}'",
                                   "all-caps"))
        if lang in SECOND_PERSON and not addressed:
            out.append(finding(proc.summary.pos_of(lang), f"summary.{lang}",
                               "the handout never speaks to the reader directly",
                               "second-person"))
    return out


def _lengths(proc, lang: str, q) -> list:
    out = []
    count = len(words(markup.plain(proc.summary[lang])))
    if count > q.summary_words:
        out.append(finding(proc.summary.pos_of(lang), f"summary.{lang}",
                           f"summary is {count} words (limit {q.summary_words})", "summary-length"))
    for i, sec in enumerate(proc.sections, 1):
        head = len(words(markup.plain(sec.heading[lang])))
        if head > q.heading_words:
            out.append(finding(sec.heading.pos_of(lang), f"sections[{i}].heading.{lang}",
                               f"heading is {head} words (limit {q.heading_words})",
                               "heading-length"))
        texts = [t for b in sec.body for t in (b.items if isinstance(b, Bullets) else (b.text,))]
        total = sum(len(words(markup.plain(t[lang]))) for t in texts)
        if total > q.section_words:
            out.append(finding(sec.pos, f"sections[{i}]", f"section '{sec.heading[lang]}' is "
                               f"{total} words in {lang} (limit {q.section_words})",
                               "section-length"))
    return out


@functools.lru_cache(maxsize=1024)
def _term_pattern(forms: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(re.escape(f) for f in forms) + r")\b", re.IGNORECASE)


def _terms(proc, clinic, lang: str) -> list:
    terms = glossary(clinic, lang)
    if not terms or lang not in VERBS:
        return []
    seen: set[int] = set()
    out = []
    before = re.compile(CUES_BEFORE[lang], re.IGNORECASE)
    right_after = re.compile(CUE_RIGHT_AFTER[lang], re.IGNORECASE)
    early_verb = re.compile(rf"^\W*(?:[\w'’-]+\W+){{0,5}}?{VERBS[lang]}\b", re.IGNORECASE)
    pointer = re.compile(rf"^\W*{POINTERS[lang]}\b", re.IGNORECASE)
    for name, text in _body_texts(proc):
        sents = sentences(text[lang])
        for k, sent in enumerate(sents):
            for index, forms in enumerate(terms):
                if index in seen:
                    continue
                hit = _term_pattern(forms).search(sent)
                if not hit:
                    continue
                seen.add(index)
                following = sents[k + 1] if k + 1 < len(sents) else ""
                points_back = bool(pointer.search(following)
                                   or _head_pattern(forms).search(following))
                defined = (before.search(sent[:hit.start()]) or right_after.search(sent[hit.end():])
                           or (points_back and early_verb.search(following)))
                if not defined:
                    out.append(finding(text.pos_of(lang), f"{name}.{lang}",
                                       f"'{hit.group(0)}' is a medical term, first used here "
                                       f"without saying what it means", "term-undefined"))
    return out


@functools.lru_cache(maxsize=1024)
def _head_pattern(forms: tuple[str, ...]) -> re.Pattern:
    """The term's head word, singular or plural: 'herniated disc' -> disc, discs."""
    heads = {f.split()[-1] for f in forms}
    return re.compile(r"\b(" + "|".join(re.escape(h) for h in heads) + r")(s|es)?\b",
                      re.IGNORECASE)


