"""Decoding images into :class:`perceptdiff.image.Image`.

Every input -- a path, encoded file bytes, a Pillow image, a numpy array --
becomes sRGB-encoded RGBA with straight alpha in its native precision:
``uint8`` for 8-bit sources, ``uint16`` for 16-bit sources and ``float32`` in
[0, 1] for floating-point data (Pillow mode ``F``, 32-bit integer images whose
values exceed 16 bits, float arrays).

What the loader does on the way, each step reported in ``Image.notes`` when it
changes pixels in a way a user may want to know:

* the first frame of an animated or multi-page file is used;
* 16-bit-per-channel RGB, RGBA and grey+alpha PNG/TIFF data keep all 16 bits
  (Pillow narrows them to 8 bits; the loader decodes the low bytes with a
  second pass of Pillow's own decoder and recombines them);
* premultiplied alpha (``RGBa``, ``La``, TIFF associated alpha) is straightened;
* an embedded ICC profile is converted to sRGB with LittleCMS through
  :mod:`PIL.ImageCms` (relative colorimetric intent, ICC.1:2010 section 6.2);
  profiles that already behave as sRGB are detected and skipped;
* EXIF orientation (CIPA DC-008 tag 0x0112) is applied;
* CMYK without a profile is converted naively (a warning note).

Limits: PNG ``gAMA``/``cHRM`` chunks without an ICC profile are ignored (the
data is taken as sRGB); Pillow cannot open 16-bit grey+alpha TIFF or
floating-point RGB TIFF; 16-bit images with a non-sRGB ICC profile are
converted by interpolating 8-bit LittleCMS results (about +-0.5 of an 8-bit
code, see :mod:`.icc`); EPS is not opened (Pillow would run Ghostscript on it).

Pillow's decompression-bomb guard stays on: an image above twice
``PIL.Image.MAX_IMAGE_PIXELS`` raises :class:`ImageTooLargeError` (arrays
too, from their shape), one above the limit itself loads with a note.  Only
regular files up to a size limit are read.  Truncated or corrupt data is an
error (:class:`TruncatedImageError`: also a JPEG whose data ends early, a
header claiming more pixels than the data can hold, libtiff's decode errors),
whatever ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` says, unless the caller
passes ``allow_truncated=True``.  Decoders' warnings and C-level messages are
captured, one decode at a time, and become notes or errors.

Modules, one job each:

``sources``
    :func:`load_image` and :func:`source_name`: which kind of source it is,
    reading files.
``decoding``
    Pillow decoding: frames, modes, EXIF orientation, errors.
``wide``
    16-bit samples Pillow narrows to 8 bits, 32-bit integer images.
``samples``
    float range checks, colour keys and channel expansion shared by arrays
    and Pillow images.
``arrays``
    numpy arrays as images.
``icc``
    colour management with LittleCMS.
``messages``
    the one-line reasons of load errors and notes.
``limits``
    file-size and pixel limits, ``allow_truncated``.
``capture``
    warnings and C-level stderr of a decode, captured under one lock.
``integrity``
    checks that a decode got the whole image.
``identical``
    :func:`identical_sources`, the engine's byte-identical fast path.
``probe``
    sizes from headers without decoding (:func:`probe_size`).
"""

from .identical import identical_sources
from .limits import DEFAULT_MAX_FILE_BYTES, LoadLimits, pixel_limit
from .probe import encoded_bytes, probe_size
from .samples import FLOAT_CLIP_TOLERANCE
from .sources import EncodedData, load_image, read_stream, source_name

__all__ = ["load_image", "identical_sources", "source_name", "FLOAT_CLIP_TOLERANCE",
           "EncodedData", "read_stream", "DEFAULT_MAX_FILE_BYTES", "LoadLimits", "pixel_limit",
           "encoded_bytes", "probe_size"]
