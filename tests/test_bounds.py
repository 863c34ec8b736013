"""Bounded whatever a cell holds (issue 10): a huge number or a long text ends in a French finding naming the cell,
or in a documented cut — never in a computation sized by the value, never in an exception — and one entity's
failure never hides the others'."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from conftest import (action, add_sheet, assemble, docx_text, make_entity, memory_limit, only, positions)
from pipeline import contract as c
from pipeline.cli import main
from pipeline.findings import missing_runs, runs_count, runs_text
from pipeline.normalize import natural_key, parse_action_number, parse_amount, parse_oo_code, parse_os_number

HUGE = "100000000000000000000"
THOUSAND_DIGITS = "9" * 1000


@pytest.fixture(autouse=True)
def bounded_memory():
    """Every test here runs under a memory limit: a computation sized by a typed value fails fast (MemoryError)
    instead of taking the machine down."""
    with memory_limit():
        yield


def build(folder: Path, build_dir: Path, *extra: str) -> int:
    """The whole build in this process, in one process."""
    return main(["pst", "--data", str(folder), "--build", str(build_dir), "--processus", "1", *extra])


# --- Numbers beyond what a PST can hold ----------------------------------------------------------------------
@pytest.mark.parametrize("typed", [1e20, HUGE, 471234567, THOUSAND_DIGITS, "12bis" + "9" * 14])
def test_a_huge_action_number_is_an_error_naming_the_cell(tmp_path, capsys, typed):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Un", **{"N° action": 1}), action(title="Deux", **{"N° action": typed})]})
    result = assemble(folder)
    found = only(result, "nombre-trop-grand" if typed != "12bis" + "9" * 14 else "numero-action-illisible")
    assert found.position()[1:] == ("Travaux.xlsx", "Actions", 3, "D")
    assert found.is_error
    assert build(folder, tmp_path / "build") == 1
    assert "Erreur interne" not in capsys.readouterr().err
    assert not (tmp_path / "build" / "erreur-interne.log").exists()


def test_the_message_says_what_the_limit_is(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(**{"N° action": 1e20})]})
    found = only(assemble(folder), "nombre-trop-grand")
    assert found.message == (f"La colonne « N° action » contient « {HUGE} » : un numéro d’action ne dépasse pas "
                             "9\u00a0999 dans un PST.")


@pytest.mark.parametrize("typed", [1e20, HUGE, 999999999999, THOUSAND_DIGITS])
def test_a_huge_os_number_in_the_frame_is_an_error_naming_the_cell(tmp_path, typed):
    strategic = [{"Volet": "Externe", "N° OS": "1", "Intitulé": "Être verte"},
                 {"Volet": "Externe", "N° OS": typed, "Intitulé": "Être trop grande"},
                 {"Volet": "Interne", "N° OS": "1", "Intitulé": "Être efficace"}]
    operational = [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Planter"},
                   {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "Simplifier"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, strategic=strategic, operational=operational)
    assert positions(assemble(folder), "nombre-trop-grand") == [
        ("nombre-trop-grand", "cadre.xlsx", "Objectifs stratégiques", 3, "B")]
    assert build(folder, tmp_path / "build") == 1


@pytest.mark.parametrize("typed", ["1." + HUGE, "1." + THOUSAND_DIGITS, HUGE + ".1", "1.1000"])
def test_a_huge_oo_rank_is_an_error_in_the_frame_and_in_the_actions(tmp_path, typed):
    operational = [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Planter"},
                   {"Volet": "Externe", "N° OO": typed, "Intitulé": "Trop loin"},
                   {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "Simplifier"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(), action(oo=typed, title="Deux")]},
                         operational=operational)
    assert positions(assemble(folder), "nombre-trop-grand") == [
        ("nombre-trop-grand", "cadre.xlsx", "Objectifs opérationnels", 3, "B"),
        ("nombre-trop-grand", "T.xlsx", "Actions", 3, "B")]
    assert build(folder, tmp_path / "build") == 1


def test_an_oo_typed_as_a_huge_number_cell_is_unreadable_not_a_crash(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(), action(oo=1e20, title="Deux")]})
    assert positions(assemble(folder), "oo-illisible") == [("oo-illisible", "T.xlsx", "Actions", 3, "B")]
    assert build(folder, tmp_path / "build") == 1


@pytest.mark.parametrize("typed", [1e15, THOUSAND_DIGITS, "-" + THOUSAND_DIGITS, "1" * 400 + ",50"])
def test_a_huge_amount_is_an_error_naming_the_cell(tmp_path, typed):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(**{"Réf.": "T-1"})]})
    add_sheet(folder / "services" / "T.xlsx", "Financement", {
        "Réf.": ["T-1", "T-1"], "Exercice": [2026, 2027], "Service": ["Ordinaire"] * 2, "R/D": ["Dépense"] * 2,
        "Montant estimé": [1000, typed]})
    assert positions(assemble(folder), "nombre-trop-grand") == [
        ("nombre-trop-grand", "T.xlsx", "Financement", 3, "E")]
    assert build(folder, tmp_path / "build") == 1


def test_numbers_far_apart_are_gaps_counted_from_their_neighbours(tmp_path):
    """Actions 1, 2 and 9 999: the gap warning counts 9 996 missing numbers without counting up to 9 999."""
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Un", **{"N° action": 1}), action(title="Deux", **{"N° action": 2}),
        action(title="Loin", **{"N° action": 9999})]})
    gap = only(assemble(folder), "numerotation-lacunaire")
    assert "pas d’action 3-9998" in gap.message and "numéros présents : 1-2, 9999" in gap.message
    assert build(folder, tmp_path / "build") == 0


def test_gap_runs_come_from_the_numbers_present():
    assert missing_runs({1, 2, 5, 9}) == [(3, 4), (6, 8)]
    assert missing_runs([3]) == [(1, 2)]
    assert missing_runs([]) == []
    runs = missing_runs([1, 10 ** 15])  # never a range(1, max): instantaneous, whatever the largest number
    assert runs_count(runs) == 10 ** 15 - 2 and runs_text(runs) == f"2-{10 ** 15 - 1}"
    assert runs_text([(2, 2), (4, 6)], "3.") == "3.2, 3.4-3.6"


def test_converters_never_turn_thousands_of_digits_into_a_number():
    for convert in (parse_os_number, parse_action_number, parse_amount):
        value, problem = convert(THOUSAND_DIGITS * 5)
        assert value is None and problem.code == "nombre-trop-grand"
    assert parse_oo_code("1." + THOUSAND_DIGITS * 5)[1].code == "nombre-trop-grand"
    assert sorted(["10", THOUSAND_DIGITS * 5, "2", "3bis", "3"], key=natural_key) == [
        "2", "3", "3bis", "10", THOUSAND_DIGITS * 5]


def test_thousands_of_digits_in_references_and_synergy_codes_are_kept_as_typed(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(**{"Réf.": "VILLE-" + THOUSAND_DIGITS * 5, "Synergie avec": "CPAS",
                  "Code synergie": THOUSAND_DIGITS * 5}),
        action(title="Deux", **{"Synergie avec": "CPAS", "Code synergie": "SYN-" + THOUSAND_DIGITS})]})
    assert build(folder, tmp_path / "build") == 0
    fiches = docx_text(next((tmp_path / "build").rglob("Fiches_actions_*.docx")))
    assert "VILLE-" + THOUSAND_DIGITS * 5 in fiches and "VILLE-0001" in fiches  # the counter is not moved


# --- Long texts ----------------------------------------------------------------------------------------------
LONG = ("Commune de Très-Longue-Dénomination " * 9).strip()  # 300 characters


def test_a_300_character_entity_is_whole_on_the_cover_and_abridged_in_the_properties(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, parameters={"Entité": LONG[:300]})
    warning = only(assemble(folder), "parametre-trop-long")
    assert warning.position()[1:] == ("cadre.xlsx", "Paramètres", 2, "B") and not warning.is_error
    assert build(folder, tmp_path / "build") == 0
    for document in (tmp_path / "build").rglob("*.docx"):
        properties = Document(document).core_properties
        assert len(properties.title) <= 255 and properties.title.endswith("…"), document.name
        assert len(properties.author) <= 255
    pst = next((tmp_path / "build").rglob("PST_*.docx"))
    assert LONG[:300] in docx_text(pst)


@pytest.mark.parametrize("parameter, code", [("Code", "code-invalide"), ("Législature", "legislature-invalide")])
def test_a_300_character_code_or_legislature_is_an_error_naming_the_cell(tmp_path, parameter, code):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, parameters={parameter: "X" * 300})
    found = only(assemble(folder), code)
    assert found.file == "cadre.xlsx" and found.sheet == "Paramètres" and found.column == "B"
    assert len(found.message) < 400 and "X" * 199 + "…" in found.message  # the message quotes 200 characters
    assert build(folder, tmp_path / "build") == 1


def test_every_parameter_300_characters_long_never_crashes(tmp_path, capsys):
    long_values = {p.label: ("Valeur " * 50)[:300] for p in c.PARAMETERS if p.key not in ("code", "legislature")}
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, parameters=long_values)
    assert build(folder, tmp_path / "build") == 1  # « Type » is not a known type: an error, said as such
    assert "Le type d’entité « Valeur Valeur" in capsys.readouterr().out
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build")]) == 1
    del long_values["Type"]
    make_entity(folder, {"T.xlsx": [action()]}, parameters=long_values)
    assert build(folder, tmp_path / "build") == 0
    said = capsys.readouterr().out  # this folder alone: its « PST conjoint avec » partner is not expected
    assert "seul ce dossier est construit" in said and "Traceback" not in said
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build")]) == 0


def rewrite_part(path: Path, replace) -> None:
    """Rewrite every XML part of the workbook at `path` through `replace(bytes) -> bytes`."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, replace(data) if item.filename.endswith(".xml") else data)
    path.write_bytes(out.getvalue())


def test_a_text_longer_than_a_cell_admits_is_cut_with_a_warning(tmp_path):
    """Excel never holds more than 32,767 characters in a cell (openpyxl cuts them too); a file written by another
    program may."""
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(title="Planter LONGUEUR")]})
    rewrite_part(folder / "services" / "T.xlsx", lambda xml: xml.replace(b"LONGUEUR", b"x" * 40000))
    warning = only(assemble(folder), "texte-trop-long")
    assert warning.position()[1:] == ("T.xlsx", "Actions", 2, "C")
    assert build(folder, tmp_path / "build") == 0
    pst = next((tmp_path / "build").rglob("PST_*.docx"))
    assert "x" * 32000 + "…" in docx_text(pst)


def test_a_hidden_column_range_claiming_a_billion_columns_is_not_believed(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    for row in (["Volet", "N° OO", "Libellé de l'action"], ["Externe", "1.1", "Planter"]):
        sheet.append(row)
    sheet.column_dimensions["D"].hidden = True
    folder = make_entity(tmp_path / "ville", {})
    book.save(folder / "services" / "T.xlsx")
    rewrite_part(folder / "services" / "T.xlsx", lambda xml: xml.replace(b'max="4"', b'max="999999999"'))
    assert b'max="999999999"' in zipfile.ZipFile(folder / "services" / "T.xlsx").read("xl/worksheets/sheet1.xml")
    assert build(folder, tmp_path / "build") == 0


# --- One entity's failure never hides another's ----------------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_internal_error_in_one_entity_leaves_the_others_built_and_listed(tmp_path, monkeypatch, capsys, jobs):

    data = tmp_path / "data"
    make_entity(data / "ville", {"T.xlsx": [action()]})
    make_entity(data / "cpas", {"T.xlsx": [action()]},
                parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    from pipeline.outputs import pst

    original = pst.context

    def failing(job, part=0):
        if job.entity.code == "CPAS":
            raise ZeroDivisionError("panne imprévue")
        return original(job, part)

    monkeypatch.setattr(pst, "context", failing)
    code = main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", jobs])
    output = capsys.readouterr()
    assert code == 3
    assert (tmp_path / "build" / "ville" / "PST_VILLE_2025-2030.docx").is_file()
    assert not list((tmp_path / "build" / "cpas").glob("*.docx"))
    assert "→ Document écrit : " in output.out and "Ville de Testville" in output.out
    assert "CPAS de Testville : ÉCHEC, erreur interne" in output.out
    assert "Erreur interne inattendue" in output.err and "CPAS de Testville" in output.err
    log = (tmp_path / "build" / "erreur-interne.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: panne imprévue" in log and "CPAS de Testville" in log
    assert "Traceback" not in output.out + output.err


def test_an_entity_failing_while_read_is_reported_and_the_others_are_built(tmp_path, monkeypatch, capsys):
    import pipeline.build

    data = tmp_path / "data"
    make_entity(data / "a-ville", {"T.xlsx": [action()]})
    make_entity(data / "b-cpas", {"T.xlsx": [action()]}, parameters={"Type": "CPAS", "Code": "CPAS"})
    original = pipeline.build.modelled

    def failing(result, *args):
        if result.folder.name == "b-cpas":
            raise MemoryError
        return original(result, *args)

    monkeypatch.setattr(pipeline.build, "modelled", failing)
    code = main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"])
    output = capsys.readouterr()
    assert code == 3
    assert (tmp_path / "build" / "a-ville" / "PST_VILLE_2025-2030.docx").is_file()
    assert "[2/2] b-cpas : ÉCHEC, erreur interne" in output.out
    assert "MemoryError" in (tmp_path / "build" / "erreur-interne.log").read_text(encoding="utf-8")


def test_a_damaged_state_in_one_entity_is_exit_2_and_the_other_is_built(tmp_path, capsys):
    data = tmp_path / "data"
    make_entity(data / "ville", {"T.xlsx": [action()]})
    make_entity(data / "cpas", {"T.xlsx": [action()]}, parameters={"Type": "CPAS", "Code": "CPAS"})
    (data / "cpas" / "etat-pst.json").write_text("{ pas du json", encoding="utf-8")
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 2
    output = capsys.readouterr()
    assert (tmp_path / "build" / "ville" / "PST_VILLE_2025-2030.docx").is_file()
    assert "etat-pst.json" in output.err and "est illisible" in output.err


def test_make_templates_writes_the_other_entities_workbooks_when_one_fails(tmp_path, monkeypatch, capsys):
    import pipeline.templates

    data = tmp_path / "data"
    make_entity(data / "ville", {"T.xlsx": [action()]})
    make_entity(data / "cpas", {"T.xlsx": [action()]}, parameters={"Type": "CPAS", "Code": "CPAS"})
    original = pipeline.templates.entity_templates

    def failing(frame, *args):
        if frame.folder.name == "cpas":
            raise KeyError("panne")
        return original(frame, *args)

    monkeypatch.setattr(pipeline.templates, "entity_templates", failing)
    assert main(["modeles", "--data", str(data), "--build", str(tmp_path / "build")]) == 3
    output = capsys.readouterr()
    assert (tmp_path / "build" / "ville" / "modeles" / "T.xlsx").is_file()
    assert not (tmp_path / "build" / "cpas" / "modeles").exists()
    assert "Erreur interne inattendue" in output.err and "cpas" in output.err
    assert "KeyError" in (tmp_path / "build" / "erreur-interne.log").read_text(encoding="utf-8")


# --- Sheets that calamine cannot read as they stand --------------------------------------------------------------
def test_a_value_far_beyond_the_table_names_the_cell_instead_of_filling_memory(tmp_path, capfd):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    rewrite_part(folder / "services" / "T.xlsx",
                 lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                          b"<is><t>x</t></is></c></row></sheetData>"))
    found = only(assemble(folder), "feuille-demesuree")
    assert found.position()[1:3] == ("T.xlsx", "Actions") and found.is_error
    assert "XFD1048576" in found.message and "Ctrl+Fin" in found.suggestion
    assert build(folder, tmp_path / "build") == 1
    assert "panicked" not in capfd.readouterr().err


def test_formatted_empty_cells_far_below_the_table_are_no_problem(tmp_path):
    """Excel declares the sheet's dimension up to its last formatted cell: empty cells cost nothing."""
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    rewrite_part(folder / "services" / "T.xlsx", lambda xml: xml.replace(
        b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>').replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'))
    assert b"XFD1048576" in zipfile.ZipFile(folder / "services" / "T.xlsx").read("xl/worksheets/sheet1.xml")
    assert build(folder, tmp_path / "build") == 0


def test_a_date_cell_far_out_of_range_is_a_french_finding_without_native_noise(tmp_path, capfd):
    """calamine's Rust code panics on a date-formatted number like -1e12 (a BaseException, with an English
    message on the process's standard error)."""
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(Début=-1e12)]})
    book_path = folder / "services" / "T.xlsx"
    from openpyxl import load_workbook
    book = load_workbook(book_path)
    book["Actions"]["D2"].number_format = "DD/MM/YYYY"
    book.save(book_path)
    found = only(assemble(folder), "fichier-illisible")
    assert found.position()[1:3] == ("T.xlsx", "Actions") and "format date" in found.message
    assert build(folder, tmp_path / "build") == 1
    captured = capfd.readouterr()
    assert "panicked" not in captured.err and "Traceback" not in captured.out + captured.err


def test_a_state_recording_a_reference_beyond_any_counter_is_not_believed(tmp_path):
    import json

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    assert build(folder, tmp_path / "build") == 0
    state_file = folder / "etat-pst.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["last_reference"] = int("9" * 4300)
    state_file.write_text(json.dumps(state), encoding="utf-8")
    make_entity(folder, {"T.xlsx": [action(), action(title="Nouvelle")]})
    assert build(folder, tmp_path / "build") == 0


def test_the_extent_scan_never_cuts_a_cell_between_two_reads():
    import io as _io

    from pipeline.files import ooxml_values_extent, referenced_extent

    class Trickle(_io.BytesIO):
        def read(self, size=-1):
            return super().read(7)  # a few bytes at a time: every cell reference straddles two reads

    xml = (b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="AB1" s="2"/></row>'
           b'<row r="40"><c r="C40" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    assert referenced_extent(Trickle(xml)) == (40, 28, False)
    assert ooxml_values_extent(Trickle(xml)) == ((40, 3), (40, 3))


FAR_CELLS = [
    b"<c r='XFD1048576' t=\"inlineStr\"><is><t>x</t></is></c>",
    b'<c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c>',
    b'<c  \n r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    b'<c r="XFD01048576" t="inlineStr"><is><t>x</t></is></c>',
    b'<c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c>',
    b'<c r="XFD1048576"><!--x--><v>1</v></c>',
    b'<c r="ZZZZ5" t="inlineStr"><is><t>x</t></is></c>',
]


@pytest.mark.parametrize("cell", FAR_CELLS)
def test_a_far_cell_written_any_way_xml_allows_is_found(tmp_path, cell):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    rewrite_part(folder / "services" / "T.xlsx",
                 lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>")
                 if b"</sheetData>" in xml and b"Planter" in xml else xml)
    assert positions(assemble(folder), "feuille-demesuree")[0][1:3] == ("T.xlsx", "Actions")


def test_cells_without_reference_are_counted_from_their_row(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    rewrite_part(folder / "services" / "T.xlsx", lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t>'
                         b"</is></c></row></sheetData>"))
    found = only(assemble(folder), "feuille-demesuree")
    assert "A1048576" in found.params["cells"]


def test_a_far_cell_in_a_workbook_named_otherwise_is_found_by_its_content(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    rewrite_part(folder / "services" / "T.xlsx",
                 lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                          b"<is><t>x</t></is></c></row></sheetData>"))
    (folder / "services" / "T.xlsx").rename(folder / "services" / "T.xlsb")
    assert positions(assemble(folder), "feuille-demesuree")[0][1:3] == ("T.xlsb", "Actions")


def test_a_far_cell_in_an_ods_counts_repeated_rows_without_expanding_them(tmp_path):
    from pipeline.files import ods_values_extent

    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="Autre"><table:table-row table:number-rows-repeated="5"><table:table-cell office:value-type="string"><text:p>y</text:p></table:table-cell></table:table-row></table:table><table:table table:name="Actions"><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>Volet</text:p></table:table-cell></table:table-row>'
               '<table:table-row table:number-rows-repeated="1048570"><table:table-cell/></table:table-row>'
               '<table:table-row table:number-rows-repeated="1000000000"><table:table-cell '
               'table:number-columns-repeated="3"/><table:table-cell office:value-type="string"><text:p>x</text:p>'
               '</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>'
               '</office:document-content>').encode()
    bottom, right = ods_values_extent(io.BytesIO(content), "Actions")
    assert bottom == (1 + 1048570 + 1000000000, 4) and right[1] == 4


@pytest.mark.skipif(not hasattr(__import__("os"), "fsencode") or __import__("sys").platform == "win32",
                    reason="Windows file names are always Unicode")
def test_file_names_that_are_not_utf8_are_named_readably_and_never_crash(tmp_path, capsys):
    import os
    import shutil

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    services = os.fsencode(folder / "services")
    shutil.copy(folder / "services" / "T.xlsx", os.fsdecode(services + b"/Trav\xffaux.xlsx"))
    open(os.fsdecode(services + b"/Notes \xc9t\xe9.txt"), "w").close()
    result = assemble(folder)
    unreadable = only(result, "nom-illisible")
    assert unreadable.file == "Trav\ufffdaux.xlsx" and unreadable.is_error
    assert build(folder, tmp_path / "build") == 1
    output = capsys.readouterr()
    assert "Trav\ufffdaux.xlsx" in output.out and "Erreur interne" not in output.err
    assert (tmp_path / "build" / "ville" / "Rapport_validation.xlsx").is_file()


@pytest.mark.parametrize("edit", [
    lambda s: s["actions"][0].update(file=12), lambda s: s["actions"][0].update(title=["a"]),
    lambda s: s["actions"][0].update(volet=["Externe"]), lambda s: s.update(retired_numbers={"Externe": 5}),
    lambda s: s["actions"][0].update(budget="x"), lambda s: s["actions"][0].update(budget=["x"]),
    lambda s: s["actions"][0].update(synergy_with=[["a"]]),
])
def test_a_hand_edited_state_of_the_wrong_shape_is_a_french_message(tmp_path, capsys, edit):
    import json

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    assert build(folder, tmp_path / "build") == 0
    path = folder / "etat-pst.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    edit(state)
    path.write_text(json.dumps(state), encoding="utf-8")
    assert build(folder, tmp_path / "build") == 2
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build"), "--prerempli"]) == 2
    assert "etat-pst.json" in capsys.readouterr().err


def test_hand_edited_values_of_the_right_shape_are_prefilled_as_text(tmp_path):
    import json

    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    assert build(folder, tmp_path / "build") == 0
    path = folder / "etat-pst.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    state["actions"][0].update(start="9999-99-99", progress="abc", end="2024-13")
    path.write_text(json.dumps(state), encoding="utf-8")
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build"), "--prerempli"]) == 0


def test_a_state_nested_beyond_recursion_is_a_french_message(tmp_path, capsys):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    (folder / "etat-pst.json").write_text("[" * 200000 + "]" * 200000, encoding="utf-8")
    assert build(folder, tmp_path / "build") == 2


def test_a_services_list_of_thousands_is_cut_with_a_warning_and_templates_stay_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(c, "LIST_LIMITS", {"services": 4})  # 100 in the contract: as many workbooks to write
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]})
    add_sheet(folder / "cadre.xlsx", "Listes", {"Services": [f"Service {i}" for i in range(3000)],
                                                 "Plans": ["X" * 32767] + [f"Plan {i}" for i in range(3000)]})
    result = assemble(folder)
    assert sorted(f.params["maximum"] for f in result.findings if f.code == "liste-trop-longue") == [4, 500]
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build")]) == 0
    assert len(list((tmp_path / "build" / "ville" / "modeles").glob("*.xlsx"))) == 4
