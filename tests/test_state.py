"""Stable references (« Réf. ») and the state of the last successful build (<DATA>/<entité>/etat-pst.json)."""

from __future__ import annotations

import json

from conftest import action, make_entity, run_module
from pipeline.build import build_all


def build(folder, out):
    [result] = build_all([folder], out).results
    return result


def references(out, folder) -> dict[str, str]:
    """Libellé → Réf. as recorded in the state file."""
    state = json.loads((folder / "etat-pst.json").read_text(encoding="utf-8"))
    return {a["title"]: a["reference"] for a in state["actions"]}


def found(result, code):
    return [f for f in result.findings if f.code == code]


THREE = [action(title="Planter cent arbres"), action(oo="2.1", title="Numériser les primes"),
         action(volet="Interne", title="Simplifier")]


def test_every_action_gets_a_reference_once_and_keeps_it_from_build_to_build(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": THREE})
    first = build(folder, tmp_path / "b")
    assert first.document is not None
    assert references(tmp_path / "b", folder) == {
        "Planter cent arbres": "VILLE-0001", "Numériser les primes": "VILLE-0002", "Simplifier": "VILLE-0003"}
    assert [f.message for f in found(first, "references-attribuees")] == [
        "3 actions sans « Réf. » ont reçu une référence (VILLE-0001 à VILLE-0003)."]

    # Same actions, typed again with other case and accents, in another order: same references, no new one.
    make_entity(folder, {"Travaux.xlsx": [action(volet="Interne", title="simplifier"),
                                          action(oo="2.1", title="NUMERISER les primes"),
                                          action(title="Planter cent  arbres")]})
    second = build(folder, tmp_path / "b")
    assert references(tmp_path / "b", folder) == {
        "simplifier": "VILLE-0003", "NUMERISER les primes": "VILLE-0002", "Planter cent arbres": "VILLE-0001"}
    assert not found(second, "references-attribuees")


def test_a_reference_typed_by_a_service_is_kept_and_a_new_action_gets_the_next_free_number(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": THREE})
    build(folder, tmp_path / "b")
    make_entity(folder, {"Travaux.xlsx": [*THREE, action(title="Fleurir", **{"Réf.": "TRAV-12"}),
                                          action(title="Arroser")]})
    build(folder, tmp_path / "b")
    refs = references(tmp_path / "b", folder)
    assert refs["Fleurir"] == "TRAV-12"
    assert refs["Arroser"] == "VILLE-0004"


def test_the_same_reference_twice_is_an_error_naming_both_rows(tmp_path):
    folder = make_entity(tmp_path / "ville", {
        "Travaux.xlsx": [action(title="Planter", **{"Réf.": "VILLE-0001"})],
        "Finances.xlsx": [action(oo="2.1", title="Budget"), action(title="Copie", **{"Réf.": "ville-0001"})]})
    result = build(folder, tmp_path / "b")
    [error] = found(result, "reference-en-double")
    assert error.position() == ("reference-en-double", "Travaux.xlsx", "Actions", 2, "D")
    assert error.message == ("La référence « VILLE-0001 » est déjà celle d’une autre action "
                             "(Finances.xlsx, ligne 3).")
    assert error.is_error and result.document is None
    assert not (folder / "etat-pst.json").exists()


def test_a_row_deleted_by_a_service_is_reported_as_withdrawn_and_its_number_never_reused(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": THREE, "Finances.xlsx": [action(title="Budget")]})
    build(folder, tmp_path / "b")
    make_entity(folder, {"Travaux.xlsx": [THREE[0], THREE[1], action(volet="Interne", title="Informatiser")]})
    result = build(folder, tmp_path / "b")
    [withdrawn] = found(result, "action-retiree")
    # Files are taken by name: Finances' Budget is VILLE-0001, then Travaux' actions VILLE-0002 to 0004.
    assert (withdrawn.file, withdrawn.sheet, withdrawn.value) == ("Travaux.xlsx", "Actions", "VILLE-0004")
    assert withdrawn.message.startswith("Action retirée : « Simplifier » (Réf. VILLE-0004)")
    assert not withdrawn.is_error and result.document is not None
    refs = references(tmp_path / "b", folder)
    assert refs["Informatiser"] == "VILLE-0005"  # never Simplifier's 0004
    assert "Simplifier" not in refs

    # Reported once: the state now knows it is gone.
    assert not found(build(folder, tmp_path / "b"), "action-retiree")


def test_an_action_with_an_error_or_a_removed_file_is_not_reported_as_withdrawn(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": THREE, "Finances.xlsx": [action(title="Budget")]})
    build(folder, tmp_path / "b")
    state = (folder / "etat-pst.json").read_bytes()
    (folder / "services" / "Finances.xlsx").unlink()
    make_entity(folder, {"Travaux.xlsx": [THREE[0], THREE[1], action(volet="Interne", oo="9.9", title="Simplifier")]})
    result = build(folder, tmp_path / "b")
    assert found(result, "oo-inconnu")
    assert not found(result, "action-retiree")
    assert (folder / "etat-pst.json").read_bytes() == state  # written after a successful build only


def test_a_damaged_state_file_stops_with_a_french_message_and_exit_2(tmp_path):
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": THREE})
    (folder / "etat-pst.json").write_text("{ pas du json", encoding="utf-8")
    completed = run_module("pst", "--data", str(folder), "--build", str(tmp_path / "b"))
    assert completed.returncode == 2
    assert "etat-pst.json" in completed.stderr and "est illisible" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
