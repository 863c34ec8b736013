"""Hostile and messy files (issue 3, §4): each ends in a clear French finding or a correct reading, never in a
traceback, and a file at fault never produces a document."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path

from docx import Document
from openpyxl import Workbook, load_workbook

from conftest import (ROOT, action, assemble, docx_text, make_entity, only, plain_build_documents, positions,
                      require_soffice, write_workbook)


def entity_with(tmp_path, extra: dict[str, bytes] | None = None, rows=None) -> Path:
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": rows or [action()]})
    for name, content in (extra or {}).items():
        (folder / "services" / name).write_bytes(content)
    return folder


def workbook_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.title = "Actions"
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_part(content: bytes, part: str, transform) -> bytes:
    """The same .xlsx with one XML part rewritten."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, transform(data.decode()).encode() if item.filename == part else data)
    return out.getvalue()


HEADERS = ["Volet", "N° OO", "Libellé de l'action"]
SHEET = "xl/worksheets/sheet1.xml"


# --- Files that are not what they say -----------------------------------------------------------------------
def test_a_truncated_workbook_is_refused_by_name_without_document(tmp_path, run_pst):
    good = workbook_bytes([HEADERS, ["Externe", "1.1", "Réparer"]])
    folder = entity_with(tmp_path, {"Finances.xlsx": good[: len(good) // 2]})
    result = assemble(folder)
    assert positions(result, "fichier-illisible") == [("fichier-illisible", "Finances.xlsx", "", None, "")]
    run = run_pst(folder)
    assert run.code == 1 and not run.documents()
    assert "Finances.xlsx" in run.out and "endommagé" in run.out


def test_a_csv_renamed_xlsx_and_an_empty_file(tmp_path):
    folder = entity_with(tmp_path, {"Export.xlsx": "Volet;N° OO;Libellé\nExterne;1.1;Réparer\n".encode("cp1252"),
                                    "Vide.xlsx": b""})
    result = assemble(folder)
    texte = only(result, "fichier-texte")
    assert texte.file == "Export.xlsx"
    assert texte.message == ("Ce fichier est un texte (un CSV ?) dont l’extension a été changée en .xlsx : ce n’est "
                             "pas un classeur.")
    assert only(result, "fichier-vide").file == "Vide.xlsx"


def test_a_password_protected_workbook_is_named_as_such(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook_bytes([HEADERS, ["Externe", "1.1", "Secret"]]))).encrypt("motdepasse", encrypted)
    folder = entity_with(tmp_path, {"Protégé.xlsx": encrypted.getvalue()})
    f = only(assemble(folder), "fichier-protege")
    assert f.file == "Protégé.xlsx" and "mot de passe" in f.message


def test_an_xml_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    entities = '<!ENTITY lol "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    bomb = replace_part(workbook_bytes([HEADERS, ["Externe", "1.1", "x"]]), SHEET, lambda xml: (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>' + xml.replace(">x<", ">&lol9;<")))
    folder = entity_with(tmp_path, {"Bombe.xlsx": bomb})
    # In a child process limited to 1 GiB of memory and 2 minutes: the billion laughs would need gigabytes.
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
              "from pipeline.cli import main; sys.exit(main(sys.argv[1:]))")
    completed = subprocess.run([sys.executable, "-c", script, "pst", "--data", str(folder), "--build",
                                str(tmp_path / "build")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1, completed.stderr
    assert "Bombe.xlsx" in completed.stdout and "refusé par sécurité (déclaration DTD interdite)" in completed.stdout
    assert "Traceback" not in completed.stderr
    assert not list((tmp_path / "build").rglob("*.docx"))


def test_xls_and_ods_workbooks_are_read(tmp_path):
    office = require_soffice()
    source = tmp_path / "src"
    write_workbook(source / "Ancien.xlsx", {"Actions": [action(title="Action venue d'un .xls")]})
    write_workbook(source / "Libre.xlsx", {"Actions": [action(oo="2.1", title="Action venue d'un .ods")]})
    folder = make_entity(tmp_path / "ville", {})
    for name, target in (("Ancien.xlsx", "xls"), ("Libre.xlsx", "ods")):
        subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                        "--convert-to", target, "--outdir", str(folder / "services"), str(source / name)],
                       check=True, capture_output=True, timeout=180)
    result = assemble(folder)
    assert sorted(a.title for a in result.entity.actions()) == ["Action venue d'un .ods", "Action venue d'un .xls"]
    assert not result.has_errors


def test_a_macro_workbook_is_read_and_its_macros_never_run(tmp_path):
    content = replace_part(workbook_bytes([HEADERS, ["Externe", "1.1", "Action d'un classeur à macros"]]),
                           "[Content_Types].xml", lambda xml: xml)
    with zipfile.ZipFile(io.BytesIO(content), "a") as _:
        pass
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Sub Auto_Open(): Shell \"calc\": End Sub")
    folder = entity_with(tmp_path, {"Macros.xlsm": buffer.getvalue()})
    result = assemble(folder)
    assert "Action d'un classeur à macros" in [a.title for a in result.entity.actions()]
    assert not result.has_errors


# --- Sheets that look odd ---------------------------------------------------------------------------------------
def test_a_million_formatted_empty_rows_are_no_rows(tmp_path):
    rows = "".join(f'<row r="{n}" s="1" customFormat="1" ht="15"/>' for n in range(3, 1_000_001))
    content = replace_part(workbook_bytes([HEADERS, ["Externe", "1.1", "Seule action"]]), SHEET,
                           lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"))
    folder = entity_with(tmp_path, {"Immense.xlsx": content})
    result = assemble(folder)
    assert not result.has_errors
    assert [a.title for a in result.entity.actions() if a.source.file == "Immense.xlsx"] == ["Seule action"]


def test_merged_cells_give_their_value_to_each_merged_row(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(HEADERS)
    sheet.append(["Externe", "1.1", "Première"])
    sheet.append([None, None, "Deuxième"])
    sheet.append([None, None, "Troisième"])
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B4")
    folder = make_entity(tmp_path / "ville", {})
    book.save(folder / "services" / "Fusion.xlsx")
    result = assemble(folder)
    assert [(a.oo_code, a.title) for a in result.entity.actions()] == [
        ("1.1", "Première"), ("1.1", "Deuxième"), ("1.1", "Troisième")]
    assert "A2:A4, B2:B4" in only(result, "cellules-fusionnees").message


def test_hidden_rows_and_columns_are_read_and_noted(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(HEADERS + ["Description"])
    sheet.append(["Externe", "1.1", "Visible", "texte"])
    sheet.append(["Externe", "1.1", "Masquée", "texte caché"])
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["D"].hidden = True
    folder = make_entity(tmp_path / "ville", {})
    book.save(folder / "services" / "Masques.xlsx")
    result = assemble(folder)
    assert [a.title for a in result.entity.actions()] == ["Visible", "Masquée"]
    assert only(result, "lignes-masquees").message == "Ligne masquée, lue comme les autres : 3."
    assert "D (« Description »)" in only(result, "colonnes-masquees").message


def test_a_formula_without_its_result_is_an_error_naming_the_cell(tmp_path, run_pst):
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(HEADERS)
    sheet.append(["Externe", "1.1", "Réparer"])
    sheet.append(["Externe", "1.1", '=CONCATENATE("Répa", "rer")'])
    folder = make_entity(tmp_path / "ville", {})
    book.save(folder / "services" / "Formules.xlsx")
    f = only(assemble(folder), "formule-sans-valeur")
    assert f.position() == ("formule-sans-valeur", "Formules.xlsx", "Actions", 3, "C")
    assert "enregistrez-le" in f.suggestion
    run = run_pst(folder)
    assert run.code == 1 and not list(run.build.rglob("*.docx"))


def test_a_cell_showing_an_excel_error_is_named_not_read_as_empty(tmp_path):
    content = replace_part(workbook_bytes([HEADERS, ["Externe", "ERRCELL", "Diviser"]]), SHEET, lambda xml: xml.replace(
        '<c r="B2" t="inlineStr"><is><t>ERRCELL</t></is></c>', '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
    folder = make_entity(tmp_path / "ville", {})
    (folder / "services" / "Erreurs.xlsx").write_bytes(content)
    result = assemble(folder)
    f = only(result, "cellule-en-erreur")
    assert f.position() == ("cellule-en-erreur", "Erreurs.xlsx", "Actions", 2, "B")
    assert f.message == "La cellule affiche l’erreur Excel #DIV/0! : sa valeur est inconnue."
    assert not positions(result, "valeur-obligatoire-absente")


def test_characters_xml_forbids_are_removed_and_the_document_opens(tmp_path, run_pst):
    # Old Excel files store Alt+Entrée as a vertical tab and keep other control characters, escaped as _x000B_.
    content = replace_part(workbook_bytes([HEADERS + ["Description"],
                                           ["Externe", "1.1", "RéparerVTABla toitureSOHX ☂️", "LigneVTABsuivante"],
                                           ["Externe", "2.1", "Aider"], ["Interne", "1.1", "Simplifier"]]),
                           SHEET, lambda xml: xml.replace("VTAB", "_x000B_").replace("SOHX", "_x0001_"))
    folder = make_entity(tmp_path / "ville", {})
    (folder / "services" / "T.xlsx").write_bytes(content)
    result = assemble(folder)
    assert [f.position() for f in result.findings if f.code == "caracteres-retires"] == [
        ("caracteres-retires", "T.xlsx", "Actions", 2, "C")]
    run = run_pst(folder)
    assert run.code == 0
    text = docx_text(run.pst())
    assert "Réparer\nla toiture ☂️" in text


def test_32767_characters_and_emoji_reach_the_document(tmp_path, run_pst):
    long_text = ("Planifier la rénovation 🏫 " * 2000)[:32767]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Rénover 🌳 l’école", Commentaire=long_text), action(oo="2.1", title="Aider"),
        action(volet="Interne", title="Simplifier")]})
    run = run_pst(folder)
    assert run.code == 0
    assert "Action\u00a01\u00a0:\tRénover 🌳 l’école" in docx_text(run.pst())
    assert assemble(folder).entity.actions()[0].comment == long_text.strip()


# --- Excel's own traps ----------------------------------------------------------------------------------------
def test_an_oo_turned_into_a_date_by_excel_is_recovered_with_a_warning(tmp_path):
    operational = [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "a"},
                   {"Volet": "Externe", "N° OO": "1.10", "Intitulé": "b"}] + [
        {"Volet": "Externe", "N° OO": f"1.{n}", "Intitulé": "c"} for n in range(2, 10)]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(oo=dt.datetime(2026, 10, 1), title="Octobre")]},
        strategic=[{"Volet": "Externe", "N° OS": "1", "Intitulé": "Un"}], operational=operational)
    result = assemble(folder)
    f = only(result, "oo-date-excel")
    assert f.position() == ("oo-date-excel", "T.xlsx", "Actions", 2, "B")
    assert f.message == ("La colonne « N° OO » contient une date (1 octobre) : Excel a transformé 1.10 en date ; "
                         "lu comme 1.10.")
    assert [a.oo_code for a in result.entity.actions()] == ["1.10"]


def test_an_oo_typed_as_a_number_that_lost_its_trailing_zero(tmp_path):
    strategic = [{"Volet": "Externe", "N° OS": "1", "Intitulé": "Un"}, {"Volet": "Externe", "N° OS": "2",
                                                                         "Intitulé": "Deux"}]
    operational = [{"Volet": "Externe", "N° OO": f"1.{n}", "Intitulé": f"oo {n}"} for n in range(1, 11)] + [
        {"Volet": "Externe", "N° OO": f"2.{n}", "Intitulé": f"oo {n}"} for n in range(2, 11)]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(oo=1.1, title="Ambiguë"),       # a number: 1.1 or 1.10? both exist
        action(oo=2.1, title="Certaine"),      # a number: 2.1 does not exist, 2.10 does
        action(oo="1.1", title="Texte"),       # typed as text: exactly 1.1
    ]}, strategic=strategic, operational=operational)
    result = assemble(folder)
    ambiguous = only(result, "oo-ambigu")
    assert ambiguous.position() == ("oo-ambigu", "T.xlsx", "Actions", 2, "B")
    assert "1.1 et 1.10" in ambiguous.message
    recovered = only(result, "oo-zero-perdu")
    assert recovered.position() == ("oo-zero-perdu", "T.xlsx", "Actions", 3, "B")
    assert {a.title: a.oo_code for a in result.entity.actions()} == {"Certaine": "2.10", "Texte": "1.1"}


def test_action_numbers_typed_oddly_are_normalized_or_refused(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Point", **{"N° action": "12."}), action(title="Lettre", **{"N° action": "A13"}),
        action(title="Texte", **{"N° action": "douze"}), action(title="Bis", **{"N° action": "14bis"})]})
    result = assemble(folder)
    assert [f.position() for f in result.findings if f.code == "numero-action-corrige"] == [
        ("numero-action-corrige", "T.xlsx", "Actions", 2, "D"), ("numero-action-corrige", "T.xlsx", "Actions", 3, "D")]
    assert only(result, "numero-action-illisible").row == 4
    assert {a.title: a.number for a in result.entity.actions()} == {"Point": "12", "Lettre": "13", "Bis": "14bis"}


# --- Cross-file consistency -----------------------------------------------------------------------------------
def test_the_same_reference_in_two_files_names_both_places(tmp_path):
    folder = make_entity(tmp_path / "ville", {
        "A.xlsx": [action(title="Un", **{"Réf.": "TRV-01"})],
        "B.xlsx": [action(title="Deux", **{"Réf.": "trv-01"})]})
    f = only(assemble(folder), "reference-en-double")
    assert (f.file, f.row, f.column) == ("B.xlsx", 2, "D")
    assert "(A.xlsx, ligne 2)" in f.message


def test_a_synergy_with_an_unknown_institution_names_the_known_ones(tmp_path, run_pst):
    make_entity(tmp_path / "data" / "ville", {"T.xlsx": [action(**{"Synergie avec": "CPAS; ZP"})]})
    make_entity(tmp_path / "data" / "cpas", {"S.xlsx": [action(title="Aider")]},
                parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    run = run_pst(tmp_path / "data")
    assert ("AVERTISSEMENT feuille « Actions », ligne 2, colonne D (« Synergie avec ») : « Synergie avec » contient "
            "« ZP », qui n’est pas une institution connue (connues : CPAS, VILLE).") in run.out


# --- Reports, options, exit codes -----------------------------------------------------------------------------
def test_the_validation_report_lists_every_finding_and_never_creates_formulas(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(oo="=HYPERLINK(\"http://x\")", title="Une"), action(title="@SUM(1)"),
        action(oo="2.1", title="@SUM(1)")]})
    run = run_pst(folder)
    assert run.code == 1
    report = run.build / "ville" / "Rapport_validation.xlsx"
    assert f"Rapport de validation : {report}" in run.out
    sheet = load_workbook(report)["Constats"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Gravité", "Constat", "Fichier", "Feuille", "Ligne", "Colonne", "En-tête", "Valeur lue",
                       "Message", "Suggestion", "Code")
    by_code = {row[-1]: row for row in rows[1:]}
    assert by_code["oo-illisible"][:8] == ("erreur", "N° OO illisible", "Travaux.xlsx", "Actions", 2, "B", "N° OO",
                                           '=HYPERLINK("http://x")')
    assert by_code["libelle-en-double"][7] == "@SUM(1)"
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None
               and isinstance(cell.value, str))
    # Readable as opened: filter buttons on the headers, each row as tall as its longest message, the outcome said.
    assert sheet.tables["Constats"].autoFilter.ref == sheet.tables["Constats"].ref
    assert all(sheet.row_dimensions[r].height >= 15 for r in range(2, len(rows) + 1))
    summary = load_workbook(report)["Résumé"]["A2"].value
    assert "Tant qu’une erreur subsiste, le PST n’est pas écrit" in summary
    from pipeline.build import build_all

    [result] = build_all([folder], tmp_path / "again").results
    assert sorted((row[-1], *row[2:6]) for row in rows[1:]) == sorted(
        (f.code, f.file or None, f.sheet or None, f.row, f.column or None) for f in result.findings)
    assert all(row[1] and row[1] != row[-1] for row in rows[1:])  # a French label, not the code


def test_despite_errors_the_document_leaves_out_only_rejected_rows_and_says_so(tmp_path, run_pst):
    from pipeline.cli import main

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Gardée"), action(oo="9.9", title="Rejetée"), action(oo="2.1", title="Aussi gardée")]})
    code = main(["pst", "--data", str(folder), "--build", str(tmp_path / "build"), "--malgre-erreurs"])
    assert code == 0
    [document] = (tmp_path / "build").rglob("PST_*.docx")
    text = docx_text(document)
    assert "Gardée" in text and "Aussi gardée" in text and "Rejetée" not in text
    first_page = [p.text for p in Document(document).paragraphs[:25]]
    assert ("Document provisoire, établi malgré 1 erreur\u00a0: 1 ligne des classeurs des services n’y figure pas "
            "(voir Rapport_validation.xlsx).") in first_page
    assert Document(document).sections[0].header.paragraphs[0].text.endswith("— DOCUMENT PROVISOIRE")
    [fiches] = (tmp_path / "build").rglob("Fiches_actions_*.docx")
    assert any(p.text.startswith("Document provisoire") for p in Document(fiches).paragraphs[:15])
    assert Document(fiches).sections[0].header.paragraphs[0].text.endswith("— DOCUMENT PROVISOIRE")
    assert (document.name, fiches.name) == ("PST_VILLE_2025-2030_PROVISOIRE.docx",
                                            "Fiches_actions_VILLE_PROVISOIRE.docx")


def test_despite_errors_that_reject_no_row_the_cover_counts_no_missing_line(tmp_path):
    from pipeline.cli import main

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(title="Gardée")]})
    (folder / "services" / "Abîmé.xlsx").write_bytes(b"PK\x03\x04 pas un classeur")  # refused as a whole
    assert main(["pst", "--data", str(folder), "--build", str(tmp_path / "build"), "--malgre-erreurs"]) == 0
    [document] = (tmp_path / "build").rglob("PST_*_PROVISOIRE.docx")
    first_page = [p.text for p in Document(document).paragraphs[:25]]
    assert "Document provisoire, établi malgré 1 erreur (voir Rapport_validation.xlsx)." in first_page


def test_a_provisional_document_never_replaces_the_last_valid_one_and_goes_once_errors_are_fixed(tmp_path):
    from pipeline.cli import main

    build = tmp_path / "build"
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(title="Gardée"), action(oo="2.1", title="Autre")]})
    assert main(["pst", "--data", str(folder), "--build", str(build)]) == 0
    valid = build / "ville" / "PST_VILLE_2025-2030.docx"
    before = valid.read_bytes()

    make_entity(folder, {"T.xlsx": [action(title="Gardée"), action(oo="9.9", title="Rejetée")]})
    assert main(["pst", "--data", str(folder), "--build", str(build), "--malgre-erreurs"]) == 0
    provisional = build / "ville" / "PST_VILLE_2025-2030_PROVISOIRE.docx"
    assert provisional.exists() and valid.read_bytes() == before
    assert (build / "ville" / "Fiches_actions_VILLE_PROVISOIRE.docx").exists()

    make_entity(folder, {"T.xlsx": [action(title="Gardée"), action(oo="2.1", title="Corrigée")]})
    assert main(["pst", "--data", str(folder), "--build", str(build)]) == 0
    written = sorted(p.name for p in (build / "ville").glob("*.docx"))
    assert written == plain_build_documents(assemble(folder).entity)
    assert "Corrigée" in docx_text(valid)


def test_a_data_folder_holding_an_entity_without_cadre_exits_2(tmp_path, run_pst):
    make_entity(tmp_path / "data" / "ville", {"T.xlsx": [action()]})
    (tmp_path / "data" / "cpas" / "services").mkdir(parents=True)
    run = run_pst(tmp_path / "data")
    assert run.code == 2
    assert "Dossier sans cadre.xlsx : cpas" in run.err
