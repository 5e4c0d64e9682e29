"""Registry-wide: every registered optimizer converges on a parabola, on Rosenbrock and on the
anisotropic bowl f(x, y) = x²/20 + y² of Deep Learning from Scratch, through ``update``.

The learning rate is tuned per optimizer and function (stated in RATES; everything else is the
optimizer's default, SGD with momentum 0.9). A newly registered optimizer fails
``test_every_registered_optimizer_has_rates`` until it is added here.
"""
import numpy as np
import pytest

from trainlab import optimizers

FUNCTIONS = {
    # name: (gradient, start, optimum, steps, tolerance on the distance to the optimum)
    "parabola": (lambda p: 2 * (p - 3.0), [0.0], [3.0], 3000, 1e-4),
    "bowl": (lambda p: np.array([p[0] / 10, 2 * p[1]]), [-7.0, 2.0], [0.0, 0.0], 3000, 2e-3),
    "rosenbrock": (lambda p: np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)]),
                   [-1.5, 2.0], [1.0, 1.0], 10000, 1e-2),
}
RATES = {  # optimizer: {function: learning rate}
    "SGD": {"parabola": 0.03, "bowl": 0.3, "rosenbrock": 0.001},
    "Adagrad": {"parabola": 1.0, "bowl": 1.0, "rosenbrock": 1.0},
    "RMSprop": {"parabola": 0.01, "bowl": 0.003, "rosenbrock": 0.003},
    "Adam": {"parabola": 0.03, "bowl": 0.3, "rosenbrock": 0.01},
    "Adamax": {"parabola": 0.03, "bowl": 0.3, "rosenbrock": 0.03},
    "Nadam": {"parabola": 0.03, "bowl": 0.3, "rosenbrock": 0.01},
    "AdamW": {"parabola": 0.03, "bowl": 0.3, "rosenbrock": 0.01},
}
OPTIONS = {"SGD": {"momentum": 0.9}, "AdamW": {"weight_decay": 0.0}}  # AdamW's decay would move the optimum


def registered():
    return [optimizers.registry.name_of(entry) for entry in optimizers.registry.entries()]


def test_every_registered_optimizer_has_rates():
    assert sorted(registered()) == sorted(RATES)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("name", registered())
def test_converges(name, function):
    gradient, start, optimum, steps, tolerance = FUNCTIONS[function]
    optimizer = optimizers.get({"class_name": name,
                                "config": {"learning_rate": RATES[name][function], **OPTIONS.get(name, {})}})
    params = {"p": np.array(start)}
    for _ in range(steps):
        optimizer.update(params, {"p": gradient(params["p"])})
    assert np.linalg.norm(params["p"] - optimum) < tolerance
