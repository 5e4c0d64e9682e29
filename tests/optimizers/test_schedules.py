"""Every schedule against its closed form, at boundaries and in between; 1cycle's phases; errors."""
import math

import pytest

from trainlab import optimizers
from trainlab.optimizers import schedules


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.01, decay_steps=20, decay_rate=0.1)
    assert s(0) == 0.01
    assert s(20) == pytest.approx(0.001)
    assert s(10) == pytest.approx(0.01 * 0.1 ** 0.5)
    stair = schedules.ExponentialDecay(0.01, 20, 0.1, staircase=True)
    assert stair(19) == 0.01 and stair(20) == pytest.approx(0.001) and stair(39) == pytest.approx(0.001)


def test_piecewise_constant_boundary_gets_the_earlier_value():
    s = schedules.PiecewiseConstantDecay(boundaries=[5, 15], values=[0.01, 0.005, 0.001])
    assert [s(t) for t in (0, 4, 5, 5.5, 6, 15, 16, 1000)] == [0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.001, 0.001]


def test_inverse_time_decay():
    s = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == 0.1 and s(10) == pytest.approx(0.1 / 1.5) and s(5) == pytest.approx(0.1 / 1.25)
    stair = schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True)
    assert stair(9) == 0.1 and stair(10) == pytest.approx(0.1 / 1.5)


def test_power_decay_is_the_notes_formula():
    s = schedules.PowerDecay(0.01, decay_steps=100, power=2.0)
    assert s(0) == 0.01
    assert s(100) == pytest.approx(0.01 / 4)       # t = s: η₀ / 2^c
    assert s(200) == pytest.approx(0.01 / 9)       # t = 2s: η₀ / 3^c
    assert s(50) == pytest.approx(0.01 / 1.5 ** 2)
    c1 = schedules.PowerDecay(0.01, 100)
    assert c1(300) == pytest.approx(schedules.InverseTimeDecay(0.01, 100, 1.0)(300))


def test_polynomial_decay():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.09 * 0.25 + 0.01)
    assert s(10) == pytest.approx(0.01) and s(50) == pytest.approx(0.01)
    assert schedules.PolynomialDecay(0.1, 10).end_learning_rate == 1e-4
    cyc = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))  # second cycle spans 20 steps


def test_cosine_decay():
    s = schedules.CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(0.9 * 0.5 + 0.1)
    assert s(10) == pytest.approx(0.1) and s(99) == pytest.approx(0.1)
    assert s(2) == pytest.approx(0.9 * 0.5 * (1 + math.cos(math.pi * 0.2)) + 0.1)


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0001, decay_steps=10, warmup_target=0.01, warmup_steps=4, alpha=0.5)
    assert s(0) == pytest.approx(0.0001)
    assert s(2) == pytest.approx(0.0001 + (0.01 - 0.0001) / 2)
    assert s(4) == pytest.approx(0.01)
    assert s(9) == pytest.approx(0.01 * (0.5 * 0.5 + 0.5))
    assert s(14) == pytest.approx(0.005) and s(100) == pytest.approx(0.005)


def test_one_cycle_phases():
    s = schedules.OneCycle(total_steps=100, max_learning_rate=1.0)   # η₀ 0.1, η_end 1e-4, h = 45
    assert s.half_cycle == 45
    assert s(0) == pytest.approx(0.1)
    assert s(22.5) == pytest.approx(0.55)
    assert s(45) == pytest.approx(1.0)
    assert s(67.5) == pytest.approx(0.55)
    assert s(90) == pytest.approx(0.1)
    assert s(95) == pytest.approx(0.1 + (1e-4 - 0.1) * 0.5)
    assert s(100) == pytest.approx(1e-4) and s(500) == pytest.approx(1e-4)
    assert [s.momentum(t) for t in (0, 45, 90, 95, 100)] == pytest.approx([0.95, 0.85, 0.95, 0.95, 0.95])
    assert s.momentum(22.5) == pytest.approx(0.90)
    assert [s.phase(t) for t in (0, 44, 45, 89, 90, 100)] == ["warmup", "warmup", "cooldown", "cooldown",
                                                              "annihilation", "annihilation"]


SCHEDULES = [
    schedules.ExponentialDecay(0.1, 5, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([3, 7], [0.1, 0.01, 0.001]),
    schedules.InverseTimeDecay(0.1, 5, 1.0),
    schedules.PowerDecay(0.1, 5, 0.5),
    schedules.PolynomialDecay(0.1, 5, cycle=True),
    schedules.CosineDecay(0.1, 5, warmup_target=0.2, warmup_steps=2),
    schedules.OneCycle(50, 0.5),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_round_trip_and_optimizer_uses_step_before_increment(schedule):
    clone = schedules.deserialize(schedules.serialize(schedule))
    assert type(clone) is type(schedule)
    assert [clone(t) for t in range(60)] == [schedule(t) for t in range(60)]
    optimizer = optimizers.get({"class_name": "SGD", "config": {"learning_rate": schedules.serialize(schedule)}})
    assert optimizer.current_learning_rate() == schedule(0)
    optimizer.iterations = 7
    assert float(optimizer.learning_rate) == schedule(7)


@pytest.mark.parametrize("build, message", [
    (lambda: schedules.PiecewiseConstantDecay([5, 5], [1, 2, 3]), r"strictly increasing; got 5.0 after 5.0"),
    (lambda: schedules.PiecewiseConstantDecay([10, 5], [1, 2, 3]), r"strictly increasing"),
    (lambda: schedules.PiecewiseConstantDecay([5, 15], [1, 2]), r"len\(boundaries\) \+ 1 = 3 entries.*got 2"),
    (lambda: schedules.PiecewiseConstantDecay([], [1]), r"at least one step"),
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), r"decay_steps must be a finite number > 0; got 0"),
    (lambda: schedules.ExponentialDecay(-0.1, 10, 0.5), r"initial_learning_rate must be .* > 0; got -0.1"),
    (lambda: schedules.InverseTimeDecay(0.1, -5, 0.5), r"decay_steps must be a finite number > 0; got -5"),
    (lambda: schedules.PowerDecay(0.1, 10, power=0), r"power must be a finite number > 0; got 0"),
    (lambda: schedules.PolynomialDecay(0.1, 0), r"decay_steps must be"),
    (lambda: schedules.CosineDecay(0.1, 10, alpha=2), r"alpha .* in \[0, 1\]; got 2"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=5), r"needs a warmup_target"),
    (lambda: schedules.CosineDecay(0.0, 10), r"initial_learning_rate=0 and no warmup keeps the rate at 0 for ever\. "
                                             r"For Keras' warm-up recipe pass warmup_target=<peak rate>"),
    (lambda: schedules.CosineDecay(-0.1, 10, warmup_target=0.1), r"initial_learning_rate must be a finite number >= 0"),
    (lambda: schedules.OneCycle(2, 1.0), r"total_steps must be an integer >= 4"),
    (lambda: schedules.OneCycle(100, 1.0, initial_learning_rate=2.0), r"must not exceed max_learning_rate"),
    (lambda: schedules.OneCycle(100, 1.0, final_fraction=1.0), r"final_fraction must be in \[0, 1\); got 1.0"),
    (lambda: schedules.OneCycle(100, 1.0, min_momentum=0.99), r"min_momentum \(0.99\) must not exceed"),
    (lambda: schedules.ExponentialDecay("fast", 10, 0.5), r"initial_learning_rate must be a number; got 'fast'"),
])
def test_bad_arguments(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_cosine_decay_warms_up_from_zero_as_keras_recipe_does():
    # keras/src/optimizers/schedules: warmup (target − initial)·t/w + initial, then cosine from the target.
    schedule = schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    assert [schedule(t) for t in (0, 5, 10)] == pytest.approx([0.0, 0.05, 0.1], abs=1e-15)
    assert schedule(60) == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert schedule(110) == schedule(500) == pytest.approx(0.0, abs=1e-15)
    optimizer = optimizers.SGD(learning_rate=schedule)
    assert optimizer.current_learning_rate() == 0.0


def test_schedules_default_names_are_keras_3s():
    assert [schedules.ExponentialDecay(0.1, 10, 0.5).name, schedules.PiecewiseConstantDecay([1], [1, 2]).name,
            schedules.InverseTimeDecay(0.1, 10, 0.5).name, schedules.PolynomialDecay(0.1, 10).name,
            schedules.CosineDecay(0.1, 10).name] == ["ExponentialDecay", "PiecewiseConstant", "InverseTimeDecay",
                                                      "PolynomialDecay", "CosineDecay"]


def _sgdr_by_walking_the_periods(step, lr0, first, t_mul, m_mul, alpha):
    # Independent of the closed form: walk the periods one by one until the one holding the step.
    start, length, i = 0.0, float(first), 0
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    fraction = (step - start) / length
    return lr0 * ((1 - alpha) * m_mul ** i * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)


def test_cosine_decay_restarts_matches_pytorch_warm_restarts():
    torch = pytest.importorskip("torch")
    lr0, first, alpha = 0.1, 7, 0.2
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=lr0)
    reference = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=first, T_mult=2,
                                                                     eta_min=alpha * lr0)
    schedule = schedules.CosineDecayRestarts(lr0, first, t_mul=2.0, alpha=alpha)
    for step in range(120):   # periods of 7, 14, 28, 56 steps: four restarts
        assert schedule(step) == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-12), step
        optimizer.step()
        reference.step()


@pytest.mark.parametrize("t_mul,m_mul,alpha", [(1.0, 0.5, 0.0), (1.5, 0.7, 0.1), (3.0, 1.0, 0.0)])
def test_cosine_decay_restarts_against_a_walk_over_the_periods(t_mul, m_mul, alpha):
    schedule = schedules.CosineDecayRestarts(0.05, 10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for step in list(range(0, 400, 3)) + [10, 25, 40, 65, 130, 1e5 + 0.5]:
        expected = _sgdr_by_walking_the_periods(step, 0.05, 10, t_mul, m_mul, alpha)
        assert schedule(step) == pytest.approx(expected, rel=1e-12), step


def test_cosine_decay_restarts_hand_values():
    # periods [0, 10), [10, 30), [30, 70): peaks 0.1, 0.05, 0.025 above the floor 0.1·α.
    s = schedules.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.1)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert s(10) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))         # restart: m_mul¹, at the exact step
    assert s(20) == pytest.approx(0.1 * (0.9 * 0.25 + 0.1))
    assert s(30) == pytest.approx(0.1 * (0.9 * 0.25 + 0.1))
    assert s(29.999999) == pytest.approx(0.01, abs=1e-9)           # end of a period: the floor
    assert schedules.CosineDecayRestarts(0.1, 10).name == "SGDRDecay"


@pytest.mark.parametrize("build,message", [
    (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=0.5), r"t_mul must be >= 1 .*; got 0.5"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), r"first_decay_steps must be a finite number > 0; got 0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, alpha=1.5), r"alpha is the floor .* in \[0, 1\]; got 1.5"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, m_mul=-1), r"m_mul must be a finite number >= 0; got -1"),
])
def test_cosine_decay_restarts_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()
