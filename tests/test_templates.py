"""`make templates`: the services' workbooks generated from the frame, filled as a service would, and read back.

Round trips run the real commands (`modeles`, then `pst`) and open the .docx with python-docx. The structure of the
workbooks (dropdowns, protection, hidden lists…) is checked by reading them with openpyxl, as saved by us and as
saved again by LibreOffice Calc.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import ROOT, action, add_sheet, make_entity, require_soffice, run_module
from pipeline import contract as c
from pipeline.load import load_entity

ACTION_LINE = re.compile(r"^Action\u00a0(?P<number>\S+)\u00a0:\t(?P<title>.*)$")
ACTION_HEADERS = [column.header for column in c.ACTIONS_SHEET.columns]
"""Every header the contract declares for the « Actions » sheet (a new column is one declaration there)."""
LISTS = {
    "Services": ["Travaux", "Finances", "RH/Paie"],
    "Mandataires": ["Bourgmestre", "Échevin des Travaux"],
    "Plans": ["PCS", "PCDR"],
    "Institutions partenaires": ["CPAS", "ZP"],
}


# --- Helpers -------------------------------------------------------------------------------------------------
def add_parameters(path: Path, parameters: dict[str, object]) -> None:
    book = load_workbook(path)
    sheet = book["Paramètres"]
    for label, value in parameters.items():
        sheet.append([label, value])
    book.save(path)


@pytest.fixture
def run_cli(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        from pipeline.cli import main

        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def headers(sheet, row: int = 1) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[row] if cell.value}


def fill(workbook: Path, rows: list[dict], destination: Path) -> Path:
    """Type `rows` (header → value) into the first empty rows of « Actions », as a service would, and save."""
    book = load_workbook(workbook)
    sheet = book["Actions"]
    columns = headers(sheet)
    first = next(r for r in range(2, sheet.max_row + 2)
                 if all(sheet.cell(row=r, column=col).value in (None, "") for col in columns.values()))
    for offset, row in enumerate(rows):
        for header, value in row.items():
            sheet.cell(row=first + offset, column=columns[header], value=value)
    destination.parent.mkdir(parents=True, exist_ok=True)
    book.save(destination)
    return destination


def document_actions(path: Path) -> list[tuple[str, str, str]]:
    """(number, libellé, detail line) of every action of the PST, in document order (annexes excluded)."""
    found: list[list[str]] = []
    for paragraph in Document(path).paragraphs:
        if paragraph.style.name == "Heading 1" and paragraph.text.startswith("Annexe"):
            break
        if paragraph.style.name in ("Action", "Action suivie"):
            match = ACTION_LINE.match(paragraph.text)
            found.append([match["number"], match["title"], ""])
        elif paragraph.style.name == "Action détail" and found:
            found[-1][2] = paragraph.text
    return [tuple(item) for item in found]


def detail(service: str = "", status: str = "", end: str = "") -> str:
    parts = [f"Service gestionnaire\u00a0: {service}" if service else "", f"Statut\u00a0: {status}" if status else "",
             f"Échéance\u00a0: {end}" if end else ""]
    return " · ".join(p for p in parts if p)


def soffice_convert(source: Path, destination: Path, profile: Path) -> Path:
    """Open and save `source` with LibreOffice Calc (headless), as a service using LibreOffice would."""
    office = require_soffice()
    out = destination.parent / "lo-out"
    subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(out / source.name, destination)
    return destination


@pytest.fixture
def entity(tmp_path) -> Path:
    folder = make_entity(tmp_path / "data" / "ville", {})
    add_sheet(folder / "cadre.xlsx", "Listes", LISTS)
    return folder


def generate(run_cli, folder: Path, build: Path, *extra: str) -> Path:
    code, out, err = run_cli("modeles", "--data", str(folder), "--build", str(build), *extra)
    assert code == 0, out + err
    return build / folder.name / "modeles"


# --- What the coordinator gets ---------------------------------------------------------------------------------
def test_one_workbook_per_service_of_the_listes_sheet_with_safe_file_names(tmp_path, entity, run_cli):
    modeles = generate(run_cli, entity, tmp_path / "build")
    assert sorted(p.name for p in modeles.iterdir()) == ["Finances.xlsx", "RH-Paie.xlsx", "Travaux.xlsx"]


def test_without_listes_the_services_are_those_of_the_services_folder_else_one_generic(tmp_path, run_cli):
    with_files = make_entity(tmp_path / "a" / "ville", {"Travaux.xlsx": [action()], "Écoles.xlsx": [action()]})
    assert sorted(p.name for p in generate(run_cli, with_files, tmp_path / "b1").iterdir()) == [
        "Travaux.xlsx", "Écoles.xlsx"]
    empty = make_entity(tmp_path / "b" / "ville", {})
    assert [p.name for p in generate(run_cli, empty, tmp_path / "b2").iterdir()] == ["Service.xlsx"]


def test_the_actions_sheet_offers_the_contract_headers_in_a_table_with_help_on_each(tmp_path, entity, run_cli):
    book = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")
    assert {"Instructions", "Actions", "Cadre", "Exemple"} <= set(book.sheetnames)
    sheet = book["Actions"]
    found = headers(sheet)
    assert sorted(found) == sorted(ACTION_HEADERS)
    [(name, ref)] = sheet.tables.items()
    assert ref.startswith("A1:") and int(re.sub(r"\D", "", ref.split(":")[1])) >= 501
    assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2")
    for header, col in found.items():
        comment = sheet.cell(row=1, column=col).comment
        assert comment is not None and len(comment.text) > 20, header
    assert "Obligatoire" in sheet.cell(row=1, column=found["N° OO"]).comment.text
    assert sheet.column_dimensions[letter(found["Libellé de l'action"])].width > \
        sheet.column_dimensions[letter(found["N° OO"])].width


def letter(col: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(col)


def validations_by_header(sheet) -> dict[str, object]:
    columns = {letter(col): header for header, col in headers(sheet).items()}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[columns[re.match(r"[A-Z]+", cell_range.coord)[0]]] = validation
    return found


def list_values(book, formula: str) -> list[str]:
    """The values behind a dropdown: a defined name → a range of the hidden sheet."""
    defined = book.defined_names[formula.lstrip("=")]
    [(sheet_name, cells)] = list(defined.destinations)
    return [row[0].value for row in book[sheet_name][cells.replace("$", "")] if row[0].value is not None]


def test_dropdowns_come_from_the_frame_and_the_listes_sheet_through_defined_names(tmp_path, entity, run_cli):
    book = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")
    checks = validations_by_header(book["Actions"])
    expected_lists = {
        "Volet": ["Externe", "Interne"],
        "N° OO": ["1.1 – Planter des arbres", "2.1 – Aider les familles", "1.1 – Simplifier les procédures"],
        "Statut": ["À démarrer", "En cours", "Terminée", "Reportée", "Abandonnée"],
        "Santé": ["Bon", "Risque", "Blocage"],
        "Service gestionnaire": ["Travaux", "Finances", "RH/Paie"],
        "Mandataire responsable": ["Bourgmestre", "Échevin des Travaux"],
        "Plans concernés": ["PCS", "PCDR"],
        "Synergie avec": ["CPAS", "ZP"],
    }
    for header, values in expected_lists.items():
        check = checks[header]
        assert check.type == "list", header
        assert not check.formula1.startswith('"'), f"{header}: inline list"
        assert list_values(book, check.formula1) == values, header
    assert len(list_values(book, checks["ODD"].formula1)) == 17
    assert list_values(book, checks["ODD"].formula1)[0] == "ODD 1 – Pas de pauvreté"
    for header in ("Volet", "Statut"):
        assert checks[header].showErrorMessage and checks[header].errorStyle in (None, "stop"), header
    # N° OO: a code typed without its title (« 2.1 ») is kept, with Excel's warning only.
    assert checks["N° OO"].showErrorMessage and checks["N° OO"].errorStyle == "warning"
    for header in ("Plans concernés", "Synergie avec", "ODD"):  # several values separated by « ; » stay possible
        assert not checks[header].showErrorMessage, header
        assert "«\u00a0;\u00a0»" in checks[header].prompt, header
    progress = checks["Taux d'avancement (%)"]
    assert (progress.type, progress.operator, progress.formula1, progress.formula2) == ("whole", "between", "0", "100")
    for header in ("Début", "Fin", "Date de mise à jour"):
        assert checks[header].type == "date", header
    assert book["Listes"].sheet_state == "hidden"


def test_code_columns_are_text_and_dates_are_dates_in_every_input_row(tmp_path, entity, run_cli):
    sheet = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")["Actions"]
    columns = headers(sheet)
    for row in (2, 250, 501):
        for header in ("N° OO", "N° action", "Réf.", "Volet", "Code synergie"):
            assert sheet.cell(row=row, column=columns[header]).number_format == "@", (header, row)
        assert sheet.cell(row=row, column=columns["Fin"]).is_date or \
            "yy" in sheet.cell(row=row, column=columns["Fin"]).number_format.lower()


def test_headers_are_protected_and_input_cells_are_not(tmp_path, entity, run_cli):
    book = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")
    for name in ("Actions", "Cadre", "Instructions", "Exemple"):
        assert book[name].protection.sheet, name
    sheet = book["Actions"]
    assert all(cell.protection.locked for cell in sheet[1] if cell.value)
    assert not any(cell.protection.locked for row in (2, 501) for cell in sheet[row])


def test_the_cadre_sheet_shows_every_objective_with_its_title(tmp_path, entity, run_cli):
    sheet = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")["Cadre"]
    lines = [(str(row[0].value or ""), str(row[1].value or "")) for row in sheet.iter_rows(min_row=1, max_col=2)]
    assert ("OS 2", "Être une ville solidaire") in lines
    assert ("2.1", "Aider les familles") in lines
    assert ("1.1", "Simplifier les procédures") in lines  # the volet interne's OO 1.1
    assert any("Volet interne" in left for left, _ in lines)


def test_instructions_say_what_to_fill_by_when_and_to_whom_in_french(tmp_path, entity, run_cli):
    add_parameters(entity / "cadre.xlsx", {"Date limite": dt.datetime(2026, 3, 1), "Contact": "Marie Dupont (04 123 45 67)",
                                           "Adresse de retour": "pst@testville.be"})
    book = load_workbook(generate(run_cli, entity, tmp_path / "build") / "Travaux.xlsx")
    text = "\n".join(str(cell.value) for row in book["Instructions"].iter_rows() for cell in row if cell.value)
    assert "Classeur du service Travaux" in text
    assert "1er mars 2026" in text and "pst@testville.be" in text and "Marie Dupont (04 123 45 67)" in text
    assert "« Libellé de l'action »" not in text  # guillemets always with non-breaking spaces
    assert "«\u00a0Libellé de l'action\u00a0»" in text
    assert not re.search(r" [:;!?]", text), "a space before : ; ! ? must be non-breaking"


def test_an_unreadable_date_limite_is_a_warning_and_the_workbooks_are_still_written(tmp_path, entity, run_cli):
    add_parameters(entity / "cadre.xlsx", {"Date limite": "bientôt"})
    code, out, _ = run_cli("modeles", "--data", str(entity), "--build", str(tmp_path / "build"))
    assert code == 0
    assert "Le paramètre « Date limite » contient « bientôt », qui n’est pas une date" in out
    assert (tmp_path / "build" / "ville" / "modeles" / "Travaux.xlsx").is_file()


def test_a_frame_with_errors_gets_no_workbook_and_exit_1(tmp_path, run_cli):
    folder = make_entity(tmp_path / "ville", {}, operational=[{"Volet": "Externe", "N° OO": "9.1", "Intitulé": "X"}])
    code, out, err = run_cli("modeles", "--data", str(folder), "--build", str(tmp_path / "build"))
    assert code == 1
    assert "ERREUR" in out and "Aucun classeur écrit" in out
    assert not (tmp_path / "build" / "ville" / "modeles").exists()


def test_the_example_sheet_and_a_blank_workbook_are_never_read_as_actions(tmp_path, entity, run_cli):
    modeles = generate(run_cli, entity, tmp_path / "build")
    shutil.copy(modeles / "Travaux.xlsx", entity / "services" / "Travaux.xlsx")
    loaded = load_entity(entity)
    assert loaded.actions.frame.empty
    assert [f.position() for f in loaded.findings if f.file == "Travaux.xlsx"] == []


# --- Round trips -------------------------------------------------------------------------------------------------
FILLED = [
    {"Volet": "Externe", "N° OO": "2.1", "Libellé de l'action": "Ouvrir une épicerie sociale", "Statut": "En cours",
     "Fin": dt.date(2026, 12, 31), "Service gestionnaire": "Travaux", "Taux d'avancement (%)": 40,
     "Plans concernés": "PCS ; PCDR", "Synergie avec": "CPAS"},
    {"Volet": "Externe", "N° OO": "1.1", "Libellé de l'action": "Planter cent arbres", "Statut": "À démarrer",
     "Fin": "12/2027", "Service gestionnaire": "Travaux"},
    {"Volet": "Interne", "N° OO": "1.1", "Libellé de l'action": "Numériser le courrier", "Statut": "Terminée",
     "Début": dt.date(2025, 1, 6), "Fin": dt.date(2025, 6, 30), "Service gestionnaire": "Travaux"},
]
EXPECTED = [("1", "Planter cent arbres", detail("Travaux", "À démarrer", "décembre 2027")),
            ("2", "Ouvrir une épicerie sociale",
             detail("Travaux", "En cours", "31 décembre 2026") + " · En synergie avec\u00a0: CPAS"),
            ("1", "Numériser le courrier", detail("Travaux", "Terminée", "30 juin 2025"))]


def test_generate_fill_build_the_document_holds_exactly_what_was_filled(tmp_path, entity, run_cli, run_pst):
    modeles = generate(run_cli, entity, tmp_path / "build")
    fill(modeles / "Travaux.xlsx", FILLED, entity / "services" / "Travaux.xlsx")
    run = run_pst(entity, tmp_path / "build")
    assert run.code == 0, run.out
    document = run.pst()
    assert document_actions(document) == EXPECTED


def test_the_same_round_trip_after_libreoffice_keeps_checks_names_hidden_sheet_and_protection(
        tmp_path, entity, run_cli, run_pst):
    modeles = generate(run_cli, entity, tmp_path / "build")
    filled = fill(modeles / "Travaux.xlsx", FILLED, tmp_path / "filled" / "Travaux.xlsx")
    saved = soffice_convert(filled, entity / "services" / "Travaux.xlsx", tmp_path / "lo")

    before, after = load_workbook(filled), load_workbook(saved)
    assert after["Listes"].sheet_state == "hidden"
    assert set(after.defined_names) >= set(before.defined_names)
    for name in before.defined_names:
        assert list_values(after, name) == list_values(before, name), name
    checks_before, checks_after = validations_by_header(before["Actions"]), validations_by_header(after["Actions"])
    assert checks_after.keys() == checks_before.keys()
    for header, check in checks_before.items():
        kept = checks_after[header]
        assert (kept.type, kept.showErrorMessage, str(kept.sqref), kept.prompt) == \
            (check.type, check.showErrorMessage, str(check.sqref), check.prompt), header
        if check.type is not None:  # « any value » (input message only) has no formula
            assert kept.formula1.lstrip("=") == check.formula1.lstrip("="), header
        if check.formula2 is not None:  # LibreOffice writes a needless formula2 of 0 where there is none
            assert kept.formula2 == check.formula2, header
    for name in ("Actions", "Cadre", "Instructions"):
        assert after[name].protection.sheet, name
    assert all(cell.protection.locked for cell in after["Actions"][1] if cell.value)
    assert not any(cell.protection.locked for cell in after["Actions"][300])

    columns = ["volet", "oo_code", "title", "status", "end", "progress", "plans", "synergy_with"]
    read_saved = load_entity(entity).actions.frame[columns]
    shutil.copy(filled, entity / "services" / "Travaux.xlsx")
    read_filled = load_entity(entity).actions.frame[columns]
    assert read_saved.to_dict("records") == read_filled.to_dict("records")

    soffice_convert(filled, entity / "services" / "Travaux.xlsx", tmp_path / "lo")
    run = run_pst(entity, tmp_path / "build")
    assert run.code == 0, run.out
    assert document_actions(run.pst()) == EXPECTED


@pytest.mark.parametrize("saved_by_libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_prefilled_workbooks_update_the_same_actions_new_statuses_same_numbers(
        tmp_path, entity, run_cli, run_pst, saved_by_libreoffice):
    build = tmp_path / "build"
    modeles = generate(run_cli, entity, build)
    fill(modeles / "Travaux.xlsx", FILLED, entity / "services" / "Travaux.xlsx")
    fill(modeles / "Finances.xlsx", [{"Volet": "Externe", "N° OO": "1.1", "Libellé de l'action": "Budget vert",
                                      "Statut": "En cours", "Début": "2025", "Taux d'avancement (%)": 10}],
         entity / "services" / "Finances.xlsx")
    first = run_pst(entity, build)
    assert first.code == 0, first.out
    before = document_actions(first.pst())

    prefilled = generate(run_cli, entity, build, "--prerempli")
    book = load_workbook(prefilled / "Travaux.xlsx")
    sheet = book["Actions"]
    columns = headers(sheet)
    rows = [{h: sheet.cell(row=r, column=col).value for h, col in columns.items()} for r in range(2, 5)]
    assert [r["Libellé de l'action"] for r in rows] == [f["Libellé de l'action"] for f in FILLED]
    assert all(re.fullmatch(r"VILLE-\d{4}", r["Réf."]) for r in rows)
    assert rows[0]["Fin"] == dt.datetime(2026, 12, 31) and rows[0]["Taux d'avancement (%)"] == 40
    assert rows[1]["Fin"] == "12/2027"  # a month stays a month
    assert sheet.cell(row=5, column=columns["Libellé de l'action"]).value is None
    assert book["Actions"].protection.sheet

    for r, status in zip(range(2, 5), ("Terminée", "En cours", "Abandonnée")):
        sheet.cell(row=r, column=columns["Statut"], value=status)
    if saved_by_libreoffice:
        book.save(tmp_path / "Travaux.xlsx")
        soffice_convert(tmp_path / "Travaux.xlsx", entity / "services" / "Travaux.xlsx", tmp_path / "lo")
        soffice_convert(prefilled / "Finances.xlsx", entity / "services" / "Finances.xlsx", tmp_path / "lo")
    else:
        book.save(entity / "services" / "Travaux.xlsx")
        shutil.copy(prefilled / "Finances.xlsx", entity / "services" / "Finances.xlsx")
    second = run_pst(entity, build)
    assert second.code == 0, second.out
    after = document_actions(second.pst())
    assert [(n, t) for n, t, _ in after] == [(n, t) for n, t, _ in before]
    without_status = [re.sub(r"Statut\u00a0: [^·]+?( · |$)", "", d) for _, _, d in after]
    assert without_status == [re.sub(r"Statut\u00a0: [^·]+?( · |$)", "", d) for _, _, d in before]
    statuses = {t: re.search(r"Statut\u00a0: ([^·]+?)(?: ·|$)", d)[1] for _, t, d in after}
    assert statuses == {"Ouvrir une épicerie sociale": "Terminée", "Planter cent arbres": "En cours",
                        "Numériser le courrier": "Abandonnée", "Budget vert": "En cours"}
    assert "action retirée" not in second.out.lower()


def test_prerempli_without_a_previous_build_says_so_and_exits_2(tmp_path, entity):
    completed = run_module("modeles", "--data", str(entity), "--build", str(tmp_path / "build"), "--prerempli")
    assert completed.returncode == 2
    assert "Aucune construction réussie du PST" in completed.stderr
    assert "« python -m pipeline pst »" in completed.stderr and "« python -m pipeline modeles --prerempli »" in \
        completed.stderr and "make" not in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert not (tmp_path / "build" / "ville" / "modeles").exists()


def test_input_templates_and_the_readme_columns_are_what_make_modeles_vierges_writes(tmp_path):
    """input_templates/ and README's table of columns are committed: `make modeles-vierges` regenerates them
    whenever the contract changes, and leaves them byte for byte as they are when it does not."""
    import sys

    from pipeline.workbooks import write_blank_templates

    first, again = write_blank_templates(tmp_path / "first"), write_blank_templates(tmp_path / "first")
    assert [changed for _, changed in first] == [True, True] and [changed for _, changed in again] == [False, False]
    for path, _ in first:
        assert (ROOT / "input_templates" / path.name).read_bytes() == path.read_bytes(), \
            f"input_templates/{path.name} n’est plus ce que le contrat donne : lancez « make modeles-vierges »."
    blank = load_workbook(ROOT / "input_templates" / "service.xlsx")
    assert sorted(headers(blank["Actions"])) == sorted(ACTION_HEADERS)
    assert "Listes" in load_workbook(ROOT / "input_templates" / "cadre.xlsx").sheetnames

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import readme_columns
    finally:
        sys.path.remove(str(ROOT / "tools"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_columns.with_table(readme) == readme, "README.md : lancez « make modeles-vierges »."
    table = readme.split(readme_columns.START)[1].split(readme_columns.END)[0]
    assert [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")] == ACTION_HEADERS


def test_the_sample_sent_back_unchanged_in_prefilled_workbooks_rebuilds_the_very_same_documents(
        tmp_path, run_cli, run_pst):
    """Every field of every sample action (partial dates, rates, synergies, multi-line steps) survives the trip
    state → pre-filled workbook → reader; the services only replace their files."""
    from conftest import SAMPLE, docx_text

    data = shutil.copytree(SAMPLE, tmp_path / "data")
    build = tmp_path / "build"
    first = run_pst(data, build)
    assert first.code == 0, first.out
    def texts(run) -> dict:
        # The build date aside (« construit le 22 novembre 2026 »): the test may straddle midnight.
        return {path.relative_to(build): re.sub(r"\b\d{1,2}(?:er)? [a-zéû]+ \d{4}\b", "<date>", docx_text(path))
                for path in run.documents()}

    before = texts(first)
    generate(run_cli, data, build, "--prerempli")
    for entity in ("engis-commune", "engis-cpas"):
        for old in (data / entity / "services").iterdir():
            old.unlink()
        for workbook in (build / entity / "modeles").iterdir():
            shutil.copy(workbook, data / entity / "services" / workbook.name)
    second = run_pst(data, build)
    assert second.code == 0, second.out
    assert texts(second) == before
    assert "action retirée" not in second.out.lower() and "ont reçu une référence" not in second.out
