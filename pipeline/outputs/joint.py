"""The joint PST of a commune and its CPAS (« PST conjoint avec » in both frames, contract 1.3): one document both
conseils take note of. Each institution keeps its own objectives and numbering — its part is its PST's volets —;
the actions they carry out together (paired by « Code synergie ») are listed once in « Actions communes » with both
numbers; the summary is computed per institution and together; the annexes of both follow. The separate PSTs are
still written."""

from __future__ import annotations

from .. import french
from ..model import Entity
from ..synergy import CrossReference, joint_pair
from . import pst
from .base import PAIR, Job, Output, safe_name, word
from .context import entity_context

TEMPLATE = "pst_conjoint.docx"


def context(job: Job, part: int = 0) -> dict:
    xref: CrossReference = job.xref
    entities = (xref.left, xref.right)
    institutions = []
    for side, entity, other in zip(job.sides, entities, reversed(entities)):
        own = pst.context(side)
        # The pairs with the partner are the « Actions communes »; a synergy annex remains for any third institution.
        own["synergies"] = [annex for annex in own["synergies"] if annex["code"] != other.code]
        own["budget_of"] = entity.name
        institutions.append(own)
    together = {key: {part_: sum(i["counts"][key][part_] for i in institutions) for part_ in ("externe", "interne",
                                                                                            "total")}
                for key in ("os", "oo", "actions")}
    places = [placements(entity) for entity in entities]
    order = {id(action): rank for rank, action in enumerate(xref.left.actions())}
    common = [{"code": pair.synergy_code, "title": pair.left[0].title,
               "left": [placed(a, places[0], pair.left[0].title) for a in pair.left],
               "right": [placed(a, places[1], pair.left[0].title) for a in pair.right]}
              for pair in sorted(xref.pairs, key=lambda pair: min(order[id(a)] for a in pair.left))]
    return {
        "provisional": job.provisional or {},
        "left": entity_context(xref.left),
        "right": entity_context(xref.right),
        "legislature": xref.left.legislature,
        "slogan": xref.left.slogan or xref.right.slogan,
        "built_on": french.long_date(job.today),
        "institutions": institutions,
        "counts": together,
        "common": common,
        "common_actions": {"left": sum(len(pair.left) for pair in xref.pairs),
                           "right": sum(len(pair.right) for pair in xref.pairs)},
        "one_sided": [{"name": entity.name, "type": entity.type, "actions": [placed(a, place) for a in actions],
                       "partner": {"name": other.name, "type": other.type}}
                      for entity, other, place, actions in ((xref.left, xref.right, places[0], xref.left_only),
                                                            (xref.right, xref.left, places[1], xref.right_only))
                      if actions],
        "budgets": any(i["budget"] for i in institutions),
    }


def placements(entity: Entity) -> dict[int, tuple]:
    """id(action) → (volet, OS, OO) of each action of the entity."""
    return {id(action): (volet, os, oo) for volet in entity.volets for os in volet.objectives
            for oo in os.objectives for action in oo.actions}


def placed(action, places: dict[int, tuple], common_title: str = "") -> dict:
    """An action of « Actions communes »: its number in its institution, its objectives and its service; its
    libellé (`own_title`) when it is not the pair's (`common_title`)."""
    volet, os, oo = places[id(action)]
    return {"number": action.number, "volet": volet.key, "title": action.title,
            "own_title": action.title if common_title and action.title != common_title else "",
            "os": f"OS{french.NBSP}{os.number}{french.NBSP}: {os.title}",
            "oo": f"OO{french.NBSP}{oo.code}{french.NBSP}: {oo.title}",
            "service": action.managing_service or "", "status": action.status or "",
            "end": action.end.french() if action.end else ""}


OUTPUT = Output(
    name="pst-conjoint",
    stem=lambda job: (f"PST_conjoint_{safe_name(job.xref.left.code)}_{safe_name(job.xref.right.code)}_"
                      f"{safe_name(job.xref.left.legislature)}"),
    write=word(__name__),
    labels=("PST conjoint", "PST conjoint PROVISOIRE"),
    scope=PAIR,
    pattern=r"PST_conjoint_.+",
    publish=True,
    main=True,
    applies=lambda job: joint_pair(job.xref.left, job.xref.right),
)
