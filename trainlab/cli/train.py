"""``trainlab train``: train one network described by flags or a TOML file.

Prints progress and the final train/valid/test metrics, and writes into ``--out`` (default
``runs/train-DATASET``): ``history.json``, ``learning_curves.png`` and ``model.zip`` (and ``diagnostics.json`` with
``--diagnose``, which also prints the training doctor's findings).

A TOML file uses the same names as the flags (underscores), e.g.::

    data = "fashion-mnist"
    hidden = [300, 100]
    activation = "relu"
    initializer = "he_normal"
    optimizer = "sgd"
    epochs = 5
    [optimizer_params]
    learning_rate = 0.01
    momentum = 0.9
"""
from __future__ import annotations

import argparse
import json
import time
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from trainlab.cli.common import default_out, output_directory

DEFAULT_OUT = "runs/train-DATASET"


@dataclass
class TrainConfig:
    data: str = "digits"
    hidden: list[int] = field(default_factory=lambda: [300, 100])
    activation: str = "relu"
    initializer: str = "he_normal"
    optimizer: str = "sgd"
    optimizer_params: dict = field(default_factory=lambda: {"learning_rate": 0.01, "momentum": 0.9})
    epochs: int = 10
    batch_size: int = 32
    seed: int = 42
    valid_size: int | None = None
    out: str | None = None  # None: runs/train-<data>
    tensorboard: str | None = None  # a folder for TensorBoard event files

    @classmethod
    def from_toml(cls, path: str) -> "TrainConfig":
        with open(path, "rb") as handle:
            try:
                raw = tomllib.load(handle)
            except tomllib.TOMLDecodeError as error:
                raise ValueError(f"{path}: invalid TOML ({error}).") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{path}: unknown keys {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}.")
        config = cls(**{**asdict(cls()), **raw})
        config.validate(source=path)
        return config

    def validate(self, source: str = "arguments") -> None:
        if not self.hidden or not all(isinstance(h, int) and h >= 1 for h in self.hidden):
            raise ValueError(f"{source}: hidden must be a list of positive integers; got {self.hidden!r}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{source}: {name} must be an integer >= 1; got {value!r}")
        if not isinstance(self.optimizer_params, dict):
            raise ValueError(f"{source}: optimizer_params must be a table of name = value; got {self.optimizer_params!r}")
        if self.out is not None:
            output_directory(self.out)

    def output(self) -> str:
        """``out``, or the dataset's default folder when it is unset (and remember it)."""
        if self.out is None:
            self.out = default_out("runs", "train", self.data)
        return self.out


def scale_pixels(x: np.ndarray) -> np.ndarray:
    """uint8 pixels → float32 in [0, 1], without a float64 intermediate."""
    scaled = x.astype(np.float32)
    scaled /= 255
    return scaled


def split_validation(x, y, valid_size: int | None):
    """The first ``valid_size`` training samples become the validation set (the notes' 55,000/5,000)."""
    n = len(x)
    if valid_size is None:
        valid_size = 5000 if n >= 50000 else n // 10
    if not 0 < valid_size < n:
        raise ValueError(f"valid_size must be between 1 and {n - 1} for {n} training samples; got {valid_size}")
    return (x[valid_size:], y[valid_size:]), (x[:valid_size], y[:valid_size])


def build_model(config: TrainConfig, input_shape: tuple, n_classes: int):
    from trainlab import layers, models, optimizers

    stack = [layers.Input(input_shape), layers.Flatten()]
    stack += [layers.Dense(units, activation=config.activation, kernel_initializer=config.initializer)
              for units in config.hidden]
    stack.append(layers.Dense(n_classes, activation="softmax"))
    model = models.Sequential(stack)
    optimizer = optimizers.get({"class_name": config.optimizer, "config": dict(config.optimizer_params)})
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def run(config: TrainConfig, verbose: int = 1, diagnostics=None) -> dict:
    """Train as configured; returns the final metrics and writes the outputs.

    ``diagnostics``: a :class:`trainlab.callbacks.Diagnostics` to train with; its records and
    findings are written to ``diagnostics.json``."""
    from trainlab import datasets, utils

    config.validate()
    output_directory(config.output())  # before any work: a bad --out must not cost a training run
    if config.tensorboard:
        from trainlab.callbacks.tensorboard import require_writer

        output_directory(config.tensorboard, "--tensorboard")
        require_writer()
    (x_train, y_train), (x_test, y_test) = datasets.load(config.data)
    x_train, x_test = scale_pixels(x_train), scale_pixels(x_test)
    (x_fit, y_fit), (x_valid, y_valid) = split_validation(x_train, y_train, config.valid_size)
    utils.set_random_seed(config.seed)
    model = build_model(config, x_train.shape[1:], int(y_train.max()) + 1)
    if verbose:
        model.summary()
    started = time.perf_counter()
    callbacks = [diagnostics] if diagnostics is not None else []
    if config.tensorboard:
        from trainlab.callbacks import TensorBoard

        callbacks.append(TensorBoard(config.tensorboard))
    history = model.fit(x_fit, y_fit, batch_size=config.batch_size, epochs=config.epochs,
                        validation_data=(x_valid, y_valid), verbose=verbose, callbacks=callbacks)
    seconds = time.perf_counter() - started
    results = {
        "train": model.evaluate(x_fit, y_fit, verbose=0, return_dict=True),
        "valid": model.evaluate(x_valid, y_valid, verbose=0, return_dict=True),
        "test": model.evaluate(x_test, y_test, verbose=0, return_dict=True),
        "seconds": seconds,
    }
    out = Path(config.output())
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "history.json", {"config": asdict(config), "history": history.history, "results": results})
    plot_learning_curves(history.history, out / "learning_curves.png", title=f"{config.data}: {config.optimizer}")
    model.save(out / "model.zip")
    if diagnostics is not None:
        write_json_atomic(out / "diagnostics.json", diagnostics.to_dict())
    return results


def write_json_atomic(path: Path, content) -> None:
    """``content`` as indented JSON at ``path``, atomically and with the user's umask permissions."""
    from trainlab.atomic import atomic_write

    atomic_write(path, json.dumps(content, indent=1))


def plot_learning_curves(history: dict, path: Path, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for key, axis in (("loss", loss_axis), ("accuracy", accuracy_axis)):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + key in history:
                axis.plot(epochs, history[prefix + key], style, marker="o", label=(prefix or "train_") + key)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(key)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def parse_value(text: str):
    """``"0.9"`` → 0.9, ``"true"`` → True, otherwise the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    config = TrainConfig.from_toml(args.config) if args.config else TrainConfig()
    for name in ("data", "activation", "initializer", "optimizer", "epochs", "batch_size", "seed", "valid_size", "out",
                 "tensorboard"):
        value = getattr(args, name)
        if value is not None:
            setattr(config, name, value)
    if args.hidden is not None:
        config.hidden = args.hidden
    if args.optimizer is not None and args.optimizer != TrainConfig.optimizer:
        config.optimizer_params = {}
    for name in ("learning_rate", "momentum"):
        value = getattr(args, name)
        if value is not None:
            config.optimizer_params[name] = value
    if args.nesterov:
        config.optimizer_params["nesterov"] = True
    for item in args.opt or []:
        key, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"--opt expects name=value (e.g. --opt beta_1=0.9); got {item!r}")
        config.optimizer_params[key.strip()] = parse_value(value.strip())
    output_directory(config.output())
    config.validate()
    return config


def hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects comma-separated integers like 300,100; got {text!r}")
    return sizes


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train one network and write its history, learning curves and model",
        description="Train a fully connected network on a dataset (digits by default: works offline). Flags "
                    "override the TOML file given with --config.")
    parser.add_argument("--config", help="TOML file with the settings below (flags override it)")
    parser.add_argument("--data", help="digits (default, embedded), mnist, fashion-mnist or cifar10")
    parser.add_argument("--hidden", type=hidden_sizes, help="hidden layer sizes, e.g. 300,100 (default)")
    parser.add_argument("--activation", help="hidden activation: relu (default), elu, selu, tanh, sigmoid, leaky_relu")
    parser.add_argument("--initializer", help="kernel initializer: he_normal (default), glorot_uniform, lecun_normal…")
    parser.add_argument("--optimizer", help="sgd (default), adam, nadam, rmsprop, adagrad, adamax, adamw")
    parser.add_argument("--learning-rate", type=float, help="the optimizer's learning rate (default 0.01)")
    parser.add_argument("--momentum", type=float, help="SGD momentum (default 0.9)")
    parser.add_argument("--nesterov", action="store_true", help="use Nesterov momentum with SGD")
    parser.add_argument("--opt", action="append", metavar="NAME=VALUE", help="any other optimizer argument")
    parser.add_argument("--epochs", type=int, help="training epochs (default 10)")
    parser.add_argument("--batch-size", type=int, help="mini-batch size (default 32)")
    parser.add_argument("--seed", type=int, help="random seed (default 42)")
    parser.add_argument("--valid-size", type=int, help="validation samples taken from the training set "
                                                       "(default 5000 for sets of 50,000 or more, else 10%%)")
    parser.add_argument("--out", help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files (DIR/train, "
                        "DIR/validation; pip install trainlab[tensorboard]); view with tensorboard --logdir DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--diagnose", action="store_true",
                        help="run the training doctor: print per-layer findings and write diagnostics.json")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from trainlab.callbacks import Diagnostics

    config = config_from_args(args)
    diagnostics = Diagnostics() if args.diagnose else None
    try:
        results = run(config, verbose=0 if args.quiet else 1, diagnostics=diagnostics)
    except FloatingPointError:
        if diagnostics is not None:  # what the doctor saw before the loss blew up is the useful part
            print(diagnostics.report())
        raise
    for split in ("train", "valid", "test"):
        metrics = " - ".join(f"{key}: {value:.4f}" for key, value in results[split].items())
        print(f"{split:>5}: {metrics}")
    if diagnostics is not None:
        print(diagnostics.report())
    written = "history.json, learning_curves.png, model.zip" + (", diagnostics.json" if diagnostics else "")
    print(f"trained in {results['seconds']:.1f}s; wrote {written} to {config.out}")
    if config.tensorboard:
        print(f"wrote TensorBoard logs to {config.tensorboard}; view them with: tensorboard --logdir {config.tensorboard}")
    return 0
