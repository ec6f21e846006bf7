"""`pdfgen render` keeps the quality gates' findings in the on-disk cache (issue #16): a second
render of unchanged content does not run them again, and the cache never changes what the
gate decides. An entry is read only for exactly the same inputs and the same code; a corrupt
entry, an unwritable folder or PDFGEN_CACHE_DIR=off mean the gates run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

import pdfgen.quality.gates
from pdfgen import diskcache
from pdfgen.cli import cli
from pdfgen.errors import ContentError, Severity
from pdfgen.gate import Policy, load_one, pass_one, quality_findings
from pdfgen.layout import load_layout
from pdfgen.model import Image

from .conftest import signed_off

HID = "hemilaminectomy"
DAY = dt.date(2026, 11, 26)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def runs(monkeypatch) -> list:
    """Every run of the quality gates, counted."""
    calls: list = []
    real = pdfgen.quality.gates.run_gates

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pdfgen.quality.gates, "run_gates", counted)
    return calls


def gate(library: Path, policy: Policy | None = None, today: dt.date = DAY,
         layout: str = "bilingual"):
    lib, proc, path = load_one(library, HID, str(library))
    return pass_one(lib, proc, path, load_layout(layout), (), today, policy or Policy())


def test_a_second_render_reads_the_gate_from_the_cache(library, cache, runs):
    first = gate(library)
    assert len(runs) == 1 and list(cache.glob("gate-*.marshal"))
    again = gate(library)
    assert len(runs) == 1  # not run again
    assert again.warnings == first.warnings and again.proc == first.proc
    assert again.proc.under_review == first.proc.under_review
    gate(library, layout="stacked")  # another layout: the same handout, the same findings
    assert len(runs) == 1


def test_cached_findings_are_the_fresh_ones(library, cache, monkeypatch):
    lib, proc, path = load_one(library, HID, str(library))
    fresh = pdfgen.quality.gates.run_gates(proc, lib.clinic, path, DAY)
    quality_findings(proc, lib.clinic, path, DAY, cache=True)  # written
    findings, under_review = quality_findings(proc, lib.clinic, path, DAY, cache=True)  # read
    assert findings == fresh.findings and under_review == fresh.under_review
    assert [f.severity for f in findings] == [f.severity for f in fresh.findings]
    assert all(type(f.severity) is Severity for f in findings)


@pytest.mark.parametrize("change", ["handout", "translations", "clinic", "today", "code"])
def test_any_changed_input_runs_the_gates_again(library, cache, runs, monkeypatch, change):
    gate(library)
    today = DAY
    if change == "handout":
        path = library / f"{HID}.yaml"
        text = path.read_text(encoding="utf-8")
        assert "is a type of back surgery." in text
        path.write_text(text.replace("is a type of back surgery.", "is a back surgery."),
                        encoding="utf-8")
    elif change == "translations":
        path = library / f"{HID}.translations.yaml"
        text = path.read_text(encoding="utf-8")
        assert "  title: " in text
        path.write_text(text.replace("  title: ", "  title: 0", 1), encoding="utf-8")
    elif change == "clinic":
        path = library / "clinic.yaml"
        text = path.read_text(encoding="utf-8")
        assert "review_months: 12" in text
        path.write_text(text.replace("review_months: 12", "review_months: 11"), encoding="utf-8")
    elif change == "today":
        today = DAY + dt.timedelta(days=1)
    elif change == "code":
        monkeypatch.setattr(diskcache, "code_version", lambda: "another pdfgen")
    gate(library, today=today)
    assert len(runs) == 2


def test_a_cached_error_still_stops_the_render(library, cache, runs):
    """An overdue review is an error: read from the cache, it stops the render as before,
    and --allow-overdue (a policy, not an input) lets the same cached findings through."""
    handout = library / f"{HID}.yaml"
    handout.write_text(signed_off(handout.read_text(encoding="utf-8"), "2024-01-15",
                                  by='"Dr. A. Example"'), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ContentError, match="review-overdue"):
            gate(library)
    passed = gate(library, Policy(allow_overdue=True))
    assert passed.proc.review_overdue
    assert len(runs) == 1


def test_a_cached_warning_still_stops_a_strict_render(library, cache, runs):
    handout = library / f"{HID}.yaml"
    text = handout.read_text(encoding="utf-8")
    assert "waivers:\n  pending-review:" in text
    handout.write_text(text.replace("waivers:\n  pending-review:",
                                    "waivers:\n  language-missing:"), encoding="utf-8")
    assert gate(library).warnings  # pending clinical review, no longer waived
    with pytest.raises(ContentError):
        gate(library, Policy(strict=True))
    assert len(runs) == 1


@pytest.mark.parametrize("damage", ["flip", "garbage", "shape"])
def test_a_corrupt_entry_runs_the_gates(library, cache, runs, damage):
    first = gate(library)
    [entry] = cache.glob("gate-*.marshal")
    blob = entry.read_bytes()
    if damage == "flip":
        entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    elif damage == "garbage":
        entry.write_bytes(b"\x00" * 50)
    else:  # a well-formed entry of another shape
        import hashlib
        import marshal

        payload = marshal.dumps(([("only", "three", "fields")], []))
        entry.write_bytes(diskcache.MAGIC + hashlib.sha256(payload).digest() + payload)
    assert gate(library).warnings == first.warnings
    assert len(runs) == 2


def test_no_cache_when_turned_off_or_unwritable(library, tmp_path, monkeypatch, runs):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", "off")
    gate(library)
    gate(library)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(blocker / "cache"))
    first = gate(library)
    assert gate(library).warnings == first.warnings
    assert len(runs) == 4


def test_a_confirmations_file_that_is_not_a_file_is_never_cached(library, cache, runs):
    (library / f"{HID}.translations.yaml").unlink()
    (library / f"{HID}.translations.yaml").mkdir()
    for _ in range(2):
        with pytest.raises(ContentError, match="not a regular file"):
            gate(library)
    assert len(runs) == 2 and not list(cache.glob("gate-*.marshal"))


def test_render_bytes_are_the_same_with_and_without_the_cache(library, tmp_path, monkeypatch):
    outs = []
    for setting in ("off", str(tmp_path / "c"), str(tmp_path / "c")):
        monkeypatch.setenv("PDFGEN_CACHE_DIR", setting)
        out = tmp_path / f"{len(outs)}.pdf"
        result = CliRunner().invoke(cli, ["render", HID, "--library", str(library), "-o",
                                          str(out)])
        assert result.exit_code == 0, result.output
        outs.append((out.read_bytes(), result.output.replace(str(out), "OUT")))
    assert outs[0] == outs[1] == outs[2]


# -- the fingerprint: every field, nothing it does not know ---------------------------------


def test_the_fingerprint_sees_fields_left_out_of_repr_and_comparison(library):
    _, proc, _ = load_one(library, HID, str(library))
    image = Image("a.png", "png", b"\x89PNG one", 1.0, 2.0)
    other = dataclasses.replace(image, data=b"\x89PNG two")
    assert repr(image) == repr(other)  # what repr would miss
    assert diskcache.fingerprint(image) != diskcache.fingerprint(other)
    moved = dataclasses.replace(proc, positions=())
    assert moved == proc  # positions do not count in ==, but they are in the findings
    assert diskcache.fingerprint(moved) != diskcache.fingerprint(proc)


def test_the_fingerprint_tells_types_apart_and_orders_sets():
    fp = diskcache.fingerprint
    assert fp(1) != fp(1.0) != fp(True) and fp("1") != fp(1) and fp(None) != fp("None")
    assert fp(("a", "b")) != fp(("ab",)) != fp(["a", "b"])
    assert fp(frozenset({"x", "y", "z"})) == fp(frozenset({"z", "y", "x"}))
    assert fp({"a": 1, "b": 2}) != fp({"b": 2, "a": 1})  # order can matter to a result
    assert fp(b"\x00") != fp(b"\x01") and fp(DAY) != fp(DAY + dt.timedelta(days=1))


def test_the_fingerprint_refuses_what_it_does_not_know():
    with pytest.raises(diskcache.Unkeyable):
        diskcache.fingerprint(object())
    with pytest.raises(diskcache.Unkeyable):
        diskcache.fingerprint((1, {"a": lambda: 0}))


def test_the_code_version_follows_every_package_file(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "rules.yaml").write_text("- one\n")
    monkeypatch.setattr(diskcache, "PACKAGE", pkg)
    versions = []
    for edit in (None, ("a.py", "x = 2\n"), ("sub/rules.yaml", "- two\n")):
        if edit:
            (pkg / edit[0]).write_text(edit[1])
        diskcache.code_version.cache_clear()
        versions.append(diskcache.code_version())
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"byte code")
    (pkg / "_data" / "handouts").mkdir(parents=True)  # an installed wheel's sample content
    (pkg / "_data" / "handouts" / "x.yaml").write_text("id: x\n")
    diskcache.code_version.cache_clear()
    assert diskcache.code_version() == versions[-1]  # byte code and content are not the code
    diskcache.code_version.cache_clear()
    assert len(set(versions)) == 3


def test_a_result_the_cache_cannot_hold_is_used_not_cached(library, cache, monkeypatch):
    from pdfgen.errors import Finding, Pos

    class OddPos(Pos):
        pass

    odd = Finding(OddPos("x.yaml", 1, 1), "title", "an odd finding", Severity.WARNING, "rule")
    real = pdfgen.quality.gates.run_gates

    def with_odd(*args, **kwargs):
        result = real(*args, **kwargs)
        return dataclasses.replace(result, findings=[*result.findings, odd])

    monkeypatch.setattr(pdfgen.quality.gates, "run_gates", with_odd)
    lib, proc, path = load_one(library, HID, str(library))
    findings, _ = quality_findings(proc, lib.clinic, path, DAY, cache=True)
    assert odd in findings
    assert not list(cache.glob("gate-*.marshal"))


def test_the_loader_keeps_babels_locale_answers(library, cache, monkeypatch):
    """clinic.yaml's locales are checked with Babel once; the answers (known or not) are read
    back from the cache by locale and Babel's version, and say the same (issue #16)."""
    import pdfgen.load
    from pdfgen.i18n import babel_key
    from pdfgen.load import load_clinic

    asked = []
    real = pdfgen.load._parses
    monkeypatch.setattr(pdfgen.load, "_parses", lambda loc: asked.append(loc) or real(loc))
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text(encoding="utf-8").replace("es-MX", "zz-MX"),
                      encoding="utf-8")
    results = []
    for _ in range(2):
        loaded, findings = load_clinic(clinic, "clinic.yaml")
        results.append([str(f) for f in findings])
    assert asked == ["en_US", "zz_MX"]  # once each: the second load read the cache
    assert results[0] == results[1] and any("unknown locale 'zz-MX'" in f for f in results[0])
    assert len(list(cache.glob("locale-*.marshal"))) == 2
    for entry in cache.glob("locale-*.marshal"):  # damaged: Babel is asked again
        entry.write_bytes(entry.read_bytes()[:-1])
    assert [str(f) for f in load_clinic(clinic, "clinic.yaml")[1]] == results[0]
    assert asked[2:] == ["en_US", "zz_MX"]
    import babel

    assert babel_key() == "sha256:" + hashlib.sha256(
        Path(babel.__file__).read_bytes()).hexdigest()
