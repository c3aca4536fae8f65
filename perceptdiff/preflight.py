"""Check comparison options before any work starts.

Folder mode checks once before comparing hundreds of pairs, and the pytest
plugin before a baseline is written, so a bad option is one clear error
rather than one per pair (or a baseline written under options that would
have been refused).
"""

from __future__ import annotations

from typing import Any, Mapping

from .metrics import get_metric
from .options import Options
from .optionspec import refuse_unsupported

__all__ = ["check_options"]


def check_options(options: Mapping[str, Any]) -> Options:
    """Validate keyword options of :func:`perceptdiff.compare` as the engine will.

    Checks every common option, that the metric exists and uses the options
    given (:func:`perceptdiff.optionspec.refuse_unsupported`), and the
    metric's own options.

    Returns
    -------
    Options
        The options.

    Raises
    ------
    perceptdiff.errors.OptionError
        The first problem found.
    """
    opts = Options.from_kwargs(**options)
    metric = get_metric(opts.metric)
    refuse_unsupported(opts, metric)
    metric.validate(opts.metric_options)
    return opts
