"""Optimizers (``keras.optimizers``): one small module each, on the pipeline of ``base``."""
from trainlab.optimizers import schedules
from trainlab.optimizers.adagrad import Adagrad
from trainlab.optimizers.adam import Adam
from trainlab.optimizers.adamax import Adamax
from trainlab.optimizers.adamw import AdamW
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.nadam import Nadam
from trainlab.optimizers.rmsprop import RMSprop
from trainlab.optimizers.sgd import SGD

RMSProp = RMSprop  # the notes' spelling (seed 002)


def get(identifier) -> Optimizer:
    """Resolve ``"sgd"``, ``"adam"``, a config dict or an Optimizer instance."""
    return registry.get(identifier)


def serialize(optimizer: Optimizer):
    return registry.serialize(optimizer)


deserialize = registry.deserialize
