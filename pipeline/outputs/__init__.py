"""Outputs: every document the pipeline writes, one module each, declared the same way.

An output module declares an `Output`: its name, its file name (`stem`), what writes it (`write`: usually a Word
template of output_templates/ rendered with a context it builds, through `word`), whether it is written for each entity or for each pair of
entities naming each other, whether `make pdf` publishes it, and how the console names it. Everything else is
shared (build.py, pdf.py, cli.py): documents staged and moved into place together, a provisional build's names
(« _PROVISOIRE »), the parts of a very long document (« _1 », « _2 »), leftovers of earlier builds removed, the
console's list, the PDF.

Adding a document: a module here with its OUTPUT, a template in output_templates/, one line in REGISTRY (below).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..atomic import safe_file_name

ENTITY = "entity"
"""Written for each entity built (in its folder of BUILD)."""
PAIR = "pair"
"""Written for each pair of entities of DATA that name each other (in BUILD itself)."""
PROVISIONAL = "_PROVISOIRE"
"""Added to the names of documents built despite errors: the last valid ones stay beside them."""


@dataclass
class Job:
    """What an output is made from: an entity as built (or a pair of them), and what the whole build knows."""

    today: dt.date
    partners: dict[str, dict] = field(default_factory=dict)
    """Code → {"name", "type"} of every entity of DATA with a model (partner institutions' names)."""
    provisional: dict | None = None
    """{"errors", "rejected", "report"} when the documents are built despite validation errors."""
    entity: object = None
    """model.Entity (entity outputs)."""
    label: str = ""
    findings: list = field(default_factory=list)
    xref: object = None
    """model.CrossReference (pair outputs)."""
    adopted: list = field(default_factory=list)
    """(number, séance) of each version the conseil took note of, oldest first: empty for a draft."""
    modifications: object = None
    """versions.Modifications since the reference version, when one is adopted."""
    evaluation: object = None
    """evaluation.Evaluation when a rapport d'exécution is asked for (make rapport)."""
    source: Path | None = None
    """The entity's folder in DATA (its cadre and services' workbooks), for outputs that copy them."""
    baseline: dict | None = None
    """What the adopted version the modifications are counted from said (evaluation.baseline)."""
    exercice: int | None = None
    """The budget year of the e-Comptes export, when it is asked for (make ecomptes)."""
    sides: list = field(default_factory=list)
    """The jobs of the two entities of a pair (pair outputs: the joint PST is made of both PSTs)."""

    @property
    def partner_names(self) -> dict[str, str]:
        return {code: partner["name"] for code, partner in self.partners.items()}

    @property
    def partner_types(self) -> dict[str, str]:
        return {code: partner["type"] for code, partner in self.partners.items()}


def one(job: Job) -> int:
    return 1


def every(job: Job) -> bool:
    return True


@dataclass(frozen=True)
class Output:
    name: str
    stem: Callable[[Job], str]
    """The file name without suffix, provisional mark or part number."""
    write: Callable[[Job, int, Path], None]
    """Writes part `part` (0 for a single document) of the output into the given path."""
    labels: tuple[str, str] = ("Document écrit", "Document PROVISOIRE écrit malgré les erreurs")
    """How the console names it: (written, written despite errors)."""
    suffix: str = ".docx"
    scope: str = ENTITY
    publish: bool = False
    """`make pdf` converts it for the website."""
    always: bool = False
    """Written even when the entity has errors, first, never provisional (the validation report)."""
    parts: Callable[[Job], int] = one
    """How many documents it takes (a very large entity's fiches are split)."""
    applies: Callable[[Job], bool] = every
    provisional: bool = True
    """Written under a provisional name when built despite errors; False: never written then (the export to the
    Region), its last valid file kept and reported out of date."""
    pattern: str = ""
    """Pair outputs: the start of their file names in BUILD (« Synergies_ »), to find those earlier builds wrote
    for pairs this build no longer writes."""
    files: Callable[[Job], list[str]] | None = None
    """The files it writes, by name under the entity's folder (« retours/Travaux.xlsx »), when they are not its
    stem and parts: one per part; the folder of the first holds only this output's files."""


@dataclass
class Written:
    """A document written by this build."""

    output: str
    path: Path
    provisional: bool = False


def word(module: str) -> Callable[[Job, int, Path], None]:
    """The `write` of an output rendered from a Word template: output_templates/<TEMPLATE> with `context(job,
    part)`, both read from the output's module `module` when the document is written."""
    def write(job: Job, part: int, into: Path) -> None:
        from ..render import TEMPLATES, render_document

        declared = sys.modules[module]
        render_document(TEMPLATES / declared.TEMPLATE, declared.context(job, part), into)
    return write


def safe_name(text: str) -> str:
    """A code or a législature as part of a file name."""
    return safe_file_name(text, fallback="PST", prefix="")  # part of a longer name: never a reserved one


def paths(output: Output, job: Job, folder: Path) -> list[Path]:
    """The files this build writes for `output`."""
    if output.files is not None:
        return [folder / name for name in output.files(job)]
    stem = output.stem(job) + (PROVISIONAL if job.provisional and not output.always else "")
    count = output.parts(job)
    if count == 1:
        return [folder / f"{stem}{output.suffix}"]
    return [folder / f"{stem}_{n}{output.suffix}" for n in range(1, count + 1)]


def final_path(output: Output, job: Job, folder: Path) -> Path:
    """The output's main file as a build without errors writes it (the document kept as valid)."""
    return folder / f"{output.stem(job)}{output.suffix}"


def leftovers(output: Output, job: Job, folder: Path, written: list[Path]) -> list[Path]:
    """Files of `output` that earlier builds wrote and this one replaces: parts no longer written, and — once a
    build has no errors — the provisional documents and their PDFs."""
    if not folder.is_dir():
        return []
    if output.files is not None:
        own = folder / output.stem(job)
        return [path for path in sorted(own.iterdir()) if path.is_file() and path not in written] \
            if own.is_dir() else []
    pattern = re.compile(re.escape(output.stem(job)) + r"(?P<mark>" + PROVISIONAL + r")?(?:_\d+)?(?P<suffix>\.\w+)$")
    found = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or path in written:
            continue
        provisional = bool(match["mark"])
        if job.provisional and provisional and match["suffix"] == output.suffix:
            found.append(path)  # an earlier provisional build's part
        elif not job.provisional and (provisional or match["suffix"] == output.suffix):
            found.append(path)
    return found


REGISTRY = (
    "report",
    "retours",
    "pst",
    "fiches",
    "modifications",
    "rapport",
    "ecomptes",
    "joint",
    "synergies",
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


def write_part(name: str, job: Job, part: int, into: Path) -> Path:
    """Write one document (in a worker process when several are written side by side)."""
    by_name(name).write(job, part, into)
    return into
