"""Optimizer paths: the safe expression parser, the paths themselves, the table and the CLI."""
import argparse

import numpy as np
import pytest

from trainlab import optimizers, paths


def test_expression_values_and_gradient():
    f = paths.Function2D("x**2 / 20 + y**2 + sin(x) * exp(-y) - abs(y) % 2 + pi")
    x, y = 1.3, -0.4
    expected = x ** 2 / 20 + y ** 2 + np.sin(x) * np.exp(-y) - abs(y) % 2 + np.pi
    assert f(x, y) == pytest.approx(expected)
    dx = x / 10 + np.cos(x) * np.exp(-y)
    dy = 2 * y - np.sin(x) * np.exp(-y) + 1  # d/dy(-|y|) = +1 for y < 0
    np.testing.assert_allclose(f.gradient(np.array([x, y])), [dx, dy], rtol=1e-6)
    grid = f(np.zeros((2, 2)), np.ones((2, 2)))
    assert grid.shape == (2, 2)


@pytest.mark.parametrize("expression", ["__import__('os').system('true')", "x.real", "open('f')", "[x, y]",
                                        "x if y else 1", "lambda: 1", "z + 1", "'a'", "sin(x, y)", "x == y"])
def test_unsafe_or_unknown_expressions_are_refused(expression):
    with pytest.raises(ValueError, match="not allowed; use only numbers, x, y"):
        paths.Function2D(expression)


def test_syntax_error_names_the_expression():
    with pytest.raises(ValueError, match=r"Cannot parse 'x \*\* \*'"):
        paths.Function2D("x ** *")


def test_paths_use_the_optimizer_classes():
    problem = paths.problem("anisotropic")
    result = paths.run_paths(problem, {"sgd": lambda: optimizers.SGD(0.95)}, steps=3)
    # SGD on x²/20 + y²: x ← x − 0.95·x/10, y ← y − 0.95·2y
    expected = [(-7.0, 2.0)]
    for _ in range(3):
        x, y = expected[-1]
        expected.append((x - 0.095 * x, y - 1.9 * y))
    np.testing.assert_allclose(result["sgd"], expected, rtol=1e-6)


def test_default_optimizers_approach_the_anisotropic_optimum_and_table():
    problem = paths.problem("anisotropic")
    result = paths.run_paths(problem, steps=30)
    assert len(result) == len(paths.DEFAULT_OPTIMIZERS)
    start_distance = np.hypot(-7, 2)
    for label, path in result.items():
        assert path.shape == (31, 2)
        assert np.hypot(*path[-1]) < start_distance / 2, label
    table = paths.distance_table(problem, result)
    assert table.count("\n") == len(result) + 2 and "| AdaGrad (η=1.5) | 30 |" in table


def test_expression_needs_a_start():
    with pytest.raises(ValueError, match="give a start point"):
        paths.problem("x**2 + y**2")


def test_cli(tmp_path, capsys):
    from trainlab.cli import paths as paths_command

    parser = argparse.ArgumentParser()
    paths_command.register(parser.add_subparsers())
    args = parser.parse_args(["paths", "--function", "(x - 1)**2 + 3*y**2", "--start=-2,1", "--optimum", "1,0",
                              "--optimizer", "adam:0.3", "--optimizer", "nesterov:0.05", "--steps", "50",
                              "--out", str(tmp_path)])
    assert args.handler(args) == 0
    assert (tmp_path / "paths.png").exists()
    text = (tmp_path / "paths.md").read_text()
    assert "| adam (η=0.3) | 50 |" in text and "| nesterov (η=0.05) | 50 |" in text
    with pytest.raises(SystemExit):
        parser.parse_args(["paths", "--optimizer", "adamm:0.1"])
    assert "Unknown optimizer 'adamm'. Valid optimizer names:" in capsys.readouterr().err
