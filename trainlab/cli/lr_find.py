"""``trainlab lr-find``: the learning-rate range test on a dataset, written as a PNG.

Builds the same network as ``trainlab train`` (``--hidden``, ``--activation``, ``--optimizer``,
``--opt name=value``), runs :func:`trainlab.lr_finder.find_learning_rate` on the training split
and writes ``lr_find.png`` (loss against rate, suggestion marked) and ``lr_find.json`` into ``--out``
(default ``runs/lr-find-DATASET``).
"""
from __future__ import annotations

import argparse

from trainlab.cli import train as train_command
from trainlab.cli.common import default_out, output_directory


def register(subparsers) -> None:
    parser = subparsers.add_parser("lr-find", help="learning-rate range test: plot loss against an exponentially "
                                                   "increasing rate and suggest a rate")
    parser.add_argument("--data", default="digits", help="dataset name (digits, mnist, fashion-mnist, cifar10)")
    parser.add_argument("--hidden", type=train_command.hidden_sizes, default=[300, 100],
                        help="hidden layer sizes, e.g. 300,100")
    parser.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    parser.add_argument("--initializer", default="he_normal", help="kernel initializer (default he_normal)")
    parser.add_argument("--optimizer", default="sgd", help="optimizer name (default sgd); its rate is what the test sweeps")
    parser.add_argument("--opt", action="append", metavar="NAME=VALUE", help="optimizer argument (repeatable)")
    parser.add_argument("--min-lr", type=float, default=1e-6, help="first learning rate of the sweep (default 1e-6)")
    parser.add_argument("--max-lr", type=float, default=10.0, help="last learning rate of the sweep (default 10)")
    parser.add_argument("--steps", type=int, default=None, help="batches (default: one epoch, at least 100)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default 32)")
    parser.add_argument("--rule", choices=["steepest", "minimum"], default="steepest",
                        help="suggestion: steepest descent of the smoothed loss (default), or the minimum / 10")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", help="output directory (default runs/lr-find-DATASET)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from trainlab import datasets, lr_finder, utils

    params = {}
    for item in args.opt or []:
        key, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"--opt expects name=value (e.g. --opt momentum=0.9); got {item!r}")
        params[key.strip()] = train_command.parse_value(value.strip())
    params.pop("learning_rate", None)  # the test sets the rate itself
    config = train_command.TrainConfig(data=args.data, hidden=args.hidden, activation=args.activation,
                                       initializer=args.initializer, optimizer=args.optimizer,
                                       optimizer_params=params, batch_size=args.batch_size, seed=args.seed)
    config.validate()
    out = output_directory(args.out or default_out("runs", "lr-find", args.data))
    print(f"lr-find: loading {args.data}, then {args.steps or 'one epoch of (at least 100)'} batches at rates "
          f"{args.min_lr:g} → {args.max_lr:g}", flush=True)
    (x_train, y_train), _ = datasets.load(args.data)
    x_train = train_command.scale_pixels(x_train)
    utils.set_random_seed(args.seed)
    model = train_command.build_model(config, x_train.shape[1:], int(y_train.max()) + 1)
    result = lr_finder.find_learning_rate(model, x_train, y_train, min_lr=args.min_lr, max_lr=args.max_lr,
                                          steps=args.steps, batch_size=args.batch_size, rule=args.rule,
                                          seed=args.seed)
    out.mkdir(parents=True, exist_ok=True)
    lr_finder.plot_lr_finder(result, out / "lr_find.png")
    train_command.write_json_atomic(out / "lr_find.json", {
        "suggested_learning_rate": result.suggested_learning_rate, "rule": result.rule,
        "stop_reason": result.stop_reason, "learning_rates": result.learning_rates.tolist(),
        "losses": result.losses.tolist(), "smoothed_losses": result.smoothed_losses.tolist()})
    print(f"suggested learning rate: {result.suggested_learning_rate:.3g} ({result.rule}); {result.stop_reason}")
    print(f"wrote {out / 'lr_find.png'} and {out / 'lr_find.json'}")
    return 0
