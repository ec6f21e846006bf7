"""pdfgen's counterpart of the peers' renderers: load the content and render it N times.

usage: python bench/pdfgen_driver.py IN_LIBRARY OUT.pdf [N] [--layout NAME] [--id ID]
                                    [--untagged]

Like the peers (`script IN.yaml OUT.pdf N`), every one of the N iterations
re-reads and checks the content (clinic.yaml and the handout) *and* the layout
files, renders, and writes OUT.pdf anew, so the per-document figure covers the
whole content-to-file path. The peers keep their layout in code, so re-reading
the layout is a small cost only pdfgen pays here. The file is written plainly
(no fsync), as the peers do; `pdfgen render` writes atomically with fsync.

Only what rendering needs is imported (no click, no check command).
--untagged renders without the PDF/UA structure (render_handout(tagged=False)),
to measure what tagging costs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    args, layout_name, handout_id, tagged = [], "stacked", None, True
    it = iter(argv[1:])
    for a in it:
        if a == "--untagged":
            tagged = False
        elif a == "--layout":
            layout_name = next(it)
        elif a == "--id":
            handout_id = next(it)
        else:
            args.append(a)
    if len(args) not in (2, 3):
        sys.exit("usage: pdfgen_driver.py IN_LIBRARY OUT.pdf [N] [--layout NAME] [--id ID] "
                 "[--untagged]")
    library, out = Path(args[0]), Path(args[1])
    n = int(args[2]) if len(args) == 3 else 1

    from pdfgen.layout import load_layout
    from pdfgen.load import handout_files, load_library, require
    from pdfgen.render import render_handout

    if handout_id is None:
        files = handout_files(library)
        if len(files) != 1:
            sys.exit(f"{library}: expected exactly one handout, found {len(files)}; use --id")
        handout_id = files[0].stem
    for _ in range(n):
        lib = require(load_library(library, only=[handout_id]))
        layout = load_layout(layout_name)
        data = render_handout(lib.procedure(handout_id), lib.clinic, layout, tagged=tagged)
        out.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
