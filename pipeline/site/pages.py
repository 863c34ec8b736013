"""The site's pages: plain contexts from the entity as built, rendered through the Jinja2 templates of
output_templates/site/ (autoescape on; every text cleaned by clean.removed on its way out).

Each page knows its own path in the site (« actions/COMMUNE-0012.html ») and reaches every other page through
`root` (« ../ » from a sub-folder): every link is relative. What a page shows of an action is what the public
module lets out (public.is_public, public.budget_public): an internal remark never reaches a page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .. import contract as c
from .. import evaluation as ev
from .. import french, public, synergy
from ..clean import removed
from ..findings import phrase
from ..model import Action, Entity, plans_named, sdgs_named
from ..outputs.context import (Presentation, action_context, budget_line_context, budget_totals, counts,
                               entity_context, indicator_texts, sdg_label, version_context)
from . import history, search

SITE_TEMPLATES = Path(__file__).resolve().parents[2] / "output_templates" / "site"
ASSETS = ("site.css", "site.js", "icone.svg")
"""Copied as they are into the site's assets/."""
CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'")
"""The Content-Security-Policy of every page: nothing from another host, no inline script or style; Pagefind's
WebAssembly needs 'wasm-unsafe-eval' (never 'unsafe-eval')."""
NO_SERVICE = phrase("no-service")
PARTNER_SITE = "site"
"""The folder of an entity's site in BUILD (<BUILD>/<entité>/site/): a partner's site is at
../<its folder>/site/ from this site's folder, in BUILD and once both are uploaded side by side."""
STATUS_COLOURS = {c.STATUS_DONE: "#1e6b35", c.STATUS_IN_PROGRESS: "#1f5fa8", c.STATUS_NOT_STARTED: "#6b6b6b",
                  c.STATUS_POSTPONED: "#8a5a00", c.STATUS_ABANDONED: "#a3282c", ev.NO_STATUS: "#4d4d4d"}
"""The chart's bars: each at least 4.5:1 against white (its label is written beside it, not on it)."""


# --- Addresses ---------------------------------------------------------------------------------------------------
def slug(text: str) -> str:
    """A Réf. or a name as part of a page's address: letters, digits, « - », « _ » and « . » (portable)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", removed(text)).strip("-.")[:60] or "page"


def action_path(reference: str) -> str:
    return f"actions/{slug(reference)}.html"


def os_path(volet: str, number: int) -> str:
    return f"objectifs/os-{slug(c.fold(volet))}-{number}.html"


def volet_path(key: str) -> str:
    return f"volet-{slug(c.fold(key))}.html"


def href(path: str) -> str:
    """A site path as it is written in a link (each part percent-encoded)."""
    return quote(path, safe="/#?=&")


@dataclass
class Site:
    """What every page needs: the entity, its pages' addresses, and how its actions are presented."""

    job: object
    entity: Entity
    presentation: Presentation
    pages: dict[int, str]
    """id(action) → its page."""
    partners: dict[str, dict]
    """Code → the partner institution, with `root` (its site's folder from this site's root, when it exists)."""
    updated: str
    evaluation_day: dt.date | None

    def action_link(self, action: Action) -> dict:
        return {"number": action.number, "title": action.title, "volet": action.volet.lower(),
                "href": href(self.pages[id(action)]), "status": action.status or ""}


def partner_sites(job, build: Path | None) -> dict[str, dict]:
    """The partner institutions of DATA, each with the address of its site from this site's root when it exists
    (written by this build, or left by an earlier one): ../../<its folder>/site/."""
    found = {}
    for code, partner in job.partners.items():
        if code == job.entity.code:
            continue
        folder = partner.get("folder", "")
        exists = bool(folder) and (partner.get("valid") or (build is not None and
                                                            (build / folder / PARTNER_SITE / "index.html").is_file()))
        found[code] = {**partner, "root": href(f"../../{folder}/{PARTNER_SITE}/") if exists else ""}
    return found


def prepare(job, build: Path | None) -> Site:
    entity: Entity = job.entity
    columns = tuple(public.public_action_fields(entity))
    presentation = Presentation(job.partner_names, fiche=True, hide_empty=True, columns=columns)
    pages, taken = {}, set()
    for action in entity.actions():
        path = action_path(action.reference or f"{action.volet}-{action.number}")
        while path in taken:  # two Réf. alike once made portable: never one page for two actions
            path = path.replace(".html", "-bis.html")
        taken.add(path)
        pages[id(action)] = path
    day = job.asked.get("date")
    return Site(job, entity, presentation, pages, partner_sites(job, build), french.long_date(job.today),
                day if isinstance(day, dt.date) else None)


# --- Contexts ----------------------------------------------------------------------------------------------------
def status_of(action: Action) -> str:
    return action.status if action.status in ev.STATUS_ORDER else ev.NO_STATUS


def summary_row(label: str, actions: list[Action], link: str = "") -> dict:
    summary = ev.summarize(actions)
    return {"label": label, "href": link, "count": summary.count,
            "statuses": [summary.statuses.get(status, 0) for status in (*ev.STATUS_ORDER, ev.NO_STATUS)],
            "mean": french.percent(summary.mean) if summary.mean is not None else "–"}


def chart(actions: list[Action]) -> dict:
    """A horizontal bar per status (SVG), its figures also in the table beside it."""
    summary = ev.summarize(actions)
    bars, top, most = [], 0, max(summary.statuses.values(), default=0) or 1
    for status in (*ev.STATUS_ORDER, ev.NO_STATUS):
        n = summary.statuses.get(status, 0)
        if status == ev.NO_STATUS and not n:
            continue
        bars.append({"label": status, "count": n, "y": top, "width": round(220 * n / most, 1),
                     "colour": STATUS_COLOURS[status],
                     "percent": french.percent(100 * n / summary.count) if summary.count else "0\u00a0%"})
        top += 34
    words = french.join(french.counted(bar["count"], bar["label"]) for bar in bars)
    return {"bars": bars, "height": top + 4, "words": words, "count": summary.count}


def progress_context(site: Site) -> dict | None:
    """Progress as of DATE=: by status (chart and table), by volet and OS, and the late actions."""
    day = site.evaluation_day
    if day is None:
        return None
    entity = site.entity
    rows = [summary_row("Ensemble du PST", entity.actions())]
    for volet in entity.volets:
        rows.append({**summary_row(f"Volet {volet.key}", volet.actions(), href(volet_path(volet.key))), "level": "volet"})
        rows += [{**summary_row(f"OS\u00a0{os.number}\u00a0: {os.title}", list(os.actions()),
                                href(os_path(volet.key, os.number))), "level": "os"} for os in volet.objectives]
    late = [site.action_link(a) for a in entity.actions() if ev.is_late(a.status, a.end, day)]
    summary = ev.summarize(entity.actions())
    return {"day": french.long_date(day), "chart": chart(entity.actions()), "rows": rows,
            "statuses": [*ev.STATUS_ORDER, ev.NO_STATUS], "late": late,
            "mean": french.percent(summary.mean) if summary.mean is not None else "–"}


def synergy_links(site: Site, action: Action) -> list[dict]:
    """The partner institutions' actions paired with this one (same « Code synergie »), linked to their page on
    the partner's site when it exists; the institutions named without a paired action too."""
    found = []
    for code in action.synergy_with:
        partner = site.partners.get(code)
        if partner is None:
            found.append({"partner": site.job.partner_names.get(code, code), "actions": [], "site": ""})
            continue
        theirs = synergy.partner_side(partner.get("synergies", ()), site.entity.code).paired_with(action.synergy_code)
        found.append({"partner": partner["name"], "site": partner["root"],
                      "actions": [{"number": other.number, "title": other.title, "volet": other.volet.lower(),
                                   "href": partner["root"] + href(action_path(other.reference))
                                   if partner["root"] and other.reference else ""} for other in theirs]})
    return found


def action_page(site: Site, action: Action, volet, os, oo, steps: list) -> dict:
    presented = action_context(action, site.presentation)
    budget = public.budget_public(site.entity) and bool(action.budget)
    return {
        "action": {"number": action.number, "title": action.title, "reference": action.reference,
                   "volet": volet.name, "status": action.status or "", "health": action.health or "",
                   "progress": french.percent(action.progress) if action.progress is not None else "",
                   "fiche": presented["fiche"]},
        "volet": {"name": volet.name, "href": href(volet_path(volet.key))},
        "os": {"number": os.number, "title": os.title, "href": href(os_path(volet.key, os.number))},
        "oo": {"code": oo.code, "title": oo.title},
        "budget": [budget_line_context(line) for line in action.budget] if budget else [],
        "budget_totals": budget_totals(action.budget) if budget else [],
        "synergies": synergy_links(site, action),
        "history": [{**event, "day": french.long_date(event["day"])}
                    for event in history.action_history(action.reference, steps)],
    }


def oo_context(site: Site, oo) -> dict:
    return {"code": oo.code, "title": oo.title,
            "indicators": indicator_texts(oo.result_indicators, oo.result_targets, oo.result_reached),
            "actions": [site.action_link(a) for a in oo.actions]}


def grouped(site: Site, groups: list[tuple[str, list[Action]]]) -> list[dict]:
    return [{"name": name, "id": slug(c.fold(name)), "actions": [site.action_link(a) for a in actions]}
            for name, actions in groups if actions]


def volets_actions(volets) -> list[Action]:
    return [a for volet in volets for a in volet.actions()]


def lists(site: Site) -> dict[str, list[dict]]:
    entity = site.entity
    by_service: dict[str, list[Action]] = {}
    for action in entity.actions():
        by_service.setdefault(action.managing_service or NO_SERVICE, []).append(action)
    services = sorted(by_service.items(), key=lambda item: (item[0] == NO_SERVICE, c.fold(item[0])))
    statuses = [(status, [a for a in entity.actions() if status_of(a) == status])
                for status in (*ev.STATUS_ORDER, ev.NO_STATUS)]
    return {"services": grouped(site, services),
            "plans": grouped(site, [(name, volets_actions(volets)) for name, volets in plans_named(entity)]),
            "odd": grouped(site, [(sdg_label(str(n)), volets_actions(volets)) for n, volets in sdgs_named(entity)]),
            "statuts": grouped(site, statuses)}


def common_actions(site: Site) -> list[dict]:
    """Each partner institution of DATA with the pairs of actions carried out together (same « Code synergie »
    on both sides): the « Actions communes »."""
    found = []
    for code, partner in site.partners.items():
        side = synergy.partner_side(partner.get("synergies", ()), site.entity.code)
        pairs = []
        for action in site.entity.actions():
            if code in action.synergy_with and (theirs := side.paired_with(action.synergy_code)):
                pairs.append({"code": action.synergy_code, "own": site.action_link(action),
                              "theirs": [{"number": o.number, "title": o.title, "volet": o.volet.lower(),
                                          "href": partner["root"] + href(action_path(o.reference))
                                          if partner["root"] and o.reference else ""} for o in theirs]})
        if pairs:
            found.append({"name": partner["name"], "site": partner["root"], "pairs": pairs,
                          "joint": site.entity.joint_with and c.fold(site.entity.joint_with) == c.fold(code)})
    return found


def change_context(change, pages: dict[str, str]) -> dict:
    """One change of a version; `href`: the page of its action when the action is still in the PST."""
    page = pages.get(c.code_key(change.reference), "") if change.reference else ""
    return {"kind": change.kind.replace("-", "_"), "volet": change.volet.lower(), "number": change.number,
            "title": change.title, "before": change.before, "after": change.after, "href": href(page) if page else ""}


def step_path(step) -> str:
    return (f"modifications/version-{step.number}.html" if step.number != history.PENDING
            else "modifications/en-cours.html")


def steps_context(site: Site, steps: list) -> list[dict]:
    pages = {c.code_key(action.reference): site.pages[id(action)] for action in site.entity.actions()
             if action.reference}
    return [{"number": step.number, "pending": step.number == history.PENDING, "first": step.first,
             "day": french.long_date(step.day), "iso": step.day.isoformat(), "href": href(step_path(step)),
             "count": len(step.changes), "changes": [change_context(change, pages) for change in step.changes],
             "kinds": sorted({change.kind.replace("-", "_") for change in step.changes})}
            for step in steps]


def feed_context(site: Site, steps: list[dict]) -> dict:
    """The Atom feed's ids are stable: the same version (or the same pending changes, the same evaluation) keeps
    its id from one build to the next."""
    entity = site.entity
    base = f"pst:{entity.code}:{entity.legislature}"

    def urn(*parts) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, ':'.join([base, *map(str, parts)]))}"

    entries = []
    for step in steps:
        key = hashlib.sha256(repr(step["changes"]).encode("utf-8", "replace")).hexdigest()[:16] if step["pending"] \
            else step["number"]
        entries.append({**step, "id": urn("version", key), "updated": f"{step['iso']}T00:00:00Z"})
    if site.evaluation_day:
        summary = ev.summarize(entity.actions())
        entries.append({"evaluation": True, "id": urn("avancement", site.evaluation_day.isoformat(),
                                                      summary.statuses, summary.mean),
                        "updated": f"{site.evaluation_day.isoformat()}T00:00:00Z",
                        "day": french.long_date(site.evaluation_day),
                        "words": chart(entity.actions())["words"]})
    entries.sort(key=lambda entry: entry["updated"], reverse=True)
    return {"id": urn("flux"), "updated": entries[0]["updated"] if entries else f"{site.job.today.isoformat()}T00:00:00Z",
            "entries": entries}


# --- Rendering ---------------------------------------------------------------------------------------------------
def cleaned(value):
    """Every text a page shows, without the characters no output may hold (clean.removed)."""
    if isinstance(value, Markup):
        return Markup(removed(str(value)))
    return removed(value) if isinstance(value, str) else value


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(SITE_TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      finalize=cleaned, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update({"the": french.the, "of": french.of, "initial": french.initial, "plural": french.plural,
                        "agree": french.agree})
    return env


def pages(site: Site) -> list[tuple[str, str, dict]]:
    """(path, template, context) of every page."""
    entity = site.entity
    steps = history.steps(site.job)
    found = []
    for volet in entity.volets:
        found.append((volet_path(volet.key), "volet.html", {
            "volet": {"name": volet.name, "key": volet.key, "counts": {"os": len(volet.objectives),
                                                                       "oo": len(volet.operational()),
                                                                       "actions": len(volet.actions())},
                      "objectives": [{"number": os.number, "title": os.title, "href": href(os_path(volet.key, os.number)),
                                      "oo": [{"code": oo.code, "title": oo.title, "count": len(oo.actions)}
                                             for oo in os.objectives],
                                      "count": len(list(os.actions()))} for os in volet.objectives]}}))
        for os in volet.objectives:
            found.append((os_path(volet.key, os.number), "os.html", {
                "volet": {"name": volet.name, "href": href(volet_path(volet.key))},
                "os": {"number": os.number, "title": os.title, "observations": split(os.observations),
                       "ambitions": split(os.ambitions), "objectives": [oo_context(site, oo) for oo in os.objectives]}}))
            for oo in os.objectives:
                for action in oo.actions:
                    found.append((site.pages[id(action)], "action.html", action_page(site, action, volet, os, oo, steps)))
    lists_ = lists(site)
    for name in ("services", "plans", "odd", "statuts"):
        found.append((f"{name}.html", "liste.html", {"kind": name, "groups": lists_[name]}))
    found.append(("listes.html", "listes.html", {"lists": {name: len(groups) for name, groups in lists_.items()}}))
    steps_ = steps_context(site, steps)
    for step in steps_:
        if not step["first"]:
            found.append((step_path_of(step), "modifications.html", {"step": step}))
    common = common_actions(site)
    named = {c.fold(code) for code in (*synergy.partners(entity), entity.joint_with) if code}
    if common:
        found.append(("actions-communes.html", "communes.html", {"partners": common}))
    found.append(("accessibilite.html", "accessibilite.html", {"contact": public.accessibility_contact(entity)}))
    found.append(("recherche.html", "recherche.html", {}))
    found.append(("index.html", "index.html", {
        "version": version_context(site.job), "counts": counts(entity),
        "volets": [{"name": v.name, "href": href(volet_path(v.key)), "count": len(v.actions())} for v in entity.volets],
        "progress": progress_context(site), "steps": steps_, "common": bool(common),
        "partners": [{"name": partner["name"], "href": partner["root"] + "index.html",
                      "joint": c.fold(code) == c.fold(entity.joint_with or "")}
                     for code, partner in site.partners.items() if partner["root"] and c.fold(code) in named]}))
    return found


def open_data(paths: list[Path]) -> list[dict]:
    """The open data's files as the home page lists them: each table (by the name of its files, « actions ») with
    its CSV and JSON files, then the description of the package (« datapackage »)."""
    found: dict[str, dict] = {}
    for path in paths:
        found.setdefault(path.stem, {"name": path.stem})[path.suffix.lstrip(".")] = {
            "href": href(path.as_posix()), "file": path.name}
    return list(found.values())


def step_path_of(step: dict) -> str:
    return "modifications/en-cours.html" if step["pending"] else f"modifications/version-{step['number']}.html"


def split(text: str) -> list[str]:
    from ..normalize import split_lines

    return split_lines(text)


def write_site(job, folder: Path, build: Path | None = None) -> list[Path]:
    """The whole site into `folder` (created; emptied first): pages, feed, assets, open data, search index."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    site = prepare(job, build)
    env = environment()
    data = [path.relative_to(folder) for path in public.write_open_data(job, folder)]
    shared = {"entity": entity_context(site.entity), "updated": site.updated, "csp": CSP,
              "data": open_data(data),
              "licence": public.licence(site.entity),
              "volets_nav": [{"name": v.name, "href": href(volet_path(v.key))} for v in site.entity.volets]}
    written = []
    all_pages = pages(site)
    steps = next(context["steps"] for path, _, context in all_pages if path == "index.html")
    for path, template, context in all_pages:
        root = "../" * path.count("/")
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        html = env.get_template(template).render({**shared, **context, "root": root, "path": path,
                                                  "indexed": template in ("action.html", "os.html", "volet.html")})
        target.write_text(html, encoding="utf-8", newline="\n")
        written.append(target)
    feed = env.get_template("nouveautes.xml").render({**shared, **feed_context(site, steps)})
    (folder / "nouveautes.xml").write_text(feed, encoding="utf-8", newline="\n")
    (folder / "assets").mkdir(exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(SITE_TEMPLATES / "assets" / name, folder / "assets" / name)
    search.index(folder)
    return written
