"""`make importer SOURCE=fichier.xml`: a PST held in another tool, read from its e-Comptes export (schema 201805V1),
written as a new entity folder of DATA — cadre.xlsx and one service's workbook per `Departement`, in the format of
`make templates PREREMPLI=1`.

The file is the inverse of pipeline/outputs/ecomptes.py (its structure, vocabularies and mappings are read from
there): an action's ElementId is its Réf.; an objective's ElementId ending with « -OS2 » or « -OO2.4 » gives its
number (else the file's order does); statuses come back through `STATUSES_BACK`; a libellé the export cut at 255
characters takes back the full one its description starts with; descriptions written in HTML or RTF become plain
text (a list item per line). What the file cannot say is said, never guessed: a volet neither externe nor interne
(iA.PST's single « NEANT »), a libellé cut by the exporting tool, an unknown status, an objective without action,
an action without a service, an ElementId met twice among the actions — each a finding with the XML path and line,
printed and written in the new folder's report (REPORT_NAME, by the validation report's writer). The single volet's
OS go to the volet externe, numbered there; `--interne 2,5` (INTERNE=2,5) places those numbers in the volet interne,
both volets numbered again, old → new said.

Hostile files stop the command (exit 2) before anything is written: more than MAX_BYTES, not XML, a DTD or an
entity (defusedxml: no billion laughs), bytes that are not in the declared encoding, another schema. The folder is
written in a hidden sibling, then renamed into place: all or nothing; an existing folder is never touched.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from lxml import etree

from . import contract as c
from .atomic import safe_file_name
from .clean import removed
from .findings import Finding, finding, phrase, stop
from .french import shorten
from .invocation import command, option
from .load import ConfigurationError
from .normalize import CODE_PATTERN, canonical_code
from .outputs.ecomptes import (CIVILITIES, STATUSES_BACK, TYPE_ADMIN, VERSION)
from .validate import ECOMPTES_TEXT

MAX_BYTES = 20 * 1024 * 1024
"""An export of a few thousand actions weighs a few megabytes; beyond, the file is not a PST's export."""
UNSORTED = phrase("unsorted-service")
"""The workbook of the actions whose file names no `Departement`."""
LEVELS = (("Volets", "Volet"), ("ObjectifStrategiques", "ObjectifStrategique"),
          ("ObjectifsOperationnels", "ObjectifOperationnel"), ("Actions", "Action"))
"""The hierarchy of the schema: each level's list element and its items."""
REPORT_NAME = "Rapport_import.xlsx"
"""The import's validation report, written in the new entity folder (the loader reads only the cadre and
services/: `make pst` never takes it for a workbook of the PST)."""
INTERNAL_LIST = re.compile(r"^\s*(?:(?:OS\s*)?[0-9]{1,4}\s*(?:[,;]\s*|\s+|$))+$", re.IGNORECASE)
"""`--interne` as the user may type it: « 2,5 », « OS2; OS 5 », « 2 5 »."""
OS_ID = re.compile(r"-OS(\d{1,4})$")
OO_ID = re.compile(r"-OO(\d{1,4})\.(\d{1,3})$")
PREFIXES = (None, re.compile(r"OS\.(\d{1,4})\s*[-–—]\s+"), re.compile(r"OO\.(\d{1,4})\.(\d{1,3})\s*[-–—]\s+"),
            re.compile(r"A\.\d{1,4}(?:\.\d{1,4})*\s*[-–—]\s+(?:SA\.\d{1,4}\s*[-–—]\s+)?"))
"""iA.PST's numbering at the start of a libellé, per level (« OS.1 - », « OO.1.2 - », « A.1.2.3 - SA.1 - »): the
OS's and OO's numbers are groups, like OS_ID's and OO_ID's."""
DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
RTF_CONTROL = re.compile(r"\\([a-z]+)(-?\d+)? ?|\\'([0-9a-f]{2})|\\([^a-z'])|[{}]", re.IGNORECASE)
RTF_BREAKS = {"par", "line", "row"}
RTF_SKIPPED = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer"}
CIVILITY_BACK = {word: civility for civility, word in CIVILITIES.items()}


class ImportRefused(ConfigurationError):
    """The file cannot be imported (exit code 2, nothing written)."""


@dataclass
class Element:
    """One element of the hierarchy as the file gives it, its texts plain."""

    path: str
    line: int
    element_id: str
    title: str
    description: str
    status: str
    progress: float | None
    remark: str = ""
    fte: float | None = None
    start: str = ""
    end: str = ""
    department: str = ""
    responsible: dict | None = None
    representative: dict | None = None
    plans: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    children: list["Element"] = field(default_factory=list)
    prefix: re.Match | None = None
    """iA.PST's numbering the libellé started with (PREFIXES), taken off the title."""


@dataclass
class Imported:
    """What the file gives: the cadre's parameters, objectives, lists and people, each service's actions (state
    records), and the findings."""

    source: Path
    generator: str
    parameters: dict[str, str]
    strategic: list[dict] = field(default_factory=list)
    operational: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    lists: dict[str, list] = field(default_factory=dict)
    actions: dict[str, list[dict]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    numbered: bool = False
    """The actions' numbers are written: the workbooks' order alone would not give the file's."""
    files: dict[str, str] = field(default_factory=dict)
    """Each service's workbook name (without .xlsx): distinct in any case, its service's name kept as typed."""

    @property
    def action_count(self) -> int:
        return sum(len(records) for records in self.actions.values())


# --- Reading the file ----------------------------------------------------------------------------------------
def refused(key: str, **params) -> ImportRefused:
    return ImportRefused(stop(key, **params))


def read_bytes(source: Path) -> bytes:
    if source.is_dir():
        raise refused("import-source-folder", source=source)
    if not source.is_file():
        raise refused("import-source-absent", source=source)
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise refused("import-too-big", source=source.name, size=size // (1024 * 1024), limit=MAX_BYTES // (1024 * 1024))
    if size == 0:
        raise refused("import-not-xml", source=source.name, line=1)
    return source.read_bytes()


def check_encoding(data: bytes, name: str) -> None:
    """The bytes are in the encoding the file declares (UTF-8 when it declares none)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        declared = "utf-16"
    else:
        match = DECLARED_ENCODING.match(data[:400])
        declared = match[1].decode("ascii") if match else "utf-8"
    try:
        data.decode(declared)
    except LookupError:
        raise refused("import-encoding-unknown", source=name, encoding=declared) from None
    except UnicodeDecodeError as problem:
        raise refused("import-encoding", source=name, encoding=declared,
                      line=data.count(b"\n", 0, problem.start) + 1) from None


def parse(source: Path) -> etree._ElementTree:
    """The file as a tree (lines kept), once defusedxml has refused any DTD or entity."""
    data = read_bytes(source)
    if data.lstrip()[:1] != b"<" and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise refused("import-not-xml", source=source.name, line=1)
    check_encoding(data, source.name)
    try:
        SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise refused("import-dtd", source=source.name) from None
    except SafeET.ParseError as problem:
        raise refused("import-not-xml", source=source.name, line=problem.position[0]) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    try:
        return etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as problem:
        raise refused("import-not-xml", source=source.name, line=problem.lineno or 1) from None


class Reader:
    def __init__(self, tree: etree._ElementTree, source: Path):
        self.tree, self.source = tree, source
        self.findings: list[Finding] = []
        self.prefixes = 0

    def where(self, node) -> dict:
        return {"source": self.source.name, "path": self.tree.getpath(node), "line": node.sourceline or 1}

    def child(self, node, tag: str, required: bool = True):
        found = node.find(tag)
        if found is None and required:
            raise refused("import-missing", element=tag, **self.where(node))
        return found

    def text(self, node, tag: str, required: bool = False) -> str:
        found = self.child(node, tag, required)
        return removed((found.text or "").strip()) if found is not None else ""

    def number(self, node, tag: str, maximum: float) -> float | None:
        found = self.child(node, tag, required=False)
        text = (found.text or "").strip().replace(",", ".") if found is not None else ""
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= maximum:
            raise refused("import-bad-value", element=tag, value=shorten(text, 40), **self.where(found))
        return value

    def day(self, node, tag: str) -> str:
        found = self.child(node, tag, required=False)
        text = (found.text or "").strip() if found is not None else ""
        if not text:
            return ""
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise refused("import-bad-value", element=tag, value=shorten(text, 40), **self.where(found)) from None

    def described(self, node, tag: str) -> str:
        found = self.child(node, tag, required=False)
        if found is None:
            return ""
        return plain_text(self.text(found, "Mode").upper(), found.findtext("Valeur") or "")

    def person(self, node, tag: str) -> dict | None:
        found = self.child(node, tag, required=False)
        if found is None:
            return None
        person = {"civility": CIVILITY_BACK.get(self.text(found, "Civilite").upper(), ""),
                  "last_name": self.text(found, "Nom"), "first_name": self.text(found, "Prenom"),
                  "phone": self.text(found, "Tel"), "email": self.text(found, "eMail")}
        person["person"] = " ".join(part for part in (person["first_name"], person["last_name"]) if part)
        return person if person["person"] else None

    def items(self, node, tag: str, item: str) -> list[str]:
        found = self.child(node, tag, required=False)
        return [text for text in (removed((e.text or "").strip()) for e in found.findall(item)) if text] \
            if found is not None else []

    def element(self, node, level: int) -> Element:
        where = self.where(node)
        title = self.text(node, "Libelle", required=True)
        description = self.described(node, "Description")
        title, description = self.full_title(title, description, where)
        element = Element(
            path=where["path"], line=where["line"], element_id=removed(node.get("ElementId", "").strip()),
            title=title, description=description, status=self.text(node, "Statut"),
            progress=self.number(node, "TauxAvancement", 100), remark=self.described(node, "RemarqueStatut"),
            fte=self.number(node, "ETP", c.MAX_DECIMAL), start=self.day(node, "DateDebut"),
            end=self.day(node, "DateFin"), department=self.text(node, "Departement"),
            responsible=self.person(node, "Responsable"), representative=self.person(node, "Mandataire"),
            plans=self.items(node, "Plans", "Plan"), partners=self.items(node, "Partenaires", "Partenaire"))
        prefix = PREFIXES[level].match(title) if PREFIXES[level] else None
        if prefix and title[prefix.end():].strip():
            element.title, element.prefix = title[prefix.end():].strip(), prefix
            self.prefixes += 1
        if level + 1 < len(LEVELS):
            children, tag = LEVELS[level + 1]
            holder = self.child(node, children, required=False)
            element.children = [self.element(child, level + 1)
                                 for child in (holder.findall(tag) if holder is not None else [])]
        return element

    def full_title(self, title: str, description: str, where: dict) -> tuple[str, str]:
        """The libellé whole: the export cut a long one (« … ») and wrote it whole at the start of the
        description; a libellé of exactly 255 characters was probably cut by the exporting tool (said)."""
        if title.endswith("…") and description:
            first, _, rest = description.partition("\n\n")
            if len(first) > ECOMPTES_TEXT and shorten(first, ECOMPTES_TEXT) == title:
                return first, rest
        if len(title) >= ECOMPTES_TEXT:
            self.findings.append(finding("import-libelle-coupe", file=self.source.name, row=where["line"],
                                         path=where["path"], value=title, length=len(title)))
        return title, description


def plain_text(mode: str, value: str) -> str:
    """A description as plain text: HTML and RTF turned into text, a list item or a paragraph per line — HTML even
    when the file says TEXTE (iA.PST says it of every description), if it holds known tags or entities."""
    if mode == "HTML" or (mode not in ("TEXTE", "RTF") and re.search(r"<[a-zA-Z][^>]*>", value)) \
            or (mode == "TEXTE" and HTML_MARKUP.search(value)):
        return html_text(value)
    if mode == "RTF" or value.lstrip().startswith("{\\rtf"):
        return rtf_text(value)
    return removed(value.strip())


HTML_MARKUP = re.compile(r"</?(?:p|br|ul|ol|li|b|i|u|strong|em|h[1-6]|div|span|a|table|tr|td|th|blockquote)\b"
                         r"[^<>]*>|&(?:amp|nbsp|lt|gt|quot|apos|#\d{1,6}|#x[0-9a-f]{1,6});", re.IGNORECASE)
"""HTML in a description said to be TEXTE: a known tag or entity; « 3 < 5 » or « <à compléter> » is text."""
BLOCKS = {"p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote"}


def html_text(value: str) -> str:
    if not value.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return removed(value.strip())
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "li":
            element.text = "– " + (element.text or "")
        if element.tag in BLOCKS:
            element.tail = "\n" + (element.tail or "")
    lines = [" ".join(line.split()) for line in root.text_content().splitlines()]
    return removed("\n".join(line for line in lines if line))


def rtf_text(value: str) -> str:
    """RTF's text: the groups of its tables (fonts, colours, styles, information) left out, \\par a line break,
    \\'e9 the Windows-1252 character."""
    text, depth, skipped, position = [], 0, [], 0
    for match in RTF_CONTROL.finditer(value):
        if not skipped:
            text.append(value[position:match.start()])
        position = match.end()
        word, hexa, symbol, token = (match[1] or "").lower(), match[3], match[4], match[0]
        if token in "{}":
            if token == "}" and skipped and skipped[-1] == depth:
                skipped.pop()
            depth += 1 if token == "{" else -1
        elif skipped:
            continue
        elif word in RTF_SKIPPED or symbol == "*":
            skipped.append(depth)
        elif word:
            text.append("\n" if word in RTF_BREAKS else "\t" if word == "tab" else "")
        elif hexa:
            text.append(bytes([int(hexa, 16)]).decode("cp1252", errors="replace"))
        elif symbol in ("\\", "{", "}"):
            text.append(symbol)
    if not skipped:
        text.append(value[position:])
    lines = [" ".join(line.split()) for line in "".join(text).replace("\r", "").split("\n")]
    return removed("\n".join(line for line in lines if line))


# --- From the file's hierarchy to the cadre and the workbooks ----------------------------------------------------
def volet_of(element: Element) -> str | None:
    """The contract's volet a Volet element is, by its ElementId's end (« -EXT ») or its libellé (« Volet interne –
    … »); None for any other (« NEANT »)."""
    for text in (element.element_id.rsplit("-", 1)[-1], re.split(r"\s[–—-]\s", element.title)[0], element.title):
        volet = c.VOLETS.canonical(text)
        if volet is not None:
            return volet
    return None


def numbered_objectives(strategic: list[Element]) -> list[tuple[int, Element, list[tuple[str, Element]]]]:
    """Each OS with its number and each OO with its code: from the ElementIds when they give them all, coherent and
    distinct (the export's « -OS2 », « -OO2.4 », or iA.PST's libellés « OS.2 - », « OO.2.4 - »); else in the file's
    order (1, 2…; 1.1, 1.2…)."""
    numbers = []
    for os in strategic:
        match = OS_ID.search(os.element_id) or os.prefix
        codes = [OO_ID.search(oo.element_id) or oo.prefix for oo in os.children]
        if not match or not all(code and code[1] == match[1] for code in codes):
            break
        numbers.append((int(match[1]), [f"{int(code[1])}.{int(code[2])}" for code in codes]))
    else:
        taken = [number for number, _ in numbers]
        codes = [code for _, oo_codes in numbers for code in oo_codes]
        if len(set(taken)) == len(taken) and len(set(codes)) == len(codes) and 0 not in taken \
                and all(int(code.split(".")[1]) > 0 for code in codes):
            return [(number, os, list(zip(oo_codes, os.children)))
                    for (number, oo_codes), os in zip(numbers, strategic)]
    return [(index, os, [(f"{index}.{rank}", oo) for rank, oo in enumerate(os.children, start=1)])
            for index, os in enumerate(strategic, start=1)]


class Builder:
    """The file's elements as the cadre's rows and the services' records."""

    def __init__(self, reader: Reader, imported: Imported, internal: list[int] | None = None,
                 rerun: dict | None = None):
        self.reader, self.imported = reader, imported
        self.internal = internal or []  # the numbers of the single volet's OS to place in the volet interne
        self.rerun = rerun or {"source": imported.source}  # the options typed (source, data): what to re-run
        self.references: dict[str, Element] = {}
        self.people: dict[str, dict] = {}
        self.representatives: list[str] = []
        self.plans: list[str] = []
        self.services: list[str] = []
        self.unknown_statuses: dict[str, int] = {}
        self.numbers: dict[str, int] = {}
        self.spellings: dict[str, list[str]] = {}
        self.files: dict[str, str] = {}
        self.unassigned: list[str] = []

    def note(self, code: str, element: Element | None = None, **params) -> None:
        where = {"row": element.line, "path": element.path} if element else {}
        self.imported.findings.append(finding(code, file=self.imported.source.name, **where, **params))

    def person_name(self, person: dict | None, representative: bool = False) -> str:
        if person is None:
            return ""
        key = c.fold(person["person"])
        self.people.setdefault(key, person)
        if representative and self.people[key]["person"] not in self.representatives:
            self.representatives.append(self.people[key]["person"])
        return self.people[key]["person"]

    def volets(self, volets: list[Element]) -> None:
        by_volet: dict[str, list[Element]] = {name: [] for name in c.VOLET_ORDER}
        unplaced = []
        for volet in volets:
            name = volet_of(volet)
            if name is None:
                unplaced.append(volet)
            by_volet[name or c.VOLET_EXTERNAL].extend(volet.children)
        if unplaced or self.internal:
            self.place(by_volet, unplaced)
        for name, strategic in by_volet.items():
            for number, os, operational in numbered_objectives(strategic):
                self.imported.strategic.append({"volet": name, "number": str(number), "title": os.title,
                                                "ambitions": os.description})
                if not operational:
                    self.note("import-objectif-vide", os, what="os", title=os.title)
                for code, oo in operational:
                    self.imported.operational.append({"volet": name, "code": code, "title": oo.title,
                                                      "result_indicators": oo.description})
                    if not oo.children:
                        self.note("import-objectif-vide", oo, what="oo", title=oo.title)
                    for action in oo.children:
                        self.action(action, name, code, oo)
                    self.without_service(oo)

    def place(self, by_volet: dict[str, list[Element]], unplaced: list[Element]) -> None:
        """The OS of a volet neither externe nor interne (iA.PST's « NEANT ») go to the volet externe, numbered
        there as the warning lists them; those `--interne` names by these numbers go to the volet interne, after
        its own OS, in the file's order: both volets numbered again, the old and new numbers said."""
        before = {id(os): (name, number, [code for code, _ in operational])
                  for name in c.VOLET_ORDER for number, os, operational in numbered_objectives(by_volet[name])}
        number = {id(os): before[id(os)][1] for volet in unplaced for os in volet.children}
        valid = list(number.values())
        if unknown := [n for n in self.internal if n not in valid]:
            raise refused("import-interne-inconnu", unknown=unknown, count=len(unknown),
                          source=self.imported.source.name, valid=valid)
        if not self.internal:
            for volet in unplaced:
                listed = [phrase("import-os-listed", number=number[id(os)], title=os.title) for os in volet.children]
                shown = [number[id(os)] for os in volet.children][-2 if len(listed) > 2 else -1:]
                self.note("import-volet-inconnu", volet, value=volet.title, count=len(listed),
                          objectives=listed[:30], more=max(0, len(listed) - 30),
                          again=command("importer", **self.rerun, interne="…"),
                          example=option("interne", ",".join(map(str, shown))))
            return
        moved = [os for volet in unplaced for os in volet.children if number[id(os)] in self.internal]
        moved_ids = {id(os) for os in moved}
        by_volet[c.VOLET_EXTERNAL] = [os for os in by_volet[c.VOLET_EXTERNAL] if id(os) not in moved_ids]
        by_volet[c.VOLET_INTERNAL] += moved
        renumbered = []
        for name in (c.VOLET_INTERNAL, c.VOLET_EXTERNAL):
            for new, os, operational in numbered_objectives(by_volet[name]):
                old_volet, old, old_codes = before[id(os)]
                codes = [f"{a} → {b}" for a, (b, _) in zip(old_codes, operational) if a != b]
                if (old_volet, old) != (name, new) or codes:
                    renumbered.append(phrase("import-renumbered", old=old, new=new, oo=codes,
                                             internal=name == c.VOLET_INTERNAL))
        self.note("import-volet-reparti", unplaced[0], value=", ".join(volet.title for volet in unplaced),
                  asked=option("interne", ",".join(map(str, self.internal))), count=len(moved),
                  moved=[phrase("import-os-named", number=number[id(os)], title=os.title) for os in moved],
                  renumbered=renumbered)

    def action(self, element: Element, volet: str, oo_code: str, oo: Element | None = None) -> None:
        status, health = STATUSES_BACK.get(element.status.upper(), ("", ""))
        if element.status and not status:
            self.note("import-statut-inconnu", element, value=element.status, title=element.title)
        elif element.status.upper() in (key for key, (_, sante) in STATUSES_BACK.items() if sante):
            self.unknown_statuses[element.status.upper()] = self.unknown_statuses.get(element.status.upper(), 0) + 1
        service = self.service(element.department or (oo.department if oo else ""))
        if not element.department:
            self.unassigned.append(element.title)
        if service and service not in self.services:
            self.services.append(service)
        self.plans += [plan for plan in element.plans if plan not in self.plans]
        reference = element.element_id
        if reference in self.references:  # the same identifier twice: the second action gets a new Réf. in make pst
            first = self.references[reference]
            self.note("import-ref-en-double", element, value=reference, title=element.title, other=first.title,
                      other_line=first.line)
            reference = ""
        elif reference:
            self.references[reference] = element
        records = self.imported.actions.setdefault(service or UNSORTED, [])
        self.numbers[volet] = self.numbers.get(volet, 0) + 1
        records.append({"sequence": sum(self.numbers.values()), "number": str(self.numbers[volet]),
            "file": f"{self.file_of(service or UNSORTED)}.xlsx", "row": len(records) + 2,
            "volet": volet, "oo_code": oo_code, "reference": reference, "title": element.title,
            "description": element.description, "status": status, "health": health,
            "progress": element.progress, "start": element.start, "end": element.end,
            "representative_responsible": self.person_name(element.representative, representative=True),
            "administrative_responsible": self.person_name(element.responsible), "managing_service": service,
            "partners": " ; ".join(element.partners), "plans": element.plans, "comment": element.remark,
            "fte": element.fte or None, "budget": []})

    def without_service(self, oo: Element) -> None:
        """One warning for the actions of `oo` that name no service: they take the OO's `Departement` (iA.PST
        writes it on the OO), else go to the workbook « À répartir »."""
        titles, self.unassigned = self.unassigned, []
        if titles:
            service = self.service(oo.department)
            self.note("import-service-objectif" if service else "import-sans-service", oo, oo=oo.title,
                      count=len(titles), titles=titles[:10], more=max(0, len(titles) - 10), service=service,
                      workbook=UNSORTED)

    def service(self, department: str) -> str:
        """The service an action's `Departement` names: spellings that are the same once folded (« Travaux »,
        « Travaux. », « travaux ») are one service, under its first spelling; the others are said (finish)."""
        if not department:
            return ""
        spellings = self.spellings.setdefault(c.fold(department) or department.casefold(), [])
        if department not in spellings:
            spellings.append(department)
        return spellings[0]

    def file_of(self, name: str) -> str:
        """The service's workbook name: its name as a file name, « (2) » added when another service's is the same
        in any case (« CON » and « Service-CON »): never two services in one file."""
        if name not in self.files:
            base = safe_file_name(name, fallback=UNSORTED)
            taken = {file.casefold() for file in self.files.values()}
            file, counter = base, 1
            while file.casefold() in taken:
                counter += 1
                file = f"{base} ({counter})"
            self.files[name] = file
        return self.files[name]

    def finish(self) -> None:
        imported = self.imported
        for spellings in self.spellings.values():
            if len(spellings) > 1:
                self.note("import-services-fusionnes", value=spellings[0], spellings=spellings,
                          workbook=f"{self.files[spellings[0]]}.xlsx")
        imported.files = dict(self.files)
        if self.reader.prefixes:
            self.note("import-numerotation-retiree", count=self.reader.prefixes)
        if sum(self.numbers.values()):
            self.note("import-numeros-ordre", count=sum(self.numbers.values()))
        for status, count in self.unknown_statuses.items():
            done, health = STATUSES_BACK[status]
            self.note("import-statut-approche", value=status, count=count, status=done, health=health)
        imported.people = list(self.people.values())
        imported.lists = {"services": self.services, "representatives": self.representatives}
        if self.plans:
            imported.lists["plans"] = self.plans
        imported.numbered = not keeps_order(imported.actions)


def keeps_order(actions: dict[str, list[dict]]) -> bool:
    """Whether the workbooks read in their order (file names, then rows) give each objective's actions in the
    file's order: else the actions' numbers are written, so that the PST keeps it."""
    by_objective: dict[tuple, list[tuple]] = {}
    for records in actions.values():
        for record in records:
            by_objective.setdefault((record["volet"], record["oo_code"]), []).append(
                (record["file"].casefold(), record["row"], record["sequence"]))
    return all([item[2] for item in sorted(items)] == sorted(item[2] for item in items)
               for items in by_objective.values())


def internal_numbers(text: str | None) -> list[int]:
    """`--interne` as typed (« 2,5 », « OS2; OS 5 »): the OS numbers, each once, in the order given."""
    if text is None or not text.strip():
        return []
    if len(text) > 400 or not INTERNAL_LIST.match(text):
        raise refused("import-interne-illisible", value=shorten(text.strip(), 60))
    return list(dict.fromkeys(int(number) for number in re.findall(r"[0-9]+", text)))


def read_export(source: Path, internal: str | None = None, rerun: dict | None = None) -> Imported:
    """The file read and checked: raises ImportRefused (in French, with the line) for anything that is not an
    e-Comptes export of the schema's version, or an `--interne` that names no OS of its single volet. `rerun`:
    the options the user typed (source, data), for the command the warnings tell to re-run."""
    numbers = internal_numbers(internal)
    tree = parse(source)
    root = tree.getroot()
    reader = Reader(tree, source)
    if root.tag != "dataroot":
        raise refused("import-other-schema", source=source.name, found=shorten(str(root.tag), 80),
                      line=root.sourceline or 1)
    ids = reader.child(root, "Identifiants")
    version = reader.text(ids, "Version")
    if version != VERSION:
        raise refused("import-other-version", source=source.name, found=shorten(version, 40), version=VERSION,
                      line=ids.sourceline or 1)
    described = reader.child(reader.child(root, "PST"), "DescriptionPST")
    type_admin = reader.text(ids, "TypeAdmin", required=True).upper()
    if type_admin not in TYPE_ADMIN.values():
        raise refused("import-bad-value", element="TypeAdmin", value=shorten(type_admin, 40),
                      **reader.where(ids.find("TypeAdmin")))
    first, last = reader.number(described, "ExerciceDebut", 2100), reader.number(described, "ExerciceFin", 2100)
    if not first or not last or last <= first:
        raise refused("import-bad-legislature", first=int(first) if first else "", last=int(last) if last else "",
                      **reader.where(described))
    entity_type = c.ENTITY_CPAS if type_admin == TYPE_ADMIN[True] else c.ENTITY_COMMUNE
    title = reader.text(described, "Libelle")
    name = title.rsplit(" — ", 1)[1].strip() if " — " in title else ""
    legislature = f"{int(first)}-{int(last)}"
    imported = Imported(source, reader.text(ids, "Generateur"), {
        "entity_name": name or title or entity_type, "entity_type": entity_type,
        "code": entity_code(reader.text(ids, "Id"), legislature, entity_type), "legislature": legislature,
        "ins_code": reader.text(ids, "INS")})
    if not name:
        imported.findings.append(finding("import-nom-entite", file=source.name, row=described.sourceline,
                                         value=imported.parameters["entity_name"]))
    volets = [reader.element(node, 0) for node in reader.child(reader.child(root, "PST"), "Volets").findall("Volet")]
    builder = Builder(reader, imported, numbers, rerun)
    builder.volets(volets)
    builder.finish()
    imported.findings[:0] = reader.findings
    return imported


def entity_code(identifier: str, legislature: str, entity_type: str) -> str:
    """The Code: the export's Id is « CODE-2019-2024-2025 »; else the type (COMMUNE, CPAS)."""
    match = re.fullmatch(r"(.+)-" + re.escape(legislature) + r"-\d{4}", identifier)
    code = canonical_code(match[1]) if match else ""
    return code if CODE_PATTERN.match(code) else canonical_code(entity_type)


# --- Writing the folder --------------------------------------------------------------------------------------
def folder_name(data: Path, imported: Imported) -> tuple[str, bool]:
    """The new folder's name: the entity's, as a file name; « (2) », « (3) »… when DATA already holds one of that
    name (in any case: Windows and macOS do not tell them apart). Returns the name and whether it was changed."""
    base = safe_file_name(imported.parameters["entity_name"], fallback=imported.parameters["code"], prefix="")
    taken = {entry.name.casefold() for entry in data.iterdir()} if data.is_dir() else set()
    name, counter = base, 1
    while name.casefold() in taken:
        counter += 1
        name = f"{base} ({counter})"
    return name, name != base


def cadre_book(imported: Imported):
    from .workbooks import filled_cadre

    return filled_cadre(imported.parameters, {c.STRATEGIC_OBJECTIVES_SHEET.name: imported.strategic,
                                              c.OPERATIONAL_OBJECTIVES_SHEET.name: imported.operational},
                        imported.lists, imported.people)


def write_entity(imported: Imported, staged: Path) -> list[Finding]:
    """cadre.xlsx and the services' workbooks in `staged`, exactly as make templates PREREMPLI=1 writes them."""
    from .frame import read_frame
    from .templates import choices, write_workbooks
    from .workbooks import save_workbook

    save_workbook(cadre_book(imported), staged / c.CADRE_FILE)
    frame = read_frame(staged)
    if frame.has_errors:
        raise refused("import-cadre-refused", source=imported.source.name,
                      reasons=[f.message for f in frame.findings if f.is_error][:5])
    services = staged / c.SERVICES_DIR
    services.mkdir()
    names = list(imported.actions)
    recorded = {name: sorted(records, key=lambda r: r["row"]) for name, records in imported.actions.items()}
    write_workbooks(frame, frame.objectives(), names, recorded, services, choices(frame, []),
                    numbers=imported.numbered, files=imported.files)
    return list(frame.findings)


def import_export(source: Path, data: Path, internal: str | None = None,
                  rerun: dict | None = None) -> tuple[Imported, Path, bool]:
    """Read `source`, write its entity folder in `data` with the import's findings in its report (REPORT_NAME):
    the folder, and whether its name had to change. Nothing is left in `data` when anything fails."""
    from .outputs.report import write_report

    if (data / c.CADRE_FILE).is_file():
        raise refused("import-data-is-entity", data=data)
    if data.exists() and not data.is_dir() or data.name == c.SERVICES_DIR:
        raise refused("import-data-not-folder", data=data, services=data.name == c.SERVICES_DIR)
    imported = read_export(source, internal, rerun)
    created = not data.exists()
    data.mkdir(parents=True, exist_ok=True)
    name, renamed = folder_name(data, imported)
    staged = Path(tempfile.mkdtemp(prefix=".import-", dir=data))
    try:
        imported.findings += write_entity(imported, staged)
        write_report(imported.findings, staged / REPORT_NAME,
                     phrase("import-report-label", entity=imported.parameters["entity_name"], source=source.name))
        destination = data / name
        if destination.exists():  # written meanwhile by someone else: never replaced
            raise refused("import-folder-exists", folder=destination)
        staged.rename(destination)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        if created:
            shutil.rmtree(data, ignore_errors=True)
        raise
    return imported, destination, renamed
