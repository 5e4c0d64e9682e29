"""Shared pieces of the benchmarks: the reference data, the reference network, machine facts.

The reference network is the notes' Fashion-MNIST classifier: Flatten → Dense(300, relu,
he_normal) → Dense(100, relu, he_normal) → Dense(10, softmax), SGD(0.01, momentum 0.9), sparse
categorical cross-entropy, pixels / 255 in float32, the first 55,000 training images.
"""
from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import numpy as np

N_TRAIN = 55_000
IMAGE_SHAPE = (28, 28)
HIDDEN = (300, 100)
N_CLASSES = 10


def load_fashion_mnist_uint8() -> tuple[np.ndarray, np.ndarray, str]:
    """The Fashion-MNIST training images and labels as uint8, and a note on where they came from.

    Loads through ``trainlab.datasets`` (which finds the Debian package's files); when the data
    is nowhere to be found, random data of the same shape stands in and the note says so.
    """
    from trainlab.datasets import DatasetNotFoundError, fashion_mnist

    try:
        (x, y), _ = fashion_mnist.load_data()
        return x, y, "Fashion-MNIST via trainlab.datasets.fashion_mnist.load_data()"
    except DatasetNotFoundError:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(60_000, *IMAGE_SHAPE), dtype=np.uint8)
        y = rng.integers(0, N_CLASSES, size=60_000, dtype=np.uint8)
        return x, y, "RANDOM data of Fashion-MNIST's shape (the dataset files were not found)"


def reference_training_set() -> tuple[np.ndarray, np.ndarray, str]:
    """The first 55,000 images scaled to [0, 1] in float32, their int64 labels, and the source note."""
    x, y, source = load_fashion_mnist_uint8()
    x_train = x[:N_TRAIN].astype(np.float32)
    x_train /= np.float32(255)
    return x_train, y[:N_TRAIN].astype(np.int64), source


def build_trainlab_model(seed: int = 42):
    import trainlab as keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=list(IMAGE_SHAPE)),
        keras.layers.Dense(HIDDEN[0], activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(HIDDEN[1], activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(N_CLASSES, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), metrics=["accuracy"])
    return model


def torch_linear(dense_layer):
    """A ``torch.nn.Linear`` holding a trainlab Dense layer's current kernel and bias."""
    import torch

    kernel = dense_layer.params["kernel"]
    linear = torch.nn.Linear(*kernel.shape)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
        linear.bias.copy_(torch.from_numpy(dense_layer.params["bias"]))
    return linear


def build_torch_model(trainlab_model):
    """The same network in PyTorch, starting from the trainlab model's initial weights.

    Copying the weights gives both frameworks exactly the same initialization (Keras'
    truncated-normal he_normal for the hidden layers, glorot_uniform for the output layer).
    """
    import torch

    dense = [layer for layer in trainlab_model.layers if layer.params]
    modules = [torch.nn.Flatten()]
    for index, layer in enumerate(dense):
        modules.append(torch_linear(layer))
        if index < len(dense) - 1:
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules)
    # The softmax is folded into the loss (cross_entropy on logits), as PyTorch code is written.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, optimizer


def machine_facts() -> dict[str, str]:
    """CPU, cores, NumPy and its BLAS, PyTorch, date: the context every number needs."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "logical cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        from threadpoolctl import threadpool_info

        blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
        facts["BLAS libraries loaded"] = "; ".join(
            f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')}, "
            f"{info.get('threading_layer')} threads)" for info in blas) or "unknown"
    except ImportError:
        facts["BLAS libraries loaded"] = "unknown (threadpoolctl missing)"
    facts["torch"] = _installed_version("torch", "not installed")
    facts["numba"] = _installed_version("numba", "not installed")
    facts["keras"] = _installed_version("keras", "not installed (TensorFlow/Keras are not installed on this machine)")
    return facts


def _installed_version(module_name: str, missing: str) -> str:
    """The module's ``__version__``, or ``missing`` when it cannot be imported."""
    import importlib

    try:
        return importlib.import_module(module_name).__version__
    except ImportError:
        return missing
