"""Fused element-wise passes for the built-in activations: bias + f, and f' ⊙ g + Σ_batch.

At batch 32 a 100-unit layer's GEMM costs about as much as five or six NumPy element-wise
calls, and SELU written in NumPy took more than that in each direction (3.3× the GEMM in the
forward pass alone, measured). Each pass here reads and writes every element once:

* forward: v = z + b written back into z (the pre-activation the layer keeps), a = f(v);
* backward: δ = f'(·) ⊙ g, and ∂L/∂b = Σ_rows δ accumulated in the same loop, written into the
  caller's ``bias_grad`` in place (it may be a view into a flat gradient buffer).

Every pass exists twice with the same operations in the same order: a loop compiled with numba
on first use (:mod:`trainlab._jit`) and a NumPy fallback, taken without numba, under
``use_numba(False)``, or for inputs the loop does not take (other dtypes, non-contiguous
arrays). Both give the same bits (tested in float64 and float32); float32 data stays float32.

**Exponentials.** ELU, SELU, tanh, sigmoid and SiLU call the e^x / e^x − 1 of
:mod:`trainlab.activations.exponentials`, one source for both paths. They compute in float64
also for float32 data, which is rounded once when stored — except the ELU/SELU pair, which runs
in the data's own precision (float32 arithmetic for float32 data: twice the SIMD lanes, and the
forward pass of a 100-layer SELU network is this loop's largest cost after the GEMMs).

**Memory safety.** A compiled loop indexes its arrays without bounds checks, so every entry
point checks shapes first: the gradient must have the output's shape and the bias (and its
gradient) one element per unit, else a ValueError names both shapes; anything else a loop would
not handle goes to the fallback.
"""
from __future__ import annotations

import numpy as np

from trainlab import _jit
from trainlab.activations.exponentials import exp_nonpositive, expm1_nonpositive, expm1_nonpositive_like
from trainlab.activations.exponentials import use_compiled as _use_compiled

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# -- checks and dispatch shared by every entry point ---------------------------------------------------
def _rows(array: np.ndarray) -> np.ndarray:
    """The 2-D (rows, units) view the loops walk; units is the last axis."""
    if array.ndim == 2:
        return array
    return array.reshape(1, 1) if array.ndim == 0 else array.reshape(-1, array.shape[-1])


def _units(array: np.ndarray) -> int:
    return array.shape[-1] if array.ndim else 1


def _check_vector(vector, units: int, what: str) -> None:
    if vector is not None and vector.shape != (units,):
        raise ValueError(f"The {what} has shape {vector.shape}, but the data has {units} units on its last axis; "
                         f"it must have shape ({units},).")


def check_bias(bias: np.ndarray, z: np.ndarray) -> None:
    """Raise ValueError unless ``bias`` has one element per unit of z's last axis."""
    _check_vector(bias, _units(z), "bias")


def _as_data(array) -> np.ndarray:
    """A float ndarray: integer and boolean data are computed in float64 (layers always pass floats)."""
    array = np.asarray(array)
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def _loop_takes(array: np.ndarray, dtype) -> bool:
    return array.dtype == dtype and array.flags.c_contiguous


def _sum_rows_into(delta: np.ndarray, bias_grad: np.ndarray) -> None:
    """bias_grad = Σ_rows δ in row order, as the loops add (``accumulate`` is sequential by
    definition, where ``add.reduce`` sums pairwise along a contiguous axis)."""
    rows = _rows(delta)
    if len(rows):
        bias_grad[...] = np.add.accumulate(rows, axis=0)[-1]
    else:
        bias_grad[...] = 0


def run_forward(loop, fallback, z, bias, *constants):
    """f(z + bias) through ``loop`` when it applies, else ``fallback``; z receives z + bias.

    The fallback gets z in its own dtype and the same constants as the loop; its result is cast
    to z's dtype (a no-op for the fallbacks that compute in it).
    """
    if (type(z) is np.ndarray and z.ndim == 2 and z.dtype in FLOATS and z.flags.c_contiguous and len(z)
            and (bias is None or (bias.shape == (z.shape[1],) and _loop_takes(bias, z.dtype))) and _use_compiled()):
        out = np.empty_like(z)  # the common case (a Dense layer's own z), checked in one expression
        loop.compiled(z, bias, out, *constants)
        return out
    if type(z) is not np.ndarray or z.dtype not in FLOATS:
        z = _as_data(z)
    if bias is not None and bias.shape != (_units(z),):
        check_bias(bias, z)
    if bias is None and not z.flags.c_contiguous:
        z = np.ascontiguousarray(z)  # only read here, so a contiguous copy serves
    if (z.dtype in FLOATS and z.size and z.flags.c_contiguous and (bias is None or _loop_takes(bias, z.dtype))
            and _use_compiled()):
        out = np.empty_like(z)
        loop.compiled(_rows(z), bias, _rows(out), *constants)
        return out
    if bias is not None:
        np.add(z, bias, out=z)
    return fallback(z, *constants).astype(z.dtype, copy=False)


def _run_backward(loop, fallback, x, grad_a, bias_grad, *constants):
    """δ from ``x`` (the output or the input, as the activation needs) and g; Σ_rows δ into bias_grad."""
    if (type(x) is np.ndarray and x.ndim == 2 and x.dtype in FLOATS and x.flags.c_contiguous and len(x)
            and type(grad_a) is np.ndarray and grad_a.shape == x.shape and _loop_takes(grad_a, x.dtype)
            and (bias_grad is None or (bias_grad.shape == (x.shape[1],) and _loop_takes(bias_grad, x.dtype)))
            and _use_compiled()):
        delta = np.empty_like(x)  # the common case, checked in one expression
        loop.compiled(x, grad_a, delta, bias_grad, *constants)
        return delta
    if type(x) is not np.ndarray or x.dtype not in FLOATS:
        x = _as_data(x)
    if type(grad_a) is not np.ndarray:
        grad_a = np.asarray(grad_a)
    if grad_a.shape != x.shape:
        raise ValueError(f"The gradient has shape {grad_a.shape}, but the activation's output has shape "
                         f"{x.shape}; they must be equal.")
    if bias_grad is not None and bias_grad.shape != (_units(x),):
        _check_vector(bias_grad, _units(x), "bias gradient")
    if x.dtype in FLOATS and x.size and (bias_grad is None or _loop_takes(bias_grad, x.dtype)) and _use_compiled():
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        if not _loop_takes(grad_a, x.dtype):
            grad_a = np.ascontiguousarray(grad_a, dtype=x.dtype)
        delta = np.empty_like(x)
        loop.compiled(_rows(x), _rows(grad_a), _rows(delta), bias_grad, *constants)
        return delta
    delta = fallback(x, np.asarray(grad_a, dtype=x.dtype), *constants).astype(x.dtype, copy=False)
    if bias_grad is not None:
        _sum_rows_into(delta, bias_grad)
    return delta


# -- rectifiers: relu (with slope s, cap m, threshold t) and leaky relu -------------------------------
@_jit.kernel
def _rectifier_forward_loop(z, bias, out, slope, cap, threshold):
    rows, units = z.shape
    for i in range(rows):
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            x = np.float64(v)
            out[i, j] = np.minimum(x, cap) if x > threshold else slope * (x - threshold)


def _rectifier_forward_numpy(x, slope, cap, threshold):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > threshold, np.minimum(x, cap), slope * (x - threshold))


def rectifier_forward(z, bias, slope: float, cap: float, threshold: float) -> np.ndarray:
    """min(v, cap) if v > threshold else slope·(v − threshold), v = z + bias (cap = inf for none)."""
    return run_forward(_rectifier_forward_loop, _rectifier_forward_numpy, z, bias, slope, cap, threshold)


@_jit.kernel
def _rectifier_backward_loop(x, g, delta, bias_grad, slope, cap, threshold):
    rows, units = x.shape
    for i in range(rows):
        for j in range(units):
            v = np.float64(x[i, j])
            gv = np.float64(g[i, j])
            delta[i, j] = (gv if v < cap else 0.0) if v > threshold else gv * slope
            if bias_grad is not None:
                # The stored (rounded) δ is what is summed, on both paths.
                if i == 0:
                    bias_grad[j] = delta[i, j]
                else:
                    bias_grad[j] += delta[i, j]


def _rectifier_backward_numpy(x, g, slope, cap, threshold):
    x, g = np.asarray(x, dtype=np.float64), np.asarray(g, dtype=np.float64)
    return np.where(x > threshold, np.where(x < cap, g, 0.0), g * slope)


def rectifier_backward(x, grad_a, bias_grad, slope: float, cap: float, threshold: float) -> np.ndarray:
    """δ = g·(1 if x < cap else 0) if x > threshold else g·slope; x is z, or a when threshold = 0 and
    cap = inf (then a > 0 exactly where z > 0)."""
    return _run_backward(_rectifier_backward_loop, _rectifier_backward_numpy, x, grad_a, bias_grad,
                         slope, cap, threshold)


# -- the exponential family: ELU (scale 1) and SELU, in the data's own precision ------------------
@_jit.kernel
def _exponential_forward_loop(z, bias, out, scale, scale_alpha):
    rows, units = z.shape
    zero = scale - scale  # 0 of the data's type
    for i in range(rows):
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            out[i, j] = v * scale if v > zero else scale_alpha * expm1_nonpositive_like(np.minimum(v, zero))


def _exponential_forward_numpy(x, scale, scale_alpha):
    zero = scale - scale
    return np.where(x > zero, x * scale, scale_alpha * expm1_nonpositive_like(np.minimum(x, zero)))


def exponential_forward(z, bias, scale: float, scale_alpha: float) -> np.ndarray:
    """scale·v if v > 0 else scale·α·(e^v − 1), v = z + bias, in z's precision (float32 stays
    float32 arithmetic here: this is deep networks' hot spot)."""
    dtype = z.dtype if isinstance(z, np.ndarray) and z.dtype in FLOATS else np.dtype(np.float64)
    return run_forward(_exponential_forward_loop, _exponential_forward_numpy, z, bias, dtype.type(scale),
                       dtype.type(scale_alpha))


@_jit.kernel
def _exponential_backward_loop(a, g, delta, bias_grad, scale, scale_alpha):
    rows, units = a.shape
    zero = scale - scale
    for i in range(rows):
        for j in range(units):
            av = a[i, j]
            delta[i, j] = g[i, j] * scale if av > zero else g[i, j] * (av + scale_alpha)
            if bias_grad is not None:
                if i == 0:
                    bias_grad[j] = delta[i, j]
                else:
                    bias_grad[j] += delta[i, j]


def _exponential_backward_numpy(a, g, scale, scale_alpha):
    zero = scale - scale
    return np.where(a > zero, g * scale, g * (a + scale_alpha))


def exponential_backward(a, grad_a, bias_grad, scale: float, scale_alpha: float) -> np.ndarray:
    """δ = g·scale if a > 0 else g·(a + scale·α), from the output a, in a's precision."""
    dtype = a.dtype if isinstance(a, np.ndarray) and a.dtype in FLOATS else np.dtype(np.float64)
    return _run_backward(_exponential_backward_loop, _exponential_backward_numpy, a, grad_a, bias_grad,
                         dtype.type(scale), dtype.type(scale_alpha))


# -- tanh and sigmoid ---------------------------------------------------------------------------------
@_jit.kernel
def _tanh_forward_loop(z, bias, out):
    rows, units = z.shape
    for i in range(rows):
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            x = np.float64(v)
            # tanh|x| = −(e^{−2|x|} − 1) / (2 + (e^{−2|x|} − 1)), odd in x.
            e = expm1_nonpositive(-2.0 * np.abs(x))
            t = -e / (2.0 + e)
            out[i, j] = t if x >= 0 else -t


def _tanh_forward_numpy(x):
    x = np.asarray(x, dtype=np.float64)
    e = expm1_nonpositive(-2.0 * np.abs(x))
    t = -e / (2.0 + e)
    return np.where(x >= 0, t, -t)


def tanh_forward(z, bias) -> np.ndarray:
    return run_forward(_tanh_forward_loop, _tanh_forward_numpy, z, bias)


@_jit.kernel
def _sigmoid_forward_loop(z, bias, out):
    rows, units = z.shape
    for i in range(rows):
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            x = np.float64(v)
            # e^{−|x|} only, so neither sign overflows.
            e = exp_nonpositive(-np.abs(x))
            out[i, j] = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


def _sigmoid_forward_numpy(x):
    x = np.asarray(x, dtype=np.float64)
    e = exp_nonpositive(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_forward(z, bias) -> np.ndarray:
    return run_forward(_sigmoid_forward_loop, _sigmoid_forward_numpy, z, bias)


@_jit.kernel
def _tanh_backward_loop(a, g, delta, bias_grad):
    rows, units = a.shape
    for i in range(rows):
        for j in range(units):
            av = np.float64(a[i, j])
            delta[i, j] = np.float64(g[i, j]) * (1.0 - av * av)
            if bias_grad is not None:
                if i == 0:
                    bias_grad[j] = delta[i, j]
                else:
                    bias_grad[j] += delta[i, j]


def _tanh_backward_numpy(a, g):
    a, g = np.asarray(a, dtype=np.float64), np.asarray(g, dtype=np.float64)
    return g * (1.0 - a * a)


def tanh_backward(a, grad_a, bias_grad) -> np.ndarray:
    """δ = g·(1 − a²)."""
    return _run_backward(_tanh_backward_loop, _tanh_backward_numpy, a, grad_a, bias_grad)


@_jit.kernel
def _sigmoid_backward_loop(a, g, delta, bias_grad):
    rows, units = a.shape
    for i in range(rows):
        for j in range(units):
            av = np.float64(a[i, j])
            delta[i, j] = np.float64(g[i, j]) * av * (1.0 - av)
            if bias_grad is not None:
                if i == 0:
                    bias_grad[j] = delta[i, j]
                else:
                    bias_grad[j] += delta[i, j]


def _sigmoid_backward_numpy(a, g):
    a, g = np.asarray(a, dtype=np.float64), np.asarray(g, dtype=np.float64)
    return g * a * (1.0 - a)


def sigmoid_backward(a, grad_a, bias_grad) -> np.ndarray:
    """δ = g·a·(1 − a)."""
    return _run_backward(_sigmoid_backward_loop, _sigmoid_backward_numpy, a, grad_a, bias_grad)


# -- SiLU / swish: z·σ(z), its derivative from z --------------------------------------------------------
@_jit.kernel
def _silu_forward_loop(z, bias, out):
    rows, units = z.shape
    for i in range(rows):
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            x = np.float64(v)
            e = exp_nonpositive(-np.abs(x))
            out[i, j] = x * (1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e))


def _silu_forward_numpy(x):
    x = np.asarray(x, dtype=np.float64)
    e = exp_nonpositive(-np.abs(x))
    return x * np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def silu_forward(z, bias) -> np.ndarray:
    """v·σ(v), v = z + bias."""
    return run_forward(_silu_forward_loop, _silu_forward_numpy, z, bias)


@_jit.kernel
def _silu_backward_loop(z, g, delta, bias_grad):
    rows, units = z.shape
    for i in range(rows):
        for j in range(units):
            x = np.float64(z[i, j])
            e = exp_nonpositive(-np.abs(x))
            gate = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
            delta[i, j] = np.float64(g[i, j]) * (gate * (1.0 + x * (1.0 - gate)))
            if bias_grad is not None:
                if i == 0:
                    bias_grad[j] = delta[i, j]
                else:
                    bias_grad[j] += delta[i, j]


def _silu_backward_numpy(x, g):
    x, g = np.asarray(x, dtype=np.float64), np.asarray(g, dtype=np.float64)
    e = exp_nonpositive(-np.abs(x))
    gate = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return g * (gate * (1.0 + x * (1.0 - gate)))


def silu_backward(z, grad_a, bias_grad) -> np.ndarray:
    """δ = g·σ(z)·(1 + z(1 − σ(z))), from the pre-activation z."""
    return _run_backward(_silu_backward_loop, _silu_backward_numpy, z, grad_a, bias_grad)


# -- the bias gradient alone (linear activations, the fused cross-entropy path) ---------------------------
@_jit.kernel
def _sum_rows_loop(delta, bias_grad):
    rows, units = delta.shape
    for j in range(units):
        bias_grad[j] = delta[0, j]
    for i in range(1, rows):
        for j in range(units):
            bias_grad[j] += delta[i, j]


def sum_rows(delta, bias_grad: np.ndarray) -> None:
    """bias_grad = Σ over every axis but the last of δ, in row order, written in place."""
    if type(delta) is not np.ndarray:
        delta = np.asarray(delta)
    if bias_grad.shape != (_units(delta),):
        _check_vector(bias_grad, _units(delta), "bias gradient")
    if (delta.dtype in FLOATS and delta.size and delta.flags.c_contiguous and _loop_takes(bias_grad, delta.dtype)
            and _use_compiled()):
        _sum_rows_loop.compiled(_rows(delta), bias_grad)
    else:
        _sum_rows_into(delta, bias_grad)
