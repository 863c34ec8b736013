"""The evaluation of a PST: what the rapport d'exécution counts and lists, computed from the actions as built.

The law has the PST evaluated at mid-term and at the end of the legislature. Every figure here is computed from
the services' workbooks — never typed: the number of actions per status and per santé, the mean progress
(« taux d'avancement moyen »), the points d'attention. The e-Comptes
export rolls up the same mean progress.

Rules (written in the README too):
- An action's progress is its « Taux d'avancement » as typed; when none is typed, 100 % for a Terminée action and
  0 % otherwise (nothing reported, nothing counted).
- A mean progress is the plain mean of its actions' progress, abandoned actions included.
- An action is late when its « Fin » (the last day of the month or year when only these are typed) is before the
  evaluation date and it is neither Terminée nor Abandonnée.
- A point d'attention is an action whose santé is Risque or Blocage, or that is late.
- When the two sides of a synergy disagree: synergy.disagreements (the pairing's rules live there).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import contract as c
from .findings import phrase

MIDTERM = "mi-parcours"
FINAL = "fin"
STAGES = {MIDTERM: ("mi-parcours", "miparcours", "mi", "milegislature", "mimandature", "intermediaire"),
          FINAL: ("fin", "final", "finale", "findelegislature", "finlegislature", "terme")}
"""Each stage and the spellings accepted for ECHEANCE=."""

STATUS_ORDER = (c.STATUS_DONE, c.STATUS_IN_PROGRESS, c.STATUS_NOT_STARTED, c.STATUS_POSTPONED, c.STATUS_ABANDONED)
"""The order in which the report shows the statuses: what is done first."""
NO_STATUS = phrase("no-status")
HEALTH_ORDER = c.HEALTH.values
NO_HEALTH = phrase("no-health")
ATTENTION_HEALTH = (c.HEALTH_RISK, c.HEALTH_BLOCKED)
LATE = phrase("late")


@dataclass(frozen=True)
class Evaluation:
    """An evaluation asked for: its date (the situation described) and its stage (mid-term or end)."""

    day: dt.date
    stage: str | None = None
    """MIDTERM or FINAL as asked (ECHEANCE=); None: each entity's from its législature (stage_for)."""

    def final(self, legislature: str) -> bool:
        """Whether it is the end-of-legislature evaluation: as asked, else once the evaluation date reaches the
        législature's last year (« 2019-2024 »: from 2024 on)."""
        if self.stage is not None:
            return self.stage == FINAL
        years = [int(year) for year in re.findall(r"\d{4}", legislature or "")]
        return len(years) >= 2 and self.day.year >= years[-1]


def parse_stage(text: str) -> str | None:
    """ECHEANCE= as a stage; None when it is not one."""
    key = c.fold(text)
    return next((stage for stage, spellings in STAGES.items() if key in spellings), None)


# --- One action ------------------------------------------------------------------------------------------------
def progress(status: str | None, typed: float | None) -> float:
    """An action's progress as the report counts it: typed, else 100 when Terminée, else 0."""
    if typed is not None:
        return float(typed)
    return 100.0 if status == c.STATUS_DONE else 0.0


def is_late(status: str | None, end, day: dt.date) -> bool:
    """`end`: a normalize.PartialDate or None."""
    return bool(end) and end.last_day() < day and status not in (c.STATUS_DONE, c.STATUS_ABANDONED)


def attention_reasons(action, day: dt.date) -> list[str]:
    """Why an action is a point d'attention (its santé, late), [] when it is not one."""
    reasons = [action.health] if action.health in ATTENTION_HEALTH else []
    if is_late(action.status, action.end, day):
        reasons.append(LATE)
    return reasons


# --- Groups of actions -----------------------------------------------------------------------------------------
@dataclass
class Summary:
    """A group of actions counted: per status, per santé, and their mean progress."""

    count: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    health: dict[str, int] = field(default_factory=dict)
    mean: float | None = None
    """None for a group without actions."""
    typed: int = 0
    """Actions whose progress was typed (the others count as 0 or 100, see progress)."""


def summary(records: list[tuple[str | None, float | None, str | None]]) -> Summary:
    """(status, typed progress, santé) of each action → its Summary."""
    result = Summary(count=len(records))
    result.statuses = {status: 0 for status in STATUS_ORDER}
    result.health = {health: 0 for health in HEALTH_ORDER}
    total = 0.0
    for status, typed, health in records:
        key = status if status in STATUS_ORDER else NO_STATUS
        result.statuses[key] = result.statuses.get(key, 0) + 1
        key = health if health in HEALTH_ORDER else NO_HEALTH
        result.health[key] = result.health.get(key, 0) + 1
        total += progress(status, typed)
        result.typed += typed is not None
    result.mean = total / len(records) if records else None
    return result


def summarize(actions) -> Summary:
    """The Summary of model actions."""
    return summary([(a.status, a.progress, a.health) for a in actions])


def summarize_records(records: list[dict]) -> Summary:
    """The Summary of actions as a version or a state records them (« status », « progress », « health »)."""
    return summary([(record.get("status"), number_or_none(record.get("progress")), record.get("health"))
                    for record in records if isinstance(record, dict)])


def number_or_none(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def baseline(version) -> dict | None:
    """What the adopted version the report compares with said: its number, séance and Summary."""
    if version is None:
        return None
    return {"number": version.number, "seance": version.seance, "summary": summarize_records(version.actions)}
