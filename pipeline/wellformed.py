"""Whether a template part renders well-formed XML whatever the values printed in it — found once, from its text.

A rendered document is checked well-formed before it is written (render.well_formed: expat reads it whole, a fifth
of the time spent writing 1,000 fiches). That check can be skipped when the template itself guarantees the result:

- its text, its Jinja tags taken out, is well-formed: every element closed, in order, and nothing else than
  elements, attributes and text (no comment, processing instruction, CDATA section or DTD to reason about);
- every block — each branch of an `if`, the body of a `for`, of a `with` — leaves the open elements as it found
  them: the elements open at `{% if %}` are those open at its `{% elif %}`, `{% else %}` and `{% endif %}`. Any
  branch taken, a loop run any number of times, the result is then well-formed;
- a value is printed (`{{ … }}`) in text or within an attribute's quotes, never among a tag's attributes: escaped
  by Jinja, it can then add neither an element nor an attribute; no Jinja tag (not even a comment) cuts a tag
  elsewhere;
- its text holds nothing but what XML allows: names, attributes quoted, « & » only in a reference to a character
  XML allows, no « > » in text nor « < » in a value;
- no other tag: a macro, a call block, a block `set`, an include… are not reasoned about.

What the rendering itself must add — that no value printed was markup of its own (an image, rich text) and that no
value held a tab or a line break turned into Word runs — is watched by render.Template while it renders.
"""

from __future__ import annotations

import re

from jinja2 import Environment, TemplateSyntaxError

RULES = "wellformed 2\n"
"""Part of the key under which a template part's verdict is kept (render.proven_part), with Jinja's version (its
lexer reads the template): changed with these rules."""
BLOCKS = {"if": "open", "for": "open", "with": "open", "elif": "branch", "else": "branch",
          "endif": "close", "endfor": "close", "endwith": "close"}
"""The block tags reasoned about: `open` starts a block, `branch` starts another branch of it, `close` ends it."""
NAME = r"[A-Za-z_][\w.:-]*"
START_TAG = re.compile(rf"<({NAME})")
END_TAG = re.compile(rf"</({NAME})\s*>")
ATTRIBUTE = re.compile(rf"\s+{NAME}\s*=\s*([\"'])")
TAG_END = re.compile(r"\s*(/?)>")
REFERENCE = re.compile(r"&(?:(?:amp|lt|gt|quot|apos);|#(\d{1,7});|#x([0-9a-fA-F]{1,6});)")
TEXT_FORBIDS, VALUE_FORBIDS = re.compile(r"[&>]"), re.compile(r"[&<]")
"""What text and attribute values may hold only as a reference (« & »), or not at all: « > » in text (« ]]> » is
forbidden there, and Word never writes it), « < » in a value."""


class Unproven(Exception):
    """The template part may render malformed XML: it is checked after each rendering."""


class Scanner:
    """The template's text (its data, as Jinja's lexer gives it) read tag by tag, as strictly as XML reads it. A tag
    is whole in one piece of data, but for its attributes' values, where values may be printed."""

    def __init__(self):
        self.open: list[str] = []
        """The names of the elements open, outermost first."""
        self.mode = "text"
        """`text`; `tag`: among a start tag's attributes; a quote character: within an attribute's value."""
        self.name = ""
        """The element whose start tag is being read."""

    def read(self, data: str) -> None:
        position = 0
        while position < len(data):
            if self.mode == "text":
                end = data.find("<", position)
                self.characters(data, position, len(data) if end == -1 else end, TEXT_FORBIDS)
                if end == -1:
                    return
                position = self.tag(data, end)
            elif self.mode == "tag":
                position = self.attribute(data, position)
            else:
                end = data.find(self.mode, position)
                self.characters(data, position, len(data) if end == -1 else end, VALUE_FORBIDS)
                if end == -1:
                    return
                position, self.mode = end + 1, "tag"

    def characters(self, data: str, start: int, end: int, forbids: re.Pattern) -> None:
        """Text or an attribute's value: « & » only as a whole reference, to a character XML allows."""
        position = start
        while (found := forbids.search(data, position, end)) is not None:
            reference = REFERENCE.match(data, found.start(), end) if found[0] == "&" else None
            if reference is None or not allowed(reference):
                raise Unproven(f"{data[found.start():found.start() + 8]!r} in text or a value")
            position = reference.end()

    def tag(self, data: str, position: int) -> int:
        """A tag starting at `position` (« < »): an end tag is read whole, a start tag up to its name."""
        if (end := END_TAG.match(data, position)) is not None:
            if not self.open or self.open.pop() != end[1]:
                raise Unproven(f"</{end[1]}> closes no open element")
            return end.end()
        if (start := START_TAG.match(data, position)) is None:
            raise Unproven("comment, instruction, declaration, or a tag cut by a Jinja tag")
        self.name, self.mode = start[1], "tag"
        return start.end()

    def attribute(self, data: str, position: int) -> int:
        """Among a start tag's attributes: the next one, up to its value's opening quote, or the tag's end."""
        if (found := ATTRIBUTE.match(data, position)) is not None:
            self.mode = found[1]
            return found.end()
        if (found := TAG_END.match(data, position)) is None:
            raise Unproven("a start tag's attributes, or a tag cut by a Jinja tag")
        if not found[1]:
            self.open.append(self.name)
        self.mode = "text"
        return found.end()


def allowed(reference: re.Match) -> bool:
    """A character reference to a character XML allows (« &#1; » is not); a named one of XML's five."""
    number = int(reference[1]) if reference[1] else int(reference[2], 16) if reference[2] else None
    return number is None or number in (0x9, 0xA, 0xD) or 0x20 <= number <= 0xD7FF \
        or 0xE000 <= number <= 0xFFFD or 0x10000 <= number <= 0x10FFFF


def well_formed_by_construction(source: str, env: Environment) -> bool:
    """Whether every rendering of the template part `source` (as compiled: render.Template.render_xml_part) is
    well-formed, whatever the values, under the conditions of this module's docstring."""
    scanner, blocks = Scanner(), []
    try:
        tokens = list(env.lex(source))
    except TemplateSyntaxError:
        return False
    try:
        for index, (_, kind, value) in enumerate(tokens):
            if kind == "data":
                scanner.read(value)
            elif kind.endswith("_begin") and scanner.mode == "tag":
                raise Unproven("a Jinja tag among a tag's attributes")
            elif kind == "block_begin":
                block(scanner, blocks, tokens, index)
            elif kind in ("raw_begin", "linestatement_begin"):
                raise Unproven(kind)
    except Unproven:
        return False
    return not blocks and not scanner.open and scanner.mode == "text"


def block(scanner: Scanner, blocks: list[tuple[str, ...]], tokens: list, index: int) -> None:
    """The block tag starting at tokens[index], checked against the elements open at its block's start."""
    if scanner.mode != "text":
        raise Unproven("a block tag within a tag")
    keyword = next((value for _, kind, value in tokens[index + 1:] if kind != "whitespace"), None)
    if keyword == "set" and any(kind == "operator" and value == "="
                                for _, kind, value in tokens_until_end(tokens, index)):
        return  # « {% set x = … %} » prints nothing
    role = BLOCKS.get(keyword)
    if role is None:
        raise Unproven(f"{keyword!r} is not reasoned about")
    if role == "open":
        blocks.append(tuple(scanner.open))
    elif not blocks or tuple(scanner.open) != blocks[-1]:
        raise Unproven(f"{keyword!r} where other elements are open than at its block's start")
    elif role == "close":
        blocks.pop()


def tokens_until_end(tokens: list, index: int):
    for token in tokens[index + 1:]:
        if token[1] == "block_end":
            return
        yield token
