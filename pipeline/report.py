"""The validation report: one workbook row per finding, filterable per file, to send each service its lines.

Text typed by services goes into cells as text only: a value starting with = + - @ stays text and never becomes a
formula when the coordinator opens the report.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from .atomic import atomic_path
from .findings import ERROR, NOTE, SEVERITY_ORDER, WARNING, Finding

REPORT_NAME = "Rapport_validation.xlsx"
COLUMNS = (  # header, width
    ("Gravité", 14), ("Code", 24), ("Fichier", 30), ("Feuille", 22), ("Ligne", 8), ("Colonne", 9),
    ("En-tête", 24), ("Valeur lue", 30), ("Message", 80), ("Suggestion", 60),
)
SEVERITY_FILLS = {ERROR: "F8CBAD", WARNING: "FFE699", NOTE: "DDEBF7"}
MAX_CELL = 32767


def as_text(value) -> str:
    """A cell value that Excel shows as typed: control characters removed, length within Excel's limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL]


def put(sheet, row: int, column: int, value) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = as_text(value)
        cell.data_type = "s"  # never a formula, whatever the first character
    else:
        cell.value = value


def finding_row(f: Finding) -> tuple:
    return (f.severity, f.code, f.file, f.sheet, f.row, f.column, f.header, f.value, f.message, f.suggestion)


def write_findings_sheet(sheet, findings: list[Finding]) -> None:
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3864")
    for index, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font, cell.fill = header_font, header_fill
        sheet.column_dimensions[get_column_letter(index)].width = width
    ordered = sorted(findings, key=lambda f: (f.file, SEVERITY_ORDER[f.severity], f.sheet, f.row or 0))
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, f in enumerate(ordered, start=2):
        for col, value in enumerate(finding_row(f), start=1):
            put(sheet, r, col, value if value is not None else "")
            sheet.cell(row=r, column=col).alignment = wrap
        sheet.cell(row=r, column=1).fill = PatternFill("solid", fgColor=SEVERITY_FILLS[f.severity])
    last = max(len(ordered) + 1, 2)
    table = Table(displayName="Constats", ref=f"A1:{get_column_letter(len(COLUMNS))}{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"


def write_summary_sheet(sheet, findings: list[Finding], label: str) -> None:
    sheet["A1"] = f"Rapport de validation — {as_text(label)}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = ("Chaque ligne de la feuille « Constats » signale un problème, avec le fichier, la feuille, la "
                   "ligne et la colonne. Filtrez la colonne « Fichier » pour envoyer à chaque service ses lignes.")
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.merge_cells("A2:D2")
    sheet.row_dimensions[2].height = 60
    for col, title in enumerate(("Fichier", "Erreurs", "Avertissements", "Notes"), start=1):
        sheet.cell(row=4, column=col, value=title).font = Font(bold=True)
    counts = Counter((f.file, f.severity) for f in findings)
    files = sorted({f.file for f in findings})
    for r, file in enumerate(files, start=5):
        put(sheet, r, 1, file or "(ensemble)")
        for col, severity in enumerate((ERROR, WARNING, NOTE), start=2):
            sheet.cell(row=r, column=col, value=counts[(file, severity)])
    if not files:
        sheet.cell(row=5, column=1, value="Aucun constat : tous les classeurs ont été lus sans remarque.")
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


def write_validation_report(findings: list[Finding], path: Path, label: str) -> Path:
    """Write the report atomically (temporary file, then moved into place)."""
    book = Workbook()
    summary = book.active
    summary.title = "Résumé"
    write_summary_sheet(summary, findings, label)
    fit_to_page_width(summary, landscape=False)
    details = book.create_sheet("Constats")
    write_findings_sheet(details, findings)
    fit_to_page_width(details, landscape=True)
    details.print_title_rows = "1:1"
    with atomic_path(path) as temporary:
        book.save(temporary)
    return path
