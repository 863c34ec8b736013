"""The PST's versions: what the conseil took note of, kept beside the data.

A PST is a draft until the conseil takes note of it: until then every build numbers the actions in the document's
order. `make adopter SEANCE=AAAA-MM-JJ` records the last successful build as the version adopted on that date —
an immutable folder `<DATA>/<entité>/versions/<AAAA-MM-JJ>/` holding `version.json` (the actions with their
Réf. and numbers, the objectives) and a copy of the documents. From then on the numbers of adopted actions never
change, a new action takes the number after the last of its volet, a withdrawn number is never given again, and
the modifications since the adoption are listed (`Modifications_<Code>_<date>.docx`, and an annex of the PST). A
second adoption records an actualisation (version 2, 3…); the history is kept.

`build/` (emptied by `make clean`) holds only what can be built again; the versions live with the data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import contract as c
from .atomic import finished_document
from .findings import finding, phrase, stop
from .french import long_date, shorten
from .invocation import command, option
from .load import ConfigurationError, find_cadre
from .origin import absolute, check, same_folder
from .state import objectives_record, previous_state
from .validate import seance_after_legislature, seance_date

VERSION_FILE = "version.json"
VERSION_FORMAT = 1
SEANCE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class Version:
    number: int
    seance: dt.date
    folder: Path
    snapshot: dict

    @property
    def actions(self) -> list[dict]:
        return self.snapshot.get("actions", [])

    def numbers(self) -> dict[str, set[str]]:
        """Volet → the numbers this version shows."""
        numbers: dict[str, set[str]] = {}
        for record in self.actions:
            if record.get("number") and record.get("volet"):
                numbers.setdefault(record["volet"], set()).add(str(record["number"]))
        return numbers


def versions_folder(entity_folder: Path) -> Path:
    return entity_folder / c.VERSIONS_DIR


def load_versions(entity_folder: Path) -> list[Version]:
    """The adopted versions, oldest first; a folder that is not a recorded version is ignored."""
    folder = versions_folder(entity_folder)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        day = parse_seance(path.name)
        record = path / VERSION_FILE
        if day is None or not record.is_file():
            continue
        try:
            snapshot = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(snapshot, dict) and isinstance(snapshot.get("actions"), list):
            found.append(Version(0, day, path, snapshot))
    found.sort(key=lambda version: version.seance)
    for number, version in enumerate(found, start=1):
        version.number = number
    return found


def parse_seance(text: str) -> dt.date | None:
    match = SEANCE.match(str(text).strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def reference_version(versions: list[Version], since: dt.date | None) -> Version | None:
    """The version modifications are counted from: the one adopted on `since`, else the last one."""
    if since is None:
        return versions[-1] if versions else None
    return next((version for version in versions if version.seance == since), None)


SET_ASIDE_DIR = "annulees"
"""versions/annulees/<AAAA-MM-JJ>/: a version withdrawn (make adopter ANNULER=…), set aside, never deleted."""


@dataclass
class Adoption:
    """One entity's part in `make adopter`: the build it would record, and why it cannot (findings)."""

    folder: Path
    label: str
    state: dict | None = None
    documents: list[Path] = field(default_factory=list)
    refusals: list = field(default_factory=list)
    """Findings (errors) that stop the recording; a note when only another entity's refusal does."""
    number: int = 0
    """The number the version would take (the versions already adopted, plus one)."""
    version: Version | None = None
    """The version recorded (or withdrawn)."""
    after_legislature: bool = False
    """The séance lies in the year after the législature: the final evaluation's."""

    @property
    def refused(self) -> bool:
        return any(f.is_error for f in self.refusals)


def selected(folders: list[Path], entity: str | None) -> list[Path]:
    """The entity folders an adoption applies to: all, or the one named by ENTITE= (its folder's name)."""
    if not entity:
        return folders
    chosen = [folder for folder in folders if c.fold(folder.name) == c.fold(entity)]
    if not chosen:
        raise ConfigurationError(stop("entity-unknown", given=option("entite", entity),
                                      folders=[folder.name for folder in folders]))
    return chosen


def adopt_all(folders: list[Path], build: Path, seance: dt.date, today: dt.date | None = None,
              entity: str | None = None, given: dict | None = None) -> list[Adoption]:
    """Each entity's last successful build recorded as the version adopted on `seance` — every entity (or the one
    ENTITE= names) or none: when one is refused, nothing is recorded and each says why. The build folder must be
    this data folder's (origin.check: ConfigurationError otherwise, before anything). `given`: the folders the
    command was given (data, build: invocation.command's options), for the advice."""
    today = today or dt.date.today()
    folders = selected(folders, entity)
    check(build, folders)
    advice = Advice(given or {}, seance, entity)
    adoptions = [prepared_adoption(folder, build, seance, today, advice) for folder in folders]
    refused = [a for a in adoptions if a.refused]
    if refused:
        for adoption in adoptions:
            if not adoption.refused:
                adoption.refusals.append(finding("adoption-autre-refusee", others=[a.label for a in refused],
                                                 count=len(refused),
                                                 alone=advice.adopt(entite=adoption.folder.name)))
        return adoptions
    record_together(adoptions, seance, today)
    return adoptions


@dataclass
class Advice:
    """The commands an adoption's refusal tells the user to type, with the options they gave."""

    given: dict
    seance: dt.date
    entity: str | None = None

    def rebuild(self) -> str:
        return command("pst", **self.given)

    def adopt(self, **options) -> str:
        return command("adopter", **{**self.given, "seance": self.seance.isoformat(), "entite": self.entity,
                                     **options})


def prepared_adoption(folder: Path, build: Path, seance: dt.date, today: dt.date,
                      advice: Advice | None = None) -> Adoption:
    """What recording this entity would take, and every reason it cannot (nothing is written here)."""
    advice = advice or Advice({}, seance)
    again = {"rebuild": advice.rebuild(), "again": advice.adopt()}
    state, _ = previous_state(folder, build, [], "")
    adoption = Adoption(folder, shorten((state or {}).get("entity") or folder.name, 100), state)
    if state is None:
        adoption.refusals.append(finding("adoption-sans-construction", **again))
        return adoption
    legislature = str(state.get("legislature") or "")
    versions = load_versions(folder)
    adoption.number = len(versions) + 1
    last = (versions[-1].number, versions[-1].seance) if versions else None
    if (problem := seance_date(legislature, seance, today, last)) is not None:
        adoption.refusals.append(problem)
    built = state.get("build")
    if isinstance(built, str) and built and not same_folder(Path(built), build):
        adoption.refusals.append(finding("adoption-autre-sortie", built=built, build=str(absolute(build)),
                                         there=advice.adopt(build=built), **again))
        return adoption
    if changed := changed_since(folder, state, find_cadre):
        adoption.refusals.append(finding("adoption-classeurs-modifies", **again,
                                         files=", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")))
    adoption.documents, missing = recorded_documents(state, build / folder.name)
    for name in missing:
        adoption.refusals.append(finding("adoption-document-absent", file=str(absolute(build / folder.name / name)),
                                         **again))
    adoption.after_legislature = seance_after_legislature(legislature, seance)
    return adoption


def recorded_documents(state: dict, folder: Path) -> tuple[list[Path], list[str]]:
    """The documents the recorded build wrote (its state names them), with the PDFs made of them, and the names
    of those no longer there. A state of an earlier version of PST builder names none: the folder's documents."""
    names = state.get("documents")
    if not isinstance(names, list):
        found = [path for path in sorted(folder.glob("*")) if path.suffix in (".docx", ".pdf")
                 and finished_document(path)] if folder.is_dir() else []
        return found, []
    present = [folder / name for name in names if isinstance(name, str) and (folder / name).is_file()]
    missing = [name for name in names if isinstance(name, str) and not (folder / name).is_file()]
    pdfs = [pdf for path in present if (pdf := path.with_suffix(".pdf")).is_file() and path.suffix != ".pdf"]
    return present + pdfs, missing


def record_together(adoptions: list[Adoption], seance: dt.date, today: dt.date) -> None:
    """Every entity's version staged first, then moved into place; if one cannot be, those already in place are
    taken back: all or none."""
    staged: list[tuple[Adoption, Path, Path]] = []
    placed: list[Path] = []
    try:
        for adoption in adoptions:
            folder = versions_folder(adoption.folder) / seance.isoformat()
            temporary = folder.with_name(f".~{folder.name}")
            shutil.rmtree(temporary, ignore_errors=True)
            temporary.mkdir(parents=True)
            staged.append((adoption, temporary, folder))
            snapshot = {"format": VERSION_FORMAT, "version": adoption.number, "seance": seance.isoformat(),
                        "recorded_on": today.isoformat(), **adoption.state}
            adoption.version = Version(adoption.number, seance, folder, snapshot)
            # A lone surrogate (from a hand-edited state) cannot be written in UTF-8: « ? » instead.
            (temporary / VERSION_FILE).write_text(json.dumps(snapshot, ensure_ascii=False, indent=1), encoding="utf-8",
                                                  errors="replace")
            for document in adoption.documents:
                shutil.copy2(document, temporary / document.name)
        for adoption, temporary, folder in staged:
            temporary.rename(folder)
            placed.append(folder)
    except BaseException:
        for folder in placed:
            shutil.rmtree(folder, ignore_errors=True)
        for adoption in adoptions:
            adoption.version = None
        raise
    finally:
        for _, temporary, _ in staged:
            shutil.rmtree(temporary, ignore_errors=True)


def withdraw_all(folders: list[Path], seance: dt.date, entity: str | None = None,
                 given: dict | None = None) -> list[Adoption]:
    """`make adopter ANNULER=AAAA-MM-JJ`: the last recorded version of every entity (or of the one ENTITE= names),
    adopted on `seance`, set aside in versions/annulees/ — every one or none. The next build numbers as before
    it."""
    folders = selected(folders, entity)
    withdrawals = []
    for folder in folders:
        versions = load_versions(folder)
        withdrawal = Adoption(folder, shorten(versions[-1].snapshot.get("entity") or folder.name, 100)
                              if versions else folder.name)
        match = next((v for v in versions if v.seance == seance), None)
        if match is None:
            withdrawal.refusals.append(finding("annulation-aucune-version", day=long_date(seance), recorded=[
                f"{long_date(v.seance)} ({v.seance.isoformat()})" for v in versions]))
        elif match is not versions[-1]:
            withdrawal.refusals.append(finding("annulation-pas-la-derniere", day=long_date(seance),
                                               number=versions[-1].number, seance=long_date(versions[-1].seance),
                                               withdraw=command("adopter", annuler=versions[-1].seance.isoformat(),
                                                                **(given or {}))))
        withdrawal.version = match
        withdrawals.append(withdrawal)
    refused = [w for w in withdrawals if w.refused]
    if refused:
        for withdrawal in withdrawals:
            withdrawal.version = None
            if not withdrawal.refused:
                withdrawal.refusals.append(finding("annulation-autre-refusee", others=[w.label for w in refused],
                                                   count=len(refused), alone=command(
                                                       "adopter", **(given or {}), annuler=seance.isoformat(),
                                                       entite=withdrawal.folder.name)))
        return withdrawals
    moved: list[tuple[Path, Path]] = []
    try:
        for withdrawal in withdrawals:
            source = withdrawal.version.folder
            target = set_aside_path(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            source.rename(target)
            moved.append((target, source))
            withdrawal.version.folder = target
    except BaseException:
        for target, source in moved:
            target.rename(source)
        raise
    return withdrawals


def set_aside_path(version_folder: Path) -> Path:
    """versions/annulees/<AAAA-MM-JJ>, or <AAAA-MM-JJ>_2… when that séance was already set aside once."""
    folder = version_folder.parent / SET_ASIDE_DIR
    target, n = folder / version_folder.name, 1
    while target.exists():
        n += 1
        target = folder / f"{version_folder.name}_{n}"
    return target


def changed_since(folder: Path, state: dict | None, find_cadre) -> list[str]:
    """The cadre and the workbooks modified after the build the state records (its `built_at`)."""
    built_at = (state or {}).get("built_at")
    try:
        moment = dt.datetime.fromisoformat(built_at).timestamp() if isinstance(built_at, str) else None
    except ValueError:
        moment = None
    if moment is None:
        return []
    services = folder / c.SERVICES_DIR
    inputs = [find_cadre(folder), *(sorted(services.iterdir()) if services.is_dir() else [])]
    return [path.name for path in inputs if path is not None and path.is_file()
            and path.suffix.lower() in c.WORKBOOK_SUFFIXES and path.stat().st_mtime > moment]


# --- What changed since an adopted version -------------------------------------------------------------------
@dataclass
class Change:
    kind: str
    """added, withdrawn, moved, renamed, status (actions); os-added, os-removed, os-renamed, oo-… (objectives)."""
    volet: str
    number: str = ""
    title: str = ""
    before: str = ""
    after: str = ""
    reference: str = ""


@dataclass
class Modifications:
    number: int
    """The version the modifications are counted from, and its séance."""
    seance: dt.date
    changes: list[Change] = field(default_factory=list)

    @property
    def structural(self) -> list[Change]:
        """What changes the programme itself (everything but a status): the PST is then « actualisé »."""
        return [change for change in self.changes if change.kind != "status"]

    def of(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]


def modifications(version: Version, entity) -> Modifications:
    """The actions added, withdrawn, moved to another OO, renamed or whose status changed, and the objectives added,
    removed or renamed, between `version` and the entity as built now."""
    return compare(version, entity.actions(), objectives_record(entity))


def compare(version: Version, actions, objectives: dict) -> Modifications:
    """What changed between `version` and `actions` (anything with `reference`, `volet`, `oo_code`, `number`,
    `title` and `status`: the model's actions, or a later version's records as `Recorded`) and `objectives` (as
    state.objectives_record gives them)."""
    result = Modifications(version.number, version.seance)
    before = {c.code_key(record["reference"]): record for record in version.actions if record.get("reference")}
    now = {c.code_key(action.reference): action for action in actions if action.reference}
    for key, action in now.items():
        record = before.get(key)
        if record is None:
            result.changes.append(Change("added", action.volet, action.number, action.title, reference=action.reference))
            continue
        place_before, place_now = (record.get("volet"), record.get("oo_code")), (action.volet, action.oo_code)
        if place_before != place_now:
            result.changes.append(Change("moved", action.volet, action.number, action.title,
                                         f"OO {place_before[1]} ({place_before[0]})",
                                         f"OO {action.oo_code} ({action.volet})", action.reference))
        if c.fold(record.get("title", "")) != c.fold(action.title):
            result.changes.append(Change("renamed", action.volet, action.number, action.title,
                                         record.get("title", ""), action.title, action.reference))
        if (record.get("status") or "") != (action.status or ""):
            result.changes.append(Change("status", action.volet, action.number, action.title,
                                         record.get("status") or phrase("status-not-typed"),
                                         action.status or phrase("status-not-typed"),
                                         action.reference))
    for key, record in before.items():
        if key not in now:
            result.changes.append(Change("withdrawn", record.get("volet", ""), str(record.get("number", "")),
                                         record.get("title", ""), reference=record.get("reference", "")))
    result.changes += objective_changes(version.snapshot.get("objectives", {}), objectives)
    return result


@dataclass(frozen=True)
class Recorded:
    """An action as a version records it, compared like the model's (compare)."""

    reference: str
    volet: str
    oo_code: str
    number: str
    title: str
    status: str | None

    @classmethod
    def of(cls, record: dict) -> Recorded:
        return cls(str(record.get("reference") or ""), str(record.get("volet") or ""),
                   str(record.get("oo_code") or ""), str(record.get("number") or ""), str(record.get("title") or ""),
                   record.get("status") or None)


def between(before: Version, after: Version) -> Modifications:
    """What the conseil took note of at `after`'s séance: the changes since `before` (an actualisation)."""
    return compare(before, [Recorded.of(record) for record in after.actions if isinstance(record, dict)],
                   after.snapshot.get("objectives", {}))


def objective_changes(before: dict, now: dict) -> list[Change]:
    changes = []
    for level, label in (("os", "os"), ("oo", "oo")):
        old = {(item["volet"], str(item["number"])): item["title"] for item in before.get(level, [])}
        new = {(item["volet"], str(item["number"])): item["title"] for item in now.get(level, [])}
        for key in sorted(new.keys() - old.keys()):
            changes.append(Change(f"{label}-added", key[0], key[1], new[key]))
        for key in sorted(old.keys() - new.keys()):
            changes.append(Change(f"{label}-removed", key[0], key[1], old[key]))
        for key in sorted(old.keys() & new.keys()):
            if c.fold(old[key]) != c.fold(new[key]):
                changes.append(Change(f"{label}-renamed", key[0], key[1], new[key], old[key], new[key]))
    return changes
