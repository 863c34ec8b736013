"""Whether a template part renders well-formed XML whatever the values printed in it — found once, from its text.

A rendered document is checked well-formed before it is written (render.well_formed: expat reads it whole, a fifth
of the time spent writing 1,000 fiches). That check can be skipped when the template itself guarantees the result:

- its text, its Jinja tags taken out, is well-formed: every element closed, in order, and nothing else than
  elements, attributes and text (no comment, processing instruction, CDATA section or DTD to reason about);
- every block — each branch of an `if`, the body of a `for`, of a `with` — leaves the open elements as it found
  them: the elements open at `{% if %}` are those open at its `{% elif %}`, `{% else %}` and `{% endif %}`. Any
  branch taken, a loop run any number of times, the result is then well-formed;
- a value is printed (`{{ … }}`) in text or within an attribute's quotes, never among a tag's attributes: escaped
  by Jinja, it can then add neither an element nor an attribute;
- no other tag: a macro, a call block, a block `set`, an include… are not reasoned about.

What the rendering itself must add — that no value printed was markup of its own (an image, rich text) and that no
value held a tab or a line break turned into Word runs — is watched by render.Template while it renders.
"""

from __future__ import annotations

import re

from jinja2 import Environment, TemplateSyntaxError

RULES = "wellformed 1\n"
"""Part of the key under which a template part's verdict is kept (render.proven_part): changed with these rules."""
BLOCKS = {"if": "open", "for": "open", "with": "open", "elif": "branch", "else": "branch",
          "endif": "close", "endfor": "close", "endwith": "close"}
"""The block tags reasoned about: `open` starts a block, `branch` starts another branch of it, `close` ends it."""
NAME_END = re.compile(r"[\s/>]")
TAG_END_OR_QUOTE = re.compile(r"[>\"']")


class Unproven(Exception):
    """The template part may render malformed XML: it is checked after each rendering."""


class Scanner:
    """The template's text (its data, as Jinja's lexer gives it) read element by element, a tag possibly spread
    over several pieces of data (a value printed in an attribute's quotes)."""

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
                position = data.find("<", position)
                if position == -1:
                    return
                position = self.tag(data, position)
            elif self.mode == "tag":
                found = TAG_END_OR_QUOTE.search(data, position)
                if found is None:
                    return
                position = found.end()
                if found[0] != ">":
                    self.mode = found[0]
                elif data[found.start() - 1:found.start()] == "/":
                    self.mode = "text"  # an empty element: « <w:br/> »
                else:
                    self.open.append(self.name)
                    self.mode = "text"
            else:
                end = data.find(self.mode, position)
                if end == -1:
                    return
                position, self.mode = end + 1, "tag"

    def tag(self, data: str, position: int) -> int:
        """A tag starting at `position` (« < »): an end tag is read whole, a start tag up to its name."""
        following = data[position + 1:position + 2]
        if following in ("", "!", "?"):
            raise Unproven("comment, instruction, declaration or a tag cut by a Jinja tag")
        if following == "/":
            end = data.find(">", position)
            if end == -1:
                raise Unproven("end tag cut by a Jinja tag")
            name = data[position + 2:end].strip()
            if not self.open or self.open.pop() != name:
                raise Unproven(f"</{name}> closes no open element")
            return end + 1
        end = NAME_END.search(data, position + 1)
        if end is None:
            raise Unproven("tag name cut by a Jinja tag")
        self.name, self.mode = data[position + 1:end.start()], "tag"
        return end.start()


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
            elif kind == "variable_begin" and scanner.mode == "tag":
                raise Unproven("a value printed among a tag's attributes")
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
        raise Unproven(f"« {keyword} » is not reasoned about")
    if role == "open":
        blocks.append(tuple(scanner.open))
    elif not blocks or tuple(scanner.open) != blocks[-1]:
        raise Unproven(f"« {keyword} » where other elements are open than at its block's start")
    elif role == "close":
        blocks.pop()


def tokens_until_end(tokens: list, index: int):
    for token in tokens[index + 1:]:
        if token[1] == "block_end":
            return
        yield token
