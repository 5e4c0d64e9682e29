"""Compiled kernels on demand: numba is imported the first time a kernel runs, never at import.

Every compiled kernel in trainlab is a plain Python loop decorated with :func:`kernel`. The
decorator returns a :class:`Kernel` that compiles the loop with numba on first use (cached on
disk) and otherwise stays a plain function, so ``import trainlab`` costs what ``import numpy``
does, and the ≈0.5 s of importing numba (and llvmlite, and scipy through it) is paid only by
the first training step that needs a kernel.

Each module that owns kernels keeps a NumPy fallback with the same operation order, taken when
:func:`enabled` is False (numba absent, or :func:`use_numba` turned it off, as the tests do to
compare both paths). Callers on a hot path fetch ``kernel.compiled`` once per step (or per
call) instead of going through ``Kernel.__call__``, which adds a Python frame.

``numba`` is an optional dependency (``pip install trainlab[fast]``).
"""
from __future__ import annotations

import contextlib
import importlib.util
from typing import Callable

# find_spec looks for the package without importing it.
AVAILABLE = importlib.util.find_spec("numba") is not None
_enabled = AVAILABLE


def enabled() -> bool:
    """True when kernels should take the compiled path (numba installed and not switched off)."""
    return _enabled


@contextlib.contextmanager
def use_numba(on: bool):
    """Temporarily force the compiled (True) or NumPy (False) path; True needs numba installed."""
    global _enabled
    if on and not AVAILABLE:
        raise RuntimeError("numba is not installed; install trainlab[fast] to use the compiled kernels.")
    previous, _enabled = _enabled, bool(on)
    try:
        yield
    finally:
        _enabled = previous


# error_model="numpy": no Python zero-division checks inside loops, which would stop LLVM from
# vectorizing them (4-8x slower); IEEE results are unchanged.
_DEFAULT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


class Kernel:
    """A loop compiled by numba on first use; ``compiled`` is the numba dispatcher.

    Args:
        function: the loop, written for numba's nopython mode.
        options: extra ``numba.njit`` options (e.g. ``fastmath={"reassoc"}``).
    """

    __slots__ = ("function", "options", "_dispatcher")

    def __init__(self, function: Callable, options: dict):
        self.function = function
        self.options = {**_DEFAULT_OPTIONS, **options}
        self._dispatcher = None

    @property
    def compiled(self):
        """The numba dispatcher (compiled lazily; raises when numba is not installed)."""
        if self._dispatcher is None:
            if not AVAILABLE:
                raise RuntimeError("numba is not installed; install trainlab[fast] to use the compiled kernels.")
            import numba

            self._dispatcher = numba.njit(**self.options)(self.function)
        return self._dispatcher

    @property
    def was_compiled(self) -> bool:
        """True once numba compiled this kernel for at least one signature (it ran compiled)."""
        return self._dispatcher is not None and bool(self._dispatcher.signatures)

    def __call__(self, *args, **kwargs):
        return self.compiled(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Kernel {self.function.__qualname__} compiled={self.was_compiled}>"


def kernel(function: Callable | None = None, **options):
    """Decorator: ``@kernel`` or ``@kernel(fastmath={"reassoc"})`` makes a lazily compiled loop."""
    if function is None:
        return lambda f: Kernel(f, options)
    return Kernel(function, options)
