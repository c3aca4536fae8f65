"""File names for snapshots and failure artifacts, safe on every file system.

A test id such as ``tests/test_ui.py::TestDialog::test_button[dark-../../x]``
becomes a file name stem that

* uses only ``A-Z a-z 0-9 . _ -`` (portable across POSIX, Windows and macOS
  file systems and safe in URLs and shell commands);
* never starts with a dot (no hidden files, no ``..``) and never ends with a
  dot or space (Windows strips those);
* is not a reserved Windows device name (``CON``, ``NUL``, ``COM1`` ...);
* is at most :data:`MAX_STEM` characters: a longer one is cut and ends with
  eight hex digits of the SHA-1 of the full id, so two long ids that differ
  only at the end still get different names;
* never contains ``--``: that pair separates a test's stem from a snapshot
  name (``test_x--logo.png``), so a file name can be traced back to its test.

Every path built here is checked to lie inside its folder after symlinks are
resolved (:func:`ensure_inside`), a second guard behind the character rules.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

__all__ = [
    "MAX_STEM",
    "SEPARATOR",
    "safe_name",
    "split_nodeid",
    "test_stem",
    "snapshot_stem",
    "module_folder",
    "ensure_inside",
    "stem_owner",
]

#: Longest file-name stem produced (the full name adds a suffix such as
#: ``.expected.png``; 100 + 13 stays far below the 255-byte limit of common
#: file systems and leaves room in Windows' 260-character paths).
MAX_STEM = 100

#: Separates a test's stem from a snapshot name inside a file name.
SEPARATOR = "--"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_UNDERSCORES = re.compile(r"_{2,}")
_DASHES = re.compile(r"-{2,}")
_DOTS = re.compile(r"\.{2,}")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(10)] + [f"LPT{i}" for i in range(10)]
    + ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)


def safe_name(text: str, *, max_length: int = MAX_STEM, fallback: str = "snapshot") -> str:
    """Turn arbitrary text into a portable file-name stem.

    Parameters
    ----------
    text : str
        A test id, a snapshot name, a module name.
    max_length : int
        Longest result; longer names are cut and get a hash suffix.
    fallback : str
        Used when nothing printable is left (``"../.."``, ``"   "``).

    Returns
    -------
    str
        Non-empty, only ``[A-Za-z0-9._-]``, no leading dot, no ``--``.

    Examples
    --------
    >>> safe_name("test_plot[dark-../../etc]")
    'test_plot_dark-._._etc'
    >>> safe_name("..")
    'snapshot'
    """
    s = _UNSAFE.sub("_", text)
    s = _UNDERSCORES.sub("_", s)
    s = _DASHES.sub("-", s)
    s = _DOTS.sub(".", s)
    s = s.strip("._-")
    if not s:
        s = fallback
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    if len(s) > max_length:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        s = s[: max_length - 9].rstrip("._-") + "-" + digest
    return s


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """Split a pytest node id into the module's path and the test's name.

    ``"tests/test_a.py::TestX::test_y[p::q]"`` -> ``("tests/test_a.py",
    "TestX::test_y[p::q]")`` (only the first ``::`` separates the file).
    """
    module, sep, rest = nodeid.partition("::")
    if not sep:
        return module, module
    return module, rest


def test_stem(nodeid: str) -> str:
    """The file-name stem of a test: its name with ``::`` shown as ``.``.

    >>> test_stem("tests/test_a.py::TestDialog::test_ok[x y]")
    'TestDialog.test_ok_x_y'
    """
    _, name = split_nodeid(nodeid)
    return safe_name(name.replace("::", "."))


test_stem.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest


def snapshot_stem(nodeid: str, name: str | None, index: int) -> str:
    """Stem of a snapshot file: ``<test>`` or ``<test>--<name>`` / ``<test>--<n>``.

    Parameters
    ----------
    nodeid : str
        The test's node id.
    name : str or None
        The name the test gave; None for an unnamed snapshot.
    index : int
        1 for the test's first unnamed snapshot, 2 for the second ...
    """
    stem = test_stem(nodeid)
    if name is None:
        return stem if index == 1 else f"{stem}{SEPARATOR}{index}"
    return f"{stem}{SEPARATOR}{safe_name(name, max_length=60)}"


def stem_owner(file_stem: str) -> str:
    """The test stem a snapshot file stem belongs to (inverse of :func:`snapshot_stem`)."""
    return file_stem.split(SEPARATOR, 1)[0]


def module_folder(snapshot_dir: str, module_path: Path, rootdir: Path) -> Path:
    """Folder holding the snapshots of one test module.

    Parameters
    ----------
    snapshot_dir : str
        The configured snapshot folder.  Relative (default ``__snapshots__``):
        beside each test module, with one sub-folder per module
        (``tests/__snapshots__/test_ui/``).  Absolute (``{rootdir}`` is
        replaced by the root directory): one tree for the whole suite that
        mirrors the modules' paths (``<dir>/tests/test_ui/``).
    module_path : Path
        The test module's file.
    rootdir : Path
        pytest's root directory.
    """
    text = snapshot_dir.replace("{rootdir}", str(rootdir))
    base = Path(text).expanduser()
    stem = safe_name(module_path.stem)
    if not base.is_absolute():
        return module_path.parent / base / stem
    try:
        rel = PurePosixPath(module_path.relative_to(rootdir).as_posix())
        parts = [safe_name(p, fallback="_") for p in rel.parent.parts]
    except ValueError:  # module outside the root directory
        digest = hashlib.sha1(str(module_path.parent).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        parts = [f"outside-{digest}"]
    return base.joinpath(*parts, stem)


def ensure_inside(path: Path, folder: Path) -> Path:
    """Return ``path`` if it resolves inside ``folder``; raise otherwise.

    Raises
    ------
    perceptdiff.errors.BaselineError
        The path escapes the folder (through ``..`` or a symbolic link).
    """
    real_folder = folder.resolve()
    real = path.resolve()
    if real != real_folder and real_folder not in real.parents:
        from perceptdiff.errors import BaselineError

        raise BaselineError(f"{path}: refusing a snapshot path outside {folder}")
    return path
