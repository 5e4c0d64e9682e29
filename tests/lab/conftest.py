"""Shared fixtures: a tiny SGD-only study on digits, run once serially and once in parallel."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainlab.lab import load_study, run_study

STUDY_TOML = """\
[study]
name = "tiny"
description = "A tiny SGD study for the tests."
factor = "optimizer"
baseline = "sgd"

[data]
name = "digits"

[model]
hidden = [16]
activation = "relu"
initializer = "he_normal"

[training]
epochs = 2
batch_size = 64

[target]
metric = "val_accuracy"
value = 0.5

[tuning.grid]
"training.optimizer.learning_rate" = [0.03, 0.1]

[protocol]
tune_seed = 0
seeds = 3

[[arms]]
name = "sgd"
set = {"training.optimizer" = {name = "sgd"}}

[[arms]]
name = "momentum"
set = {"training.optimizer" = {name = "sgd", momentum = 0.9}}

[[arms]]
name = "nesterov"
set = {"training.optimizer" = {name = "sgd", momentum = 0.9, nesterov = true}}

[quick]
training = {epochs = 1}
"""
TUNE_RUNS, FINAL_RUNS = 3 * 2, 3 * 3


@pytest.fixture(scope="session")
def study_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "tiny.toml"
    path.write_text(STUDY_TOML)
    return path


@pytest.fixture(scope="session")
def serial_run(study_file, tmp_path_factory) -> Path:
    """Output directory of the tiny study run in-process (never modified by tests: copy it)."""
    out = tmp_path_factory.mktemp("serial") / "out"
    run_study(load_study(str(study_file)), out, jobs=1, progress=False)
    return out


@pytest.fixture(scope="session")
def parallel_run(study_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parallel") / "out"
    run_study(load_study(str(study_file)), out, jobs=2, progress=False)
    return out


@pytest.fixture
def serial_copy(serial_run, tmp_path) -> Path:
    """A private copy of the serial run's directory, free to change."""
    return Path(shutil.copytree(serial_run, tmp_path / "copy"))
