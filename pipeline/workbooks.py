"""Workbooks written for people: the services' workbooks (`make templates`) and the blank workbooks of the contract
(input_templates/, `make modeles-vierges`).

Headers, order, help texts and vocabularies all come from pipeline.contract, so a generated workbook always
matches what the reader accepts. A service's workbook holds:

- « Instructions »: what to fill, who to send it to, by when, what happens next (read-only);
- « Actions »: the contract's headers in an Excel table, a comment and an input message on each column,
  dropdowns (from the frame and the `Listes` sheet of cadre.xlsx), dates and whole percentages checked, code
  columns formatted as text (Excel never turns « 2.4 » into a date); the header row is protected, the input
  rows are not;
- « Cadre »: the volets, OS and OO with their titles (read-only), so that « 2.4 » is explained in the workbook;
- « Exemple »: a filled example on its own sheet, which the reader never takes for an action;
- « Listes » (hidden): the dropdown values, each list behind a defined name (no inline list, whatever its length).

Sheets are protected without a password: the coordinator can lift the protection (Révision › Ôter la protection).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from copy import copy
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from . import contract as c
from .clean import removed
from .findings import instruction, phrase
from .model import Volet
from .atomic import atomic_path
from .french import shorten, typography as french

# --- Look ----------------------------------------------------------------------------------------------------
NAVY = "1F3864"
ORANGE = "C55A11"
GREY = "595959"
LIGHT_BLUE = "DDEBF7"
FONT_NAME = "Calibri"


def font(**style) -> Font:
    """Every font of the workbooks names its family: without a name, LibreOffice shows bold text in a serif."""
    return Font(name=FONT_NAME, **style)


WHITE_BOLD = font(bold=True, color="FFFFFF")
HEADER_FONT = WHITE_BOLD
HEADER_FILL = PatternFill("solid", fgColor=NAVY)
REQUIRED_FILL = PatternFill("solid", fgColor=ORANGE)
REFERENCE_FILL = PatternFill("solid", fgColor=GREY)
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
TOP_LEFT_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
UNLOCKED = Protection(locked=False)
TEXT_KINDS = {c.OO_CODE, c.ACTION_NUMBER, c.OS_NUMBER, c.TEXT, c.MULTILINE, c.CODE_LIST, c.VOLET, c.VOCABULARY}
DATE_FORMAT = "DD/MM/YYYY"
LINE_HEIGHT = 15  # points per line of 11-point text

INPUT_ROWS = 500
BUDGET_INPUT_ROWS = 300
BUDGET_TABLE = "Tableau_Financement"
"""Rows open to input below the headers of « Actions » (more when a pre-filled workbook needs them)."""

PRINTED_BLANK_ROWS = 15
ACTIONS_TABLE = "Tableau_Actions"
EXAMPLE_YEAR = 2026
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
EXCEL_EPOCH = dt.date(1899, 12, 30)

KIND_WIDTHS = {c.DATE: 12, c.MULTILINE: 36, c.YEAR: 10, c.AMOUNT: 15}
DEFAULT_WIDTH = 30


def action_columns() -> tuple[c.Column, ...]:
    """The « Actions » columns as laid out for services: « Réf. » first (the row's identity, kept when a row is
    cleared as a whole), then the contract's order."""
    columns = c.ACTIONS_SHEET.columns
    return (c.ACTIONS_SHEET.column("reference"), *(col for col in columns if col.key != "reference"))


FROZEN_COLUMNS = 5
"""Réf., Volet, N° OO, N° action and the libellé stay in view while scrolling right."""


OO_LABEL_LENGTH = 90
"""Characters of an OO's title in the N° OO dropdown (a longer one is cut with « … »: the Cadre sheet has it)."""


def oo_label(code: str, title: str) -> str:
    return f"{code} – {shorten(title, OO_LABEL_LENGTH)}"


# --- What a service's workbook is made of ---------------------------------------------------------------------
@dataclass
class ServiceWorkbook:
    """Everything a service's workbook shows; the generic blank workbook leaves the entity fields empty."""

    service: str = ""
    entity_name: str = ""
    entity_type: str = ""
    legislature: str = ""
    volets: list[Volet] = field(default_factory=list)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """`Listes` column key (services, representatives, plans, institutions, sdgs) → dropdown values."""
    deadline: str = ""
    contact: str = ""
    return_address: str = ""
    rows: list[dict[str, object]] = field(default_factory=list)
    """Pre-filled actions: column key → cell value."""
    budget_rows: list[dict[str, object]] = field(default_factory=list)
    """Pre-filled budget lines (sheet « Financement »): column key → cell value."""
    prefilled_from: str = ""
    """French date of the build the pre-filled rows come from."""

    @property
    def oo_choices(self) -> tuple[str, ...]:
        """The N° OO dropdown: « 2.4 – Soutenir le commerce local », each OO of each volet (the reader takes « 2.4 »
        from it; typing « 2.4 » works as well)."""
        labels = [oo_label(oo.code, oo.title) for volet in self.volets for oo in volet.operational()]
        return tuple(dict.fromkeys(labels))

    def dropdown(self, column: c.Column) -> tuple[str, ...]:
        """The values offered in the column's dropdown; empty: free text."""
        if column.key == "reference":
            return ()
        if column.vocabulary is not None:
            return column.vocabulary.values
        if column.key == "oo_code":
            return self.oo_choices
        if column.listed_in:
            return tuple(self.choices.get(column.listed_in, ()))
        return ()

    @property
    def input_rows(self) -> int:
        return max(INPUT_ROWS, len(self.rows) + 200)

    @property
    def budget_input_rows(self) -> int:
        return max(BUDGET_INPUT_ROWS, len(self.budget_rows) + 100)


def described(book: Workbook, title: str, creator: str) -> Workbook:
    """Excel's Fichier › Informations: the workbook's title and who made it (the entity), not « openpyxl »."""
    title, creator = removed(title), removed(creator)  # a file name may hold a control character
    book.properties.title = title[:255]
    book.properties.creator = creator[:255]
    book.properties.lastModifiedBy = creator[:255]
    return book


def cell_value(value):
    """A value for a cell of a workbook a service fills in and sends back: text without the characters a workbook
    cannot hold (`clean.removed`: shown by a picture, they would be read back as part of the value)."""
    return removed(value) if isinstance(value, str) else value


def cleaned_spec(spec: ServiceWorkbook) -> ServiceWorkbook:
    """The spec with every text it carries cleaned. Pre-filled rows come from the state file (etat-pst.json) and
    service names from file names: neither went through the reader's cleaning. The frame's volets did."""
    texts = {f.name: cell_value(getattr(spec, f.name)) for f in fields(spec)
             if isinstance(getattr(spec, f.name), str)}
    return replace(
        spec, **texts,
        rows=[{key: cell_value(value) for key, value in row.items()} for row in spec.rows],
        budget_rows=[{key: cell_value(value) for key, value in row.items()} for row in spec.budget_rows],
        choices={key: tuple(cell_value(value) for value in values) for key, values in spec.choices.items()})


def service_workbook(spec: ServiceWorkbook) -> Workbook:
    spec = cleaned_spec(spec)
    book = Workbook()
    described(book, instruction("document-title", service=spec.service, legislature=spec.legislature),
              spec.entity_name)
    instructions = book.active
    instructions.title = c.INSTRUCTIONS_SHEET_NAME
    actions = book.create_sheet(c.ACTIONS_SHEET.name)
    finances = book.create_sheet(c.FINANCE_SHEET.name)
    frame = book.create_sheet(c.FRAME_SHEET_NAME)
    example = book.create_sheet(c.EXAMPLE_SHEET_NAME)
    names = write_lists(book, spec)
    write_instructions(instructions, spec)
    write_actions(actions, spec, names)
    write_finances(finances, spec, names)
    write_frame(frame, spec)
    write_example(example, spec)
    instructions.sheet_properties.tabColor = "548235"
    actions.sheet_properties.tabColor = NAVY
    finances.sheet_properties.tabColor = "2E75B6"
    frame.sheet_properties.tabColor = "8EA9DB"
    example.sheet_properties.tabColor = "F4B183"
    return book


# --- Helpers -------------------------------------------------------------------------------------------------
def text_height(text: str, width: float, size: float = 11) -> float:
    """Row height (points) that shows `text` wrapped in a column `width` characters wide.

    Neither Excel nor LibreOffice reliably fits rows of a generated file, so the height is set — at most
    MAX_ROW_HEIGHT, Excel's limit (a longer text scrolls in its cell)."""
    per_line = max(1.0, width * 1.25 * 11 / size)
    lines = sum(max(1, math.ceil(len(line) / per_line)) for line in str(text).split("\n"))
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT * size / 11 + 3)


MAX_ROW_HEIGHT = 409
"""Points: the tallest row Excel allows."""


def protect(sheet) -> None:
    """Read-only for services, no password (the coordinator can lift it)."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def fit_width(sheet) -> None:
    """Printed one page wide, as many pages long as needed."""
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def print_like_screen(sheet, rows: str, last_row: int) -> None:
    """Printed in landscape with gridlines, each page repeating the headers and the action's identity; the
    print area stops after the filled rows (plus a few blank ones to fill by hand)."""
    sheet.print_area = f"A1:{get_column_letter(len(action_columns()))}{last_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.scale = 60
    sheet.print_options.gridLines = True
    sheet.print_title_rows = rows
    sheet.print_title_cols = f"A:{get_column_letter(FROZEN_COLUMNS)}"


def column_help(column: c.Column) -> str:
    parts = [column.help] if column.help else []
    if column.vocabulary:
        parts.append("Valeurs : " + ", ".join(column.vocabulary.values) + ".")
    parts.append("Obligatoire." if column.required else "Facultatif.")
    return french(" ".join(parts))


def header_cell(sheet, row: int, col: int, column: c.Column) -> None:
    cell = sheet.cell(row=row, column=col, value=column.header)
    cell.font = HEADER_FONT
    cell.fill = REQUIRED_FILL if column.required else REFERENCE_FILL if column.key == "reference" else HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = BOX
    text = column_help(column)
    cell.comment = Comment(text, "PST")
    cell.comment.width = 320
    cell.comment.height = int(text_height(text, 40) * 1.4) + 10


def width_of(column: c.Column) -> int:
    return column.width or KIND_WIDTHS.get(column.kind, DEFAULT_WIDTH)


def number_format(column: c.Column) -> str:
    if column.kind == c.DATE:
        return DATE_FORMAT
    if column.kind == c.AMOUNT:
        return '#,##0.00\\ "€"'
    if column.kind == c.YEAR:
        return "0"
    if column.kind == c.DECIMAL:
        return "0.0#"
    if column.kind in TEXT_KINDS:
        # Text, so that Excel never turns "2.4" into a date or "1.10" into 1.1.
        return "@"
    return "General"


def write_headers(sheet, columns: tuple[c.Column, ...], row: int) -> None:
    for index, column in enumerate(columns, start=1):
        header_cell(sheet, row, index, column)
        sheet.column_dimensions[get_column_letter(index)].width = width_of(column)
    sheet.row_dimensions[row].height = 48


def write_row(sheet, row: int, columns: tuple[c.Column, ...], values: dict[str, object], locked: bool) -> None:
    height = LINE_HEIGHT + 3
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=index)
        value = values.get(column.key)
        if value not in (None, ""):
            cell.value = value
            height = max(height, text_height(value, width_of(column)) if isinstance(value, str) else height)
        cell.number_format = number_format(column)
        # Dates left-aligned like text: a month or a year typed as text then lines up with full dates.
        cell.alignment = TOP_LEFT_WRAP if column.kind == c.DATE else TOP_WRAP
        if not locked:
            cell.protection = UNLOCKED
        if column.key == "reference":
            cell.font = font(italic=True, color=GREY)
    if height > LINE_HEIGHT + 3:
        sheet.row_dimensions[row].height = min(height, 160)


# --- Hidden sheet « Listes » ----------------------------------------------------------------------------------
def list_name(key: str) -> str:
    return f"Liste_{key}"


def write_lists(book: Workbook, spec: ServiceWorkbook) -> dict[str, str]:
    """One column per dropdown on a hidden sheet, each behind a defined name; returns column key → name.

    An inline list is limited to 255 characters and cannot hold a comma (« ODD 16 – Paix, justice… »):
    a range behind a defined name has neither limit and survives LibreOffice."""
    sheet = book.create_sheet(c.LISTS_SHEET.name)
    names: dict[str, str] = {}
    col = 0
    for column in (*action_columns(), *c.FINANCE_SHEET.columns):
        values = spec.dropdown(column)
        if not values or column.key in names:
            continue
        col += 1
        letter = get_column_letter(col)
        sheet.cell(row=1, column=col, value=column.header).font = font(bold=True)
        for row, value in enumerate(values, start=2):
            cell = sheet.cell(row=row, column=col, value=str(value))
            cell.number_format = "@"
        sheet.column_dimensions[letter].width = 40
        name = list_name(column.key)
        reference = f"{quote_sheetname(c.LISTS_SHEET.name)}!${letter}$2:${letter}${len(values) + 1}"
        book.defined_names[name] = DefinedName(name, attr_text=reference)
        names[column.key] = name
    sheet.sheet_state = "hidden"
    protect(sheet)
    return names


# --- Sheet « Actions » ---------------------------------------------------------------------------------------
def write_actions(sheet, spec: ServiceWorkbook, names: dict[str, str]) -> None:
    write_input_table(sheet, action_columns(), spec.rows, spec.input_rows, names, ACTIONS_TABLE)
    sheet.freeze_panes = sheet.cell(row=2, column=FROZEN_COLUMNS + 1).coordinate


# --- Sheet « Financement » (contract 1.1) ------------------------------------------------------------------------
def write_finances(sheet, spec: ServiceWorkbook, names: dict[str, str]) -> None:
    """One row per budget line of the service's actions, each naming its action by « Réf. »."""
    lists = {col.key: names[col.key] for col in c.FINANCE_SHEET.columns if col.vocabulary and col.key in names}
    write_input_table(sheet, c.FINANCE_SHEET.columns, spec.budget_rows, spec.budget_input_rows, lists, BUDGET_TABLE)
    sheet.freeze_panes = "B2"


def write_input_table(sheet, columns: tuple[c.Column, ...], rows: list[dict], input_rows: int,
                      names: dict[str, str], table_name: str) -> None:
    """Headers, the pre-filled rows then empty input rows (all open, whole rows included, so that selecting a row
    and pressing Suppr clears it), a check on every column, an Excel table, protected headers."""
    write_headers(sheet, columns, row=1)
    last_row = input_rows + 1
    for row in range(2, last_row + 1):
        if row - 2 < len(rows) or row == 2:
            write_row(sheet, row, columns, rows[row - 2] if rows else {}, locked=False)
        else:
            # Same styles as row 2, copied (setting them cell by cell is what makes generation slow).
            for col in range(1, len(columns) + 1):
                sheet.cell(row=row, column=col)._style = copy(sheet.cell(row=2, column=col)._style)
        sheet.row_dimensions[row].protection = UNLOCKED
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        validation = validation_for(column, names.get(column.key))
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    table = Table(displayName=table_name, ref=ref, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    sheet.add_table(table)
    protect(sheet)
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    print_like_screen(sheet, rows="1:1", last_row=len(rows) + 1 + PRINTED_BLANK_ROWS)


def validation_for(column: c.Column, list_name_: str | None) -> DataValidation:
    """The column's check and its input message (shown when a cell is selected)."""
    prompt = column_help(column)
    if list_name_ and column.multiple:
        prompt = french(instruction("prompt-several", help=column.help))
    if list_name_:
        validation = DataValidation(type="list", formula1=list_name_, allow_blank=True)
        validation.showErrorMessage = not column.multiple
        # N° OO: a warning only, so that « 2.4 » typed without its title is kept (the reader takes either).
        strict = column.key == "volet" or (column.vocabulary is not None and column.strict)
        validation.errorStyle = "stop" if strict else "warning"
        validation.error = list_error(column, strict)
    elif column.kind == c.PERCENT:
        validation = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                                    allow_blank=True, showErrorMessage=True)
        validation.error = french(instruction("error-percent"))
    elif column.kind == c.YEAR:
        validation = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                                    allow_blank=True, showErrorMessage=True)
        validation.error = french(instruction("error-year"))
    elif column.kind == c.AMOUNT:
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                    allow_blank=True, showErrorMessage=True)
        validation.error = french(instruction("error-amount"))
    elif column.kind == c.DECIMAL:
        validation = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(c.MAX_DECIMAL),
                                    allow_blank=True, showErrorMessage=True)
        validation.error = french(instruction("error-decimal"))
    elif column.kind == c.DATE:
        first, last = (str((day - EXCEL_EPOCH).days) for day in DATE_RANGE)
        validation = DataValidation(type="date", operator="between", formula1=first, formula2=last,
                                    allow_blank=True, showErrorMessage=True)
        # A warning, not a stop: a month (« 12/2027 ») or a year (« 2027 ») typed as text is accepted by the PST.
        validation.errorStyle = "warning"
        validation.error = french(instruction("error-date"))
    else:
        validation = DataValidation(allow_blank=True)
    validation.errorTitle = column.header[:32]
    validation.showInputMessage = True
    validation.promptTitle = column.header[:32]
    validation.prompt = prompt[:255]
    return validation


def list_error(column: c.Column, strict: bool) -> str:
    if column.key == "oo_code":
        return french(instruction("error-oo"))
    return french(instruction("error-list" if strict else "error-list-kept"))


# --- Sheet « Exemple » ---------------------------------------------------------------------------------------
def example_rows(spec: ServiceWorkbook) -> list[dict[str, object]]:
    """Two made-up actions from the examples declared with each column (Column.example), attached to the frame's
    first objectives and dated within the législature, so that they look like the real thing."""
    first = {volet.name: volet.operational()[0].code for volet in spec.volets if volet.operational()}
    year = example_year(spec)
    rows = []
    for index in range(2):
        row = {column.key: example_value(column, column.example[index], spec, year)
               for column in action_columns() if len(column.example) > index}
        row["oo_code"] = first.get(row["volet"], "1.1")
        rows.append({key: value for key, value in row.items() if value not in (None, "")})
    return rows


def example_year(spec: ServiceWorkbook) -> int:
    """The year examples are dated in: within the législature (its second year), never today's — the blank
    workbooks of input_templates/ are reproducible."""
    return int(spec.legislature[:4]) + 1 if spec.legislature[:4].isdigit() else EXAMPLE_YEAR


def example_value(column: c.Column, example, spec: ServiceWorkbook, year: int):
    """An example as a cell value: « {year} », « {next} » and « {service} » filled in, dates as dates, and for a
    column offered a list, each item taken from the list when it is there (else the list's first value)."""
    if not isinstance(example, str):
        return example
    text = example.format(year=year, next=year + 1, service=spec.service or "Travaux")
    if column.kind == c.DATE and len(text) == 10:
        return dt.date.fromisoformat(text)
    choices = spec.choices.get(column.listed_in, ()) if column.listed_in else ()
    if not choices:
        return text
    items = [item.strip() for item in text.split(";")]
    picked = [next((choice for choice in choices if choice == item or choice.startswith(item + " ")), None)
              for item in items]
    if column.multiple:
        return " ; ".join(choice for choice in picked if choice) or choices[0]
    return picked[0] or choices[0]


def write_example(sheet, spec: ServiceWorkbook) -> None:
    columns = action_columns()
    banner = sheet.cell(row=1, column=1, value=french(instruction("example-banner")))
    banner.font = font(bold=True, size=12, color=ORANGE)
    banner.alignment = Alignment(vertical="center")
    sheet.row_dimensions[1].height = 24
    write_headers(sheet, columns, row=2)
    for row, values in enumerate(example_rows(spec), start=3):
        write_row(sheet, row, columns, values, locked=True)
    sheet.freeze_panes = sheet.cell(row=3, column=FROZEN_COLUMNS + 1).coordinate
    protect(sheet)
    print_like_screen(sheet, rows="2:2", last_row=sheet.max_row)


# --- Sheet « Cadre » -----------------------------------------------------------------------------------------
def write_frame(sheet, spec: ServiceWorkbook) -> None:
    sheet.sheet_view.showGridLines = False
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 100
    sheet["A1"] = instruction("frame-title", legislature=spec.legislature, entity_name=spec.entity_name)
    sheet["A1"].font = font(bold=True, size=14, color=NAVY)
    sheet.row_dimensions[1].height = 24
    frame_note(sheet, 2, instruction("frame-note"))
    protect(sheet)
    fit_width(sheet)
    if spec.volets:
        write_objectives(sheet, spec.volets, row=4)
    else:
        frame_note(sheet, 4, instruction("frame-generic"))


def frame_note(sheet, row: int, text: str) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    cell = sheet.cell(row=row, column=1, value=french(text))
    cell.font = font(italic=True)
    cell.alignment = TOP_WRAP
    sheet.row_dimensions[row].height = text_height(cell.value, 110)


def write_objectives(sheet, volets: list[Volet], row: int) -> None:
    for col, label in ((1, "N°"), (2, "Objectif")):
        cell = sheet.cell(row=row, column=col, value=label)
        cell.font, cell.fill = WHITE_BOLD, HEADER_FILL
    sheet.print_title_rows = f"{row}:{row}"
    for volet in volets:
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = sheet.cell(row=row, column=1, value=french(volet_title(volet)))
        cell.font, cell.fill = WHITE_BOLD, PatternFill("solid", fgColor="2F5597")
        sheet.row_dimensions[row].height = 20
        for strategic in volet.objectives:
            row += 1
            frame_line(sheet, row, f"OS {strategic.number}", strategic.title, bold=True)
            for oo in strategic.objectives:
                row += 1
                frame_line(sheet, row, oo.code, oo.title, bold=False)


def volet_title(volet: Volet) -> str:
    """« Volet externe « développement des politiques » »."""
    return phrase("volet-title", volet=volet.key, subject=c.VOLET_SUBJECTS[volet.name])


def frame_line(sheet, row: int, number: str, title: str, bold: bool) -> None:
    number_cell = sheet.cell(row=row, column=1, value=number)
    title_cell = sheet.cell(row=row, column=2, value=title)
    for cell in (number_cell, title_cell):
        cell.font = font(bold=bold)
        cell.alignment = TOP_WRAP
        cell.border = BOX
        cell.number_format = "@"
        if bold:
            cell.fill = PatternFill("solid", fgColor=LIGHT_BLUE)
    title_cell.alignment = Alignment(wrap_text=True, vertical="top", indent=0 if bold else 2)
    sheet.row_dimensions[row].height = text_height(title, 95)


# --- Sheet « Instructions » ----------------------------------------------------------------------------------
class Page:
    """Writes a sheet as a page of text: a title, headings, paragraphs and a two-column table (columns B–C)."""

    TEXT_WIDTH = 118

    def __init__(self, sheet):
        self.sheet = sheet
        self.row = 1
        sheet.sheet_view.showGridLines = False
        sheet.column_dimensions["A"].width = 2
        sheet.column_dimensions["B"].width = 28
        sheet.column_dimensions["C"].width = 90

    def line(self, text: str, font: Font | None = None, fill: PatternFill | None = None, space: float = 0) -> None:
        text = french(text)
        self.sheet.merge_cells(start_row=self.row, start_column=2, end_row=self.row, end_column=3)
        cell = self.sheet.cell(row=self.row, column=2, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="center" if fill else "top", indent=1 if fill else 0)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        size = font.size if font and font.size else 11
        self.sheet.row_dimensions[self.row].height = text_height(text, self.TEXT_WIDTH, size) + space
        self.row += 1

    def title(self, text: str) -> None:
        self.line(text, font(bold=True, size=16, color=NAVY), space=6)

    def heading(self, text: str) -> None:
        self.row += 1
        self.line(text, font(bold=True, size=12, color=NAVY), space=4)

    def paragraph(self, text: str) -> None:
        self.line(text)

    def bullet(self, text: str) -> None:
        self.line("•  " + text)

    def notice(self, text: str) -> None:
        self.line(text, font(bold=True, size=12), PatternFill("solid", fgColor="FCE4D6"), space=10)

    def pair(self, left: str, right: str, header: bool = False) -> None:
        left_cell = self.sheet.cell(row=self.row, column=2, value=french(left))
        right_cell = self.sheet.cell(row=self.row, column=3, value=french(right))
        for cell in (left_cell, right_cell):
            cell.alignment = TOP_WRAP
            cell.border = BOX
            if header:
                cell.font, cell.fill = WHITE_BOLD, HEADER_FILL
        if not header:
            left_cell.font = font(bold=True)
        self.sheet.row_dimensions[self.row].height = max(text_height(french(right), 88), text_height(left, 26))
        self.row += 1


def write_instructions(sheet, spec: ServiceWorkbook) -> None:
    """The sheet's texts are the catalogue's (findings.INSTRUCTIONS), in their order."""
    page = Page(sheet)
    say = partial(instruction, legislature=spec.legislature, entity_name=spec.entity_name, service=spec.service,
                  deadline=spec.deadline, return_address=spec.return_address, contact=spec.contact,
                  prefilled=bool(spec.rows), prefilled_from=spec.prefilled_from, count=len(spec.rows))
    page.title(say("title"))
    page.line(say("workbook"), font(bold=True, size=13))
    if spec.deadline or spec.return_address:
        page.row += 1
        page.notice(say("send-back"))

    page.heading(say("purpose-heading"))
    page.paragraph(say("purpose"))

    page.heading(say("todo-heading"))
    if spec.rows:
        page.paragraph(say("update"))
        for key in ("update-fields", "update-keep", "update-add", "update-remove"):
            page.bullet(say(key))
    else:
        page.bullet(say("fill"))
        page.bullet(say("fill-required", required=[col.header for col in c.ACTIONS_SHEET.required]))

    page.heading(say("cells-heading"))
    page.bullet(say("cells-lists"))
    page.bullet(say("cells-several"))
    page.bullet(say("cells-dates", year=example_year(spec) + 1))
    for key in ("cells-help", "cells-headers", "cells-budget"):
        page.bullet(say(key))

    page.heading(say("return-heading"))
    page.paragraph(say("return"))
    if spec.contact:
        page.paragraph(say("contact"))

    page.heading(say("next-heading"))
    page.paragraph(say("next", council="cpas" if spec.entity_type == c.ENTITY_CPAS else "commune"))

    page.heading(say("columns-heading"))
    page.pair(say("columns-column"), say("columns-use"), header=True)
    for column in action_columns():
        page.pair(column.header, column_help(column))
    protect(sheet)
    fit_width(sheet)


# --- Blank workbooks of the contract (input_templates/) -------------------------------------------------------
def write_header(sheet, columns: tuple[c.Column, ...], rows: int = 200) -> None:
    """Headers of a coordinator's sheet (cadre.xlsx), with their help as comments; text cells below."""
    write_headers(sheet, columns, row=1)
    for index, column in enumerate(columns, start=1):
        if column.key in ("title", "observations", "ambitions") or column.kind == c.MULTILINE:
            sheet.column_dimensions[get_column_letter(index)].width = 50
        if column.kind in TEXT_KINDS:
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    fit_width(sheet)
    sheet.print_title_rows = "1:1"


PARAMETER_CHOICES = {"entity_type": c.ENTITY_TYPES, "numbering": c.NUMBERING, "action_layout": c.ACTION_LAYOUTS,
                     "annexes": c.ANNEX_LAYOUTS, "empty_fields": c.EMPTY_FIELDS, "budget_published": c.PUBLISHED,
                     "licence": c.LICENCES}
"""Parameters of cadre.xlsx offered as a dropdown in the blank frame."""


def blank_cadre() -> Workbook:
    book = Workbook()
    described(book, instruction("cadre-title"), "")
    parameters = book.active
    parameters.title = c.PARAMETERS_SHEET.name
    write_header(parameters, c.PARAMETERS_SHEET.columns, rows=0)
    for row, parameter in enumerate(c.PARAMETERS, start=2):
        parameters.cell(row=row, column=1, value=parameter.label)
        parameters.cell(row=row, column=2).comment = Comment(
            french(f"Exemple : {parameter.help}." + ("" if parameter.required else " Facultatif.")), "PST")
        vocabulary = PARAMETER_CHOICES.get(parameter.key)
        if vocabulary is not None:  # a closed list: a dropdown, a warning for anything else
            check = DataValidation(type="list", formula1='"' + ",".join(vocabulary.values) + '"', allow_blank=True)
            check.errorStyle, check.error = "warning", french("Choisissez une valeur de la liste.")
            check.add(f"B{row}")
            parameters.add_data_validation(check)
    parameters.column_dimensions["A"].width = 20
    parameters.column_dimensions["B"].width = 50
    for contract in (c.STRATEGIC_OBJECTIVES_SHEET, c.OPERATIONAL_OBJECTIVES_SHEET):
        write_header(book.create_sheet(contract.name), contract.columns)
    lists = book.create_sheet(c.LISTS_SHEET.name)
    write_header(lists, c.LISTS_SHEET.columns)
    for index, column in enumerate(c.LISTS_SHEET.columns, start=1):
        lists.column_dimensions[get_column_letter(index)].width = 40
        for row, value in enumerate(c.DEFAULT_LISTS.get(column.key, ()), start=2):
            lists.cell(row=row, column=index, value=value)
    return book


def filled_cadre(parameters: dict[str, str], sheets: dict[str, list[dict]], lists: dict[str, list],
                 people: list[dict]) -> Workbook:
    """The blank cadre filled in: `parameters` (key → value), the rows of the objectives' sheets (sheet name → rows,
    key → value), the columns of `Listes` (key → values; a list not given keeps its default) and its people (key →
    value). Codes stay text (« 1.10 » never becomes 1.1)."""
    book = blank_cadre()
    sheet = book[c.PARAMETERS_SHEET.name]
    for row, parameter in enumerate(c.PARAMETERS, start=2):
        if parameters.get(parameter.key):
            sheet.cell(row=row, column=2, value=removed(str(parameters[parameter.key]))).number_format = "@"
    for contract in (c.STRATEGIC_OBJECTIVES_SHEET, c.OPERATIONAL_OBJECTIVES_SHEET):
        fill_rows(book[contract.name], contract.columns, sheets.get(contract.name, []))
    sheet = book[c.LISTS_SHEET.name]
    for index, column in enumerate(c.LISTS_SHEET.columns, start=1):
        values = [person.get(column.key, "") for person in people] if column.key in c.PERSON_KEYS \
            else lists.get(column.key)
        if values is None:
            continue
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row=row, column=index).value = None
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=index, value=removed(str(value)) if value else None)
    return book


def fill_rows(sheet, columns: tuple[c.Column, ...], rows: list[dict]) -> None:
    for row, values in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = values.get(column.key)
            if value not in (None, ""):
                cell = sheet.cell(row=row, column=index, value=removed(str(value)))
                cell.number_format = "@"


def blank_service() -> Workbook:
    """The generic workbook: every dropdown the contract alone can give, the frame left to `make templates`."""
    return service_workbook(ServiceWorkbook(choices=dict(c.DEFAULT_LISTS)))


def save_workbook(book: Workbook, path: Path) -> Path:
    """Write to a temporary file, then move into place: never a half-written workbook. A text longer than a cell
    admits (a composed instruction, institutions joined by « ; ») is cut with « … » rather than refused by Excel
    when the service opens the file; a character no workbook can hold that got past `cleaned_spec` is
    removed."""
    fit_cells(book)
    with atomic_path(path) as temporary:
        book.save(temporary)
    return path


def fit_cells(book: Workbook) -> None:
    """Every text cell of `book` as a workbook can hold it (cut to the cell's limit, forbidden characters out)."""
    for sheet in book.worksheets:
        for cell in sheet._cells.values():  # the cells written (iter_rows would create every empty one)
            if isinstance(cell.value, str):
                text = cell_value(cell.value)
                if len(text) > c.MAX_CELL_TEXT:
                    text = shorten(text, c.MAX_CELL_TEXT)
                if text is not cell.value:
                    kind = cell.data_type  # text forced as text stays text, even « =… »
                    cell.value = text
                    cell.data_type = kind


REPRODUCIBLE_TIME = dt.datetime(2025, 1, 1)
"""The date a blank workbook of the contract says it was created and modified (Fichier › Propriétés), and the date
of each part in its zip: the same contract always gives the same bytes, so that regenerating input_templates/
leaves an unchanged workbook untouched (and git sees no change)."""
CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def reproducible_bytes(book: Workbook) -> bytes:
    """`book` as an .xlsx whose bytes depend on its content only: openpyxl stamps the time of saving in its
    properties (docProps/core.xml) and in each part of the zip; both are set to REPRODUCIBLE_TIME."""
    fit_cells(book)
    book.properties.created = book.properties.modified = REPRODUCIBLE_TIME
    written = io.BytesIO()
    book.save(written)
    stamp = REPRODUCIBLE_TIME.isoformat().encode() + b"Z"
    fixed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "docProps/core.xml":
                data = CORE_DATES.sub(lambda match: match[1] + stamp + match[2], data)
            part = zipfile.ZipInfo(member.filename, date_time=REPRODUCIBLE_TIME.timetuple()[:6])
            part.external_attr = member.external_attr
            target.writestr(part, data, compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def write_blank_templates(folder: Path) -> list[tuple[Path, bool]]:
    """The blank workbooks of the contract (cadre.xlsx, service.xlsx) in `folder`, each with whether it changed:
    a workbook the contract still gives byte for byte is left as it is."""
    written = []
    for name, book in (("cadre.xlsx", blank_cadre()), ("service.xlsx", blank_service())):
        path, data = folder / name, reproducible_bytes(book)
        changed = not path.is_file() or path.read_bytes() != data
        if changed:
            with atomic_path(path) as temporary:
                temporary.write_bytes(data)
        written.append((path, changed))
    return written
