"""Build: runs the stages in order for each entity of DATA, then writes the documents.

load → normalize → validate → (the last build's state) → model → outputs. An entity with errors gets no document (its previous document,
if any, is left untouched and reported as out of date); the others are built. Synergy cross-references are
written for every pair of entities that name each other in « Synergie avec ».
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import outputs, parallel, state
from .findings import Finding, count_by_severity, finding, said
from .frame import Frame, Stopwatch, read_frame
from .french import long_date, shorten
from .atomic import discard, finished_document, lock_file, put_in_place
from .origin import claim
from .load import ConfigurationError, load_services
from .model import Entity, build_entity
from .normalize import normalize_table, recover_lost_zeros
from .outputs import DEFAULT_COMMAND, Job, Output, Written
from .problems import TemplateProblem
from .state import save_state
from .evaluation import Evaluation, baseline
from .synergy import Absent, CrossReference, cross_reference, paired_entities, records
from .versions import Modifications, load_versions, modifications, reference_version
from .validate import (Sheet, accepted_rows, budget_lines, duplicate_codes, evaluation_date, export_rules, export_year,
                       held_numbers, joint_frames, missing_required_values, missing_workbooks, operational_codes,
                       operational_without_actions, unknown_institutions, validate_actions, values_outside_lists)

parallel.expect(ConfigurationError, TemplateProblem)


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
        return Failure(2, said("not-written", path=problem.filename or problem))
    details = str(problem) if isinstance(problem, parallel.TaskFailed) else traceback.format_exc()
    return Failure(3, said("failure-internal"), details)


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
    written: list[Written] = field(default_factory=list)
    """The documents this build wrote for the entity (the validation report first)."""
    stale: list[Path] = field(default_factory=list)
    """Documents of an earlier build left in place, no longer up to date (the entity has errors, or failed)."""
    withheld: list[str] = field(default_factory=list)
    """Outputs the command asked for (Output.command) that the entity's errors kept from being written, even
    despite errors (they have no provisional form: the site, the e-Comptes export)."""
    held_numbers: dict[str, set[str]] = field(default_factory=dict)
    """« N° action » typed on rows rejected for an error, per volet: kept for them (not reused, not a gap)."""
    accepted: tuple = ()
    """The accepted rows of the objectives, actions and budget lines (frames), for the model."""
    clock: "Stopwatch | None" = None
    failure: Failure | None = None
    """Set when the entity could not be built at all (the other entities are built as usual)."""
    adopted: list = field(default_factory=list)
    """(number, séance) of each adopted version, oldest first: empty while the PST is a draft."""
    absent: Absent = field(default_factory=Absent)
    """What of the entity is not in its document (for the partner's synergy messages)."""
    modifications: Modifications | None = None
    """What changed since the adopted version the modifications are counted from."""
    baseline: dict | None = None
    """That adopted version's figures, for the rapport d'exécution (evaluation.baseline)."""
    unknown_since: bool = False
    """The séance modifications are to be counted from (DEPUIS=) is not one of its adopted versions."""
    exercice: int | None = None
    """The budget year of its e-Comptes export, when one is asked for (make ecomptes)."""
    last_reference: int = 0
    """The highest Réf. number ever given to the entity, this build's included (state.Plan)."""
    recorded: dict | None = None
    """What its state will record (state.state_record), made while its documents are written; None once saved."""

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    def paths(self, output: str) -> list[Path]:
        return [w.path for w in self.written if w.output == output]

    @property
    def document(self) -> Path | None:
        """The main document this build wrote (the PST, provisional or not: Output.main): what the exit code and
        the PDF are about."""
        main = outputs.main_output(outputs.ENTITY)
        return next(iter(self.paths(main.name)), None) if main else None

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
                     if f.row is not None and (f.is_error or f.explains_row)}
        refused_sheets = {(f.file, f.sheet) for f in self.findings if f.is_error}
        return {key for key in self.action_rows | self.frame_rows | self.budget_rows
                if key not in used and key not in explained
                and not (key in self.refused_rows and key[:2] in refused_sheets)}


LABEL_MAX = 100
"""Characters of an entity's name in the console and the report's title."""

def table_rows(table) -> set[RowKey]:
    frame = table.frame  # columns as lists: pandas hands out a text array's cells one Python call each
    return set(zip(frame["_file"].tolist(), frame["_sheet"].tolist(), frame["_row"].astype(int).tolist()))


def refused(table) -> set[RowKey]:
    return {(file, sheet, row) for (file, sheet), rows in table.refused_rows.items() for row in rows}


def rows_outside(findings: list[Finding]) -> set[RowKey]:
    """Rows with content only outside the contract's columns: read and reported, not used (Finding.outside_table)."""
    return {(f.file, f.sheet, f.row) for f in findings if f.outside_table}


def assemble(folder: Path, build: Path | None = None, since: dt.date | None = None,
             export: bool = False, check_only: bool = False, jobs: int = 1) -> EntityResult:
    """Every stage but the documents, for one entity folder: load → normalize → validate → (the last build's
    state, kept beside the data, and the adopted versions) → model. `build`: where an earlier version of PST
    builder kept the state (taken over once). `since`: the séance of the adopted version the modifications are
    counted from (default: the last one; one that was never adopted is said in `unknown_since`); `export`: the
    e-Comptes export is asked for (its own rules apply: make ecomptes); `check_only`: nothing will be recorded
    (make verifier); `jobs`: processes the services' workbooks may be read in (load_services)."""
    clock = Stopwatch()
    frame = read_frame(folder, clock)
    recorded = state.StateFile(state.state_path(folder))
    with clock.stage("load"):
        # The writers' libraries imported and the last build's state read while other processes read the
        # workbooks (import_writers, state.StateFile).
        actions_table, finances_table, found, files = load_services(
            folder, frame.loaded.operational, jobs,
            meanwhile=lambda: (import_writers(not check_only), recorded.read()))
        adopted = load_versions(folder)
        reference = reference_version(adopted, since)
    findings = frame.findings + found
    findings += missing_workbooks(adopted[-1] if adopted else None, files, frame.lists.get("services", ()),
                                  state.file_key)
    with clock.stage("normalize"):
        sheets = []
        for table in (actions_table, finances_table):
            normalized, found = normalize_table(table)
            findings += found
            sheets.append(Sheet(table, normalized))
        actions, finances = sheets
        findings += recover_lost_zeros(actions.frame, actions.table,
                                       {v: set(codes) for v, codes in operational_codes(frame.operational).items()})
    with clock.stage("validate"):
        result = validated(frame, actions, finances, findings, bool(files))
    with clock.stage("model"):
        modelled(result, frame, actions, build, adopted, not check_only, recorded)
        if result.entity is not None and reference is not None:
            result.modifications = modifications(reference, result.entity)
            result.baseline = baseline(reference)
        if export and result.entity is not None:
            result.findings += export_rules(result.entity, frame.parameters.values, frame.parameters.positions,
                                            frame.loaded.cadre_name)
    result.adopted = [(version.number, version.seance) for version in adopted]
    result.unknown_since = since is not None and reference is None
    result.clock = clock
    return result


def import_writers(documents: bool) -> None:
    """openpyxl, for the validation report and the feedback copies (0.05 s), and the renderer's libraries when
    documents will be written (python-docx, docxtpl, Jinja: 0.1 s): imported while other processes read the
    workbooks, rather than after, when this process alone works."""
    importlib.import_module(".workbooks", __package__)
    if documents:
        importlib.import_module(".render", __package__)


def validated(frame: Frame, actions: Sheet, finances: Sheet, findings: list[Finding],
              any_workbook: bool = True) -> EntityResult:
    """The rules on the actions and budget lines, the accepted rows, and the accounting of every row read.
    `any_workbook`: a service workbook was found (without any, one warning says so, not one per OO)."""
    parameters = frame.parameters.values
    findings += validate_actions(actions, frame.operational, parameters.get("code", ""))
    findings += values_outside_lists(actions, frame.lists)
    findings += missing_required_values(finances) + budget_lines(finances, actions, parameters.get("legislature", ""))
    accepted, found = accepted_rows(frame.strategic, frame.operational, actions, finances, findings)
    findings += found
    findings += operational_without_actions(Sheet(frame.operational.table, accepted[1]), accepted[2], any_workbook)

    loaded = frame.loaded
    outside = rows_outside(findings)
    parameter_sheets = {sheet for _, sheet in loaded.parameters.letters}
    result = EntityResult(
        frame.folder, findings,
        action_rows=table_rows(actions.table) | refused(actions.table)
        | {key for key in outside if key[0] != loaded.cadre_name},
        frame_rows=table_rows(loaded.strategic) | table_rows(loaded.operational)
        | refused(loaded.strategic) | refused(loaded.operational)
        | {key for key in outside if key[0] == loaded.cadre_name and key[1] not in parameter_sheets},
        budget_rows=table_rows(finances.table) | refused(finances.table),
        refused_rows=refused(actions.table) | refused(loaded.strategic) | refused(loaded.operational)
        | refused(finances.table),
    )
    result.accepted = accepted
    rejected = actions.frame.loc[~actions.frame.index.isin(accepted[2].index)]
    result.held_numbers = held_numbers(rejected)
    result.absent = Absent.of(zip(rejected["synergy_code"], rejected["_file"], rejected["_row"]),
                              (f.file for f in findings if f.is_error and f.row is None and f.file
                               and f.file != loaded.cadre_name and not f.file.endswith("/")))
    return result


def modelled(result: EntityResult, frame: Frame, actions: Sheet, build: Path | None, adopted: list,
             recording: bool = True, recorded: state.StateFile | None = None) -> None:
    """The hierarchy, when the parameters allow one, numbered once: the Réf. of the last build's state, the
    numbers of the adopted versions (a draft is numbered in the document's order); then the safety net of the
    row accounting. `recording`: the build will record its state (not make verifier); `recorded`: the entity's
    state file, when read ahead."""
    if frame.parameters_refused:
        return
    strategic_ok, operational_ok, actions_ok, finances_ok = result.accepted
    code = frame.parameters.values.get("code", "")
    previous, notes = state.previous_state(frame.folder, build, adopted, code, recorded)
    result.findings += notes
    plan = state.plan(previous, actions_ok, actions.table, code, frame.options.hierarchical, result.held_numbers,
                      adopted, recording)
    result.findings += plan.findings
    result.last_reference = plan.last_reference
    entity, notes = build_entity(frame.folder.name, frame.parameters.values, strategic_ok, operational_ok,
                                 plan.apply(actions_ok), actions.table.letters, finances_ok, frame.options,
                                 plan.reserved, adopted=bool(adopted))
    entity.people = frame.people
    entity.plan_order = frame.lists.get("plans", ())
    entity.joint_cell = frame.parameters.positions.get("joint_with", {})
    entity.code_cell = frame.parameters.positions.get("code", {})
    result.entity = entity
    result.findings += notes
    result.findings += [finding("ligne-non-reprise", file=file, sheet=sheet, row=row)
                        for file, sheet, row in sorted(result.unaccounted_rows())]


# --- Documents ---------------------------------------------------------------------------------------------------
SIDE_BY_SIDE_MAX_ACTIONS = 5000
"""Beyond, an entity's documents are written one after another: the PST of a very large (synthetic or regional)
entity alone takes more than a gigabyte while it is rendered, and with the fiches beside it 30,000 actions would
need more than 2 GB (make bench)."""


def partners(results: list[EntityResult]) -> dict[str, dict]:
    """Code → {name, type, synergies, folder, valid} of every entity of DATA with a model: the institutions
    documents name, and their actions carried out with others (synergy.records: a PST's annex and a rapport pair
    them); its folder's name in DATA (and BUILD) and whether it has no errors (its documents are written: the site
    links the partner's site)."""
    return {r.entity.code: {"name": r.entity.name, "type": r.entity.type,
                            "synergies": records(r.entity), "folder": r.folder.name, "valid": not r.has_errors}
            for r in results if r.entity and r.entity.code}


def provisional_mark(results: list[EntityResult]) -> dict | None:
    """Job.provisional for documents made of these entities: None when none has errors."""
    errors = [r for r in results if r.has_errors]
    return outputs.provisional_mark(sum(r.errors for r in errors),
                                    sum(r.rows_rejected + r.budget_rows_rejected for r in errors)) if errors else None


def entity_job(result: EntityResult, partners_: dict[str, dict], today: dt.date,
               evaluation: Evaluation | None = None, command: str = DEFAULT_COMMAND,
               asked: dict | None = None) -> Job:
    return Job(today, partners_, provisional_mark([result]), entity=result.entity, label=result.label,
               findings=result.findings, source=result.folder,
               adopted=result.adopted, modifications=result.modifications, evaluation=evaluation,
               baseline=result.baseline, exercice=result.exercice, command=command, asked=dict(asked or {}))


def write_entity_documents(result: EntityResult, build: Path, partners_: dict[str, dict], today: dt.date,
                           despite_errors: bool = False, jobs: int = 1, check_only: bool = False,
                           evaluation: Evaluation | None = None, command: str = DEFAULT_COMMAND,
                           asked: dict | None = None, reported=None) -> None:
    """The entity's validation report, always and first; its other documents when it has no errors (or despite
    them, on request, under provisional names). `jobs` > 1: the documents are written side by side (one entity
    built alone on a machine with several cores). `command`, `asked`: the command being run and its options
    (Job.command, Job.asked). `reported(result)`, when given, is called once the report and the services' feedback
    are in place, before the documents are written (make suivre prints the verdict then)."""
    folder = build / result.folder.name
    job = entity_job(result, partners_, today, evaluation, command, asked)
    entity_outputs = [o for o in outputs.registry() if o.scope == outputs.ENTITY]

    def write_always() -> None:
        """The outputs written even with errors (the validation report), each moved into place on its own; then
        `reported`."""
        for output in entity_outputs:
            if output.always and output.wanted(job):
                result.written += write_together([(output, job, folder)], 1)
        if reported is not None:
            reported(result)

    if result.entity is None or check_only:
        write_always()
        return
    documents = [o for o in entity_outputs if not o.always and o.wanted(job)]
    result.stale = [path for o in documents for path in outputs.final_paths(o, job, folder) if path.exists()] \
        if result.has_errors else []
    result.withheld = [o.name for o in documents if o.command is not None] if result.has_errors else []
    if result.has_errors and not despite_errors:
        write_always()
        return
    # Despite errors: the provisional documents, never an output that has no provisional form (the e-Comptes
    # export): its last valid file stays out of date.
    written = [o for o in documents if o.provisional or not result.has_errors]
    jobs = jobs if len(result.entity.actions()) <= SIDE_BY_SIDE_MAX_ACTIONS else 1
    # The validation report first (written by write_always into result.written), kept whatever becomes of the
    # documents — by this process while the others write the documents, when they are written side by side.
    def meanwhile() -> None:
        """The report, then — the documents will be recorded when they are written without errors — what the
        state will record (save_state, after them)."""
        write_always()
        if not result.has_errors:
            result.recorded = state.state_record(result, build, today)

    documents_written = write_together([(output, job, folder) for output in written], jobs, meanwhile=meanwhile)
    result.written += documents_written
    result.stale = [path for o in documents if o not in written for path in outputs.final_paths(o, job, folder)
                    if path.exists()]
    result.withheld = [o.name for o in documents if o not in written and o.command is not None]


def write_together(planned: list[tuple[Output, Job, Path]], jobs: int, meanwhile=None) -> list[Written]:
    """Write every part of every (output, job, folder) into a file beside its destination — in `jobs` processes,
    the costliest first — and move them all into place only when every one succeeded: a failed build changes no
    document, and the documents of one build always come from that build. Then the leftovers of earlier builds
    (parts no longer written; after a build without errors, the provisional documents) are removed.
    `meanwhile()`: this process's own work, done first — while the other processes write, when they do — and
    done even when the documents cannot be written (one is open in Word)."""
    try:
        tasks, moves = staged_tasks(planned)
    except BaseException:
        if meanwhile:
            meanwhile()
        raise
    for folder in {path.parent for *_, path, _ in moves} | {folder for _, _, folder in planned}:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        parallel.run(outputs.write_parts, tasks, jobs, meanwhile=meanwhile)
        for _, _, _, path, staged in moves:
            put_in_place(staged, path)
    finally:
        for *_, staged in moves:
            discard(staged)
    written = [Written(output.name, path, bool(job.provisional) and not output.always)
               for output, job, _, path, _ in moves]
    paths = [w.path for w in written]
    for output, job, folder in planned:
        for old in outputs.leftovers(output, job, folder, paths):
            old.unlink(missing_ok=True)
    return written


def staged_tasks(planned: list[tuple[Output, Job, Path]]) -> tuple[list, list]:
    """The tasks of write_together, the costliest first, and the moves (output, job, folder, path, staged) that
    put their files in place; raises ConfigurationError when a document is open in Word."""
    tasks, moves, costs = [], [], {}
    for output, job, folder in planned:
        for part, path in enumerate(outputs.paths(output, job, folder)):
            if (lock := lock_file(path)) is not None:
                raise ConfigurationError(open_document(path, lock))
            staged = path.with_name(f".~{path.name}")
            discard(staged)  # left by an interrupted build
            if output.together and part:
                tasks[-1][2].append((part, staged))  # with its first part, in the same process (Output.write_all)
            else:
                tasks.append((output.name, job, [(part, staged)]))
            costs[id(tasks[-1])] = costs.get(id(tasks[-1]), 0) + output.cost(job, part)
            moves.append((output, job, folder, path, staged))
    tasks.sort(key=lambda task: -costs[id(task)])  # the costliest first (Output.cost): the processes end together
    return tasks, moves


def open_document(path: Path, lock: Path) -> str:
    return said("document-open", path=path, lock=lock.name)


@dataclass
class CrossReferenceResult:
    """The documents of two entities that name each other (synergies, joint PST)."""

    xref: CrossReference
    written: list[Written] = field(default_factory=list)
    failure: Failure | None = None
    joint: bool = False
    """The frames name each other in « PST conjoint avec »."""
    waiting: list[str] = field(default_factory=list)
    """The entities without a document (errors): no pair document is written until they have one."""
    stale: list[Path] = field(default_factory=list)
    """Pair documents of an earlier build left in place (out of date) because a side has no document."""

    @property
    def document(self) -> Path | None:
        return self.written[0].path if self.written else None

    @property
    def label(self) -> str:
        return f"{self.xref.left.name} & {self.xref.right.name}"


@dataclass
class Pair:
    """Two entities of DATA that name each other, paired once per build: their places among the build's results,
    and their cross-reference."""

    left: int
    right: int
    xref: CrossReference
    joint: bool
    """The frames name each other in « PST conjoint avec »."""


def pairing(results: list[EntityResult]) -> list[Pair]:
    """Every two modelled entities that name each other (synergy.paired_entities), paired once: what the pairing
    says (a code without its partner…) is added to the findings of the entity whose workbook holds the cell — in
    its report and its service's feedback, before its documents are written."""
    place = {id(r.entity): i for i, r in enumerate(results) if r.entity}
    pairs = []
    for left, right, joint in paired_entities(r.entity for r in results if r.entity):
        sides = (results[place[id(left)]], results[place[id(right)]])
        xref = cross_reference(left, right, {r.entity.code: r.absent for r in sides})
        for entity, found in xref.findings:
            results[place[id(entity)]].findings.append(found)
        pairs.append(Pair(place[id(left)], place[id(right)], xref, joint))
    return pairs


def cross_references(results: list[EntityResult], pairs: list[Pair], build: Path, today: dt.date,
                     command: str = DEFAULT_COMMAND, asked: dict | None = None) -> list[CrossReferenceResult]:
    """The pair outputs of every two entities that name each other (« Synergie avec », « PST conjoint avec »),
    written when both have their documents (provisional when either has errors); otherwise the earlier ones are
    kept and reported out of date. `results`: as they come back from writing the entities' documents — copies when
    other processes wrote them, in the same order: each pair's cross-reference is carried over to them
    (CrossReference.on), not made again."""
    known = partners(results)
    done = []
    for pair in pairs:
        left, right, joint = results[pair.left], results[pair.right], pair.joint
        xref = pair.xref.on(left.entity, right.entity)
        job = Job(today, known, provisional_mark([left, right]), xref=xref, command=command, asked=dict(asked or {}),
                  sides=[entity_job(r, known, today, command=command, asked=asked) for r in (left, right)])
        result = CrossReferenceResult(xref, joint=joint)
        wanted = [output for output in outputs.registry() if output.scope == outputs.PAIR and output.wanted(job)]
        if not (left.document and right.document):
            result.waiting = [r.label for r in (left, right) if not r.document]
            result.stale = [path for output in wanted if (path := outputs.final_path(output, job, build)).exists()]
            if joint or result.stale:
                done.append(result)
            continue
        try:
            result.written = write_together([(output, job, build) for output in wanted], 1)
        except BaseException as problem:
            interruption(problem)
            result.failure = failure_of(problem)
        done.append(result)
    return done


def pair_leftovers(results: list[EntityResult], pairs: list[CrossReferenceResult], build: Path,
                   command: str = DEFAULT_COMMAND) -> list[Path]:
    """Documents of a pair (synergies, joint PST) that an earlier build wrote in BUILD for entities of this build,
    and that this build neither wrote nor reported: their pair no longer holds (a frame no longer names the other,
    a partner gone, two législatures…). Kept — the coordinator decides —, reported out of date. A document
    written on demand (Output.command) is looked for only when its command runs."""
    codes = {outputs.safe_name(r.entity.code) for r in results if r.entity and r.entity.code}

    def valid(path: Path) -> Path:
        return path.with_name(path.name.replace(outputs.PROVISIONAL, ""))

    # A pair written (provisional or not) or waiting accounts for both its valid and its provisional documents.
    accounted = {valid(path) for pair in pairs for path in (*(w.path for w in pair.written), *pair.stale)}
    found = []
    for output in outputs.registry():
        if output.scope != outputs.PAIR or not output.pattern or not build.is_dir() \
                or output.command not in (None, command):
            continue
        for path in sorted(build.glob(f"*{output.suffix}")):
            stem = valid(path).stem
            if re.fullmatch(output.pattern, stem) and valid(path) not in accounted \
                    and any(f"_{code}_" in f"_{stem}_" for code in codes):
                found.append(path)
    return found


@dataclass
class BuildReport:
    results: list[EntityResult] = field(default_factory=list)
    cross_references: list[CrossReferenceResult] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)
    """Documents of pairs an earlier build wrote that this one no longer writes (pair_leftovers)."""
    despite_errors: bool = False
    check_only: bool = False
    notes: list[str] = field(default_factory=list)
    """What the build says before the entities (BUILD claimed from a data folder that moved)."""

    @property
    def exit_code(self) -> int:
        """0 when every entity got its document (despite errors, if asked) and what the command asked for (the
        site, the export) — or, checking only, has no error —, 1 otherwise; 2 or 3 when an entity or a
        cross-reference failed (the highest wins)."""
        failures = [item.failure.exit_code for item in (*self.results, *self.cross_references) if item.failure]
        done = all(not r.has_errors for r in self.results) if self.check_only \
            else all(r.document and not r.withheld for r in self.results)
        return max([0 if done else 1, *failures])

    def failures(self) -> list[tuple[str, Failure]]:
        """(what, failure) for each entity or cross-reference that failed."""
        return ([(said("failed-entity", label=r.label), r.failure) for r in self.results if r.failure]
                + [(said("failed-pair", left=x.xref.left.code, right=x.xref.right.code), x.failure)
                   for x in self.cross_references if x.failure])

    def counts(self) -> dict[str, int]:
        return count_by_severity([f for r in self.results for f in r.findings])


def prepared(folder: Path, build: Path, since: dt.date | None = None, export: bool = False,
             check_only: bool = False, jobs: int = 1) -> EntityResult:
    """Phase 1 for one entity (in a worker process when several entities are built): every stage but the
    documents; nothing is written. Returns the result without its raw tables (lighter to send back). `jobs`:
    processes its workbooks may be read in."""
    try:
        result = assemble(folder, build, since, export, check_only, jobs)
    except BaseException as problem:  # one entity's failure never hides the others
        interruption(problem)
        return EntityResult(folder, [], failure=failure_of(problem), stale=previous_documents(build, folder))
    result.accepted = ()
    return result


def rendered(result: EntityResult, build: Path, partners_: dict[str, dict], today: dt.date, despite_errors: bool,
             jobs: int = 1, check_only: bool = False, evaluation: Evaluation | None = None,
             command: str = DEFAULT_COMMAND, asked: dict | None = None, reported=None) -> EntityResult:
    """Phase 2 for one entity: its documents (in `jobs` processes), and the state of the build when it has no
    errors. `check_only`: the validation report alone, no document and no state (make verifier). `reported`: see
    write_entity_documents."""
    if result.failure:
        return result
    try:
        with (result.clock or Stopwatch()).stage("render"):
            write_entity_documents(result, build, partners_, today, despite_errors, jobs, check_only, evaluation,
                                   command, asked, reported)
        if result.document and not result.has_errors:
            save_state(result, build, today, [w.path for w in result.written if not w.provisional
                                              and not outputs.by_name(w.output).always and w.path.is_file()],
                       result.recorded)
    except BaseException as problem:  # one entity's failure never hides the others
        interruption(problem)
        result.failure = failure_of(problem)
        result.written = [w for w in result.written if outputs.by_name(w.output).always]
        result.stale = previous_documents(build, result.folder)
    result.recorded = None  # recorded, or not to be: not carried back from a worker
    return result


def previous_documents(build: Path, folder: Path) -> list[Path]:
    """The documents an earlier build wrote for this entity folder (not provisional), left in place by a failed
    build: out of date."""
    return [path for path in sorted((build / folder.name).glob("*.docx")) if finished_document(path)]


def lost_in_process(item: tuple, problem: BaseException) -> EntityResult:
    """An entity whose rendering process died: its result as it was before, with the failure."""
    result = item[0]
    result.failure = failure_of(problem)
    return result


def refuse_unknown_since(results: list[EntityResult], since: dt.date | None) -> None:
    """DEPUIS= names a séance that is not one of an entity's adopted versions: nothing is built (ConfigurationError
    listing, for each such entity, the versions it has), rather than every document reported out of date."""
    unknown = [r for r in results if r.unknown_since]
    if unknown:
        raise ConfigurationError(" ".join(
            f"{r.label} : " + finding("depuis-inconnu", day=long_date(since), recorded=[
                f"{long_date(seance)} ({seance.isoformat()})" for _, seance in r.adopted]).message
            for r in unknown) + " " + said("nothing-built"))


def export_years(results: list[EntityResult], asked: int | None, today: dt.date) -> None:
    """Each entity's budget year for the e-Comptes export (validate.export_year): the one asked for, else the
    current year brought within its législature (a note says which); an EXERCICE= outside a législature stops the
    build before anything is written (ConfigurationError)."""
    refused = []
    for result in results:
        if result.entity is None:
            continue
        year, note = export_year(result.entity.legislature, asked, today)
        if year is None:
            refused.append(f"{result.label} : {note.message}")
            continue
        result.exercice = year
        if note is not None:
            result.findings.append(note)
    if refused:
        raise ConfigurationError(" ".join([*refused, said("nothing-built")]))


def cross_checks(results: list[EntityResult], one_entity: bool = False) -> list[Pair]:
    """What the entities of DATA say about each other, once each is assembled: institutions named that are not
    there, a Code two of them carry, joint frames that do not answer each other (added to the findings of the entity
    concerned), then the pairs (pairing). `one_entity`: DATA is one entity's folder (its partners are not
    expected)."""
    built = [r for r in results if r.entity]
    entities = [r.entity for r in built]
    unread = [r.folder.name for r in results if not r.entity]
    for entity, found in (unknown_institutions(entities) + duplicate_codes(entities)
                          + joint_frames(entities, unread, alone=one_entity)):
        next(r for r in built if r.entity is entity).findings.append(found)
    return pairing(results)


def build_all(folders: list[Path], build: Path, today: dt.date | None = None, despite_errors: bool = False,
              jobs: int = 1, progress=None, since: dt.date | None = None, check_only: bool = False,
              evaluation: Evaluation | None = None, exercice: int | None = None, export: bool = False,
              one_entity: bool = False, command: str = DEFAULT_COMMAND, asked: dict | None = None) -> BuildReport:
    """Every entity of DATA, in `jobs` processes; `progress(done, total, result)` after each entity's documents.
    `since`: the séance modifications are counted from; `check_only`: the validation reports alone; `evaluation`:
    the rapport d'exécution asked for (make rapport); `export`: the e-Comptes export asked for (make ecomptes), for
    the year `exercice` (default: the current year brought within each entity's législature); `one_entity`: DATA
    is one entity's folder (its partners are not expected). `command`: the command being run (« pst »,
    « ecomptes », « synergies »…) and `asked` its options (`{"annee": 2026}`), given to every entity's and pair's
    Job: an output declared with `command` is written only when that command runs (Output.command).

    Raises ConfigurationError before writing anything when BUILD holds another data folder's documents
    (origin.claim), when `since` is not a séance of every entity's adopted versions, or when `exercice` lies
    outside an entity's législature."""
    # What is loaded by now (the libraries, the contract, the catalogue) lives as long as the process: out of the
    # cycle collector's sight, its full passes go over the build's own objects only (2,680 actions: 0.2 s less).
    # Once per process (a process that builds again, the tests, freezes no build's leftovers).
    if not gc.get_freeze_count():
        gc.freeze()
    today = today or dt.date.today()
    export = export or exercice is not None
    notes = claim(build, folders) if folders else []
    # Cores left over when there are fewer entities than processes read an entity's workbooks side by side.
    reading = max(1, jobs // len(folders)) if folders else 1
    results = parallel.run(prepared, [(folder, build, since, export, check_only, reading) for folder in folders],
                           jobs,
                           failed=lambda item, problem: EntityResult(item[0], [], failure=failure_of(problem)))
    refuse_unknown_since(results, since)
    if export:
        export_years(results, exercice, today)
    pairs = cross_checks(results, one_entity)
    built = [r for r in results if r.entity]
    if evaluation is not None:
        for result in built:
            result.findings += evaluation_date(result.entity.legislature, evaluation.day, today)
    known = partners(results)
    finished = iter(range(1, len(results) + 1))
    # Cores left over when there are fewer entities than processes write each entity's documents side by side.
    inner = max(1, jobs // len(results)) if results else 1
    results = parallel.run(rendered, [(r, build, known, today, despite_errors, inner, check_only, evaluation,
                                       command, asked) for r in results],
                           jobs,
                           (lambda index, result: progress(next(finished), len(results), result)) if progress
                           else None, failed=lost_in_process)
    report_ = BuildReport(results, despite_errors=despite_errors, check_only=check_only, notes=notes)
    if not check_only:
        report_.cross_references = cross_references(report_.results, pairs, build, today, command, asked)
        # One entity's folder built alone: its pairs are not built, their documents are not leftovers.
        report_.leftovers = [] if one_entity else pair_leftovers(report_.results, report_.cross_references, build,
                                                                 command)
    return report_
