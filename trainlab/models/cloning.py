"""``clone_model``: the same architecture with freshly initialized weights (as in Keras).

Copy the weights too with ``clone.set_weights(model.get_weights())``, as the notes do before
reusing model A's layers, so training the new model leaves model A untouched.
"""
from __future__ import annotations

from trainlab import layers as layers_module


def clone_model(model):
    """A new model with new layer objects rebuilt from ``model``'s configs (fresh weights).

    The clone is built when ``model`` is, uncompiled (call ``compile`` as in Keras), and its
    layers keep their names and ``trainable`` flags.

    Raises:
        TypeError: ``model`` is not a trainlab Sequential model.
    """
    from trainlab.models.sequential import Sequential

    if not isinstance(model, Sequential):
        raise TypeError(f"clone_model expects a trainlab Sequential model; got {type(model).__name__}. To copy a "
                        f"single layer use layers.deserialize(layers.serialize(layer)).")
    clone = Sequential([layers_module.deserialize(layers_module.serialize(layer)) for layer in model._layers],
                       name=model.name)
    if model.built and not clone.built:
        clone.build(model.input_shape)
    return clone
