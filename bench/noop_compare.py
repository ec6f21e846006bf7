"""No-op (or cold) build time of two pdfgen versions on the same library, in one run.

usage: python bench/noop_compare.py --before REV [--after REV] [--size 1000] [--repeats 5]
                                    [--cold] [--jobs N] [--workdir DIR] [--quiet-wait SECONDS]

Generates one library the way bench/build_bench.py does (the sample's clinic.yaml and
SIZE varied handouts), exports pdfgen's package at the two git revisions into WORKDIR
(--after defaults to HEAD, so the checkout can be edited while this runs), and for
each version runs a cold build into its own output folder (each version's engine hash
differs, so each needs its own manifest). Then it alternates no-op builds, before /
after, REPEATS times each, so both see the same machine load, and checks that each
reports 0 built and 3 x SIZE skipped. Each run is the real CLI (`python -m pdfgen
build --json`) as a subprocess, measured by build_bench.run_measured (wall clock of the
process; the CLI's own "seconds" excludes interpreter start-up and imports).

--cold alternates cold builds instead (each version's output folder emptied before each
run, each run expected to build 3 x SIZE), and adds the peak RSS of the largest process.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_bench as bb  # noqa: E402


def export(rev: str, dest: Path) -> None:
    """pdfgen/ (and the layouts and fonts beside it) as of git revision `rev`, into dest."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    data = subprocess.run(["git", "-C", str(bb.ROOT), "archive", rev, "pdfgen", "layouts",
                           "fonts", "handouts"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest)


def build(src: Path, library: Path, out: Path, jobs: int | None) -> dict:
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(src)  # ahead of the editable install
    try:
        return bb.pdfgen_build(library, out, jobs)
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True, help="git revision to compare against")
    ap.add_argument("--after", default="HEAD", help="git revision to measure (default HEAD)")
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=bb.ROOT / "bench" / "out" / "noop")
    ap.add_argument("--quiet-wait", type=float, default=60.0)
    ap.add_argument("--cold", action="store_true",
                    help="alternate cold builds (empty output folder) instead of no-op builds")
    args = ap.parse_args(argv)
    bb.QUIET_LIMIT = args.quiet_wait
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    after = subprocess.run(["git", "-C", str(bb.ROOT), "rev-parse", "--short", args.after],
                           check=True, capture_output=True, text=True).stdout.strip()
    export(args.before, work / "before-src")
    export(after, work / "after-src")
    versions = {"before": work / "before-src", "after": work / "after-src"}
    library = work / "lib"
    bb.generate(library, args.size, args.seed)
    total = 3 * args.size
    for name, src in versions.items():
        out = work / f"out-{name}"
        if out.exists():
            shutil.rmtree(out)
        print(f"{name}: cold build of {args.size} handouts ...", file=sys.stderr, flush=True)
        bb.expect(f"cold ({name})", args.size, build(src, library, out, args.jobs), total, 0)
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    kind = "cold" if args.cold else "no-op"
    for i in range(args.repeats):
        for name, src in versions.items():
            out = work / f"out-{name}"
            if args.cold:
                shutil.rmtree(out)
            m = build(src, library, out, args.jobs)
            bb.expect(f"{kind} ({name})", args.size, m, total if args.cold else 0,
                      0 if args.cold else total)
            runs[name].append(m)
            print(f"  {kind} {name} #{i + 1}: {m['wall']:.3f} s wall, "
                  f"{m['summary']['seconds']:.3f} s in the CLI", file=sys.stderr, flush=True)
    commit = after
    rss = " peak RSS MB (largest process) median |" if args.cold else ""
    lines = [f"{kind.capitalize()} build of {args.size:,} handouts ({total:,} PDFs), "
             f"{args.repeats} runs each, alternating; before = {args.before}, after = {commit}; "
             f"{os.cpu_count()} CPUs, --jobs {args.jobs or 'default'}", "",
             "| version | wall median (s) | wall min-max (s) | CLI seconds median | CPU s median |"
             + rss, "|---|---:|---:|---:|---:|" + ("---:|" if args.cold else "")]
    for name, ms in runs.items():
        walls = [m["wall"] for m in ms]
        lines.append(f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f}-"
                     f"{max(walls):.3f} | "
                     f"{statistics.median(m['summary']['seconds'] for m in ms):.3f} | "
                     f"{statistics.median(m['cpu'] for m in ms):.2f} |"
                     + (f" {statistics.median(m['maxproc_mb'] for m in ms):.0f} |"
                        if args.cold else ""))
    foreign = max(m["foreign_cpus"] for ms in runs.values() for m in ms)
    lines.append(f"\nOther processes' CPU use during the {kind} runs: at most {foreign:.2f} "
                 "CPUs.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
