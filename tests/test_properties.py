"""Property: whatever the services and the coordinator type — huge or negative numbers, very long texts, in any
cell of any sheet, parameters included — the build never crashes, exits 0 or 1, stays within bounded memory and
loses no row.

Row accounting is checked on every build by the `nothing_is_lost` fixture (conftest.py); memory by a limit set
on the test process (`memory_limit`): a computation sized by a typed value fails there instead of eating the
machine."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import OPERATIONAL, STRATEGIC, add_sheet, make_entity, memory_limit
from pipeline import contract as c
from pipeline.cli import main

TYPICAL = ["Externe", "Interne", "externe ", "Mixte", "1.1", "2.1", "OO1.1", "003.1", "9.9", "1.10", "En cours",
           "Terminé", "Fini", "Bon", "Moyen", "50 %", "0,5", "150", "31/12/2024", "2024", "fin 2024", "12.", "A12",
           "CPAS", "VILLE", "=1+1", "@SUM(A1)", "{{ 7*7 }}", "{% if x %}", "", " "]
EXTREME = ["1e20", "100000000000000000000", "0471234567", "9" * 1000, "-" + "9" * 400, "1." + "9" * 30,
           "9" * 30 + ".1", "1e-300", "-1", "0", "NaN", "inf", "VILLE-" + "9" * 2000, "x" * 32767,
           ";" * 5000, "CPAS;" * 3000, "\n".join(["ligne"] * 3000), "« " * 2000]
cell_values = st.one_of(
    st.none(),
    st.sampled_from(TYPICAL),
    st.sampled_from(EXTREME),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=25),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=200, max_size=400),
    st.integers(-5, 400),
    st.integers(-10 ** 25, 10 ** 25),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1890, 1, 1), dt.date(2100, 12, 31)),
)
OPTIONAL = [col.header for col in c.ACTIONS_SHEET.columns if not col.required]
REQUIRED = [col.header for col in c.ACTIONS_SHEET.required]


@st.composite
def service_workbook(draw) -> list[dict]:
    headers = REQUIRED + draw(st.lists(st.sampled_from(OPTIONAL), max_size=8, unique=True))
    if draw(st.integers(0, 9)) == 0:
        headers.remove(draw(st.sampled_from(REQUIRED)))  # sometimes a sheet missing a required column
    headers = draw(st.permutations(headers))
    rows = draw(st.lists(st.fixed_dictionaries({h: cell_values for h in headers}), max_size=6))
    return rows or [{h: None for h in headers}]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(services=st.lists(service_workbook(), min_size=1, max_size=3))
def test_random_workbooks_never_crash_exit_0_or_1_and_lose_nothing(services, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_entity(Path(tmp) / "ville", {f"Service {i}.xlsx": rows for i, rows in enumerate(services)})
        build = Path(tmp) / "build"
        with memory_limit():
            code = main(["pst", "--data", str(folder), "--build", str(build)])
        output = capsys.readouterr()
        assert code in (0, 1), output.err
        assert "Traceback" not in output.out + output.err
        documents = list(build.rglob("*.docx"))
        assert (code == 0) == bool(documents)
        assert (build / "ville" / "Rapport_validation.xlsx").is_file()


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
       finances=st.one_of(st.none(), budget_lines()))
def test_spoiled_parameters_frames_and_budget_lines_never_crash_in_bounded_memory(frame, services, finances, capsys):
    parameters, strategic, operational = frame
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_entity(data / "ville", {f"Service {i}.xlsx": rows for i, rows in enumerate(services)}, parameters,
                    strategic, operational)
        make_entity(data / "cpas", {"Social.xlsx": [{"Volet": "Externe", "N° OO": "1.1", "Libellé de l'action": "Aider",
                                                     "Synergie avec": "VILLE", "Code synergie": "9" * 500}]},
                    {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
        if finances is not None:
            add_sheet(data / "ville" / "services" / "Service 0.xlsx", "Financement", finances)
        build = Path(tmp) / "build"
        with memory_limit():
            code = main(["pst", "--data", str(data), "--build", str(build), "--processus", "1"])
            templates = main(["modeles", "--data", str(data), "--build", str(build)])
        output = capsys.readouterr()
        assert code in (0, 1) and templates in (0, 1), output.err
        assert "Traceback" not in output.out + output.err and "Erreur interne" not in output.err
        assert (build / "cpas" / "PST_CPAS_2025-2030.docx").is_file()  # the healthy entity is always built
