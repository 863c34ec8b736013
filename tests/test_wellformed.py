"""A template part well-formed by construction (pipeline/wellformed.py): its documents are written without being
read again; any other is checked after each rendering, and what it cannot vouch for is never taken for granted."""

from __future__ import annotations

import itertools
from xml.parsers import expat

import pytest

from pipeline import render
from pipeline.wellformed import well_formed_by_construction

ENV = render.jinja_env()


CASES = [
    ('<w:body><w:p><w:r><w:t xml:space="preserve">{{ a.title }}</w:t></w:r></w:p></w:body>', True),
    ('<w:body>{% for a in actions %}<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>{% endfor %}</w:body>', True),
    ('<w:body><w:p>{% if x %}<w:r/>{% elif y %}<w:r><w:t>y</w:t></w:r>{% else %}{% endif %}</w:p></w:body>', True),
    ('<w:body><w:p><w:pPr><w:jc w:val="{{ side }}"/></w:pPr></w:p></w:body>', True),
    ('<w:body>{% set n = 3 %}<w:p/>{% with m = 2 %}<w:p/>{% endwith %}</w:body>', True),
    # A paragraph closed and another opened in a block: the same elements are open at both ends.
    ('<w:body><w:p><w:r><w:t>a {% if x %}</w:t></w:r></w:p><w:p><w:r><w:t>{% endif %} b</w:t></w:r></w:p>'
     '</w:body>', True),
    # A branch that leaves other elements open than at its block's start.
    ('<w:body><w:p>{% if x %}</w:p><w:p>{% endif %}<w:r/></w:p></w:body>', True),
    ('<w:body><w:p>{% if x %}<w:r>{% endif %}</w:r></w:p></w:body>', False),
    ('<w:body><w:p>{% if x %}<w:r/>{% else %}</w:p><w:p>{% endif %}</w:p></w:body>', True),
    ('<w:body><w:p>{% if x %}<w:r/>{% else %}</w:p>{% endif %}</w:body>', False),
    ('<w:body><w:p><w:t>a{% if x %}</w:t></w:p><w:tbl><w:tr><w:tc><w:p><w:t>{% endif %}b</w:t></w:p></w:tc>'
     '</w:tr></w:tbl></w:body>', False),
    # A value among a tag's attributes, a tag or a block inside a tag, what is not reasoned about.
    ('<w:body><w:p {{ attributes }}/></w:body>', False),
    ('<w:body><w:p w:val="{% if x %}1{% else %}2{% endif %}"/></w:body>', False),
    ('<w:body>{% set block %}<w:p/>{% endset %}{{ block }}</w:body>', False),
    ('<w:body>{% macro m() %}<w:p>{% endmacro %}{{ m() }}</w:body>', False),
    ('<w:body><!-- a comment --><w:p/></w:body>', False),
    ('<w:body><w:p></w:r></w:body>', False),
    ('<w:body><w:p>', False),
    ('<w:body><w:p/></w:body>{% if x %}', False),
    # What XML itself refuses in the template's text (found by review: a comment holding « {{ » makes docxtpl
    # turn escaped brackets back into tags).
    ('<w:body><x y=z/></w:body>', False),
    ('<w:body><x a="1"b="2"/></w:body>', False),
    ('<w:body><w:t>&</w:t></w:body>', False),
    ('<w:body><w:t>&nbsp;</w:t></w:body>', False),
    ('<w:body><w:t>&#1;</w:t></w:body>', False),
    ('<w:body><w:t>a &amp; b &#233; &#x2019;</w:t></w:body>', True),
    ('<w:body><w:t>a > b</w:t></w:body>', False),
    ('<w:body><w:t v="<"/></w:body>', False),
    ('<w:body>< a></a></w:body>', False),
    ('<w:body><r><a b="x"/{# #}></a></r></w:body>', False),
    ('<w:body><w:t>&{{ x }}amp;</w:t></w:body>', False),
    ("<w:body><w:t a='{{ x }}'/></w:body>", True),
]


@pytest.mark.parametrize("source, proven", CASES)
def test_a_part_is_well_formed_by_construction_only_when_its_blocks_keep_the_open_elements(source, proven):
    assert well_formed_by_construction(source, ENV) is proven


def test_what_is_proven_renders_well_formed_for_every_branch_and_value():
    """Each proven source of the table above, rendered with every truth of its conditions and values holding
    every character that matters to XML: expat reads each result."""
    sources = [source for source, proven in CASES if proven]
    hostile = "<w:p> & </w:t> \" ' ]]> &amp;"
    for source in sources:
        for x, y in itertools.product((True, False), repeat=2):
            xml = ENV.from_string(source).render(x=hostile if x else "", y=y, side=hostile, actions=[hostile, "b"],
                                                 a={"title": hostile})
            expat.ParserCreate().Parse(xml, True)


def test_the_project_s_long_documents_are_well_formed_by_construction():
    """The PST and the fiches — the documents that grow with the actions — are written without being read again;
    if an edit of their template breaks the rules, they are checked, and this test says so."""
    for name in ("pst.docx", "fiches_actions.docx", "pst_conjoint.docx"):
        document = render.Template(render.TEMPLATES / name)
        document.init_docx()
        source = document.patch_xml(document.get_xml()).replace("<w:p>", "\n<w:p>").replace("<w:p ", "\n<w:p ")
        assert well_formed_by_construction(source, ENV), name


def test_a_value_printed_as_markup_of_its_own_or_holding_a_line_break_gets_the_body_checked(tmp_path,
                                                                                          monkeypatch):
    """Markup printed as it is (rich text, an image) and a tab or a line break turned into Word runs are not
    vouched for by the template: the rendered body is then read again before it is written. Text escaped once
    (a label) is not markup of its own."""
    from docx import Document
    from markupsafe import Markup, escape

    template = tmp_path / "modele.docx"
    document = Document()
    document.add_paragraph("{{ value }}")
    document.save(template)
    checked = []
    monkeypatch.setattr(render, "well_formed", lambda pieces: checked.append(True) or True)
    for value, read_again in (("texte", False), (Markup(escape("l’Est & « Ouest »")), False),
                              ("une\nligne", True), ("une\ttabulation", True),
                              (Markup("</w:t></w:r><w:r><w:t>"), True), (Markup("a & b"), True)):
        checked.clear()
        render.render_document(template, {"value": value}, tmp_path / "Document.docx")
        assert bool(checked) is read_again, value


def test_markup_printed_is_vouched_for_only_when_it_is_text_as_escaping_writes_it(tmp_path, monkeypatch):
    """Found by review: a constant worked out when compiling (« {{ '</w:t>'|safe }} »), an entity XML does not
    know, a quote printed in an attribute's value (« |tojson ») — each makes the body be read again, so that the
    document is refused rather than written unreadable."""
    from docx import Document
    from lxml import etree

    for text, context in (("{{ '</w:t>'|safe }}", {}), ("{{ x|safe }}", {"x": "&nbsp;"}),
                          ("{{ x|safe }}", {"x": "&#1;"})):
        template = tmp_path / "modele.docx"
        document = Document()
        document.add_paragraph(text)
        document.save(template)
        for attempt in range(2):  # the second from the compiled template kept by the process
            with pytest.raises(etree.XMLSyntaxError):
                render.render_document(template, context, tmp_path / "Document.docx")
            assert not (tmp_path / "Document.docx").exists()
    checked = []
    monkeypatch.setattr(render, "well_formed", lambda pieces: checked.append(True) or True)
    document = Document()
    document.add_table(rows=1, cols=1).cell(0, 0).text = "{% cellbg c|tojson %}x"
    document.save(tmp_path / "cellule.docx")
    render.render_document(tmp_path / "cellule.docx", {"c": "FF0000"}, tmp_path / "Document.docx")
    assert checked
