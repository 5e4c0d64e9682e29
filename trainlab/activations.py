"""Activation functions as value/derivative pairs, the derivative taken from the cached output.

Each activation is an object with ``forward(z) -> a`` and ``backward(a, grad_a) -> grad_z``;
``backward`` needs only the output ``a`` (the derivative of every function here can be written
in terms of its output), so layers cache one array. Calling an activation, ``relu(z)``, is its
forward pass, so ``keras.activations.relu(x)`` works as in Keras.

=============  ====================================  =====================================
name           a = f(z)                              f'(z) written with a
=============  ====================================  =====================================
linear         z                                     1
sigmoid        1 / (1 + e^−z)                        a(1 − a)
tanh           tanh z                                1 − a²
relu           max(0, z)                             1[a > 0]
leaky_relu     max(αz, z), α = 0.2                   1 if a > 0 else α
elu            z if z ≥ 0 else α(e^z − 1)            1 if a > 0 else a + α
selu           λ·elu_α(z), α ≈ 1.6733, λ ≈ 1.0507    λ if a > 0 else a + λα
softmax        e^{z_i} / Σ_j e^{z_j} (max-shifted)   J·g = a ⊙ (g − Σ a ⊙ g)
=============  ====================================  =====================================
"""
from __future__ import annotations

import numpy as np

from trainlab._registry import Configurable, Registry

registry = Registry("activation")

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Activation(Configurable):
    """Base: ``forward`` and ``backward``; stateless apart from its hyperparameters."""

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(z))

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


@registry.register("linear")
class Linear(Activation):
    def forward(self, z):
        return z

    def backward(self, a, grad_a):
        return grad_a


@registry.register("sigmoid")
class Sigmoid(Activation):
    def forward(self, z):
        # exp of −|z| only, so large inputs of either sign neither overflow nor lose precision.
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)

    def backward(self, a, grad_a):
        return grad_a * a * (1 - a)


@registry.register("tanh")
class Tanh(Activation):
    def forward(self, z):
        return np.tanh(z)

    def backward(self, a, grad_a):
        return grad_a * (1 - a * a)


@registry.register("relu")
class ReLU(Activation):
    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, a, grad_a):
        return grad_a * (a > 0)


@registry.register("leaky_relu")
class LeakyReLU(Activation):
    """max(αz, z); the function's default α is 0.2 (the LeakyReLU *layer* defaults to 0.3)."""

    def __init__(self, negative_slope: float = 0.2):
        if not 0 <= negative_slope < 1:
            raise ValueError(f"leaky_relu negative_slope must be in [0, 1); got {negative_slope}")
        self.negative_slope = float(negative_slope)

    def forward(self, z):
        return np.where(z > 0, z, z * np.asarray(self.negative_slope, z.dtype))

    def backward(self, a, grad_a):
        return np.where(a > 0, grad_a, grad_a * np.asarray(self.negative_slope, grad_a.dtype))

    def get_config(self):
        return {"negative_slope": self.negative_slope}


@registry.register("elu")
class ELU(Activation):
    """z if z > 0 else α(e^z − 1); default α = 1."""

    def __init__(self, alpha: float = 1.0):
        if not alpha > 0:
            raise ValueError(f"elu alpha must be > 0; got {alpha}")
        self.alpha = float(alpha)

    def forward(self, z):
        alpha = np.asarray(self.alpha, z.dtype)
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, a, grad_a):
        return np.where(a > 0, grad_a, grad_a * (a + np.asarray(self.alpha, a.dtype)))

    def get_config(self):
        return {"alpha": self.alpha}


@registry.register("selu")
class SELU(Activation):
    """λ·ELU_α(z) with the self-normalizing constants α ≈ 1.6733, λ ≈ 1.0507."""

    def forward(self, z):
        scale, alpha = np.asarray(SELU_SCALE, z.dtype), np.asarray(SELU_ALPHA, z.dtype)
        return scale * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, a, grad_a):
        scale = np.asarray(SELU_SCALE, a.dtype)
        return np.where(a > 0, grad_a * scale, grad_a * (a + np.asarray(SELU_SCALE * SELU_ALPHA, a.dtype)))


@registry.register("softmax")
class Softmax(Activation):
    """Softmax over the last axis, max-subtracted so it never overflows."""

    def forward(self, z):
        e = np.exp(z - row_max(z))
        e /= row_sum(e)
        return e

    def backward(self, a, grad_a):
        return a * (grad_a - row_sum(a * grad_a))


def row_max(z: np.ndarray) -> np.ndarray:
    """max over the last axis, keepdims; NaN propagates as with ``max``.

    Read through ``argmax`` because NumPy reduces a short last axis (10 classes) row by row:
    at batch 32 ``z.max(axis=-1)`` costs about twice an argmax plus a gather.
    """
    rows = z.reshape(-1, z.shape[-1])
    return rows[np.arange(len(rows)), rows.argmax(axis=1)].reshape(*z.shape[:-1], 1)


def row_sum(z: np.ndarray) -> np.ndarray:
    """Σ over the last axis, keepdims, as a matrix-vector product (faster on short rows, see row_max)."""
    return (z @ np.ones(z.shape[-1], z.dtype))[..., np.newaxis]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) over the last axis, computed stably as z − max − log Σ e^(z − max)."""
    shifted = z - row_max(z)
    shifted -= np.log(row_sum(np.exp(shifted)))
    return shifted


linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
elu = ELU()
selu = SELU()
softmax = Softmax()


def get(identifier) -> Activation:
    """Resolve an activation: None → linear, a name, a config dict, or an Activation instance."""
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    if callable(identifier) and not isinstance(identifier, (str, dict, type)):
        raise TypeError(
            f"Activation {identifier!r} is a plain function; trainlab needs an Activation with a "
            f"backward pass. Subclass trainlab.activations.Activation (forward and backward) instead."
        )
    return registry.get(identifier)


def serialize(activation: Activation):
    """A name for parameter-free activations, else a ``{"class_name", "config"}`` dict."""
    name = registry.name_of(activation)
    config = activation.get_config()
    aliases = {"Linear": "linear", "Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "SELU": "selu",
               "Softmax": "softmax", "ELU": "elu", "LeakyReLU": "leaky_relu"}
    if config == type(activation)().get_config():
        return aliases.get(name, name)
    return {"class_name": name, "config": config}


deserialize = registry.deserialize
