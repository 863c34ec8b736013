"""Build: runs the stages in order for each entity of DATA, then writes the documents.

load → normalize → validate → model → render. An entity with errors gets no document (its previous document,
if any, is left untouched and reported as out of date); the others are built. Synergy cross-references are
written for every pair of entities that name each other in « Synergie avec ».
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import contract as c
from .findings import Finding, count_by_severity, finding
from .load import LoadedEntity, Table, load_entity
from .model import CrossReference, Entity, build_entity, cross_reference, select, synergy_partners
from .normalize import normalize_table, read_parameters
from .render import PST_TEMPLATE, SYNERGIES_TEMPLATE, pst_context, render_document, synergies_context
from .state import assign_references, duplicate_references, save_state
from .validate import (Sheet, accepted, numbering_gaps, operational_without_actions, rejected_rows,
                       validate_actions, validate_frame)


@dataclass
class EntityResult:
    folder: Path
    findings: list[Finding]
    rows_read: int
    entity: Entity | None = None
    document: Path | None = None
    stale_document: Path | None = None
    actions_read: Table | None = None
    """Every action row read, rejected ones included (to tell a withdrawn action from one with an error)."""

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def rows_accepted(self) -> int:
        return len(self.entity.actions()) if self.entity else 0

    @property
    def label(self) -> str:
        return self.entity.name if self.entity and self.entity.name else self.folder.name


def orphans(child: Sheet, parent_keys: set, key_of, column: str, label_of) -> tuple[pd.DataFrame, list[Finding]]:
    """Rows of `child` whose parent objective was left out: left out too, each with a finding."""
    frame = child.frame
    keep = [key_of(row) in parent_keys for row in frame.to_dict("records")]
    findings = [finding("parent-rejete", value=child.raw(index, column), **child.cell(index, column),
                        parent=label_of(frame.loc[index]))
                for index, kept in zip(frame.index, keep) if not kept]
    return frame.loc[pd.Series(keep, index=frame.index, dtype=bool)], findings


def assemble(folder: Path) -> EntityResult:
    """Every stage but rendering, for one entity folder."""
    loaded: LoadedEntity = load_entity(folder)
    findings = list(loaded.findings)
    parameters, found = read_parameters(loaded.parameters)
    findings += found
    sheets = {}
    for name, table in (("strategic", loaded.strategic), ("operational", loaded.operational),
                        ("actions", loaded.actions)):
        frame, found = normalize_table(table)
        findings += found
        sheets[name] = Sheet(table, frame)
    strategic, operational, actions = sheets["strategic"], sheets["operational"], sheets["actions"]
    findings += validate_frame(strategic, operational)
    findings += validate_actions(actions, operational, parameters.values.get("code", ""))
    findings += duplicate_references(actions)
    rejected = rejected_rows(findings)

    strategic_ok = accepted(strategic, rejected)
    operational_ok, found = orphans(
        Sheet(operational.table, accepted(operational, rejected)),
        set(zip(strategic_ok["volet"], strategic_ok["number"])),
        lambda row: (row["volet"], int(row["code"].split(".")[0])), "code",
        lambda row: f"stratégique {row['code'].split('.')[0]} ({row['volet']})")
    findings += found
    actions_ok, found = orphans(
        Sheet(actions.table, accepted(actions, rejected)),
        set(zip(operational_ok["volet"], operational_ok["code"])),
        lambda row: (row["volet"], row["oo_code"]), "oo_code",
        lambda row: f"opérationnel {row['oo_code']} ({row['volet']})")
    findings += found
    findings += numbering_gaps(strategic, operational, actions)
    findings += operational_without_actions(Sheet(operational.table, operational_ok), actions_ok)

    result = EntityResult(folder, findings, rows_read=len(loaded.actions.frame) + count_rows_outside(findings))
    result.actions_read = loaded.actions
    if not any(f.is_error for f in found_parameters(findings)):
        entity, notes = build_entity(folder.name, parameters.values, strategic_ok, operational_ok, actions_ok,
                                     loaded.actions.letters)
        result.entity = entity
        findings += notes
    return result


def found_parameters(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.sheet == c.PARAMETERS_SHEET.name or f.code == "parametre-absent"]


def count_rows_outside(findings: list[Finding]) -> int:
    """Rows with content only outside the contract's columns: read, reported, not actions."""
    return sum(f.code == "ligne-hors-colonnes" and f.sheet != "" and f.file != c.CADRE_FILE for f in findings)


def safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-") or "PST"


def document_path(build: Path, result: EntityResult) -> Path:
    entity = result.entity
    return build / result.folder.name / f"PST_{safe_name(entity.code)}_{safe_name(entity.legislature)}.docx"


def synergy_annexes(entity: Entity) -> list[tuple[str, list]]:
    return [(code, select(entity, lambda a, code=code: code in a.synergy_with)) for code in synergy_partners(entity)]


def partner_names(results: list[EntityResult]) -> dict[str, str]:
    return {r.entity.code: r.entity.name for r in results if r.entity and r.entity.code}


def render_entity(result: EntityResult, build: Path, names: dict[str, str], today: dt.date) -> None:
    destination = document_path(build, result)
    if result.has_errors:
        result.stale_document = destination if destination.exists() else None
        return
    context = pst_context(result.entity, synergy_annexes(result.entity), names, today)
    result.document = render_document(PST_TEMPLATE, context, destination)


@dataclass
class CrossReferenceResult:
    xref: CrossReference
    document: Path


def entity_order(entity: Entity) -> tuple:
    """Commune or Ville before CPAS, then by code: « Synergies_VILLE_CPAS »."""
    return (entity.is_cpas, entity.code)


def cross_references(results: list[EntityResult], build: Path, today: dt.date) -> list[CrossReferenceResult]:
    built = sorted((r.entity for r in results if r.document), key=entity_order)
    written = []
    for i, left in enumerate(built):
        for right in built[i + 1:]:
            if right.code in synergy_partners(left) or left.code in synergy_partners(right):
                xref = cross_reference(left, right)
                path = build / f"Synergies_{safe_name(left.code)}_{safe_name(right.code)}.docx"
                render_document(SYNERGIES_TEMPLATE, synergies_context(xref, today), path)
                written.append(CrossReferenceResult(xref, path))
    return written


@dataclass
class BuildReport:
    results: list[EntityResult] = field(default_factory=list)
    cross_references: list[CrossReferenceResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(r.has_errors for r in self.results) else 0

    def counts(self) -> dict[str, int]:
        return count_by_severity([f for r in self.results for f in r.findings])


def build_all(folders: list[Path], build: Path, today: dt.date | None = None) -> BuildReport:
    today = today or dt.date.today()
    report = BuildReport([assemble(folder) for folder in folders])
    for result in report.results:
        assign_references(result, build)
    names = partner_names(report.results)
    for result in report.results:
        render_entity(result, build, names, today)
        if result.document:
            save_state(result, build, today)
    report.cross_references = cross_references(report.results, build, today)
    return report
