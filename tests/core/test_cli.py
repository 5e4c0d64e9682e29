"""The command line: help, the train command's flags and TOML, and its error messages."""
import json

import pytest

from trainlab import cli


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    assert "train" in capsys.readouterr().out


def test_train_writes_outputs_and_prints_metrics(tmp_path, capsys):
    code = cli.main(["train", "--epochs", "1", "--hidden", "32", "--optimizer", "sgd", "--learning-rate", "0.05",
                     "--out", str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "test: loss:" in out and "valid: loss:" in out
    record = json.loads((tmp_path / "history.json").read_text())
    assert record["config"]["hidden"] == [32] and record["config"]["optimizer_params"] == {"learning_rate": 0.05, "momentum": 0.9}
    assert len(record["history"]["loss"]) == 1


def test_train_from_toml_with_flag_override(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('hidden = [16]\nepochs = 1\n[optimizer_params]\nlearning_rate = 0.1\n')
    assert cli.main(["train", "--config", str(config), "--seed", "3", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    record = json.loads((tmp_path / "o" / "history.json").read_text())
    assert record["config"]["seed"] == 3 and record["config"]["hidden"] == [16]


@pytest.mark.parametrize("argv,message", [
    (["train", "--data", "cifar"], "unknown dataset 'cifar'; valid names are 'digits'"),
    (["train", "--epochs", "0"], "epochs must be an integer >= 1; got 0"),
    (["train", "--opt", "beta_1"], "--opt expects name=value"),
    (["train", "--optimizer", "adamm"], "Unknown optimizer 'adamm'"),
])
def test_train_errors_are_one_clear_line(argv, message, capsys, tmp_path):
    assert cli.main([*argv, "--out", str(tmp_path), "--quiet"]) == 2
    assert message in capsys.readouterr().err


def test_unknown_toml_key(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("epoch = 3\n")
    assert cli.main(["train", "--config", str(config), "--quiet"]) == 2
    assert "unknown keys epoch; valid keys:" in capsys.readouterr().err


def test_the_library_never_imports_the_command_line():
    """The tool sits on the library, never the reverse: only trainlab/cli/ and __main__ import it."""
    import pathlib
    import re

    import trainlab

    root = pathlib.Path(trainlab.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.parent.name != "cli" and path.name != "__main__.py"
                 and re.search(r"^\s*(from trainlab\.cli\b|from trainlab import .*\bcli\b|import trainlab\.cli\b)",
                               path.read_text(encoding="utf-8"), re.MULTILINE)]
    assert offenders == []
