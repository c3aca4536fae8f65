"""Comparing the pairs of a folder comparison, in this process or in worker processes.

Each pair is a :class:`Task`; :func:`compare_pair` turns it into an
:class:`~perceptdiff.entry.Entry` (comparing the images, staging the report's
pictures, writing the ``--diff`` image) and never raises: a pair that cannot
be compared becomes an ``error`` entry and the others carry on.
:func:`run_tasks` runs the tasks, largest files first, in a pool of worker
processes started by ``forkserver`` (see :func:`mp_context`).
"""

from __future__ import annotations

import os
import pickle
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ..entry import Entry, Status, renamed_reason
from ..errors import PerceptdiffError
from .pairing import PairSpec

__all__ = ["Task", "ONE_SIDED", "compare_pair", "run_tasks", "default_jobs", "mp_context",
           "metric_registrations"]

#: Why a file on one side only is listed: the sentence every output shows.
ONE_SIDED: Mapping[Status, str] = {
    Status.NEW: "only in the actual folder: no baseline yet",
    Status.REMOVED: "only in the expected folder: no new image",
}


@dataclass(frozen=True)
class Task:
    """One pair to compare, and where its outputs go.

    Attributes
    ----------
    index : int
        Position of the pair in the sorted listing (1-based).
    spec : PairSpec
        The files.
    options : mapping
        Keyword options of :func:`perceptdiff.compare`.
    stage_dir : str or None
        The report's staging folder, when a report is written.
    diff_path : str or None
        Where to write the pair's ``--diff`` image.
    diff_style : str
        Style of that image.
    diff_base : str
        The image faded under its marks (``expected`` or ``actual``).
    diff_color : (int, int, int) or None
        One colour for the visibly different pixels instead of the visibility ramp.
    """

    index: int
    spec: PairSpec
    options: Mapping[str, Any]
    stage_dir: str | None = None
    diff_path: str | None = None
    diff_style: str = "overlay"
    diff_base: str = "expected"
    diff_color: tuple[int, int, int] | None = None


def _entry(spec: PairSpec, status: Status) -> Entry:
    return Entry(spec.path, status, expected=spec.expected, actual=spec.actual,
                 renamed_from=spec.renamed_from)



def compare_pair(task: Task) -> Entry:
    """Compare one pair; everything returned pickles (it may come from a worker)."""
    t0 = time.perf_counter()
    spec = task.spec
    try:
        if spec.problem is not None:
            entry = _entry(spec, Status.ERROR)
            entry.error = spec.problem
        elif spec.expected is None or spec.actual is None:
            entry = _entry(spec, Status.NEW if spec.expected is None else Status.REMOVED)
            entry.reason = ONE_SIDED[entry.status]
            _stage(task, entry, expected=spec.expected, actual=spec.actual)
        else:
            from ..engine import compare

            if spec.variants:
                from ..variants import compare_variants

                result = compare_variants((spec.expected, *spec.variants), spec.actual, **task.options)
            else:
                result = compare(spec.expected, spec.actual, **task.options)
            renamed = spec.renamed_from is not None
            entry = _entry(spec, Status.RENAMED if renamed else Status(result.verdict))
            entry.result = result.to_dict()
            if renamed:
                entry.reason = renamed_reason(spec.distance, entry.result)
            same = result.verdict == Status.IDENTICAL.value
            _stage(task, entry, expected=spec.expected, actual=spec.actual,
                   comparison=None if same else result, same=same)
            if not same and task.diff_path is not None:
                _write_diff(task, entry, result)
    except PerceptdiffError as exc:
        entry = _entry(spec, Status.ERROR)
        entry.error = str(exc)
    except MemoryError:
        entry = _entry(spec, Status.ERROR)
        entry.error = "out of memory (images too large for this machine)"
    except Exception as exc:  # a bug of ours: keep going with the other pairs
        entry = _entry(spec, Status.ERROR)
        entry.error = f"internal error: {type(exc).__name__}: {exc}"
    entry.seconds = time.perf_counter() - t0
    return entry


def _stage(task: Task, entry: Entry, **pictures: Any) -> None:
    if task.stage_dir is None:
        return
    from ..report.images import stage_pictures

    entry.images, entry.diff_framed, notes = stage_pictures(Path(task.stage_dir), task.index, **pictures)
    entry.notes.extend(notes)


def _write_diff(task: Task, entry: Entry, result: Any) -> None:
    """The ``--diff DIR`` image of a compared pair."""
    assert task.diff_path is not None
    try:
        from ..diffimage import images_for_picture, write_diff

        images = images_for_picture(result, task.spec.expected, task.spec.actual, task.options)
        write_diff(result, task.diff_path, style=task.diff_style, base=task.diff_base,
                   color=task.diff_color, images=images)  # type: ignore[arg-type]
        entry.diff = task.diff_path
    except Exception as exc:
        entry.notes.append(f"diff image not written to {task.diff_path}: {exc}")


# ---------------------------------------------------------------------------
# The pool
# ---------------------------------------------------------------------------

def default_jobs() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _cost(task: Task) -> int:
    total = 0
    for p in (task.spec.expected, task.spec.actual):
        if p:
            try:
                total += os.stat(p).st_size
            except OSError:
                pass
    return total


def metric_registrations(options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The metric the tasks use, for :func:`perceptdiff.register_metric` in each worker.

    A worker starts from a fresh interpreter, which knows only the built-in
    metrics; one registered in this process is sent along (pickled: by
    reference to its importable class or module).  None when it cannot be
    pickled: the pairs are then compared in this process.
    """
    from ..metrics import get_metric
    from ..optionspec import DEFAULT_METRIC

    name = options.get("metric", DEFAULT_METRIC)
    registrations = {name: get_metric(name)}
    try:
        pickle.dumps(registrations)
    except Exception:
        return None
    return registrations


def _worker_init(registrations: Mapping[str, Any]) -> None:
    """Register the run's metric; leave Ctrl-C to the parent, which cancels the run and cleans up."""
    import signal

    from ..metrics import register_metric

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name, metric in registrations.items():
        register_metric(name, metric)


def mp_context() -> Any:
    """Start workers from a clean server process, not by forking this one.

    A forked child inherits this process's thread pools without their
    threads (the default metric keeps one), so work sent to them would never
    run; ``forkserver`` forks workers from a helper process that has only
    imported perceptdiff.  Where it is unavailable, ``spawn`` starts fresh
    interpreters.  Either way a worker knows only what it imports: metrics
    registered in this process reach it through :func:`metric_registrations`.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["perceptdiff.folder.pool", "perceptdiff.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_tasks(tasks: list[Task], jobs: int, on_pair: Callable[[Entry], None] | None = None,
              registrations: Mapping[str, Any] | None = None) -> list[Entry]:
    """Entries of ``tasks``, in task order; ``jobs`` > 1 compares in worker processes.

    ``on_pair`` is called with each entry as it finishes (completion order).
    """
    done_entries: dict[int, Entry] = {}

    def done(task: Task, entry: Entry) -> None:
        done_entries[task.index] = entry
        if on_pair is not None:
            on_pair(entry)

    if jobs <= 1:
        for task in tasks:
            done(task, compare_pair(task))
    else:
        # Largest files first: the long comparisons start early and the cores
        # finish together (longest-processing-time-first scheduling).
        order = sorted(tasks, key=_cost, reverse=True)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context(),
                                   initializer=_worker_init, initargs=(dict(registrations or {}),))
        try:
            futures: dict[Future[Entry], Task] = {pool.submit(compare_pair, t): t for t in order}
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    entry = fut.result()
                except BrokenProcessPool:
                    entry = _entry(task.spec, Status.ERROR)
                    entry.error = "the worker process died (out of memory?)"
                done(task, entry)
        except BaseException:
            # Let the pairs in progress finish (queued ones are dropped) so no
            # worker writes into the report's staging folder after it is removed.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return [done_entries[t.index] for t in tasks]
