"""Optional compiled engines (numba, the ``fast`` extra), one module per job.

* :mod:`.core` -- availability (:data:`AVAILABLE`), the vectorisable sigmoid,
  the chain rule one layer back, the full-batch forward/backward pass and
  the protocol's two rules, compiled;
* :mod:`.full_batch` -- :class:`CompiledObjective`, full-batch gradient
  descent with blocks of epochs in one call;
* :mod:`.mini_batch` -- :class:`CompiledMiniBatch`, one call per epoch of
  'sgd', 'adam' or scheduled 'gd';
* :mod:`.lm` -- :class:`CompiledSystem`, the Gauss-Newton sums of 'lm', and
  whole Levenberg-Marquardt iterations per call (:func:`.lm.run_block`);
* :mod:`.evidence` -- the Cholesky factor and the evidence updates of those
  iterations (``alpha='auto'``: one strength; ``alpha='ard'``: one per group).

Whether a problem runs here is decided by :func:`sigmoid_mlp._plan.plan`
alone; every engine is tested equal to :mod:`sigmoid_mlp._network`.  Without
numba the functions stay plain Python (``NUMBA_DISABLE_JIT=1`` runs them so
in CI, at small sizes).
"""

from .core import AVAILABLE
from .full_batch import BLOCK_EPOCHS, CompiledObjective
from .lm import (
    LM_CONVERGED,
    LM_DIVERGED,
    LM_MAX_FUN,
    LM_RUNNING,
    LM_SINGULAR,
    MAX_GN_WEIGHTS,
    CompiledSystem,
    run_block,
)
from .mini_batch import CompiledMiniBatch

__all__ = [
    "AVAILABLE",
    "BLOCK_EPOCHS",
    "LM_CONVERGED",
    "LM_DIVERGED",
    "LM_MAX_FUN",
    "LM_RUNNING",
    "LM_SINGULAR",
    "MAX_GN_WEIGHTS",
    "CompiledMiniBatch",
    "CompiledObjective",
    "CompiledSystem",
    "run_block",
]
