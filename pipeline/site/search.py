"""The site's search index: Pagefind (PyPI `pagefind[extended]`, which ships its binary), run over the written
pages once they are all there. The index and Pagefind's script live in the site's pagefind/ folder: the search
works from the static files, without any server code nor another host. Pages mark what is indexed
(`data-pagefind-body`: the volets, objectives and actions) and are declared French (`<html lang="fr">`), so that
Pagefind stems French words (plurals forgiven)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..load import ConfigurationError
from ..findings import said

TIMEOUT = 300
"""Seconds Pagefind may take (a few for thousands of pages)."""


def index(folder: Path) -> None:
    """Pagefind's index of the site in `folder`/pagefind/. ConfigurationError (in French) when Pagefind is missing
    or fails: the site is then not written (its previous one stays)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise ConfigurationError(said("search-index-failed", reason=str(problem))) from None
    if done.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigurationError(said("search-index-failed", reason=reason[-1] if reason else done.returncode))
