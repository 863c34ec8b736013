"""Render: the model → plain contexts (dicts of strings, numbers and lists) → Word documents through docxtpl.

The templates in output_templates/ hold the prose and the layout; this module only computes values. Contexts
never hold None or pandas objects: an empty field is "" and a multi-line cell is a list of lines. Rendering
always autoescapes, so a libellé holding « & < > {{ x }} » is printed as typed and never evaluated. A document is
written to a temporary file and moved into place, so a failed render never leaves a half-written document.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError

from .atomic import atomic_path
from .model import Action, CrossReference, Entity, OperationalObjective, StrategicObjective, Volet
from .normalize import MONTH_NAMES, format_percent, split_lines

TEMPLATES = Path(__file__).resolve().parent.parent / "output_templates"
PST_TEMPLATE = TEMPLATES / "pst.docx"
SYNERGIES_TEMPLATE = TEMPLATES / "synergies.docx"


class TemplateProblem(Exception):
    """A Word template does not fit the context (unknown variable, broken tag): names the template and the spot."""


# --- Values --------------------------------------------------------------------------------------------------
def french_date(day: dt.date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTH_NAMES[day.month - 1]} {day.year}"


def accord(n: int, singular: str, plural: str) -> str:
    """« 0 action », « 1 action », « 2 actions » (French: singular below 2)."""
    return f"{n} {singular if n < 2 else plural}"


def jinja_env() -> Environment:
    env = Environment(autoescape=True)
    env.filters["accord"] = accord
    return env


def action_context(action: Action, partner_names: dict[str, str]) -> dict:
    return {
        "number": action.number,
        "title": action.title,
        "volet": action.volet,
        "oo_code": action.oo_code,
        "reference": action.reference,
        "description": split_lines(action.description),
        "smart": action.smart,
        "status": action.status or "",
        "health": action.health or "",
        "progress": format_percent(action.progress),
        "start": action.start.french() if action.start else "",
        "end": action.end.french() if action.end else "",
        "updated": action.updated.french() if action.updated else "",
        "representative_responsible": action.representative_responsible,
        "administrative_responsible": action.administrative_responsible,
        "managing_service": action.managing_service,
        "project_lead": action.project_lead,
        "partners": action.partners,
        "plans": action.plans,
        "sdgs": action.sdgs,
        "synergy_with": ", ".join(partner_names.get(code, code) for code in action.synergy_with),
        "synergy_code": action.synergy_code,
        "output_indicator": split_lines(action.output_indicator),
        "result_indicators": split_lines(action.result_indicators),
        "planning": split_lines(action.planning),
        "comment": split_lines(action.comment),
    }


def operational_context(oo: OperationalObjective, partner_names: dict[str, str]) -> dict:
    return {
        "code": oo.code,
        "title": oo.title,
        "result_indicators": split_lines(oo.result_indicators),
        "actions": [action_context(a, partner_names) for a in oo.actions],
    }


def strategic_context(os: StrategicObjective, partner_names: dict[str, str]) -> dict:
    return {
        "number": os.number,
        "title": os.title,
        "observations": split_lines(os.observations),
        "ambitions": split_lines(os.ambitions),
        "objectives": [operational_context(oo, partner_names) for oo in os.objectives],
    }


def volet_context(volet: Volet, partner_names: dict[str, str]) -> dict:
    return {
        "key": volet.key,
        "name": volet.name,
        "count_os": len(volet.objectives),
        "count_oo": len(volet.operational()),
        "count_actions": len(volet.actions()),
        "objectives": [strategic_context(os, partner_names) for os in volet.objectives],
    }


def counts(entity: Entity) -> dict:
    """The « En résumé » figures, computed — never typed."""
    by_volet = {v.key: v for v in entity.volets}

    def split(measure) -> dict:
        values = {key: measure(by_volet[key]) if key in by_volet else 0 for key in ("externe", "interne")}
        return {**values, "total": sum(values.values())}

    return {
        "volets": len(entity.volets),
        "os": split(lambda v: len(v.objectives)),
        "oo": split(lambda v: len(v.operational())),
        "actions": split(lambda v: len(v.actions())),
    }


def pst_context(entity: Entity, synergy_annexes: list[tuple[str, list[Volet]]], partner_names: dict[str, str],
                built_on: dt.date, provisional: dict | None = None) -> dict:
    """`provisional`: {errors, rejected, report} when the document is built despite validation errors."""
    return {
        "provisional": provisional or {},
        "entity": {
            "name": entity.name,
            "type": entity.type,
            "code": entity.code,
            "legislature": entity.legislature,
            "slogan": entity.slogan,
            "is_cpas": entity.is_cpas,
        },
        "built_on": french_date(built_on),
        "counts": counts(entity),
        "volets": [volet_context(v, partner_names) for v in entity.volets],
        "synergies": [
            {
                "code": code,
                "partner": partner_names.get(code, code),
                "count": sum(len(v.actions()) for v in volets),
                "volets": [volet_context(v, partner_names) for v in volets],
            }
            for code, volets in synergy_annexes
        ],
    }


def synergies_context(xref: CrossReference, built_on: dt.date) -> dict:
    def side(actions: list[Action]) -> list[dict]:
        return [{"number": a.number, "volet": a.volet, "title": a.title, "synergy_code": a.synergy_code}
                for a in actions]

    return {
        "left": {"name": xref.left.name, "code": xref.left.code},
        "right": {"name": xref.right.name, "code": xref.right.code},
        "legislature": xref.left.legislature,
        "built_on": french_date(built_on),
        "pairs": [{"code": p.synergy_code, "left": side(p.left), "right": side(p.right)} for p in xref.pairs],
        "left_only": side(xref.left_only),
        "right_only": side(xref.right_only),
    }


# --- Documents -----------------------------------------------------------------------------------------------
def render_document(template: Path, context: dict, destination: Path) -> Path:
    """Render `template` with `context` into `destination`, atomically."""
    document = DocxTemplate(template)
    env = jinja_env()
    try:
        missing = document.get_undeclared_template_variables(env, context)
    except TemplateError as exc:
        raise template_problem(template, exc) from exc
    if missing:
        raise TemplateProblem(f"Le modèle {template.name} utilise des variables inconnues : "
                              + ", ".join(sorted(missing)) + ".")
    try:
        document.render(context, env, autoescape=True)
    except TemplateError as exc:
        raise template_problem(template, exc) from exc
    fill_table_of_contents(document.docx)
    with atomic_path(destination) as temporary:
        document.save(temporary)
    return destination


def template_problem(template: Path, exc: TemplateError) -> TemplateProblem:
    around = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
    where = f" près de : « {around[:200]} »" if around else ""
    return TemplateProblem(f"Le modèle {template.name} contient une balise incorrecte ({exc}){where}.")


def styles_by_name(document) -> dict[str, str]:
    """Lower-case style name → style id. Word localizes ids (« Titre1 » in French Word) but not names."""
    return {style.name.lower(): style.style_id for style in document.styles if style.name}


def fill_table_of_contents(document) -> None:
    """Put the document's headings into the TOC field's displayed result.

    Word recomputes the field (with page numbers) on opening thanks to updateFields; until then — and in
    LibreOffice, which does not — the reader sees the real list of headings rather than a placeholder."""
    ids = styles_by_name(document)
    heading_levels = {ids[f"heading {n}"]: n for n in (1, 2, 3) if f"heading {n}" in ids}
    toc_styles = {n: ids.get(f"toc {n}", f"TOC{n}") for n in (1, 2, 3)}
    body = document.element.body
    paragraphs = list(body.iter(qn("w:p")))
    start = next((p for p in paragraphs if any("TOC" in (t.text or "") for t in p.iter(qn("w:instrText")))), None)
    if start is None:
        return
    end = next((p for p in paragraphs[paragraphs.index(start) + 1:]
                if any(f.get(qn("w:fldCharType")) == "end" for f in p.iter(qn("w:fldChar")))), None)
    if end is None:
        return
    entries = []
    for p in paragraphs:
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        level = heading_levels.get(style.get(qn("w:val"))) if style is not None else None
        text = "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
        if level and text:
            entries.append((level, text))
    sibling = start.getnext()
    while sibling is not None and sibling is not end:
        following = sibling.getnext()
        body.remove(sibling)
        sibling = following
    for level, text in entries:
        end.addprevious(toc_entry(toc_styles[level], text))


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
