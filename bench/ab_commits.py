"""Per-document cost of two pdfgen checkouts, A against B, measured alternately in one run.

usage: python bench/ab_commits.py A_DIR B_DIR [--layouts bilingual,stacked] [--rounds 5]
                                  [--docs 25] [--library bench/peer_handout]

Each round starts one fresh process per checkout (A, then B, then the next layout), with
that checkout first on PYTHONPATH; the process loads the library and renders the handout
`--docs` times after a warm-up, and reports the median CPU time (time.process_time) of one
load + render. Alternating the two in every round spreads the machine's drift over both;
CPU time is steadier than wall clock on a shared machine. Prints each round and the ratio
of the medians, B / A, and of the fastest rounds (the least disturbed by other load).

Make the other checkout with `git worktree add /tmp/base COMMIT`. The same interpreter
runs both (this one), so both need the same dependencies installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time
from pathlib import Path
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.render import render_handout

library, layout, docs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def once():
    lib = require(load_library(library))
    return render_handout(lib.procedures[0], lib.clinic, load_layout(layout))


once()
times = []
for _ in range(docs):
    t = time.process_time()
    once()
    times.append(time.process_time() - t)
times.sort()
print(times[len(times) // 2] * 1000)
"""


def run(checkout: Path, library: Path, layout: str, docs: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", CHILD, str(library), layout, str(docs)],
                         cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--layouts", default="bilingual,stacked")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--docs", type=int, default=25)
    ap.add_argument("--library", type=Path, default=Path("bench/peer_handout"))
    args = ap.parse_args()
    for layout in args.layouts.split(","):
        got: dict[str, list[float]] = {"A": [], "B": []}
        for n in range(args.rounds):
            for name, checkout in (("A", args.a), ("B", args.b)):
                got[name].append(run(checkout.resolve(), args.library, layout, args.docs))
            print(f"{layout} round {n + 1}: A {got['A'][-1]:.1f} ms, B {got['B'][-1]:.1f} ms")
        a, b = statistics.median(got["A"]), statistics.median(got["B"])
        low_a, low_b = min(got["A"]), min(got["B"])
        print(f"{layout}: CPU ms per load + render, median of rounds: A {a:.1f}, B {b:.1f}, "
              f"B / A = {b / a:.3f}; fastest round (least disturbed): A {low_a:.1f}, "
              f"B {low_b:.1f}, B / A = {low_b / low_a:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
