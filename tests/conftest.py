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
