"""Clean: the one place that knows which characters no output may hold, and what a writer puts in their place.

A .xlsx, a .docx and an XML file are XML 1.0, which cannot hold the C0 control characters other than tab, line
feed and carriage return, nor U+FFFE and U+FFFF; a lone surrogate (U+D800–U+DFFF) cannot even be encoded in UTF-8.
DEL (U+007F) and the C1 controls (U+0080–U+009F) are allowed by XML but are as invisible as the others, and HTML
(the site) counts them as errors: they are treated with them (a NEL, U+0085, read from a workbook becomes a line
break first, normalize.clean_text). Text typed in the
workbooks is cleaned when read (`normalize.clean_text`, with a warning), but a finding quotes the raw text of the
cell, and the state file, the adopted versions and file names come from outside the workbooks. So every writer
passes the text it writes through one of:

- `visible(text)` — where a person reads the text to find a cell (the validation report, the services' feedback
  copies): each C0 control becomes its Unicode « control picture » (\\x07 → ␇, U+2400 + its code), DEL
  becomes ␡, a C1 control, a lone surrogate or a noncharacter becomes � (U+FFFD). The length is unchanged.
- `removed(text)` — where the text is published or read back (Word documents, the e-Comptes XML, the services'
  workbooks, document properties): the characters are dropped.

Both return the text itself, untouched, when it holds none (one regular-expression search). JSON files escape
control characters themselves; they, and the console, write a lone surrogate (which UTF-8 cannot encode) as « ? ».
"""

from __future__ import annotations

import re

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""The characters no output may hold: XML 1.0's complement of Char (C0 controls but tab, line feed and carriage
return; surrogates; U+FFFE, U+FFFF), DEL and the C1 controls."""

DEL = "\x7f"
PICTURE_OF_DEL = "\u2421"  # ␡
REPLACEMENT = "\ufffd"  # �


def picture(character: str) -> str:
    """What `visible` shows for one forbidden character."""
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if character == DEL:
        return PICTURE_OF_DEL
    return REPLACEMENT


def visible(text: str) -> str:
    """`text` with each forbidden character shown by its picture (␇, ␡, �), so that it can be found."""
    if not FORBIDDEN.search(text):
        return text
    return FORBIDDEN.sub(lambda match: picture(match.group()), text)


def removed(text: str) -> str:
    """`text` without its forbidden characters."""
    if not FORBIDDEN.search(text):
        return text
    return FORBIDDEN.sub("", text)
