"""Exceptions raised by perceptdiff.

Every failure that is the user's input rather than a bug in perceptdiff is a
:class:`PerceptdiffError`.  Library code raises them; only the command line
turns them into a one-line message and exit status 2 (as diff(1) does for
trouble).
"""

from __future__ import annotations

__all__ = [
    "PerceptdiffError",
    "ImageLoadError",
    "ImageTooLargeError",
    "TruncatedImageError",
    "OptionError",
    "BaselineError",
    "SignatureIndexError",
]


class PerceptdiffError(Exception):
    """Base class of every error perceptdiff reports to a user."""


class ImageLoadError(PerceptdiffError):
    """An image could not be read or decoded.

    Parameters
    ----------
    source : str
        What the user gave: a path, ``"<bytes>"``, ``"<array>"`` or ``"<PIL image>"``.
    reason : str
        Why, in a few words ("no such file", "truncated PNG data", ...).
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class ImageTooLargeError(ImageLoadError):
    """An image exceeds the pixel limit (Pillow's decompression-bomb guard) or the file-size limit."""


class TruncatedImageError(ImageLoadError):
    """The data is truncated or corrupt: decoding it would show pixels the file does not hold.

    ``allow_truncated=True`` (``--allow-truncated``) loads such data as far as
    the decoder gets instead, with a note.
    """


class OptionError(PerceptdiffError, ValueError):
    """An option has a value outside its range or of the wrong kind."""


class BaselineError(PerceptdiffError):
    """A snapshot baseline could not be read or written safely."""


class SignatureIndexError(PerceptdiffError):
    """A saved index of image signatures cannot be used (not an index, an unknown
    format version, another folder's index, damaged data)."""
