"""Each service its feedback: after every build, `<BUILD>/<entité>/retours/<its workbook's file name>` for each
service workbook with errors or warnings, and only for those — a copy of the service's own workbook, each faulty
cell highlighted with a comment holding the French message and what to do, and a first sheet listing its
findings. What the coordinator e-mails back; the original is never touched.

A workbook openpyxl cannot rewrite (.xls, .xlsb, .ods, or a damaged file) gets a new .xlsx with the list only. A
finding on a merged cell is put on the merged range's first (top-left) cell, the one Excel shows. A character a
workbook cannot hold, quoted by a finding (a control character pasted from another program), is shown by its
picture (« ␇ », `clean.visible`) in the list and the comments.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .. import contract as c
from ..clean import visible
from ..findings import ERROR, WARNING, Finding, phrase
from .base import Job, Output
from .report import FONT, SEVERITY_FILLS, fit_to_page_width

# openpyxl (and workbooks.py) are imported by the functions that write a workbook, as in report.py.

FOLDER = "retours"
SHEET = phrase("feedback-sheet")
LABELS = {severity: phrase(f"feedback-{severity}") for severity in (ERROR, WARNING)}
EDITABLE = (".xlsx", ".xlsm")
COLUMNS = tuple((phrase(f"column-{key}"), width) for key, width in (  # header (PHRASES « column-… »), width
    ("severity", 13), ("finding", 22), ("sheet", 12), ("row", 6), ("column", 8), ("header-read", 16), ("value", 18),
    ("message", 50), ("todo", 38),
))
"""Narrow enough to print legibly on a landscape page."""
AUTHOR = "PST"


def service_findings(job: Job) -> dict[str, list[Finding]]:
    """File name → the errors and warnings of each service workbook of the entity (found in services/)."""
    services = job.source / c.SERVICES_DIR if job.source else None
    found: dict[str, list[Finding]] = {}
    for f in job.findings:
        if f.severity in (ERROR, WARNING) and f.file and services is not None and (services / f.file).is_file():
            found.setdefault(f.file, []).append(f)
    return found


def file_name(name: str) -> str:
    """The feedback's file name: the workbook's, or the same name as .xlsx when it cannot be rewritten."""
    path = Path(name)
    return name if path.suffix.lower() in EDITABLE else f"{path.stem}.xlsx"


def files(job: Job) -> list[str]:
    return [f"{FOLDER}/{file_name(name)}" for name in sorted(service_findings(job))]


def sheet_named(book, name: str):
    """The workbook's sheet the findings call `name` (the contract's spelling; the file may differ in case or
    accents, or hold a single sheet of another name)."""
    for contract in (c.ACTIONS_SHEET, c.FINANCE_SHEET):
        if contract.name == name:
            match = next((sheet for sheet in book.worksheets if contract.matches_name(sheet.title)), None)
            if match is not None:
                return match
    match = next((sheet for sheet in book.worksheets if c.fold(sheet.title) == c.fold(name)), None)
    return match or (book.worksheets[0] if len(book.worksheets) == 1 else None)


def comment_text(findings: list[Finding]) -> str:
    """The comment of a cell: each finding's message and what to do, once (a merged cell's rows share theirs)."""
    ordered = sorted(findings, key=lambda f: f.severity != ERROR)  # what must be fixed first
    lines = dict.fromkeys(f"{LABELS[f.severity].upper()} : {f.message}"
                          + (f"\n→ {f.suggestion}" if f.suggestion else "") for f in ordered)
    return visible("\n\n".join(lines))


def target_cell(book, finding: Finding):
    """The cell that shows a finding: its own, or the first cell of the merged range it belongs to (the others
    cannot hold a value, a fill nor a comment); a finding on a whole row marks its first cell. None when the sheet
    or the column is not in the workbook."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils import column_index_from_string

    sheet = sheet_named(book, finding.sheet)
    if sheet is None:
        return None
    try:
        cell = sheet.cell(row=finding.row, column=column_index_from_string(finding.column or "A"))
    except ValueError:  # a column letter beyond XFD, a row outside the sheet
        return None
    if isinstance(cell, MergedCell):
        merged = next((area for area in sheet.merged_cells.ranges if cell.coordinate in area), None)
        if merged is not None:
            cell = sheet.cell(row=merged.min_row, column=merged.min_col)
    return cell


def mark_cells(book, findings: list[Finding]) -> None:
    """Each faulty cell filled (red for an error, yellow for a warning) with a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[object, list[Finding]] = {}
    for f in findings:
        if f.sheet and f.row:
            cell = target_cell(book, f)
            if cell is not None:
                by_cell.setdefault(cell, []).append(f)
    for cell, items in by_cell.items():
        severity = ERROR if any(f.severity == ERROR for f in items) else WARNING
        cell.fill = PatternFill("solid", fgColor=SEVERITY_FILLS[severity])
        text = comment_text(items)
        comment = Comment(text[:32000], AUTHOR)
        comment.width, comment.height = 420, min(80 + 15 * text.count("\n") + len(text) // 3, 600)
        cell.comment = comment


def list_sheet(book, findings: list[Finding], editable: bool) -> None:
    """The first sheet: the workbook's findings, errors first, in the order of the sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(SHEET, 0)
    bold = Font(name=FONT, bold=True, color="FFFFFF")
    for index, (header, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = bold, PatternFill("solid", fgColor="1F3864")
        sheet.column_dimensions[get_column_letter(index)].width = width
    ordered = sorted(findings, key=lambda f: (f.severity != ERROR, f.sheet, f.row or 0, f.column))
    for row, f in enumerate(ordered, start=2):
        values = (LABELS[f.severity], f.title, f.sheet, f.row, f.column, f.header, str(f.value or ""), f.message,
                  f.suggestion)
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index)
            if isinstance(value, str):
                cell.value = visible(value)
                cell.data_type = "s"  # typed text stays text, even « =… »
            else:
                cell.value = value
            cell.font = Font(name=FONT)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=row, column=1).fill = PatternFill("solid", fgColor=SEVERITY_FILLS[f.severity])
    note = phrase("feedback-note" if editable else "feedback-note-copy")
    sheet.cell(row=len(ordered) + 3, column=1, value=note).font = Font(name=FONT, italic=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(ordered) + 1}"
    sheet.print_title_rows = "1:1"
    fit_to_page_width(sheet, landscape=True)
    book.active = 0
    for other in book.worksheets[1:]:
        other.sheet_view.tabSelected = False


def write(job: Job, part: int, into: Path) -> None:
    from openpyxl import Workbook, load_workbook

    from ..workbooks import described

    name = sorted(service_findings(job))[part]
    findings = service_findings(job)[name]
    original = job.source / c.SERVICES_DIR / name
    book = None
    # A workbook refused as a whole (damaged, protected, not a workbook, too large…) is never opened again.
    refused = any(f.is_error and f.row is None for f in findings)
    if original.suffix.lower() in EDITABLE and not refused:
        try:
            with warnings.catch_warnings():  # openpyxl's own remarks on odd cells (in English): the findings say it
                warnings.simplefilter("ignore")
                book = load_workbook(original, keep_vba=original.suffix.lower() == ".xlsm")
        except Exception:  # a file openpyxl cannot rewrite: the list alone (the build has read it its own way)
            book = None
    editable = book is not None
    if book is None:
        book = Workbook()
        book.remove(book.active)
    else:
        mark_cells(book, findings)
    list_sheet(book, findings, editable)
    described(book, phrase("feedback-title", name=name), job.label)
    book.save(into)


OUTPUT = Output(
    name="retours",
    stem=lambda job: FOLDER,
    write=write,
    labels=("Retours aux services", "Retours aux services"),
    suffix=".xlsx",
    always=True,
    files=files,
)
