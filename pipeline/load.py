"""Load: workbooks → tables of raw text, every row stamped with its file, sheet and Excel row.

Each workbook is opened once, read with python-calamine as strings (nothing is interpreted here), its header row
found by name among the first rows, and its rows gathered under the contract's keys. Problems with files, sheets
and headers become findings; nothing here raises for bad input except a missing data folder or frame
(ConfigurationError, exit code 2).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import sys
import tempfile
from contextlib import contextmanager
from collections import defaultdict
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import PasswordError

from . import contract as c
from . import parallel
from .files import Package, SheetScan, check_file, column_letter, column_number, scan_sheet, sheet_extent_problem
from .findings import WARNING, Finding, Problem, finding, number_ranges, phrase, stop

PROVENANCE = ("_file", "_sheet", "_row")


class ConfigurationError(Exception):
    """The input cannot be used at all (no data folder, no cadre.xlsx): exit code 2."""


@dataclass
class Table:
    """Rows of one contract sheet, gathered from one or several workbooks.

    `frame` has one text column per contract key ("" where the column is absent) plus the provenance columns
    `_file`, `_sheet`, `_row` (the Excel row number). `letters` gives, for each (file, sheet), the column letter
    of each key found there, so that any later finding can point at the cell.
    """

    contract: c.SheetContract
    frame: pd.DataFrame
    letters: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    refused_rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """Non-empty rows of sheets refused as a whole (a required column missing): read, reported, not used."""
    formula_cells: set[tuple[str, str, int, str]] = field(default_factory=set)
    """(file, sheet, row, key) of formula cells saved without their result: their value is unknown."""
    numeric_cells: set[tuple[str, str, int, str]] = field(default_factory=set)
    """(file, sheet, row, key) of code cells Excel stored as numbers (1.10 may have become 1.1)."""
    percent_cells: set[tuple[str, str, int, str]] = field(default_factory=set)
    """(file, sheet, row, key) of number cells displayed as a percentage: there 1 is 100 %."""
    formats_known: set[tuple[str, str]] = field(default_factory=set)
    """(file, sheet) whose percent_cells were read from the cells' formats (else a column heuristic applies)."""
    digest: str | None = None
    """`contents` of the rows, worked out by read_table from the cells it has just gathered (a frame turned back
    into an array costs more than the rest of the digest); None for a table made otherwise."""

    def letter(self, file: str, sheet: str, key: str) -> str:
        return self.letters.get((file, sheet), {}).get(key, "")

    def cell(self, row: pd.Series | dict, key: str) -> dict:
        """Position keywords for `finding(...)` pointing at `key` in this row."""
        return {
            "file": row["_file"],
            "sheet": row["_sheet"],
            "row": int(row["_row"]),
            "column": self.letter(row["_file"], row["_sheet"], key),
            "header": self.contract.column(key).header,
        }


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts, as `to_dict("records")` gives them (Python ints, floats, strings, Timestamps), from one
    conversion of the whole frame to an object array: to_dict boxes each cell through a Python call (2,680 actions:
    a tenth of a second per pass over the actions)."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in frame.to_numpy(dtype=object).tolist()]


def rows(frame: pd.DataFrame):
    """(index, row as a dict) for each row: what iterrows gives, without building a Series per row."""
    return zip(frame.index, records(frame))


def empty_table(contract: c.SheetContract) -> Table:
    columns = [col.key for col in contract.columns] + list(PROVENANCE)
    return Table(contract, pd.DataFrame({name: pd.Series(dtype=object) for name in columns}))


def contents(table: Table) -> str:
    """What a workbook's actions say, wherever they stand, as a digest: two files with the same contents are
    copies."""
    if table.digest is not None:
        return table.digest
    keys = [col.key for col in table.contract.columns]
    return rows_digest(table.frame[keys].to_numpy(dtype=object))


def rows_digest(cells: np.ndarray) -> str:
    """The digest of a table's rows (one row of `cells` per row, the contract's keys in order), in any order."""
    rows = sorted(map(tuple, cells.tolist()))
    return hashlib.blake2b(repr(rows).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def concat_tables(contract: c.SheetContract, tables: list[Table]) -> Table:
    if not tables:
        return empty_table(contract)
    merged = Table(contract, pd.concat([t.frame for t in tables], ignore_index=True))
    for t in tables:
        merged.letters.update(t.letters)
        merged.refused_rows.update(t.refused_rows)
        merged.formula_cells |= t.formula_cells
        merged.numeric_cells |= t.numeric_cells
        merged.percent_cells |= t.percent_cells
        merged.formats_known |= t.formats_known
    return merged


@dataclass
class LoadedEntity:
    folder: Path
    cadre_name: str
    parameters: Table
    strategic: Table
    operational: Table
    actions: Table
    finances: Table
    """Budget lines of the optional `Financement` sheets (contract v1.1)."""
    findings: list[Finding]
    lists: Table | None = None
    """The frame's optional `Listes` sheet (contract v1.1): services, mandataires… offered to the services."""

    @property
    def name(self) -> str:
        return self.folder.name


# --- Discovery -----------------------------------------------------------------------------------------------
def is_ignored_name(path: Path) -> bool:
    """Excel lock files (~$Finances.xlsx) and hidden files are never data."""
    return path.name.startswith(("~$", ".", "_"))


def locked_workbook(lock: Path, entries: list[Path]) -> Path | None:
    """The workbook that the lock file `lock` says is open: Excel writes « ~$Travaux.xlsx » (for a long name, its
    first two characters replaced: « ~$avaux2025.xlsx »), LibreOffice « .~lock.Travaux.xlsx# »."""
    name = lock.name
    if name.startswith(".~lock.") and name.endswith("#"):
        return next((p for p in entries if p.name == name[len(".~lock."):-1]), None)
    if name.startswith("~$"):
        return next((p for p in entries if p.name == name[2:] or (
            len(p.name) == len(name) and p.name[2:] == name[2:] and not p.name.startswith("~$"))), None)
    return None


def decodable(name: str) -> bool:
    """False for a file name the system could not decode (bytes that are not UTF-8, from an old archive or
    another system): it could be neither printed, nor written in a report or a state file."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable_name(name: str) -> str:
    """The name with « � » for what cannot be read."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def find_cadre(folder: Path) -> Path | None:
    for path in sorted(folder.iterdir()):
        if path.is_file() and not is_ignored_name(path) and c.fold(path.stem) == "cadre" \
                and path.suffix.lower() in c.WORKBOOK_SUFFIXES:
            return path
    return None


def find_entity_folders(data: Path) -> list[Path]:
    """The entity folders of DATA: DATA itself when it holds a cadre, else its subfolders holding one."""
    if not data.is_dir():
        where = os.path.abspath(data)
        raise ConfigurationError(stop("data-absent", data=data, where=where if str(data) != where else ""))
    if find_cadre(data):
        return [data]
    subfolders = [p for p in sorted(data.iterdir()) if p.is_dir() and not is_ignored_name(p)]
    if unreadable := [readable_name(p.name) for p in subfolders if not decodable(p.name)]:
        raise ConfigurationError(stop("folder-name-unreadable", names=unreadable))
    with_cadre = [p for p in subfolders if find_cadre(p)]
    without = [p.name for p in subfolders if not find_cadre(p) and (p / c.SERVICES_DIR).is_dir()]
    if without:
        raise ConfigurationError(stop("folders-without-cadre", count=len(without), folders=without))
    if not with_cadre:
        raise ConfigurationError(stop("no-cadre", data=os.path.abspath(data)))
    return with_cadre


def service_files(folder: Path) -> tuple[list[Path], list[Finding]]:
    """The services' workbooks, by name. Subfolders and other files are noted; two workbooks of the same service
    (Travaux.xlsx beside an older Travaux.ods) are an error: both would be read and every action doubled."""
    services = folder / c.SERVICES_DIR
    if not services.is_dir():
        return [], []
    files, findings = [], []
    by_service: dict[str, Path] = {}
    entries = sorted(services.iterdir(), key=lambda p: p.name.casefold())
    for path in entries:
        if not decodable(path.name):
            if path.suffix.lower() in c.WORKBOOK_SUFFIXES:
                findings.append(finding("nom-illisible", file=readable_name(path.name)))
            else:
                findings.append(finding("fichier-ignore", file=readable_name(path.name), suffix=path.suffix))
            continue
        if is_ignored_name(path):
            if (opened := locked_workbook(path, entries)) is not None:
                findings.append(finding("classeur-ouvert", file=opened.name, lock=path.name))
            elif path.name.startswith("_") and path.suffix.lower() in c.WORKBOOK_SUFFIXES:
                findings.append(finding("classeur-mis-de-cote", file=path.name))
            continue
        if path.is_dir():
            findings.append(finding("dossier-ignore", file=path.name + "/"))
        elif path.suffix.lower() not in c.WORKBOOK_SUFFIXES:
            findings.append(finding("fichier-ignore", file=path.name, suffix=path.suffix))
        elif (first := by_service.get(path.stem.casefold())) is not None:
            findings.append(finding("classeur-en-double", file=path.name, other=first.name))
        else:
            by_service[path.stem.casefold()] = path
            files.append(path)
    return files, findings


# --- Reading -------------------------------------------------------------------------------------------------
class Unreadable(Exception):
    """calamine could not read a workbook or a sheet."""


def calamine_failure(problem: BaseException) -> bool:
    """calamine raises its own exception types for unreadable files, and a panic of its Rust code (a date cell
    far out of range) as pyo3's PanicException, which derives from BaseException: both mean « cannot be read »."""
    return isinstance(problem, Exception) or type(problem).__name__ == "PanicException"


@contextmanager
def calamine_guard():
    """Around a call into calamine: its failures become `Unreadable`, and what its Rust code prints on the
    process's standard error when it panics (in English) stays off the console."""
    with quiet_native_stderr():
        try:
            yield
        except PasswordError:
            raise
        except BaseException as problem:
            if not calamine_failure(problem):
                raise
            raise Unreadable(type(problem).__name__) from None


@contextmanager
def quiet_native_stderr():
    """The process's standard error (file descriptor 2) sent to a temporary file for the duration."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def open_workbook(package: Package) -> tuple[pd.ExcelFile | None, Finding | None]:
    """The workbook opened by calamine, or the finding that says why it cannot be (checked before opening)."""
    path = package.path
    problem = check_file(package)
    if problem is None:
        try:
            with calamine_guard():
                return pd.ExcelFile(path, engine="calamine"), None
        except PasswordError:
            problem = Problem("fichier-protege")
        except Unreadable:  # calamine raises its own types for every unreadable format
            problem = Problem("fichier-illisible", {"reason": "unrecognised"})
    return None, finding(problem.code, file=path.name, suffix=path.suffix, **problem.params)


def read_sheet(book: pd.ExcelFile, sheet: str, package: Package) -> np.ndarray:
    """The sheet as a grid of strings from cell A1 (a two-dimensional object array), row i being Excel row i + 1;
    raises Unreadable, and SheetTooLarge before calamine is asked for a sheet whose furthest value lies far beyond
    any real table (calamine builds the whole rectangle up to it: XFD1048576 alone would need 500 GB).

    pandas reads the sheet (its calamine engine turns the cells into text); the grid is then an array, not a
    frame: finding the header, the filled cells and the rows kept are a handful of array operations, where a
    frame of text columns would cost a pandas call per column and per row looked at."""
    if (problem := sheet_extent_problem(package, sheet)) is not None:
        raise SheetTooLarge(problem)
    with calamine_guard():
        frame = pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, keep_default_na=False)
    return frame.to_numpy(dtype=object)


class SheetTooLarge(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def pick_sheet(book: pd.ExcelFile, contract: c.SheetContract, file: str,
               allow_single: bool) -> tuple[str | None, list[Finding]]:
    names = [str(n) for n in book.sheet_names]
    for name in names:
        if contract.matches_name(name):
            return name, []
    if allow_single and len(names) == 1:
        return names[0], [finding("feuille-remplacee", file=file, sheet=names[0], expected=contract.name,
                                  used=names[0])]
    return None, [finding("feuille-absente", file=file, expected=contract.name, available=names)]


def find_header_row(grid: np.ndarray, contract: c.SheetContract) -> int | None:
    """Index of the first row, among the first rows, that names the most contract columns."""
    best_index, best_score = None, 0
    for index, row in enumerate(grid[:c.HEADER_SCAN_ROWS].tolist()):
        score = sum(contract.match_header(v) is not None for v in row)
        if score > best_score:
            best_index, best_score = index, score
    return best_index


def closest_header(text: str, contract: c.SheetContract) -> str | None:
    names = {c.fold(n): col.header for col in contract.columns for n in col.names()}
    match = difflib.get_close_matches(c.fold(text), list(names), n=1, cutoff=0.75)
    return names[match[0]] if match else None


def map_headers(grid: np.ndarray, header_index: int, contract: c.SheetContract, file: str,
                sheet: str) -> tuple[dict[str, int], list[int], list[Finding]]:
    """Contract key → column index, plus the indexes of unknown non-empty headers, plus header findings."""
    mapping: dict[str, int] = {}
    unknown: list[int] = []
    findings: list[Finding] = []
    for index, text in enumerate(grid[header_index].tolist()):
        col = contract.match_header(text)
        if col is None:
            if str(text).strip():
                unknown.append(index)
            continue
        if col.key in mapping:
            findings.append(finding("colonne-en-double", file=file, sheet=sheet, row=header_index + 1,
                                    column=column_letter(index + 1), header=col.header,
                                    first=column_letter(mapping[col.key] + 1),
                                    second=column_letter(index + 1)))
            continue
        mapping[col.key] = index
    mapped = {contract.column(k).header for k in mapping}
    unrelated = []
    for i in unknown:
        typed = str(grid[header_index, i]).strip()
        near = closest_header(typed, contract)
        if near and near not in mapped:
            if not contract.match_header(near).required:  # a missing required column is an error of its own
                findings.append(finding("colonne-mal-orthographiee", file=file, sheet=sheet, row=header_index + 1,
                                        column=column_letter(i + 1), value=typed, near=near))
        else:
            unrelated.append(phrase("column-typed", letter=column_letter(i + 1), header=typed))
    if unrelated:
        findings.append(finding("colonne-inconnue", file=file, sheet=sheet, row=header_index + 1,
                                columns=", ".join(unrelated), count=len(unrelated)))
    for col in contract.required:
        if col.key not in mapping:
            near = [grid[header_index, i] for i in unknown
                    if closest_header(str(grid[header_index, i]), contract) == col.header]
            findings.append(finding("colonne-obligatoire-absente", file=file, sheet=sheet, row=header_index + 1,
                                    header=col.header, near=str(near[0]).strip() if near else ""))
    return mapping, unknown, findings


HOLDS_TEXT = np.frompyfunc(lambda value: value != "" and not value.isspace(), 1, 1)


def filled_cells(grid: np.ndarray) -> np.ndarray:
    """True where a cell holds something other than spaces (one pass over the cells, not one per column)."""
    return HOLDS_TEXT(grid).astype(bool)


def non_empty_rows(grid: np.ndarray, first: int) -> list[int]:
    """Excel numbers of the non-empty rows from index `first` on."""
    filled = filled_cells(grid[first:]).any(axis=1)
    return (np.flatnonzero(filled) + first + 1).tolist()


MAX_CELLS_LISTED = 20


def cells_outside_table(grid: np.ndarray, filled: np.ndarray, header_index: int, headed: set[int], file: str,
                        sheet: str) -> list[Finding]:
    """Cells typed in a column without header (a note beside the table): not read, so each is named. `filled`:
    filled_cells of the rows below the header."""
    findings = []
    for index in (i for i in range(grid.shape[1]) if i not in headed):
        for row in (np.flatnonzero(filled[:, index]) + header_index + 1).tolist():
            if len(findings) == MAX_CELLS_LISTED:
                return findings + [finding("cellules-hors-tableau", file=file, sheet=sheet)]
            findings.append(finding("cellule-hors-tableau", file=file, sheet=sheet, row=row + 1,
                                    column=column_letter(index + 1), value=str(grid[row, index]).strip()))
    return findings


def fill_merged_cells(grid: np.ndarray, book: pd.ExcelFile, sheet: str, header_index: int, file: str,
                      known: list | None) -> list[Finding]:
    """A value merged over several rows (an OO typed once for three actions) belongs to each of those rows.

    `known`: the merged ranges when the sheet scan found them (.xlsx); else calamine is asked (a second parse)."""
    try:
        with calamine_guard():
            ranges = known if known is not None else (book.book.get_sheet_by_name(sheet).merged_cell_ranges or [])
    except Unreadable:
        return []
    filled = []
    for (top, left), (bottom, right) in ranges:
        if top <= header_index or bottom <= top or top >= len(grid) or left >= grid.shape[1]:
            continue
        for row in range(top + 1, min(bottom, len(grid) - 1) + 1):
            if not grid[row, left].strip():
                grid[row, left] = grid[top, left]
        filled.append(f"{column_letter(left + 1)}{top + 1}:{column_letter(right + 1)}{bottom + 1}")
    if not filled:
        return []
    return [finding("cellules-fusionnees", file=file, sheet=sheet, ranges=", ".join(filled))]


def structure_findings(scan: SheetScan, mapping: dict[str, int], header_index: int, contract: c.SheetContract,
                       file: str, sheet: str) -> list[Finding]:
    """Notes for hidden rows and columns (read like the others); errors for formulas saved without a result."""
    findings = []
    if rows := [r for r in scan.hidden_rows if r > header_index + 1]:
        findings.append(finding("lignes-masquees", file=file, sheet=sheet, rows=", ".join(number_ranges(rows)),
                                count=len(rows)))
    by_index = {index + 1: key for key, index in mapping.items()}
    if columns := [n for n in scan.hidden_columns if n in by_index]:
        findings.append(finding("colonnes-masquees", file=file, sheet=sheet, count=len(columns), columns=", ".join(
            phrase("column-header", letter=column_letter(n), header=contract.column(by_index[n]).header)
            for n in columns)))
    for row, column in scan.formulas_without_value:
        if row > header_index + 1 and column in by_index:
            findings.append(finding("formule-sans-valeur", file=file, sheet=sheet, row=row,
                                    column=column_letter(column),
                                    header=contract.column(by_index[column]).header))
    for row, column, error in scan.error_cells:
        if row > header_index + 1 and column in by_index:
            findings.append(finding("cellule-en-erreur", file=file, sheet=sheet, row=row,
                                    column=column_letter(column), value=error,
                                    header=contract.column(by_index[column]).header))
    return findings


def frame_has_trailing_zero_codes(operational: Table) -> bool:
    """True when an OO rank ends with 0 (1.10, 2.20): only then can a number cell have lost a zero."""
    return any(re.search(r"\.\d*0\s*$", str(code)) for code in operational.frame["code"])


def read_table(book: pd.ExcelFile, package: Package, contract: c.SheetContract, allow_single_sheet: bool = False,
               numeric_keys: tuple[str, ...] = ()) -> tuple[Table | None, list[Finding]]:
    """One contract sheet of one workbook as a Table, or None with the findings that explain why.

    `numeric_keys`: columns whose cells stored as numbers must be known (see Table.numeric_cells)."""
    file = package.path.name
    sheet, findings = pick_sheet(book, contract, file, allow_single_sheet)
    if sheet is None:
        return None, findings
    try:
        grid = read_sheet(book, sheet, package)
    except SheetTooLarge as too_large:
        return None, findings + [finding(too_large.problem.code, file=file, sheet=sheet, **too_large.problem.params)]
    except Unreadable:
        return None, findings + [finding("fichier-illisible", file=file, sheet=sheet,
                                         reason="sheet")]
    header_index = find_header_row(grid, contract)
    if header_index is None:
        required = [col.header for col in contract.required]
        refused = Table(contract, empty_table(contract).frame, refused_rows={(file, sheet): non_empty_rows(grid, 0)})
        return refused, findings + [finding("entetes-absents", file=file, sheet=sheet, scan=c.HEADER_SCAN_ROWS,
                                            required=required)]
    mapping, unknown, header_findings = map_headers(grid, header_index, contract, file, sheet)
    findings += header_findings
    if any(f.is_error for f in header_findings):
        refused_rows = {(file, sheet): non_empty_rows(grid, header_index + 1)}
        return Table(contract, empty_table(contract).frame, refused_rows=refused_rows), findings
    scan = scan_sheet(package, sheet, {mapping[k] + 1 for k in numeric_keys if k in mapping},
                      ambiguous_percent_columns(grid, header_index, mapping, contract))
    structure = structure_findings(scan, mapping, header_index, contract, file, sheet)
    findings += structure + fill_merged_cells(grid, book, sheet, header_index, file, scan.merged)
    unknown_cells = {(f.row, f.column) for f in structure if f.unknown_value}
    formula_rows = {row for row, _ in unknown_cells}

    body = grid[header_index + 1:]
    excel_rows = np.arange(header_index + 2, len(grid) + 1, dtype=np.int64)
    filled = filled_cells(body)
    findings += cells_outside_table(grid, filled, header_index, set(mapping.values()) | set(unknown), file, sheet)
    known_filled = filled[:, list(mapping.values())].any(axis=1) | np.isin(excel_rows, list(formula_rows))
    unknown_filled = filled[:, unknown].any(axis=1)
    for row in excel_rows[unknown_filled & ~known_filled].tolist():
        columns = ", ".join(column_letter(i + 1) for i in unknown if str(grid[row - 1, i]).strip())
        findings.append(finding("ligne-hors-colonnes", file=file, sheet=sheet, row=row, columns=columns))
    cells = table_cells(body[known_filled], mapping, contract, file, sheet)
    by_index = {index + 1: key for key, index in mapping.items()}
    table = Table(contract, table_frame(cells, excel_rows[known_filled], contract), {(file, sheet): {
        key: column_letter(i + 1) for key, i in mapping.items()}}, digest=rows_digest(cells[:, :-2]))
    table.formula_cells = {(file, sheet, row, by_index[column_number(letter)])
                           for row, letter in unknown_cells}
    table.numeric_cells = {(file, sheet, row, by_index[col]) for row, col in scan.numeric_cells
                           if row > header_index + 1}
    table.percent_cells = {(file, sheet, row, by_index[col]) for row, col in scan.percent_cells}
    if scan.formats_known:
        table.formats_known.add((file, sheet))
    return table, findings


def table_cells(kept: np.ndarray, mapping: dict[str, int], contract: c.SheetContract, file: str,
                sheet: str) -> np.ndarray:
    """The text columns of the Table's frame as one array: the rows kept under the contract's keys in order (""
    where the column is absent), then their file and sheet. The digest of the rows is made from it too."""
    keys = [col.key for col in contract.columns]
    cells = np.full((len(kept), len(keys) + 2), "", dtype=object)
    for position, key in enumerate(keys):
        if key in mapping:
            cells[:, position] = kept[:, mapping[key]]
    cells[:, -2] = file
    cells[:, -1] = sheet
    return cells


def table_frame(cells: np.ndarray, excel_rows: np.ndarray, contract: c.SheetContract) -> pd.DataFrame:
    """The Table's frame from table_cells and the rows' Excel numbers. pandas makes the text columns from the one
    array in one call, where one `pd.array` per column (about forty) cost 1.6 times as much (0.65 → 0.41 ms for
    a sheet of 54 rows)."""
    frame = pd.DataFrame(cells, columns=[*(col.key for col in contract.columns), "_file", "_sheet"], dtype=str)
    frame["_row"] = excel_rows
    return frame


def ambiguous_percent_columns(grid: np.ndarray, header_index: int, mapping: dict[str, int],
                              contract: c.SheetContract) -> set[int]:
    """Percentage columns (Excel numbers, 1-based) holding a plain 1: 1 % in a General cell, 100 % in a cell
    formatted as a percentage. Only then are the cells' formats read."""
    columns = set()
    for col in contract.columns:
        if col.kind == c.PERCENT and col.key in mapping:
            values = grid[header_index + 1:, mapping[col.key]]
            if ((values == "1") | (values == "1.0")).any():
                columns.add(mapping[col.key] + 1)
    return columns


def unread_action_sheets(book: pd.ExcelFile, package: Package) -> list[Finding]:
    """Another sheet that looks like an « Actions » sheet (« Actions (2) », « Feuil2 ») is not read: say so."""
    names = [str(n) for n in book.sheet_names]
    if len(names) < 2:
        return []
    findings = []
    for name in names:
        if any(c.fold(name) == c.fold(known) for known in c.SERVICE_WORKBOOK_SHEETS) \
                or c.ACTIONS_SHEET.matches_name(name):
            continue
        try:
            grid = read_sheet(book, name, package)
        except (Unreadable, SheetTooLarge):
            continue
        header = find_header_row(grid, c.ACTIONS_SHEET)
        if header is None:
            continue
        matched = {col.key for v in grid[header].tolist() if (col := c.ACTIONS_SHEET.match_header(v))}
        rows = non_empty_rows(grid, header + 1)
        if len(matched & {col.key for col in c.ACTIONS_SHEET.required}) >= 2 and rows:
            findings.append(finding("feuille-non-lue", file=package.path.name, sheet=name, count=len(rows)))
    return findings


@dataclass
class LoadedFrame:
    """cadre.xlsx as read: its parameters, objective sheets and optional lists."""

    folder: Path
    cadre_name: str
    parameters: Table
    strategic: Table
    operational: Table
    lists: Table | None
    findings: list[Finding]


def load_frame(folder: Path) -> LoadedFrame:
    """Read the entity's cadre.xlsx (the same for make pst and make templates)."""
    cadre = find_cadre(folder)
    if cadre is None:
        raise ConfigurationError(stop("folder-without-cadre", folder=folder))
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    lists = None
    with Package(cadre) as package:
        book, problem = open_workbook(package)
        if problem:
            findings.append(problem)
        for contract in c.CADRE_SHEETS:
            table = None
            if book is not None:
                table, found = read_table(book, package, contract)
                findings += found
            tables[contract.name] = table or empty_table(contract)
        if book is not None:
            lists, found = read_lists(book, package)
            findings += found
            book.close()
    return LoadedFrame(folder, cadre.name, tables[c.PARAMETERS_SHEET.name], tables[c.STRATEGIC_OBJECTIVES_SHEET.name],
                       tables[c.OPERATIONAL_OBJECTIVES_SHEET.name], lists, findings)


def load_services(folder: Path, operational: Table, jobs: int = 1,
                  meanwhile=None) -> tuple[Table, Table, list[Finding], list[str]]:
    """Every service workbook of the entity: its actions, its budget lines, the findings on its files, and the
    names of the workbooks found (read or not). `operational`: the frame's OO sheet (whether an OO code can have
    lost a trailing zero in a number cell). `jobs` > 1: the workbooks are read side by side in that many processes
    (one entity built alone on a machine with several cores), when they start by `fork` — a `spawn` process would
    import pandas again, which costs more than reading a few workbooks. `meanwhile()`: this process's own work
    while they are read (parallel.run)."""
    files, findings = service_files(folder)
    if not files:
        findings.append(finding("services-absents", file=c.SERVICES_DIR + "/"))
    action_tables, finance_tables = [], []
    numeric_keys = ("oo_code",) if frame_has_trailing_zero_codes(operational) else ()
    jobs = jobs if parallel.start_method() == "fork" else 1
    workbooks = parallel.run(read_service_workbook, [(path, numeric_keys) for path in files], jobs,
                             meanwhile=meanwhile)
    copies = copied_workbooks(workbooks)
    for workbook in workbooks:
        if workbook.path.name in copies:
            (original, code), table = copies[workbook.path.name], workbook.actions
            findings.append(finding(code, file=workbook.path.name, sheet=table.frame["_sheet"].iloc[0],
                                    other=original, count=len(table.frame),
                                    rows=", ".join(number_ranges(table.frame["_row"].astype(int)))))
            continue
        findings += workbook.findings
        if workbook.actions is not None:
            action_tables.append(workbook.actions)
        if workbook.finances is not None:
            finance_tables.append(workbook.finances)
    return (concat_tables(c.ACTIONS_SHEET, action_tables), concat_tables(c.FINANCE_SHEET, finance_tables), findings,
            [path.name for path in files])


def load_entity(folder: Path) -> LoadedEntity:
    """Read the cadre and every service workbook of one entity folder."""
    frame = load_frame(folder)
    actions, finances, findings, _ = load_services(folder, frame.operational)
    return LoadedEntity(folder=folder, cadre_name=frame.cadre_name, parameters=frame.parameters,
                        strategic=frame.strategic, operational=frame.operational, actions=actions,
                        finances=finances, findings=frame.findings + findings, lists=frame.lists)


@dataclass
class ServiceFile:
    path: Path
    actions: Table | None = None
    finances: Table | None = None
    findings: list[Finding] = field(default_factory=list)
    likeness: tuple = ()
    """What would make another workbook a copy of this one (copied_workbooks), worked out once, when it is read:
    a workbook that did not change is not gone through again at each build of the watch (make suivre)."""


def read_service_workbook(path: Path, numeric_keys: tuple[str, ...]) -> ServiceFile:
    """One service's workbook: its `Actions` sheet and its optional `Financement` sheet."""
    workbook = ServiceFile(path)
    with Package(path) as package:
        book, problem = open_workbook(package)
        if problem:
            workbook.findings.append(problem)
            return workbook
        with book:
            workbook.actions, found = read_table(book, package, c.ACTIONS_SHEET, allow_single_sheet=True,
                                                 numeric_keys=numeric_keys)
            workbook.findings += found
            workbook.findings += unread_action_sheets(book, package)
            if any(c.FINANCE_SHEET.matches_name(str(name)) for name in book.sheet_names):
                workbook.finances, found = read_table(book, package, c.FINANCE_SHEET)
                workbook.findings += found
    workbook.likeness = likeness(workbook)
    return workbook


def likeness(workbook: ServiceFile) -> tuple:
    """The keys under which copied_workbooks groups a workbook: its actions and budget lines (an exact copy), its
    « Réf. » (another version of it). None with fewer than two actions: a single action is not enough — two
    services may well type the same one (the usual rules then report it)."""
    actions = workbook.actions
    if actions is None or len(actions.frame) < 2:
        return ()
    finances = contents(workbook.finances) if workbook.finances is not None else ""
    keys = [("classeur-copie", contents(actions), finances)]
    references = frozenset(c.code_key(r) for r in actions.frame["reference"] if str(r).strip())
    if len(references) >= 2:
        keys.append(("classeur-autre-version", references))
    return tuple(keys)


def copied_workbooks(workbooks: list[ServiceFile]) -> dict[str, tuple[str, str]]:
    """Workbooks that repeat another, by name → (the name of the one read, finding code): an exact copy
    (« Travaux - copie.xlsx »: same actions and budget lines), or another version of it (the same « Réf. », the
    actions edited). The one read has the shortest name, the original one as a copy is usually named (the keys:
    ServiceFile.likeness)."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for workbook in workbooks:
        for key in workbook.likeness:
            groups[key].append(workbook.path.name)
    repeats: dict[str, tuple[str, str]] = {}
    for (code, *_), names in sorted(groups.items(), key=lambda item: item[0][0] != "classeur-copie"):
        kept = min(names, key=lambda name: (len(name), name))
        for name in names:
            if name != kept and name not in repeats:
                repeats[name] = (kept, code)
    return repeats


def read_lists(book, cadre: Package) -> tuple[Table | None, list[Finding]]:
    """The frame's optional `Listes` sheet; None without it. It only feeds dropdowns and checks: a sheet without
    a recognised header row is one warning, and a problem in a cell (an Excel error…) is a warning, never an
    error that would hold back the PST. Rows typed only beside the lists are not reported: notes, probably."""
    sheet = next((str(n) for n in book.sheet_names if c.LISTS_SHEET.matches_name(str(n))), None)
    if sheet is None:
        return None, []
    table, findings = read_table(book, cadre, c.LISTS_SHEET)
    if table is not None and not any(table.refused_rows.values()) and table.frame.empty:
        return None, []  # an empty sheet: nothing to say
    if table is None or any(f.refuses_sheet for f in findings):
        expected = [col.header for col in c.LISTS_SHEET.columns]
        return None, [finding("listes-illisibles", file=cadre.path.name, sheet=sheet, expected=expected)]
    return table, [replace(f, severity=WARNING) if f.is_error else f for f in findings
                   if not f.outside_table]
