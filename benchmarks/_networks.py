"""The networks issue 9 benchmarks, each buildable in trainlab and (with the same weights) in PyTorch.

A :class:`Case` names a network, the data it trains on and how to build it:

* ``reference``: the notes' Fashion-MNIST classifier, Flatten → Dense(300, relu, he_normal) →
  Dense(100, relu, he_normal) → Dense(10, softmax);
* ``bn``: the same with BatchNormalization before each Dense (HOML ch. 11's BN example);
* ``dropout``: the same with Dropout(0.2) before each Dense;
* ``selu100``: 100 × Dense(100, selu, lecun_normal) → Dense(10, softmax) with SGD(0.001) on
  standardized Fashion-MNIST (HOML's self-normalizing network);
* ``elu20``: 20 × Dense(100, elu, he_normal) → Dense(10, softmax) on 3072-d inputs (HOML ch. 11's
  CIFAR-10 exercise), with Nadam.

The PyTorch twin copies every initial weight, so both frameworks start from the same point and
see the same batches; the softmax is folded into ``cross_entropy`` on the logits there, as
PyTorch code is written. The GEMM floor replays exactly the epoch's matrix products.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from _common import IMAGE_SHAPE, N_CLASSES, reference_training_set, torch_linear


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    data: str  # "fashion-mnist", "fashion-mnist-standardized" or "3072-d"
    layers: Callable  # keras module -> list of layers
    optimizers: tuple[str, ...] = ("sgd-momentum",)
    batch_sizes: tuple[int, ...] = (32,)
    learning_rates: dict = field(default_factory=dict)


def _mlp(keras, hidden, activation, initializer, before=None, input_shape=IMAGE_SHAPE):
    layers = [keras.layers.Flatten(input_shape=list(input_shape))]
    for units in hidden:
        if before is not None:
            layers.append(before(keras))
        layers.append(keras.layers.Dense(units, activation=activation, kernel_initializer=initializer))
    if before is not None:
        layers.append(before(keras))
    layers.append(keras.layers.Dense(N_CLASSES, activation="softmax"))
    return layers


CASES = {
    "reference": Case("reference", "784-300-100-10, relu, he_normal", "fashion-mnist",
                      lambda k: _mlp(k, (300, 100), "relu", "he_normal"),
                      ("sgd-momentum", "adam", "nadam"), (32, 256)),
    "bn": Case("bn", "784-300-100-10 with BatchNormalization before each Dense", "fashion-mnist",
               lambda k: _mlp(k, (300, 100), "relu", "he_normal", before=lambda k: k.layers.BatchNormalization())),
    "dropout": Case("dropout", "784-300-100-10 with Dropout(0.2) before each Dense", "fashion-mnist",
                    lambda k: _mlp(k, (300, 100), "relu", "he_normal", before=lambda k: k.layers.Dropout(0.2))),
    "selu100": Case("selu100", "100 × Dense(100, selu, lecun_normal), SGD(0.001)", "fashion-mnist-standardized",
                    lambda k: _mlp(k, (100,) * 100, "selu", "lecun_normal"), ("sgd",), (32, 128), {"sgd": 0.001}),
    "elu20": Case("elu20", "20 × Dense(100, elu, he_normal) on 3072-d inputs, Nadam(5e-5)", "3072-d",
                  lambda k: _mlp(k, (100,) * 20, "elu", "he_normal", input_shape=(3072,)), ("nadam",), (32, 128),
                  {"nadam": 5e-5}),
}

OPTIMIZERS = {  # name: (trainlab factory, torch factory); lr defaults to the optimizer's usual one
    "sgd": (lambda k, lr: k.optimizers.SGD(learning_rate=lr or 0.01),
            lambda torch, p, lr: torch.optim.SGD(p, lr=lr or 0.01)),
    "sgd-momentum": (lambda k, lr: k.optimizers.SGD(learning_rate=lr or 0.01, momentum=0.9),
                     lambda torch, p, lr: torch.optim.SGD(p, lr=lr or 0.01, momentum=0.9)),
    "adam": (lambda k, lr: k.optimizers.Adam(learning_rate=lr or 0.001),
             lambda torch, p, lr: torch.optim.Adam(p, lr=lr or 0.001, eps=1e-7)),
    "nadam": (lambda k, lr: k.optimizers.Nadam(learning_rate=lr or 0.001),
              lambda torch, p, lr: torch.optim.NAdam(p, lr=lr or 0.001, eps=1e-7)),
}


def load_data(kind: str, samples: int | None, cifar10: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """Training inputs (float32), int64 labels and a sentence saying where they came from."""
    if kind.startswith("fashion-mnist"):
        x, y, source = reference_training_set()
        if kind.endswith("standardized"):  # per pixel, as HOML does before a SELU network
            x = ((x - x.mean(axis=0)) / (x.std(axis=0) + np.float32(1e-7))).astype(np.float32)
            source += ", standardized per pixel"
    elif cifar10:
        from trainlab.datasets import cifar10 as loader

        (x, y), _ = loader.load_data()
        x = x.reshape(len(x), -1).astype(np.float32) / np.float32(255)
        y, source = y.reshape(-1).astype(np.int64), "CIFAR-10 via trainlab.datasets.cifar10.load_data()"
    else:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((50_000, 3072), dtype=np.float32)
        y = rng.integers(0, N_CLASSES, 50_000).astype(np.int64)
        source = "random normal data of CIFAR-10's shape (50,000 × 3072; --cifar10 loads the real images)"
    if samples:
        x, y = x[:samples], y[:samples]
    return x, y, source


def build_trainlab(case: Case, optimizer: str, seed: int = 42):
    import trainlab as keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(case.layers(keras))
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  optimizer=OPTIMIZERS[optimizer][0](keras, case.learning_rates.get(optimizer)))
    return model


def build_torch(case: Case, optimizer: str, trainlab_model):
    """The same network in PyTorch with trainlab's initial weights, and its optimizer."""
    import torch

    modules = []
    layers = trainlab_model.layers
    for index, layer in enumerate(layers):
        kind = type(layer).__name__
        if kind == "Flatten":
            modules.append(torch.nn.Flatten())
        elif kind == "Dropout":
            modules.append(torch.nn.Dropout(layer.rate))
        elif kind == "BatchNormalization":
            # Keras' momentum 0.99 weighs the old value; PyTorch's momentum weighs the new one.
            norm = torch.nn.BatchNorm1d(layer.params["gamma"].size, eps=layer.epsilon, momentum=1 - layer.momentum)
            with torch.no_grad():
                norm.weight.copy_(torch.from_numpy(layer.params["gamma"]))
                norm.bias.copy_(torch.from_numpy(layer.params["beta"]))
            modules.append(norm)
        elif kind == "Dense":
            modules.append(torch_linear(layer))
            activation = type(layer.activation).__name__.lower()
            if index < len(layers) - 1:
                modules.append({"relu": torch.nn.ReLU, "selu": torch.nn.SELU, "elu": torch.nn.ELU}[activation]())
        else:
            raise ValueError(f"no PyTorch twin for layer {kind}")
    model = torch.nn.Sequential(*modules)
    return model, OPTIMIZERS[optimizer][1](torch, model.parameters(), case.learning_rates.get(optimizer))


class GemmFloor:
    """The epoch's matrix products alone (NumPy, ``out=`` into preallocated arrays).

    Per batch: every Dense layer's forward product and weight gradient, and the input gradient of
    every Dense layer that has a trainable layer below it (trainlab and PyTorch skip the first
    one's only when nothing below it trains: a BatchNormalization before it does).
    """

    def __init__(self, model, n: int, batch_size: int, rng: np.random.Generator):
        dense = [i for i, layer in enumerate(model.layers) if type(layer).__name__ == "Dense"]
        first_trained = min(i for i, layer in enumerate(model.layers) if layer.params)
        # Scaled like a sensible initialization, and gradients written to their own arrays, so no
        # value overflows or shrinks into the subnormal range, where arithmetic slows down.
        self.kernels = [rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(shape[0]))
                        for shape in (model.layers[i].params["kernel"].shape for i in dense)]
        self.kernel_grads = [np.empty_like(k) for k in self.kernels]
        self.input_grad = [i > first_trained for i in dense]
        self.batches = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        self.buffers = {size: tuple([rng.standard_normal((size, k.shape[axis]), dtype=np.float32) for k in self.kernels]
                                    for axis in (0, 1, 0))
                        for size in set(self.batches)}

    def epoch(self, clock) -> float:
        matmul, kernels, grads, needs = np.matmul, self.kernels, self.kernel_grads, self.input_grad
        start = clock()
        for size in self.batches:
            inputs, outputs, input_grads = self.buffers[size]
            for layer, kernel in enumerate(kernels):
                matmul(inputs[layer], kernel, out=outputs[layer])
            for layer in range(len(kernels) - 1, -1, -1):
                matmul(inputs[layer].T, outputs[layer], out=grads[layer])
                if needs[layer]:
                    matmul(outputs[layer], kernels[layer].T, out=input_grads[layer])
        return clock() - start

