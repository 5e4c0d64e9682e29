"""The lab's protocol as pure functions: which runs a study needs and how tuning selects.

0. **Range test** (only for arms with a setting written ``"range_test"``): the learning-rate
   range test of :mod:`trainlab.lr_finder` runs once per such arm on ``protocol.tune_seed`` and
   the training split of the study's own data; its suggested rate fills that setting in every
   later run of the arm. It is a recorded run like any other (resumable, in the report).
1. **Tune**: every arm trains every grid point of the nuisance hyperparameters (the same grid and
   budget for every arm) once, on ``protocol.tune_seed``, and is scored on the validation split
   only: the best epoch of ``tuning.metric``.
2. **Select**: per arm, the grid point with the best score among runs that finished ``ok``
   (ties go to the earlier grid point, so selection is deterministic).
3. **Final**: the selected setting reruns on ``protocol.seeds`` fresh seeds, ``tune_seed + 1``
   onward, the same seeds for every arm: a seed fixes both the initialization and the data
   order, so arms are paired. Fresh seeds keep the selection's luck out of the final numbers.
   Only final runs read the test split.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from trainlab.lab.study import RANGE_TEST, Study, canonical_hash

PHASES = ("range", "tune", "final")


def direction(metric: str, mode: str = "auto") -> str:
    """``"max"`` or ``"min"``: losses and errors are minimized, everything else maximized."""
    if mode != "auto":
        return mode
    return "min" if ("loss" in metric or "error" in metric) else "max"


def best(values, goal: str) -> float | None:
    """The best finite value of a history list (None when there is none)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None
    return max(finite) if goal == "max" else min(finite)


def grid_values(spec) -> list:
    """A grid dimension's values: a list as given, or ``points`` values from ``min`` to ``max``."""
    if isinstance(spec, list):
        return list(spec)
    low, high, points = spec["min"], spec["max"], spec["points"]
    if points == 1:
        return [float(low)]
    space = np.geomspace if spec.get("scale", "log") == "log" else np.linspace
    # 6 significant digits keep the records readable and the hash stable across platforms.
    return [float(f"{value:.6g}") for value in space(low, high, points)]


def grid_points(study: Study) -> list[dict]:
    """The tuning points as ``{path: value}`` dicts in a fixed order: the cartesian product of the
    grid, or with ``tuning.mode = "random"`` the samples of :func:`random_points`."""
    grid = study.spec["tuning"]["grid"]
    if study.spec["tuning"]["mode"] == "random":
        return random_points(grid, study.spec["tuning"]["samples"], study.spec["tuning"]["seed"])
    paths = list(grid)
    return [dict(zip(paths, combo)) for combo in itertools.product(*(grid_values(grid[p]) for p in paths))]


def describe_points(spec: dict) -> str:
    """The tuning points in words, with their count, for the report's protocol paragraph."""
    tuning = spec["tuning"]
    if tuning["mode"] == "random":
        ranges = ", ".join(f"{path} from {_range_text(values)}" for path, values in tuning["grid"].items())
        return f"{_count(tuning['samples'], 'random point')} drawn with seed {tuning['seed']} ({ranges})"
    values = {path: grid_values(spec_) for path, spec_ in tuning["grid"].items()}
    grid = ", ".join(f"{path} ∈ {{{', '.join(map(str, v))}}}" for path, v in values.items())
    return f"{_count(math.prod(len(v) for v in values.values()), 'grid point')} ({grid})"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _range_text(values) -> str:
    if isinstance(values, list):
        return f"{{{', '.join(map(str, values))}}}"
    return f"{values.get('scale', 'log')}-uniform [{values['min']}, {values['max']}]"


def random_points(grid: dict, samples: int, seed: int) -> list[dict]:
    """``samples`` random points (Deep Learning from Scratch 6.5.3: random search beats a grid).

    A ``{min, max, scale}`` dimension is drawn uniformly in log10 space (``scale = "log"``, e.g.
    lr = 10^U(-6, -2)) or linearly; ``points`` is ignored. A list dimension is drawn uniformly
    from its values. One generator seeded with ``tuning.seed`` draws every point, dimension by
    dimension in the grid's order, so the points are the same on every machine and every arm.
    """
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(samples):
        point = {}
        for path, spec in grid.items():
            if isinstance(spec, list):
                point[path] = spec[int(rng.integers(len(spec)))]
            elif spec.get("scale", "log") == "log":
                point[path] = float(f"{10 ** rng.uniform(np.log10(spec['min']), np.log10(spec['max'])):.6g}")
            else:
                point[path] = float(f"{rng.uniform(spec['min'], spec['max']):.6g}")
        points.append(point)
    return points


def final_seeds(spec: dict, count: int | None = None) -> list[int]:
    """The paired seeds of the final runs: ``tune_seed + 1`` onward, ``count`` of them (default
    ``protocol.seeds``; sequential runs add seeds in this same order)."""
    start = spec["protocol"]["tune_seed"] + 1
    return list(range(start, start + (count or spec["protocol"]["seeds"])))


def seed_counts(spec: dict) -> list[int]:
    """The numbers of seeds at which a study looks at its comparisons: ``[seeds]`` for a fixed
    number, else ``seeds, seeds + seed_step, …`` up to and including ``max_seeds``."""
    protocol = spec["protocol"]
    first, cap = protocol["seeds"], protocol.get("max_seeds", 0)
    if not cap:
        return [first]
    return [*range(first, cap, protocol.get("seed_step", 5)), cap]


def looks(spec: dict) -> int:
    """How many times a sequential study may look (each look then tests at α / looks)."""
    return len(seed_counts(spec))


def tuning_metric(study: Study) -> str:
    return study.spec["tuning"]["metric"] or study.spec["target"]["metric"]


def make_task(study: Study, phase: str, arm: str, seed: int, point: dict, config: dict | None = None) -> dict:
    """Everything one worker needs to train one run, as plain JSON data."""
    config = study.run_config(arm, point) if config is None else config
    config_hash = canonical_hash(config)
    return {
        "key": f"{phase}-{arm}-{config_hash}-s{seed}",
        "study": study.name,
        "study_hash": study.hash,
        "phase": phase,
        "arm": arm,
        "seed": seed,
        "point": point,
        "config": config,
        "config_hash": config_hash,
    }


def range_tasks(study: Study) -> list[dict]:
    """The learning-rate range tests (phase 0), one per arm that needs one, on the tuning seed and
    the training split only; the ``range_test`` table is part of the config, so of the key."""
    seed = study.spec["protocol"]["tune_seed"]
    tasks = []
    for arm in study.arm_names:
        if study.needs_range_test(arm):
            config = {**study.run_config(arm, {}, placeholder=RANGE_TEST), "range_test": study.spec["range_test"]}
            tasks.append(make_task(study, "range", arm, seed, {}, config))
    return tasks


def range_rates(study: Study, records: list[dict]) -> dict[str, float | None]:
    """Per arm needing a range test, the rate its ok record suggests (None: not run or failed)."""
    by_key = {record["key"]: record for record in records}
    rates = {}
    for task in range_tasks(study):
        record = by_key.get(task["key"])
        ok = record is not None and record["status"] == "ok"
        rates[task["arm"]] = record["range_test"]["suggested_learning_rate"] if ok else None
    return rates


def tune_tasks(study: Study) -> list[dict]:
    """Every grid point of every arm that can train (an arm whose range test failed cannot)."""
    seed = study.spec["protocol"]["tune_seed"]
    return [make_task(study, "tune", arm, seed, point)
            for arm in study.arm_names if study.ready(arm) for point in grid_points(study)]


def select(study: Study, records: list[dict]) -> dict[str, dict | None]:
    """Per arm, the selected grid point (None when no tuning run of the arm finished ok)."""
    metric = tuning_metric(study)
    goal = direction(metric, study.spec["target"]["mode"] if metric == study.spec["target"]["metric"] else "auto")
    by_key = {record["key"]: record for record in records}
    selection = {}
    for arm in study.arm_names:
        scored = []
        for order, task in enumerate(t for t in tune_tasks(study) if t["arm"] == arm):
            record = by_key.get(task["key"])
            if record is None or record["status"] != "ok":
                continue
            score = best(record["history"].get(metric, []), goal)
            if score is not None:
                scored.append((-score if goal == "max" else score, order, task["point"]))
        selection[arm] = min(scored)[2] if scored else None
    return selection


def final_tasks(study: Study, selection: dict[str, dict | None], count: int | None = None) -> list[dict]:
    """The paired final runs (on the first ``count`` final seeds) of every arm with a selected setting."""
    return [make_task(study, "final", arm, seed, selection[arm])
            for arm in study.arm_names if selection[arm] is not None for seed in final_seeds(study.spec, count)]
