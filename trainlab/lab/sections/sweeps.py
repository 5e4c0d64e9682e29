"""Figures of the batchnorm, clipping and schedules studies, computed from the records alone.

* ``init_scale_sensitivity``: final validation value of the target metric against the weight
  initialization scale, one line per BN placement (read from each run's config, not arm names);
* ``divergence_counts``: diverged runs per arm over the tuning grid and the final seeds;
* ``schedule_summary``: the learning rate each arm actually used, first and last epoch.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from trainlab.lab import plots
from trainlab.lab.extras import figure_block, register
from trainlab.lab.results import mean_std


@register("init_scale_sensitivity")
def init_scale_sensitivity(summary: dict, rows: list[dict]) -> list[tuple]:
    metric = f"val_{summary['base']}"
    lines: dict[str, dict[float, list]] = defaultdict(lambda: defaultdict(list))
    for arm in summary["arms"]:
        for run in arm.runs:
            model = run["config"]["model"]
            scale = model["initializer"]["scale"] if isinstance(model["initializer"], dict) else None
            history = run["history"].get(metric) or [None]
            if scale is not None:
                lines[model["batchnorm"]][scale].append(history[-1])
    if not lines:
        return []
    figure, (axes,) = plots.new_figure()
    for placement, points in lines.items():
        scales = sorted(points)
        stats = [mean_std(points[s]) for s in scales]
        mean = np.array([np.nan if m is None else m for m, _ in stats])
        std = np.array([np.nan if s is None else s for _, s in stats])
        line, = axes.plot(scales, mean, marker="o", markersize=3, label=f"BN {placement}")
        axes.fill_between(scales, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    axes.set_xscale("log", base=2)
    axes.set_xlabel("initializer variance scale")
    axes.set_title(f"final {metric} (mean ± std over seeds)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return figure_block("init_scale_sensitivity", f"Final {metric} vs initialization scale per BN placement",
                        plots.to_png(figure))


@register("divergence_counts")
def divergence_counts(summary: dict, rows: list[dict]) -> list[tuple]:
    """Per arm: of its tuning points (by learning rate) and final seeds, how many diverged."""
    table = []
    labels, tuned, final = [], [], []
    for arm, row in zip(summary["arms"], rows):
        diverged_points = [point for point, score in arm.tuning if score is None]
        tuned.append(len(diverged_points))
        final.append(row["diverged"] - len(diverged_points))
        labels.append(arm.label)
        shown = ", ".join(str(next(iter(p.values()))) for p in diverged_points) or "—"
        table.append([arm.label, f"{len(diverged_points)}/{len(arm.tuning)}", shown, str(final[-1])])
    figure, (axes,) = plots.new_figure()
    positions = np.arange(len(labels))
    axes.bar(positions - 0.2, tuned, width=0.4, label="tuning runs")
    axes.bar(positions + 0.2, final, width=0.4, label="final runs")
    axes.set_xticks(positions, labels, rotation=20, fontsize="small")
    axes.set_ylabel("diverged or crashed runs" if any(r["crashed"] for r in rows) else "diverged runs")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3, axis="y")
    return [("h2", "Divergences"),
            ("table", ["arm", "tuning points not finishing ok", "their grid values", "final runs diverged"], table),
            *figure_block("divergence_counts", "Diverged runs per arm", plots.to_png(figure))]


@register("schedule_summary")
def schedule_summary(summary: dict, rows: list[dict]) -> list[tuple]:
    """The recorded learning rate of the first and last epoch (mean over seeds) per arm."""
    body = []
    for arm in summary["arms"]:
        rates = [run["history"].get("learning_rate") for run in arm.runs]
        rates = [r for r in rates if r]
        first, _ = mean_std([r[0] for r in rates])
        last, _ = mean_std([r[-1] for r in rates])
        shown = ["—" if v is None else f"{v:.3g}" for v in (first, last)]
        ratio = "—" if not first or last is None else f"{last / first:.3g}"
        body.append([arm.label, str(arm.chosen or "—"), *shown, ratio])
    return [("h2", "Learning rates used"),
            ("p", "The rate at the end of the first and the last epoch, read from the final runs' histories."),
            ("table", ["arm", "chosen", "rate after epoch 1", "rate after last epoch", "last / first"], body)]
