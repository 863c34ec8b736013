"""`make bench`: how long `make pst` takes, and how much memory, from one town to a region.

For 268, 2,680 and 26,800 synthetic actions (one entity; 14, 50 and 150 service workbooks) it measures the whole
`make pst` work as a process (wall time and peak memory, without LibreOffice), the time of each stage (reported by
`pst --temps`), and in the same run, paired run by run, the *floor*: a process that only reads the same workbooks
with pandas' calamine engine and renders the same actions once through a minimal docxtpl template (bench/floor.py).
Then `make site` against `make pst`, the warm rebuilds of `pst suivre` (bench/warm.py: a workbook saved → the
verdict, → the PST rewritten), the start-up of the CLI, a batch of 50 entities of 300 actions built in parallel and
`make pdf` for 268 actions (when LibreOffice is installed). Results go to bench/RESULTS.md, with the machine's
description.

Whole processes are timed from outside (wall clock); their memory is the peak total of the process and of the
processes it forks, sampled on a warm-up run.
"""

from __future__ import annotations

import compileall
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import Shape, generate  # noqa: E402
from bench.warm import measure as warm_rebuilds  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "RESULTS.md"
PYTHON = sys.executable
SIZES = ((268, 14, 15), (2680, 50, 7), (26800, 150, 1))  # actions, workbooks, counted runs (pairs with the floor:
# this host's speed drifts by a fifth from one run to the next, the median of many pairs does not)
FLOOR_TARGETS = {268: 1.5, 2680: 3.0}  # the cold build within this multiple of the floor
WARM = ((268, 14, 30), (2680, 50, 5))  # actions, workbooks, timed saves under pst suivre
WARM_TARGETS = (0.5, 1.0)  # seconds from the save to the verdict, to the PST rewritten (268 actions; × 10 at 2,680)
BATCH = (50, 300, 6)  # entities, actions each, workbooks each
SITE_SIZES = ((268, 15, 3), (2680, 50, 1))  # actions, workbooks, counted runs: make site against make pst
STAGES = ("lecture", "normalisation", "contrôles", "modèle", "documents")


def run(command: list[str], sample_memory: bool = False) -> tuple[float, float, str]:
    """(wall seconds, peak memory in MiB, stdout) of one whole process.

    The peak is the child's own peak resident memory, or with `sample_memory` the highest total, sampled every
    0.2 s, of the proportional memory (PSS) of the process and of every process it forked: `make pst` writes
    an entity's documents in several processes, and the peak of the largest one would understate what the
    machine must hold. Sampling costs some time: it is done on the warm-up run, not on the timed ones."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampled = [0.0]
    sampler = threading.Thread(target=sample_tree, args=(process, sampled), daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if sampler:
        sampler.join()
    if process.returncode not in (0,):
        raise SystemExit(f"{' '.join(command)} a échoué ({process.returncode}) :\n{output[-3000:]}")
    return wall, max(usage.ru_maxrss / 1024, sampled[0]), output


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return found


def pss_mib(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(found[1]) / 1024 if found else 0.0


def sample_tree(process: subprocess.Popen, peak: list[float]) -> None:
    while process.returncode is None and Path(f"/proc/{process.pid}").exists():
        total = sum(pss_mib(pid) for pid in descendants(process.pid))
        peak[0] = max(peak[0], total)
        time.sleep(0.2)


def measured(command: list[str], runs: int) -> dict:
    """A warm-up run (which samples the memory of the process tree), then `runs` counted ones: median wall
    time, peak memory, last output."""
    _, peak, _ = run(command, sample_memory=True)
    walls, output = [], ""
    for _ in range(runs):
        wall, _, output = run(command)
        walls.append(wall)
    return {"wall": statistics.median(walls), "min": min(walls), "max": max(walls), "peak": peak,
            "output": output}


def paired(command: list[str], floor: list[str], runs: int) -> tuple[dict, dict, float]:
    """The command and the floor run in turn (A B A B …) after a warm-up of each: both figures, and the median of
    the ratios pair by pair (a drift of the machine's speed touches both sides of a pair alike)."""
    _, peak, _ = run(command, sample_memory=True)
    _, floor_peak, _ = run(floor, sample_memory=True)
    walls, floors, output = [], [], ""
    for _ in range(runs):
        wall, _, output = run(command)
        walls.append(wall)
        floors.append(run(floor)[0])
    figure = {"wall": statistics.median(walls), "min": min(walls), "max": max(walls), "peak": peak, "output": output}
    bottom = {"wall": statistics.median(floors), "min": min(floors), "max": max(floors), "peak": floor_peak}
    return figure, bottom, statistics.median(w / f for w, f in zip(walls, floors))


def stage_times(output: str) -> dict[str, float]:
    """Seconds per stage, from the « Temps : lecture 0,2 s · … » line of `pst --temps`."""
    line = next(l for l in output.splitlines() if l.strip().startswith("Temps :"))
    return {name: float(value.replace(",", ".")) for name, value in re.findall(r"(\w[\wéô]*) (\d+,\d+)", line)}


def dataset(name: str, shape: Shape) -> Path:
    """Generated once and kept in bench/.cache (deterministic: same seed, same workbooks)."""
    folder = CACHE / name
    marker = folder / ".complete"
    if not marker.exists():
        generate(folder, shape)
        marker.write_text(repr(shape))
    return folder


def machine() -> str:
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((l.split(":", 1)[1].strip() for l in cpuinfo.read_text().splitlines()
                    if l.startswith("model name")), platform.processor() or "?")
    memory = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text())[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cpu}, {processors(cores)} {'disponibles' if cores > 1 else 'disponible'}, {memory} de mémoire ; {platform.system()} "
            f"{platform.release()} ; Python {platform.python_version()}")


def seconds(value: float) -> str:
    return f"{value:.2f} s".replace(".", ",")


def ratio(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def processors(count: int) -> str:
    return f"{count} processeur{'s' if count > 1 else ''}"


def verdict(ok: bool) -> str:
    return "tenu" if ok else "**non tenu**"


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    # The bytecode of the pipeline written once, as a user's first run writes it: a process started with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module again at each run.
    compileall.compile_dir(ROOT / "pipeline", quiet=1)
    rows, stages, figures = [], [], {}
    for actions, workbooks, runs in SIZES:
        data = dataset(f"{actions}", Shape(actions=actions, services=workbooks))
        build = CACHE / f"build-{actions}"
        print(f"{actions} actions ({workbooks} classeurs)…", flush=True)
        whole, floor, floor_ratio = paired(
            [PYTHON, "-m", "pipeline", "pst", "--data", str(data), "--build", str(build), "--temps"],
            [PYTHON, str(ROOT / "bench" / "floor.py"), str(data), str(build / "plancher.docx")], runs)
        figures[actions] = (whole, floor, floor_ratio)
        rows.append(f"| {actions} | {workbooks} | {seconds(whole['wall'])} ({seconds(whole['min'])}–"
                    f"{seconds(whole['max'])}) | {whole['peak']:.0f} Mio | {seconds(floor['wall'])} | "
                    f"{ratio(floor_ratio)} |")
        times = stage_times(whole["output"])
        stages.append(f"| {actions} | " + " | ".join(seconds(times.get(s, 0.0)) for s in STAGES) + " |")

    site_rows, site_figures = [], {}
    for actions, workbooks, runs in SITE_SIZES:
        data = dataset(f"site-{actions}", Shape(actions=actions, services=workbooks))
        print(f"site, {actions} actions…", flush=True)
        pst = measured([PYTHON, "-m", "pipeline", "pst", "--data", str(data), "--build",
                        str(CACHE / f"build-site-{actions}")], runs)
        site = measured([PYTHON, "-m", "pipeline", "site", "--data", str(data), "--build",
                         str(CACHE / f"build-site-{actions}")], runs)
        site_figures[actions] = (pst, site)
        site_rows.append(f"| {actions} | {seconds(pst['wall'])} | {seconds(site['wall'])} ({seconds(site['min'])}–"
                         f"{seconds(site['max'])}) | {seconds(site['wall'] - pst['wall'])} | {site['peak']:.0f} Mio |")

    warm_rows, warm_figures = [], {}
    for actions, workbooks, saves in WARM:
        print(f"pst suivre, {actions} actions, {saves} enregistrements…", flush=True)
        warm = warm_rebuilds(dataset(f"{actions}", Shape(actions=actions, services=workbooks)) / "001-com1", saves,
                             PYTHON)
        warm_figures[actions] = warm
        warm_rows.append(
            f"| {actions} | {saves} | {seconds(statistics.median(warm.verdict))} ({seconds(max(warm.verdict))}) | "
            f"{seconds(statistics.median(warm.documents))} ({seconds(max(warm.documents))}) | "
            f"{warm.rss_after_10:.0f} Mio → {warm.rss_at_end:.0f} Mio |")

    print("démarrage de la commande…", flush=True)
    start = measured([PYTHON, "-m", "pipeline", "--help"], 5)
    imports = measured([PYTHON, "-c", "import pipeline.build"], 5)
    bare = measured([PYTHON, "-c", "pass"], 5)

    entities, each, workbooks = BATCH
    print(f"lot de {entities} entités de {each} actions…", flush=True)
    batch_data = dataset(f"lot-{entities}x{each}", Shape(actions=each, services=workbooks, entities=entities))
    batch = measured([PYTHON, "-m", "pipeline", "pst", "--data", str(batch_data), "--build",
                      str(CACHE / "build-lot")], 1)
    progress_lines = len(re.findall(r"^\[\d+/\d+\]", batch["output"], re.M))

    pdf = None
    if shutil.which("soffice") or shutil.which("libreoffice"):
        print("make pdf, 268 actions…", flush=True)
        pdf = measured([PYTHON, "-m", "pipeline", "pdf", "--data", str(dataset("268", Shape(actions=268, services=14))),
                        "--build", str(CACHE / "build-pdf-268")], 2)

    small, middle, large = (size for size, _, _ in SIZES)
    w_small, _, _ = figures[small]
    w_middle, _, _ = figures[middle]
    w_large, _, _ = figures[large]
    p268, s268 = site_figures[268]
    verdict_target, documents_target = WARM_TARGETS
    targets = [
        *[(f"`make pst`, {size} actions ≤ {ratio(limit, 1)} × le plancher", f"{ratio(figures[size][2])} ×",
           figures[size][2] <= limit) for size, limit in FLOOR_TARGETS.items()],
        *[(f"`pst suivre`, {size} actions : verdict ≤ {seconds(verdict_target * scale)} après l’enregistrement",
           seconds(statistics.median(warm_figures[size].verdict)),
           statistics.median(warm_figures[size].verdict) <= verdict_target * scale)
          for size, scale in ((268, 1), (2680, 10))],
        *[(f"`pst suivre`, {size} actions : PST réécrit ≤ {seconds(documents_target * scale)} après "
           "l’enregistrement", seconds(statistics.median(warm_figures[size].documents)),
           statistics.median(warm_figures[size].documents) <= documents_target * scale)
          for size, scale in ((268, 1), (2680, 10))],
        ("`pst suivre` : mémoire stable au fil des reconstructions (≤ 10 % de plus qu’après 10)",
         f"{warm_figures[268].growth * 100:+.0f} %".replace("+-", "−"), warm_figures[268].growth <= 0.10),
        (f"{middle} actions ≤ 10 × le temps de {small}", f"{ratio(w_middle['wall'] / w_small['wall'], 1)} ×",
         w_middle["wall"] <= 10 * w_small["wall"]),
        (f"{large} actions sous 2 Gio de mémoire", f"{w_large['peak']:.0f} Mio", w_large["peak"] < 2048),
        ("démarrage de la commande ≤ 0,5 s", seconds(start["wall"]), start["wall"] <= 0.5),
        (f"lot de {entities} entités de {each} actions en moins d’une minute", seconds(batch["wall"]),
         batch["wall"] < 60),
        ("le site n’ajoute pas plus qu’un second `make pst` (268 actions)",
         f"+ {seconds(s268['wall'] - p268['wall'])}", s268["wall"] - p268["wall"] <= p268["wall"]),
    ]
    warm_saves = dict((size, saves) for size, _, saves in WARM)
    report = [
        "# Mesures de `make pst`, `make site`, `pst suivre` et `make pdf` (`make bench`)",
        "",
        f"Mesuré le {dt.date.today():%d/%m/%Y} sur : {machine()}.",
        "",
        "Chaque figure est le temps de la commande entière, lancée comme le fait `make pst` (tous les processeurs) "
        "— médiane des passages comptés, après un passage de chauffe ; entre parenthèses le plus rapide et le plus "
        "lent — et sa mémoire maximale, processus qu’elle lance compris, sans LibreOffice. "
        "Le *plancher* lit les mêmes classeurs comme le produit doit les lire (pandas et son moteur calamine, "
        "chaque feuille en texte), import de pandas compris, et rend une fois les mêmes actions (numéro et libellé) "
        "dans un modèle docxtpl minimal : le coût incompressible de la lecture et du rendu. `make pst` et le "
        "plancher sont lancés en alternance ; le rapport est la médiane des rapports passage par passage.",
        "",
        "| Actions | Classeurs | `make pst` | Mémoire max. | Plancher | Rapport au plancher |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "Temps par étape (`pst --temps`) :",
        "",
        "| Actions | " + " | ".join(STAGES) + " |",
        "| ---: |" + " ---: |" * len(STAGES),
        *stages,
        "",
        "Reconstructions à chaud (`pst suivre`) : la surveillance lancée et sa première construction faite, un "
        "classeur de service est enregistré à nouveau — un libellé changé, écrit à côté puis renommé par-dessus, "
        "comme le fait Excel — et l’on mesure, depuis le renommage, l’affichage de la ligne du rapport de "
        "validation (le verdict) et celle du PST réécrit. Médiane (entre parenthèses le plus lent) ; mémoire "
        "résidente du processus après le 10e enregistrement et après le dernier.",
        "",
        "| Actions | Enregistrements | verdict | PST réécrit | Mémoire |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *warm_rows,
        "",
        "Le site internet (`make site`, qui construit comme `make pst` puis écrit le site, ses données ouvertes, "
        "son index de recherche et son archive) :",
        "",
        "| Actions | `make pst` | `make site` | le site en plus | Mémoire max. |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *site_rows,
        "",
        f"Démarrage de la commande (`python -m pipeline --help`) : {seconds(start['wall'])}.",
        "",
        f"Lot de {entities} entités de {each} actions (communes et CPAS appariés, {workbooks} classeurs chacune), "
        f"construites en parallèle sur {processors(len(os.sched_getaffinity(0)))} : {seconds(batch['wall'])}, "
        f"{progress_lines} lignes de progression, mémoire maximale de l’ensemble des processus {batch['peak']:.0f} Mio.",
        "",
        (f"`make pdf` pour 268 actions (le PST construit puis converti par LibreOffice, démarrage compris) : "
         f"{seconds(pdf['wall'])} ({seconds(pdf['min'])}–{seconds(pdf['max'])})." if pdf else
         "`make pdf` : non mesuré (LibreOffice n’est pas installé sur cette machine)."),
        "",
        "## Objectifs",
        "",
        "| Objectif | Mesure | |",
        "| --- | ---: | --- |",
        *[f"| {name} | {value} | {verdict(ok)} |" for name, value, ok in targets],
        "",
        "## Lecture",
        "",
        f"- Avant de lire le moindre classeur, un processus `make pst` paie le démarrage de Python "
        f"({seconds(bare['wall'])}) et l’import de ce qu’il utilise (pandas, docxtpl, python-docx, lxml…) : "
        f"{seconds(imports['wall'] - bare['wall'])} de plus. Le plancher en paie une partie (pandas, docxtpl).",
        f"- Pour {small} actions, les étapes mesurées totalisent "
        f"{seconds(sum(stage_times(w_small['output']).values()))}, dont la plus grande part pour les documents : "
        "`make pst` écrit le PST (annexes synergies, plans, ODD et programmation financière comprises), les fiches "
        "actions (une page par action) et le rapport de validation, là où le plancher rend une ligne par action "
        "dans un modèle minimal.",
        f"- Aucune étape n’est quadratique : de {small} à {middle} actions le temps est multiplié par "
        f"{ratio(w_middle['wall'] / w_small['wall'], 1)}, de {middle} à {large} par "
        f"{ratio(w_large['wall'] / w_middle['wall'], 1)} (chaque classeur est lu une fois, les contrôles passent "
        "par des index). Jusqu’à 5 000 actions, le PST et les fiches d’une entité construite seule sont écrits côte "
        "à côte, un par processeur ; au-delà ils le sont l’un après l’autre, pour que la mémoire reste sous 2 Gio.",
        "- Au-delà de 1 000 actions, les fiches sont écrites par documents de 1 000 : la mémoire reste bornée.",
        f"- À chaud, `pst suivre` ne relit que le classeur enregistré ({warm_saves[268]} enregistrements à 268 "
        "actions) : le verdict et le rapport de validation sont écrits d’abord, les documents ensuite.",
        "",
    ]
    RESULTS.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
