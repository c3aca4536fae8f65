"""Which test wrote a baseline: a record inside the PNG, checked whenever a baseline is used.

Every baseline the plugin writes carries two international text chunks
(``iTXt``, ISO/IEC 15948 §11.3.4, UTF-8): ``perceptdiff:test``, the node id
of the test, and ``perceptdiff:snapshot``, which of its snapshots (``#2`` for
the second unnamed one, ``=logo`` for ``name="logo"``).  Before a test
compares against a baseline, :func:`read_owner` reads the record (from the
header, without decoding pixels); if another test wrote the file *and* that
test's name maps to the same file, two tests share it and the plugin stops
with an error naming both.  A record naming a test whose name maps elsewhere
is stale (the file was renamed by hand) and is replaced by the next write.
Baselines without a record (written before it existed, or by hand) are read
as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Owner", "read_owner", "TEST_KEY", "SNAPSHOT_KEY"]

TEST_KEY = "perceptdiff:test"
SNAPSHOT_KEY = "perceptdiff:snapshot"


@dataclass(frozen=True)
class Owner:
    """The test and snapshot a baseline was written for."""

    nodeid: str
    name: str | None   # the snapshot's name; None when unnamed
    index: int = 1     # the number of an unnamed snapshot

    @property
    def label(self) -> str:
        return f"#{self.index}" if self.name is None else f"={self.name}"

    def text(self) -> dict[str, str]:
        """The PNG text chunks recording this owner."""
        return {TEST_KEY: self.nodeid, SNAPSHOT_KEY: self.label}

    @classmethod
    def parse(cls, nodeid: str, label: str) -> "Owner":
        if label.startswith("="):
            return cls(nodeid, label[1:])
        try:
            return cls(nodeid, None, int(label.lstrip("#") or 1))
        except ValueError:
            return cls(nodeid, None, 1)


def read_owner(path: Path) -> Owner | None:
    """The owner recorded in a baseline PNG (None without a record, or when it cannot be read)."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as im:
            # im.info holds the text chunks before the image data (where ours are);
            # im.text would decode the whole image to look after it.
            text = {k: v for k, v in im.info.items() if isinstance(k, str)}
    except Exception:  # noqa: BLE001 - the decoder reports an unreadable baseline itself
        return None
    nodeid = text.get(TEST_KEY)
    if not isinstance(nodeid, str) or not nodeid:
        return None
    return Owner.parse(nodeid, str(text.get(SNAPSHOT_KEY, "#1")))
