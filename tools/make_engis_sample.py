"""Developer tool: writes data/engis-commune and data/engis-cpas from the Engis PST 2019-2024 (shared seeds 000, 001),
and the same two institutions writing one joint PST in exemple-conjoint/ (« PST conjoint avec » in both frames).

Every OS, OO and action of the seeds is here, spread over service workbooks as services would fill them (some
with a title above the table, columns in their own order, dates typed as text or as real dates). What the seeds
do not say (services, dates, statuses, mandataires, and the commune's internal actions) is illustrative: see
data/README.md. Run: `python tools/make_engis_sample.py`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from pipeline import contract as c

DATA = Path(__file__).resolve().parent.parent / "data"
JOINT = Path(__file__).resolve().parent.parent / "exemple-conjoint"

# --- Commune d'Engis (seed 000) -------------------------------------------------------------------------------
COMMUNE_PARAMETERS = [
    ("Entité", "Commune d'Engis"),
    ("Type", "Commune"),
    ("Code", "COMMUNE"),
    ("Législature", "2019-2024"),
    ("Slogan", "Engis, j'y habite, je m'y sens bien et je veux y rester"),
    ("Code INS", "61080"),
]

COMMUNE_OS = [
    ("Externe", 1, "Être une commune au cadre de vie durable et harmonieux",
     "Qualité disparate du logement\nEnvironnement industriel\nNature pourtant présente\n"
     "Déplacements entre les quartiers compliqués",
     "Le citoyen engissois doit avoir le souhait de s'établir à Engis pour longtemps et pour cela, il doit pouvoir "
     "disposer d'un habitat sain, accessible, situé dans un quartier agréable et dynamique en lien permanent avec la "
     "nature environnante. Il doit pouvoir se déplacer en toute sécurité et se rendre plus aisément dans d'autres "
     "parties de la Commune."),
    ("Externe", 2, "Être une commune moteur dans la recherche d'emploi",
     "Les nombreux emplois industriels sont trop peu rencontrés par la population engissoise\n"
     "Le secteur tertiaire et le commerce sont trop peu présents\nL'initiative personnelle indépendante est peu "
     "visible\nDécrochage d'une partie de la population",
     "Renforcer les liens avec les entreprises présentes sur le territoire et accroître le dialogue avec les "
     "demandeurs d'emploi afin qu'ils puissent bénéficier des opportunités proposées. Il s'agira de coordonner le "
     "travail des opérateurs spécialisés susceptibles d'améliorer la correspondance entre l'offre et la demande. Il "
     "conviendra d'initier des approches ciblées par groupes cibles sensibles."),
    ("Externe", 3, "Être une commune transparente et bien gérée",
     "La fiscalité locale est mal connue et l'affectation des ressources ne fait pas encore l'objet d'une "
     "explication claire\nLa Commune dispose d'un patrimoine bâti important mais son utilisation n'est sans doute "
     "pas encore optimisée",
     "Au départ d'une fiscalité claire et stable globalement, objectiver l'affectation des moyens et améliorer la "
     "gestion des ressources patrimoniales."),
    ("Externe", 4, "Être une commune dans laquelle chacun a sa place",
     "Manque de coordination, de visibilité et d'analyse des résultats obtenus des différents services offerts aux "
     "citoyens\nCertains publics rencontrent des difficultés qui ne sont pas prises en charge par une action "
     "locale\nManque de visibilité du réseau scolaire communal",
     "La commune entend être présente à chaque étape de la vie du citoyen, renforcer les solidarités et son action "
     "adaptée aux familles, aux jeunes, dont ceux en décrochage ou qui subissent du harcèlement, aux adultes par une "
     "dynamisation de la vie des quartiers et aux aînés."),
    ("Externe", 5, "Être une commune qui s'inscrit dans une dynamique de société digitale inclusive et responsable",
     "Les outils de communication passive (infor, site internet…) ou active (formulaire en ligne, interpellation du "
     "citoyen) vieillissent ou sont peu développés\nLa digitalisation devient un facteur d'exclusion : précarité "
     "numérique",
     "Développer une communication active, montante et descendante et inscrire le citoyen au centre de cette "
     "communication.\nLutter contre la précarité numérique."),
    ("Interne", 1, "Être une administration communale bien gérée", "", ""),
    ("Interne", 2, "Être une administration communale qui développe une gestion optimale des ressources humaines",
     "", ""),
    ("Interne", 3, "Être une administration communale tournée vers le citoyen qui dispose d'agents compétents, "
                   "impliqués, motivés", "", ""),
]

COMMUNE_OO = [
    ("Externe", "1.1", "Améliorer l'habitat et le cadre de vie", ""),
    ("Externe", "1.2", "Permettre au citoyen d'évoluer dans un environnement sain et propre", ""),
    ("Externe", "1.3", "Faciliter la mobilité en toute sécurité", "Nombre d'accidents sur les voiries communales"),
    ("Externe", "2.1", "Développer l'emploi et l'insertion socioprofessionnelle",
     "Nombre de demandeurs d'emploi engissois ayant trouvé un emploi grâce au salon"),
    ("Externe", "3.1", "Axe gouvernance", ""),
    ("Externe", "4.1", "Soutenir la petite enfance", ""),
    ("Externe", "4.2", "Soutenir la jeunesse", ""),
    ("Externe", "4.3", "Promouvoir la solidarité", ""),
    ("Externe", "4.5", "Développer une politique sportive ambitieuse", "Nombre de membres des clubs sportifs"),
    ("Externe", "5.1", "Développer les outils de communication", ""),
    ("Externe", "5.2", "Promouvoir les compétences numériques pour tous", ""),
    ("Interne", "1.1", "Améliorer les procédures et les outils de gestion de l'administration", ""),
    ("Interne", "1.2", "Optimiser des finances publiques", ""),
    ("Interne", "1.3", "Renforcer l'emploi public", ""),
    ("Interne", "1.4", "Renforcer les synergies avec les entités consolidées", ""),
    ("Interne", "2.1", "Veiller à ce que les compétences des agents répondent mieux aux besoins des services et aux "
                       "évolutions de contexte externe ou interne connues ou anticipées", ""),
    ("Interne", "2.2", "Définir un processus d'évaluation", ""),
    ("Interne", "3.1", "Améliorer la communication interne", ""),
    ("Interne", "3.2", "Organiser des recrutements et engagements efficaces et efficients", ""),
    ("Interne", "3.3", "Améliorer l'accueil de la population", ""),
    ("Interne", "3.4", "Veiller au bien-être et au cadre de vie des agents", ""),
]

SALON_STEPS = (
    "Mettre à jour le listing des exposants\n"
    "Contacter les différents exposants afin de pouvoir réserver le matériel nécessaire\n"
    "Obtenir l'accord de la police pour la mise en place du salon\n"
    "Réaliser et distribuer des supports de communication (flyers…)\n"
    "Mettre en place des réunions avec les partenaires (ALEM, MIRHW, service insertion du CPAS) afin d'identifier "
    "les profils existants au sein de la population engissoise\n"
    "Préparer les personnes aux entretiens d'embauche prévus au sein du salon via des ateliers de préparation en "
    "collaboration avec la MIRHW, l'ALEM et le service insertion du CPAS\n"
    "Organiser le salon de l'emploi"
)

# Actions: (volet, OO, libellé, extra fields). Fields not given are left empty, as services do.
A = dict
COMMUNE_SERVICES = {
    "Travaux.xlsx": A(
        title_row="PST 2019-2024 — Contribution du service Travaux",
        actions=[
            ("Externe", "1.1", "Aménager des lieux publics conviviaux",
             A(status="En cours", health="Bon", progress=40, start="01/03/2020", end="31/12/2023",
               representative="Échevin des Travaux", plans="PCDR")),
            ("Externe", "1.1", "Aménager un espace de convivialité au centre de Clermont",
             A(status="À démarrer", health="Bon", progress=0, start="01/2022", end="12/2023",
               representative="Échevin des Travaux", plans="PCDR")),
            ("Externe", "1.1", "Améliorer le cadre du centre d'Engis par la mise en peinture de l'école Wauters",
             A(status="Terminée", health="Bon", progress=100, start="01/07/2020", end="31/08/2020",
               representative="Échevin des Travaux")),
            ("Externe", "1.3", "Développer le RAVel reliant Flémalle à Amay",
             A(status="En cours", health="Risque", progress=25, start="2020", end="2024",
               representative="Bourgmestre", partners="Service public de Wallonie (SPW Mobilité)",
               plans="Plan communal de mobilité", comment="Dépend de l'accord du SPW sur le tracé.")),
            ("Externe", "1.3", "Aménager les voiries, trottoirs, chemins et éléments de sécurité",
             A(status="En cours", health="Bon", progress=50, start="2019", end="2024",
               representative="Échevin des Travaux", plans="Plan d'investissement communal (PIC)")),
            ("Externe", "1.3", "Planifier l'installation de caméras sur les lieux publics",
             A(status="En cours", health="Bon", progress=30, start="01/01/2021", end="31/12/2022",
               representative="Bourgmestre", partners="Zone de police Meuse-Hesbaye")),
            ("Externe", "4.5", "Agrandir le MOSA et créer une salle de gymnastique",
             A(status="Reportée", health="Blocage", progress=10, start="2021", end="2024",
               representative="Échevin des Sports", partners="Infrasports",
               comment="En attente de la promesse de subside Infrasports.")),
        ],
    ),
    "Environnement.xlsx": A(
        actions=[
            ("Externe", "1.1", "Mettre en place des carrés potagers et/ou parterres fleuris dans les rues et quartiers",
             A(status="En cours", health="Bon", progress=60, start="01/04/2020", end="30/09/2022",
               representative="Échevine de l'Environnement", partners="Comités de quartier", plans="PCDN")),
            ("Externe", "1.1", "Enterrer progressivement les bulles à verres",
             A(status="En cours", health="Bon", progress=35, start="2020", end="2024",
               representative="Échevine de l'Environnement", partners="Intradel")),
            ("Externe", "1.2", "Mettre en place un système de désherbage respectueux de l'environnement",
             A(status="Terminée", health="Bon", progress=100, start="01/2020", end="12/2020",
               representative="Échevine de l'Environnement", plans="PCDN")),
            ("Externe", "1.3", "Octroyer une prime à l'achat de vélos électriques",
             A(status="En cours", health="Bon", progress=80, start="01/01/2020", end="31/12/2024",
               representative="Échevine de l'Environnement", plans="Plan communal de mobilité ; PAEDC",
               output_indicator="Nombre de primes octroyées par an")),
        ],
    ),
    "Logement et Affaires sociales.xlsx": A(
        actions=[
            ("Externe", "1.1", "Créer un service logement commun avec le CPAS",
             A(status="En cours", health="Bon", progress=50, start="01/09/2020", end="30/06/2022",
               representative="Échevine du Logement", partners="CPAS d'Engis",
               plans="Plan d'ancrage communal du logement", synergy="CPAS", synergy_code="SYN-LOGEMENT")),
            ("Externe", "4.3", "Renforcer le rôle des Maisons de quartiers par le biais d'activités régulières "
                               "d'intégration collective au sein d'un quartier afin de renforcer le sentiment "
                               "d'appartenance",
             A(status="En cours", health="Bon", progress=45, start="2020", end="2024",
               representative="Échevine des Affaires sociales", plans="PCS")),
            ("Externe", "4.3", "Développer des lieux de convivialité",
             A(status="À démarrer", health="Bon", progress=0, start="2022", end="2024",
               representative="Échevine des Affaires sociales", plans="PCS")),
        ],
    ),
    "Emploi (ADL).xlsx": A(
        actions=[
            # Typed "OO2.1" as in the seed: accepted with a warning.
            ("Externe", "OO2.1", "Développer et promouvoir le Salon de l'emploi",
             A(status="En cours", health="Bon", progress=70, start="01/01/2020", end="31/10/2021",
               representative="Échevin de l'Emploi", partners="ALEM ; MIRHW ; service insertion du CPAS",
               synergy="CPAS", synergy_code="SYN-EMPLOI", planning=SALON_STEPS,
               output_indicator="Nombre d'exposants et de visiteurs")),
        ],
    ),
    "Finances.xlsx": A(
        title_row="Service des Finances — actions PST",
        actions=[
            ("Externe", "3.1", "Veiller au maintien global des recettes fiscales",
             A(status="En cours", health="Bon", progress=50, start="2019", end="2024",
               representative="Échevin des Finances")),
            ("Externe", "3.1", "Promouvoir les projets citoyens par l'inscription de budget participatif et le "
                               "lancement d'appels à projet",
             A(status="En cours", health="Risque", progress=20, start="01/2021", end="12/2023",
               representative="Bourgmestre")),
            ("Externe", "4.3", "Exonérer partiellement les taxes déchet pour familles avec enfants en garde alternée",
             A(status="Terminée", health="Bon", progress=100, start="01/01/2020", end="31/12/2020",
               representative="Échevin des Finances")),
            ("Interne", "1.2", "Établir un plan de gestion pluriannuel des finances communales",
             A(status="En cours", health="Bon", progress=60, start="2020", end="2024",
               representative="Échevin des Finances", administrative="Directrice financière")),
            ("Interne", "1.4", "Réaliser un audit et un marché conjoint avec le CPAS pour les assurances",
             A(status="En cours", health="Bon", progress=40, start="01/2021", end="12/2022",
               representative="Échevin des Finances", administrative="Directrice financière",
               synergy="CPAS", synergy_code="SYN-ASSURANCES")),
        ],
    ),
    "Enseignement Jeunesse et Sports.xlsx": A(
        actions=[
            ("Externe", "3.1", "Étudier la faisabilité de regrouper les écoles d'Engis",
             A(status="En cours", health="Risque", progress=30, start="2020", end="2022",
               representative="Échevine de l'Enseignement")),
            ("Externe", "4.1", "Organiser les services de la petite enfance en binôme avec des puéricultrices "
                               "référentes",
             A(status="Terminée", health="Bon", progress=100, start="09/2019", end="06/2020",
               representative="Échevine de la Petite enfance", partners="ONE")),
            ("Externe", "4.1", "Développer un projet éducatif fort notamment en consacrant un espace « activités » "
                               "au sein de la crèche",
             A(status="En cours", health="Bon", progress=50, start="2020", end="2022",
               representative="Échevine de la Petite enfance", partners="ONE")),
            ("Externe", "4.2", "Lutter contre le harcèlement dans les écoles",
             A(status="En cours", health="Bon", progress=40, start="09/2020", end="06/2024",
               representative="Échevine de l'Enseignement", partners="Centre PMS", plans="PCS")),
            ("Externe", "4.5", "Réviser le règlement « subventions » sport",
             A(status="Terminée", health="Bon", progress=100, start="01/2020", end="06/2020",
               representative="Échevin des Sports")),
            ("Externe", "4.5", "Initier une nouvelle procédure de reconnaissance des clubs sportifs par "
                               "l'administration communale",
             A(status="En cours", health="Bon", progress=50, start="2020", end="2022",
               representative="Échevin des Sports")),
        ],
    ),
    "Informatique et Communication.xlsx": A(
        actions=[
            ("Externe", "5.1", "Créer un réseau de Wi-Fi de quartier",
             A(status="En cours", health="Bon", progress=30, start="2021", end="2023",
               representative="Échevin de la Transition numérique", partners="WiFi4EU (Commission européenne)")),
            ("Externe", "5.1", "Doter la commune de fibre optique",
             A(status="À démarrer", health="Risque", progress=0, start="2022", end="2024",
               representative="Échevin de la Transition numérique")),
            ("Externe", "5.1", "Implémenter E-facture",
             A(status="Terminée", health="Bon", progress=100, start="01/2020", end="12/2020",
               representative="Échevin des Finances")),
            ("Externe", "5.1", "Optimiser la communication web vers le citoyen",
             A(status="En cours", health="Bon", progress=60, start="2019", end="2024",
               representative="Bourgmestre")),
            ("Externe", "5.2", "Développer un service qui donne l'accès aux nouvelles technologies",
             A(status="En cours", health="Bon", progress=40, start="2020", end="2024",
               representative="Échevin de la Transition numérique", plans="PCS")),
            ("Interne", "1.1", "Mettre en place un outil de gestion électronique du courrier et des délibérations",
             A(status="Terminée", health="Bon", progress=100, start="2019", end="2020",
               representative="Bourgmestre", administrative="Directeur général", partners="iMio")),
            ("Interne", "1.4", "Étendre l'outil Plone au CPAS",
             A(status="En cours", health="Bon", progress=50, start="2020", end="2022",
               representative="Bourgmestre", administrative="Directeur général", partners="iMio",
               synergy="CPAS", synergy_code="SYN-PLONE")),
        ],
    ),
    "Direction générale et RH.xlsx": A(
        actions=[
            ("Interne", "1.3", "Établir une stratégie en matière de nomination au regard de la problématique des "
                               "pensions",
             A(status="En cours", health="Bon", progress=30, start="2020", end="2023",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "2.1", "Élaborer un plan de formation des agents",
             A(status="En cours", health="Bon", progress=50, start="2020", end="2022",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "2.2", "Élaborer des descriptions de fonction pour chaque agent",
             A(status="En cours", health="Risque", progress=25, start="2020", end="2023",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "3.1", "Créer une procédure d'accueil des nouveaux agents",
             A(status="Terminée", health="Bon", progress=100, start="2020", end="2021",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "3.2", "Formaliser les procédures de recrutement et d'engagement",
             A(status="En cours", health="Bon", progress=60, start="2020", end="2022",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "3.3", "Améliorer l'accueil de la population à l'administration communale",
             A(status="En cours", health="Bon", progress=40, start="2021", end="2023",
               representative="Bourgmestre", administrative="Directeur général")),
            ("Interne", "3.4", "Réaliser une analyse des risques psychosociaux",
             A(status="À démarrer", health="Bon", progress=0, start="2022", end="2023",
               representative="Bourgmestre", administrative="Directeur général",
               partners="Service externe de prévention et de protection au travail")),
        ],
    ),
}

# --- CPAS d'Engis (seed 001) ----------------------------------------------------------------------------------
CPAS_PARAMETERS = [
    ("Entité", "CPAS d'Engis"),
    ("Type", "CPAS"),
    ("Code", "CPAS"),
    ("Législature", "2019-2024"),
    ("Slogan", "Le social au cœur de l'action et des choix stratégiques"),
    ("Code INS", "61080"),
]

CPAS_OS = [
    ("Externe", 1, "Être un CPAS « pilier social » de la commune d'Engis, renforcer son rôle premier dans l'action "
                   "sociale locale", "", ""),
    ("Externe", 2, "Être un CPAS bien géré", "", ""),
    ("Interne", 1, "Être un CPAS bien géré", "", ""),
    ("Interne", 2, "Être un CPAS qui développe une gestion optimale des ressources humaines", "", ""),
    ("Interne", 3, "Être un CPAS tourné vers le citoyen qui dispose d'agents compétents, impliqués, motivés", "", ""),
]

CPAS_OO = [
    ("Externe", "1.1", "Maintenir une offre complète de services aux Engissois et soutenir la solidarité", ""),
    ("Externe", "1.2", "Développer un projet global d'insertion ambitieux",
     "Nombre de personnes accompagnées ayant accédé à une formation ou à un emploi"),
    ("Externe", "1.3", "Mieux répondre aux situations d'urgence en matière de logement",
     "Nombre de ménages relogés en urgence"),
    ("Externe", "2.1", "Améliorer la communication", ""),
    ("Interne", "1.1", "Améliorer les procédures et les outils de gestion du centre", ""),
    ("Interne", "1.2", "Optimiser des finances du centre", ""),
    ("Interne", "1.3", "Renforcer l'emploi public", ""),
    ("Interne", "2.1", "Veiller à ce que les compétences des agents répondent mieux aux besoins des services et aux "
                       "évolutions de contexte externe ou interne connues ou anticipées", ""),
    ("Interne", "2.2", "Définir un processus d'évaluation", ""),
    ("Interne", "3.1", "Améliorer la communication interne", ""),
    ("Interne", "3.2", "Améliorer l'accueil de la population", ""),
]

PRESIDENT = "Présidente du CPAS"
CPAS_SERVICES = {
    "Direction générale.xlsx": A(
        actions=[
            ("Interne", "1.1", "Formaliser les procédures", A(status="En cours", progress=40, start="2020", end="2022")),
            ("Interne", "1.1", "Étendre l'outil Plone au CPAS",
             A(status="En cours", progress=50, start="2020", end="2022", partners="Commune d'Engis ; iMio",
               synergy="COMMUNE", synergy_code="SYN-PLONE")),
            ("Interne", "3.1", "Planifier les points récurrents à présenter aux CAS et BP",
             A(status="Terminée", progress=100, start="2020", end="2020")),
            ("Interne", "3.1", "Mettre en place une procédure d'interpellation du personnel par les mandataires",
             A(status="À démarrer", progress=0, start="2022", end="2023")),
            ("Interne", "3.2", "Développer l'offre d'espace d'accueil du citoyen",
             A(status="En cours", progress=30, start="2021", end="2023")),
            ("Interne", "3.2", "Améliorer le guichet d'accueil", A(status="En cours", progress=60, start="2020", end="2022")),
            ("Interne", "3.2", "Placer une fontaine à eau sur eau courante",
             A(status="Terminée", progress=100, start="2020", end="2020")),
            ("Externe", "2.1", "Optimiser la communication vers les citoyens",
             A(status="En cours", progress=50, start="2020", end="2024")),
        ],
        common=A(representative=PRESIDENT, administrative="Directrice générale", health="Bon"),
    ),
    "Ressources humaines.xlsx": A(
        actions=[
            ("Interne", "1.1", "Implémenter les nouveaux outils du CRF en matière de GRH",
             A(status="En cours", progress=40, start="2020", end="2022")),
            ("Interne", "1.3", "Établir une stratégie en matière de nomination au regard de la problématique des "
                               "pensions", A(status="En cours", progress=30, start="2020", end="2023")),
            ("Interne", "2.1", "Réaliser un bilan de compétences pour chaque agent",
             A(status="En cours", progress=50, start="2020", end="2022")),
            ("Interne", "2.1", "Recueillir les besoins et souhaits des agents et des chefs de service en matière de "
                               "formation", A(status="Terminée", progress=100, start="2020", end="2020")),
            ("Interne", "2.1", "Élaborer un plan de formation", A(status="En cours", progress=70, start="2020", end="2021")),
            ("Interne", "2.1", "Organiser des formations pour anticiper les conflits et gérer l'agressivité",
             A(status="En cours", progress=50, start="2021", end="2024")),
            ("Interne", "2.1", "Planifier et assurer le transfert du savoir",
             A(status="À démarrer", progress=0, start="2022", end="2024", health="Risque")),
            ("Interne", "2.2", "Élaborer des descriptions de fonction pour chaque agent",
             A(status="En cours", progress=40, start="2020", end="2022")),
            ("Interne", "2.2", "Former les évaluateurs à l'évaluation",
             A(status="À démarrer", progress=0, start="2022", end="2022")),
            ("Interne", "3.1", "Créer des procédures d'accueil pour les nouveaux agents",
             A(status="Terminée", progress=100, start="2020", end="2021")),
        ],
        common=A(representative=PRESIDENT, administrative="Directrice générale", health="Bon"),
    ),
    "Direction financière.xlsx": A(
        title_row="CPAS d'Engis — Direction financière",
        actions=[
            ("Interne", "1.2", "Sensibiliser les agents à la consommation d'énergie",
             A(status="En cours", progress=50, start="2020", end="2024", plans="PAEDC")),
            ("Interne", "1.2", "Formaliser les procédures relatives au recouvrement",
             A(status="Terminée", progress=100, start="2020", end="2021")),
            ("Interne", "1.2", "Assurer un suivi régulier de la consommation des crédits budgétaires",
             A(status="En cours", progress=60, start="2019", end="2024")),
            ("Interne", "1.2", "Établir un plan de gestion et l'adapter en fonction des changements",
             A(status="En cours", progress=50, start="2020", end="2024")),
            ("Interne", "1.2", "Réaliser un audit et un marché (conjoint avec la Commune) pour les assurances",
             A(status="En cours", progress=40, start="01/2021", end="12/2022", partners="Commune d'Engis",
               synergy="COMMUNE", synergy_code="SYN-ASSURANCES")),
            ("Interne", "1.2", "Relancer la procédure de marché public pour les conventions expirées",
             A(status="En cours", progress=30, start="2021", end="2022", health="Risque")),
        ],
        common=A(representative=PRESIDENT, administrative="Directrice financière", health="Bon"),
    ),
    "Service social.xlsx": A(
        actions=[
            ("Interne", "1.1", "Mettre en place un comité de suivi des guidances budgétaires",
             A(status="Terminée", progress=100, start="2020", end="2020")),
            ("Externe", "1.1", "Réformer la distribution des colis alimentaires",
             A(status="En cours", progress=60, start="2020", end="2022", partners="Banque alimentaire")),
        ],
        common=A(representative=PRESIDENT, administrative="Assistante sociale en chef", health="Bon"),
    ),
    "Insertion socioprofessionnelle.xlsx": A(
        actions=[
            ("Externe", "1.2", "Développer un service d'insertion organisé en interne visant à la fois l'insertion "
                               "sociale, socioprofessionnelle et professionnelle et ce, dans le cadre d'un "
                               "accompagnement collectif et individuel",
             A(status="En cours", progress=50, start="2020", end="2024")),
            ("Externe", "1.2", "Maintenir voire augmenter le volume global de l'emploi annuel sous contrat de travail "
                               "art.60§7", A(status="En cours", progress=50, start="2019", end="2024")),
            ("Externe", "1.2", "Mettre en place des ateliers d'estime de soi/ de relooking/ de confiance en soi",
             A(status="En cours", progress=40, start="2021", end="2023")),
            ("Externe", "1.2", "Développer et promouvoir le Salon de l'emploi",
             A(status="En cours", progress=70, start="01/01/2020", end="31/10/2021",
               partners="Commune d'Engis (ADL) ; ALEM ; MIRHW", synergy="COMMUNE", synergy_code="SYN-EMPLOI")),
            ("Externe", "1.2", "Fournir une aide à la rédaction des curriculums vitae et à la préparation "
                               "d'entretien d'embauche", A(status="En cours", progress=60, start="2020", end="2024")),
            ("Externe", "1.2", "Accroître l'offre de formation, de conseils informatiques, d'ateliers d'aide à "
                               "l'outil informatique d'un partenaire",
             A(status="À démarrer", progress=0, start="2022", end="2024", health="Risque")),
        ],
        common=A(representative=PRESIDENT, administrative="Responsable du service insertion", health="Bon",
                 plans="PCS"),
    ),
    "Logement.xlsx": A(
        actions=[
            ("Externe", "1.3", "Augmenter l'offre des logements d'urgence",
             A(status="En cours", progress=30, start="2020", end="2024", plans="Plan d'ancrage communal du logement")),
            ("Externe", "1.3", "Créer un service logement commun avec la Commune",
             A(status="En cours", progress=50, start="01/09/2020", end="30/06/2022", partners="Commune d'Engis",
               plans="Plan d'ancrage communal du logement", synergy="COMMUNE", synergy_code="SYN-LOGEMENT")),
        ],
        common=A(representative=PRESIDENT, administrative="Responsable du service logement", health="Bon"),
    ),
}

# ODD and Réf. of some actions (illustrative), by libellé.
SDGS = {
    "Créer un service logement commun avec le CPAS": "ODD 11; ODD 1",
    "Créer un service logement commun avec la Commune": "ODD 11; ODD 1",
    "Mettre en place des carrés potagers et/ou parterres fleuris dans les rues et quartiers": "ODD 11; ODD 15",
    "Enterrer progressivement les bulles à verres": "ODD 12",
    "Mettre en place un système de désherbage respectueux de l'environnement": "ODD 15; ODD 6",
    "Développer le RAVel reliant Flémalle à Amay": "ODD 11; ODD 3",
    "Octroyer une prime à l'achat de vélos électriques": "ODD 13; ODD 11",
    "Développer et promouvoir le Salon de l'emploi": "ODD 8",
    "Développer un service d'insertion organisé en interne visant à la fois l'insertion sociale, "
    "socioprofessionnelle et professionnelle et ce, dans le cadre d'un accompagnement collectif et individuel":
        "ODD 8; ODD 1",
    "Réformer la distribution des colis alimentaires": "ODD 2; ODD 1",
    "Étudier la faisabilité de regrouper les écoles d'Engis": "ODD 4",
    "Lutter contre le harcèlement dans les écoles": "ODD 4; ODD 16",
    "Développer un projet éducatif fort notamment en consacrant un espace « activités » au sein de la crèche":
        "ODD 4",
    "Créer un réseau de Wi-Fi de quartier": "ODD 9",
    "Doter la commune de fibre optique": "ODD 9",
    "Développer un service qui donne l'accès aux nouvelles technologies": "ODD 4; ODD 10",
    "Sensibiliser les agents à la consommation d'énergie": "ODD 7; ODD 13",
    "Placer une fontaine à eau sur eau courante": "ODD 6; ODD 12",
    "Augmenter l'offre des logements d'urgence": "ODD 11; ODD 1",
    "Promouvoir les projets citoyens par l'inscription de budget participatif et le lancement d'appels à projet":
        "ODD 16",
    "Agrandir le MOSA et créer une salle de gymnastique": "ODD 3",
}
REFERENCES = {
    "Développer le RAVel reliant Flémalle à Amay": "TRV-01",
    "Aménager les voiries, trottoirs, chemins et éléments de sécurité": "TRV-02",
    "Planifier l'installation de caméras sur les lieux publics": "TRV-03",
    "Agrandir le MOSA et créer une salle de gymnastique": "TRV-04",
    "Octroyer une prime à l'achat de vélos électriques": "ENV-01",
    "Créer un réseau de Wi-Fi de quartier": "INF-01",
    "Développer et promouvoir le Salon de l'emploi": "ADL-01",
    "Créer un service logement commun avec le CPAS": "LOG-01",
    "Augmenter l'offre des logements d'urgence": "CPAS-LOG-01",
    "Développer un service d'insertion organisé en interne visant à la fois l'insertion sociale, "
    "socioprofessionnelle et professionnelle et ce, dans le cadre d'un accompagnement collectif et individuel":
        "CPAS-ISP-01",
}
# Sheet « Financement » of some workbooks (illustrative amounts): Réf., exercice, service, R/D, article,
# montant estimé, fonds propres, emprunt, subsides, source des subsides.
BUDGET = {
    "Travaux.xlsx": [
        ("TRV-01", 2021, "Extraordinaire", "Dépense", "421/731-60", 850000, 170000, None, 680000, "Wallonie"),
        ("TRV-01", 2022, "Extraordinaire", "Dépense", "421/731-60", 400000, 80000, None, 320000, "Wallonie"),
        ("TRV-02", 2020, "Extraordinaire", "Dépense", "421/731-60", 600000, 150000, 300000, 150000, "Wallonie"),
        ("TRV-02", 2023, "Extraordinaire", "Dépense", "421/731-60", 450000, 112500, 225000, 112500, "Wallonie"),
        ("TRV-03", 2021, "Extraordinaire", "Dépense", "330/741-52", 75000, 75000, None, None, None),
        ("TRV-04", 2023, "Extraordinaire", "Dépense", "764/722-60", 1200000, 240000, 360000, 600000, "Wallonie"),
        ("TRV-04", 2023, "Extraordinaire", "Recette", "764/665-52", 600000, None, None, None, None),
    ],
    "Environnement.xlsx": [
        ("ENV-01", 2020, "Ordinaire", "Dépense", "879/331-01", 10000, 10000, None, None, None),
        ("ENV-01", 2021, "Ordinaire", "Dépense", "879/331-01", "12 000,00 €", 12000, None, None, None),
        ("ENV-01", 2022, "Ordinaire", "Dépense", "879/331-01", 15000, 15000, None, None, None),
    ],
    "Informatique et Communication.xlsx": [
        ("INF-01", 2021, "Extraordinaire", "Dépense", "104/742-53", 15000, None, None, 15000, "Europe"),
    ],
    "Emploi (ADL).xlsx": [
        ("ADL-01", 2020, "Ordinaire", "Dépense", "520/123-48", 6500, 6500, None, None, None),
        ("ADL-01", 2021, "Ordinaire", "Dépense", "520/123-48", 7000, 4000, None, 3000, "Province"),
    ],
    "Logement et Affaires sociales.xlsx": [
        ("LOG-01", 2021, "Ordinaire", "Dépense", "922/111-01", 35000, 35000, None, None, None),
    ],
    "Logement.xlsx": [
        ("CPAS-LOG-01", 2021, "Extraordinaire", "Dépense", "922/723-60", 180000, 36000, None, 144000, "Wallonie"),
    ],
    "Insertion socioprofessionnelle.xlsx": [
        ("CPAS-ISP-01", 2020, "Ordinaire", "Dépense", "84011/111-01", 45000, 15000, None, 30000, "Wallonie"),
        ("CPAS-ISP-01", 2021, "Ordinaire", "Dépense", "84011/111-01", 46000, 16000, None, 30000,
         "Fédération Wallonie-Bruxelles"),
    ],
}
# Indicateurs de réalisation with their target and reached values (contract 1.2; illustrative), by libellé.
INDICATORS = {
    "Octroyer une prime à l'achat de vélos électriques": ("Nombre de primes octroyées par an", "100", "64"),
    "Développer et promouvoir le Salon de l'emploi": ("Nombre d'exposants\nNombre de visiteurs", "60\n1 000",
                                                     "48\n850"),
    "Enterrer progressivement les bulles à verres": ("Bulles à verres enterrées", "12", "5"),
    "Mettre en place des carrés potagers et/ou parterres fleuris dans les rues et quartiers":
        ("Carrés potagers et parterres installés", "10", "6"),
    "Doter la commune de fibre optique": ("Quartiers raccordés à la fibre", "tous les quartiers", ""),
    "Augmenter l'offre des logements d'urgence": ("Logements d'urgence disponibles", "6", "4"),
    "Mettre en place un système de désherbage respectueux de l'environnement":
        ("Superficie désherbée sans pesticide (m²)", "15 000", "15 000"),
}
# ETP given to some actions (contract 1.2; illustrative), by libellé.
FTE = {
    "Créer un service logement commun avec le CPAS": 0.5,
    "Créer un service logement commun avec la Commune": 0.5,
    "Développer et promouvoir le Salon de l'emploi": 0.3,
    "Développer un service d'insertion organisé en interne visant à la fois l'insertion sociale, "
    "socioprofessionnelle et professionnelle et ce, dans le cadre d'un accompagnement collectif et individuel": 2,
    "Octroyer une prime à l'achat de vélos électriques": 0.2,
    "Développer le RAVel reliant Flémalle à Amay": 0.25,
    "Doter la commune de fibre optique": 0.1,
}
# The people behind the roles typed in « Mandataire responsable » and « Responsable administratif » (contract 1.2,
# `Listes`): fictitious names, telephone numbers and addresses, for the e-Comptes export.
SURNAMES = ("Lambert", "Dubois", "Renard", "Lejeune", "Collard", "Henrard", "Jacquet", "Gilson", "Piron", "Hubert",
            "Lemaire", "Mathieu", "Laurent", "Simon", "Leroy", "Martin")
FIRST_NAMES = {"Madame": ("Anne", "Sophie", "Catherine", "Isabelle", "Nathalie", "Martine", "Valérie", "Christine"),
               "Monsieur": ("Michel", "Philippe", "Pierre", "Marc", "Olivier", "Jean", "Luc", "Thierry")}
FEMININE = ("Échevine", "Présidente", "Directrice", "Assistante", "Conseillère")
# Target and reached values of the OO's indicateurs de résultat (contract 1.2; illustrative), by (volet, N° OO).
OO_VALUES = {
    "engis-commune": {("Externe", "1.3"): ("moins de 20 par an", "24 en 2021"),
                      ("Externe", "2.1"): ("50 par an", "38 en 2021"),
                      ("Externe", "4.5"): ("1 500", "1 320")},
    "engis-cpas": {("Externe", "1.2"): ("40 par an", "31 en 2021"),
                   ("Externe", "1.3"): ("10 par an", "7 en 2021")},
}
BUDGET_HEADERS = ["Réf.", "Exercice", "Service", "R/D", "Article budgétaire", "Montant estimé", "Fonds propres",
                  "Emprunt", "Subsides", "Source des subsides"]

# Column order varies between services, as in real life; headers are the contract's. The sample's rows name their
# columns shortly; SHORT gives the contract's key where it differs.
SHORT = {"oo": "oo_code", "representative": "representative_responsible", "administrative": "administrative_responsible",
         "service": "managing_service", "synergy": "synergy_with"}
ORDER_A = ["volet", "oo", "title", "status", "health", "progress", "start", "end", "updated", "representative",
           "administrative", "service", "partners", "plans", "synergy", "synergy_code", "planning", "output_indicator",
           "output_target", "output_reached", "comment", "reference", "sdgs", "fte"]
HEADERS = {short: c.ACTIONS_SHEET.column(SHORT.get(short, short)).header for short in ORDER_A}
ORDER_B = ["reference", "oo", "volet", "title", "service", "representative", "administrative", "status", "progress",
           "health", "start", "end", "updated", "partners", "plans", "sdgs", "synergy", "synergy_code", "planning",
           "output_indicator", "output_target", "output_reached", "comment", "fte"]
UPDATED = dt.date(2021, 6, 30)


def parse_day(text: str) -> dt.date | str:
    """Some services type real dates, others text: both are kept as typed here."""
    parts = text.split("/")
    if len(parts) == 3:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    return text


def write_sheet(sheet, rows: list[list], title_row: str | None = None) -> None:
    offset = 0
    if title_row:
        sheet.cell(row=1, column=1, value=title_row).font = Font(bold=True, size=13)
        offset = 2
    for r, values in enumerate(rows, start=1 + offset):
        for col, value in enumerate(values, start=1):
            sheet.cell(row=r, column=col, value=value if value != "" else None)
    for col in range(1, len(rows[0]) + 1):
        sheet.cell(row=1 + offset, column=col).font = Font(bold=True)


def sample_lists(services: dict) -> dict[str, list[str]]:
    """The `Listes` sheet (contract 1.1) of a sample cadre: services, mandataires, plans and partner institutions
    as the sample's own workbooks use them (ODD left to the defaults)."""
    values: dict[str, list[str]] = {"Services": [file.removesuffix(".xlsx") for file in services],
                                    "Mandataires": [], "Plans": [], "Institutions partenaires": []}
    people: list[str] = []
    for spec in services.values():
        for _volet, _oo, _title, extra in spec["actions"]:
            fields = {**spec.get("common", {}), **extra}
            for header, key in (("Mandataires", "representative"), ("Plans", "plans"),
                                ("Institutions partenaires", "synergy")):
                for value in fields.get(key, "").split(";"):
                    if value.strip() and value.strip() not in values[header]:
                        values[header].append(value.strip())
            for key in ("representative", "administrative"):
                if fields.get(key) and fields[key] not in people:
                    people.append(fields[key])
    columns = {"Personne": [], "Civilité": [], "Nom": [], "Prénom": [], "Téléphone": [], "E-mail": []}
    for index, role in enumerate(people):
        civility = "Madame" if role.split()[0] in FEMININE else "Monsieur"
        surname = SURNAMES[index % len(SURNAMES)]
        first = FIRST_NAMES[civility][index % len(FIRST_NAMES[civility])]
        for header, value in zip(columns, (role, civility, surname, first, f"04 123 45 {10 + index:02d}",
                                           f"{c.fold(first)}.{c.fold(surname)}@exemple.be")):
            columns[header].append(value)
    return {**values, **columns}


def write_lists(sheet, lists: dict[str, list[str]]) -> None:
    depth = max(len(v) for v in lists.values())
    rows = [list(lists)] + [[column[i] if i < len(column) else "" for column in lists.values()] for i in range(depth)]
    write_sheet(sheet, rows)
    for col in range(1, len(lists) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = 36


def write_cadre(folder: Path, parameters, strategic, operational, services: dict) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Paramètres"
    write_sheet(sheet, [["Paramètre", "Valeur"], *[list(p) for p in parameters]])
    write_sheet(book.create_sheet("Objectifs stratégiques"),
                [["Volet", "N° OS", "Intitulé", "Constats", "Ambitions"], *[list(o) for o in strategic]])
    values = OO_VALUES.get(folder.name, {})
    write_sheet(book.create_sheet("Objectifs opérationnels"),
                [["Volet", "N° OO", "Intitulé", "Indicateurs de résultat", "Valeur cible", "Valeur atteinte"],
                 *[[*o, *values.get((o[0], o[1]), ("", ""))] for o in operational]])
    write_lists(book.create_sheet("Listes"), sample_lists(services))
    book.save(folder / "cadre.xlsx")


def write_services(folder: Path, services: dict, real_dates: bool) -> None:
    (folder / "services").mkdir(parents=True, exist_ok=True)
    for index, (file, spec) in enumerate(services.items()):
        order = ORDER_A if index % 2 == 0 else ORDER_B
        service_name = file.removesuffix(".xlsx")
        rows = [[HEADERS[key] for key in order]]
        for volet, oo, title, extra in spec["actions"]:
            values = {**spec.get("common", {}), **extra, "volet": volet, "oo": oo, "title": title,
                      "service": service_name, "updated": UPDATED, "sdgs": SDGS.get(title, ""),
                      "reference": REFERENCES.get(title, "")}
            if title in FTE:
                values["fte"] = FTE[title]
            if title in INDICATORS:
                values["output_indicator"], values["output_target"], values["output_reached"] = INDICATORS[title]
            if real_dates and index % 2 == 0:
                values["start"] = parse_day(values.get("start", ""))
                values["end"] = parse_day(values.get("end", ""))
            rows.append([values.get(key, "") for key in order])
        book = Workbook()
        book.active.title = "Actions"
        write_sheet(book.active, rows, spec.get("title_row"))
        if file in BUDGET:
            write_sheet(book.create_sheet("Financement"), [BUDGET_HEADERS, *[list(line) for line in BUDGET[file]]])
        book.save(folder / "services" / file)


def main() -> int:
    """The two separate PSTs in data/; the same two institutions writing one joint PST (« PST conjoint avec » in
    both frames, contract 1.3) in exemple-conjoint/."""
    for root, joint in ((DATA, False), (JOINT, True)):
        for folder, parameters, partner, strategic, operational, services in (
            (root / "engis-commune", COMMUNE_PARAMETERS, "CPAS", COMMUNE_OS, COMMUNE_OO, COMMUNE_SERVICES),
            (root / "engis-cpas", CPAS_PARAMETERS, "COMMUNE", CPAS_OS, CPAS_OO, CPAS_SERVICES),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            if joint:
                parameters = [*parameters, ("PST conjoint avec", partner)]
            write_cadre(folder, parameters, strategic, operational, services)
            write_services(folder, services, real_dates=True)
        print(f"Données d'exemple écrites dans {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
