"""What the front-desk page (out/index.html and its thumbnails) adds to `pdfgen build`.

usage: python bench/catalog_bench.py [--sizes 10,100] [--jobs 2] [--repeat 3] [--workdir DIR]

For each size N: a library of the sample clinic plus N copies of the sample handout
(ids cat-0001...), built cold with build_library (PDFs + page + thumbnails). Then, in the
same run, each timed --repeat times (median):

  build no-op     build_library with nothing changed (the page is rewritten, no thumbnail)
  page only       write_catalog with every thumbnail current (the page's share of a no-op)
  page + thumbs   write_catalog after deleting every thumbnail (N thumbnails redrawn)
  build cold      a cold build into an empty folder (PDFs, page and thumbnails)

Reported as ratios against the same run's builds, plus per-handout thumbnail time.
Results go to stdout (markdown) and WORKDIR/catalog_results.json; WORKDIR defaults to
bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import time
from pathlib import Path

from pdfgen.build import MANIFEST, build_library
from pdfgen.load import load_clinic
from pdfgen.site import write_catalog

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "handouts"


def make_library(where: Path, n: int) -> Path:
    lib = where / f"lib-{n}"
    shutil.rmtree(lib, ignore_errors=True)
    lib.mkdir(parents=True)
    shutil.copy(SAMPLE / "clinic.yaml", lib / "clinic.yaml")
    text = (SAMPLE / "hemilaminectomy.yaml").read_text(encoding="utf-8")
    for i in range(1, n + 1):
        hid = f"cat-{i:04d}"
        body = text.replace("id: hemilaminectomy", f"id: {hid}", 1)
        body = body.replace("  en: Hemilaminectomy\n", f"  en: Hemilaminectomy {i}\n", 1)
        (lib / f"{hid}.yaml").write_text(body, encoding="utf-8")
    return lib


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench(where: Path, n: int, jobs: int, repeat: int) -> dict:
    lib = make_library(where, n)
    out = where / f"out-{n}"
    clinic, _ = load_clinic(lib / "clinic.yaml", "clinic.yaml")

    def cold_build():
        shutil.rmtree(out, ignore_errors=True)
        result = build_library(lib, out, jobs=jobs)
        assert result.ok and len(result.built) == 3 * n

    cold = timed(cold_build, repeat)
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    noop = timed(lambda: build_library(lib, out, jobs=jobs), repeat)
    page = timed(lambda: write_catalog(out, manifest, clinic), repeat)

    def thumbs_again():
        for png in out.glob("*/*.png"):
            png.unlink()
        assert len(write_catalog(out, manifest, clinic).thumbs_built) == n

    with_thumbs = timed(thumbs_again, repeat)
    return {"handouts": n, "build_cold_s": cold, "build_noop_s": noop, "page_only_s": page,
            "page_and_thumbs_s": with_thumbs,
            "thumb_ms_per_handout": (with_thumbs - page) / n * 1000,
            "index_bytes": (out / "index.html").stat().st_size,
            "thumb_bytes_mean": statistics.mean(p.stat().st_size for p in out.glob("*/*.png"))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = [bench(args.workdir, int(n), args.jobs, args.repeat) for n in args.sizes.split(",")]
    print(f"{platform.python_implementation()} {platform.python_version()}, jobs={args.jobs}, "
          f"median of {args.repeat}\n")
    print("| handouts | page+thumbs / cold build | page only / no-op build | thumbnail per "
          "handout | index.html | thumbnail (mean) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['handouts']} | {r['page_and_thumbs_s'] / r['build_cold_s']:.2f} "
              f"({r['page_and_thumbs_s']:.2f} s of {r['build_cold_s']:.2f} s) | "
              f"{r['page_only_s'] / r['build_noop_s']:.2f} ({r['page_only_s'] * 1000:.0f} ms of "
              f"{r['build_noop_s'] * 1000:.0f} ms) | {r['thumb_ms_per_handout']:.1f} ms | "
              f"{r['index_bytes'] / 1024:.0f} KiB | {r['thumb_bytes_mean'] / 1024:.0f} KiB |")
    (args.workdir / "catalog_results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
