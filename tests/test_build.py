"""`pdfgen build`: what is rebuilt and why, failures that lose nothing, reproducible bytes."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdfgen.build import MANIFEST, build_library
from pdfgen.cli import cli

from .pdfread import read_pdf

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
SAMPLE_OUTPUTS = ["hemilaminectomy/hemilaminectomy.bilingual.pdf",
                  "hemilaminectomy/hemilaminectomy.en.pdf",
                  "hemilaminectomy/hemilaminectomy.es.pdf"]


def _add(library: Path, hid: str, title: str = "Test procedure") -> Path:
    text = MINIMAL.read_text(encoding="utf-8").replace("id: minimal", f"id: {hid}")
    path = library / f"{hid}.yaml"
    path.write_text(text.replace("en: Test procedure", f"en: {title}"), encoding="utf-8")
    return path


def _outputs(hid: str) -> list[str]:
    return [f"{hid}/{hid}.{o}.pdf" for o in ("bilingual", "en", "es")]


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.pdf"))}


def test_cold_build_then_nothing_to_do(library, tmp_path):
    out = tmp_path / "out"
    first = build_library(library, out, jobs=1)
    assert first.ok and sorted(first.built) == SAMPLE_OUTPUTS
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    entry = manifest["hemilaminectomy/hemilaminectomy.es.pdf"]
    data = (out / "hemilaminectomy/hemilaminectomy.es.pdf").read_bytes()
    assert entry["bytes"] == len(data) and entry["languages"] == ["es"]
    assert entry["pages"] == len(read_pdf(data).pages) and entry["version"] == "1.0"
    assert entry["reviewed"] == "2026-11-01" and len(entry["sha256"]) == 64
    second = build_library(library, out, jobs=1)
    assert second.built == [] and sorted(second.skipped) == SAMPLE_OUTPUTS


def test_each_kind_of_edit_rebuilds_exactly_what_it_should(library, tmp_path):
    out = tmp_path / "out"
    _add(library, "knee")
    build_library(library, out, jobs=1)
    # one handout edited: only its three outputs
    _add(library, "knee", title="Knee surgery")
    result = build_library(library, out, jobs=1)
    assert sorted(result.built) == _outputs("knee")
    assert set(result.reasons.values()) == {"handout changed"}
    # the clinic phone edited: everything, and the new number is in every PDF
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("817-697-4038", "817-555-0100"))
    result = build_library(library, out, jobs=1)
    assert sorted(result.built) == sorted(SAMPLE_OUTPUTS + _outputs("knee"))
    assert set(result.reasons.values()) == {"clinic profile changed"}
    for data in _snapshot(out).values():
        assert all("817-555-0100" in page for page in read_pdf(data).pages)
    # --force: everything again, though nothing changed
    assert len(build_library(library, out, jobs=1, force=True).built) == 6
    # a PDF deleted by hand comes back
    (out / "knee/knee.es.pdf").unlink()
    assert build_library(library, out, jobs=1).built == ["knee/knee.es.pdf"]


def test_deleted_handout_outputs_are_removed_and_foreign_files_kept(library, tmp_path):
    out = tmp_path / "out"
    _add(library, "knee")
    build_library(library, out, jobs=1)
    (out / "README.txt").write_text("staff notes")
    (out / "knee" / "printed-copy.pdf").write_bytes(b"not ours")
    (library / "knee.yaml").unlink()
    result = build_library(library, out, jobs=1)
    assert sorted(result.removed) == _outputs("knee")
    assert not (out / "knee" / "knee.bilingual.pdf").exists()
    assert (out / "README.txt").read_text() == "staff notes"
    assert (out / "knee" / "printed-copy.pdf").read_bytes() == b"not ours"
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    assert sorted(manifest) == SAMPLE_OUTPUTS


def test_broken_handout_keeps_its_last_good_pdfs_and_others_build(library, tmp_path):
    out = tmp_path / "out"
    knee = _add(library, "knee")
    _add(library, "wrist")
    build_library(library, out, jobs=1)
    before = _snapshot(out)
    knee.write_text(knee.read_text().replace("es: Procedimiento de prueba", "es: ''"))
    _add(library, "wrist", title="Wrist surgery")
    result = build_library(library, out, jobs=2)
    assert not result.ok, result
    assert sorted(result.failed) == _outputs("knee"), result
    assert sorted(result.built) == _outputs("wrist")
    messages = [str(f) for f in result.findings if f.severity == "error"]
    assert len(messages) == 1  # (the new handouts' unconfirmed translations are warnings)
    assert messages[0].endswith("knee.yaml:6:33: title.es: Spanish text is empty")
    after = _snapshot(out)
    for rel in _outputs("knee"):
        assert after[rel] == before[rel]  # last good PDF untouched
    # fixed: the next build finishes the job
    _add(library, "knee", title="Knee surgery")
    assert sorted(build_library(library, out, jobs=1).built) == _outputs("knee")
    # put back exactly as last built: the kept PDFs are current, nothing to do
    _add(library, "knee")
    again = build_library(library, out, jobs=1)
    assert sorted(again.built) == _outputs("knee")  # the manifest now records "Knee surgery"


def test_builds_are_byte_identical(library, tmp_path):
    _add(library, "knee")
    build_library(library, tmp_path / "a", jobs=2)
    build_library(library, tmp_path / "b", jobs=1)
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert a == b and len(a) == 6
    ma = json.loads((tmp_path / "a" / MANIFEST).read_text())
    mb = json.loads((tmp_path / "b" / MANIFEST).read_text())
    assert ma == mb


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_any_executor_can_run_the_build(library, tmp_path, kind):
    _add(library, "knee")
    pool = cf.ThreadPoolExecutor(2) if kind == "thread" else cf.ProcessPoolExecutor(2)
    with pool:
        result = build_library(library, tmp_path / "out", executor=pool)
    assert result.ok and len(result.built) == 6
    assert _snapshot(tmp_path / "out") == _snapshot_fresh(library, tmp_path / "ref")


def _snapshot_fresh(library: Path, out: Path) -> dict[str, bytes]:
    build_library(library, out, jobs=1)
    return _snapshot(out)


def test_cli_json_summary_and_dry_run(library, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["build", "--library", str(library), "--out", str(out), "--jobs", "1"]
    dry = runner.invoke(cli, args + ["--dry-run"])
    assert dry.exit_code == 0 and "would build hemilaminectomy/hemilaminectomy.en.pdf: new" \
        in dry.output
    assert not out.exists()
    result = runner.invoke(cli, args + ["--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert sorted(summary["built"]) == SAMPLE_OUTPUTS and summary["failed"] == []
    assert summary["skipped"] == 0 and summary["removed"] == []
    again = json.loads(runner.invoke(cli, args + ["--json"]).output)
    assert again["built"] == [] and again["skipped"] == 3


def test_cli_exit_1_and_file_line_on_failure(library, tmp_path):
    (library / "broken.yaml").write_text("id: broken\ntitle: [\n")
    result = CliRunner().invoke(cli, ["build", "--library", str(library), "--out",
                                      str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 1
    assert "broken.yaml:3:1: YAML syntax error" in result.output
    assert "FAILED broken/broken.bilingual.pdf" in result.output
    assert (tmp_path / "out" / "hemilaminectomy" / "hemilaminectomy.en.pdf").is_file()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_build_leaves_whole_pdfs_and_the_next_build_finishes(library, tmp_path, sig):
    for i in range(30):
        _add(library, f"proc-{i:02d}")
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    old = _snapshot(out)
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("817-697-4038", "817-555-0100"))
    proc = subprocess.Popen([sys.executable, "-m", "pdfgen", "build", "--library", str(library),
                             "--out", str(out), "--jobs", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH":
                                                           str(Path(__file__).parent.parent)})
    with proc.stdout:
        for line in proc.stdout:  # wait until a few PDFs are replaced, then interrupt
            if line.startswith(b"built proc-05"):
                break
        proc.send_signal(sig)
        proc.wait(timeout=30)
    assert proc.returncode != 0
    mid = _snapshot(out)
    assert mid.keys() == old.keys()
    replaced = [rel for rel in mid if mid[rel] != old[rel]]
    assert replaced and len(replaced) < len(old)  # really interrupted midway
    for rel, data in mid.items():  # every PDF is the old one or a complete new one
        text = read_pdf(data).pages[0]
        assert ("817-555-0100" in text) == (data != old[rel]), rel
    result = build_library(library, out, jobs=2)
    assert result.ok and result.built
    assert not list(out.rglob("*.tmp"))
    fresh = _snapshot_fresh(library, tmp_path / "fresh")
    assert _snapshot(out) == fresh


def test_a_hand_edited_manifest_cannot_point_outside_the_output_folder(library, tmp_path):
    """The manifest decides what a build deletes and what the page links to: an entry that
    pdfgen could not have written is dropped, never followed."""
    out = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "doc.pdf").write_bytes(b"not pdfgen's")
    build_library(library, out, jobs=1)
    manifest = json.loads((out / MANIFEST).read_text())
    good = manifest["outputs"]["hemilaminectomy/hemilaminectomy.en.pdf"]
    manifest["outputs"]["../victim/doc.pdf"] = {**good, "handout": "knee"}
    manifest["outputs"]["hemilaminectomy/hemilaminectomy.es.pdf"]["title"] = "not a mapping"
    (out / MANIFEST).write_text(json.dumps(manifest))
    result = build_library(library, out, jobs=1)
    assert (victim / "doc.pdf").read_bytes() == b"not pdfgen's"
    assert result.removed == [] and result.built == ["hemilaminectomy/hemilaminectomy.es.pdf"]
    page = (out / "index.html").read_text()
    assert "victim" not in page and "not a mapping" not in page
    assert sorted(json.loads((out / MANIFEST).read_text())["outputs"]) == SAMPLE_OUTPUTS
