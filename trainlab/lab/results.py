"""Every number of a report, computed from the records alone (pure functions, no I/O).

Per arm, over its final runs that finished ``ok`` (one per seed):

* final and best validation value of the target's base metric (last epoch; best epoch);
* test metrics (evaluated once, after the last epoch);
* **speed**: epochs and optimizer steps to the target (:func:`time_to_target`), the same on every
  machine because they come from the recorded curves; wall seconds to the target are reported
  beside them as cost and never compared (they measure the machine and its load);
* divergences and crashes over all of the arm's runs, tuning included.

Each arm is compared with the baseline twice, paired by seed, with the tests, intervals and Holm
correction of :mod:`trainlab.lab.statistics`: on the test value of the target's base metric
(quality) and on steps to the target (speed; a seed that never reached the target counts as the
whole budget, a lower bound on its true time, so a comparison involving it understates the gap).
Means and standard deviations are over seeds; the standard deviation is the sample one (n − 1).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from trainlab.lab.protocol import best, direction, looks
from trainlab.lab.statistics import ALPHA, Comparison, compare, finite, mean_std


def reached(observed, value: float, goal: str) -> bool:
    return finite(observed) and (observed >= value if goal == "max" else observed <= value)


def time_to_target(record: dict, metric: str, value: float, goal: str) -> tuple[float | None, float | None]:
    """(epochs, wall seconds) until ``metric`` first reaches ``value``; (None, None) if it never does.

    The metric is checked at the end of every epoch. Between the last check below the target and
    the first one at or above it, the curve is interpolated linearly, so two runs that both cross
    during epoch 3 are told apart (3 checks per run cannot give more than epoch resolution
    otherwise). A first check that already reaches the target counts as 1 epoch: there is no
    earlier check, so 1 is an upper bound. A missing (None or NaN) check is skipped. Seconds are
    the training time up to the end of the crossing epoch.
    """
    seconds = record["timing"]["epoch_seconds"]
    previous = None
    for epoch, observed in enumerate(record["history"].get(metric, [])):
        if not finite(observed):
            continue
        if reached(observed, value, goal):
            crossing = float(epoch + 1)
            if previous is not None and previous[1] != observed:
                last_epoch, last_value = previous
                crossing = last_epoch + (value - last_value) / (observed - last_value) * (epoch + 1 - last_epoch)
            return crossing, float(sum(seconds[:epoch + 1])) if len(seconds) > epoch else None
        previous = (epoch + 1, observed)
    return None, None


@dataclass
class ArmResult:
    """One arm's measurements; ``runs`` are its ok final records, sorted by seed."""

    name: str
    label: str
    claim: str
    chosen: dict | None
    runs: list[dict]
    diverged: int
    crashed: int
    per_seed: dict[str, list] = field(default_factory=dict)
    tuning: list[tuple[dict, float | None]] = field(default_factory=list)

    def by_seed(self, key: str) -> dict:
        return dict(zip(self.per_seed["seed"], self.per_seed[key]))


def base_metric(metric: str) -> str:
    return metric[4:] if metric.startswith("val_") else metric


def _speed(record: dict, epochs: float | None, budget: int, unit: str) -> float:
    """Steps (or epochs) to the target, a seed that never reached it counted as the whole budget."""
    scale = record.get("steps_per_epoch", 1) if unit == "steps" else 1
    return (budget if epochs is None else epochs) * scale


def summarize(spec: dict, records: list[dict]) -> dict:
    """The study's results: arms with per-seed values, and the quality and speed comparisons.

    Keys: ``metric``, ``base``, ``goal``, ``target``, ``test_metrics``, ``baseline``, ``arms``
    (:class:`ArmResult`), ``seeds`` (the final seeds recorded), ``tuning_metric``, ``alpha`` (per
    look), ``looks``, ``budget`` (epochs), ``speed_unit`` (``"steps"``; ``"epochs"`` for records
    written before steps were stored), ``reached_any``, ``quality`` and ``speed``
    (``{arm: Comparison}``, every arm but the baseline), ``range_tests`` (``{arm: record}`` of the
    learning-rate range tests that finished ok).
    """
    target = spec["target"]
    metric, base = target["metric"], base_metric(target["metric"])
    goal = direction(metric, target["mode"])
    tuning = spec["tuning"]["metric"] or metric
    test_metrics = list(dict.fromkeys([base, "loss"]))
    budget = spec["training"]["epochs"]
    finals = [r for r in records if r["phase"] == "final" and r["status"] == "ok"]
    unit = "steps" if all("steps_per_epoch" in r for r in finals) else "epochs"
    arms = []
    for arm in spec["arms"]:
        mine = [r for r in records if r["arm"] == arm["name"]]
        runs = sorted((r for r in finals if r["arm"] == arm["name"]), key=lambda r: r["seed"])
        chosen = next((r["point"] for r in mine if r["phase"] == "final"), None)
        result = ArmResult(arm["name"], arm["label"], arm.get("claim", ""), chosen, runs,
                           diverged=sum(r["status"] == "diverged" for r in mine),
                           crashed=sum(r["status"] == "crashed" for r in mine))
        tuning_goal = direction(tuning, target["mode"] if tuning == metric else "auto")
        result.tuning = [(r["point"], best(r["history"].get(tuning, []), tuning_goal) if r["status"] == "ok" else None)
                         for r in mine if r["phase"] == "tune"]
        validation = [r["history"].get(f"val_{base}", []) for r in runs]
        times = [time_to_target(r, metric, target["value"], goal) for r in runs]
        result.per_seed = {
            "seed": [r["seed"] for r in runs],
            "final_val": [_last_finite(v) for v in validation],
            "best_val": [best(v, goal) for v in validation],
            **{f"test_{name}": [(r["test"] or {}).get(name) for r in runs] for name in test_metrics},
            "epochs_to_target": [epochs for epochs, _ in times],
            "steps_to_target": [None if epochs is None else epochs * r.get("steps_per_epoch", math.nan)
                                for r, (epochs, _) in zip(runs, times)],
            "seconds_to_target": [seconds for _, seconds in times],
            "speed": [_speed(r, epochs, budget, unit) for r, (epochs, _) in zip(runs, times)],
            "wall_seconds": [r["timing"]["wall_seconds"] for r in runs],
        }
        arms.append(result)
    count = looks(spec)
    alpha = ALPHA / count
    by_name = {arm.name: arm for arm in arms}
    baseline = spec["study"]["baseline"]
    reached_any = any(e is not None for arm in arms for e in arm.per_seed["epochs_to_target"])
    return {"metric": metric, "base": base, "goal": goal, "target": target["value"], "test_metrics": test_metrics,
            "baseline": baseline, "arms": arms, "seeds": sorted({r["seed"] for r in finals}), "tuning_metric": tuning,
            "alpha": alpha, "looks": count, "budget": budget, "speed_unit": unit, "reached_any": reached_any,
            "range_tests": {r["arm"]: r for r in records if r["phase"] == "range" and r["status"] == "ok"},
            "quality": compare({n: a.by_seed(f"test_{base}") for n, a in by_name.items()}, baseline, goal, alpha),
            "speed": compare({n: a.by_seed("speed") for n, a in by_name.items()}, baseline, "min", alpha,
                             words=("faster", "slower"))}


def _last_finite(values: list):
    finite_values = [v for v in values if finite(v)]
    return finite_values[-1] if finite_values else None


def _comparison_columns(prefix: str, comparison: Comparison | None) -> dict:
    if comparison is None:  # the baseline itself
        return {f"{prefix}_{key}": None for key in ("n", "mean", "low", "high", "confidence", "p", "p_holm")} | {
            f"{prefix}_verdict": "baseline"}
    return {f"{prefix}_n": comparison.n, f"{prefix}_mean": comparison.mean, f"{prefix}_low": comparison.low,
            f"{prefix}_high": comparison.high, f"{prefix}_confidence": comparison.confidence,
            f"{prefix}_p": comparison.p, f"{prefix}_p_holm": comparison.p_holm, f"{prefix}_verdict": comparison.verdict}


def rows(summary: dict) -> list[dict]:
    """One flat row per arm: the content of ``results.csv`` (the report's tables show parts of it)."""
    base = summary["base"]
    table = []
    for arm in summary["arms"]:
        row = {"arm": arm.name, "label": arm.label,
               "chosen": " ".join(f"{path}={value}" for path, value in (arm.chosen or {}).items()) or "none",
               "seeds_ok": len(arm.runs), "diverged": arm.diverged, "crashed": arm.crashed}
        for key, column in (("final_val", f"final_val_{base}"), ("best_val", f"best_val_{base}"),
                            *((f"test_{m}", f"test_{m}") for m in summary["test_metrics"])):
            row[f"{column}_mean"], row[f"{column}_std"] = mean_std(arm.per_seed[key])
        row.update(_comparison_columns(f"diff_test_{base}", summary["quality"].get(arm.name)))
        quality = summary["quality"].get(arm.name)
        bootstrap = quality.bootstrap if quality is not None and quality.bootstrap else (None, None)
        row[f"diff_test_{base}_bootstrap_low"], row[f"diff_test_{base}_bootstrap_high"] = bootstrap
        reached_count = sum(e is not None for e in arm.per_seed["epochs_to_target"])
        row["reached"] = f"{reached_count}/{len(arm.runs)}"
        for key in ("epochs_to_target", "steps_to_target", "seconds_to_target", "wall_seconds"):
            row[f"{key}_mean"], row[f"{key}_std"] = mean_std(arm.per_seed[key])
        row.update(_comparison_columns(f"diff_{summary['speed_unit']}_to_target", summary["speed"].get(arm.name)))
        table.append(row)
    return table


def curves(arm: ArmResult, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Epochs, then per epoch over seeds: mean, sample std, minimum and maximum of history ``key``.

    Epochs some seeds lack (early stopping) or hold as None/NaN are summarized over the seeds that
    have them; the std is NaN where fewer than 2 seeds have a value (undefined, never 0).
    """
    series = [r["history"].get(key) for r in arm.runs]
    series = [s for s in series if s]
    if not series:
        return None
    length = max(map(len, series))
    grid = np.full((len(series), length), np.nan)
    for i, values in enumerate(series):
        grid[i, :len(values)] = [v if finite(v) else np.nan for v in values]
    counts = np.sum(~np.isnan(grid), axis=0)
    with warnings.catch_warnings():  # epochs no seed finished are NaN on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(grid, axis=0)
        std = np.where(counts > 1, np.nanstd(grid, axis=0, ddof=1), np.nan)
        low, high = np.nanmin(grid, axis=0), np.nanmax(grid, axis=0)
    return np.arange(1, length + 1), mean, std, low, high
