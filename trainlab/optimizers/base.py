"""The optimizer pipeline shared by every optimizer.

One step is always, in this order (NUMERICS.md):

1. validate: every gradient has its parameter's shape (ValueError naming both) and is finite
   (``FloatingPointError`` naming the parameter; nothing is changed);
2. clip: at most one of ``clipvalue`` (per element), ``clipnorm`` (per tensor),
   ``global_clipnorm`` (across tensors);
3. read the learning rate *before* the increment: a schedule sees step 0 on the first update;
   legacy ``decay`` divides it by (1 + decay·iterations);
4. decoupled weight decay when ``weight_decay`` is set: w ← w − w·wd·lr (fused into the update);
5. the update rule (``update_step``), with slots created as the state declaration says;
6. constraints: w ← constraint(w), a projection after the update;
7. ``iterations += 1``.

Two entry points run it: :meth:`Optimizer.apply` on dicts of tensors (``update``,
``apply_gradients``: one kernel call per tensor) and :meth:`Optimizer.apply_flat` on a model's
:class:`~trainlab.optimizers.flat.FlatLayout` (``fit``: one kernel call per step, the
finiteness check inside it). Both run the same per-element arithmetic, so they agree bit for bit.

A subclass declares its state (``state_spec``, see :mod:`trainlab.optimizers.state`) and writes
``update_step(param, grad, slots, lr, decay, check)``, which hands its arrays and per-step
scalars to its fused kernel through :func:`trainlab.optimizers._kernels.run`. Slots are keyed by
the parameter's stable path (``"dense_1/kernel"``) and export as a flat mapping plus
``iterations``.
"""
from __future__ import annotations

import math
import re
import warnings
from typing import Callable, Iterable, Mapping

import numpy as np

from trainlab import backend
from trainlab._registry import Registry
from trainlab.backend import Variable
from trainlab.optimizers import _kernels, state as state_module, transforms
from trainlab.optimizers.flat import FlatLayout, SlotBinding, slot_shape_message
from trainlab.optimizers.hyperparameters import check_non_negative, check_positive
from trainlab.optimizers.learning_rate import LearningRateMixin
from trainlab.optimizers.state import StateSpec

registry = Registry("optimizer")


class Optimizer(LearningRateMixin):
    """Base class. Subclasses set ``state_spec`` and implement ``update_step``.

    Args:
        learning_rate: a float > 0, a schedule (``trainlab.optimizers.schedules``), or a
            zero-argument callable returning the rate (Keras 3), called once per step.
        clipvalue / clipnorm / global_clipnorm: gradient clipping thresholds (> 0); at most one.
        weight_decay: decoupled weight decay λ ≥ 0 (AdamW's mechanism; None disables it). It
            shrinks *every* trained weight, biases and BatchNormalization's γ and β included,
            unless :meth:`exclude_from_weight_decay` names them.
        lr: deprecated name of ``learning_rate`` (tf.keras 2, used by the notes).
        decay: deprecated power scheduling, lr / (1 + decay·iterations) (tf.keras 2 meaning).
        name: the optimizer's name (default: Keras 3's, e.g. ``"adam"``, or an automatic one).

    Raises:
        ValueError: a threshold ≤ 0 (0 included: see the note), two clipping modes, λ < 0.

    Note:
        ``clipvalue=0`` (or ``clipnorm=0``) is refused. Keras 3 reads 0 as "no clipping" and
        tf.keras 2 clipped every gradient to 0, so nothing trained: the same code means opposite
        things, and NUMERICS.md's "0 disables it" silently hid the tf.keras 2 reading.
    """

    state_spec: StateSpec = StateSpec()
    default_learning_rate = 0.001
    default_name: str | None = None  # Keras 3's fixed default ("adam"); None: auto-named like a layer

    def __init__(self, learning_rate=None, *, clipvalue=None, clipnorm=None, global_clipnorm=None,
                 weight_decay=None, decay=None, lr=None, name: str | None = None):
        self._hyperparameters: dict[str, Variable] = {}
        self.name = name or self.default_name or backend.auto_name(type(self).__name__)
        self._init_learning_rate(learning_rate, lr)
        clips = {"clipvalue": clipvalue, "clipnorm": clipnorm, "global_clipnorm": global_clipnorm}
        given = [key for key, value in clips.items() if value is not None]
        if len(given) > 1:
            raise ValueError(f"Use at most one of clipvalue, clipnorm, global_clipnorm; got {', '.join(given)}.")
        for key in given:
            if clips[key] == 0:
                raise ValueError(
                    f"{key}=0 is ambiguous: tf.keras 2 clips every gradient to 0 (nothing trains) while Keras 3 "
                    f"reads it as no clipping. Pass {key}=None (the default) for no clipping, or a threshold > 0 "
                    f"such as {key}=1.0.")
            check_positive(key, float(clips[key]))
        self.clipvalue, self.clipnorm, self.global_clipnorm = (
            None if value is None else float(value) for value in clips.values())
        self.weight_decay = None if weight_decay is None else check_non_negative("weight_decay", float(weight_decay))
        if decay is not None:
            warnings.warn("The `decay` argument is deprecated (tf.keras 2 power scheduling); use "
                          "learning_rate=schedules.InverseTimeDecay(...).", DeprecationWarning, stacklevel=3)
        self.decay = check_non_negative("decay", float(decay)) if decay else 0.0
        self.iterations = 0
        self._slots: dict[str, dict[str, np.ndarray]] = {}
        self._slots_version = 0  # bumped whenever a per-parameter slot array is created or replaced
        self._binding: SlotBinding | None = None
        self._decay_excluded: tuple[list, re.Pattern | None] = ([], None)
        self._decay_choice: dict[str, bool] = {}
        for extra in self.state_spec.extras:
            setattr(self, extra.name, extra.initial)

    # -- the state declaration ------------------------------------------------------------------
    @property
    def slot_names(self) -> tuple[str, ...]:
        """The slots every trained parameter has under the current hyperparameters."""
        return tuple(slot.name for slot in self.state_spec.slots if slot.needed(self))

    @property
    def optional_slot_names(self) -> tuple[str, ...]:
        """Slots that may exist besides :attr:`slot_names`: switched on by a live hyperparameter
        earlier and kept while it is off (SGD's velocity after momentum went back to 0)."""
        return tuple(slot.name for slot in self.state_spec.slots if slot.is_live(self) and not slot.needed(self))

    def check_state(self, state: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> None:
        """Raise ValueError naming the key unless ``state`` (from :meth:`get_state`) fits ``params``."""
        state_module.check_state(self, state, params)

    def build(self, params: Mapping[str, np.ndarray]) -> None:
        """Create the slots the current hyperparameters need for every parameter path."""
        for path, param in params.items():
            self._prepare_slots(path, param)

    def slots(self, path: str) -> dict[str, np.ndarray]:
        return self._slots[path]

    def _new_slot(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.full(param.shape, self.state_spec.slot(name).initial_value(self), dtype=param.dtype)

    def _prepare_slots(self, path: str, param: np.ndarray) -> dict[str, np.ndarray]:
        """``path``'s slots, checked against ``param`` and completed (the per-tensor path)."""
        slots = self._slots.get(path)
        if slots is None:
            slots = self._slots[path] = {}
        for name, slot in slots.items():
            if slot.shape != param.shape:
                raise ValueError(slot_shape_message(path, name, slot.shape, param.shape))
            if slot.dtype != param.dtype:
                slots[name] = slot.astype(param.dtype)
                self._slots_version += 1
        for name in self.slot_names:
            if name not in slots:
                slots[name] = self._new_slot(name, param)
                self._slots_version += 1
        return slots

    # -- weight decay -----------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt some weights from decoupled weight decay (Keras 3 API); call it before training.

        Args:
            var_list: weight arrays to exempt (``model.layers[1].params["bias"]``, or the arrays
                passed to ``apply_gradients``), matched by identity.
            var_names: strings; a weight whose name (``"bias"``, ``"gamma"``, the last part of
                its path) contains one of them as a regular-expression match is exempt.

        Raises:
            ValueError: the optimizer already took a step (its choices are fixed by then, as
                in Keras).
        """
        if self.iterations or self._slots:
            raise ValueError("exclude_from_weight_decay() must be called before the optimizer's first step; "
                             "create the optimizer, exclude, then train.")
        pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None
        self._decay_excluded = (list(var_list or []), pattern)
        self._decay_choice = {}

    def _decays(self, path: str, *arrays: np.ndarray) -> bool:
        """Whether weight decay applies to ``path`` (decided once; ``arrays`` identify it)."""
        choice = self._decay_choice.get(path)
        if choice is None:
            excluded, pattern = self._decay_excluded
            choice = not (any(a is b for a in arrays for b in excluded)
                          or (pattern is not None and pattern.search(path.rpartition("/")[2]) is not None))
            self._decay_choice[path] = choice
        return choice

    # -- the per-tensor pipeline ---------------------------------------------------------------
    def apply(self, grads: Mapping[str, np.ndarray | None], params: Mapping[str, np.ndarray],
              constraints: Mapping[str, Callable] | None = None) -> None:
        """One optimization step over matching ``grads`` and ``params`` dicts (updated in place).

        A None gradient skips its parameter with a warning (Keras); all None raises ValueError.
        """
        grads, params = self._paired(grads, params)
        if not _kernels.finite(grads.values()):
            self._raise_non_finite(grads)
        slots = {path: self._prepare_slots(path, param) for path, param in params.items()}
        grads = self._clip(grads)
        lr = self.current_learning_rate()
        self.begin_step(lr)
        for path, param in params.items():
            self.update_step(param, grads[path], slots[path], lr, self._decay_factor(path, lr, param))
        self._finish(params, constraints)

    def update(self, params: dict, grads: Mapping) -> None:
        """The plain-dict form of *Deep Learning from Scratch*: ``optimizer.update(params, grads)``.

        Arrays are updated in place; a Python or NumPy scalar entry (the book's ``{'x': -7.0}``)
        is replaced by its new value of the same type, as the book's own optimizers do.
        """
        mismatched = set(params) ^ set(grads)
        if mismatched:
            raise ValueError(f"params and grads must have the same keys; mismatched: {sorted(mismatched)}")
        arrays, scalars = {}, {}
        for key, value in params.items():
            if isinstance(value, np.ndarray):
                if not np.issubdtype(value.dtype, np.floating):
                    raise TypeError(f"params[{key!r}] is a {value.dtype} array; parameters are updated in place, so "
                                    f"they must be floating arrays: use value.astype(float).")
                arrays[key] = value
            elif isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_)):
                scalars[key] = type(value) if isinstance(value, (float, np.floating)) else float
                arrays[key] = np.array(value, dtype=value.dtype if isinstance(value, np.floating) else np.float64)
            else:
                raise TypeError(f"params[{key!r}] must be a floating NumPy array (updated in place) or a number "
                                f"(replaced in the dict); got {type(value).__name__}.")
        self.apply(dict(grads), arrays)
        for key, kind in scalars.items():
            params[key] = kind(arrays[key][()])

    def apply_gradients(self, grads_and_vars: Iterable[tuple[np.ndarray | None, np.ndarray]]) -> None:
        """Keras' form: a list of ``(gradient, variable)`` pairs; variables are updated in place.

        Slots are keyed by position (``variable_0``…), so pass the same variables in the same order
        at every call (Keras refuses variables it was not built with; here a different shape at a
        position raises).
        """
        pairs = list(grads_and_vars)
        self.apply({f"variable_{i}": g for i, (g, _) in enumerate(pairs)},
                   {f"variable_{i}": v for i, (_, v) in enumerate(pairs)})

    def _paired(self, grads, params) -> tuple[dict, dict]:
        """Keys matched, None gradients dropped (warning), shapes equal, gradients in each parameter's dtype."""
        mismatched = set(params) ^ set(grads)
        if mismatched:
            raise ValueError(f"grads and params must have the same keys; mismatched: {sorted(mismatched)}")
        missing = [path for path in params if grads[path] is None]
        if missing:
            if len(missing) == len(params):
                raise ValueError(f"No gradients provided for any variable ({', '.join(missing)}): every gradient "
                                 f"is None. Compute the gradients before applying them.")
            warnings.warn(f"Gradients do not exist for {missing}; those variables are left unchanged.", UserWarning,
                          stacklevel=3)
        paired_grads, paired_params = {}, {}
        for path, param in params.items():
            if path in missing:
                continue
            if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
                raise TypeError(f"The parameter {path!r} must be a floating NumPy array (it is updated in place); "
                                f"got {type(param).__name__}.")
            grad = np.asarray(grads[path], dtype=param.dtype)
            if grad.shape != param.shape:
                raise ValueError(f"The gradient for {path!r} has shape {grad.shape} but the parameter has shape "
                                 f"{param.shape}; gradients are never broadcast. Pass one gradient of the "
                                 f"parameter's shape per parameter.")
            paired_grads[path], paired_params[path] = grad, param
        return paired_grads, paired_params

    # -- the flat pipeline ----------------------------------------------------------------------
    def bind(self, layout: FlatLayout) -> SlotBinding:
        """Lay the slots of ``layout``'s parameters out like its buffers (reused while current).

        Raises:
            ValueError: a slot held for a path of the layout has another shape than the
                parameter there (this optimizer was used with other parameters of the same name).
        """
        binding = self._binding
        if binding is not None and binding.layout is layout and binding.version == self._slots_version:
            return binding
        binding = SlotBinding(layout, self._slots_version)
        present = {name for entry in layout.entries for name in self._slots.get(entry.path, ())}
        for slot in self.state_spec.slots:
            if slot.name in present or slot.needed(self):
                binding.add_kind(slot.name, self._slots, lambda slot=slot: slot.initial_value(self))
        for index, group in enumerate(layout.groups):
            binding.decay_mask[index] = [self._decays(entry.path, entry.param, entry.replaced)
                                         for entry in group.entries]
        binding.uniform_decay = all(all(mask) for mask in binding.decay_mask)
        self._slots_version += 1
        binding.version = self._slots_version
        self._binding = binding
        return binding

    def apply_flat(self, layout: FlatLayout, constraints: Mapping[str, Callable] | None = None) -> None:
        """One optimization step over a model's flat buffers: one kernel call per dtype group."""
        binding = self.bind(layout)
        for slot in self.state_spec.slots:  # a live switch turned on since the last step
            if slot.needed(self) and any(slot.name not in slots for slots in binding.slots):
                binding.add_kind(slot.name, self._slots, lambda slot=slot: slot.initial_value(self))
                self._slots_version += 1
                binding.version = self._slots_version
        lr = self.current_learning_rate()
        self.begin_step(lr)
        decay = self.weight_decay * lr if self.weight_decay else 0.0
        groups = layout.groups
        clipping = self.clipvalue or self.clipnorm or self.global_clipnorm
        if len(groups) == 1 and not clipping and (binding.uniform_decay or not decay):
            group = groups[0]
            if not self.update_step(group.params, group.grads, binding.slots[0], lr, decay, check=True):
                self._raise_non_finite(layout.grads)
        else:
            if not _kernels.finite(group.grads for group in groups):
                self._raise_non_finite(layout.grads)
            clipped = self._clip_flat(layout, binding) if clipping else [group.grads for group in groups]
            for index, group in enumerate(groups):
                slots = binding.slots[index]
                if binding.uniform_decay or not decay:
                    self.update_step(group.params, clipped[index], slots, lr, decay)
                    continue
                for entry, decays in zip(group.entries, binding.decay_mask[index]):
                    self.update_step(entry.param, group.view(clipped[index], entry),
                                     {name: group.view(flat, entry) for name, flat in slots.items()}, lr,
                                     decay if decays else 0.0)
        self._finish(layout.params, constraints)

    def _clip_flat(self, layout: FlatLayout, binding: SlotBinding) -> list[np.ndarray]:
        """The clipped gradients, laid out flat (same per-element arithmetic as :meth:`_clip`)."""
        clipped = []
        if self.global_clipnorm:
            norm = transforms.global_norm(layout.grads)
        for index, group in enumerate(layout.groups):
            out = binding.gradient_scratch(index)
            if self.clipvalue:
                np.clip(group.grads, -self.clipvalue, self.clipvalue, out=out)
            elif self.global_clipnorm:
                if norm <= self.global_clipnorm:
                    out[...] = group.grads
                else:
                    np.multiply(group.grads, np.asarray(self.global_clipnorm / norm, group.dtype), out=out)
            else:
                for entry in group.entries:
                    group.view(out, entry)[...] = transforms.clip_by_norm({"": entry.grad}, self.clipnorm)[""]
            clipped.append(out)
        return clipped

    # -- shared steps ---------------------------------------------------------------------------
    def _decay_factor(self, path: str, lr: float, param: np.ndarray) -> float:
        if not self.weight_decay or not self._decays(path, param):
            return 0.0
        return self.weight_decay * lr

    def _finish(self, params: Mapping[str, np.ndarray], constraints) -> None:
        if constraints:
            for path, constraint in constraints.items():
                params[path][...] = constraint(params[path])
        self.end_step()
        self.iterations += 1

    def begin_step(self, lr: float) -> None:
        """Hook run once per step before the updates: per-step scalars, *without* changing state
        (the step may still be refused for a non-finite gradient)."""

    def end_step(self) -> None:
        """Hook run once after a step succeeded: commit optimizer-level state (Nadam's Πₜ)."""

    def update_step(self, param: np.ndarray, grad: np.ndarray, slots: Mapping[str, np.ndarray], lr: float,
                    decay: float = 0.0, check: bool = False) -> bool:
        """Update ``param`` in place (a tensor or a flat buffer); False if ``check`` found a non-finite ``grad``."""
        raise NotImplementedError

    def _raise_non_finite(self, grads: Mapping[str, np.ndarray]) -> None:
        bad = [path for path, g in grads.items() if not np.isfinite(g).all()]
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
    def get_state(self) -> dict[str, np.ndarray]:
        """Flat mapping: ``iterations``, ``<path>/<slot>`` arrays, extra state, hyperparameter values."""
        state = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        for path, slots in self._slots.items():
            for name, value in slots.items():
                state[f"{path}/{name}"] = value
        for extra in self.state_spec.extras:
            state[f"_extra/{extra.name}"] = np.asarray(getattr(self, extra.name), dtype=np.float64)
        for name, var in self._hyperparameters.items():
            state[f"_hyper/{name}"] = np.asarray(var.value, dtype=np.float64)
        return state

    def set_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore :meth:`get_state` output; the slots are replaced by copies of the saved ones.

        Raises:
            ValueError: unknown slot or entry, a non-floating slot, a negative or non-integer
                ``iterations``, a non-finite scalar (use :meth:`check_state` to also compare
                shapes with the parameters).
        """
        state = dict(state)
        iterations = np.asarray(state.pop("iterations"))
        if iterations.shape != () or not np.issubdtype(iterations.dtype, np.integer) or int(iterations) < 0:
            raise ValueError(f"Optimizer state 'iterations' must be a non-negative integer; got {iterations!r}.")
        known, extras = self.state_spec.slot_names, {extra.name for extra in self.state_spec.extras}
        slots: dict[str, dict[str, np.ndarray]] = {}
        for key, value in state.items():
            kind, _, name = key.partition("/")
            if kind in ("_extra", "_hyper"):
                if name not in (extras if kind == "_extra" else self._hyperparameters):
                    raise ValueError(f"Optimizer state has unknown entry {key!r} for {self.name}.")
                state_module.check_finite_scalar(key, value)
                continue
            path, _, slot = key.rpartition("/")
            if slot not in known:
                raise ValueError(f"Optimizer state has unknown slot {key!r}; {self.name} slots are {known}")
            if not state_module.is_floating(value):
                raise ValueError(f"Optimizer slot {key!r} has dtype {np.asarray(value).dtype}; slots are floating "
                                 f"point arrays.")
            slots.setdefault(path, {})[slot] = np.array(value, copy=True)
        for key, value in state.items():
            if key.startswith("_hyper/"):
                name = key[len("_hyper/"):]
                if name == "learning_rate" and self.learning_rate_is_computed:
                    continue
                self._hyperparameters[name].assign(float(value))
            elif key.startswith("_extra/"):
                setattr(self, key[len("_extra/"):], float(value))
        self.iterations = int(iterations)
        self._slots = slots
        self._slots_version += 1

    # -- config ---------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "learning_rate": self._learning_rate_config()}
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
