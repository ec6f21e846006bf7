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

Results computed from loaded content (the quality gates' findings, say) are keyed by
`fingerprint(...)` of every input they read, every field of every dataclass included, and
`code_version()`, a SHA-256 of every file of the pdfgen package (its code and its data), so
an edited module, a new rule list or a changed handout never reads an old entry.

Where: $PDFGEN_CACHE_DIR, else $XDG_CACHE_HOME/pdfgen, else ~/.cache/pdfgen.
PDFGEN_CACHE_DIR=off (or an empty value) turns the cache off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path, PurePath

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
    import tempfile  # only when writing: an import a cache hit does not pay

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


PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version() -> str:
    """SHA-256 of every file of the pdfgen package (byte code caches left out): its code and
    its data (rule lists, catalogs, the languages registry), so a result cached by one state
    of the code is never read by another, whatever `__version__` says. About 1 ms.

    An installed wheel's _data folder (the sample library, layouts and fonts) is left out:
    those are inputs, keyed as what was loaded from them."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__"
                             and not (dirpath == str(PACKAGE) and d == "_data"))
        rel = os.path.relpath(dirpath, PACKAGE)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            h.update(f"{rel}/{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            h.update(data)
    return h.hexdigest()


class Unkeyable(TypeError):
    """A value fingerprint() cannot write canonically: the result is not cached."""


def fingerprint(*values) -> bytes:
    """The canonical bytes of `values`: plain data (None, bool, int, float, str, bytes,
    dates, paths, enums, tuples, lists, dicts, sets) and dataclasses, every field of them
    (those left out of repr or comparison too), each value tagged with its type, so two
    inputs have the same fingerprint only if they are the same data. Anything else raises
    Unkeyable: better no cache than a key that misses a difference."""
    out: list[str] = []
    for value in values:
        _walk(value, out.append)
        out.append("\n")
    return "".join(out).encode("utf-8", "surrogatepass")


_ATOMS = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta)


def _walk(value, put) -> None:
    cls = type(value)
    if cls in _ATOMS:  # exact types: a subclass (an Enum of str) is tagged as what it is
        put(f"{cls.__name__}:{value!r};")
    elif cls is bytes:
        put(f"bytes:{hashlib.sha256(value).hexdigest()};")
    elif cls is tuple or cls is list:
        put(f"{cls.__name__}[")
        for item in value:
            _walk(item, put)
        put("]")
    elif cls is dict:
        put("dict[")
        for k, v in value.items():  # in order: an order that differs is a different input
            _walk(k, put)
            _walk(v, put)
        put("]")
    elif cls is frozenset or cls is set:
        items = []
        for item in value:  # in a canonical order: a set has none of its own
            parts: list[str] = []
            _walk(item, parts.append)
            items.append("".join(parts))
        put(f"{cls.__name__}[")
        for item in sorted(items):
            put(item)
        put("]")
    elif isinstance(value, enum.Enum):
        put(f"{cls.__module__}.{cls.__qualname__}.{value.name};")
    elif isinstance(value, PurePath):
        put(f"{cls.__name__}:{str(value)!r};")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        put(f"{cls.__module__}.{cls.__qualname__}(")
        for f in dataclasses.fields(value):
            put(f"{f.name}=")
            _walk(getattr(value, f.name), put)
        put(")")
    else:
        raise Unkeyable(f"cannot fingerprint a {cls.__module__}.{cls.__qualname__}")
