"""argparse in French: the `pst` command's help and its errors, as a coordinator reads them.

Python's argparse words its help and errors in English through gettext (its module-level `_` and `ngettext`).
`ArgumentParser` below translates exactly those strings (FRENCH), only while one of its own methods runs, so
that no other parser of the process (pytest's…) is touched; `HelpFormatter` adds the French space before the
colon of headings (« options : ») and the usage prefix. A wrong command is answered with the commands there are
and the closest one; every error ends with the command that shows the help.
"""

from __future__ import annotations

import argparse
import difflib
import functools
from contextlib import contextmanager

FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "subcommands": "commandes",
    "show this help message and exit": "affiche cette aide et quitte",
    "show program's version number and exit": "affiche la version et quitte",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "the following arguments are required: %s": "il manque : %s",
    "one of the arguments %s is required": "l’une de ces options est à indiquer : %s",
    "unrecognized arguments: %s": "option ou valeur non reconnue : %s",
    "expected one argument": "une valeur est attendue après l’option",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "impossible avec l’option %s",
    "ignored explicit argument %r": "valeur ignorée : « %s »",
    "invalid %(type)s value: %(value)r": "valeur invalide : « %(value)s »",
    "invalid choice: %(value)r (choose from %(choices)s)": "« %(value)s » n’est pas possible (choix : %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "commande inconnue : « %(parser_name)s » (commandes : %(choices)s)",
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d’ouvrir « %(filename)s » : %(error)s",
}
"""argparse's English messages (those of Python 3.11, which later versions keep) → French; any other passes
through unchanged (tests/test_invocation.py checks what a coordinator can meet)."""


def translate(message):
    return FRENCH.get(message, message)


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
        super().error(f"{message}\n« {self.prog} --help » affiche l’aide.")

    @translated
    def _check_value(self, action, value):
        """A value outside its choices; for a sub-command, the commands there are and the closest one."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(choice) for choice in action.choices]
        near = difflib.get_close_matches(str(value), choices, n=1)
        listed = ", ".join(choices) + "." + (f" Voulez-vous dire « {near[0]} » ?" if near else "")
        if isinstance(action, argparse._SubParsersAction):
            raise argparse.ArgumentError(None, f"« {value} » n’est pas une commande ; les commandes sont : {listed}")
        raise argparse.ArgumentError(action, f"« {value} » n’est pas possible ; choix : {listed}")


def whole_number(text: str) -> int:
    """A whole number (`type=` of an option), or the French reason it is not."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n’est pas un nombre entier") from None
