"""The regularization, mc-dropout, sparse, defaults, transfer, search and paths studies: they load,
their quick versions run end to end with their report sections, and the engine support they use
(data.classes, random tuning, [evaluation], [pretrain], the 1cycle rate) computes what it says."""
from __future__ import annotations

import numpy as np
import pytest

from trainlab.lab import RecordStore, StudyError, data, load_study, protocol, run_study
from trainlab.lab.build import build_callbacks
from trainlab.lab.evaluation import expected_calibration_error, probability_scores
from trainlab.lab.report import write_report
from trainlab.lab.sections.outcomes import gaps

NEW_STUDIES = ("regularization", "mc-dropout", "sparse", "defaults", "transfer", "search", "paths")


@pytest.mark.parametrize("name", NEW_STUDIES)
@pytest.mark.parametrize("quick", [False, True])
def test_every_new_study_loads_and_validates(name, quick):
    study = load_study(name, quick=quick)
    assert study.name == name and study.baseline in study.arm_names
    assert study.spec["data"]["name"] == "digits"


def _run(tmp_path, name, arms=(), assignments=(), jobs=1):
    study = load_study(name, quick=True, arms=arms, assignments=assignments)
    run_study(study, tmp_path, jobs=jobs, progress=False)
    records = RecordStore(tmp_path).records()
    write_report(tmp_path)
    return study, records, (tmp_path / "report.md").read_text(encoding="utf-8")


def _ok(records):
    assert records and all(r["status"] == "ok" for r in records), [r["error"] for r in records if r["error"]]


@pytest.fixture(scope="module")
def mc_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("mc"), "mc-dropout", arms=["rate-30"],
                assignments=["evaluation.mc_samples=[1, 10]"], jobs=2)


def test_mc_dropout_scores_every_sample_count_on_final_runs_only(mc_run):
    study, records, report = mc_run
    _ok(records)
    tuning = [r for r in records if r["phase"] == "tune"]
    finals = [r for r in records if r["phase"] == "final"]
    assert tuning and all(r["test"] is None and "test" not in r["splits_read"] for r in tuning)
    assert len(finals) == 3
    for record in finals:
        assert set(record["test"]["mc"]) == {"deterministic", "1", "10"}
        # dropout off is the usual prediction: the same accuracy as the engine's test evaluation
        assert record["test"]["mc"]["deterministic"]["accuracy"] == pytest.approx(record["test"]["accuracy"], abs=1e-6)
    assert "## MC dropout: scores vs number of samples" in report and "figures/mc_dropout.png" in report
    mean = np.mean([r["test"]["mc"]["10"]["ece"] for r in finals])
    assert f"{mean:.4f}" in report


def test_sparse_study_records_sparsity_and_draws_the_curve(tmp_path):
    study, records, report = _run(tmp_path, "sparse", arms=["prune-80"])
    _ok(records)
    pruned = [r for r in records if r["arm"] == "prune-80" and r["phase"] == "final"]
    dense = [r for r in records if r["arm"] == "dense" and r["phase"] == "final"]
    assert all(r["weights"]["sparsity"] == pytest.approx(0.8, abs=0.01) for r in pruned)
    assert all(r["weights"]["sparsity"] == 0.0 for r in dense)
    assert "## Accuracy vs sparsity" in report and "figures/sparsity_curve.png" in report


def test_transfer_study_pretrains_on_task_a_and_reports_error_rates(tmp_path):
    study, records, report = _run(tmp_path, "transfer")
    _ok(records)
    on_a = [r for r in records if r["arm"] == "on-a"]
    scratch = [r for r in records if r["arm"] == "scratch"]
    epochs = study.spec["training"]["epochs"]
    assert all(len(r["history"]["val_accuracy"]) == epochs for r in on_a + scratch)
    assert all(len(r["pretrain"]["history"]["loss"]) == 2 and r["pretrain"]["splits_read"] == ["train"]
               for r in on_a)
    assert all("pretrain" not in r for r in scratch)
    assert "## Transfer: test error rate" in report


def test_search_study_samples_the_plane_and_plots_it(tmp_path):
    study, records, report = _run(tmp_path, "search", arms=["sgd"], assignments=["tuning.samples=3"])
    _ok(records)
    points = [r["point"] for r in records if r["phase"] == "tune"]
    # records come back in file-name (config-hash) order, not in drawing order
    assert sorted(points, key=repr) == sorted(protocol.random_points(study.spec["tuning"]["grid"], 3, 0), key=repr)
    assert "## Random search over the (learning rate, weight decay) plane" in report
    assert "3 random points drawn with seed 0" in report


def test_paths_study_reports_the_optimizer_paths(tmp_path):
    grid = 'tuning.grid={"training.optimizer.learning_rate" = [0.1]}'
    _, records, report = _run(tmp_path, "paths", arms=["sgd"], assignments=[grid])
    _ok(records)
    assert "## Optimizer paths on" in report and "figures/optimizer_paths.png" in report


def test_regularization_gap_section_equals_a_recomputation(tmp_path):
    # early-stopping needs callbacks.EarlyStopping; this subset runs on any build
    study, records, report = _run(tmp_path, "regularization", arms=["dropout"])
    _ok(records)
    finals = sorted((r for r in records if r["arm"] == "none" and r["phase"] == "final"), key=lambda r: r["seed"])
    gap = [r["history"]["accuracy"][-1] - r["history"]["val_accuracy"][-1] for r in finals]
    assert f"{np.mean(gap):.4f} ± {np.std(gap, ddof=1):.4f}" in report
    assert "## Train-valid gap" in report


def test_defaults_naive_and_self_normalizing_arms_run(tmp_path):
    _, records, report = _run(tmp_path, "defaults", arms=["self-normalizing"])
    _ok(records)
    assert {r["arm"] for r in records} == {"naive", "self-normalizing"}


def test_gaps_per_seed():
    class Arm:
        runs = [{"history": {"accuracy": [0.5, 0.9], "val_accuracy": [0.4, 0.7]}},
                {"history": {"accuracy": [1.0], "val_accuracy": [None]}}]

    train, valid, gap = gaps(Arm, "accuracy")
    assert train == [0.9, 1.0] and valid == [0.7, None]
    assert gap[0] == pytest.approx(0.2) and gap[1] is None


def test_expected_calibration_error_by_hand():
    probabilities = np.array([[0.95, 0.05], [0.9, 0.1], [0.3, 0.7], [0.45, 0.55]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0])
    # 15 bins: confidences 0.95 and 0.9 fall in bins 14 and 13 (0.9 is the right edge of bin 13),
    # 0.7 in bin 10, 0.55 in bin 8; accuracy per bin 1, 0, 1, 0.
    expected = (abs(1 - 0.95) + abs(0 - 0.9) + abs(1 - 0.7) + abs(0 - 0.55)) / 4
    assert expected_calibration_error(probabilities, labels) == pytest.approx(expected, abs=1e-6)
    together = np.array([[0.8, 0.2], [0.8, 0.2]], dtype=np.float32)
    assert expected_calibration_error(together, np.array([0, 1])) == pytest.approx(abs(0.5 - 0.8), abs=1e-6)
    scores = probability_scores(probabilities, labels)
    assert scores["accuracy"] == 0.5
    assert scores["loss"] == pytest.approx(-np.mean(np.log([0.95, 0.1, 0.7, 0.45])), rel=1e-5)


def test_random_points_are_log_uniform_reproducible_and_in_range():
    grid = {"lr": {"min": 1e-6, "max": 1e-2, "points": 1, "scale": "log"}, "choice": ["a", "b"]}
    points = protocol.random_points(grid, 400, seed=3)
    assert points == protocol.random_points(grid, 400, seed=3)
    assert points != protocol.random_points(grid, 400, seed=4)
    exponents = np.log10([p["lr"] for p in points])
    assert exponents.min() >= -6 and exponents.max() <= -2
    # log-uniform: each decade holds about a quarter of the samples
    assert np.all(np.abs(np.histogram(exponents, bins=4, range=(-6, -2))[0] - 100) < 40)
    assert {p["choice"] for p in points} == {"a", "b"}


def test_data_classes_keep_and_relabel_the_chosen_classes():
    base = {"name": "digits", "validation_fraction": 0.1, "split_seed": 0, "train_size": 0}
    full = data.load_splits(base)
    task = data.load_splits({**base, "classes": [8, 3]})
    assert task.num_classes == 2
    for split in ("train", "validation", "test"):
        x, y = getattr(task, split)
        assert set(np.unique(y)) == {0, 1}
    x_full, y_full = full.test
    x_task, y_task = task.test
    assert len(y_task) == np.sum(np.isin(y_full, [3, 8]))
    np.testing.assert_array_equal(x_task[y_task == 0], x_full[y_full == 8])


def test_unknown_class_is_refused():
    base = {"name": "digits", "validation_fraction": 0.1, "split_seed": 0, "train_size": 0}
    with pytest.raises(StudyError, match=r"names classes \[12\]"):
        data.load_splits({**base, "classes": [3, 12]})


@pytest.mark.parametrize("setting, message", [
    ("data.classes=[3, 3]", "must not repeat a class"),
    ("data.classes=[-1, 2]", "must be >= 0"),
    ("evaluation.sparsity=1", "must be true or false"),
    ("tuning.mode='grid-ish'", "must be one of 'grid', 'random'"),
])
def test_bad_new_settings_are_refused(setting, message):
    with pytest.raises(StudyError, match=message):
        load_study("transfer", assignments=[setting])


@pytest.mark.parametrize("setting, message", [
    ("pretrain.classes=[0, 1, 3]", r"share classes \[3\]"),
    ("pretrain.frozen_epochs=50", r"frozen_epochs \(50\) exceeds training.epochs"),
    ("pretrain.classes=[1]", "at least 2 classes"),
])
def test_bad_pretraining_fails_in_preflight(setting, message, tmp_path):
    with pytest.raises(StudyError, match=message):
        run_study(load_study("transfer", quick=True, assignments=[setting]), tmp_path / "out", jobs=1, progress=False)


def test_one_cycle_peak_defaults_to_the_tuned_learning_rate():
    training = {"optimizer": {"name": "sgd", "learning_rate": 0.07}, "callbacks": [{"name": "OneCycleScheduler"}]}
    (callback,) = build_callbacks(training)
    assert callback._arguments["max_learning_rate"] == 0.07
    training["callbacks"] = [{"name": "OneCycleScheduler", "max_learning_rate": 0.2}]
    assert build_callbacks(training)[0]._arguments["max_learning_rate"] == 0.2
