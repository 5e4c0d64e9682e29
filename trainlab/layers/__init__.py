"""Layers (``keras.layers``) with explicit forward and backward passes."""
from trainlab.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, RReLU, Softmax
from trainlab.layers.base import Layer, registry
from trainlab.layers.batch_normalization import BatchNormalization
from trainlab.layers.dense import Dense
from trainlab.layers.dropout import AlphaDropout, Dropout, MCAlphaDropout, MCDropout
from trainlab.layers.reshaping import Flatten, Input

InputLayer = Input


def serialize(layer: Layer) -> dict:
    return registry.serialize(layer)


def deserialize(config: dict) -> Layer:
    return registry.deserialize(config)


def get(identifier) -> Layer:
    return registry.get(identifier)
