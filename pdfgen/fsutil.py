"""Files in and out: inputs read only when they are regular files and within a byte limit;
outputs written so a reader never sees half of one (temporary file, fsync, rename)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import PdfgenError


class InputFileError(PdfgenError):
    """An input file that must not be read: not a regular file, too big, or unreadable.

    The message is one line without the file's name (callers put the name in front)."""

    exit_code = 1


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a named pipe (FIFO)")."""
    return next((word for test, word in _KINDS if test(mode)), "not a regular file")


def read_input(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, never more than `limit` of them read.

    Refuses (InputFileError) a FIFO, device, socket or folder, a symlink to one, and a file
    over `limit` bytes, without blocking: a FIFO is opened non-blocking and never read, and
    at most `limit + 1` bytes are read from anything (a file growing while read included)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputFileError(f"cannot read file: {describe_os_error(exc)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(f"is {file_kind(mode)}, not a regular file; pdfgen reads "
                                 "only regular files")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputFileError(f"cannot read file: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputFileError(f"file is over the {limit:,}-byte limit; refusing to read it")
    return b"".join(chunks)


def describe_os_error(exc: OSError) -> str:
    """An OSError in a few words for a one-line message ("no space left on the disk")."""
    words = {errno.ENOSPC: "no space left on the disk",
             errno.EDQUOT: "disk quota exceeded",
             errno.EROFS: "the file system is read-only",
             errno.EACCES: "permission denied",
             errno.EPERM: "operation not permitted",
             errno.ENOENT: "no such file or folder",
             errno.ENOTDIR: "a part of the path is not a folder",
             errno.EISDIR: "it is a folder",
             errno.ELOOP: "too many symbolic links",
             errno.ENAMETOOLONG: "the name is too long"}
    return words.get(exc.errno) or exc.strerror or str(exc)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` in one step; on any failure the old file stays as it was.

    `mode`: the file's permissions (0o600 for a file only its owner may read)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
