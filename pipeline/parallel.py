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


INHERITED: list[tuple] = []
"""With `fork`, the items of the running `run`: workers inherit them instead of receiving them pickled (an
entity of 3,000 actions is megabytes to pickle and unpickle for every document)."""


def call_inherited(function, index: int):
    return call(function, *INHERITED[index])


def run(function, items: list[tuple], jobs: int, done=None, failed=None, meanwhile=None) -> list:
    """`function(*item)` for every item, in up to `jobs` processes (in this one when there is a single item or
    job), results in the items' order. `done(index, value)` is called as each finishes (progress lines).
    `failed(item, exception)` gives the value of an item whose work failed — its process died, or the work raised
    — when given; without it, the first failure is raised here. `meanwhile()`: work of this process, done while
    the other processes work (before the items, when they are done here); what it raises is raised here, once
    the other processes have finished."""
    if jobs <= 1 or len(items) <= 1:
        if meanwhile:
            meanwhile()
        values = []
        for index, item in enumerate(items):
            values.append(function(*item))
            if done:
                done(index, values[-1])
        return values
    global INHERITED
    values: list = [None] * len(items)
    method = start_method()
    INHERITED = list(items) if method == "fork" else []
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                 mp_context=multiprocessing.get_context(method)) as pool:
            futures = {(pool.submit(call_inherited, function, index) if INHERITED
                        else pool.submit(call, function, *item)): index for index, item in enumerate(items)}
            if meanwhile:
                meanwhile()
            collect(futures, items, values, done, failed)
    finally:
        INHERITED = []
    return values


def collect(futures: dict, items: list, values: list, done, failed) -> None:
    """Each result into `values` as it comes (progress lines), a failure given to `failed` when there is one."""
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


def processors() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
