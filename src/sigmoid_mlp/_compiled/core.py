"""The compiled engines' shared core: availability, the vectorisable sigmoid,
the chain rule one layer back, and the full-batch forward/backward pass.

numba's ``math.exp`` is a scalar libm call (no SIMD without Intel's SVML), which
would make the sigmoid several times slower than numpy's vectorised ``exp``.
The sigmoid here therefore evaluates ``exp`` itself, in a form the compiler
vectorises: ``e^x = 2^k e^r`` with ``k = round(x / ln 2)`` and
``r = x - k ln 2`` (Cody-Waite, ``ln 2`` split in two so ``k ln2_hi`` is
exact), ``e^r`` by its Taylor polynomial of degree 13 (truncation error below
``4e-18`` relative for ``|r| <= ln(2)/2``) and ``2^k`` built from its exponent
bits.  The result agrees with ``scipy.special.expit`` to a few ulp.

Summation order may differ from numpy's (``reassoc`` lets the compiler
vectorise the sums); nothing else of IEEE arithmetic is relaxed, so NaN and
infinity propagate and divergence is detected as on the numpy path.
The protocol's two rules (:mod:`sigmoid_mlp._protocol`) are compiled here as
they are, for every engine.
"""

from __future__ import annotations

import os

import numpy as np

from .._protocol import is_divergent, no_improvement_count

try:
    if os.environ.get("SIGMOID_MLP_DISABLE_NUMBA", "") not in ("", "0"):
        raise ImportError("disabled by SIGMOID_MLP_DISABLE_NUMBA")
    from numba import njit
except ImportError:  # numba is an optional extra
    njit = None

#: Whether numba is installed (and not disabled): the compiled engines can run.
AVAILABLE = njit is not None


def jit(function):
    """``function`` compiled by numba (sums may be reassociated, nothing else
    of IEEE arithmetic relaxed), or ``function`` itself without numba.

    Compiled, overflow and NaN are silent IEEE arithmetic; as plain Python
    (``NUMBA_DISABLE_JIT=1``) numpy scalars would warn, so the callers run the
    kernels under ``np.errstate(over="ignore", invalid="ignore")`` and the
    two behave alike (the results are checked, not the warnings)."""
    if not AVAILABLE:
        return function
    return njit(cache=True, fastmath={"reassoc", "contract"})(function)


_EPS = float(np.finfo(np.float64).eps)


_LOG2E = 1.4426950408889634


_LN2_HI = 6.93147180369123816490e-01


_LN2_LO = 1.90821492927058770002e-10


def _sigmoid_row(z, kbuf, c):
    """``z[:c] := 1 / (1 + exp(-z[:c]))`` with a vectorisable ``exp``."""
    for i in range(c):
        x = -z[i]
        # Clamp so 2^k stays finite; comparisons keep NaN as NaN.
        if x > 709.0:
            x = 709.0
        if x < -708.0:
            x = -708.0
        # np.floor (a float) rather than math.floor: NaN stays NaN as plain
        # Python too (NUMBA_DISABLE_JIT), where math.floor(nan) raises
        k = np.floor(x * _LOG2E + 0.5)
        r = (x - k * _LN2_HI) - k * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        z[i] = p
        kbuf[i] = (np.int64(k) + 1023) << 52
    scale = kbuf.view(np.float64)
    for i in range(c):
        z[i] = 1.0 / (1.0 + z[i] * scale[i])


def _carry_back(theta, off, stride_in, stride_out, fan_in, fan_out, delta, other,
                acts, in_row, c):
    """``other[m] := (Σ_j w_mj delta[j]) a_m (1 - a_m)``: the chain rule, one layer back.

    The deck's recursion ``δ^(l-1) = (δ^(l) W^(l)ᵀ) ⊙ a^(l-1) ⊙ (1 - a^(l-1))``
    for one block of ``c`` rows, where ``w_mj = theta[off + m stride_in +
    j stride_out]`` (so both flat layouts can use it) and ``a_m`` is row
    ``in_row + m`` of ``acts``.
    """
    for m in range(fan_in):
        o = other[m]
        for i in range(c):
            o[i] = 0.0
        for j in range(fan_out):
            w = theta[off + m * stride_in + j * stride_out]
            dj = delta[j]
            for i in range(c):
                o[i] += w * dj[i]
        a = acts[in_row + m]
        for i in range(c):
            o[i] *= a[i] * (1.0 - a[i])


_sigmoid_row = jit(_sigmoid_row)
_carry_back = jit(_carry_back)
_no_improvement_count = jit(no_improvement_count)
_is_divergent = jit(is_divergent)
