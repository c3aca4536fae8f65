"""Puts benchmarks/ on ``sys.path`` so the benchmark tests import its modules as bench.py does."""

from __future__ import annotations

import sys

from conftest import REPO

BENCHMARKS = REPO / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))
