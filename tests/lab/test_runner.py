"""The runner: end to end, resume, serial == parallel, the protocol, failures and refusals."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from trainlab.lab import RecordStore, StudyError, data, load_study, run_study, trial
from trainlab.lab.build import build_model
from trainlab.lab.executors import ProcessExecutor

from tests.lab.conftest import FINAL_RUNS, TUNE_RUNS

def without_timing(records):
    return [{k: v for k, v in r.items() if k != "timing"} for r in records]


def test_study_writes_one_ok_record_per_run(serial_run):
    records = RecordStore(serial_run).records()
    assert len(records) == TUNE_RUNS + FINAL_RUNS
    assert {r["status"] for r in records} == {"ok"}
    assert sorted(p.name for p in Path(serial_run).iterdir()) == ["records", "sessions.json", "study.json"]
    final = records[0]
    assert final["phase"] == "final" and set(final["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(final["history"]["loss"]) == 2 == len(final["timing"]["epoch_seconds"])
    assert set(final["test"]) == {"loss", "accuracy"}


def test_serial_and_parallel_records_are_identical(serial_run, parallel_run):
    serial, parallel = RecordStore(serial_run).records(), RecordStore(parallel_run).records()
    assert [r["key"] for r in serial] == [r["key"] for r in parallel]
    assert without_timing(serial) == without_timing(parallel)


def test_resume_runs_only_the_missing_records(serial_copy, study_file):
    store = RecordStore(serial_copy)
    before = without_timing(store.records())
    removed = sorted(store.records_dir.glob("tune-momentum-*"))[:1] + sorted(store.records_dir.glob("final-sgd-*"))
    for path in removed:
        path.unlink()
    summary = run_study(load_study(str(study_file)), serial_copy, jobs=1, progress=False)
    assert summary.executed == len(removed) == 4
    assert without_timing(store.records()) == before
    assert run_study(load_study(str(study_file)), serial_copy, jobs=1, progress=False).executed == 0


def test_tuning_never_reads_the_test_split(study_file, tmp_path, monkeypatch):
    reads, current = [], {}
    plain_test = data.Splits.test.fget

    def guarded_test(splits):
        reads.append(current["phase"])
        if current["phase"] != "final":
            raise AssertionError("the test split was read while tuning")
        return plain_test(splits)

    def tracking_execute(task):
        current["phase"] = task["phase"]
        return trial.execute(task)

    monkeypatch.setattr(data.Splits, "test", property(guarded_test))
    current["phase"] = "preflight"
    run_study(load_study(str(study_file)), tmp_path / "out", jobs=1, progress=False, execute=tracking_execute)
    records = RecordStore(tmp_path / "out").records()
    assert {r["status"] for r in records} == {"ok"}
    assert reads == ["final"] * FINAL_RUNS
    assert {tuple(r["splits_read"]) for r in records if r["phase"] == "tune"} == {("train", "validation")}
    assert {tuple(r["splits_read"]) for r in records if r["phase"] == "final"} == {("test", "train", "validation")}


def test_arms_share_seeds_and_initial_weights(serial_run, study_file):
    from trainlab import random

    finals = [r for r in RecordStore(serial_run).records() if r["phase"] == "final"]
    seeds = {arm: sorted(r["seed"] for r in finals if r["arm"] == arm) for arm in ("sgd", "momentum", "nesterov")}
    assert seeds == {"sgd": [1, 2, 3], "momentum": [1, 2, 3], "nesterov": [1, 2, 3]}
    splits = data.load_splits(load_study(str(study_file)).spec["data"])

    def initial_weights(arm):
        config = next(r["config"] for r in finals if r["arm"] == arm)
        random.set_random_seed(2)
        model = build_model(config, splits.sample_shape, splits.num_classes)
        return [w.copy() for w in model.get_weights()]

    for mine, theirs in zip(initial_weights("sgd"), initial_weights("nesterov")):
        np.testing.assert_array_equal(mine, theirs)


def test_another_study_directory_is_refused(serial_copy, study_file):
    before = sorted(p.name for p in RecordStore(serial_copy).records_dir.iterdir())
    with pytest.raises(StudyError, match=r"holds records of study 'tiny' \(hash .*not of this study 'momentum'"):
        run_study(load_study("momentum", quick=True), serial_copy, jobs=1, progress=False)
    with pytest.raises(StudyError, match=r"holds records of study 'tiny' with different settings"):
        run_study(load_study(str(study_file), epochs=3), serial_copy, jobs=1, progress=False)
    assert sorted(p.name for p in RecordStore(serial_copy).records_dir.iterdir()) == before


def test_non_empty_directory_without_manifest_is_refused(tmp_path, study_file):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StudyError, match=r"is not empty and holds no study.json"):
        run_study(load_study(str(study_file)), tmp_path, jobs=1, progress=False)


@pytest.mark.parametrize("jobs", [0, -2])
def test_jobs_below_one_is_refused(tmp_path, study_file, jobs):
    with pytest.raises(StudyError, match=rf"--jobs must be an integer >= 1 .*got {jobs}"):
        run_study(load_study(str(study_file)), tmp_path / "out", jobs=jobs, progress=False)
    assert not (tmp_path / "out").exists()


def test_unknown_component_fails_before_any_run(tmp_path, study_file):
    path = tmp_path / "typo.toml"
    path.write_text(study_file.read_text().replace('name = "sgd", momentum = 0.9}', 'name = "sgdd", momentum = 0.9}'))
    with pytest.raises(StudyError, match=r"arm 'momentum'.*Unknown optimizer 'sgdd'. Valid optimizer names: .*sgd"):
        run_study(load_study(str(path)), tmp_path / "out", jobs=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_divergence_is_recorded_and_the_study_goes_on(tmp_path, study_file):
    study = load_study(str(study_file), quick=True, arms=["sgd"],
                       assignments=["tuning.grid.training.optimizer.learning_rate=[0.1, 1e30]"])
    summary = run_study(study, tmp_path / "out", jobs=1, progress=False)
    records = RecordStore(tmp_path / "out").records()
    diverged = [r for r in records if r["status"] == "diverged"]
    assert summary.statuses == {"ok": 4, "diverged": 1}
    assert [r["point"] for r in diverged] == [{"training.optimizer.learning_rate": 1e30}]
    assert {r["point"]["training.optimizer.learning_rate"] for r in records if r["phase"] == "final"} == {0.1}


def test_a_crash_is_recorded_then_retried_on_resume(tmp_path, study_file):
    study = load_study(str(study_file), quick=True)

    def crash_one(task):
        if task["key"].startswith("final-momentum-") and task["seed"] == 2:
            raise RuntimeError("simulated crash")
        return trial.execute(task)

    summary = run_study(study, tmp_path / "out", jobs=1, progress=False, execute=crash_one)
    assert summary.statuses == {"ok": TUNE_RUNS + FINAL_RUNS - 1, "crashed": 1}
    crashed = [r for r in RecordStore(tmp_path / "out").records() if r["status"] == "crashed"]
    assert "RuntimeError: simulated crash" in crashed[0]["error"]
    resumed = run_study(study, tmp_path / "out", jobs=1, progress=False)
    assert (resumed.executed, resumed.statuses) == (1, {"ok": 1})


def echo_or_die(task):
    """Returns the task, or kills its worker process (a segfault stand-in) for the task named "die"."""
    if task["key"] == "die":
        os._exit(3)
    return task


def test_a_dead_worker_fails_only_the_runs_in_flight_and_the_rest_go_on():
    tasks = [{"key": key} for key in ("a", "b", "die", "c", "d", "e")]
    executor = ProcessExecutor(2)
    try:
        outcomes = {task["key"]: outcome for task, outcome in executor.results(echo_or_die, tasks)}
    finally:
        executor.close()
    assert set(outcomes) == {"a", "b", "die", "c", "d", "e"}
    failed = {key for key, outcome in outcomes.items() if isinstance(outcome, BaseException)}
    assert "die" in failed and len(failed) <= 2
    assert all(outcomes[key] == {"key": key} for key in set(outcomes) - failed)
    record = trial.crashed_record({"key": "die"}, outcomes["die"])
    assert record["status"] == "crashed" and "process" in record["error"]


@pytest.mark.skipif(__import__("importlib").util.find_spec("distributed") is None,
                    reason="the [cluster] extra (distributed) is not installed")
def test_dask_cluster_gives_the_serial_records(serial_run, study_file, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_study(load_study(str(study_file)), tmp_path / "out", cluster=cluster.scheduler_address, progress=False)
    assert without_timing(RecordStore(tmp_path / "out").records()) == without_timing(RecordStore(serial_run).records())


def test_cluster_without_distributed_says_how_to_install(tmp_path, study_file, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("no distributed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(StudyError, match=r"pip install trainlab\[cluster\]"):
        run_study(load_study(str(study_file)), tmp_path / "out", cluster="tcp://127.0.0.1:1", progress=False)
