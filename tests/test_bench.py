"""Issue 6: synthetic entities (bench/synthetic.py) build without errors, stage times are reported, several entities are built in
parallel with one progress line each (no timing is asserted: speed is measured by `make bench`)."""

import re

from docx import Document

from conftest import assemble, docx_paragraphs, plain_build_documents
from pipeline.cli import main
from bench.synthetic import Shape, generate
from pipeline.outputs import fiches as fiches_output
from pipeline.render import TEMPLATES


def test_generated_entities_build_without_errors_with_stage_times_and_progress_lines(tmp_path, capsys):
    data = tmp_path / "data"
    generate(data, Shape(actions=60, services=4, entities=2))
    code = main(["pst", "--data", str(data), "--build", str(tmp_path / "build"), "--temps", "--processus", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ERREUR" not in out
    progress = re.findall(r"^\[(\d)/2\] (.+?) : document écrit \(0 erreur", out, re.M)
    assert sorted(progress) == [("1", progress[0][1]), ("2", progress[1][1])]
    assert {name for _, name in progress} == {"Commune de Synthèse-1", "CPAS de Synthèse-1"}
    timing_lines = re.findall(r"^  Temps : (.+)$", out, re.M)
    assert len(timing_lines) == 2
    for line in timing_lines:
        stages = re.findall(r"(lecture|normalisation|contrôles|modèle|documents) (\d+,\d)\u00a0s", line)
        assert [name for name, _ in stages] == ["lecture", "normalisation", "contrôles", "modèle", "documents"]
    # Paired entities share synergies: both PSTs have their annex and the cross-reference pairs them.
    xref = Document(tmp_path / "build" / "Synergies_COM1_CPAS1.docx")
    assert len(xref.tables[0].rows) > 2
    commune = next((tmp_path / "build").glob("001-*/PST_*.docx"))
    headings = [text for style, text in docx_paragraphs(commune) if style == "Heading 1"]
    assert "Annexe\u00a0: synergies Commune de Synthèse-1 & CPAS de Synthèse-1" in headings
    assert "Annexe\u00a0: programmation financière" in headings


def document_text(path) -> list[str]:
    document = Document(path)
    return [p.text for p in document.paragraphs] + [cell.text for table in document.tables
                                                     for row in table.rows for cell in row.cells]


def test_an_entity_built_alone_writes_its_documents_side_by_side_with_the_same_content(tmp_path, monkeypatch):
    """One entity and two processes: the PST and the fiches (split here into parts) are written in parallel;
    every document holds what the one-process build writes, the fiches in the PST's order."""
    from pipeline.build import build_all

    monkeypatch.setattr(fiches_output, "FICHES_PER_DOCUMENT", 25)
    [folder] = generate(tmp_path / "data", Shape(actions=60, services=3))
    alone = build_all([folder], tmp_path / "one", jobs=1)
    side_by_side = build_all([folder], tmp_path / "two", jobs=2)
    assert alone.exit_code == side_by_side.exit_code == 0
    one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.docx"))
    two = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.docx"))
    assert one == two
    assert [p.name for p in one if p.name.startswith("Fiches")] == [
        "Fiches_actions_COM1_1.docx", "Fiches_actions_COM1_2.docx", "Fiches_actions_COM1_3.docx"]
    for path in one:
        assert document_text(tmp_path / "one" / path) == document_text(tmp_path / "two" / path)
    [result] = side_by_side.results
    assert result.paths("fiches")[0].name == "Fiches_actions_COM1_1.docx"
    assert result.document.name.startswith("PST_COM1")
    assert result.paths("report")[0].exists()
    numbers = [re.match("Action\u00a0(\\S+)\u00a0:", text)[1] for part in two if part.name.startswith("Fiches")
               for style, text in docx_paragraphs(tmp_path / "two" / part) if style == "Heading 1"]
    in_document = [a.number for v in result.entity.volets for a in v.actions()]
    assert numbers == in_document and len(numbers) == 60


def test_a_broken_template_in_a_side_by_side_build_is_a_french_message_and_changes_no_document(
        tmp_path, monkeypatch, capsys):
    """The fiches' template is broken after a good build: the message names it, the validation report is
    written, and neither the PST nor the fiches change — they stay those of the same, earlier build."""

    [folder] = generate(tmp_path / "data", Shape(actions=20, services=2))
    arguments = ["pst", "--data", str(folder), "--build", str(tmp_path / "build"), "--processus", "2"]
    assert main(arguments) == 0
    written = {path: path.read_bytes() for path in (tmp_path / "build").rglob("*.docx")}
    assert sorted(path.name for path in written) == plain_build_documents(assemble(folder).entity)
    report = tmp_path / "build" / folder.name / "Rapport_validation.xlsx"
    report.unlink()

    broken = tmp_path / "fiches_actions.docx"
    document = Document()
    document.add_paragraph("{%p for f in fiches %}")
    document.add_paragraph("{{ f.a.title }} {{ champ_inconnu }}")
    document.add_paragraph("{%p endfor %}")
    document.save(broken)
    monkeypatch.setattr(fiches_output, "TEMPLATE", broken)
    capsys.readouterr()
    code = main(arguments)
    output = capsys.readouterr()
    assert code == 2, output.out + output.err
    assert "Le modèle fiches_actions.docx utilise des variables inconnues : champ_inconnu." in output.err
    assert report.exists()
    assert not (tmp_path / "build" / "erreur-interne.log").exists()
    assert {path: path.read_bytes() for path in (tmp_path / "build").rglob("*.docx")} == written
    assert not [path for path in (tmp_path / "build").rglob(".~*")]


def test_an_unexpected_error_in_a_forked_task_keeps_its_traceback_for_the_maintainers(tmp_path, monkeypatch,
                                                                                      capsys):

    class Odd(Exception):
        def __init__(self, first, second):  # cannot be rebuilt from its args after pickling
            super().__init__(f"{first}-{second}")

    def failing(*args, **kwargs):
        raise Odd("panne", "imprévue")

    monkeypatch.setattr(fiches_output, "context", failing)
    [folder] = generate(tmp_path / "data", Shape(actions=10, services=1))
    code = main(["pst", "--data", str(folder), "--build", str(tmp_path / "build"), "--processus", "2"])
    assert code == 3
    assert "Erreur interne inattendue" in capsys.readouterr().err
    log = (tmp_path / "build" / "erreur-interne.log").read_text(encoding="utf-8")
    assert "Odd: panne-imprévue" in log and "failing" in log


def test_an_edited_template_takes_effect_at_once_despite_the_cache_of_compiled_templates(
        tmp_path, monkeypatch, capsys):
    """Templates are kept compiled between runs (and their variables known): editing one in Word must show in
    the very next build, a new unknown variable included."""
    import shutil


    template = tmp_path / "fiches_actions.docx"
    shutil.copy(TEMPLATES / fiches_output.TEMPLATE, template)
    monkeypatch.setattr(fiches_output, "TEMPLATE", template)
    [folder] = generate(tmp_path / "data", Shape(actions=5, services=1))
    arguments = ["pst", "--data", str(folder), "--build", str(tmp_path / "build"), "--processus", "1"]
    assert main(arguments) == 0
    fiches = next((tmp_path / "build").rglob("Fiches_actions_*.docx"))
    assert "Conseil communal d’essai" not in "\n".join(p.text for p in Document(fiches).paragraphs)

    document = Document(template)
    document.paragraphs[0].insert_paragraph_before("Conseil communal d’essai")
    document.save(template)
    assert main(arguments) == 0
    assert "Conseil communal d’essai" in "\n".join(p.text for p in Document(fiches).paragraphs)

    document.paragraphs[0].insert_paragraph_before("{{ variable_nouvelle }}")
    document.save(template)
    capsys.readouterr()
    assert main(arguments) == 2
    assert "variables inconnues : variable_nouvelle" in capsys.readouterr().err


def test_the_warm_rebuild_benchmark_times_each_save_to_its_verdict_and_its_documents(tmp_path):
    """bench/warm.py (make bench) drives the real `pst suivre`: each save gives one verdict and one rebuilt PST,
    the verdict first; the process's memory is read (figures, not judged here)."""
    from bench.warm import measure

    generate(tmp_path / "data", Shape(actions=30, services=3))
    warm = measure(next((tmp_path / "data").iterdir()), 2)
    assert len(warm.verdict) == len(warm.documents) == 2
    assert all(0 < verdict <= documents for verdict, documents in zip(warm.verdict, warm.documents))
    assert warm.rss_after_10 > 0 and warm.rss_at_end > 0
