"""``trainlab lab``'s outputs: the dataset-aware default folder, the lines saying what was written and
what to open, and ``--tensorboard`` event files for every run."""
from __future__ import annotations

import os

import pytest

from trainlab.cli import main


def test_lab_run_default_folder_report_lines_and_tensorboard(study_file, tmp_path, monkeypatch, capsys):
    pytest.importorskip("tensorboardX", reason="the [tensorboard] extra is absent")
    reader = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                 reason="TensorBoard's event reader is absent")
    monkeypatch.chdir(tmp_path)
    assert main(["lab", "run", str(study_file), "--quick", "--jobs", "1", "--no-progress",
                 "--set", "model.hidden=[8]", "--tensorboard", "tb"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "lab-results" / "tiny-digits-quick"
    assert (folder / "report.html").is_file()
    assert f"open {os.path.join('lab-results', 'tiny-digits-quick', 'report.html')} in a browser" in out
    assert "wrote the curves of 15 runs as TensorBoard logs under tb; view them with: tensorboard --logdir tb" in out
    runs = sorted(p for p in (tmp_path / "tb" / "final").glob("*/*") if p.is_dir())
    assert len(runs) == 3 * 3  # 3 seeds x 3 arms of the tiny study
    accumulator = reader.EventAccumulator(str(runs[0] / "validation"))
    accumulator.Reload()
    assert "epoch_accuracy" in accumulator.Tags()["scalars"]

    assert main(["lab", "report", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {folder / 'report.md'}, {folder / 'results.csv'} and {folder / 'report.html'}" in out

    from trainlab import notebook

    assert "srcdoc=" in notebook.show_report(folder)._repr_html_()


def test_tensorboard_without_the_extra_is_refused_before_any_run(study_file, tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    assert main(["lab", "run", str(study_file), "--quick", "--jobs", "1", "--no-progress", "--out",
                 str(tmp_path / "out"), "--tensorboard", str(tmp_path / "tb")]) == 2
    assert "pip install 'trainlab[tensorboard]'" in capsys.readouterr().err
    assert not (tmp_path / "out" / "records").exists()
