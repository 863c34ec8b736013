"""The export to the Region: the PST in the XML of e-Comptes' import schema, version 201805V1 (make ecomptes).

The Region's schema (published with iMio's iA.PST) is not part of the project: the structure is written here,
element by element in the schema's order, and checked by the tests. What it holds:

    dataroot → Identifiants (Id, TypeAdmin, INS, Type, Exercice, Version, Generateur)
             → PST → DescriptionPST (IdPST, Libelle, ExerciceDebut, ExerciceFin)
                   → Volets → Volet → ObjectifStrategiques → ObjectifStrategique → ObjectifsOperationnels
                     → ObjectifOperationnel → Actions → Action

Every element of the hierarchy carries ElementId and Exercice, then: Libelle (≤ 255), DateDebut?, DateFin?,
Description (Mode, Valeur), Statut, Responsable?, Mandataire?, Departement?, TauxAvancement (0–100),
RemarqueStatut (Mode, Valeur), ETP (≥ 0), Plans (Plan*), Partenaires (Partenaire*); a person is Civilite, Nom
(≤ 100), Prenom (≤ 50), Tel (≤ 15), eMail (≤ 255).

The mapping (README, « The export to the Region »): the two real volets; an action's ElementId is its Réf., an
objective's is built from the entity's code, its volet and its number; statuses mapped one to one (an action En
cours whose santé is Blocage is PROBLEME), an objective's derived from its actions (objective_status); progress
as in the rapport d'exécution (evaluation.progress), an objective's the plain mean of its actions'; ETP, plans and
partners of an objective gathered from its actions.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from .. import evaluation as ev
from .. import contract as c
from ..clean import removed
from ..findings import phrase
from ..french import shorten
from ..model import Action, Entity
from ..normalize import parse_list, split_lines
from ..validate import ECOMPTES_TEXT
from .base import Job, Output, safe_name

VERSION = "201805V1"
GENERATOR = "PST builder"
NON_COMMENCE, EN_COURS, EN_ATTENTE, PROBLEME, TERMINE, ANNULE = (
    "NON_COMMENCE", "EN_COURS", "EN_ATTENTE", "PROBLEME", "TERMINE", "ANNULE_ABANDONNE")
STATUSES = {c.STATUS_NOT_STARTED: NON_COMMENCE, c.STATUS_IN_PROGRESS: EN_COURS, c.STATUS_POSTPONED: EN_ATTENTE,
            c.STATUS_DONE: TERMINE, c.STATUS_ABANDONED: ANNULE}
"""An action's status; none typed: NON_COMMENCE."""
STATUSES_BACK = {NON_COMMENCE: (c.STATUS_NOT_STARTED, ""), EN_COURS: (c.STATUS_IN_PROGRESS, ""),
                 EN_ATTENTE: (c.STATUS_POSTPONED, c.HEALTH_RISK), PROBLEME: (c.STATUS_IN_PROGRESS, c.HEALTH_BLOCKED),
                 TERMINE: (c.STATUS_DONE, ""), ANNULE: (c.STATUS_ABANDONED, "")}
"""An e-Comptes status read back (make importer): the contract's status and santé. EN_ATTENTE is the export's
Reportée (a postponed action waits: santé Risque), PROBLEME its En cours with santé Blocage."""
TYPE_ADMIN = {True: "CPAS", False: "AC"}
"""TypeAdmin: a CPAS, else an administration communale."""
CIVILITIES = {c.CIVILITY_MADAM: "MADAME", c.CIVILITY_SIR: "MONSIEUR"}
VOLET_KEYS = {c.VOLET_EXTERNAL: "EXT", c.VOLET_INTERNAL: "INT"}


def volet_title(name: str) -> str:
    """« Volet externe – Développement des politiques »."""
    subject = c.VOLET_SUBJECTS[name]
    return phrase("volet-title-ecomptes", volet=name.lower(), subject=subject[:1].upper() + subject[1:])


def action_status(action: Action) -> str:
    status = STATUSES.get(action.status, NON_COMMENCE)
    return PROBLEME if status == EN_COURS and action.health == c.HEALTH_BLOCKED else status


def objective_status(statuses: list[str]) -> str:
    """An objective's status from its actions': abandoned actions aside, TERMINE when all are done, PROBLEME when
    one has a problem, EN_COURS when one is under way or done, EN_ATTENTE when all wait; ANNULE_ABANDONNE when all
    are abandoned; NON_COMMENCE otherwise (and without actions)."""
    live = [status for status in statuses if status != ANNULE]
    if not live:
        return ANNULE if statuses else NON_COMMENCE
    if all(status == TERMINE for status in live):
        return TERMINE
    if PROBLEME in live:
        return PROBLEME
    if EN_COURS in live or TERMINE in live:
        return EN_COURS
    if all(status == EN_ATTENTE for status in live):
        return EN_ATTENTE
    return NON_COMMENCE


def clean(text) -> str:
    """Text for an element or an attribute: what XML forbids removed (the workbooks' characters are removed when
    read; this is the last guard)."""
    return removed(str(text or ""))


def number(value: float) -> str:
    """xs:decimal: « 52.5 », « 100 », « 0 »."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def partners_of(action: Action) -> list[str]:
    return parse_list(action.partners or "")


def gathered(lists) -> list[str]:
    return list(dict.fromkeys(item for values in lists for item in values))


class Writer:
    def __init__(self, entity: Entity, exercice: int):
        self.entity, self.exercice = entity, str(exercice)

    def text(self, parent, tag: str, value) -> etree._Element:
        element = etree.SubElement(parent, tag)
        element.text = clean(value)
        return element

    def description(self, parent, tag: str, value: str) -> None:
        element = etree.SubElement(parent, tag)
        self.text(element, "Mode", "TEXTE")
        self.text(element, "Valeur", value)

    def person(self, parent, tag: str, name: str) -> None:
        person = self.entity.people.get(c.fold(name)) if name else None
        if person is None:
            return  # unknown names are warned about (validate.export_rules)
        element = etree.SubElement(parent, tag)
        self.text(element, "Civilite", CIVILITIES[c.CIVILITY_MADAM if person.civility == c.CIVILITY_MADAM
                                                    else c.CIVILITY_SIR])
        self.text(element, "Nom", person.last_name)
        self.text(element, "Prenom", person.first_name)
        self.text(element, "Tel", person.phone)
        self.text(element, "eMail", person.email)

    def element(self, parent, tag: str, element_id: str, title: str, description: str, status: str,
                progress: float, remark: str = "", fte: float = 0.0, plans=(), partners=(), start=None, end=None,
                responsible: str = "", representative: str = "", department: str = "") -> etree._Element:
        """One element of the hierarchy, its children in the schema's order."""
        element = etree.SubElement(parent, tag, ElementId=clean(element_id), Exercice=self.exercice)
        libelle = shorten(clean(title), ECOMPTES_TEXT)
        self.text(element, "Libelle", libelle)
        if start is not None:
            self.text(element, "DateDebut", start.isoformat())
        if end is not None:
            self.text(element, "DateFin", end.isoformat())
        full = clean(title) if libelle != clean(title) else ""
        self.description(element, "Description", "\n\n".join(part for part in (full, description) if part))
        self.text(element, "Statut", status)
        self.person(element, "Responsable", responsible)
        self.person(element, "Mandataire", representative)
        if department:
            self.text(element, "Departement", department)
        self.text(element, "TauxAvancement", number(progress))
        self.description(element, "RemarqueStatut", remark)
        self.text(element, "ETP", number(fte))
        plans_element = etree.SubElement(element, "Plans")
        for plan in plans:
            self.text(plans_element, "Plan", plan)
        partners_element = etree.SubElement(element, "Partenaires")
        for partner in partners:
            self.text(partners_element, "Partenaire", partner)
        return element

    def action(self, parent, action: Action) -> None:
        self.element(parent, "Action", action.reference, action.title,
                     action.description or action.smart, action_status(action),
                     ev.progress(action.status, action.progress), remark=action.comment, fte=action.fte or 0.0,
                     plans=action.plans, partners=partners_of(action),
                     start=action.start.first_day() if action.start else None,
                     end=action.end.last_day() if action.end else None,
                     responsible=action.administrative_responsible,
                     representative=action.representative_responsible, department=action.managing_service)

    def objective(self, parent, tag: str, element_id: str, title: str, description: str, actions: list[Action]):
        return self.element(parent, tag, element_id, title, description,
                            objective_status([action_status(a) for a in actions]),
                            mean([ev.progress(a.status, a.progress) for a in actions]),
                            fte=sum(a.fte or 0.0 for a in actions), plans=gathered(a.plans for a in actions),
                            partners=gathered(partners_of(a) for a in actions))

    def document(self, ins: str) -> etree._Element:
        entity = self.entity
        root = etree.Element("dataroot")
        ids = etree.SubElement(root, "Identifiants")
        self.text(ids, "Id", f"{entity.code}-{entity.legislature}-{self.exercice}")
        self.text(ids, "TypeAdmin", TYPE_ADMIN[entity.is_cpas])
        self.text(ids, "INS", str(int(ins)))
        self.text(ids, "Type", "PST")
        self.text(ids, "Exercice", self.exercice)
        self.text(ids, "Version", VERSION)
        self.text(ids, "Generateur", GENERATOR)
        pst = etree.SubElement(root, "PST")
        described = etree.SubElement(pst, "DescriptionPST")
        self.text(described, "IdPST", f"PST-{entity.code}-{entity.legislature}"[:40])
        self.text(described, "Libelle", shorten(phrase("ecomptes-title", legislature=entity.legislature,
                                                       entity=entity.name), ECOMPTES_TEXT))
        years = [int(year) for year in re.findall(r"\d{4}", entity.legislature)] or [int(self.exercice)]
        self.text(described, "ExerciceDebut", years[0])
        self.text(described, "ExerciceFin", years[-1])
        volets = etree.SubElement(pst, "Volets")
        by_name = {volet.name: volet for volet in entity.volets}
        for name in c.VOLET_ORDER:
            volet = by_name.get(name)
            key = f"{entity.code}-{VOLET_KEYS[name]}"
            element = self.objective(volets, "Volet", key, volet_title(name), "",
                                     volet.actions() if volet else [])
            strategic = etree.SubElement(element, "ObjectifStrategiques")
            for os in volet.objectives if volet else []:
                os_element = self.objective(strategic, "ObjectifStrategique", f"{key}-OS{os.number}", os.title,
                                            "\n".join(split_lines(os.ambitions)), list(os.actions()))
                operational = etree.SubElement(os_element, "ObjectifsOperationnels")
                for oo in os.objectives:
                    oo_element = self.objective(operational, "ObjectifOperationnel", f"{key}-OO{oo.code}", oo.title,
                                                "\n".join(split_lines(oo.result_indicators)), oo.actions)
                    actions = etree.SubElement(oo_element, "Actions")
                    for action in oo.actions:
                        self.action(actions, action)
        return root


def write(job: Job, part: int, into: Path) -> None:
    entity: Entity = job.entity
    root = Writer(entity, job.exercice).document(entity.ins_code.removesuffix(".0"))
    into.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


OUTPUT = Output(
    name="ecomptes",
    stem=lambda job: f"PST_{safe_name(job.entity.code)}_{safe_name(job.entity.legislature)}_eComptes",
    write=write,
    labels=("Export e-Comptes", "Export e-Comptes"),
    suffix=".xml",
    command="ecomptes",
    applies=lambda job: job.exercice is not None,
    provisional=False,
)
