"""`pdfgen render` as a user runs it: files appear, failures leave the old PDF untouched."""

from __future__ import annotations

from click.testing import CliRunner

from pdfgen.cli import cli

from .pdfread import read_pdf


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_render_default_and_named_output(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("render", "hemilaminectomy", "--library", str(library))
    assert result.exit_code == 0, result.output
    out = tmp_path / "hemilaminectomy.bilingual.pdf"
    assert out.is_file() and "wrote hemilaminectomy.bilingual.pdf" in result.output
    assert read_pdf(out.read_bytes()).reader.trailer["/Root"]["/Lang"] == "en-US"
    result = _run("render", "hemilaminectomy", "--library", str(library), "--layout", "single",
                  "--lang", "es", "-o", "mail/paciente.pdf")
    assert result.exit_code == 0, result.output
    pdf = read_pdf((tmp_path / "mail" / "paciente.pdf").read_bytes())
    assert pdf.reader.trailer["/Root"]["/Lang"] == "es-MX"
    assert all("Página" in page for page in pdf.pages)
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["paciente.pdf"]  # no temp left


def test_failed_render_keeps_the_previous_pdf(library, tmp_path):
    out = tmp_path / "h.pdf"
    result = _run("render", "hemilaminectomy", "--library", str(library), "-o", str(out))
    assert result.exit_code == 0
    before = out.read_bytes()
    handout = library / "hemilaminectomy.yaml"
    handout.write_text(handout.read_text(encoding="utf-8").replace(
        "es: Hemilaminectomía", "es: ''", 1), encoding="utf-8")
    result = _run("render", "hemilaminectomy", "--library", str(library), "-o", str(out))
    assert result.exit_code == 1
    assert "hemilaminectomy.yaml:18:7: title.es: Spanish text is empty" in result.output
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.pdf", "handouts"]


def test_missing_glyph_stops_render_with_file_and_field(library, tmp_path):
    handout = library / "hemilaminectomy.yaml"
    handout.write_text(handout.read_text(encoding="utf-8").replace(
        "en: How could this surgery help me?", "en: ☐ How could this surgery help me?"),
        encoding="utf-8")
    result = _run("render", "hemilaminectomy", "--library", str(library),
                  "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert "hemilaminectomy.yaml:" in result.output and "prompts[2].en" in result.output
    assert "U+2610" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_usage_errors_exit_2(library):
    result = _run("render", "nope", "--library", str(library))
    assert result.exit_code == 2 and "no handout 'nope' in" in result.output
    assert _run("render", "hemilaminectomy", "--library", str(library),
                "--layout", "nope").exit_code == 2
    result = _run("render", "hemilaminectomy", "--library", str(library), "--layout", "single",
                  "--lang", "en,es")
    assert result.exit_code == 2 and "prints one language" in result.output
