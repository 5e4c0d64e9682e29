"""Reports: every number recomputed from the records; self-contained HTML; the star table."""
from __future__ import annotations

import csv
import re
import statistics
import warnings

import pytest

from trainlab.lab import RecordStore, StudyError
from scipy import stats as scipy_stats

from trainlab.lab.extras import ranks
from trainlab.lab.report import write_report


@pytest.fixture
def reported(serial_copy):
    return serial_copy, write_report(serial_copy)


def recompute(records: list[dict], arm: str, baseline: str = "sgd", target: float = 0.5) -> dict:
    """The csv row of ``arm``, computed here independently of trainlab.lab.results (scipy for the test)."""
    finals = {r["seed"]: r for r in records if r["arm"] == arm and r["phase"] == "final"}
    base = {r["seed"]: r for r in records if r["arm"] == baseline and r["phase"] == "final"}
    seeds = sorted(finals)
    final_val = [finals[s]["history"]["val_accuracy"][-1] for s in seeds]
    best_val = [max(finals[s]["history"]["val_accuracy"]) for s in seeds]
    test = [finals[s]["test"]["accuracy"] for s in seeds]
    test_loss = [finals[s]["test"]["loss"] for s in seeds]
    epochs, steps, seconds = [], [], []
    for s in seeds:
        curve = finals[s]["history"]["val_accuracy"]
        hits = [i for i, v in enumerate(curve) if v >= target]
        if hits:
            i = hits[0]
            crossing = 1.0 if i == 0 else i + (target - curve[i - 1]) / (curve[i] - curve[i - 1])
            epochs.append(crossing)
            steps.append(crossing * finals[s]["steps_per_epoch"])
            seconds.append(sum(finals[s]["timing"]["epoch_seconds"][:i + 1]))
    row = {"seeds_ok": len(seeds), "final_val_accuracy_mean": statistics.mean(final_val),
           "final_val_accuracy_std": statistics.stdev(final_val), "best_val_accuracy_mean": statistics.mean(best_val),
           "best_val_accuracy_std": statistics.stdev(best_val), "test_accuracy_mean": statistics.mean(test),
           "test_accuracy_std": statistics.stdev(test), "test_loss_mean": statistics.mean(test_loss),
           "test_loss_std": statistics.stdev(test_loss), "reached": f"{len(epochs)}/{len(seeds)}"}
    if arm != baseline:
        differences = [finals[s]["test"]["accuracy"] - base[s]["test"]["accuracy"] for s in seeds]
        row.update(diff_test_accuracy_n=str(len(seeds)), diff_test_accuracy_mean=statistics.mean(differences),
                   diff_test_accuracy_p=scipy_stats.ttest_rel(
                       test, [base[s]["test"]["accuracy"] for s in seeds]).pvalue)
    if epochs:
        row["epochs_to_target_mean"] = statistics.mean(epochs)
        row["steps_to_target_mean"] = statistics.mean(steps)
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
    assert table[0]["diff_test_accuracy_verdict"] == "baseline"


def test_holm_intervals_and_verdicts_in_the_csv_agree(reported):
    table = list(csv.DictReader(reported[1]["csv"].open()))
    for row in table[1:]:
        p_values = [float(r["diff_test_accuracy_p"]) for r in table[1:]]
        assert float(row["diff_test_accuracy_p_holm"]) >= float(row["diff_test_accuracy_p"])
        assert float(row["diff_test_accuracy_confidence"]) >= 0.95
        if row["diff_test_accuracy_low"]:
            excludes = float(row["diff_test_accuracy_low"]) > 0 or float(row["diff_test_accuracy_high"]) < 0
            assert excludes == (row["diff_test_accuracy_verdict"] in ("better", "worse"))
        assert len(p_values) == 2


def test_markdown_and_html_show_the_csv_numbers(reported):
    out, paths = reported
    markdown, page = paths["markdown"].read_text(), paths["html"].read_text()
    row = next(csv.DictReader(paths["csv"].open()))
    shown = f"{float(row['test_accuracy_mean']):.4f} ± {float(row['test_accuracy_std']):.4f}"
    assert shown in markdown and shown in page
    for figure in ("comparison", "learning_curves", "tuning"):
        assert f"figures/{figure}.png" in markdown and (out / "figures" / f"{figure}.png").stat().st_size > 1000
    assert "Provenance" in markdown and RecordStore(out).manifest()["hash"] in markdown
    assert "| split sizes | 1,295 training, 143 validation, 359 test images |" in markdown
    assert "Flatten → [Dense(16, relu)] → Dense(classes, softmax)" in markdown
    assert "smoke run" not in markdown and "not evidence" not in markdown
    assert "training.optimizer.learning_rate=" not in markdown  # the path is in the header, not in every row
    assert "| chosen learning_rate |" in markdown


def test_html_is_self_contained(reported):
    page = reported[1]["html"].read_text()
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_is_a_pure_function_of_the_records(reported):
    out, paths = reported
    first = {name: path.read_bytes() for name, path in paths.items()}
    again = write_report(out)
    assert {name: path.read_bytes() for name, path in again.items()} == first


def test_report_of_a_directory_without_study_is_refused(tmp_path):
    with pytest.raises(StudyError, match=r"is not a study output directory \(no study.json\)"):
        write_report(tmp_path)


def test_ranks_share_ties_and_put_missing_values_last():
    assert ranks([3.0, None, 1.0, 1.0], "min") == [3, 4, 1, 1]
    assert ranks([0.9, 0.8, None], "max") == [1, 2, 3]
    assert ranks([1.0, None, None, None], "min") == [1, 2, 2, 2]


def test_an_interrupted_study_still_reports(serial_copy):
    for path in RecordStore(serial_copy).records_dir.glob("final-*"):
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_report(serial_copy)
    table = list(csv.DictReader(paths["csv"].open()))
    assert [(row["seeds_ok"], row["reached"], row["test_accuracy_mean"]) for row in table] == [("0", "0/0", "")] * 3
    assert "learning_curves.png" not in paths["markdown"].read_text()


def test_a_directory_written_before_newer_keys_still_reports(serial_copy):
    import json

    manifest_path = serial_copy / "study.json"
    manifest = json.loads(manifest_path.read_text())
    # keys added by later versions are absent from old manifests and records
    del manifest["study"]["tuning"]["mode"], manifest["invocation"]
    del manifest["study"]["protocol"]["max_seeds"], manifest["study"]["protocol"]["seed_step"]
    manifest_path.write_text(json.dumps(manifest))
    for path in RecordStore(serial_copy).records_dir.glob("*.json"):
        record = json.loads(path.read_text())
        del record["sizes"], record["steps_per_epoch"], record["learning_rate"]
        path.write_text(json.dumps(record))
    paths = write_report(serial_copy)
    markdown = open(paths["markdown"]).read()
    assert "| options given | not recorded (directory written before trainlab stored it) |" in markdown
    assert "| split sizes | not recorded" in markdown
    assert "Δ epochs vs sgd" in markdown  # speed falls back to epochs without steps per epoch


def test_the_verdicts_script_prints_the_csv_verdicts_for_reproduction_md(reported):
    import subprocess
    import sys
    from pathlib import Path

    out, paths = reported
    script = Path(__file__).resolve().parents[2] / "docs" / "verdicts.py"
    printed = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, check=True).stdout
    table = list(csv.DictReader(paths["csv"].open()))
    assert printed.startswith("### tiny: test accuracy and speed against sgd")
    for row in table[1:]:
        assert f"| {row['label']} | {row['diff_test_accuracy_n']} |" in printed
        assert row["diff_test_accuracy_verdict"] in printed
        assert f"{float(row['diff_test_accuracy_mean']):+.4f}" in printed
