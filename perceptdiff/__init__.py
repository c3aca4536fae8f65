"""perceptdiff: tells whether two renders differ *visibly*.

>>> import perceptdiff
>>> result = perceptdiff.compare("expected.png", "actual.png")   # doctest: +SKIP
>>> result.passed, result.peak_jnd, result.regions                # doctest: +SKIP

The default metric models the eye (CIE Lab via an opponent space with
contrast-sensitivity filtering, a CSF-calibrated multi-scale SSIM-style
structure term, anti-aliasing forgiveness) and reports a per-pixel visibility
map in just-noticeable differences; ``metric="yee"`` reproduces Yee's 2004
perceptualdiff.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    BaselineError,
    ImageLoadError,
    ImageTooLargeError,
    OptionError,
    PerceptdiffError,
    TruncatedImageError,
)

if TYPE_CHECKING:
    from .engine import compare, compare_images
    from .variants import compare_variants
    from .image import Image
    from .loading import load_image
    from .metrics import get_metric, metric_names, register_metric
    from .options import VIEWING_PRESETS, Options
    from .result import ComparisonResult, Region, RegionKind

# Loaded on first use, so that importing a light submodule (the option specs,
# which the pytest plugin reads in every run) does not pull in numpy.
_LAZY = {
    "compare": "engine", "compare_images": "engine", "compare_variants": "variants", "Image": "image", "load_image": "loading",
    "get_metric": "metrics", "metric_names": "metrics", "register_metric": "metrics",
    "Options": "options", "VIEWING_PRESETS": "options",
    "ComparisonResult": "result", "Region": "result", "RegionKind": "result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "compare",
    "compare_images",
    "compare_variants",
    "load_image",
    "Image",
    "Options",
    "VIEWING_PRESETS",
    "ComparisonResult",
    "Region",
    "RegionKind",
    "get_metric",
    "metric_names",
    "register_metric",
    "PerceptdiffError",
    "ImageLoadError",
    "ImageTooLargeError",
    "TruncatedImageError",
    "OptionError",
    "BaselineError",
]
