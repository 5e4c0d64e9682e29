"""The training state a model file carries for exact resume, and its checks at load.

``config.json``'s ``training_state`` holds the epoch reached, the shuffling generator, every
layer's ``rng`` (dropout masks, RReLU slopes) and the states of the last fit's stateful
callbacks; arrays in a callback state (EarlyStopping's best weights) go to ``callbacks.npz``
under ``<entry index>/<key>/<position>``, the JSON entry recording how many under ``arrays``.

Every part is checked at load, so a bad state is refused then and not at the resumed ``fit``:
generator states must be accepted by NumPy *and* read back unchanged, and a trainlab callback's
state must be restored into a blank instance of its class and read back unchanged (a
``set_state`` that turns "2" or 2.7 into 2 would otherwise accept a wrong type silently), plus
the class's own ``check_state(state, model)`` where it defines one.
"""
from __future__ import annotations

import copy

import numpy as np

from trainlab import callbacks as callbacks_module
from trainlab.saving.errors import ModelFileError
from trainlab.saving.rebuild import REBUILD_ERRORS, config_mismatch
from trainlab.saving.state import check_epoch

MAX_COUNTER = 2 ** 53
# A plain name → class table of trainlab's callbacks (nothing in a file reaches anything else).
CALLBACK_CLASSES = {cls.__name__: cls for cls in vars(callbacks_module).values()
                    if isinstance(cls, type) and issubclass(cls, callbacks_module.Callback)}


def resume_state(model) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON part of the training state, arrays for ``callbacks.npz``)."""
    from trainlab.models.training import callback_states

    # The live callbacks during and after a fit; after load_model (no fit yet), the states it read.
    saved = callback_states(model._last_callbacks) if model._last_callbacks else model._saved_callback_states
    entries, arrays = [], {}
    for index, entry in enumerate(saved):
        state, counts = {}, {}
        for key, value in entry["state"].items():
            if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
                counts[key] = len(value)
                arrays.update({f"{index}/{key}/{position}": array for position, array in enumerate(value)})
            else:
                state[key] = value
        entries.append({"class_name": entry["class_name"], "state": state, **({"arrays": counts} if counts else {})})
    layer_rngs = {layer.name: layer.rng.bit_generator.state for layer in model._layers
                  if isinstance(getattr(layer, "rng", None), np.random.Generator)}
    return {"epoch": model.epochs_completed, "layer_rngs": layer_rngs, "callbacks": entries}, arrays


def restore_training_state(model, state, arrays: dict[str, np.ndarray] | None, source: str) -> dict:
    """Check ``state`` against ``model`` and apply it; returns it (``model.training_state``)."""
    if state is None:
        state = {}
    if not isinstance(state, dict):
        raise ModelFileError(f"{source}: training_state must be a JSON object; got {type(state).__name__}.")
    where = f"{source}: training_state"
    epoch = check_epoch(state.get("epoch", 0), source)
    if state.get("shuffle_rng") is not None:
        _restore_generator(model.shuffle_rng, state["shuffle_rng"], f"{where}.shuffle_rng")
    layer_rngs = state.get("layer_rngs", {})
    if not isinstance(layer_rngs, dict):
        raise ModelFileError(f"{where}.layer_rngs must be an object of layer name → generator state.")
    with_rng = {layer.name: layer for layer in model._layers
                if isinstance(getattr(layer, "rng", None), np.random.Generator)}
    for name, rng_state in layer_rngs.items():
        if name not in with_rng:
            raise ModelFileError(f"{where}.layer_rngs names {name!r:.80}, which is not a layer with a random "
                                 f"generator (those are: {', '.join(with_rng) or 'none'}).")
        _restore_generator(with_rng[name].rng, rng_state, f"{where}.layer_rngs[{name!r}]")
    model.epochs_completed = epoch
    model._saved_callback_states = _callback_states(model, state.get("callbacks", []), arrays or {}, where)
    return state


def _restore_generator(generator: np.random.Generator, state, where: str) -> None:
    expected = type(generator.bit_generator).__name__
    if not isinstance(state, dict) or state.get("bit_generator") != expected:
        raise ModelFileError(f"{where} is not a saved {expected} generator state.")
    try:
        generator.bit_generator.state = state
        mismatch = config_mismatch(state, generator.bit_generator.state)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{where} is invalid ({error}).") from None
    if mismatch:
        raise ModelFileError(f"{where} is invalid: {mismatch}.")


def _callback_states(model, entries, arrays: dict[str, np.ndarray], where: str) -> list[dict]:
    if not isinstance(entries, list):
        raise ModelFileError(f"{where}.callbacks must be a list.")
    claimed = set()
    states = []
    for index, entry in enumerate(entries):
        what = f"{where}.callbacks[{index}]"
        if (not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str)
                or not isinstance(entry.get("state"), dict)):
            raise ModelFileError(f"{what} must be an object with a 'class_name' string and a 'state' object.")
        state = dict(entry["state"])
        counts = entry.get("arrays", {})
        if not isinstance(counts, dict):
            raise ModelFileError(f"{what}.arrays must be an object of state key → number of arrays.")
        for key, count in counts.items():
            if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= len(arrays):
                raise ModelFileError(f"{what}.arrays[{key!r:.50}] must be a count of arrays in callbacks.npz; got "
                                     f"{count!r:.50}.")
            names = [f"{index}/{key}/{position}" for position in range(count)]
            missing = [name for name in names if name not in arrays]
            if missing:
                raise ModelFileError(f"{what}: callbacks.npz lacks the array {missing[0]!r} of state {key!r}.")
            claimed.update(names)
            state[key] = [arrays[name] for name in names]
        cls = CALLBACK_CLASSES.get(entry["class_name"])
        if cls is not None:
            _check_callback_state(cls, state, model, what)
        states.append({"class_name": entry["class_name"], "state": state})
    unclaimed = sorted(set(arrays) - claimed)
    if unclaimed:
        raise ModelFileError(f"{where}: callbacks.npz holds {unclaimed[0]!r:.80}, which no callback state names.")
    return states


def _check_callback_state(cls, state: dict, model, what: str) -> None:
    """Restore ``state`` into a blank ``cls`` (no constructor arguments needed) and read it back."""
    blank = cls.__new__(cls)
    callbacks_module.Callback.__init__(blank)
    blank.set_model(model)
    counters = [key for key, value in state.items() if isinstance(value, int) and not isinstance(value, bool)
                and not 0 <= value <= MAX_COUNTER]
    if counters:
        raise ModelFileError(f"{what}: {counters[0]} is {state[counters[0]]!r:.50}; the integers of a trainlab "
                             f"callback's state are counters (epochs, steps, waits) in [0, 2**53].")
    try:
        blank.set_state(copy.deepcopy(state))
        mismatch = config_mismatch(state, blank.get_state())
        check = getattr(cls, "check_state", None)
        if check is not None and not mismatch:
            check(state, model)
    except REBUILD_ERRORS as error:
        raise ModelFileError(f"{what} is not a valid {cls.__name__} state: {error}.") from None
    if mismatch:
        raise ModelFileError(f"{what} is not a valid {cls.__name__} state: {mismatch} (a value of the wrong "
                             f"type or out of range).")
