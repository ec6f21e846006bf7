"""Build jobs are pure: a job renders the content the plan read and hashed, never the files
as they are when the job runs (docs/build.md, "How a build runs")."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import shutil
from pathlib import Path

from pdfgen.build import MANIFEST, build_library, plan_build, run_task

from .pdfread import read_pdf
from .test_build import _add, _outputs, _snapshot

PHONE, OTHER_PHONE = "817-697-4038", "817-555-0100"
SINGLE = Path(__file__).resolve().parent.parent / "layouts" / "single.yaml"
ENGLISH = ["knee/knee.bilingual.pdf", "knee/knee.en.pdf"]  # the PDFs with the English title


class EditsBeforeEachJob(cf.Executor):
    """Runs each job in this thread, right after `edit()`: an editor saving a file between
    the plan and the job (an editor or a sync client; on a cluster, a job that starts later)."""

    def __init__(self, edit):
        self.edit = edit

    def submit(self, fn, /, *args, **kwargs):
        self.edit()
        future = cf.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _text(path: Path) -> str:
    return " ".join(read_pdf(path.read_bytes()).pages)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _snapshot_of(library: Path, out: Path) -> dict[str, bytes]:
    """The PDFs an ordinary build of the library makes, as it is now."""
    assert build_library(library, out, jobs=1).ok
    return _snapshot(out)


def test_an_edit_between_plan_and_job_is_not_rendered_under_the_old_hash(library, tmp_path,
                                                                          monkeypatch):
    """The plan reads and hashes the handout, clinic.yaml, the translations file and the
    layouts; an editor then changes all four before the jobs run. The jobs render what the
    plan hashed (byte for byte a build of the files as they were), so when the edit is
    reverted the next build rightly skips: the PDFs on disk say what the files on disk say."""
    monkeypatch.chdir(tmp_path)  # ./layouts is searched first
    handout = _add(library, "knee", title="Knee surgery")
    clinic = library / "clinic.yaml"
    confirmations = library / "hemilaminectomy.translations.yaml"
    local_layout = tmp_path / "layouts" / "single.yaml"  # will hide the bundled one
    planned = {p: p.read_bytes() for p in (handout, clinic, confirmations)}
    expected = _snapshot_of(library, tmp_path / "ref")

    def edit():
        handout.write_text(handout.read_text().replace("Knee surgery", "Knee replaced"))
        clinic.write_text(clinic.read_text().replace(PHONE, OTHER_PHONE))
        confirmations.unlink(missing_ok=True)
        local_layout.parent.mkdir(exist_ok=True)
        local_layout.write_text(SINGLE.read_text() + 'colors:\n  heading: "#000000"\n')

    out = tmp_path / "out"
    racing = build_library(library, out, executor=EditsBeforeEachJob(edit))
    assert racing.ok and len(racing.built) == 6
    assert _snapshot(out) == expected  # what was planned, not what was there when it ran
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    for rel, entry in manifest.items():  # and recorded as made of what the plan read
        assert entry["inputs"]["clinic"] == _sha(planned[clinic])
        if rel.startswith("knee/"):
            assert entry["inputs"]["handout"] == _sha(planned[handout])
        else:
            assert entry["inputs"]["translations"] == _sha(planned[confirmations])
            assert entry["under_review"] == []  # confirmed, as the planned file said
    for rel in ENGLISH:
        text = _text(out / rel)
        assert "Knee surgery" in text and "Knee replaced" not in text, rel
        assert PHONE in text and OTHER_PHONE not in text, rel

    for path, data in planned.items():  # the edit reverted
        path.write_bytes(data)
    local_layout.unlink()
    again = build_library(library, out, jobs=1)
    assert again.built == [] and len(again.skipped) == 6
    assert _snapshot(out) == expected  # the PDFs on disk match the files on disk
    for rel in ENGLISH:
        text = _text(out / rel)
        assert "Knee surgery" in text and "Knee replaced" not in text, rel


def test_the_edit_itself_is_built_by_the_next_build(library, tmp_path):
    """Not reverted, the edit made during a build is seen (and built) by the next one."""
    handout = _add(library, "knee", title="Knee surgery")

    def edit():
        handout.write_text(handout.read_text().replace("Knee surgery", "Knee replaced"))

    out = tmp_path / "out"
    build_library(library, out, only=["knee"], executor=EditsBeforeEachJob(edit))
    again = build_library(library, out, only=["knee"], jobs=1)
    assert sorted(again.built) == _outputs("knee")
    assert set(again.reasons.values()) == {"handout changed"}
    assert all("Knee replaced" in _text(out / rel) for rel in ENGLISH)


def test_a_job_reads_nothing_from_the_library_or_the_working_folder(library, tmp_path,
                                                                    monkeypatch):
    """A task runs with its library folder gone and from another working folder (so
    without the ./layouts the plan used): it carries the handout, its translations file,
    the clinic and the layouts. Its PDFs are byte for byte those of an ordinary build."""
    work = tmp_path / "work"
    (work / "layouts").mkdir(parents=True)
    (work / "layouts" / "single.yaml").write_text(  # hides the bundled one
        SINGLE.read_text() + 'colors:\n  heading: "#000000"\n')
    monkeypatch.chdir(work)
    _add(library, "knee")
    expected = _snapshot_of(library, tmp_path / "ref")

    plan = plan_build(library, tmp_path / "out", dry_run=True)
    if plan.folder is not None:
        plan.folder.close()
    assert len(plan.tasks) == 2
    shutil.move(library, tmp_path / "elsewhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    for task in plan.tasks:
        assert not Path(task.handout).exists()
        for job in run_task(task):
            assert job.ok, [str(f) for f in job.findings]
            assert job.data == expected[job.path], job.path
    # the sample's translations file was read by the plan and travelled with the task: the
    # job judged the same translations as confirmed
    sample = next(t for t in plan.tasks if t.handout.endswith("hemilaminectomy.yaml"))
    assert sample.translations is not None
    assert [j.entry["under_review"] for j in run_task(sample)] == [[], [], []]


def test_the_loaders_parse_bytes_already_read(library, tmp_path):
    """load_clinic, load_procedure and freshness.read take the file's bytes (raw=) instead
    of reading it; with raw=None they read the file, as before. A handout's figure files
    are given as bytes too (figures=), or else read from its folder."""
    from pdfgen.load import load_clinic, load_procedure
    from pdfgen.quality import freshness
    from pdfgen.yamlio import MAX_BYTES

    clinic_path, handout = library / "clinic.yaml", library / "hemilaminectomy.yaml"
    confirmations = freshness.confirmations_path(handout)
    clinic, _ = load_clinic(clinic_path, "clinic.yaml")
    proc, _ = load_procedure(handout, clinic, "h.yaml")
    conf, _ = freshness.read(handout, "h.yaml")
    raws = {p: p.read_bytes() for p in (clinic_path, handout, confirmations)}
    figure = "figures/hemilaminectomy.svg"
    figures = {figure: (library / figure).read_bytes()}
    shutil.move(library, tmp_path / "elsewhere")
    assert load_clinic(clinic_path, "clinic.yaml", raw=raws[clinic_path])[0] == clinic
    assert load_procedure(handout, clinic, "h.yaml", raw=raws[handout],
                          figures=figures)[0] == proc
    gone = load_procedure(handout, clinic, "h.yaml", raw=raws[handout])  # read: it is gone
    assert gone[0] is None and "no such file" in gone[1][0].message
    held_back = load_procedure(handout, clinic, "h.yaml", raw=raws[handout], figures={})
    assert "not read when the build was planned" in held_back[1][0].message
    assert freshness.read(handout, "h.yaml", raw=raws[confirmations])[0] == conf and conf.exists
    assert freshness.read(handout, "h.yaml", raw=freshness.NO_FILE)[0].exists is False
    # refused as the file would be: a name other than .yaml, more than the size limit
    found = load_procedure(tmp_path / "knee.yml", clinic, "knee.yml", raw=raws[handout])[1]
    assert [f.message for f in found] == ["pdfgen reads only .yaml files: rename knee.yml to "
                                          "knee.yaml"]
    big = b"#" * (MAX_BYTES + 1)
    assert "1,048,576-byte limit" in load_clinic(clinic_path, raw=big)[1][0].message
    assert "1,048,576-byte limit" in freshness.read(handout, raw=big)[1][0].message
    # without raw=, the file is read: it is gone
    assert load_procedure(handout, clinic, "h.yaml")[0] is None


def test_the_catalog_thumbnail_is_drawn_by_the_job(library, tmp_path, monkeypatch):
    """The job draws its handout's thumbnail (the first page of the card's first output)
    with the PDF, in the pool; the parent writes it beside the PDF, and the catalog keeps
    it, drawing nothing itself. The thumbnail is the one the parent would have drawn."""
    from pdfgen.site import thumbs

    plan = plan_build(library, tmp_path / "out", dry_run=True)
    if plan.folder is not None:
        plan.folder.close()
    [task] = plan.tasks
    jobs = run_task(task)
    drawn = [j for j in jobs if j.thumb]
    assert [j.output for j in drawn] == [task.clinic.outputs[0].name]
    job = drawn[0]
    assert thumbs.png_text_of(job.thumb) == _sha(job.data)
    assert job.thumb == thumbs.render_thumbnail(job.data, _sha(job.data))

    calls = []
    real = thumbs.render_thumbnail

    def spy(pdf, sha):
        calls.append("job" if isinstance(pdf, bytes) else "catalog")
        return real(pdf, sha)

    monkeypatch.setattr(thumbs, "render_thumbnail", spy)
    out = tmp_path / "built"
    assert build_library(library, out, jobs=1).ok  # one task: the job runs in this process
    assert calls == ["job"]  # drawn with the PDF; write_catalog drew none
    png = out / thumbs.thumb_rel(job.path)
    assert png.read_bytes() == job.thumb
    assert thumbs.thumb_rel(job.path) in (out / "index.html").read_text(encoding="utf-8")
