"""The PST's website (make site [DATE=AAAA-MM-JJ]): a static site in <BUILD>/<entité>/site/ (index.html at its
root) and the same in one archive to upload, Site_<Code>.zip, whose root is <entité>/site/ — so that two
institutions' sites unpacked in the same folder link to each other (../../<partner>/site/) as they do in BUILD.

Never provisional: an entity with errors keeps its previous site, reported out of date. The pages are made by
pipeline/site/ from the entity as built; what they show of an action is what pipeline/public.py lets out.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
import zipfile
from pathlib import Path

from .base import Job, Output, safe_name

FOLDER = "site"
"""The site's folder in the entity's folder of BUILD."""


def archive_name(job: Job) -> str:
    return f"Site_{safe_name(job.entity.code)}.zip"


def files(job: Job) -> list[str]:
    return [FOLDER, archive_name(job)]


BUILT: dict[int, Path] = {}
"""id(job) → the site as this process built it (a temporary folder): the folder and its archive are two parts
of the output, made from one rendering."""


def built(job: Job, into: Path) -> Path:
    """The site of `job`, rendered once per process into a temporary folder removed when the job is."""
    from ..site import write_site

    if id(job) not in BUILT:
        temporary = Path(tempfile.mkdtemp(prefix="pst-site-"))
        weakref.finalize(job, shutil.rmtree, temporary, True)
        weakref.finalize(job, BUILT.pop, id(job), None)
        write_site(job, temporary / FOLDER, build=into.parent.parent)
        BUILT[id(job)] = temporary / FOLDER
    return BUILT[id(job)]


def write(job: Job, part: int, into: Path) -> None:
    site = built(job, into)
    if part == 0:
        shutil.copytree(site, into)
        return
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(site.rglob("*")):
            if path.is_file():
                archive.write(path, f"{job.entity.folder}/{FOLDER}/{path.relative_to(site).as_posix()}")


OUTPUT = Output(
    name="site",
    stem=lambda job: FOLDER,
    write=write,
    labels=("Site internet (dossier et archive à déposer)", "Site internet"),
    suffix="",
    command="site",
    provisional=False,
    files=files,
    together=True,
)
