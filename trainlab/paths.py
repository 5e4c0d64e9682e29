"""Optimizer paths on 2-D functions (Deep Learning from Scratch, ch. 6, Fig. 6-8 to 6-10).

Each optimizer starts from the same point and runs through the plain-dict form
``optimizer.update(params, grads)`` — the same classes that train networks — on
f(x, y) = x²/20 + y² from (−7, 2) by default, on a built-in (``rosenbrock``, ``beale``) or on
any 2-D function written as a Python expression in x and y. Expressions are parsed with
:mod:`ast` and evaluated by walking a whitelist (numbers, x, y, pi, e, + − × / ** %, and
sin cos tan exp log sqrt tanh abs); nothing is ever passed to ``eval``. The work is bounded
before anything runs: at most :data:`MAX_EXPRESSION_CHARS` characters and :data:`MAX_NODES`
operations, and every number is a float64, so ``9**9**9**9`` becomes inf (and is then refused,
see :func:`problem`) instead of raising OverflowError or building a huge integer. Gradients are
central differences, h = 1e-6·max(1, |v|).
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

import numpy as np

from trainlab import optimizers as optimizers_module

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
              "tanh": np.tanh, "abs": np.abs}
_CONSTANTS = {"pi": np.float64(math.pi), "e": np.float64(math.e)}
# Enough for any function in the book or a textbook test suite; small enough that evaluating it on
# the plot's 200 x 200 grid stays instant whatever the user types.
MAX_EXPRESSION_CHARS = 500
MAX_NODES = 200


class Function2D:
    """f(x, y) from a safe expression; callable on scalars or NumPy arrays."""

    def __init__(self, expression: str, name: str | None = None):
        if not isinstance(expression, str) or not expression.strip():
            raise ValueError(f"expression must be a non-empty string in x and y; got {expression!r}")
        if len(expression) > MAX_EXPRESSION_CHARS:
            raise ValueError(f"the expression has {len(expression)} characters, more than the {MAX_EXPRESSION_CHARS} "
                             "allowed; write a shorter function of x and y.")
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError as error:
            raise ValueError(f"Cannot parse {expression!r}: {error.msg}.") from None
        except (RecursionError, MemoryError):  # nesting too deep for the parser
            raise ValueError(f"{expression!r} is nested too deeply to parse; use fewer parentheses.") from None
        nodes = sum(1 for _ in ast.walk(tree.body))
        if nodes > MAX_NODES:
            raise ValueError(f"{expression!r} has {nodes} terms and operations, more than the {MAX_NODES} allowed; "
                             "write a simpler function of x and y.")
        self._check(tree.body, expression)
        self.expression = expression.strip()
        self.name = name or self.expression
        self._tree = tree.body

    def _check(self, node, expression: str) -> None:
        allowed = (f"numbers, x, y, {', '.join(_CONSTANTS)}, + - * / ** %, and the functions "
                   f"{', '.join(_FUNCTIONS)}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left, expression)
            self._check(node.right, expression)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand, expression)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            pass
        elif isinstance(node, ast.Name) and node.id in ("x", "y", *_CONSTANTS):
            pass
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
              and len(node.args) == 1 and not node.keywords):
            self._check(node.args[0], expression)
        else:
            raise ValueError(f"{expression!r} uses {ast.unparse(node)!r}, which is not allowed; use only {allowed}.")

    def _evaluate(self, node, x, y):
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._evaluate(node.left, x, y), self._evaluate(node.right, x, y))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._evaluate(node.operand, x, y))
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return {"x": x, "y": y}.get(node.id, _CONSTANTS.get(node.id))
        return _FUNCTIONS[node.func.id](self._evaluate(node.args[0], x, y))

    def __call__(self, x, y):
        with np.errstate(all="ignore"):
            return self._evaluate(self._tree, x, y)

    def gradient(self, point: np.ndarray) -> np.ndarray:
        """(∂f/∂x, ∂f/∂y) at ``point`` by central differences."""
        grad = np.empty(2)
        for axis in range(2):
            h = 1e-6 * max(1.0, abs(point[axis]))
            step = np.zeros(2)
            step[axis] = h
            grad[axis] = (self(*(point + step)) - self(*(point - step))) / (2 * h)
        return grad


@dataclass(frozen=True)
class Problem:
    function: Function2D
    start: tuple[float, float]
    optimum: tuple[float, float] | None
    view: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max of the plot


BUILTINS = {
    "anisotropic": Problem(Function2D("x**2 / 20 + y**2", "f(x, y) = x²/20 + y²"), (-7.0, 2.0), (0.0, 0.0),
                           (-10, 10, -5, 5)),
    "rosenbrock": Problem(Function2D("(1 - x)**2 + 100 * (y - x**2)**2", "Rosenbrock"), (-1.5, 2.0), (1.0, 1.0),
                          (-2, 2, -1, 3)),
    "beale": Problem(Function2D("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2", "Beale"),
                     (1.0, 1.4), (3.0, 0.5), (-1, 4, -1.5, 2)),
}

# (label, optimizer factory): Deep Learning from Scratch's rates for its four, comparable ones for the rest.
DEFAULT_OPTIMIZERS = {
    "SGD (η=0.95)": lambda: optimizers_module.SGD(0.95),
    "Momentum (η=0.1, β=0.9)": lambda: optimizers_module.SGD(0.1, momentum=0.9),
    "Nesterov (η=0.1, β=0.9)": lambda: optimizers_module.SGD(0.1, momentum=0.9, nesterov=True),
    "AdaGrad (η=1.5)": lambda: optimizers_module.Adagrad(1.5),
    "RMSprop (η=0.3)": lambda: optimizers_module.RMSprop(0.3),
    "Adam (η=0.3)": lambda: optimizers_module.Adam(0.3),
    "Adamax (η=0.3)": lambda: optimizers_module.Adamax(0.3),
    "Nadam (η=0.3)": lambda: optimizers_module.Nadam(0.3),
}


def problem(function: str = "anisotropic", start=None, optimum=None) -> Problem:
    """A built-in by name, or a :class:`Problem` for an expression (start required)."""
    if function in BUILTINS:
        base = BUILTINS[function]
        return _finite_at_start(Problem(base.function, tuple(start or base.start),
                                        tuple(optimum) if optimum else base.optimum, base.view))
    if start is None:
        raise ValueError(f"{function!r} is not a built-in ({', '.join(BUILTINS)}); give a start point for an "
                         f"expression: start=(x, y), or --start x,y on the command line.")
    x0, y0 = map(float, start)
    span = max(abs(x0), abs(y0), 1.0) * 1.5
    return _finite_at_start(Problem(Function2D(function), (x0, y0), tuple(optimum) if optimum else None,
                                    (-span, span, -span, span)))


def _finite_at_start(problem: Problem) -> Problem:
    """``problem`` if f and its gradient are finite at the start, else a ValueError saying so."""
    start = np.array(problem.start, dtype=np.float64)
    value = problem.function(*start)
    if not np.isfinite(value) or not np.isfinite(problem.function.gradient(start)).all():
        what = f"f = {float(value)}" if not np.isfinite(value) else "its gradient is not finite"
        raise ValueError(f"{problem.function.expression!r} at the start point {problem.start}: {what} (the value "
                         "overflows float64 or is undefined there). Choose another --start, or an expression whose "
                         "values stay finite (below about 1e308) near it.")
    return problem


def run_path(optimizer, problem: Problem, steps: int = 30) -> np.ndarray:
    """The (steps + 1, 2) path of ``optimizer`` from the start; shorter if the gradient stops being finite."""
    params = {"xy": np.array(problem.start, dtype=np.float64)}
    path = [params["xy"].copy()]
    for _ in range(steps):
        grad = problem.function.gradient(params["xy"])
        if not np.isfinite(grad).all():
            break
        optimizer.update(params, {"xy": grad})
        path.append(params["xy"].copy())
    return np.array(path)


def run_paths(problem: Problem, optimizers: dict | None = None, steps: int = 30) -> dict[str, np.ndarray]:
    """One path per ``{label: optimizer factory}`` (default: :data:`DEFAULT_OPTIMIZERS`)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    return {label: run_path(factory(), problem, steps) for label, factory in (optimizers or DEFAULT_OPTIMIZERS).items()}


def distance_table(problem: Problem, paths: dict[str, np.ndarray]) -> str:
    """Markdown: final point, f there and (when known) the distance to the optimum."""
    lines = ["| optimizer | steps | final (x, y) | f(final) | distance to optimum |", "|---|---|---|---|---|"]
    for label, path in paths.items():
        x, y = path[-1]
        distance = (f"{math.dist(path[-1], problem.optimum):.4g}" if problem.optimum is not None else "n/a")
        lines.append(f"| {label} | {len(path) - 1} | ({x:.4g}, {y:.4g}) | {float(problem.function(x, y)):.4g} | "
                     f"{distance} |")
    return "\n".join(lines) + "\n"


def plot_paths(problem: Problem, paths: dict[str, np.ndarray], path) -> None:
    """Contour plot of the function with every optimizer's path (one panel each, as in the book)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_min, x_max, y_min, y_max = problem.view
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    values = problem.function(grid_x, grid_y)
    levels = np.quantile(values[np.isfinite(values)], np.linspace(0.01, 0.95, 15))
    columns = min(4, len(paths))
    rows = -(-len(paths) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for axis, (label, trajectory) in zip(axes.flat, paths.items()):
        axis.contour(grid_x, grid_y, values, levels=np.unique(levels), colors="0.7", linewidths=0.8)
        axis.plot(trajectory[:, 0], trajectory[:, 1], "o-", color="C3", markersize=3, linewidth=1)
        if problem.optimum is not None:
            axis.plot(*problem.optimum, "+", color="k", markersize=10)
        axis.set_xlim(x_min, x_max)
        axis.set_ylim(y_min, y_max)
        axis.set_title(label, fontsize=9)
    for axis in list(axes.flat)[len(paths):]:
        axis.axis("off")
    figure.suptitle(problem.function.name)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
