"""Figures of the batchnorm, clipping and schedules studies, computed from the records alone.

* ``init_scale_sensitivity``: final test value of the target metric against the weight
  initialization scale (``stddev`` of a normal initializer, or ``scale`` of variance scaling),
  one line per normalization setting (placement, momentum, ε), read from each run's config;
* ``batchnorm_vs_none``: at every init scale, each BN setting against no BN at the same scale,
  paired by seed, one Holm family for all of them, and how many scales BN wins;
* ``divergence_counts``: diverged runs per arm over the tuning grid and the final seeds;
* ``range_test``: the learning-rate range test curves and the rate each gave its arm;
* ``schedule_summary``: the learning rate each arm actually applied, first and last step.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from trainlab.lab import plots
from trainlab.lab.extras import figure_block, register
from trainlab.lab.statistics import compare_pairs, mean_std


def _scale(model: dict) -> tuple[str, float] | None:
    """(what the scale is, its value) of a run's initializer, None if it has neither."""
    initializer = model["initializer"]
    if not isinstance(initializer, dict):
        return None
    for key, meaning in (("stddev", "initial weight std"), ("scale", "variance scale")):
        if key in initializer:
            return meaning, float(initializer[key])
    return None


def _setting(model: dict) -> str:
    """The normalization setting of a run's config, in words."""
    if model["batchnorm"] == "none":
        return "no BN"
    return (f"BN {model['batchnorm']} (momentum {model.get('batchnorm_momentum', 0.99)}, "
            f"ε {model.get('batchnorm_epsilon', 0.001):g})")


def _by_setting_and_scale(summary: dict, key: str) -> tuple[str, dict[str, dict[float, dict]]]:
    """``{setting: {scale: {seed: value of per_seed[key]}}}`` over the arms with a scale."""
    lines: dict[str, dict[float, dict]] = defaultdict(dict)
    meaning = ""
    for arm in summary["arms"]:
        if not arm.runs or _scale(arm.runs[0]["config"]["model"]) is None:
            continue
        meaning, scale = _scale(arm.runs[0]["config"]["model"])
        lines[_setting(arm.runs[0]["config"]["model"])][scale] = arm.by_seed(key)
    return meaning, lines


@register("init_scale_sensitivity")
def init_scale_sensitivity(summary: dict, rows: list[dict]) -> list[tuple]:
    base = summary["base"]
    meaning, lines = _by_setting_and_scale(summary, f"test_{base}")
    if not lines:
        return []
    figure, (axes,) = plots.new_figure(width=6.0, legend=3.2)
    for index, (setting, points) in enumerate(sorted(lines.items())):
        scales = sorted(points)
        style = plots.arm_style(index)
        for scale in scales:  # every seed's value, so the spread is visible
            values = [v for v in points[scale].values() if v is not None]
            axes.scatter([scale] * len(values), values, s=8, color=style["color"], alpha=0.4)
        means = [mean_std(points[s].values())[0] for s in scales]
        axes.plot(scales, [np.nan if m is None else m for m in means], marker="o", markersize=3,
                  label=setting, **style)
    axes.set_xscale("log")
    axes.set_xlabel(meaning)
    axes.set_ylabel(f"test {base}")
    axes.set_title(f"test {base} per seed (dots) and mean (line)", fontsize="medium")
    axes.grid(alpha=0.3)
    plots.legend_outside(figure, axes)
    return figure_block("init_scale_sensitivity", f"Test {base} vs initialization scale per normalization setting",
                        plots.to_png(figure))


@register("batchnorm_vs_none")
def batchnorm_vs_none(summary: dict, rows: list[dict]) -> list[tuple]:
    """Per BN setting and scale: BN against no BN at the same scale (paired by seed, one Holm family)."""
    base = summary["base"]
    meaning, lines = _by_setting_and_scale(summary, f"test_{base}")
    reference = lines.get("no BN")
    settings = sorted(setting for setting in lines if setting != "no BN")
    if not reference or not settings:
        return []
    pairs = {(setting, scale): (values, reference[scale]) for setting in settings
             for scale, values in lines[setting].items() if scale in reference}
    results = compare_pairs(pairs, summary["goal"], summary["alpha"])
    body, counts = [], []
    for setting in settings:
        mine = sorted((scale, result) for (name, scale), result in results.items() if name == setting)
        wins = sum(result.verdict == "better" for _, result in mine)
        losses = sum(result.verdict == "worse" for _, result in mine)
        counts.append(f"{setting}: better than no BN at {wins} of {len(mine)} scales, worse at {losses}")
        body += [[setting, f"{scale:.3g}", str(result.n), "—" if result.mean is None else f"{result.mean:+.4f}",
                  "—" if result.low is None else f"[{result.low:+.4f}, {result.high:+.4f}]", result.verdict]
                 for scale, result in mine]
    return [("h2", "Batch normalization against no BN, scale by scale"),
            ("p", f"Each BN setting against the no-BN arm at the same {meaning}, on test {base}, paired by seed; all "
                  f"{len(results)} comparisons form one Holm family (intervals at the level Holm tested each). "
                  + "; ".join(counts) + "."),
            ("table", ["setting", meaning, "n", f"Δ test {base} vs no BN", "interval", "verdict"], body)]


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


@register("range_test")
def range_test(summary: dict, rows: list[dict]) -> list[tuple]:
    """The learning-rate range tests the study ran on its own data, and the rate each suggested."""
    tests = summary["range_tests"]
    labels = {arm.name: arm.label for arm in summary["arms"]}
    if not tests:
        return [("h2", "Learning-rate range test"), ("p", "No range test finished ok (see the failed runs).")]
    figure, (axes,) = plots.new_figure(width=6.0, legend=3.0)
    body = []
    for index, (arm, record) in enumerate(sorted(tests.items())):
        curve = record["range_test"]
        style = plots.arm_style(index)
        smoothed = [np.nan if v is None else v for v in curve["smoothed_losses"]]
        axes.plot(curve["learning_rates"], smoothed, label=labels.get(arm, arm), **style)
        axes.axvline(curve["suggested_learning_rate"], color=style["color"], linestyle=":", linewidth=1)
        settings = record["config"]["range_test"]
        body.append([labels.get(arm, arm), f"{curve['suggested_learning_rate']:.4g}", curve["rule"],
                     f"{settings['min_lr']:g} to {settings['max_lr']:g}, {len(curve['learning_rates'])} steps",
                     curve["stop_reason"]])
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("learning rate (raised every batch)")
    axes.set_ylabel("smoothed training loss")
    axes.set_title("range test on the tuning seed (dotted: suggested rate)", fontsize="medium")
    axes.grid(alpha=0.3, which="both")
    plots.legend_outside(figure, axes)
    return [("h2", "Learning-rate range test"),
            ("p", "Run inside this study on its own training split (tuning seed), so the rate fits the data at hand; "
                  "every later run of the arm uses the suggested rate where the study wrote \"range_test\"."),
            ("table", ["arm", "suggested rate", "rule", "sweep", "stopped"], body),
            *figure_block("range_test", "Learning-rate range test: smoothed loss vs rate", plots.to_png(figure))]


def _applied(run: dict) -> list[float]:
    """The rates a run applied, in step order (older records: the per-epoch history)."""
    recorded = run.get("learning_rate")
    if recorded and recorded["values"]:
        return [v for v in recorded["values"] if v is not None]
    return [v for v in run["history"].get("learning_rate") or run["history"].get("lr") or [] if v is not None]


@register("schedule_summary")
def schedule_summary(summary: dict, rows: list[dict]) -> list[tuple]:
    """The learning rate each arm applied: at the first step, its peak, and at the last step."""
    body = []
    for arm in summary["arms"]:
        rates = [r for r in (_applied(run) for run in arm.runs) if r]
        first, _ = mean_std([r[0] for r in rates])
        peak, _ = mean_std([max(r) for r in rates])
        last, _ = mean_std([r[-1] for r in rates])
        chosen = ", ".join(f"{path.rsplit('.', 1)[-1]} = {value}" for path, value in (arm.chosen or {}).items())
        shown = ["—" if v is None else f"{v:.3g}" for v in (first, peak, last)]
        ratio = "—" if not first or last is None else f"{last / first:.3g}"
        body.append([arm.label, chosen or "—", *shown, ratio])
    return [("h2", "Learning rates applied"),
            ("p", "Read from the optimizer during the final runs (per step for scheduled arms), mean over seeds."),
            ("table", ["arm", "chosen", "first step", "peak", "last step", "last / first"], body)]
