"""A build hands its jobs out a few at a time and lets go of each as it is committed, so its
memory does not grow with the number of handouts (docs/build.md, "Speed and parallelism";
issue #16). The plan holds each task's bytes compressed, and a task is made whole only when
it is run."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import threading
from pathlib import Path

from pdfgen import build as build_mod
from pdfgen.build import (
    MANIFEST,
    WINDOW,
    WORKER_DIED,
    Tasks,
    build_library,
    execute,
    plan_build,
    run_task,
)

from .test_build import SAMPLE_OUTPUTS, _add, _outputs, _snapshot

HIDS = ("knee", "wrist", "hip", "ankle", "elbow", "spine", "neck")


def _library(library: Path, hids=HIDS) -> Path:
    for hid in hids:
        _add(library, hid, title=f"Surgery of the {hid}")
    return library


def _plan(library: Path, tmp_path: Path):
    plan = plan_build(library, tmp_path / "unused", dry_run=True)
    if plan.folder is not None:
        plan.folder.close()
    return plan


class CountingExecutor(cf.Executor):
    """A one-thread executor that records how many of the build's jobs were handed to it
    and not yet taken back by the build (the build's progress callback marks a handout's
    results as taken)."""

    def capacity(self) -> int:  # what the build sizes its window by
        return 1

    def __init__(self):
        self.pool = cf.ThreadPoolExecutor(1)
        self.lock = threading.Lock()
        self.submitted: list[str] = []
        self.taken: set[str] = set()
        self.most = 0

    def submit(self, fn, /, *args, **kwargs):
        with self.lock:
            self.submitted.append(Path(args[0].handout).stem)
            self.most = max(self.most, len(self.submitted) - len(self.taken))
        return self.pool.submit(fn, *args, **kwargs)

    def took(self, job) -> None:
        with self.lock:
            self.taken.add(job.path.split("/", 1)[0])

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_an_executor_never_holds_more_than_the_window(library, tmp_path):
    """Eight handouts on an executor that runs one job at a time: never more than WINDOW
    jobs handed to it and not yet committed (all eight at once, before), and every PDF is
    built, byte for byte those of a build in this process."""
    _library(library)
    expected = tmp_path / "ref"
    assert build_library(library, expected, jobs=1).ok
    executor = CountingExecutor()
    out = tmp_path / "out"
    try:
        result = build_library(library, out, executor=executor, progress=executor.took)
    finally:
        executor.shutdown()
    assert result.ok, [str(f) for f in result.findings]
    assert sorted(executor.submitted) == sorted(["hemilaminectomy", *HIDS])
    assert executor.most == WINDOW  # the window was used, and never exceeded
    assert _snapshot(out) == _snapshot(expected)
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    assert sorted(manifest) == sorted(result.built) and len(result.built) == 3 * 8


def test_the_pool_takes_tasks_only_as_results_come_back(library, tmp_path):
    """On the process pool, a task is made (and its bytes decompressed) only when there is
    room for it: when the k-th result comes back, at most k + window tasks have been taken
    from the plan."""
    plan = _plan(_library(library), tmp_path)
    taken = []

    class Watched(list):
        def __iter__(self):
            for task in super().__iter__():
                taken.append(task.handout)
                yield task

    window = 2
    seen = []
    for k, (task, results) in enumerate(execute(Watched(plan.tasks), jobs=2, window=window),
                                        1):
        assert len(taken) <= k - 1 + window, (k, len(taken))
        assert all(job.ok for job in results), [str(f) for j in results for f in j.findings]
        seen.append(task.handout)
    assert sorted(seen) == sorted(taken) and len(seen) == len(HIDS) + 1


def test_one_bad_handout_among_many_on_a_small_window(library, tmp_path, monkeypatch):
    """One window slot per worker: the bad handout fails alone, every other one is
    committed, the manifest records exactly what is on disk."""
    monkeypatch.setattr(build_mod, "WINDOW", 1)
    _library(library)
    (library / "spine.yaml").write_text("id: spine\ntitle: [unclosed\n", encoding="utf-8")
    out = tmp_path / "out"
    result = build_library(library, out, jobs=2)
    assert not result.ok and sorted(result.failed) == _outputs("spine")
    good = ["hemilaminectomy", *[h for h in HIDS if h != "spine"]]
    assert sorted(result.built) == sorted(rel for hid in good for rel in _outputs(hid))
    assert any("spine.yaml" in str(f) for f in result.findings)
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["outputs"]) == sorted(result.built)
    assert "spine" in manifest["failed"]
    for rel in result.built:
        assert (out / rel).read_bytes().startswith(b"%PDF")
    assert not list(out.rglob("*.tmp"))


def test_a_worker_that_dies_mid_window_fails_only_its_handout(library, tmp_path, monkeypatch):
    """A worker killed while the window holds only part of the library: its handout fails,
    the jobs the broken pool took down run again, the ones not yet handed out still run."""
    real = build_mod.run_task

    def deadly(task):  # the pool forks after this patch: its workers run it
        if task.handout.endswith("ankle.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(task)

    monkeypatch.setattr(build_mod, "run_task", deadly)
    monkeypatch.setattr(build_mod, "WINDOW", 1)
    _library(library)
    out = tmp_path / "out"
    result = build_library(library, out, jobs=2)
    assert sorted(result.failed) == _outputs("ankle")
    good = ["hemilaminectomy", *[h for h in HIDS if h != "ankle"]]
    assert sorted(result.built) == sorted(rel for hid in good for rel in _outputs(hid))
    assert any(WORKER_DIED in str(f) for f in result.findings)


def test_tasks_are_held_on_disk_and_given_back_whole(library, tmp_path):
    """The plan's tasks are kept in a temporary file, each handout's bytes compressed and a
    figure many handouts show once; in memory stay only their places (and the clinic and
    layouts all share). Each task read back is the one the plan made, byte for byte."""
    text = (library / "hemilaminectomy.yaml").read_text(encoding="utf-8")
    for hid in ("knee", "wrist"):
        (library / f"{hid}.yaml").write_text(text.replace("id: hemilaminectomy", f"id: {hid}",
                                                          1), encoding="utf-8")
    plan = _plan(library, tmp_path)
    tasks = list(plan.tasks)
    assert len(tasks) == 3 and all(t.figures for t in tasks)
    assert tasks[0].source == (library / Path(tasks[0].handout).name).read_bytes()
    held = Tasks(tasks)
    assert list(held) == tasks and held[1] == tasks[1] and held[-1] == tasks[-1]
    assert held[0:2] == tasks[0:2]
    assert len(held._figures) == 1  # the same SVG, kept once for all three
    assert not any(isinstance(x, bytes) for h in held._held for x in h[0])  # places only
    assert held._held[0][1] is tasks[0].clinic and held._held[2][2] is held._held[0][2]
    assert held._spill.size > 0
    missing = [j for j in run_task(held[0]) if not j.ok]
    assert missing == []


def test_a_one_handout_build_still_runs_here(library, tmp_path):
    """One stale handout: no pool, the job runs in this process (unchanged)."""
    out = tmp_path / "out"
    result = build_library(library, out)
    assert result.ok and sorted(result.built) == SAMPLE_OUTPUTS


def test_the_manifest_as_read_is_kept_on_disk(library, tmp_path):
    """The manifest as read keeps the sha256 of its bytes, not the bytes, and its records
    are kept in a temporary file, not in memory (where only each PDF's sha256 and a digest
    of its inputs stay). Read back, each record is as written; written back, the manifest
    is the same JSON, byte for byte."""
    import hashlib

    from pdfgen.build import manifest_bytes, read_manifest

    out = tmp_path / "out"
    assert build_library(library, out, jobs=1).ok
    raw = (out / MANIFEST).read_bytes()
    manifest = read_manifest(out)
    assert manifest.digest == hashlib.sha256(raw).hexdigest()
    assert dict(manifest.outputs.items()) == json.loads(raw)["outputs"]
    assert sorted(manifest.outputs) == SAMPLE_OUTPUTS
    held = [value for found in manifest.outputs._index.values() for value in found]
    assert not any(isinstance(value, (dict, str)) for value in held)  # no record, no text
    assert manifest_bytes(manifest.outputs, manifest.failed) == raw


def test_a_manifest_that_would_not_change_is_not_replaced(library, tmp_path):
    """A PDF deleted by hand is rebuilt the same: the manifest, written a line at a time to
    a temporary file, comes out the same bytes, so the file is left as it was (same inode)
    and no temporary file stays behind."""
    out = tmp_path / "out"
    assert build_library(library, out, jobs=1).ok
    before = (out / MANIFEST).stat()
    (out / SAMPLE_OUTPUTS[1]).unlink()
    again = build_library(library, out, jobs=1)
    assert again.ok and again.built == [SAMPLE_OUTPUTS[1]]
    after = (out / MANIFEST).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(out.rglob("*.tmp"))


def test_the_catalog_stamp_is_the_hash_of_what_the_page_shows(library, tmp_path):
    """index.html's stamp, hashed an output at a time, is the sha256 of the one JSON
    document it always was (so a page written before is still recognised as current)."""
    import datetime as dt
    import hashlib
    from dataclasses import astuple

    from pdfgen import site
    from pdfgen.load import load_clinic

    out = tmp_path / "out"
    assert build_library(library, out, jobs=1).ok
    outputs = json.loads((out / MANIFEST).read_text())["outputs"]
    clinic, _ = load_clinic(library / "clinic.yaml")
    day = dt.date(2026, 11, 28)
    whole = json.dumps([outputs, [], clinic.name, clinic.primary,
                        [astuple(lang) for lang in clinic.languages],
                        [o.name for o in clinic.outputs], day.isoformat(),
                        sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.png"))],
                       sort_keys=True, default=str)
    expected = f"{site.STAMP}{hashlib.sha256(whole.encode()).hexdigest()} -->"
    assert site._stamp(out, outputs, clinic, day, {}) == expected
    assert site._stamp(out, {}, clinic, day, {}).startswith(site.STAMP)


def test_workers_are_forked_before_the_plan(library, tmp_path, monkeypatch):
    """The pool's workers are forked before the plan reads anything (the manifest, the
    handouts), so they share none of it with this process and do not grow with the
    library; they were forked with this process's objects frozen (gc.freeze), so a
    collection in a worker does not copy what it shares. This process is unfrozen again."""
    import gc
    import multiprocessing

    _library(library, HIDS[:3])
    real_plan, real_run = build_mod.plan_build, build_mod.run_task

    def plan(*args, **kwargs):
        build_mod._planned_here = True  # a worker forked after this would see it
        return real_plan(*args, **kwargs)

    def run(task):
        (tmp_path / f"probe-{os.getpid()}").write_text(
            f"{getattr(build_mod, '_planned_here', False)} {gc.get_freeze_count()}")
        return real_run(task)

    monkeypatch.setattr(build_mod, "_planned_here", False, raising=False)
    monkeypatch.setattr(build_mod, "plan_build", plan)
    monkeypatch.setattr(build_mod, "run_task", run)
    result = build_library(library, tmp_path / "out", jobs=2)
    assert result.ok and len(result.built) == 3 * 4
    probes = [p.read_text().split() for p in tmp_path.glob("probe-*")]
    assert probes and all(planned == "False" for planned, _ in probes)
    if multiprocessing.get_start_method() == "fork":
        assert all(int(frozen) > 0 for _, frozen in probes)
    assert gc.get_freeze_count() == 0
