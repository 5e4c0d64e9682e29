"""The compiled kernels and the NumPy fallback give the same numbers."""
import numpy as np
import pytest

from trainlab import optimizers
from trainlab.optimizers import _kernels

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba not installed")

CONFIGS = {
    "SGD": [dict(learning_rate=0.1), dict(learning_rate=0.1, momentum=0.9),
            dict(learning_rate=0.1, momentum=0.9, nesterov=True)],
    "Adagrad": [dict(learning_rate=0.1)],
    "RMSprop": [dict(), dict(momentum=0.9, centered=True)],
    "Adam": [dict(), dict(amsgrad=True)],
    "AdamW": [dict()],
    "Adamax": [dict()],
    "Nadam": [dict()],
}
CASES = [(name, kwargs) for name, options in CONFIGS.items() for kwargs in options]


def trajectory(name, kwargs, dtype, compiled):
    rng = np.random.default_rng(7)
    params = {"kernel": rng.normal(size=(31, 17)).astype(dtype), "bias": rng.normal(size=17).astype(dtype)}
    optimizer = getattr(optimizers, name)(**kwargs)
    with _kernels.use_numba(compiled):
        for _ in range(5):
            grads = {key: rng.normal(size=value.shape).astype(dtype) for key, value in params.items()}
            optimizer.update(params, grads)
    return params, optimizer.get_state()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for n, opts in CONFIGS.items() for i in range(len(opts))])
def test_compiled_equals_fallback(name, kwargs, dtype):
    compiled_params, compiled_state = trajectory(name, kwargs, dtype, True)
    numpy_params, numpy_state = trajectory(name, kwargs, dtype, False)
    for key in compiled_params:
        assert compiled_params[key].dtype == dtype
        if dtype == np.float64:
            np.testing.assert_array_equal(compiled_params[key], numpy_params[key])
        else:
            np.testing.assert_allclose(compiled_params[key], numpy_params[key], rtol=1e-6, atol=1e-7)
    assert compiled_state.keys() == numpy_state.keys()
    for key in compiled_state:
        np.testing.assert_allclose(compiled_state[key], numpy_state[key], rtol=1e-6, atol=1e-7)


def test_non_contiguous_parameter_uses_the_fallback_in_place():
    base = np.zeros((4, 6))
    view = base[:, ::2]  # not C-contiguous: must still be updated in place
    optimizer = optimizers.Adam(learning_rate=0.1)
    optimizer.update({"w": view}, {"w": np.ones((4, 3))})
    np.testing.assert_allclose(base[:, ::2], -0.1, rtol=1e-5)
    assert not base[:, 1::2].any()


def test_use_numba_restores_the_previous_setting():
    before = _kernels._enabled
    with _kernels.use_numba(False):
        assert not _kernels._enabled
    assert _kernels._enabled == before


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite(compiled, dtype):
    with _kernels.use_numba(compiled):
        finite = [np.full(5, np.finfo(dtype).max, dtype), np.zeros((3, 2), dtype)]  # a sum would overflow
        assert _kernels.all_finite(finite)
        for bad in (np.nan, np.inf, -np.inf):
            broken = np.zeros((3, 2), dtype)
            broken[2, 1] = bad
            assert not _kernels.all_finite([*finite, broken])
