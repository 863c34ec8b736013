"""`make pdf`: the PST converted by LibreOffice with its table of contents refreshed, read back with poppler
(pdfinfo, pdftotext, pdftohtml) and checked against the .docx headings and the sample workbooks."""

from __future__ import annotations

import html
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, action, docx_paragraphs, make_entity, require_soffice
from test_end_to_end import expected_actions

DOCUMENTS = [("engis-commune", "PST_COMMUNE_2019-2024"), ("engis-cpas", "PST_CPAS_2019-2024")]
TITLES = {"engis-commune": "Commune d'Engis", "engis-cpas": "CPAS d'Engis"}
TIMEOUT = 900  # generous: LibreOffice's first start fills a fresh profile


# --- What the tests need ------------------------------------------------------------------------------------
def missing(what: str):
    if os.environ.get("PST_REQUIRE_LIBREOFFICE"):
        pytest.fail(f"{what} est requis en CI et introuvable")
    pytest.skip(f"{what} is not installed")


def require_pdf_tools() -> None:
    """LibreOffice, its Python (`uno`) and poppler: skipped where absent, a failure in CI."""
    from pipeline.pdf import OfficeMissing, find_office

    require_soffice()
    try:
        find_office()
    except OfficeMissing:
        missing("Le module Python « uno » de LibreOffice (python3-uno)")
    for tool in ("pdfinfo", "pdftotext", "pdftohtml"):
        if shutil.which(tool) is None:
            missing(f"{tool} (poppler-utils)")


def normalized(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_info(path: Path) -> dict[str, str]:
    output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=120).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in output.splitlines())}


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed), whitespace-normalized; index 0 is
    page 1."""
    output = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                            check=True, timeout=120).stdout
    return [normalized(page) for page in output.split("\f")[:int(pdf_info(path)["Pages"])]]


def pdf_outline(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order, from pdftohtml's XML outline."""
    output = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(path)], capture_output=True,
                            text=True, check=True, timeout=120).stdout
    items, depth = [], 0
    for match in re.finditer(r'<outline>|</outline>|<item page="(\d+)">(.*?)</item>', output, re.S):
        if match.group(0) == "<outline>":
            depth += 1
        elif match.group(0) == "</outline>":
            depth -= 1
        else:
            items.append((depth, normalized(html.unescape(match.group(2))), int(match.group(1))))
    return items


def headings(docx: Path) -> list[tuple[int, str]]:
    return [(int(style[-1]), normalized(text)) for style, text in docx_paragraphs(docx)
            if style in ("Heading 1", "Heading 2", "Heading 3") and text.strip()]


def toc_page(pages: list[str]) -> int:
    return next(number for number, text in enumerate(pages, start=1) if "Table des matières" in text)


def toc_pages(pages: list[str]) -> tuple[str, int]:
    """The text of the table of contents (it may run over several pages: each has dot leaders) and its last page."""
    last = toc_page(pages)
    while last < len(pages) and re.search(r"\.{10,}", pages[last]):
        last += 1
    return " ".join(pages[toc_page(pages) - 1:last]), last


def listed_pages(toc: str, titles: list[str]) -> list[int]:
    """The page number printed after each title in the table of contents (dot leaders in between), reading the
    table in order: a title listed twice (« Volet externe » of the annex) gets its own line each time."""
    pages, position = [], 0
    for title in titles:
        match = re.compile(re.escape(title) + r"[\s.…]*(\d+)").search(toc, position)
        assert match, f"« {title} » absent de la table des matières (après la position {position})"
        pages.append(int(match.group(1)))
        position = match.end()
    return pages


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


# --- The Engis sample, converted once -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    require_pdf_tools()
    build = tmp_path_factory.mktemp("build")
    scratch = tmp_path_factory.mktemp("scratch")  # LibreOffice's temporary profile goes there
    completed = subprocess.run([sys.executable, "-m", "pipeline", "pdf", "--data", str(SAMPLE), "--build",
                                str(build)], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
                               env={**os.environ, "TMPDIR": str(scratch)})
    return completed, build, scratch


def test_make_pdf_builds_the_documents_then_one_pdf_per_entity(sample_pdf):
    completed, build, scratch = sample_pdf
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    for folder, name in DOCUMENTS:
        assert (build / folder / f"{name}.docx").is_file()
        pdf = build / folder / f"{name}.pdf"
        pages = pdf_info(pdf)["Pages"]
        assert f"→ PDF écrit : {pdf} ({pages} pages ; table des matières à jour ; signets)" in completed.stdout
    assert "Publication en PDF" in completed.stdout
    assert not [p for p in build.rglob("*") if p.name.startswith(".~")]  # no half-written file left
    assert not list(scratch.iterdir())  # LibreOffice's private profile removed
    assert not processes_mentioning(str(scratch))  # and LibreOffice stopped


@pytest.mark.parametrize("folder, name", DOCUMENTS)
def test_the_pdf_is_tagged_titled_in_french_with_a_plausible_page_count(sample_pdf, folder, name):
    _, build, _ = sample_pdf
    pdf = build / folder / f"{name}.pdf"
    info = pdf_info(pdf)
    assert int(info["Pages"]) > 5
    assert info["Tagged"] == "yes"
    assert info["Title"] == f"Programme stratégique transversal 2019-2024 — {TITLES[folder]}"
    catalog = re.search(rb"/Type\s*/Catalog(.*?)>>\s*endobj", pdf.read_bytes(), re.S)
    assert catalog and b"/Lang(fr-BE)" in catalog.group(1)


@pytest.mark.parametrize("folder, name", DOCUMENTS)
def test_the_table_of_contents_gives_the_page_where_each_heading_is(sample_pdf, folder, name):
    _, build, _ = sample_pdf
    pages = pdf_pages(build / folder / f"{name}.pdf")
    toc, toc_end = toc_pages(pages)
    entries = headings(build / folder / f"{name}.docx")
    assert len(entries) > 10
    cursor = toc_end + 1
    for (_, heading), page in zip(entries, listed_pages(toc, [title for _, title in entries])):
        # Headings come in document order: the first page from the previous heading's on that shows it.
        found = next((n for n in range(cursor, len(pages) + 1) if heading in pages[n - 1]), None)
        assert page == found, f"« {heading} » : page {page} dans la table des matières, page {found} en réalité"
        cursor = found
    toc_text = toc.split("Table des matières", 1)[1]
    assert re.search(r"Introduction[\s.…]*\d+", toc_text)


@pytest.mark.parametrize("folder, name", DOCUMENTS)
def test_every_action_of_the_workbooks_is_in_the_pdf(sample_pdf, folder, name):
    _, build, _ = sample_pdf
    text = " ".join(pdf_pages(build / folder / f"{name}.pdf"))
    expected = expected_actions(SAMPLE / folder)  # read from the workbooks with openpyxl, not the pipeline
    actions = [(number, title) for volet in ("Externe", "Interne") for number, _, title, _ in expected[volet]]
    assert len(actions) > 20
    for number, title in actions:
        assert f"Action {number} : {normalized(title)}" in text, title


@pytest.mark.parametrize("folder, name", DOCUMENTS)
def test_bookmarks_follow_the_headings_and_their_pages(sample_pdf, folder, name):
    _, build, _ = sample_pdf
    pdf = build / folder / f"{name}.pdf"
    assert b"/Outlines" in pdf.read_bytes()
    outline = pdf_outline(pdf)
    assert [(depth, title) for depth, title, _ in outline] == headings(build / folder / f"{name}.docx")
    toc, _ = toc_pages(pdf_pages(pdf))
    assert listed_pages(toc, [title for _, title, _ in outline]) == [page for _, _, page in outline]


# --- LibreOffice absent or failing --------------------------------------------------------------------------
def fake_office(folder: Path, body: str) -> Path:
    script = folder / "soffice"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def run_pdf(tmp_path, capsys):
    def run(data: Path, build: Path | None = None, *options: str):
        from pipeline.cli import main

        build = build or tmp_path / "build"
        code = main(["pdf", "--data", str(data), "--build", str(build), *options])
        captured = capsys.readouterr()
        return code, captured.out, captured.err, build
    return run


def small_entity(folder: Path, broken: bool = False) -> Path:
    rows = [action(title="Planter cent arbres"), action(oo="2.1", title="Aider les familles"),
            action(volet="Interne", title="Simplifier les procédures")]
    if broken:
        rows.append(action(oo="9.9", title="Objectif inexistant"))
    return make_entity(folder, {"Travaux.xlsx": rows})


def test_without_libreoffice_make_pdf_says_how_to_install_it(tmp_path, monkeypatch, run_pdf):
    monkeypatch.setenv("PST_SOFFICE", str(tmp_path / "absent" / "soffice"))
    code, out, err, build = run_pdf(small_entity(tmp_path / "ville"))
    assert code == 2
    assert "Impossible de produire le PDF : LibreOffice est nécessaire" in err
    assert "apt-get install libreoffice-writer-nogui python3-uno" in err
    assert "Traceback" not in err
    assert not build.exists() or not list(build.rglob("*"))  # checked before building: nothing written


def test_without_the_uno_module_make_pdf_says_how_to_install_it(tmp_path, monkeypatch, run_pdf):
    from pipeline.pdf import has_uno

    if has_uno(sys.executable):
        pytest.skip("this interpreter imports uno")
    monkeypatch.setenv("PST_SOFFICE", str(fake_office(tmp_path / "lo", "exit 0")))
    monkeypatch.setenv("PST_UNO_PYTHON", sys.executable)
    code, _, err, _ = run_pdf(small_entity(tmp_path / "ville"))
    assert code == 2
    assert "module Python « uno »" in err and "python3-uno" in err


def test_an_entity_with_errors_gets_no_pdf_and_its_previous_pdf_is_flagged(tmp_path, run_pdf):
    require_pdf_tools()
    folder = small_entity(tmp_path / "ville")
    code, out, err, build = run_pdf(folder)
    assert code == 0, out + err
    pdf = build / "ville" / "PST_VILLE_2025-2030.pdf"
    assert "Aider les familles" in " ".join(pdf_pages(pdf))
    before = pdf.read_bytes()

    small_entity(folder, broken=True)
    code, out, err, _ = run_pdf(folder)
    assert code == 1
    assert "Ville de Testville : pas de PDF, faute de document Word à jour" in out
    assert f"⚠ Le PDF précédent {pdf} est conservé mais n’est PLUS À JOUR." in out
    assert pdf.read_bytes() == before


def test_despite_errors_the_provisional_pdf_is_marked_not_for_publication(tmp_path, run_pdf):
    require_pdf_tools()
    code, out, err, build = run_pdf(small_entity(tmp_path / "ville", broken=True), None, "--malgre-erreurs")
    assert code == 0, out + err
    pdf = build / "ville" / "PST_VILLE_2025-2030_PROVISOIRE.pdf"
    assert f"→ PDF PROVISOIRE écrit (à ne pas publier) : {pdf}" in out
    assert "PROVISOIRE" in pdf_pages(pdf)[0].upper()


def test_a_libreoffice_that_never_answers_is_stopped_and_leaves_the_previous_pdf(tmp_path, monkeypatch,
                                                                                  run_pdf):
    require_pdf_tools()  # the UNO helper runs for real; only LibreOffice is a fake that hangs
    import pipeline.pdf

    pids = tmp_path / "pids"
    office = fake_office(tmp_path / "lo", f"sleep 300 &\necho $$ $! > {pids}\nwait")
    monkeypatch.setenv("PST_SOFFICE", str(office))
    monkeypatch.setattr(pipeline.pdf, "STARTUP_TIMEOUT", 2.0)
    monkeypatch.setattr(pipeline.pdf, "STOP_TIMEOUT", 5.0)
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))  # LibreOffice's profile goes there
    build = tmp_path / "build"
    previous = build / "ville" / "PST_VILLE_2025-2030.pdf"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"%PDF-1.6 previous")

    code, out, err, _ = run_pdf(small_entity(tmp_path / "ville"), build)
    assert code == 2
    assert "Ville de Testville : ÉCHEC de la conversion en PDF. LibreOffice n’a pas démarré" in out
    assert f"⚠ Le PDF précédent {previous} est conservé mais n’est PLUS À JOUR." in out
    assert "Échec : pas de PDF pour Ville de Testville" in err
    assert (build / "conversion-pdf.log").is_file()
    assert previous.read_bytes() == b"%PDF-1.6 previous"
    assert not [p for p in build.rglob("*") if p.name.startswith(".~")]
    assert not list((tmp_path / "scratch").iterdir())
    for pid in pids.read_text().split():  # the fake and its child: both stopped
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_libreoffice_that_stops_at_once_is_reported(tmp_path, monkeypatch, run_pdf):
    require_pdf_tools()
    monkeypatch.setenv("PST_SOFFICE", str(fake_office(tmp_path / "lo", "exit 1")))
    code, out, err, build = run_pdf(small_entity(tmp_path / "ville"))
    assert code == 2
    assert "ÉCHEC de la conversion en PDF" in out
    assert not list(build.rglob("*.pdf"))
    assert "Traceback" not in err
