"""Where a handout's confirmations file is, and the marker for "there is none": all that a
cached gate (pdfgen/gate.py) needs of the translation-freshness check, without its code
(quality/freshness.py, which re-exports these)."""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".translations.yaml"


def confirmations_path(handout: Path) -> Path:
    return Path(handout).with_name(Path(handout).stem + SUFFIX)


class NoFile:
    def __repr__(self) -> str:
        return "NO_FILE"


NO_FILE = NoFile()  # read(..., raw=NO_FILE): the caller looked, and there is no such file
