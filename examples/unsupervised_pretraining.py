"""Unsupervised pretraining (the notes, Hands-On ML ch. 11): few labels, many unlabeled images.

A Dense autoencoder learns to reconstruct *all* training images (MSE, no labels). Its encoder
layers are then reused under a softmax head trained on only a few labeled images: first with
the encoder frozen, then unfrozen with a lower learning rate (as in transfer learning). A
classifier of the same architecture trained from scratch on the same labels, for the same
number of epochs, is the baseline. Runs on the embedded 8x8 digits, offline, in seconds.

    python examples/unsupervised_pretraining.py [--labels-per-class 5] [--seed 0]
"""
from __future__ import annotations

import argparse

import numpy as np

import trainlab as keras
from trainlab.datasets import digits

N_CLASSES = 10


def encoder_layers():
    dense = dict(activation="selu", kernel_initializer="lecun_normal")
    return [keras.layers.Flatten(input_shape=[8, 8]), keras.layers.Dense(32, **dense),
            keras.layers.Dense(16, **dense)]


def few_labels(y, per_class: int, rng) -> np.ndarray:
    """Indices of ``per_class`` random samples of each class."""
    return np.concatenate([rng.choice(np.flatnonzero(y == label), size=per_class, replace=False)
                           for label in range(N_CLASSES)])


def classifier(layers, learning_rate: float):
    model = keras.models.Sequential(layers + [keras.layers.Dense(N_CLASSES, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9))
    return model


def run(seed: int = 0, labels_per_class: int = 5, autoencoder_epochs: int = 60, classifier_epochs: int = 60,
        frozen_epochs: int = 20, learning_rate: float = 0.01, verbose: int = 0) -> dict:
    """Returns the test accuracies of the pretrained and the from-scratch classifiers."""
    if not 0 <= frozen_epochs <= classifier_epochs:
        raise ValueError(f"frozen_epochs must be in [0, classifier_epochs={classifier_epochs}]; got {frozen_epochs}")
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255
    labeled = few_labels(y_train, labels_per_class, np.random.default_rng(seed))

    encoder = encoder_layers()
    decoder = [keras.layers.Dense(32, activation="selu", kernel_initializer="lecun_normal"),
               keras.layers.Dense(64, activation="sigmoid")]
    autoencoder = keras.models.Sequential(encoder + decoder)
    autoencoder.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9))
    # Every training image, no label: the target is the (flattened) image itself.
    autoencoder.fit(x_train, x_train.reshape(len(x_train), -1), epochs=autoencoder_epochs, verbose=verbose)

    pretrained = classifier(encoder, learning_rate)  # the encoder's layers, shared
    for layer in encoder:
        layer.trainable = False
    pretrained.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                       optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9))
    pretrained.fit(x_train[labeled], y_train[labeled], epochs=frozen_epochs, verbose=verbose)
    for layer in encoder:
        layer.trainable = True
    pretrained.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                       optimizer=keras.optimizers.SGD(learning_rate=learning_rate / 10, momentum=0.9))
    pretrained.fit(x_train[labeled], y_train[labeled], epochs=classifier_epochs - frozen_epochs, verbose=verbose)

    scratch = classifier(encoder_layers(), learning_rate)
    scratch.fit(x_train[labeled], y_train[labeled], epochs=classifier_epochs, verbose=verbose)
    return {
        "reconstruction_mse": autoencoder.evaluate(x_test, x_test.reshape(len(x_test), -1), verbose=0),
        "pretrained_test_accuracy": pretrained.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"],
        "scratch_test_accuracy": scratch.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labels-per-class", type=int, default=5)
    args = parser.parse_args(argv)
    results = run(seed=args.seed, labels_per_class=args.labels_per_class)
    print(f"autoencoder test reconstruction MSE:            {results['reconstruction_mse']:.4f}")
    print(f"classifier on the pretrained encoder, accuracy: {results['pretrained_test_accuracy']:.4f}")
    print(f"same classifier from scratch, accuracy:         {results['scratch_test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
