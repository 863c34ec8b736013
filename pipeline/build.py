"""Build: runs the stages in order for each entity of DATA, then writes the documents.

load → normalize → validate → model → render. An entity with errors gets no document (its previous document,
if any, is left untouched and reported as out of date); the others are built. Synergy cross-references are
written for every pair of entities that name each other in « Synergie avec ».
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from . import contract as c
from .findings import Finding, count_by_severity, finding, phrase
from .load import ConfigurationError, LoadedEntity, Table, load_entity
from .model import CrossReference, Entity, build_entity, cross_reference, select, synergy_partners
from .normalize import display_options, list_values, normalize_table, read_parameters, recover_lost_zeros
from .report import REPORT_NAME, write_validation_report
from .state import assign_references, save_state
from .french import shorten
from .render import (FICHES_TEMPLATE, PST_TEMPLATE, SYNERGIES_TEMPLATE, TemplateProblem, fiches_context, pst_context,
                     render_document, synergies_context)
from .validate import (Sheet, accepted, budget_lines, long_entity_name, missing_required_values, numbering_gaps, operational_codes, operational_without_actions,
                       rejected_rows, validate_actions, validate_frame, values_outside_lists)


RowKey = tuple[str, str, int]


@dataclass
class Failure:
    """Why an entity (or a cross-reference) got no document although the build went on for the others: unusable
    input or configuration (exit code 2: a broken Word template, a document open in Word, a damaged state file)
    or a bug of ours (3: `details` holds the traceback, for <BUILD>/erreur-interne.log)."""

    exit_code: int
    message: str
    details: str = ""

    @property
    def internal(self) -> bool:
        return self.exit_code == 3


def interruption(problem: BaseException) -> None:
    """Ctrl+C and exits go through; any other exception (a panic of calamine's Rust code derives from
    BaseException) is one entity's failure."""
    if isinstance(problem, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise problem


def failure_of(problem: BaseException) -> Failure:
    """The failure an exception means; to be called in its `except` block (the traceback is taken there)."""
    if isinstance(problem, (ConfigurationError, TemplateProblem)):
        return Failure(2, str(problem))
    if isinstance(problem, OSError):
        return Failure(2, f"« {problem.filename or problem} » n’a pas pu être écrit. Est-il ouvert dans Word ou "
                          "Excel ? Fermez-le et relancez (les documents déjà en place n’ont pas changé).")
    details = str(problem) if isinstance(problem, TaskFailed) else traceback.format_exc()
    return Failure(3, "erreur interne inattendue de PST builder (aucun document n’est laissé à moitié écrit) ; "
                      "transmettez le fichier erreur-interne.log du dossier de sortie à l’équipe qui maintient "
                      "l’outil.", details)


@dataclass
class EntityResult:
    """One entity after every stage but rendering: its model (when its parameters allow one), its findings and
    the accounting of its rows."""

    folder: Path
    findings: list[Finding]
    action_rows: set[RowKey] = field(default_factory=set)
    """Every non-empty row read in the services' `Actions` sheets."""
    frame_rows: set[RowKey] = field(default_factory=set)
    """Every non-empty row read in the frame's objective sheets."""
    budget_rows: set[RowKey] = field(default_factory=set)
    """Every non-empty row read in the services' `Financement` sheets."""
    refused_rows: set[RowKey] = field(default_factory=set)
    """Rows of sheets refused as a whole (a sheet-level error covers them)."""
    entity: Entity | None = None
    document: Path | None = None
    fiches: Path | None = None
    stale_document: Path | None = None
    report: Path | None = None
    held_numbers: dict[str, set[str]] = field(default_factory=dict)
    """« N° action » typed on rows rejected for an error, per volet: kept for them (not reused, not a gap)."""
    actions_read: Table | None = None
    """Every action row read, rejected ones included (to tell a withdrawn action from one with an error)."""
    accepted: tuple = ()
    """The accepted rows of the objectives, actions and budget lines (frames), for the model."""
    clock: "Stopwatch | None" = None
    failure: Failure | None = None
    """Set when the entity could not be built at all (the other entities are built as usual)."""

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def rows_read(self) -> int:
        return len(self.action_rows)

    @property
    def rows_accepted(self) -> int:
        return len(self.action_rows & self.entity.sources()) if self.entity else 0

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted

    @property
    def budget_rows_rejected(self) -> int:
        return len(self.budget_rows - self.entity.sources()) if self.entity else len(self.budget_rows)

    @property
    def label(self) -> str:
        return shorten(self.entity.name if self.entity and self.entity.name else self.folder.name, LABEL_MAX)

    def unaccounted_rows(self) -> set[RowKey]:
        """Rows neither in the document nor explained by a finding: must always be empty (« rien n’est perdu »)."""
        if self.entity is None:
            return set()  # the entity itself is refused: its parameter errors say why, for every row
        used = self.entity.sources()
        explained = {(f.file, f.sheet, f.row) for f in self.findings
                     if f.row is not None and (f.is_error or f.code in ROW_EXPLAINING_WARNINGS)}
        refused_sheets = {(f.file, f.sheet) for f in self.findings if f.is_error}
        return {key for key in self.action_rows | self.frame_rows | self.budget_rows
                if key not in used and key not in explained
                and not (key in self.refused_rows and key[:2] in refused_sheets)}


LABEL_MAX = 100
"""Characters of an entity's name in the console and the report's title."""

ROW_EXPLAINING_WARNINGS = ("ligne-hors-colonnes", "parent-rejete")
"""Warnings on rows left out of the document: read, reported, not used (the error that causes a
« parent-rejete » is counted once, on its own row)."""


def table_rows(table) -> set[RowKey]:
    return set(zip(table.frame["_file"], table.frame["_sheet"], table.frame["_row"].astype(int)))


def refused(table) -> set[RowKey]:
    return {(file, sheet, row) for (file, sheet), rows in table.refused_rows.items() for row in rows}


def rows_outside(findings: list[Finding]) -> set[RowKey]:
    """Rows with content only outside the contract's columns: read and reported, not used."""
    return {(f.file, f.sheet, f.row) for f in findings if f.code == "ligne-hors-colonnes"}


def orphans(child: Sheet, parent_keys: set, key_of, column: str, label_of) -> tuple[pd.DataFrame, list[Finding]]:
    """Rows of `child` whose parent objective was left out: left out too, each with a finding."""
    frame = child.frame
    keep = [key_of(row) in parent_keys for row in frame.to_dict("records")]
    findings = [finding("parent-rejete", value=child.raw(index, column), **child.cell(index, column),
                        parent=label_of(frame.loc[index]))
                for index, kept in zip(frame.index, keep) if not kept]
    return frame.loc[pd.Series(keep, index=frame.index, dtype=bool)], findings


class Stopwatch:
    """Seconds spent in each stage (load, normalize, validate, model, render), for `--temps` and `make bench`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def assemble(folder: Path) -> EntityResult:
    """Every stage but rendering, for one entity folder."""
    clock = Stopwatch()
    with clock.stage("load"):
        loaded: LoadedEntity = load_entity(folder)
    with clock.stage("normalize"):
        findings = list(loaded.findings)
        parameters, found = read_parameters(loaded.parameters)
        findings += found
        sheets = {}
        for name, table in (("strategic", loaded.strategic), ("operational", loaded.operational),
                            ("actions", loaded.actions), ("finances", loaded.finances)):
            frame, found = normalize_table(table)
            findings += found
            sheets[name] = Sheet(table, frame)
        strategic, operational, actions, finances = (sheets[k] for k in ("strategic", "operational", "actions",
                                                                         "finances"))
        options, found = display_options(parameters)
        findings += found
        findings += recover_lost_zeros(actions.frame, actions.table,
                                       {v: set(codes) for v, codes in operational_codes(operational).items()})
    with clock.stage("validate"):
        result = validated(folder, loaded, findings, parameters, strategic, operational, actions, finances, options)
    with clock.stage("model"):
        modelled(result, folder, loaded, parameters, options)
    result.clock = clock
    return result


def validated(folder, loaded, findings, parameters, strategic, operational, actions, finances, options):
    """The validation rules, then the accepted rows (a row whose parent objective or action is rejected is
    rejected too) and the row accounting."""
    findings += long_entity_name(parameters.values, parameters.positions)
    findings += validate_frame(strategic, operational)
    findings += validate_actions(actions, operational, parameters.values.get("code", ""))
    findings += values_outside_lists(actions, list_values(loaded.lists))
    findings += missing_required_values(finances) + budget_lines(finances, actions,
                                                                 parameters.values.get("legislature", ""))
    rejected = rejected_rows(findings)

    strategic_ok = accepted(strategic, rejected)
    operational_ok, found = orphans(
        Sheet(operational.table, accepted(operational, rejected)),
        set(zip(strategic_ok["volet"], strategic_ok["number"])),
        lambda row: (row["volet"], int(row["code"].split(".")[0])), "code",
        lambda row: phrase("parent-os", number=row["code"].split(".")[0], volet=row["volet"]))
    findings += found
    actions_ok, found = orphans(
        Sheet(actions.table, accepted(actions, rejected)),
        set(zip(operational_ok["volet"], operational_ok["code"])),
        lambda row: (row["volet"], row["oo_code"]), "oo_code",
        lambda row: phrase("parent-oo", code=row["oo_code"], volet=row["volet"]))
    findings += found
    finances_ok, found = orphans(
        Sheet(finances.table, accepted(finances, rejected)),
        {c.code_key(r) for r in actions_ok["reference"] if r},
        lambda row: c.code_key(row["reference"]), "reference",
        lambda row: phrase("parent-action", reference=row["reference"]))
    findings += found
    findings += numbering_gaps(strategic, operational)
    findings += operational_without_actions(Sheet(operational.table, operational_ok), actions_ok)

    outside = rows_outside(findings)
    parameter_sheets = {sheet for _, sheet in loaded.parameters.letters}
    result = EntityResult(
        folder, findings,
        action_rows=table_rows(loaded.actions) | refused(loaded.actions)
        | {key for key in outside if key[0] != loaded.cadre_name},
        frame_rows=table_rows(loaded.strategic) | table_rows(loaded.operational)
        | refused(loaded.strategic) | refused(loaded.operational)
        | {key for key in outside if key[0] == loaded.cadre_name and key[1] not in parameter_sheets},
        budget_rows=table_rows(loaded.finances) | refused(loaded.finances),
        refused_rows=refused(loaded.actions) | refused(loaded.strategic) | refused(loaded.operational)
        | refused(loaded.finances),
    )
    result.actions_read = loaded.actions
    result.accepted = (strategic_ok, operational_ok, actions_ok, finances_ok)
    result.held_numbers = held_numbers(actions.frame.loc[~actions.frame.index.isin(actions_ok.index)])
    return result


def held_numbers(rejected: pd.DataFrame) -> dict[str, set[str]]:
    """The « N° action » of rejected rows, per volet: once corrected, the row comes back with its number."""
    held: dict[str, set[str]] = {}
    for volet, number in zip(rejected["volet"], rejected["number"]):
        if volet in c.VOLET_ORDER and number:
            held.setdefault(volet, set()).add(str(number))
    return held


def modelled(result: EntityResult, folder: Path, loaded: LoadedEntity, parameters, options) -> None:
    """The hierarchy, when the parameters allow one; then the safety net of the row accounting."""
    if any(f.is_error for f in found_parameters(result.findings)):
        return
    entity, notes = build_entity(folder.name, parameters.values, *result.accepted[:3], loaded.actions.letters,
                                 result.accepted[3], options, result.held_numbers)
    result.entity = entity
    result.findings += notes
    result.findings += [finding("ligne-non-reprise", file=file, sheet=sheet, row=row)
                        for file, sheet, row in sorted(result.unaccounted_rows())]


def found_parameters(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.sheet == c.PARAMETERS_SHEET.name or f.code == "parametre-absent"]


def safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-") or "PST"


PROVISIONAL_SUFFIX = "_PROVISOIRE"
"""Added to the names of documents built despite errors: the last valid PST stays beside them, and a
provisional one is never taken for it."""


def document_path(build: Path, result: EntityResult, provisional: bool = False) -> Path:
    entity = result.entity
    suffix = PROVISIONAL_SUFFIX if provisional else ""
    return build / result.folder.name / f"PST_{safe_name(entity.code)}_{safe_name(entity.legislature)}{suffix}.docx"


def remove_provisional(folder: Path, stems: list[str]) -> None:
    """After a build without errors, the provisional documents (and their PDF) of earlier builds are gone."""
    for stem in stems:
        for old in folder.glob(f"{stem}{PROVISIONAL_SUFFIX}*"):
            if old.suffix in (".docx", ".pdf"):
                old.unlink(missing_ok=True)


def fiches_stem(entity: Entity, provisional: bool = False) -> str:
    return f"Fiches_actions_{safe_name(entity.code)}{PROVISIONAL_SUFFIX if provisional else ''}"


def synergy_annexes(entity: Entity) -> list[tuple[str, list]]:
    return [(code, select(entity, lambda a, code=code: code in a.synergy_with)) for code in synergy_partners(entity)]


def partner_types(results: list[EntityResult]) -> dict[str, str]:
    return {r.entity.code: r.entity.type for r in results if r.entity and r.entity.code}


def partner_names(results: list[EntityResult]) -> dict[str, str]:
    return {r.entity.code: r.entity.name for r in results if r.entity and r.entity.code}


def render_entity(result: EntityResult, build: Path, names: dict[str, str], today: dt.date,
                  despite_errors: bool = False, types: dict[str, str] | None = None, jobs: int = 1) -> None:
    """The entity's validation report, always; its PST and fiches when it has no errors (or despite them, on
    request).

    `jobs` > 1: the PST and the fiches are written side by side in that many processes (one entity built alone on
    a machine with several cores)."""
    with (result.clock or Stopwatch()).stage("render"):
        write_documents(result, build, names, today, despite_errors, types or {}, jobs)


def write_documents(result: EntityResult, build: Path, names: dict[str, str], today: dt.date,
                    despite_errors: bool, types: dict[str, str], jobs: int = 1) -> None:
    folder = build / result.folder.name
    result.report = write_validation_report(result.findings, folder / REPORT_NAME, result.label)  # always, first
    if result.entity is None:
        return
    final = document_path(build, result)
    result.stale_document = final if result.has_errors and final.exists() else None
    if result.has_errors and not despite_errors:
        return
    destination = document_path(build, result, provisional=result.has_errors)
    provisional = {"errors": result.errors, "rejected": result.rows_rejected + result.budget_rows_rejected,
                   "report": REPORT_NAME} if result.has_errors else None
    entity = result.entity

    def pst(into: Path) -> Path:
        context = pst_context(entity, synergy_annexes(entity), names, today, provisional, types)
        return render_document(PST_TEMPLATE, context, into)

    fiches, stale_parts = fiches_documents(entity, folder, names, today, provisional)
    jobs = jobs if len(entity.actions()) <= SIDE_BY_SIDE_MAX_ACTIONS else 1
    write_together([*fiches, (destination, pst)], jobs)  # the longest first: fiches are a page per action
    for old in stale_parts:
        old.unlink(missing_ok=True)
    if provisional is None:
        remove_provisional(folder, [destination.stem, fiches_stem(entity)])
    result.fiches, result.document = fiches[0][0], destination


SIDE_BY_SIDE_MAX_ACTIONS = 5000
"""Beyond, an entity's documents are written one after another: the PST of a very large (synthetic or regional)
entity alone takes more than a gigabyte while it is rendered, and with the fiches beside it 30,000 actions would
need more than 2 GB (make bench)."""

FICHES_PER_DOCUMENT = 1000
"""A real PST has 170 to 550 actions: one document of fiches. Beyond 1,000 fiches (a synthetic or regional
batch), they are split into documents of 1,000, in the PST's order, so that memory stays bounded."""


def fiches_documents(entity: Entity, folder: Path, names: dict[str, str], today: dt.date,
                     provisional: dict | None) -> tuple[list, list[Path]]:
    """The documents of fiches, as (path, render into a given path): Fiches_actions_<Code>.docx, or
    Fiches_actions_<Code>_1.docx, _2… for very large entities; and the older parts a smaller build no longer
    writes (removed once the new ones are in place)."""
    total = len(entity.actions())
    starts = list(range(0, total, FICHES_PER_DOCUMENT)) or [0]
    stem = fiches_stem(entity, provisional is not None)
    paths = [folder / f"{stem}.docx"] if len(starts) == 1 else [folder / f"{stem}_{n}.docx"
                                                                for n in range(1, len(starts) + 1)]

    def renderer(start: int):
        def render(into: Path) -> Path:
            context = fiches_context(entity, names, today, provisional, start, start + FICHES_PER_DOCUMENT)
            return render_document(FICHES_TEMPLATE, context, into)
        return render

    stale = [old for old in folder.glob(f"{stem}*.docx") if old not in paths]
    return [(path, renderer(start)) for path, start in zip(paths, starts)], stale


def write_together(documents: list, jobs: int) -> None:
    """Render each (path, render) into a file beside its path, in `jobs` processes, and move them all into place
    only when every one succeeded: a failed build changes no document, and the PST and its fiches always come
    from the same build."""
    staged = [path.with_name(f".~{path.name}") for path, _ in documents]
    try:
        run_tasks([partial(render, into) for (_, render), into in zip(documents, staged)], jobs)
        for (path, _), into in zip(documents, staged):
            os.replace(into, path)
    finally:
        for into in staged:
            into.unlink(missing_ok=True)


TASKS: list = []
"""The tasks `run_tasks` hands to its forked processes: they inherit them, nothing is pickled on the way in."""


class TaskFailed(Exception):
    """An unexpected error in a forked task, with its traceback as text: any exception can cross back this way
    (some cannot be pickled, or rebuilt from their arguments)."""


def run_task(index: int):
    try:
        return TASKS[index]()
    except (TemplateProblem, OSError):
        raise  # reported to the user as such (a broken template, a document open in Word)
    except Exception:
        raise TaskFailed(traceback.format_exc()) from None


def run_tasks(tasks: list, jobs: int) -> list:
    """Call every task (a function without arguments); in `jobs` forked processes when there are several.

    Results come back in the tasks' order; a task's exception is raised here, as if it had run in this process."""
    global TASKS
    if jobs <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    TASKS = tasks
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(run_task, range(len(tasks))))
    finally:
        TASKS = []


def check_institutions(results: list[EntityResult]) -> None:
    """« Synergie avec » naming no institution known to this build: a warning naming the cell and the known ones.

    Known: the codes of the entities in DATA. With a single entity there is nothing to compare with."""
    known = {r.entity.code for r in results if r.entity and r.entity.code}
    if len(known) < 2:
        return
    listed = ", ".join(sorted(known))
    for result in results:
        if result.entity is None:
            continue
        for action in result.entity.actions():
            for code in action.synergy_with:
                if code not in known:
                    result.findings.append(finding(
                        "synergie-inconnue", file=action.source.file, sheet=action.source.sheet,
                        row=action.source.row, column=action.source.letters.get("synergy_with", ""),
                        header=c.ACTIONS_SHEET.column("synergy_with").header, value=code, known=listed))


@dataclass
class CrossReferenceResult:
    xref: CrossReference
    document: Path | None
    failure: Failure | None = None


def entity_order(entity: Entity) -> tuple:
    """Commune or Ville before CPAS, then by code: « Synergies_VILLE_CPAS »."""
    return (entity.is_cpas, entity.code)


def cross_references(results: list[EntityResult], build: Path, today: dt.date) -> list[CrossReferenceResult]:
    built = sorted((r.entity for r in results if r.document), key=entity_order)
    written = []
    for i, left in enumerate(built):
        for right in built[i + 1:]:
            if right.code in synergy_partners(left) or left.code in synergy_partners(right):
                xref = cross_reference(left, right)
                path = build / f"Synergies_{safe_name(left.code)}_{safe_name(right.code)}.docx"
                try:
                    render_document(SYNERGIES_TEMPLATE, synergies_context(xref, today), path)
                    written.append(CrossReferenceResult(xref, path))
                except Exception as problem:
                    written.append(CrossReferenceResult(xref, None, failure_of(problem)))
    return written


@dataclass
class BuildReport:
    results: list[EntityResult] = field(default_factory=list)
    cross_references: list[CrossReferenceResult] = field(default_factory=list)
    despite_errors: bool = False

    @property
    def exit_code(self) -> int:
        """0 when every entity got its document (despite errors, if asked), 1 otherwise; 2 or 3 when an entity
        or a cross-reference failed (the highest wins)."""
        failures = [item.failure.exit_code for item in (*self.results, *self.cross_references) if item.failure]
        return max([0 if all(r.document for r in self.results) else 1, *failures])

    def failures(self) -> list[tuple[str, Failure]]:
        """(what, failure) for each entity or cross-reference that failed."""
        return ([(f"le PST de {r.label}", r.failure) for r in self.results if r.failure]
                + [(f"le document des synergies {x.xref.left.code} & {x.xref.right.code}", x.failure)
                   for x in self.cross_references if x.failure])

    def counts(self) -> dict[str, int]:
        return count_by_severity([f for r in self.results for f in r.findings])


def prepared(folder: Path, build: Path) -> EntityResult:
    """Phase 1 for one entity (in a worker process when several entities are built): every stage but the
    documents, then the stable references. Returns the result without its raw tables (lighter to send back)."""
    try:
        result = assemble(folder)
        assign_references(result, build)
    except BaseException as problem:  # one entity's failure never hides the others
        interruption(problem)
        return EntityResult(folder, [], failure=failure_of(problem), stale_document=previous_document(build, folder))
    result.actions_read, result.accepted = None, ()
    return result


def rendered(result: EntityResult, build: Path, names: dict[str, str], types: dict[str, str], today: dt.date,
             despite_errors: bool, jobs: int = 1) -> EntityResult:
    """Phase 2 for one entity: its documents (in `jobs` processes), and the state of the build when it has no
    errors."""
    if result.failure:
        return result
    try:
        render_entity(result, build, names, today, despite_errors, types, jobs)
        if result.document and not result.has_errors:
            save_state(result, build, today)
    except BaseException as problem:  # one entity's failure never hides the others
        interruption(problem)
        result.failure = failure_of(problem)
        result.document = result.fiches = None
        result.stale_document = previous_document(build, result.folder)
    return result


def previous_document(build: Path, folder: Path) -> Path | None:
    """The PST an earlier build wrote for this entity folder, left in place by a failed build (out of date)."""
    return next((path for path in sorted((build / folder.name).glob("PST_*.docx"))
                 if PROVISIONAL_SUFFIX not in path.stem), None)


def lost_in_process(item: tuple, problem: BaseException) -> EntityResult:
    """An entity whose rendering process died: its result as it was before, with the failure."""
    result = item[0]
    result.failure = failure_of(problem)
    return result


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_all(function, items: list, jobs: int, done=None, failed=None) -> list:
    """`function` on every item, in `jobs` processes when there are several items, in order; `done(i, value)`
    is called as each one finishes (progress lines). `failed(item, exception)` gives the value of an item whose
    process died (`function` itself is expected to catch its own errors)."""
    if jobs <= 1 or len(items) <= 1:
        values = []
        for index, item in enumerate(items):
            values.append(function(*item))
            if done:
                done(index, values[-1])
        return values
    values: list = [None] * len(items)
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=multiprocessing.get_context("fork")) \
            as pool:
        futures = {pool.submit(function, *item): index for index, item in enumerate(items)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                values[index] = future.result()
            except Exception as problem:  # the process itself died (killed for lack of memory…)
                if failed is None:
                    raise
                values[index] = failed(items[index], problem)
            if done:
                done(index, values[index])
    return values


def build_all(folders: list[Path], build: Path, today: dt.date | None = None, despite_errors: bool = False,
              jobs: int = 1, progress=None) -> BuildReport:
    """Every entity of DATA, in `jobs` processes; `progress(done, total, result)` after each entity's documents."""
    today = today or dt.date.today()
    results = run_all(prepared, [(folder, build) for folder in folders], jobs,
                      failed=lambda item, problem: EntityResult(item[0], [], failure=failure_of(problem)))
    check_institutions(results)
    names, types = partner_names(results), partner_types(results)
    finished = iter(range(1, len(results) + 1))
    # Cores left over when there are fewer entities than processes write each entity's documents side by side.
    inner = max(1, jobs // len(results)) if results else 1
    results = run_all(rendered, [(r, build, names, types, today, despite_errors, inner) for r in results], jobs,
                      (lambda index, result: progress(next(finished), len(results), result)) if progress else None,
                      failed=lost_in_process)
    report = BuildReport(results, despite_errors=despite_errors)
    report.cross_references = cross_references(report.results, build, today)
    return report
