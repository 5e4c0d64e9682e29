"""Dropout layers: ``Dropout``, ``AlphaDropout`` and their Monte Carlo twins.

Each unit is dropped with probability p = ``rate`` at every training step (the mask m has
m = 1 for kept units, with probability 1 − p):

* Dropout (inverted): y = x ⊗ m / (1 − p) in training, y = x at inference, so the expected
  value E[y] = x is the same in both modes and inference needs no rescaling.
* AlphaDropout (for SELU networks): dropped units are set to α′ = −λα, the value SELU
  saturates to, then y = a·(x ⊗ m + α′(1 − m)) + b with a = ((1 − p)(1 + p·α′²))^(−½) and
  b = −a·α′·p, which keeps mean 0 and variance 1 for standardized inputs.
  ∂y/∂x = a·m.

Monte Carlo dropout (Gal & Ghahramani, 2016) keeps dropping at inference and averages many
stochastic predictions. ``MCDropout`` / ``MCAlphaDropout`` are always active, exactly like the
notes' ``class MCDropout(Dropout): def call(self, inputs): return super().call(inputs,
training=True)``, which also works as user code. The ``mc_active`` attribute is the switch
:func:`trainlab.uncertainty.mc_sampling` (and ``model.predict(x, mc_samples=N)``) turns on for
every dropout-like layer while BatchNormalization stays in inference mode — unlike
``model(X, training=True)``, which also puts BatchNormalization in training mode.
"""
from __future__ import annotations

import numpy as np

from trainlab import random as tl_random
from trainlab.activations import SELU_ALPHA, SELU_SCALE
from trainlab.layers.base import Layer, registry


class _BaseDropout(Layer):
    """Shared mask drawing, noise shapes, the ``mc_active`` switch and the backward pass.

    Args:
        rate: probability p of dropping a unit, 0 <= p < 1 (0 disables the layer).
        noise_shape: shape of the mask, batch axis included, broadcast against the inputs; ``None``
            entries take the input's size. ``(None, 1, features)`` keeps or drops a feature for all
            time steps at once; ``(1, features)`` uses one mask for the whole batch. Each entry
            must be None, 1, or the input's size on that axis (checked at build, and for the
            batch axis at each call). Default: the input shape.
        seed: seed of the mask generator ``self.rng`` (else spawned from ``trainlab.random``).

    Raises:
        TypeError: ``rate`` is not a number.
        ValueError: ``rate`` outside [0, 1); a malformed ``noise_shape`` (not a sequence, an
            entry that is not a positive integer or None), as Keras 3 raises; a ``noise_shape``
            that does not broadcast to the inputs.

    Note:
        Keras 3 accepts ``rate=1``, which drops everything and divides by zero; trainlab refuses
        it with the same exception class (ValueError).

    Subclasses implement ``_transform(inputs, keep) -> outputs`` and set ``self._multiplier``
    (∂y/∂x, broadcastable to the inputs).
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
            raise TypeError(f"{type(self).__name__} rate must be a number in [0, 1); got {rate!r}")
        if not 0 <= rate < 1:
            raise ValueError(f"{type(self).__name__} rate must be in [0, 1) (the probability of dropping a unit, "
                             f"typically 0.1-0.5); got {rate}")
        self.rate = float(rate)
        self.noise_shape = _checked_noise_shape(noise_shape, type(self).__name__)
        self.seed = seed
        self.rng = tl_random.generator(seed)
        self.mc_active = False
        self._multiplier = None

    def build(self, input_shape):
        if self.noise_shape is None:
            return
        if len(self.noise_shape) != len(input_shape):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: noise_shape {self.noise_shape} has "
                             f"{len(self.noise_shape)} axes but the inputs {tuple(input_shape)} have {len(input_shape)}.")
        for axis, (n, size) in enumerate(zip(self.noise_shape, input_shape)):
            if axis > 0 and n not in (None, 1, size):
                raise ValueError(f"{type(self).__name__} layer {self.name!r}: noise_shape {self.noise_shape} has "
                                 f"{n} on axis {axis} where the inputs have {size}; use None, 1 or {size}.")

    def _mask_shape(self, shape: tuple) -> tuple:
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape) or self.noise_shape[0] not in (None, 1, shape[0]):
            # The batch size is only known now, so the batch axis is checked at each call.
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: noise_shape {self.noise_shape} does not "
                             f"broadcast to inputs of shape {shape}; its batch entry must be None, 1 or {shape[0]}.")
        return tuple(size if n is None else n for n, size in zip(self.noise_shape, shape))

    def call(self, inputs, training=None):
        if not (training or self.mc_active) or self.rate == 0:
            self._multiplier = None
            return inputs
        dtype = inputs.dtype if inputs.dtype in (np.float32, np.float64) else np.float64
        keep = self.rng.random(self._mask_shape(inputs.shape), dtype=dtype) >= self.rate
        return self._transform(inputs, keep)

    def _transform(self, inputs: np.ndarray, keep: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad_out if self._multiplier is None else grad_out * self._multiplier

    def get_config(self):
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise_shape, "seed": self.seed}


def _checked_noise_shape(noise_shape, layer: str) -> tuple | None:
    """A tuple of positive ints and Nones, checked as Keras 3 checks it (ValueError for any fault)."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, (str, bytes)) or not hasattr(noise_shape, "__iter__"):
        raise ValueError(f"{layer} noise_shape must be a tuple or list of integers or None, one per input axis "
                         f"including the batch axis (e.g. (None, 1, features)); got {noise_shape!r}.")
    noise_shape = tuple(noise_shape)
    for index, n in enumerate(noise_shape):
        if n is None:
            continue
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise ValueError(f"{layer} noise_shape entries must be integers or None; entry {index} of "
                             f"{noise_shape!r} is {n!r} of type {type(n).__name__}.")
        if n <= 0:
            raise ValueError(f"{layer} noise_shape entries must be positive (or None for the input's size); entry "
                             f"{index} of {noise_shape!r} is {n}.")
    return tuple(None if n is None else int(n) for n in noise_shape)


@registry.register()
class Dropout(_BaseDropout):
    """Inverted dropout: kept units scaled by 1/(1 − rate) in training, identity at inference.

    Note:
        *Deep Learning from Scratch* scales by (1 − p) at inference instead; both keep the
        expected value, but only the inverted form leaves inference untouched (Keras, PyTorch).
    """

    def _transform(self, inputs, keep):
        multiplier = keep.astype(inputs.dtype)
        multiplier *= 1.0 / (1.0 - self.rate)
        self._multiplier = multiplier
        return inputs * multiplier


@registry.register()
class AlphaDropout(_BaseDropout):
    """Dropout for SELU networks (Klambauer et al., 2017): keeps mean 0 and variance 1.

    Dropped units take α′ = −λα ≈ −1.7581; the affine correction a·x + b (Keras' formula, see
    the module docstring) restores the moments. Identity at inference.
    """

    def _transform(self, inputs, keep):
        alpha_p = -SELU_ALPHA * SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        multiplier = keep.astype(inputs.dtype)
        multiplier *= a
        self._multiplier = multiplier
        offset = np.where(keep, np.asarray(b, inputs.dtype), np.asarray(a * alpha_p + b, inputs.dtype))
        outputs = inputs * multiplier
        outputs += offset
        return outputs


@registry.register()
class MCDropout(Dropout):
    """Monte Carlo dropout: ``Dropout`` that also drops at inference (the notes' subclass)."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


@registry.register()
class MCAlphaDropout(AlphaDropout):
    """Monte Carlo alpha dropout: ``AlphaDropout`` that also drops at inference."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)
