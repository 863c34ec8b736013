"""The open data (pipeline/public.py): donnees/ written from the sample and from hostile workbooks, validated by
Frictionless, recomputed from the workbooks with openpyxl; what the contract or the cadre keeps unpublished never
appears in any of its files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import PARAMETERS, SAMPLE, action, add_sheet, make_entity, only, positions, write_rows

from pipeline import contract as c
from pipeline import public
from pipeline.outputs.base import Job

frictionless = pytest.importorskip("frictionless", reason="frictionless (test extra: pip install -e '.[test]')")

SHEETS = (c.STRATEGIC_OBJECTIVES_SHEET, c.OPERATIONAL_OBJECTIVES_SHEET, c.ACTIONS_SHEET, c.FINANCE_SHEET,
          c.LISTS_SHEET, c.PARAMETERS_SHEET)
KEY = {sheet.name: {col.key: col for col in sheet.columns} for sheet in SHEETS}
HEADER = {key: c.ACTIONS_SHEET.column(key).header for key in ("title", "oo_code", "volet", "status", "end",
                                                                "start", "updated", "project_lead", "fte",
                                                                "comment", "reference", "sdgs", "plans")}
PARENTS = {"os": c.STRATEGIC_OBJECTIVES_SHEET, "oo": c.OPERATIONAL_OBJECTIVES_SHEET}


# --- Helpers ---------------------------------------------------------------------------------------------------
def open_data(folder: Path, out: Path, entity_change=None):
    """Every stage but the documents on `folder`, then write_open_data into `out` (what the site's output does)."""
    from conftest import assemble

    result = assemble(folder, out / "build")
    assert result.entity is not None, [f.position() for f in result.findings]
    if entity_change:
        entity_change(result.entity)
    job = Job(dt.date(2025, 3, 15), entity=result.entity, findings=result.findings, adopted=result.adopted)
    return result, public.write_open_data(job, out / "site")


def folder_of(files: list[Path]) -> Path:
    return files[0].parent


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def descriptor(files: list[Path]) -> dict:
    return read_json(folder_of(files) / public.PACKAGE_FILE)


def every_text(files: list[Path]) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def valid(files: list[Path]) -> None:
    report = frictionless.validate(folder_of(files) / public.PACKAGE_FILE)
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])


def header_row(sheet, contract: c.SheetContract) -> tuple[int, dict[str, int]]:
    """The row of `sheet` holding the contract's headers and, by column key, their index (openpyxl, as typed)."""
    for number, row in enumerate(sheet.iter_rows(values_only=True, max_row=c.HEADER_SCAN_ROWS), start=1):
        found = {column.key: index for index, cell in enumerate(row) if isinstance(cell, str)
                 for column in [contract.match_header(cell)] if column}
        if all(col.key in found for col in contract.required) and len(found) >= 2:
            return number, found
    raise AssertionError(f"no header row in {sheet.title}")


def workbook_rows(path: Path, contract: c.SheetContract) -> list[dict]:
    """The non-empty rows of a sheet as {key: cell value}, read with openpyxl."""
    book = load_workbook(path, data_only=True)
    sheet = next((s for s in book.worksheets if contract.matches_name(s.title)), None)
    if sheet is None:
        return []
    first, columns = header_row(sheet, contract)
    rows = []
    for row in sheet.iter_rows(min_row=first + 1, values_only=True):
        if any(cell not in (None, "") for cell in row):
            rows.append({key: row[index] for key, index in columns.items() if index < len(row)})
    return rows


def euros(value) -> float:
    """An amount as a service types it: a number, or Belgian text (« 12 000,00 € »)."""
    if isinstance(value, (int, float)):
        return float(value)
    return float(re.sub(r"[\s\u00a0\u202f€.]", "", value).replace(",", "."))


# --- The sample ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The Engis commune's open data, written once for the tests that only read it."""
    out = tmp_path_factory.mktemp("opendata")
    from pipeline.build import assemble

    result = assemble(SAMPLE / "engis-commune", out / "build")
    job = Job(dt.date(2025, 3, 15), entity=result.entity, adopted=result.adopted)
    files = public.write_open_data(job, out / "site")
    for path in (SAMPLE / "engis-commune" / c.STATE_FILE,):
        path.unlink(missing_ok=True)
    return result, files


def test_the_sample_s_open_data_is_a_valid_frictionless_data_package(sample):
    result, files = sample
    assert not [f.position() for f in result.findings if f.sheet == c.PARAMETERS_SHEET.name]
    folder = folder_of(files)
    assert folder.name == "donnees"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files)
    assert {p.name for p in files} == {f"{name}.{fmt}" for name in ("objectifs-strategiques", "objectifs-operationnels",
                                                                    "actions", "budget") for fmt in ("csv", "json")} \
        | {"datapackage.json"}
    valid(files)
    package = descriptor(files)
    assert package["name"] == "pst-commune-2019-2024"
    assert package["title"] == "Programme stratégique transversal 2019-2024 — Commune d'Engis"
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                                    "path": "https://creativecommons.org/licenses/by/4.0/deed.fr"}]
    assert "15 mars 2025" in package["description"]
    by_name = {r["name"]: r for r in package["resources"]}
    actions = by_name["actions"]["schema"]
    assert actions["primaryKey"] == ["reference"]
    assert actions["foreignKeys"] == [{"fields": ["volet", "oo_code"], "reference": {
        "resource": "objectifs-operationnels", "fields": ["volet", "code"]}}]
    assert by_name["objectifs-operationnels"]["schema"]["foreignKeys"] == [{"fields": ["volet", "os_number"],
        "reference": {"resource": "objectifs-strategiques", "fields": ["volet", "number"]}}]
    assert by_name["budget"]["schema"]["foreignKeys"][0]["reference"] == {"resource": "actions",
                                                                          "fields": ["reference"]}
    assert by_name["actions-json"]["schema"]["foreignKeys"][0]["reference"]["resource"] == "objectifs-operationnels-json"


def test_the_sample_s_files_are_utf8_without_bom_and_every_csv_value_quoted(sample):
    _, files = sample
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path.name
        data.decode("utf-8")
    text = (folder_of(files) / "actions.csv").read_text(encoding="utf-8")
    first = text.split("\r\n")[0]
    assert first.startswith(f'"{c.ACTIONS_SHEET.column("reference").key}",')
    assert "Améliorer" in text  # accents as such, not escaped


def test_the_sample_s_counts_and_values_are_those_of_the_workbooks(sample):
    """Recomputed with openpyxl: objectives and actions counted, each action's libellé, volet, OO and status, the
    budget lines and their total."""
    result, files = sample
    folder = folder_of(files)
    entity_folder = SAMPLE / "engis-commune"
    cadre = entity_folder / c.CADRE_FILE
    strategic = workbook_rows(cadre, c.STRATEGIC_OBJECTIVES_SHEET)
    operational = workbook_rows(cadre, c.OPERATIONAL_OBJECTIVES_SHEET)
    typed = [row for path in sorted((entity_folder / c.SERVICES_DIR).glob("*.xlsx"))
             for row in workbook_rows(path, c.ACTIONS_SHEET)]
    budget = [row for path in sorted((entity_folder / c.SERVICES_DIR).glob("*.xlsx"))
              for row in workbook_rows(path, c.FINANCE_SHEET)]
    assert len(read_csv(folder / "objectifs-strategiques.csv")) == len(strategic)
    assert len(read_json(folder / "objectifs-strategiques.json")) == len(strategic)
    assert len(read_csv(folder / "objectifs-operationnels.csv")) == len(operational)
    rows = read_csv(folder / "actions.csv")
    records = read_json(folder / "actions.json")
    assert len(rows) == len(records) == len(typed) == 40

    def oo(value) -> str:
        return re.sub(r"[^0-9.]", "", str(value))

    expected = Counter((str(r["volet"]).strip(), oo(r["oo_code"]), str(r["title"]).strip(), str(r.get("status") or ""))
                       for r in typed)
    written = Counter((r["volet"], r["oo_code"], r["title"], r["status"]) for r in rows)
    assert written == expected
    assert Counter((r["volet"], r["oo_code"], r["title"], r["status"] or "") for r in records) == expected
    titles = {(r["volet"], r["code"]): r["title"] for r in read_csv(folder / "objectifs-operationnels.csv")}
    for row in rows:
        assert row["oo_title"] == titles[(row["volet"], row["oo_code"])]
        assert row["os_number"] == row["oo_code"].split(".")[0]
    assert len({r["reference"] for r in rows}) == len(rows)
    lines = read_csv(folder / "budget.csv")
    assert len(lines) == len(budget) == 14
    total = sum(euros(r["amount"]) for r in budget)
    assert sum(float(r["amount"]) for r in lines) == pytest.approx(total)
    assert sum(r["amount"] for r in read_json(folder / "budget.json")) == pytest.approx(total)


def test_no_phone_or_e_mail_of_listes_is_in_any_file_of_the_open_data(sample):
    _, files = sample
    people = workbook_rows(SAMPLE / "engis-commune" / c.CADRE_FILE, c.LISTS_SHEET)
    secrets = [str(row[key]) for row in people for key in ("phone", "email") if row.get(key)]
    assert len(secrets) >= 20
    text = every_text(files)
    assert [value for value in secrets if value in text] == []
    assert "@exemple.be" not in text


def test_every_field_of_the_descriptor_is_a_column_of_the_contract_typed_by_its_kind(sample):
    _, files = sample
    sheets = {"objectifs-strategiques": c.STRATEGIC_OBJECTIVES_SHEET,
              "objectifs-operationnels": c.OPERATIONAL_OBJECTIVES_SHEET, "actions": c.ACTIONS_SHEET,
              "budget": c.FINANCE_SHEET}
    for resource in descriptor(files)["resources"]:
        sheet = sheets[resource["name"].removesuffix("-json")]
        assert resource["title"] == sheet.name
        for field in resource["schema"]["fields"]:
            prefix, _, key = field["name"].partition("_")
            if prefix in PARENTS and key in PARENTS[prefix].by_key and field["name"] not in sheet.by_key:
                column = PARENTS[prefix].column(key)
                assert field["title"].startswith(column.header)
            else:
                column = sheet.column(field["name"])
                assert field["title"] == column.header.replace("'", "’")
            assert column.public
            json_list = column.multiple and resource["format"] == "json"
            assert field["type"] == ("array" if json_list else public.FIELD_TYPES[column.kind])
            assert field.get("constraints", {}).get("required", False) >= column.required
            if column.help and not column.description:
                assert field["description"].startswith(column.help)
    for sheet in SHEETS:
        for column in sheet.columns:
            assert column.kind in public.FIELD_TYPES, (sheet.name, column.key)


# --- The public API --------------------------------------------------------------------------------------------
def test_what_the_contract_declares_public(sample):
    result, _ = sample
    entity = result.entity
    assert [col.key for col in c.LISTS_SHEET.columns if not col in public.public_columns(c.LISTS_SHEET)] == \
        ["phone", "email"]
    assert not public.is_public(entity, c.ACTIONS_SHEET.column("comment"))
    assert public.is_public(entity, c.ACTIONS_SHEET.column("administrative_responsible"))
    assert public.is_public(entity, c.OPERATIONAL_OBJECTIVES_SHEET.column("result_indicators"))
    assert public.budget_public(entity) is True
    assert public.licence(entity) == "CC BY 4.0"
    labels = [p.label for p in public.public_parameters()]
    assert "Entité" in labels and "Contact" not in labels and "Adresse de retour" not in labels


def test_the_blank_cadre_offers_the_publication_parameters():
    from pipeline.workbooks import blank_cadre

    sheet = blank_cadre()[c.PARAMETERS_SHEET.name]
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    wanted = [p.label for p in c.PARAMETERS if p.key in ("unpublished_fields", "budget_published", "licence")]
    assert set(wanted) <= set(labels) and len(wanted) == 3
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"oui,non"' in lists
    assert any("CC BY 4.0" in formula and "CC0 1.0" in formula for formula in lists)


# --- What the cadre keeps off ------------------------------------------------------------------------------------
def test_a_column_the_cadre_marks_unpublished_disappears_from_csv_json_and_descriptor(tmp_path):
    lead, fte = "Porteur Très-Distinctif", "0,7"
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Planter cent arbres", **{HEADER["project_lead"]: lead, HEADER["fte"]: fte})]},
        parameters={"Champs non publiés": f"{HEADER['project_lead']} ; etp"})
    result, files = open_data(folder, tmp_path)
    assert not positions(result, "champs-non-publies-inconnus")
    valid(files)
    hidden = {c.ACTIONS_SHEET.column("project_lead").key, c.ACTIONS_SHEET.column("fte").key}
    folder_ = folder_of(files)
    assert hidden.isdisjoint(read_csv(folder_ / "actions.csv")[0])
    assert hidden.isdisjoint(read_json(folder_ / "actions.json")[0])
    fields = {f["name"] for r in descriptor(files)["resources"] for f in r["schema"]["fields"]}
    assert hidden.isdisjoint(fields) and "title" in fields
    assert lead not in every_text(files)
    assert not public.is_public(result.entity, c.ACTIONS_SHEET.column("project_lead"))


def test_an_unknown_or_identity_column_in_champs_non_publies_is_said_at_its_cell_and_the_others_kept_off(tmp_path):
    lead = "Porteur Très-Distinctif"
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(**{HEADER["project_lead"]: lead})]},
                         parameters={"Champs non publiés": f"Porteur du projte ; {HEADER['project_lead']} ; "
                                                           f"{HEADER['title']}"})
    result, files = open_data(folder, tmp_path)
    found = only(result, "champs-non-publies-inconnus")
    row = len(PARAMETERS) + 2  # the header, the usual parameters, then this one
    assert found.position() == ("champs-non-publies-inconnus", "cadre.xlsx", "Paramètres", row, "B")
    assert found.params["names"] == ["Porteur du projte", HEADER["title"]]
    assert found.severity == "avertissement"
    assert found.message == (
        "Le paramètre « Champs non publiés » nomme « Porteur du projte », « Libellé de l'action », qui ne sont pas "
        "des colonnes des actions qu’il est possible de ne pas publier : ces noms sont ignorés ; les autres champs "
        "nommés ne sont pas publiés.")
    assert lead not in every_text(files)
    assert "Planter cent arbres" in every_text(files)


def test_aucun_publishes_every_public_column(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(**{HEADER["project_lead"]: "ORES"})]},
                         parameters={"Champs non publiés": "aucun"})
    result, files = open_data(folder, tmp_path)
    assert not positions(result, "champs-non-publies-inconnus")
    assert read_csv(folder_of(files) / "actions.csv")[0]["project_lead"] == "ORES"


@pytest.mark.parametrize("sheet,column", [(sheet, column) for sheet in SHEETS for column in sheet.columns
                                          if not column.public]
                         + [(c.PARAMETERS_SHEET, p) for p in c.PARAMETERS if not p.public],
                         ids=lambda item: getattr(item, "key", None) or getattr(item, "name", ""))
def test_a_value_typed_in_an_unpublished_column_never_reaches_the_open_data(tmp_path, sheet, column):
    """For each column (and parameter) the contract declares not public, a distinctive value typed there is in no
    file of donnees/."""
    secret = f"zq{column.key.replace('_', '')}x7391@secret.example"
    if len(secret) > c.PERSON_LIMITS.get(column.key, len(secret)):  # a phone number: digits, as typed
        secret = "0479 73 91 55"
    services = {"Travaux.xlsx": [action(title="Planter cent arbres")]}
    parameters = {}
    if sheet is c.ACTIONS_SHEET:
        services = {"Travaux.xlsx": [action(title="Planter cent arbres", **{column.header: secret})]}
    elif sheet is c.PARAMETERS_SHEET:
        parameters = {column.label: secret}
    folder = make_entity(tmp_path / "ville", services, parameters=parameters)
    if sheet is c.LISTS_SHEET:
        person = {col.header: "" for col in c.LISTS_SHEET.columns if col.key in c.PERSON_KEYS}
        person.update({c.LISTS_SHEET.column("person").header: "Échevin des Travaux",
                       c.LISTS_SHEET.column("civility").header: c.CIVILITY_SIR,
                       c.LISTS_SHEET.column("last_name").header: "Lambert", column.header: secret})
        add_sheet(folder / c.CADRE_FILE, c.LISTS_SHEET.name, {header: [value] for header, value in person.items()})
    elif sheet not in (c.ACTIONS_SHEET, c.PARAMETERS_SHEET):
        pytest.fail(f"the test does not yet type a value in the sheet « {sheet.name} »: add it")
    result, files = open_data(folder, tmp_path)
    if sheet is c.ACTIONS_SHEET:  # the value was read: the model holds it, the open data does not
        assert secret in str(result.entity.actions()[0].fields[column.key])
    elif sheet is c.LISTS_SHEET:
        assert re.sub(r"\s", "", secret) in str([vars(person) for person in result.entity.people.values()])
    text = every_text(files)
    assert secret not in text and "x7391" not in text and "79739155" not in text
    valid(files)


# --- Budget and licence ------------------------------------------------------------------------------------------
def budget_entity(tmp_path: Path, **parameters) -> Path:
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(title="Planter cent arbres",
                                                                      **{HEADER["reference"]: "TRAV-1"})]},
                         parameters=parameters)
    finance = {col.key: col.header for col in c.FINANCE_SHEET.columns}
    path = folder / "services" / "Travaux.xlsx"
    book = load_workbook(path)
    write_rows(book.create_sheet(c.FINANCE_SHEET.name), [{  # the article typed as text, even « =… »
        finance["reference"]: "TRAV-1", finance["year"]: 2026, finance["budget_service"]: "Extraordinaire",
        finance["direction"]: "Dépense", finance["amount"]: 125000.5, finance["article"]: "=879/731-60"}])
    book.save(path)
    return folder


def test_budget_lines_are_published_by_default_and_typed(tmp_path):
    result, files = open_data(budget_entity(tmp_path), tmp_path)
    valid(files)
    [line] = read_json(folder_of(files) / "budget.json")
    assert line["reference"] == "TRAV-1" and line["year"] == 2026 and line["amount"] == 125000.5
    assert line["article"] == "=879/731-60"
    [row] = read_csv(folder_of(files) / "budget.csv")
    assert row["amount"] == "125000.5" and row["article"] == "'=879/731-60"


@pytest.mark.parametrize("value,finding", [("non", None), ("Non publié", None), ("peut-être", "parametre-invalide")])
def test_budget_lines_are_not_published_when_the_cadre_says_so_or_says_something_unclear(tmp_path, value, finding):
    result, files = open_data(budget_entity(tmp_path, **{"Budget publié": value}), tmp_path)
    assert [f.code for f in result.findings if f.sheet == c.PARAMETERS_SHEET.name] == ([finding] if finding else [])
    if finding:
        assert only(result, finding).message == (
            "Le paramètre « Budget publié » vaut « peut-être », qui n’est pas une valeur admise : « non » est utilisé.")
    assert not public.budget_public(result.entity)
    assert not any(p.name.startswith("budget") for p in folder_of(files).iterdir())
    assert all(not r["name"].startswith("budget") for r in descriptor(files)["resources"])
    assert "879/731-60" not in every_text(files)
    valid(files)


def test_budget_files_of_an_earlier_build_go_once_the_budget_is_no_longer_published(tmp_path):
    _, files = open_data(budget_entity(tmp_path / "a"), tmp_path)
    assert (folder_of(files) / "budget.csv").exists()
    _, files = open_data(budget_entity(tmp_path / "b", **{"Budget publié": "non"}), tmp_path)
    assert not (folder_of(files) / "budget.csv").exists() and not (folder_of(files) / "budget.json").exists()


@pytest.mark.parametrize("typed,name,identifier", [("cc0", "CC0 1.0", "CC0-1.0"),
                                                   ("Licence ouverte", "Licence ouverte 2.0", "etalab-2.0"),
                                                   ("CC BY-SA 4.0", "CC BY-SA 4.0", "CC-BY-SA-4.0"),
                                                   ("MIT", "CC BY 4.0", "CC-BY-4.0")])
def test_the_licence_is_the_cadre_s_from_a_small_vocabulary(tmp_path, typed, name, identifier):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action()]},
                         parameters={"Licence des données": typed})
    result, files = open_data(folder, tmp_path)
    assert public.licence(result.entity) == name
    [licence] = descriptor(files)["licenses"]
    assert licence["name"] == identifier and licence["path"].startswith("https://")
    if typed == "MIT":
        found = only(result, "parametre-invalide")
        assert found.params["default"] == "CC BY 4.0" and "CC0 1.0" in found.params["allowed"]
    else:
        assert not positions(result, "parametre-invalide")
    valid(files)


# --- Values ------------------------------------------------------------------------------------------------------
def test_dates_are_as_precise_as_typed_and_lists_joined(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(
        title="Planter cent arbres", **{HEADER["start"]: "03/2026", HEADER["end"]: "2027",
                                        HEADER["updated"]: dt.datetime(2026, 6, 30), HEADER["sdgs"]: "7 ; ODD 11",
                                        HEADER["plans"]: "PCS ; PCDR"})]})
    _, files = open_data(folder, tmp_path)
    valid(files)
    [row] = read_csv(folder_of(files) / "actions.csv")
    assert (row["start"], row["end"], row["updated"]) == ("2026-03", "2027", "2026-06-30")
    assert row["sdgs"] == "ODD 7 ; ODD 11" and row["plans"] == "PCS ; PCDR"
    [record] = read_json(folder_of(files) / "actions.json")
    assert record["sdgs"] == ["ODD 7", "ODD 11"] and record["plans"] == ["PCS", "PCDR"]
    assert record["end"] == "2027" and record["progress"] is None


HOSTILE = {
    "script": "<script>alert('PST')</script> Rénover l’école",
    "formula": "=cmd|' /C calc'!A0",
    "plus": "+32 4 123 45 67 à appeler",
    "minus": "-2+3 actions",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "semicolon": "Rénover ;=cmd|' /C calc'!A0",
    "long": "Rénover " + "très " * 6500 + "longtemps",
}


def test_hostile_libelles_are_written_safely(tmp_path):
    """A libellé holding HTML stays text (the site escapes it), one a spreadsheet would run is prefixed with « ' »
    in the CSV and exact in the JSON, a long one is whole, a control character is never written."""
    rows = [action(title=title, **{HEADER["reference"]: f"T-{n}"}) for n, title in enumerate(HOSTILE.values())]
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": rows})

    def with_control_characters(entity):
        entity.actions()[0].title += "\x07\x1b fin"
        entity.volets[0].objectives[0].title += "\x00"

    _, files = open_data(folder, tmp_path, with_control_characters)
    valid(files)
    folder_ = folder_of(files)
    csv_titles = [row["title"] for row in read_csv(folder_ / "actions.csv")]
    json_titles = [record["title"] for record in read_json(folder_ / "actions.json")]
    expected = list(HOSTILE.values())
    expected[0] += " fin"
    assert json_titles == expected
    assert csv_titles == [("'" + t if t[0] in "=+-@" else t) for t in expected]
    raw = (folder_ / "actions.csv").read_text(encoding="utf-8")
    assert '"Rénover ;=cmd|\' /C calc\'!A0"' in raw  # quoted: a spreadsheet splitting on « ; » keeps it one cell
    assert len(json_titles[-1]) > 32000
    text = every_text(files)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
