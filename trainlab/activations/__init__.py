"""Activation functions (``keras.activations``): value/derivative pairs behind one registry.

``keras.activations.relu(x)`` works as in Keras (calling an activation is its forward pass, with
Keras 3's keyword arguments), ``activation="swish"`` resolves through the registry, and every
activation carries the backward pass layers need. The protocol, including how an activation
asks for its input z in backward, is documented in :mod:`trainlab.activations.base`.
"""
from __future__ import annotations

from trainlab.activations.base import Activation, as_float_array, backward_of, registry
from trainlab.activations.piecewise import ELU, SELU, SELU_ALPHA, SELU_SCALE, LeakyReLU, Linear, ReLU
from trainlab.activations.smooth import GELU, SiLU, Mish, Sigmoid, Tanh
from trainlab.activations.softmax import Softmax, log_softmax, row_max, row_sum

linear = Linear()
relu = ReLU()
leaky_relu = LeakyReLU()
elu = ELU()
selu = SELU()
sigmoid = Sigmoid()
tanh = Tanh()
silu = swish = SiLU()
gelu = GELU()
mish = Mish()
softmax = Softmax()


def get(identifier) -> Activation:
    """Resolve an activation: None → linear, a name, a config dict, an Activation, or an
    activation layer instance (``Dense(50, activation=keras.layers.LeakyReLU(0.2))``, whose
    function and backward pass are then used).

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
        TypeError: a plain function (it has no backward pass) or a layer with weights or
            randomness of its own (PReLU, RReLU), which must be a layer of the model instead.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    wrapped = getattr(identifier, "as_activation", None)
    if isinstance(wrapped, Activation):
        return wrapped
    from trainlab.layers.base import Layer

    if isinstance(identifier, Layer):
        raise TypeError(
            f"The {type(identifier).__name__} layer cannot be used as activation=: it has weights or randomness "
            f"of its own, which a Dense layer would neither train nor save. Add it as a separate layer after "
            f"the Dense layer instead: Dense(units), {type(identifier).__name__}(...)."
        )
    if callable(identifier) and not isinstance(identifier, (str, dict, type)):
        raise TypeError(
            f"Activation {identifier!r} is a plain function; trainlab needs an Activation with a "
            f"backward pass. Subclass trainlab.activations.Activation (forward and backward) instead."
        )
    return registry.get(identifier)


def serialize(activation: Activation):
    """The Keras function name when the hyperparameters are the defaults, else a
    ``{"class_name", "config"}`` dict (e.g. ``leaky_relu`` with another slope)."""
    class_name = registry.name_of(activation)  # raises for an unregistered class, naming it
    config = activation.get_config()
    if activation.name and activation.name in registry.names() and registry.lookup(activation.name) is type(activation) \
            and _is_default(type(activation), config):
        return activation.name
    return {"class_name": class_name, "config": config}


def _is_default(cls, config: dict) -> bool:
    try:
        return cls().get_config() == config
    except TypeError:  # a subclass whose constructor needs arguments
        return False


deserialize = registry.deserialize

__all__ = ["Activation", "ELU", "GELU", "LeakyReLU", "Linear", "Mish", "ReLU", "SELU", "SELU_ALPHA", "SELU_SCALE",
           "Sigmoid", "SiLU", "Softmax", "Tanh", "as_float_array", "backward_of", "deserialize", "elu", "gelu", "get",
           "leaky_relu", "linear", "log_softmax", "mish", "registry", "relu", "row_max", "row_sum", "selu",
           "serialize", "sigmoid", "silu", "softmax", "swish", "tanh"]
