"""Command line: thin commands that parse options, call the stages and print in French.

The same commands run as `make pst` (the Makefile), as the `pst` script (`pst pst`, on Windows
`.venv\\Scripts\\pst pst`) or as `python -m pipeline pst`; every advice names them as the user launched them
(pipeline/invocation.py), and argparse speaks French (pipeline/arguments.py).

    python -m pipeline pst --data data --build build
    python -m pipeline pdf --data data --build build     (the same, then the PDFs: pipeline/pdf.py)
    python -m pipeline rapport --date 2022-06-30 [--echeance mi-parcours|fin]   (the same, with the rapport
                                                                             d'exécution)
    python -m pipeline ecomptes --exercice 2025     (the same, with the export to e-Comptes)
    python -m pipeline modeles --data data --build build [--prerempli]
    python -m pipeline modeles-vierges --out input_templates

Exit codes: 0 built, 1 validation errors (no document for the entity at fault), 2 unusable input or
configuration (no data folder, no cadre.xlsx, a broken Word template), 3 a bug of ours (never a traceback on
the console: it goes to <BUILD>/erreur-interne.log).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from pathlib import Path

from .arguments import ArgumentParser, whole_number
from .clean import visible
from .findings import ERROR, NOTE, WARNING, Finding, count_by_severity, grouped_by_file
from .french import long_date, plural, seconds as seconds_text
from .invocation import SUBCOMMANDS, command, option, program

LABELS = {ERROR: "ERREUR", WARNING: "AVERTISSEMENT", NOTE: "note"}


def print_findings(findings: list[Finding], indent: str = "  ") -> None:
    """Each finding under its file; what a cell held is shown as the feedback shows it (« ␇ »): a control
    character pasted into a workbook never rings the terminal's bell nor recolours it."""
    for file, items in grouped_by_file(findings).items():
        print(visible(f"{indent}{file or 'Ensemble des classeurs'}"))
        for f in items:
            where = f.location().removeprefix(f.file).lstrip(", ")
            print(visible(f"{indent}  {LABELS[f.severity]:<13} {where + ' : ' if where else ''}{f.message}"))
            if f.suggestion and f.severity != NOTE:
                print(visible(f"{indent}  {'':<13} → {f.suggestion}"))


def print_progress(done: int, total: int, result) -> None:
    """One line per entity as soon as its documents are written (several entities are built in parallel)."""
    counts = count_by_severity(result.findings)
    if result.failure:
        outcome = "ÉCHEC, " + ("erreur interne" if result.failure.internal else "pas de document")
    elif result.document and result.has_errors:
        outcome = "document PROVISOIRE écrit"
    elif result.document:
        outcome = "document écrit"
    else:
        outcome = "pas de document"
    seconds = sum(result.clock.seconds.values()) if result.clock else 0
    print(f"[{done}/{total}] {result.label} : {outcome} ({plural(counts[ERROR], 'erreur', 'erreurs')}, "
          f"{plural(counts[WARNING], 'avertissement', 'avertissements')}, {seconds_text(seconds)})", flush=True)


def print_timings(result) -> None:
    if result.clock:
        labels = {"load": "lecture", "normalize": "normalisation", "validate": "contrôles", "model": "modèle",
                  "render": "documents"}
        print("  Temps : " + " · ".join(f"{labels[k]} {seconds_text(v)}" for k, v in result.clock.seconds.items()))


def print_entity(result, check_only: bool = False, target: str = "pst", options: dict | None = None) -> None:
    """`target`: the make target that was run (« rapport »…) and `options` its options (rerun_options), named in
    the advice as the user launched them."""
    print()
    print(f"{result.label} ({result.folder})")
    print_findings(result.findings)
    if result.entity:
        for volet in result.entity.volets:
            print(f"  Volet {volet.key} : "
                  f"{plural(len(volet.objectives), 'objectif stratégique', 'objectifs stratégiques')}, "
                  f"{plural(len(volet.operational()), 'objectif opérationnel', 'objectifs opérationnels')}, "
                  f"{plural(len(volet.actions()), 'action', 'actions')}")
    rejected = f"{plural(result.rows_rejected, 'rejetée', 'rejetées')}" + (" (voir rapport)" if result.rows_rejected
                                                                          else "")
    budget = result.budget_rows_rejected if result.entity else 0
    print(f"  {plural(result.rows_read, 'ligne lue', 'lignes lues')} : "
          f"{plural(result.rows_accepted, 'action retenue', 'actions retenues')}, {rejected}"
          + (f" ; {plural(budget, 'ligne budgétaire rejetée', 'lignes budgétaires rejetées')}" if budget else ""))
    counts = count_by_severity(result.findings)
    print(f"  {plural(counts[ERROR], 'erreur', 'erreurs')}, "
          f"{plural(counts[WARNING], 'avertissement', 'avertissements')}, {plural(counts[NOTE], 'note', 'notes')}")
    print_written(result.written)
    if target == "modifications" and result.entity is not None:
        changes = result.modifications
        if changes is None:
            print("  Aucune version n’est encore adoptée : il n’y a pas de modifications à lister.")
        elif not changes.changes:
            print(f"  Aucune modification depuis la version {changes.number}, adoptée le "
                  f"{long_date(changes.seance)}.")
    if result.failure:
        print(f"  → Aucun document écrit : {result.failure.message}")
    elif check_only:
        print(f"  → Contrôle seulement (« {command('verifier', **(options or {}))} ») : aucun document n’est "
              "écrit, rien n’est enregistré.")
    elif not result.document:
        if result.entity is None:
            print("  → Aucun document écrit : les paramètres du cadre (feuille « Paramètres ») doivent d’abord être "
                  "corrigés, même pour un document provisoire.")
        else:
            again = command(target, **(options or {}))
            provisional = command(target, **(options or {}), malgre_erreurs=True)
            print(f"  → Aucun document écrit : corrigez les erreurs ci-dessus puis relancez « {again} » (ou "
                  f"« {provisional} » pour des documents provisoires sans les lignes rejetées"
                  + (", sans export e-Comptes" if target == "ecomptes" else "") + ").")
    for path in result.stale:
        print(f"  ⚠ Le document précédent {path} est conservé mais n’est PLUS À JOUR.")


def print_pair(pair) -> None:
    """Two entities that name each other: their synergies, their joint PST, what was written or why not."""
    xref = pair.xref
    print()
    print(f"{'PST conjoint et synergies' if pair.joint else 'Synergies'} {xref.left.name} & {xref.right.name}")
    if xref.pairs or xref.left_only or xref.right_only:
        print(f"  {plural(len(xref.pairs), 'synergie rapprochée', 'synergies rapprochées')} ; "
              f"signalées d’un seul côté : {len(xref.left_only)} ({xref.left.code}), "
              f"{len(xref.right_only)} ({xref.right.code})")
    if pair.joint and not pair.waiting:
        left, right = len(xref.left.actions()), len(xref.right.actions())
        print(f"  PST conjoint : {plural(left + right, 'action', 'actions')} ({left} {xref.left.code}, {right} "
              f"{xref.right.code}), dont {plural(len(xref.pairs), 'action commune', 'actions communes')}")
    if pair.waiting:
        print(f"  → Aucun document commun écrit : pas de document pour {' ni pour '.join(pair.waiting)} "
              f"(corrigez {'ses' if len(pair.waiting) == 1 else 'leurs'} erreurs ci-dessus).")
    if pair.failure:
        print(f"  → Aucun document écrit : {pair.failure.message}")
    print_written(pair.written)
    for path in pair.stale:
        print(f"  ⚠ Le document précédent {path} est conservé mais n’est PLUS À JOUR.")


def print_written(written: list) -> None:
    """« → Document écrit : path », each output once (its parts together), as each output names itself."""
    from .outputs import by_name

    by_output: dict[str, list] = {}
    for document in written:
        by_output.setdefault(document.output, []).append(document)
    for name, documents in by_output.items():
        label = by_name(name).labels[documents[0].provisional]
        first = documents[0].path
        parts = f" … {documents[-1].path.name} ({len(documents)} documents)" if len(documents) > 1 else ""
        print(f"  → {label} : {first}{parts}")
        if name in ("pst", "pst-conjoint") and documents[0].provisional:
            print("    Sa première page indique combien de lignes en sont écartées ; le rapport de validation les "
                  "liste. À ne pas publier.")


def internal_error(build: Path, what: str, details: str | None = None) -> int:
    """A bug of ours: the traceback goes to <BUILD>/erreur-interne.log, the console gets a French sentence."""
    log = write_log(build, details if details is not None else traceback.format_exc())
    print(f"Erreur interne inattendue de PST builder : {what}. Transmettez le fichier {log} à l’équipe qui "
          "maintient l’outil.", file=sys.stderr)
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
        internal_error(build, "pour " + ", ".join(what for what, _ in internal) + ", aucun document n’a été écrit "
                       "(rien n’est laissé à moitié écrit ; les autres entités sont construites)", details)
    for what, failure in failures:
        if not failure.internal:
            print(f"Impossible d’écrire {what} : {failure.message}", file=sys.stderr)


def command_pst(args, publish=None) -> int:
    """`publish(report) -> exit code`, when given, runs once the documents are built and reported (make pdf)."""
    from .build import build_all
    from .parallel import processors
    from .load import ConfigurationError, find_entity_folders
    from .render import TemplateProblem

    try:
        folders = find_entity_folders(Path(args.data))
        jobs = args.processus or processors()
        since = seance_option(getattr(args, "depuis", None), "DEPUIS")
        evaluation = evaluation_option(args)
        exercice = exercice_option(args)
        report = build_all(folders, Path(args.build), despite_errors=args.malgre_erreurs, jobs=jobs,
                           progress=print_progress, since=since, check_only=getattr(args, "verifier", False),
                           evaluation=evaluation, exercice=exercice, export=getattr(args, "ecomptes", False),
                           one_entity=folders == [Path(args.data)])
    except (ConfigurationError, TemplateProblem) as problem:
        what = "de vérifier les classeurs" if getattr(args, "verifier", False) else "de construire le PST"
        print(f"Impossible {what} : {problem}", file=sys.stderr)
        return 2
    except OSError as problem:
        print(f"Impossible de construire le PST : « {problem.filename or problem} » n’a pas pu être écrit. Est-il "
              "ouvert dans Word ou Excel ? Fermez-le et relancez (les documents déjà en place n’ont pas changé).",
              file=sys.stderr)
        return 2
    except Exception:
        return internal_error(Path(args.build), "la construction s’est arrêtée (aucun document n’est laissé à "
                                                "moitié écrit)")
    for note in report.notes:
        print(note)
    for result in report.results:
        print_entity(result, report.check_only, make_target(args), rerun_options(args))
        if getattr(args, "temps", False):
            print_timings(result)
    for pair in report.cross_references:
        print_pair(pair)
    if report.leftovers:
        print()
        for path in report.leftovers:
            print(f"⚠ {path} n’est PLUS À JOUR : cette construction ne l’écrit plus (les deux cadres ne se nomment "
                  "plus l’un l’autre, ou l’une des institutions est absente ou en erreur). Supprimez-le s’il n’a "
                  "plus lieu d’être.")
    published = 0
    if publish is not None:
        try:
            published = publish(report)
        except Exception:
            return internal_error(Path(args.build), "la production des PDF s’est arrêtée (aucun PDF n’est laissé "
                                                    "à moitié écrit)")
    print()
    report_failures(report.failures(), Path(args.build))
    if report.check_only:
        failed = [r.label for r in report.results if r.has_errors and not r.failure]
        if failed:
            print(f"Erreurs dans les classeurs de {', '.join(failed)} (voir ci-dessus).", file=sys.stderr)
        return report.exit_code
    failed = [r.label for r in report.results if not r.document and not r.failure]
    if failed:
        print(f"Échec : pas de document pour {', '.join(failed)} (voir les erreurs ci-dessus).", file=sys.stderr)
    return max(report.exit_code, published)


def make_target(args) -> str:
    """The make target of the sub-command that was run (« modeles » is « templates »)."""
    command_name = getattr(args, "command", None) or "pst"
    return next((target for target, name in SUBCOMMANDS.items() if name == command_name), "pst")


DEFAULT_FOLDERS = {"data": "data", "build": "build"}


def rerun_options(args) -> dict:
    """The options to give again to run the same command (folders other than the default ones, the dates and
    year asked for, pdf's --rapport), keyed as invocation.command takes them."""
    names = ("data", "build", "depuis", "date", "echeance", "exercice", "prerempli")
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
        shape = "n’existe pas" if re.match(r"^\s*\d{4}-\d{2}-\d{2}\s*$", text) else \
            "n’est pas une date de la forme AAAA-MM-JJ"
        key = name.lower()
        raise ConfigurationError(f"« {option(key, text)} » {shape} (par exemple « {option(key, '2025-06-26')} »).")
    return day


def evaluation_option(args):
    """The rapport d'exécution asked for (make rapport, or make pdf RAPPORT=1 / DATE=…): its date (DATE=, default
    today) and its stage (ECHEANCE=mi-parcours|fin, default from the législature); None when none is asked for."""
    import datetime as dt

    from .evaluation import Evaluation, parse_stage
    from .load import ConfigurationError

    date, stage = getattr(args, "date", None), getattr(args, "echeance", None)
    if not (getattr(args, "rapport", False) or date or stage):
        return None
    day = seance_option(date, "DATE") if date else dt.date.today()
    if stage and parse_stage(stage) is None:
        raise ConfigurationError(f"« {option('echeance', stage)} » n’est pas une échéance de l’évaluation : "
                                 f"écrivez « {option('echeance', 'mi-parcours')} » ou "
                                 f"« {option('echeance', 'fin')} » (ou ne l’indiquez pas : elle se déduit de la date "
                                 "et de la législature).")
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
        raise ConfigurationError(f"« {option('exercice', text)} » n’est pas une année d’exercice budgétaire "
                                 f"(par exemple « {option('exercice', '2025')} »).")
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
                raise ConfigurationError(f"« {option('seance')} » et « {option('annuler')} » ne vont pas ensemble : "
                                         f"« {option('annuler')} » retire la dernière version enregistrée, "
                                         f"« {option('seance')} » en enregistre une nouvelle.")
            day = seance_option(args.annuler, "ANNULER")
            outcomes = withdraw_all(find_entity_folders(Path(args.data)), day, args.entite, given)
        else:
            if not (args.seance or "").strip():
                raise ConfigurationError("la date de la séance manque : "
                                         f"« {command('adopter', **given, seance='AAAA-MM-JJ')} ».")
            seance = seance_option(args.seance, "SEANCE")
            outcomes = adopt_all(find_entity_folders(Path(args.data)), Path(args.build), seance, entity=args.entite,
                                 given=given)
    except ConfigurationError as problem:
        what = "de retirer la version" if withdrawing else "d’enregistrer la version adoptée"
        print(f"Impossible {what} : {problem}", file=sys.stderr)
        return 2
    except Exception:
        return internal_error(Path(args.build), "l’enregistrement de la version adoptée s’est arrêté (rien n’est "
                                                "enregistré à moitié)")
    refused = [outcome for outcome in outcomes if outcome.refused]
    for outcome in outcomes:
        print()
        if outcome.refusals:
            print(f"{outcome.label} : {'version NON retirée' if withdrawing else 'version NON enregistrée'}")
            print_findings(outcome.refusals)
        elif withdrawing:
            version = outcome.version
            print(f"{outcome.label} : la version {version.number} adoptée le {long_date(version.seance)} est "
                  "retirée.")
            print(f"  → mise de côté dans {version.folder} (rien n’est supprimé)")
            print("  La prochaine construction numérote les actions comme avant cette version.")
        else:
            version = outcome.version
            count = plural(len(version.actions), "action", "actions")
            kind = "version adoptée" if version.number == 1 else f"actualisation (version {version.number})"
            print(f"{outcome.label} : {kind} par le conseil le {long_date(version.seance)} enregistrée ({count}).")
            print(f"  → {version.folder}")
            if outcome.after_legislature:
                print("  Séance postérieure à la législature : cette version est celle de l’évaluation de fin de "
                      "législature.")
            print("  Les numéros de ses actions ne changeront plus ; une nouvelle action prendra le numéro qui suit "
                  "le dernier de son volet.")
    print()
    if refused:
        nothing = "aucune version n’est retirée" if withdrawing else "aucune version n’est enregistrée"
        print(f"Échec : {nothing}" + (" (toutes les entités ou aucune ; voir ci-dessus)." if len(outcomes) > 1
                                      else " (voir ci-dessus)."), file=sys.stderr)
        return 1
    return 0


def command_pdf(args) -> int:
    """`make pst`, then each PST written → PDF through LibreOffice (pipeline/pdf.py)."""
    from .pdf import OfficeMissing, find_office, publish

    try:
        office = find_office()
    except OfficeMissing as problem:
        print(f"Impossible de produire le PDF : {problem}", file=sys.stderr)
        return 2
    return command_pst(args, publish=lambda report: publish(report, Path(args.build), office))


def command_blank_templates(args) -> int:
    from .workbooks import write_blank_templates

    for path, changed in write_blank_templates(Path(args.out)):
        print(f"Écrit : {path}" if changed else f"Inchangé : {path}")
    return 0


def command_templates(args) -> int:
    from .load import ConfigurationError, find_entity_folders
    from .templates import generate

    try:
        folders = find_entity_folders(Path(args.data))
        results = generate(folders, Path(args.build), prefilled=args.prerempli)
    except ConfigurationError as problem:
        print(f"Impossible d’écrire les classeurs des services : {problem}", file=sys.stderr)
        return 2
    except OSError as problem:
        print(f"Impossible d’écrire les classeurs des services : {problem.filename or problem} ne peut pas être "
              "écrit (un classeur est-il ouvert dans Excel ou LibreOffice ? Fermez-le et relancez).", file=sys.stderr)
        return 2
    except Exception:
        return internal_error(Path(args.build), "l’écriture des classeurs des services s’est arrêtée")
    for result in results:
        print()
        print(f"{result.label} ({result.folder})")
        print_findings(result.findings)
        if result.failure:
            print(f"  → Aucun classeur écrit : {result.failure.message}")
            continue
        if result.has_errors:
            print("  → Aucun classeur écrit : corrigez les erreurs de cadre.xlsx ci-dessus puis relancez "
                  f"« {command('templates', **rerun_options(args))} ».")
            continue
        folder = result.written[0].parent if result.written else ""
        print(f"  {plural(len(result.written), 'classeur écrit', 'classeurs écrits')} dans {folder} : "
              + ", ".join(path.name for path in result.written))
        if args.prerempli:
            print(f"  Préremplis avec {plural(result.prefilled_actions, 'action', 'actions')} de la construction "
                  f"du {result.prefilled_from}.")
    print()
    failures = [(f"les classeurs de {r.label}", r.failure) for r in results if r.failure]
    report_failures(failures, Path(args.build))
    failed = [r.label for r in results if r.has_errors]
    if failed:
        print(f"Échec : erreurs dans le cadre de {', '.join(failed)}.", file=sys.stderr)
    if failures or failed:
        return max([1 if failed else 0, *(failure.exit_code for _, failure in failures)])
    folders = {name: value for name, value in rerun_options(args).items() if name in ("data", "build")}
    print("Envoyez à chaque service son classeur ; déposez les classeurs complétés dans le dossier services/ de "
          f"l’entité, puis lancez « {command('pst', **folders)} ».")
    return 0


def parser() -> argparse.ArgumentParser:
    """The `pst` command: each sub-command with exactly the options that apply to it (the make variables of
    the same name: --malgre-erreurs is MALGRE_ERREURS=1), its help and its errors in French."""
    name = program()
    main = ArgumentParser(prog=name, description="PST builder : des classeurs des services au document officiel du "
                                                 "programme stratégique transversal.",
                          epilog=f"Les options d’une commande : « {name} COMMANDE --help », par exemple "
                                 f"« {name} rapport --help ».")
    commands = main.add_subparsers(dest="command", required=True, title="commandes", metavar="COMMANDE")

    def add(command_name: str, text: str, run) -> argparse.ArgumentParser:
        sub = commands.add_parser(command_name, help=text, description=text[0].upper() + text[1:] + ".")
        sub.set_defaults(run=run)
        return sub

    pst = add("pst", "construit le PST (Word) de chaque entité du dossier de données, ses fiches actions et son "
                     "rapport de validation", command_pst)
    building_options(pst)
    pdf = add("pdf", "construit le PST comme la commande pst, puis son PDF à publier (LibreOffice : table des "
                     "matières à jour, signets)", command_pdf)
    building_options(pdf)
    evaluation_options(pdf)
    pdf.add_argument("--rapport", action="store_true", help="construit et publie aussi le rapport d’exécution")
    templates = add("modeles", "écrit le classeur de chaque service, à partir du cadre de chaque entité",
                    command_templates)
    folder_options(templates, build="dossier de sortie : les classeurs vont dans DOSSIER/<entité>/modeles/ "
                                    "(défaut : build)")
    templates.add_argument("--prerempli", action="store_true", help="reprend les actions de la dernière "
                                                                    "construction réussie du PST")
    check = add("verifier", "lit et contrôle les classeurs, écrit le rapport de validation, sans écrire de document "
                            "ni rien enregistrer", command_pst)
    building_options(check, provisional=None)
    check.set_defaults(verifier=True)
    adopt = add("adopter", "enregistre la dernière construction réussie comme la version dont le conseil a pris "
                           "acte", command_adopt)
    folder_options(adopt, build="dossier où se trouve la dernière construction (défaut : build)")
    adopt.add_argument("--seance", metavar="AAAA-MM-JJ", help="date de la séance du conseil")
    adopt.add_argument("--entite", metavar="DOSSIER", help="n’adopte que l’entité de ce dossier")
    adopt.add_argument("--annuler", metavar="AAAA-MM-JJ",
                       help="retire la dernière version enregistrée, adoptée à cette date (son dossier est mis de "
                            "côté, pas supprimé)")
    changes = add("modifications", "construit le PST comme la commande pst, avec le document des modifications "
                                   "depuis une version adoptée", command_pst)
    building_options(changes)
    changes.add_argument("--depuis", metavar="AAAA-MM-JJ", help="date de séance de la version de référence "
                                                                "(défaut : la dernière adoptée)")
    report_ = add("rapport", "construit le PST comme la commande pst, avec son rapport d’exécution (évaluation à "
                             "mi-législature ou de fin de législature)", command_pst)
    building_options(report_)
    evaluation_options(report_)
    report_.set_defaults(rapport=True)
    export = add("ecomptes", "construit le PST comme la commande pst, avec son export XML pour e-Comptes (schéma "
                             "201805V1 de la Région wallonne)", command_pst)
    building_options(export, provisional="écrit quand même des documents provisoires, sans les lignes rejetées, "
                                         "mais pas d’export e-Comptes pour une entité en erreur")
    export.add_argument("--exercice", metavar="AAAA",
                        help="exercice budgétaire de l’export (défaut : l’année en cours)")
    export.set_defaults(ecomptes=True)
    blank = add("modeles-vierges", "écrit les classeurs vierges du contrat (input_templates/)",
                command_blank_templates)
    blank.add_argument("--out", default="input_templates", metavar="DOSSIER", help="dossier de destination "
                                                                                   "(défaut : input_templates)")
    return main


def folder_options(parser: argparse.ArgumentParser, build: str = "dossier où écrire les documents (défaut : "
                                                                    "build)") -> None:
    parser.add_argument("--data", default="data", metavar="DOSSIER",
                        help="dossier des données : un dossier d’entité (cadre.xlsx et services/) ou un dossier "
                             "qui en contient plusieurs (défaut : data)")
    parser.add_argument("--build", default="build", metavar="DOSSIER", help=build)


def building_options(parser: argparse.ArgumentParser, provisional: str | None = "construit quand même des "
                     "documents provisoires, sans les lignes rejetées") -> None:
    """The options of every command that builds the PST; --malgre-erreurs where documents are written
    (`provisional`: its help; None: not offered)."""
    folder_options(parser)
    if provisional:
        parser.add_argument("--malgre-erreurs", action="store_true", help=provisional)
    else:
        parser.set_defaults(malgre_erreurs=False)
    parser.add_argument("--processus", type=whole_number, default=0, metavar="NOMBRE",
                        help="nombre de processus : les entités sont construites en parallèle et, s’il en reste, "
                             "le PST et les fiches d’une entité sont écrits côte à côte (défaut : le nombre de "
                             "processeurs)")
    parser.add_argument("--temps", action="store_true", help="affiche le temps passé dans chaque étape")


def evaluation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", metavar="AAAA-MM-JJ", help="date de l’évaluation (défaut : aujourd’hui) : la "
                                                            "situation décrite, les actions en retard à cette date")
    parser.add_argument("--echeance", metavar="mi-parcours|fin", help="échéance de l’évaluation (défaut : fin à "
                                                                      "partir de la dernière année de la "
                                                                      "législature, mi-parcours avant)")


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
        print("Interrompu : les documents déjà en place n’ont pas changé.", file=sys.stderr)
        return 130
    except BaseException as problem:  # what the commands did not catch (a panic of native code…)
        if isinstance(problem, SystemExit):
            raise
        return internal_error(Path(getattr(args, "build", "build")), "la commande s’est arrêtée (aucun document "
                                                                      "n’est laissé à moitié écrit)")
