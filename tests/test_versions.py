"""The PST's life (issue 12): drafted while workbooks trickle in, adopted by the conseil, actualised — numbers,
versions kept beside the data, what changed, nothing missing unnoticed. Expected results are computed here from
the rows the tests write."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from conftest import (action, add_sheet, assemble, docx_paragraphs, docx_text, make_entity, only,
                      plain_build_documents)
from pipeline.cli import main
from pipeline.french import long_date

SEANCE = "2025-06-26"


def build(data: Path, build_dir: Path, *extra: str) -> int:
    return main(["pst", "--data", str(data), "--build", str(build_dir), "--processus", "1", *extra])


def adopt(data: Path, build_dir: Path, seance: str = SEANCE) -> int:
    return main(["adopter", "--data", str(data), "--build", str(build_dir), "--seance", seance])


def numbers(pst: Path) -> dict[str, str]:
    """Libellé → number, as the PST prints each action (« Action 3 : … »)."""
    found = {}
    for style, text in docx_paragraphs(pst):
        if style.startswith("Action") and text.startswith("Action\u00a0") and "\u00a0:\t" in text:
            number, _, title = text.removeprefix("Action\u00a0").partition("\u00a0:\t")
            found[title] = number
    return found


SERVICES = {
    "Travaux.xlsx": [action(title="Réparer les trottoirs"), action(oo="2.1", title="Rénover la salle")],
    "Finances.xlsx": [action(title="Voter le budget"), action(volet="Interne", title="Numériser les factures")],
    "Social.xlsx": [action(oo="2.1", title="Ouvrir une épicerie sociale")],
}


def entity(tmp_path: Path, names=tuple(SERVICES)) -> Path:
    return make_entity(tmp_path / "ville", {name: SERVICES[name] for name in names})


def document_order(names) -> dict[str, str]:
    """The numbers a draft shows: continuous per volet, in the document's order (OO, then file, then row)."""
    rows = [(row["Volet"], row["N° OO"], name.casefold(), index, row["Libellé de l'action"])
            for name in names for index, row in enumerate(SERVICES[name])]
    expected, counters = {}, {}
    for volet, oo, _, _, title in sorted(rows, key=lambda r: (r[0] != "Externe", tuple(map(int, r[1].split("."))),
                                                              r[2], r[3])):
        counters[volet] = counters.get(volet, 0) + 1
        expected[title] = str(counters[volet])
    return expected


# --- Draft, adoption, actualisation ----------------------------------------------------------------------------
def test_a_draft_renumbers_as_workbooks_arrive_then_adoption_freezes_the_numbers(tmp_path):
    folder = entity(tmp_path, ("Travaux.xlsx", "Social.xlsx"))
    assert build(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    assert numbers(pst) == document_order(("Travaux.xlsx", "Social.xlsx"))
    make_entity(folder, {"Finances.xlsx": SERVICES["Finances.xlsx"]})
    assert build(folder, tmp_path / "build") == 0
    complete = document_order(tuple(SERVICES))
    assert numbers(pst) == complete  # continuous, never « 1, 16, 17 »

    assert adopt(folder, tmp_path / "build") == 0
    version = folder / "versions" / SEANCE
    record = json.loads((version / "version.json").read_text(encoding="utf-8"))
    assert record["version"] == 1 and record["seance"] == SEANCE
    assert {a["title"]: a["number"] for a in record["actions"]} == complete
    assert (version / pst.name).is_file()  # the document the conseil received, kept with the data

    # A new action placed first in its OO takes the number after the last of its volet; the others keep theirs.
    make_entity(folder, {"Social.xlsx": [action(title="Accueillir les nouveaux habitants"),
                                         *SERVICES["Social.xlsx"]]})
    assert build(folder, tmp_path / "build") == 0
    externe = [n for title, n in complete.items() if title != "Numériser les factures"]
    assert numbers(pst) == {**complete, "Accueillir les nouveaux habitants": str(max(map(int, externe)) + 1)}


def test_the_cover_and_header_say_which_version_the_document_is(tmp_path):
    folder = entity(tmp_path)
    today = long_date(dt.date.today())
    assert build(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    header = lambda: Document(pst).sections[0].header.paragraphs[0].text
    assert header().endswith(f"— projet du {today}") and f"Projet — version du {today}" in docx_text(pst)

    assert adopt(folder, tmp_path / "build") == 0
    assert build(folder, tmp_path / "build") == 0
    assert header().endswith("— version adoptée le 26\u00a0juin\u00a02025")
    assert "Version adoptée par le conseil communal le 26\u00a0juin\u00a02025" in docx_text(pst)

    make_entity(folder, {"Social.xlsx": [*SERVICES["Social.xlsx"], action(title="Accueillir")]})
    assert build(folder, tmp_path / "build") == 0
    assert header().endswith(f"— version actualisée du {today}")
    assert (f"Version actualisée du {today}, à présenter au conseil — version 1 adoptée le 26\u00a0juin\u00a02025"
            in docx_text(pst))
    assert adopt(folder, tmp_path / "build", "2026-03-15") == 0
    assert build(folder, tmp_path / "build") == 0
    assert "Version actualisée (version 2), adoptée par le conseil communal le 15\u00a0mars\u00a02026" in docx_text(pst)
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["2025-06-26", "2026-03-15"]


def test_adoption_is_refused_without_a_build_after_a_change_or_for_an_earlier_seance(tmp_path, capsys):
    folder = entity(tmp_path)
    assert adopt(folder, tmp_path / "build") == 1
    assert "Aucune construction réussie du PST n’est enregistrée." in capsys.readouterr().out
    assert build(folder, tmp_path / "build") == 0
    time.sleep(0.05)
    make_entity(folder, {"Social.xlsx": [*SERVICES["Social.xlsx"], action(title="Accueillir")]})
    assert adopt(folder, tmp_path / "build") == 1
    assert "Social.xlsx" in capsys.readouterr().out and not (folder / "versions").exists()
    assert build(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build", "2025-01-01") == 1
    assert "date de séance postérieure" in capsys.readouterr().out
    assert main(["adopter", "--data", str(folder), "--build", str(tmp_path / "build"), "--seance", "26/06/2025"]) == 2


def test_versions_survive_make_clean(tmp_path):
    import shutil

    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build") == 0
    shutil.rmtree(tmp_path / "build")  # make clean
    assert build(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    assert "Version adoptée par le conseil communal le 26\u00a0juin\u00a02025" in docx_text(pst)


# --- Nothing missing unnoticed -------------------------------------------------------------------------------------
def test_a_listed_service_without_workbook_is_a_warning_before_adoption(tmp_path):
    from conftest import assemble

    folder = entity(tmp_path, ("Travaux.xlsx", "Social.xlsx"))
    add_sheet(folder / "cadre.xlsx", "Listes", {"Services": ["Travaux", "Finances", "Social"]})
    warning = only(assemble(folder), "service-sans-classeur")
    assert warning.value == "Finances" and not warning.is_error


def test_after_adoption_a_missing_workbook_is_an_error_naming_it_and_its_actions(tmp_path, capsys):
    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    before = pst.read_bytes()
    (folder / "services" / "Finances.xlsx").unlink()
    assert build(folder, tmp_path / "build") == 1
    output = capsys.readouterr().out
    assert "Finances.xlsx" in output and "2 actions de la version 1 du PST, adoptée le 26 juin 2025" in output
    assert pst.read_bytes() == before


# --- make verifier -------------------------------------------------------------------------------------------------
def test_make_verifier_writes_only_the_validation_report_and_the_services_feedback(tmp_path, capsys):
    folder = entity(tmp_path)
    assert main(["verifier", "--data", str(folder), "--build", str(tmp_path / "build")]) == 0
    assert sorted(p.name for p in (tmp_path / "build" / "ville").iterdir()) == ["Rapport_validation.xlsx"]
    assert "aucun document n’est écrit" in capsys.readouterr().out
    make_entity(folder, {"Social.xlsx": [action(oo="9.9", title="Mauvais objectif")]})
    assert main(["verifier", "--data", str(folder), "--build", str(tmp_path / "build")]) == 1
    assert sorted(p.name for p in (tmp_path / "build" / "ville").iterdir()) == ["Rapport_validation.xlsx", "retours"]
    assert [p.name for p in (tmp_path / "build" / "ville" / "retours").iterdir()] == ["Social.xlsx"]


# --- What changed ----------------------------------------------------------------------------------------------------
def test_the_modifications_list_exactly_what_changed_since_the_adopted_version(tmp_path):
    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    adopted = numbers(pst)
    # Travaux: a libellé changes and an action moves to OO 2.1; Finances: one withdrawn; Social: one added and a
    # status changed; the frame renames OO 2.1.
    state = json.loads((folder / "etat-pst.json").read_text(encoding="utf-8"))
    refs = {a["title"]: a["reference"] for a in state["actions"]}
    make_entity(folder, {
        "Travaux.xlsx": [action(title="Réparer tous les trottoirs", **{"Réf.": refs["Réparer les trottoirs"]}),
                         action(oo="1.1", title="Rénover la salle", **{"Réf.": refs["Rénover la salle"]})],
        "Finances.xlsx": [action(title="Voter le budget", **{"Réf.": refs["Voter le budget"]})],
        "Social.xlsx": [action(oo="2.1", title="Ouvrir une épicerie sociale", Statut="Terminée",
                               **{"Réf.": refs["Ouvrir une épicerie sociale"]}),
                        action(oo="2.1", title="Créer un potager collectif")]},
        operational=[{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Planter des arbres"},
                     {"Volet": "Externe", "N° OO": "2.1", "Intitulé": "Aider toutes les familles"},
                     {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "Simplifier les procédures"}])
    assert build(folder, tmp_path / "build") == 0
    [modifications] = list((tmp_path / "build" / "ville").glob("Modifications_VILLE_*.docx"))
    text = [p.text for p in Document(modifications).paragraphs]
    section = lambda title: text[text.index(next(t for t in text if t.startswith(title))) + 1]
    new_number = str(max(int(n) for t, n in adopted.items() if t != "Numériser les factures") + 1)
    assert section("Actions ajoutées (1)").startswith(f"Action\u00a0{new_number} (externe)\u00a0: Créer un potager")
    assert section("Actions retirées (1)").startswith(
        f"Action\u00a0{adopted['Numériser les factures']} (interne)\u00a0: Numériser les factures")
    assert section("Actions déplacées") .endswith("OO 2.1 (Externe) → OO 1.1 (Externe)")
    assert section("Actions dont le libellé a changé").endswith("auparavant «\u00a0Réparer les trottoirs\u00a0»")
    assert section("Actions dont le statut a changé").endswith("non renseigné → Terminée")
    assert section("Objectifs opérationnels dont l’intitulé a changé").startswith(
        "OO\u00a02.1 (externe)\u00a0: Aider toutes les familles")
    assert "6 modifications depuis la version 1 du PST, adoptée le 26 juin 2025." in text
    # The actualised PST ends with the same list, and says it is actualised.
    assert any(t.startswith("Annexe\u00a0: modifications depuis la version adoptée le 26 juin 2025")
               for _, t in docx_paragraphs(pst))


def test_modifications_from_an_unknown_version_is_a_french_message(tmp_path, capsys):
    folder = entity(tmp_path)
    code = main(["modifications", "--data", str(folder), "--build", str(tmp_path / "build"), "--depuis",
                 "2024-01-01"])
    assert code == 2 and "Aucune version du PST" in capsys.readouterr().err


# --- Provisional builds and pre-filled workbooks -------------------------------------------------------------------
def test_a_provisional_build_leaves_every_valid_document_untouched(tmp_path):
    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    valid = {p: p.read_bytes() for p in (tmp_path / "build" / "ville").glob("*.docx")}
    make_entity(folder, {"Social.xlsx": [*SERVICES["Social.xlsx"], action(oo="9.9", title="Rejetée")]})
    assert build(folder, tmp_path / "build", "--malgre-erreurs") == 0
    assert {p: p.read_bytes() for p in valid} == valid
    written = sorted(p.name for p in (tmp_path / "build" / "ville").glob("*_PROVISOIRE.docx"))
    assert written == plain_build_documents(assemble(folder).entity, provisional=True)


def test_prefilled_workbooks_carry_numbers_only_once_a_version_is_adopted(tmp_path):
    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    arguments = ["modeles", "--data", str(folder), "--build", str(tmp_path / "build"), "--prerempli"]

    def typed_numbers():
        sheet = load_workbook(tmp_path / "build" / "ville" / "modeles" / "Travaux.xlsx")["Actions"]
        column = [cell.value for cell in sheet[1]].index("N° action") + 1
        return [sheet.cell(row=row, column=column).value for row in (2, 3)]

    assert main(arguments) == 0
    assert typed_numbers() == [None, None]
    assert adopt(folder, tmp_path / "build") == 0
    assert main(arguments) == 0
    assert all(typed_numbers())


def test_a_state_written_before_versions_keeps_working_as_a_draft(tmp_path):
    folder = entity(tmp_path)
    assert build(folder, tmp_path / "build") == 0
    path = folder / "etat-pst.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    for key in ("built_at", "objectives"):
        del state[key]
    state["retired_numbers"] = {"Externe": ["9"]}
    path.write_text(json.dumps(state), encoding="utf-8")
    assert build(folder, tmp_path / "build") == 0
    assert adopt(folder, tmp_path / "build") == 0


def test_a_synergy_found_on_one_side_names_the_real_cause(tmp_path, capsys):
    data = tmp_path / "data"
    make_entity(data / "ville", {"T.xlsx": [action(**{"Synergie avec": "CPAS", "Code synergie": "SYN-1"}),
                                            action(title="Aider", **{"Synergie avec": "CPAS", "Code synergie": "SYN-2"})]})
    make_entity(data / "cpas", {
        "S.xlsx": [action(oo="9.9", title="Rejetée", **{"Synergie avec": "VILLE", "Code synergie": "SYN-1"})]},
        parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    (data / "cpas" / "services" / "Abîmé.xlsx").write_bytes(b"PK\x03\x04 pas un classeur")
    assert build(data, tmp_path / "build", "--malgre-erreurs") == 0
    out = capsys.readouterr().out
    assert "« SYN-1 » de la Ville de Testville n’a pas de correspondant dans le document du CPAS de Testville : " \
           "l’action qui le porte (S.xlsx, ligne 2) y est écartée pour une erreur." in out
    assert "« SYN-2 » de la Ville de Testville n’a pas de correspondant chez le CPAS de Testville, dont « Abîmé.xlsx » " \
           "n’a pas pu être lu" in out
