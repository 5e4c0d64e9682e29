"""Integration (real Fashion-MNIST): transfer learning as the notes write it beats training
model B from scratch on task B's test set, and unsupervised pretraining runs end to end.

Cost is kept down by training model A on 20,000 images for 2 epochs at SGD(1e-2) instead of
the book's full set for 20 epochs at 1e-3; model B and B-on-A follow the book's notebook
(SGD(1e-3), 4 frozen + 16 unfrozen epochs against 20). The single-seed result is noisy (the
notes warn that the book's showcase is a selected run), so the claim is tested on the mean
over five fixed seeds of the B phase: measured 0.9910 (B on A) vs 0.9833 (from scratch),
B on A ahead on 4 of the 5 seeds.
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import trainlab as keras

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.integration


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tasks():
    from trainlab.datasets import _locate

    try:
        _locate.locate("fashion-mnist", download=False)
    except FileNotFoundError as error:
        pytest.skip(f"Fashion-MNIST is not available offline: {error}")
    return load_example("transfer_learning").load_tasks()


def test_b_on_a_beats_b_from_scratch(tasks, tmp_path):
    example = load_example("transfer_learning")
    keras.utils.set_random_seed(0)
    model_a = example.train_model_a(tasks["A"], epochs=2, learning_rate=1e-2, n_train=20000)
    model_a.save(tmp_path / "my_model_A.h5")
    a_weights = model_a.get_weights()
    assert example.accuracy_on_test_set(model_a, tasks["A"]) > 0.85

    train_b, _, test_b = tasks["B"]
    task_b = (train_b, None, test_b)  # no per-epoch validation: only the test accuracy is compared
    scratch, transfer = [], []
    for seed in range(5):
        keras.utils.set_random_seed(seed)
        scratch.append(example.accuracy_on_test_set(example.train_b_from_scratch(task_b), task_b))
        keras.utils.set_random_seed(seed)
        model_b_on_a, model_a_clone = example.train_b_on_a(tmp_path / "my_model_A.h5", task_b)
        transfer.append(example.accuracy_on_test_set(model_b_on_a, task_b))
        for kept, original in zip(model_a_clone.get_weights(), a_weights):  # the clone protects model A
            np.testing.assert_array_equal(kept, original)
    print(f"B from scratch: {np.mean(scratch):.4f} {scratch}; B on A: {np.mean(transfer):.4f} {transfer}")
    assert np.mean(transfer) > np.mean(scratch)


def test_unsupervised_pretraining_runs():
    """Only that it runs and the autoencoder learned something: with 5 labels per class the
    pretrained classifier does not reliably beat the one from scratch (measured 0.76 vs 0.78)."""
    from trainlab.datasets import digits

    results = load_example("unsupervised_pretraining").run(autoencoder_epochs=10, classifier_epochs=6,
                                                           frozen_epochs=2)
    (_, _), (x_test, _) = digits.load_data()
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255
    mean_image_mse = float(np.mean((x_test - x_test.mean(axis=0)) ** 2))
    assert results["reconstruction_mse"] < mean_image_mse
    assert 0 <= results["pretrained_test_accuracy"] <= 1 and 0 <= results["scratch_test_accuracy"] <= 1
