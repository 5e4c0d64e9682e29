"""The command line's outputs: bad --out and expressions refused before any work, default folders
that name the dataset, the user's umask, and the lines that say what was written."""
from __future__ import annotations

import os
import stat

import pytest

from trainlab import datasets
from trainlab.cli import main


@pytest.fixture
def no_work(monkeypatch):
    """Any dataset load fails the test: a refusal must come before the work."""
    def must_not_load(*args, **kwargs):
        pytest.fail("the command started working before refusing its arguments")

    monkeypatch.setattr(datasets, "load", must_not_load)


@pytest.mark.parametrize("command", [
    ["train", "--quiet"],
    ["lr-find"],
    ["paths"],
    ["lab", "run", "optimizers", "--quick", "--no-progress"],
])
def test_out_naming_a_file_is_one_line_and_exit_2(command, tmp_path, capsys, no_work):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert main([*command, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target} is a file, not a folder; give a folder path (created if missing)" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert target.read_text() == "keep me"


def test_out_under_a_file_is_refused(tmp_path, capsys, no_work):
    (tmp_path / "file").write_text("")
    assert main(["train", "--quiet", "--out", str(tmp_path / "file" / "run")]) == 2
    assert f"{tmp_path / 'file'} is a file, so no folder can be created under it" in capsys.readouterr().err


@pytest.mark.parametrize("argv,message", [
    (["--function", "9**9**9**9", "--start", "1,1"], "'9**9**9**9' at the start point (1.0, 1.0): f = inf (the value "
                                                      "overflows float64"),
    (["--function", "9**9**9**9"], "give a start point for an expression"),
    (["--function", "x" + "+x" * 300, "--start", "1,1"], "more than the 500 allowed"),
    (["--function", "log(x)", "--start=-1,1"], "f = nan"),
])
def test_paths_refuses_expressions_it_cannot_evaluate(argv, message, tmp_path, capsys):
    assert main(["paths", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "paths.png").exists()


def test_default_folders_name_the_dataset_and_files_follow_the_umask(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    previous = os.umask(0o022)
    try:
        assert main(["train", "--epochs", "1", "--hidden", "8", "--quiet"]) == 0
    finally:
        os.umask(previous)
    out = tmp_path / "runs" / "train-digits"
    assert f"to {os.path.join('runs', 'train-digits')}" in capsys.readouterr().out
    for name in ("history.json", "learning_curves.png", "model.zip"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name
