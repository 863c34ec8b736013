"""How the user launched the tool, and how to name a command or an option the way they would type it.

Three launchers, three spellings of the same command:

    make (Linux, macOS)     make pst MALGRE_ERREURS=1        make adopter SEANCE=2025-06-26
    the `pst` script        pst pst --malgre-erreurs         .venv\\Scripts\\pst adopter --seance 2025-06-26
    python -m pipeline      python -m pipeline pst --malgre-erreurs

The Makefile says so through the environment (PST_LANCEUR=make in each recipe), which the worker processes inherit
whether they are forked or spawned; otherwise the program is read from sys.argv[0] (also restored in spawned
workers). Every message that tells the user what to type next goes through `command` and `option`, so that
advice given to a Windows coordinator never names make, and advice under make is make syntax.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import PurePath, PurePosixPath, PureWindowsPath

LAUNCHER_VARIABLE = "PST_LANCEUR"
"""Set to « make » by the Makefile's recipes."""

SUBCOMMANDS = {
    "pst": "pst",
    "pdf": "pdf",
    "templates": "modeles",
    "verifier": "verifier",
    "suivre": "suivre",
    "adopter": "adopter",
    "modifications": "modifications",
    "rapport": "rapport",
    "ecomptes": "ecomptes",
    "synergies": "synergies",
    "site": "site",
    "importer": "importer",
    "modeles-vierges": "modeles-vierges",
}
"""Make target → sub-command of the `pst` script."""

OPTIONS = {
    "data": "DATA",
    "build": "BUILD",
    "malgre_erreurs": "MALGRE_ERREURS",
    "seance": "SEANCE",
    "depuis": "DEPUIS",
    "date": "DATE",
    "echeance": "ECHEANCE",
    "rapport": "RAPPORT",
    "exercice": "EXERCICE",
    "annee": "ANNEE",
    "prerempli": "PREREMPLI",
    "entite": "ENTITE",
    "annuler": "ANNULER",
    "source": "SOURCE",
    "interne": "INTERNE",
}
"""Option key (the sub-command's option without its dashes, `_` for `-`) → make variable."""

FLAGS = {"malgre_erreurs", "rapport", "prerempli"}
"""Options that take no value: `--malgre-erreurs`, `MALGRE_ERREURS=1`."""

MODULE = "python -m pipeline"
SCRIPT = "pst"


def under_make() -> bool:
    return os.environ.get(LAUNCHER_VARIABLE, "").strip().lower() == "make"


def command(target: str, **options) -> str:
    """The command line the user would type: `command("pst", malgre_erreurs=True)` is « make pst MALGRE_ERREURS=1 »
    under make, « pst pst --malgre-erreurs » under the script. `target` is the make target (« templates » is the
    sub-command « modeles »); an option given None, False or "" is left out."""
    if target not in SUBCOMMANDS:
        raise ValueError(f"unknown make target: {target!r}")
    words = ["make", target] if under_make() else [program(), SUBCOMMANDS[target]]
    words += [option(name, value) for name, value in options.items() if value not in (None, False, "")]
    return " ".join(words)


def option(name: str, value: object = "") -> str:
    """One option as typed: `option("date", "2025-06-26")` is « DATE=2025-06-26 » under make, « --date 2025-06-26 »
    otherwise; without a value « DATE= » or « --date » (to name the option in a sentence). A flag is
    « MALGRE_ERREURS=1 » or « --malgre-erreurs »."""
    if name not in OPTIONS:
        raise ValueError(f"unknown option: {name!r}")
    text = "" if name in FLAGS or value is None else quoted(str(value))
    if under_make():
        return f"{OPTIONS[name]}={'1' if name in FLAGS else text}"
    dashed = "--" + name.replace("_", "-")
    return f"{dashed} {text}" if text else dashed


SHELL_SPECIALS = set(" \t&|<>;()$`'\"")


def quoted(value: str) -> str:
    """A value the shell (or cmd.exe) reads as one word: a folder name with a space goes between double quotes."""
    return f'"{value}"' if any(char in SHELL_SPECIALS for char in value) else value


def program(argv0: str | None = None) -> str:
    """The program as the user typed it: « python -m pipeline », or the `pst` script (« pst » when it is the one on
    the PATH, else its path: « .venv\\Scripts\\pst », « .venv/bin/pst »). Under make, the advice names make
    (`command`); this names what make runs."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    windows = os.name == "nt"
    path = (PureWindowsPath if windows else PurePosixPath)(argv0)
    if path.name == "__main__.py" and path.parent.name == "pipeline":
        return MODULE
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    return quoted(script_name(argv0, cwd, shutil.which(SCRIPT), windows))


def script_name(argv0: str, cwd: str, on_path: str | None, windows: bool) -> str:
    """The `pst` script's name for the user, from sys.argv[0], the current folder and the `pst` found on the PATH:
    « pst » when the PATH finds this very script; a path relative to the current folder when the script lies
    inside it (« .venv\\Scripts\\pst », whatever the absolute path the Windows launcher gives); never « .exe ».
    Anything that is not the script (the tests' runner) is called « pst »."""
    flavour = PureWindowsPath if windows else PurePosixPath
    path = without_launcher_suffix(flavour(argv0))
    if not argv0 or path.name.lower() != SCRIPT:
        return SCRIPT
    absolute = path if path.is_absolute() or not cwd else flavour(cwd) / path
    if on_path and without_launcher_suffix(flavour(on_path)) == absolute:
        return SCRIPT
    if not path.is_absolute() or not cwd:
        return str(path)
    try:
        relative = path.relative_to(flavour(cwd))
    except ValueError:
        return str(path)
    return str(relative) if windows or len(relative.parts) > 1 else f"./{relative}"


def without_launcher_suffix(path: PurePath) -> PurePath:
    """`pst.exe` (the Windows launcher) and `pst-script.py` (older setuptools) are `pst`."""
    name = path.name
    for suffix in (".exe", "-script.py", "-script.pyw"):
        if name.lower().endswith(suffix):
            return path.with_name(name[: -len(suffix)])
    return path
