"""Where the content, layouts and fonts are: the user's folders first, the bundled copies after."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_INSTALLED = PACKAGE / "_data"  # present in an installed wheel
_CHECKOUT = PACKAGE.parent  # a source checkout or editable install


def bundled(name: str) -> Path:
    """The bundled folder `name` (handouts, layouts or fonts)."""
    installed = _INSTALLED / name
    return installed if installed.is_dir() else _CHECKOUT / name


def library_dir(given: str | Path | None = None) -> Path:
    """The content library: the one given, else ./handouts, else the bundled sample."""
    if given is not None:
        return Path(given)
    local = Path("handouts")
    # A ./handouts folder is the user's library even when it is broken (say, no clinic.yaml):
    # falling back to the sample then would hide their mistake behind a clean report.
    return local if local.is_dir() else bundled("handouts")


def layout_dirs() -> list[Path]:
    """Folders searched for layouts, in order: ./layouts, then the bundled ones."""
    local = Path("layouts")
    dirs = [local] if local.is_dir() else []
    dirs.append(bundled("layouts"))
    return dirs


def display(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it.

    Symbolic links are not followed: a link is shown by its own name, not its target's."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.getcwd()))
    except ValueError:
        return str(path)
