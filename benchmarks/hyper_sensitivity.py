"""How far the Gauss-Newton sensitivity of the prediction to ln(alpha) is from the network's.

``predict(X, return_std=True)`` after ``alpha='auto'``/``'ard'`` adds the
strengths' error bars through
:math:`\\partial\\mathbf w^*/\\partial\\ln\\alpha = -C^{-1}\\alpha P\\mathbf w^*`
with the Gauss-Newton curvature :math:`C` (``docs/evidence.rst``, "Error
bars").  This script measures, on a toy problem (60 rows of a sine plus a
linear term, noise 0.3, 3 hidden units, ``alpha='auto'``'s strength), the
derivative of the prediction at three points three ways: by finite
differences of networks refitted by Newton's method at
:math:`\\alpha e^{\\pm\\epsilon}` (the truth), with the Hessian of :math:`J`
(finite differences of the package's gradient), and with the Gauss-Newton
curvature (what the package uses).

Run::

    PYTHONPATH=src python benchmarks/hyper_sensitivity.py
"""

import numpy as np

from sigmoid_mlp import SigmoidMLPRegressor, _network
from sigmoid_mlp._lm import GaussNewtonSystem

SIZES = [2, 3, 1]


def hessian(system, x, h=1e-6):
    """Central differences of the package's gradient of J."""
    return np.array([(system.gradient_curvature(x + h * e)[0]
                      - system.gradient_curvature(x - h * e)[0]) / (2 * h)
                     for e in np.eye(len(x))])


def newton(X, y, alpha, x, steps=30):
    """The minimum of J at ``alpha`` near ``x`` (Newton's method)."""
    system = GaussNewtonSystem(X, y[:, None], None, alpha, SIZES, np.float64,
                               penalise_intercepts=True)
    for _ in range(steps):
        x = x - np.linalg.solve(hessian(system, x),
                                system.gradient_curvature(x)[0])
    return x, system


def main():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(60, 2))
    y = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 1] + 0.3 * rng.randn(60)
    est = SigmoidMLPRegressor((3,), solver="lm", alpha="auto",
                              random_state=0).fit(X, y)
    alpha = est.alpha_
    x, system = newton(X, y, alpha, _network.pack(est.coefs_, est.intercepts_))
    _, curvature = system.gradient_curvature(x)
    eps = 1e-5
    plus, _ = newton(X, y, alpha * np.exp(eps), x)
    minus, _ = newton(X, y, alpha * np.exp(-eps), x)
    pull = alpha * x / len(X)  # J's units: its curvature is divided by S
    X_new = np.array([[0.3, -1.0], [1.5, 0.5], [2.5, 2.5]])
    coefs, intercepts = _network.unpack(x, SIZES)
    jac = _network.output_jacobian(_network.forward(X_new, coefs, intercepts),
                                   coefs)[:, 0, :]
    print(f"alpha={alpha:.4g}; d prediction / d ln(alpha) at {X_new.tolist()}:")
    print("  refitted networks:", jac @ ((plus - minus) / (2 * eps)))
    print("  Hessian:          ", -jac @ np.linalg.solve(hessian(system, x), pull))
    print("  Gauss-Newton:     ", -jac @ np.linalg.solve(curvature, pull))


if __name__ == "__main__":
    main()
