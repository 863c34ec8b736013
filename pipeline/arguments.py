"""argparse in French: the `pst` command's help and its errors, as a coordinator reads them.

Python's argparse words its help and errors in English through gettext (its module-level `_` and `ngettext`).
`ArgumentParser` below translates exactly those strings (the catalogue's ARGPARSE), only while one of its own
methods runs, so that no other parser of the process (pytest's…) is touched; `HelpFormatter` adds the French space
before the colon of headings (« options : ») and the usage prefix. A wrong command is answered with the commands
there are and the closest one; every error ends with the command that shows the help.
"""

from __future__ import annotations

import argparse
import difflib
import functools
from contextlib import contextmanager

from .findings import ARGPARSE, said


def translate(message):
    return ARGPARSE.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


@contextmanager
def in_french():
    """argparse's messages in French for the time of the block (nested blocks restore what they found)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = translate, translate_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def translated(method):
    """The method, run with argparse's messages in French."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with in_french():
            return method(*args, **kwargs)
    return wrapper


class HelpFormatter(argparse.HelpFormatter):
    """« utilisation : », and « options : » with the space French puts before a colon."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, translate("usage: ") if prefix is None else prefix)

    def start_section(self, heading):
        super().start_section(f"{heading} " if heading else heading)


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that speaks French (its sub-commands' parsers too)."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs):
        with in_french():
            super().__init__(*args, formatter_class=formatter_class, **kwargs)

    add_subparsers = translated(argparse.ArgumentParser.add_subparsers)
    parse_known_args = translated(argparse.ArgumentParser.parse_known_args)
    format_usage = translated(argparse.ArgumentParser.format_usage)
    format_help = translated(argparse.ArgumentParser.format_help)

    @translated
    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an option a sub-command does not know is reported by that sub-command, with its own
        usage (« pst verifier : erreur : … --malgre-erreurs »)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.command_parser(parsed).error(translate("unrecognized arguments: %s") % " ".join(extras))
        return parsed

    def command_parser(self, parsed) -> argparse.ArgumentParser:
        """The parser of the sub-command that was read (itself when there is none)."""
        for action in self._actions:
            name = getattr(parsed, action.dest, None)
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name].command_parser(parsed)
        return self

    @translated
    def error(self, message):
        """The usage, then « pst rapport : erreur : … » and where to find the help; exit code 2."""
        super().error(said("argument-help", message=message, program=self.prog))

    @translated
    def _check_value(self, action, value):
        """A value outside its choices; for a sub-command, the commands there are and the closest one."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(choice) for choice in action.choices]
        near = difflib.get_close_matches(str(value), choices, n=1)
        values = {"value": str(value), "choices": choices, "near": near[0] if near else ""}
        if isinstance(action, argparse._SubParsersAction):
            raise argparse.ArgumentError(None, said("argument-not-command", **values))
        raise argparse.ArgumentError(action, said("argument-not-choice", **values))


def whole_number(text: str) -> int:
    """A whole number (`type=` of an option), or the French reason it is not."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(said("argument-not-whole", given=text)) from None
