"""The learning-rate range test: schedule of rates, smoothing, divergence stop, restoration."""
import argparse

import numpy as np
import pytest

import trainlab as keras
from trainlab import lr_finder


def model_and_data(optimizer=None):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.layers.Dense(16, input_shape=[4]), keras.layers.RReLU(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    return model, x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)


def test_rates_grow_exponentially_and_divergence_stops_the_test():
    model, x, y = model_and_data()
    result = lr_finder.find_learning_rate(model, x, y, min_lr=1e-4, max_lr=1e4, steps=80, seed=0)
    full = 1e-4 * (1e8) ** (np.arange(80) / 79)
    n = len(result.learning_rates)
    np.testing.assert_allclose(result.learning_rates, full[:n])
    assert n < 80 and result.stop_reason.startswith("stopped at step")
    assert result.rule == "steepest descent of the smoothed loss"
    assert 1e-4 <= result.suggested_learning_rate <= result.learning_rates[np.argmin(result.smoothed_losses)]


def test_smoothing_is_a_bias_corrected_moving_average():
    smoothed = lr_finder.smooth(np.array([2.0, 4.0, 1.0]), 0.5)
    # a = 1, 2.5, 1.75; corrections 0.5, 0.75, 0.875
    np.testing.assert_allclose(smoothed, [2.0, 2.5 / 0.75, 1.75 / 0.875])


def test_minimum_rule():
    rates = np.array([1e-3, 1e-2, 1e-1, 1.0])
    assert lr_finder.suggest(rates, np.array([3.0, 2.0, 1.0, 5.0]), "minimum") == (0.01, "minimum of the smoothed "
                                                                                         "loss / 10")


def test_weights_rngs_and_optimizer_state_are_restored():
    model, x, y = model_and_data(keras.optimizers.Nadam(0.01))
    model.fit(x, y, epochs=1, verbose=0)
    before_weights = [w.copy() for layer in model.layers for w in layer.weights]
    before_state = {k: np.array(v, copy=True) for k, v in model.optimizer.get_state().items()}
    before_rng = model.layers[1].rng.bit_generator.state
    lr_finder.find_learning_rate(model, x, y, steps=30, max_lr=100.0)
    for a, b in zip(before_weights, [w for layer in model.layers for w in layer.weights]):
        np.testing.assert_array_equal(a, b)
    after_state = model.optimizer.get_state()
    assert after_state.keys() == before_state.keys()
    for key in before_state:
        np.testing.assert_array_equal(after_state[key], before_state[key])
    assert model.layers[1].rng.bit_generator.state == before_rng
    assert float(model.optimizer.learning_rate) == 0.01


def test_fresh_optimizer_keeps_no_slots():
    model, x, y = model_and_data()
    lr_finder.find_learning_rate(model, x, y, steps=10)
    assert model.optimizer.get_state().keys() == {"iterations", "_hyper/learning_rate", "_hyper/beta_1",
                                                  "_hyper/beta_2", "_hyper/epsilon"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_lr=1.0, max_lr=0.1), r"Need 0 < min_lr < max_lr"),
    (dict(steps=1), r"steps must be an integer >= 2"),
    (dict(smoothing=1.0), r"smoothing must be in \[0, 1\)"),
    (dict(divergence_factor=1.0), r"divergence_factor must be > 1"),
    (dict(rule="valley"), r"Unknown rule 'valley'"),
])
def test_bad_arguments(kwargs, message):
    model, x, y = model_and_data()
    with pytest.raises(ValueError, match=message):
        lr_finder.find_learning_rate(model, x, y, **kwargs)


def test_scheduled_optimizer_is_refused():
    model, x, y = model_and_data(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(ValueError, match="comes from a schedule"):
        lr_finder.find_learning_rate(model, x, y)


def test_plot_and_cli(tmp_path, capsys):
    model, x, y = model_and_data()
    result = lr_finder.find_learning_rate(model, x, y, steps=40)
    lr_finder.plot_lr_finder(result, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    from trainlab.cli import lr_find as lr_find_command

    parser = argparse.ArgumentParser()
    lr_find_command.register(parser.add_subparsers())
    args = parser.parse_args(["lr-find", "--data", "digits", "--hidden", "16", "--steps", "30",
                              "--out", str(tmp_path / "cli")])
    assert args.handler(args) == 0
    assert (tmp_path / "cli" / "lr_find.png").exists() and "suggested learning rate" in capsys.readouterr().out
