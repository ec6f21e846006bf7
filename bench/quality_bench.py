"""What the quality gates add to building one handout, measured in the same run.

usage: python bench/quality_bench.py [--repeat 30] [--cold 7]

For the sample handout, each timed --repeat times (median, after one warm-up):

  gates      check_handout(): readability, lint, freshness and review dates, both languages
  sentences  readability.sentences() over every text of the handout, both languages (the
             sentence segmenter alone; part of the gates)
  render     render_pdf() of every output in the sample clinic.yaml (bilingual, en, es)
  load       load_procedure(): reading and validating the YAML

Gates and render are timed in alternate rounds, so that a machine busy with other work
slows both alike, in wall time and in this process's CPU time. Reported as milliseconds,
as the gates' share of one handout's build work (load + gates + render), which is what
`pdfgen build` does per handout, and as gates / render.

--cold N runs N fresh Python processes that import the gates, score the sample's English
once (the first English word loads the syllable dictionary, which every `pdfgen` command
pays once), then check the sample twice.
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pdfgen.layout import load_layout
from pdfgen.load import load_clinic, load_procedure
from pdfgen.quality import readability
from pdfgen.quality.gates import check_handout
from pdfgen.render import render_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "handouts"

COLD = """
import json, sys, time
def clock():
    return time.perf_counter(), time.process_time()
t0 = clock()
from pathlib import Path
from pdfgen.load import load_clinic, load_procedure
from pdfgen.quality import readability
from pdfgen.quality.gates import check_handout
t1 = clock()
root = Path(sys.argv[1])
clinic, _ = load_clinic(root / "clinic.yaml")
proc, _ = load_procedure(root / "hemilaminectomy.yaml", clinic)
readability.units(proc, "en")  # the labels, loaded once
t2 = clock()
readability.score_handout(proc, "en")  # the first English syllable: the dictionary loads
t3 = clock()
check_handout(proc, clinic, root / "hemilaminectomy.yaml")
t4 = clock()
check_handout(proc, clinic, root / "hemilaminectomy.yaml")
t5 = clock()
out = {}
for name, a, b in (("import", t0, t1), ("first_en", t2, t3), ("first", t3, t4),
                   ("second", t4, t5)):
    out[name], out[name + "_cpu"] = b[0] - a[0], b[1] - a[1]
print(json.dumps(out))
"""


def timed(fn) -> tuple[float, float]:
    c, t = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cold", type=int, default=0)
    args = parser.parse_args()
    clinic, _ = load_clinic(SAMPLE / "clinic.yaml")
    path = SAMPLE / "hemilaminectomy.yaml"
    proc, _ = load_procedure(path, clinic)
    layouts = [(load_layout(o.layout), o.langs) for o in clinic.outputs]
    texts = [(text[lang], lang) for _, text in proc.texts() for lang in clinic.lang_codes]

    fresh = getattr(readability, "clear_caches", lambda: None)

    def gates():  # a handout not seen before: no sentence or word remembered from a last run
        fresh()
        check_handout(proc, clinic, path)

    def render():
        for lay, langs in layouts:
            render_pdf(proc, clinic, lay, langs)

    per_lang = "lang" in inspect.signature(readability.sentences).parameters  # older: no lang

    def segment():
        fresh()
        for text, lang in texts:
            readability.sentences(text, lang) if per_lang else readability.sentences(text)

    def load():
        load_procedure(path, clinic)

    runs: dict[str, list[tuple[float, float]]] = {"load": [], "gates": [], "sentences": [],
                                                   "render": []}
    for fn in (load, gates, segment, render):
        fn()  # warm-up
    for i in range(args.repeat):
        runs["load"].append(timed(load))
        runs["gates"].append(timed(gates))
        runs["sentences"].append(timed(segment))
        if i % 5 == 0 or args.repeat < 10:  # render is slow: every fifth round, at least 3
            runs["render"].append(timed(render))
    wall = {k: ms([w for w, _ in v]) for k, v in runs.items()}
    cpu = {k: ms([c for _, c in v]) for k, v in runs.items()}
    total = wall["load"] + wall["gates"] + wall["render"]
    print(f"# quality gates vs build work per handout ({platform.python_version()}, "
          f"{platform.machine()}, {args.repeat} rounds)\n")
    print("| step | ms (median, wall) | ms (median, CPU) | share of one handout's build |")
    print("|---|---|---|---|")
    for name in ("load", "gates", "sentences", "render"):
        label = f"render x{len(layouts)}" if name == "render" else name
        share = f"{wall[name] / total:.1%}" if name != "sentences" else "(in gates)"
        print(f"| {label} | {wall[name]:.1f} | {cpu[name]:.1f} | {share} |")
    print(f"\ngates / render = {wall['gates'] / wall['render']:.3f} (wall), "
          f"{cpu['gates'] / cpu['render']:.3f} (CPU)")
    if args.cold:
        rows = []
        for _ in range(args.cold):
            out = subprocess.run([sys.executable, "-c", COLD, str(SAMPLE)], check=True,
                                 capture_output=True, text=True).stdout
            rows.append(json.loads(out))
        med = {k: ms([r[k] for r in rows]) for k in rows[0]}
        print(f"\nfresh process (median of {args.cold}, ms, wall / CPU): import the gates "
              f"{med['import']:.0f} / {med['import_cpu']:.0f}; first English score "
              f"{med['first_en']:.1f} / {med['first_en_cpu']:.1f}; then check_handout "
              f"{med['first']:.0f} / {med['first_cpu']:.0f}; again {med['second']:.0f} / "
              f"{med['second_cpu']:.0f}")

if __name__ == "__main__":
    main()
