"""Contexts shared by the documents: an entity, its volets, objectives and actions as plain values.

Contexts never hold None or pandas objects: an empty field is "" and a multi-line cell is a list of lines. Each
field of an action is presented by its kind (contract.Column), so that a column declared in the contract reaches
every document — beside the libellé when the coordinator shows it, and on the fiche in its part.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from markupsafe import Markup, escape

from .. import contract as c
from .. import french
from ..model import Action, BudgetLine, Entity, OperationalObjective, StrategicObjective, Volet
from ..findings import phrase
from ..normalize import indicator_lines, sdg_number, split_lines


@dataclass(frozen=True)
class Presentation:
    """What every part of a context needs to present an action: partner institutions' names (code → name) and the
    fields the coordinator shows beside each libellé."""

    partner_names: dict[str, str] = field(default_factory=dict)
    shown_fields: tuple[str, ...] = ()
    brief: bool = False
    """Annexes show an action's number and libellé only."""
    fiche: bool = False
    """The fiche's parts (a field's label and lines in each part) are wanted too."""
    hide_empty: bool = False
    """A fiche leaves its empty fields out (parameter « Champs vides des fiches » = masqués)."""
    columns: tuple[c.Column, ...] = field(default_factory=c.action_fields)
    """The action's fields, as the contract declares them when the presentation is made."""

    @cached_property
    def by_key(self) -> dict[str, c.Column]:
        return {column.key: column for column in self.columns}

    @cached_property
    def groups(self) -> dict[str, tuple[tuple[str, Markup], ...]]:
        """Part of the fiche → (key, label) of its fields, the labels escaped once for all actions."""
        return {group: tuple((column.key, Markup(escape(column.display_label))) for column in self.columns
                             if column.fiche == group) for group in c.FICHE_GROUPS}

    def label(self, key: str) -> str:
        return c.ACTIONS_SHEET.column(key).display_label


def budget_line_context(line: BudgetLine) -> dict:
    return {
        "year": line.year,
        "budget_service": line.budget_service,
        "direction": line.direction,
        "article": line.article,
        "amount": french.amount(line.amount),
        "own_funds": french.amount(line.own_funds),
        "loan": french.amount(line.loan),
        "subsidies": french.amount(line.subsidies),
        "subsidy_source": line.subsidy_source or "",
    }


def budget_totals(lines: list[BudgetLine]) -> list[dict]:
    """A fiche's budget table's totals: one line for the expenses, one for the revenues (those it has)."""
    totals = []
    for direction, label in ((c.DIRECTION_EXPENSE, phrase("total-expenses")),
                             (c.DIRECTION_INCOME, phrase("total-income"))):
        chosen = [line for line in lines if line.direction == direction]
        if chosen:
            totals.append({"label": label, **{key: french.amount(sum(getattr(line, key) or 0 for line in chosen))
                                              for key in ("amount", "own_funds", "loan", "subsidies")}})
    return totals


def sdg_label(item: str) -> str:
    number = sdg_number(item)
    return f"ODD {number} – {c.SDG_TITLES[number - 1]}" if number else item


def sdg_order(item: str) -> tuple:
    """ODD in their numbers' order (13 after 11, whatever the order typed), unknown ones after."""
    number = sdg_number(item)
    return (number is None, number or 0)


def field_value(column: c.Column, value, p: Presentation):
    """A field as the documents show it, by its kind: lines for multi-line texts and lists, French dates and
    percentages, partner institutions by their names; "" when empty."""
    present = PRESENTERS.get(column.kind)
    if present is not None:
        return present(value, p)
    return value if isinstance(value, str) else "" if value is None else str(value)


PRESENTERS = {
    c.MULTILINE: lambda value, p: split_lines(value),
    c.LIST: lambda value, p: list(value),
    c.SDG_LIST: lambda value, p: [sdg_label(item) for item in sorted(value, key=sdg_order)],
    c.CODE_LIST: lambda value, p: ", ".join(p.partner_names.get(code, code) for code in value),
    c.DATE: lambda value, p: value.french() if value else "",
    c.PERCENT: lambda value, p: french.percent(value),
    c.DECIMAL: lambda value, p: "" if value is None else french.decimal(value, 2),
}
"""How each kind of field is shown; any other kind as its text."""


def field_text(value) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


def field_lines(value) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


class ActionContext(dict):
    """An action's context: its identity, budget lines and presentation at once, each field shown by its kind
    when a template asks for it (a PST shows a few fields of each action, a fiche all of them)."""

    def __init__(self, action: Action, p: Presentation, **values):
        super().__init__(values)
        self.action, self.presentation = action, p

    def __missing__(self, key: str):
        column = self.presentation.by_key.get(key)
        if column is None:
            raise KeyError(key)
        if key == c.INDICATORS["actions"][0]:
            value = self[key] = indicator_values(self.action)
            return value
        value = self[key] = field_value(column, self.action.fields.get(key, column.empty), self.presentation)
        return value


def indicator_values(action: Action) -> list[str]:
    """The indicateurs de réalisation, each with its target and reached value (contract 1.2) on its line."""
    return indicator_texts(*(action.fields.get(key, "") or "" for key in c.INDICATORS["actions"]))


def indicator_texts(indicator: str, target: str, reached: str) -> list[str]:
    """Indicators with their values, a line each: « Primes octroyées — cible : 100 — atteint : 64 »."""
    if not target and not reached:
        return split_lines(indicator)
    return [" — ".join(part for part in (name, aimed and phrase("indicator-target", value=aimed),
                                         got and phrase("indicator-reached", value=got)) if part)
            for name, aimed, got in indicator_lines(indicator, target, reached)]


def action_context(action: Action, p: Presentation) -> dict:
    if p.brief:
        return {"number": action.number, "title": action.title, "volet": action.volet,
                "synergy_code": action.fields.get("synergy_code", "")}
    context = ActionContext(action, p, number=action.number, title=action.title, volet=action.volet,
                            oo_code=action.oo_code, reference=action.reference,
                            budget=[budget_line_context(line) for line in action.budget])
    context["cells"] = [field_text(context[key]) for key in p.shown_fields]
    context["shown"] = [{"label": p.label(key), "value": text}
                        for key, text in zip(p.shown_fields, context["cells"]) if text]
    if p.fiche:
        context["fiche"] = {group: [(label, lines) for key, label in fields
                                    if (lines := field_lines(context[key])) or not p.hide_empty]
                            for group, fields in p.groups.items()}
        context["budget_totals"] = budget_totals(action.budget)
    return context


def operational_context(oo: OperationalObjective, p: Presentation) -> dict:
    return {
        "code": oo.code,
        "title": oo.title,
        "result_indicators": indicator_texts(oo.result_indicators, oo.result_targets, oo.result_reached),
        "actions": [action_context(a, p) for a in oo.actions],
    }


def strategic_context(os: StrategicObjective, p: Presentation) -> dict:
    return {
        "number": os.number,
        "title": os.title,
        "observations": split_lines(os.observations),
        "ambitions": split_lines(os.ambitions),
        "objectives": [operational_context(oo, p) for oo in os.objectives],
    }


def volet_context(volet: Volet, p: Presentation) -> dict:
    return {
        "key": volet.key,
        "name": volet.name,
        "count_os": len(volet.objectives),
        "count_oo": len(volet.operational()),
        "count_actions": len(volet.actions()),
        "objectives": [strategic_context(os, p) for os in volet.objectives],
    }


def annex_context(volets: list[Volet], p: Presentation, **extra) -> dict:
    """An annex listing some actions under their OS and OO (synergies, a plan, an ODD)."""
    brief = replace(p, brief=True)
    return {**extra, "count": sum(len(v.actions()) for v in volets),
            "volets": [volet_context(v, brief) for v in volets]}


def counts(entity: Entity) -> dict:
    """The « En résumé » figures, computed — never typed."""
    by_volet = {v.key: v for v in entity.volets}

    def split(measure) -> dict:
        values = {key: measure(by_volet[key]) if key in by_volet else 0 for key in ("externe", "interne")}
        return {**values, "total": sum(values.values())}

    return {
        "volets": len(entity.volets),
        "os": split(lambda v: len(v.objectives)),
        "oo": split(lambda v: len(v.operational())),
        "actions": split(lambda v: len(v.actions())),
    }


def entity_context(entity: Entity) -> dict:
    return {
        "name": entity.name,
        "type": entity.type,
        "code": entity.code,
        "legislature": entity.legislature,
        "slogan": entity.slogan,
        "is_cpas": entity.is_cpas,
    }


def type_from_code(code: str) -> str:
    """The type of a partner institution that is not built with this entity, when its code says it: « CPAS »
    (then the annex reads « menées avec le CPAS », not « avec l’institution CPAS »)."""
    return c.ENTITY_CPAS if c.fold(code).startswith(c.fold(c.ENTITY_CPAS)) else ""


def version_context(job) -> dict:
    """Which version the document is: « draft » until the conseil takes note of one, « adopted » when nothing of
    the programme changed since the last adopted version (statuses aside), « updated » otherwise."""
    if not job.adopted:
        return {"status": "draft", "number": 0, "seance": ""}
    number, seance = job.adopted[-1]
    changed = job.modifications is not None and job.modifications.structural
    return {"status": "updated" if changed else "adopted", "number": number, "seance": french.unbroken_date(seance)}


CHANGE_KINDS = ("added", "withdrawn", "moved", "renamed", "status", "os-added", "os-removed", "os-renamed",
                "oo-added", "oo-removed", "oo-renamed")


def modifications_context(modifications) -> dict:
    """What changed since an adopted version, kind by kind (the template titles each list); {} when nothing did."""
    if modifications is None or not modifications.changes:
        return {}
    return {"number": modifications.number, "seance": french.long_date(modifications.seance),
            "count": len(modifications.changes),
            **{kind.replace("-", "_"): [{"volet": change.volet.lower(), "number": change.number,
                                          "title": change.title, "before": change.before, "after": change.after}
                                         for change in modifications.of(kind)]
               for kind in CHANGE_KINDS}}
