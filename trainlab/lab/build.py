"""Build and compile the model a run config describes, plus its callbacks.

The network is ``Input → Flatten → hidden blocks → Dense(classes, softmax)``. A hidden block is
``Dense(units, activation)``, or with ``model.batchnorm``:

* ``"after"``:  ``Dense(units, activation) → BatchNormalization``
* ``"before"``: ``Dense(units, use_bias=False) → BatchNormalization → Activation`` (the notes'
  form: BN's β makes the dense bias redundant)

with ``model.batchnorm_momentum`` and ``model.batchnorm_epsilon`` (Keras' 0.99 and 1e-3 unless
set), followed by ``Dropout(model.dropout)`` and/or ``AlphaDropout(model.alpha_dropout)`` when the
rate is > 0. Every component is looked up by name when the model is built, so a study whose
components are not in this trainlab build fails in the lab's preflight with a message naming
the missing piece, before any run starts.
"""
from __future__ import annotations

from typing import Any

from trainlab.lab.schema import StudyError


def _arguments(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key != "name"}


def resolve(module, where: str, spec: Any, **defaults):
    """A component from ``module.get`` given a name or ``{name, **arguments}`` (None for ``{}``)."""
    if not spec:
        return None
    if isinstance(spec, str):
        identifier = spec
    else:
        identifier = {"class_name": spec["name"], "config": {**defaults, **_arguments(spec)}}
    try:
        return module.get(identifier)
    except (TypeError, ValueError) as error:
        raise StudyError(f"{where} = {spec!r} cannot be built: {error}") from None


def named(module, attribute: str, where: str):
    """``module.<attribute>`` or an error saying this build lacks it."""
    found = getattr(module, attribute, None)
    if found is None:
        raise StudyError(f"{where} needs {module.__name__}.{attribute}, which this trainlab build does not have "
                         f"yet; drop the setting or update trainlab.")
    return found


def construct(cls, where: str, *args, **kwargs):
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as error:
        raise StudyError(f"{where}: {error}") from None


def hidden_block(units: int, model: dict) -> list:
    """The layers of one hidden block (see the module docstring)."""
    from trainlab import constraints, initializers, layers, regularizers

    dense = {
        "kernel_initializer": resolve(initializers, "model.initializer", model["initializer"]),
        "kernel_regularizer": resolve(regularizers, "model.kernel_regularizer", model["kernel_regularizer"]),
        "kernel_constraint": resolve(constraints, "model.max_norm",
                                     {"name": "max_norm", "max_value": model["max_norm"]} if model["max_norm"] else {}),
    }
    norm = model["batchnorm"]
    if norm != "none":
        batchnorm = named(layers, "BatchNormalization", "model.batchnorm")
        settings = {"momentum": model["batchnorm_momentum"], "epsilon": model["batchnorm_epsilon"]}
        normalize = construct(batchnorm, "model.batchnorm_momentum/batchnorm_epsilon", **settings)
    if norm == "before":
        block = [layers.Dense(units, use_bias=False, **dense), normalize, layers.Activation(model["activation"])]
    else:
        block = [layers.Dense(units, activation=model["activation"], **dense)]
        if norm == "after":
            block.append(normalize)
    for key, layer_name in (("dropout", "Dropout"), ("alpha_dropout", "AlphaDropout")):
        if model[key]:
            block.append(construct(named(layers, layer_name, f"model.{key}"), f"model.{key}", model[key]))
    return block


#: Schedule arguments a study may give in epochs, and the step-count argument each becomes.
EPOCH_ARGUMENTS = {"decay_epochs": "decay_steps", "warmup_epochs": "warmup_steps", "boundaries_epochs": "boundaries"}


def schedule_in_steps(schedule: dict, steps_per_epoch: int | None) -> dict:
    """Convert ``decay_epochs`` and friends to step counts, so one study runs the same schedule on
    datasets of any size (digits has 41 steps per epoch at batch 32, Fashion-MNIST 1,719)."""
    converted = {}
    for key, value in schedule.items():
        if key not in EPOCH_ARGUMENTS:
            converted[key] = value
            continue
        if steps_per_epoch is None:
            raise StudyError(f"training.schedule: {key} needs the number of steps per epoch, which is not known here")
        to_steps = (lambda epochs: max(1, round(epochs * steps_per_epoch)))
        converted[EPOCH_ARGUMENTS[key]] = ([to_steps(v) for v in value] if isinstance(value, list) else to_steps(value))
    return converted


def build_optimizer(training: dict, steps_per_epoch: int | None = None):
    """The optimizer of ``training.optimizer``; a ``training.schedule`` becomes its learning rate.

    The schedule's ``initial_learning_rate`` defaults to the optimizer's (tuned) learning rate, and
    its lengths may be given in epochs (:data:`EPOCH_ARGUMENTS`).
    """
    from trainlab import optimizers

    spec = dict(training["optimizer"])
    if training["schedule"]:
        defaults = {"initial_learning_rate": spec["learning_rate"]} if "learning_rate" in spec else {}
        schedule = schedule_in_steps(training["schedule"], steps_per_epoch)
        spec["learning_rate"] = resolve(optimizers.schedules, "training.schedule", schedule, **defaults)
    return resolve(optimizers, "training.optimizer", spec)


def _callback_home(name: str):
    """``trainlab.pruning`` for its ``PruneLowMagnitude``, else ``trainlab.callbacks``."""
    from trainlab import callbacks, pruning

    return pruning if name == "PruneLowMagnitude" else callbacks


#: Callbacks that set the learning rate themselves: the argument that takes the tuned rate.
RATE_ARGUMENTS = {"OneCycleScheduler": "max_learning_rate"}


#: Callbacks that change the learning rate during a run (with a ``training.schedule``, they make a
#: run "scheduled": its record samples the rate per step, see :func:`trainlab.lab.trial._run_log`).
RATE_CALLBACKS = ("OneCycleScheduler", "LearningRateScheduler", "ReduceLROnPlateau")


def scheduled(training: dict) -> bool:
    """Whether the learning rate of a run with this ``[training]`` table can change during it."""
    return bool(training["schedule"]) or any(spec["name"] in RATE_CALLBACKS for spec in training["callbacks"])


def build_callbacks(training: dict) -> list:
    """Callbacks from ``training.callbacks``: ``[{name = "EarlyStopping", patience = 5}, ...]``
    (``PruneLowMagnitude`` comes from :mod:`trainlab.pruning`).

    A callback of :data:`RATE_ARGUMENTS` given without its rate argument gets the optimizer's
    (tuned) learning rate there, e.g. 1cycle's peak η_max, so tuning the rate tunes the cycle.
    """
    if not training["callbacks"]:
        return []
    built = []
    for spec in training["callbacks"]:
        arguments = _arguments(spec)
        rate = RATE_ARGUMENTS.get(spec["name"])
        if rate and rate not in arguments and "learning_rate" in training["optimizer"]:
            arguments[rate] = training["optimizer"]["learning_rate"]
        built.append(construct(named(_callback_home(spec["name"]), spec["name"], "training.callbacks"),
                               f"training.callbacks {spec['name']}", **arguments))
    return built


def callback_data(specs: list[dict], built: list) -> dict[str, dict]:
    """What each callback of ``training.callbacks`` recorded, for the run record: ``{name: to_dict()}``.

    Only callbacks exposing ``to_dict()`` (e.g. ``Diagnostics``) contribute; a name used twice gets a
    ``_2``, ``_3``... suffix in list order, so report sections find a callback's data by its name.
    """
    found: dict[str, dict] = {}
    for spec, callback in zip(specs, built):
        if callable(getattr(callback, "to_dict", None)):
            key, count = spec["name"], 1
            while key in found:
                count += 1
                key = f"{spec['name']}_{count}"
            found[key] = callback.to_dict()
    return found


def build_model(config: dict, sample_shape: tuple[int, ...], num_classes: int, steps_per_epoch: int | None = None):
    """A compiled ``Sequential`` model for a run config (see :func:`hidden_block`)."""
    from trainlab import layers, models
    from trainlab.lab.transfer import check

    check(config)
    model = config["model"]
    stack = [layers.Input(sample_shape), layers.Flatten()]
    for units in model["hidden"]:
        stack.extend(hidden_block(units, model))
    stack.append(layers.Dense(num_classes, activation="softmax"))
    network = models.Sequential(stack)
    training = config["training"]
    optimizer = build_optimizer(training, steps_per_epoch)
    try:
        network.compile(loss=training["loss"], optimizer=optimizer, metrics=list(training["metrics"]))
    except (TypeError, ValueError) as error:
        raise StudyError(f"training: the model cannot be compiled: {error}") from None
    return network
