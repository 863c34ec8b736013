"""render.Template overrides docxtpl's internals for speed (pinned docxtpl 0.20.2): its documents must stay those
stock docxtpl writes. Every Word template of the registry is rendered, with the contexts a build of the sample
gives it, by render.Template and by docxtpl.DocxTemplate, and the documents' parts are compared — so that an
upgrade of docxtpl is checked, not hoped.

Differences that are the project's on purpose are left out of the comparison: the core properties (Fichier ›
Informations: plain text, dated now — render_properties) and blank text between elements (see BLANKS_OUT);
the project writes the body as rendered (entities, quotes and empty elements as Jinja writes them), which a
canonical comparison does not see. Everything after rendering (repeated
columns fitted, table of contents filled, empty last section removed) is the project's own code and is applied to
both."""

from __future__ import annotations

import importlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from lxml import etree
from openpyxl import load_workbook

from conftest import SAMPLE
from pipeline import outputs, render
from pipeline.cli import main

OWN_PARTS = {"docProps/core.xml"}
"""Parts the project writes differently on purpose (render_properties)."""


def stock_render(template: Path, context: dict, destination: Path) -> None:
    """render.render_document's steps with docxtpl's own DocxTemplate (no override)."""
    document = DocxTemplate(template)
    document.init_docx()
    loops = "{%tc " in document.get_xml()
    token = render.RENDERING.set(document)
    try:
        document.render(context, render.jinja_env(), autoescape=True)
    finally:
        render.RENDERING.reset(token)
    # The project's changes, which it makes on the rendered XML (render.Template.build_xml), made on the body's
    body = document.docx.element.body
    xml = etree.tostring(body, encoding="unicode")
    if loops:
        xml = render.fit_repeated_columns(xml)
    xml = render.fill_table_of_contents(xml, render.styles_by_name(document.docx))
    xml = render.remove_empty_last_section(xml)
    body.getparent().replace(body, parse_xml(xml))
    document.save(destination)


BLANKS_OUT = etree.XMLParser(remove_blank_text=True)
"""python-docx's own parser setting: render.Template parses the rendered body as python-docx parses a part, so the
indentation docxtpl's InlineImage leaves between the elements of a picture (wp:inline) is gone — Word ignores it."""


def canonical(data: bytes) -> bytes:
    """An XML part written canonically (attribute order, namespace declarations, empty elements), without the
    blank text between elements."""
    return etree.tostring(etree.fromstring(data, BLANKS_OUT), method="c14n")


def differing_parts(ours: Path, stock: Path) -> list[str]:
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(stock) as b:
        names = set(a.namelist()) | set(b.namelist())
        different = []
        for name in sorted(names - OWN_PARTS):
            if name not in a.namelist() or name not in b.namelist():
                different.append(name)
                continue
            left, right = a.read(name), b.read(name)
            if name.endswith((".xml", ".rels")):
                left, right = canonical(left), canonical(right)
            if left != right:
                different.append(name)
        return different


@pytest.fixture
def compared(tmp_path, monkeypatch):
    """Every document a build renders is rendered by stock docxtpl too and compared; the results are written to
    a file (a build may write documents in forked processes)."""
    results = tmp_path / "compared.jsonl"
    project = render.render_document

    def both(template, context, destination):
        written = project(template, context, destination)
        stock = destination.with_name(".stock-" + destination.name)
        stock_render(Path(template), context, stock)
        difference = differing_parts(destination, stock)
        stock.unlink()
        with results.open("a", encoding="utf-8") as file:
            file.write(json.dumps({"template": Path(template).name, "different": difference}) + "\n")
        return written

    monkeypatch.setattr(render, "render_document", both)
    return results


def change_first_action(workbook: Path, **values) -> None:
    """The first action of a sample workbook given `values` (header → value, or → function of the value)."""
    book = load_workbook(workbook)
    sheet = book["Actions"] if "Actions" in book.sheetnames else book.worksheets[0]
    header = next(row for row in sheet.iter_rows(max_row=15) if any(cell.value == "Statut" for cell in row))
    for cell in header:
        if cell.value in values:
            below = sheet.cell(row=cell.row + 1, column=cell.column)
            value = values[cell.value]
            below.value = value(below.value) if callable(value) else value
    book.save(workbook)


def test_every_template_renders_as_stock_docxtpl_renders_it(tmp_path, compared):
    data = shutil.copytree(SAMPLE, tmp_path / "data")
    build = tmp_path / "build"
    options = ["--data", str(data), "--build", str(build), "--processus", "1"]
    # A description with a tab and line breaks (docxtpl's resolve_listing)
    change_first_action(data / "engis-cpas" / "services" / next(iter(sorted(
        p.name for p in (data / "engis-cpas" / "services").glob("*.xlsx")))),
        Description="Première ligne\nSeconde ligne\tdécalée\n\nAprès une ligne vide")
    # The PST, the fiches, the synergies and the rapport d'exécution of both entities
    assert main(["rapport", *options]) == 0
    # An adopted version, one status changed since, a joint PST: the modifications and the joint PST
    assert main(["adopter", "--data", str(data), "--build", str(build), "--seance", "2020-06-26"]) == 0
    change_first_action(data / "engis-commune" / "services" / "Travaux.xlsx", Statut=lambda status: "Terminée" if status == "Abandonnée" else "Abandonnée")
    for folder, partner in (("engis-commune", "CPAS"), ("engis-cpas", "COMMUNE")):
        book = load_workbook(data / folder / "cadre.xlsx")
        book["Paramètres"].append(["PST conjoint avec", partner])
        book.save(data / folder / "cadre.xlsx")
    assert main(["modifications", *options]) == 0
    # The annual report on the synergies (make synergies)
    assert main(["synergies", *options, "--annee", "2021"]) == 0

    results = [json.loads(line) for line in compared.read_text(encoding="utf-8").splitlines()]
    templates = {importlib.import_module(f"pipeline.outputs.{name}") for name in outputs.REGISTRY}
    declared = {module.TEMPLATE for module in templates if hasattr(module, "TEMPLATE")}
    assert {result["template"] for result in results} == declared
    assert [result for result in results if result["different"]] == []
