"""Language profiles as data (pdfgen/languages.yaml), and a clinic language a handout is not
written in (issue #15, parts 1 and 4)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pdfgen import languages
from pdfgen.build import build_library
from pdfgen.cli import cli
from pdfgen.load import load_library, load_procedure, require
from pdfgen.quality import lint, readability
from pdfgen.quality.gates import (
    check_handout,
    format_report,
    readability_findings,
    readability_report,
)
from pdfgen.rules import READABILITY_KEYS

from .conftest import SAMPLE

HANDOUT = "hemilaminectomy"
REQUIRED_LINE = "    required: true\n"


# -- part 1: the registry ------------------------------------------------------------------------


def test_the_registry_profiles_english_and_spanish_as_the_quality_code_judged_them():
    reg = languages.registry()
    assert reg["en"].readability == ("fk_grade", "smog")
    assert reg["es"].readability == ("fernandez_huerta", "inflesz")
    assert (reg["en"].long_word_syllables, reg["es"].long_word_syllables) == (3, 4)
    assert (reg["en"].name, reg["es"].name) == ("English", "Español")
    assert "ee" in reg["es"].abbreviation_table("titles")
    assert "u.s" in reg["en"].abbreviation_table("country")
    for code in ("en", "es", "fr", "pt", "tl"):
        p = reg[code]
        assert (p.script, p.direction, p.line_breaking, p.fonts) == ("Latn", "ltr", "spaces", ())
    # the three scripts of the sample's other languages, each with the family it needs
    assert (reg["vi"].script, reg["vi"].fonts) == ("Latn", ("Noto Sans",))
    assert (reg["zh-Hans"].line_breaking, reg["zh-Hans"].fonts) == ("cjk", ("Noto Sans SC",))
    assert (reg["ar"].direction, reg["ar"].fonts) == ("rtl", ("Vazirmatn",))
    # every formula the registry may name is one clinic.yaml can set a limit for, and back
    assert set(readability.FORMULAS) == set(languages.FORMULAS) == set(READABILITY_KEYS)


def test_every_word_list_rule_a_profile_names_has_its_word_list():
    tables = {"second-person": lint.SECOND_PERSON, "number-words": lint.NUMBER_WORDS,
              "vague-instruction": lint.VAGUE, "term-undefined": lint.VERBS}
    assert set(tables) == set(languages.WORD_LIST_RULES)
    for code, p in languages.registry().items():
        for rule in p.lint:
            assert code in tables[rule], (code, rule)


def test_profiles_without_formulas_are_not_judged_and_say_why():
    for code in ("fr", "pt", "tl"):
        p = languages.profile(code)
        assert p is not None and not p.judged and p.lint == ()
        assert readability.metrics(code) == ()
        assert f"no readability formula for {p.english_name}" in p.not_judged_reason()


def _registry(**changes) -> dict:
    data = yaml.safe_load(languages.REGISTRY_FILE.read_text(encoding="utf-8"))
    for code, entry in changes.items():
        data["languages"][code] = {**data["languages"].get(code, {}), **entry}
    return data


@pytest.mark.parametrize("entry,said", [
    ({"direction": "ttb"}, "'ttb' is not supported yet"),
    ({"script": "Tibt", "fonts": ["Noto Sans"]}, "'Tibt' is not supported yet"),
    ({"line_breaking": "dictionary"}, "'dictionary' is not supported yet"),
    ({"script": "Arab"}, "the Arab script needs a font family"),
    ({"fonts": ["Comic Sans"]}, "no font family 'Comic Sans'"),
    ({"readability": ["flesch"]}, "unknown formula 'flesch'"),
    ({"lint": ["all-caps"]}, "'all-caps' is not a rule that needs a word list"),
    ({"colour": "red"}, "unknown keys ['colour']"),
])
def test_the_registry_refuses_what_pdfgen_cannot_honour(entry, said):
    with pytest.raises(languages.RegistryError, match=said.replace("[", r"\[")
                       .replace("]", r"\]")):
        languages.parse(_registry(fr=entry))


def test_a_formula_needs_a_language_whose_syllables_pdfgen_counts():
    with pytest.raises(languages.RegistryError, match="counts them for en, es only"):
        languages.parse(_registry(fr={"readability": ["fk_grade"]}))


def test_the_shipped_registry_parses_as_it_is():
    assert set(languages.parse(_registry())) >= {"en", "es", "fr", "pt", "tl"}


@pytest.fixture
def spanish_unprofiled(monkeypatch):
    """Spanish as a language pdfgen has no formula nor word lists for (as fr, pt, tl are)."""
    reg = dict(languages.registry())
    reg["es"] = dataclasses.replace(reg["es"], readability=(), lint=())
    monkeypatch.setattr(languages, "registry", lambda: reg)


def test_a_language_with_no_formula_is_reported_not_judged(spanish_unprofiled):
    lib = require(load_library(SAMPLE))
    proc = lib.procedure(HANDOUT)
    rows = {r["lang"]: r for r in readability_report(proc, lib.clinic)}
    assert list(rows) == ["en", "es"]  # not skipped, in the clinic's order
    assert rows["en"]["judged"] and rows["en"]["metrics"]
    assert not rows["es"]["judged"] and rows["es"]["metrics"] == {}
    assert "no readability formula for Spanish" in rows["es"]["reason"]
    text = "\n".join(format_report(list(rows.values())))
    assert (f"{HANDOUT} (es): not judged: pdfgen has no readability formula for Spanish"
            in text)
    assert not any(f.field.endswith("es") for f in readability_findings(proc, lib.clinic))
    result = CliRunner().invoke(cli, ["check", str(SAMPLE), "--readability"])
    assert result.exit_code == 0, result.output
    assert f"{HANDOUT} (es): not judged" in result.output
    assert f"{HANDOUT} (en)" in result.output and "Flesch-Kincaid" in result.output


def test_word_list_rules_follow_the_profile(library, monkeypatch):
    path = library / f"{HANDOUT}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  es: >-\n", "  es: >-\n    Son dos pasos.\n", 1),
                    encoding="utf-8")
    lib = require(load_library(library))
    proc = lib.procedure(HANDOUT)
    found = [f for f in check_handout(proc, lib.clinic, path) if f.rule == "number-words"]
    assert any(f.field == "summary.es" for f in found)
    reg = dict(languages.registry())
    reg["es"] = dataclasses.replace(reg["es"], lint=())
    monkeypatch.setattr(languages, "registry", lambda: reg)
    found = [f for f in check_handout(proc, lib.clinic, path) if f.rule == "number-words"]
    assert not any(f.field.endswith(".es") for f in found)


def test_a_clinic_language_without_a_profile_is_an_error(clinic_only, monkeypatch):
    reg = {k: v for k, v in languages.registry().items() if k != "es"}
    monkeypatch.setattr("pdfgen.load.registry", lambda: reg)
    from pdfgen.load import load_clinic

    clinic, findings = load_clinic(clinic_only / "clinic.yaml")
    assert any("no profile for 'es'" in f.message and "languages.yaml" in f.message
               for f in findings), findings


# -- part 4: a clinic language a handout is not written in -------------------------------------


def _optional_spanish(library: Path) -> None:
    clinic = library / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    assert REQUIRED_LINE in text
    clinic.write_text(text.replace(REQUIRED_LINE, ""), encoding="utf-8")


def _without(library: Path, pid: str, keep_es=lambda path: False) -> Path:
    """A copy of the sample handout as `pid`, its Spanish removed where keep_es says no."""
    data = yaml.safe_load((library / f"{HANDOUT}.yaml").read_text(encoding="utf-8"))

    def strip(x, path=""):
        if isinstance(x, dict):
            if set(x) == {"en", "es"}:
                return x if keep_es(path) else {"en": x["en"]}
            return {k: strip(v, f"{path}.{k}" if path else k) for k, v in x.items()}
        if isinstance(x, list):
            return [strip(v, f"{path}[{i}]") for i, v in enumerate(x, 1)]
        return x
    data = strip(data)
    data["id"] = pid
    out = library / f"{pid}.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def test_a_required_language_missing_from_a_handout_is_an_error_as_before(library):
    _without(library, "english-only")
    result = load_library(library)
    errors = [f for f in result.findings if f.pos.file.endswith("english-only.yaml")]
    assert errors and all(f.severity.value == "error" for f in errors)
    assert any(f.message == "missing Spanish text (es)" for f in errors)


def test_an_optional_language_missing_loads_and_says_which_texts(library):
    _optional_spanish(library)
    _without(library, "english-only")
    _without(library, "partial", keep_es=lambda path: path != "summary")
    lib = require(load_library(library))
    full, none, partial = (lib.procedure(p) for p in (HANDOUT, "english-only", "partial"))
    assert full.has("es") and full.missing == ()
    assert not none.has("es") and none.has("en") and "title" in none.missing_fields("es")
    assert none.langs_in(lib.clinic) == ("en",)
    assert not partial.has("es") and partial.missing_fields("es") == ("summary",)
    assert partial.title["es"]  # the Spanish it has is kept


def test_the_primary_language_is_always_required(library):
    _optional_spanish(library)
    path = library / f"{HANDOUT}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["title"]["en"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from pdfgen.load import load_clinic

    clinic, _ = load_clinic(library / "clinic.yaml")
    proc, findings = load_procedure(path, clinic)
    assert proc is None
    assert [f.message for f in findings] == ["missing English text (en)"]


def test_check_warns_at_the_handout_naming_language_and_texts(library):
    _optional_spanish(library)
    _without(library, "english-only")
    _without(library, "partial", keep_es=lambda path: path not in ("summary", "call_when[1]"))
    result = CliRunner().invoke(cli, ["check", str(library)])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if "[language-missing" in x]
    assert len(lines) == 2, result.output
    none = next(x for x in lines if "english-only" in x)
    assert none.startswith(f"{library / 'english-only.yaml'}: warning: es: handout "
                           "'english-only' has no Spanish text (es); its outputs bilingual, "
                           "es are not made")
    part = next(x for x in lines if "'partial'" in x)
    assert "is missing Spanish text (es) in 2 of" in part
    assert "texts: summary, call_when[1];" in part
    # nothing else is reported about the Spanish it lacks (no KeyError, no per-check noise)
    assert "english-only.yaml:" not in result.output.replace(none, "")
    strict = CliRunner().invoke(cli, ["check", str(library), "--strict"])
    assert strict.exit_code == 1


def test_build_makes_the_other_outputs_and_says_which_were_not_made(library, tmp_path):
    _optional_spanish(library)
    _without(library, "english-only")
    out = tmp_path / "out"
    result = build_library(library, out, jobs=1)
    assert result.ok and not result.failed, [str(f) for f in result.findings]
    assert "english-only/english-only.en.pdf" in result.built
    assert set(result.not_built) == {"english-only/english-only.bilingual.pdf",
                                     "english-only/english-only.es.pdf"}
    assert result.not_built["english-only/english-only.es.pdf"] == "es"
    assert f"{HANDOUT}/{HANDOUT}.es.pdf" in result.built
    assert not (out / "english-only" / "english-only.es.pdf").exists()
    assert "2 not made" in result.summary()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "english-only" not in manifest.get("failed", {})
    assert "english-only/english-only.en.pdf" in manifest["outputs"]
    assert "english-only/english-only.es.pdf" not in manifest["outputs"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="english-only/english-only.en.pdf"' in page
    assert "english-only/english-only.es.pdf" not in page
    # the command's summary says so, and exits 0
    cli_run = CliRunner().invoke(cli, ["build", "--library", str(library), "--out",
                                       str(tmp_path / "out2"), "-j", "1"])
    assert cli_run.exit_code == 0, cli_run.output
    assert ("not made english-only/english-only.es.pdf: the handout is not written in es"
            in cli_run.output)


def test_a_dry_run_says_not_made_as_the_build_does(library, tmp_path):
    _optional_spanish(library)
    _without(library, "english-only")
    out = tmp_path / "out"
    dry = build_library(library, out, jobs=1, dry_run=True)
    assert set(dry.not_built) == {"english-only/english-only.bilingual.pdf",
                                  "english-only/english-only.es.pdf"}
    assert "english-only/english-only.es.pdf" not in dry.built
    assert "english-only/english-only.en.pdf" in dry.built
    real = build_library(library, out, jobs=1)
    assert (set(real.not_built), sorted(real.built)) == (set(dry.not_built), sorted(dry.built))
    cli_run = CliRunner().invoke(cli, ["build", "--library", str(library), "--out",
                                       str(tmp_path / "out2"), "-j", "1", "--dry-run"])
    assert cli_run.exit_code == 0, cli_run.output
    assert ("not made english-only/english-only.es.pdf: the handout is not written in es"
            in cli_run.output)
    assert not (tmp_path / "out2" / "english-only").exists()


def test_build_strict_fails_as_check_strict_does(library, tmp_path):
    _optional_spanish(library)
    _without(library, "english-only")
    result = build_library(library, tmp_path / "out", jobs=1, strict=True)
    assert not result.ok and "english-only/english-only.en.pdf" in result.failed


def test_a_pdf_made_before_the_language_went_missing_is_removed(library, tmp_path):
    _optional_spanish(library)
    out = tmp_path / "out"
    assert build_library(library, out, jobs=1).ok
    assert (out / HANDOUT / f"{HANDOUT}.es.pdf").exists()
    path = library / f"{HANDOUT}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["summary"]["es"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = build_library(library, out, jobs=1)
    assert f"{HANDOUT}/{HANDOUT}.es.pdf" in result.not_built
    assert f"{HANDOUT}/{HANDOUT}.es.pdf" in result.removed
    assert not (out / HANDOUT / f"{HANDOUT}.es.pdf").exists()
    assert (out / HANDOUT / f"{HANDOUT}.en.pdf").exists()


@pytest.mark.parametrize("args", [["--layout", "single", "--lang", "es"], []])
def test_render_in_a_language_the_handout_lacks_is_an_error(library, tmp_path, args):
    _optional_spanish(library)
    _without(library, "english-only")
    result = CliRunner().invoke(cli, ["render", "english-only", "--library", str(library),
                                      "-o", str(tmp_path / "x.pdf"), *args])
    assert result.exit_code == 1, result.output
    assert ("es: handout 'english-only' cannot be rendered in Spanish (es): its Spanish text "
            "is missing (title, summary," in result.output)
    assert not (tmp_path / "x.pdf").exists()


def test_render_in_a_language_the_handout_has_still_works(library, tmp_path):
    _optional_spanish(library)
    _without(library, "english-only")
    result = CliRunner().invoke(cli, ["render", "english-only", "--library", str(library),
                                      "--layout", "single", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 0, result.output
    assert "[language-missing" in result.output
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF-")


def test_translations_of_a_language_the_handout_lacks(library):
    _optional_spanish(library)
    _without(library, "english-only")
    run = CliRunner().invoke
    status = run(cli, ["translations", "status", "english-only", "--library", str(library)])
    assert status.exit_code == 1, status.output
    assert "has no Spanish text (es)" in status.output
    confirm = run(cli, ["translations", "confirm", "english-only", "--lang", "es",
                        "--library", str(library)])
    assert confirm.exit_code == 1, confirm.output
    assert "handout 'english-only' cannot be confirmed in Spanish (es)" in confirm.output
    assert run(cli, ["translations", "confirm", "english-only", "--library",
                     str(library)]).exit_code == 0
