"""pytest plugin of perceptdiff: perceptual image snapshots and assertions.

Installed with perceptdiff and registered through the ``pytest11`` entry
point, so nothing needs enabling.  Public names:

``assert_images_similar(actual, expected, **options)``
    Same as :func:`perceptdiff.testing.assert_images_similar`.
``ImageSnapshot``
    The type of the ``image_snapshot`` fixture.
"""

from __future__ import annotations

from typing import Any

__all__ = ["assert_images_similar", "ImageSnapshot"]


def __getattr__(name: str) -> Any:
    # Lazy: pytest imports this package in every run; numpy and the metric
    # load only when a test uses them.
    if name == "assert_images_similar":
        from perceptdiff.testing import assert_images_similar

        return assert_images_similar
    if name == "ImageSnapshot":
        from .snapshot import ImageSnapshot

        return ImageSnapshot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
