"""TerminateOnNaN: without it a diverging fit raises; with it training stops at the bad batch
and the weights keep the values of the last finite step."""
import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import LambdaCallback, TerminateOnNaN

pytestmark = pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")


def diverging_setup():
    """A regression whose learning rate is far too high: the loss overflows within a few steps."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(64, 4)) * 10).astype("float32")
    y = (x.sum(axis=1, keepdims=True) * 100).astype("float32")
    model = keras.Sequential([keras.layers.Dense(8, input_shape=[4]), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    return model, x, y


def test_without_it_fit_raises_a_helpful_floating_point_error():
    model, x, y = diverging_setup()
    with pytest.raises(FloatingPointError, match=r"loss became (inf|nan).*Lower the learning rate.*TerminateOnNaN"):
        model.fit(x, y, epochs=5, batch_size=8, verbose=0)


def test_with_it_training_stops_at_the_bad_batch_without_applying_it(capsys):
    model, x, y = diverging_setup()
    before_batch = {}
    record = LambdaCallback(on_train_batch_begin=lambda batch, logs: before_batch.update(
        batch=batch, weights=model.get_weights()))
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, shuffle=False,
                        callbacks=[record, TerminateOnNaN()])
    bad = before_batch["batch"]
    assert f"Batch {bad}: Invalid loss, terminating training" in capsys.readouterr().out
    assert model.stop_training and len(history.epoch) == 1 and not np.isfinite(history.history["loss"][0])
    assert model.optimizer.iterations == bad  # the bad batch's update was skipped
    for now, then in zip(model.get_weights(), before_batch["weights"]):
        assert np.isfinite(now).all()
        np.testing.assert_array_equal(now, then)


def test_finite_losses_do_not_stop_training():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=[2])])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(history.epoch) == 3


def test_it_declares_the_clean_stop_to_the_fit_loop():
    assert TerminateOnNaN.stops_on_nan is True
