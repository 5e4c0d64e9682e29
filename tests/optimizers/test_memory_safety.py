"""No public call can drive a kernel outside its arrays: mismatches are named ValueErrors.

Each case of issue 9 (a slot kept for a parameter whose shape changed, a gradient of the wrong
shape, one optimizer shared by two models whose layers share names but not widths, a loaded
state that no longer fits) on both kernel paths. Before these checks the compiled path wrote
out of bounds (segfault) and the NumPy path broadcast silently.
"""
import numpy as np
import pytest

import trainlab as keras
from trainlab import _jit, optimizers

PATHS = [pytest.param(False, id="numpy"),
         pytest.param(True, id="numba", marks=pytest.mark.skipif(not _jit.AVAILABLE, reason="numba not installed"))]


@pytest.fixture(params=PATHS)
def kernel_path(request):
    with _jit.use_numba(request.param):
        yield request.param


ALL = [optimizers.SGD(momentum=0.9), optimizers.SGD(), optimizers.Adagrad(), optimizers.RMSprop(centered=True),
       optimizers.Adam(amsgrad=True), optimizers.AdamW(), optimizers.Adamax(), optimizers.Nadam()]
FACTORIES = [lambda o=o: optimizers.deserialize(optimizers.serialize(o)) for o in ALL]
IDS = ["sgd-momentum", "sgd", "adagrad", "rmsprop", "adam", "adamw", "adamax", "nadam"]


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_a_parameter_that_changed_shape_under_the_same_key(kernel_path, factory):
    optimizer = factory()
    optimizer.update({"W": np.zeros(2)}, {"W": np.ones(2)})
    big = np.zeros(1000)
    if not optimizer.slots("W"):  # plain SGD keeps no state, so nothing can be out of date
        optimizer.update({"W": big}, {"W": np.ones(1000)})
        return
    with pytest.raises(ValueError, match=r"slot '\w+' of 'W' has shape \(2,\) but the parameter now has shape "
                                         r"\(1000,\).*Create a new optimizer"):
        optimizer.update({"W": big}, {"W": np.ones(1000)})
    assert not big.any() and optimizer.iterations == 1


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_a_gradient_of_another_shape_is_never_broadcast(kernel_path, factory):
    optimizer = factory()
    params = {"dense/kernel": np.ones((100, 10)), "dense/bias": np.ones(10)}
    with pytest.raises(ValueError, match=r"gradient for 'dense/kernel' has shape \(10,\) but the parameter has shape "
                                         r"\(100, 10\); gradients are never broadcast"):
        optimizer.update(params, {"dense/kernel": np.ones(10), "dense/bias": np.ones(10)})
    assert (params["dense/kernel"] == 1).all() and (params["dense/bias"] == 1).all() and optimizer.iterations == 0


def test_apply_gradients_names_the_position_and_both_shapes(kernel_path):
    optimizer = optimizers.Adam()
    w, b = np.ones((3, 2)), np.ones(2)
    optimizer.apply_gradients([(np.ones((3, 2)), w), (np.ones(2), b)])
    with pytest.raises(ValueError, match=r"gradient for 'variable_0' has shape \(2, 3\) but the parameter has shape "
                                         r"\(3, 2\)"):
        optimizer.apply_gradients([(np.ones((2, 3)), w), (np.ones(2), b)])
    with pytest.raises(ValueError, match=r"slot 'first_moment' of 'variable_1' has shape \(2,\) but the parameter now "
                                         r"has shape \(5,\)"):
        optimizer.apply_gradients([(np.ones((3, 2)), w), (np.ones(5), np.ones(5))])


def _model(width, name):
    return keras.Sequential([keras.layers.Dense(width, activation="relu", input_shape=[4], name=f"{name}_hidden"),
                             keras.layers.Dense(2, activation="softmax", name=f"{name}_out")])


def test_one_optimizer_in_two_models_whose_layers_share_names_but_not_widths(kernel_path):
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    x, y = np.ones((8, 4), "float32"), np.zeros(8, int)
    first, second = _model(3, "shared"), _model(50, "shared")
    first.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    first.fit(x, y, epochs=1, verbose=0)
    second.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in second.get_weights()]
    with pytest.raises(ValueError, match=r"slot 'velocity' of 'shared_hidden/kernel' has shape \(4, 3\) but the "
                                         r"parameter now has shape \(4, 50\)"):
        second.fit(x, y, epochs=1, verbose=0)
    for old, new in zip(before, second.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_one_optimizer_in_two_models_with_other_names_trains_both(kernel_path):
    optimizer = optimizers.Adam()
    x, y = np.ones((8, 4), "float32"), np.zeros(8, int)
    for model in (_model(3, "a"), _model(50, "b")):
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, verbose=0)
    assert {key.split("/")[0] for key in optimizer.get_state() if "/" in key} >= {"a_hidden", "b_hidden"}


def test_a_state_set_for_other_shapes_is_refused_at_the_next_fit(kernel_path):
    # Loading checks slots against the weights (saving/); set_state alone cannot, and the step must.
    model = _model(3, "m")
    model.compile(optimizer="nadam", loss="sparse_categorical_crossentropy")
    x, y = np.ones((8, 4), "float32"), np.zeros(8, int)
    model.fit(x, y, epochs=1, verbose=0)
    state = model.optimizer.get_state()
    state["m_hidden/kernel/first_moment"] = np.zeros((40, 3), "float32")
    model.optimizer.set_state(state)
    with pytest.raises(ValueError, match=r"slot 'first_moment' of 'm_hidden/kernel' has shape \(40, 3\) but the "
                                         r"parameter now has shape \(4, 3\)"):
        model.fit(x, y, epochs=1, verbose=0)


def test_a_slot_of_a_non_floating_dtype_is_refused():
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match=r"slot 'w/first_moment' has dtype int64; slots are floating point"):
        optimizer.set_state({"iterations": np.int64(1), "w/first_moment": np.zeros(3, np.int64),
                             "w/second_moment": np.zeros(3)})


@pytest.mark.parametrize("iterations", [np.int64(-5), np.float64(2.0), np.array([1, 2])])
def test_iterations_must_be_a_non_negative_integer(iterations):
    with pytest.raises(ValueError, match="'iterations' must be a non-negative integer"):
        optimizers.SGD().set_state({"iterations": iterations})
