"""Synergies: the actions two institutions carry out together — the one home of the pairing rule.

An action names, in « Synergie avec », the institutions it is carried out with (by their « Code »). The actions of
two institutions that name each other are paired by their « Code synergie » (case, accents, spaces and dashes
aside: normalize.canonical_code). Whatever pairs goes through this module:

- who names whom: `partners(entity)`, `joint_pair(left, right)` (one joint PST), `paired_entities(entities)`;
- the cross-reference of two modelled entities, `cross_reference(left, right, absent)`: the pairs, the actions
  flagged on one side only, and what these one-sided cases say (findings at the cell, with their real cause);
- a partner's side as plain records (`record(action)`: light, sent to the processes that write an entity's
  documents), and what each own action pairs with there: `partner_side(records, own_code).paired_with(code)`
  (the PST's synergy annex, the rapport d'exécution);
- the disagreement rule, `disagreements(left, right)`: the two sides of a synergy disagree when one is Terminée
  and the other À démarrer, or when their « Fin » are more than six months apart for certain (as precise as
  typed: « 2024 » and « mars 2024 » are not apart, « 2024 » and « 2026 » are).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import contract as c
from . import french
from .evaluation import progress
from .findings import Finding, finding, phrase
from .model import Action, Entity
from .normalize import PartialDate, canonical_code, natural_key


# --- Who names whom ---------------------------------------------------------------------------------------------
def partners(entity: Entity) -> list[str]:
    """Codes of the institutions named in « Synergie avec », in order of first appearance."""
    codes = dict.fromkeys(code for a in entity.actions() for code in a.synergy_with if code != entity.code)
    return list(codes)


def joint_pair(left: Entity, right: Entity) -> bool:
    """The two frames name each other in « PST conjoint avec », for the same législature, a commune (or ville) and
    a CPAS: one joint PST."""
    return (bool(left.joint_with) and left.joint_with == right.code and right.joint_with == left.code
            and left.legislature == right.legislature and left.is_cpas != right.is_cpas)


def entity_order(entity: Entity) -> tuple:
    """Commune or Ville before CPAS, then by code: « Synergies_VILLE_CPAS »."""
    return (entity.is_cpas, entity.code)


def paired_entities(entities: Iterable[Entity]) -> Iterator[tuple[Entity, Entity, bool]]:
    """(left, right, joint) for every two entities that name each other (« Synergie avec », « PST conjoint
    avec »), the commune first; none for a Code two entities carry (validate.duplicate_codes says it)."""
    ordered = sorted(entities, key=entity_order)
    codes = Counter(entity.code for entity in ordered)
    for i, left in enumerate(ordered):
        for right in ordered[i + 1:]:
            if codes[left.code] > 1 or codes[right.code] > 1:
                continue
            joint = joint_pair(left, right)
            if joint or right.code in partners(left) or left.code in partners(right):
                yield left, right, joint


# --- Pairing by « Code synergie » ------------------------------------------------------------------------------
def flagged(actions: Iterable, other_code: str) -> list:
    """The actions (model actions or records) that name the institution `other_code` in « Synergie avec »."""
    return [a for a in actions if other_code in a.synergy_with]


def group_by_code(actions: Iterable) -> dict[str, list]:
    """Canonical « Code synergie » → the actions (model actions or records) that carry it; those without none."""
    groups: dict[str, list] = {}
    for action in actions:
        if action.synergy_code:
            groups.setdefault(canonical_code(action.synergy_code), []).append(action)
    return groups


@dataclass
class SynergyPair:
    synergy_code: str
    left: list[Action]
    right: list[Action]


@dataclass
class Absent:
    """What of an entity is not in its document, for the other side of a synergy to name the real cause."""

    rejected: dict[str, str] = field(default_factory=dict)
    """Code synergie (canonical) → the place of a row rejected for an error."""
    unread: list[str] = field(default_factory=list)
    """Workbooks not read (a file-level error)."""

    @classmethod
    def of(cls, rejected_codes: Iterable[tuple[str, str, int]], unread: Iterable[str]) -> "Absent":
        """From the (Code synergie, file, Excel row) of the rows rejected for an error and the workbooks not read."""
        return cls({canonical_code(code): phrase("place", file=file, row=int(row))
                    for code, file, row in rejected_codes if code}, sorted(set(unread)))


@dataclass
class CrossReference:
    left: Entity
    right: Entity
    pairs: list[SynergyPair]
    left_only: list[Action]
    right_only: list[Action]
    findings: list[tuple[Entity, Finding]]
    """(the entity whose workbook holds the cell, finding): what the pairing says, in that entity's report."""

    def on(self, left: Entity, right: Entity) -> CrossReference:
        """The same cross-reference over copies of its two entities (as they come back from the processes that
        wrote their documents): each action is taken at its place in the copy, nothing is paired again."""
        if left is self.left and right is self.right:
            return self
        places = {id(a): (0, i) for i, a in enumerate(self.left.actions())}
        places.update({id(a): (1, i) for i, a in enumerate(self.right.actions())})
        copies = (left.actions(), right.actions())

        def moved(actions: list[Action]) -> list[Action]:
            return [copies[side][i] for side, i in (places[id(a)] for a in actions)]

        by_entity = {id(self.left): left, id(self.right): right}
        return CrossReference(left, right, [SynergyPair(p.synergy_code, moved(p.left), moved(p.right))
                                            for p in self.pairs],
                              moved(self.left_only), moved(self.right_only),
                              [(by_entity[id(entity)], found) for entity, found in self.findings])


def cross_reference(left: Entity, right: Entity, absent: dict[str, Absent] | None = None) -> CrossReference:
    """Pair, by « Code synergie », the actions each entity flags as carried out with the other. A code found on
    one side only names the real cause when it is known (`absent`, by entity code): the partner's row rejected
    for an error, or a partner's workbook not read."""
    left_flagged = flagged(left.actions(), right.code)
    right_flagged = flagged(right.actions(), left.code)
    left_codes = group_by_code(left_flagged)
    right_codes = group_by_code(right_flagged)
    pairs = [SynergyPair(code, left_codes[code], right_codes[code])
             for code in sorted(set(left_codes) & set(right_codes), key=natural_key)]
    findings = (one_sided(left, right, left_codes, right_codes, absent)
                + one_sided(right, left, right_codes, left_codes, absent))
    paired = {id(a) for p in pairs for a in p.left + p.right}
    return CrossReference(
        left, right, pairs,
        left_only=[a for a in left_flagged if id(a) not in paired],
        right_only=[a for a in right_flagged if id(a) not in paired],
        findings=findings,
    )


def one_sided(side: Entity, other: Entity, codes: dict[str, list[Action]], other_codes: dict[str, list[Action]],
              absent: dict[str, Absent] | None) -> list[tuple[Entity, Finding]]:
    """What the codes `side` flags with `other` and `other` does not say: the partner's action carries the code
    but does not name this side (said there, where it is fixed); else the partner's row rejected, its workbook not
    read, or no such code at all (said on this side)."""
    unflagged = group_by_code(a for a in other.actions() if side.code not in a.synergy_with)
    missing = (absent or {}).get(other.code, Absent())
    findings = []
    for code, group in codes.items():
        if code in other_codes:
            continue
        if same_code := unflagged.get(code):
            source = same_code[0].source
            findings.append((other, finding("code-synergie-sans-synergie-avec", file=source.file,
                                            sheet=source.sheet, row=source.row,
                                            column=source.letters.get("synergy_with", ""),
                                            header=c.ACTIONS_SHEET.column("synergy_with").header,
                                            value=same_code[0].synergy_code, side_of=french.of(side.name),
                                            code=side.code)))
            continue
        source = group[0].source
        cause = ("code-synergie-partenaire-rejete" if code in missing.rejected
                 else "code-synergie-classeur-non-lu" if missing.unread else "code-synergie-orphelin")
        findings.append((side, finding(cause, file=source.file, sheet=source.sheet,
                                       row=source.row, column=source.letters.get("synergy_code", ""),
                                       header=c.ACTIONS_SHEET.column("synergy_code").header,
                                       value=group[0].synergy_code, side_of=french.of(side.name),
                                       other_the=french.the(other.name), other_of=french.of(other.name),
                                       place=missing.rejected.get(code, ""), files=missing.unread)))
    return findings


# --- A partner's side as plain records -------------------------------------------------------------------------
@dataclass(frozen=True)
class PartnerAction:
    """An action done with another institution, as the partner's documents need it (light: sent between
    processes)."""

    synergy_code: str
    synergy_with: tuple[str, ...]
    number: str
    title: str
    status: str
    progress: float
    """As the rapport counts it (evaluation.progress)."""
    volet: str
    end: PartialDate | None
    reference: str = ""
    """Its Réf. (the partner's site names its page after it)."""


def record(action: Action) -> PartnerAction:
    return PartnerAction(action.synergy_code, tuple(action.synergy_with), action.number, action.title,
                         action.status or "", progress(action.status, action.progress), action.volet, action.end,
                         action.reference)


def records(entity: Entity) -> list[PartnerAction]:
    """The entity's actions that carry a « Code synergie », for its partners' documents."""
    return [record(a) for a in entity.actions() if a.synergy_code]


@dataclass
class PartnerSide:
    """A partner's actions carried out with one institution, by « Code synergie »."""

    by_code: dict[str, list[PartnerAction]]

    def paired_with(self, synergy_code: str) -> list[PartnerAction]:
        """The partner's actions paired with an own action carrying `synergy_code` (none without a code)."""
        return self.by_code.get(canonical_code(synergy_code), []) if synergy_code else []


def partner_side(partner_records: Iterable[PartnerAction], own_code: str) -> PartnerSide:
    """The partner's records (`records`) that name the institution `own_code`, ready to pair its actions with."""
    return PartnerSide(group_by_code(flagged(partner_records, own_code)))


# --- The disagreement rule -------------------------------------------------------------------------------------
DUE_DATES_GAP_MONTHS = 6
"""Two sides of a synergy whose « Fin » are further apart than this do not follow the same calendar."""


def opposed(status: str | None, other: str | None) -> bool:
    return {status, other} == {c.STATUS_DONE, c.STATUS_NOT_STARTED}


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return min(dt.date(year, month + 1, 1) + dt.timedelta(days=day.day - 1), following - dt.timedelta(days=1))


def due_dates_apart(end: PartialDate | None, other: PartialDate | None) -> bool:
    """Two « Fin » more than six months apart whatever day they stand for: the later one's first possible day
    after the earlier one's last possible day plus six months."""
    if not end or not other:
        return False
    return any(b.first_day() > months_after(a.last_day(), DUE_DATES_GAP_MONTHS) for a, b in ((end, other),
                                                                                        (other, end)))


def disagreements(left: Iterable, right: Iterable) -> list[str]:
    """Why the two sides of a synergy disagree (each a list of model actions or records: their « Statut » and
    « Fin »), in French (« statuts opposés (Terminée / À démarrer) »), each reason once; [] when they agree."""
    right = list(right)
    reasons = []
    for a in left:
        for b in right:
            if opposed(a.status, b.status):
                reasons.append(phrase("disagree-status", left=a.status, right=b.status))
            if due_dates_apart(a.end, b.end):
                reasons.append(phrase("disagree-end", left=a.end.french(), right=b.end.french()))
    return list(dict.fromkeys(reasons))
