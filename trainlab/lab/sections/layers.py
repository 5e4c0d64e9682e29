"""Per-layer figures from ``Diagnostics`` records: histograms, gradient norms, mean/std by depth.

Used by ``init-activation`` (``activation_histograms``, ``gradient_norms``) and ``deep-selu``
(``layer_statistics``). Every figure reads the ``Diagnostics`` data that each arm's ok final runs
left in their records (``record["callbacks"]["Diagnostics"]``); the probe at epoch 0 is the
network at initialization, before any update.
"""
from __future__ import annotations

import numpy as np

from trainlab.lab import plots
from trainlab.lab.extras import callback_runs, figure_block, register

CALLBACK = "Diagnostics"


def _hidden_layers(probe: dict) -> list[str]:
    """Names of the layers with an activation function, in depth order (the output layer excluded)."""
    ordered = sorted(probe["layers"].items(), key=lambda item: item[1]["depth"])
    names = [name for name, stats in ordered if stats["activation"]]
    return names[:-1]


def _probe(arm, epoch: int | None = 0) -> dict | None:
    """The first seed's probe after ``epoch`` epochs (None: the last probe)."""
    runs = callback_runs(arm, CALLBACK)
    if not runs or not runs[0]["records"]:
        return None
    probes = runs[0]["records"]
    if epoch is None:
        return probes[-1]
    return next((probe for probe in probes if probe["epoch"] == epoch), None)


def _figure(rows: int, columns: int, width: float = 1.3, height: float = 1.0):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1.6 + width * columns, 0.6 + height * rows), dpi=plots.DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=False)


@register("activation_histograms")
def activation_histograms(summary: dict, rows: list[dict]) -> list[tuple]:
    """The book's figure: one row per arm, one histogram per hidden layer, at initialization."""
    probes = [(arm, _probe(arm)) for arm in summary["arms"]]
    probes = [(arm, probe) for arm, probe in probes if probe is not None
              and all("histogram" in probe["layers"][name] for name in _hidden_layers(probe))]
    if not probes:
        return []
    depth = max(len(_hidden_layers(probe)) for _, probe in probes)
    figure, grid = _figure(len(probes), depth)
    for row, (arm, probe) in enumerate(probes):
        for column, name in enumerate(_hidden_layers(probe)):
            axes = grid[row][column]
            histogram = probe["layers"][name]["histogram"]
            if histogram["counts"]:
                edges = np.asarray(histogram["edges"])
                axes.stairs(histogram["counts"], edges, fill=True)
            axes.set_yticks([])
            axes.tick_params(labelsize=5)
            if row == 0:
                axes.set_title(f"layer {column + 1}", fontsize=7)
        grid[row][0].set_ylabel(arm.label, fontsize=7, rotation=0, ha="right", va="center")
    caption = "Activation histograms per hidden layer at initialization (probe batch, first seed)"
    return figure_block("activation_histograms", caption, plots.to_png(figure))


@register("gradient_norms")
def gradient_norms(summary: dict, rows: list[dict]) -> list[tuple]:
    """‖∇W‖ of each hidden layer's kernel at initialization, one line per arm (log scale)."""
    figure, (axes,) = plots.new_figure()
    drawn = False
    for arm in summary["arms"]:
        probe = _probe(arm)
        if probe is None:
            continue
        norms = [probe["params"].get(f"{name}/kernel", {}).get("grad_norm") for name in _hidden_layers(probe)]
        values = [np.nan if norm is None else norm for norm in norms]
        axes.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=arm.label)
        drawn = True
    if not drawn:
        return []
    axes.set_yscale("log")
    axes.set_xlabel("hidden layer")
    axes.set_title("kernel gradient norm at initialization")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=5, ncol=2)
    return figure_block("gradient_norms", "Gradient norm per layer at initialization (first seed)",
                        plots.to_png(figure))


@register("layer_statistics")
def layer_statistics(summary: dict, rows: list[dict]) -> list[tuple]:
    """Activation mean and std by depth, at initialization (solid) and after training (dashed)."""
    figure, (left, right) = plots.new_figure(2)
    drawn = False
    for arm in summary["arms"]:
        first, last = _probe(arm), _probe(arm, None)
        if first is None:
            continue
        for probe, style, when in ((first, "-", "init"), (last, "--", f"epoch {last['epoch']}")):
            names = _hidden_layers(probe)
            depth = range(1, len(names) + 1)
            for axes, key in ((left, "mean"), (right, "std")):
                values = [np.nan if probe["layers"][n][key] is None else probe["layers"][n][key] for n in names]
                axes.plot(depth, values, style, label=f"{arm.label}, {when}")
        drawn = True
    if not drawn:
        return []
    for axes, key in ((left, "mean"), (right, "std")):
        axes.set_xlabel("hidden layer")
        axes.set_title(f"activation {key} (probe batch, first seed)")
        axes.grid(alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize="x-small")
    return figure_block("layer_statistics", "Per-layer activation mean and std, at init and after training",
                        plots.to_png(figure))
