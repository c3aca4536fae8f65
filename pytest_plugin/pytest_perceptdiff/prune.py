"""Finding (and, when asked, deleting) baselines that no test used.

Deleting a baseline is only safe when every test that might use it ran.  The
run is judged incomplete, and prune does nothing but say why, when

* the run was interrupted, hit an internal or usage error, or stopped early
  (``-x``, ``--maxfail``);
* tests were deselected (``-k``, ``-m``, ``--deselect``, ``--lf``, an
  ``addopts`` marker expression ...) or a module failed to collect;
* a collected test never finished (a crashed xdist worker).

Even in a complete run only the snapshot folders of modules collected as a
whole are examined (a module named with ``::`` on the command line is not),
and a baseline whose test failed, was skipped or xfailed is kept: such a
test may simply not have reached its snapshot.  A snapshot folder whose test
module no longer exists is reported in full.  Leftover temporary files of an
interrupted atomic write (``.<name>.<random>.tmp``) are listed too.

Only the xdist controller (or a run without xdist) prunes; deletion needs
``--perceptdiff-update`` on the command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pytest

from . import naming
from .state import PruneOutcome, SessionState

__all__ = ["find_unused", "delete"]


def _why_incomplete(state: SessionState, session: pytest.Session, exitstatus: int) -> str | None:
    if int(exitstatus) not in (int(pytest.ExitCode.OK), int(pytest.ExitCode.TESTS_FAILED)):
        return f"the run ended with exit status {int(exitstatus)}"
    if session.shouldstop or session.shouldfail:
        return "the run stopped early (-x / --maxfail)"
    if state.deselected:
        return f"{state.deselected} test(s) were deselected (-k, -m, --deselect, --lf ...)"
    if state.collection_errors:
        return f"{state.collection_errors} collection error(s)"
    collected = state.collected or []
    if not collected:
        return "no tests were collected"
    missing = [n for n in collected if n not in state.finished]
    if missing:
        return f"{len(missing)} collected test(s) did not finish (first: {missing[0]})"
    return None


def _narrowed_modules(config: pytest.Config) -> set[Path]:
    out = set()
    for arg in config.args:
        if "::" in arg:
            out.add((config.invocation_params.dir / arg.split("::", 1)[0]).resolve())
    return out


def _is_temp(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def find_unused(state: SessionState, session: pytest.Session, exitstatus: int) -> PruneOutcome:
    """Baselines in the examined snapshot folders that no test of this run used."""
    out = PruneOutcome()
    reason = _why_incomplete(state, session, exitstatus)
    if reason:
        out.skipped = reason
        return out
    config = state.config
    rootdir = Path(config.rootpath)
    settings = state.settings
    used = {str(Path(p).resolve()) for p in state.used}
    narrowed = _narrowed_modules(config)

    modules: dict[Path, list[str]] = {}
    for nodeid in state.collected or ():
        module_rel, _ = naming.split_nodeid(nodeid)
        # As pytest's item.path: absolute, symbolic links not resolved.
        modules.setdefault(Path(os.path.abspath(rootdir / module_rel)), []).append(nodeid)
    own_folders = {naming.module_folder(settings.snapshot_dir, m, rootdir).resolve() for m in modules}

    candidates: list[Path] = []
    for module, nodeids in sorted(modules.items()):
        folder = naming.module_folder(settings.snapshot_dir, module, rootdir)
        if module.resolve() in narrowed:
            continue
        unfinished = [n for n in nodeids if state.outcomes.get(n) != "passed"]
        keep = {naming.test_stem(n).lower() for n in unfinished}
        keep |= {naming.legacy_test_stem(n).lower() for n in unfinished}  # baselines of the earlier naming
        for path in _files(folder):
            if _is_temp(path):
                out.temp_files.append(path)
            elif path.suffix.lower() == ".png" and str(path.resolve()) not in used:
                if naming.stem_owner(path.stem).lower() in keep:
                    out.protected += 1
                else:
                    candidates.append(path)
        # A sibling folder whose module is gone belongs to a deleted test module.
        parent = folder.parent
        if parent.is_dir():
            for sibling in parent.iterdir():
                if (not sibling.is_dir() or sibling.resolve() in own_folders
                        or any(p.is_dir() for p in sibling.iterdir())):
                    continue
                if sibling.name in _source_names(module.parent):
                    continue
                own_folders.add(sibling.resolve())
                for path in _files(sibling):
                    if _is_temp(path):
                        out.temp_files.append(path)
                    elif path.suffix.lower() == ".png":
                        candidates.append(path)
    out.unused = sorted(set(candidates))
    out.temp_files = sorted(set(out.temp_files))
    return out


def _source_names(folder: Path) -> set[str]:
    """Safe names of the modules and folders beside a test module (a snapshot
    folder named after one of them is not orphaned)."""
    names = set()
    for p in folder.iterdir():
        if p.suffix == ".py":
            names.add(naming.safe_name(p.stem))
        elif p.is_dir():
            names.add(p.name)
    return names


def _files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return ()
    return sorted(p for p in folder.iterdir() if p.is_file())


def delete(outcome: PruneOutcome) -> None:
    """Delete what :func:`find_unused` listed; remove module folders left empty."""
    folders = set()
    for path in [*outcome.unused, *outcome.temp_files]:
        try:
            path.unlink()
            folders.add(path.parent)
        except FileNotFoundError:
            pass
        except OSError as exc:
            outcome.errors.append(f"{path}: {exc.strerror or exc}")
    for folder in folders:
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            pass
    outcome.deleted = True
