"""Data-driven loader tests: each file under cases/ is one bad input and its expected findings.

A case file states what it expects in comment lines at its top:

    # expect: LINE:COL: FIELD: MESSAGE-FRAGMENT
    # file: other-name.yaml      (optional: the name to give the file)

Handout cases (cases/handouts/) are checked against the sample clinic.yaml;
clinic cases (cases/clinic/) are loaded as a clinic.yaml. Every expected
finding must appear, and no other finding may.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pdfgen.load import load_clinic, load_procedure

from .conftest import SAMPLE

CASES = Path(__file__).parent / "cases"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): ([^:]*): (.+)$")


def _directives(path: Path) -> tuple[list[tuple[int, int, str, str]], str]:
    expected, name = [], "minimal.yaml"
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        if m := EXPECT.match(line):
            expected.append((int(m[1]), int(m[2]), m[3], m[4]))
        elif line.startswith("# file: "):
            name = line[len("# file: "):].strip()
    assert expected, f"{path.name} states no '# expect:' line"
    return expected, name


def _check(findings, expected, shown: str) -> None:
    rendered = [str(f) for f in findings]
    for line, col, field, fragment in expected:
        want = f"{shown}:{line}:{col}: {field}: " if field else f"{shown}:{line}:{col}: "
        hits = [r for r in rendered if r.startswith(want) and fragment in r]
        assert hits, f"expected '{want}...{fragment}' among:\n" + "\n".join(rendered)
    assert len(rendered) == len(expected), "unexpected extra findings:\n" + "\n".join(rendered)


@pytest.mark.parametrize("case", sorted((CASES / "handouts").glob("*.yaml")), ids=lambda p: p.stem)
def test_handout_case(case: Path, clinic_only: Path) -> None:
    expected, name = _directives(case)
    target = clinic_only / name
    shutil.copy(case, target)
    clinic, found = load_clinic(clinic_only / "clinic.yaml")
    assert clinic is not None and not found
    proc, findings = load_procedure(target, clinic, display=name)
    assert proc is None
    _check(findings, expected, name)


@pytest.mark.parametrize("case", sorted((CASES / "clinic").glob("*.yaml")), ids=lambda p: p.stem)
def test_clinic_case(case: Path, tmp_path: Path) -> None:
    expected, _ = _directives(case)
    target = tmp_path / "clinic.yaml"
    shutil.copy(case, target)
    clinic, findings = load_clinic(target, display="clinic.yaml")
    assert clinic is None
    _check(findings, expected, "clinic.yaml")


def test_sample_clinic_is_clean() -> None:
    clinic, findings = load_clinic(SAMPLE / "clinic.yaml")
    assert clinic is not None and findings == []
