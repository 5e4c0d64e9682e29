"""Diagnostics: the training doctor — per-layer health measurements and the chapter's problems.

Before the first epoch and after every ``every`` epochs, a fixed probe batch (a sample of the
training data) goes once through the model in inference mode and once backward, without any
update, and the callback records per layer

* activation mean and standard deviation of the layer's outputs;
* saturated fraction — sigmoid outputs within 0.01 of 0 or 1, tanh outputs with |a| > 0.99;
* dead-unit fraction — ReLU units that output 0 for every probe sample;

and per trainable weight ``"layer/weight"`` the gradient norm ‖∇W‖ of the data loss, the weight
norm ‖W‖ and the update/weight ratio ‖W_t − W_{t−1}‖ / ‖W_{t−1}‖ between two checkpoints;
plus the training loss of every epoch. From these it flags vanishing or exploding gradients,
dying ReLUs, saturated sigmoid/tanh units, divergence and plateaus, each once, with the epoch it
first appeared, the evidence and the notes' remedy (:mod:`trainlab.diagnostics_rules`).

The probe disturbs nothing: the forward pass runs with ``training=False`` (no BN moving-statistics
update, no dropout mask drawn; layers random even then, like MC dropout, get their ``rng`` rewound),
the optimizer is not called, and the gradients it writes into the
layers' ``grads`` are overwritten by the next training step. Training with or without the callback
gives identical weights.
"""
from __future__ import annotations

import math

import numpy as np

from trainlab import activations
from trainlab import random as tl_random
from trainlab.callbacks.monitor import MonitorCallback
from trainlab.layers import Input
from trainlab.diagnostics_rules import (REMEDIES, Finding, Thresholds, activation_findings, divergence_evidence,
                                        gradient_findings, plateau_evidence)

SATURATION_MARGIN = 0.01  # sigmoid outputs within this of 0 or 1; tanh outputs beyond 1 − 2·margin in size


def _number(value) -> float | None:
    """A JSON-safe float: None where the value is not finite."""
    value = float(value)
    return value if math.isfinite(value) else None


def _activation_name(layer) -> str | None:
    activation = getattr(layer, "activation", None)
    if not isinstance(activation, activations.Activation):
        return None
    name = activations.serialize(activation)
    return name if isinstance(name, str) else name["class_name"]


def activation_statistics(layer, outputs: np.ndarray, histogram_bins: int = 0) -> dict:
    """Mean, std, saturated and dead fractions of one layer's outputs on the probe batch; with
    ``histogram_bins`` > 0 also ``histogram`` = {edges, counts} over the outputs' finite range."""
    flat = outputs.reshape(len(outputs), -1)
    activation = getattr(layer, "activation", None)
    saturated = dead = None
    if isinstance(activation, activations.Sigmoid):
        saturated = np.mean((flat < SATURATION_MARGIN) | (flat > 1 - SATURATION_MARGIN))
    elif isinstance(activation, activations.Tanh):
        saturated = np.mean(np.abs(flat) > 1 - SATURATION_MARGIN)
    elif isinstance(activation, activations.ReLU):
        dead = np.mean(np.all(flat <= 0, axis=0))
    with np.errstate(all="ignore"):
        mean, std = flat.mean(), flat.std()
    statistics = {"class_name": type(layer).__name__, "activation": _activation_name(layer), "mean": _number(mean),
                  "std": _number(std), "saturated_fraction": None if saturated is None else float(saturated),
                  "dead_fraction": None if dead is None else float(dead)}
    if histogram_bins:
        finite = flat[np.isfinite(flat)]
        counts, edges = np.histogram(finite, bins=histogram_bins) if finite.size else (np.zeros(0), np.zeros(0))
        statistics["histogram"] = {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}
    return statistics


def probe_gradients(model, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Forward in inference mode and backward on (x, y), as the training step does but without
    the update; returns the data loss and every layer's output. Gradients land in ``layer.grads``."""
    # Layers random even at inference (MC dropout) draw from their ``rng``: rewind it afterwards so
    # the training run sees the same masks as without the probe.
    saved_rngs = [(layer.rng, tl_random.get_state(layer.rng)) for layer in model._layers if hasattr(layer, "rng")]
    outputs = []
    activations_in = x
    for layer in model._layers:
        activations_in = layer.call(activations_in, training=False)
        outputs.append(activations_in)
    with np.errstate(all="ignore"):
        if model._loss_fuses_with_output():
            loss, grad = model.loss.value_and_logit_gradient(y, model._layers[-1].preactivation)
            model.backward(grad, skip_last=True)
        else:
            loss = model.loss.value(y, activations_in)
            model.backward(model.loss.gradient(y, activations_in))
    for rng, state in saved_rngs:
        tl_random.set_state(rng, state)
    return float(loss), outputs


class Diagnostics(MonitorCallback):
    """Record per-layer health on a probe batch and flag the chapter's training problems.

    Args:
        every: probe after every ``every`` epochs (default 1); >= 1. The loss is checked every epoch.
        sample_size: probe samples drawn without replacement from the training data (default 256);
            >= 1 (all of them when fewer).
        seed: seed of the probe sample (default 0). An explicit seed keeps the callback from drawing
            on trainlab's root seed sequence, so adding it leaves training's random numbers alone.
        probe: optional ``(x, y)`` to probe instead of a sample of ``fit``'s training data.
        histogram_bins: when > 0 (default 0: off), each layer's record also holds a histogram of its
            outputs on the probe batch, ``{"edges": [bins + 1 floats], "counts": [bins ints]}`` over
            the finite outputs' range (empty lists when none is finite).
        **thresholds: when each problem is flagged; names and defaults in
            :class:`trainlab.diagnostics_rules.Thresholds`.

    Attributes:
        records: one JSON-safe dict per probe: ``epoch`` (epochs completed, 0 = before training),
            ``loss`` (training loss of that epoch; None before training), ``probe_loss``,
            ``layers`` {name: {class_name, activation, mean, std, saturated_fraction,
            dead_fraction, depth (position in the model)[, histogram]}}, ``params`` {"layer/weight": {grad_norm, weight_norm, update_ratio}}.
            Values that do not apply, or are not finite, are None.
        findings: :class:`Finding` (problem, layer, evidence, remedy, epoch), each problem once.
        losses: the training loss of every epoch (None where not finite).

    Raises:
        ValueError: a bad ``every``, ``sample_size``, threshold or ``probe``; at the start of
            training, no probe data (pass ``probe=`` when not training with ``fit``).

    Note:
        Gradients are those of the data loss only (regularization penalties left out), computed
        in inference mode: BatchNormalization uses its moving statistics, dropout is off. When the
        loss becomes non-finite, ``fit`` raises unless a ``TerminateOnNaN`` callback is present;
        the findings made until then stay on this object.
    """

    def __init__(self, every: int = 1, sample_size: int = 256, seed: int | None = 0, probe=None,
                 histogram_bins: int = 0, **thresholds):
        unknown = set(thresholds) - set(Thresholds.__dataclass_fields__)
        if unknown:
            raise TypeError(f"Diagnostics got unknown arguments {sorted(unknown)}; thresholds are "
                            f"{', '.join(Thresholds.__dataclass_fields__)}.")
        self.thresholds = Thresholds(**thresholds)
        super().__init__(monitor="loss", mode="min", min_delta=self.thresholds.plateau_min_delta)
        for name, value, least in (("every", every, 1), ("sample_size", sample_size, 1),
                                   ("histogram_bins", histogram_bins, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise ValueError(f"Diagnostics {name} must be an integer >= {least}; got {value!r}")
        if probe is not None and (not isinstance(probe, (tuple, list)) or len(probe) != 2):
            raise ValueError(f"Diagnostics probe must be a pair (x, y); got {type(probe).__name__}")
        self.every, self.sample_size, self.seed, self.probe = int(every), int(sample_size), seed, probe
        self.histogram_bins = int(histogram_bins)
        self._reset()

    def _reset(self) -> None:
        self.records: list[dict] = []
        self.findings: list[Finding] = []
        self.losses: list[float | None] = []
        self.reset_monitor()
        self._plateau_wait = 0
        self._divergence_wait = 0
        self._previous_weights: dict[str, np.ndarray] = {}
        self._baseline_pending = True

    # -- hooks ----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._reset()
        x, y = self.probe if self.probe is not None else (getattr(self.model, "fit_data", None) or (None, None))
        if x is None:
            raise ValueError("Diagnostics has no probe data: train with model.fit, or pass probe=(x, y).")
        x, y = self.model._prepare(x, y, what="probe ")
        if len(x) > self.sample_size:
            index = np.sort(tl_random.generator(self.seed).choice(len(x), self.sample_size, replace=False))
            x, y = x[index], y[index]
        self._probe_x, self._probe_y = x, y

    def on_epoch_begin(self, epoch, logs=None):
        if self._baseline_pending:
            self._baseline_pending = False
            record = self._measure(epoch, loss=None)
            if record["probe_loss"] is not None and self.best is None:
                self.best = record["probe_loss"]  # the loss training starts from: the first reference

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        loss = None if loss is None else float(loss)
        self.losses.append(None if loss is None else _number(loss))
        if (epoch + 1) % self.every == 0:
            self._measure(epoch + 1, loss)
        if loss is not None:
            self._check_loss(epoch + 1, loss)

    # -- measuring and judging ------------------------------------------------------------------
    def _measure(self, epoch: int, loss: float | None) -> dict:
        probe_loss, outputs = probe_gradients(self.model, self._probe_x, self._probe_y)
        # ``depth`` keeps the layer order for readers of the JSON, whose keys may come back sorted.
        layers = {layer.name: {**activation_statistics(layer, out, self.histogram_bins), "depth": depth}
                  for depth, (layer, out) in enumerate(zip(self.model._layers, outputs)) if not isinstance(layer, Input)}
        params = {}
        for layer in self.model.layers:
            if not layer.trainable:
                continue
            for name, weight in layer.params.items():
                path = f"{layer.name}/{name}"
                params[path] = self._weight_statistics(path, weight, layer.grads[name])
        record = {"epoch": int(epoch), "loss": None if loss is None else _number(loss),
                  "probe_loss": _number(probe_loss), "layers": layers, "params": params}
        self.records.append(record)
        for problem, layer, evidence in (gradient_findings(record, self.thresholds)
                                         + activation_findings(record, self.thresholds)):
            self._flag(problem, layer, evidence, epoch)
        return record

    def _weight_statistics(self, path: str, weight: np.ndarray, grad: np.ndarray) -> dict:
        with np.errstate(all="ignore"):
            grad_norm, weight_norm = np.linalg.norm(grad), np.linalg.norm(weight)
            previous = self._previous_weights.get(path)
            update_ratio = None
            if previous is not None:
                previous_norm = np.linalg.norm(previous)
                update_ratio = _number(np.linalg.norm(weight - previous) / previous_norm) if previous_norm else None
                np.copyto(previous, weight)
            else:
                self._previous_weights[path] = weight.copy()
        return {"grad_norm": _number(grad_norm), "weight_norm": _number(weight_norm), "update_ratio": update_ratio}

    def _check_loss(self, epoch: int, loss: float) -> None:
        limits = self.thresholds
        if not math.isfinite(loss):
            self._flag("divergence", None, divergence_evidence(loss, self.best, 0, limits.divergence_tolerance), epoch)
            return
        risen = self.best is not None and loss > (1 + limits.divergence_tolerance) * self.best
        self._divergence_wait = self._divergence_wait + 1 if risen else 0
        if self._divergence_wait >= limits.divergence_patience:
            self._flag("divergence", None, divergence_evidence(loss, self.best, self._divergence_wait,
                                                              limits.divergence_tolerance), epoch)
        if self.is_improvement(loss, self.best):
            self.best, self._plateau_wait = loss, 0
            return
        self._plateau_wait += 1
        if self._plateau_wait >= limits.plateau_patience:
            self._flag("plateau", None, plateau_evidence(self.best, self._plateau_wait, self.min_delta), epoch)

    def _flag(self, problem: str, layer: str | None, evidence: str, epoch: int) -> None:
        if all(finding.problem != problem for finding in self.findings):
            self.findings.append(Finding(problem, layer, evidence, REMEDIES[problem], int(epoch)))

    # -- output -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Everything, JSON-safe: thresholds, findings, per-epoch losses and the probe records."""
        return {"thresholds": vars(self.thresholds).copy(), "findings": [f.to_dict() for f in self.findings],
                "losses": list(self.losses), "records": self.records}

    def report(self) -> str:
        """The findings (or that there are none) and the last probe's per-layer table."""
        lines = ["Diagnostics"]
        if not self.findings:
            lines.append("  no problems found" + (f" in {len(self.losses)} epochs" if self.losses else ""))
        for finding in self.findings:
            where = f" in {finding.layer}" if finding.layer else ""
            when = "before training" if finding.epoch == 0 else f"after epoch {finding.epoch}"
            lines += [f"  * {finding.problem.replace('_', ' ')}{where} ({when}): {finding.evidence}",
                      f"    remedy: {finding.remedy}"]
        if self.records:
            lines += ["", *layer_table(self.records[-1])]
        return "\n".join(lines)

    # -- checkpoint state ------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {**super().get_state(), "plateau_wait": self._plateau_wait,
                "divergence_wait": self._divergence_wait, "findings": [f.to_dict() for f in self.findings]}

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._plateau_wait = int(state.get("plateau_wait", 0))
        self._divergence_wait = int(state.get("divergence_wait", 0))
        self.findings = [Finding(**finding) for finding in state.get("findings", [])]


def layer_table(record: dict) -> list[str]:
    """The per-layer part of one record as aligned text lines."""
    def show(value, form):
        return "-" if value is None else format(value, form)

    header = f"  after epoch {record['epoch']}:" if record["epoch"] else "  before training:"
    rows = [("layer", "activation", "mean", "std", "saturated", "dead", "|grad W|", "|dW|/|W|")]
    for name, stats in record["layers"].items():
        kernel = record["params"].get(f"{name}/kernel", {})
        rows.append((name, stats["activation"] or stats["class_name"], show(stats["mean"], ".3f"),
                     show(stats["std"], ".3f"), show(stats["saturated_fraction"], ".0%"),
                     show(stats["dead_fraction"], ".0%"), show(kernel.get("grad_norm"), ".2e"),
                     show(kernel.get("update_ratio"), ".2e")))
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
    return [header] + ["    " + "".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
