"""Where runs execute: in this process, in worker processes, or on a Dask cluster.

Each executor has one method, ``results(fn, tasks)``, yielding ``(task, outcome)`` as runs
finish, where ``outcome`` is ``fn(task)`` or the exception that prevented it from returning
(a worker process that died). The runner turns such an exception into a ``crashed`` record.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from trainlab.lab.schema import StudyError

Outcome = Iterator[tuple[dict, object]]


class SerialExecutor:
    """Runs tasks one after another in this process (``--jobs 1``)."""

    def results(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Outcome:
        for task in tasks:
            try:
                outcome = fn(task)
            except Exception as error:  # as a dead worker would: recorded, and the study goes on
                outcome = error
            yield task, outcome

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Runs tasks in ``jobs`` spawned worker processes.

    At most ``jobs`` runs are in flight, so when a worker dies (and the pool with it) only the
    runs in flight are recorded as crashed; the rest go to a fresh pool. ``spawn`` rather than
    ``fork``: a forked worker would inherit the parent's BLAS threads and RNG state.
    """

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def _fresh_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def results(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Outcome:
        pending = iter(tasks)
        pool = self._pool or self._fresh_pool()
        running = {}
        while True:
            while len(running) < self.jobs and (task := next(pending, None)) is not None:
                running[pool.submit(fn, task)] = task
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = running.pop(future)
                error = future.exception()
                broken |= isinstance(error, BrokenProcessPool)
                yield task, (error if error is not None else future.result())
            if broken:
                for future, task in running.items():
                    yield task, BrokenProcessPool("a worker process died while this run was in flight "
                                                  "(possibly caused by another run in flight)")
                running.clear()
                pool = self._fresh_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Runs tasks on a ``distributed`` cluster (the ``[cluster]`` extra).

    Connecting waits at most ``timeout`` seconds; a scheduler that does not answer by then is a
    one-line :class:`StudyError` (exit status 2 on the command line), before any run starts.
    """

    def __init__(self, address: str, timeout: float = 10.0):
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
            raise StudyError(f"--cluster-timeout must be a number of seconds > 0; got {timeout!r}.")
        try:
            from distributed import Client
        except ImportError:
            raise StudyError("--cluster needs the `distributed` package: pip install trainlab[cluster]") from None
        failure = None
        hook = sys.unraisablehook
        # A half-built Client's __del__ retries closing its connection and would print a traceback.
        sys.unraisablehook = lambda unraisable: None
        try:
            try:
                self.client = Client(address, timeout=timeout)
            # Any error: besides timeouts and bad addresses, a server that is not a Dask scheduler can
            # answer with bytes distributed misreads (seen: a MemoryError for a 3 EiB message).
            except Exception as error:
                failure = " ".join(str(error).split()) or type(error).__name__
            gc.collect()
        finally:
            sys.unraisablehook = hook
        if failure is not None:
            raise StudyError(f"--cluster {address}: no Dask scheduler answered within {timeout:g} s ({failure}). "
                             f"Start one (`dask scheduler`, then `dask worker {address}`), check the address, or "
                             f"wait longer with --cluster-timeout SECONDS.")

    def results(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Outcome:
        from distributed import as_completed

        futures = {self.client.submit(fn, task, key=f"trainlab-lab-{task['key']}", pure=False): task
                   for task in tasks}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], (error if error is not None else future.result())

    def close(self) -> None:
        self.client.close()


def make_executor(jobs: int | None = None, cluster: str | None = None, cluster_timeout: float = 10.0):
    """The executor for ``--jobs`` (default: the CPU count) and ``--cluster``.

    Raises:
        StudyError: ``jobs`` < 1, ``cluster`` given without ``distributed`` installed, or no
            scheduler answering at ``cluster`` within ``cluster_timeout`` seconds.
    """
    if cluster:
        return DaskExecutor(cluster, cluster_timeout)
    if jobs is None:
        jobs = os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise StudyError(f"--jobs must be an integer >= 1 (the number of worker processes); got {jobs!r}.")
    return SerialExecutor() if jobs == 1 else ProcessExecutor(jobs)
