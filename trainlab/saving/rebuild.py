"""Rebuilding a model and its compile settings from a file's config, inertly and within bounds.

* Objects come only from registered class names (each registry is a plain name → class table:
  no import, attribute lookup or code in the file can reach anything else).
* Every rebuilt component must report the config it was rebuilt from (:func:`config_mismatch`):
  a constructor that coerces ``units=2.7`` to 2, ``"0.5"`` to 0.5 or ``"yes"`` to True would
  otherwise accept a wrong JSON type silently; the round trip catches every such case without
  a per-class schema.
* Layers are built with a guard on ``add_weight``: the weights a config declares may not
  together exceed the weights the file holds, so ``Dense(units=10**9)`` or
  ``input_shape=[10**12]`` is refused before the allocation, naming the layer and the size.
  Within that bound, a config and weights that disagree are reported together by
  :func:`~trainlab.saving.serialization.assign_weights`.
"""
from __future__ import annotations

import math

import numpy as np

from trainlab import layers as layers_module
from trainlab import losses as losses_module
from trainlab import metrics as metrics_module
from trainlab import optimizers as optimizers_module
from trainlab.saving.errors import ModelFileError

# What a registered component's constructor or from_config raises on a bad config.
REBUILD_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, ZeroDivisionError)
FLOAT_DTYPES = ("float16", "float32", "float64")
# Weights a config may declare beyond those in the file before the build is refused: enough for
# any small disagreement to be built and then reported in full, far below a hostile size.
DECLARED_SLACK_BYTES = 1 << 20


def config_mismatch(saved, rebuilt, where: str = "") -> str | None:
    """The first place where ``rebuilt`` (a rebuilt component's config) differs from ``saved``,
    as ``"key: saved value → rebuilt value"``, or None.

    Types are strict except that an int and a float of equal value match (JSON writes 1.0 as
    1.0, but a hand-edited file may say 1). Not compared: keys the rebuilt config does not report
    (deprecated aliases such as ``lr``), ``class_name`` (the registry lookup already resolved it,
    aliases included), and a component given by name where the rebuilt config has its dict.
    """
    if isinstance(saved, str) and isinstance(rebuilt, dict) or isinstance(saved, dict) and isinstance(rebuilt, str):
        return None
    if isinstance(saved, dict):
        if not isinstance(rebuilt, dict):
            return f"{where or 'config'}: {saved!r:.100} → {rebuilt!r:.100}"
        for key, value in saved.items():
            if key in rebuilt and key != "class_name":
                found = config_mismatch(value, rebuilt[key], f"{where}.{key}" if where else str(key))
                if found:
                    return found
        return None
    if isinstance(saved, (list, tuple)):
        if not isinstance(rebuilt, (list, tuple)) or len(saved) != len(rebuilt):
            return f"{where}: {saved!r:.100} → {rebuilt!r:.100}"
        for index, (a, b) in enumerate(zip(saved, rebuilt)):
            found = config_mismatch(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    if isinstance(saved, np.ndarray) or isinstance(rebuilt, np.ndarray):
        same = (isinstance(saved, np.ndarray) and isinstance(rebuilt, np.ndarray) and saved.dtype == rebuilt.dtype
                and saved.shape == rebuilt.shape and np.array_equal(saved, rebuilt))
        return None if same else f"{where}: an array changed when it was restored"
    if _is_number(saved) and _is_number(rebuilt):
        same = saved == rebuilt or (math.isnan(saved) and math.isnan(rebuilt))
    else:
        same = type(saved) is type(rebuilt) and saved == rebuilt
    return None if same else f"{where}: {saved!r:.100} → {rebuilt!r:.100}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _check_round_trip(saved, rebuilt, what: str) -> None:
    mismatch = config_mismatch(saved, rebuilt)
    if mismatch:
        raise ModelFileError(f"{what} cannot be rebuilt as saved: {mismatch} (a value of the wrong type or out of "
                             f"range, which the constructor would have changed silently). Refusing to load it.")


def rebuild_model(model_config, weights: dict[str, np.ndarray], source: str):
    """The Sequential model described by ``model_config``, built only within ``weights``' size."""
    from trainlab.models import Sequential

    if not isinstance(model_config, dict) or model_config.get("class_name") != "Sequential":
        name = model_config.get("class_name") if isinstance(model_config, dict) else model_config
        raise ModelFileError(f"{source}: unknown model class {name!r}; trainlab saves Sequential models only.")
    inner = model_config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ModelFileError(f"{source}: the model config must be an object with a 'layers' list.")
    name = inner.get("name", "sequential")
    if not isinstance(name, str) or not name:
        raise ModelFileError(f"{source}: the model name must be a non-empty string; got {name!r}.")
    layers = [_rebuild_layer(index, config, source) for index, config in enumerate(inner["layers"])]
    guard = _BuildGuard(weights, source)
    for layer in layers:
        guard.install(layer)
    try:
        model = Sequential(layers, name=name)
        shape = inner.get("build_input_shape")
        if shape is not None and not model.built:
            if not isinstance(shape, list) or not shape or shape[0] is not None:
                raise ModelFileError(f"{source}: build_input_shape must be a list [null, ...]; got {shape!r}.")
            model.build(tuple(shape))
    except REBUILD_ERRORS as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"{source}: the saved layers do not fit together ({error}).") from None
    finally:
        for layer in layers:
            guard.remove(layer)
    if not model.built:
        raise ModelFileError(f"{source}: the saved model has no input shape, so it cannot be built; trainlab saves "
                             f"built models only.")
    return model


def _rebuild_layer(index: int, layer_config, source: str):
    if not isinstance(layer_config, dict) or not isinstance(layer_config.get("config", {}), dict):
        raise ModelFileError(f"{source}: layer {index} must be an object with 'class_name' and 'config'; "
                             f"got {layer_config!r:.200}.")
    class_name = layer_config.get("class_name")
    name = layer_config.get("config", {}).get("name", f"#{index}")
    what = f"{source}: layer {index} ({name!r:.80}, class {class_name!r:.80})"
    if not isinstance(name, str) or not name:
        raise ModelFileError(f"{what} has a name that is not a non-empty string.")
    dtype = layer_config.get("config", {}).get("dtype")
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{what} has dtype {dtype!r}; layers hold {', '.join(FLOAT_DTYPES)} weights only.")
    try:
        layer = layers_module.deserialize(layer_config)
        rebuilt = layers_module.serialize(layer)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{what} cannot be rebuilt: {error}. Only registered trainlab classes with their "
                             f"documented arguments are loaded.") from None
    _check_round_trip(layer_config, rebuilt, what)
    return layer


class _BuildGuard:
    """Replaces each layer's ``add_weight`` while the model is built: a weight is created only if
    all the weights declared so far fit in what the file holds (plus a small slack)."""

    def __init__(self, weights: dict[str, np.ndarray], source: str):
        self.source = source
        self.remaining = sum(array.nbytes for array in weights.values()) + DECLARED_SLACK_BYTES

    def install(self, layer) -> None:
        create = layer.add_weight

        def add_weight(name, shape, *args, **kwargs):
            try:
                count = math.prod(int(size) for size in shape)
            except (TypeError, ValueError):
                count = 0  # not a shape: the layer's own validation names the problem
            nbytes = count * layer.dtype.itemsize
            if nbytes > self.remaining:
                raise ModelFileError(
                    f"{self.source}: layer {layer.name!r} ({type(layer).__name__}) declares a weight {name!r} of shape "
                    f"{tuple(shape)} ({nbytes:,} bytes), more than the weights in the file can fill; its config and "
                    f"its weights disagree. Refusing to allocate it.")
            self.remaining -= max(nbytes, 0)
            return create(name, shape, *args, **kwargs)

        layer.add_weight = add_weight

    @staticmethod
    def remove(layer) -> None:
        vars(layer).pop("add_weight", None)


def check_sample_sizes(model, max_bytes: int, source: str) -> None:
    """Every layer's output for one sample fits in ``max_bytes`` (a weightless model may declare
    any input shape; one sample larger than every array a file may hold is not a model)."""
    for layer in model._layers:
        values = math.prod(layer.output_shape[1:])
        if values * layer.dtype.itemsize > max_bytes:
            raise ModelFileError(f"{source}: layer {layer.name!r} outputs {values:,} values per sample, over the cap "
                                 f"of {max_bytes:,} bytes (max_bytes). Refusing to load it.")


def restore_compile(model, settings, source: str) -> None:
    """Compile ``model`` with the saved optimizer, loss and metrics (optimizer state comes after)."""
    if not isinstance(settings, dict):
        raise ModelFileError(f"{source}: the compile settings must be a JSON object.")
    try:
        optimizer = optimizers_module.deserialize(settings.get("optimizer"))
        rebuilt = optimizers_module.serialize(optimizer)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the optimizer cannot be rebuilt: {error}.") from None
    _check_round_trip(settings.get("optimizer"), rebuilt, f"{source}: the optimizer")
    try:
        loss = losses_module.deserialize(settings.get("loss"))
        rebuilt = losses_module.serialize(loss)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the loss cannot be rebuilt: {error}.") from None
    if loss is None:
        raise ModelFileError(f"{source}: the compile settings name no loss.")
    _check_round_trip(settings.get("loss"), rebuilt, f"{source}: the loss")
    metrics = settings.get("metrics") or []
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise ModelFileError(f"{source}: metrics must be a list of metric names; got {metrics!r:.200}.")
    try:
        for metric in metrics:
            metrics_module.get(metric, loss=loss, output_units=model.output_shape[-1])
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the compile settings cannot be restored: {error}.") from None
