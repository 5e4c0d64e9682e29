"""Every registered component's defaults pinned to Keras 3's values, in one table.

The values are typed from Keras 3's source (``keras/src/...``) — or, for components Keras does
not have, from the reference named in the row — never read from trainlab. Each row is checked
twice: the constructor's signature default, and the value a default-built object actually holds
(its ``get_config()`` or attribute), so a default changed in the signature *or* overwritten in
the body fails. Every registered class and every exported callback must have a row.
"""
import inspect
import math
import os

import pytest

import trainlab.callbacks as callbacks
from trainlab import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers
from trainlab.optimizers import schedules

KERAS = "Keras 3"
REGISTRIES = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints, "loss": losses,
              "metric": metrics, "optimizer": optimizers, "schedule": schedules, "layer": layers,
              "activation": activations}
LR = {"initial_learning_rate": 0.1, "decay_steps": 10}

# kind -> class name -> (required arguments, {argument: default}, source)
TABLE = {
    "initializer": {
        "Zeros": ({}, {}, KERAS),
        "Ones": ({}, {}, KERAS),
        "Constant": ({}, {"value": 0.0}, KERAS),
        "RandomNormal": ({}, {"mean": 0.0, "stddev": 0.05, "seed": None}, KERAS),
        "RandomUniform": ({}, {"minval": -0.05, "maxval": 0.05, "seed": None}, KERAS),
        "VarianceScaling": ({}, {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None},
                            KERAS),
        # presets: the seed argument, plus the scale/mode/distribution the preset fixes
        "GlorotNormal": ({}, {"seed": None, "scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}, KERAS),
        "GlorotUniform": ({}, {"seed": None, "scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}, KERAS),
        "HeNormal": ({}, {"seed": None, "scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}, KERAS),
        "HeUniform": ({}, {"seed": None, "scale": 2.0, "mode": "fan_in", "distribution": "uniform"}, KERAS),
        "LecunNormal": ({}, {"seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}, KERAS),
        "LecunUniform": ({}, {"seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "uniform"}, KERAS),
    },
    "regularizer": {
        "L1": ({}, {"l1": 0.01}, KERAS),
        "L2": ({}, {"l2": 0.01}, KERAS),
        "L1L2": ({}, {"l1": 0.0, "l2": 0.0}, KERAS),
    },
    "constraint": {
        "MaxNorm": ({}, {"max_value": 2.0, "axis": 0}, KERAS),
        "NonNeg": ({}, {}, KERAS),
        "UnitNorm": ({}, {"axis": 0}, KERAS),
        "MinMaxNorm": ({}, {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}, KERAS),
    },
    "loss": {
        "CategoricalCrossentropy": ({}, {"from_logits": False, "reduction": "sum_over_batch_size",
                                         "name": "categorical_crossentropy"}, KERAS),
        "SparseCategoricalCrossentropy": ({}, {"from_logits": False, "reduction": "sum_over_batch_size",
                                               "name": "sparse_categorical_crossentropy"}, KERAS),
        "BinaryCrossentropy": ({}, {"from_logits": False, "reduction": "sum_over_batch_size",
                                    "name": "binary_crossentropy"}, KERAS),
        "MeanSquaredError": ({}, {"reduction": "sum_over_batch_size", "name": "mean_squared_error"}, KERAS),
    },
    "metric": {
        "SparseCategoricalAccuracy": ({}, {"name": "sparse_categorical_accuracy"}, KERAS),
        "CategoricalAccuracy": ({}, {"name": "categorical_accuracy"}, KERAS),
        "BinaryAccuracy": ({}, {"name": "binary_accuracy", "threshold": 0.5}, KERAS),
        "MeanAbsoluteError": ({}, {"name": "mean_absolute_error"}, KERAS),
        "MeanSquaredError": ({}, {"name": "mean_squared_error"}, KERAS),
        "RootMeanSquaredError": ({}, {"name": "root_mean_squared_error"}, KERAS),
        "MeanAbsolutePercentageError": ({}, {"name": "mean_absolute_percentage_error"}, KERAS),
        "MeanSquaredLogarithmicError": ({}, {"name": "mean_squared_logarithmic_error"}, KERAS),
        "BinaryCrossentropy": ({}, {"name": "binary_crossentropy", "from_logits": False}, KERAS),
        "CategoricalCrossentropy": ({}, {"name": "categorical_crossentropy", "from_logits": False}, KERAS),
        "SparseCategoricalCrossentropy": ({}, {"name": "sparse_categorical_crossentropy", "from_logits": False},
                                          KERAS),
    },
    "optimizer": {
        "SGD": ({}, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": None,
                     "clipnorm": None, "clipvalue": None, "global_clipnorm": None, "name": "SGD"}, KERAS),
        "Adam": ({}, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False,
                      "weight_decay": None, "name": "adam"}, KERAS),
        "AdamW": ({}, {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
                       "epsilon": 1e-7, "amsgrad": False, "name": "adamw"}, KERAS),
        "Adamax": ({}, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "name": "adamax"},
                   KERAS),
        "Nadam": ({}, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "name": "nadam"},
                  KERAS),
        "RMSprop": ({}, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False,
                         "name": "rmsprop"}, KERAS),
        "Adagrad": ({}, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}, KERAS),
    },
    "schedule": {
        "ExponentialDecay": ({**LR, "decay_rate": 0.5}, {"staircase": False, "name": "ExponentialDecay"}, KERAS),
        "PiecewiseConstantDecay": ({"boundaries": [5], "values": [0.1, 0.01]}, {"name": "PiecewiseConstant"}, KERAS),
        "InverseTimeDecay": ({**LR, "decay_rate": 0.5}, {"staircase": False, "name": "InverseTimeDecay"}, KERAS),
        "PolynomialDecay": (LR, {"end_learning_rate": 1e-4, "power": 1.0, "cycle": False,
                                 "name": "PolynomialDecay"}, KERAS),
        "CosineDecay": (LR, {"alpha": 0.0, "name": "CosineDecay", "warmup_target": None, "warmup_steps": 0}, KERAS),
        "CosineDecayRestarts": ({"initial_learning_rate": 0.1, "first_decay_steps": 10},
                                {"t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0, "name": "SGDRDecay"}, KERAS),
        # Not in Keras: the notes' power scheduling, η₀/(1 + t/s)^c, with c = 1 by default.
        "PowerDecay": (LR, {"power": 1.0, "name": "PowerDecay"}, "the notes (seed 000)"),
        # Not in Keras: Géron's OneCycleScheduler (HOML 2nd ed., ch. 11 notebook) defaults.
        "OneCycle": ({"total_steps": 100, "max_learning_rate": 1.0},
                     {"initial_learning_rate": 0.1, "final_learning_rate": 1e-4, "final_fraction": 0.1,
                      "max_momentum": 0.95, "min_momentum": 0.85, "name": "OneCycle"}, "HOML2 OneCycleScheduler"),
    },
    "layer": {
        "Dense": ({"units": 3}, {"activation": None, "use_bias": True, "kernel_initializer": "glorot_uniform",
                                 "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
                                 "kernel_constraint": None, "bias_constraint": None}, KERAS),
        "Activation": ({"activation": "relu"}, {}, KERAS),
        "ReLU": ({}, {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}, KERAS),
        "LeakyReLU": ({}, {"negative_slope": 0.3}, KERAS),
        "ELU": ({}, {"alpha": 1.0}, KERAS),
        "Softmax": ({}, {"axis": -1}, KERAS),
        "PReLU": ({}, {"alpha_initializer": "zeros", "alpha_regularizer": None, "alpha_constraint": None,
                       "shared_axes": None}, KERAS),
        # Not in Keras: PyTorch's nn.RReLU(lower=1/8, upper=1/3).
        "RReLU": ({}, {"lower": 1 / 8, "upper": 1 / 3, "seed": None}, "PyTorch"),
        "BatchNormalization": ({}, {"axis": -1, "momentum": 0.99, "epsilon": 1e-3, "center": True, "scale": True,
                                    "beta_initializer": "zeros", "gamma_initializer": "ones",
                                    "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
                                    "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                                    "gamma_constraint": None}, KERAS),
        "Dropout": ({"rate": 0.5}, {"noise_shape": None, "seed": None}, KERAS),
        "AlphaDropout": ({"rate": 0.5}, {"noise_shape": None, "seed": None}, KERAS),
        # Not in Keras: the notes' MCDropout subclasses, with their parents' defaults.
        "MCDropout": ({"rate": 0.5}, {"noise_shape": None, "seed": None}, "the notes (seed 002)"),
        "MCAlphaDropout": ({"rate": 0.5}, {"noise_shape": None, "seed": None}, "the notes (seed 002)"),
        "Input": ({"shape": (3,)}, {"name": None}, KERAS),
        "Flatten": ({}, {}, KERAS),
    },
    "activation": {  # keras.activations functions' keyword defaults
        "Linear": ({}, {}, KERAS),
        "ReLU": ({}, {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}, KERAS),
        "LeakyReLU": ({}, {"negative_slope": 0.2}, KERAS),
        "ELU": ({}, {"alpha": 1.0}, KERAS),
        "SELU": ({}, {}, KERAS),
        "Sigmoid": ({}, {}, KERAS),
        "Tanh": ({}, {}, KERAS),
        "SiLU": ({}, {}, KERAS),
        "GELU": ({}, {"approximate": False}, KERAS),
        "Mish": ({}, {}, KERAS),
        "Softmax": ({}, {"axis": -1}, KERAS),
    },
    "callback": {
        "Callback": ({}, {}, KERAS),
        "History": ({}, {}, KERAS),
        "LambdaCallback": ({}, {}, KERAS),
        "TerminateOnNaN": ({}, {}, KERAS),
        "ProgbarLogger": ({}, {}, KERAS),
        "CSVLogger": ({"filename": "log.csv"}, {"separator": ",", "append": False}, KERAS),
        "EarlyStopping": ({}, {"monitor": "val_loss", "min_delta": 0, "patience": 0, "verbose": 0, "mode": "auto",
                               "baseline": None, "restore_best_weights": False, "start_from_epoch": 0}, KERAS),
        "ReduceLROnPlateau": ({}, {"monitor": "val_loss", "factor": 0.1, "patience": 10, "verbose": 0,
                                   "mode": "auto", "min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0}, KERAS),
        "ModelCheckpoint": ({"filepath": "model.keras"}, {"monitor": "val_loss", "verbose": 0,
                                                          "save_best_only": False, "save_weights_only": False,
                                                          "mode": "auto", "save_freq": "epoch",
                                                          "initial_value_threshold": None}, KERAS),
        "LearningRateScheduler": ({"schedule": lambda epoch: 0.1}, {"verbose": 0}, KERAS),
        "TensorBoard": ({}, {"log_dir": "logs", "histogram_freq": 0, "write_graph": True, "write_images": False,
                             "write_steps_per_second": False, "update_freq": "epoch", "profile_batch": 0,
                             "embeddings_freq": 0, "embeddings_metadata": None}, KERAS),
        # Not in Keras: Géron's OneCycleScheduler (HOML2) defaults, and trainlab's own diagnostics.
        "OneCycleScheduler": ({"max_learning_rate": 1.0}, {"total_steps": None, "initial_learning_rate": None,
                                                           "final_learning_rate": None, "final_fraction": 0.1,
                                                           "max_momentum": 0.95, "min_momentum": 0.85,
                                                           "cycle_momentum": True}, "HOML2 OneCycleScheduler"),
        "Diagnostics": ({}, {"every": 1, "sample_size": 256, "seed": 0, "probe": None, "histogram_bins": 0},
                        "trainlab (docs/ARCHITECTURE.md)"),
        "MonitorCallback": ({}, {"monitor": "val_loss", "mode": "auto", "min_delta": 0.0, "baseline": None},
                            "trainlab's base of EarlyStopping/ReduceLROnPlateau/ModelCheckpoint"),
    },
}
# Classes exported beside the callbacks that are machinery, not callbacks a user configures.
NOT_CALLBACKS = {"CallbackList"}


def component_classes(kind):
    if kind == "callback":
        return {name: getattr(callbacks, name) for name in dir(callbacks)
                if isinstance(getattr(callbacks, name), type) and name not in NOT_CALLBACKS}
    return {cls.__name__: cls for cls in REGISTRIES[kind].registry.entries()}


@pytest.mark.parametrize("kind", sorted(TABLE))
def test_every_component_has_a_row(kind):
    missing = sorted(set(component_classes(kind)) - set(TABLE[kind]))
    assert not missing, f"add the Keras 3 defaults of these {kind}s to TABLE in {__file__}: {missing}"


ROWS = [(kind, name) for kind in sorted(TABLE) for name in TABLE[kind]]


def same(actual, expected, argument=""):
    if expected is None:
        if argument == "activation":  # Keras serializes activation=None as "linear"
            return actual is None or actual == "linear" or type(actual).__name__ == "Linear"
        return actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and math.isclose(actual, expected, rel_tol=1e-15, abs_tol=0)
    if isinstance(actual, os.PathLike):  # a path kept as a Path object (TensorBoard's log_dir)
        actual = os.fspath(actual)
    if argument.endswith("_initializer") and not isinstance(actual, str):
        # an initializer given by name: compare the classes the two resolve to
        resolved = initializers.deserialize(actual) if isinstance(actual, dict) else actual
        return type(resolved) is type(initializers.get(expected))
    return type(actual) is type(expected) and actual == expected


MISSING = object()
# Arguments stored under another attribute name.
ALIASES = {"initial_value_threshold": "baseline"}  # ModelCheckpoint keeps it as its monitor's baseline


def built_value(obj, argument):
    config = obj.get_config() if hasattr(obj, "get_config") else {}
    if argument in config:
        value = config[argument]
    else:
        value = getattr(obj, ALIASES.get(argument, argument), MISSING)
        if value is MISSING:
            value = getattr(obj, "_arguments", {}).get(argument, MISSING)  # OneCycleScheduler keeps them there
    if hasattr(value, "value") and not isinstance(value, (int, float, str, dict)):  # a live hyperparameter
        value = value.value
    return value


# What a default-built object legitimately holds in place of the default it was given.
RESOLVED_AT_CONSTRUCTION = {
    "mode": "'auto' becomes 'min' or 'max' from the monitored key (Keras does the same)",
    "name": "None becomes an automatic name (dense, input_1, ...)",
}


@pytest.mark.parametrize("kind,name", ROWS, ids=[f"{k}-{n}" for k, n in ROWS])
def test_defaults_are_keras_3s(kind, name, tmp_path, monkeypatch):
    cls = component_classes(kind).get(name)
    if cls is None:
        pytest.skip(f"{name} is not in this build")
    required, defaults, _ = TABLE[kind][name]
    parameters = inspect.signature(cls).parameters
    monkeypatch.chdir(tmp_path)  # CSVLogger and friends may touch their paths
    obj = cls(**required)
    for argument, expected in defaults.items():
        value = built_value(obj, argument)
        if argument in parameters:  # presets fix scale/mode/distribution without taking them as arguments
            default = parameters[argument].default
            # None in a signature means "computed at construction": the built value is checked below.
            assert same(default, expected, argument) or default is None, (
                f"{name}({argument}=...) defaults to {default!r}, Keras: {expected!r}")
        if argument in RESOLVED_AT_CONSTRUCTION and value is not MISSING and expected in (None, "auto"):
            continue
        if value is MISSING:  # validated but not kept (TensorBoard's profile_batch): the signature says it all
            assert argument in parameters, f"{name} neither takes nor exposes {argument!r}"
            continue
        assert same(value, expected, argument), f"{name}() holds {argument}={value!r}, Keras: {expected!r}"


def test_the_table_catches_the_mutations_issue_12_names():
    # Each of these defaults once changed without a failing test; the rows above pin them.
    assert TABLE["optimizer"]["AdamW"][1]["weight_decay"] == 0.004
    assert TABLE["layer"]["ELU"][1]["alpha"] == 1.0 and TABLE["activation"]["ELU"][1]["alpha"] == 1.0
    assert TABLE["layer"]["LeakyReLU"][1]["negative_slope"] == 0.3
    assert TABLE["activation"]["LeakyReLU"][1]["negative_slope"] == 0.2
