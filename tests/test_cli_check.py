"""`pdfgen check` as a user runs it: exit codes, finding lines, JSON, and which library it picks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pdfgen.cli import cli

from .conftest import REPO, SAMPLE

WAIVED = ", 1 waived (--show-waived lists them)"  # the sample's pending-review waiver
SAMPLE_SUMMARY = "checked 2 files (1 handout): 0 errors, 0 warnings" + WAIVED

# A complete handout whose second risk has no Spanish text: the one defect it holds.
KNEE = """\
id: knee
version: "1.0"
specialty: orthopedics
reviewed: 2026-11-01
reviewed_by: ""
title: {en: Knee scope, es: Artroscopia de rodilla}
summary: {en: A short summary., es: Un resumen corto.}
sections:
  - heading: {en: "What is it?", es: "¿Qué es?"}
    body:
      - {en: One paragraph., es: Un párrafo.}
benefits:
  - {en: Less pain, es: Menos dolor}
risks:
  intro: {en: All surgery has risks., es: Toda cirugía tiene riesgos.}
  items:
    - {en: Infection, es: Infección}
    - {en: Bleeding}
alternatives:
  options:
    - {en: Medicine, es: Medicina}
  doing_nothing: {en: Ask what happens if you wait., es: Pregunte qué pasa si espera.}
prompts:
  - {en: "Why do I need it?", es: "¿Por qué la necesito?"}
  - {en: "What are my risks?", es: "¿Cuáles son mis riesgos?"}
  - {en: "What else can I do?", es: "¿Qué más puedo hacer?"}
call_when:
  - {en: You have a fever., es: Tiene fiebre.}
"""


def _defect_pos() -> tuple[int, int]:
    """Line and column (both from 1) of the mapping that lacks its Spanish text."""
    lines = KNEE.splitlines()
    (index,) = [i for i, line in enumerate(lines) if line.endswith("{en: Bleeding}")]
    return index + 1, lines[index].index("{") + 1


def _broken(library: Path) -> str:
    """Write knee.yaml into the library copy; return the finding line `check` must print."""
    (library / "knee.yaml").write_text(KNEE, encoding="utf-8")
    line, col = _defect_pos()
    return f"handouts/knee.yaml:{line}:{col}: risks.items[2]: missing Spanish text (es)"


def _check(*args: str):
    return CliRunner().invoke(cli, ["check", *args])


def test_defect_position_is_where_the_file_says():
    assert _defect_pos() == (18, 7)  # guards the helper itself against a silent off-by-one


def test_sample_library_is_clean_even_strict():
    result = _check(str(SAMPLE), "--strict", "--show-waived")
    assert result.exit_code == 0, result.output
    *findings, summary = result.output.splitlines()
    assert summary == SAMPLE_SUMMARY
    # the one waived rule: the sample is unreviewed on purpose, and says so
    assert len(findings) == 1 and ": waived: reviewed:" in findings[0], findings
    assert "(first review due by 2027-11-01)" in findings[0]


def test_broken_handout_is_named_file_line_col_field_message(library, monkeypatch):
    expected = _broken(library)
    monkeypatch.chdir(library.parent)
    result = _check("handouts")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        expected,
        "checked 3 files (2 handouts): 1 error, 0 warnings" + WAIVED,
    ]


def test_one_bad_handout_does_not_stop_the_others_being_counted(library, monkeypatch):
    expected = _broken(library)
    (library / "also-bad.yaml").write_text("id: also-bad\ntitle: [\n", encoding="utf-8")
    monkeypatch.chdir(library.parent)
    result = _check("handouts")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("handouts/also-bad.yaml:3:1: YAML syntax error:")
    assert lines[1:] == [expected, "checked 4 files (3 handouts): 2 errors, 0 warnings" + WAIVED]


def test_single_file_path_is_checked_against_its_clinic(library, monkeypatch):
    expected = _broken(library)
    monkeypatch.chdir(library.parent)
    result = _check("handouts/knee.yaml")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        expected, "checked 1 file (1 handout): 1 error, 0 warnings"]  # knee waives nothing


def test_single_clean_file_exits_0():
    result = _check(str(SAMPLE / "hemilaminectomy.yaml"))
    assert result.exit_code == 0, result.output
    assert result.output == "checked 1 file (1 handout): 0 errors, 0 warnings" + WAIVED + "\n"


def test_single_file_without_a_clinic_beside_it(tmp_path, monkeypatch):
    (tmp_path / "knee.yaml").write_text(KNEE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _check("knee.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "knee.yaml: no clinic.yaml beside this file to check it against",
        "checked 1 file (0 handouts): 1 error, 0 warnings",
    ]


def test_json_format(library, monkeypatch):
    _broken(library)
    line, col = _defect_pos()
    monkeypatch.chdir(library.parent)
    result = _check("handouts", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert {k: report[k] for k in ("files", "handouts", "errors", "warnings")} == {
        "files": 3, "handouts": 2, "errors": 1, "warnings": 0}
    assert [f["rule"] for f in report["findings"] if f["severity"] == "waived"] == [
        "pending-review"]
    errors = [f for f in report["findings"] if f["severity"] != "waived"]
    assert len(errors) == 1
    finding = errors[0]
    assert {k: finding[k] for k in ("file", "line", "col", "field", "message")} == {
        "file": "handouts/knee.yaml",
        "line": line,
        "col": col,
        "field": "risks.items[2]",
        "message": "missing Spanish text (es)",
    }
    assert finding["severity"] == "error"


def test_json_format_of_a_clean_library():
    result = _check(str(SAMPLE), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {k: report[k] for k in ("files", "handouts", "errors", "warnings", "waived")} == {
        "files": 2, "handouts": 1, "errors": 0, "warnings": 0, "waived": 1}
    assert [(f["severity"], f["rule"]) for f in report["findings"]] == [
        ("waived", "pending-review")]


def test_json_keeps_non_ascii_text_readable(library, monkeypatch):
    (library / "knee.yaml").write_text(
        KNEE.replace("es: Infección}", "es: Infección, fr: Infection}"), encoding="utf-8")
    monkeypatch.chdir(library.parent)
    result = _check("handouts/knee.yaml", "--format", "json")
    messages = [f["message"] for f in json.loads(result.output)["findings"]]
    assert messages[0] == ("unknown language code 'fr'; the clinic's languages are en, es "
                           "(clinic.yaml)")
    assert "\\u" not in result.output


def test_nonexistent_path_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _check("no-such-folder")
    assert result.exit_code == 2
    assert "no-such-folder: no such file or folder" in result.output
    assert "checked" not in result.output


def test_unknown_format_is_a_usage_error():
    result = _check(str(SAMPLE), "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of 'text', 'json'" in result.output


def test_no_path_and_no_local_handouts_checks_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not (tmp_path / "handouts").exists()
    result = _check()
    assert result.exit_code == 0, result.output
    assert result.output == SAMPLE_SUMMARY + "\n"


def test_no_path_uses_local_handouts_when_present(library, monkeypatch):
    expected = _broken(library)
    monkeypatch.chdir(library.parent)
    result = _check()
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == expected


def test_python_dash_m_entry_point(library):
    expected = _broken(library)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    proc = subprocess.run([sys.executable, "-m", "pdfgen", "check", "handouts"],
                          cwd=library.parent, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        expected, "checked 3 files (2 handouts): 1 error, 0 warnings" + WAIVED]
    assert proc.stderr == ""
