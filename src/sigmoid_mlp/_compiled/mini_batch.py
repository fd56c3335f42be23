"""Compiled mini-batch epochs: 'sgd', 'adam' and scheduled 'gd' (:class:`CompiledMiniBatch`).

A whole epoch of mini-batches runs in one call (:func:`_mb_epoch`): the
products BLAS calls into preallocated buffers, the bias, sigmoid, chain
rule, loss and step rules fused loops; tested against the reference
batches to ``1e-10``.
"""

from __future__ import annotations

import math

import numpy as np

from .._network import FlatLayout, constant_prediction_loss, weight_sum
from .._protocol import Diverged
from .core import _is_divergent, _sigmoid_row, jit


def _mb_rows(X, order, use_order, start, c, xb):
    """The batch's rows of ``X`` into ``xb`` (in the shuffled order)."""
    for i in range(c):
        r = order[start + i] if use_order else start + i
        xr = X[r]
        xi = xb[i]
        for m in range(xr.shape[0]):
            xi[m] = xr[m]


def _mb_forward(y, sw, has_sw, order, use_order, start, c, theta, sizes,
                coef_off, int_off, act_off, acts, kbuf, xb, delta):
    """One batch forward: activations into ``acts``; ``δ = w (ŷ - y)``; Σ w r².

    The products are BLAS calls (``np.dot`` into the buffers); the bias,
    the sigmoid and the residual are fused loops over the batch.
    """
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers):
        fi = sizes[layer]
        fo = sizes[layer + 1]
        W = theta[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        b = theta[int_off[layer]:int_off[layer] + fo]
        z = acts[act_off[layer + 1]:act_off[layer + 1] + c * fo]
        z2 = z.reshape(c, fo)
        if layer == 0:
            np.dot(xb[:c], W, z2)
        else:
            np.dot(acts[act_off[layer]:act_off[layer] + c * fi].reshape(c, fi), W,
                   z2)
        for i in range(c):
            zi = z2[i]
            for j in range(fo):
                zi[j] += b[j]
        if layer < n_layers - 1:
            _sigmoid_row(z, kbuf, c * fo)
    k = sizes[n_layers]
    out = acts[act_off[n_layers]:act_off[n_layers] + c * k]
    sse = 0.0
    for i in range(c):
        r = order[start + i] if use_order else start + i
        yr = y[r]
        for q in range(k):
            e = out[i * k + q] - yr[q]
            if has_sw:
                sse += sw[r] * (e * e)
                e = e * sw[r]
            else:
                sse += e * e
            delta[i * k + q] = e
    return sse


def _mb_backward(c, theta, grad, sizes, coef_off, int_off, act_off, acts, xb,
                 delta, other):
    """One batch backward: the unscaled ``Σ_i`` gradient into ``grad``."""
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers - 1, -1, -1):
        fi = sizes[layer]
        fo = sizes[layer + 1]
        W = theta[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        gW = grad[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        gb = grad[int_off[layer]:int_off[layer] + fo]
        d2 = delta[:c * fo].reshape(c, fo)
        if layer == 0:
            np.dot(xb[:c].T, d2, gW)
        else:
            a_in = acts[act_off[layer]:act_off[layer] + c * fi].reshape(c, fi)
            np.dot(a_in.T, d2, gW)
        for j in range(fo):
            gb[j] = 0.0
        for i in range(c):
            di = d2[i]
            for j in range(fo):
                gb[j] += di[j]
        if layer > 0:
            # δ^(l-1) = (δ^(l) Wᵀ) ⊙ a (1 - a)
            o2 = other[:c * fi].reshape(c, fi)
            np.dot(d2, W.T, o2)
            for i in range(c):
                oi = o2[i]
                ai = a_in[i]
                for m in range(fi):
                    oi[m] = oi[m] * ai[m] * (1.0 - ai[m])
            delta, other = other, delta


def _mb_epoch(X, y, sw, has_sw, order, use_order, batch_size, thetas, cur, prev,
              spare, grad, m1, m2, kind, learning_rate, momentum, nesterov,
              beta_1, beta_2, epsilon, t, alpha, n_coef, total_weight, threshold,
              sizes, coef_off, int_off, act_off, acts, kbuf, xb, d0, d1, info):
    """One epoch of mini-batch steps, compiled; the outcome goes to ``info``.

    ``kind`` 0: gradient descent, 1: (Nesterov's) momentum, 2: Adam, each
    rule written in the order of :mod:`._solvers`.  ``thetas`` holds three
    weight vectors, ``cur`` the current, ``prev`` the one before the last
    step, ``spare`` the next.  ``info = [batches, status, loss,
    accumulated, cur, prev, t, learning_rate]``; status 0: all batches done,
    1: a batch loss diverged (before its step), 2: a step made the weights
    non-finite (``cur`` is the weights before it).
    """
    n = X.shape[0]
    p = grad.shape[0]
    done = 0
    status = 0
    loss = 0.0
    accumulated = 0.0
    lr = learning_rate
    for start in range(0, n, batch_size):
        c = min(batch_size, n - start)
        theta = thetas[cur]
        _mb_rows(X, order, use_order, start, c, xb)
        sse = _mb_forward(y, sw, has_sw, order, use_order, start, c, theta,
                          sizes, coef_off, int_off, act_off, acts, kbuf, xb, d0)
        if has_sw:
            S = 0.0
            for i in range(c):
                S += sw[order[start + i] if use_order else start + i]
        else:
            S = float(c)
        penalty = 0.0
        if alpha != 0.0:
            for q in range(n_coef):
                penalty += theta[q] * theta[q]
        loss = sse / (2.0 * S) + 0.5 * alpha * penalty / S
        checked = loss * (S / total_weight) if math.isfinite(loss) else loss
        if _is_divergent(checked, threshold):
            status = 1
            break
        _mb_backward(c, theta, grad, sizes, coef_off, int_off, act_off, acts, xb,
                     d0, d1)
        if alpha != 0.0:
            for q in range(n_coef):
                grad[q] += alpha * theta[q]
        for q in range(p):
            grad[q] /= S
        new = thetas[spare]
        if kind == 2:
            t += 1
            lr = learning_rate * math.sqrt(1.0 - beta_2 ** float(t)) / (
                1.0 - beta_1 ** float(t))
            for q in range(p):
                g = grad[q]
                m1[q] = beta_1 * m1[q] + (1.0 - beta_1) * g
                m2[q] = beta_2 * m2[q] + (1.0 - beta_2) * (g * g)
                new[q] = theta[q] + (-lr * m1[q]) / (math.sqrt(m2[q]) + epsilon)
        elif kind == 1:
            for q in range(p):
                g = lr * grad[q]
                v = momentum * m1[q] - g
                m1[q] = v
                if nesterov:
                    v = momentum * v - g
                new[q] = theta[q] + v
        else:
            for q in range(p):
                new[q] = theta[q] - lr * grad[q]
        total = 0.0
        for q in range(p):
            total += new[q]
        if not math.isfinite(total):
            finite = True
            for q in range(p):
                if not math.isfinite(new[q]):
                    finite = False
            if not finite:
                status = 2
                break
        cur, prev, spare = spare, cur, prev
        accumulated += loss * S
        done += 1
    info[0] = done
    info[1] = status
    info[2] = loss
    info[3] = accumulated
    info[4] = cur
    info[5] = prev
    info[6] = t
    info[7] = lr



def _mb_loss(X, y, sw, has_sw, theta, sizes, coef_off, int_off, act_off, acts,
             kbuf, xb, delta, rows):
    """Σ wᵢ‖ŷᵢ - yᵢ‖² over all rows, ``rows`` at a time (the batches' forward pass)."""
    n = X.shape[0]
    no_order = np.zeros(1, dtype=np.int64)
    sse = 0.0
    for start in range(0, n, rows):
        c = min(rows, n - start)
        _mb_rows(X, no_order, False, start, c, xb)
        sse += _mb_forward(y, sw, has_sw, no_order, False, start, c, theta, sizes,
                           coef_off, int_off, act_off, acts, kbuf, xb, delta)
    return sse


_mb_rows = jit(_mb_rows)
_mb_forward = jit(_mb_forward)
_mb_backward = jit(_mb_backward)
_mb_epoch = jit(_mb_epoch)
_mb_loss = jit(_mb_loss)


class CompiledMiniBatch:
    """The mini-batch engine with each epoch one compiled call (:func:`_mb_epoch`).

    The interface and flat layout (:class:`._network.FlatLayout`) of the
    numpy engine :class:`._minibatch.MiniBatchEngine`; the batches' forward
    and backward passes, the loss check (:func:`._protocol.is_divergent`
    against the protocol's threshold, compiled) and the step rules (the
    solver's compiled code, :attr:`kernel_kind`) run in one call per epoch,
    the shuffled rows read in place through the permutation.  Float64 dense
    data only (the plan sees to it).
    """

    engine = "compiled"

    def __init__(self, X, y, sample_weight, alpha, layer_sizes):
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.alpha = float(alpha)
        self.n_samples = X.shape[0]
        self.weight_sum = weight_sum(X, sample_weight)
        layout = FlatLayout(layer_sizes)
        self.layer_sizes = layout.layer_sizes
        self.n_layers = len(self.layer_sizes) - 1
        self.n_coef, self.size, self._slices = layout.n_coef, layout.size, layout.slices
        self.sizes = layout.sizes
        self.coef_off, self.int_off = layout.coef_off, layout.int_off
        # the weights (current, before the last step, next), the gradient and
        # the solver's state vectors, made once
        self._block = np.empty((3, self.size))
        self._grad = np.empty(self.size)
        self._state = [np.empty(self.size) for _ in range(2)]
        self._rows = 0
        self._info = np.zeros(8)
        self._sw = sample_weight if sample_weight is not None else np.ones(1)
        self._no_order = np.zeros(1, dtype=np.int64)

    def constant_prediction_loss(self):
        return constant_prediction_loss(self.y, self.sample_weight, self.weight_sum)

    def _pack(self, params, out):
        """``params`` (every coefs, then every intercepts) flat into ``out``."""
        np.concatenate([p.reshape(-1) for p in params], out=out)
        return out

    def _unpack(self, theta):
        """Fresh arrays (one copy of ``theta``) in the order of ``params``."""
        theta = theta.copy()
        return [theta[start:end].reshape(shape) for start, end, shape in self._slices]

    def _work_for(self, rows):
        if rows <= self._rows:
            return
        units = self.sizes[1:]
        self._act_off = np.concatenate([[0, 0], np.cumsum(units * rows)[:-1]]
                                       ).astype(np.int64)
        self._acts = np.empty(int(units.sum()) * rows)
        width = int(units.max()) * rows
        self._kbuf = np.empty(width, dtype=np.int64)
        self._d0 = np.empty(width)
        self._d1 = np.empty(width)
        self._xb = np.empty((rows, self.layer_sizes[0]))
        self._rows = rows

    def loss(self, coefs, intercepts):
        """:math:`J` on all data, by the batches' compiled forward pass."""
        rows = min(self.n_samples, 256)
        self._work_for(rows)
        theta = self._pack([*coefs, *intercepts], self._block[2])
        with np.errstate(over="ignore", invalid="ignore"):
            sse = _mb_loss(self.X, self.y, self._sw, self.sample_weight is not None,
                           theta, self.sizes, self.coef_off, self.int_off,
                           self._act_off, self._acts, self._kbuf, self._xb, self._d0,
                           rows)
        penalty = sum(float(np.vdot(W, W)) for W in coefs)
        return (0.5 * sse + 0.5 * self.alpha * penalty) / self.weight_sum

    def run_epoch(self, params, solver, order, batch_size, epoch, protocol, trail):
        """:meth:`._minibatch.MiniBatchEngine.run_epoch`, in one compiled call."""
        self._work_for(min(batch_size, self.n_samples))
        block = self._block
        self._pack(params, block[0])
        self._pack(trail.previous, block[1])
        solver.load_flat_state(self._state)
        learning_rate = solver.learning_rate
        kind = solver.kernel_kind
        t, *hyper = solver.kernel_hyperparameters()
        use_order = order is not None
        info = self._info
        with np.errstate(over="ignore", invalid="ignore"):
            _mb_epoch(self.X, self.y, self._sw, self.sample_weight is not None,
                      order if use_order else self._no_order, use_order,
                      int(batch_size), block, 0, 1, 2, self._grad, self._state[0],
                      self._state[1], kind, *hyper, int(t), self.alpha, self.n_coef,
                      float(self.weight_sum),
                      float(protocol.config.divergence_threshold), self.sizes,
                      self.coef_off, self.int_off, self._act_off, self._acts,
                      self._kbuf, self._xb, self._d0, self._d1, info)
        done, status = int(info[0]), int(info[1])
        cur, prev = int(info[4]), int(info[5])
        if done:
            trail.last_step = (epoch, learning_rate)
        if kind == 2 and done:
            # Adam.step_size of the last step, as the kernel computed it
            solver.t, solver.learning_rate = int(info[6]), float(info[7])
        if status == 1:
            raise Diverged(*trail.last_step, float(info[2]),
                           self._unpack(block[prev]), self.n_layers)
        if status == 2:
            raise Diverged(epoch, learning_rate, np.inf, self._unpack(block[cur]),
                           self.n_layers)
        solver.store_flat_state(self._state, self._slices)
        trail.previous = self._unpack(block[prev])
        return self._unpack(block[cur]), float(info[3])

