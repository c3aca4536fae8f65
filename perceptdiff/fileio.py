"""Atomic file writes: a reader never sees a half-written file.

Data goes to a temporary file in the destination's folder, is flushed to
disk, then renamed over the destination with :func:`os.replace` (atomic on
POSIX and Windows within one file system).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import PerceptdiffError

__all__ = ["atomic_write_bytes", "check_parent_folders"]


def _umask() -> int:
    """The process's file-creation mask (read without changing it where possible)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode(dest: Path) -> int:
    """Mode for ``dest``: an existing file's own, else what ``open()`` would give."""
    try:
        return stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def check_parent_folders(path: str | os.PathLike[str]) -> None:
    """Raise :class:`PerceptdiffError` when a parent of ``path`` exists but is not a folder.

    ``mkdir`` would say only "File exists"; this names the file in the way.
    """
    dest = Path(path)
    for parent in reversed(dest.parents):
        if parent.exists() and not parent.is_dir():
            raise PerceptdiffError(f"{dest}: cannot write: {parent} is a file, not a folder "
                                   "(give a path whose folders are folders)")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically; create missing parent folders.

    With ``overwrite=False`` an existing file is left alone and
    :class:`PerceptdiffError` is raised (the check and the rename are not one
    atomic step; ``os.link`` is used where the file system offers it so that
    a file appearing in between is not replaced).
    """
    dest = Path(path)
    check_parent_folders(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise PerceptdiffError(f"{dest}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600 files; give the usual mode
                os.fchmod(fh.fileno(), _file_mode(dest))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, dest)
        else:
            try:
                os.link(tmp, dest)
            except FileExistsError:
                raise PerceptdiffError(f"{dest}: exists already; not overwritten") from None
            except OSError:
                if dest.exists():
                    raise PerceptdiffError(f"{dest}: exists already; not overwritten") from None
                os.replace(tmp, dest)
    except PerceptdiffError:
        raise
    except OSError as exc:
        raise PerceptdiffError(f"{dest}: cannot write ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return dest
