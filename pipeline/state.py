"""Stable references (« Réf. ») and the state of the last successful build.

The PST is updated during the legislature: services get their actions back in pre-filled workbooks
(`make templates PREREMPLI=1`) and return them. To recognise an action from one build to the next, every accepted
action gets a reference `<Code>-0001` once; the pipeline keeps it and never gives the same number twice.

`<DATA>/<entité>/etat-pst.json` records, after each successful build (no errors), every action with its fields
and its Réf. It lives beside the data, never in BUILD: deleting BUILD (make clean) and building again gives the same
Réf. and numbers. On the next build:

- a Réf. typed in a workbook is kept as is (two actions with the same Réf. are an error naming both rows);
- an action without Réf. that matches a recorded one (same service file, same libellé — case, accents and
  punctuation aside) gets the recorded Réf.; otherwise the next free number;
- a recorded action whose service file is still read but which is no longer in it is reported as « action
  retirée », so that a deleted row is never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import chain
import re
from pathlib import Path

import pandas as pd

from . import contract as c
from .atomic import atomic_path
from .findings import Finding, finding, said, stop
from .french import long_date
from .origin import absolute
from .load import ConfigurationError, Table
from .model import Action, Entity
from .normalize import PartialDate, whole_number

STATE_FORMAT = 1
REFERENCE_DIGITS = 4
MAX_REFERENCE = 999_999
"""A typed Réf. numbered beyond is kept, but does not move the counter of the references given."""


# --- The state file ------------------------------------------------------------------------------------------
def state_path(folder: Path | str) -> Path:
    """<DATA>/<entité>/etat-pst.json: what must last lives with the data."""
    return Path(folder) / c.STATE_FILE


def legacy_state_path(build: Path, folder: Path | str) -> Path:
    """Where earlier versions of PST builder kept the state: <BUILD>/<entité>/etat-pst.json (taken over once)."""
    return Path(build) / Path(folder).name / c.STATE_FILE


def previous_state(folder: Path, build: Path | None, adopted: list, code: str,
                   recorded: StateFile | None = None) -> tuple[dict | None, list[Finding]]:
    """The state the next build starts from, and a note when it does not come from its own file: the state an
    earlier version of PST builder kept in BUILD (same entity code), taken over; else, when the file was lost, the
    last adopted version (`adopted`: versions.Version, oldest first), which records the same actions and Réf.
    `recorded`: the folder's state file, when it may have been read already."""
    state = (recorded or StateFile(state_path(folder))).state()
    if state is not None:
        return state, []
    if build is not None:
        old = legacy_state_path(build, folder)
        legacy = load_state(old)
        if legacy is not None and (not code or c.code_key(legacy.get("code") or code) == c.code_key(code)):
            return legacy, [finding("etat-repris", old=str(old), new=str(state_path(folder)))]
    if adopted and well_formed(adopted[-1].snapshot):
        last = adopted[-1]
        return last.snapshot, [finding("etat-depuis-version", new=str(state_path(folder)), number=last.number,
                                       seance=long_date(last.seance))]
    return None, []


@dataclass
class StateFile:
    """A state file read once: ahead, while this process would wait (`read`: build.assemble, as other processes
    read the workbooks — 2,680 actions, 0.05 s of JSON), else when first asked for. A file that stops the run
    stops it when its state is asked for, as when it was read there (not when the entity's parameters are
    refused)."""

    path: Path
    outcome: tuple[dict | None, Exception | None] | None = None

    def read(self) -> None:
        try:
            self.outcome = load_state(self.path), None
        except Exception as problem:  # raised by state(), where the state is used
            self.outcome = None, problem

    def state(self) -> dict | None:
        if self.outcome is None:
            self.read()
        state, problem = self.outcome
        if problem is not None:
            raise problem
        return state


def load_state(path: Path) -> dict | None:
    """The recorded state, None when there is none yet; an unreadable file stops the run (exit code 2).

    Silently ignoring a damaged state would hand out references that pre-filled workbooks already carry."""
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not well_formed(state):
            raise ValueError("structure")
    except (OSError, ValueError, RecursionError) as problem:
        reason = "structure" if "structure" in str(problem) else (
            "json" if isinstance(problem, ValueError) else "read")
        raise ConfigurationError(stop("state-unreadable", path=absolute(path), reason=reason)) from None
    return state


TEXT_FIELDS = ("reference", "file", "sheet", "title", "volet", "number", "given_number")
EMPTY_TEXTS = ("",) * len(TEXT_FIELDS)
SCALARS = frozenset({str, int, float, bool, type(None)})
"""The types json.loads gives a scalar: the state is only ever read from JSON, which gives exact types (no
subclass) and never the same list twice."""
VALUES = SCALARS | {list}
TEXT = frozenset({str})


def well_formed(state) -> bool:
    """Whether the state holds what the pipeline wrote, in the types it wrote them (a hand edit may not)."""
    if not isinstance(state, dict) or not isinstance(state.get("actions"), list):
        return False
    retired = state.get("retired_numbers", {})
    if not isinstance(retired, dict) or not all(isinstance(v, list) and all(isinstance(n, (str, int)) for n in v)
                                                for v in retired.values()):
        return False
    return all(well_formed_action(record) for record in state["actions"])


def well_formed_action(record) -> bool:
    """The fields the pipeline reads back (identity, budget lines, lists) in the types it wrote them; other
    values are turned into cells as their text (prefill_row). Checked by the set of the values' types, the lists
    found among the values by C code (2,680 actions: 17 → 14 ms, field by field in Python before)."""
    if not isinstance(record, dict) or not record.get("reference") or not record.get("file"):
        return False
    budget = record.get("budget", [])
    if (set(map(type, map(record.get, TEXT_FIELDS, EMPTY_TEXTS))) != TEXT
            or type(record.get("row", 0)) not in (int, bool) or type(budget) is not list
            or not set(map(type, record.values())) <= VALUES):
        return False
    if not all(type(line) is dict and set(map(type, line.values())) <= SCALARS for line in budget):
        return False
    # Besides the budget, a list holds texts (institutions, plans, ODD).
    lists = [value for value in filter(list.__instancecheck__, record.values()) if value is not budget]
    return set(map(type, chain.from_iterable(lists))) <= TEXT


def objectives_record(entity) -> dict:
    """The objectives as the state records them (and so each version adopted from it: versions.modifications)."""
    return {"os": [{"volet": os.volet, "number": os.number, "title": os.title}
                   for volet in entity.volets for os in volet.objectives],
            "oo": [{"volet": oo.volet, "number": oo.code, "title": oo.title}
                   for volet in entity.volets for oo in volet.operational()]}


def save_state(result, build: Path, today: dt.date, documents: list[Path] = (),
               recorded: dict | None = None) -> Path | None:
    """Record the entity's actions and their Réf., beside its data; called only once its documents are written (no
    errors). `documents`: those the build wrote (what `make adopter` copies into the version); `recorded`: what
    `state_record` gave for this build (made while the documents were written), else made now."""
    state = recorded or state_record(result, build, today)
    if state is None:
        return None
    state = {**state, "documents": [Path(document).name for document in documents]}
    path = state_path(result.folder)
    with atomic_path(path) as temporary:
        # A lone surrogate (a Réf. taken from a hand-edited state) cannot be written in UTF-8: « ? » instead.
        temporary.write_text(state_text(state), encoding="utf-8", errors="replace")
    legacy_state_path(build, result.folder).unlink(missing_ok=True)  # taken over: the state lives with the data
    return path


def state_record(result, build: Path, today: dt.date) -> dict | None:
    """What save_state records for this build, but the documents it wrote: every action with its Réf. and its
    fields, the objectives (0.15 s for 2,680 actions: made while the documents are written)."""
    entity: Entity | None = result.entity
    if entity is None:
        return None
    actions = sorted(entity.actions(), key=source_order)
    return {
        "format": STATE_FORMAT,
        "note": said("state-note"),
        "entity": entity.name,
        "code": entity.code,
        "legislature": entity.legislature,
        "built_on": today.isoformat(),
        "built_at": dt.datetime.now().isoformat(),
        "build": str(absolute(build)),
        "documents": [],  # save_state: those written
        "objectives": objectives_record(entity),
        "last_reference": max(result.last_reference,
                              max((reference_number(a.reference, entity.code) for a in actions), default=0)),
        "actions": [action_record(a) for a in actions],
    }


def state_text(state: dict) -> str:
    """The state as JSON, one action per line: readable in a diff, and written by json's C encoder (an indented
    dump goes through its pure-Python one, a second for a few thousand actions)."""
    head = json.dumps({key: value for key, value in state.items() if key != "actions"}, ensure_ascii=False,
                      indent=1)
    actions = ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in state["actions"])
    return head.removesuffix("\n}") + ',\n "actions": [\n' + actions + "\n ]\n}\n"


ACTION_ATTRIBUTES = frozenset(f.name for f in fields(Action)) | set(c.IDENTITY_KEYS)
"""Contract keys an Action holds as attributes; the others are in its `fields` (Action.__getattr__)."""


def action_record(action: Action) -> dict:
    """One action as recorded: its source, the number shown in the document, and every contract field — taken
    from `action.fields` where Action.__getattr__ would look (a failed attribute lookup first: 2,680 actions,
    a tenth of a second)."""
    record = {"reference": action.reference, "file": action.source.file, "sheet": action.source.sheet,
              "row": action.source.row, "number": action.number, "given_number": action.given_number}
    values = action.fields
    for column in c.ACTIONS_SHEET.columns:
        if column.key not in record:
            record[column.key] = to_json(getattr(action, column.key) if column.key in ACTION_ATTRIBUTES
                                         else values.get(column.key, column.empty))
    record["budget"] = [{column.key: getattr(line, column.key) for column in c.FINANCE_SHEET.columns}
                        for line in action.budget]
    return record


def to_json(value):
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, tuple):
        return list(value)
    return value


def from_partial_iso(text: str) -> PartialDate | None:
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(text or ""))
    if not match:
        return None
    return PartialDate(int(match[1]), int(match[2]) if match[2] else None, int(match[3]) if match[3] else None)


def source_order(action: Action) -> tuple:
    return (action.source.file.casefold(), action.source.row)


# --- References ----------------------------------------------------------------------------------------------
def reference_key(reference: str) -> str:
    return c.code_key(reference)


def reference_number(reference: str, code: str) -> int:
    """The number of a reference `<code>-0012` (12); 0 for any other reference."""
    match = re.fullmatch(re.escape(code) + r"-(\d+)", str(reference or "").strip(), flags=re.IGNORECASE)
    number = whole_number(match[1]) if match else None
    return number if number is not None and number <= MAX_REFERENCE else 0


def last_reference(state: dict | None, code: str) -> int:
    """The highest number ever handed out, so that a withdrawn action's number is never given again."""
    if not state:
        return 0
    recorded = state.get("last_reference")
    recorded = recorded if isinstance(recorded, int) and 0 <= recorded <= MAX_REFERENCE else 0
    return max([recorded, *(reference_number(a["reference"], code) for a in state["actions"])])


@lru_cache(maxsize=1 << 12)
def file_key(file: str) -> str:
    """A service file, whatever its extension or case: « Travaux.xlsx » = « travaux.ods ». (Cached: a build keys
    each recorded action's file and each row's, a few dozen files 5,000 times over through pathlib.)"""
    return c.fold(Path(file).stem)


def action_key(file: str, title: str) -> tuple[str, str]:
    return file_key(file), c.fold(title)


@dataclass
class Plan:
    """What the last build's state decides for this one, before the model numbers the actions once: each accepted
    action row's Réf. (typed, recognised, or new), the number a recorded action keeps, and the numbers no new
    action may take."""

    references: dict = field(default_factory=dict)
    """Row index (of the accepted actions' frame) → Réf."""
    kept: dict = field(default_factory=dict)
    """Row index → the number the last adopted version showed, for an action whose workbook does not type it."""
    reserved: dict[str, set[str]] = field(default_factory=dict)
    """Volet → numbers of the last builds (withdrawn actions' included) and of rows rejected for an error."""
    last_reference: int = 0
    """The highest reference number ever given, this build's included (what the state records next)."""
    findings: list[Finding] = field(default_factory=list)

    def apply(self, actions: pd.DataFrame) -> pd.DataFrame:
        """The accepted actions with their Réf. filled in, and the number each adopted one keeps (`_kept`)."""
        return actions.assign(
            reference=pd.Series([self.references.get(index, value)
                                 for index, value in zip(actions.index, actions["reference"].tolist())],
                                index=actions.index, dtype=object),
            _kept=pd.Series([self.kept.get(index, "") for index in actions.index], index=actions.index, dtype=object))


def plan(previous: dict | None, actions: pd.DataFrame, read: Table | None, code: str, hierarchical: bool,
         held: dict[str, set[str]], adopted: list | None = None, recording: bool = True) -> Plan:
    """Give every accepted action its Réf. — typed, else the recorded one of the same libellé in the same
    service file, else the next free number — and report the recorded actions withdrawn since the last build.
    Numbers are kept only once a version is adopted (`adopted`: versions.Version, oldest first): an adopted
    action keeps its number, no number an adopted version showed is given to another action. Before, a draft is
    numbered in the document's order on every build. `recording`: the build records its state (not make
    verifier, which says the new Réf. are still to be given)."""
    result = Plan(reserved={volet: set(numbers) for volet, numbers in held.items()})
    if not code:
        return result
    rows = sorted(zip(actions.index, *(actions[key].tolist() for key in ("_file", "_row", "title", "reference"))),
                  key=lambda row: (str(row[1]).casefold(), int(row[2])))
    used = {reference_key(reference) for *_, reference in rows if reference}
    recorded = recorded_by_title(previous, used)
    unmatched = []
    for index, file, _row, title, reference in rows:
        if reference:
            continue
        candidates = recorded.get(action_key(file, title), [])
        if candidates:
            result.references[index] = candidates.pop(0)
            used.add(reference_key(result.references[index]))
        else:
            unmatched.append(index)
    if adopted:
        keep_adopted_numbers(adopted, actions, result, hierarchical)
    counter = last_reference(previous, code)
    for index in unmatched:
        counter += 1
        while reference_key(format_reference(code, counter)) in used:
            counter += 1
        result.references[index] = format_reference(code, counter)
        used.add(reference_key(result.references[index]))
    result.last_reference = counter
    if unmatched and recording:
        result.findings.append(finding("references-attribuees", count=len(unmatched),
                                       first=result.references[unmatched[0]],
                                       last=result.references[unmatched[-1]]))
    elif unmatched:
        result.findings.append(finding("references-a-attribuer", count=len(unmatched)))
    if previous:
        result.findings.extend(withdrawn_actions(previous, read))
    return result


def keep_adopted_numbers(adopted: list, actions: pd.DataFrame, result: Plan, hierarchical: bool) -> None:
    """An adopted action keeps the number of the last version that holds it, even when its service sent back a
    workbook without it; a number any adopted version showed is never given to another action."""
    records: dict[str, dict] = {}
    for version in adopted:
        for volet, numbers in version.numbers().items():
            result.reserved.setdefault(volet, set()).update(numbers)
        records.update({reference_key(r["reference"]): r for r in version.actions if r.get("reference")})
    for index, volet, number, reference in zip(actions.index, actions["volet"], actions["number"],
                                               actions["reference"]):
        record = records.get(reference_key(result.references.get(index, reference)))
        if record and record.get("number") and record.get("volet") == volet and (hierarchical or not number):
            result.kept[index] = str(record["number"])


def format_reference(code: str, number: int) -> str:
    return f"{code}-{number:0{REFERENCE_DIGITS}d}"


def recorded_by_title(state: dict | None, used: set[str]) -> dict[tuple[str, str], list[str]]:
    """(service file, libellé) → recorded Réf. not typed elsewhere in this build, in recorded order."""
    found: dict[tuple[str, str], list[str]] = {}
    for record in (state or {}).get("actions", []):
        if reference_key(record["reference"]) not in used:
            found.setdefault(action_key(record["file"], record.get("title", "")), []).append(record["reference"])
    return found


def withdrawn_actions(state: dict, read: Table | None) -> list[Finding]:
    """Recorded actions whose service file was read again but which are no longer in it.

    Every row read counts, even one rejected for an error: an action with a typo is not « retirée »."""
    if read is None:
        return []
    files = {file_key(file): file for file, _sheet in read.letters}
    frame: pd.DataFrame = read.frame
    references = {reference_key(r) for r in frame["reference"].tolist() if str(r).strip()}
    titles = {action_key(f, t) for f, t in zip(frame["_file"].tolist(), frame["title"].tolist())}
    findings = []
    for record in state["actions"]:
        current_file = files.get(file_key(record["file"]))
        if current_file is None:
            continue
        if reference_key(record["reference"]) in references \
                or action_key(record["file"], record.get("title", "")) in titles:
            continue
        sheet = next((s for f, s in read.letters if f == current_file), c.ACTIONS_SHEET.name)
        findings.append(finding("action-retiree", file=current_file, sheet=sheet, value=record["reference"],
                                title=record.get("title", "")))
    return findings


# --- Pre-filled workbooks ------------------------------------------------------------------------------------
def prefill_row(record: dict, numbers: bool = True) -> dict[str, object]:
    """A recorded action as cell values for the « Actions » sheet: key → value, as a service would type it.

    Full dates become real dates; a month or a year stays text (« 12/2024 », « 2024 ») so that the document
    keeps showing « décembre 2024 »; percentages are numbers 0–100; lists (institutions, plans, ODD) are joined by « ; »."""
    row: dict[str, object] = {}
    for column in c.ACTIONS_SHEET.columns:
        if column.key == "number" and not numbers:
            continue  # a draft's numbers follow the document's order: the workbook does not fix them
        value = record.get(column.key)
        if value in (None, "", []):
            continue
        if column.kind == c.DATE:
            value = date_cell(value)
        elif column.multiple:
            value = " ; ".join(value) if isinstance(value, list) else str(value)
        elif column.kind == c.PERCENT:
            value = percent_cell(value)
        elif column.kind == c.DECIMAL and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        else:
            value = str(value)
        if value not in (None, ""):
            row[column.key] = value
    return row


def prefill_budget_rows(record: dict) -> list[dict[str, object]]:
    """A recorded action's budget lines as cell values for the « Financement » sheet."""
    return [{key: value for key, value in line.items() if value not in (None, "")}
            for line in record.get("budget", [])]


def percent_cell(value) -> int | float | str:
    """A recorded rate as a number 0–100; anything else (a hand edit) as the text it is, for the service to see."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
        return int(value) if float(value).is_integer() else float(value)
    return str(value)[:50]


def date_cell(text: str) -> dt.date | str | None:
    day = from_partial_iso(text)
    if day is None:
        return str(text)
    if day.day:
        try:
            return dt.date(day.year, day.month, day.day)
        except ValueError:
            return str(text)
    if day.month:
        return f"{day.month:02d}/{day.year}"
    return str(day.year)
