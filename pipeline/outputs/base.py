"""What every output is declared with, and where its files go: the Job it is made from, the Output record, the
Written documents, a Word template's `write`, the file names (provisional, parts) and the leftovers of earlier
builds. The output modules import these from here; the package (`outputs.registry()`) lists the outputs."""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..atomic import PROVISIONAL, safe_file_name

if TYPE_CHECKING:
    from ..evaluation import Evaluation
    from ..findings import Finding
    from ..model import Entity
    from ..synergy import CrossReference
    from ..versions import Modifications

ENTITY = "entity"
"""Written for each entity built (in its folder of BUILD)."""
PAIR = "pair"
"""Written for each pair of entities of DATA that name each other (in BUILD itself)."""
DEFAULT_COMMAND = "pst"
"""The command of a build that asks for no document of its own (make pst)."""


@dataclass
class Job:
    """What an output is made from: an entity as built (or a pair of them), and what the whole build knows."""

    today: dt.date
    partners: dict[str, dict] = field(default_factory=dict)
    """Code → {"name", "type", "synergies", "folder", "valid"} of every entity of DATA with a model (partner
    institutions' names, their actions done with others: synergy.records, their folder and whether they have no
    errors: build.partners)."""
    provisional: dict | None = None
    """{"errors", "rejected", "report"} when the documents are built despite validation errors (provisional_mark)."""
    entity: Entity | None = None
    """The entity (entity outputs)."""
    label: str = ""
    findings: list[Finding] = field(default_factory=list)
    xref: CrossReference | None = None
    """The two entities and their synergies (pair outputs)."""
    adopted: list[tuple[int, dt.date]] = field(default_factory=list)
    """(number, séance) of each version the conseil took note of, oldest first: empty for a draft."""
    modifications: Modifications | None = None
    """What changed since the reference version, when one is adopted."""
    evaluation: Evaluation | None = None
    """The evaluation asked for (make rapport, make pdf RAPPORT=1): the rapport d'exécution's date and stage."""
    source: Path | None = None
    """The entity's folder in DATA (its cadre and services' workbooks), for outputs that copy them."""
    baseline: dict | None = None
    """What the adopted version the modifications are counted from said (evaluation.baseline)."""
    exercice: int | None = None
    """The budget year of the e-Comptes export, when it is asked for (make ecomptes)."""
    sides: list[Job] = field(default_factory=list)
    """The jobs of the two entities of a pair (pair outputs: the joint PST is made of both PSTs)."""
    command: str = DEFAULT_COMMAND
    """The command being run (« pst », « rapport », « ecomptes », « synergies »…): an output declared with
    `command` is written only when it runs."""
    asked: dict = field(default_factory=dict)
    """The options that command was given, by name (`{"annee": 2026}` for make synergies ANNEE=2026): what an
    output written on demand reads."""

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


def by_actions(job: Job, part: int) -> float:
    """A document about every action of its entity (or pair) takes about as long to write as it has actions."""
    return sum(len(side.entity.actions()) for side in (job, *job.sides) if side.entity is not None)


@dataclass(frozen=True)
class Output:
    """One document (or artefact) the build writes, declared once; the shared code asks only for these
    properties."""

    name: str
    """Its identifier (what `Written.output` holds): unique, never shown."""
    stem: Callable[[Job], str]
    """The file name without suffix, provisional mark or part number."""
    write: Callable[[Job, int, Path], None] | None = None
    """Writes part `part` (0 for a single document) of the output into the given path."""
    labels: tuple[str, str] = ("Document écrit", "Document PROVISOIRE écrit malgré les erreurs")
    """How the console names it: (written, written despite errors)."""
    suffix: str = ".docx"
    scope: str = ENTITY
    publish: bool = False
    """`make pdf` converts it for the website."""
    always: bool = False
    """Written even when the entity has errors, first, never provisional, kept when the entity's other documents
    fail (the validation report, the services' feedback)."""
    main: bool = False
    """The main document of its scope (the PST; for a pair, the joint PST): what the exit code, the PDF and the
    console's outcome are about — an entity « has its document » when this one is written —, and whose first page
    says, when provisional, how many rows it leaves out. One per scope."""
    write_all: Callable[[Job, list[Path]], None] | None = None
    """Instead of `write`: writes every part at once, into the given paths in order, from one rendering (the site:
    its folder, then its archive made from it) — in one process, never side by side."""
    cost: Callable[[Job, int], float] = by_actions
    """How long part `part` takes to write, relative to the others (about a unit per action): when documents are
    written side by side, the costliest start first, so that the processes finish together (the fiches: a page
    per action, a thousand to a document)."""
    command: str | None = None
    """Written only when this command runs (`Job.command`: « rapport », « ecomptes », « synergies »…), for what it
    asked (`Job.asked`); None: by every command that writes documents. `applies` is checked too."""
    parts: Callable[[Job], int] = one
    """How many documents it takes (a very large entity's fiches are split)."""
    applies: Callable[[Job], bool] = every
    """Whether it is written for this entity (or pair)."""
    provisional: bool = True
    """Written under a provisional name when built despite errors; False: never written then (the export to the
    Region), its last valid file kept and reported out of date."""
    pattern: str = ""
    """Pair outputs: a regular expression their file names in BUILD match in full, without suffix and provisional
    mark (« PST_conjoint_.+ »), to find those earlier builds wrote for pairs this build no longer writes;
    empty: never looked for (each year's annual report is kept)."""
    files: Callable[[Job], list[str]] | None = None
    """The files it writes, by name under the entity's folder (« retours/Travaux.xlsx »), when they are not its
    stem and parts: one per part; the folder of the first holds only this output's files. A part may be a folder
    (the site): `write` creates it at the path it is given, and it replaces the previous folder whole."""

    def __post_init__(self):
        if (self.write is None) == (self.write_all is None):
            raise ValueError(f"output {self.name!r}: give `write` or `write_all`, one of them")

    @property
    def together(self) -> bool:
        """Its parts are written by one call (`write_all`), in one process."""
        return self.write_all is not None

    def wanted(self, job: Job) -> bool:
        """Written for this job: asked by the command being run (when it belongs to one), and it applies."""
        return (self.command is None or self.command == job.command) and self.applies(job)


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


def final_paths(output: Output, job: Job, folder: Path) -> list[Path]:
    """Every file of the output as a build without errors writes them (the site: its folder and its archive)."""
    if output.files is not None:
        return [folder / name for name in output.files(job)]
    return [final_path(output, job, folder)]


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
        if own in written:  # a folder written whole (the site) replaced the previous one whole
            return []
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
