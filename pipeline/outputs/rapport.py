"""The rapport d'exécution: the PST evaluated at mid-term or at the end of the legislature (CDLD L1123-27; loi
organique des CPAS art. 27ter) — counts per status and santé, mean progress, charts, points d'attention, each
objective with its actions and indicators, the bilan des synergies, the modifications since the adopted version,
an annex per service. Written when an evaluation is asked for (make rapport); published by make pdf.

Every figure comes from pipeline/evaluation.py, the synergies' pairs from pipeline/synergy.py; the prose
(introduction, method, conclusions) is in the Word template, which the comité de direction edits.
"""

from __future__ import annotations

from .. import contract as c
from .. import evaluation as ev
from .. import french
from .. import synergy
from ..findings import phrase
from ..model import Action, Entity
from ..normalize import indicator_lines, split_lines
from .base import Job, Output, safe_name, word
from .context import entity_context, modifications_context, type_from_code, version_context

TEMPLATE = "rapport_execution.docx"
NO_SERVICE = phrase("no-service")
BACKGROUNDS = {"pst": "BDD7EE", "volet": "DCE6F1"}
OTHER_HEALTH = phrase("other-health")
"""How the report names the santé neither Bon, Risque nor Blocage (empty, or typed otherwise)."""
"""The background of a synthesis table's line, by level (docxtpl's cellbg)."""


def row(label: str, summary: ev.Summary, level: str = "") -> dict:
    """One line of the synthesis tables: the counts per status and per santé, and the mean progress."""
    return {"label": label, "level": level, "bg": BACKGROUNDS.get(level, "FFFFFF"), "count": summary.count,
            "s": [summary.statuses.get(status, 0) for status in ev.STATUS_ORDER],
            "h": [summary.health.get(health, 0) for health in (*ev.HEALTH_ORDER, ev.NO_HEALTH)],
            "no_status": summary.statuses.get(ev.NO_STATUS, 0),
            "mean": french.percent(summary.mean) if summary.mean is not None else "–"}


def os_label(os) -> str:
    return f"OS{french.NBSP}{os.number} {os.volet.lower()}"


def progress_text(action: Action) -> str:
    value = ev.progress(action.status, action.progress)
    return french.percent(value) + ("" if action.progress is not None else "*")


def indicators(text: str, targets: str, reached: str) -> list[dict]:
    return [{"name": name, "target": target, "reached": got}
            for name, target, got in indicator_lines(text, targets, reached)]


def action_row(action: Action, day) -> dict:
    return {"number": action.number, "title": action.title, "volet": action.volet.lower(),
            "service": action.managing_service or "", "status": action.status or ev.NO_STATUS,
            "progress": progress_text(action), "health": action.health or "",
            "end": action.end.french() if action.end else "", "late": ev.is_late(action.status, action.end, day),
            "comment": split_lines(action.comment),
            "indicators": indicators(action.output_indicator, action.output_target, action.output_reached)}


def objectives(entity: Entity, day) -> list[dict]:
    return [{"key": volet.key, "name": volet.name, "row": row(f"Volet {volet.key}", ev.summarize(volet.actions())),
             "objectives": [{"number": os.number, "title": os.title,
                             "row": row(os_label(os), ev.summarize(list(os.actions()))),
                             "objectives": [{"code": oo.code, "title": oo.title,
                                             "count": len(oo.actions),
                                             "mean": row("", ev.summarize(oo.actions))["mean"],
                                             "indicators": indicators(oo.result_indicators, oo.result_targets,
                                                                      oo.result_reached),
                                             "actions": [action_row(a, day) for a in oo.actions]}
                                            for oo in os.objectives]}
                            for os in volet.objectives]}
            for volet in entity.volets]


def overview(entity: Entity) -> list[dict]:
    """The PST, each volet and each OS: the synthesis table's lines."""
    lines = [row("Ensemble du PST", ev.summarize(entity.actions()), "pst")]
    for volet in entity.volets:
        lines.append(row(f"Volet {volet.key}", ev.summarize(volet.actions()), "volet"))
        lines += [row(f"OS{french.NBSP}{os.number}{french.NBSP}: {os.title}", ev.summarize(list(os.actions())), "os")
                  for os in volet.objectives]
    return lines


def attention(entity: Entity, day) -> list[dict]:
    found = []
    for action in entity.actions():
        reasons = ev.attention_reasons(action, day)
        if reasons:
            found.append({**action_row(action, day), "reasons": french.join(reasons).capitalize()})
    return found


def synergies(job: Job, day) -> list[dict]:
    """For each partner institution, the actions carried out with it; when the partner is built alongside, the
    partner's actions paired by « Code synergie », and the pairs whose sides disagree."""
    entity: Entity = job.entity
    sections = []
    for code in synergy.partners(entity):
        partner = job.partners.get(code)
        theirs = synergy.partner_side((partner or {}).get("synergies", ()), entity.code)
        lines = []
        for action in (a for a in entity.actions() if code in a.synergy_with):
            others = theirs.paired_with(action.synergy_code)
            reasons = synergy.disagreements([action], others)
            lines.append({**action_row(action, day), "synergy_code": action.synergy_code,
                          "partner": [{"number": o.number, "title": o.title, "volet": o.volet.lower(),
                                       "status": o.status or ev.NO_STATUS,
                                       "progress": french.percent(o.progress)} for o in others],
                          "disagree": bool(reasons), "why": "; ".join(reasons)})
        summary = ev.summarize([a for a in entity.actions() if code in a.synergy_with])
        sections.append({"code": code, "partner": job.partner_names.get(code, code),
                         "partner_type": job.partner_types.get(code, "") or type_from_code(code),
                         "built": partner is not None, "count": len(lines), "row": row("", summary),
                         "paired": sum(1 for line in lines if line["partner"]),
                         "lines": lines, "disagreements": [line for line in lines if line["disagree"]]})
    return sections


def services(entity: Entity, day) -> list[dict]:
    by_service: dict[str, list[Action]] = {}
    for action in entity.actions():
        by_service.setdefault(action.managing_service or NO_SERVICE, []).append(action)
    ordered = sorted(by_service, key=lambda name: (name == NO_SERVICE, c.fold(name)))
    return [{"name": name, "row": row(name, ev.summarize(by_service[name])),
             "actions": [action_row(a, day) for a in by_service[name]]} for name in ordered]


def status_words(counts: dict[str, int]) -> str:
    """« 3 terminées, 2 en cours et 1 à démarrer »: the statuses present, for a sentence or an alt text."""
    return french.join(phrase(f"status-{status}", n=n) for status, n in counts.items() if n)


def charts(entity: Entity, baseline: dict | None, day: str) -> dict:
    """The synthesis' charts (`day`: the evaluation date, in French)."""
    from .. import charts as draw  # matplotlib: only when a report is drawn

    if not entity.actions():
        return {}  # nothing to draw (a provisional report whose every action was rejected)
    strategic = [os for volet in entity.volets for os in volet.objectives]
    labels = [os_label(os) for os in strategic]
    summaries = [ev.summarize(list(os.actions())) for os in strategic]
    measured = [(label, s) for label, s in zip(labels, summaries) if s.count]  # a mean needs actions
    statuses = {status: [s.statuses.get(status, 0) for s in summaries] for status in (*ev.STATUS_ORDER, ev.NO_STATUS)}
    whole = ev.summarize(entity.actions())
    count, none = phrase("chart-axis-count"), phrase("chart-no-action")
    found = {
        "statuses": draw.stacked(
            labels, statuses, title=phrase("chart-statuses-title"), axis_label=count,
            alt=phrase("chart-statuses", details="; ".join(f"{label} : {status_words(s.statuses) or none}"
                                                           for label, s in zip(labels, summaries)))),
    }
    if measured:
        found["progress"] = draw.bars(
            [label for label, _ in measured], [s.mean for _, s in measured],
            title=phrase("chart-progress-title"), axis_label=phrase("chart-axis-progress"),
            alt=phrase("chart-progress", mean=french.percent(whole.mean or 0),
                       details="; ".join(f"{label} : {french.percent(s.mean)}" for label, s in measured)))
    names = [*ev.HEALTH_ORDER, ev.NO_HEALTH]
    labels = [*ev.HEALTH_ORDER, OTHER_HEALTH]
    found["health"] = draw.bars(
        labels, [whole.health.get(name, 0) for name in names], percent=False, styles=names,
        title=phrase("chart-health-title"), axis_label=count,
        alt=phrase("chart-health", details="; ".join(f"{label} : {whole.health.get(name, 0)}"
                                                     for label, name in zip(labels, names))))
    if baseline:
        before: ev.Summary = baseline["summary"]
        shown = [s for s in (*ev.STATUS_ORDER, ev.NO_STATUS) if before.statuses.get(s) or whole.statuses.get(s)]
        seance = french.long_date(baseline["seance"])
        found["evolution"] = draw.compared(
            shown, [before.statuses.get(s, 0) for s in shown], [whole.statuses.get(s, 0) for s in shown],
            (phrase("chart-evolution-before", seance=seance), phrase("chart-evolution-now", day=day)),
            title=phrase("chart-evolution-title"), axis_label=count,
            alt=phrase("chart-evolution", seance=seance, before=status_words(before.statuses) or none,
                       now=status_words(whole.statuses) or none))
    return found


def attention_counts(found: list[dict]) -> dict:
    counts = {"blocked": sum(a["health"] == c.HEALTH_BLOCKED for a in found),
              "risk": sum(a["health"] == c.HEALTH_RISK for a in found), "late": sum(a["late"] for a in found)}
    return {**counts, "sentence": french.join(phrase(f"attention-{key}", n=n) for key, n in counts.items() if n)}


def context(job: Job, part: int = 0) -> dict:
    entity: Entity = job.entity
    day = job.evaluation.day
    whole = ev.summarize(entity.actions())
    baseline = job.baseline
    found = attention(entity, day)
    final = job.evaluation.final(entity.legislature)
    return {
        "provisional": job.provisional or {},
        "entity": entity_context(entity),
        "built_on": french.long_date(job.today),
        "version": version_context(job),
        "evaluation": {"date": french.long_date(day), "final": final,
                       "stage": phrase("evaluation-stage", final=final)},
        "total": row("Ensemble du PST", whole, "pst"),
        "statuses_sentence": status_words(whole.statuses),
        "untyped": whole.count - whole.typed,
        "overview": overview(entity),
        "health": [row(f"Volet {volet.key}", ev.summarize(volet.actions()), "volet") for volet in entity.volets]
        + [row("Ensemble du PST", whole, "pst")],
        "charts": charts(entity, baseline, french.long_date(day)),
        "attention": found,
        "attention_counts": attention_counts(found),
        "volets": objectives(entity, day),
        "synergies": synergies(job, day),
        "baseline": {"number": baseline["number"], "seance": french.long_date(baseline["seance"]),
                     "mean": french.percent(baseline["summary"].mean or 0),
                     "count": baseline["summary"].count} if baseline else {},
        "modifications": modifications_context(job.modifications),
        "services": services(entity, day),
    }


OUTPUT = Output(
    name="rapport",
    stem=lambda job: f"Rapport_execution_{safe_name(job.entity.code)}_{job.evaluation.day.isoformat()}",
    write=word(__name__),
    labels=("Rapport d’exécution", "Rapport d’exécution PROVISOIRE"),
    publish=True,
    applies=lambda job: job.evaluation is not None,
)
