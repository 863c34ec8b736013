"""No value can stop a writer (issue 21, point 5): a control character pasted from another program, a lone surrogate
of a hand-edited state file, a finding on a merged cell — the build ends in 0 or 1, every file it writes opens, and
where a person must find the cell (validation report, feedback copies) the character is shown by its picture
(« ␇ »). The characters are put into the input workbooks as Excel stores them (conftest.as_excel_stores)."""

from __future__ import annotations

import io
import json
import re
import warnings

from docx import Document
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from conftest import action, docx_text, make_entity
from pipeline import contract as c
from pipeline.clean import removed, visible
from pipeline.cli import main
from test_ecomptes import EXERCICE, check_structure, export, only_xml, ville

BELL, PICTURE = "\x07", "\u2407"  # ␇
PASTED = f"9{BELL}.9"
SHOWN = f"9{PICTURE}.9"
NAMESPACES = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def build(data, build_dir, *extra: str) -> int:
    return main(["pst", "--data", str(data), "--build", str(build_dir), "--processus", "1", *extra])


def xml_char(code: int) -> bool:
    """XML 1.0's Char production."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def list_rows(sheet) -> list[dict]:
    """A findings sheet (« Retours du PST », « Constats ») as one dict per finding, header → value."""
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row)) for row in rows[1:] if row[0] is not None and any(row[1:])]


# --- The cleaning place --------------------------------------------------------------------------------------
def test_every_unicode_character_shown_visibly_goes_into_a_workbook_and_an_xml_file_and_comes_back():
    every = "".join(chr(code) for code in range(0x110000))
    shown = visible(every)
    assert len(shown) == len(every)
    changed = {ord(a): b for a, b in zip(every, shown) if a != b}
    assert set(changed) == {code for code in range(0x110000) if not xml_char(code)} | set(range(0x7F, 0xA0))
    assert changed[0x07] == "␇" and changed[0x00] == "␀" and changed[0x1B] == "␛" and changed[0x7F] == "␡"
    assert changed[0xD800] == changed[0xDFFF] == changed[0xFFFE] == changed[0xFFFF] == "\ufffd"
    assert all(kept in shown for kept in "\t\n\r\xa0")  # allowed by XML, and not controls: kept
    assert changed[0x85] == changed[0x9B] == "\ufffd"  # C1 controls: HTML (the site) refuses them
    # A workbook (cells hold at most 32,767 characters) and an XML element hold it, and give it back.
    chunks = [shown[start:start + 30000] for start in range(0, len(shown), 30000)]
    book = Workbook()
    for row, chunk in enumerate(chunks, start=1):
        book.active.cell(row=row, column=1, value=chunk)
    saved = io.BytesIO()
    book.save(saved)
    read = load_workbook(saved).active
    assert "".join(read.cell(row=row, column=1).value for row in range(1, len(chunks) + 1)) == shown
    element = etree.Element("Valeur")
    element.text = shown
    assert etree.fromstring(etree.tostring(element, encoding="UTF-8")).text == shown
    assert removed(every) == "".join(chr(code) for code in range(0x110000)
                                     if xml_char(code) and not 0x7F <= code <= 0x9F)


# --- Feedback copies and validation report -------------------------------------------------------------------
def test_a_control_character_in_each_column_is_shown_in_the_feedback_copy_and_the_report(tmp_path, run_pst):
    columns = c.ACTIONS_SHEET.columns
    rows = []
    for column in columns:
        row = action(title=f"Action {column.key}")
        row[column.header] = PASTED
        rows.append(row)
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": rows})
    headers = list(dict.fromkeys(["Volet", "N° OO", "Libellé de l'action", *[h for row in rows for h in row]]))
    cells = {(index, get_column_letter(headers.index(column.header) + 1))
             for index, column in enumerate(columns, start=2)}
    run = run_pst(folder)
    assert run.code == 1, run.err  # errors (« 9.9 » is no volet, no OO, no date), never an internal error
    copy = load_workbook(run.build / "ville" / "retours" / "Travaux.xlsx")
    assert copy.sheetnames[0] == "Retours du PST"
    report = list_rows(load_workbook(run.build / "ville" / "Rapport_validation.xlsx")["Constats"])
    for key, rows_of in (("Retours du PST", list_rows(copy["Retours du PST"])),
                         ("Constats", [r for r in report if r["Fichier"] == "Travaux.xlsx"])):
        # Each column: the finding on the cell holding the character quotes it as « 9␇.9 »…
        quoted = {(r["Ligne"], r["Colonne"]) for r in rows_of if r["Valeur lue"] == SHOWN}
        assert quoted == cells, key
        assert not [r for r in rows_of if BELL in "".join(str(v) for v in r.values())]
        # … and so does a message quoting the value (the N° OO that is in no frame, a date that is none).
        messages = {r["Colonne"]: r["Message"] for r in rows_of if r["Message"] and f"« {SHOWN} »" in r["Message"]}
        assert {"A", "B"} <= set(messages), key  # Volet, N° OO
    # The faulty cell of the copy carries the message, with the character shown.
    oo_cell = copy["Actions"][f"B{2 + [col.key for col in columns].index('oo_code')}"]
    assert f"« {SHOWN} »" in oo_cell.comment.text and oo_cell.fill.fgColor.rgb.endswith("F8CBAD")


def test_a_finding_on_merged_cells_is_put_on_the_first_cell_of_the_range(tmp_path, run_pst):
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(["Volet", "N° OO", "Libellé de l'action", "Début"])
    sheet.append(["Externe", "9.9", "Première", "bientôt"])
    sheet.append(["Externe", None, "Deuxième", None])
    sheet.append(["Externe", None, "Troisième", None])
    sheet.merge_cells("B2:B4")  # an OO typed once for three actions: not in the frame
    sheet.merge_cells("D2:D3")  # a date that is none, for two actions
    folder = make_entity(tmp_path / "ville", {})
    book.save(folder / "services" / "Fusion.xlsx")
    run = run_pst(folder)
    assert run.code == 1 and "Erreur interne" not in run.err
    copy = load_workbook(run.build / "ville" / "retours" / "Fusion.xlsx")
    listed = list_rows(copy["Retours du PST"])
    assert sorted((r["Ligne"], r["Colonne"]) for r in listed if r["Constat"] != "Cellules fusionnées") == [
        (2, "B"), (2, "D"), (3, "B"), (3, "D"), (4, "B")]
    actions = copy["Actions"]
    assert actions.merged_cells.ranges and {str(r) for r in actions.merged_cells.ranges} == {"B2:B4", "D2:D3"}
    oo, start = actions["B2"], actions["D2"]
    assert "« 9.9 »" in oo.comment.text and oo.comment.text.count("ERREUR") == 1  # one message for the three rows
    assert "« bientôt »" in start.comment.text
    assert oo.fill.fgColor.rgb.endswith("F8CBAD") and start.fill.fgColor.rgb.endswith("F8CBAD")
    assert [cell.coordinate for row in actions.iter_rows() for cell in row if cell.comment] == ["B2", "D2"]


# --- What does not come from the workbooks: the state file, the adopted versions -------------------------------
def hand_edit(path, change) -> None:
    """A JSON file of the build edited by hand, saved as any editor does (lone surrogates as \\ud800 escapes)."""
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record), encoding="utf-8")


def test_a_state_file_holding_control_characters_and_lone_surrogates_stops_no_writer(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Réparer le toit"),
                                                               action(oo="2.1", title="Aider"),
                                                               action(volet="Interne", title="Simplifier")]})
    state = folder / c.STATE_FILE
    assert build(folder, tmp_path / "build") == 0
    withdrawn = {"reference": "VILLE-0099", "file": "Travaux.xlsx", "sheet": "Actions", "row": 9,
                 "title": "Repeindre\x07 la salle\ud800", "description": "Couleur\x1b[31m rouge\ufffe"}
    elsewhere = {**withdrawn, "reference": "VILLE-0098", "file": "Tra\x07vaux\ud800 (2).xlsx", "title": "Tondre"}
    hand_edit(state, lambda record: record["actions"].extend([withdrawn, elsewhere]))
    # Pre-filled workbooks (make templates PREREMPLI=1): written, without the characters.
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build"), "--prerempli"]) == 0
    templates = tmp_path / "build" / "ville" / c.TEMPLATES_DIR
    assert sorted(path.name for path in templates.iterdir()) == ["Tra-vaux (2).xlsx", "Travaux.xlsx"]
    sheet = load_workbook(templates / "Travaux.xlsx")["Actions"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = next(row for row in rows if c.ACTIONS_SHEET.column("title").header in row)
    prefilled = [dict(zip(headers, row)) for row in rows]
    [repaint] = [row for row in prefilled if row["Réf."] == "VILLE-0099"]
    assert repaint[c.ACTIONS_SHEET.column("title").header] == "Repeindre la salle"
    assert repaint[c.ACTIONS_SHEET.column("description").header] == "Couleur[31m rouge"
    # The build reads the state back: the withdrawn action is reported, on screen and in the files.
    capsys.readouterr()
    assert build(folder, tmp_path / "build") == 0
    out, err = capsys.readouterr()
    assert "Repeindre␇ la salle\ufffd" in out and "Erreur interne" not in err  # shown as in the feedback
    report = list_rows(load_workbook(tmp_path / "build" / "ville" / "Rapport_validation.xlsx")["Constats"])
    copy = list_rows(load_workbook(tmp_path / "build" / "ville" / "retours" / "Travaux.xlsx")["Retours du PST"])
    for rows in (report, copy):
        [retired] = [row for row in rows if row["Constat"] == "Action retirée"]
        assert "« Repeindre␇ la salle\ufffd »" in retired["Message"]
    assert json.loads(state.read_text(encoding="utf-8"))["actions"]  # the state is written again


def test_a_control_character_in_a_parameter_or_a_recorded_reference_never_reaches_the_xml_nor_the_documents(
        tmp_path):
    folder = ville(tmp_path, [action(title="Réparer le toit"), action(oo="2.1", title="Aider"),
                              action(volet="Interne", title="Simplifier")], {"Entité": "Ville\x07 de Testville"})
    assert export(folder, tmp_path / "build", "--exercice", EXERCICE) == 0
    fiches = next((tmp_path / "build" / "ville").glob("Fiches_actions_*.docx"))
    page_breaks = len(Document(fiches).element.body.findall(".//w:br[@w:type='page']", NAMESPACES))
    # The Réf. an action without one takes from the state (same service, same libellé) is hand-edited.
    state = folder / c.STATE_FILE
    hand_edit(state, lambda record: record["actions"][0].update(reference="VILLE-0001\x07\ud800\x0c"))
    assert export(folder, tmp_path / "build", "--exercice", EXERCICE) == 0
    root = only_xml(tmp_path / "build")
    check_structure(root)
    assert [e.get("ElementId") for e in root.iter("Action")] == ["VILLE-0001", "VILLE-0002", "VILLE-0003"]
    assert root.findtext("PST/DescriptionPST/Libelle").endswith("— Ville de Testville")
    assert "VILLE-0001" in docx_text(fiches)
    # docxtpl turns a form feed of the context into a page break: removed, the fiches break as before.
    assert len(Document(fiches).element.body.findall(".//w:br[@w:type='page']", NAMESPACES)) == page_breaks
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    assert Document(pst).core_properties.author == "Ville de Testville"
    # The report shows where the character was.
    report = list_rows(load_workbook(tmp_path / "build" / "ville" / "Rapport_validation.xlsx")["Constats"])
    assert [row["Valeur lue"] for row in report if row["Code"] == "caracteres-retires"] == ["Ville␇ de Testville"]


def test_a_control_character_in_an_adopted_version_never_reaches_the_documents(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Réparer le toit"),
                                                               action(volet="Interne", title="Numériser")]})
    assert build(folder, tmp_path / "build") == 0
    assert main(["adopter", "--data", str(folder), "--build", str(tmp_path / "build"), "--seance", "2025-06-26"]) == 0
    [version] = (folder / "versions").glob("*/version.json")

    def rename(record):
        [numerised] = [a for a in record["actions"] if a["title"] == "Numériser"]
        numerised["title"] = "Numériser\x07 les\x0c factures\ud800"

    hand_edit(version, rename)
    make_entity(folder, {"Travaux.xlsx": [action(title="Réparer le toit")]})  # « Numériser » withdrawn
    assert build(folder, tmp_path / "build") == 0
    [modifications] = (tmp_path / "build" / "ville").glob("Modifications_*.docx")
    assert re.search(r"Action\u00a0\d+ \(interne\)\u00a0: Numériser les factures", docx_text(modifications))
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    assert "Numériser les factures" in docx_text(pst)  # the annex of the modifications


def test_the_console_shows_a_pasted_control_character_as_the_feedback_does(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(oo=PASTED), action(title="\x1b[31mRouge")]})
    assert build(folder, tmp_path / "build") == 1
    out = capsys.readouterr().out
    assert f"« {SHOWN} »" in out  # the finding quoting the wrong value
    assert BELL not in out and "\x1b" not in out  # no bell, no terminal colours from a cell


INVISIBLE_ONLY = ["\x07", " \x1b ", "\u200b", "\ufeff"]
"""What a required cell may hold and still be empty to a reader: a pasted control character, a zero-width space, a
byte order mark."""


def test_a_required_cell_holding_only_invisible_characters_is_an_empty_required_value(tmp_path, capsys):
    """Each required column of every sheet that has one (from the contract): the row is refused with « valeur
    obligatoire absente » (exit 1) — never an internal error, never a row dropped with exit 0, never an action
    without libellé."""
    from conftest import OPERATIONAL, STRATEGIC, add_sheet

    budget = {col.header: ["VILLE-0001"] if col.key == "reference" else ["2026"] if col.key == "year"
              else ["Ordinaire"] if col.key == "budget_service" else ["Dépense"] if col.key == "direction"
              else ["100"] for col in c.FINANCE_SHEET.required}
    cases = [(c.ACTIONS_SHEET, col) for col in c.ACTIONS_SHEET.required] \
        + [(c.FINANCE_SHEET, col) for col in c.FINANCE_SHEET.required] \
        + [(c.STRATEGIC_OBJECTIVES_SHEET, col) for col in c.STRATEGIC_OBJECTIVES_SHEET.required] \
        + [(c.OPERATIONAL_OBJECTIVES_SHEET, col) for col in c.OPERATIONAL_OBJECTIVES_SHEET.required]
    assert len(cases) >= 10
    for number, (sheet, column) in enumerate(cases):
        value = INVISIBLE_ONLY[number % len(INVISIBLE_ONLY)]
        rows = [action(**{"Réf.": "VILLE-0001"}), action(oo="2.1", title="Aider")]
        strategic, operational = [dict(row) for row in STRATEGIC], [dict(row) for row in OPERATIONAL]
        spoiled = {c.ACTIONS_SHEET.name: rows, c.STRATEGIC_OBJECTIVES_SHEET.name: strategic,
                   c.OPERATIONAL_OBJECTIVES_SHEET.name: operational}.get(sheet.name)
        lines = dict(budget)
        if spoiled is not None:
            spoiled[0][column.header] = value
        else:
            lines[column.header] = [value]
        folder = make_entity(tmp_path / f"cas{number}" / "ville", {"Travaux.xlsx": rows}, strategic=strategic,
                             operational=operational)
        add_sheet(folder / "services" / "Travaux.xlsx", c.FINANCE_SHEET.name, lines)
        code = build(folder, tmp_path / f"cas{number}" / "build")
        out = capsys.readouterr().out
        where = f"{sheet.name}/{column.header} = {value!r}"
        assert code == 1, where + out
        assert f"La colonne « {column.header} » est vide ; elle est obligatoire." in out, where + out
        assert "Erreur interne" not in out


def test_a_cells_comment_puts_its_error_before_the_warning_about_removed_characters(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(oo=PASTED)]})
    assert build(folder, tmp_path / "build") == 1
    book = load_workbook(tmp_path / "build" / "ville" / "retours" / "Travaux.xlsx")
    comment = book["Actions"]["B2"].comment.text
    assert comment.startswith("ERREUR : ") and "AVERTISSEMENT : " in comment


def test_openpyxls_own_remarks_in_english_never_reach_the_console(tmp_path):
    """A huge number formatted as a date: openpyxl warns in English while the feedback copy is written."""
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(oo="9.9"), action(title="Dater")]})
    book = load_workbook(folder / "services" / "Travaux.xlsx")
    sheet = book["Actions"]
    sheet["E1"] = "Début"
    sheet["E3"] = 1.234567890123457e19
    sheet["E3"].number_format = "dd/mm/yyyy"
    book.save(folder / "services" / "Travaux.xlsx")
    with warnings.catch_warnings(record=True) as shown:  # what Python would print on the console
        warnings.simplefilter("always")
        assert build(folder, tmp_path / "build") == 1
    assert not [str(w.message) for w in shown if w.category is UserWarning]
    assert (tmp_path / "build" / "ville" / "retours" / "Travaux.xlsx").is_file()


def test_a_c1_control_typed_in_a_cell_is_dropped_with_a_warning_and_nel_is_a_line_break():
    """C1 controls (U+0080–U+009F) are errors in HTML: the site, the open data and the documents never hold them.
    NEL (U+0085) is the line break of old systems: it stays a line break."""
    from pipeline.normalize import clean_text

    assert clean_text("Première\x85seconde") == ("Première\nseconde", None)
    text, problem = clean_text("Rue\x9b de l’Église\x80")
    assert text == "Rue de l’Église" and problem is not None and problem.code == "caracteres-retires"
