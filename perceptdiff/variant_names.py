"""How approved variants of a baseline are named: ``NAME.variant-LABEL.EXT`` beside ``NAME.EXT``.

One declaration for folder mode (which groups the variants of the expected
side under their base) and the pytest plugin (which finds a baseline's
variants and writes the next ``NAME.variant-N.EXT``).
"""

from __future__ import annotations

import re

__all__ = ["VARIANT_INFIX", "variant_base", "variant_glob", "variant_name"]

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
