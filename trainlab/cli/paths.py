"""``trainlab paths``: every optimizer's path on a 2-D function, as a contour plot and a table.

``--function`` is a built-in (anisotropic, rosenbrock, beale) or an expression in x and y
(``--start`` required). ``--optimizer NAME:LR`` (repeatable, e.g. ``adam:0.3``, ``sgd:0.1``) replaces
the default set; SGD given as ``momentum`` or ``nesterov`` gets β = 0.9. Writes ``paths.png`` and
``paths.md`` into ``--out`` (default ``runs/paths-FUNCTION``, ``runs/paths-expression`` for an
expression).
"""
from __future__ import annotations

import argparse

from trainlab import optimizers as optimizers_module
from trainlab import paths as paths_module
from trainlab.atomic import atomic_write
from trainlab.cli.common import default_out, output_directory

_SGD_VARIANTS = {"momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9, "nesterov": True}}


def point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers like -7,2; got {text!r}") from None
    return x, y


def optimizer_spec(text: str):
    name, _, rate = text.partition(":")
    try:
        learning_rate = float(rate) if rate else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME:LEARNING_RATE like adam:0.3; got {text!r}") from None
    options = _SGD_VARIANTS.get(name.lower(), {})
    class_name = "sgd" if options else name
    try:
        optimizers_module.registry.lookup(class_name)
    except ValueError as error:  # argparse shows an ArgumentTypeError's message; it lists the valid names
        raise argparse.ArgumentTypeError(str(error)) from None
    config = {**options, **({"learning_rate": learning_rate} if learning_rate else {})}
    label = f"{name} (η={learning_rate:g})" if learning_rate else name
    return label, lambda: optimizers_module.get({"class_name": class_name, "config": config})


def register(subparsers) -> None:
    parser = subparsers.add_parser("paths", help="plot each optimizer's path on a 2-D function")
    parser.add_argument("--function", default="anisotropic",
                        help="anisotropic (x**2/20 + y**2), rosenbrock, beale, or an expression in x and y")
    parser.add_argument("--start", type=point, default=None,
                        help="start point x,y (default per built-in); write --start=-7,2 for a negative x")
    parser.add_argument("--optimum", type=point, default=None, help="known optimum x,y for the distance column")
    parser.add_argument("--optimizer", action="append", type=optimizer_spec, metavar="NAME:LR",
                        help="an optimizer and its learning rate, e.g. adam:0.3 (repeatable; default: every optimizer at "
                             "DLFS ch. 6's rates, see trainlab.paths.DEFAULT_OPTIMIZERS)")
    parser.add_argument("--steps", type=int, default=30, help="updates per optimizer (default 30)")
    parser.add_argument("--out", help="output directory for paths.png and paths.md (default runs/paths-FUNCTION, "
                                      "or runs/paths-expression)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    problem = paths_module.problem(args.function, args.start, args.optimum)
    name = args.function if args.function in paths_module.BUILTINS else "expression"
    out = output_directory(args.out or default_out("runs", "paths", name))
    chosen = dict(args.optimizer) if args.optimizer else None
    count = len(chosen or paths_module.DEFAULT_OPTIMIZERS)
    print(f"paths: {count} optimizers x {args.steps} steps on {problem.function.name} from {problem.start}, "
          "then the plot…", flush=True)
    paths = paths_module.run_paths(problem, chosen, args.steps)
    out.mkdir(parents=True, exist_ok=True)
    paths_module.plot_paths(problem, paths, out / "paths.png")
    table = paths_module.distance_table(problem, paths)
    atomic_write(out / "paths.md", f"# Optimizer paths on {problem.function.name}\n\nStart {problem.start}, "
                                   f"{args.steps} steps.\n\n{table}")
    print(table, end="")
    print(f"wrote {out / 'paths.png'} and {out / 'paths.md'}")
    return 0
