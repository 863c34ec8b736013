"""Model: the typed hierarchy Entity → Volet → StrategicObjective → OperationalObjective → Action, and its numbering.

Built only from accepted rows (validation has run). Order: volet externe then interne; objectives by number;
within an objective, actions with an official number by that number, then the others in file order. Numbers
given by the services are kept as typed; where none is given, actions are numbered continuously through the
volet, as in the official PSTs (1 … 199 in the externe, 1 … 69 in the interne).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Iterator

import pandas as pd

from . import contract as c
from .findings import Finding, finding, phrase
from .load import records
from .normalize import DisplayOptions, natural_key, oo_parts, sdg_number, whole_number
from .validate import numbering_gaps_of


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    row: int
    letters: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Column letter of each contract key in this row's sheet, to point findings at the cell."""

    def french(self) -> str:
        return phrase("place-in-sheet", file=self.file, sheet=self.sheet, row=self.row)

    def key(self) -> tuple[str, str, int]:
        return (self.file, self.sheet, self.row)


@dataclass
class BudgetLine:
    """One line of the `Financement` sheet: what an action costs or brings in, one budget year."""

    reference: str
    year: int
    budget_service: str
    direction: str
    amount: float
    source: Source
    article: str = ""
    own_funds: float | None = None
    loan: float | None = None
    subsidies: float | None = None
    subsidy_source: str | None = None

    @property
    def is_expense(self) -> bool:
        return self.direction == c.DIRECTION_EXPENSE

    @property
    def is_extraordinary(self) -> bool:
        return self.budget_service == c.BUDGET_EXTRAORDINARY


@dataclass
class Action:
    """One action: its place and identity as attributes, and every other column of the contract as a field
    (`action.status`, `action.plans`…), read from `fields` — so that a column declared in the contract is a field
    of every action, with no change here."""

    volet: str
    oo_code: str
    title: str
    source: Source
    given_number: str = ""
    number: str = ""
    reference: str = ""
    kept_number: str = ""
    """The number of the last adopted version, kept (see state.plan)."""
    fields: dict = field(default_factory=dict)
    """Contract key → clean value (text, tuple, PartialDate, number or None); a missing key is empty."""
    budget: list[BudgetLine] = field(default_factory=list)

    def __getattr__(self, key: str):
        column = c.ACTIONS_SHEET.by_key.get(key)
        if column is None or key in c.IDENTITY_KEYS:
            raise AttributeError(key)
        return self.__dict__.get("fields", {}).get(key, column.empty)


@dataclass
class OperationalObjective:
    volet: str
    code: str
    title: str
    result_indicators: str = ""
    result_targets: str = ""
    result_reached: str = ""
    actions: list[Action] = field(default_factory=list)
    source: Source | None = None

    @property
    def os_number(self) -> int:
        return oo_parts(self.code)[0]


@dataclass
class StrategicObjective:
    volet: str
    number: int
    title: str
    observations: str = ""
    ambitions: str = ""
    objectives: list[OperationalObjective] = field(default_factory=list)
    source: Source | None = None

    def actions(self) -> Iterator[Action]:
        for oo in self.objectives:
            yield from oo.actions


@dataclass
class Volet:
    name: str
    objectives: list[StrategicObjective] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name.lower()

    def operational(self) -> list[OperationalObjective]:
        return [oo for os in self.objectives for oo in os.objectives]

    def actions(self) -> list[Action]:
        return [a for os in self.objectives for a in os.actions()]


@dataclass
class Entity:
    folder: str
    name: str
    type: str
    code: str
    legislature: str
    slogan: str = ""
    volets: list[Volet] = field(default_factory=list)
    options: DisplayOptions = field(default_factory=DisplayOptions)
    ins_code: str = ""
    """« Code INS » (contract 1.2; the e-Comptes export)."""
    people: dict = field(default_factory=dict)
    """Folded name → normalize.Person: the people of the frame's `Listes` (contract 1.2)."""
    plan_order: tuple = ()
    """The plans of the frame's `Listes`, in its order (the plans annex follows it)."""
    joint_with: str = ""
    """« PST conjoint avec » (contract 1.3): the Code of the institution this PST is written jointly with."""
    joint_cell: dict = field(default_factory=dict)
    """Where « PST conjoint avec » is typed (finding positions), for the messages about it."""
    code_cell: dict = field(default_factory=dict)
    """Where « Code » is typed (finding positions)."""
    accessibility_contact: str = ""
    """« Contact accessibilité » (contract 1.4): how the site's accessibility statement says to reach the
    institution (public, unlike « Contact »)."""

    @property
    def is_cpas(self) -> bool:
        return self.type == c.ENTITY_CPAS

    def actions(self) -> list[Action]:
        return [a for v in self.volets for a in v.actions()]

    def sources(self) -> set[tuple[str, str, int]]:
        """(file, sheet, row) of every workbook row that made it into the document."""
        rows = set()
        for volet in self.volets:
            for os in volet.objectives:
                rows.add(os.source.key())
                for oo in os.objectives:
                    rows.add(oo.source.key())
                    for action in oo.actions:
                        rows.add(action.source.key())
                        rows.update(line.source.key() for line in action.budget)
        return rows


# --- Building ------------------------------------------------------------------------------------------------
def text(value) -> str:
    return "" if value is None else str(value)


def build_entity(folder: str, parameters: dict[str, str], strategic: pd.DataFrame, operational: pd.DataFrame,
                 actions: pd.DataFrame, letters: dict[tuple[str, str], dict[str, str]],
                 finances: pd.DataFrame | None = None, options: DisplayOptions = DisplayOptions(),
                 reserved: dict[str, set[str]] | None = None, adopted: bool = False) -> tuple[Entity, list[Finding]]:
    """The hierarchy from accepted rows (budget lines attached to their action by Réf.); returns the numbering
    notes as findings. `reserved`, `adopted`: see number_entity."""
    entity = Entity(
        folder=folder,
        name=parameters.get("entity_name", ""),
        type=parameters.get("entity_type", ""),
        code=parameters.get("code", ""),
        legislature=parameters.get("legislature", ""),
        slogan=parameters.get("slogan", ""),
        options=options,
        ins_code=parameters.get("ins_code", ""),
        joint_with=parameters.get("joint_with", ""),
        accessibility_contact=parameters.get("accessibility_contact", ""),
    )
    volets = {name: Volet(name) for name in c.VOLET_ORDER}
    strategic_index: dict[tuple[str, int], StrategicObjective] = {}
    for row in records(strategic):
        os = StrategicObjective(row["volet"], row["number"], row["title"], row["observations"], row["ambitions"],
                                source=source_of(row))
        strategic_index[(os.volet, os.number)] = os
        volets[os.volet].objectives.append(os)
    operational_index: dict[tuple[str, str], OperationalObjective] = {}
    for row in records(operational):
        oo = OperationalObjective(row["volet"], row["code"], row["title"], row["result_indicators"],
                                  row.get("result_targets") or "", row.get("result_reached") or "",
                                  source=source_of(row))
        operational_index[(oo.volet, oo.code)] = oo
        strategic_index[(oo.volet, oo.os_number)].objectives.append(oo)
    by_reference: dict[str, Action] = {}
    field_keys = [col.key for col in c.action_fields()]
    for row in records(actions):
        action = Action(
            volet=row["volet"], oo_code=row["oo_code"], title=row["title"],
            source=source_of(row, letters), given_number=text(row["number"]) or text(row.get("_kept")),
            reference=row["reference"], kept_number=text(row.get("_kept")),
            fields={key: row[key] for key in field_keys if row[key] not in (None, "", ())},
        )
        operational_index[(action.volet, action.oo_code)].actions.append(action)
        if action.reference:
            by_reference[c.code_key(action.reference)] = action
    for row in (records(finances) if finances is not None else []):
        by_reference[c.code_key(row["reference"])].budget.append(BudgetLine(
            reference=row["reference"], year=row["year"], budget_service=row["budget_service"],
            direction=row["direction"], amount=row["amount"], source=source_of(row), article=row["article"],
            own_funds=row["own_funds"], loan=row["loan"], subsidies=row["subsidies"],
            subsidy_source=row["subsidy_source"]))
    for volet in volets.values():
        volet.objectives.sort(key=lambda os: os.number)
        for os in volet.objectives:
            os.objectives.sort(key=lambda oo: oo_parts(oo.code))
            for oo in os.objectives:
                oo.actions = sorted(oo.actions, key=action_order)
                for action in oo.actions:
                    action.budget.sort(key=lambda line: (line.year, line.budget_service, line.direction))
    entity.volets = [v for v in volets.values() if v.objectives]
    return entity, number_entity(entity, reserved, adopted)


def number_entity(entity: Entity, reserved: dict[str, set[str]] | None = None, adopted: bool = False) -> list[Finding]:
    """Number every action; returns the notes on numbers completed and the warnings on gaps. `reserved`: numbers,
    per volet, never given to a new action and not reported as gaps — those of the adopted versions (a withdrawn
    action's number stays unused) and those typed on rows rejected for an error (the row will come back with
    it). `adopted`: a version is adopted, so that a new action takes the number after the last of its volet."""
    if entity.options.hierarchical:
        ignored = [a for a in entity.actions() if a.given_number and not a.kept_number]
        for volet in entity.volets:
            number_hierarchically(volet, (reserved or {}).get(volet.name, set()))
        return [finding("numeros-ignores", sheet=c.ACTIONS_SHEET.name, count=len(ignored))] if ignored else []
    findings = []
    for volet in entity.volets:
        for oo in volet.operational():
            oo.actions.sort(key=action_order)
        if note := number_actions(volet, (reserved or {}).get(volet.name, set()), adopted):
            findings.append(note)
        numbers = [n for a in volet.actions() if (n := whole_number(a.number)) is not None]
        reserved_numbers = [n for text in (reserved or {}).get(volet.name, ()) if (n := whole_number(text))]
        findings += numbering_gaps_of(numbers, volet.name, "action", c.ACTIONS_SHEET.name, held=reserved_numbers)
    return findings


def source_of(row: dict, letters: dict | None = None) -> Source:
    key = (row["_file"], row["_sheet"])
    return Source(row["_file"], row["_sheet"], int(row["_row"]), (letters or {}).get(key, {}))


def number_hierarchically(volet: Volet, reserved: set[str] = frozenset()) -> None:
    """« 2.4.3 »: the third action of OO 2.4 (order within the OO as for the continuous numbering). An action of
    an adopted version keeps its number; a new one takes the rank after the last the OO ever had."""
    for oo in volet.operational():
        prefix = f"{oo.code}."
        kept = [a.kept_number for a in oo.actions if a.kept_number.startswith(prefix)]
        ranks = [n for text in (*kept, *reserved) if text.startswith(prefix)
                 and (n := whole_number(text[len(prefix):])) is not None]
        if not ranks:
            for rank, action in enumerate(oo.actions, start=1):
                action.number = f"{prefix}{rank}"
            continue
        last = max(ranks)
        for action in oo.actions:
            if action.kept_number.startswith(prefix):
                action.number = action.kept_number
            else:
                last += 1
                action.number = f"{prefix}{last}"


def action_order(action: Action) -> tuple:
    """Numbered actions by their number, then unnumbered ones (Python's sort keeps their file order)."""
    return (0, natural_key(action.given_number)) if action.given_number else (1, ())


def number_actions(volet: Volet, reserved: set[str] = frozenset(), adopted: bool = False) -> Finding | None:
    """Give each action its displayed number. Given numbers (typed, or kept from the adopted version) stay; the
    others are numbered 1, 2, 3… through the volet, or — when the volet mixes both — continue after the previous
    number, never reusing one that is given elsewhere in the volet or `reserved` (an adopted action since
    withdrawn). Once a version is adopted, a new action takes the number after the last of its volet."""
    actions = volet.actions()
    given = {c.code_key(a.given_number) for a in actions if a.given_number}
    used = given | {c.code_key(n) for n in reserved}
    last = max((n for text in used if (n := whole_number(text)) is not None), default=0)
    previous, assigned = 0, []
    for action in actions:
        if action.given_number:
            action.number = action.given_number
            if (number := whole_number(action.given_number)) is not None:
                previous = number
            continue
        previous = max(previous, last) if adopted else previous
        previous += 1
        while str(previous) in used:
            previous += 1
        action.number = str(previous)
        used.add(action.number)
        assigned.append(action)
    if given and assigned:
        listed = [phrase("numbered-action", number=a.number, file=a.source.file, row=a.source.row)
                  for a in assigned[:20]]
        return finding("numeros-completes", sheet=c.ACTIONS_SHEET.name, volet=volet.name, count=len(assigned),
                       assigned=listed, more=max(0, len(assigned) - 20))
    return None


# --- Views ---------------------------------------------------------------------------------------------------
def select(entity: Entity, keep: Callable[[Action], bool]) -> list[Volet]:
    """The entity's hierarchy pruned to the actions for which `keep` is true (empty branches removed).

    Annexes (synergies, later plans and ODD) show their actions under the same OS and OO headings."""
    volets = []
    for volet in entity.volets:
        objectives = []
        for os in volet.objectives:
            operational = [replace(oo, actions=kept) for oo in os.objectives
                           if (kept := [a for a in oo.actions if keep(a)])]
            if operational:
                objectives.append(replace(os, objectives=operational))
        if objectives:
            volets.append(Volet(volet.name, objectives))
    return volets


@lru_cache(maxsize=4096)
def plan_identity(name: str) -> tuple[str, str]:
    """(key, display name) of a plan: « PCS », « Plan de cohésion sociale » and « PCS – Plan de cohésion
    sociale » (the dropdown's wording) are one plan, shown as in the dropdown."""
    typed = c.fold(name)
    acronym_in_brackets = re.search(r"\(([A-Za-z]{2,})\)\s*$", name)
    for entry in c.DEFAULT_PLANS:
        acronym, _, long_name = entry.partition(" – ")
        candidates = {c.fold(entry), c.fold(acronym), c.fold(long_name)} - {""}
        if typed in candidates or (acronym_in_brackets and c.fold(acronym_in_brackets[1]) == c.fold(acronym)):
            return c.fold(entry), entry
    return typed, name


def plans_named(entity: Entity) -> list[tuple[str, list[Volet]]]:
    """Each plan named in « Plans concernés » (spelling, case and acronym aside), in the frame's order (its
    `Listes`, else the usual Walloon plans), then the others alphabetically, with its actions under their OS and
    OO: the transversal view of all the commune's plans."""
    names: dict[str, str] = {}
    keys_of: dict[int, set[str]] = {}
    for action in entity.actions():
        identities = [plan_identity(plan) for plan in action.plans]
        keys_of[id(action)] = {key for key, _ in identities}
        for key, name in identities:
            names.setdefault(key, name)
    order = {plan_identity(plan)[0]: rank for rank, plan in enumerate(entity.plan_order or c.DEFAULT_PLANS)}
    return [(name, select(entity, lambda a, key=key: key in keys_of[id(a)]))
            for key, name in sorted(names.items(), key=lambda item: (order.get(item[0], len(order)),
                                                                      item[1].casefold()))]


def sdgs_named(entity: Entity) -> list[tuple[int, list[Volet]]]:
    """Each sustainable development goal named in « ODD » (by number or title), in order, with its actions."""
    numbers_of = {id(a): {n for item in a.sdgs if (n := sdg_number(item))} for a in entity.actions()}
    named = sorted(set().union(*numbers_of.values())) if numbers_of else []
    return [(n, select(entity, lambda a, n=n: n in numbers_of[id(a)])) for n in named]
