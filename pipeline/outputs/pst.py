"""The PST: the official document the conseil takes note of (published as PDF on the website)."""

from __future__ import annotations

from .. import contract as c
from .. import french
from .. import synergy
from ..budget import BudgetSummary, Totals, budget_summary
from ..model import Entity, plan_identity, plans_named, sdgs_named, select
from ..normalize import sdg_number
from .base import Job, Output, safe_name, word
from .context import (Presentation, annex_context, counts, entity_context, modifications_context,
                      type_from_code, version_context, volet_context)

TEMPLATE = "pst.docx"


def context(job: Job, part: int = 0) -> dict:
    """`job.provisional`: {errors, rejected, report} when the document is built despite validation errors."""
    entity: Entity = job.entity
    options = entity.options
    p = Presentation(job.partner_names, options.shown_fields)
    lists = options.annexes_listed
    plans, sdgs = plans_named(entity), sdgs_named(entity)
    return {
        "provisional": job.provisional or {},
        "entity": entity_context(entity),
        "built_on": french.long_date(job.today),
        "counts": counts(entity),
        "layout": options.layout,
        "numbering": options.numbering,
        "fields": [p.label(key) for key in options.shown_fields],
        "volets": [volet_context(v, p) for v in entity.volets],
        "synergies": [synergy_annex(job, code, volets, p) for code, volets in synergy_annexes(entity)],
        # The plans and ODD annexes: full lists on request, else cross-tables (only what the template shows is made)
        "plans": [annex_context(volets, p, name=name) if lists else {"name": name} for name, volets in plans],
        "sdgs": [annex_context(volets, p, number=n, title=c.SDG_TITLES[n - 1]) if lists else {"number": n}
                 for n, volets in sdgs],
        "annex_lists": lists,
        "plan_matrix": {} if lists else plan_matrix(entity, [name for name, _ in plans]),
        "sdg_matrix": {} if lists else sdg_matrix(entity, [n for n, _ in sdgs]),
        "budget": budget_context(budget_summary(entity)),
        "version": version_context(job),
        "modifications": modifications_context(job.modifications),
    }


MARK = "●"
"""A cross-table's mark: the action serves the plan or the goal (black: readable printed in black and white)."""
def title_room(columns: int) -> int:
    """Characters of a libellé that hold on one line of a cross-table with that many columns (the template's widths:
    number 1.3 cm, libellé 7.4 cm, 0.7 cm a column, scaled to the page's 17 cm; about 6.3 characters a centimetre
    at 8 points): one line per action keeps the annex a few pages long. The whole libellé is in the volets."""
    return max(35, min(90, int(6.3 * 7.4 * 17 / (8.7 + 0.7 * columns))))


def matrix(entity: Entity, columns: list[tuple[str, str, str]], keys_of) -> dict:
    """A cross-table: the actions that serve at least one column (a plan, a goal), grouped by OS, a mark under
    each column they serve. `columns`: (key, header, full name); `keys_of(action)`: the keys it serves."""
    groups, count = [], 0
    room = title_room(len(columns))
    for volet in entity.volets:
        for os in volet.objectives:
            rows = []
            for action in os.actions():
                keys = keys_of(action)
                if keys:
                    rows.append({"number": action.number, "title": french.shorten(action.title, room),
                                 "marks": [MARK if key in keys else "" for key, _, _ in columns]})
            if rows:
                groups.append({"label": f"OS{french.NBSP}{os.number}", "volet": volet.key, "title": os.title,
                               "actions": rows, "blanks": [""] * len(columns)})
                count += len(rows)
    return {"columns": [{"header": header, "name": name} for _, header, name in columns], "groups": groups,
            "count": count}


def plan_matrix(entity: Entity, names: list[str]) -> dict:
    """`names`: the plans of the annex, in its order (model.plans_named)."""
    columns = [(plan_identity(name)[0], name.partition(" – ")[0] if " – " in name else french.shorten(name, 30), name)
               for name in names]
    return matrix(entity, columns, lambda action: {plan_identity(plan)[0] for plan in action.plans})


def sdg_matrix(entity: Entity, numbers: list[int]) -> dict:
    columns = [(n, str(n), f"ODD {n} – {c.SDG_TITLES[n - 1]}") for n in numbers]
    return matrix(entity, columns, lambda action: {n for item in action.sdgs if (n := sdg_number(item))})


def synergy_annex(job: Job, code: str, volets: list, p: Presentation) -> dict:
    """The actions carried out with the institution `code`, each with the partner's actions paired with it by
    « Code synergie » when the partner is built alongside (its number and libellé)."""
    annex = annex_context(volets, p, code=code, partner=job.partner_names.get(code, code),
                          partner_type=job.partner_types.get(code, "") or type_from_code(code),
                          built=code in job.partners)
    theirs = synergy.partner_side(job.partners.get(code, {}).get("synergies", ()), job.entity.code)
    for volet in annex["volets"]:
        for os in volet["objectives"]:
            for oo in os["objectives"]:
                for action in oo["actions"]:
                    action["partner_actions"] = [{"number": other.number, "title": other.title,
                                                  "volet": other.volet.lower()}
                                                 for other in theirs.paired_with(action["synergy_code"])]
    return annex


def synergy_annexes(entity: Entity) -> list[tuple[str, list]]:
    return [(code, select(entity, lambda a, code=code: code in a.synergy_with))
            for code in synergy.partners(entity)]


def totals_context(totals: Totals) -> dict:
    return {key: french.amount(getattr(totals, key)) for key in ("expenses", "revenues", "own_funds", "loan",
                                                                  "subsidies")}


def budget_context(summary: BudgetSummary) -> dict:
    if not summary:
        return {}
    return {
        "lines": summary.lines,
        "by_objective": [{"kind": row.kind, "label": row.label, "title": row.title, **totals_context(row.totals)}
                         for row in summary.by_objective],
        "by_year": [{"year": y.year, "ordinary_expenses": french.amount(y.ordinary.expenses),
                     "ordinary_revenues": french.amount(y.ordinary.revenues),
                     "extraordinary_expenses": french.amount(y.extraordinary.expenses),
                     "extraordinary_revenues": french.amount(y.extraordinary.revenues),
                     "expenses": french.amount(y.expenses), "revenues": french.amount(y.revenues)}
                    for y in summary.by_year],
        "by_source": [{"source": source, "subsidies": french.amount(amount), "lines": count}
                      for source, amount, count in summary.by_source],
        "total": totals_context(summary.total),
        "ordinary": totals_context(summary.ordinary),
        "extraordinary": totals_context(summary.extraordinary),
    }


OUTPUT = Output(
    name="pst",
    stem=lambda job: f"PST_{safe_name(job.entity.code)}_{safe_name(job.entity.legislature)}",
    write=word(__name__),
    publish=True,
    main=True,
)
