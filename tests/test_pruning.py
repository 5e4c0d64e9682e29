"""Magnitude pruning: the Zhu & Gupta schedule, exact masks, pruned weights staying zero under
momentum, the sparsity report, resumed runs and bad arguments."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from trainlab.pruning import PolynomialSparsity, PruneLowMagnitude, magnitude_mask, sparsity


def test_schedule_is_the_cubic_of_zhu_and_gupta():
    schedule = PolynomialSparsity(0.8, end_step=100, initial_sparsity=0.1, begin_step=20, frequency=10)
    for step in (20, 30, 60, 95, 100):
        expected = 0.8 + (0.1 - 0.8) * (1 - (step - 20) / 80) ** 3
        assert schedule(step) == pytest.approx(expected, rel=1e-12)
    assert schedule(0) == pytest.approx(0.1) and schedule(500) == pytest.approx(0.8)
    pruning_steps = [t for t in range(0, 200) if schedule.should_prune(t)]
    assert pruning_steps == [20, 30, 40, 50, 60, 70, 80, 90, 100]
    uneven = PolynomialSparsity(0.5, end_step=25, frequency=10)
    assert [t for t in range(40) if uneven.should_prune(t)] == [0, 10, 20, 25]  # the end step always prunes
    one_shot = PolynomialSparsity(0.5, end_step=7, begin_step=7)
    assert one_shot(7) == 0.5 and [t for t in range(20) if one_shot.should_prune(t)] == [7]


def test_magnitude_mask_prunes_exactly_the_smallest_and_never_revives():
    w = np.array([[0.5, -0.1, 2.0], [-3.0, 0.05, 0.7]], dtype=np.float32)
    mask = magnitude_mask(w, 0.5)
    np.testing.assert_array_equal(mask, [[0, 0, 1], [1, 0, 1]])
    assert mask.dtype == np.float32
    # A previously pruned weight counts as the smallest even if it has since grown back.
    regrown = np.where(mask == 0, 10.0, w).astype(np.float32)
    np.testing.assert_array_equal(magnitude_mask(regrown, 2 / 3, mask), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(magnitude_mask(w, 0.0), np.ones_like(w))


def pruning_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([layers.Input((10,)), layers.Dense(32, activation="relu"),
                              layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  metrics=["accuracy"])
    return model


def data(n=256):
    x = np.random.default_rng(1).normal(size=(n, 10)).astype("float32")
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)


class ZeroWatcher(keras.callbacks.Callback):
    """After each batch (the pruning callback runs first), record the zeros of every kernel."""

    def __init__(self):
        super().__init__()
        self.zeros = []

    def on_train_batch_end(self, batch, logs=None):
        self.zeros.append({layer.name: layer.params["kernel"] == 0 for layer in self.model.layers})


def test_pruned_weights_stay_zero_under_momentum_and_reach_the_target():
    model, (x, y) = pruning_model(), data()
    pruner, watcher = PruneLowMagnitude(0.75, begin_step=0, end_step=40, frequency=8), ZeroWatcher()
    model.fit(x, y, batch_size=32, epochs=10, callbacks=[pruner, watcher], verbose=0)  # 80 steps
    report = sparsity(model)
    for layer in model.layers:
        size = layer.params["kernel"].size
        assert report["per_layer"][layer.name] == round(0.75 * size) / size
    assert report["total"] == pytest.approx(0.75, abs=0.01)
    assert np.all(model.layers[0].params["bias"] != 0)  # biases are left dense
    # Once pruned, a weight is zero after every later step ...
    for earlier, later in zip(watcher.zeros, watcher.zeros[1:]):
        assert all(np.all(later[name][earlier[name]]) for name in earlier)
    # ... although momentum keeps pushing it: its velocity is not zero.
    first = model.layers[0].name
    velocity = model.optimizer.slots(f"{first}/kernel")["velocity"]
    assert np.abs(velocity[watcher.zeros[-1][first]]).max() > 0
    assert model.evaluate(x, y, verbose=0)[1] > 0.8  # the pruned network still works


def test_sparsity_follows_the_schedule_between_pruning_steps():
    model, (x, y) = pruning_model(), data(n=64)
    pruner = PruneLowMagnitude(0.9, begin_step=2, end_step=10, frequency=4, initial_sparsity=0.2)
    seen = {}

    class Recorder(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen[self.model.optimizer.iterations] = sparsity(self.model)["per_layer"][self.model.layers[0].name]

    model.fit(x, y, batch_size=16, epochs=3, callbacks=[pruner, Recorder()], verbose=0, shuffle=False)
    size = model.layers[0].params["kernel"].size
    expected = {1: 0.0, 2: 0.2, 3: 0.2, 6: pruner.schedule(6), 9: pruner.schedule(6), 10: 0.9, 12: 0.9}
    for step, target in expected.items():
        assert seen[step] == round(target * size) / size, step


def test_sparsity_report_counts_exact_zeros_per_layer_and_in_total():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(2), layers.BatchNormalization(), layers.Dense(1)])
    model.layers[0].params["kernel"][...] = [[0.0, 1.0], [0.0, 0.0]]
    model.layers[2].params["kernel"][...] = [[2.0], [0.0]]
    first, bn, last = (layer.name for layer in model.layers)
    assert sparsity(model) == {"per_layer": {first: 0.75, last: 0.5}, "total": 4 / 6}
    assert sparsity(model, weights=("gamma",)) == {"per_layer": {bn: 0.0}, "total": 0.0}


def test_a_new_callback_on_a_resumed_run_keeps_the_pruned_zeros():
    model, (x, y) = pruning_model(), data(n=64)
    model.fit(x, y, batch_size=16, epochs=2, callbacks=[PruneLowMagnitude(0.5, end_step=4, frequency=2)],
              verbose=0)
    pruned = model.layers[1].params["kernel"] == 0
    model.fit(x, y, batch_size=16, epochs=2, callbacks=[PruneLowMagnitude(0.5, end_step=4, frequency=2)],
              verbose=0)
    assert np.all(model.layers[1].params["kernel"][pruned] == 0)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # without the callback, weights may revive
    assert np.any(model.layers[1].params["kernel"][pruned] != 0)


@pytest.mark.parametrize("kwargs,message", [
    ({"target_sparsity": 1.0}, r"target sparsity must be in \[0, 1\) .*got 1.0"),
    ({"target_sparsity": -0.2}, r"target sparsity must be in \[0, 1\)"),
    ({"target_sparsity": 0.5, "initial_sparsity": 0.6}, r"initial_sparsity must be in \[0, target sparsity 0.5\]"),
    ({"target_sparsity": 0.5, "begin_step": 10, "end_step": 5}, r"end_step .* must be an integer >= 10; got 5"),
    ({"target_sparsity": 0.5, "frequency": 0}, "frequency must be an integer >= 1; got 0"),
    ({"target_sparsity": 0.5, "begin_step": -1}, "begin_step must be an integer >= 0; got -1"),
    ({"target_sparsity": 0.5, "weights": "kernel"}, "weights must be a non-empty tuple of weight names"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PruneLowMagnitude(**kwargs)


def test_a_model_without_the_named_weights_is_refused_at_train_begin():
    model = keras.Sequential([layers.Input((3,)), layers.BatchNormalization()])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"found no trainable weights named \('kernel',\)"):
        model.fit(np.ones((4, 3)), np.ones((4, 3)), callbacks=[PruneLowMagnitude(0.5)], verbose=0)
