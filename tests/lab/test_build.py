"""The model builder: layers from the config, schedules, callbacks, and missing components named."""
from __future__ import annotations

import pytest

from trainlab.lab import StudyError, load_study, protocol, trial
from trainlab.lab.build import build_callbacks, build_model, named


def config(study_file, *assignments):
    study = load_study(str(study_file), quick=True, arms=["sgd"], assignments=assignments)
    return protocol.tune_tasks(study)[0]


def test_network_shape_follows_the_config(study_file):
    task = config(study_file, "model.hidden=[12, 7]", "model.activation=tanh", "model.max_norm=2.0")
    model = build_model(task["config"], (8, 8), 10)
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [layer.units for layer in dense] == [12, 7, 10]
    assert [layer.activation.__class__.__name__.lower() for layer in dense] == ["tanh", "tanh", "softmax"]
    assert all(layer.kernel_constraint is not None for layer in dense[:2]) and dense[2].kernel_constraint is None


def test_a_schedule_takes_the_tuned_rate_as_its_initial_rate(study_file):
    task = config(study_file, 'training.schedule={name = "ExponentialDecay", decay_steps = 10, decay_rate = 0.5}',
                  "training.epochs=2")
    record = trial.execute(task)
    rates = record["history"]["learning_rate"]
    assert record["status"] == "ok" and rates[0] < 0.03 and rates[1] < rates[0]


def test_unknown_callback_and_missing_layer_are_named(study_file):
    task = config(study_file, 'training.callbacks=[{name = "EarlyStoppingg", patience = 2}]')
    with pytest.raises(StudyError, match=r"training.callbacks needs trainlab.callbacks.EarlyStoppingg"):
        build_callbacks(task["config"]["training"])
    from trainlab import layers

    with pytest.raises(StudyError, match=r"model.batchnorm needs trainlab.layers.NoSuchNorm, which this trainlab "
                                         r"build does not have yet"):
        named(layers, "NoSuchNorm", "model.batchnorm")


def test_bad_component_arguments_name_the_key(study_file):
    task = config(study_file, 'model.kernel_regularizer={name = "l2", l3 = 0.1}')
    with pytest.raises(StudyError, match=r"model.kernel_regularizer = .* cannot be built"):
        build_model(task["config"], (8, 8), 10)


def test_schedule_lengths_in_epochs_become_steps():
    from trainlab.lab import build

    schedule = {"name": "PiecewiseConstantDecay", "boundaries_epochs": [1, 2.5], "values": [0.1, 0.01, 0.001]}
    assert build.schedule_in_steps(schedule, 40) == {"name": "PiecewiseConstantDecay", "boundaries": [40, 100],
                                                      "values": [0.1, 0.01, 0.001]}
    assert build.schedule_in_steps({"decay_epochs": 10, "warmup_epochs": 0.01}, 41) == {"decay_steps": 410,
                                                                                         "warmup_steps": 1}
    with pytest.raises(build.StudyError, match="decay_epochs needs the number of steps per epoch"):
        build.schedule_in_steps({"decay_epochs": 1}, None)
