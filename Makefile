# PST builder — what the coordinator types:
#   make pst                 builds every entity of data/ into build/
#   make pst DATA=dossier    builds another data folder (or a single entity folder)
#   make pdf                 builds as make pst, then the PDF of each PST for the website (LibreOffice)
#   make templates           writes each service's workbook from the frame (PREREMPLI=1: with its actions)
#   make verifier            reads and checks the workbooks: the validation report only, nothing recorded
#   make suivre              builds as make pst, then rebuilds an entity each time one of its workbooks is saved
#                            (its validation report first, then its documents; never a version; Ctrl+C stops)
#   make adopter SEANCE=…    records the last build as the version the conseil took note of (versions/;
#                            ENTITE=dossier: that entity only; ANNULER=AAAA-MM-JJ: withdraws that last version)
#   make modifications       builds as make pst, with what changed since the adopted version (DEPUIS=…)
#   make rapport             builds as make pst, with the rapport d'exécution (DATE=AAAA-MM-JJ, ECHEANCE=mi-parcours|fin)
#   make ecomptes            builds as make pst, with the XML export to e-Comptes (EXERCICE=AAAA)
#   make synergies           builds as make pst, with the annual report on the synergies commune–CPAS (ANNEE=AAAA)
#   make site                builds as make pst, with the website of each PST (DATE=AAAA-MM-JJ: its progress then)
#   make importer SOURCE=f   writes a new entity folder in DATA from another tool's e-Comptes export (XML)
#                            (INTERNE=2,5: the OS of its single « NEANT » volet to place in the volet interne)
#   MALGRE_ERREURS=1         (pst, pdf, suivre, modifications, rapport, ecomptes, synergies, site) provisional
#                            documents despite errors
#   make test                runs the tests
# The first command creates .venv and installs the pinned dependencies (once).

DATA  ?= data
BUILD ?= build
PREREMPLI ?=
SEANCE ?=
ENTITE ?=
ANNULER ?=
DEPUIS ?=
DATE ?=
ECHEANCE ?=
RAPPORT ?=
EXERCICE ?=
ANNEE ?=
SOURCE ?=
INTERNE ?=
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV  := .venv
PY    := $(VENV)/bin/python
READY := $(VENV)/.installed
# The commands below run the `pst` command's sub-commands; PST_LANCEUR=make tells it that its advice names make
# targets and variables (« relancez « make pst MALGRE_ERREURS=1 » »), in its worker processes too.
PIPELINE := PST_LANCEUR=make $(PY) -m pipeline
DESPITE_ERRORS = $(if $(filter 1 oui yes,$(MALGRE_ERREURS)),--malgre-erreurs)

.PHONY: pst pdf templates verifier suivre adopter modifications rapport ecomptes synergies site importer test bench modeles-vierges clean help

help:
	@echo "make pst [DATA=data] [BUILD=build]   construit le PST de chaque entité"
	@echo "make pst MALGRE_ERREURS=1            document provisoire malgré les erreurs (lignes rejetées écartées)"
	@echo "make pdf [DATA=data] [BUILD=build]   construit le PST puis son PDF à publier (LibreOffice)"
	@echo "make templates [DATA=…] [BUILD=…]    écrit le classeur de chaque service dans BUILD/<entité>/modeles/"
	@echo "make templates PREREMPLI=1           … prérempli avec ses actions de la dernière construction"
	@echo "make verifier                        contrôle les classeurs : rapport de validation seulement"
	@echo "make suivre [DATA=…] [BUILD=…]       construit, puis reconstruit une entité à chaque classeur enregistré (Ctrl+C)"
	@echo "make adopter SEANCE=AAAA-MM-JJ       enregistre la version dont le conseil a pris acte ce jour-là"
	@echo "make adopter SEANCE=… ENTITE=dossier  … pour cette seule entité (toutes ou aucune, sinon)"
	@echo "make adopter ANNULER=AAAA-MM-JJ      retire la dernière version enregistrée (mise de côté)"
	@echo "make modifications [DEPUIS=AAAA-MM-JJ]  le PST et ses modifications depuis la version adoptée"
	@echo "make rapport [DATE=AAAA-MM-JJ] [ECHEANCE=mi-parcours|fin]  le PST et son rapport d’exécution"
	@echo "make pdf RAPPORT=1 [DATE=…]          … et le PDF du rapport d’exécution avec celui du PST"
	@echo "make ecomptes [EXERCICE=AAAA]        le PST et son export XML pour e-Comptes (Région wallonne)"
	@echo "make synergies [ANNEE=AAAA]          le PST et le rapport annuel sur les synergies commune–CPAS"
	@echo "make site [DATE=AAAA-MM-JJ]          le PST et son site internet à publier (BUILD/<entité>/site/, archive .zip)"
	@echo "make importer SOURCE=fichier.xml     nouvelle entité dans DATA depuis l’export e-Comptes d’un autre outil"
	@echo "… INTERNE=2,5                        (importer) ces OS du volet unique « NEANT » dans le volet interne"
	@echo "… MALGRE_ERREURS=1                   (pst, pdf, suivre, modifications, rapport, ecomptes, synergies, site) documents provisoires"
	@echo "make test                            lance les tests"
	@echo "make bench                           mesure les temps et la mémoire (écrit bench/RESULTS.md)"
	@echo "make modeles-vierges                 régénère input_templates/ et le tableau des colonnes de README.md depuis le contrat"

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

pst: $(READY)
	@$(PIPELINE) pst --data "$(DATA)" --build "$(BUILD)" $(DESPITE_ERRORS)

EVALUATION = $(if $(DATE),--date "$(DATE)") $(if $(ECHEANCE),--echeance "$(ECHEANCE)")

pdf: $(READY)
	@$(PIPELINE) pdf --data "$(DATA)" --build "$(BUILD)" $(DESPITE_ERRORS) $(if $(filter 1 oui yes,$(RAPPORT)),--rapport) $(EVALUATION)

ecomptes: $(READY)
	@$(PIPELINE) ecomptes --data "$(DATA)" --build "$(BUILD)" $(if $(EXERCICE),--exercice "$(EXERCICE)") $(DESPITE_ERRORS)

synergies: $(READY)
	@$(PIPELINE) synergies --data "$(DATA)" --build "$(BUILD)" $(if $(ANNEE),--annee "$(ANNEE)") $(DESPITE_ERRORS)

site: $(READY)
	@$(PIPELINE) site --data "$(DATA)" --build "$(BUILD)" $(if $(DATE),--date "$(DATE)") $(DESPITE_ERRORS)

rapport: $(READY)
	@$(PIPELINE) rapport --data "$(DATA)" --build "$(BUILD)" $(EVALUATION) $(DESPITE_ERRORS)

importer: $(READY)
	@$(PIPELINE) importer --data "$(DATA)" $(if $(SOURCE),--source "$(SOURCE)") $(if $(INTERNE),--interne "$(INTERNE)")

verifier: $(READY)
	@$(PIPELINE) verifier --data "$(DATA)" --build "$(BUILD)"

suivre: $(READY)
	@$(PIPELINE) suivre --data "$(DATA)" --build "$(BUILD)" $(DESPITE_ERRORS)

adopter: $(READY)
	@$(PIPELINE) adopter --data "$(DATA)" --build "$(BUILD)" $(if $(SEANCE),--seance "$(SEANCE)") \
	  $(if $(ENTITE),--entite "$(ENTITE)") $(if $(ANNULER),--annuler "$(ANNULER)")

modifications: $(READY)
	@$(PIPELINE) modifications --data "$(DATA)" --build "$(BUILD)" $(if $(DEPUIS),--depuis "$(DEPUIS)") $(DESPITE_ERRORS)

templates: $(READY)
	@$(PIPELINE) modeles --data "$(DATA)" --build "$(BUILD)" $(if $(filter 1 oui yes true,$(PREREMPLI)),--prerempli)

test: $(READY)
	@$(PY) -m pytest

bench: $(READY)
	@$(PY) bench/run.py

modeles-vierges: $(READY)
	@$(PIPELINE) modeles-vierges --out input_templates
	@$(PY) tools/readme_columns.py README.md

clean:
	rm -rf $(BUILD)
