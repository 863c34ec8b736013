"""The synergy cross-reference: the actions a commune and its CPAS carry out together, paired by « Code synergie »,
their status, progress and due date side by side, the pairs whose sides disagree flagged (synergy.disagreements)
— a working document between the two institutions (each PST's synergy annex lists the pairs), not published."""

from __future__ import annotations

from .. import evaluation as ev
from .. import french
from ..findings import phrase
from ..model import Action
from ..synergy import CrossReference, disagreements
from .base import PAIR, Job, Output, safe_name, word

TEMPLATE = "synergies.docx"


def context(job: Job, part: int = 0) -> dict:
    xref: CrossReference = job.xref

    def side(actions: list[Action]) -> list[dict]:
        return [{"number": a.number, "volet": a.volet, "title": a.title, "synergy_code": a.synergy_code,
                 "status": a.status or ev.NO_STATUS, "progress": french.percent(ev.progress(a.status, a.progress)),
                 "typed": a.progress is not None, "end": a.end.french() if a.end else phrase("end-not-given")}
                for a in actions]

    # « check »: the reasons as one sentence (« Statuts opposés (…) ; échéances … »), one paragraph, as a table
    # cell must hold one, empty or not.
    pairs = [{"code": p.synergy_code, "left": side(p.left), "right": side(p.right), "why": why,
              "check": french.initial(" ; ".join(why))}
             for p in xref.pairs for why in (disagreements(p.left, p.right),)]

    return {
        "left": {"name": xref.left.name, "code": xref.left.code, "type": xref.left.type},
        "right": {"name": xref.right.name, "code": xref.right.code, "type": xref.right.type},
        "legislature": xref.left.legislature,
        "built_on": french.long_date(job.today),
        "pairs": pairs,
        "disagreements": sum(1 for pair in pairs if pair["why"]),
        "left_only": side(xref.left_only),
        "right_only": side(xref.right_only),
        "provisional": job.provisional or {},
    }


OUTPUT = Output(
    name="synergies",
    stem=lambda job: f"Synergies_{safe_name(job.xref.left.code)}_{safe_name(job.xref.right.code)}",
    write=word(__name__),
    scope=PAIR,
    pattern=r"Synergies_(?!.*_rapport_\d{4}$).+",  # not the annual reports (synergy_report), kept each year
    applies=lambda job: bool(job.xref.pairs or job.xref.left_only or job.xref.right_only),
)
