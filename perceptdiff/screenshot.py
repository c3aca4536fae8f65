"""Playwright pages and locators as images, screenshotted the way ``toHaveScreenshot`` does.

:func:`perceptdiff.testing.to_image` (so ``assert_images_similar`` and the
``image_snapshot`` fixture) accepts a Playwright for Python ``Page`` or
``Locator`` and takes its screenshot as Playwright's own visual assertion
(``expect(page).toHaveScreenshot()``) takes it:

* CSS animations and transitions disabled (finite ones jump to their end,
  infinite ones back to their start), the text caret hidden, CSS pixels
  (``scale="css"``: the same size on a HiDPI screen);
* ``mask=[locator, ...]`` (locators; a mask of any other type is the
  comparison's, :func:`is_locator_mask`) painted over in ``mask_color`` (``#FF00FF``) before
  the picture is taken; ``full_page=True`` for the whole scrollable page;
* the page must hold still: screenshots are taken until two in a row are
  identical (Playwright's stability rule), for at most ``timeout`` ms.

Playwright is an optional dependency (``pip install 'perceptdiff[playwright]'``):
nothing here imports it; objects are recognised by their type's module.  The
async API's objects need ``await``: :func:`capture_async`, or
``await image_snapshot.assert_match_async(page)``.

References
----------
.. [1] Playwright, "Visual comparisons" and ``PageAssertions.toHaveScreenshot``
       (animations, caret, scale, mask, stable screenshots), playwright.dev.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from typing import Any, Iterator, Mapping, Sequence

from .errors import OptionError, PerceptdiffError

__all__ = ["CAPTURE_OPTIONS", "is_playwright", "is_async", "is_locator_mask", "split_capture_options",
           "refuse_capture_options", "capture", "capture_async"]

#: Keyword options of a screenshot (not of the comparison), with their defaults.
CAPTURE_OPTIONS: Mapping[str, Any] = {
    "mask": (), "mask_color": "#FF00FF", "full_page": False, "omit_background": False,
    "timeout": 5000.0,
}

#: Pauses (ms) between the screenshots that must agree, as Playwright spaces
#: them; the last repeats until ``timeout``.
STABLE_INTERVALS_MS = (0, 100, 250, 500, 1000)


def is_playwright(obj: Any) -> bool:
    """``obj`` is a Playwright ``Page`` or ``Locator`` (sync or async API)."""
    module = type(obj).__module__ or ""
    return module.startswith("playwright.") and type(obj).__name__ in ("Page", "Locator") \
        and callable(getattr(obj, "screenshot", None))


def is_async(obj: Any) -> bool:
    """``obj`` is a Playwright object of the async API (its ``screenshot`` must be awaited)."""
    return inspect.iscoroutinefunction(getattr(obj, "screenshot", None))


def is_locator_mask(value: Any) -> bool:
    """``mask=`` given as Playwright locators (to paint over in the screenshot), not as a compare mask.

    ``mask`` means two things, told apart by type: a Locator, or a list or
    tuple of them (empty included), is ``toHaveScreenshot``'s mask, painted
    over in the screenshot; anything else (a path, an array, an image) is
    the comparison's mask (:mod:`perceptdiff.masks`).
    """
    if value is None or is_playwright(value):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_playwright(v) for v in value)
    return False


def split_capture_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(capture options, the rest)`` of a call's keyword options.

    A ``mask`` that is no locator (:func:`is_locator_mask`) stays with the
    comparison's options.
    """
    def capturing(k: str, v: Any) -> bool:
        return k in CAPTURE_OPTIONS and (k != "mask" or is_locator_mask(v))

    capture_opts = {k: v for k, v in options.items() if capturing(k, v)}
    rest = {k: v for k, v in options.items() if not capturing(k, v)}
    return capture_opts, rest


def refuse_capture_options(options: Mapping[str, Any], what: Any) -> None:
    """Raise :class:`OptionError` when capture options come with something that is no page."""
    if options:
        names = ", ".join(f"{k}=" for k in options)
        raise OptionError(f"{names}: only with a Playwright Page or Locator, not {type(what).__name__}")


def _arguments(target: Any, options: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
    unknown = set(options) - set(CAPTURE_OPTIONS)
    if unknown:
        raise OptionError(f"unknown screenshot option(s): {', '.join(sorted(unknown))}")
    opts = {**CAPTURE_OPTIONS, **options}
    mask = opts["mask"]
    if mask is None:
        mask = ()
    if not isinstance(mask, Sequence) or isinstance(mask, str):
        mask = [mask]  # a single locator
    kw: dict[str, Any] = {"animations": "disabled", "caret": "hide", "scale": "css",
                          "type": "png", "omit_background": bool(opts["omit_background"])}
    if mask:
        kw["mask"] = list(mask)
        kw["mask_color"] = str(opts["mask_color"])
    if opts["full_page"]:
        if type(target).__name__ != "Page":
            raise OptionError("full_page=True: only for a Page (a Locator is shot whole already)")
        kw["full_page"] = True
    timeout = float(opts["timeout"])
    if not timeout > 0:
        raise OptionError(f"timeout={opts['timeout']!r}: must be > 0 (milliseconds)")
    kw["timeout"] = timeout
    return kw, timeout


def _pauses(timeout: float) -> Iterator[float]:
    """Seconds to wait before each screenshot, until ``timeout`` ms have passed."""
    deadline = time.monotonic() + timeout / 1000
    for attempt in itertools.count():
        yield STABLE_INTERVALS_MS[min(attempt, len(STABLE_INTERVALS_MS) - 1)] / 1000
        if time.monotonic() > deadline:
            return


def _unstable(timeout: float) -> PerceptdiffError:
    return PerceptdiffError(f"the page did not hold still: no two screenshots in a row were the same "
                            f"within {timeout:.0f} ms (an animation that CSS does not drive, a video, "
                            "a clock? mask it)")


def _failed(exc: Exception) -> PerceptdiffError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return PerceptdiffError(f"screenshot failed: {first}")


def capture(target: Any, **options: Any) -> bytes:
    """PNG bytes of a sync-API Page or Locator, screenshotted as ``toHaveScreenshot`` does.

    Parameters
    ----------
    target : playwright.sync_api.Page or Locator
        What to screenshot.
    **options
        ``mask`` (locators to paint over), ``mask_color``, ``full_page``,
        ``omit_background``, ``timeout`` (ms; default 5000) — see
        :data:`CAPTURE_OPTIONS`.

    Raises
    ------
    perceptdiff.errors.OptionError
        An unknown option, ``full_page`` for a Locator, an async-API object.
    perceptdiff.errors.PerceptdiffError
        The screenshot failed, or the page never held still.
    """
    if is_async(target):
        raise OptionError("an async Playwright object: use `await image_snapshot.assert_match_async(page)` "
                          "or `await perceptdiff.screenshot.capture_async(page)`")
    kw, timeout = _arguments(target, options)
    previous = None
    for pause in _pauses(timeout):
        time.sleep(pause)
        try:
            shot = target.screenshot(**kw)
        except Exception as exc:  # Playwright's own errors (timeouts, detached elements)
            raise _failed(exc) from None
        if shot == previous:
            return bytes(shot)
        previous = shot
    raise _unstable(timeout)


async def capture_async(target: Any, **options: Any) -> bytes:
    """:func:`capture` for an async-API Page or Locator (``await`` it)."""
    kw, timeout = _arguments(target, options)
    previous = None
    for pause in _pauses(timeout):
        await asyncio.sleep(pause)
        try:
            shot = await target.screenshot(**kw)
        except Exception as exc:
            raise _failed(exc) from None
        if shot == previous:
            return bytes(shot)
        previous = shot
    raise _unstable(timeout)
