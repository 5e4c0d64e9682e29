"""Model ⇄ files: ``save_model`` / ``load_model`` and ``save_weights`` / ``load_weights``.

Weights are keyed ``<layer name>/<weight name>``; loading is strict and names every missing,
extra or mis-shaped array. Objects are rebuilt only from registered class names.
"""
from __future__ import annotations

import numpy as np

import trainlab
from trainlab import losses as losses_module
from trainlab import optimizers as optimizers_module
from trainlab.saving.archive import FORMAT_NAME, FORMAT_VERSION, ModelFileError, read_archive, write_archive


def model_weights(model) -> dict[str, np.ndarray]:
    return {f"{layer.name}/{name}": layer.weight(name) for layer in model._layers for name in layer.weight_names()}


def assign_weights(model, arrays: dict[str, np.ndarray], source: str) -> None:
    """Copy ``arrays`` into the model; every missing, extra or mis-shaped key is named in one error."""
    expected = model_weights(model)
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    misshaped = [f"{key}: model {expected[key].shape}, file {arrays[key].shape}"
                 for key in sorted(set(expected) & set(arrays)) if expected[key].shape != arrays[key].shape]
    problems = []
    if missing:
        problems.append(f"missing from the file: {', '.join(missing)}")
    if extra:
        problems.append(f"not in the model: {', '.join(extra)}")
    if misshaped:
        problems.append(f"shape mismatch: {'; '.join(misshaped)}")
    if problems:
        raise ValueError(f"The weights in {source} do not match the model. " + ". ".join(problems) + ".")
    for key, target in expected.items():
        target[...] = arrays[key]


def _metadata() -> dict:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "trainlab_version": trainlab.__version__}


def save_model(model, filepath, training_state: dict | None = None) -> None:
    """Architecture, weights, compile settings and optimizer state in one atomic zip."""
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
    """Rebuild a model saved by :func:`save_model`; nothing in the file is executed."""
    from trainlab import models

    json_members, arrays = read_archive(filepath)
    config = json_members.get("config.json")
    if not isinstance(config, dict) or "model" not in config:
        raise ModelFileError(f"{str(filepath)!r} holds weights only (saved with save_weights); build the model "
                             f"in code and call model.load_weights(path).")
    model_config = config["model"]
    if model_config.get("class_name") != "Sequential":
        raise ModelFileError(f"{str(filepath)!r}: unknown model class {model_config.get('class_name')!r}.")
    model = models.Sequential.from_config(model_config["config"])
    assign_weights(model, arrays.get("weights.npz", {}), repr(str(filepath)))
    if compile and "compile" in config:
        settings = config["compile"]
        model.compile(optimizer=optimizers_module.deserialize(settings["optimizer"]),
                      loss=losses_module.deserialize(settings["loss"]), metrics=settings.get("metrics"))
        if "optimizer.npz" in arrays:
            model.optimizer.set_state(arrays["optimizer.npz"])
    rng_state = config.get("training_state", {}).get("shuffle_rng")
    if rng_state is not None:
        model.shuffle_rng.bit_generator.state = rng_state
    model.training_state = config.get("training_state", {})
    restore_resume_state(model, model.training_state)
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


def save_weights(model, filepath) -> None:
    write_archive(filepath, {"metadata.json": _metadata()}, {"weights.npz": model_weights(model)})


def load_weights(model, filepath) -> None:
    _, arrays = read_archive(filepath)
    assign_weights(model, arrays.get("weights.npz", {}), repr(str(filepath)))
