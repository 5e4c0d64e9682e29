"""The fused activation kernels: compiled and NumPy paths give the same bits, both agree with
independent references, the compiled path really runs, and no input can make a loop overrun."""
import math

import numpy as np
import pytest

import trainlab as keras
from trainlab import _jit, activations, layers
from trainlab.activations import exponentials, kernels

needs_numba = pytest.mark.skipif(not _jit.AVAILABLE, reason="numba not installed")
FUSED = {
    "relu": activations.relu,
    "relu, all options": activations.ReLU(negative_slope=0.1, max_value=1.5, threshold=0.2),
    "leaky_relu": activations.LeakyReLU(0.3),
    "elu": activations.ELU(0.7),
    "selu": activations.selu,
    "tanh": activations.tanh,
    "sigmoid": activations.sigmoid,
    "linear": activations.linear,
    "silu": activations.silu,
}


def ulps(got, want):
    spacing = np.spacing(np.abs(want).astype(np.float64))
    return np.abs(got - want) / np.maximum(spacing, np.finfo(np.float64).smallest_subnormal)


def test_expm1_is_within_1_2_ulp_of_libm_everywhere_below_zero():
    x = -np.concatenate([np.geomspace(1e-300, 1e-3, 2000), np.linspace(1e-3, 45.0, 200_001)])
    want = np.vectorize(math.expm1)(x)
    assert ulps(exponentials.expm1_nonpositive(x), want).max() <= 1.2
    assert exponentials.expm1_nonpositive(np.array([0.0]))[0] == 0.0


def test_exp_is_within_1_2_ulp_of_libm_down_to_the_subnormals():
    x = -np.concatenate([np.geomspace(1e-300, 1.0, 2000), np.linspace(1.0, 708.0, 200_001)])
    want = np.exp(x)  # libm for float64 on this path; checked against math.exp below
    np.testing.assert_array_equal(want[::1000], np.vectorize(math.exp)(x[::1000]))
    assert ulps(exponentials.exp_nonpositive(x), want).max() <= 1.2
    tail = exponentials.exp_nonpositive(np.array([-740.0, -800.0, -np.inf]))
    assert tail[0] == pytest.approx(math.exp(-740.0), rel=1e-6) and tail[1] == 0 and tail[2] == 0


def test_float32_expm1_is_within_2_ulp_and_stays_float32():
    x = -np.concatenate([np.geomspace(1e-30, 1e-3, 2000), np.linspace(1e-3, 30.0, 100_001)]).astype(np.float32)
    want = np.vectorize(math.expm1)(x.astype(np.float64)).astype(np.float32)  # correctly rounded
    got = exponentials.expm1_nonpositive_like(x)
    assert got.dtype == np.float32
    spacing = np.spacing(np.abs(want))
    assert (np.abs(got.astype(np.float64) - want) / spacing).max() <= 2.0
    np.testing.assert_array_equal(exponentials.expm1_nonpositive_like(x.astype(np.float64)),
                                  exponentials.expm1_nonpositive(x.astype(np.float64)))


def test_exponentials_propagate_nan_and_saturate_at_minus_infinity():
    values = exponentials.expm1_nonpositive(np.array([np.nan, -np.inf]))
    assert np.isnan(values[0]) and values[1] == -1.0
    assert np.isnan(exponentials.exp_nonpositive(np.array([np.nan])))[0]


def _data(dtype, shape=(7, 5), seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.normal(scale=3.0, size=shape)).astype(dtype)
    z.flat[:6] = [0.0, -0.0, 1.5, 0.2, -60.0, 60.0]  # the kinks, the cap and both saturations
    return z, rng.normal(size=shape[-1]).astype(dtype), rng.normal(size=shape).astype(dtype)


def _run_all(activation, z, bias, g):
    """Every hook once: forward, forward with bias, backward, backward with a bias gradient."""
    zb = z.copy()
    a = activation.forward(z.copy())
    a_biased = activation.forward_with_bias(zb, bias)
    bias_grad = np.full(z.shape[-1], np.nan, z.dtype)
    delta = activation.backward_with_bias(zb, a_biased, g, bias_grad)
    plain = activations.backward_of(activation, z.copy(), a, g)
    return a, zb, a_biased, delta, bias_grad, plain


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FUSED)
def test_compiled_and_numpy_paths_give_the_same_bits(name, dtype):
    z, bias, g = _data(dtype)
    with _jit.use_numba(True):
        compiled = _run_all(FUSED[name], z, bias, g)
    with _jit.use_numba(False):
        fallback = _run_all(FUSED[name], z, bias, g)
    for got, want in zip(compiled, fallback):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))


@needs_numba
@pytest.mark.parametrize("name", FUSED)
@np.errstate(invalid="ignore")
def test_nan_and_infinities_take_the_same_course_on_both_paths(name):
    z = np.array([[np.nan, np.inf, -np.inf, 1.0], [2.0, -np.inf, np.nan, -3.0]])
    g = np.array([[1.0, 2.0, np.inf, -1.0], [np.nan, 1.0, 1.0, 1.0]])
    results = []
    for on in (True, False):
        with _jit.use_numba(on):
            results.append(_run_all(FUSED[name], z, np.zeros(4), g))
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
@pytest.mark.parametrize("name", FUSED)
def test_both_paths_match_plain_formulas_with_bias(name, on):
    # Independent references: the definitions with NumPy's own exp/expm1/tanh in float64.
    z, bias, g = _data(np.float64)
    v = z + bias
    forward = {
        "relu": np.maximum(v, 0), "leaky_relu": np.where(v > 0, v, 0.3 * v),
        "relu, all options": np.where(v > 0.2, np.minimum(v, 1.5), 0.1 * (v - 0.2)),
        "elu": np.where(v > 0, v, 0.7 * np.expm1(v)), "linear": v,
        "selu": 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)),
        "tanh": np.tanh(v), "sigmoid": 1 / (1 + np.exp(-v)), "silu": v / (1 + np.exp(-v)),
    }[name]
    derivative = {
        "relu": (v > 0) * 1.0, "leaky_relu": np.where(v > 0, 1.0, 0.3),
        "relu, all options": np.where(v > 0.2, (v < 1.5) * 1.0, 0.1),
        "elu": np.where(v > 0, 1.0, 0.7 * np.exp(v)), "linear": np.ones_like(v),
        "selu": 1.0507009873554805 * np.where(v > 0, 1.0, 1.6732632423543772 * np.exp(v)),
        "tanh": 1 - np.tanh(v) ** 2, "sigmoid": np.exp(-v) / (1 + np.exp(-v)) ** 2,
        "silu": 1 / (1 + np.exp(-v)) + v * np.exp(-v) / (1 + np.exp(-v)) ** 2,
    }[name]
    with _jit.use_numba(on):
        _, zb, a, delta, bias_grad, _ = _run_all(FUSED[name], z, bias, g)
    np.testing.assert_array_equal(zb, v)
    np.testing.assert_allclose(a, forward, rtol=4e-16 * 8, atol=1e-300)
    # Derivatives from the output cancel where f saturates (a + α, 1 − a²): absolute, not relative, accuracy there.
    np.testing.assert_allclose(delta, g * derivative, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(bias_grad, (g * derivative).sum(axis=0), rtol=1e-13, atol=1e-14)


@needs_numba
def test_training_never_falls_back_when_numba_is_present(monkeypatch):
    import sys

    softmax_module = sys.modules["trainlab.activations.softmax"]

    def refuse(*args, **kwargs):
        raise AssertionError("the NumPy fallback ran although numba is present")

    for module, name in [(kernels, "_rectifier_forward_numpy"), (kernels, "_rectifier_backward_numpy"),
                         (kernels, "_exponential_forward_numpy"), (kernels, "_exponential_backward_numpy"),
                         (kernels, "_tanh_forward_numpy"), (kernels, "_tanh_backward_numpy"),
                         (kernels, "_silu_forward_numpy"), (kernels, "_silu_backward_numpy"),
                         (kernels, "_sum_rows_into"), (softmax_module, "_softmax_rows_numpy"),
                         (softmax_module, "_sparse_crossentropy_numpy")]:
        monkeypatch.setattr(module, name, refuse)
    with _jit.use_numba(True):
        model = keras.Sequential([layers.Input((4,)), layers.Dense(5, activation="elu"),
                                  layers.Dense(5, activation="relu"), layers.Dense(5, activation="tanh"),
                                  layers.Dense(5, activation="swish"),
                                  layers.Dense(3, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
        model.fit(np.ones((6, 4), "float32"), np.array([0, 1, 2, 0, 1, 2]), batch_size=3, epochs=1, verbose=0)


@needs_numba
def test_dense_training_takes_the_compiled_path():
    with _jit.use_numba(True):
        model = keras.Sequential([layers.Input((4,)), layers.Dense(3, activation="selu"),
                                  layers.Dense(2, activation="relu"), layers.Dense(2)])
        model.compile(loss="mse", optimizer="sgd")
        model.fit(np.ones((6, 4), "float32"), np.zeros((6, 2), "float32"), epochs=1, verbose=0)
    for loop in (kernels._exponential_forward_loop, kernels._exponential_backward_loop,
                 kernels._rectifier_forward_loop, kernels._rectifier_backward_loop, kernels._sum_rows_loop):
        assert loop.was_compiled, loop


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
def test_wrong_shapes_are_refused_before_any_loop_runs(on):
    z, bias, g = _data(np.float64)
    a = activations.selu.forward(z.copy())
    with _jit.use_numba(on):
        with pytest.raises(ValueError, match=r"The bias has shape \(4,\), but the data has 5 units on its last "
                                             r"axis; it must have shape \(5,\)"):
            activations.selu.forward_with_bias(z.copy(), bias[:4])
        with pytest.raises(ValueError, match=r"The gradient has shape \(7, 4\), but the activation's output has "
                                             r"shape \(7, 5\); they must be equal"):
            activations.selu.backward_with_bias(z, a, g[:, :4], None)
        with pytest.raises(ValueError, match=r"The bias gradient has shape \(500,\)"):
            activations.selu.backward_with_bias(z, a, g, np.zeros(500))
        with pytest.raises(ValueError, match=r"The bias gradient has shape \(2, 5\)"):
            kernels.sum_rows(g, np.zeros((2, 5)))
        with pytest.raises(ValueError, match=r"The bias has shape \(1,\)"):
            activations.linear.forward_with_bias(z.copy(), np.zeros(1))


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
def test_odd_layouts_give_the_contiguous_results(on):
    z, bias, g = _data(np.float64, shape=(6, 8))
    with _jit.use_numba(on):
        a = activations.elu.forward(z.copy())
        np.testing.assert_array_equal(activations.elu.forward(np.asfortranarray(z)), a)
        np.testing.assert_array_equal(activations.elu.forward(z.T.copy().T), a)
        # A bias gradient that is a view into a larger flat buffer, or a strided view.
        flat = np.zeros(20)
        expected = np.zeros(8)
        activations.elu.backward_with_bias(z, a, g, expected)
        activations.elu.backward_with_bias(z, a, g, flat[5:13])
        np.testing.assert_array_equal(flat[5:13], expected)
        assert not flat[:5].any() and not flat[13:].any()
        strided = np.zeros(16)
        activations.elu.backward_with_bias(z, a, np.asfortranarray(g), strided[::2])
        np.testing.assert_array_equal(strided[::2], expected)
        assert not strided[1::2].any()
        # Integer and 0-d inputs.
        np.testing.assert_array_equal(activations.relu.forward(np.array([-2, 3])), [0.0, 3.0])
        assert activations.sigmoid.forward(np.array(0.0)) == 0.5


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
def test_empty_batches(on):
    with _jit.use_numba(on):
        z = np.zeros((0, 3))
        assert activations.selu.forward(z).shape == (0, 3)
        bias_grad = np.full(3, 7.0)
        activations.selu.backward_with_bias(z, z, z, bias_grad)
        np.testing.assert_array_equal(bias_grad, 0.0)


# -- softmax and the fused sparse cross-entropy step --------------------------------------------------------
def _logits(dtype):
    z = np.random.default_rng(4).normal(scale=5.0, size=(6, 10)).astype(dtype)
    z[1, 3] = 900.0  # a dominant class: the others underflow
    z[2] = -700.0  # all equal and very negative
    return z


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_paths_give_the_same_bits_and_match_scipy(dtype):
    import scipy.special

    z, bias = _logits(dtype), np.linspace(-1, 1, 10).astype(dtype)
    results = []
    for on in (True, False):
        with _jit.use_numba(on):
            zb = z.copy()
            results.append((activations.softmax.forward(z.copy()), activations.softmax.forward_with_bias(zb, bias), zb))
    for got, want in zip(*results):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)
    expected = scipy.special.softmax((z + bias).astype(np.float64), axis=-1)  # the sum is stored in dtype
    np.testing.assert_allclose(results[0][1], expected, rtol=3e-15 if dtype == np.float64 else 2e-7, atol=1e-300)


@needs_numba
@np.errstate(invalid="ignore")
def test_softmax_nan_and_infinities_on_both_paths():
    z = np.array([[np.nan, 1.0, 2.0], [np.inf, 1.0, 0.0], [-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0]])
    with _jit.use_numba(True):
        compiled = activations.softmax.forward(z)
    with _jit.use_numba(False):
        fallback = activations.softmax.forward(z)
    np.testing.assert_array_equal(compiled, fallback)
    assert np.isnan(compiled[:3]).all() and compiled[3, 0] == 0 and np.isfinite(compiled[3]).all()


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_crossentropy_step_is_p_minus_onehot_over_n(on, dtype):
    from trainlab.activations.softmax import sparse_crossentropy_gradient

    p = activations.softmax.forward(_logits(dtype))
    labels = np.array([0, 3, 9, 1, 1, 5])
    with _jit.use_numba(on):
        grad, picked = sparse_crossentropy_gradient(p, labels)
    expected = p.astype(np.float64)
    expected[np.arange(6), labels] -= 1
    expected /= 6
    assert grad.dtype == dtype and picked.dtype == np.float64
    np.testing.assert_allclose(grad, expected, rtol=1e-15 if dtype == np.float64 else 6e-8, atol=1e-300)
    np.testing.assert_array_equal(picked, p[np.arange(6), labels])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_crossentropy_paths_give_the_same_bits(dtype):
    from trainlab.activations.softmax import sparse_crossentropy_gradient

    p = activations.softmax.forward(np.random.default_rng(5).normal(size=(23, 7)).astype(dtype))
    labels = np.random.default_rng(6).integers(0, 7, 23)
    results = []
    for on in (True, False):
        with _jit.use_numba(on):
            results.append(sparse_crossentropy_gradient(p, labels))
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("on", [True, False] if _jit.AVAILABLE else [False], ids=lambda on: f"numba={on}")
@pytest.mark.parametrize("labels, message", [
    ([0, 10], r"Sparse labels must be integers in \[0, 10\); got 10"),
    ([-1, 2], r"Sparse labels must be integers in \[0, 10\); got -1"),
    ([0, 1, 2], r"Sparse labels must have shape \(2,\) for 2 predictions; got \(3,\)"),
])
def test_sparse_crossentropy_refuses_labels_a_loop_would_overrun(on, labels, message):
    from trainlab.activations.softmax import sparse_crossentropy_gradient

    with _jit.use_numba(on):
        with pytest.raises(ValueError, match=message):
            sparse_crossentropy_gradient(np.full((2, 10), 0.1), np.array(labels))
