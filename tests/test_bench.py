"""Issue 6: the synthetic generator builds without errors, stage times are reported, several entities are built in
parallel with one progress line each (no timing is asserted: speed is measured by `make bench`)."""

import re

from docx import Document
from openpyxl import load_workbook

from conftest import docx_paragraphs
from pipeline.cli import main
from pipeline.synthetic import Shape, generate


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


def test_generated_entities_build_without_errors_with_stage_times_and_progress_lines(tmp_path, capsys):
    data = tmp_path / "data"
    generate(data, Shape(actions=60, services=4, entities=2))
    code = main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--temps", "--processus", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ERREUR" not in out
    progress = re.findall(r"^\[(\d)/2\] (.+?) : document écrit \(0 erreur", out, re.M)
    assert sorted(progress) == [("1", progress[0][1]), ("2", progress[1][1])]
    assert {name for _, name in progress} == {"Commune de Synthèse-1", "CPAS de Synthèse-1"}
    timing_lines = re.findall(r"^  Temps : (.+)$", out, re.M)
    assert len(timing_lines) == 2
    for line in timing_lines:
        stages = re.findall(r"(lecture|normalisation|contrôles|modèle|documents) (\d+,\d)\u00a0s", line)
        assert [name for name, _ in stages] == ["lecture", "normalisation", "contrôles", "modèle", "documents"]
    # Paired entities share synergies: both PSTs have their annex and the cross-reference pairs them.
    xref = Document(tmp_path / "build" / "Synergies_COM1_CPAS1.docx")
    assert len(xref.tables[0].rows) > 2
    commune = next((tmp_path / "build").glob("001-*/PST_*.docx"))
    headings = [text for style, text in docx_paragraphs(commune) if style == "Heading 1"]
    assert "Annexe\u00a0: synergies Commune de Synthèse-1 & CPAS de Synthèse-1" in headings
    assert "Annexe\u00a0: programmation financière" in headings
