"""What a second language in another script costs per document: fallback fonts, shaping,
Chinese line breaking and right-to-left ordering, against English + Spanish in the same run.

usage: python bench/scripts_bench.py [--layouts bilingual,single] [--rounds 5] [--docs 15]

The sample library in other scripts (examples/other-scripts) has one handout in English,
Vietnamese, Simplified Chinese and Arabic, the same facts in each. The single layout renders
each language alone (baseline: English, in the bundled Latin face only); the bilingual
layout renders English beside each (baseline: English + Vietnamese, whose column needs a
fallback font but no shaping and no special line breaking; the library has no Spanish).

Each round starts one fresh process per case, in turn (so the machine's drift falls on all
of them alike); the process renders the handout `--docs` times after a warm-up (fonts
registered, catalogs read: the first render's cost is reported apart) and prints the median
CPU time of one load + render. Reported: the median over rounds, the fastest round, and the
ratio to the baseline case of the layout (English alone, or English + Vietnamese, whose
second column needs no shaping and no special line breaking: only a fallback font).
Needs the fonts: `pdfgen fonts install vi zh-Hans ar`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "examples" / "other-scripts"

CHILD = r"""
import sys, time
from pathlib import Path
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.render import render_handout

library, layout, docs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[4])
langs = tuple(sys.argv[3].split(","))


def once():
    lib = require(load_library(library))
    return render_handout(lib.procedures[0], lib.clinic, load_layout(layout), langs)


t = time.process_time()
size = len(once())
first = time.process_time() - t
times = []
for _ in range(docs):
    t = time.process_time()
    once()
    times.append(time.process_time() - t)
times.sort()
print(times[len(times) // 2] * 1000, first * 1000, size)
"""

CASES = {
    "single": [("en", "en"), ("vi", "vi"), ("zh-Hans", "zh-Hans"), ("ar", "ar")],
    "bilingual": [("en+vi", "en,vi"), ("en+zh-Hans", "en,zh-Hans"), ("en+ar", "en,ar")],
}


def run(layout: str, langs: str, docs: int) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(LIBRARY), layout, langs, str(docs)],
                         cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                         check=True)
    per, first, size = out.stdout.split()
    return float(per), float(first), int(size)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layouts", default="single,bilingual")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--docs", type=int, default=15)
    args = ap.parse_args()
    for layout in args.layouts.split(","):
        cases = CASES["single" if layout in ("single", "large-print") else "bilingual"]
        per: dict[str, list[float]] = {name: [] for name, _ in cases}
        first: dict[str, list[float]] = {name: [] for name, _ in cases}
        sizes: dict[str, int] = {}
        for r in range(args.rounds):
            for name, langs in cases:
                p, f, size = run(layout, langs, args.docs)
                per[name].append(p)
                first[name].append(f)
                sizes[name] = size
            print(f"round {r + 1}: " + ", ".join(f"{n} {per[n][-1]:.1f} ms" for n, _ in cases),
                  file=sys.stderr)
        base = cases[0][0]
        b_med, b_min = statistics.median(per[base]), min(per[base])
        print(f"\n{layout} (baseline {base})")
        print("| case | per document, median (ms) | fastest round (ms) | ratio (median) "
              "| ratio (fastest) | first render (ms) | PDF bytes |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in cases:
            med, low = statistics.median(per[name]), min(per[name])
            print(f"| {name} | {med:.1f} | {low:.1f} | {med / b_med:.2f} | {low / b_min:.2f} "
                  f"| {statistics.median(first[name]):.0f} | {sizes[name]:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
