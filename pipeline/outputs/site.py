"""The PST's website (make site [DATE=AAAA-MM-JJ]): a static site in <BUILD>/<entité>/site/ (index.html at its
root) and the same in one archive to upload, Site_<Code>.zip, whose root is <entité>/site/ — so that two
institutions' sites unpacked in the same folder link to each other (../../<partner>/site/) as they do in BUILD.

Never provisional: an entity with errors keeps its previous site, reported out of date. The pages are made by
pipeline/site/ from the entity as built; what they show of an action is what pipeline/public.py lets out.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .base import Job, Output, safe_name

FOLDER = "site"
"""The site's folder in the entity's folder of BUILD."""


def archive_name(job: Job) -> str:
    return f"Site_{safe_name(job.entity.code)}.zip"


def files(job: Job) -> list[str]:
    return [FOLDER, archive_name(job)]


def write_all(job: Job, into: list[Path]) -> None:
    """The site rendered once into its folder, then its archive made from that folder."""
    from ..site import write_site

    site, archive_path = into
    write_site(job, site, build=site.parent.parent)
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(site.rglob("*")):
            if path.is_file():
                archive.write(path, f"{job.entity.folder}/{FOLDER}/{path.relative_to(site).as_posix()}")


OUTPUT = Output(
    name="site",
    stem=lambda job: FOLDER,
    write_all=write_all,
    labels=("Site internet (dossier et archive à déposer)", "Site internet"),
    suffix="",
    command="site",
    provisional=False,
    files=files,
)
