"""The two rules every solver and every engine applies, written once.

Plain functions of floats, so that the compiled engine (:mod:`._compiled`)
compiles these very functions with numba instead of restating them.
"""

import math


def no_improvement_count(count, monitored, best, tol):
    """``MLPRegressor``'s stopping rule, one epoch at a time.

    An epoch is *bad* when the monitored loss does not beat the best so far by
    at least ``tol``; the count of consecutive bad epochs is returned (training
    stops once it exceeds ``n_iter_no_change``).
    """
    if monitored > best - tol:
        return count + 1
    return 0


def is_divergent(loss, threshold):
    """A loss that is not finite, or that blew up past ``threshold``."""
    return not math.isfinite(loss) or loss > threshold
