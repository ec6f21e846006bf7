"""Readability formulas, per language and per section, from their published forms.

English: Flesch-Kincaid grade (Kincaid et al. 1975) and SMOG (McLaughlin 1969).
Spanish: Fernández-Huerta (1959, as corrected by Law 2011: F is words per
sentence) and Szigriszt-Pazos (1993), read on the INFLESZ scale
(Barrio-Cantalejo 2008). docs/quality.md says why these are computed here
rather than with textstat, and compares both with counts made by hand.

Words and their syllables are counted as read aloud (`spoken.py`: CMUdict for English,
numerals, initialisms and abbreviations in the text's language). A sentence ends at . ! ?
or … followed by a space and a word that does not start in lower case, except after an
abbreviation of the language (Dr. Lee, No. 5, EE. UU. se...), or at the end of a text, so
every list item is at least one sentence.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from .. import markup
from ..languages import profile
from .spoken import syllables_en, syllables_es, syllables_of, syllables_word, tokens

__all__ = ["syllables_en", "syllables_es", "sentences", "words", "count", "score",
           "score_handout"]

# -- sentences ---------------------------------------------------------------------------------

# an end mark (one or more of . ! ? …), any closing quotes or brackets, then a space or the end
END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
OPENING = "\"'“‘«(¿¡["
# Per language, abbreviations written with a full stop (lower case, without the stop),
# from the language's profile (pdfgen/languages.yaml, `abbreviations` and `openers`):
# titles come before a name or a number and never end a sentence (Dr. Lee, St. James,
# pág. 5); numbered only before a numeral (No. 5: "The answer is no." ends); after end
# a name or a time (Jr., Inc., a.m.) and end the sentence when a capital follows (anything
# else than a lower-case word is taken as a new sentence); country names (U.S., EE. UU.)
# are so often followed by a proper noun (U.S. Food and Drug Administration) that they end
# a sentence only before a word that usually opens one (The, It, Los, Es...). A language
# without a profile (or without tables) has no abbreviations: every full stop can end.


def _table(kind: str, lang: str) -> frozenset[str]:
    p = profile(lang)
    return p.abbreviation_table(kind) if p else frozenset()


def _openers(lang: str) -> frozenset[str]:
    p = profile(lang)
    return p.openers if p else frozenset()


# the longest abbreviation that ends just before a full stop: "a. m", "EE. UU", "U.S", "Dr"
_ABBR_BEFORE = re.compile(r"(?:(?<=\s)|^)((?:[^\W\d_]{1,4}\.\s?){0,3}[^\W\d_]+)$")


def _abbreviation(before: str, lang: str) -> str | None:
    """What kind of abbreviation ends `before` (the text up to a full stop), if any."""
    m = _ABBR_BEFORE.search(before.lstrip(OPENING))
    if not m:
        tail = before.rsplit(None, 1)[-1] if before.strip() else ""
        m = _ABBR_BEFORE.search(tail.lstrip(OPENING))
        if not m:
            return None
    text = m.group(1).lower()
    # try the longest tail first: "p. ej" before "ej", "ee. uu" before "uu"
    pieces = [text[i:].lstrip() for i in range(len(text))
              if i == 0 or text[i - 1] in " ."]
    for piece in pieces:
        piece = piece.lstrip(OPENING)
        for kind, table in (("country", "country"), ("title", "titles"),
                            ("numbered", "numbered"), ("after", "after")):
            if piece in _table(table, lang):
                return kind
    return None


def _initial(before: str, rest: str, lang: str) -> bool:
    """A capital letter and a full stop inside a name (Dr. A. Ruiz, John F. Kennedy), not a
    sentence ending in one (vitamin C. Eat...; Hepatitis B. It is...)."""
    m = re.search(r"(\S+)\s+([A-ZÁÉÍÓÚÑ])$", before)
    if not m:
        return False
    prev = m.group(1).lstrip(OPENING)
    nxt = re.match(r"[^\W\d_]+", rest)
    if (not nxt or not nxt.group(0)[0].isupper()
            or nxt.group(0).lower() in _openers(lang)):
        return False
    return prev[:1].isupper() or prev.endswith(".")


# the last word of every abbreviation in the tables ("ej" of "p. ej"): a full stop after any
# other word of two letters or more ends the sentence without a closer look
@functools.cache
def _last_words(lang: str) -> frozenset[str]:
    return frozenset(entry.split()[-1] for kind in ("titles", "numbered", "after", "country")
                     for entry in _table(kind, lang))


def _is_boundary(flat: str, mark: re.Match, lang: str) -> bool:
    rest = flat[mark.end():].lstrip()
    if not rest:
        return True
    first = rest[0]
    if first.islower():
        return False  # "a.m. every day", "¿Le duele?, preguntó": the sentence goes on
    marks = mark.group(0).rstrip("\"'”’»)]")
    if marks != ".":
        return True  # ! ? … or several marks
    before = flat[:mark.start()]
    last = before[before.rfind(" ") + 1:].lstrip(OPENING).lower()
    if len(last) > 1 and last not in _last_words(lang):
        return True
    kind = _abbreviation(before, lang)
    if kind is None and _initial(before, rest, lang):
        return False
    if kind is None or kind == "after":
        return True
    if kind == "title":
        return False
    if kind == "numbered":
        return not first.isdigit()
    nxt = re.match(r"[^\W\d_]+", rest)  # country: only before a usual opener
    return bool(nxt) and nxt.group(0).lower() in _openers(lang)


_ANY_WORD = re.compile(r"[^\W_]")


def sentences(text: str, lang: str = "en") -> list[str]:
    """One content text (markup removed) as sentences; a text without an end mark is one.

    `lang` picks the abbreviation tables ("en" when not given, as before)."""
    return list(_sentences(text, lang))


@functools.lru_cache(maxsize=4096)  # lint and the scores split the same texts
def _sentences(text: str, lang: str) -> tuple[str, ...]:
    flat = " ".join(markup.plain(text).split())
    out, start = [], 0
    for mark in END.finditer(flat):
        if mark.start() < start or not _is_boundary(flat, mark, lang):
            continue
        out.append(flat[start:mark.end()])
        start = mark.end()
    out.append(flat[start:])
    return tuple(s.strip() for s in out if _ANY_WORD.search(s))


def words(sentence: str) -> list[str]:
    """The words of a sentence as written: runs of letters, numerals, U.S.-like abbreviations."""
    return [t.text for t in tokens(sentence)]


def clear_caches() -> None:
    """Forget split sentences and counted words (a benchmark's fresh start)."""
    _sentences.cache_clear()
    syllables_word.cache_clear()


def syllables(sentence: str, lang: str) -> list[int]:
    """Each word's syllables, as read aloud in `lang`."""
    return syllables_of(tokens(sentence), lang)


# -- scores ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    sentences: int = 0
    words: int = 0
    syllables: int = 0
    polysyllables: int = 0  # words of 3 or more syllables

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.sentences + other.sentences, self.words + other.words,
                      self.syllables + other.syllables, self.polysyllables + other.polysyllables)

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.sentences - other.sentences, self.words - other.words,
                      self.syllables - other.syllables, self.polysyllables - other.polysyllables)


def count(sentence_list: list[str], lang: str) -> Counts:
    return sum((_counts(syllables(s, lang)) for s in sentence_list), Counts())


def flesch_kincaid_grade(c: Counts) -> float:
    return 0.39 * c.words / c.sentences + 11.8 * c.syllables / c.words - 15.59


def smog(c: Counts) -> float:
    return 1.0430 * math.sqrt(c.polysyllables * 30 / c.sentences) + 3.1291


def fernandez_huerta(c: Counts) -> float:
    return 206.84 - 60 * c.syllables / c.words - 1.02 * c.words / c.sentences


def szigriszt_pazos(c: Counts) -> float:
    return 206.835 - 62.3 * c.syllables / c.words - c.words / c.sentences


@dataclass(frozen=True)
class Metric:
    key: str  # as written in clinic.yaml's quality.readability
    name: str
    short: str  # column heading in the --readability table
    formula: object
    higher_is_easier: bool
    limit: float  # default limit (health-literacy reference)
    aim: float

    def passes(self, value: float, bound: float) -> bool:
        return value >= bound if self.higher_is_easier else value <= bound


# Every formula pdfgen computes, by the key clinic.yaml's quality.readability uses. Which
# apply to a language is its profile's `readability` list (pdfgen/languages.yaml).
FORMULAS = {m.key: m for m in (
    Metric("fk_grade", "Flesch-Kincaid grade", "FK grade", flesch_kincaid_grade, False, 8, 6),
    Metric("smog", "SMOG grade", "SMOG", smog, False, 8, 8),
    Metric("fernandez_huerta", "Fernández-Huerta", "F-Huerta", fernandez_huerta, True, 60, 70),
    Metric("inflesz", "Szigriszt-Pazos (INFLESZ)", "INFLESZ", szigriszt_pazos, True, 55, 65),
)}


def metrics(lang: str) -> tuple[Metric, ...]:
    """The formulas that judge text in `lang`, in its profile's order; () when none does."""
    p = profile(lang)
    return tuple(FORMULAS[key] for key in p.readability) if p else ()


def score(c: Counts, lang: str) -> dict[str, float]:
    if not metrics(lang) or not c.words or not c.sentences:
        return {}
    return {m.key: m.formula(c) for m in metrics(lang)}


# -- a handout, unit by unit --------------------------------------------------------------------


@dataclass
class Unit:
    """A part of a handout scored on its own: the summary, a section, the risks..."""

    field: str  # "sections[2]", "risks"
    title: str  # the section's heading in this language, or the part's name
    pos: object
    texts: list[str] = field(default_factory=list)


def units(proc, lang: str) -> list[Unit]:
    """The handout's reading parts in order (headings and the title are not scored), each
    named as the handout prints it in that language."""
    from ..i18n import labels_for

    lab = labels_for(lang)
    out = [Unit("summary", lab["summary"], proc.summary.pos, [proc.summary[lang]])]
    for i, sec in enumerate(proc.sections, 1):
        unit = Unit(f"sections[{i}]", sec.heading[lang], sec.pos)
        for block in sec.body:
            if hasattr(block, "caption"):  # a figure: its caption and alt text are not prose
                continue
            items = block.items if hasattr(block, "items") else (block.text,)
            unit.texts += [t[lang] for t in items]
        out.append(unit)
    out.append(Unit("benefits", lab["benefits"], proc.benefits[0].pos,
                    [t[lang] for t in proc.benefits]))
    out.append(Unit("risks", lab["risks"], proc.risks.intro.pos,
                    [proc.risks.intro[lang]] + [t[lang] for t in proc.risks.items]))
    alt = proc.alternatives
    out.append(Unit("alternatives", lab["alternatives"], alt.doing_nothing.pos,
                    [t[lang] for t in alt.options] + [alt.doing_nothing[lang]]))
    out.append(Unit("prompts", lab["prompts"], proc.prompts[0].pos,
                    [t[lang] for t in proc.prompts]))
    out.append(Unit("call_when", lab["call_when"], proc.call_when[0].pos,
                    [t[lang] for t in proc.call_when + proc.emergency]))
    return out


@dataclass
class UnitScore:
    unit: Unit
    counts: Counts
    scores: dict[str, float]
    worst_sentence: str  # the longest sentence with the most long words


@dataclass
class HandoutScore:
    lang: str
    total: Counts
    scores: dict[str, float]
    parts: list[UnitScore]  # worst first




def _badness(scores: dict[str, float], lang: str) -> float:
    """One number, higher = harder, from the language's first metric (no words: easiest)."""
    if not scores:
        return -math.inf
    first = metrics(lang)[0]
    value = scores[first.key]
    return -value if first.higher_is_easier else value


def _hurt(per_word: list[int], lang: str) -> int:
    """How much a sentence costs a reader: its words, and twice its long words."""
    long_word = profile(lang).long_word_syllables  # syllables that make a word long
    return len(per_word) + 2 * sum(n >= long_word for n in per_word)


def _counts(per_word: list[int]) -> Counts:
    return Counts(1, len(per_word), sum(per_word), sum(n >= 3 for n in per_word))


def score_handout(proc, lang: str) -> HandoutScore | None:
    """The handout's scores in `lang`; None when no formula judges that language."""
    if not metrics(lang):
        return None
    parts, total = [], Counts()
    for unit in units(proc, lang):
        sents = [s for text in unit.texts for s in sentences(text, lang)]
        per = [syllables(s, lang) for s in sents]  # each sentence read once
        counts = sum(map(_counts, per), Counts())
        total = total + counts
        worst = max(zip(sents, per, strict=True), key=lambda sp: _hurt(sp[1], lang),
                    default=("", []))[0]
        parts.append(UnitScore(unit, counts, score(counts, lang), worst))
    parts.sort(key=lambda p: -_badness(p.scores, lang))
    return HandoutScore(lang, total, score(total, lang), parts)
