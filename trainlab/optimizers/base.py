"""The optimizer pipeline shared by every optimizer.

One ``apply`` call is always, in this order (NUMERICS.md):

1. validate: every gradient finite (raise ``FloatingPointError`` naming the parameter);
2. clip: at most one of ``clipvalue`` (per element), ``clipnorm`` (per tensor),
   ``global_clipnorm`` (across tensors);
3. read the learning rate *before* the increment: a schedule sees step 0 on the first update;
   legacy ``decay`` divides it by (1 + decay·iterations);
4. decoupled weight decay when ``weight_decay`` is set: w ← w − w·wd·lr;
5. ``begin_step(lr)`` once, then ``update_step(param, grad, slots, lr)`` per parameter;
6. constraints: w ← constraint(w), a projection after the update;
7. ``iterations += 1``.

A subclass declares ``slot_names`` and writes ``update_step`` with in-place NumPy operations on
slots preallocated by ``build``. Slots are keyed by the parameter's stable path
(``"dense_1/kernel"``) and export as a flat mapping plus ``iterations``.

Hyperparameters are live: ``optimizer.learning_rate`` (alias ``lr``), ``momentum``, ``beta_1``…
are :class:`trainlab.backend.Variable` objects that ``backend.get_value`` / ``set_value`` read
and write between steps, and plain assignment (``optimizer.momentum = 0.85``) works too.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Iterable, Mapping

import numpy as np

from trainlab import backend
from trainlab._registry import Registry
from trainlab.backend import Variable
from trainlab.optimizers import _kernels, transforms

registry = Registry("optimizer")


def check_positive(name: str, value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def check_unit_interval(name: str, value: float) -> float:
    """For momentum, rho and the betas: 0 <= value < 1."""
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}")
    return value


def check_non_negative(name: str, value: float) -> float:
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return value


class Hyperparameter:
    """Descriptor: a live numeric hyperparameter stored as a Variable on the optimizer."""

    def __init__(self, validate: Callable[[str, float], float] = check_non_negative):
        self.validate = validate

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, optimizer, owner=None):
        if optimizer is None:
            return self
        return optimizer._hyperparameters[self.name]

    def __set__(self, optimizer, value):
        variables = optimizer._hyperparameters
        if self.name in variables:
            variables[self.name].assign(value)
        else:
            variables[self.name] = Variable(value, self.name, self.validate)


def _is_schedule(value) -> bool:
    return callable(value) and hasattr(value, "get_config") and not isinstance(value, Variable)


class Optimizer:
    """Base class. Subclasses set ``slot_names`` and implement ``update_step``.

    Args:
        learning_rate: a float > 0 or a schedule (``trainlab.optimizers.schedules``).
        clipvalue / clipnorm / global_clipnorm: gradient clipping thresholds (> 0); at most one.
        weight_decay: decoupled weight decay factor (AdamW's mechanism; None disables it).
        lr: deprecated name of ``learning_rate`` (tf.keras 2, used by the notes).
        decay: deprecated power scheduling, lr / (1 + decay·iterations) (tf.keras 2 meaning).
    """

    slot_names: tuple[str, ...] = ()
    optional_slot_names: tuple[str, ...] = ()  # created by optional_slot when a hyperparameter needs them
    default_learning_rate = 0.001
    default_name: str | None = None  # Keras 3's fixed default ("adam"); None: auto-named like a layer

    def __init__(self, learning_rate=None, *, clipvalue=None, clipnorm=None, global_clipnorm=None,
                 weight_decay=None, decay=None, lr=None, name: str | None = None):
        self._hyperparameters: dict[str, Variable] = {}
        self._schedule = None
        self.name = name or self.default_name or backend.auto_name(type(self).__name__)
        if lr is not None:
            warnings.warn("The `lr` argument is deprecated; use `learning_rate`.", DeprecationWarning, stacklevel=3)
            if learning_rate is not None:
                raise ValueError("Pass either learning_rate or its deprecated alias lr, not both.")
            learning_rate = lr
        self.learning_rate = self.default_learning_rate if learning_rate is None else learning_rate
        clips = {"clipvalue": clipvalue, "clipnorm": clipnorm, "global_clipnorm": global_clipnorm}
        given = [k for k, v in clips.items() if v]
        if len(given) > 1:
            raise ValueError(f"Use at most one of clipvalue, clipnorm, global_clipnorm; got {', '.join(given)}.")
        for key, value in clips.items():
            if value is not None and value != 0:
                check_positive(key, float(value))
        self.clipvalue, self.clipnorm, self.global_clipnorm = (
            (float(v) if v else None) for v in clips.values())
        self.weight_decay = None if weight_decay is None else check_non_negative("weight_decay", float(weight_decay))
        if decay is not None:
            warnings.warn("The `decay` argument is deprecated (tf.keras 2 power scheduling); use "
                          "learning_rate=schedules.InverseTimeDecay(...).", DeprecationWarning, stacklevel=3)
        self.decay = check_non_negative("decay", float(decay)) if decay else 0.0
        self.iterations = 0
        self._slots: dict[str, dict[str, np.ndarray]] = {}

    # -- learning rate ------------------------------------------------------------------------
    @property
    def learning_rate(self) -> Variable:
        """The current rate as a live Variable (a read-only snapshot when a schedule is attached)."""
        if self._schedule is None:
            return self._hyperparameters["learning_rate"]
        snapshot = Variable(float(self._schedule(self.iterations)), "learning_rate")
        snapshot._validate = _refuse_while_scheduled  # after construction: reading must not count as setting
        return snapshot

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if _is_schedule(value):
            self._schedule = value
            return
        if self._schedule is not None:
            _refuse_while_scheduled("learning_rate", value)
        if "learning_rate" in self._hyperparameters:
            self._hyperparameters["learning_rate"].assign(value)
        else:
            self._hyperparameters["learning_rate"] = Variable(value, "learning_rate", check_positive)

    lr = learning_rate

    @property
    def schedule(self):
        """The attached learning-rate schedule, or None."""
        return self._schedule

    def current_learning_rate(self) -> float:
        """The rate the next update will use (schedule at ``iterations``, then legacy decay)."""
        if self._schedule is not None:
            rate = float(self._schedule(self.iterations))
        else:
            rate = self._hyperparameters["learning_rate"].value
        if self.decay:
            rate /= 1.0 + self.decay * self.iterations
        return rate

    def hyperparameters(self) -> dict[str, float]:
        """Current values of every live hyperparameter (for History and checkpoints)."""
        values = {name: var.value for name, var in self._hyperparameters.items()}
        values["learning_rate"] = self.current_learning_rate()
        return values

    # -- slots ----------------------------------------------------------------------------------
    def build(self, params: Mapping[str, np.ndarray]) -> None:
        """Preallocate slots for every parameter path not seen before."""
        for path, param in params.items():
            if path not in self._slots:
                self._slots[path] = {name: self.initial_slot(name, param) for name in self.slot_names}

    def initial_slot(self, slot_name: str, param: np.ndarray) -> np.ndarray:
        return np.zeros_like(param)

    def slots(self, path: str) -> dict[str, np.ndarray]:
        return self._slots[path]

    def optional_slot(self, slots: dict[str, np.ndarray], name: str, param: np.ndarray,
                      needed: bool) -> np.ndarray | None:
        """A slot that exists only while a live hyperparameter needs it (e.g. momentum > 0).

        Created at its initial value the first step it is needed, kept afterwards (a momentum
        set back to 0 leaves the velocity in place, so raising it again continues from it).
        """
        slot = slots.get(name)
        if slot is None and needed:
            slot = slots[name] = self.initial_slot(name, param)
        return slot

    # -- the pipeline ---------------------------------------------------------------------------
    def apply(self, grads: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray],
              constraints: Mapping[str, Callable] | None = None) -> None:
        """One optimization step over matching ``grads`` and ``params`` dicts (updated in place)."""
        self._check_finite(grads)
        self.build(params)
        grads = self._clip(grads)
        lr = self.current_learning_rate()
        if self.weight_decay:
            for param in params.values():
                _kernels.decay_weights(param, self.weight_decay * lr)
        self.begin_step(lr)
        for path, param in params.items():
            self.update_step(param, grads[path], self._slots[path], lr)
        if constraints:
            for path, constraint in constraints.items():
                params[path][...] = constraint(params[path])
        self.iterations += 1

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """The plain-dict form of *Deep Learning from Scratch*: ``optimizer.update(params, grads)``."""
        missing = set(params) ^ set(grads)
        if missing:
            raise ValueError(f"params and grads must have the same keys; mismatched: {sorted(missing)}")
        for key, param in params.items():
            if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
                raise TypeError(
                    f"params[{key!r}] must be a floating NumPy array updated in place; got {type(param).__name__}. "
                    f"Wrap scalars as np.array(value, dtype=float)."
                )
        self.apply({k: np.asarray(grads[k], dtype=params[k].dtype) for k in params}, params)

    def apply_gradients(self, grads_and_vars: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        """Keras' form: a list of ``(gradient, variable)`` pairs; variables are updated in place."""
        pairs = list(grads_and_vars)
        grads = {f"variable_{i}": g for i, (g, _) in enumerate(pairs)}
        params = {f"variable_{i}": v for i, (_, v) in enumerate(pairs)}
        self.apply(grads, params)

    def begin_step(self, lr: float) -> None:
        """Hook run once per step before the per-parameter updates (e.g. Nadam's Π_t)."""

    def update_step(self, param: np.ndarray, grad: np.ndarray, slots: dict[str, np.ndarray], lr: float) -> None:
        raise NotImplementedError

    def _check_finite(self, grads: Mapping[str, np.ndarray]) -> None:
        if _kernels.all_finite(grads.values()):
            return
        bad = [path for path, g in grads.items() if not np.isfinite(g).all()]
        if bad:
            raise FloatingPointError(
                f"Non-finite gradient (NaN or inf) for {', '.join(bad)} at step {self.iterations}. Training has "
                f"diverged: lower the learning rate, add gradient clipping (clipnorm=1.0), or pass "
                f"callbacks=[TerminateOnNaN()] to stop cleanly."
            )

    def _clip(self, grads: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
        if self.clipvalue:
            return transforms.clip_by_value(grads, self.clipvalue)
        if self.clipnorm:
            return transforms.clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm:
            return transforms.clip_by_global_norm(grads, self.global_clipnorm)
        return grads

    # -- state ----------------------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        """Optimizer-level state beyond the slots (e.g. Nadam's running product); saved with them."""
        return {}

    def set_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore what :meth:`extra_state` exported."""

    def get_state(self) -> dict[str, np.ndarray]:
        """Flat mapping: ``iterations``, ``<path>/<slot>`` arrays, extra state, hyperparameter values."""
        state = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        for path, slots in self._slots.items():
            for name, value in slots.items():
                state[f"{path}/{name}"] = value
        for name, value in self.extra_state().items():
            state[f"_extra/{name}"] = np.asarray(value)
        for name, var in self._hyperparameters.items():
            state[f"_hyper/{name}"] = np.asarray(var.value, dtype=np.float64)
        return state

    def set_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore :meth:`get_state` output; slots are created on demand, shapes checked."""
        state = dict(state)
        self.iterations = int(state.pop("iterations"))
        extra = {k[len("_extra/"):]: v for k, v in state.items() if k.startswith("_extra/")}
        for key in [k for k in state if k.startswith(("_extra/", "_hyper/"))]:
            value = state.pop(key)
            if key.startswith("_hyper/"):
                name = key[len("_hyper/"):]
                if name == "learning_rate" and self._schedule is not None:
                    continue
                self._hyperparameters[name].assign(float(value))
        self.set_extra_state(extra)
        for key, value in state.items():
            path, _, slot = key.rpartition("/")
            known = (*self.slot_names, *self.optional_slot_names)
            if slot not in known:
                raise ValueError(f"Optimizer state has unknown slot {key!r}; {self.name} slots are {known}")
            slots = self._slots.setdefault(path, {})
            if slot in slots and slots[slot].shape != np.shape(value):
                raise ValueError(f"Optimizer slot {key!r} has shape {slots[slot].shape}; saved {np.shape(value)}")
            slots[slot] = np.array(value, copy=True)

    # -- config ---------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from trainlab.optimizers import schedules

        config = {"name": self.name}
        config["learning_rate"] = (schedules.serialize(self._schedule) if self._schedule is not None
                                   else self._hyperparameters["learning_rate"].value)
        for name, var in self._hyperparameters.items():
            if name != "learning_rate":
                config[name] = var.value
        for key in ("clipvalue", "clipnorm", "global_clipnorm", "weight_decay"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict):
        from trainlab.optimizers import schedules

        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return cls(**config)


def _refuse_while_scheduled(name: str, value: float) -> float:
    raise ValueError(
        f"Cannot set {name} to {value}: this optimizer's learning rate comes from a schedule, which computes "
        f"the rate at every step, so a fixed value would be silently overwritten. Assign a new schedule, or "
        f"create the optimizer with a float learning_rate to control the rate by hand or from a callback."
    )
