"""Absolute values of every activation and its derivative, against independent computations.

References: closed forms written here, ``torch.nn.functional`` (forward) and ``torch.autograd``
(derivatives) in float64, ``scipy.special`` and ``math``. Inputs avoid the kinks (z = 0, the
threshold, the cap), where the one-sided derivatives differ by convention.
"""
import math

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

from trainlab import activations
from trainlab.activations import backward_of

Z = np.array([-30.0, -7.5, -2.0, -1.0, -0.3, -1e-3, 1e-3, 0.25, 0.7, 1.5, 3.0, 9.0, 40.0])

# name -> (trainlab activation, torch function of a float64 tensor)
TORCH_REFERENCES = {
    "relu": (activations.relu, F.relu),
    "relu slope, cap, threshold": (activations.ReLU(negative_slope=0.1, max_value=2.0, threshold=0.5),
                                   lambda z: torch.where(z > 0.5, torch.clamp(z, max=2.0), 0.1 * (z - 0.5))),
    "leaky_relu": (activations.leaky_relu, lambda z: F.leaky_relu(z, 0.2)),
    "leaky_relu slope 1.5": (activations.LeakyReLU(1.5), lambda z: torch.where(z > 0, z, 1.5 * z)),
    "elu": (activations.elu, F.elu),
    "elu alpha 0.5": (activations.ELU(0.5), lambda z: F.elu(z, alpha=0.5)),
    "selu": (activations.selu, F.selu),
    "sigmoid": (activations.sigmoid, torch.sigmoid),
    "tanh": (activations.tanh, torch.tanh),
    "silu": (activations.silu, F.silu),
    # torch's exact GELU is ½z(1 + erf(z/√2)), which cancels in the far left tail: Φ from erfc here.
    "gelu": (activations.gelu, lambda z: z * 0.5 * torch.special.erfc(-z / math.sqrt(2))),
    "gelu tanh": (activations.GELU(approximate=True), lambda z: F.gelu(z, approximate="tanh")),
    "mish": (activations.mish, F.mish),
    "linear": (activations.linear, lambda z: z),
}


@pytest.mark.parametrize("name", TORCH_REFERENCES)
def test_forward_matches_torch_in_float64(name):
    activation, reference = TORCH_REFERENCES[name]
    expected = reference(torch.from_numpy(Z.copy())).numpy()
    # Implementations of erfc deep in the tail (Φ(−30) ≈ 5e-198) agree to about 1e-13 only.
    rtol = 1e-12 if name == "gelu" else 2e-15
    np.testing.assert_allclose(activation.forward(Z.copy()), expected, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name", TORCH_REFERENCES)
def test_derivative_matches_torch_autograd(name):
    activation, reference = TORCH_REFERENCES[name]
    z = torch.from_numpy(Z.copy()).requires_grad_(True)
    g = np.linspace(-1.5, 2.0, Z.size)
    reference(z).backward(torch.from_numpy(g))
    a = activation.forward(Z.copy())
    got = backward_of(activation, Z.copy(), a, g)
    np.testing.assert_allclose(got, z.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "sigmoid", "tanh", "silu", "gelu", "mish", "leaky_relu"])
def test_float32_stays_float32_and_close_to_float64(name):
    activation = TORCH_REFERENCES[name][0]
    z32 = Z.astype(np.float32)
    a32 = activation.forward(z32.copy())
    assert a32.dtype == np.float32
    np.testing.assert_allclose(a32, activation.forward(z32.astype(np.float64)), rtol=3e-7, atol=1e-30)
    g32 = np.ones_like(z32)
    assert backward_of(activation, z32.copy(), a32, g32).dtype == np.float32


def test_closed_forms_at_chosen_points():
    # Each value by hand from the definitions (Keras 3 docs' examples for relu).
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    np.testing.assert_array_equal(activations.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(activations.relu(x, threshold=5.0), [0, 0, 0, 0, 10])
    np.testing.assert_array_equal(activations.leaky_relu(x), [-2, -1, 0, 5, 10])
    np.testing.assert_array_equal(activations.leaky_relu(x, negative_slope=0.1), [-1, -0.5, 0, 5, 10])
    assert activations.elu(np.array([-1.0]))[0] == pytest.approx(math.exp(-1) - 1, rel=1e-15)
    assert activations.elu(np.array([-1.0]), alpha=2.0)[0] == pytest.approx(2 * (math.exp(-1) - 1), rel=1e-15)
    # SELU's published constants (Klambauer et al. 2017), to the digits given there.
    selu_at_minus_one = activations.selu(np.array([-1.0]))[0]
    assert selu_at_minus_one == pytest.approx(1.0507009873554805 * 1.6732632423543772 * (math.exp(-1) - 1), rel=1e-15)
    assert activations.selu(np.array([2.0]))[0] == pytest.approx(2 * 1.0507009873554805, rel=1e-15)
    assert activations.silu(np.array([1.0]))[0] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-15)
    assert activations.gelu(np.array([1.0]))[0] == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))), rel=1e-15)
    assert activations.mish(np.array([1.0]))[0] == pytest.approx(math.tanh(math.log1p(math.e)), rel=1e-15)


def test_gelu_keeps_relative_accuracy_far_in_the_left_tail():
    # z·Φ(z) for z = −30, with Φ from the complementary error function (math.erfc: no cancellation).
    expected = -30.0 * 0.5 * math.erfc(30.0 / math.sqrt(2))
    assert activations.gelu(np.array([-30.0]))[0] == pytest.approx(expected, rel=1e-13)


def test_sigmoid_and_softmax_against_scipy():
    z = np.random.default_rng(0).normal(scale=4.0, size=(5, 7))
    np.testing.assert_allclose(activations.sigmoid(z), scipy.special.expit(z), rtol=1e-15)
    np.testing.assert_allclose(activations.softmax(z), scipy.special.softmax(z, axis=-1), rtol=1e-14)
    np.testing.assert_allclose(activations.softmax(z, axis=0), scipy.special.softmax(z, axis=0), rtol=1e-14)
    big = np.array([[1000.0, 0.0, -1000.0]])
    np.testing.assert_array_equal(activations.softmax(big), [[1.0, 0.0, 0.0]])


def test_softmax_backward_over_another_axis_matches_torch():
    z = np.random.default_rng(1).normal(size=(4, 3))
    g = np.random.default_rng(2).normal(size=(4, 3))
    softmax = activations.Softmax(axis=0)
    zt = torch.from_numpy(z.copy()).requires_grad_(True)
    torch.softmax(zt, dim=0).backward(torch.from_numpy(g))
    np.testing.assert_allclose(softmax.backward(softmax.forward(z), g), zt.grad.numpy(), rtol=1e-13, atol=1e-16)


@np.errstate(invalid="ignore")
def test_nan_propagates_through_every_activation():
    for name in activations.registry.names():
        activation = activations.get(name)
        assert np.isnan(activation.forward(np.array([[np.nan, 1.0]]))[0, 0]), name
