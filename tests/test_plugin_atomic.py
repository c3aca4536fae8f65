"""A run killed while it rewrites a baseline leaves the old baseline whole."""

from __future__ import annotations

from pathlib import Path
import os

import numpy as np
import pytest

from perceptdiff import load_image
from perceptdiff.errors import ImageLoadError
from plugin_support import add_modules, CONFTEST, conftest_scene, pixels, serial, snapdir, summary


PAUSE_HOOK = '''

# Test hook: pause inside the atomic write of test_plain.png so that the test
# driving this run can SIGKILL it there.
import os as _os
import tempfile as _tempfile
import time as _time

_MARKER = _os.environ.get("PD_PAUSE_MARKER")
_STAGE = _os.environ.get("PD_PAUSE_STAGE")


def _pause(what):
    with open(_MARKER + ".tmp", "w") as fh:
        fh.write(what)
    _os.replace(_MARKER + ".tmp", _MARKER)
    _time.sleep(120)


if _MARKER and _STAGE == "before-rename":
    _real_replace = _os.replace

    def _replace(src, dst, *args, **kwargs):
        if _os.fspath(dst).endswith(_os.path.join("__snapshots__", "test_k", "test_plain.png")):
            _pause(_os.fspath(src))
        return _real_replace(src, dst, *args, **kwargs)

    _os.replace = _replace

if _MARKER and _STAGE == "mid-write":
    _real_mkstemp, _real_fdopen = _tempfile.mkstemp, _os.fdopen
    _watched = {}

    def _mkstemp(*args, **kwargs):
        fd, name = _real_mkstemp(*args, **kwargs)
        if _os.path.basename(name).startswith(".test_plain.png."):
            _watched[fd] = name
        return fd, name

    class _HalfWriter:
        def __init__(self, fh, name):
            self._fh, self._name = fh, name

        def write(self, data):
            self._fh.write(data[: len(data) // 2])
            self._fh.flush()
            _pause(self._name)

        def __getattr__(self, attr):
            return getattr(self._fh, attr)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._fh.__exit__(*exc)

    def _fdopen(fd, *args, **kwargs):
        fh = _real_fdopen(fd, *args, **kwargs)
        return _HalfWriter(fh, _watched.pop(fd)) if fd in _watched else fh

    _tempfile.mkstemp, _os.fdopen = _mkstemp, _fdopen
'''


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
@pytest.mark.parametrize("mode, stage", [("serial", "before-rename"), ("serial", "mid-write"),
                                         ("xdist", "before-rename")])
def test_kill_during_update_leaves_the_old_baseline_intact(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        mode: str, stage: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    project.makeconftest(CONFTEST + PAUSE_HOOK)
    add_modules(project, "test_k")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    baseline = snapdir(project, "test_k") / "test_plain.png"
    old = baseline.read_bytes()

    marker = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(SCENE="visible", PD_PAUSE_MARKER=str(marker), PD_PAUSE_STAGE=stage)
    args = [sys.executable, "-m", "pytest", "--perceptdiff-update=all", f"--basetemp={tmp_path / 'bt'}"]
    if mode == "xdist":
        args += ["-n", "2"]
    with open(tmp_path / "out.txt", "wb") as out:
        proc = subprocess.Popen(args, cwd=project.path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while not marker.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the run never reached the write:\n" + (tmp_path / "out.txt").read_text())
                time.sleep(0.05)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: controller and workers
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The old baseline is whole and unchanged; the new data sits in the
    # temporary file the kill left behind.
    assert baseline.read_bytes() == old
    np.testing.assert_array_equal(pixels(baseline), conftest_scene("base"))
    temp = Path(marker.read_text())
    assert temp.parent == baseline.parent and temp.name.startswith(".test_plain.png.")
    assert temp.is_file()
    if stage == "before-rename":
        np.testing.assert_array_equal(pixels(temp), conftest_scene("visible"))
    else:
        assert 0 < temp.stat().st_size < len(old) * 2
        with pytest.raises(ImageLoadError):
            load_image(temp)
    # No other file in the folder is damaged (other baselines may have been
    # rewritten before the kill: each is either the old or the new picture).
    for png in snapdir(project, "test_k").glob("*.png"):
        load_image(png)

    # The next run compares against the intact baseline, and prune reports the leftover.
    serial(project, monkeypatch, "test_k.py::test_plain").assert_outcomes(passed=1)
    result = serial(project, monkeypatch, "--perceptdiff-prune", "--perceptdiff-update=missing")
    assert "1 leftover temporary file(s)" in "\n".join(summary(result))
    assert not temp.exists()
