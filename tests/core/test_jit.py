"""The lazy-compilation helper: numba is imported only when a kernel first runs."""
import subprocess
import sys

import numpy as np
import pytest

from trainlab import _jit


def _double(values, out):
    for i in range(values.size):
        out[i] = 2.0 * values[i]


def test_kernel_compiles_on_first_call_only():
    if not _jit.AVAILABLE:
        pytest.skip("numba not installed")
    double = _jit.kernel(_double)
    assert not double.was_compiled
    out = np.empty(3)
    double(np.arange(3.0), out)
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    assert double.was_compiled
    assert double.compiled is double.compiled  # one dispatcher, reused


def test_defining_a_kernel_does_not_import_numba():
    # Load the module file alone: the package's own lazy import is tested with the kernels.
    code = ("import sys, importlib.util\n"
            f"spec = importlib.util.spec_from_file_location('_jit', {_jit.__file__!r})\n"
            "_jit = importlib.util.module_from_spec(spec); spec.loader.exec_module(_jit)\n"
            "k = _jit.kernel(lambda a: a)\n"
            "assert 'numba' not in sys.modules, 'numba imported at definition time'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_use_numba_restores_the_previous_setting():
    before = _jit.enabled()
    with _jit.use_numba(False):
        assert not _jit.enabled()
    assert _jit.enabled() == before


def test_use_numba_true_without_numba_names_the_extra(monkeypatch):
    monkeypatch.setattr(_jit, "AVAILABLE", False)
    with pytest.raises(RuntimeError, match=r"trainlab\[fast\]"):
        with _jit.use_numba(True):
            pass
