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

from ._version import __version__
from .engine import compare, compare_images
from .errors import (
    BaselineError,
    ImageLoadError,
    ImageTooLargeError,
    OptionError,
    PerceptdiffError,
)
from .image import Image
from .loading import load_image
from .metrics import get_metric, metric_names, register_metric
from .options import VIEWING_PRESETS, Options
from .result import ComparisonResult, Region

__all__ = [
    "__version__",
    "compare",
    "compare_images",
    "load_image",
    "Image",
    "Options",
    "VIEWING_PRESETS",
    "ComparisonResult",
    "Region",
    "get_metric",
    "metric_names",
    "register_metric",
    "PerceptdiffError",
    "ImageLoadError",
    "ImageTooLargeError",
    "OptionError",
    "BaselineError",
]
