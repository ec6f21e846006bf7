"""Files in and out: inputs read only when they are regular files and within a byte limit;
outputs written so a reader never sees half of one (temporary file, fsync, rename)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import PdfgenError, UsageError


class InputFileError(PdfgenError):
    """An input file that must not be read: not a regular file, too big, or unreadable.

    The message is one line without the file's name (callers put the name in front)."""

    exit_code = 1


_KINDS = ((stat.S_ISREG, "a file"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISLNK, "a symbolic link"))


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


class OutputError(PdfgenError):
    """An output file that cannot be written: a folder in the way, no permission, disk full."""

    exit_code = 1


def check_output(path: Path, magic: bytes, kind: str, force: bool | None,
                 protected: list[Path] = (), suffix: str = "") -> None:
    """Refuse, before any work, to write `path` where that would lose data or cannot work.

    An existing file is replaced only when it is `kind` (starts with `magic`, or its name
    ends with `suffix`) and lies outside the `protected` folders (the content library,
    the layouts), unless `force` (None: the command has no --force). Folders, devices and
    FIFOs are never replaced; the folder it goes in must be a folder we may write in."""
    instead = "pick another name, or add --force" if force is not None else "pick another name"
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{path} is a folder: give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{path} is {file_kind(st.st_mode)}, not a file pdfgen can replace")
        if not force:
            mine = _inside(path, protected)
            if mine is not None:
                raise UsageError(f"{path} is a file of {mine}: pdfgen will not replace it "
                                 f"({instead})")
            if not _is_kind(path, magic, suffix):
                raise UsageError(f"{path} exists and is not {kind}: pdfgen will not replace "
                                 f"it ({instead})")
    folder = _existing_ancestor(path.parent)
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: no permission to write in {folder}")


def _inside(path: Path, folders) -> Path | None:
    target = path.resolve()
    for folder in folders:
        try:
            target.relative_to(Path(folder).resolve())
        except ValueError:
            continue
        return Path(folder)
    return None


def _is_kind(path: Path, magic: bytes, suffix: str) -> bool:
    if suffix:
        return path.name.lower().endswith(suffix)
    try:
        with open(path, "rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:
        return False


def _existing_ancestor(folder: Path) -> Path:
    """`folder`, or its nearest ancestor that exists (write_atomic creates the rest)."""
    folder = Path(os.path.abspath(folder))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def write_output(path: Path, data: bytes, mode: int = 0o644) -> None:
    """write_atomic for a file the user named: an OSError becomes one line (disk full...)."""
    existed = Path(path).exists()
    try:
        write_atomic(path, data, mode)
    except OSError as exc:
        kept = " (the old file is unchanged)" if existed else ""
        raise OutputError(f"cannot write {path}: {describe_os_error(exc)}; nothing was "
                          f"written{kept}") from None


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
