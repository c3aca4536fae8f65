"""The two-thread pool the default metric's terms share (numpy releases the GIL in its loops)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["parallel"]

_POOL: Any = None


def _reset_pool_after_fork() -> None:
    # A forked child inherits the executor object but not its threads: work
    # sent to it would never run.  Start a fresh pool on first use instead.
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def parallel(fn: Any, items: tuple[Any, ...]) -> list[Any]:
    """``[fn(x) for x in items]`` on a two-thread pool (numpy releases the GIL in its loops)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="perceptdiff")
    return list(_POOL.map(fn, items))
