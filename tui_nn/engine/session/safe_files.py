"""Reading a file a user names without trusting it, and writing one without damaging the old copy.

Only regular files are read: a directory, a FIFO, a device such as /dev/zero or a socket is
refused from its `stat` before anything is read, so nothing blocks and nothing grows memory.
The file is opened with O_NONBLOCK (should it be swapped for a FIFO between the check and
the open, the open still returns at once), checked again on the open descriptor, and read
up to a stated number of bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

# Network files (JSON or .npz) and data files (CSV) are read whole, up to this size. The
# largest network allowed (500 parameters) saves as about 15 kB of JSON and the largest
# data set (500 rows) as about 25 kB of CSV, so 1 MiB leaves room for kept extra keys and
# long numbers, while parsing what it admits stays within a few tens of MB of memory.
MAX_FILE_BYTES = 1 << 20

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class SaveError(OSError):
    """A file could not be written; the message is one line saying why (the old file is intact)."""


def size_text(n_bytes: int) -> str:
    """1536 → '1.5 KiB': a byte count as a person reads it."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{n_bytes} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def shown_path(path: str | Path) -> str:
    """A path as a message shows it: as typed, or quoted with escapes if it holds a control
    character (a newline in a file name must not break a one-line error)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _kind(mode: int) -> str | None:
    """What a non-regular file is ('a folder', 'a socket', …), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _not_readable(path: Path, error: OSError) -> str:
    if isinstance(error, FileNotFoundError) or error.errno == errno.ENOTDIR:
        return f"{shown_path(path)}: no such file"
    if isinstance(error, PermissionError):
        return f"{shown_path(path)}: permission denied"
    if error.errno == errno.ENAMETOOLONG:
        return f"{shown_path(path)}: the name is too long for this file system"
    if error.errno == errno.ELOOP:
        return f"{shown_path(path)}: too many levels of symbolic links"
    return f"{shown_path(path)}: cannot read it ({error.strerror or error})"


def read_limited(path: str | Path, limit: int, what: str, error: type[ValueError]) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them, or `error` with one line.

    `what` names the file's role in messages ('network file', 'data file').
    """
    path = Path(path)
    try:
        before = os.stat(path)
    except (OSError, ValueError) as problem:  # ValueError: a NUL byte in the name
        raise error(
            _not_readable(path, problem) if isinstance(problem, OSError) else f"{shown_path(path)}: not a valid file name"
        ) from None
    kind = _kind(before.st_mode)
    if kind is not None:
        raise error(f"{shown_path(path)}: is {kind}, not a {what} (tui-nn reads only regular files)")
    if before.st_size > limit:
        raise error(f"{shown_path(path)}: is {size_text(before.st_size)}; a {what} may be at most {size_text(limit)}")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as problem:
        raise error(_not_readable(path, problem)) from None
    try:
        after = os.fstat(fd)
        kind = _kind(after.st_mode)
        if kind is not None:  # swapped between stat and open
            raise error(f"{shown_path(path)}: is {kind}, not a {what} (tui-nn reads only regular files)")
        chunks: list[bytes] = []
        total = 0
        while True:
            # Files in /proc report a size of 0 and files can grow after the stat: read at
            # most one byte past the limit, whatever the size said.
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{shown_path(path)}: is larger than {size_text(limit)}, the most a {what} may be")
    except OSError as problem:
        raise error(_not_readable(path, problem)) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _fit(name: str, max_bytes: int) -> str:
    """The longest prefix of `name` whose file-system encoding takes at most max_bytes bytes."""
    while name and len(os.fsencode(name)) > max_bytes:
        name = name[:-1]
    return name


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` so that the old file survives any failure.

    The text goes to a temporary file in the same folder, is flushed to disk (fsync) and
    then renamed over the target. An existing target keeps its permission bits; a new file
    gets the usual 0666 minus the umask. A symbolic link is followed (the file it points to
    is replaced, the link stays). Only a regular file is ever replaced. Every failure is a
    SaveError with a one-line message.
    """
    path = Path(path)
    with contextlib.suppress(OSError):
        if path.is_symlink():
            path = Path(os.path.realpath(path))
    folder = path.parent if str(path.parent) else Path(".")
    name_max = _name_max(folder)
    name_bytes = len(os.fsencode(path.name))
    if name_bytes > name_max:
        raise SaveError(
            f"{shown_path(path.name[:40])}…: the file name is {name_bytes} bytes long; this file system allows {name_max}"
        )
    mode: int | None = None
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise SaveError(_write_problem(path, folder, error)) from None
    else:
        kind = _kind(existing.st_mode)
        if kind is not None:
            raise SaveError(f"{shown_path(path)}: is {kind}; tui-nn only replaces regular files")
        mode = stat.S_IMODE(existing.st_mode)
    # '.NAME.XXXXXXXX.tmp', with NAME shortened so the whole stays within NAME_MAX.
    stem = _fit(path.name, max(name_max - len(".") - len(".12345678.tmp"), 0))
    fd, temp = -1, folder / "unused"
    for _ in range(100):
        temp = folder / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            # 0o666 so that a new file gets the same bits as any other file the user creates
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise SaveError(_write_problem(path, folder, error)) from None
    else:
        raise SaveError(f"{shown_path(path)}: could not create a temporary file next to it")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError) and not isinstance(error, SaveError):
            raise SaveError(_write_problem(path, folder, error)) from None
        raise
    _sync_folder(folder)
    return path


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk where the system allows opening a folder."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_problem(path: Path, folder: Path, error: OSError) -> str:
    if isinstance(error, FileNotFoundError) or error.errno == errno.ENOTDIR:
        return f"{shown_path(path)}: no such folder {shown_path(folder)}"
    if isinstance(error, PermissionError):
        return f"{shown_path(path)}: permission denied (cannot write in {shown_path(folder)})"
    if error.errno == errno.ENOSPC:
        return f"{shown_path(path)}: no space left on the device"
    if error.errno == errno.EROFS:
        return f"{shown_path(path)}: the file system is read-only"
    if error.errno == errno.ENAMETOOLONG:
        return f"{shown_path(path)}: the path is too long for this file system"
    if isinstance(error, IsADirectoryError):
        return f"{shown_path(path)}: is a folder"
    return f"{shown_path(path)}: cannot write it ({error.strerror or error})"
