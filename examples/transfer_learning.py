"""Transfer learning on Fashion-MNIST, as the notes write it (Hands-On ML, ch. 11, seed 001).

Task A: the 8 classes other than sandal (5) and shirt (6). Task B: sandal vs shirt with only 200
training images. Model B is trained from scratch; model B-on-A reuses model A's hidden layers,
first frozen (the new output layer learns on top of A's features), then unfrozen. Both test
accuracies on task B are printed. The protocol is the book's notebook: SGD(1e-3) for every
phase, 4 frozen + 16 unfrozen epochs against 20 from scratch. The notes advise a lower rate
after unfreezing (``--unfrozen-learning-rate``); with SGD(1e-3) the head is still far from
trained after the 28 frozen steps, and 1e-4 then leaves it there (measured: 33-96% instead of
98-99%), so the default keeps 1e-3.

    python examples/transfer_learning.py [--seed 42] [--epochs-a 20] [--epochs-b 20]

The notes' code runs unchanged with ``import trainlab as keras``::

    model_A = keras.models.load_model("my_model_A.h5")
    model_A_clone = keras.models.clone_model(model_A)
    model_A_clone.set_weights(model_A.get_weights())
    model_B_on_A = keras.models.Sequential(model_A.layers[:-1])
    model_B_on_A.add(keras.layers.Dense(1, activation="sigmoid"))

``model_B_on_A`` shares its hidden layers with ``model_A`` (training one changes the other): the
clone keeps an untouched copy of model A.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import trainlab as keras
from trainlab.datasets import fashion_mnist

SANDAL, SHIRT = 5, 6
VALIDATION_SIZE = 5000


def split_tasks(x, y):
    """(x_A, y_A) with labels 7, 8, 9 moved to 5, 6, 7; (x_B, y_B) with y_B = 1 for a shirt."""
    is_b = (y == SANDAL) | (y == SHIRT)
    y_a = y[~is_b].copy()
    y_a[y_a > SHIRT] -= 2
    y_b = (y[is_b] == SHIRT).astype("float32")
    return (x[~is_b], y_a), (x[is_b], y_b)


def load_tasks(n_train_b: int = 200):
    """Pixels scaled to [0, 1]; the first 5,000 training images are the validation set."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255
    x_valid, y_valid = x_train[:VALIDATION_SIZE], y_train[:VALIDATION_SIZE]
    x_train, y_train = x_train[VALIDATION_SIZE:], y_train[VALIDATION_SIZE:]
    train_a, train_b = split_tasks(x_train, y_train)
    valid_a, valid_b = split_tasks(x_valid, y_valid)
    test_a, test_b = split_tasks(x_test, y_test)
    train_b = (train_b[0][:n_train_b], train_b[1][:n_train_b])
    return {"A": (train_a, valid_a, test_a), "B": (train_b, valid_b, test_b)}


def hidden_layers():
    """The notes' network: Flatten, Dense 300-100-50-50-50 with SELU and LeCun initialization."""
    dense = dict(activation="selu", kernel_initializer="lecun_normal")
    return [keras.layers.Flatten(input_shape=[28, 28]), keras.layers.Dense(300, **dense),
            keras.layers.Dense(100, **dense), keras.layers.Dense(50, **dense), keras.layers.Dense(50, **dense),
            keras.layers.Dense(50, **dense)]


def binary_head_compile(model, learning_rate: float) -> None:
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  metrics=["accuracy"])


def train_model_a(task, epochs: int = 20, learning_rate: float = 1e-3, n_train: int | None = None, verbose: int = 0):
    """Model A on the 8 classes (``n_train`` images, all by default)."""
    (x_train, y_train), valid, _ = task
    model_a = keras.models.Sequential(hidden_layers() + [keras.layers.Dense(8, activation="softmax")])
    model_a.compile(loss="sparse_categorical_crossentropy",
                    optimizer=keras.optimizers.SGD(learning_rate=learning_rate), metrics=["accuracy"])
    model_a.fit(x_train[:n_train], y_train[:n_train], epochs=epochs, validation_data=valid, verbose=verbose)
    return model_a


def train_b_from_scratch(task, epochs: int = 20, learning_rate: float = 1e-3, verbose: int = 0):
    (x_train, y_train), valid, _ = task
    model_b = keras.models.Sequential(hidden_layers() + [keras.layers.Dense(1, activation="sigmoid")])
    binary_head_compile(model_b, learning_rate)
    model_b.fit(x_train, y_train, epochs=epochs, validation_data=valid, verbose=verbose)
    return model_b


def train_b_on_a(model_a_path, task, epochs: int = 20, frozen_epochs: int = 4, learning_rate: float = 1e-3,
                 unfrozen_learning_rate: float = 1e-3, verbose: int = 0):
    """The notes, line by line: load A, clone it (A stays untouched), reuse its hidden layers,
    train the new head with them frozen, then unfreeze and train everything."""
    if not 0 <= frozen_epochs <= epochs:
        raise ValueError(f"frozen_epochs must be in [0, epochs={epochs}]; got {frozen_epochs}")
    (x_train, y_train), valid, _ = task
    model_a = keras.models.load_model(model_a_path)
    model_a_clone = keras.models.clone_model(model_a)
    model_a_clone.set_weights(model_a.get_weights())
    model_b_on_a = keras.models.Sequential(model_a.layers[:-1])
    model_b_on_a.add(keras.layers.Dense(1, activation="sigmoid"))

    for layer in model_b_on_a.layers[:-1]:
        layer.trainable = False
    binary_head_compile(model_b_on_a, learning_rate)
    model_b_on_a.fit(x_train, y_train, epochs=frozen_epochs, validation_data=valid, verbose=verbose)
    for layer in model_b_on_a.layers[:-1]:
        layer.trainable = True
    binary_head_compile(model_b_on_a, unfrozen_learning_rate)
    model_b_on_a.fit(x_train, y_train, epochs=epochs - frozen_epochs, validation_data=valid, verbose=verbose)
    return model_b_on_a, model_a_clone


def accuracy_on_test_set(model, task) -> float:
    """Accuracy on the task's test set, counted directly (works for uncompiled models too)."""
    _, _, (x_test, y_test) = task
    output = model.predict(x_test, batch_size=1000)
    predicted = output.argmax(axis=1) if output.shape[1] > 1 else (output[:, 0] > 0.5)
    return float(np.mean(predicted == y_test))


def run(seed: int = 42, epochs_a: int = 20, epochs_b: int = 20, frozen_epochs: int = 4, n_train_a: int | None = None,
        unfrozen_learning_rate: float = 1e-3, workdir=None, verbose: int = 0) -> dict:
    """Train model A, model B from scratch and model B on A; returns the test accuracies."""
    keras.utils.set_random_seed(seed)
    tasks = load_tasks()
    model_a = train_model_a(tasks["A"], epochs=epochs_a, n_train=n_train_a, verbose=verbose)
    path = Path(workdir or tempfile.mkdtemp(prefix="trainlab-transfer-")) / "my_model_A.h5"
    model_a.save(path)
    model_b = train_b_from_scratch(tasks["B"], epochs=epochs_b, verbose=verbose)
    model_b_on_a, model_a_clone = train_b_on_a(path, tasks["B"], epochs=epochs_b, frozen_epochs=frozen_epochs,
                                               unfrozen_learning_rate=unfrozen_learning_rate, verbose=verbose)
    return {"model_A_test_accuracy": accuracy_on_test_set(model_a_clone, tasks["A"]),
            "B_from_scratch_test_accuracy": accuracy_on_test_set(model_b, tasks["B"]),
            "B_on_A_test_accuracy": accuracy_on_test_set(model_b_on_a, tasks["B"])}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs-a", type=int, default=20)
    parser.add_argument("--epochs-b", type=int, default=20)
    parser.add_argument("--frozen-epochs", type=int, default=4)
    parser.add_argument("--unfrozen-learning-rate", type=float, default=1e-3)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)
    results = run(seed=args.seed, epochs_a=args.epochs_a, epochs_b=args.epochs_b, frozen_epochs=args.frozen_epochs,
                  unfrozen_learning_rate=args.unfrozen_learning_rate, verbose=args.verbose)
    print(f"model A (8 classes), test accuracy:      {results['model_A_test_accuracy']:.4f}")
    print(f"model B from scratch, test accuracy:     {results['B_from_scratch_test_accuracy']:.4f}")
    print(f"model B on A (transfer), test accuracy:  {results['B_on_A_test_accuracy']:.4f}")
    error_scratch = 1 - results["B_from_scratch_test_accuracy"]
    error_transfer = 1 - results["B_on_A_test_accuracy"]
    if error_transfer > 0:
        print(f"error rate divided by {error_scratch / error_transfer:.1f}")


if __name__ == "__main__":
    main()
