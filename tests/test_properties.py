"""Property: whatever the services and the coordinator type — huge or negative numbers, very long texts, control
characters pasted from another program, in any cell of any sheet, parameters included, merged cells — and
whatever a hand-edited state file holds (lone surrogates too), the build never crashes, exits 0 or 1, stays within
bounded memory, loses no row, and every document and workbook it writes opens.

Row accounting is checked on every build by the `nothing_is_lost` fixture (conftest.py); memory by a limit set
on the test process (`memory_limit`): a computation sized by a typed value fails there instead of eating the
machine. Control characters reach the input workbooks as Excel stores them (`as_excel_stores`)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from pathlib import Path

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook

from conftest import OPERATIONAL, STRATEGIC, add_sheet, make_entity, memory_limit
from pipeline import contract as c
from pipeline.cli import main
from pipeline.outputs import registry

TYPICAL = ["Externe", "Interne", "externe ", "Mixte", "1.1", "2.1", "OO1.1", "003.1", "9.9", "1.10", "En cours",
           "Terminé", "Fini", "Bon", "Moyen", "50 %", "0,5", "150", "31/12/2024", "2024", "fin 2024", "12.", "A12",
           "CPAS", "VILLE", "=1+1", "@SUM(A1)", "{{ 7*7 }}", "{% if x %}", "", " "]
EXTREME = ["1e20", "100000000000000000000", "0471234567", "9" * 1000, "-" + "9" * 400, "1." + "9" * 30,
           "9" * 30 + ".1", "1e-300", "-1", "0", "NaN", "inf", "VILLE-" + "9" * 2000, "x" * 32767,
           ";" * 5000, "CPAS;" * 3000, "\n".join(["ligne"] * 3000), "« " * 2000]
PASTED = ["\x07", "\x00", "\x0b", "\x1b[31m", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff"]
hostile_text = st.lists(st.one_of(st.sampled_from(TYPICAL + ["9.9", "Réparer", "31/12/2024"]), st.sampled_from(PASTED),
                                  st.characters(categories=("Cc", "Cs"))), min_size=1, max_size=4).map("".join)
"""A value with control characters or lone surrogates where they hurt: beside a number, a code, a date."""
any_characters = st.characters(exclude_categories=())
"""Every Unicode category, control characters (Cc) and lone surrogates (Cs) included."""
cell_values = st.one_of(
    st.none(),
    st.sampled_from(TYPICAL),
    st.sampled_from(EXTREME),
    hostile_text,
    st.text(any_characters, max_size=25),
    st.text(any_characters, min_size=200, max_size=400),
    st.integers(-5, 400),
    st.integers(-10 ** 25, 10 ** 25),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1890, 1, 1), dt.date(2100, 12, 31)),
)
OPTIONAL = [col.header for col in c.ACTIONS_SHEET.columns if not col.required]
REQUIRED = [col.header for col in c.ACTIONS_SHEET.required]


@st.composite
def service_workbook(draw) -> tuple[list[dict], list[tuple[int, int, int]]]:
    """The rows of an `Actions` sheet, and cells merged down a column: (column, first row, last row)."""
    headers = REQUIRED + draw(st.lists(st.sampled_from(OPTIONAL), max_size=8, unique=True))
    if draw(st.integers(0, 9)) == 0:
        headers.remove(draw(st.sampled_from(REQUIRED)))  # sometimes a sheet missing a required column
    headers = draw(st.permutations(headers))
    rows = draw(st.lists(st.fixed_dictionaries({h: cell_values for h in headers}), max_size=6))
    rows = rows or [{h: None for h in headers}]
    columns = draw(st.lists(st.integers(1, len(headers)), max_size=2, unique=True)) if len(rows) > 1 else []
    merges = []
    for column in columns:
        first = draw(st.integers(2, len(rows)))
        merges.append((column, first, draw(st.integers(first + 1, len(rows) + 1))))
    return rows, merges


def services_of(folder: Path, services: list[tuple[list[dict], list]], *frame) -> Path:
    """The entity (`frame`: make_entity's parameters, strategic and operational objectives) and its service
    workbooks: `Service 0.xlsx`… with their rows, then their cells merged."""
    make_entity(folder, {f"Service {i}.xlsx": rows for i, (rows, _) in enumerate(services)}, *frame)
    for i, (_, merges) in enumerate(services):
        if merges:
            path = folder / "services" / f"Service {i}.xlsx"
            book = load_workbook(path)
            for column, first, last in merges:
                book["Actions"].merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)
            book.save(path)
    return folder


@st.composite
def hand_edited_state(draw, code: str, files: list[str]) -> dict:
    """A state file (etat-pst.json) as a hand edit may leave it: the shape the pipeline wrote, any text inside."""
    text = st.one_of(hostile_text, st.text(any_characters, max_size=20))
    actions = []
    for number in range(draw(st.integers(1, 2))):
        actions.append({
            "reference": draw(st.one_of(st.just(f"{code}-{900 + number:04d}"), hostile_text.filter(bool))),
            "file": draw(st.sampled_from(files) if draw(st.integers(0, 3)) else text.map(lambda name: f"{name}.xlsx")),
            "sheet": "Actions", "row": draw(st.integers(1, 20)), "title": draw(text), "volet": draw(text),
            "oo_code": draw(text), "status": draw(text), "description": draw(text), "start": draw(text),
            "progress": draw(st.one_of(st.integers(-5, 200), text)), "synergy_with": draw(st.lists(text, max_size=2)),
        })
    return {"format": 1, "code": code, "built_on": draw(st.one_of(st.just("2025-01-15"), text)),
            "last_reference": draw(st.integers(0, 10)), "actions": actions}


def write_state(folder: Path, state: dict) -> None:
    """The state as a hand edit saves it: JSON, lone surrogates as \\ud800 escapes (UTF-8 cannot hold them), in
    `folder` — the entity's data folder, where it lives, or its BUILD folder, where an earlier version of PST builder
    kept it (taken over)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / c.STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


ASKED_COMMANDS = sorted({output.command for output in registry() if output.command} | {"rapport"})
"""The commands that write documents of their own (Output.command: the site, the e-Comptes export, the annual
synergy report…), and `rapport`, whose rapport d'exécution is asked by the command through its date."""
CONTROLS = set(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]))
"""What no published text may hold (pipeline/clean.py): HTML, CSV and JSON refuse or garble them."""


def every_output_opens(build: Path) -> None:
    """Each Word document (PST, fiches…) and each workbook (validation report, feedback copies) the build wrote is
    read back — python-docx and openpyxl refuse a file that is not well-formed; each part of the services'
    workbooks (make templates: long to load with openpyxl) is parsed as XML; the e-Comptes export and the site's
    feed parse as XML, its pages and open data hold no control character, its JSON files load."""
    for document in build.rglob("*.docx"):
        Document(document)
    for xml in build.rglob("*.xml"):
        etree.parse(str(xml), etree.XMLParser(resolve_entities=False))
    for page in (*build.rglob("*.html"), *build.rglob("*.csv"), *build.rglob("*.json")):
        text = page.read_text(encoding="utf-8")
        assert not CONTROLS & set(text), page
        if page.suffix == ".json":
            json.loads(text)
    for workbook in (*build.rglob("*.xlsx"), *build.rglob("*.xlsm")):
        if workbook.parent.name == c.TEMPLATES_DIR:
            with zipfile.ZipFile(workbook) as parts:
                for name in parts.namelist():
                    if name.endswith((".xml", ".rels")):
                        etree.fromstring(parts.read(name))
        else:
            load_workbook(workbook)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(services=st.lists(service_workbook(), min_size=1, max_size=3), state=st.data())
def test_random_workbooks_never_crash_exit_0_or_1_lose_nothing_and_every_output_opens(services, state, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        folder = services_of(Path(tmp) / "ville", services)
        build = Path(tmp) / "build"
        if state.draw(st.booleans()):
            place = folder if state.draw(st.booleans()) else build / "ville"
            write_state(place, state.draw(hand_edited_state("VILLE", ["Service 0.xlsx"])))
        with memory_limit():
            code = main(["pst", "--data", str(folder), "--build", str(build)])
        output = capsys.readouterr()
        assert code in (0, 1), output.err
        assert "Traceback" not in output.out + output.err and "Erreur interne" not in output.err
        documents = list(build.rglob("*.docx"))
        assert (code == 0) == bool(documents)
        assert (build / "ville" / "Rapport_validation.xlsx").is_file()
        every_output_opens(build)


PARAMETER_VALUES = st.one_of(st.sampled_from(EXTREME), st.sampled_from(["", "hiérarchique", "tableau", "aucun",
                                                                        "Statut ; Fin", "CPAS", "2025-2030"]),
                             cell_values)
FRAME_VALUES = st.one_of(st.sampled_from(["1", "2", "1.1", "2.1", "Externe", "Interne"]), cell_values)


@st.composite
def spoiled_frame(draw) -> tuple[dict, list[dict], list[dict]]:
    """cadre.xlsx with some parameters and some cells of the objective sheets replaced by anything."""
    parameters = {p.label: draw(PARAMETER_VALUES) for p in c.PARAMETERS if draw(st.integers(0, 3)) == 0}
    strategic = [dict(row) for row in STRATEGIC]
    operational = [dict(row) for row in OPERATIONAL]
    for rows in (strategic, operational):
        for _ in range(draw(st.integers(0, 3))):
            row = draw(st.sampled_from(rows))
            row[draw(st.sampled_from(list(row)))] = draw(FRAME_VALUES)
    return parameters, strategic, operational


@st.composite
def budget_lines(draw) -> dict[str, list]:
    headers = [col.header for col in c.FINANCE_SHEET.columns]
    count = draw(st.integers(1, 3))
    return {header: [draw(st.one_of(cell_values, st.sampled_from(["T-1", "2026", "Ordinaire", "Dépense"])))
                     for _ in range(count)] for header in headers}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(frame=spoiled_frame(), services=st.lists(service_workbook(), min_size=1, max_size=2),
       finances=st.one_of(st.none(), budget_lines()), states=st.data())
def test_spoiled_parameters_frames_budget_lines_and_states_never_crash_in_bounded_memory(frame, services, finances,
                                                                                          states, capsys):
    parameters, strategic, operational = frame
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        services_of(data / "ville", services, parameters, strategic, operational)
        make_entity(data / "cpas", {"Social.xlsx": [{"Volet": "Externe", "N° OO": "1.1", "Libellé de l'action": "Aider",
                                                     "Synergie avec": "VILLE", "Code synergie": "9" * 500}]},
                    {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
        if finances is not None:
            add_sheet(data / "ville" / "services" / "Service 0.xlsx", "Financement", finances)
        build = Path(tmp) / "build"
        # Pre-filled workbooks from hand-edited states, then the build that reads them back.
        write_state(data / "ville", states.draw(hand_edited_state("VILLE", ["Service 0.xlsx", "Service 1.xlsx"])))
        write_state(build / "cpas", states.draw(hand_edited_state("CPAS", ["Social.xlsx"])))
        with memory_limit():
            templates = main(["modeles", "--data", str(data), "--build", str(build), "--prerempli"])
            code = main(["pst", "--data", str(data), "--build", str(build), "--processus", "1"])
            # One of the commands that write documents of their own, on the same spoiled data.
            asked = main([states.draw(st.sampled_from(ASKED_COMMANDS)), "--data", str(data), "--build", str(build),
                          "--processus", "1"])
        output = capsys.readouterr()
        assert code in (0, 1) and templates in (0, 1) and asked in (0, 1), output.err
        assert "Traceback" not in output.out + output.err and "Erreur interne" not in output.err
        assert (build / "cpas" / "PST_CPAS_2025-2030.docx").is_file()  # the healthy entity is always built
        every_output_opens(build)
