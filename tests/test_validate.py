"""Validation rules, each asserted on the finding's position and, for a few, on the exact French text."""

import pytest

from conftest import OPERATIONAL, STRATEGIC, action, assemble, make_entity, only, positions


def test_unknown_oo_names_the_cell_and_lists_the_existing_objectives(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [action(), action(oo="9.9", title="Autre")]})
    result = assemble(folder)
    f = only(result, "oo-inconnu")
    assert f.position() == ("oo-inconnu", "Travaux.xlsx", "Actions", 3, "B")
    assert f.message == ("La colonne « N° OO » contient « 9.9 », qui n’existe pas dans le cadre. Objectifs "
                         "opérationnels existants pour le volet Externe : 1.1, 2.1.")
    assert f.is_error


def test_an_action_whose_volet_contradicts_its_oo_is_told_where_the_oo_is(tmp_path):
    operational = OPERATIONAL + [{"Volet": "Interne", "N° OO": "1.2", "Intitulé": "Former les agents"}]
    folder = make_entity(tmp_path / "ville", {"RH.xlsx": [action(volet="Externe", oo="1.2", title="Former")]},
                         operational=operational)
    f = only(assemble(folder), "oo-autre-volet")
    assert f.position() == ("oo-autre-volet", "RH.xlsx", "Actions", 2, "A")
    assert f.message == ("L’action est placée dans le volet Externe, mais l’objectif opérationnel 1.2 n’existe que "
                         "dans le volet Interne (cadre.xlsx, ligne 5).")


def test_missing_required_values_and_unknown_vocabularies(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title=""),
        action(volet="Mixte", title="Deux"),
        action(title="Trois", Statut="Fini"),
    ]})
    result = assemble(folder)
    assert positions(result, "valeur-obligatoire-absente") == [
        ("valeur-obligatoire-absente", "Travaux.xlsx", "Actions", 2, "C")]
    assert positions(result, "volet-inconnu") == [("volet-inconnu", "Travaux.xlsx", "Actions", 3, "A")]
    status = only(result, "valeur-hors-liste")
    assert status.position() == ("valeur-hors-liste", "Travaux.xlsx", "Actions", 4, "D")
    assert "À démarrer, En cours, Terminée, Reportée, Abandonnée" in status.suggestion


def test_duplicate_objectives_in_the_frame_name_both_rows(tmp_path):
    strategic = STRATEGIC + [{"Volet": "Externe", "N° OS": "2", "Intitulé": "Doublon"}]
    operational = OPERATIONAL + [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Doublon"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, strategic=strategic, operational=operational)
    result = assemble(folder)
    os_dup = only(result, "os-en-double")
    assert os_dup.position() == ("os-en-double", "cadre.xlsx", "Objectifs stratégiques", 5, "B")
    assert "aussi ligne 3" in os_dup.message
    oo_dup = only(result, "oo-en-double")
    assert oo_dup.position() == ("oo-en-double", "cadre.xlsx", "Objectifs opérationnels", 5, "B")
    assert "aussi ligne 2" in oo_dup.message


def test_an_oo_whose_os_is_missing(tmp_path):
    operational = OPERATIONAL + [{"Volet": "Interne", "N° OO": "4.1", "Intitulé": "Orphelin"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, operational=operational)
    f = only(assemble(folder), "os-absent")
    assert f.position() == ("os-absent", "cadre.xlsx", "Objectifs opérationnels", 5, "B")
    assert "objectif stratégique 4 du volet Interne" in f.message


def test_the_same_action_number_in_two_files_names_both_places(tmp_path):
    folder = make_entity(tmp_path / "ville", {
        "Environnement.xlsx": [action(title="Un", **{"N° action": "7"})],
        "Travaux.xlsx": [action(title="Deux", **{"N° action": "7"})],
    })
    f = only(assemble(folder), "numero-action-en-double")
    assert f.file == "Travaux.xlsx" and f.row == 2 and f.column == "D"
    assert "Environnement.xlsx, ligne 2" in f.message


def test_the_same_number_in_the_two_volets_is_fine(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Un", **{"N° action": "1"}),
        action(volet="Interne", title="Deux", **{"N° action": "1"}),
    ]})
    assert not positions(assemble(folder), "numero-action-en-double")


def test_warnings_gaps_empty_objectives_and_twice_the_same_libelle(tmp_path):
    operational = OPERATIONAL + [{"Volet": "Externe", "N° OO": "1.3", "Intitulé": "Sans action"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Planter des arbres"),
        action(volet="Interne", title="planter des arbres"),
        action(oo="2.1", title="Aider"),
    ]}, operational=operational)
    result = assemble(folder)
    assert not result.has_errors
    gap = only(result, "numerotation-lacunaire")
    assert gap.message == ("Numérotation avec des trous dans le volet Externe : pas d’objectif opérationnel 1.2 "
                           "(numéros présents : 1.1, 1.3).")
    assert gap.sheet == "Objectifs opérationnels"
    empty = [f.message for f in result.findings if f.code == "oo-sans-action"]
    assert empty == ["L’objectif opérationnel 1.3 du volet Externe n’a aucune action."]
    twice = only(result, "libelle-en-double")
    assert twice.row == 3 and "volet Externe, T.xlsx, ligne 2" in twice.message


def test_oo_codes_typed_with_the_usual_typos_are_accepted_with_a_warning(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(oo="OO1.1"), action(oo="002.1", title="Aider")]})
    result = assemble(folder)
    assert not result.has_errors
    assert len(positions(result, "oo-format-corrige")) == 2
    assert [a.oo_code for a in result.entity.actions()] == ["1.1", "2.1"]


def test_parameters_are_checked(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]},
                         parameters={"Type": "Province", "Code": "LA VILLE!", "Législature": "2030-2025",
                                     "Entité": ""})
    result = assemble(folder)
    assert {f.code for f in result.findings if f.is_error} == {
        "parametre-absent", "type-inconnu", "code-invalide", "legislature-invalide"}
    absent = only(result, "parametre-absent")
    assert absent.file == "cadre.xlsx" and "« Entité »" in absent.message


def test_rows_whose_parent_objective_was_rejected_are_accounted_for(tmp_path):
    strategic = [{"Volet": "Externe", "N° OS": "1", "Intitulé": ""}]
    operational = [{"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Planter"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action()]}, strategic=strategic, operational=operational)
    result = assemble(folder)
    parents = [f.position() for f in result.findings if f.code == "parent-rejete"]
    assert parents == [("parent-rejete", "cadre.xlsx", "Objectifs opérationnels", 2, "B"),
                       ("parent-rejete", "T.xlsx", "Actions", 2, "B")]


def test_identifiers_differ_by_their_punctuation(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Un", **{"Réf.": "COM-S1-11", "N° action": "1.2.3"}),
        action(title="Deux", **{"Réf.": "COM-S11-1", "N° action": "12.3"}),
        action(title="Trois", **{"Réf.": "com-s1-11 "})]})
    result = assemble(folder)
    assert [f.position()[3] for f in result.findings if f.code == "reference-en-double"] == [4]
    assert not [f for f in result.findings if f.code == "numero-action-en-double"]


def test_messages_agree_with_their_count():
    from pipeline.findings import finding

    assert finding("references-attribuees", count=1, first="VILLE-0007", last="VILLE-0007").message == (
        "Une action sans « Réf. » a reçu la référence VILLE-0007.")
    assert finding("references-attribuees", count=2, first="VILLE-0007", last="VILLE-0008").message == (
        "2 actions sans « Réf. » ont reçu une référence (VILLE-0007 à VILLE-0008).")
    assert finding("colonnes-masquees", count=2, columns="C, D").message == (
        "Colonnes masquées, lues comme les autres : C, D.")
    assert finding("numeros-ignores", count=1).message.startswith(
        "Numérotation hiérarchique : le « N° action » d’une action n’est pas repris")


@pytest.mark.parametrize("name", ["CATALOGUE", "CONSOLE", "PROPERTIES"])
def test_the_catalogue_declares_each_code_once(name):
    """A code declared twice in the dict literal silently replaces the first message."""
    import ast
    from pathlib import Path

    source = (Path(__file__).parent.parent / "pipeline" / "findings.py").read_text(encoding="utf-8")
    catalogue = next(node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.AnnAssign)
                     and getattr(node.target, "id", "") == name)
    codes = [key.value for key in catalogue.keys]
    assert len(codes) == len(set(codes)), sorted(code for code in codes if codes.count(code) > 1)


def test_a_service_or_mandataire_outside_the_frame_lists_is_one_warning_per_value(tmp_path):
    from conftest import add_sheet

    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Un", **{"Service gestionnaire": "Travaux", "Mandataire responsable": "Échevine des Travaux"}),
        action(title="Deux", **{"Service gestionnaire": "Travx"}),
        action(title="Trois", **{"Service gestionnaire": "Travx"}),
        action(title="Quatre", **{"Service gestionnaire": "travaux ", "Mandataire responsable": "Le bourgmestre"}),
    ]})
    add_sheet(folder / "cadre.xlsx", "Listes", {"Services": ["Travaux", "Finances"],
                                                 "Mandataires": ["Échevine des Travaux", "Bourgmestre"]})
    result = assemble(folder)
    outside = sorted((f for f in result.findings if f.code == "hors-liste-du-cadre"), key=lambda f: f.row)
    assert [f.position() for f in outside] == [("hors-liste-du-cadre", "Travaux.xlsx", "Actions", 3, "D"),
                                               ("hors-liste-du-cadre", "Travaux.xlsx", "Actions", 5, "E")]
    assert outside[0].message == ("« Service gestionnaire » contient « Travx » (lignes 3-4), qui n’est pas dans la "
                                  "liste « Services » du cadre. Voulez-vous dire « Travaux » ?")
    assert not outside[1].is_error and "liste « Mandataires »" in outside[1].message
    assert len(result.entity.actions()) == 4  # a warning: the actions are kept


def test_without_lists_in_the_frame_any_service_name_is_accepted(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(**{"Service gestionnaire": "Nouveau service"})]})
    assert not [f for f in assemble(folder).findings if f.code == "hors-liste-du-cadre"]


def test_an_odd_listes_sheet_never_holds_back_the_pst(tmp_path):
    """The Listes sheet only feeds dropdowns and checks: empty, without headers, with an Excel error or notes
    beside the lists, the PST is still built."""
    from conftest import add_sheet

    cases = {
        "vide": ({}, []),
        "sans en-têtes": ({"Remarques": ["à compléter"]}, ["listes-illisibles"]),
        "erreur et notes": ({"Services": ["Travaux", "#N/A"], "Notes": ["", "", "à revoir"]}, None),
    }
    for name, (columns, expected) in cases.items():
        folder = make_entity(tmp_path / name, {"T.xlsx": [action(**{"Service gestionnaire": "Travaux"})]})
        add_sheet(folder / "cadre.xlsx", "Listes", columns)
        result = assemble(folder)
        assert not result.has_errors, (name, [f.message for f in result.findings if f.is_error])
        from_lists = [f for f in result.findings if f.sheet == "Listes"]
        if expected is not None:
            assert [f.code for f in from_lists] == expected, name
        else:
            assert "ligne-hors-colonnes" not in [f.code for f in from_lists]
            assert [f.code for f in from_lists if f.code == "cellule-en-erreur"] == ["cellule-en-erreur"]
            assert not [f for f in result.findings if f.code == "hors-liste-du-cadre"]
    warning = next(f for f in assemble(tmp_path / "sans en-têtes").findings if f.code == "listes-illisibles")
    assert not warning.is_error and "« Services »" in warning.suggestion


def test_a_row_pasted_twice_is_one_error_on_the_copy_and_the_action_appears_once(tmp_path):
    row = action(title="Planter cent arbres", Statut="En cours", **{"Réf.": "VILLE-0001", "N° action": "1"})
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [row, action(oo="2.1", title="Aider"), row]})
    result = assemble(folder)
    [error] = [f for f in result.findings if f.is_error]
    assert error.position() == ("ligne-en-double", "T.xlsx", "Actions", 4, "C")
    assert error.message == ("Cette ligne répète exactement la ligne 2, cellule pour cellule : elle n’est pas "
                             "reprise, pour que l’action ne figure qu’une fois.")
    assert not [f for f in result.findings if f.code in ("reference-en-double", "libelle-en-double",
                                                         "numero-action-en-double")]
    assert [a.title for a in result.entity.actions()].count("Planter cent arbres") == 1


def test_the_properties_code_relies_on_are_declared_for_codes_of_the_catalogue_of_the_right_severity():
    """The stages ask a finding for a property (explains_row, refuses_sheet…): a property declared for a code
    that does not exist, or a refusal declared on a warning, would silently never hold."""
    from pipeline.findings import (CATALOGUE, ERROR, EXPLAINS_ROW, PROPERTIES, REFUSES_ENTITY, REFUSES_SHEET,
                                   finding)

    assert set(PROPERTIES) <= set(CATALOGUE), set(PROPERTIES) - set(CATALOGUE)
    for code, properties in PROPERTIES.items():
        if properties & {REFUSES_SHEET, REFUSES_ENTITY}:
            assert CATALOGUE[code][0] == ERROR, code
        if EXPLAINS_ROW in properties:
            assert CATALOGUE[code][0] != ERROR, code  # an error explains its row anyway
    assert finding("ligne-hors-colonnes", columns="F").explains_row and finding("parent-rejete", parent="l’action").explains_row
    assert finding("entetes-absents", scan=30, required=["Volet"]).refuses_sheet
    assert not finding("valeur-obligatoire-absente").refuses_sheet


def test_every_finding_code_has_a_french_label_for_the_report():
    from pipeline.findings import CATALOGUE, TITLES

    assert set(TITLES) == set(CATALOGUE)
    assert all(label[0].isupper() and " " in label or label.startswith("Réf") for label in TITLES.values())
