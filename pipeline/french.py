"""French as the documents, the workbooks and the console write it: one helper for each way of wording.

Agreement in number (« 0 action », « 2 actions »), dates (« 1er avril 2025 »), numbers and amounts the Belgian
way (« 1 234 567,89 € », « 42,5 % »), lists (« A, B et C »), typography (non-breaking spaces before « : ; ! ? »
and inside « »), and texts cut with « … ». Every stage words its French through these.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre")


# --- Words -----------------------------------------------------------------------------------------------------
def agree(n: int, singular: str, plural_form: str) -> str:
    """The word agreeing with `n`: French puts 0 and 1 in the singular."""
    return singular if abs(int(n)) < 2 else plural_form


def plural(n: int, singular: str, plural_form: str) -> str:
    """« 0 action », « 1 action », « 2 actions »."""
    return f"{n} {agree(n, singular, plural_form)}"


def feminine(n: int, qualifier: str) -> str:
    """A qualifier (a status) agreeing with `n` things of a feminine noun (« actions »): its last word, a past
    participle, takes the feminine and the number — « terminée », « terminées », « non renseignées »; a locution
    (« en cours », « à démarrer ») does not change. Written in lower case, as inside a sentence."""
    words = qualifier.lower().split(" ")
    last = words[-1]
    if last.endswith("é"):
        last += "e"
    if last.endswith("ée") and abs(int(n)) >= 2:
        last += "s"
    return " ".join([*words[:-1], last])


def counted(n: int, qualifier: str) -> str:
    """« 46 terminées », « 1 terminée », « 51 en cours »: `n` actions of a status (feminine)."""
    return f"{n} {feminine(n, qualifier)}"


def apostrophes(text: str) -> str:
    """The typographic apostrophe for the typewriter one: « Taux d'avancement » → « Taux d’avancement »."""
    return text.replace("'", "’")


def join(items, last: str = "et") -> str:
    """["A", "B", "C"] → « A, B et C »."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


# --- Dates ----------------------------------------------------------------------------------------------------
def long_date(day) -> str:
    """A date (or a PartialDate, as precise as typed): « 1er avril 2025 », « 31 mars 2025 », « mars 2025 »,
    « 2025 »."""
    if getattr(day, "day", None):
        return f"{'1er' if day.day == 1 else day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    if getattr(day, "month", None):
        return f"{MONTH_NAMES[day.month - 1]} {day.year}"
    return str(day.year)


def unbroken_date(day) -> str:
    """long_date with non-breaking spaces: « 15 mars 2019 » never leaves its year alone at the end of a line."""
    return long_date(day).replace(" ", NBSP)


def short_date(day: dt.date) -> str:
    """« 02/12/2026 »."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


# --- Numbers --------------------------------------------------------------------------------------------------
def whole(number: int) -> str:
    """9999 → « 9 999 » (non-breaking space between thousands)."""
    return f"{number:,}".replace(",", NBSP)


def decimal(number: float, digits: int = 1) -> str:
    """0.5 → « 0,5 », 42.0 → « 42 », 46.25 → « 46,3 » (a half rounded up, as Excel does)."""
    rounded = Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def percent(value: float | None) -> str:
    """42.5 → « 42,5 % »; None → ""."""
    return "" if value is None else decimal(value) + NBSP + "%"


def amount(value: float | None) -> str:
    """1234567.891 → « 1 234 567,89 € » (non-breaking spaces), the Belgian way; None → ""."""
    if value is None:
        return ""
    whole_part, cents = f"{abs(value):,.2f}".split(".")
    sign = "-" if value < 0 else ""
    return sign + whole_part.replace(",", NBSP) + "," + cents + NBSP + "€"


def seconds(value: float, digits: int = 1) -> str:
    """« 1,2 s » (`digits`: 2, « 0,42 s »)."""
    return f"{value:.{digits}f}".replace(".", ",") + NBSP + "s"


# --- Institutions in a sentence ----------------------------------------------------------------------------------
FEMININE = {"commune", "ville", "administration"}
MASCULINE = {"cpas", "centre"}
VOWELS = "aàâeéèêiîoôuûyhAÀÂEÉÈÊIÎOÔUÛYH"
OWN_ARTICLE = {"le ": "du ", "les ": "des "}
"""Names that begin with an article « de » contracts with (Le Rœulx, Les Bons Villers; La Louvière keeps it)."""


def the(name: str) -> str:
    """An institution's name with its article: « la Commune d'Engis », « le CPAS d'Engis », « l’Administration
    communale d'Amay »; a name without a common noun as it is (« Engis », « La Louvière »)."""
    words = name.split()
    first = words[0].lower().replace(".", "") if words else ""
    if first not in FEMININE | MASCULINE:
        return name
    if name[0] in VOWELS and first != "cpas":
        return f"l’{name}"
    return ("la " if first in FEMININE else "le ") + name


def of(name: str) -> str:
    """« de la Commune d'Engis », « du CPAS d'Engis », « d’Engis », « du Rœulx », « des Bons Villers »."""
    if not name:
        return name
    with_article = the(name)
    if with_article.startswith("le "):
        return "du " + with_article[3:]
    if with_article != name:
        return "de " + with_article
    for article, joined in OWN_ARTICLE.items():
        if name.lower().startswith(article):
            return joined + name[len(article):]
    return f"d’{name}" if name[0] in VOWELS else f"de {name}"


def initial(text: str) -> str:
    """The first letter upper-case, the rest as it is (« la Commune » → « La Commune »; Jinja's capitalize would
    lower the rest)."""
    return text[:1].upper() + text[1:]


# --- Typography -----------------------------------------------------------------------------------------------
def typography(text: str) -> str:
    """Non-breaking spaces where French wants them (before « : ; ! ? », inside « »), so that no line breaks
    before a colon or after an opening guillemet. Text is written in the source with ordinary spaces."""
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
