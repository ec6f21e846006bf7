"""Shared fixtures: the sample library and a clinic profile copied into a temporary folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "handouts"

# pdfgen's on-disk cache (pdfgen/diskcache.py) in a folder of this test run's own, for the
# tests and every pdfgen process they start: nothing is read from or left in ~/.cache
os.environ["PDFGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="pdfgen-test-cache-")

# The languages in other scripts the tests render (#15): their fonts are installed once, by
# pdfgen's own `fonts install`, into a cache the test runs share (a fresh machine downloads
# them from the npm registry on its first run: about 70 MB, a few seconds).
FONT_LANGS = ("vi", "zh-Hans", "ar",
              "ko", "ja", "hi", "gu", "lo")  # and the taglines page's (test_taglines.py)
FONTS_CACHE = Path(os.environ.get("PDFGEN_TEST_FONTS")
                   or Path.home() / ".cache" / "pdfgen-test-fonts")


def pytest_configure(config):
    os.environ["PDFGEN_FONTS"] = str(FONTS_CACHE)  # for the subprocesses the tests run too


@pytest.fixture(scope="session")
def script_fonts() -> Path:
    """The fonts of FONT_LANGS, installed (a test that needs them fails, never skips,
    when they cannot be: say, no network on the first run)."""
    from pdfgen import fontinstall

    for name in fontinstall.families_for(FONT_LANGS):
        fontinstall.install(name)
    return FONTS_CACHE


# System programs some tests read PDFs or pages with, and the Debian package of each. A test
# that needs one skips, saying which package turns it on, where it is missing (.ci/run
# installs them all).
PROGRAMS = {"pdfinfo": "poppler-utils", "pdftoppm": "poppler-utils", "pdftotext": "poppler-utils",
            "pdffonts": "poppler-utils", "qpdf": "qpdf", "chromium": "chromium"}


def needs(*programs: str):
    """Skip unless every program is installed: `@needs("pdfinfo")`."""
    missing = [p for p in programs if not shutil.which(p)]
    packages = sorted({PROGRAMS[p] for p in missing})
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (Debian "
                                                    f"package {', '.join(packages)})")


def special_file(path: Path, kind: str) -> Path:
    """Something that is not a regular file where a YAML file is expected: "fifo",
    "device" (a link to /dev/zero), "folder", or "dangling" (a link to nothing)."""
    import os

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to(path.with_name("no-such-file.yaml"))
    else:
        raise ValueError(kind)
    return path


SAMPLE_UPDATED = "updated: 2026-11-01\n"  # the sample's line saying when it was last edited


def signed_off(text: str, date: str = "2026-11-01", by: str = "Dr. Ana Ruiz",
               updated: str | None = None) -> str:
    """A handout's YAML (the sample's, or a copy of it) as a clinician signed it off on
    `date`: `reviewed:` with date, by and role, and `updated:` set to `updated` (default:
    `date`)."""
    assert SAMPLE_UPDATED in text
    return text.replace(SAMPLE_UPDATED, f"updated: {updated or date}\nreviewed:\n"
                        f"  date: {date}\n  by: {by}\n  role:\n    en: a spine surgeon\n"
                        f"    es: un cirujano de columna\n", 1)


TODAY = "2026-11-26"  # review dates are judged as of this day (the sample falls due in 2027)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """Every test, and every process it starts, sees the same 'today' (PDFGEN_TODAY)."""
    monkeypatch.setenv("PDFGEN_TODAY", TODAY)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A writable copy of the sample library."""
    dest = tmp_path / "handouts"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture
def clinic_only(tmp_path: Path) -> Path:
    """A library folder holding just the sample clinic.yaml."""
    dest = tmp_path / "lib"
    dest.mkdir()
    shutil.copy(SAMPLE / "clinic.yaml", dest / "clinic.yaml")
    return dest
