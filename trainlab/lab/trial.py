"""One run of a study: seed, build, train, (final runs only) test, and return its record.

:func:`execute` is the function every executor runs (in-process, in a worker process or on a
Dask worker). It never raises for a training problem: a run whose loss becomes NaN or infinite
(or whose optimizer refuses non-finite gradients) comes back ``diverged``, any other exception
``crashed`` with the error, so the study goes on and the report shows it.

A record is plain JSON: the task (key, study, phase, arm, seed, grid point, config and its hash),
``status`` and ``error``, the per-epoch ``history``, ``test`` metrics (final runs; with
``evaluation.mc_samples`` also ``test["mc"]``, see :mod:`trainlab.lab.evaluation`), ``weights``
(with ``evaluation.sparsity``), ``pretrain`` (two-stage runs, :mod:`trainlab.lab.transfer`),
``callbacks`` (``{name: to_dict()}`` of the study's callbacks that have one, e.g. ``Diagnostics``;
kept for diverged runs too), ``learning_rate`` (the rate applied, per step for scheduled runs,
see :func:`_run_log`), ``sizes`` of the splits and ``steps_per_epoch`` (so speed is counted in
optimizer steps), the splits the run read, the library environment, and ``timing`` (the only
part that differs between two executions of the same task).
"""
from __future__ import annotations

import math
import os
import platform
import time
import traceback

import numpy as np

from trainlab.lab import build, data, evaluation, transfer

DIVERGENCE_ERRORS = (FloatingPointError, OverflowError)


def environment() -> dict:
    """Library and machine facts stored with every record (the report's provenance)."""
    import trainlab

    return {
        "trainlab": trainlab.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def _number(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _history(raw: dict) -> dict[str, list]:
    """Per-epoch lists of plain floats; NaN and infinities become None (strict JSON)."""
    return {key: [_number(v) for v in values] for key, values in raw.items()}


#: Most learning-rate points a record keeps per run (a scheduled Fashion-MNIST run takes 17,190
#: steps; every ⌈steps / 1000⌉-th step is plenty to draw 1cycle's warm-up or a staircase).
RATE_POINTS = 1000


def _run_log(per_step: bool, total_steps: int):
    """The lab's recording callback: every epoch's logs and duration (kept even if training stops
    with an error) and the learning rate the optimizer applies, read from the optimizer itself.

    ``per_step`` (scheduled runs) samples the rate before every ``stride``-th update, so a
    schedule's shape is visible within an epoch; otherwise it is read once per epoch, which keeps
    the training loop free of per-batch callbacks. A final point closes the series at the last step.
    """
    from trainlab.callbacks import Callback

    class RunLog(Callback):
        def __init__(self):
            super().__init__()
            self.logs: dict[str, list] = {}
            self.seconds: list[float] = []
            self.rates: dict[str, list] = {"per": "step" if per_step else "epoch", "steps": [], "values": []}
            self.step = 0
            self._start = 0.0

        def _rate(self):
            self.rates["steps"].append(self.step)
            self.rates["values"].append(_number(self.model.optimizer.current_learning_rate()))

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()
            if not per_step:
                self._rate()

        def on_epoch_end(self, epoch, logs=None):
            self.step += 0 if per_step else self.params["steps"]
            self.seconds.append(time.perf_counter() - self._start)
            if logs is not None:  # fit logs the rate only under an LR callback (Keras 3); records keep it
                logs.setdefault("learning_rate", self.model.optimizer.current_learning_rate())
            for key, value in (logs or {}).items():
                self.logs.setdefault(key, []).append(value)

        def on_train_end(self, logs=None):
            if self.rates["steps"] and self.rates["steps"][-1] != self.step:
                self.rates["steps"].append(self.step)
                self.rates["values"].append(self.rates["values"][-1])

    class StepLog(RunLog):
        stride = max(1, -(-total_steps // RATE_POINTS))

        def on_train_batch_begin(self, batch, logs=None):
            if self.step % self.stride == 0:
                self._rate()
            self.step += 1

    return StepLog() if per_step else RunLog()


def execute(task: dict) -> dict:
    """Train the run ``task`` describes (see :mod:`trainlab.lab.protocol`) and return its record.

    BLAS is pinned to one thread so runs executing side by side do not oversubscribe the cores,
    and so that serial and parallel execution do the same arithmetic. NumPy's overflow warnings
    are silenced: tuning explores rates that diverge on purpose, and the record says so.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), np.errstate(all="ignore"):
        return _range_test(task) if task["phase"] == "range" else _train(task)


def _train(task: dict) -> dict:
    from trainlab import backend, random

    started = time.perf_counter()
    record = {**task, "status": "ok", "error": None, "history": {}, "test": None, "callbacks": {}}
    config, training = task["config"], task["config"]["training"]
    log, callbacks = None, []
    splits = data.load_splits(config["data"])
    steps_per_epoch = splits.steps_per_epoch(training["batch_size"])
    record.update(sizes=splits.sizes, steps_per_epoch=steps_per_epoch)
    try:
        log = _run_log(build.scheduled(training), steps_per_epoch * training["epochs"])
        backend.clear_session()
        random.set_random_seed(task["seed"])
        if config.get("pretrain", {}).get("epochs"):
            callbacks = build.build_callbacks(training)
            model, raw_history, source = transfer.fit_on_pretrained(config, splits, [*callbacks, log])
            record["pretrain"] = {**source, "history": _history(source["history"])}
        else:
            model = build.build_model(config, splits.sample_shape, splits.num_classes, steps_per_epoch)
            callbacks = build.build_callbacks(training)
            raw_history = model.fit(*splits.train, batch_size=training["batch_size"], epochs=training["epochs"],
                                    validation_data=splits.validation, callbacks=[*callbacks, log], verbose=0,
                                    shuffle=True).history
        record["history"] = _history(raw_history)
        measures = config.get("evaluation", {})
        if any(v is None for v in record["history"].get("loss", [])):
            record.update(status="diverged", error="the training loss became NaN or infinite")
        elif task["phase"] == "final":
            scores = model.evaluate(*splits.test, verbose=0, return_dict=True)
            record["test"] = {name: _number(value) for name, value in scores.items()}
            if measures.get("mc_samples"):
                record["test"]["mc"] = evaluation.mc_scores(model, *splits.test, measures["mc_samples"], task["seed"])
        if record["status"] == "ok" and measures.get("sparsity"):
            record["weights"] = evaluation.weight_sparsity(model)
    except DIVERGENCE_ERRORS as error:
        record.update(status="diverged", error=f"{type(error).__name__}: {error}")
        record["history"] = _history(log.logs)
    except Exception as error:  # the study goes on; the record says what broke
        record.update(status="crashed", error=_describe(error))
        record["history"] = _history(log.logs) if log is not None else {}
    record["callbacks"] = build.callback_data(training["callbacks"], callbacks)
    record["learning_rate"] = log.rates if log is not None else None
    record["splits_read"] = sorted(splits.reads)
    record["environment"] = environment()
    record["timing"] = {
        "epoch_seconds": list(log.seconds) if log is not None else [],
        "wall_seconds": time.perf_counter() - started,
    }
    return record


def _range_test(task: dict) -> dict:
    """A learning-rate range test on the arm's network, optimizer and training split (no schedule
    and no callbacks: the sweep sets the rate itself). The record keeps the whole curve and the
    suggestion under ``range_test``; a sweep whose every loss is non-finite comes back ``diverged``."""
    from trainlab import backend, random
    from trainlab.lr_finder import find_learning_rate

    started = time.perf_counter()
    config, settings = task["config"], task["config"]["range_test"]
    training = {**config["training"], "schedule": {}, "callbacks": []}
    # the optimizer's own rate is irrelevant to the sweep; a "range_test" placeholder must not reach it
    training["optimizer"] = {key: (settings["min_lr"] if value == "range_test" else value)
                             for key, value in training["optimizer"].items()}
    record = {**task, "status": "ok", "error": None, "history": {}, "test": None, "callbacks": {},
              "learning_rate": None, "range_test": None}
    splits = data.load_splits(config["data"])
    steps_per_epoch = splits.steps_per_epoch(training["batch_size"])
    record.update(sizes=splits.sizes, steps_per_epoch=steps_per_epoch)
    try:
        backend.clear_session()
        random.set_random_seed(task["seed"])
        model = build.build_model({**config, "training": training}, splits.sample_shape, splits.num_classes,
                                  steps_per_epoch)
        result = find_learning_rate(model, *splits.train, min_lr=settings["min_lr"], max_lr=settings["max_lr"],
                                    steps=settings["steps"] or None, batch_size=training["batch_size"],
                                    smoothing=settings["smoothing"], divergence_factor=settings["divergence_factor"],
                                    rule=settings["rule"], seed=task["seed"])
        record["range_test"] = {
            "learning_rates": [float(v) for v in result.learning_rates],
            "losses": [_number(v) for v in result.losses],
            "smoothed_losses": [_number(v) for v in result.smoothed_losses],
            "suggested_learning_rate": float(f"{result.suggested_learning_rate:.6g}"),
            "rule": result.rule, "stop_reason": result.stop_reason}
    except ValueError as error:
        status = "diverged" if "non-finite" in str(error) else "crashed"
        record.update(status=status, error=f"{type(error).__name__}: {error}")
    except Exception as error:  # the study goes on; the record says what broke
        record.update(status="crashed", error=_describe(error))
    record["splits_read"] = sorted(splits.reads)
    record["environment"] = environment()
    record["timing"] = {"epoch_seconds": [], "wall_seconds": time.perf_counter() - started}
    return record


def _describe(error: BaseException) -> str:
    """The error and the innermost frames of its traceback (enough to find the bug)."""
    frames = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
    return "".join(frames).strip()


def crashed_record(task: dict, error: BaseException | str) -> dict:
    """The record of a run whose worker died (no history: nothing came back from it)."""
    return {**task, "status": "crashed", "error": str(error) if isinstance(error, str) else _describe(error),
            "history": {}, "test": None, "callbacks": {}, "learning_rate": None, "splits_read": [],
            "environment": environment(),
            "timing": {"epoch_seconds": [], "wall_seconds": None}}
