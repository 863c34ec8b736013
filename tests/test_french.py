"""Institutions named in a sentence (messages and the joint PST): the article French puts before each name."""

from __future__ import annotations

import pytest

from pipeline import french


@pytest.mark.parametrize("name, the, of", [
    ("Commune d'Engis", "la Commune d'Engis", "de la Commune d'Engis"),
    ("Ville de Soignies", "la Ville de Soignies", "de la Ville de Soignies"),
    ("CPAS d'Engis", "le CPAS d'Engis", "du CPAS d'Engis"),
    ("C.P.A.S. de Liège", "le C.P.A.S. de Liège", "du C.P.A.S. de Liège"),
    ("Administration communale d'Amay", "l’Administration communale d'Amay",
     "de l’Administration communale d'Amay"),
    ("Engis", "Engis", "d’Engis"),
    ("Yvoir", "Yvoir", "d’Yvoir"),
    ("Soignies", "Soignies", "de Soignies"),
    ("Le Rœulx", "Le Rœulx", "du Rœulx"),
    ("Les Bons Villers", "Les Bons Villers", "des Bons Villers"),
    ("La Louvière", "La Louvière", "de La Louvière"),
    ("", "", ""),
])
def test_an_institution_takes_the_article_of_its_name(name, the, of):
    assert french.the(name) == the
    assert french.of(name) == of


@pytest.mark.parametrize("n, status, said", [
    (1, "Terminée", "1 terminée"),
    (46, "Terminée", "46 terminées"),
    (63, "Reportée", "63 reportées"),
    (2, "Abandonnée", "2 abandonnées"),
    (0, "Abandonnée", "0 abandonnée"),
    (51, "En cours", "51 en cours"),
    (52, "À démarrer", "52 à démarrer"),
    (1, "Non renseigné", "1 non renseignée"),
    (3, "Non renseigné", "3 non renseignées"),
])
def test_a_status_agrees_with_the_actions_it_counts(n, status, said):
    """« Sur 268 actions : 46 terminées… »: the status is said of actions (feminine), in their number."""
    assert french.counted(n, status) == said
