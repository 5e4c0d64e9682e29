"""Losses: absolute values against hand-computed numbers and torch, gradients against torch autograd.

Nothing here is computed by trainlab's own formulas: the expected values are written out by
hand (``math.log``) or computed by PyTorch (``torch.nn.functional`` and autograd) in float64,
using Keras 3's conventions where they differ from PyTorch's (ε = 1e-7 clipping of
probabilities, renormalized rows for the categorical cross-entropy, the mean over the last axis
for the binary one).
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from trainlab import losses

EPS = 1e-7


def value(loss, y, p):
    return loss.value(np.asarray(y, dtype=float) if not getattr(loss, "sparse_labels", False) else np.asarray(y),
                      np.asarray(p, dtype=float))


# -- forward values on probabilities (Keras 3's clipping) ---------------------------------------
def test_categorical_crossentropy_values():
    loss = losses.CategoricalCrossentropy()
    assert value(loss, [[0, 1, 0], [0, 0, 1]], [[0.2, 0.7, 0.1], [0.3, 0.3, 0.4]]) == pytest.approx(
        -(math.log(0.7) + math.log(0.4)) / 2, rel=1e-12)
    # rows are renormalized first (Keras divides by the row sum)
    assert value(loss, [[0, 1, 0]], [[1.0, 2.0, 1.0]]) == pytest.approx(-math.log(0.5), rel=1e-12)
    # a probability of 0 for the true class is clipped to ε; a 1 to 1 − ε
    assert value(loss, [[1, 0, 0]], [[0.0, 1.0, 0.0]]) == pytest.approx(-math.log(EPS), rel=1e-12)
    assert value(loss, [[0, 1, 0]], [[0.0, 1.0, 0.0]]) == pytest.approx(-math.log(1 - EPS), rel=1e-9)
    # soft targets: −Σ y log p
    assert value(loss, [[0.25, 0.75]], [[0.5, 0.5]]) == pytest.approx(-math.log(0.5), rel=1e-12)


def test_sparse_categorical_crossentropy_values():
    loss = losses.SparseCategoricalCrossentropy()
    assert value(loss, [1, 2], [[0.2, 0.7, 0.1], [0.3, 0.3, 0.4]]) == pytest.approx(
        -(math.log(0.7) + math.log(0.4)) / 2, rel=1e-12)
    assert value(loss, [0], [[0.0, 1.0]]) == pytest.approx(-math.log(EPS), rel=1e-12)
    assert value(loss, [1], [[2.0, 6.0]]) == pytest.approx(-math.log(0.75), rel=1e-12)


def test_binary_crossentropy_values():
    loss = losses.BinaryCrossentropy()
    expected = -((math.log(0.9) + math.log(0.8)) / 2 + (math.log(0.7) + math.log(0.6)) / 2) / 2
    assert value(loss, [[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.6]]) == pytest.approx(expected, rel=1e-12)
    assert value(loss, [[1.0]], [[0.0]]) == pytest.approx(-math.log(EPS), rel=1e-12)
    assert value(loss, [[0.0]], [[1.0]]) == pytest.approx(-math.log(EPS), rel=1e-6)
    # soft targets
    assert value(loss, [[0.3]], [[0.6]]) == pytest.approx(-(0.3 * math.log(0.6) + 0.7 * math.log(0.4)), rel=1e-12)


def test_mean_squared_error_values():
    loss = losses.MeanSquaredError()
    assert value(loss, [[1, 2], [3, 4]], [[1.5, 2], [2, 5]]) == pytest.approx(((0.25 + 0) / 2 + (1 + 1) / 2) / 2)
    assert value(loss, [[1.0]], [[1.0]]) == 0.0


# -- against torch: values and gradients -------------------------------------------------------
RNG = np.random.default_rng(7)
LOGITS = RNG.normal(scale=3.0, size=(6, 4))
LABELS = RNG.integers(0, 4, size=6)
SOFT = RNG.dirichlet(np.ones(4), size=6)
BINARY = RNG.integers(0, 2, size=(6, 4)).astype(float)


def torch_value_and_grad(fn, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.backward()
    return out.item(), t.grad.numpy()


@pytest.mark.parametrize("targets", [np.eye(4)[LABELS], SOFT], ids=["one-hot", "soft"])
def test_categorical_crossentropy_from_logits_matches_torch(targets):
    loss = losses.CategoricalCrossentropy(from_logits=True)
    expected, expected_grad = torch_value_and_grad(
        lambda z: F.cross_entropy(z, torch.tensor(targets, dtype=torch.float64)), LOGITS)
    assert loss.value(targets, LOGITS) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(targets, LOGITS), expected_grad, rtol=1e-10, atol=1e-15)


def test_sparse_categorical_crossentropy_from_logits_matches_torch():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    expected, expected_grad = torch_value_and_grad(lambda z: F.cross_entropy(z, torch.tensor(LABELS)), LOGITS)
    assert loss.value(LABELS, LOGITS) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(LABELS, LOGITS), expected_grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("targets", [BINARY, RNG.uniform(size=(6, 4))], ids=["hard", "soft"])
def test_binary_crossentropy_from_logits_matches_torch(targets):
    loss = losses.BinaryCrossentropy(from_logits=True)
    # Keras: the mean over the last axis, then over the batch; with equal widths that is torch's mean
    expected, expected_grad = torch_value_and_grad(
        lambda z: F.binary_cross_entropy_with_logits(z, torch.tensor(targets, dtype=torch.float64)), LOGITS)
    assert loss.value(targets, LOGITS) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(targets, LOGITS), expected_grad, rtol=1e-10, atol=1e-15)


def test_from_logits_is_stable_for_huge_logits():
    logits = np.array([[1000.0, -1000.0, 0.0]])
    expected, _ = torch_value_and_grad(lambda z: F.cross_entropy(z, torch.tensor([1])), logits)
    assert losses.SparseCategoricalCrossentropy(from_logits=True).value(np.array([1]), logits) == pytest.approx(
        expected, rel=1e-12)  # 2000, not inf
    expected, _ = torch_value_and_grad(
        lambda z: F.binary_cross_entropy_with_logits(z, torch.tensor([[0.0, 1.0, 1.0]], dtype=torch.float64)),
        logits)
    assert losses.BinaryCrossentropy(from_logits=True).value(np.array([[0.0, 1.0, 1.0]]), logits) == pytest.approx(
        expected, rel=1e-12)


def keras_categorical_on_probabilities(y, p):
    """Keras 3's formula in torch: renormalize, clip to [ε, 1 − ε], −Σ y log p, batch mean."""
    p = p / p.sum(dim=-1, keepdim=True)
    return -(y * torch.log(torch.clamp(p, EPS, 1 - EPS))).sum(dim=-1).mean()


def test_categorical_crossentropy_gradient_on_probabilities_matches_torch():
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    y = np.eye(4)[LABELS]
    expected, expected_grad = torch_value_and_grad(
        lambda t: keras_categorical_on_probabilities(torch.tensor(y), t), p)
    loss = losses.CategoricalCrossentropy()
    assert loss.value(y, p) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y, p), expected_grad, rtol=1e-9, atol=1e-12)
    sparse = losses.SparseCategoricalCrossentropy()
    np.testing.assert_allclose(sparse.gradient(LABELS, p), expected_grad, rtol=1e-9, atol=1e-12)


def test_binary_crossentropy_and_mse_gradients_on_probabilities_match_torch():
    p = 1 / (1 + np.exp(-LOGITS))
    expected, expected_grad = torch_value_and_grad(
        lambda t: -(torch.tensor(BINARY) * torch.log(torch.clamp(t, EPS, 1 - EPS))
                    + (1 - torch.tensor(BINARY)) * torch.log(1 - torch.clamp(t, EPS, 1 - EPS))).mean(dim=-1).mean(), p)
    loss = losses.BinaryCrossentropy()
    assert loss.value(BINARY, p) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(BINARY, p), expected_grad, rtol=1e-9, atol=1e-12)
    target = RNG.normal(size=(6, 4))
    expected, expected_grad = torch_value_and_grad(lambda t: F.mse_loss(t, torch.tensor(target)), LOGITS)
    mse = losses.MeanSquaredError()
    assert mse.value(target, LOGITS) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(mse.gradient(target, LOGITS), expected_grad, rtol=1e-12)
