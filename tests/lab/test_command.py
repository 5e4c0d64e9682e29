"""The ``trainlab lab`` command: list, run, report, and its error messages with exit status 2."""
from __future__ import annotations

from trainlab.cli.lab import main


def test_list_describes_the_builtin_studies(capsys):
    assert main(["lab", "list"]) == 0
    listing = capsys.readouterr().out
    assert "optimizers" in listing and "momentum" in listing and "star table" in listing


def test_run_then_report(study_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["lab", "run", str(study_file), "--quick", "--jobs", "1", "--out", str(out), "--no-progress",
                 "--set", "model.hidden=[8]"]) == 0
    assert "executed 15 runs (15 ok)" in capsys.readouterr().out
    assert {"report.md", "report.html", "results.csv"} <= {p.name for p in out.iterdir()}
    (out / "report.md").unlink()
    assert main(["lab", "report", str(out)]) == 0
    assert (out / "report.md").is_file()
    assert main(["lab", "run", str(study_file), "--quick", "--jobs", "1", "--out", str(out), "--no-progress",
                 "--set", "model.hidden=[8]"]) == 0
    assert "executed 0 runs" in capsys.readouterr().out


def test_errors_print_one_line_and_exit_2(study_file, tmp_path, capsys):
    cases = [
        (["lab", "run", "no-such-study"], "Unknown study 'no-such-study'"),
        (["lab", "run", str(study_file), "--jobs", "0", "--out", str(tmp_path / "a")], "--jobs must be an integer >= 1"),
        (["lab", "run", str(study_file), "--set", "model.hiden=[8]"], "did you mean 'hidden'"),
        (["lab", "run", str(study_file), "--arms", "adam"], "Unknown arm 'adam'"),
        (["lab", "report", str(tmp_path)], "is not a study output directory"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        error = capsys.readouterr().err
        assert error.startswith("trainlab lab: error: ") and message in error, (argv, error)
