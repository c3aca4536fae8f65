"""The interface every image signature offers, the shared thumbnail, and the registry.

A *signature* is a short fixed-length vector computed once per image, so that
one query can be compared with many images at once.  Every signature is an
object with the members of :class:`Signature`; most of the built-in ones
start from the same small linear-light thumbnail (:func:`thumbnail`), so that
an image is decoded and shrunk once however many signatures are computed
(:func:`compute_signatures`).  A learned embedding (a network's penultimate
layer) is one more object with the same members: it implements
:meth:`Signature.compute` from the :class:`~perceptdiff.Image` itself and
needs nothing from the thumbnail.

Distances are *raw* (each in its own units, 0 for an image and itself); a
signature's ``scale`` is its typical distance between two unrelated images,
and ``distance / scale`` is the *normalised* distance that the index, the
duplicate grouping, the rename pairing and the command line report (0:
same picture; 1: as far apart as two unrelated pictures usually are).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image as PILImage

from ..color import decode
from ..errors import OptionError
from ..image import Image

__all__ = [
    "THUMBNAIL_SIZE", "BACKGROUND", "Thumbnail", "thumbnail", "Signature", "ThumbnailSignature",
    "compute_signatures", "symmetric_distances", "register_signature", "get_signature",
    "signature_names", "parts_of", "stored_signatures", "normalised_distances", "normalised_bound_features",
]

#: Side of the square linear-light thumbnail every built-in signature starts from.
#: 128 is Jacobs, Finkelstein & Salesin's (1995) rescale size; it is a power of
#: two (the Haar transform needs one) and divides evenly into 16×16 and 8×8 cells.
THUMBNAIL_SIZE = 128

#: Linear-light colour that transparent pixels are composited over (white, as
#: an image with transparency is most often shown on a page).
BACKGROUND = np.ones(3, dtype=np.float32)

#: sRGB code -> linear light for 8-bit codes (the loader's own table).
_LUT8 = decode(np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(4, axis=2))[0][0, :, 0]


@dataclass(frozen=True, eq=False)
class Thumbnail:
    """An image shrunk to a square, area-averaged in linear light.

    Attributes
    ----------
    linear : numpy.ndarray
        ``(THUMBNAIL_SIZE, THUMBNAIL_SIZE, 3)`` float32 linear sRGB in [0, 1],
        transparent parts composited over :data:`BACKGROUND`.
    width, height : int
        Size of the image it was made from.
    """

    linear: np.ndarray
    width: int
    height: int


def thumbnail(image: Image, size: int = THUMBNAIL_SIZE) -> Thumbnail:
    """Shrink ``image`` to ``size × size`` by area averaging in linear light.

    The aspect ratio is not kept (as in Jacobs et al. 1995, every image is
    rescaled to the same square), so a signature of the thumbnail does not
    depend on the image's size.  Colour is averaged premultiplied by alpha and
    then composited over :data:`BACKGROUND`, so transparent pixels bring no
    colour of their own.  Pillow's box filter does the area average (each
    output pixel is the mean of the input area it covers, partial pixels
    weighted by their overlap).

    Parameters
    ----------
    image : Image
        A decoded image (:func:`perceptdiff.load_image`).
    size : int
        Side of the output square.

    Returns
    -------
    Thumbnail
    """
    px = image.pixels
    if image.opaque and px.dtype == np.uint8:
        # one channel at a time straight into a contiguous plane (no RGB copy)
        planes = [_LUT8[px[..., c]] for c in range(3)]
    else:
        rgb, alpha = decode(px)
        premult = rgb * alpha[..., None] if not image.opaque else rgb
        planes = [premult[..., 0], premult[..., 1], premult[..., 2]]
        if not image.opaque:
            planes.append(alpha)
    small = [
        np.asarray(PILImage.fromarray(np.ascontiguousarray(p, dtype=np.float32), mode="F")
                   .resize((size, size), PILImage.Resampling.BOX), dtype=np.float32)
        for p in planes
    ]
    out = np.stack(small[:3], axis=-1)
    if not image.opaque:
        out = out + (np.float32(1) - small[3])[..., None] * BACKGROUND
    np.clip(out, 0.0, 1.0, out=out)
    return Thumbnail(linear=out, width=image.width, height=image.height)


@runtime_checkable
class Signature(Protocol):
    """What a signature offers (a module or an object with these members).

    Attributes
    ----------
    name : str
        Registry name (``"wavelet"``, ``"tiny"``, ...).
    version : str
        Changes whenever the vector or its meaning changes; a saved index
        re-signs every image when a stored signature's version differs.
    length : int
        Number of float32 values in the vector.
    symmetric : bool
        True when ``distances(a, [b]) == distances(b, [a])``.
    scale : float
        Typical raw distance between two unrelated images (the normalising
        unit; see the module docstring).
    """

    name: str
    version: str
    length: int
    symmetric: bool
    scale: float

    def compute(self, image: Image) -> np.ndarray:
        """The ``(length,)`` float32 signature of ``image``."""

    def distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Raw distances from one signature ``(length,)`` to each row of ``table`` ``(N, length)``.

        Lower is nearer; an image's distance to itself is 0.  Returns ``(N,)`` float32.
        """

    def bound_features(self, table: np.ndarray) -> np.ndarray:
        """Short vectors ``(N, k)`` whose L1 distances never exceed the symmetrised distance.

        For rows ``a`` and ``b``: ``‖f(a) - f(b)‖₁ <= (d(a, b) + d(b, a)) / 2``.
        Near-duplicate search uses them to skip pairs that cannot be near
        without computing their distance.  A signature may also offer
        ``symmetric_blocks(table)``: a function ``(start, stop, first)`` giving
        the exact symmetrised distances of rows ``start:stop`` to rows
        ``first:``, which the search then uses instead.
        """


class ThumbnailSignature:
    """Base of the signatures computed from the shared :class:`Thumbnail`.

    Subclasses implement :meth:`from_thumbnail`; :meth:`compute` makes the
    thumbnail first, and :func:`compute_signatures` makes it once for all of
    them.
    """

    name: str = ""
    version: str = ""
    length: int = 0
    symmetric: bool = True
    scale: float = 1.0

    def compute(self, image: Image) -> np.ndarray:
        return self.from_thumbnail(thumbnail(image))

    def from_thumbnail(self, thumb: Thumbnail) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<signature {self.name} {self.version}>"


def compute_signatures(image: Image, signatures: Iterable[Signature]) -> dict[str, np.ndarray]:
    """Every signature of ``image`` by name; the shared thumbnail is made once.

    Parameters
    ----------
    image : Image
        A decoded image.
    signatures : iterable of Signature
        What to compute.

    Returns
    -------
    dict of str to numpy.ndarray
        ``(length,)`` float32 vectors.
    """
    thumb: Thumbnail | None = None
    out: dict[str, np.ndarray] = {}
    for sig in signatures:
        if isinstance(sig, ThumbnailSignature):
            if thumb is None:
                thumb = thumbnail(image)
            vec = sig.from_thumbnail(thumb)
        else:
            vec = np.asarray(sig.compute(image), dtype=np.float32)
        if vec.shape != (sig.length,):
            raise ValueError(f"signature {sig.name}: expected shape ({sig.length},), got {vec.shape}")
        out[sig.name] = vec
    return out


def symmetric_distances(sig: Signature, query: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``(d(query, row) + d(row, query)) / 2`` for every row of ``table``.

    The same as :meth:`Signature.distances` for a symmetric signature; for an
    asymmetric one (the wavelet score) the mean of both directions, which the
    one-to-one uses (duplicates, renames) need.  A signature may offer a faster
    ``symmetric_distances(query, table)`` of its own; otherwise the reverse
    direction is computed row by row.
    """
    if sig.symmetric:
        return sig.distances(query, table)
    own = getattr(sig, "symmetric_distances", None)
    if own is not None:
        return np.asarray(own(query, table), dtype=np.float32)
    forward = sig.distances(query, table)
    table = np.asarray(table, dtype=np.float32)
    back = np.array([sig.distances(row, query[None, :])[0] for row in table], dtype=np.float32)
    return ((forward + back) * np.float32(0.5)).astype(np.float32)


# name -> "module:attribute" (imported on first use) or the signature itself.
_REGISTRY: dict[str, str | Signature] = {
    "wavelet": "perceptdiff.signatures.wavelet:WAVELET",
    "tiny": "perceptdiff.signatures.tiny:TINY",
    "histogram": "perceptdiff.signatures.histogram:HISTOGRAM",
    "combined": "perceptdiff.signatures.combined:COMBINED",
}


def register_signature(signature: Signature | str, name: str | None = None) -> None:
    """Make ``signature`` available by name (its own ``name`` unless ``name`` is given).

    ``signature`` may be a ``"module:attribute"`` string, imported on first use
    (then ``name`` is required).
    """
    if isinstance(signature, str):
        if not name:
            raise OptionError("register_signature: a 'module:attribute' entry needs a name")
        _REGISTRY[name] = signature
        return
    if not isinstance(signature, Signature):
        raise OptionError(f"register_signature: {signature!r} lacks the Signature members")
    _REGISTRY[name or signature.name] = signature


def signature_names() -> tuple[str, ...]:
    """Names :func:`get_signature` accepts."""
    return tuple(_REGISTRY)


def get_signature(name: str | Signature) -> Signature:
    """The signature registered under ``name`` (a Signature is returned as it is).

    Raises
    ------
    OptionError
        No signature has that name.
    """
    if not isinstance(name, str):
        return name
    try:
        entry = _REGISTRY[name]
    except KeyError:
        raise OptionError(
            f"signature: unknown signature {name!r} (known: {', '.join(_REGISTRY)})"
        ) from None
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = entry
    return entry


def parts_of(signature: str | Signature) -> tuple[Signature, ...]:
    """What must be stored to compute ``signature``: its parts if composite, else itself."""
    sig = get_signature(signature)
    parts: Mapping[str, float] | None = getattr(sig, "parts", None)
    if parts is None:
        return (sig,)
    return tuple(get_signature(p) for p in parts)


def stored_signatures(names: Iterable[str | Signature] | None = None) -> tuple[Signature, ...]:
    """The signatures an index stores for ``names``: each expanded into its parts, once each.

    The default is every registered signature (so the index can answer for
    any of them).
    """
    if names is None:
        names = signature_names()
    seen: dict[str, Signature] = {}
    for name in names:
        for part in parts_of(name):
            seen.setdefault(part.name, part)
    return tuple(seen.values())


def normalised_distances(sig: Signature, query: Mapping[str, np.ndarray], tables: Mapping[str, np.ndarray],
                         *, symmetric: bool = False) -> np.ndarray:
    """Normalised distances (raw / ``scale``) from one image to many, as stored per part.

    Parameters
    ----------
    sig : Signature
        Plain or composite (one with ``distances_from_parts``).
    query : mapping of str to numpy.ndarray
        The query's vectors by stored signature name (:func:`compute_signatures`).
    tables : mapping of str to numpy.ndarray
        ``(N, length)`` tables by stored signature name.
    symmetric : bool
        Mean of both directions (see :func:`symmetric_distances`).

    Returns
    -------
    numpy.ndarray
        ``(N,)`` float32.
    """
    from_parts = getattr(sig, "distances_from_parts", None)
    if from_parts is not None:
        return np.asarray(from_parts(query, tables, symmetric=symmetric), dtype=np.float32)
    if symmetric:
        raw = symmetric_distances(sig, query[sig.name], tables[sig.name])
    else:
        raw = sig.distances(query[sig.name], tables[sig.name])
    return (np.asarray(raw, dtype=np.float32) / np.float32(sig.scale)).astype(np.float32)


def normalised_bound_features(sig: Signature, tables: Mapping[str, np.ndarray]) -> np.ndarray:
    """:meth:`Signature.bound_features` in normalised units (divided by ``scale``), from per-part tables."""
    from_parts = getattr(sig, "bound_features_from_parts", None)
    if from_parts is not None:
        return np.asarray(from_parts(tables), dtype=np.float32)
    return (sig.bound_features(tables[sig.name]) / np.float32(sig.scale)).astype(np.float32)
