"""Render: a plain context (dicts of strings, numbers and lists, built by the outputs) → a Word document through
docxtpl.

The templates in output_templates/ hold the prose and the layout. Rendering
always autoescapes, so a libellé holding « & < > {{ x }} » is printed as typed and never evaluated; a character
XML forbids, whichever value of the context holds it, is removed from each value printed (`without_forbidden`), so
the document always opens. A document is written to a temporary file and moved into place, so a failed render never
leaves a half-written document.
"""

from __future__ import annotations

import hashlib
import io
import datetime as dt
import html
import json
import os
import re
from dataclasses import dataclass
from contextlib import suppress
from contextvars import ContextVar
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterator
from xml.parsers import expat

from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.parts.document import DocumentPart
import docxtpl
from docx.shared import Cm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
from jinja2 import Environment, FileSystemBytecodeCache, FunctionLoader, TemplateError
from markupsafe import Markup

from .atomic import atomic_path
from . import french
from . import contract as c
from .clean import FORBIDDEN, removed
from .findings import said
from .problems import TemplateProblem

TEMPLATES = Path(__file__).resolve().parent.parent / "output_templates"


# --- Values --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def jinja_env() -> Environment:
    """The Jinja environment (autoescape on). Its templates are the parts of the Word templates, by the digest of
    their XML (`compiled`), so that Jinja's bytecode cache keeps them compiled from one run to the next."""
    env = Environment(autoescape=True, loader=FunctionLoader(SOURCES.get), bytecode_cache=bytecode_cache(),
                      finalize=without_forbidden)
    env.filters["accord"] = french.plural
    env.filters["article"] = french.the  # « {{ entity.name|article }} »: la Commune d'Engis, le CPAS d'Engis
    env.filters["de"] = french.of  # « {{ entity.name|de }} »: de la Commune d'Engis, du CPAS d'Engis
    env.filters["initiale"] = french.initial
    return env


def without_forbidden(value):
    """Jinja's `finalize`: each value a template prints (« {{ … }} »), before it is escaped, without the characters
    XML forbids (`clean.removed`) — a control character or a lone surrogate in any value of the context would make
    the document unreadable, and docxtpl would turn a bell into a new paragraph, a form feed into a page break.
    A printable text (str.isprintable, in C: every forbidden character is a control, a surrogate or a
    noncharacter, none printable) is let through at once; else one regular-expression search. Text already escaped
    (Markup) stays escaped."""
    if isinstance(value, str) and not value.isprintable() and HOLDS_FORBIDDEN(value):
        cleaned = removed(value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


HOLDS_FORBIDDEN = FORBIDDEN.search
"""Bound once: `without_forbidden` runs for every value a document prints (≈100 per action)."""


COMPILED_WITH = "finalize: clean.removed\n"
"""Part of each template's name in the bytecode cache: templates compiled before the environment printed values
through `without_forbidden` are compiled anew (the finalize call is written into the compiled code)."""

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
        name = hashlib.sha256((COMPILED_WITH + source).encode("utf-8")).hexdigest()
        SOURCES[name] = source
        template = COMPILED[source] = env.get_template(name)
    return template


# --- Documents -----------------------------------------------------------------------------------------------
LISTING_CHARACTERS = "\t\a\n\f"
"""What docxtpl's resolve_listing turns into Word runs (tab, bell, line feed, form feed)."""


LIBRARY_MARKS = ("python-docx", "generated by python-docx")
"""Properties python-docx gives the documents it creates (the templates were first written with it)."""


class Template(DocxTemplate):
    """docxtpl's template, with three of its passes made cheaper for large documents (the output is the same):

    - `resolve_listing` turns tabs, line breaks… typed in the data into Word runs: it runs a regular expression on
      every paragraph of the document, even when no value holds such a character;
    - `fix_tables` re-balances the columns of every table after a `{%tc %}` column loop: only templates with
      such a loop need it;
    - `map_tree` puts the rendered body into the document by moving it from one lxml document into another, which
      costs seconds on a few thousand actions: the whole document is parsed at once instead, as python-docx
      parses a part, and the part takes it.

    And the rows of a very large document's long tables are held out of its tree (`build_xml`, HeldRows): a tree
    takes about twelve times its XML, and the PST's cross-tables at 30,000 actions alone would take two gigabytes.

    Each speed override pays for itself (bench/seams.py: a 300-action synthetic entity, render only, 5 paired runs,
    medians; docxtpl 0.20.2): with docxtpl's own method instead, the PST renders in +32 % (resolve_listing),
    +32 % (render_xml_part), +28 % (fix_tables, map_tree and fix_docpr_ids together; docxtpl's table pass alone
    +23 %), the fiches in +56 %, +76 % and +35 %. tests/test_docxtpl_equivalence.py renders every template with
    stock docxtpl and with this class and compares the documents' XML: run it after upgrading docxtpl."""

    held: HeldRows | None = None
    as_rendered: bool = False
    """The rendered body needs no tree (needs_no_tree): the document part is written as rendered."""
    rendered: bytes = b""
    """The document part as rendered, when `as_rendered`."""

    PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
    """The core properties docxtpl renders (Fichier › Informations in Word)."""

    def render_properties(self, context: dict, jinja_env=None) -> None:
        """docxtpl's, with three differences: a property is plain text (rendered with autoescape, « d&#39;Engis »
        is turned back into « d'Engis »), without the characters XML forbids (`clean.removed`), and it holds at most
        255 characters — Word's limit, which python-docx enforces with an exception — so a very long entity name is
        abridged (« … ») there, and only there."""
        properties = self.docx.core_properties
        for name in self.PROPERTIES:
            rendered = html.unescape(jinja_env.from_string(getattr(properties, name)).render(context))
            if rendered in LIBRARY_MARKS:
                rendered = ""  # what python-docx wrote in a template it created is not the entity's
            setattr(properties, name, french.shorten(removed(rendered), c.MAX_PROPERTY))
        # Word's Fichier › Informations: made now, by the entity — not in 2013 by a library.
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
        properties.created = properties.modified = now
        properties.last_modified_by = properties.author
        properties.revision = 1

    def patch_xml(self, src_xml: str) -> str:
        """docxtpl's (the regular expressions that turn a Word part's XML into Jinja's), once per part's content
        (`patched_part`). Kept: it took 0.04 s for the PST's body, at every build."""
        return patched_part(src_xml, super().patch_xml)

    def resolve_listing(self, xml: str) -> str:
        # Kept: docxtpl's runs its regular expressions on every paragraph (PST +32 %, fiches +56 % at 300 actions).
        # Four searches for a character (`in`) are ten times faster than a regular expression over the whole part.
        if not any(character in xml for character in LISTING_CHARACTERS):
            return xml
        return super().resolve_listing(xml)

    def render_xml_part(self, src_xml: str, part, context: dict, jinja_env=None) -> str:
        """docxtpl's, with plain string replacements instead of regular expressions and each template part
        compiled once per process (a batch renders the same template for every entity). Kept: docxtpl's compiles
        every part again on each render (PST +32 %, fiches +76 % at 300 actions)."""
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

    def build_xml(self, context: dict, jinja_env=None) -> str:
        """docxtpl's; the columns a {%tc %} loop repeated fitted (fit_repeated_columns); then the rows of long
        tables held out of the body (HeldRows), when the body is large and will be parsed (not `as_rendered`)."""
        xml = super().build_xml(context, jinja_env)
        if self.column_loops:
            xml = fit_repeated_columns(xml)
        self.as_rendered = self.needs_no_tree(xml)
        if len(xml) < HELD_FROM or self.as_rendered:
            return xml
        self.held = HeldRows(xml, heading_styles(self.docx))
        xml = self.held.hold(xml)
        if not self.held:
            self.held = None
        else:  # written with the held rows put back in their place (HeldRowsPart.blob)
            part = self.docx.part
            part.__class__, part.held = HeldRowsPart, self.held
        return xml

    def fix_tables(self, xml: str):
        """The rendered body back into the document. docxtpl's own fix of tables whose columns a {%tc %} loop
        repeated (a pass over every cell of every table) is left out: fit_repeated_columns rebuilds their grid.
        Kept, with map_tree: docxtpl's parse, table pass and move of the body cost PST +28 %, fiches +35 % at 300
        actions."""
        root = self.docx._element
        head, _, tail = etree.tostring(root.makeelement(root.tag, root.attrib, root.nsmap),
                                       encoding="unicode").partition("/>")
        around = [etree.tostring(child, encoding="unicode") for child in root if child.tag != qn("w:body")]
        document = (head + ">" + "".join(around) + xml + f"</{root.prefix}:document>").encode("utf-8")
        if self.as_rendered and well_formed(document):
            self.rendered = XML_DECLARATION + document
            return None  # map_tree: the part is written as rendered
        self.as_rendered = False  # parsed, and an error said as lxml says it
        return parse_xml(document)

    def needs_no_tree(self, xml: str) -> bool:
        """Nothing after rendering changes this body (`render_document`): no table of contents to fill (no field
        at all), no section break in a paragraph (remove_empty_last_section), no drawing to number
        (fix_docpr_ids) — the fiches. Then it is written as rendered, once checked well-formed, and never parsed:
        parsing 1,000 fiches into a tree and writing it back took 0.4 s."""
        return "<w:instrText" not in xml and xml.count("<w:sectPr") <= 1 and "docPr" not in xml

    def fix_docpr_ids(self, tree) -> None:
        """As docxtpl's (drawing ids made unique), for a python-docx element."""
        if tree is None:
            return
        for element in tree.iter(qn("wp:docPr")):
            self.docx_ids_index += 1
            element.attrib["id"] = str(self.docx_ids_index)

    def map_tree(self, tree) -> None:
        part = self.docx.part
        if tree is None:  # written as rendered (RenderedPart.blob)
            part.__class__, part.rendered = RenderedPart, self.rendered
            return
        part._element = tree
        self.docx.__init__(tree, part)  # python-docx's Document over the new element (its body is re-read lazily)

    @cached_property
    def column_loops(self) -> bool:
        return "{%tc " in self.get_xml()


HELD_FROM = 10_000_000
"""Characters of a rendered body from which the rows of its long tables are held out of its tree (a PST of about
1,500 actions, with its cross-tables); a smaller document is parsed whole."""
HELD_RUN = 100
"""Rows a run of rows must have for them to be held (a fiche's budget table stays in the tree)."""
HELD_CHUNK = 1000
"""Rows kept together, as one mark in the tree."""
HELD_MARK = "pst-held-rows"
"""The processing instruction that stands in the tree for a chunk of held rows (« <?pst-held-rows 3?> »)."""


class HeldRows:
    """Rows of a large document's long tables, kept as XML out of its tree while the document is fixed up, and put
    back in their place when the document part is written (HeldRowsPart): the tree holds only the rest (a
    processing instruction where each chunk was), and the held rows are written as rendered (their columns were
    fitted before: fit_repeated_columns).

    Only rows nothing after rendering looks into are held — none holding a nested table, a drawing (its id is
    renumbered), a field or a section break, nor a heading (the table of contents lists headings) — and never a
    table's first row."""

    def __init__(self, body: str = "<w:body></w:body>", headings: set[str] = frozenset()):
        self.start = body[:body.index(">") + 1].encode("utf-8")  # <w:body …> with its namespace declarations
        self.end = body[body.rindex("</"):].encode("utf-8")
        self.chunks: list[bytes] = []
        self.needed = ("docPr", "<w:sectPr", "<w:fldChar", "<w:instrText", "<w:fldSimple",
                       *(f'<w:pStyle w:val="{style}"' for style in sorted(headings)))
        """What keeps a row in the tree."""

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def hold(self, xml: str) -> str:
        """`xml` with each long run of rows that may be held (after the run's first row) replaced by a mark per
        chunk."""
        pieces, position = [], 0
        for run in adjacent_rows(xml, max(2, HELD_RUN)):
            for rows in self.holdable(xml, run):
                position = self.replace(xml, rows, pieces, position)
        if not pieces:
            return xml
        pieces.append(xml[position:])
        return "".join(pieces)

    def holdable(self, xml: str, run: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
        """The long runs of adjacent rows of `run` that nothing keeps in the tree (usually `run` itself)."""
        if not self.kept(xml, run[0][0], run[-1][1]):
            yield run
            return
        rows = []
        for start, end in run:
            if not self.kept(xml, start, end):
                rows.append((start, end))
                continue
            if len(rows) >= max(2, HELD_RUN):
                yield rows
            rows = []
        if len(rows) >= max(2, HELD_RUN):
            yield rows

    def kept(self, xml: str, start: int, end: int) -> bool:
        return any(xml.find(text, start, end) != -1 for text in self.needed)

    def replace(self, xml: str, run: list[tuple[int, int]], pieces: list[str], position: int) -> int:
        """The rows of `run` after its first into chunks, a mark for each in `pieces`; the position reached."""
        pieces.append(xml[position:run[1][0]])
        for first in range(1, len(run), HELD_CHUNK):
            last = min(first + HELD_CHUNK, len(run)) - 1
            pieces.append(f"<?{HELD_MARK} {len(self.chunks)}?>")
            self.chunks.append(xml[run[first][0]:run[last][1]].encode("utf-8"))
        return run[-1][1]

    def splice(self, blob: bytes) -> bytes:
        """The document part's XML with each mark replaced by its rows, each chunk checked well-formed (else the
        error lxml gives, as when the whole body was parsed)."""
        pieces = re.split(rb"<\?" + HELD_MARK.encode() + rb" (\d+)\?>", blob)
        for position in range(1, len(pieces), 2):
            chunk = self.chunks[int(pieces[position])]
            if not well_formed(self.start + chunk + self.end):
                etree.fromstring(self.start + chunk + self.end)  # raises XMLSyntaxError, saying where
            pieces[position] = chunk
        return b"".join(pieces)


XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
"""What python-docx writes before a part's XML (docx.opc.oxml.serialize_part_xml)."""


def well_formed(document: bytes) -> bool:
    """The XML is well-formed (Word opens it): expat reads it without building anything, three times faster than
    a tree is built."""
    try:
        expat.ParserCreate().Parse(document, True)
    except expat.ExpatError:
        return False
    return True


class RenderedPart(DocumentPart):
    """The main part of a document written as it was rendered (Template.needs_no_tree); its tree, never read
    after rendering, is the template's."""

    rendered: bytes

    @property
    def blob(self) -> bytes:
        return self.rendered


class HeldRowsPart(DocumentPart):
    """The main part of a document whose long tables' rows are held out of its tree: written with them."""

    held: HeldRows

    @property
    def blob(self) -> bytes:
        return self.held.splice(serialize_part_xml(self._element))


def adjacent_rows(xml: str, least: int) -> Iterator[list[tuple[int, int]]]:
    """The runs of at least `least` table rows of a rendered part that follow each other, each row as (start, end).
    A row holding a nested table is in none (the rows of the nested table may be): the first row end after a row's
    start is its own only when no table starts between them."""
    run: list[tuple[int, int]] = []
    start = xml.find("<w:tr")
    while start != -1:
        if xml[start + 5:start + 6] in (" ", ">"):  # not <w:trPr>, <w:trHeight>…
            end = xml.find("</w:tr>", start)
            if end == -1:
                break
            end += len("</w:tr>")
            nested = xml.find("<w:tbl", start, end) != -1
            if run and (nested or start != run[-1][1]):
                if len(run) >= least:
                    yield run
                run = []
            if not nested:
                run.append((start, end))
        start = xml.find("<w:tr", start + 5)
    if len(run) >= least:
        yield run


def heading_styles(document) -> set[str]:
    """The style ids of the headings the table of contents lists (fill_table_of_contents)."""
    return set(heading_levels(document))


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
    return cache_file(f"variables-{digest}.json")


def cache_file(name: str) -> Path | None:
    """A file of the cache folder of the compiled templates (None without one)."""
    cache = bytecode_cache()
    return Path(cache.directory) / name if cache else None


PATCHED: dict[str, str] = {}
"""Template parts as docxtpl's patch_xml makes them, by their XML (Template.patch_xml)."""


def patched_part(src_xml: str, patch: Callable[[str], str]) -> str:
    """`patch(src_xml)`, once per part's content: kept in this process and in the cache folder."""
    patched = PATCHED.get(src_xml)
    if patched is None:
        digest = hashlib.sha256(src_xml.encode("utf-8") + docxtpl.__version__.encode()).hexdigest()
        stored = cache_file(f"patched-{digest}.xml")
        with suppress(OSError, UnicodeDecodeError):
            patched = stored.read_text(encoding="utf-8") if stored and stored.is_file() else None
        if patched is None:
            patched = patch(src_xml)
            if stored:
                with suppress(OSError), atomic_path(stored) as temporary:
                    temporary.write_text(patched, encoding="utf-8")
        PATCHED[src_xml] = patched
    return patched


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
        inline.docPr.set("descr", removed(self.alt))
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
        raise TemplateProblem(said("template-unknown-variables", template=template.name, names=sorted(missing)))
    document.init_docx()
    token = RENDERING.set(document)
    try:
        document.render(context, env, autoescape=True)
    except TemplateError as exc:
        raise template_problem(template, exc) from exc
    finally:
        RENDERING.reset(token)
    if not document.as_rendered:  # else neither would find anything to change (needs_no_tree)
        fill_table_of_contents(document.docx)
        remove_empty_last_section(document.docx)
    with atomic_path(destination) as temporary:
        document.save(temporary)
    return destination


def template_problem(template: Path, exc: TemplateError) -> TemplateProblem:
    around = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
    return TemplateProblem(said("template-bad-tag", template=template.name, error=str(exc), near=around[:200]))


def remove_empty_last_section(document) -> None:
    """A template may end an optional landscape annex with a section break, leaving an empty portrait section
    (a blank last page) after it. Then the annex's section becomes the last one."""
    body = document.element.body
    breaks = body.xpath("./w:p[w:pPr/w:sectPr]")  # one XPath: a Python loop over every paragraph took 0.05 s
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


# --- Columns repeated by a {%tc for %} loop -------------------------------------------------------------------
# Done on the rendered XML, before it is parsed, with regular expressions over whole tables: a 2,680-action PST's
# cross-tables have 10,000 rows of 17 cells, which took 0.75 s to fit as a tree, and as long when each cell was
# visited by Python. The XML is docxtpl's output of a Word template: tags as Word writes them.
TABLE_MARKS = ("<w:tbl", "</w:tbl>", "<w:txbxContent", "</w:txbxContent>", "<w:sectPr")
"""What tells a table of the body from one in a cell or a text box, and the section properties that follow it."""
NESTED_TABLE = re.compile(r"<w:tbl[\s>]")
ROW_START, ROW_END = re.compile(r"<w:tr[\s>]"), "</w:tr>"
ROW_OR_TABLE = re.compile(r"<(/?)w:(tbl|tr)(?=[\s/>])[^>]*>")
CELL_OR_TABLE = re.compile(r"<(/?)w:(tbl|tc)(?=[\s/>])[^>]*>")
CELL_START = re.compile(r"<w:tc[\s>]")
CELL_PROPERTIES = re.compile(r"<w:tc(?:\s[^>]*)?>\s*<w:tcPr>(.*?)</w:tcPr>", re.S)
GRID = re.compile(r"<w:tblGrid>(.*?)</w:tblGrid>", re.S)
GRID_COLUMN = re.compile(r"<w:gridCol\b([^>]*)>")
CELL_WIDTH = re.compile(r"<w:tcW\b([^>]*)>")
PAGE_SIZE, PAGE_MARGINS = re.compile(r"<w:pgSz\b([^>]*)>"), re.compile(r"<w:pgMar\b([^>]*)>")
WIDTH, TYPE = re.compile(r'\bw:w="(-?\d+)"'), re.compile(r'\bw:type="([^"]*)"')
LEFT, RIGHT = re.compile(r'\bw:left="(-?\d+)"'), re.compile(r'\bw:right="(-?\d+)"')
TEXT_RUN = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")


def fit_repeated_columns(xml: str) -> str:
    """Tables whose columns a {%tc for %} loop repeated (their grid no longer matches their first row's cells):
    the grid follows the cells, scaled to the text width of their section, and no word is cut (`unbroken`).

    docxtpl keeps the template's grid; Word reads the cells' widths but LibreOffice reads the grid, where the
    repeated columns would be squeezed to nothing. Only the body's own tables are fitted (not one nested in a cell,
    nor in a text box: their width is not the page's)."""
    edits = []
    for start, end, available in body_tables(xml):
        edits += fitted_table(xml, start, end, available)
    if not edits:
        return xml
    pieces, position = [], 0
    for start, end, text in sorted(edits):
        pieces += [xml[position:start], text]
        position = end
    pieces.append(xml[position:])
    return "".join(pieces)


def body_tables(xml: str) -> list[tuple[int, int, int]]:
    """The body's own tables, each (start, end, the width of the text in its section in twips: its page width
    less its margins, from the section properties that follow it — a section break's, or the body's last)."""
    tables, pending, depth, start = [], [], 0, 0
    marks = sorted((position, kind) for kind, mark in enumerate(TABLE_MARKS) for position in occurrences(xml, mark))
    for position, kind in marks:
        closing, name = kind in (1, 3), ("tbl", "tbl", "txbxContent", "txbxContent", "sectPr")[kind]
        if name == "sectPr":
            if depth == 0 and pending:
                section = xml[position:xml.find("</w:sectPr>", position)]
                size, margins = PAGE_SIZE.search(section), PAGE_MARGINS.search(section)
                if size and margins and all(WIDTH.search(size[1]) and p.search(margins[1]) for p in (LEFT, RIGHT)):
                    width = (int(WIDTH.search(size[1])[1]) - int(LEFT.search(margins[1])[1])
                             - int(RIGHT.search(margins[1])[1]))
                    tables += [(first, last, width) for first, last in pending]
                pending = []
            continue
        if not closing:
            if depth == 0 and name == "tbl":
                start = position
            depth += 1
        else:
            depth -= 1
            if depth == 0 and name == "tbl":
                pending.append((start, position + len("</w:tbl>")))
    return tables


def occurrences(xml: str, tag: str) -> Iterator[int]:
    """Where the element `tag` (« <w:tbl », « </w:tbl> ») starts or ends in `xml` — not an element whose name
    begins with the same letters (« <w:tblPr »). str.find is many times faster than a regular expression here."""
    position = xml.find(tag)
    while position != -1:
        if tag.endswith(">") or xml[position + len(tag)] in " >/":
            yield position
        position = xml.find(tag, position + len(tag))


def own(xml: str, start: int, end: int, name: str) -> list[tuple[int, int]]:
    """The rows of the table (name « tr ») or the cells of the row (« tc ») between `start` and `end`, not those
    of a table nested in it."""
    inner = xml.index(">", start) + 1
    if NESTED_TABLE.search(xml, inner, end) is None:
        if name == "tr":  # each row's end is the first after its start
            starts = [found.start() for found in ROW_START.finditer(xml, inner, end)]
            return [(first, xml.index(ROW_END, first) + len(ROW_END)) for first in starts]
        starts = [found.start() for found in CELL_START.finditer(xml, inner, end)]
        return list(zip(starts, starts[1:] + [end]))
    spans, depth, opened = [], 0, 0
    for tag in (ROW_OR_TABLE if name == "tr" else CELL_OR_TABLE).finditer(xml, inner, end):
        if tag[0].endswith("/>"):
            continue
        if tag[1] != "/":
            if depth == 0 and tag[2] == name:
                opened = tag.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0 and tag[2] == name:
                spans.append((opened, tag.end()))
    return spans


def cell_width(xml: str, start: int):
    """The w:tcW tag of the cell starting at `start` (in its own properties), or None."""
    properties = CELL_PROPERTIES.match(xml, start)
    return CELL_WIDTH.search(xml, properties.start(1), properties.end(1)) if properties else None


def fitted_table(xml: str, start: int, end: int, available: int) -> list[tuple[int, int, str]]:
    """The edits (start, end, new text) that fit a table whose columns were repeated; none for another."""
    grid, rows = GRID.search(xml, start, end), own(xml, start, end, "tr")
    if grid is None or not rows:
        return []
    columns = [WIDTH.search(column[1]) for column in GRID_COLUMN.finditer(xml, grid.start(1), grid.end(1))]
    first = [cell_width(xml, cell) for cell, _ in own(xml, *rows[0], "tc")]
    if ([c[1] if c else None for c in columns] == [w and (WIDTH.search(w[1]) or [0, None])[1] for w in first]
            or any(w is None or not WIDTH.search(w[1]) or (TYPE.search(w[1]) or [0, "dxa"])[1] != "dxa"
                   for w in first)):
        return []
    values = [int(WIDTH.search(w[1])[1]) for w in first]
    scale = available / sum(values) if sum(values) else 0
    scaled = [str(v) for v in unbroken(xml, rows, [int(v * scale) for v in values], available)]
    gridded = (grid.start(1), grid.end(1), GRID_COLUMN.sub("", grid[1])
               + "".join(f'<w:gridCol w:w="{value}"/>' for value in scaled))
    return [gridded, *fitted_rows(xml, rows, scaled)]


def fitted_rows(xml: str, rows: list[tuple[int, int]], widths: list[str]) -> list[tuple[int, int, str]]:
    """Each row of as many cells as `widths` with its cells at these widths. A table whose rows all are such, each
    cell with its width and none with a nested table (a cross-table), is rewritten in one piece."""
    count, start, end = len(widths), rows[0][0], rows[-1][1]
    if NESTED_TABLE.search(xml, start + 1, end) is None \
            and all(xml.count("<w:tcW", first, last) == count for first, last in rows) \
            and len(CELL_START.findall(xml, start, end)) == count * len(rows):
        pieces, written = CELL_WIDTH.split(xml[start:end]), {}
        for index, attributes in enumerate(pieces[1::2]):  # the same few tags again and again: each made once
            key = (attributes, index % count)
            if key not in written:
                written[key] = f"<w:tcW{with_width(attributes, widths[index % count])}>"
            pieces[2 * index + 1] = written[key]
        return [(start, end, "".join(pieces))]
    edits = []
    for row in rows:
        cells = own(xml, *row, "tc")
        if len(cells) == count:
            edits += [(width.start(), width.end(), f"<w:tcW{with_width(width[1], value)}>")
                      for (cell, _), value in zip(cells, widths) if (width := cell_width(xml, cell)) is not None]
    return edits


def with_width(attributes: str, value: str) -> str:
    """A w:tcW tag's attributes with the width `value`."""
    if WIDTH.search(attributes):
        return WIDTH.sub(f'w:w="{value}"', attributes, count=1)
    return f' w:w="{value}"' + attributes


FEW_COLUMNS = 8
"""Tables of more columns are cross-tables, whose narrow columns hold a mark: their words are not measured (the
cost of reading every cell of a 300 × 17 table), only those of tables of a few columns (the « tableau »
presentation, where a field's column can be narrow)."""
CHARACTER = 95
"""Twips a character of the tables' small type takes, at most (a word never wider than its column)."""
CELL_MARGINS = 140


def unbroken(xml: str, rows: list[tuple[int, int]], widths: list[int], available: int) -> list[int]:
    """Column widths where no word is cut across two lines (« Environnemen|t »): each column at least as wide as
    its longest word in the table's `rows`, the room taken from the columns that have more than they need — when
    the page allows."""
    if len(widths) > FEW_COLUMNS:
        return widths
    longest = [0] * len(widths)
    for row in rows:
        cells = own(xml, *row, "tc")
        if len(cells) != len(widths):
            continue
        for index, (start, end) in enumerate(cells):
            properties = CELL_PROPERTIES.match(xml, start)
            if properties and "<w:textDirection" in properties[1]:
                continue  # a vertical header: its words run along the column
            words = html.unescape("".join(TEXT_RUN.findall(xml, start, end))).split()
            longest[index] = max(longest[index], max((len(word) for word in words), default=0))
    needed = [count * CHARACTER + CELL_MARGINS for count in longest]
    if sum(needed) > available:
        return widths
    grown = [max(width, need) for width, need in zip(widths, needed)]
    excess = sum(grown) - available
    spare = [width - need for width, need in zip(grown, needed)]
    room = sum(spare)
    if excess <= 0 or room <= 0:
        return grown
    return [int(width - excess * free / room) for width, free in zip(grown, spare)]


def styles_by_name(document) -> dict[str, str]:
    """Lower-case style name → style id. Word localizes ids (« Titre1 » in French Word) but not names. Read from
    the styles' XML (python-docx's style objects took ten times as long, for the same names once lower-cased)."""
    found = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val")) and style.get(qn("w:styleId")) is not None:
            found[name.get(qn("w:val")).lower()] = style.get(qn("w:styleId"))
    return found


def heading_levels(document) -> dict[str, int]:
    """Style id → level of the headings the table of contents lists."""
    ids = styles_by_name(document)
    return {ids[f"heading {n}"]: n for n in (1, 2, 3) if f"heading {n}" in ids}


HEADING_STYLES = etree.XPath(".//w:p/w:pPr/w:pStyle[@w:val = $a or @w:val = $b or @w:val = $c]",
                             namespaces={"w": qn("w:p")[1:qn("w:p").index("}")]})
"""The paragraph styles of the headings, in the document's order (the style ids as $a, $b, $c: the three levels
the table of contents lists; an empty id matches none)."""


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
    levels = heading_levels(document)
    toc_styles = {n: ids.get(f"toc {n}", f"TOC{n}") for n in (1, 2, 3)}
    entries = []
    # The headings' styles found by one XPath (a Python loop over every paragraph style of a PST took 0.02 s).
    for style in HEADING_STYLES(body, **dict(zip("abc", [*levels, "", "", ""]))):
        text = "".join(t.text or "" for t in style.getparent().getparent().iter(qn("w:t"))).strip()
        if text:
            entries.append((levels[style.get(qn("w:val"))], text))
    sibling = start.getnext()
    while sibling is not None and sibling is not end:
        following = sibling.getnext()
        body.remove(sibling)
        sibling = following
    new_entries = [toc_entry(toc_styles[level], text) for level, text in entries]
    for entry in new_entries[-TOC_KEPT_TOGETHER:-1]:
        keep_with_next(entry)
    for entry in new_entries:
        end.addprevious(entry)
    if new_entries:
        merge_field_marks(start, end, new_entries[0], new_entries[-1])


TOC_KEPT_TOGETHER = 3
"""The table of contents' last entries are kept on one page: its last line never alone on a page of its own."""


def keep_with_next(paragraph) -> None:
    """« Keep with next » on a paragraph (w:keepNext, right after its style in its properties)."""
    properties = paragraph.find(qn("w:pPr"))
    if properties is None:
        properties = OxmlElement("w:pPr")
        paragraph.insert(0, properties)
    if properties.find(qn("w:keepNext")) is None:
        style = properties.find(qn("w:pStyle"))
        keep = OxmlElement("w:keepNext")
        if style is not None:
            style.addnext(keep)
        else:
            properties.insert(0, keep)


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
