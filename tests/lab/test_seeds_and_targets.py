"""Sequential seeds (``--seeds auto``), per-dataset targets and their command-line options."""
from __future__ import annotations

import numpy as np
import pytest

from trainlab.cli.lab import main
from trainlab.lab import RecordStore, StudyError, load_study, run_study
from trainlab.lab import targets, trial
from trainlab.lab.protocol import looks, seed_counts
from trainlab.lab.report import write_report
from trainlab.lab.results import summarize

from tests.lab.conftest import STUDY_TOML


def fake_execute(effects: dict[str, float]):
    """A run function that trains nothing: test accuracy = 0.8 + the arm's effect + seed noise
    (the same noise for every arm on a seed, plus a small arm-specific part)."""
    def execute(task: dict) -> dict:
        rng = np.random.default_rng([task["seed"], sum(map(ord, task["arm"]))])
        shared = np.random.default_rng(task["seed"]).normal(0, 0.02)
        accuracy = 0.8 + effects[task["arm"]] + shared + rng.normal(0, 0.002)
        curve = [accuracy - 0.1, accuracy - 0.05]
        return {**task, "status": "ok", "error": None, "callbacks": {}, "learning_rate": None,
                "history": {"loss": [1.0, 0.5], "accuracy": curve, "val_loss": [1.0, 0.6], "val_accuracy": curve},
                "test": {"accuracy": accuracy, "loss": 0.5} if task["phase"] == "final" else None,
                "sizes": {"train": 100, "validation": 10, "test": 10}, "steps_per_epoch": 4, "splits_read": [],
                "environment": trial.environment(), "timing": {"epoch_seconds": [0.1, 0.1], "wall_seconds": 0.2}}
    return execute


def sequential(study_file, **seeds):
    assignments = [f"protocol.{key}={value}" for key, value in seeds.items()]
    return load_study(str(study_file), assignments=assignments)


def final_seeds_run(out) -> dict[str, list[int]]:
    finals = [r for r in RecordStore(out).records() if r["phase"] == "final"]
    return {arm: sorted(r["seed"] for r in finals if r["arm"] == arm) for arm in ("sgd", "momentum", "nesterov")}


def test_seed_counts_and_looks():
    spec = {"protocol": {"seeds": 5, "max_seeds": 15, "seed_step": 5}}
    assert seed_counts(spec) == [5, 10, 15] and looks(spec) == 3
    assert seed_counts({"protocol": {"seeds": 3, "max_seeds": 8, "seed_step": 2}}) == [3, 5, 7, 8]
    assert seed_counts({"protocol": {"seeds": 5, "max_seeds": 0, "seed_step": 5}}) == [5] and looks(
        {"protocol": {"seeds": 5, "max_seeds": 0}}) == 1


def test_sequential_seeds_stop_once_every_comparison_is_decided(study_file, tmp_path):
    study = sequential(study_file, seeds=3, max_seeds=9, seed_step=3)
    run_study(study, tmp_path, jobs=1, progress=False, execute=fake_execute({"sgd": 0, "momentum": 0.1,
                                                                             "nesterov": -0.1}))
    assert final_seeds_run(tmp_path) == {arm: [1, 2, 3] for arm in ("sgd", "momentum", "nesterov")}
    summary = summarize(study.spec, RecordStore(tmp_path).records())
    assert summary["alpha"] == pytest.approx(0.05 / 3)
    assert [summary["quality"][arm].verdict for arm in ("momentum", "nesterov")] == ["better", "worse"]


def test_sequential_seeds_go_to_the_cap_while_a_comparison_is_undecided(study_file, tmp_path):
    study = sequential(study_file, seeds=3, max_seeds=7, seed_step=2)
    run_study(study, tmp_path, jobs=1, progress=False, execute=fake_execute({"sgd": 0, "momentum": 0.1,
                                                                             "nesterov": 0.0}))
    assert final_seeds_run(tmp_path) == {arm: list(range(1, 8)) for arm in ("sgd", "momentum", "nesterov")}
    markdown = write_report(tmp_path)["markdown"].read_text()
    assert "paired seeds added sequentially (3, 5, 7 seeds at most; stopped with 7)" in markdown
    assert "split over 3 possible looks" in markdown and "not distinguishable at n = 7" in markdown
    # a resumed run takes the same decisions and runs nothing more
    assert run_study(study, tmp_path, jobs=1, progress=False,
                     execute=fake_execute({"sgd": 0, "momentum": 0.1, "nesterov": 0.0})).executed == 0


def test_max_seeds_must_exceed_seeds(study_file):
    with pytest.raises(StudyError, match=r"protocol.max_seeds \(3\) must exceed protocol.seeds \(3\)"):
        sequential(study_file, max_seeds=3)


def test_seeds_auto_sets_the_sequential_protocol(study_file):
    protocol = load_study(str(study_file), seeds="auto").spec["protocol"]
    assert (protocol["seeds"], protocol["max_seeds"], protocol["seed_step"]) == (5, 15, 5)


def test_target_comes_from_the_study_the_dataset_default_or_the_option(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(STUDY_TOML.replace("value = 0.5", "values = {digits = 0.6}"))
    assert load_study(str(path)).spec["target"]["value"] == 0.6
    assert load_study(str(path), data="fashion-mnist").spec["target"]["value"] == targets.DEFAULTS["fashion-mnist"]
    assert load_study(str(path), data="fashion_mnist", target=0.7).spec["target"]["value"] == 0.7
    assert load_study("optimizers").spec["target"]["value"] == 0.95
    assert load_study("optimizers", data="fashion-mnist").spec["target"]["value"] == 0.85


def test_no_target_for_a_metric_without_default_is_refused(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(STUDY_TOML.replace('metric = "val_accuracy"\nvalue = 0.5', 'metric = "val_loss"'))
    with pytest.raises(StudyError, match=r"target.value is not set and there is no target for dataset 'digits' and "
                                         r"metric 'val_loss': pass --target VALUE"):
        load_study(str(path))


def test_help_shows_the_default_targets_and_auto_seeds(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "digits 0.95, mnist 0.97, fashion-mnist 0.85" in text and "--seeds N|auto" in text


def test_bad_seeds_option_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "run", "optimizers", "--seeds", "many"])
    assert "expected a whole number of seeds (>= 3) or 'auto'; got 'many'" in capsys.readouterr().err


def test_nan_target_option_is_refused_with_the_key(capsys, tmp_path):
    assert main(["lab", "run", "optimizers", "--target", "nan", "--out", str(tmp_path / "o")]) == 2
    assert "target.value = nan is not a usable value" in capsys.readouterr().err
