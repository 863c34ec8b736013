"""Render: a plain context (dicts of strings, numbers and lists, built by the outputs) → a Word document through
docxtpl.

The templates in output_templates/ hold the prose and the layout. Rendering
always autoescapes, so a libellé holding « & < > {{ x }} » is printed as typed and never evaluated. A document is
written to a temporary file and moved into place, so a failed render never leaves a half-written document.
"""

from __future__ import annotations

import hashlib
import io
import html
import json
import os
import re
from dataclasses import dataclass
from contextlib import suppress
from contextvars import ContextVar
from functools import cached_property, lru_cache
from pathlib import Path

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
import docxtpl
from docx.shared import Cm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
from jinja2 import Environment, FileSystemBytecodeCache, FunctionLoader, TemplateError

from .atomic import atomic_path
from . import french
from . import contract as c

TEMPLATES = Path(__file__).resolve().parent.parent / "output_templates"


class TemplateProblem(Exception):
    """A Word template does not fit the context (unknown variable, broken tag): names the template and the spot."""


# --- Values --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def jinja_env() -> Environment:
    """The Jinja environment (autoescape on). Its templates are the parts of the Word templates, by the digest of
    their XML (`compiled`), so that Jinja's bytecode cache keeps them compiled from one run to the next."""
    env = Environment(autoescape=True, loader=FunctionLoader(SOURCES.get), bytecode_cache=bytecode_cache())
    env.filters["accord"] = french.plural
    return env


SOURCES: dict[str, str] = {}
"""Template parts' XML by their digest: what the environment's loader serves."""


@lru_cache(maxsize=1)
def bytecode_cache() -> QuietBytecodeCache | None:
    """Jinja's cache of compiled templates, in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, then
    pst-builder/): compiling the PST's template costs a few tenths of a second on every run. None when that folder
    cannot be made: templates are then compiled on each run."""
    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pst-builder"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return QuietBytecodeCache(str(folder), pattern="%s.cache")


class QuietBytecodeCache(FileSystemBytecodeCache):
    """A cache never stops a build: a file that cannot be read or written (disk full…) is simply not used."""

    def load_bytecode(self, bucket) -> None:
        with suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def compiled(env: Environment, source: str):
    """The template part `source`, compiled once per process, and loaded from the bytecode cache when an earlier
    run compiled it (keyed by the digest of its text: an edited template is compiled anew)."""
    template = COMPILED.get(source)
    if template is None:
        name = hashlib.sha256(source.encode("utf-8")).hexdigest()
        SOURCES[name] = source
        template = COMPILED[source] = env.get_template(name)
    return template


# --- Documents -----------------------------------------------------------------------------------------------
LISTING_CHARACTERS = re.compile("[\t\a\n\f]")


class Template(DocxTemplate):
    """docxtpl's template, with three of its passes made cheaper for large documents (the output is the same):

    - `resolve_listing` turns tabs, line breaks… typed in the data into Word runs: it runs a regular expression on
      every paragraph of the document, even when no value holds such a character;
    - `fix_tables` re-balances the columns of every table after a `{%tc %}` column loop: only templates with
      such a loop need it;
    - `map_tree` puts the rendered body into the document by moving it from one lxml document into another, which
      costs seconds on a few thousand actions: the whole document is parsed at once instead, as python-docx
      parses a part, and the part takes it."""

    PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
    """The core properties docxtpl renders (Fichier › Informations in Word)."""

    def render_properties(self, context: dict, jinja_env=None) -> None:
        """docxtpl's, with two differences: a property is plain text (rendered with autoescape, « d&#39;Engis »
        is turned back into « d'Engis »), and it holds at most 255 characters — Word's limit, which python-docx
        enforces with an exception — so a very long entity name is abridged (« … ») there, and only there."""
        properties = self.docx.core_properties
        for name in self.PROPERTIES:
            rendered = html.unescape(jinja_env.from_string(getattr(properties, name)).render(context))
            setattr(properties, name, french.shorten(rendered, c.MAX_PROPERTY))

    def resolve_listing(self, xml: str) -> str:
        if not LISTING_CHARACTERS.search(xml):
            return xml
        return super().resolve_listing(xml)

    def render_xml_part(self, src_xml: str, part, context: dict, jinja_env=None) -> str:
        """docxtpl's, with plain string replacements instead of regular expressions and each template part
        compiled once per process (a batch renders the same template for every entity)."""
        src_xml = src_xml.replace("<w:p>", "\n<w:p>").replace("<w:p ", "\n<w:p ")
        self.current_rendering_part = part
        try:
            dst_xml = compiled(jinja_env, src_xml).render(context)
        except TemplateError as exc:
            if getattr(exc, "lineno", None) is not None:
                first = max(exc.lineno - 4, 0)
                exc.docx_context = [re.sub(r"<[^>]+>", "", line) for line in src_xml.splitlines()[first:first + 7]]
            raise
        dst_xml = dst_xml.replace("\n<w:p>", "<w:p>").replace("\n<w:p ", "<w:p ")
        dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst_xml)

    def fix_tables(self, xml: str):
        if self.column_loops:
            xml = etree.tostring(super().fix_tables(xml), encoding="unicode")
        root = self.docx._element
        head, _, tail = etree.tostring(root.makeelement(root.tag, root.attrib, root.nsmap),
                                       encoding="unicode").partition("/>")
        around = [etree.tostring(child, encoding="unicode") for child in root if child.tag != qn("w:body")]
        document = head + ">" + "".join(around) + xml + f"</{root.prefix}:document>"
        return parse_xml(document.encode("utf-8"))

    def fix_docpr_ids(self, tree) -> None:
        """As docxtpl's (drawing ids made unique), for a python-docx element."""
        for element in tree.iter(qn("wp:docPr")):
            self.docx_ids_index += 1
            element.attrib["id"] = str(self.docx_ids_index)

    def map_tree(self, tree) -> None:
        part = self.docx.part
        part._element = tree
        self.docx.__init__(tree, part)  # python-docx's Document over the new element (its body is re-read lazily)

    @cached_property
    def column_loops(self) -> bool:
        return "{%tc " in self.get_xml()


COMPILED: dict[str, object] = {}
"""Compiled Jinja templates by their source XML (the same template rendered for many entities)."""

UNDECLARED: dict[str, set[str] | None] = {}
"""Variables each template uses, by the digest of its content: a batch build reads each template once."""


def template_variables(document: Template, template: Path, env: Environment) -> set[str]:
    """The variables the template uses, found once per template content and kept beside the compiled templates
    (docxtpl parses the whole template again to find them)."""
    digest = hashlib.sha256(template.read_bytes() + docxtpl.__version__.encode()).hexdigest()
    if digest not in UNDECLARED:
        stored = variables_file(digest)
        try:
            UNDECLARED[digest] = set(json.loads(stored.read_text(encoding="utf-8"))) if stored else None
        except (OSError, ValueError, TypeError):
            UNDECLARED[digest] = None
        if UNDECLARED[digest] is None:
            UNDECLARED[digest] = document.get_undeclared_template_variables(env, {})
            if stored:
                with suppress(OSError), atomic_path(stored) as temporary:
                    temporary.write_text(json.dumps(sorted(UNDECLARED[digest])), encoding="utf-8")
    return UNDECLARED[digest]


def variables_file(digest: str) -> Path | None:
    """Where the variables of a template's exact content are kept (None without a bytecode cache)."""
    cache = bytecode_cache()
    return Path(cache.directory) / f"variables-{digest}.json" if cache else None


RENDERING: ContextVar = ContextVar("rendering")
"""The document being rendered: where a picture of the context goes."""


@dataclass(frozen=True)
class Image:
    """A picture in a context (a chart): PNG or JPEG bytes, its width in the page, and its alternative text — what
    screen readers say, kept in the tagged PDF. It becomes a picture of the document being rendered where the
    template prints it (« {{ chart }} »), as docxtpl's InlineImage does, without the context builder ever seeing
    the document."""

    data: bytes
    width_cm: float
    alt: str

    def __html__(self) -> str:
        return DescribedImage(RENDERING.get(), self)._insert_image()

    __str__ = __html__


class DescribedImage(InlineImage):
    """docxtpl's inline image, with its alternative text (Word: Format de l’image › Texte de remplacement)."""

    def __init__(self, tpl, image: Image):
        super().__init__(tpl, io.BytesIO(image.data), width=Cm(image.width_cm))
        self.alt = image.alt

    def _insert_image(self) -> str:
        inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
        inline.docPr.set("descr", self.alt)
        return ("</w:t></w:r><w:r><w:drawing>%s</w:drawing></w:r><w:r><w:t xml:space=\"preserve\">" % inline.xml)


def render_document(template: Path, context: dict, destination: Path) -> Path:
    """Render `template` with `context` into `destination`, atomically. The context may hold Image values."""
    document = Template(template)
    env = jinja_env()
    try:
        missing = template_variables(document, template, env) - set(context)
    except TemplateError as exc:
        raise template_problem(template, exc) from exc
    if missing:
        raise TemplateProblem(f"Le modèle {template.name} utilise des variables inconnues : "
                              + ", ".join(sorted(missing)) + ".")
    token = RENDERING.set(document)
    try:
        document.render(context, env, autoescape=True)
    except TemplateError as exc:
        raise template_problem(template, exc) from exc
    finally:
        RENDERING.reset(token)
    fill_table_of_contents(document.docx)
    remove_empty_last_section(document.docx)
    if document.column_loops:
        fit_repeated_columns(document.docx)
    with atomic_path(destination) as temporary:
        document.save(temporary)
    return destination


def template_problem(template: Path, exc: TemplateError) -> TemplateProblem:
    around = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
    where = f" près de : « {around[:200]} »" if around else ""
    return TemplateProblem(f"Le modèle {template.name} contient une balise incorrecte ({exc}){where}.")


def remove_empty_last_section(document) -> None:
    """A template may end an optional landscape annex with a section break, leaving an empty portrait section
    (a blank last page) after it. Then the annex's section becomes the last one."""
    body = document.element.body
    breaks = [p for p in body.iterchildren(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    if not breaks:
        return
    last_break = breaks[-1]
    trailing = list(last_break.itersiblings())
    if any(element.tag != qn("w:sectPr") and "".join(element.itertext()).strip() for element in trailing) or any(
            element.tag == qn("w:tbl") for element in trailing):
        return
    section = last_break.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
    for element in trailing:
        body.remove(element)
    body.append(section)
    if not "".join(last_break.itertext()).strip():
        body.remove(last_break)


def text_widths(body) -> dict:
    """Width available for text (twips) in the section of each table, by table element."""
    widths, pending = {}, []
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            pending.append(child)
        section = child if child.tag == qn("w:sectPr") else child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        if section is not None:
            size, margins = section.find(qn("w:pgSz")), section.find(qn("w:pgMar"))
            width = int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
            widths.update({table: width for table in pending})
            pending = []
    return widths


def repeated_columns(table) -> bool:
    """True when a table's grid no longer matches its first row's cells (count or widths)."""
    grid = table.find(qn("w:tblGrid"))
    first_row = table.find(qn("w:tr"))
    if grid is None or first_row is None:
        return False
    columns = [c.get(qn("w:w")) for c in grid.findall(qn("w:gridCol"))]
    cells = [cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}") for cell in first_row.findall(qn("w:tc"))]
    return columns != [w.get(qn("w:w")) if w is not None else None for w in cells]


def fit_repeated_columns(document) -> None:
    """Tables whose columns a {%tc for %} loop repeated: the grid follows the cells, scaled to the text width.

    docxtpl keeps the template's grid; Word reads the cells' widths but LibreOffice reads the grid, where the
    repeated columns would be squeezed to nothing."""
    body = document.element.body
    if not any(repeated_columns(table) for table in body.iter(qn("w:tbl"))):
        return
    for table, available in text_widths(body).items():
        grid = table.find(qn("w:tblGrid"))
        first_row = table.find(qn("w:tr"))
        if grid is None or first_row is None:
            continue
        cells = first_row.findall(qn("w:tc"))
        widths = [cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}") for cell in cells]
        if any(w is None or w.get(qn("w:type"), "dxa") != "dxa" for w in widths):
            continue
        columns = grid.findall(qn("w:gridCol"))
        if len(columns) == len(cells) and all(c.get(qn("w:w")) == w.get(qn("w:w")) for c, w in zip(columns, widths)):
            continue
        values = [int(w.get(qn("w:w"))) for w in widths]
        scale = available / sum(values)
        scaled = [str(int(v * scale)) for v in values]
        for column in columns:
            grid.remove(column)
        for value in scaled:
            column = grid.makeelement(qn("w:gridCol"), {qn("w:w"): value})
            grid.append(column)
        for row in table.findall(qn("w:tr")):
            row_cells = row.findall(qn("w:tc"))
            if len(row_cells) != len(scaled):
                continue
            for cell, value in zip(row_cells, scaled):
                width = cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
                if width is not None:
                    width.set(qn("w:w"), value)


def styles_by_name(document) -> dict[str, str]:
    """Lower-case style name → style id. Word localizes ids (« Titre1 » in French Word) but not names."""
    return {style.name.lower(): style.style_id for style in document.styles if style.name}


def fill_table_of_contents(document) -> None:
    """Put the document's headings into the TOC field's displayed result.

    Word recomputes the field (with page numbers) on opening thanks to updateFields; until then — and in
    LibreOffice, which does not — the reader sees the real list of headings rather than a placeholder."""
    body = document.element.body
    instruction = next((i for i in body.iter(qn("w:instrText")) if "TOC" in (i.text or "")), None)
    if instruction is None:
        return
    start = next(ancestor for ancestor in instruction.iterancestors(qn("w:p")))
    end = next((p for p in start.itersiblings(qn("w:p"))
                if any(f.get(qn("w:fldCharType")) == "end" for f in p.iter(qn("w:fldChar")))), None)
    if end is None:
        return
    ids = styles_by_name(document)
    heading_levels = {ids[f"heading {n}"]: n for n in (1, 2, 3) if f"heading {n}" in ids}
    toc_styles = {n: ids.get(f"toc {n}", f"TOC{n}") for n in (1, 2, 3)}
    entries = []
    for style in body.iter(qn("w:pStyle")):
        level = heading_levels.get(style.get(qn("w:val")))
        paragraph = style.getparent().getparent()
        if level and paragraph.tag == qn("w:p"):
            text = "".join(t.text or "" for t in paragraph.iter(qn("w:t"))).strip()
            if text:
                entries.append((level, text))
    sibling = start.getnext()
    while sibling is not None and sibling is not end:
        following = sibling.getnext()
        body.remove(sibling)
        sibling = following
    new_entries = [toc_entry(toc_styles[level], text) for level, text in entries]
    for entry in new_entries:
        end.addprevious(entry)
    if new_entries:
        merge_field_marks(start, end, new_entries[0], new_entries[-1])


def merge_field_marks(start, end, first_entry, last_entry) -> None:
    """Carry the field's begin and end marks into the first and last entries, so that no empty paragraph
    remains above or below the table (an empty one could spill onto a blank page)."""
    for run in reversed(start.findall(qn("w:r"))):
        first_entry.insert(1, run)  # after the entry's paragraph properties
    for run in end.findall(qn("w:r")):
        last_entry.append(run)
    for paragraph in (start, end):
        if not "".join(paragraph.itertext()).strip():
            paragraph.getparent().remove(paragraph)


def toc_entry(style_id: str, text: str):
    paragraph = OxmlElement("w:p")
    properties = OxmlElement("w:pPr")
    style = OxmlElement("w:pStyle")
    style.set(qn("w:val"), style_id)
    properties.append(style)
    paragraph.append(properties)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    paragraph.append(run)
    return paragraph
