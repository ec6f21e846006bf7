"""pdfgen against the peer renderers, measured side by side in one run on the same words.

usage: python bench/render_bench.py [--runs R] [--n N] [--slow-n M] [--peers DIR]
                                    [--peers-python PY] [--out FILE] [--seed S]

What it times, each as a whole process (wall clock, time.perf_counter around
the child process; peak RSS and CPU from os.wait4):

- pdfgen, through bench/pdfgen_driver.py, rendering bench/peer_handout (the
  peers' handout.yaml converted by bench/convert_peer.py) 1 and N times in one
  process, with layout "stacked" (English, then Spanish from a new front page:
  the closest to the peers' English page / Spanish page) and "bilingual"
  (pdfgen's default: the two languages side by side);
- the same two pdfgen rows with `--untagged` (no PDF/UA structure): the
  tagging cost, tagged / untagged, measured in the same rounds, in wall clock
  and in the child's CPU time (steadier on a shared machine);
- one real `python -m pdfgen render ID --library bench/peer_handout` process
  per layout: what a user waits for. pdfgen's on-disk cache (pdfgen/diskcache.py:
  the quality gates' findings, parsed data files, the footer's date) is a folder of
  this run's own (bench/out/cache, emptied at the start), which the warm-up fills:
  these rows are a render of unchanged content, as a user re-rendering a handout
  has it. One more row per layout runs with a cache of its own
  with the entries made from the handout (the gate's findings, the footer's date)
  removed before each run: the first render of new or edited content;
- with --base DIR (another checkout of pdfgen, e.g. `git worktree add /tmp/base
  HEAD~3`), the same `pdfgen render` rows from DIR, in the same rounds: before and
  after, paired;
- the peers, from their own folder: rl_platypus.py (plain ReportLab platypus)
  and noop_render.py (the floor: Python + PyYAML + YAML load, no PDF);
  typst_render.py, fpdf2_render.py and weasy.py each only if its package
  imports;
- `python -c pass`: the interpreter alone.

One interpreter for every row: bench/.venv-peers/bin/python (made by
bench/setup_peers.sh: the peers' pinned requirements plus pdfgen's
dependencies) when it exists, with pdfgen run from this checkout through
PYTHONPATH; otherwise this interpreter, and the peers whose packages do not
import are skipped with a note. Start-up differs between interpreters (a
site-packages with many packages, or a .pth file that imports something, adds
to every process), so mixing them would skew the t(1) ratios.

Every command runs once as a warm-up (not counted), then R rounds; each round
runs every (command, document count) once, in a shuffled order, so drift on
the machine falls on all tools alike. Figures are medians over the rounds:

- per extra document = (t(N) - t(1)) / (N - 1), the marginal cost of one more
  handout in a warm process, content load included (all tools re-read their
  YAML on every iteration);
- t(1) = one process rendering one handout, start-up included.

--startup-only times one process per command only (t(1), no N-document runs, no
pdfgen_driver.py rows): the quick way to follow the one-process target.

fpdf2 and WeasyPrint take 5-15x longer per document, so they are run with
M (--slow-n, default 20) documents instead of N to keep the run short; the
per-document formula is the same.

It then breaks pdfgen's one-process time down (imports, content load, layout
load, first and second render) and lists the largest import costs of
`python -X importtime -m pdfgen render ...`.

Prints a markdown report and writes it to bench/out/results.md (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIBRARY = HERE / "peer_handout"
HANDOUT_ID = "peer-hemilaminectomy"
DEFAULT_PEERS = Path(os.environ.get("PEERS_DIR", "/work/shared/bench/peers"))
DEFAULT_PEERS_PY = HERE / ".venv-peers" / "bin" / "python"

PER_DOC_TARGET = 0.9  # pdfgen per extra PDF / plain ReportLab (issue #16)
PER_DOC_TYPST_TARGET = 1.0  # pdfgen per extra PDF / Typst (issue #16)
STARTUP_TARGET = 1.0  # one `pdfgen render` process / one plain ReportLab process (issue #16)
TAGGING_TARGET = 1.25  # pdfgen per extra PDF, tagged / untagged


@dataclass
class Tool:
    key: str
    label: str
    version: str
    argv: object  # callable (n, out_pdf) -> list[str]
    cwd: Path
    counts: tuple[int, ...]  # document counts to time, e.g. (1, 50)
    output: str = ""  # file name of its PDF in the temp dir ("" = none)
    env: dict | None = None  # environment for the child (None = inherit)
    prep: object = None  # callable run (untimed) before each run, e.g. to empty a cache
    times: dict = field(default_factory=dict)  # n -> [seconds]
    rss: dict = field(default_factory=dict)  # n -> [KiB]
    cpu: dict = field(default_factory=dict)  # n -> [user+sys seconds]
    pages: int | None = None
    size: int | None = None


def run_timed(argv: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, float]:
    """Run a command; return (wall seconds, peak RSS KiB, user+sys CPU seconds)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"command failed ({proc.returncode}): {' '.join(argv)}\n"
                             f"{err.read().decode(errors='replace')}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def version_of(python: str, *dists: str) -> str:
    code = ("import importlib.metadata as m, sys\n"
            "out = []\n"
            "for d in sys.argv[1:]:\n"
            "    try: out.append(f'{d} {m.version(d)}')\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(', '.join(out))")
    res = subprocess.run([python, "-c", code, *dists], capture_output=True, text=True)
    return res.stdout.strip()


def imports_ok(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def count_pages(path: Path, python: str | None) -> int | None:
    """Page count via pypdf (in `python`, if it has it), else a /Type /Page scan."""
    if python and imports_ok(python, "pypdf"):
        code = "import pypdf, sys; print(len(pypdf.PdfReader(sys.argv[1]).pages))"
        res = subprocess.run([python, "-c", code,
                              str(path)], capture_output=True, text=True)
        if res.returncode == 0:
            return int(res.stdout)
    data = path.read_bytes()
    n = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    return n or None


def pdfgen_env() -> dict:
    """Run pdfgen from this checkout whatever the interpreter (no install needed, only its deps)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def pick_python() -> str:
    """The peers' venv when it can also run pdfgen (one interpreter for all rows), else this one."""
    venv = str(DEFAULT_PEERS_PY)
    if DEFAULT_PEERS_PY.exists() and subprocess.run(
            [venv, "-c", "import click, babel, reportlab, yaml, pdfgen.render"],
            env=pdfgen_env(), capture_output=True).returncode == 0:
        return venv
    return sys.executable


def build_tools(args, tmp: Path) -> tuple[list[Tool], list[str]]:
    py = args.python
    peers = args.peers
    penv = pdfgen_env()
    handout = str(peers / "handout.yaml")
    notes = []
    rl_ver = version_of(py, "reportlab")
    pdfgen_ver = "pdfgen " + subprocess.run(
        [py, "-c", "import pdfgen; print(pdfgen.__version__)"], env=penv,
        capture_output=True, text=True, check=True).stdout.strip()
    tools = [
        Tool("python", "floor: `python -c pass`", platform.python_version(),
             lambda n, out: [py, "-c", "pass"], ROOT, (1,)),
        *([Tool("python-here", f"floor: `python -c pass` with {sys.executable} (not used above)",
                platform.python_version(), lambda n, out: [sys.executable, "-c", "pass"],
                ROOT, (1,))]
          if os.path.abspath(py) != os.path.abspath(sys.executable) else []),
        Tool("noop", "floor: peers' `noop_render.py` (Python + PyYAML + YAML load)",
             version_of(py, "PyYAML"),
             lambda n, out: [py, "noop_render.py", handout, out, str(n)], peers, (1, args.n)),
        Tool("rl", "ReportLab platypus (`rl_platypus.py`)", rl_ver,
             lambda n, out: [py, "rl_platypus.py", handout, out, str(n)], peers, (1, args.n),
             "rl_platypus.pdf"),
    ]
    for layout in ("stacked", "bilingual") if not args.startup_only else ():
        tools.append(Tool(f"pdfgen-{layout}", f"pdfgen, layout {layout} (`pdfgen_driver.py`)",
                          f"{pdfgen_ver}, {rl_ver}",
                          lambda n, out, layout=layout: [
                              py, str(HERE / "pdfgen_driver.py"), str(LIBRARY), out, str(n),
                              "--layout", layout],
                          ROOT, (1, args.n), f"pdfgen-{layout}.pdf", penv))
    for layout in ("stacked", "bilingual") if not args.startup_only else ():
        tools.append(Tool(f"pdfgen-{layout}-untagged",
                          f"pdfgen, layout {layout}, untagged (`pdfgen_driver.py --untagged`)",
                          f"{pdfgen_ver}, {rl_ver}",
                          lambda n, out, layout=layout: [
                              py, str(HERE / "pdfgen_driver.py"), str(LIBRARY), out, str(n),
                              "--layout", layout, "--untagged"],
                          ROOT, (1, args.n), f"pdfgen-{layout}-untagged.pdf", penv))
    # "new content": a cache of its own from which every entry made from the handout (the
    # gate's findings, the footer's date) is removed before each run; what is made from
    # pdfgen's and its libraries' own data (the languages registry, the CMU dictionary's
    # counts) stays, as after any earlier pdfgen command on the machine
    cold_dir = HERE / "out" / "cache-cold"
    shutil.rmtree(cold_dir, ignore_errors=True)

    def forget_content():
        for pattern in ("gate-*", "month-year-*"):
            for entry in cold_dir.glob(pattern):
                entry.unlink()

    cold = dict(penv, PDFGEN_CACHE_DIR=str(cold_dir))
    checkouts = [("", ROOT, penv, cold)]
    if args.base:
        benv = dict(penv, PYTHONPATH=os.pathsep.join(
            p for p in (str(args.base), os.environ.get("PYTHONPATH", "")) if p))
        checkouts.append(("-base", args.base, benv, dict(benv, PDFGEN_CACHE_DIR=str(cold_dir))))
    for suffix, checkout, env, cold_env in checkouts:
        # run in the checkout's folder: `python -m` puts the working folder first on sys.path
        library = str(LIBRARY.relative_to(ROOT)) if (checkout / LIBRARY.relative_to(ROOT) / (
            HANDOUT_ID + ".yaml")).is_file() else str(LIBRARY)
        where = f" from {checkout} ({git_state(checkout)})" if suffix else ""
        for layout in ("stacked", "bilingual"):
            tools.append(Tool(f"cli-{layout}{suffix}",
                              f"`pdfgen render`, layout {layout} (one process){where}",
                              pdfgen_ver,
                              lambda n, out, layout=layout, library=library: [
                                  py, "-m", "pdfgen", "render", HANDOUT_ID,
                                  "--library", library, "--layout", layout, "-o", out],
                              checkout, (1,), f"cli-{layout}{suffix}.pdf", env))
        for layout in ("stacked", "bilingual"):
            tools.append(Tool(f"cli-{layout}-new{suffix}",
                              f"`pdfgen render`, layout {layout}, new content (one process)"
                              f"{where}", pdfgen_ver,
                              lambda n, out, layout=layout, library=library: [
                                  py, "-m", "pdfgen", "render", HANDOUT_ID,
                                  "--library", library, "--layout", layout, "-o", out],
                              checkout, (1,), f"cli-{layout}-new{suffix}.pdf", cold_env,
                              prep=forget_content))
    ppy = args.peers_python
    optional = [
        ("typst", "Typst (`typst_render.py`)", "typst", "typst", "typst_render.py", args.n),
        ("fpdf2", "fpdf2 (`fpdf2_render.py`)", "fpdf", "fpdf2", "fpdf2_render.py", args.slow_n),
        ("weasy", "WeasyPrint (`weasy.py`)", "weasyprint", "weasyprint", "weasy.py", args.slow_n),
    ]
    for key, label, module, dist, script, n in optional:
        if not ppy or not imports_ok(ppy, module):
            why = f"`import {module}` fails in {ppy}" if ppy else "no --peers-python"
            notes.append(f"{label}: skipped, {why} (bash bench/setup_peers.sh makes one)")
            continue
        version = version_of(ppy, dist)
        tools.append(Tool(key, label, version,
                          lambda n, out, script=script: [ppy, script, handout, out, str(n)],
                          peers, (1, n), f"{script[:-3]}.pdf"))
    notes.append(f"Interpreter: {py} ({version_of(py, 'PyYAML', 'click', 'Babel', 'pillow')}) "
                 "for pdfgen, ReportLab platypus and the floors; pdfgen ran from this checkout "
                 "(PYTHONPATH).")
    if ppy and os.path.abspath(ppy) != os.path.abspath(py):
        notes.append(f"Typst, fpdf2 and WeasyPrint ran with {ppy} "
                     f"({version_of(ppy, 'PyYAML', 'fonttools')}): a different interpreter, so "
                     "their start-up is not directly comparable.")
    return tools, notes


def startup_only(tools: list[Tool]) -> None:
    for t in tools:
        t.counts = (1,)


def measure(tools: list[Tool], runs: int, tmp: Path, seed: int, log) -> None:
    jobs = [(t, n) for t in tools for n in t.counts]
    for t in tools:  # warm-up: every command once, at its smallest count
        if t.prep:
            t.prep()
        run_timed(t.argv(1, str(tmp / (t.output or f"{t.key}.out"))), t.cwd, t.env)
    rng = random.Random(seed)
    for r in range(runs):
        order = jobs[:]
        rng.shuffle(order)
        t0 = time.perf_counter()
        for t, n in order:
            if t.prep:
                t.prep()
            wall, rss, cpu = run_timed(t.argv(n, str(tmp / (t.output or f"{t.key}.out"))), t.cwd,
                                       t.env)
            t.times.setdefault(n, []).append(wall)
            t.rss.setdefault(n, []).append(rss)
            t.cpu.setdefault(n, []).append(cpu)
        log(f"round {r + 1}/{runs}: {time.perf_counter() - t0:.1f} s")


# --- figures ----------------------------------------------------------------------------
def med(xs):
    return statistics.median(xs) if xs else None


def t1(t: Tool):
    return med(t.times.get(1, []))


def nmax(t: Tool) -> int:
    return max(t.counts)


def per_doc(t: Tool):
    n = nmax(t)
    if n == 1:
        return None
    return (med(t.times[n]) - med(t.times[1])) / (n - 1)


def per_doc_rounds(t: Tool) -> list[float]:
    n = nmax(t)
    if n < 2:
        return []
    return [(a - b) / (n - 1) for a, b in zip(t.times[n], t.times[1], strict=False)]


def per_doc_cpu_rounds(t: Tool) -> list[float]:
    """Per extra document in CPU time (user+sys of the child): waiting for a busy CPU excluded."""
    n = nmax(t)
    return [(a - b) / (n - 1) for a, b in zip(t.cpu[n], t.cpu[1], strict=False)] if n > 1 else []


def paired(a: list[float], b: list[float]) -> tuple[float, float, float] | None:
    """Median, min and max of the per-round ratios a[r] / b[r] (drift cancels within a round)."""
    rs = [x / y for x, y in zip(a, b, strict=False) if y > 0]
    return (statistics.median(rs), min(rs), max(rs)) if rs else None


def fmt_paired(p) -> str:
    return "–" if p is None else f"{p[0]:.2f} ({p[1]:.2f}–{p[2]:.2f})"


def spread(xs) -> float | None:
    return (max(xs) - min(xs)) / med(xs) if xs and len(xs) > 1 else None


def met(r, target) -> str:
    return "met" if r is not None and r <= target else "NOT met"


def fmt(x, spec, dash="–"):
    return dash if x is None else format(x, spec)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


# --- pdfgen's start-up, broken down ---------------------------------------------------------
PHASES = r"""
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.render import render_handout
t1 = time.perf_counter()
lib = require(load_library(Path(sys.argv[1]), only=[sys.argv[2]]))
t2 = time.perf_counter()
layout = load_layout(sys.argv[3])
t3 = time.perf_counter()
render_handout(lib.procedure(sys.argv[2]), lib.clinic, layout)
t4 = time.perf_counter()
render_handout(lib.procedure(sys.argv[2]), lib.clinic, layout)
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""
PHASE_NAMES = ("imports (pdfgen.layout, .load, .render)", "content load (clinic + handout)",
               "layout load", "first render (fonts registered, catalogs read)", "second render")


def phases(py: str, layout: str, runs: int) -> list[float]:
    rows = []
    for _ in range(runs):
        res = subprocess.run([py, "-c", PHASES, str(LIBRARY), HANDOUT_ID, layout], env=pdfgen_env(),
                             cwd=ROOT, capture_output=True, text=True, check=True)
        rows.append([float(x) for x in res.stdout.split()])
    return [statistics.median(col) for col in zip(*rows, strict=False)]


def importtime(py: str, layout: str, runs: int, tmp: Path) -> tuple[list, dict, dict]:
    """Median over runs: (module, cumulative ms, depth) per import, and self ms per top package."""
    cum: dict[tuple[str, int], list[float]] = {}
    selfs: dict[str, list[float]] = {}
    by_root: dict[str, list[float]] = {}
    for _ in range(runs):
        res = subprocess.run([py, "-X", "importtime", "-m", "pdfgen", "render", HANDOUT_ID,
                              "--library", str(LIBRARY.relative_to(ROOT)), "--layout", layout,
                              "-o", str(tmp / "importtime.pdf")],
                             cwd=ROOT, env=pdfgen_env(), capture_output=True, text=True, check=True)
        roots: dict[str, float] = {}
        for line in res.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
            if not m:
                continue
            self_us, cum_us, indent, name = int(m[1]), int(m[2]), len(m[3]), m[4]
            cum.setdefault((name, (indent - 1) // 2), []).append(cum_us / 1000)
            selfs.setdefault(name, []).append(self_us / 1000)
            root = name.split(".")[0]
            roots[root] = roots.get(root, 0.0) + self_us / 1000
        for root, ms in roots.items():
            by_root.setdefault(root, []).append(ms)
    lines = sorted(((name, statistics.median(v), depth) for (name, depth), v in cum.items()),
                   key=lambda x: -x[1])
    return (lines, {k: statistics.median(v) for k, v in by_root.items()},
            {k: statistics.median(v) for k, v in selfs.items()})


def git_state(checkout: Path = ROOT) -> str:
    """The commit measured, and whether pdfgen's code had uncommitted edits."""
    def git(*a):
        res = subprocess.run(["git", *a], cwd=checkout, capture_output=True, text=True)
        return res.stdout.strip() if res.returncode == 0 else ""
    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "pdfgen", "layouts", "fonts")
    return f"commit {head}" + (" plus uncommitted edits to " + ", ".join(
        sorted({line[3:] for line in dirty.splitlines()})) if dirty else " (clean)")


# --- report ------------------------------------------------------------------------------
def report(tools: list[Tool], notes: list[str], args, elapsed: float, phase_rows, imp) -> str:
    by = {t.key: t for t in tools}
    rl, typst = by["rl"], by.get("typst")
    out = []
    w = out.append
    w("# pdfgen vs peer renderers: results\n")
    w(f"pdfgen source: {git_state()}.\n")
    extra = (" --startup-only" if args.startup_only else "") + (
        f" --base {args.base}" if args.base else "")
    w("Command: `python bench/render_bench.py "
      f"--runs {args.runs} --n {args.n} --slow-n {args.slow_n}{extra}` "
      f"({elapsed:.0f} s). Machine: {os.cpu_count()} CPUs ({platform.machine()}), "
      f"{platform.system()} {platform.release()}, CPython {platform.python_version()}, "
      f"{rl.version}. Medians of {args.runs} rounds after 1 warm-up; wall clock. "
      f"Load average (1 min) at start / end: {args.load[0]:.2f} / {os.getloadavg()[0]:.2f}.\n")
    w("| tool | version | per extra document (ms) | ms per page | t(1), whole process (s) "
      "| N | t(N) (s) | pages | PDF bytes | peak RSS MiB (1 / N) | spread t(1) / t(N) |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for t in tools:
        pd_ = per_doc(t)
        n = nmax(t)
        per_page = pd_ / t.pages if pd_ is not None and t.pages else None
        rss = " / ".join(fmt(med(t.rss[k]) / 1024 if t.rss.get(k) else None, ".1f")
                         for k in t.counts)
        spr = " / ".join(fmt(None if spread(t.times[k]) is None else spread(t.times[k]) * 100,
                                 ".0f") + "%" for k in t.counts)
        w(f"| {t.label} | {t.version} | {fmt(pd_ and pd_ * 1000, '.1f')} "
          f"| {fmt(per_page and per_page * 1000, '.1f')} | {fmt(t1(t), '.3f')} "
          f"| {n if n > 1 else '–'} | {fmt(med(t.times[n]) if n > 1 else None, '.3f')} "
          f"| {fmt(t.pages, 'd')} | {fmt(t.size, ',')} | {rss} | {spr} |")
    w("")
    w("## Ratios (pdfgen / peer, same run, same words; lower is better)\n")
    w("| pdfgen row | per extra document / ReportLab | per extra document / Typst "
      "| per page / ReportLab | t(1) / ReportLab | t(1) / Typst |")
    w("|---|---:|---:|---:|---:|---:|")
    rl_pd, ty_pd = per_doc(rl), typst and per_doc(typst)
    drivers = [k for k in ("pdfgen-stacked", "pdfgen-bilingual") if k in by]
    clis = [t.key for t in tools if t.key.startswith("cli-")]
    for key in drivers + clis:
        t = by[key]
        pd_ = per_doc(t)
        pp = ratio(pd_ / t.pages if pd_ and t.pages else None,
                   rl_pd / rl.pages if rl_pd and rl.pages else None)
        w(f"| {t.label} | {fmt(ratio(pd_, rl_pd), '.2f')} | {fmt(ratio(pd_, ty_pd), '.2f')} "
          f"| {fmt(pp, '.2f')} | {fmt(ratio(t1(t), t1(rl)), '.2f')} "
          f"| {fmt(ratio(t1(t), typst and t1(typst)), '.2f')} |")
    w("")
    w("Per-round (paired) ratios: median (lowest–highest) over the rounds of the ratio taken "
      "within each round, which cancels slow drift of the machine:\n")
    w("| pdfgen row | per extra document / ReportLab | per extra document / Typst "
      "| t(1) / ReportLab | t(1) / Typst |")
    w("|---|---:|---:|---:|---:|")
    for key in drivers + clis:
        t = by[key]
        w(f"| {t.label} | {fmt_paired(paired(per_doc_rounds(t), per_doc_rounds(rl)))} "
          f"| {fmt_paired(typst and paired(per_doc_rounds(t), per_doc_rounds(typst)))} "
          f"| {fmt_paired(paired(t.times[1], rl.times[1]))} "
          f"| {fmt_paired(typst and paired(t.times[1], typst.times[1]))} |")
    w("")
    w("One process in CPU time (user+sys of the child; leaves out the waits for a CPU that "
      "other processes hold), median ms and paired ratio to plain ReportLab:\n")
    w("| row | t(1) CPU (ms) | / ReportLab, paired |")
    w("|---|---:|---:|")
    for key in ["rl", *clis]:
        t = by[key]
        w(f"| {t.label} | {fmt(med(t.cpu[1]) * 1000, '.1f')} "
          f"| {fmt_paired(paired(t.cpu[1], rl.cpu[1]))} |")
    w("")
    if args.base:
        w("Before and after, paired (this checkout / --base, t(1) per round):\n")
        w("| row | wall, this checkout / base | CPU, this checkout / base |")
        w("|---|---:|---:|")
        for key in clis:
            if not key.endswith("-base"):
                base = by[f"{key}-base"]
                w(f"| {by[key].label} | {fmt_paired(paired(by[key].times[1], base.times[1]))} "
                  f"| {fmt_paired(paired(by[key].cpu[1], base.cpu[1]))} |")
        w("")
    if drivers:
        tagging(w, by)
    w("## Targets\n")
    for key in drivers:
        r, rt = ratio(per_doc(by[key]), rl_pd), ratio(per_doc(by[key]), ty_pd)
        w(f"- per extra PDF, {by[key].label}: {fmt(r, '.2f')}x plain ReportLab "
          f"(target <= {PER_DOC_TARGET}): **{met(r, PER_DOC_TARGET)}**"
          f"; {fmt(rt, '.2f')}x Typst (target <= {PER_DOC_TYPST_TARGET}): "
          f"**{met(rt, PER_DOC_TYPST_TARGET)}**.")
    for layout in ("stacked", "bilingual") if drivers else ():
        tg, ut = by[f"pdfgen-{layout}"], by[f"pdfgen-{layout}-untagged"]
        p = paired(per_doc_rounds(tg), per_doc_rounds(ut))
        c = paired(per_doc_cpu_rounds(tg), per_doc_cpu_rounds(ut))
        r, rc = (p[0] if p else None), (c[0] if c else None)
        w(f"- tagging, layout {layout}: per extra PDF {fmt(r, '.2f')}x untagged in wall clock, "
          f"{fmt(rc, '.2f')}x in CPU time, paired medians (target <= {TAGGING_TARGET}): "
          f"**{met(r, TAGGING_TARGET)}** (wall), **{met(rc, TAGGING_TARGET)}** (CPU).")
    for key in clis:
        r = ratio(t1(by[key]), t1(rl))
        p = paired(by[key].times[1], rl.times[1])
        c = paired(by[key].cpu[1], rl.cpu[1])
        w(f"- one process, {by[key].label}: {fmt(r, '.2f')}x one plain ReportLab process "
          f"(medians), {fmt(p and p[0], '.2f')}x paired, {fmt(c and c[0], '.2f')}x in CPU time "
          f"paired (target <= {STARTUP_TARGET}): **{met(p and p[0], STARTUP_TARGET)}** (wall), "
          f"**{met(c and c[0], STARTUP_TARGET)}** (CPU).")
    w("")
    return finish(w, out, tools, notes, args, phase_rows, imp)


def tagging(w, by) -> None:
    w("## Tagging cost (tagged / untagged pdfgen, same rounds)\n")
    w("Per extra document, wall clock and CPU time (user+sys of the child process; on a "
      "shared machine CPU time leaves out the waits for a busy CPU):\n")
    w("| layout | wall, tagged / untagged (ms) | ratio | paired ratio "
      "| CPU, tagged / untagged (ms) | CPU paired ratio | t(1) ratio "
      "| PDF bytes tagged / untagged |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for layout in ("stacked", "bilingual"):
        tg, ut = by[f"pdfgen-{layout}"], by[f"pdfgen-{layout}-untagged"]
        ctg, cut = med(per_doc_cpu_rounds(tg)), med(per_doc_cpu_rounds(ut))
        w(f"| {layout} | {fmt(per_doc(tg) and per_doc(tg) * 1000, '.1f')} / "
          f"{fmt(per_doc(ut) and per_doc(ut) * 1000, '.1f')} "
          f"| {fmt(ratio(per_doc(tg), per_doc(ut)), '.2f')} "
          f"| {fmt_paired(paired(per_doc_rounds(tg), per_doc_rounds(ut)))} "
          f"| {fmt(ctg and ctg * 1000, '.1f')} / {fmt(cut and cut * 1000, '.1f')} "
          f"| {fmt_paired(paired(per_doc_cpu_rounds(tg), per_doc_cpu_rounds(ut)))} "
          f"| {fmt(ratio(t1(tg), t1(ut)), '.2f')} | {fmt(tg.size, ',')} / {fmt(ut.size, ',')} |")
    w("")


def finish(w, out, tools, notes, args, phase_rows, imp) -> str:
    if max(args.load[0], os.getloadavg()[0]) >= 0.5:
        notes.insert(0, "**The machine was not idle** (1-minute load average >= 0.5 at the start "
                        "or end): other processes competed for the CPUs, so these figures are "
                        "noisier than usual; rerun on an idle machine before trusting a ratio "
                        "near a target.")
    if notes:
        w("## Notes\n")
        for n in notes:
            w(f"- {n}")
        w("")
    for layout, row in phase_rows.items():
        w(f"## pdfgen in one process, layout {layout}: where the time goes "
          f"(in-process perf_counter, median of {args.runs})\n")
        w("| phase | ms |")
        w("|---|---:|")
        for name, v in zip(PHASE_NAMES, row, strict=False):
            w(f"| {name} | {v * 1000:.1f} |")
        w("")
    lines, roots, selfs = imp
    w(f"## `python -X importtime -m pdfgen render` (median of {args.runs})\n")
    w("Self time summed per top-level package (ms): "
      + ", ".join(f"{k} {v:.1f}" for k, v in sorted(roots.items(), key=lambda kv: -kv[1])[:12])
      + f"; all imports together {sum(roots.values()):.1f}.\n")
    w("Largest cumulative imports (nesting shown by indent):\n")
    w("```")
    for name, ms, depth in lines[:20]:
        w(f"{ms:8.1f} ms  {'  ' * depth}{name}")
    w("```\n")
    w("Largest self times (the module's own top-level code, children excluded): "
      + ", ".join(f"{k} {v:.1f}" for k, v in sorted(selfs.items(), key=lambda kv: -kv[1])[:12])
      + ".")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed rounds (median over them)")
    ap.add_argument("--n", type=int, default=50, help="documents in the long run")
    ap.add_argument("--slow-n", type=int, default=20,
                    help="documents in the long run of fpdf2/WeasyPrint")
    ap.add_argument("--peers", type=Path, default=DEFAULT_PEERS, help="the peers' folder")
    ap.add_argument("--python", default=None,
                    help="interpreter for pdfgen, ReportLab and the floors (default: "
                         "bench/.venv-peers when it has pdfgen's dependencies, so every row "
                         "shares one interpreter; else this one)")
    ap.add_argument("--peers-python",
                    default=str(DEFAULT_PEERS_PY) if DEFAULT_PEERS_PY.exists() else "",
                    help="interpreter with typst/fpdf2/weasyprint (default bench/.venv-peers)")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "results.md")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--startup-only", action="store_true",
                    help="time one process per command only (t(1)): the one-process target")
    ap.add_argument("--base", type=Path, default=None, metavar="DIR",
                    help="another checkout of pdfgen whose `pdfgen render` rows are timed in "
                         "the same rounds (before / after)")
    args = ap.parse_args(argv)
    if args.base is not None:
        args.base = args.base.resolve()
        if not (args.base / "pdfgen" / "cli.py").is_file():
            ap.error(f"--base {args.base}: no pdfgen checkout there")
    args.python = args.python or pick_python()
    args.load = os.getloadavg()
    if args.n < 2 or args.slow_n < 2 or args.runs < 1:
        ap.error("--n and --slow-n must be at least 2, --runs at least 1")
    if not (args.peers / "rl_platypus.py").is_file():
        ap.error(f"no peers in {args.peers} (rl_platypus.py missing); use --peers")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    # Byte code as an installed package has it (pip compiles every module at install): with
    # PYTHONDONTWRITEBYTECODE set, a checkout's modules are compiled from source on every
    # start (about 50 ms for pdfgen's), which no installed pdfgen or ReportLab pays. Every
    # child (pdfgen, the peers and the floors alike) writes and reuses byte code in one
    # folder; the warm-up run fills it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(HERE / "out" / "pycache")
    # pdfgen's on-disk cache: this run's own, empty at the start, filled by the warm-up (a
    # user's ~/.cache/pdfgen is shared with whatever else runs pdfgen on the machine)
    cache = HERE / "out" / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["PDFGEN_CACHE_DIR"] = str(cache)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="pdfgen-bench-"))
    try:
        tools, notes = build_tools(args, tmp)
        if args.startup_only:
            startup_only(tools)
        log("timing: " + ", ".join(t.key for t in tools))
        measure(tools, args.runs, tmp, args.seed, log)
        for t in tools:
            if t.output:
                path = tmp / t.output
                t.size = path.stat().st_size
                t.pages = count_pages(path, args.peers_python or None)
        log("pdfgen phases and import times")
        phase_rows = {layout: phases(args.python, layout, args.runs)
                      for layout in ("stacked", "bilingual")}
        imp = importtime(args.python, "bilingual", args.runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(tools, notes, args, time.perf_counter() - start, phase_rows, imp)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
