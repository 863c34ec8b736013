"""Budget programming: the totals of the « Programmation financière » annex, computed from the budget lines.

Expenses are split into own funds, loans and subsidies (as the lines say); revenues are summed apart. Totals are
given per objective (OS and OO), per budget year (ordinary / extraordinary) and per source of subsidies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .model import BudgetLine, Entity


@dataclass
class Totals:
    expenses: float = 0.0
    revenues: float = 0.0
    own_funds: float = 0.0
    loan: float = 0.0
    subsidies: float = 0.0

    def add(self, line: BudgetLine) -> None:
        if line.is_expense:
            self.expenses += line.amount
            self.own_funds += line.own_funds or 0.0
            self.loan += line.loan or 0.0
            self.subsidies += line.subsidies or 0.0
        else:
            self.revenues += line.amount


@dataclass
class ObjectiveTotals:
    kind: str  # "volet", "os" or "oo"
    label: str
    title: str
    totals: Totals


@dataclass
class YearTotals:
    year: int
    ordinary: Totals = field(default_factory=Totals)
    extraordinary: Totals = field(default_factory=Totals)

    @property
    def expenses(self) -> float:
        return self.ordinary.expenses + self.extraordinary.expenses

    @property
    def revenues(self) -> float:
        return self.ordinary.revenues + self.extraordinary.revenues


@dataclass
class BudgetSummary:
    by_objective: list[ObjectiveTotals]
    by_year: list[YearTotals]
    by_source: list[tuple[str, float, int]]  # source, subsidies, number of lines
    total: Totals
    lines: int
    ordinary: Totals = field(default_factory=Totals)
    extraordinary: Totals = field(default_factory=Totals)

    def __bool__(self) -> bool:
        return self.lines > 0


def total_of(lines) -> Totals:
    totals = Totals()
    for line in lines:
        totals.add(line)
    return totals


def budget_summary(entity: Entity) -> BudgetSummary:
    by_objective = []
    for volet in entity.volets:
        volet_lines = [line for a in volet.actions() for line in a.budget]
        if not volet_lines:
            continue
        by_objective.append(ObjectiveTotals("volet", volet.name, "", total_of(volet_lines)))
        for os in volet.objectives:
            os_lines = [line for a in os.actions() for line in a.budget]
            if not os_lines:
                continue
            by_objective.append(ObjectiveTotals("os", f"OS {os.number}", os.title, total_of(os_lines)))
            for oo in os.objectives:
                if oo_lines := [line for a in oo.actions for line in a.budget]:
                    by_objective.append(ObjectiveTotals("oo", f"OO {oo.code}", oo.title, total_of(oo_lines)))
    lines = [line for a in entity.actions() for line in a.budget]
    years: dict[int, YearTotals] = {}
    sources: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for line in lines:
        year = years.setdefault(line.year, YearTotals(line.year))
        (year.extraordinary if line.is_extraordinary else year.ordinary).add(line)
        if line.is_expense and line.subsidies:
            source = sources[line.subsidy_source or ""]
            source[0] += line.subsidies
            source[1] += 1
    return BudgetSummary(
        by_objective=by_objective,
        by_year=[years[y] for y in sorted(years)],
        by_source=[(name, amount, count) for name, (amount, count) in sorted(sources.items(), key=lambda i: -i[1][0])],
        total=total_of(lines),
        lines=len(lines),
        ordinary=total_of(line for line in lines if not line.is_extraordinary),
        extraordinary=total_of(line for line in lines if line.is_extraordinary),
    )
