"""Instructions per extra document, counted by valgrind (callgrind): a steady figure on a
noisy machine, where wall-clock and CPU times of the same code swing by 1.1-1.7x.

usage: python bench/instructions.py [--layouts bilingual,stacked] [--n 3]
                                    [--library bench/peer_handout] [--checkout DIR]...
                                    [--peer-rl] [--peers DIR]

For each checkout (default: this one) and layout, one process loads the library and
renders the handout once (warm-up), then 1 or 1 + N more times under
`valgrind --tool=callgrind`; the difference of the two instruction counts over N is the
cost of one more document (content load + render + PDF bytes), like render_bench.py's
"per extra document" but counted, not timed. `--peer-rl` counts the peers' plain
ReportLab script the same way (`rl_platypus.py IN OUT N`, N = 2 and 2 + N; its
start-up cancels out). Needs valgrind (Debian: apt-get install valgrind). Slow: each
count runs Python about 50x slower than usual (a few minutes in all).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PEERS = Path(os.environ.get("PEERS_DIR", "/work/shared/bench/peers"))

CHILD = r"""
import sys
from pathlib import Path
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.render import render_handout

library, layout_name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(1 + n):
    lib = require(load_library(library))
    render_handout(lib.procedures[0], lib.clinic, load_layout(layout_name))
"""


def count(cmd: list[str], env: dict, cwd: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
                       env=env, cwd=cwd, check=True, capture_output=True)
        text = out.read_text(errors="replace")
    found = re.search(r"^summary:\s*(\d+)", text, re.M) or re.search(r"^totals:\s*(\d+)",
                                                                      text, re.M)
    return int(found.group(1))


def per_extra(make, n: int) -> float:
    return (count(*make(n)) - count(*make(0))) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layouts", default="bilingual,stacked")
    ap.add_argument("--n", type=int, default=3, help="extra documents counted")
    ap.add_argument("--library", type=Path, default=HERE / "peer_handout")
    ap.add_argument("--checkout", type=Path, action="append", default=[],
                    help="a pdfgen checkout to count (repeatable; default: this one)")
    ap.add_argument("--peer-rl", action="store_true", help="also count plain ReportLab")
    ap.add_argument("--peers", type=Path, default=DEFAULT_PEERS)
    args = ap.parse_args()
    checkouts = args.checkout or [HERE.parent]
    rows = []
    if args.peer_rl:
        def rl(n):
            return ([sys.executable, "rl_platypus.py", "handout.yaml",
                     str(Path(tempfile.gettempdir()) / "rl_count.pdf"), str(2 + n)],
                    dict(os.environ), args.peers)
        rows.append(("plain ReportLab (rl_platypus.py)", per_extra(rl, args.n)))
        print(f"{rows[-1][0]}: {rows[-1][1] / 1e6:.1f} M instructions per extra document",
              flush=True)
    for checkout in checkouts:
        env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
        for layout in args.layouts.split(","):
            def pdfgen(n, layout=layout, env=env, checkout=checkout):
                return ([sys.executable, "-c", CHILD, str(args.library.resolve()), layout,
                         str(n)], env, checkout)
            rows.append((f"pdfgen {layout} ({checkout})", per_extra(pdfgen, args.n)))
            print(f"{rows[-1][0]}: {rows[-1][1] / 1e6:.1f} M instructions per extra document",
                  flush=True)
    if args.peer_rl:
        base = rows[0][1]
        for name, value in rows[1:]:
            print(f"{name}: {value / base:.2f}x plain ReportLab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
