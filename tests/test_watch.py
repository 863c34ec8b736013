"""`make suivre` (issue 24): the data folder watched while the services' workbooks come in — each save rebuilds
its entity at once, in the same process, its validation report and verdict first, its documents right after; what
did not change is not read again; saves are taken as Excel and LibreOffice make them (temporary file then rename,
lock files, slow writers, files still locked); Ctrl+C leaves every document whole.

The build (`Session.rebuild`) and the loop (`follow`, fed with batches of changes as watchfiles yields them) are
driven directly, without timing luck; a few tests run the real command in a process, with generous timeouts."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from watchfiles import Change

from bench.synthetic import Shape, generate
from conftest import ROOT, action, docx_text, make_entity, write_workbook
from pipeline import parallel, watch
from pipeline.watch import ADDED, MODIFIED, REMOVED, Session, follow

LIBELLE = "Libellé de l'action"


# --- Helpers ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic entity of 30 actions in 3 services' workbooks (written once, copied by each test)."""
    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder, Shape(actions=30, services=3))
    return folder


@pytest.fixture
def data(synthetic, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(synthetic, copy)
    return copy


def entity_of(data: Path) -> Path:
    [folder] = [p for p in data.iterdir() if p.is_dir()]
    return folder


def workbooks(data: Path) -> list[Path]:
    return sorted((entity_of(data) / "services").glob("*.xlsx"))


def pst_of(build: Path) -> Path:
    [pst] = [p for p in build.rglob("PST_*.docx") if not p.name.startswith(".~")]
    return pst


def renamed_first_action(workbook: Path, title: str, into: Path | None = None, row: int = 2) -> Path:
    """The workbook with its first action's libellé (or the one on `row`) changed, saved into `into` (default:
    itself)."""
    book = load_workbook(workbook)
    sheet = book["Actions"]
    column = [cell.value for cell in sheet[1]].index(LIBELLE) + 1
    sheet.cell(row=row, column=column, value=title)
    book.save(into or workbook)
    return into or workbook


def saved_as_excel_does(workbook: Path, title: str, row: int = 2) -> None:
    """Excel's and LibreOffice's way: the new content in a temporary file beside it, then renamed over it."""
    temporary = workbook.with_name("A1B2C3D4.tmp")
    renamed_first_action(workbook, title, into=temporary, row=row)
    os.replace(temporary, workbook)


def first_row(workbook: Path) -> dict:
    """Header → value of the workbook's first action."""
    sheet = load_workbook(workbook)["Actions"]
    return {header.value: cell.value for header, cell in zip(sheet[1], sheet[2])}


class Heard(watch.Listener):
    """What the watch told, in order, with what the documents held when the verdict was told."""

    def __init__(self, build: Path | None = None):
        self.events: list[tuple] = []
        self.build = build

    def changed(self, changes):
        self.events.append(("changed", [(path.name, kind) for path, kind in changes]))

    def verdict(self, result):
        pst = [p for p in self.build.rglob("PST_*.docx")] if self.build else []
        self.events.append(("verdict", result.label, [f.code for f in result.findings],
                            docx_text(pst[0]) if pst else ""))

    def documents(self, result):
        self.events.append(("documents", result.label, [w.path.name for w in result.written]))

    def finished(self, rebuild):
        self.events.append(("finished",))

    def waiting(self, path):
        self.events.append(("waiting", path.name))

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]


def ticks(*steps):
    """Batches for `follow`: each step is a set of (Change, path) — or a function run at that point (a file being
    written), followed by no batch."""
    for step in steps:
        if callable(step):
            step()
            continue
        yield step


def changed(*paths: Path, change: Change = Change.modified) -> set:
    return {(change, str(path)) for path in paths}


TICK = set()
"""A batch without changes: watchfiles' timeout (TICK_MS without a change)."""


def ticking(step: float = 0.06):
    """A clock for `follow` that moves on by about a tick (TICK_MS) at each batch, whatever the time the test takes."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]
    return clock


# --- The build, again ---------------------------------------------------------------------------------------------
def test_a_saved_workbook_rebuilds_its_entity_reading_that_workbook_alone_report_first(data, tmp_path):
    build = tmp_path / "build"
    session = Session(data, build)
    first = session.rebuild()
    assert [r.document is not None for r in first.report.results] == [True]
    reads = session.cache.reads
    assert reads == len(workbooks(data)) + 1  # every workbook and the cadre, once

    workbook = workbooks(data)[1]
    saved_as_excel_does(workbook, "Repeindre la passerelle en vert")
    heard = Heard(build)
    rebuild = session.rebuild([workbook], heard)

    assert session.cache.reads == reads + 1  # the saved workbook alone was read again
    assert heard.kinds() == ["changed", "verdict", "documents", "finished"]
    assert heard.events[0] == ("changed", [(workbook.name, MODIFIED)])
    # When the verdict is told, the report is written but the PST is still the previous one.
    assert "Repeindre la passerelle en vert" not in heard.events[1][3]
    assert "Repeindre la passerelle en vert" in docx_text(pst_of(build))
    [result] = rebuild.report.results
    assert result.paths("report")[0].is_file() and result.document == pst_of(build)
    assert rebuild.verdict_seconds is not None and rebuild.verdict_seconds <= rebuild.seconds
    assert (entity_of(data) / "etat-pst.json").is_file()  # the state is saved as make pst saves it
    assert not (entity_of(data) / "versions").exists()  # never a version


def test_what_was_reused_builds_the_same_entity_as_a_fresh_build(data, tmp_path):
    from pipeline.build import assemble

    session = Session(data, tmp_path / "build")
    session.rebuild()
    workbook = workbooks(data)[0]
    saved_as_excel_does(workbook, "Installer des bancs")
    [again] = session.rebuild([workbook]).report.results
    fresh = assemble(entity_of(data), tmp_path / "build")
    assert [f.position() for f in again.findings] == [f.position() for f in fresh.findings]
    assert [(a.reference, a.number, a.title) for a in again.entity.actions()] == \
        [(a.reference, a.number, a.title) for a in fresh.entity.actions()]
    # What is kept is a copy: a build changing what it got changes nothing kept.
    kept = next(iter(session.cache.entries.values()))
    assert watch.taken(kept.kept) is not watch.taken(kept.kept)


def test_added_removed_workbooks_and_a_changed_cadre_each_rebuild_with_their_verdict(data, tmp_path):
    build = tmp_path / "build"
    session = Session(data, build)
    session.rebuild()
    entity = entity_of(data)
    count = len(session.written[entity].entity.actions())

    added = entity / "services" / "Nouveau service.xlsx"
    model = first_row(workbooks(data)[0])
    write_workbook(added, {"Actions": [action(volet=model["Volet"], oo=model["N° OO"], title="Ouvrir une ludothèque")]})
    heard = Heard()
    [result] = session.rebuild([added], heard).report.results
    assert heard.events[0] == ("changed", [(added.name, ADDED)])
    assert len(result.entity.actions()) == count + 1
    assert "Ouvrir une ludothèque" in docx_text(result.document)

    added.unlink()
    heard = Heard()
    [result] = session.rebuild([added], heard).report.results
    assert heard.events[0] == ("changed", [(added.name, REMOVED)])
    assert len(result.entity.actions()) == count
    assert "Ouvrir une ludothèque" not in docx_text(result.document)
    assert not any("Nouveau service" in key[1] for key in session.cache.entries)  # forgotten

    cadre = entity / "cadre.xlsx"
    book = load_workbook(cadre)
    sheet = book["Paramètres"]
    for row in sheet.iter_rows(min_row=1):
        if row[0].value == "Entité":
            row[1].value = "Commune de Surveillance"
    book.save(cadre)
    [result] = session.rebuild([cadre]).report.results
    assert result.label == "Commune de Surveillance"
    assert "Commune de Surveillance" in docx_text(result.document)


def test_an_unreadable_workbook_gives_its_finding_and_the_next_good_save_rebuilds(data, tmp_path):
    build = tmp_path / "build"
    session = Session(data, build)
    session.rebuild()
    workbook = workbooks(data)[0]
    good = workbook.read_bytes()
    workbook.write_bytes(b"\x01\x02 ceci n'est pas un classeur \xff" * 50)
    [result] = session.rebuild([workbook]).report.results
    assert [f.position()[:2] for f in result.findings if f.is_error] == [("fichier-illisible", workbook.name)]
    assert result.document is None and result.paths("report")
    workbook.write_bytes(good)
    [result] = session.rebuild([workbook]).report.results
    assert not result.has_errors and result.document is not None


def test_an_entity_that_did_not_change_is_not_written_again_unless_its_partner_changes_what_it_shows(tmp_path):
    data = tmp_path / "data"
    generate(data, Shape(actions=24, services=2, entities=2))  # a commune and its CPAS with shared synergies
    build = tmp_path / "build"
    session = Session(data, build)
    first = session.rebuild()
    assert len(first.report.results) == 2 and first.report.cross_references
    commune, cpas = sorted(p for p in data.iterdir() if p.is_dir())

    [workbook] = [path for path in sorted((cpas / "services").glob("*.xlsx")) if first_row(path)["Code synergie"]]
    sheet = load_workbook(workbook)["Actions"]
    code = [cell.value for cell in sheet[1]].index("Code synergie")
    assert sheet[3][code].value is None  # its first action is a synergy, its second is not
    saved_as_excel_does(workbook, "Accompagner les familles", row=3)  # no synergy touched
    heard = Heard()
    rebuild = session.rebuild([workbook], heard)
    assert [r.folder for r in rebuild.report.results] == [cpas]
    assert [e[1] for e in heard.events if e[0] == "verdict"] == [rebuild.report.results[0].label]
    assert rebuild.report.cross_references  # the pair's documents, written again with the CPAS
    assert all(w.path.is_file() for pair in rebuild.report.cross_references for w in pair.written)

    saved_as_excel_does(workbook, "Partager la navette", row=2)  # a synergy: the commune's annex shows it
    rebuild = session.rebuild([workbook], Heard())
    assert [r.folder for r in rebuild.report.results] == [commune, cpas]
    assert "Partager la navette" in docx_text(rebuild.report.results[0].document)


# --- The loop: which changes, and when ------------------------------------------------------------------------------
def test_a_save_as_excel_makes_it_gives_one_build_and_lock_and_temporary_files_none(data, tmp_path):
    session = Session(data, tmp_path / "build")
    session.rebuild()
    workbook = workbooks(data)[0]
    services = workbook.parent
    lock, temporary = services / f"~${workbook.name}", services / "A1B2C3D4.tmp"
    heard = Heard()
    done = follow(session, ticks(
        changed(lock, change=Change.added), TICK, TICK,  # Excel opens it: its lock file, no build
        lambda: lock.write_text("verrou"),
        lambda: renamed_first_action(workbook, "Fleurir les ronds-points", into=temporary),
        changed(temporary, change=Change.added), changed(temporary), TICK,
        lambda: os.replace(temporary, workbook),
        changed(temporary, change=Change.deleted) | changed(workbook, change=Change.added), TICK, TICK, TICK,
    ), heard, clock=ticking())
    assert done == 1
    assert heard.kinds() == ["changed", "verdict", "documents", "finished"]
    assert heard.events[0] == ("changed", [(workbook.name, MODIFIED)])


def test_a_burst_of_saves_gives_one_build(data, tmp_path):
    session = Session(data, tmp_path / "build")
    session.rebuild()
    first, second = workbooks(data)[:2]
    heard = Heard()
    done = follow(session, ticks(
        lambda: saved_as_excel_does(first, "Un"), changed(first),
        lambda: saved_as_excel_does(first, "Deux"), changed(first),
        lambda: saved_as_excel_does(second, "Trois"), changed(second), TICK, TICK, TICK,
    ), heard, clock=ticking())
    assert done == 1
    assert sorted(heard.events[0][1]) == sorted([(first.name, MODIFIED), (second.name, MODIFIED)])


def test_a_slow_writer_is_read_once_its_file_is_complete(data, tmp_path):
    session = Session(data, tmp_path / "build")
    session.rebuild()
    workbook = workbooks(data)[0]
    content = renamed_first_action(workbook, "Écrit lentement", into=tmp_path / "new.xlsx").read_bytes()
    half = len(content) // 2
    heard = Heard()
    done = follow(session, ticks(
        lambda: workbook.write_bytes(b""), changed(workbook), TICK, TICK,  # truncated, then nothing for a while
        lambda: workbook.write_bytes(content[:half]), changed(workbook), TICK, TICK,  # half: not a zip yet
        lambda: workbook.write_bytes(content), changed(workbook), TICK, TICK, TICK,
    ), heard, clock=ticking())
    assert done == 1
    [verdict] = [e for e in heard.events if e[0] == "verdict"]
    assert not [code for code in verdict[2] if code.startswith("fichier")]
    assert "Écrit lentement" in docx_text(pst_of(tmp_path / "build"))


def test_a_file_still_locked_is_waited_for_then_told_then_read_once_free(data, tmp_path, monkeypatch):
    session = Session(data, tmp_path / "build")
    session.rebuild()
    workbook = workbooks(data)[0]
    saved_as_excel_does(workbook, "Verrouillé un moment")
    locked = {"on": True}
    real_look = watch.look
    monkeypatch.setattr(watch, "look", lambda path: (watch.LOCKED, None) if locked["on"] else real_look(path))
    now = {"t": 0.0}

    def later(seconds):
        def step():
            now["t"] += seconds
        return step

    heard = Heard()
    done = follow(session, ticks(
        changed(workbook), TICK, later(1), TICK, later(watch.PATIENCE), TICK, TICK,
        lambda: locked.update(on=False), TICK, later(2 * watch.SETTLE), TICK,
    ), heard, clock=lambda: now["t"])
    assert done == 1
    assert heard.kinds() == ["waiting", "changed", "verdict", "documents", "finished"]


def test_a_build_that_cannot_be_made_is_said_and_the_watch_goes_on(data, tmp_path):
    session = Session(data, tmp_path / "build")
    session.rebuild()
    entity = entity_of(data)
    cadre = entity / "cadre.xlsx"
    held = tmp_path / "cadre.xlsx"
    failures = []
    workbook = workbooks(data)[0]
    done = follow(session, ticks(
        lambda: shutil.move(cadre, held), changed(cadre, change=Change.deleted), TICK,  # DATA has no cadre left
        lambda: shutil.move(held, cadre), changed(cadre, change=Change.added), TICK, TICK,
        lambda: saved_as_excel_does(workbook, "Reprise"), changed(workbook), TICK, TICK,
    ), Heard(), clock=ticking(), failed=failures.append)
    assert done == 3
    assert [type(f).__name__ for f in failures] == ["ConfigurationError"]
    assert "Reprise" in docx_text(pst_of(tmp_path / "build"))


def test_which_changes_concern_an_entity(tmp_path):
    data = tmp_path / "data"
    entity = data / "ville"
    (entity / "services").mkdir(parents=True)
    (entity / "cadre.xlsx").write_bytes(b"")
    session = Session(data, tmp_path / "build")
    session.folders = [entity]
    real = Path(os.path.realpath(entity))
    assert session.concerns(entity / "services" / "Travaux.xlsx") == real
    assert session.concerns(entity / "services" / "Vieux.ods") == real
    assert session.concerns(entity / "cadre.xlsx") == real
    assert session.concerns(entity / "services") == real
    for ignored in ("~$Travaux.xlsx", ".~lock.Travaux.xlsx#", "A1B2C3D4", "lu12345.tmp", "~WRL0001.tmp",
                    "_ancien.xlsx", "notes.txt"):
        assert session.concerns(entity / "services" / ignored) is None, ignored
    assert session.concerns(entity / "etat-pst.json") is None
    assert session.concerns(entity / "versions" / "2025-06-26" / "etat-pst.json") is None
    assert session.concerns(entity / "services" / "archive" / "Travaux.xlsx") is None


# --- Memory -------------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="resident memory read from /proc (Linux)")
def test_memory_after_a_hundred_builds_stays_within_a_tenth_of_after_ten(tmp_path):
    import gc

    data = tmp_path / "data"
    make_entity(data / "ville", {"Travaux.xlsx": [action(title="Planter"), action(oo="2.1", title="Aider")],
                                 "Finances.xlsx": [action(volet="Interne", title="Simplifier")]})
    workbook = data / "ville" / "services" / "Travaux.xlsx"
    versions = [renamed_first_action(workbook, f"Planter {n}", into=tmp_path / f"{n}.xlsx").read_bytes()
                for n in range(2)]
    session = Session(data, tmp_path / "build")
    session.rebuild()

    def resident() -> int:
        gc.collect()
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    after = {}
    for n in range(1, 101):
        workbook.write_bytes(versions[n % 2])
        session.rebuild([workbook])
        if n in (10, 100):
            after[n] = resident()
    assert after[100] <= after[10] * 1.10, after
    assert len(session.cache.entries) == 3  # the cadre and the two workbooks, never more


# --- The command, in its own process -----------------------------------------------------------------------------
class Watching:
    """`python -m pipeline suivre` in a process, its console read line by line as it comes."""

    def __init__(self, data: Path, build: Path, *options: str, group: bool = False):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "suivre", "--data", str(data), "--build", str(build), *options],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            start_new_session=group)
        self.lines: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self.read, args=(self.process.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self.read, args=(self.process.stderr, self.errors), daemon=True).start()

    @staticmethod
    def read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len([line for line in self.lines if re.search(pattern, line)]) >= count:
                return
            if self.process.poll() is not None and not self.lines[-1:]:
                break
            time.sleep(0.02)
        raise AssertionError(f"« {pattern} » ×{count} not seen:\n" + "\n".join(self.lines + self.errors))

    def count(self, pattern: str) -> int:
        return len([line for line in self.lines if re.search(pattern, line)])

    def stop(self, group: bool = False) -> int:
        if group:
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # the test fails; the watch must not outlive it
            self.process.kill()
            self.process.wait()
            raise


@pytest.mark.skipif(os.name != "posix", reason="SIGINT sent to a process (Windows: Ctrl+C in its console)")
def test_the_command_rebuilds_once_per_save_of_every_kind_and_stops_on_ctrl_c(data, tmp_path):
    build = tmp_path / "build"
    watching = Watching(data, build)
    try:
        watching.wait_for(r"^Surveillance de ")
        assert watching.count(r"^✓ Construit en ") == 1
        workbook = workbooks(data)[0]

        saved_as_excel_does(workbook, "Enregistré comme Excel le fait")
        watching.wait_for(r"^✓ Reconstruit en ", 1)
        assert "Enregistré comme Excel le fait" in docx_text(pst_of(build))

        content = renamed_first_action(workbook, "Écrit par morceaux", into=tmp_path / "slow.xlsx").read_bytes()
        with open(workbook, "wb") as stream:  # a slow writer: the file grows for more than a second
            for start in range(0, len(content), len(content) // 8 + 1):
                stream.write(content[start:start + len(content) // 8 + 1])
                stream.flush()
                time.sleep(0.15)
        watching.wait_for(r"^✓ Reconstruit en ", 2)
        assert "Écrit par morceaux" in docx_text(pst_of(build))

        added = workbook.with_name("Ajouté.xlsx")
        model = first_row(workbook)
        write_workbook(tmp_path / "new.xlsx", {"Actions": [action(volet=model["Volet"], oo=model["N° OO"],
                                                                   title="Action du classeur ajouté")]})
        shutil.copy(tmp_path / "new.xlsx", added)  # copied in, as from an e-mail
        watching.wait_for(r"^✓ Reconstruit en ", 3)
        added.unlink()
        watching.wait_for(r"^✓ Reconstruit en ", 4)
        time.sleep(1.5)  # nothing else comes
        assert watching.count(r"^✓ Reconstruit en ") == 4
        assert watching.count(r"^↻ ") == 4
        changes = [line for line in watching.lines if line.startswith("↻ ")]
        assert changes[0].endswith(f"services/{workbook.name} enregistré") and changes[2].endswith("ajouté") \
            and changes[3].endswith("retiré")
        verdicts = [n for n, line in enumerate(watching.lines) if "→ Rapport de validation : " in line]
        documents = [n for n, line in enumerate(watching.lines) if "→ Document écrit : " in line]
        assert len(verdicts) == len(documents) == 5 and all(v < d for v, d in zip(verdicts, documents))
        assert "Action du classeur ajouté" not in docx_text(pst_of(build))
    finally:
        code = watching.stop()
    assert code == 0
    assert watching.lines[-1] == "Surveillance arrêtée."
    assert not any("Traceback" in line for line in watching.errors), watching.errors


@pytest.mark.skipif(os.name != "posix", reason="SIGINT sent to a process group (Windows: Ctrl+C in its console)")
def test_ctrl_c_during_a_build_leaves_every_document_whole(tmp_path):
    data = tmp_path / "data"
    generate(data, Shape(actions=268, services=14))
    build = tmp_path / "build"
    watching = Watching(data, build, group=True)  # Ctrl+C to the whole group, as a terminal sends it
    try:
        watching.wait_for(r"^Surveillance de ", timeout=60)
        before = {path.name: path.read_bytes() for path in build.rglob("*.docx")}
        saved_as_excel_does(workbooks(data)[0], "Interrompu en route")
        watching.wait_for(r"→ Rapport de validation : ", 2)  # the documents are being written
    finally:
        code = watching.stop(group=True)
    assert code == 0
    assert watching.lines[-1] in ("Surveillance arrêtée.", "Surveillance arrêtée : la construction en cours est "
                                  "abandonnée, aucun document n’est laissé à moitié écrit.")
    assert not any("Traceback" in line for line in watching.errors), watching.errors
    assert not [path for path in build.rglob("*") if path.name.startswith((".~", "~$"))]
    for path in build.rglob("*.docx"):
        Document(path)  # opens: whole
        assert path.name in before
        assert path.read_bytes() == before[path.name] or "Interrompu en route" in docx_text(path) \
            or path.name.startswith("Fiches")  # the old one, or the new one



# --- The watch's documents side by side (parallel.sheltered) --------------------------------------------------
def written_after(path: str, seconds: float) -> str:
    """A piece of work: waits, then writes its file."""
    time.sleep(seconds)
    Path(path).write_text("écrit", encoding="utf-8")
    return path


def broken(value: int) -> int:
    """Fails for an even value."""
    if value % 2 == 0:
        raise ValueError(f"panne {value}")
    return value


def interrupt_later(seconds: float, children: bool) -> threading.Timer:
    """Ctrl+C in `seconds`, to the children of this process (`children`) or to this process."""
    def send() -> None:
        for pid in [child.pid for child in multiprocessing.active_children()] if children else [os.getpid()]:
            os.kill(pid, signal.SIGINT)
    timer = threading.Timer(seconds, send)
    timer.start()
    return timer


@pytest.mark.skipif(not parallel.sheltering_possible(), reason="children are forked only where fork exists")
def test_the_watch_writes_side_by_side_in_children_that_ctrl_c_never_reaches(tmp_path):
    with parallel.sheltered():
        items = [(str(tmp_path / f"{i}.txt"), 0.1) for i in range(3)]
        assert parallel.run(written_after, items, 2) == [path for path, _ in items]  # in the items' order
        with pytest.raises(parallel.TaskFailed, match="panne 2"):
            parallel.run(broken, [(1,), (2,)], 2)  # a child's failure comes back, with its traceback
        with pytest.raises(parallel.TaskFailed, match="panne 4"):
            parallel.run(broken, [(4,), (3,)], 2)  # as this process's own
        assert parallel.run(broken, [(1,), (2,), (4,)], 2, failed=lambda item, problem: str(problem))[0] == 1
        _, second, third = parallel.run(broken, [(1,), (2,), (4,)], 2, failed=lambda item, problem: str(problem))
        assert "panne 2" in second and "panne 4" in third

        # Ctrl+C reaching the child alone (a terminal sends it to the whole group): the child goes on.
        timer = interrupt_later(0.3, children=True)
        assert parallel.run(written_after, [(str(tmp_path / "a.txt"), 0.1), (str(tmp_path / "b.txt"), 1)], 2) \
            == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
        timer.join()

        # Ctrl+C reaching this process: it stops at once, and its child is killed before the caller's cleanup
        # runs — it never writes its file.
        late = tmp_path / "late.txt"
        started = time.monotonic()
        interrupt_later(0.3, children=False)
        with pytest.raises(KeyboardInterrupt):
            parallel.run(written_after, [(str(tmp_path / "parent.txt"), 5), (str(late), 1)], 2)
        assert time.monotonic() - started < 3
        assert not multiprocessing.active_children()
        time.sleep(1.5)
        assert not late.exists()


def test_a_data_folder_that_does_not_exist_is_said_before_anything_is_watched(tmp_path, capsys):
    from pipeline.cli import main

    code = main(["suivre", "--data", str(tmp_path / "donnes"), "--build", str(tmp_path / "build")])
    err = capsys.readouterr().err
    assert code == 2
    assert "n’existe pas" in err and "Erreur interne" not in err
    assert not (tmp_path / "build").exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGINT sent to a process (Windows: Ctrl+C in its console)")
def test_one_watch_at_a_time_and_a_save_with_errors_does_not_end_on_a_tick(data, tmp_path):
    build = tmp_path / "build"
    watching = Watching(data, build)
    try:
        watching.wait_for(r"^Surveillance de ")
        second = subprocess.run([sys.executable, "-m", "pipeline", "suivre", "--data", str(data), "--build",
                                 str(build)], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                                timeout=60)
        assert second.returncode == 2
        assert "Une surveillance tourne déjà pour" in second.stderr
        workbooks(data)[0].write_bytes(b"pas un classeur")
        watching.wait_for(r"^✗ Verdict rendu en .*pas de document à jour pour ")
        assert not watching.count(r"^✓ Reconstruit en ")
    finally:
        assert watching.stop() == 0
    assert not any("Traceback" in line for line in watching.errors), watching.errors
