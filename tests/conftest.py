"""Shared test set-up.

The pieces many test files need are plain functions and constants in
``tests/_helpers.py`` (the deck's 1-3-1 network and sine data, random
weights, the sigmoid written out, central finite differences) and
``tests/_mlp_reference.py`` (scikit-learn's MLPRegressor started from given
weights).  They are functions rather than fixtures because the tests call
them with their own sizes, seeds and parameters: ``from _helpers import ...``.

This file puts ``tests/`` on ``sys.path`` so that those imports work under
every pytest import mode (``--import-mode=importlib`` included).
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


import pytest  # noqa: E402


def _skip_only_without_numba():
    """Skip a compiled-engine case where numba is absent or switched off on
    purpose; fail where it is installed and the engine still is not there."""
    import importlib.util
    import os

    if importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed")
    if os.environ.get("SIGMOID_MLP_DISABLE_NUMBA", "") not in ("", "0"):
        pytest.skip("SIGMOID_MLP_DISABLE_NUMBA is set")
    pytest.fail("numba is installed but the compiled engine is not available "
                "(tests/test_environment.py says why)")


@pytest.fixture(params=["numpy", "compiled", "reference"])
def mini_batch_engine(request, monkeypatch):
    """Run the test on every mini-batch objective: the engines and their oracle.

    ``'numpy'`` and ``'compiled'`` are the engines ``_plan.plan`` picks
    for numpy data (:mod:`sigmoid_mlp._minibatch`,
    :class:`sigmoid_mlp._compiled.CompiledMiniBatch`; the latter skipped
    without numba); ``'reference'`` swaps in the reference batches
    (:class:`sigmoid_mlp._engines.ReferenceBatches`, the path of other array
    libraries), so every behaviour is checked on each.
    """
    from sigmoid_mlp import _compiled, _plan

    if request.param == "reference":
        monkeypatch.setattr(_plan, "mini_batch", _plan.reference_batches)
    else:
        if request.param == "compiled" and not _compiled.AVAILABLE:
            _skip_only_without_numba()
        monkeypatch.setattr(_plan, "ENGINE", request.param)
    return request.param
