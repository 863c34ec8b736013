"""The floor of `make bench`: the least a build of these workbooks can cost, as a whole process.

Reads every workbook of an entity folder the way the product is required to read them — pandas with its calamine
engine, every sheet as strings, `keep_default_na=False` — then renders the actions (number and libellé) once through
a minimal docxtpl template, and saves the document. Importing pandas is part of the floor: a build cannot read a
workbook without it (DEVELOPERS.md names pandas and its calamine engine as the reader).

    python bench/floor.py ENTITY_FOLDER OUTPUT.docx
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from docx import Document
from docxtpl import DocxTemplate
import pandas as pd


def minimal_template(path: Path) -> None:
    document = Document()
    document.add_paragraph("{%p for a in actions %}")
    document.add_paragraph("Action {{ a.number }} : {{ a.title }}")
    document.add_paragraph("{%p endfor %}")
    document.save(path)


def read_actions(folder: Path) -> list[dict]:
    actions = []
    for path in sorted(folder.rglob("*.xlsx")):
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, keep_default_na=False,
                               engine="calamine")
        for name, grid in sheets.items():
            rows = grid.to_numpy().tolist()
            if name == "Actions" and rows:
                title = rows[0].index("Libellé de l'action")
                actions += [{"number": str(len(actions) + 1), "title": row[title]} for row in rows[1:]]
    return actions


def main(folder: str, output: str) -> int:
    with tempfile.TemporaryDirectory() as temporary:
        template = Path(temporary) / "minimal.docx"
        minimal_template(template)
        document = DocxTemplate(template)
        document.render({"actions": read_actions(Path(folder))}, autoescape=True)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        document.save(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
