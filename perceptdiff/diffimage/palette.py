"""The diff image's colours: the visibility ramp, the faint wash, marks and page colours.

The ramp's anchors fall in CIE L* (83, 71, 56, 43, 35) so the order of
strengths survives in greyscale and for red-green colour-deficient readers;
see :mod:`perceptdiff.diffimage` for the whole colour scale.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RAMP", "FAINT_FROM", "FAINT_ALPHA", "FORGIVEN_COLOR", "FORGIVEN_ALPHA",
           "FAILING_BOX_COLOR", "REGION_BOX_COLOR", "BOX_HALO", "FADE_CONTRAST", "PAGE", "SEPARATOR",
           "TEXT", "HATCH", "CHECKER", "VERDICT_COLORS", "ramp_colors", "faint_alpha"]

#: Colour ramp anchors: (visibility in multiples of the JND threshold, sRGB).
RAMP: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (1.0, (250, 200, 40)),   # gold        L* 83
    (2.0, (247, 150, 30)),   # amber       L* 71
    (4.0, (230, 85, 30)),    # red-orange  L* 56
    (8.0, (200, 25, 70)),    # crimson     L* 43
    (16.0, (150, 20, 130)),  # magenta     L* 35
)
#: Lowest visibility drawn (as a faint wash), in multiples of the threshold.
FAINT_FROM = 0.5
#: Opacity of the faint wash at FAINT_FROM and just below 1.
FAINT_ALPHA = (0.25, 0.5)
#: Muted teal for pixels forgiven as anti-aliasing / 1-px jitter.
FORGIVEN_COLOR = (96, 170, 190)
FORGIVEN_ALPHA = 0.8
#: Region outlines are blue, the one hue the yellow-red-magenta ramp never
#: takes (a red box over the ramp's crimson and magenta was nearly invisible):
#: failing regions 2 px of deep blue with a 1-px white ring outside it (seen
#: on dark marks and on the faded image alike), regions that pass 1 px of
#: light blue.  Blue against yellow-red also survives red-green colour
#: vision deficiency.
FAILING_BOX_COLOR = (0, 60, 220)
REGION_BOX_COLOR = (110, 150, 255)
BOX_HALO = (255, 255, 255)
#: Fraction of the original contrast kept by the faded background.
FADE_CONTRAST = 0.3

PAGE = (255, 255, 255)        # legend / caption background
SEPARATOR = (96, 96, 96)      # lines between panels
TEXT = (32, 32, 32)
HATCH = (140, 140, 140)
CHECKER = (255, 214)          # light / dark squares under transparency
VERDICT_COLORS = {"fail": (200, 0, 0), "pass": (0, 120, 60), "identical": (90, 90, 90)}


def ramp_colors(ratio: np.ndarray) -> np.ndarray:
    """``(N, 3)`` float32 ramp colours for visibilities ``ratio >= 1``.

    Interpolates :data:`RAMP` linearly in ``log2(ratio)``; values above the
    last anchor take its colour.
    """
    xs = np.log2(np.array([r for r, _ in RAMP], dtype=np.float32))
    cols = np.array([c for _, c in RAMP], dtype=np.float32)
    t = np.log2(np.maximum(np.asarray(ratio, dtype=np.float32), 1.0))
    return np.stack([np.interp(t, xs, cols[:, k]).astype(np.float32) for k in range(3)], axis=-1)


def faint_alpha(ratio: np.ndarray) -> np.ndarray:
    """Opacity of the faint wash at visibilities ``FAINT_FROM <= ratio < 1`` (linear in ``ratio``)."""
    a0, a1 = FAINT_ALPHA
    return a0 + (a1 - a0) * (ratio - FAINT_FROM) / (1.0 - FAINT_FROM)
