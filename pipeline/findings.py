"""Findings: every problem met in the workbooks, as a record that points back to the cell.

A finding has a stable code, a severity and its position (file, sheet, Excel row, column letter and header).
Its French wording comes from one catalogue keyed by code, so the messages a service reads are written once and
tests can assert either the compact position or the exact text.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass, field

from .french import agree, join, shorten

ERROR = "erreur"
WARNING = "avertissement"
NOTE = "note"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}

# code -> (severity, message, suggestion). Placeholders are filled by `finding(..., **params)`; rule code passes
# values, never French words. Besides str.format's own, the placeholders know these forms (MessageFormatter):
#   {count:action|actions}   the word agreeing with a number (French: singular for 0 and 1)
#   {near:? Voulez-vous dire « @ » ?}   the text when the value is not empty, @ standing for it (a list: « a, b »)
#   {near:!Ajoutez la colonne.}         the text when the value is empty
#   {what:=action:d’action|os:d’objectif stratégique}   the text chosen by the value
#   {codes:et}  a list as « a, b et c »        {sheets:quoted}  a list as « « a », « b » »
# and two fields that need no value, the commands and options as the user types them (pipeline/invocation.py,
# resolved when the finding is made: make syntax under make, the `pst` command's otherwise):
#   {run:templates prerempli}   « make templates PREREMPLI=1 » / « pst modeles --prerempli »: the make target,
#                               then options (a flag by its name, else name=value: {run:adopter seance=AAAA-MM-JJ})
#   {option:date}               « DATE= » / « --date » (to name the option in a sentence)
#   {option:date=AAAA-MM-JJ}    « DATE=AAAA-MM-JJ » / « --date AAAA-MM-JJ »
CATALOGUE: dict[str, tuple[str, str, str]] = {
    # Files and sheets
    "fichier-illisible": (
        ERROR,
        "Le fichier ne peut pas être lu comme un classeur Excel ({reason:=damaged:fichier endommagé ou tronqué|"
        "unknown:format inconnu|unrecognised:fichier endommagé ou format non reconnu|sheet:feuille illisible : une "
        "cellule contient une valeur que le lecteur ne sait pas convertir, par exemple un très grand nombre au "
        "format date}).",
        "Ouvrez-le dans Excel ou LibreOffice Calc et enregistrez-le au format .xlsx.",
    ),
    "fichier-vide": (
        ERROR,
        "Le fichier est vide (0 octet).",
        "Demandez au service de renvoyer son classeur complété.",
    ),
    "fichier-protege": (
        ERROR,
        "Le classeur est protégé par un mot de passe : il ne peut pas être lu.",
        "Ouvrez-le avec le mot de passe, retirez la protection (Fichier › Informations › Protéger le classeur) et "
        "enregistrez-le.",
    ),
    "fichier-renomme": (
        ERROR,
        "Le fichier porte l’extension {suffix:?@}{suffix:!(aucune)} mais contient {actual:=xls:un classeur Excel 97-2003 (.xls)|"
        "zip:un classeur au format .xlsx ou .ods}.",
        "Ouvrez-le dans Excel ou LibreOffice Calc et enregistrez-le au format Classeur Excel (.xlsx).",
    ),
    "fichier-texte": (
        ERROR,
        "Ce fichier est un texte (un CSV ?) dont l’extension a été changée en {suffix:?@}{suffix:!(aucune)} : ce n’est pas un classeur.",
        "Ouvrez-le dans Excel ou LibreOffice Calc et enregistrez-le au format Classeur Excel (.xlsx).",
    ),
    "fichier-dangereux": (
        ERROR,
        "Le fichier est refusé par sécurité ({reason:=bomb:contenu compressé démesuré|dtd:déclaration DTD "
        "interdite}) : un classeur ordinaire n’a pas ce contenu.",
        "Demandez au service de recopier ses données dans un modèle vierge.",
    ),
    "nom-illisible": (
        ERROR,
        "Le nom de ce fichier contient des caractères illisibles (encodage d’un autre système) : il n’est pas lu.",
        "Renommez le fichier (par exemple du nom du service), puis relancez.",
    ),
    "fichier-ignore": (
        NOTE,
        "Ce fichier n’est pas un classeur ({suffix:?@}{suffix:!sans extension}) : il est ignoré.",
        "Seuls les fichiers .xlsx, .xlsm, .xls, .xlsb et .ods du dossier sont lus.",
    ),
    "classeur-ouvert": (
        NOTE,
        "Ce classeur semble ouvert dans Excel ou LibreOffice ({lock}) : ce qui n’y est pas encore enregistré n’est "
        "pas lu.",
        "Enregistrez-le et fermez-le, puis relancez.",
    ),
    "classeur-mis-de-cote": (
        NOTE,
        "Ce classeur commence par « _ » : il est mis de côté et n’est pas lu.",
        "Retirez le « _ » du nom pour qu’il soit lu.",
    ),
    "dossier-ignore": (
        WARNING,
        "Ce sous-dossier de services/ n’est pas lu : les classeurs qu’il contient ne sont pas repris.",
        "Déplacez dans services/ les classeurs à reprendre ; archivez les autres ailleurs.",
    ),
    "classeur-en-double": (
        ERROR,
        "Deux classeurs pour le même service : {file} et {other}. Ce fichier-ci n’est pas lu (ses actions "
        "seraient en double).",
        "Gardez un seul classeur par service (le plus récent) et retirez l’autre du dossier services/.",
    ),
    "classeur-copie": (
        ERROR,
        "Ce classeur reprend exactement les actions du classeur {other} ({count:ligne|lignes} {rows}) : c’est une "
        "copie, il n’est pas lu (ses actions seraient en double).",
        "Retirez la copie du dossier services/ ; si elle devait contenir les actions d’un autre service, demandez "
        "à ce service de la compléter.",
    ),
    "classeur-autre-version": (
        ERROR,
        "Ce classeur porte les mêmes références (« Réf. ») que le classeur {other} ({count:ligne|lignes} {rows}) : "
        "ce sont deux versions du même classeur. Seul {other} est lu.",
        "Gardez la bonne version (la plus récente) sous le nom du service et retirez l’autre du dossier services/.",
    ),
    "feuille-non-lue": (
        WARNING,
        "La feuille « {sheet} » ressemble à une feuille d’actions ({count} {count:ligne|lignes}) mais n’est pas lue : "
        "seule la "
        "feuille « Actions » l’est.",
        "Recopiez ces lignes dans la feuille « Actions », ou supprimez la feuille si elle ne sert plus.",
    ),
    "cellule-hors-tableau": (
        WARNING,
        "Cette cellule, dans une colonne sans en-tête, n’est pas lue : « {value} ».",
        "Si elle doit figurer dans le PST, recopiez-la dans une colonne du modèle (par exemple « Commentaire »).",
    ),
    "cellules-hors-tableau": (
        WARNING,
        "D’autres cellules de colonnes sans en-tête ne sont pas lues (seules les 20 premières sont citées).",
        "Recopiez ce qui doit figurer dans le PST dans les colonnes du modèle.",
    ),
    "classeur-adopte-absent": (
        ERROR,
        "Le classeur de ce service est absent du dossier services/ : il portait {count} {count:action|actions} de "
        "la version {number} du PST, adoptée le {seance}.",
        "Remettez le classeur dans services/. Pour retirer des actions, supprimez leurs lignes du classeur (le "
        "retrait est alors visible dans les modifications), ne retirez pas le fichier.",
    ),
    "service-sans-classeur": (
        WARNING,
        "Le service « {value} » de la feuille « Listes » du cadre n’a pas encore renvoyé de classeur : ses actions "
        "ne figurent pas dans ce document.",
        "Déposez son classeur dans le dossier services/ (« {run:templates} » l’a préparé), ou retirez le service "
        "de la liste s’il n’a pas d’action.",
    ),
    "services-absents": (
        WARNING,
        "Aucun classeur de service n’a été trouvé : le PST ne contiendra aucune action.",
        "Déposez les classeurs des services dans le sous-dossier services/ de l’entité.",
    ),
    "feuille-absente": (
        ERROR,
        "La feuille « {expected} » est introuvable. Feuilles présentes : {available:quoted}{available:!aucune}.",
        "Renommez la feuille qui contient les données en « {expected} ».",
    ),
    "feuille-remplacee": (
        WARNING,
        "Pas de feuille « {expected} » : la feuille « {used} », seule du classeur, a été lue à sa place.",
        "Renommez la feuille en « {expected} ».",
    ),
    "feuille-demesuree": (
        ERROR,
        "La feuille s’étend jusqu’{count:à la cellule|aux cellules} {cells:et}, très loin du tableau (un rectangle "
        "de {area} cellules) : elle n’est pas lue.",
        "Ouvrez la feuille, allez à {cells:et} (Ctrl+Fin mène à la dernière cellule), supprimez son contenu, "
        "enregistrez et relancez.",
    ),
    "entetes-absents": (
        ERROR,
        "Aucune ligne d’en-têtes reconnue dans les {scan} premières lignes (il faut au moins {required:quoted}).",
        "Vérifiez que la première ligne du tableau porte les noms de colonnes du modèle.",
    ),
    "colonne-obligatoire-absente": (
        ERROR,
        "La colonne obligatoire « {header} » est absente de la ligne d’en-têtes.",
        "{near:?La colonne « @ » porte-t-elle ce nom mal orthographié ?}{near:!Ajoutez une colonne « {header} » "
        "dans la ligne d’en-têtes.}",
    ),
    "colonne-inconnue": (
        NOTE,
        "{count:Colonne hors modèle ignorée|Colonnes hors modèle ignorées} : {columns}.",
        "{count:Cette colonne n’est pas reprise.|Ces colonnes ne sont pas reprises.}",
    ),
    "colonne-mal-orthographiee": (
        WARNING,
        "L’en-tête « {value} » n’est pas reconnu : cette colonne n’est pas lue. Il ressemble à « {near} ».",
        "Corrigez l’en-tête en « {near} » pour que la colonne soit reprise.",
    ),
    "colonne-en-double": (
        WARNING,
        "La colonne « {header} » apparaît deux fois (colonnes {first} et {second}) : seule la colonne {first} est lue.",
        "Supprimez ou renommez la colonne {second}.",
    ),
    "ligne-hors-colonnes": (
        WARNING,
        "Cette ligne n’a de contenu que dans des colonnes hors modèle ({columns}) : elle n’est pas reprise.",
        "Recopiez son contenu dans les colonnes du modèle ou supprimez la ligne.",
    ),
    "lignes-masquees": (
        NOTE,
        "{count:Ligne masquée, lue|Lignes masquées, lues} comme les autres : {rows}.",
        "",
    ),
    "colonnes-masquees": (
        NOTE,
        "{count:Colonne masquée, lue|Colonnes masquées, lues} comme les autres : {columns}.",
        "",
    ),
    "cellules-fusionnees": (
        NOTE,
        "Cellules fusionnées ({ranges}) : leur valeur est reprise sur chacune des lignes fusionnées.",
        "",
    ),
    "formule-sans-valeur": (
        ERROR,
        "La cellule contient une formule dont le résultat n’a jamais été calculé (fichier produit par un programme) :"
        " sa valeur est inconnue.",
        "Ouvrez le fichier dans Excel ou LibreOffice Calc, puis enregistrez-le : le résultat sera calculé et "
        "enregistré.",
    ),
    "cellule-en-erreur": (
        ERROR,
        "La cellule affiche l’erreur Excel {value} : sa valeur est inconnue.",
        "Corrigez la formule de la cellule, ou remplacez-la par la valeur voulue.",
    ),
    # Values
    "valeur-obligatoire-absente": (
        ERROR,
        "La colonne « {header} » est vide ; elle est obligatoire.",
        "Complétez la cellule.",
    ),
    "volet-inconnu": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un volet.",
        "Écrivez Externe ou Interne.",
    ),
    "valeur-hors-liste": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas une valeur admise.",
        "Valeurs admises : {allowed}.",
    ),
    "valeur-non-standard": (
        WARNING,
        "La colonne « {header} » contient « {value} », qui n’est pas une valeur de la liste : elle est reprise "
        "telle quelle.",
        "Valeurs prévues : {allowed}.",
    ),
    "os-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un numéro d’objectif stratégique.",
        "Écrivez un nombre entier, par exemple 2.",
    ),
    "oo-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un numéro d’objectif opérationnel.",
        "Écrivez le numéro de l’objectif stratégique, un point et le rang, par exemple 2.4.",
    ),
    "oo-format-corrige": (
        WARNING,
        "La colonne « {header} » contient « {value} », lu comme l’objectif opérationnel {code}.",
        "Écrivez simplement {code}.",
    ),
    "oo-date-excel": (
        WARNING,
        "La colonne « {header} » contient une date ({date}) : Excel a transformé {code} en date ; lu comme {code}.",
        "Formatez la colonne « {header} » en Texte, puis retapez {code}.",
    ),
    "oo-zero-perdu": (
        WARNING,
        "La colonne « {header} » contient le nombre {value} : Excel a effacé le zéro final de {code} ; lu comme "
        "{code}.",
        "Formatez la colonne « {header} » en Texte, puis retapez {code}.",
    ),
    "oo-ambigu": (
        ERROR,
        "La colonne « {header} » contient le nombre {value} : Excel efface les zéros finaux, et le cadre contient "
        "{candidates:et}. Impossible de savoir lequel est voulu.",
        "Formatez la cellule en Texte, puis retapez le numéro voulu.",
    ),
    "numero-action-corrige": (
        WARNING,
        "La colonne « {header} » contient « {value} », lu comme le numéro {number}.",
        "Écrivez simplement {number}.",
    ),
    "numero-action-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un numéro d’action.",
        "Écrivez un nombre entier (par exemple 12), ou laissez vide pour une numérotation automatique.",
    ),
    "nombre-trop-grand": (
        ERROR,
        "La colonne « {header} » contient « {value} » : {what:=action:un numéro d’action|os:un numéro d’objectif "
        "stratégique|oo-os:le numéro d’objectif stratégique (avant le point)|oo-rank:le rang d’un objectif "
        "opérationnel (après le point)|amount:un montant|decimal:un nombre d’ETP} ne dépasse pas {maximum} dans un PST.",
        "Vérifiez la cellule : un autre nombre (un numéro de téléphone, un montant…) y a-t-il été collé ?",
    ),
    "texte-trop-long": (
        WARNING,
        "La colonne « {header} » contient un texte de {length} caractères, plus qu’une cellule Excel n’en admet "
        "({maximum}) : il est coupé (« … »).",
        "Raccourcissez ce texte dans le classeur (le fichier a sans doute été produit par un autre programme).",
    ),
    "taux-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un pourcentage.",
        "Écrivez un nombre entre 0 et 100, par exemple 50.",
    ),
    "taux-hors-limites": (
        ERROR,
        "La colonne « {header} » contient « {value} » : un taux d’avancement est compris entre 0 et 100 %.",
        "Écrivez un nombre entre 0 et 100.",
    ),
    "date-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas une date.",
        "Écrivez une date (31/12/2024), un mois (12/2024) ou une année (2024).",
    ),
    "valeur-atteinte-sans-cible": (
        WARNING,
        "Une valeur atteinte ({value}) est donnée sans valeur cible{indicator:? pour l’indicateur « @ »} "
        "(ligne {line} de la cellule).",
        "Indiquez la valeur cible dans la colonne « Valeur cible », sur la même ligne que l’indicateur "
        "(Alt+Entrée pour aller à la ligne).",
    ),
    "valeur-sans-indicateur": (
        WARNING,
        "La valeur « {value} » (ligne {line} de la cellule) ne correspond à aucun indicateur de la colonne "
        "« {indicator_header} ».",
        "Écrivez l’indicateur sur la même ligne de la colonne « {indicator_header} » : les valeurs sont lues "
        "ligne par ligne, en face de leur indicateur.",
    ),
    "dates-inversees": (
        WARNING,
        "La date de début ({start}) est postérieure à la date de fin ({end}).",
        "Vérifiez les colonnes « Début » et « Fin ».",
    ),
    "caracteres-retires": (
        WARNING,
        "La colonne « {header} » contenait des caractères de contrôle invisibles, retirés du texte.",
        "Rien à faire ; ils proviennent souvent d’un copier-coller.",
    ),
    "montant-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un montant.",
        "Écrivez un montant en euros, par exemple 12500 ou 12 500,00.",
    ),
    "exercice-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas une année d’exercice.",
        "Écrivez l’année de l’exercice budgétaire, par exemple 2025.",
    ),
    "odd-inconnu": (
        WARNING,
        "La colonne « {header} » contient « {value} », qui ne désigne aucun des 17 objectifs de développement "
        "durable : cette mention n’est pas reprise dans l’annexe ODD.",
        "Écrivez le numéro de l’ODD (de 1 à 17), par exemple « ODD 11 ».",
    ),
    # Budget lines (sheet « Financement »)
    "financement-ref-inconnue": (
        ERROR,
        "La ligne budgétaire porte la référence « {value} », qu’aucune action de l’entité ne porte.",
        "Indiquez la « Réf. » de l’action financée, telle qu’elle figure dans la feuille « Actions »"
        "{known:? (références de ce classeur : @)}.",
    ),
    "financement-total": (
        WARNING,
        "Fonds propres + emprunt + subsides = {parts}, mais le montant estimé est {amount}.",
        "Vérifiez la répartition du financement.",
    ),
    "montant-negatif": (
        WARNING,
        "La colonne « {header} » contient un montant négatif ({value}).",
        "Une recette s’indique en positif avec « Recette » dans la colonne « R/D » : vérifiez le signe.",
    ),
    "article-budgetaire": (
        WARNING,
        "L’article budgétaire « {value} » n’a pas la forme habituelle (fonction/économique-…, par exemple "
        "104/123-48).",
        "Vérifiez l’article dans le budget.",
    ),
    "exercice-hors-legislature": (
        WARNING,
        "L’exercice {value} est en dehors de la législature {legislature}.",
        "Vérifiez l’année de l’exercice.",
    ),
    # Parameters
    "parametre-absent": (
        ERROR,
        "Le paramètre « {label} » est absent ou vide (exemple : {example}).",
        "Ajoutez une ligne « {label} » dans la feuille « Paramètres » avec sa valeur.",
    ),
    "parametre-invalide": (
        WARNING,
        "Le paramètre « {label} » vaut « {value} », qui n’est pas une valeur admise : « {default} » est utilisé.",
        "Valeurs admises : {allowed:quoted}.",
    ),
    "champs-non-publies-inconnus": (
        WARNING,
        "Le paramètre « {label} » nomme {names:quoted}, qui {count:n’est|ne sont} pas {count:une colonne|des "
        "colonnes} des actions qu’il est possible de ne pas publier : {count:ce nom est ignoré|ces noms sont "
        "ignorés}{kept:? ; les autres champs nommés ne sont pas publiés}.",
        "Nommez les colonnes par leur en-tête, séparées par « ; » : {allowed:quoted}. Le numéro, le libellé et les "
        "objectifs d’une action sont toujours publiés ; son commentaire et les coordonnées des personnes ne le sont "
        "jamais.",
    ),
    "parametre-trop-long": (
        WARNING,
        "Le paramètre « {label} » compte {length} caractères : il figure tel quel sur la couverture, mais il est "
        "abrégé (« … ») dans le titre des documents (Fichier › Informations), limité à {maximum} caractères.",
        "Vérifiez la cellule : un nom d’entité tient d’ordinaire en quelques mots (Ville de Soignies).",
    ),
    "type-inconnu": (
        ERROR,
        "Le type d’entité « {value} » n’est pas reconnu.",
        "Écrivez Commune, Ville ou CPAS.",
    ),
    "code-invalide": (
        ERROR,
        "Le code « {value} » ne convient pas : il sert dans les renvois « Synergie avec » et les noms de fichiers.",
        "Écrivez un code court en lettres et chiffres, sans espace (exemple : VILLE, CPAS).",
    ),
    "legislature-invalide": (
        ERROR,
        "La législature « {value} » n’est pas de la forme 2019-2024.",
        "Écrivez l’année de début, un tiret et l’année de fin, par exemple 2025-2030.",
    ),
    # Structure of the frame and of the actions
    "os-en-double": (
        ERROR,
        "L’objectif stratégique {number} du volet {volet} est déclaré deux fois (aussi ligne {other_row}).",
        "Gardez une seule ligne par objectif stratégique, ou changez le numéro de l’une d’elles.",
    ),
    "oo-en-double": (
        ERROR,
        "L’objectif opérationnel {code} du volet {volet} est déclaré deux fois (aussi ligne {other_row}).",
        "Gardez une seule ligne par objectif opérationnel, ou changez le numéro de l’une d’elles.",
    ),
    "os-absent": (
        ERROR,
        "L’objectif opérationnel {code} dépend de l’objectif stratégique {os} du volet {volet}, qui n’existe pas "
        "dans la feuille « Objectifs stratégiques ».",
        "Ajoutez l’objectif stratégique {os} ou corrigez le numéro de l’objectif opérationnel.",
    ),
    "oo-inconnu": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’existe pas dans le cadre. Objectifs opérationnels "
        "existants pour le volet {volet} : {existing}{existing:!aucun}.",
        "Choisissez un objectif opérationnel du cadre, ou demandez au coordinateur de l’ajouter.",
    ),
    "parent-rejete": (
        WARNING,
        "Cette ligne dépend de {parent}, qui n’entre pas dans le PST à cause d’une erreur : elle est écartée aussi.",
        "Corrigez d’abord l’erreur signalée sur {parent}.",
    ),
    "oo-autre-volet": (
        ERROR,
        "L’action est placée dans le volet {volet}, mais l’objectif opérationnel {code} n’existe que dans le volet "
        "{other_volet} ({place}).",
        "Corrigez la colonne « Volet » ou le numéro de l’objectif opérationnel.",
    ),
    "synergie-inconnue": (
        WARNING,
        "« Synergie avec » contient « {value} », qui n’est pas une institution connue (connues : {known}).",
        "Utilisez le code d’une institution connue, ou ajoutez celle-ci à la liste du coordinateur.",
    ),
    "ligne-non-reprise": (
        ERROR,
        "Cette ligne n’a pas pu être reprise dans le document, sans raison identifiée (erreur interne de l’outil).",
        "Signalez-le à l’équipe qui maintient PST builder, avec ce classeur.",
    ),
    "numero-action-en-double": (
        ERROR,
        "Le numéro d’action {number} est déjà utilisé dans le volet {volet} ({other}).",
        "Chaque action a un numéro unique dans son volet : corrigez l’un des deux, ou laissez la colonne vide "
        "pour une numérotation automatique.",
    ),
    "numerotation-lacunaire": (
        WARNING,
        "Numérotation avec des trous dans le volet {volet} : pas {what:=action:d’action|os:d’objectif stratégique|"
        "oo:d’objectif opérationnel} {missing} (numéros présents : {present}).",
        "Rien n’est renuméroté : vérifiez qu’aucun élément n’a été oublié.",
    ),
    "numeros-completes": (
        NOTE,
        "{count} {count:action|actions} du volet {volet} sans « N° action » {count:a|ont} reçu un numéro à la suite "
        "des numéros donnés : {assigned}{more:? et @ autres}.",
        "Donnez un numéro à chaque action, ou à aucune, pour une numérotation maîtrisée.",
    ),
    "numeros-ignores": (
        NOTE,
        "Numérotation hiérarchique : {count:le « N° action » d’une action n’est pas repris|les « N° action » de "
        "{count} actions ne sont pas repris} (le numéro est calculé : OS, OO, rang).",
        "",
    ),
    "oo-sans-action": (
        WARNING,
        "L’objectif opérationnel {code} du volet {volet} n’a aucune action.",
        "Vérifiez qu’aucun service n’a oublié d’y rattacher ses actions.",
    ),
    "ligne-en-double": (
        ERROR,
        "Cette ligne répète exactement la ligne {other_row}, cellule pour cellule : elle n’est pas reprise, pour que "
        "l’action ne figure qu’une fois.",
        "Supprimez cette ligne (collée deux fois ?).",
    ),
    "libelle-en-double": (
        WARNING,
        "Le libellé « {value} » apparaît deux fois (aussi {other_volet:?volet @, }{other}).",
        "S’il s’agit de la même action, supprimez l’une des lignes ; sinon, précisez les libellés.",
    ),
    "synergie-soi-meme": (
        WARNING,
        "« Synergie avec » contient « {value} », le code de l’entité elle-même : ignoré.",
        "Indiquez le code de l’autre institution (par exemple CPAS).",
    ),
    "code-synergie-orphelin": (
        WARNING,
        "Le code synergie « {value} » {side_of} n’a pas de correspondant chez {other_the}.",
        "Donnez le même « Code synergie » à l’action correspondante {other_of}.",
    ),
    "code-synergie-sans-synergie-avec": (
        WARNING,
        "Cette action porte le code synergie « {value} », comme une action {side_of}, mais sa colonne « Synergie "
        "avec » ne nomme pas « {code} » : les deux actions ne sont pas rapprochées.",
        "Écrivez « {code} » dans « Synergie avec » sur cette ligne.",
    ),
    "code-synergie-partenaire-rejete": (
        WARNING,
        "Le code synergie « {value} » {side_of} n’a pas de correspondant dans le document {other_of} : "
        "l’action qui le porte ({place}) y est écartée pour une erreur.",
        "Corrigez l’erreur signalée sur cette ligne {other_of} : les deux actions seront rapprochées.",
    ),
    "code-synergie-classeur-non-lu": (
        WARNING,
        "Le code synergie « {value} » {side_of} n’a pas de correspondant chez {other_the}, dont "
        "{files:quoted} n’a pas pu être lu : l’action correspondante y est peut-être.",
        "Corrigez d’abord l’erreur qui empêche de lire ce classeur {other_of}.",
    ),
    # A joint PST (« PST conjoint avec », contract 1.3): both frames must name each other
    "pst-conjoint-soi-meme": (
        ERROR,
        "« PST conjoint avec » contient « {value} », le code de l’institution elle-même.",
        "Indiquez le « Code » de l’institution partenaire (celui de son propre cadre.xlsx), ou videz la cellule "
        "pour un PST séparé.",
    ),
    "pst-conjoint-partenaire-absent": (
        ERROR,
        "Ce cadre annonce un PST conjoint avec « {value} », mais aucun cadre des données ne porte ce code "
        "(codes des cadres lus : {known}).",
        "Placez le dossier de l’institution partenaire (son cadre.xlsx et ses classeurs) à côté de celui-ci, "
        "corrigez le code (celui du « Code » de son cadre), ou videz la cellule pour un PST séparé.",
    ),
    "pst-conjoint-partenaire-illisible": (
        WARNING,
        "Ce cadre annonce un PST conjoint avec « {value} », qu’aucun cadre lu ne porte ; {unread:quoted} "
        "{count:a des erreurs qui empêchent de le prendre|ont des erreurs qui empêchent de les prendre} en compte : "
        "le PST conjoint n’est ni écrit ni mis à jour.",
        "Corrigez d’abord les erreurs de {unread:quoted} (rapport de validation de ce dossier).",
    ),
    "pst-conjoint-hors-donnees": (
        NOTE,
        "Ce cadre annonce un PST conjoint avec « {value} », mais seul ce dossier est construit : le PST conjoint "
        "n’est ni écrit ni mis à jour.",
        "Construisez le dossier qui contient les deux institutions pour obtenir le PST conjoint.",
    ),
    "code-en-double": (
        WARNING,
        "Le code « {value} » est aussi celui de {others:quoted} : les documents communs à deux institutions "
        "(synergies, PST conjoint) ne sont pas écrits pour ce code, et « Synergie avec » ne peut pas désigner "
        "l’une plutôt que l’autre.",
        "Donnez à chaque entité des données un « Code » qui lui est propre (par exemple ENGIS et CPAS-ENGIS).",
    ),
    "pst-conjoint-desaccord": (
        ERROR,
        "Ce cadre ({here}) annonce un PST conjoint avec « {value} », mais le cadre de « {value} » ({other_file}) "
        "{other_says}.",
        "Un PST conjoint se déclare dans les deux cadres : écrivez « {own} » dans « PST conjoint avec » de "
        "{other_file}, ou videz cette cellule-ci pour un PST séparé.",
    ),
    "pst-conjoint-legislatures": (
        ERROR,
        "Le PST conjoint avec « {value} » couvrirait deux législatures : {legislature} dans ce cadre ({here}), "
        "{other_legislature} dans {other_file}.",
        "Alignez le paramètre « Législature » des deux cadres.",
    ),
    "pst-conjoint-meme-type": (
        ERROR,
        "Un PST conjoint unit une commune (ou une ville) et son CPAS : ce cadre ({here}, type {kind}) et celui "
        "de « {value} » ({other_file}, type {other_kind}) ne forment pas une telle paire.",
        "Vérifiez le paramètre « Type » des deux cadres, ou videz « PST conjoint avec » pour des PST séparés.",
    ),
    # Stable references and the state of the last build (pipeline/state.py)
    "reference-en-double": (
        ERROR,
        "La référence « {value} » est déjà celle d’une autre action ({other}).",
        "Chaque action garde sa propre référence. Si les deux lignes sont la même action, supprimez l’une d’elles ; "
        "si celle-ci est une nouvelle action (ligne copiée puis modifiée), videz sa cellule « Réf. » : une "
        "référence lui sera attribuée.",
    ),
    "action-retiree": (
        WARNING,
        "Action retirée : « {title} » (Réf. {value}) figurait dans ce classeur lors de la dernière construction "
        "réussie et n’y est plus.",
        "Si c’est voulu, rien à faire : elle ne figure plus dans le PST. Sinon, rétablissez la ligne avec sa Réf.",
    ),
    "references-attribuees": (
        NOTE,
        "{count:Une action sans « Réf. » a reçu la référence {first}|{count} actions sans « Réf. » ont reçu une "
        "référence ({first} à {last})}.",
        "Les classeurs préremplis (« {run:templates prerempli} ») reprendront ces références.",
    ),
    "references-a-attribuer": (
        NOTE,
        "{count:Une action sans « Réf. » recevra sa référence|{count} actions sans « Réf. » recevront leur "
        "référence} à la prochaine construction du PST : la vérification n’enregistre rien.",
        "",
    ),
    "etat-repris": (
        NOTE,
        "L’état de la dernière construction (les Réf. des actions) était gardé dans {old} : il est repris, et "
        "sera désormais conservé à côté des données, dans {new}, dès la prochaine construction réussie.",
        "Sauvegardez ce fichier avec vos données : il garde les références des actions d’une construction à "
        "l’autre.",
    ),
    "etat-depuis-version": (
        WARNING,
        "Le fichier {new}, qui garde les Réf. des actions d’une construction à l’autre, est absent : les Réf. "
        "sont reprises de la version {number} adoptée le {seance} ; une action ajoutée depuis et sans « Réf. » dans "
        "son classeur reçoit une nouvelle référence.",
        "Si vous avez une sauvegarde de ce fichier, remettez-la en place avant de relancer.",
    ),
    # Generation of the services' workbooks (pipeline/templates.py)
    "hors-liste-du-cadre": (
        WARNING,
        "« {header} » contient « {value} » ({count:ligne|lignes} {rows}), qui n’est pas dans la liste « {list} » du "
        "cadre.{near:? Voulez-vous dire « @ » ?}",
        "Choisissez la valeur dans la liste déroulante ; si elle manque, ajoutez-la dans la colonne « {list} » de "
        "la feuille « Listes » de cadre.xlsx.",
    ),
    "liste-trop-longue": (
        WARNING,
        "La liste « {header} » compte {count} valeurs : seules les {maximum} premières sont reprises.",
        "Vérifiez la colonne : une autre liste y a-t-elle été collée ?",
    ),
    "nombre-illisible": (
        ERROR,
        "La colonne « {header} » contient « {value} », qui n’est pas un nombre positif.",
        "Écrivez un nombre, avec une virgule pour les décimales, par exemple 0,5 pour un mi-temps.",
    ),
    "personne-incomplete": (
        WARNING,
        "« {person} » n’a pas de {missing:=civility:civilité (Madame ou Monsieur)|last_name:nom}{value:? (« @ »)} : "
        "l’export e-Comptes ne pourra pas la nommer.",
        "Complétez la ligne dans la feuille « Listes » : Civilité (Madame ou Monsieur) et Nom sont nécessaires.",
    ),
    "personne-valeur-trop-longue": (
        WARNING,
        "La colonne « {header} » de « {person} » dépasse les {maximum} caractères qu’accepte e-Comptes : elle "
        "n’est pas reprise dans l’export.",
        "Raccourcissez la valeur dans la feuille « Listes ».",
    ),
    # make rapport only: the date of the evaluation
    "date-evaluation-hors-legislature": (
        WARNING,
        "La date de l’évaluation ({day}) est en dehors de la législature {legislature} : le rapport décrit la "
        "situation à cette date.",
        "Vérifiez la date demandée (« {option:date=AAAA-MM-JJ} »), par exemple la date de la séance du conseil qui "
        "examinera le rapport.",
    ),
    "date-evaluation-future": (
        WARNING,
        "La date de l’évaluation ({day}) est postérieure à aujourd’hui ({today}) : les actions en retard sont "
        "comptées à cette date future.",
        "Vérifiez la date demandée (« {option:date=AAAA-MM-JJ} ») ; sans « {option:date} », le rapport décrit la "
        "situation d’aujourd’hui.",
    ),
    # make adopter: the séance, and what an adoption records (pipeline/versions.py); the options' dates
    "seance-future": (
        ERROR,
        "La séance du {day} est postérieure à aujourd’hui ({today}) : une version s’enregistre une fois que le "
        "conseil en a pris acte.",
        "Vérifiez « {option:seance=AAAA-MM-JJ} » : la date de la séance qui a eu lieu.",
    ),
    "seance-hors-legislature": (
        ERROR,
        "La séance du {day} est en dehors de la législature {legislature} : le conseil prend acte d’une version "
        "du PST de {first} à {last} (l’année qui suit la législature : pour l’évaluation finale).",
        "Vérifiez « {option:seance=AAAA-MM-JJ} » et le paramètre « Législature » du cadre.",
    ),
    "seance-anterieure": (
        ERROR,
        "La version {number} a été adoptée le {seance} : une nouvelle version porte une date de séance "
        "postérieure (ici le {day}).",
        "Vérifiez « {option:seance=AAAA-MM-JJ} ».",
    ),
    "adoption-sans-construction": (
        ERROR,
        "Aucune construction réussie du PST n’est enregistrée.",
        "Lancez d’abord « {rebuild} », corrigez ses erreurs éventuelles, puis relancez « {again} ».",
    ),
    "adoption-classeurs-modifies": (
        ERROR,
        "Des classeurs ont changé depuis la dernière construction ({files}) : le document ne montre pas ce qu’ils "
        "contiennent.",
        "Relancez « {rebuild} », vérifiez le document, puis relancez « {again} ».",
    ),
    "adoption-autre-sortie": (
        ERROR,
        "La dernière construction réussie a été écrite dans « {built} », pas dans « {build} » : ce sont ses "
        "documents qui ont été présentés.",
        "Relancez « {there} », ou relancez « {rebuild} » puis « {again} ».",
    ),
    "adoption-document-absent": (
        ERROR,
        "Le document de la dernière construction ({file}) est introuvable : la version s’enregistre avec le "
        "document présenté au conseil.",
        "Relancez « {rebuild} », vérifiez le document, puis relancez « {again} ».",
    ),
    "adoption-autre-refusee": (
        NOTE,
        "Prête à être enregistrée, mais rien n’est enregistré : {others:quoted} {count:est refusée|sont "
        "refusées}, et une adoption enregistre toutes les entités ou aucune.",
        "Corrigez ce qui est dit pour {others:quoted} et relancez, ou n’adoptez que celle-ci : « {alone} ».",
    ),
    "annulation-autre-refusee": (
        NOTE,
        "Sa dernière version pourrait être retirée, mais rien n’est retiré : {others:quoted} {count:ne le permet "
        "pas|ne le permettent pas}, et un retrait vaut pour toutes les entités ou aucune.",
        "Pour ne retirer que celle-ci : « {alone} ».",
    ),
    "annulation-aucune-version": (
        ERROR,
        "Aucune version n’a été adoptée le {day} (versions enregistrées : {recorded}{recorded:!aucune}).",
        "Seule la dernière version enregistrée peut être retirée : vérifiez « {option:annuler=AAAA-MM-JJ} ».",
    ),
    "annulation-pas-la-derniere": (
        ERROR,
        "La version adoptée le {day} n’est pas la dernière (la version {number} a été adoptée le {seance}) : "
        "seule la dernière version enregistrée peut être retirée.",
        "Retirez d’abord la version {number} (« {withdraw} »), si c’est bien voulu.",
    ),
    "depuis-inconnu": (
        ERROR,
        "Aucune version du PST n’a été adoptée le {day} (versions enregistrées : {recorded}{recorded:!aucune}).",
        "Indiquez dans « {option:depuis} » la date d’une version enregistrée, ou ne l’indiquez pas (la dernière "
        "version adoptée).",
    ),
    "exercice-export-hors-legislature": (
        ERROR,
        "L’exercice {value} est en dehors de la législature {legislature} : le PST s’exporte pour un exercice de "
        "{first} à {last}.",
        "Vérifiez « {option:exercice=AAAA} », ou ne l’indiquez pas (l’année en cours, ramenée dans la "
        "législature).",
    ),
    "exercice-par-defaut": (
        NOTE,
        "Exercice de l’export e-Comptes : {value} ({why:=current:l’année en cours|first:la première année de la "
        "législature {legislature}, l’année en cours ({current}) la précédant|last:la dernière année de la "
        "législature {legislature}, l’année en cours ({current}) la suivant}).",
        "Pour un autre exercice de la législature : « {option:exercice=AAAA} ».",
    ),
    # make ecomptes only: the export to the Region
    "code-ins-absent": (
        ERROR,
        "Le paramètre « Code INS » est absent : l’export e-Comptes en a besoin pour identifier "
        "{type:=CPAS:le CPAS|other:la commune}.",
        "Ajoutez dans la feuille « Paramètres » une ligne « Code INS » avec le code INS à 5 chiffres de la commune "
        "(par exemple 61080), puis relancez « {run:ecomptes} ».",
    ),
    "code-ins-invalide": (
        ERROR,
        "Le « Code INS » « {value} » n’est pas un code INS : 5 chiffres sont attendus.",
        "Corrigez la valeur dans la feuille « Paramètres » (par exemple 61080), puis relancez « {run:ecomptes} ».",
    ),
    "libelle-coupe-ecomptes": (
        WARNING,
        "Le libellé dépasse les 255 caractères qu’accepte e-Comptes ({length} caractères) : l’export le coupe "
        "après « {shown} » et reprend le texte entier dans la description.",
        "Rien à faire si cela convient ; sinon, raccourcissez le libellé.",
    ),
    "personne-inconnue": (
        WARNING,
        "« {value} » ({count} {count:action|actions}) n’est pas décrit dans la feuille « Listes » du cadre : "
        "l’export e-Comptes ne nomme pas cette personne.",
        "Ajoutez une ligne dans les colonnes « Personne », « Civilité », « Nom », « Prénom », « Téléphone » et "
        "« E-mail » de la feuille « Listes » (Personne : « {value} », tel que tapé dans les classeurs).",
    ),
    "listes-illisibles": (
        WARNING,
        "La feuille « Listes » n’a pas de ligne d’en-têtes reconnue : ses listes ne sont pas reprises.",
        "Mettez en première ligne les en-têtes {expected:quoted} (une liste par colonne).",
    ),
    # Importing an e-Comptes export (make importer): positions are the file's lines, the XML path in the message
    "import-libelle-coupe": (
        WARNING,
        "Le libellé de {path} compte {length} caractères, la limite du schéma e-Comptes : l’outil qui a écrit le "
        "fichier l’a probablement coupé (« {value} »).",
        "Complétez-le dans le classeur ou le cadre (le libellé entier est dans l’outil d’origine).",
    ),
    "import-volet-inconnu": (
        WARNING,
        "Le volet « {value} » ({path}) n’est ni le volet externe ni le volet interne : ses {count} "
        "{count:objectif stratégique est placé|objectifs stratégiques sont placés} dans le volet externe "
        "({objectives}{more:? et @ autres}).",
        "Pour placer dans le volet interne ceux qui relèvent de l’administration générale, relancez l’import avec "
        "leurs numéros : « {again} » (par exemple {example}), après avoir supprimé le dossier écrit par celui-ci "
        "(sinon le nouveau est écrit à côté).",
    ),
    "import-volet-reparti": (
        NOTE,
        "Le volet « {value} » ({path}) n’est ni le volet externe ni le volet interne : à votre demande "
        "({asked}), {moved:et} {count:est placé|sont placés} dans le volet interne, les autres objectifs dans le "
        "volet externe. Numéros changés : {renumbered}.",
        "",
    ),
    "import-ref-en-double": (
        WARNING,
        "L’action « {title} » ({path}) a le même identifiant « {value} » que l’action « {other} » (ligne "
        "{other_line}) : sa « Réf. » est laissée vide, une nouvelle lui sera attribuée à la construction du PST.",
        "Vérifiez dans l’outil d’origine s’il s’agit de la même action exportée deux fois ; si oui, retirez l’une "
        "des deux lignes du classeur.",
    ),
    "import-objectif-vide": (
        WARNING,
        "{what:=os:L’objectif stratégique|oo:L’objectif opérationnel} « {title} » ({path}) n’a "
        "{what:=os:aucun objectif opérationnel|oo:aucune action}.",
        "Vérifiez dans l’outil d’origine qu’il n’en a pas perdu à l’export ; sinon, complétez-le ou retirez-le du "
        "cadre.",
    ),
    "import-statut-inconnu": (
        WARNING,
        "L’action « {title} » ({path}) a le statut « {value} », que le schéma e-Comptes ne connaît pas : son statut "
        "est laissé vide.",
        "Choisissez son statut dans le classeur de son service.",
    ),
    "import-sans-service": (
        WARNING,
        "{count:Une action|{count} actions} de l’objectif opérationnel « {oo} » ({path}) {count:n’a|n’ont} pas de "
        "service (« Departement ») : {titles:quoted}{more:? et @ autres}. {count:Elle est écrite|Elles sont "
        "écrites} dans le classeur « {workbook} ».",
        "Attribuez-les à un service : copiez leurs lignes dans le classeur de ce service et retirez-les de "
        "« {workbook} ».",
    ),
    "import-service-objectif": (
        WARNING,
        "{count:Une action|{count} actions} de l’objectif opérationnel « {oo} » ({path}) {count:n’a|n’ont} pas de "
        "service (« Departement ») : {titles:quoted}{more:? et @ autres}. {count:Elle reçoit|Elles reçoivent} "
        "celui de l’objectif, « {service} ».",
        "Vérifiez que ce service gère bien {count:cette action|ces actions} ; sinon, déplacez {count:sa ligne|leurs "
        "lignes} dans le classeur du bon service.",
    ),
    "import-statut-approche": (
        NOTE,
        "{count:Une action a|{count} actions ont} le statut {value}, sans équivalent exact : {count:elle "
        "reçoit|elles reçoivent} le statut « {status} » et la santé « {health} ».",
        "",
    ),
    "import-services-fusionnes": (
        WARNING,
        "Le fichier écrit le service « {value} » de plusieurs façons ({spellings:quoted}) : c’est un seul service, "
        "écrit « {value} », toutes ses actions dans le classeur « {workbook} ».",
        "Si ce sont des services différents, déplacez les lignes concernées dans le classeur de l’autre service et "
        "ajoutez-le à la feuille « Listes » du cadre.",
    ),
    "import-numerotation-retiree": (
        NOTE,
        "{count:Un libellé commençait|{count} libellés commençaient} par la numérotation de l’outil d’origine "
        "(« OS.1 - », « OO.1.2 - », « A.1.2.3 - », « SA.1 - ») : elle est retirée des libellés. Les objectifs "
        "gardent ces numéros quand ils sont cohérents (chaque objectif opérationnel sous le numéro de son objectif "
        "stratégique, aucun en double), sinon ceux de l’ordre du fichier.",
        "",
    ),
    "import-numeros-ordre": (
        NOTE,
        "Le fichier e-Comptes ne porte pas les numéros des actions, ni les versions adoptées du PST : les "
        "{count} {count:action est numérotée|actions sont numérotées} dans l’ordre du fichier (1, 2, 3… dans chaque "
        "volet). Le PST importé est un projet, numéroté à neuf : si le PST adopté avait des numéros retirés (une "
        "action retirée laisse son numéro libre), ses actions suivantes reçoivent ici d’autres numéros.",
        "Pour garder les numéros du PST adopté, tapez-les dans la colonne « N° action » des classeurs avant "
        "d’adopter le PST importé.",
    ),
    "import-nom-entite": (
        WARNING,
        "Le fichier ne nomme pas l’entité : son libellé « {value} » est repris comme nom.",
        "Corrigez le paramètre « Entité » du cadre si besoin.",
    ),
    "classeur-hors-liste": (
        NOTE,
        "Des actions de la dernière construction viennent du classeur « {file} », qui ne correspond à aucun "
        "service de la feuille « Listes » : un classeur prérempli « {file} » est écrit pour elles.",
        "Ajoutez « {service} » aux services de la feuille « Listes », ou renommez le classeur du service.",
    ),
    "date-limite-illisible": (
        WARNING,
        "Le paramètre « {label} » contient « {value} », qui n’est pas une date : les classeurs n’indiqueront "
        "pas de date limite.",
        "Écrivez une date, par exemple 31/03/2025.",
    ),
}


TITLES: dict[str, str] = {
    "import-libelle-coupe": "Libellé coupé par l’outil d’origine",
    "import-volet-inconnu": "Volet ni externe ni interne",
    "import-objectif-vide": "Objectif vide",
    "import-statut-inconnu": "Statut inconnu",
    "import-sans-service": "Action sans service",
    "import-service-objectif": "Service repris de l’objectif",
    "import-statut-approche": "Statut approché",
    "import-services-fusionnes": "Service écrit de plusieurs façons",
    "import-numerotation-retiree": "Numérotation retirée des libellés",
    "import-numeros-ordre": "Actions numérotées dans l’ordre du fichier",
    "import-nom-entite": "Entité non nommée",
    "import-volet-reparti": "Volet réparti",
    "import-ref-en-double": "Identifiant en double",
    "fichier-illisible": "Fichier illisible",
    "fichier-vide": "Fichier vide",
    "fichier-protege": "Classeur protégé par un mot de passe",
    "fichier-renomme": "Extension du fichier trompeuse",
    "fichier-texte": "Texte (CSV) renommé en classeur",
    "fichier-dangereux": "Fichier refusé par prudence",
    "nom-illisible": "Nom de fichier illisible",
    "fichier-ignore": "Fichier ignoré",
    "classeur-ouvert": "Classeur ouvert dans Excel",
    "classeur-mis-de-cote": "Classeur mis de côté",
    "dossier-ignore": "Dossier ignoré",
    "classeur-en-double": "Classeur en double",
    "classeur-copie": "Copie d’un classeur",
    "classeur-autre-version": "Autre version d’un classeur",
    "feuille-non-lue": "Feuille non lue",
    "cellule-hors-tableau": "Valeur hors du tableau",
    "cellules-hors-tableau": "Valeurs hors du tableau",
    "classeur-adopte-absent": "Classeur d’actions adoptées absent",
    "service-sans-classeur": "Service sans classeur",
    "services-absents": "Aucun classeur de service",
    "feuille-absente": "Feuille absente",
    "feuille-remplacee": "Feuille lue sous un autre nom",
    "feuille-demesuree": "Feuille démesurée",
    "entetes-absents": "En-têtes introuvables",
    "colonne-obligatoire-absente": "Colonne obligatoire absente",
    "colonne-inconnue": "Colonne inconnue",
    "colonne-mal-orthographiee": "Colonne mal orthographiée",
    "colonne-en-double": "Colonne en double",
    "ligne-hors-colonnes": "Valeur hors des colonnes",
    "lignes-masquees": "Lignes masquées",
    "colonnes-masquees": "Colonnes masquées",
    "cellules-fusionnees": "Cellules fusionnées",
    "formule-sans-valeur": "Formule sans valeur",
    "cellule-en-erreur": "Cellule en erreur",
    "valeur-obligatoire-absente": "Valeur obligatoire absente",
    "volet-inconnu": "Volet inconnu",
    "valeur-hors-liste": "Valeur hors de la liste",
    "valeur-non-standard": "Valeur hors liste, reprise telle quelle",
    "os-illisible": "N° OS illisible",
    "oo-illisible": "N° OO illisible",
    "oo-format-corrige": "N° OO corrigé",
    "oo-date-excel": "N° OO transformé en date",
    "oo-zero-perdu": "N° OO ayant perdu un zéro",
    "oo-ambigu": "N° OO ambigu",
    "numero-action-corrige": "N° d’action corrigé",
    "numero-action-illisible": "N° d’action illisible",
    "nombre-trop-grand": "Nombre démesuré",
    "texte-trop-long": "Texte trop long",
    "taux-illisible": "Taux d’avancement illisible",
    "taux-hors-limites": "Taux d’avancement hors de 0–100 %",
    "date-illisible": "Date illisible",
    "valeur-atteinte-sans-cible": "Valeur atteinte sans cible",
    "valeur-sans-indicateur": "Valeur sans indicateur",
    "dates-inversees": "Début après la fin",
    "caracteres-retires": "Caractères invisibles retirés",
    "montant-illisible": "Montant illisible",
    "exercice-illisible": "Exercice illisible",
    "odd-inconnu": "ODD inconnu",
    "financement-ref-inconnue": "Financement d’une Réf. inconnue",
    "financement-total": "Financement différent du montant",
    "montant-negatif": "Montant négatif",
    "article-budgetaire": "Article budgétaire inhabituel",
    "exercice-hors-legislature": "Exercice hors de la législature",
    "parametre-absent": "Paramètre absent",
    "parametre-invalide": "Paramètre non compris",
    "parametre-trop-long": "Paramètre trop long",
    "champs-non-publies-inconnus": "Champ non publié inconnu",
    "type-inconnu": "Type d’entité inconnu",
    "code-invalide": "Code d’entité invalide",
    "legislature-invalide": "Législature invalide",
    "os-en-double": "Objectif stratégique en double",
    "oo-en-double": "Objectif opérationnel en double",
    "os-absent": "Objectif stratégique absent",
    "oo-inconnu": "Objectif opérationnel inconnu",
    "parent-rejete": "Écartée : objectif ou action en erreur",
    "oo-autre-volet": "Objectif d’un autre volet",
    "synergie-inconnue": "Institution de synergie inconnue",
    "ligne-non-reprise": "Ligne non reprise (erreur interne)",
    "numero-action-en-double": "N° d’action en double",
    "numerotation-lacunaire": "Numérotation avec des trous",
    "numeros-completes": "Numéros d’action attribués",
    "numeros-ignores": "Numéros d’action non repris",
    "oo-sans-action": "Objectif opérationnel sans action",
    "ligne-en-double": "Ligne en double",
    "libelle-en-double": "Libellé en double",
    "synergie-soi-meme": "Synergie avec soi-même",
    "code-synergie-orphelin": "Code synergie sans partenaire",
    "code-synergie-sans-synergie-avec": "Code synergie sans « Synergie avec »",
    "code-synergie-partenaire-rejete": "Action partenaire en erreur",
    "code-synergie-classeur-non-lu": "Classeur partenaire non lu",
    "reference-en-double": "Réf. en double",
    "action-retiree": "Action retirée",
    "references-attribuees": "Réf. attribuées",
    "references-a-attribuer": "Réf. à attribuer",
    "etat-repris": "État repris du dossier de sortie",
    "etat-depuis-version": "État repris de la version adoptée",
    "hors-liste-du-cadre": "Valeur hors des listes du cadre",
    "liste-trop-longue": "Liste trop longue",
    "nombre-illisible": "Nombre illisible",
    "personne-incomplete": "Personne incomplète",
    "personne-valeur-trop-longue": "Coordonnée trop longue pour e-Comptes",
    "date-evaluation-hors-legislature": "Date d’évaluation hors législature",
    "date-evaluation-future": "Date d’évaluation future",
    "seance-future": "Séance future",
    "seance-hors-legislature": "Séance hors législature",
    "seance-anterieure": "Séance antérieure à la dernière version",
    "adoption-sans-construction": "Aucune construction à adopter",
    "adoption-classeurs-modifies": "Classeurs modifiés depuis la construction",
    "adoption-autre-sortie": "Construction écrite ailleurs",
    "adoption-document-absent": "Document de la construction absent",
    "adoption-autre-refusee": "Adoption d’une autre entité refusée",
    "annulation-autre-refusee": "Retrait d’une autre entité refusé",
    "annulation-aucune-version": "Aucune version à retirer",
    "annulation-pas-la-derniere": "Version qui n’est pas la dernière",
    "depuis-inconnu": "Version de référence inconnue",
    "exercice-export-hors-legislature": "Exercice hors législature",
    "exercice-par-defaut": "Exercice de l’export",
    "code-ins-absent": "Code INS absent",
    "code-ins-invalide": "Code INS invalide",
    "libelle-coupe-ecomptes": "Libellé coupé pour e-Comptes",
    "personne-inconnue": "Personne inconnue",
    "listes-illisibles": "Feuille « Listes » illisible",
    "classeur-hors-liste": "Classeur précédent non retrouvé",
    "date-limite-illisible": "Date limite illisible",
    "pst-conjoint-soi-meme": "PST conjoint avec soi-même",
    "pst-conjoint-partenaire-absent": "Partenaire du PST conjoint absent",
    "pst-conjoint-partenaire-illisible": "Cadre du partenaire illisible",
    "pst-conjoint-hors-donnees": "Partenaire du PST conjoint hors de la construction",
    "code-en-double": "Code d’entité en double",
    "pst-conjoint-desaccord": "Cadres en désaccord sur le PST conjoint",
    "pst-conjoint-legislatures": "PST conjoint sur deux législatures",
    "pst-conjoint-meme-type": "PST conjoint de deux communes ou de deux CPAS",
}
"""A short French label for each code of the catalogue: what the validation report shows (the code itself stays in
its last column, for whoever maintains the tool)."""


EXPLAINS_ROW = "explains-row"
"""A warning that accounts for a row left out of the document: read, reported, not used (an error always does)."""
OUTSIDE_TABLE = "outside-table"
"""Stands for a row the table does not hold: content only in columns outside the contract (read and reported)."""
UNKNOWN_VALUE = "unknown-value"
"""The cell's value cannot be known (a formula never calculated, an Excel error): the row counts as filled."""
REFUSES_SHEET = "refuses-sheet"
"""An error that refuses a whole file or sheet: none of its rows is read."""
REFUSES_ENTITY = "refuses-entity"
"""An error in the entity's parameters: no model can be built, not even a provisional one."""

PROPERTIES: dict[str, frozenset[str]] = {
    "fichier-illisible": frozenset({REFUSES_SHEET}),
    "fichier-vide": frozenset({REFUSES_SHEET}),
    "fichier-protege": frozenset({REFUSES_SHEET}),
    "fichier-renomme": frozenset({REFUSES_SHEET}),
    "fichier-texte": frozenset({REFUSES_SHEET}),
    "fichier-dangereux": frozenset({REFUSES_SHEET}),
    "nom-illisible": frozenset({REFUSES_SHEET}),
    "classeur-en-double": frozenset({REFUSES_SHEET}),
    "classeur-copie": frozenset({REFUSES_SHEET}),
    "classeur-autre-version": frozenset({REFUSES_SHEET}),
    "feuille-absente": frozenset({REFUSES_SHEET}),
    "feuille-demesuree": frozenset({REFUSES_SHEET}),
    "entetes-absents": frozenset({REFUSES_SHEET}),
    "colonne-obligatoire-absente": frozenset({REFUSES_SHEET}),
    "ligne-hors-colonnes": frozenset({EXPLAINS_ROW, OUTSIDE_TABLE}),
    "parent-rejete": frozenset({EXPLAINS_ROW}),  # the error that causes it is counted once, on its own row
    "formule-sans-valeur": frozenset({UNKNOWN_VALUE}),
    "cellule-en-erreur": frozenset({UNKNOWN_VALUE}),
    "parametre-absent": frozenset({REFUSES_ENTITY}),
    "type-inconnu": frozenset({REFUSES_ENTITY}),
    "code-invalide": frozenset({REFUSES_ENTITY}),
    "legislature-invalide": frozenset({REFUSES_ENTITY}),
}
"""What a code of the catalogue means for the code that reads findings: the stages ask a finding for a property
(`finding.explains_row`), never for a list of codes."""


CONSOLE: dict[str, str] = {
    # How a finding is listed (print_findings)
    "severity-erreur": "ERREUR",
    "severity-avertissement": "AVERTISSEMENT",
    "severity-note": "note",
    "all-files": "Ensemble des classeurs",
    # One line per entity as it is built
    "progress": "[{done}/{total}] {label} : {outcome} ({errors} {errors:erreur|erreurs}, "
                "{warnings} {warnings:avertissement|avertissements}, {time})",
    "outcome-internal": "ÉCHEC, erreur interne",
    "outcome-failed": "ÉCHEC, pas de document",
    "outcome-provisional": "document PROVISOIRE écrit",
    "outcome-written": "document écrit",
    "outcome-none": "pas de document",
    "timings": "Temps : {stages}",
    "stage-load": "lecture",
    "stage-normalize": "normalisation",
    "stage-validate": "contrôles",
    "stage-model": "modèle",
    "stage-render": "documents",
    # An entity after the build
    "volet": "Volet {volet} : {os} {os:objectif stratégique|objectifs stratégiques}, "
             "{oo} {oo:objectif opérationnel|objectifs opérationnels}, {actions} {actions:action|actions}",
    "rows": "{read} {read:ligne lue|lignes lues} : {accepted} {accepted:action retenue|actions retenues}, "
            "{rejected} {rejected:rejetée|rejetées}{rejected:? (voir rapport)}",
    "rows-budget": " ; {budget} {budget:ligne budgétaire rejetée|lignes budgétaires rejetées}",
    "counts": "{errors} {errors:erreur|erreurs}, {warnings} {warnings:avertissement|avertissements}, "
              "{notes} {notes:note|notes}",
    "no-version-adopted": "Aucune version n’est encore adoptée : il n’y a pas de modifications à lister.",
    "no-modification": "Aucune modification depuis la version {number}, adoptée le {seance}.",
    "no-document-failure": "→ Aucun document écrit : {reason}",
    "check-only": "→ Contrôle seulement (« {again} ») : aucun document n’est écrit, rien n’est enregistré.",
    "no-document-parameters": "→ Aucun document écrit : les paramètres du cadre (feuille « Paramètres ») doivent "
                              "d’abord être corrigés, même pour un document provisoire.",
    "no-document-errors": "→ Aucun document écrit : corrigez les erreurs ci-dessus puis relancez « {again} » (ou "
                          "« {provisional} » pour des documents provisoires sans les lignes rejetées{without:?, sans "
                          "@}).",
    "stale-document": "⚠ Le document précédent {path} est conservé mais n’est PLUS À JOUR.",
    # Two entities that name each other
    "pair-title": "{joint:?PST conjoint et synergies}{joint:!Synergies} {left} & {right}",
    "pair-synergies": "{pairs} {pairs:synergie rapprochée|synergies rapprochées} ; signalées d’un seul côté : "
                      "{left_only} ({left}), {right_only} ({right})",
    "pair-joint": "PST conjoint : {total} {total:action|actions} ({left_count} {left}, {right_count} {right}), "
                  "dont {pairs} {pairs:action commune|actions communes}",
    "pair-waiting": "→ Aucun document commun écrit : pas de document pour {first}{second:? ni pour @} (corrigez "
                    "{count:ses|leurs} erreurs ci-dessus).",
    "pair-leftover": "⚠ {path} n’est PLUS À JOUR : cette construction ne l’écrit plus (les deux cadres ne se nomment "
                     "plus l’un l’autre, ou l’une des institutions est absente ou en erreur). Supprimez-le s’il n’a "
                     "plus lieu d’être.",
    # The documents written
    "written": "→ {label} : {path}",
    "written-parts": "→ {label} : {path} … {last} ({count} documents)",
    "provisional-note": "Sa première page indique combien de lignes en sont écartées ; le rapport de validation les "
                        "liste. À ne pas publier.",
    "written-file": "Écrit : {path}",
    "unchanged-file": "Inchangé : {path}",
    # What failed
    "not-written": "« {path} » n’a pas pu être écrit. Est-il ouvert dans Word ou Excel ? Fermez-le et relancez (les "
                   "documents déjà en place n’ont pas changé).",
    "document-open": "le document « {path} » est ouvert dans Word, Excel ou LibreOffice (fichier de verrou « {lock} ») "
                     ": fermez-le, puis relancez ; rien n’a été écrit à sa place. Si aucun programme ne l’a ouvert, "
                     "supprimez ce fichier de verrou, resté d’une fermeture brutale.",
    "failure-internal": "erreur interne inattendue de PST builder (aucun document n’est laissé à moitié écrit) ; "
                        "transmettez le fichier erreur-interne.log du dossier de sortie à l’équipe qui maintient "
                        "l’outil.",
    "failed-entity": "le PST de {label}",
    "failed-pair": "les documents communs {left} & {right}",
    "failed-workbooks": "les classeurs de {label}",
    "nothing-built": "Rien n’a été construit.",
    "internal-error": "Erreur interne inattendue de PST builder : {what}. Transmettez le fichier {log} à l’équipe qui "
                      "maintient l’outil.",
    "internal-failures": "pour {what}, aucun document n’a été écrit (rien n’est laissé à moitié écrit ; les autres "
                         "entités sont construites)",
    "stopped-build": "la construction s’est arrêtée (aucun document n’est laissé à moitié écrit)",
    "stopped-pdf": "la production des PDF s’est arrêtée (aucun PDF n’est laissé à moitié écrit)",
    "stopped-templates": "l’écriture des classeurs des services s’est arrêtée",
    "stopped-adoption": "l’enregistrement de la version adoptée s’est arrêté (rien n’est enregistré à moitié)",
    "stopped-command": "la commande s’est arrêtée (aucun document n’est laissé à moitié écrit)",
    "cannot-write": "Impossible d’écrire {what} : {reason}",
    "cannot-build": "Impossible de construire le PST : {reason}",
    "cannot-check": "Impossible de vérifier les classeurs : {reason}",
    "cannot-pdf": "Impossible de produire le PDF : {reason}",
    "cannot-templates": "Impossible d’écrire les classeurs des services : {reason}",
    "cannot-adopt": "Impossible d’enregistrer la version adoptée : {reason}",
    "cannot-withdraw": "Impossible de retirer la version : {reason}",
    "workbook-not-written": "{path} ne peut pas être écrit (un classeur est-il ouvert dans Excel ou LibreOffice ? "
                            "Fermez-le et relancez).",
    "check-failed": "Erreurs dans les classeurs de {labels} (voir ci-dessus).",
    "build-failed": "Échec : pas de document pour {labels} (voir les erreurs ci-dessus).",
    "interrupted": "Interrompu : les documents déjà en place n’ont pas changé.",
    # Watching the data folder (make suivre: pipeline/watch.py)
    "watch-built": "✓ Construit en {time}.",
    "watch-ready": "Surveillance de {folder} : chaque classeur enregistré, ajouté ou retiré reconstruit aussitôt son "
                   "entité. Ctrl+C pour arrêter.",
    "watch-changed": "↻ {changes:et}",
    "watch-change": "{name} {kind:=added:ajouté|modified:enregistré|removed:retiré}",
    "watch-done": "✓ Reconstruit en {time}{verdict:? (rapport de validation en @)}. En attente du prochain "
                  "enregistrement…",
    "watch-unfinished": "✗ Verdict rendu en {time}{verdict:? (rapport de validation en @)}, mais pas de document à jour "
                        "pour {labels:et} : voir ci-dessus. En attente du prochain enregistrement…",
    "watch-already": "Une surveillance tourne déjà pour {build} (dans une autre fenêtre ?) : une seule à la fois. "
                     "Continuez avec elle, ou arrêtez-la (Ctrl+C dans sa fenêtre) avant d’en lancer une autre.",
    "watch-locked": "… {path} est verrouillé par un autre programme (Excel l’enregistre-t-il encore ?) : il sera relu "
                    "dès qu’il sera libéré.",
    "watch-no-document": "→ Aucun document écrit : corrigez les erreurs ci-dessus et enregistrez le classeur, il est "
                         "relu aussitôt (ou relancez « {provisional} » pour des documents provisoires sans les lignes "
                         "rejetées).",
    "watch-problem": "Impossible de construire : {reason} La surveillance continue : corrigez, puis enregistrez.",
    "watch-stopped": "Surveillance arrêtée{during:? : la construction en cours est abandonnée, aucun document n’est "
                     "laissé à moitié écrit}.",
    "stopped-rebuild": "une construction de la surveillance s’est arrêtée (aucun document n’est laissé à moitié "
                       "écrit ; la surveillance continue)",
    # Options given wrong
    "bad-date": "« {given} » {shape:=missing:n’existe pas|shape:n’est pas une date de la forme AAAA-MM-JJ} (par "
                "exemple « {example} »).",
    "bad-stage": "« {given} » n’est pas une échéance de l’évaluation : écrivez « {option:echeance=mi-parcours} » ou "
                 "« {option:echeance=fin} » (ou ne l’indiquez pas : elle se déduit de la date et de la législature).",
    "bad-annee": "« {given} » {future:?est une année à venir : son rapport décrirait ce qui n’a pas eu lieu}"
                 "{future:!n’est pas une année} (par exemple « {example} »).",
    "no-pair": "{label} : aucun écrit. Il faut dans DATA deux entités qui s’associent des actions (« Synergie avec » "
               "et « Code synergie » dans les classeurs des services).",
    "bad-exercice": "« {given} » n’est pas une année d’exercice budgétaire (par exemple « {option:exercice=2025} »).",
    "search-index-failed": "l’index de recherche du site n’a pas pu être construit (Pagefind : {reason}). Réinstallez "
                           "les dépendances (« pip install -c constraints.txt -e . ») puis relancez.",
    # Adopting a version (make adopter)
    "seance-and-withdraw": "« {option:seance} » et « {option:annuler} » ne vont pas ensemble : « {option:annuler} » "
                           "retire la dernière version enregistrée, « {option:seance} » en enregistre une nouvelle.",
    "seance-missing": "la date de la séance manque : « {again} ».",
    "version-refused": "{label} : version NON {withdrawing:?retirée}{withdrawing:!enregistrée}",
    "version-withdrawn": "{label} : la version {number} adoptée le {seance} est retirée.",
    "version-set-aside": "→ mise de côté dans {folder} (rien n’est supprimé)",
    "version-withdrawn-numbers": "La prochaine construction numérote les actions comme avant cette version.",
    "version-recorded": "{label} : {first:?version adoptée}{first:!actualisation (version {number})} par le conseil "
                        "le {seance} enregistrée ({count} {count:action|actions}).",
    "version-after-legislature": "Séance postérieure à la législature : cette version est celle de l’évaluation de "
                                 "fin de législature.",
    "version-numbers": "Les numéros de ses actions ne changeront plus ; une nouvelle action prendra le numéro qui "
                       "suit le dernier de son volet.",
    "adoption-failed": "Échec : aucune version n’est {withdrawing:?retirée}{withdrawing:!enregistrée} "
                       "({many:?toutes les entités ou aucune ; }voir ci-dessus).",
    # The services' workbooks (make templates)
    "no-workbook-failure": "→ Aucun classeur écrit : {reason}",
    "no-workbook-errors": "→ Aucun classeur écrit : corrigez les erreurs de cadre.xlsx ci-dessus puis relancez "
                          "« {again} ».",
    "workbooks-written": "{count} {count:classeur écrit|classeurs écrits} dans {folder} : {names}",
    "workbooks-prefilled": "Préremplis avec {count} {count:action|actions} de la construction du {day}.",
    "templates-failed": "Échec : erreurs dans le cadre de {labels}.",
    "templates-next": "Envoyez à chaque service son classeur ; déposez les classeurs complétés dans le dossier "
                      "services/ de l’entité, puis lancez « {again} ».",
    # The command's help (argparse): each sub-command (« help-command-<name> »), then each option
    "help-program": "PST builder : des classeurs des services au document officiel du programme stratégique "
                    "transversal.",
    "help-epilog": "Les options d’une commande : « {program} COMMANDE --help », par exemple « {program} rapport "
                   "--help ».",
    "help-commands": "commandes",
    "help-command-pst": "construit le PST (Word) de chaque entité du dossier de données, ses fiches actions et son "
                        "rapport de validation",
    "help-command-pdf": "construit le PST comme la commande pst, puis son PDF à publier (LibreOffice : table des "
                        "matières à jour, signets)",
    "help-command-modeles": "écrit le classeur de chaque service, à partir du cadre de chaque entité",
    "help-command-verifier": "lit et contrôle les classeurs, écrit le rapport de validation, sans écrire de "
                             "document ni rien enregistrer",
    "help-command-adopter": "enregistre la dernière construction réussie comme la version dont le conseil a pris "
                            "acte",
    "help-command-modifications": "construit le PST comme la commande pst, avec le document des modifications "
                                  "depuis une version adoptée",
    "help-command-rapport": "construit le PST comme la commande pst, avec son rapport d’exécution (évaluation à "
                            "mi-législature ou de fin de législature)",
    "help-command-ecomptes": "construit le PST comme la commande pst, avec son export XML pour e-Comptes (schéma "
                             "201805V1 de la Région wallonne)",
    "help-command-synergies": "construit le PST comme la commande pst, avec le rapport annuel sur les synergies "
                              "entre la commune et son CPAS (réunion conjointe des conseils)",
    "help-command-site": "construit le PST comme la commande pst, avec son site internet à publier (pages "
                         "accessibles, recherche, nouveautés ; dans BUILD/<entité>/site/ et une archive .zip)",
    "help-command-suivre": "construit le PST comme la commande pst, puis surveille le dossier de données : chaque "
                           "classeur enregistré, ajouté ou retiré reconstruit aussitôt son entité (rapport de "
                           "validation d’abord, puis les documents) ; rien n’est enregistré comme version adoptée ; "
                           "Ctrl+C pour arrêter",
    "help-command-modeles-vierges": "écrit les classeurs vierges du contrat (input_templates/)",
    "help-data": "dossier des données : un dossier d’entité (cadre.xlsx et services/) ou un dossier qui en contient "
                 "plusieurs (défaut : data)",
    "help-build": "dossier où écrire les documents (défaut : build)",
    "help-build-templates": "dossier de sortie : les classeurs vont dans DOSSIER/<entité>/modeles/ (défaut : build)",
    "help-build-adopt": "dossier où se trouve la dernière construction (défaut : build)",
    "help-malgre-erreurs": "construit quand même des documents provisoires, sans les lignes rejetées",
    "help-malgre-erreurs-ecomptes": "écrit quand même des documents provisoires, sans les lignes rejetées, mais pas "
                                    "d’export e-Comptes pour une entité en erreur",
    "help-malgre-erreurs-site": "écrit quand même des documents provisoires, sans les lignes rejetées, mais pas de "
                                "site pour une entité en erreur (son site précédent est gardé)",
    "help-processus": "nombre de processus : les entités sont construites en parallèle et, s’il en reste, le PST et "
                      "les fiches d’une entité sont écrits côte à côte (défaut : le nombre de processeurs)",
    "help-temps": "affiche le temps passé dans chaque étape",
    "help-rapport": "construit et publie aussi le rapport d’exécution",
    "help-prerempli": "reprend les actions de la dernière construction réussie du PST",
    "help-seance": "date de la séance du conseil",
    "help-entite": "n’adopte que l’entité de ce dossier",
    "help-annuler": "retire la dernière version enregistrée, adoptée à cette date (son dossier est mis de côté, pas "
                    "supprimé)",
    "help-depuis": "date de séance de la version de référence (défaut : la dernière adoptée)",
    "help-date": "date de l’évaluation (défaut : aujourd’hui) : la situation décrite, les actions en retard à cette "
                 "date",
    "help-echeance": "échéance de l’évaluation (défaut : fin à partir de la dernière année de la législature, "
                     "mi-parcours avant)",
    "help-exercice": "exercice budgétaire de l’export (défaut : l’année en cours)",
    "help-date-site": "date de l’avancement montré sur la page d’accueil (par statut, volet et objectif ; défaut : "
                      "pas d’avancement)",
    "help-annee": "année du rapport annuel sur les synergies (défaut : l’année en cours)",
    "help-command-importer": "écrit le dossier d’une nouvelle entité (cadre.xlsx et classeurs des services) depuis "
                             "l’export e-Comptes (XML, schéma 201805V1) d’un autre outil",
    "help-source": "le fichier XML e-Comptes à importer",
    "help-interne": "numéros des objectifs stratégiques du volet unique (« NEANT ») à placer dans le volet interne, "
                    "tels que l’avertissement de l’import les liste (par exemple 2,5) ; les autres vont dans le volet "
                    "externe",
    "imported-report": "→ Rapport de l’import : {path}",
    "help-data-import": "dossier des données où écrire la nouvelle entité (défaut : data)",
    "cannot-import": "Import impossible : {reason}",
    "stopped-import": "L’import s’est arrêté sur une erreur interne",
    "imported-title": "Import de « {source} » (e-Comptes {version}{generator:?, écrit par @})",
    "imported-summary": "{entity} : {os} {os:objectif stratégique|objectifs stratégiques}, {oo} {oo:objectif "
                        "opérationnel|objectifs opérationnels}, {actions} {actions:action|actions} dans {workbooks} "
                        "{workbooks:classeur|classeurs}",
    "imported-renamed": "Un dossier « {taken} » existe déjà dans les données : il n’est pas touché, la nouvelle "
                        "entité est écrite à côté.",
    "imported-numbered": "Les numéros des actions sont écrits dans les classeurs (« N° action ») : l’ordre des "
                         "classeurs seul ne redonnerait pas celui du fichier.",
    "imported-folder": "→ Dossier écrit : {folder}",
    "imported-next": "Ensuite : vérifiez le cadre (volets, objectifs, « Code », « Listes ») et les avertissements "
                     "ci-dessus, puis lancez « {again} ». Les classeurs de services/ sont ceux à envoyer aux "
                     "services.",
    "help-out": "dossier de destination (défaut : input_templates)",
    # Publishing in PDF (make pdf: pipeline/pdf.py)
    "pdf-heading": "Publication en PDF",
    "office-missing": "LibreOffice est nécessaire pour produire le PDF et il est introuvable sur cette machine"
                      "{given:? (la variable {variable} désigne « @ », introuvable)}.\nInstallez-le une fois (Debian, "
                      "Ubuntu) :\n    {install}\n(Windows, macOS : l’installateur de https://fr.libreoffice.org, dans "
                      "son dossier habituel)\npuis relancez « {run:pdf} ». Le document Word, lui, se construit sans "
                      "LibreOffice : « {run:pst} ».",
    "uno-missing": "LibreOffice est installé, mais pas son module Python « uno » qui permet de mettre à jour la table "
                   "des matières avant l’export en PDF.\nInstallez-le une fois (Debian, Ubuntu) :\n    {install}\n"
                   "puis relancez « {run:pdf} » (ailleurs : la variable {variable} peut désigner un Python capable "
                   "d’importer « uno »).",
    "office-not-started": "LibreOffice n’a pas pu être lancé.",
    "office-no-account": "LibreOffice n’a pas rendu compte de la conversion.",
    "office-no-pdf": "LibreOffice n’a pas écrit de PDF.",
    "office-stopped": "LibreOffice s’est arrêté pendant la conversion.",
    "office-too-long": "LibreOffice n’a pas terminé la conversion en {seconds} secondes.",
    "office-no-connection": "LibreOffice n’a pas démarré (aucune connexion possible).",
    "office-cannot-open": "LibreOffice n’a pas pu ouvrir le document Word.",
    "office-cannot-export": "LibreOffice n’a pas pu exporter le PDF.",
    "pdf-without-document": "{label} : pas de PDF, faute de document Word à jour (voir les erreurs ci-dessus).",
    "stale-pdf": "⚠ Le PDF précédent {path} est conservé mais n’est PLUS À JOUR.",
    "pdf-conversion-failed": "{label} : ÉCHEC de la conversion en PDF. {reason}",
    "pdf-details": "Détails pour l’équipe qui maintient l’outil : {log}",
    "pdf-failed": "Échec : pas de PDF pour {label} ({reason})",
    "pdf-written": "→ PDF écrit : {path} ({pages} {pages:page|pages} ; {toc:?table des matières à jour}"
                   "{toc:!pas de table des matières dans le modèle} ; signets)",
    "pdf-written-provisional": "→ PDF PROVISOIRE écrit (à ne pas publier) : {path} ({pages} {pages:page|pages} ; "
                               "{toc:?table des matières à jour}{toc:!pas de table des matières dans le modèle})",
    # A Word template that does not fit (pipeline/render.py)
    "template-unknown-variables": "Le modèle {template} utilise des variables inconnues : {names}.",
    "template-bad-tag": "Le modèle {template} contient une balise incorrecte ({error}){near:? près de : « @ »}.",
    # The build folder taken over by this data folder (pipeline/origin.py), and the note its mark file holds
    "build-moved": "Le dossier de sortie « {build} » avait été construit à partir de « {moved} », qui n’existe plus "
                   "(dossier déplacé ou renommé) : il sert désormais aux données « {ours} ».",
    "build-mark": "Ce dossier de sortie contient les documents construits par PST builder à partir du dossier de "
                  "données ci-dessus. Un autre dossier de données se construit dans un autre dossier de sortie.",
    # The note the state file holds (pipeline/state.py: etat-pst.json)
    "state-note": "État de la dernière construction réussie du PST, réécrit à chaque construction sans erreur. Ne "
                  "pas modifier à la main.",
    # The command line's own errors (pipeline/arguments.py; argparse's are in ARGPARSE)
    "argument-help": "{message}\n« {program} --help » affiche l’aide.",
    "argument-not-command": "« {value} » n’est pas une commande ; les commandes sont : {choices}.{near:? Voulez-vous "
                            "dire « @ » ?}",
    "argument-not-choice": "« {value} » n’est pas possible ; choix : {choices}.{near:? Voulez-vous dire « @ » ?}",
    "argument-not-whole": "« {given} » n’est pas un nombre entier",
}
"""What the commands say on the console (pipeline/cli.py, pipeline/pdf.py) and the build's own sentences (a failure,
a document left open, a template that does not fit, the notes of the files it keeps in BUILD and beside the data):
`said(key, **values)`, with the placeholders' forms of the catalogue."""


PHRASES: dict[str, str] = {
    # What the reports write where a value is missing
    "no-status": "Non renseigné",
    "no-health": "Non renseignée",
    "late": "En retard",
    "no-service": "Service non renseigné",
    "unsorted-service": "À répartir",
    # Importing an e-Comptes export (make importer): the objectives named in its findings, its report's title
    "import-os-listed": "OS {number} « {title} »",
    "import-os-named": "l’OS {number} « {title} »",
    "import-renumbered": "OS {old} → OS {new}{internal:? du volet interne}{oo:? (OO @)}",
    "import-report-label": "{entity} (import de « {source} »)",
    "other-health": "Autre ou non renseignée",
    "status-not-typed": "non renseigné",
    # What a row left out depends on (« parent-rejete »)
    "parent-os": "l’objectif stratégique {number} ({volet})",
    "parent-oo": "l’objectif opérationnel {code} ({volet})",
    "parent-action": "l’action de référence « {reference} »",
    # An action given a number (« numeros-completes »)
    "numbered-action": "{number} ({file}, ligne {row})",
    # Where a row stands
    "place": "{file}, ligne {row}",
    "place-in-sheet": "{file}, feuille « {sheet} », ligne {row}",
    # A column of a workbook named with its header (« colonne-inconnue », « colonnes-masquees »)
    "column-typed": "{letter} « {header} »",
    "column-header": "{letter} (« {header} »)",
    # A volet's title (contract.VOLET_SUBJECTS): the « Cadre » sheet of the services' workbooks, the e-Comptes export
    "volet-title": "Volet {volet} « {subject} »",
    "volet-title-ecomptes": "Volet {volet} – {subject}",
    # Statuses counted (rapport d'exécution: sentences and the charts' alternative texts)
    "status-Terminée": "{n} {n:terminée|terminées}",
    "status-En cours": "{n} en cours",
    "status-À démarrer": "{n} à démarrer",
    "status-Reportée": "{n} {n:reportée|reportées}",
    "status-Abandonnée": "{n} {n:abandonnée|abandonnées}",
    "status-Non renseigné": "{n} sans statut",
    # An indicator with its values (fiches, the PST's fields)
    "indicator-target": "cible\u00a0: {value}",
    "indicator-reached": "atteint\u00a0: {value}",
    # Points d'attention counted (rapport d'exécution)
    "attention-blocked": "{n} en blocage",
    "attention-risk": "{n} à risque",
    "attention-late": "{n} en retard",
    # The rapport d'exécution's charts: titles, axes and legends
    "chart-statuses-title": "Actions par statut et par objectif stratégique",
    "chart-progress-title": "Taux d’avancement moyen par objectif stratégique",
    "chart-health-title": "Actions par santé",
    "chart-evolution-title": "Statuts des actions : adoption et évaluation",
    "chart-axis-count": "Nombre d’actions",
    "chart-axis-progress": "Taux d’avancement moyen",
    "chart-evolution-before": "Version adoptée le {seance}",
    "chart-evolution-now": "Au {day}",
    "chart-no-action": "aucune action",
    # Alternative texts of the rapport d'exécution's charts (what screen readers say)
    "chart-statuses": "Graphique en barres empilées : le nombre d’actions de chaque statut, pour chaque objectif "
                      "stratégique. {details}.",
    "chart-progress": "Graphique en barres : le taux d’avancement moyen de chaque objectif stratégique (ensemble du "
                      "PST : {mean}). {details}.",
    "chart-health": "Graphique en barres : le nombre d’actions selon leur santé. {details}.",
    # Why the two sides of a synergy disagree (synergies cross-reference, rapport d'exécution)
    "disagree-status": "statuts opposés ({left} / {right})",
    "disagree-end": "échéances à plus de six mois d’écart ({left} / {right})",
    # What a partner's frame says about a joint PST (« pst-conjoint-desaccord »)
    "joint-none": "n’annonce aucun PST conjoint",
    "joint-other": "annonce un PST conjoint avec « {code} »",
    "chart-evolution": "Graphique en barres groupées : le nombre d’actions de chaque statut dans la version adoptée "
                       "le {seance} ({before}) et à la date de l’évaluation ({now}).",
    # The chart of the annual synergy report: its alternative text, title and axis
    "chart-synergy-statuses": "Graphique en barres empilées : le nombre d’actions communes de chaque statut, pour "
                              "chaque institution. {details}.",
    "chart-synergy-statuses-title": "Statuts des actions communes",
    "chart-axis-actions": "Nombre d’actions",
    # The open data's descriptor (public.write_open_data: datapackage.json)
    "open-data-title": "Programme stratégique transversal {legislature} — {entity}",
    "open-data-description": "Les objectifs stratégiques et opérationnels et les actions du programme stratégique "
                             "transversal (PST) {legislature} {of_entity}{budget:?, avec les lignes budgétaires des "
                             "actions}, tels qu’au {day}{adopted:? (version adoptée par le conseil le @, ou "
                             "actualisée depuis)}.",
    "open-data-os": "Un objectif stratégique par ligne, dans son volet (Externe : développement des politiques ; "
                    "Interne : administration générale).",
    "open-data-oo": "Un objectif opérationnel par ligne, sous l’objectif stratégique de son volet qui porte le "
                    "numéro « N° OS ».",
    "open-data-actions": "Une action par ligne, dans l’ordre du PST, sous l’objectif opérationnel « N° OO » de son "
                         "volet.",
    "open-data-budget": "Une ligne budgétaire par ligne : ce qu’une action, désignée par sa « Réf. », coûte ou "
                        "rapporte pendant un exercice.",
    "open-data-csv": "Fichier CSV (UTF-8, séparateur virgule, chaque valeur entre guillemets) : un texte qui "
                     "commence par =, +, -, @ ou une tabulation y est précédé d’une apostrophe (') pour qu’un tableur "
                     "ne l’exécute pas comme une formule ; le fichier JSON donne le texte exact.",
    "open-data-json": "Fichier JSON (UTF-8) : un tableau d’objets, un par ligne, aux mêmes champs que le CSV ; les "
                      "valeurs multiples y forment une liste.",
    "open-data-parent": "{header} ({what:=os:objectif stratégique|oo:objectif opérationnel})",
    "open-data-list": "{description}{description:? }Dans le CSV, plusieurs valeurs sont séparées par « ; » ; dans le "
                      "JSON, elles forment une liste.",
    "open-data-date": "{description}{description:? }Une date AAAA-MM-JJ, ou AAAA-MM quand seul le mois est connu, ou "
                      "AAAA quand seule l’année l’est.",
    "open-data-keyword": "programme stratégique transversal",
    # The e-Comptes export: the PST's label (DescriptionPST/Libelle)
    "ecomptes-title": "Programme stratégique transversal {legislature} — {entity}",
    # The fiches' budget tables: their totals
    "total-expenses": "Total des dépenses",
    "total-income": "Total des recettes",
    # The rapport d'exécution: which evaluation it is
    "evaluation-stage": "{final:?de fin de législature}{final:!à mi-législature}",
    # The synergies cross-reference: an action without an end date
    "end-not-given": "non précisée",
    # The validation report (outputs/report.py): its sheets, their columns, the summary's sentences
    "report-title": "Rapport de validation — {label}",
    "report-summary-sheet": "Résumé",
    "report-findings-sheet": "Constats",
    "report-summary": "Chaque ligne de la feuille « Constats » signale un problème, avec le fichier, la feuille, la "
                      "ligne et la colonne. Filtrez la colonne « Fichier » pour envoyer à chaque service ses lignes. "
                      "{outcome}",
    "report-no-error": "Aucune erreur : le PST est écrit.",
    "report-errors": "Tant qu’une erreur subsiste, le PST n’est pas écrit (ou seulement en version provisoire, sans "
                     "les lignes en erreur, avec {option:malgre_erreurs}).",
    "report-all-files": "(ensemble)",
    "report-no-finding": "Aucun constat : tous les classeurs ont été lus sans remarque.",
    "column-severity": "Gravité",
    "column-finding": "Constat",
    "column-file": "Fichier",
    "column-sheet": "Feuille",
    "column-row": "Ligne",
    "column-column": "Colonne",
    "column-header-read": "En-tête",
    "column-value": "Valeur lue",
    "column-message": "Message",
    "column-suggestion": "Suggestion",
    "column-code": "Code",
    "column-errors": "Erreurs",
    "column-warnings": "Avertissements",
    "column-notes": "Notes",
    # The services' feedback workbooks (outputs/retours.py): the list sheet, its columns and its note
    "feedback-sheet": "Retours du PST",
    "feedback-title": "Retours du PST — {name}",
    "feedback-erreur": "Erreur",
    "feedback-avertissement": "Avertissement",
    "column-todo": "Que faire",
    "feedback-note": "Les cellules à revoir sont colorées dans les autres feuilles ; leur commentaire dit quoi faire.",
    "feedback-note-copy": "Ce classeur n’a pas pu être annoté : corrigez les cellules indiquées dans votre fichier "
                          "d’origine.",
}
"""Parts of messages that name something, built by the rule that knows it, and the short texts the documents and
workbooks write beside their data (titles, sheet names, column headers, notes): findings.phrase."""


INSTRUCTIONS: dict[str, str] = {
    # The workbooks' titles (Fichier › Informations) and the « Cadre » and « Exemple » sheets
    "document-title": "{service:?Classeur du service @ — PST }{service:!Classeur d’un service — programme stratégique "
                      "transversal}{service:?{legislature}}",
    "cadre-title": "Cadre du programme stratégique transversal",
    "frame-title": "Cadre stratégique{legislature:? du PST @}{entity_name:? – @}",
    "frame-note": "Pour chaque action, reprenez dans la feuille « Actions » le volet et le numéro de l’objectif "
                  "opérationnel (colonne « N° OO ») auquel elle contribue.",
    "frame-generic": "Ce modèle générique ne reprend pas le cadre de votre entité : le coordinateur du PST vous envoie "
                     "un classeur préparé pour votre service, avec ses objectifs.",
    "example-banner": "EXEMPLE (feuille non lue) : complétez la feuille « Actions ».",
    # What a cell says when selected, or when what is typed does not fit (data validation)
    "prompt-several": "{help} Choisissez dans la liste, ou tapez plusieurs valeurs séparées par « ; ».",
    "error-percent": "Tapez un nombre entier de 0 à 100 (40 pour 40 %).",
    "error-year": "Tapez l’année de l’exercice budgétaire, par exemple 2026.",
    "error-amount": "Tapez un montant en euros, par exemple 12500.",
    "error-decimal": "Tapez un nombre positif, par exemple 0,5 pour un mi-temps.",
    "error-date": "Ce n’est pas une date complète. Gardez-la si vous vouliez un mois (12/2027) ou une année (2027) ; "
                  "sinon, tapez une date comme 31/12/2026.",
    "error-oo": "Ce n’est pas un objectif opérationnel de la liste. Gardez-le seulement si c’est son numéro (par "
                "exemple 2.4) ; sinon choisissez-le dans la liste (la feuille « Cadre » donne les intitulés).",
    "error-list": "Choisissez une valeur dans la liste déroulante.",
    "error-list-kept": "Cette valeur n’est pas dans la liste proposée. Gardez-la seulement si elle est correcte.",
    "title": "{legislature:?PST @}{legislature:!Programme stratégique transversal}{entity_name:? – @}",
    "workbook": "{service:?Classeur du service @}{service:!Classeur d’un service}",
    "send-back": "À renvoyer{deadline:? pour le @ au plus tard}{return_address:? à @}"
                 "{return_address:! au coordinateur du PST}.",
    "purpose-heading": "À quoi sert ce classeur ?",
    "purpose": "Le programme stratégique transversal (PST) rassemble les actions que l’administration mène pendant la "
               "législature pour atteindre les objectifs du cadre stratégique. Ce classeur recueille les actions de "
               "votre service : une ligne par action, dans la feuille « Actions ».",
    "todo-heading": "Ce qu’il faut faire",
    # A workbook pre-filled with the service's actions (make templates PREREMPLI=1)
    "update": "Ce classeur reprend {count:l’action|les {count} actions} de votre service telles qu’elles figurent "
              "dans le PST{prefilled_from:? construit le @}. Mettez-les à jour :",
    "update-fields": "pour chaque action, actualisez le statut, la santé, le taux d’avancement et la date de mise à "
                     "jour, et corrigez ce qui a changé ;",
    "update-keep": "ne modifiez pas les colonnes « Réf. » et « N° action » : elles permettent de retrouver chaque "
                   "action d’une version du PST à l’autre ;",
    "update-add": "pour ajouter une action, complétez une ligne vide sous les autres, en laissant « Réf. » et "
                  "« N° action » vides ;",
    "update-remove": "pour retirer une action, sélectionnez toute sa ligne (clic sur le numéro de la ligne) et "
                     "appuyez sur la touche Suppr : le coordinateur verra qu’elle a été retirée.",
    # An empty workbook
    "fill": "Ouvrez la feuille « Actions » (onglets en bas de l’écran) et complétez une ligne par action.",
    "fill-required": "Les colonnes à l’en-tête orange sont obligatoires : {required:quoted}. Complétez les autres "
                     "autant que possible.",
    "cells-heading": "Comment remplir les cellules",
    "cells-lists": "Choisissez les valeurs dans les listes déroulantes (flèche à droite de la cellule). La feuille "
                   "« Cadre » explique chaque numéro d’objectif : « 2.4 » y a son intitulé.",
    "cells-several": "Plusieurs plans, ODD ou institutions partenaires : tapez-les séparés par « ; » "
                     "(par exemple : PCS ; PCDR).",
    "cells-dates": "Tapez les dates sous la forme 31/12/{year} (ou seulement le mois, 12/{year}, ou l’année, {year}) "
                   "et le taux d’avancement comme un nombre de 0 à 100.",
    "cells-help": "En sélectionnant une cellule, une bulle explique ce qu’il faut y mettre ; la feuille « Exemple » "
                  "montre deux lignes complétées.",
    "cells-headers": "Les en-têtes sont protégés : ne renommez pas les colonnes ni la feuille « Actions ». Vous pouvez "
                     "élargir les colonnes et filtrer.",
    "cells-budget": "Budget (facultatif) : dans la feuille « Financement », une ligne par exercice et par article "
                    "budgétaire, avec la « Réf. » de l’action financée. Une nouvelle action n’a pas encore de Réf. : "
                    "donnez-lui la vôtre (par exemple TRAV-1) dans la feuille « Actions » et reprenez-la ici.",
    "return-heading": "À qui et pour quand ?",
    "return": "Enregistrez le classeur au format Excel (.xlsx), sans changer son nom, et renvoyez-le à "
              "{return_address:?@}{return_address:!la personne qui coordonne le PST (en général la direction "
              "générale)}{deadline:? pour le @ au plus tard}{deadline:! dès que possible}.",
    "contact": "Une question ? Contactez {contact}.",
    "next-heading": "Et ensuite ?",
    "next": "Le coordinateur rassemble les classeurs de tous les services et construit le document du PST. Si une "
            "ligne ne peut pas être reprise (par exemple un numéro d’objectif qui n’existe pas), il vous recontacte "
            "en vous indiquant la ligne et la colonne concernées. Le PST est ensuite présenté {council:=cpas:au "
            "conseil de l’action sociale|commune:au collège communal puis au conseil communal}.{prefilled:! Il est "
            "évolutif : en cours de législature, vous recevrez ce classeur prérempli avec vos actions pour les "
            "mettre à jour.}",
    "columns-heading": "Les colonnes de la feuille « Actions »",
    "columns-column": "Colonne",
    "columns-use": "À quoi elle sert",
}
"""The « Instructions » sheet of the services' workbooks (workbooks.write_instructions), in its order: what the
people filling the workbook read first."""


STOPS: dict[str, str] = {
    "import-no-source": "Indiquez le fichier e-Comptes à importer : « {run:importer source=fichier.xml} ».",
    "import-source-absent": "Le fichier « {source} » n’existe pas.",
    "import-source-folder": "« {source} » est un dossier : indiquez le fichier XML exporté (par exemple "
                            "« {option:source=export.xml} »).",
    "import-data-not-folder": "« {data} » {services:?est le dossier des classeurs d’une entité : indiquez le dossier "
                              "qui contient les entités (par exemple « {option:data=data} »)}{services:!n’est pas un "
                              "dossier : indiquez celui où écrire la nouvelle entité (par exemple "
                              "« {option:data=data} »)}.",
    "import-too-big": "« {source} » pèse {size} Mo : un export e-Comptes en pèse quelques-uns (limite : {limit} Mo). "
                      "Ce n’est pas l’export d’un PST.",
    "import-not-xml": "« {source} » n’est pas un fichier XML lisible (ligne {line}) : est-ce bien l’export e-Comptes "
                      "(.xml) de votre outil ?",
    "import-encoding": "« {source} » annonce l’encodage {encoding}, mais la ligne {line} contient des caractères "
                       "dans un autre encodage : exportez-le à nouveau depuis votre outil, sans l’ouvrir dans un "
                       "éditeur.",
    "import-encoding-unknown": "« {source} » annonce un encodage inconnu ({encoding}).",
    "import-dtd": "« {source} » est refusé par prudence : il déclare une DTD ou des entités, ce qu’un export "
                  "e-Comptes ne fait pas (un tel fichier peut saturer la mémoire).",
    "import-other-schema": "« {source} » n’est pas un export e-Comptes : son élément racine est « {found} » (ligne "
                           "{line}) au lieu de « dataroot ».",
    "import-other-version": "« {source} » suit la version « {found} » du schéma e-Comptes (ligne {line}) : seule la "
                            "version {version} est lue.",
    "import-missing": "« {source} », ligne {line} : il manque l’élément « {element} » dans {path}.",
    "import-bad-legislature": "« {source} », ligne {line} : ExerciceDebut « {first} » et ExerciceFin « {last} » ne "
                              "forment pas une législature ({path}) : le PST s’étend sur plusieurs années, la "
                              "première avant la dernière (par exemple 2025 et 2030).",
    "import-bad-value": "« {source} », ligne {line} : « {value} » n’est pas une valeur possible de « {element} » "
                        "({path}).",
    "import-cadre-refused": "Le cadre écrit depuis « {source} » n’est pas valable : {reasons}. Rien n’a été écrit.",
    "import-data-is-entity": "« {data} » est le dossier d’une entité (il a un cadre.xlsx) : indiquez le dossier qui "
                             "contient les entités (par exemple « {option:data=data} »).",
    "import-interne-illisible": "« {value} » n’est pas une liste de numéros d’objectifs stratégiques pour "
                                "« {option:interne} » : écrivez-les comme l’avertissement de l’import les liste, "
                                "par exemple « {option:interne=2,5} ».",
    "import-interne-inconnu": "« {option:interne} » : {unknown:et} {count:ne désigne|ne désignent} aucun objectif "
                              "stratégique du volet unique de « {source} »{valid:? (ses objectifs sont numérotés "
                              "@)}{valid:! (le fichier n’a pas de volet unique à répartir : ses volets sont déjà "
                              "externe et interne)}. Rien n’a été écrit.",
    "import-folder-exists": "Le dossier « {folder} » existe déjà : il n’est jamais remplacé. Rien n’a été écrit.",
    "data-absent": "Le dossier de données « {data} » n’existe pas{where:? (cherché ici : @)}.",
    "folder-name-unreadable": "Le nom du dossier {names:quoted} contient des caractères illisibles (encodage d’un "
                              "autre système) : renommez-le, puis relancez.",
    "folders-without-cadre": "{count:Dossier|Dossiers} sans cadre.xlsx : {folders}. Chaque entité a son dossier avec "
                             "un cadre.xlsx et un sous-dossier services/.",
    "no-cadre": "Aucun cadre.xlsx dans « {data} » ni dans ses sous-dossiers. Chaque entité a son dossier avec un "
                "cadre.xlsx et un sous-dossier services/.",
    "folder-without-cadre": "Le dossier « {folder} » n’a pas de cadre.xlsx.",
    "entity-unknown": "« {given} » ne désigne aucun dossier d’entité des données (dossiers : {folders:quoted}).",
    "state-unreadable": "Le fichier d’état « {path} » est illisible ({reason:=structure:structure inattendue|"
                        "json:contenu JSON invalide|read:lecture impossible}). Il est écrit par « {run:pst} » et ne se "
                        "modifie pas à la main : restaurez-le depuis une sauvegarde, ou supprimez-le (les actions "
                        "recevront alors de nouvelles références, sauf celles d’une version adoptée, reprises de "
                        "celle-ci).",
    "build-foreign": "le dossier de sortie « {build} » contient les documents construits à partir des données "
                     "« {theirs} », et non de « {ours} ». Pour ne pas les écraser, rien n’a été écrit. Choisissez un "
                     "autre dossier de sortie pour ces données-ci (« {suggested} »), ou supprimez « {build} » s’il ne "
                     "sert plus.",
    "build-among-data": "le dossier de sortie « {build} » est mêlé aux données « {data} » (il est ce dossier, le "
                        "contient, ou se trouve dans ses classeurs ou ses versions) : les documents s’y mêleraient aux "
                        "classeurs, et vider le dossier de sortie effacerait les données. Rien n’a été écrit. "
                        "Choisissez un dossier de sortie à côté des données (par exemple « {option:build=build} »).",
    "no-previous-build": "Aucune construction réussie du PST n’est enregistrée pour {folders:quoted} : les classeurs "
                         "ne peuvent pas être préremplis. Lancez d’abord « {run:pst} », corrigez ses erreurs "
                         "éventuelles, puis relancez « {run:templates prerempli} ».",
}
"""What stops a command before anything is built (a ConfigurationError: exit code 2)."""


ARGPARSE: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "subcommands": "commandes",
    "show this help message and exit": "affiche cette aide et quitte",
    "show program's version number and exit": "affiche la version et quitte",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "the following arguments are required: %s": "il manque : %s",
    "one of the arguments %s is required": "l’une de ces options est à indiquer : %s",
    "unrecognized arguments: %s": "option ou valeur non reconnue : %s",
    "expected one argument": "une valeur est attendue après l’option",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "impossible avec l’option %s",
    "ignored explicit argument %r": "valeur ignorée : « %s »",
    "invalid %(type)s value: %(value)r": "valeur invalide : « %(value)s »",
    "invalid choice: %(value)r (choose from %(choices)s)": "« %(value)s » n’est pas possible (choix : %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "commande inconnue : « %(parser_name)s » (commandes : %(choices)s)",
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d’ouvrir « %(filename)s » : %(error)s",
}
"""argparse's English messages (those of Python 3.11, which later versions keep) → French, with argparse's own
%-placeholders (pipeline/arguments.py translates them; any other passes through unchanged; tests/test_invocation.py
checks what a coordinator can meet)."""


def stop(key: str, **params: object) -> str:
    """A message of STOPS with its values."""
    return MESSAGES.format(STOPS[key], **params)


def instruction(key: str, **params: object) -> str:
    """A text of the « Instructions » sheet with its values."""
    return MESSAGES.format(INSTRUCTIONS[key], **params)


@dataclass(frozen=True)
class Problem:
    """What a converter or a file check could not accept (or accepted with a warning): a catalogue code and its
    parameters, turned into a Finding once the cell is known."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    suggestion: str = ""
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    """The values the message was made of (what tests assert, rather than substrings of the French text)."""

    @property
    def title(self) -> str:
        """Its short French label (TITLES)."""
        return TITLES.get(self.code, self.code)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def properties(self) -> frozenset[str]:
        """What its code declares (PROPERTIES)."""
        return PROPERTIES.get(self.code, frozenset())

    @property
    def explains_row(self) -> bool:
        return EXPLAINS_ROW in self.properties

    @property
    def outside_table(self) -> bool:
        return OUTSIDE_TABLE in self.properties

    @property
    def unknown_value(self) -> bool:
        return UNKNOWN_VALUE in self.properties

    @property
    def refuses_sheet(self) -> bool:
        return REFUSES_SHEET in self.properties and self.is_error

    @property
    def refuses_entity(self) -> bool:
        return REFUSES_ENTITY in self.properties and self.is_error

    def position(self) -> tuple:
        """Compact position used by tests: (code, file, sheet, row, column)."""
        return (self.code, self.file, self.sheet, self.row, self.column)

    def location(self) -> str:
        """Where to look, in French: « Travaux.xlsx, feuille « Actions », ligne 5, colonne C (N° OO) »."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne {self.column}" + (f" (« {self.header} »)" if self.header else ""))
        return ", ".join(parts)


QUOTED_MAX = 200
"""Characters of a typed value quoted in a message (the whole value, up to VALUE_MAX, is in the report)."""
VALUE_MAX = 1000
PARAMETER_MAX = 2000
"""Characters of any other part of a message (lists of codes, places): messages stay readable and bounded."""


def finding(code: str, /, *, file: str = "", sheet: str = "", row: int | None = None, column: str = "",
            header: str = "", value: object = "", **params: object) -> Finding:
    """Build a finding from the catalogue; `header` and `value` are also available to the message. Whatever a
    cell holds, the message quotes at most QUOTED_MAX characters of it (cut with « … »)."""
    severity, message, suggestion = CATALOGUE[code]
    shown = readable(value)
    params = {key: shorten(v, PARAMETER_MAX) if isinstance(v, str) else v for key, v in params.items()}
    values = {"header": header, "value": shorten(shown, QUOTED_MAX), "file": file, "sheet": sheet, **params}
    return Finding(
        severity=severity,
        code=code,
        message=MESSAGES.format(message, **values),
        suggestion=MESSAGES.format(suggestion, **values),
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        header=header,
        value=shorten(shown, VALUE_MAX),
        params=params,
    )


def phrase(key: str, **params: object) -> str:
    """A French phrase of PHRASES with its values: a part of a message that names something (an objective, an
    action), built where the values are known."""
    return MESSAGES.format(PHRASES[key], **params)


def said(key: str, **params: object) -> str:
    """A sentence of CONSOLE with its values."""
    return MESSAGES.format(CONSOLE[key], **params)


class Invocation(str):
    """The value of the fields {run:…} and {option:…}: its format spec is the command or the option."""


INVOCATION_FIELDS = {"run": Invocation("run"), "option": Invocation("option")}


class MessageFormatter(string.Formatter):
    """str.format, plus the forms listed above the catalogue: agreement in number, optional fragments, choices,
    French lists, and commands as the user types them."""

    def get_value(self, key, args, kwargs):
        if key in INVOCATION_FIELDS and key not in kwargs:
            return INVOCATION_FIELDS[key]
        return super().get_value(key, args, kwargs)

    def format_field(self, value, format_spec: str):
        if isinstance(value, Invocation):
            return invocation_text(value, format_spec)
        if format_spec.startswith("?"):
            return format_spec[1:].replace("@", listed(value)) if value else ""
        if format_spec.startswith("!"):
            return "" if value else format_spec[1:]
        if format_spec.startswith("="):
            choices = dict(choice.split(":", 1) for choice in format_spec[1:].split("|"))
            return choices[str(value)]
        if format_spec == "et":
            return join(listed_items(value))
        if format_spec == "quoted":
            return ", ".join(f"« {item} »" for item in listed_items(value))
        if "|" in format_spec:
            singular, plural = format_spec.split("|", 1)
            return agree(value, singular, plural)
        return super().format_field(listed(value), format_spec)


def invocation_text(field: str, spec: str) -> str:
    """{run:templates prerempli} → invocation.command("templates", prerempli=True); {option:date=AAAA-MM-JJ} →
    invocation.option("date", "AAAA-MM-JJ")."""
    from . import invocation

    words = spec.split()
    if field == "option":
        name, _, value = words[0].partition("=")
        return invocation.option(name, value)
    options = dict(word.partition("=")[::2] for word in words[1:])
    return invocation.command(words[0], **{name: value or True for name, value in options.items()})


def listed_items(value) -> list[str]:
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]


def listed(value) -> str:
    """A value as text in a message: a list as « a, b, c »."""
    return ", ".join(listed_items(value)) if isinstance(value, (list, tuple)) else str(value)


MESSAGES = MessageFormatter()


EXCEL_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$")


def readable(value: object) -> str:
    """The value as the service sees it in Excel: a date cell read as « 2025-04-02 00:00:00 » shows 02/04/2025."""
    text = str(value)
    if match := EXCEL_DATE_TEXT.match(text):
        return f"{match[3]}/{match[2]}/{match[1]}"
    return text


def number_ranges(numbers) -> list[str]:
    """[1, 2, 3, 7, 9, 10] → ["1-3", "7", "9-10"]: long lists of numbers stay readable."""
    ranges: list[list[int]] = []
    for n in sorted(set(numbers)):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return [f"{a}-{b}" if b > a else str(a) for a, b in ranges]


def missing_runs(numbers) -> list[tuple[int, int]]:
    """The runs of whole numbers missing between 1 and the largest of `numbers`: {1, 2, 5, 9} → [(3, 4), (6, 8)].

    Computed from the numbers present and their neighbours, never by counting up to the largest: a huge number
    costs no more than a small one."""
    runs, expected = [], 1
    for n in sorted(set(numbers)):
        if n > expected:
            runs.append((expected, n - 1))
        expected = max(expected, n + 1)
    return runs


def runs_count(runs: list[tuple[int, int]]) -> int:
    return sum(last - first + 1 for first, last in runs)


def runs_text(runs: list[tuple[int, int]], prefix: str = "") -> str:
    """[(3, 3), (6, 8)] → « 3, 6-8 »; with the prefix « 2. »: « 2.3, 2.6-2.8 »."""
    return ", ".join(f"{prefix}{first}" if first == last else f"{prefix}{first}-{prefix}{last}"
                     for first, last in runs)


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {ERROR: 0, WARNING: 0, NOTE: 0}
    for f in findings:
        counts[f.severity] += 1
    return counts


def grouped_by_file(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings per file (files in first-seen order), each group sorted by severity then row."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.file].append(f)
    return {
        file: sorted(items, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.row or 0, len(f.column), f.column))
        for file, items in groups.items()
    }
