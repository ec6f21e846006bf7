"""An on-disk cache of what each process would otherwise rebuild from pdfgen's own data files.

A short `pdfgen render` spends much of its time on work that gives the same answer every
time: parsing YAML files that ship with pdfgen (the languages registry, the font families)
and similar. `cached_data(kind, path, build)` keeps `build`'s result (plain data: dicts,
lists, strings, numbers, booleans, None) in a file named by the SHA-256 of the source
file's bytes, the kind, pdfgen's version and the interpreter's, so an edited file, a new
pdfgen or another Python never reads an old entry.

The cache can only save time, never change a result:

- entries are `marshal` data (no code is run to read one) behind a header with their own
  SHA-256; a truncated, corrupt or foreign file is ignored and rebuilt;
- a folder that cannot be made, read or written (a read-only home, a full disk) means no
  cache, silently: the data is built as if there were none;
- entries are written to a temporary file and renamed, so a reader never sees half of one.

Where: $PDFGEN_CACHE_DIR, else $XDG_CACHE_HOME/pdfgen, else ~/.cache/pdfgen.
PDFGEN_CACHE_DIR=off (or an empty value) turns the cache off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import __version__

MAGIC = b"pdfgen-cache 1\n"
OFF = ("", "off", "0", "none")


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    env = os.environ.get("PDFGEN_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in OFF else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pdfgen"


def _key(kind: str, source: bytes) -> str:
    h = hashlib.sha256()
    for part in (kind, __version__, sys.version, str(marshal.version)):
        h.update(part.encode() + b"\0")
    h.update(source)
    return h.hexdigest()


def _read(path: Path):
    with open(path, "rb") as fh:
        blob = fh.read()
    if not blob.startswith(MAGIC):
        raise ValueError("not a cache entry")
    digest, payload = blob[len(MAGIC):len(MAGIC) + 32], blob[len(MAGIC) + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("corrupt cache entry")
    return marshal.loads(payload)


def _write(folder: Path, path: Path, value) -> None:
    payload = marshal.dumps(value)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def cached_data(kind: str, source: Path, build: Callable[[bytes], object]):
    """`build(bytes of source)`, from the cache when an entry for these bytes exists.

    `build` must return plain data (what marshal can write) and depend on nothing but the
    bytes it is given (and pdfgen's code, whose version is in the key).
    """
    return cached_bytes(kind, Path(source).read_bytes(), build)


def cached_bytes(kind: str, data: bytes, build: Callable[[bytes], object]):
    """`build(data)`, from the cache when an entry for these bytes exists (as cached_data,
    for bytes already read: a handout's source, say)."""
    folder = cache_dir()
    if folder is None:
        return build(data)
    path = folder / f"{kind}-{_key(kind, data)[:40]}.marshal"
    try:
        return _read(path)
    except (OSError, ValueError, EOFError, TypeError):
        pass  # no entry yet, or one that cannot be used: build it
    value = build(data)
    try:
        _write(folder, path, value)
    except (OSError, ValueError):
        pass  # cannot write there: no cache, same result
    return value
