"""trainlab: train deep neural networks with the classic toolbox, from first principles on NumPy.

``import trainlab as keras`` gives the Keras-shaped namespaces used by the notes.
"""
__version__ = "0.1.0"

from trainlab import (  # noqa: E402  (the version must exist before saving imports it)
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    pruning,
    random,
    regularizers,
    uncertainty,
    utils,
)
from trainlab import presets  # noqa: E402  (builds on layers, callbacks and optimizers)
from trainlab.models import Sequential  # noqa: E402
