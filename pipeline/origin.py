"""A build folder belongs to one data folder.

`<BUILD>/origine-des-donnees.txt` names the data folder whose entities BUILD holds (the folder that contains the
entity folders: `data` for `make pst` as for `make pst DATA=data/ville`). A command that writes into BUILD — or
reads what a build wrote there, to record it (make adopter) — first checks it: building another data folder into
the same BUILD (the GUIDE's sample, a copy of last year's data…) would overwrite the coordinator's documents under
the same entity folder names, so it is refused before anything is written, naming both folders and the way out
(another BUILD). A BUILD without the mark (a new one, or one written by an earlier version) is claimed; so is one
whose data folder no longer exists (the data were moved or renamed), with a note.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import contract as c
from .atomic import atomic_path
from .findings import said, stop
from .invocation import option
from .load import ConfigurationError, find_cadre

MARK = "origine-des-donnees.txt"


def data_root(folders: list[Path]) -> Path:
    """The folder holding the entity folders being built (DATA, or DATA's parent for a single entity folder)."""
    return absolute(folders[0]).parent


def absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def owner(build: Path) -> Path | None:
    """The data folder BUILD was written from, as its mark says (None without a readable mark)."""
    try:
        first = (Path(build) / MARK).read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    return Path(first) if first else None


def same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(str(absolute(a))) == os.path.normcase(str(absolute(b)))


def holds_entities(folder: Path) -> bool:
    """Whether `folder` still holds an entity (a cadre, in it or in one of its subfolders)."""
    try:
        return folder.is_dir() and (find_cadre(folder) is not None
                                    or any(sub.is_dir() and find_cadre(sub) for sub in folder.iterdir()))
    except OSError:
        return False


class ForeignBuild(ConfigurationError):
    """BUILD holds the documents of another data folder, which still exists (exit code 2, nothing written)."""

    def __init__(self, build: Path, theirs: Path, ours: Path):
        self.build, self.theirs, self.ours = build, theirs, ours
        super().__init__(stop("build-foreign", build=absolute(build), theirs=theirs, ours=ours,
                              suggested=option("build", suggested_build(build, ours))))


def suggested_build(build: Path, data: Path) -> str:
    """A build folder beside BUILD named after the data folder: « build-exemple-conjoint »."""
    return str(Path(build).with_name(f"{Path(build).name}-{data.name}")) if data.name else f"{build}-autre"


class BuildAmongData(ConfigurationError):
    """BUILD is the data folder, holds it, or lies in an entity's services/ or versions/ (exit code 2): its
    documents would mix with the data — read back as workbooks, or deleted with the data by `make clean`."""

    def __init__(self, build: Path, data: Path):
        super().__init__(stop("build-among-data", build=absolute(build), data=data))


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies below it."""
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def among_data(build: Path, folders: list[Path]) -> bool:
    """BUILD is the data folder or an entity folder, holds one of them, or lies in an entity's services/ or
    versions/ folder (a BUILD inside an entity folder elsewhere, or beside the entities, is harmless)."""
    root = data_root(folders)
    return (inside(root, build) or any(inside(folder, build) for folder in folders)
            or any(inside(build, folder / sub) for folder in folders for sub in (c.SERVICES_DIR, c.VERSIONS_DIR)))


def check(build: Path, folders: list[Path]) -> Path | None:
    """Raise BuildAmongData when BUILD would mix with the data, ForeignBuild when it belongs to another data folder
    that still exists; return the data folder of its mark when that one no longer exists (the data moved: BUILD may
    be claimed), else None."""
    ours = data_root(folders)
    if among_data(build, folders):
        raise BuildAmongData(build, ours)
    theirs = owner(build)
    if theirs is None or same_folder(theirs, ours):
        return None
    if holds_entities(theirs):
        raise ForeignBuild(build, theirs, ours)
    return theirs


def claim(build: Path, folders: list[Path]) -> list[str]:
    """Check BUILD (ForeignBuild) and mark it as this data folder's; the notes to print (French)."""
    moved = check(build, folders)
    ours = data_root(folders)
    notes = []
    if moved is not None:
        notes.append(said("build-moved", build=absolute(build), moved=moved, ours=ours))
    if moved is not None or owner(build) is None:
        with atomic_path(Path(build) / MARK) as temporary:
            temporary.write_text(f"{ours}\n\n{said('build-mark')}\n", encoding="utf-8")
    return notes
