"""Whatever manifest.json holds, `pdfgen build` finishes (exit 0 or 1, never an exception)
and the manifest it leaves describes the files on disk.

Rendering is replaced by the real PDFs rendered once (same bytes, so the files pdfgen
already wrote stay current): each example then costs a plan, the quality gates and the
catalog, not three renders."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pdfgen.build import MANIFEST, build_library
from pdfgen.cli import cli

from .conftest import SAMPLE

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=25)
# words a manifest uses, so that generated keys sometimes hit real fields
KEYS = st.sampled_from(["pdfgen", "outputs", "failed", "handout", "output", "sha256", "bytes",
                        "review", "warnings", "severity", "title", "inputs", "waivers", "at",
                        "by", "reviewed", "pending", "file", "line", "message", "outputs"])
NEAR = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2 ** 64) | st.text(max_size=8) | KEYS
    | st.sampled_from(["warning", "error", "bogus", "2026-11-01", "9999-12-31", "\ud800",
                       "hemilaminectomy", "../x", "0" * 64]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=6),
                                                                inner, max_size=4),
    max_leaves=20)


@pytest.fixture(scope="module")
def world():
    """A built sample library (module-wide: Hypothesis runs many examples in one test)."""
    import pdfgen.render

    base = Path(tempfile.mkdtemp(prefix="pdfgen-fuzz-"))
    library, out = base / "handouts", base / "out"
    shutil.copytree(SAMPLE, library)
    rendered: dict = {}
    real = pdfgen.render.render_pdf

    def cached(proc, clinic, layout, langs=None, **kw):
        key = (proc.id, layout.name, tuple(langs or ()))
        if key not in rendered:
            rendered[key] = real(proc, clinic, layout, langs, **kw)
        return rendered[key]

    patch = pytest.MonkeyPatch()
    patch.setattr(pdfgen.render, "render_pdf", cached)
    patch.setenv("PDFGEN_TODAY", "2026-11-26")
    assert build_library(library, out, jobs=1).ok
    real_manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    yield library, out, real_manifest
    patch.undo()
    shutil.rmtree(base, ignore_errors=True)


def _build_and_check(library: Path, out: Path, data: bytes) -> None:
    for old in out.glob(f"{MANIFEST}.unreadable*"):
        old.unlink() if not old.is_dir() else shutil.rmtree(old)
    (out / MANIFEST).write_bytes(data)
    result = CliRunner().invoke(cli, ["build", "--library", str(library), "--out", str(out),
                                      "--jobs", "1", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    summary = json.loads(result.output)
    assert summary["failed"] == [], summary
    messages = " ".join(f["message"] for f in summary["findings"])
    event("set aside" if "set aside" in messages else "record dropped"
          if "dropped the record" in messages else "used as it was")
    event(f"rebuilt {len(summary['built'])}")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for rel, entry in manifest["outputs"].items():  # every record is the file on disk
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == entry["sha256"]
    assert len(manifest["outputs"]) == 3


SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(st.one_of(JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)))
def test_any_json_or_bytes_as_the_manifest(world, data):
    library, out, _ = world
    _build_and_check(library, out, data)


@SETTINGS
@given(st.data())
def test_any_mutation_of_a_real_manifest(world, data):
    library, out, real = world
    doc = copy.deepcopy(real)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        _mutate(doc, data)
    _build_and_check(library, out, json.dumps(doc).encode())


def _mutate(doc, data) -> None:
    """Replace, delete or add one value somewhere in the document: mostly inside one
    output's record, sometimes in "failed" or at the top."""
    where = data.draw(st.sampled_from(["entry"] * 7 + ["failed", "top", "top"]), label="where")
    node = doc
    if where == "entry" and isinstance(doc.get("outputs"), dict) and doc["outputs"]:
        node = doc["outputs"][data.draw(st.sampled_from(sorted(doc["outputs"])), label="rel")]
    elif where == "failed":
        node = doc.setdefault("failed", {})
    while True:
        if not isinstance(node, (dict, list)):
            return
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        action = data.draw(st.sampled_from(["descend", "replace", "replace", "delete", "add"]))
        if not keys or action == "add":
            if isinstance(node, dict):
                node[data.draw(KEYS | st.text(max_size=6))] = data.draw(NEAR)
            else:
                node.append(data.draw(NEAR))
            return
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if action == "descend" and isinstance(child, (dict, list)):
            node = child
            continue
        if action == "delete":
            del node[key]
        else:
            node[key] = data.draw(NEAR)
        return
