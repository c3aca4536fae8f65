"""The report folder: built aside, then swapped in whole.

A report is written into a hidden staging folder next to its destination
(``.NAME.staging-PID``); only when every file is in place is the old report
(if any) moved away and the new one renamed into place.  A reader never sees
half a report, a failed run leaves the previous report untouched, and stale
per-pair images of an earlier run cannot linger.

Only folders that are empty or that hold an earlier perceptdiff report (they
carry the marker file :data:`MARKER`) are replaced: perceptdiff never deletes
a folder it did not write.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import PerceptdiffError
from ..fileio import atomic_write_bytes

__all__ = ["ReportFolder", "MARKER"]

#: File every report folder carries; its presence allows replacing the folder.
MARKER = ".perceptdiff-report"


class ReportFolder:
    """A report under construction.

    Parameters
    ----------
    out_dir : path
        Where the finished report goes.  Must not exist, be empty, or hold an
        earlier perceptdiff report.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        ``out_dir`` is a file, or a folder with other content, or cannot be
        created.

    Notes
    -----
    Use as a context manager: the staging folder is removed if the block
    raises; :meth:`commit` swaps it into place.
    """

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        check_replaceable(self.out_dir)
        parent = self.out_dir.absolute().parent
        self.staging = parent / f".{self.out_dir.name or 'report'}.staging-{os.getpid()}"
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if self.staging.exists():
                shutil.rmtree(self.staging)
            self.staging.mkdir()
        except OSError as exc:
            raise PerceptdiffError(f"{self.out_dir}: cannot create report ({exc.strerror or exc})") from None
        self.committed = False

    def __enter__(self) -> "ReportFolder":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self.committed:
            self.abort()

    def path(self, rel: str) -> Path:
        """Absolute path in the staging folder of the report-relative ``rel``."""
        return self.staging.joinpath(*rel.split("/"))

    def abort(self) -> None:
        """Remove the staging folder (the previous report stays as it was)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self) -> Path:
        """Swap the staged report into place; return the report folder."""
        atomic_write_bytes(self.staging / MARKER,
                           b"Written by perceptdiff; the next report may replace this folder.\n")
        check_replaceable(self.out_dir)
        old = self.staging.with_name(self.staging.name.replace(".staging-", ".old-"))
        try:
            if self.out_dir.exists():
                if any(self.out_dir.iterdir()):
                    os.replace(self.out_dir, old)
                else:
                    self.out_dir.rmdir()
            os.replace(self.staging, self.out_dir)
        except OSError as exc:
            raise PerceptdiffError(f"{self.out_dir}: cannot write report ({exc.strerror or exc})") from None
        finally:
            shutil.rmtree(old, ignore_errors=True)
        self.committed = True
        return self.out_dir


def check_replaceable(out_dir: Path) -> None:
    """Raise unless ``out_dir`` is absent, empty, or an earlier report."""
    if not os.path.lexists(out_dir):
        return
    if not out_dir.is_dir() or out_dir.is_symlink():
        raise PerceptdiffError(f"{out_dir}: exists and is not a report folder; not overwritten")
    try:
        empty = not any(out_dir.iterdir())
    except OSError as exc:
        raise PerceptdiffError(f"{out_dir}: cannot read ({exc.strerror or exc})") from None
    if not empty and not (out_dir / MARKER).is_file():
        raise PerceptdiffError(
            f"{out_dir}: folder is not empty and holds no perceptdiff report; "
            "not overwritten (choose a new or empty folder)")
