"""The PST's memory lasts six years (issue 21): what must last lives beside the data, a build folder belongs to one
data folder, an adoption records every entity or none (and the last one can be withdrawn), the dates of the
commands make sense. Expected values are read from the data the tests write, never from the pipeline's own
numbering code."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

from lxml import etree

from conftest import ROOT, action, add_sheet, docx_text, make_entity
from pipeline.cli import main


def run(*args: str) -> int:
    return main([*args, "--processus", "1"]) if args[0] != "adopter" else main(list(args))


def build(data: Path, out: Path, *extra: str) -> int:
    return run("pst", "--data", str(data), "--build", str(out), *extra)


def adopt(data: Path, out: Path, *extra: str) -> int:
    return main(["adopter", "--data", str(data), "--build", str(out), *extra])


def recorded(folder: Path) -> dict[str, tuple[str, str]]:
    """Libellé → (Réf., number shown), as the state beside the data records them."""
    state = json.loads((folder / "etat-pst.json").read_text(encoding="utf-8"))
    return {a["title"]: (a["reference"], a["number"]) for a in state["actions"]}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


ROWS = {"Travaux.xlsx": [action(title="Réparer les trottoirs"), action(oo="2.1", title="Rénover la salle")],
        "Finances.xlsx": [action(title="Voter le budget"), action(volet="Interne", title="Numériser les factures")]}


# --- What must last lives with the data ------------------------------------------------------------------------------
def test_the_guides_sample_built_into_the_same_build_never_touches_the_coordinators_build(tmp_path, capsys):
    data, sample = tmp_path / "data", tmp_path / "exemple-conjoint"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "exemple-conjoint", sample)
    out = tmp_path / "build"
    assert build(data, out) == 0
    before = {name: recorded(data / name) for name in ("engis-commune", "engis-cpas")}
    written = snapshot(out)
    capsys.readouterr()

    assert build(sample, out) == 2  # same entity folder names (engis-commune, engis-cpas): refused
    err = capsys.readouterr().err
    assert str(data) in err and str(sample) in err and f"« --build {out}-exemple-conjoint »" in err
    assert snapshot(out) == written  # not one byte of the coordinator's build changed
    assert not (sample / "engis-commune" / "etat-pst.json").exists()

    assert build(sample, tmp_path / "build-exemple-conjoint") == 0  # the way out the message gives
    assert build(data, out) == 0
    assert {name: recorded(data / name) for name in before} == before
    assert "Action retirée" not in capsys.readouterr().out


def test_deleting_the_build_folder_changes_no_reference_nor_number_before_and_after_adoption(tmp_path):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    draft = recorded(folder)
    assert not (out / "ville" / "etat-pst.json").exists()
    shutil.rmtree(out)  # make clean
    assert build(folder, out) == 0
    assert recorded(folder) == draft

    assert adopt(folder, out, "--seance", "2025-06-26") == 0
    # A new action placed first in its OO: after adoption it takes the number after the last of its volet.
    make_entity(folder, {"Travaux.xlsx": [action(title="Fleurir les places"), *ROWS["Travaux.xlsx"]]})
    assert build(folder, out) == 0
    adopted = recorded(folder)
    externe = [int(number) for title, (_, number) in draft.items() if title != "Numériser les factures"]
    assert adopted["Fleurir les places"][1] == str(max(externe) + 1)
    assert {title: adopted[title] for title in draft} == draft
    shutil.rmtree(out)
    assert build(folder, out) == 0
    assert recorded(folder) == adopted
    pst = next((out / "ville").glob("PST_*.docx"))
    assert "version 1 adoptée le 26\u00a0juin\u00a02025" in docx_text(pst)


def test_a_state_kept_in_build_by_an_earlier_version_is_taken_over_once(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    references = {title: reference for title, (reference, _) in recorded(folder).items()}
    legacy = out / "ville" / "etat-pst.json"
    (folder / "etat-pst.json").rename(legacy)  # where PST builder kept it before
    make_entity(folder, {"Finances.xlsx": [*ROWS["Finances.xlsx"], action(title="Emprunter")]})
    capsys.readouterr()
    assert build(folder, out) == 0
    output = capsys.readouterr().out
    assert f"était gardé dans {legacy}" in output and str(folder / "etat-pst.json") in output
    now = {title: reference for title, (reference, _) in recorded(folder).items()}
    assert {title: now[title] for title in references} == references
    assert now["Emprunter"] == "VILLE-0005"
    assert not legacy.exists()
    assert build(folder, out) == 0 and "était gardé dans" not in capsys.readouterr().out


def test_a_lost_state_is_rebuilt_from_the_last_adopted_version_with_a_warning(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    assert adopt(folder, out, "--seance", "2025-06-26") == 0
    kept = recorded(folder)
    (folder / "etat-pst.json").unlink()
    capsys.readouterr()
    assert build(folder, out) == 0
    assert "les Réf. sont reprises de la version 1 adoptée le 26 juin 2025" in capsys.readouterr().out
    assert recorded(folder) == kept


# --- All or nothing -----------------------------------------------------------------------------------------------
def two_entities(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    make_entity(data / "ville", ROWS)
    make_entity(data / "cpas", {"Social.xlsx": [action(title="Ouvrir une épicerie sociale")]},
                {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    return data


def test_one_entity_refused_records_no_version_for_any_and_entite_adopts_one_alone(tmp_path, capsys):
    data = two_entities(tmp_path)
    out = tmp_path / "build"
    assert build(data, out) == 0
    time.sleep(0.05)
    make_entity(data / "ville", {"Travaux.xlsx": [*ROWS["Travaux.xlsx"], action(title="Ajoutée après")]})
    capsys.readouterr()
    assert adopt(data, out, "--seance", "2025-06-26") == 1
    captured = capsys.readouterr()
    assert not (data / "ville" / "versions").exists() and not (data / "cpas" / "versions").exists()
    assert "Ville de Testville : version NON enregistrée" in captured.out and "Travaux.xlsx" in captured.out
    assert "CPAS de Testville : version NON enregistrée" in captured.out
    assert "Prête à être enregistrée, mais rien n’est enregistré : « Ville de Testville » est refusée" \
           in captured.out
    assert "aucune version n’est enregistrée (toutes les entités ou aucune" in captured.err

    assert adopt(data, out, "--seance", "2025-06-26", "--entite", "cpas") == 0
    assert (data / "cpas" / "versions" / "2025-06-26" / "version.json").is_file()
    assert not (data / "ville" / "versions").exists()
    assert adopt(data, out, "--seance", "2025-06-27", "--entite", "inconnue") == 2
    assert "« cpas », « ville »" in capsys.readouterr().err


def test_an_adoption_from_another_build_folder_or_without_its_documents_is_refused(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    assert build(folder, tmp_path / "build") == 0
    assert build(folder, tmp_path / "autre") == 0
    capsys.readouterr()
    assert adopt(folder, tmp_path / "build", "--seance", "2025-06-26") == 1
    assert f"écrite dans « {tmp_path / 'autre'} »" in capsys.readouterr().out
    shutil.rmtree(tmp_path / "autre")
    assert adopt(folder, tmp_path / "autre", "--seance", "2025-06-26") == 1
    assert "PST_VILLE_2025-2030.docx) est introuvable" in capsys.readouterr().out
    assert not (folder / "versions").exists()


def test_the_last_version_is_withdrawn_set_aside_and_the_next_build_numbers_as_before_it(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    assert adopt(folder, out, "--seance", "2025-06-26") == 0
    make_entity(folder, {"Travaux.xlsx": [action(title="Fleurir les places"), *ROWS["Travaux.xlsx"]]})
    assert build(folder, out) == 0
    before_second = recorded(folder)
    assert adopt(folder, out, "--seance", "2026-03-15") == 0
    make_entity(folder, {"Travaux.xlsx": [action(title="Fleurir les places"), action(title="Arroser"),
                                          *ROWS["Travaux.xlsx"]]})
    assert build(folder, out) == 0

    capsys.readouterr()
    assert adopt(folder, out, "--annuler", "2025-06-26") == 1  # not the last one
    assert "seule la dernière version enregistrée peut être retirée" in capsys.readouterr().out
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["2025-06-26", "2026-03-15"]

    assert adopt(folder, out, "--annuler", "2026-03-15") == 0
    assert "mise de côté" in capsys.readouterr().out
    assert (folder / "versions" / "annulees" / "2026-03-15" / "version.json").is_file()  # set aside, not deleted
    make_entity(folder, {"Travaux.xlsx": [action(title="Fleurir les places"), *ROWS["Travaux.xlsx"]]})
    assert build(folder, out) == 0
    assert recorded(folder) == before_second
    pst = next((out / "ville").glob("PST_*.docx"))
    assert "version 1 adoptée le 26\u00a0juin\u00a02025" in docx_text(pst)
    # The same séance can be recorded again once withdrawn.
    assert adopt(folder, out, "--seance", "2026-03-15") == 0


# --- Dates that make sense ----------------------------------------------------------------------------------------
def test_a_future_or_out_of_legislature_seance_is_refused_with_nothing_recorded(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS, {"Législature": "2019-2024"})
    out = tmp_path / "build"
    assert build(folder, out) == 0
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    capsys.readouterr()
    assert adopt(folder, out, "--seance", tomorrow.isoformat()) == 1
    assert "est postérieure à aujourd’hui" in capsys.readouterr().out
    assert adopt(folder, out, "--seance", "2018-12-20") == 1
    assert "en dehors de la législature 2019-2024" in capsys.readouterr().out
    assert adopt(folder, out, "--seance", "2026-01-15") == 1
    assert not (folder / "versions").exists()
    # The year after the législature: the final evaluation's séance.
    assert adopt(folder, out, "--seance", "2025-03-01") == 0
    assert "évaluation de fin de législature" in capsys.readouterr().out
    assert adopt(folder, out, "--seance", "2025-02-30") == 2


def xml_year(out: Path) -> str:
    [path] = list(out.rglob("*_eComptes.xml"))
    return etree.parse(str(path)).findtext("Identifiants/Exercice")


def test_exercice_defaults_to_the_current_year_within_the_legislature_and_outside_is_refused(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS, {"Législature": "2019-2024", "Code INS": "92094"})
    out = tmp_path / "build"
    today = dt.date.today()
    assert run("ecomptes", "--data", str(folder), "--build", str(out)) == 0
    expected = min(max(today.year, 2019), 2024)
    assert xml_year(out) == str(expected)
    assert f"Exercice de l’export e-Comptes : {expected} (" in capsys.readouterr().out

    written = snapshot(out)
    assert run("ecomptes", "--data", str(folder), "--build", str(out), "--exercice", "2031") == 2
    err = capsys.readouterr().err
    assert "L’exercice 2031 est en dehors de la législature 2019-2024" in err and "Rien n’a été construit" in err
    assert snapshot(out) == written
    assert run("ecomptes", "--data", str(folder), "--build", str(out), "--exercice", "2019") == 0
    assert xml_year(out) == "2019"


def test_a_depuis_typo_names_the_recorded_versions_and_marks_nothing_out_of_date(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    assert adopt(folder, out, "--seance", "2025-06-26") == 0
    assert build(folder, out) == 0
    written = snapshot(out)
    capsys.readouterr()
    assert run("modifications", "--data", str(folder), "--build", str(out), "--depuis", "2025-06-25") == 2
    captured = capsys.readouterr()
    assert "Aucune version du PST n’a été adoptée le 25 juin 2025 (versions enregistrées : 26 juin 2025 " \
           "(2025-06-26))" in captured.err
    assert "PLUS À JOUR" not in captured.out + captured.err and "0 ligne lue" not in captured.out
    assert snapshot(out) == written


# --- Smaller points --------------------------------------------------------------------------------------------------
def test_verifier_says_references_are_still_to_be_given_and_records_nothing(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    assert run("verifier", "--data", str(folder), "--build", str(tmp_path / "build")) == 0
    out = capsys.readouterr().out
    assert "4 actions sans « Réf. » recevront leur référence à la prochaine construction du PST" in out
    assert "ont reçu" not in out and not (folder / "etat-pst.json").exists()


def test_a_provisional_build_counts_the_budget_lines_it_leaves_out_as_such(tmp_path, capsys):
    from openpyxl import load_workbook

    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Réparer", **{"Réf.": "T-1"}), action(oo="9.9", title="Rejetée", **{"Réf.": "T-2"})]})
    add_sheet(folder / "services" / "Travaux.xlsx", "Financement", {
        "Réf.": ["T-1", "T-2", "T-2"], "Exercice": [2026] * 3, "Service": ["Ordinaire"] * 3,
        "R/D": ["Dépense"] * 3, "Montant estimé": [100, 200, 300]})
    assert build(folder, tmp_path / "build", "--malgre-erreurs") == 0
    out = capsys.readouterr().out
    # One action rejected (an unknown OO) and its two budget lines with it: three rows the cover counts.
    assert "2 lignes lues : 1 action retenue, 1 rejetée (voir rapport) ; 2 lignes budgétaires rejetées" in out
    [pst] = list((tmp_path / "build" / "ville").glob("PST_*_PROVISOIRE.docx"))
    assert "3 lignes des classeurs des services n’y figurent pas" in docx_text(pst)
    sheet = load_workbook(tmp_path / "build" / "ville" / "Rapport_validation.xlsx")["Constats"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row))) for row in sheet.iter_rows(min_row=2)]
    budget = [row for row in rows if row.get("Feuille") == "Financement"]
    assert len(budget) == 2 and {row["Constat"] for row in budget} == {"Écartée : objectif ou action en erreur"}


def test_a_document_open_in_word_is_never_written_over(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert build(folder, out) == 0
    [pst] = list((out / "ville").glob("PST_*.docx"))
    lock = pst.with_name("~$" + pst.name[2:])  # Word's owner file for a long name
    lock.write_bytes(b"owner")
    written = snapshot(out / "ville")
    make_entity(folder, {"Finances.xlsx": [*ROWS["Finances.xlsx"], action(title="Emprunter")]})
    capsys.readouterr()
    assert build(folder, out) == 2
    captured = capsys.readouterr()
    assert str(pst) in captured.err and lock.name in captured.err and "ouvert dans Word" in captured.err
    assert f"{pst} est conservé mais n’est PLUS À JOUR" in captured.out
    assert f"{lock} est conservé" not in captured.out  # the lock file is no document
    assert {name: data for name, data in snapshot(out / "ville").items() if "Rapport" not in name} == \
        {name: data for name, data in written.items() if "Rapport" not in name}
    lock.unlink()
    assert build(folder, out) == 0


def test_a_missing_data_folder_is_named_with_the_full_path_looked_at(tmp_path):
    from conftest import run_module

    completed = run_module("pst", "--data", "data", "--build", str(tmp_path / "build"), cwd=tmp_path)
    assert completed.returncode == 2
    assert f"(cherché ici : {tmp_path / 'data'})" in completed.stderr


def test_an_empty_services_folder_is_one_warning_not_one_per_objective(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", {})
    add_sheet(folder / "cadre.xlsx", "Listes", {"Services": ["Travaux", "Finances"]})
    assert build(folder, tmp_path / "build") == 0
    out = capsys.readouterr().out
    assert out.count("AVERTISSEMENT") == 1 and "Aucun classeur de service n’a été trouvé" in out


def test_an_adoptions_advice_names_the_command_as_it_was_launched(tmp_path, capsys, monkeypatch):
    folder = make_entity(tmp_path / "ville", ROWS)
    assert adopt(folder, tmp_path / "build", "--seance", "2025-06-26") == 1
    out = capsys.readouterr().out
    assert f"« pst pst --data {folder} --build {tmp_path / 'build'} »" in out
    assert f"« pst adopter --data {folder} --build {tmp_path / 'build'} --seance 2025-06-26 »" in out
    assert "make" not in out
    monkeypatch.setenv("PST_LANCEUR", "make")
    assert adopt(folder, tmp_path / "build", "--seance", "2025-06-26") == 1
    out = capsys.readouterr().out
    assert f"« make adopter DATA={folder} BUILD={tmp_path / 'build'} SEANCE=2025-06-26 »" in out
    assert adopt(folder, tmp_path / "build") == 2
    assert f"« make adopter DATA={folder} BUILD={tmp_path / 'build'} SEANCE=AAAA-MM-JJ »" in capsys.readouterr().err


def test_a_console_that_goes_away_stops_nothing(tmp_path):
    """`pst pst | head -1`: the pipe closes after the first line; the build still writes every document and exits
    with its own code, never « erreur interne »."""
    import subprocess
    import sys

    out = tmp_path / "build"
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "pst", "--data", str(ROOT / "data"), "--build",
                                str(out), "--processus", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # what `head -1` does
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    assert not (out / "erreur-interne.log").exists()
    assert (out / "engis-cpas" / "PST_CPAS_2019-2024.docx").is_file()
    assert (out / "Synergies_COMMUNE_CPAS.docx").is_file()


def test_a_build_folder_among_the_data_is_refused_before_anything_is_written(tmp_path, capsys):
    data = two_entities(tmp_path)
    for build_dir in (data, tmp_path, data / "ville", data / "ville" / "services", data / "cpas" / "versions" / "x"):
        before = snapshot(tmp_path)
        assert build(data, build_dir) == 2, build_dir
        assert "est mêlé aux données" in capsys.readouterr().err
        assert snapshot(tmp_path) == before
    assert adopt(data, data, "--seance", "2025-06-26") == 2
    assert build(data, data / "sortie") == 0  # beside the entities: harmless


def test_modifications_says_when_there_is_nothing_to_list(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", ROWS)
    out = tmp_path / "build"
    assert run("modifications", "--data", str(folder), "--build", str(out)) == 0
    assert "Aucune version n’est encore adoptée : il n’y a pas de modifications à lister." in capsys.readouterr().out
    assert adopt(folder, out, "--seance", "2025-06-26") == 0
    assert run("modifications", "--data", str(folder), "--build", str(out)) == 0
    assert "Aucune modification depuis la version 1, adoptée le 26 juin 2025." in capsys.readouterr().out
    assert not list((out / "ville").glob("Modifications_*"))
