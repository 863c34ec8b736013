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
from .french import long_date

VERSIONS_DIR = "versions"
VERSION_FILE = "version.json"
VERSION_FORMAT = 1
SEANCE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class AdoptionRefused(Exception):
    """Why a version cannot be recorded (French): exit code 1 for that entity."""


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
    return entity_folder / VERSIONS_DIR


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


def adopt(entity_folder: Path, state: dict | None, state_file: Path, documents: list[Path], seance: dt.date,
          inputs_changed: list[str]) -> Version:
    """Record the last successful build as the version adopted at the séance `seance`; raises AdoptionRefused."""
    if state is None:
        raise AdoptionRefused("aucune construction réussie du PST n’est enregistrée : lancez d’abord « make pst », "
                              "corrigez ses erreurs éventuelles, puis relancez « make adopter ».")
    if inputs_changed:
        shown = ", ".join(inputs_changed[:5]) + (" …" if len(inputs_changed) > 5 else "")
        raise AdoptionRefused(f"des classeurs ont changé depuis la dernière construction ({shown}) : relancez "
                              "« make pst », vérifiez le document, puis relancez « make adopter ».")
    versions = load_versions(entity_folder)
    if versions and seance <= versions[-1].seance:
        raise AdoptionRefused(f"la version {versions[-1].number} a été adoptée le {long_date(versions[-1].seance)} : "
                              "une nouvelle version porte une date de séance postérieure.")
    folder = versions_folder(entity_folder) / seance.isoformat()
    staged = folder.with_name(f".~{folder.name}")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    try:
        snapshot = {"format": VERSION_FORMAT, "version": len(versions) + 1, "seance": seance.isoformat(),
                    "recorded_on": dt.date.today().isoformat(), **state}
        # A lone surrogate (from a hand-edited state) cannot be written in UTF-8: « ? » instead.
        (staged / VERSION_FILE).write_text(json.dumps(snapshot, ensure_ascii=False, indent=1), encoding="utf-8",
                                           errors="replace")
        for document in documents:
            shutil.copy2(document, staged / document.name)
        staged.rename(folder)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return load_versions(entity_folder)[-1]


def adopt_all(folders: list[Path], build: Path, seance: dt.date) -> list[tuple[str, Version | None, str]]:
    """Each entity's last successful build recorded as adopted on `seance`: (label, version or None, why not)."""
    from .load import find_cadre
    from .state import load_state, state_path

    outcomes = []
    for folder in folders:
        path = state_path(build, folder)
        state = load_state(path)
        label = (state or {}).get("entity") or folder.name
        documents = [document for document in sorted(path.parent.glob("*")) if document.suffix in (".docx", ".pdf")
                     and "_PROVISOIRE" not in document.stem and not document.name.startswith(".~")]
        try:
            version = adopt(folder, state, path, documents, seance, changed_since(folder, state, find_cadre))
            outcomes.append((label, version, ""))
        except AdoptionRefused as refused:
            outcomes.append((label, None, str(refused)))
    return outcomes


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
    result = Modifications(version.number, version.seance)
    before = {c.code_key(record["reference"]): record for record in version.actions if record.get("reference")}
    now = {c.code_key(action.reference): action for action in entity.actions() if action.reference}
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
                                         record.get("status") or "non renseigné", action.status or "non renseigné",
                                         action.reference))
    for key, record in before.items():
        if key not in now:
            result.changes.append(Change("withdrawn", record.get("volet", ""), str(record.get("number", "")),
                                         record.get("title", ""), reference=record.get("reference", "")))
    result.changes += objective_changes(version.snapshot.get("objectives", {}), objectives_record(entity))
    return result


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


def objectives_record(entity) -> dict:
    """The objectives as a version keeps them."""
    return {"os": [{"volet": os.volet, "number": os.number, "title": os.title}
                   for volet in entity.volets for os in volet.objectives],
            "oo": [{"volet": oo.volet, "number": oo.code, "title": oo.title}
                   for volet in entity.volets for oo in volet.operational()]}
