"""The PST: the official document the conseil takes note of (published as PDF on the website)."""

from __future__ import annotations

from .. import contract as c
from .. import french
from ..budget import BudgetSummary, Totals, budget_summary
from ..model import Entity, plans_named, sdgs_named, select, synergy_partners
from . import Job, Output, safe_name, word
from .context import (Presentation, annex_context, counts, entity_context, modifications_context,
                      type_from_code, version_context, volet_context)

TEMPLATE = "pst.docx"


def context(job: Job, part: int = 0) -> dict:
    """`job.provisional`: {errors, rejected, report} when the document is built despite validation errors."""
    entity: Entity = job.entity
    options = entity.options
    p = Presentation(job.partner_names, options.shown_fields)
    names, types = job.partner_names, job.partner_types
    return {
        "provisional": job.provisional or {},
        "entity": entity_context(entity),
        "built_on": french.long_date(job.today),
        "counts": counts(entity),
        "layout": options.layout,
        "numbering": options.numbering,
        "fields": [p.label(key) for key in options.shown_fields],
        "volets": [volet_context(v, p) for v in entity.volets],
        "synergies": [annex_context(volets, p, code=code, partner=names.get(code, code),
                                    partner_type=types.get(code, "") or type_from_code(code))
                      for code, volets in synergy_annexes(entity)],
        "plans": [annex_context(volets, p, name=name) for name, volets in plans_named(entity)],
        "sdgs": [annex_context(volets, p, number=n, title=c.SDG_TITLES[n - 1]) for n, volets in sdgs_named(entity)],
        "budget": budget_context(budget_summary(entity)),
        "version": version_context(job),
        "modifications": modifications_context(job.modifications),
    }


def synergy_annexes(entity: Entity) -> list[tuple[str, list]]:
    return [(code, select(entity, lambda a, code=code: code in a.synergy_with)) for code in synergy_partners(entity)]


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
)
