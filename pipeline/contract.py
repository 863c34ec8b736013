"""The workbook contract, declared once.

Every sheet name, header, alias and vocabulary that services and the coordinator type lives here. The reader
(load), the validator and the workbook generator all take their names from this module, so a header is spelled
in exactly one place. The French names are the contract with the services: never rename them, only add
aliases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

CONTRACT_VERSION = "1"

CADRE_FILE = "cadre.xlsx"
SERVICES_DIR = "services"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SCAN_ROWS = 15
"""Headers are looked for in this many first rows (services often put a title above the table)."""


def fold(text: str) -> str:
    """Matching key for names typed by people: no accents, no case, no punctuation, no spaces.

    « N° OO », "no oo" and "N°OO" all fold to "noo"; "Libellé de l’action" and "libelle de l'action" match.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", without_marks.casefold())


# --- Kinds of values -------------------------------------------------------------------------------------------
TEXT = "text"
MULTILINE = "multiline"  # free text whose line breaks (Alt+Entrée) mean separate items
VOLET = "volet"
OS_NUMBER = "os_number"
OO_CODE = "oo_code"
ACTION_NUMBER = "action_number"
VOCABULARY = "vocabulary"
PERCENT = "percent"
DATE = "date"
CODE_LIST = "code_list"  # codes separated by ";" (institutions)
YEAR = "year"
AMOUNT = "amount"  # euros, typed the Belgian way (1 234 567,89 €) or stored as a number


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of values; each accepted spelling folds to one canonical French value."""

    values: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical(self, raw: str) -> str | None:
        key = fold(raw)
        for value in self.values:
            if fold(value) == key:
                return value
        return self.aliases.get(key)


VOLETS = Vocabulary(
    ("Externe", "Interne"),
    {
        "ext": "Externe",
        "voletexterne": "Externe",
        "developpementdespolitiques": "Externe",
        "int": "Interne",
        "voletinterne": "Interne",
        "administrationgenerale": "Interne",
    },
)
VOLET_ORDER = ("Externe", "Interne")

STATUSES = Vocabulary(
    ("À démarrer", "En cours", "Terminée", "Reportée", "Abandonnée"),
    {
        "nondemarre": "À démarrer",
        "nondemarree": "À démarrer",
        "ademarrer": "À démarrer",
        "afaire": "À démarrer",
        "termine": "Terminée",
        "terminee": "Terminée",
        "realise": "Terminée",
        "realisee": "Terminée",
        "reporte": "Reportée",
        "abandonne": "Abandonnée",
        "encours": "En cours",
    },
)

HEALTH = Vocabulary(("Bon", "Risque", "Blocage"), {"bonne": "Bon", "ok": "Bon", "bloque": "Blocage", "bloquee": "Blocage"})

ENTITY_TYPES = Vocabulary(
    ("Commune", "Ville", "CPAS"),
    {"centrepublicdactionsociale": "CPAS"},
)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its English key, its French header (the contract) and how to read it."""

    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    vocabulary: Vocabulary | None = None
    help: str = ""
    strict: bool = True
    """For a vocabulary: an unknown value is an error (strict) or a warning, the value being kept as typed."""
    label: str = ""
    """How the documents name the field beside an action, when it differs from the header (Fin → Échéance)."""

    @property
    def display_label(self) -> str:
        return self.label or self.header

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class SheetContract:
    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @cached_property
    def by_folded_name(self) -> dict[str, Column]:
        """Every accepted spelling of every header, folded, → its column (first declared wins)."""
        lookup: dict[str, Column] = {}
        for col in self.columns:
            for name in col.names():
                lookup.setdefault(fold(name), col)
        return lookup

    def match_header(self, text: str) -> Column | None:
        return self.by_folded_name.get(fold(text)) if text else None

    def matches_name(self, sheet_name: str) -> bool:
        return fold(sheet_name) in {fold(n) for n in (self.name, *self.aliases)}


# --- cadre.xlsx ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""


PARAMETERS_SHEET = SheetContract(
    "Paramètres",
    (
        Column("parameter", "Paramètre", required=True, aliases=("Parametre", "Clé")),
        Column("value", "Valeur", required=True),
    ),
    aliases=("Parametres", "Paramètre", "Parametre"),
)

PARAMETERS = (
    Parameter("entity_name", "Entité", aliases=("Nom", "Nom de l'entité", "Institution"), help="Ville de Soignies"),
    Parameter("entity_type", "Type", help="Commune, Ville ou CPAS"),
    Parameter("code", "Code", help="code court utilisé dans « Synergie avec », ex. VILLE, CPAS"),
    Parameter("legislature", "Législature", aliases=("Legislature", "Mandature"), help="2019-2024"),
    Parameter("slogan", "Slogan", required=False, help="facultatif, affiché sur la couverture"),
    Parameter("numbering", "Numérotation", required=False,
              help="continue (1 … n dans chaque volet, par défaut) ou hiérarchique (1.1.1 : OS, OO, rang)"),
    Parameter("shown_fields", "Champs affichés", required=False, aliases=("Champs affichés avec l'action",),
              help="colonnes des actions montrées avec leur libellé, séparées par « ; » (par défaut : Service "
                   "gestionnaire ; Statut ; Fin ; Synergie avec), ou « aucun »"),
    Parameter("action_layout", "Présentation des actions", required=False, aliases=("Présentation",),
              help="liste (par défaut) ou tableau"),
)

NUMBERING = Vocabulary(("continue", "hiérarchique"), {"continu": "continue", "hierarchie": "hiérarchique",
                                                      "parvolet": "continue"})
ACTION_LAYOUTS = Vocabulary(("liste", "tableau"), {"list": "liste", "table": "tableau", "tableaux": "tableau"})
DEFAULT_SHOWN_FIELDS = ("managing_service", "status", "end", "synergy_with")

STRATEGIC_OBJECTIVES_SHEET = SheetContract(
    "Objectifs stratégiques",
    (
        Column("volet", "Volet", VOLET, required=True, vocabulary=VOLETS),
        Column("number", "N° OS", OS_NUMBER, required=True, aliases=("Numéro OS", "OS", "N°")),
        Column("title", "Intitulé", required=True, aliases=("Objectif stratégique", "Libellé")),
        Column("observations", "Constats", MULTILINE, aliases=("Constat",)),
        Column("ambitions", "Ambitions", MULTILINE, aliases=("Ambition",)),
    ),
    aliases=("OS", "Objectifs strategiques"),
)

OPERATIONAL_OBJECTIVES_SHEET = SheetContract(
    "Objectifs opérationnels",
    (
        Column("volet", "Volet", VOLET, required=True, vocabulary=VOLETS),
        Column("code", "N° OO", OO_CODE, required=True, aliases=("Numéro OO", "OO", "N°")),
        Column("title", "Intitulé", required=True, aliases=("Objectif opérationnel", "Libellé")),
        Column("result_indicators", "Indicateurs de résultat", MULTILINE, aliases=("Indicateur de résultat",)),
    ),
    aliases=("OO", "Objectifs operationnels"),
)

# --- services/<service>.xlsx ---------------------------------------------------------------------------------
ACTIONS_SHEET = SheetContract(
    "Actions",
    (
        Column("volet", "Volet", VOLET, required=True, vocabulary=VOLETS,
               help="Externe (développement des politiques) ou Interne (administration générale)."),
        Column("oo_code", "N° OO", OO_CODE, required=True, aliases=("Numéro OO", "OO"),
               help="Numéro de l’objectif opérationnel du cadre, par exemple 2.4."),
        Column("number", "N° action", ACTION_NUMBER, aliases=("Numéro action", "N° de l'action", "Numéro de l'action"),
               help="Numéro officiel de l’action dans son volet, s’il existe déjà. Sinon, laisser vide."),
        Column("reference", "Réf.", aliases=("Réf", "Référence"),
               help="Référence interne stable de l’action (facultatif)."),
        Column("title", "Libellé de l'action", required=True,
               aliases=("Libellé", "Action", "Intitulé de l'action", "Intitulé"),
               help="Ce que l’on va faire, en une phrase commençant par un verbe."),
        Column("description", "Description", MULTILINE),
        Column("smart", "Reformulation SMART", aliases=("SMART", "Proposition de reformulation SMART")),
        Column("status", "Statut", VOCABULARY, vocabulary=STATUSES),
        Column("health", "Santé", VOCABULARY, vocabulary=HEALTH, strict=False),
        Column("progress", "Taux d'avancement (%)", PERCENT, aliases=("Taux d'avancement", "Avancement")),
        Column("start", "Début", DATE, aliases=("Date de début",)),
        Column("end", "Fin", DATE, aliases=("Date de fin", "Échéance"), label="Échéance"),
        Column("updated", "Date de mise à jour", DATE, aliases=("Date de la dernière mise à jour", "Mise à jour")),
        Column("representative_responsible", "Mandataire responsable", aliases=("Mandataire", "Mandataire(s) responsable(s)")),
        Column("administrative_responsible", "Responsable administratif", aliases=("Responsable",)),
        Column("managing_service", "Service gestionnaire", aliases=("Service",)),
        Column("project_lead", "Porteur du projet", aliases=("Porteur de projet", "Porteur")),
        Column("partners", "Partenaire(s)", aliases=("Partenaires", "Partenaire")),
        Column("plans", "Plans concernés", aliases=("Plans", "Plans communaux concernés")),
        Column("sdgs", "ODD", aliases=("Objectifs de développement durable",)),
        Column("synergy_with", "Synergie avec", CODE_LIST, aliases=("Synergies avec", "Synergie")),
        Column("synergy_code", "Code synergie", aliases=("Code de synergie",)),
        Column("output_indicator", "Indicateur de réalisation", MULTILINE, aliases=("Indicateurs de réalisation",)),
        Column("result_indicators", "Indicateurs de résultat", MULTILINE, aliases=("Indicateur de résultat",)),
        Column("planning", "Planification", MULTILINE, aliases=("Étapes", "Sous-étapes")),
        Column("comment", "Commentaire", MULTILINE, aliases=("Commentaires", "Remarque", "Remarques")),
    ),
)

# --- services/<service>.xlsx, optional sheet `Financement` (contract v1.1) --------------------------------------
BUDGET_SERVICES = Vocabulary(("Ordinaire", "Extraordinaire"), {"o": "Ordinaire", "ord": "Ordinaire",
                                                               "e": "Extraordinaire", "extra": "Extraordinaire"})
DIRECTIONS = Vocabulary(("Recette", "Dépense"), {"r": "Recette", "recettes": "Recette", "d": "Dépense",
                                                 "depenses": "Dépense"})
SUBSIDY_SOURCES = Vocabulary(
    ("Europe", "Fédéral", "Wallonie", "Fédération Wallonie-Bruxelles", "Province", "Autres"),
    {"ue": "Europe", "unioneuropeenne": "Europe", "feder": "Europe", "etatfederal": "Fédéral",
     "regionwallonne": "Wallonie", "rw": "Wallonie", "spw": "Wallonie", "fwb": "Fédération Wallonie-Bruxelles",
     "communautefrancaise": "Fédération Wallonie-Bruxelles", "autre": "Autres"},
)

FINANCE_SHEET = SheetContract(
    "Financement",
    (
        Column("reference", "Réf.", required=True, aliases=("Réf", "Référence", "Réf. de l'action"),
               help="Réf. de l’action financée, telle qu’elle figure dans la feuille « Actions »."),
        Column("year", "Exercice", YEAR, required=True, aliases=("Année", "Exercice budgétaire")),
        Column("budget_service", "Service", VOCABULARY, required=True, vocabulary=BUDGET_SERVICES,
               aliases=("Service budgétaire",), help="Ordinaire ou Extraordinaire."),
        Column("direction", "R/D", VOCABULARY, required=True, vocabulary=DIRECTIONS,
               aliases=("Recette/Dépense", "RD", "Recette ou dépense"), help="Recette ou Dépense."),
        Column("article", "Article budgétaire", aliases=("Article",), help="Par exemple 104/123-48."),
        Column("amount", "Montant estimé", AMOUNT, required=True, aliases=("Montant",)),
        Column("own_funds", "Fonds propres", AMOUNT),
        Column("loan", "Emprunt", AMOUNT, aliases=("Emprunts",)),
        Column("subsidies", "Subsides", AMOUNT, aliases=("Subside", "Subventions")),
        Column("subsidy_source", "Source des subsides", VOCABULARY, vocabulary=SUBSIDY_SOURCES, strict=False,
               aliases=("Source", "Pouvoir subsidiant")),
    ),
    aliases=("Financements", "Finances", "Budget"),
)

# --- Sustainable development goals: official French titles (United Nations) -----------------------------------
SDG_TITLES = (
    "Pas de pauvreté",
    "Faim « zéro »",
    "Bonne santé et bien-être",
    "Éducation de qualité",
    "Égalité entre les sexes",
    "Eau propre et assainissement",
    "Énergie propre et d’un coût abordable",
    "Travail décent et croissance économique",
    "Industrie, innovation et infrastructure",
    "Inégalités réduites",
    "Villes et communautés durables",
    "Consommation et production responsables",
    "Mesures relatives à la lutte contre les changements climatiques",
    "Vie aquatique",
    "Vie terrestre",
    "Paix, justice et institutions efficaces",
    "Partenariats pour la réalisation des objectifs",
)

CADRE_SHEETS = (PARAMETERS_SHEET, STRATEGIC_OBJECTIVES_SHEET, OPERATIONAL_OBJECTIVES_SHEET)
SYNERGY_SEPARATORS = r"[;,/\n]+"
LIST_SEPARATORS = r"[;\n]+"
"""Plans and ODD: separated by « ; » or line breaks (a plan's name may hold a comma)."""
