"""Outputs: every document the pipeline writes, one module each, declared the same way.

An output module declares an `Output`: its name, its file name (`stem`), what writes it (`write`: usually a Word
template of output_templates/ rendered with a context it builds, through `word`), whether it is written for each entity or for each pair of
entities naming each other, whether `make pdf` publishes it, and how the console names it. Everything else is
shared (build.py, pdf.py, cli.py): documents staged and moved into place together, a provisional build's names
(« _PROVISOIRE »), the parts of a very long document (« _1 », « _2 »), leftovers of earlier builds removed, the
console's list, the PDF. The shared code knows a document only by these declared properties (`main`, `always`,
`cost`, `command`…), never by its name.

Adding a document: a module here with its OUTPUT, a template in output_templates/, one line in REGISTRY (below). An output
module takes what it declares with (Job, Output, word, safe_name…) from `.base`, never from this package, which
imports it (no import circle: tests/test_architecture.py). A document written only when a command asks for it
(`make synergies ANNEE=2026`) declares `command="synergies"` and reads the command's options in `job.asked`
(`job.asked.get("annee")`).
"""

from __future__ import annotations

import gc
import importlib
from contextlib import contextmanager
from pathlib import Path

from .base import (DEFAULT_COMMAND, ENTITY, PAIR, PROVISIONAL, Job, Output, Written, every, final_path, final_paths, leftovers,
                   one, paths, safe_name, word)

__all__ = ["DEFAULT_COMMAND", "ENTITY", "PAIR", "PROVISIONAL", "Job", "Output", "Written", "every", "final_path", "final_paths",
           "leftovers", "one", "paths", "safe_name", "word", "REGISTRY", "registry", "by_name", "main_output", "provisional_mark",
           "write_parts", "EXTRA"]


REGISTRY = (
    "report",
    "retours",
    "pst",
    "fiches",
    "modifications",
    "rapport",
    "ecomptes",
    "site",
    "joint",
    "synergies",
    "synergy_report",
)
"""The module of every output (pipeline/outputs/<name>.py, which declares OUTPUT), in the order the console lists
them: adding a document is one line here. They are imported when the build first asks for them, so importing the
package stays light."""


def registry() -> list[Output]:
    """Every output, in the order the console lists them."""
    return [importlib.import_module(f"{__name__}.{name}").OUTPUT for name in REGISTRY] + EXTRA


EXTRA: list[Output] = []
"""Outputs added at run time (tests add a toy one here)."""


def by_name(name: str) -> Output:
    return next(output for output in registry() if output.name == name)


def main_output(scope: str = ENTITY) -> Output | None:
    """The main document of `scope` (Output.main)."""
    return next((output for output in registry() if output.main and output.scope == scope), None)


def provisional_mark(errors: int, rejected: int) -> dict:
    """What a document built despite `errors` errors says on its first page (Job.provisional): how many, how many
    rows it leaves out, and the file that lists them (the validation report)."""
    from .report import REPORT_NAME

    return {"errors": errors, "rejected": rejected, "report": REPORT_NAME}


def write_parts(name: str, job: Job, parts: list[tuple[int, Path]]) -> list[Path]:
    """Write parts of an output, each (part, into) — one document, or every part of an output written at once
    (Output.write_all) — in a worker process when several are written side by side."""
    output = by_name(name)
    with collector_paused():
        if output.write_all is not None:
            output.write_all(job, [into for _, into in parts])
        else:
            for part, into in parts:
                output.write(job, part, into)
    return [into for _, into in parts]


@contextmanager
def collector_paused():
    """Python's cycle collector paused while a document is written. Building its context and rendering it make
    hundreds of thousands of objects that live until it is saved, and almost no garbage cycles (a hundred objects a
    document): each full pass of the collector went over all of them for nothing, a quarter of the fiches' time.
    Their memory is freed as usual, by reference counting; the collector resumes after."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
