"""Diff images a person reads at a glance (``--diff PATH``).

Two styles:

``overlay`` (default)
    The expected image as faded greyscale, the differences painted over it in
    a colour scale of visibility, pixels forgiven as anti-aliasing in a muted
    teal, ignored rectangles hatched, each region outlined, and a legend strip
    at the bottom with the verdict line.
``sidebyside``
    expected | actual | overlay in one picture, with thin separators, small
    labels and the same legend.  Failing regions are outlined on all three
    panels so the change is easy to find in the originals too; regions that
    pass are outlined on the overlay only.
``mask``
    only the visibly different pixels, opaque in their ramp colour, on full
    transparency: an RGBA picture of the compared frame, without legend, to
    lay over either image (odiff's ``--diff-mask``).

``base="actual"`` fades the actual image under the marks instead of the
expected one (shows what is new); ``color=(r, g, b)`` paints every visibly
different pixel in that one colour instead of the ramp (pixelmatch's
``diffColor``).

When the images were not compared because their sizes differ, both styles show
expected | actual with a caption naming both sizes.

Colour scale
------------
Visibility ``v`` is measured in just-noticeable differences (JND) relative to
the threshold in force (``options["jnd_threshold"]``, 1 by default), so
"coloured" means "visible" whatever the threshold.  From ``v = 1`` the colour
follows a ramp through gold (1), amber (2), red-orange (4), crimson (8) and
purple-magenta (16 and above), interpolated in ``log2 v``.  The anchors were
chosen for monotonically *decreasing* CIE L* (83, 71, 56, 43, 35), so the order
of strengths survives in greyscale and for readers with red-green colour
vision deficiency (as in the design of perceptually ordered maps such as
matplotlib's ``inferno``; Smith & van der Walt 2015).  Sub-threshold
differences (``0.5 <= v < 1``) are a faint gold wash; anything weaker is not
drawn.  ``v >= 4`` is the default metric's "visible however small" level
(:class:`perceptdiff.metrics.VerdictRule`), where the ramp turns red.

Forgiven anti-aliasing pixels use a muted teal (L* 66, blue-green: the one hue
axis the yellow-red ramp does not use), in the spirit of pixelmatch's separate
anti-aliasing colour.  Failing regions get a 2-pixel deep-blue outline with a
white ring outside it, other regions a 1-pixel light-blue outline (blue is the
hue the ramp never takes; thickness, not only shade, tells them apart), drawn
just outside the region's box and clipped to the frame.  On the overlay each
drawn box carries a tag on its outline colour with the region's number (as
the text output counts regions) and kind (``1 structure``, ``2 lighter``).  Boxes near each
other are merged and at most 12 are drawn; the legend says how many regions
they stand for.

Images smaller than 256 pixels on their longer side are enlarged by an integer
factor (nearest neighbour, at most 8x) so single pixels stay visible; the
legend is scaled with wide images (at most 4x) so it stays legible when the
picture is shown fitted to a screen, and the verdict line wraps rather than
being cut.  Extremely long, thin images are wrapped into rows (see
:mod:`.render`), so the picture's size follows the compared pixels.

Modules: :mod:`.palette` (the colours), :mod:`.overlay` (the overlay panel's
pixels), :mod:`.legend` (text strips), :mod:`.render` (layout and files).
"""

from .overlay import (MAX_BOXES_DRAWN, boxes_to_draw, faded_grey, flatten, paint_levels, paint_mask,
                      paint_overlay, zoom_factor)
from .palette import (
    BOX_HALO,
    FAILING_BOX_COLOR,
    FORGIVEN_ALPHA,
    FORGIVEN_COLOR,
    RAMP,
    REGION_BOX_COLOR,
    ramp_colors,
)
from .render import BASES, STYLES, check_diff_path, images_for_picture, render_diff, wrap_panel, write_diff

__all__ = ["render_diff", "write_diff", "images_for_picture", "check_diff_path", "STYLES", "BASES", "RAMP",
           "FORGIVEN_COLOR", "FAILING_BOX_COLOR", "REGION_BOX_COLOR", "BOX_HALO", "FORGIVEN_ALPHA",
           "ramp_colors", "flatten", "faded_grey", "paint_levels", "paint_overlay", "paint_mask",
           "zoom_factor", "wrap_panel", "boxes_to_draw", "MAX_BOXES_DRAWN"]
