"""Compiled kernels on demand: numba is imported the first time a kernel runs, never at import.

Every compiled kernel in trainlab is a plain Python loop decorated with :func:`kernel`. The
decorator returns a :class:`Kernel` that compiles the loop with numba on first use (cached on
disk) and otherwise stays a plain function, so ``import trainlab`` costs what ``import numpy``
does, and the ≈0.5 s of importing numba (and llvmlite, and scipy through it) is paid only by
the first training step that needs a kernel.

A kernel may call another kernel (e.g. the shared finiteness check of the optimizers): the callee
is compiled first and inlined by LLVM. numba's cache does not track such a dependency across
files, so after editing a callee in another module, clear ``__pycache__/*.nb[ci]``.

Each module that owns kernels keeps a NumPy fallback with the same operation order, taken when
:func:`enabled` is False (numba absent, or :func:`use_numba` turned it off, as the tests do to
compare both paths). Callers on a hot path fetch ``kernel.compiled`` once per step (or per
call) instead of going through ``Kernel.__call__``, which adds a Python frame.

``numba`` is an optional dependency (``pip install trainlab[fast]``).
"""
from __future__ import annotations

import contextlib
import importlib.util
import types
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

            self._dispatcher = numba.njit(**self.options)(_with_compiled_callees(self.function))
        return self._dispatcher

    @property
    def was_compiled(self) -> bool:
        """True once numba compiled this kernel for at least one signature (it ran compiled)."""
        return self._dispatcher is not None and bool(self._dispatcher.signatures)

    def __call__(self, *args, **kwargs):
        return self.compiled(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Kernel {self.function.__qualname__} compiled={self.was_compiled}>"


def _with_compiled_callees(function: Callable) -> Callable:
    """``function`` with every global :class:`Kernel` it calls replaced by that kernel's dispatcher.

    numba resolves a kernel's globals when it compiles it, and a lazy ``Kernel`` is not something
    it can call; a copy of the function whose globals hold the compiled callees is. The copy keeps
    the code object, module and qualified name, so numba's on-disk cache still finds it.
    """
    callees = {name: value.compiled for name in function.__code__.co_names
               if isinstance(value := function.__globals__.get(name), Kernel)}
    if not callees:
        return function
    copy = types.FunctionType(function.__code__, {**function.__globals__, **callees}, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__qualname__, copy.__module__ = function.__qualname__, function.__module__
    return copy


def kernel(function: Callable | None = None, **options):
    """Decorator: ``@kernel`` or ``@kernel(fastmath={"reassoc"})`` makes a lazily compiled loop."""
    if function is None:
        return lambda f: Kernel(f, options)
    return Kernel(function, options)
