"""Loader behaviour beyond single bad-input cases: many errors at once, limits, round trip."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pdfgen.load import load_clinic, load_library, load_procedure
from pdfgen.model import Bullets, Paragraph
from pdfgen.yamlio import MAX_BYTES

from .conftest import SAMPLE

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"


def _clinic():
    clinic, findings = load_clinic(SAMPLE / "clinic.yaml")
    assert clinic is not None and not findings
    return clinic


def _write(folder: Path, text: str, name: str = "minimal.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_handout_loads_into_the_model(tmp_path):
    path = _write(tmp_path, MINIMAL.read_text(encoding="utf-8"))
    proc, findings = load_procedure(path, _clinic())
    assert findings == []
    assert proc.id == "minimal" and proc.version == "1.0"
    assert proc.updated == dt.date(2026, 11, 1) and proc.reviewed is None
    assert proc.pending_review and not proc.old_review_fields and proc.reviewer("en") == ""
    assert proc.title["es"] == "Procedimiento de prueba"
    assert isinstance(proc.sections[0].body[0], Paragraph)
    assert isinstance(proc.sections[0].body[1], Bullets)
    assert proc.sections[0].body[1].items[0]["en"] == "First point"
    assert proc.alternatives.doing_nothing["en"] == "Ask what happens if you wait."


SIGNED = """updated: 2026-11-01
reviewed:
  date: 2026-11-20
  by: Dr. Ana Ruiz
  role:
    en: a spine surgeon
    es: una cirujana de columna
"""
PENDING_LINES = "updated: 2026-11-01\n# no `reviewed:`: pending clinical review\n"


def test_a_signed_off_handout_loads_its_review(tmp_path):
    text = MINIMAL.read_text(encoding="utf-8").replace(PENDING_LINES, SIGNED)
    proc, findings = load_procedure(_write(tmp_path, text), _clinic())
    assert findings == []
    assert proc.updated == dt.date(2026, 11, 1) and proc.reviewed == dt.date(2026, 11, 20)
    assert proc.reviewed_by == "Dr. Ana Ruiz" and not proc.pending_review
    assert proc.reviewer("es") == "una cirujana de columna"
    assert proc.shown_date == dt.date(2026, 11, 20)
    assert (proc.pos_of("reviewed.date").line, proc.pos_of("updated").line) == (6, 4)


@pytest.mark.parametrize("by,pending", [('""', True), ('"Dr. Ana Ruiz"', False)])
def test_the_old_shape_still_loads_meaning_what_it_meant(tmp_path, by, pending):
    """`reviewed: DATE` with an empty `reviewed_by:` said when the text was written; with a
    name, that it was reviewed that day (by no role the PDF can name)."""
    text = MINIMAL.read_text(encoding="utf-8").replace(
        PENDING_LINES, f"reviewed: 2026-11-01\nreviewed_by: {by}\n")
    proc, findings = load_procedure(_write(tmp_path, text), _clinic())
    assert findings == [] and proc.old_review_fields
    assert proc.updated == dt.date(2026, 11, 1) and proc.pending_review is pending
    assert proc.reviewed == (None if pending else dt.date(2026, 11, 1))
    assert proc.reviewer("en") == ""


def test_every_error_in_a_file_is_reported_in_one_run(tmp_path):
    text = (MINIMAL.read_text(encoding="utf-8")
            .replace("version: \"1.0\"", "version: \"1.0\"\nversoin: 2")
            .replace("updated: 2026-11-01", "updated: soon")
            .replace("es: Menos dolor", "es: ''")
            .replace("{en: Infection, es: Infección}", "{en: Infection}")
            .replace("specialty: spine", "specialty: spien"))
    proc, findings = load_procedure(_write(tmp_path, text), _clinic())
    assert proc is None
    got = sorted((f.pos.line, f.field) for f in findings)
    assert got == [(3, "versoin"), (4, "specialty"), (5, "updated"),
                   (16, "benefits[1].es"), (20, "risks.items[1]")]
    by_field = {f.field: f.message for f in findings}
    assert "did you mean 'version'?" in by_field["versoin"]
    assert "did you mean 'spine'?" in by_field["specialty"]


def test_yaml_words_that_look_like_booleans_stay_text(tmp_path):
    # YAML 1.1 reads a bare No as false; in Spanish it is the word "No".
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "{en: Medicine, es: Medicina}", "{en: No, es: No}").replace('version: "1.0"',
                                                                    "version: 1.10")
    proc, findings = load_procedure(_write(tmp_path, text), _clinic())
    assert findings == []
    assert proc.alternatives.options[0]["es"] == "No"
    assert proc.version == "1.10"  # as written, not the float 1.1


def test_file_over_the_size_limit_is_refused_unparsed(tmp_path):
    path = _write(tmp_path, "id: minimal\n# " + "x" * MAX_BYTES + "\n")
    proc, findings = load_procedure(path, _clinic())
    assert proc is None
    assert len(findings) == 1 and "over the 1,048,576-byte limit" in findings[0].message


def test_anchors_and_aliases_are_refused(tmp_path):
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "benefits:\n  - {en: Less pain, es: Menos dolor}",
        "benefits:\n  - &b {en: Less pain, es: Menos dolor}\n  - *b")
    proc, findings = load_procedure(_write(tmp_path, text), _clinic())
    assert proc is None
    assert [(f.pos.line, f.message) for f in findings] == [
        (16, "YAML anchors and aliases (& and *) are not supported")]


def test_empty_file(tmp_path):
    proc, findings = load_procedure(_write(tmp_path, "# nothing yet\n"), _clinic())
    assert proc is None and findings[0].message == "file is empty"


def test_sample_library_loads_clean_and_round_trips():
    result = load_library(SAMPLE)
    assert result.ok, "\n".join(map(str, result.findings))
    assert result.findings == ()
    lib = result.library
    assert [p.id for p in lib.procedures] == ["hemilaminectomy"]
    proc = lib.procedure("hemilaminectomy")
    assert proc.specialty == "spine" and proc.pending_review
    assert lib.clinic.phone == "817-697-4038" and lib.clinic.fax == "877-409-3962"
    assert lib.clinic.telemedicine
    assert 6 <= len(proc.prompts) <= 10
    # every text of the handout is present in both languages
    for field, text in proc.texts():
        assert text.langs == ("en", "es"), field
        assert all(text[code].strip() for code in ("en", "es")), field


def test_one_bad_handout_does_not_hide_the_good_ones(library):
    shutil.copy(MINIMAL, library / "minimal.yaml")
    (library / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    result = load_library(library)
    assert not result.ok
    assert [p.id for p in result.library.procedures] == ["hemilaminectomy", "minimal"]
    assert len(result.failed) == 1 and result.failed[0].endswith("broken.yaml")
