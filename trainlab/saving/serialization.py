"""Model ⇄ files: ``save_model`` / ``load_model`` and ``save_weights`` / ``load_weights``.

Weights are keyed ``<layer name>/<weight name>``; loading is strict and names every missing,
extra or mis-shaped array. Objects are rebuilt only from registered class names (each registry
is a plain name → class table: no import, attribute lookup or code in the file can reach
anything else), and every failure while rebuilding becomes a :class:`ModelFileError` naming the
component at fault.
"""
from __future__ import annotations

import numpy as np

import trainlab
from trainlab import layers as layers_module
from trainlab import losses as losses_module
from trainlab import metrics as metrics_module
from trainlab import optimizers as optimizers_module
from trainlab.saving.archive import FORMAT_NAME, FORMAT_VERSION, ModelFileError, read_archive, write_archive

# What a registered component's constructor or from_config raises on a bad config.
REBUILD_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError)
FLOAT_DTYPES = ("float16", "float32", "float64")


def model_weights(model) -> dict[str, np.ndarray]:
    return {f"{layer.name}/{name}": layer.weight(name) for layer in model._layers for name in layer.weight_names()}


def _describe_key(key: str) -> str:
    layer, _, weight = key.rpartition("/")
    return f"layer {layer!r} weight {weight!r}"


def _group_by_layer(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"dense/kernel": a, ...}`` → ``{"dense": {"kernel": a, ...}, ...}``, in file order."""
    groups: dict[str, dict[str, np.ndarray]] = {}
    for key, array in arrays.items():
        layer, _, weight = key.rpartition("/")
        groups.setdefault(layer, {})[weight] = array
    return groups


def assign_weights(model, arrays: dict[str, np.ndarray], source: str, match: str = "name") -> None:
    """Copy ``arrays`` into the model after checking all of them; every problem is named in one error.

    ``match="name"`` pairs the file's layers with the model's by layer name (a model file, whose
    names come from the file itself); ``match="order"`` pairs them by position among the layers
    that have weights (Keras 3 ``load_weights``: a same-architecture model built in another
    session has other generated names).
    """
    if not model.built:
        raise ValueError(f"Cannot load the weights in {source} into model {model.name!r}: it is not built, so it has "
                         f"no weights yet. Build it first (input_shape=... on the first layer, or model.build(...)).")
    model_layers = {layer.name: {name: layer.weight(name) for name in layer.weight_names()}
                    for layer in model._layers if layer.weight_names()}
    file_layers = _group_by_layer(arrays)
    problems = []
    if match == "name":
        pairs = [(name, name) for name in model_layers if name in file_layers]
        missing = [name for name in model_layers if name not in file_layers]
        extra = [name for name in file_layers if name not in model_layers]
        if missing:
            problems.append(f"layers missing from the file: {', '.join(missing)}")
        if extra:
            problems.append(f"layers in the file but not in the model: {', '.join(extra)}")
    else:
        pairs = list(zip(model_layers, file_layers))
        if len(model_layers) != len(file_layers):
            problems.append(f"the file holds weights for {len(file_layers)} layers ({', '.join(file_layers)}) but "
                            f"the model has {len(model_layers)} layers with weights ({', '.join(model_layers)})")
    for model_name, file_name in pairs:
        expected, found = model_layers[model_name], file_layers[file_name]
        label = f"layer {model_name!r}" + ("" if file_name == model_name else f" (file layer {file_name!r})")
        if list(expected) != list(found):
            problems.append(f"{label} has weights {', '.join(expected)}; the file has {', '.join(found)}")
            continue
        problems += [f"{label} weight {weight!r}: the model has shape {expected[weight].shape}, the file "
                     f"{found[weight].shape}" for weight in expected if expected[weight].shape != found[weight].shape]
    if problems:
        raise ValueError(f"The weights in {source} do not match model {model.name!r}: " + "; ".join(problems)
                         + ". Build the same architecture as the saved one.")
    for model_name, file_name in pairs:
        for weight, target in model_layers[model_name].items():
            target[...] = file_layers[file_name][weight]


def _metadata() -> dict:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "trainlab_version": trainlab.__version__}


def save_model(model, filepath, training_state: dict | None = None) -> None:
    """Architecture, weights, compile settings and optimizer state in one atomic zip.

    ``training_state`` (JSON-safe) is stored in ``config.json`` beside the shuffling RNG state
    and comes back as ``model.training_state`` after :func:`load_model`.
    """
    if not model.built:
        raise ValueError("Build the model (give an input shape or call it on data) before saving it.")
    config = {"model": {"class_name": type(model).__name__, "config": model.get_config()}}
    arrays = {"weights.npz": model_weights(model)}
    if model.compiled:
        config["compile"] = {"optimizer": optimizers_module.serialize(model.optimizer),
                             "loss": losses_module.serialize(model.loss),
                             "metrics": [m if isinstance(m, str) else m.name for m in model._metric_identifiers]}
        arrays["optimizer.npz"] = model.optimizer.get_state()
    config["training_state"] = {"shuffle_rng": model.shuffle_rng.bit_generator.state, **resume_state(model),
                                **(training_state or {})}
    write_archive(filepath, {"metadata.json": _metadata(), "config.json": config}, arrays)


def load_model(filepath, compile: bool = True):
    """Rebuild a model saved by :func:`save_model`; nothing in the file is executed.

    Raises:
        FileNotFoundError: no file at ``filepath``.
        ModelFileError: the file is not a trainlab model (saying what it looks like), is damaged,
            hostile (pickles, object arrays, paths outside the archive, unregistered class
            names), or does not fit together (naming the layer, weight or optimizer slot).
    """
    json_members, arrays = read_archive(filepath)
    source = repr(str(filepath))
    config = json_members.get("config.json")
    if not isinstance(config, dict) or "model" not in config:
        raise ModelFileError(f"{source} holds weights only (saved with save_weights); build the model in code and "
                             f"call model.load_weights(path).")
    model = _rebuild_model(config["model"], source)
    try:
        assign_weights(model, arrays.get("weights.npz", {}), source)
    except ValueError as error:
        raise ModelFileError(str(error)) from None
    if compile and config.get("compile") is not None:
        _restore_compile(model, config["compile"], arrays.get("optimizer.npz"), source)
    training_state = config.get("training_state") or {}
    if not isinstance(training_state, dict):
        raise ModelFileError(f"{source}: training_state must be a JSON object; got {type(training_state).__name__}.")
    if training_state.get("shuffle_rng") is not None:
        try:
            model.shuffle_rng.bit_generator.state = training_state["shuffle_rng"]
        except REBUILD_ERRORS as error:
            raise ModelFileError(f"{source}: the saved shuffling RNG state is invalid ({error}).") from None
    model.training_state = training_state
    try:
        restore_resume_state(model, training_state)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the saved training state does not fit the model ({error}).") from None
    return model


def resume_state(model) -> dict:
    """What exact resume needs beyond weights, optimizer state and the shuffle RNG: the epoch
    reached, every layer's ``rng`` (dropout masks, RReLU slopes) and the last fit's callback states."""
    from trainlab.models.training import callback_states

    return {"epoch": model.epochs_completed,
            "layer_rngs": {layer.name: layer.rng.bit_generator.state for layer in model._layers
                           if isinstance(getattr(layer, "rng", None), np.random.Generator)},
            "callbacks": callback_states(model._last_callbacks)}


def restore_resume_state(model, state: dict) -> None:
    model.epochs_completed = int(state.get("epoch", 0))
    for name, rng_state in state.get("layer_rngs", {}).items():
        model.get_layer(name).rng.bit_generator.state = rng_state
    model._saved_callback_states = list(state.get("callbacks", []))


def _rebuild_model(model_config, source: str):
    from trainlab.models import Sequential

    if not isinstance(model_config, dict) or model_config.get("class_name") != "Sequential":
        name = model_config.get("class_name") if isinstance(model_config, dict) else model_config
        raise ModelFileError(f"{source}: unknown model class {name!r}; trainlab saves Sequential models only.")
    inner = model_config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ModelFileError(f"{source}: the model config must be an object with a 'layers' list.")
    name = inner.get("name", "sequential")
    if not isinstance(name, str):
        raise ModelFileError(f"{source}: the model name must be a string; got {name!r}.")
    layers = [_rebuild_layer(index, layer_config, source) for index, layer_config in enumerate(inner["layers"])]
    try:
        model = Sequential(layers, name=name)
        shape = inner.get("build_input_shape")
        if shape and not model.built:
            model.build(tuple(shape))
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the saved layers do not fit together ({error}).") from None
    return model


def _rebuild_layer(index: int, layer_config, source: str):
    if not isinstance(layer_config, dict) or not isinstance(layer_config.get("config", {}), dict):
        raise ModelFileError(f"{source}: layer {index} must be an object with 'class_name' and 'config'; "
                             f"got {layer_config!r}.")
    class_name = layer_config.get("class_name")
    name = layer_config.get("config", {}).get("name", f"#{index}")
    what = f"{source}: layer {index} ({name!r}, class {class_name!r})"
    dtype = layer_config.get("config", {}).get("dtype")
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{what} has dtype {dtype!r}; layers hold {', '.join(FLOAT_DTYPES)} weights only.")
    try:
        return layers_module.deserialize(layer_config)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{what} cannot be rebuilt: {error}. Only registered trainlab classes with their "
                             f"documented arguments are loaded.") from None


def _restore_compile(model, settings, optimizer_state, source: str) -> None:
    if not isinstance(settings, dict):
        raise ModelFileError(f"{source}: the compile settings must be a JSON object.")
    try:
        optimizer = optimizers_module.deserialize(settings.get("optimizer"))
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the optimizer cannot be rebuilt: {error}.") from None
    try:
        loss = losses_module.deserialize(settings.get("loss"))
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the loss cannot be rebuilt: {error}.") from None
    metrics = settings.get("metrics") or []
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise ModelFileError(f"{source}: metrics must be a list of metric names; got {metrics!r}.")
    try:
        for metric in metrics:
            metrics_module.get(metric, loss=loss, output_units=model.output_shape[-1])
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the compile settings cannot be restored: {error}.") from None
    if optimizer_state is not None:
        _check_optimizer_slots(model, optimizer_state, source)
        try:
            model.optimizer.set_state(optimizer_state)
        except REBUILD_ERRORS as error:
            raise ModelFileError(f"{source}: the optimizer state does not fit {type(optimizer).__name__}: "
                                 f"{error}.") from None


def _check_optimizer_slots(model, state: dict, source: str) -> None:
    """Every slot must belong to a weight of the model and have its shape."""
    weights = model_weights(model)
    for key, value in state.items():
        if key == "iterations" or key.startswith(("_extra/", "_hyper/")):
            continue
        path = key.rpartition("/")[0]
        if path not in weights:
            raise ModelFileError(f"{source}: optimizer slot {key!r} belongs to no weight of the model.")
        if weights[path].shape != value.shape:
            raise ModelFileError(f"{source}: optimizer slot {key!r} for {_describe_key(path)} has shape "
                                 f"{value.shape}; the weight has shape {weights[path].shape}.")


def save_weights(model, filepath) -> None:
    """The weights only (same safe zip format, no architecture): reload with :func:`load_weights`."""
    if not model.built:
        raise ValueError("Build the model (give an input shape or call it on data) before saving its weights.")
    write_archive(filepath, {"metadata.json": _metadata()}, {"weights.npz": model_weights(model)})


def load_weights(model, filepath) -> None:
    """Strict: every missing, extra or mis-shaped array is named (layer, weight, both shapes).

    Layers are matched by position among those with weights, as in Keras 3, so a model built
    again in code (whose generated layer names differ) loads the weights it saved.
    """
    _, arrays = read_archive(filepath)
    if "weights.npz" not in arrays:
        raise ModelFileError(f"{str(filepath)!r} holds no weights.npz member.")
    assign_weights(model, arrays["weights.npz"], repr(str(filepath)), match="order")
