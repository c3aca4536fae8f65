"""How approved variants of a baseline are named: ``NAME.variant-LABEL.EXT`` beside ``NAME.EXT``.

One declaration for folder mode (which groups the variants of the expected
side under their base), the pytest plugin and ``perceptdiff accept`` (which
find a baseline's variants and write the next ``NAME.variant-N.EXT``).
"""

from __future__ import annotations

import glob
import os
import re
from itertools import count
from pathlib import Path
from typing import Iterator

__all__ = ["VARIANT_INFIX", "variant_base", "variant_glob", "variant_name", "variants_of",
           "new_variant_paths"]

#: What stands between a baseline's stem and a variant's label.
VARIANT_INFIX = ".variant-"

_VARIANT = re.compile(rf"^(?P<stem>.+){re.escape(VARIANT_INFIX)}[^/]+(?P<ext>\.[^./]+)$")


def variant_base(rel_path: str) -> str | None:
    """``sub/name.png`` for ``sub/name.variant-mac.png``; None for a name that is no variant's."""
    m = _VARIANT.match(rel_path)
    return m.group("stem") + m.group("ext") if m else None


def variant_glob(escaped_stem: str, suffix: str) -> str:
    """The glob pattern of every variant of ``STEM.SUFFIX`` (``escaped_stem``: glob-escaped)."""
    return f"{escaped_stem}{VARIANT_INFIX}*{suffix}"


def variant_name(stem: str, label: str | int, suffix: str) -> str:
    """The file name of variant ``label`` of ``STEM.SUFFIX``."""
    return f"{stem}{VARIANT_INFIX}{label}{suffix}"


def variants_of(baseline: str | os.PathLike[str]) -> list[Path]:
    """The approved variants beside the baseline file ``baseline``, sorted (none: an empty list)."""
    base = Path(baseline)
    pattern = variant_glob(glob.escape(base.stem), base.suffix)
    return sorted(p for p in base.parent.glob(pattern) if p.is_file())


def new_variant_paths(baseline: str | os.PathLike[str]) -> Iterator[Path]:
    """Names for one more variant of ``baseline``: ``NAME.variant-N.EXT`` for N from the count + 1 up.

    Names that exist already are skipped; the writer still writes with
    ``overwrite=False`` and takes the next name if one appears meanwhile.
    """
    base = Path(baseline)
    for n in count(len(variants_of(base)) + 1):
        path = base.with_name(variant_name(base.stem, n, base.suffix))
        if not path.exists():
            yield path
