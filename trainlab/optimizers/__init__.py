"""Optimizers (``keras.optimizers``): one small module each, on the pipeline of ``base``."""
from trainlab.optimizers import schedules
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.sgd import SGD


def get(identifier) -> Optimizer:
    """Resolve ``"sgd"``, ``"adam"``, a config dict or an Optimizer instance."""
    return registry.get(identifier)


def serialize(optimizer: Optimizer):
    return registry.serialize(optimizer)


deserialize = registry.deserialize
