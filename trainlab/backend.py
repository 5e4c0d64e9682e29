"""Backend utilities: float policy, epsilon, live variables for hyperparameters, object names.

``get_value`` / ``set_value`` work on the optimizer's hyperparameters exactly as the notes use
``K = keras.backend``::

    lr = K.get_value(model.optimizer.lr)
    K.set_value(model.optimizer.lr, lr * 0.1 ** (1 / s))
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from trainlab._registry import snake_case

_FLOATX = "float32"
_EPSILON = 1e-7
_VALID_FLOATX = ("float32", "float64")


def floatx() -> str:
    """The default float type of weights and activations (``"float32"`` unless set)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: ``"float32"`` (fast) or ``"float64"`` (gradient checks)."""
    global _FLOATX
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown floatx {value!r}; use one of {', '.join(_VALID_FLOATX)}.")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used by losses and constraints (``1e-7``, as in Keras)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


class Variable:
    """A named scalar whose value can be read and changed while training runs.

    Behaves like a float in arithmetic and comparisons (``optimizer.lr * 0.5`` works), and
    ``get_value`` / ``set_value`` read and write it. An optional ``validate`` callable checks
    every new value and raises with a sentence naming the problem.
    """

    __slots__ = ("name", "_value", "_validate")

    def __init__(self, value: float, name: str = "variable", validate: Callable[[str, float], float] | None = None):
        self.name = name
        self._validate = validate
        self._value = 0.0
        self.assign(value)

    @property
    def value(self) -> float:
        return self._value

    def assign(self, value: Any) -> None:
        value = _as_float(value, self.name)
        if self._validate is not None:
            value = self._validate(self.name, value)
        self._value = value

    def numpy(self) -> float:
        return self._value

    def __float__(self) -> float:
        return self._value

    def __repr__(self) -> str:
        return f"<Variable {self.name}={self._value!r}>"

    def __format__(self, spec: str) -> str:
        return format(self._value, spec)

    # Arithmetic and comparisons behave as on the float value.
    def __add__(self, other): return self._value + float(other)
    def __radd__(self, other): return float(other) + self._value
    def __sub__(self, other): return self._value - float(other)
    def __rsub__(self, other): return float(other) - self._value
    def __mul__(self, other): return self._value * float(other)
    def __rmul__(self, other): return float(other) * self._value
    def __truediv__(self, other): return self._value / float(other)
    def __rtruediv__(self, other): return float(other) / self._value
    def __pow__(self, other): return self._value ** float(other)
    def __neg__(self): return -self._value
    def __eq__(self, other):
        try:
            return self._value == float(other)
        except (TypeError, ValueError):
            return NotImplemented
    def __lt__(self, other): return self._value < float(other)
    def __le__(self, other): return self._value <= float(other)
    def __gt__(self, other): return self._value > float(other)
    def __ge__(self, other): return self._value >= float(other)
    __hash__ = object.__hash__


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, Variable):
        return value.value
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    return float(value)


def get_value(x: Any) -> Any:
    """The current value of a :class:`Variable` (or of an array or number, returned as is)."""
    if isinstance(x, Variable):
        return x.value
    if hasattr(x, "numpy"):
        return x.numpy()
    return x


def set_value(x: Any, value: Any) -> None:
    """Assign ``value`` to a :class:`Variable` such as ``optimizer.learning_rate``."""
    if isinstance(x, Variable):
        x.assign(value)
        return
    if isinstance(x, np.ndarray):
        x[...] = value
        return
    raise TypeError(
        f"set_value needs a trainlab Variable (e.g. optimizer.learning_rate) or a NumPy array; "
        f"got {type(x).__name__}. To change a plain attribute, assign it directly."
    )


# Automatic names, as Keras 3 gives them: one counter per snake_case prefix, shared by every kind
# of object (layers, models, optimizers without a fixed default name), reset by clear_session.
_name_counts: dict[str, int] = {}
# Names given explicitly (e.g. by a loaded model file) are never generated again, so a layer
# created after ``load_model`` cannot collide with a loaded one (the notes' transfer learning).
_reserved_names: set[str] = set()


def auto_name(class_name: str) -> str:
    """The next free automatic name for an object of class ``class_name``.

    ``"Dense"`` gives ``dense``, then ``dense_1``, ``dense_2``… (Keras 3's ``auto_name``); a
    name reserved by :func:`reserve_name` is skipped. :func:`clear_session` starts over.
    """
    prefix = snake_case(class_name)
    while True:
        count = _name_counts.get(prefix, 0)
        _name_counts[prefix] = count + 1
        name = prefix if count == 0 else f"{prefix}_{count}"
        if name not in _reserved_names:
            _reserved_names.add(name)
            return name


def reserve_name(name: str) -> None:
    """Mark ``name`` as taken, so :func:`auto_name` never generates it (until ``clear_session``)."""
    _reserved_names.add(name)


def clear_session() -> None:
    """Reset automatic names (as in Keras): the next Dense is ``dense`` again.

    Weights of existing models are untouched.
    """
    _name_counts.clear()
    _reserved_names.clear()
