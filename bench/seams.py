"""What each of render.Template's overrides of docxtpl saves: the PST (or the fiches) of a synthetic entity rendered
with the project's Template and with one override put back to docxtpl's own method, in paired runs (the variants
alternate, so a busy machine slows them alike). `python -m bench.seams [ACTIONS] [RUNS] [pst|fiches]`.

Render only (the context is built once): the time the overrides can change.
"""

from __future__ import annotations

import datetime as dt
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from docxtpl import DocxTemplate

from bench.synthetic import Shape, generate
from pipeline import outputs, render
from pipeline.build import assemble

PROJECT = render.Template
VARIANTS = {
    "Template (project)": {},
    "docxtpl resolve_listing": {"resolve_listing": DocxTemplate.resolve_listing},
    "docxtpl render_xml_part": {"render_xml_part": DocxTemplate.render_xml_part},
    "+ docxtpl's fix_tables pass (parse, tables)": {
        "fix_tables": lambda self, xml: (DocxTemplate.fix_tables(self, xml), PROJECT.fix_tables(self, xml))[1]},
    "docxtpl fix_tables + map_tree + fix_docpr_ids": {"fix_tables": DocxTemplate.fix_tables,
                                                      "map_tree": DocxTemplate.map_tree,
                                                      "fix_docpr_ids": DocxTemplate.fix_docpr_ids},
}


def main(arguments: list[str]) -> int:
    actions = int(arguments[0]) if arguments else 300
    runs = int(arguments[1]) if len(arguments) > 1 else 5
    name = arguments[2] if len(arguments) > 2 else "pst"
    with tempfile.TemporaryDirectory() as scratch:
        [folder] = generate(Path(scratch) / "data", Shape(actions=actions, services=15))
        entity = assemble(folder).entity
        job = outputs.Job(today=dt.date.today(), entity=entity)
        module = importlib.import_module(f"pipeline.outputs.{name}")
        context = module.context(job, 0)
        template = render.TEMPLATES / module.TEMPLATE
        original = render.Template
        times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        for run in range(runs + 1):
            for variant, methods in VARIANTS.items():
                render.Template = type("Variant", (original,), methods) if methods else original
                start = time.perf_counter()
                render.render_document(template, context, Path(scratch) / "out.docx")
                if run:  # the first round warms the caches
                    times[variant].append(time.perf_counter() - start)
        render.Template = original
    reference = statistics.median(times["Template (project)"])
    print(f"{name}, {actions} actions, {runs} paired runs (median):")
    for variant, measured in times.items():
        median = statistics.median(measured)
        print(f"  {variant:<48} {median:6.3f} s  {100 * (median - reference) / reference:+6.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
