"""French typography for text written in workbooks: non-breaking spaces where French wants them.

Texts are written in the source with ordinary spaces (readable, diffable); `french` puts a non-breaking space
before « : ; ! ? » and inside « », so that Excel never wraps a line before a colon or after an opening guillemet.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"


def french(text: str) -> str:
    text = re.sub(r"[ \u00a0]+([:;!?»])", NBSP + r"\1", text)
    return re.sub(r"«[ \u00a0]+", "«" + NBSP, text)


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters: cut at the last space before the limit when there is one nearby, and
    ended with « … »."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"
