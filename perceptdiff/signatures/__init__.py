"""Image signatures: find similar images, near-duplicates and renamed snapshots fast.

Beside the pairwise eye model, perceptdiff can answer "which of these
images looks like that one?" over many images at once with compact
signatures:

``wavelet``
    Jacobs, Finkelstein & Salesin (1995): positions and signs of the 60
    largest Haar coefficients of each YIQ channel of a 128×128 rescale, and
    the paper's weighted score (:mod:`.wavelet`).
``tiny``
    A 16×16 CIELAB thumbnail, area-averaged in linear light, compared by
    Manhattan distance (:mod:`.tiny`).
``histogram``
    A soft-binned CIELAB colour histogram compared by histogram intersection
    (Swain & Ballard 1991) (:mod:`.histogram`).
``combined``
    The mean of the three, each in units of its typical distance between
    unrelated images (:mod:`.combined`).

Every signature follows :class:`Signature` and is found by name through
:func:`get_signature`; :func:`register_signature` adds one (a learned
embedding would be one more).  :class:`SignatureIndex` keeps the signatures
of a folder on disk and updates them incrementally; :func:`find_renames`
pairs "new" and "missing" snapshots that show the same picture.

>>> from perceptdiff.signatures import SignatureIndex            # doctest: +SKIP
>>> index = SignatureIndex.build("screenshots")                 # doctest: +SKIP
>>> [m.path for m in index.search("login.png", top=3)]          # doctest: +SKIP
"""

import numpy as np

from .base import (
    THUMBNAIL_SIZE,
    Signature,
    Thumbnail,
    ThumbnailSignature,
    compute_signatures,
    get_signature,
    normalised_distances,
    parts_of,
    register_signature,
    signature_names,
    stored_signatures,
    symmetric_distances,
    thumbnail,
)
from .groups import DuplicateGroup, duplicate_groups
from .index import DUPLICATE_THRESHOLD, FORMAT_VERSION, Match, SignatureIndex, UpdateReport
from .renames import RENAME_THRESHOLD, RenamePair, find_renames, pair_renames

__all__ = [
    "THUMBNAIL_SIZE", "Signature", "Thumbnail", "ThumbnailSignature", "thumbnail", "compute_signatures",
    "get_signature", "register_signature", "signature_names", "parts_of", "stored_signatures",
    "symmetric_distances", "normalised_distances", "signature", "distance",
    "DuplicateGroup", "duplicate_groups", "SignatureIndex", "Match", "UpdateReport", "FORMAT_VERSION",
    "DUPLICATE_THRESHOLD", "RENAME_THRESHOLD", "RenamePair", "find_renames", "pair_renames",
]


def signature(image: object, name: str = "combined") -> np.ndarray:
    """The ``name`` signature of ``image`` (anything :func:`perceptdiff.load_image` reads)."""
    from ..loading import load_image

    img = load_image(image)
    return get_signature(name).compute(img)


def distance(a: object, b: object, name: str = "combined") -> float:
    """Normalised distance from image ``a`` to image ``b`` by signature ``name`` (0: same picture)."""
    from ..loading import load_image

    sig = get_signature(name)
    parts = parts_of(sig)
    va = compute_signatures(load_image(a), parts)
    vb = compute_signatures(load_image(b), parts)
    return float(normalised_distances(sig, va, {k: v[None, :] for k, v in vb.items()})[0])
