"""Each optimizer's declared state: which slots exist when, and what a valid saved state is."""
import numpy as np
import pytest

from trainlab import optimizers

# (optimizer, slot_names, optional_slot_names), written out by hand from each class's docstring.
DECLARED = [
    (optimizers.SGD(), (), ("velocity",)),
    (optimizers.SGD(momentum=0.9), ("velocity",), ()),
    (optimizers.Adagrad(), ("accumulator",), ()),
    (optimizers.RMSprop(), ("mean_square",), ("velocity",)),
    (optimizers.RMSprop(momentum=0.5, centered=True), ("mean_square", "mean_gradient", "velocity"), ()),
    (optimizers.Adam(), ("first_moment", "second_moment"), ()),
    (optimizers.Adam(amsgrad=True), ("first_moment", "second_moment", "max_second_moment"), ()),
    (optimizers.AdamW(), ("first_moment", "second_moment"), ()),
    (optimizers.Adamax(), ("first_moment", "infinity_norm"), ()),
    (optimizers.Nadam(), ("first_moment", "second_moment"), ()),
]


@pytest.mark.parametrize("optimizer, required, optional", DECLARED, ids=[repr(d[1]) + type(d[0]).__name__
                                                                        for d in DECLARED])
def test_slot_names_follow_the_hyperparameters(optimizer, required, optional):
    assert optimizer.slot_names == required
    assert optimizer.optional_slot_names == optional
    params = {"w": np.zeros((2, 3))}
    optimizer.update(params, {"w": np.ones((2, 3))})
    assert tuple(optimizer.slots("w")) == required


def test_sgd_optional_slot_once_momentum_goes_back_to_zero():
    optimizer = optimizers.SGD(momentum=0.9)
    assert optimizer.optional_slot_names == ()
    optimizer.momentum = 0.0
    assert optimizer.slot_names == () and optimizer.optional_slot_names == ("velocity",)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.RMSprop])
def test_raising_momentum_mid_run_creates_the_velocity(cls):
    # RMSprop's used to be ignored: the velocity only existed if momentum was > 0 at the start.
    optimizer = cls(learning_rate=0.1)
    params = {"w": np.array([0.0])}
    optimizer.update(params, {"w": np.array([1.0])})
    assert "velocity" not in optimizer.slots("w")
    after_one = params["w"].copy()
    optimizer.momentum = 0.5
    optimizer.update(params, {"w": np.array([1.0])})
    velocity = optimizer.slots("w")["velocity"]
    step = after_one - params["w"]
    if cls is optimizers.SGD:  # v = 0.5·0 − 0.1·1; θ += v
        np.testing.assert_allclose(velocity, [-0.1])
    else:  # b = 0.5·0 + Δ: the velocity holds exactly this step's increment
        np.testing.assert_allclose(velocity, step)
    np.testing.assert_allclose(np.abs(step), [0.1] if cls is optimizers.SGD else np.abs(velocity))


def test_velocity_is_kept_but_unused_while_momentum_is_zero():
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    params = {"w": np.array([0.0])}
    optimizer.update(params, {"w": np.array([1.0])})  # v = −0.1, θ = −0.1
    optimizer.momentum = 0.0
    optimizer.update(params, {"w": np.array([1.0])})  # plain step: θ = −0.2, v untouched (Keras 3)
    np.testing.assert_allclose(params["w"], [-0.2])
    np.testing.assert_allclose(optimizer.slots("w")["velocity"], [-0.1])
    optimizer.momentum = 0.5
    optimizer.update(params, {"w": np.array([1.0])})  # v = 0.5·(−0.1) − 0.1 = −0.15
    np.testing.assert_allclose(params["w"], [-0.35])


def test_adagrad_slot_starts_at_the_initial_accumulator_value():
    optimizer = optimizers.Adagrad(initial_accumulator_value=0.25)
    optimizer.build({"w": np.zeros(3, np.float32)})
    accumulator = optimizer.slots("w")["accumulator"]
    assert accumulator.dtype == np.float32 and (accumulator == 0.25).all()


def test_nadam_declares_its_running_product_as_extra_state():
    optimizer = optimizers.Nadam()
    assert optimizer.momentum_product == 1.0
    state = optimizer.get_state()
    assert float(state["_extra/momentum_product"]) == 1.0


# -- check_state: the hook model loading validates a saved state with -------------------------------
def trained(optimizer, shapes):
    params = {path: np.zeros(shape) for path, shape in shapes.items()}
    optimizer.update(params, {path: np.ones(shape) for path, shape in shapes.items()})
    return optimizer.get_state(), params


def test_check_state_accepts_a_real_state_and_an_untrained_parameter():
    optimizer = optimizers.Adam()
    state, params = trained(optimizer, {"d/kernel": (2, 3), "d/bias": (3,)})
    optimizers.Adam().check_state(state, {**params, "frozen/kernel": np.zeros(4)})


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s.pop("d/kernel/first_moment"), r"state for 'd/kernel' lacks slot\(s\) \['first_moment'\]"),
    (lambda s: s.update({"d/kernel/first_moment": np.zeros((3, 2))}),
     r"slot 'd/kernel/first_moment' has shape \(3, 2\); its parameter 'd/kernel' has shape \(2, 3\)"),
    (lambda s: s.update({"d/bias/second_moment": np.zeros(3, np.int32)}),
     r"slot 'd/bias/second_moment' has dtype int32; slots are floating point"),
    (lambda s: s.update({"d/bias/second_moment": np.zeros(3, np.complex128)}), r"has dtype complex128"),
    (lambda s: s.update({"gone/kernel/first_moment": np.zeros(3)}), r"slot 'gone/kernel/first_moment' belongs to no "
                                                                   r"trained parameter"),
    (lambda s: s.update({"d/bias/velocity": np.zeros(3)}), r"unknown slot 'd/bias/velocity'; adam slots are"),
    (lambda s: s.update({"iterations": np.int64(-5)}), r"'iterations' must be a non-negative integer scalar"),
    (lambda s: s.update({"iterations": np.float64(2.7)}), r"'iterations' must be a non-negative integer scalar"),
    (lambda s: s.pop("iterations"), r"no 'iterations' entry"),
    (lambda s: s.update({"_hyper/beta_1": np.float64(np.nan)}), r"'_hyper/beta_1' must be a finite number"),
    (lambda s: s.update({"_hyper/nope": np.float64(1)}), r"unknown entry '_hyper/nope'"),
    (lambda s: s.update({"_extra/momentum_product": np.float64(1)}), r"unknown entry '_extra/momentum_product'"),
])
def test_check_state_names_what_is_wrong(mutate, message):
    state, params = trained(optimizers.Adam(), {"d/kernel": (2, 3), "d/bias": (3,)})
    state = dict(state)
    mutate(state)
    with pytest.raises(ValueError, match=message):
        optimizers.Adam().check_state(state, params)


def test_check_state_needs_the_slots_current_hyperparameters_switch_on():
    state, params = trained(optimizers.SGD(momentum=0.0), {"w": (2,)})
    optimizers.SGD(momentum=0.9).check_state(state, params)  # no slots at all: not trained yet, fine
    state, params = trained(optimizers.Adam(), {"w": (2,)})
    with pytest.raises(ValueError, match=r"lacks slot\(s\) \['max_second_moment'\]"):
        optimizers.Adam(amsgrad=True).check_state(state, params)
