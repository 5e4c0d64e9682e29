"""Every optimizer against update sequences computed independently from its formula.

The references below are scalar, pure-Python transcriptions of the update rules in NUMERICS.md
(one coordinate at a time, ``math`` only); they never call trainlab. Each test runs the real
optimizer for three or more steps on a two-coordinate parameter with scripted gradients, through
both the compiled kernels and the NumPy fallback.
"""
import math

import numpy as np
import pytest

from trainlab import optimizers
from trainlab import _jit
from trainlab.optimizers import schedules

GRADIENTS = [[0.5, -1.0], [0.2, 0.3], [-0.4, 2.0], [1.5, -0.1]]
START = [1.0, -2.0]

kernel_paths = [pytest.param(False, id="numpy")]
if _jit.AVAILABLE:
    kernel_paths.append(pytest.param(True, id="numba"))


@pytest.fixture(params=kernel_paths)
def kernel_path(request):
    with _jit.use_numba(request.param):
        yield request.param


# -- independent scalar references ---------------------------------------------------------------
def reference_sgd(w, grads, rates, momentum=0.0, nesterov=False):
    v = 0.0
    for g, lr in zip(grads, rates):
        v = momentum * v - lr * g
        w = w + (momentum * v - lr * g if nesterov else v)
    return w


def reference_adagrad(w, grads, rates, initial=0.1, eps=1e-7):
    s = initial
    for g, lr in zip(grads, rates):
        s += g * g
        w -= lr * g / math.sqrt(s + eps)
    return w


def reference_rmsprop(w, grads, rates, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    s = a = b = 0.0
    for g, lr in zip(grads, rates):
        s = rho * s + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g
        denominator = s - a * a if centered else s
        step = lr * g / math.sqrt(denominator + eps)
        b = momentum * b + step
        w -= b if momentum else step
    return w


def reference_adam(w, grads, rates, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=0.0):
    m = v = v_max = 0.0
    for t, (g, lr) in enumerate(zip(grads, rates), start=1):
        w -= w * weight_decay * lr
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w -= alpha * m / (math.sqrt(v_max if amsgrad else v) + eps)
    return w


def reference_adamax(w, grads, rates, b1=0.9, b2=0.999, eps=1e-7):
    m = u = 0.0
    for t, (g, lr) in enumerate(zip(grads, rates), start=1):
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g))
        w -= lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def reference_nadam(w, grads, rates, b1=0.9, b2=0.999, eps=1e-7):
    m = v = 0.0
    product = 1.0
    for t, (g, lr) in enumerate(zip(grads, rates), start=1):
        mu_t = b1 * (1 - 0.5 * 0.96 ** t)
        mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product *= mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu_t) * g / (1 - product)
        v_hat = v / (1 - b2 ** t)
        w -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return w


CASES = [
    ("sgd", dict(learning_rate=0.1), reference_sgd, {}),
    ("sgd-momentum", dict(learning_rate=0.1, momentum=0.9), reference_sgd, dict(momentum=0.9)),
    ("sgd-nesterov", dict(learning_rate=0.1, momentum=0.9, nesterov=True), reference_sgd,
     dict(momentum=0.9, nesterov=True)),
    ("adagrad", dict(learning_rate=0.1), reference_adagrad, {}),
    ("adagrad-init", dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-3), reference_adagrad,
     dict(initial=0.5, eps=1e-3)),
    ("rmsprop", dict(learning_rate=0.01), reference_rmsprop, {}),
    ("rmsprop-centered-momentum", dict(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True),
     reference_rmsprop, dict(rho=0.8, momentum=0.5, centered=True)),
    ("adam", dict(learning_rate=0.01), reference_adam, {}),
    ("adam-amsgrad", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9, amsgrad=True), reference_adam,
     dict(b1=0.5, b2=0.9, amsgrad=True)),
    ("adamw", dict(learning_rate=0.01, weight_decay=0.1), reference_adam, dict(weight_decay=0.1)),
    ("adamax", dict(learning_rate=0.01, beta_1=0.8), reference_adamax, dict(b1=0.8)),
    ("nadam", dict(learning_rate=0.01), reference_nadam, {}),
    ("nadam-betas", dict(learning_rate=0.01, beta_1=0.5, beta_2=0.99, epsilon=1e-3), reference_nadam,
     dict(b1=0.5, b2=0.99, eps=1e-3)),
]
CLASSES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW",
           "adamax": "Adamax", "nadam": "Nadam"}


def make(case_id, kwargs):
    return getattr(optimizers, CLASSES[case_id.split("-")[0]])(**kwargs)


def run(optimizer, gradients, dtype=np.float64):
    params = {"w": np.array(START, dtype=dtype)}
    for grad in gradients:
        optimizer.update(params, {"w": np.array(grad, dtype=dtype)})
    return params["w"]


def expected(reference, gradients, rates, options):
    return [reference(START[i], [g[i] for g in gradients], rates, **options) for i in range(len(START))]


@pytest.mark.parametrize("case_id, kwargs, reference, options", CASES, ids=[c[0] for c in CASES])
def test_sequence_matches_formula(kernel_path, case_id, kwargs, reference, options):
    result = run(make(case_id, kwargs), GRADIENTS)
    want = expected(reference, GRADIENTS, [kwargs["learning_rate"]] * len(GRADIENTS), options)
    np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case_id, kwargs, reference, options", CASES, ids=[c[0] for c in CASES])
def test_sequence_float32_stays_float32(kernel_path, case_id, kwargs, reference, options):
    result = run(make(case_id, kwargs), GRADIENTS, np.float32)
    assert result.dtype == np.float32
    want = expected(reference, GRADIENTS, [kwargs["learning_rate"]] * len(GRADIENTS), options)
    np.testing.assert_allclose(result, want, rtol=2e-6, atol=1e-6)


def clip_by_norm(vector, threshold):
    norm = math.sqrt(sum(x * x for x in vector))
    return [x * threshold / max(norm, threshold) for x in vector]


@pytest.mark.parametrize("case_id, kwargs, reference, options", CASES, ids=[c[0] for c in CASES])
def test_sequence_with_clipnorm(kernel_path, case_id, kwargs, reference, options):
    big = [[10 * x for x in g] for g in GRADIENTS]
    result = run(make(case_id, {**kwargs, "clipnorm": 1.0}), big)
    clipped = [clip_by_norm(g, 1.0) for g in big]
    want = expected(reference, clipped, [kwargs["learning_rate"]] * len(big), options)
    np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case_id, kwargs, reference, options", CASES, ids=[c[0] for c in CASES])
def test_sequence_with_clipvalue(kernel_path, case_id, kwargs, reference, options):
    result = run(make(case_id, {**kwargs, "clipvalue": 0.35}), GRADIENTS)
    clipped = [[min(max(x, -0.35), 0.35) for x in g] for g in GRADIENTS]
    want = expected(reference, clipped, [kwargs["learning_rate"]] * len(GRADIENTS), options)
    np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case_id, kwargs, reference, options", CASES, ids=[c[0] for c in CASES])
def test_sequence_with_schedule(kernel_path, case_id, kwargs, reference, options):
    lr0 = kwargs["learning_rate"]
    schedule = schedules.ExponentialDecay(lr0, decay_steps=2, decay_rate=0.5)
    result = run(make(case_id, {**kwargs, "learning_rate": schedule}), GRADIENTS)
    rates = [lr0 * 0.5 ** (t / 2) for t in range(len(GRADIENTS))]  # the first update sees step 0
    np.testing.assert_allclose(result, expected(reference, GRADIENTS, rates, options), rtol=1e-12, atol=1e-15)


def test_global_clipnorm_scales_all_tensors_by_one_factor(kernel_path):
    optimizer = optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)
    params = {"a": np.zeros(1), "b": np.zeros(1)}
    optimizer.update(params, {"a": np.array([3.0]), "b": np.array([4.0])})  # global norm 5
    np.testing.assert_allclose([params["a"][0], params["b"][0]], [-0.6, -0.8], rtol=1e-12)


def test_sgd_momentum_hand_computed(kernel_path):
    # lr 0.1, β 0.9, g = 1: v = −0.1, −0.19, −0.271; w = 0.9, 0.71, 0.439.
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    params = {"w": np.array([1.0])}
    trajectory = []
    for _ in range(3):
        optimizer.update(params, {"w": np.array([1.0])})
        trajectory.append(params["w"][0])
    np.testing.assert_allclose(trajectory, [0.9, 0.71, 0.439], rtol=1e-12)


def test_adam_first_step_is_the_learning_rate(kernel_path):
    # Bias correction makes the first step η·g/|g| (up to ε) whatever the gradient's scale.
    optimizer = optimizers.Adam(learning_rate=0.01)
    params = {"w": np.array([0.0, 0.0])}
    optimizer.update(params, {"w": np.array([250.0, -0.05])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01], rtol=1e-4)


def test_nadam_momentum_schedule_and_running_product():
    from trainlab.optimizers.nadam import momentum_at

    assert momentum_at(0.9, 1) == pytest.approx(0.9 * 0.52)
    assert momentum_at(0.9, 2) == pytest.approx(0.9 * (1 - 0.5 * 0.9216))
    assert momentum_at(0.9, 200) == pytest.approx(0.9, rel=1e-3)  # Keras 3: 0.96**t, not 0.96**(0.004 t)
    optimizer = optimizers.Nadam()
    params = {"w": np.zeros(2)}
    for _ in range(3):
        optimizer.update(params, {"w": np.ones(2)})
    assert optimizer.momentum_product == pytest.approx(0.468 * 0.48528 * 0.9 * (1 - 0.5 * 0.96 ** 3))
    assert float(optimizer.get_state()["_extra/momentum_product"]) == optimizer.momentum_product


def test_seed_clip_examples():
    grads = {"g": np.array([0.9, 100.0])}
    for option, want in (("clipvalue", [0.9, 1.0]), ("clipnorm", [0.00899964, 0.9999595])):
        optimizer = optimizers.SGD(learning_rate=1.0, **{option: 1.0})
        params = {"g": np.zeros(2)}
        optimizer.update(params, grads)
        np.testing.assert_allclose(-params["g"], want, rtol=1e-6)
    assert grads["g"].tolist() == [0.9, 100.0]  # the caller's gradient is untouched


def test_legacy_decay_is_power_scheduling():
    with pytest.warns(DeprecationWarning) as warned:
        optimizer = optimizers.SGD(lr=0.1, decay=0.5)
    messages = " ".join(str(w.message) for w in warned)
    assert "`lr` argument is deprecated" in messages and "`decay` argument is deprecated" in messages
    params = {"w": np.array([0.0])}
    for _ in range(3):
        optimizer.update(params, {"w": np.array([1.0])})
    assert params["w"][0] == pytest.approx(-(0.1 + 0.1 / 1.5 + 0.1 / 2.0))


def test_momentum_switched_on_mid_run_creates_the_velocity():
    optimizer = optimizers.SGD(learning_rate=0.1)
    params = {"w": np.array([0.0])}
    optimizer.update(params, {"w": np.array([1.0])})
    assert "velocity" not in optimizer.slots("w")
    optimizer.momentum = 0.5
    optimizer.update(params, {"w": np.array([1.0])})
    optimizer.update(params, {"w": np.array([1.0])})
    assert params["w"][0] == pytest.approx(-0.1 - 0.1 - (0.05 + 0.1))


def test_live_hyperparameters_are_read_every_step():
    optimizer = optimizers.Adam(learning_rate=0.1, beta_1=0.0, beta_2=0.0)
    params = {"w": np.array([0.0])}
    optimizer.update(params, {"w": np.array([2.0])})
    optimizer.beta_1 = 0.5
    optimizer.learning_rate = 0.01
    optimizer.update(params, {"w": np.array([2.0])})
    # step 2: m = 2 (β₁ only mixes equal gradients), α = 0.01·1/(1 − 0.25)
    assert params["w"][0] == pytest.approx(-0.1 - 0.01 / 0.75, rel=1e-6)
