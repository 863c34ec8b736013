"""One PST for a commune and its CPAS (issue 16): the joint document, the synergies seen from both sides, and the
errors of frames that do not agree. Expected figures are recomputed here from the workbooks (read with openpyxl),
never taken from the pipeline."""

from __future__ import annotations

import pickle
import re
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import ROOT, SAMPLE, action, assemble, docx_text, make_entity, malformed_cells, write_workbook
from pipeline.synergy import cross_reference
from pipeline.cli import main

JOINT_SAMPLE = ROOT / "exemple-conjoint"
NBSP = "\u00a0"
CPAS = {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"}
JOINT_NAME = "PST_conjoint_VILLE_CPAS_2025-2030.docx"


def build(data: Path, out: Path, *extra: str) -> int:
    return main(["pst", "--data", str(data), "--build", str(out), "--processus", "1", *extra])


# --- Reading the workbooks independently -----------------------------------------------------------------------
def rows_of(path: Path, sheet: str, first_header: str) -> list[dict]:
    book = load_workbook(path, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if first_header in row)
    return [{h: v for h, v in zip(rows[start], row) if h} for row in rows[start + 1:]
            if any(v not in (None, "") for v in row)]


def typed_actions(folder: Path) -> list[dict]:
    return [row for path in sorted((folder / "services").glob("*.xlsx"))
            for row in rows_of(path, "Actions", "Libellé de l'action")]


def frame_counts(folder: Path) -> dict[str, int]:
    cadre = folder / "cadre.xlsx"
    actions = typed_actions(folder)
    volets = Counter(str(row["Volet"]).strip().lower() for row in actions)
    return {"os": len(rows_of(cadre, "Objectifs stratégiques", "N° OS")),
            "oo": len(rows_of(cadre, "Objectifs opérationnels", "N° OO")),
            "externe": volets["externe"], "interne": volets["interne"], "actions": len(actions)}


def pairs_typed(left: Path, right: Path) -> set[str]:
    """The « Code synergie » both institutions carry."""
    def codes(folder):
        return {str(row["Code synergie"]).strip().upper() for row in typed_actions(folder) if row.get("Code synergie")}
    return codes(left) & codes(right)


# --- Reading the documents ---------------------------------------------------------------------------------------
ACTION_LINE = re.compile(r"^Action\s(?P<number>\S+)\s?:\t(?P<title>.+)$")


def parts(doc) -> dict[str, list[str]]:
    """The titles of the actions listed under each Heading 1 of the document."""
    found: dict[str, list[str]] = {}
    current = None
    for paragraph in doc.paragraphs:
        if paragraph.style.name == "Heading 1":
            current = paragraph.text
            found.setdefault(current, [])
        elif paragraph.style.name in ("Action", "Action suivie") and current is not None:
            match = ACTION_LINE.match(paragraph.text.replace(NBSP, " "))
            if match:
                found[current].append(match["title"])
    return found


def numbers_in(pst: Path) -> dict[str, str]:
    """Libellé → « number (volet) » in an entity's own PST (its volets, before the annexes)."""
    doc = Document(pst)
    numbers, volet = {}, None
    for paragraph in doc.paragraphs:
        if paragraph.style.name == "Heading 1":
            volet = ("externe" if "externe" in paragraph.text else "interne" if "interne" in paragraph.text
                     else None)
        elif volet and paragraph.style.name in ("Action", "Action suivie"):
            match = ACTION_LINE.match(paragraph.text.replace(NBSP, " "))
            if match:
                numbers.setdefault(match["title"], f"{match['number']} ({volet})")
    return numbers


def table_with(doc, first: str):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == first)


# --- The Engis sample, written jointly ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def joint_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("conjoint")
    assert build(JOINT_SAMPLE, out) == 0
    return out


def test_the_joint_document_holds_every_action_of_both_institutions_once(joint_sample):
    doc = Document(joint_sample / "PST_conjoint_COMMUNE_CPAS_2019-2024.docx")
    found = parts(doc)
    for folder, name in (("engis-commune", "Commune d'Engis"), ("engis-cpas", "CPAS d'Engis")):
        typed = Counter(row["Libellé de l'action"] for row in typed_actions(JOINT_SAMPLE / folder))
        assert Counter(found[name]) == typed, name
    # The separate PSTs are still written.
    assert (joint_sample / "engis-commune" / "PST_COMMUNE_2019-2024.docx").exists()
    assert (joint_sample / "engis-cpas" / "PST_CPAS_2019-2024.docx").exists()


def test_the_summary_counts_each_institution_and_both_together(joint_sample):
    doc = Document(joint_sample / "PST_conjoint_COMMUNE_CPAS_2019-2024.docx")
    table = table_with(doc, "Institution")
    rows = {row.cells[0].text: [cell.text for cell in row.cells[1:]] for row in table.rows[1:]}
    expected = {name: frame_counts(JOINT_SAMPLE / folder)
                for folder, name in (("engis-commune", "Commune d'Engis"), ("engis-cpas", "CPAS d'Engis"))}
    for name, counts in expected.items():
        assert rows[name] == [str(counts[k]) for k in ("os", "oo", "externe", "interne", "actions")]
    together = {k: sum(c[k] for c in expected.values()) for k in ("os", "oo", "externe", "interne", "actions")}
    assert rows["Ensemble"] == [str(together[k]) for k in ("os", "oo", "externe", "interne", "actions")]
    summary = next(p.text for p in doc.paragraphs if p.text.startswith("En résumé"))
    commune, cpas = expected["Commune d'Engis"]["actions"], expected["CPAS d'Engis"]["actions"]
    assert f"{commune + cpas} actions ({commune} de la Commune d'Engis et {cpas} du CPAS d'Engis)" in summary


def test_each_joint_pair_is_listed_once_with_both_numbers(joint_sample):
    doc = Document(joint_sample / "PST_conjoint_COMMUNE_CPAS_2019-2024.docx")
    table = table_with(doc, "Action commune")
    codes = [re.search(r"Code synergie\s?:\s?(\S+)", row.cells[0].text.replace(NBSP, " "))[1]
             for row in table.rows[1:]]
    assert sorted(codes) == sorted(pairs_typed(JOINT_SAMPLE / "engis-commune", JOINT_SAMPLE / "engis-cpas"))
    commune = numbers_in(joint_sample / "engis-commune" / "PST_COMMUNE_2019-2024.docx")
    cpas = numbers_in(joint_sample / "engis-cpas" / "PST_CPAS_2019-2024.docx")
    by_code = {str(r["Code synergie"]).upper(): r["Libellé de l'action"]
               for r in typed_actions(JOINT_SAMPLE / "engis-commune") if r.get("Code synergie")}
    by_code_cpas = {str(r["Code synergie"]).upper(): r["Libellé de l'action"]
                    for r in typed_actions(JOINT_SAMPLE / "engis-cpas") if r.get("Code synergie")}
    for code, row in zip(codes, table.rows[1:]):
        left, right = (cell.paragraphs[0].text.replace(NBSP, " ") for cell in row.cells[1:])
        assert left == f"Action {commune[by_code[code]]}"
        # the CPAS' libellé follows its number when it is not the commune's (the pair's title, first column)
        own = f" : {by_code_cpas[code]}" if by_code_cpas[code] != by_code[code] else ""
        assert right == f"Action {cpas[by_code_cpas[code]]}{own}"
        assert "Service" in row.cells[1].text and "OO " in row.cells[1].text.replace(NBSP, " ")


def test_the_joint_document_looks_like_an_official_one(joint_sample):
    doc = Document(joint_sample / "PST_conjoint_COMMUNE_CPAS_2019-2024.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Programme stratégique transversal conjoint" in text
    assert "L1123-27" in text and "27ter" in text  # both legal bases
    assert doc.core_properties.author == "Commune d'Engis et CPAS d'Engis"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    for heading in ("Commune d'Engis", "CPAS d'Engis", "Actions communes"):
        assert heading in headings
    # The annexes of both institutions
    assert any(h.endswith("— Commune d'Engis") for h in headings if h.startswith("Annexe"))
    assert any(h.endswith("— CPAS d'Engis") for h in headings if h.startswith("Annexe"))
    for document in ("PST_conjoint_COMMUNE_CPAS_2019-2024.docx", "Synergies_COMMUNE_CPAS.docx"):
        assert malformed_cells(joint_sample / document) == []


def test_without_the_parameter_no_joint_document(tmp_path):
    assert build(SAMPLE, tmp_path) == 0
    assert not list(tmp_path.glob("PST_conjoint_*"))


# --- At real size: a Ville of 268 actions, 34 of them paired with a CPAS of 44 ----------------------------------------
def real_size_pair(data: Path) -> Path:
    oos = [{"Volet": "Externe" if n <= 6 else "Interne", "N° OO": f"{(n - 1) % 6 + 1}.1" if n <= 6
            else f"{n - 6}.1", "Intitulé": f"Objectif opérationnel {n}"} for n in range(1, 11)]
    oss = [{"Volet": "Externe" if n <= 6 else "Interne", "N° OS": str((n - 1) % 6 + 1) if n <= 6 else str(n - 6),
            "Intitulé": f"Objectif stratégique {n}"} for n in range(1, 11)]

    def rows(count: int, paired: int, partner: str, prefix: str) -> list[dict]:
        found = []
        for i in range(count):
            oo = oos[i % len(oos)]
            fields = {"Synergie avec": partner, "Code synergie": f"SYN-{i + 1}"} if i < paired else {}
            found.append(action(oo["Volet"], oo["N° OO"], f"{prefix} action {i + 1}", **{
                "Service gestionnaire": "Social", **fields}))
        return found

    make_entity(data / "ville", {"Social.xlsx": rows(268, 34, "CPAS", "Ville")}, {"PST conjoint avec": "CPAS"},
                strategic=oss, operational=oos)
    make_entity(data / "cpas", {"Social.xlsx": rows(44, 34, "VILLE", "CPAS")},
                {**CPAS, "PST conjoint avec": "VILLE"}, strategic=oss, operational=oos)
    return data


def test_at_real_size_every_action_the_counts_and_the_joint_actions(tmp_path):
    data = real_size_pair(tmp_path / "data")
    assert build(data, tmp_path / "build") == 0
    doc = Document(tmp_path / "build" / JOINT_NAME)
    found = parts(doc)
    assert len(found["Ville de Testville"]) == 268 and len(found["CPAS de Testville"]) == 44
    assert len(set(found["Ville de Testville"]) | set(found["CPAS de Testville"])) == 312
    summary = next(p.text for p in doc.paragraphs if p.text.startswith("En résumé"))
    assert "312 actions (268 de la Ville de Testville et 44 du CPAS de Testville)" in summary
    assert "34 actions communes" in summary
    table = table_with(doc, "Action commune")
    assert len(table.rows) - 1 == 34


# --- Synergies seen from both sides ------------------------------------------------------------------------------
def test_the_synergy_annex_shows_the_partner_s_number_and_libelle(tmp_path):
    assert build(SAMPLE, tmp_path) == 0
    commune = Document(tmp_path / "engis-commune" / "PST_COMMUNE_2019-2024.docx")
    cpas_numbers = numbers_in(tmp_path / "engis-cpas" / "PST_CPAS_2019-2024.docx")
    commune_rows = {str(r["Code synergie"]).upper(): r["Libellé de l'action"]
                    for r in typed_actions(SAMPLE / "engis-commune") if r.get("Code synergie")}
    cpas_rows = {str(r["Code synergie"]).upper(): r["Libellé de l'action"]
                 for r in typed_actions(SAMPLE / "engis-cpas") if r.get("Code synergie")}
    paragraphs = [p.text.replace(NBSP, " ") for p in commune.paragraphs]
    start = max(i for i, t in enumerate(paragraphs) if t.startswith("Annexe : synergies"))  # not the TOC's line
    annex = paragraphs[start:]
    for code, title in commune_rows.items():
        line = next(i for i, t in enumerate(annex) if t.endswith("\t" + title))
        partner = cpas_rows[code]
        assert annex[line + 1] == f"Côté CPAS d'Engis : action {cpas_numbers[partner]} — {partner}"


def pair_entities(data: Path, ville: list[dict], cpas: list[dict], joint: bool = False) -> Path:
    make_entity(data / "ville", {"Social.xlsx": ville}, {"PST conjoint avec": "CPAS"} if joint else None)
    make_entity(data / "cpas", {"Social.xlsx": cpas}, {**CPAS, **({"PST conjoint avec": "VILLE"} if joint else {})})
    return data


def synergy(title: str, code: str, status: str, end: str, partner: str) -> dict:
    return action(title=title, Statut=status, Fin=end, **{"Synergie avec": partner, "Code synergie": code})


def test_the_cross_reference_compares_both_sides_and_flags_disagreements(tmp_path):
    data = pair_entities(tmp_path / "data", [
        synergy("Épicerie sociale", "S1", "Terminée", "2026", "CPAS"),
        synergy("Navette", "S2", "En cours", "06/2026", "CPAS"),
        synergy("Guichet unique", "S3", "En cours", "03/2027", "CPAS"),
        synergy("Potager", "S4", "En cours", "31/03/2026", "CPAS")], [
        synergy("Épicerie (CPAS)", "S1", "À démarrer", "2026", "VILLE"),
        synergy("Navette (CPAS)", "S2", "En cours", "2028", "VILLE"),
        synergy("Guichet (CPAS)", "S3", "En cours", "2027", "VILLE"),
        synergy("Potager (CPAS)", "S4", "En cours", "30/09/2026", "VILLE")])
    assert build(data, tmp_path / "build") == 0
    doc = Document(tmp_path / "build" / "Synergies_VILLE_CPAS.docx")
    table = table_with(doc, "Code synergie")
    flags = {row.cells[0].text: row.cells[3].text for row in table.rows[1:]}
    assert "Statuts opposés" in flags["S1"] and "échéances" not in flags["S1"]
    assert "Échéances à plus de six mois d’écart" in flags["S2"]  # juin 2026 / 2028
    assert flags["S3"] == ""  # mars 2027 lies within 2027
    assert flags["S4"] == ""  # exactly six months apart
    s1 = next(row for row in table.rows[1:] if row.cells[0].text == "S1")
    assert "Terminée" in s1.cells[1].text and "À démarrer" in s1.cells[2].text
    assert "100" in s1.cells[1].text and "échéance" in s1.cells[1].text


ONE_SIDED = ([synergy("Épicerie sociale", "S1", "Terminée", "2026", "CPAS"),
              synergy("Navette", "S2", "En cours", "06/2026", "CPAS"),
              synergy("Bus scolaire", "S9", "En cours", "2027", "CPAS")],  # the CPAS has no S9
             [synergy("Navette (CPAS)", "S2", "En cours", "2028", "VILLE"),
              synergy("Épicerie (CPAS)", "S1", "À démarrer", "2026", "VILLE"),
              synergy("Repas (CPAS)", "S7", "En cours", "2026", "VILLE")])  # the Ville has no S7


def test_the_pairs_and_one_sided_cases_carried_over_to_copies_of_both_entities(tmp_path):
    """The build pairs once, before the entities' documents are written in other processes; the pair documents
    take the cross-reference over the copies that come back (CrossReference.on), action for action."""
    data = pair_entities(tmp_path / "data", *ONE_SIDED)
    ville, cpas = (assemble(data / name).entity for name in ("ville", "cpas"))
    xref = cross_reference(ville, cpas)
    assert [(p.synergy_code, [a.title for a in p.left], [a.title for a in p.right]) for p in xref.pairs] == [
        ("S1", ["Épicerie sociale"], ["Épicerie (CPAS)"]), ("S2", ["Navette"], ["Navette (CPAS)"])]
    assert [a.title for a in xref.left_only] == ["Bus scolaire"]
    assert [a.title for a in xref.right_only] == ["Repas (CPAS)"]
    assert [(entity.code, found.code, found.value) for entity, found in xref.findings] == [
        ("VILLE", "code-synergie-orphelin", "S9"), ("CPAS", "code-synergie-orphelin", "S7")]
    copies = pickle.loads(pickle.dumps((ville, cpas)))
    moved = xref.on(*copies)
    assert moved.left is copies[0] and moved.right is copies[1]
    in_copies = {id(a) for entity in copies for a in entity.actions()}
    for before, after in ((p, q) for p, q in zip(xref.pairs, moved.pairs)):
        assert after.synergy_code == before.synergy_code
        assert [(a.number, a.title) for a in after.left + after.right] == [(a.number, a.title)
                                                                          for a in before.left + before.right]
        assert all(id(a) in in_copies for a in after.left + after.right)
    assert [a.title for a in moved.left_only] == ["Bus scolaire"] and moved.left_only[0] is copies[0].actions()[2]
    assert [a.title for a in moved.right_only] == ["Repas (CPAS)"]
    assert [entity for entity, _ in moved.findings] == [copies[0], copies[1]]


def test_the_documents_of_a_pair_are_the_same_written_in_one_process_or_two(tmp_path):
    data = pair_entities(tmp_path / "data", *ONE_SIDED, joint=True)
    assert build(data, tmp_path / "one") == 0
    assert build(data, tmp_path / "two", "--processus", "2") == 0
    for name in ("Synergies_VILLE_CPAS.docx", JOINT_NAME):
        assert docx_text(tmp_path / "one" / name) == docx_text(tmp_path / "two" / name)
    text = docx_text(tmp_path / "two" / "Synergies_VILLE_CPAS.docx")
    assert "Bus scolaire" in text and "Repas (CPAS)" in text and "Statuts opposés" in text


# --- Frames that do not agree ------------------------------------------------------------------------------------
def test_a_partner_absent_from_data_is_an_error_at_the_cell(tmp_path, capsys):
    data = tmp_path / "data"
    make_entity(data / "ville", {"Social.xlsx": [action()]}, {"PST conjoint avec": "CPAS"})
    assert build(data, tmp_path / "build") == 1
    out = capsys.readouterr().out
    assert "PST conjoint avec" in out and "« CPAS »" in out and "aucun cadre des données" in out
    assert "feuille « Paramètres », ligne 6, colonne B" in out
    assert not list((tmp_path / "build").rglob("*.docx"))


def test_frames_that_disagree_are_an_error_naming_both_cadres(tmp_path, capsys):
    data = tmp_path / "data"
    make_entity(data / "ville", {"Social.xlsx": [action()]}, {"PST conjoint avec": "CPAS"})
    make_entity(data / "cpas", {"Social.xlsx": [action()]}, CPAS)
    assert build(data, tmp_path / "build") == 1
    out = capsys.readouterr().out
    assert "ville/cadre.xlsx" in out and "cpas/cadre.xlsx" in out and "n’annonce aucun PST conjoint" in out
    assert not list((tmp_path / "build").glob("PST_conjoint_*"))
    assert (tmp_path / "build" / "cpas" / "PST_CPAS_2025-2030.docx").exists()  # the CPAS' own PST is fine


def test_two_legislatures_two_communes_or_naming_itself_are_errors(tmp_path, capsys):
    data = tmp_path / "data"
    make_entity(data / "ville", {"Social.xlsx": [action()]}, {"PST conjoint avec": "CPAS"})
    make_entity(data / "cpas", {"Social.xlsx": [action()]},
                {**CPAS, "PST conjoint avec": "VILLE", "Législature": "2024-2030"})
    assert build(data, tmp_path / "build") == 1
    assert "couvrirait deux législatures" in capsys.readouterr().out
    data = tmp_path / "two-communes"
    make_entity(data / "ville", {"Social.xlsx": [action()]}, {"PST conjoint avec": "AMAY"})
    make_entity(data / "amay", {"Social.xlsx": [action()]}, {"Code": "AMAY", "PST conjoint avec": "VILLE"})
    assert build(data, tmp_path / "build1") == 1
    assert "Un PST conjoint unit une commune (ou une ville) et son CPAS" in capsys.readouterr().out
    assert not list((tmp_path / "build1").glob("PST_conjoint_*"))
    data = tmp_path / "alone"
    make_entity(data / "ville", {"Social.xlsx": [action()]}, {"PST conjoint avec": "ville"})
    assert build(data, tmp_path / "build2") == 1
    assert "le code de l’institution elle-même" in capsys.readouterr().out


def built_joint(tmp_path: Path) -> tuple[Path, Path]:
    """A ville and its CPAS writing one joint PST with one pair, built once: (data, build)."""
    data = pair_entities(tmp_path / "data", [synergy("Navette", "S1", "En cours", "2026", "CPAS")],
                         [synergy("Navette (CPAS)", "S1", "En cours", "2026", "VILLE")], joint=True)
    assert build(data, tmp_path / "build") == 0
    return data, tmp_path / "build"


def test_errors_keep_the_previous_joint_document_and_say_it_is_out_of_date(tmp_path, capsys):
    data, out = built_joint(tmp_path)
    joint = out / JOINT_NAME
    before = joint.read_bytes()
    capsys.readouterr()
    write_workbook(data / "cpas" / "services" / "Social.xlsx", {"Actions": [
        synergy("Navette (CPAS)", "S1", "En cours", "2026", "VILLE"), action(oo="9.9", title="Sans objectif")]})
    assert build(data, out) == 1
    console = capsys.readouterr().out
    assert joint.read_bytes() == before
    assert f"{joint} est conservé mais n’est PLUS À JOUR" in console
    assert "Aucun document commun écrit" in console
    # Despite errors: a provisional joint document beside the valid one.
    assert build(data, out, "--malgre-erreurs") == 0
    provisional = out / JOINT_NAME.replace(".docx", "_PROVISOIRE.docx")
    assert joint.read_bytes() == before
    console = capsys.readouterr().out
    assert f"PST conjoint PROVISOIRE : {provisional}" in console
    assert "n’est PLUS À JOUR : cette construction ne l’écrit plus" not in console  # it was just written
    cover = "\n".join(p.text for p in Document(provisional).paragraphs)
    assert "établi malgré 1 erreur\u00a0: 1 ligne des classeurs des services n’y figure pas" in cover


def test_a_joint_pst_no_longer_declared_or_agreed_is_kept_and_said_out_of_date(tmp_path, capsys):
    data, out = built_joint(tmp_path)
    joint = out / JOINT_NAME
    before = joint.read_bytes()
    # The CPAS' frame now names another institution: the frames disagree, the old joint PST is no longer rebuilt.
    make_entity(data / "cpas", {"Social.xlsx": [synergy("Navette (CPAS)", "S1", "En cours", "2026", "VILLE")]},
                {**CPAS, "PST conjoint avec": "AUTRE"})
    capsys.readouterr()
    assert build(data, out) == 1
    console = capsys.readouterr().out
    assert joint.read_bytes() == before
    assert f"⚠ {joint} n’est PLUS À JOUR" in console
    # The CPAS folder gone: the same.
    import shutil
    shutil.rmtree(data / "cpas")
    assert build(data, out) == 1
    assert f"⚠ {joint} n’est PLUS À JOUR" in capsys.readouterr().out


def test_one_entity_folder_built_alone_is_not_held_back_by_its_joint_partner(tmp_path, capsys):
    data = pair_entities(tmp_path / "data", [action()], [action()], joint=True)
    assert main(["pst", "--data", str(data / "ville"), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    console = capsys.readouterr().out
    assert "seul ce dossier est construit : le PST conjoint n’est ni écrit ni mis à jour" in console
    # The pair built together, then one folder alone into the same BUILD: the pair's documents are not abandoned.
    assert build(data, tmp_path / "build") == 0
    assert main(["pst", "--data", str(data / "ville"), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    assert "PLUS À JOUR" not in capsys.readouterr().out
    assert (tmp_path / "build" / JOINT_NAME).exists()
    assert (tmp_path / "build" / "ville" / "PST_VILLE_2025-2030.docx").exists()


def test_a_partner_whose_frame_cannot_be_read_is_named_and_does_not_hold_back_the_other(tmp_path, capsys):
    data = pair_entities(tmp_path / "data", [action()], [action()], joint=True)
    make_entity(data / "cpas", {"Social.xlsx": [action()]}, {**CPAS, "PST conjoint avec": "VILLE",
                                                                  "Législature": "2019"})
    assert build(data, tmp_path / "build") == 1  # the CPAS has no document
    console = capsys.readouterr().out
    assert ("« CPAS », qu’aucun cadre lu ne porte ; « cpas/cadre.xlsx » a des erreurs qui empêchent de le prendre "
            "en compte") in console
    assert (tmp_path / "build" / "ville" / "PST_VILLE_2025-2030.docx").exists()


def test_two_entities_with_the_same_code_are_warned_and_get_no_common_document(tmp_path, capsys):
    data = tmp_path / "data"
    for town in ("engis", "amay"):
        make_entity(data / f"{town}-ville", {"Social.xlsx": [synergy("Navette", "S1", "En cours", "2026", "CPAS")]},
                    {"Entité": f"Ville de {town}", "PST conjoint avec": "CPAS"})
        make_entity(data / f"{town}-cpas", {"Social.xlsx": [synergy("Navette", "S1", "En cours", "2026", "VILLE")]},
                    {**CPAS, "Entité": f"CPAS de {town}", "PST conjoint avec": "VILLE"})
    assert build(data, tmp_path / "build") == 0  # each entity's own PST is written
    console = capsys.readouterr().out
    assert "Le code « VILLE » est aussi celui de « amay-ville/cadre.xlsx »" in console
    assert "Le code « CPAS » est aussi celui de « engis-cpas/cadre.xlsx »" in console
    assert not list((tmp_path / "build").glob("Synergies_*")) and not list((tmp_path / "build").glob("PST_conj*"))
    assert "Ce cadre annonce un PST conjoint" not in console  # the duplicate is the cause, said once
    assert len(list((tmp_path / "build").rglob("PST_*_2025-2030.docx"))) == 4


def test_an_action_paired_with_two_shows_each_partner_action_with_its_libelle(tmp_path):
    data = pair_entities(tmp_path / "data", [synergy("Navette", "S1", "En cours", "2026", "CPAS")],
                         [synergy("Navette des aînés", "S1", "En cours", "2026", "VILLE"),
                          synergy("Navette des familles", "S1", "En cours", "2026", "VILLE")], joint=True)
    assert build(data, tmp_path / "build") == 0
    doc = Document(tmp_path / "build" / JOINT_NAME)
    table = table_with(doc, "Action commune")
    assert len(table.rows) == 2  # one pair
    cpas_cell = table.rows[1].cells[2].text
    assert f"Action{NBSP}1 (externe){NBSP}: Navette des aînés" in cpas_cell
    assert f"Action{NBSP}2 (externe){NBSP}: Navette des familles" in cpas_cell
    assert "Navette" in table.rows[1].cells[0].text and ": Navette" not in table.rows[1].cells[1].text


def test_a_synergy_code_without_synergie_avec_is_said_on_the_row_to_fix(tmp_path, capsys):
    data = pair_entities(tmp_path / "data", [synergy("Navette", "S1", "En cours", "2026", "CPAS")],
                         [action(title="Navette (CPAS)", **{"Code synergie": "S1"})])
    assert build(data, tmp_path / "build") == 0
    console = capsys.readouterr().out
    said = ("Cette action porte le code synergie « S1 », comme une action de la Ville de Testville, mais sa colonne "
            "« Synergie avec » ne nomme pas « VILLE »")
    cpas_part = console[console.index("CPAS de Testville ("):]
    assert said in cpas_part and "Social.xlsx" in cpas_part
    assert "n’a pas de correspondant" not in console  # the Ville's row is right: nothing to say there
    # In the CPAS' validation report and in the feedback copy of its service's workbook, at the cell to fix.
    report = load_workbook(tmp_path / "build" / "cpas" / "Rapport_validation.xlsx")
    assert any(said in str(cell.value) for sheet in report for row in sheet.iter_rows() for cell in row)
    feedback = load_workbook(tmp_path / "build" / "cpas" / "retours" / "Social.xlsx")
    comments = [cell.comment.text for row in feedback["Actions"].iter_rows() for cell in row if cell.comment]
    assert any(said in comment for comment in comments)
