"""`make templates`: one workbook per service, generated from each entity's cadre.xlsx.

The frame gives the objectives (dropdown of `N° OO`, sheet « Cadre ») and, from contract 1.1, the `Listes` sheet
gives the services (one workbook each), mandataires, plans, partner institutions and ODD. Without it: plans and
ODD from the contract's defaults, services from the names of the workbooks already in `services/` (else one
generic « Service.xlsx »), and free text elsewhere.

With `prefilled`, each workbook comes back with the service's actions as of the last successful build (the state
written by `make pst`, see pipeline/state.py), each with its Réf., so that the returned workbook updates the same
actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from . import contract as c
from .atomic import safe_file_name
from .findings import Finding, finding, stop
from .frame import Frame, read_frame
from .french import long_date, short_date
from .load import ConfigurationError, service_files
from .normalize import parse_date
from .origin import claim
from .state import file_key, from_partial_iso, prefill_budget_rows, prefill_row, previous_state
from .versions import load_versions
from .workbooks import ServiceWorkbook, save_workbook, service_workbook

GENERIC_SERVICE = "Service"


class NoPreviousBuild(ConfigurationError):
    """`--prerempli` without the state of a successful build: exit code 2."""


@dataclass
class EntityTemplates:
    folder: Path
    label: str
    findings: list[Finding]
    written: list[Path] = field(default_factory=list)
    prefilled_actions: int = 0
    prefilled_from: str = ""
    failure: object = None
    """build.Failure when the entity's workbooks could not be written at all (the others are)."""

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


# --- Choosing what each workbook offers ----------------------------------------------------------------------
def service_file_name(name: str) -> str:
    """A service's name as the name of its workbook."""
    return safe_file_name(name, fallback=GENERIC_SERVICE)


def service_names(frame: Frame) -> list[str]:
    """The services to write a workbook for: `Listes`, else the workbooks already in services/, else one."""
    if frame.lists.get("services"):
        names = list(frame.lists["services"])
    else:
        files, _ = service_files(frame.folder)
        names = [path.stem for path in files]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(c.fold(service_file_name(name)) or name.casefold(), name)
    return list(unique.values()) or [GENERIC_SERVICE]


def choices(frame: Frame, other_codes: list[str]) -> dict[str, tuple[str, ...]]:
    """Dropdown values per `Listes` column: the sheet's, else the defaults, else (institutions) the other
    entities of DATA, or « CPAS » for a commune."""
    found = dict(c.DEFAULT_LISTS)
    institutions = tuple(code for code in other_codes if code != frame.parameters.values.get("code"))
    if not institutions and frame.parameters.values.get("entity_type") != c.ENTITY_CPAS:
        institutions = (c.ENTITY_CPAS,)  # a commune's usual partner, whose code is commonly its type
    found["institutions"] = institutions
    found.update(frame.lists)
    return found


def deadline(frame: Frame) -> tuple[str, list[Finding]]:
    raw = frame.parameters.values.get("deadline", "")
    if not raw:
        return "", []
    day, problem = parse_date(raw)
    if problem:
        label = next(p.label for p in c.PARAMETERS if p.key == "deadline")
        return "", [finding("date-limite-illisible", value=raw, label=label, **frame.parameters.positions["deadline"])]
    return long_date(day), []


# --- Writing -------------------------------------------------------------------------------------------------
def recorded_by_service(state: dict, names: list[str]) -> tuple[dict[str, list[dict]], list[str]]:
    """The recorded actions of each service (file name = service name, in the file's row order), and the
    services to add for recorded files that no listed service matches, so that no action is left behind."""
    keys = {c.fold(service_file_name(name)): name for name in names}
    rows: dict[str, list[dict]] = {name: [] for name in names}
    extra: list[str] = []
    for record in sorted(state["actions"], key=lambda r: (str(r["file"]).casefold(), r.get("row") or 0)):
        key = file_key(record["file"])
        if key not in keys:
            name = Path(record["file"]).stem
            keys[key] = name
            rows[name] = []
            extra.append(name)
        rows[keys[key]].append(record)
    return rows, extra


def templates_folder(build: Path, folder: Path) -> Path:
    return build / folder.name / c.TEMPLATES_DIR


def clear_previous(destination: Path) -> None:
    """The folder is ours: a service dropped from `Listes` must not keep an old workbook there."""
    if destination.is_dir():
        for old in destination.glob("*.xlsx"):
            old.unlink()


def entity_templates(frame: Frame, build: Path, other_codes: list[str], state: dict | None) -> EntityTemplates:
    label = frame.parameters.values.get("entity_name") or frame.folder.name
    result = EntityTemplates(frame.folder, label, list(frame.findings))
    if frame.has_errors:
        return result
    entity = frame.objectives()
    when, found = deadline(frame)
    result.findings += found
    names = service_names(frame)
    recorded: dict[str, list[dict]] = {}
    if state is not None:
        recorded, extra = recorded_by_service(state, names)
        names += extra
        result.findings += [finding("classeur-hors-liste", file=f"{name}.xlsx", service=name) for name in extra]
        result.prefilled_actions = len(state["actions"])
        built_on = from_partial_iso(state.get("built_on"))
        result.prefilled_from = short_date(built_on.first_day()) if built_on and built_on.day else ""
    adopted = bool(load_versions(frame.folder))
    destination = templates_folder(build, frame.folder)
    clear_previous(destination)
    result.written = write_workbooks(frame, entity, names, recorded, destination, choices(frame, other_codes),
                                     deadline=when, numbers=adopted, prefilled_from=result.prefilled_from)
    return result


def write_workbooks(frame: Frame, entity, names: list[str], recorded: dict[str, list[dict]], destination: Path,
                    offered: dict, deadline: str = "", numbers: bool = False, prefilled_from: str = "",
                    files: dict[str, str] | None = None) -> list[Path]:
    """One workbook per service in `destination`, pre-filled with its recorded actions (state records: key → JSON
    value); `numbers`: the actions' numbers are written (an adopted version's, or an order to keep); `files`: a
    service's workbook name when it is not its name as a file name (make importer)."""
    written = []
    for name in names:
        spec = ServiceWorkbook(
            service=name, entity_name=entity.name, entity_type=entity.type,
            legislature=entity.legislature, volets=entity.volets, choices=offered, deadline=deadline,
            contact=frame.parameters.values.get("contact", ""), return_address=frame.parameters.values.get("return_address", ""),
            rows=[prefill_row(record, numbers=numbers) for record in recorded.get(name, [])],
            budget_rows=[line for record in recorded.get(name, []) for line in prefill_budget_rows(record)],
            prefilled_from=prefilled_from)
        written.append(save_workbook(service_workbook(spec), destination / f"{(files or {}).get(name) or service_file_name(name)}.xlsx"))
    return written


def generate(folders: list[Path], build: Path, prefilled: bool = False) -> list[EntityTemplates]:
    """The workbooks of every entity; raises NoPreviousBuild (before writing anything) when `prefilled` and an
    entity has no recorded build."""
    states = {folder: previous_state(folder, build, load_versions(folder), "")[0] if prefilled else None
              for folder in folders}
    missing = [folder for folder, state in states.items() if prefilled and state is None]
    if missing:
        raise NoPreviousBuild(stop("no-previous-build", folders=[folder.name for folder in missing]))
    claim(build, folders)
    frames = {folder: isolated(folder, read_frame, folder) for folder in folders}
    codes = [f.parameters.values.get("code", "").upper() for f in frames.values()
             if isinstance(f, Frame) and f.parameters.values.get("code")]
    return [frame if isinstance(frame, EntityTemplates)
            else isolated(folder, entity_templates, frame, build, codes, states[folder])
            for folder, frame in frames.items()]


def isolated(folder: Path, function, *args):
    """`function(*args)`, or — when it fails — the entity's result carrying the failure: one entity's failure
    never hides the others' workbooks."""
    from .build import failure_of

    try:
        return function(*args)
    except Exception as problem:
        return EntityTemplates(folder, folder.name, [], failure=failure_of(problem))
