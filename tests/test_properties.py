"""Property: whatever the services type, the build never crashes, exits 0 or 1, and loses no row.

Row accounting is checked on every build by the `nothing_is_lost` fixture (conftest.py)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_entity
from pipeline import contract as c
from pipeline.cli import main

TYPICAL = ["Externe", "Interne", "externe ", "Mixte", "1.1", "2.1", "OO1.1", "003.1", "9.9", "1.10", "En cours",
           "Terminé", "Fini", "Bon", "Moyen", "50 %", "0,5", "150", "31/12/2024", "2024", "fin 2024", "12.", "A12",
           "CPAS", "VILLE", "=1+1", "@SUM(A1)", "{{ 7*7 }}", "{% if x %}", "", " "]
cell_values = st.one_of(
    st.none(),
    st.sampled_from(TYPICAL),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=25),
    st.integers(-5, 400),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
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
        code = main(["pst", "--data", str(folder), "--build", str(build)])
        output = capsys.readouterr()
        assert code in (0, 1), output.err
        assert "Traceback" not in output.out + output.err
        documents = list(build.rglob("*.docx"))
        assert (code == 0) == bool(documents)
        assert (build / "ville" / "Rapport_validation.xlsx").is_file()
