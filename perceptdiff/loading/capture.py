"""What a decoder says while it decodes: Python warnings and C-level messages, captured deterministically.

Pillow reports some trouble as Python warnings; libtiff writes its errors
and warnings straight to the process's standard error (file descriptor 2),
below Python.  :func:`captured_diagnostics` collects both for one decode:

* every decode of the process runs under one lock, so
  :func:`warnings.catch_warnings` (which swaps process-wide state and is not
  thread-safe) and the redirection of descriptor 2 never overlap with
  another decode's;
* descriptor 2 is pointed at a temporary file for the duration and restored
  afterwards; what was written there is returned, and text that does not look
  like a decoder's message is written back to the real standard error, so
  nothing another part of the program printed meanwhile is lost.

The caller turns the messages into notes or errors (:mod:`.messages`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Diagnostics", "captured_diagnostics", "give_back", "DECODE_LOCK"]

#: Serialises every decode of the process (see the module docstring).
DECODE_LOCK = threading.RLock()

#: A line a C library writes for a decoder: ``Module: message`` (the module may be a file
#: name, ``tempfile.tif: Using code not yet in table.``; libtiff's
#: default handlers print ``"%s: " module`` then the message; warnings say
#: ``Warning,`` first).
_DECODER_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*: ")


@dataclass
class Diagnostics:
    """Messages of one decode: Python warnings, and C-level lines (errors and warnings)."""

    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    c_errors: list[str] = field(default_factory=list)
    c_warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def captured_diagnostics() -> Iterator[Diagnostics]:
    """Run the body with warnings recorded and descriptor 2 captured, one decode at a time."""
    found = Diagnostics()
    with DECODE_LOCK:
        text: list[str] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with _fd2_captured() as text:
                    try:
                        yield found
                    finally:
                        found.warnings.extend(caught)
        finally:
            _sort_lines(text, found)


def _sort_lines(text: list[str], found: Diagnostics) -> None:
    foreign: list[str] = []
    for line in "".join(text).splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if _DECODER_LINE.match(stripped):
            module, _, message = stripped.partition(": ")
            if message.lower().startswith("warning,"):
                found.c_warnings.append(f"{module}: {message[len('warning,'):].strip()}")
            else:
                found.c_errors.append(stripped)
        else:
            foreign.append(line)
    give_back(foreign)


def give_back(lines: list[str]) -> None:
    """Write captured lines that were not a decoder's to the real standard error."""
    if not lines:
        return
    try:
        sys.stderr.write("\n".join(lines) + "\n")
    except (OSError, ValueError, AttributeError):  # stderr closed: nothing to give back to
        pass


@contextlib.contextmanager
def _fd2_captured() -> Iterator[list[str]]:
    """Point descriptor 2 at a temporary file; yield a list that receives its text afterwards."""
    out: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing can be printed, nothing to capture
        yield out
        return
    try:
        sink = tempfile.TemporaryFile()
    except OSError:
        os.close(saved)
        yield out
        return
    try:
        _flush_stderr()
        os.dup2(sink.fileno(), 2)
        try:
            yield out
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            sink.seek(0)
            out.append(sink.read(1 << 16).decode("utf-8", "replace"))
    finally:
        os.close(saved)
        sink.close()


def _flush_stderr() -> None:
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
