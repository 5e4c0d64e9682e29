"""e^x and e^x − 1 for x <= 0, one source for the compiled loops and their NumPy fallbacks.

ELU, SELU, tanh, sigmoid and softmax need e^x or e^x − 1 for x <= 0. libm's ``expm1`` is not
vectorized (≈20 ns an element), and NumPy's own SIMD ``exp`` (used on CPUs with AVX-512) can
differ from libm's in the last bit, so neither could give both paths the same bits everywhere.
Both paths call :func:`expm1_nonpositive` / :func:`exp_nonpositive` instead, written once with
arithmetic and NumPy ufuncs so the same source runs element-wise on arrays (fallback) and on
scalars inside the compiled loops, where it is inlined and LLVM vectorizes it: x = k·ln2 + r with |r| <= ln2/2
(ln2 split in two so k·ln2 is exact), e^r − 1 by its Taylor polynomial to degree 13 (truncation
< 2e-18 relative), and the exact power 2^k (``ldexp`` in NumPy, the exponent bits written
directly in the loops). Everything is computed in float64, also for float32 data, which is
rounded once when stored; the results stay within 1.2 ulp (float64) of the correctly rounded
values. The exception is ELU/SELU's e^x − 1, the hot spot of deep networks, which
:func:`expm1_nonpositive_like` computes in float32 arithmetic for float32 data (a degree-7
polynomial on twice the SIMD lanes, 2.1× faster, within 2 ulp).

numba's on-disk cache keys a compiled loop on its own file only: after editing this module,
clear the ``__pycache__/*.nb[ci]`` files of the modules whose loops call it.
"""
from __future__ import annotations

import numpy as np

from trainlab import _jit

_LN2_HI = 6.93147180369123816490e-01  # the high 32 bits of ln 2: k·_LN2_HI is exact for |k| < 2^21
_LN2_LO = 1.90821492927058770002e-10  # ln 2 − _LN2_HI
_INV_LN2 = 1.44269504088896338700e+00
# Below these, e^x − 1 rounds to −1 and e^x to 0 in float64; clamping keeps 2^k's factors in range.
_EXPM1_FLOOR = -40.0
_EXP_FLOOR = -746.0


def _expm1_reduced(r):
    """e^r − 1 for |r| <= ln2/2: Taylor to degree 13 by Horner, written r + r²·q(r)."""
    q = 1.6059043836821613e-10  # 1/13!
    q = q * r + 2.08767569878681e-09  # 1/12!
    q = q * r + 2.505210838544172e-08
    q = q * r + 2.755731922398589e-07
    q = q * r + 2.7557319223985893e-06
    q = q * r + 2.48015873015873e-05
    q = q * r + 0.0001984126984126984
    q = q * r + 0.001388888888888889
    q = q * r + 0.008333333333333333
    q = q * r + 0.041666666666666664
    q = q * r + 0.16666666666666666
    q = q * r + 0.5
    return r + (r * r) * q


def _two_to_the(k):
    """2^k, exactly, for integer-valued floats −1022 <= k <= 0 (NumPy: ``ldexp``; compiled: the
    exponent bits written directly, see :func:`_register_compiled_helpers`)."""
    return np.ldexp(1.0, np.asarray(k).astype(np.int32))


def _reduce(x, floor):
    """x = k·ln2 + r, |r| <= ln2/2, for x clamped below at ``floor``; k from a NaN-free copy of x
    (``fmax`` drops NaN), so NaN reaches the result through r alone."""
    k = np.floor(np.fmax(x, floor) * _INV_LN2 + 0.5)
    x = np.maximum(x, floor)
    return k, (x - k * _LN2_HI) - k * _LN2_LO


def expm1_nonpositive(x):
    """e^x − 1 for x <= 0 in float64 (NaN propagates; positive x is not handled)."""
    k, r = _reduce(x, _EXPM1_FLOOR)
    s = _two_to_the(k)
    return s * _expm1_reduced(r) + (s - 1.0)


def exp_nonpositive(x):
    """e^x for x <= 0 in float64, down to the subnormals (NaN propagates)."""
    k, r = _reduce(x, _EXP_FLOOR)
    k_normal = np.maximum(k, -1022.0)
    s = _two_to_the(k_normal)
    # Below 2^−1022 the scale is split in two normal factors; the last product rounds once.
    return (s * _expm1_reduced(r) + s) * _two_to_the(k - k_normal)


# -- e^x − 1 in float32 arithmetic, for float32 data (twice the SIMD lanes of float64) ----------------
_F32 = np.float32
_LN2_HI_32 = _F32(0.693145751953125)  # 0x3F317200: k·_LN2_HI_32 is exact for |k| < 2^9
_LN2_LO_32 = _F32(1.4286068e-06)
_INV_LN2_32 = _F32(1.442695)
_EXPM1_FLOOR_32 = _F32(-18.0)  # e^−18 − 1 rounds to −1 in float32
_HALF_32, _ONE_32 = _F32(0.5), _F32(1.0)
_C2_32, _C3_32, _C4_32 = _F32(0.5), _F32(0.16666667), _F32(0.041666668)
_C5_32, _C6_32, _C7_32 = _F32(0.008333334), _F32(0.0013888889), _F32(0.0001984127)


def _two_to_the_32(k):
    """2^k in float32, exactly, for integer-valued float32 −126 <= k <= 0."""
    return np.ldexp(_ONE_32, np.asarray(k).astype(np.int32))


def _expm1_nonpositive_32(x):
    """e^x − 1 for float32 x <= 0 in float32: Taylor to degree 7 (truncation < 2e-8 relative)."""
    k = np.floor(np.fmax(x, _EXPM1_FLOOR_32) * _INV_LN2_32 + _HALF_32)
    x = np.maximum(x, _EXPM1_FLOOR_32)
    r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
    q = _C7_32
    q = q * r + _C6_32
    q = q * r + _C5_32
    q = q * r + _C4_32
    q = q * r + _C3_32
    q = q * r + _C2_32
    s = _two_to_the_32(k)
    return s * (r + (r * r) * q) + (s - _ONE_32)


def expm1_nonpositive_like(x):
    """e^x − 1 for x <= 0 in x's own precision: float32 arithmetic for float32, else float64.

    Within 2 ulp (float32) / 1.2 ulp (float64) of the correctly rounded value. Compiled loops get
    the variant for their element type when they are compiled.
    """
    x = np.asarray(x)
    if x.dtype == np.float32:
        return _expm1_nonpositive_32(x)
    return expm1_nonpositive(np.asarray(x, dtype=np.float64))


_HELPERS = (_expm1_reduced, _reduce, expm1_nonpositive, exp_nonpositive, _expm1_nonpositive_32)
_helpers_registered = False


def _register_compiled_helpers() -> None:
    """Make the helpers callable (and inlined, so loops vectorize) from compiled loops.

    ``_two_to_the`` gets a compiled twin that writes k + 1023 into the exponent field: LLVM
    vectorizes that, where a call to ``ldexp`` would stop it. Both give the exact power of two.
    """
    from numba import types
    from numba.extending import intrinsic, overload, register_jitable

    @intrinsic
    def bits_to_float64(typingctx, bits):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(types.float64))

        return types.float64(types.int64), codegen

    @overload(_two_to_the, inline="always")
    def two_to_the_compiled(k):
        def implementation(k):
            return bits_to_float64(np.int64(np.int32(k) + np.int32(1023)) << 52)

        return implementation

    @intrinsic
    def bits_to_float32(typingctx, bits):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(types.float32))

        return types.float32(types.int32), codegen

    @overload(_two_to_the_32, inline="always")
    def two_to_the_32_compiled(k):
        def implementation(k):
            return bits_to_float32(np.int32((np.int32(k) + np.int32(127)) << np.int32(23)))

        return implementation

    @overload(expm1_nonpositive_like, inline="always")
    def expm1_like_compiled(x):
        if x == types.float32:
            return lambda x: _expm1_nonpositive_32(x)
        return lambda x: expm1_nonpositive(np.float64(x))

    for helper in _HELPERS:
        register_jitable(inline="always")(helper)


def use_compiled() -> bool:
    """True when the compiled path is on; the first time, makes the helpers callable from loops."""
    global _helpers_registered
    if not _jit.enabled():
        return False
    if not _helpers_registered:
        _register_compiled_helpers()  # imports numba: never at import time
        _helpers_registered = True
    return True
