"""One finding per problem (docs/quality.md): each rule's false-positive guard on a crafted
case, and the same rule still firing on a real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pdfgen.load import load_library, require
from pdfgen.quality import readability
from pdfgen.quality.gates import MIN_WORDS, check_handout
from pdfgen.quality.lint import VAGUE, addresses_reader, inflections

from .conftest import REPO

TODAY = __import__("datetime").date(2026, 11, 26)


def _gate(library: Path, pid: str = "hemilaminectomy"):
    lib = require(load_library(library))
    return check_handout(lib.procedure(pid), lib.clinic, library / f"{pid}.yaml", TODAY)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _found(library: Path, rule: str, pid: str = "hemilaminectomy") -> list:
    return [f for f in _gate(library, pid) if f.rule == rule]


def _clinic_setting(library: Path, yaml_text: str) -> None:
    _edit(library / "clinic.yaml", "review_months: 12", "review_months: 12\n" + yaml_text)


# -- reading level: one finding per language and part ------------------------------------------


def test_one_reading_level_finding_per_part_names_every_formula_over(library):
    """Spanish has two formulas: a hard part used to be reported twice."""
    _clinic_setting(library, "quality:\n  readability:\n    fernandez_huerta: 76\n"
                             "    inflesz: 72")
    found = _found(library, "reading-level")
    fields = [f.field for f in found]
    assert len(fields) == len(set(fields)), fields  # one finding per part and language
    part = next(f for f in found if f.field == "alternatives.es")
    assert "Fernández-Huerta" in part.message and "Szigriszt-Pazos (INFLESZ)" in part.message
    assert part.message.count("hardest sentence") == 1


def test_the_whole_text_finding_names_both_formulas_once(library):
    _clinic_setting(library, "quality:\n  readability:\n    fernandez_huerta: 95\n"
                             "    inflesz: 95")
    whole = [f for f in _found(library, "reading-level") if f.field == "es"]
    assert len(whole) == 1
    assert re.search(r"Fernández-Huerta [\d.]+ \(limit at least 95\), Szigriszt-Pazos "
                     r"\(INFLESZ\) [\d.]+ \(limit at least 95\) for the whole es text",
                     whole[0].message), whole[0].message


def _only_call_when(library: Path, en: str, es: str) -> None:
    path = library / "hemilaminectomy.yaml"
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("call_when:")]
    path.write_text(head + f"call_when:\n  - en: {en}\n    es: {es}\n", encoding="utf-8")


def test_a_short_part_is_not_judged_alone_but_counts_in_the_whole(library):
    """'Tiene fiebre o escalofríos.' alone scores 52.8 (limit 60): 4 words are no sample."""
    _only_call_when(library, "You have a fever or chills.", "Tiene fiebre o escalofríos.")
    lib = require(load_library(library))
    es = readability.score_handout(lib.procedure("hemilaminectomy"), "es")
    part = next(p for p in es.parts if p.unit.field == "call_when")
    assert part.counts.words == 4 < MIN_WORDS and part.scores["fernandez_huerta"] < 60
    assert es.total.words == sum(p.counts.words for p in es.parts)  # it counts in the whole
    assert not [f for f in _found(library, "reading-level") if f.field.startswith("call_when")]


def test_a_hard_part_of_30_words_is_still_judged(library):
    hard = ("Tiene complicaciones neurológicas posoperatorias, particularmente debilidad "
            "progresiva, adormecimiento persistente, incontinencia urinaria, alteraciones "
            "intestinales, inestabilidad vertebral sintomática, infecciones profundas, "
            "hematomas epidurales compresivos o fístulas de líquido cefalorraquídeo "
            "características, especialmente durante las primeras semanas, requiriendo "
            "evaluación especializada inmediata.")
    _only_call_when(library, "You have a fever or chills.", hard)
    found = [f for f in _found(library, "reading-level") if f.field == "call_when.es"]
    assert len(found) == 1 and "Fernández-Huerta" in found[0].message


# -- second person: Spanish imperatives -----------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Lávese las manos.", "Llame al 911.", "Si tiene fiebre, llame a la clínica.",
    "No levante cosas pesadas.", "Tómelo con comida.", "Pregunte qué pasa si espera.",
    "Acuéstese boca arriba.", "Lávate las manos.", "No tomes alcohol.", "Camine un poco.",
])
def test_spanish_imperatives_speak_to_the_reader(text):
    assert addresses_reader(text, "es")


@pytest.mark.parametrize("text", [
    "Los músculos y los órganos sanan solos.",  # -ulos, -anos: nouns, not verb + pronoun
    "La cápsula se disuelve en el estómago.",
    "Los ángeles y los túneles.",  # -les left out of the enclitic rule
    "La cirugía toma 2 horas.",  # 'toma' in mid-clause is the third person
    "El dolor mejora con el tiempo.",
])
def test_spanish_without_reader_or_imperative_does_not(text):
    assert not addresses_reader(text, "es")


def test_second_person_still_fires_for_spanish_that_never_addresses_the_reader(clinic_only):
    text = (REPO / "tests" / "data" / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("Pregunte qué pasa si espera.", "Esperar es una opción.")
    text = text.replace("Tiene fiebre.", "Aparece la fiebre.")
    (clinic_only / "minimal.yaml").write_text(text, encoding="utf-8")
    assert [f.field for f in _found(clinic_only, "second-person", "minimal")] == ["summary.es"]
    text = text.replace("Aparece la fiebre.", "Lávese las manos.")
    (clinic_only / "minimal.yaml").write_text(text, encoding="utf-8")
    assert _found(clinic_only, "second-person", "minimal") == []


# -- glossary: inflections and definitions nearby ---------------------------------------------


@pytest.mark.parametrize("word,lang,forms", [
    ("incision", "en", {"incision", "incisions"}),
    ("vertebra", "en", {"vertebra", "vertebras", "vertebrae"}),
    ("stenosis", "en", {"stenosis", "stenoses"}),
    ("artery", "en", {"artery", "arteries"}),
    ("incisión", "es", {"incisión", "incisiones"}),
    ("espolón", "es", {"espolón", "espolones"}),
    ("lámina", "es", {"lámina", "láminas"}),
    ("estenosis", "es", {"estenosis"}),
    ("nariz", "es", {"nariz", "narices"}),
    ("general", "es", {"general", "generales"}),
])
def test_inflections(word, lang, forms):
    assert inflections(word, lang) == forms


PARAGRAPH = "This opens up space, so the nerve is no\n          longer squeezed."


def test_a_plural_first_use_with_its_definition_defines_the_term(library):
    _edit(library / "hemilaminectomy.yaml", PARAGRAPH,
          "The surgeon makes small incisions (cuts in the body). The incision heals.")
    assert _found(library, "term-undefined") == []


def test_a_plural_first_use_without_a_definition_is_caught_there(library):
    _edit(library / "hemilaminectomy.yaml", PARAGRAPH,
          "The surgeon makes small incisions. Later, the incision heals.")
    found = _found(library, "term-undefined")
    assert [(f.field, "'incisions'" in f.message) for f in found] == [
        ("sections[1].body[2].en", True)]


SPANISH_BULLET = "Una parte del disco puede salirse y\n              apretar un nervio."


def test_a_spanish_term_with_its_adjective_is_defined_by_its_own_item(library):
    _edit(library / "hemilaminectomy.yaml", SPANISH_BULLET, SPANISH_BULLET
          + " Anestesia regional: una medicina que duerme solo una parte del cuerpo.")
    assert _found(library, "term-undefined") == []


def test_a_spanish_term_with_its_adjective_but_no_definition_is_caught(library):
    _edit(library / "hemilaminectomy.yaml", SPANISH_BULLET, SPANISH_BULLET
          + " La anestesia regional no siempre hace falta.")
    assert [f.field for f in _found(library, "term-undefined")] == [
        "sections[2].body[2].bullets[1].es"]


TUMOR = "A **tumor**, or growth, in the spine that presses on nerves."


def test_a_term_that_labels_its_item_is_defined_by_the_rest_of_it(library):
    _edit(library / "hemilaminectomy.yaml", TUMOR,
          "**Fusion**. The surgeon joins 2 bones so they grow into 1.")
    assert _found(library, "term-undefined") == []


def test_a_term_inside_an_item_is_no_label(library):
    _edit(library / "hemilaminectomy.yaml", TUMOR,
          "A tumor. Then **fusion**. The surgeon joins 2 bones so they grow into 1.")
    assert [f.field for f in _found(library, "term-undefined")] == [
        "sections[2].body[2].bullets[3].en"]


@pytest.mark.parametrize("sentence", [
    "The surgeon makes a cut in the skin (an incision).",  # plain words, then the term
    "The surgeon makes an incision, which is a cut in the skin.",  # a relative clause
    "Sciatica — pain that runs down the leg — may ease.",  # a dash
])
def test_definitions_in_the_same_item_or_sentence(library, sentence):
    _edit(library / "hemilaminectomy.yaml", PARAGRAPH, sentence)
    assert _found(library, "term-undefined") == []


@pytest.mark.parametrize("sentence,term", [
    ("Fusion is not needed here.", "Fusion"),
    ("The surgeon makes an incision, and the skin heals.", "incision"),
    ("After sciatica, walking helps.", "sciatica"),
    ("The sciatica's pain eases.", "sciatica"),  # found inside a possessive
])
def test_the_same_terms_without_a_definition_are_caught(library, sentence, term):
    _edit(library / "hemilaminectomy.yaml", PARAGRAPH, sentence)
    found = _found(library, "term-undefined")
    assert len(found) == 1 and f"'{term}'" in found[0].message, [str(f) for f in found]


# -- vague instructions ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang,text", [
    ("en", "Walk as your care team tells you."),
    ("en", "Take your medicine only the way your care team tells you."),
    ("en", "Use the cream as directed."),
    ("en", "Change the bandage as instructed."),
    ("en", "Take it as your doctor told you to."),
    ("en", "Follow the diet according to your surgeon's instructions."),
    ("es", "Camine como le diga su equipo médico."),
    ("es", "Tome sus medicinas solo como le indique su equipo médico."),
    ("es", "Use la crema según le indiquen."),
    ("es", "Tome la medicina según lo indicado."),
    ("es", "Siga la dieta según las indicaciones de su médico."),
    ("es", "Tome los analgésicos según lo prescrito por su médico."),
    ("es", "Cambie el vendaje como se lo explicó la enfermera."),
])
def test_vague_instructions_are_found(lang, text):
    assert VAGUE[lang].search(text)


@pytest.mark.parametrize("lang,text", [
    ("en", "Do not lift heavy things until your surgeon says you can."),
    ("en", "Ask your surgeon how these apply to you."),
    ("en", "Take 1 tablet every 6 hours, as shown on the label."),
    ("es", "No levante cosas pesadas hasta que su cirujano le diga que puede."),
    ("es", "Tome sus medicinas en la cantidad que dice la etiqueta."),
    ("es", "Tome 1 pastilla cada 6 horas, como dice la etiqueta."),
    ("es", "Así se abre espacio y el nervio ya no queda apretado."),
])
def test_concrete_instructions_are_not(lang, text):
    assert not VAGUE[lang].search(text)


def test_a_vague_instruction_in_the_handout_is_one_warning_per_language(library):
    _edit(library / "hemilaminectomy.yaml", "Go to all of your follow-up visits.",
          "Go to your follow-up visits as directed.")
    found = _found(library, "vague-instruction")
    assert [f.field for f in found] == ["sections[4].body[2].bullets[5].en"]
    assert "'as directed'" in found[0].message and "PEMAT-P" in found[0].message
    assert found[0].severity == "warning"
