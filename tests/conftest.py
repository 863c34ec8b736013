"""Test helpers: small workbooks built in the test, the CLI run in-process, and the produced .docx read back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"

PARAMETERS = {"Entité": "Ville de Testville", "Type": "Ville", "Code": "VILLE", "Législature": "2025-2030"}
STRATEGIC = [
    {"Volet": "Externe", "N° OS": "1", "Intitulé": "Être une ville verte"},
    {"Volet": "Externe", "N° OS": "2", "Intitulé": "Être une ville solidaire"},
    {"Volet": "Interne", "N° OS": "1", "Intitulé": "Être une administration efficace"},
]
OPERATIONAL = [
    {"Volet": "Externe", "N° OO": "1.1", "Intitulé": "Planter des arbres"},
    {"Volet": "Externe", "N° OO": "2.1", "Intitulé": "Aider les familles"},
    {"Volet": "Interne", "N° OO": "1.1", "Intitulé": "Simplifier les procédures"},
]


def assemble(folder: Path, build: Path | None = None):
    """pipeline.build.assemble, looked up at call time so that the accounting check below applies."""
    import pipeline.build

    return pipeline.build.assemble(folder, build)


def positions(result, code: str) -> list[tuple]:
    """The compact positions (code, file, sheet, row, column) of a build's findings of one code."""
    return [f.position() for f in result.findings if f.code == code]


def only(result, code: str):
    """The one finding of `code` (fails, listing every finding, when there is not exactly one)."""
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.position() for f in result.findings]
    return found[0]


NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def as_excel_stores(value):
    """A text as Excel stores it in a .xlsx: a character XML cannot hold (a control character pasted from another
    program) is written « _x0007_ », its code, which readers turn back into the character (a lone surrogate or
    U+FFFE stays that text: no reader makes a character of it). openpyxl refuses the character itself: this is how
    a test's workbook holds one."""
    if not isinstance(value, str):
        return value
    return NOT_IN_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", value)


def write_rows(sheet, rows: list[dict], headers: list[str] | None = None, first_row: int = 1) -> None:
    headers = headers or list(dict.fromkeys(k for row in rows for k in row))
    for col, header in enumerate(headers, start=1):
        sheet.cell(row=first_row, column=col, value=header)
    for r, row in enumerate(rows, start=first_row + 1):
        for col, header in enumerate(headers, start=1):
            value = row.get(header)
            if value is not None and value != "":
                cell = sheet.cell(row=r, column=col, value=as_excel_stores(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text, even when it starts with "=" (formulas: use openpyxl)


def write_workbook(path: Path, sheets: dict[str, list[dict]], headers: dict[str, list[str]] | None = None) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        write_rows(book.create_sheet(name), rows, (headers or {}).get(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def make_entity(folder: Path, services: dict[str, list[dict]], parameters: dict | None = None,
                strategic: list[dict] | None = None, operational: list[dict] | None = None) -> Path:
    """An entity folder: cadre.xlsx and one workbook per service, each a list of action rows (header → value)."""
    params = {**PARAMETERS, **(parameters or {})}
    write_workbook(folder / "cadre.xlsx", {
        "Paramètres": [{"Paramètre": k, "Valeur": v} for k, v in params.items()],
        "Objectifs stratégiques": strategic if strategic is not None else STRATEGIC,
        "Objectifs opérationnels": operational if operational is not None else OPERATIONAL,
    })
    (folder / "services").mkdir(exist_ok=True)
    for name, rows in services.items():
        headers = list(dict.fromkeys(["Volet", "N° OO", "Libellé de l'action", *[k for r in rows for k in r]]))
        write_workbook(folder / "services" / name, {"Actions": rows}, {"Actions": headers})
    return folder


def add_sheet(path: Path, name: str, columns: dict[str, list]) -> None:
    """Add a sheet with one list per column (header in row 1) to an existing workbook."""
    book = load_workbook(path)
    sheet = book.create_sheet(name)
    for col, (header, values) in enumerate(columns.items(), start=1):
        sheet.cell(row=1, column=col, value=header)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=col, value=as_excel_stores(value))
    book.save(path)


def action(volet: str = "Externe", oo: str = "1.1", title: str = "Planter cent arbres", **fields) -> dict:
    row = {"Volet": volet, "N° OO": oo, "Libellé de l'action": title}
    row.update({key.replace("_", " "): value for key, value in fields.items()})
    return row


@dataclass
class Run:
    code: int
    out: str
    err: str
    build: Path

    def documents(self) -> list[Path]:
        """Every Word document written (PST, fiches, cross-references)."""
        return sorted(self.build.rglob("*.docx")) if self.build.exists() else []

    def pst(self) -> Path:
        """The one PST document of a single-entity build."""
        [document] = [d for d in self.documents() if d.name.startswith("PST_")]
        return document


@pytest.fixture(autouse=True)
def launched_as_the_pst_command(monkeypatch):
    """Advice names commands as the user launched them (pipeline/invocation.py): the tests run the `pst` command
    (in-process, or `python -m pipeline`), never under make, whatever the shell that started them; the tests of
    make's wording set PST_LANCEUR=make themselves."""
    monkeypatch.delenv("PST_LANCEUR", raising=False)


@pytest.fixture
def run_pst(tmp_path, capsys):
    """Run `pst --data DATA --build BUILD` in-process; returns exit code, console output and build folder."""
    def run(data: Path, build: Path | None = None) -> Run:
        from pipeline.cli import main

        build = build or tmp_path / "build"
        code = main(["pst", "--data", str(data), "--build", str(build)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err, build)
    return run


def run_module(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def plain_build_documents(entity, provisional: bool = False) -> list[str]:
    """The names of the Word documents a plain `pst` build writes in an entity's folder, from the registry: its
    entity outputs (not the validation report, always written) that apply to a build without options (no adopted
    version, no rapport d'exécution, no export). `entity`: the model.Entity as built."""
    import datetime as dt

    from pipeline import outputs

    job = outputs.Job(today=dt.date.today(), entity=entity, provisional={"errors": 1} if provisional else None)
    return sorted(path.name for output in outputs.registry()
                  if output.scope == outputs.ENTITY and not output.always and output.suffix == ".docx"
                  and output.applies(job) for path in outputs.paths(output, job, Path()))


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph, in order (tables excluded)."""
    doc = Document(path)
    return [(p.style.name, p.text) for p in doc.paragraphs]


def docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@contextmanager
def memory_limit(extra: int = 1536 << 20):
    """This process's address space (and that of the processes it forks meanwhile) limited to its current size
    plus `extra` bytes: a computation sized by a typed value ends in MemoryError — an internal error, exit 3 —
    instead of eating the machine. No limit where the platform sets none this way (Windows, macOS)."""
    status = Path("/proc/self/status")
    try:
        import resource
        size = next(int(line.split()[1]) * 1024 for line in status.read_text().splitlines()
                    if line.startswith("VmSize:"))
    except (ImportError, OSError, StopIteration):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """LibreOffice's path. Skips the test where it is not installed, except in CI (PST_REQUIRE_LIBREOFFICE=1),
    where its absence is a failure: CI installs it."""
    path = soffice()
    if path is None:
        if os.environ.get("PST_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice (soffice) est requis en CI et introuvable")
        pytest.skip("LibreOffice is not installed")
    return path


SAMPLES = (ROOT / "data", ROOT / "exemple-conjoint")


def recorded_beside_samples() -> list[Path]:
    """What builds record beside the repository's samples (the state of their last build, adopted versions)."""
    return [path for sample in SAMPLES for folder in sample.iterdir() if folder.is_dir()
            for path in (folder / "etat-pst.json", folder / "versions") if path.exists()]


@pytest.fixture(autouse=True)
def samples_start_fresh():
    """Tests build the repository's samples in place (into their own BUILD), and a build records its state beside
    the data: each test starts from the samples as committed, as a coordinator's first build would, and leaves
    them so."""
    def clear():
        for path in recorded_beside_samples():
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def nothing_is_lost(monkeypatch):
    """Row accounting, on every input the test suite builds: each non-empty row read ends in the document or in a
    finding that explains it — never in the safety net « ligne-non-reprise »."""
    import pipeline.build

    original = pipeline.build.assemble

    def checked(folder, *args, **options):
        result = original(folder, *args, **options)
        assert not [f.position() for f in result.findings if f.code == "ligne-non-reprise"]
        assert not result.unaccounted_rows()
        if result.entity is not None:
            assert result.rows_read == result.rows_accepted + result.rows_rejected
            accepted_actions = {a.source.key() for a in result.entity.actions()}
            assert accepted_actions <= result.action_rows
        return result

    monkeypatch.setattr(pipeline.build, "assemble", checked)


def malformed_cells(path: Path) -> list[str]:
    """The table cells of a Word document that hold no paragraph (the format requires one; LibreOffice shifts the
    whole table, Word reports unreadable content), each as « table N, row R »."""
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    body = Document(path).element.body
    found = []
    for t, table in enumerate(body.iter(f"{namespace}tbl"), 1):
        for r, row in enumerate(table.iter(f"{namespace}tr"), 1):
            found += [f"table {t}, row {r}" for cell in row.iter(f"{namespace}tc")
                      if cell.find(f"{namespace}p") is None]
    return found


# --- The PST's website (make site) ------------------------------------------------------------------------------
HOSTILE_TITLE = "Rénover l’école <script>alert(1)</script> & « co »"
INTERNAL_REMARK = "REMARQUE-INTERNE-7431"
LONG_URL = ("https://www.engis.be/fr/vie-communale/services-communaux/travaux-publics/"
            "renovation-des-batiments-scolaires/dossier-complet-de-presentation-au-conseil-communal.pdf")
"""An address of about 150 characters, without a space: in the steps and in a libellé of the sample's site."""
LONG_WORD = "x" * 5000
"""A 5,000-character token (a value pasted wrong): in the steps and the partners of an action of the sample's site."""
ACCESSIBILITY_CONTACT = "l’accueil du CPAS, accessibilite@cpas-engis.example"
"""The CPAS's « Contact accessibilité » in the sample's site (the commune leaves it empty)."""
SITE_DAY = "2022-06-30"


def edit_first_action(workbook: Path, **values) -> None:
    """Change cells of the first action of a service's workbook, by header (« Libellé de l'action »…)."""
    book = load_workbook(workbook)
    sheet = book["Actions"]
    header_row = next(row for row in sheet.iter_rows(min_row=1, max_row=15) if any(
        cell.value == "Libellé de l'action" for cell in row))
    columns = {cell.value: cell.column for cell in header_row if cell.value}
    for header, value in values.items():
        sheet.cell(row=header_row[0].row + 1, column=columns[header], value=value)
    book.save(workbook)


def sample_site(folder: Path) -> dict:
    """The joint sample (a commune and its CPAS) with a history, built as a coordinator would: built and adopted
    (version 1, 15 March 2020); its first Travaux action renamed to a hostile libellé with an internal remark, built
    and adopted (version 2, 10 January 2021); its status changed since, its steps and partners made of a long address
    and a 5,000-character token, the first Environnement action renamed to a libellé holding that address, the CPAS's
    « Contact accessibilité » given; then `pst site --date 2022-06-30`. Returns the folders, the console and the
    exit code."""
    from pipeline.cli import main

    data, build = folder / "data", folder / "build"
    shutil.copytree(ROOT / "exemple-conjoint", data)
    folders = ["--data", str(data), "--build", str(build)]
    assert main(["pst", *folders]) == 0
    assert main(["adopter", *folders, "--seance", "2020-03-15"]) == 0
    travaux = data / "engis-commune" / "services" / "Travaux.xlsx"
    recorded = json.loads((data / "engis-commune" / "etat-pst.json").read_text(encoding="utf-8"))["actions"]
    first = min((a for a in recorded if a["file"] == travaux.name), key=lambda a: a["row"])
    # As a workbook pre-filled by `make templates PREREMPLI=1` holds it: the action keeps its Réf. when renamed.
    edit_first_action(travaux, **{"Libellé de l'action": HOSTILE_TITLE, "Commentaire": INTERNAL_REMARK,
                                  "Statut": "En cours", "Réf.": first["reference"]})
    assert main(["pst", *folders]) == 0
    assert main(["adopter", *folders, "--seance", "2021-01-10"]) == 0
    edit_first_action(travaux, **{"Statut": "Terminée", "Planification": f"Voir {LONG_URL}\n{LONG_WORD}",
                                  "Partenaire(s)": LONG_WORD})
    environment = data / "engis-commune" / "services" / "Environnement.xlsx"
    first = min((a for a in recorded if a["file"] == environment.name), key=lambda a: a["row"])
    edit_first_action(environment, **{"Libellé de l'action": f"Publier {LONG_URL}", "Réf.": first["reference"]})
    cadre = load_workbook(data / "engis-cpas" / "cadre.xlsx")
    cadre["Paramètres"].append(["Contact accessibilité", ACCESSIBILITY_CONTACT])
    cadre.save(data / "engis-cpas" / "cadre.xlsx")
    code = main(["site", *folders, "--date", SITE_DAY])
    return {"data": data, "build": build, "code": code}
