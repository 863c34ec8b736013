"""Writing outputs all at once: a document or a report is written to a temporary file beside its destination,
then moved into place. A failed or interrupted build never leaves a half-written file; the previous one stays."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .clean import removed


@contextmanager
def atomic_path(destination: Path) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `destination`, on failure it is removed."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".~", suffix=destination.suffix, dir=destination.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; outputs are shared files
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def put_in_place(staged: Path, destination: Path) -> None:
    """Move a staged file or folder to its destination: a file replaces the previous one; a folder (a site)
    replaces the previous folder whole — set aside first, removed once the new one is in place."""
    if not staged.is_dir():
        os.replace(staged, destination)
        return
    previous = destination.with_name(f".~previous-{destination.name}")
    discard(previous)
    if destination.exists():
        os.replace(destination, previous)
    os.replace(staged, destination)
    discard(previous)


def discard(path: Path) -> None:
    """Remove a staged file or folder, if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
FILE_NAME_MAX = 80
"""Characters of a name made from what people typed: the whole path stays well within Windows' 260."""


def safe_file_name(name: str, fallback: str = "", prefix: str = "Service-") -> str:
    """`name` as a file name valid on Windows, macOS and Linux: « Emploi (ADL) » stays, « RH/Paie » → « RH-Paie »;
    at most FILE_NAME_MAX characters, never a name Windows reserves (CON, LPT1…: prefixed), never ending with a
    dot or a space, never a character no file system can encode (a lone surrogate: `clean.removed`); `fallback`
    when nothing is left."""
    text = removed(re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "-", name)).strip(" .-")[:FILE_NAME_MAX].strip(" .-")
    if text and text.split(".")[0].upper() in WINDOWS_RESERVED:
        text = f"{prefix}{text}"
    return text or fallback


PROVISIONAL = "_PROVISOIRE"
"""Added to the names of documents built despite errors: the last valid ones stay beside them."""
STAGED = (".~", "~$")
"""The starts of names that are no document: a file staged beside its destination while a build writes it, the
lock file Word or Excel keeps beside a document it has open."""


def finished_document(path: Path) -> bool:
    """A document a build left in place for good: neither provisional nor staged (nor a lock file)."""
    return PROVISIONAL not in path.stem and not path.name.startswith(STAGED)


def lock_file(path: Path) -> Path | None:
    """The lock file Word or Excel (« ~$ » before the name, its first one or two characters dropped for a long
    name) or LibreOffice (« .~lock.<name># ») keeps beside a document it has open: writing over the document
    then fails on Windows, or is lost when the program saves its own copy."""
    name = path.name
    for candidate in (f"~${name}", f"~${name[1:]}", f"~${name[2:]}", f".~lock.{name}#"):
        lock = path.with_name(candidate)
        if lock.is_file():
            return lock
    return None
