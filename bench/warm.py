"""The warm rebuild of `make bench`: how soon `pst suivre` answers a saved workbook.

Starts `python -m pipeline suivre` on a copy of an entity folder, waits until its first build is done and it has
gone quiet, then saves one service workbook again and again — one libellé changed each time, written beside it and
renamed over it, as Excel saves — and times, from the rename, the line naming the validation report (the verdict)
and the line that closes the rebuild, printed once the PST and the fiches are in place (« ✓ Reconstruit en … »). Between two saves it waits for the rebuild to end. The
resident memory of the process is read after the 10th save and after the last one.

    python bench/warm.py ENTITY_FOLDER SAVES        (prints the figures; make bench calls `measure`)
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
REPORT_LINE = re.compile(r"→ .*Rapport_validation[^/\\]*\.xlsx\s*$")
PST_LINE = re.compile(r"→ .*[/\\]PST_[^/\\]*\.docx\s*$")
READY_LINE = re.compile(r"^Surveillance de ")
REBUILT_LINE = re.compile(r"^✓ Reconstruit en ")
TIMEOUT = 300.0


@dataclass
class Warm:
    verdict: list[float] = field(default_factory=list)
    """Seconds from each save to the line naming the validation report."""
    documents: list[float] = field(default_factory=list)
    """Seconds from each save to the end of its rebuild: the PST and the fiches rewritten."""
    rss_after_10: float = 0.0
    rss_at_end: float = 0.0

    @property
    def growth(self) -> float:
        return self.rss_at_end / self.rss_after_10 - 1 if self.rss_after_10 else 0.0


def rss_mib(pid: int) -> float:
    try:
        found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return 0.0
    return int(found[1]) / 1024 if found else 0.0


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put((time.perf_counter(), line.rstrip("\n")))
    lines.put((time.perf_counter(), None))


def wait_for(lines: queue.Queue, pattern: re.Pattern, since: float, transcript: list[str]) -> float:
    """The time of the first line matching `pattern` read after `since`."""
    deadline = time.perf_counter() + TIMEOUT
    while True:
        try:
            when, line = lines.get(timeout=max(0.1, deadline - time.perf_counter()))
        except queue.Empty:
            raise SystemExit("pst suivre n’a pas répondu à temps :\n" + "\n".join(transcript[-40:])) from None
        if line is None:
            raise SystemExit("pst suivre s’est arrêté :\n" + "\n".join(transcript[-40:]))
        transcript.append(line)
        if when >= since and pattern.search(line):
            return when


def settle(lines: queue.Queue, transcript: list[str], quiet: float) -> None:
    """Reads what the process prints until it has printed nothing for `quiet` seconds."""
    while True:
        try:
            _, line = lines.get(timeout=quiet)
        except queue.Empty:
            return
        if line is None:
            raise SystemExit("pst suivre s’est arrêté :\n" + "\n".join(transcript[-40:]))
        transcript.append(line)


def action_workbook(entity: Path) -> Path:
    return sorted(p for p in (entity / "services").glob("*.xlsx") if not p.name.startswith(("~$", ".~")))[0]


def save_with_new_title(workbook: Path, count: int) -> float:
    """The first action's libellé changed, saved beside the workbook and renamed over it; the time of the rename."""
    book = load_workbook(workbook)
    sheet = book["Actions"]
    header = next(row for row in sheet.iter_rows(min_row=1, max_row=10)
                  if any(cell.value == "Libellé de l'action" for cell in row))
    column = next(cell.column for cell in header if cell.value == "Libellé de l'action")
    cell = sheet.cell(row=header[0].row + 1, column=column)
    cell.value = re.sub(r" \(\d+\)$", "", str(cell.value or "")) + f" ({count})"
    staged = workbook.with_name(f"bench{count}.tmp")
    book.save(staged)
    os.replace(staged, workbook)
    return time.perf_counter()


def measure(entity: Path, saves: int, python: str = sys.executable, options: tuple[str, ...] = ()) -> Warm:
    """`saves` timed saves of one workbook of a copy of `entity` while `pst suivre` watches it (with `options`)."""
    warm = Warm()
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary) / entity.name
        shutil.copytree(entity, data)
        (data / "etat-pst.json").unlink(missing_ok=True)
        build = Path(temporary) / "build"
        process = subprocess.Popen([python, "-m", "pipeline", "suivre", "--data", str(data), "--build", str(build),
                                    *options],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   encoding="utf-8", env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
        transcript: list[str] = []
        try:
            wait_for(lines, READY_LINE, 0.0, transcript)
            workbook = action_workbook(data)
            for count in range(1, saves + 1):
                saved = save_with_new_title(workbook, count)
                warm.verdict.append(wait_for(lines, REPORT_LINE, saved, transcript) - saved)
                wait_for(lines, PST_LINE, saved, transcript)
                warm.documents.append(wait_for(lines, REBUILT_LINE, saved, transcript) - saved)
                settle(lines, transcript, 0.5)
                if count == min(10, saves):
                    warm.rss_after_10 = rss_mib(process.pid)
            warm.rss_at_end = rss_mib(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return warm


def summary(warm: Warm) -> str:
    return (f"verdict médiane {statistics.median(warm.verdict):.2f} s (max {max(warm.verdict):.2f} s), "
            f"PST médiane {statistics.median(warm.documents):.2f} s (max {max(warm.documents):.2f} s), "
            f"mémoire {warm.rss_after_10:.0f} → {warm.rss_at_end:.0f} Mio")


if __name__ == "__main__":
    print(summary(measure(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10, options=sys.argv[3:])))
