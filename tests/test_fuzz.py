"""Property-based tests: the sample library and a layout, mutated as a hurried editor or an
attacker would (random text and bytes, control characters, decomposed accents, YAML tags,
deep nesting, type swaps, huge numbers and dates, special files), then run through
`pdfgen check`, `check --strict`, `render` and `build` as a user runs them.

Whatever the input, for every command:
- the exit status is 0, 1 or 2 (never a traceback, never pdfgen's own "internal error");
- it finishes in bounded time (an alarm fails the example rather than hang the suite);
- a PDF that is written carries every text of the handout, exactly (compared without
  whitespace, since lines break anywhere);
- `check --strict` clean means `build --strict` builds every PDF.

CI runs a bounded number of examples (FUZZ_EXAMPLES, default 25 per test, derandomized so
a CI failure reproduces). Long runs, locally, with FUZZ_RANDOM=1 FUZZ_EXAMPLES=1500: 1,500
examples of each of the four property tests (6,000 in all, about 25 minutes on 2 cores).
The first found a KeyError in the layout loader (a layout without `languages:`), fixed;
the second, after the fixes, found nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdfgen import markup
from pdfgen.cli import cli

from .conftest import REPO, SAMPLE, special_file
from .pdfread import read_pdf

HID = "hemilaminectomy"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SECONDS = 60  # per command: the sample renders in well under a second
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "FUZZ_RANDOM"), suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

# -- what an editor can type --------------------------------------------------------------------

CONTROL = [chr(c) for c in (0, 1, 7, 8, 0x0B, 0x0C, 0x0D, 0x1B, 0x7F, 0x85, 0x96, 0x9B)]
INVISIBLE = ["\u00ad", "\u200b", "\u200d", "\u200e", "\u202e", "\u2066", "\u2028", "\ufeff",
             "\ufffe"]
SPANISH = list("áéíóúñüÁÉÍÓÚÑÜ¿¡«»") + ["e\u0301", "i\u0301", "n\u0303", "u\u0308"]
MARKUP = ["<", ">", "&", "&amp;", "<b>", "</para>", "<dos tabletas>", "**", "'", '"', "\\",
          "#", ": ", "- ", "%(x)s", "{", "}", "[", "]", "*", "!", "|", ">"]
OTHER = list("µ→✓☐€½°±×—–…") + ["\U0001F600", "\u4e2d", "\u0627", "\U00010000"]
PIECES = st.one_of(st.sampled_from(CONTROL + INVISIBLE + SPANISH + MARKUP + OTHER),
                   st.text(alphabet=st.characters(codec="utf-8"), max_size=3),
                   st.sampled_from(["take", "two", "surgery", "cirugía", " ", "\n", "  "]))
TEXT = st.lists(PIECES, max_size=12).map("".join)

SCALARS = st.sampled_from([
    "!Important take this", "!!binary aGVsbG8=", "!!python/object:os.system x", "No", "yes",
    "~", "null", "", "''", '""', "2026-02-30", "9999-12-31", "0001-01-01", "2026-11-26",
    "1e400", "-5", "0", "10000000000000000000000", "0x1F", ".inf", "-.nan", "[a, b]",
    "{en: x}", "&anchor x", "*alias", "|", ">-", '"unterminated', "12pt", "0pt",
    "10000pt", "-1in", "3.5in", "99in", "#zzzzzz", "#000000", "#ffffff", "en", "xx",
    "bilingual", "single", "justify", "letter", "a3", "spine", "https://example.org",
])
NUMBERS = st.one_of(st.integers(-10**30, 10**30).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr))
DATES = st.dates().map(lambda d: d.isoformat())


def yaml_value(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


VALUES = st.one_of(TEXT.map(yaml_value), SCALARS, NUMBERS, DATES,
                   st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
                   st.integers(1, 3000).map(lambda n: "{a: " * n + "1" + "}" * n))

LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][\w-]*):( +)(.*)$")


def value_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if LINE.match(line)]


def set_value(lines: list[str], i: int, value: str) -> list[str]:
    """Line i's value replaced; a block scalar's own lines (more indented) go with it."""
    m = LINE.match(lines[i])
    indent = len(m[1])
    end = i + 1
    if m[4].strip() in ("|", ">", "|-", ">-", "|+", ">+", ""):
        while end < len(lines) and (not lines[end].strip()
                                    or len(lines[end]) - len(lines[end].lstrip()) > indent):
            end += 1
    return [*lines[:i], f"{m[1]}{m[2]}: {value}", *lines[end:]]


class Edit(tuple):
    """(description, new text or bytes), shown by its description alone."""

    def __repr__(self) -> str:
        return f"Edit({self[0]!r})"


@st.composite
def mutations(draw, lines: list[str]):
    """One edit of a YAML file's lines: Edit(description, new text or bytes)."""
    return Edit(draw(_mutation(lines)))


@st.composite
def _mutation(draw, lines: list[str]):
    kind = draw(st.sampled_from(["value", "value", "value", "bytes", "delete", "nest-block",
                                 "swap"]))
    candidates = value_lines(lines)
    i = draw(st.sampled_from(candidates))
    if kind == "value":
        value = draw(VALUES)
        return f"line {i + 1} = {value[:60]!r}", "\n".join(set_value(lines, i, value)) + "\n"
    if kind == "swap":  # a mapping or list where text was, or the reverse
        value = draw(st.sampled_from(["\n" + " " * 40 + "- x", "{}", "[]", "\n  en: x",
                                      "- a"]))
        return f"line {i + 1} swapped", "\n".join(set_value(lines, i, value)) + "\n"
    if kind == "nest-block":
        depth = draw(st.integers(1, 2000))
        return f"line {i + 1} nested {depth}", "\n".join(set_value(lines, i, "- " * depth
                                                                   + "x")) + "\n"
    if kind == "delete":
        return f"line {i + 1} deleted", "\n".join(lines[:i] + lines[i + 1:]) + "\n"
    raw = "\n".join(lines).encode()
    at = draw(st.integers(0, len(raw)))
    junk = draw(st.binary(min_size=1, max_size=8))
    return f"bytes {junk!r} at {at}", raw[:at] + junk + raw[at:]


# -- running pdfgen as a user does ---------------------------------------------------------------


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int):
    def fire(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def pdfgen(*args: str):
    """Run one command in-process; fail the example on a traceback, a bug or a hang."""
    with deadline(SECONDS):
        result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"pdfgen {' '.join(args)}: {type(result.exception).__name__}: "
                             f"{result.exception}\n{result.output[-2000:]}") \
            from result.exception
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output[-2000:])
    assert "internal error" not in result.output, result.output[-2000:]
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    return "".join(text.split())


def assert_prints_every_text(pdf_path: Path, root: Path, langs: tuple[str, ...]) -> None:
    """Every text of the handout (as loaded), in each language the PDF carries, is in it."""
    from pdfgen.load import load_library

    lib = load_library(root).library
    proc = lib.procedure(HID)
    body = flat(read_pdf(pdf_path.read_bytes()).body(lib.clinic.name))
    for field, text in proc.texts():
        if field.endswith(".figure.alt"):  # read aloud (/Alt), not printed
            continue
        for lang in langs:
            want = flat(markup.plain(text[lang]))
            assert want in body, (field, lang, text[lang])


def alt_texts(pdf_path: Path) -> list[str]:
    """Every /Alt of the PDF's structure tree (what a screen reader reads for a figure)."""
    import pikepdf

    found = []
    with pikepdf.open(pdf_path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem" \
                    and "/Alt" in obj:
                found.append(str(obj.Alt))
    return found


def _parent_key(lines: list[str], i: int) -> str:
    """The key line that holds line `i` (the nearest line above it indented less): "alt:"
    for the Spanish text of a figure's alt, whose line above is the English text's."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    for line in reversed(lines[:i]):
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            return line.strip()
    return ""


def workspace(tmp: Path) -> Path:
    """A fresh copy of the sample library and the bundled layouts under ./ (the cwd)."""
    for name in ("handouts", "layouts", "out"):
        shutil.rmtree(tmp / name, ignore_errors=True)
    shutil.copytree(SAMPLE, tmp / "handouts")
    shutil.copytree(REPO / "layouts", tmp / "layouts")
    for pdf in tmp.glob("*.pdf"):
        pdf.unlink()
    return tmp


def exercise(tmp: Path) -> None:
    """check, check --strict, render and build, with the properties above."""
    check = pdfgen("check", "handouts")
    strict = pdfgen("check", "--strict", "handouts")
    assert check.exit_code in (0, 1) and strict.exit_code in (0, 1)
    if check.exit_code == 1:  # --strict only adds to what fails
        assert strict.exit_code == 1, strict.output[-2000:]
    render = pdfgen("render", HID, "--library", "handouts", "--layout", "stacked",
                    "-o", "stacked.pdf")
    if render.exit_code == 0:
        assert_prints_every_text(tmp / "stacked.pdf", tmp / "handouts", ("en", "es"))
    columns = pdfgen("render", HID, "--library", "handouts", "-o", "bilingual.pdf")
    if check.exit_code == 0:  # the side-by-side layout too (its text is checked in build)
        assert columns.exit_code == 0, columns.output[-3000:]
    build = pdfgen("build", "--strict", "--library", "handouts", "--out", "out", "--jobs", "1")
    if strict.exit_code == 0:
        assert build.exit_code == 0, ("check --strict passed, build --strict failed",
                                      build.output[-3000:])
        from pdfgen.layout import load_layout
        from pdfgen.load import load_library

        clinic = load_library(tmp / "handouts").library.clinic
        for output in clinic.output_matrix():  # the PDFs not set in columns
            if load_layout(output.layout).arrangement != "columns":
                assert_prints_every_text(tmp / "out" / HID / f"{HID}.{output.name}.pdf",
                                         tmp / "handouts", output.langs)
    if check.exit_code == 0:
        assert render.exit_code == 0, render.output[-3000:]


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


HANDOUT_LINES = lines_of(SAMPLE / f"{HID}.yaml")
CLINIC_LINES = lines_of(SAMPLE / "clinic.yaml")
LAYOUT_LINES = lines_of(REPO / "layouts" / "bilingual.yaml")


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, data) -> None:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


@FUZZ
@given(mutations(HANDOUT_LINES))
def test_mutated_handouts(tmp_cwd, edit):
    root = workspace(tmp_cwd)
    write(root / "handouts" / f"{HID}.yaml", edit[1])
    exercise(root)


@FUZZ
@given(mutations(CLINIC_LINES))
def test_mutated_clinic_profiles(tmp_cwd, edit):
    root = workspace(tmp_cwd)
    write(root / "handouts" / "clinic.yaml", edit[1])
    exercise(root)


@FUZZ
@given(mutations(LAYOUT_LINES))
def test_mutated_layouts(tmp_cwd, edit):
    root = workspace(tmp_cwd)
    write(root / "layouts" / "bilingual.yaml", edit[1])
    exercise(root)


@FUZZ
@given(st.sampled_from(["en", "es"]), st.sampled_from(range(len(HANDOUT_LINES))), TEXT)
def test_any_text_in_any_field_prints_exactly_or_is_refused(tmp_cwd, lang, start, text):
    """A text field set to arbitrary characters: either a clear refusal, or a PDF that
    prints exactly those characters (normalized to NFC)."""
    root = workspace(tmp_cwd)
    lines = HANDOUT_LINES
    found = [i for i in range(start, len(lines)) if re.match(rf"^\s+{lang}: ", lines[i])]
    if not found:
        return
    i = found[0]
    write(root / "handouts" / f"{HID}.yaml", "\n".join(set_value(lines, i, yaml_value(text)))
          + "\n")
    render = pdfgen("render", HID, "--library", "handouts", "--layout", "stacked",
                    "-o", "stacked.pdf")
    if render.exit_code == 0:
        expected = flat(markup.plain(unicodedata.normalize("NFC", text)))
        if _parent_key(lines, i) == "alt:":  # a figure's alt text is read aloud, not printed
            body = flat(" ".join(alt_texts(root / "stacked.pdf")))
        else:
            body = flat(read_pdf((root / "stacked.pdf").read_bytes()).body(
                "Example Orthopedic & Spine Clinic"))
        assert expected in body, (text, expected)
    else:
        assert re.search(r"hemilaminectomy\.yaml:\d+:\d+: ", render.output), render.output


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "dangling", "empty", "huge"])
def test_special_files_in_place_of_a_handout(tmp_cwd, kind):
    root = workspace(tmp_cwd)
    target = root / "handouts" / "other.yaml"
    if kind in ("fifo", "device", "folder", "dangling"):
        special_file(target, kind)
    elif kind == "empty":
        target.write_bytes(b"")
    else:
        target.write_bytes(b"a: " + b"x" * (3 * 1024 * 1024))
    check = pdfgen("check", "handouts")
    assert check.exit_code == 1 and "other.yaml" in check.output, check.output
    build = pdfgen("build", "--library", "handouts", "--out", "out", "--jobs", "1")
    assert build.exit_code == 1 and "other.yaml" in build.output
    # the good handout is built all the same
    assert (root / "out" / HID / f"{HID}.bilingual.pdf").is_file()


def test_the_mutator_makes_real_edits():
    """The strategies can fail the properties: a tag that YAML would drop is in the pool,
    as are values that really change the file."""
    lines = HANDOUT_LINES
    i = next(i for i, line in enumerate(lines) if line.strip().startswith("en: Hemi"))
    edited = set_value(lines, i, "!Important take this")
    assert edited[i].endswith("en: !Important take this") and len(edited) == len(lines)
    block = next(i for i, line in enumerate(lines) if line.strip() == "en: >-")
    edited = set_value(lines, block, '"x"')
    assert len(edited) < len(lines)  # the block's own lines went with it
    assert yaml.safe_load("\n".join(edited))["summary"]["en"] == "x"
