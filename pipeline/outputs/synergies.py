"""The synergy cross-reference: the actions a commune and its CPAS carry out together, paired by « Code synergie »
— a working document between the two institutions (its content is in each PST's synergy annex), not published."""

from __future__ import annotations

from .. import french
from ..model import Action, CrossReference
from . import PAIR, Job, Output, safe_name, word

TEMPLATE = "synergies.docx"


def context(job: Job, part: int = 0) -> dict:
    xref: CrossReference = job.xref

    def side(actions: list[Action]) -> list[dict]:
        return [{"number": a.number, "volet": a.volet, "title": a.title, "synergy_code": a.synergy_code}
                for a in actions]

    return {
        "left": {"name": xref.left.name, "code": xref.left.code, "type": xref.left.type},
        "right": {"name": xref.right.name, "code": xref.right.code, "type": xref.right.type},
        "legislature": xref.left.legislature,
        "built_on": french.long_date(job.today),
        "pairs": [{"code": p.synergy_code, "left": side(p.left), "right": side(p.right)} for p in xref.pairs],
        "left_only": side(xref.left_only),
        "right_only": side(xref.right_only),
        "provisional": job.provisional or {},
    }


OUTPUT = Output(
    name="synergies",
    stem=lambda job: f"Synergies_{safe_name(job.xref.left.code)}_{safe_name(job.xref.right.code)}",
    write=word(__name__),
    scope=PAIR,
)
