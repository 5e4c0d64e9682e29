"""Run a study: preflight, range tests, tune, select, final; only the runs the directory lacks.

With sequential seeds (``protocol.max_seeds``, ``--seeds auto``) the final phase runs on
``protocol.seeds`` seeds, then adds ``protocol.seed_step`` paired seeds at a time until every
comparison with the baseline is decided (:func:`settled`) or ``max_seeds`` is reached. Each look
tests at α / (number of possible looks), which keeps the familywise error ≤ α despite stopping
on the data (:mod:`trainlab.lab.statistics`).

A run is done when its record exists with status ``ok`` or ``diverged``; ``crashed`` runs (a
bug or a dead worker, not a property of the configuration's training) are tried again by the
next ``trainlab lab run``. Records are written by this process as results arrive, so the
execution order (serial, parallel, cluster) never changes what is written.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from trainlab.lab import build, data, protocol, results, trial
from trainlab.lab.executors import make_executor
from trainlab.lab.records import RecordStore, write_atomic
from trainlab.lab.schema import StudyError
from trainlab.lab.study import PREFLIGHT_RATE, Study

SESSIONS = "sessions.json"


@dataclass
class RunSummary:
    """What one ``run_study`` call did."""

    out: Path
    executed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0


def preflight(study: Study) -> None:
    """Build every arm's model at every grid point (no training), so a study that cannot run fails
    before any work, with the arm and the reason."""
    splits = data.load_splits(study.spec["data"])
    for arm in study.arm_names:
        for point in protocol.grid_points(study):
            config = study.run_config(arm, point, placeholder=PREFLIGHT_RATE)
            try:
                build.build_model(config, splits.sample_shape, splits.num_classes,
                                  splits.steps_per_epoch(config["training"]["batch_size"]))
                build.build_callbacks(config["training"])
            except StudyError as error:
                raise StudyError(f"arm {arm!r}: {error}") from None
            except Exception as error:
                raise StudyError(f"arm {arm!r} at {point}: the model cannot be built: "
                                 f"{type(error).__name__}: {error}") from None


def _done_keys(store: RecordStore) -> set[str]:
    return {record["key"] for record in store.records() if record["status"] != "crashed"}


def run_study(study: Study, out, *, jobs: int | None = None, cluster: str | None = None, progress: bool = True,
              execute: Callable[[dict], dict] = trial.execute, cluster_timeout: float = 10.0) -> RunSummary:
    """Execute the runs of ``study`` missing from ``out`` and write their records there.

    Args:
        study: from :func:`trainlab.lab.load_study`.
        out: output directory (created; refused if it holds another study's records).
        jobs: worker processes (default: CPU count; 1 runs serially in this process).
        cluster: a Dask scheduler address; runs execute there instead.
        cluster_timeout: seconds to wait for that scheduler to answer before refusing.
        progress: show a tqdm progress bar over all runs.
        execute: the run function (a test can pass an instrumented one when ``jobs == 1``).

    Raises:
        StudyError: bad ``jobs``, a study that cannot be built, an output directory of another study.
    """
    import trainlab
    from tqdm import tqdm

    started = time.perf_counter()
    executor = make_executor(jobs, cluster, cluster_timeout)
    summary = RunSummary(Path(out))
    try:
        preflight(study)
        store = RecordStore(out)
        store.claim(study, trainlab.__version__)
        done = _done_keys(store)
        ranges = [task for task in protocol.range_tasks(study) if task["key"] not in done]
        per_arm = len(protocol.grid_points(study)) + study.spec["protocol"]["seeds"]
        planned = len(ranges) + len(study.arm_names) * per_arm
        planned -= sum(key.startswith(("tune-", "final-")) for key in done)
        with tqdm(total=planned, desc=study.name, unit="run", disable=not progress) as bar:
            _execute(executor, execute, ranges, store, summary, bar)
            study = study.with_rates(protocol.range_rates(study, store.records()))
            tune = [task for task in protocol.tune_tasks(study) if task["key"] not in done]
            _execute(executor, execute, tune, store, summary, bar)
            selection = protocol.select(study, store.records())
            counts = protocol.seed_counts(study.spec)
            for count in counts:
                done = _done_keys(store)
                final = [task for task in protocol.final_tasks(study, selection, count) if task["key"] not in done]
                bar.total = summary.executed + len(final)
                bar.refresh()
                _execute(executor, execute, final, store, summary, bar)
                if count == counts[-1] or settled(study, store.records(), count):
                    break
    finally:
        executor.close()
    summary.wall_seconds = time.perf_counter() - started
    _log_session(summary, jobs, cluster)
    return summary


def settled(study: Study, records: list[dict], count: int) -> bool:
    """Whether a sequential study may stop after its first ``count`` seeds: every comparison with
    the baseline excludes 0 at the per-look level (α / looks; see :mod:`trainlab.lab.statistics`).

    Only the first ``count`` seeds are read, so a resumed study takes the same decisions as an
    uninterrupted one.
    """
    seeds = set(protocol.final_seeds(study.spec, count))
    finals = [r for r in records if r["phase"] != "final" or r["seed"] in seeds]
    comparisons = results.summarize(study.spec, finals)["quality"].values()
    return all(comparison.significant for comparison in comparisons)


def _execute(executor, execute, tasks, store: RecordStore, summary: RunSummary, bar) -> None:
    for task, outcome in executor.results(execute, tasks):
        record = outcome if isinstance(outcome, dict) else trial.crashed_record(task, outcome)
        store.write(record)
        summary.executed += 1
        summary.statuses[record["status"]] = summary.statuses.get(record["status"], 0) + 1
        bar.update(1)


def _log_session(summary: RunSummary, jobs, cluster) -> None:
    """Append this invocation's wall time to ``sessions.json`` (the report's total wall time)."""
    path = summary.out / SESSIONS
    sessions = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    sessions.append({"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "wall_seconds": summary.wall_seconds,
                     "executed": summary.executed, "jobs": jobs, "cluster": cluster})
    write_atomic(path, json.dumps(sessions, indent=1) + "\n")
