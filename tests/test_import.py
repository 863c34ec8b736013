"""make importer (issue 25): a new entity folder from an e-Comptes 201805V1 export. The round trip on the Engis
sample is compared field by field (the state files of both builds, the workbooks opened with openpyxl, the XML with
lxml); an iA.PST-shaped file built here imports with exactly the expected findings; hostile files stop the command
in French and leave DATA as it was."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from conftest import SAMPLE
from pipeline import contract as c
from pipeline.cli import main
from pipeline.findings import phrase
from pipeline.state import from_partial_iso

EXERCICE = "2023"


def snapshot(folder: Path) -> dict:
    return {path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))} if folder.exists() else {}


def import_file(source: Path, data: Path, *options: str) -> int:
    return main(["importer", "--source", str(source), "--data", str(data), *options])


def export(data: Path, build: Path) -> int:
    return main(["ecomptes", "--data", str(data), "--build", str(build), "--processus", "1", "--exercice", EXERCICE])


def xml_without_generator(path: Path) -> bytes:
    root = etree.parse(str(path)).getroot()
    generator = root.find("Identifiants/Generateur")
    generator.getparent().remove(generator)
    return etree.tostring(root, method="c14n")


def first_day(text: str | None):
    """A date as the export writes a start: its first day (« 2020 » → 1 January 2020)."""
    day = from_partial_iso(text) if text else None
    return day.first_day() if day else None


def last_day(text: str | None):
    day = from_partial_iso(text) if text else None
    return day.last_day() if day else None


def recorded(folder: Path) -> dict:
    import json

    return json.loads((folder / c.STATE_FILE).read_text(encoding="utf-8"))


# --- Round trip --------------------------------------------------------------------------------------------------
def test_the_engis_sample_comes_back_the_same_through_its_e_comptes_export(tmp_path, capsys):
    data, build = tmp_path / "data", tmp_path / "build"
    shutil.copytree(SAMPLE, data)
    assert export(data, build) == 0
    exports = sorted(build.glob("*/*_eComptes.xml"))
    assert len(exports) == 2
    imported, rebuilt = tmp_path / "imported", tmp_path / "rebuilt"
    for path in exports:
        assert import_file(path, imported) == 0
    said = capsys.readouterr().out
    assert "→ Dossier écrit" in said
    assert export(imported, rebuilt) == 0
    for original in sorted(p for p in data.iterdir() if (p / c.CADRE_FILE).is_file()):
        before = recorded(original)
        name = before["entity"]
        after = recorded(imported / name)
        assert (after["code"], after["legislature"]) == (before["code"], before["legislature"])
        assert after["objectives"] == before["objectives"]  # the same OS and OO, numbers and libellés
        order = lambda r: (c.VOLET_ORDER.index(r["volet"]), int(r["number"]))  # noqa: E731
        first, second = sorted(before["actions"], key=order), sorted(after["actions"], key=order)
        assert len(first) == len(second) > 0
        for a, b in zip(first, second):
            for key in ("volet", "oo_code", "number", "reference", "title", "status", "progress"):
                assert a[key] == b[key], (key, a["reference"])
            if a["status"] != c.STATUS_POSTPONED:  # santé travels only as PROBLEME (En cours, Blocage)
                assert (a["health"] == c.HEALTH_BLOCKED and a["status"] == c.STATUS_IN_PROGRESS) == \
                    (b["health"] == c.HEALTH_BLOCKED)
            assert first_day(a["start"]) == first_day(b["start"]) and last_day(a["end"]) == last_day(b["end"])
            assert (a["description"] or a["smart"]) == b["description"]
        code = before["code"]
        old = next(p for p in exports if f"_{code}_" in p.name)
        new = next(rebuilt.glob(f"*/PST_{code}_*_eComptes.xml"))
        assert xml_without_generator(old) == xml_without_generator(new)


def test_the_imported_workbooks_are_those_make_templates_prefills(tmp_path, capsys):
    """Each workbook holds the sheets of a pre-filled workbook, its « Réf. » the file's ElementIds, in the file's
    order; the cadre's parameters come from Identifiants and DescriptionPST."""
    data, build = tmp_path / "data", tmp_path / "build"
    shutil.copytree(SAMPLE / "engis-cpas", data / "engis-cpas")
    assert export(data, build) == 0
    source = next(build.glob("*/*_eComptes.xml"))
    assert import_file(source, tmp_path / "new") == 0
    folder = tmp_path / "new" / "CPAS d'Engis"
    root = etree.parse(str(source)).getroot()
    book = load_workbook(folder / c.CADRE_FILE)
    parameters = {row[0]: row[1] for row in book[c.PARAMETERS_SHEET.name].iter_rows(min_row=2, values_only=True)}
    assert parameters["Entité"] == "CPAS d'Engis" and parameters["Type"] == c.ENTITY_CPAS
    assert parameters["Législature"] == "2019-2024" and parameters["Code INS"] == root.findtext("Identifiants/INS")
    references = {}
    for workbook in sorted((folder / c.SERVICES_DIR).glob("*.xlsx")):
        sheets = load_workbook(workbook)
        assert sorted(sheets.sheetnames) == sorted(c.SERVICE_WORKBOOK_SHEETS)
        rows = list(sheets[c.ACTIONS_SHEET.name].iter_rows(values_only=True))
        headers = rows[0]
        for row in rows[1:]:
            if row[headers.index("Réf.")]:
                references[row[headers.index("Réf.")]] = (workbook.stem, row[headers.index("Libellé de l'action")])
    in_file = {a.get("ElementId"): (a.findtext("Departement"), a.findtext("Libelle")) for a in root.iter("Action")}
    assert references == in_file


# --- A file written the way iA.PST writes it ------------------------------------------------------------------
LONG = "Rénover " + "x" * 247


def ia_action(parent, element_id: str, title: str, status: str, department: str | None = "Travaux",
              description: str = "<p>Texte</p>") -> None:
    action = etree.SubElement(parent, "Action", ElementId=element_id, Exercice=EXERCICE)
    etree.SubElement(action, "Libelle").text = title
    etree.SubElement(action, "DateDebut").text = "2024-02-01"
    etree.SubElement(action, "DateFin").text = "2025-06-30"
    described = etree.SubElement(action, "Description")
    etree.SubElement(described, "Mode").text = "HTML"
    etree.SubElement(described, "Valeur").text = description
    etree.SubElement(action, "Statut").text = status
    person = etree.SubElement(action, "Mandataire")
    for tag, value in (("Civilite", "MADAME"), ("Nom", "Dupont"), ("Prenom", "Marie"), ("Tel", "041234567"),
                       ("eMail", "marie@example.org")):
        etree.SubElement(person, tag).text = value
    if department:
        etree.SubElement(action, "Departement").text = department
    etree.SubElement(action, "TauxAvancement").text = "40"
    remark = etree.SubElement(action, "RemarqueStatut")
    etree.SubElement(remark, "Mode").text = "HTML"
    etree.SubElement(remark, "Valeur").text = ""
    etree.SubElement(action, "ETP").text = "0.5"
    plans = etree.SubElement(action, "Plans")
    etree.SubElement(plans, "Plan").text = "PCS"
    etree.SubElement(action, "Partenaires")


def objective(parent, tag: str, element_id: str, title: str, children: str):
    element = etree.SubElement(parent, tag, ElementId=element_id, Exercice=EXERCICE)
    etree.SubElement(element, "Libelle").text = title
    described = etree.SubElement(element, "Description")
    etree.SubElement(described, "Mode").text = "HTML"
    etree.SubElement(described, "Valeur").text = "<ul><li>Premier indicateur</li><li>Second</li></ul>"
    etree.SubElement(element, "Statut").text = "EN_COURS"
    etree.SubElement(element, "TauxAvancement").text = "0"
    etree.SubElement(element, "ETP").text = "0"
    return etree.SubElement(element, children)


def ia_pst(path: Path) -> Path:
    root = etree.Element("dataroot")
    ids = etree.SubElement(root, "Identifiants")
    for tag, value in (("Id", "4521"), ("TypeAdmin", "AC"), ("INS", "61080"), ("Type", "PST"),
                       ("Exercice", EXERCICE), ("Version", "201805V1"), ("Generateur", "iA.PST")):
        etree.SubElement(ids, tag).text = value
    pst = etree.SubElement(root, "PST")
    described = etree.SubElement(pst, "DescriptionPST")
    for tag, value in (("IdPST", "pst-2019"), ("Libelle", "Commune de Modave"), ("ExerciceDebut", "2019"),
                       ("ExerciceFin", "2024")):
        etree.SubElement(described, tag).text = value
    strategic = objective(etree.SubElement(pst, "Volets"), "Volet", "v1", "NEANT", "ObjectifStrategiques")
    first = objective(strategic, "ObjectifStrategique", "os-a", "Être une commune verte", "ObjectifsOperationnels")
    actions = objective(first, "ObjectifOperationnel", "oo-a", "Planter", "Actions")
    ia_action(actions, "a1", "Planter des haies", "EN_ATTENTE",
              description="<p>Le contexte.</p><ul><li>Étape <b>un</b></li><li>Étape deux</li></ul>")
    ia_action(actions, "a2", "Réparer le pont", "PROBLEME")
    ia_action(actions, "a3", LONG, "TERMINE", department=None)
    objective(first, "ObjectifOperationnel", "oo-b", "Objectif sans action", "Actions")
    second = objective(strategic, "ObjectifStrategique", "os-b", "Être une administration efficace",
                       "ObjectifsOperationnels")
    ia_action(objective(second, "ObjectifOperationnel", "oo-c", "Former", "Actions"), "a4", "Former les agents",
              "NON_COMMENCE", department="Personnel")
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


def action_rows(path: Path) -> list[dict]:
    rows = list(load_workbook(path)[c.ACTIONS_SHEET.name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(row)]


def test_a_file_written_like_ia_pst_imports_with_exactly_the_expected_findings(tmp_path, capsys):
    source = ia_pst(tmp_path / "export.xml")
    data = tmp_path / "data"
    assert import_file(source, data) == 0
    out = capsys.readouterr().out
    from pipeline import importer

    imported = importer.read_export(source)
    codes = sorted((f.code, f.row) for f in imported.findings)
    tree = etree.parse(str(source)).getroot()
    lines = {e.get("ElementId"): e.sourceline for e in tree.iter() if e.get("ElementId")}
    lines["DescriptionPST"] = tree.find("PST/DescriptionPST").sourceline
    assert codes == sorted([
        ("import-volet-inconnu", lines["v1"]),
        ("import-libelle-coupe", lines["a3"]),
        ("import-sans-service", lines["oo-a"]),
        ("import-objectif-vide", lines["oo-b"]),
        ("import-statut-approche", None),
        ("import-statut-approche", None),
        ("import-nom-entite", lines["DescriptionPST"]),
        ("import-numeros-ordre", None),
    ])
    neant = next(f for f in imported.findings if f.code == "import-volet-inconnu")
    assert neant.params["objectives"] == [phrase("import-os-listed", number=number, title=title) for number, title
                                          in ((1, "Être une commune verte"), (2, "Être une administration efficace"))]
    assert "« NEANT »" in out and "volet externe" in out
    folder = data / "Commune de Modave"
    assert sorted(p.name for p in (folder / c.SERVICES_DIR).iterdir()) == [
        "Personnel.xlsx", "Travaux.xlsx", f"{importer.UNSORTED}.xlsx"]
    works = {row["Réf."]: row for row in action_rows(folder / c.SERVICES_DIR / "Travaux.xlsx")}
    assert (works["a1"]["Statut"], works["a1"]["Santé"]) == (c.STATUS_POSTPONED, c.HEALTH_RISK)
    assert (works["a2"]["Statut"], works["a2"]["Santé"]) == (c.STATUS_IN_PROGRESS, c.HEALTH_BLOCKED)
    assert works["a1"]["Description"] == "Le contexte.\n– Étape un\n– Étape deux"
    assert works["a1"]["Début"] == dt.datetime(2024, 2, 1) and works["a1"]["Taux d'avancement (%)"] == 40
    assert works["a1"]["Mandataire responsable"] == "Marie Dupont" and works["a1"]["ETP"] == 0.5
    unsorted = action_rows(folder / c.SERVICES_DIR / f"{importer.UNSORTED}.xlsx")
    assert [row["Libellé de l'action"] for row in unsorted] == [LONG]
    cadre = load_workbook(folder / c.CADRE_FILE)
    os_rows = list(cadre[c.STRATEGIC_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in os_rows if row[0]] == [
        (c.VOLET_EXTERNAL, "1", "Être une commune verte"), (c.VOLET_EXTERNAL, "2", "Être une administration efficace")]
    oo_rows = list(cadre[c.OPERATIONAL_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in oo_rows if row[0]] == ["1.1", "1.2", "2.1"]
    assert oo_rows[0][3] == "– Premier indicateur\n– Second"
    people = list(cadre[c.LISTS_SHEET.name].iter_rows(min_row=2, values_only=True))
    headers = [cell.value for cell in cadre[c.LISTS_SHEET.name][1]]
    person = dict(zip(headers, people[0]))
    assert (person["Personne"], person["Civilité"], person["Nom"], person["E-mail"]) == (
        "Marie Dupont", c.CIVILITY_MADAM, "Dupont", "marie@example.org")
    # the folder builds: make pst reads what make importer wrote
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0


# --- The import's report, the single volet placed in one place, duplicate identifiers ---------------------------
def report_rows(path: Path) -> list[dict]:
    from pipeline.outputs.report import COLUMNS

    book = load_workbook(path)
    sheet = book[phrase("report-findings-sheet")]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [title for title, _ in COLUMNS]
    return [dict(zip(("severity", "title", "file", "sheet", "row", "column", "header", "value", "message",
                      "suggestion", "code"), row)) for row in rows[1:]]


def test_the_import_findings_are_in_a_report_in_the_new_folder_that_make_pst_does_not_read(tmp_path, capsys):
    from pipeline import importer

    source = ia_pst(tmp_path / "export.xml")
    data = tmp_path / "data"
    assert import_file(source, data) == 0
    out = capsys.readouterr().out
    folder = data / "Commune de Modave"
    report = folder / importer.REPORT_NAME
    assert f"→ Rapport de l’import : {report}" in out
    expected = importer.read_export(source).findings
    rows = report_rows(report)
    assert sorted((r["code"], r["row"] or None, r["file"]) for r in rows) == \
        sorted((f.code, f.row, f.file) for f in expected)
    tree = etree.parse(str(source))
    for row in rows:  # each element's finding names its XML line and its path
        if row["code"] in ("import-volet-inconnu", "import-sans-service", "import-objectif-vide",
                           "import-libelle-coupe"):
            path = next(p for p in (tree.getpath(e) for e in tree.iter()) if f"({p})" in row["message"]
                        or f"de {p} " in row["message"])
            assert tree.xpath(path)[0].sourceline == row["row"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([c.CADRE_FILE, c.SERVICES_DIR, importer.REPORT_NAME])
    # make pst reads the cadre and services/ only: the report is neither a workbook nor a finding of the PST
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    built = capsys.readouterr().out
    assert importer.REPORT_NAME not in built
    assert all(row["file"] != importer.REPORT_NAME
               for row in report_rows(tmp_path / "build" / folder.name / "Rapport_validation.xlsx"))


@pytest.mark.parametrize("typed, moved, externe, renumbered", [
    ("2", "Être une administration efficace", "Être une commune verte",
     ["OS 2 → OS 1 du volet interne (OO 2.1 → 1.1)"]),
    ("OS 1; ", "Être une commune verte", "Être une administration efficace",
     ["OS 1 → OS 1 du volet interne", "OS 2 → OS 1 (OO 2.1 → 1.1)"]),
])
def test_the_single_volet_is_split_in_one_place_by_the_interne_option(tmp_path, capsys, typed, moved, externe,
                                                                       renumbered):
    source = ia_pst(tmp_path / "export.xml")
    data = tmp_path / "data"
    assert import_file(source, data, "--interne", typed) == 0
    out = capsys.readouterr().out
    assert "relancez l’import avec leurs numéros" not in out and "n’est ni le volet externe ni le volet interne" in out
    for text in renumbered:
        assert text in out
    folder = data / "Commune de Modave"
    cadre = load_workbook(folder / c.CADRE_FILE)
    os_rows = [row[:3] for row in cadre[c.STRATEGIC_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)
               if row[0]]
    assert os_rows == [(c.VOLET_EXTERNAL, "1", externe), (c.VOLET_INTERNAL, "1", moved)]
    oo_rows = [row[:3] for row in cadre[c.OPERATIONAL_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)
               if row[0]]
    first = [(c.VOLET_EXTERNAL if moved != "Être une commune verte" else c.VOLET_INTERNAL, "1.1", "Planter"),
             (c.VOLET_EXTERNAL if moved != "Être une commune verte" else c.VOLET_INTERNAL, "1.2",
              "Objectif sans action")]
    second = [(c.VOLET_INTERNAL if moved != "Être une commune verte" else c.VOLET_EXTERNAL, "1.1", "Former")]
    assert sorted(oo_rows) == sorted(first + second)
    in_workbooks = {}
    for workbook in (folder / c.SERVICES_DIR).glob("*.xlsx"):
        for row in action_rows(workbook):
            in_workbooks[row["Réf."]] = (row["Volet"], row["N° OO"])
    green = c.VOLET_INTERNAL if moved == "Être une commune verte" else c.VOLET_EXTERNAL
    other = c.VOLET_EXTERNAL if green == c.VOLET_INTERNAL else c.VOLET_INTERNAL
    assert in_workbooks == {"a1": (green, "1.1"), "a2": (green, "1.1"), "a3": (green, "1.1"), "a4": (other, "1.1")}
    codes = [row["code"] for row in report_rows(folder / "Rapport_import.xlsx")]
    assert codes.count("import-volet-reparti") == 1 and "import-volet-inconnu" not in codes
    # make pst builds both volets, without an error
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    state = recorded(folder)
    assert {a["reference"]: a["volet"] for a in state["actions"]} == {"a1": green, "a2": green, "a3": green,
                                                                       "a4": other}
    assert {c.VOLET_EXTERNAL, c.VOLET_INTERNAL} <= {a["volet"] for a in state["actions"]}


@pytest.mark.parametrize("typed, says", [
    ("2,7; OS 9", "« --interne » : 7 et 9 ne désignent aucun objectif stratégique du volet unique de « export.xml » "
                  "(ses objectifs sont numérotés 1, 2). Rien n’a été écrit."),
    ("deux", "« deux » n’est pas une liste de numéros d’objectifs stratégiques pour « --interne »"),
    ("0", "0 ne désigne aucun objectif stratégique"),
])
def test_an_unknown_os_for_interne_stops_in_french_and_writes_nothing(tmp_path, capsys, typed, says):
    source = ia_pst(tmp_path / "export.xml")
    data = tmp_path / "data"
    data.mkdir()
    before = snapshot(data)
    assert import_file(source, data, "--interne", typed) == 2
    err = capsys.readouterr().err
    assert err.startswith("Import impossible : ") and says in err and "Traceback" not in err
    assert snapshot(data) == before


def test_interne_on_a_file_whose_volets_are_already_known_is_refused(tmp_path, capsys):
    data, build = tmp_path / "data", tmp_path / "build"
    shutil.copytree(SAMPLE / "engis-cpas", data / "engis-cpas")
    assert export(data, build) == 0
    source = next(build.glob("*/*_eComptes.xml"))
    capsys.readouterr()
    assert import_file(source, tmp_path / "new", "--interne", "1") == 2
    assert "ses volets sont déjà externe et interne" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_the_warning_tells_the_command_to_rerun_as_make_and_make_passes_interne_on(tmp_path):
    """Through the Makefile itself: the warning names « make importer SOURCE=… DATA=… INTERNE=… », and INTERNE
    given to make reaches the importer."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    source = ia_pst(tmp_path / "export.xml")
    first, second = tmp_path / "first", tmp_path / "second"
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "importer", f"SOURCE={source}", f"DATA={first}"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"relancez l’import avec leurs numéros : « make importer SOURCE={source} DATA={first} INTERNE=… » " \
           "(par exemple INTERNE=2)" in done.stdout
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "importer", f"SOURCE={source}", f"DATA={second}",
                           "INTERNE=OS2"], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(INTERNE=2)" in done.stdout
    cadre = load_workbook(second / "Commune de Modave" / c.CADRE_FILE)
    assert [row[:2] for row in cadre[c.STRATEGIC_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)
            if row[0]] == [(c.VOLET_EXTERNAL, "1"), (c.VOLET_INTERNAL, "1")]


def test_a_duplicate_identifier_keeps_the_first_ref_and_the_second_gets_a_new_one(tmp_path, capsys):
    source = ia_pst(tmp_path / "export.xml")
    tree = etree.parse(str(source))
    second = tree.xpath("//Action[@ElementId='a4']")[0]
    second.set("ElementId", "a1")
    tree.write(str(source), xml_declaration=True, encoding="UTF-8")
    data = tmp_path / "data"
    assert import_file(source, data) == 0
    folder = data / "Commune de Modave"
    rows = report_rows(folder / "Rapport_import.xlsx")
    double = [r for r in rows if r["code"] == "import-ref-en-double"]
    assert [(r["row"], r["value"]) for r in double] == [(second.sourceline, "a1")]
    staff = action_rows(folder / c.SERVICES_DIR / "Personnel.xlsx")
    assert [(row["Réf."], row["Libellé de l'action"]) for row in staff] == [(None, "Former les agents")]
    works = action_rows(folder / c.SERVICES_DIR / "Travaux.xlsx")
    assert [row["Réf."] for row in works] == ["a1", "a2"]
    # make pst builds (no « Réf. en double »): the second action receives a reference of its own
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    references = [a["reference"] for a in recorded(folder)["actions"]]
    assert len(set(references)) == 4 and "a1" in references


# --- Never overwrite, hostile files ------------------------------------------------------------------------------
def test_an_existing_folder_is_never_touched_the_new_one_is_written_beside(tmp_path, capsys):
    source = ia_pst(tmp_path / "export.xml")
    data = tmp_path / "data"
    (data / "Commune de Modave").mkdir(parents=True)
    (data / "Commune de Modave" / "notes.txt").write_text("à garder", encoding="utf-8")
    before = snapshot(data / "Commune de Modave")
    assert import_file(source, data) == 0
    assert "existe déjà" in capsys.readouterr().out
    assert snapshot(data / "Commune de Modave") == before
    assert (data / "Commune de Modave (2)" / c.CADRE_FILE).is_file()
    assert sorted(p.name for p in data.iterdir()) == ["Commune de Modave", "Commune de Modave (2)"]


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
                  b"<dataroot>&lol3;</dataroot>\n")


@pytest.mark.parametrize("content, says", [
    (b"Nom;Statut\nPlanter;EN_COURS\n", "n’est pas un fichier XML lisible (ligne 1)"),
    (b"PK\x03\x04" + b"\x00" * 100, "n’est pas un fichier XML lisible"),
    (b'<?xml version="1.0"?>\n<dataroot>\n<Identifiants>\n</dataroot>\n', "n’est pas un fichier XML lisible (ligne 4)"),
    (b'<?xml version="1.0"?>\n<root><Identifiants/></root>\n', "son élément racine est « root » (ligne 2)"),
    (b'<?xml version="1.0"?>\n<dataroot><Identifiants><Version>201205V1</Version></Identifiants></dataroot>\n',
     "suit la version « 201205V1 »"),
    (BILLION_LAUGHS, "refusé par prudence"),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<dataroot>\n<Libelle>Améliorer</Libelle>\n</dataroot>\n'
     .encode("latin-1"), "annonce l’encodage UTF-8, mais la ligne 3"),
    (b'<?xml version="1.0" encoding="klingon"?>\n<dataroot/>\n', "encodage inconnu (klingon)"),
    (b"<dataroot><Identifiants><Version>201805V1</Version><TypeAdmin>AC</TypeAdmin></Identifiants>"
     b"<PST><DescriptionPST><ExerciceDebut>2019</ExerciceDebut><ExerciceFin>2024</ExerciceFin></DescriptionPST>"
     b"<Volets><Volet><Libelle>NEANT</Libelle><TauxAvancement>cent</TauxAvancement></Volet></Volets></PST>"
     b"</dataroot>", "« cent » n’est pas une valeur possible de « TauxAvancement »"),
    (b"<dataroot><Identifiants><Version>201805V1</Version><TypeAdmin>AC</TypeAdmin></Identifiants>"
     b"<PST><DescriptionPST><ExerciceDebut>2025</ExerciceDebut><ExerciceFin>2025</ExerciceFin></DescriptionPST>"
     b"<Volets/></PST></dataroot>", "ExerciceDebut « 2025 » et ExerciceFin « 2025 » ne forment pas une législature"),
])
def test_a_hostile_or_foreign_file_stops_in_french_and_changes_nothing(tmp_path, capsys, content, says):
    data = tmp_path / "data"
    data.mkdir()
    (data / "README.txt").write_text("déjà là", encoding="utf-8")
    before = snapshot(data)
    source = tmp_path / "export.xml"
    source.write_bytes(content)
    assert import_file(source, data) == 2
    err = capsys.readouterr().err
    assert err.startswith("Import impossible : ") and says in err and "Traceback" not in err
    assert snapshot(data) == before


def test_a_file_of_fifty_megabytes_is_refused_before_it_is_read(tmp_path, capsys):
    source = tmp_path / "export.xml"
    with source.open("wb") as stream:
        stream.write(b"<dataroot>")
        stream.truncate(50 * 1024 * 1024)
    data = tmp_path / "data"
    assert import_file(source, data) == 2
    assert "pèse 50 Mo" in capsys.readouterr().err
    assert not data.exists()


def test_no_source_and_an_entity_folder_as_data_are_said(tmp_path, capsys):
    assert main(["importer", "--data", str(tmp_path)]) == 2
    assert "Indiquez le fichier e-Comptes à importer : « pst importer --source fichier.xml »" in \
        capsys.readouterr().err
    source = ia_pst(tmp_path / "export.xml")
    shutil.copytree(SAMPLE / "engis-cpas", tmp_path / "cpas")
    before = snapshot(tmp_path / "cpas")
    assert import_file(source, tmp_path / "cpas") == 2
    assert "est le dossier d’une entité" in capsys.readouterr().err
    assert snapshot(tmp_path / "cpas") == before


# --- Services, numbers and texts as other tools write them -------------------------------------------------------
def xml_actions(source: Path) -> list[tuple[str, str]]:
    """Each action of the file (its ElementId, its Departement), read with lxml alone."""
    return [(a.get("ElementId"), (a.findtext("Departement") or "").strip())
            for a in etree.parse(str(source)).getroot().iter("Action")]


def workbook_actions(folder: Path) -> dict[str, tuple[str, str]]:
    """Each written action's Réf.: its workbook and its « Service gestionnaire »."""
    found = {}
    for workbook in sorted((folder / c.SERVICES_DIR).glob("*.xlsx")):
        for row in action_rows(workbook):
            assert row["Réf."] not in found, row["Réf."]
            found[row["Réf."]] = (workbook.name, row["Service gestionnaire"])
    return found


def test_services_spelled_differently_are_one_and_no_action_is_ever_lost(tmp_path, capsys):
    source = ia_pst(tmp_path / "export.xml")
    root = etree.parse(str(source)).getroot()
    actions = root.find(".//ObjectifOperationnel/Actions")
    spellings = ["Travaux", "Travaux  ", "Travaux.", "travaux", "Travaux / Voirie", "CON", "Service-CON"]
    for index, spelling in enumerate(spellings * 2):
        ia_action(actions, f"s{index}", f"Action {index}", "EN_COURS", department=spelling)
    source.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    data = tmp_path / "data"
    assert import_file(source, data) == 0
    out = capsys.readouterr().out
    folder = data / "Commune de Modave"
    in_file = xml_actions(source)
    written = workbook_actions(folder)
    assert len(written) == len(in_file) and set(written) == {ref for ref, _ in in_file}
    files = sorted(p.name.casefold() for p in (folder / c.SERVICES_DIR).iterdir())
    assert len(files) == len(set(files))  # none would overwrite another on Windows or macOS
    for ref, department in in_file:
        if c.fold(department) == "travaux":
            assert written[ref] == ("Travaux.xlsx", "Travaux")
    assert written["s4"][1] == "Travaux / Voirie" and written["s5"][1] == "CON"
    assert written["s6"][1] == "Service-CON" and written["s5"][0] != written["s6"][0]
    assert out.count("de plusieurs façons") == 1 and "« Travaux », « Travaux. », « travaux »" in out
    cadre = load_workbook(folder / c.CADRE_FILE)[c.LISTS_SHEET.name]
    headers = [cell.value for cell in cadre[1]]
    listed = [row[headers.index("Services")] for row in cadre.iter_rows(min_row=2, values_only=True)
              if row[headers.index("Services")]]
    assert sorted(listed) == sorted(["Travaux", "Personnel", "Travaux / Voirie", "CON", "Service-CON"])
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    assert "renvoyé de classeur" not in capsys.readouterr().out


def test_the_numbers_are_said_to_be_the_files_order_since_the_file_does_not_carry_them(tmp_path, capsys):
    """An adopted PST whose action 2 was withdrawn: the export writes no number (ElementId is the Réf., Libelle the
    title), so the import numbers in the file's order — and says so."""
    data, build = tmp_path / "data", tmp_path / "build"
    shutil.copytree(SAMPLE / "engis-cpas", data / "engis-cpas")
    assert export(data, build) == 0
    source = next(build.glob("*/*_eComptes.xml"))
    root = etree.parse(str(source)).getroot()
    withdrawn = next(root.iter("Action"))
    withdrawn.getparent().remove(withdrawn)
    source.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert import_file(source, tmp_path / "new") == 0
    out = capsys.readouterr().out
    count = len(list(root.iter("Action")))
    assert "ne porte pas les numéros des actions" in out and f"les {count} actions sont numérotées" in out
    assert main(["pst", "--data", str(tmp_path / "new"), "--build", str(tmp_path / "rebuilt"), "--processus", "1"]) == 0
    after = recorded(tmp_path / "new" / "CPAS d'Engis")["actions"]
    for volet in c.VOLET_ORDER:
        in_file = [a.get("ElementId") for v in root.iter("Volet") if v.get("ElementId").endswith(
            {c.VOLET_EXTERNAL: "-EXT", c.VOLET_INTERNAL: "-INT"}[volet]) for a in v.iter("Action")]
        numbers = {a["reference"]: a["number"] for a in after if a["volet"] == volet}
        assert [numbers[ref] for ref in in_file] == [str(n) for n in range(1, len(in_file) + 1)]


def prefixed_ia_pst(path: Path, oo_under_os2: str = "OO.3.1") -> Path:
    """The iA.PST-shaped file, its libellés numbered the way iA.PST writes them."""
    source = ia_pst(path)
    root = etree.parse(str(source)).getroot()
    prefixes = {"os-a": "OS.1 - ", "os-b": "OS.3 - ", "oo-a": "OO.1.1 - ", "oo-b": "OO.1.2 - ",
                "oo-c": f"{oo_under_os2} - ", "a1": "A.1.1.1 - ", "a2": "A.1.1.2 - SA.1 - ", "a4": "A.3.1.1 - "}
    for element in root.iter():
        if element.get("ElementId") in prefixes:
            libelle = element.find("Libelle")
            libelle.text = prefixes[element.get("ElementId")] + libelle.text
    source.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return source


@pytest.mark.parametrize("oo_under_os2, codes", [("OO.3.1", (["1", "3"], ["1.1", "1.2", "3.1"])),
                                                 ("OO.1.3", (["1", "2"], ["1.1", "1.2", "2.1"]))])
def test_ia_pst_numbering_is_taken_off_the_libelles_and_kept_when_coherent(tmp_path, capsys, oo_under_os2, codes):
    source = prefixed_ia_pst(tmp_path / "export.xml", oo_under_os2)
    assert import_file(source, tmp_path / "data") == 0
    out = capsys.readouterr().out
    assert out.count("par la numérotation de l’outil d’origine") == 1 and "8 libellés commençaient" in out
    folder = tmp_path / "data" / "Commune de Modave"
    cadre = load_workbook(folder / c.CADRE_FILE)
    os_rows = [row for row in cadre[c.STRATEGIC_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)
               if row[0]]
    oo_rows = [row for row in cadre[c.OPERATIONAL_OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)
               if row[0]]
    assert [row[2] for row in os_rows] == ["Être une commune verte", "Être une administration efficace"]
    assert [row[2] for row in oo_rows] == ["Planter", "Objectif sans action", "Former"]
    assert ([row[1] for row in os_rows], [row[1] for row in oo_rows]) == codes
    titles = {ref: title for ref, (_, title) in (
        (row["Réf."], (None, row["Libellé de l'action"])) for workbook in (folder / c.SERVICES_DIR).glob("*.xlsx")
        for row in action_rows(workbook))}
    assert (titles["a1"], titles["a2"], titles["a4"]) == ("Planter des haies", "Réparer le pont", "Former les agents")
    assert main(["pst", "--data", str(tmp_path / "data"), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0


@pytest.mark.parametrize("value, text", [
    ("<p>Le contexte.</p><ul><li>Étape <b>un</b></li><li>Étape deux</li></ul>", "Le contexte.\n– Étape un\n– Étape deux"),
    ("Rénover&nbsp;la voirie &amp; les trottoirs<br>phase 2", "Rénover la voirie & les trottoirs\nphase 2"),
    ("Si coût < 5000 € et délai > 3 mois : <à compléter>", "Si coût < 5000 € et délai > 3 mois : <à compléter>"),
    ("Texte simple\nsur deux lignes", "Texte simple\nsur deux lignes"),
])
def test_html_in_a_description_said_to_be_texte_becomes_text_plain_text_stays(tmp_path, capsys, value, text):
    source = ia_pst(tmp_path / "export.xml")
    root = etree.parse(str(source)).getroot()
    action = next(a for a in root.iter("Action") if a.get("ElementId") == "a2")
    action.find("Description/Mode").text = "TEXTE"
    action.find("Description/Valeur").text = value
    source.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert import_file(source, tmp_path / "data") == 0
    rows = action_rows(tmp_path / "data" / "Commune de Modave" / c.SERVICES_DIR / "Travaux.xlsx")
    assert next(row for row in rows if row["Réf."] == "a2")["Description"] == text


def test_actions_without_a_service_are_said_once_per_objective_and_take_its_departement(tmp_path, capsys):
    source = ia_pst(tmp_path / "export.xml")
    root = etree.parse(str(source)).getroot()
    oo_a, oo_c = (next(e for e in root.iter("ObjectifOperationnel") if e.get("ElementId") == key)
                  for key in ("oo-a", "oo-c"))
    for index in range(3):
        ia_action(oo_a.find("Actions"), f"u{index}", f"Sans service {index}", "EN_COURS", department=None)
        ia_action(oo_c.find("Actions"), f"v{index}", f"Sans service ici {index}", "EN_COURS", department=None)
    etree.SubElement(oo_c, "Departement").text = "Urbanisme"
    source.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert import_file(source, tmp_path / "data") == 0
    out = capsys.readouterr().out
    from pipeline import importer

    found = [f for f in importer.read_export(source).findings
             if f.code in ("import-sans-service", "import-service-objectif")]
    assert sorted((f.code, f.params["count"]) for f in found) == [
        ("import-sans-service", 4), ("import-service-objectif", 3)]
    assert "celui de l’objectif, « Urbanisme »" in out and out.count("n’ont pas de service") == 2
    written = workbook_actions(tmp_path / "data" / "Commune de Modave")
    assert len(written) == len(xml_actions(source))
    assert {written[f"v{i}"] for i in range(3)} == {("Urbanisme.xlsx", "Urbanisme")}
    assert {written[f"u{i}"][0] for i in range(3)} | {written["a3"][0]} == {f"{importer.UNSORTED}.xlsx"}


def test_a_folder_as_source_a_file_as_data_or_a_services_folder_are_told_as_such(tmp_path, capsys):
    """What the coordinator mistyped is named for what it is, and nothing is written."""
    source = tmp_path / "export.xml"
    source.write_bytes(b"<dataroot/>")
    assert import_file(tmp_path, tmp_path / "data") == 2
    assert "est un dossier : indiquez le fichier XML exporté" in capsys.readouterr().err
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    assert import_file(source, not_a_folder) == 2
    assert "n’est pas un dossier" in capsys.readouterr().err and not_a_folder.read_text(encoding="utf-8") == "x"
    services = tmp_path / "ville" / "services"
    services.mkdir(parents=True)
    assert import_file(source, services) == 2
    assert "est le dossier des classeurs d’une entité" in capsys.readouterr().err
    assert list(services.iterdir()) == []
