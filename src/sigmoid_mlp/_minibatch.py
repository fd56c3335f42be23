r"""The mini-batch engine: 'sgd', 'adam' and scheduled 'gd' epochs on numpy data.

:class:`MiniBatchEngine` runs the epochs of :func:`sigmoid_mlp._drivers.run_epochs`
for numpy (dense or scipy.sparse) data: on every mini-batch the forward pass,
the loss, the backward pass and the solver's step, with

* **one flat weight vector** in ``MLPRegressor``'s order
  (:func:`sigmoid_mlp._network.pack`: every ``coefs[l]``, then every
  ``intercepts[l]``), the layers views into it, the gradient and the solver's
  state (velocities, moments) flat vectors of the same layout, so a step is
  a handful of ufuncs over the whole vector whatever the number of layers;
* **buffers allocated once** per batch shape (the last, shorter batch has
  its own), every ufunc and product writing with ``out=``, the shuffled
  rows gathered with ``np.take(..., out=)``;
* the **SIMD sigmoid** :math:`1/(1 + e^{-z})` (numpy's vectorised ``exp``,
  about four times faster than :func:`scipy.special.expit`, a few ulp from
  it), with :math:`-z` straight out of the product with the negated weights;
* the **update rules of** :mod:`sigmoid_mlp._solvers` applied in place, with
  the same floating-point operations in the same order (so the weights before
  a step are kept, in a second buffer, for the divergence report).

With ``exact=True`` the sigmoid is :func:`scipy.special.expit`, as in the
reference; then every operation is the reference's (:mod:`._network`,
``MLPRegressor``'s arithmetic) and the trajectory is the reference path's bit
for bit, which the tests check.  By default the SIMD sigmoid moves each
activation by a few ulp, and the trajectory stays within ``1e-10``
(relative) of ``MLPRegressor``'s over 50 epochs.

Epochs are driven by :func:`sigmoid_mlp._drivers.run_epochs` through the
training protocol; this module only runs the batches of one epoch
(:meth:`MiniBatchEngine.run_epoch`) and raises
:class:`sigmoid_mlp._protocol.Diverged` as the reference loop does.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from . import _network
from ._kernels import _BLAS_SINGLE_THREAD_MNK, FullBatchLossGradient, sigmoid_of_negated
from ._network import constant_prediction_loss
from ._protocol import Diverged

__all__ = ["MiniBatchEngine"]


class _Buffers:
    """Work arrays for batches of ``c`` rows (one instance per batch length)."""

    def __init__(self, c, layer_sizes, dtype, gather, X, y, sample_weight):
        d, k = layer_sizes[0], layer_sizes[-1]
        hidden = layer_sizes[1:-1]
        self.c = c
        # (sparse rows are gathered by scipy, into a new matrix)
        self.X = np.empty((c, d), X.dtype) if gather and not sp.issparse(X) else None
        self.y = np.empty((c, k), y.dtype) if gather else None
        self.sw = (np.empty(c, sample_weight.dtype)
                   if gather and sample_weight is not None else None)
        self.acts = [np.empty((c, u), dtype) for u in hidden]
        self.out = np.empty((c, k), dtype)
        self.deltas = [np.empty((c, u), dtype) for u in hidden]
        self.tmp = np.empty((c, max(hidden, default=1)), dtype)
        self.square = np.empty((c, k), dtype)
        self.row_sums = np.empty(c, dtype)
        # w_i times the squared error: float64 weights make it float64
        self.weighted = (None if sample_weight is None else
                         np.empty(c, np.result_type(dtype, sample_weight.dtype)))


class MiniBatchEngine:
    r""":math:`J_B`, :math:`\nabla J_B` and the step, batch after batch, in place.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
    layer_sizes : list of int
    exact : bool, default=False
        :func:`scipy.special.expit` instead of the SIMD sigmoid: the
        reference's arithmetic bit for bit (for the tests).

    Besides :meth:`run_epoch`, it has what :func:`sigmoid_mlp._fitting.train`
    asks of every objective (``engine``, ``n_samples``, ``weight_sum``,
    ``loss``, ``constant_prediction_loss``; the whole-data values come from
    :class:`._kernels.FullBatchLossGradient`, chunked, with no ``n``-sized
    temporary).
    """

    engine = "numpy"

    def __init__(self, X, y, sample_weight, alpha, layer_sizes, *, exact=False):
        if sp.issparse(X) and X.format != "csr":
            X = sp.csr_matrix(X)
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.alpha = float(alpha)
        self._whole = None  # the full-batch kernel, for J on all data
        self.n_samples = X.shape[0]
        self.weight_sum = _network.weight_sum(X, sample_weight)
        self.sparse = sp.issparse(X)
        self.exact = bool(exact)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.n_layers = len(self.layer_sizes) - 1
        self.dtype = np.dtype(X.dtype)
        sizes = self.layer_sizes
        layout = _network.FlatLayout(sizes)
        self.n_coef, self.size = layout.n_coef, layout.size
        # where each array of ``params`` (every coefs, then every intercepts)
        # sits in a flat vector
        self._slices = layout.slices
        self._layout = layout
        # three weight vectors (current, before the last step, next) and
        # their views, made once
        self._thetas = [np.empty(self.size, self.dtype) for _ in range(3)]
        self._views = [_network.unpack(t, sizes) for t in self._thetas]
        self._neg = np.empty(self.size, self.dtype)
        self._neg_views = _network.unpack(self._neg, sizes)
        self._grad = np.empty(self.size, self.dtype)
        self._grad_views = _network.unpack(self._grad, sizes)
        self._work = [np.empty(self.size, self.dtype) for _ in range(2)]
        self._state = [np.empty(self.size, self.dtype) for _ in range(2)]
        self._penalty_tmp = [np.empty_like(W) for W in self._views[0][0]]
        self._buffers = {}
        self._ones = np.ones(0, self.dtype)

    # ------------------------------------------------------- objective
    def _whole_data(self):
        """The full-batch kernel, made on first use, for :math:`J` on all data."""
        if self._whole is None:
            # in chunks whose products stay below OpenBLAS's threading
            # threshold, as the batches' do: once woken, its threads spin
            # and, on a busy 2-core machine, made the batches after them 3x
            # slower (measured).
            chunk = min(_BLAS_SINGLE_THREAD_MNK // ((a + 1) * b) for a, b in
                        zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
            self._whole = FullBatchLossGradient(
                self.X, self.y, self.sample_weight, self.alpha,
                chunk_rows=max(16, chunk))
            self._whole._prepare(self.layer_sizes)
        return self._whole

    def loss(self, coefs, intercepts):
        """:math:`J` on all data (the numpy full-batch kernel's forward pass)."""
        return self._whole_data().loss(coefs, intercepts)

    def constant_prediction_loss(self):
        return constant_prediction_loss(self.y, self.sample_weight, self.weight_sum)

    # ------------------------------------------------------- buffers
    def _pack(self, params, out):
        """``params`` (every coefs, then every intercepts) flat into ``out``."""
        start = 0
        for p in params:
            end = start + p.size
            out[start:end] = p.reshape(-1)
            start = end
        return out

    def _unpack(self, theta):
        """Fresh arrays (one copy of ``theta``) in the order of ``params``."""
        theta = theta.copy()
        return [theta[start:end].reshape(shape) for start, end, shape in self._slices]

    def _batch_buffers(self, c, gather):
        key = (c, gather)
        bufs = self._buffers.get(key)
        if bufs is None:
            bufs = _Buffers(c, self.layer_sizes, self.dtype, gather, self.X,
                            self.y, self.sample_weight)
            self._buffers[key] = bufs
            if self._ones.size < c:
                self._ones = np.ones(c, self.dtype)
        return bufs

    # ------------------------------------------------------- one batch
    def _loss_gradient(self, theta, views, Xb, yb, swb, bufs):
        r""":math:`J_B` and :math:`S_B`; :math:`\nabla J_B` into ``self._grad``.

        Operation for operation :func:`sigmoid_mlp._network.loss_gradient`
        (the sigmoid aside, unless ``exact``).
        """
        coefs, intercepts = views
        n_layers = self.n_layers
        last = n_layers - 1
        exact = self.exact
        if not exact:
            np.negative(theta, out=self._neg)
            ncoefs, nintercepts = self._neg_views
        # ---- forward
        a = Xb
        acts = [Xb]
        for layer in range(n_layers):
            z = bufs.out if layer == last else bufs.acts[layer]
            if layer == last or exact:
                W, b = coefs[layer], intercepts[layer]
            else:
                W, b = ncoefs[layer], nintercepts[layer]
            if self.sparse and layer == 0:
                z = a @ W  # a new dense array (scipy's product)
            else:
                np.matmul(a, W, out=z)
            np.add(z, b, out=z)
            if layer != last:
                if exact:
                    expit(z, out=z)
                else:  # z holds -z: the numpy engines' one fast sigmoid
                    sigmoid_of_negated(z)
            acts.append(z)
            a = z
        # ---- loss: _network.squared_error and l2_penalty
        c = bufs.c
        delta = acts[-1]
        np.subtract(delta, yb, out=delta)  # ŷ - y, the output error
        square = bufs.square
        np.multiply(delta, delta, out=square)
        if square.shape[1] == 1:
            per_sample = square.reshape(c)
        else:
            per_sample = bufs.row_sums
            np.add.reduce(square, axis=1, out=per_sample)
        if swb is None:
            weight_sum = c
            loss = float(np.add.reduce(per_sample)) / (2.0 * c)
        else:
            np.multiply(per_sample, swb, out=bufs.weighted)
            weight_sum = float(np.sum(swb))
            loss = float(np.add.reduce(bufs.weighted)) / (2.0 * weight_sum)
        alpha = self.alpha
        if alpha != 0:
            total = 0
            for W, tmp in zip(coefs, self._penalty_tmp):
                np.multiply(W, W, out=tmp)
                total += float(np.add.reduce(tmp, axis=None))
            loss += 0.5 * alpha * total / weight_sum
        # ---- backward: _network.backward
        if swb is not None:
            delta *= swb.reshape(-1, 1)
        coef_grads, intercept_grads = self._grad_views
        row_scale = None
        for layer in range(last, -1, -1):
            a_in = acts[layer]
            if self.sparse and layer == 0:
                coef_grads[0][...] = a_in.T @ delta
            else:
                np.matmul(a_in.T, delta, out=coef_grads[layer])
            if exact or delta.shape[1] == 1:
                np.add.reduce(delta, axis=0, out=intercept_grads[layer])
            else:  # Σ_i δ_i as a product: 3x faster than the reduction
                np.dot(self._ones[:c], delta, out=intercept_grads[layer])
            if row_scale is not None:
                np.multiply(coef_grads[0], row_scale, out=coef_grads[0])
                np.multiply(intercept_grads[0], row_scale[0], out=intercept_grads[0])
            if layer > 0:
                new = bufs.deltas[layer - 1]
                W = coefs[layer]
                tmp = bufs.tmp[:, : a_in.shape[1]]
                if W.shape[1] == 1 and layer == 1 and not exact:
                    # δ^(0) = (δ wᵀ) ⊙ a (1 - a) with one unit above: the
                    # first layer's gradient is linear in δ^(0), so w scales
                    # its columns afterwards (one pass over the batch less)
                    np.subtract(1, a_in, out=tmp)
                    np.multiply(tmp, a_in, out=new)
                    np.multiply(new, delta, out=new)
                    row_scale = W.reshape(1, -1)
                    delta = new
                    continue
                if W.shape[1] == 1:
                    # the product with a one-column δ is an outer product:
                    # each entry one rounded multiplication either way
                    np.multiply(delta, W.reshape(1, -1), out=new)
                else:
                    np.matmul(delta, W.T, out=new)
                np.multiply(new, a_in, out=new)
                np.subtract(1, a_in, out=tmp)
                np.multiply(new, tmp, out=new)
                delta = new
        grad = self._grad
        if alpha != 0:
            t = self._work[0][: self.n_coef]
            np.multiply(theta[: self.n_coef], alpha, out=t)
            np.add(grad[: self.n_coef], t, out=grad[: self.n_coef])
        np.divide(grad, weight_sum, out=grad)
        return loss, weight_sum

    # ------------------------------------------------------- solver state
    def _load_solver(self, solver):
        """The solver's state arrays into the flat state vectors."""
        solver.load_flat_state(self._state)

    def _store_solver(self, solver):
        """The flat state vectors back into the solver (fresh arrays)."""
        solver.store_flat_state(self._state, self._slices)

    def run_epoch(self, params, solver, order, batch_size, epoch, protocol, trail):
        """One epoch of ``solver``'s steps; ``(params, Σ_B S_B J_B)`` after it.

        ``params`` are the weights at the start (a list, ``MLPRegressor``'s
        order), ``order`` the shuffled row order (None: the rows in order),
        ``solver`` a copy the epoch may change (its state comes back as new
        arrays).  ``trail`` carries ``previous`` (the weights before the last
        step) and ``last_step`` (its epoch and step size) across batches and
        epochs, as the reference loop does; a divergent batch loss or
        non-finite weights raise :class:`sigmoid_mlp._protocol.Diverged`.
        """
        n = self.n_samples
        n_layers = self.n_layers
        total = self.weight_sum
        X, y, sw = self.X, self.y, self.sample_weight
        gather = order is not None and not (batch_size >= n)
        thetas, views = self._thetas, self._views
        cur, prev, spare = 0, 1, 2
        self._pack(params, thetas[cur])
        self._pack(trail.previous, thetas[prev])
        self._load_solver(solver)
        learning_rate = solver.learning_rate
        accumulated = 0.0
        check = protocol.check
        isfinite = math.isfinite
        with np.errstate(over="ignore"):
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                bufs = self._batch_buffers(stop - start, gather)
                if not gather:
                    rows = slice(start, stop)
                    Xb, yb = X[rows], y[rows]
                    swb = None if sw is None else sw[rows]
                else:
                    rows = order[start:stop]
                    Xb = (X[rows] if self.sparse
                          else np.take(X, rows, axis=0, out=bufs.X))
                    yb = np.take(y, rows, axis=0, out=bufs.y)
                    swb = None if sw is None else np.take(sw, rows, out=bufs.sw)
                loss, weight = self._loss_gradient(thetas[cur], views[cur], Xb, yb,
                                                   swb, bufs)
                if check(loss, weight / total):
                    raise Diverged(*trail.last_step, loss,
                                   self._unpack(thetas[prev]), n_layers)
                solver.flat_step(thetas[cur], self._grad, thetas[spare], self._state,
                                 self._work)
                new = thetas[spare]
                if not isfinite(float(np.add.reduce(new))) and not np.isfinite(
                        new).all():
                    raise Diverged(epoch, learning_rate, np.inf,
                                   self._unpack(thetas[cur]), n_layers)
                cur, prev, spare = spare, cur, prev
                trail.last_step = (epoch, learning_rate)
                accumulated += loss * weight
        # the buffers' roles rotate; keep their order for the next epoch
        self._thetas = [thetas[cur], thetas[prev], thetas[spare]]
        self._views = [views[cur], views[prev], views[spare]]
        trail.previous = self._unpack(self._thetas[1])
        self._store_solver(solver)
        return self._unpack(self._thetas[0]), accumulated
