"""Validate: rules over the normalized tables → findings. One function per rule.

Errors are what cannot go into the document as typed (an action attached to an objective that does not exist,
two objectives with the same number…); warnings are what a careful coordinator wants to check (gaps in the
numbering, an objective without actions, the same libellé twice). Every finding names the cell, and where two
places are involved, both.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterator

import pandas as pd

from . import contract as c
from .atomic import safe_file_name
from .findings import Finding, finding, missing_runs, phrase, number_ranges, runs_count, runs_text
from .load import Table, records, rows
from .french import amount, long_date, shorten
from .normalize import clean_column, indicator_lines, legislature_years, oo_parts, sdg_number


@dataclass
class Sheet:
    """A load table and its normalized frame, row for row (same index)."""

    table: Table
    frame: pd.DataFrame

    def cell(self, index, key: str) -> dict:
        return self.table.cell(self.table.frame.loc[index], key)

    def place(self, index) -> str:
        raw = self.table.frame.loc[index]
        return phrase("place", file=raw["_file"], row=int(raw["_row"]))

    def raw(self, index, key: str) -> str:
        return str(self.table.frame.at[index, key]).strip()


def missing_required_values(sheet: Sheet) -> list[Finding]:
    """Empty required cells — a cell holding only invisible characters (a control character pasted, a zero-width
    space) is empty too — except formulas saved without their result, already reported as such."""
    findings = []
    raw = sheet.table.frame
    for column in sheet.table.contract.required:
        empty = clean_column(raw[column.key])[0] == ""
        for index in raw.index[empty]:
            if (raw.at[index, "_file"], raw.at[index, "_sheet"], int(raw.at[index, "_row"]),
                    column.key) not in sheet.table.formula_cells:
                findings.append(finding("valeur-obligatoire-absente", **sheet.cell(index, column.key)))
    return findings


def repeats(keys) -> Iterator[tuple]:
    """(index, index of the first row with the same key) for each later row; rows whose key is empty are skipped."""
    first_seen: dict = {}
    for index, key in keys:
        if not key:
            continue
        if key in first_seen:
            yield index, first_seen[key]
        else:
            first_seen[key] = index


def duplicates(sheet: Sheet, key: str, code: str, label: str) -> list[Finding]:
    """Same (volet, key) twice: an error on each later row, naming the first."""
    frame = sheet.frame
    keys = ((index, (volet, value) if volet is not None and value is not None else None)
            for index, volet, value in zip(frame.index, frame["volet"], frame[key]))
    return [finding(code, value=sheet.raw(index, key), **sheet.cell(index, key), volet=frame.at[index, "volet"],
                    other_row=int(sheet.table.frame.at[first, "_row"]), **{label: frame.at[index, key]})
            for index, first in repeats(keys)]


def strategic_numbers(strategic: Sheet) -> dict[str, set[int]]:
    numbers: dict[str, set[int]] = defaultdict(set)
    for volet, number in zip(strategic.frame["volet"], strategic.frame["number"]):
        if volet and number is not None:
            numbers[volet].add(number)
    return numbers


def operational_codes(operational: Sheet) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = defaultdict(list)
    for volet, code in zip(operational.frame["volet"], operational.frame["code"]):
        if volet and code and code not in codes[volet]:
            codes[volet].append(code)
    return {volet: sorted(found, key=oo_parts) for volet, found in codes.items()}


def operational_without_strategic(operational: Sheet, strategic: Sheet) -> list[Finding]:
    known = strategic_numbers(strategic)
    findings = []
    for index, row in rows(operational.frame):
        if row["volet"] and row["code"]:
            os_number = oo_parts(row["code"])[0]
            if os_number not in known.get(row["volet"], set()):
                findings.append(finding("os-absent", value=operational.raw(index, "code"),
                                        **operational.cell(index, "code"), code=row["code"], os=os_number,
                                        volet=row["volet"]))
    return findings


def operational_places(operational: Sheet) -> dict[tuple[str, str], str]:
    """(volet, code) → « cadre.xlsx, ligne 7 », for messages naming where an objective is declared."""
    return {(row["volet"], row["code"]): operational.place(index)
            for index, row in rows(operational.frame) if row["volet"] and row["code"]}


def unknown_operational_objectives(actions: Sheet, operational: Sheet) -> list[Finding]:
    codes = operational_codes(operational)
    places = operational_places(operational)
    findings = []
    for index, row in rows(actions.frame[["volet", "oo_code"]]):  # only the columns read are turned into rows
        if not row["volet"] or not row["oo_code"] or row["oo_code"] in codes.get(row["volet"], []):
            continue
        other = next((v for v, found in codes.items() if v != row["volet"] and row["oo_code"] in found), None)
        if other:
            findings.append(finding("oo-autre-volet", value=actions.raw(index, "volet"), **actions.cell(index, "volet"),
                                    volet=row["volet"], code=row["oo_code"], other_volet=other,
                                    place=places[(other, row["oo_code"])]))
            continue
        existing = codes.get(row["volet"], [])
        findings.append(finding("oo-inconnu", value=actions.raw(index, "oo_code"), **actions.cell(index, "oo_code"),
                                volet=row["volet"], existing=existing))
    return findings


def duplicate_references(actions: Sheet) -> list[Finding]:
    """A `Réf.` identifies one action across updates: twice in the entity is an error naming both places."""
    keys = ((index, c.code_key(reference)) for index, reference in zip(actions.frame.index,
                                                                         actions.frame["reference"].tolist()))
    return [finding("reference-en-double", value=actions.frame.at[index, "reference"],
                    **actions.cell(index, "reference"), other=actions.place(first))
            for index, first in repeats(keys)]


def duplicate_action_numbers(actions: Sheet) -> list[Finding]:
    frame = actions.frame
    keys = ((index, (volet, c.code_key(number)) if volet and number else None)
            for index, volet, number in zip(frame.index, frame["volet"], frame["number"]))
    return [finding("numero-action-en-double", value=actions.raw(index, "number"), **actions.cell(index, "number"),
                    number=frame.at[index, "number"], volet=frame.at[index, "volet"], other=actions.place(first))
            for index, first in repeats(keys)]


def numbering_gaps_of(numbers: list[int], volet: str, what: str, sheet: str, file: str = "", present: str = "",
                      prefix: str = "", held: list[int] = ()) -> list[Finding]:
    """The warning on the gaps in one series of numbers (a volet's OS, an OS's OO, a volet's actions), none
    without a gap. `present`: the numbers as the warning lists them (default: their ranges); `prefix`: « 4. »
    before a missing OO's rank; `held`: numbers kept for something not in the series (an adopted version's, a
    rejected row's) — no gap, but beyond the series' last number they fill nothing."""
    runs = missing_runs(list(numbers) + [n for n in held if n < max(numbers, default=0)])
    if not runs:
        return []
    return [finding("numerotation-lacunaire", file=file, sheet=sheet, volet=volet, what=what, count=runs_count(runs),
                    missing=runs_text(runs, prefix), present=present or ", ".join(number_ranges(numbers)))]


def numbering_gaps(strategic: Sheet, operational: Sheet) -> list[Finding]:
    """Gaps in the frame's numbering (OO 4.5 after 4.3). Gaps among the actions' numbers follow the same rule
    (numbering_gaps_of), applied by the model once every number is known (model.number_entity)."""
    findings = []
    cadre = strategic.table.frame["_file"].iloc[0] if len(strategic.table.frame) else c.CADRE_FILE
    for volet, numbers in strategic_numbers(strategic).items():
        findings += numbering_gaps_of(numbers, volet, "os", c.STRATEGIC_OBJECTIVES_SHEET.name, cadre)
    for volet, codes in operational_codes(operational).items():
        ranks: dict[int, list[int]] = defaultdict(list)
        for code in codes:
            os_number, rank = oo_parts(code)
            ranks[os_number].append(rank)
        for os_number, found in sorted(ranks.items()):
            findings += numbering_gaps_of(found, volet, "oo", c.OPERATIONAL_OBJECTIVES_SHEET.name, cadre,
                                          ", ".join(f"{os_number}.{r}" for r in sorted(found)), f"{os_number}.")
    return findings


def operational_without_actions(operational: Sheet, accepted_actions: pd.DataFrame,
                                any_workbook: bool = True) -> list[Finding]:
    """An OO no accepted action is attached to: a warning each — but none when no service workbook was found at
    all (one warning says so, not one per OO)."""
    if not any_workbook:
        return []
    used = set(zip(accepted_actions["volet"], accepted_actions["oo_code"]))
    findings = []
    for index, row in rows(operational.frame):
        if row["volet"] and row["code"] and (row["volet"], row["code"]) not in used:
            findings.append(finding("oo-sans-action", **operational.cell(index, "code"), value=row["code"],
                                    code=row["code"], volet=row["volet"]))
    return findings


def duplicate_titles(actions: Sheet) -> list[Finding]:
    frame = actions.frame
    findings = []
    for index, first in repeats((index, c.fold(title)) for index, title in zip(frame.index, frame["title"].tolist())):
        other_volet = frame.at[first, "volet"] if frame.at[first, "volet"] != frame.at[index, "volet"] else ""
        findings.append(finding("libelle-en-double", value=frame.at[index, "title"], **actions.cell(index, "title"),
                                other_volet=other_volet, other=actions.place(first)))
    return findings


def self_synergies(actions: Sheet, own_code: str) -> list[Finding]:
    findings = []
    for index, codes in actions.frame["synergy_with"].items():
        if own_code and own_code in (codes or ()):
            findings.append(finding("synergie-soi-meme", value=own_code, **actions.cell(index, "synergy_with")))
    return findings


def inverted_dates(actions: Sheet) -> list[Finding]:
    findings = []
    for index, start, end in zip(actions.frame.index, actions.frame["start"], actions.frame["end"]):
        if start and end and start.first_day() > end.last_day():
            findings.append(finding("dates-inversees", **actions.cell(index, "start"), value=actions.raw(index, "start"),
                                    start=start.french(), end=end.french()))
    return findings


def indicator_values(sheet: Sheet, keys: tuple[str, str, str]) -> list[Finding]:
    """Target and reached values (contract 1.2), line by line with their indicator: a value reached without a
    target, or a value on a line without an indicator, is a warning on the value's cell."""
    findings = []
    indicator, target, reached = keys
    frame = sheet.frame
    if target not in frame.columns or reached not in frame.columns:
        return []
    for index, texts in zip(frame.index, zip(frame[indicator].tolist(), frame[target].tolist(),
                                             frame[reached].tolist())):
        if not texts[1] and not texts[2]:
            continue
        for line, (name, aimed, got) in enumerate(indicator_lines(*texts), start=1):
            if not name:
                key = target if aimed else reached
                findings.append(finding("valeur-sans-indicateur", value=aimed or got, line=line,
                                        indicator_header=sheet.table.contract.column(indicator).header,
                                        **sheet.cell(index, key)))
            elif got and not aimed:
                findings.append(finding("valeur-atteinte-sans-cible", value=got, line=line, indicator=name,
                                        **sheet.cell(index, reached)))
    return findings


def evaluation_date(legislature: str, day, today) -> list[Finding]:
    """The date of a rapport d'exécution (DATE=): a warning when it lies outside the législature (the year after
    its end still allowed: the final evaluation) or after today."""
    findings = []
    if not in_legislature_life(legislature, day):
        findings.append(finding("date-evaluation-hors-legislature", value=day.isoformat(), day=long_date(day),
                                legislature=legislature))
    if day > today:
        findings.append(finding("date-evaluation-future", value=day.isoformat(), day=long_date(day),
                                today=long_date(today)))
    return findings


def in_legislature_life(legislature: str, day) -> bool:
    """Whether `day` falls in the législature's life: its first year to its last, and the year after it (the final
    evaluation). A législature that cannot be read (its own finding says so) holds every day."""
    years = legislature_years(legislature)
    return not years or years[0] <= day.year <= years[1] + 1


def seance_date(legislature: str, day, today, last_adopted=None) -> Finding | None:
    """Why the séance of an adoption (SEANCE=) cannot be recorded, or None: it is not in the future, not before
    the législature's first year (the conseil takes note of the PST within nine months of its installation, in
    that year), not after its last year but for the year after it (the final evaluation), and after the last
    adopted version's."""
    if day > today:
        return finding("seance-future", value=day.isoformat(), day=long_date(day), today=long_date(today))
    if not in_legislature_life(legislature, day):
        first, last = legislature_years(legislature)
        return finding("seance-hors-legislature", value=day.isoformat(), day=long_date(day),
                       legislature=legislature, first=first, last=last + 1)
    if last_adopted is not None and day <= last_adopted[1]:
        return finding("seance-anterieure", value=day.isoformat(), day=long_date(day), number=last_adopted[0],
                       seance=long_date(last_adopted[1]))
    return None


def seance_after_legislature(legislature: str, day) -> bool:
    """A séance in the year after the législature: only the final evaluation is taken note of then."""
    years = legislature_years(legislature)
    return bool(years) and day.year > years[1]


def export_year(legislature: str, asked: int | None, today) -> tuple[int | None, Finding]:
    """The budget year of the e-Comptes export: the one asked for (EXERCICE=) when it lies within the législature
    — else None and the error —; without one, the current year brought within the législature, and a note that
    says which."""
    years = legislature_years(legislature)
    if asked is not None:
        if years and not years[0] <= asked <= years[1]:
            return None, finding("exercice-export-hors-legislature", value=str(asked), legislature=legislature,
                                 first=years[0], last=years[1])
        return asked, None
    if not years:
        return today.year, finding("exercice-par-defaut", value=str(today.year), why="current")
    year = min(max(today.year, years[0]), years[1])
    why = "current" if year == today.year else ("first" if year == years[0] else "last")
    return year, finding("exercice-par-defaut", value=str(year), why=why, current=today.year,
                         legislature=legislature)


# --- The export to the Region (make ecomptes) -------------------------------------------------------------------
ECOMPTES_TEXT = 255
"""Characters of a libellé in e-Comptes' schema."""
PEOPLE_COLUMNS = ("representative_responsible", "administrative_responsible")


def export_rules(entity, values: dict[str, str], positions: dict[str, dict], cadre: str) -> list[Finding]:
    """What `make ecomptes` needs beyond the PST: the « Code INS » (an error without it), libellés e-Comptes
    cuts (a warning each), people typed in the workbooks the frame does not describe (a warning per name)."""
    findings = []
    ins = values.get("ins_code", "")
    if not ins:
        findings.append(finding("code-ins-absent", file=cadre, sheet=c.PARAMETERS_SHEET.name,
                                type=c.ENTITY_CPAS if entity.is_cpas else "other"))
    elif not c.INS_CODE.match(ins.removesuffix(".0")):
        findings.append(finding("code-ins-invalide", value=ins, **positions.get("ins_code", {})))
    for item, key in long_titles(entity):
        source = item.source
        findings.append(finding("libelle-coupe-ecomptes", file=f"{source.file}", sheet=source.sheet, row=source.row,
                                column=source.letters.get(key, ""), value=item.title, length=len(item.title),
                                shown=shorten(item.title, ECOMPTES_TEXT)[-40:]))
    seen: dict[str, list] = {}
    for action in entity.actions():
        for key in PEOPLE_COLUMNS:
            name = getattr(action, key)
            if name and c.fold(name) not in entity.people:
                seen.setdefault(c.fold(name), []).append((action, key, name))
    for uses in seen.values():
        action, key, name = uses[0]
        source = action.source
        findings.append(finding("personne-inconnue", file=source.file, sheet=source.sheet, row=source.row,
                                column=source.letters.get(key, ""), header=c.ACTIONS_SHEET.column(key).header,
                                value=name, count=len({id(a) for a, _, _ in uses})))
    return findings


def long_titles(entity):
    """(objective or action, its title's column) whose libellé e-Comptes cuts."""
    for volet in entity.volets:
        for os in volet.objectives:
            if len(os.title) > ECOMPTES_TEXT:
                yield os, "title"
            for oo in os.objectives:
                if len(oo.title) > ECOMPTES_TEXT:
                    yield oo, "title"
                for action in oo.actions:
                    if len(action.title) > ECOMPTES_TEXT:
                        yield action, "title"


def long_entity_name(values: dict[str, str], positions: dict[str, dict]) -> list[Finding]:
    """An « Entité » too long for the documents' title property: shown whole on the cover, abridged there."""
    name = values.get("entity_name", "")
    if len(name) <= c.MAX_ENTITY_NAME:
        return []
    label = next(p.label for p in c.PARAMETERS if p.key == "entity_name")
    return [finding("parametre-trop-long", value=name, **positions.get("entity_name", {}), label=label,
                    length=len(name), maximum=c.MAX_PROPERTY)]


def validate_frame(strategic: Sheet, operational: Sheet) -> list[Finding]:
    """Rules on cadre.xlsx alone."""
    return (missing_required_values(strategic) + missing_required_values(operational)
            + duplicates(strategic, "number", "os-en-double", "number")
            + duplicates(operational, "code", "oo-en-double", "code")
            + operational_without_strategic(operational, strategic)
            + indicator_values(operational, c.INDICATORS["operational"]))


def validate_actions(actions: Sheet, operational: Sheet, own_code: str) -> list[Finding]:
    """Rules on the actions of every service workbook, against the frame."""
    repeated = repeated_rows(actions)
    pasted_twice = {(f.file, f.sheet, f.row) for f in repeated}
    twice = [f for f in duplicate_action_numbers(actions) + duplicate_references(actions) + duplicate_titles(actions)
             if (f.file, f.sheet, f.row) not in pasted_twice]  # a row pasted twice: said once, as such
    return (missing_required_values(actions)
            + unknown_operational_objectives(actions, operational)
            + repeated
            + twice
            + self_synergies(actions, own_code)
            + inverted_dates(actions)
            + indicator_values(actions, c.INDICATORS["actions"])
            + unknown_sdgs(actions))


def repeated_rows(actions: Sheet) -> list[Finding]:
    """A row identical in every cell to an earlier one of the same sheet (pasted twice): an error on the later
    one, which is left out, so that the action appears once."""
    raw = actions.table.frame
    keys = [col.key for col in actions.table.contract.columns]
    # Each row's cells as a tuple from one array (itertuples walks pandas' text arrays a cell at a time).
    rows = zip(raw.index, raw["_file"].tolist(), raw["_sheet"].tolist(),
               map(tuple, raw[keys].to_numpy(dtype=object).tolist()))
    return [finding("ligne-en-double", value=raw.at[index, "title"], **actions.cell(index, "title"),
                    other_row=int(raw.at[first, "_row"]))
            for index, first in repeats((index, (file, sheet, values)) for index, file, sheet, values in rows)]


def values_outside_lists(actions: Sheet, lists: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Single-value columns offered a list by the frame's `Listes` sheet: a value outside it is a warning (the
    dropdown was bypassed by a paste, or the list is incomplete), one per workbook, column and value, naming every
    row where it is typed. Columns of several values (plans, ODD) only get suggestions."""
    findings = []
    for column in c.ACTIONS_SHEET.columns:
        if not column.listed_in or column.multiple:
            continue
        key, list_key = column.key, column.listed_in
        allowed = {c.fold(value): value for value in lists.get(list_key, ())}
        if not allowed:
            continue
        where: dict[tuple[str, str], list] = defaultdict(list)
        for index, value in actions.frame[key].items():
            if value and c.fold(value) not in allowed:
                where[(actions.table.frame.at[index, "_file"], c.fold(value))].append(index)
        for (_, folded), indexes in where.items():
            first = indexes[0]
            near = difflib.get_close_matches(folded, list(allowed), n=1, cutoff=0.75)
            rows_typed = [int(actions.table.frame.at[i, "_row"]) for i in indexes]
            findings.append(finding(
                "hors-liste-du-cadre", value=actions.frame.at[first, key], **actions.cell(first, key),
                list=c.LISTS_SHEET.column(list_key).header, count=len(indexes),
                rows=", ".join(number_ranges(rows_typed)),
                near=allowed[near[0]] if near else ""))
    return findings


def rejected_rows(findings: list[Finding]) -> set[tuple[str, str, int]]:
    """(file, sheet, row) of every row holding an error: such a row is left out of the document."""
    return {(f.file, f.sheet, f.row) for f in findings if f.is_error and f.row is not None}


def accepted(sheet: Sheet, rejected: set[tuple[str, str, int]]) -> pd.DataFrame:
    """The rows without an error. Columns are walked as lists (tolist), here as in the other rules: pandas hands
    out the cells of a text array one Python call each (57,000 cells for 2,680 actions, a hundredth of a second)."""
    frame = sheet.frame
    keys = zip(frame["_file"].tolist(), frame["_sheet"].tolist(), frame["_row"].astype(int).tolist())
    return frame.loc[pd.Series([key not in rejected for key in keys], index=frame.index, dtype=bool)]



# --- Plans, ODD and budget lines ------------------------------------------------------------------------------
def unknown_sdgs(actions: Sheet) -> list[Finding]:
    findings = []
    for column in c.ACTIONS_SHEET.columns:
        if column.kind != c.SDG_LIST:
            continue
        for index, items in actions.frame[column.key].items():
            for item in items or ():
                if sdg_number(item) is None:
                    findings.append(finding("odd-inconnu", value=item, **actions.cell(index, column.key)))
    return findings


ARTICLE = re.compile(r"^\d{3,5}/\d{3}-\d{2}(?:\s*[/(-]?\s*\d+\)?)?$")


def budget_lines(finances: Sheet, actions: Sheet, legislature: str) -> list[Finding]:
    """Each budget line must name an action by its Réf.; its split and its year are checked against the rest."""
    references = {c.code_key(r): r for r in actions.frame["reference"].tolist() if r}
    first, last = (int(y) for y in legislature.split("-")) if re.match(r"^\d{4}-\d{4}$", legislature) else (0, 9999)
    findings = []
    for index, row in rows(finances.frame):
        if row["reference"] and c.code_key(row["reference"]) not in references:
            same_file = sorted({r for r, f in zip(actions.frame["reference"], actions.frame["_file"])
                                if r and f == finances.table.frame.at[index, "_file"]})
            known = same_file[:12]
            findings.append(finding("financement-ref-inconnue", value=row["reference"],
                                    **finances.cell(index, "reference"), known=known))
        parts = [row[k] for k in ("own_funds", "loan", "subsidies") if row[k] is not None]
        if parts and row["amount"] is not None and abs(sum(parts) - row["amount"]) > 0.005:
            findings.append(finding("financement-total", value=finances.raw(index, "amount"),
                                    **finances.cell(index, "amount"), parts=amount(sum(parts)),
                                    amount=amount(row["amount"])))
        negative = [k for k in ("amount", "own_funds", "loan", "subsidies") if row[k] is not None and row[k] < 0]
        for key in negative:
            findings.append(finding("montant-negatif", value=finances.raw(index, key), **finances.cell(index, key)))
        if row["article"] and not ARTICLE.match(row["article"]):
            findings.append(finding("article-budgetaire", value=row["article"], **finances.cell(index, "article")))
        if row["year"] is not None and not first <= row["year"] <= last:
            findings.append(finding("exercice-hors-legislature", value=row["year"], **finances.cell(index, "year"),
                                    legislature=legislature))
    return findings


# --- Rows left out with their parent, institutions unknown to the build ------------------------------------------
def orphans(child: Sheet, parent_keys: set, keys: list[str], key_of, column: str,
            parent) -> tuple[pd.DataFrame, list[Finding]]:
    """Rows of `child` whose parent (objective, action) was left out: left out too, each with a warning naming
    the parent (its error is counted once, on its own row). `key_of` reads the columns `keys` of a row: only they
    are made into dicts (every column of 2,680 actions' rows took a hundredth of a second)."""
    frame = child.frame
    keep = [key_of(row) in parent_keys for row in records(frame[keys])]
    findings = [finding("parent-rejete", value=child.raw(index, column), **child.cell(index, column),
                        parent=parent(frame.loc[index]))
                for index, kept in zip(frame.index, keep) if not kept]
    return frame.loc[pd.Series(keep, index=frame.index, dtype=bool)], findings


def accepted_rows(strategic: Sheet, operational: Sheet, actions: Sheet, finances: Sheet,
                  findings: list[Finding]) -> tuple[tuple[pd.DataFrame, ...], list[Finding]]:
    """The rows that go into the document: those without an error, whose parent objective (or action, for a
    budget line) goes in too; and the warnings on the rows left out with their parent."""
    rejected = rejected_rows(findings)
    left_out: list[Finding] = []
    strategic_ok = accepted(strategic, rejected)
    operational_ok, found = orphans(
        Sheet(operational.table, accepted(operational, rejected)),
        set(zip(strategic_ok["volet"], strategic_ok["number"])), ["volet", "code"],
        lambda row: (row["volet"], oo_parts(row["code"])[0]), "code",
        lambda row: phrase("parent-os", number=oo_parts(row["code"])[0], volet=row["volet"]))
    left_out += found
    actions_ok, found = orphans(
        Sheet(actions.table, accepted(actions, rejected)),
        set(zip(operational_ok["volet"], operational_ok["code"])), ["volet", "oo_code"],
        lambda row: (row["volet"], row["oo_code"]), "oo_code",
        lambda row: phrase("parent-oo", code=row["oo_code"], volet=row["volet"]))
    left_out += found
    finances_ok, found = orphans(
        Sheet(finances.table, accepted(finances, rejected)),
        {c.code_key(r) for r in actions_ok["reference"].tolist() if r}, ["reference"],
        lambda row: c.code_key(row["reference"]), "reference",
        lambda row: phrase("parent-action", reference=row["reference"]))
    left_out += found
    return (strategic_ok, operational_ok, actions_ok, finances_ok), left_out


def held_numbers(rejected: pd.DataFrame) -> dict[str, set[str]]:
    """The « N° action » of rejected rows, per volet: once corrected, the row comes back with its number (it is
    neither given to another action nor reported as a gap)."""
    held: dict[str, set[str]] = {}
    for volet, number in zip(rejected["volet"], rejected["number"]):
        if volet in c.VOLET_ORDER and number:
            held.setdefault(volet, set()).add(str(number))
    return held


def unknown_institutions(entities: list) -> list[tuple[object, Finding]]:
    """« Synergie avec » naming no institution known to this build: a warning naming the cell and the known ones,
    as (entity, finding). Known: the codes of the entities in DATA; with a single entity there is nothing to
    compare with."""
    known = {entity.code for entity in entities if entity.code}
    if len(known) < 2:
        return []
    found = []
    for entity in entities:
        for action in entity.actions():
            for code in action.synergy_with:
                if code not in known:
                    found.append((entity, finding(
                        "synergie-inconnue", file=action.source.file, sheet=action.source.sheet,
                        row=action.source.row, column=action.source.letters.get("synergy_with", ""),
                        header=c.ACTIONS_SHEET.column("synergy_with").header, value=code, known=sorted(known))))
    return found


def duplicate_codes(entities: list) -> list[tuple[object, Finding]]:
    """Two entities of DATA with the same « Code »: a warning on each frame, naming the others — the documents
    of a pair are named by the codes and « Synergie avec » names a partner by its code."""
    by_code = defaultdict(list)
    for entity in entities:
        if entity.code:
            by_code[entity.code].append(entity)
    found = []
    for code, same in by_code.items():
        for entity in same if len(same) > 1 else ():
            cell = {"file": c.CADRE_FILE, "sheet": c.PARAMETERS_SHEET.name, **entity.code_cell}
            found.append((entity, finding("code-en-double", value=code, **cell,
                                          others=[f"{other.folder}/{c.CADRE_FILE}" for other in same
                                                  if other is not entity])))
    return found


def joint_frames(entities: list, unread: list[str] = (), alone: bool = False) -> list[tuple[object, Finding]]:
    """« PST conjoint avec » (contract 1.3), as (entity, finding): the partner must be an entity of DATA whose
    frame names this one back, for the same législature; an error otherwise, at the cell, naming both cadres.
    `unread`: the entity folders whose frame could not be read (the partner may be one); `alone`: a single entity
    folder is built, the partner is not expected (a note)."""
    codes = Counter(entity.code for entity in entities if entity.code)
    by_code = {entity.code: entity for entity in entities if entity.code}
    found = []
    for entity in entities:
        code = entity.joint_with
        if not code or codes[entity.code] > 1 or codes[code] > 1:
            continue  # a Code two entities carry: duplicate_codes says it, nothing can be paired
        cell = {"file": c.CADRE_FILE, "sheet": c.PARAMETERS_SHEET.name, **entity.joint_cell}
        here = f"{entity.folder}/{cell['file']}"
        partner = by_code.get(code)
        if code == entity.code:
            found.append((entity, finding("pst-conjoint-soi-meme", value=code, **cell)))
        elif partner is None and alone:
            found.append((entity, finding("pst-conjoint-hors-donnees", value=code, **cell)))
        elif partner is None and unread:
            found.append((entity, finding("pst-conjoint-partenaire-illisible", value=code, **cell,
                                          unread=[f"{folder}/{c.CADRE_FILE}" for folder in unread],
                                          count=len(unread))))
        elif partner is None:
            found.append((entity, finding("pst-conjoint-partenaire-absent", value=code, **cell,
                                          known=sorted(set(by_code) - {entity.code}) or ["aucun autre"])))
        elif partner.joint_with != entity.code:
            says = (phrase("joint-other", code=partner.joint_with) if partner.joint_with
                    else phrase("joint-none"))
            found.append((entity, finding("pst-conjoint-desaccord", value=code, **cell, here=here,
                                          other_file=f"{partner.folder}/{c.CADRE_FILE}", other_says=says,
                                          own=entity.code)))
        elif partner.legislature != entity.legislature:
            found.append((entity, finding("pst-conjoint-legislatures", value=code, **cell, here=here,
                                          legislature=entity.legislature, other_legislature=partner.legislature,
                                          other_file=f"{partner.folder}/{c.CADRE_FILE}")))
        elif partner.is_cpas == entity.is_cpas:
            found.append((entity, finding("pst-conjoint-meme-type", value=code, **cell, here=here,
                                          kind=entity.type, other_kind=partner.type,
                                          other_file=f"{partner.folder}/{c.CADRE_FILE}")))
    return found


def missing_workbooks(adopted, files_present: list[str], listed_services: tuple[str, ...], file_key) -> list[Finding]:
    """After an adoption (`adopted`: the last versions.Version), a workbook that held adopted actions and is absent
    is an error — a withdrawal is typed, never inferred from a missing file; a service of `Listes` without a
    workbook is a warning (before the adoption, the document is a draft still waiting for it) — unless no
    workbook is there at all: the loader's one warning says so (« services-absents »)."""
    present = {file_key(name) for name in files_present}
    findings, missing = [], set()
    if adopted is not None:
        by_file: dict[str, list[dict]] = {}
        for record in adopted.actions:
            by_file.setdefault(file_key(record.get("file", "")), []).append(record)
        for key, kept in by_file.items():
            if key and key not in present:
                missing.add(key)
                findings.append(finding("classeur-adopte-absent", file=kept[0].get("file", ""),
                                        count=len(kept), seance=long_date(adopted.seance),
                                        number=adopted.number))
    for service in listed_services if files_present else ():
        if not {file_key(service), file_key(safe_file_name(service) or service)} & (present | missing):
            findings.append(finding("service-sans-classeur", file=c.SERVICES_DIR + "/", value=service))
    return findings
