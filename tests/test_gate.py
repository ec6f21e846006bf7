"""One gate for every command: what `check` refuses, `render`, `email` and `build` refuse the
same way; an overdue review stops render and email unless allowed, and then it is printed;
output paths are checked before any work; nothing a user types reaches the terminal raw."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdfgen.cli import INTERNAL_ERROR, cli

from .conftest import SAMPLE, needs, signed_off
from .pdfread import norm, read_pdf

HID = "hemilaminectomy"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def make_overdue(library: Path) -> None:
    """Reviewed by a clinician in January 2024; the clinic reviews every 12 months."""
    handout = library / f"{HID}.yaml"
    handout.write_text(signed_off(handout.read_text(encoding="utf-8"), "2024-01-15",
                                  by='"Dr. A. Example"'), encoding="utf-8")


def edited_layout(tmp_path: Path, monkeypatch, old: str, new: str) -> Path:
    """./layouts/bilingual.yaml (which pdfgen takes over the bundled one), edited; the
    working folder is tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    layout = tmp_path / "layouts" / "bilingual.yaml"
    shutil.copy(SAMPLE.parent / "layouts" / "bilingual.yaml", layout)
    edit(layout, old, new)
    return layout


def pdf_text(path: Path) -> list[str]:
    return read_pdf(path.read_bytes()).pages


# -- an overdue clinical review: refused, or allowed and printed --------------------------------


def test_render_refuses_an_overdue_handout_with_file_and_line(library, tmp_path):
    make_overdue(library)
    out = tmp_path / "h.pdf"
    result = run("render", HID, "--library", str(library), "-o", str(out))
    assert result.exit_code == 1
    assert f"{HID}.yaml:11:9: reviewed.date: clinical review overdue since 2025-01-15" \
        in result.output
    assert not out.exists()


def test_render_allow_overdue_prints_review_overdue_in_each_language(library, tmp_path):
    make_overdue(library)
    out = tmp_path / "h.pdf"
    result = run("render", HID, "--library", str(library), "-o", str(out), "--allow-overdue")
    assert result.exit_code == 0, result.output
    assert "clinical review overdue since 2025-01-15" in result.output  # still said, on stderr
    pages = pdf_text(out)
    # the footer of every page, in English and Spanish
    assert all("Review overdue" in page and "Revisión vencida" in page for page in pages)


@needs("pdfinfo")
def test_review_overdue_is_in_the_tagged_status_line(library, tmp_path):
    """The footer is page furniture a screen reader skips: the status line under the title
    is tagged body text, so it must say 'Review overdue' too, in each language."""
    make_overdue(library)
    out = tmp_path / "h.pdf"
    assert run("render", HID, "--library", str(library), "-o", str(out),
               "--allow-overdue").exit_code == 0
    struct = subprocess.run(["pdfinfo", "-struct-text", str(out)], capture_output=True,
                            text=True, check=True).stdout
    assert "Review overdue" in struct and "Revisión vencida" in struct


def test_a_current_handout_says_nothing_about_overdue(library, tmp_path):
    out = tmp_path / "h.pdf"
    assert run("render", HID, "--library", str(library), "-o", str(out)).exit_code == 0
    assert not any("Review overdue" in page for page in pdf_text(out))


def test_email_refuses_an_overdue_handout_and_allows_it_with_the_flag(library, tmp_path,
                                                                     monkeypatch):
    make_overdue(library)
    with open(library / "clinic.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nemail:\n  host: smtp.example.org\n  from: handouts@example.org\n")
    monkeypatch.chdir(tmp_path)
    eml = tmp_path / "msg.eml"
    args = ("email", HID, "--library", str(library), "--to", "ana@example.com", "--lang", "es",
            "--eml", str(eml))
    result = run(*args)
    assert result.exit_code == 1 and "clinical review overdue" in result.output
    assert not eml.exists()
    result = run(*args, "--allow-overdue")
    assert result.exit_code == 0, result.output
    import email as email_lib
    import email.policy

    msg = email_lib.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    pdf = next(msg.iter_attachments()).get_content()
    assert all("Revisión vencida" in page for page in read_pdf(pdf).pages)


def test_build_still_refuses_an_overdue_handout(library, tmp_path):
    make_overdue(library)
    result = run("build", "--library", str(library), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "clinical review overdue" in result.output
    assert not list((tmp_path / "out").glob("*/*.pdf"))


# -- a first review overdue (never reviewed for longer than review_months): the same --------


def make_never_reviewed_since_2019(library: Path) -> None:
    """Written in March 2019, never reviewed: its pending-review waiver no longer covers it."""
    edit(library / f"{HID}.yaml", "updated: 2026-11-01", "updated: 2019-03-04")


def test_a_first_review_overdue_is_refused_by_render_and_build_the_waiver_notwithstanding(
        library, tmp_path):
    make_never_reviewed_since_2019(library)
    out = tmp_path / "h.pdf"
    result = run("render", HID, "--library", str(library), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert (f"{HID}.yaml:9:10: updated: first clinical review overdue since 2020-03-04"
            in result.output)
    result = run("build", "--library", str(library), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "first-review-overdue" in result.output
    assert not list((tmp_path / "out").glob("*/*.pdf"))


@needs("pdfinfo")
def test_render_allow_overdue_stamps_a_first_review_overdue(library, tmp_path):
    """--allow-overdue lets it through like an overdue review: every page, and the tagged
    status line, say "Review overdue" beside "Pending clinical review", in each language."""
    make_never_reviewed_since_2019(library)
    out = tmp_path / "h.pdf"
    result = run("render", HID, "--library", str(library), "-o", str(out), "--allow-overdue")
    assert result.exit_code == 0, result.output
    assert "first clinical review overdue since 2020-03-04" in result.output  # still said
    for page in pdf_text(out):
        for words in ("Review overdue", "Revisión vencida", "Updated March 2019",
                      "Pending clinical review", "Actualizado: marzo de 2019",
                      "Pendiente de revisión clínica"):
            assert words in page, words
    struct = subprocess.run(["pdfinfo", "-struct-text", str(out)], capture_output=True,
                            text=True, check=True).stdout
    assert "Review overdue" in struct and "Revisión vencida" in struct


def test_the_reviewers_role_is_checked_where_it_is_printed(library, tmp_path):
    """"Reviewed <month year> by <role>" is printed in the status line under the title (the
    compact footer leaves the role out): a long role wraps there and renders; a character
    the font lacks is an error at the role's line."""
    handout = library / f"{HID}.yaml"
    handout.write_text(signed_off(handout.read_text(encoding="utf-8")), encoding="utf-8")
    assert run("check", str(library), "--strict").exit_code == 0
    edit(handout, "es: un cirujano de columna",
         "es: un cirujano de columna vertebral con muchos años de experiencia clínica")
    assert run("check", str(library), "--strict").exit_code == 0
    out = tmp_path / "long-role.pdf"
    assert run("render", HID, "--library", str(library), "-o", str(out)).exit_code == 0
    first = norm(pdf_text(out)[0])
    assert "por un cirujano de columna vertebral con muchos años de experiencia clínica" in first
    edit(handout, "en: a spine surgeon", "en: a spine surgeon ✓")
    assert "reviewed.role.en: character '✓'" in run("check", str(library)).output


# -- check refuses what render and build would refuse ---------------------------------------------

GLYPHS = ["µ", "→", "✓", "\u00ad", "\u200d"]


@pytest.mark.parametrize("char", GLYPHS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_character_the_font_lacks_fails_check_strict_render_and_build_alike(library, tmp_path,
                                                                             char):
    edit(library / f"{HID}.yaml", "en: How could this surgery help me?",
         f"en: How could this{char}surgery help me?")
    code = f"U+{ord(char):04X}"
    check = run("check", str(library))
    assert check.exit_code == 1 and code in check.output, check.output
    assert "prompts[2].en" in check.output and "[missing-glyph:" in check.output
    render = run("render", HID, "--library", str(library), "-o", str(tmp_path / "x.pdf"))
    assert render.exit_code == 1 and code in render.output
    build = run("build", "--library", str(library), "--out", str(tmp_path / "out"))
    assert build.exit_code == 1 and code in build.output
    # the same line, word for word, from check and from render
    line = next(x for x in check.output.splitlines() if code in x)
    assert line in render.output.splitlines()


@pytest.mark.parametrize("change,message", [
    ("s/body: 12pt/body: 0pt/", "sizes.body: 0pt is outside 6-72 pt"),
    ("s/body: 12pt/body: 10000pt/", "sizes.body: 10000pt is outside 6-72 pt"),
    ("s/top: 0.5in, right: 0.5in, bottom: 0.5in/top: 3in, right: 0.5in, bottom: 3in/",
     "page.margins.top: the page leaves 294 pt for text"),
    ("s/right: 0.5in, bottom: 0.5in, left: 0.5in/right: 2.5in, bottom: 0.5in, left: 2.5in/",
     "body lines hold about 21 characters: too short"),
])
def test_a_broken_layout_fails_check_and_render_with_its_line(library, tmp_path, monkeypatch,
                                                              change, message):
    edited_layout(tmp_path, monkeypatch, *change[2:-1].split("/"))
    check = run("check", "--strict", str(library))
    assert check.exit_code == 1 and message in check.output, check.output
    assert "layouts/bilingual.yaml:" in check.output
    render = run("render", HID, "--library", str(library), "--strict", "-o", "x.pdf")
    assert render.exit_code == 1 and message in render.output, render.output
    assert not (tmp_path / "x.pdf").exists()


def test_check_strict_clean_means_build_clean_on_the_sample(library, tmp_path):
    assert run("check", "--strict", str(library)).exit_code == 0
    result = run("build", "--strict", "--library", str(library), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output


# -- output paths, checked before any work ---------------------------------------------------------


def test_o_naming_a_folder_writes_the_default_name_inside_it(library, tmp_path):
    folder = tmp_path / "printouts"
    folder.mkdir()
    result = run("render", HID, "--library", str(library), "-o", str(folder))
    assert result.exit_code == 0, result.output
    assert (folder / f"{HID}.bilingual.pdf").read_bytes().startswith(b"%PDF-")


def test_o_never_replaces_a_file_that_is_not_a_pdf(library, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    result = run("render", HID, "--library", str(library), "-o", str(notes))
    assert result.exit_code == 2
    assert "exists and is not a PDF: pdfgen will not replace it" in result.output
    assert notes.read_text(encoding="utf-8") == "my notes"
    result = run("render", HID, "--library", str(library), "-o", str(notes), "--force")
    assert result.exit_code == 0 and notes.read_bytes().startswith(b"%PDF-")


def test_o_never_replaces_the_clinic_profile(library):
    clinic = library / "clinic.yaml"
    before = clinic.read_bytes()
    result = run("render", HID, "--library", str(library), "-o", str(clinic))
    assert result.exit_code == 2 and "is a file of" in result.output
    assert clinic.read_bytes() == before


def test_o_replaces_a_pdf(library, tmp_path):
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.4 an older printout")
    assert run("render", HID, "--library", str(library), "-o", str(old)).exit_code == 0
    assert len(old.read_bytes()) > 10_000


@pytest.mark.parametrize("target,words", [
    ("/proc/pdfgen-test.pdf", "cannot write /proc/pdfgen-test.pdf"),
    ("{tmp}/afile/x.pdf", "is not a folder"),
])
def test_unwritable_outputs_are_one_line(library, tmp_path, target, words):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target = target.format(tmp=tmp_path)
    result = run("render", HID, "--library", str(library), "-o", target)
    assert result.exit_code == 1, result.output
    assert words in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                         capture_output=True)
    return res.returncode == 0


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(library, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount_tmpfs(disk, "40k"):
        pytest.skip("needs root and a mountable tmpfs to make a real full disk")
    try:
        result = run("render", HID, "--library", str(library), "-o", str(disk / "h.pdf"))
        assert result.exit_code == 1, result.output
        assert "cannot write" in result.output and "no space left on the disk" in result.output
        assert list(disk.iterdir()) == []  # no half-written PDF, no temporary file
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_read_only_folder_as_a_normal_user(library):
    """Root may write anywhere, so this runs pdfgen as 'nobody' (skipped where it cannot)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run pdfgen as an unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="pdfgen-ro-"))  # pytest's own folders are 0700
    try:
        os.chmod(base, 0o755)
        folder = base / "ro"
        folder.mkdir(mode=0o555)
        os.chmod(folder, 0o555)
        shutil.copytree(library, base / "lib")
        res = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                              sys.executable, "-m", "pdfgen", "render", HID, "--library",
                              str(base / "lib"), "-o", str(folder / "h.pdf")],
                             capture_output=True, text=True, cwd=str(base),
                             env={**os.environ, "HOME": str(base)})
        if res.returncode in (126, 127) or "No module named pdfgen" in res.stderr \
                or res.stderr.startswith(("Could not find platform", "Fatal Python error")):
            pytest.skip(f"'nobody' cannot run this Python: {res.stderr.strip()[-200:]}")
        assert res.returncode == 1, res.stderr
        assert f"no permission to write in {folder}" in res.stderr
        assert "Traceback" not in res.stderr and list(folder.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- exit codes and what reaches the terminal --------------------------------------------------


@pytest.mark.parametrize("args", [
    ("render", "nope"), ("email", "nope", "--to", "a@example.org", "--dry-run"),
    ("translations", "confirm", "nope"), ("translations", "status", "nope"),
    ("build", "--only", "nope"),
])
def test_an_unknown_handout_is_a_usage_error_in_every_command(library, tmp_path, args):
    result = run(*args, "--library", str(library), *(("--out", str(tmp_path / "o"))
                                                     if args[0] == "build" else ()))
    assert result.exit_code == 2, result.output
    assert "nope" in result.output


def test_escape_codes_in_a_file_name_are_printed_escaped(library):
    shutil.copy(library / f"{HID}.yaml", library / "\x1b[31mred.yaml")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "\\x1b[31mred.yaml" in result.output


def test_escape_codes_never_reach_json_either(library):
    shutil.copy(library / f"{HID}.yaml", library / "\x1b[31mred\u202e.yaml")
    result = run("check", "--format", "json", str(library))
    assert "\x1b" not in result.output and "\u202e" not in result.output
    import json

    files = {f["file"] for f in json.loads(result.output)["findings"]}
    assert any("\x1b[31mred\u202e.yaml" in name for name in files)  # the same data, escaped


def test_a_bug_is_one_line_and_its_own_exit_status(library, monkeypatch):
    import pdfgen.gate

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pdfgen.gate, "gate_handout", broken)
    result = CliRunner().invoke(cli, ["render", HID, "--library", str(library)])
    assert result.exit_code == INTERNAL_ERROR
    assert "internal error: ZeroDivisionError: division by zero" in result.output
    assert "Traceback" not in result.output and "PDFGEN_DEBUG=1" in result.output


# -- found by the fuzz tests and by reading the loader after them --------------------------------


def test_a_layout_without_languages_is_reported_not_a_crash(library, tmp_path, monkeypatch):
    edited_layout(tmp_path, monkeypatch, "languages: 2 ", "# languages: 2 ")
    result = run("check", str(library))
    assert result.exit_code == 1, result.output
    assert "layouts/bilingual.yaml:3:1: languages: missing required key 'languages'" \
        in result.output


def test_two_outputs_without_names_are_reported_not_a_crash(library):
    clinic = library / "clinic.yaml"
    edit(clinic, "  - name: en\n    layout: single", "  - layout: single")
    edit(clinic, "  - name: es\n    layout: single", "  - layout: single")
    result = run("check", str(library))
    assert result.exit_code == 1, result.output
    assert "outputs[2].name: missing required key 'name'" in result.output
    assert "outputs[3].name: missing required key 'name'" in result.output


def test_eml_never_replaces_a_file_that_is_not_a_message(library, tmp_path, monkeypatch):
    with open(library / "clinic.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nemail:\n  host: smtp.example.org\n  from: handouts@example.org\n")
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    result = run("email", HID, "--library", str(library), "--to", "ana@example.com",
                 "--eml", str(notes))
    assert result.exit_code == 2
    assert "exists and is not an email message: pdfgen will not replace it (pick another " \
           "name)" in result.output  # email has no --force to suggest
    assert notes.read_text(encoding="utf-8") == "my notes"


# -- review fixes: each case a reviewer found where check and build disagreed, or worse ----------


def test_an_output_its_layout_cannot_print_fails_check_and_build_alike(library, tmp_path):
    edit(library / "clinic.yaml", "    layout: bilingual\n    languages: [en, es]",
         "    layout: bilingual\n    languages: [es]")
    at = (library / "clinic.yaml").read_text().splitlines().index("  - name: bilingual") + 1
    line = (f"clinic.yaml:{at}:5: outputs[1]: output 'bilingual': layout 'bilingual' prints 2 "
            "languages side by side, and this output lists 1 (es)")
    check = run("check", "--strict", str(library))
    assert check.exit_code == 1 and line in check.output, check.output
    build = run("build", "--library", str(library), "--out", str(tmp_path / "out"))
    assert build.exit_code == 1 and line in build.output, build.output
    assert (tmp_path / "out" / HID / f"{HID}.en.pdf").is_file()  # the others are built


def test_a_one_language_clinic_gets_no_bilingual_pdf_by_default():
    from dataclasses import replace

    from pdfgen.load import load_library

    clinic = load_library(SAMPLE).library.clinic
    one = replace(clinic, languages=clinic.languages[:1], outputs=())
    assert [(o.name, o.layout, o.langs) for o in one.output_matrix()] == [("en", "single",
                                                                          ("en",))]
    two = replace(clinic, outputs=())
    assert [o.name for o in two.output_matrix()] == ["bilingual", "en", "es"]


def test_a_heading_taller_than_a_page_is_split_not_a_layout_error(library, tmp_path):
    handout = library / f"{HID}.yaml"
    edit(handout, "      en: What is a hemilaminectomy?", "      en: " + "Hemilaminectomy" * 200)
    edit(handout, "      es: ¿Qué es una hemilaminectomía?",
         "      es: " + "Hemilaminectomía" * 200)
    out = tmp_path / "h.pdf"
    result = run("render", HID, "--library", str(library), "-o", str(out))
    assert result.exit_code == 0, result.output
    # side by side, each page holds a part of both columns (so a word cut at a page break
    # is read in two pieces): long runs of both headings are there, across pages
    pages = ["".join(page.split()) for page in pdf_text(out)]
    runs = [p for p in pages if "Hemilaminectomy" * 20 in p and "Hemilaminectomía" * 20 in p]
    assert len(runs) >= 2, pages[:3]


def test_an_engine_error_in_render_is_one_line_naming_handout_and_layout(library, monkeypatch):
    from reportlab.platypus import BaseDocTemplate
    from reportlab.platypus.doctemplate import LayoutError

    def fail(self, *args, **kwargs):
        raise LayoutError("Flowable <Columns> too large on page 1")

    monkeypatch.setattr(BaseDocTemplate, "build", fail)
    result = CliRunner().invoke(cli, ["render", HID, "--library", str(library)])
    assert result.exit_code == 1, result.output
    assert (f"{HID}.yaml: layout 'bilingual' (en, es): could not be rendered: LayoutError: "
            "Flowable <Columns> too large on page 1") in result.output
    assert "internal error" not in result.output


def test_a_footer_line_wider_than_the_page_fails_check_and_render(library, tmp_path):
    edit(library / "clinic.yaml", "web: https://www.example.org",
         "web: https://www.example.org/departments/orthopedics-and-spine/patient-education/"
         "handouts/for-patients-and-families")
    check = run("check", str(library))
    assert check.exit_code == 1
    # a piece too wide for a line of its own shrinks to 80% (the bilingual footer, at 10 pt,
    # takes it so); large print never shrinks its 16 pt footer
    assert "footer: 'www.example.org/departments/orthopedics-and-spine/patient-education/" \
           "handouts/for-patients-and-families' is 270 pt too wide for the footer in layout " \
           "'large-print'" in check.output
    assert "layout 'bilingual'" not in check.output
    render = run("render", HID, "--library", str(library), "--layout", "large-print", "--lang",
                 "en", "-o", str(tmp_path / "x.pdf"))
    assert render.exit_code == 1 and "270 pt too wide" in render.output
    assert not (tmp_path / "x.pdf").exists()
    assert run("render", HID, "--library", str(library), "-o",
               str(tmp_path / "b.pdf")).exit_code == 0


def test_a_broken_entry_in_layouts_is_a_finding_and_check_goes_on(library, tmp_path,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    os.mkfifo(tmp_path / "layouts" / "old.yaml")
    (tmp_path / "layouts" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = run("check", str(library))
    assert result.exit_code == 1, result.output
    assert "layouts/old.yaml: is a named pipe (FIFO), not a regular file" in result.output
    assert "layouts/gone.yaml: cannot read file: no such file or folder" in result.output
    assert "checked 2 files (1 handout)" in result.output  # and the rest was checked
    build = run("build", "--library", str(library), "--out", str(tmp_path / "out"))
    assert build.exit_code == 0, build.output  # the outputs do not use them


@pytest.mark.parametrize("text,message", [
    ("fonts: {body: Comic Sans}",
     "fonts.body: unknown font family 'Comic Sans'; the bundled families are: Atkinson"),
    ("name: x/../../escaped", "name: 'x/../../escaped' is not this layout's file name "
                              "(custom.yaml): write name: custom"),
])
def test_layout_fonts_and_names_are_checked_where_they_are_written(library, tmp_path,
                                                                   monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "custom.yaml").write_text(
        f"extends: single\nname: custom\ndescription: x\n{text}\n".replace(
            "name: custom\n", "" if text.startswith("name") else "name: custom\n"))
    result = run("check", str(library))
    assert result.exit_code == 1 and message in result.output, result.output
    assert "layouts/custom.yaml:" in result.output


def test_a_layout_that_inherits_its_name_is_told_to_give_its_own(library, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "mine.yaml").write_text("extends: single\ndescription: x\n")
    result = run("render", HID, "--library", str(library), "--layout", "mine", "--lang", "en")
    assert result.exit_code == 1
    assert "a layout that extends another gives its own name: add name: mine" in result.output
    assert not list(tmp_path.glob("*.pdf"))


def test_checking_one_handout_file_runs_the_layout_gates_too(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "single.yaml").write_text(
        (SAMPLE.parent / "layouts" / "single.yaml").read_text()
        + "leading: 1.8\nfooter: {height: 5in}\n")
    result = run("check", "--strict", str(library / f"{HID}.yaml"))
    assert result.exit_code == 1 and "footer.height: the page leaves" in result.output


def test_a_handout_id_is_at_most_80_characters(library):
    long_id = "a" * 81
    text = (library / f"{HID}.yaml").read_text(encoding="utf-8").replace(
        f"id: {HID}", f"id: {long_id}")
    (library / f"{long_id}.yaml").write_text(text, encoding="utf-8")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert "id: an id is at most 80 characters" in result.output


def test_a_raw_line_separator_is_refused_at_its_own_line(library):
    edit(library / f"{HID}.yaml", "  - en: It aims to ease pain caused",
         "  - en: It aims to ease pain\u2028caused")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert (f"{HID}.yaml:199:29: benefits[1].en: character U+2028 (LINE SEPARATOR) is an "
            "invisible line break") in result.output


def test_an_accent_no_letter_holds_is_refused(library, tmp_path):
    edit(library / f"{HID}.yaml", "  en: Hemilaminectomy\n", '  en: "Hemilaminectomy q\\u0303"\n')
    result = run("render", HID, "--library", str(library), "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert "title.en: the accent U+0303 COMBINING TILDE after 'q' has no letter with it" \
        in result.output


def test_margins_keep_the_printers_edge(library, tmp_path, monkeypatch):
    edited_layout(tmp_path, monkeypatch, "margins: {top: 0.5in,", "margins: {top: 0pt,")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert "page.margins.top: the top margin is 0 pt: printers cannot print" in result.output


def test_dates_and_page_numbers_are_glyph_checked_in_their_locale():
    """A locale whose month names the font lacks (Russian here) is caught before render."""
    from dataclasses import replace

    from pdfgen.layout import load_layout
    from pdfgen.load import load_library
    from pdfgen.model import Language
    from pdfgen.render.readiness import check_glyphs

    lib = load_library(SAMPLE).library
    clinic = replace(lib.clinic, languages=(Language("en", "ru-RU", "Русский"),
                                            lib.clinic.languages[1]))
    found = [str(f) for f in check_glyphs(lib.procedures[0], clinic, load_layout("single"),
                                          ("en",))]
    assert any("reviewed date (en)" in f and "CYRILLIC" in f for f in found), found


def test_a_broken_pipe_ends_quietly(library):
    res = subprocess.run(f"{sys.executable} -m pdfgen check --format json {library} | head -c 1",
                         shell=True, capture_output=True, text=True,
                         executable="/bin/bash")
    assert res.stdout == "{" and res.stderr == ""


def test_o_ending_in_a_slash_makes_the_folder_and_dash_writes_to_standard_output(library,
                                                                                  tmp_path):
    result = run("render", HID, "--library", str(library), "-o", f"{tmp_path}/new/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / f"{HID}.bilingual.pdf").is_file()
    result = CliRunner().invoke(cli, ["render", HID, "--library", str(library), "-o", "-"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"%PDF-")


def test_out_inside_the_library_is_refused(library):
    result = run("build", "--library", str(library), "--out", str(library / "out"))
    assert result.exit_code == 2 and "is inside the library folder" in result.output
    assert not (library / "out").exists()


def test_build_only_a_handout_that_cannot_be_read_fails_it(library, tmp_path):
    (library / f"{HID}.yaml").unlink()
    os.mkfifo(library / f"{HID}.yaml")
    result = run("build", "--library", str(library), "--out", str(tmp_path / "o"),
                 "--only", HID)
    assert result.exit_code == 1, result.output
    assert "is a named pipe (FIFO)" in result.output


def test_a_failed_pdf_is_listed_once(library, tmp_path):
    edit(library / f"{HID}.yaml", "  es: Hemilaminectomía\n", "  es: ''\n")
    result = run("build", "--library", str(library), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert sum(f"{HID}.bilingual.pdf" in line for line in lines) == 1, result.output


# -- the second review ---------------------------------------------------------------------------


def test_a_layout_that_leaves_out_the_risks_is_an_error(library, tmp_path, monkeypatch):
    layout = edited_layout(tmp_path, monkeypatch, "  - risks\n", "")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert f"{layout.relative_to(tmp_path)}:" in result.output
    assert "blocks: every handout prints title, summary, sections, benefits, risks, " \
           "alternatives, prompts, call_when (what the content itself must give): add risks" \
        in result.output


def test_check_judges_what_render_can_make_beyond_the_outputs(library, tmp_path):
    """English-only outputs; a Spanish text with a character the font lacks: the front desk
    can still render the Spanish or bilingual PDF, so check refuses it."""
    clinic = library / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    start = text.index("outputs:")
    end = text.index("\n\n", start) if "\n\n" in text[start:] else len(text)
    clinic.write_text(text[:start] + "outputs:\n  - name: en\n    layout: single\n"
                      "    languages: [en]\n" + text[end:], encoding="utf-8")
    edit(library / f"{HID}.yaml", "  es: Hemilaminectomía\n", "  es: Hemilaminectomía µ\n")
    check = run("check", str(library))
    assert check.exit_code == 1 and "title.es: character 'µ' (U+00B5" in check.output
    render = run("render", HID, "--library", str(library), "-o", str(tmp_path / "x.pdf"))
    assert render.exit_code == 1 and "U+00B5" in render.output


def test_the_signature_block_is_measured_against_its_lines(library, tmp_path, monkeypatch):
    layout = edited_layout(tmp_path, monkeypatch, "body: 12pt", "body: 24pt")
    edit(layout, "heading: 15pt", "heading: 28pt")
    edit(layout, "title: 22pt", "title: 32pt")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert "sizes.body: signature block: the label 'Patient name / Nombre del paciente' is " \
           "28 pt wider than its line at 24 pt body text" in result.output


def test_a_language_without_a_catalog_is_an_error(library):
    edit(library / "clinic.yaml", "  - code: es\n    locale: es-MX\n    name: Español\n",
         "  - code: es\n    locale: es-MX\n    name: Español\n"
         "  - code: fr\n    locale: fr-FR\n    name: Français\n")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert "languages[3].code: pdfgen's own labels ('What are the risks?', 'Page 1 of 2'...) " \
           "have no Français translation" in result.output


def test_an_output_name_is_at_most_40_characters(library):
    edit(library / "clinic.yaml", "  - name: en\n", f"  - name: {'e' * 41}\n")
    result = run("check", str(library))
    assert result.exit_code == 1 and "an output name is at most 40 characters" in result.output


def test_a_pasted_bullet_is_a_warning(library):
    edit(library / f"{HID}.yaml", "  - en: You have a fever or chills.",
         '  - en: "• You have a fever or chills."')
    result = run("check", str(library))
    assert "call_when[1].en: starts with '•': the list draws its own mark" in result.output
    assert "[pasted-bullet:" in result.output


def test_a_line_break_in_a_file_name_cannot_forge_a_finding(library):
    shutil.copy(library / f"{HID}.yaml", library / "x\nfake.yaml: all good.yaml")
    result = run("check", str(library))
    assert result.exit_code == 1
    assert not any(line.startswith("fake.yaml") for line in result.output.splitlines())
    assert "x\\nfake.yaml: all good.yaml" in result.output


def test_a_source_date_epoch_that_is_not_a_number_is_a_usage_error(library, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "garbage")
    for args in (("check", str(library)), ("render", HID, "--library", str(library))):
        result = run(*args)
        assert result.exit_code == 2 and "SOURCE_DATE_EPOCH='garbage'" in result.output


def test_a_local_layout_may_extend_the_bundled_one_of_its_name(library, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "single.yaml").write_text(
        "extends: single\nname: single\ndescription: ours\nsizes: {body: 15pt}\n")
    from pdfgen.layout import load_layout

    layout = load_layout("single")
    assert layout.sizes["body"] == 15 and layout.arrangement == "single"
    assert layout.files[0] == "layouts/single.yaml" and len(layout.files) == 3
    result = run("render", HID, "--library", str(library), "--layout", "single", "--lang", "en",
                 "-o", "s.pdf")
    assert result.exit_code == 0, result.output


def test_check_pdf_names_a_bad_pdf_instead_of_crashing(tmp_path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    os.mkfifo(tmp_path / "pipe.pdf")
    result = run("check", "--pdf", str(tmp_path / "locked.pdf"), str(tmp_path / "pipe.pdf"))
    assert result.exit_code == 1
    assert "locked.pdf: is protected by a password" in result.output
    assert "pipe.pdf: is a named pipe (FIFO), not a PDF file" in result.output


def test_a_second_build_into_the_same_folder_is_refused(library, tmp_path):
    from pdfgen.build import open_out_dir

    out = tmp_path / "out"
    held = open_out_dir(out, False)  # as a build that is running holds it
    try:
        result = run("build", "--library", str(library), "--out", str(out), "--jobs", "1")
        assert result.exit_code == 1
        assert "another pdfgen build is writing in this folder" in result.output
        assert not (out / "manifest.json").exists()
    finally:
        held.close()
    assert run("build", "--library", str(library), "--out", str(out), "--jobs", "1"
               ).exit_code == 0


def test_the_most_notes_lines_a_layout_may_ask_for_render(library, tmp_path, monkeypatch):
    """notes_lines: 30 passes check, so it must render: at large print's spacing the notes
    area is taller than a page, and splits (it was a LayoutError)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "big-notes.yaml").write_text(
        "extends: large-print\nname: big-notes\nnotes_lines: 30\n")
    assert run("check", "--strict", str(library)).exit_code == 0
    result = run("render", HID, "--library", str(library), "--layout", "big-notes", "--lang",
                 "en", "-o", str(tmp_path / "big.pdf"))
    assert result.exit_code == 0, result.output
