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
from zipfile import ZIP_DEFLATED, ZipFile

from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.parts.document import DocumentPart
import docxtpl
from docx.shared import Cm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, FunctionLoader, TemplateError, pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from .atomic import atomic_path
from . import french
from . import wellformed
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
    env = DocumentEnvironment(autoescape=True, loader=FunctionLoader(SOURCES.get), bytecode_cache=bytecode_cache(),
                              finalize=without_forbidden, extensions=[ParagraphLines])
    env.filters["accord"] = french.plural
    env.filters["article"] = french.the  # « {{ entity.name|article }} »: la Commune d'Engis, le CPAS d'Engis
    env.filters["de"] = french.of  # « {{ entity.name|de }} »: de la Commune d'Engis, du CPAS d'Engis
    env.filters["initiale"] = french.initial
    return env


class DocumentEnvironment(Environment):
    """Jinja's environment, with `a.title` looked up as Jinja does — the attribute first, then the key — but
    without raising an exception when a context's dict has no such attribute: Jinja's `getattr` tries
    `getattr(a, "title")` first, and the AttributeError it catches cost more than the lookup itself (a fiche
    prints about sixty values)."""

    def getattr(self, obj, attribute):
        if isinstance(obj, dict) and not hasattr(obj, attribute):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@pass_eval_context  # a constant printed (« {{ '…'|safe }} ») is then finalized when rendered, not when compiled
def without_forbidden(eval_context, value):
    """Jinja's `finalize`: each value a template prints (« {{ … }} »), before it is escaped, without the characters
    XML forbids (`clean.removed`) — a control character or a lone surrogate in any value of the context would make
    the document unreadable, and docxtpl would turn a bell into a new paragraph, a form feed into a page break.
    A printable text (str.isprintable, in C: every forbidden character is a control, a surrogate or a
    noncharacter, none printable) is let through at once; else one regular-expression search. Text already escaped
    (Markup) stays escaped. A value printed as markup of its own (an image, rich text) is noted (PRINTED), each
    time it is printed: taking the evaluation context keeps Jinja from working out a constant's output once, when
    compiling."""
    if type(value) is not str and hasattr(value, "__html__") and not plain_markup(value):
        PRINTED.markup = True
    if isinstance(value, str) and not value.isprintable() and HOLDS_FORBIDDEN(value):
        cleaned = removed(value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


class Printed:
    """What the values printed since `markup` was last reset held: markup of their own (an image's drawing, rich
    text), which Jinja prints as it is — the rendered body is then checked well-formed (Template.fix_tables)."""

    markup = False


PRINTED = Printed()


def plain_markup(value) -> bool:
    """Markup that is only text as markupsafe escapes it (a label escaped once for all actions): no tag, no quote
    (it may be printed in an attribute's value), « & » only in the references escaping writes."""
    return isinstance(value, Markup) and not NOT_ESCAPED_TEXT.search(value)


NOT_ESCAPED_TEXT = re.compile(r"""[<>"']|&(?!(?:amp|lt|gt|#34|#39);)""")


HOLDS_FORBIDDEN = FORBIDDEN.search
"""Bound once: `without_forbidden` runs for every value a document prints (≈100 per action)."""


class ParagraphLines(Extension):
    """docxtpl puts a line break before each paragraph of a part's XML, so that a template error names a line
    (Template.render_xml_part), and removes them from the rendered document with one replacement over all of it
    (18 MB for a 2,680-action PST). They are removed from the template's text instead, once it is read into
    tokens: each token keeps its line number, and the rendered XML is never copied for them."""

    def filter_stream(self, stream):
        for token in stream:
            if token.type == "data" and "\n<w:p" in token.value:
                token = Token(token.lineno, "data", token.value.replace("\n<w:p", "<w:p"))
            yield token


COMPILED_WITH = "finalize: clean.removed, with the evaluation context; paragraph lines removed when read\n"
"""Part of each template's name in the bytecode cache: templates compiled before the environment printed values
through `without_forbidden`, or before it removed docxtpl's line breaks when reading them (ParagraphLines), are
compiled anew (both are written into the compiled code)."""

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
    """docxtpl's template, with its passes made cheaper for large documents:

    - `resolve_listing` turns tabs, line breaks… typed in the data into Word runs: it runs a regular expression on
      every paragraph of the document, even when no value holds such a character;
    - `patch_xml` and `render_xml_part`: each template part patched and compiled once;
    - the rendered body is never parsed into a tree. What the project changes after rendering — the columns a
      `{%tc %}` loop repeated (fit_repeated_columns, instead of docxtpl's pass over every cell of every table), the
      table of contents (fill_table_of_contents), an empty last section (remove_empty_last_section), the drawings'
      ids (number_drawings) — is changed in the rendered XML, which is written as rendered (`fix_tables`,
      `map_tree`). A tree takes about twelve times its XML (the cross-tables of 30,000 actions alone took two
      gigabytes); parsing it and writing it back took 0.4 s for 1,000 fiches;
    - the rendered body is checked well-formed (expat) unless its template guarantees it (`proven`, module
      wellformed: the PST's and the fiches' do). These changes keep a well-formed body well-formed: each replaces
      whole elements (paragraphs, a table's grid) or an attribute's value.

    tests/test_docxtpl_equivalence.py renders every template with stock docxtpl and with this class and compares
    the documents' XML: run it after upgrading docxtpl."""

    rendered: bytes = b""
    """The document part as rendered (fix_tables), what map_tree gives the part to write."""
    body_source: str = ""
    """The body's template as compiled (render_xml_part)."""
    listing_resolved = False
    """A value printed in the body held a tab or a line break, turned into Word runs (resolve_listing)."""
    proven = False
    """The body as rendered is well-formed by construction (`wellformed`): fix_tables need not read it again."""

    PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
    """The core properties docxtpl renders (Fichier › Informations in Word)."""

    def save(self, filename, *args, **kwargs) -> None:
        """docxtpl's, with the package written by `write_package` (lighter compression) instead of python-docx's
        own writer."""
        self.pre_processing()
        write_package(self.docx.part.package, filename)
        self.post_processing(filename)
        self.is_saved = True

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
        self.listing_resolved = True
        return super().resolve_listing(xml)

    def render_xml_part(self, src_xml: str, part, context: dict, jinja_env=None) -> str:
        """docxtpl's, with plain string replacements instead of regular expressions and each template part
        compiled once per process (a batch renders the same template for every entity). Kept: docxtpl's compiles
        every part again on each render (PST +32 %, fiches +76 % at 300 actions)."""
        src_xml = src_xml.replace("<w:p>", "\n<w:p>").replace("<w:p ", "\n<w:p ")
        self.current_rendering_part = part
        if part is self.docx._part:
            self.body_source = src_xml
        try:
            dst_xml = compiled(jinja_env, src_xml).render(context)
        except TemplateError as exc:
            if getattr(exc, "lineno", None) is not None:
                first = max(exc.lineno - 4, 0)
                exc.docx_context = [re.sub(r"<[^>]+>", "", line) for line in src_xml.splitlines()[first:first + 7]]
            raise
        # docxtpl's escaped braces: rare. A brace is looked for first: a search for one character is ten times
        # faster than for two (« {_ » in 18 MB took 17 ms), and the rendered XML seldom holds any.
        if ("{" in dst_xml or "}" in dst_xml) and ("{_" in dst_xml or "_}" in dst_xml):
            dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst_xml)

    def located(self, problem: TemplateError, jinja_env: Environment) -> TemplateError:
        """A tag found wrong while the template's variables are listed — docxtpl reads each part as one line —
        found again in the body as it is rendered, a paragraph a line (render_xml_part), so that the message quotes
        the paragraphs around it. The error as it was when it lies elsewhere (a header, a footer)."""
        try:
            self.init_docx(reload=False)
            self.render_xml_part(self.patch_xml(self.get_xml()), self.docx.part, {}, jinja_env)
        except TemplateError as again:
            if getattr(again, "docx_context", None) and getattr(again, "message", None) == problem.message:
                return again
        except Exception:  # the body compiled, and rendering it without values failed otherwise: not the error's place
            pass
        return problem

    def build_xml(self, context: dict, jinja_env=None) -> str:
        """docxtpl's, then the project's changes, on the rendered XML: the columns a {%tc %} loop repeated fitted,
        the table of contents filled, an empty last section removed, the drawings numbered."""
        PRINTED.markup = self.listing_resolved = False
        xml = super().build_xml(context, jinja_env)
        self.proven = (not PRINTED.markup and not self.listing_resolved
                       and proven_part(self.body_source, jinja_env))
        if self.column_loops:
            xml = fit_repeated_columns(xml)
        xml = fill_table_of_contents(xml, styles_by_name(self.docx))
        xml = remove_empty_last_section(xml)
        return self.number_drawings(xml)

    def number_drawings(self, xml: str) -> str:
        """As docxtpl's fix_docpr_ids: each drawing's id made unique, in the document's order, from docxtpl's
        first (docx_ids_index)."""
        if "docPr" not in xml:
            return xml

        def numbered(found: re.Match) -> str:
            self.docx_ids_index += 1
            return f"{found[1]}{self.docx_ids_index}{found[3]}"
        return DRAWING_ID.sub(numbered, xml)

    def fix_tables(self, xml: str) -> None:
        """The rendered body into the document part's XML, checked well-formed — else the error lxml gives, saying
        where — unless its template guarantees it (`proven`), and kept as it is (map_tree)."""
        root = self.docx._element
        head, _, tail = etree.tostring(root.makeelement(root.tag, root.attrib, root.nsmap),
                                       encoding="unicode").partition("/>")
        around = [etree.tostring(child, encoding="unicode") for child in root if child.tag != qn("w:body")]
        # In pieces, joined once: the body of 1,000 fiches is 36 MB as text, each copy of it memory to touch.
        pieces = [(head + ">" + "".join(around)).encode("utf-8"), xml.encode("utf-8"),
                  f"</{root.prefix}:document>".encode("utf-8")]
        if not self.proven and not well_formed(pieces):
            parse_xml(b"".join(pieces))  # raises XMLSyntaxError
        self.rendered = b"".join([XML_DECLARATION, *pieces])

    def fix_docpr_ids(self, tree) -> None:
        """Done on the rendered XML (number_drawings)."""

    def map_tree(self, tree) -> None:
        """The document part written as rendered (RenderedPart.blob)."""
        part = self.docx.part
        part.__class__, part.rendered = RenderedPart, self.rendered

    @cached_property
    def column_loops(self) -> bool:
        return "{%tc " in self.get_xml()


COMPRESSION = 3
"""zlib's level for the document's parts. python-docx writes at zlib's default (6), which took a third of the time
spent writing the XML of 1,000 fiches (18 MB: 0.11 s); level 3 takes 0.04 s, for a file a third larger (1.06 MB
instead of 0.76) — what Word makes of it when the document is saved there again."""


class ArchiveWriter:
    """What python-docx's PackageWriter writes a package through (its own writer, docx.opc.phys_pkg, always
    compresses at zlib's default level): a zip archive at COMPRESSION."""

    def __init__(self, path):
        self.archive = ZipFile(path, "w", compression=ZIP_DEFLATED, compresslevel=COMPRESSION)

    def write(self, pack_uri, blob: bytes) -> None:
        self.archive.writestr(pack_uri.membername, blob)

    def close(self) -> None:
        self.archive.close()


def write_package(package, path) -> None:
    """python-docx's OpcPackage.save, through an ArchiveWriter: the same parts, in the same order."""
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    writer = ArchiveWriter(path)
    try:
        PackageWriter._write_content_types_stream(writer, parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, parts)
    finally:
        writer.close()


XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
"""What python-docx writes before a part's XML (docx.opc.oxml.serialize_part_xml)."""


def well_formed(pieces: list[bytes]) -> bool:
    """The XML, given in pieces, is well-formed (Word opens it): expat reads it without building anything, three
    times faster than a tree is built."""
    parser = expat.ParserCreate()
    try:
        for piece in pieces:
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return False
    return True


class RenderedPart(DocumentPart):
    """The main part of a document, written as it was rendered (Template.fix_tables); its tree, never read after
    rendering, is the template's."""

    rendered: bytes

    @property
    def blob(self) -> bytes:
        return self.rendered


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


PROVEN: dict[str, bool] = {}
"""Template parts found well-formed by construction or not, by their text (proven_part)."""


def proven_part(source: str, env: Environment) -> bool:
    """wellformed.well_formed_by_construction(source), once per part's text: kept in this process and in the cache
    folder (reading the PST's template takes 0.02 s)."""
    proven = PROVEN.get(source)
    if proven is None:
        key = wellformed.RULES + jinja2.__version__ + "\n" + source
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        stored = cache_file(f"wellformed-{digest}.txt")
        with suppress(OSError, UnicodeDecodeError):
            proven = {"1": True, "0": False}.get(stored.read_text(encoding="utf-8")) if stored and stored.is_file() \
                else None
        if proven is None:
            proven = wellformed.well_formed_by_construction(source, env)
            if stored:
                with suppress(OSError), atomic_path(stored) as temporary:
                    temporary.write_text("1" if proven else "0", encoding="utf-8")
        PROVEN[source] = proven
    return proven


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
        raise template_problem(template, document.located(exc, env)) from exc
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
    with atomic_path(destination) as temporary:
        document.save(temporary)
    return destination


def template_problem(template: Path, exc: TemplateError) -> TemplateProblem:
    around = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
    return TemplateProblem(said("template-bad-tag", template=template.name, error=str(exc), near=around[:200]))


# --- The rendered XML, changed as text ------------------------------------------------------------------------
# The body as docxtpl renders it from a Word template: tags as Word writes them (no comment, no CDATA section), every
# value escaped by Jinja. What cannot be found as expected is left as rendered (a table of contents Word fills when
# the document opens, a blank last page).
PARAGRAPH_STARTS = ("<w:p>", "<w:p ")
PARAGRAPH_END = "</w:p>"
TEXT_CONTENT = re.compile(r">\s*[^\s<]")
"""Some text that is not blank, between two tags (itertext().strip() of a tree)."""
DRAWING_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")(\d+)(")')


def paragraph_start(xml: str, position: int) -> int:
    """Where the paragraph holding `position` starts."""
    return max(xml.rfind(start, 0, position) for start in PARAGRAPH_STARTS)


def paragraph_end(xml: str, position: int) -> int:
    """Where the paragraph holding `position` ends (after its end tag); -1 when it does not."""
    end = xml.find(PARAGRAPH_END, position)
    return end + len(PARAGRAPH_END) if end != -1 else -1


def whole_elements(xml: str) -> bool:
    """`xml` is a run of whole elements (every element begun in it ends in it, and it ends none begun before):
    siblings, that can be removed or moved without leaving a tag unmatched."""
    open_ = []
    for found in ANY_TAG.finditer(xml):
        closing, name, empty = found.groups()
        if closing:
            if not open_ or open_.pop() != name:
                return False
        elif not empty:
            open_.append(name)
    return not open_


ANY_TAG = re.compile(r"<(/?)([^\s/>!?]+)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")


def remove_empty_last_section(xml: str) -> str:
    """A template may end an optional landscape annex with a section break, leaving an empty portrait section
    (a blank last page) after it. Then the annex's section becomes the last one: what follows the break (nothing
    but blank paragraphs) goes, with the body's last section properties, and the break's take their place — with
    the break's paragraph when it is blank."""
    sections = list(occurrences(xml, "<w:sectPr"))
    if len(sections) < 2:
        return xml
    last, final = sections[-2], sections[-1]
    start, end = paragraph_start(xml, last), paragraph_end(xml, last)
    final_end = xml.find("</w:sectPr>", final) + len("</w:sectPr>")
    trailing = xml[end:final]
    if (start == -1 or end == -1 or end > final or not xml.startswith("</w:body>", final_end)
            or not whole_elements(trailing) or TEXT_CONTENT.search(trailing) or NESTED_TABLE.search(trailing)):
        return xml
    section = xml[last:xml.find("</w:sectPr>", last) + len("</w:sectPr>")]
    paragraph = xml[start:end].replace(section, "", 1)
    if not TEXT_CONTENT.search(paragraph):
        paragraph = ""
    return xml[:start] + paragraph + section + xml[final_end:]


# --- Columns repeated by a {%tc for %} loop -------------------------------------------------------------------
# Done on the rendered XML, before it is parsed, with regular expressions over whole tables: a 2,680-action PST's
# cross-tables have 10,000 rows of 17 cells, which took 0.75 s to fit as a tree, and as long when each cell was
# visited by Python. The XML is docxtpl's output of a Word template: tags as Word writes them.
TABLE_MARKS = (("<w:tbl", "tbl", False), ("</w:tbl>", "tbl", True), ("<w:txbxContent", "box", False),
               ("</w:txbxContent>", "box", True), ("<w:sectPr", "section", False))
"""What tells a table of the body from one in a cell or a text box, and the section properties that follow it:
(tag, what it is, whether it ends it)."""
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
    marks = sorted((position, name, closing) for tag, name, closing in TABLE_MARKS
                   for position in occurrences(xml, tag))
    for position, name, closing in marks:
        if name == "section":
            if depth == 0 and pending:
                section = xml[position:xml.find("</w:sectPr>", position)]
                size, margins = PAGE_SIZE.search(section), PAGE_MARGINS.search(section)
                page = [value(WIDTH, size[1]) if size else None,
                        *(value(side, margins[1]) if margins else None for side in (LEFT, RIGHT))]
                if None not in page:
                    tables += [(first, last, int(page[0]) - int(page[1]) - int(page[2])) for first, last in pending]
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


def value(pattern: re.Pattern, attributes: str) -> str | None:
    """The value of the attribute `pattern` finds in a tag's attributes (WIDTH, TYPE…), or None."""
    found = pattern.search(attributes)
    return found[1] if found else None


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
    columns = [value(WIDTH, column[1]) for column in GRID_COLUMN.finditer(xml, grid.start(1), grid.end(1))]
    first = [cell_width(xml, cell) for cell, _ in own(xml, *rows[0], "tc")]
    widths = [value(WIDTH, width[1]) if width else None for width in first]
    if columns == widths or None in widths or any((value(TYPE, width[1]) or "dxa") != "dxa" for width in first):
        return []  # its grid fits its cells (no loop repeated them), or widths that are not in twips
    values = [int(width) for width in widths]
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


INSTRUCTION = re.compile(r"<w:instrText(?:\s[^>]*)?>([^<]*)</w:instrText>")
FIELD_END = 'w:fldCharType="end"'


def fill_table_of_contents(xml: str, ids: dict[str, str]) -> str:
    """Put the body's headings into the displayed result of its TOC field (`ids`: the styles' ids by name).

    Word recomputes the field (with page numbers) on opening thanks to updateFields; until then — and in
    LibreOffice, which does not — the reader sees the real list of headings rather than a placeholder. The
    headings and the field's two paragraphs are found in the rendered XML; the entries are made in a small tree of
    these two paragraphs alone (toc_entry, merge_field_marks)."""
    instruction = next((found for position in occurrences(xml, "<w:instrText")
                        if (found := INSTRUCTION.match(xml, position)) and "TOC" in html.unescape(found[1])), None)
    if instruction is None:
        return xml
    start, start_end = paragraph_start(xml, instruction.start()), paragraph_end(xml, instruction.end())
    mark = xml.find(FIELD_END, start_end) if start_end != -1 else -1
    if mark == -1:
        return xml
    end, end_end = paragraph_start(xml, mark), paragraph_end(xml, mark)
    if start == -1 or end < start_end or end_end == -1 or not whole_elements(xml[start_end:end]):
        return xml
    levels = {ids[f"heading {n}"]: n for n in (1, 2, 3) if f"heading {n}" in ids}
    toc_styles = {n: ids.get(f"toc {n}", f"TOC{n}") for n in (1, 2, 3)}
    body = xml[:xml.index(">") + 1]  # <w:body …> with its namespace declarations
    field = parse_xml(body + xml[start:start_end] + xml[end:end_end] + "</w:body>")
    first, last = field[0], field[1]
    entries = [toc_entry(toc_styles[level], text) for level, text in headings(xml, levels)]
    for entry in entries[-TOC_KEPT_TOGETHER:-1]:
        keep_with_next(entry)
    for entry in entries:
        last.addprevious(entry)
    if entries:
        merge_field_marks(first, last, entries[0], entries[-1])
    written = etree.tostring(field, encoding="unicode")
    return xml[:start] + written[written.index(">") + 1:written.rindex("</")] + xml[end_end:]


def headings(xml: str, levels: dict[str, int]) -> list[tuple[int, str]]:
    """(level, text) of every paragraph of `xml` whose style is one of `levels` (style id → level), in order,
    those with some text."""
    found = []
    for style, level in levels.items():
        tag = f'<w:pPr><w:pStyle w:val="{style}"/>'
        position = xml.find(tag)
        while position != -1:
            start = xml.rfind("<", 0, position)
            if xml.startswith(PARAGRAPH_STARTS, start):  # the style of a paragraph, not of a table or a run
                end = xml.find(PARAGRAPH_END, position)
                text = html.unescape("".join(TEXT_RUN.findall(xml, position, end))).strip()
                if text:
                    found.append((position, level, text))
            position = xml.find(tag, position + len(tag))
    return [(level, text) for _, level, text in sorted(found)]


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
