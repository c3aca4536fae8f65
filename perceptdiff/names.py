"""Text from file names is data, not control: the form people see and the form machines get.

A file name may hold anything but ``/`` and NUL: an ESC that clears the
terminal, a CR that breaks a list of commands, a right-to-left override that
reverses what follows, bytes that are not UTF-8 (Python keeps them as lone
surrogates, ``os.fsdecode``'s *surrogateescape*).  Every human output shows
names through :func:`display`; JSON gets the exact name where it is valid
text and, where it is not, the displayed form plus the original bytes
(:func:`json_fields`); shell commands quote them losslessly
(:func:`shell_quote`).
"""

from __future__ import annotations

import base64
import os
import re
import shlex

__all__ = ["display", "is_text", "json_fields", "shell_quote"]

#: Characters shown escaped: C0 controls, DEL, C1 controls, the line and
#: paragraph separators, the bidirectional embedding/override/isolate marks
#: and the byte-order mark (they reorder or hide text around them), and
#: surrogates (bytes that were not UTF-8).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff"
                     "\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def display(text: str) -> str:
    """``text`` safe to print: control, reordering and undecodable characters as ``\\xNN``/``\\uNNNN``.

    >>> display("esc\\x1b[2J.png")
    'esc\\\\x1b[2J.png'
    """
    return _UNSAFE.sub(_escape, text)


def is_text(text: str) -> bool:
    """True when ``text`` is valid Unicode (no lone surrogates from undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_fields(key: str, name: str) -> dict[str, str]:
    """The JSON fields of a name: ``{key: name}``, exact, when it is valid text.

    Otherwise ``{key: display(name), key + "_bytes": base64 of the original
    bytes}``: JSON (and the browsers reading the report's data) cannot hold
    lone surrogates, and the bytes keep the name recoverable.
    """
    if is_text(name):
        return {key: name}
    raw = os.fsencode(name)
    return {key: display(name), f"{key}_bytes": base64.b64encode(raw).decode("ascii")}


def shell_quote(text: str) -> str:
    """``text`` as one POSIX shell word, losslessly, on one line.

    :func:`shlex.quote` where the text is printable; where it holds control
    characters or undecodable bytes, ANSI-C quoting (``$'...'``, bash, zsh,
    ksh and POSIX.1-2024 sh) with every such byte written ``\\xNN``, so a
    name with a CR or an ESC neither breaks a list of commands nor acts on
    the terminal.
    """
    if not _UNSAFE.search(text):
        return shlex.quote(text)
    out = []
    for byte in os.fsencode(text) if not is_text(text) else text.encode("utf-8"):
        ch = chr(byte)
        if ch in "\\'":
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"
