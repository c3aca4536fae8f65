"""Compare a folder of approved images with a folder of new ones.

``perceptdiff EXPECTED_DIR ACTUAL_DIR`` walks both folders recursively (as
``diff -r`` does), pairs image files by relative path, compares the pairs in
parallel and reports each as:

``identical``
    the files or their decoded pixels are equal;
``pass``
    they differ, but not visibly;
``fail``
    they differ visibly (or their sizes differ);
``new``
    the file exists only in ACTUAL_DIR (no baseline yet);
``missing``
    the file exists only in EXPECTED_DIR;
``error``
    the pair could not be compared (unreadable or corrupt file, unreadable
    folder).

Exit status: 2 if any pair is an ``error`` (trouble, as ``diff -r`` reports
trouble even when it also found differences); otherwise 1 if any pair is
``fail`` or ``missing``; otherwise 0.  A ``new`` image alone does not fail the
run: it has nothing to be compared with, is listed, and is skipped in JUnit.

Image files are recognised by extension (``.png .jpg .jpeg .gif .bmp .tif
.tiff .webp``, any case); names starting with a dot are ignored, as are the
report and diff folders when they lie inside ACTUAL_DIR.  Links to files are
followed; links to folders are followed unless they lead back into a folder
being walked (no loops).

JSON summary (``--json``, and ``summary.json`` in the report)
-------------------------------------------------------------
One object, ``schema`` ``"perceptdiff-batch"``, ``schema_version`` 1
(:data:`SUMMARY_SCHEMA_VERSION`; bumped when a field changes meaning or goes
away, not when one is added)::

    {
      "schema": "perceptdiff-batch",
      "schema_version": 1,
      "perceptdiff_version": "0.1.0",
      "expected_dir": "approved",          # as given on the command line
      "actual_dir": "renders",
      "options": {...},                    # keyword options of perceptdiff.compare
      "counts": {"total": 200, "identical": 180, "pass": 12, "fail": 5,
                 "new": 1, "missing": 1, "error": 1},
      "exit_code": 2,
      "pairs": [                           # sorted by path
        {"path": "charts/line.png",        # relative, "/"-separated
         "status": "fail",                 # identical|pass|fail|new|missing|error
         "expected": "approved/charts/line.png",   # null for "new"
         "actual": "renders/charts/line.png",      # null for "missing"
         "result": {...},                  # ComparisonResult.to_dict(), null unless compared
         "error": null,                    # message for "error"
         "diff": "diffs/charts/line.png",  # diff image written by --diff DIR, else null
         "accept": "cp -- renders/charts/line.png approved/charts/line.png",
         "notes": []}
      ],
      "timings": {"wall_s": 3.1, "compare_s": 5.8, "jobs": 2}
    }

``accept`` is a POSIX shell command (arguments quoted with
:func:`shlex.quote`, paths as given on the command line, so run it from the
same folder) that makes the new image the baseline: ``cp`` for ``fail`` and
``new`` (with ``mkdir -p`` when a folder is new), ``rm`` of the baseline for
``missing``; null otherwise.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TextIO

from ._version import __version__
from .errors import OptionError, PerceptdiffError

__all__ = [
    "IMAGE_EXTENSIONS", "SUMMARY_SCHEMA", "SUMMARY_SCHEMA_VERSION", "PairSpec", "BatchResult",
    "find_images", "match_folders", "compare_folders", "summary_from_entries", "run_cli",
]

#: File extensions (lower case) counted as images.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})

#: ``schema`` field of the JSON summary.
SUMMARY_SCHEMA = "perceptdiff-batch"

#: ``schema_version`` field of the JSON summary.
SUMMARY_SCHEMA_VERSION = 1

#: Below this many pairs to compare, the default is to compare in this process.
SMALL_BATCH = 8

#: Statuses that make the exit status 1.
FAILING = frozenset({"fail", "missing"})


# ---------------------------------------------------------------------------
# Finding and pairing files
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PairSpec:
    """One relative path and the files found for it on each side.

    Attributes
    ----------
    path : str
        Path relative to both folders, ``/``-separated.
    expected, actual : str or None
        File paths (None when the file is only on the other side).
    problem : str or None
        Why this entry cannot be compared at all (a folder that cannot be read).
    """

    path: str
    expected: str | None
    actual: str | None
    problem: str | None = None


def _is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def find_images(root: str | os.PathLike[str], exclude: Iterable[str | os.PathLike[str]] = ()
                ) -> tuple[dict[str, str], dict[str, str]]:
    """Image files under ``root``, by relative path.

    Parameters
    ----------
    root : path
        Folder to walk.
    exclude : iterable of paths
        Folders not to enter (compared by real path).

    Returns
    -------
    files : dict
        ``{"sub/name.png": "<root>/sub/name.png"}`` (paths joined to ``root`` as given).
    problems : dict
        ``{"sub/": "cannot read folder (Permission denied)"}`` for folders that
        could not be listed.
    """
    root = os.fspath(root)
    excluded = {os.path.realpath(os.fspath(p)) for p in exclude}
    files: dict[str, str] = {}
    problems: dict[str, str] = {}
    st = os.stat(root)
    stack: list[tuple[str, str, frozenset[tuple[int, int]]]] = [
        ("", root, frozenset({(st.st_dev, st.st_ino)}))]
    while stack:
        rel, folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems[(rel + "/") if rel else "./"] = f"cannot read folder ({exc.strerror or exc})"
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel_path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()  # follows links
            except OSError:
                is_dir = False
            if is_dir:
                if excluded and os.path.realpath(entry.path) in excluded:
                    continue
                try:
                    dst = os.stat(entry.path)
                except OSError as exc:
                    problems[rel_path + "/"] = f"cannot read folder ({exc.strerror or exc})"
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key in ancestors:  # a link back up the tree: a loop
                    continue
                subdirs.append((rel_path, entry.path, ancestors | {key}))
            elif _is_image_name(entry.name):
                # Broken links are kept: comparing them reports "no such file".
                files[rel_path] = entry.path
        stack.extend(reversed(subdirs))
    return files, problems


def match_folders(expected_dir: str | os.PathLike[str], actual_dir: str | os.PathLike[str],
                  exclude: Iterable[str | os.PathLike[str]] = ()) -> list[PairSpec]:
    """Pair the images of two folders by relative path, sorted by path."""
    exclude = list(exclude)
    exp, exp_problems = find_images(expected_dir, exclude)
    act, act_problems = find_images(actual_dir, exclude)
    specs = [PairSpec(p, exp.get(p), act.get(p)) for p in set(exp) | set(act)]
    for side, problems in (("expected", exp_problems), ("actual", act_problems)):
        for p, why in problems.items():
            specs.append(PairSpec(p, None, None, f"{side} {why}"))
    specs.sort(key=lambda s: s.path.split("/"))
    return specs


# ---------------------------------------------------------------------------
# Comparing one pair (runs in a worker process)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Task:
    index: int
    spec: PairSpec
    options: Mapping[str, Any]
    stage_dir: str | None = None
    diff_path: str | None = None
    diff_style: str = "overlay"


def _row(spec: PairSpec) -> dict[str, Any]:
    return {"path": spec.path, "status": "error", "expected": spec.expected, "actual": spec.actual,
            "result": None, "error": None, "diff": None, "accept": None, "notes": [],
            "images": {}, "seconds": 0.0}


def _run_task(task: _Task) -> dict[str, Any]:
    """Compare one pair; everything returned is plain data (picklable, JSON-ready)."""
    t0 = time.perf_counter()
    spec = task.spec
    row = _row(spec)
    try:
        if spec.problem is not None:
            row["error"] = spec.problem
        elif spec.expected is None:
            row["status"] = "new"
            _stage(task, row, "actual", spec.actual)
        elif spec.actual is None:
            row["status"] = "missing"
            _stage(task, row, "expected", spec.expected)
        else:
            from .engine import compare

            result = compare(spec.expected, spec.actual, **task.options)
            row["status"] = result.verdict
            row["result"] = result.to_dict()
            _stage(task, row, "expected", spec.expected)
            if result.verdict == "identical":
                if "expected" in row["images"]:
                    row["images"]["actual"] = row["images"]["expected"]
            else:
                _stage(task, row, "actual", spec.actual)
                _write_diffs(task, row, result)
    except PerceptdiffError as exc:
        row["status"], row["error"] = "error", str(exc)
    except MemoryError:
        row["status"], row["error"] = "error", "out of memory (images too large for this machine)"
    except Exception as exc:  # a bug of ours: keep going with the other pairs
        row["status"], row["error"] = "error", f"internal error: {type(exc).__name__}: {exc}"
    row["seconds"] = time.perf_counter() - t0
    return row


def _stage(task: _Task, row: dict[str, Any], kind: str, src: str | None) -> None:
    if task.stage_dir is None or src is None:
        return
    from .report.images import pair_folder, stage_image

    try:
        row["images"][kind] = stage_image(src, Path(task.stage_dir), f"{pair_folder(task.index)}/{kind}")
    except PerceptdiffError as exc:
        row["notes"].append(f"{kind} image not shown in the report: {exc}")


def _write_diffs(task: _Task, row: dict[str, Any], result: Any) -> None:
    """The report's heatmap and the ``--diff DIR`` image of a compared pair."""
    if task.stage_dir is not None:
        from .report.images import heatmap_png, pair_folder

        rel = f"{pair_folder(task.index)}/diff.png"
        try:
            data = heatmap_png(result)
            if data is not None:
                dest = Path(task.stage_dir).joinpath(*rel.split("/"))
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                row["images"]["diff"] = rel
                row["images"]["diff_framed"] = True
        except Exception as exc:
            row["notes"].append(f"heatmap not drawn: {exc}")
    if task.diff_path is not None:
        try:
            from .diffimage import write_diff

            write_diff(result, task.diff_path, style=task.diff_style)
            row["diff"] = task.diff_path
        except Exception as exc:
            row["notes"].append(f"diff image not written to {task.diff_path}: {exc}")


# ---------------------------------------------------------------------------
# Running a batch
# ---------------------------------------------------------------------------

@dataclass
class BatchResult:
    """Outcome of :func:`compare_folders`.

    Attributes
    ----------
    expected_dir, actual_dir : str
        The folders, as given.
    pairs : list of dict
        One row per relative path, sorted by path (the ``pairs`` of the JSON
        summary, plus ``images``/``seconds`` used by the report).
    options : dict
        Keyword options of :func:`perceptdiff.compare`.
    wall_s : float
        Elapsed time of the whole run.
    jobs : int
        Worker processes used (1: compared in this process).
    report : pathlib.Path or None
        ``index.html`` of the report, when one was written.
    """

    expected_dir: str
    actual_dir: str
    pairs: list[dict[str, Any]]
    options: dict[str, Any]
    wall_s: float
    jobs: int
    report: Path | None = None
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        from .report.page import count_statuses

        self.counts = count_statuses([p["status"] for p in self.pairs])

    @property
    def exit_code(self) -> int:
        """2 if any pair is an error, else 1 if any failed or is missing, else 0."""
        if self.counts["error"]:
            return 2
        return 1 if any(self.counts[s] for s in FAILING) else 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (see the module docstring for the schema)."""
        return {
            "schema": SUMMARY_SCHEMA,
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "perceptdiff_version": __version__,
            "expected_dir": self.expected_dir,
            "actual_dir": self.actual_dir,
            "options": _jsonable(self.options),
            "counts": dict(self.counts),
            "exit_code": self.exit_code,
            "pairs": [_public_row(p) for p in self.pairs],
            "timings": {"wall_s": round(self.wall_s, 4),
                        "compare_s": round(sum(p.get("seconds", 0.0) for p in self.pairs), 4),
                        "jobs": self.jobs},
        }


_PUBLIC_KEYS = ("path", "status", "expected", "actual", "result", "error", "diff", "accept", "notes")


def _public_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) if k != "notes" else list(row.get("notes") or ()) for k in _PUBLIC_KEYS}


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda o: list(o) if isinstance(o, (tuple, set, frozenset))
                                 else str(o)))


def summary_from_entries(entries: Sequence[Mapping[str, Any]], *,
                         meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``perceptdiff-batch`` summary of report entries (see :func:`perceptdiff.report.write_report`).

    ``meta`` may give ``expected_dir``, ``actual_dir``, ``options`` and
    ``duration_s``; entries' ``name`` becomes ``path``.
    """
    from .report.page import count_statuses

    meta = dict(meta or {})
    rows = [{**e, "path": e["name"]} for e in entries]
    counts = count_statuses([r["status"] for r in rows])
    code = 2 if counts["error"] else (1 if any(counts[s] for s in FAILING) else 0)
    return {
        "schema": SUMMARY_SCHEMA,
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "perceptdiff_version": __version__,
        "expected_dir": meta.get("expected_dir"),
        "actual_dir": meta.get("actual_dir"),
        "options": _jsonable(meta.get("options", {})),
        "counts": counts,
        "exit_code": code,
        "pairs": [_jsonable(_public_row(r)) for r in rows],
        "timings": {"wall_s": meta.get("duration_s"), "compare_s": None, "jobs": None},
    }


def default_jobs() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _inside(path: str, folder: str) -> bool:
    p, f = os.path.realpath(path), os.path.realpath(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


def _diff_target(diff_dir: str, rel: str) -> str:
    target = os.path.join(diff_dir, *rel.split("/"))
    return target if target.lower().endswith(".png") else target + ".png"


def accept_command(status: str, rel: str, expected_dir: str, actual_dir: str) -> str | None:
    """Shell command that makes the new image of ``rel`` the baseline (None if nothing to accept)."""
    parts = rel.split("/")
    exp = os.path.join(expected_dir, *parts)
    act = os.path.join(actual_dir, *parts)
    q = shlex.quote
    if status == "fail":
        return f"cp -- {q(act)} {q(exp)}"
    if status == "new":
        cmd = f"cp -- {q(act)} {q(exp)}"
        if len(parts) > 1:
            cmd = f"mkdir -p -- {q(os.path.dirname(exp))} && " + cmd
        return cmd
    if status == "missing":
        return f"rm -- {q(exp)}"
    return None


def _validate_options(options: Mapping[str, Any]) -> None:
    """Raise OptionError now rather than once per pair."""
    from .preflight import check_options

    check_options(options)


def compare_folders(expected_dir: str | os.PathLike[str], actual_dir: str | os.PathLike[str], *,
                    options: Mapping[str, Any] | None = None, jobs: int | None = None,
                    report: str | os.PathLike[str] | None = None,
                    diff_dir: str | os.PathLike[str] | None = None, diff_style: str = "overlay",
                    on_pair: Callable[[dict[str, Any]], None] | None = None,
                    on_start: Callable[[int], None] | None = None,
                    title: str | None = None) -> BatchResult:
    """Compare every image of ``expected_dir`` with its namesake in ``actual_dir``.

    Parameters
    ----------
    expected_dir, actual_dir : path
        The approved and the new images.
    options : mapping, optional
        Keyword options of :func:`perceptdiff.compare`, the same for every pair.
    jobs : int, optional
        Worker processes (default: every core this process may use, or 1 when
        fewer than :data:`SMALL_BATCH` pairs are to be compared); 1 compares
        in this process.
    report : path, optional
        Write the HTML review report to this folder (see :mod:`perceptdiff.report`).
    diff_dir : path, optional
        Write a diff image of every pair that is not identical to
        ``diff_dir/<relative path>`` (``.png`` appended unless the name ends so).
    diff_style : {"overlay", "sidebyside"}
        Style of those diff images (the report always uses ``overlay``).
    on_pair : callable, optional
        Called with each finished row, in completion order (progress).
    on_start : callable, optional
        Called once with the number of pairs before comparing starts.
    title : str, optional
        Heading of the report.

    Returns
    -------
    BatchResult

    Raises
    ------
    perceptdiff.errors.OptionError
        A bad option, ``jobs`` < 1, or a report/diff folder in a place that
        would mix output with the images compared.
    perceptdiff.errors.PerceptdiffError
        A folder cannot be read, or the report cannot be written.
    """
    t0 = time.perf_counter()
    exp_dir, act_dir = os.fspath(expected_dir), os.fspath(actual_dir)
    for d in (exp_dir, act_dir):
        if not os.path.isdir(d):
            raise PerceptdiffError(f"{d}: not a folder")
    options = dict(options or {})
    _validate_options(options)
    if jobs is not None and jobs < 1:
        raise OptionError(f"--jobs: {jobs} is not a positive number")
    outputs = {"report": os.fspath(report) if report is not None else None,
               "diff": os.fspath(diff_dir) if diff_dir is not None else None}
    exclude = []
    for flag, out in outputs.items():
        if out is None:
            continue
        if _inside(out, exp_dir) or os.path.realpath(out) == os.path.realpath(act_dir):
            raise OptionError(f"--{flag} {out}: must not be the compared folders or inside "
                              f"{exp_dir} (the baselines)")
        exclude.append(out)
    if outputs["diff"] is not None:
        if (os.path.exists(outputs["diff"]) and not os.path.isdir(outputs["diff"])) or (
                not os.path.exists(outputs["diff"]) and _is_image_name(outputs["diff"])):
            raise OptionError(f"--diff {outputs['diff']}: with folders, --diff names a folder "
                              "(one diff image per pair goes there)")
        try:
            os.makedirs(outputs["diff"], exist_ok=True)
        except OSError as exc:
            raise PerceptdiffError(f"{outputs['diff']}: cannot create ({exc.strerror or exc})") from None

    try:
        specs = match_folders(exp_dir, act_dir, exclude)
    except OSError as exc:
        raise PerceptdiffError(f"cannot read folders ({exc.strerror or exc})") from None

    folder = None
    if outputs["report"] is not None:
        from .report.folder import ReportFolder

        folder = ReportFolder(outputs["report"])
    try:
        tasks = [
            _Task(index=i, spec=s, options=options,
                  stage_dir=str(folder.staging) if folder is not None else None,
                  diff_path=(_diff_target(outputs["diff"], s.path)
                             if outputs["diff"] is not None and s.expected and s.actual else None),
                  diff_style=diff_style)
            for i, s in enumerate(specs, 1)
        ]
        n_jobs = min(jobs or default_jobs(), max(1, len(tasks)))
        n_compared = sum(1 for t in tasks if t.spec.expected and t.spec.actual)
        if jobs is None and n_compared < SMALL_BATCH:
            n_jobs = 1  # starting worker processes would cost more than it saves
        if on_start is not None:
            on_start(len(tasks))
        rows = _run_tasks(tasks, n_jobs, on_pair)
        for row in rows:
            row["accept"] = accept_command(row["status"], row["path"], exp_dir, act_dir)
        result = BatchResult(exp_dir, act_dir, rows, options, 0.0, n_jobs)
        if folder is not None:
            from .report import finish_report

            result.wall_s = time.perf_counter() - t0
            meta = {"expected_dir": exp_dir, "actual_dir": act_dir, "options": _jsonable(options),
                    "duration_s": round(result.wall_s, 3), "jobs": n_jobs,
                    "exit_code": result.exit_code}
            entries = [{**r, "name": r["path"]} for r in rows]
            result.report = finish_report(folder, entries, title=title or "perceptdiff report",
                                          meta=meta, summary=result.to_dict())
    finally:
        if folder is not None and not folder.committed:
            folder.abort()
    result.wall_s = time.perf_counter() - t0
    return result


def _cost(task: _Task) -> int:
    total = 0
    for p in (task.spec.expected, task.spec.actual):
        if p:
            try:
                total += os.stat(p).st_size
            except OSError:
                pass
    return total


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which cancels the run and cleans up."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _mp_context() -> Any:
    """Start workers from a clean server process, not by forking this one.

    A forked child inherits this process's thread pools without their
    threads (the default metric keeps one), so work sent to them would never
    run; ``forkserver`` forks workers from a helper process that has only
    imported perceptdiff.  Where it is unavailable, ``spawn`` starts fresh
    interpreters.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["perceptdiff.batch", "perceptdiff.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def _run_tasks(tasks: list[_Task], jobs: int, on_pair: Callable[[dict[str, Any]], None] | None
               ) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}

    def done(task: _Task, row: dict[str, Any]) -> None:
        rows[task.index] = row
        if on_pair is not None:
            on_pair(row)

    if jobs <= 1:
        for task in tasks:
            done(task, _run_task(task))
    else:
        # Largest files first: the long comparisons start early and the cores
        # finish together (longest-processing-time-first scheduling).
        order = sorted(tasks, key=_cost, reverse=True)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(),
                                   initializer=_worker_init)
        try:
            futures: dict[Future[dict[str, Any]], _Task] = {pool.submit(_run_task, t): t for t in order}
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    row = fut.result()
                except BrokenProcessPool:
                    row = _row(task.spec)
                    row["error"] = "the worker process died (out of memory?)"
                done(task, row)
        except BaseException:
            # Let the pairs in progress finish (queued ones are dropped) so no
            # worker writes into the report's staging folder after it is removed.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return [rows[t.index] for t in tasks]


# ---------------------------------------------------------------------------
# Progress and the command line
# ---------------------------------------------------------------------------

_WORDS = {"identical": "IDENTICAL", "pass": "PASS", "fail": "FAIL", "new": "NEW",
          "missing": "MISSING", "error": "ERROR"}
_NOTABLE = frozenset({"fail", "new", "missing", "error"})


def _reason(row: Mapping[str, Any]) -> str:
    st = row["status"]
    if st == "error":
        return str(row.get("error"))
    if st == "new":
        return "only in ACTUAL (no baseline)"
    if st == "missing":
        return "only in EXPECTED (no new image)"
    res = row.get("result") or {}
    return str(res.get("reason", ""))


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of a batch on a stream (stderr).

    On a terminal: one line redrawn in place (bar, count/total, problems so
    far, ETA); with ``echo_notable`` (when the final listing does not go to the
    terminal) failing, new, missing and error pairs are also printed above it
    as they finish.
    Elsewhere (CI logs): one plain line per finished pair; past
    :attr:`LINES_LIMIT` pairs only the notable ones, plus a count every 5 %.
    Quiet: nothing.
    """

    LINES_LIMIT = 500

    def __init__(self, stream: TextIO, *, quiet: bool = False, tty: bool | None = None,
                 echo_notable: bool = True) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty() if tty is None else tty
        self.echo_notable = echo_notable
        self.total = 0
        self.done = 0
        self.problems = 0
        self.t0 = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False
        self.width = 30

    def start(self, total: int) -> None:
        self.total = total
        self.t0 = time.perf_counter()
        if not self.quiet and self.tty and total:
            self._draw(force=True)

    def update(self, row: Mapping[str, Any]) -> None:
        self.done += 1
        st = row["status"]
        if st in FAILING or st == "error":
            self.problems += 1
        if self.quiet:
            return
        if self.tty:
            if st in _NOTABLE and self.echo_notable:
                self._clear()
                self.stream.write(printable(f"{_WORDS[st]:<9} {row['path']}: {_reason(row)}\n"))
            self._draw(force=st in _NOTABLE or self.done == self.total)
            return
        width = len(str(self.total))
        step = max(1, self.total // 20)
        if self.total <= self.LINES_LIMIT or st in _NOTABLE:
            self.stream.write(printable(f"[{self.done:>{width}}/{self.total}] {_WORDS[st]:<9} {row['path']}\n"))
        elif self.done % step == 0 or self.done == self.total:
            self.stream.write(f"[{self.done:>{width}}/{self.total}] ...\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        frac = self.done / self.total if self.total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self.t0
        if self.done and self.done < self.total:
            eta = f"ETA {_fmt_duration(elapsed / self.done * (self.total - self.done))}"
        elif self.done >= self.total:
            eta = f"in {_fmt_duration(elapsed)}"
        else:
            eta = "ETA --:--"
        bar = "#" * filled + "-" * (self.width - filled)
        bad = f" {self.problems} not passing" if self.problems else ""
        self.stream.write(f"\r\x1b[K[{bar}] {self.done}/{self.total} {100 * frac:3.0f}%{bad} {eta}")
        self._drawn = True
        self.stream.flush()

    def close(self) -> None:
        if not self.quiet and self.tty and self._drawn:
            self.stream.write("\n")
            self._drawn = False
            self.stream.flush()


def render_summary(result: BatchResult, verbose: bool = False) -> str:
    """Text listing of the pairs that need a look, and the closing count line."""
    lines = []
    for row in result.pairs:
        st = row["status"]
        if st in _NOTABLE or (verbose and st == "pass"):
            lines.append(f"{_WORDS[st]:<9} {row['path']}: {_reason(row)}")
            for note in row.get("notes") or ():
                lines.append(f"          note: {note}")
    c = result.counts
    passed = c["pass"] + c["identical"]
    parts = [f"{c['fail']} failed"]
    for key, word in (("missing", "missing"), ("new", "new"), ("error", "error")):
        if c[key]:
            parts.append(f"{c[key]} {word}" + ("s" if key == "error" and c[key] > 1 else ""))
    parts.append(f"{passed} passed ({c['identical']} identical)")
    lines.append(f"{c['total']} pair{'s' if c['total'] != 1 else ''}: " + ", ".join(parts)
                 + f" in {result.wall_s:.1f} s"
                 + (f" with {result.jobs} jobs" if result.jobs > 1 else ""))
    if verbose:
        compare_s = sum(p.get("seconds", 0.0) for p in result.pairs)
        lines.append(f"  compare time summed over pairs {compare_s:.2f} s")
    if result.report is not None:
        lines.append(f"report: {result.report}")
    return "\n".join(lines)


def printable(text: str) -> str:
    """``text`` with undecodable file-name bytes (lone surrogates) as ``\\udcXX`` escapes.

    File names that are not UTF-8 reach Python as lone surrogates, which no
    UTF-8 stream accepts; inside a JSON string the escape is the same character.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_text(obj: Any) -> str:
    """Indented JSON of ``obj``, safe to write as UTF-8 (see :func:`printable`)."""
    return printable(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"


def _write_json_file(path: str, obj: Any) -> None:
    from .fileio import atomic_write_bytes

    atomic_write_bytes(path, json_text(obj).encode("utf-8"))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_cli(args: Any, kw: Mapping[str, Any]) -> int:
    """The folder form of the ``perceptdiff`` command; returns the exit status.

    ``args`` is the command's argparse namespace (``expected``, ``actual``,
    ``report``, ``json``, ``junit``, ``jobs``, ``diff``, ``diff_style``,
    ``quiet``, ``verbose``); ``kw`` the options of :func:`perceptdiff.compare`.
    With folders, ``--diff`` names a folder that receives one diff image per
    pair that is not identical.  Progress goes to stderr, the listing of
    pairs that need a look to stdout (to stderr when ``--json -`` takes
    stdout).
    """
    quiet = bool(getattr(args, "quiet", False))
    verbose = bool(getattr(args, "verbose", False))
    json_to = getattr(args, "json", None)
    listing = sys.stderr if json_to == "-" else sys.stdout
    progress = Progress(sys.stderr, quiet=quiet, echo_notable=not _isatty(listing))
    try:
        result = compare_folders(
            args.expected, args.actual, options=kw, jobs=getattr(args, "jobs", None),
            report=getattr(args, "report", None), diff_dir=getattr(args, "diff", None),
            diff_style=getattr(args, "diff_style", "overlay") or "overlay",
            on_pair=progress.update, on_start=progress.start)
    finally:
        progress.close()
    summary = result.to_dict()
    if json_to == "-":
        sys.stdout.write(json_text(summary))
    elif json_to is not None:
        _write_json_file(json_to, summary)
    junit_to = getattr(args, "junit", None)
    if junit_to is not None:
        from .junit import write_junit

        write_junit(result.pairs, junit_to, name="perceptdiff",
                    properties={"expected_dir": result.expected_dir,
                                "actual_dir": result.actual_dir},
                    wall_s=result.wall_s)
    if quiet:
        for row in result.pairs:
            if row["status"] == "error":
                print(printable(f"perceptdiff: error: {row['path']}: {row['error']}"), file=sys.stderr)
    else:
        print(printable(render_summary(result, verbose=verbose)), file=listing)
        listing.flush()
    return result.exit_code
