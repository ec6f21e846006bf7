"""What the quality gates add to building one handout, measured in the same run.

usage: python bench/quality_bench.py [--repeat 30]

For the sample handout, each timed --repeat times (median, after one warm-up):

  gates      check_handout(): readability, lint, freshness and review dates, both languages
  render     render_pdf() of every output in the sample clinic.yaml (bilingual, en, es)
  load       load_procedure(): reading and validating the YAML

Reported as milliseconds and as the gates' share of one handout's build work
(load + gates + render), which is what `pdfgen build` does per handout.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from pdfgen.layout import load_layout
from pdfgen.load import load_clinic, load_procedure
from pdfgen.quality.gates import check_handout
from pdfgen.render import render_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "handouts"


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    clinic, _ = load_clinic(SAMPLE / "clinic.yaml")
    path = SAMPLE / "hemilaminectomy.yaml"
    proc, _ = load_procedure(path, clinic)
    layouts = [(load_layout(o.layout), o.langs) for o in clinic.outputs]

    load = median_ms(lambda: load_procedure(path, clinic), args.repeat)
    gates = median_ms(lambda: check_handout(proc, clinic, path), args.repeat)
    render = median_ms(lambda: [render_pdf(proc, clinic, lay, langs) for lay, langs in layouts],
                       max(3, args.repeat // 5))
    total = load + gates + render
    print(f"# quality gates vs build work per handout ({platform.python_version()}, "
          f"{platform.machine()})\n")
    print("| step | ms (median) | share of one handout's build |")
    print("|---|---|---|")
    for name, value in (("load", load), ("gates", gates), (f"render x{len(layouts)}", render)):
        print(f"| {name} | {value:.1f} | {value / total:.1%} |")
    print(f"\ngates / render = {gates / render:.3f}")


if __name__ == "__main__":
    main()
