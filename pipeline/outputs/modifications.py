"""The modifications of an actualised PST: what changed since the version the conseil took note of (actions added,
withdrawn, moved to another OO, renamed, whose status changed; objectives added, removed, renamed) — the document
the conseil receives with the actualised PST. Written once a version is adopted and something changed."""

from __future__ import annotations

from .. import french
from .base import Job, Output, safe_name, word
from .context import entity_context, modifications_context, version_context

TEMPLATE = "modifications.docx"


def context(job: Job, part: int = 0) -> dict:
    return {"entity": entity_context(job.entity), "built_on": french.long_date(job.today),
            "provisional": job.provisional or {}, "version": version_context(job),
            "modifications": modifications_context(job.modifications)}


OUTPUT = Output(
    name="modifications",
    stem=lambda job: f"Modifications_{safe_name(job.entity.code)}_{job.today.isoformat()}",
    write=word(__name__),
    labels=("Modifications", "Modifications PROVISOIRES"),
    publish=True,
    applies=lambda job: bool(job.modifications is not None and job.modifications.changes),
)
