"""The fiches actions: one page per action, in the PST's order."""

from __future__ import annotations

from .. import french
from .base import Job, Output, safe_name, word
from .context import Presentation, action_context, entity_context

TEMPLATE = "fiches_actions.docx"
FICHES_PER_DOCUMENT = 1000
"""A real PST has 170 to 550 actions: one document of fiches. Beyond 1,000 fiches (a synthetic or regional
batch), they are split into documents of 1,000, in the PST's order, so that memory stays bounded."""


def context(job: Job, part: int = 0) -> dict:
    """One fiche per action, in the document's order, with its OS and OO; the `part`-th thousand only when the
    fiches are split into several documents."""
    entity = job.entity
    p = Presentation(job.partner_names, fiche=True, hide_empty=entity.options.empty_fields_hidden)
    start = part * FICHES_PER_DOCUMENT
    placed = [(volet, os, oo, action) for volet in entity.volets for os in volet.objectives
              for oo in os.objectives for action in oo.actions][start:start + FICHES_PER_DOCUMENT]
    fiches = [{"volet": volet.key, "os": {"number": os.number, "title": os.title},
               "oo": {"code": oo.code, "title": oo.title}, "a": action_context(action, p)}
              for volet, os, oo, action in placed]
    return {"entity": entity_context(entity), "built_on": french.long_date(job.today), "fiches": fiches,
            "provisional": job.provisional or {}}


FICHE_COST = 1.7
"""A fiche (a page) takes about as long to write as 1.7 actions of the PST (2,680 actions: the PST 2.1 s, a
document of 1,000 fiches 1.4 s): Output.cost."""


def parts(job: Job) -> int:
    return max(1, -(-len(job.entity.actions()) // FICHES_PER_DOCUMENT))


def cost(job: Job, part: int) -> float:
    return FICHE_COST * len(job.entity.actions()[part * FICHES_PER_DOCUMENT:(part + 1) * FICHES_PER_DOCUMENT])


OUTPUT = Output(
    name="fiches",
    stem=lambda job: f"Fiches_actions_{safe_name(job.entity.code)}",
    write=word(__name__),
    labels=("Fiches actions", "Fiches actions PROVISOIRES"),
    parts=parts,
    cost=cost,
)
