"""The notes' reference network on real data (CI installs Fashion-MNIST), and the digits default."""
from pathlib import Path

import numpy as np
import pytest

import trainlab as keras
from trainlab import datasets
from trainlab.cli import train as train_command

FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.integration
@pytest.mark.skipif(not FASHION.exists(), reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
def test_reference_network_on_fashion_mnist():
    (x_train_full, y_train_full), (x_test, y_test) = datasets.fashion_mnist.load_data()
    x_train_full, x_test = train_command.scale_pixels(x_train_full), train_command.scale_pixels(x_test)
    x_valid, x_train = x_train_full[:5000], x_train_full[5000:]
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    keras.utils.set_random_seed(42)
    model = keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=5, validation_data=(x_valid, y_valid), verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.86
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.85


def test_digits_default_run_reaches_95_percent(tmp_path):
    config = train_command.TrainConfig(epochs=10, out=str(tmp_path))
    results = train_command.run(config, verbose=0)
    assert results["test"]["accuracy"] >= 0.95
    assert {p.name for p in tmp_path.iterdir()} == {"history.json", "learning_curves.png", "model.zip"}
    loaded = keras.models.load_model(tmp_path / "model.zip")
    assert loaded.count_params() == 64 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10
