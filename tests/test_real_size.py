"""At real size and on the coordinator's computer (issue 15): what Word and Excel say of the documents, and more
as the issue's points land."""

from __future__ import annotations

import datetime as dt
import zipfile

from docx import Document
from openpyxl import load_workbook

from conftest import SAMPLE
from pipeline.cli import main


def test_every_document_says_it_was_made_now_by_the_entity_never_by_a_library(tmp_path):
    build = tmp_path / "build"
    assert main(["rapport", "--data", str(SAMPLE), "--build", str(build), "--processus", "1",
                 "--date", "2022-06-30"]) == 0
    assert main(["modeles", "--data", str(SAMPLE), "--build", str(build)]) == 0
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    names = {"engis-commune": "Commune d'Engis", "engis-cpas": "CPAS d'Engis"}
    documents = sorted(build.rglob("*.docx"))
    assert len(documents) >= 7
    for path in documents:
        core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
        assert "python-docx" not in core and "openpyxl" not in core, path.name
        properties = Document(path).core_properties
        expected = names.get(path.parent.name, "Commune d'Engis et CPAS d'Engis")
        assert properties.author == expected and properties.last_modified_by == expected, path.name
        assert properties.title and properties.subject, path.name
        assert properties.created >= started and properties.modified >= started, path.name
    workbooks = [build / "engis-cpas" / "Rapport_validation.xlsx",
                 *sorted((build / "engis-cpas" / "modeles").glob("*.xlsx"))]
    for path in workbooks:
        properties = load_workbook(path).properties
        assert properties.creator == "CPAS d'Engis" and properties.title, path.name
