"""A plain `pdfgen render` command line runs without click (pdfgen/cli.py, issue #16): it
must read the line as click does, and do and print exactly what the click command does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pdfgen import cli as cli_module
from pdfgen.cli import _render_args, cli

from .conftest import SAMPLE

HID = "hemilaminectomy"
PEER = Path(__file__).resolve().parent.parent / "bench" / "peer_handout"

LINES = [
    ["render", HID],
    ["render", HID, "-o", "x.pdf"],
    ["render", "-o", "x.pdf", HID],
    ["render", HID, "--output", "x.pdf", "--layout", "stacked", "--lang", "es,en"],
    ["render", HID, "--output=x.pdf", "--layout=single", "--lang=es", "--library=lib"],
    ["render", HID, "--library", "lib", "--strict", "--allow-overdue", "--force", "-o", "-"],
    ["render", HID, "--library", "missing/folder", "-o", "out/"],
    ["render", "x=y", "--layout", "large-print"],
    # click's, not the fast path's
    ["render"], ["render", HID, "extra"], ["render", HID, "--bogus"], ["render", "--help"],
    ["render", HID, "-h"], ["render", HID, "--layout"], ["render", HID, "--layout", "--strict"],
    ["render", HID, "--strict", "--strict"], ["render", HID, "-o", "a", "-o", "b"],
    ["render", "--", HID], ["render", "-", "-o", "x.pdf"], ["render", "", "-o", "x.pdf"],
    ["render", HID, "--lang="], ["render", HID, "-ox.pdf"], ["render", HID, "--strict=1"],
    ["render", HID, "-o", "-x"], ["render", HID, "--output", "--", "x"], ["check", HID],
    ["build"], ["--version"], ["--help"], [], ["rend", HID], ["render", HID, "--lang", "-es"],
]


@pytest.mark.parametrize("argv", LINES, ids=lambda argv: " ".join(argv) or "(none)")
def test_the_fast_path_reads_a_line_as_click_does(argv):
    """Every line it takes, it reads into the parameters click's render command gets."""
    params = _render_args(list(argv))
    if params is None:
        return  # click reads it (every line it does not take is click's to judge)
    ctx = cli.make_context("pdfgen", list(argv), resilient_parsing=False)
    command = cli.get_command(ctx, "render")
    sub = command.make_context("render", list(argv[1:]), parent=ctx)
    assert params == sub.params


def test_the_lines_it_takes():
    taken = [argv for argv in LINES if _render_args(list(argv)) is not None]
    assert taken == LINES[:8]  # and the others are click's (help, errors, other commands)
    assert _render_args(["render", HID, "--library", "lib"])["library"] == Path("lib")


def test_the_fast_path_leaves_odd_situations_to_click(monkeypatch):
    monkeypatch.setenv("_PDFGEN_COMPLETE", "bash_complete")  # shell completion
    assert _render_args(["render", HID]) is None
    monkeypatch.delenv("_PDFGEN_COMPLETE")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # a library it cannot read
    assert _render_args(["render", HID, "--library", str(SAMPLE)]) is None
    assert _render_args(["render", HID, "--library", "no/such/folder"]) is not None


CLICK = ("import sys; from pdfgen.cli import _click_cli; sys.argv[0] = 'pdfgen'; "
         "_click_cli()(prog_name='pdfgen')")
FAST = "import sys; from pdfgen.cli import main; sys.argv[0] = 'pdfgen'; main()"
SPY = ("import atexit, sys; atexit.register(lambda: sys.stderr.write("
       "'\\nclick imported\\n' if 'click' in sys.modules else '\\nno click\\n')); ")


def _run(code: str, argv: list[str], cwd: Path, env: dict) -> tuple[int, bytes, bytes]:
    done = subprocess.run([sys.executable, "-c", SPY + code, *argv], cwd=cwd, env=env,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _cases(root: Path) -> list[tuple[list[str], dict]]:
    old = root / "old"  # an overdue first review
    shutil.copytree(SAMPLE, old)
    text = (old / f"{HID}.yaml").read_text(encoding="utf-8")
    (old / f"{HID}.yaml").write_text(text.replace("updated: 2026-", "updated: 2019-", 1),
                                     encoding="utf-8")
    bad = root / "bad"  # a YAML error
    bad.mkdir()
    shutil.copy(SAMPLE / "clinic.yaml", bad)
    (bad / f"{HID}.yaml").write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    shutil.copytree(PEER, root / "peer")
    (root / "not-a-pdf.pdf").write_text("notes\n", encoding="utf-8")
    lib = ["--library", str(SAMPLE)]
    return [
        (["render", HID, *lib, "-o", "a.pdf"], {}),
        (["render", HID, *lib, "--layout", "single", "--lang", "es", "-o", "out/"], {}),
        (["render", HID, *lib, "-o", "-"], {}),
        (["render", HID, *lib, "--layout", "stacked"], {}),
        (["render", "peer-hemilaminectomy", "--library", "peer", "-o", "p.pdf"], {}),  # warnings
        (["render", "peer-hemilaminectomy", "--library=peer", "--strict", "-o", "q.pdf"], {}),
        (["render", HID, "--library", "old", "-o", "o.pdf"], {}),  # overdue: stopped
        (["render", HID, "--library", "old", "--allow-overdue", "-o", "o.pdf"], {}),
        (["render", HID, "--library", "bad", "-o", "b.pdf"], {}),  # file:line:col
        (["render", "nope", *lib, "-o", "n.pdf"], {}),  # usage error
        (["render", HID, *lib, "--lang", "xx"], {}),
        (["render", HID, *lib, "--layout", "nope"], {}),
        (["render", HID, *lib, "-o", "not-a-pdf.pdf"], {}),  # refused, kept
        (["render", HID, *lib, "-o", "e.pdf"], {"SOURCE_DATE_EPOCH": "soon"}),
        (["render", HID, *lib, "-o", "f.pdf"], {"SOURCE_DATE_EPOCH": "1700000000"}),
        (["render", "peer-hemilaminectomy", "--library", "peer", "-o", "s.pdf"],
         {"PYTHONIOENCODING": "ascii"}),  # click re-wraps the stream: click.echo prints
        (["render", HID, "--library", "missing", "-o", "m.pdf"], {}),
    ]


def test_a_render_without_click_does_and_prints_what_click_does(tmp_path):
    env = {**os.environ, "PDFGEN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SOURCE_DATE_EPOCH", None)
    for i, (argv, extra) in enumerate(_cases(tmp_path)):
        runs = {}
        for way, code in (("click", CLICK), ("fast", FAST)):
            work = tmp_path / f"{i}-{way}"
            shutil.copytree(tmp_path, work, ignore=shutil.ignore_patterns("[0-9]*-*", "cache"))
            rc, stdout, stderr = _run(code, argv, work, {**env, **extra})
            files = {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
                     if p.is_file()}
            runs[way] = (rc, stdout.replace(bytes(work), b"WORK"),
                         stderr.replace(bytes(work), b"WORK"), files)
        (rc, stdout, stderr, files), fast = runs["click"], runs["fast"]
        assert stderr.endswith(b"\nclick imported\n"), (argv, stderr)
        assert fast[2].endswith(b"\nclick imported\n" if "PYTHONIOENCODING" in extra
                                else b"\nno click\n"), (argv, fast[2])
        assert fast[:2] == (rc, stdout), argv
        assert fast[2].rsplit(b"\n", 2)[0] == stderr.rsplit(b"\n", 2)[0], argv
        assert fast[3] == files, argv


def test_cli_is_the_click_group():
    assert cli is cli_module.cli and cli.name == "cli" and "render" in cli.commands
    with pytest.raises(AttributeError):
        cli_module.no_such_name  # noqa: B018


@pytest.mark.parametrize("value", [None, "", "  ", "2026-11-26", " 2019-01-31 ", "2026-02-30",
                                   "yesterday", "20261126"])
def test_the_day_is_quality_reviews_day(monkeypatch, value):
    """cli._today reads $PDFGEN_TODAY as quality.review.today does (without importing it for
    the usual answers), and refuses what it refuses, with its error."""
    from pdfgen.cli import _today
    from pdfgen.errors import UsageError
    from pdfgen.quality.review import TODAY_ENV, today

    assert TODAY_ENV == "PDFGEN_TODAY"
    if value is None:
        monkeypatch.delenv(TODAY_ENV, raising=False)
    else:
        monkeypatch.setenv(TODAY_ENV, value)
    try:
        expected = today()
    except UsageError as exc:
        with pytest.raises(UsageError) as ours:
            _today()
        assert str(ours.value) == str(exc)
    else:
        assert _today() == expected
