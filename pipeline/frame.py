"""The strategic frame (cadre.xlsx) through load → normalize → validate: what `make pst` builds the PST on and
`make templates` writes the services' workbooks from — one reading for both.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import contract as c
from .findings import Finding
from .load import LoadedFrame, empty_table, load_frame
from .model import Entity, build_entity
from .normalize import (DisplayOptions, Parameters, Person, display_options, list_values, normalize_table, people_of,
                        read_parameters)
from .validate import Sheet, long_entity_name, numbering_gaps, validate_frame


class Stopwatch:
    """Seconds spent in each stage (load, normalize, validate, model, render), for `--temps` and `make bench`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


@dataclass
class Frame:
    loaded: LoadedFrame
    parameters: Parameters
    options: DisplayOptions
    strategic: Sheet
    operational: Sheet
    lists: dict[str, tuple[str, ...]]
    """`Listes` column key → its values; only the columns present with at least one value."""
    findings: list[Finding] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    """The people of `Listes` by their folded name (contract 1.2)."""

    @property
    def folder(self) -> Path:
        return self.loaded.folder

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def parameters_refused(self) -> bool:
        """An error in `Paramètres` (or a parameter missing): no model can be built, not even a provisional one."""
        return any(f.is_error and (f.sheet == c.PARAMETERS_SHEET.name or f.refuses_entity)
                   for f in self.findings)

    def objectives(self) -> Entity:
        """The entity with its volets and objectives, without actions (the services' workbooks offer them)."""
        no_actions, _ = normalize_table(empty_table(c.ACTIONS_SHEET))
        entity, _ = build_entity(self.folder.name, self.parameters.values, self.strategic.frame,
                                 self.operational.frame, no_actions, {}, options=self.options)
        return entity


def read_frame(folder: Path, clock: Stopwatch | None = None) -> Frame:
    """cadre.xlsx read, normalized and checked by the frame's own rules."""
    clock = clock or Stopwatch()
    with clock.stage("load"):
        loaded = load_frame(folder)
    with clock.stage("normalize"):
        findings = list(loaded.findings)
        parameters, found = read_parameters(loaded.parameters)
        findings += found
        sheets = []
        for table in (loaded.strategic, loaded.operational):
            frame, found = normalize_table(table)
            findings += found
            sheets.append(Sheet(table, frame))
        strategic, operational = sheets
        options, found = display_options(parameters)
        findings += found
        lists, found = list_values(loaded.lists)
        findings += found
        people, found = people_of(loaded.lists)
        findings += found
    with clock.stage("validate"):
        findings += long_entity_name(parameters.values, parameters.positions)
        findings += validate_frame(strategic, operational)
        findings += numbering_gaps(strategic, operational)
    return Frame(loaded, parameters, options, strategic, operational, lists, findings, people)
