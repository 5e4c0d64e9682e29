"""The fused kernels: compiled and NumPy paths agree, stay in bounds, and store no subnormals."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import _jit, optimizers
from trainlab.optimizers import _kernels
from trainlab.optimizers.adagrad import adagrad_loop, adagrad_numpy
from trainlab.optimizers.adam import adam_loop, adam_numpy
from trainlab.optimizers.adamax import adamax_loop, adamax_numpy
from trainlab.optimizers.nadam import nadam_loop, nadam_numpy
from trainlab.optimizers.rmsprop import rmsprop_loop, rmsprop_numpy
from trainlab.optimizers.sgd import sgd_loop, sgd_numpy

needs_numba = pytest.mark.skipif(not _jit.AVAILABLE, reason="numba not installed")
PATHS = [pytest.param(False, id="numpy"), pytest.param(True, id="numba", marks=needs_numba)]

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
CASE_IDS = [f"{n}-{i}" for n, opts in CONFIGS.items() for i in range(len(opts))]

# Each rule's loop, fallback, slot names and scalars: enough to call the kernels directly.
RULES = {
    "sgd": (sgd_loop, sgd_numpy, ("velocity",), dict(learning_rate=0.1, momentum=0.9, nesterov=False)),
    "adagrad": (adagrad_loop, adagrad_numpy, ("accumulator",), dict(learning_rate=0.1, epsilon=1e-7)),
    "rmsprop": (rmsprop_loop, rmsprop_numpy, ("mean_square", "mean_gradient", "velocity"),
                dict(learning_rate=0.1, rho=0.9, one_minus_rho=0.1, momentum=0.5, epsilon=1e-7)),
    "adam": (adam_loop, adam_numpy, ("first_moment", "second_moment", "max_second_moment"),
             dict(alpha=0.1, one_minus_beta_1=0.1, one_minus_beta_2=0.001, epsilon=1e-7)),
    "adamax": (adamax_loop, adamax_numpy, ("first_moment", "infinity_norm"),
               dict(learning_rate=0.1, one_minus_beta_1=0.1, beta_2=0.999, bias_correction=0.1, epsilon=1e-7)),
    "nadam": (nadam_loop, nadam_numpy, ("first_moment", "second_moment"),
              dict(one_minus_beta_1=0.1, one_minus_beta_2=0.001, momentum_coefficient=0.09, gradient_coefficient=0.05,
                   epsilon=1e-7)),
}


def trajectory(name, kwargs, dtype, compiled):
    rng = np.random.default_rng(7)
    params = {"kernel": rng.normal(size=(31, 17)).astype(dtype), "bias": rng.normal(size=17).astype(dtype)}
    optimizer = getattr(optimizers, name)(**kwargs)
    with _jit.use_numba(compiled):
        for _ in range(5):
            grads = {key: rng.normal(size=value.shape).astype(dtype) for key, value in params.items()}
            optimizer.update(params, grads)
    return params, optimizer.get_state()


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
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


@needs_numba
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_the_compiled_path_is_taken_when_numba_is_present(name, kwargs):
    optimizer = getattr(optimizers, name)(**kwargs)
    loop = RULES[{"AdamW": "adam"}.get(name, name.lower())][0]
    loop._dispatcher = None  # forget earlier compilations in this process
    assert _jit.enabled()
    optimizer.update({"w": np.ones(4)}, {"w": np.ones(4)})
    assert loop.was_compiled


@needs_numba
def test_fit_runs_the_compiled_kernel():
    adam_loop._dispatcher = None
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=[4])])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.ones((8, 4), "float32"), np.zeros(8, int), epochs=1, verbose=0)
    assert adam_loop.was_compiled and adam_loop.compiled.signatures


def test_non_contiguous_parameter_uses_the_fallback_in_place():
    base = np.zeros((4, 6))
    view = base[:, ::2]  # not C-contiguous: must still be updated in place
    optimizer = optimizers.Adam(learning_rate=0.1)
    optimizer.update({"w": view}, {"w": np.ones((4, 3))})
    np.testing.assert_allclose(base[:, ::2], -0.1, rtol=1e-5)
    assert not base[:, 1::2].any()


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite(compiled, dtype):
    with _jit.use_numba(compiled):
        finite = [np.full(5, np.finfo(dtype).max, dtype), np.zeros((3, 2), dtype)]  # a sum would overflow
        assert _kernels.finite(finite)
        for bad in (np.nan, np.inf, -np.inf):
            broken = np.zeros((3, 2), dtype)
            broken[2, 1] = bad
            assert not _kernels.finite([*finite, broken])


def _call(rule, size, grad_size, slot_sizes, dtype=np.float64, check=False, compiled=True):
    loop, fallback, names, scalars = RULES[rule]
    param = np.ones(size, dtype)
    grad = np.full(grad_size, 0.5, dtype)
    slots = {name: np.full(slot_sizes.get(name, size), 0.25, dtype) for name in names}
    with _jit.use_numba(compiled):
        return _kernels.run(loop, fallback, param, grad, slots, scalars, check=check), param, slots


@needs_numba
@pytest.mark.parametrize("rule", RULES)
def test_compiled_loops_refuse_mismatched_sizes_before_writing(rule):
    loop, _, names, scalars = RULES[rule]
    for bad in ["grad", *names]:
        param, grad = np.ones(10), np.full(10, 0.5)
        arrays = {name: np.full(10, 0.25) for name in names}
        if bad == "grad":
            grad = np.full(7, 0.5)
        else:
            arrays[bad] = np.full(3, 0.25)  # neither the parameter's size nor empty
        code = loop.compiled(param=param, grad=grad, **arrays, **{k: (v if isinstance(v, bool) else np.float64(v))
                                                                  for k, v in scalars.items()},
                             decay=np.float64(0), tiny=np.float64(1e-300), check=False)
        assert code == _kernels.SIZE_MISMATCH
        assert (param == 1).all() and all((a == 0.25).all() for a in arrays.values())


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("rule", RULES)
def test_run_raises_on_a_size_mismatch_on_both_paths(rule, compiled):
    with pytest.raises(ValueError, match=r"mismatched arrays: parameter \(10,\), gradient \(7,\).*every array must "
                                         r"have the parameter's shape"):
        _call(rule, 10, 7, {}, compiled=compiled)


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("rule", RULES)
def test_check_refuses_a_non_finite_gradient_before_writing(rule, compiled):
    loop, fallback, names, scalars = RULES[rule]
    param, grad = np.ones(6), np.full(6, 0.5)
    grad[4] = np.nan
    slots = {name: np.full(6, 0.25) for name in names}
    with _jit.use_numba(compiled):
        assert not _kernels.run(loop, fallback, param, grad, slots, scalars, decay=0.1, check=True)
    assert (param == 1).all() and all((s == 0.25).all() for s in slots.values())


# -- subnormal optimizer state -------------------------------------------------------------------
SUBNORMAL_CASES = [("SGD", dict(momentum=0.9)), ("SGD", dict(momentum=0.9, nesterov=True)),
                   ("RMSprop", dict(momentum=0.5, centered=True)), ("Adam", dict()), ("Adam", dict(amsgrad=True)),
                   ("Adamax", dict()), ("Nadam", dict()), ("Adagrad", dict(initial_accumulator_value=0.0))]


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", SUBNORMAL_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SUBNORMAL_CASES)])
def test_no_slot_ever_stores_a_subnormal(name, kwargs, dtype, compiled):
    """A tiny gradient, then zeros: the slots decay geometrically through the subnormal range.

    Without the flush (the old kernels, or PyTorch), the decay passes through subnormal values
    for dozens of steps; with it, every stored value is 0 or at least the smallest normal.
    """
    tiny = np.finfo(dtype).tiny
    optimizer = getattr(optimizers, name)(**kwargs)
    params = {"w": np.zeros(5, dtype)}
    first = np.array([1e3, -1e3, 1.0, 1e-3, 0.0], dtype) * np.sqrt(tiny)  # g² lands near the subnormal range
    reached_zero = set()
    with _jit.use_numba(compiled):
        for step in range(700 if dtype == np.float32 else 4000):
            optimizer.update(params, {"w": first if step == 0 else np.zeros(5, dtype)})
            for key, value in optimizer.get_state().items():
                if "/" in key and not key.startswith("_"):
                    magnitude = np.abs(value)
                    assert not ((magnitude > 0) & (magnitude < tiny)).any(), f"subnormal in {key} at step {step}"
                    if not value.any():
                        reached_zero.add(key)
    decaying = {k for k in optimizer.get_state() if k.endswith(("velocity", "first_moment", "mean_gradient"))}
    assert decaying <= reached_zero  # the decay really went through the range the flush guards


@pytest.mark.parametrize("compiled", PATHS)
def test_flush_keeps_the_paths_bit_identical_in_float64(compiled):
    params = {"w": np.zeros(3)}
    optimizer = optimizers.Adam()
    with _jit.use_numba(compiled):
        optimizer.update(params, {"w": np.array([1e-160, -1e-155, 2.0])})
        for _ in range(5):
            optimizer.update(params, {"w": np.zeros(3)})
    state = optimizer.get_state()
    assert state["w/second_moment"][0] == 0.0 and state["w/second_moment"][1] == 0.0  # g² ≈ 1e-310 was flushed
    assert np.signbit(state["w/second_moment"][:2]).sum() == 0  # +0, as x − x gives on both paths
