"""Normalize: raw cell text → clean values (trimmed text, volets, codes, percentages, dates).

The converters are small pure functions with an explicit policy for bad input: each returns `(value, problem)`,
where `problem` is None, a warning that still yields a value, or an error (value None). `normalize_table` applies
them column by column and turns problems into findings pointing at the cell; the raw text stays in the load
table, so messages can quote what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from . import contract as c
from .clean import FORBIDDEN, removed
from .findings import Finding, Problem, finding
from .load import Table, rows
from . import french
from .french import MONTH_NAMES


Parsed = tuple[object, Problem | None]

# --- Text ----------------------------------------------------------------------------------------------------
# The characters no output may hold (clean.FORBIDDEN: XML 1.0's, and DEL) are removed from what is read, with a
# warning. The vertical tab is what old Excel files store for Alt+Entrée, a form feed a page break inside a cell,
# NEL (U+0085) a line break of old systems: they become a line break first. Invisible format characters (zero-width space, byte order mark, direction marks)
# at the start or end of a line are trimmed like spaces: « 1.1 » pasted with one is « 1.1 », and a cell holding
# nothing else is empty.
INVISIBLE = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
EDGES = re.compile(f"^[\\s{INVISIBLE}]+|[\\s{INVISIBLE}]+$")
SPACES = re.compile("[\t\u00a0][ \t\u00a0]*| [ \t\u00a0]+")
"""Runs of spaces, tabs and no-break spaces that are not already one plain space."""
WHITESPACE = ("\t\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
              "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""What `\\s` matches but the line feed (a test compares them)."""
TRIMMED = WHITESPACE + "\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064" \
                       "\u2066\u2067\u2068\u2069\ufeff"
"""The characters EDGES trims from a line, for str.strip (one C call, where a regular expression is a pass of the
engine per line)."""


def clean_text(raw: str) -> Parsed:
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n").replace("\x85", "\n")
    cleaned = removed(text)
    problem = Problem("caracteres-retires") if cleaned != text else None
    lines = [line.strip(TRIMMED) for line in SPACES.sub(" ", cleaned).split("\n")]
    return "\n".join(lines).strip("\n "), problem


@dataclass(frozen=True)
class Person:
    """Someone named in the workbooks (« Mandataire responsable », « Responsable administratif »), as the frame's
    `Listes` describes them (contract 1.2)."""

    name: str
    civility: str
    last_name: str
    first_name: str = ""
    phone: str = ""
    email: str = ""


def people_of(table) -> tuple[dict[str, Person], list[Finding]]:
    """The people of the `Listes` sheet, by their name as typed (folded); a row that cannot name a person in the
    e-Comptes export (no civilité, no nom) is a warning and is left out, a value longer than e-Comptes accepts is
    a warning and left empty."""
    if table is None or "person" not in table.frame.columns:
        return {}, []
    people: dict[str, Person] = {}
    findings = []
    for _, raw in table.frame.iterrows():
        values = {key: clean_text(raw.get(key, ""))[0] for key in c.PERSON_KEYS}
        if not any(values.values()):
            continue
        name = values["person"] or " ".join(v for v in (values["first_name"], values["last_name"]) if v)
        civility = c.CIVILITIES.canonical(values["civility"]) if values["civility"] else None
        if civility is None or not values["last_name"]:
            missing = "civility" if civility is None else "last_name"
            findings.append(finding("personne-incomplete", **table.cell(raw, missing), value=values[missing],
                                    person=name, missing=missing))
            continue
        values["phone"] = re.sub(r"[\s./]", "", values["phone"])
        for key, limit in c.PERSON_LIMITS.items():
            if len(values[key]) > limit:
                findings.append(finding("personne-valeur-trop-longue", **table.cell(raw, key), value=values[key],
                                        person=name, maximum=limit))
                values[key] = ""
        people.setdefault(c.fold(name), Person(name, civility, values["last_name"], values["first_name"],
                                               values["phone"], values["email"]))
    return people, findings


def list_values(table) -> tuple[dict[str, tuple[str, ...]], list[Finding]]:
    """The frame's `Listes` sheet as lists: each column's non-empty values, top to bottom, without repeats — at
    most as many as the contract allows (a longer list is another list pasted there: it is cut, with a
    warning)."""
    if table is None:
        return {}, []
    lists, findings = {}, []
    for column in table.contract.columns:
        if column.key in c.PERSON_KEYS:
            continue  # read row by row (people_of)
        seen, values = set(), []
        limit = c.LIST_LIMITS.get(column.key, c.MAX_LIST_VALUES)
        for index, raw in table.frame[column.key].items():
            value = clean_text(raw)[0]
            if value and c.fold(value) not in seen:
                if len(values) == limit:
                    count = len({c.fold(clean_text(v)[0]) for v in table.frame[column.key] if clean_text(v)[0]})
                    findings.append(finding("liste-trop-longue", **table.cell(table.frame.loc[index], column.key),
                                            count=count, maximum=limit))
                    break
                seen.add(c.fold(value))
                values.append(value)
        if values:
            lists[column.key] = tuple(values)
    return lists, findings


BULLET = re.compile(r"^\s*(?:[-–—•·*▪►➔✓]|\d+[.)])\s+")


NEEDS_CLEANING = re.compile(f"[\r\n\t\u00a0{INVISIBLE}]|  |{FORBIDDEN.pattern}")


def clean_column(raw: pd.Series) -> tuple[pd.Series, list]:
    """clean_values on a column: the column cleaned, and the indexes where characters were removed."""
    cleaned, removals = clean_values(raw.tolist())
    return (pd.Series(cleaned, index=raw.index, dtype=raw.dtype, name=raw.name),
            [raw.index[position] for position in removals])


def clean_values(values: list) -> tuple[list, list[int]]:
    """clean_text on a column's cells: most only need trimming, the few holding line breaks, tabs, double spaces
    or control characters get the whole treatment. Returns the cells and the positions where characters were
    removed. The cells are gone through as a list: pandas' string methods cost as much per cell, and more per
    call."""
    cleaned = [text.strip() if isinstance(text, str) else text for text in values]
    removals = []
    for position, text in enumerate(values):
        if isinstance(text, str) and NEEDS_CLEANING.search(text):
            cleaned[position], problem = clean_text(text)
            if problem is not None:
                removals.append(position)
    return cleaned, removals


def split_lines(text: str) -> list[str]:
    """A multi-line cell as a list of items, without the bullets people type ("- ", "• ", "1. ")."""
    return [BULLET.sub("", line).strip() for line in str(text).split("\n") if line.strip()]


NO_VALUE = ("-", "–", "—", "/", "x")
"""A line typed to say « no value here », keeping the next values in front of their indicators (Excel drops the
line breaks at the start of a cell)."""


def aligned_lines(text: str) -> list[str]:
    """A multi-line cell as its lines in place — an empty line (or a dash) kept where it stands, so that a value
    matches the indicator on the same line —, without bullets or trailing empty lines."""
    lines = [BULLET.sub("", line).strip() for line in str(text or "").split("\n")]
    lines = ["" if line in NO_VALUE else line for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def indicator_lines(indicators: str, targets: str, reached: str) -> list[tuple[str, str, str]]:
    """(indicator, target, reached) for each line of the three cells (contract 1.2), matched line by line; a value
    beyond the last indicator is kept with an empty indicator."""
    columns = [aligned_lines(text) for text in (indicators, targets, reached)]
    count = max(len(lines) for lines in columns)
    rows = [tuple(lines[i] if i < len(lines) else "" for lines in columns) for i in range(count)]
    return [row for row in rows if any(row)]


# --- Codes and numbers ---------------------------------------------------------------------------------------
INTEGER = re.compile(r"^(\d+)(?:\.0+)?$")
MAX_DIGITS = 12
"""Digits converted to a number at most: a cell of 5,000 digits is never turned into an int (Python refuses
beyond 4,300, and a huge number must never size a computation)."""


def whole_number(digits: str) -> int | None:
    """The value of a run of digits ("0012" → 12); None when it has more than MAX_DIGITS significant digits or
    is not made of digits. Every number typed in a cell goes through here before any arithmetic."""
    significant = digits.lstrip("0") or "0"
    if not digits or len(significant) > MAX_DIGITS or not significant.isdecimal():
        return None
    return int(significant)


def bounded(number: int | None, maximum: int, what: str) -> Problem | None:
    """None when `number` is within what a PST can hold, else the finding's problem (« nombre-trop-grand »)."""
    if number is not None and number <= maximum:
        return None
    return Problem("nombre-trop-grand", {"what": what, "maximum": french.whole(maximum)})



def parse_os_number(raw: str) -> Parsed:
    """ "2", "2.0" (a number cell), "OS 2", "OS2" → 2; beyond MAX_NUMBER, refused."""
    text = re.sub(r"^\s*(?:o\.?\s*s\.?)\s*", "", raw.strip(), flags=re.IGNORECASE)
    if match := INTEGER.match(text):
        number = whole_number(match[1])
        if problem := bounded(number, c.MAX_NUMBER, "os"):
            return None, problem
        return number, None
    return None, Problem("os-illisible")


OO_LABEL = re.compile(r"^(?P<code>[^–—]*?\d+\s*[.,]\s*\d+)\s+[–—-]\s+\S", re.DOTALL)
"""An OO code followed by its title, as the services' dropdown offers it."""
OO_PATTERN = re.compile(
    r"^(?P<prefix>(?:o\.?\s*o\.?|00)\s*[:.\-]?\s*)?(?P<os>\d+)\s*(?P<sep>[.,])\s*(?P<rank>\d+)\.?$",
    re.IGNORECASE,
)


EXCEL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]00:00:00$")


def parse_oo_code(raw: str) -> Parsed:
    """ "2.4" → "2.4". Accepted with a warning: "OO2.4", "OO 2.4", "003.1" (OO typed as zeros), "2,4", and the
    date a French-locale Excel makes of "2.4" (2 April: day = OS, month = rank, so "1.10" survives as 1 October).

    Leading zeros are dropped ("02.4" → "2.4"). An OS number beyond MAX_NUMBER or a rank beyond MAX_RANK is
    refused, as is anything else.
    """
    text = raw.strip()
    if label := OO_LABEL.match(text):  # chosen in the dropdown: « 2.4 – Soutenir le commerce local »
        code, problem = parse_oo_code(label["code"])
        return code, problem if problem is None or code is None else Problem("oo-format-corrige", {"code": code})
    if date := EXCEL_DATE.match(text):
        code = f"{int(date[3])}.{int(date[2])}"
        return code, Problem("oo-date-excel", {"code": code, "date": f"{int(date[3])} "
                                               f"{MONTH_NAMES[int(date[2]) - 1]}"})
    match = OO_PATTERN.match(text)
    if not match:
        return None, Problem("oo-illisible")
    os_number, rank = whole_number(match["os"]), whole_number(match["rank"])
    if problem := (bounded(os_number, c.MAX_NUMBER, "oo-os")
                   or bounded(rank, c.MAX_RANK, "oo-rank")):
        return None, problem
    code = f"{os_number}.{rank}"
    if text == code:
        return code, None
    return code, Problem("oo-format-corrige", {"code": code})


def lost_zero_candidates(code: str, known: set[str]) -> list[str]:
    """The frame's codes a number cell showing `code` may have been typed as: 1.1 ← 1.1, 1.10, 1.100."""
    return [candidate for candidate in (code, code + "0", code + "00") if candidate in known]


def oo_parts(code: str) -> tuple[int, int]:
    os_number, rank = code.split(".")
    return int(os_number), int(rank)


ACTION_NUMBER_AS_TYPED = re.compile(r"^\d+(?:\s?(?:bis|ter|quater|[a-z]))?$|^\d+(?:\.\d+)+$", re.IGNORECASE)
DECORATED_NUMBER = re.compile(r"^(?:n°|no|nr|num(?:éro|ero)?|#|action|a)?\s*[.:°-]?\s*(\d+)\s*\.?$", re.IGNORECASE)
ACTION_NUMBER_MAX_LENGTH = 20
"""« 12bis », « 1.2.3 »: a longer « N° action » is not a number."""


def parse_action_number(raw: str) -> Parsed:
    """The official number as typed: "12", "3bis", "1.2.3". "12.0" (a number cell) is shown "12"; "12.",
    "A12", "n° 12" are read as 12 with a warning. A number (or a part of one) beyond MAX_NUMBER is refused, as is
    anything else."""
    text = raw.strip()
    if match := INTEGER.match(text):
        number = whole_number(match[1])
        if problem := bounded(number, c.MAX_NUMBER, "action"):
            return None, problem
        return str(number), None
    if len(text) <= ACTION_NUMBER_MAX_LENGTH and ACTION_NUMBER_AS_TYPED.match(text):
        if any(bounded(whole_number(part), c.MAX_NUMBER, "") for part in re.findall(r"\d+", text)):
            return None, bounded(None, c.MAX_NUMBER, "action")
        return text, None
    if match := DECORATED_NUMBER.match(text):
        number = whole_number(match[1])
        if problem := bounded(number, c.MAX_NUMBER, "action"):
            return None, problem
        return str(number), Problem("numero-action-corrige", {"number": str(number)})
    return None, Problem("numero-action-illisible")


def natural_key(text: str) -> tuple:
    """Sort "2" before "10" and "3bis" after "3". Runs of digits compare by value (length without leading zeros,
    then digits): a code of a thousand digits sorts like any other, without ever becoming a number."""
    key = []
    for part in re.findall(r"\d+|\D+", text):
        if part.isdigit():
            digits = part.lstrip("0") or "0"
            key.append((0, len(digits), digits, ""))
        else:
            key.append((1, 0, "", part.casefold()))
    return tuple(key)


def parse_codes(raw: str) -> Parsed:
    """Institution codes separated by ";" (also "," "/" or line breaks): "cpas ; Zone" → ("CPAS", "ZONE")."""
    parts = [canonical_code(p) for p in re.split(c.SYNERGY_SEPARATORS, raw)]
    return tuple(dict.fromkeys(p for p in parts if p)), None


def canonical_code(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).upper()


def parse_vocabulary(raw: str, vocabulary: c.Vocabulary, strict: bool = True) -> Parsed:
    """The canonical spelling of a listed value; an unlisted one is refused, or kept as typed with a warning."""
    value = vocabulary.canonical(raw)
    if value is not None:
        return value, None
    allowed = {"allowed": ", ".join(vocabulary.values)}
    if strict:
        return None, Problem("valeur-hors-liste", allowed)
    return raw.strip(), Problem("valeur-non-standard", allowed)


def parse_volet(raw: str) -> Parsed:
    value = c.VOLETS.canonical(raw)
    return (value, None) if value else (None, Problem("volet-inconnu"))


# --- Percentages ---------------------------------------------------------------------------------------------
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def parse_percent(raw: str, fractions: bool = False) -> Parsed:
    """A progress rate in percent. "50", "50 %", "50%" → 50; "0.5" or "0,5" (a cell formatted as %) → 50.

    Numbers strictly between 0 and 1 without a % sign are fractions. 1 is 100 % when the column holds fractions
    (`fractions`: a column formatted as % in Excel, where 100 % is stored as 1), else 1 %. Outside 0–100 %:
    refused.
    """
    number, has_sign = percent_number(raw)
    if number is None:
        return None, Problem("taux-illisible")
    if not has_sign and (0 < number < 1 or (fractions and number == 1)):
        number *= 100
    if not 0 <= number <= 100:
        return None, Problem("taux-hors-limites")
    return round(number, 1), None


def percent_number(raw: str) -> tuple[float | None, bool]:
    """The number typed in a percentage cell and whether it carried a % sign."""
    text = raw.strip().replace("\u00a0", " ")
    has_sign = text.endswith("%")
    number_text = text.rstrip("%").strip().replace(" ", "")
    if not NUMBER.match(number_text):
        return None, has_sign
    return float(number_text.replace(",", ".")), has_sign


def holds_fractions(raws: pd.Series, evidence_needed: bool = False) -> bool:
    """True when every plain number of a percentage column lies between 0 and 1: Excel's % format, or a service
    typing 0,25 for 25 %. `evidence_needed`: one of them must lie strictly between 0 and 1."""
    numbers = [n for n, sign in map(percent_number, raws) if n is not None and not sign]
    if not numbers or max(numbers) > 1:
        return False
    return not evidence_needed or any(0 < n < 1 for n in numbers)




# --- Dates ---------------------------------------------------------------------------------------------------
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as precise as the service typed it: a day, a month or only a year (« 2024 », « 12/2024 »)."""

    year: int
    month: int | None = None
    day: int | None = None

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day:
            return dt.date(self.year, self.month, self.day)
        if self.month:
            following = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def french(self) -> str:
        """One way to show a date in every document, as precise as typed: « 30 septembre 2022 », « septembre
        2022 », « 2022 »."""
        return french.long_date(self)

    def iso(self) -> str:
        """« 2024-12-31 », « 2024-12 » or « 2024 »: as precise as the service typed it (the state, the open data)."""
        return "-".join([f"{self.year:04d}", *(f"{n:02d}" for n in (self.month, self.day) if n)])


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _valid(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return PartialDate(year, month, day) if 1900 <= year <= 2200 else None


def parse_date(raw: str) -> Parsed:
    """Real date cells, "31/12/2024", "31-12-24", "2024-12-31", "12/2024", "décembre 2024", "2024", or an Excel
    serial number (45657). Day first, as in Belgium. Anything else is refused."""
    text = raw.strip().lower()
    result = None
    if m := re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", text):
        result = _valid(int(m[1]), int(m[2]), int(m[3]))
        if result and result.year < 1910 and result.day:
            # A year typed into a cell formatted as a date: Excel stores 2027 as the 2027th day after 1899-12-30
            # (19/07/1905). No PST action starts before 1910: the serial number is the year that was typed.
            serial = (dt.date(result.year, result.month, result.day) - EXCEL_EPOCH).days
            result = _valid(serial) if 1990 <= serial <= 2200 else result
    elif m := re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$", text):
        result = _valid(_full_year(m[3]), int(m[2]), int(m[1]))
    elif m := re.match(r"^(\d{1,2})[/.\-](\d{4})$", text):
        result = _valid(int(m[2]), int(m[1]))
    elif m := re.match(r"^(?:(\d{1,2})(?:er)?\s+)?([a-zéèûô]+)\.?\s+(\d{4})$", text):
        month = MONTHS.get(c.fold(m[2]))
        if month:
            result = _valid(int(m[3]), month, int(m[1]) if m[1] else None)
    elif re.match(r"^\d{4}$", text):
        result = _valid(int(text))
    elif re.match(r"^\d{5}(?:\.0+)?$", text):
        serial = int(float(text))
        day = EXCEL_EPOCH + dt.timedelta(days=serial)
        result = _valid(day.year, day.month, day.day)
    return (result, None) if result else (None, Problem("date-illisible"))


# --- Budget ---------------------------------------------------------------------------------------------------
THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(?:\.\d{3})+$")


def parse_amount(raw: str) -> Parsed:
    """Euros: "1 234 567,89 €", "1.234.567,89", "1234567.89" (a number cell), "12.500" (Belgian thousands)."""
    text = re.sub(r"[\s\u00a0\u202f€]|EUR|eur", "", raw.strip())
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else ""
    elif THOUSANDS_DOTS.match(text):
        text = text.replace(".", "")
    if not re.match(r"^-?\d+(?:\.\d+)?$", text):
        return None, Problem("montant-illisible")
    amount = float(text)  # a thousand digits give infinity, refused below: never an error
    if abs(amount) > c.MAX_AMOUNT:
        return None, Problem("nombre-trop-grand", {"what": "amount", "maximum": french.amount(c.MAX_AMOUNT)})
    return round(amount, 2), None




def parse_decimal(raw: str) -> Parsed:
    """A number ≥ 0 with decimals (ETP): "0,5", "0.5", "1" → 0.5, 0.5, 1.0."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.match(r"^\d{1,12}(?:\.\d+)?$", text):
        return None, Problem("nombre-illisible")
    number = float(text)
    if number > c.MAX_DECIMAL:
        return None, Problem("nombre-trop-grand", {"what": "decimal", "maximum": french.whole(c.MAX_DECIMAL)})
    return round(number, 2), None


def parse_year(raw: str) -> Parsed:
    """ "2024", "2024.0" (a number cell) or a date cell → 2024; a year outside 1900–2200 (« 0000 ») is refused."""
    text = raw.strip()
    if (m := re.match(r"^(\d{4})(?:\.0+|-\d{2}-\d{2}(?: 00:00:00)?)?$", text)) and 1900 <= int(m[1]) <= 2200:
        return int(m[1]), None
    return None, Problem("exercice-illisible")


def parse_list(raw: str) -> list[str]:
    """Plans or ODD separated by « ; » or line breaks, trimmed, without duplicates."""
    return list(dict.fromkeys(p.strip() for p in re.split(c.LIST_SEPARATORS, raw) if p.strip()))


SDG_NUMBER = re.compile(r"^(?:odd|sdg|objectif)?\s*n?°?\s*(\d{1,2})\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def sdg_number(text: str) -> int | None:
    """ "ODD 3", "3", "ODD3 – Bonne santé", "Bonne santé et bien-être" → 3; None when it names no goal. (Cached:
    the same few goals are named by thousands of actions, each looked up by the validation and the documents.)"""
    if (m := SDG_NUMBER.match(text.strip())) and 1 <= int(m[1]) <= len(c.SDG_TITLES):
        return int(m[1])
    titles = {c.fold(title): n for n, title in enumerate(c.SDG_TITLES, start=1)}
    return titles.get(c.fold(text))


# --- Tables --------------------------------------------------------------------------------------------------
def converter_for(column: c.Column):
    if column.kind == c.VOLET:
        return parse_volet
    if column.kind == c.OS_NUMBER:
        return parse_os_number
    if column.kind == c.OO_CODE:
        return parse_oo_code
    if column.kind == c.ACTION_NUMBER:
        return parse_action_number
    if column.kind == c.VOCABULARY:
        return lambda raw: parse_vocabulary(raw, column.vocabulary, column.strict)
    if column.kind == c.PERCENT:
        return parse_percent
    if column.kind == c.DATE:
        return parse_date
    if column.kind == c.CODE_LIST:
        return parse_codes
    if column.kind in (c.LIST, c.SDG_LIST):
        return lambda raw: (tuple(parse_list(raw)), None)
    if column.kind == c.AMOUNT:
        return parse_amount
    if column.kind == c.DECIMAL:
        return parse_decimal
    if column.kind == c.YEAR:
        return parse_year
    return None


def parse_percent_column(cells: pd.DataFrame, key: str, table: Table) -> pd.Series:
    """parse_percent on each cell, where a plain 1 may be 1 % or 100 %. It is 100 % in a cell formatted as a
    percentage (formats are read from .xlsx files), and in a sheet whose percentages are all fractions — with at
    least one strictly between 0 and 1 where the formats are known (0 and 1 alone in General cells are 0 % and
    1 %)."""
    fraction_sheets = {source for source, group in cells.groupby(["_file", "_sheet"])
                       if holds_fractions(group[key], evidence_needed=source in table.formats_known)}
    return pd.Series([parse_percent(raw, (file, sheet) in fraction_sheets
                                    or (file, sheet, int(row), key) in table.percent_cells)
                      for raw, file, sheet, row in zip(cells[key], cells["_file"], cells["_sheet"], cells["_row"])],
                     index=cells.index, dtype=object)


def normalize_table(table: Table) -> tuple[pd.DataFrame, list[Finding]]:
    """The table's frame with clean values in place of raw text, and the findings of what could not be read.

    Text columns hold clean strings; empty cells hold "" (text) or None (other kinds) — never NaN. The cells are
    gone through as lists, column by column, and the frame made once: pandas' calls per column (a comparison, a
    length, a map, a column set) cost more than the cells themselves for a service's few hundred rows."""
    source = table.frame
    files, sheets, rows = (source[key].tolist() for key in ("_file", "_sheet", "_row"))

    def cell(position: int, key: str) -> dict:
        return {"file": files[position], "sheet": sheets[position], "row": int(rows[position]),
                "column": table.letter(files[position], sheets[position], key),
                "header": table.contract.column(key).header}

    columns: dict[str, pd.Series] = {}
    findings: list[Finding] = []
    for column in table.contract.columns:
        key = column.key
        raw = source[key].tolist()
        values, removals = clean_values(raw)
        for position in removals:
            # The value as typed: the report and the feedback copy show where the characters were (« ␇ »).
            findings.append(finding("caracteres-retires", value=raw[position], **cell(position, key)))
        for position, text in enumerate(values):
            if isinstance(text, str) and len(text) > c.MAX_CELL_TEXT:
                values[position] = french.shorten(text, c.MAX_CELL_TEXT)
                findings.append(finding("texte-trop-long", **cell(position, key), length=french.whole(len(raw[position])),
                                        maximum=french.whole(c.MAX_CELL_TEXT)))
        convert = converter_for(column)
        if convert is None:
            columns[key] = pd.Series(values, index=source.index, dtype=source[key].dtype, name=key)
            continue
        filled = [position for position, text in enumerate(values) if text != ""]
        if column.kind == c.PERCENT:
            cells = pd.DataFrame({key: [values[p] for p in filled], "_file": [files[p] for p in filled],
                                  "_sheet": [sheets[p] for p in filled], "_row": [rows[p] for p in filled]})
            parsed = parse_percent_column(cells, key, table).tolist()
        else:
            parsed = [convert(values[position]) for position in filled]
        converted = [column.empty] * len(values)
        for position, (value, problem) in zip(filled, parsed):
            converted[position] = value
            if problem is not None:
                findings.append(finding(problem.code, value=raw[position].strip(), **cell(position, key),
                                        **problem.params))
        columns[key] = pd.Series(converted, index=source.index, dtype=object, name=key)
    frame = pd.DataFrame({key: columns.get(key, source[key]) for key in source.columns}, index=source.index)
    return frame, findings


# --- Parameters ----------------------------------------------------------------------------------------------
LEGISLATURE = re.compile(r"^(\d{4})\s*[-–—/à]+\s*(\d{4})$")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


def legislature_years(text: str) -> tuple[int, int] | None:
    """« 2019-2024 » → (2019, 2024); None for anything else (the frame's finding says why)."""
    m = LEGISLATURE.match(str(text or "").strip())
    return (int(m[1]), int(m[2])) if m and int(m[2]) > int(m[1]) else None


@dataclass
class Parameters:
    values: dict[str, str]
    positions: dict[str, dict]


def read_parameters(table: Table) -> tuple[Parameters, list[Finding]]:
    """`Paramètres` rows as {key: clean value}; the coordinator's extra rows are kept under their folded label."""
    frame, findings = normalize_table(table)
    values: dict[str, str] = {}
    positions: dict[str, dict] = {}
    by_label = {c.fold(name): p.key for p in c.PARAMETERS for name in (p.label, *p.aliases)}
    for index, row in rows(frame):
        key = by_label.get(c.fold(row["parameter"]), c.fold(row["parameter"]))
        if key and key not in values:
            values[key] = row["value"]
            positions[key] = table.cell(table.frame.loc[index], "value")
    cadre_file = table.frame["_file"].iloc[0] if len(table.frame) else c.CADRE_FILE
    for parameter in c.PARAMETERS:
        if parameter.required and not values.get(parameter.key):
            findings.append(finding("parametre-absent", file=cadre_file, sheet=c.PARAMETERS_SHEET.name,
                                    label=parameter.label, example=parameter.help))
    findings += check_parameter_values(values, positions)
    for key in ("code", "joint_with"):
        if values.get(key):
            values[key] = canonical_code(values[key])
    if values.get("entity_type"):
        values["entity_type"] = c.ENTITY_TYPES.canonical(values["entity_type"]) or values["entity_type"]
    if m := LEGISLATURE.match(values.get("legislature", "")):
        values["legislature"] = f"{m[1]}-{m[2]}"
    return Parameters(values, positions), findings


def check_parameter_values(values: dict[str, str], positions: dict[str, dict]) -> list[Finding]:
    findings = []
    if values.get("entity_type") and c.ENTITY_TYPES.canonical(values["entity_type"]) is None:
        findings.append(finding("type-inconnu", value=values["entity_type"], **positions["entity_type"]))
    if values.get("code") and not CODE_PATTERN.match(canonical_code(values["code"])):
        findings.append(finding("code-invalide", value=values["code"], **positions["code"]))
    if values.get("legislature"):
        m = LEGISLATURE.match(values["legislature"])
        if not m or int(m[2]) <= int(m[1]):
            findings.append(finding("legislature-invalide", value=values["legislature"], **positions["legislature"]))
    return findings


def recover_lost_zeros(frame: pd.DataFrame, table: Table, known: dict[str, set[str]]) -> list[Finding]:
    """`N° OO` cells Excel stored as numbers may have lost a trailing zero (1.10 → 1.1). Against the frame's
    codes: certain when only 1.10 exists (read as 1.10, warning), ambiguous when both 1.1 and 1.10 exist (error)."""
    cells = {(f, s, r) for f, s, r, key in table.numeric_cells if key == "oo_code"}
    if not cells:
        return []
    findings = []
    for index, row in rows(frame):
        code = row["oo_code"]
        if not code or (row["_file"], row["_sheet"], int(row["_row"])) not in cells:
            continue
        candidates = lost_zero_candidates(code, known.get(row["volet"], set()))
        raw = table.frame.loc[index]
        if len(candidates) > 1:
            findings.append(finding("oo-ambigu", value=code, **table.cell(raw, "oo_code"),
                                    candidates=candidates))
        elif candidates and candidates[0] != code:
            frame.at[index, "oo_code"] = candidates[0]
            findings.append(finding("oo-zero-perdu", value=code, **table.cell(raw, "oo_code"), code=candidates[0]))
    return findings


# --- Display options (Paramètres, contract v1.1) ------------------------------------------------------------------
@dataclass(frozen=True)
class DisplayOptions:
    """How the coordinator wants the actions shown: numbering scheme, fields beside the libellé, list or table."""

    numbering: str = c.NUMBERING_CONTINUOUS
    shown_fields: tuple[str, ...] = c.DEFAULT_SHOWN_FIELDS
    layout: str = c.LAYOUT_LIST
    annexes: str = c.ANNEXES_TABLES
    """The plans and ODD annexes: cross-tables (« tableaux ») or the full lists (« listes »)."""
    empty_fields: str = c.EMPTY_SHOWN
    """A fiche's empty fields: shown as « Non renseigné » (« affichés ») or left out (« masqués »)."""
    unpublished: tuple[str, ...] = ()
    """Keys of the actions' columns the coordinator keeps off the site and the open data (« Champs non publiés »,
    contract 1.4): pipeline/public.py honours them."""
    budget_published: bool = True
    """Whether the site and the open data publish the actions' budget lines (« Budget publié »)."""
    licence: str = c.DEFAULT_LICENCE
    """The open data's licence (« Licence des données »): a name of contract.LICENCES."""

    @property
    def hierarchical(self) -> bool:
        return self.numbering == c.NUMBERING_HIERARCHICAL

    @property
    def annexes_listed(self) -> bool:
        return self.annexes == c.ANNEXES_LISTS

    @property
    def empty_fields_hidden(self) -> bool:
        return self.empty_fields == c.EMPTY_HIDDEN


def display_options(parameters: Parameters) -> tuple[DisplayOptions, list[Finding]]:
    """Options read from `Paramètres`; a value that cannot be understood falls back to the default, with a warning."""
    values, findings = parameters.values, []
    defaults = DisplayOptions()

    def choice(key: str, vocabulary: c.Vocabulary, default: str, invalid: str | None = None) -> str:
        """The parameter's value; `invalid`: what a value not understood means, when not the default."""
        raw = values.get(key, "")
        if not raw:
            return default
        chosen = vocabulary.canonical(raw)
        if chosen is None:
            fallback = default if invalid is None else invalid
            findings.append(invalid_parameter(parameters, key, raw, fallback, vocabulary.values))
            return fallback
        return chosen

    numbering = choice("numbering", c.NUMBERING, defaults.numbering)
    layout = choice("action_layout", c.ACTION_LAYOUTS, defaults.layout)
    annexes = choice("annexes", c.ANNEX_LAYOUTS, defaults.annexes)
    empty_fields = choice("empty_fields", c.EMPTY_FIELDS, defaults.empty_fields)
    shown = defaults.shown_fields
    if raw := values.get("shown_fields", ""):
        names = parse_list(raw.replace(",", ";"))
        columns = [column if (column := c.ACTIONS_SHEET.match_header(name)) and column.shown else None
                   for name in names]
        if [c.fold(n) for n in names] == ["aucun"]:
            shown = ()
        elif None in columns:
            allowed = [col.header for col in c.ACTIONS_SHEET.columns if col.shown]
            unknown = "; ".join(n for n, col in zip(names, columns) if col is None)
            default = " ; ".join(c.ACTIONS_SHEET.column(key).header for key in defaults.shown_fields)
            findings.append(invalid_parameter(parameters, "shown_fields", unknown, default, allowed))
        else:
            shown = tuple(dict.fromkeys(col.key for col in columns))
    unpublished, found = unpublished_fields(parameters)
    findings += found
    published = choice("budget_published", c.PUBLISHED, c.PUBLISHED_YES, invalid=c.PUBLISHED_NO)
    licence = choice("licence", c.LICENCES, defaults.licence)
    return DisplayOptions(numbering, shown, layout, annexes, empty_fields, unpublished,
                          published == c.PUBLISHED_YES, licence), findings


def unpublishable(column: c.Column) -> bool:
    """Whether « Champs non publiés » may name this column of the actions: a published field that is not the
    action's identity (its place, numbers and libellé are the PST itself)."""
    return column.public and column.key not in c.IDENTITY_KEYS


def unpublished_fields(parameters: Parameters) -> tuple[tuple[str, ...], list[Finding]]:
    """« Champs non publiés »: the actions' columns it names, by header or alias (any case, accents aside). A name
    that is no such column is said, naming the cell, and the others are still kept off: a misspelt name never
    publishes what the coordinator meant to keep."""
    raw = parameters.values.get("unpublished_fields", "")
    names = parse_list(raw.replace(",", ";"))
    if not names or [c.fold(n) for n in names] == [c.fold(c.UNPUBLISHED_NONE)]:
        return (), []
    keys, unknown = [], []
    for name in names:
        column = c.ACTIONS_SHEET.match_header(name)
        if column is None or column.key in c.IDENTITY_KEYS:
            unknown.append(name)
        elif unpublishable(column):
            keys.append(column.key)
    findings = []
    if unknown:
        allowed = [col.header for col in c.ACTIONS_SHEET.columns if unpublishable(col)]
        label = next(p.label for p in c.PARAMETERS if p.key == "unpublished_fields")
        findings.append(finding("champs-non-publies-inconnus", value=raw,
                                **parameters.positions.get("unpublished_fields", {}), label=label, names=unknown,
                                count=len(unknown), allowed=allowed, kept=len(keys)))
    return tuple(dict.fromkeys(keys)), findings


def invalid_parameter(parameters: Parameters, key: str, raw: str, default: str, allowed) -> Finding:
    label = next(p.label for p in c.PARAMETERS if p.key == key)
    return finding("parametre-invalide", value=raw, **parameters.positions.get(key, {}), label=label,
                   default=default, allowed=allowed)
