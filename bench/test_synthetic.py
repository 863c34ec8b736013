"""The synthetic generator of `make bench`: deterministic, every contract column filled (a column added to the
contract too)."""

from dataclasses import replace

from openpyxl import load_workbook

from bench.synthetic import Shape, generate
from pipeline import contract as c


def test_the_generator_is_deterministic_and_fills_every_contract_field(tmp_path):
    first = generate(tmp_path / "a", Shape(actions=40, services=3, seed=7))
    second = generate(tmp_path / "b", Shape(actions=40, services=3, seed=7))
    for left, right in zip(sorted(first[0].rglob("*.xlsx")), sorted(second[0].rglob("*.xlsx"))):
        rows_left = [list(r) for s in load_workbook(left).worksheets for r in s.iter_rows(values_only=True)]
        rows_right = [list(r) for s in load_workbook(right).worksheets for r in s.iter_rows(values_only=True)]
        assert rows_left == rows_right
    sheet = load_workbook(next((first[0] / "services").glob("*.xlsx")))["Actions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert all(all(value not in (None, "") for column, value in zip(header, row) if column != "Synergie avec"
                   and column != "Code synergie") for row in rows[1:])


def test_a_column_added_to_the_contract_is_filled_too(tmp_path, monkeypatch):
    extra = c.Column("energy", "Économie d'énergie", c.PERCENT)
    monkeypatch.setattr(c, "ACTIONS_SHEET", replace(c.ACTIONS_SHEET, columns=(*c.ACTIONS_SHEET.columns, extra)))
    [folder] = generate(tmp_path, Shape(actions=5, services=1))
    rows = list(load_workbook(next((folder / "services").glob("*.xlsx")))["Actions"].iter_rows(values_only=True))
    column = rows[0].index("Économie d'énergie")
    assert all(0 <= row[column] <= 100 for row in rows[1:])
