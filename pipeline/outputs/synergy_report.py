"""The annual report on the synergies between a commune (or ville) and its CPAS, which both conseils examine at
their joint annual meeting (loi organique des CPAS, art. 26bis; CDLD L1122-11): the synergies in place and to
develop, the actions communes started, finished, late or abandoned during the year, the one-sided cases to settle,
the counts and one chart. Written by `make synergies [ANNEE=AAAA]` (default: the current year) for two entities of
DATA that name each other; published by make pdf, like the other documents a conseil examines in public session.

Rules (the year is ANNEE; the « situation day » is 31 December of ANNEE, or today when that is earlier). The
workbooks keep no history: statuses, santé and progress are those typed when the report is built.
- An action commune is an action of a pair: flagged « Synergie avec » the partner and carrying a « Code synergie »
  that an action of the partner carries too (synergy.cross_reference). Each institution counts its own actions: a
  pair counts once on each side.
- Started during the year: its « Début » falls in ANNEE, no later than the situation day, and it is En cours or
  Terminée (an action À démarrer, Reportée or Abandonnée has not started, or its start is not established).
- Finished during the year: Terminée, and its « Fin » (the échéance) falls in ANNEE — the workbooks have no date
  of actual end.
- Abandoned during the year: Abandonnée, and its « Date de mise à jour » falls in ANNEE (when none is typed, its
  « Fin »).
- Late: its « Fin » (its last day when only a month or a year is typed) is before the situation day and it is
  neither Terminée nor Abandonnée (evaluation.is_late), whatever the year of the échéance.
- A pair is « en place » when one of its actions is En cours or Terminée, « abandonnée » when all of them are
  Abandonnée, « à développer » otherwise.
- A one-sided case: an action flagged with the partner whose code no action of the partner carries
  (xref.left_only, xref.right_only).

Every figure is computed here; the prose (introduction, method, headings) is in output_templates/
synergies_rapport.docx.
"""

from __future__ import annotations

import datetime as dt

from .. import contract as c
from .. import evaluation as ev
from .. import french
from ..findings import phrase
from ..model import Action, Entity
from ..synergy import CrossReference
from .base import PAIR, Job, Output, safe_name, word
from .context import entity_context
from .joint import placements

TEMPLATE = "synergies_rapport.docx"
EVENTS = ("started", "finished", "late", "abandoned")
"""What happened to the actions communes during the year, in the order the report lists them."""
IN_PLACE, TO_DEVELOP, ABANDONED = "in_place", "to_develop", "abandoned"


def year_of(job: Job) -> int:
    return int(job.asked.get("annee") or job.today.year)


def situation_day(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), today)


def in_year(day, year: int) -> bool:
    """`day`: a normalize.PartialDate or None."""
    return bool(day) and day.year == year


def events(action: Action, year: int, situation: dt.date) -> set[str]:
    """What happened to `action` during `year` (the rules of the module's docstring)."""
    found = set()
    if in_year(action.start, year) and action.start.first_day() <= situation \
            and action.status in (c.STATUS_IN_PROGRESS, c.STATUS_DONE):
        found.add("started")
    if action.status == c.STATUS_DONE and in_year(action.end, year):
        found.add("finished")
    if action.status == c.STATUS_ABANDONED and in_year(action.updated or action.end, year):
        found.add("abandoned")
    if ev.is_late(action.status, action.end, situation):
        found.add("late")
    return found


def pair_state(actions: list[Action]) -> str:
    statuses = {a.status for a in actions}
    if statuses & {c.STATUS_IN_PROGRESS, c.STATUS_DONE}:
        return IN_PLACE
    return ABANDONED if statuses == {c.STATUS_ABANDONED} else TO_DEVELOP


def os_label(place: tuple) -> str:
    volet, os, _ = place
    return f"OS{french.NBSP}{os.number}{french.NBSP}: {os.title}"


def action_context(action: Action, place: tuple) -> dict:
    """An action of a pair: its number, libellé, objective and follow-up (progress only where typed)."""
    return {"number": action.number, "volet": place[0].key, "title": action.title, "os": os_label(place),
            "status": action.status or ev.NO_STATUS, "end": action.end.french() if action.end else "",
            "progress": french.percent(action.progress) if action.progress is not None else "",
            "health": action.health or ""}


def event_date(action: Action, event: str) -> str:
    """The date the event is read from, as typed."""
    day = {"started": action.start, "abandoned": action.updated or action.end}.get(event, action.end)
    return day.french() if day else ""


def line(action: Action, event: str, entity: Entity, places: dict) -> dict:
    """An action commune in the list of an event of the year."""
    return {"code": action.synergy_code, "institution": entity.name, "number": action.number,
            "volet": places[id(action)][0].key, "title": action.title, "status": action.status or ev.NO_STATUS,
            "date": event_date(action, event)}


def context(job: Job, part: int = 0) -> dict:
    xref: CrossReference = job.xref
    year = year_of(job)
    situation = situation_day(year, job.today)
    sides = (xref.left, xref.right)
    places = [placements(entity) for entity in sides]
    order = {id(action): rank for rank, action in enumerate(xref.left.actions())}

    # The pairs, under the commune's volet and OS, in the order of its PST; each action with its own OS.
    states = {IN_PLACE: {}, TO_DEVELOP: {}, ABANDONED: {}}
    for pair in sorted(xref.pairs, key=lambda pair: min(order[id(a)] for a in pair.left)):
        first = places[0][id(pair.left[0])]
        groups = states[pair_state(pair.left + pair.right)]
        group = groups.setdefault((first[0].key, first[1].number), {"volet": first[0].key, "os": os_label(first),
                                                                     "pairs": []})
        group["pairs"].append({"code": pair.synergy_code,
                               "left": [action_context(a, places[0][id(a)]) for a in pair.left],
                               "right": [action_context(a, places[1][id(a)]) for a in pair.right]})
    parts = [{"key": key, "count": sum(len(g["pairs"]) for g in groups.values()), "groups": list(groups.values())}
             for key, groups in states.items()]

    # The year: each institution's actions communes, and what happened to them.
    common = [[a for pair in xref.pairs for a in getattr(pair, side)] for side in ("left", "right")]
    found = [[(action, events(action, year, situation)) for action in actions] for actions in common]
    happened = {event: {"lines": [line(action, event, entity, places[i]) for i, entity in enumerate(sides)
                                  for action, what in found[i] if event in what],
                        "left": sum(event in what for _, what in found[0]),
                        "right": sum(event in what for _, what in found[1])}
                for event in EVENTS}
    for counts in happened.values():
        counts["total"] = counts["left"] + counts["right"]

    unknown = any(a.status not in ev.STATUS_ORDER for actions in common for a in actions)
    by_status = [{"label": status, "left": count(common[0], status), "right": count(common[1], status),
                  "total": count(common[0], status) + count(common[1], status)}
                 for status in (*ev.STATUS_ORDER, *([ev.NO_STATUS] if unknown else []))]

    one_sided = [{"name": entity.name,
                  "actions": [{**action_context(a, place[id(a)]), "code": a.synergy_code} for a in actions]}
                 for entity, place, actions in ((xref.left, places[0], xref.left_only),
                                                (xref.right, places[1], xref.right_only))]
    return {
        "provisional": job.provisional or {},
        "left": entity_context(xref.left),
        "right": entity_context(xref.right),
        "legislature": xref.left.legislature,
        "year": year,
        "situation": french.long_date(situation),
        "built_on": french.long_date(job.today),
        "parts": parts,
        "counts": {"pairs": len(xref.pairs), **{part["key"]: part["count"] for part in parts},
                   "left": len(common[0]), "right": len(common[1]),
                   "one_sided": len(xref.left_only) + len(xref.right_only)},
        "statuses": by_status,
        "events": happened,
        "one_sided": one_sided,
        "chart": chart(sides, common),
    }


def count(actions: list[Action], status: str) -> int:
    return sum(1 for a in actions if (a.status if a.status in ev.STATUS_ORDER else ev.NO_STATUS) == status)


def chart(sides: tuple[Entity, Entity], common: list[list[Action]]):
    """The statuses of each institution's actions communes, one stacked bar each; "" without a pair."""
    if not any(common):
        return ""
    from .. import charts as draw  # matplotlib: only when the report is drawn

    labels = [entity.name for entity in sides]
    series = {status: [count(actions, status) for actions in common] for status in (*ev.STATUS_ORDER, ev.NO_STATUS)}
    details = french.typography(" ; ".join(f"{entity.name} : " + french.join(
        phrase(f"status-{status}", n=values[i]) for status, values in series.items() if values[i])
        for i, entity in enumerate(sides)))
    return draw.stacked(labels, series, alt=phrase("chart-synergy-statuses", details=details),
                        title=phrase("chart-synergy-statuses-title"), axis_label=phrase("chart-axis-actions"))


OUTPUT = Output(
    name="synergies-annuel",
    stem=lambda job: (f"Synergies_{safe_name(job.xref.left.code)}_{safe_name(job.xref.right.code)}_rapport_"
                      f"{year_of(job)}"),
    write=word(__name__),
    labels=("Rapport annuel des synergies", "Rapport annuel des synergies PROVISOIRE"),
    scope=PAIR,
    publish=True,
    command="synergies",
    applies=lambda job: bool(job.xref.pairs or job.xref.left_only or job.xref.right_only),
)
