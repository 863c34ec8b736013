"""The export to the Region (issue 14): the XML of e-Comptes' import schema 201805V1. Its structure is checked here
from the schema's rules as the tests state them (order, vocabularies, lengths, required elements), and every
mapping and roll-up against figures recomputed from the workbooks (read with openpyxl, not with the pipeline)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
from lxml import etree

from conftest import SAMPLE, action, make_entity
from pipeline.cli import main
from test_rapport import sample_actions, sheet_rows

EXERCICE = "2022"
STATUSES = {"ANNULE_ABANDONNE", "NON_COMMENCE", "EN_COURS", "EN_ATTENTE", "PROBLEME", "TERMINE"}
BASE = ["Libelle", "DateDebut?", "DateFin?", "Description", "Statut", "Responsable?", "Mandataire?", "Departement?",
        "TauxAvancement", "RemarqueStatut", "ETP", "Plans", "Partenaires"]
CHILDREN = {"Volet": "ObjectifStrategiques", "ObjectifStrategique": "ObjectifsOperationnels",
            "ObjectifOperationnel": "Actions", "Action": None}
PERSON = ["Civilite", "Nom", "Prenom", "Tel", "eMail"]
LIMITS = {"Libelle": 255, "Nom": 100, "Prenom": 50, "Tel": 15, "eMail": 255, "IdPST": 40, "Generateur": 50}
MAPPING = {"À démarrer": "NON_COMMENCE", "En cours": "EN_COURS", "Reportée": "EN_ATTENTE", "Terminée": "TERMINE",
           "Abandonnée": "ANNULE_ABANDONNE", "": "NON_COMMENCE"}


def export(data: Path, build: Path, *extra: str) -> int:
    return main(["ecomptes", "--data", str(data), "--build", str(build), "--processus", "1", *extra])


def sequence_pattern(names: list[str]) -> re.Pattern:
    """A regular expression over the children's tag names (« ? »: optional), in the schema's order."""
    parts = [f"(?:{name[:-1]} )?" if name.endswith("?") else f"{name} " for name in names]
    return re.compile("^" + "".join(parts) + "$")


def tags(element) -> str:
    return "".join(f"{child.tag} " for child in element)


def check_structure(root) -> None:
    """Every rule of the schema the export must follow, stated here independently of the code that writes it."""
    assert [child.tag for child in root] == ["Identifiants", "PST"]
    assert tags(root.find("Identifiants")) == "Id TypeAdmin INS Type Exercice Version Generateur "
    assert root.findtext("Identifiants/TypeAdmin") in ("AC", "CPAS")
    assert root.findtext("Identifiants/INS").isdigit()
    assert root.findtext("Identifiants/Type") == "PST"
    assert root.findtext("Identifiants/Version") == "201805V1"
    assert tags(root.find("PST")) == "DescriptionPST Volets "
    assert tags(root.find("PST/DescriptionPST")) == "IdPST Libelle ExerciceDebut ExerciceFin "
    assert [child.tag for child in root.find("PST/Volets")] == ["Volet", "Volet"]
    for element in root.iter(*CHILDREN):
        after = CHILDREN[element.tag]
        assert sequence_pattern(BASE + ([after + "?"] if after else [])).match(tags(element)), tags(element)
        assert element.get("ElementId") and element.get("Exercice") == EXERCICE
        assert element.findtext("Statut") in STATUSES
        for description in ("Description", "RemarqueStatut"):
            assert tags(element.find(description)) == "Mode Valeur "
            assert element.findtext(f"{description}/Mode") == "TEXTE"
        assert 0 <= float(element.findtext("TauxAvancement")) <= 100
        assert float(element.findtext("ETP")) >= 0
        assert all(child.tag == "Plan" for child in element.find("Plans"))
        assert all(child.tag == "Partenaire" for child in element.find("Partenaires"))
        for tag in ("DateDebut", "DateFin"):
            if element.find(tag) is not None:
                dt.date.fromisoformat(element.findtext(tag))
        for person in ("Responsable", "Mandataire"):
            if element.find(person) is not None:
                assert tags(element.find(person)) == " ".join(PERSON) + " "
                assert element.findtext(f"{person}/Civilite") in ("MADAME", "MONSIEUR")
        if after and element.find(after) is not None:
            child = {"ObjectifStrategiques": "ObjectifStrategique", "ObjectifsOperationnels": "ObjectifOperationnel",
                     "Actions": "Action"}[after]
            assert all(item.tag == child for item in element.find(after))
    for tag, limit in LIMITS.items():
        assert all(len(item.text or "") <= limit for item in root.iter(tag)), tag
    ids = [element.get("ElementId") for element in root.iter(*CHILDREN)]
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory):
    build = tmp_path_factory.mktemp("ecomptes")
    assert export(SAMPLE, build, "--exercice", EXERCICE) == 0
    return build


def parsed(path: Path):
    return etree.parse(str(path)).getroot()


def first_day(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    parts = [int(p) for p in str(value).split("/")]
    if len(parts) == 3:
        return dt.date(parts[2], parts[1], parts[0]).isoformat()
    if len(parts) == 2:
        return dt.date(parts[1], parts[0], 1).isoformat()
    return dt.date(parts[0], 1, 1).isoformat()


def test_the_sample_exports_with_the_schema_s_structure_and_two_real_volets(sample_export):
    for folder, code, admin in (("engis-commune", "COMMUNE", "AC"), ("engis-cpas", "CPAS", "CPAS")):
        root = parsed(sample_export / folder / f"PST_{code}_2019-2024_eComptes.xml")
        check_structure(root)
        assert root.findtext("Identifiants/TypeAdmin") == admin
        assert root.findtext("Identifiants/INS") == "61080"
        assert root.findtext("Identifiants/Exercice") == EXERCICE
        assert (root.findtext("PST/DescriptionPST/ExerciceDebut"), root.findtext("PST/DescriptionPST/ExerciceFin")) \
            == ("2019", "2024")
        volets = root.findall("PST/Volets/Volet")
        assert [v.findtext("Libelle").split(" – ")[0] for v in volets] == ["Volet externe", "Volet interne"]
        assert "NEANT" not in etree.tostring(root, encoding="unicode")
        actions = sample_actions(SAMPLE / folder)
        assert len(root.findall(".//Action")) == len(actions)


def test_each_action_s_status_dates_progress_etp_and_people(sample_export):
    actions = {a["title"]: a for a in sample_actions(SAMPLE / "engis-commune")}
    rows = {}
    for path in (SAMPLE / "engis-commune" / "services").glob("*.xlsx"):
        for row in sheet_rows(path, "Actions", "Libellé de l'action"):
            rows[row["Libellé de l'action"]] = row
    people = {r["Personne"]: r for r in sheet_rows(SAMPLE / "engis-commune" / "cadre.xlsx", "Listes", "Services")
              if r.get("Personne")}
    root = parsed(sample_export / "engis-commune" / "PST_COMMUNE_2019-2024_eComptes.xml")
    for element in root.iter("Action"):
        title = element.findtext("Libelle")
        row, expected = rows[title], actions[title]
        status = MAPPING[expected["status"]]
        if status == "EN_COURS" and expected["health"] == "Blocage":
            status = "PROBLEME"
        assert element.findtext("Statut") == status, title
        assert float(element.findtext("TauxAvancement")) == pytest.approx(expected["progress"])
        assert float(element.findtext("ETP")) == pytest.approx(float(row.get("ETP") or 0))
        assert element.findtext("DateDebut") == first_day(row["Début"])
        assert element.findtext("DateFin") == expected["end"].isoformat()
        assert element.findtext("Departement") == expected["service"]
        assert element.findtext("RemarqueStatut/Valeur") == (row.get("Commentaire") or "")
        assert [p.text for p in element.iter("Plan")] == [p.strip() for p in (row.get("Plans concernés") or "")
                                                            .split(";") if p.strip()]
        assert [p.text for p in element.iter("Partenaire")] == [p.strip() for p in (row.get("Partenaire(s)") or "")
                                                                 .split(";") if p.strip()]
        for tag, header in (("Mandataire", "Mandataire responsable"), ("Responsable", "Responsable administratif")):
            if not row.get(header):
                assert element.find(tag) is None
                continue
            person = people[row[header]]
            assert element.findtext(f"{tag}/Nom") == person["Nom"]
            assert element.findtext(f"{tag}/Prenom") == person["Prénom"]
            assert element.findtext(f"{tag}/Civilite") == person["Civilité"].upper()
            assert element.findtext(f"{tag}/Tel") == person["Téléphone"].replace(" ", "")
    assert {e.get("ElementId") for e in root.iter("Action")} >= {"TRV-01", "ENV-01", "ADL-01", "LOG-01"}


def test_objectives_roll_up_the_progress_etp_and_statuses_of_their_actions(sample_export):
    actions = sample_actions(SAMPLE / "engis-cpas")
    fte = {}
    for path in (SAMPLE / "engis-cpas" / "services").glob("*.xlsx"):
        for row in sheet_rows(path, "Actions", "Libellé de l'action"):
            fte[row["Libellé de l'action"]] = float(row.get("ETP") or 0)
    root = parsed(sample_export / "engis-cpas" / "PST_CPAS_2019-2024_eComptes.xml")
    by_oo, by_os, by_volet = defaultdict(list), defaultdict(list), defaultdict(list)
    for a in actions:
        key = "EXT" if a["volet"] == "Externe" else "INT"
        by_oo[f"CPAS-{key}-OO{a['oo']}"].append(a)
        by_os[f"CPAS-{key}-OS{a['os']}"].append(a)
        by_volet[f"CPAS-{key}"].append(a)
    for tag, groups in (("ObjectifOperationnel", by_oo), ("ObjectifStrategique", by_os), ("Volet", by_volet)):
        elements = root.findall(f".//{tag}")
        assert {e.get("ElementId") for e in elements} >= set(groups)
        for element in elements:
            group = groups.get(element.get("ElementId"), [])
            mean = sum(a["progress"] for a in group) / len(group) if group else 0
            assert float(element.findtext("TauxAvancement")) == pytest.approx(mean, abs=0.005), element.get("ElementId")
            assert float(element.findtext("ETP")) == pytest.approx(sum(fte[a["title"]] for a in group))
            statuses = {MAPPING[a["status"]] for a in group} - {"ANNULE_ABANDONNE"}
            if statuses == {"TERMINE"}:
                assert element.findtext("Statut") == "TERMINE"
            elif statuses & {"EN_COURS", "TERMINE"} and "PROBLEME" not in statuses:
                assert element.findtext("Statut") == "EN_COURS"


# --- Small entities: mappings and hostile values ------------------------------------------------------------------
PARAMETERS = {"Code INS": "92094", "Législature": "2019-2024"}  # EXERCICE (2022) within it


def ville(tmp_path: Path, rows: list[dict], parameters: dict | None = None, lists: bool = True) -> Path:
    folder = make_entity(tmp_path / "ville", {"Service.xlsx": rows}, {**PARAMETERS, **(parameters or {})})
    if lists:
        from openpyxl import load_workbook

        book = load_workbook(folder / "cadre.xlsx")
        sheet = book.create_sheet("Listes")
        for r, values in enumerate([("Personne", "Civilité", "Nom", "Prénom", "Téléphone", "E-mail"),
                                    ("Échevine des Finances", "Mme", "Dupont", "Marie", "081 23 45 67",
                                     "marie.dupont@exemple.be")], start=1):
            for col, value in enumerate(values, start=1):
                sheet.cell(row=r, column=col, value=value)
        book.save(folder / "cadre.xlsx")
    return folder


def only_xml(build: Path):
    [path] = list(build.rglob("*_eComptes.xml"))
    return parsed(path)


def test_statuses_are_mapped_and_a_blocked_action_is_a_problem(tmp_path):
    rows = [action(title="A", Statut="À démarrer"), action(title="B", Statut="En cours", Santé="Blocage"),
            action(title="C", Statut="En cours", Santé="Risque"), action(title="D", Statut="Reportée"),
            action(title="E", Statut="Terminée"), action(title="F", Statut="Abandonnée"), action(title="G")]
    assert export(ville(tmp_path, rows), tmp_path / "build", "--exercice", EXERCICE) == 0
    root = only_xml(tmp_path / "build")
    check_structure(root)
    statuses = {e.findtext("Libelle"): e.findtext("Statut") for e in root.iter("Action")}
    assert statuses == {"A": "NON_COMMENCE", "B": "PROBLEME", "C": "EN_COURS", "D": "EN_ATTENTE", "E": "TERMINE",
                        "F": "ANNULE_ABANDONNE", "G": "NON_COMMENCE"}
    [oo] = [e for e in root.iter("ObjectifOperationnel") if e.find("Actions") is not None and len(e.find("Actions"))]
    assert oo.findtext("Statut") == "PROBLEME"  # one of its actions is blocked
    assert float(oo.findtext("TauxAvancement")) == pytest.approx(100 / 7, abs=0.005)  # E counts 100, others 0


def test_objective_status_rule():
    from pipeline.outputs.ecomptes import objective_status

    assert objective_status([]) == "NON_COMMENCE"
    assert objective_status(["ANNULE_ABANDONNE"] * 2) == "ANNULE_ABANDONNE"
    assert objective_status(["TERMINE", "ANNULE_ABANDONNE"]) == "TERMINE"
    assert objective_status(["TERMINE", "NON_COMMENCE"]) == "EN_COURS"
    assert objective_status(["EN_ATTENTE", "EN_ATTENTE"]) == "EN_ATTENTE"
    assert objective_status(["EN_ATTENTE", "NON_COMMENCE"]) == "NON_COMMENCE"
    assert objective_status(["EN_COURS", "PROBLEME", "TERMINE"]) == "PROBLEME"


def test_hostile_text_long_libelles_and_dates_typed_to_the_month(tmp_path, capsys):
    long_title = "Rénover " + " ".join(["l’école & <la> crèche 🏫"] * 14)
    rows = [action(title=long_title, Statut="En cours", Début="03/2025", Fin="2027",
                   Commentaire="Budget < 10 000 € & subside « UREBA » 👍", Description="Ligne 1\nLigne 2")]
    assert export(ville(tmp_path, rows), tmp_path / "build", "--exercice", EXERCICE) == 0
    out = capsys.readouterr().out
    assert "255 caractères" in out
    root = only_xml(tmp_path / "build")
    check_structure(root)
    [element] = root.iter("Action")
    libelle = element.findtext("Libelle")
    assert len(long_title) > 255 and len(libelle) <= 255 and libelle.endswith("…")
    assert long_title.startswith(libelle[:-1].rstrip())
    assert element.findtext("Description/Valeur").startswith(long_title)
    assert "Ligne 1\nLigne 2" in element.findtext("Description/Valeur")
    assert element.findtext("RemarqueStatut/Valeur") == "Budget < 10 000 € & subside « UREBA » 👍"
    assert (element.findtext("DateDebut"), element.findtext("DateFin")) == ("2025-03-01", "2027-12-31")


def test_people_named_in_listes_and_one_warning_per_unknown_name(tmp_path, capsys):
    rows = [action(title="A", **{"Mandataire responsable": "Échevine des Finances",
                                 "Responsable administratif": "Directeur financier"}),
            action(title="B", **{"Mandataire responsable": "échevine des finances",
                                 "Responsable administratif": "Directeur financier"})]
    assert export(ville(tmp_path, rows), tmp_path / "build", "--exercice", EXERCICE) == 0
    out = capsys.readouterr().out
    assert out.count("« Directeur financier » (2 actions) n’est pas décrit") == 1
    root = only_xml(tmp_path / "build")
    for element in root.iter("Action"):
        assert element.find("Responsable") is None
        assert [element.findtext(f"Mandataire/{tag}") for tag in PERSON] == \
            ["MADAME", "Dupont", "Marie", "081234567", "marie.dupont@exemple.be"]


def test_without_a_code_ins_no_export_and_the_previous_one_is_kept_out_of_date(tmp_path, capsys):
    data = ville(tmp_path, [action(title="A", Statut="En cours")])
    build = tmp_path / "build"
    assert export(data, build, "--exercice", EXERCICE) == 0
    [path] = list(build.rglob("*_eComptes.xml"))
    before = path.read_bytes()
    ville(tmp_path, [action(title="A", Statut="Terminée")], {"Code INS": ""})
    capsys.readouterr()
    assert export(data, build, "--exercice", EXERCICE) == 1
    out = capsys.readouterr().out
    assert "« Code INS » est absent" in out and "PLUS À JOUR" in out and path.name in out
    assert path.read_bytes() == before
    # Despite errors: the provisional PST is written, the export asked for is not (exit code 1).
    assert main(["ecomptes", "--data", str(data), "--build", str(build), "--exercice", EXERCICE,
                 "--malgre-erreurs"]) == 1
    assert path.read_bytes() == before and not list(build.rglob("*PROVISOIRE*.xml"))
    assert list(build.rglob("PST_*_PROVISOIRE.docx"))
    ville(tmp_path, [action(title="A")], {"Code INS": "6108"})
    capsys.readouterr()
    assert export(data, build) == 1
    assert "« 6108 » n’est pas un code INS" in capsys.readouterr().out


def test_make_pst_ignores_the_code_ins_and_writes_no_export(tmp_path):
    data = ville(tmp_path, [action(title="A")], {"Code INS": ""}, lists=False)
    assert main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--processus", "1"]) == 0
    assert not list((tmp_path / "build").rglob("*.xml"))


def test_an_exercice_that_is_not_a_year_is_a_french_message(tmp_path, capsys):
    data = ville(tmp_path, [action(title="A")])
    assert export(data, tmp_path / "build", "--exercice", "22") == 2
    assert "« --exercice 22 » n’est pas une année" in capsys.readouterr().err


def test_a_cpas_exports_as_cpas_and_the_etp_column_is_read(tmp_path):
    data = ville(tmp_path, [action(title="A", ETP="0,5"), action(title="B", ETP=1)],
                 {"Type": "CPAS", "Code": "CPAS", "Entité": "CPAS de Testville"})
    assert export(data, tmp_path / "build", "--exercice", EXERCICE) == 0
    root = only_xml(tmp_path / "build")
    assert root.findtext("Identifiants/TypeAdmin") == "CPAS"
    assert [e.findtext("ETP") for e in root.iter("Action")] == ["0.5", "1"]
    [volet] = [v for v in root.iter("Volet") if v.get("ElementId") == "CPAS-EXT"]
    assert volet.findtext("ETP") == "1.5"


def test_control_characters_of_old_workbooks_never_reach_the_xml(tmp_path):
    from test_hostile import HEADERS, SHEET, replace_part, workbook_bytes

    content = replace_part(workbook_bytes([HEADERS + ["Commentaire"],
                                           ["Externe", "1.1", "RéparerVTABla toitureSOHX ☂️", "AttenteSOHX du subside"],
                                           ["Externe", "2.1", "Aider"], ["Interne", "1.1", "Simplifier"]]),
                           SHEET, lambda xml: xml.replace("VTAB", "_x000B_").replace("SOHX", "_x0001_"))
    folder = make_entity(tmp_path / "ville", {}, PARAMETERS)
    (folder / "services" / "T.xlsx").write_bytes(content)
    assert export(folder, tmp_path / "build", "--exercice", EXERCICE) == 0
    root = only_xml(tmp_path / "build")
    check_structure(root)
    text = etree.tostring(root, encoding="unicode")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    titles = [e.findtext("Libelle") for e in root.iter("Action")]
    assert any(title.startswith("Réparer") and title.endswith("toiture ☂️") for title in titles)
    assert "Attente du subside" in [e.findtext("RemarqueStatut/Valeur") for e in root.iter("Action")]
