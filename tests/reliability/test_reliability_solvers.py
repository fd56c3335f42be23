"""The reliability suite covers every solver: none is dropped silently.

A solver whose trial fit raises used to be left out of :data:`SOLVERS`, so a
broken solver shrank the suite instead of failing it.  Now every solver the
estimator offers is in :data:`SOLVERS`, and these tests fail when one cannot
fit or when the estimator offers a solver the list lacks.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from sigmoid_mlp import SigmoidMLPRegressor

from ._helpers import ALL_SOLVERS, SOLVERS, trial_fit


def test_the_suite_lists_every_solver_the_estimator_offers():
    # the estimator names its solvers when it rejects an unknown one
    with pytest.raises(ValueError, match="solver must be one of") as info:
        SigmoidMLPRegressor(solver="no-such-solver").fit(np.ones((4, 1)), np.ones(4))
    offered = re.findall(r"'([a-z]+)'", str(info.value).split(";")[0])
    assert sorted(offered) == sorted(ALL_SOLVERS)
    assert SOLVERS == list(ALL_SOLVERS)


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_every_solver_fits(solver):
    est = trial_fit(solver)  # an exception here is the failure
    assert est.n_iter_ >= 1
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
