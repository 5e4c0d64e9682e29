"""Every number of a report, computed from the records alone (pure functions, no I/O).

Per arm, over its final runs that finished ``ok`` (one per seed):

* final and best validation value of the target's base metric (last epoch; best epoch);
* test metrics (evaluated once, after the last epoch);
* the paired difference of the test metric to the baseline arm, over the seeds both arms
  finished, with a percentile bootstrap 95% interval of its mean (seeds resampled with
  replacement, 10,000 resamples, generator seeded with :data:`BOOTSTRAP_SEED`);
* epochs and seconds to target: the first epoch whose target metric reaches the target value,
  and the training seconds up to the end of that epoch (seeds that never reach it are counted in
  ``reached`` and left out of the means);
* divergences and crashes over all of the arm's runs, tuning included.

Means and standard deviations are over seeds; the standard deviation is the sample one (n − 1).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from trainlab.lab.protocol import best, direction, final_seeds

BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 10_000


def mean_std(values) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (None when empty; std 0 for a single value)."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    array = np.asarray(values, dtype=np.float64)
    return float(array.mean()), float(array.std(ddof=1)) if len(array) > 1 else 0.0


def bootstrap_interval(differences, seed: int = BOOTSTRAP_SEED,
                       resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float | None, float | None]:
    """Percentile bootstrap 95% interval of the mean of paired differences."""
    array = np.asarray(differences, dtype=np.float64)
    if len(array) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    means = array[rng.integers(0, len(array), size=(resamples, len(array)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def time_to_target(record: dict, metric: str, value: float, goal: str) -> tuple[int | None, float | None]:
    """(epochs, seconds) until ``metric`` first reaches ``value``; (None, None) if it never does."""
    seconds = record["timing"]["epoch_seconds"]
    for epoch, observed in enumerate(record["history"].get(metric, [])):
        if observed is not None and (observed >= value if goal == "max" else observed <= value):
            return epoch + 1, float(sum(seconds[:epoch + 1]))
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


def base_metric(metric: str) -> str:
    return metric[4:] if metric.startswith("val_") else metric


def summarize(spec: dict, records: list[dict]) -> dict:
    """The study's results: ``{"metric", "goal", "arms": [ArmResult...], "test_metrics", ...}``."""
    target = spec["target"]
    metric, base = target["metric"], base_metric(target["metric"])
    goal = direction(metric, target["mode"])
    tuning = spec["tuning"]["metric"] or metric
    test_metrics = list(dict.fromkeys([base, "loss"]))
    arms = []
    for arm in spec["arms"]:
        mine = [r for r in records if r["arm"] == arm["name"]]
        runs = sorted((r for r in mine if r["phase"] == "final" and r["status"] == "ok"), key=lambda r: r["seed"])
        chosen = next((r["point"] for r in mine if r["phase"] == "final"), None)
        result = ArmResult(arm["name"], arm["label"], arm.get("claim", ""), chosen, runs,
                           diverged=sum(r["status"] == "diverged" for r in mine),
                           crashed=sum(r["status"] == "crashed" for r in mine))
        tuning_goal = direction(tuning, target["mode"] if tuning == metric else "auto")
        result.tuning = [(r["point"], best(r["history"].get(tuning, []), tuning_goal) if r["status"] == "ok" else None)
                         for r in mine if r["phase"] == "tune"]
        validation = [r["history"].get(f"val_{base}", []) for r in runs]
        result.per_seed = {
            "seed": [r["seed"] for r in runs],
            "final_val": [v[-1] if v else None for v in validation],
            "best_val": [best(v, goal) for v in validation],
            **{f"test_{name}": [(r["test"] or {}).get(name) for r in runs] for name in test_metrics},
            "epochs_to_target": [time_to_target(r, metric, target["value"], goal)[0] for r in runs],
            "seconds_to_target": [time_to_target(r, metric, target["value"], goal)[1] for r in runs],
        }
        arms.append(result)
    return {"metric": metric, "base": base, "goal": goal, "target": target["value"], "test_metrics": test_metrics,
            "baseline": spec["study"]["baseline"], "arms": arms, "seeds": final_seeds(spec), "tuning_metric": tuning}


def paired_difference(arm: ArmResult, baseline: ArmResult, key: str) -> dict:
    """Mean of arm − baseline over the seeds both finished, and its bootstrap interval."""
    theirs = dict(zip(baseline.per_seed["seed"], baseline.per_seed[key]))
    differences = [mine - theirs[seed] for seed, mine in zip(arm.per_seed["seed"], arm.per_seed[key])
                   if mine is not None and theirs.get(seed) is not None]
    low, high = bootstrap_interval(differences)
    return {"mean": mean_std(differences)[0], "low": low, "high": high, "pairs": len(differences)}


def rows(summary: dict) -> list[dict]:
    """One flat row per arm: the content of ``results.csv`` and of the report's main table."""
    base, baseline = summary["base"], summary["baseline"]
    by_name = {arm.name: arm for arm in summary["arms"]}
    table = []
    for arm in summary["arms"]:
        row = {"arm": arm.name, "label": arm.label,
               "chosen": " ".join(f"{path}={value}" for path, value in (arm.chosen or {}).items()) or "none",
               "seeds_ok": len(arm.runs), "diverged": arm.diverged, "crashed": arm.crashed}
        for key, column in (("final_val", f"final_val_{base}"), ("best_val", f"best_val_{base}"),
                            *((f"test_{m}", f"test_{m}") for m in summary["test_metrics"])):
            row[f"{column}_mean"], row[f"{column}_std"] = mean_std(arm.per_seed[key])
        difference = paired_difference(arm, by_name[baseline], f"test_{base}") if baseline in by_name else {}
        for part in ("mean", "low", "high"):
            row[f"diff_test_{base}_{part}"] = difference.get(part)
        reached = [e for e in arm.per_seed["epochs_to_target"] if e is not None]
        row["reached"] = f"{len(reached)}/{len(arm.runs)}"
        for key in ("epochs_to_target", "seconds_to_target"):
            row[f"{key}_mean"], row[f"{key}_std"] = mean_std(arm.per_seed[key])
        table.append(row)
    return table


def curves(arm: ArmResult, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Epochs, mean and std over seeds of history ``key`` (epochs some seeds lack are averaged
    over the seeds that have them, e.g. after early stopping)."""
    series = [r["history"].get(key) for r in arm.runs]
    series = [s for s in series if s]
    if not series:
        return None
    length = max(map(len, series))
    grid = np.full((len(series), length), np.nan)
    for i, values in enumerate(series):
        grid[i, :len(values)] = [np.nan if v is None else v for v in values]
    counts = np.sum(~np.isnan(grid), axis=0)
    with warnings.catch_warnings():  # epochs no seed finished are NaN on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(grid, axis=0)
        std = np.where(counts > 1, np.nanstd(grid, axis=0, ddof=1), 0.0)
    return np.arange(1, length + 1), mean, std
