"""The PST's history as the site shows it: the adopted versions kept beside the data (versions.py), what each
actualisation changed, what changed since the last one, and each action's own story (adopted on…, renamed, moved,
status changes). Plain values: the templates phrase them (output_templates/site/).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import contract as c
from ..state import objectives_record
from ..versions import Change, Modifications, Version, between, compare, load_versions

PENDING = 0
"""The « version » number of what changed since the last adopted version (not adopted yet)."""


@dataclass
class Step:
    """One adopted version, or what changed since the last one (number PENDING)."""

    number: int
    day: dt.date
    """Its séance; for PENDING, the day the data was built."""
    changes: list[Change] = field(default_factory=list)
    first: bool = False
    """The first adopted version: every action in it is « adopted », not « added »."""
    references: set[str] = field(default_factory=set)
    """The actions it holds, by folded Réf. (the first version's)."""


def steps(job) -> list[Step]:
    """The adopted versions, oldest first, each with what it changed since the one before, then — when something
    changed since the last one — the pending step. A draft (no adopted version) has none."""
    versions: list[Version] = load_versions(job.source) if job.source else []
    found = []
    for index, version in enumerate(versions):
        step = Step(version.number, version.seance, first=index == 0)
        if index == 0:
            step.references = {c.code_key(r["reference"]) for r in version.actions
                               if isinstance(r, dict) and r.get("reference")}
        else:
            step.changes = between(versions[index - 1], version).changes
        found.append(step)
    if versions and job.entity is not None:
        since: Modifications = compare(versions[-1], job.entity.actions(), objectives_record(job.entity))
        if since.changes:
            found.append(Step(PENDING, job.today, since.changes))
    return found


def action_history(reference: str, found: list[Step]) -> list[dict]:
    """What happened to one action, oldest first: {kind, day, number (of the version, PENDING for not adopted
    yet), before, after}. Kinds: adopted, added, moved, renamed, status."""
    key = c.code_key(reference) if reference else ""
    events = []
    for step in found:
        if step.first and key in step.references:
            events.append({"kind": "adopted", "day": step.day, "version": step.number, "before": "", "after": ""})
        for change in step.changes:
            if change.reference and c.code_key(change.reference) == key and change.kind != "withdrawn":
                events.append({"kind": change.kind, "day": step.day, "version": step.number,
                               "before": change.before, "after": change.after})
    return events
