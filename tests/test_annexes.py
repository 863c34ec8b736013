"""Issue 5: fiches actions, programmation financière, plans and ODD annexes, numbering and layout options, Word
craftsmanship. Expected values are recomputed from the workbooks with openpyxl, independently of the pipeline."""

from __future__ import annotations

import datetime as dt

import re
from collections import defaultdict
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from pipeline.french import long_date
from conftest import SAMPLE, action, assemble, docx_paragraphs, docx_text, make_entity, run_module
from pipeline import contract as c

ACTION_LINE = re.compile(r"^Action\u00a0(?P<number>\S+)\u00a0:\t(?P<title>.*)$")


def records(path: Path, sheet: str) -> list[dict]:
    book = load_workbook(path, read_only=True, data_only=True)
    if sheet not in book.sheetnames:
        return []
    rows = list(book[sheet].iter_rows(values_only=True))
    index = next(i for i, row in enumerate(rows) if any(v in ("Volet", "Réf.") for v in row))
    return [dict(zip(rows[index], row)) for row in rows[index + 1:] if any(v not in (None, "") for v in row)]


def sample_actions(folder: str) -> list[dict]:
    return [row for path in sorted((SAMPLE / folder / "services").glob("*.xlsx"))
            for row in records(path, "Actions")]


def sample_budget(folder: str) -> list[dict]:
    return [row for path in sorted((SAMPLE / folder / "services").glob("*.xlsx"))
            for row in records(path, "Financement")]


def euros(value: float) -> str:
    whole, cents = f"{value:,.2f}".split(".")
    return whole.replace(",", "\u00a0") + "," + cents + "\u00a0€"


def amount(value) -> float:
    if value in (None, ""):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", "."))


def table_starting_with(document: Document, first_header: str):
    for table in document.tables:
        if table.rows[0].cells[0].text == first_header:
            return [[cell.text for cell in row.cells] for row in table.rows]
    raise AssertionError(f"no table headed {first_header!r}")


def fiche_tables(document: Document, title: str) -> list[list[list[str]]]:
    """The tables of the fiche whose heading ends with `title`, as lists of cell texts."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    inside, tables = False, []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            if paragraph.style.name == "Heading 1":
                if inside:
                    break
                inside = paragraph.text.endswith(title)
        elif child.tag == qn("w:tbl") and inside:
            tables.append([[cell.text for cell in row.cells] for row in Table(child, document).rows])
    return tables


def section_actions(paragraphs, heading_style: str, heading: str) -> list[str]:
    """Titles of the « Action » lines under the heading `heading` (until the next heading of the same style or
    higher)."""
    inside, titles = False, []
    rank = {"Heading 1": 1, "Heading 2": 2}
    for style, text in paragraphs:
        if style in rank and rank[style] <= rank[heading_style]:
            if inside:
                break
            inside = style == heading_style and text == heading
            continue
        if inside and style in ("Action", "Action suivie"):
            titles.append(ACTION_LINE.match(text)["title"])
    return titles


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    completed = run_module("pst", "--data", str(SAMPLE), "--build", str(build))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return build


# --- Fiches actions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder, code", [("engis-commune", "COMMUNE"), ("engis-cpas", "CPAS")])
def test_one_fiche_per_action_in_the_pst_order(built, folder, code):
    fiches = Document(built / folder / f"Fiches_actions_{code}.docx")
    pst = docx_paragraphs(next((built / folder).glob("PST_*.docx")))
    in_pst = [ACTION_LINE.match(t) for s, t in pst if s in ("Action", "Action suivie")][:len(sample_actions(folder))]
    headings = [p.text for p in fiches.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"Action\u00a0{m['number']}\u00a0: {m['title']}" for m in in_pst]
    assert len(headings) == len(sample_actions(folder))
    starts = [p for p in fiches.paragraphs if p.style.name == "Heading 1"]
    assert all(p.paragraph_format.page_break_before for p in starts)


def test_a_fiche_holds_the_workbook_fields_and_shows_empty_ones_as_such(built):
    document = Document(built / "engis-commune" / "Fiches_actions_COMMUNE.docx")
    text = docx_text(built / "engis-commune" / "Fiches_actions_COMMUNE.docx")
    assert "None" not in text and "nan" not in text.split()
    row = next(r for r in sample_actions("engis-commune") if r["Libellé de l'action"].startswith("Développer le RAVel"))
    tables = fiche_tables(document, row["Libellé de l'action"])
    cells = {r[0]: r[1] for table in tables for r in table if len(r) == 2}
    assert cells["Mandataire responsable"] == row["Mandataire responsable"]
    assert cells["Objectif opérationnel"].startswith("OO\u00a01.3\u00a0: Faciliter la mobilité")
    assert cells["Reformulation SMART"] == "Non renseigné"
    assert cells["Commentaire"] == row["Commentaire"]
    # Typed « ODD 11; ODD 3 »: shown in the goals' order.
    assert cells["ODD"] == "ODD 3 – Bonne santé et bien-être\nODD 11 – Villes et communautés durables"
    rate = row["Taux d'avancement (%)"]
    assert [cells[label] for label in ("Statut", "Santé", "Taux d’avancement", "Début", "Échéance", "Mise à jour")] \
        == [row["Statut"], row["Santé"], f"{rate}\u00a0%", str(row["Début"]), str(row["Fin"]), "30 juin 2021"]
    assert cells["En synergie avec"] == "Non renseigné" and "Indicateur de réalisation" in cells
    budget = next(t for t in tables if t[0][0] == "Exercice")
    lines = [line for line in sample_budget("engis-commune") if line["Réf."] == row["Réf."]]
    assert [r[:5] for r in budget[1:] if not r[0].startswith("Total")] == [
        [str(line["Exercice"]), line["Service"], line["R/D"], line["Article budgétaire"],
         euros(amount(line["Montant estimé"]))] for line in lines]
    expenses = sum(amount(line["Montant estimé"]) for line in lines if line["R/D"] == "Dépense")
    assert [r[-5] for r in budget[1:] if r[0] == "Total des dépenses"] == [euros(expenses)]


# --- Programmation financière --------------------------------------------------------------------------------
def expected_budget(folder: str):
    """Totals recomputed from the workbooks: per OO (volet, code), per year and service, per subsidy source."""
    by_reference = {r["Réf."]: r for r in sample_actions(folder) if r.get("Réf.")}
    by_oo, by_year, by_source = defaultdict(float), defaultdict(float), defaultdict(float)
    total = defaultdict(float)
    for line in sample_budget(folder):
        action_row = by_reference[line["Réf."]]
        code = re.sub(r"^OO", "", str(action_row["N° OO"]))
        if line["R/D"] == "Dépense":
            by_oo[(action_row["Volet"], code)] += amount(line["Montant estimé"])
            by_year[(line["Exercice"], line["Service"])] += amount(line["Montant estimé"])
            total["expenses"] += amount(line["Montant estimé"])
            total["subsidies"] += amount(line["Subsides"])
            if line["Subsides"]:
                by_source[line["Source des subsides"]] += amount(line["Subsides"])
        else:
            total["revenues"] += amount(line["Montant estimé"])
    return by_oo, by_year, by_source, total


def test_the_budget_annex_totals_match_the_workbooks(built):
    document = Document(next((built / "engis-commune").glob("PST_*.docx")))
    by_oo, by_year, by_source, total = expected_budget("engis-commune")
    objectives = table_starting_with(document, "Objectif")
    shown = {row[0].split("\u00a0:")[0]: row[1] for row in objectives[1:] if row[0].startswith("OO")}
    assert shown == {f"OO {code}": euros(value) for (volet, code), value in by_oo.items()}
    assert objectives[-1][:2] == ["Total", euros(total["expenses"])]
    assert objectives[-1][4:] == [euros(total["subsidies"]), euros(total["revenues"])]
    years = table_starting_with(document, "Exercice")
    for row in years[1:-1]:
        year = int(row[0])
        assert row[1] == euros(by_year[(year, "Ordinaire")])
        assert row[3] == euros(by_year[(year, "Extraordinaire")])
    assert years[-1][1] == euros(sum(v for (y, service), v in by_year.items() if service == "Ordinaire"))
    assert years[-1][3] == euros(sum(v for (y, service), v in by_year.items() if service == "Extraordinaire"))
    sources = table_starting_with(document, "Source des subsides")
    assert {row[0]: row[1] for row in sources[1:-1]} == {name: euros(v) for name, v in by_source.items()}


def test_the_budget_annex_is_a_landscape_section_and_the_document_ends_there(built):
    document = Document(next((built / "engis-commune").glob("PST_*.docx")))
    sections = document.sections
    assert [s.orientation for s in sections][-1] == 1  # WD_ORIENT.LANDSCAPE
    assert sections[0].orientation == 0 and len(sections) == 2
    assert sections[-1].page_width > sections[-1].page_height
    # No blank page after the annex: the last section starts with the annex's heading.
    paragraphs = docx_paragraphs(next((built / "engis-commune").glob("PST_*.docx")))
    assert paragraphs[-1][0] != "Heading 1"


def test_amounts_are_written_the_belgian_way():
    from pipeline.french import amount as format_amount
    from pipeline.normalize import parse_amount

    assert format_amount(1234567.891) == "1\u00a0234\u00a0567,89\u00a0€"
    assert parse_amount("1 234 567,89 €")[0] == 1234567.89
    assert parse_amount("1.234.567,89")[0] == 1234567.89
    assert parse_amount("12.500")[0] == 12500
    assert parse_amount("beaucoup")[1].code == "montant-illisible"


# --- Plans and ODD ------------------------------------------------------------------------------------------------
def annex_matrix(path: Path, heading: str) -> tuple[list[str], dict[str, set[str]]]:
    """The cross-table of an annex (parameter « Annexes des plans et ODD » = tableaux, the default): its columns'
    full names (the legend below it) and, for each action's libellé as shown, the columns it is marked in."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(path)
    inside, table, legend = False, None, []
    for element in doc.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, doc)
            if paragraph.style.name == "Heading 1":
                if inside:
                    break
                inside = paragraph.text == heading
            elif inside and table is not None and paragraph.style.name == "Action détail":
                legend.append(paragraph.text)
        elif element.tag == qn("w:tbl") and inside and table is None:
            table = Table(element, doc)
    assert table is not None, heading
    marks = {}
    for row in table.rows[1:]:
        cells = [cell.text for cell in row.cells]
        if not cells[0].startswith("OS"):
            marks[cells[1]] = {name for name, mark in zip(legend, cells[2:]) if mark == "●"}
    return legend, marks


def shown_as(title: str, shown: dict) -> str:
    """The libellé as a cross-table shows it (cut with « … » to hold on one line)."""
    [found] = [s for s in shown if s == title or (s.endswith("…") and title.startswith(s[:-1].rstrip()))]
    return found


def test_each_plan_lists_the_actions_that_serve_it(built):
    legend, marks = annex_matrix(next((built / "engis-commune").glob("PST_*.docx")), "Annexe\u00a0: les plans")

    def column_of(typed: str) -> str:
        """The column of a plan as services typed it: its own name, or the dropdown's « ACRONYME – nom »."""
        acronym = re.search(r"\(([A-Z]+)\)$", typed)
        wanted = typed.replace("'", "’")
        [found] = [h for h in legend if h in (typed, wanted) or h.startswith(typed + " – ") or h.endswith(" – " + wanted)
                   or (acronym and h.startswith(acronym[1] + " – "))]
        return found

    expected = defaultdict(set)
    for row in sample_actions("engis-commune"):
        for plan in re.split(r";", row.get("Plans concernés") or ""):
            if plan.strip():
                expected[shown_as(row["Libellé de l'action"], marks)].add(column_of(plan.strip()))
    assert expected and dict(expected) == marks
    assert set().union(*expected.values()) == set(legend)


def test_each_sdg_has_its_official_title_and_its_actions(built):
    legend, marks = annex_matrix(next((built / "engis-cpas").glob("PST_*.docx")),
                                 "Annexe\u00a0: objectifs de développement durable")
    expected = defaultdict(set)
    for row in sample_actions("engis-cpas"):
        for item in re.split(r";", row.get("ODD") or ""):
            if item.strip():
                n = int(re.sub(r"\D", "", item))
                expected[shown_as(row["Libellé de l'action"], marks)].add(f"ODD {n} – {c.SDG_TITLES[n - 1]}")
    assert expected and dict(expected) == marks
    numbers = sorted({int(name.split()[1]) for names in expected.values() for name in names})
    assert legend == [f"ODD {n} – {c.SDG_TITLES[n - 1]}" for n in numbers]


def test_the_17_sdg_titles_are_the_official_french_ones():
    assert len(c.SDG_TITLES) == 17
    assert c.SDG_TITLES[0] == "Pas de pauvreté" and c.SDG_TITLES[16] == "Partenariats pour la réalisation des objectifs"


# --- Options of Paramètres --------------------------------------------------------------------------------------
def test_hierarchical_numbering_and_a_table_of_chosen_fields(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Planter", Statut="En cours", **{"Mandataire responsable": "Échevine"}),
        action(title="Fleurir", Fin="12/2026"), action(oo="2.1", title="Aider"),
        action(volet="Interne", title="Simplifier")]},
        parameters={"Numérotation": "hiérarchique", "Présentation des actions": "Tableau",
                    "Champs affichés": "Mandataire responsable; Échéance; Statut"})
    run = run_pst(folder)
    assert run.code == 0, run.out
    document = Document(run.pst())
    table = table_starting_with(document, "N°")
    assert table[0] == ["N°", "Action", "Mandataire responsable", "Échéance", "Statut"]
    assert table[1] == ["1.1.1", "Planter", "Échevine", "", "En cours"]
    assert table[2] == ["1.1.2", "Fleurir", "", "décembre 2026", ""]
    grid = document.tables[1]._tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))
    assert len(grid) == 5 and min(int(col.get(qn("w:w"))) for col in grid) > 500


def test_no_fields_beside_the_libelle_and_invalid_options_fall_back_with_a_warning(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(Statut="En cours", **{"Service gestionnaire": "Travaux"}), action(oo="2.1", title="Aider"),
        action(volet="Interne", title="Simplifier")]},
        parameters={"Champs affichés": "aucun", "Numérotation": "romaine"})
    result = assemble(folder)
    warning = next(f for f in result.findings if f.code == "parametre-invalide")
    assert warning.message == ("Le paramètre « Numérotation » vaut « romaine », qui n’est pas une valeur admise : "
                               "« continue » est utilisé.")
    run = run_pst(folder)
    paragraphs = docx_paragraphs(run.pst())
    assert not [t for s, t in paragraphs if s == "Action détail"]
    assert ("Action", "Action\u00a01\u00a0:\tPlanter cent arbres") in paragraphs


# --- Budget lines validation --------------------------------------------------------------------------------------
def test_budget_lines_are_checked_and_accounted_for(tmp_path):
    folder = make_entity(tmp_path / "ville", {})
    from conftest import write_workbook

    write_workbook(folder / "services" / "Travaux.xlsx", {
        "Actions": [action(title="Rénover", **{"Réf.": "TRV-1"})],
        "Financement": [
            {"Réf.": "TRV-1", "Exercice": 2026, "Service": "Extraordinaire", "R/D": "Dépense",
             "Article budgétaire": "421/731-60", "Montant estimé": 1000, "Fonds propres": 200, "Subsides": 700},
            {"Réf.": "TRV-9", "Exercice": 2026, "Service": "Ordinaire", "R/D": "Dépense", "Montant estimé": 5},
            {"Réf.": "TRV-1", "Exercice": 2035, "Service": "O", "R/D": "R", "Article budgétaire": "compte 12",
             "Montant estimé": "1 500,00 €"},
            {"Réf.": "TRV-1", "Exercice": "l'an prochain", "Service": "Ordinaire", "R/D": "Dépense",
             "Montant estimé": "cher"},
        ]})
    result = assemble(folder)
    positions = {f.code: f.position() for f in result.findings}
    assert positions["financement-total"] == ("financement-total", "Travaux.xlsx", "Financement", 2, "F")
    assert positions["financement-ref-inconnue"] == ("financement-ref-inconnue", "Travaux.xlsx", "Financement", 3,
                                                     "A")
    assert positions["exercice-hors-legislature"][3:] == (4, "B")
    assert positions["article-budgetaire"][3:] == (4, "E")
    assert positions["exercice-illisible"][3:] == (5, "B")
    assert positions["montant-illisible"][3:] == (5, "F")
    total = next(f for f in result.findings if f.code == "financement-total")
    assert total.message == ("Fonds propres + emprunt + subsides = 900,00\u00a0€, mais le montant estimé est "
                             "1\u00a0000,00\u00a0€.")
    [rebuilt] = result.entity.actions()
    assert [(line.year, line.direction, line.amount) for line in rebuilt.budget] == [
        (2026, "Dépense", 1000.0), (2035, "Recette", 1500.0)]


# --- Word craftsmanship -------------------------------------------------------------------------------------------
def test_cover_without_header_then_header_and_page_x_of_y(built):
    path = next((built / "engis-cpas").glob("PST_*.docx"))
    document = Document(path)
    first = document.sections[0]
    assert first.different_first_page_header_footer
    assert not first.first_page_header.paragraphs[0].text.strip()
    assert first.header.paragraphs[0].text == ("CPAS d'Engis — Programme stratégique transversal 2019-2024 — projet du "
                                               + long_date(dt.date.today()))  # a draft: no version adopted yet
    footer = first.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "Page " in first.footer.paragraphs[0].text


def test_tables_repeat_their_header_row_and_rows_never_split(built):
    document = Document(next((built / "engis-commune").glob("PST_*.docx")))
    for table in document.tables:
        rows = table._tbl.findall(qn("w:tr"))
        assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert all(row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for row in rows)


def test_headings_never_end_a_page_alone(built):
    document = Document(next((built / "engis-commune").glob("PST_*.docx")))
    for name in ("Heading 1", "Heading 2", "Heading 3", "Annexe OS", "Annexe OO", "Étiquette"):
        assert document.styles[name].paragraph_format.keep_with_next, name


def test_a_pst_without_budget_lines_still_has_its_header_and_page_numbers(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(), action(oo="2.1", title="Aider"),
                                                         action(volet="Interne", title="Simplifier")]})
    run = run_pst(folder)
    document = Document(run.pst())
    assert len(document.sections) == 1
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == ("Ville de Testville — Programme stratégique transversal 2025-2030 — "
                                                 "projet du " + long_date(dt.date.today()))
    assert "NUMPAGES" in section.footer.paragraphs[0]._p.xml
