"""Fast paths over the reference math of :mod:`sigmoid_mlp._network`.

Two entry points, both tested equal to the reference:

* :class:`FullBatchLossGradient` -- ``J`` and its gradient on one fixed data
  set.  Calling it with ``(coefs, intercepts)`` uses the reference functions
  themselves (so the mini-batch and L-BFGS solvers keep ``MLPRegressor``'s
  arithmetic bit for bit); :meth:`FullBatchLossGradient.loss`,
  :meth:`~FullBatchLossGradient.evaluate` and
  :meth:`~FullBatchLossGradient.flat_loss_gradient` are the fast kernel.
* :func:`run_full_batch_gd` -- the whole plain gradient-descent loop (constant
  step size), on the fast kernel.

How the speed is obtained (each point measured, see ``benchmarks/``):

* **One flat parameter vector in a feature-major layout.**  Layer ``l`` is
  stored as ``V_l`` of shape ``(fan_out, fan_in + 1)``: ``V_l[:, :fan_in]``
  is ``W^(l)ᵀ`` and the last column is ``b^(l)``.  Activations are stored
  transposed, ``(units + 1, rows)``, with a constant row of ones, so a hidden
  layer's forward product *and* its bias, and its weight *and* bias gradient,
  are one matrix product each, and all element-wise work runs over long
  contiguous rows.  The gradient-descent step is a single ``add`` over the
  whole vector, the ``alpha`` term a single multiply with a mask.
* **Buffers allocated once** per data set and reused by every epoch; every
  ufunc writes with ``out=``; ``np.dot`` (cheaper to call than ``matmul``)
  writes into preallocated C-contiguous buffers.
* **Chunks of rows.**  The forward and backward passes run over blocks of
  rows small enough for their intermediates to stay in the L2 cache; the
  gradient is summed over the blocks.  Extra memory is therefore a constant
  (a few hundred KiB), whatever the number of samples.
* **The BLAS shapes that are fast.**  With few hidden units and several
  features the first layer is ``X_c Wᵀ`` (rows x units) plus one transposing
  add of the bias, not ``W X_cᵀ`` (OpenBLAS is 1.3-2x faster at it); with one
  feature it is a broadcast multiply; a single-row δ (one output unit) is
  carried back by broadcasting, and the factor ``v`` applied to the few
  numbers of the first layer's gradient.  Chunks stay below OpenBLAS's
  threading threshold, whose threads stall a busy machine.
* **A SIMD sigmoid.**  ``1 / (1 + exp(-z))`` with numpy's vectorised ``exp``
  is about four times faster than :func:`scipy.special.expit` on this kind of
  machine, with the same accuracy (a few ulp); ``-z`` comes straight out of
  the product with negated weights.  Small blocks, where call overhead
  dominates, use ``expit`` (one call instead of three).
* **float32 stays float32**: every buffer has the dtype of ``X``.
* **Optional compiled loop** (:mod:`sigmoid_mlp._compiled`, numba): on small
  problems, where numpy's per-call overhead is most of an epoch, whole blocks
  of epochs run fused in one compiled call (4x faster than this module's
  numpy loop at n = 200).  Used only when numba is installed; this numpy path
  is the reference it is tested against.

Sparse ``X`` (CSR, or CSC converted once to CSR) takes the same path except
for the first layer, which uses scipy's sparse products.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from . import _network

__all__ = ["FullBatchLossGradient", "GDResult", "run_full_batch_gd"]

# Which gradient-descent loop runs: 'auto' (the compiled one when numba is
# installed and the problem suits it) or 'numpy' (always the reference path).
ENGINE = os.environ.get("SIGMOID_MLP_ENGINE", "auto")
COMPILED_MAX_WORK = 4096

# Target number of elements of the widest per-chunk activation buffer:
# 2**15 float64 values are 256 KiB, so a chunk's activations, deltas and
# inputs stay in a 1-2 MiB L2 cache.  (2**16 was up to 8% faster with BLAS
# limited to one thread, but with OpenBLAS's default threads it pushes some
# products over its threading thresholds, which on a busy 2-core machine made
# epochs 2-20x slower: measured at (1 000 000, 1, 3) and (100 000, 10, 100).)
_CHUNK_ELEMENTS = 1 << 15
# A problem this small (the widest buffer and [Xᵀ; 1] at most this many
# elements) runs as one chunk with [Xᵀ; 1] kept (the "augmented" mode):
# at (10 000, 1, 3) 0.10 instead of 0.14 ms per epoch.
_SINGLE_CHUNK_ELEMENTS = 1 << 16
_MIN_CHUNK_ROWS = 64
# Below this many elements one ``expit`` call beats the four-ufunc SIMD form.
_EXPIT_BELOW = 512
# How the dense first layer computes ``W X_cᵀ`` (measured with OpenBLAS on
# this project's 2-core benchmark machine, per 100 000 rows): with few units
# and several features, BLAS is much faster at ``X_c Wᵀ`` (rows x units, then
# one transposing add of the bias) than at the product with the transposed
# chunk: the product alone at (d, h) = (10, 3) 0.46 vs 0.60 ms, (50, 3) 3.5
# vs 6.5 ms; whole epochs at (10, 5) 14% and (10, 8) 7% faster, but (10, 12)
# 3% and (6, 16) 10% slower, (10, 100) much slower, and equal near d = 4.
# With one feature the product is an outer product: a broadcast multiply
# (0.09 vs 0.15 ms at h = 3).
_ROWS_PRODUCT_MAX_UNITS = 8
_ROWS_PRODUCT_MIN_FEATURES = 4
# OpenBLAS runs a GEMM single-threaded when m * n * k is at most this
# (65536 * GEMM_MULTITHREAD_THRESHOLD, default 4).
_BLAS_SINGLE_THREAD_MNK = 1 << 18
# From this many rows per chunk a one-row δ is carried back by broadcasting
# (three ufuncs) rather than a rank-1 product and three ufuncs: 8.7 vs 6.7 µs
# at 2000 rows, 22 vs 15 µs at 8192; below ~1000 rows the broadcasting
# ufuncs' dispatch costs more than they save (5.0 vs 3.9 µs at 200 rows).
_BROADCAST_DELTA_MIN_ROWS = 1536


def _rows_product(n_features, n_units):
    """Whether the dense first layer is computed as ``X_c Wᵀ`` (see above)."""
    return (n_units <= _ROWS_PRODUCT_MAX_UNITS
            and n_features >= _ROWS_PRODUCT_MIN_FEATURES)


def _sigmoid_of_negated(zn):
    """``zn := 1 / (1 + exp(zn))``: the sigmoid of ``-zn``, in place.

    The caller computes the negated pre-activation directly (with negated
    weights), which saves the negation pass.  ``exp`` overflow gives
    ``1 / inf = 0``, the correct value (the caller silences the warning).
    """
    np.exp(zn, out=zn)
    np.add(zn, 1, out=zn)
    np.divide(1, zn, out=zn)


class _Layout:
    """Where each layer's weights sit in the flat parameter vector ``theta``.

    Layer ``l`` is the block ``V_l`` of shape ``(fan_out, fan_in + 1)``, C
    order: ``V_l[:, :fan_in] = W^(l)ᵀ`` and ``V_l[:, fan_in] = b^(l)``.
    """

    def __init__(self, layer_sizes):
        self.layer_sizes = list(layer_sizes)
        self.n_layers = len(layer_sizes) - 1
        self.slices = []
        start = 0
        for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            self.slices.append((start, start + fan_out * (fan_in + 1)))
            start += fan_out * (fan_in + 1)
        self.size = start

    def views(self, theta):
        """``[V_0, ..., V_{L-1}]`` as views into ``theta``."""
        return [
            theta[s:e].reshape(fan_out, fan_in + 1)
            for (s, e), fan_in, fan_out in zip(
                self.slices, self.layer_sizes[:-1], self.layer_sizes[1:]
            )
        ]

    def pack(self, coefs, intercepts, out):
        for V, W, b in zip(self.views(out), coefs, intercepts):
            fan_in = W.shape[0]
            V[:, :fan_in] = W.T
            V[:, fan_in] = b
        return out

    def unpack(self, theta):
        """Fresh C-contiguous ``coefs, intercepts`` in ``MLPRegressor``'s layout."""
        coefs, intercepts = [], []
        for V in self.views(theta):
            coefs.append(np.ascontiguousarray(V[:, :-1].T))
            intercepts.append(V[:, -1].copy())
        return coefs, intercepts

    def weight_mask(self, dtype):
        """1 on every weight, 0 on every intercept (biases are not penalised)."""
        mask = np.ones(self.size, dtype=dtype)
        for V in self.views(mask):
            V[:, -1] = 0
        return mask


class _ChunkBuffers:
    """The per-chunk work arrays for one chunk length ``c``.

    All are views into flat storage shared by every chunk length, so the
    last, shorter chunk costs no extra memory: ``acts[l]`` is the augmented
    activation ``(fan_in_l + 1, c)`` entering layer ``l >= 1`` (its last row
    is ones), ``out`` the output ``(n_outputs, c)``, ``deltas[l]`` the error
    ``(fan_in_l, c)`` of hidden layer ``l``, ``wres`` the weighted residual.
    """

    def __init__(self, storage, layer_sizes, c):
        acts_s, deltas_s, out_s, wres_s = storage
        self.c = c
        self.acts = [None]
        self.deltas = [None]
        for layer, units in enumerate(layer_sizes[1:-1], start=1):
            self.acts.append(acts_s[layer][: (units + 1) * c].reshape(units + 1, c))
            self.deltas.append(deltas_s[layer][: units * c].reshape(units, c))
        k = layer_sizes[-1]
        self.out = out_s[: k * c].reshape(k, c)
        self.wres = None if wres_s is None else wres_s[: k * c].reshape(k, c)

    def fill_ones(self):
        for a in self.acts[1:]:
            a[-1].fill(1)


class FullBatchLossGradient:
    r"""``J`` and ``∂J/∂w`` on fixed data, as a reusable callable.

    Computes exactly what :func:`sigmoid_mlp._network.loss_gradient` computes
    (the tests check it to relative ``1e-12`` in float64),

    .. math:: J(\mathbf w) = \frac{1}{2S}\sum_i w_i \lVert y_i - \hat y_i\rVert^2
              + \frac{\alpha}{2S}\sum_l \lVert W^{(l)}\rVert_F^2,
              \qquad S = \sum_i w_i,

    but with every work array allocated once, in chunks of rows that fit in
    cache (see the module docstring).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float32 or float64; every work array takes this dtype.  CSC input is
        converted once to CSR.
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
        L2 strength.
    chunk_rows : int, optional
        Rows per chunk; by default chosen so the widest chunk buffer holds
        about ``2**15`` values.  Exposed for tests.

    Calling it with ``(coefs, intercepts)`` returns
    ``(loss, coef_grads, intercept_grads)`` exactly as
    :func:`sigmoid_mlp._network.loss_gradient` does.  The returned gradient
    arrays may be reused by the next call: copy them to keep them.
    """

    def __init__(self, X, y, sample_weight, alpha, *, chunk_rows=None):
        if sp.issparse(X) and X.format != "csr":
            X = sp.csr_matrix(X)
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.n_samples = X.shape[0]
        self.weight_sum = (
            float(X.shape[0]) if sample_weight is None else float(sample_weight.sum())
        )
        self.dtype = np.dtype(X.dtype)
        if self.dtype not in (np.float32, np.float64):
            self.dtype = np.dtype(np.float64)
        self.sparse = sp.issparse(X)
        self._chunk_rows = chunk_rows
        self._architecture = None

    # ------------------------------------------------------------ set-up
    def _prepare(self, layer_sizes):
        """Allocate the buffers for one architecture (done once per fit)."""
        layer_sizes = [int(s) for s in layer_sizes]
        if self._architecture == layer_sizes:
            return
        n, dtype = self.n_samples, self.dtype
        d = layer_sizes[0]
        self.layout = _Layout(layer_sizes)
        # The chunk length follows the widest layer after the inputs (X is
        # read in place, it need not fit in cache with the work arrays).
        widths = [u + 1 for u in layer_sizes[1:]]
        if self._chunk_rows is not None:
            c = int(self._chunk_rows)
        else:
            c = max(_MIN_CHUNK_ROWS, _CHUNK_ELEMENTS // max(widths))
            if (n * max(widths) <= _SINGLE_CHUNK_ELEMENTS
                    and (d + 1) * n <= _SINGLE_CHUNK_ELEMENTS):
                c = n
            elif (not self.sparse and _rows_product(d, layer_sizes[1])
                    and not (n <= c and (d + 1) * n <= _SINGLE_CHUNK_ELEMENTS)):
                # Keep X_c Wᵀ under OpenBLAS's threading threshold: above it
                # the call is split over threads, which on a busy machine
                # stalls for milliseconds (measured up to 20x slower).
                c = min(c, max(_MIN_CHUNK_ROWS,
                               _BLAS_SINGLE_THREAD_MNK // (d * layer_sizes[1])))
        c = max(1, min(c, n))
        hidden = layer_sizes[1:-1]
        k = layer_sizes[-1]
        acts_s = [None] + [np.empty((u + 1) * c, dtype) for u in hidden]
        deltas_s = [None] + [np.empty(u * c, dtype) for u in hidden]
        out_s = np.empty(k * c, dtype)
        wres_s = None if self.sample_weight is None else np.empty(k * c, dtype)
        storage = (acts_s, deltas_s, out_s, wres_s)
        extra = []

        if self.sparse:
            self._mode = "sparse"
        elif n == c and (d + 1) * n <= _SINGLE_CHUNK_ELEMENTS:
            # One small chunk: keep [Xᵀ; 1] (at most 512 KiB), so the first
            # layer's product and gradient include the bias too.
            self._mode = "augmented"
            XaugT = np.empty((d + 1, n), dtype)
            XaugT[:d] = self.X.T
            XaugT[d] = 1
            extra.append(XaugT)
        else:
            self._mode = "dense"

        # One entry per chunk: (X rows, yᵀ columns, weights, buffers, refill).
        yT = self.y.T
        sw = self.sample_weight
        full = _ChunkBuffers(storage, layer_sizes, c)
        full.fill_ones()
        self.chunks = []
        for start in range(0, n, c):
            stop = min(start + c, n)
            # The shorter last chunk shares storage with the full ones: their
            # activations overwrite its row of ones, so it refills it.
            refill = stop - start != c
            bufs = _ChunkBuffers(storage, layer_sizes, stop - start) if refill else full
            if self._mode == "augmented":
                Xc = XaugT
            elif self._mode == "dense":
                Xc = self.X[start:stop]
            elif n == c:
                Xc = self.X
            else:
                # Sparse row slices are copies: taken per epoch, not kept.
                Xc = (start, stop)
            self.chunks.append(
                (Xc, yT[:, start:stop], None if sw is None else sw[start:stop],
                 bufs, refill)
            )
        self.chunk_rows = c
        self._single = len(self.chunks) == 1
        self._grad_tmp = np.empty(self.layout.size, dtype)
        self._penalty_tmp = np.empty(self.layout.size, dtype)
        # Any hidden layer of a chunk large enough for the SIMD sigmoid?
        self._negate = len(hidden) > 0 and c * max(hidden) >= _EXPIT_BELOW
        # The dense first layer's product (see _ROWS_PRODUCT_MAX_UNITS).
        units0 = layer_sizes[1]
        self._first = "transposed"
        if self._mode == "dense":
            if d == 1:
                self._first = "outer"
            elif _rows_product(d, units0):
                self._first = "rows"
                # X_c Wᵀ lands here, (rows, units), before the transposing
                # add of the bias; Wᵀ (and -Wᵀ) are copied once per call.
                rows_s = np.empty(c * units0, dtype)
                extra.append(rows_s)
                for _, _, _, bufs, _ in self.chunks:
                    bufs.rows = rows_s[: units0 * bufs.c].reshape(bufs.c, units0)
                self._w0t = np.empty((d, units0), dtype)
                self._nw0t = np.empty((d, units0), dtype)
                extra += [self._w0t, self._nw0t]
        self._neg_theta = np.empty(self.layout.size, dtype)
        self._alpha_mask = (
            self.layout.weight_mask(dtype) * self.alpha if self.alpha else None
        )
        self._view_cache = {}
        # Bytes of work memory this kernel holds: bounded by the chunk size,
        # so independent of n once n exceeds one chunk.
        self.work_nbytes = sum(
            a.nbytes
            for a in [*acts_s[1:], *deltas_s[1:], out_s, self._grad_tmp,
                      self._penalty_tmp, self._neg_theta, *extra]
            + ([] if wres_s is None else [wres_s])
            + ([] if self._alpha_mask is None else [self._alpha_mask])
        )
        self._architecture = layer_sizes

    def _layer_sizes(self, coefs):
        return [coefs[0].shape[0], *(W.shape[1] for W in coefs)]

    def pack(self, coefs, intercepts, out=None):
        """Weights in the flat internal layout (a new array unless ``out``)."""
        self._prepare(self._layer_sizes(coefs))
        if out is None:
            out = np.empty(self.layout.size, self.dtype)
        return self.layout.pack(coefs, intercepts, out)

    def unpack(self, theta):
        """Fresh ``coefs, intercepts`` from the flat internal layout."""
        return self.layout.unpack(theta)

    def _views(self, theta):
        """Per-layer views into a flat vector, cached: making them costs ~1 µs.

        ``(Vs, VTs, W0, b0)``: the blocks ``V_l``; their weight parts
        transposed, ``V_l[:, :-1]ᵀ`` (what carries deltas back); and the first
        layer's weight part ``V_0[:, :-1]`` and bias column ``V_0[:, -1:]``.
        """
        entry = self._view_cache.get(id(theta))
        if entry is not None and entry[0] is theta:
            return entry[1]
        Vs = self.layout.views(theta)
        views = (Vs, [V[:, :-1].T for V in Vs], Vs[0][:, :-1], Vs[0][:, -1:])
        if len(self._view_cache) > 16:
            self._view_cache.clear()
        # Holding ``theta`` keeps its id from being reused by another array.
        self._view_cache[id(theta)] = (theta, views)
        return views

    # ------------------------------------------------------------ kernel
    def evaluate(self, theta, grad=None, grad_scale=1.0):
        r"""``J(theta)``; with ``grad``, also ``grad := grad_scale * ∂J/∂theta``.

        ``theta`` and ``grad`` are flat vectors in the internal layout (see
        :meth:`pack`); ``grad_scale = -learning_rate`` turns ``grad`` into the
        gradient-descent step itself.  Returns ``J`` as a Python float.
        """
        # exp(-z) overflows to inf for very negative z; 1 / (1 + inf) = 0 is
        # the correct sigmoid, so the warning is noise.
        with np.errstate(over="ignore"):
            return self._evaluate(theta, grad, grad_scale)

    def _evaluate(self, theta, grad, grad_scale):
        """:meth:`evaluate` without the ``errstate`` (the caller sets it)."""
        Vs, VTs, W0, b0 = self._views(theta)
        n_hidden = len(Vs) - 1
        if self._negate:
            # Negated weights give -z directly for the SIMD sigmoid.
            ntheta = self._neg_theta
            np.negative(theta, out=ntheta)
            nVs, _, nW0, nb0 = self._views(ntheta)
        want_grad = grad is not None
        single = self._single
        if want_grad:
            # One chunk writes the gradient directly; several accumulate.
            gVs = self._views(grad if single else self._grad_tmp)[0]
            gV0 = gVs[0]
            if not single:
                grad.fill(0)
        mode = self._mode
        first = self._first
        if first == "rows":
            W0T, nW0T = self._w0t, self._nw0t
            np.copyto(W0T, W0.T)
            if self._negate:
                np.copyto(nW0T, nW0.T)
        dot = np.dot
        sse = 0.0
        for Xc, yTc, swc, bufs, refill in self.chunks:
            if refill:
                bufs.fill_ones()
            acts = bufs.acts
            out = bufs.out
            # ---- forward: z = V [a; 1] (the bias through the row of ones);
            # for a hidden layer large enough for the SIMD sigmoid, -z.
            z = acts[1][:-1] if n_hidden else out
            neg = n_hidden and z.size >= _EXPIT_BELOW
            V, W, b = (nVs[0], nW0, nb0) if neg else (Vs[0], W0, b0)
            if mode == "augmented":
                dot(V, Xc, out=z)
            elif mode == "dense":
                if first == "rows":
                    zr = bufs.rows
                    np.matmul(Xc, nW0T if neg else W0T, out=zr)
                    np.add(zr.T, b, out=z)
                elif first == "outer":
                    np.multiply(W, Xc.T, out=z)
                    np.add(z, b, out=z)
                else:
                    dot(W, Xc.T, out=z)
                    np.add(z, b, out=z)
            else:
                if type(Xc) is tuple:
                    Xc = self.X[Xc[0]:Xc[1]]
                np.copyto(z, (Xc @ W.T).T)
                np.add(z, b, out=z)
            for layer in range(1, n_hidden + 1):
                if neg:
                    _sigmoid_of_negated(z)
                else:
                    expit(z, out=z)
                z = acts[layer + 1][:-1] if layer < n_hidden else out
                neg = layer < n_hidden and z.size >= _EXPIT_BELOW
                dot(nVs[layer] if neg else Vs[layer], acts[layer], out=z)
            # ---- loss from the same forward pass: r = ŷ - y
            np.subtract(out, yTc, out=out)
            if swc is None:
                delta = out
                sse += float(np.vdot(out, out))
            else:
                delta = bufs.wres
                np.multiply(out, swc, out=delta)
                sse += float(np.vdot(delta, out))
            if not want_grad:
                continue
            # ---- backward: δ^(l) = (Vᵀ δ^(l+1)) ⊙ a (1 - a)
            row_scale = None
            for layer in range(n_hidden, 0, -1):
                a_aug = acts[layer]
                dot(delta, a_aug.T, out=gVs[layer])
                new_delta = bufs.deltas[layer]
                a = a_aug[:-1]
                if delta.shape[0] == 1 and bufs.c >= _BROADCAST_DELTA_MIN_ROWS:
                    # One unit above (e.g. the single output): Vᵀ δ is the
                    # outer product v δ, so δ^(l) = v ⊙ (a (1 - a) δ), three
                    # passes instead of a slow rank-1 product and two more.
                    np.subtract(1, a, out=new_delta)
                    np.multiply(new_delta, a, out=new_delta)
                    np.multiply(new_delta, delta, out=new_delta)
                    if layer == 1:
                        # The first layer's gradient is linear in δ: scale
                        # its rows by v afterwards (on a few numbers).
                        row_scale = VTs[1]
                    else:
                        np.multiply(new_delta, VTs[layer], out=new_delta)
                else:
                    dot(VTs[layer], delta, out=new_delta)
                    np.multiply(new_delta, a, out=new_delta)
                    np.subtract(1, a, out=a)
                    np.multiply(new_delta, a, out=new_delta)
                delta = new_delta
            if mode == "augmented":
                dot(delta, Xc.T, out=gV0)
            else:
                # matmul, unlike dot, writes into the strided views.
                if mode == "dense":
                    np.matmul(delta, Xc, out=gV0[:, :-1])
                else:
                    gV0[:, :-1] = (Xc.T @ delta.T).T
                np.add.reduce(delta, axis=1, out=gV0[:, -1])
            if row_scale is not None:
                np.multiply(gV0, row_scale, out=gV0)
            if not single:
                np.add(grad, self._grad_tmp, out=grad)
        S = self.weight_sum
        penalty = 0.0
        if self._alpha_mask is not None:
            tmp = self._penalty_tmp
            np.multiply(theta, self._alpha_mask, out=tmp)
            penalty = 0.5 * float(np.vdot(tmp, theta))
            if want_grad:
                np.add(grad, tmp, out=grad)
        if want_grad:
            np.multiply(grad, grad_scale / S, out=grad)
        return (0.5 * sse + penalty) / S

    def constant_prediction_loss(self):
        r"""``J`` of the best constant prediction, the weighted mean of ``y``.

        :math:`\frac{1}{2S}\sum_i w_i \lVert y_i - \bar y\rVert^2` (no L2
        term), computed over chunks of rows so that, unlike the direct
        formula, it needs no ``n``-sized temporary: a scale for ``y`` that the
        estimator's divergence test uses.
        """
        y, sw, S = self.y, self.sample_weight, self.weight_sum
        k = y.shape[1]
        rows = max(1, min(self.n_samples, _CHUNK_ELEMENTS // k))
        total = 0.0
        # Overflow (huge y) gives inf, reported by the caller as divergence.
        with np.errstate(over="ignore", invalid="ignore"):
            mean = (y.sum(axis=0) if sw is None else sw @ y) / S
            buf = np.empty((rows, k), dtype=np.result_type(y.dtype, mean.dtype))
            for start in range(0, self.n_samples, rows):
                stop = min(start + rows, self.n_samples)
                r = buf[: stop - start]
                np.subtract(y[start:stop], mean, out=r)
                if sw is None:
                    total += float(np.vdot(r, r))
                else:
                    np.multiply(r, r, out=r)
                    total += float(sw[start:stop] @ r.sum(axis=1))
        return total / (2.0 * S)

    def flat_loss_gradient(self, theta):
        """``(J, ∂J/∂theta)`` at a flat vector in the internal layout.

        The seam to ``scipy.optimize.minimize(jac=True)``: optimise over
        ``theta = self.pack(coefs, intercepts)`` directly (any fixed layout
        serves L-BFGS) and :meth:`unpack` the result; no per-call repacking.
        The gradient is a new array.
        """
        grad = np.empty_like(theta)
        return self.evaluate(theta, grad), grad

    # ------------------------------------------------------------ interface
    def __call__(self, coefs, intercepts):
        """``(J, coef_grads, intercept_grads)`` by the reference functions.

        The list-of-arrays interface (used per mini-batch and per L-BFGS
        evaluation) keeps :func:`sigmoid_mlp._network.loss_gradient`'s exact
        arithmetic, so those solvers follow ``MLPRegressor``'s trajectories
        bit for bit where the tests expect it.  The fast path is
        :meth:`evaluate` / :meth:`flat_loss_gradient` on flat vectors, and
        :func:`run_full_batch_gd`.
        """
        return _network.loss_gradient(
            self.X, self.y, coefs, intercepts, self.sample_weight, self.alpha
        )

    def fast_call(self, coefs, intercepts):
        """:meth:`__call__` through the fast kernel (equal to relative 1e-12)."""
        theta = self.pack(coefs, intercepts)
        grad = np.empty_like(theta)
        loss = self.evaluate(theta, grad)
        coef_grads, intercept_grads = self.layout.unpack(grad)
        return loss, coef_grads, intercept_grads

    def loss(self, coefs, intercepts):
        """``J`` only (one forward pass, no backward pass)."""
        return self.evaluate(self.pack(coefs, intercepts))


@dataclass
class GDResult:
    """What :func:`run_full_batch_gd` hands back to the estimator.

    Attributes
    ----------
    coefs, intercepts : list of ndarray
        Final weights when ``status != 'diverged'``; otherwise the last finite
        weights (those before the divergent step).
    losses : list of float
        ``J`` before each step taken (one entry per completed epoch).
    status : {'converged', 'max_iter', 'diverged', 'interrupted'}
    final_loss : float
        ``J`` at the returned weights (for 'diverged': the offending loss).
    best_loss : float
    no_improvement_count : int
    diverged_epoch : int or None
        1-based epoch (within the call) whose step diverged.
    """

    coefs: list
    intercepts: list
    losses: list = field(default_factory=list)
    status: str = "max_iter"
    final_loss: float = np.nan
    best_loss: float = np.inf
    no_improvement_count: int = 0
    diverged_epoch: int | None = None


def run_full_batch_gd(
    loss_gradient,
    coefs,
    intercepts,
    *,
    learning_rate,
    n_epochs,
    tol,
    n_iter_no_change,
    best_loss,
    no_improvement_count,
    check_convergence,
    divergence_threshold,
    on_epoch=None,
):
    """Plain full-batch gradient descent, ``w := w - learning_rate * ∂J/∂w``.

    Each epoch computes ``J`` and the gradient at the current weights
    (``loss_gradient``, a :class:`FullBatchLossGradient`), stops with status
    ``'diverged'`` if ``J`` is not finite or exceeds ``divergence_threshold``,
    records ``J``, steps, and applies ``MLPRegressor``'s no-improvement rule
    (an epoch is bad when ``J > best_loss - tol``; stop when the count of
    consecutive bad epochs exceeds ``n_iter_no_change``) when
    ``check_convergence``.  After the last epoch, ``J`` at the final weights is
    computed and checked the same way.

    ``on_epoch(epoch, loss)``, when given, is called after every epoch (for
    progress output).  A ``KeyboardInterrupt`` ends the loop with status
    ``'interrupted'`` and the weights of the last complete epoch.

    The input weight arrays are never modified.

    With a :class:`FullBatchLossGradient` the loop runs on flat weight
    vectors: three buffers (current, previous, next) are allocated once and
    rotated, each step is one vectorised ``add`` of the gradient (already
    scaled by ``-learning_rate``), and nothing else is allocated per epoch.
    Any other callable with the same signature takes a plain list-based loop.
    """
    if not isinstance(loss_gradient, FullBatchLossGradient):
        return _run_generic_gd(
            loss_gradient, coefs, intercepts, learning_rate=learning_rate,
            n_epochs=n_epochs, tol=tol, n_iter_no_change=n_iter_no_change,
            best_loss=best_loss, no_improvement_count=no_improvement_count,
            check_convergence=check_convergence,
            divergence_threshold=divergence_threshold, on_epoch=on_epoch,
        )
    fb = loss_gradient
    current = fb.pack(coefs, intercepts)  # a copy: the inputs stay untouched
    if _use_compiled(fb):
        return _run_compiled_gd(
            fb, current, learning_rate=learning_rate, n_epochs=n_epochs, tol=tol,
            n_iter_no_change=n_iter_no_change, best_loss=best_loss,
            no_improvement_count=no_improvement_count,
            check_convergence=check_convergence,
            divergence_threshold=divergence_threshold, on_epoch=on_epoch,
        )
    previous = None
    spare = np.empty_like(current)
    grad = np.empty_like(current)
    evaluate = fb._evaluate
    add = np.add
    isfinite = math.isfinite
    threshold = float(divergence_threshold)
    scale = -float(learning_rate)
    best_loss = float(best_loss)
    losses = []
    append = losses.append
    done = 0  # epochs committed; ``losses`` may hold one more, uncommitted
    status = "max_iter"
    stop_after = n_iter_no_change if check_convergence else math.inf
    errstate = np.errstate(over="ignore")
    errstate.__enter__()
    try:
        for epoch in range(1, n_epochs + 1):
            loss = evaluate(current, grad, scale)
            if not isfinite(loss) or loss > threshold:
                last = previous if previous is not None else current
                coefs_out, intercepts_out = fb.unpack(last)
                del losses[done:]
                return GDResult(
                    coefs_out, intercepts_out, losses, "diverged", loss,
                    best_loss, no_improvement_count, epoch,
                )
            count = no_improvement_count + 1 if loss > best_loss - tol else 0
            best = loss if loss < best_loss else best_loss
            add(current, grad, out=spare)
            free = previous if previous is not None else np.empty_like(current)
            append(loss)
            # Commit the epoch in one statement (one line, no call): a
            # KeyboardInterrupt lands before or after it, never inside, so the
            # weights, the loss record and the counters always agree.
            previous, current, spare, no_improvement_count, best_loss, done = current, spare, free, count, best, epoch
            if on_epoch is not None:
                on_epoch(epoch, loss)
            if no_improvement_count > stop_after:
                status = "converged"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        errstate.__exit__(None, None, None)
    del losses[done:]
    final = fb.evaluate(current)
    if not isfinite(final) or final > threshold:
        last = previous if previous is not None else current
        coefs_out, intercepts_out = fb.unpack(last)
        return GDResult(
            coefs_out, intercepts_out, losses, "diverged", final, best_loss,
            no_improvement_count, len(losses),
        )
    coefs_out, intercepts_out = fb.unpack(current)
    return GDResult(
        coefs_out, intercepts_out, losses, status, final, best_loss,
        no_improvement_count, None,
    )


def _use_compiled(fb):
    """Whether the optional compiled loop (:mod:`._compiled`) runs this problem.

    ``ENGINE`` (environment variable ``SIGMOID_MLP_ENGINE``): ``'auto'``
    (default) uses it when numba is installed, the problem suits it (float64,
    dense, C-contiguous ``X``) and is small: ``n_samples x`` hidden units at
    most ``COMPILED_MAX_WORK``, where numpy's per-call overhead dominates an
    epoch (measured 4x faster at n = 200, h = 3; equal from a few thousand
    samples on, slower for wide layers, where BLAS wins).  ``'numpy'`` never
    uses it, ``'compiled'`` whenever it can (for tests).
    """
    if ENGINE == "numpy":
        return False
    if ENGINE == "auto":
        hidden_units = sum(fb.layout.layer_sizes[1:-1])
        if fb.n_samples * hidden_units > COMPILED_MAX_WORK:
            return False
    from . import _compiled

    return _compiled.supports(fb)


def _run_compiled_gd(fb, current, *, learning_rate, n_epochs, tol, n_iter_no_change,
                     best_loss, no_improvement_count, check_convergence,
                     divergence_threshold, on_epoch):
    """:func:`run_full_batch_gd` with the epochs run in compiled blocks.

    With ``on_epoch`` the blocks are one epoch long, so the callback runs
    after every epoch and the arithmetic is the same as without it.
    """
    from . import _compiled as cc

    problem = cc.CompiledProblem(fb, fb.layout.layer_sizes)
    previous = np.empty_like(current)
    have_previous = False
    grad = np.empty_like(current)
    block = np.empty(cc.BLOCK_EPOCHS, dtype=np.float64)
    info = np.full(5, -1.0)
    threshold = float(divergence_threshold)
    stop_after = float(n_iter_no_change) if check_convergence else math.inf
    best_loss = float(best_loss)
    count = int(no_improvement_count)
    losses = []
    done = 0  # epochs committed; ``losses`` may hold more, uncommitted
    status = "max_iter"
    block_epochs = cc.BLOCK_EPOCHS if on_epoch is None else 1
    try:
        while done < n_epochs:
            size = min(block_epochs, n_epochs - done)
            cc.run_gd_block(problem, current, previous, grad, learning_rate, size,
                            block, threshold, tol, best_loss, count, stop_after, info)
            new = int(info[0])
            del losses[done:]
            losses.extend(block[:new].tolist())
            # Take over the block's outcome in one statement (see the numpy
            # loop): an interrupt lands before or after it, never inside.
            done, best_loss, count, have_previous, info[0] = done + new, float(info[2]), int(info[3]), have_previous or new > 0, -1
            code = int(info[1])
            if code == 2:
                last = previous if have_previous else current
                coefs_out, intercepts_out = fb.unpack(last)
                return GDResult(coefs_out, intercepts_out, losses, "diverged",
                                float(info[4]), best_loss, count, done + 1)
            if on_epoch is not None and new:
                on_epoch(done, losses[done - 1])
            if code == 1:
                status = "converged"
                break
    except KeyboardInterrupt:
        if info[0] >= 0:  # the block finished but its outcome was not taken
            new = int(info[0])
            del losses[done:]
            losses.extend(block[:new].tolist())
            done, best_loss, count, have_previous = done + new, float(info[2]), int(info[3]), have_previous or new > 0
        status = "interrupted"
    del losses[done:]
    # The same function as ``loss_gradient.loss``, so the estimator compares
    # like with like (e.g. a step too small to change the weights leaves J
    # bit for bit unchanged).
    final = fb.evaluate(current)
    if not math.isfinite(final) or final > threshold:
        last = previous if have_previous else current
        coefs_out, intercepts_out = fb.unpack(last)
        return GDResult(coefs_out, intercepts_out, losses, "diverged", final,
                        best_loss, count, len(losses))
    coefs_out, intercepts_out = fb.unpack(current)
    return GDResult(coefs_out, intercepts_out, losses, status, final, best_loss,
                    count, None)


def _run_generic_gd(
    loss_gradient,
    coefs,
    intercepts,
    *,
    learning_rate,
    n_epochs,
    tol,
    n_iter_no_change,
    best_loss,
    no_improvement_count,
    check_convergence,
    divergence_threshold,
    on_epoch=None,
):
    """The list-based loop of :func:`run_full_batch_gd` for any callable."""
    n_layers = len(coefs)
    params = [*coefs, *intercepts]
    previous = None
    losses = []
    status = "max_iter"
    try:
        for epoch in range(1, n_epochs + 1):
            loss, coef_grads, intercept_grads = loss_gradient(
                params[:n_layers], params[n_layers:]
            )
            if not np.isfinite(loss) or loss > divergence_threshold:
                last = previous if previous is not None else params
                return GDResult(
                    list(last[:n_layers]), list(last[n_layers:]), losses,
                    "diverged", loss, best_loss, no_improvement_count, epoch,
                )
            new_params = [
                p - learning_rate * g
                for p, g in zip(params, [*coef_grads, *intercept_grads])
            ]
            previous, params = params, new_params
            losses.append(loss)
            if loss > best_loss - tol:
                no_improvement_count += 1
            else:
                no_improvement_count = 0
            best_loss = min(best_loss, loss)
            if on_epoch is not None:
                on_epoch(epoch, loss)
            if check_convergence and no_improvement_count > n_iter_no_change:
                status = "converged"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    if hasattr(loss_gradient, "loss"):
        final = loss_gradient.loss(params[:n_layers], params[n_layers:])
    else:
        final = loss_gradient(params[:n_layers], params[n_layers:])[0]
    if not np.isfinite(final) or final > divergence_threshold:
        last = previous if previous is not None else params
        return GDResult(
            list(last[:n_layers]), list(last[n_layers:]), losses, "diverged",
            final, best_loss, no_improvement_count, len(losses),
        )
    return GDResult(
        params[:n_layers], params[n_layers:], losses, status, final, best_loss,
        no_improvement_count, None,
    )


# The reference, for tests and for readers: the same quantities from the
# plain forward/backward functions.
reference_loss_gradient = _network.loss_gradient
