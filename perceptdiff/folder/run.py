""":func:`compare_folders`: pair two folders, compare every pair, write the outputs asked for."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..entry import Entry, count_statuses
from ..errors import OptionError, PerceptdiffError
from ..summary import exit_code, make_summary
from .accept import accept_command, baseline_path
from .pairing import is_image_name, match_folders, pair_renamed, shard_of
from .pool import Task, default_jobs, metric_registrations, run_tasks

__all__ = ["FolderResult", "compare_folders", "SMALL_BATCH"]

#: Below this many pairs to compare, the default is to compare in this process.
SMALL_BATCH = 8


@dataclass
class FolderResult:
    """Outcome of :func:`compare_folders`.

    Attributes
    ----------
    expected_dir, actual_dir : str
        The folders, as given.
    pairs : list of Entry
        One entry per relative path, sorted by path.
    options : dict
        Keyword options of :func:`perceptdiff.compare`.
    wall_s : float
        Elapsed time of the whole run.
    jobs : int
        Worker processes used (1: compared in this process).
    report : pathlib.Path or None
        ``index.html`` of the report, when one was written.
    shard : (int, int) or None
        ``(K, N)`` when only shard K of N was compared.
    counts : dict
        Pairs per status (and ``total``).
    """

    expected_dir: str
    actual_dir: str
    pairs: list[Entry]
    options: dict[str, Any]
    wall_s: float
    jobs: int
    report: Path | None = None
    shard: tuple[int, int] | None = None
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = count_statuses(e.status for e in self.pairs)

    @property
    def exit_code(self) -> int:
        """2 if any pair is an error, else 1 if any failed, was renamed or removed, else 0."""
        return exit_code(self.counts)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (see :mod:`perceptdiff.summary` for the schema)."""
        return make_summary(self.pairs, expected_dir=self.expected_dir, actual_dir=self.actual_dir,
                            options=self.options, wall_s=self.wall_s,
                            compare_s=sum(e.seconds for e in self.pairs), jobs=self.jobs,
                            shard=self.shard)


def _inside(path: str, folder: str) -> bool:
    p, f = os.path.realpath(path), os.path.realpath(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


def _diff_target(diff_dir: str, rel: str) -> str:
    target = os.path.join(diff_dir, *rel.split("/"))
    return target if target.lower().endswith(".png") else target + ".png"


def _check_outputs(exp_dir: str, act_dir: str, report: str | None, diff: str | None) -> list[str]:
    """Refuse output folders among the images; create the diff folder; return the folders not to walk."""
    exclude = []
    for flag, out in (("report", report), ("diff", diff)):
        if out is None:
            continue
        if _inside(out, exp_dir) or os.path.realpath(out) == os.path.realpath(act_dir):
            raise OptionError(f"--{flag} {out}: must not be the compared folders or inside "
                              f"{exp_dir} (the baselines)")
        exclude.append(out)
    if diff is not None:
        if (os.path.exists(diff) and not os.path.isdir(diff)) or (
                not os.path.exists(diff) and is_image_name(diff)):
            raise OptionError(f"--diff {diff}: with folders, --diff names a folder "
                              "(one diff image per pair goes there)")
        try:
            os.makedirs(diff, exist_ok=True)
        except OSError as exc:
            raise PerceptdiffError(f"{diff}: cannot create ({exc.strerror or exc})") from None
    return exclude


def compare_folders(expected_dir: str | os.PathLike[str], actual_dir: str | os.PathLike[str], *,
                    options: Mapping[str, Any] | None = None, jobs: int | None = None,
                    report: str | os.PathLike[str] | None = None,
                    diff_dir: str | os.PathLike[str] | None = None, diff_style: str = "overlay",
                    diff_base: str = "expected", diff_color: tuple[int, int, int] | None = None,
                    on_pair: Callable[[Entry], None] | None = None,
                    on_start: Callable[[int], None] | None = None,
                    title: str | None = None, shard: tuple[int, int] | None = None,
                    renames: bool = True) -> FolderResult:
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
    diff_style : {"overlay", "sidebyside", "mask"}
        Style of those diff images (the report always uses ``overlay``).
    diff_base : {"expected", "actual"}
        The image faded under their marks (``--diff-base``).
    diff_color : (int, int, int), optional
        Paint the visibly different pixels in this one colour (``--diff-color``).
    on_pair : callable, optional
        Called with each finished entry, in completion order (progress).
    on_start : callable, optional
        Called once with the number of pairs before comparing starts.
    title : str, optional
        Heading of the report.
    shard : (int, int), optional
        ``(K, N)``: compare only the pairs of shard K of N
        (:func:`~perceptdiff.folder.pairing.shard_of` of their relative path),
        so that N machines share the work; ``perceptdiff merge`` joins their
        summaries.
    renames : bool
        Pair files only in ``actual_dir`` with files only in ``expected_dir``
        that show the same picture (:func:`~perceptdiff.folder.pairing.pair_renamed`),
        compare them, and report each such pair as ``renamed`` (default);
        False lists them as ``new`` and ``removed``.

    Returns
    -------
    FolderResult

    Raises
    ------
    perceptdiff.errors.OptionError
        A bad option, ``jobs`` < 1, or a report/diff folder in a place that
        would mix output with the images compared.
    perceptdiff.errors.PerceptdiffError
        A folder cannot be read, or the report cannot be written.
    """
    from ..preflight import check_options

    t0 = time.perf_counter()
    exp_dir, act_dir = os.fspath(expected_dir), os.fspath(actual_dir)
    for d in (exp_dir, act_dir):
        if not os.path.isdir(d):
            raise PerceptdiffError(f"{d}: not a folder")
    options = dict(options or {})
    check_options(options)  # once, rather than once per pair
    if jobs is not None and jobs < 1:
        raise OptionError(f"--jobs: {jobs} is not a positive number")
    if diff_dir is not None:
        from ..diffimage import BASES, STYLES

        for flag, value, choices in (("diff-style", diff_style, STYLES), ("diff-base", diff_base, BASES)):
            if value not in choices:
                raise OptionError(f"--{flag}: {value!r} is not one of {', '.join(choices)}")
    report_out = os.fspath(report) if report is not None else None
    diff_out = os.fspath(diff_dir) if diff_dir is not None else None
    exclude = _check_outputs(exp_dir, act_dir, report_out, diff_out)
    try:
        specs = match_folders(exp_dir, act_dir, exclude)
    except OSError as exc:
        raise PerceptdiffError(f"cannot read folders ({exc.strerror or exc})") from None
    if renames:
        # Before sharding, so that every shard pairs the same files; a renamed
        # pair belongs to the shard of its new path.
        from ..options import Options

        limit = Options.from_kwargs(**{k: v for k, v in options.items() if k == "max_file_mb"})
        specs = pair_renamed(specs, max_file_bytes=limit.max_file_bytes)
    if shard is not None:
        specs = [s for s in specs if shard_of(s.path, shard[1]) == shard[0]]

    folder = None
    if report_out is not None:
        from ..report.folder import ReportFolder

        folder = ReportFolder(report_out)
    try:
        tasks = [
            Task(index=i, spec=s, options=options,
                 stage_dir=str(folder.staging) if folder is not None else None,
                 diff_path=(_diff_target(diff_out, s.path)
                            if diff_out is not None and s.expected and s.actual else None),
                 diff_style=diff_style, diff_base=diff_base, diff_color=diff_color)
            for i, s in enumerate(specs, 1)
        ]
        n_jobs = min(jobs or default_jobs(), max(1, len(tasks)))
        n_compared = sum(1 for t in tasks if t.spec.expected and t.spec.actual)
        if jobs is None and n_compared < SMALL_BATCH:
            n_jobs = 1  # starting worker processes would cost more than it saves
        registrations = metric_registrations(options) if n_jobs > 1 else None
        if registrations is None:
            n_jobs = 1  # the metric cannot reach a worker process: compare here
        if on_start is not None:
            on_start(len(tasks))
        entries = run_tasks(tasks, n_jobs, on_pair, registrations)
        for entry in entries:
            entry.accept = accept_command(entry.status, entry.name, exp_dir, act_dir, entry.renamed_from)
            if entry.error is None or entry.expected is not None:
                entry.baseline = baseline_path(entry.name, exp_dir)
        result = FolderResult(exp_dir, act_dir, entries, options, 0.0, n_jobs, shard=shard)
        if folder is not None:
            from ..report import finish_report

            result.wall_s = time.perf_counter() - t0
            meta = {"expected_dir": exp_dir, "actual_dir": act_dir, "options": options,
                    "duration_s": round(result.wall_s, 3), "jobs": n_jobs,
                    "exit_code": result.exit_code}
            if shard is not None:
                meta["shard"] = f"{shard[0]}/{shard[1]}"
            result.report = finish_report(folder, entries, title=title or "perceptdiff report",
                                          meta=meta, summary=result.to_dict())
    finally:
        if folder is not None and not folder.committed:
            folder.abort()
    result.wall_s = time.perf_counter() - t0
    return result
