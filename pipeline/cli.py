"""Command line: thin commands that parse options, call the stages and print in French.

The same commands run as `make pst` (the Makefile), as the `pst` script (`pst pst`, on Windows
`.venv\\Scripts\\pst pst`) or as `python -m pipeline pst`; every advice names them as the user launched them
(pipeline/invocation.py), and argparse speaks French (pipeline/arguments.py).

    python -m pipeline pst --data data --build build
    python -m pipeline pdf --data data --build build     (the same, then the PDFs: pipeline/pdf.py)
    python -m pipeline rapport --date 2022-06-30 [--echeance mi-parcours|fin]   (the same, with the rapport
                                                                             d'exécution)
    python -m pipeline ecomptes --exercice 2025     (the same, with the export to e-Comptes)
    python -m pipeline synergies --annee 2026       (the same, with the annual report on the synergies)
    python -m pipeline site [--date 2025-06-30]     (the same, with the website: pipeline/site/)
    python -m pipeline modeles --data data --build build [--prerempli]
    python -m pipeline importer --source export.xml [--data data] [--interne 2,5]
                                                    (a new entity from an e-Comptes export)
    python -m pipeline modeles-vierges --out input_templates

Exit codes: 0 built, 1 validation errors (no document for the entity at fault), 2 unusable input or
configuration (no data folder, no cadre.xlsx, a broken Word template), 3 a bug of ours (never a traceback on
the console: it goes to <BUILD>/erreur-interne.log).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import traceback
from contextlib import contextmanager, suppress
from pathlib import Path

from .arguments import ArgumentParser, whole_number
from .clean import visible
from .findings import ERROR, NOTE, WARNING, Finding, count_by_severity, grouped_by_file, said, stop
from .french import long_date, seconds as seconds_text
from .invocation import SUBCOMMANDS, command, option, program

LABELS = {severity: said(f"severity-{severity}") for severity in (ERROR, WARNING, NOTE)}


def print_findings(findings: list[Finding], indent: str = "  ") -> None:
    """Each finding under its file; what a cell held is shown as the feedback shows it (« ␇ »): a control
    character pasted into a workbook never rings the terminal's bell nor recolours it."""
    for file, items in grouped_by_file(findings).items():
        print(visible(f"{indent}{file or said('all-files')}"))
        for f in items:
            where = f.location().removeprefix(f.file).lstrip(", ")
            print(visible(f"{indent}  {LABELS[f.severity]:<13} {where + ' : ' if where else ''}{f.message}"))
            if f.suggestion and f.severity != NOTE:
                print(visible(f"{indent}  {'':<13} → {f.suggestion}"))


def print_progress(done: int, total: int, result) -> None:
    """One line per entity as soon as its documents are written (several entities are built in parallel)."""
    counts = count_by_severity(result.findings)
    if result.failure:
        outcome = "outcome-internal" if result.failure.internal else "outcome-failed"
    elif result.document:
        outcome = "outcome-provisional" if result.has_errors else "outcome-written"
    else:
        outcome = "outcome-none"
    seconds = sum(result.clock.seconds.values()) if result.clock else 0
    print(said("progress", done=done, total=total, label=result.label, outcome=said(outcome), errors=counts[ERROR],
               warnings=counts[WARNING], time=seconds_text(seconds)), flush=True)


def print_timings(result) -> None:
    if result.clock:
        print("  " + said("timings", stages=" · ".join(f"{said('stage-' + stage)} {seconds_text(time)}"
                                                       for stage, time in result.clock.seconds.items())))


def print_entity(result, check_only: bool = False, target: str = "pst", options: dict | None = None) -> None:
    """`target`: the make target that was run (« rapport »…) and `options` its options (rerun_options), named in
    the advice as the user launched them."""
    print_verdict(result)
    print_outcome(result, check_only, target, options)


def print_verdict(result) -> None:
    """The entity's findings, counts and validation report (with the services' feedback): what is known once its
    report is written, before its documents (make suivre prints it then)."""
    from .outputs import by_name

    print()
    print(f"{result.label} ({result.folder})")
    print_findings(result.findings)
    if result.entity:
        for volet in result.entity.volets:
            print("  " + said("volet", volet=volet.key, os=len(volet.objectives), oo=len(volet.operational()),
                              actions=len(volet.actions())))
    budget = result.budget_rows_rejected if result.entity else 0
    print("  " + said("rows", read=result.rows_read, accepted=result.rows_accepted, rejected=result.rows_rejected)
          + (said("rows-budget", budget=budget) if budget else ""))
    counts = count_by_severity(result.findings)
    print("  " + said("counts", errors=counts[ERROR], warnings=counts[WARNING], notes=counts[NOTE]))
    print_written([w for w in result.written if by_name(w.output).always])


def print_outcome(result, check_only: bool = False, target: str = "pst", options: dict | None = None,
                  again: str | None = None) -> None:
    """The entity's documents written, or why none. `again`: the advice when errors kept them from being written
    (default: run the command again, or despite errors)."""
    from .outputs import by_name

    print_written([w for w in result.written if not by_name(w.output).always])
    if target == "modifications" and result.entity is not None:
        changes = result.modifications
        if changes is None:
            print("  " + said("no-version-adopted"))
        elif not changes.changes:
            print("  " + said("no-modification", number=changes.number, seance=long_date(changes.seance)))
    if result.failure:
        print("  " + said("no-document-failure", reason=result.failure.message))
    elif check_only:
        print("  " + said("check-only", again=command("verifier", **(options or {}))))
    elif not result.document:
        if result.entity is None:
            print("  " + said("no-document-parameters"))
        elif again is not None:
            print("  " + again)
        else:
            print("  " + said("no-document-errors", again=command(target, **(options or {})),
                              provisional=command(target, **(options or {}), malgre_erreurs=True),
                              without=never_provisional(target)))
    for path in result.stale:
        print("  " + said("stale-document", path=path))


def never_provisional(target: str) -> list[str]:
    """The documents the command asks for that are never written provisional (the e-Comptes export), as the
    console names them, first letter lowered (« export e-Comptes »)."""
    from .outputs import registry

    return [output.labels[0][:1].lower() + output.labels[0][1:] for output in registry()
            if output.command == target and not output.provisional]


def print_pair(pair) -> None:
    """Two entities that name each other: their synergies, their joint PST, what was written or why not."""
    xref = pair.xref
    print()
    print(said("pair-title", joint=pair.joint, left=xref.left.name, right=xref.right.name))
    if xref.pairs or xref.left_only or xref.right_only:
        print("  " + said("pair-synergies", pairs=len(xref.pairs), left_only=len(xref.left_only),
                          right_only=len(xref.right_only), left=xref.left.code, right=xref.right.code))
    if pair.joint and not pair.waiting:
        left, right = len(xref.left.actions()), len(xref.right.actions())
        print("  " + said("pair-joint", total=left + right, left_count=left, right_count=right, left=xref.left.code,
                          right=xref.right.code, pairs=len(xref.pairs)))
    if pair.waiting:
        print("  " + said("pair-waiting", first=pair.waiting[0], second=" ".join(pair.waiting[1:2]),
                          count=len(pair.waiting)))
    if pair.failure:
        print("  " + said("no-document-failure", reason=pair.failure.message))
    print_written(pair.written)
    for path in pair.stale:
        print("  " + said("stale-document", path=path))


def print_written(written: list) -> None:
    """« → Document écrit : path », each output once (its parts together), as each output names itself; under a
    provisional main document (Output.main), what its first page says."""
    from .outputs import by_name

    by_output: dict[str, list] = {}
    for document in written:
        by_output.setdefault(document.output, []).append(document)
    for name, documents in by_output.items():
        output = by_name(name)
        label = output.labels[documents[0].provisional]
        if len(documents) > 1:
            print("  " + said("written-parts", label=label, path=documents[0].path, last=documents[-1].path.name,
                              count=len(documents)))
        else:
            print("  " + said("written", label=label, path=documents[0].path))
        if output.main and documents[0].provisional:
            print("    " + said("provisional-note"))


def internal_error(build: Path, what: str, details: str | None = None) -> int:
    """A bug of ours: the traceback goes to <BUILD>/erreur-interne.log, the console gets a French sentence."""
    log = write_log(build, details if details is not None else traceback.format_exc())
    print(said("internal-error", what=what, log=log), file=sys.stderr)
    return 3


def write_log(build: Path, text: str) -> Path:
    log = build / "erreur-interne.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(text, encoding="utf-8", errors="replace")
    return log


def report_failures(failures: list, build: Path) -> None:
    """Each entity or document that failed — (what, build.Failure) — in French on the error output; the
    tracebacks of internal errors together in <BUILD>/erreur-interne.log."""
    internal = [(what, failure) for what, failure in failures if failure.internal]
    if internal:
        details = "\n\n".join(f"=== {what} ===\n{failure.details}" for what, failure in internal)
        internal_error(build, said("internal-failures", what=[what for what, _ in internal]), details)
    for what, failure in failures:
        if not failure.internal:
            print(said("cannot-write", what=what, reason=failure.message), file=sys.stderr)


@contextmanager
def loading():
    """Python's cycle collector paused while the libraries load, and what they loaded then frozen (out of its sight
    for the rest of the process, as build_all does): importing pandas, lxml and docxtpl makes a few hundred
    thousand objects and hardly any garbage, and the collector's passes over them took 0.04 s of every build."""
    from .outputs import collector_paused

    with collector_paused():
        yield
        if not gc.get_freeze_count():
            gc.freeze()


def command_pst(args, publish=None) -> int:
    """`publish(report) -> exit code`, when given, runs once the documents are built and reported (make pdf)."""
    with loading():
        from .build import build_all
        from .parallel import processors
        from .load import ConfigurationError, find_entity_folders
        from .problems import TemplateProblem

    try:
        folders = find_entity_folders(Path(args.data))
        jobs = args.processus or processors()
        since = seance_option(getattr(args, "depuis", None), "DEPUIS")
        evaluation = evaluation_option(args)
        exercice = exercice_option(args)
        report = build_all(folders, Path(args.build), despite_errors=args.malgre_erreurs, jobs=jobs,
                           progress=print_progress, since=since, check_only=getattr(args, "verifier", False),
                           evaluation=evaluation, exercice=exercice, export=getattr(args, "ecomptes", False),
                           one_entity=folders == [Path(args.data)], command=make_target(args),
                           asked=asked_options(args))
    except (ConfigurationError, TemplateProblem) as problem:
        print(said("cannot-check" if getattr(args, "verifier", False) else "cannot-build", reason=problem),
              file=sys.stderr)
        return 2
    except OSError as problem:
        print(said("cannot-build", reason=said("not-written", path=problem.filename or problem)), file=sys.stderr)
        return 2
    except Exception:
        return internal_error(Path(args.build), said("stopped-build"))
    for note in report.notes:
        print(note)
    for result in report.results:
        print_entity(result, report.check_only, make_target(args), rerun_options(args))
        if getattr(args, "temps", False):
            print_timings(result)
    for pair in report.cross_references:
        print_pair(pair)
    if not report.check_only and not report.cross_references:
        for output in asked_pair_outputs(make_target(args)):
            print()
            print(said("no-pair", label=output.labels[0]))
    if report.leftovers:
        print()
        for path in report.leftovers:
            print(said("pair-leftover", path=path))
    published = 0
    if publish is not None:
        try:
            published = publish(report)
        except Exception:
            return internal_error(Path(args.build), said("stopped-pdf"))
    print()
    report_failures(report.failures(), Path(args.build))
    if report.check_only:
        failed = [r.label for r in report.results if r.has_errors and not r.failure]
        if failed:
            print(said("check-failed", labels=failed), file=sys.stderr)
        return report.exit_code
    failed = [r.label for r in report.results if not r.document and not r.failure]
    if failed:
        print(said("build-failed", labels=failed), file=sys.stderr)
    return max(report.exit_code, published)


class WatchConsole:
    """What `make suivre` prints as the watch goes (watch.Listener): each part flushed as soon as it is known, for
    whoever reads the console through a pipe."""

    def __init__(self, args):
        self.args = args
        self.data = Path(args.data)
        self.building = False
        """A build is under way (what Ctrl+C interrupts)."""

    def changed(self, changes: list) -> None:
        self.building = True
        print()
        print(said("watch-changed", changes=[said("watch-change", name=self.named(path), kind=kind)
                                             for path, kind in changes]), flush=True)

    def named(self, path: Path) -> str:
        """The path as the coordinator finds it in DATA (« engis-commune/services/Travaux.xlsx »)."""
        try:
            return visible(Path(os.path.realpath(path)).relative_to(os.path.realpath(self.data)).as_posix())
        except ValueError:
            return visible(str(path))

    def verdict(self, result) -> None:
        print_verdict(result)
        sys.stdout.flush()

    def documents(self, result) -> None:
        print_outcome(result, target="suivre", again=said("watch-no-document", provisional=command(
            "suivre", **rerun_options(self.args), malgre_erreurs=True)))
        if getattr(self.args, "temps", False):
            print_timings(result)
        sys.stdout.flush()

    def finished(self, rebuild) -> None:
        report = rebuild.report
        for note in report.notes:
            print(note)
        for pair in report.cross_references:
            print_pair(pair)
        if report.leftovers:
            print()
            for path in report.leftovers:
                print(said("pair-leftover", path=path))
        print()
        report_failures(report.failures(), Path(self.args.build))
        verdict = seconds_text(rebuild.verdict_seconds, 2) if rebuild.verdict_seconds is not None else ""
        unfinished = [r.label for r in report.results if r.failure or not r.document] \
            + [pair.label for pair in report.cross_references if pair.failure]
        if rebuild.changes and unfinished:
            print(said("watch-unfinished", time=seconds_text(rebuild.seconds, 2), verdict=verdict,
                       labels=unfinished), flush=True)
        else:
            print(said("watch-done" if rebuild.changes else "watch-built", time=seconds_text(rebuild.seconds, 2),
                       verdict=verdict), flush=True)
        self.building = False

    def waiting(self, path: Path) -> None:
        print(said("watch-locked", path=self.named(path)), flush=True)

    def failed(self, problem: BaseException) -> None:
        """A build of the watch that could not be made: why, and the watch goes on."""
        from .load import ConfigurationError

        self.building = False
        from .problems import TemplateProblem

        if isinstance(problem, (ConfigurationError, TemplateProblem)):
            print(said("watch-problem", reason=problem), file=sys.stderr, flush=True)
        elif isinstance(problem, OSError):
            print(said("watch-problem", reason=said("not-written", path=problem.filename or problem)),
                  file=sys.stderr, flush=True)
        else:
            internal_error(Path(self.args.build), said("stopped-rebuild"),
                           "".join(traceback.format_exception(problem)))


def command_watch(args) -> int:
    """`make suivre`: builds as make pst, then builds each entity again as soon as one of its workbooks is saved
    (pipeline/watch.py), until Ctrl+C: exit code 0 then. When DATA cannot be used at the start, 2 as make pst."""
    from filelock import FileLock, Timeout

    from .load import ConfigurationError, find_entity_folders
    from .parallel import processors
    from .problems import TemplateProblem
    from .watch import Session, batches_of, follow

    console = WatchConsole(args)
    try:
        find_entity_folders(Path(args.data))  # a DATA that cannot be used is said before anything is watched
    except ConfigurationError as problem:
        print(said("cannot-build", reason=problem), file=sys.stderr)
        return 2
    Path(args.build).mkdir(parents=True, exist_ok=True)
    lock = FileLock(Path(args.build) / WATCH_LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(said("watch-already", build=Path(args.build)), file=sys.stderr)
        return 2
    try:
        session = Session(Path(args.data), Path(args.build), despite_errors=args.malgre_erreurs,
                          jobs=args.processus or processors())
        batches = batches_of(session)
        next(batches)  # the watcher runs from now on: a save during the first build is seen after it
        console.building = True
        try:
            session.rebuild(None, console)
        except (ConfigurationError, TemplateProblem) as problem:
            print(said("cannot-build", reason=problem), file=sys.stderr)
            return 2
        except OSError as problem:
            print(said("cannot-build", reason=said("not-written", path=problem.filename or problem)),
                  file=sys.stderr)
            return 2
        except Exception:
            return internal_error(Path(args.build), said("stopped-build"))
        print(said("watch-ready", folder=session.root), flush=True)
        follow(session, batches, console, failed=console.failed)
    except KeyboardInterrupt:
        print(said("watch-stopped", during=console.building), flush=True)
    finally:
        lock.release()
    return 0


WATCH_LOCK = ".suivre.lock"
"""In BUILD, held by the running watch (filelock: released by the system if the process dies): a second watch of
the same BUILD would write the same files at the same time."""


def make_target(args) -> str:
    """The make target of the sub-command that was run (« modeles » is « templates »)."""
    command_name = getattr(args, "command", None) or "pst"
    return next((target for target, name in SUBCOMMANDS.items() if name == command_name), "pst")


def asked_pair_outputs(target: str) -> list:
    """The documents about two entities that only this command writes (make synergies: the annual report)."""
    from .outputs import PAIR, registry

    return [output for output in registry() if output.command == target and output.scope == PAIR]


def asked_options(args) -> dict:
    """The options the command was given for the documents it asks for (outputs.Job.asked): what its parser's
    `ask` default (a function of the parsed options, raising ConfigurationError in French for a wrong value)
    returns, e.g. `synergies.set_defaults(ask=lambda args: {"annee": year_option(args)})`; none otherwise. Its
    values travel to the processes that write the documents: plain values (numbers, text, dates)."""
    ask = getattr(args, "ask", None)
    return dict(ask(args)) if ask else {}


DEFAULT_FOLDERS = {"data": "data", "build": "build"}


def rerun_options(args) -> dict:
    """The options to give again to run the same command (folders other than the default ones, the dates and
    year asked for, pdf's --rapport), keyed as invocation.command takes them."""
    names = ("data", "build", "depuis", "date", "echeance", "exercice", "annee", "prerempli")
    options = {name: getattr(args, name, None) for name in names}
    if getattr(args, "command", None) == "pdf":
        options["rapport"] = args.rapport
    return {name: value for name, value in options.items() if value and value != DEFAULT_FOLDERS.get(name)}


def seance_option(text: str | None, name: str):
    """An AAAA-MM-JJ option (SEANCE=, DEPUIS=) as a date; ConfigurationError in French otherwise."""
    from .load import ConfigurationError
    from .versions import parse_seance

    if text is None:
        return None
    day = parse_seance(text)
    if day is None:
        shape = "missing" if re.match(r"^\s*\d{4}-\d{2}-\d{2}\s*$", text) else "shape"
        key = name.lower()
        raise ConfigurationError(said("bad-date", given=option(key, text), shape=shape,
                                      example=option(key, "2025-06-26")))
    return day


def evaluation_option(args):
    """The rapport d'exécution asked for (make rapport, or make pdf RAPPORT=1 / DATE=…): its date (DATE=, default
    today) and its stage (ECHEANCE=mi-parcours|fin, default from the législature); None when none is asked for."""
    import datetime as dt

    from .evaluation import Evaluation, parse_stage
    from .load import ConfigurationError

    date, stage = getattr(args, "date", None), getattr(args, "echeance", None)
    if not getattr(args, "evaluates", True) or not (getattr(args, "rapport", False) or date or stage):
        return None
    day = seance_option(date, "DATE") if date else dt.date.today()
    if stage and parse_stage(stage) is None:
        raise ConfigurationError(said("bad-stage", given=option("echeance", stage)))
    return Evaluation(day, parse_stage(stage) if stage else None)


def exercice_option(args) -> int | None:
    """The budget year asked for the e-Comptes export (make ecomptes EXERCICE=…); None when none is given (each
    entity's is then the current year brought within its législature: build.export_years)."""
    from .load import ConfigurationError

    if not getattr(args, "ecomptes", False):
        return None
    text = (args.exercice or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ConfigurationError(said("bad-exercice", given=option("exercice", text)))
    return int(text)


def year_option(args) -> int:
    """The year of the annual report on the synergies (make synergies ANNEE=…): default the current year; a year to
    come is refused (its report would describe what has not happened)."""
    import datetime as dt

    from .load import ConfigurationError

    text = (getattr(args, "annee", None) or "").strip()
    if not text:
        return dt.date.today().year
    if not text.isdigit() or not 2000 <= int(text) <= dt.date.today().year:
        raise ConfigurationError(said("bad-annee", given=option("annee", text), future=text.isdigit(),
                                      example=option("annee", dt.date.today().year - 1)))
    return int(text)


def command_adopt(args) -> int:
    """`make adopter SEANCE=AAAA-MM-JJ [ENTITE=dossier]`: the last successful build of every entity (or of one)
    recorded as the version the conseil took note of on that date, beside the data — all or none;
    `make adopter ANNULER=AAAA-MM-JJ`: the last recorded version set aside."""
    from .load import ConfigurationError, find_entity_folders
    from .versions import adopt_all, withdraw_all

    withdrawing = bool(getattr(args, "annuler", None))
    given = rerun_options(args)
    try:
        if withdrawing:
            if args.seance:
                raise ConfigurationError(said("seance-and-withdraw"))
            day = seance_option(args.annuler, "ANNULER")
            outcomes = withdraw_all(find_entity_folders(Path(args.data)), day, args.entite, given)
        else:
            if not (args.seance or "").strip():
                raise ConfigurationError(said("seance-missing", again=command("adopter", **given,
                                                                             seance="AAAA-MM-JJ")))
            seance = seance_option(args.seance, "SEANCE")
            outcomes = adopt_all(find_entity_folders(Path(args.data)), Path(args.build), seance, entity=args.entite,
                                 given=given)
    except ConfigurationError as problem:
        print(said("cannot-withdraw" if withdrawing else "cannot-adopt", reason=problem), file=sys.stderr)
        return 2
    except Exception:
        return internal_error(Path(args.build), said("stopped-adoption"))
    refused = [outcome for outcome in outcomes if outcome.refused]
    for outcome in outcomes:
        print()
        if outcome.refusals:
            print(said("version-refused", label=outcome.label, withdrawing=withdrawing))
            print_findings(outcome.refusals)
        elif withdrawing:
            version = outcome.version
            print(said("version-withdrawn", label=outcome.label, number=version.number,
                       seance=long_date(version.seance)))
            print("  " + said("version-set-aside", folder=version.folder))
            print("  " + said("version-withdrawn-numbers"))
        else:
            version = outcome.version
            print(said("version-recorded", label=outcome.label, first=version.number == 1, number=version.number,
                       seance=long_date(version.seance), count=len(version.actions)))
            print(f"  → {version.folder}")
            if outcome.after_legislature:
                print("  " + said("version-after-legislature"))
            print("  " + said("version-numbers"))
    print()
    if refused:
        print(said("adoption-failed", withdrawing=withdrawing, many=len(outcomes) > 1), file=sys.stderr)
        return 1
    return 0


def command_pdf(args) -> int:
    """`make pst`, then each PST written → PDF through LibreOffice (pipeline/pdf.py)."""
    from .pdf import OfficeMissing, find_office, publish

    try:
        office = find_office()
    except OfficeMissing as problem:
        print(said("cannot-pdf", reason=problem), file=sys.stderr)
        return 2
    return command_pst(args, publish=lambda report: publish(report, Path(args.build), office))


def command_blank_templates(args) -> int:
    from .workbooks import write_blank_templates

    for path, changed in write_blank_templates(Path(args.out)):
        print(said("written-file" if changed else "unchanged-file", path=path))
    return 0


def attempted(work, cannot: str, stopped: str, build: Path) -> tuple[object, int | None]:
    """(what `work()` returns, None) — or (None, exit code) after saying why in French: a configuration problem or
    a file that cannot be written (2, catalogue sentence `cannot`), anything else (3, internal_error, `stopped`)."""
    from .load import ConfigurationError

    try:
        return work(), None
    except ConfigurationError as problem:
        print(said(cannot, reason=problem), file=sys.stderr)
        return None, 2
    except OSError as problem:
        print(said(cannot, reason=said("workbook-not-written", path=problem.filename or problem)), file=sys.stderr)
        return None, 2
    except Exception:
        return None, internal_error(build, said(stopped))


def command_templates(args) -> int:
    from .load import find_entity_folders
    from .templates import generate

    results, code = attempted(lambda: generate(find_entity_folders(Path(args.data)), Path(args.build),
                                               prefilled=args.prerempli),
                              "cannot-templates", "stopped-templates", Path(args.build))
    if code is not None:
        return code
    for result in results:
        print()
        print(f"{result.label} ({result.folder})")
        print_findings(result.findings)
        if result.failure:
            print("  " + said("no-workbook-failure", reason=result.failure.message))
            continue
        if result.has_errors:
            print("  " + said("no-workbook-errors", again=command("templates", **rerun_options(args))))
            continue
        folder = result.written[0].parent if result.written else ""
        print("  " + said("workbooks-written", count=len(result.written), folder=folder,
                          names=[path.name for path in result.written]))
        if args.prerempli:
            print("  " + said("workbooks-prefilled", count=result.prefilled_actions, day=result.prefilled_from))
    print()
    failures = [(said("failed-workbooks", label=r.label), r.failure) for r in results if r.failure]
    report_failures(failures, Path(args.build))
    failed = [r.label for r in results if r.has_errors]
    if failed:
        print(said("templates-failed", labels=failed), file=sys.stderr)
    if failures or failed:
        return max([1 if failed else 0, *(failure.exit_code for _, failure in failures)])
    folders = {name: value for name, value in rerun_options(args).items() if name in ("data", "build")}
    print(said("templates-next", again=command("pst", **folders)))
    return 0


def command_import(args) -> int:
    """`make importer SOURCE=fichier.xml [DATA=…]`: a new entity folder from an e-Comptes export
    (pipeline/importer.py); its findings are printed, positioned by the file's lines."""
    from .importer import REPORT_NAME, import_export
    from .load import ConfigurationError
    from .outputs.ecomptes import VERSION

    def imported_folder():
        if not (args.source or "").strip():
            raise ConfigurationError(stop("import-no-source"))
        typed = {"source": args.source, "data": args.data if args.data != DEFAULT_FOLDERS["data"] else None}
        return import_export(Path(args.source), Path(args.data), args.interne, typed)

    done, code = attempted(imported_folder, "cannot-import", "stopped-import", Path("build"))
    if code is not None:
        return code
    imported, folder, renamed = done
    print(said("imported-title", source=imported.source.name, version=VERSION, generator=imported.generator))
    print_findings(imported.findings)
    if renamed:
        print("  " + said("imported-renamed", taken=folder.name.rsplit(" (", 1)[0]))
    if imported.numbered:
        print("  " + said("imported-numbered"))
    print("  " + said("imported-summary", entity=imported.parameters["entity_name"], os=len(imported.strategic),
                      oo=len(imported.operational), actions=imported.action_count, workbooks=len(imported.actions)))
    print("  " + said("imported-folder", folder=folder))
    print("  " + said("imported-report", path=folder / REPORT_NAME))
    print()
    folders = {"data": args.data} if args.data != DEFAULT_FOLDERS["data"] else {}
    print(said("imported-next", again=command("pst", **folders)))
    return 0


def parser() -> argparse.ArgumentParser:
    """The `pst` command: each sub-command with exactly the options that apply to it (the make variables of
    the same name: --malgre-erreurs is MALGRE_ERREURS=1), its help and its errors in French (findings.CONSOLE,
    « help-… »)."""
    name = program()
    main = ArgumentParser(prog=name, description=said("help-program"), epilog=said("help-epilog", program=name))
    commands = main.add_subparsers(dest="command", required=True, title=said("help-commands"), metavar="COMMANDE")

    def add(command_name: str, run) -> argparse.ArgumentParser:
        text = said(f"help-command-{command_name}")
        sub = commands.add_parser(command_name, help=text, description=text[0].upper() + text[1:] + ".")
        sub.set_defaults(run=run)
        return sub

    pst = add("pst", command_pst)
    building_options(pst)
    pdf = add("pdf", command_pdf)
    building_options(pdf)
    evaluation_options(pdf)
    pdf.add_argument("--rapport", action="store_true", help=said("help-rapport"))
    templates = add("modeles", command_templates)
    folder_options(templates, build=said("help-build-templates"))
    templates.add_argument("--prerempli", action="store_true", help=said("help-prerempli"))
    check = add("verifier", command_pst)
    building_options(check, provisional=None)
    check.set_defaults(verifier=True)
    watch = add("suivre", command_watch)
    building_options(watch)
    adopt = add("adopter", command_adopt)
    folder_options(adopt, build=said("help-build-adopt"))
    adopt.add_argument("--seance", metavar="AAAA-MM-JJ", help=said("help-seance"))
    adopt.add_argument("--entite", metavar="DOSSIER", help=said("help-entite"))
    adopt.add_argument("--annuler", metavar="AAAA-MM-JJ", help=said("help-annuler"))
    changes = add("modifications", command_pst)
    building_options(changes)
    changes.add_argument("--depuis", metavar="AAAA-MM-JJ", help=said("help-depuis"))
    report_ = add("rapport", command_pst)
    building_options(report_)
    evaluation_options(report_)
    report_.set_defaults(rapport=True)
    export = add("ecomptes", command_pst)
    building_options(export, provisional=said("help-malgre-erreurs-ecomptes"))
    export.add_argument("--exercice", metavar="AAAA", help=said("help-exercice"))
    export.set_defaults(ecomptes=True)
    synergies = add("synergies", command_pst)
    building_options(synergies)
    synergies.add_argument("--annee", metavar="AAAA", help=said("help-annee"))
    synergies.set_defaults(ask=lambda args: {"annee": year_option(args)})
    website = add("site", command_pst)
    building_options(website, provisional=said("help-malgre-erreurs-site"))
    website.add_argument("--date", metavar="AAAA-MM-JJ", help=said("help-date-site"))
    website.set_defaults(ask=lambda args: {"date": seance_option(args.date, "DATE")}, evaluates=False)
    importer = add("importer", command_import)
    importer.add_argument("--source", metavar="FICHIER.xml", help=said("help-source"))
    importer.add_argument("--interne", metavar="N,N", help=said("help-interne"))
    importer.add_argument("--data", default="data", metavar="DOSSIER", help=said("help-data-import"))
    blank = add("modeles-vierges", command_blank_templates)
    blank.add_argument("--out", default="input_templates", metavar="DOSSIER", help=said("help-out"))
    return main


def folder_options(parser: argparse.ArgumentParser, build: str | None = None) -> None:
    """--data and --build (`build`: its help, when it is not the usual one)."""
    parser.add_argument("--data", default="data", metavar="DOSSIER", help=said("help-data"))
    parser.add_argument("--build", default="build", metavar="DOSSIER", help=build or said("help-build"))


def building_options(parser: argparse.ArgumentParser, provisional: str | None = "") -> None:
    """The options of every command that builds the PST; --malgre-erreurs where documents are written
    (`provisional`: its help, "" the usual one; None: not offered)."""
    folder_options(parser)
    if provisional is not None:
        parser.add_argument("--malgre-erreurs", action="store_true",
                            help=provisional or said("help-malgre-erreurs"))
    else:
        parser.set_defaults(malgre_erreurs=False)
    parser.add_argument("--processus", type=whole_number, default=0, metavar="NOMBRE", help=said("help-processus"))
    parser.add_argument("--temps", action="store_true", help=said("help-temps"))


def evaluation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", metavar="AAAA-MM-JJ", help=said("help-date"))
    parser.add_argument("--echeance", metavar="mi-parcours|fin", help=said("help-echeance"))


class Console:
    """A console stream that may go away while the command runs — its output piped into `head` or `more`, a window
    closed: what is left to print is dropped, and the command finishes its work (every document, the exit code)
    instead of stopping on a BrokenPipeError."""

    def __init__(self, stream):
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.went_away()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.went_away()

    def went_away(self) -> None:
        self.gone = True
        try:  # what Python still holds for the closed pipe is written nowhere, not even when it exits
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def command_line() -> None:
    """What `pst` and `python -m pipeline` run: main(), then the process ends at once. By then everything the
    command wrote is closed (documents, state and logs are written atomically, in `with` blocks) and its children
    have ended; Python's own clean-up at exit — freeing, one by one, every object the libraries loaded — took
    0.1 s of processor, 5 % of a 268-action build. Not where multiprocessing's resource tracker watches the
    semaphores of the process pools (POSIX processes started by `spawn`): it would report them as leaked."""
    from .parallel import start_method

    code = main()
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a closed pipe (« pst … | head »)
            stream.flush()
    if os.name == "nt" or start_method() == "fork":
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a character the console cannot encode (lone surrogate) prints « ? »
        getattr(stream, "reconfigure", lambda **_: None)(errors="replace")
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Console(sys.stdout), Console(sys.stderr)
    try:
        return run(parser().parse_args(argv))
    finally:
        sys.stdout, sys.stderr = streams


def run(args) -> int:
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(said("interrupted"), file=sys.stderr)
        return 130
    except BaseException as problem:  # what the commands did not catch (a panic of native code…)
        if isinstance(problem, SystemExit):
            raise
        return internal_error(Path(getattr(args, "build", "build")), said("stopped-command"))
