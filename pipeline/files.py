"""Workbook files as they really are: their true format, guards against hostile files, and what calamine does not
say about a sheet (hidden rows and columns, formulas saved without their result, cells stored as numbers).

Services' files come from outside the coordinator's hands: a text file renamed .xlsx, a password-protected
workbook, a zip or XML bomb must end in a clear French message, quickly and in bounded memory, never in a
traceback. XML is only ever parsed with defusedxml, which refuses DTDs and entities.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET

from .findings import Problem

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_SUFFIXES = {".xlsx", ".xlsm"}
MAX_UNCOMPRESSED_BYTES = 1 << 30  # 1 GiB: far above a real PST workbook, far below a zip bomb
MAX_RATIO = 1000
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as stream:
        return stream.read(size)


def is_encrypted_office_file(path: Path) -> bool:
    """Office encrypts a password-protected .xlsx into an OLE2 container holding an « EncryptedPackage » stream."""
    if path.stat().st_size > 200 * 1024 * 1024:
        return False
    return ENCRYPTED_MARK in path.read_bytes()


class Package:
    """A workbook file whose zip archive the checks share while it is read (check_file, sheet_extent_problem,
    scan_sheet: the archive was opened five times and workbook.xml parsed four times for one service's
    workbook): opened once, its sheets' parts found from one reading of workbook.xml and of its relationships. A
    failure (not a zip, a part missing or damaged) is not kept: each check meets it again and answers as it did
    alone."""

    def __init__(self, path: Path):
        self.path = path
        self.opened: zipfile.ZipFile | None = None
        self.sheet_ids: dict[str | None, str | None] | None = None
        self.targets: dict[str | None, str | None] | None = None

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_) -> None:
        if self.opened is not None:
            self.opened.close()

    def archive(self) -> zipfile.ZipFile:
        """The zip archive, opened the first time it is asked for (raising as zipfile.ZipFile does)."""
        if self.opened is None:
            self.opened = zipfile.ZipFile(self.path)
        return self.opened

    def sheet_part(self, sheet_name: str) -> str | None:
        """The zip path of the worksheet named `sheet_name`, from workbook.xml and its relationships (the first
        sheet of that name, the first relationship of its id)."""
        if self.sheet_ids is None:
            self.sheet_ids = first_values(self.archive().read("xl/workbook.xml"), f"{MAIN}sheet", "name",
                                          f"{RELATIONSHIPS}id")
        rel_id = self.sheet_ids.get(sheet_name)
        if rel_id is None:
            return None
        if self.targets is None:
            self.targets = first_values(self.archive().read("xl/_rels/workbook.xml.rels"),
                                        f"{PACKAGE_RELATIONSHIPS}Relationship", "Id", "Target")
        target = self.targets.get(rel_id)
        if target is None:
            return None
        return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


def first_values(xml: bytes, tag: str, key: str, value: str) -> dict[str | None, str | None]:
    """Attribute `key` → attribute `value` of the elements `tag` of an XML part, the first element of each key."""
    values: dict[str | None, str | None] = {}
    for element in SafeET.fromstring(xml).iter(tag):
        values.setdefault(element.get(key), element.get(value))
    return values


def check_file(package: Package) -> Problem | None:
    """None when calamine may safely open the file; otherwise what is wrong with it."""
    path = package.path
    if path.stat().st_size == 0:
        return Problem("fichier-vide")
    magic = head(path)
    suffix = path.suffix.lower()
    if magic.startswith(OLE2_MAGIC):
        if is_encrypted_office_file(path):
            return Problem("fichier-protege")
        if suffix != ".xls":
            return Problem("fichier-renomme", {"actual": "xls"})
        return None
    if magic.startswith(ZIP_MAGIC):
        if suffix == ".xls":
            return Problem("fichier-renomme", {"actual": "zip"})
        return check_zip(package)
    if looks_like_text(path):
        return Problem("fichier-texte")
    return Problem("fichier-illisible", {"reason": "unknown"})


def looks_like_text(path: Path) -> bool:
    sample = head(path, 4096)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return all(b >= 9 for b in sample)  # Windows-1252 text has no low control bytes either


def check_zip(package: Package) -> Problem | None:
    """Refuse zip bombs (announced sizes) and any XML part declaring a DTD (billion laughs, external entities)."""
    try:
        archive = package.archive()
        entries = archive.infolist()
        total = sum(e.file_size for e in entries)
        compressed = sum(e.compress_size for e in entries) or 1
        if total > MAX_UNCOMPRESSED_BYTES or (total > 50 * 1024 * 1024 and total / compressed > MAX_RATIO):
            return Problem("fichier-dangereux", {"reason": "bomb"})
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels", ".vml")) and declares_dtd(archive, entry):
                return Problem("fichier-dangereux", {"reason": "dtd"})
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        return Problem("fichier-illisible", {"reason": "damaged"})
    return None


def declares_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """A DTD can only come before the root element: the first kilobytes of the part tell."""
    with archive.open(entry) as stream:
        start = stream.read(4096)
    return b"<!DOCTYPE" in start.upper() or b"<!ENTITY" in start.upper()


# --- What calamine does not say ------------------------------------------------------------------------------
@dataclass
class SheetScan:
    """Structure of one .xlsx sheet: rows and columns are Excel numbers (1-based)."""

    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)
    error_cells: list[tuple[int, int, str]] = field(default_factory=list)
    """Cells showing an Excel error (#DIV/0!, #N/A…): calamine reads them as empty."""
    numeric_cells: set[tuple[int, int]] = field(default_factory=set)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    """Number cells of the asked columns displayed as a percentage (Excel's « 0 % »: 1 shows 100 %)."""
    formats_known: bool = False
    """True when the cells' number formats were read (percent_cells is then complete)."""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None
    """Merged ranges as ((top, left), (bottom, right)), 0-based like calamine's; None when the format does not
    tell (not .xlsx): calamine is asked then."""


CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
EXCEL_COLUMNS = 16384
"""Columns of an Excel sheet (XFD): a file claiming more is not believed."""


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


MARKERS = (b"<f", b"hidden=", b":f ", b"<x:f", b't="e"', b"<mergeCell")


def scan_sheet(package: Package, sheet_name: str, numeric_columns: set[int] = frozenset(),
               percent_columns: set[int] = frozenset()) -> SheetScan:
    """Hidden rows/columns, formula cells saved without a result, numeric cells of `numeric_columns` and
    percentage-formatted cells of `percent_columns`.

    Only .xlsx/.xlsm carry this; other formats return an empty scan. The sheet is parsed (defusedxml, streaming)
    only when there is something to look for: numeric cells, percentage cells when some cell style of the
    workbook shows a percentage (without one, no cell can: the formats are known without reading the cells), or
    what a quick byte search finds."""
    scan = SheetScan()
    if package.path.suffix.lower() not in OOXML_SUFFIXES:
        return scan
    scan.merged = []
    try:
        archive = package.archive()
        part = package.sheet_part(sheet_name)
        if part is None:
            return scan
        percent_styles = percent_style_indexes(archive) if percent_columns else set()
        if not numeric_columns and not percent_styles and not has_markers(archive, part):
            scan.formats_known = bool(percent_columns)
            return scan
        with archive.open(part) as stream:
            parse_sheet(stream, scan, numeric_columns, percent_columns, percent_styles)
        scan.formats_known = bool(percent_columns)
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, OSError, ValueError):
        scan.merged = None
        scan.percent_cells, scan.formats_known = set(), False
        return scan  # calamine read the data; the structure is a bonus
    return scan


PERCENT_FORMAT_IDS = {9, 10}
"""Excel's built-in « 0% » and « 0.00% »."""


def percent_style_indexes(archive: zipfile.ZipFile) -> set[int]:
    """Indexes (a cell's `s`) of the cell styles whose number format shows a percentage."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    styles = SafeET.fromstring(archive.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in styles.iter(f"{MAIN}numFmt")}
    percent_ids = PERCENT_FORMAT_IDS | {number for number, code in custom.items()
                                        if "%" in re.sub(r'"[^"]*"|\\.', "", code)}
    cell_styles = styles.find(f"{MAIN}cellXfs")
    if cell_styles is None:
        return set()
    return {index for index, xf in enumerate(cell_styles.iter(f"{MAIN}xf"))
            if int(xf.get("numFmtId", "0")) in percent_ids}


def has_markers(archive: zipfile.ZipFile, part: str) -> bool:
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if any(marker in window for marker in MARKERS):
                return True
            tail = chunk[-8:]
    return False


def parse_sheet(stream, scan: SheetScan, numeric_columns: set[int], percent_columns: set[int] = frozenset(),
                percent_styles: set[int] = frozenset()) -> None:
    for _, element in SafeET.iterparse(stream, events=("end",)):
        tag = element.tag
        if tag == f"{MAIN}c":
            inspect_cell(element, scan, numeric_columns, percent_columns, percent_styles)
            element.clear()
        elif tag == f"{MAIN}row":
            if element.get("hidden") in ("1", "true"):
                scan.hidden_rows.append(int(element.get("r", "0")))
            element.clear()
        elif tag == f"{MAIN}mergeCell":
            if merge := merged_range(element.get("ref", "")):
                scan.merged.append(merge)
        elif tag == f"{MAIN}col" and element.get("hidden") in ("1", "true"):
            first, last = (min(int(element.get(end, "1")), EXCEL_COLUMNS) for end in ("min", "max"))
            scan.hidden_columns.extend(range(first, last + 1))


def merged_range(ref: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "B2:B4" → ((1, 1), (3, 1))."""
    corners = [CELL_REF.match(part) for part in ref.split(":")]
    if len(corners) != 2 or not all(corners):
        return None
    (top, left), (bottom, right) = ((int(m[2]) - 1, column_number(m[1]) - 1) for m in corners)
    return (top, left), (bottom, right)


def inspect_cell(cell, scan: SheetScan, numeric_columns: set[int], percent_columns: set[int] = frozenset(),
                 percent_styles: set[int] = frozenset()) -> None:
    match = CELL_REF.match(cell.get("r", ""))
    if not match:
        return
    column, row = column_number(match[1]), int(match[2])
    formula = cell.find(f"{MAIN}f")
    value = cell.find(f"{MAIN}v")
    has_value = value is not None and (value.text or "") != ""
    if formula is not None and not has_value and cell.get("t") != "inlineStr":
        scan.formulas_without_value.append((row, column))
    if cell.get("t") == "e" and has_value:
        scan.error_cells.append((row, column, value.text))
    if column in numeric_columns and has_value and cell.get("t", "n") == "n":
        scan.numeric_cells.add((row, column))
    if column in percent_columns and has_value and cell.get("t", "n") == "n" and cell.get("s", "0").isdigit() \
            and int(cell.get("s", "0")) in percent_styles:
        scan.percent_cells.add((row, column))


# --- How far a sheet reaches -------------------------------------------------------------------------------------
MAX_SHEET_CELLS = 1_000_000
"""Cells of the rectangle from A1 to a sheet's furthest value: a real workbook holds a few tens of thousands
(500 actions × 30 columns); calamine, and the grid read from it, would hold every one of them."""
CANONICAL_REFERENCE = re.compile(rb' r="([A-Za-z]*)(\d{1,10})"')
QUICK_SCAN_MAX = 64 << 20
"""Bytes of a sheet's XML read at once for the quick pass; a larger sheet is read in chunks."""
CELL_REFERENCE = re.compile(rb"""<(?:[\w.-]+:)?c(?=[\s/>])[^>]*?\sr\s*=\s*["']([A-Za-z]*)(\d{1,10})""")
ROW_REFERENCE = re.compile(rb"""<(?:[\w.-]+:)?row(?=[\s/>])[^>]*?\sr\s*=\s*["'](\d{1,10})""")
CELL_WITHOUT_REFERENCE = re.compile(rb"""<(?:[\w.-]+:)?c(?=[\s/>])(?![^>]*?\sr\s*=)[^>]*>""")
FAR = 10 ** 9
"""A row or column number of more digits than a sheet can have counts as this far."""
ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def sheet_extent_problem(package: Package, sheet_name: str) -> Problem | None:
    """None when the sheet's values fit in MAX_SHEET_CELLS; else the problem naming its furthest cells. The file
    is recognised by its content (calamine reads it so, whatever its name): an Office Open XML workbook (.xlsx,
    .xlsm) or an OpenDocument spreadsheet (.ods); other formats are not checked.

    For Office Open XML, a quick pass over the cell and row references settles almost every sheet (the declared
    dimension cannot be trusted: files written by programs get it wrong); a sheet reaching further, or whose
    cells omit their reference, is parsed for the cells that hold something (formatted empty cells reach far
    without costing anything)."""
    try:
        archive = package.archive()
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            part = package.sheet_part(sheet_name)
            if part is None:
                return None
            with archive.open(part) as stream:
                extent = quick_extent(stream)
            if extent is None:
                with archive.open(part) as stream:
                    extent = referenced_extent(stream)
            bottom, right, implicit = extent
            if not implicit and bottom * right <= MAX_SHEET_CELLS:
                return None
            with archive.open(part) as stream:
                bottom_cell, right_cell = ooxml_values_extent(stream)
        elif "content.xml" in names:
            with archive.open("content.xml") as stream:
                bottom_cell, right_cell = ods_values_extent(stream, sheet_name)
        else:
            return None
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, OSError, ValueError, EOFError):
        return None  # calamine will say what is wrong with the file
    area = bottom_cell[0] * right_cell[1]
    if area <= MAX_SHEET_CELLS:
        return None
    cells = sorted({cell_name(*bottom_cell), cell_name(*right_cell)})
    return Problem("feuille-demesuree", {"cells": cells, "count": len(cells),
                                         "area": f"{area:,}".replace(",", "\u00a0")})


def position(letters: bytes | str, digits: bytes | str) -> tuple[int, int]:
    """(row, column) of a reference such as « XFD1048576 » (any case, leading zeros), capped at FAR."""
    letters, digits = (x.decode() if isinstance(x, bytes) else x for x in (letters, digits))
    row = int(digits) if len(digits.lstrip("0")) <= 9 else FAR
    column = column_number(letters.upper()) if len(letters) <= 6 else FAR
    return min(row, FAR), min(column, FAR)


def quick_extent(stream) -> tuple[int, int, bool] | None:
    """The extent from the references as Excel, LibreOffice and openpyxl write them (« <c r="B12" ») when every
    cell and row tag has one: one search of the whole part. None when the sheet is large or written otherwise
    (quotes, spaces, prefixes, cells without reference): the careful pass decides."""
    data = stream.read(QUICK_SCAN_MAX + 1)
    if len(data) > QUICK_SCAN_MAX:
        return None
    references = CANONICAL_REFERENCE.findall(data)
    tags = sum(data.count(tag) for tag in (b"<c ", b"<c>", b"<row ", b"<row>"))
    if len(references) != tags or any(prefix in data for prefix in (b":c ", b":row ")):
        return None
    if not references:
        return 0, 0, False
    letters, digits = zip(*references)
    right = max(position(column or b"A", b"1")[1] for column in set(letters))
    return min(max(map(int, digits)), FAR), right, False


def referenced_extent(stream) -> tuple[int, int, bool]:
    """The largest row and column any cell or row of a sheet's XML names, and whether some cell names none —
    read in chunks, each searched with the end of the previous one before it, so that a tag cut in two by a read
    is found whole (found twice does not change a maximum). The searches run in the regular expression engine;
    Python only takes the maxima (a row number of ten digits or more counts as FAR)."""
    bottom, right, implicit, tail = 0, 0, False, b""
    while chunk := stream.read(1 << 22):
        window = tail + chunk
        cells = CELL_REFERENCE.findall(window)
        if cells:
            letters, digits = zip(*cells)
            bottom = max(bottom, *map(int, digits))
            right = max(right, *(position(column or b"A", b"1")[1] for column in set(letters)))
        if rows := ROW_REFERENCE.findall(window):
            bottom = max(bottom, *map(int, rows))
        implicit = implicit or CELL_WITHOUT_REFERENCE.search(window) is not None
        tail = window[-1024:]
    return min(bottom, FAR), right, implicit


def ooxml_values_extent(stream) -> tuple[tuple[int, int], tuple[int, int]]:
    """(row, column) of the lowest and of the rightmost cell holding a value, a formula or text, rows and cells
    without a reference counted from the previous ones, as Excel does."""
    bottom, right, row, column = (0, 0), (0, 0), 0, 0
    for event, element in SafeET.iterparse(stream, events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                row = position("A", element.get("r"))[0] if element.get("r") else row + 1
                column = 0
            continue
        if tag == "c":
            reference = re.fullmatch(r"([A-Za-z]+)(\d+)", element.get("r") or "")
            row, column = position(*reference.groups()) if reference else (row, column + 1)
            if any(child.tag.rpartition("}")[2] in ("v", "is", "f") for child in element):
                bottom = (row, column) if row > bottom[0] else bottom
                right = (row, column) if column > right[1] else right
            element.clear()
        elif tag == "row":
            element.clear()
    return bottom, right


def ods_values_extent(stream, sheet_name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The same for the sheet `sheet_name` of an OpenDocument spreadsheet, whose rows and cells may be repeated
    (« number-rows-repeated »): the repetitions are counted, never expanded."""
    bottom, right, row, inside = (0, 0), (0, 0), 0, False
    table, office = f"{{{ODS_TABLE}}}", f"{{{ODS_OFFICE}}}"
    for event, element in SafeET.iterparse(stream, events=("start", "end")):
        if element.tag == f"{table}table":
            inside, row = event == "start" and element.get(f"{table}name") == sheet_name, 0
            if event == "end":
                element.clear()
            continue
        if event != "end" or element.tag != f"{table}table-row":
            continue
        repeated = min(int(element.get(f"{table}number-rows-repeated", "1")), FAR)
        if inside:
            column = 0
            for cell in element:
                span = min(int(cell.get(f"{table}number-columns-repeated", "1")), FAR)
                filled = cell.get(f"{office}value-type") is not None or "".join(cell.itertext()).strip()
                if filled:
                    last_row, last_column = row + repeated, column + span
                    bottom = (last_row, column + 1) if last_row > bottom[0] else bottom
                    right = (row + 1, last_column) if last_column > right[1] else right
                column += span
        row += repeated
        element.clear()
    return bottom, right


def column_letter(column: int) -> str:
    """1 → « A », 28 → « AB » (Excel's column letters)."""
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"
