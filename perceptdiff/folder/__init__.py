"""Folder mode: compare a folder of approved images with a folder of new ones.

==================  =========================================================
module              job
==================  =========================================================
:mod:`.pairing`     find the images of two folders and pair them by path
:mod:`.pool`        compare the pairs (in worker processes), one Entry each
:mod:`.accept`      the shell command that accepts a pair's new image
:mod:`.run`         :func:`compare_folders`: the whole run and its outputs
:mod:`.terminal`    progress while running, the listing at the end
:mod:`.command`     the folder form of the ``perceptdiff`` command
==================  =========================================================

Statuses and entries are :mod:`perceptdiff.entry`'s, the JSON summary
:mod:`perceptdiff.summary`'s, the HTML report :mod:`perceptdiff.report`'s and
JUnit :mod:`perceptdiff.junit`'s: the same for the pytest plugin.
"""

from __future__ import annotations

from .accept import accept_command
from .command import run_cli
from .pairing import IMAGE_EXTENSIONS, PairSpec, find_images, match_folders
from .run import SMALL_BATCH, FolderResult, compare_folders
from .terminal import Progress, render_summary

__all__ = [
    "IMAGE_EXTENSIONS", "PairSpec", "find_images", "match_folders", "FolderResult",
    "compare_folders", "accept_command", "Progress", "render_summary", "run_cli", "SMALL_BATCH",
]
