import subprocess

import pytest
from openpyxl import Workbook, load_workbook

from conftest import action, make_entity, require_soffice, write_workbook
from pipeline.load import ConfigurationError, find_entity_folders, load_entity


def codes(findings):
    return [f.position() for f in findings]


def test_headers_are_found_below_a_title_in_any_order_and_any_case(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    book = Workbook()
    sheet = book.active
    sheet.title = "actions "
    sheet["A1"] = "PST — contribution du service Travaux"
    for col, header in enumerate(["  libellé DE L'ACTION ", "n° oo", "VOLET", "Statut"], start=2):
        sheet.cell(row=3, column=col, value=header)
    sheet.append([None, "Planter cent arbres", "1.1", "Externe", "En cours"])
    sheet.append([])
    sheet.append([None, "Fleurir les places", "1.1", "Externe", None])
    book.save(folder / "services" / "Travaux.xlsx")

    loaded = load_entity(folder)
    frame = loaded.actions.frame
    assert list(frame["title"]) == ["Planter cent arbres", "Fleurir les places"]
    assert list(frame["_row"]) == [4, 6]  # Excel rows, blank row 5 skipped but not renumbered
    assert loaded.actions.letter("Travaux.xlsx", "actions ", "oo_code") == "C"
    assert not [f for f in loaded.findings if f.is_error]


def test_unknown_columns_are_noted_once_and_a_misspelled_header_is_a_warning(tmp_path):
    folder = make_entity(tmp_path / "ville", {
        "Travaux.xlsx": [action(**{"Mandataire responsble": "Échevin", "Notes perso": "x"})]})
    loaded = load_entity(folder)
    notes = [f for f in loaded.findings if f.code == "colonne-inconnue"]
    assert len(notes) == 1
    assert notes[0].file == "Travaux.xlsx" and notes[0].row == 1
    assert notes[0].message == "Colonne hors modèle ignorée : E « Notes perso »."
    [typo] = [f for f in loaded.findings if f.code == "colonne-mal-orthographiee"]
    assert typo.position() == ("colonne-mal-orthographiee", "Travaux.xlsx", "Actions", 1, "D")
    assert typo.severity == "avertissement"
    assert typo.message == ("L’en-tête « Mandataire responsble » n’est pas reconnu : cette colonne n’est pas lue. "
                            "Il ressemble à « Mandataire responsable ».")


def test_a_missing_required_column_is_an_error_naming_the_header_row(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    write_workbook(folder / "services" / "Travaux.xlsx",
                   {"Actions": [{"Volet": "Externe", "Libelle de l action": "Planter", "No OOO": "1.1"}]})
    loaded = load_entity(folder)
    errors = [f for f in loaded.findings if f.is_error]
    assert codes(errors) == [("colonne-obligatoire-absente", "Travaux.xlsx", "Actions", 1, "")]
    assert "« N° OO »" in errors[0].message
    assert "« No OOO »" in errors[0].suggestion
    assert loaded.actions.frame.empty


def test_a_single_sheet_with_another_name_is_read_with_a_warning(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    write_workbook(folder / "services" / "Travaux.xlsx", {"Feuil1": [action()]})
    loaded = load_entity(folder)
    assert codes(loaded.findings) == [("feuille-remplacee", "Travaux.xlsx", "Feuil1", None, "")]
    assert len(loaded.actions.frame) == 1


def test_a_workbook_without_an_actions_sheet_among_several_is_an_error(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    write_workbook(folder / "services" / "Travaux.xlsx", {"Feuil1": [action()], "Feuil2": []})
    loaded = load_entity(folder)
    error = next(f for f in loaded.findings if f.is_error)
    assert error.code == "feuille-absente"
    assert "« Feuil1 », « Feuil2 »" in error.message


def test_lock_files_and_hidden_files_are_ignored_and_other_files_noted(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()],
                                              "Aménagement2025.xlsx": [action(title="Aménager")]})
    (folder / "services" / "~$Travaux.xlsx").write_bytes(b"lock")
    (folder / "services" / "~$énagement2025.xlsx").write_bytes(b"lock of a long name")
    (folder / "services" / ".~lock.Travaux.xlsx#").write_bytes(b"LibreOffice lock")
    (folder / "services" / ".Travaux.xlsx").write_bytes(b"hidden")
    (folder / "services" / "_ancien Travaux.xlsx").write_bytes(b"set aside")
    (folder / "services" / "notes.docx").write_bytes(b"PK")
    loaded = load_entity(folder)
    assert sorted(codes(loaded.findings)) == [
        ("classeur-mis-de-cote", "_ancien Travaux.xlsx", "", None, ""),
        ("classeur-ouvert", "Aménagement2025.xlsx", "", None, ""),
        ("classeur-ouvert", "Travaux.xlsx", "", None, ""),
        ("classeur-ouvert", "Travaux.xlsx", "", None, ""),
        ("fichier-ignore", "notes.docx", "", None, "")]
    opened = next(f for f in loaded.findings if f.code == "classeur-ouvert" and "~$Travaux" in f.message)
    assert opened.message == ("Ce classeur semble ouvert dans Excel ou LibreOffice (~$Travaux.xlsx) : ce qui n’y "
                              "est pas encore enregistré n’est pas lu.")
    assert not any(f.is_error for f in loaded.findings)
    assert len(loaded.actions.frame) == 2


def test_an_unreadable_workbook_is_an_error_naming_the_file(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()]})
    (folder / "services" / "Finances.xlsx").write_text("Ceci n'est pas un classeur")
    loaded = load_entity(folder)
    error = next(f for f in loaded.findings if f.is_error)
    assert (error.code, error.file) == ("fichier-texte", "Finances.xlsx")
    assert "ce n’est pas un classeur" in error.message


def test_rows_with_content_only_outside_the_contract_are_reported(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(Notes="a"), {"Notes": "reste seul"}]})
    loaded = load_entity(folder)
    found = [f for f in loaded.findings if f.code == "ligne-hors-colonnes"]
    assert codes(found) == [("ligne-hors-colonnes", "Travaux.xlsx", "Actions", 3, "")]


def test_data_folder_holding_one_entity_or_several(tmp_path):
    one = make_entity(tmp_path / "many" / "ville", {})
    make_entity(tmp_path / "many" / "cpas", {})
    assert find_entity_folders(one) == [one]
    assert [p.name for p in find_entity_folders(tmp_path / "many")] == ["cpas", "ville"]
    with pytest.raises(ConfigurationError, match="n’existe pas"):
        find_entity_folders(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigurationError, match="Aucun cadre.xlsx"):
        find_entity_folders(tmp_path / "empty")


def test_workbooks_saved_by_libreoffice_calc_read_the_same(tmp_path):
    office = require_soffice()
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Planter cent arbres", Début="31/12/2025", **{"Taux d'avancement (%)": 0.5}),
        action(volet="Interne", oo="1.1", title="Numériser le courrier"),
    ]})
    before = load_entity(folder).actions.frame
    converted = tmp_path / "converted"
    subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(converted),
                    str(folder / "services" / "Travaux.xlsx")], check=True, capture_output=True, timeout=180)
    (folder / "services" / "Travaux.xlsx").unlink()
    (converted / "Travaux.xlsx").rename(folder / "services" / "Travaux.xlsx")
    after = load_entity(folder).actions.frame
    columns = ["volet", "oo_code", "title", "start", "progress", "_row"]
    assert after[columns].to_dict("records") == before[columns].to_dict("records")


def test_nothing_typed_beside_the_table_or_in_another_sheet_goes_unnoticed(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(["Volet", "N° OO", "Libellé de l'action"])
    sheet.append(["Externe", "1.1", "Planter"])
    sheet["F2"] = "NB : à revoir avec l’échevin !"
    copy = book.create_sheet("Actions (2)")
    copy.append(["Volet", "N° OO", "Libellé de l'action"])
    copy.append(["Externe", "1.1", "Oubliée"])
    book.save(folder / "services" / "Travaux.xlsx")
    (folder / "services" / "Anciens").mkdir()
    write_workbook(folder / "services" / "Anciens" / "Vieux.xlsx", {"Actions": [action()]})
    write_workbook(folder / "services" / "travaux.ods.xlsx", {"Actions": [action()]})
    loaded = load_entity(folder)
    by_code = {f.code: f for f in loaded.findings}
    assert by_code["cellule-hors-tableau"].position() == ("cellule-hors-tableau", "Travaux.xlsx", "Actions", 2, "F")
    assert "« NB : à revoir avec l’échevin ! »" in by_code["cellule-hors-tableau"].message
    assert (by_code["feuille-non-lue"].sheet, by_code["feuille-non-lue"].severity) == ("Actions (2)", "avertissement")
    assert by_code["dossier-ignore"].file == "Anciens/"


def test_two_workbooks_of_the_same_service_are_an_error(tmp_path):
    office = require_soffice()
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()]})
    subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "ods", "--outdir", str(folder / "services"),
                    str(folder / "services" / "Travaux.xlsx")], check=True, capture_output=True, timeout=180)
    loaded = load_entity(folder)
    [double] = [f for f in loaded.findings if f.code == "classeur-en-double"]
    assert (double.file, double.is_error) == ("Travaux.xlsx", True)
    assert "Travaux.ods" in double.message
    assert len(loaded.actions.frame) == 1


def test_a_copy_of_a_workbook_under_another_name_is_one_error_and_is_not_read(tmp_path):
    """« Travaux - copie.xlsx » beside Travaux.xlsx: one error naming both files, not one for every Réf. and
    libellé; the copy is not read (a provisional document holds each action once)."""
    import shutil

    from conftest import assemble

    folder = make_entity(tmp_path / "ville", {
        "Travaux.xlsx": [action(title="Planter cent arbres", **{"Réf.": "VILLE-0001"}),
                         action(oo="2.1", title="Aider", **{"Réf.": "VILLE-0002"})],
        "Finances.xlsx": [action(title="Voter le budget")]})
    shutil.copy(folder / "services" / "Travaux.xlsx", folder / "services" / "Travaux - copie.xlsx")
    result = assemble(folder)
    [copy] = [f for f in result.findings if f.is_error]
    assert (copy.code, copy.file, copy.sheet) == ("classeur-copie", "Travaux - copie.xlsx", "Actions")
    assert copy.message == ("Ce classeur reprend exactement les actions du classeur Travaux.xlsx (lignes 2-3) : "
                            "c’est une copie, il n’est pas lu (ses actions seraient en double).")
    assert not [f for f in result.findings if f.code in ("libelle-en-double", "reference-en-double")]
    assert sorted(a.title for a in result.entity.actions()) == ["Aider", "Planter cent arbres", "Voter le budget"]


def test_two_services_typing_the_same_single_action_or_a_copy_with_budget_lines_are_not_copies(tmp_path):
    from conftest import assemble

    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Rénover l’école")],
                                              "Écoles.xlsx": [action(title="Rénover l’école")]})
    result = assemble(folder)
    assert not result.has_errors and not [f for f in result.findings if f.code == "classeur-copie"]
    assert [f.code for f in result.findings if f.code == "libelle-en-double"] == ["libelle-en-double"]

    rows = [action(title="Un", **{"Réf.": "VILLE-0001"}), action(title="Deux", **{"Réf.": "VILLE-0002"})]
    folder = make_entity(tmp_path / "autre", {"Travaux.xlsx": rows, "Travaux v2.xlsx": rows})
    book = load_workbook(folder / "services" / "Travaux v2.xlsx")
    budget = book.create_sheet("Financement")
    budget.append(["Réf.", "Exercice", "Service", "R/D", "Montant estimé"])
    budget.append(["VILLE-0001", 2026, "Extraordinaire", "Dépense", 1000])
    book.save(folder / "services" / "Travaux v2.xlsx")
    result = assemble(folder)
    assert not [f for f in result.findings if f.code == "classeur-copie"]
    # Not a copy — it has budget lines — but another version of the same workbook (the same Réf.).
    assert [(f.code, f.file) for f in result.findings if f.is_error] == [("classeur-autre-version",
                                                                          "Travaux v2.xlsx")]


def test_the_digest_read_table_keeps_is_the_one_its_frame_gives(tmp_path):
    """read_table works out the rows' digest from the cells it gathered (Table.digest); a frame turned back into
    an array must give the same, or copies would no longer be found (merged cells filled, a blank row, an absent
    column, a Financement sheet)."""
    from dataclasses import replace

    from pipeline import load

    rows = [action(title="Un", **{"Réf.": "VILLE-0001"}), {}, action(oo="2.1", title="Deux", **{"Réf.": "VILLE-0002"})]
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": rows})
    path = folder / "services" / "Travaux.xlsx"
    book = load_workbook(path)
    budget = book.create_sheet("Financement")
    budget.append(["Réf.", "Exercice", "Service", "R/D", "Montant estimé"])
    budget.append(["VILLE-0001", 2026, "Extraordinaire", "Dépense", 1000])
    book["Actions"].merge_cells("A2:A4")
    book.save(path)
    workbook = load.read_service_workbook(path, ())
    for table in (workbook.actions, workbook.finances):
        assert table.digest is not None and table.digest == load.contents(replace(table, digest=None))


def test_another_version_of_a_workbook_is_one_error_not_one_per_reference(tmp_path):
    """« Travaux - copie.xlsx », a status changed since: same Réf., so one error naming both files; only the
    original name is read (MALGRE_ERREURS builds from it)."""
    from conftest import assemble

    rows = [action(title="Un", Statut="En cours", **{"Réf.": "VILLE-0001"}),
            action(title="Deux", **{"Réf.": "VILLE-0002"})]
    edited = [dict(rows[0], Statut="Terminée"), rows[1]]
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": rows, "Travaux - copie.xlsx": edited})
    result = assemble(folder)
    [error] = [f for f in result.findings if f.is_error]
    assert (error.code, error.file) == ("classeur-autre-version", "Travaux - copie.xlsx")
    assert error.message == ("Ce classeur porte les mêmes références (« Réf. ») que le classeur Travaux.xlsx "
                             "(lignes 2-3) : ce sont deux versions du même classeur. Seul Travaux.xlsx est lu.")
    assert {a.title: a.status for a in result.entity.actions()} == {"Un": "En cours", "Deux": None}
