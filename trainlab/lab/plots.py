"""The report's standard figures, drawn from a :func:`trainlab.lab.results.summarize` summary.

Each function returns PNG bytes (or None when the records hold nothing to draw). Figures are
drawn on matplotlib's Agg canvas directly, without pyplot, so making a report never changes the
caller's matplotlib backend.
"""
from __future__ import annotations

import io

from trainlab.lab.results import curves

DPI = 110


def new_figure(columns: int = 1):
    """An Agg figure with ``columns`` side-by-side axes: ``(figure, [axes...])``.

    Lines cycle through ten colours, then the same colours dashed, then dotted, so studies with
    many arms (init-activation has 22) never draw two arms alike.
    """
    import matplotlib
    from cycler import cycler
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.2 * columns, 3.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    palette = matplotlib.colormaps["tab10"].colors
    styles = cycler(linestyle=["-", "--", ":"]) * cycler(color=palette)
    axes = [figure.add_subplot(1, columns, i + 1) for i in range(columns)]
    for axis in axes:
        axis.set_prop_cycle(styles)
    return figure, axes


def to_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bands(axes, summary: dict, key: str, title: str, log: bool = False) -> bool:
    """Mean ± std over seeds of history ``key``, one line per arm; False when no arm has it."""
    from matplotlib.ticker import MaxNLocator

    drawn = False
    for arm in summary["arms"]:
        curve = curves(arm, key)
        if curve is None:
            continue
        epochs, mean, std = curve
        line, = axes.plot(epochs, mean, marker="o", markersize=3, label=arm.label)
        axes.fill_between(epochs, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        drawn = True
    axes.set_title(title)
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    return drawn


def learning_curves(summary: dict) -> bytes | None:
    """Validation target metric and training loss per epoch (final runs, mean ± std over seeds)."""
    figure, (left, right) = new_figure(2)
    metric = f"val_{summary['base']}"
    if not _bands(left, summary, metric, f"{metric} (mean ± std over seeds)"):
        return None
    _bands(right, summary, "loss", "training loss (mean ± std over seeds)", log=True)
    if summary["metric"] == metric:
        left.axhline(summary["target"], color="grey", linestyle="--", linewidth=1, label="target")
    left.legend(fontsize="small")
    return to_png(figure)


def learning_rate_curves(summary: dict) -> bytes | None:
    """The learning rate at the end of each epoch, when the runs recorded it."""
    figure, (axes,) = new_figure()
    if not any(_bands(axes, summary, key, "learning rate per epoch", log=True) for key in ("learning_rate", "lr")):
        return None
    axes.legend(fontsize="small")
    return to_png(figure)


def tuning_curves(summary: dict) -> bytes | None:
    """Tuning score against the first grid dimension, one line per arm (diverged points missing).

    Drawn only when that dimension is numeric; a positive one gets a log axis (learning rates).
    """
    firsts = [(next(iter(point.items())), score) for arm in summary["arms"] for point, score in arm.tuning]
    if not firsts or not all(isinstance(value, (int, float)) for (_, value), _ in firsts):
        return None
    figure, (axes,) = new_figure()
    for arm in summary["arms"]:
        points = sorted(((next(iter(point.values())), score) for point, score in arm.tuning), key=lambda p: p[0])
        axes.plot([value for value, _ in points], [float("nan") if s is None else s for _, s in points],
                  marker="o", label=arm.label)
    if all(value > 0 for (_, value), _ in firsts):
        axes.set_xscale("log")
    axes.set_xlabel(firsts[0][0][0])
    axes.set_title(f"tuning: best {summary['tuning_metric']} (tuning seed)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return to_png(figure)


STANDARD = {
    "learning_curves": ("Learning curves", learning_curves),
    "learning_rate": ("Learning rate", learning_rate_curves),
    "tuning": ("Tuning", tuning_curves),
}


def standard_figures(summary: dict) -> dict[str, tuple[str, bytes]]:
    """``{file stem: (caption, PNG bytes)}`` for every standard figure the records can draw."""
    drawn = {}
    for stem, (caption, draw) in STANDARD.items():
        png = draw(summary)
        if png is not None:
            drawn[stem] = (caption, png)
    return drawn
