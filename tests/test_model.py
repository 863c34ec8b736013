"""Order and numbering of the actions (what the conseil reads as « Action 52 »)."""

from conftest import OPERATIONAL, action, assemble, make_entity

OPERATIONAL_WIDE = OPERATIONAL + [{"Volet": "Externe", "N° OO": "1.2", "Intitulé": "Fleurir"}]


def numbered(result, volet):
    return [(a.number, a.title) for v in result.entity.volets if v.name == volet for a in v.actions()]


def test_without_numbers_actions_are_numbered_through_each_volet_in_frame_then_file_order(tmp_path):
    folder = make_entity(tmp_path / "ville", {
        "B-Travaux.xlsx": [action(oo="2.1", title="T-2.1"), action(oo="1.2", title="T-1.2"),
                           action(volet="Interne", title="T-int")],
        "A-Environnement.xlsx": [action(oo="1.2", title="E-1.2"), action(oo="1.1", title="E-1.1")],
    }, operational=OPERATIONAL_WIDE)
    result = assemble(folder)
    assert numbered(result, "Externe") == [("1", "E-1.1"), ("2", "E-1.2"), ("3", "T-1.2"), ("4", "T-2.1")]
    assert numbered(result, "Interne") == [("1", "T-int")]
    assert not [f for f in result.findings if f.code == "numeros-completes"]


def test_given_numbers_are_kept_and_order_the_actions_of_an_objective(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(oo="2.1", title="Quarante", **{"N° action": "40"}),
        action(oo="1.1", title="Neuf", **{"N° action": "9"}),
        action(oo="1.1", title="Dix", **{"N° action": 10}),
        action(oo="1.1", title="Trois bis", **{"N° action": "3bis"}),
    ]})
    result = assemble(folder)
    assert numbered(result, "Externe") == [("3bis", "Trois bis"), ("9", "Neuf"), ("10", "Dix"), ("40", "Quarante")]


def test_a_volet_mixing_given_and_missing_numbers_continues_without_reusing_a_number(tmp_path):
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(oo="1.1", title="Un", **{"N° action": "1"}),
        action(oo="1.1", title="Sans numéro A"),
        action(oo="2.1", title="Deux", **{"N° action": "2"}),
        action(oo="2.1", title="Sans numéro B"),
    ]})
    result = assemble(folder)
    assert numbered(result, "Externe") == [("1", "Un"), ("3", "Sans numéro A"), ("2", "Deux"),
                                           ("4", "Sans numéro B")]
    note = next(f for f in result.findings if f.code == "numeros-completes")
    assert note.message == ("2 actions du volet Externe sans « N° action » ont reçu un numéro à la suite des "
                            "numéros donnés : 3 (T.xlsx, ligne 3), 4 (T.xlsx, ligne 5).")


def test_objectives_are_ordered_by_number_whatever_the_frame_order(tmp_path):
    strategic = [{"Volet": "Interne", "N° OS": "1", "Intitulé": "Int"},
                 {"Volet": "Externe", "N° OS": "10", "Intitulé": "Dix"},
                 {"Volet": "Externe", "N° OS": "2", "Intitulé": "Deux"}]
    operational = [{"Volet": "Externe", "N° OO": "10.1", "Intitulé": "a"},
                   {"Volet": "Externe", "N° OO": "2.10", "Intitulé": "b"},
                   {"Volet": "Externe", "N° OO": "2.9", "Intitulé": "c"},
                   {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "d"}]
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(oo="10.1"), action(oo="2.10", title="B"),
                                                         action(oo="2.9", title="C"),
                                                         action(volet="Interne", title="D")]},
                         strategic=strategic, operational=operational)
    entity = assemble(folder).entity
    assert [v.name for v in entity.volets] == ["Externe", "Interne"]
    assert [oo.code for oo in entity.volets[0].operational()] == ["2.9", "2.10", "10.1"]


def test_after_adoption_each_action_keeps_its_number_and_a_withdrawn_one_is_never_reused(tmp_path):
    """Mid-term, after the conseil took note: a service returns its workbook without the numbers, another
    withdraws an action and adds one."""
    from pipeline.build import build_all
    from pipeline.cli import main

    build = tmp_path / "build"
    folder = make_entity(tmp_path / "ville", {
        "A.xlsx": [action(title="A1"), action(title="A2"), action(oo="2.1", title="A3")],
        "B.xlsx": [action(title="B1"), action(oo="2.1", title="B2")]})
    first = {a.title: a.number for a in build_all([folder], build).results[0].entity.actions()}
    assert first == {"A1": "1", "A2": "2", "B1": "3", "A3": "4", "B2": "5"}
    assert main(["adopter", "--data", str(folder), "--build", str(build), "--seance", "2025-06-26"]) == 0
    # B withdraws B1 and adds B3 under OO 1.1, ahead of the others in file order; A is unchanged.
    make_entity(folder, {"B.xlsx": [action(title="B3"), action(oo="2.1", title="B2")]})
    [result] = build_all([folder], build).results
    second = {a.title: a.number for a in result.entity.actions()}
    assert second == {"A1": "1", "A2": "2", "A3": "4", "B2": "5", "B3": "6"}  # after the last of the volet
    # The withdrawal is reported once, as such; its number stays unused without a « gap » warning, build after
    # build, and is never given to a new action.
    assert [f.code for f in result.findings if f.code in ("action-retiree", "numerotation-lacunaire")] == [
        "action-retiree"]
    make_entity(folder, {"B.xlsx": [action(title="B3"), action(oo="2.1", title="B2"), action(title="B4")]})
    [result] = build_all([folder], build).results
    third = {a.title: a.number for a in result.entity.actions()}
    assert third == {**second, "B4": "7"}
    assert not [f.code for f in result.findings if f.code in ("action-retiree", "numerotation-lacunaire")]


def test_a_draft_is_numbered_in_the_document_order_on_every_build(tmp_path):
    """Before adoption, numbers never freeze: a workbook that arrives late takes its place in the numbering."""
    from pipeline.build import build_all

    build = tmp_path / "build"
    folder = make_entity(tmp_path / "ville", {"A.xlsx": [action(title="A1"), action(oo="2.1", title="A2")]})
    first = {a.title: a.number for a in build_all([folder], build).results[0].entity.actions()}
    assert first == {"A1": "1", "A2": "2"}
    make_entity(folder, {"B.xlsx": [action(title="B1")]})
    [result] = build_all([folder], build).results
    assert {a.title: a.number for a in result.entity.actions()} == {"A1": "1", "B1": "2", "A2": "3"}
    assert not [f for f in result.findings if f.code == "numerotation-lacunaire"]


def test_the_number_of_a_rejected_row_is_kept_for_it_and_is_not_a_gap(tmp_path):
    """Action 2 has an unreadable date: only its own error is reported (no « pas d’action 2 »), and an action
    without a number does not take its 2, which it will get back once corrected."""
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [
        action(title="Un", **{"N° action": "1"}),
        action(title="Deux", **{"N° action": "2", "Début": "31/13/2025"}),
        action(title="Trois", **{"N° action": "3"}),
        action(title="Sans numéro"),
    ]})
    result = assemble(folder)
    assert [f.code for f in result.findings if f.is_error] == ["date-illisible"]
    assert not [f for f in result.findings if f.code == "numerotation-lacunaire"]
    numbers = {a.title: a.number for a in result.entity.actions()}
    assert numbers == {"Un": "1", "Trois": "3", "Sans numéro": "4"}
