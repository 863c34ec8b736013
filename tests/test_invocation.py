"""The `pst` command speaks for itself: its help and errors in French, each sub-command with its own options, and
advice that names the command as the coordinator launched it — `pst …` (Windows, the console script) or
`python -m pipeline …` never name make; under make, make syntax."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT, action, add_sheet, make_entity
from pipeline import invocation
from pipeline.cli import main
from pipeline.findings import finding

MAKE = re.compile(r"\bmake\b")
ENGLISH = ("usage:", "options:", "show this help", "positional arguments", "optional arguments", "subcommands",
           "error:", "the following arguments are required", "unrecognized arguments", "invalid choice",
           "expected one argument", "invalid int value", "argument ")
"""What argparse says in English (« argument --date: expected one argument »)."""

OPTIONS = {
    "pst": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps"},
    "pdf": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--date", "--echeance", "--rapport"},
    "modeles": {"--data", "--build", "--prerempli"},
    "verifier": {"--data", "--build", "--processus", "--temps"},
    "suivre": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps"},
    "adopter": {"--data", "--build", "--seance", "--entite", "--annuler"},
    "modifications": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--depuis"},
    "rapport": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--date", "--echeance"},
    "ecomptes": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--exercice"},
    "synergies": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--annee"},
    "site": {"--data", "--build", "--malgre-erreurs", "--processus", "--temps", "--date"},
    "importer": {"--source", "--data", "--interne"},
    "modeles-vierges": {"--out"},
}
"""Each sub-command's options: --malgre-erreurs only where documents are written (not verifier, which writes none)."""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv) in-process, argparse's exits included: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- Help and errors in French --------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [None, *OPTIONS])
def test_every_help_is_french_and_lists_exactly_the_options_of_its_command(command, capsys):
    code, out, err = run(capsys, *([command] if command else []), "--help")
    assert code == 0 and not err
    out = " ".join(out.split())  # argparse wraps lines to the terminal's width
    assert out.startswith("utilisation : pst") and "options :" in out and "affiche cette aide et quitte" in out
    assert not [word for word in ENGLISH if word in out], out
    assert not MAKE.search(out), out
    if command is None:
        assert "commandes :" in out and all(name in out for name in OPTIONS)
        assert "« pst rapport --help »" in out
    else:
        assert set(re.findall(r"--[a-z-]+", out)) - {"--help"} == OPTIONS[command]


@pytest.mark.parametrize("argv, says", [
    ([], "il manque : COMMANDE"),
    (["rapprt"], "« rapprt » n’est pas une commande ; les commandes sont : pst, pdf, modeles, verifier, suivre, adopter, "
                 "modifications, rapport, ecomptes, synergies, site, importer, modeles-vierges. Voulez-vous dire « rapport » ?"),
    (["pst", "--bla"], "pst pst : erreur : option ou valeur non reconnue : --bla"),
    (["verifier", "--malgre-erreurs"], "pst verifier : erreur : option ou valeur non reconnue : --malgre-erreurs"),
    (["pst", "dossier"], "pst pst : erreur : option ou valeur non reconnue : dossier"),
    (["rapport", "--date"], "pst rapport : erreur : --date : une valeur est attendue après l’option"),
    (["pst", "--processus", "deux"], "pst pst : erreur : --processus : « deux » n’est pas un nombre entier"),
    (["adopter", "--seance"], "--seance : une valeur est attendue"),
])
def test_a_wrong_invocation_is_answered_in_french_with_where_to_find_the_help(argv, says, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert says in err, err
    assert err.startswith("utilisation : pst") and " : erreur : " in err
    assert re.search(r"« pst( [a-z-]+)? --help » affiche l’aide\.\n$", err), err
    assert not [word for word in ENGLISH if word in err], err


def test_other_parsers_of_the_process_keep_their_own_language(capsys):
    """argparse is French only while the tool's parser works: pytest's own parser, for one, is left alone."""
    run(capsys, "verifier", "--malgre-erreurs")
    other = argparse.ArgumentParser(prog="autre")
    assert other.format_usage().startswith("usage: autre")


# --- Advice named as the user launched the tool ---------------------------------------------------------------
def entity_in_error(folder: Path, parameters: dict | None = None) -> Path:
    """An action on an objective the frame lacks (an error: no document) and a listed service without workbook (a
    warning whose suggestion names the command that writes the services' workbooks)."""
    make_entity(folder, {"Travaux.xlsx": [action(oo="9.9", title="Inconnue"), action(title="Bonne")]}, parameters)
    add_sheet(folder / "cadre.xlsx", "Listes", {"Services": ["Travaux", "Finances"]})
    return folder


def test_the_pst_script_names_itself_in_its_advice_never_make(tmp_path):
    """The console script as a coordinator runs it (`.venv/bin/pst pst`, `.venv\\Scripts\\pst pst` on Windows)."""
    data = entity_in_error(tmp_path / "ville")
    script = Path(sys.executable).with_name("pst")
    env = {key: value for key, value in os.environ.items() if key != invocation.LAUNCHER_VARIABLE}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != script.parent)
    done = subprocess.run([str(script), "pst", "--data", str(data), "--build", str(tmp_path / "build"),
                           "--processus", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    name = os.path.relpath(script, ROOT) if script.is_relative_to(ROOT) else str(script)
    again = f"{name} pst --data {data} --build {tmp_path / 'build'}"
    assert f"relancez « {again} » (ou « {again} --malgre-erreurs » pour des documents provisoires" in done.stdout
    assert f"(« {name} modeles » l’a préparé)" in done.stdout
    assert not MAKE.search(done.stdout + done.stderr)
    report = load_workbook(tmp_path / "build" / "ville" / "Rapport_validation.xlsx")
    assert not MAKE.search(" ".join(str(cell.value) for sheet in report for row in sheet.iter_rows()
                                    for cell in row if cell.value))


def test_python_dash_m_pipeline_names_itself(tmp_path):
    data = entity_in_error(tmp_path / "ville")
    done = subprocess.run([sys.executable, "-m", "pipeline", "verifier", "--data", str(data), "--build",
                           str(tmp_path / "build"), "--processus", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1
    assert f"Contrôle seulement (« python -m pipeline verifier --data {data} --build {tmp_path / 'build'} »)" \
        in done.stdout
    assert "(« python -m pipeline modeles » l’a préparé)" in done.stdout
    assert not MAKE.search(done.stdout + done.stderr)


def test_under_make_the_advice_is_make_syntax(tmp_path):
    """Through the Makefile itself (it sets PST_LANCEUR=make); `-o` keeps make from reinstalling the venv."""
    data = entity_in_error(tmp_path / "ville")
    build = tmp_path / "build"
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "ecomptes", f"DATA={data}", f"BUILD={build}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2  # make's own code for a failed recipe
    again = f"make ecomptes DATA={data} BUILD={build}"
    assert (f"relancez « {again} » (ou « {again} MALGRE_ERREURS=1 » pour des documents provisoires sans les lignes "
            "rejetées, sans export e-Comptes)") in done.stdout
    assert "(« make templates » l’a préparé)" in done.stdout
    assert "puis relancez « make ecomptes »." in done.stdout  # the catalogue: no « Code INS » in the frame
    assert "--malgre-erreurs" not in done.stdout and "pst modeles" not in done.stdout


def test_worker_processes_started_with_spawn_word_their_findings_for_make_too(tmp_path, capsys, monkeypatch):
    """Windows and macOS start workers with `spawn`: they learn the launcher from the environment they inherit."""
    monkeypatch.setenv("PST_START_METHOD", "spawn")
    monkeypatch.setenv(invocation.LAUNCHER_VARIABLE, "make")
    entity_in_error(tmp_path / "data" / "ville")
    entity_in_error(tmp_path / "data" / "cpas", {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    code, out, _ = run(capsys, "pst", "--data", str(tmp_path / "data"), "--build", str(tmp_path / "build"),
                       "--processus", "2")
    assert code == 1
    assert out.count("(« make templates » l’a préparé)") == 2
    assert out.count(f"relancez « make pst DATA={tmp_path / 'data'} BUILD={tmp_path / 'build'} »") == 2


def test_make_ecomptes_despite_errors_writes_provisional_documents_without_the_export(tmp_path):
    """The console suggests `make ecomptes MALGRE_ERREURS=1`: the Makefile passes it on."""
    data = entity_in_error(tmp_path / "ville")
    build = tmp_path / "build"
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "ecomptes", f"DATA={data}", f"BUILD={build}",
                           "MALGRE_ERREURS=1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    # The provisional PST is written, the export asked for is not: the command ends with 1, which make reports.
    assert done.returncode == 2 and "Error 1" in done.stderr, done.stdout + done.stderr
    assert [p.name for p in build.rglob("PST_*.docx")] == ["PST_VILLE_2025-2030_PROVISOIRE.docx"]
    assert not list(build.rglob("*.xml"))


@pytest.mark.parametrize("launcher", ["pst", "make"])
def test_a_bad_date_or_year_is_told_as_it_was_typed(launcher, tmp_path, capsys, monkeypatch):
    if launcher == "make":
        monkeypatch.setenv(invocation.LAUNCHER_VARIABLE, "make")
    data = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()]})
    out = {}
    for argv in (["rapport", "--date", "2030-02-30"], ["rapport", "--echeance", "bientôt"],
                 ["ecomptes", "--exercice", "22"], ["modifications", "--depuis", "hier"],
                 ["adopter", "--seance", "2025-13-01"]):
        code, _, err = run(capsys, *argv, "--data", str(data), "--build", str(tmp_path / "build"))
        assert code == 2, err
        out[argv[0] + argv[1]] = err
    if launcher == "make":
        assert "« DATE=2030-02-30 » n’existe pas (par exemple « DATE=2025-06-26 »)" in out["rapport--date"]
        assert "écrivez « ECHEANCE=mi-parcours » ou « ECHEANCE=fin »" in out["rapport--echeance"]
        assert "« EXERCICE=22 » n’est pas une année d’exercice budgétaire (par exemple « EXERCICE=2025 »)" in \
            out["ecomptes--exercice"]
        assert "« DEPUIS=hier » n’est pas une date de la forme AAAA-MM-JJ" in out["modifications--depuis"]
        assert "« SEANCE=2025-13-01 » n’existe pas" in out["adopter--seance"]
        assert not any("--" in text for text in out.values())
    else:
        assert "« --date 2030-02-30 » n’existe pas (par exemple « --date 2025-06-26 »)" in out["rapport--date"]
        assert "écrivez « --echeance mi-parcours » ou « --echeance fin »" in out["rapport--echeance"]
        assert "« --exercice 22 » n’est pas une année d’exercice budgétaire (par exemple « --exercice 2025 »)" in \
            out["ecomptes--exercice"]
        assert "« --depuis hier » n’est pas une date de la forme AAAA-MM-JJ" in out["modifications--depuis"]
        assert "« --seance 2025-13-01 » n’existe pas" in out["adopter--seance"]
        assert not any(MAKE.search(text) or "=" in text for text in out.values())


@pytest.mark.parametrize("launcher", ["pst", "make"])
def test_the_catalogue_names_commands_and_options_as_typed(launcher, monkeypatch):
    if launcher == "make":
        monkeypatch.setenv(invocation.LAUNCHER_VARIABLE, "make")
    missing_ins = finding("code-ins-absent", type="CPAS").suggestion
    references = finding("references-attribuees", count=2, first="VILLE-0001", last="VILLE-0002").suggestion
    future = finding("date-evaluation-future", day="1er mars 2031", today="1er mars 2030").suggestion
    if launcher == "make":
        assert missing_ins.endswith("puis relancez « make ecomptes ».")
        assert "(« make templates PREREMPLI=1 »)" in references
        assert future == ("Vérifiez la date demandée (« DATE=AAAA-MM-JJ ») ; sans « DATE= », le rapport décrit la "
                          "situation d’aujourd’hui.")
    else:
        assert missing_ins.endswith("puis relancez « pst ecomptes ».")
        assert "(« pst modeles --prerempli »)" in references
        assert future == ("Vérifiez la date demandée (« --date AAAA-MM-JJ ») ; sans « --date », le rapport décrit "
                          "la situation d’aujourd’hui.")


def test_no_message_of_the_tool_names_make_but_through_the_invocation():
    """Every string the code can print or write (docstrings aside) names a command or a make variable only through
    pipeline/invocation.py: a « make pst » typed in a message would reach a Windows coordinator."""
    pattern = re.compile(r"\bmake\b|\b(?:" + "|".join(invocation.OPTIONS.values()) + ")=")
    found = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if path.name == "invocation.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = [node.body for node in ast.walk(tree) if isinstance(getattr(node, "body", None), list)]
        docstrings = {id(statement.value) for body in bodies for statement in body
                      if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)}
        found += [f"{path.name}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and pattern.search(node.value)]
    assert not found


# --- The invocation module ------------------------------------------------------------------------------------
def test_commands_and_options_in_make_and_pst_syntax(monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(ROOT / ".venv" / "bin" / "pst")])
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", "")
    assert invocation.command("pst", malgre_erreurs=True) == ".venv/bin/pst pst --malgre-erreurs"
    assert invocation.command("adopter", seance="2025-06-26") == ".venv/bin/pst adopter --seance 2025-06-26"
    assert invocation.command("templates", prerempli=True) == ".venv/bin/pst modeles --prerempli"
    assert invocation.command("pst", data="mon dossier", build=None, malgre_erreurs=False) == \
        '.venv/bin/pst pst --data "mon dossier"'
    assert invocation.option("date", "2025-06-26") == "--date 2025-06-26"
    assert invocation.option("malgre_erreurs") == "--malgre-erreurs"
    assert invocation.option("entite", "ville") == "--entite ville"
    monkeypatch.setattr(sys, "argv", [str(ROOT / "pipeline" / "__main__.py")])
    assert invocation.command("rapport", date="2025-06-26") == "python -m pipeline rapport --date 2025-06-26"
    monkeypatch.setenv(invocation.LAUNCHER_VARIABLE, "make")
    assert invocation.command("pst", malgre_erreurs=True) == "make pst MALGRE_ERREURS=1"
    assert invocation.command("adopter", seance="2025-06-26") == "make adopter SEANCE=2025-06-26"
    assert invocation.command("templates", prerempli=True) == "make templates PREREMPLI=1"
    assert invocation.command("adopter", annuler="2025-06-26", entite="ville") == \
        "make adopter ANNULER=2025-06-26 ENTITE=ville"
    assert invocation.option("date", "2025-06-26") == "DATE=2025-06-26"
    assert invocation.option("date") == "DATE="
    with pytest.raises(ValueError):
        invocation.command("modeles")  # a make target is expected: « templates »


def test_the_script_is_named_as_the_user_can_type_it_again():
    name = invocation.script_name
    windows = r"C:\Users\dg\PST builder"
    assert name(windows + r"\.venv\Scripts\pst.exe", windows, None, windows=True) == r".venv\Scripts\pst"
    assert name(windows + r"\.venv\Scripts\PST.EXE", r"c:\users\dg\pst builder", None, windows=True) == \
        r".venv\Scripts\PST"
    assert name(windows + r"\.venv\Scripts\pst.exe", r"C:\Ailleurs", None, windows=True) == \
        windows + r"\.venv\Scripts\pst"
    assert name(windows + r"\.venv\Scripts\pst.exe", r"C:\Ailleurs", windows + r"\.venv\Scripts\pst.EXE",
                windows=True) == "pst"  # the venv is activated: the PATH finds it
    assert name(".venv/bin/pst", "/home/dg/pst", None, windows=False) == ".venv/bin/pst"
    assert name("/home/dg/pst/.venv/bin/pst", "/home/dg/pst", "/home/dg/pst/.venv/bin/pst", windows=False) == "pst"
    assert name("/home/dg/pst/pst", "/home/dg/pst", None, windows=False) == "./pst"
    assert name("/usr/lib/python3/pytest/__main__.py", "/home/dg", None, windows=False) == "pst"
