"""The two recipes of docs/ARCHITECTURE.md, done as a new engineer would: a field declared once in the contract, a
document added as one output module."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import replace
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from conftest import ROOT, action, docx_paragraphs, docx_text, make_entity
from pipeline import contract as c
from pipeline import outputs
from pipeline.cli import main
from pipeline.render import Image, render_document


def build(folder, build_dir, *extra):
    return main(["pst", "--data", str(folder), "--build", str(build_dir), "--processus", "1", *extra])


# --- Recipe 1: add a field ---------------------------------------------------------------------------------------
FIELD = '''        Column("target_public", "Public cible", help="Les personnes que l’action vise.",
               example=("Les familles monoparentales",)),
'''
"""The declaration docs/ARCHITECTURE.md's first recipe adds to ACTIONS_SHEET (« Public cible », issue 22)."""


def repository_copy(into: Path) -> Path:
    """The repository's files as git knows them (not .venv, build/ or caches), copied from the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    return into


def run_in(copy: Path, *command: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """A command run in the copy, with this environment's Python and the copy's pipeline package."""
    environment = {**{k: v for k, v in os.environ.items() if k != "PST_LANCEUR"}, "PYTHONPATH": str(copy)}
    return subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, timeout=timeout)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_the_add_a_field_recipe_followed_in_a_copy_of_the_repository(tmp_path):
    """docs/ARCHITECTURE.md, « Recipe: add a field », done literally in a copy of the repository: one Column in
    pipeline/contract.py (a text edit), then `make modeles-vierges`. The field is in the services' blank workbook
    and README's table — nothing else changes, cadre.xlsx stays byte for byte the same —, in etat-pst.json and in
    the fiches once the sample is built, and the tests of the workbooks pass in the copy."""
    copy = repository_copy(tmp_path / "copy")
    contract = copy / "pipeline" / "contract.py"
    text = contract.read_text(encoding="utf-8")
    start = text.index("ACTIONS_SHEET = SheetContract(")
    end = text.index("\n    ),\n)\n", start) + 1
    contract.write_text(text[:end] + FIELD + text[end:], encoding="utf-8")
    before = contents(copy)

    # The documented command (make finds no .venv to make in the copy: it uses this one's Python)
    made = run_in(copy, "make", "--no-print-directory", "modeles-vierges", f"PY={sys.executable}", "READY=")
    assert made.returncode == 0, made.stdout + made.stderr
    changed = {name for name, data in contents(copy).items() if before.get(name) != data}
    assert changed == {"input_templates/service.xlsx", "README.md"}, made.stdout
    blank = load_workbook(copy / "input_templates" / "service.xlsx")
    assert "Public cible" in [cell.value for cell in blank["Actions"][1]]
    assert "| `Public cible` |  | Les personnes que l’action vise. |" in (copy / "README.md").read_text(encoding="utf-8")
    again = run_in(copy, "make", "--no-print-directory", "modeles-vierges", f"PY={sys.executable}", "READY=")
    assert again.returncode == 0 and {n for n, d in contents(copy).items() if before.get(n) != d} == changed

    # The sample built by the copy: recorded in the state, shown (empty) on every fiche
    built = run_in(copy, sys.executable, "-m", "pipeline", "pst", "--data", "data", "--build", "build")
    assert built.returncode == 0, built.stdout + built.stderr
    for state in sorted((copy / "data").glob("*/etat-pst.json")):
        actions = json.loads(state.read_text(encoding="utf-8"))["actions"]
        assert actions and all(record["target_public"] == "" for record in actions), state
    fiches = sorted((copy / "build").rglob("Fiches_actions_*.docx"))
    assert len(fiches) == 2 and all("Public cible" in docx_text(path) for path in fiches)

    # The tests of the workbooks pass in the copy, unchanged
    tested = run_in(copy, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_templates.py",
                    timeout=900)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]


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


DASHBOARD = '''"""Tableau de bord: one page, the entity's actions counted."""

from . import Job, Output, safe_name, word
from .context import entity_context

TEMPLATE = "tableau_de_bord.docx"


def context(job: Job, part: int = 0) -> dict:
    return {"entity": entity_context(job.entity), "count": len(job.entity.actions())}


OUTPUT = Output(name="tableau-de-bord", stem=lambda job: f"Tableau_de_bord_{safe_name(job.entity.code)}",
                write=word(__name__), labels=("Tableau de bord", "Tableau de bord PROVISOIRE"), publish=True)
'''
"""The module of docs/ARCHITECTURE.md's second recipe (a one-page « Tableau de bord », issue 22)."""

TESTS_OF_THE_DOCUMENTS_A_BUILD_WRITES = (
    "tests/test_bench.py::test_a_broken_template_in_a_side_by_side_build_is_a_french_message_and_changes_no_document",
    "tests/test_hostile.py::test_a_provisional_document_never_replaces_the_last_valid_one_and_goes_once_errors_are_"
    "fixed",
    "tests/test_versions.py::test_a_provisional_build_leaves_every_valid_document_untouched",
)
"""Tests that check every document a build writes: they take the list from the registry."""


def test_the_add_a_document_recipe_followed_in_a_copy_of_the_repository(tmp_path):
    """docs/ARCHITECTURE.md, « Recipe: add a document », done literally in a copy of the repository: a module in
    pipeline/outputs/, its template in output_templates/ (made here with python-docx, as Word would), one line in
    REGISTRY (a text edit). The copy's build of the sample writes it for each entity and lists it; the tests that
    check every document a build writes pass there unchanged."""
    copy = repository_copy(tmp_path / "copy")
    (copy / "pipeline" / "outputs" / "tableau.py").write_text(DASHBOARD, encoding="utf-8")
    template = Document()
    template.add_paragraph("Tableau de bord de {{ entity.name }} : {{ count }} actions.")
    template.save(copy / "output_templates" / "tableau_de_bord.docx")
    registry = copy / "pipeline" / "outputs" / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    assert text.count('    "fiches",\n') == 1, "REGISTRY n’a plus une ligne par module"
    registry.write_text(text.replace('    "fiches",\n', '    "fiches",\n    "tableau",\n'), encoding="utf-8")

    built = run_in(copy, sys.executable, "-m", "pipeline", "pst", "--data", "data", "--build", "build")
    assert built.returncode == 0, built.stdout + built.stderr
    dashboards = sorted((copy / "build").rglob("Tableau_de_bord_*.docx"))
    assert [path.parent.name for path in dashboards] == ["engis-commune", "engis-cpas"]
    for path in dashboards:
        assert "→ Tableau de bord : " + str(path.relative_to(copy)) in built.stdout
        assert docx_text(path).startswith("Tableau de bord de ") and " actions." in docx_text(path)

    tested = run_in(copy, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    *TESTS_OF_THE_DOCUMENTS_A_BUILD_WRITES, timeout=900)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]


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
