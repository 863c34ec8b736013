"""Developer tool: writes the first version of a Word template in output_templates/.

The .docx files are the source of truth: the coordinator edits their prose, fonts and colours in Word. This tool
writes only the templates it is asked for, by name:

    python tools/make_output_templates.py synergies.docx [pst.docx …] [--force]

and never replaces a template someone changed since the tool wrote it: output_templates/.generated.json keeps the
sha256 of what it last wrote for each; a template that no longer has that fingerprint (edited in Word) is left
as it is, with a message, unless --force is given. What it writes depends only on this code (fixed dates in the
zip), so writing a template again without a change in its function leaves the file byte for byte the same.
Jinja tags ({{ }}, {%p %}, {%tr %}) are docxtpl's; each stays whole inside one run.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from pipeline import french

OUT = Path(__file__).resolve().parent.parent / "output_templates"
NAVY = RGBColor(0x1F, 0x38, 0x64)
BLUE = RGBColor(0x2E, 0x5C, 0x8A)
GREY = RGBColor(0x59, 0x59, 0x59)
FONT = "Arial"
NBSP = "\u00a0"


# --- Styles --------------------------------------------------------------------------------------------------
def set_font(style, size: float, bold: bool = False, italic: bool = False, color: RGBColor | None = None):
    style.font.name = FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would override the named one
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    if color is not None:
        style.font.color.rgb = color


def paragraph_style(doc, name: str, base: str = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
        style.quick_style = True
        return style


def define_styles(doc):
    normal = doc.styles["Normal"]
    set_font(normal, 10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for level, size, color, before in ((1, 17, NAVY, 18), (2, 13.5, BLUE, 14), (3, 11.5, NAVY, 10)):
        style = doc.styles[f"Heading {level}"]
        set_font(style, size, bold=True, color=color)
        fmt = style.paragraph_format
        fmt.space_before = Pt(before)
        fmt.space_after = Pt(6)
        fmt.keep_with_next = True
        fmt.keep_together = True

    for name, size, bold, italic, color, align in (
        ("Couverture entité", 20, True, False, NAVY, WD_ALIGN_PARAGRAPH.CENTER),
        ("Couverture titre", 30, True, False, NAVY, WD_ALIGN_PARAGRAPH.CENTER),
        ("Couverture législature", 18, False, False, BLUE, WD_ALIGN_PARAGRAPH.CENTER),
        ("Couverture slogan", 13, False, True, GREY, WD_ALIGN_PARAGRAPH.CENTER),
        ("Couverture mention", 10, False, False, GREY, WD_ALIGN_PARAGRAPH.CENTER),
        ("Titre sommaire", 17, True, False, NAVY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Étiquette", 10.5, True, False, NAVY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Annexe volet", 12, True, False, NAVY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Annexe OS", 11.5, True, False, BLUE, WD_ALIGN_PARAGRAPH.LEFT),
        ("Annexe OO", 10.5, True, False, NAVY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Action", 10.5, False, False, None, WD_ALIGN_PARAGRAPH.LEFT),
        ("Action détail", 9, False, True, GREY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Résumé", 11, False, False, None, WD_ALIGN_PARAGRAPH.LEFT),
        ("Tableau", 9.5, False, False, None, WD_ALIGN_PARAGRAPH.LEFT),
        ("Tableau en-tête", 9.5, True, False, RGBColor(0xFF, 0xFF, 0xFF), WD_ALIGN_PARAGRAPH.LEFT),
        ("Tableau petit", 8, False, False, None, WD_ALIGN_PARAGRAPH.LEFT),
        ("Tableau petit en-tête", 8, True, False, RGBColor(0xFF, 0xFF, 0xFF), WD_ALIGN_PARAGRAPH.LEFT),
        ("Mention", 9, False, True, GREY, WD_ALIGN_PARAGRAPH.LEFT),
        ("Avertissement", 10.5, True, False, RGBColor(0xC0, 0x00, 0x00), WD_ALIGN_PARAGRAPH.CENTER),
    ):
        style = paragraph_style(doc, name)
        set_font(style, size, bold=bold, italic=italic, color=color)
        style.paragraph_format.alignment = align
    for name in ("Étiquette", "Annexe volet", "Annexe OS", "Annexe OO", "Titre sommaire"):
        doc.styles[name].paragraph_format.keep_with_next = True
    bullet = paragraph_style(doc, "Tableau puce", base="List Bullet")  # a list in a cell: the steps of a fiche
    set_font(bullet, 9.5)
    bullet.paragraph_format.space_after = Pt(2)
    bullet.paragraph_format.line_spacing = 1.0
    doc.styles["Annexe volet"].paragraph_format.space_before = Pt(14)
    doc.styles["Annexe OS"].paragraph_format.space_before = Pt(12)
    doc.styles["Annexe OO"].paragraph_format.space_before = Pt(6)
    doc.styles["Titre sommaire"].paragraph_format.space_after = Pt(12)
    doc.styles["Couverture titre"].paragraph_format.space_before = Pt(24)
    doc.styles["Couverture titre"].paragraph_format.space_after = Pt(24)
    action = doc.styles["Action"].paragraph_format
    action.left_indent = Cm(2.3)
    action.first_line_indent = Cm(-2.3)
    action.space_after = Pt(3)
    action.keep_together = True
    followed = paragraph_style(doc, "Action suivie", base="Action")
    followed.paragraph_format.keep_with_next = True  # its steps or details never alone at the next page's top
    detail = doc.styles["Action détail"].paragraph_format
    detail.left_indent = Cm(2.3)
    detail.space_after = Pt(6)
    border(doc.styles["Avertissement"], "C00000")
    doc.styles["Étiquette"].paragraph_format.space_before = Pt(10)
    for name in ("Tableau", "Tableau en-tête", "Tableau petit", "Tableau petit en-tête"):
        doc.styles[name].paragraph_format.space_after = Pt(2)
        doc.styles[name].paragraph_format.line_spacing = 1.0
    for level in (1, 2, 3):
        style = paragraph_style(doc, f"toc {level}")
        set_font(style, 10.5 if level > 1 else 11, bold=level == 1)
        style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        style.paragraph_format.space_after = Pt(2 if level > 1 else 4)
    bullet2 = doc.styles["List Bullet 2"]
    set_font(bullet2, 9.5)
    bullet2.paragraph_format.left_indent = Cm(2.9)
    bullet2.paragraph_format.space_after = Pt(1)


def border(style, color: str):
    """A box around every paragraph of `style`."""
    properties = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "8")
        line.set(qn("w:space"), "4")
        line.set(qn("w:color"), color)
        borders.append(line)
    properties.append(borders)


# --- Building blocks -----------------------------------------------------------------------------------------
TAG = re.compile(r"({{.*?}}|{%.*?%})")


def typography(text: str) -> str:
    """French typography for the template's own words, tags left untouched."""
    return "".join(part if TAG.fullmatch(part) else french.typography(part) for part in TAG.split(text))


def add_heading(doc, text: str, level: int):
    return doc.add_heading(typography(text), level)


def para(doc, text: str = "", style: str = "Normal", bold_prefix: str = ""):
    text, bold_prefix = typography(text), typography(bold_prefix)
    p = doc.add_paragraph(style=style)
    if bold_prefix:
        p.add_run(bold_prefix).bold = True
    if text:
        p.add_run(text)
    return p


def kept(paragraph):
    """Kept on the page of what follows (a heading's line of figures, never alone at a page's foot)."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def tag(doc, text: str):
    """A paragraph holding only a docxtpl paragraph tag ({%p ... %}); it vanishes when rendered."""
    doc.add_paragraph(text)


def add_field(paragraph, instruction: str, placeholder: str = "1", size: float | None = None):
    """A complex field (PAGE, NUMPAGES…) in its own runs, with a cached result Word and LibreOffice replace;
    `size` in points, as the text around it."""
    def run_with(child):
        run = OxmlElement("w:r")
        if size is not None:
            properties = OxmlElement("w:rPr")
            for tag in ("w:sz", "w:szCs"):
                half_points = OxmlElement(tag)
                half_points.set(qn("w:val"), str(round(size * 2)))
                properties.append(half_points)
            run.append(properties)
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def add_toc(doc):
    """A TOC field spanning three paragraphs; the pipeline fills the middle with the document's headings (so the
    table reads well before any refresh) and Word refreshes it with page numbers on opening (updateFields).

    Its styles keep each entry on one page and a first-level entry with the next one (« Volet externe » never
    alone at a page's foot); the pipeline keeps the last entries together (render.fill_table_of_contents)."""
    for level in (1, 2, 3):
        fmt = doc.styles[f"toc {level}"].paragraph_format
        fmt.keep_together = True
        fmt.keep_with_next = level == 1 or None
    first = doc.add_paragraph(style="toc 1")
    for kind, value in (("begin", None), ("instr", 'TOC \\o "1-3" \\h \\z \\u'), ("separate", None)):
        run = OxmlElement("w:r")
        if kind == "instr":
            child = OxmlElement("w:instrText")
            child.set(qn("xml:space"), "preserve")
            child.text = value
        else:
            child = OxmlElement("w:fldChar")
            child.set(qn("w:fldCharType"), kind)
        run.append(child)
        first._p.append(run)
    doc.add_paragraph("La table des matières se met à jour à l’ouverture du document dans Word.", style="toc 1")
    last = doc.add_paragraph(style="toc 1")
    run = OxmlElement("w:r")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run.append(end)
    last._p.append(run)


def update_fields_on_open(doc):
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def set_language(doc, lang: str = "fr-BE"):
    """French (Belgium) for spelling, hyphenation and the PDF: in the document defaults and the Normal style."""
    for rpr in (doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"),
                doc.styles["Normal"].element.get_or_add_rPr()):
        if rpr is None:
            continue
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), lang)
        language.set(qn("w:eastAsia"), lang)
        language.set(qn("w:bidi"), "ar-SA")
        rpr.append(language)


def page_setup(section, landscape: bool = False):
    width, height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = Cm(2.3)
    section.bottom_margin = Cm(2.0)


def header_footer(section, header_text: str):
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = header_text
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in header.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = GREY
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ").font.size = Pt(8.5)
    add_field(footer, "PAGE", size=8.5)
    footer.add_run(" / ").font.size = Pt(8.5)
    add_field(footer, "NUMPAGES", size=8.5)


def shade(cell, fill: str):
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def no_split(row):
    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)


def set_widths(table, widths):
    """Column widths in the grid (what LibreOffice reads) and in every cell (what Word reads); rows never split."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        no_split(row)
        for cell, width in zip(row.cells, widths):
            cell.width = width


def tight_cells(table, margin_twips: int = 57):
    """Narrow cell margins (0.1 cm) for tables with many columns."""
    properties = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(margin_twips))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.append(margins)


def cell_text(cell, text: str, style: str = "Tableau", bold: bool = False):
    text = typography(text)
    p = cell.paragraphs[0]
    p.style = style
    run = p.add_run(text)
    run.bold = bold or None
    return p


# --- The PST ---------------------------------------------------------------------------------------------------
VOLET_TITLE = ("{% if volet.key == 'externe' %}Volet externe « développement des politiques »"
               "{% else %}Volet interne « administration générale »{% endif %}").replace(" »", NBSP + "»").replace(
    "« ", "«" + NBSP)


def plural(n: str, singular: str, plural_form: str) -> str:
    """« 2 actions ». Words only: docxtpl turns ’ into ' inside tags, so no apostrophe may appear here."""
    assert "’" not in singular + plural_form and "'" not in singular + plural_form
    return "{{ " + n + "|accord('" + singular + "', '" + plural_form + "') }}"


def cover(doc, top: tuple, bottom: tuple) -> None:
    """A cover page of a report: its (text, style) lines at the top, the provisional warning, then `bottom`."""
    for _ in range(5):
        doc.add_paragraph()
    for text, style in top:
        para(doc, text, style)
    for _ in range(4):
        doc.add_paragraph()
    provisional_warning(doc)
    for _ in range(3):
        doc.add_paragraph()
    for text, style in bottom:
        para(doc, text, style)


def provisional_warning(doc, report: str = "{{ provisional.report }}"):
    """Shown only when the coordinator built the document despite validation errors (MALGRE_ERREURS=1): how many
    rows of the services' workbooks it lacks, when it lacks any."""
    tag(doc, "{%p if provisional %}")
    para(doc, "Document provisoire, établi malgré " + plural("provisional.errors", "erreur", "erreurs")
              + "{% if provisional.rejected %}" + NBSP + ": " + plural("provisional.rejected", "ligne", "lignes")
              + " des classeurs des services "
              "{% if provisional.rejected < 2 %}n’y figure pas{% else %}n’y figurent pas{% endif %}{% endif %}"
              + " (voir " + report + ").", "Avertissement")
    tag(doc, "{%p endif %}")


def action_line(doc, style: str = "Action"):
    p = para(doc, "", style)
    p.add_run(f"Action{NBSP}{{{{ a.number }}}}{NBSP}:").bold = True
    p.add_run("\t{{ a.title }}")


def actions_table(doc):
    """The actions of an OO as a table: number, libellé, then one column per field chosen in `Paramètres`
    (docxtpl's {%tc %} repeats the columns)."""
    table = doc.add_table(rows=4, cols=5)
    table.style = doc.styles["Table Grid"]
    header, loop, body, end = table.rows
    for cell, text, style in zip(header.cells, ("N°", "Action", "{%tc for f in fields %}", "{{ f }}",
                                                "{%tc endfor %}"),
                                 ("Tableau en-tête", "Tableau en-tête", *["Tableau petit en-tête"] * 3)):
        kept(cell_text(cell, text, style))  # the header row never alone at a page's foot
        shade(cell, "1F3864")
    repeat_header(header)
    cell_text(loop.cells[0], "{%tr for a in oo.actions %}")
    for cell, text, style in zip(body.cells, ("{{ a.number }}", "{{ a.title }}", "{%tc for v in a.cells %}",
                                              "{{ v }}", "{%tc endfor %}"),
                                 ("Tableau", "Tableau", *["Tableau petit"] * 3)):
        cell_text(cell, text, style)
    cell_text(end.cells[0], "{%tr endfor %}")
    set_widths(table, (Cm(1.6), Cm(6.5), Cm(2.3), Cm(2.3), Cm(2.3)))
    tight_cells(table)
    doc.add_paragraph(style="Action détail")


def vertical_text(cell):
    """Text read from bottom to top (a plan's name over a narrow column)."""
    direction = OxmlElement("w:textDirection")
    direction.set(qn("w:val"), "btLr")
    cell._tc.get_or_add_tcPr().append(direction)


def matrix_annex(doc, name: str, what: str, vertical: bool):
    """A cross-table (parameter « Annexes des plans et ODD » = tableaux): the actions that serve at least one of
    the columns, grouped by OS, a mark (●) under each column they serve; then the columns' full names."""
    para(doc, plural(name + ".count", "action", "actions") + " du PST {% if " + name + ".count < 2 %}contribue"
              "{% else %}contribuent{% endif %} à au moins un des " + what + " ; un point (●) marque chacun de "
              "ceux auxquels elle contribue.", "Mention")
    table = doc.add_table(rows=7, cols=5)
    table.style = doc.styles["Table Grid"]
    header, loop_groups, group, loop_actions, body, end_actions, end_groups = table.rows
    texts = ("N°", "Action", "{%tc for col in " + name + ".columns %}", "{{ col.header }}", "{%tc endfor %}")
    for cell, text in zip(header.cells, texts):
        cell_text(cell, text, "Tableau petit en-tête")
        shade(cell, "1F3864")
    if vertical:
        vertical_text(header.cells[3])
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(int(Cm(2.6).twips)))
        height.set(qn("w:hRule"), "atLeast")
        header._tr.get_or_add_trPr().append(height)
    repeat_header(header)
    cell_text(loop_groups.cells[0], "{%tr for g in " + name + ".groups %}", "Tableau petit")
    for cell, text in zip(group.cells, ("{{ g.label }}", "{{ g.title }} ({{ g.volet }})", "{%tc for b in g.blanks %}",
                                        "{{ b }}", "{%tc endfor %}")):
        kept(cell_text(cell, text, "Tableau petit", bold=True))  # an OS row goes with its first action
        shade(cell, "DCE6F1")
    cell_text(loop_actions.cells[0], "{%tr for a in g.actions %}", "Tableau petit")
    for cell, text in zip(body.cells, ("{{ a.number }}", "{{ a.title }}", "{%tc for m in a.marks %}", "{{ m }}",
                                       "{%tc endfor %}")):
        cell_text(cell, text, "Tableau petit")
    body.cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(end_actions.cells[0], "{%tr endfor %}", "Tableau petit")
    cell_text(end_groups.cells[0], "{%tr endfor %}", "Tableau petit")
    set_widths(table, (Cm(1.3), Cm(7.4), Cm(0.7), Cm(0.7), Cm(0.7)))
    tight_cells(table)
    tag(doc, "{%p if " + name + ".columns %}")
    para(doc, "Colonnes du tableau", "Étiquette")
    tag(doc, "{%p for col in " + name + ".columns %}")
    para(doc, "{{ col.name }}", "Action détail")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def annex_hierarchy(doc, volets: str, partner: bool = False):
    """Some actions under their volet, OS and OO (not in the table of contents), each with its number; `partner`:
    each with the partner institution's actions paired with it (the synergy annex, context `s`)."""
    tag(doc, "{%p for volet in " + volets + " %}")
    para(doc, VOLET_TITLE, "Annexe volet")
    tag(doc, "{%p for os in volet.objectives %}")
    para(doc, f"OS{NBSP}{{{{ os.number }}}}{NBSP}: {{{{ os.title }}}}", "Annexe OS")
    tag(doc, "{%p for oo in os.objectives %}")
    para(doc, f"OO{NBSP}{{{{ oo.code }}}}{NBSP}: {{{{ oo.title }}}}", "Annexe OO")
    tag(doc, "{%p for a in oo.actions %}")
    if partner:
        tag(doc, "{%p if s.built %}")
        action_line(doc, "Action suivie")
        tag(doc, "{%p for o in a.partner_actions %}")
        p = para(doc, "", "Action détail")
        p.add_run(f"Côté {{{{ s.partner }}}}{NBSP}: action{NBSP}{{{{ o.number }}}} ({{{{ o.volet }}}}) — ")
        p.add_run("{{ o.title }}")
        tag(doc, "{%p endfor %}")
        tag(doc, "{%p if not a.partner_actions %}")
        para(doc, f"Côté {{{{ s.partner }}}}{NBSP}: pas d’action rapprochée{{% if a.synergy_code %}} (code synergie "
                  "{{ a.synergy_code }}){% else %} (pas de code synergie){% endif %}", "Action détail")
        tag(doc, "{%p endif %}")
        tag(doc, "{%p else %}")
        action_line(doc)
        tag(doc, "{%p endif %}")
    else:
        action_line(doc)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


MONEY_COLUMNS = ("Dépenses", "dont fonds propres", "dont emprunts", "dont subsides", "Recettes")


def money_table(doc, header: tuple[str, ...], widths, loop: str, cells: tuple[str, ...], total: tuple[str, ...],
                bold_if: str = ""):
    """A table with a repeated header, one row per item of `loop`, a total row; amounts right-aligned."""
    table = doc.add_table(rows=4, cols=len(header))
    table.style = doc.styles["Table Grid"]
    head, start, body, end = table.rows
    for cell, text in zip(head.cells, header):
        cell_text(cell, text, "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(head)
    cell_text(start.cells[0], "{%tr for row in " + loop + " %}")
    for cell, text in zip(body.cells, cells):
        if bold_if:
            cell_text(cell, "{% if " + bold_if + " %}" + text + "{% endif %}", bold=True)
            cell.paragraphs[0].add_run("{% if not (" + bold_if + ") %}" + text + "{% endif %}")
        else:
            cell_text(cell, text)
    cell_text(end.cells[0], "{%tr endfor %}")
    row = table.add_row()
    for cell, text in zip(row.cells, total):
        cell_text(cell, text, bold=True)
        shade(cell, "DCE6F1")
    set_widths(table, widths)
    for r in table.rows:
        for cell in r.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # The last item is kept on the page of the total (never a total alone at the top of a page), and a bold row (a
    # volet or an OS) with the row after it (never alone at a page's foot): the body row twice, the copy for those
    # with « keep with next ».
    last = copy.deepcopy(body._tr)
    for paragraph in last.iter(qn("w:p")):
        Paragraph(paragraph, None).paragraph_format.keep_with_next = True
    body._tr.addprevious(last)
    kept_rows = "loop.last" + (f" or ({bold_if})" if bold_if else "")
    for text, before in (("{%tr if " + kept_rows + " %}", last), ("{%tr else %}", body._tr)):
        marker = copy.deepcopy(start._tr)
        for t in marker.iter(qn("w:t")):
            t.text = text
        before.addprevious(marker)
    closing = copy.deepcopy(start._tr)
    for t in closing.iter(qn("w:t")):
        t.text = "{%tr endif %}"
    body._tr.addnext(closing)
    doc.add_paragraph()


def keep_header_footer_in_last_section(doc):
    """python-docx moves the header and footer references into the first section break. That break belongs to the
    optional budget annex: without the annex it disappears, with the references. The last section gets them too,
    and the cover's « different first page »."""
    first = doc.sections[0]._sectPr
    last = doc.sections[-1]._sectPr
    if first is last:
        return
    references = [copy.deepcopy(e) for e in first if e.tag in (qn("w:headerReference"), qn("w:footerReference"))]
    for element in reversed(references):
        last.insert(0, element)
    doc.sections[-1].different_first_page_header_footer = True


def budget_annex(doc):
    """« Programmation financière »: a landscape section of its own, only when budget lines exist."""
    tag(doc, "{%p if budget %}")
    landscape_section(doc)
    budget_tables(doc)
    portrait_section(doc)
    tag(doc, "{%p endif %}")


def landscape_section(doc):
    doc.add_section(WD_SECTION.NEW_PAGE)  # ends the portrait part
    landscape = doc.sections[-1]
    page_setup(landscape, landscape=True)
    landscape.different_first_page_header_footer = False


def portrait_section(doc):
    doc.add_section(WD_SECTION.NEW_PAGE)  # ends the landscape part; an empty last section is removed when rendered
    page_setup(doc.sections[-1])
    doc.sections[-1].different_first_page_header_footer = False


def budget_tables(doc, of: str = "", new_page: bool = False):
    """The budget programming of the context's `budget` (per objective, per year, per source); `of`: added to its
    title (the institution's name in a joint PST)."""
    heading = add_heading(doc, f"Annexe{NBSP}: programmation financière" + of, 1)
    if new_page:
        heading.paragraph_format.page_break_before = True
    para(doc, "Les moyens financiers prévus pour les actions du PST, d’après "
              + plural("budget.lines", "ligne budgétaire", "lignes budgétaires") + " des services"
              f"{NBSP}: {{{{ budget.total.expenses }}}} de dépenses (dont {{{{ budget.total.own_funds }}}} sur fonds "
              "propres, {{ budget.total.loan }} par emprunt et {{ budget.total.subsidies }} de subsides) et "
              "{{ budget.total.revenues }} de recettes.")
    add_heading(doc, "Par objectif", 2)
    money_table(doc, ("Objectif", *MONEY_COLUMNS), (Cm(10.3), Cm(3.2), Cm(3), Cm(3), Cm(3), Cm(2.8)),
                "budget.by_objective",
                ("{% if row.kind == 'volet' %}Volet {{ row.label|lower }}{% else %}{{ row.label }}" + NBSP
                 + ": {{ row.title }}{% endif %}", "{{ row.expenses }}", "{{ row.own_funds }}", "{{ row.loan }}",
                 "{{ row.subsidies }}", "{{ row.revenues }}"),
                ("Total", "{{ budget.total.expenses }}", "{{ budget.total.own_funds }}", "{{ budget.total.loan }}",
                 "{{ budget.total.subsidies }}", "{{ budget.total.revenues }}"),
                bold_if="row.kind != 'oo'")
    add_heading(doc, "Par exercice", 2)
    money_table(doc, ("Exercice", "Ordinaire : dépenses", "Ordinaire : recettes", "Extraordinaire : dépenses",
                      "Extraordinaire : recettes", "Total des dépenses"),
                (Cm(3.3), Cm(4.4), Cm(4.4), Cm(4.4), Cm(4.4), Cm(4.4)), "budget.by_year",
                ("{{ row.year }}", "{{ row.ordinary_expenses }}", "{{ row.ordinary_revenues }}",
                 "{{ row.extraordinary_expenses }}", "{{ row.extraordinary_revenues }}", "{{ row.expenses }}"),
                ("Total", "{{ budget.ordinary.expenses }}", "{{ budget.ordinary.revenues }}",
                 "{{ budget.extraordinary.expenses }}", "{{ budget.extraordinary.revenues }}",
                 "{{ budget.total.expenses }}"))
    tag(doc, "{%p if budget.by_source %}")
    add_heading(doc, "Par source des subsides", 2)
    money_table(doc, ("Source des subsides", "Subsides", "Lignes budgétaires"), (Cm(9), Cm(5), Cm(4)),
                "budget.by_source",
                ("{% if row.source %}{{ row.source }}{% else %}Source non précisée{% endif %}", "{{ row.subsidies }}",
                 "{{ row.lines }}"),
                ("Total", "{{ budget.total.subsidies }}", "{{ budget.by_source|sum(attribute='lines') }}"))
    tag(doc, "{%p endif %}")


VERSION_MARK = ("{% if version.status == 'adopted' %} — version adoptée le {{ version.seance }}"
                "{% elif version.status == 'updated' %} — version actualisée du {{ built_on }}"
                "{% else %} — projet du {{ built_on }}{% endif %}")
"""Which version a document is, in its header (see outputs.context.version_context)."""
VERSION_LINE = ("{% if version.status == 'adopted' %}{% if version.number > 1 %}Version actualisée (version "
                "{{ version.number }}), adoptée{% else %}Version adoptée{% endif %} par le "
                "{% if entity.is_cpas %}conseil de l’action sociale{% else %}conseil communal{% endif %} le "
                "{{ version.seance }}{% elif version.status == 'updated' %}Version actualisée du {{ built_on }}, à "
                "présenter au conseil — version {{ version.number }} adoptée le {{ version.seance }}"
                "{% else %}Projet — version du {{ built_on }}{% endif %}")
"""Which version a document is, on its cover."""

CHANGE_SECTIONS = (
    ("added", "Actions ajoutées", ""),
    ("withdrawn", "Actions retirées", ""),
    ("moved", "Actions déplacées vers un autre objectif opérationnel", "{{ c.before }} → {{ c.after }}"),
    ("renamed", "Actions dont le libellé a changé", "auparavant «{NBSP}{{ c.before }}{NBSP}»"),
    ("status", "Actions dont le statut a changé", "{{ c.before }} → {{ c.after }}"),
    ("os_added", "Objectifs stratégiques ajoutés", ""),
    ("os_removed", "Objectifs stratégiques retirés", ""),
    ("os_renamed", "Objectifs stratégiques dont l’intitulé a changé", "auparavant «{NBSP}{{ c.before }}{NBSP}»"),
    ("oo_added", "Objectifs opérationnels ajoutés", ""),
    ("oo_removed", "Objectifs opérationnels retirés", ""),
    ("oo_renamed", "Objectifs opérationnels dont l’intitulé a changé", "auparavant «{NBSP}{{ c.before }}{NBSP}»"),
)
"""The lists of a modifications document and of the PST's annex: (kind, title, detail of each change)."""


def modification_lists(doc):
    """Each kind of change that happened, as a titled list (the context: outputs.context.modifications_context)."""
    para(doc, plural("modifications.count", "modification", "modifications") + " depuis la version "
              "{{ modifications.number }} du PST, adoptée le {{ modifications.seance }}.")
    for kind, title, detail in CHANGE_SECTIONS:
        tag(doc, "{%p if modifications." + kind + " %}")
        para(doc, title + " ({{ modifications." + kind + "|length }})", "Étiquette")
        tag(doc, "{%p for c in modifications." + kind + " %}")
        prefix = ("OS" if kind.startswith("os") else "OO" if kind.startswith("oo") else "Action")
        text = f"{prefix}{NBSP}{{{{ c.number }}}} ({{{{ c.volet }}}}){NBSP}: {{{{ c.title }}}}"
        if detail:
            text += " — " + detail.replace("{NBSP}", NBSP)
        para(doc, text, "Action")
        tag(doc, "{%p endfor %}")
        tag(doc, "{%p endif %}")


PROPERTIES = {
    "modifications.docx": ("Modifications du programme stratégique transversal", "{{ entity.name }}"),
    "synergies.docx": ("Synergies du programme stratégique transversal", "{{ left.name }} et {{ right.name }}"),
    "fiches_actions.docx": ("Fiches actions du programme stratégique transversal", "{{ entity.name }}"),
}
"""Subject and author of the templates that name them apart from official_document."""


def write_modifications(path: Path):
    doc = Document()
    define_styles(doc)
    set_language(doc)
    section = doc.sections[0]
    page_setup(section)
    header_footer(section, "{{ entity.name }} — Modifications du PST {{ entity.legislature }}"
                           "{% if provisional %} — DOCUMENT PROVISOIRE{% endif %}")
    section.different_first_page_header_footer = False
    doc.core_properties.title = ("Modifications du PST {{ entity.legislature }} — {{ entity.name }}"
                                 "{% if provisional %} (document provisoire){% endif %}")
    doc.core_properties.subject = PROPERTIES["modifications.docx"][0]
    doc.core_properties.author = PROPERTIES["modifications.docx"][1]
    add_heading(doc, "Modifications du programme stratégique transversal {{ entity.legislature }}", 1)
    para(doc, "{{ entity.name }} — document établi le {{ built_on }}, à joindre au PST actualisé présenté au "
              "{% if entity.is_cpas %}conseil de l’action sociale{% else %}conseil communal{% endif %}.")
    provisional_warning(doc)
    para(doc, "Ce document liste ce qui a changé depuis la dernière version dont le conseil a pris acte : les "
              "actions ajoutées, retirées, déplacées, renommées ou dont le statut a changé, et les objectifs "
              "ajoutés, retirés ou renommés. Les numéros des actions adoptées ne changent pas ; une nouvelle action "
              "prend le numéro qui suit le dernier de son volet.")
    modification_lists(doc)
    save(doc, path)


def official_document(header: str, title: str, subject: str):
    """A new template for an official document of the entity: styles, French, fields refreshed on opening, A4
    portrait, its header and footer, and its properties (title, subject, author: the entity)."""
    doc = Document()
    define_styles(doc)
    set_language(doc)
    update_fields_on_open(doc)
    page_setup(doc.sections[0])
    header_footer(doc.sections[0], header + "{% if provisional %} — DOCUMENT PROVISOIRE{% endif %}")
    doc.core_properties.title = title + "{% if provisional %} (document provisoire){% endif %}"
    doc.core_properties.subject = subject
    doc.core_properties.author = "{{ entity.name }}"
    return doc


def write_pst(path: Path):
    doc = official_document("{{ entity.name }} — Programme stratégique transversal {{ entity.legislature }}"
                            + VERSION_MARK,
                            "Programme stratégique transversal {{ entity.legislature }} — {{ entity.name }}",
                            "Programme stratégique transversal")

    # Cover
    for _ in range(5):
        doc.add_paragraph()
    para(doc, "{{ entity.name }}", "Couverture entité")
    para(doc, "Programme stratégique transversal", "Couverture titre")
    para(doc, "{{ entity.legislature }}", "Couverture législature")
    tag(doc, "{%p if entity.slogan %}")
    para(doc, f"«{NBSP}{{{{ entity.slogan }}}}{NBSP}»", "Couverture slogan")
    tag(doc, "{%p endif %}")
    for _ in range(4):
        doc.add_paragraph()
    provisional_warning(doc)
    for _ in range(4):
        doc.add_paragraph()
    para(doc, "Présenté au {% if entity.is_cpas %}conseil de l’action sociale{% else %}conseil communal{% endif %}",
         "Couverture mention")
    para(doc, VERSION_LINE, "Couverture mention")

    # Table of contents (pages begin with « page break before », never with a break paragraph that could spill
    # onto a blank page)
    para(doc, "Table des matières", "Titre sommaire").paragraph_format.page_break_before = True
    add_toc(doc)

    # Fixed prose: the coordinator rewrites it in Word.
    add_heading(doc, "Introduction", 1).paragraph_format.page_break_before = True
    para(doc, "Le programme stratégique transversal (PST) est une démarche stratégique évolutive et modulable "
              "visant à planifier et à prioriser les politiques {% if entity.is_cpas %}du CPAS{% else %}communales"
              "{% endif %} en intégrant un processus d’évaluation. Véritable outil de gouvernance, il doit permettre "
              "d’anticiper les enjeux, de répondre aux besoins locaux et d’améliorer les relations avec les "
              "citoyens.")
    para(doc, "Il traduit en objectifs et en actions la déclaration de politique "
              "{% if entity.is_cpas %}sociale{% else %}communale{% endif %} adoptée en début de législature. "
              "Il couvre toute l’activité de l’institution et réunit les plans auxquels elle souscrit, en couplant "
              "chaque objectif aux moyens humains et financiers qui permettront de l’atteindre.")

    add_heading(doc, "Base légale", 1)
    para(doc, "{% if entity.is_cpas %}L’article 27ter de la loi organique des centres publics d’action sociale du "
              "8 juillet 1976{% else %}L’article L1123-27 du Code de la démocratie locale et de la "
              "décentralisation (CDLD){% endif %} prévoit que le programme stratégique transversal est présenté au "
              "{% if entity.is_cpas %}conseil de l’action sociale{% else %}conseil communal{% endif %} dans les "
              "six mois qui suivent l’installation {% if entity.is_cpas %}du conseil{% else %}du collège"
              "{% endif %} (neuf mois pour le premier programme). Le conseil en prend acte.")
    para(doc, "Le programme fait l’objet d’une évaluation au moins à mi-législature et au terme de celle-ci : "
              "le comité de direction établit un rapport d’exécution, qui comprend un examen des synergies entre "
              "la commune et le CPAS. Il peut être actualisé en cours de législature. Il est publié sur le site "
              "internet de {% if entity.is_cpas %}la commune ou du CPAS{% elif entity.type == 'Ville' %}la ville"
              "{% else %}la commune{% endif %}.")

    add_heading(doc, "Méthodologie", 1)
    para(doc, "Le PST se compose de deux volets. Le volet externe, « développement des politiques », reprend les "
              "projets que {% if entity.is_cpas %}le CPAS{% elif entity.type == 'Ville' %}la ville{% else %}la commune"
              "{% endif %} entreprend dans les "
              "domaines d’intérêt local ; le volet interne, « administration générale », vise l’organisation et le "
              "fonctionnement de l’administration.")
    para(doc, "Chaque volet se décline en objectifs stratégiques (ce que nous voulons être au terme de la "
              "législature), en objectifs opérationnels (ce que nous allons faire) et en actions (comment, par qui, "
              "quand et avec quels moyens). Les actions ont été proposées par les services, au moyen de fiches "
              "standardisées, puis validées par le {% if entity.is_cpas %}conseil{% else %}collège{% endif %}. "
              "{% if numbering == 'hiérarchique' %}Chaque action porte le numéro de son objectif opérationnel suivi de son "
              "rang (l’action 2.4.3 est la troisième de l’objectif opérationnel 2.4).{% else %}Elles sont numérotées "
              "de façon continue dans chaque volet.{% endif %}")

    add_heading(doc, "Le PST en résumé", 1)
    para(doc, "En résumé, le PST comprend "
              + plural("counts.volets", "volet", "volets") + ", "
              + plural("counts.os.total", "objectif stratégique", "objectifs stratégiques") + " ("
              + plural("counts.os.externe", "externe", "externes") + " et "
              + plural("counts.os.interne", "interne", "internes") + "), "
              + plural("counts.oo.total", "objectif opérationnel", "objectifs opérationnels") + " ("
              + plural("counts.oo.externe", "externe", "externes") + " et "
              + plural("counts.oo.interne", "interne", "internes") + ") et "
              + plural("counts.actions.total", "action", "actions") + " ("
              + plural("counts.actions.externe", "externe", "externes") + " et "
              + plural("counts.actions.interne", "interne", "internes") + ").", "Résumé")
    provisional_warning(doc)
    table = doc.add_table(rows=3, cols=4)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, ("Volet", "Objectifs stratégiques", "Objectifs opérationnels",
                                                  "Actions")):
        cell_text(cell, label, "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(table.rows[0])
    row = table.rows[1]
    cell_text(row.cells[0], "{%tr for v in volets %}")
    row = table.rows[2]
    # A second template row for the loop body; the {%tr %} rows vanish when rendered.
    texts = ("{% if v.key == 'externe' %}Externe{% else %}Interne{% endif %}", "{{ v.count_os }}", "{{ v.count_oo }}", "{{ v.count_actions }}")
    for cell, text in zip(row.cells, texts):
        cell_text(cell, text)
    end_row = table.add_row()
    cell_text(end_row.cells[0], "{%tr endfor %}")
    total = table.add_row()
    for cell, text in zip(total.cells, ("Total", "{{ counts.os.total }}", "{{ counts.oo.total }}",
                                        "{{ counts.actions.total }}")):
        cell_text(cell, text, bold=True)
        shade(cell, "DCE6F1")
    set_widths(table, (Cm(4.6), Cm(4), Cm(4), Cm(3)))
    for r in table.rows:
        for cell in r.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()

    volets_body(doc)

    # Annexes: synergies, plans, ODD (portrait), then the budget programming (landscape section).
    annexes(doc)
    budget_annex(doc)
    keep_header_footer_in_last_section(doc)
    save(doc, path)


def volets_body(doc, top: int = 1):
    """The volets, their OS, OO and actions (the context's `volets`, `layout`, `fields`, `entity`), headings from
    level `top`: 1 in an entity's PST, 2 under each institution's part of a joint PST."""
    tag(doc, "{%p for volet in volets %}")
    heading = add_heading(doc, VOLET_TITLE, top)
    # Each volet on a new page in an entity's PST; in a joint PST the part (level 1) starts the page, its volets
    # follow its introduction.
    heading.paragraph_format.page_break_before = top == 1
    para(doc, "{% if volet.key == 'externe' %}Le volet externe vise la mise en œuvre et le développement des "
              "politiques {% if entity.is_cpas %}du CPAS{% else %}communales{% endif %}, dans tous les domaines "
              "d’intérêt local.{% else %}Le volet interne vise à améliorer l’organisation et le fonctionnement de "
              "l’administration, et donc les services rendus à la population.{% endif %} Il compte "
              + plural("volet.count_os", "objectif stratégique", "objectifs stratégiques") + ", "
              + plural("volet.count_oo", "objectif opérationnel", "objectifs opérationnels") + " et "
              + plural("volet.count_actions", "action", "actions") + ".")
    tag(doc, "{%p for os in volet.objectives %}")
    add_heading(doc, f"OS{NBSP}{{{{ os.number }}}}{NBSP}: {{{{ os.title }}}}", top + 1)
    tag(doc, "{%p if os.observations %}")
    para(doc, "Constats", "Étiquette")
    tag(doc, "{%p for line in os.observations %}")
    para(doc, "{{ line }}", "List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if os.ambitions %}")
    para(doc, "Ambitions", "Étiquette")
    tag(doc, "{%p for line in os.ambitions %}")
    para(doc, "{{ line }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for oo in os.objectives %}")
    add_heading(doc, f"OO{NBSP}{{{{ oo.code }}}}{NBSP}: {{{{ oo.title }}}}", top + 2)
    tag(doc, "{%p if oo.result_indicators %}")
    para(doc, "Indicateurs de résultat", "Étiquette")
    tag(doc, "{%p for line in oo.result_indicators %}")
    kept(para(doc, "{{ line }}", "List Bullet"))  # the OO's heading and indicators go with its first action
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if layout == 'tableau' %}")
    tag(doc, "{%p if oo.actions %}")  # an OO without actions: no empty table
    actions_table(doc)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    tag(doc, "{%p for a in oo.actions %}")
    tag(doc, "{%p if a.planning or a.shown %}")
    action_line(doc, "Action suivie")
    tag(doc, "{%p else %}")
    action_line(doc)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for step in a.planning %}")
    para(doc, "{{ step }}", "List Bullet 2")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if a.shown %}")
    para(doc, "{% for f in a.shown %}{{ f.label }}" + NBSP + ": {{ f.value }}{% if not loop.last %} · {% endif %}"
              "{% endfor %}", "Action détail")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def annexes(doc, of: str = ""):
    """The synergies, plans, ODD and modifications annexes (the context's `synergies`, `plans`, `sdgs`,
    `annex_lists`, `plan_matrix`, `sdg_matrix`, `modifications`); `of`: added to each annex's title (the
    institution's name in a joint PST)."""
    tag(doc, "{%p for s in synergies %}")
    heading = add_heading(doc, f"Annexe{NBSP}: synergies {{{{ entity.name }}}} & {{{{ s.partner }}}}", 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Actions du PST menées avec {% if s.partner_type == 'CPAS' %}le {% elif s.partner_type %}la "
              "{% else %}l’institution {% endif %}{{ s.partner }}, présentées sous leurs objectifs stratégiques et "
              "opérationnels, avec leur numéro (" + plural("s.count", "action", "actions") + ")"
              "{% if s.built %}, et sous chacune l’action du partenaire qui porte le même code synergie{% endif %}.")
    annex_hierarchy(doc, "s.volets", partner=True)
    tag(doc, "{%p endfor %}")

    tag(doc, "{%p if plans %}")
    heading = add_heading(doc, f"Annexe{NBSP}: les plans" + of, 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Le PST fédère les plans auxquels {% if entity.is_cpas %}le CPAS{% elif entity.type == 'Ville' %}"
              "la ville{% else %}la commune{% endif %} "
              "souscrit. {% if annex_lists %}Pour chaque plan, voici les actions du PST qui y contribuent, sous leurs "
              "objectifs, avec leur numéro.{% else %}Voici, sous leurs objectifs stratégiques, les actions du PST qui "
              "y contribuent.{% endif %}")
    tag(doc, "{%p if annex_lists %}")
    tag(doc, "{%p for plan in plans %}")
    add_heading(doc, "{{ plan.name }}", 2)
    para(doc, plural("plan.count", "action", "actions") + " du PST.", "Mention")
    annex_hierarchy(doc, "plan.volets")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    matrix_annex(doc, "plan_matrix", "plans", vertical=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if sdgs %}")
    heading = add_heading(doc, f"Annexe{NBSP}: objectifs de développement durable" + of, 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Les actions du PST qui contribuent aux objectifs de développement durable (ODD) des Nations unies"
              "{% if annex_lists %}, objectif par objectif{% endif %}.")
    tag(doc, "{%p if annex_lists %}")
    tag(doc, "{%p for odd in sdgs %}")
    add_heading(doc, f"ODD{NBSP}{{{{ odd.number }}}} – {{{{ odd.title }}}}", 2)
    para(doc, plural("odd.count", "action", "actions") + " du PST.", "Mention")
    annex_hierarchy(doc, "odd.volets")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    matrix_annex(doc, "sdg_matrix", "ODD", vertical=False)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if modifications %}")
    heading = add_heading(doc, f"Annexe{NBSP}: modifications depuis la version adoptée le "
                          f"{{{{ modifications.seance }}}}" + of, 1)
    heading.paragraph_format.page_break_before = True
    modification_lists(doc)
    tag(doc, "{%p endif %}")


# --- The joint PST of a commune and its CPAS -----------------------------------------------------------------------
WITH_INSTITUTION = ("{%p with entity=inst.entity, volets=inst.volets, layout=inst.layout, fields=inst.fields, "
                    "numbering=inst.numbering, synergies=inst.synergies, plans=inst.plans, sdgs=inst.sdgs, "
                    "annex_lists=inst.annex_lists, plan_matrix=inst.plan_matrix, sdg_matrix=inst.sdg_matrix, "
                    "modifications=inst.modifications, budget=inst.budget, version=inst.version %}")
"""Inside the loop over the institutions, the names an entity's PST uses, bound to this institution's: the parts
of the PST template (volets_body, annexes, budget_tables) serve unchanged."""
def the(e: str) -> str:
    """An institution with its article, from its name (pipeline.french.the): « la Commune d’Engis », « le CPAS
    d’Engis », « Engis » (`e`: its context)."""
    return "{{ " + e + ".name|article }}"


def of(e: str) -> str:
    """« de la Commune d’Engis », « du CPAS d’Engis », « d’Engis » (pipeline.french.of)."""
    return "{{ " + e + ".name|de }}"


BOTH = "{{ left.name }} et {{ right.name }}"
THE_INSTITUTION = "{% if entity.is_cpas %}le CPAS{% elif entity.type == 'Ville' %}la ville{% else %}la commune{% endif %}"


def joint_side_cell(cell, side: str):
    """A cell of « Actions communes »: each action of one institution in the pair, with its objectives and service."""
    cell_text(cell, "{%p for a in c." + side + " %}", "Tableau petit")
    p = cell.add_paragraph(style="Tableau")
    p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}})").bold = True
    p.add_run(f"{{% if a.own_title %}}{NBSP}: {{{{ a.own_title }}}}{{% endif %}}")  # its libellé, when another
    cell.add_paragraph("{{ a.os }}", style="Tableau petit")
    cell.add_paragraph("{{ a.oo }}", style="Tableau petit")
    cell.add_paragraph(f"{{% if a.service %}}Service{NBSP}: {{{{ a.service }}}}{{% endif %}}"
                       f"{{% if a.service and a.end %}} · {{% endif %}}{{% if a.end %}}Échéance{NBSP}: "
                       "{{ a.end }}{% endif %}", style="Tableau petit")
    cell.add_paragraph("{%p endfor %}", style="Tableau petit")


def write_joint(path: Path):
    doc = Document()
    define_styles(doc)
    set_language(doc)
    update_fields_on_open(doc)
    page_setup(doc.sections[0])
    header_footer(doc.sections[0], BOTH + " — Programme stratégique transversal conjoint {{ legislature }}"
                  "{% if provisional %} — DOCUMENT PROVISOIRE{% endif %}")
    doc.core_properties.title = ("Programme stratégique transversal conjoint {{ legislature }} — " + BOTH
                                 + "{% if provisional %} (document provisoire){% endif %}")
    doc.core_properties.subject = "Programme stratégique transversal conjoint"
    doc.core_properties.author = BOTH

    # Cover
    for _ in range(4):
        doc.add_paragraph()
    para(doc, "{{ left.name }}", "Couverture entité")
    para(doc, "et", "Couverture mention")
    para(doc, "{{ right.name }}", "Couverture entité")
    para(doc, "Programme stratégique transversal conjoint", "Couverture titre")
    para(doc, "{{ legislature }}", "Couverture législature")
    tag(doc, "{%p if slogan %}")
    para(doc, f"«{NBSP}{{{{ slogan }}}}{NBSP}»", "Couverture slogan")
    tag(doc, "{%p endif %}")
    for _ in range(3):
        doc.add_paragraph()
    provisional_warning(doc, "le rapport de validation de chaque institution")
    for _ in range(3):
        doc.add_paragraph()
    para(doc, "Présenté au conseil communal et au conseil de l’action sociale", "Couverture mention")
    tag(doc, "{%p for inst in institutions %}")
    tag(doc, WITH_INSTITUTION)
    para(doc, "{{ entity.name }} — " + VERSION_LINE, "Couverture mention")
    tag(doc, "{%p endwith %}")
    tag(doc, "{%p endfor %}")

    para(doc, "Table des matières", "Titre sommaire").paragraph_format.page_break_before = True
    add_toc(doc)

    # Fixed prose: the coordinators rewrite it in Word.
    add_heading(doc, "Introduction", 1).paragraph_format.page_break_before = True
    para(doc, "{{ left.name|article|initiale }} et " + the("right") + " présentent ensemble leur programme stratégique transversal (PST) pour la législature "
              "{{ legislature }}. Le PST est une démarche stratégique évolutive et modulable qui planifie et priorise "
              "les politiques de chaque institution en intégrant un processus d’évaluation ; le rédiger ensemble "
              "rend visibles les synergies entre la commune et son CPAS, et ce que chacun apporte à l’autre.")
    para(doc, "Chaque institution y garde ses objectifs stratégiques et opérationnels, ses actions et leur "
              "numérotation : la première partie présente ceux " + of("left") + ", la deuxième ceux "
              + of("right") + ". Les actions que les deux institutions mènent ensemble figurent dans la partie de "
              "chacune, sous ses propres objectifs, et sont rassemblées dans la section « Actions communes ».")

    add_heading(doc, "Base légale", 1)
    tag(doc, "{%p for inst in institutions %}")
    para(doc, "Pour " + the("inst.entity") + ", {% if inst.entity.is_cpas %}l’article 27ter de la loi organique des "
              "centres publics d’action sociale du 8 juillet 1976 prévoit que le programme stratégique transversal "
              "est présenté au conseil de l’action sociale dans les six mois qui suivent l’installation du conseil"
              "{% else %}l’article L1123-27 du Code de la démocratie locale et de la "
              "décentralisation (CDLD) prévoit que le programme stratégique transversal est présenté au conseil "
              "communal dans les six mois qui suivent l’installation du collège{% endif %} (neuf mois pour le "
              "premier programme). Le conseil en prend acte.")
    tag(doc, "{%p endfor %}")
    para(doc, "Le programme fait l’objet d’une évaluation au moins à mi-législature et au terme de celle-ci : le "
              "comité de direction de chaque institution établit un rapport d’exécution, qui comprend un examen des "
              "synergies entre la commune et le CPAS. Il peut être actualisé en cours de législature. Il est publié "
              "sur le site internet de la commune et du CPAS.")

    add_heading(doc, "Méthodologie", 1)
    para(doc, "Le PST de chaque institution se compose de deux volets. Le volet externe, « développement des "
              "politiques », reprend les projets menés dans les domaines d’intérêt local ; le volet interne, "
              "« administration générale », vise l’organisation et le fonctionnement de l’administration. Chaque "
              "volet se décline en objectifs stratégiques (ce que nous voulons être au terme de la législature), en "
              "objectifs opérationnels (ce que nous allons faire) et en actions (comment, par qui, quand et avec "
              "quels moyens), proposées par les services au moyen de fiches standardisées.")
    tag(doc, "{%p for inst in institutions %}")
    para(doc, "Les actions " + of("inst.entity") + " {% if inst.numbering == 'hiérarchique' %}portent le numéro "
              "de leur objectif opérationnel suivi de leur rang (l’action 2.4.3 est la troisième de l’objectif "
              "opérationnel 2.4){% else %}sont numérotées de façon continue dans chaque volet{% endif %}.")
    tag(doc, "{%p endfor %}")
    para(doc, "Une action commune est menée par les deux institutions : chacune l’inscrit dans son propre PST, sous "
              "ses objectifs, et les deux actions portent le même « code synergie ». Elle garde ainsi un numéro dans "
              "chaque institution.")

    add_heading(doc, "Le PST en résumé", 1)
    para(doc, "En résumé, le PST conjoint comprend " + plural("counts.actions.total", "action", "actions") + " ("
              "{% for inst in institutions %}{{ inst.counts.actions.total }} " + of("inst.entity")
              + "{% if not loop.last %} et {% endif %}{% endfor %}), sous "
              + plural("counts.os.total", "objectif stratégique", "objectifs stratégiques") + " et "
              + plural("counts.oo.total", "objectif opérationnel", "objectifs opérationnels") + ". "
              "{% if common %}Les deux institutions mènent ensemble "
              + plural("common|length", "action commune", "actions communes")
              + ".{% else %}Aucune action n’est menée en commun.{% endif %}", "Résumé").paragraph_format.keep_with_next = True
    tag(doc, "{%p if provisional %}")
    para(doc, "Document provisoire : les lignes en erreur des classeurs n’y figurent pas.", "Avertissement")
    tag(doc, "{%p endif %}")
    table = doc.add_table(rows=4, cols=6)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, start, body, end = table.rows
    for cell, label in zip(header.cells, ("Institution", "Objectifs stratégiques", "Objectifs opérationnels",
                                          "Actions externes", "Actions internes", "Actions")):
        cell_text(cell, label, "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(header)
    cell_text(start.cells[0], "{%tr for inst in institutions %}")
    for cell, text in zip(body.cells, ("{{ inst.entity.name }}", "{{ inst.counts.os.total }}",
                                       "{{ inst.counts.oo.total }}", "{{ inst.counts.actions.externe }}",
                                       "{{ inst.counts.actions.interne }}", "{{ inst.counts.actions.total }}")):
        cell_text(cell, text)
    cell_text(end.cells[0], "{%tr endfor %}")
    total = table.add_row()
    for cell, text in zip(total.cells, ("Ensemble", "{{ counts.os.total }}", "{{ counts.oo.total }}",
                                        "{{ counts.actions.externe }}", "{{ counts.actions.interne }}",
                                        "{{ counts.actions.total }}")):
        cell_text(cell, text, bold=True)
        shade(cell, "DCE6F1")
    set_widths(table, (Cm(4.0), Cm(2.6), Cm(3.0), Cm(2.4), Cm(2.4), Cm(2.0)))
    for r in table.rows:
        for cell in r.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()

    # Each institution's part: its volets, its numbering.
    tag(doc, "{%p for inst in institutions %}")
    tag(doc, WITH_INSTITUTION)
    heading = add_heading(doc, "{{ entity.name }}", 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Les objectifs et les actions " + of("entity") + " : "
              + plural("inst.counts.os.total", "objectif stratégique", "objectifs stratégiques") + ", "
              + plural("inst.counts.oo.total", "objectif opérationnel", "objectifs opérationnels") + " et "
              + plural("inst.counts.actions.total", "action", "actions") + " ("
              + plural("inst.counts.actions.externe", "externe", "externes") + " et "
              + plural("inst.counts.actions.interne", "interne", "internes") + "), dont "
              "{% if loop.first %}{{ common_actions.left }}{% else %}{{ common_actions.right }}{% endif %} "
              "en commun avec {% if loop.first %}" + the("right") + "{% else %}" + the("left") + "{% endif %}.")
    volets_body(doc, top=2)
    tag(doc, "{%p endwith %}")
    tag(doc, "{%p endfor %}")

    # The actions carried out together, once each, with both numbers.
    heading = add_heading(doc, "Actions communes", 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "{% if common %}Les " + plural("common|length", "action", "actions") + " que " + the("left") + " et "
              + the("right") + " mènent "
              "ensemble, rapprochées par leur code synergie. Chacune figure aussi dans la partie de chaque "
              "institution, sous ses objectifs et avec son numéro, rappelés ici.{% else %}Aucune action ne porte "
              "le même code synergie dans les deux institutions.{% endif %}")
    tag(doc, "{%p if common %}")
    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Table Grid"]
    header, start, body, end = table.rows
    for cell, label in zip(header.cells, ("Action commune", "{{ left.name }}", "{{ right.name }}")):
        cell_text(cell, label, "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(header)
    cell_text(start.cells[0], "{%tr for c in common %}")
    cell_text(body.cells[0], "{{ c.title }}", bold=True)
    body.cells[0].add_paragraph("Code synergie" + NBSP + ": {{ c.code }}", style="Tableau petit")
    joint_side_cell(body.cells[1], "left")
    joint_side_cell(body.cells[2], "right")
    cell_text(end.cells[0], "{%tr endfor %}")
    set_widths(table, (Cm(5.2), Cm(5.9), Cm(5.9)))
    doc.add_paragraph()
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for side in one_sided %}")
    para(doc, "Autres actions " + of("side") + " menées en synergie avec " + the("side.partner"), "Étiquette")
    tag(doc, "{%p for a in side.actions %}")
    p = para(doc, "", "Action")
    p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}}){NBSP}:").bold = True
    p.add_run("\t{{ a.title }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")

    # The annexes of both institutions: plans, ODD, modifications (portrait), then their budgets (landscape).
    tag(doc, "{%p for inst in institutions %}")
    tag(doc, WITH_INSTITUTION)
    annexes(doc, of=" — {{ entity.name }}")
    tag(doc, "{%p endwith %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if budgets %}")
    landscape_section(doc)
    tag(doc, "{%p for inst in institutions if inst.budget %}")
    tag(doc, WITH_INSTITUTION)
    budget_tables(doc, of=" — {{ entity.name }}", new_page=True)
    tag(doc, "{%p endwith %}")
    tag(doc, "{%p endfor %}")
    portrait_section(doc)
    tag(doc, "{%p endif %}")
    keep_header_footer_in_last_section(doc)
    save(doc, path)


# --- The synergy cross-reference ---------------------------------------------------------------------------------
def write_synergies(path: Path):
    doc = Document()
    define_styles(doc)
    set_language(doc)
    section = doc.sections[0]
    page_setup(section, landscape=True)
    header_footer(section, "Synergies {{ left.name }} & {{ right.name }} — PST {{ legislature }}"
                           "{% if provisional %} — DOCUMENT PROVISOIRE{% endif %}")
    section.different_first_page_header_footer = False
    doc.core_properties.title = ("Synergies {{ left.name }} & {{ right.name }}"
                                 "{% if provisional %} (document provisoire){% endif %}")
    doc.core_properties.subject = PROPERTIES["synergies.docx"][0]
    doc.core_properties.author = PROPERTIES["synergies.docx"][1]

    add_heading(doc, "Synergies {{ left.name }} & {{ right.name }}", 1)
    para(doc, "Programme stratégique transversal {{ legislature }} — tableau de correspondance des actions menées "
              "en commun, établi le {{ built_on }}.")
    tag(doc, "{%p if provisional %}")
    para(doc, "Document provisoire, établi malgré " + plural("provisional.errors", "erreur", "erreurs")
              + " dans les classeurs : les lignes en erreur n’y figurent pas.", "Avertissement")
    tag(doc, "{%p endif %}")
    para(doc, "Les actions sont rapprochées par leur « code synergie ». "
              + plural("pairs|length", "synergie rapprochée", "synergies rapprochées") + ", "
              + plural("left_only|length", "action signalée", "actions signalées") + " par "
              "{% if left.type == 'CPAS' %}le {% else %}la {% endif %}{{ left.name }} seulement et "
              + plural("right_only|length", "action signalée", "actions signalées") + " par "
              "{% if right.type == 'CPAS' %}le {% else %}la {% endif %}{{ right.name }} seulement.")

    para(doc, "Pour chaque paire, l’état des deux côtés : statut, taux d’avancement (* : non renseigné, compté 100 % "
              "si terminée, 0 % sinon) et échéance. La colonne « À vérifier » signale les paires dont les deux côtés "
              "ne concordent pas : l’un terminé et l’autre à démarrer, ou des échéances à plus de six mois d’écart"
              "{% if disagreements %} (" + plural("disagreements", "paire", "paires") + "){% endif %}.")
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    widths = (Cm(2.9), Cm(9.4), Cm(9.4), Cm(3.6))
    for cell, label in zip(table.rows[0].cells, ("Code synergie", "{{ left.name }}", "{{ right.name }}",
                                                 "À vérifier")):
        cell_text(cell, label, "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(table.rows[0])
    row = table.add_row()
    cell_text(row.cells[0], "{%tr for pair in pairs %}")
    row = table.add_row()
    cell_text(row.cells[0], "{{ pair.code }}", bold=True)
    for cell, side in zip(row.cells[1:3], ("left", "right")):
        cell_text(cell, "{%p for a in pair." + side + " %}")
        p = cell.add_paragraph(style="Tableau")
        p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}}){NBSP}: ").bold = True
        p.add_run("{{ a.title }}")
        cell.add_paragraph("{{ a.status }} · {{ a.progress }}{% if not a.typed %}*{% endif %} · échéance"
                           + NBSP + ": {{ a.end }}", style="Tableau petit")
        cell.add_paragraph("{%p endfor %}", style="Tableau")
    cell_text(row.cells[3], "{{ pair.check }}", "Tableau petit", bold=True)  # a paragraph even when empty
    shade(row.cells[3], "{% if pair.why %}FBE5D6{% else %}FFFFFF{% endif %}")
    row = table.add_row()
    cell_text(row.cells[0], "{%tr endfor %}")
    set_widths(table, widths)

    for side, name in (("left_only", "left"), ("right_only", "right")):
        tag(doc, "{%p if " + side + " %}")
        add_heading(doc, "Actions signalées par {% if " + name + ".type == 'CPAS' %}le {% else %}la {% endif %}{{ "
                    + name + ".name }} seulement", 2)
        para(doc, "Ces actions mentionnent une synergie, mais aucune action de l’autre institution ne porte le même "
                  "code synergie.")
        tag(doc, "{%p for a in " + side + " %}")
        p = para(doc, "", "Action")
        p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}}){NBSP}:").bold = True
        p.add_run("\t{{ a.title }}{% if a.synergy_code %} — code synergie {{ a.synergy_code }}"
                  "{% else %} — sans code synergie{% endif %}")
        tag(doc, "{%p endfor %}")
        tag(doc, "{%p endif %}")
    save(doc, path)


# --- The fiches actions ----------------------------------------------------------------------------------------
EMPTY = "Non renseigné"


def label_cell(cell, text: str):
    cell_text(cell, text, "Tableau", bold=True)
    shade(cell, "DCE6F1")


def lines_cell(cell, expression: str, style: str = "Tableau"):
    """A cell listing the lines of `expression`, or « Non renseigné »."""
    cell_text(cell, "{%p if " + expression + " %}")
    cell.add_paragraph("{%p for line in " + expression + " %}", style="Tableau")
    cell.add_paragraph("{{ line }}", style=style)
    cell.add_paragraph("{%p endfor %}", style="Tableau")
    cell.add_paragraph("{%p else %}", style="Tableau")
    cell.add_paragraph(EMPTY, style="Tableau")
    cell.add_paragraph("{%p endif %}", style="Tableau")


def group_table(doc, group: str, fixed_rows: list[tuple[str, str]] = (), bullets: bool = False):
    """One part of the fiche: `fixed_rows` (label, expression), then a row per field the contract places in
    `group` (Column.fiche) — its label and its lines, or « Non renseigné »."""
    table = doc.add_table(rows=len(fixed_rows) + 3, cols=2)
    table.style = doc.styles["Table Grid"]
    for row, (label, expression) in zip(table.rows, fixed_rows):
        label_cell(row.cells[0], label)
        cell_text(row.cells[1], expression)
    start, body, end = table.rows[len(fixed_rows):]
    cell_text(start.cells[0], "{%tr for label, lines in f.a.fiche." + group + " %}")
    label_cell(body.cells[0], "{{ label }}")
    lines_cell(body.cells[1], "lines", "Tableau puce" if bullets else "Tableau")
    cell_text(end.cells[0], "{%tr endfor %}")
    set_widths(table, (Cm(4.6), Cm(12)))
    return table


def write_fiches(path: Path):
    doc = Document()
    define_styles(doc)
    set_language(doc)
    section = doc.sections[0]
    page_setup(section)
    header_footer(section, "{{ entity.name }} — Fiches actions du PST {{ entity.legislature }}"
                           "{% if provisional %} — DOCUMENT PROVISOIRE{% endif %}")
    doc.core_properties.title = ("Fiches actions du PST {{ entity.legislature }} — {{ entity.name }}"
                                 "{% if provisional %} (document provisoire){% endif %}")
    doc.core_properties.subject = PROPERTIES["fiches_actions.docx"][0]
    doc.core_properties.author = PROPERTIES["fiches_actions.docx"][1]

    for _ in range(6):
        doc.add_paragraph()
    para(doc, "{{ entity.name }}", "Couverture entité")
    para(doc, "Programme stratégique transversal {{ entity.legislature }}", "Couverture législature")
    para(doc, "Fiches actions", "Couverture titre")
    para(doc, plural("fiches|length", "fiche", "fiches") + ", dans l’ordre du PST — version du {{ built_on }}",
         "Couverture mention")
    doc.add_paragraph()
    provisional_warning(doc)

    tag(doc, "{%p for f in fiches %}")
    heading = add_heading(doc, f"Action{NBSP}{{{{ f.a.number }}}}{NBSP}: {{{{ f.a.title }}}}", 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Volet {{ f.volet }}{% if f.a.reference %} · Réf. {{ f.a.reference }}{% endif %}", "Mention")
    group_table(doc, "presentation", [
        ("Objectif stratégique", f"OS{NBSP}{{{{ f.os.number }}}}{NBSP}: {{{{ f.os.title }}}}"),
        ("Objectif opérationnel", f"OO{NBSP}{{{{ f.oo.code }}}}{NBSP}: {{{{ f.oo.title }}}}"),
    ])
    for group, title in (("suivi", "Suivi"), ("intervenants", "Intervenants"), ("planification", "Planification")):
        tag(doc, "{%p if f.a.fiche." + group + " %}")  # every field of the part empty and hidden: no part
        para(doc, title, "Étiquette")
        group_table(doc, group, bullets=group == "planification")
        tag(doc, "{%p endif %}")
    para(doc, "Informations financières", "Étiquette")
    tag(doc, "{%p if f.a.budget %}")
    budget = doc.add_table(rows=4, cols=9)
    budget.style = doc.styles["Table Grid"]
    head, start, body, end = budget.rows
    for cell, text in zip(head.cells, ("Exercice", "Service", "R/D", "Article", "Montant estimé", "Fonds propres",
                                       "Emprunt", "Subsides", "Source")):
        cell_text(cell, text, "Tableau petit en-tête")
        shade(cell, "1F3864")
    repeat_header(head)
    cell_text(start.cells[0], "{%tr for line in f.a.budget %}")
    for cell, key in zip(body.cells, ("year", "budget_service", "direction", "article", "amount", "own_funds", "loan",
                                      "subsidies", "subsidy_source")):
        cell_text(cell, "{{ line." + key + " }}", "Tableau petit")
        if key in ("amount", "own_funds", "loan", "subsidies"):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cell_text(end.cells[0], "{%tr endfor %}")
    # The totals: expenses, then revenues (those the action has).
    cell_text(budget.add_row().cells[0], "{%tr for t in f.a.budget_totals %}")
    total = budget.add_row()
    cell_text(total.cells[0], "{{ t.label }}", "Tableau petit", bold=True)
    for cell, key in zip(total.cells[4:8], ("amount", "own_funds", "loan", "subsidies")):
        cell_text(cell, "{{ t." + key + " }}", "Tableau petit", bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in total.cells:
        shade(cell, "DCE6F1")
    cell_text(budget.add_row().cells[0], "{%tr endfor %}")
    set_widths(budget, (Cm(1.5), Cm(2.3), Cm(1.5), Cm(1.9), Cm(2.1), Cm(2.1), Cm(1.6), Cm(2.0), Cm(1.6)))
    tight_cells(budget)
    total.cells[0].merge(total.cells[3])  # « Total des dépenses » over the four first columns
    tag(doc, "{%p else %}")
    para(doc, "Aucune ligne budgétaire pour cette action.", "Mention")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if f.a.fiche.indicateurs %}")
    para(doc, "Plans et indicateurs", "Étiquette")
    group_table(doc, "indicateurs")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if f.a.fiche.informations %}")
    para(doc, "Autres informations", "Étiquette")
    group_table(doc, "informations")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    save(doc, path)

# --- The rapport d'exécution -------------------------------------------------------------------------------------
STATUS_COLUMNS = ("Terminée", "En cours", "À démarrer", "Reportée", "Abandonnée")
HEALTH_COLUMNS = ("Bon", "Risque", "Blocage", "Autre ou non renseignée")


def loop_table(doc, headers: tuple[str, ...], widths: tuple[float, ...], loops: tuple[str, ...], cells: tuple,
               small: bool = True):
    """A table whose header row repeats on each page, then a row per `{%tr for … %}` of `loops` (outermost first),
    the body row — each cell a text or a function filling the cell —, and the rows closing the loops."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    body_style = "Tableau petit" if small else "Tableau"
    for cell, label in zip(table.rows[0].cells, headers):
        cell_text(cell, label, "Tableau petit en-tête" if small else "Tableau en-tête")
        shade(cell, "1F3864")
    repeat_header(table.rows[0])
    for loop in loops:
        cell_text(table.add_row().cells[0], "{%tr " + loop + " %}", body_style)
    body = table.add_row()
    for cell, content in zip(body.cells, cells):
        if callable(content):
            content(cell)
        else:
            cell_text(cell, content, body_style)
    for _ in loops:
        cell_text(table.add_row().cells[0], "{%tr endfor %}", body_style)
    set_widths(table, tuple(Cm(w) for w in widths))
    for split in body._tr.findall(qn("w:trPr") + "/" + qn("w:cantSplit")):
        split.getparent().remove(split)  # a row taller than a page (a long comment) must break, not be cut off
    tight_cells(table)
    return table


def centred(cell):
    for paragraph in cell.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def filled(text: str, centre: bool = True, bold: bool = False):
    """A cell of a summary row: its text, centred; the row's background colour (r.bg) set by docxtpl's cellbg."""
    def fill(cell):
        cell_text(cell, "{% cellbg r.bg %}" + text, "Tableau petit", bold=bold)
        if centre:
            centred(cell)
    return fill


def lines_in(expression: str, style: str = "Tableau petit"):
    """A cell listing the lines of `expression`, empty when there are none (its first paragraph always stays: a
    cell without a paragraph is not valid, and LibreOffice then shifts the row's cells)."""
    def fill(cell):
        cell_text(cell, "{{ " + expression + "[0] if " + expression + " }}", style)
        cell.add_paragraph("{%p for line in " + expression + "[1:] %}", style=style)
        cell.add_paragraph("{{ line }}", style=style)
        cell.add_paragraph("{%p endfor %}", style=style)
    return fill


def action_cell(with_service: bool = True, with_indicators: bool = True):
    """The action's libellé, its service and its indicateurs de réalisation (target and reached values)."""
    def fill(cell):
        cell_text(cell, "{{ a.title }}", "Tableau petit")
        if with_service:
            cell.add_paragraph("{%p if a.service %}", style="Tableau petit")
            p = cell.add_paragraph(style="Tableau petit")
            p.add_run("{{ a.service }}").italic = True
            cell.add_paragraph("{%p endif %}", style="Tableau petit")
        if not with_indicators:
            return
        cell.add_paragraph("{%p for i in a.indicators %}", style="Tableau petit")
        p = cell.add_paragraph(style="Tableau petit")
        p.add_run(typography("{% if i.name %}Indicateur" + NBSP + ": {{ i.name }}{% endif %}")).italic = True
        p.add_run(typography("{% if i.target %}{% if i.name %} — {% endif %}cible" + NBSP + ": {{ i.target }}"
                             "{% endif %}{% if i.reached %}{% if i.name or i.target %} — {% endif %}atteint" + NBSP
                             + ": {{ i.reached }}{% endif %}"))
        cell.add_paragraph("{%p endfor %}", style="Tableau petit")
    return fill


def number_cell(cell):
    """The action's number, and its volet below (numbers restart in each volet)."""
    cell_text(cell, "{{ a.number }}", "Tableau petit", bold=True)
    p = cell.add_paragraph(style="Tableau petit")
    p.add_run("{{ a.volet }}").italic = True


def status_health(cell):
    cell_text(cell, "{{ a.status }}", "Tableau petit")
    cell.add_paragraph("{%p if a.health %}", style="Tableau petit")
    p = cell.add_paragraph(style="Tableau petit")
    p.add_run(typography("Santé" + NBSP + ": {{ a.health }}")).italic = True
    cell.add_paragraph("{%p endif %}", style="Tableau petit")


def chart(doc, expression: str):
    tag(doc, "{%p if " + expression + " %}")
    p = para(doc, "{{ " + expression + " }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_together = True
    tag(doc, "{%p endif %}")


THE_CONSEIL = "{% if entity.is_cpas %}conseil de l’action sociale{% else %}conseil communal{% endif %}"
PARTNER = ("{% if s.partner_type == 'CPAS' %}le {% elif s.partner_type %}la {% else %}l’institution {% endif %}"
           "{{ s.partner }}")


def write_rapport(path: Path):
    doc = official_document("{{ entity.name }} — Rapport d’exécution du PST {{ entity.legislature }} — situation "
                            "au {{ evaluation.date }}",
                            "Rapport d’exécution du PST {{ entity.legislature }} — {{ entity.name }}",
                            "Rapport d’exécution du programme stratégique transversal")

    cover(doc, (("{{ entity.name }}", "Couverture entité"), ("Rapport d’exécution", "Couverture titre"),
                ("du programme stratégique transversal {{ entity.legislature }}", "Couverture législature"),
                ("Évaluation {{ evaluation.stage }}", "Couverture mention"),
                ("Situation au {{ evaluation.date }}", "Couverture mention")),
          (("Établi par le comité de direction et présenté au " + THE_CONSEIL, "Couverture mention"),
           ("Document du {{ built_on }}", "Couverture mention")))

    para(doc, "Table des matières", "Titre sommaire").paragraph_format.page_break_before = True
    add_toc(doc)

    # Fixed prose: the comité de direction rewrites it in Word.
    add_heading(doc, "Introduction", 1).paragraph_format.page_break_before = True
    para(doc, "{% if entity.is_cpas %}L’article 27ter de la loi organique des centres publics d’action sociale du "
              "8 juillet 1976{% else %}L’article L1123-27 du Code de la démocratie locale et de la décentralisation"
              "{% endif %} prévoit que le programme stratégique transversal fait l’objet d’une évaluation au moins à "
              "mi-législature et au terme de celle-ci, sur la base d’un rapport d’exécution établi par le comité de "
              "direction. Ce rapport comprend un examen des synergies entre la commune et le CPAS.")
    para(doc, "Le présent rapport constitue l’évaluation {{ evaluation.stage }} du programme stratégique "
              "transversal {{ entity.legislature }} ({{ entity.name }}). Il décrit la situation au "
              "{{ evaluation.date }} : l’état d’avancement des actions, celles qui demandent une attention "
              "particulière, la réalisation des objectifs et les synergies. Il est présenté au " + THE_CONSEIL
              + " et publié sur le site internet.")
    add_heading(doc, "Méthode", 1)
    para(doc, "Chaque service a mis à jour, pour chacune de ses actions, le statut (à démarrer, en cours, terminée, "
              "reportée ou abandonnée), la santé (bon, risque ou blocage), le taux d’avancement, l’échéance, un "
              "commentaire et, le cas échéant, la valeur atteinte de ses indicateurs. Les chiffres de ce rapport "
              "sont calculés à partir de ces fiches, sans saisie manuelle.")
    para(doc, "Le taux d’avancement moyen est la moyenne simple des taux d’avancement des actions, actions "
              "abandonnées comprises. Une action dont le taux n’est pas renseigné compte pour 100" + NBSP + "% si "
              "elle est terminée et pour 0" + NBSP + "% sinon ; son taux est alors suivi d’un astérisque"
              "{% if untyped %} (" + plural("untyped", "action", "actions") + " dans ce rapport){% endif %}.")
    para(doc, "Une action est un point d’attention lorsque sa santé est « risque » ou « blocage », ou lorsqu’elle "
              "est en retard : son échéance est dépassée au {{ evaluation.date }} sans qu’elle soit terminée ni "
              "abandonnée. Une échéance donnée au mois ou à l’année court jusqu’au dernier jour de ce mois ou de "
              "cette année.".replace("« ", "«" + NBSP).replace(" »", NBSP + "»"))

    # Synthesis
    add_heading(doc, "Synthèse", 1).paragraph_format.page_break_before = True
    para(doc, "Au {{ evaluation.date }}, le PST compte " + plural("total.count", "action", "actions")
              + "{% if statuses_sentence %} : {{ statuses_sentence }}{% endif %}. Leur taux d’avancement moyen est "
              "de {{ total.mean }}.", "Résumé")
    tag(doc, "{%p if baseline %}")
    para(doc, "La version {{ baseline.number }} du PST, dont le conseil a pris acte le {{ baseline.seance }}, "
              "comptait " + plural("baseline.count", "action", "actions") + ", pour un taux d’avancement moyen de "
              "{{ baseline.mean }}.")
    tag(doc, "{%p endif %}")
    add_heading(doc, "Actions par statut et taux d’avancement", 2)
    loop_table(doc, ("", *STATUS_COLUMNS, "Total", "Taux moyen"), (5.1, 1.65, 1.65, 1.65, 1.65, 1.95, 1.3, 1.95),
               ("for r in overview",),
               (filled("{{ r.label }}", centre=False),
                *(filled("{{ r.s[" + str(i) + "] }}") for i in range(len(STATUS_COLUMNS))),
                filled("{{ r.count }}", bold=True), filled("{{ r.mean }}", bold=True)))
    para(doc, "Chaque ligne d’un objectif stratégique compte ses actions ; les lignes des volets et du PST, "
              "toutes celles qu’ils contiennent.{% if total.no_status %} " + plural("total.no_status", "action",
                                                                                   "actions")
              + " sans statut {% if total.no_status < 2 %}est comptée{% else %}sont comptées{% endif %} dans le "
              "total seulement.{% endif %}", "Mention")
    chart(doc, "charts.statuses")
    chart(doc, "charts.progress")
    add_heading(doc, "Avancement par objectif opérationnel", 2)
    loop_table(doc, ("OO", "Objectif opérationnel", "Actions", "Taux moyen"), (1.6, 11.4, 1.8, 2.2),
               ("for volet in volets", "for os in volet.objectives", "for oo in os.objectives"),
               ("{{ oo.code }}{% if volet.key == 'interne' %} (int.){% endif %}", "{{ oo.title }}",
                lambda cell: (cell_text(cell, "{{ oo.count }}", "Tableau petit"), centred(cell)),
                lambda cell: (cell_text(cell, "{{ oo.mean }}", "Tableau petit"), centred(cell))))
    add_heading(doc, "Santé des actions", 2)
    loop_table(doc, ("", *HEALTH_COLUMNS, "Total"), (5.0, 2.2, 2.2, 2.2, 2.6, 2.0), ("for r in health",),
               (filled("{{ r.label }}", centre=False), *(filled("{{ r.h[" + str(i) + "] }}") for i in range(4)),
                filled("{{ r.count }}", bold=True)))
    doc.add_paragraph()
    chart(doc, "charts.health")
    tag(doc, "{%p if charts.evolution %}")
    add_heading(doc, "Évolution depuis l’adoption", 2)
    kept(para(doc, "Les statuts des actions lors de l’adoption de la version {{ baseline.number }} du PST, le "
                   "{{ baseline.seance }}, et au {{ evaluation.date }}."))
    chart(doc, "charts.evolution")
    tag(doc, "{%p endif %}")

    # Points d'attention
    add_heading(doc, "Points d’attention", 1).paragraph_format.page_break_before = True
    tag(doc, "{%p if attention %}")
    para(doc, plural("attention|length", "action demande", "actions demandent") + " une attention particulière : "
              "{{ attention_counts.sentence }} (une action peut être à la fois en retard et à risque ou en "
              "blocage).", "Résumé")
    loop_table(doc, ("N°", "Action", "Statut", "Échéance", "Motif", "Commentaire"), (1.3, 5.6, 2.3, 2.0, 2.0, 3.8),
               ("for a in attention",),
               (number_cell, action_cell(with_indicators=False), status_health, "{{ a.end }}", "{{ a.reasons }}",
                lines_in("a.comment")))
    tag(doc, "{%p else %}")
    para(doc, "Aucune action n’est à risque, en blocage ou en retard au {{ evaluation.date }}.", "Résumé")
    tag(doc, "{%p endif %}")

    # Par objectif
    add_heading(doc, "Réalisation par objectif", 1).paragraph_format.page_break_before = True
    para(doc, "Pour chaque objectif stratégique et opérationnel : ses actions, leur état et les indicateurs. "
              "Un astérisque suit un taux d’avancement non renseigné (voir « Méthode »).".replace(
                  "« ", "«" + NBSP).replace(" »", NBSP + "»"))
    tag(doc, "{%p for volet in volets %}")
    add_heading(doc, VOLET_TITLE, 2)
    kept(para(doc, plural("volet.row.count", "action", "actions") + "{% if volet.row.count %}, taux d’avancement "
                   "moyen de {{ volet.row.mean }}{% endif %}.", "Mention"))
    tag(doc, "{%p for os in volet.objectives %}")
    add_heading(doc, f"OS{NBSP}{{{{ os.number }}}}{NBSP}: {{{{ os.title }}}}", 3)
    kept(para(doc, plural("os.row.count", "action", "actions") + "{% if os.row.count %}, taux d’avancement moyen "
                   "de {{ os.row.mean }}{% endif %}.", "Mention"))
    tag(doc, "{%p for oo in os.objectives %}")
    kept(para(doc, f"OO{NBSP}{{{{ oo.code }}}}{NBSP}: {{{{ oo.title }}}}", "Annexe OO"))
    kept(para(doc, plural("oo.count", "action", "actions") + "{% if oo.count %}, taux d’avancement moyen de "
                   "{{ oo.mean }}{% endif %}.", "Mention"))
    tag(doc, "{%p if oo.indicators %}")
    loop_table(doc, ("Indicateur de résultat", "Valeur cible", "Valeur atteinte"), (9.4, 3.8, 3.8),
               ("for i in oo.indicators",), ("{{ i.name }}", "{{ i.target }}", "{{ i.reached }}"))
    doc.add_paragraph(style="Action détail")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if oo.actions %}")
    loop_table(doc, ("N°", "Action", "Statut", "Taux", "Échéance", "Commentaire"), (1.2, 6.4, 2.4, 1.5, 1.9, 3.6),
               ("for a in oo.actions",),
               ("{{ a.number }}", action_cell(), status_health,
                lambda cell: (cell_text(cell, "{{ a.progress }}", "Tableau petit"), centred(cell)),
                "{{ a.end }}{% if a.late %} (en retard){% endif %}", lines_in("a.comment")))
    doc.add_paragraph(style="Action détail")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")

    # Synergies
    add_heading(doc, "Bilan des synergies", 1).paragraph_format.page_break_before = True
    para(doc, "Les actions menées avec d’autres institutions, en particulier entre la commune et le CPAS, et leur "
              "état d’avancement. Lorsque le PST de l’institution partenaire est construit avec celui-ci, chaque "
              "action est rapprochée de la sienne par leur code synergie, et les deux côtés sont comparés.")
    tag(doc, "{%p for s in synergies %}")
    add_heading(doc, "Avec " + PARTNER, 2)
    para(doc, plural("s.count", "action", "actions") + " du PST {% if s.count < 2 %}est menée{% else %}sont menées"
              "{% endif %} avec " + PARTNER + " ; taux d’avancement moyen de {{ s.row.mean }}."
              "{% if s.built %} " + plural("s.paired", "action est rapprochée", "actions sont rapprochées")
              + " de celle du partenaire par leur code synergie.{% endif %}", "Résumé")
    tag(doc, "{%p if s.built %}")

    def partner_cell(cell):
        cell_text(cell, "{%p for o in a.partner %}", "Tableau petit")
        p = cell.add_paragraph(style="Tableau petit")
        p.add_run(f"Action{NBSP}{{{{ o.number }}}} ({{{{ o.volet }}}}){NBSP}: ").bold = True
        p.add_run("{{ o.status }}, {{ o.progress }}")
        cell.add_paragraph("{%p endfor %}", style="Tableau petit")
        cell.add_paragraph("{%p if not a.partner %}", style="Tableau petit")
        p = cell.add_paragraph(style="Tableau petit")
        p.add_run("non rapprochée{% if a.synergy_code %} (code {{ a.synergy_code }}){% endif %}").italic = True
        cell.add_paragraph("{%p endif %}", style="Tableau petit")

    loop_table(doc, ("N°", "Action", "Statut", "Taux", "Côté partenaire", "À vérifier"),
               (1.3, 6.0, 2.4, 1.5, 3.9, 1.9), ("for a in s.lines",),
               (number_cell, action_cell(), status_health,
                lambda cell: (cell_text(cell, "{{ a.progress }}", "Tableau petit"), centred(cell)), partner_cell,
                "{% if a.disagree %}Oui{% endif %}"))
    doc.add_paragraph(style="Action détail")
    tag(doc, "{%p if s.disagreements %}")
    para(doc, "Synergies dont les deux côtés ne concordent pas", "Étiquette")
    para(doc, "Une action est terminée d’un côté et encore à démarrer de l’autre, ou les échéances des deux côtés "
              "sont à plus de six mois d’écart : à vérifier avec " + PARTNER + ".")
    tag(doc, "{%p for a in s.disagreements %}")
    p = para(doc, "", "Action")
    p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}}){NBSP}:").bold = True
    p.add_run("\t{{ a.title }} — ici {{ a.status|lower }} ; côté partenaire : {% for o in a.partner %}action "
              "{{ o.number }} ({{ o.volet }}) {{ o.status|lower }}{% if not loop.last %}, {% endif %}{% endfor %}"
              " — {{ a.why }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    loop_table(doc, ("N°", "Action", "Statut", "Taux", "Échéance", "Commentaire"), (1.3, 6.4, 2.4, 1.5, 1.9, 3.5),
               ("for a in s.lines",),
               (number_cell, action_cell(), status_health,
                lambda cell: (cell_text(cell, "{{ a.progress }}", "Tableau petit"), centred(cell)), "{{ a.end }}",
                lines_in("a.comment")))
    para(doc, "Le PST de " + PARTNER + " n’est pas construit avec celui-ci : ses actions ne sont pas comparées.",
         "Mention")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not synergies %}")
    para(doc, "Aucune action du PST n’est menée en synergie avec une autre institution (colonne « Synergie avec » "
              "des classeurs).".replace("« ", "«" + NBSP).replace(" »", NBSP + "»"))
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if modifications %}")
    heading = add_heading(doc, "Modifications depuis la version adoptée le {{ modifications.seance }}", 1)
    heading.paragraph_format.page_break_before = True
    modification_lists(doc)
    tag(doc, "{%p endif %}")

    add_heading(doc, "Conclusions du comité de direction", 1).paragraph_format.page_break_before = True
    para(doc, "[À compléter par le comité de direction : les enseignements de l’évaluation, les actions à "
              "réorienter, les priorités pour la suite de la législature.]", "Mention")

    # An annex per service
    tag(doc, "{%p for service in services %}")
    tag(doc, "{%p if loop.first %}")
    heading = add_heading(doc, f"Annexe{NBSP}: {{{{ service.name }}}}", 1)
    heading.paragraph_format.page_break_before = True
    tag(doc, "{%p else %}")
    add_heading(doc, f"Annexe{NBSP}: {{{{ service.name }}}}", 1)
    tag(doc, "{%p endif %}")
    kept(para(doc, plural("service.row.count", "action", "actions") + ", taux d’avancement moyen de "
                   "{{ service.row.mean }}.", "Mention"))
    loop_table(doc, ("N°", "Action", "Statut", "Taux", "Échéance"), (1.3, 9.4, 2.6, 1.6, 2.1),
               ("for a in service.actions",),
               (number_cell, action_cell(with_service=False, with_indicators=False), status_health,
                lambda cell: (cell_text(cell, "{{ a.progress }}", "Tableau petit"), centred(cell)),
                "{{ a.end }}{% if a.late %} (en retard){% endif %}"))
    tag(doc, "{%p endfor %}")
    save(doc, path)


def save(doc, path: Path) -> None:
    doc.core_properties.comments = ""  # python-docx's « generated by python-docx » is not the entity's
    doc.save(path)


# --- The annual report on the synergies of a commune and its CPAS ---------------------------------------------------
EVENT_SECTIONS = (
    # key, heading, what the date column holds, sentence when no action
    ("started", "Actions communes démarrées en {{ year }}", "Début",
     "Aucune action commune n’a démarré en {{ year }}."),
    ("finished", "Actions communes terminées en {{ year }}", "Échéance",
     "Aucune action commune ne s’est terminée en {{ year }}."),
    ("late", "Actions communes en retard au {{ situation }}", "Échéance",
     "Aucune action commune n’est en retard au {{ situation }}."),
    ("abandoned", "Actions communes abandonnées en {{ year }}", "Mise à jour",
     "Aucune action commune n’a été abandonnée en {{ year }}."),
)
PAIR_PARTS = (
    ("in_place", "Synergies en place",
     "Au moins une des actions de la synergie est en cours ou terminée."),
    ("to_develop", "Synergies à développer",
     "Aucune des actions de la synergie n’est en cours ni terminée."),
    ("abandoned", "Synergies abandonnées", "Toutes les actions de la synergie sont abandonnées."),
)


def synergy_side_cell(cell, side: str):
    """The actions of one institution in a pair: number, libellé, objective and follow-up."""
    cell_text(cell, "{%p for a in pair." + side + " %}", "Tableau petit")
    p = cell.add_paragraph(style="Tableau")
    p.add_run(f"Action{NBSP}{{{{ a.number }}}} ({{{{ a.volet }}}}){NBSP}: ").bold = True
    p.add_run("{{ a.title }}")
    cell.add_paragraph("{{ a.os }}", style="Tableau petit")
    p = cell.add_paragraph(style="Tableau petit")
    p.add_run(typography("{{ a.status }}{% if a.progress %} · {{ a.progress }}{% endif %}"
                         "{% if a.end %} · échéance" + NBSP + ": {{ a.end }}{% endif %}"
                         "{% if a.health %} · santé" + NBSP + ": {{ a.health }}{% endif %}")).italic = True
    cell.add_paragraph("{%p endfor %}", style="Tableau petit")


def count_row(table, label: str, expressions: tuple[str, ...], bold: bool = False, fill: str = ""):
    row = table.add_row()
    cell_text(row.cells[0], label, "Tableau petit", bold=bold)
    for cell, expression in zip(row.cells[1:], expressions):
        cell_text(cell, "{{ " + expression + " }}", "Tableau petit", bold=bold)
        centred(cell)
    if fill:
        for cell in row.cells:
            shade(cell, fill)
    return row


def write_synergies_rapport(path: Path):
    doc = official_document("{{ left.name }} et {{ right.name }} — Rapport annuel sur les synergies {{ year }}",
                            "Rapport annuel sur les synergies {{ year }} — {{ left.name }} et {{ right.name }}",
                            "Rapport annuel sur les synergies entre la commune et le CPAS")
    doc.core_properties.author = "{{ left.name }} et {{ right.name }}"
    sides = ("{{ left.name }}", "{{ right.name }}")

    cover(doc, (("{{ left.name }}", "Couverture entité"), ("{{ right.name }}", "Couverture entité"),
                ("Rapport annuel sur les synergies", "Couverture titre"), ("Année {{ year }}", "Couverture législature"),
                ("Programme stratégique transversal {{ legislature }}", "Couverture mention"),
                ("Situation au {{ situation }}", "Couverture mention")),
          (("Présenté à la réunion commune et publique du conseil communal et du conseil de l’action sociale",
            "Couverture mention"), ("Document du {{ built_on }}", "Couverture mention")))

    # Fixed prose: the directeurs généraux rewrite it in Word.
    add_heading(doc, "Introduction", 1).paragraph_format.page_break_before = True
    para(doc, "L’article 26bis, § 5, de la loi organique des centres publics d’action sociale du 8 juillet 1976 et "
              "l’article L1122-11 du Code de la démocratie locale et de la décentralisation prévoient une réunion "
              "commune et publique du conseil communal et du conseil de l’action sociale, au moins une fois par an. "
              "Un rapport sur l’ensemble des synergies existantes et à développer entre la commune et le centre "
              "public d’action sociale y est présenté.")
    para(doc, "Le présent rapport porte sur l’année {{ year }}. Il décrit les synergies inscrites dans les "
              "programmes stratégiques transversaux {{ legislature }} " + of("left") + " et " + of("right")
              + " : celles qui sont en place et celles qui restent à développer, les actions communes démarrées, "
              "terminées, en retard ou abandonnées durant l’année, et les actions que l’une des deux institutions "
              "signale comme menées avec l’autre sans que celle-ci en porte le pendant.")
    add_heading(doc, "Méthode", 1)
    para(doc, "Une synergie réunit les actions des deux programmes qui portent le même code synergie et que "
              "chaque institution signale comme menées avec l’autre (colonne « Synergie avec » des classeurs des "
              "services) : ce sont les actions communes. Leur statut, leur santé, leur taux d’avancement et leur "
              "échéance sont ceux que les services ont indiqués dans leurs classeurs ; les chiffres de ce rapport "
              "en sont calculés, sans saisie manuelle. Chaque institution compte ses propres actions."
         .replace("« ", "«" + NBSP).replace(" »", NBSP + "»"))
    for text in (
        "Une synergie est en place lorsqu’au moins une de ses actions est en cours ou terminée ; à développer "
        "lorsqu’aucune ne l’est encore ; abandonnée lorsque toutes ses actions le sont.",
        "Une action a démarré durant l’année lorsque sa date de début tombe en {{ year }}, au plus tard le "
        "{{ situation }}, et qu’elle est en cours ou terminée.",
        "Une action s’est terminée durant l’année lorsqu’elle est terminée et que son échéance tombe en {{ year }} "
        "(les classeurs ne donnent pas de date de fin réelle).",
        "Une action a été abandonnée durant l’année lorsqu’elle est abandonnée et que sa dernière mise à jour "
        "(à défaut, son échéance) date de {{ year }}.",
        "Une action est en retard lorsque son échéance est dépassée au {{ situation }} sans qu’elle soit terminée "
        "ni abandonnée. Une échéance donnée au mois ou à l’année court jusqu’au dernier jour de ce mois ou de "
        "cette année.",
    ):
        para(doc, text, "List Bullet")

    # Synthesis
    add_heading(doc, "Synthèse", 1).paragraph_format.page_break_before = True
    tag(doc, "{%p if counts.pairs %}")
    para(doc, "Les deux programmes comptent " + plural("counts.pairs", "synergie", "synergies") + " : "
              "{{ counts.in_place }} en place et {{ counts.to_develop }} à développer"
              "{% if counts.abandoned %}, " + plural("counts.abandoned", "abandonnée", "abandonnées")
              + "{% endif %}. Elles réunissent " + plural("counts.left", "action", "actions") + " " + of("left")
              + " et " + plural("counts.right", "action", "actions") + " " + of("right") + ".", "Résumé")
    tag(doc, "{%p else %}")
    para(doc, "Aucune action ne porte le même code synergie dans les deux programmes : aucune synergie n’est "
              "rapprochée.", "Résumé")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if counts.one_sided %}")
    para(doc, plural("counts.one_sided", "action est signalée", "actions sont signalées") + " d’un seul côté "
              "(voir « Cas à régler »).".replace("« ", "«" + NBSP).replace(" »", NBSP + "»"), "Résumé")
    tag(doc, "{%p endif %}")

    add_heading(doc, "L’année {{ year }} en chiffres", 2)
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    for cell, label in zip(table.rows[0].cells, ("Actions communes", *sides, "Ensemble")):
        cell_text(cell, label, "Tableau petit en-tête")
        shade(cell, "1F3864")
    for cell in table.rows[0].cells[1:]:
        centred(cell)
    repeat_header(table.rows[0])
    for key, heading, _, _ in EVENT_SECTIONS:
        label = heading.replace("Actions communes ", "").capitalize()
        count_row(table, label, tuple(f"events.{key}.{side}" for side in ("left", "right", "total")))
    set_widths(table, tuple(Cm(w) for w in (6.4, 3.4, 3.4, 3.4)))
    tight_cells(table)
    doc.add_paragraph(style="Action détail")

    add_heading(doc, "Actions communes par statut", 2)
    table = loop_table(doc, ("Statut", *sides, "Ensemble"), (6.4, 3.4, 3.4, 3.4), ("for r in statuses",),
                       ("{{ r.label }}", *(lambda cell, e=e: (cell_text(cell, "{{ r." + e + " }}", "Tableau petit"),
                                                              centred(cell)) for e in ("left", "right", "total"))))
    count_row(table, "Ensemble", ("counts.left", "counts.right", "counts.left + counts.right"), bold=True,
              fill="DCE6F1")
    for cell in table.rows[0].cells[1:]:
        centred(cell)
    set_widths(table, tuple(Cm(w) for w in (6.4, 3.4, 3.4, 3.4)))
    doc.add_paragraph(style="Action détail")
    chart(doc, "chart")

    # The synergies, in place and to develop
    add_heading(doc, "Synergies en place et à développer", 1).paragraph_format.page_break_before = True
    para(doc, "Chaque synergie est classée sous l’objectif stratégique " + of("left") + " auquel son action "
              "se rattache ; l’action " + of("right") + " indique le sien. Pour chaque action : son statut, son "
              "taux d’avancement lorsqu’il est renseigné, son échéance et sa santé.")
    for key, heading, explanation in PAIR_PARTS:
        tag(doc, "{%p for part in parts if part.key == '" + key + "' and part.count %}")
        add_heading(doc, heading + " ({{ part.count }})", 2)
        kept(para(doc, explanation, "Mention"))
        tag(doc, "{%p for g in part.groups %}")
        kept(para(doc, "Volet {{ g.volet }} " + of("left") + " — {{ g.os }}", "Annexe OO"))
        table = loop_table(doc, ("Code synergie", *sides), (2.9, 6.85, 6.85), ("for pair in g.pairs",),
                           (lambda cell: cell_text(cell, "{{ pair.code }}", "Tableau petit", bold=True),
                            lambda cell: synergy_side_cell(cell, "left"),
                            lambda cell: synergy_side_cell(cell, "right")))
        doc.add_paragraph(style="Action détail")
        tag(doc, "{%p endfor %}")
        tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not counts.pairs %}")
    para(doc, "Aucune synergie n’est rapprochée entre les deux programmes.")
    tag(doc, "{%p endif %}")

    # The year
    add_heading(doc, "L’année {{ year }}", 1).paragraph_format.page_break_before = True
    para(doc, "Les actions communes de chaque institution qui ont démarré, se sont terminées ou ont été "
              "abandonnées en {{ year }}, et celles qui sont en retard au {{ situation }} (voir « Méthode »)."
         .replace("« ", "«" + NBSP).replace(" »", NBSP + "»"))
    for key, heading, date_label, none in EVENT_SECTIONS:
        add_heading(doc, heading + " ({{ events." + key + ".total }})", 2)
        tag(doc, "{%p if events." + key + ".lines %}")
        loop_table(doc, ("Code synergie", "Institution", "N°", "Action", "Statut", date_label),
                   (2.9, 2.9, 1.5, 5.1, 2.0, 2.2), ("for a in events." + key + ".lines",),
                   ("{{ a.code }}", "{{ a.institution }}", "{{ a.number }} ({{ a.volet }})", "{{ a.title }}",
                    "{{ a.status }}", "{{ a.date }}"))
        doc.add_paragraph(style="Action détail")
        tag(doc, "{%p else %}")
        para(doc, none)
        tag(doc, "{%p endif %}")

    # One-sided cases
    add_heading(doc, "Cas à régler", 1)
    tag(doc, "{%p if counts.one_sided %}")
    para(doc, "Ces actions sont signalées comme menées avec l’autre institution, mais aucune action de son "
              "programme ne porte le même code synergie. Pour chacune, les deux institutions conviennent soit d’un "
              "code synergie commun, à reporter des deux côtés, soit de retirer la mention de synergie.")
    tag(doc, "{%p for s in one_sided if s.actions %}")
    add_heading(doc, "Signalées par " + the("s") + " seulement ({{ s.actions|length }})", 2)
    loop_table(doc, ("N°", "Action", "Code synergie", "Statut", "Échéance"), (1.6, 8.0, 2.6, 2.2, 2.2),
               ("for a in s.actions",),
               ("{{ a.number }} ({{ a.volet }})",
                lambda cell: (cell_text(cell, "{{ a.title }}", "Tableau petit"),
                              cell.add_paragraph("{{ a.os }}", style="Tableau petit")),
                "{% if a.code %}{{ a.code }}{% else %}sans code{% endif %}", "{{ a.status }}", "{{ a.end }}"))
    doc.add_paragraph(style="Action détail")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    para(doc, "Aucune action n’est signalée d’un seul côté : chaque synergie déclarée a son pendant dans l’autre "
              "programme.")
    tag(doc, "{%p endif %}")

    add_heading(doc, "Conclusions", 1)
    para(doc, "[À compléter par les directeurs généraux : les économies d’échelle réalisées, les synergies à "
              "renforcer ou à créer, les suites à donner aux cas à régler.]", "Mention")
    save(doc, path)


WRITERS = {
    "pst.docx": write_pst,
    "fiches_actions.docx": write_fiches,
    "synergies.docx": write_synergies,
    "pst_conjoint.docx": write_joint,
    "modifications.docx": write_modifications,
    "rapport_execution.docx": write_rapport,
    "synergies_rapport.docx": write_synergies_rapport,
}
"""Each template this tool can write, and its function."""
MANIFEST = ".generated.json"
"""In output_templates/: the sha256 of each template as this tool last wrote it."""
FIXED_TIME = (2025, 1, 1, 0, 0, 0)


def generated(name: str) -> bytes:
    """The template `name` as its function writes it, with a fixed date on each part of the zip."""
    written = io.BytesIO()
    WRITERS[name](written)
    fixed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            part = zipfile.ZipInfo(member.filename, date_time=FIXED_TIME)
            part.external_attr = member.external_attr
            target.writestr(part, source.read(member), compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(arguments: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if arguments is None else arguments
    force = "--force" in arguments
    names = [argument for argument in arguments if argument != "--force"]
    unknown = [name for name in names if name not in WRITERS]
    if not names or unknown:
        if unknown:
            print(f"Modèle inconnu : {', '.join(unknown)}.", file=sys.stderr)
        print("Indiquez le ou les modèles à écrire dans output_templates/ : " + ", ".join(WRITERS) + ". Un modèle "
              "modifié depuis que cet outil l’a écrit n’est remplacé qu’avec --force.", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    manifest_path = OUT / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    refused = []
    for name in names:
        path, data = OUT / name, generated(name)
        if path.is_file():
            current = path.read_bytes()
            if current == data:
                print(f"Inchangé : {path}")
                manifest[name] = fingerprint(data)
                continue
            if fingerprint(current) != manifest.get(name) and not force:
                print(f"{path} a été modifié depuis que cet outil l’a écrit (dans Word ?) : il n’est pas remplacé. "
                      f"Relancez avec --force pour le remplacer quand même (ses modifications seront perdues).",
                      file=sys.stderr)
                refused.append(name)
                continue
        temporary = path.with_name(f".~{name}")
        temporary.write_bytes(data)
        temporary.replace(path)
        manifest[name] = fingerprint(data)
        print(f"Écrit : {path}")
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", encoding="utf-8")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
