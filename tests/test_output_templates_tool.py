"""tools/make_output_templates.py: writes only the Word templates it is asked for, and never replaces one a person
edited in Word since it wrote it (unless --force)."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from docx import Document

from conftest import ROOT


@pytest.fixture
def tool(tmp_path, monkeypatch):
    """The tool, writing into a copy of output_templates/ (with its fingerprints)."""
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    import make_output_templates

    shutil.copytree(ROOT / "output_templates", tmp_path / "output_templates")
    monkeypatch.setattr(make_output_templates, "OUT", tmp_path / "output_templates")
    return make_output_templates


def contents(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_every_template_the_tool_writes_has_its_fingerprint_and_exists(tool):
    """A template made by the tool is fingerprinted when committed (a template may also be made in Word alone)."""
    manifest = json.loads((ROOT / "output_templates" / tool.MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest) == set(tool.WRITERS)
    assert all((ROOT / "output_templates" / name).is_file() for name in tool.WRITERS)


def test_only_the_template_asked_for_is_written_and_again_gives_the_same_bytes(tool, capsys):
    folder = tool.OUT
    before = contents(folder)
    (folder / "synergies.docx").unlink()  # written again from nothing: the committed bytes, none other touched
    assert tool.main(["synergies.docx"]) == 0
    after = contents(folder)
    assert {name for name in after if after[name] != before.get(name)} <= {tool.MANIFEST}
    assert after["synergies.docx"] == before["synergies.docx"]
    assert "Écrit : " in capsys.readouterr().out
    assert tool.main(["synergies.docx"]) == 0
    assert contents(folder) == after and "Inchangé : " in capsys.readouterr().out
    manifest = json.loads((folder / tool.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["synergies.docx"] == hashlib.sha256(after["synergies.docx"]).hexdigest()


def test_a_template_edited_in_word_is_kept_unless_forced(tool, capsys):
    path = tool.OUT / "pst.docx"
    document = Document(path)
    document.add_paragraph("Texte ajouté par la coordinatrice.")
    document.save(path)
    edited = path.read_bytes()
    assert tool.main(["pst.docx", "fiches_actions.docx"]) == 1
    err = capsys.readouterr().err
    assert "pst.docx a été modifié depuis que cet outil l’a écrit (dans Word ?) : il n’est pas remplacé." in err
    assert "--force" in err and path.read_bytes() == edited
    assert tool.main(["pst.docx", "--force"]) == 0
    assert path.read_bytes() == tool.generated("pst.docx")


def test_without_a_name_the_tool_lists_the_templates_and_writes_nothing(tool, capsys):
    before = contents(tool.OUT)
    assert tool.main([]) == 2 and tool.main(["inconnu.docx"]) == 2
    err = capsys.readouterr().err
    assert "Modèle inconnu : inconnu.docx." in err and "pst.docx, fiches_actions.docx" in err
    assert contents(tool.OUT) == before
