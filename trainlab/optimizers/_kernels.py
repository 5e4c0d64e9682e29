"""Fused update kernels: one pass over each parameter tensor per step.

At batch 32 the optimizer update is the largest cost after the GEMMs, and an update written as
four NumPy expressions reads and writes every array four times (the reference network's working
set does not fit in L2). Each kernel here exists twice with the same operation order:

* a Numba loop (compiled on first use, cached on disk) that reads each element once;
* a NumPy fallback used when Numba is not installed, when an array is not C-contiguous, or
  when :func:`use_numba` turns the compiled path off (the tests compare both).

Scalars are cast to the parameter's dtype before either path runs, so float32 stays float32 and
both paths round the same operations the same way (bit-identical in float64 and, without FMA
contraction, in float32). ``numba`` is an optional dependency (``pip install trainlab[fast]``).
"""
from __future__ import annotations

import contextlib

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - exercised on machines without numba
    numba = None

AVAILABLE = numba is not None
_enabled = AVAILABLE
_EMPTY = {}


@contextlib.contextmanager
def use_numba(enabled: bool):
    """Temporarily force the compiled (True) or NumPy (False) path; True needs numba installed."""
    global _enabled
    if enabled and not AVAILABLE:
        raise RuntimeError("numba is not installed; install trainlab[fast] to use the compiled kernels.")
    previous, _enabled = _enabled, bool(enabled)
    try:
        yield
    finally:
        _enabled = previous


_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _compiled(*arrays) -> bool:
    """The compiled path handles C-contiguous float arrays of one dtype.

    Called for every parameter at every step, so it is written as plain loops and identity
    tests: a generator expression here cost more per step than the compiled update itself.
    """
    if not _enabled:
        return False
    dtype = arrays[0].dtype
    if dtype not in _FLOAT_DTYPES:
        return False
    for array in arrays:
        if array.dtype != dtype or not array.flags.c_contiguous:
            return False
    return True


def _flat(*arrays):
    return [array.reshape(-1) for array in arrays]


def _empty(dtype) -> np.ndarray:
    return _EMPTY.setdefault(np.dtype(dtype), np.empty(0, dtype))


def _jit(function):
    # error_model="numpy": no Python zero-division checks inside the loop, which would stop LLVM
    # from vectorizing it (4-8x slower); IEEE results are unchanged (ε keeps denominators > 0).
    return numba.njit(cache=True, nogil=True, error_model="numpy")(function) if AVAILABLE else None


# -- finiteness check ------------------------------------------------------------------------------
def _finite_loop(array):
    total = 0.0
    for i in range(array.size):
        total += array[i] - array[i]  # 0 for every finite value, NaN for NaN or ±inf
    return total == 0.0


# Reassociation lets LLVM vectorize the sum; it cannot change the verdict (a sum of zeros, or NaN).
_finite_compiled = (numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})(_finite_loop)
                    if AVAILABLE else None)


def all_finite(arrays) -> bool:
    """True when no array holds NaN or ±inf (one read per element, no temporaries when compiled)."""
    for array in arrays:
        if _compiled(array):
            if not _finite_compiled(array.reshape(-1)):
                return False
        elif not np.isfinite(array).all():
            return False
    return True


# -- decoupled weight decay ----------------------------------------------------------------------
def _decay_loop(param, factor):
    for i in range(param.size):
        param[i] -= param[i] * factor


_decay_compiled = _jit(_decay_loop)


def decay_weights(param, factor):
    """θ ← θ − θ·(λη) in place (the pipeline's decoupled weight decay)."""
    factor = param.dtype.type(factor)
    if _compiled(param):
        _decay_compiled(param.reshape(-1), factor)
    else:
        param -= param * factor


# -- SGD ----------------------------------------------------------------------------------------
def _sgd_loop(param, grad, velocity, lr, momentum, nesterov):
    if velocity.size == 0:
        for i in range(param.size):
            param[i] -= lr * grad[i]
    elif nesterov:
        for i in range(param.size):
            step = lr * grad[i]
            v = momentum * velocity[i] - step
            velocity[i] = v
            param[i] += momentum * v - step
    else:
        for i in range(param.size):
            v = momentum * velocity[i] - lr * grad[i]
            velocity[i] = v
            param[i] += v


_sgd_compiled = _jit(_sgd_loop)


def sgd(param, grad, velocity, lr, momentum, nesterov):
    """m ← βm − ηg; θ ← θ + m (Nesterov: θ ← θ + βm − ηg); ``velocity=None``: θ ← θ − ηg."""
    cast = param.dtype.type
    lr, momentum = cast(lr), cast(momentum)
    arrays = (param, grad) if velocity is None else (param, grad, velocity)
    if _compiled(*arrays):
        p, g = _flat(param, grad)
        v = _empty(param.dtype) if velocity is None else velocity.reshape(-1)
        _sgd_compiled(p, g, v, lr, momentum, bool(nesterov))
        return
    step = lr * grad
    if velocity is None:
        param -= step
        return
    velocity *= momentum
    velocity -= step
    if nesterov:
        param += momentum * velocity - step
    else:
        param += velocity


# -- Adagrad ------------------------------------------------------------------------------------
def _adagrad_loop(param, grad, accumulator, lr, epsilon):
    for i in range(param.size):
        g = grad[i]
        a = accumulator[i] + g * g
        accumulator[i] = a
        param[i] -= lr * g / np.sqrt(a + epsilon)


_adagrad_compiled = _jit(_adagrad_loop)


def adagrad(param, grad, accumulator, lr, epsilon):
    """a ← a + g²; θ ← θ − ηg / √(a + ε)."""
    cast = param.dtype.type
    lr, epsilon = cast(lr), cast(epsilon)
    if _compiled(param, grad, accumulator):
        _adagrad_compiled(*_flat(param, grad, accumulator), lr, epsilon)
        return
    accumulator += grad * grad
    param -= lr * grad / np.sqrt(accumulator + epsilon)


# -- RMSprop ------------------------------------------------------------------------------------
def _rmsprop_loop(param, grad, mean_square, mean_gradient, velocity, lr, rho, one_minus_rho, momentum,
                  epsilon):
    centered = mean_gradient.size > 0
    with_momentum = velocity.size > 0
    for i in range(param.size):
        g = grad[i]
        s = rho * mean_square[i] + one_minus_rho * (g * g)
        mean_square[i] = s
        if centered:
            a = rho * mean_gradient[i] + one_minus_rho * g
            mean_gradient[i] = a
            s = s - a * a
        increment = lr * g / np.sqrt(s + epsilon)
        if with_momentum:
            increment = momentum * velocity[i] + increment
            velocity[i] = increment
        param[i] -= increment


_rmsprop_compiled = _jit(_rmsprop_loop)


def rmsprop(param, grad, mean_square, mean_gradient, velocity, lr, rho, momentum, epsilon):
    """s ← ρs + (1−ρ)g²; [ā ← ρā + (1−ρ)g; s − ā²]; Δ = ηg/√(· + ε); [b ← μb + Δ]; θ ← θ − Δ (or b)."""
    cast = param.dtype.type
    scalars = cast(lr), cast(rho), cast(1.0 - rho), cast(momentum), cast(epsilon)
    optional = [a for a in (mean_gradient, velocity) if a is not None]
    if _compiled(param, grad, mean_square, *optional):
        empty = _empty(param.dtype)
        _rmsprop_compiled(*_flat(param, grad, mean_square),
                          empty if mean_gradient is None else mean_gradient.reshape(-1),
                          empty if velocity is None else velocity.reshape(-1), *scalars)
        return
    lr, rho, one_minus_rho, momentum, epsilon = scalars
    mean_square[...] = rho * mean_square + one_minus_rho * (grad * grad)
    denominator = mean_square
    if mean_gradient is not None:
        mean_gradient[...] = rho * mean_gradient + one_minus_rho * grad
        denominator = mean_square - mean_gradient * mean_gradient
    increment = lr * grad / np.sqrt(denominator + epsilon)
    if velocity is not None:
        velocity[...] = momentum * velocity + increment
        increment = velocity
    param -= increment


# -- Adam (and AdamW) ---------------------------------------------------------------------------
def _adam_loop(param, grad, first_moment, second_moment, max_second_moment, alpha, one_minus_beta_1,
               one_minus_beta_2, epsilon):
    amsgrad = max_second_moment.size > 0
    for i in range(param.size):
        g = grad[i]
        m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
        v = second_moment[i] + (g * g - second_moment[i]) * one_minus_beta_2
        first_moment[i] = m
        second_moment[i] = v
        if amsgrad:
            v = max(max_second_moment[i], v)
            max_second_moment[i] = v
        param[i] -= m * alpha / (np.sqrt(v) + epsilon)


_adam_compiled = _jit(_adam_loop)


def _update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2) -> None:
    first_moment += (grad - first_moment) * one_minus_beta_1
    second_moment += (grad * grad - second_moment) * one_minus_beta_2


def adam(param, grad, first_moment, second_moment, max_second_moment, alpha, beta_1, beta_2, epsilon):
    """m ← m + (1−β₁)(g − m); v ← v + (1−β₂)(g² − v); [v̂ ← max(v̂, v)]; θ ← θ − α·m/(√v + ε)."""
    cast = param.dtype.type
    scalars = cast(alpha), cast(1.0 - beta_1), cast(1.0 - beta_2), cast(epsilon)
    optional = () if max_second_moment is None else (max_second_moment,)
    if _compiled(param, grad, first_moment, second_moment, *optional):
        _adam_compiled(*_flat(param, grad, first_moment, second_moment),
                       _empty(param.dtype) if max_second_moment is None else max_second_moment.reshape(-1),
                       *scalars)
        return
    alpha, one_minus_beta_1, one_minus_beta_2, epsilon = scalars
    _update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2)
    denominator = second_moment
    if max_second_moment is not None:
        np.maximum(max_second_moment, second_moment, out=max_second_moment)
        denominator = max_second_moment
    param -= first_moment * alpha / (np.sqrt(denominator) + epsilon)


# -- Adamax -------------------------------------------------------------------------------------
def _adamax_loop(param, grad, first_moment, infinity_norm, lr, one_minus_beta_1, beta_2, bias_correction,
                 epsilon):
    for i in range(param.size):
        g = grad[i]
        m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
        u = max(beta_2 * infinity_norm[i], abs(g))
        first_moment[i] = m
        infinity_norm[i] = u
        param[i] -= lr * m / (bias_correction * (u + epsilon))


_adamax_compiled = _jit(_adamax_loop)


def adamax(param, grad, first_moment, infinity_norm, lr, beta_1, beta_2, bias_correction, epsilon):
    """m ← m + (1−β₁)(g − m); u ← max(β₂u, |g|); θ ← θ − ηm / ((1−β₁ᵗ)(u + ε))."""
    cast = param.dtype.type
    scalars = cast(lr), cast(1.0 - beta_1), cast(beta_2), cast(bias_correction), cast(epsilon)
    if _compiled(param, grad, first_moment, infinity_norm):
        _adamax_compiled(*_flat(param, grad, first_moment, infinity_norm), *scalars)
        return
    lr, one_minus_beta_1, beta_2, bias_correction, epsilon = scalars
    first_moment += (grad - first_moment) * one_minus_beta_1
    np.maximum(beta_2 * infinity_norm, np.abs(grad), out=infinity_norm)
    param -= lr * first_moment / (bias_correction * (infinity_norm + epsilon))


# -- Nadam --------------------------------------------------------------------------------------
def _nadam_loop(param, grad, first_moment, second_moment, lr, one_minus_beta_1, one_minus_beta_2,
                momentum_coefficient, gradient_coefficient, inverse_second_correction, epsilon):
    for i in range(param.size):
        g = grad[i]
        m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
        v = second_moment[i] + (g * g - second_moment[i]) * one_minus_beta_2
        first_moment[i] = m
        second_moment[i] = v
        m_hat = momentum_coefficient * m + gradient_coefficient * g
        param[i] -= m_hat * lr / (np.sqrt(v * inverse_second_correction) + epsilon)


_nadam_compiled = _jit(_nadam_loop)


def nadam(param, grad, first_moment, second_moment, lr, beta_1, beta_2, momentum, next_momentum, product,
          next_product, second_correction, epsilon):
    """m̂ = μₜ₊₁m/(1 − Πₜμₜ₊₁) + (1 − μₜ)g/(1 − Πₜ); θ ← θ − η·m̂/(√(v/(1−β₂ᵗ)) + ε).

    The per-step scalar quotients are formed once (in float64) as coefficients, so the loop does
    one division per element instead of four; that kept Nadam within 3× of SGD's step cost.
    """
    cast = param.dtype.type
    scalars = (cast(lr), cast(1.0 - beta_1), cast(1.0 - beta_2), cast(next_momentum / (1.0 - next_product)),
               cast((1.0 - momentum) / (1.0 - product)), cast(1.0 / second_correction), cast(epsilon))
    if _compiled(param, grad, first_moment, second_moment):
        _nadam_compiled(*_flat(param, grad, first_moment, second_moment), *scalars)
        return
    (lr, one_minus_beta_1, one_minus_beta_2, momentum_coefficient, gradient_coefficient, inverse_second_correction,
     epsilon) = scalars
    _update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2)
    m_hat = momentum_coefficient * first_moment + gradient_coefficient * grad
    param -= m_hat * lr / (np.sqrt(second_moment * inverse_second_correction) + epsilon)
