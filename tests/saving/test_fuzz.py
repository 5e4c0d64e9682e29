"""Fuzzing load_model with mutated real model files (see tests/saving/fuzz.py).

The default run fuzzes a few hundred files (about half a minute); the long mode is
``TRAINLAB_FUZZ_FILES=3000`` (any count), or directly ``python -m tests.saving.fuzz --files 3000``,
which also prints the counts and every bad case.
"""
import json
import os
import subprocess
import sys
import types

import pytest

from tests.saving import fuzz

FILES = int(os.environ.get("TRAINLAB_FUZZ_FILES", "200"))
SEED = int(os.environ.get("TRAINLAB_FUZZ_SEED", "0"))


def test_only_model_file_errors_no_blowups_no_code_and_loaded_files_train(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    report = tmp_path / "fuzz.json"
    completed = subprocess.run([sys.executable, "-W", "ignore", "-m", "tests.saving.fuzz", "--files", str(FILES),
                                "--seed", str(SEED), "--report", str(report)],
                               capture_output=True, text=True, env=env, timeout=3600)
    result = json.loads(report.read_text())
    print(completed.stdout)
    assert result["files"] == FILES
    assert result["bad"] == [], "\n".join(map(str, result["bad"][:10]))
    counts = result["counts"]
    assert counts["refused"] + counts["loaded"] == FILES
    # Both outcomes are well represented, so neither check ran vacuously.
    assert counts["refused"] >= FILES // 2 and counts["loaded"] >= FILES // 20
    assert 0 < result["largest_traced_peak"] <= fuzz.PEAK_BOUND
    assert completed.returncode == 0


def test_the_tripwire_and_the_sentinel_catch_code_execution(tmp_path):
    """The fuzzer's own detectors work: a planted payload unpickled, or os.system called, is seen."""
    import pickle

    sentinel = tmp_path / "EXECUTED"
    real = os.system, os.popen, subprocess.Popen.__init__
    try:
        tripwire = fuzz.Tripwire()
        os.system("echo not run")
        os.popen("echo not run")
    finally:
        os.system, os.popen, subprocess.Popen.__init__ = real
    assert tripwire.calls == [("os.system", ("echo not run",)), ("os.popen", ("echo not run",))]
    assert fuzz._after(sentinel, tripwire, "loaded", "")[0] == "executed"
    quiet = types.SimpleNamespace(calls=[])
    assert fuzz._after(sentinel, quiet, "loaded", "") == ("loaded", "")
    pickle.loads(pickle.dumps(fuzz.Payload(sentinel)))
    assert fuzz._after(sentinel, quiet, "loaded", "")[0] == "executed"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    subprocess.run([sys.executable, "-m", "tests.saving.fuzz", "--make-seeds", str(folder)], check=True,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    return folder


@pytest.mark.parametrize("mutator", sorted(set(fuzz.MUTATORS), key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_every_mutator_changes_a_real_file(seeds, tmp_path, mutator):
    import numpy as np

    original = (seeds / "seed-adam-float32.keras").read_bytes()
    changed = [mutator(original, np.random.default_rng(i), tmp_path / "S")[0] != original for i in range(5)]
    assert any(changed)
