"""Registry-wide float64 gradient checks: every layer, activation and loss, none can skip it."""
import numpy as np
import pytest

from trainlab import activations, layers, losses
from trainlab.testing import gradcheck
from tests.conformance.examples import activation_examples, away_from_kinks, layer_example

TOLERANCE = 1e-6


@pytest.mark.parametrize("cls", layers.registry.entries(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_layer_backward_matches_finite_differences(cls, training):
    layer, shape = layer_example(cls)
    x = away_from_kinks(np.random.default_rng(0).normal(size=shape))
    result = gradcheck.check_layer(layer, x, training=training)
    assert result.max_error < TOLERANCE, result.errors


@pytest.mark.parametrize("cls", activations.registry.entries(), ids=lambda c: c.__name__)
def test_activation_backward_matches_finite_differences(cls):
    z = away_from_kinks(np.random.default_rng(1).normal(scale=2.0, size=(6, 4)))
    for activation in activation_examples(cls):
        result = gradcheck.check_activation(activation, z)
        assert result.max_error < TOLERANCE, (activation, result.errors)


def _targets(loss, rng, shape):
    if getattr(loss, "sparse_labels", False):
        return rng.integers(0, shape[1], size=shape[0])
    if isinstance(loss, losses.CategoricalCrossentropy):
        return np.eye(shape[1])[rng.integers(0, shape[1], size=shape[0])]
    if isinstance(loss, losses.BinaryCrossentropy):
        return rng.integers(0, 2, size=shape).astype(float)
    return rng.normal(size=shape)


@pytest.mark.parametrize("cls", losses.registry.entries(), ids=lambda c: c.__name__)
def test_loss_gradient_matches_finite_differences(cls):
    rng = np.random.default_rng(2)
    loss = cls()
    y_true = _targets(loss, rng, (5, 4))
    y_pred = rng.uniform(0.05, 0.95, size=(5, 4))  # probabilities inside the clip range
    result = gradcheck.check_loss(loss, y_true, y_pred)
    assert result.max_error < TOLERANCE, result.errors


@pytest.mark.parametrize("cls", [c for c in losses.registry.entries() if c().fused_activation is not None],
                         ids=lambda c: c.__name__)
def test_from_logits_equals_fused_path(cls):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 4))
    y_true = _targets(cls(), rng, (5, 4))
    probabilities = cls.fused_activation().forward(logits)
    assert cls(from_logits=True).value(y_true, logits) == pytest.approx(cls().value(y_true, probabilities), rel=1e-9)
