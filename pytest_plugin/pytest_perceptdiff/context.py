"""Which test is running, for code that is not handed a fixture.

:func:`perceptdiff.testing.assert_images_similar` looks this module up in
``sys.modules`` (the core package never imports the plugin) and asks
:func:`current` for the running test's context: the option layers from the
flags, the ini file and markers, the results folder, and where to record a
failure for the terminal summary and the HTML report.

A :class:`contextvars.ContextVar` holds the running item, so nested sessions
(pytester) and asyncio tasks see the right test; a thread the test starts
sees it through the fallback stack.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import TestContext

__all__ = ["current", "activate", "deactivate"]

_ITEM: ContextVar[Any] = ContextVar("perceptdiff_item", default=None)
_STACK: list[Any] = []  # fallback for threads started by a test


def activate(item: Any) -> Token[Any]:
    """Mark ``item`` as the running test (returns the token for :func:`deactivate`)."""
    _STACK.append(item)
    return _ITEM.set(item)


def deactivate(token: Token[Any]) -> None:
    """Undo :func:`activate`."""
    item = _ITEM.get()
    _ITEM.reset(token)
    if _STACK and _STACK[-1] is item:
        _STACK.pop()


def current() -> "TestContext | None":
    """The running test's context, or None outside a test."""
    item = _ITEM.get()
    if item is None and _STACK:
        item = _STACK[-1]
    if item is None:
        return None
    from .state import test_context

    return test_context(item)
