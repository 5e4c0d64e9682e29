"""Constraints: Keras' projection formulas, the max-norm projection property, and their place in
the training step (after every update, never at initialization)."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab import constraints, layers

EPS = 1e-7  # backend.epsilon()


def columns_with_norms(norms, rows=6, seed=0):
    w = np.random.default_rng(seed).normal(size=(rows, len(norms)))
    return w / np.linalg.norm(w, axis=0) * np.asarray(norms)


def test_max_norm_projection_property():
    r = 1.5
    w = columns_with_norms([0.1, 0.9, 1.4999, 1.6, 3.0, 40.0]).astype(np.float32)
    projected = constraints.max_norm(r)(w)
    norms = np.linalg.norm(projected.astype(np.float64), axis=0)
    assert projected.dtype == np.float32
    # ‖w‖·r/(ε + ‖w‖) < r, up to float32 rounding.
    assert np.all(norms <= r * (1 + 1e-6))
    original_norms = np.linalg.norm(w.astype(np.float64), axis=0)
    inside = original_norms <= r
    # Columns inside are unchanged but for Keras' factor ‖w‖/(ε + ‖w‖): a relative change of at
    # most ε/‖w‖ (1e-6 for the column of norm 0.1), plus float32 rounding.
    allowed = (EPS / original_norms[inside] + 2 * np.finfo(np.float32).eps) * np.abs(w[:, inside])
    assert np.all(np.abs(projected[:, inside] - w[:, inside]) <= allowed)
    np.testing.assert_allclose(norms[~inside], r, rtol=1e-6)
    cosine = (projected * w).sum(axis=0) / (np.linalg.norm(projected, axis=0) * np.linalg.norm(w, axis=0))
    np.testing.assert_allclose(cosine, 1, rtol=1e-6)  # directions are kept


def test_max_norm_matches_the_keras_formula_along_any_axis():
    w = np.random.default_rng(1).normal(scale=2.0, size=(4, 5))
    for axis in (0, 1, [0, 1]):
        norms = np.sqrt((w ** 2).sum(axis=tuple(np.atleast_1d(axis)), keepdims=True))
        expected = w * np.clip(norms, 0, 2.0) / (EPS + norms)
        np.testing.assert_allclose(constraints.MaxNorm(2.0, axis=axis)(w), expected, rtol=1e-15)


def test_non_neg_unit_norm_and_min_max_norm_closed_forms():
    w = np.random.default_rng(2).normal(scale=3.0, size=(3, 4))
    norms = np.linalg.norm(w, axis=0, keepdims=True)
    np.testing.assert_array_equal(constraints.non_neg()(w), np.where(w > 0, w, 0))
    np.testing.assert_allclose(constraints.unit_norm()(w), w / (EPS + norms), rtol=1e-15)
    desired = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(constraints.min_max_norm(1.0, 2.0, rate=0.5)(w), w * desired / (EPS + norms),
                               rtol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(constraints.min_max_norm(1.0, 2.0)(w), axis=0),
                               np.clip(norms[0], 1.0, 2.0), rtol=1e-6)


@pytest.mark.parametrize("factory,message", [
    (lambda: constraints.max_norm(0), "max_norm max_value must be a finite number > 0; got 0"),
    (lambda: constraints.max_norm(-1.0), "max_norm max_value must be a finite number > 0; got -1.0"),
    (lambda: constraints.min_max_norm(2.0, 1.0), r"needs 0 <= min_value <= max_value; got 2.0, 1.0"),
    (lambda: constraints.min_max_norm(rate=1.5), r"rate must be in \[0, 1\]; got 1.5"),
])
def test_bad_arguments_are_refused(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


@pytest.mark.parametrize("constraint", [constraints.max_norm(1.0, axis=[0, 1]), constraints.non_neg(),
                                        constraints.unit_norm(axis=1), constraints.min_max_norm(0.5, 2.0, 0.7)])
def test_json_round_trip(constraint):
    rebuilt = constraints.deserialize(json.loads(json.dumps(constraints.serialize(constraint))))
    w = np.random.default_rng(3).normal(size=(3, 4))
    assert rebuilt.get_config() == constraint.get_config()
    np.testing.assert_array_equal(rebuilt(w), constraint(w))


class KernelNorms(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.after_each_batch = []

    def on_train_batch_end(self, batch, logs=None):
        self.after_each_batch.append(np.linalg.norm(self.model.layers[0].params["kernel"], axis=0).max())


def test_training_applies_max_norm_after_every_update_but_not_at_initialization():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Input((10,)),
                              layers.Dense(8, activation="elu", kernel_initializer=keras.initializers.RandomNormal(
                                  0.0, 2.0), kernel_constraint=constraints.max_norm(1.0)),
                              layers.Dense(2, activation="softmax")])
    kernel = model.layers[0].params["kernel"]
    assert np.linalg.norm(kernel, axis=0).min() > 1.0  # not projected at initialization
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.5, momentum=0.9))
    x = np.random.default_rng(4).normal(size=(64, 10)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    before = kernel.copy()
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())
    recorder = KernelNorms()
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[recorder])
    assert len(recorder.after_each_batch) == 12 and max(recorder.after_each_batch) <= 1 + 1e-6
    # The first step projects the plain SGD update: w₁ = max_norm(w₀ − lr·g).
    reference.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.5))
    unconstrained = keras.Sequential([layers.Input((10,)), layers.Dense(8, activation="elu"),
                                      layers.Dense(2, activation="softmax")])
    unconstrained.set_weights(reference.get_weights())
    unconstrained.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.5))
    unconstrained.train_step(x[:16], y[:16])
    reference.train_step(x[:16], y[:16])
    step = unconstrained.layers[0].params["kernel"]
    assert not np.allclose(step, before)
    np.testing.assert_allclose(reference.layers[0].params["kernel"], constraints.max_norm(1.0)(step), rtol=1e-5)
