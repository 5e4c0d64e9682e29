"""HOML's exercise 8 runs end to end on the synthetic CIFAR-10 stand-in: the example script (every
part) and the lab study, as CI runs them without the 170 MB archive."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from trainlab.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_runs_every_part_on_the_synthetic_stand_in(tmp_path):
    # One BLAS thread, as in the rest of the suite: on a shared 2-core machine threads only contend.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "cifar10_deep_dnn.py"), "--synthetic",
                           "--epochs", "1", "--verbose", "0", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "synthetic stand-in: the accuracies below say nothing about CIFAR-10" in out
    for part in ("b-swish", "c-batchnorm", "d-selu", "e-alpha-dropout", "e-mc-dropout", "f-1cycle"):
        assert f"\n{part} " in out, f"{part} missing from the summary:\n{out}"
    assert "[f-1cycle] range test suggests" in out
    assert (tmp_path / "d-selu" / "model.zip").is_file() and (tmp_path / "f-lr-find.png").is_file()


def test_the_study_runs_on_the_synthetic_stand_in(tmp_path, capsys):
    out = tmp_path / "study"
    assert main(["lab", "run", "cifar10-deep", "--synthetic", "--quick", "--epochs", "1", "--jobs", "1",
                 "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cifar10-deep: executed 24 runs (24 ok)" in printed
    report = (out / "report.md").read_text()
    for label in ("ELU + He (a, b)", "Swish + He (a, b; 3rd edition)", "+ batch normalization (c)", "SELU + LeCun, standardized inputs (d)",
                  "SELU + alpha dropout (e)", "SELU + alpha dropout, 1cycle (f)"):
        assert label in report
    assert "synthetic-cifar10" in (out / "study.json").read_text()
