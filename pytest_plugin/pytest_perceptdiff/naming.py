"""File names for snapshots and failure artifacts, safe on every file system.

A test id such as ``tests/test_ui.py::TestDialog::test_button[dark-../../x]``
becomes a file name stem that

* uses only ``A-Z a-z 0-9 . _ -`` (portable across POSIX, Windows and macOS
  file systems and safe in URLs and shell commands);
* never starts with a dot (no hidden files, no ``..``) and never ends with a
  dot or space (Windows strips those);
* is not a reserved Windows device name (``CON``, ``NUL``, ``COM1`` ...);
* is at most :data:`MAX_STEM` characters;
* never contains ``--``: that pair separates a test's stem from a snapshot
  name (``test_x--logo.png``), so a file name can be traced back to its test;
* is **injective**: when the readable form loses anything (a character
  replaced, a run collapsed, an edge stripped, a length cut) it ends with
  ``-`` and eight hex digits of the SHA-1 of the exact text, so
  ``tests/a b``, ``tests/a_b`` and ``tests/a+b``, or ``test_ü.py`` and
  ``test_é.py``, or ``test_p[..]`` and ``test_p[.]``, get different names.
  Text that maps to itself (``test_plot``, ``TestDialog::test_ok``) keeps
  its plain name.  Names that differ only in case still meet on
  case-insensitive file systems: the plugin refuses those
  (:mod:`.state`), and every baseline records the test that wrote it
  (:mod:`.owner`), so a collision is found even against files on disk.

:func:`legacy_test_stem` and :func:`legacy_module_folder` give the names of
the earlier, lossy scheme, under which existing baselines are still found.

Every path built here is checked to lie inside its folder after symlinks are
resolved (:func:`ensure_inside`), a second guard behind the character rules.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path, PurePosixPath

__all__ = [
    "MAX_STEM",
    "SEPARATOR",
    "safe_name",
    "legacy_safe_name",
    "split_nodeid",
    "test_stem",
    "legacy_test_stem",
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


def _readable(text: str, fallback: str) -> str:
    s = _UNSAFE.sub("_", text)
    s = _UNDERSCORES.sub("_", s)
    s = _DASHES.sub("-", s)
    s = _DOTS.sub(".", s)
    s = s.strip("._-")
    if not s:
        s = fallback
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    return s


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def legacy_safe_name(text: str, *, max_length: int = MAX_STEM, fallback: str = "snapshot") -> str:
    """The earlier, lossy form of :func:`safe_name` (hash only when cut), to find old baselines."""
    s = _readable(text, fallback)
    if len(s) > max_length:
        s = s[: max_length - 9].rstrip("._-") + "-" + _digest(text)
    return s


def _injective(shown: str, original: str, *, max_length: int, fallback: str, lossless: bool) -> str:
    """The readable form of ``shown``, plus a hash of ``original`` unless it is ``lossless`` and short."""
    s = _readable(shown, fallback)
    if lossless and s == shown and len(s) <= max_length:
        return s
    return s[: max_length - 9].rstrip("._-") + "-" + _digest(original)


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
        Non-empty, only ``[A-Za-z0-9._-]``, no leading dot, no ``--``;
        different texts give different names (see the module docstring).

    Examples
    --------
    >>> safe_name("test_plot")
    'test_plot'
    >>> safe_name("test_plot[dark-../../etc]")
    'test_plot_dark-._._etc-656c9368'
    >>> safe_name("..")
    'snapshot-9d891e73'
    """
    return _injective(text, text, max_length=max_length, fallback=fallback, lossless=True)


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
    """The file-name stem of a test: its name with ``::`` shown as ``.`` (injective, see the module).

    >>> test_stem("tests/test_a.py::TestDialog::test_ok")
    'TestDialog.test_ok'
    >>> test_stem("tests/test_a.py::TestDialog::test_ok[x y]")
    'TestDialog.test_ok_x_y-054c6fc0'
    """
    _, name = split_nodeid(nodeid)
    # A "." of the name itself would read back as "::": only names without one are plain.
    return _injective(name.replace("::", "."), name, max_length=MAX_STEM, fallback="snapshot",
                      lossless="." not in name)


def legacy_test_stem(nodeid: str) -> str:
    """The stem the earlier naming gave a test (to find baselines written before names were injective)."""
    _, name = split_nodeid(nodeid)
    return legacy_safe_name(name.replace("::", "."))


test_stem.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest


def snapshot_stem(nodeid: str, name: str | None, index: int, *, legacy: bool = False) -> str:
    """Stem of a snapshot file: ``<test>`` or ``<test>--<name>`` / ``<test>--<n>``.

    Parameters
    ----------
    nodeid : str
        The test's node id.
    name : str or None
        The name the test gave; None for an unnamed snapshot.
    index : int
        1 for the test's first unnamed snapshot, 2 for the second ...
    legacy : bool
        The stem of the earlier, lossy naming.
    """
    stem = legacy_test_stem(nodeid) if legacy else test_stem(nodeid)
    if name is None:
        return stem if index == 1 else f"{stem}{SEPARATOR}{index}"
    namer = legacy_safe_name if legacy else safe_name
    return f"{stem}{SEPARATOR}{namer(name, max_length=60)}"


def stem_owner(file_stem: str) -> str:
    """The test stem a snapshot file stem belongs to (inverse of :func:`snapshot_stem`)."""
    return file_stem.split(SEPARATOR, 1)[0]


def module_folder(snapshot_dir: str, module_path: Path, rootdir: Path, *, legacy: bool = False) -> Path:
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
    legacy : bool
        The folder of the earlier, lossy naming.

    ``{platform}`` in ``snapshot_dir`` is replaced by :data:`sys.platform`
    (``linux``, ``darwin``, ``win32``: Playwright's names), for baselines
    kept per platform.
    """
    text = snapshot_dir.replace("{rootdir}", str(rootdir)).replace("{platform}", sys.platform)
    base = Path(text).expanduser()
    namer = legacy_safe_name if legacy else safe_name
    stem = namer(module_path.stem)
    if not base.is_absolute():
        return module_path.parent / base / stem
    try:
        rel = PurePosixPath(module_path.relative_to(rootdir).as_posix())
        parts = [namer(p, fallback="_") for p in rel.parent.parts]
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
