"""`pdfgen build --scheduler`: the jobs run on a real Dask distributed cluster (a LocalCluster
of two worker processes on loopback) and give the same files as a local build
(docs/build.md, "Building on a cluster")."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

distributed = pytest.importorskip("distributed")

from pdfgen.build import MANIFEST, build_library  # noqa: E402
from pdfgen.cli import cli  # noqa: E402
from pdfgen.cluster import KEY_PREFIX, DaskExecutor, connect  # noqa: E402

# The scheduler serves HTTP (health, metrics) even without a dashboard, on port 8787 unless
# told otherwise: ":0" takes a free port, so a second cluster (or anything else on 8787)
# is no conflict.
HTTP = ":0"
COPIES = ("knee", "shoulder", "wrist", "ankle", "hip")  # the sample under other ids


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=HTTP) as cluster:
        yield cluster


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        yield client


@pytest.fixture
def bigger(library: Path) -> Path:
    """The sample library plus copies of its handout under other ids (and titles)."""
    text = (library / "hemilaminectomy.yaml").read_text(encoding="utf-8")
    for hid in COPIES:
        copy = text.replace("id: hemilaminectomy", f"id: {hid}", 1)
        copy = copy.replace("Hemilaminectomy", f"Hemilaminectomy {hid.title()}")
        (library / f"{hid}.yaml").write_text(copy, encoding="utf-8")
    return library


def _files(out: Path) -> dict[str, bytes]:
    """Every file the build wrote (PDFs, thumbnails, manifest, page), by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def _build(args: list[str]):
    return CliRunner().invoke(cli, ["build", *args])


def _same_as_local(library: Path, tmp_path: Path, scheduler: str) -> dict[str, bytes]:
    local, remote = tmp_path / "local", tmp_path / "remote"
    first = _build(["--library", str(library), "--out", str(local), "--jobs", "1"])
    assert first.exit_code == 0, first.output
    second = _build(["--library", str(library), "--out", str(remote), "--scheduler", scheduler])
    assert second.exit_code == 0, second.output
    there, here = _files(remote), _files(local)
    assert sorted(there) == sorted(here)
    pdfs = [rel for rel in here if rel.endswith(".pdf")]
    assert len(pdfs) >= 3
    for rel in pdfs:  # byte-identical, one by one (a failure names the file)
        assert there[rel] == here[rel], rel
    # the manifest and the front-desk page agree too (nothing in them says where jobs ran)
    assert json.loads(there[MANIFEST]) == json.loads(here[MANIFEST])
    assert there == here
    return there


def test_sample_library_on_the_cluster_is_byte_identical(library, tmp_path, cluster):
    files = _same_as_local(library, tmp_path, cluster.scheduler_address)
    assert "hemilaminectomy/hemilaminectomy.bilingual.pdf" in files


def test_bigger_library_on_the_cluster_ran_on_the_workers(bigger, tmp_path, cluster, client):
    with distributed.get_task_stream(client) as stream:
        files = _same_as_local(bigger, tmp_path, cluster.scheduler_address)
    assert sum(rel.endswith(".pdf") for rel in files) == 3 * (1 + len(COPIES))
    # one task per handout, each run by one of the cluster's worker processes
    ran = [t for t in stream.data if str(t["key"]).startswith(KEY_PREFIX)]
    handouts = {str(t["key"])[len(KEY_PREFIX) + 1:].rsplit("-", 1)[0] for t in ran}
    assert handouts == {"hemilaminectomy", *COPIES}
    workers = set(cluster.scheduler_info["workers"])
    assert {t["worker"] for t in ran} <= workers
    pids = client.run(os.getpid)
    assert set(pids) == workers and os.getpid() not in pids.values()


def test_the_build_date_travels_to_the_workers(library, tmp_path, cluster, monkeypatch):
    """The workers started without SOURCE_DATE_EPOCH; the build process's goes with each
    job, so the PDFs carry its date, as a local build's do."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    files = _same_as_local(library, tmp_path, cluster.scheduler_address)
    assert b"D:20231114" in files["hemilaminectomy/hemilaminectomy.en.pdf"]


def test_a_worker_with_another_pdfgen_builds_nothing(library, tmp_path, client):
    executor = DaskExecutor(client)
    executor.engine = "0" * 64  # as if this machine's pdfgen differed from the workers'
    out = tmp_path / "out"
    result = build_library(library, out, executor=executor)
    assert not result.ok and result.built == [] and len(result.failed) == 3
    assert any("runs a different pdfgen" in f.message for f in result.findings)
    assert not list(out.rglob("*.pdf"))


def test_a_worker_killed_mid_build_its_jobs_run_elsewhere(bigger, tmp_path, cluster, client):
    local = tmp_path / "local"
    assert build_library(bigger, local, jobs=1).ok
    killed: list[str] = []

    def kill_a_busy_worker(job) -> None:  # on the first result: one worker is mid-job
        if killed:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.01)

    out = tmp_path / "remote"
    result = build_library(bigger, out, executor=DaskExecutor(client),
                           progress=kill_a_busy_worker)
    assert killed, "no worker was busy when the first result came back"
    assert result.ok, [str(f) for f in result.findings]
    assert _files(out) == _files(local)
    assert not [p for p in out.rglob("*.tmp")]
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the other tests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_nobody_runs_is_a_clear_error_in_bounded_time(library, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = _build(["--library", str(library), "--out", str(tmp_path / "out"),
                     "--scheduler", address, "--scheduler-timeout", "2"])
    took = time.monotonic() - started
    assert result.exit_code == 1 and took < 15, (result.output, took)
    assert f"--scheduler {address}: cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert not (tmp_path / "out" / MANIFEST).exists()


@pytest.mark.parametrize("address", ["nonsense", "foo://host:1", "tcp://host"])
def test_a_malformed_scheduler_address_is_a_usage_error(library, tmp_path, address):
    result = _build(["--library", str(library), "--out", str(tmp_path / "out"),
                     "--scheduler", address])
    assert result.exit_code == 2 and "not a scheduler address" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_scheduler_with_jobs_is_a_usage_error(library, tmp_path):
    result = _build(["--library", str(library), "--out", str(tmp_path / "out"),
                     "--scheduler", "tcp://127.0.0.1:8786", "--jobs", "2"])
    assert result.exit_code == 2 and "cannot be used together" in result.output


def test_without_dask_installed_scheduler_names_the_extra(library, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    result = _build(["--library", str(library), "--out", str(tmp_path / "out"),
                     "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == ("--scheduler needs Dask distributed, which is not "
                                     'installed: pip install "pdfgen[dask]"')


def test_dry_run_with_a_scheduler_connects_to_nothing(library, tmp_path):
    result = _build(["--library", str(library), "--out", str(tmp_path / "out"), "--dry-run",
                     "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert result.exit_code == 0 and "would build" in result.output


def test_connect_closes_the_client(cluster):
    with connect(cluster.scheduler_address) as client:
        assert client.status == "running"
    assert client.status == "closed"


def test_jobs_carry_everything_no_library_on_the_workers(bigger, tmp_path, client):
    """The library folder is gone once the plan has read it: the jobs still build, from
    what they carry (the workers never see the folder)."""
    from pdfgen.build import plan_build

    plan = plan_build(bigger, tmp_path / "unused", dry_run=True)
    tasks = plan.tasks
    shutil.rmtree(bigger)
    executor = DaskExecutor(client)
    futures = [executor.submit(__import__("pdfgen.build").build.run_task, t) for t in tasks]
    results = [f.result(timeout=120) for f in futures]
    jobs = [job for found in results for job in found]
    assert len(jobs) == 3 * (1 + len(COPIES))
    assert [(j.path, [str(f) for f in j.findings]) for j in jobs if not j.ok] == []
    assert all(job.data.startswith(b"%PDF") for job in jobs)


def test_the_cluster_lets_go_of_each_result_once_it_is_written(bigger, tmp_path, client):
    """A job's result (its PDFs' bytes) is released on the cluster once it has arrived: a
    big build does not keep every PDF in the workers' memory until it ends."""
    executor = DaskExecutor(client)
    result = build_library(bigger, tmp_path / "out", executor=executor)
    assert result.ok and len(result.built) == 3 * (1 + len(COPIES))

    def held(dask_scheduler) -> list[str]:
        return [str(k) for k in dask_scheduler.tasks if str(k).startswith(KEY_PREFIX)]

    deadline = time.monotonic() + 10
    while client.run_on_scheduler(held) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.run_on_scheduler(held) == []
    assert executor._pending == set()  # the executor is still alive, and holds none


def test_the_cluster_is_given_a_few_jobs_at_a_time(bigger, tmp_path, client):
    """The build keeps WINDOW jobs per worker thread submitted (two threads here), the next
    as each result is committed, not the whole library at once: the scheduler and the
    workers hold a few handouts' inputs and PDFs, whatever the library's size."""
    from pdfgen.build import WINDOW

    handed: list[str] = []
    taken: set[str] = set()
    most = []

    class Counting(DaskExecutor):
        def submit(self, fn, /, *args, **kwargs):
            handed.append(Path(args[0].handout).stem)
            most.append(len(handed) - len(taken))
            return super().submit(fn, *args, **kwargs)

    executor = Counting(client)
    assert executor.capacity() == 2  # two worker processes, one thread each
    result = build_library(bigger, tmp_path / "out", executor=executor,
                           progress=lambda job: taken.add(job.path.split("/", 1)[0]))
    assert result.ok and len(result.built) == 3 * (1 + len(COPIES))
    assert sorted(handed) == sorted(["hemilaminectomy", *COPIES])
    assert max(most) == WINDOW * 2  # used, never exceeded (6 handouts)


def test_a_scheduler_lost_mid_build_fails_what_is_left_and_says_so(bigger, tmp_path):
    """The scheduler stops after the first result: the build ends at once, what arrived is
    written and recorded, every other handout fails naming the lost connection."""
    import hashlib

    cluster = distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=HTTP)
    out = tmp_path / "out"
    try:
        with connect(cluster.scheduler_address) as client:
            def stop_the_scheduler(job) -> None:
                if cluster.status.name == "running":
                    cluster.close()

            started = time.monotonic()
            result = build_library(bigger, out, executor=DaskExecutor(client),
                                   progress=stop_the_scheduler)
            took = time.monotonic() - started
    finally:
        cluster.close()
    assert took < 60 and not result.ok and result.built and result.failed
    assert len(result.built) + len(result.failed) == 3 * (1 + len(COPIES))
    lost = [f.message for f in result.findings if "scheduler was lost" in f.message]
    assert lost and all("build again" in m for m in lost)
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["outputs"]) == sorted(result.built)
    for rel, entry in manifest["outputs"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == entry["sha256"]
    assert not [p for p in out.rglob("*.tmp")]
