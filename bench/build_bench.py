"""Batch-build benchmark: `pdfgen build` on synthetic libraries of 10, 100 and 1,000 handouts.

usage: python bench/build_bench.py [--sizes 10,100,1000 | --quick] [--uniform] [--workdir DIR]
                                   [--jobs N] [--peers DIR] [--rl-n N] [--seed S] [--keep]
                                   [--quiet-wait SECONDS]

For each size N it generates a library (the sample's clinic.yaml plus N handouts
derived from handouts/hemilaminectomy.yaml with ids bench-0001..., section bodies,
bullets and lists repeated 0-3 extra times and one in four without its last section,
by a seeded random, so lengths vary; --uniform keeps the sample's length), then runs
the real CLI (`python -m pdfgen build --library L --out O --json`) as a subprocess, each
run after the machine is quiet (other processes under 0.15 CPU; --quiet-wait), for:

  cold        empty output folder              -> expects 3N built
  no-op       nothing changed                  -> expects 0 built, 3N skipped
  one edit    one risk text of one handout     -> expects that handout's 3 PDFs
  phone edit  the clinic phone in clinic.yaml  -> expects 3N built (everything)

and fails loudly when the --json counts differ. Per run it records wall time
(time.perf_counter around the subprocess), the CLI's own "seconds", user+sys CPU of
the whole process tree, and memory three ways:

  max-proc RSS  `/usr/bin/time -f %M` (or getrusage(RUSAGE_CHILDREN)): the peak RSS of
                the single largest process of the tree (parent or one pool worker),
                NOT their sum;
  tree RSS      peak of the summed RSS of every process of the tree, sampled from /proc
                every 50 ms (counts shared pages once per process, so it over-states);
  tree PSS      the same with PSS (/proc/PID/smaps_rollup): shared pages split between
                the processes sharing them, the fairest "memory the build used"; the
                peak PSS of the build process itself and of its largest child (a pool
                worker) are reported beside it, to tell which one grows.

The baseline is ReportLab platypus on the peers' handout, measured in the same run:
`python rl_platypus.py handout.yaml out.pdf N` from /work/shared/bench/peers for N=1 and
N=--rl-n (default 30), per-document = (t(N) - t(1)) / (N - 1), median of 3.

Results: a markdown table on stdout and in WORKDIR/build_results.md (plus the raw
figures in WORKDIR/build_results.json). WORKDIR defaults to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "handouts"
PEERS = Path("/work/shared/bench/peers")
GNU_TIME = "/usr/bin/time"
PHONE_OLD, PHONE_NEW = "817-697-4038", "817-697-4039"

TARGETS = {
    "per_pdf_ratio": 1.2,  # x plain ReportLab per document
    "cold_1000_s": 60.0,
    "noop_1000_s": 1.0,
    "edit_1000_s": 2.0,
    "peak_mb_1000": 300.0,
    "efficiency": 0.85,  # cold build: time on 1 worker / (2 x time on 2 workers)
}


class BenchError(SystemExit):
    pass


def fail(msg: str) -> None:
    raise BenchError(f"build_bench: FAILED: {msg}")


# -- library generation ------------------------------------------------------------------


def _repeat(items: list, times: int) -> list:
    return list(items) + [copy.deepcopy(x) for _ in range(times) for x in items]


def _times(rng: random.Random) -> int:
    """How many extra copies: none half the time, else 1-3."""
    return rng.choice((0, 0, 0, 1, 2, 3))


def make_handout(base: dict, n: int, rng: random.Random, edited: bool = False,
                 uniform: bool = False) -> dict:
    """Handout number n: the sample with a new id/title, seeded repetitions and omissions.

    Each section body and bullet list is repeated 0-3 extra times (0 half the time), the
    risks, benefits and call-when lists likewise; one handout in four drops its last
    section, so some handouts are shorter than the sample and most are longer.
    uniform=True keeps every handout at the sample's length (only id and title change).
    """
    doc = copy.deepcopy(base)
    hid = f"bench-{n:04d}"
    doc["id"] = hid
    doc["title"] = {"en": f"{base['title']['en']} (bench {n:04d})",
                    "es": f"{base['title']['es']} (prueba {n:04d})"}
    for section in ([] if uniform else doc["sections"]):
        body = section["body"]
        for block in body:
            if isinstance(block, dict) and "bullets" in block:
                block["bullets"] = _repeat(block["bullets"], _times(rng))
        section["body"] = _repeat(body, _times(rng))
    if not uniform:
        if rng.random() < 0.25:
            doc["sections"] = doc["sections"][:-1]
        doc["risks"]["items"] = _repeat(doc["risks"]["items"], _times(rng))
        doc["benefits"] = _repeat(doc["benefits"], _times(rng))
        doc["call_when"] = _repeat(doc["call_when"], _times(rng))
    if edited:
        item = doc["risks"]["items"][1]
        item["en"] += " Tell your care team right away if the bleeding does not stop."
        item["es"] += " Avise de inmediato a su equipo médico si el sangrado no para."
    return doc


def _dump(doc: dict) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=88)


def generate(library: Path, size: int, seed: int, uniform: bool = False) -> tuple[dict, dict]:
    """Write clinic.yaml + `size` handouts; return (base handout, per-id seeds)."""
    if library.exists():
        shutil.rmtree(library)
    library.mkdir(parents=True)
    shutil.copy(SAMPLE / "clinic.yaml", library / "clinic.yaml")
    if (SAMPLE / "figures").is_dir():  # the sample's figure (an SVG) goes with every copy
        shutil.copytree(SAMPLE / "figures", library / "figures")
    base = yaml.safe_load((SAMPLE / "hemilaminectomy.yaml").read_text(encoding="utf-8"))
    seeds = {}
    for n in range(1, size + 1):
        seeds[n] = seed * 100_003 + n
        doc = make_handout(base, n, random.Random(seeds[n]), uniform=uniform)
        (library / f"{doc['id']}.yaml").write_text(_dump(doc), encoding="utf-8")
    return base, seeds


def check_one(library: Path, hid: str) -> None:
    path = library / f"{hid}.yaml"
    proc = subprocess.run([sys.executable, "-m", "pdfgen", "check", str(path)],
                          capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    # quality warnings are expected (its sections run long on purpose, its translations
    # are unconfirmed) and do not stop a build; an error would
    if proc.returncode != 0 or " 0 errors," not in out:
        fail(f"generated {path} does not check clean:\n{out}")


# -- measuring one subprocess ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Direct children of pid, over all its threads (/proc/PID/task/TID/children)."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    idle = vals[3] + vals[4]  # idle + iowait
    total = sum(vals[:8])
    return total - idle, total


def machine_busy(seconds: float = 1.0) -> float:
    """CPUs' worth of work the machine did over `seconds` (0 = idle, 2 = both cores busy)."""
    b0, _ = busy_jiffies()
    time.sleep(seconds)
    b1, _ = busy_jiffies()
    return (b1 - b0) / os.sysconf("SC_CLK_TCK") / seconds


def wait_quiet(limit: float, threshold: float = 0.15) -> float:
    """Wait (up to `limit` s) until other processes use under `threshold` CPUs; return the load."""
    deadline = time.monotonic() + limit
    load = machine_busy()
    warned = False
    while load > threshold and time.monotonic() < deadline:
        if not warned:
            print(f"  machine busy ({load:.2f} CPUs used by other processes); waiting...",
                  file=sys.stderr, flush=True)
            warned = True
        time.sleep(4)
        load = machine_busy()
    if load > threshold:
        print(f"  WARNING: still {load:.2f} CPUs busy after {limit:.0f} s; measuring anyway",
              file=sys.stderr, flush=True)
    return load


def _kb(path: str, key: bytes) -> int:
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak summed RSS and PSS of a process tree (root excluded when it is /usr/bin/time)."""

    def __init__(self, pid: int, skip_root: bool, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.skip_root, self.interval = pid, skip_root, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.max_procs = 0
        # PSS of the build process itself, and of the largest of its children (a worker)
        self.peak_parent_pss_kb = self.peak_child_pss_kb = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            tree, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo.extend(_children(p))
            if self.skip_root:
                tree = tree[1:]
            rss = sum(_kb(f"/proc/{p}/status", b"VmRSS:") for p in tree)
            each = [_kb(f"/proc/{p}/smaps_rollup", b"Pss:") for p in tree]
            pss = sum(each)
            if each:
                self.peak_parent_pss_kb = max(self.peak_parent_pss_kb, each[0])
                self.peak_child_pss_kb = max([self.peak_child_pss_kb, *each[1:]])
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.max_procs = max(self.max_procs, len(tree))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


QUIET_LIMIT = 600.0  # seconds to wait for other processes to go quiet before a measurement


def run_measured(cmd: list[str], cwd: Path | None = None) -> dict:
    """Run cmd; return wall, cpu, memory figures and its stdout.

    `foreign_cpus` is the CPU the rest of the machine used meanwhile, in CPUs (busy
    jiffies from /proc/stat, less the measured tree and this script's own sampling).
    """
    idle_before = wait_quiet(QUIET_LIMIT)
    use_time = os.access(GNU_TIME, os.X_OK)
    tfile = None
    full = list(cmd)
    if use_time:
        tfile = Path(os.environ.get("TMPDIR", "/tmp")) / f"build_bench.{os.getpid()}.time"
        full = [GNU_TIME, "-o", str(tfile), "-f", "%M %U %S"] + full
    before = os.times()
    busy0, _ = busy_jiffies()
    started = time.perf_counter()
    proc = subprocess.Popen(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    sampler = TreeSampler(proc.pid, skip_root=use_time)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    busy1, _ = busy_jiffies()
    after = os.times()
    if proc.returncode != 0:
        fail(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-3000:]}")
    if use_time:
        maxrss_kb, user, sys_ = tfile.read_text().split()[-3:]
        tfile.unlink()
        maxrss_kb, cpu = int(maxrss_kb), float(user) + float(sys_)
        how = "/usr/bin/time %M"
    else:  # getrusage(RUSAGE_CHILDREN).ru_maxrss is a running max over all children ever
        import resource
        maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cpu = (after.children_user - before.children_user) + (after.children_system
                                                               - before.children_system)
        how = "getrusage(RUSAGE_CHILDREN) (max so far of any child)"
    own = (after.user - before.user) + (after.system - before.system)
    busy = (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
    foreign = max(0.0, busy - cpu - own) / wall
    return {"wall": wall, "cpu": cpu, "sampler_cpu": own, "foreign_cpus": foreign,
            "idle_before": idle_before, "maxproc_mb": maxrss_kb / 1024,
            "tree_rss_mb": sampler.peak_rss_kb / 1024, "tree_pss_mb": sampler.peak_pss_kb / 1024,
            "parent_pss_mb": sampler.peak_parent_pss_kb / 1024,
            "worker_pss_mb": sampler.peak_child_pss_kb / 1024,
            "procs": sampler.max_procs, "rss_how": how, "stdout": out, "stderr": err}


# -- the build scenarios --------------------------------------------------------------------


def pdfgen_build(library: Path, out: Path, jobs: int | None) -> dict:
    cmd = [sys.executable, "-m", "pdfgen", "build", "--library", str(library), "--out", str(out),
           "--json"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    m = run_measured(cmd, cwd=library)
    try:
        m["summary"] = json.loads(m.pop("stdout"))
    except ValueError:
        fail(f"pdfgen build --json printed no JSON:\n{m['stderr'][-2000:]}")
    return m


def expect(step: str, size: int, m: dict, built: set[str] | int, skipped: int) -> None:
    s = m["summary"]
    if s["failed"] or any(f.get("severity") == "error" for f in s["findings"]):
        fail(f"N={size} {step}: failed={s['failed'][:5]} findings={s['findings'][:3]}")
    got = s["built"]
    if isinstance(built, int):
        ok = len(got) == built
    else:
        ok = set(got) == built
    if not ok or s["skipped"] != skipped:
        want = built if isinstance(built, int) else sorted(built)
        fail(f"N={size} {step}: expected built={want} skipped={skipped}, "
             f"got built={len(got)} ({got[:6]}...) skipped={s['skipped']}")


def bench_size(size: int, workdir: Path, seed: int, jobs: int | None,
               uniform: bool = False, efficiency: bool = False) -> dict:
    library, out = workdir / f"lib-{size}", workdir / f"out-{size}"
    t0 = time.perf_counter()
    base, seeds = generate(library, size, seed, uniform)
    gen_s = time.perf_counter() - t0
    if out.exists():
        shutil.rmtree(out)
    edit_n = max(1, size // 2)
    edit_id = f"bench-{edit_n:04d}"
    check_one(library, edit_id)
    outputs = ("bilingual", "en", "es")
    total = 3 * size

    res: dict = {"size": size, "pdfs": total, "generate_s": gen_s}
    print(f"N={size}: cold build ...", file=sys.stderr, flush=True)
    res["cold"] = pdfgen_build(library, out, jobs)
    expect("cold", size, res["cold"], total, 0)

    if efficiency:  # the same cold build on one worker: how well the pool uses its cores
        one = workdir / f"out-{size}-one-worker"
        if one.exists():
            shutil.rmtree(one)
        print(f"N={size}: cold build, one worker ...", file=sys.stderr, flush=True)
        res["cold_one"] = pdfgen_build(library, one, 1)
        expect("cold, one worker", size, res["cold_one"], total, 0)
        shutil.rmtree(one, ignore_errors=True)
        res["cold_one"].pop("stderr", None)
        res["cold_one"]["summary"] = {"built": len(res["cold_one"]["summary"]["built"])}

    print(f"N={size}: no-op rebuild ...", file=sys.stderr, flush=True)
    res["noop"] = pdfgen_build(library, out, jobs)
    expect("no-op", size, res["noop"], 0, total)

    doc = make_handout(base, edit_n, random.Random(seeds[edit_n]), edited=True, uniform=uniform)
    (library / f"{edit_id}.yaml").write_text(_dump(doc), encoding="utf-8")
    check_one(library, edit_id)
    print(f"N={size}: one-handout edit ...", file=sys.stderr, flush=True)
    res["edit"] = pdfgen_build(library, out, jobs)
    expect("one edit", size, res["edit"], {f"{edit_id}/{edit_id}.{o}.pdf" for o in outputs},
           total - 3)

    clinic = library / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    if PHONE_OLD not in text:
        fail(f"{clinic}: phone {PHONE_OLD} not found")
    clinic.write_text(text.replace(PHONE_OLD, PHONE_NEW), encoding="utf-8")
    print(f"N={size}: clinic phone edit ...", file=sys.stderr, flush=True)
    res["phone"] = pdfgen_build(library, out, jobs)
    expect("phone edit", size, res["phone"], total, 0)
    reasons = set(res["phone"]["summary"]["reasons"].values())
    if reasons != {"clinic profile changed"}:
        fail(f"N={size} phone edit: unexpected reasons {reasons}")

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    if len(manifest) != total:
        fail(f"N={size}: manifest lists {len(manifest)} PDFs, expected {total}")
    pages = [e["pages"] for e in manifest.values()]
    by_output = {o: [e["pages"] for e in manifest.values() if e["output"] == o] for o in outputs}
    res["pages_total"] = sum(pages)
    res["pages_per_pdf"] = sum(pages) / total
    res["pages_range"] = {o: (min(v), max(v)) for o, v in by_output.items()}
    res["bytes_per_pdf"] = sum(e["bytes"] for e in manifest.values()) / total
    for step in ("cold", "noop", "edit", "phone"):
        res[step].pop("stderr", None)
        summary = res[step]["summary"]  # keep the JSON results small: counts, not lists
        summary["built"] = len(summary["built"])
        summary["reasons"] = sorted(set(summary["reasons"].values()))
    return res


# -- baseline -------------------------------------------------------------------------------


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))


def rl_baseline(peers: Path, workdir: Path, n: int, repeats: int = 3) -> dict:
    script = peers / "rl_platypus.py"
    if not script.is_file():
        fail(f"{script} not found (use --peers DIR)")
    pdf = workdir / "rl_platypus.pdf"
    runs: dict[int, list[float]] = {1: [], n: []}
    rss: list[float] = []
    subprocess.run([sys.executable, script.name, "handout.yaml", str(pdf), "1"], cwd=peers,
                   check=True, capture_output=True)  # warm-up (pyc, page cache), not counted
    for _ in range(repeats):
        for k in (1, n):
            m = run_measured([sys.executable, script.name, "handout.yaml", str(pdf), str(k)],
                             cwd=peers)
            runs[k].append(m["wall"])
            rss.append(m["maxproc_mb"])
    t1, tn = statistics.median(runs[1]), statistics.median(runs[n])
    per_doc = (tn - t1) / (n - 1)
    import reportlab
    return {"n": n, "t1": t1, "tn": tn, "per_doc": per_doc, "pages": _pdf_pages(pdf),
            "bytes": pdf.stat().st_size, "peak_mb": max(rss), "runs": runs,
            "reportlab": reportlab.Version}


def code_state() -> tuple[str, str]:
    """(git commit of the checkout, hash of pdfgen's sources): to tell if pdfgen changed mid-run."""
    import hashlib

    import pdfgen
    pkg = Path(pdfgen.__file__).parent
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".yaml", ".mo", ".ttf"):
            h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes())
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "pdfgen"],
                               capture_output=True, text=True).stdout.strip()
        commit = (commit or "?") + (" + uncommitted pdfgen changes" if dirty else "")
    except OSError:
        commit = "?"
    return commit, h.hexdigest()[:12]


# -- report ---------------------------------------------------------------------------------


def _ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def report(results: list[dict], rl: dict, meta: dict) -> str:
    cores = meta["cores"]
    lines = [
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['nproc']} CPUs (`nproc`), {meta['cpu']}, Python {meta['python']}, "
        f"reportlab {rl['reportlab']}, pdfgen {meta['pdfgen']}, {meta['date']}  ",
        f"Handout lengths: {meta['lengths']}  ",
        f"pdfgen code: commit {meta['commit']}, sources hash {meta['code_hash']}"
        + ("" if meta["code_hash_end"] == meta["code_hash"] else
           f" -- **WARNING: pdfgen changed during the run (now {meta['code_hash_end']}); "
           "these figures mix two versions**") + "  ",
        f"Memory measured by: {results[0]['cold']['rss_how']} (largest single process) and "
        "/proc sampling every 50 ms (sum over the process tree).",
        "",
        "### Build times (wall clock of the whole `python -m pdfgen build --json` process)",
        "",
        "| handouts | PDFs | pages/PDF | cold build (s) | no-op rebuild (s) | one-handout edit (s) "
        "| clinic phone edit (s) | peak RSS, largest process (MB) | peak tree RSS sum (MB) "
        "| peak tree PSS (MB) | peak PSS: build process / largest worker (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        steps = [r[s] for s in ("cold", "noop", "edit", "phone")]
        lines.append(
            f"| {r['size']:,} | {r['pdfs']:,} | {r['pages_per_pdf']:.2f} | "
            + " | ".join(f"{s['wall']:.2f}" for s in steps)
            + f" | {max(s['maxproc_mb'] for s in steps):.0f}"
            f" | {max(s['tree_rss_mb'] for s in steps):.0f}"
            f" | {max(s['tree_pss_mb'] for s in steps):.0f}"
            f" | {max(s.get('parent_pss_mb', 0) for s in steps):.0f}"
            f" / {max(s.get('worker_pss_mb', 0) for s in steps):.0f} |")
    lines += ["", "CLI-reported `seconds` (excludes interpreter start-up and imports) and CPU "
              "(user+sys of the whole tree):", "",
              "| handouts | cold: seconds / CPU s | no-op: seconds / CPU s | edit: seconds / CPU s "
              "| phone: seconds / CPU s |", "|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['size']:,} | " + " | ".join(
            f"{r[s]['summary']['seconds']:.2f} / {r[s]['cpu']:.1f}"
            for s in ("cold", "noop", "edit", "phone")) + " |")

    steps = ("cold", "noop", "edit", "phone")
    foreign = max(r[s]["foreign_cpus"] for r in results for s in steps)
    sampler = max(r[s]["sampler_cpu"] / r[s]["wall"] for r in results for s in steps)
    lines += ["", f"Other processes' CPU use during the build measurements: at most {foreign:.2f} "
              "CPUs (from /proc/stat; 0 = the machine was otherwise idle).",
              f"Sampling overhead of this script: at most {sampler:.3f} CPUs."]
    rl_page = rl["per_doc"] / rl["pages"]
    lines += ["", "### Per-PDF cost against plain ReportLab platypus (same run)", "",
              "ReportLab baseline: `python rl_platypus.py handout.yaml out.pdf N` in "
              f"{meta['peers']}, "
              f"t(1) = {rl['t1']:.3f} s, t({rl['n']}) = {rl['tn']:.3f} s (median of 3), "
              f"per document = {rl['per_doc'] * 1000:.1f} ms for a {rl['pages']}-page PDF "
              f"({rl_page * 1000:.1f} ms/page, one core).", "",
              "| handouts | cold wall / PDF (ms) | x cores = CPU-normalized (ms/PDF) "
              "| CPU time / PDF (ms) | ratio vs ReportLab per PDF (CPU-normalized) "
              "| per page (ms, CPU-normalized) | ratio vs ReportLab per page "
              "| CPU time / page (ms) | ratio vs ReportLab per page (CPU time) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        c = r["cold"]
        per = c["wall"] / r["pdfs"]
        norm = per * cores
        cpu = c["cpu"] / r["pdfs"]
        page = c["wall"] * cores / r["pages_total"]
        cpu_page = c["cpu"] / r["pages_total"]
        r["ratio_pdf"], r["ratio_page"] = norm / rl["per_doc"], page / rl_page
        r["ratio_pdf_cpu"], r["ratio_page_cpu"] = cpu / rl["per_doc"], cpu_page / rl_page
        lines.append(f"| {r['size']:,} | {per * 1000:.1f} | {norm * 1000:.1f} | {cpu * 1000:.1f} "
                     f"| {r['ratio_pdf']:.2f}x | {page * 1000:.1f} | {r['ratio_page']:.2f}x "
                     f"| {cpu_page * 1000:.1f} | {r['ratio_page_cpu']:.2f}x |")

    big = max(results, key=lambda r: r["size"])
    lines += ["", f"### Targets (at the largest size run, {big['size']:,} handouts)", "",
              "| target | figure | status |", "|---|---:|---|"]
    at_1000 = big["size"] >= 1000
    note = "" if at_1000 else f" (only {big['size']} handouts run)"
    peak = max(big[s]["tree_pss_mb"] for s in ("cold", "noop", "edit", "phone"))
    peak_proc = max(big[s]["maxproc_mb"] for s in ("cold", "noop", "edit", "phone"))
    lines += [
        f"| per-PDF cost <= {TARGETS['per_pdf_ratio']}x ReportLab "
        f"| {big['ratio_pdf']:.2f}x per PDF, "
        f"{big['ratio_page']:.2f}x per page (wall x cores); {big['ratio_pdf_cpu']:.2f}x per PDF, "
        f"{big['ratio_page_cpu']:.2f}x per page (CPU time) "
        f"| {_ok(big['ratio_pdf'] <= TARGETS['per_pdf_ratio'])} per PDF, "
        f"{_ok(big['ratio_page'] <= TARGETS['per_pdf_ratio'])} per page (wall x cores) |",
        f"| cold build of 1,000 x 3 within {TARGETS['cold_1000_s']:.0f} s{note} "
        f"| {big['cold']['wall']:.1f} s | {_ok(big['cold']['wall'] <= TARGETS['cold_1000_s'])} |",
        f"| no-op rebuild under {TARGETS['noop_1000_s']:.0f} s{note} | {big['noop']['wall']:.2f} s "
        f"| {_ok(big['noop']['wall'] < TARGETS['noop_1000_s'])} |",
        f"| one-handout edit under {TARGETS['edit_1000_s']:.0f} s{note} "
        f"| {big['edit']['wall']:.2f} s "
        f"| {_ok(big['edit']['wall'] < TARGETS['edit_1000_s'])} |",
        f"| peak memory under {TARGETS['peak_mb_1000']:.0f} MB{note} | {peak:.0f} MB PSS tree, "
        f"{peak_proc:.0f} MB largest process | {_ok(peak < TARGETS['peak_mb_1000'])} |",
    ]
    for r in results:
        if "cold_one" not in r:
            continue
        workers = meta["cores"]
        eff = r["cold_one"]["wall"] / (workers * r["cold"]["wall"])
        r["efficiency"] = eff
        lines.append(f"| parallel efficiency, 1 -> {workers} workers, at least "
                     f"{TARGETS['efficiency']:.0%} ({r['size']:,} handouts) "
                     f"| {eff:.0%}: cold build {r['cold_one']['wall']:.1f} s on 1 worker, "
                     f"{r['cold']['wall']:.1f} s on {workers} "
                     f"| {_ok(eff >= TARGETS['efficiency'])} |")
    flat = [max(r[s]["tree_pss_mb"] for s in ("cold", "noop", "edit", "phone")) for r in results]
    lines.append(f"| peak memory flat as the library grows | "
                 f"{' / '.join(f'{x:.0f}' for x in flat)} MB | "
                 f"{_ok(max(flat) <= 1.25 * min(flat))} (max within 25% of min) |")
    lines += ["", "Pages per PDF (min-max) by output at the largest size: " + ", ".join(
        f"{o} {lo}-{hi}" for o, (lo, hi) in big["pages_range"].items())
        + f"; mean {big['bytes_per_pdf'] / 1024:.0f} KiB per PDF."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,100,1000", help="library sizes (default 10,100,1000)")
    ap.add_argument("--quick", action="store_true", help="sizes 10,100 only")
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out",
                    help="where libraries and PDFs go (default bench/out/, git-ignored)")
    ap.add_argument("--jobs", type=int, default=None, help="passed to pdfgen build --jobs")
    ap.add_argument("--peers", type=Path, default=PEERS, help="folder holding rl_platypus.py")
    ap.add_argument("--rl-n", type=int, default=30, help="N for the ReportLab t(N) run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--uniform", action="store_true",
                    help="every handout at the sample's own length (no varied lengths)")
    ap.add_argument("--keep", action="store_true", help="keep the generated libraries and PDFs")
    ap.add_argument("--efficiency", action="store_true",
                    help="also time the cold build of the largest size on one worker, for the "
                         "parallel efficiency (time on 1 / (workers x time on all))")
    ap.add_argument("--quiet-wait", type=float, default=600.0,
                    help="before each measurement wait up to this many seconds for other "
                         "processes to stop using CPU (default 600)")
    args = ap.parse_args(argv)
    # byte code as an installed pdfgen has it (see render_bench.py): compiled once, reused
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / "bench" / "out" / "pycache"))
    global QUIET_LIMIT
    QUIET_LIMIT = args.quiet_wait
    sizes = [10, 100] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",")]
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    import pdfgen
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    nproc = os.cpu_count() or 1
    given = argv if argv is not None else sys.argv[1:]
    shown = " ".join(["python", "bench/build_bench.py", *given])
    meta = {"command": shown, "lengths": "uniform (the sample's)" if args.uniform else "varied",
            "nproc": nproc, "cores": min(nproc, args.jobs or nproc),
            "cpu": cpu, "python": platform.python_version(), "pdfgen": pdfgen.__version__,
            "date": dt.date.today().isoformat(), "peers": str(args.peers)}

    meta["commit"], meta["code_hash"] = code_state()
    started = time.perf_counter()
    print("ReportLab baseline ...", file=sys.stderr, flush=True)
    rl = rl_baseline(args.peers, workdir, args.rl_n)
    results = []
    for size in sizes:
        results.append(bench_size(size, workdir, args.seed, args.jobs, args.uniform,
                                  args.efficiency and size == max(sizes)))
        if not args.keep:
            shutil.rmtree(workdir / f"lib-{size}", ignore_errors=True)
            shutil.rmtree(workdir / f"out-{size}", ignore_errors=True)
    meta["code_hash_end"] = code_state()[1]
    if meta["code_hash_end"] != meta["code_hash"]:
        print("WARNING: pdfgen's code changed during the run", file=sys.stderr)
    table = report(results, rl, meta)
    table += f"\nWhole benchmark run: {time.perf_counter() - started:.0f} s.\n"
    print(table)
    (workdir / "build_results.md").write_text(table, encoding="utf-8")
    (workdir / "build_results.json").write_text(
        json.dumps({"meta": meta, "reportlab": rl, "results": results}, indent=1, default=str),
        encoding="utf-8")
    print(f"written {workdir / 'build_results.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
