"""The numpy engine: :math:`J` and its gradient on one fixed data set, fast.

:class:`FullBatchLossGradient` computes what :func:`sigmoid_mlp._network.loss_gradient`
computes (tested equal to relative ``1e-12``) on flat weight vectors in the
layout of :class:`Layout`, and runs epochs of plain
full-batch gradient descent (:meth:`~FullBatchLossGradient.gd_epochs`).
:func:`sigmoid_mlp._plan.full_batch` chooses it (or the compiled engine
built on it); the training protocol of :mod:`sigmoid_mlp._protocol` drives it.

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

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._network import Layout, constant_prediction_loss
from ._protocol import is_divergent, no_improvement_count

__all__ = ["FullBatchLossGradient", "Layout"]


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


def sigmoid_of_negated(zn):
    """``zn := 1 / (1 + exp(zn))``: the sigmoid of ``-zn``, in place.

    The caller computes the negated pre-activation directly (with negated
    weights), which saves the negation pass.  ``exp`` overflow gives
    ``1 / inf = 0``, the correct value (the caller silences the warning).
    """
    np.exp(zn, out=zn)
    np.add(zn, 1, out=zn)
    np.divide(1, zn, out=zn)


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
    r"""``J`` and ``∂J/∂w`` on fixed data: the numpy engine.

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

    Flat vectors in :class:`Layout` (:meth:`pack`,
    :meth:`unpack`) go in and out of :meth:`evaluate` and :meth:`gd_epochs`.
    """

    engine = "numpy"

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
        self.layout = Layout(layer_sizes)
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
                    sigmoid_of_negated(z)
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
        r"""``J`` of the best constant prediction, the weighted mean of ``y``
        (:func:`._network.constant_prediction_loss`)."""
        return constant_prediction_loss(self.y, self.sample_weight, self.weight_sum)

    def flat_loss_gradient(self, theta):
        """``(J, ∂J/∂theta)`` at a flat vector in the internal layout.

        The seam to ``scipy.optimize.minimize(jac=True)``: optimise over
        ``theta = self.pack(coefs, intercepts)`` directly (any fixed layout
        serves L-BFGS) and :meth:`unpack` the result; no per-call repacking.
        The gradient is a new array.
        """
        grad = np.empty_like(theta)
        return self.evaluate(theta, grad), grad

    # ------------------------------------------------------------ engine
    def gd_epochs(self, progress, learning_rate, n_epochs, threshold, tol,
                  stop_after):
        """Up to ``n_epochs`` epochs of ``theta := theta - learning_rate ∂J/∂theta``.

        ``progress`` (an :class:`sigmoid_mlp._protocol.GDProgress`) holds the
        flat weights and the stopping-rule state and is updated once per
        complete epoch, in one statement: a KeyboardInterrupt leaves it at
        the end of the last complete epoch (``losses`` may hold one entry
        more, which the caller trims to ``done``).  Each epoch computes
        ``J`` and the step at the current weights; a divergent ``J``
        (:func:`sigmoid_mlp._protocol.is_divergent`) ends with status
        ``'diverged'`` before the step; :func:`~sigmoid_mlp._protocol.no_improvement_count`
        above ``stop_after`` ends with ``'converged'``.

        Three buffers (current, previous, next) are rotated, each step is one
        vectorised ``add`` of the gradient (already scaled by
        ``-learning_rate``), and nothing else is allocated per epoch.
        """
        p = progress
        evaluate = self._evaluate
        add = np.add
        scale = -float(learning_rate)
        threshold = float(threshold)
        append = p.losses.append
        with np.errstate(over="ignore"):
            for _ in range(n_epochs):
                current = p.current
                loss = evaluate(current, p.grad, scale)
                if is_divergent(loss, threshold):
                    p.status, p.loss = "diverged", loss
                    return
                count = no_improvement_count(p.count, loss, p.best_loss, tol)
                best = loss if loss < p.best_loss else p.best_loss
                spare = p.spare
                add(current, p.grad, out=spare)
                free = p.previous if p.previous is not None else np.empty_like(current)
                append(loss)
                # Commit the epoch in one statement (no call): an interrupt
                # lands before or after it, so weights, record and counters
                # always agree.
                p.previous, p.current, p.spare, p.count, p.best_loss, p.done = current, spare, free, count, best, p.done + 1
                if count > stop_after:
                    p.status = "converged"
                    return

    def loss(self, coefs, intercepts):
        """``J`` only (one forward pass, no backward pass)."""
        return self.evaluate(self.pack(coefs, intercepts))


