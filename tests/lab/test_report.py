"""Reports: every number recomputed from the records; self-contained HTML; the star table."""
from __future__ import annotations

import csv
import re
import statistics
import warnings

import numpy as np
import pytest

from trainlab.lab import RecordStore, StudyError
from trainlab.lab.extras import ranks, stars
from trainlab.lab.report import write_report
from trainlab.lab.results import bootstrap_interval


@pytest.fixture
def reported(serial_copy):
    return serial_copy, write_report(serial_copy)


def recompute(records: list[dict], arm: str, baseline: str = "sgd", target: float = 0.5) -> dict:
    """The csv row of ``arm``, computed here independently of trainlab.lab.results."""
    finals = {r["seed"]: r for r in records if r["arm"] == arm and r["phase"] == "final"}
    base = {r["seed"]: r for r in records if r["arm"] == baseline and r["phase"] == "final"}
    seeds = sorted(finals)
    final_val = [finals[s]["history"]["val_accuracy"][-1] for s in seeds]
    best_val = [max(finals[s]["history"]["val_accuracy"]) for s in seeds]
    test = [finals[s]["test"]["accuracy"] for s in seeds]
    test_loss = [finals[s]["test"]["loss"] for s in seeds]
    differences = [finals[s]["test"]["accuracy"] - base[s]["test"]["accuracy"] for s in seeds]
    epochs, seconds = [], []
    for s in seeds:
        hits = [i for i, v in enumerate(finals[s]["history"]["val_accuracy"]) if v >= target]
        if hits:
            epochs.append(hits[0] + 1)
            seconds.append(sum(finals[s]["timing"]["epoch_seconds"][:hits[0] + 1]))
    rng = np.random.default_rng(0)
    boot = np.asarray(differences)[rng.integers(0, 3, size=(10_000, 3))].mean(axis=1)
    row = {"seeds_ok": len(seeds), "final_val_accuracy_mean": statistics.mean(final_val),
           "final_val_accuracy_std": statistics.stdev(final_val), "best_val_accuracy_mean": statistics.mean(best_val),
           "best_val_accuracy_std": statistics.stdev(best_val), "test_accuracy_mean": statistics.mean(test),
           "test_accuracy_std": statistics.stdev(test), "test_loss_mean": statistics.mean(test_loss),
           "test_loss_std": statistics.stdev(test_loss), "diff_test_accuracy_mean": statistics.mean(differences),
           "diff_test_accuracy_low": np.percentile(boot, 2.5), "diff_test_accuracy_high": np.percentile(boot, 97.5),
           "reached": f"{len(epochs)}/{len(seeds)}"}
    if epochs:
        row["epochs_to_target_mean"] = statistics.mean(epochs)
        row["seconds_to_target_mean"] = statistics.mean(seconds)
    return row


def test_every_csv_number_is_recomputed_from_the_records(reported):
    out, paths = reported
    records = RecordStore(out).records()
    table = list(csv.DictReader(paths["csv"].open()))
    assert [row["arm"] for row in table] == ["sgd", "momentum", "nesterov"]
    chosen = {r["arm"]: r["point"]["training.optimizer.learning_rate"] for r in records if r["phase"] == "final"}
    for row in table:
        assert row["chosen"] == f"training.optimizer.learning_rate={chosen[row['arm']]}"
        assert (row["diverged"], row["crashed"]) == ("0", "0")
        for key, expected in recompute(records, row["arm"]).items():
            if isinstance(expected, str):
                assert row[key] == expected, key
            else:
                assert float(row[key]) == pytest.approx(expected, rel=1e-9, abs=1e-12), (row["arm"], key)


def test_markdown_and_html_show_the_csv_numbers(reported):
    out, paths = reported
    markdown, page = paths["markdown"].read_text(), paths["html"].read_text()
    row = next(csv.DictReader(paths["csv"].open()))
    shown = f"{float(row['test_accuracy_mean']):.4f} ± {float(row['test_accuracy_std']):.4f}"
    assert shown in markdown and shown in page
    for figure in ("learning_curves", "learning_rate", "tuning"):
        assert f"figures/{figure}.png" in markdown and (out / "figures" / f"{figure}.png").stat().st_size > 1000
    assert "Provenance" in markdown and RecordStore(out).manifest()["hash"] in markdown


def test_html_is_self_contained(reported):
    page = reported[1]["html"].read_text()
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 3 and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_is_a_pure_function_of_the_records(reported):
    out, paths = reported
    first = {name: path.read_bytes() for name, path in paths.items()}
    again = write_report(out)
    assert {name: path.read_bytes() for name, path in again.items()} == first


def test_report_of_a_directory_without_study_is_refused(tmp_path):
    with pytest.raises(StudyError, match=r"is not a study output directory \(no study.json\)"):
        write_report(tmp_path)


def test_star_ranks_and_rule():
    assert ranks([3.0, None, 1.0, 1.0], "min") == [3, 4, 1, 1]
    assert ranks([0.9, 0.8, None], "max") == [1, 2, 3]
    assert [stars(rank, 9) for rank in range(1, 10)] == ["★★★"] * 3 + ["★★"] * 3 + ["★"] * 3
    assert [stars(rank, 2) for rank in (1, 2)] == ["★★★", "★★"]


def test_bootstrap_interval_is_fixed_and_brackets_the_mean():
    differences = [0.01, 0.03, 0.02, 0.05]
    low, high = bootstrap_interval(differences)
    assert (low, high) == bootstrap_interval(differences)
    assert min(differences) <= low <= np.mean(differences) <= high <= max(differences)
    assert bootstrap_interval([0.1]) == (None, None)


def test_an_interrupted_study_still_reports(serial_copy):
    for path in RecordStore(serial_copy).records_dir.glob("final-*"):
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_report(serial_copy)
    table = list(csv.DictReader(paths["csv"].open()))
    assert [(row["seeds_ok"], row["reached"], row["test_accuracy_mean"]) for row in table] == [("0", "0/0", "")] * 3
    assert "learning_curves.png" not in paths["markdown"].read_text()


def test_a_directory_written_before_newer_study_keys_still_reports(serial_copy):
    import json

    manifest_path = serial_copy / "study.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["study"]["tuning"]["mode"]  # keys added by later versions are absent from old manifests
    manifest_path.write_text(json.dumps(manifest))
    paths = write_report(serial_copy)
    assert "Results" in open(paths["markdown"]).read()
