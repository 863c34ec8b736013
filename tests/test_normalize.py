import pytest

from pipeline import contract as c
from pipeline.french import percent as format_percent
from pipeline.normalize import (PartialDate, clean_text, natural_key, parse_action_number,
                                parse_codes, parse_date, parse_oo_code, parse_os_number, parse_percent,
                                parse_vocabulary, parse_volet, split_lines)


def value(parsed):
    return parsed[0]


def problem_code(parsed):
    return parsed[1].code if parsed[1] else None


@pytest.mark.parametrize("raw, expected", [
    ("0.5", 50), ("0,5", 50), ("50", 50), ("50 %", 50), ("50%", 50), ("50\u00a0%", 50), ("100", 100),
    ("0", 0), ("12.5", 12.5), ("0.125", 12.5), ("1", 1), ("1 %", 1),
])
def test_percentages_typed_every_way_mean_the_same(raw, expected):
    assert value(parse_percent(raw)) == expected


@pytest.mark.parametrize("raw, code", [("beaucoup", "taux-illisible"), ("150", "taux-hors-limites"),
                                        ("-5", "taux-hors-limites"), ("50 % env.", "taux-illisible")])
def test_bad_percentages_are_refused(raw, code):
    assert value(parse_percent(raw)) is None
    assert problem_code(parse_percent(raw)) == code


def test_percent_is_shown_the_french_way():
    assert format_percent(50) == "50\u00a0%"
    assert format_percent(12.5) == "12,5\u00a0%"
    assert format_percent(None) == ""


@pytest.mark.parametrize("raw, expected", [
    ("2024-12-31 00:00:00", PartialDate(2024, 12, 31)),  # a real date cell, as calamine gives it
    ("2024-12-31", PartialDate(2024, 12, 31)),
    ("31/12/2024", PartialDate(2024, 12, 31)),
    ("31-12-24", PartialDate(2024, 12, 31)),
    ("1.2.2025", PartialDate(2025, 2, 1)),
    ("12/2024", PartialDate(2024, 12)),
    ("décembre 2024", PartialDate(2024, 12)),
    ("1er mars 2025", PartialDate(2025, 3, 1)),
    ("2024", PartialDate(2024)),
    ("45657", PartialDate(2024, 12, 31)),  # an Excel serial number
])
def test_dates_typed_as_belgians_do(raw, expected):
    assert value(parse_date(raw)) == expected


@pytest.mark.parametrize("raw", ["31/02/2024", "fin 2024", "2024-13-01", "demain", "12"])
def test_unreadable_dates_are_refused(raw):
    assert value(parse_date(raw)) is None
    assert problem_code(parse_date(raw)) == "date-illisible"


def test_partial_dates_read_in_french():
    assert PartialDate(2024, 12, 31).french() == "31 décembre 2024"
    assert PartialDate(2024, 3, 1).french() == "1er mars 2024"
    assert PartialDate(2024, 12).french() == "décembre 2024" and PartialDate(2024).french() == "2024"
    assert PartialDate(2024, 2).french() == "février 2024"
    assert PartialDate(2024).french() == "2024"
    assert PartialDate(2024, 2).last_day().day == 29


@pytest.mark.parametrize("raw, expected, warned", [
    ("2.4", "2.4", False), ("1.10", "1.10", False), ("OO3.1", "3.1", True), ("OO 3.1", "3.1", True),
    ("003.1", "3.1", True), ("002.1", "2.1", True), ("3,1", "3.1", True), ("O.O. 2.4", "2.4", True),
])
def test_oo_codes_and_their_usual_typos(raw, expected, warned):
    code, problem = parse_oo_code(raw)
    assert code == expected
    assert (problem is not None) == warned
    if warned:
        assert problem.code == "oo-format-corrige"


@pytest.mark.parametrize("raw", ["abc", "2", "2.4.1", "OS2"])
def test_impossible_oo_codes_are_refused(raw):
    assert problem_code(parse_oo_code(raw)) == "oo-illisible"


def test_os_numbers():
    assert value(parse_os_number("2")) == 2
    assert value(parse_os_number("2.0")) == 2
    assert value(parse_os_number("OS 3")) == 3
    assert problem_code(parse_os_number("deux")) == "os-illisible"


def test_action_numbers_are_kept_as_typed_except_number_cell_artifacts():
    assert value(parse_action_number("12")) == "12"
    assert value(parse_action_number("12.0")) == "12"
    assert value(parse_action_number("3bis")) == "3bis"
    assert sorted(["10", "2", "3bis", "3", "1"], key=natural_key) == ["1", "2", "3", "3bis", "10"]


def test_volets_and_vocabularies_ignore_case_and_accents():
    assert value(parse_volet(" externe ")) == "Externe"
    assert value(parse_volet("INTERNE")) == "Interne"
    assert value(parse_volet("Volet interne")) == "Interne"
    assert problem_code(parse_volet("Mixte")) == "volet-inconnu"
    assert value(parse_vocabulary("a demarrer", c.STATUSES)) == "À démarrer"
    assert value(parse_vocabulary("terminé", c.STATUSES)) == "Terminée"
    assert problem_code(parse_vocabulary("fini ?", c.STATUSES)) == "valeur-hors-liste"


def test_institution_codes_are_split_and_uppercased():
    assert value(parse_codes("cpas ; Zone de police, CPAS")) == ("CPAS", "ZONEDEPOLICE")


def test_text_is_trimmed_and_stripped_of_characters_word_cannot_hold():
    assert clean_text("  Planter   des arbres \n") == ("Planter des arbres", None)
    text, problem = clean_text("Ligne 1\x0bLigne 2\x01")
    assert text == "Ligne 1\nLigne 2"
    assert problem.code == "caracteres-retires"
    assert clean_text("Café ☕ 🌳")[0] == "Café ☕ 🌳"


def test_bullets_people_type_are_not_kept_in_lists():
    assert split_lines("- un\n• deux\n\n1. trois\nquatre") == ["un", "deux", "trois", "quatre"]


def test_health_outside_the_list_is_kept_with_a_warning_while_status_is_refused():
    assert value(parse_vocabulary(" Moyenne ", c.HEALTH, strict=False)) == "Moyenne"
    assert problem_code(parse_vocabulary("Moyenne", c.HEALTH, strict=False)) == "valeur-non-standard"
    assert problem_code(parse_vocabulary("Moyenne", c.STATUSES)) == "valeur-hors-liste"


def test_one_means_100_percent_only_in_a_column_formatted_as_percent():
    assert value(parse_percent("1", fractions=True)) == 100
    assert value(parse_percent("1", fractions=False)) == 1
    assert value(parse_percent("1 %", fractions=True)) == 1


def test_a_percentage_column_is_read_per_workbook(tmp_path):
    from conftest import action, assemble, make_entity
    
    rate = "Taux d'avancement (%)"
    folder = make_entity(tmp_path / "ville", {
        "Fractions.xlsx": [action(title="A", **{rate: 0.25}), action(title="B", **{rate: 1})],
        "Pourcents.xlsx": [action(title="C", **{rate: 50}), action(title="D", **{rate: 1}),
                           action(title="E", **{rate: "75 %"})],
    })
    actions = {a.title: a.progress for a in assemble(folder).entity.actions()}
    assert actions == {"A": 25, "B": 100, "C": 50, "D": 1, "E": 75}


def test_a_year_typed_into_a_date_cell_is_the_year():
    # Excel stores 2027 typed in a date-formatted cell as the date 19/07/1905 (serial 2027).
    assert value(parse_date("1905-07-19 00:00:00")) == PartialDate(2027)


def test_a_plain_one_is_100_percent_only_where_excel_shows_it_so(tmp_path):
    """0 and 1 alone: in cells formatted « 0 % » (Excel stores 100 % as 1) they are 0 % and 100 %; in General
    cells, as the services' workbooks have them, 0 % and 1 %."""
    from openpyxl import load_workbook

    from conftest import action, assemble, make_entity

    rate = "Taux d'avancement (%)"
    folder = make_entity(tmp_path / "ville", {
        "Format pourcentage.xlsx": [action(title="A", **{rate: 0}), action(title="B", **{rate: 1})],
        "Format standard.xlsx": [action(title="C", **{rate: 0}), action(title="D", **{rate: 1})],
    })
    path = folder / "services" / "Format pourcentage.xlsx"
    book = load_workbook(path)
    sheet = book["Actions"]
    column = next(cell.column for cell in sheet[1] if cell.value == rate)
    for row in (2, 3):
        sheet.cell(row=row, column=column).number_format = "0%"
    book.save(path)
    actions = {a.title: a.progress for a in assemble(folder).entity.actions()}
    assert actions == {"A": 0, "B": 100, "C": 0, "D": 1}


def test_without_a_percentage_style_the_formats_are_known_and_the_sheet_structure_still_read(tmp_path):
    """A workbook none of whose cell styles shows a percentage cannot hold a percentage cell: its formats are known
    without its cells being read; hidden rows and merged cells are still found (the byte search leads to them)."""
    from openpyxl import Workbook

    from pipeline.files import Package, scan_sheet

    for hidden in (False, True):
        book = Workbook()
        sheet = book.active
        sheet.title = "Actions"
        sheet.append(["Réf.", "Taux d'avancement (%)"])
        sheet.append(["A-1", 1])
        sheet.append(["A-2", 50])
        if hidden:
            sheet.row_dimensions[3].hidden = True
            sheet.merge_cells("A2:A3")
        path = tmp_path / f"classeur-{hidden}.xlsx"
        book.save(path)
        with Package(path) as package:
            scan = scan_sheet(package, "Actions", percent_columns={2})
        assert (scan.formats_known, scan.percent_cells) == (True, set())
        assert (scan.hidden_rows, scan.merged) == (([3], [((1, 0), (2, 0))]) if hidden else ([], []))


def test_the_characters_trimmed_from_each_line_are_those_edges_names():
    from pipeline.normalize import EDGES, TRIMMED

    assert {chr(n) for n in range(0x110000) if EDGES.fullmatch(chr(n))} - {"\n"} == set(TRIMMED)


@pytest.mark.parametrize("raw, clean", [
    (" \u200b Première\u00a0\u00a0ligne \t\n\n\t• deuxième  ligne\u2028\n \ufeff\n", "Première ligne\n\n• deuxième ligne"),
    ("a\r\nb\rc\x0bd\x0ce\x85f", "a\nb\nc\nd\ne\nf"),
    ("\u2066x\u2069 \n \u00ad", "x"),
])
def test_clean_text_trims_every_line_and_makes_runs_of_spaces_one(raw, clean):
    assert clean_text(raw) == (clean, None)
