"""The ``perceptdiff`` command's subcommands: ``perceptdiff NAME ...``.

:data:`SUBCOMMANDS` is the one table of them; :mod:`perceptdiff.cli` looks
the first argument up there and hands the rest to the subcommand.  A
subcommand is a module with two functions:

``add_arguments(parser)``
    declares its arguments on an :class:`argparse.ArgumentParser` (whose
    ``prog`` is ``perceptdiff NAME`` and whose description is the table's help);
``run(args) -> int``
    does the work and returns the exit status; it raises
    :class:`perceptdiff.errors.PerceptdiffError` for trouble, which the
    command turns into one line on stderr and status 2, as everywhere else.

A new subcommand is one more row here and its module (imported only when
run).  An image file whose name is a subcommand's is compared as
``./NAME``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

__all__ = ["Subcommand", "SUBCOMMANDS"]


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its name, one line of help, and the module that implements it."""

    name: str
    help: str
    module: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


#: Every subcommand, by name.
SUBCOMMANDS: dict[str, Subcommand] = {s.name: s for s in (
    Subcommand("merge", "join the JSON summaries (and staged pictures) of several runs, such as "
                        "the shards of a job matrix, into one summary, report and JUnit file",
               "perceptdiff.commands.merge"),
    Subcommand("accept", "copy the new images of a summary's failing and new pairs over their "
                         "baselines (atomically), and say what was copied",
               "perceptdiff.commands.accept"),
    Subcommand("similar", "rank the images of a folder by similarity to one image, or group "
                          "near-duplicates (--duplicates DIR)",
               "perceptdiff.commands.similar"),
)}
