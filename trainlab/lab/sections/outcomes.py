"""Report sections of the regularization, MC-dropout, sparse, transfer, search and paths studies.

Each is a ``@register``-ed section of :mod:`trainlab.lab.extras` (``(summary, rows) -> blocks``) computing its
numbers from the final records of each arm (``summary["arms"][i].runs``), or, for the search
plane, from the tuning scores; means ± sample standard deviations are over seeds.
"""
from __future__ import annotations

import numpy as np

from trainlab.lab.extras import register
from trainlab.lab.plots import DPI, new_figure, to_png
from trainlab.lab.results import mean_std


def _spread(values, digits: int = 4) -> str:
    mean, std = mean_std(values)
    return "—" if mean is None else f"{mean:.{digits}f} ± {std:.{digits}f}"


def _last(record: dict, key: str):
    values = record["history"].get(key) or [None]
    return values[-1]


def gaps(arm, base: str) -> tuple[list, list, list]:
    """Per seed: final training ``base``, final validation ``base`` and their difference."""
    train = [_last(r, base) for r in arm.runs]
    valid = [_last(r, f"val_{base}") for r in arm.runs]
    gap = [t - v if t is not None and v is not None else None for t, v in zip(train, valid)]
    return train, valid, gap


@register("train_valid_gap")
def train_valid_gap(summary: dict, rows: list[dict]) -> list[tuple]:
    """Final train − final validation value of the target's base metric, per arm."""
    base = summary["base"]
    body, labels, means, stds = [], [], [], []
    for arm in summary["arms"]:
        train, valid, gap = gaps(arm, base)
        body.append([arm.label, _spread(train), _spread(valid), _spread(gap)])
        mean, std = mean_std(gap)
        if mean is not None:
            labels.append(arm.label)
            means.append(mean)
            stds.append(std)
    blocks = [("h2", "Train-valid gap"),
              ("p", f"Gap = final training {base} − final validation {base} (last epoch; mean ± std over seeds). "
                    f"As in Keras, the training {base} is the running mean over the last epoch with dropout active "
                    f"and before the epoch's last updates, so a dropout arm's gap is understated; an early-stopped "
                    f"run's last epoch is the one it stopped at."),
              ("table", ["arm", f"final train {base}", f"final val {base}", "gap"], body)]
    if labels:
        figure, (axes,) = new_figure()
        axes.barh(labels, means, xerr=stds, color="C0", alpha=0.8)
        axes.invert_yaxis()
        axes.set_xlabel(f"train {base} − val {base}")
        axes.set_title("Train-valid gap (mean ± std over seeds)")
        axes.grid(alpha=0.3, axis="x")
        blocks.append(("figure", "train_valid_gap", "Train-valid gap per arm", to_png(figure)))
    return blocks


MC_METRICS = (("accuracy", "test accuracy"), ("loss", "test log-loss"), ("ece", "expected calibration error"))


def _mc_keys(summary: dict) -> list[str]:
    keys = {key for arm in summary["arms"] for r in arm.runs for key in ((r["test"] or {}).get("mc") or {})}
    return sorted((k for k in keys if k != "deterministic"), key=int)


def _mc_values(arm, key: str, metric: str) -> list:
    return [(((r["test"] or {}).get("mc") or {}).get(key) or {}).get(metric) for r in arm.runs]


@register("mc_dropout")
def mc_dropout(summary: dict, rows: list[dict]) -> list[tuple]:
    """Accuracy, log-loss and ECE of the MC-dropout mean over T samples, against T, per arm."""
    samples = _mc_keys(summary)
    if not samples:
        return [("h2", "MC dropout"), ("p", "No final run recorded MC-dropout scores yet.")]
    body = []
    for arm in summary["arms"]:
        for key in ["deterministic", *samples]:
            body.append([arm.label, "dropout off" if key == "deterministic" else f"T = {key}",
                         *(_spread(_mc_values(arm, key, metric)) for metric, _ in MC_METRICS)])
    figure, panels = new_figure(3)
    for (metric, title), axes in zip(MC_METRICS, panels):
        for index, arm in enumerate(summary["arms"]):
            points = [(int(key), *mean_std(_mc_values(arm, key, metric))) for key in samples]
            points = [p for p in points if p[1] is not None]
            if not points:
                continue
            counts, means, stds = map(np.asarray, zip(*points))
            axes.errorbar(counts, means, yerr=stds, marker="o", capsize=3, color=f"C{index}", label=arm.label)
            off = mean_std(_mc_values(arm, "deterministic", metric))[0]
            if off is not None:
                axes.axhline(off, color=f"C{index}", linestyle="--", linewidth=1)
        axes.set_xscale("log")
        axes.set_xlabel("MC samples T")
        axes.set_title(title)
        axes.grid(alpha=0.3)
    panels[0].legend(fontsize="small")
    return [("h2", "MC dropout: scores vs number of samples"),
            ("p", "Final runs only, on the test split: the prediction is the mean of T forward passes with dropout "
                  "active (trainlab.uncertainty.mc_predict; every other layer in inference mode). ECE uses 15 "
                  "equal-width confidence bins. Dashed lines: the usual prediction with dropout off."),
            ("table", ["arm", "prediction", *(title for _, title in MC_METRICS)], body),
            ("figure", "mc_dropout", "MC dropout: test accuracy, log-loss and ECE vs T (dashed: dropout off)",
             to_png(figure))]


@register("sparsity_curve")
def sparsity_curve(summary: dict, rows: list[dict]) -> list[tuple]:
    """Test metric against the kernels' exact-zero fraction, per arm."""
    base = summary["base"]
    body, points = [], []
    for arm in summary["arms"]:
        weights = [r.get("weights") or {} for r in arm.runs]
        exact = [w.get("sparsity") for w in weights]
        near = [w.get("near_zero") for w in weights]
        test = [(r["test"] or {}).get(base) for r in arm.runs]
        body.append([arm.label, _spread(exact), _spread(near), _spread(test)])
        if mean_std(exact)[0] is not None and mean_std(test)[0] is not None:
            points.append((arm.label, mean_std(exact), mean_std(near), mean_std(test)))
    blocks = [("h2", "Accuracy vs sparsity"),
              ("p", "Sparsity = fraction of the kernels' entries that are exactly zero (trainlab.pruning.sparsity); "
                    "near zero = fraction with |w| < 1e-3. l1 shrinks weights towards zero without landing on it, "
                    "pruning zeroes them exactly."),
              ("table", ["arm", "sparsity (exact zeros)", "near zero (|w| < 1e-3)", f"test {base}"], body)]
    if points:
        figure, (axes,) = new_figure()
        for index, (label, (exact, exact_std), (near, _), (test, test_std)) in enumerate(points):
            axes.errorbar(exact, test, xerr=exact_std, yerr=test_std, marker="o", capsize=3, color=f"C{index}",
                          label=label)
            if near is not None:
                axes.plot(near, test, marker="o", markerfacecolor="none", color=f"C{index}", linestyle="none")
        axes.set_xlabel("sparsity (filled: exact zeros; hollow: |w| < 1e-3)")
        axes.set_ylabel(f"test {base}")
        axes.set_title(f"test {base} vs sparsity (mean ± std over seeds)")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
        blocks.append(("figure", "sparsity_curve", f"Test {base} vs sparsity", to_png(figure)))
    return blocks


@register("transfer_error")
def transfer_error(summary: dict, rows: list[dict]) -> list[tuple]:
    """Test error rate (1 − accuracy) per arm and its ratio to the baseline's (the book's "÷ 4")."""
    base = summary["base"]
    errors = {arm.name: [None if v is None else 1.0 - v for v in arm.per_seed[f"test_{base}"]]
              for arm in summary["arms"]}
    reference = mean_std(errors.get(summary["baseline"], []))[0]
    body = []
    for arm in summary["arms"]:
        mean = mean_std(errors[arm.name])[0]
        ratio = "—" if mean is None or reference is None else \
            ("baseline" if arm.name == summary["baseline"] else
             "∞" if mean == 0 else f"{reference / mean:.2f}")
        body.append([arm.label, _spread(errors[arm.name]), ratio])
    return [("h2", "Transfer: test error rate"),
            ("p", f"Error rate = 1 − test {base}; the last column divides the baseline's mean error rate by the "
                  f"arm's (the book reports about 4 for Fashion-MNIST sandal vs shirt)."),
            ("table", ["arm", "test error rate", "baseline error ÷ arm error"], body)]


@register("search_plane")
def search_plane(summary: dict, rows: list[dict]) -> list[tuple]:
    """Tuning scores over the plane of the first two tuning dimensions, one panel per arm."""
    arms = [arm for arm in summary["arms"] if arm.tuning and len(arm.tuning[0][0]) >= 2]
    if not arms:
        return [("h2", "Search plane"), ("p", "No tuning run over two dimensions recorded yet.")]
    x_key, y_key = list(arms[0].tuning[0][0])[:2]
    figure, panels = new_figure(len(arms))
    scores = [s for arm in arms for _, s in arm.tuning if s is not None]
    low, high = (min(scores), max(scores)) if scores else (0.0, 1.0)
    body = []
    for arm, axes in zip(arms, panels):
        good = [(p[x_key], p[y_key], s) for p, s in arm.tuning if s is not None]
        failed = [(p[x_key], p[y_key]) for p, s in arm.tuning if s is None]
        if good:
            x, y, c = map(np.asarray, zip(*good))
            shown = axes.scatter(x, y, c=c, vmin=low, vmax=high, cmap="viridis", s=40)
            figure.colorbar(shown, ax=axes, label=summary["tuning_metric"])
        if failed:
            axes.scatter(*zip(*failed), marker="x", color="red", label="diverged/crashed")
            axes.legend(fontsize="small")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel(x_key)
        axes.set_ylabel(y_key)
        axes.set_title(arm.label)
        ranked = sorted(good, key=lambda t: -t[2] if summary["goal"] == "max" else t[2])[:5]
        body += [[arm.label, str(rank), f"{x:.3g}", f"{y:.3g}", f"{s:.4f}"]
                 for rank, (x, y, s) in enumerate(ranked, start=1)]
    return [("h2", "Random search over the (learning rate, weight decay) plane"),
            ("p", f"Every tuning run (tuning seed, validation split): best-epoch {summary['tuning_metric']}; red "
                  f"crosses diverged or crashed. The table lists each arm's five best points."),
            ("figure", "search_plane", "Random search: tuning score over the plane", to_png(figure)),
            ("table", ["arm", "rank", x_key, y_key, summary["tuning_metric"]], body)]


def _grid_figure(rows: int, columns: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4 * columns, 3.2 * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


@register("optimizer_paths")
def optimizer_paths(summary: dict, rows: list[dict]) -> list[tuple]:
    """The DLFS 2-D paths of :mod:`trainlab.paths` (deterministic, computed here, no records)."""
    from trainlab import paths

    problem = paths.problem("anisotropic")
    trajectories = paths.run_paths(problem)
    x_min, x_max, y_min, y_max = problem.view
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    values = problem.function(grid_x, grid_y)
    levels = np.unique(np.quantile(values, np.linspace(0.01, 0.95, 15)))
    columns, count = 4, len(trajectories)
    figure = _grid_figure(-(-count // columns), columns)
    body = []
    for index, (label, path) in enumerate(trajectories.items()):
        axes = figure.add_subplot(-(-count // columns), columns, index + 1)
        axes.contour(grid_x, grid_y, values, levels=levels, colors="0.7", linewidths=0.8)
        axes.plot(path[:, 0], path[:, 1], "o-", color="C3", markersize=3, linewidth=1)
        axes.plot(*problem.optimum, "+", color="k", markersize=10)
        axes.set_xlim(x_min, x_max)
        axes.set_ylim(y_min, y_max)
        axes.set_title(label, fontsize=9)
        x, y = path[-1]
        body.append([label, str(len(path) - 1), f"({x:.4g}, {y:.4g})", f"{float(problem.function(x, y)):.4g}",
                     f"{float(np.hypot(x - problem.optimum[0], y - problem.optimum[1])):.4g}"])
    return [("h2", f"Optimizer paths on {problem.function.name}"),
            ("p", f"trainlab.paths: every optimizer starts at {problem.start} and takes 30 steps at Deep Learning "
                  f"from Scratch's rates (a deterministic computation, made with the report)."),
            ("figure", "optimizer_paths", f"Optimizer paths on {problem.function.name}", to_png(figure)),
            ("table", ["optimizer", "steps", "final (x, y)", "f(final)", "distance to optimum"], body)]

