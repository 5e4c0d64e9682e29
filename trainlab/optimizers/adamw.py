"""AdamW: Adam with decoupled weight decay."""
from __future__ import annotations

from trainlab.optimizers.adam import Adam
from trainlab.optimizers.base import registry


@registry.register("adamw")
class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam plus decoupled weight decay.

    Each step first shrinks every weight, θ ← θ − θ·λ·η, then applies Adam's update (the
    pipeline's weight-decay stage, see :mod:`trainlab.optimizers.base`). Unlike an l2 regularizer
    (``kernel_regularizer=l2(λ)``), whose gradient 2λθ would be rescaled by Adam's √s, the decay
    here is the same fraction λη for every weight — *every* trained weight, biases and
    BatchNormalization's γ and β included. To spare them, as is usual, call
    ``optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])`` before training.

    Args:
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        weight_decay: λ ≥ 0 (default 0.004, as in Keras 3); None is refused.
        beta_1, beta_2, epsilon, amsgrad: as in :class:`Adam`.

    Raises:
        ValueError: ``weight_decay=None`` (AdamW without decay is Adam: use ``Adam``), and
            Adam's argument errors.

    Note:
        PyTorch's AdamW defaults to λ = 0.01 and ε = 1e-8 (outside the corrected root).
    """

    default_name = "adamw"

    def __init__(self, learning_rate=None, weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW needs a weight_decay (a float >= 0, default 0.004); got None, which would make "
                             "it plain Adam. Pass weight_decay=0.004 (or another value), or use Adam.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)
