"""At real size and on the coordinator's computer (issue 15): what Word and Excel say of the documents, and more
as the issue's points land."""

from __future__ import annotations

import datetime as dt
import zipfile

from docx import Document
from openpyxl import load_workbook

from conftest import SAMPLE
from pipeline.cli import main


def test_every_document_says_it_was_made_now_by_the_entity_never_by_a_library(tmp_path):
    build = tmp_path / "build"
    assert main(["rapport", "--data", str(SAMPLE), "--build", str(build), "--processus", "1",
                 "--date", "2022-06-30"]) == 0
    assert main(["modeles", "--data", str(SAMPLE), "--build", str(build)]) == 0
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    names = {"engis-commune": "Commune d'Engis", "engis-cpas": "CPAS d'Engis"}
    documents = sorted(build.rglob("*.docx"))
    assert len(documents) >= 7
    for path in documents:
        core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
        assert "python-docx" not in core and "openpyxl" not in core, path.name
        properties = Document(path).core_properties
        expected = names.get(path.parent.name, "Commune d'Engis et CPAS d'Engis")
        assert properties.author == expected and properties.last_modified_by == expected, path.name
        assert properties.title and properties.subject, path.name
        assert properties.created >= started and properties.modified >= started, path.name
    workbooks = [build / "engis-cpas" / "Rapport_validation.xlsx",
                 *sorted((build / "engis-cpas" / "modeles").glob("*.xlsx"))]
    for path in workbooks:
        properties = load_workbook(path).properties
        assert properties.creator == "CPAS d'Engis" and properties.title, path.name


# --- Each service its feedback -------------------------------------------------------------------------------------
def test_each_faulty_workbook_gets_an_annotated_copy_and_only_those(tmp_path):
    from conftest import action, make_entity

    faulty = [action(title="Planter", **{"N° OO": "9.9"}),                      # unknown OO: error (B2)
              action(title="Arroser", Statut="Peut-être"),                      # unknown status: error
              action(title="Tailler", Début="01/03/2027", Fin="01/01/2026")]    # inverted dates: warning
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": faulty, "Finances.xlsx": [action(title="Budget")]})
    original = (folder / "services" / "Travaux.xlsx").read_bytes()
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 1
    retours = build / "ville" / "retours"
    assert sorted(p.name for p in retours.iterdir()) == ["Travaux.xlsx"]
    assert (folder / "services" / "Travaux.xlsx").read_bytes() == original
    book = load_workbook(retours / "Travaux.xlsx")
    assert book.sheetnames[0] == "Retours du PST" and book.active.title == "Retours du PST"
    listed = [row for row in book["Retours du PST"].iter_rows(min_row=2, values_only=True) if row[0] in
              ("Erreur", "Avertissement")]
    assert sorted((row[0], row[3]) for row in listed) == [("Avertissement", 4), ("Erreur", 2), ("Erreur", 3)]
    assert {row[1] for row in listed} == {"Objectif opérationnel inconnu", "Valeur hors de la liste",
                                           "Début après la fin"}
    sheet = book["Actions"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    marked = {cell.coordinate: cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment}
    assert set(marked) == {f"{headers['N° OO']}2", f"{headers['Statut']}3", f"{headers['Début']}4"}
    assert marked[f"{headers['N° OO']}2"].startswith("ERREUR : ") and "→ " in marked[f"{headers['N° OO']}2"]
    assert marked[f"{headers['Début']}4"].startswith("AVERTISSEMENT : ")
    assert sheet[f"{headers['Statut']}3"].fill.fgColor.rgb.endswith("F8CBAD")
    # Fixed: the feedback goes away.
    make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Planter")], "Finances.xlsx": [action(title="B")]})
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    assert not retours.exists() or not list(retours.iterdir())


def test_a_workbook_that_cannot_be_annotated_gets_its_list(tmp_path):
    import shutil
    import subprocess

    from conftest import action, make_entity, require_soffice

    office = require_soffice()
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Planter", **{"N° OO": "9.9"})]})
    source = folder / "services" / "Travaux.xlsx"
    shutil.move(source, tmp_path / "Travaux.xlsx")
    subprocess.run([office, "--headless", "--convert-to", "ods", "--outdir", str(folder / "services"),
                    str(tmp_path / "Travaux.xlsx")], capture_output=True, timeout=120, check=True)
    build = tmp_path / "build"
    assert main(["verifier", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 1
    book = load_workbook(build / "ville" / "retours" / "Travaux.xlsx")  # the .ods' feedback, as .xlsx
    assert book.sheetnames == ["Retours du PST"]
    assert [row[0] for row in book.active.iter_rows(min_row=2, max_row=2, values_only=True)] == ["Erreur"]


# --- One way to show a date; ODD and plans in order ---------------------------------------------------------------
def test_dates_read_the_same_way_odd_in_number_order_plans_in_the_frame_s_order(tmp_path):
    from conftest import action, add_sheet, docx_text, make_entity

    rows = [action(title="Jour", Fin="30/09/2022", ODD="ODD 13 ; ODD 11", **{"Plans concernés": "Zeta ; PCS"}),
            action(title="Mois", Fin="12/2023", **{"Plans concernés": "Alpha"}),
            action(title="Année", Fin="2024", **{"Plans concernés": "Zeta"})]
    folder = make_entity(tmp_path / "ville", {"Service.xlsx": rows})
    add_sheet(folder / "cadre.xlsx", "Listes", {"Plans": ["Zeta", "Alpha", "PCS"]})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    text = docx_text(build / "ville" / "PST_VILLE_2025-2030.docx")
    assert "30 septembre 2022" in text and "décembre 2023" in text and "30/09/2022" not in text
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    [plans] = [t for t in doc.tables if "Zeta" in [cell.text for cell in t.rows[0].cells]]
    assert [cell.text for cell in plans.rows[0].cells][2:] == ["Zeta", "Alpha", "PCS"]
    fiches = docx_text(build / "ville" / "Fiches_actions_VILLE.docx")
    assert fiches.index("ODD 11 –") < fiches.index("ODD 13 –")


def test_the_n_oo_dropdown_s_label_is_read_back_as_its_code(tmp_path):
    from conftest import action, assemble, make_entity

    rows = [action(title="Choisi", **{"N° OO": "2.1 – Aider les familles"}),
            action(volet="Interne", title="Tapé", **{"N° OO": "1.1"})]
    result = assemble(make_entity(tmp_path / "ville", {"Service.xlsx": rows}))
    assert not [f.position() for f in result.findings if f.file == "Service.xlsx"]
    assert sorted((a.volet, a.oo_code, a.title) for a in result.entity.actions()) == [
        ("Externe", "2.1", "Choisi"), ("Interne", "1.1", "Tapé")]


def test_the_blank_frame_offers_dropdowns_for_its_closed_parameters():
    from conftest import ROOT

    sheet = load_workbook(ROOT / "input_templates" / "cadre.xlsx")["Paramètres"]
    labels = {sheet.cell(row=row, column=1).value: f"B{row}" for row in range(2, sheet.max_row + 1)}
    offered = {str(check.sqref): check.formula1 for check in sheet.data_validations.dataValidation}
    assert offered == {labels["Type"]: '"Commune,Ville,CPAS"', labels["Numérotation"]: '"continue,hiérarchique"',
                       labels["Présentation des actions"]: '"liste,tableau"',
                       labels["Annexes des plans et ODD"]: '"tableaux,listes"',
                       labels["Champs vides des fiches"]: '"affichés,masqués"',
                       labels["Budget publié"]: '"oui,non"',
                       labels["Licence des données"]: '"CC BY 4.0,CC BY-SA 4.0,CC0 1.0,Licence ouverte 2.0,ODbL 1.0"'}


# --- Annexes as views, not copies ------------------------------------------------------------------------------------
def test_the_plans_and_odd_annexes_are_cross_tables_unless_lists_are_asked(tmp_path):
    from conftest import action, add_sheet, make_entity

    rows = [action(title="Vélos", ODD="ODD 13 ; 11", **{"Plans concernés": "PCM ; PAEDC"}),
            action(title="Colis", oo="2.1", ODD="ODD 2", **{"Plans concernés": "PCS"}),
            action(title="Rien", oo="2.1")]
    folder = make_entity(tmp_path / "ville", {"Service.xlsx": rows})
    add_sheet(folder / "cadre.xlsx", "Listes", {"Plans": ["PCS", "PCM", "PAEDC"]})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    plans = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["N°", "Action"]
                 and "PCS" in [c.text for c in t.rows[0].cells])
    assert [c.text for c in plans.rows[0].cells] == ["N°", "Action", "PCS", "PCM", "PAEDC"]
    marks = {row.cells[1].text: [c.text for c in row.cells[2:]] for row in plans.rows[1:]
             if not row.cells[0].text.startswith("OS")}
    assert marks == {"Vélos": ["", "●", "●"], "Colis": ["●", "", ""]}
    sdgs = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][2:] == ["2", "11", "13"])
    marks = {row.cells[1].text: [c.text for c in row.cells[2:]] for row in sdgs.rows[1:]
             if not row.cells[0].text.startswith("OS")}
    assert marks == {"Vélos": ["", "●", "●"], "Colis": ["●", "", ""]}
    book = load_workbook(folder / "cadre.xlsx")
    book["Paramètres"].append(["Annexes des plans et ODD", "listes"])
    book.save(folder / "cadre.xlsx")
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "PCS – Plan de cohésion sociale" in headings and "ODD\u00a013 – " + \
        "Mesures relatives à la lutte contre les changements climatiques" in headings
    assert not [t for t in doc.tables if [c.text for c in t.rows[0].cells][2:] == ["2", "11", "13"]]


def test_at_real_size_the_annexes_take_at_most_a_quarter_of_the_pdf(tmp_path):
    import re
    import subprocess

    from bench.synthetic import Shape, generate
    from conftest import require_soffice

    require_soffice()
    [folder] = generate(tmp_path / "data", Shape(actions=300, services=15))
    build = tmp_path / "build"
    assert main(["pdf", "--data", str(folder), "--build", str(build)]) == 0
    [pdf] = list(build.rglob("PST_*.pdf"))
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                            text=True).stdout)[1])
    first = None
    for page in range(3, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True).stdout
        if re.search(r"^Annexe\s*:\s*[^.\n]*$", text, re.M):
            first = page
            break
    assert first is not None
    annexes = pages - first + 1
    assert annexes <= pages / 4, f"{annexes} pages d’annexes sur {pages}"


# --- Fiches ------------------------------------------------------------------------------------------------------------
def test_fiches_total_their_budget_list_their_steps_and_can_hide_empty_fields(tmp_path):
    from conftest import action, add_sheet, docx_text, make_entity

    rows = [action(title="Rénover l’école", Réf="EC-1", Planification="Étude\nMarché\nTravaux", Statut="En cours")]
    folder = make_entity(tmp_path / "ville", {"Service.xlsx": rows})
    add_sheet(folder / "services" / "Service.xlsx", "Financement", {
        "Réf.": ["EC-1", "EC-1", "EC-1"], "Exercice": [2026, 2027, 2027],
        "Service": ["Extraordinaire"] * 3, "R/D": ["Dépense", "Dépense", "Recette"],
        "Montant estimé": [100000, 50000.5, 30000], "Fonds propres": [20000, 10000, None],
        "Subsides": [80000, 40000.5, None]})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    path = build / "ville" / "Fiches_actions_VILLE.docx"
    doc = Document(path)
    budget = next(t for t in doc.tables if t.rows[0].cells[0].text == "Exercice")
    totals = {row.cells[0].text: [cell.text for cell in row.cells] for row in budget.rows
              if row.cells[0].text.startswith("Total")}
    nbsp = "\u00a0"
    assert totals["Total des dépenses"][4:8] == [f"150{nbsp}000,50{nbsp}€", f"30{nbsp}000,00{nbsp}€", f"0,00{nbsp}€",
                                                  f"120{nbsp}000,50{nbsp}€"]
    assert totals["Total des recettes"][4] == f"30{nbsp}000,00{nbsp}€"
    steps = [p.text for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs
             if p.style.name == "Tableau puce"]
    assert steps == ["Étude", "Marché", "Travaux"]
    assert "Non renseigné" in docx_text(path)
    book = load_workbook(folder / "cadre.xlsx")
    book["Paramètres"].append(["Champs vides des fiches", "masqués"])
    book.save(folder / "cadre.xlsx")
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    text = docx_text(path)
    assert "Non renseigné" not in text and "Statut" in text and "Mandataire responsable" not in text


# --- A coordinator on Windows ----------------------------------------------------------------------------------------
def test_the_rapport_and_the_export_build_in_spawn_mode_as_on_windows(tmp_path):
    """Windows has no fork: worker processes start afresh and receive their work pickled."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    build = tmp_path / "build"
    environment = {**os.environ, "PST_START_METHOD": "spawn"}
    for command in (["rapport", "--date", "2022-06-30"], ["ecomptes", "--exercice", "2022"]):
        done = subprocess.run([sys.executable, "-m", "pipeline", *command, "--data", str(SAMPLE), "--build",
                               str(build), "--processus", "2"], cwd=ROOT, env=environment, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    for folder, code in (("engis-commune", "COMMUNE"), ("engis-cpas", "CPAS")):
        assert (build / folder / f"Rapport_execution_{code}_2022-06-30.docx").is_file()
        assert (build / folder / f"PST_{code}_2019-2024_eComptes.xml").is_file()


def test_libreoffice_is_looked_for_in_windows_program_files(monkeypatch, tmp_path):
    from pipeline import pdf

    program = tmp_path / "Program Files"
    soffice = program / "LibreOffice" / "program" / "soffice.exe"
    soffice.parent.mkdir(parents=True)
    soffice.write_text("")
    soffice.chmod(0o755)
    monkeypatch.setenv("PROGRAMFILES", str(program))
    monkeypatch.delenv(pdf.OFFICE_VARIABLE, raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert pdf.find_soffice() == str(soffice)


def test_the_finance_tables_keep_their_last_line_with_the_total_and_fill_every_total(tmp_path):
    from docx.oxml.ns import qn

    build = tmp_path / "build"
    assert main(["pst", "--data", str(SAMPLE), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "engis-commune" / "PST_COMMUNE_2019-2024.docx")
    tables = [t for t in doc.tables if t.rows[0].cells[0].text in ("Objectif", "Exercice", "Source des subsides")]
    assert len(tables) == 3
    for table in tables:
        total = table.rows[-1]
        assert total.cells[0].text == "Total" and all(cell.text for cell in total.cells), table.rows[0].cells[0].text
        kept = [bool(row._tr.findall(".//" + qn("w:keepNext"))) for row in table.rows[1:-1]]
        # The last line with the total; in « Par objectif », a volet's or an OS' line with the line after it.
        headings = [row.cells[0].text.startswith(("Volet", "OS")) for row in table.rows[1:-1]]
        assert kept == [heading or last for heading, last in zip(headings, [False] * (len(kept) - 1) + [True])]
        assert any(headings) == (table.rows[0].cells[0].text == "Objectif")
    by_source = tables[2]
    assert by_source.rows[-1].cells[2].text == str(sum(int(row.cells[2].text) for row in by_source.rows[1:-1]))


def test_a_workbook_refused_as_a_whole_is_never_reopened_its_feedback_is_the_list(tmp_path):
    from conftest import action, make_entity

    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Planter")]})
    (folder / "services" / "Faux.xlsx").write_text("Volet;N° OO\nExterne;1.1\n", encoding="utf-8")
    build = tmp_path / "build"
    assert main(["verifier", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 1
    book = load_workbook(build / "ville" / "retours" / "Faux.xlsx")
    assert book.sheetnames == ["Retours du PST"]
    assert [row[0] for row in book.active.iter_rows(min_row=2, max_row=2, values_only=True)] == ["Erreur"]


def test_the_tableau_presentation_never_cuts_a_word_across_two_lines(tmp_path):
    """Each column at least as wide as its longest word (Word and LibreOffice cut a word only when it cannot hold
    on one line): checked on the widths written, with the same character size as the code's."""
    from docx.oxml.ns import qn

    from conftest import action, make_entity
    from pipeline.render import CELL_MARGINS, CHARACTER

    rows = [action(title=f"Action {n}", Statut="Abandonnée", **{"Mandataire responsable": "Échevin de l’environnement",
                                                                "Service gestionnaire": "Environnement"})
            for n in range(3)]
    folder = make_entity(tmp_path / "ville", {"S.xlsx": rows}, {
        "Présentation des actions": "tableau",
        "Champs affichés": "Service gestionnaire ; Statut ; Fin ; Mandataire responsable ; Plans concernés"})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    tables = [t for t in doc.tables if "Mandataire responsable" in [c.text for c in t.rows[0].cells]]
    assert tables
    for table in tables:
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]
        for row in table.rows:
            for cell, width in zip(row.cells, grid):
                longest = max((len(word) for word in cell.text.split()), default=0)
                assert longest * CHARACTER + CELL_MARGINS <= width + 1, (cell.text, width)


# --- Layout at size: headings kept with what follows, the table of contents, the fiches' one indentation ------------
def indicators_frame() -> list[dict]:
    from conftest import OPERATIONAL

    return [dict(OPERATIONAL[0], **{"Indicateurs de résultat": "Arbres plantés\nSurface boisée"}),
            dict(OPERATIONAL[1], **{"Indicateurs de résultat": "Familles aidées"}), OPERATIONAL[2]]


def test_an_oo_heading_goes_with_its_indicators_and_its_first_action_in_both_presentations(tmp_path):
    from docx.oxml.ns import qn

    from conftest import action, make_entity

    rows = [action(title="Planter"), action(title="Arroser")]  # OO 2.1 and the interne OO 1.1 have no action
    for layout in ("liste", "tableau"):
        folder = make_entity(tmp_path / layout, {"S.xlsx": rows}, {"Présentation des actions": layout},
                             operational=indicators_frame())
        build = tmp_path / f"build-{layout}"
        assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
        doc = Document(build / layout / "PST_VILLE_2025-2030.docx")
        paragraphs = doc.paragraphs
        labels = [i for i, p in enumerate(paragraphs) if p.text == "Indicateurs de résultat"]
        assert [paragraphs[i - 1].text for i in labels] == ["OO\u00a01.1\u00a0: Planter des arbres",
                                                            "OO\u00a02.1\u00a0: Aider les familles"], layout
        for start, count in zip(labels, (2, 1)):
            assert paragraphs[start - 1].style.paragraph_format.keep_with_next  # the heading, with its label
            assert paragraphs[start].style.paragraph_format.keep_with_next      # the label, with the indicators
            indicators = paragraphs[start + 1:start + 1 + count]
            assert [p.style.name for p in indicators] == ["List Bullet"] * count, layout
            assert paragraphs[start + 1 + count].style.name != "List Bullet", layout
            assert all(p.paragraph_format.keep_with_next for p in indicators), [p.text for p in indicators]
        tables = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["N°", "Action"]]
        if layout == "liste":
            assert not tables
            continue
        assert len(tables) == 1, "une table pour la seule OO qui a des actions, aucune table vide"
        [table] = tables
        assert [row.cells[1].text for row in table.rows[1:]] == ["Planter", "Arroser"]
        header = table.rows[0]
        properties = header._tr.find(qn("w:trPr"))
        assert properties.find(qn("w:tblHeader")) is not None and properties.find(qn("w:cantSplit")) is not None
        assert all(p.paragraph_format.keep_with_next for cell in header.cells for p in cell.paragraphs)
        assert not any(p.paragraph_format.keep_with_next for row in table.rows[1:] for cell in row.cells
                       for p in cell.paragraphs)


def test_the_table_of_contents_keeps_its_entries_whole_and_its_last_three_together(tmp_path):
    from docx.oxml.ns import qn

    from conftest import action, make_entity

    folder = make_entity(tmp_path / "ville", {"S.xlsx": [action(title="Planter")]})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    for level in (1, 2, 3):
        assert doc.styles[f"toc {level}"].paragraph_format.keep_together, level
    assert doc.styles["toc 1"].paragraph_format.keep_with_next
    assert not doc.styles["toc 2"].paragraph_format.keep_with_next
    entries = [p for p in doc.paragraphs if p.style.name.startswith("toc ")]
    assert [p.text for p in entries][:2] == ["Introduction", "Base légale"] and len(entries) > 6
    direct = [p._p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in entries]
    assert direct == [False] * (len(entries) - 3) + [True, True, False]


def test_in_the_pdf_the_table_of_contents_never_leaves_its_last_line_alone(tmp_path):
    """43 entries of one line: 42 fit on the first page; LibreOffice's rebuilt table moves two more with the last."""
    import re
    import subprocess

    from conftest import action, make_entity, require_soffice

    require_soffice()
    operational = [{"Volet": "Externe", "N° OO": f"1.{n}", "Intitulé": f"Objectif {n}"} for n in range(1, 33)]
    operational += [{"Volet": "Externe", "N° OO": "2.1", "Intitulé": "Aider"},
                    {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "Simplifier"}]
    folder = make_entity(tmp_path / "ville", {"S.xlsx": [action(title="Planter")]}, operational=operational)
    build = tmp_path / "build"
    assert main(["pdf", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    pdf = build / "ville" / "PST_VILLE_2025-2030.pdf"
    per_page = []
    for page in (2, 3, 4):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True).stdout
        per_page.append(len([line for line in text.splitlines() if re.search(r"\.{4,}\s*\d+\s*$", line)]))
    assert sum(per_page[:2]) == 43 and per_page[2] == 0, per_page
    assert per_page[1] >= 3, per_page
    introduction = subprocess.run(["pdftotext", "-f", "4", "-l", "4", str(pdf), "-"], capture_output=True,
                                  text=True).stdout
    assert "Introduction" in introduction  # the numbers of the table still right: nothing after it moved


def test_an_os_row_of_a_cross_table_goes_with_its_first_action(tmp_path):
    from conftest import action, make_entity

    rows = [action(title="Vélos", ODD="ODD 13"), action(title="Colis", oo="2.1", ODD="ODD 2")]
    folder = make_entity(tmp_path / "ville", {"S.xlsx": rows})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "PST_VILLE_2025-2030.docx")
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][2:] == ["2", "13"])
    kept = {row.cells[1].text: all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
            for row in table.rows[1:]}
    assert [label for label, keep in kept.items() if keep] == [
        label for label in kept if label.startswith("Être")] and len(kept) == 4


def test_every_paragraph_of_a_fiche_stands_at_one_indentation(tmp_path):
    from conftest import action, make_entity

    rows = [action(title="Sans budget", Planification="Étude\nTravaux")]
    folder = make_entity(tmp_path / "ville", {"S.xlsx": rows})
    build = tmp_path / "build"
    assert main(["pst", "--data", str(folder), "--build", str(build), "--processus", "1"]) == 0
    doc = Document(build / "ville" / "Fiches_actions_VILLE.docx")
    [placeholder] = [p for p in doc.paragraphs if p.text == "Aucune ligne budgétaire pour cette action."]
    assert placeholder.style.name == "Mention"

    def indentation(paragraph):
        if paragraph.paragraph_format.left_indent is not None:
            return paragraph.paragraph_format.left_indent
        style = paragraph.style
        while style is not None and style.paragraph_format.left_indent is None:
            style = style.base_style
        return style.paragraph_format.left_indent if style is not None else None

    written = [p for p in doc.paragraphs if p.text.strip()]
    assert {indentation(p) or 0 for p in written} == {0}, {(p.style.name, indentation(p)) for p in written}
    cells = [p for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs
             if p.text.strip() and p.style.name != "Tableau puce"]
    assert {indentation(p) or 0 for p in cells} == {0}


# --- What the project changes after rendering, changed in the rendered XML ----------------------------------------
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def cell(width: int | None, text: str = "x", inner: str = "") -> str:
    width_tag = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>' if width else ""
    return f"<w:tc>{width_tag}<w:p><w:r><w:t>{text}</w:t></w:r></w:p>{inner}</w:tc>"


def table(grid: list[int], rows: list[str]) -> str:
    columns = "".join(f'<w:gridCol w:w="{width}"/>' for width in grid)
    return f"<w:tbl><w:tblPr/><w:tblGrid>{columns}</w:tblGrid>{''.join(rows)}</w:tbl>"


def body(*content: str, page: int = 11906, margins: int = 1134) -> str:
    return (f'<w:body xmlns:w="{W}">' + "".join(content) + f'<w:sectPr><w:pgSz w:w="{page}" w:h="16838"/>'
            f'<w:pgMar w:top="1134" w:right="{margins}" w:bottom="1134" w:left="{margins}"/></w:sectPr></w:body>')


def grid_and_rows(xml: str) -> list[tuple[list[int], list[list[int | None]]]]:
    """Each table of the body (nested ones too, in document order): its grid and its own rows' cell widths."""
    from lxml import etree

    tables = []
    for found in etree.fromstring(xml).iter(f"{{{W}}}tbl"):
        grid = [int(column.get(f"{{{W}}}w")) for column in found.find(f"{{{W}}}tblGrid")]
        rows = [[int(width.get(f"{{{W}}}w")) if (width := c.find(f"{{{W}}}tcPr/{{{W}}}tcW")) is not None else None
                 for c in row.findall(f"{{{W}}}tc")] for row in found.findall(f"{{{W}}}tr")]
        tables.append((grid, rows))
    return tables


def test_columns_a_loop_repeated_fill_the_page_in_the_body_s_own_tables_only():
    """A cross-table whose {%tc %} loop made three columns of a two-column grid: its grid and every row of three
    cells take the text width (page less margins), in the proportions of the first row; a row of another shape, a
    table nested in a cell and a table in a text box keep their widths; a table whose grid matches is untouched.
    The same whether a nested table sends the rows through the cell-by-cell path or not."""
    from pipeline.render import fit_repeated_columns

    nested = table([500], [f"<w:tr>{cell(900)}{cell(900)}</w:tr>"])
    repeated = [f"<w:tr>{cell(1000)}{cell(500)}{cell(500)}</w:tr>",
                f"<w:tr>{cell(1000)}{cell(500)}{cell(500)}</w:tr>",
                f"<w:tr>{cell(2000)}{cell(2000)}</w:tr>"]
    in_box = ('<w:p><w:r><w:pict><w:txbxContent>' + table([100], [f"<w:tr>{cell(300)}{cell(300)}</w:tr>"])
              + "</w:txbxContent></w:pict></w:r></w:p>")
    matching = table([700, 800], [f"<w:tr>{cell(700)}{cell(800)}</w:tr>"])
    text_width = 11906 - 2 * 1134
    expected = [int(v * text_width / 2000) for v in (1000, 500, 500)]
    for extra in ("", f"<w:tr>{cell(1000, inner=nested)}{cell(500)}{cell(500)}</w:tr>"):
        xml = body(table([1500, 1500], repeated + ([extra] if extra else [])), in_box, matching)
        tables = grid_and_rows(fit_repeated_columns(xml))
        grid, rows = tables[0]
        assert grid == expected and sum(grid) <= text_width
        assert rows[:2] == [expected, expected] and rows[2] == [2000, 2000]
        if extra:
            assert rows[3] == expected and tables[1] == ([500], [[900, 900]]), "the nested table is its own"
        assert ([100], [[300, 300]]) in tables and ([700, 800], [[700, 800]]) in tables


def test_a_narrow_column_of_a_repeated_table_is_widened_to_its_longest_word():
    from pipeline.render import CELL_MARGINS, CHARACTER, fit_repeated_columns

    rows = [f"<w:tr>{cell(3000, 'Action')}{cell(100, 'x')}{cell(100, 'y')}</w:tr>",
            f"<w:tr>{cell(3000, 'Planter')}{cell(100, 'Réaménagement &amp; co')}{cell(100, 'z')}</w:tr>"]
    grid, fitted = grid_and_rows(fit_repeated_columns(body(table([3200], rows))))[0]
    assert grid[1] >= len("Réaménagement") * CHARACTER + CELL_MARGINS, "« &amp; » is one character, not five"
    assert fitted == [grid, grid] and sum(grid) <= 11906 - 2 * 1134


def test_an_empty_last_section_goes_and_one_with_text_stays():
    from pipeline.render import remove_empty_last_section

    landscape = '<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/></w:sectPr>'
    annex = f"<w:p><w:r><w:t>Annexe</w:t></w:r></w:p><w:p><w:pPr>{landscape}</w:pPr></w:p>"
    blank = "<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>"
    removed = remove_empty_last_section(body(annex, blank))
    assert removed.endswith(landscape + "</w:body>") and removed.count("<w:sectPr") == 1
    assert "Annexe" in removed and "<w:p/>" not in removed
    kept = body(annex, "<w:p><w:r><w:t>Suite</w:t></w:r></w:p>")
    assert remove_empty_last_section(kept) == kept
    with_table = body(annex, table([100], [f"<w:tr>{cell(100, '')}</w:tr>"]))
    assert remove_empty_last_section(with_table) == with_table
    # The break inside a content control: what follows it is not whole elements, it stays (found by review).
    controlled = body(f"<w:sdt><w:sdtContent>{annex}</w:sdtContent></w:sdt>", blank)
    assert remove_empty_last_section(controlled) == controlled


def test_a_body_rendered_malformed_is_never_written(tmp_path):
    """A template whose tags make the rendered body malformed when a branch is not taken (« {% if %} » in a
    paragraph, its « {% endif %} » in a table's cell): it is not well-formed by construction, so the body is read
    again once rendered — the error lxml gives, saying where, and no document. Taken, the branch gives the
    document."""
    import pytest
    from lxml import etree

    import pipeline.render as render

    template = tmp_path / "modele.docx"
    document = Document()
    document.add_paragraph("avant {% if show %}")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "{% endif %} après"
    document.save(template)
    written = tmp_path / "sortie"
    written.mkdir()
    with pytest.raises(etree.XMLSyntaxError):
        render.render_document(template, {"show": False}, written / "Document.docx")
    assert list(written.iterdir()) == []
    render.render_document(template, {"show": True}, written / "Document.docx")
    assert "après" in "".join(cell.text for cell in Document(written / "Document.docx").tables[0]._cells)


def test_a_tag_that_fails_names_the_paragraphs_around_it_and_writes_nothing(tmp_path):
    """A coordinator's edit of a Word template that breaks a tag — mistyped, or naming an unknown filter: the
    message names the template and quotes the paragraphs around the tag (the lines docxtpl gives each paragraph),
    and no document is written."""
    import pytest

    import pipeline.render as render

    for broken, error in (("{{ entity.name( }}", "expected ')'"), ("{{ entity.name|inconnu }}", "'inconnu'")):
        template = tmp_path / "modele.docx"
        document = Document()
        for number in range(1, 9):
            document.add_paragraph(f"Paragraphe {number}" + (f" {broken}" if number == 5 else ""))
        document.save(template)
        destination = tmp_path / "sortie" / "Document.docx"
        destination.parent.mkdir(exist_ok=True)
        with pytest.raises(render.TemplateProblem) as raised:
            render.render_document(template, {"entity": {"name": "Engis"}}, destination)
        message = str(raised.value)
        assert "modele.docx" in message and error in message, message
        assert f"Paragraphe 4 Paragraphe 5 {broken} Paragraphe 6" in message, message
        assert "Paragraphe 1 " not in message
        assert list(destination.parent.iterdir()) == []
