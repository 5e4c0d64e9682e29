"""results.py on hand-made records: time to target, curves, censoring, goals and old records."""
from __future__ import annotations

import math

import numpy as np
import pytest

from trainlab.lab.results import ArmResult, curves, summarize, time_to_target


def record(arm: str, seed: int, val: list, test: float | None, phase: str = "final", status: str = "ok",
           steps_per_epoch: int | None = 10) -> dict:
    made = {"key": f"{phase}-{arm}-s{seed}", "arm": arm, "seed": seed, "phase": phase, "status": status,
            "point": {"training.optimizer.learning_rate": 0.1},
            "history": {"val_accuracy": val, "loss": [1.0] * len(val)},
            "test": None if test is None else {"accuracy": test, "loss": 0.5},
            "timing": {"epoch_seconds": [0.5] * len(val), "wall_seconds": 0.5 * len(val)}}
    if steps_per_epoch is not None:
        made["steps_per_epoch"] = steps_per_epoch
    return made


def spec(mode: str = "auto", value: float = 0.8, epochs: int = 4) -> dict:
    return {"study": {"baseline": "base"}, "target": {"metric": "val_accuracy", "value": value, "mode": mode},
            "tuning": {"metric": ""}, "training": {"epochs": epochs},
            "protocol": {"seeds": 3, "max_seeds": 0, "seed_step": 5},
            "arms": [{"name": "base", "label": "base"}, {"name": "arm", "label": "arm"}]}


def test_time_to_target_interpolates_between_epoch_checks():
    # crosses 0.8 between epoch 2 (0.7) and epoch 3 (0.9): 2 + (0.8 − 0.7) / (0.9 − 0.7) = 2.5 epochs
    assert time_to_target(record("a", 1, [0.5, 0.7, 0.9, 0.95], 0.9), "val_accuracy", 0.8, "max") == (2.5, 1.5)
    # a first check already at the target counts as one epoch (no earlier check)
    assert time_to_target(record("a", 1, [0.85, 0.9], 0.9), "val_accuracy", 0.8, "max") == (1.0, 0.5)
    assert time_to_target(record("a", 1, [0.5, 0.6], 0.9), "val_accuracy", 0.8, "max") == (None, None)


def test_time_to_target_skips_missing_checks_and_interpolates_across_them():
    # epoch 2 is None (a NaN in the run): interpolate from epoch 1 (0.6) to epoch 3 (1.0): 1 + 0.2/0.4·2 = 2
    got = time_to_target(record("a", 1, [0.6, None, 1.0], 0.9), "val_accuracy", 0.8, "max")
    assert got[0] == pytest.approx(2.0)
    assert time_to_target(record("a", 1, [float("nan"), 0.9], 0.9), "val_accuracy", 0.8, "max")[0] == 2.0


def test_time_to_target_for_a_minimized_metric():
    # loss falls 1.0 → 0.6 → 0.2; target 0.4: 2 + (0.4 − 0.6)/(0.2 − 0.6) = 2.5
    made = record("a", 1, [0.0, 0.0, 0.0], 0.9)
    made["history"]["val_loss"] = [1.0, 0.6, 0.2]
    assert time_to_target(made, "val_loss", 0.4, "min")[0] == pytest.approx(2.5)


def test_speed_counts_steps_and_censors_a_seed_that_never_reached_at_the_budget():
    records = [record("base", s, [0.5, 0.7, 0.9, 0.9], 0.9) for s in (1, 2, 3)]
    records += [record("arm", 1, [0.9, 0.9, 0.9, 0.9], 0.9), record("arm", 2, [0.5, 0.5, 0.5, 0.5], 0.9),
                record("arm", 3, [0.7, 0.9, 0.9, 0.9], 0.9)]
    summary = summarize(spec(), records)
    arm = summary["arms"][1]
    assert arm.per_seed["epochs_to_target"] == [1.0, None, pytest.approx(1.5)]
    assert arm.per_seed["steps_to_target"] == [10.0, None, pytest.approx(15.0)]
    assert arm.per_seed["speed"] == [10.0, 40.0, pytest.approx(15.0)]  # seed 2 never reached: the 4-epoch budget
    assert summary["speed"]["arm"].differences == pytest.approx([-15.0, 15.0, -10.0])
    assert summary["speed_unit"] == "steps" and summary["reached_any"]


def test_a_mode_that_disagrees_with_the_metric_name_is_honoured_everywhere():
    # mode "min" on an accuracy: lower is better, the target is reached from above, best = lowest
    records = [record("base", s, [0.9, 0.7, 0.5], 0.9) for s in (1, 2, 3)]
    records += [record("arm", s, [0.9, 0.6, 0.4], 0.8 + 0.001 * s) for s in (1, 2, 3)]
    summary = summarize(spec(mode="min", value=0.65, epochs=3), records)
    base, arm = summary["arms"]
    assert summary["goal"] == "min"
    assert base.per_seed["best_val"] == [0.5] * 3
    assert base.per_seed["epochs_to_target"] == [pytest.approx(2.25)] * 3  # 1 + (0.65 − 0.9)/(0.7 − 0.9)
    assert summary["quality"]["arm"].verdict == "better"  # test accuracy 0.1 lower on every seed


def test_no_seed_reaching_the_target_anywhere_is_flagged():
    records = [record(a, s, [0.5, 0.6], 0.6) for a in ("base", "arm") for s in (1, 2, 3)]
    summary = summarize(spec(value=0.99, epochs=2), records)
    assert not summary["reached_any"]
    assert summary["speed"]["arm"].verdict == "not distinguishable at n = 3 (identical on every seed)"


def test_curves_with_exactly_two_seeds_report_their_sample_std_not_zero():
    arm = ArmResult("a", "a", "", None, [record("a", 1, [0.5, 0.7], 0.9), record("a", 2, [0.6, None], 0.9)], 0, 0)
    epochs, mean, std, low, high = curves(arm, "val_accuracy")
    assert epochs.tolist() == [1, 2]
    assert mean == pytest.approx([0.55, 0.7])
    assert std[0] == pytest.approx(math.sqrt(((0.5 - 0.55) ** 2 + (0.6 - 0.55) ** 2) / 1))  # = 0.0707, not 0
    assert np.isnan(std[1])  # one seed left at epoch 2: undefined, never 0
    assert (low.tolist(), high.tolist()) == ([0.5, 0.7], [0.6, 0.7])


def test_records_without_steps_per_epoch_compare_speed_in_epochs():
    records = [record(a, s, [0.5, 0.9], 0.9, steps_per_epoch=None) for a in ("base", "arm") for s in (1, 2, 3)]
    summary = summarize(spec(epochs=2), records)
    assert summary["speed_unit"] == "epochs" and summary["arms"][0].per_seed["speed"] == [1.75] * 3


def test_a_failed_final_run_drops_its_seed_from_the_pairs():
    records = [record("base", s, [0.5, 0.9], 0.9 + 0.01 * s) for s in (1, 2, 3)]
    records += [record("arm", 1, [0.5, 0.9], 0.95), record("arm", 2, [0.5, 0.9], 0.97),
                record("arm", 3, [0.5, None], None, status="diverged")]
    summary = summarize(spec(epochs=2), records)
    assert summary["quality"]["arm"].n == 2 and summary["quality"]["arm"].dropped == [3]
    assert summary["arms"][1].diverged == 1
