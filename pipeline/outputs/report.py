"""The validation report: one workbook row per finding, filterable per file, to send each service its lines.

Text typed by services goes into cells as text only: a value starting with = + - @ stays text and never becomes a
formula when the coordinator opens the report. A character a workbook cannot hold (a control character pasted
from another program, quoted by a finding) is shown by its picture (« ␇ », `clean.visible`), so that the cell can
be found.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..clean import visible
from ..findings import ERROR, NOTE, SEVERITY_ORDER, WARNING, Finding, phrase
from .base import Output

# openpyxl (and workbooks.py, which writes with it) are imported by the functions that write a workbook: the build
# imports every output module to know what it writes, and writes the report in its main process while other
# processes write the Word documents (a tenth of a second less before the first workbook is read).

REPORT_NAME = "Rapport_validation.xlsx"
COLUMNS = tuple((phrase(f"column-{key}"), width) for key, width in (  # header (PHRASES « column-… »), width
    ("severity", 14), ("finding", 26), ("file", 26), ("sheet", 20), ("row", 8), ("column", 9),
    ("header-read", 20), ("value", 24), ("message", 70), ("suggestion", 50), ("code", 20),
))
"""The finding's French label first; its code last (for whoever maintains the tool)."""
FONT = "Calibri"
"""Named on every styled cell: a font without a name is shown in a serif font by LibreOffice."""
SEVERITY_FILLS = {ERROR: "F8CBAD", WARNING: "FFE699", NOTE: "DDEBF7"}
MAX_CELL = 32767


def as_text(value) -> str:
    """A cell value that Excel shows as typed: control characters shown by their picture (␇), length within
    Excel's limit."""
    return visible(str(value))[:MAX_CELL]


def put(sheet, row: int, column: int, value) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = as_text(value)
        cell.data_type = "s"  # never a formula, whatever the first character
    else:
        cell.value = value


def finding_row(f: Finding) -> tuple:
    return (f.severity, f.title, f.file, f.sheet, f.row, f.column, f.header, f.value, f.message, f.suggestion, f.code)


def write_findings_sheet(sheet, findings: list[Finding]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from ..workbooks import text_height

    header_font = Font(name=FONT, bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3864")
    for index, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font, cell.fill = header_font, header_fill
        sheet.column_dimensions[get_column_letter(index)].width = width
    ordered = sorted(findings, key=lambda f: (f.file, SEVERITY_ORDER[f.severity], f.sheet, f.row or 0))
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, f in enumerate(ordered, start=2):
        values = finding_row(f)
        for col, value in enumerate(values, start=1):
            put(sheet, r, col, value if value is not None else "")
            sheet.cell(row=r, column=col).alignment = wrap
        sheet.cell(row=r, column=1).fill = PatternFill("solid", fgColor=SEVERITY_FILLS[f.severity])
        sheet.row_dimensions[r].height = min(409, max(text_height(as_text(value), width)
                                                      for value, (_, width) in zip(values, COLUMNS) if value))
    last = max(len(ordered) + 1, 2)
    ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    table = Table(displayName="Constats", ref=ref, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"


def write_summary_sheet(sheet, findings: list[Finding], label: str) -> None:
    from openpyxl.styles import Alignment, Font

    sheet["A1"] = phrase("report-title", label=as_text(label))
    sheet["A1"].font = Font(name=FONT, bold=True, size=14)
    errors = sum(f.severity == ERROR for f in findings)
    sheet["A2"] = phrase("report-summary", outcome=phrase("report-errors" if errors else "report-no-error"))
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells("A2:D2")
    sheet.row_dimensions[2].height = 75
    for col, key in enumerate(("file", "errors", "warnings", "notes"), start=1):
        cell = sheet.cell(row=4, column=col, value=phrase(f"column-{key}"))
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = Alignment(horizontal="left" if col == 1 else "right")
    counts = Counter((f.file, f.severity) for f in findings)
    files = sorted({f.file for f in findings})
    for r, file in enumerate(files, start=5):
        put(sheet, r, 1, file or phrase("report-all-files"))
        for col, severity in enumerate((ERROR, WARNING, NOTE), start=2):
            sheet.cell(row=r, column=col, value=counts[(file, severity)])
    if not files:
        sheet.cell(row=5, column=1, value=phrase("report-no-finding"))
    sheet.column_dimensions["A"].width = 45
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16


def fit_to_page_width(sheet, landscape: bool) -> None:
    """Printed (or rendered to PDF), every column fits across the page."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def write_report(findings: list[Finding], path: Path, label: str) -> Path:
    from openpyxl import Workbook

    from ..workbooks import described

    book = Workbook()
    described(book, phrase("report-title", label=label), label)
    summary = book.active
    summary.title = phrase("report-summary-sheet")
    write_summary_sheet(summary, findings, label)
    fit_to_page_width(summary, landscape=False)
    details = book.create_sheet(phrase("report-findings-sheet"))
    write_findings_sheet(details, findings)
    fit_to_page_width(details, landscape=True)
    details.print_title_rows = "1:1"
    book.save(path)
    return path


OUTPUT = Output(
    name="report",
    stem=lambda job: REPORT_NAME.removesuffix(".xlsx"),
    write=lambda job, part, into: write_report(job.findings, into, job.label),
    labels=("Rapport de validation", "Rapport de validation"),
    suffix=".xlsx",
    always=True,
)
