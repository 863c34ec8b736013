"""Watch (`make suivre`): the data folder watched while the services' workbooks come in; each save gives its
verdict at once.

The command builds every entity once, as `make pst` does, then waits. When a service's workbook (or an entity's
cadre) is saved, added, renamed or removed, the entity it belongs to is built again in this same process: its
validation report and the services' feedback first — its verdict printed then —, its documents right after, its
state saved as `make pst` saves it (never a version: `make adopter` records those). The other entities are not read
again: their last results are reused, and the documents of a pair (synergies, joint PST) are written again with the
entity that changed.

What did not change is not done again:

- a workbook is read again only when its bytes changed (`ReadCache`, around `load.read_service_workbook` and
  `load.load_frame`: keyed by the file's path, and by the digest of its bytes unless its size and modification time
  are those it was read with, well after it was last written);
- the Word templates stay compiled in the process (render.py keeps them), and nothing is imported again;
- an entity that did not change is not read, checked nor written again — unless what its documents say of
  another changed (its findings, or a partner's actions it pairs with).

Saves are taken as programs make them: Excel and LibreOffice write a temporary file, then rename it; their lock
files (« ~$… », « .~lock…# ») and temporary files never start a build (`concerns`). A changed file is read once it
is complete: a zip workbook (.xlsx, .ods) as soon as its central directory — written last — can be read; another
file once its size and modification time stay the same for `SETTLE` seconds. A file still locked by Excel (Windows: PermissionError on opening) is
waited for; after `PATIENCE` seconds the console says so, and it is read as soon as it can be. Several saves close
together (a burst) make one build.

Changes come from `watchfiles` (notify: inotify, FSEvents, ReadDirectoryChangesW), as batches; `follow` is the loop,
fed by any iterator of batches, so that tests drive it without timing luck, and `Session.rebuild` is the build
itself. Ctrl+C (KeyboardInterrupt) stops both at once: documents are staged and moved into place together
(build.write_together), so each is either the old one or the new one, whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pickle
import stat
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import contract as c
from . import frame as frame_stage
from . import load, parallel
from .build import (BuildReport, CrossReferenceResult, EntityResult, Pair, cross_checks, cross_references,
                    pair_leftovers, partners, prepared, rendered)
from .files import OLE2_MAGIC, ZIP_MAGIC
from .load import find_cadre, find_entity_folders, is_ignored_name
from .origin import claim
from .synergy import partners as named_partners

ADDED, MODIFIED, REMOVED = "added", "modified", "removed"
"""What happened to a file, as the console says it."""

STEP_MS = 30
"""watchfiles gathers the changes of a burst until one step passes without a new one."""
TICK_MS = 50
"""Without changes, watchfiles yields an empty batch this often: the pending files are looked at again."""
SETTLE = 0.1
"""Seconds a changed file must stay as it is — the same size and modification time at two looks this far apart, or
last modified this long ago — for its writer to be done."""
PATIENCE = 3.0
"""Seconds a file may stay locked or incomplete before the console says so (locked) or it is read anyway
(incomplete: what is wrong with it becomes its finding)."""
RACY_SECONDS = 2.0
"""A file read less than this after its last modification is checked by its bytes next time, not by its size and
time alone: a file system that keeps times to the second (FAT, some network shares) could hide a second save."""
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})


# --- What was read, reused -----------------------------------------------------------------------------------
@dataclass
class Remembered:
    signature: tuple[int, int]
    """(size, modification time in ns) of the file when it was read."""
    digest: str
    settled: bool
    """Read well after its last modification: the same signature is enough to reuse it (RACY_SECONDS)."""
    kept: bytes
    """What was read, pickled (`kept`, `taken`)."""


def signature_of(status: os.stat_result) -> tuple[int, int]:
    return status.st_size, status.st_mtime_ns


def digest_of(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


SHARED = {id(value): name for name, value in vars(c).items() if isinstance(value, c.SheetContract)}
"""The contract's sheets, kept by name: what was read refers to them, never to copies of them."""


class Keeper(pickle.Pickler):
    def persistent_id(self, value):
        return SHARED.get(id(value))


class Taker(pickle.Unpickler):
    def persistent_load(self, name: str):
        return getattr(c, name)


def kept(value) -> bytes:
    """What was read (a ServiceFile, a LoadedFrame) as bytes: each build takes a copy of it that shares nothing with
    the others (`taken`) — it can neither change what is kept nor hold on to it (pandas records, in a frame, every
    view taken of its data or its index: a frame kept and read at each build would grow build after build)."""
    stream = io.BytesIO()
    Keeper(stream, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return stream.getvalue()


def taken(blob: bytes):
    return Taker(io.BytesIO(blob)).load()


class ReadCache:
    """What load read from each workbook (`load.read_service_workbook`, `load.load_frame`), kept while the watch
    runs: a file whose bytes did not change is not read again. Installed around the reading of the entities only
    (`installed`); the readers themselves are unchanged. `reads` counts the files really read (tests)."""

    def __init__(self) -> None:
        self.entries: dict[tuple, Remembered] = {}
        self.used: set[tuple] = set()
        self.reads = 0
        self.read_workbook = load.read_service_workbook
        self.read_frame = load.load_frame

    def remembered(self, key: tuple, path: Path, read: Callable[[], object]):
        entry = self.entries.get(key)
        try:
            status = os.stat(path)
            if entry is not None and entry.settled and entry.signature == signature_of(status):
                self.used.add(key)
                return taken(entry.kept)
            digest = digest_of(path)
        except OSError:  # gone, or locked by the program saving it (Windows): the reader says what it finds
            self.entries.pop(key, None)
            self.reads += 1
            return read()
        self.used.add(key)
        settled = time.time() - status.st_mtime_ns / 1e9 > RACY_SECONDS
        if entry is not None and entry.digest == digest:
            self.entries[key] = replace(entry, signature=signature_of(status), settled=settled)
            return taken(entry.kept)
        self.reads += 1
        value = read()
        self.entries[key] = Remembered(signature_of(status), digest, settled, kept(value))
        return value

    def service_workbook(self, path: Path, numeric_keys: tuple[str, ...]) -> load.ServiceFile:
        return self.remembered(("workbook", os.path.abspath(path), tuple(numeric_keys)), path,
                               lambda: self.read_workbook(path, numeric_keys))

    def frame(self, folder: Path) -> load.LoadedFrame:
        cadre = find_cadre(folder)
        if cadre is None:
            return self.read_frame(folder)  # says it (ConfigurationError)
        return self.remembered(("frame", os.path.abspath(folder), os.path.abspath(cadre)), cadre,
                               lambda: self.read_frame(folder))

    @contextmanager
    def installed(self, folders: Iterable[Path]):
        """The readers of load (and frame, which imported load_frame) replaced by the cached ones while entities are
        read; then what was not used again in `folders` (a workbook removed or renamed) is forgotten."""
        self.used = set()
        saved = load.read_service_workbook, frame_stage.load_frame
        load.read_service_workbook, frame_stage.load_frame = self.service_workbook, self.frame
        try:
            yield self
        finally:
            load.read_service_workbook, frame_stage.load_frame = saved
        self.forget(lambda key: key not in self.used and inside(key[1], folders))

    def forget(self, dropped: Callable[[tuple], bool]) -> None:
        for key in [key for key in self.entries if dropped(key)]:
            del self.entries[key]


def inside(path: str, folders: Iterable[Path]) -> bool:
    """`path` (absolute) is one of `folders` or lies inside one."""
    return any(path == root or path.startswith(os.path.join(root, ""))
               for root in (os.path.abspath(folder) for folder in folders))


# --- Which changes matter, and when a file is complete --------------------------------------------------------
def workbook_name(path: Path) -> bool:
    return path.suffix.lower() in c.WORKBOOK_SUFFIXES and not is_ignored_name(path)


def owner(path: Path, root: Path, one_entity: bool) -> Path | None:
    """The entity folder a changed path belongs to — a service's workbook, a cadre, a services/ folder, an entity
    folder itself — or None when no build depends on it (a lock file, a temporary file of Excel or LibreOffice, the
    state the build writes, an adopted version, BUILD inside DATA…). `root`: DATA; `one_entity`: DATA is an
    entity's folder."""
    parent = path.parent
    if parent.name == c.SERVICES_DIR and workbook_name(path):
        entity = parent.parent
    elif workbook_name(path) and c.fold(path.stem) == "cadre":
        entity = parent
    elif path.name == c.SERVICES_DIR:
        entity = parent
    elif not one_entity and parent == root and not is_ignored_name(path) and (path.is_dir() or not path.suffix):
        entity = path  # an entity folder added, removed or renamed
    else:
        return None
    return entity if entity == root or (not one_entity and entity.parent == root) else None


COMPLETE, SEALED, INCOMPLETE, LOCKED, GONE = "complete", "sealed", "incomplete", "locked", "gone"


def look(path: Path) -> tuple[str, tuple[int, int] | None]:
    """(what the file looks like now, its signature): gone; locked by the program saving it (Windows); incomplete
    (empty, or a zip whose central directory — written last — cannot be read yet); sealed (a zip whose central
    directory reads: its writer is done); complete (another file: done if it stays so for SETTLE seconds)."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return GONE, None
    except OSError:
        return LOCKED, None
    signature = signature_of(status)
    if not stat.S_ISREG(status.st_mode):
        return COMPLETE, signature
    if status.st_size == 0:
        return INCOMPLETE, signature
    try:
        with open(path, "rb") as stream:
            head = stream.read(len(OLE2_MAGIC))
            if head.startswith(ZIP_MAGIC) and path.suffix.lower() in ZIP_SUFFIXES:
                zipfile.ZipFile(stream).close()
                return SEALED, signature
    except PermissionError:
        return LOCKED, signature
    except (zipfile.BadZipFile, EOFError, OSError):
        return INCOMPLETE, signature
    return COMPLETE, signature


@dataclass
class Pending:
    """A changed path not built yet."""

    entity: Path
    since: float
    """When its first change of this burst was seen (monotonic seconds)."""
    signature: tuple[int, int] | None = None
    """At the last look (None: not looked at since its last change)."""
    looked: float = 0.0
    """When it was first seen with that signature."""
    told: bool = False
    """The console said it is locked."""


# --- The build, again and again -------------------------------------------------------------------------------
@dataclass
class Rebuild:
    """One build of the watch: what it wrote, in `report` (the entities written again and their pairs), and what
    it took."""

    report: BuildReport
    changes: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0
    verdict_seconds: float | None = None
    """From the start of the build to the last verdict (the reports written)."""


class Listener:
    """What the watch tells as it goes (the console's printer in cli.py); each method is called as soon as what it
    tells is known."""

    def changed(self, changes: list[tuple[Path, str]]) -> None:
        """A build starts for these changes ((path, ADDED | MODIFIED | REMOVED))."""

    def verdict(self, result: EntityResult) -> None:
        """The entity's validation report and feedback are written (or it failed): its findings and counts."""

    def documents(self, result: EntityResult) -> None:
        """Its documents are written (or why not)."""

    def finished(self, rebuild: Rebuild) -> None:
        """The pairs' documents are written: the build is over."""

    def waiting(self, path: Path) -> None:
        """A changed file stays locked by another program."""


class Session:
    """The watched data folder and what its last builds left: each entity's result before rendering (reused when
    another entity changes), its last written result, the pairs' last documents, and the cache of what was read.
    `jobs`: processes for an entity's documents. Beyond one, the documents other than the costliest are written by
    children forked for the build, which Ctrl+C does not reach and which this process kills before it stops
    (parallel.sheltered): a pool's workers could swallow the interrupt in Python's own at-fork steps, or keep the
    process waiting at its exit. Without `fork` (Windows) everything is written in this process: a spawned child
    would import everything again at each build."""

    def __init__(self, data: Path, build: Path, despite_errors: bool = False, jobs: int = 1,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.data, self.build = Path(data), Path(build)
        self.root = Path(os.path.realpath(data))
        self.despite_errors, self.jobs, self.today = despite_errors, jobs, today
        self.cache = ReadCache()
        self.folders: list[Path] = []
        self.prepared: dict[Path, EntityResult] = {}
        """By folder: the entity as assembled (findings before the cross-checks), reused until it changes."""
        self.written: dict[Path, EntityResult] = {}
        """By folder: the entity as last written, and what its documents were made from (`inputs`)."""
        self.inputs: dict[Path, tuple] = {}
        self.pairs: dict[tuple[Path, Path], CrossReferenceResult] = {}
        """By the folders of its two entities: the pair's last documents (or why it has none)."""
        self.seen: dict[Path, set[str]] = {}
        """By folder: the real paths of its cadre and workbooks when it was last read (ADDED or MODIFIED)."""

    def kind(self, path: Path) -> str:
        if not os.path.lexists(path):
            return REMOVED
        real = os.path.realpath(path)
        return MODIFIED if any(real in names for names in self.seen.values()) else ADDED

    @property
    def one_entity(self) -> bool:
        return self.folders == [self.data]

    def concerns(self, path: Path | str) -> Path | None:
        """The entity folder (real path) a change of `path` makes to build again, or None."""
        return owner(Path(os.path.realpath(path)), self.root, self.one_entity)

    def rebuild(self, paths: Iterable[Path] | None = None, listener: Listener | None = None) -> Rebuild:
        """Build again the entities the changed `paths` belong to (None: every entity, the first build), reusing
        the others, then the documents of their pairs. Raises ConfigurationError when DATA cannot be used
        (origin.claim, load.find_entity_folders): nothing is built then."""
        listener = listener or Listener()
        started = time.perf_counter()
        changes = None if paths is None else [(Path(path), self.kind(Path(path))) for path in paths]
        folders = find_entity_folders(self.data)
        notes = claim(self.build, folders) if folders != self.folders else []
        self.folders = folders
        self.forget(folders)
        touched = None if changes is None else {self.concerns(path) for path, _ in changes}
        again = [f for f in folders if f not in self.prepared or touched is None
                 or Path(os.path.realpath(f)) in touched]
        if changes:
            listener.changed(changes)
        with self.cache.installed(again):
            for folder in again:
                self.prepared[folder] = prepared(folder, self.build)
                self.seen[folder] = files_of(folder)
        results = [working_copy(self.prepared[folder]) for folder in folders]
        pairs = cross_checks(results, self.one_entity)
        known = partners(results)
        rebuild = Rebuild(BuildReport(despite_errors=self.despite_errors, notes=notes), changes or [])
        today = self.today()
        for index, result in enumerate(results):
            inputs = documents_inputs(result, known, pairs, index, results)
            if result.folder not in again and self.inputs.get(result.folder) == inputs:
                results[index] = self.written[result.folder]
                continue
            told = []

            def reported(done: EntityResult) -> None:
                told.append(True)
                rebuild.verdict_seconds = time.perf_counter() - started
                listener.verdict(done)

            with parallel.sheltered():
                result = rendered(result, self.build, known, today, self.despite_errors, self.jobs,
                                  reported=reported)
            if not told:
                reported(result)
            listener.documents(result)
            results[index] = self.written[result.folder] = result
            self.inputs[result.folder] = inputs
            rebuild.report.results.append(result)
        rebuild.report.cross_references = self.write_pairs(results, pairs, rebuild, today)
        rebuild.seconds = time.perf_counter() - started
        listener.finished(rebuild)
        return rebuild

    def write_pairs(self, results: list[EntityResult], pairs: list[Pair], rebuild: Rebuild,
                    today: dt.date) -> list[CrossReferenceResult]:
        """The pair outputs of the pairs with an entity written again (the others' are as they were), and the
        documents of pairs that no longer hold (pair_leftovers, over every pair)."""
        again = {id(result) for result in rebuild.report.results}
        wanted = [pair for pair in pairs if id(results[pair.left]) in again or id(results[pair.right]) in again]
        done = cross_references(results, wanted, self.build, today)
        folder_of = {id(result.entity): result.folder for result in results if result.entity}

        def key(left, right) -> tuple[Path, Path]:
            return folder_of[id(left)], folder_of[id(right)]

        current = {key(results[pair.left].entity, results[pair.right].entity) for pair in pairs}
        renewed = {key(results[pair.left].entity, results[pair.right].entity) for pair in wanted}
        self.pairs = {k: v for k, v in self.pairs.items() if k in current and k not in renewed}
        self.pairs.update({key(result.xref.left, result.xref.right): result for result in done})
        if not self.one_entity:
            rebuild.report.leftovers = pair_leftovers(results, list(self.pairs.values()), self.build)
        return done

    def forget(self, folders: list[Path]) -> None:
        """What was kept of entity folders no longer in DATA."""
        for kept in (self.prepared, self.written, self.inputs, self.seen):
            for folder in [folder for folder in kept if folder not in folders]:
                del kept[folder]
        self.cache.forget(lambda key: not inside(key[1], folders))


def files_of(folder: Path) -> set[str]:
    """The real paths of the entity's cadre and services' workbooks."""
    cadre = find_cadre(folder) if folder.is_dir() else None
    return {os.path.realpath(path) for path in [*load.service_files(folder)[0], *([cadre] if cadre else [])]}


def working_copy(result: EntityResult) -> EntityResult:
    """An assembled entity ready for the cross-checks and its documents, which add to its findings and list what is
    written: the assembled one stays as it was, for the next build."""
    return replace(result, findings=list(result.findings), written=[], stale=list(result.stale), withheld=[])


def documents_inputs(result: EntityResult, known: dict[str, dict], pairs: list[Pair], index: int,
                     results: list[EntityResult]) -> tuple:
    """What an entity's documents are made from besides its own data: its findings (the cross-checks add to them)
    and what they show of the other entities — the institutions its actions name, its partners in a pair."""
    codes = set(named_partners(result.entity)) if result.entity else set()
    for pair in pairs:
        if index in (pair.left, pair.right):
            other = results[pair.right if index == pair.left else pair.left]
            codes.add(other.entity.code)
    return tuple(result.findings), {code: known.get(code) for code in sorted(codes)}


# --- The loop -------------------------------------------------------------------------------------------------
def follow(session: Session, batches: Iterator[set], listener: Listener | None = None,
           clock: Callable[[], float] = time.monotonic, rebuilds: int | None = None,
           failed: Callable[[BaseException], None] | None = None) -> int:
    """Build again as changes come: `batches` yields sets of (change, path) — watchfiles' batches, and an empty set
    when nothing happened for a while (a tick: the pending files are looked at again). An entity is built once
    every changed file of it is complete (unchanged for SETTLE seconds, at two looks) or gone; a locked file holds
    its entity back,
    and is told after PATIENCE seconds. Stops after `rebuilds` builds (tests) or when `batches` ends. `failed(e)`:
    what to do with an exception of one build (the console says it; the watch goes on); None: raised. Returns the
    number of builds."""
    listener = listener or Listener()
    pending: dict[Path, Pending] = {}
    done = 0
    for batch in batches:
        now = clock()
        for _, name in batch:
            path = Path(name)
            entity = session.concerns(path)
            if entity is not None:  # looked at again from its first look on
                known = pending.get(path)
                pending[path] = Pending(entity, known.since if known else now, told=bool(known and known.told))
        if not pending:
            continue
        ready = ready_paths(pending, now, listener)
        if batch:
            continue  # a burst goes on: built on a tick without changes
        held = {item.entity for path, item in pending.items() if path not in ready}
        paths = [path for path, item in pending.items() if path in ready and item.entity not in held]
        if not paths:
            continue
        for path in paths:
            del pending[path]
        try:
            session.rebuild(paths, listener)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as problem:
            if failed is None:
                raise
            failed(problem)
        done += 1
        if rebuilds is not None and done >= rebuilds:
            break
    return done


def ready_paths(pending: dict[Path, Pending], now: float, listener: Listener) -> set[Path]:
    """The pending paths that can be read: gone, sealed (a zip workbook whose central directory reads), or complete
    and settled (unchanged since the last look, and for SETTLE seconds: between the looks, or since its
    modification time); an incomplete file is read anyway after
    PATIENCE (what is wrong with it becomes its finding), a locked one is waited for."""
    ready = set()
    for path, item in pending.items():
        state, signature = look(path)
        waited = now - item.since >= PATIENCE
        if signature != item.signature or item.signature is None:
            item.signature, item.looked = signature, now
            settled = False
        else:
            settled = now - item.looked >= SETTLE or time.time() - signature[1] / 1e9 >= SETTLE
        if state in (GONE, SEALED) or settled and (state == COMPLETE or state == INCOMPLETE and waited):
            ready.add(path)
        elif state == LOCKED and waited and not item.told:
            item.told = True
            listener.waiting(path)
    return ready


def batches_of(session: Session, stop=None) -> Iterator[set]:
    """The changes of DATA from watchfiles, as `follow` takes them: a batch once a burst is over, an empty set every
    TICK_MS otherwise. The watcher runs from the first batch on (`next()` once before the first build: what
    changes during it is kept for the next batch). `stop`: an event (threading.Event) that ends it."""
    from watchfiles import watch

    yield from watch(session.root, watch_filter=lambda change, path: session.concerns(path) is not None,
                     step=STEP_MS, rust_timeout=TICK_MS, yield_on_timeout=True, stop_event=stop,
                     raise_interrupt=True)
