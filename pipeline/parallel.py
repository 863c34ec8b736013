"""One process pool for the whole pipeline: entities built side by side, and an entity's documents written side by
side when cores are left over.

Work is a top-level function and picklable arguments, so that it runs the same with the `fork` start method
(Linux: nothing is imported again) and with `spawn` (Windows, macOS). An unexpected error in a worker comes back
with its traceback as text (some exceptions cannot be pickled); the errors users are told about in French (a
broken template, a document open in Word, a damaged state file) come back as themselves.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager


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
    the other processes have finished (sheltered: once they are stopped)."""
    if jobs > 1 and len(items) > 1 and SHELTERED and sheltering_possible():
        return run_sheltered(function, items, jobs, done, failed, meanwhile)
    if jobs <= 1 or len(items) <= 1 or SHELTERED:
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


SHELTERED = False
"""Set while the watch builds (`sheltered`): work goes to forked processes that Ctrl+C does not reach, and that
this process stops before it stops itself (run_sheltered); without `fork`, the work is done in this process."""


@contextmanager
def sheltered():
    """The watch's builds (pipeline/watch.py): Ctrl+C must stop the watch at once and leave no half-written file.
    A pool's workers, which the interrupt also reaches, can swallow it or keep the process waiting at its exit;
    sheltered children cannot."""
    global SHELTERED
    before, SHELTERED = SHELTERED, True
    try:
        yield
    finally:
        SHELTERED = before


def sheltering_possible() -> bool:
    """Children are forked (a `spawn` child would import everything again: slower than doing the work here), and
    from the main thread (the only one that may change how Ctrl+C is handled)."""
    return start_method() == "fork" and threading.current_thread() is threading.main_thread() \
        and hasattr(signal, "pthread_sigmask")


def run_sheltered(function, items: list[tuple], jobs: int, done=None, failed=None, meanwhile=None) -> list:
    """`run` for the watch: this process does `meanwhile`, then the first item (the costliest, as write_together
    orders them); each
    other item is done by a forked child — at most `jobs` - 1 at a time — that Ctrl+C never reaches. When Ctrl+C (or any
    exception) stops this process, its children are killed and waited for before it goes on: the caller's cleanup
    (write_together's staged files) then runs with no child still writing."""
    context = multiprocessing.get_context("fork")
    values: list = [None] * len(items)
    waiting = list(range(1, len(items)))
    running: dict = {}  # connection → (index, process)

    def start() -> None:
        while waiting and len(running) < jobs - 1:
            index = waiting.pop(0)
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(target=child, args=(sending, function, items[index]), daemon=True)
            # Ctrl+C held back while forking: the child is born with it blocked, for its whole life; in this
            # process, one that came meanwhile is delivered when it is let through again (never lost).
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            sending.close()
            running[receiving] = (index, process)

    def settle(index: int, outcome: tuple) -> None:
        succeeded, value = outcome
        if not succeeded:
            if failed is None:
                raise value
            value = failed(items[index], value)
        values[index] = value
        if done:
            done(index, value)

    try:
        start()
        if meanwhile:
            meanwhile()
        settle(0, attempt(function, items[0]))
        while running:
            for receiving in multiprocessing.connection.wait(list(running)):
                index, process = running.pop(receiving)
                try:
                    outcome = receiving.recv()
                except EOFError:  # the child died without a word (killed for lack of memory…)
                    outcome = (False, TaskFailed(f"exit code {process.exitcode}"))
                receiving.close()
                process.join()
                settle(index, outcome)
            start()
    finally:
        for receiving, (_, process) in running.items():
            process.kill()
            process.join()
            receiving.close()
    return values


def attempt(function, item: tuple) -> tuple[bool, object]:
    """(True, value) or (False, the exception as `call` lets it out)."""
    try:
        return True, call(function, *item)
    except Exception as problem:
        return False, problem


def child(sending, function, item: tuple) -> None:
    """A sheltered child's work: its outcome sent back, whatever it is."""
    outcome = attempt(function, item)
    try:
        sending.send(outcome)
    except Exception:  # an exception that cannot be pickled
        sending.send((False, TaskFailed(repr(outcome[1]))))
    sending.close()


def processors() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
