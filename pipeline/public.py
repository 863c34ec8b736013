"""What is public, declared once, and the open data written from it.

The contract says of each column whether it may ever be published (`Column.public`): the people's phone and e-mail
in `Listes` and an action's « Commentaire » (a remark to the coordinator) never are, whatever a template or a page
does. The cadre keeps more off (`Paramètres`, contract 1.4): « Champs non publiés » names actions' columns,
« Budget publié » says whether the budget lines are, « Licence des données » gives the open data's licence. The site
and the open data ask this module only: `public_columns`, `is_public`, `budget_public`, `licence`; « Contact
accessibilité » gives the accessibility statement's contact (`accessibility_contact`).

`write_open_data(job, folder)` writes `folder/donnees/`: the objectives, the actions and (when published) the
budget lines, each as CSV and as JSON, and `datapackage.json`, a Frictionless Data Package (v1, tabular) that
describes them — fields named by the contract's keys (stable machine names), titled by its French headers,
described by its help, typed by its kinds (`FIELD_TYPES`), with their required fields, primary keys and the foreign
keys action → objectif opérationnel → objectif stratégique (and budget line → action).

Choices (README, « The open data »):
- UTF-8 without BOM: what the Data Package and CSV specifications (RFC 4180) and open-data portals expect; a BOM
  becomes part of the first header for many readers. Excel users import the file (Données › À partir d’un fichier
  texte/CSV), which detects UTF-8 — and a Belgian Excel would not split a comma-separated file opened directly
  anyway.
- Every CSV value is quoted, and a text that a spreadsheet would take for a formula (starting with =, +, -, @, a tab
  or a carriage return) is prefixed with « ' » (`spreadsheet_safe`): quoting keeps a Belgian Excel, which splits on
  « ; », from making a cell of what follows a « ; » inside a value. The JSON files hold the exact text.
- A date as precise as typed, ISO 8601 (« 2024-03-15 », « 2024-03 », « 2024 »): a string with a pattern, since no
  Table Schema type takes all three.
- Several values (plans, ODD, institutions) joined by « ; » in the CSV (a value never holds one: « ; » separates
  them when typed), a list in the JSON (typed `array` there).
- The JSON files are described too (resources « …-json »), except an empty one (`[]`, a budget without lines):
  Frictionless cannot read a table's header from an empty array, and its CSV describes it already.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import contract as c
from . import french
from .atomic import atomic_path
from .clean import removed
from .findings import phrase
from .model import Entity
from .normalize import PartialDate, sdg_number

if TYPE_CHECKING:
    from .outputs.base import Job

OPEN_DATA_DIR = "donnees"
PACKAGE_FILE = "datapackage.json"
LIST_SEPARATOR = " ; "
"""Between the values of a list in the CSV (as the services type them: « PCS ; PCDR »)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, « CSV injection »)."""
FORMULA_GUARD = "'"

FIELD_TYPES: dict[str, str] = {
    c.TEXT: "string", c.MULTILINE: "string", c.VOLET: "string", c.OS_NUMBER: "integer", c.OO_CODE: "string",
    c.ACTION_NUMBER: "string", c.VOCABULARY: "string", c.PERCENT: "number", c.DATE: "string",
    c.CODE_LIST: "string", c.LIST: "string", c.SDG_LIST: "string", c.YEAR: "integer", c.AMOUNT: "number",
    c.DECIMAL: "number",
}
"""The Table Schema type of each kind of the contract (in the JSON files, a list kind is an `array`)."""
DATE_PATTERN = "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
OO_CODE_PATTERN = "[0-9]+\\.[0-9]+"


# --- What is public ------------------------------------------------------------------------------------------
def public_columns(sheet: c.SheetContract) -> list[c.Column]:
    """The columns of a contract sheet that may be published, in the contract's order."""
    return [column for column in sheet.columns if column.public]


def is_public(entity: Entity | None, column: c.Column) -> bool:
    """Whether `column` may be published for this entity: the contract allows it and, for an action's column, the
    cadre does not keep it off (« Champs non publiés »)."""
    if not column.public:
        return False
    if entity is None or not any(column is own for own in c.ACTIONS_SHEET.columns):
        return True
    return column.key not in entity.options.unpublished


def public_action_fields(entity: Entity | None) -> list[c.Column]:
    """An action's fields (beyond its identity) that may be published for this entity, in the contract's order:
    what an action's page and the open data show."""
    return [column for column in c.action_fields() if is_public(entity, column)]


def budget_public(entity: Entity) -> bool:
    """Whether the actions' budget lines are published (« Budget publié », default oui: the PST's « Programmation
    financière » and the fiches print them, and the PST is a public document of the conseil)."""
    return entity.options.budget_published


def licence(entity: Entity) -> str:
    """The open data's licence as named in the cadre (« Licence des données », default « CC BY 4.0 »)."""
    return entity.options.licence


def accessibility_contact(entity: Entity) -> str:
    """How the accessibility statement says to reach the institution (« Contact accessibilité », public by its
    declaration; "" when the cadre leaves it empty: the statement then points to the administration)."""
    return entity.accessibility_contact


def licence_details(name: str) -> c.Licence:
    """The licence `name` (a value of contract.LICENCES): its identifier, title and address."""
    return next(known for known in c.LICENCE_LIST if known.name == name)


def public_parameters() -> list[c.Parameter]:
    """The cadre's parameters the site may show (never the coordinator's contact details)."""
    return [parameter for parameter in c.PARAMETERS if parameter.public]


# --- The open data's tables ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One field of a table: a column of the contract, of the row's own sheet or of the objective it stands under
    (`parent`: « os », « oo »; its name is then prefixed: « os_title »)."""

    column: c.Column
    parent: str = ""
    required: bool = False
    """Required beyond the contract: always given by the build (an action's Réf. and number)."""

    @property
    def name(self) -> str:
        return f"{self.parent}_{self.column.key}" if self.parent else self.column.key

    @property
    def title(self) -> str:
        header = french.apostrophes(self.column.header)
        return phrase("open-data-parent", header=header, what=self.parent) if self.parent else header

    @property
    def multiple(self) -> bool:
        return self.column.multiple

    def descriptor(self, json_file: bool) -> dict:
        column = self.column
        described = {"name": self.name, "title": self.title}
        description = column.description or column.help
        if column.multiple:
            description = phrase("open-data-list", description=description)
        elif column.kind == c.DATE:
            description = phrase("open-data-date", description=description)
        if description:
            described["description"] = description
        described["type"] = "array" if column.multiple and json_file else FIELD_TYPES[column.kind]
        constraints = {}
        if column.required or self.required:
            constraints["required"] = True
        if column.kind == c.VOLET or (column.kind == c.VOCABULARY and column.strict):
            constraints["enum"] = list(column.vocabulary.values)
        elif column.kind == c.DATE:
            constraints["pattern"] = DATE_PATTERN
        elif column.kind == c.OO_CODE:
            constraints["pattern"] = OO_CODE_PATTERN
        elif column.kind == c.PERCENT:
            constraints.update(minimum=0, maximum=100)
        elif column.kind == c.DECIMAL:
            constraints.update(minimum=0, maximum=c.MAX_DECIMAL)
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass(frozen=True)
class Table:
    """One table of the open data: its file name (without suffix), its sheet, its fields and rows, its keys."""

    name: str
    sheet: c.SheetContract
    description: str
    fields: tuple[Field, ...]
    rows: tuple[tuple, ...]
    """One tuple of values per row, in the fields' order: values as the model holds them."""
    primary_key: tuple[str, ...] = ()
    references: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    """(fields, table, its fields) of each foreign key."""


OS_KEY, OO_KEY = "os", "oo"


def os_table(entity: Entity) -> Table:
    sheet = c.STRATEGIC_OBJECTIVES_SHEET
    fields = tuple(Field(column) for column in public_columns(sheet))
    rows = tuple(tuple(getattr(os, f.column.key) for f in fields)
                 for volet in entity.volets for os in volet.objectives)
    return Table("objectifs-strategiques", sheet, phrase("open-data-os"), fields, rows, ("volet", "number"))


def oo_table(entity: Entity) -> Table:
    sheet = c.OPERATIONAL_OBJECTIVES_SHEET
    own = [Field(column) for column in public_columns(sheet)]
    fields = (own[0], Field(c.STRATEGIC_OBJECTIVES_SHEET.column("number"), OS_KEY), *own[1:])
    rows = tuple(tuple(os.number if f.parent == OS_KEY else getattr(oo, f.column.key) for f in fields)
                 for volet in entity.volets for os in volet.objectives for oo in os.objectives)
    return Table("objectifs-operationnels", sheet, phrase("open-data-oo"), fields, rows, ("volet", "code"),
                 ((("volet", "os_number"), "objectifs-strategiques", ("volet", "number")),))


def actions_table(entity: Entity) -> Table:
    sheet = c.ACTIONS_SHEET
    column = sheet.column
    os_sheet, oo_sheet = c.STRATEGIC_OBJECTIVES_SHEET, c.OPERATIONAL_OBJECTIVES_SHEET
    identity = (Field(column("reference"), required=True), Field(column("volet")),
                Field(column("number"), required=True),
                Field(os_sheet.column("number"), OS_KEY), Field(os_sheet.column("title"), OS_KEY),
                Field(column("oo_code")), Field(oo_sheet.column("title"), OO_KEY), Field(column("title")))
    fields = identity + tuple(Field(col) for col in public_action_fields(entity))
    parents = {OS_KEY: 0, OO_KEY: 1}
    rows = []
    for volet in entity.volets:
        for os in volet.objectives:
            for oo in os.objectives:
                for action in oo.actions:
                    records = (os, oo, action)
                    rows.append(tuple(getattr(records[parents.get(f.parent, 2)], f.column.key) for f in fields))
    return Table("actions", sheet, phrase("open-data-actions"), fields, tuple(rows), ("reference",),
                 ((("volet", "oo_code"), "objectifs-operationnels", ("volet", "code")),))


def budget_table(entity: Entity) -> Table:
    sheet = c.FINANCE_SHEET
    fields = tuple(Field(column) for column in public_columns(sheet))
    rows = tuple(tuple(action.reference if f.column.key == "reference" else getattr(line, f.column.key)
                       for f in fields)
                 for action in entity.actions() for line in action.budget)
    return Table("budget", sheet, phrase("open-data-budget"), fields, rows, (),
                 ((("reference",), "actions", ("reference",)),))


def tables(entity: Entity) -> list[Table]:
    """The open data's tables for this entity, parents first (the budget lines only when published)."""
    found = [os_table(entity), oo_table(entity), actions_table(entity)]
    return found + [budget_table(entity)] if budget_public(entity) else found


# --- Values ----------------------------------------------------------------------------------------------------
def text(value: str) -> str:
    return removed(str(value))


def number(value: float | int) -> int | float:
    """A number as JSON and CSV write it: 60 rather than 60.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def item(column: c.Column, value) -> str:
    """One value of a list: an ODD by its number (« ODD 7 », however it was typed), else the text."""
    if column.kind == c.SDG_LIST and (n := sdg_number(str(value))):
        return f"ODD {n}"
    return text(value)


def json_value(column: c.Column, value):
    """A value as the JSON files hold it: text cleaned, a list a list, a date ISO, empty null ([] for a list)."""
    if column.multiple:
        return [item(column, one) for one in (value or ())]
    if value is None or value == "":
        return None
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return number(value)
    return text(value)


def spreadsheet_safe(value: str) -> str:
    """A text a spreadsheet opening the CSV never runs as a formula: prefixed with « ' » when it starts as one."""
    return FORMULA_GUARD + value if value.startswith(FORMULA_STARTS) else value


def csv_value(column: c.Column, value) -> str:
    shown = json_value(column, value)
    if shown is None:
        return ""
    if isinstance(shown, list):
        shown = LIST_SEPARATOR.join(shown)
    return spreadsheet_safe(shown) if isinstance(shown, str) else str(shown)


# --- Files -----------------------------------------------------------------------------------------------------
def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([f.name for f in table.fields])
    for row in table.rows:
        writer.writerow([csv_value(f.column, value) for f, value in zip(table.fields, row)])
    return buffer.getvalue()


def json_text(table: Table) -> str:
    records = [{f.name: json_value(f.column, value) for f, value in zip(table.fields, row)} for row in table.rows]
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


FORMATS = {"csv": (csv_text, "text/csv", "open-data-csv", ""), "json": (json_text, "application/json",
                                                                        "open-data-json", "-json")}
"""Format → (its writer, media type, the phrase saying how it is written, its resources' name suffix)."""


def resource(table: Table, fmt: str) -> dict:
    _, mediatype, said, suffix = FORMATS[fmt]
    schema: dict = {"fields": [f.descriptor(fmt == "json") for f in table.fields]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.references:
        schema["foreignKeys"] = [{"fields": list(own),
                                  "reference": {"resource": other + suffix, "fields": list(theirs)}}
                                 for own, other, theirs in table.references]
    return {"name": table.name + suffix, "path": f"{table.name}.{fmt}", "title": table.sheet.name,
            "description": f"{table.description} {phrase(said)}", "profile": "tabular-data-resource",
            "format": fmt, "mediatype": mediatype, "encoding": "utf-8", "schema": schema}


def package_name(entity: Entity) -> str:
    """The package's name: lower case, digits, « - », « _ » and « . » only (« pst-commune-2019-2024 »)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", f"pst-{entity.code}-{entity.legislature}".lower()).strip("-")
    return name or "pst"


def package(job: Job, found: list[Table]) -> dict:
    entity = job.entity
    chosen = licence_details(licence(entity))
    adopted = french.long_date(job.adopted[-1][1]) if job.adopted else ""
    return {
        "profile": "tabular-data-package",
        "name": package_name(entity),
        "title": text(phrase("open-data-title", legislature=entity.legislature, entity=entity.name)),
        "description": text(phrase("open-data-description", legislature=entity.legislature,
                                   of_entity=french.of(entity.name),
                                   budget=budget_public(entity), day=french.long_date(job.today),
                                   adopted=adopted)),
        "licenses": [{"name": chosen.identifier, "title": chosen.title, "path": chosen.url}],
        "contributors": [{"title": text(entity.name), "role": "publisher"}],
        "keywords": ["PST", phrase("open-data-keyword"), text(entity.name)],
        "resources": [resource(table, fmt) for fmt in FORMATS for table in found if fmt == "csv" or table.rows],
    }


def write_open_data(job: Job, folder: Path) -> list[Path]:
    """Writes `folder/donnees/` for the job's entity: each table as CSV and JSON, then datapackage.json; returns
    the files written. A table this build no longer publishes (the budget lines, once « Budget publié » says non)
    is removed from the folder."""
    entity = job.entity
    target = folder / OPEN_DATA_DIR
    target.mkdir(parents=True, exist_ok=True)
    found = tables(entity)
    written = []
    for fmt, (writer, *_) in FORMATS.items():
        for table in found:
            written.append(write_text(target / f"{table.name}.{fmt}", writer(table)))
    described = json.dumps(package(job, found), ensure_ascii=False, indent=2) + "\n"
    written.append(write_text(target / PACKAGE_FILE, described))
    for fmt in FORMATS:
        stale = target / f"budget.{fmt}"
        if stale not in written and stale.is_file():
            stale.unlink()
    return written


def write_text(path: Path, content: str) -> Path:
    with atomic_path(path) as temporary:
        temporary.write_text(content, encoding="utf-8", newline="")
    return path
