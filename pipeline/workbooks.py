"""Workbooks written for people: the blank workbooks of the contract (input_templates/).

Headers, order and help texts all come from pipeline.contract, so the blank workbooks always match what the
reader accepts.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import contract as c

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
TEXT_KINDS = {c.OO_CODE, c.ACTION_NUMBER, c.OS_NUMBER, c.TEXT, c.MULTILINE, c.CODE_LIST, c.VOLET, c.VOCABULARY}


def column_help(column: c.Column) -> str:
    parts = [column.help] if column.help else []
    if column.vocabulary:
        parts.append("Valeurs : " + ", ".join(column.vocabulary.values) + ".")
    parts.append("Obligatoire." if column.required else "Facultatif.")
    return " ".join(parts)


def write_header(sheet, columns: tuple[c.Column, ...], rows: int = 200) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(column_help(column), "PST")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.kind == c.MULTILINE or column.key == "title" else 18
        if column.kind in TEXT_KINDS:
            # Formatted as text so Excel never turns "2.4" into a date or "1.10" into 1.1.
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def blank_cadre() -> Workbook:
    book = Workbook()
    parameters = book.active
    parameters.title = c.PARAMETERS_SHEET.name
    write_header(parameters, c.PARAMETERS_SHEET.columns, rows=0)
    for row, parameter in enumerate(c.PARAMETERS, start=2):
        parameters.cell(row=row, column=1, value=parameter.label)
        parameters.cell(row=row, column=2).comment = Comment(
            f"Exemple : {parameter.help}." + ("" if parameter.required else " Facultatif."), "PST")
    parameters.column_dimensions["B"].width = 40
    for contract in (c.STRATEGIC_OBJECTIVES_SHEET, c.OPERATIONAL_OBJECTIVES_SHEET):
        write_header(book.create_sheet(contract.name), contract.columns)
    return book


def blank_service() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = c.ACTIONS_SHEET.name
    write_header(sheet, c.ACTIONS_SHEET.columns)
    return book


def write_blank_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, book in (("cadre.xlsx", blank_cadre()), ("service.xlsx", blank_service())):
        path = folder / name
        book.save(path)
        written.append(path)
    return written
