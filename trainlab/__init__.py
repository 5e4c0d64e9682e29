"""trainlab: train deep neural networks with the classic toolbox, from first principles on NumPy.

``import trainlab as keras`` gives the Keras-shaped namespaces used by the notes.
"""
from trainlab import (
    activations,
    backend,
    constraints,
    initializers,
    losses,
    metrics,
    optimizers,
    regularizers,
)

__version__ = "0.1.0"
