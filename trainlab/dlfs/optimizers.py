"""The six optimizers of *Deep Learning from Scratch* ch. 6 (``common/optimizer.py``).

Notation: θ a parameter, g its gradient, η = ``lr``, μ = ``momentum``, ρ = ``decay_rate``,
β₁, β₂ = ``beta1``, ``beta2``, ε = 1e-7 (fixed in the book), t the update count (from 1).

========  ==========================================================  =======================
class     update (the book's, in its order of operations)             defaults
========  ==========================================================  =======================
SGD       θ ← θ − ηg                                                  η = 0.01
Momentum  v ← μv − ηg;  θ ← θ + v                                     η = 0.01, μ = 0.9
Nesterov  v ← μv − ηg;  θ ← θ + μ²v − (1 + μ)ηg   (v already new)     η = 0.01, μ = 0.9
AdaGrad   h ← h + g²;  θ ← θ − ηg / (√h + ε)        (h starts at 0)   η = 0.01
RMSprop   h ← ρh + (1 − ρ)g²;  θ ← θ − ηg / (√h + ε) (h starts at 0)  η = 0.01, ρ = 0.99
Adam      m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v);         η = 0.001, β₁ = 0.9,
          θ ← θ − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)               β₂ = 0.999
========  ==========================================================  =======================

Every state array (v, h, m) starts at zero, shaped and typed like its parameter (float64 for a
scalar), at the first update.
``docs/DLFS.md`` compares each row with Keras' optimizer of the same name.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

EPSILON = 1e-7  # the book's constant; it has no argument for it


def _rate(name: str, value) -> float:
    value = _number(name, value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0; got {value}.")
    return value


def _fraction(name: str, value) -> float:
    value = _number(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}.")
    return value


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {value!r} of type {type(value).__name__}.")
    return float(value)


class BookOptimizer:
    """``update(params, grads)`` over the book's plain dicts; subclasses write ``step``.

    ``params`` maps names to floating NumPy arrays, updated in place (so a network holding the
    arrays sees the change), or to Python/NumPy scalars, replaced in the dict by their new
    value (so ``params['x']`` appended to a list before the update keeps its old value, and the
    book's path plots show every step). Everything is checked before anything changes.

    Raises:
        ValueError: ``params`` and ``grads`` have different keys, or a gradient's shape differs
            from its parameter's.
        TypeError: a parameter is neither a floating array nor a real number.
        FloatingPointError: a gradient holds NaN or infinity (the book would spread it silently).
    """

    state_names: tuple[str, ...] = ()

    def __init__(self):
        self._state: dict[str, dict[str, np.ndarray]] = {}

    def update(self, params: dict, grads: Mapping) -> None:
        checked = _checked(params, grads)
        self.begin_step()
        for key, (value, grad) in checked.items():
            state = self._state.get(key)
            if state is None:
                zeros = np.zeros_like if isinstance(value, np.ndarray) else lambda v: np.zeros((), np.float64)
                state = self._state[key] = {name: zeros(value) for name in self.state_names}
            if isinstance(value, np.ndarray):
                self.step(value, grad, state)
            else:
                box = np.array(value, dtype=np.float64)
                self.step(box, grad, state)
                params[key] = type(value)(box[()]) if isinstance(value, (float, np.floating)) else float(box[()])

    def begin_step(self) -> None:
        """Once per ``update``, before the parameters (Adam counts t here)."""

    def step(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def state(self, key: str) -> dict[str, np.ndarray]:
        """The state arrays kept for ``params[key]`` (e.g. ``{"velocity": …}``), after its first update."""
        return self._state[key]

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({arguments})"


def _checked(params: dict, grads: Mapping) -> dict[str, tuple]:
    mismatched = set(params) ^ set(grads)
    if mismatched:
        raise ValueError(f"params and grads must have the same keys; mismatched: {sorted(mismatched)}.")
    checked = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            if not np.issubdtype(value.dtype, np.floating):
                raise TypeError(f"params[{key!r}] is a {value.dtype} array; it is updated in place, so it must be a "
                                f"floating array: use value.astype(float).")
        elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"params[{key!r}] must be a floating NumPy array (updated in place) or a number "
                            f"(replaced in the dict); got {type(value).__name__}.")
        grad = np.asarray(grads[key])  # not cast: the book computes with the gradient's own precision
        if not np.issubdtype(grad.dtype, np.floating):
            grad = grad.astype(np.float64)
        if grad.shape != np.shape(value):
            raise ValueError(f"grads[{key!r}] has shape {grad.shape} but params[{key!r}] has shape "
                             f"{np.shape(value)}; each gradient must have its parameter's shape.")
        if not np.isfinite(grad).all():
            raise FloatingPointError(f"grads[{key!r}] holds NaN or infinity: the update would spread it into the "
                                     f"parameters. Lower lr or check the gradient computation.")
        checked[key] = (value, grad)
    return checked


class SGD(BookOptimizer):
    """θ ← θ − ηg.  Args: lr: η > 0 (default 0.01)."""

    def __init__(self, lr: float = 0.01):
        super().__init__()
        self.lr = _rate("lr", lr)

    def step(self, param, grad, state):
        param -= self.lr * grad


class Momentum(BookOptimizer):
    """v ← μv − ηg;  θ ← θ + v.  Args: lr: η > 0 (0.01); momentum: μ in [0, 1) (0.9).

    Keras' ``SGD(learning_rate=0.01, momentum=0.9)`` is the same rule (Keras' default μ is 0).
    """

    state_names = ("velocity",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__()
        self.lr = _rate("lr", lr)
        self.momentum = _fraction("momentum", momentum)

    def step(self, param, grad, state):
        velocity = state["velocity"]
        velocity[...] = self.momentum * velocity - self.lr * grad
        param += velocity


class Nesterov(BookOptimizer):
    """The book's Nesterov update: v ← μv − ηg;  θ ← θ + μ²v − (1 + μ)ηg, with the *new* v.

    Args: lr: η > 0 (0.01); momentum: μ in [0, 1) (0.9).

    Note:
        Keras' ``SGD(nesterov=True)`` computes θ ← θ + μv − ηg with the new v, which equals
        θ + μ²v_old − (1 + μ)ηg (Bengio et al., 2012, the paper the book cites). The book's code
        applies μ² to the already updated v, i.e. θ + μ³v_old − (1 + μ + μ²)ηg: a slightly
        larger gradient step. This class keeps the book's rule so its figures reproduce.
    """

    state_names = ("velocity",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__()
        self.lr = _rate("lr", lr)
        self.momentum = _fraction("momentum", momentum)

    def step(self, param, grad, state):
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= self.lr * grad
        param += self.momentum * self.momentum * velocity
        param -= (1 + self.momentum) * self.lr * grad


class AdaGrad(BookOptimizer):
    """h ← h + g²;  θ ← θ − ηg / (√h + ε), h from 0, ε = 1e-7.  Args: lr: η > 0 (0.01).

    Note:
        Keras' ``Adagrad`` starts h at 0.1 and puts ε inside the root (η = 0.001): its first
        steps are far smaller, which is why the book's fastest optimizer on its MNIST
        comparison becomes the slowest when Keras' class is dropped in.
    """

    state_names = ("accumulator",)

    def __init__(self, lr: float = 0.01):
        super().__init__()
        self.lr = _rate("lr", lr)

    def step(self, param, grad, state):
        accumulator = state["accumulator"]
        accumulator += grad * grad
        param -= self.lr * grad / (np.sqrt(accumulator) + EPSILON)


class RMSprop(BookOptimizer):
    """h ← ρh + (1 − ρ)g²;  θ ← θ − ηg / (√h + ε), h from 0, ε = 1e-7.

    Args: lr: η > 0 (0.01); decay_rate: ρ in [0, 1) (0.99).

    Note:
        Keras' ``RMSprop`` calls ρ ``rho`` (default 0.9) and puts ε inside the root (η = 0.001);
        its ``decay`` argument is tf.keras 2's *learning-rate* decay, not this ρ.
    """

    state_names = ("accumulator",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99):
        super().__init__()
        self.lr = _rate("lr", lr)
        self.decay_rate = _fraction("decay_rate", decay_rate)

    def step(self, param, grad, state):
        accumulator = state["accumulator"]
        accumulator *= self.decay_rate
        accumulator += (1 - self.decay_rate) * grad * grad
        param -= self.lr * grad / (np.sqrt(accumulator) + EPSILON)


class Adam(BookOptimizer):
    """Adam with the bias correction folded into the step size (the book's form).

    t ← t + 1;  η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  m ← m + (1 − β₁)(g − m);
    v ← v + (1 − β₂)(g² − v);  θ ← θ − η_t·m / (√v + ε), ε = 1e-7.

    Args: lr: η > 0 (0.001); beta1: β₁ in [0, 1) (0.9); beta2: β₂ in [0, 1) (0.999).

    Keras' ``Adam`` is the same rule with the same defaults (its ε is also 1e-7).
    """

    state_names = ("first_moment", "second_moment")

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999):
        super().__init__()
        self.lr = _rate("lr", lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.iter = 0
        self._step_size = 0.0

    def begin_step(self):
        self.iter += 1
        self._step_size = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)

    def step(self, param, grad, state):
        first, second = state["first_moment"], state["second_moment"]
        first += (1 - self.beta1) * (grad - first)
        second += (1 - self.beta2) * (grad ** 2 - second)
        param -= self._step_size * first / (np.sqrt(second) + EPSILON)
