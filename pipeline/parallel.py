"""One process pool for the whole pipeline: entities built side by side, and an entity's documents written side by
side when cores are left over.

Work is a top-level function and picklable arguments, so that it runs the same with the `fork` start method
(Linux: nothing is imported again) and with `spawn` (Windows, macOS). An unexpected error in a worker comes back
with its traceback as text (some exceptions cannot be pickled); the errors users are told about in French (a
broken template, a document open in Word, a damaged state file) come back as themselves.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed


class TaskFailed(Exception):
    """An unexpected error in a worker process, its traceback as text."""


EXPECTED: tuple[type[BaseException], ...] = (OSError,)
"""Exceptions that cross back as themselves; the configuration and template errors add themselves (expect)."""


def expect(*kinds: type[BaseException]) -> None:
    global EXPECTED
    EXPECTED = tuple(dict.fromkeys((*EXPECTED, *kinds)))


def start_method() -> str:
    """`fork` where the platform has it (fast: the worker inherits what is loaded), else `spawn`; PST_START_METHOD
    forces one (the tests run the `spawn` path on Linux)."""
    forced = os.environ.get("PST_START_METHOD")
    if forced:
        return forced
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def call(function, *args):
    """`function(*args)` in a worker: an unexpected exception becomes TaskFailed, with its traceback."""
    try:
        return function(*args)
    except EXPECTED:
        raise
    except Exception:
        raise TaskFailed(traceback.format_exc()) from None


def run(function, items: list[tuple], jobs: int, done=None, failed=None) -> list:
    """`function(*item)` for every item, in up to `jobs` processes (in this one when there is a single item or
    job), results in the items' order. `done(index, value)` is called as each finishes (progress lines).
    `failed(item, exception)` gives the value of an item whose work failed — its process died, or the work raised
    — when given; without it, the first failure is raised here."""
    if jobs <= 1 or len(items) <= 1:
        values = []
        for index, item in enumerate(items):
            values.append(function(*item))
            if done:
                done(index, values[-1])
        return values
    values: list = [None] * len(items)
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context) as pool:
        futures = {pool.submit(call, function, *item): index for index, item in enumerate(items)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                values[index] = future.result()
            except Exception as problem:  # the process itself died (killed for lack of memory…), or the work
                if failed is None:
                    raise
                values[index] = failed(items[index], problem)
            if done:
                done(index, values[index])
    return values


def processors() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
