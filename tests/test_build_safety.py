"""`pdfgen build` cannot leave a stale or foreign file, and never ends in a traceback:
content hashes, files pdfgen did not write, links in out/, unusable manifests, a bad layout,
engine exceptions, a dead worker, an unusable output folder."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import pdfgen.build as build_mod
from pdfgen.build import MANIFEST, WORKER_DIED, build_library
from pdfgen.cli import cli

from .test_build import SAMPLE_OUTPUTS, _add, _outputs, _snapshot

REPO = Path(__file__).resolve().parent.parent
EN = "hemilaminectomy/hemilaminectomy.en.pdf"


def _cli(library: Path, out: Path, *args: str):
    return CliRunner().invoke(cli, ["build", "--library", str(library), "--out", str(out),
                                    "--jobs", "1", *args])


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def _manifest_matches_disk(out: Path) -> None:
    """Every record in manifest.json describes the file on disk."""
    import hashlib

    for rel, entry in _manifest(out)["outputs"].items():
        data = (out / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        assert len(data) == entry["bytes"], rel


# -- change detection by content ---------------------------------------------------------------


def test_a_pdf_edited_by_hand_keeping_its_size_is_rebuilt(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    good = (out / EN).read_bytes()
    edited = bytearray(good)
    at = edited.index(b"Hemilaminectomy")
    edited[at] = ord("X")  # same size, other bytes
    (out / EN).write_bytes(bytes(edited))
    result = build_library(library, out, jobs=1)
    assert result.ok and result.built == [EN]
    assert result.reasons == {EN: "PDF changed on disk"}
    assert (out / EN).read_bytes() == good


def test_a_lost_manifest_rebuilds_pdfgens_own_pdfs(library, tmp_path):
    """Without its record, a PDF is known as pdfgen's by its Info Creator ('pdfgen ...')."""
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    (out / MANIFEST).unlink()
    result = build_library(library, out, jobs=1)
    assert result.ok, result.findings
    assert sorted(result.built) == SAMPLE_OUTPUTS
    assert set(result.reasons.values()) == {"not recorded in manifest.json"}
    _manifest_matches_disk(out)


# -- files pdfgen did not write ----------------------------------------------------------------


@pytest.mark.parametrize("recorded", [False, True], ids=["no-record", "record-replaced"])
def test_a_foreign_file_where_a_pdf_goes_stops_that_output(library, tmp_path, recorded):
    out = tmp_path / "out"
    if recorded:
        build_library(library, out, jobs=1)
    else:
        (out / "hemilaminectomy").mkdir(parents=True)
    (out / EN).write_bytes(b"%PDF-1.4 the clinic's own scan, not pdfgen's")
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    assert (f"{out / EN}: not replaced: pdfgen did not write this file" in result.output)
    assert "move it away or delete it" in result.output
    assert f"FAILED {EN}" in result.output
    assert (out / EN).read_bytes() == b"%PDF-1.4 the clinic's own scan, not pdfgen's"
    manifest = _manifest(out)
    assert EN not in manifest["outputs"]  # not recorded: it is not pdfgen's
    assert sorted(manifest["outputs"]) == sorted(set(SAMPLE_OUTPUTS) - {EN})
    failed = manifest["failed"]["hemilaminectomy"]
    assert failed["outputs"] == ["en"] and failed["file"] == str(library / "hemilaminectomy.yaml")
    assert failed["title"] == {"en": "Hemilaminectomy", "es": "Hemilaminectomía"}  # it loaded
    assert failed["reason"].startswith(f"{out / EN}: not replaced: pdfgen did not write")
    _manifest_matches_disk(out)
    # moved away: the next build writes the PDF
    (out / EN).unlink()
    assert build_library(library, out, jobs=1).built == [EN]


def test_a_foreign_file_of_a_removed_handout_is_not_deleted(library, tmp_path):
    out = tmp_path / "out"
    _add(library, "knee")
    build_library(library, out, jobs=1)
    (out / "knee/knee.en.pdf").write_bytes(b"someone else's document")
    (library / "knee.yaml").unlink()
    result = build_library(library, out, jobs=1)
    assert sorted(result.removed) == ["knee/knee.bilingual.pdf", "knee/knee.es.pdf"]
    assert (out / "knee/knee.en.pdf").read_bytes() == b"someone else's document"
    assert any("knee.en.pdf: warning: not removed: pdfgen did not write this file" in str(f)
               for f in result.findings)


def test_a_foreign_index_html_is_not_written_over(library, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<p>the clinic's own page</p>")
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    assert "index.html: not written over: pdfgen did not write this page" in result.output
    assert (out / "index.html").read_text() == "<p>the clinic's own page</p>"
    assert sorted(_manifest(out)["outputs"]) == SAMPLE_OUTPUTS  # the PDFs are built
    # pdfgen's own page (its stamp) is rewritten as before
    (out / "index.html").unlink()
    assert _cli(library, out).exit_code == 0
    assert (out / "index.html").read_text().rstrip().endswith("-->")


# -- links in out/ are never followed ----------------------------------------------------------


def test_a_linked_handout_folder_is_neither_written_nor_deleted_through(library, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    _add(library, "knee")
    build_library(library, out, jobs=1)
    (out / "knee").rename(elsewhere)
    (out / "knee").symlink_to(elsewhere, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("817-697-4038", "817-555-0100"))
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    assert (f"{out / 'knee'}: is a symbolic link; pdfgen does not write or delete through links"
            in result.output)
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == before
    manifest = _manifest(out)
    assert sorted(manifest["outputs"]) == SAMPLE_OUTPUTS  # the others are rebuilt
    assert manifest["failed"]["knee"]["outputs"] == ["bilingual", "en", "es"]
    # the handout removed: its PDFs are not deleted through the link
    (library / "knee.yaml").unlink()
    result = build_library(library, out, jobs=1)
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == before
    assert "knee" not in _manifest(out)["failed"]


def test_out_itself_may_be_a_link(library, tmp_path):
    real, link = tmp_path / "shared-drive", tmp_path / "out"
    real.mkdir()
    link.symlink_to(real, target_is_directory=True)
    assert build_library(library, link, jobs=1).ok
    assert sorted(_snapshot(real)) == SAMPLE_OUTPUTS
    assert build_library(library, link, jobs=1).skipped


def test_a_linked_pdf_is_not_written_through(library, tmp_path):
    out, target = tmp_path / "out", tmp_path / "precious.pdf"
    target.write_bytes(b"precious")
    (out / "hemilaminectomy").mkdir(parents=True)
    (out / EN).symlink_to(target)
    result = build_library(library, out, jobs=1)
    assert result.failed == [EN]
    assert any("not replaced: it is a symbolic link" in str(f) for f in result.findings)
    assert target.read_bytes() == b"precious" and (out / EN).is_symlink()


def test_linked_index_html_and_manifest_are_not_followed(library, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    page, manifest = tmp_path / "page.html", tmp_path / "notes.json"
    page.write_text("mine")
    manifest.write_text('{"mine": true}')
    (out / "index.html").symlink_to(page)
    (out / MANIFEST).symlink_to(manifest)
    result = build_library(library, out, jobs=1)
    assert page.read_text() == "mine" and manifest.read_text() == '{"mine": true}'
    assert (out / "index.html").is_symlink()
    assert (out / f"{MANIFEST}.unreadable").is_symlink()  # the link itself set aside
    assert not (out / MANIFEST).is_symlink()
    _manifest_matches_disk(out)
    messages = [str(f) for f in result.findings]
    assert any("index.html: not written: it is a symbolic link" in m for m in messages)
    assert any("manifest.json: warning: is a symbolic link: set aside" in m for m in messages)


# -- unusable manifests ------------------------------------------------------------------------


MALFORMED = {
    "folder": lambda p: (p.unlink(), p.mkdir()),
    "fifo": lambda p: (p.unlink(), os.mkfifo(p)),
    "2-GB": lambda p: os.truncate(p, 2 * 1024 ** 3),
    "deeply-nested": lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
    "not-json": lambda p: p.write_bytes(b"\xff{not json"),
    "not-pdfgens": lambda p: p.write_text('{"outputs": {}}'),
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_an_unusable_manifest_is_set_aside_and_the_build_starts_over(library, tmp_path, kind):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    MALFORMED[kind](out / MANIFEST)
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "manifest.json: warning:" in result.output and "set aside as manifest.json.unreadable" \
        in result.output
    assert os.path.lexists(out / f"{MANIFEST}.unreadable")  # kept, never deleted
    _manifest_matches_disk(out)
    assert sorted(_manifest(out)["outputs"]) == SAMPLE_OUTPUTS
    # a second unusable one does not overwrite the first one set aside
    (out / MANIFEST).write_text("[]")
    assert _cli(library, out).exit_code == 0
    assert (out / f"{MANIFEST}.unreadable.1").read_text() == "[]"


BAD_FIELDS = {
    "review-record": ("review", {"reviewed": "2026-11-01", "pending": False, "at": [1, 2]}),
    "severity": ("warnings", [{"file": "x.yaml", "message": "m", "severity": "bogus"}]),
    "review-date-overflow": ("review", {"reviewed": "9999-12-31", "pending": False,
                                        "at": ["x.yaml", 1, 1], "by": ["x.yaml", 1, 1]}),
    "bytes": ("bytes", "many"),
    "sha256": ("sha256", "00"),
    "title-surrogate": ("title", {"en": "\ud800"}),
    "inputs": ("inputs", ["not", "a", "mapping"]),
    "waivers": ("waivers", {"rule": 1}),
    "line-not-a-number": ("warnings", [{"file": "x.yaml", "message": "m", "line": [],
                                        "severity": "warning"}]),
}


@pytest.mark.parametrize("kind", list(BAD_FIELDS))
def test_a_malformed_entry_is_dropped_and_its_pdf_rebuilt(library, tmp_path, kind):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    manifest = _manifest(out)
    good = dict(manifest["outputs"][EN])
    key, value = BAD_FIELDS[kind]
    manifest["outputs"][EN][key] = value
    (out / MANIFEST).write_text(json.dumps(manifest))
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 0, result.output
    assert f"dropped the record of {EN}" in result.output
    assert f"built {EN}" in result.output
    _manifest_matches_disk(out)
    assert _manifest(out)["outputs"][EN] == good


# -- one bad layout, engine exceptions, a dead worker ------------------------------------------


def _use_layout(library: Path, name: str) -> None:
    """Give the clinic a fourth output, 'extra', printed with layout `name`."""
    clinic = library / "clinic.yaml"
    text = clinic.read_text().replace(
        "  - name: es\n    layout: single\n    languages: [es]\n",
        f"  - name: es\n    layout: single\n    languages: [es]\n"
        f"  - name: extra\n    layout: {name}\n    languages: [en]\n")
    clinic.write_text(text)


@pytest.mark.parametrize("layout", ["broken", "missing"])
def test_a_bad_layout_fails_only_its_outputs(library, tmp_path, monkeypatch, layout):
    monkeypatch.chdir(tmp_path)  # ./layouts is searched first
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "broken.yaml").write_text(
        "extends: single\nname: broken\ndescription: x\nsizes:\n  body: huge\n")
    _use_layout(library, layout)
    _add(library, "knee")
    out = tmp_path / "out"
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    if layout == "broken":
        assert "layouts/broken.yaml:5:9: sizes.body: 'huge' is not a length" in result.output
    else:
        assert re.search(r"clinic\.yaml:\d+:\d+: outputs: output 'extra': no layout named "
                         r"'missing'", result.output), result.output  # at the output's line
    manifest = _manifest(out)
    assert sorted(manifest["outputs"]) == sorted(SAMPLE_OUTPUTS + _outputs("knee"))
    for hid in ("hemilaminectomy", "knee"):
        assert f"FAILED {hid}/{hid}.extra.pdf" in result.output
        assert manifest["failed"][hid]["outputs"] == ["extra"]
    assert (out / "index.html").is_file()
    assert "hemilaminectomy" in (out / "index.html").read_text()


def test_an_engine_exception_fails_one_output_with_a_finding(library, tmp_path, monkeypatch):
    import pdfgen.render

    real = pdfgen.render.render_pdf

    def flaky(proc, clinic, layout, langs=None, **kw):
        if layout.name == "bilingual":
            raise RuntimeError("the engine broke\nsecond line")
        return real(proc, clinic, layout, langs, **kw)

    monkeypatch.setattr(pdfgen.render, "render_pdf", flaky)
    passed = []
    real_catalog = build_mod.write_catalog

    def catalog(*args, **kwargs):
        passed.append(kwargs["failed"])
        return real_catalog(*args, **kwargs)

    monkeypatch.setattr(build_mod, "write_catalog", catalog)
    out = tmp_path / "out"
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    shown = str(library / "hemilaminectomy.yaml")
    assert (f"{shown}: output 'bilingual' (layout bilingual): could not be rendered: "
            "RuntimeError: the engine broke\n") in result.output
    assert "second line" not in result.output
    assert sorted(_manifest(out)["outputs"]) == sorted(set(SAMPLE_OUTPUTS) - {
        "hemilaminectomy/hemilaminectomy.bilingual.pdf"})
    failed = _manifest(out)["failed"]["hemilaminectomy"]
    assert failed["outputs"] == ["bilingual"] and failed["title"]["es"] == "Hemilaminectomía"
    assert failed["reason"].startswith(f"{shown}: output 'bilingual'")
    assert passed == [{"hemilaminectomy": failed}]  # what the front-desk page is given


def test_a_layout_reportlab_could_not_lay_out_fails_only_its_outputs(library, tmp_path,
                                                                      monkeypatch):
    """A title taller than the page (ReportLab's LayoutError, once) is refused when the
    layout loads, with its line: only the outputs printed with it fail."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "huge.yaml").write_text(
        "extends: single\nname: huge\ndescription: x\nsizes:\n  title: 700pt\n")
    _use_layout(library, "huge")
    _add(library, "knee")
    out = tmp_path / "out"
    result = build_library(library, out, jobs=2)
    assert sorted(result.failed) == ["hemilaminectomy/hemilaminectomy.extra.pdf",
                                     "knee/knee.extra.pdf"]
    assert sorted(result.built) == sorted(SAMPLE_OUTPUTS + _outputs("knee"))
    messages = [str(f) for f in result.findings if f.severity == "error"]
    assert messages == ["layouts/huge.yaml:5:10: sizes.title: 700pt is outside 6-72 pt"]


def test_a_worker_that_dies_fails_only_its_handout(library, tmp_path, monkeypatch):
    real = build_mod.run_task

    def deadly(task):  # the pool forks after this patch: its workers run it
        if task.handout.endswith("knee.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(task)

    monkeypatch.setattr(build_mod, "run_task", deadly)
    for hid in ("knee", "wrist", "hip"):
        _add(library, hid)
    out = tmp_path / "out"
    result = build_library(library, out, jobs=2)
    assert sorted(result.failed) == _outputs("knee")
    assert sorted(result.built) == sorted(SAMPLE_OUTPUTS + _outputs("wrist") + _outputs("hip"))
    assert any(WORKER_DIED in str(f) for f in result.findings)
    _manifest_matches_disk(out)


# -- inputs that are not regular files ---------------------------------------------------------


def test_a_fifo_in_the_library_cannot_hang_the_build(library, tmp_path):
    os.mkfifo(library / "knee.yaml")
    (library / "hemilaminectomy.translations.yaml").unlink()
    os.mkfifo(library / "hemilaminectomy.translations.yaml")
    proc = subprocess.run([sys.executable, "-m", "pdfgen", "build", "--library", str(library),
                           "--out", str(tmp_path / "out"), "--jobs", "1"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "knee.yaml: is a named pipe (FIFO), not a regular file" in proc.stdout
    assert "hemilaminectomy.translations.yaml: is a named pipe (FIFO)" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_only_an_unknown_id_is_a_usage_error(library, tmp_path):
    result = _cli(library, tmp_path / "out", "--only", "nope")
    assert result.exit_code == 2 and "no handout nope" in result.output
    assert not (tmp_path / "out").exists()


# -- the output folder -------------------------------------------------------------------------


def test_out_naming_a_file_is_one_line(library, tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    for out in (afile, afile / "sub"):
        result = _cli(library, out)
        _no_traceback(result)
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert str(afile) in result.output
    assert "is a file, not a folder; --out names the folder" in _cli(library, afile).output
    assert afile.read_text() == "x"


def test_a_library_without_clinic_yaml_is_the_same_error_as_in_check(library, tmp_path):
    (library / "clinic.yaml").rename(library / "Clinic.YAML")
    build = _cli(library, tmp_path / "out")
    check = CliRunner().invoke(cli, ["check", str(library)])
    assert build.exit_code == check.exit_code == 1
    line = "clinic.yaml: no clinic.yaml in the library folder: rename Clinic.YAML to clinic.yaml"
    assert line in build.output and line in check.output
    result = _cli(tmp_path / "nowhere", tmp_path / "out")
    assert result.exit_code == 2 and "nowhere: no such folder" in result.output


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_handout_file_that_becomes_unreadable_keeps_its_last_pdfs(library, tmp_path, kind):
    """Not taken for a deleted handout: its PDFs stay, it fails (exit 1) and the front-desk
    page says its PDFs were not updated."""
    out = tmp_path / "out"
    assert _cli(library, out).exit_code == 0
    before = _snapshot(out)
    handout = library / "hemilaminectomy.yaml"
    handout.unlink()
    os.mkfifo(handout) if kind == "fifo" else handout.mkdir()
    result = _cli(library, out)
    _no_traceback(result)
    assert result.exit_code == 1
    assert "hemilaminectomy.yaml: is a " in result.output and "removed 0," in result.output
    assert _snapshot(out) == before  # every PDF, byte for byte
    assert sorted(_manifest(out)["outputs"]) == SAMPLE_OUTPUTS
    assert "hemilaminectomy" in _manifest(out)["failed"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Not updated" in page


def _as_nobody() -> list[str] | None:
    """A command prefix that runs a program as a user file permissions apply to."""
    if os.geteuid() != 0:
        return []
    for tool in ("/usr/bin/setpriv", "/bin/setpriv"):
        if os.access(tool, os.X_OK):
            return [tool, "--reuid=65534", "--regid=65534", "--clear-groups"]
    return None


def test_a_read_only_output_folder_is_one_line(tmp_path):
    """As a user without write permission (root is not refused, so run as nobody)."""
    import shutil
    import tempfile

    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("needs setpriv to run the build as another user (running as root)")
    base = Path(tempfile.mkdtemp(prefix="pdfgen-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        shutil.copytree(REPO / "handouts", base / "lib")
        (base / "out").mkdir()
        (base / "out").chmod(0o555)
        for p in base.rglob("*"):
            if p.is_file():
                p.chmod(0o644)
        probe = subprocess.run([*prefix, sys.executable, "-c", "import pdfgen"],
                               capture_output=True, text=True, cwd=base)
        if probe.returncode != 0:
            pytest.skip(f"the test user cannot run this Python and pdfgen: {probe.stderr[-200:]}")
        proc = subprocess.run([*prefix, sys.executable, "-m", "pdfgen", "build", "--library",
                               "lib", "--out", "out", "--jobs", "1"], capture_output=True,
                              text=True, cwd=base, timeout=120,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        assert proc.returncode == 1
        assert proc.stdout == ""
        assert proc.stderr == "out: cannot write in the output folder: permission denied\n"
        assert list((base / "out").iterdir()) == []
    finally:
        (base / "out").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_a_full_disk_leaves_whole_pdfs_and_says_so(library, tmp_path):
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        out = disk / "out"
        first = build_library(library, out, jobs=1)  # about 215 KiB: fits
        assert first.ok, first.findings
        old = _snapshot(out)
        for hid in ("knee", "wrist", "hip"):
            _add(library, hid)
        clinic = library / "clinic.yaml"
        clinic.write_text(clinic.read_text().replace("817-697-4038", "817-555-0100"))
        result = _cli(library, out)
        _no_traceback(result)
        assert result.exit_code == 1
        summary = result.output.strip().splitlines()[-1]
        assert "the output disk is full" in summary, result.output
        assert "not written: no space left on the disk" in result.output
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        from .pdfread import read_pdf

        for rel, data in _snapshot(out).items():  # each PDF whole: the old one or a new one
            text = read_pdf(data).pages[0]
            assert data == old.get(rel) or "817-555-0100" in text, rel
        if "manifest.json: not written" not in result.output:
            _manifest_matches_disk(out)
        # more space: the next build finishes the job and the records match the files
        subprocess.run(["mount", "-o", "remount,size=2m", str(disk)], check=True)
        again = build_library(library, out, jobs=1)
        assert again.ok, again.findings
        _manifest_matches_disk(out)
        for data in _snapshot(out).values():
            assert "817-555-0100" in read_pdf(data).pages[0]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- killed with SIGKILL: no orphan, nothing stale ---------------------------------------------


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids.update(int(x) for x in fh.read().split())
    except OSError:
        pass
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_build_leaves_no_worker_and_no_stale_pdf(library, tmp_path):
    import select
    import time

    from .pdfread import read_pdf

    for i in range(30):
        _add(library, f"proc-{i:02d}")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "pdfgen", "build", "--library", str(library),
                             "--out", str(out), "--jobs", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=tmp_path)
    workers: set[int] = set()
    seen = b""
    while seen.count(b"\nbuilt ") < 6:  # a few PDFs in: the pool is busy
        line = proc.stdout.readline()
        assert line, seen.decode()
        seen += b"\n" + line
        workers |= _children(proc.pid)
    workers |= _children(proc.pid)
    assert len(workers) >= 2, workers
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    fd = proc.stdout.fileno()
    while True:  # the pipe reaches EOF: no orphan holds it open
        left = deadline - time.monotonic()
        assert left > 0, "the build's output pipe is still open after its parent was killed"
        ready, _, _ = select.select([fd], [], [], left)
        if ready and not os.read(fd, 65536):
            break
    proc.stdout.close()
    time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived the killed build"
    # the phone is fixed and the library rebuilt: nothing old may land in out/ afterwards
    clinic = library / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("817-697-4038", "817-555-0100"))
    result = build_library(library, out, jobs=2)
    assert result.ok, result.findings
    time.sleep(1.5)
    pdfs = _snapshot(out)
    assert len(pdfs) == 31 * 3
    for rel, data in pdfs.items():
        assert "817-555-0100" in read_pdf(data).pages[0], rel
    _manifest_matches_disk(out)
    assert sorted(_manifest(out)["outputs"]) == sorted(pdfs)


def test_pdfs_a_build_writes_are_not_world_writable(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    mode = stat.S_IMODE((out / EN).stat().st_mode)
    assert mode == 0o644
