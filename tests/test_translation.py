"""Translation sanity (docs/quality.md#translation-sanity): each warning on a crafted case,
each guard against a false alarm, and the sample and real agency text staying quiet."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pdfgen.load import load_library, require
from pdfgen.quality import translation
from pdfgen.quality.gates import check_handout
from pdfgen.quality.translation import foreign_words, numbers
from pdfgen.rules import RULES

from .conftest import SAMPLE

TODAY = dt.date(2026, 11, 26)
RULE_IDS = ("translation-identical", "mixed-language", "translation-structure",
            "translation-numbers", "translation-length")


def _gate(library: Path):
    lib = require(load_library(library))
    return check_handout(lib.procedure("hemilaminectomy"), lib.clinic,
                         library / "hemilaminectomy.yaml", TODAY)


def _translation_findings(library: Path) -> list:
    return [f for f in _gate(library) if f.rule in RULE_IDS]


def _set_item(library: Path, en: str, es: str) -> None:
    """The first 'when to call' item (line 'You have a fever or chills.') becomes en / es."""
    path = library / "hemilaminectomy.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - en: You have a fever or chills.\n    es: Tiene fiebre o escalofríos.\n"
    assert old in text
    path.write_text(text.replace(old, f"  - en: {en}\n    es: {es}\n"), encoding="utf-8")


def _only(library: Path) -> list[tuple[str, str]]:
    return [(f.rule, f.field) for f in _translation_findings(library)]


def test_the_rules_are_warnings_with_hints():
    for rule in RULE_IDS:
        assert RULES[rule].severity == "warning" and RULES[rule].hint


def test_the_sample_is_quiet(library):
    assert _translation_findings(library) == []


# -- identical ------------------------------------------------------------------------------------


def test_a_copied_text_is_one_finding(library):
    _set_item(library, "You have a fever or chills.", "You have a fever or chills.")
    found = _translation_findings(library)
    assert [(f.rule, f.field) for f in found] == [("translation-identical", "call_when[1].es")]
    assert "not translated" in found[0].message  # and not also mixed-language


@pytest.mark.parametrize("same", [
    "'817-697-4038'", "'www.spinecenter.example/care'", "Dr. Ana Ruiz", "Mayo Clinic",
    "Anemia", "Tumor", "'911'"])
def test_names_numbers_phones_addresses_and_shared_words_may_be_the_same(library, same):
    _set_item(library, same, same)
    assert _only(library) == []


@pytest.mark.parametrize("same", ["Infection", "Bleeding", "Hemilaminectomy",
                                  "What Is Back Pain?"])  # title case is no name
def test_a_single_word_spelled_as_only_english_spells_it_is_copied(library, same):
    _set_item(library, same, same)
    assert _only(library) == [("translation-identical", "call_when[1].es")]


# -- words of the other language ------------------------------------------------------------------


def test_english_left_inside_the_spanish(library):
    _set_item(library, "Other surgery (for example, laparoscopic surgery) may fit you.",
              "Otra cirugía (for example, cirugía laparoscópica) le puede servir.")
    found = _translation_findings(library)
    assert [(f.rule, f.field) for f in found] == [("mixed-language", "call_when[1].es")]
    assert 'English words in the Spanish text: "for example"' in found[0].message


def test_spanish_left_inside_the_english(library):
    _set_item(library, "Other surgery (for example, cirugía laparoscópica) may fit you.",
              "Otra cirugía (por ejemplo, cirugía laparoscópica) le puede servir.")
    found = _translation_findings(library)
    assert [(f.rule, f.field) for f in found] == [("mixed-language", "call_when[1].en")]
    assert '"cirugía laparoscópica"' in found[0].message


@pytest.mark.parametrize("text,other", [
    ("Llame a The Spine Center si tiene fiebre.", "en"),  # a name inside a sentence
    ('Busque el letrero que dice "Emergency Room".', "en"),  # a quoted phrase
    ("Vea www.spinecenter.example/the-care o escriba a help@spine.example.", "en"),
    ("Puede tomar Tylenol o Advil para el dolor.", "en"),
    ("Le harán una MRI y un shock no es probable.", "en"),  # capitals; a loanword
    ("El Paso and Los Angeles have clinics too.", "es"),  # place names at the start
    ("Dr. José Pérez will call you.", "es"),  # a name after Dr.
    ("Call the clinic in Querétaro or Bogotá.", "es"),
    ("Your surgeon will use débridement to clean the wound.", "es"),  # a French loan
    ("La deshidratación puede causar mareos.", "en"),  # des-h is not English sh
])
def test_names_quotes_addresses_and_loanwords_are_not_the_other_language(text, other):
    assert foreign_words(text, other) == []


@pytest.mark.parametrize("text,other,expected", [
    ("Tome la medicina with food.", "en", ["with"]),
    ("Bending ejerce presión sobre la espalda.", "en", ["Bending"]),
    ("Evite el walking rápido.", "en", ["walking"]),
    ("Take the pills con agua y jabón.", "es", ["y", "jabón"]),
    ("Rest después de la cirugía.", "es", ["después", "la", "cirugía"]),
    ("Use the llave to close it.", "es", ["llave"]),
])
def test_the_other_language_is_found(text, other, expected):
    assert foreign_words(text, other) == expected


def _parallel_pairs():
    """The sample's text pairs, and real ones (paraphrased from public agency pages would be
    no test of real text: these are short public-domain NIH and CDC sentences)."""
    lib = require(load_library(SAMPLE))
    pairs = [(t["en"], t["es"]) for _, t in lib.procedure("hemilaminectomy").texts()]
    return pairs + REAL


REAL = [  # NIAMS (NIH) "Living with Back Pain" and CDC handwashing: public domain
    ("Back pain is one of the most common medical problems in the United States.",
     "El dolor de espalda es uno de los problemas de salud más frecuentes en los Estados "
     "Unidos."),
    ("Acute back pain happens suddenly and usually lasts a few days to a few weeks. Back "
     "pain that lasts longer than 12 weeks is called chronic back pain.",
     "El dolor de espalda agudo aparece de repente y por lo general dura entre unos pocos "
     "días y algunas semanas. Al dolor de espalda que dura más de 12 semanas se le llama "
     "dolor de espalda crónico."),
    ("Obesity: If you are overweight or obese, it can put stress on the back and cause pain.",
     "Obesidad: el sobrepeso o la obesidad pueden aumentar la presión en la espalda y "
     "causarle dolor."),
    ("Before and after caring for someone at home who’s sick with vomiting or diarrhea",
     "Antes y después de cuidar a alguien en su casa que tenga vómitos o diarrea"),
    ("After blowing your nose, coughing, or sneezing",
     "Después de sonarse la nariz, toser o estornudar"),
]


def test_no_false_alarm_on_the_sample_or_real_agency_text():
    for en, es in _parallel_pairs():
        assert foreign_words(es, "en") == [], es
        assert foreign_words(en, "es") == [], en
    # and each English text read as Spanish (or the reverse) is caught
    assert all(foreign_words(es, "es") for _, es in _parallel_pairs())
    assert sum(bool(foreign_words(en, "en")) for en, _ in _parallel_pairs()) >= 54


# -- structure, numbers, length ---------------------------------------------------------------


def test_a_line_or_bold_part_missing_from_the_translation(library):
    _set_item(library, '"You have a **fever**.\\nOr you have chills."',
              "Tiene fiebre o escalofríos.")
    found = _translation_findings(library)
    assert [(f.rule, f.field) for f in found] == [("translation-structure", "call_when[1].es")]
    assert "the English has 2 lines and the Spanish 1" in found[0].message
    assert "the English has 1 bold part and the Spanish 0" in found[0].message


def test_the_same_lines_and_bold_parts_are_fine(library):
    _set_item(library, '"You have a **fever**.\\nOr you have chills."',
              '"Tiene **fiebre**.\\nO tiene escalofríos."')
    assert _only(library) == []


def test_a_number_that_differs(library):
    _set_item(library, "Call 911 if you have a fever.", "Llame al 991 si tiene fiebre.")
    found = _translation_findings(library)
    assert [(f.rule, f.field) for f in found] == [("translation-numbers", "call_when[1].es")]
    assert "911 only in the English; 991 only in the Spanish" in found[0].message


@pytest.mark.parametrize("en,es", [
    ("Do not lift more than 10 pounds.", "No levante más de 4.5 kilos."),  # converted units
    ("You have a fever over 101 °F.", "Tiene fiebre de más de 38.3 °C."),
    ("Take 2.5 mL at 8:00.", "Tome 2,5 mL a las 8."),  # decimal comma; 8:00 is 8
])
def test_numbers_written_the_other_way_or_converted_are_fine(en, es):
    assert numbers(en) == numbers(es)


def test_numbers_are_digits_only():
    assert numbers("Call (817) 697-4038 or 911, 2 times.") == Counter(
        {"817": 1, "697": 1, "4038": 1, "911": 1, "2": 1})
    assert numbers("1,000 people; 2.5 mL; 8:30") == Counter({"1000": 1, "25": 1, "830": 1})


def test_a_translation_a_third_as_long(library):
    _set_item(library, "Your wound gets red, swollen or warm, or fluid drains from it.",
              "La herida cambia.")
    assert _only(library) == [("translation-length", "call_when[1].es")]


def test_short_texts_are_not_judged_for_length(library):
    _set_item(library, "You have chills.", "Tiene escalofríos muy fuertes y no para de temblar.")
    assert _only(library) == []


def test_a_structure_finding_is_not_also_a_length_finding(library):
    _set_item(library, '"Your wound gets red, swollen or warm.\\nOr fluid drains from it."',
              "La herida cambia.")
    assert _only(library) == [("translation-structure", "call_when[1].es")]


def test_the_length_band():
    assert translation.band("en", "es") == (0.6, 2.0)
    low, high = translation.band("es", "en")
    assert low == 0.5 and high == pytest.approx(1 / 0.6)


# -- waivers -------------------------------------------------------------------------------------


def test_each_rule_can_be_waived(library):
    _set_item(library, "Other surgery (for example, laparoscopic surgery) may fit you.",
              "Otra cirugía (for example, cirugía laparoscópica) le puede servir.")
    _edit_waiver(library, "mixed-language: the Spanish clinic says 'for example' on purpose")
    found = _translation_findings(library)
    assert [(f.rule, f.severity) for f in found] == [("mixed-language", "waived")]


def _edit_waiver(library: Path, line: str) -> None:
    path = library / "hemilaminectomy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("waivers:\n", f"waivers:\n  {line}\n", 1), encoding="utf-8")
