"""The two recipes of docs/ARCHITECTURE.md, done as a new engineer would: a field declared once in the contract, a
document added as one output module."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import replace

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from conftest import action, docx_paragraphs, docx_text, make_entity
from pipeline import contract as c
from pipeline import outputs
from pipeline.cli import main
from pipeline.render import Image, render_document


def build(folder, build_dir, *extra):
    return main(["pst", "--data", str(folder), "--build", str(build_dir), "--processus", "1", *extra])


# --- Recipe 1: add a field ---------------------------------------------------------------------------------------
def test_a_column_declared_in_the_contract_is_read_stored_prefilled_offered_and_shown(tmp_path, monkeypatch, capsys):
    note = c.Column("budget_note", "Note budgétaire", help="Ce que le budget prévoit pour l’action.",
                    example=("Crédit inscrit au budget {year}",))
    monkeypatch.setattr(c, "ACTIONS_SHEET", replace(c.ACTIONS_SHEET, columns=(*c.ACTIONS_SHEET.columns, note)))
    folder = make_entity(tmp_path / "ville", {"Travaux.xlsx": [
        action(title="Planter cent arbres", **{"Note budgétaire": "Crédit de 12 000 € à l’extraordinaire"}),
        action(oo="2.1", title="Aider les familles")]},
        parameters={"Champs affichés": "Statut ; Note budgétaire"})
    assert build(folder, tmp_path / "build") == 0, capsys.readouterr().out

    # Shown beside the libellé (« Champs affichés ») and on the fiche, in « Autres informations »
    pst = docx_paragraphs(next((tmp_path / "build").rglob("PST_*.docx")))
    assert ("Action détail", "Note budgétaire\u00a0: Crédit de 12 000 € à l’extraordinaire") in pst
    fiches = docx_text(next((tmp_path / "build").rglob("Fiches_actions_*.docx")))
    assert "Autres informations" in fiches and "Crédit de 12 000 € à l’extraordinaire" in fiches
    # Stored in the state of the build
    state = json.loads((folder / "etat-pst.json").read_text(encoding="utf-8"))
    assert [record.get("budget_note") for record in state["actions"]] == [
        "Crédit de 12 000 € à l’extraordinaire", ""]
    # Offered and pre-filled in the service's workbook, with its example
    assert main(["modeles", "--data", str(folder), "--build", str(tmp_path / "build"), "--prerempli"]) == 0
    book = load_workbook(tmp_path / "build" / "ville" / "modeles" / "Travaux.xlsx")
    header = [cell.value for cell in book["Actions"][1]]
    column = header.index("Note budgétaire")
    assert book["Actions"].cell(row=2, column=column + 1).value == "Crédit de 12 000 € à l’extraordinaire"
    example = [cell.value for cell in book["Exemple"][3]]
    assert "Crédit inscrit au budget 2026" in example
    # Read back as the services type it: a round trip keeps it
    assert build(folder, tmp_path / "build") == 0


# --- Recipe 2: add a document ------------------------------------------------------------------------------------
def png(width: int = 4, height: int = 2) -> bytes:
    """A small grey PNG, written by hand (no charting library in the tests)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def toy_output(template, fail: bool = False) -> outputs.Output:
    def write(job, part, into):
        if fail:
            raise ZeroDivisionError("panne du jouet")
        render_document(template, {"name": job.entity.name, "count": len(job.entity.actions()),
                                   "chart": Image(png(), 4, "Un graphique de démonstration")}, into)

    return outputs.Output(name="toy", stem=lambda job: f"Jouet_{job.entity.code}", write=write,
                          labels=("Jouet écrit", "Jouet PROVISOIRE écrit"), publish=True)


def toy_template(path):
    document = Document()
    document.add_paragraph("Jouet de {{ name }} : {{ count }} actions.")
    document.add_paragraph("{{ chart }}")
    document.save(path)
    return path


def test_an_output_added_in_a_few_lines_is_written_staged_listed_and_named_provisional(tmp_path, monkeypatch,
                                                                                       capsys):
    template = toy_template(tmp_path / "jouet.docx")
    monkeypatch.setattr(outputs, "EXTRA", [toy_output(template)])
    folder = make_entity(tmp_path / "ville", {"T.xlsx": [action(), action(oo="2.1", title="Aider")]})
    assert build(folder, tmp_path / "build") == 0
    toy = tmp_path / "build" / "ville" / "Jouet_VILLE.docx"
    assert "→ Jouet écrit : " + str(toy) in capsys.readouterr().out
    document = Document(toy)
    assert document.paragraphs[0].text == "Jouet de Ville de Testville : 2 actions."
    [picture] = document.element.body.iter(qn("wp:docPr"))
    assert picture.get("descr") == "Un graphique de démonstration"

    # Staged with the others: when it fails, no document of the entity changes.
    pst = next((tmp_path / "build" / "ville").glob("PST_*.docx"))
    before = {path: path.read_bytes() for path in (pst, toy)}
    monkeypatch.setattr(outputs, "EXTRA", [toy_output(template, fail=True)])
    make_entity(folder, {"T.xlsx": [action(), action(oo="2.1", title="Aider"), action(title="Nouvelle")]})
    assert build(folder, tmp_path / "build") == 3
    assert {path: path.read_bytes() for path in before} == before
    assert not list((tmp_path / "build" / "ville").glob(".~*"))

    # Named provisional when built despite errors, beside the valid one; removed by the next clean build.
    monkeypatch.setattr(outputs, "EXTRA", [toy_output(template)])
    make_entity(folder, {"T.xlsx": [action(), action(oo="9.9", title="Rejetée")]})
    assert build(folder, tmp_path / "build", "--malgre-erreurs") == 0
    assert (tmp_path / "build" / "ville" / "Jouet_VILLE_PROVISOIRE.docx").is_file() and toy.read_bytes() == before[toy]
    make_entity(folder, {"T.xlsx": [action()]})
    assert build(folder, tmp_path / "build") == 0
    assert not (tmp_path / "build" / "ville" / "Jouet_VILLE_PROVISOIRE.docx").exists()


def test_a_cross_reference_built_despite_errors_is_provisional_and_never_replaces_the_valid_one(tmp_path):
    data = tmp_path / "data"
    rows = lambda extra=(): {"T.xlsx": [action(**{"Synergie avec": "CPAS", "Code synergie": "SYN-1"}), *extra]}
    make_entity(data / "ville", rows())
    make_entity(data / "cpas", {"S.xlsx": [action(**{"Synergie avec": "VILLE", "Code synergie": "SYN-1"})]},
                parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    assert build(data, tmp_path / "build") == 0
    valid = tmp_path / "build" / "Synergies_VILLE_CPAS.docx"
    before = valid.read_bytes()
    make_entity(data / "ville", rows([action(oo="9.9", title="Rejetée")]))
    assert build(data, tmp_path / "build", "--malgre-erreurs") == 0
    provisional = tmp_path / "build" / "Synergies_VILLE_CPAS_PROVISOIRE.docx"
    assert valid.read_bytes() == before and "DOCUMENT PROVISOIRE" in "".join(
        p.text for s in Document(provisional).sections for p in s.header.paragraphs)
    assert "Document provisoire" in docx_text(provisional)
    make_entity(data / "ville", rows())
    assert build(data, tmp_path / "build") == 0
    assert not provisional.exists()


def test_a_document_asked_by_a_command_is_written_only_when_that_command_runs_and_reads_its_options(tmp_path,
                                                                                                    monkeypatch):
    """The recipe of a document written on demand (make synergies ANNEE=2026): declared with `command`, it reads
    the command's options in `job.asked`; build.py and the other outputs know nothing of it."""
    from pipeline.build import build_all
    from pipeline.load import find_entity_folders

    template = toy_template(tmp_path / "jouet.docx")

    def write(job, part, into):
        sides = job.xref if job.xref else job.entity
        name = f"{sides.left.name} et {sides.right.name}" if job.xref else sides.name
        render_document(template, {"name": f"{name} en {job.asked['annee']}", "count": len(job.xref.pairs)
                                   if job.xref else len(job.entity.actions()),
                                   "chart": Image(png(), 4, "Un graphique de démonstration")}, into)

    annual = outputs.Output(name="annual", stem=lambda job: f"Annuel_{job.xref.left.code}_{job.xref.right.code}_"
                                                            f"{job.asked['annee']}",
                            write=write, labels=("Rapport annuel", "Rapport annuel PROVISOIRE"), scope=outputs.PAIR,
                            pattern=r"Annuel_.+", command="synergies")
    own = outputs.Output(name="own", stem=lambda job: f"Propre_{job.entity.code}_{job.asked['annee']}", write=write,
                         command="synergies")
    monkeypatch.setattr(outputs, "EXTRA", [annual, own])
    data = tmp_path / "data"
    make_entity(data / "ville", {"T.xlsx": [action(**{"Synergie avec": "CPAS", "Code synergie": "SYN-1"})]})
    make_entity(data / "cpas", {"S.xlsx": [action(**{"Synergie avec": "VILLE", "Code synergie": "SYN-1"})]},
                parameters={"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    folders, out = find_entity_folders(data), tmp_path / "build"

    assert build_all(folders, out).exit_code == 0
    assert not list(out.rglob("Annuel_*")) and not list(out.rglob("Propre_*"))

    asked = build_all(folders, out, command="synergies", asked={"annee": 2026})
    report = out / "Annuel_VILLE_CPAS_2026.docx"
    assert [w.path for pair in asked.cross_references for w in pair.written if w.output == "annual"] == [report]
    assert docx_text(report).startswith("Jouet de Ville de Testville et CPAS de Testville en 2026 : 1 actions.")
    assert docx_text(out / "ville" / "Propre_VILLE_2026.docx").startswith("Jouet de Ville de Testville en 2026")
    assert asked.exit_code == 0 and asked.results[0].document is not None  # the PST is built as by make pst

    # A build that does not ask for it neither rewrites it nor reports it out of date.
    before = report.read_bytes()
    again = build_all(folders, out)
    assert again.leftovers == [] and report.read_bytes() == before
    assert all(not r.stale for r in again.results)
