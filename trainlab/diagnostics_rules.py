"""The training doctor's rules: what counts as each of the chapter's problems, and its remedy.

The rules read one probe record (see :class:`trainlab.callbacks.Diagnostics`) and return
``(problem, layer, evidence)`` triples; the callback adds the epoch and keeps only the first
occurrence of each problem. The loss-trend problems (divergence, plateau) need the history of
the loss, so the callback decides them and takes their wording from here.

Gradient sizes are compared as *relative gradients* ρ = ‖∇W‖ / ‖W‖ of each layer's kernel:
what one plain SGD step changes, relative to the weight's own size. Raw norms mislead when the
layers' weight scales differ — in the notes' sigmoid + N(0, 1) network the hidden kernels' raw
gradients are only ~30× below the output layer's, but relative to their weights they are ~400×
below, which is why the lower layers barely move.

Remedies follow the study notes (``seeds/``): 001 = Hands-On ML ch. 11 lecture notes,
004 = the DNN enhancement notes, 000 = the optimizer and learning-rate-schedule notes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

PROBLEMS = ("vanishing_gradients", "exploding_gradients", "dying_relus", "saturated_activations", "divergence",
            "plateau")

REMEDIES = {
    "vanishing_gradients": (
        "Initialize for the activation (He for the ReLU family and ELU, Glorot for tanh/sigmoid, LeCun normal "
        "for SELU) instead of N(0, 1); switch to a non-saturating activation (ReLU family, ELU, SELU); add "
        "BatchNormalization. [notes 001 'vanishing/exploding gradients', 'initialization', 'batch "
        "normalization'; 004 'gradient vanishing', 'weight initialization']"),
    "exploding_gradients": (
        "Clip the gradients (e.g. SGD(clipnorm=1.0); clipvalue changes the direction), lower the learning rate, "
        "use He/Glorot initialization or add BatchNormalization. [notes 001 'gradient clipping'; 004 "
        "'gradient exploding', 'gradient clipping']"),
    "dying_relus": (
        "Use LeakyReLU (slope 0.01-0.2), RReLU, PReLU or ELU, which never output a constant zero; lower the "
        "learning rate (large rates kill ReLUs); use He initialization with zero biases. [notes 001 'ReLU', "
        "'LeakyReLU'; 004 'dying ReLU']"),
    "saturated_activations": (
        "Use a ReLU-family activation, ELU or SELU in the hidden layers, or add BatchNormalization so the "
        "inputs of the sigmoid/tanh stay in its sensitive range; keep Glorot initialization with sigmoid/tanh. "
        "[notes 001 'vanishing/exploding gradients', 'activation functions', 'batch normalization'; 004 "
        "'activation functions']"),
    "divergence": (
        "Lower the learning rate (try 10x smaller), clip the gradients (clipnorm=1.0), check that the inputs are "
        "scaled; TerminateOnNaN stops a run cleanly instead of raising. [notes 001 'gradient clipping'; 004 "
        "'gradient exploding', 'learning rate']"),
    "plateau": (
        "Schedule the learning rate: ReduceLROnPlateau(factor=0.5, patience=5), exponential or piecewise "
        "decay, or 1cycle; momentum or Nadam also helps leave flat regions. [notes 000 'learning-rate "
        "scheduling'; 004 'learning-rate scheduling']"),
}


@dataclass(frozen=True)
class Finding:
    """One problem, first seen at ``epoch`` (epochs completed; 0 = before training)."""

    problem: str
    layer: str | None
    evidence: str
    remedy: str
    epoch: int

    def to_dict(self) -> dict:
        return {"problem": self.problem, "layer": self.layer, "evidence": self.evidence, "remedy": self.remedy,
                "epoch": self.epoch}


@dataclass(frozen=True)
class Thresholds:
    """When each problem is flagged (the callback's keyword arguments, same names).

    Args:
        vanishing_ratio: flag vanishing gradients when a lower layer's relative gradient is below
            this fraction of the output layer's (default 1e-2: two orders of magnitude); in (0, 1).
        exploding_ratio: flag exploding gradients when a lower layer's relative gradient exceeds the
            output layer's by this factor — gradients growing downward (default 100); > 1.
        exploding_gradient: flag exploding gradients when any layer's relative gradient exceeds this
            (default 100: one SGD step at lr 0.01 would move the weights by their own norm); > 0.
            Non-finite gradients are always flagged.
        dead_threshold: flag dying ReLUs when more than this fraction of a hidden ReLU layer's
            units output 0 for every probe sample (default 0.4; the notes: "half the neurons may be
            dead"); in (0, 1).
        saturation_threshold: flag saturation when more than this fraction of a hidden
            sigmoid/tanh layer's outputs are within 0.01 of the bounds (default 0.3); in (0, 1).
        divergence_tolerance: the loss counts as risen when above (1 + tolerance) × its best so far
            (default 0.1); > 0. A non-finite loss is always divergence.
        divergence_patience: consecutive risen epochs that make divergence (default 2); >= 1.
        plateau_patience: epochs without improvement that make a plateau (default 3); >= 1.
        plateau_min_delta: the smallest decrease of the loss that counts as improvement
            (default 1e-3); >= 0.
    """

    vanishing_ratio: float = 1e-2
    exploding_ratio: float = 1e2
    exploding_gradient: float = 1e2
    dead_threshold: float = 0.4
    saturation_threshold: float = 0.3
    divergence_tolerance: float = 0.1
    divergence_patience: int = 2
    plateau_patience: int = 3
    plateau_min_delta: float = 1e-3

    def __post_init__(self):
        checks = {
            "vanishing_ratio": (0 < self.vanishing_ratio < 1, "a number in (0, 1)"),
            "exploding_ratio": (self.exploding_ratio > 1, "a number > 1"),
            "exploding_gradient": (self.exploding_gradient > 0, "a number > 0"),
            "dead_threshold": (0 < self.dead_threshold < 1, "a number in (0, 1)"),
            "saturation_threshold": (0 < self.saturation_threshold < 1, "a number in (0, 1)"),
            "divergence_tolerance": (self.divergence_tolerance > 0, "a number > 0"),
            "divergence_patience": (_is_count(self.divergence_patience), "an integer >= 1"),
            "plateau_patience": (_is_count(self.plateau_patience), "an integer >= 1"),
            "plateau_min_delta": (self.plateau_min_delta >= 0, "a number >= 0"),
        }
        for name, (valid, expected) in checks.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not valid:
                raise ValueError(f"Diagnostics {name} must be {expected}; got {value!r}")


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def relative_gradients(record: dict) -> list[tuple[str, float | None]]:
    """``[(layer, ρ)]`` for every kernel, bottom to top; ρ is None where it is undefined or
    not finite (a zero kernel, or a non-finite gradient — flagged separately)."""
    rows = []
    for path, stats in record["params"].items():
        layer, _, weight = path.rpartition("/")
        if weight == "kernel":
            grad, norm = stats["grad_norm"], stats["weight_norm"]
            rows.append((layer, grad / norm if grad is not None and norm else None))
    return rows


def gradient_findings(record: dict, limits: Thresholds) -> list[tuple[str, str | None, str]]:
    """Vanishing and exploding gradients from the kernels' relative gradients."""
    findings = []
    non_finite = [path for path, stats in record["params"].items() if stats["grad_norm"] is None]
    if non_finite:
        findings.append(("exploding_gradients", non_finite[0].rpartition("/")[0],
                         f"non-finite gradients in {', '.join(non_finite)}"))
    rows = [(layer, rho) for layer, rho in relative_gradients(record) if rho is not None]
    if rows:
        layer, rho = max(rows, key=lambda row: row[1])
        if rho > limits.exploding_gradient:
            findings.append(("exploding_gradients", layer,
                             f"relative gradient ||grad W||/||W|| of {layer} is {rho:.3g} "
                             f"(> {limits.exploding_gradient:g})"))
    if len(rows) < 2 or not rows[-1][1] > 0:
        return _first_of_each(findings)
    top_layer, top = rows[-1]
    lowest_layer, lowest = min(rows[:-1], key=lambda row: row[1])
    highest_layer, highest = max(rows[:-1], key=lambda row: row[1])
    if lowest < limits.vanishing_ratio * top:
        findings.append(("vanishing_gradients", lowest_layer,
                         f"relative gradient ||grad W||/||W|| of {lowest_layer} is {lowest:.3g}, "
                         f"{lowest / top:.2g}x that of the output layer {top_layer} ({top:.3g})"))
    if highest > limits.exploding_ratio * top:
        findings.append(("exploding_gradients", highest_layer,
                         f"relative gradient of {highest_layer} is {highest:.3g}, {highest / top:.3g}x that of "
                         f"the output layer {top_layer} ({top:.3g}): gradients grow toward the input"))
    return _first_of_each(findings)


def _first_of_each(findings: list[tuple]) -> list[tuple]:
    """Keep the first (most telling) evidence of each problem."""
    seen: set[str] = set()
    return [finding for finding in findings if not (finding[0] in seen or seen.add(finding[0]))]


def activation_findings(record: dict, limits: Thresholds) -> list[tuple[str, str | None, str]]:
    """Dying ReLUs and saturated sigmoid/tanh units in the hidden layers (the output layer's
    activation is dictated by the task, so it is left out)."""
    hidden = list(record["layers"].items())[:-1]
    findings = []
    for key, problem, threshold, what in (
            ("dead_fraction", "dying_relus", limits.dead_threshold, "of the ReLU units output 0 for every "
                                                                    "probe sample"),
            ("saturated_fraction", "saturated_activations", limits.saturation_threshold,
             "of the outputs are within 0.01 of the activation's bounds")):
        measured = [(name, stats[key]) for name, stats in hidden if stats.get(key) is not None]
        if measured:
            name, fraction = max(measured, key=lambda row: row[1])
            if fraction > threshold:
                findings.append((problem, name, f"{fraction:.0%} {what} in {name} ({stats_name(record, name)})"))
    return findings


def stats_name(record: dict, layer: str) -> str:
    return record["layers"][layer]["activation"] or record["layers"][layer]["class_name"]


def divergence_evidence(loss: float, best: float | None, epochs_risen: int, tolerance: float) -> str:
    if not math.isfinite(loss):
        return f"the training loss became {loss}"
    return (f"the training loss ({loss:.4g}) has been more than {tolerance:.0%} above its best ({best:.4g}) "
            f"for {epochs_risen} epochs")


def plateau_evidence(best: float | None, wait: int, min_delta: float) -> str:
    return f"the training loss has not improved on {best:.4g} by more than {min_delta:g} for {wait} epochs"
