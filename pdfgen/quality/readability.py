"""Readability formulas, per language and per section, from their published forms.

English: Flesch-Kincaid grade (Kincaid et al. 1975) and SMOG (McLaughlin 1969).
Spanish: Fernández-Huerta (1959, as corrected by Law 2011: F is words per
sentence) and Szigriszt-Pazos (1993), read on the INFLESZ scale
(Barrio-Cantalejo 2008). docs/quality.md says why these are computed here
rather than with textstat.

Words are runs of letters (numerals are not words); a sentence ends at . ! ?
or at the end of a text, so every list item is at least one sentence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .. import markup

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SENTENCE_END = re.compile(r"(?<=[.!?…])([\"'”»)]*)\s+")
# a full stop after one of these (a whole word) does not end the sentence
ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:dr|dra|drs|sr|sra|srta|mr|mrs|ms|núm|approx|aprox|min|máx|"
    r"max|fig|vs|etc|e\.g|i\.e|a\.m|p\.m|a\.\s?m|p\.\s?m)\.$", re.IGNORECASE)


# -- syllables ---------------------------------------------------------------------------------

_ES_VOWELS = set("aeiouáéíóúü")
_ES_STRONG = set("aeoáéó")


def syllables_es(word: str) -> int:
    """Spanish syllables by rule: one per vowel nucleus.

    A diphthong or triphthong is one nucleus (ciu-dad, buey); two strong vowels side by
    side are two (le-er, a-é-re-o); an accented í or ú always makes its own (dí-a,
    cons-tru-í-a). A silent u (que, qui, gue, gui) and a final y after a vowel (hoy, muy)
    make none of their own. An h between vowels does not split them (prohi-bir, ahu-ma-do),
    but "hu" + vowel starts a syllable (ca-ca-hue-te, Coa-hui-la)."""
    w = word.lower()
    kinds = []  # per letter: "s" strong, "a" accented í/ú, "w" weak, "h" transparent h, "c"
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        after = w[i + 2] if i + 2 < len(w) else ""
        if ch == "u" and (prev == "q" or (prev == "g" and nxt in ("e", "i", "é", "í"))):
            kinds.append("c")  # silent u
        elif ch in "íú":
            kinds.append("a")
        elif ch in _ES_STRONG:
            kinds.append("s")
        elif ch in _ES_VOWELS:
            kinds.append("w")
        elif ch == "y" and (len(w) == 1 or (i == len(w) - 1 and prev in _ES_VOWELS)):
            kinds.append("w")
        elif (ch == "h" and prev in _ES_VOWELS and nxt in _ES_VOWELS
              and not (nxt in "uü" and after in _ES_VOWELS)):
            kinds.append("h")
        else:
            kinds.append("c")
    count, in_run, strong = 0, False, False  # strong: the current nucleus has a strong vowel
    for kind in kinds:
        if kind == "h":
            continue
        if kind == "c":
            in_run = False
            continue
        if not in_run or kind == "a" or (kind == "s" and strong):
            count += 1
            strong = kind in ("s", "a")
        elif kind == "s":
            strong = True
        in_run = True
    return max(1, count)


def syllables_en(word: str) -> int:
    """English syllables from syllapy (a dictionary, with rules for other words)."""
    import syllapy

    return max(1, syllapy.count(word.replace("’", "'")))


SYLLABLES = {"en": syllables_en, "es": syllables_es}


# -- text into sentences and words ------------------------------------------------------------


def sentences(text: str) -> list[str]:
    """One content text (markup removed) as sentences; a text without an end mark is one."""
    flat = " ".join(markup.plain(text).split())
    out, start = [], 0
    for match in SENTENCE_END.finditer(flat):
        piece = flat[start:match.end(1)]  # with its closing quote or bracket
        if ABBREVIATION.search(flat[start:match.start()]):
            continue
        out.append(piece)
        start = match.end()
    out.append(flat[start:])
    return [s.strip() for s in out if WORD.search(s)]


def words(sentence: str) -> list[str]:
    return WORD.findall(sentence)


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
    syl = SYLLABLES[lang]
    total = Counts()
    for sentence in sentence_list:
        per_word = [syl(w) for w in words(sentence)]
        total = total + Counts(1, len(per_word), sum(per_word), sum(n >= 3 for n in per_word))
    return total


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


METRICS = {
    "en": (Metric("fk_grade", "Flesch-Kincaid grade", "FK grade", flesch_kincaid_grade,
                  False, 8, 6),
           Metric("smog", "SMOG grade", "SMOG", smog, False, 8, 8)),
    "es": (Metric("fernandez_huerta", "Fernández-Huerta", "F-Huerta", fernandez_huerta,
                  True, 60, 70),
           Metric("inflesz", "Szigriszt-Pazos (INFLESZ)", "INFLESZ", szigriszt_pazos,
                  True, 55, 65)),
}


def score(c: Counts, lang: str) -> dict[str, float]:
    if lang not in METRICS or not c.words or not c.sentences:
        return {}
    return {m.key: m.formula(c) for m in METRICS[lang]}


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
                    [t[lang] for t in proc.call_when]))
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


LONG_WORD = {"en": 3, "es": 4}  # syllables that make a word long in that language


def _badness(scores: dict[str, float], lang: str) -> float:
    """One number, higher = harder, from the language's first metric (no words: easiest)."""
    if not scores:
        return -math.inf
    first = METRICS[lang][0]
    value = scores[first.key]
    return -value if first.higher_is_easier else value


def _hurt(sentence: str, lang: str) -> int:
    """How much a sentence costs a reader: its words, and twice its long words."""
    syl = SYLLABLES[lang]
    per_word = [syl(w) for w in words(sentence)]
    return len(per_word) + 2 * sum(n >= LONG_WORD[lang] for n in per_word)


def score_handout(proc, lang: str) -> HandoutScore | None:
    if lang not in METRICS:
        return None
    parts, total = [], Counts()
    for unit in units(proc, lang):
        sents = [s for text in unit.texts for s in sentences(text)]
        per = [count([s], lang) for s in sents]
        counts = sum(per, Counts())
        total = total + counts
        worst = max(sents, key=lambda s: _hurt(s, lang), default="")
        parts.append(UnitScore(unit, counts, score(counts, lang), worst))
    parts.sort(key=lambda p: -_badness(p.scores, lang))
    return HandoutScore(lang, total, score(total, lang), parts)
