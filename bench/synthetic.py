"""Synthetic PSTs for benchmarks and scale tests: N actions over S service workbooks for E entities.

Deterministic from a seed. Every contract field is filled with text of realistic length, a share of the actions
have budget lines, and paired entities (a commune and its CPAS) share synergies with matching codes. The
workbooks are written in openpyxl's write-only mode, as fast as openpyxl writes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from pipeline import contract as c

WORDS = (
    "amélioration cadre vie quartier mobilité douce sécurité routière logement public accompagnement social "
    "insertion professionnelle jeunesse aînés petite enfance école numérique énergie rénovation bâtiment "
    "patrimoine culture sport propreté environnement biodiversité eau déchets participation citoyenne "
    "commerce local emploi formation agents administration procédures accueil guichet communication site "
    "internet synergie partenariat subside budget marché public voirie trottoir éclairage espace vert "
    "parc cimetière bibliothèque crèche maison repos transport navette vélo piéton stationnement"
).split()
VERBS = ("Créer", "Développer", "Aménager", "Renforcer", "Mettre en place", "Rénover", "Organiser", "Étudier",
         "Soutenir", "Promouvoir", "Moderniser", "Accompagner", "Réaliser", "Améliorer", "Sensibiliser")
SERVICES = ("Travaux", "Finances", "Affaires sociales", "Environnement", "Enseignement", "Culture", "Sports",
            "Informatique", "Ressources humaines", "Population", "Urbanisme", "Mobilité", "Logement", "Jeunesse",
            "Communication", "Secrétariat", "Marchés publics", "Patrimoine", "Cadre de vie", "Tourisme")
STATUSES = c.STATUSES.values
PLANS = ("PCS", "PCDR", "PCM", "PAEDC", "Plan d'ancrage communal du logement", "PCDN", "PIC")
SOURCES = c.SUBSIDY_SOURCES.values


@dataclass(frozen=True)
class Shape:
    actions: int = 300
    services: int = 15
    entities: int = 1
    seed: int = 2026
    legislature: tuple[int, int] = (2025, 2030)


class Writer:
    """Random but reproducible French-looking content."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def words(self, low: int, high: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(low, high)))

    def sentence(self, low: int = 6, high: int = 16) -> str:
        text = self.words(low, high)
        return text[0].upper() + text[1:] + "."

    def title(self) -> str:
        return f"{self.random.choice(VERBS)} {self.words(4, 14)}"

    def lines(self, low: int, high: int) -> str:
        return "\n".join(self.sentence(4, 10) for _ in range(self.random.randint(low, high)))


def entity_names(index: int, pairs: bool) -> tuple[str, str, str]:
    """(name, type, code): with pairs, entities 2k and 2k+1 are a commune and its CPAS."""
    number = index // 2 + 1 if pairs else index + 1
    if pairs and index % 2:
        return f"CPAS de Synthèse-{number}", "CPAS", f"CPAS{number}"
    return f"Commune de Synthèse-{number}", "Commune", f"COM{number}"


def write(book: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_cadre(folder: Path, w: Writer, name: str, kind: str, code: str, shape: Shape) -> list[tuple[str, str]]:
    """cadre.xlsx; returns the (volet, OO code) of the frame."""
    book = Workbook(write_only=True)
    parameters = book.create_sheet(c.PARAMETERS_SHEET.name)
    parameters.append(["Paramètre", "Valeur"])
    for label, value in (("Entité", name), ("Type", kind), ("Code", code),
                         ("Législature", f"{shape.legislature[0]}-{shape.legislature[1]}"),
                         ("Slogan", w.sentence(4, 8)), ("Code INS", "92094")):
        parameters.append([label, value])
    strategic = book.create_sheet(c.STRATEGIC_OBJECTIVES_SHEET.name)
    strategic.append([col.header for col in c.STRATEGIC_OBJECTIVES_SHEET.columns])
    operational = book.create_sheet(c.OPERATIONAL_OBJECTIVES_SHEET.name)
    operational.append([col.header for col in c.OPERATIONAL_OBJECTIVES_SHEET.columns])
    codes = []
    for volet, count in (("Externe", 6), ("Interne", 3)):
        for os_number in range(1, count + 1):
            strategic.append([volet, os_number, f"Être une {kind.lower()} {w.words(3, 8)}", w.lines(2, 4),
                              w.lines(1, 3)])
            for rank in range(1, w.random.randint(3, 7) + 1):
                code = f"{os_number}.{rank}"
                operational.append([volet, code, f"{w.random.choice(VERBS)} {w.words(3, 9)}", w.lines(1, 2)])
                codes.append((volet, code))
    write(book, folder / c.CADRE_FILE)
    return codes


def action_row(w: Writer, volet: str, code: str, reference: str, service: str, synergy: tuple[str, str] | None,
               shape: Shape) -> dict:
    """Every column of the contract's Actions sheet filled: realistic values for the known ones (FILLERS), and a
    value of its kind for any other — a column added to the contract is filled too."""
    start_year = w.random.randint(shape.legislature[0], shape.legislature[1] - 1)
    status = w.random.choice(STATUSES)
    known = {
        "volet": volet, "oo_code": code, "reference": reference, "title": w.title(), "status": status,
        "progress": 100 if status == "Terminée" else w.random.randint(0, 90),
        "start": dt.date(start_year, w.random.randint(1, 12), 1),
        "end": dt.date(w.random.randint(start_year, shape.legislature[1]), 12, 31),
        "updated": dt.date(shape.legislature[0] + 2, 6, 30), "managing_service": service,
        "synergy_with": synergy[0] if synergy else "", "synergy_code": synergy[1] if synergy else "",
    }
    return {column.key: known[column.key] if column.key in known else fill(w, column)
            for column in c.ACTIONS_SHEET.columns if column.key != "number"}


FILLERS = {
    "description": lambda w: w.lines(2, 5),
    "smart": lambda w: w.sentence(12, 24),
    "representative_responsible": lambda w: f"Échevin(e) {w.words(1, 2)}",
    "administrative_responsible": lambda w: w.words(2, 3),
    "project_lead": lambda w: w.words(1, 3),
    "partners": lambda w: " ; ".join(w.words(1, 3) for _ in range(w.random.randint(1, 3))),
    "output_indicator": lambda w: w.sentence(5, 10),
    "output_target": lambda w: str(w.random.randint(1, 50) * 10),
    "output_reached": lambda w: str(w.random.randint(0, 50) * 10),
    "result_indicators": lambda w: w.lines(1, 2),
    "planning": lambda w: w.lines(3, 6),
    "comment": lambda w: w.sentence(8, 20),
}
"""Realistic content for some text columns; the others get a value of their kind (KIND_FILLERS)."""

KIND_FILLERS = {
    c.MULTILINE: lambda w, column: w.lines(1, 3),
    c.VOCABULARY: lambda w, column: w.random.choice(column.vocabulary.values),
    c.PERCENT: lambda w, column: w.random.randint(0, 100),
    c.DECIMAL: lambda w, column: w.random.randint(0, 20) / 10,
    c.DATE: lambda w, column: dt.date(2026, w.random.randint(1, 12), 1),
    c.LIST: lambda w, column: " ; ".join(w.random.sample(PLANS, w.random.randint(1, 2))),
    c.SDG_LIST: lambda w, column: " ; ".join(f"ODD {n}" for n in w.random.sample(range(1, 18),
                                                                                 w.random.randint(1, 3))),
}


def fill(w: Writer, column: c.Column):
    if column.key in FILLERS:
        return FILLERS[column.key](w)
    if column.kind in KIND_FILLERS:
        return KIND_FILLERS[column.kind](w, column)
    return w.sentence(3, 8)


def budget_rows(w: Writer, reference: str, shape: Shape) -> list[list]:
    rows = []
    for _ in range(w.random.randint(1, 3)):
        amount = w.random.randint(2, 400) * 1000
        subsidies = w.random.choice((0, amount // 2, amount * 4 // 5))
        loan = w.random.choice((0, (amount - subsidies) // 2))
        rows.append([reference, w.random.randint(*shape.legislature), w.random.choice(("Ordinaire", "Extraordinaire")),
                     "Dépense", f"{w.random.randint(100, 999)}/{w.random.randint(100, 999)}-{w.random.randint(10, 99)}",
                     amount, amount - subsidies - loan, loan, subsidies,
                     w.random.choice(SOURCES) if subsidies else None])
    return rows


def write_entity(folder: Path, index: int, shape: Shape, pairs: bool, partner_code: str | None) -> int:
    """One entity folder; returns its number of actions."""
    w = Writer(shape.seed * 1000 + index)
    name, kind, code = entity_names(index, pairs)
    codes = write_cadre(folder, w, name, kind, code, shape)
    headers = [col.header for col in c.ACTIONS_SHEET.columns if col.key != "number"]
    per_service = [shape.actions // shape.services + (i < shape.actions % shape.services)
                   for i in range(shape.services)]
    synergy_rank = 0
    for s, count in enumerate(per_service):
        service = f"{SERVICES[s % len(SERVICES)]}{'' if s < len(SERVICES) else f' {s // len(SERVICES) + 1}'}"
        book = Workbook(write_only=True)
        actions = book.create_sheet(c.ACTIONS_SHEET.name)
        actions.append(headers)
        finances = book.create_sheet(c.FINANCE_SHEET.name)
        finances.append([col.header for col in c.FINANCE_SHEET.columns])
        for i in range(count):
            volet, oo = codes[w.random.randrange(len(codes))]
            reference = f"{code}-S{s + 1}-{i + 1}"
            synergy = None
            # Every 12th action of a paired entity is carried out with its partner, under a shared code.
            if partner_code and (s * 1000 + i) % 12 == 0:
                synergy_rank += 1
                synergy = (partner_code, f"SYN-{synergy_rank}")
            row = action_row(w, volet, oo, reference, service, synergy, shape)
            actions.append(list(row.values()))
            if w.random.random() < 0.4:
                for line in budget_rows(w, reference, shape):
                    finances.append(line)
        write(book, folder / c.SERVICES_DIR / f"{service}.xlsx")
    return shape.actions


def generate(destination: Path, shape: Shape) -> list[Path]:
    """E entity folders in `destination` (paired commune/CPAS when E ≥ 2); returns them."""
    pairs = shape.entities >= 2
    folders = []
    for index in range(shape.entities):
        name, kind, code = entity_names(index, pairs)
        partner = None
        if pairs and (index % 2 == 0 and index + 1 < shape.entities or index % 2 == 1):
            partner = entity_names(index + 1 if index % 2 == 0 else index - 1, pairs)[2]
        folder = destination / f"{index + 1:03d}-{code.lower()}"
        write_entity(folder, index, shape, pairs, partner)
        folders.append(folder)
    return folders
