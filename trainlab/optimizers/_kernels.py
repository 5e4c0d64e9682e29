"""What every fused update kernel shares: the dispatch, the guards, the subnormal flush.

Each optimizer module writes its update rule twice, with the same operation order: a loop
compiled by numba (:func:`trainlab._jit.kernel`, compiled on first use) that reads and writes
every element once, and a NumPy fallback taken when numba is absent or switched off
(``trainlab._jit.use_numba(False)``), when an array is not C-contiguous, or for float16.
:func:`run` picks the path. Both give bit-identical float64 results (tested).

Every compiled loop is memory-safe on its own: it first compares the sizes of all its arrays
(optional slots may be empty) and returns :data:`SIZE_MISMATCH` without touching anything if
they differ, so no caller can make it index outside an array. With ``check=True`` it then reads
the whole gradient once and returns :data:`NON_FINITE`, again before writing anything, when a
value is NaN or ±inf: one call does the pipeline's finiteness check and the update.

Subnormal optimizer state. Slot values that decay geometrically (Adam's moments of a dead
ReLU unit's weights: m shrinks ×0.9 per step) fall below the smallest normal float within a
few hundred steps, and arithmetic on subnormals costs ~100 cycles on x86 without the FTZ/DAZ
flags (measured: Adam's epoch time doubled from epoch 2 on). The flags are process-wide and may
be changed by other code, so instead every kernel stores 0 for a slot value whose magnitude is
below ``np.finfo(dtype).tiny``. The value lost is below 1e-38 (float32), far under any update's
resolution: where a flushed slot feeds the update its contribution was already rounded away.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from trainlab import _jit
from trainlab._jit import kernel

OK, NON_FINITE, SIZE_MISMATCH = 0, 1, 2
_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_EMPTY: dict[np.dtype, np.ndarray] = {}
_TINY: dict[np.dtype, np.generic] = {}


@kernel
def all_finite(values):
    """True when no element of the 1-D ``values`` is NaN or ±inf (x − x is NaN exactly then)."""
    finite = True
    for i in range(values.size):
        difference = values[i] - values[i]
        finite &= difference == difference  # no early exit: a branch-free loop vectorizes
    return finite


def smallest_normal(dtype) -> np.generic:
    """``np.finfo(dtype).tiny`` as a scalar of that dtype: slots below it are stored as 0."""
    dtype = np.dtype(dtype)
    if dtype not in _TINY:
        _TINY[dtype] = dtype.type(np.finfo(dtype).tiny)
    return _TINY[dtype]


def flush_subnormals(array: np.ndarray, tiny) -> None:
    """The NumPy twin of the kernels' flush: 0 (positive zero, as x − x gives) where |x| < tiny."""
    array[np.abs(array) < tiny] = 0


def decay_in_place(param: np.ndarray, decay) -> None:
    """The NumPy twin of the kernels' decoupled weight decay: θ ← θ − θ·(λη)."""
    if decay:
        param -= param * decay


def finite(arrays) -> bool:
    """True when no array holds NaN or ±inf (compiled: one read per element, no temporaries)."""
    compiled = _jit.enabled()
    for array in arrays:
        if compiled and array.dtype in _COMPILED_DTYPES and array.flags.c_contiguous:
            if not all_finite.compiled(array.reshape(-1)):
                return False
        elif not np.isfinite(array).all():
            return False
    return True


def _empty(dtype) -> np.ndarray:
    if dtype not in _EMPTY:
        _EMPTY[dtype] = np.empty(0, dtype)
    return _EMPTY[dtype]


def _takes_compiled_path(param: np.ndarray, arrays) -> bool:
    """Compiled loops handle C-contiguous float32/float64 arrays all of the parameter's dtype.

    Called for every tensor of a per-tensor step, so it is plain loops and identity tests.
    """
    if not _jit.enabled():
        return False
    dtype = param.dtype
    if dtype not in _COMPILED_DTYPES:
        return False
    for array in arrays:
        if array is not None and (array.dtype != dtype or not array.flags.c_contiguous):
            return False
    return True


def run(loop, fallback: Callable, param: np.ndarray, grad: np.ndarray, slots: Mapping[str, np.ndarray | None],
        scalars: Mapping[str, float | bool], decay: float = 0.0, check: bool = False) -> bool:
    """One fused update of ``param`` in place, by ``loop`` (compiled) or ``fallback`` (NumPy).

    Args:
        loop: the :class:`~trainlab._jit.Kernel`; called with keyword arguments ``param``,
            ``grad``, each slot (empty array for None), each scalar, ``decay``, ``tiny``, ``check``.
        fallback: the NumPy function with the same keywords (slots None when absent, no check).
        slots: the rule's slot arrays by name, None for an optional slot switched off.
        scalars: per-step numbers (cast to the parameter's dtype) and flags (kept as bool).
        decay: the decoupled weight decay factor λη for this tensor (0: none).
        check: verify the gradient is finite first; nothing is written when it is not.

    Returns:
        False when ``check`` found a non-finite gradient (nothing changed), else True.

    Raises:
        ValueError: an array's size differs from the parameter's. Callers compare shapes
            first and name the offending key; this is the guard that keeps the loop in bounds.
    """
    cast = param.dtype.type
    values = {name: value if isinstance(value, (bool, np.bool_)) else cast(value) for name, value in scalars.items()}
    tiny = smallest_normal(param.dtype)
    if _takes_compiled_path(param, (grad, *slots.values())):
        empty = _empty(param.dtype)
        arrays = {name: empty if array is None else array.reshape(-1) for name, array in slots.items()}
        code = loop.compiled(param=param.reshape(-1), grad=grad.reshape(-1), **arrays, **values, decay=cast(decay),
                             tiny=tiny, check=check)
        if code == SIZE_MISMATCH:
            raise ValueError(_size_message(param, grad, slots))
        return code == OK
    if grad.shape != param.shape or any(s is not None and s.shape != param.shape for s in slots.values()):
        raise ValueError(_size_message(param, grad, slots))
    if check and not np.isfinite(grad).all():
        return False
    fallback(param=param, grad=grad, **slots, **values, decay=cast(decay), tiny=tiny)
    return True


def _size_message(param, grad, slots) -> str:
    shapes = ", ".join(f"{name} {array.shape}" for name, array in slots.items() if array is not None)
    return (f"Update kernel called with mismatched arrays: parameter {param.shape}, gradient {grad.shape}"
            f"{', ' + shapes if shapes else ''}; every array must have the parameter's shape.")
