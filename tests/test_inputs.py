"""Every input a clinic can produce ends in findings, never a traceback, a hang or lost text.

Run as a user runs pdfgen (`pdfgen check`, `build`, `render` on a copy of the sample
library), each case asserts exit status 1, the exact file:line:col and the code point or
reason, and no traceback. Whatever could block (a FIFO, a device) runs pdfgen in a
subprocess with a timeout, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdfgen.cli import cli
from pdfgen.yamlio import _REFUSED_VALUE, MAX_BYTES, MAX_DEPTH, Node, parse_yaml

from .conftest import REPO, SAMPLE, special_file

HANDOUT = "handouts/hemilaminectomy.yaml"
CLINIC = "handouts/clinic.yaml"
TITLE_EN = "  en: Hemilaminectomy\n"  # the sample's English title, the line most cases edit


@pytest.fixture
def lib(library: Path, monkeypatch) -> Path:
    """The sample library copied to ./handouts of a temporary working folder."""
    monkeypatch.chdir(library.parent)
    return library


def _run(*args: str) -> tuple[int, str]:
    """`pdfgen ARGS` in this process: (exit status, stdout and stderr)."""
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"pdfgen {' '.join(args)} raised {result.exception!r}:\n"
                             f"{result.output}") from result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _run_process(cwd: Path, *args: str, timeout: float = 60) -> tuple[int, str]:
    """`python -m pdfgen ARGS` in a process of its own, killed after `timeout` seconds."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "pdfgen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return proc.returncode, output


def _edit(path: Path, old: str, new: str) -> tuple[int, int]:
    """Replace the first `old` in the file; return the line and column (from 1) it began at."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_bytes((text[:index] + new + text[index + len(old):]).encode("utf-8",
                                                                           "surrogatepass"))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


# -- characters that would not print as written ------------------------------------------

ESCAPED = [  # written as a \ escape in double quotes: reported at the text's start (col 7)
    (r"\0", "U+0000 (NUL)", "after \"Hemi\""),
    (r"\e", "U+001B (ESC)", "after \"Hemi\""),
    (r"\x96", "U+0096 (SPA)", "may have meant '–'"),
    (r"\r", "U+000D (CR)", "is a control character"),
    (r"\u202E", "U+202E (RIGHT-TO-LEFT OVERRIDE)", "text-direction control"),
    (r"\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)", "text-direction control"),
    (r"\uD800", "U+D800 (a lone surrogate)", "half of a character"),
    (r"\uFFFE", "U+FFFE (a noncharacter)", "is not text"),
    (r"\N", "U+0085 (NEL)", "is a control character"),
]


@pytest.mark.parametrize("escape,code,words", ESCAPED, ids=[e[1].split()[0] for e in ESCAPED])
def test_control_character_written_as_an_escape(lib, escape, code, words):
    line, _ = _edit(lib / "hemilaminectomy.yaml", TITLE_EN, f'  en: "Hemi{escape}laminectomy"\n')
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{HANDOUT}:{line}:7: title.en: character {code}, written as a \\ escape" in out
    assert words in out
    assert "delete it" in out


RAW = [  # typed or pasted into the file itself: reported at its exact column
    ("\x00", "U+0000 (NUL)"),
    ("\x1b", "U+001B (ESC)"),
    ("\x7f", "U+007F (DEL)"),
    ("\x96", "U+0096 (SPA)"),
    ("\x85", "U+0085 (NEL)"),
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\u2069", "U+2069 (POP DIRECTIONAL ISOLATE)"),
    ("\uffff", "U+FFFF (a noncharacter)"),
    ("\U0010fffe", "U+10FFFE (a noncharacter)"),
]


@pytest.mark.parametrize("char,code", RAW, ids=[r[1].split()[0] for r in RAW])
def test_raw_control_character_in_plain_text(lib, char, code):
    # NUL, ESC, DEL and C1 make PyYAML's reader give up on the whole file (a traceback,
    # once); now each is found at its place and the rest of the file is still read
    line, _ = _edit(lib / "hemilaminectomy.yaml", TITLE_EN, f"  en: Hemi{char}laminectomy\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{HANDOUT}:{line}:11: title.en: character {code}" in out
    assert "translation-stale" not in out  # the title reads "Hemilaminectomy": nothing else


def test_raw_characters_in_quotes_blocks_keys_and_comments_are_placed_exactly(lib):
    path = lib / "hemilaminectomy.yaml"
    title, _ = _edit(path, TITLE_EN, "  en: 'Hemi\x00laminectomy'\n")
    key, _ = _edit(path, "  es: Hemilaminectomía\n", "  e\x1bs: Hemilaminectomía\n")
    block, col = _edit(path, "a bone in your spine", "a bone\x9b in your spine")
    comment, _ = _edit(path, "# Sample content", "# Sample\x07 content")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{HANDOUT}:{title}:12: title.en: character U+0000 (NUL)" in out
    assert f"{HANDOUT}:{key}:4: title.es: character U+001B (ESC)" in out
    assert f"{HANDOUT}:{block}:{col + 6}: summary.en: character U+009B (CSI)" in out
    assert f"{HANDOUT}:{comment}:9: character U+0007 (BEL)" in out
    assert out.count("character U+") == 4 and "unknown key" not in out


def test_thousands_of_control_characters_are_listed_twenty_then_counted(lib):
    (lib / "junk.yaml").write_bytes(b"\x00" * 5000)
    status, out = _run("check", "handouts")
    assert status == 1
    assert "handouts/junk.yaml:1:1: character U+0000 (NUL)" in out
    assert "handouts/junk.yaml:1:20: character U+0000 (NUL)" in out
    assert "handouts/junk.yaml:1:21:" not in out
    assert "handouts/junk.yaml:1:1: 4,980 more characters that cannot be printed" in out


def test_translations_file_with_a_control_character(lib):
    line, _ = _edit(lib / "hemilaminectomy.translations.yaml", "  title: ", "  title: \x00")
    status, out = _run("check", "handouts")
    assert status == 1
    assert (f"handouts/hemilaminectomy.translations.yaml:{line}:10: es.title: "
            "character U+0000 (NUL)") in out


def test_layout_with_a_tag_and_a_control_character(lib):
    (lib.parent / "layouts").mkdir()
    (lib.parent / "layouts" / "custom.yaml").write_text(
        "extends: single\nname: custom\ndescription: !Important for \x1bthe desk\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert "layouts/custom.yaml:3:14: description: '!Important' is read as a YAML tag" in out
    assert "layouts/custom.yaml:3:29: description: character U+001B (ESC)" in out


# -- tags ------------------------------------------------------------------------------------

def test_a_word_read_as_a_yaml_tag_is_refused_not_dropped(lib):
    line, _ = _edit(lib / "hemilaminectomy.yaml", TITLE_EN, "  en: !Important take this\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert (f"{HANDOUT}:{line}:7: title.en: '!Important' is read as a YAML tag, so YAML would "
            "drop it and keep only \"take this\": put the whole text in double quotes: "
            "\"!Important take this\"") in out


@pytest.mark.parametrize("value,shown", [("! take this", "'!'"),
                                         ("!!python/object:os.system ls", "'!!python/object"),
                                         ("!!binary aGk=", "'!!binary'"),
                                         ("!<tag:example.org,2026:x> y", "'!<tag:example.org")])
def test_every_tag_outside_the_core_schema_is_refused(lib, value, shown):
    line, _ = _edit(lib / "hemilaminectomy.yaml", TITLE_EN, f"  en: {value}\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{HANDOUT}:{line}:7: title.en: {shown}" in out and "YAML tag" in out


def test_a_core_tag_that_does_not_fit_its_value_is_a_finding(lib):
    line, _ = _edit(lib / "clinic.yaml", "review_months: 12", "review_months: !!int soon")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{CLINIC}:{line}:16: review_months: 'soon' cannot be read as !!int" in out


# -- nesting -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,col", [("[" * 100_000, 21), ("- " * 100_000 + "x\n", 41),
                                      ("{a: " * 100_000, 81)], ids=["flow", "block", "map"])
def test_deep_nesting_is_one_finding(lib, text, col):
    (lib / "deep.yaml").write_text(text)
    status, out = _run_process(lib.parent, "check", "handouts", timeout=60)
    assert status == 1
    assert (f"handouts/deep.yaml:1:{col}: lists and mappings are nested more than {MAX_DEPTH} "
            "levels deep here") in out
    assert out.count("handouts/deep.yaml") == 1


@pytest.mark.parametrize("unit", ["[", "- ", "{a: "])
def test_a_megabyte_of_nesting_is_refused_in_under_a_second(unit):
    raw = (unit * (MAX_BYTES // len(unit))).encode()
    started = time.perf_counter()
    root, findings = parse_yaml(raw, "deep.yaml")
    seconds = time.perf_counter() - started
    assert root is None and len(findings) == 1 and "nested more than" in findings[0].message
    assert seconds < 1.0, f"{seconds:.2f} s"  # 0.23 s, 0.01 s and 0.01 s here


def test_nesting_up_to_the_limit_is_fine_and_one_more_is_not():
    ok, found = parse_yaml(b"[" * MAX_DEPTH + b"x" + b"]" * MAX_DEPTH, "f")
    assert ok is not None and found == []
    deep, found = parse_yaml(b"[" * (MAX_DEPTH + 1) + b"x" + b"]" * (MAX_DEPTH + 1), "f")
    assert deep is None and [(f.pos.line, f.pos.col) for f in found] == [(1, MAX_DEPTH + 1)]


# -- numbers and dates ----------------------------------------------------------------------

@pytest.mark.parametrize("date", ["9999-12-31", "1899-12-31", "2200-01-01"])
def test_a_review_date_outside_1900_to_2199(lib, date):
    line, _ = _edit(lib / "hemilaminectomy.yaml", "updated: 2026-11-01", f"updated: {date}")
    status, out = _run("check", "handouts")
    assert status == 1
    assert (f"{HANDOUT}:{line}:10: updated: '{date}' is outside the years 1900 to 2199: "
            "check the year") in out


@pytest.mark.parametrize("value", ["1000000000", "0", str(10**400)])
def test_review_months_out_of_range(lib, value):
    line, _ = _edit(lib / "clinic.yaml", "review_months: 12", f"review_months: {value}")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{CLINIC}:{line}:16: review_months: must be between 1 and 120" in out


def test_email_timeout_and_quality_word_limits_are_bounded(lib):
    clinic = lib / "clinic.yaml"
    line, _ = _edit(clinic, "review_months: 12\n", "review_months: 12\nemail:\n  host: "
                    "smtp.example.org\n  from: desk@example.org\n  timeout: 1000000\nquality:\n"
                    "  section_words: 1000000000\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert f"{CLINIC}:{line + 4}:12: email.timeout: must be between 1 and 600" in out
    assert (f"{CLINIC}:{line + 6}:18: quality.section_words: must be between 1 and 10,000"
            in out)


def test_a_layout_asking_for_a_hundred_million_note_lines(lib):
    # rendering them never ended; 40 fill a page
    (lib.parent / "layouts").mkdir()
    (lib.parent / "layouts" / "notes.yaml").write_text(
        "extends: single\nname: notes\ndescription: room for notes\nnotes_lines: 100000000\n")
    status, out = _run("render", "hemilaminectomy", "--layout", "notes", "-o", "n.pdf")
    assert status == 1
    assert "layouts/notes.yaml:4:14: notes_lines: must be between 0 and 30" in out


# -- files that are not regular files, or too big ----------------------------------------

def _special(lib: Path, kind: str) -> Path:
    return special_file(lib / "x.yaml", "dangling" if kind == "broken-link" else kind)


SPECIAL = [("fifo", "is a named pipe (FIFO), not a regular file; pdfgen reads only regular "
                    "files"),
           ("device", "is a device, not a regular file"),
           ("folder", "is a folder, not a regular file"),
           ("broken-link", "cannot read file: no such file or folder")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind,reason", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_a_handout_that_is_not_a_regular_file(lib, kind, reason):
    _special(lib, kind)
    status, out = _run_process(lib.parent, "check", "handouts", timeout=60)
    assert status == 1
    assert f"handouts/x.yaml: {reason}" in out
    status, out = _run_process(lib.parent, "render", "x", "-o", "x.pdf", timeout=60)
    assert status == 1 and f"handouts/x.yaml: {reason}" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_build_never_opens_a_handout_that_is_not_a_regular_file(lib, kind):
    _special(lib, kind)
    status, out = _run_process(lib.parent, "build", "--out", "out", "--jobs", "1", timeout=120)
    assert status == 1, out  # x.yaml is reported, and the real handout is built all the same
    assert "handouts/x.yaml: is " in out and "not a regular file" in out
    assert "built hemilaminectomy/hemilaminectomy.bilingual.pdf" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind,reason", SPECIAL[:2], ids=["fifo", "device"])
def test_a_translations_file_that_is_not_a_regular_file(lib, kind, reason):
    conf = lib / "hemilaminectomy.translations.yaml"
    conf.unlink()
    _special(lib, kind).rename(conf)
    status, out = _run_process(lib.parent, "check", "handouts", timeout=60)
    assert status == 1
    assert f"handouts/hemilaminectomy.translations.yaml: {reason}" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_clinic_yaml_that_is_a_fifo(lib):
    (lib / "clinic.yaml").unlink()
    os.mkfifo(lib / "clinic.yaml")
    status, out = _run_process(lib.parent, "check", "handouts", timeout=60)
    assert status == 1
    assert f"{CLINIC}: is a named pipe (FIFO), not a regular file" in out


def test_a_two_megabyte_handout_is_refused_unread(lib):
    (lib / "big.yaml").write_bytes(b"id: big\n" + b"# " + b"x" * (2 * MAX_BYTES) + b"\n")
    status, out = _run("check", "handouts")
    assert status == 1
    assert "handouts/big.yaml: file is over the 1,048,576-byte limit; refusing to read it" in out


# -- file names ----------------------------------------------------------------------------

NAMES = ["knee.yml", "hip.YAML", "back.Yml", "shin.YML", "neck.yAmL"]


def _misnamed(lib: Path) -> None:
    for name in NAMES:
        shutil.copy(lib / "hemilaminectomy.yaml", lib / name)


def test_handouts_named_other_than_dot_yaml_are_reported_by_check(lib):
    _misnamed(lib)
    status, out = _run("check", "handouts")
    assert status == 1
    for name in NAMES:
        stem = name.split(".")[0]
        assert (f"handouts/{name}: pdfgen reads only .yaml files: rename {name} to "
                f"{stem}.yaml") in out


def test_handouts_named_other_than_dot_yaml_fail_the_build(lib):
    _misnamed(lib)
    status, out = _run("build", "--out", "out", "--jobs", "1")
    assert status == 1
    for name in NAMES:
        assert f"handouts/{name}: pdfgen reads only .yaml files: rename {name} to" in out
    assert "built hemilaminectomy/hemilaminectomy.bilingual.pdf" in out


def test_a_misnamed_clinic_yaml_is_named_in_the_message(lib):
    (lib / "clinic.yaml").rename(lib / "Clinic.YAML")
    status, out = _run("check", "handouts")
    assert status == 1
    assert ("handouts/clinic.yaml: no clinic.yaml in the library folder: rename Clinic.YAML "
            "to clinic.yaml") in out


# -- Unicode normalization -----------------------------------------------------------------

def test_decomposed_spanish_prints_as_precomposed_letters(lib):
    import pypdfium2 as pdfium

    path = lib / "hemilaminectomy.yaml"
    nfd = unicodedata.normalize("NFD", path.read_text(encoding="utf-8"))
    assert "cirugi\u0301a" in nfd
    path.write_text(nfd, encoding="utf-8")
    status, out = _run("check", "handouts")
    assert status == 0, out  # the confirmed translations still match: same text once NFC
    status, out = _run("render", "hemilaminectomy", "--layout", "single", "--lang", "es",
                       "-o", "es.pdf")
    assert status == 0, out
    pdf = pdfium.PdfDocument(lib.parent / "es.pdf")
    try:
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    assert "cirug\u00eda" in text  # í as one letter
    assert "\u0301" not in text


# -- property: parse_yaml never raises, and what it returns is clean ----------------------

def _scalars(root: Node | None):
    """Every text in the tree: scalars, their trailing comments, and keys."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.kind == "scalar":
            yield node.text
            yield node.comment
        elif node.kind == "seq":
            stack.extend(node.seq)
        else:
            for key, (key_node, value) in node.items.items():
                yield key
                yield key_node.text
                stack.append(value)


def _assert_clean(raw: bytes) -> None:
    root, findings = parse_yaml(raw, "f.yaml")
    for text in _scalars(root):
        assert unicodedata.is_normalized("NFC", text), repr(text)
        assert not _REFUSED_VALUE.search(text), repr(text)
    for finding in findings:
        assert not _REFUSED_VALUE.search(str(finding)), repr(str(finding))


# Ran once with PDFGEN_HYPOTHESIS_EXAMPLES=20000: 20,000 examples of each test passed
# (10 s and 120 s). CI runs 200 of each, about 2 s in all.
EXAMPLES = int(os.environ.get("PDFGEN_HYPOTHESIS_EXAMPLES", "200"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SAMPLE_TEXT = (SAMPLE / "hemilaminectomy.yaml").read_text(encoding="utf-8")
PIECES = st.sampled_from(["[", "]", "{", "}", "- ", "? ", ": ", ",", "!", "!!", "!!int ",
                          "!!python/object ", "!x ", "&a ", "*a", "#", "'", '"', "\\", "\\0",
                          "\\x96", "\\u202e", "\\uD800", "\\N", "\\L", "|", ">-", "\n", "\r",
                          "\t", "  ", "---\n", "...\n", "%TAG ! x\n", "\x00", "\x85", "\u2028",
                          "\u202e", "\ufeff", "\ufffe", "e\u0301", "\u0301", "1" * 40,
                          "9999-12-31", "0x", "<<: "])
INSERTED = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=8).map("".join)


@PROPERTY
@given(st.binary(max_size=600))
def test_parse_yaml_on_arbitrary_bytes(raw):
    _assert_clean(raw)


@PROPERTY
@given(st.integers(0, len(SAMPLE_TEXT)), INSERTED)
def test_parse_yaml_on_text_inserted_into_a_real_handout(at, inserted):
    text = SAMPLE_TEXT[:at] + inserted + SAMPLE_TEXT[at:]
    _assert_clean(text.encode("utf-8", "surrogatepass"))
