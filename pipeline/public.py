"""What may be published (the site and its open data) — STAND-IN.

The open-data engineer writes the real module (issue 23 points 5 and 6: each column declared public or not once, in
contract.py; what the cadre marks internal; the open data written into the site's `donnees/`). This stand-in has
exactly its signatures so that the site can be built and tested meanwhile: the merger takes their file.
"""

from __future__ import annotations

from pathlib import Path

from . import contract as c

PRIVATE = {"comment"}
"""Stand-in: the internal remarks never reach the site."""


def public_columns(sheet: c.SheetContract) -> list[c.Column]:
    """The columns of a contract sheet that may be published."""
    return [column for column in sheet.columns if column.key not in PRIVATE]


def is_public(entity, column: c.Column) -> bool:
    """Whether this entity publishes this column (the contract's declaration and what its cadre marks internal)."""
    return column in public_columns(c.ACTIONS_SHEET)


def budget_public(entity) -> bool:
    """Whether the entity publishes its budget lines."""
    return False


def licence(entity) -> str:
    """The licence of the open data (chosen in the cadre)."""
    return "CC BY 4.0"


def write_open_data(job, folder: Path) -> list[Path]:
    """The open data into `folder/donnees/` (CSV, JSON, datapackage.json): the files written."""
    return []
