"""The report's standard figures, drawn from a :func:`trainlab.lab.results.summarize` summary.

Each function returns PNG bytes (or None when the records hold nothing to draw). Figures are
drawn on matplotlib's Agg canvas directly, without pyplot, so making a report never changes the
caller's matplotlib backend. Conventions: every axis is labelled, legends sit outside the axes
(right of them), an arm keeps its colour and line style in every figure, bands are the range
(minimum to maximum) over seeds, which stays valid on a log axis where mean − std may not, and
every seed's own value is drawn where a figure compares arms.
"""
from __future__ import annotations

import io
import math

import numpy as np

from trainlab.lab.results import curves
from trainlab.lab.statistics import finite

DPI = 110
VERDICT_COLOURS = {True: "#1a7f37", False: "#b42318", None: "#6e7781"}  # good, bad, undecided


def new_figure(columns: int = 1, height: float = 3.6, width: float = 5.2, legend: float = 0.0):
    """An Agg figure with ``columns`` side-by-side axes of ``width`` inches each, plus ``legend``
    inches on the right for a legend outside the axes: ``(figure, [axes...])``.

    Lines cycle through ten colours, then the same colours dashed, then dotted, so studies with
    many arms (init-activation has 22) never draw two arms alike.
    """
    from cycler import cycler
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * columns + legend, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    styles = cycler(linestyle=["-", "--", ":"]) * cycler(color=_palette())
    axes = [figure.add_subplot(1, columns, i + 1) for i in range(columns)]
    for axis in axes:
        axis.set_prop_cycle(styles)
    return figure, axes


def _palette():
    import matplotlib

    return matplotlib.colormaps["tab10"].colors


def arm_style(index: int) -> dict:
    """The colour and line style of the ``index``-th arm (the same in every figure)."""
    palette = _palette()
    return {"color": palette[index % 10], "linestyle": ["-", "--", ":"][(index // 10) % 3]}


def legend_outside(figure, axes, **options) -> None:
    """One legend for the figure, right of the axes, in as many columns as its length needs."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside right upper", fontsize="small", **options)


def _legend_width(arms) -> float:
    """Inches a legend of these arms' labels needs beside the axes."""
    longest = max((len(arm.label) for arm in arms), default=10) + 8
    return min(0.075 * longest, 4.0)


def _legend_height(arms) -> float:
    """Figure height that fits one legend line per arm (and the target line) beside the axes."""
    return max(3.6, 0.2 * (len(arms) + 1) + 0.5)


def to_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bands(axes, summary: dict, key: str) -> bool:
    """Mean over seeds of history ``key`` per arm, with the range over seeds shaded."""
    from matplotlib.ticker import MaxNLocator

    drawn = False
    for index, arm in enumerate(summary["arms"]):
        curve = curves(arm, key)
        if curve is None:
            continue
        epochs, mean, _, low, high = curve
        style = arm_style(index)
        axes.plot(epochs, mean, marker="o", markersize=3, label=f"{arm.label} (n = {len(arm.runs)})", **style)
        axes.fill_between(epochs, low, high, color=style["color"], alpha=0.15, linewidth=0)
        drawn = True
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    return drawn


def learning_curves(summary: dict) -> bytes | None:
    """Validation target metric and training loss per epoch (final runs; mean, range over seeds)."""
    figure, (left, right) = new_figure(2, height=_legend_height(summary["arms"]), width=3.9,
                                       legend=_legend_width(summary["arms"]))
    metric = f"val_{summary['base']}"
    if not _bands(left, summary, metric):
        return None
    left.set_ylabel(metric)
    left.set_title("validation (mean; shaded: range over seeds)", fontsize="medium")
    if summary["metric"] == metric:
        left.axhline(summary["target"], color="grey", linestyle="--", linewidth=1, label=f"target {summary['target']}")
    _bands(right, summary, "loss")
    right.set_yscale("log")
    right.set_ylabel("training loss (log scale)")
    right.set_title("training loss (mean; shaded: range)", fontsize="medium")
    legend_outside(figure, left)
    return to_png(figure)


def _rows(axes, labels: list[str]) -> None:
    axes.set_yticks(range(len(labels)), labels, fontsize="small")
    axes.set_ylim(len(labels) - 0.5, -0.5)
    axes.grid(alpha=0.3, axis="x")


def _seed_offsets(count: int) -> np.ndarray:
    """Fixed vertical offsets that keep the seeds of one row apart (no random jitter)."""
    return np.linspace(-0.2, 0.2, count) if count > 1 else np.zeros(count)


def comparison_figure(summary: dict) -> bytes | None:
    """Left: every seed's test value per arm (mean as a bar). Right: the forest plot of each arm's
    paired difference to the baseline, with its Holm-consistent t interval and the per-seed
    differences; green: better, red: worse, grey: not distinguishable (or not testable)."""
    base, arms = summary["base"], summary["arms"]
    key = f"test_{base}"
    if not any(finite(v) for arm in arms for v in arm.per_seed[key]):
        return None
    figure, (left, right) = new_figure(2, height=1.2 + 0.32 * len(arms), width=4.6)
    labels = [arm.label for arm in arms]
    for row, arm in enumerate(arms):
        values = np.array([v if finite(v) else np.nan for v in arm.per_seed[key]], dtype=float)
        left.scatter(values, row + _seed_offsets(len(values)), s=12, color=arm_style(row)["color"], zorder=3)
        if np.isfinite(values).any():
            left.plot([np.nanmean(values)] * 2, [row - 0.3, row + 0.3], color="black", linestyle="-", linewidth=1.5)
        comparison = summary["quality"].get(arm.name)
        if comparison is None or comparison.mean is None:
            continue
        colour = VERDICT_COLOURS[_good(comparison, summary["goal"]) if comparison.significant else None]
        right.scatter(comparison.differences, row + _seed_offsets(comparison.n), s=10, color=colour, alpha=0.45,
                      zorder=2)
        if comparison.low is not None:
            right.plot([comparison.low, comparison.high], [row, row], color=colour, linestyle="-", linewidth=2.5,
                       zorder=3)
        right.scatter([comparison.mean], [row], marker="D", s=28, color=colour, zorder=4)
    _rows(left, labels)
    left.set_xlabel(f"test {base} (dots: seeds; bar: mean)")
    _rows(right, labels)
    right.tick_params(labelleft=False)
    right.axvline(0, color="black", linewidth=0.8)
    right.set_xlabel(f"Δ test {base} vs {summary['baseline']} (paired by seed)")
    right.set_title("paired difference, Holm-consistent t interval", fontsize="medium")
    return to_png(figure)


def _good(comparison, goal: str) -> bool:
    return comparison.mean > 0 if goal == "max" else comparison.mean < 0


def speed_figure(summary: dict) -> bytes | None:
    """Every seed's epochs to the target per arm; seeds that never reached it are crosses at the
    budget. None when no seed of any arm reached the target (the report says so instead)."""
    if not summary["reached_any"]:
        return None
    arms = summary["arms"]
    figure, (axes,) = new_figure(height=1.4 + 0.32 * len(arms), width=7.0)
    for row, arm in enumerate(arms):
        epochs = arm.per_seed["epochs_to_target"]
        offsets = _seed_offsets(len(epochs))
        hit = [(e, o) for e, o in zip(epochs, offsets) if e is not None]
        missed = [o for e, o in zip(epochs, offsets) if e is None]
        if hit:
            axes.scatter([e for e, _ in hit], [row + o for _, o in hit], s=14, color=arm_style(row)["color"], zorder=3)
            axes.plot([np.mean([e for e, _ in hit])] * 2, [row - 0.3, row + 0.3], color="black", linestyle="-",
                      linewidth=1.5)
        if missed:
            axes.scatter([summary["budget"]] * len(missed), [row + o for o in missed], marker="x", s=24,
                         color="#b42318")
    _rows(axes, [arm.label for arm in arms])
    axes.axvline(summary["budget"], color="#b42318", linewidth=0.8, linestyle=":")
    axes.set_xlim(0, summary["budget"] * 1.05)
    goal = "≥" if summary["goal"] == "max" else "≤"
    axes.set_xlabel(f"epochs until {summary['metric']} {goal} {summary['target']}")
    return to_png(figure)


def _rate_series(run: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """(epochs as fractions, rates) from the lab's rate record, or the per-epoch history of older ones."""
    recorded = run.get("learning_rate")
    if recorded and recorded["steps"]:
        per_epoch = run.get("steps_per_epoch") or 1
        values = [v if finite(v) else np.nan for v in recorded["values"]]
        return np.asarray(recorded["steps"], dtype=float) / per_epoch, np.asarray(values, dtype=float)
    values = run["history"].get("learning_rate") or run["history"].get("lr")
    if not values:
        return None
    return np.arange(1, len(values) + 1, dtype=float), np.asarray([v if finite(v) else np.nan for v in values])


def learning_rate_curves(summary: dict) -> bytes | None:
    """The learning rate each arm's final runs applied: per step for scheduled arms (sampled), per
    epoch for constant ones; one thin line per seed (they differ only under ReduceLROnPlateau).

    None when every run kept one constant rate: the figure would hold flat lines hiding each
    other, and the Arms table already lists each arm's rate.
    """
    series_of = [[_rate_series(run) for run in arm.runs] for arm in summary["arms"]]
    varying = [np.nanmax(s[1]) > np.nanmin(s[1]) for runs in series_of for s in runs
               if s is not None and np.isfinite(s[1]).any()]
    if not any(varying):
        return None
    figure, (axes,) = new_figure(height=_legend_height(summary["arms"]), width=5.5,
                                 legend=_legend_width(summary["arms"]))
    rates = []
    for index, (arm, runs) in enumerate(zip(summary["arms"], series_of)):
        for seed, (run, series) in enumerate(zip(arm.runs, runs)):
            if series is None:
                continue
            label = arm.label if seed == 0 else None
            if (run.get("learning_rate") or {}).get("per") == "epoch":  # constant within an epoch
                axes.step(*series, where="post", linewidth=1.2, label=label, **arm_style(index))
            else:
                axes.plot(*series, linewidth=1.2, label=label, **arm_style(index))
            rates.extend(v for v in series[1] if math.isfinite(v) and v > 0)
    if not rates:
        return None
    axes.set_yscale("log")
    low, high = min(rates), max(rates)
    if high / low < 4:  # a constant (or nearly) rate: keep a readable decade around it, never ±1e-17
        middle = math.sqrt(low * high)
        axes.set_ylim(middle / 4, middle * 4)
    axes.set_xlabel("epoch")
    axes.set_ylabel("learning rate (log scale)")
    axes.grid(alpha=0.3, which="both")
    legend_outside(figure, axes)
    return to_png(figure)


def tuning_curves(summary: dict) -> bytes | None:
    """Tuning score against the first grid dimension, one line per arm (diverged points missing).

    Drawn only when that dimension is numeric; a positive one gets a log axis (learning rates).
    """
    firsts = [(next(iter(point.items())), score) for arm in summary["arms"] for point, score in arm.tuning]
    if not firsts or not all(isinstance(value, (int, float)) for (_, value), _ in firsts):
        return None
    figure, (axes,) = new_figure(height=_legend_height(summary["arms"]), width=5.5,
                                 legend=_legend_width(summary["arms"]))
    for index, arm in enumerate(summary["arms"]):
        points = sorted(((next(iter(point.values())), score) for point, score in arm.tuning), key=lambda p: p[0])
        axes.plot([value for value, _ in points], [float("nan") if s is None else s for _, s in points],
                  marker="o", label=arm.label, **arm_style(index))
    if all(value > 0 for (_, value), _ in firsts):
        axes.set_xscale("log")
    axes.set_xlabel(firsts[0][0][0])
    axes.set_ylabel(f"best {summary['tuning_metric']}")
    axes.set_title("tuning runs (tuning seed; missing points diverged)", fontsize="medium")
    axes.grid(alpha=0.3)
    legend_outside(figure, axes)
    return to_png(figure)


#: Above this many arms a figure with one line per arm is spaghetti (batchnorm has 48): the curve
#: figures are left out and the report says so; the row-per-arm figures are always drawn.
MAX_CURVE_ARMS = 24
CURVES = ("learning_curves", "learning_rate", "tuning")

STANDARD = {
    "comparison": ("Per-seed values and paired differences", "Per-seed test values (bar: mean) and paired differences to the baseline (diamond: mean; "
                   "line: Holm-consistent t interval; green better, red worse, grey not distinguishable)",
                   comparison_figure),
    "learning_curves": ("Learning curves", "Learning curves of the final runs (line: mean over seeds; shaded: range over seeds)",
                        learning_curves),
    "speed": ("Epochs to the target", "Epochs to the target per seed (bar: mean of the seeds that reached it; ×: never reached, drawn "
              "at the budget)", speed_figure),
    "learning_rate": ("Learning rate", "Learning rate the optimizer applied (per step for scheduled arms, per epoch otherwise)",
                      learning_rate_curves),
    "tuning": ("Tuning", "Tuning runs: best validation score per grid value (tuning seed; missing points diverged)",
               tuning_curves),
}


def standard_figures(summary: dict) -> dict[str, tuple[str, str, bytes]]:
    """``{file stem: (heading, caption, PNG bytes)}`` for every standard figure the records can
    draw (the curve figures only up to :data:`MAX_CURVE_ARMS` arms)."""
    drawn = {}
    for stem, (heading, caption, draw) in STANDARD.items():
        if stem in CURVES and len(summary["arms"]) > MAX_CURVE_ARMS:
            continue
        png = draw(summary)
        if png is not None:
            drawn[stem] = (heading, caption, png)
    return drawn
