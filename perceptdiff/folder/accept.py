"""The shell commands that accept a folder comparison's new images.

``accept`` of an entry is a POSIX shell command (arguments quoted with
:func:`perceptdiff.names.shell_quote`: :func:`shlex.quote`, or ``$'...'``
for names with control characters or undecodable bytes, so every command is
one line; paths as given on the command line, so run it from the same folder) that makes the new image the baseline: ``cp`` for ``fail`` and
``new`` (with ``mkdir -p`` when a folder is new), ``rm`` of the baseline for
``removed``; for ``renamed``, the new image copied to the new name's
baseline and then the old baseline removed (after it, the folders agree); None
otherwise.
"""

from __future__ import annotations

import os

from ..entry import Status
from ..names import shell_quote

__all__ = ["accept_command", "baseline_path"]


def baseline_path(rel: str, expected_dir: str) -> str:
    """The baseline of relative path ``rel``: the file accepting its new image writes."""
    return os.path.join(expected_dir, *rel.split("/"))


def accept_command(status: Status, rel: str, expected_dir: str, actual_dir: str,
                   renamed_from: str | None = None) -> str | None:
    """Shell command that makes the new image of ``rel`` the baseline (None if nothing to accept).

    ``renamed_from`` is the old relative path of a ``renamed`` pair.
    """
    parts = rel.split("/")
    exp = baseline_path(rel, expected_dir)
    act = os.path.join(actual_dir, *parts)
    q = shell_quote
    if status is Status.FAIL:
        return f"cp -- {q(act)} {q(exp)}"
    if status in (Status.NEW, Status.RENAMED):
        cmd = f"cp -- {q(act)} {q(exp)}"
        if len(parts) > 1:
            cmd = f"mkdir -p -- {q(os.path.dirname(exp))} && " + cmd
        if status is Status.RENAMED and renamed_from is not None:
            cmd += f" && rm -- {q(baseline_path(renamed_from, expected_dir))}"
        return cmd
    if status is Status.REMOVED:
        return f"rm -- {q(exp)}"
    return None
