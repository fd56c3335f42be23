"""Would a second core pay for a mini-batch epoch?  A stand-alone probe.

Not the engine: a simplified compiled epoch of plain SGD for one hidden layer
and one output (the shape of ``_compiled.mini_batch._mb_epoch``: BLAS products from
numba into buffers, fused sigmoid and chain rule), once serial and once with
every 200-row batch split into two halves that run on two threads
(``prange``), each half with its own gradient buffers, the halves' gradients
summed in a fixed order (deterministic).  Prints ms per epoch, best of 3, at
(100 000, 10, (100,)).

Run::

    NUMBA_NUM_THREADS=2 python benchmarks/two_threads.py

Needs numba (the ``fast`` extra).
"""

import time

import numpy as np
from numba import njit, prange


@njit(fastmath=True)
def _rows(Xb, yb, W1, b1, W2, b2, A, D, gW1, gb1, gW2, gb2):
    Z = np.dot(Xb, W1)
    n, h = Z.shape
    for i in range(n):
        for j in range(h):
            A[i, j] = 1.0 / (1.0 + np.exp(-(Z[i, j] + b1[j])))
    out = np.dot(A[:n], W2)
    for i in range(n):
        r = out[i, 0] + b2[0] - yb[i]
        for j in range(h):
            D[i, j] = r * W2[j, 0] * A[i, j] * (1.0 - A[i, j])
        gb2[0] += r
    gW2 += np.dot(A[:n].T, out + b2 - yb.reshape(-1, 1))
    gW1 += np.dot(Xb.T, D[:n])
    for j in range(h):
        s = 0.0
        for i in range(n):
            s += D[i, j]
        gb1[j] += s


@njit
def epoch_serial(X, y, W1, b1, W2, b2, batch, lr):
    h = W1.shape[1]
    A = np.empty((batch, h))
    D = np.empty((batch, h))
    gW1, gb1 = np.zeros_like(W1), np.zeros_like(b1)
    gW2, gb2 = np.zeros_like(W2), np.zeros_like(b2)
    for s in range(0, X.shape[0], batch):
        gW1[:] = 0
        gb1[:] = 0
        gW2[:] = 0
        gb2[:] = 0
        _rows(X[s:s + batch], y[s:s + batch], W1, b1, W2, b2, A, D,
              gW1, gb1, gW2, gb2)
        W1 -= lr * gW1 / batch
        b1 -= lr * gb1 / batch
        W2 -= lr * gW2 / batch
        b2 -= lr * gb2 / batch


@njit(parallel=True)
def epoch_two_threads(X, y, W1, b1, W2, b2, batch, lr):
    h = W1.shape[1]
    half = batch // 2
    A = np.empty((2, half, h))
    D = np.empty((2, half, h))
    gW1, gb1 = np.zeros((2, W1.shape[0], h)), np.zeros((2, h))
    gW2, gb2 = np.zeros((2, h, 1)), np.zeros((2, 1))
    for s in range(0, X.shape[0], batch):
        for t in prange(2):
            gW1[t] = 0
            gb1[t] = 0
            gW2[t] = 0
            gb2[t] = 0
            lo = s + t * half
            _rows(X[lo:lo + half], y[lo:lo + half], W1, b1, W2, b2, A[t], D[t],
                  gW1[t], gb1[t], gW2[t], gb2[t])
        W1 -= lr * (gW1[0] + gW1[1]) / batch
        b1 -= lr * (gb1[0] + gb1[1]) / batch
        W2 -= lr * (gW2[0] + gW2[1]) / batch
        b2 -= lr * (gb2[0] + gb2[1]) / batch


def main():
    rng = np.random.RandomState(0)
    n, d, h = 100_000, 10, 100
    X, y = rng.randn(n, d), rng.randn(n)

    def weights():
        r = np.random.RandomState(1)
        return r.randn(d, h) * 0.1, np.zeros(h), r.randn(h, 1) * 0.1, np.zeros(1)

    for epoch in (epoch_serial, epoch_two_threads):
        epoch(X[:400], y[:400], *weights(), 200, 0.01)  # compile
        best = np.inf
        for _ in range(3):
            w = weights()
            start = time.perf_counter()
            epoch(X, y, *w, 200, 0.01)
            best = min(best, time.perf_counter() - start)
        print(f"{epoch.__name__}: {1e3 * best:.1f} ms per epoch")


if __name__ == "__main__":
    main()
