"""Likely renames: a new snapshot that shows the same picture as a baseline no test used.

When a test (or a snapshot name) is renamed, one run writes a new baseline,
or in CI saves a new image for review, under the new name, and leaves the
old baseline unused.  At the end of a run the controller pairs the two
(:func:`perceptdiff.signatures.find_renames`: combined signature distance at
most :data:`~perceptdiff.signatures.RENAME_THRESHOLD`, one-to-one, nearest
first) and compares each pair with the eye model, using the run's comparison
defaults, so the summary can say whether the picture changed too.

Which baselines count as unused is prune's judgement (:func:`.prune.find_unused`):
only in a complete run, never a baseline of a test that failed or was
skipped.  Without ``--perceptdiff-prune`` the same search runs, read-only,
whenever a run made new snapshots.  Nothing here writes, moves or deletes a
file: the terminal summary, the review report's ``renamed`` entries and
prune's listing name the likely rename and the command that makes it
(``mv``), and ``pytest --perceptdiff-prune --perceptdiff-update=...`` keeps
such a baseline rather than deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .events import EventKind, SnapshotEvent

__all__ = ["LikelyRename", "NEW_KINDS", "new_image", "find_likely_renames", "rename_command"]

#: Events that made a snapshot with no baseline before this run.
NEW_KINDS = (EventKind.WRITTEN, EventKind.MISSING)


@dataclass(frozen=True)
class LikelyRename:
    """A baseline no test used and the new snapshot that shows the same picture.

    Attributes
    ----------
    old : Path
        The unused baseline.
    event : SnapshotEvent
        The new snapshot's event (``written`` or ``missing``).
    distance : float
        Their signature distance.
    result : dict or None
        The comparison of the old baseline with the new image (``to_dict()``),
        None when it could not be compared.
    comparison : perceptdiff.ComparisonResult or None
        The comparison itself, while at hand (not serialised): the review
        report draws its heatmap from it.
    """

    old: Path
    event: SnapshotEvent
    distance: float
    result: dict[str, Any] | None = None
    comparison: Any = field(default=None, compare=False, repr=False)

    @property
    def verdict(self) -> str | None:
        return None if self.result is None else str(self.result.get("verdict"))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for the results manifest."""
        return {"old": str(self.old), "nodeid": self.event.nodeid, "baseline": self.event.baseline,
                "distance": self.distance, "result": self.result}


def new_image(event: SnapshotEvent) -> str | None:
    """The file holding a new snapshot's image: the baseline just written, or the saved actual image."""
    if event.kind is EventKind.WRITTEN:
        return event.baseline
    if event.kind is EventKind.MISSING:
        return event.files.get("actual")
    return None


def rename_command(old: str | Path, new: str | Path) -> str:
    """The shell command that renames baseline ``old`` to ``new`` (paths shown as given)."""
    from perceptdiff.names import shell_quote

    from .state import display_path

    return f"mv -- {shell_quote(display_path(old))} {shell_quote(display_path(new))}"


def _compare(old: Path, new: str, options: dict[str, Any]) -> Any:
    from perceptdiff.engine import compare
    from perceptdiff.errors import PerceptdiffError
    from perceptdiff.screenshot import split_capture_options

    opts = dict(options)
    for key in ("dpi", "diff_style"):
        opts.pop(key, None)
    _, opts = split_capture_options(opts)
    try:
        return compare(str(old), new, **opts)
    except PerceptdiffError:
        return None


def find_likely_renames(events: list[SnapshotEvent], unused: list[Path],
                        options: dict[str, Any]) -> list[LikelyRename]:
    """Pair the new snapshots among ``events`` with the ``unused`` baselines that look the same.

    Parameters
    ----------
    events : list of SnapshotEvent
        The run's reported events; only ``written`` and ``missing`` ones count.
    unused : list of Path
        Baselines no test used (:attr:`.state.PruneOutcome.unused`).
    options : dict
        The run's comparison defaults, for comparing each pair.
    """
    fresh = [(e, new_image(e)) for e in events if e.kind in NEW_KINDS and e.baseline]
    fresh = [(e, path) for e, path in fresh if path and Path(path).is_file()]
    if not fresh or not unused:
        return []
    from perceptdiff.signatures import find_renames

    from perceptdiff.entry import plain

    by_image = {path: e for e, path in fresh}
    out = []
    for pair in find_renames([path for _, path in fresh], [str(p) for p in unused]):
        result = _compare(Path(pair.missing), pair.new, options)
        out.append(LikelyRename(Path(pair.missing), by_image[pair.new], float(pair.distance),
                                None if result is None else plain(result.to_dict()), result))
    return out
