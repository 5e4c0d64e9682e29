"""What an optimizer remembers, declared in one place (optax's ``ScaleByAdamState``, as data).

Each optimizer class sets ``state_spec = StateSpec(...)`` right above its update rule:

* a :class:`Slot` per array kept for every trained parameter (same shape and dtype), with its
  initial value and, for a slot that only some settings need, the *switch* that turns it on:
  a boolean constructor argument (``amsgrad``, ``centered``: fixed for the optimizer's life) or
  a live hyperparameter (``momentum``: on while > 0, so a callback raising it mid-run creates
  the slot at its initial value);
* an :class:`Extra` per optimizer-level scalar (Nadam's running product Πₜ).

From that declaration the base class creates slots, exports and restores them, and validates a
saved state against the parameters (:func:`check_state`), so no optimizer writes that code again.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np


@dataclass(frozen=True)
class Slot:
    """One per-parameter array.

    Args:
        name: the slot's role (``"velocity"``, ``"first_moment"``…), its key in saved state.
        initial: the value it starts at: a number, or the name of an optimizer attribute holding
            it (Adagrad's ``"initial_accumulator_value"``).
        switch: None (always kept), or the name of a boolean attribute or of a live
            hyperparameter; the slot is needed while that is true (> 0 for a hyperparameter).
    """

    name: str
    initial: float | str = 0.0
    switch: str | None = None

    def is_live(self, optimizer) -> bool:
        """True when a live hyperparameter switches this slot (it may exist while switched off)."""
        return self.switch is not None and self.switch in optimizer._hyperparameters

    def needed(self, optimizer) -> bool:
        if self.switch is None:
            return True
        if self.switch in optimizer._hyperparameters:
            return optimizer._hyperparameters[self.switch].value > 0
        return bool(getattr(optimizer, self.switch))

    def initial_value(self, optimizer) -> float:
        return float(getattr(optimizer, self.initial)) if isinstance(self.initial, str) else float(self.initial)


@dataclass(frozen=True)
class Extra:
    """One optimizer-level scalar, kept as the attribute ``name`` and saved as ``_extra/<name>``."""

    name: str
    initial: float


@dataclass(frozen=True)
class StateSpec:
    """The whole state of an optimizer: per-parameter slots and optimizer-level scalars."""

    slots: tuple[Slot, ...] = ()
    extras: tuple[Extra, ...] = ()

    def slot(self, name: str) -> Slot:
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(name)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.slots)


def is_floating(value) -> bool:
    return np.issubdtype(np.asarray(value).dtype, np.floating)


def check_state(optimizer, state: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> None:
    """Raise ValueError, naming the key, unless ``state`` is a valid saved state for ``params``.

    ``state`` is what :meth:`Optimizer.get_state` exports; ``params`` maps each parameter path
    (``"dense_1/kernel"``) to its array. Valid means: ``iterations`` a non-negative integer;
    every ``<path>/<slot>`` names a parameter and one of the optimizer's slots, with the
    parameter's shape and a floating dtype; a parameter with any slot has every slot the
    current hyperparameters need (``optimizer.slot_names``: a parameter with none is simply
    not trained yet, e.g. a frozen layer); extras and hyperparameter values finite floats.
    """
    if "iterations" not in state:
        raise ValueError("Optimizer state has no 'iterations' entry.")
    iterations = np.asarray(state["iterations"])
    if iterations.shape != () or not np.issubdtype(iterations.dtype, np.integer) or int(iterations) < 0:
        raise ValueError(f"Optimizer state 'iterations' must be a non-negative integer scalar; got "
                         f"{iterations.dtype} array of shape {iterations.shape} = {iterations!r}.")
    known = set(optimizer.state_spec.slot_names)
    extras = {extra.name for extra in optimizer.state_spec.extras}
    present: dict[str, set[str]] = {}
    for key, value in state.items():
        if key == "iterations":
            continue
        if key.startswith(("_extra/", "_hyper/")):
            kind, _, name = key.partition("/")
            allowed = extras if kind == "_extra" else set(optimizer._hyperparameters)
            if name not in allowed:
                raise ValueError(f"Optimizer state has unknown entry {key!r}; {optimizer.name} keeps "
                                 f"{sorted(allowed) or 'none'}.")
            check_finite_scalar(key, value)
            continue
        path, _, slot = key.rpartition("/")
        if slot not in known:
            raise ValueError(f"Optimizer state has unknown slot {key!r}; {optimizer.name} slots are "
                             f"{tuple(sorted(known))}.")
        if path not in params:
            raise ValueError(f"Optimizer slot {key!r} belongs to no trained parameter (parameters: "
                             f"{', '.join(params) or 'none'}).")
        shape = np.shape(value)
        if shape != np.shape(params[path]):
            raise ValueError(f"Optimizer slot {key!r} has shape {shape}; its parameter {path!r} has shape "
                             f"{np.shape(params[path])}.")
        if not is_floating(value):
            raise ValueError(f"Optimizer slot {key!r} has dtype {np.asarray(value).dtype}; slots are floating "
                             f"point arrays.")
        present.setdefault(path, set()).add(slot)
    required = set(optimizer.slot_names)
    for path, slots in present.items():
        missing = required - slots
        if missing:
            raise ValueError(f"Optimizer state for {path!r} lacks slot(s) {sorted(missing)}; {optimizer.name} with "
                             f"these hyperparameters keeps {sorted(required)} for every parameter it trained.")


def check_finite_scalar(key: str, value) -> None:
    array = np.asarray(value)
    if array.shape != () or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)) \
            or not math.isfinite(float(array)):
        raise ValueError(f"Optimizer state {key!r} must be a finite number; got {array!r}.")
