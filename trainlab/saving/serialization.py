"""Model ⇄ files: ``save_model`` / ``load_model`` and ``save_weights`` / ``load_weights``.

Weights are keyed ``<layer name>/<weight name>``; loading is strict and names every missing,
extra or mis-shaped array. Loading is also bounded and inert: sizes are checked against caps
before anything is allocated (:mod:`~trainlab.saving.limits`), objects are rebuilt only from
registered names and must round-trip their config (:mod:`~trainlab.saving.rebuild`), and the
optimizer and training state are checked in full (:mod:`~trainlab.saving.state`,
:mod:`~trainlab.saving.resume`), so whatever is wrong with a file is a :class:`ModelFileError`
at load — never a ``MemoryError``, and never an error at the next ``fit``.
"""
from __future__ import annotations

import numpy as np

import trainlab
from trainlab import losses as losses_module
from trainlab import optimizers as optimizers_module
from trainlab.saving.archive import FORMAT_NAME, FORMAT_VERSION, read_archive, write_archive
from trainlab.saving.errors import ModelFileError
from trainlab.saving.limits import GIB, MIB, LoadLimits
from trainlab.saving.rebuild import REBUILD_ERRORS, check_sample_sizes, rebuild_model, restore_compile
from trainlab.saving.resume import restore_training_state, resume_state
from trainlab.saving.state import (check_centered_rmsprop, check_optimizer_state, check_slots_complete, check_values,
                                   check_weight_arrays, check_weight_value, describe_key)


def model_weights(model) -> dict[str, np.ndarray]:
    return {f"{layer.name}/{name}": layer.weight(name) for layer in model._layers for name in layer.weight_names()}


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
    session has other generated names). Values are cast to the model's dtype and must stay
    usable there (:func:`~trainlab.saving.state.check_weight_value`; float64 → float16 can
    overflow). Nothing is copied unless every array passes.
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
    layers = {layer.name: layer for layer in model._layers}
    for model_name, file_name in pairs:
        for weight, target in model_layers[model_name].items():
            with np.errstate(over="ignore"):  # an overflow to inf is reported just below
                cast = file_layers[file_name][weight].astype(target.dtype, copy=False)
            check_weight_value(layers[model_name], weight, cast,
                               f"{source}: layer {model_name!r} weight {weight!r} (as {target.dtype})")
    for model_name, file_name in pairs:
        for weight, target in model_layers[model_name].items():
            target[...] = file_layers[file_name][weight]


def _metadata() -> dict:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "trainlab_version": trainlab.__version__}


def save_model(model, filepath, training_state: dict | None = None) -> None:
    """Architecture, weights, compile settings, optimizer and training state in one atomic zip.

    ``training_state`` (JSON-safe) is stored in ``config.json`` beside the shuffling RNG state
    and comes back as ``model.training_state`` after :func:`load_model`.

    Raises:
        ValueError: the model is not built; a weight holds NaN or infinite values (the file
            could not be loaded: a diverged run has nothing worth saving); ``training_state``
            uses a key of the resume state (``epoch``, ``shuffle_rng``, ``layer_rngs``,
            ``callbacks``).
    """
    if not model.built:
        raise ValueError("Build the model (give an input shape or call it on data) before saving it.")
    weights = _finite_weights(model)
    config = {"model": {"class_name": type(model).__name__, "config": model.get_config()}}
    arrays = {"weights.npz": weights}
    if model.compiled:
        config["compile"] = {"optimizer": optimizers_module.serialize(model.optimizer),
                             "loss": losses_module.serialize(model.loss),
                             "metrics": [m if isinstance(m, str) else m.name for m in model._metric_identifiers]}
        if model.optimizer.iterations > 0:
            # Slots of a weight unfrozen since the last step would be created (at their initial
            # value) by the next step: create them now, so a file always holds every slot.
            model.optimizer.build({f"{layer.name}/{name}": value for layer in model._layers if layer.trainable
                                   for name, value in layer.params.items()})
        arrays["optimizer.npz"] = model.optimizer.get_state()
    resume, callback_arrays = resume_state(model)
    reserved = sorted(set(training_state or {}) & {"shuffle_rng", *resume})
    if reserved:
        raise ValueError(f"training_state keys {', '.join(reserved)} are trainlab's own resume state, which save_model "
                         f"writes itself; store your values under other keys.")
    config["training_state"] = {"shuffle_rng": model.shuffle_rng.bit_generator.state, **resume,
                                **(training_state or {})}
    if callback_arrays:
        arrays["callbacks.npz"] = callback_arrays
    write_archive(filepath, {"metadata.json": _metadata(), "config.json": config}, arrays)


def _finite_weights(model) -> dict[str, np.ndarray]:
    weights = model_weights(model)
    for key, value in weights.items():
        try:
            check_values(value, describe_key(key))
        except ModelFileError as error:
            raise ValueError(f"Cannot save model {model.name!r}: {error}") from None
    return weights


def _limits(max_bytes, max_json_bytes, max_arrays) -> LoadLimits:
    return LoadLimits(max_bytes=max_bytes, max_json_bytes=max_json_bytes, max_arrays=max_arrays)


def load_model(filepath, compile: bool = True, *, max_bytes: int = GIB, max_json_bytes: int = 16 * MIB,
               max_arrays: int = 100_000):
    """Rebuild a model saved by :func:`save_model`; nothing in the file is executed.

    Args:
        filepath: the model file.
        compile: restore the optimizer (with its state), loss and metrics.
        max_bytes, max_json_bytes, max_arrays: caps on what the file may make trainlab allocate
            (see :mod:`trainlab.saving.limits`); raise them only for a trusted, larger file.

    Raises:
        FileNotFoundError: no file at ``filepath``.
        ValueError: a cap is not an integer >= 1.
        ModelFileError: the file is not a trainlab model (saying what it looks like), is damaged,
            hostile (pickles, object arrays, paths outside the archive, unregistered class
            names, sizes over the caps), or does not fit together (naming the layer, weight,
            optimizer slot or state key). Also when memory runs out within the caps.
    """
    limits = _limits(max_bytes, max_json_bytes, max_arrays)
    source = repr(str(filepath))
    try:
        return _load_model(filepath, compile, limits, source)
    except MemoryError:
        raise ModelFileError(f"{source}: memory ran out while loading it, although every size it declares is within "
                             f"the caps (max_bytes={limits.max_bytes:,}). Free memory, or lower max_bytes to refuse "
                             f"files this large.") from None


def _load_model(filepath, compile: bool, limits: LoadLimits, source: str):
    json_members, arrays = read_archive(filepath, limits)
    config = json_members.get("config.json")
    if not isinstance(config, dict) or "model" not in config:
        raise ModelFileError(f"{source} holds weights only (saved with save_weights); build the model in code and "
                             f"call model.load_weights(path).")
    weights = arrays.get("weights.npz", {})
    check_weight_arrays(weights, source)
    model = rebuild_model(config["model"], weights, source)
    check_sample_sizes(model, limits.max_bytes, source)
    try:
        assign_weights(model, weights, source)
    except ValueError as error:
        raise ModelFileError(str(error)) from None
    if compile and config.get("compile") is not None:
        restore_compile(model, config["compile"], source)
        if "optimizer.npz" in arrays:
            _restore_optimizer_state(model, arrays["optimizer.npz"], source)
    model.training_state = restore_training_state(model, config.get("training_state"), arrays.get("callbacks.npz"),
                                                  source)
    return model


def _restore_optimizer_state(model, state: dict[str, np.ndarray], source: str) -> None:
    check_optimizer_state(model, state, source)
    check_centered_rmsprop(state, source)
    try:
        model.optimizer.set_state(state)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{source}: the optimizer state does not fit {type(model.optimizer).__name__}: "
                             f"{error}.") from None
    check_slots_complete(model, state, source)


def save_weights(model, filepath) -> None:
    """The weights only (same safe zip format, no architecture): reload with :func:`load_weights`."""
    if not model.built:
        raise ValueError("Build the model (give an input shape or call it on data) before saving its weights.")
    write_archive(filepath, {"metadata.json": _metadata()}, {"weights.npz": _finite_weights(model)})


def load_weights(model, filepath, *, max_bytes: int = GIB, max_json_bytes: int = 16 * MIB,
                 max_arrays: int = 100_000) -> None:
    """Strict: every missing, extra or mis-shaped array is named (layer, weight, both shapes).

    Layers are matched by position among those with weights, as in Keras 3, so a model built
    again in code (whose generated layer names differ) loads the weights it saved. The caps are
    those of :func:`load_model`.

    Raises:
        ModelFileError: the file is damaged, hostile or over the caps.
        ValueError: the weights do not match the model (naming each difference).
    """
    limits = _limits(max_bytes, max_json_bytes, max_arrays)
    source = repr(str(filepath))
    try:
        _, arrays = read_archive(filepath, limits)
    except MemoryError:
        raise ModelFileError(f"{source}: memory ran out while reading it, within the caps (max_bytes="
                             f"{limits.max_bytes:,}).") from None
    if "weights.npz" not in arrays:
        raise ModelFileError(f"{source} holds no weights.npz member.")
    check_weight_arrays(arrays["weights.npz"], source)
    assign_weights(model, arrays["weights.npz"], source, match="order")
