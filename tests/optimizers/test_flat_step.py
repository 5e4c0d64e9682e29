"""The flat step (one kernel call over a model's buffers) equals the per-tensor pipeline bit for bit.

The per-tensor pipeline (``optimizer.apply`` on dicts) is itself checked against hand-derived
sequences in test_update_rules.py; here every configuration of the flat path — clipping, weight
decay with exclusions, constraints, two dtypes, live switches — is run side by side with it on
the same gradients in float64, and the model-level moves that rebind layers' arrays (shared
layers, freezing, set_weights, a layer that rebinds its gradient) are replayed by hand.
"""
from types import SimpleNamespace

import numpy as np
import pytest

import trainlab as keras
from trainlab import _jit, constraints, optimizers
from trainlab.optimizers.flat import FlatLayout

PATHS = [pytest.param(False, id="numpy"),
         pytest.param(True, id="numba", marks=pytest.mark.skipif(not _jit.AVAILABLE, reason="numba not installed"))]


@pytest.fixture(params=PATHS)
def kernel_path(request):
    with _jit.use_numba(request.param):
        yield request.param


CONFIGS = [
    ("SGD", dict(learning_rate=0.1)), ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, clipvalue=0.3)), ("Adagrad", dict(clipnorm=0.5)),
    ("RMSprop", dict(momentum=0.5, centered=True, global_clipnorm=0.7)), ("Adam", dict(amsgrad=True)),
    ("AdamW", dict(weight_decay=0.1)), ("Adamax", dict(weight_decay=0.05, clipvalue=1.0)), ("Nadam", dict()),
    ("Adam", dict(learning_rate=optimizers.schedules.ExponentialDecay(0.01, 2, 0.5))),
]
SHAPES = {"a/kernel": (5, 4), "a/bias": (4,), "b/gamma": (4,), "b/kernel": (4, 3)}


def two_copies(dtypes=None):
    rng = np.random.default_rng(3)
    dtypes = dtypes or {}
    values = {path: rng.normal(size=shape).astype(dtypes.get(path, np.float64)) for path, shape in SHAPES.items()}
    owners = {path: SimpleNamespace(params={"w": value.copy()}, grads={"w": np.zeros_like(value)})
              for path, value in values.items()}
    layout = FlatLayout([(path, owners[path], "w") for path in SHAPES])
    return {path: value.copy() for path, value in values.items()}, layout


def step_both(reference_optimizer, flat_optimizer, params, layout, rng, scale=1.0, constraint_map=None):
    grads = {path: (rng.normal(size=p.shape) * scale).astype(p.dtype) for path, p in params.items()}
    reference_optimizer.apply(grads, params, constraint_map)
    for path, grad in grads.items():
        layout.grads[path][...] = grad
    flat_optimizer.apply_flat(layout, constraint_map and {p: c for p, c in constraint_map.items()})


def assert_same(params, layout, reference_optimizer, flat_optimizer):
    for path, value in params.items():
        np.testing.assert_array_equal(layout.params[path], value)
    reference_state, flat_state = reference_optimizer.get_state(), flat_optimizer.get_state()
    assert reference_state.keys() == flat_state.keys()
    for key, value in reference_state.items():
        np.testing.assert_array_equal(flat_state[key], value)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_flat_equals_per_tensor(kernel_path, name, kwargs):
    params, layout = two_copies()
    reference, flat = (optimizers.deserialize(optimizers.serialize(getattr(optimizers, name)(**kwargs)))
                       for _ in range(2))
    rng = np.random.default_rng(0)
    for step in range(4):
        step_both(reference, flat, params, layout, rng, scale=3.0 if step % 2 else 0.2)
    assert_same(params, layout, reference, flat)


def test_flat_equals_per_tensor_with_exclusions_constraints_two_dtypes_and_live_switches(kernel_path):
    params, layout = two_copies({"b/gamma": np.float32, "b/kernel": np.float32})
    assert len(layout.groups) == 2
    reference, flat = (optimizers.SGD(learning_rate=0.05, weight_decay=0.2) for _ in range(2))
    for optimizer in (reference, flat):
        optimizer.exclude_from_weight_decay(var_names=["gamma"])
    rng = np.random.default_rng(1)
    constraint_map = {"a/kernel": constraints.max_norm(0.5)}
    step_both(reference, flat, params, layout, rng, constraint_map=constraint_map)
    for optimizer in (reference, flat):
        optimizer.momentum = 0.9  # switched on mid-run: both create the velocity at zero
    for _ in range(3):
        step_both(reference, flat, params, layout, rng, constraint_map=constraint_map)
    assert_same(params, layout, reference, flat)
    assert np.linalg.norm(layout.params["a/kernel"], axis=0).max() <= 0.5 + 1e-12


def test_exclusion_by_array_identity_survives_the_rebinding_to_views(kernel_path):
    model = keras.Sequential([keras.layers.Dense(3, input_shape=[2])])
    bias = model.layers[0].params["bias"]
    optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[bias])
    model.compile(optimizer=optimizer, loss="mse")
    model.layers[0].params["bias"][...] = 1.0
    model.fit(np.zeros((4, 2), "float32"), np.ones((4, 3), "float32") * 1.0, epochs=1, batch_size=4, verbose=0)
    # zero inputs and targets equal to the bias: zero gradient, so only decay could move the bias
    np.testing.assert_array_equal(model.layers[0].params["bias"], 1.0)
    assert model.layers[0].params["bias"] is not bias  # it is a view of the model's buffer now


@pytest.mark.parametrize("name", ["SGD", "Adam", "Nadam", "RMSprop"])
def test_a_non_finite_gradient_changes_nothing(kernel_path, name):
    params, layout = two_copies()
    optimizer = getattr(optimizers, name)(**({"momentum": 0.9} if name in ("SGD", "RMSprop") else {}))
    rng = np.random.default_rng(2)
    step_both(getattr(optimizers, name)(), optimizer, params, layout, rng)
    before = {path: value.copy() for path, value in layout.params.items()}
    state = {key: np.array(value, copy=True) for key, value in optimizer.get_state().items()}
    layout.grads["b/kernel"][2, 1] = np.inf
    with pytest.raises(FloatingPointError, match=r"Non-finite gradient \(NaN or inf\) for b/kernel at step 1"):
        optimizer.apply_flat(layout)
    for path, value in before.items():
        np.testing.assert_array_equal(layout.params[path], value)
    for key, value in optimizer.get_state().items():
        np.testing.assert_array_equal(value, state[key])


# -- model-level moves, replayed by hand on the per-tensor pipeline ------------------------------------
def build(seed=0, dtype="float64"):
    keras.utils.set_random_seed(seed)
    hidden = keras.layers.Dense(6, activation="elu", input_shape=[4], dtype=dtype,
                                kernel_regularizer=keras.regularizers.l2(0.01))
    return hidden, keras.layers.Dense(3, dtype=dtype)


def manual_step(model, optimizer, x, y):
    """The old per-tensor train step: forward, MSE gradient, backward, l2, ``optimizer.apply``."""
    output = model.forward(x, training=True)
    model.backward(model.loss.gradient(y, output))
    params, grads = {}, {}
    for layer in model._layers:
        if layer.trainable:
            for name, value in layer.params.items():
                spec = layer.weight_specs[name]
                grad = layer.grads[name]
                if spec.regularizer is not None:
                    grad = grad + spec.regularizer.gradient(value)
                params[f"{layer.name}/{name}"], grads[f"{layer.name}/{name}"] = value, grad
    optimizer.apply(grads, params)


def test_shared_layers_freezing_and_set_weights_match_the_per_tensor_pipeline(kernel_path):
    rng = np.random.default_rng(4)
    x, y = (rng.normal(size=shape).astype(np.float32).astype(np.float64) for shape in ((16, 4), (16, 3)))  # fit casts to floatx

    def scenario(train):
        hidden, head = build()
        model_a = keras.Sequential([hidden, head])
        model_b = keras.Sequential([hidden, keras.layers.Dense(3, dtype="float64", name=f"head_b{id(train)}")])
        for model in (model_a, model_b):
            model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
        train(model_a, 2)
        train(model_b, 2)  # rebinds the shared layer to model B's buffers
        train(model_a, 2)  # model A's layout is stale: it must plan again, not update B's old buffer
        hidden.trainable = False
        train(model_a, 1)
        hidden.trainable = True
        model_a.set_weights([w * 0.5 for w in model_a.get_weights()])
        train(model_a, 2)
        return [w.copy() for w in model_a.get_weights() + model_b.get_weights()]

    def fit(model, steps):
        for _ in range(steps):
            model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)

    def by_hand(model, steps):
        for _ in range(steps):
            manual_step(model, model.optimizer, x, y)

    for flat, manual in zip(scenario(fit), scenario(by_hand)):
        np.testing.assert_array_equal(flat, manual)


def test_layers_hold_views_of_one_buffer_and_keep_them_across_fits_and_compiles():
    hidden, head = build(dtype="float32")
    model = keras.Sequential([hidden, head])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.ones((8, 4), "float32"), np.ones((8, 3), "float32")
    model.fit(x, y, epochs=1, verbose=0)
    kernel = hidden.params["kernel"]
    buffer = model._flat_layout.groups[0].params
    assert all(np.shares_memory(w, buffer) for layer in model.layers for w in layer.params.values())
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    before = kernel.copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert hidden.params["kernel"] is kernel and not np.array_equal(kernel, before)


class RebindingDense(keras.layers.Dense):
    """A custom layer that assigns a new gradient array instead of writing into its own."""

    def backward_from_preactivation(self, delta, need_input_grad=True):
        self.grads = {"kernel": self._inputs.T @ delta, "bias": delta.sum(axis=0)}
        return delta @ self.params["kernel"].T if need_input_grad else None


def test_a_layer_that_rebinds_its_gradients_still_trains_correctly(kernel_path):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(16, 4)), rng.normal(size=(16, 3))  # both runs use fit: its float32 cast is shared
    results = []
    for cls in (keras.layers.Dense, RebindingDense):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([cls(3, input_shape=[4], dtype="float64")])
        model.compile(optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for reference, rebinding in zip(*results):
        np.testing.assert_array_equal(reference, rebinding)
