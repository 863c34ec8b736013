"""`make pst` end to end: workbooks in, the .docx opened with python-docx and checked against the workbooks."""

import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook


from conftest import SAMPLE, action, docx_paragraphs, docx_text, make_entity, malformed_cells, run_module

ACTION_LINE = re.compile(r"^Action\u00a0(?P<number>\S+)\u00a0:\t(?P<title>.*)$")


# --- Independent reading of the sample workbooks (openpyxl, not the pipeline) --------------------------------
def sheet_records(path: Path, sheet: str | None = None) -> list[dict]:
    book = load_workbook(path, read_only=True)
    rows = list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if "Volet" in row or "Paramètre" in row)
    headers = rows[header_index]
    return [dict(zip(headers, row)) for row in rows[header_index + 1:] if any(v not in (None, "") for v in row)]


def oo_key(code: str) -> tuple[int, int]:
    os_number, rank = re.sub(r"^OO\s*", "", str(code)).split(".")
    return int(os_number), int(rank)


def expected_actions(folder: Path) -> dict[str, list[tuple[str, tuple[int, int], str]]]:
    """Per volet, the actions in official order: by OO, then file order (files by name)."""
    rows = []
    for file_index, path in enumerate(sorted((folder / "services").glob("*.xlsx"), key=lambda p: p.name.casefold())):
        for row_index, row in enumerate(sheet_records(path)):
            rows.append((row["Volet"], oo_key(row["N° OO"]), file_index, row_index, row["Libellé de l'action"],
                         row.get("Synergie avec") or ""))
    result = {}
    for volet in ("Externe", "Interne"):
        ordered = sorted((r for r in rows if r[0] == volet), key=lambda r: (r[1], r[2], r[3]))
        result[volet] = [(str(n), r[1], r[4], r[5]) for n, r in enumerate(ordered, start=1)]
    return result


def document_actions(paragraphs: list[tuple[str, str]], start: str, stop: str | None) -> list[tuple[str, str]]:
    """(number, title) of the « Action » paragraphs between the heading starting with `start` and the next `stop`."""
    inside, found = False, []
    for style, text in paragraphs:
        if style == "Heading 1":
            if text.startswith(start):
                inside = True
                continue
            if inside and (stop is None or text.startswith(stop)):
                break
        if inside and style in ("Action", "Action suivie"):
            match = ACTION_LINE.match(text)
            assert match, text
            found.append((match["number"], match["title"]))
    return found


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    completed = run_module("pst", "--data", str(SAMPLE), "--build", str(build))
    return completed, build


def test_the_sample_builds_both_documents_and_the_cross_reference(sample_build):
    completed, build = sample_build
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (build / "engis-commune" / "PST_COMMUNE_2019-2024.docx").is_file()
    assert (build / "engis-cpas" / "PST_CPAS_2019-2024.docx").is_file()
    assert (build / "Synergies_COMMUNE_CPAS.docx").is_file()
    assert "Traceback" not in completed.stderr
    assert "Volet externe : 2 objectifs stratégiques, 4 objectifs opérationnels, 10 actions" in completed.stdout
    assert "34 lignes lues : 34 actions retenues, 0 rejetée\n" in completed.stdout
    assert "Document écrit : " + str(build / "engis-cpas" / "PST_CPAS_2019-2024.docx") in completed.stdout


@pytest.mark.parametrize("folder, document", [("engis-commune", "PST_COMMUNE_2019-2024.docx"),
                                              ("engis-cpas", "PST_CPAS_2019-2024.docx")])
def test_every_sample_action_is_in_its_volet_once_in_order_with_its_number(sample_build, folder, document):
    _, build = sample_build
    expected = expected_actions(SAMPLE / folder)
    paragraphs = docx_paragraphs(build / folder / document)
    externe = document_actions(paragraphs, "Volet externe", "Volet interne")
    interne = document_actions(paragraphs, "Volet interne", "Annexe")
    assert externe == [(n, title) for n, _, title, _ in expected["Externe"]]
    assert interne == [(n, title) for n, _, title, _ in expected["Interne"]]


@pytest.mark.parametrize("folder, document", [("engis-commune", "PST_COMMUNE_2019-2024.docx"),
                                              ("engis-cpas", "PST_CPAS_2019-2024.docx")])
def test_objectives_are_headings_with_their_titles(sample_build, folder, document):
    _, build = sample_build
    paragraphs = docx_paragraphs(build / folder / document)
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    for row in sheet_records(SAMPLE / folder / "cadre.xlsx", "Objectifs stratégiques"):
        assert ("Heading 2", f"OS\u00a0{row['N° OS']}\u00a0: {row['Intitulé']}") in headings
    for row in sheet_records(SAMPLE / folder / "cadre.xlsx", "Objectifs opérationnels"):
        assert ("Heading 3", f"OO\u00a0{row['N° OO']}\u00a0: {row['Intitulé']}") in headings
    assert ("Heading 1", "Volet externe «\u00a0développement des politiques\u00a0»") in headings


def test_the_summary_is_computed_as_the_cpas_seed_states_it(sample_build):
    # Seed 001: « 3 Objectifs Stratégiques -> 7 Objectifs Opérationnels -> 24 actions » (interne) and
    # « 2 Objectifs Stratégiques -> 4 Objectifs Opérationnels -> 10 actions » (externe).
    _, build = sample_build
    text = docx_text(build / "engis-cpas" / "PST_CPAS_2019-2024.docx")
    assert ("En résumé, le PST comprend 2 volets, 5 objectifs stratégiques (2 externes et 3 internes), "
            "11 objectifs opérationnels (4 externes et 7 internes) et 34 actions (10 externes et 24 internes).") in text


def test_the_synergy_annex_lists_exactly_the_flagged_actions_with_their_numbers(sample_build):
    _, build = sample_build
    paragraphs = docx_paragraphs(build / "engis-commune" / "PST_COMMUNE_2019-2024.docx")
    expected = expected_actions(SAMPLE / "engis-commune")
    flagged = [(n, title) for volet in ("Externe", "Interne") for n, _, title, synergy in expected[volet]
               if "CPAS" in synergy]
    assert len(flagged) == 4
    annex = document_actions(paragraphs, "Annexe\u00a0: synergies Commune d'Engis & CPAS d'Engis", None)
    assert annex == flagged


def test_every_table_cell_of_every_document_holds_a_paragraph(sample_build):
    _, build = sample_build
    documents = sorted(build.rglob("*.docx"))
    assert len(documents) >= 5
    assert {path.name: malformed_cells(path) for path in documents} == {path.name: [] for path in documents}


def test_the_cross_reference_pairs_the_actions_by_synergy_code(sample_build):
    _, build = sample_build
    doc = Document(build / "Synergies_COMMUNE_CPAS.docx")
    rows = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert rows[0] == ["Code synergie", "Commune d'Engis", "CPAS d'Engis", "À vérifier"]
    by_code = {row[0]: row for row in rows[1:]}
    assert sorted(by_code) == ["SYN-ASSURANCES", "SYN-EMPLOI", "SYN-LOGEMENT", "SYN-PLONE"]
    assert "Action\u00a012 (Externe)\u00a0: Développer et promouvoir le Salon de l'emploi" in by_code["SYN-EMPLOI"][1]
    assert "(Externe)\u00a0: Créer un service logement commun avec la Commune" in by_code["SYN-LOGEMENT"][2]
    # both sides of each sample pair report the same progress: each side's follow-up shown, nothing to check
    assert "En cours · 70\u00a0% · échéance\u00a0: 31 octobre 2021" in by_code["SYN-EMPLOI"][2]
    assert [row[3] for row in rows[1:]] == ["", "", "", ""]


def test_the_document_has_a_toc_refreshed_on_opening(sample_build):
    _, build = sample_build
    doc = Document(build / "engis-cpas" / "PST_CPAS_2019-2024.docx")
    settings = doc.settings.element.xml
    assert 'updateFields w:val="true"' in settings
    toc_entries = [p.text for p in doc.paragraphs if p.style.name.lower().startswith("toc ")]
    assert "OO\u00a01.3\u00a0: Mieux répondre aux situations d'urgence en matière de logement" in toc_entries
    assert any('TOC \\o "1-3"' in (instr.text or "") for instr in doc.element.body.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instrText"))


def test_text_from_workbooks_is_printed_verbatim_never_evaluated(tmp_path, run_pst):
    tricky = "Réparer l’école & la crèche <b> « vite » {{ 7*7 }} {% if x %} 🌳"
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title=tricky, Planification="Étape 1 & 2\nÉtape <3>"),
        action(oo="2.1", title="Aider"), action(volet="Interne", title="Simplifier")]},
        parameters={"Slogan": "Une ville {{ pour }} tous & chacun"})
    run = run_pst(folder)
    assert run.code == 0, run.out
    document = run.pst()
    text = docx_text(document)
    assert f"Action\u00a01\u00a0:\t{tricky}" in text
    assert "Étape <3>" in text and "49" not in text
    assert "«\u00a0Une ville {{ pour }} tous & chacun\u00a0»" in text


def test_an_invalid_workbook_stops_the_build_with_a_french_message_and_no_document(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(), action(oo="9.9", title="Perdue")]})
    build = tmp_path / "build"
    completed = run_module("pst", "--data", str(folder), "--build", str(build))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    assert ("ERREUR        feuille « Actions », ligne 3, colonne B (« N° OO ») : La colonne « N° OO » contient "
            "« 9.9 », qui n’existe pas dans le cadre.") in completed.stdout
    assert "  Travaux.xlsx\n" in completed.stdout
    assert not list(build.rglob("*.docx")) if build.exists() else True


def test_after_a_failed_build_the_previous_document_is_kept_and_said_out_of_date(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()]})
    first = run_pst(folder)
    document = first.pst()
    before = document.read_bytes()
    make_entity(folder, {"Travaux.xlsx": [action(oo="7.7")]})
    second = run_pst(folder)
    assert second.code == 1
    assert document.read_bytes() == before
    assert "n’est PLUS À JOUR" in second.out
    assert not [p.name for p in document.parent.iterdir() if p.name.startswith(".~")]  # no temporary file left


def test_unusable_input_exits_2_with_a_french_message(tmp_path):
    completed = run_module("pst", "--data", str(tmp_path / "nulle-part"), "--build", str(tmp_path / "b"))
    assert completed.returncode == 2
    assert "Le dossier de données" in completed.stderr and "n’existe pas" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_single_entity_folder_without_synergy_partner_still_gets_its_annex(tmp_path, run_pst):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(**{"Synergie avec": "cpas"}), action(oo="2.1", title="Aider"),
        action(volet="Interne", title="Simplifier", **{"Synergie avec": "CPAS ; ZP"})]})
    run = run_pst(folder)
    assert run.code == 0, run.out
    paragraphs = docx_paragraphs(run.pst())
    assert document_actions(paragraphs, "Annexe\u00a0: synergies Ville de Testville & CPAS", "Annexe") == [
        ("1", "Planter cent arbres"), ("1", "Simplifier")]
    assert document_actions(paragraphs, "Annexe\u00a0: synergies Ville de Testville & ZP", None) == [
        ("1", "Simplifier")]
    texts = [text for _, text in paragraphs]
    assert any(t.startswith("Actions du PST menées avec le CPAS,") for t in texts)  # its type read from its code
    assert any(t.startswith("Actions du PST menées avec l’institution ZP,") for t in texts)


def test_a_synergy_code_found_on_one_side_only_is_a_warning_and_listed_apart(tmp_path, run_pst):
    cpas_frame = {"strategic": [{"Volet": "Externe", "N° OS": "1", "Intitulé": "Aider"}],
                  "operational": [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Accompagner"}]}
    make_entity(tmp_path / "data" / "ville", {"T.xlsx": [
        action(title="Salon commun", **{"Synergie avec": "CPAS", "Code synergie": "S1"}),
        action(oo="2.1", title="Épicerie", **{"Synergie avec": "CPAS", "Code synergie": "S2"}),
        action(volet="Interne", title="Sans code", **{"Synergie avec": "CPAS"})]})
    make_entity(tmp_path / "data" / "cpas", {"Social.xlsx": [
        action(title="Salon de l'emploi", **{"Synergie avec": "VILLE", "Code synergie": "s1"}),
        action(title="Logement", **{"Synergie avec": "VILLE", "Code synergie": "S9"})]},
        parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"}, **cpas_frame)
    run = run_pst(tmp_path / "data")
    assert run.code == 0, run.out
    assert "Le code synergie « S2 » de la Ville de Testville n’a pas de correspondant chez le CPAS de Testville" in run.out
    assert "Le code synergie « S9 » du CPAS de Testville n’a pas de correspondant" in run.out
    doc = Document(run.build / "Synergies_VILLE_CPAS.docx")
    rows = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert [row[0] for row in rows[1:]] == ["S1"]
    assert "Salon de l'emploi" in rows[1][2]
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Action\u00a02 (Externe)\u00a0:\tÉpicerie — code synergie S2" in paragraphs
    assert "Action\u00a01 (Interne)\u00a0:\tSans code — sans code synergie" in paragraphs
    assert "Action\u00a02 (Externe)\u00a0:\tLogement — code synergie S9" in paragraphs
